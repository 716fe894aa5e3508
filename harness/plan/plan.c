/* plan.c: discovery, parsing, selection and ordering of variants. */
#include "plan/plan.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/text.h"

#define MAX_DEPTH 32

static void add_file(struct nc_plan *p, const char *path, const char *id, const char *group)
{
	/* The same file named twice (directly and through its directory) runs once. */
	for (size_t i = 0; i < p->nfiles; i++)
		if (strcmp(p->files[i].path, path) == 0)
			return;
	p->files = nc_xrealloc(p->files, (p->nfiles + 1) * sizeof(*p->files));
	struct nc_plan_file *f = &p->files[p->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = nc_strdup(path);
	f->id = nc_strdup(id);
	f->group = nc_strdup(group);
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

/* Walks dir; rel is the path below the root ("" at the top). */
static void walk(struct nc_plan *p, const char *root, const char *dir, const char *rel, int depth)
{
	if (depth > MAX_DEPTH)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue; /* hidden files, editors' swap files, . and .. */
		names = nc_xrealloc(names, (n + 1) * sizeof(char *));
		names[n++] = nc_strdup(e->d_name);
	}
	closedir(d);
	/* qsort's pointer must not be NULL even for 0 elements (glibc marks it
	 * nonnull; UBSan stops an NC_SANITIZE build on an empty directory). */
	if (n > 1)
		qsort(names, n, sizeof(char *), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char *path = nc_path_join(dir, names[i]);
		char *sub = rel[0] ? nc_path_join(rel, names[i]) : nc_strdup(names[i]);
		struct stat st;
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				walk(p, root, path, sub, depth + 1);
			} else if (S_ISREG(st.st_mode) && nc_ends_with(names[i], ".scn")) {
				char *stem = strip_ext(sub);
				char *id, *group;
				if (strchr(stem, '/')) {
					id = nc_strdup(stem);
					group = nc_strndup(stem, (size_t)(strchr(stem, '/') - stem));
				} else {
					/* Directly in the root: the root's own name is the group. */
					char *rootc = nc_strdup(root);
					size_t l = strlen(rootc);
					while (l > 1 && rootc[l - 1] == '/')
						rootc[--l] = 0;
					group = nc_strdup(nc_path_basename(rootc));
					/* "." and ".." (also as "dir/..") are not names: use
					 * the directory's real name, as a file named on its
					 * own gets (nc_plan_discover), so `cd udp &&
					 * netconform .` reports udp/x, not scenarios/x. */
					if (strcmp(group, ".") == 0 || strcmp(group, "..") == 0) {
						char *abs = realpath(rootc, NULL);
						if (abs) {
							free(group);
							group = nc_strdup(nc_path_basename(abs));
							free(abs);
						}
					}
					if (!group[0] || strcmp(group, ".") == 0 ||
					    strcmp(group, "..") == 0) {
						free(group);
						group = nc_strdup("scenarios");
					}
					id = nc_path_join(group, stem);
					free(rootc);
				}
				add_file(p, path, id, group);
				free(id);
				free(group);
				free(stem);
			}
		}
		free(path);
		free(sub);
		free(names[i]);
	}
	free(names);
}

static int file_cmp(const void *a, const void *b)
{
	const struct nc_plan_file *x = a, *y = b;
	return strcmp(x->path, y->path);
}

int nc_plan_discover(const char *const *paths, size_t npaths, struct nc_plan *p, char *err,
		     size_t errlen)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < npaths; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
			/* Release the files found under earlier paths: the caller
			 * only reports the error (main.c does not free). */
			nc_plan_free(p);
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			walk(p, paths[i], paths[i], "", 0);
		} else {
			char *dir = nc_path_dirname(paths[i]);
			char *abs = realpath(dir, NULL);
			const char *group = nc_path_basename(abs ? abs : dir);
			char *stem = strip_ext(nc_path_basename(paths[i]));
			char *id = nc_path_join(group, stem);
			add_file(p, paths[i], id, group);
			free(id);
			free(stem);
			free(abs);
			free(dir);
		}
	}
	if (p->nfiles > 1) /* NULL when nothing was found; see walk() */
		qsort(p->files, p->nfiles, sizeof(*p->files), file_cmp);
	for (size_t i = 0; i < p->nfiles; i++) {
		struct nc_plan_file *f = &p->files[i];
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
	return 0;
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
		nc_buf_adds(&b, "parse");
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
