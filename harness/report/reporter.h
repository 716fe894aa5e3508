/* reporter.h: the interface every report format implements.
 *
 * The runner drives all reporters the same way: begin once, then one
 * variant() call per variant in plan order (sorted by scenario path and
 * variant, whatever order they finished in), then end once with the totals.
 * An interrupted run still calls variant() for every planned variant (the
 * ones that did not run have status NC_STATUS_NOTRUN) and end(), so every
 * report is complete and well-formed.
 *
 * A reporter must not keep pointers into a result after variant() returns:
 * the runner frees it. Reporters that need totals before the variants in
 * their output (JUnit, HTML) stream the variants to an anonymous temporary
 * file and assemble the final file in end().
 */
#ifndef NC_REPORT_REPORTER_H
#define NC_REPORT_REPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "result/result.h"

struct nc_run_info {
	const char *version;        /* netconform's version */
	const char *hostname;
	int64_t started_unix_ns;
	const char *mode;           /* "network namespaces" or "host loopback" */
	const char *mode_note;      /* why the mode was chosen, or NULL */
	bool capture_on;            /* packet capture available and enabled */
	const char *capture_note;   /* why capture is off, or NULL */
	size_t total;               /* variants planned */
	double timeout_scale;
	int jobs;
	const char *shard;          /* "2/4", or NULL */
	const char *command_line;   /* as typed, for the record */
	const char *reports_dir;    /* where pcap paths are relative to, e.g. "reports" */
};

struct nc_run_totals {
	size_t passed;
	size_t failed;              /* conformance failures */
	size_t errors;              /* harness errors (timeouts, crashes, bad files) */
	size_t skipped;
	size_t notrun;              /* interrupted before they ran */
	int64_t duration_ns;
	bool interrupted;
	int signal;                 /* the signal that interrupted the run, or 0 */
};

struct nc_reporter_ops {
	const char *name;
	/* Called once before any variant; returns 0 or -1 with a message on
	 * stderr (the run then goes on without this reporter). */
	int (*begin)(void *self, const struct nc_run_info *run);
	/* Live progress, called when a variant starts or finishes, in
	 * completion order; may be NULL. `current` is the name of a running
	 * variant or NULL. */
	void (*progress)(void *self, size_t done, size_t total, size_t failed,
			 const char *current);
	/* One variant, in plan order. */
	int (*variant)(void *self, const struct nc_result *r);
	/* Called once with the totals; finishes the output. */
	int (*end)(void *self, const struct nc_run_totals *t);
	/* Frees the reporter. */
	void (*destroy)(void *self);
};

struct nc_reporter {
	const struct nc_reporter_ops *ops;
	void *self;
};

/* Console: one line per variant, failure details, the final totals line,
 * and a live progress line when its output is a terminal. Its end() fails
 * (and says so on standard error) when a write to its output failed. */
struct nc_console_opts {
	FILE *out;                  /* NULL: standard output; stderr with --tap - */
	bool verbose;               /* traces and packets for every variant */
	bool quiet;                 /* only failures and the totals */
	int color;                  /* -1 auto, 0 never, 1 always */
	bool progress;              /* live progress line (auto: on a terminal) */
};
int nc_console_reporter(struct nc_reporter *out, const struct nc_console_opts *o);

/* File reporters; path "-" means standard output. Return 0, or -1 with
 * err filled (the file could not be created). */
int nc_junit_reporter(struct nc_reporter *out, const char *path, char *err, size_t errlen);
int nc_html_reporter(struct nc_reporter *out, const char *path, char *err, size_t errlen);
int nc_tap_reporter(struct nc_reporter *out, const char *path, char *err, size_t errlen);

/* What became of a run's reports, for the exit status. */
struct nc_report_outcome {
	size_t reports_failed;      /* reporters whose output is not whole; each
				       said why on standard error */
	size_t artifacts_failed;    /* variants whose artifact_error is set */
	struct nc_status_counts counts;  /* the variants reported */
};

/* Makes out one reporter that drives reps[0..n) in order and records in
 * *oc what became of them: a reporter whose begin() or end() fails counts
 * as failed (one whose begin() failed gets nothing more). out takes the
 * reporters over: its destroy() destroys them. oc must outlive out. */
void nc_fanout_reporter(struct nc_reporter *out, const struct nc_reporter *reps, size_t n,
			struct nc_report_outcome *oc);

#endif
