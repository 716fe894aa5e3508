/* console.c: the human-readable run output on standard output.
 *
 * One line per variant ("PASS udp/hello-bye[inet6] 3.1 ms"), the details of
 * every failure under its line, and a final line of exactly the form
 * "N passed, N failed, N skipped", which scripts may parse. On a terminal a
 * live progress line is redrawn below the results; elsewhere (CI logs) it is
 * never printed, so logs hold one line per variant and nothing else.
 */
#include "report/reporter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/text.h"

struct console {
	struct nc_console_opts o;
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

static void clear_progress(struct console *c)
{
	if (c->progress_shown) {
		fputs("\r\033[K", stdout);
		c->progress_shown = false;
	}
}

static int console_begin(void *self, const struct nc_run_info *run)
{
	struct console *c = self;
	c->started = nc_now_ns();
	if (c->o.quiet)
		return 0;
	printf("netconform %s: %zu variant%s, %s, capture %s, -j %d, timeout scale %g%s%s\n",
	       run->version, run->total, run->total == 1 ? "" : "s", run->mode,
	       run->capture_on ? "on" : "off", run->jobs, run->timeout_scale,
	       run->shard ? ", shard " : "", run->shard ? run->shard : "");
	if (run->mode_note)
		printf("note: %s\n", run->mode_note);
	if (run->capture_note && !run->capture_on)
		printf("note: %s\n", run->capture_note);
	fflush(stdout);
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
	fputs("\r\033[K", stdout);
	printf("%s[%zu/%zu]%s %s%zu failed%s  %s", col(c, C_BOLD), done, total, col(c, C_RESET),
	       failed ? col(c, C_RED) : "", failed, failed ? col(c, C_RESET) : "", el);
	if (current)
		printf("  %s%s%s", col(c, C_DIM), current, col(c, C_RESET));
	fflush(stdout);
	c->progress_shown = true;
}

/* Prints text with each line indented. */
static void print_indented(const char *indent, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		printf("%s%.*s\n", indent, (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static void print_trace(const struct nc_result *r)
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
		printf("        %s %-6s :%-4u %-40s %s%s%s\n", ts, t->role ? "client" : "server",
		       t->line, t->text ? t->text : "", t->failed ? "FAILED " : "",
		       t->outcome ? t->outcome : "", took);
	}
	if (r->trace_dropped)
		printf("        ... %zu more steps not shown\n", r->trace_dropped);
}

static void print_packets(const struct nc_result *r)
{
	for (size_t i = 0; i < r->npackets; i++)
		printf("        #%-3u %9.3f ms  %s\n", r->packets[i].index,
		       (double)r->packets[i].t / 1e6, r->packets[i].text);
	if (r->packets_total > r->npackets)
		printf("        ... %llu more packets in %s\n",
		       (unsigned long long)(r->packets_total - r->npackets),
		       r->pcap_path ? r->pcap_path : "the capture");
}

/* A program's output is shown line by line with its control bytes made
 * visible: raw escape sequences from a program under test must not reach
 * the terminal or the CI log that displays them. */
/* The length of the valid UTF-8 sequence at p that is not a C1 control
 * character (U+0080..U+009F, which some terminals obey as escapes), or 0. */
static int utf8_printable(const unsigned char *p)
{
	int n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (p[0] >= 0xf5)
		n = 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
		return 0;
	return n;
}

static void print_program_output(const char *indent, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	while (*p) {
		fputs(indent, stdout);
		while (*p && *p != '\n') {
			int n;
			if (*p == '\t' || (*p >= 0x20 && *p < 0x7f)) {
				putchar(*p++);
			} else if (*p >= 0x80 && (n = utf8_printable(p)) > 0) {
				fwrite(p, 1, (size_t)n, stdout);
				p += n;
			} else {
				printf("\\x%02x", *p++);
			}
		}
		putchar('\n');
		if (*p == '\n')
			p++;
	}
}

static void print_output(const struct nc_result *r)
{
	for (int k = 0; k < 2; k++) {
		if (!r->output[k] || !*r->output[k])
			continue;
		printf("      %s output:\n", k ? "client" : "server");
		print_program_output("        | ", r->output[k]);
		if (r->output_dropped[k])
			printf("        | ... %zu more bytes not kept\n", r->output_dropped[k]);
	}
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
	printf("%s%-5s%s %s", col(c, code), nc_status_name(r->status), col(c, C_RESET), r->name);
	if (r->status == NC_STATUS_SKIP || r->status == NC_STATUS_NOTRUN)
		printf(" (%s)\n", r->reason ? r->reason : "no reason given");
	else if (r->duration_ns > 0)
		printf(" %s\n", dur);
	else
		printf("\n");
	for (size_t i = 0; i < r->nfailures; i++) {
		const struct nc_failure *f = &r->failures[i];
		/* A parse error's message carries its own path:line:col. */
		if (!strcmp(f->check, "parse") || !f->file[0])
			printf("      %s: %s\n", f->check, f->message);
		else if (f->line)
			printf("      %s:%u: %s: %s\n", f->file, f->line, f->check, f->message);
		else
			printf("      %s: %s: %s\n", f->file, f->check, f->message);
		if (f->detail && *f->detail)
			print_indented("        ", f->detail);
	}
	if (r->failures_dropped)
		printf("      ... %zu more failures not shown\n", r->failures_dropped);
	if (bad || c->o.verbose) {
		if (r->ntrace && (c->o.verbose || bad)) {
			printf("      steps:\n");
			print_trace(r);
		}
		if (r->npackets && (c->o.verbose || bad)) {
			printf("      packets:\n");
			print_packets(r);
		}
		print_output(r);
		if (r->pcap_path)
			printf("      capture: %s\n", r->pcap_path);
	}
	fflush(stdout);
	return 0;
}

static int console_end(void *self, const struct nc_run_totals *t)
{
	struct console *c = self;
	clear_progress(c);
	char dur[32];
	nc_fmt_duration(t->duration_ns, dur, sizeof(dur));
	if (t->interrupted)
		printf("interrupted by %s: %zu variant%s not run\n",
		       t->signal == 2 ? "SIGINT" : t->signal == 15 ? "SIGTERM" : "a signal", t->notrun,
		       t->notrun == 1 ? "" : "s");
	if (!c->o.quiet) {
		printf("%sfinished in %s", col(c, C_DIM), dur);
		if (t->errors)
			printf("; %zu of the failures %s (timeouts, crashes, bad files)", t->errors,
			       t->errors == 1 ? "is a harness error" : "are harness errors");
		printf("%s\n", col(c, C_RESET));
	}
	/* The final line has a fixed form that scripts parse; errors count as
	 * failures and variants an interruption prevented count as skipped. */
	printf("%zu passed, %zu failed, %zu skipped\n", t->passed, t->failed + t->errors,
	       t->skipped + t->notrun);
	fflush(stdout);
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
	bool tty = isatty(STDOUT_FILENO);
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
