/* cli.c: the command line, parsed by hand so messages can say exactly
 * which argument was wrong. */
#include <stdio.h>

#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "proc/options.h"
#include "proc/program.h"
#include "scenario/scenario.h"
#include "util/text.h"

void nc_cli_usage(FILE *out)
{
	fputs(
"usage: netconform [run] [options] [PATH...]   run scenarios (default PATH: scenarios)\n"
"       netconform check PATH...               parse and validate scenario files only\n"
"       netconform list [options] PATH...      list the variants that would run\n"
"       netconform list --ctest [options] PATH...  print them as ctest tests (CMake)\n"
"       netconform decode [-v] FILE.pcap...    print a capture as netconform decodes it\n"
"                                              (-v: with timestamps)\n"
"\n"
"PATH is a scenario file or a directory searched recursively for *.scn files.\n"
"\n"
"Selection:\n"
"  --filter GLOB        run variants whose name (udp/hello-bye[inet6]) or id\n"
"                       (udp/hello-bye) matches GLOB; repeatable, any may match\n"
"  --keyword WORD       run scenarios that list WORD in 'keywords'; repeatable\n"
"  --family F           run only family F (inet, inet6, dual); repeatable\n"
"  --shard K/N          run the K-th of N deterministic shards (for CI matrices)\n"
"  --repeat N           run every variant N times (hunting flakes)\n"
"  --shuffle[=SEED]     run in a random order; the seed is printed\n"
"\n"
"Running:\n"
"  -j, --jobs N         variants at once (default: twice the number of CPUs)\n"
"  --timeout-scale F    multiply every timeout, deadline and timing window by F\n"
"                       (for slow or loaded machines; default 1)\n"
"  --no-capture         do not capture traffic (wire checks are skipped)\n"
"  --require-capture    fail variants when traffic cannot be captured\n"
"  --keep-pcap=WHEN     write pcap files: always, failed (default) or never\n"
"  --pcap-max SIZE      cap each kept pcap file at SIZE (default 256M; 0: no cap);\n"
"                       the wire checks still see every packet\n"
"  --wrap CMD           run built-in roles under CMD (e.g. \"valgrind -q\"), split\n"
"                       as a shell would, with ${scenario}, ${variant}, ${role}\n"
"                       and ${family} expanded (strace -ff -o t/${variant}.${role})\n"
"  --exec-path DIRS     extra directories (':'-separated) for program roles\n"
"  --allow-remote       permit addresses outside loopback in scenarios\n"
"\n"
"Output:\n"
"  --junit FILE         write JUnit XML\n"
"  --html FILE          write a self-contained HTML report\n"
"  --tap FILE           write TAP version 13 ('-': standard output, which then\n"
"                       holds only TAP; the console goes to standard error)\n"
"  --reports DIR        where pcap files go (DIR/pcap/...; default: reports)\n"
"  -v, --verbose        show steps and packets of every variant\n"
"  -q, --quiet          show only failures and the totals\n"
"  --color=WHEN         auto (default), always or never; NO_COLOR is honoured\n"
"  --no-progress        no live progress line on a terminal\n"
"  --ctest              (list) print add_test() lines, one test per variant; run\n"
"                       options given here are passed on to every test\n"
"  --ctest-prefix P     (list) test name prefix (default: scenario.)\n"
"  --ctest-labels L     (list) extra ';'-separated labels besides 'scenario'\n"
"  -h, --help           this text\n"
"  -V, --version        the version\n"
"\n"
"Reports are written to a temporary file beside FILE and renamed over it, so\n"
"FILE is the old report or the whole new one (a link at FILE is replaced);\n"
"devices, FIFOs and /dev/stdout, /dev/fd/N are written directly.\n"
"\n"
"Exit status: 0 all passed (skips allowed); 1 a variant failed or errored;\n"
"2 usage errors, or scenario files that do not parse or cannot be read (the\n"
"others still run); 3 the run completed but a report could not be written\n"
"whole (the message names the file); 128+signal (130 SIGINT, 143 SIGTERM,\n"
"129 SIGHUP) when interrupted, reports still written. When several apply:\n"
"128+signal, then 3, then 2, then 1.\n"
"Scenario format: scenarios/README.md. Environment: NETCONFORM_NO_NAMESPACES=1\n"
"runs on the host loopback as if namespaces were unavailable.\n",
	      out);
}

static int bad(char *err, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || errno || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Options, one handler each. A handler gets the option's value (NULL for a
 * flag given without "=value") and returns 0, or -1 with err filled. */

#define SET_FLAG(fn, field, val)                                                      \
	static int fn(struct nc_cli *c, const char *v, char *err, size_t errlen)       \
	{                                                                              \
		(void)v, (void)err, (void)errlen;                                      \
		c->field = val;                                                        \
		return 0;                                                              \
	}
#define SET_TEXT(fn, field)                                                           \
	static int fn(struct nc_cli *c, const char *v, char *err, size_t errlen)       \
	{                                                                              \
		(void)err, (void)errlen;                                               \
		c->field = v;                                                          \
		return 0;                                                              \
	}

SET_FLAG(opt_help, cmd, NC_CMD_HELP)
SET_FLAG(opt_version, cmd, NC_CMD_VERSION)
SET_FLAG(opt_verbose, verbose, true)
SET_FLAG(opt_quiet, quiet, true)
SET_FLAG(opt_no_capture, no_capture, true)
SET_FLAG(opt_require_capture, require_capture, true)
SET_FLAG(opt_allow_remote, allow_remote, true)
SET_FLAG(opt_ctest, ctest, true)
SET_FLAG(opt_no_color, color, 0)
SET_FLAG(opt_no_progress, progress, false)
SET_TEXT(opt_junit, junit)
SET_TEXT(opt_html, html)
SET_TEXT(opt_tap, tap)
SET_TEXT(opt_reports, reports_dir)
SET_TEXT(opt_exec_path, exec_path)
SET_TEXT(opt_ctest_prefix, ctest_prefix)
SET_TEXT(opt_ctest_labels, ctest_labels)

static int opt_jobs(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	unsigned long n;
	if (parse_uint(v, 1024, &n) < 0 || n == 0)
		return bad(err, errlen, "--jobs needs a number from 1 to 1024, not '%s'", v);
	c->jobs = (int)n;
	return 0;
}

static int opt_filter(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	if (c->nfilters == NC_CLI_MAX_LIST)
		return bad(err, errlen, "too many --filter options%s", "");
	c->filters[c->nfilters++] = v;
	return 0;
}

static int opt_keyword(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	if (c->nkeywords == NC_CLI_MAX_LIST)
		return bad(err, errlen, "too many --keyword options%s", "");
	c->keywords[c->nkeywords++] = v;
	return 0;
}

/* A word among a fixed few: the index of v in words, or -1. */
static int one_of(const char *v, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(v, words[i]))
			return i;
	return -1;
}

static int opt_family(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	static const char *const words[] = { "inet", "inet6", "dual", NULL };
	static const enum nc_family fams[] = { NC_FAM_INET, NC_FAM_INET6, NC_FAM_DUAL };
	int k = one_of(v, words);
	if (k < 0)
		return bad(err, errlen, "--family needs inet, inet6 or dual, not '%s'", v);
	c->families |= 1u << fams[k];
	return 0;
}

static int opt_timeout_scale(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (*end || errno || !(d >= 0.1 && d <= 100))
		return bad(err, errlen, "--timeout-scale needs a number from 0.1 to 100, not '%s'", v);
	c->timeout_scale = d;
	return 0;
}

static int opt_keep_pcap(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	static const char *const words[] = { "always", "failed", "never", NULL };
	static const enum nc_keep_pcap keep[] = { NC_KEEP_ALWAYS, NC_KEEP_FAILED, NC_KEEP_NEVER };
	int k = one_of(v, words);
	if (k < 0)
		return bad(err, errlen, "--keep-pcap needs always, failed or never, not '%s'", v);
	c->keep_pcap = keep[k];
	return 0;
}

static int opt_pcap_max(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	if (nc_parse_size(v, &c->pcap_max) < 0)
		return bad(err, errlen, "--pcap-max needs a size such as 256M or 1G, not '%s'", v);
	return 0;
}

static int opt_shard(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	unsigned k = 0, n = 0;
	char tail;
	if (sscanf(v, "%u/%u%c", &k, &n, &tail) != 2 || n == 0 || k == 0 || k > n || n > 10000)
		return bad(err, errlen, "--shard needs K/N with 1 <= K <= N, not '%s'", v);
	c->shard_k = k;
	c->shard_n = n;
	return 0;
}

static int opt_repeat(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	unsigned long n;
	if (parse_uint(v, 100000, &n) < 0 || n == 0)
		return bad(err, errlen, "--repeat needs a number from 1 to 100000, not '%s'", v);
	c->repeat = (unsigned)n;
	return 0;
}

static int opt_shuffle(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	c->shuffle = true;
	if (!v)
		return 0;
	char *end;
	errno = 0;
	unsigned long long s = strtoull(v, &end, 10);
	if (*end || errno || !*v)
		return bad(err, errlen, "--shuffle=SEED needs a number, not '%s'", v);
	c->seed = s;
	return 0;
}

static int opt_wrap(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	char why[200];
	if (nc_program_wrap_check(v, why, sizeof(why)) < 0)
		return bad(err, errlen, "--wrap: %s (it may use ${scenario}, ${variant}, ${role} and "
			   "${family})", why);
	c->wrap = v;
	return 0;
}

static int opt_color(struct nc_cli *c, const char *v, char *err, size_t errlen)
{
	static const char *const words[] = { "auto", "always", "never", NULL };
	static const int colors[] = { -1, 1, 0 };
	int k = one_of(v ? v : "always", words);
	if (k < 0)
		return bad(err, errlen, "--color needs auto, always or never, not '%s'", v);
	c->color = colors[k];
	return 0;
}

struct opt {
	const char *name;
	const char *alias;      /* a second name, or NULL */
	const char *needs;      /* what the value is ("a number"); NULL: a flag, whose
				   value can only come as --name=value */
	int (*set)(struct nc_cli *c, const char *v, char *err, size_t errlen);
};

static const struct opt options[] = {
	{ "--help", "-h", NULL, opt_help },
	{ "--version", "-V", NULL, opt_version },
	{ "--verbose", "-v", NULL, opt_verbose },
	{ "--quiet", "-q", NULL, opt_quiet },
	{ "--jobs", "-j", "a number", opt_jobs },
	{ "--filter", NULL, "a glob pattern", opt_filter },
	{ "--keyword", NULL, "a keyword", opt_keyword },
	{ "--family", NULL, "inet, inet6 or dual", opt_family },
	{ "--timeout-scale", NULL, "a number", opt_timeout_scale },
	{ "--junit", NULL, "a file name", opt_junit },
	{ "--html", NULL, "a file name", opt_html },
	{ "--tap", NULL, "a file name (or '-')", opt_tap },
	{ "--reports", NULL, "a directory", opt_reports },
	{ "--keep-pcap", NULL, "always, failed or never", opt_keep_pcap },
	{ "--pcap-max", NULL, "a size (256M, 1G; 0 for no cap)", opt_pcap_max },
	{ "--no-capture", NULL, NULL, opt_no_capture },
	{ "--require-capture", NULL, NULL, opt_require_capture },
	{ "--shard", NULL, "K/N", opt_shard },
	{ "--repeat", NULL, "a number", opt_repeat },
	{ "--shuffle", NULL, NULL, opt_shuffle },
	{ "--wrap", NULL, "a command", opt_wrap },
	{ "--allow-remote", NULL, NULL, opt_allow_remote },
	{ "--exec-path", NULL, "directories", opt_exec_path },
	{ "--color", "--colour", NULL, opt_color },
	{ "--no-color", NULL, NULL, opt_no_color },
	{ "--no-progress", NULL, NULL, opt_no_progress },
	{ "--ctest", NULL, NULL, opt_ctest },
	{ "--ctest-prefix", NULL, "a test name prefix", opt_ctest_prefix },
	{ "--ctest-labels", NULL, "labels", opt_ctest_labels },
};

static const struct opt *find_option(const char *name)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (!strcmp(name, options[i].name) ||
		    (options[i].alias && !strcmp(name, options[i].alias)))
			return &options[i];
	return NULL;
}

static void defaults(struct nc_cli *c)
{
	memset(c, 0, sizeof(*c));
	c->cmd = NC_CMD_RUN;
	c->timeout_scale = 1.0;
	c->color = -1;
	c->progress = true;
	c->reports_dir = "reports";
	c->keep_pcap = NC_KEEP_FAILED;
	c->pcap_max = NC_PCAP_MAX_DEFAULT;
	c->repeat = 1;
}

/* One option at argv[*i] (which starts with '-'); may take the next
 * argument as its value. */
static int parse_option(int argc, char **argv, int *i, struct nc_cli *c, char *err, size_t errlen)
{
	const char *a = argv[*i];
	if (!strncmp(a, "-j", 2) && a[2] && a[2] != '=')
		return opt_jobs(c, a + 2, err, errlen); /* -j8 */
	char name[64];
	const char *eq = strchr(a, '=');
	size_t nl = eq ? (size_t)(eq - a) : strlen(a);
	const struct opt *o = nl < sizeof(name) ? (memcpy(name, a, nl), name[nl] = 0, find_option(name))
						: NULL;
	if (!o)
		return bad(err, errlen, "unknown option '%s' (see netconform --help)", a);
	const char *v = eq ? eq + 1 : NULL;
	if (o->needs && !v) {
		if (*i + 1 >= argc)
			return bad(err, errlen, "option '%s' needs %s", name, o->needs);
		v = argv[++*i];
	}
	return o->set(c, v, err, errlen);
}

int nc_cli_parse(int argc, char **argv, struct nc_cli *c, char *err, size_t errlen)
{
	defaults(c);
	static const char *const commands[] = { "run", "check", "list", "decode", NULL };
	static const enum nc_command cmds[] = { NC_CMD_RUN, NC_CMD_CHECK, NC_CMD_LIST, NC_CMD_DECODE };
	int i = 1;
	int k = i < argc ? one_of(argv[i], commands) : -1;
	if (k >= 0) {
		c->cmd = cmds[k];
		i++;
	}
	bool only_paths = false;
	for (; i < argc; i++) {
		char *a = argv[i];
		if (only_paths || a[0] != '-' || !strcmp(a, "-")) {
			if (c->npaths == sizeof(c->paths) / sizeof(c->paths[0]))
				return bad(err, errlen, "too many paths (the limit is 256)%s", "");
			c->paths[c->npaths++] = a;
		} else if (!strcmp(a, "--")) {
			only_paths = true;
		} else if (parse_option(argc, argv, &i, c, err, errlen) < 0) {
			return -1;
		}
	}
	if (c->verbose && c->quiet)
		return bad(err, errlen, "--verbose and --quiet contradict each other%s", "");
	if (c->no_capture && c->require_capture)
		return bad(err, errlen, "--no-capture and --require-capture contradict each other%s", "");
	return 0;
}
