/* plan.h: from command-line paths to the ordered list of variants to run.
 *
 * Discovery walks directories recursively for *.scn files; every file is
 * parsed up front, so a malformed file is reported (and counted) before
 * anything runs, while the others still run. Each folder and each file is
 * taken once, by its device and inode, so links cannot make the walk loop
 * or list a file twice. What cannot be searched or read (a folder without
 * permission, a dangling .scn link, a FIFO or device named *.scn) is a file
 * that does not parse, with the reason: counted and reported, never
 * skipped. Files are read without ever blocking (nc_read_regular), at
 * discovery and when the runner loads them again. Only a summary of each file
 * is kept; the scenario is parsed again when its variants are launched
 * (nc_plan_load), so memory does not grow with the number of files. A scenario's id is its path
 * relative to the directory named on the command line, without the .scn
 * extension ("udp/hello-bye"); a file directly inside that directory, or
 * named on its own, takes its parent directory's name as its group.
 *
 * Variants are sorted by scenario path, then by the order of the scenario's
 * `family` line, then by repetition; that is the order of every report.
 * Execution order is the same unless --shuffle permutes it.
 *
 * Ownership: nc_plan_free() releases everything, scenarios included.
 */
#ifndef NC_PLAN_PLAN_H
#define NC_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result/result.h"
#include "scenario/scenario.h"

struct nc_plan_file {
	char *path;
	char *id;
	char *group;
	bool ok;                  /* the file parsed */
	bool found_bad;           /* discovery could not read it (diag says why) */
	bool unparsed;            /* discovery was interrupted before parsing it */
	struct nc_diag diag;      /* the parse error when !ok */
	/* The parsed scenario while it is loaded, between nc_plan_load and
	 * nc_plan_unload; NULL otherwise (discovery parses every file to
	 * validate it and keeps only the summary below). */
	struct nc_scenario *sc;
	/* What the run needs to know without the parsed scenario, so memory
	 * stays flat however many files a run has. Owned. */
	char *name;
	char *description;
	char **keywords;
	size_t nkeywords;
	enum nc_transport transport;
	enum nc_family families[NC_FAM_COUNT];
	size_t nfamilies;
	int64_t timeout_ns;
	bool fixed_port;
	bool wildcard_bind;
	unsigned pending;         /* variants of this file not launched yet */
};

struct nc_plan_variant {
	uint32_t file;            /* index into files */
	enum nc_family family;
	uint32_t rep;             /* 1-based repetition */
	char *name;               /* "udp/hello-bye[inet6]", "...#2" for repeats */
	char *variant;            /* "inet6", "inet6#2"; "parse" for a bad file,
				     "unread" for one an interruption left unparsed */
	bool parse_error;
};

struct nc_plan {
	struct nc_plan_file *files;
	size_t nfiles;
	struct nc_plan_variant *variants;  /* in report order */
	size_t nvariants;
	uint32_t *order;          /* execution order: indexes into variants */
	size_t parse_errors;      /* files that do not parse or cannot be read */
	uint64_t shuffle_seed;
	int interrupted;          /* the signal that stopped discovery, or 0 */
};

struct nc_plan_opts {
	const char *const *filters;   /* fnmatch globs on name or id; any matches */
	size_t nfilters;
	const char *const *keywords;  /* scenario keywords; any matches */
	size_t nkeywords;
	unsigned families;            /* bit per enum nc_family; 0 = all */
	unsigned shard_k, shard_n;    /* run the k-th of n shards (1-based); n = 0: all */
	unsigned repeat;              /* 1 or more */
	bool shuffle;
	uint64_t seed;                /* shuffle seed (0: derive from the clock) */
};

/* Finds and parses the scenario files under paths. Returns 0, or -1 with
 * err filled when a path does not exist (a usage error) or when two files
 * have the same id (their variants would have the same names); p is then
 * empty (nc_plan_free on it is harmless).
 *
 * stop, when not NULL, is asked between folder entries and between files;
 * a non-zero answer (a signal number) ends discovery at once: p then holds
 * what was found, p->interrupted is that answer, and the files not parsed
 * yet are marked unparsed (and not ok). */
int nc_plan_discover(const char *const *paths, size_t npaths, int (*stop)(void *ctx),
		     void *stop_ctx, struct nc_plan *p, char *err, size_t errlen);

/* Builds the variant list from the discovered files. */
void nc_plan_select(struct nc_plan *p, const struct nc_plan_opts *o);

/* Returns a new result (result/result.h) with variant vi's identity: its
 * name, id, group, file, variant, and what the file's summary says; status
 * PASS and no failures yet. The caller frees it with nc_result_free() and
 * free(). */
struct nc_result *nc_plan_result(const struct nc_plan *p, uint32_t vi);

/* Frees every parsed scenario that is loaded, keeping the summaries. */
void nc_plan_release(struct nc_plan *p);
/* Makes file fi's scenario available again (parsing it if needed) and
 * returns it; NULL with the file's diag set if it no longer parses. */
struct nc_scenario *nc_plan_load(struct nc_plan *p, uint32_t fi);
/* Frees file fi's parsed scenario (the summary stays). */
void nc_plan_unload(struct nc_plan *p, uint32_t fi);

void nc_plan_free(struct nc_plan *p);

#endif
