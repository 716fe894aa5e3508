/* tap.c: the TAP version 13 report (--tap FILE).
 *
 *   TAP version 13
 *   1..N
 *   ok 1 - udp/hello-bye[inet]
 *   not ok 2 - udp/hello-bye[inet6]
 *     ---
 *     message: "scenarios/udp/hello-bye.scn:12: expected \"hello\", got \"hellx\""
 *     severity: fail
 *     ...
 *     detail: |
 *       expected: 68 65 6c 6c 6f
 *     ...
 *   ok 3 - udp/hello-bye[inet6#2] # SKIP no IPv6 on this machine
 *   # Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
 *
 * One test point per variant in plan order. The plan comes first: to a
 * file it is the number of test points actually written (the file is
 * assembled in end()); to standard output ("-") the report streams, so a
 * kselftest-style runner shows progress, and the plan is run_info.total.
 * The last line is kselftest's totals comment.
 *
 * The YAML blocks are kept to what both a real YAML parser and the
 * "YAMLish" subset of Perl's TAP::Parser read: every string is a
 * double-quoted scalar on one line, except a failure's detail, which is a
 * literal block scalar ("|") when that represents it exactly, and a
 * double-quoted scalar otherwise (when its first line starts with white
 * space, since block indentation would swallow it, or when a line reads
 * "---" or "...", which line-based TAP consumers take for the block's
 * end). Blank lines inside a block are written as the block's indentation,
 * which YAML reads as an empty line and YAMLish does not take for the end.
 */
#include "report/reporter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_file.h"
#include "report/report_text.h"
#include "util/buf.h"
#include "util/termsafe.h"
#include "util/text.h"

#define TAP_MAX_DETAIL (16u * 1024u)   /* detail text per failure */

struct tap {
	struct nc_rfile rf;
	FILE *out;           /* the spool, or stdout when streaming */
	bool stream;
	size_t planned;
	size_t n;            /* test points written */
	struct nc_status_counts c;
	bool broken;
	char err[512];
};

static void yaml_dq(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	nc_esc_write(f, NC_ESC_YAML_DQ, s, n);
	fputc('"', f);
}

static void yaml_str(FILE *f, const char *indent, const char *key, const char *value)
{
	fprintf(f, "%s%s: ", indent, key);
	yaml_dq(f, value, strlen(value));
	fputc('\n', f);
}

static bool is_marker_line(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	return n == 3 && (memcmp(p, "...", 3) == 0 || memcmp(p, "---", 3) == 0);
}

/* Writes key: text, as a block scalar when that is exact (see the top of
 * this file) and as a quoted scalar otherwise. */
static void yaml_text(FILE *f, const char *indent, const char *key, const char *text)
{
	size_t n = strlen(text);
	size_t keep = nc_esc_cut(text, n, TAP_MAX_DETAIL);
	struct nc_buf cut;
	nc_buf_init(&cut, 0);
	nc_buf_add(&cut, text, keep);
	if (keep < n)
		nc_buf_printf(&cut, "%s[netconform: %zu more bytes not shown]",
			      keep && text[keep - 1] != '\n' ? "\n" : "", n - keep);
	const char *s = nc_buf_str(&cut);
	n = cut.len;
	while (n && s[n - 1] == '\n')
		n--;

	bool block = n > 0 && s[0] != ' ' && s[0] != '\t';
	for (size_t i = 0; block && i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
		if (is_marker_line(s + i, len))
			block = false;
		i += len + 1;
	}
	if (!block) {
		fprintf(f, "%s%s: ", indent, key);
		yaml_dq(f, s, n);
		fputc('\n', f);
		nc_buf_free(&cut);
		return;
	}
	fprintf(f, "%s%s: |\n", indent, key);
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (s + i)) : n - i;
		fprintf(f, "%s  ", indent);
		nc_esc_write(f, NC_ESC_YAML_LINE, s + i, len);
		fputc('\n', f);
		i += len + 1;
	}
	nc_buf_free(&cut);
}

/* The first failure's "file:line: message", as in the JUnit report. */
static void failure_message(struct nc_buf *b, const struct nc_failure *x)
{
	nc_failure_prefix(b, x);
	nc_buf_adds(b, x->message);
}

static void failure_fields(FILE *f, const char *indent, const struct nc_failure *x)
{
	yaml_str(f, indent, "check", x->check);
	if (*x->file)
		yaml_str(f, indent, "file", x->file);
	if (x->line)
		fprintf(f, "%sline: %u\n", indent, x->line);
	if (*x->detail)
		yaml_text(f, indent, "detail", x->detail);
}

static void write_diagnostics(FILE *f, const struct nc_result *r)
{
	bool error = r->status == NC_STATUS_ERROR;
	const struct nc_failure *first = nc_result_headline(r);

	char ms[32];
	struct nc_buf m;
	nc_buf_init(&m, 0);
	if (first)
		failure_message(&m, first);
	else
		nc_buf_adds(&m, nc_str_or(r->reason, error ? "harness error" : "failed"));
	fputs("  ---\n", f);
	yaml_str(f, "  ", "message", nc_buf_str(&m));
	nc_buf_free(&m);
	fprintf(f, "  severity: %s\n", error ? "error" : "fail");
	if (first)
		failure_fields(f, "  ", first);
	else if (r->path)
		yaml_str(f, "  ", "file", r->path);
	fprintf(f, "  duration_ms: %s\n", nc_fmt_millis(r->duration_ns, ms, sizeof(ms)));
	if (r->nfailures > 1) {
		fputs("  more_failures:\n", f);
		for (size_t i = 0; i < r->nfailures; i++) {
			const struct nc_failure *x = &r->failures[i];
			if (x == first)
				continue;
			/* The first key shares the line with the item's dash;
			 * the others align with it. */
			fputs("    - message: ", f);
			yaml_dq(f, x->message, strlen(x->message));
			fputc('\n', f);
			failure_fields(f, "      ", x);
		}
	}
	if (r->failures_dropped)
		fprintf(f, "  failures_not_kept: %zu\n", r->failures_dropped);
	if (r->pcap_path)
		yaml_str(f, "  ", "pcap", r->pcap_path);
	if (r->artifact_error)
		yaml_str(f, "  ", "artifact_error", r->artifact_error);
	fputs("  ...\n", f);
}

static int tap_begin(void *self, const struct nc_run_info *run)
{
	struct tap *t = self;
	t->planned = run->total;
	if (t->stream) {
		fprintf(t->out, "TAP version 13\n1..%zu\n", run->total);
		fprintf(t->out, "# netconform %s: %s, capture %s\n", nc_str_or(run->version, "?"),
			nc_str_or(run->mode, "?"), run->capture_on ? "on" : "off");
		fflush(t->out);
	}
	return 0;
}

static int tap_variant(void *self, const struct nc_result *r)
{
	struct tap *t = self;
	if (t->broken)
		return -1;
	FILE *f = t->out;
	errno = 0;
	t->n++;
	nc_status_count(&t->c, r->status);
	bool bad = r->status == NC_STATUS_FAIL || r->status == NC_STATUS_ERROR;
	fprintf(f, "%s %zu - ", bad ? "not ok" : "ok", t->n);
	nc_esc_puts(f, NC_ESC_TAP_NAME, nc_str_or(r->name, nc_str_or(r->id, nc_str_or(r->path, "(unnamed)"))));
	switch (r->status) {
	case NC_STATUS_PASS:
		fputc('\n', f);
		break;
	case NC_STATUS_FAIL:
	case NC_STATUS_ERROR:
		fputc('\n', f);
		write_diagnostics(f, r);
		break;
	case NC_STATUS_SKIP:
		fputs(" # SKIP ", f);
		nc_esc_puts(f, NC_ESC_TAP_NAME, nc_str_or(r->reason, "skipped"));
		fputc('\n', f);
		break;
	case NC_STATUS_NOTRUN: {
		const char *reason = nc_str_or(r->reason, "not run");
		fputs(" # SKIP ", f);
		if (!nc_starts_with(reason, "not run"))
			fputs("not run: ", f);
		nc_esc_puts(f, NC_ESC_TAP_NAME, reason);
		fputc('\n', f);
		break;
	}
	}
	if (t->stream)
		fflush(f);
	if (ferror(f)) {
		if (t->stream)
			snprintf(t->err, sizeof(t->err), "cannot write the TAP report to standard "
				 "output: %s", strerror(errno ? errno : EIO));
		else
			nc_rfile_spool_error(&t->rf, "test points", t->err, sizeof(t->err));
		t->broken = true;
		return -1;
	}
	return 0;
}

static void write_totals(struct tap *t, FILE *f, const struct nc_run_totals *tot)
{
	char sig[32];
	if (tot->interrupted)
		fprintf(f, "# interrupted by %s: %zu not run\n", nc_fmt_signal(tot->signal, sig, sizeof(sig)),
			tot->notrun);
	/* kselftest's summary line; xfail/xpass do not exist here. */
	fprintf(f, "# Totals: pass:%zu fail:%zu xfail:0 xpass:0 skip:%zu error:%zu\n", t->c.passed,
		t->c.failed, t->c.skipped + t->c.notrun, t->c.errors);
}

struct tap_final {
	struct tap *t;
	const struct nc_run_totals *tot;
};

static int tap_write(void *ctx, FILE *f)
{
	struct tap_final *x = ctx;
	fprintf(f, "TAP version 13\n1..%zu\n", x->t->n);
	if (nc_spool_copy(x->t->out, f) < 0)
		return -1;
	write_totals(x->t, f, x->tot);
	return ferror(f) ? -1 : 0;
}

static int tap_end(void *self, const struct nc_run_totals *tot)
{
	struct tap *t = self;
	if (t->broken || !t->stream) {
		struct tap_final x = { t, tot };
		return nc_rfile_finish(&t->rf, t->err, tap_write, &x);
	}
	/* A streamed plan promised run_info.total test points; say so if the
	 * runner delivered a different number, rather than leave a consumer
	 * to guess. */
	if (t->n != t->planned)
		printf("# netconform: planned %zu variants but reported %zu\n", t->planned, t->n);
	write_totals(t, stdout, tot);
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		nc_term_msg(stderr, "netconform: cannot write the TAP report to standard output: %s",
			    strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

static void tap_destroy(void *self)
{
	struct tap *t = self;
	if (t->out && !t->stream)
		fclose(t->out);
	nc_rfile_free(&t->rf);
	free(t);
}

static const struct nc_reporter_ops tap_ops = {
	.name = "tap",
	.begin = tap_begin,
	.progress = NULL,
	.variant = tap_variant,
	.end = tap_end,
	.destroy = tap_destroy,
};

int nc_tap_reporter(struct nc_reporter *out, const char *path, char *err, size_t errlen)
{
	struct tap *t = nc_xcalloc(1, sizeof(*t));
	if (nc_rfile_init(&t->rf, path, err, errlen) < 0) {
		free(t);
		return -1;
	}
	t->stream = t->rf.path == NULL;
	t->out = t->stream ? stdout : nc_rfile_spool(&t->rf, err, errlen);
	if (!t->out) {
		tap_destroy(t);
		return -1;
	}
	out->ops = &tap_ops;
	out->self = t;
	return 0;
}
