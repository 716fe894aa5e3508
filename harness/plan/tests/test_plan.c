/* test_plan.c: unit tests of discovery and selection (plan/plan.h) on
 * temporary directory trees of scenario files. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan/plan.h"
#include "tests/unit/cunit_main.h"
#include "util/fsutil.h"

/* ------------------------------------------------------------------------ */
/* Helpers */

#define ASSERT_STR(got, want)                                                        \
	do {                                                                         \
		const char *g_ = (got), *w_ = (want);                                \
		CU_ASSERT_PTR_NOT_NULL(g_);                                          \
		if (g_) {                                                            \
			CU_ASSERT_STRING_EQUAL(g_, w_);                              \
			if (strcmp(g_, w_) != 0)                                     \
				fprintf(stderr, "\n  %s:%d\n  got  [%s]\n  want [%s]\n", \
					__FILE__, __LINE__, g_, w_);                 \
		}                                                                    \
	} while (0)

/* The temporary directory of the running test, and the suite root in it
 * (named "suite", so files directly in it get that group). */
static char tmp_dir[64];
static char root[128];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void write_text(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	char *dir = nc_path_dirname(path);
	CU_ASSERT_FATAL(nc_mkdir_p(dir) == 0);
	free(dir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* Writes a valid UDP scenario with the given family and keywords lines
 * (either may be NULL for the default). */
static void write_scn(const char *rel, const char *families, const char *keywords)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "scenario s\n"
		 "transport udp\n"
		 "%s%s%s"
		 "%s%s%s"
		 "server\n"
		 "  bind loopback:0\n"
		 "  recvfrom 100 => \"x\"\n"
		 "client\n"
		 "  sendto \"x\" server\n",
		 families ? "family " : "", families ? families : "", families ? "\n" : "",
		 keywords ? "keywords " : "", keywords ? keywords : "", keywords ? "\n" : "");
	write_text(rel, text);
}

static void remove_root(void);

static void make_root(void)
{
	/* A test stopped by a fatal assertion leaves its tree behind. */
	if (tmp_dir[0])
		remove_root();
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/nc-test-plan-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(tmp_dir) != NULL);
	snprintf(root, sizeof(root), "%s/suite", tmp_dir);
	CU_ASSERT_FATAL(mkdir(root, 0777) == 0);
}

static void remove_root(void)
{
	nftw(tmp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	CU_ASSERT_FALSE(nc_is_dir(tmp_dir));
	tmp_dir[0] = 0;
}

/* The standard tree: groups, nesting, a file directly in the root, hidden
 * and non-scenario files, and one file that does not parse. */
static void make_tree(void)
{
	make_root();
	write_scn("udp/b.scn", "inet inet6", "udp smoke");
	write_scn("udp/a.scn", "inet6 inet", "udp");
	write_scn("tcp/c.scn", "inet", NULL);
	write_scn("top.scn", "dual", "smoke");
	write_scn("deep/x/y/z.scn", "inet6", "deep");
	write_text("bad/broken.scn", "scenario broken\ntransport sctp\n");
	/* Ignored: hidden files and directories, editors' files, other
	 * extensions. */
	write_scn(".hidden.scn", NULL, NULL);
	write_scn("udp/.a.scn.swp.scn", NULL, NULL);
	write_scn(".git/x.scn", NULL, NULL);
	write_text("udp/notes.txt", "not a scenario\n");
	write_text("udp/a.scn~", "not a scenario either\n");
	write_text("udp/scn", "no extension\n");
}

static int discover(const char *const *paths, size_t n, struct nc_plan *p)
{
	char err[512] = "";
	int rc = nc_plan_discover(paths, n, NULL, NULL, p, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "\n  discover: %s\n", err);
	return rc;
}

/* Returns the index of the variant with this name, or -1. */
static long find_variant(const struct nc_plan *p, const char *name)
{
	for (size_t i = 0; i < p->nvariants; i++)
		if (strcmp(p->variants[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Joins the variant names in report order, for whole-plan comparisons. */
static char *variant_names(const struct nc_plan *p)
{
	size_t n = 1;
	for (size_t i = 0; i < p->nvariants; i++)
		n += strlen(p->variants[i].name) + 1;
	char *s = calloc(1, n);
	CU_ASSERT_FATAL(s != NULL);
	for (size_t i = 0; i < p->nvariants; i++) {
		strcat(s, p->variants[i].name);
		strcat(s, " ");
	}
	return s;
}

#define ASSERT_NAMES(p, want)                                                        \
	do {                                                                         \
		char *n_ = variant_names(p);                                         \
		ASSERT_STR(n_, want);                                                \
		free(n_);                                                            \
	} while (0)

/* ------------------------------------------------------------------------ */
/* Discovery */

static void test_directory(void)
{
	make_tree();
	struct nc_plan p;
	const char *paths[] = { root };
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &p), 0);
	/* Sorted by path, hidden and non-.scn files left out. */
	CU_ASSERT_EQUAL_FATAL(p.nfiles, 6);
	static const char *const rel[] = { "bad/broken.scn", "deep/x/y/z.scn", "tcp/c.scn",
					   "top.scn", "udp/a.scn", "udp/b.scn" };
	static const char *const ids[] = { "bad/broken", "deep/x/y/z", "tcp/c",
					   "suite/top", "udp/a", "udp/b" };
	static const char *const groups[] = { "bad", "deep", "tcp", "suite", "udp", "udp" };
	for (size_t i = 0; i < 6; i++) {
		char want[512];
		snprintf(want, sizeof(want), "%s/%s", root, rel[i]);
		ASSERT_STR(p.files[i].path, want);
		ASSERT_STR(p.files[i].id, ids[i]);
		ASSERT_STR(p.files[i].group, groups[i]);
	}
	/* Every file is parsed up front; the bad one is counted and kept with
	 * its diagnostic. */
	CU_ASSERT_EQUAL(p.parse_errors, 1);
	CU_ASSERT_FALSE(p.files[0].ok);
	CU_ASSERT(p.files[0].diag.msg[0] != 0);
	CU_ASSERT(p.files[0].diag.line == 2);
	CU_ASSERT_PTR_NULL(nc_plan_load(&p, 0));
	for (size_t i = 1; i < 6; i++) {
		/* Only a summary stays loaded after discovery. */
		CU_ASSERT(p.files[i].ok);
		CU_ASSERT_PTR_NULL(p.files[i].sc);
		ASSERT_STR(p.files[i].name, "s");
		CU_ASSERT_EQUAL(p.files[i].transport, NC_TRANSPORT_UDP);
		/* Loaded again, the scenario knows the name it is reported
		 * under; a second load returns the same copy. */
		struct nc_scenario *sc = nc_plan_load(&p, (uint32_t)i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
		CU_ASSERT_PTR_EQUAL(nc_plan_load(&p, (uint32_t)i), sc);
		ASSERT_STR(sc->id, ids[i]);
		ASSERT_STR(sc->group, groups[i]);
	}
	/* The summaries: keywords and families in the file's order. */
	CU_ASSERT_EQUAL_FATAL(p.files[5].nkeywords, 2);
	ASSERT_STR(p.files[5].keywords[0], "udp");
	ASSERT_STR(p.files[5].keywords[1], "smoke");
	CU_ASSERT_EQUAL(p.files[4].nfamilies, 2);
	CU_ASSERT_EQUAL(p.files[4].families[0], NC_FAM_INET6);
	CU_ASSERT_EQUAL(p.files[4].families[1], NC_FAM_INET);
	CU_ASSERT_EQUAL(p.files[2].nkeywords, 0);
	nc_plan_unload(&p, 4);
	CU_ASSERT_PTR_NULL(p.files[4].sc);
	nc_plan_release(&p);
	for (size_t i = 0; i < 6; i++)
		CU_ASSERT_PTR_NULL(p.files[i].sc);
	/* A file that stopped parsing since discovery: load says so. */
	write_text("udp/a.scn", "scenario a\ntransport carrier-pigeon\n");
	CU_ASSERT_PTR_NULL(nc_plan_load(&p, 4));
	CU_ASSERT(p.files[4].diag.msg[0] != 0);
	/* Nothing is selected before nc_plan_select. */
	CU_ASSERT_EQUAL(p.nvariants, 0);
	nc_plan_free(&p);

	/* A trailing slash on the directory changes nothing but the paths'
	 * spelling. */
	char slashed[256];
	snprintf(slashed, sizeof(slashed), "%s/", root);
	const char *paths2[] = { slashed };
	CU_ASSERT_EQUAL_FATAL(discover(paths2, 1, &p), 0);
	CU_ASSERT_EQUAL_FATAL(p.nfiles, 6);
	ASSERT_STR(p.files[3].id, "suite/top");
	ASSERT_STR(p.files[4].id, "udp/a");
	nc_plan_free(&p);

	/* A sub-directory as the root: its files are directly in it. */
	char udp[256];
	snprintf(udp, sizeof(udp), "%s/udp", root);
	const char *paths3[] = { udp };
	CU_ASSERT_EQUAL_FATAL(discover(paths3, 1, &p), 0);
	CU_ASSERT_EQUAL_FATAL(p.nfiles, 2);
	ASSERT_STR(p.files[0].id, "udp/a");
	ASSERT_STR(p.files[0].group, "udp");
	ASSERT_STR(p.files[1].id, "udp/b");
	nc_plan_free(&p);

	/* Nested: the first component below the root is the group. */
	char deep[256];
	snprintf(deep, sizeof(deep), "%s/deep", root);
	const char *paths4[] = { deep };
	CU_ASSERT_EQUAL_FATAL(discover(paths4, 1, &p), 0);
	CU_ASSERT_EQUAL_FATAL(p.nfiles, 1);
	ASSERT_STR(p.files[0].id, "x/y/z");
	ASSERT_STR(p.files[0].group, "x");
	nc_plan_free(&p);
	remove_root();
}

static void test_file_argument(void)
{
	make_tree();
	struct nc_plan p;
	char a[256], top[256];
	snprintf(a, sizeof(a), "%s/udp/a.scn", root);
	snprintf(top, sizeof(top), "%s/top.scn", root);
	/* A file named on its own takes its directory's name as its group,
	 * which is the id it has when found through the root. */
	const char *paths[] = { top, a };
	CU_ASSERT_EQUAL_FATAL(discover(paths, 2, &p), 0);
	CU_ASSERT_EQUAL_FATAL(p.nfiles, 2);
	ASSERT_STR(p.files[0].path, top);
	ASSERT_STR(p.files[0].id, "suite/top");
	ASSERT_STR(p.files[0].group, "suite");
	ASSERT_STR(p.files[1].path, a);
	ASSERT_STR(p.files[1].id, "udp/a");
	ASSERT_STR(p.files[1].group, "udp");
	nc_plan_free(&p);

	/* Any file is taken when named, whatever its extension. */
	char txt[256];
	snprintf(txt, sizeof(txt), "%s/udp/notes.txt", root);
	const char *paths2[] = { txt };
	CU_ASSERT_EQUAL_FATAL(discover(paths2, 1, &p), 0);
	CU_ASSERT_EQUAL_FATAL(p.nfiles, 1);
	ASSERT_STR(p.files[0].id, "udp/notes");
	CU_ASSERT_EQUAL(p.parse_errors, 1);
	nc_plan_free(&p);
	remove_root();
}

static void test_relative_roots(void)
{
	/* "." and ".." name directories too: their group is the directory's
	 * real name, as for a file named on its own in the same place. */
	make_tree();
	char cwd[PATH_MAX], udp[256];
	CU_ASSERT_FATAL(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(udp, sizeof(udp), "%s/udp", root);
	CU_ASSERT_FATAL(chdir(udp) == 0);
	struct nc_plan p;
	const char *dot[] = { "." };
	CU_ASSERT_EQUAL(discover(dot, 1, &p), 0);
	CU_ASSERT_EQUAL(p.nfiles, 2);
	if (p.nfiles == 2) {
		ASSERT_STR(p.files[0].path, "./a.scn");
		ASSERT_STR(p.files[0].id, "udp/a");
		ASSERT_STR(p.files[0].group, "udp");
	}
	nc_plan_free(&p);
	const char *file[] = { "a.scn" };
	CU_ASSERT_EQUAL(discover(file, 1, &p), 0);
	CU_ASSERT_EQUAL(p.nfiles, 1);
	if (p.nfiles == 1)
		ASSERT_STR(p.files[0].id, "udp/a");
	nc_plan_free(&p);
	const char *up[] = { "../udp/.." };
	CU_ASSERT_EQUAL(discover(up, 1, &p), 0);
	CU_ASSERT_EQUAL(p.nfiles, 6);
	if (p.nfiles == 6) {
		ASSERT_STR(p.files[3].path, "../udp/../top.scn");
		ASSERT_STR(p.files[3].id, "suite/top");
		ASSERT_STR(p.files[3].group, "suite");
		ASSERT_STR(p.files[4].id, "udp/a");
	}
	nc_plan_free(&p);
	CU_ASSERT_FATAL(chdir(cwd) == 0);
	remove_root();
}

static void test_dedup(void)
{
	make_tree();
	struct nc_plan p;
	char a[256], udp[256];
	snprintf(a, sizeof(a), "%s/udp/a.scn", root);
	snprintf(udp, sizeof(udp), "%s/udp", root);
	/* The same file directly and through its directory, in either order,
	 * and the same directory twice: each file once. */
	const char *orders[][3] = { { a, root, a }, { root, a, root }, { udp, root, udp } };
	for (size_t k = 0; k < 3; k++) {
		CU_ASSERT_EQUAL_FATAL(discover(orders[k], 3, &p), 0);
		CU_ASSERT_EQUAL(p.nfiles, 6);
		size_t count = 0;
		for (size_t i = 0; i < p.nfiles; i++)
			if (strcmp(p.files[i].path, a) == 0) {
				count++;
				ASSERT_STR(p.files[i].id, "udp/a");
			}
		CU_ASSERT_EQUAL(count, 1);
		CU_ASSERT_EQUAL(p.parse_errors, 1);
		/* Still sorted by path after merging. */
		for (size_t i = 1; i < p.nfiles; i++)
			CU_ASSERT(strcmp(p.files[i - 1].path, p.files[i].path) < 0);
		nc_plan_free(&p);
	}
	remove_root();
}

static void test_missing_path(void)
{
	make_tree();
	struct nc_plan p;
	char missing[256];
	snprintf(missing, sizeof(missing), "%s/nope", root);
	const char *paths[] = { root, missing };
	char err[512] = "";
	CU_ASSERT_EQUAL(nc_plan_discover(paths, 2, NULL, NULL, &p, err, sizeof(err)), -1);
	char want[600];
	snprintf(want, sizeof(want), "%s: No such file or directory", missing);
	ASSERT_STR(err, want);
	/* Whatever was found before the missing path is released already, so
	 * a caller that only reports the error leaks nothing; freeing again
	 * is harmless. */
	CU_ASSERT_EQUAL(p.nfiles, 0);
	nc_plan_free(&p);
	/* An empty directory is not an error: it has no files. */
	char empty[256];
	snprintf(empty, sizeof(empty), "%s/empty", root);
	CU_ASSERT_FATAL(mkdir(empty, 0777) == 0);
	const char *paths2[] = { empty };
	CU_ASSERT_EQUAL(discover(paths2, 1, &p), 0);
	CU_ASSERT_EQUAL(p.nfiles, 0);
	struct nc_plan_opts o = { 0 };
	nc_plan_select(&p, &o);
	CU_ASSERT_EQUAL(p.nvariants, 0);
	CU_ASSERT_PTR_NOT_NULL(p.order);
	nc_plan_free(&p);
	remove_root();
}


/* Returns the file with this path below root, or NULL. */
static const struct nc_plan_file *find_file(const struct nc_plan *p, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (size_t i = 0; i < p->nfiles; i++)
		if (strcmp(p->files[i].path, path) == 0)
			return &p->files[i];
	return NULL;
}

static void link_at(const char *target, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	CU_ASSERT_FATAL(symlink(target, path) == 0);
}

/* Links back up the tree cannot make the walk loop, and a file reached by
 * several paths is listed once. Without the inode check, two `ln -s . x`
 * links list a.scn thousands of times (2^32 paths, cut only by the depth
 * limit), and this test does not end. */
static void test_links(void)
{
	make_root();
	write_scn("udp/a.scn", "inet", NULL);
	write_scn("tcp/b.scn", "inet", NULL);
	link_at(".", "udp/self");
	link_at(".", "udp/self2");
	link_at("..", "udp/up");
	link_at("a.scn", "udp/alias.scn");
	link_at("../udp", "tcp/udp-too");
	char a[512], hard[512];
	snprintf(a, sizeof(a), "%s/udp/a.scn", root);
	snprintf(hard, sizeof(hard), "%s/udp/hard.scn", root);
	CU_ASSERT_FATAL(link(a, hard) == 0);
	struct nc_plan p;
	const char *paths[] = { root, root };
	CU_ASSERT_EQUAL_FATAL(discover(paths, 2, &p), 0);
	CU_ASSERT_EQUAL(p.nfiles, 2);
	CU_ASSERT_EQUAL(p.parse_errors, 0);
	CU_ASSERT_PTR_NOT_NULL(find_file(&p, "udp/a.scn"));
	CU_ASSERT_PTR_NOT_NULL(find_file(&p, "tcp/b.scn"));
	nc_plan_free(&p);
	remove_root();
}

static void expect_problem(const struct nc_plan *p, const char *rel, const char *msg)
{
	const struct nc_plan_file *f = find_file(p, rel);
	CU_ASSERT_PTR_NOT_NULL(f);
	if (!f) {
		fprintf(stderr, "\n  no entry for %s\n", rel);
		return;
	}
	CU_ASSERT_FALSE(f->ok);
	char line[1400];
	ASSERT_STR(nc_diag_format(&f->diag, line, sizeof(line)) + strlen(root) + 1, msg);
}

/* What cannot be read is reported with the reason and counted, never
 * skipped; a FIFO never blocks the walk or the parse. */
static void test_problems(void)
{
	make_root();
	write_scn("udp/a.scn", "inet", NULL);
	link_at("nowhere.scn", "udp/gone.scn");
	link_at("loop.scn", "udp/loop.scn");
	link_at("nowhere", "udp/gone-not-ours");
	char path[512];
	snprintf(path, sizeof(path), "%s/udp/pipe.scn", root);
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	snprintf(path, sizeof(path), "%s/udp/folder.scn", root);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	write_scn("udp/folder.scn/inner.scn", "inet", NULL);
	link_at("/dev/null", "udp/null.scn");
	/* 34 levels: deeper than the walk goes. */
	char deep[512] = "deep";
	for (int i = 0; i < 33; i++)
		strcat(deep, "/d");
	char rel[600];
	snprintf(rel, sizeof(rel), "%s/x.scn", deep);
	write_scn(rel, "inet", NULL);
	struct nc_plan p;
	const char *paths[] = { root };
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &p), 0);
	expect_problem(&p, "udp/gone.scn", "udp/gone.scn: dangling symbolic link: No such file or directory");
	expect_problem(&p, "udp/loop.scn", "udp/loop.scn: cannot follow symbolic link: Too many levels of symbolic links");
	expect_problem(&p, "udp/pipe.scn", "udp/pipe.scn: cannot read scenario file: it is a FIFO, not a regular file");
	expect_problem(&p, "udp/folder.scn", "udp/folder.scn: cannot read scenario file: it is a directory, not a regular file");
	expect_problem(&p, "udp/null.scn", "udp/null.scn: cannot read scenario file: it is a character device, not a regular file");
	/* The deepest folder searched is at depth 32; the one below it is
	 * reported. */
	char d32[600];
	snprintf(d32, sizeof(d32), "%.*s", (int)(strlen("deep") + 32 * 2), deep);
	char want[800];
	snprintf(want, sizeof(want), "%s: folder not searched: nested deeper than 32 levels", d32);
	expect_problem(&p, d32, want);
	CU_ASSERT_EQUAL(p.nfiles, 7);
	CU_ASSERT_EQUAL(p.parse_errors, 6);
	const struct nc_plan_file *g = find_file(&p, "udp/gone.scn");
	if (g) {
		ASSERT_STR(g->id, "udp/gone");
		ASSERT_STR(g->group, "udp");
	}
	/* Each becomes one variant that reports its problem. */
	struct nc_plan_opts o = { 0 };
	nc_plan_select(&p, &o);
	CU_ASSERT_EQUAL(p.nvariants, 7);
	CU_ASSERT(find_variant(&p, "udp/pipe[parse]") >= 0);
	nc_plan_free(&p);

	/* The same FIFO named directly is refused the same way. */
	snprintf(path, sizeof(path), "%s/udp/pipe.scn", root);
	const char *direct[] = { path };
	CU_ASSERT_EQUAL_FATAL(discover(direct, 1, &p), 0);
	CU_ASSERT_EQUAL(p.parse_errors, 1);
	expect_problem(&p, "udp/pipe.scn", "udp/pipe.scn: cannot read scenario file: it is a FIFO, not a regular file");
	nc_plan_free(&p);
	remove_root();
}

/* Permissions bind only a user without CAP_DAC_OVERRIDE: as root, the
 * checks run in a child that has become nobody. */
static void test_unreadable(void)
{
	make_root();
	write_scn("udp/a.scn", "inet", NULL);
	write_scn("udp/secret.scn", "inet", NULL);
	write_scn("locked/b.scn", "inet", NULL);
	char path[512];
	snprintf(path, sizeof(path), "%s/udp/secret.scn", root);
	CU_ASSERT_FATAL(chmod(path, 0) == 0);
	snprintf(path, sizeof(path), "%s/locked", root);
	CU_ASSERT_FATAL(chmod(path, 0) == 0);
	CU_ASSERT_FATAL(chmod(tmp_dir, 0755) == 0);
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(3);
		struct nc_plan p;
		const char *paths[] = { root };
		char err[512];
		if (nc_plan_discover(paths, 1, NULL, NULL, &p, err, sizeof(err)) < 0)
			_exit(4);
		const struct nc_plan_file *lk = find_file(&p, "locked");
		const struct nc_plan_file *sc = find_file(&p, "udp/secret.scn");
		char line[1400];
		int bad = 0;
		if (!lk || !strstr(nc_diag_format(&lk->diag, line, sizeof(line)),
				   "/suite/locked: cannot open folder: Permission denied"))
			bad |= 8;
		if (!sc || !strstr(nc_diag_format(&sc->diag, line, sizeof(line)),
				   "/suite/udp/secret.scn: cannot read scenario file: Permission denied"))
			bad |= 16;
		if (p.nfiles != 3 || p.parse_errors != 2)
			bad |= 32;
		if (lk && strcmp(lk->id, "suite/locked") != 0)
			bad |= 64;
		nc_plan_free(&p);
		_exit(bad);
	}
	int st = 0;
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFEXITED(st));
	CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
	if (WEXITSTATUS(st))
		fprintf(stderr, "\n  unreadable: child failed with %d\n", WEXITSTATUS(st));
	CU_ASSERT_FATAL(chmod(path, 0700) == 0);
	remove_root();
}

/* Two roots that give one id (a/udp/x.scn and b/udp/x.scn both run as
 * udp/x[inet]) are refused before anything runs, naming both files. */
static void test_duplicate_ids(void)
{
	make_root();
	write_scn("a/udp/x.scn", "inet", NULL);
	write_scn("b/udp/x.scn", "inet6", NULL);
	write_scn("b/udp/y.scn", "inet", NULL);
	char a[200], b[200];
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b", root);
	struct nc_plan p;
	const char *paths[] = { a, b };
	char err[1024] = "";
	CU_ASSERT_EQUAL(nc_plan_discover(paths, 2, NULL, NULL, &p, err, sizeof(err)), -1);
	char want[1024];
	snprintf(want, sizeof(want), "%s/udp/x.scn and %s/udp/x.scn both give the scenario id "
		 "udp/x, so their variants would share names (udp/x[...]); run them separately "
		 "or rename one", a, b);
	ASSERT_STR(err, want);
	CU_ASSERT_EQUAL(p.nfiles, 0);
	nc_plan_free(&p);
	/* Named directly, the same. */
	char xa[600], xb[600];
	snprintf(xa, sizeof(xa), "%s/udp/x.scn", a);
	snprintf(xb, sizeof(xb), "%s/udp/x.scn", b);
	const char *files[] = { xb, xa };
	CU_ASSERT_EQUAL(nc_plan_discover(files, 2, NULL, NULL, &p, err, sizeof(err)), -1);
	ASSERT_STR(err, want);
	nc_plan_free(&p);
	/* Different ids are fine. */
	const char *ok[] = { xa, b };
	snprintf(xb, sizeof(xb), "%s/udp/x.scn", b);
	CU_ASSERT_FATAL(unlink(xb) == 0);
	CU_ASSERT_EQUAL(discover(ok, 2, &p), 0);
	CU_ASSERT_EQUAL(p.nfiles, 2);
	nc_plan_free(&p);
	remove_root();
}

static int stop_after(void *ctx)
{
	int *calls = ctx;
	return --*calls <= 0 ? 15 : 0;
}

/* A stop answer ends discovery: what was found is kept, the files not
 * parsed yet are marked so and get one "unread" variant each. */
static void test_stop(void)
{
	make_root();
	for (int i = 0; i < 6; i++) {
		char rel[64];
		snprintf(rel, sizeof(rel), "udp/s%d.scn", i);
		write_scn(rel, "inet inet6", NULL);
	}
	const char *paths[] = { root };
	struct nc_plan p;
	char err[512];
	/* Asked once for the path, once per folder and once per entry while
	 * walking (1 + 2 + 1 + 6 = 10 here), then once per file parsed: the
	 * 13th answer stops after two files were parsed. */
	int calls = 13;
	CU_ASSERT_EQUAL_FATAL(nc_plan_discover(paths, 1, stop_after, &calls, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.interrupted, 15);
	CU_ASSERT_EQUAL(p.nfiles, 6);
	size_t parsed = 0, unparsed = 0;
	for (size_t i = 0; i < p.nfiles; i++) {
		parsed += p.files[i].ok;
		unparsed += p.files[i].unparsed;
	}
	CU_ASSERT_EQUAL(parsed, 2);
	CU_ASSERT_EQUAL(unparsed, 4);
	CU_ASSERT_EQUAL(p.parse_errors, 0);
	struct nc_plan_opts o = { 0 };
	nc_plan_select(&p, &o);
	CU_ASSERT_EQUAL(p.nvariants, 2 * 2 + 4);
	CU_ASSERT(find_variant(&p, "udp/s5[unread]") >= 0);
	CU_ASSERT(find_variant(&p, "udp/s0[inet6]") >= 0);
	struct nc_result *r = nc_plan_result(&p, (uint32_t)find_variant(&p, "udp/s0[inet6]"));
	ASSERT_STR(r->name, "udp/s0[inet6]");
	ASSERT_STR(r->variant, "inet6");
	ASSERT_STR(nc_result_get_prop(r, "family"), "inet6");
	nc_result_free(r);
	free(r);
	nc_plan_free(&p);
	/* Stopped while walking: nothing parsed. */
	calls = 3;
	CU_ASSERT_EQUAL_FATAL(nc_plan_discover(paths, 1, stop_after, &calls, &p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(p.interrupted, 15);
	for (size_t i = 0; i < p.nfiles; i++)
		CU_ASSERT(p.files[i].unparsed && !p.files[i].ok);
	nc_plan_free(&p);
	remove_root();
}

/* ------------------------------------------------------------------------ */
/* Selection */

static void test_select_all(void)
{
	make_tree();
	struct nc_plan p;
	const char *paths[] = { root };
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &p), 0);
	struct nc_plan_opts o = { 0 };
	nc_plan_select(&p, &o);
	/* Sorted by file, then in the order of each file's family line. The
	 * bad file is one "parse" variant. */
	ASSERT_NAMES(&p, "bad/broken[parse] deep/x/y/z[inet6] tcp/c[inet] suite/top[dual] "
			 "udp/a[inet6] udp/a[inet] udp/b[inet] udp/b[inet6] ");
	CU_ASSERT_EQUAL_FATAL(p.nvariants, 8);
	const struct nc_plan_variant *v = &p.variants[0];
	CU_ASSERT(v->parse_error);
	ASSERT_STR(v->variant, "parse");
	CU_ASSERT_EQUAL(v->file, 0);
	CU_ASSERT_EQUAL(v->rep, 1);
	v = &p.variants[4];
	CU_ASSERT_FALSE(v->parse_error);
	CU_ASSERT_EQUAL(v->family, NC_FAM_INET6);
	ASSERT_STR(v->variant, "inet6");
	CU_ASSERT_EQUAL(v->file, 4);
	CU_ASSERT_EQUAL(p.variants[3].family, NC_FAM_DUAL);
	/* Without --shuffle, execution order is report order. */
	for (size_t i = 0; i < p.nvariants; i++)
		CU_ASSERT_EQUAL(p.order[i], i);
	CU_ASSERT_EQUAL(p.shuffle_seed, 0);
	nc_plan_free(&p);
	remove_root();
}

static void select_names(const struct nc_plan_opts *o, const char *want)
{
	struct nc_plan p;
	const char *paths[] = { root };
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &p), 0);
	nc_plan_select(&p, o);
	ASSERT_NAMES(&p, want);
	nc_plan_free(&p);
}

static void test_filters(void)
{
	make_tree();
	struct nc_plan_opts o = { 0 };
	/* On the id: every variant of the file. fnmatch runs without
	 * FNM_PATHNAME, so '*' crosses '/'. */
	const char *f1[] = { "udp/*" };
	o.filters = f1;
	o.nfilters = 1;
	select_names(&o, "udp/a[inet6] udp/a[inet] udp/b[inet] udp/b[inet6] ");
	const char *f2[] = { "*/z" };
	o.filters = f2;
	select_names(&o, "deep/x/y/z[inet6] ");
	/* On the name: only the matching variants. */
	const char *f3[] = { "*inet6]" };
	o.filters = f3;
	select_names(&o, "deep/x/y/z[inet6] udp/a[inet6] udp/b[inet6] ");
	const char *f4[] = { "udp/b\\[inet\\]" };
	o.filters = f4;
	select_names(&o, "udp/b[inet] ");
	/* Several filters: any may match. A parse error matches on its id. */
	const char *f5[] = { "tcp/c", "bad/*", "nothing" };
	o.filters = f5;
	o.nfilters = 3;
	select_names(&o, "bad/broken[parse] tcp/c[inet] ");
	/* A filter that matches nothing selects nothing. */
	const char *f6[] = { "nope*" };
	o.filters = f6;
	o.nfilters = 1;
	select_names(&o, "");
	remove_root();
}

static void test_keywords_families(void)
{
	make_tree();
	struct nc_plan_opts o = { 0 };
	const char *k1[] = { "smoke" };
	o.keywords = k1;
	o.nkeywords = 1;
	/* Files without the keyword, and files that did not parse (their
	 * keywords are unknown), are left out. */
	select_names(&o, "suite/top[dual] udp/b[inet] udp/b[inet6] ");
	const char *k2[] = { "deep", "udp" };
	o.keywords = k2;
	o.nkeywords = 2;
	select_names(&o, "deep/x/y/z[inet6] udp/a[inet6] udp/a[inet] udp/b[inet] udp/b[inet6] ");
	const char *k3[] = { "smok" };
	o.keywords = k3;
	o.nkeywords = 1;
	select_names(&o, "");

	/* Families: a bit per family; files without them drop out, parse
	 * errors stay (their families are unknown). */
	memset(&o, 0, sizeof(o));
	o.families = 1u << NC_FAM_INET6;
	select_names(&o, "bad/broken[parse] deep/x/y/z[inet6] udp/a[inet6] udp/b[inet6] ");
	o.families = (1u << NC_FAM_INET) | (1u << NC_FAM_DUAL);
	select_names(&o, "bad/broken[parse] tcp/c[inet] suite/top[dual] udp/a[inet] udp/b[inet] ");
	/* Combined with a filter on names: both must hold. */
	const char *f[] = { "udp/*" };
	o.filters = f;
	o.nfilters = 1;
	o.families = 1u << NC_FAM_INET;
	select_names(&o, "udp/a[inet] udp/b[inet] ");
	remove_root();
}

static void test_repeat(void)
{
	make_tree();
	struct nc_plan_opts o = { 0 };
	const char *f[] = { "udp/a", "bad/*" };
	o.filters = f;
	o.nfilters = 2;
	o.repeat = 2;
	/* Repetitions follow each family; a parse error is reported once. */
	select_names(&o, "bad/broken[parse] udp/a[inet6#1] udp/a[inet6#2] udp/a[inet#1] "
			 "udp/a[inet#2] ");
	struct nc_plan p;
	const char *paths[] = { root };
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &p), 0);
	nc_plan_select(&p, &o);
	CU_ASSERT_EQUAL_FATAL(p.nvariants, 5);
	ASSERT_STR(p.variants[2].variant, "inet6#2");
	CU_ASSERT_EQUAL(p.variants[2].rep, 2);
	CU_ASSERT_EQUAL(p.variants[1].rep, 1);
	ASSERT_STR(p.variants[0].variant, "parse");
	nc_plan_free(&p);
	/* repeat 1 and 0 both mean once, without a "#1". */
	o.repeat = 1;
	select_names(&o, "bad/broken[parse] udp/a[inet6] udp/a[inet] ");
	o.repeat = 0;
	select_names(&o, "bad/broken[parse] udp/a[inet6] udp/a[inet] ");
	remove_root();
}

/* A bigger tree for sharding and shuffling: files with one to three
 * families, two that do not parse. */
static void make_many(void)
{
	make_root();
	static const char *fams[] = { "inet", "inet inet6", "inet6 inet dual", "dual" };
	char rel[64];
	for (int i = 0; i < 11; i++) {
		snprintf(rel, sizeof(rel), "g%d/s%02d.scn", i % 3, i);
		write_scn(rel, fams[i % 4], i % 2 ? "odd" : "even");
	}
	write_text("g1/bad1.scn", "scenario\n");
	write_text("g2/bad2.scn", "nonsense\n");
}

static void test_shards(void)
{
	make_many();
	const char *paths[] = { root };
	struct nc_plan all;
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &all), 0);
	CU_ASSERT_EQUAL(all.parse_errors, 2);
	struct nc_plan_opts o = { 0 };
	o.repeat = 2;
	nc_plan_select(&all, &o);
	CU_ASSERT(all.nvariants > 20);
	for (unsigned n = 1; n <= 6; n++) {
		/* Which shard each variant of the whole plan landed in. */
		int *shard_of = calloc(all.nvariants, sizeof(int));
		int *file_shard = calloc(all.nfiles, sizeof(int));
		CU_ASSERT_FATAL(shard_of && file_shard);
		size_t total = 0;
		for (unsigned k = 1; k <= n; k++) {
			struct nc_plan p;
			CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &p), 0);
			o.shard_k = k;
			o.shard_n = n;
			nc_plan_select(&p, &o);
			total += p.nvariants;
			for (size_t i = 0; i < p.nvariants; i++) {
				long w = find_variant(&all, p.variants[i].name);
				CU_ASSERT_FATAL(w >= 0);
				/* Disjoint: no variant in two shards. */
				CU_ASSERT_EQUAL(shard_of[w], 0);
				shard_of[w] = (int)k;
				/* A file's variants stay together. */
				uint32_t f = p.variants[i].file;
				CU_ASSERT(file_shard[f] == 0 || file_shard[f] == (int)k);
				file_shard[f] = (int)k;
			}
			/* Within a shard, report order is kept. */
			for (size_t i = 1; i < p.nvariants; i++)
				CU_ASSERT(find_variant(&all, p.variants[i - 1].name) <
					  find_variant(&all, p.variants[i].name));
			nc_plan_free(&p);
		}
		/* The union is the whole plan. */
		CU_ASSERT_EQUAL(total, all.nvariants);
		for (size_t i = 0; i < all.nvariants; i++)
			CU_ASSERT(shard_of[i] >= 1);
		/* Shards are balanced by file: no shard is empty while another
		 * has two files more than it. */
		if (n <= all.nfiles) {
			size_t *files_in = calloc(n + 1, sizeof(size_t));
			for (size_t f = 0; f < all.nfiles; f++)
				files_in[file_shard[f]]++;
			for (unsigned k = 1; k <= n; k++) {
				CU_ASSERT(files_in[k] >= all.nfiles / n);
				CU_ASSERT(files_in[k] <= all.nfiles / n + 1);
			}
			free(files_in);
		}
		free(shard_of);
		free(file_shard);
	}
	nc_plan_free(&all);

	/* Shards count only files with something selected: with a filter,
	 * every shard of two still gets one of the two selected files. */
	const char *f[] = { "g0/s00", "g0/s03" };
	o.filters = f;
	o.nfilters = 2;
	o.repeat = 1;
	for (unsigned k = 1; k <= 2; k++) {
		struct nc_plan p;
		CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &p), 0);
		o.shard_k = k;
		o.shard_n = 2;
		nc_plan_select(&p, &o);
		CU_ASSERT(p.nvariants >= 1);
		if (p.nvariants >= 1)
			ASSERT_STR(p.files[p.variants[0].file].id, k == 1 ? "g0/s00" : "g0/s03");
		nc_plan_free(&p);
	}
	remove_root();
}

static void test_shuffle(void)
{
	make_many();
	const char *paths[] = { root };
	struct nc_plan_opts o = { 0 };
	struct nc_plan plain, a, b, c;
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &plain), 0);
	nc_plan_select(&plain, &o);
	o.shuffle = true;
	o.seed = 42;
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &a), 0);
	nc_plan_select(&a, &o);
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &b), 0);
	nc_plan_select(&b, &o);
	o.seed = 43;
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &c), 0);
	nc_plan_select(&c, &o);
	CU_ASSERT_EQUAL(a.shuffle_seed, 42);
	CU_ASSERT_EQUAL(c.shuffle_seed, 43);
	/* The report order does not move; only the execution order does. */
	char *n0 = variant_names(&plain), *n1 = variant_names(&a);
	ASSERT_STR(n1, n0);
	free(n0);
	free(n1);
	CU_ASSERT_EQUAL_FATAL(a.nvariants, plain.nvariants);
	size_t n = a.nvariants;
	/* A permutation of every variant. */
	bool *seen = calloc(n, sizeof(bool));
	CU_ASSERT_FATAL(seen != NULL);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_FATAL(a.order[i] < n);
		CU_ASSERT_FALSE(seen[a.order[i]]);
		seen[a.order[i]] = true;
	}
	free(seen);
	/* The same seed gives the same order; another seed another, and
	 * neither is the identity. */
	bool same_ab = true, same_ac = true, identity = true;
	for (size_t i = 0; i < n; i++) {
		same_ab &= a.order[i] == b.order[i];
		same_ac &= a.order[i] == c.order[i];
		identity &= a.order[i] == i;
	}
	CU_ASSERT(same_ab);
	CU_ASSERT_FALSE(same_ac);
	CU_ASSERT_FALSE(identity);
	nc_plan_free(&a);
	nc_plan_free(&b);
	nc_plan_free(&c);

	/* Seed 0 derives one from the clock and records it, so the order can
	 * be replayed. */
	o.seed = 0;
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &a), 0);
	nc_plan_select(&a, &o);
	CU_ASSERT(a.shuffle_seed != 0);
	o.seed = a.shuffle_seed;
	CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &b), 0);
	nc_plan_select(&b, &o);
	CU_ASSERT(memcmp(a.order, b.order, a.nvariants * sizeof(uint32_t)) == 0);
	nc_plan_free(&a);
	nc_plan_free(&b);
	nc_plan_free(&plain);
	remove_root();

	/* Two variants: every seed gives one of the two orders, and both
	 * occur (a shuffle that never moves the first element would not). */
	make_root();
	write_scn("x/two.scn", "inet inet6", NULL);
	int seen_orders[2] = { 0, 0 };
	for (uint64_t seed = 1; seed <= 64; seed++) {
		o.seed = seed;
		CU_ASSERT_EQUAL_FATAL(discover(paths, 1, &a), 0);
		nc_plan_select(&a, &o);
		CU_ASSERT_EQUAL_FATAL(a.nvariants, 2);
		CU_ASSERT(a.order[0] + a.order[1] == 1);
		seen_orders[a.order[0]]++;
		nc_plan_free(&a);
	}
	CU_ASSERT(seen_orders[0] > 0);
	CU_ASSERT(seen_orders[1] > 0);
	remove_root();
}

/* ------------------------------------------------------------------------ */

void nc_unit_register(void)
{
	static const struct nc_unit_test disc[] = {
		{ "directory", test_directory },
		{ "file argument", test_file_argument },
		{ "relative roots", test_relative_roots },
		{ "named twice", test_dedup },
		{ "missing path", test_missing_path },
		{ "links", test_links },
		{ "problems reported", test_problems },
		{ "unreadable", test_unreadable },
		{ "duplicate ids", test_duplicate_ids },
		{ "stop", test_stop },
		{ NULL, NULL },
	};
	static const struct nc_unit_test sel[] = {
		{ "all", test_select_all },
		{ "filters", test_filters },
		{ "keywords and families", test_keywords_families },
		{ "repeat", test_repeat },
		{ "shards", test_shards },
		{ "shuffle", test_shuffle },
		{ NULL, NULL },
	};
	nc_unit_suite("discover", disc);
	nc_unit_suite("select", sel);
}
