/* plan.c: discovery, parsing, selection and ordering of variants. */
#include "plan/plan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/text.h"

#define MAX_DEPTH 32

/* A file or folder as the kernel knows it: links and repeated paths lead
 * to the same one. */
struct file_key {
	dev_t dev;
	ino_t ino;
};

static int key_cmp(const void *a, const void *b)
{
	const struct file_key *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

struct deferred;

/* Discovery's state: what was seen, and how to learn of a stop signal. */
struct walker {
	struct nc_plan *p;
	void *dirs;               /* tsearch tree of the folders entered */
	void *files;              /* and of the files added */
	int (*stop)(void *ctx);
	void *stop_ctx;
	struct deferred *later;   /* links of the root being walked, for after it */
	size_t nlater;
};

/* Returns true when st's file was seen before, and records it otherwise. */
static bool seen_before(void **tree, const struct stat *st)
{
	struct file_key *k = nc_xmalloc(sizeof(*k));
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	struct file_key **found = tsearch(k, tree, key_cmp);
	if (!found)
		abort(); /* tsearch fails only when memory ran out */
	if (*found != k) {
		free(k);
		return true;
	}
	return false;
}

static bool stopping(struct walker *w)
{
	if (!w->p->interrupted && w->stop)
		w->p->interrupted = w->stop(w->stop_ctx);
	return w->p->interrupted != 0;
}

static struct nc_plan_file *add_entry(struct nc_plan *p, const char *path, const char *id,
				      const char *group)
{
	p->files = nc_xrealloc(p->files, (p->nfiles + 1) * sizeof(*p->files));
	struct nc_plan_file *f = &p->files[p->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = nc_strdup(path);
	f->id = nc_strdup(id);
	f->group = nc_strdup(group);
	return f;
}

/* Adds a scenario file once, however many paths lead to it (named directly
 * and through its folder, a link beside it, a hard link). */
static void add_file(struct walker *w, const char *path, const struct stat *st, const char *id,
		     const char *group)
{
	if (seen_before(&w->files, st))
		return;
	add_entry(w->p, path, id, group);
}

/* Records a path discovery could not search or read, as a file that does
 * not parse: it is counted and reported with the others, never skipped. */
static void add_problem(struct walker *w, const char *path, const char *id, const char *group,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_problem(struct walker *w, const char *path, const char *id, const char *group,
			const char *fmt, ...)
{
	struct nc_plan_file *f = add_entry(w->p, path, id, group);
	f->found_bad = true;
	snprintf(f->diag.path, sizeof(f->diag.path), "%s", path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->diag.msg, sizeof(f->diag.msg), fmt, ap);
	va_end(ap);
}

static char *strip_ext(const char *s)
{
	const char *dot = strrchr(s, '.');
	const char *slash = strrchr(s, '/');
	if (dot && (!slash || dot > slash) && dot != s)
		return nc_strndup(s, (size_t)(dot - s));
	return nc_strdup(s);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The group of a file directly in root: the root's own name. */
static char *root_group(const char *root)
{
	char *rootc = nc_strdup(root);
	size_t l = strlen(rootc);
	while (l > 1 && rootc[l - 1] == '/')
		rootc[--l] = 0;
	char *group = nc_strdup(nc_path_basename(rootc));
	/* "." and ".." (also as "dir/..") are not names: use the directory's
	 * real name, as a file named on its own gets (nc_plan_discover), so
	 * `cd udp && netconform .` reports udp/x, not scenarios/x. */
	if (strcmp(group, ".") == 0 || strcmp(group, "..") == 0) {
		char *abs = realpath(rootc, NULL);
		if (abs) {
			free(group);
			group = nc_strdup(nc_path_basename(abs));
			free(abs);
		}
	}
	if (!group[0] || strcmp(group, ".") == 0 || strcmp(group, "..") == 0) {
		free(group);
		group = nc_strdup("scenarios");
	}
	free(rootc);
	return group;
}

/* Names what was found at stem (a path below root, without extension):
 * its id and group, both new strings. */
static void entry_names(const char *root, const char *stem, char **id, char **group)
{
	if (strchr(stem, '/')) {
		*id = nc_strdup(stem);
		*group = nc_strndup(stem, (size_t)(strchr(stem, '/') - stem));
		return;
	}
	*group = root_group(root);
	*id = stem[0] ? nc_path_join(*group, stem) : nc_strdup(*group);
}

static void add_problem_at(struct walker *w, const char *root, const char *path, const char *rel,
			   const char *what, int e)
{
	char *id, *group;
	entry_names(root, rel, &id, &group);
	add_problem(w, path, id, group, "%s: %s", what, strerror(e));
	free(id);
	free(group);
}

/* Lists the visible names in a folder, sorted; NULL with errno set when
 * the folder cannot be read. */
static char **list_names(DIR *d, size_t *count)
{
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	for (;;) {
		errno = 0;
		if (!(e = readdir(d)))
			break;
		if (e->d_name[0] == '.')
			continue; /* hidden files, editors' swap files, . and .. */
		names = nc_xrealloc(names, (n + 1) * sizeof(char *));
		names[n++] = nc_strdup(e->d_name);
	}
	if (errno) {
		int saved = errno;
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		errno = saved;
		return NULL;
	}
	/* qsort's pointer must not be NULL even for 0 elements (glibc marks it
	 * nonnull; UBSan stops an NC_SANITIZE build on an empty directory). */
	if (n > 1)
		qsort(names, n, sizeof(char *), name_cmp);
	*count = n;
	return names ? names : nc_xcalloc(1, sizeof(char *));
}

static void walk(struct walker *w, const char *root, const char *dir, const char *rel, int depth);

/* A link met during the walk, visited once the real files and folders of
 * the root have been: so a file or folder reached both directly and
 * through a link (tcp/udp-too -> ../udp) is named by its real path. */
struct deferred {
	char *path;
	char *sub;
	char *name;
	int depth;
};

/* One entry of a folder: a folder to search, a scenario file, a problem
 * to report, or nothing of ours. */
static void visit(struct walker *w, const char *root, const char *path, const char *sub,
		  const char *name, int depth, bool link_ok)
{
	bool scn = nc_ends_with(name, ".scn");
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && !link_ok) {
		w->later = nc_xrealloc(w->later, (w->nlater + 1) * sizeof(*w->later));
		w->later[w->nlater++] = (struct deferred){ nc_strdup(path), nc_strdup(sub),
							   nc_strdup(name), depth };
		return;
	}
	if (stat(path, &st) < 0) {
		/* Only a .scn name says a scenario was meant; other names that
		 * lead nowhere are not ours. */
		if (!scn)
			return;
		int e = errno;
		struct stat lst;
		char *stem = strip_ext(sub);
		bool link = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
		add_problem_at(w, root, path, stem,
			       link ? (e == ENOENT ? "dangling symbolic link"
				       : "cannot follow symbolic link")
			       : "cannot read scenario file", e);
		free(stem);
		return;
	}
	if (S_ISDIR(st.st_mode) && !scn) {
		walk(w, root, path, sub, depth + 1);
	} else if (scn) {
		/* Whatever its kind: loading it refuses a FIFO, device, socket
		 * or folder with the reason, without blocking. */
		char *stem = strip_ext(sub);
		char *id, *group;
		entry_names(root, stem, &id, &group);
		add_file(w, path, &st, id, group);
		free(id);
		free(group);
		free(stem);
	}
}

/* Walks a root, then the links met in it (and in what they lead to). */
static void walk_root(struct walker *w, const char *root)
{
	walk(w, root, root, "", 0);
	for (size_t i = 0; i < w->nlater; i++) {
		/* visit() may grow the array: copy the entry out first. */
		struct deferred d = w->later[i];
		if (!stopping(w))
			visit(w, root, d.path, d.sub, d.name, d.depth, true);
		free(d.path);
		free(d.sub);
		free(d.name);
	}
	free(w->later);
	w->later = NULL;
	w->nlater = 0;
}

/* Walks dir; rel is the path below the root ("" at the top). Every folder
 * is entered once, by its device and inode, so links back up the tree
 * (`ln -s . x`) cannot loop or list a file twice. */
static void walk(struct walker *w, const char *root, const char *dir, const char *rel, int depth)
{
	if (stopping(w))
		return;
	if (depth > MAX_DEPTH) {
		char *id, *group;
		entry_names(root, rel, &id, &group);
		add_problem(w, dir, id, group, "folder not searched: nested deeper than %d levels",
			    MAX_DEPTH);
		free(id);
		free(group);
		return;
	}
	/* O_NONBLOCK: never wait in open(), whatever was put at this path
	 * since it was looked at. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		add_problem_at(w, root, dir, rel, "cannot open folder", errno);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (seen_before(&w->dirs, &st)) {
		close(fd);
		return;
	}
	DIR *d = fdopendir(fd);
	size_t n = 0;
	char **names = d ? list_names(d, &n) : NULL;
	if (!names) {
		add_problem_at(w, root, dir, rel, "cannot read folder", errno);
		if (d)
			closedir(d);
		else
			close(fd);
		return;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++) {
		if (!stopping(w)) {
			char *path = nc_path_join(dir, names[i]);
			char *sub = rel[0] ? nc_path_join(rel, names[i]) : nc_strdup(names[i]);
			visit(w, root, path, sub, names[i], depth, false);
			free(path);
			free(sub);
		}
		free(names[i]);
	}
	free(names);
}

static int file_cmp(const void *a, const void *b)
{
	const struct nc_plan_file *x = a, *y = b;
	return strcmp(x->path, y->path);
}

static int id_cmp(const void *a, const void *b)
{
	const struct nc_plan_file *const *x = a, *const *y = b;
	int c = strcmp((*x)->id, (*y)->id);
	return c ? c : strcmp((*x)->path, (*y)->path);
}

/* Two files with one id would give their variants one name, so one JUnit
 * testcase and one pcap path for two results: refused before anything
 * runs. Returns 0, or -1 with err naming both files. */
static int check_unique_ids(const struct nc_plan *p, char *err, size_t errlen)
{
	if (p->nfiles < 2)
		return 0;
	const struct nc_plan_file **by_id = nc_xmalloc(p->nfiles * sizeof(*by_id));
	for (size_t i = 0; i < p->nfiles; i++)
		by_id[i] = &p->files[i];
	qsort(by_id, p->nfiles, sizeof(*by_id), id_cmp);
	size_t clashes = 0;
	for (size_t i = 1; i < p->nfiles; i++) {
		if (strcmp(by_id[i - 1]->id, by_id[i]->id) != 0)
			continue;
		if (!clashes++)
			snprintf(err, errlen, "%s and %s both give the scenario id %s, so their "
				 "variants would share names (%s[...]); run them separately or "
				 "rename one", by_id[i - 1]->path, by_id[i]->path, by_id[i]->id,
				 by_id[i]->id);
	}
	if (clashes > 1) {
		size_t l = strlen(err);
		snprintf(err + l, errlen - l, " (and %zu more ids given twice)", clashes - 1);
	}
	free(by_id);
	return clashes ? -1 : 0;
}

/* Parses every file found, keeping only its summary. */
static void parse_all(struct walker *w)
{
	struct nc_plan *p = w->p;
	for (size_t i = 0; i < p->nfiles; i++) {
		struct nc_plan_file *f = &p->files[i];
		if (stopping(w)) {
			f->unparsed = true;
			continue;
		}
		if (f->found_bad) {
			p->parse_errors++;
			continue;
		}
		f->sc = nc_scenario_load(f->path, f->id, f->group, &f->diag);
		if (!f->sc) {
			p->parse_errors++;
			continue;
		}
		const struct nc_scenario *sc = f->sc;
		f->ok = true;
		f->name = nc_strdup(sc->name);
		f->description = nc_strdup(sc->description);
		f->nkeywords = sc->nkeywords;
		f->keywords = nc_xcalloc(sc->nkeywords + 1, sizeof(char *));
		for (size_t k = 0; k < sc->nkeywords; k++)
			f->keywords[k] = nc_strdup(sc->keywords[k]);
		f->transport = sc->transport;
		memcpy(f->families, sc->families, sizeof(f->families));
		f->nfamilies = sc->nfamilies;
		f->timeout_ns = sc->timeout_ns;
		f->fixed_port = sc->fixed_port;
		f->wildcard_bind = sc->wildcard_bind;
		/* Only the summary stays: a run of thousands of files would
		 * otherwise hold every parsed scenario at once. */
		nc_plan_unload(p, (uint32_t)i);
	}
}

int nc_plan_discover(const char *const *paths, size_t npaths, int (*stop)(void *ctx),
		     void *stop_ctx, struct nc_plan *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	struct walker w = { .p = p, .stop = stop, .stop_ctx = stop_ctx };
	int rc = 0;
	for (size_t i = 0; i < npaths && !stopping(&w); i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
			rc = -1;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			walk_root(&w, paths[i]);
		} else {
			char *dir = nc_path_dirname(paths[i]);
			char *abs = realpath(dir, NULL);
			const char *group = nc_path_basename(abs ? abs : dir);
			char *stem = strip_ext(nc_path_basename(paths[i]));
			char *id = nc_path_join(group, stem);
			add_file(&w, paths[i], &st, id, group);
			free(id);
			free(stem);
			free(abs);
			free(dir);
		}
	}
	tdestroy(w.dirs, free);
	tdestroy(w.files, free);
	if (rc == 0 && p->nfiles > 1) /* NULL when nothing was found; see list_names() */
		qsort(p->files, p->nfiles, sizeof(*p->files), file_cmp);
	if (rc == 0 && !p->interrupted)
		rc = check_unique_ids(p, err, errlen);
	if (rc < 0) {
		/* Release what was found: the caller only reports the error
		 * (main.c does not free). */
		nc_plan_free(p);
		return -1;
	}
	parse_all(&w);
	return 0;
}

struct nc_result *nc_plan_result(const struct nc_plan *p, uint32_t vi)
{
	const struct nc_plan_variant *v = &p->variants[vi];
	const struct nc_plan_file *f = &p->files[v->file];
	struct nc_result *r = nc_xcalloc(1, sizeof(*r));
	nc_result_init(r);
	r->name = nc_strdup(v->name);
	r->id = nc_strdup(f->id);
	r->group = nc_strdup(f->group);
	r->path = nc_strdup(f->path);
	r->variant = nc_strdup(v->variant);
	r->seq = vi;
	if (f->ok) {
		r->scenario = nc_strdup(f->name);
		r->description = nc_strdup(f->description);
		nc_result_prop(r, "family", nc_family_name(v->family));
		nc_result_prop(r, "transport", f->transport == NC_TRANSPORT_TCP ? "tcp" : "udp");
	}
	r->started_unix_ns = nc_realtime_ns();
	return r;
}

void nc_plan_release(struct nc_plan *p)
{
	for (uint32_t i = 0; i < p->nfiles; i++)
		nc_plan_unload(p, i);
}

struct nc_scenario *nc_plan_load(struct nc_plan *p, uint32_t fi)
{
	struct nc_plan_file *f = &p->files[fi];
	if (!f->sc && f->ok)
		f->sc = nc_scenario_load(f->path, f->id, f->group, &f->diag);
	return f->sc;
}

void nc_plan_unload(struct nc_plan *p, uint32_t fi)
{
	nc_scenario_free(p->files[fi].sc);
	p->files[fi].sc = NULL;
}

static bool selected(const struct nc_plan_opts *o, const struct nc_plan_file *f,
		     const char *name)
{
	if (o->nfilters) {
		bool any = false;
		for (size_t i = 0; i < o->nfilters && !any; i++)
			any = fnmatch(o->filters[i], name, 0) == 0 ||
			      fnmatch(o->filters[i], f->id, 0) == 0;
		if (!any)
			return false;
	}
	if (o->nkeywords) {
		if (!f->ok)
			return false;
		bool any = false;
		for (size_t i = 0; i < o->nkeywords && !any; i++)
			for (size_t k = 0; k < f->nkeywords && !any; k++)
				any = strcmp(o->keywords[i], f->keywords[k]) == 0;
		if (!any)
			return false;
	}
	return true;
}

static void add_variant(struct nc_plan *p, uint32_t file, enum nc_family fam, uint32_t rep,
			unsigned repeat, bool bad)
{
	const struct nc_plan_file *f = &p->files[file];
	p->variants = nc_xrealloc(p->variants, (p->nvariants + 1) * sizeof(*p->variants));
	struct nc_plan_variant *v = &p->variants[p->nvariants++];
	memset(v, 0, sizeof(*v));
	v->file = file;
	v->family = fam;
	v->rep = rep;
	v->parse_error = bad;
	struct nc_buf b;
	nc_buf_init(&b, 0);
	if (bad)
		nc_buf_adds(&b, f->unparsed ? "unread" : "parse");
	else
		nc_buf_adds(&b, nc_family_name(fam));
	if (repeat > 1)
		nc_buf_printf(&b, "#%u", rep);
	v->variant = nc_buf_steal(&b);
	nc_buf_init(&b, 0);
	nc_buf_printf(&b, "%s[%s]", f->id, v->variant);
	v->name = nc_buf_steal(&b);
}

/* xorshift64*: a small, seedable generator for --shuffle. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

void nc_plan_select(struct nc_plan *p, const struct nc_plan_opts *o)
{
	unsigned repeat = o->repeat ? o->repeat : 1;
	/* Shards split by file, counting only files with something selected,
	 * so a scenario's variants (one JUnit suite) stay on one machine and
	 * the shards' reports merge without clashing suites. */
	size_t index = 0;
	for (uint32_t fi = 0; fi < p->nfiles; fi++) {
		struct nc_plan_file *f = &p->files[fi];
		if (!f->ok) {
			if (selected(o, f, f->id)) {
				if (!o->shard_n || index % o->shard_n == o->shard_k - 1)
					add_variant(p, fi, NC_FAM_INET, 1, 1, true);
				index++;
			}
			continue;
		}
		bool any = false;
		for (size_t k = 0; k < f->nfamilies && !any; k++) {
			char name[512];
			snprintf(name, sizeof(name), "%s[%s]", f->id, nc_family_name(f->families[k]));
			any = (!o->families || (o->families & (1u << f->families[k]))) &&
			      selected(o, f, name);
		}
		if (!any)
			continue;
		bool mine = !o->shard_n || index % o->shard_n == o->shard_k - 1;
		index++;
		if (!mine)
			continue;
		for (size_t k = 0; k < f->nfamilies; k++) {
			enum nc_family fam = f->families[k];
			if (o->families && !(o->families & (1u << fam)))
				continue;
			for (uint32_t rep = 1; rep <= repeat; rep++) {
				char name[512];
				snprintf(name, sizeof(name), "%s[%s]", f->id, nc_family_name(fam));
				if (!selected(o, f, name))
					continue;
				add_variant(p, fi, fam, rep, repeat, false);
			}
		}
	}
	for (size_t i = 0; i < p->nvariants; i++)
		p->files[p->variants[i].file].pending++;
	p->order = nc_xmalloc((p->nvariants ? p->nvariants : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < p->nvariants; i++)
		p->order[i] = (uint32_t)i;
	if (o->shuffle && p->nvariants > 1) {
		uint64_t s = o->seed ? o->seed : (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)clock();
		if (!s)
			s = 1;
		p->shuffle_seed = s;
		uint64_t st = s;
		for (size_t i = p->nvariants - 1; i > 0; i--) {
			size_t j = (size_t)(next_rand(&st) % (i + 1));
			uint32_t t = p->order[i];
			p->order[i] = p->order[j];
			p->order[j] = t;
		}
	}
}

void nc_plan_free(struct nc_plan *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].path);
		free(p->files[i].id);
		free(p->files[i].group);
		nc_scenario_free(p->files[i].sc);
		free(p->files[i].name);
		free(p->files[i].description);
		for (size_t k = 0; k < p->files[i].nkeywords; k++)
			free(p->files[i].keywords[k]);
		free(p->files[i].keywords);
	}
	free(p->files);
	for (size_t i = 0; i < p->nvariants; i++) {
		free(p->variants[i].name);
		free(p->variants[i].variant);
	}
	free(p->variants);
	free(p->order);
	memset(p, 0, sizeof(*p));
}
