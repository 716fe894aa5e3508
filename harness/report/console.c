/* console.c: the human-readable run output on standard output.
 *
 * One line per variant ("PASS udp/hello-bye[inet6] 3.1 ms"), the details of
 * every failure under its line, and a final line of exactly the form
 * "N passed, N failed, N skipped", which scripts may parse. On a terminal a
 * live progress line is redrawn below the results; elsewhere (CI logs) it is
 * never printed, so logs hold one line per variant and nothing else.
 *
 * Every text that comes from outside (names, paths, messages, steps,
 * packets, program output) goes through util/termsafe.h: one line of text
 * at a time is built in a buffer, with our own colour codes around the
 * escaped text, and written whole. A write error on the output (a full
 * disk under a redirection) is reported at the end, and end() fails.
 */
#include "report/reporter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_text.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/termsafe.h"
#include "util/text.h"

struct console {
	struct nc_console_opts o;
	FILE *out;                  /* standard output, or standard error (--tap -) */
	int write_errno;            /* the first write error, or 0 */
	bool color;
	bool progress;
	bool progress_shown;        /* a progress line is on screen */
	int64_t started;
	const char *capture_note;
	bool mode_noted;
};

#define C_RESET "\033[0m"
#define C_GREEN "\033[32m"
#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_MAGENTA "\033[35m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

static const char *col(const struct console *c, const char *code)
{
	return c->color ? code : "";
}

/* Appends outside text as one line (a newline in it is shown as \n). */
static void put(struct nc_buf *b, const char *s)
{
	nc_term_adds(b, s ? s : "", NC_TERM_LINE);
}

/* Appends a line: our label, then outside text. */
static void put_line(struct nc_buf *b, const char *label, const char *s)
{
	nc_buf_adds(b, label);
	put(b, s);
	nc_buf_addc(b, '\n');
}

/* Appends outside text left-aligned in a field of width columns (counted
 * in bytes, as printf's %-*s does). */
static void put_padded(struct nc_buf *b, const char *s, size_t width)
{
	size_t start = b->len;
	put(b, s);
	for (size_t n = b->len - start; n < width; n++)
		nc_buf_addc(b, ' ');
}

/* Writes the buffer and empties it, remembering the first write error. */
static void flush_line(struct console *c, struct nc_buf *b)
{
	errno = 0;
	if (b->len && fwrite(b->data, 1, b->len, c->out) != b->len && !c->write_errno)
		c->write_errno = errno ? errno : EIO;
	nc_buf_reset(b);
}

static void clear_progress(struct console *c)
{
	if (c->progress_shown) {
		fputs("\r\033[K", c->out);
		c->progress_shown = false;
	}
}

static int console_begin(void *self, const struct nc_run_info *run)
{
	struct console *c = self;
	c->started = nc_now_ns();
	if (c->o.quiet)
		return 0;
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_buf_adds(&b, "netconform ");
	put(&b, run->version);
	nc_buf_printf(&b, ": %zu variant%s, ", run->total, run->total == 1 ? "" : "s");
	put(&b, run->mode);
	nc_buf_printf(&b, ", capture %s, -j %d, timeout scale %g", run->capture_on ? "on" : "off",
		      run->jobs, run->timeout_scale);
	if (run->shard) {
		nc_buf_adds(&b, ", shard ");
		put(&b, run->shard);
	}
	nc_buf_addc(&b, '\n');
	if (run->mode_note)
		put_line(&b, "note: ", run->mode_note);
	if (run->capture_note && !run->capture_on)
		put_line(&b, "note: ", run->capture_note);
	flush_line(c, &b);
	nc_buf_free(&b);
	fflush(c->out);
	return 0;
}

static void console_progress(void *self, size_t done, size_t total, size_t failed,
			     const char *current)
{
	struct console *c = self;
	if (!c->progress)
		return;
	char el[32];
	nc_fmt_duration(nc_now_ns() - c->started, el, sizeof(el));
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_buf_printf(&b, "\r\033[K%s[%zu/%zu]%s %s%zu failed%s  %s", col(c, C_BOLD), done, total,
		      col(c, C_RESET), failed ? col(c, C_RED) : "", failed,
		      failed ? col(c, C_RESET) : "", el);
	if (current) {
		nc_buf_printf(&b, "  %s", col(c, C_DIM));
		put(&b, current);
		nc_buf_adds(&b, col(c, C_RESET));
	}
	flush_line(c, &b);
	nc_buf_free(&b);
	fflush(c->out);
	c->progress_shown = true;
}

/* Appends text (several lines, from outside) with each line indented; tabs
 * stay, everything else the terminal would obey is made visible. */
static void put_indented(struct nc_buf *b, const char *indent, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		nc_buf_adds(b, indent);
		nc_term_esc(b, p, n, NC_TERM_TEXT);
		nc_buf_addc(b, '\n');
		p += n + (nl ? 1 : 0);
	}
}

static void put_trace(struct nc_buf *b, const struct nc_result *r)
{
	for (size_t i = 0; i < r->ntrace; i++) {
		const struct nc_trace *t = &r->trace[i];
		char ts[32], took[32] = "";
		if (t->t_start >= 0)
			snprintf(ts, sizeof(ts), "%9.3f ms", (double)t->t_start / 1e6);
		else
			snprintf(ts, sizeof(ts), "%12s", "-");
		/* How long the call took: what a timing window judges. */
		if (t->t_start >= 0 && t->t_end >= t->t_start)
			snprintf(took, sizeof(took), " (%.3f ms)", (double)(t->t_end - t->t_start) / 1e6);
		nc_buf_printf(b, "        %s %-6s :%-4u ", ts, t->role ? "client" : "server", t->line);
		put_padded(b, t->text, 40);
		nc_buf_printf(b, " %s", t->failed ? "FAILED " : "");
		put(b, t->outcome);
		nc_buf_printf(b, "%s\n", took);
	}
	if (r->trace_dropped)
		nc_buf_printf(b, "        ... %zu more steps not shown\n", r->trace_dropped);
}

static void put_packets(struct nc_buf *b, const struct nc_result *r)
{
	for (size_t i = 0; i < r->npackets; i++) {
		nc_buf_printf(b, "        #%-3u %9.3f ms  ", r->packets[i].index,
			      (double)r->packets[i].t / 1e6);
		put(b, r->packets[i].text);
		nc_buf_addc(b, '\n');
	}
	if (r->packets_total > r->npackets) {
		nc_buf_printf(b, "        ... %llu more packets in ",
			      (unsigned long long)(r->packets_total - r->npackets));
		put(b, r->pcap_path ? r->pcap_path : "the capture");
		nc_buf_addc(b, '\n');
	}
}

static void put_output(struct nc_buf *b, const struct nc_result *r)
{
	for (int k = 0; k < 2; k++) {
		if (!r->output[k] || !*r->output[k])
			continue;
		nc_buf_printf(b, "      %s output:\n", k ? "client" : "server");
		put_indented(b, "        | ", r->output[k]);
		if (r->output_dropped[k])
			nc_buf_printf(b, "        | ... %zu more bytes not kept\n", r->output_dropped[k]);
	}
}

static void put_failures(struct nc_buf *b, const struct nc_result *r)
{
	for (size_t i = 0; i < r->nfailures; i++) {
		const struct nc_failure *f = &r->failures[i];
		nc_buf_adds(b, "      ");
		/* A parse error's message carries its own path:line:col. */
		if (strcmp(f->check, "parse") != 0 && f->file[0]) {
			put(b, f->file);
			if (f->line)
				nc_buf_printf(b, ":%u", f->line);
			nc_buf_adds(b, ": ");
		}
		put(b, f->check);
		put_line(b, ": ", f->message);
		if (f->detail && *f->detail)
			put_indented(b, "        ", f->detail);
	}
	if (r->failures_dropped)
		nc_buf_printf(b, "      ... %zu more failures not shown\n", r->failures_dropped);
}

static int console_variant(void *self, const struct nc_result *r)
{
	struct console *c = self;
	clear_progress(c);
	bool bad = r->status == NC_STATUS_FAIL || r->status == NC_STATUS_ERROR;
	if (c->o.quiet && !bad)
		return 0;
	const char *code = r->status == NC_STATUS_PASS   ? C_GREEN
			   : r->status == NC_STATUS_FAIL ? C_RED
			   : r->status == NC_STATUS_ERROR ? C_MAGENTA
							  : C_YELLOW;
	char dur[32];
	nc_fmt_duration(r->duration_ns, dur, sizeof(dur));
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_buf_printf(&b, "%s%-5s%s ", col(c, code), nc_status_name(r->status), col(c, C_RESET));
	put(&b, r->name);
	if (r->status == NC_STATUS_SKIP || r->status == NC_STATUS_NOTRUN) {
		nc_buf_adds(&b, " (");
		put(&b, r->reason ? r->reason : "no reason given");
		nc_buf_adds(&b, ")\n");
	} else if (r->duration_ns > 0) {
		nc_buf_printf(&b, " %s\n", dur);
	} else {
		nc_buf_addc(&b, '\n');
	}
	put_failures(&b, r);
	if (bad || c->o.verbose) {
		if (r->ntrace) {
			nc_buf_adds(&b, "      steps:\n");
			put_trace(&b, r);
		}
		if (r->npackets) {
			nc_buf_adds(&b, "      packets:\n");
			put_packets(&b, r);
		}
		put_output(&b, r);
		if (r->pcap_path)
			put_line(&b, "      capture: ", r->pcap_path);
	}
	/* Whatever the status: a lost artifact changes the exit status. */
	if (r->artifact_error)
		put_line(&b, "      artifact not written: ", r->artifact_error);
	flush_line(c, &b);
	nc_buf_free(&b);
	fflush(c->out);
	return 0;
}

static int console_end(void *self, const struct nc_run_totals *t)
{
	struct console *c = self;
	clear_progress(c);
	char dur[32], sig[32];
	nc_fmt_duration(t->duration_ns, dur, sizeof(dur));
	struct nc_buf b;
	nc_buf_init(&b, 0);
	if (t->interrupted)
		nc_buf_printf(&b, "interrupted by %s: %zu variant%s not run\n",
			      nc_fmt_signal(t->signal, sig, sizeof(sig)), t->notrun,
			      t->notrun == 1 ? "" : "s");
	if (!c->o.quiet) {
		nc_buf_printf(&b, "%sfinished in %s", col(c, C_DIM), dur);
		if (t->errors)
			nc_buf_printf(&b, "; %zu of the failures %s (timeouts, crashes, bad files)",
				      t->errors, t->errors == 1 ? "is a harness error" : "are harness errors");
		nc_buf_printf(&b, "%s\n", col(c, C_RESET));
	}
	/* The final line has a fixed form that scripts parse; errors count as
	 * failures and variants an interruption prevented count as skipped. */
	nc_buf_printf(&b, "%zu passed, %zu failed, %zu skipped\n", t->passed, t->failed + t->errors,
		      t->skipped + t->notrun);
	flush_line(c, &b);
	nc_buf_free(&b);
	errno = 0;
	if ((fflush(c->out) != 0 || ferror(c->out)) && !c->write_errno)
		c->write_errno = errno ? errno : EIO;
	if (c->write_errno) {
		/* On standard error when the console went to standard output;
		 * a failing standard error has nowhere left to say it. */
		if (c->out != stderr)
			nc_term_msg(stderr, "netconform: cannot write standard output: %s",
				    strerror(c->write_errno));
		return -1;
	}
	return 0;
}

static void console_destroy(void *self)
{
	free(self);
}

static const struct nc_reporter_ops console_ops = {
	.name = "console",
	.begin = console_begin,
	.progress = console_progress,
	.variant = console_variant,
	.end = console_end,
	.destroy = console_destroy,
};

int nc_console_reporter(struct nc_reporter *out, const struct nc_console_opts *o)
{
	struct console *c = nc_xcalloc(1, sizeof(*c));
	c->o = *o;
	c->out = o->out ? o->out : stdout;
	bool tty = isatty(fileno(c->out));
	const char *no_color = getenv("NO_COLOR");
	if (o->color == 1)
		c->color = true;
	else if (o->color == 0)
		c->color = false;
	else
		c->color = tty && !(no_color && *no_color);
	if (no_color && *no_color && o->color != 1)
		c->color = false;
	c->progress = o->progress && tty;
	out->ops = &console_ops;
	out->self = c;
	return 0;
}
