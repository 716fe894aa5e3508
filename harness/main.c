/* main.c: netconform's entry point, and the only place that exits.
 *
 * It turns the command line into a plan and run options, picks the
 * reporters, runs, and maps the outcome to the exit status:
 *   0    every variant passed (skips allowed)
 *   1    a variant failed or errored
 *   2    usage errors, or scenario files that do not parse or cannot be
 *        read (the other files still run)
 *   3    the run completed, but a report (JUnit, HTML, TAP, the console's
 *        own output) or an artifact of a variant (a result's
 *        artifact_error: its pcap file) could not be written whole; the
 *        message names the file and the error
 *   128 + signal (130 SIGINT, 143 SIGTERM, 129 SIGHUP) when interrupted,
 *        at any moment, the reading of the scenario files included; the
 *        reports are still written, with what did not run marked so.
 * When several apply, the first of 128 + signal, 3, 2, 1 is the status.
 *
 * The stop signals are blocked from the start, before the scenario files
 * are read: discovery asks between files whether one is pending, and the
 * runner reads them from its signalfd (proc/runner.h), so a signal at any
 * moment is handled, never the default death without a report.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "plan/plan.h"
#include "proc/program.h"
#include "proc/options.h"
#include "proc/runner.h"
#include "report/report_text.h"
#include "report/reporter.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/termsafe.h"
#include "util/text.h"
#include "wire/dumpfile.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_REPORT 3

/* SIGINT, SIGTERM and SIGHUP: the signals that stop a run. */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/* Discovery's stop question: takes a pending stop signal, without waiting,
 * and returns its number, or 0. */
static int pending_stop(void *ctx)
{
	(void)ctx;
	sigset_t set;
	stop_signals(&set);
	struct timespec zero = { 0, 0 };
	int sig = sigtimedwait(&set, NULL, &zero);
	return sig > 0 ? sig : 0;
}

static int interrupted_status(int sig, const char *while_doing)
{
	char name[32];
	nc_term_msg(stderr, "netconform: interrupted by %s %s", nc_fmt_signal(sig, name, sizeof(name)),
		    while_doing);
	return 128 + sig;
}

static int cmd_check(const struct nc_plan *plan)
{
	size_t ok = 0;
	for (size_t i = 0; i < plan->nfiles; i++) {
		const struct nc_plan_file *f = &plan->files[i];
		if (f->ok) {
			ok++;
			continue;
		}
		char msg[1400];
		nc_term_msg(stderr, "%s", nc_diag_format(&f->diag, msg, sizeof(msg)));
	}
	printf("%zu file%s checked, %zu valid, %zu with errors\n", plan->nfiles,
	       plan->nfiles == 1 ? "" : "s", ok, plan->parse_errors);
	return plan->parse_errors ? EXIT_USAGE : 0;
}

/* A CMake bracket argument holding s, which needs no escaping: its level
 * (the number of '=') is above that of every "]=...]" in s, counting a
 * "]=..." at the very end, which the closing bracket would complete, so
 * nothing in s can end it early (CMake's bracket rule). CMake drops a
 * newline right after the opening bracket: one is added when s starts
 * with a line break, so s keeps its own. */
static void cmake_arg(struct nc_buf *b, const char *s)
{
	size_t level = 1;
	for (const char *p = strchr(s, ']'); p; p = strchr(p + 1, ']')) {
		size_t run = strspn(p + 1, "=");
		if ((p[1 + run] == ']' || p[1 + run] == 0) && run >= level)
			level = run + 1;
	}
	nc_buf_adds(b, " [");
	for (size_t i = 0; i < level; i++)
		nc_buf_addc(b, '=');
	nc_buf_addc(b, '[');
	if (s[0] == '\n' || s[0] == '\r')
		nc_buf_addc(b, '\n');
	nc_buf_adds(b, s);
	nc_buf_addc(b, ']');
	for (size_t i = 0; i < level; i++)
		nc_buf_addc(b, '=');
	nc_buf_addc(b, ']');
}

/* One ctest test per variant, as CMake code for a TEST_INCLUDE_FILES
 * script (see cmake/NetconformScenarios.cmake). Each test runs netconform
 * on one variant, with the run options given to the list command. */
static int cmd_list_ctest(const struct nc_cli *c, const struct nc_plan *plan)
{
	char self[PATH_MAX], cwd[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || !getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "netconform: cannot find this program's path\n");
		return EXIT_USAGE;
	}
	self[n] = 0;
	const char *prefix = c->ctest_prefix ? c->ctest_prefix : "scenario.";
	for (size_t i = 0; i < plan->nvariants; i++) {
		const struct nc_plan_variant *v = &plan->variants[i];
		const struct nc_plan_file *f = &plan->files[v->file];
		char *abs = realpath(f->path, NULL);
		struct nc_buf b, name;
		nc_buf_init(&b, 0);
		nc_buf_init(&name, 0);
		nc_buf_printf(&name, "%s%s", prefix, v->name);
		nc_buf_adds(&b, "add_test(");
		cmake_arg(&b, nc_buf_str(&name));
		cmake_arg(&b, self);
		/* The one file, and the one family: exactly this variant, however
		 * the file is named relative to where it was found. */
		nc_buf_adds(&b, " run --no-progress --color=never");
		if (!v->parse_error)
			nc_buf_printf(&b, " --family %s", nc_family_name(v->family));
		if (c->timeout_scale != 1.0)
			nc_buf_printf(&b, " --timeout-scale %g", c->timeout_scale);
		if (c->exec_path) {
			nc_buf_adds(&b, " --exec-path");
			cmake_arg(&b, c->exec_path);
		}
		if (c->wrap) {
			nc_buf_adds(&b, " --wrap");
			cmake_arg(&b, c->wrap);
		}
		if (strcmp(c->reports_dir, "reports") != 0) {
			nc_buf_adds(&b, " --reports");
			cmake_arg(&b, c->reports_dir);
		}
		if (c->no_capture)
			nc_buf_adds(&b, " --no-capture");
		if (c->require_capture)
			nc_buf_adds(&b, " --require-capture");
		if (c->allow_remote)
			nc_buf_adds(&b, " --allow-remote");
		if (c->pcap_max != NC_PCAP_MAX_DEFAULT)
			nc_buf_printf(&b, " --pcap-max %llu", c->pcap_max);
		if (c->keep_pcap == NC_KEEP_ALWAYS)
			nc_buf_adds(&b, " --keep-pcap=always");
		else if (c->keep_pcap == NC_KEEP_NEVER)
			nc_buf_adds(&b, " --keep-pcap=never");
		cmake_arg(&b, abs ? abs : f->path);
		nc_buf_adds(&b, ")\n");
		/* ctest's own timeout stays above netconform's: the scenario's
		 * timeout, scaled, plus the supervisor's slack and start-up. */
		int64_t t = f->ok ? f->timeout_ns : 5 * NC_SEC;
		long secs = (long)((double)t * c->timeout_scale / NC_SEC) + 30;
		nc_buf_adds(&b, "set_tests_properties(");
		cmake_arg(&b, nc_buf_str(&name));
		nc_buf_printf(&b, " PROPERTIES TIMEOUT %ld LABELS", secs);
		struct nc_buf labels;
		nc_buf_init(&labels, 0);
		nc_buf_printf(&labels, "scenario;%s%s%s", f->group, c->ctest_labels ? ";" : "",
			      c->ctest_labels ? c->ctest_labels : "");
		cmake_arg(&b, nc_buf_str(&labels));
		nc_buf_free(&labels);
		/* On a host without namespaces fixed-port variants share the
		 * host's ports; netconform's port locks make them wait for each
		 * other, and this lock keeps ctest from running them side by side
		 * in the first place. */
		if (f->ok && f->fixed_port)
			nc_buf_adds(&b, " RESOURCE_LOCK netconform_fixed_ports");
		nc_buf_adds(&b, " WORKING_DIRECTORY");
		cmake_arg(&b, cwd);
		nc_buf_adds(&b, ")\n");
		fputs(nc_buf_str(&b), stdout);
		nc_buf_free(&b);
		nc_buf_free(&name);
		free(abs);
	}
	return 0;
}

static int cmd_list(const struct nc_plan *plan)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	for (size_t i = 0; i < plan->nvariants; i++) {
		const struct nc_plan_variant *v = &plan->variants[i];
		const struct nc_plan_file *f = &plan->files[v->file];
		nc_buf_reset(&b);
		nc_term_adds(&b, v->name, NC_TERM_LINE);
		while (b.len < 40)
			nc_buf_addc(&b, ' ');
		nc_buf_adds(&b, "  ");
		if (v->parse_error) {
			char msg[1400];
			nc_buf_adds(&b, "(does not parse: ");
			nc_term_adds(&b, nc_diag_format(&f->diag, msg, sizeof(msg)), NC_TERM_LINE);
			nc_buf_adds(&b, ")");
		} else {
			nc_term_adds(&b, f->description ? f->description : "", NC_TERM_LINE);
		}
		printf("%s\n", nc_buf_str(&b));
	}
	nc_buf_free(&b);
	fprintf(stderr, "%zu variant%s\n", plan->nvariants, plan->nvariants == 1 ? "" : "s");
	return plan->parse_errors ? EXIT_USAGE : 0;
}

static int print_line(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	nc_term_write(stdout, line, len, NC_TERM_LINE);
	fputc('\n', stdout);
	return ferror(stdout) ? 1 : 0;
}

/* Prints a capture file the way netconform decodes it, one packet a line:
 * what failure messages show, and what the tshark cross-check compares. */
static int cmd_decode(const struct nc_cli *c)
{
	if (c->npaths == 0) {
		fprintf(stderr, "netconform: decode needs a pcap file\n");
		return EXIT_USAGE;
	}
	struct nc_dump_opts o = { .timestamps = c->verbose };
	int rc = 0;
	for (size_t i = 0; i < c->npaths; i++) {
		char err[512];
		if (c->npaths > 1) {
			nc_term_puts(stdout, c->paths[i], NC_TERM_LINE);
			fputs(":\n", stdout);
		}
		if (nc_wire_dump_pcap_lines(c->paths[i], &o, print_line, NULL, err, sizeof(err)) < 0) {
			nc_term_msg(stderr, "netconform: %s", err);
			rc = EXIT_FAILED;
		}
	}
	return rc;
}

/* Twice the CPUs: much of a variant's time is spent waiting in the kernel
 * (namespace and capture set-up), which other variants can use; more than
 * that adds scheduling delay to timing-sensitive steps. */
static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	n *= 2;
	return n > 64 ? 64 : (int)n;
}

static char *command_line(int argc, char **argv)
{
	struct nc_buf b;
	nc_buf_init(&b, 4096);
	for (int i = 0; i < argc; i++)
		nc_buf_printf(&b, "%s%s", i ? " " : "", argv[i]);
	return nc_buf_steal(&b);
}

/* The reports of a run a signal stopped before anything ran (while the
 * scenario files were read, or just after): every variant known is
 * reported as not run, then the totals, as the runner does for what an
 * interruption left. Returns 0. */
static int report_not_run(const struct nc_plan *plan, const struct nc_run_info *info,
			  struct nc_reporter *rep, int sig, struct nc_run_totals *t)
{
	char name[32], reason[128];
	snprintf(reason, sizeof(reason), "not run: interrupted by %s%s",
		 nc_fmt_signal(sig, name, sizeof(name)),
		 plan->interrupted ? " while the scenario files were read" : "");
	memset(t, 0, sizeof(*t));
	int64_t start = nc_now_ns();
	rep->ops->begin(rep->self, info);
	for (uint32_t i = 0; i < plan->nvariants; i++) {
		struct nc_result *r = nc_plan_result(plan, i);
		r->status = NC_STATUS_NOTRUN;
		r->reason = nc_strdup(reason);
		rep->ops->variant(rep->self, r);
		nc_result_free(r);
		free(r);
	}
	t->notrun = plan->nvariants;
	t->interrupted = true;
	t->signal = sig;
	t->duration_ns = nc_now_ns() - start;
	rep->ops->end(rep->self, t);
	return 0;
}

static int cmd_run(const struct nc_cli *c, struct nc_plan *plan, int argc, char **argv)
{
	struct nc_run_opts o;
	memset(&o, 0, sizeof(o));
	o.jobs = c->jobs ? c->jobs : default_jobs();
	o.timeout_scale = c->timeout_scale;
	o.capture = !c->no_capture;
	o.require_capture = c->require_capture;
	o.keep_pcap = (enum nc_keep_pcap)c->keep_pcap;
	o.pcap_max = c->pcap_max;
	o.reports_dir = c->reports_dir;
	o.wrap = c->wrap;
	o.allow_remote = c->allow_remote;
	o.exec_path = c->exec_path;
	static char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		o.self_exe = self;
	}
	/* A run a signal stopped while its files were read starts nothing:
	 * the probe (a child in new namespaces) would only delay its reports. */
	if (!plan->interrupted)
		nc_ns_probe(&o.ns);

	/* With the TAP report on standard output, the console goes to
	 * standard error, so standard output is pure TAP. */
	FILE *console = c->tap && strcmp(c->tap, "-") == 0 ? stderr : stdout;
	struct nc_reporter reps[4];
	size_t nreps = 0;
	struct nc_console_opts co = { .out = console, .verbose = c->verbose, .quiet = c->quiet,
				      .color = c->color, .progress = c->progress };
	nc_console_reporter(&reps[nreps++], &co);
	char err[512];
	struct {
		const char *path;
		int (*make)(struct nc_reporter *, const char *, char *, size_t);
	} files[] = {
		{ c->junit, nc_junit_reporter },
		{ c->html, nc_html_reporter },
		{ c->tap, nc_tap_reporter },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!files[i].path)
			continue;
		if (files[i].make(&reps[nreps], files[i].path, err, sizeof(err)) < 0) {
			nc_term_msg(stderr, "netconform: %s", err);
			for (size_t k = 0; k < nreps; k++)
				reps[k].ops->destroy(reps[k].self);
			return EXIT_USAGE;
		}
		nreps++;
	}
	struct nc_report_outcome outcome;
	struct nc_reporter all;
	nc_fanout_reporter(&all, reps, nreps, &outcome);

	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	char *cmdline = command_line(argc, argv);
	char shard[32];
	snprintf(shard, sizeof(shard), "%u/%u", c->shard_k, c->shard_n);
	struct nc_run_info info = {
		.version = NC_VERSION,
		.hostname = host,
		.started_unix_ns = nc_realtime_ns(),
		.mode = plan->interrupted ? "not started" : nc_ns_mode_name(o.ns.mode),
		.mode_note = o.ns.note[0] ? o.ns.note : NULL,
		.capture_on = o.capture && o.ns.mode != NC_NS_HOST && !plan->interrupted,
		.capture_note = !o.capture ? "capture disabled by --no-capture"
			      : o.ns.mode == NC_NS_HOST
				? "wire checks skipped: without a private network namespace the "
				  "loopback carries other programs' traffic"
				: NULL,
		.total = plan->nvariants,
		.timeout_scale = o.timeout_scale,
		.jobs = o.jobs,
		.shard = c->shard_n ? shard : NULL,
		.command_line = cmdline,
		.reports_dir = o.reports_dir,
	};
	if (c->shuffle && !c->quiet)
		fprintf(console, "shuffle seed %llu (rerun this order with --shuffle=%llu)\n",
			(unsigned long long)plan->shuffle_seed,
			(unsigned long long)plan->shuffle_seed);

	/* Scenarios are parsed again as their variants launch; the run holds
	 * only summaries, however many files it has. */
	nc_plan_release(plan);
	struct nc_run_totals t;
	/* A signal that came while the files were read, or since: nothing
	 * runs, and the reports say so. */
	int sig = plan->interrupted ? plan->interrupted : pending_stop(NULL);
	int rc = sig ? report_not_run(plan, &info, &all, sig, &t)
		     : nc_run(plan, &o, &info, &all, 1, &t, err, sizeof(err));
	all.ops->destroy(all.self);
	free(cmdline);
	if (rc < 0) {
		nc_term_msg(stderr, "netconform: %s", err);
		return EXIT_FAILED;
	}
	if (t.interrupted)
		return 128 + t.signal;
	if (outcome.reports_failed || outcome.artifacts_failed)
		return EXIT_REPORT;
	if (plan->parse_errors)
		return EXIT_USAGE;
	return t.failed || t.errors ? EXIT_FAILED : 0;
}

int main(int argc, char **argv)
{
	struct nc_cli c;
	char err[512];
	/* Reports may go to a pipe that closes early; that is an error to
	 * report, not a reason to die silently. */
	signal(SIGPIPE, SIG_IGN);
	/* The supervisor runs built-in roles as "netconform role ..." when they
	 * must go through exec (--wrap, a scenario's env). */
	if (argc > 1 && strcmp(argv[1], "role") == 0)
		return nc_program_role_main(argc, argv);
	if (nc_cli_parse(argc, argv, &c, err, sizeof(err)) < 0) {
		nc_term_msg(stderr, "netconform: %s", err);
		return EXIT_USAGE;
	}
	if (c.cmd == NC_CMD_HELP) {
		nc_cli_usage(stdout);
		return 0;
	}
	if (c.cmd == NC_CMD_VERSION) {
		printf("netconform %s\n", NC_VERSION);
		return 0;
	}
	if (c.cmd == NC_CMD_DECODE)
		return cmd_decode(&c);
	if (c.npaths == 0) {
		if (c.cmd == NC_CMD_RUN && nc_is_dir("scenarios")) {
			c.paths[c.npaths++] = "scenarios";
		} else {
			fprintf(stderr, "netconform: no scenario files or directories given "
				"(see netconform --help)\n");
			return EXIT_USAGE;
		}
	}
	/* From here on a stop signal is taken when it suits: between files
	 * while they are read, then by the runner. Children get their own
	 * mask (proc/spawn.c). */
	sigset_t stops;
	stop_signals(&stops);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	struct nc_plan plan;
	if (nc_plan_discover(c.paths, c.npaths, pending_stop, NULL, &plan, err, sizeof(err)) < 0) {
		nc_term_msg(stderr, "netconform: %s", err);
		return EXIT_USAGE;
	}
	if (plan.interrupted && c.cmd != NC_CMD_RUN) {
		int st = interrupted_status(plan.interrupted, "while the scenario files were read");
		nc_plan_free(&plan);
		return st;
	}
	if (plan.nfiles == 0 && !plan.interrupted) {
		fprintf(stderr, "netconform: no scenario files (*.scn) found\n");
		nc_plan_free(&plan);
		return EXIT_USAGE;
	}
	int rc;
	if (c.cmd == NC_CMD_CHECK) {
		rc = cmd_check(&plan);
	} else {
		struct nc_plan_opts po = {
			.filters = c.filters, .nfilters = c.nfilters,
			.keywords = c.keywords, .nkeywords = c.nkeywords,
			.families = c.families, .shard_k = c.shard_k, .shard_n = c.shard_n,
			.repeat = c.repeat, .shuffle = c.shuffle, .seed = c.seed,
		};
		nc_plan_select(&plan, &po);
		if (c.cmd == NC_CMD_LIST)
			rc = c.ctest ? cmd_list_ctest(&c, &plan) : cmd_list(&plan);
		else
			rc = cmd_run(&c, &plan, argc, argv);
	}
	nc_plan_free(&plan);
	return rc;
}
