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

/* Takes an option's value from "--opt=value" or the next argument. */
static const char *value(int argc, char **argv, int *i, const char *eq)
{
	if (eq)
		return eq + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
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

int nc_cli_parse(int argc, char **argv, struct nc_cli *c, char *err, size_t errlen)
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
	int i = 1;
	if (i < argc) {
		if (!strcmp(argv[i], "run"))
			i++;
		else if (!strcmp(argv[i], "check"))
			c->cmd = NC_CMD_CHECK, i++;
		else if (!strcmp(argv[i], "list"))
			c->cmd = NC_CMD_LIST, i++;
		else if (!strcmp(argv[i], "decode"))
			c->cmd = NC_CMD_DECODE, i++;
	}
	bool only_paths = false;
	for (; i < argc; i++) {
		char *a = argv[i];
		if (only_paths || a[0] != '-' || !strcmp(a, "-")) {
			if (c->npaths == sizeof(c->paths) / sizeof(c->paths[0]))
				return bad(err, errlen, "too many paths (the limit is 256)%s", "");
			c->paths[c->npaths++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_paths = true;
			continue;
		}
		char name[64];
		const char *eq = strchr(a, '=');
		size_t nl = eq ? (size_t)(eq - a) : strlen(a);
		if (nl >= sizeof(name))
			return bad(err, errlen, "unknown option '%s'", a);
		memcpy(name, a, nl);
		name[nl] = 0;
		const char *v;
		unsigned long n;
#define NEED(what)                                                                     \
	do {                                                                           \
		v = value(argc, argv, &i, eq);                                        \
		if (!v)                                                                \
			return bad(err, errlen, "option '%s' needs " what, name);      \
	} while (0)
		if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
			c->cmd = NC_CMD_HELP;
		} else if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
			c->cmd = NC_CMD_VERSION;
		} else if (!strcmp(name, "-v") || !strcmp(name, "--verbose")) {
			c->verbose = true;
		} else if (!strcmp(name, "-q") || !strcmp(name, "--quiet")) {
			c->quiet = true;
		} else if (!strcmp(name, "-j") || !strcmp(name, "--jobs")) {
			NEED("a number");
			if (parse_uint(v, 1024, &n) < 0 || n == 0)
				return bad(err, errlen, "--jobs needs a number from 1 to 1024, not '%s'", v);
			c->jobs = (int)n;
		} else if (!strncmp(a, "-j", 2) && a[2]) {
			if (parse_uint(a + 2, 1024, &n) < 0 || n == 0)
				return bad(err, errlen, "-j needs a number from 1 to 1024, not '%s'", a + 2);
			c->jobs = (int)n;
		} else if (!strcmp(name, "--filter")) {
			NEED("a glob pattern");
			if (c->nfilters == NC_CLI_MAX_LIST)
				return bad(err, errlen, "too many --filter options%s", "");
			c->filters[c->nfilters++] = v;
		} else if (!strcmp(name, "--keyword")) {
			NEED("a keyword");
			if (c->nkeywords == NC_CLI_MAX_LIST)
				return bad(err, errlen, "too many --keyword options%s", "");
			c->keywords[c->nkeywords++] = v;
		} else if (!strcmp(name, "--family")) {
			NEED("inet, inet6 or dual");
			if (!strcmp(v, "inet"))
				c->families |= 1u << NC_FAM_INET;
			else if (!strcmp(v, "inet6"))
				c->families |= 1u << NC_FAM_INET6;
			else if (!strcmp(v, "dual"))
				c->families |= 1u << NC_FAM_DUAL;
			else
				return bad(err, errlen, "--family needs inet, inet6 or dual, not '%s'", v);
		} else if (!strcmp(name, "--timeout-scale")) {
			NEED("a number");
			char *end;
			errno = 0;
			double d = strtod(v, &end);
			if (*end || errno || !(d >= 0.1 && d <= 100))
				return bad(err, errlen, "--timeout-scale needs a number from 0.1 to 100, "
					   "not '%s'", v);
			c->timeout_scale = d;
		} else if (!strcmp(name, "--junit")) {
			NEED("a file name");
			c->junit = v;
		} else if (!strcmp(name, "--html")) {
			NEED("a file name");
			c->html = v;
		} else if (!strcmp(name, "--tap")) {
			NEED("a file name (or '-')");
			c->tap = v;
		} else if (!strcmp(name, "--reports")) {
			NEED("a directory");
			c->reports_dir = v;
		} else if (!strcmp(name, "--keep-pcap")) {
			NEED("always, failed or never");
			if (!strcmp(v, "always"))
				c->keep_pcap = NC_KEEP_ALWAYS;
			else if (!strcmp(v, "failed"))
				c->keep_pcap = NC_KEEP_FAILED;
			else if (!strcmp(v, "never"))
				c->keep_pcap = NC_KEEP_NEVER;
			else
				return bad(err, errlen, "--keep-pcap needs always, failed or never, "
					   "not '%s'", v);
		} else if (!strcmp(name, "--pcap-max")) {
			NEED("a size (256M, 1G; 0 for no cap)");
			if (nc_parse_size(v, &c->pcap_max) < 0)
				return bad(err, errlen, "--pcap-max needs a size such as 256M or 1G, "
					   "not '%s'", v);
		} else if (!strcmp(name, "--no-capture")) {
			c->no_capture = true;
		} else if (!strcmp(name, "--require-capture")) {
			c->require_capture = true;
		} else if (!strcmp(name, "--shard")) {
			NEED("K/N");
			unsigned k = 0, nn = 0;
			char tail;
			if (sscanf(v, "%u/%u%c", &k, &nn, &tail) != 2 || nn == 0 || k == 0 || k > nn ||
			    nn > 10000)
				return bad(err, errlen, "--shard needs K/N with 1 <= K <= N, not '%s'", v);
			c->shard_k = k;
			c->shard_n = nn;
		} else if (!strcmp(name, "--repeat")) {
			NEED("a number");
			if (parse_uint(v, 100000, &n) < 0 || n == 0)
				return bad(err, errlen, "--repeat needs a number from 1 to 100000, not '%s'", v);
			c->repeat = (unsigned)n;
		} else if (!strcmp(name, "--shuffle")) {
			c->shuffle = true;
			if (eq) {
				char *end;
				errno = 0;
				unsigned long long s = strtoull(eq + 1, &end, 10);
				if (*end || errno || !eq[1])
					return bad(err, errlen, "--shuffle=SEED needs a number, not '%s'", eq + 1);
				c->seed = s;
			}
		} else if (!strcmp(name, "--wrap")) {
			NEED("a command");
			char why[200];
			if (nc_program_wrap_check(v, why, sizeof(why)) < 0)
				return bad(err, errlen, "--wrap: %s (it may use ${scenario}, ${variant}, "
					   "${role} and ${family})", why);
			c->wrap = v;
		} else if (!strcmp(name, "--allow-remote")) {
			c->allow_remote = true;
		} else if (!strcmp(name, "--exec-path")) {
			NEED("directories");
			c->exec_path = v;
		} else if (!strcmp(name, "--color") || !strcmp(name, "--colour")) {
			v = eq ? eq + 1 : "always";
			if (!strcmp(v, "auto"))
				c->color = -1;
			else if (!strcmp(v, "always"))
				c->color = 1;
			else if (!strcmp(v, "never"))
				c->color = 0;
			else
				return bad(err, errlen, "--color needs auto, always or never, not '%s'", v);
		} else if (!strcmp(name, "--ctest")) {
			c->ctest = true;
		} else if (!strcmp(name, "--ctest-prefix")) {
			NEED("a test name prefix");
			c->ctest_prefix = v;
		} else if (!strcmp(name, "--ctest-labels")) {
			NEED("labels");
			c->ctest_labels = v;
		} else if (!strcmp(name, "--no-color")) {
			c->color = 0;
		} else if (!strcmp(name, "--no-progress")) {
			c->progress = false;
		} else {
			return bad(err, errlen, "unknown option '%s' (see netconform --help)", a);
		}
#undef NEED
	}
	if (c->verbose && c->quiet)
		return bad(err, errlen, "--verbose and --quiet contradict each other%s", "");
	if (c->no_capture && c->require_capture)
		return bad(err, errlen, "--no-capture and --require-capture contradict each other%s", "");
	return 0;
}
