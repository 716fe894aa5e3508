/* test_cli.c: unit tests of the command line (harness/cli.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "proc/options.h"
#include "scenario/scenario.h"
#include "tests/unit/cunit_main.h"

/* Parses a command line given as one string of words. */
static int parse(const char *line, struct nc_cli *c, char *err, size_t errlen)
{
	static char buf[512];
	char *argv[32];
	int argc = 0;
	snprintf(buf, sizeof(buf), "netconform %s", line);
	for (char *w = strtok(buf, " "); w && argc < 31; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	return nc_cli_parse(argc, argv, c, err, errlen);
}

static void test_defaults_and_commands(void)
{
	struct nc_cli c;
	char err[256];
	CU_ASSERT_EQUAL(parse("scenarios", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.cmd, NC_CMD_RUN);
	CU_ASSERT_EQUAL(c.npaths, 1);
	CU_ASSERT_EQUAL(c.keep_pcap, NC_KEEP_FAILED);
	CU_ASSERT_EQUAL(c.pcap_max, NC_PCAP_MAX_DEFAULT);
	CU_ASSERT_EQUAL(c.repeat, 1);
	CU_ASSERT_EQUAL(c.color, -1);
	CU_ASSERT_TRUE(c.progress);
	CU_ASSERT_EQUAL(parse("check a b", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.cmd, NC_CMD_CHECK);
	CU_ASSERT_EQUAL(c.npaths, 2);
	CU_ASSERT_EQUAL(parse("list --ctest --ctest-prefix p. x", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.cmd, NC_CMD_LIST);
	CU_ASSERT_TRUE(c.ctest);
	CU_ASSERT_STRING_EQUAL(c.ctest_prefix, "p.");
	/* After "--" everything is a path. */
	CU_ASSERT_EQUAL(parse("-- -v", &c, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(c.verbose);
	CU_ASSERT_STRING_EQUAL(c.paths[0], "-v");
}

static void test_values(void)
{
	struct nc_cli c;
	char err[256];
	CU_ASSERT_EQUAL(parse("-j8 --jobs=3 -j 5", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.jobs, 5);
	CU_ASSERT_EQUAL(parse("--family inet6 --family=dual", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.families, (1u << NC_FAM_INET6) | (1u << NC_FAM_DUAL));
	CU_ASSERT_EQUAL(parse("--keep-pcap=always --pcap-max 1M --shard 2/4 --repeat 3", &c, err,
			      sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.keep_pcap, NC_KEEP_ALWAYS);
	CU_ASSERT_EQUAL(c.pcap_max, 1u << 20);
	CU_ASSERT_EQUAL(c.shard_k, 2);
	CU_ASSERT_EQUAL(c.shard_n, 4);
	CU_ASSERT_EQUAL(c.repeat, 3);
	CU_ASSERT_EQUAL(parse("--shuffle --color", &c, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(c.shuffle);
	CU_ASSERT_EQUAL(c.seed, 0);
	CU_ASSERT_EQUAL(c.color, 1);
	CU_ASSERT_EQUAL(parse("--shuffle=42 --colour=never --timeout-scale 2.5", &c, err,
			      sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.seed, 42);
	CU_ASSERT_EQUAL(c.color, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.timeout_scale, 2.5, 1e-9);
	CU_ASSERT_EQUAL(parse("--wrap=valgrind -q", &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.wrap, "valgrind");
	CU_ASSERT_TRUE(c.quiet);
}

static void expect_error(const char *line, const char *want)
{
	struct nc_cli c;
	char err[256] = "";
	CU_ASSERT_EQUAL(parse(line, &c, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	if (!strstr(err, want))
		fprintf(stderr, "\n  [%s]: got [%s], want [%s]\n", line, err, want);
}

static void test_errors(void)
{
	expect_error("-j", "option '-j' needs a number");
	expect_error("-j0", "--jobs needs a number from 1 to 1024, not '0'");
	expect_error("--family x", "--family needs inet, inet6 or dual, not 'x'");
	expect_error("--keep-pcap=bad", "--keep-pcap needs always, failed or never, not 'bad'");
	expect_error("--pcap-max lots", "--pcap-max needs a size");
	expect_error("--shard 5/4", "--shard needs K/N");
	expect_error("--shuffle=x", "--shuffle=SEED needs a number, not 'x'");
	expect_error("--frob", "unknown option '--frob'");
	expect_error("--repeat", "option '--repeat' needs a number");
	expect_error("-v -q", "--verbose and --quiet contradict each other");
	expect_error("--no-capture --require-capture", "contradict each other");
	expect_error("--color=blue", "--color needs auto, always or never, not 'blue'");
	expect_error("--wrap x${nope}", "--wrap: unknown variable ${nope}");
}

void nc_unit_register(void)
{
	static const struct nc_unit_test tests[] = {
		{ "defaults and commands", test_defaults_and_commands },
		{ "values", test_values },
		{ "errors", test_errors },
		{ NULL, NULL },
	};
	nc_unit_suite("command line", tests);
}
