/* fanout.c: a run's reporters driven as one, and what became of them.
 *
 * The runner hands every event to one reporter; this one passes it on to
 * the console and the file reports, and keeps count of those that could
 * not write their output whole and of the variants whose artifacts (pcap
 * files) could not be written, which main turns into the exit status ("the
 * run completed but a report or an artifact could not be written"). It is also what
 * main uses to report a run that was interrupted before it started.
 */
#include "report/reporter.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

struct fanout {
	struct nc_reporter *reps;
	bool *dead;                 /* begin() failed: no more calls */
	size_t n;
	struct nc_report_outcome *oc;
};

static int fanout_begin(void *self, const struct nc_run_info *run)
{
	struct fanout *f = self;
	for (size_t i = 0; i < f->n; i++)
		if (f->reps[i].ops->begin(f->reps[i].self, run) < 0) {
			f->dead[i] = true;
			f->oc->reports_failed++;
		}
	return 0;
}

static void fanout_progress(void *self, size_t done, size_t total, size_t failed,
			    const char *current)
{
	struct fanout *f = self;
	for (size_t i = 0; i < f->n; i++)
		if (!f->dead[i] && f->reps[i].ops->progress)
			f->reps[i].ops->progress(f->reps[i].self, done, total, failed, current);
}

static int fanout_variant(void *self, const struct nc_result *r)
{
	struct fanout *f = self;
	nc_status_count(&f->oc->counts, r->status);
	if (r->artifact_error)
		f->oc->artifacts_failed++;
	/* A reporter that failed here fails its end() too, which counts. */
	for (size_t i = 0; i < f->n; i++)
		if (!f->dead[i])
			f->reps[i].ops->variant(f->reps[i].self, r);
	return 0;
}

static int fanout_end(void *self, const struct nc_run_totals *t)
{
	struct fanout *f = self;
	int rc = 0;
	for (size_t i = 0; i < f->n; i++)
		if (!f->dead[i] && f->reps[i].ops->end(f->reps[i].self, t) < 0) {
			f->oc->reports_failed++;
			rc = -1;
		}
	return rc;
}

static void fanout_destroy(void *self)
{
	struct fanout *f = self;
	for (size_t i = 0; i < f->n; i++)
		f->reps[i].ops->destroy(f->reps[i].self);
	free(f->reps);
	free(f->dead);
	free(f);
}

static const struct nc_reporter_ops fanout_ops = {
	.name = "fanout",
	.begin = fanout_begin,
	.progress = fanout_progress,
	.variant = fanout_variant,
	.end = fanout_end,
	.destroy = fanout_destroy,
};

void nc_fanout_reporter(struct nc_reporter *out, const struct nc_reporter *reps, size_t n,
			struct nc_report_outcome *oc)
{
	struct fanout *f = nc_xcalloc(1, sizeof(*f));
	f->reps = nc_xcalloc(n ? n : 1, sizeof(*f->reps));
	f->dead = nc_xcalloc(n ? n : 1, sizeof(*f->dead));
	memcpy(f->reps, reps, n * sizeof(*reps));
	f->n = n;
	f->oc = oc;
	memset(oc, 0, sizeof(*oc));
	out->ops = &fanout_ops;
	out->self = f;
}
