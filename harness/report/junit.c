/* junit.c: the JUnit XML report (--junit FILE).
 *
 * The target schema is the Jenkins xunit plugin's junit-10.xsd (committed
 * as fixtures/report/junit-10.xsd), which is what pytest writes and what
 * Jenkins, GitLab and most CI systems read:
 *
 *   <testsuites name="netconform" tests failures errors time>
 *     <testsuite name="udp/hello-bye" tests failures errors skipped time
 *                timestamp hostname file>      one per scenario file
 *       <properties>...</properties>
 *       <testcase classname="udp.hello-bye" name="inet6" time>   one per variant
 *         <failure|error|skipped message type>body</...>
 *         <system-out>steps, packets, output, [[ATTACHMENT|pcap]]</system-out>
 *       </testcase>
 *     </testsuite>
 *   </testsuites>
 *
 * The schema allows <properties> only on <testsuite>, so a variant's own
 * properties are written there with the testcase name as prefix
 * ("inet6:family") and repeated in the testcase's system-out.
 *
 * Streaming: testcases go to a spool for the open suite (and its
 * properties to another), because the <testsuite> start tag carries counts
 * that are known only when the suite ends; a finished suite is appended to
 * the body spool; end() writes the root element, whose counts are known
 * only then, around the body. Memory holds one suite's testcase names.
 *
 * Counts are those of the elements written, so the file is consistent
 * whatever the runner's totals say. timestamp is UTC, written in the
 * "YYYY-MM-DDTHH:MM:SS" form without zone designator that Ant's original
 * JUnit schema requires (its pattern forbids both fractions and a zone).
 */
#include "report/reporter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_file.h"
#include "report/report_text.h"
#include "util/buf.h"
#include "util/text.h"

#define JUNIT_MAX_OUT (64u * 1024u)     /* system-out text per testcase */
#define JUNIT_MAX_BODY (64u * 1024u)    /* failure/error body per testcase */
#define JUNIT_MAX_MESSAGE 4096u         /* message attribute */

/* ------------------------------------------------------------------------ */
/* Testcase names already used in the open suite. */

struct name_slot {
	char *name;          /* owned; NULL when the slot is free */
	unsigned next;       /* next suffix to try when this name repeats */
};

struct name_set {
	struct name_slot *slot;
	size_t cap;          /* a power of two, or 0 */
	size_t used;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct name_slot *name_find(struct name_set *ns, const char *name)
{
	size_t i = (size_t)name_hash(name) & (ns->cap - 1);
	while (ns->slot[i].name && strcmp(ns->slot[i].name, name) != 0)
		i = (i + 1) & (ns->cap - 1);
	return &ns->slot[i];
}

static void name_insert(struct name_set *ns, char *owned)
{
	if ((ns->used + 1) * 2 > ns->cap) {
		struct name_set bigger = { nc_xcalloc(ns->cap ? ns->cap * 2 : 64, sizeof(struct name_slot)),
					   ns->cap ? ns->cap * 2 : 64, ns->used };
		for (size_t i = 0; i < ns->cap; i++)
			if (ns->slot[i].name)
				*name_find(&bigger, ns->slot[i].name) = ns->slot[i];
		free(ns->slot);
		*ns = bigger;
	}
	struct name_slot *s = name_find(ns, owned);
	s->name = owned;
	s->next = 2;
	ns->used++;
}

static void name_clear(struct name_set *ns)
{
	for (size_t i = 0; i < ns->cap; i++)
		free(ns->slot[i].name);
	free(ns->slot);
	memset(ns, 0, sizeof(*ns));
}

/* Returns base, or "base (2)", "base (3)"... whichever is first unused in
 * the suite, and records it. Plan order is deterministic, so the same run
 * always gets the same names. The result is borrowed from the set. */
static const char *name_unique(struct name_set *ns, const char *base)
{
	if (ns->cap == 0 || !name_find(ns, base)->name) {
		char *copy = nc_strdup(base);
		name_insert(ns, copy);
		return copy;
	}
	struct nc_buf b;
	nc_buf_init(&b, 0);
	for (;;) {
		/* The base's counter makes n repeats cost n lookups, not n^2. */
		unsigned k = name_find(ns, base)->next++;
		nc_buf_reset(&b);
		nc_buf_printf(&b, "%s (%u)", base, k);
		if (!name_find(ns, nc_buf_str(&b))->name)
			break;
	}
	char *copy = nc_buf_steal(&b);
	name_insert(ns, copy);
	return copy;
}

/* ------------------------------------------------------------------------ */

struct junit {
	struct nc_rfile rf;
	FILE *body;          /* finished <testsuite> elements */
	FILE *cases;         /* <testcase> elements of the open suite */
	FILE *props;         /* <property> elements of the open suite's variants */
	bool broken;         /* a spool write failed: the report would be incomplete */
	char err[512];

	/* Run facts, copied: the run info is not ours to keep. */
	char *hostname;
	char *mode;
	bool capture_on;
	int64_t run_started;

	/* The open suite: consecutive results with the same scenario file. */
	bool open;
	char *key;           /* path (or id) that identifies it */
	char *name;          /* the scenario id */
	char *file;
	char *group;
	char *scenario;
	char *description;
	int64_t started;     /* Unix ns of its first variant that has one */
	int64_t time;        /* sum of its testcase times */
	struct nc_status_counts counts;
	struct name_set names;

	/* Totals of the elements written. */
	struct nc_status_counts totals;
	int64_t duration;
};

static void attr(FILE *f, const char *name, const char *value)
{
	fprintf(f, " %s=\"", name);
	nc_esc_puts(f, NC_ESC_XML_ATTR, value ? value : "");
	fputc('"', f);
}

static void attr_cut(FILE *f, const char *name, const char *value, size_t max)
{
	size_t n = strlen(value);
	size_t keep = nc_esc_cut(value, n, max);
	fprintf(f, " %s=\"", name);
	nc_esc_write(f, NC_ESC_XML_ATTR, value, keep);
	if (keep < n)
		fputs(" [...]", f);
	fputc('"', f);
}

static void property(FILE *f, const char *prefix, const char *name, const char *value)
{
	fputs("      <property name=\"", f);
	if (prefix) {
		nc_esc_puts(f, NC_ESC_XML_ATTR, prefix);
		fputc(':', f);
	}
	nc_esc_puts(f, NC_ESC_XML_ATTR, name);
	fputc('"', f);
	attr(f, "value", value);
	fputs("/>\n", f);
}

/* Writes text as element content, keeping at most max bytes and saying so
 * visibly when more was dropped. */
static void content_cut(FILE *f, const char *text, size_t n, size_t max)
{
	size_t keep = nc_esc_cut(text, n, max);
	nc_esc_write(f, NC_ESC_XML_TEXT, text, keep);
	if (keep < n) {
		if (keep && text[keep - 1] != '\n')
			fputc('\n', f);
		fprintf(f, "[netconform: truncated here, %zu more bytes not shown; the limit is %u KiB]\n",
			n - keep, (unsigned)(max / 1024));
	}
}

static void set(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? nc_strdup(src) : NULL;
}

static void suite_fail(struct junit *j, const char *what)
{
	if (!j->broken)
		nc_rfile_spool_error(&j->rf, what, j->err, sizeof(j->err));
	j->broken = true;
}

/* Closes the open suite: its start tag, properties and testcases go to the
 * body spool. */
static void suite_close(struct junit *j)
{
	if (!j->open)
		return;
	FILE *f = j->body;
	char num[32], ts[32];
	fputs("  <testsuite", f);
	attr(f, "name", j->name);
	const struct nc_status_counts *c = &j->counts;
	fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
		nc_status_total(c), c->failed, c->errors, c->skipped + c->notrun);
	attr(f, "time", nc_fmt_seconds(j->time, num, sizeof(num)));
	nc_fmt_utc(j->started > 0 ? j->started : j->run_started, false, ts, sizeof(ts));
	if (*ts)
		attr(f, "timestamp", ts);
	if (j->hostname)
		attr(f, "hostname", j->hostname);
	if (j->file)
		attr(f, "file", j->file);
	fputs(">\n    <properties>\n", f);
	if (j->file)
		property(f, NULL, "file", j->file);
	if (j->scenario)
		property(f, NULL, "scenario", j->scenario);
	if (j->description)
		property(f, NULL, "description", j->description);
	if (j->group)
		property(f, NULL, "group", j->group);
	if (j->mode)
		property(f, NULL, "mode", j->mode);
	property(f, NULL, "capture", j->capture_on ? "on" : "off");
	if (nc_spool_copy(j->props, f) < 0)
		suite_fail(j, "properties");
	fputs("    </properties>\n", f);
	if (nc_spool_copy(j->cases, f) < 0)
		suite_fail(j, "testcases");
	fputs("  </testsuite>\n", f);
	if (ferror(f))
		suite_fail(j, "body");
	if (nc_spool_reset(j->cases) < 0 || nc_spool_reset(j->props) < 0)
		suite_fail(j, "spools");
	j->totals.passed += c->passed;
	j->totals.failed += c->failed;
	j->totals.errors += c->errors;
	j->totals.skipped += c->skipped;
	j->totals.notrun += c->notrun;
	name_clear(&j->names);
	j->open = false;
}

static void suite_open(struct junit *j, const struct nc_result *r, const char *key)
{
	set(&j->key, key);
	set(&j->name, nc_str_or(r->id, nc_str_or(r->path, "(unknown scenario)")));
	set(&j->file, r->path);
	set(&j->group, r->group);
	set(&j->scenario, r->scenario);
	set(&j->description, r->description);
	j->started = 0;
	j->time = 0;
	memset(&j->counts, 0, sizeof(j->counts));
	j->open = true;
}

/* The classname "udp.hello-bye": the scenario id with its slashes turned
 * into the dots that JUnit consumers use to build their tree. */
static char *classname(const struct nc_result *r)
{
	char *c = nc_strdup(nc_str_or(r->id, nc_str_or(r->path, nc_str_or(r->group, "netconform"))));
	for (char *p = c; *p; p++)
		if (*p == '/')
			*p = '.';
	return c;
}

/* "file:line: [check: ]message". */
static void failure_line(struct nc_buf *b, const struct nc_failure *f, bool with_check)
{
	nc_failure_prefix(b, f);
	if (with_check && *f->check)
		nc_buf_printf(b, "%s: ", f->check);
	nc_buf_adds(b, f->message);
}

static void add_indented(struct nc_buf *b, const char *indent, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n)
			nc_buf_adds(b, indent);
		nc_buf_add(b, p, n);
		nc_buf_addc(b, '\n');
		p += n + (nl ? 1 : 0);
	}
}

static void write_failure(FILE *f, const struct nc_result *r)
{
	bool error = r->status == NC_STATUS_ERROR;
	const char *elem = error ? "error" : "failure";
	const struct nc_failure *first = nc_result_headline(r);

	struct nc_buf msg, body;
	nc_buf_init(&msg, 0);
	nc_buf_init(&body, 0);
	if (first) {
		failure_line(&msg, first, false);
		size_t more = r->nfailures - 1 + r->failures_dropped;
		if (more)
			nc_buf_printf(&msg, " (and %zu more)", more);
	} else {
		nc_buf_adds(&msg, nc_str_or(r->reason, error ? "harness error" : "failed"));
	}
	for (size_t i = 0; i < r->nfailures; i++) {
		const struct nc_failure *x = &r->failures[i];
		failure_line(&body, x, true);
		nc_buf_addc(&body, '\n');
		if (*x->detail)
			add_indented(&body, "    ", x->detail);
	}
	if (r->failures_dropped)
		nc_buf_printf(&body, "(%zu more failures not kept)\n", r->failures_dropped);
	if (!r->nfailures)
		nc_buf_printf(&body, "%s\n", nc_buf_str(&msg));

	fprintf(f, "      <%s", elem);
	attr_cut(f, "message", nc_buf_str(&msg), JUNIT_MAX_MESSAGE);
	attr(f, "type", first && *first->check ? first->check : "netconform");
	fputc('>', f);
	content_cut(f, nc_buf_str(&body), body.len, JUNIT_MAX_BODY);
	fprintf(f, "</%s>\n", elem);
	nc_buf_free(&msg);
	nc_buf_free(&body);
}

/* The plain text of system-out: what a CI page shows under the testcase. */
static void describe(struct nc_buf *b, const struct nc_result *r)
{
	char ms[32], d[32];
	bool ran = r->status != NC_STATUS_SKIP && r->status != NC_STATUS_NOTRUN;
	if (!ran && !r->ntrace && !r->npackets && !r->output[0] && !r->output[1])
		return;
	nc_buf_printf(b, "%s: %s after %s ms\n", nc_str_or(r->name, "?"), nc_status_name(r->status),
		      nc_fmt_millis(r->duration_ns, ms, sizeof(ms)));
	if (r->path)
		nc_buf_printf(b, "file: %s\n", r->path);
	if (r->nprops) {
		nc_buf_adds(b, "properties:");
		for (size_t i = 0; i < r->nprops; i++)
			nc_buf_printf(b, "%s %s=%s", i ? "," : "", r->props[i].name, r->props[i].value);
		nc_buf_addc(b, '\n');
	}
	if (r->ntrace || r->trace_dropped) {
		nc_buf_adds(b, "steps (start, duration, role, line, step, outcome):\n");
		for (size_t i = 0; i < r->ntrace; i++) {
			const struct nc_trace *t = &r->trace[i];
			if (t->t_start >= 0)
				nc_buf_printf(b, "  %10s ms", nc_fmt_millis(t->t_start, ms, sizeof(ms)));
			else
				nc_buf_printf(b, "  %13s", "not started");
			if (t->t_start >= 0 && t->t_end >= t->t_start)
				nc_buf_printf(b, "  +%9s ms", nc_fmt_millis(t->t_end - t->t_start, d, sizeof(d)));
			else if (t->t_start >= 0)
				nc_buf_printf(b, "  %13s", "unfinished");
			else
				nc_buf_printf(b, "  %13s", "");
			nc_buf_printf(b, "  %-6s :%-4u %s  -> %s%s\n", t->role ? "client" : "server", t->line,
				      nc_str_or(t->text, ""), t->failed ? "FAILED: " : "", nc_str_or(t->outcome, "-"));
		}
		if (r->trace_dropped)
			nc_buf_printf(b, "  (%zu more steps not kept)\n", r->trace_dropped);
	}
	if (r->npackets) {
		nc_buf_printf(b, "packets (%llu captured):\n", (unsigned long long)r->packets_total);
		for (size_t i = 0; i < r->npackets; i++)
			nc_buf_printf(b, "  #%-4u %10s ms  %s\n", r->packets[i].index,
				      nc_fmt_millis(r->packets[i].t, ms, sizeof(ms)), r->packets[i].text);
		if (r->packets_total > r->npackets)
			nc_buf_printf(b, "  (%llu more packets in the pcap file)\n",
				      (unsigned long long)(r->packets_total - r->npackets));
	}
	for (int k = 0; k < 2; k++) {
		if (!r->output[k] || !*r->output[k])
			continue;
		nc_buf_printf(b, "%s output:\n", k ? "client" : "server");
		add_indented(b, "  | ", r->output[k]);
		if (r->output_dropped[k])
			nc_buf_printf(b, "  (%zu more bytes not kept)\n", r->output_dropped[k]);
	}
	if (r->artifact_error)
		nc_buf_printf(b, "artifact not written: %s\n", r->artifact_error);
	if (ran) {
		if (r->capture_on)
			nc_buf_printf(b, "capture: on%s%s\n", r->capture_note ? ", " : "",
				      nc_str_or(r->capture_note, ""));
		else
			nc_buf_printf(b, "capture: off%s%s\n", r->capture_note ? ": " : "",
				      nc_str_or(r->capture_note, ""));
	}
}

static void write_testcase(struct junit *j, const struct nc_result *r, const char *name)
{
	FILE *f = j->cases;
	char num[32];
	char *cls = classname(r);
	fputs("    <testcase", f);
	attr(f, "classname", cls);
	attr(f, "name", name);
	attr(f, "time", nc_fmt_seconds(r->duration_ns, num, sizeof(num)));
	fputs(">\n", f);
	free(cls);

	switch (r->status) {
	case NC_STATUS_PASS:
		break;
	case NC_STATUS_FAIL:
	case NC_STATUS_ERROR:
		write_failure(f, r);
		break;
	case NC_STATUS_SKIP:
		fputs("      <skipped", f);
		attr_cut(f, "message", nc_str_or(r->reason, "skipped"), JUNIT_MAX_MESSAGE);
		fputs("/>\n", f);
		break;
	case NC_STATUS_NOTRUN: {
		/* The type tells a variant an interruption prevented from one
		 * that cannot run here; consumers show both as skipped. */
		struct nc_buf m;
		nc_buf_init(&m, 0);
		const char *reason = nc_str_or(r->reason, "not run");
		if (!nc_starts_with(reason, "not run"))
			nc_buf_adds(&m, "not run: ");
		nc_buf_adds(&m, reason);
		fputs("      <skipped", f);
		attr_cut(f, "message", nc_buf_str(&m), JUNIT_MAX_MESSAGE);
		attr(f, "type", "notrun");
		fputs("/>\n", f);
		nc_buf_free(&m);
		break;
	}
	}

	struct nc_buf out;
	nc_buf_init(&out, 0);
	describe(&out, r);
	if (out.len || r->pcap_path) {
		fputs("      <system-out>", f);
		content_cut(f, nc_buf_str(&out), out.len, JUNIT_MAX_OUT);
		/* After the cut, so truncation never hides the capture: the
		 * Jenkins attachments plugin and GitLab link this line. */
		if (r->pcap_path) {
			fputs("[[ATTACHMENT|", f);
			nc_esc_puts(f, NC_ESC_XML_TEXT, r->pcap_path);
			fputs("]]\n", f);
		}
		fputs("</system-out>\n", f);
	}
	nc_buf_free(&out);
	fputs("    </testcase>\n", f);
}

static int junit_begin(void *self, const struct nc_run_info *run)
{
	struct junit *j = self;
	set(&j->hostname, run->hostname);
	set(&j->mode, run->mode);
	j->capture_on = run->capture_on;
	j->run_started = run->started_unix_ns;
	return 0;
}

static int junit_variant(void *self, const struct nc_result *r)
{
	struct junit *j = self;
	if (j->broken)
		return -1;
	const char *key = r->path ? r->path : nc_str_or(r->id, "");
	if (j->open && strcmp(key, j->key) != 0)
		suite_close(j);
	if (!j->open)
		suite_open(j, r, key);

	const char *name = name_unique(&j->names, nc_str_or(r->variant, nc_str_or(r->name, nc_str_or(r->path, "(unnamed)"))));
	errno = 0;
	write_testcase(j, r, name);
	for (size_t i = 0; i < r->nprops; i++)
		property(j->props, name, r->props[i].name, r->props[i].value);
	if (r->pcap_path)
		property(j->props, name, "pcap", r->pcap_path);
	if (ferror(j->cases) || ferror(j->props))
		suite_fail(j, "testcases");

	nc_status_count(&j->counts, r->status);
	j->time += r->duration_ns > 0 ? r->duration_ns : 0;
	if (j->started <= 0 && r->started_unix_ns > 0)
		j->started = r->started_unix_ns;
	return j->broken ? -1 : 0;
}

static int junit_write(void *ctx, FILE *f)
{
	struct junit *j = ctx;
	char num[32];
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	/* testsuites has no skipped attribute in junit-10.xsd. */
	fprintf(f, "<testsuites name=\"netconform\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\"",
		nc_status_total(&j->totals), j->totals.failed, j->totals.errors);
	attr(f, "time", nc_fmt_seconds(j->duration, num, sizeof(num)));
	fputs(">\n", f);
	if (nc_spool_copy(j->body, f) < 0)
		return -1;
	fputs("</testsuites>\n", f);
	return ferror(f) ? -1 : 0;
}

static int junit_end(void *self, const struct nc_run_totals *t)
{
	struct junit *j = self;
	suite_close(j);
	j->duration = t->duration_ns;
	return nc_rfile_finish(&j->rf, j->err, junit_write, j);
}

static void junit_destroy(void *self)
{
	struct junit *j = self;
	if (j->body)
		fclose(j->body);
	if (j->cases)
		fclose(j->cases);
	if (j->props)
		fclose(j->props);
	nc_rfile_free(&j->rf);
	name_clear(&j->names);
	free(j->hostname);
	free(j->mode);
	free(j->key);
	free(j->name);
	free(j->file);
	free(j->group);
	free(j->scenario);
	free(j->description);
	free(j);
}

static const struct nc_reporter_ops junit_ops = {
	.name = "junit",
	.begin = junit_begin,
	.progress = NULL,
	.variant = junit_variant,
	.end = junit_end,
	.destroy = junit_destroy,
};

int nc_junit_reporter(struct nc_reporter *out, const char *path, char *err, size_t errlen)
{
	struct junit *j = nc_xcalloc(1, sizeof(*j));
	if (nc_rfile_init(&j->rf, path, err, errlen) < 0) {
		free(j);
		return -1;
	}
	if (!(j->body = nc_rfile_spool(&j->rf, err, errlen)) ||
	    !(j->cases = nc_rfile_spool(&j->rf, err, errlen)) ||
	    !(j->props = nc_rfile_spool(&j->rf, err, errlen))) {
		junit_destroy(j);
		return -1;
	}
	out->ops = &junit_ops;
	out->self = j;
	return 0;
}
