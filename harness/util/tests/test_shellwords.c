/* test_shellwords.c: unit tests of the command-line splitter (util/shellwords.h). */
#include <stdio.h>
#include <string.h>

#include "tests/unit/cunit_main.h"
#include "util/shellwords.h"

static const char *vars(void *ctx, const char *name)
{
	(void)ctx;
	if (!strcmp(name, "variant"))
		return "udp-hello-bye[inet6]";
	if (!strcmp(name, "role"))
		return "server";
	if (!strcmp(name, "spaced"))
		return "a b";
	return NULL;
}

/* Splits s and compares with want (words joined by '|'). */
static void check(const char *s, const char *want)
{
	char **argv;
	size_t argc;
	char err[128];
	int rc = nc_shell_split(s, vars, NULL, &argv, &argc, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "\n  [%s]: %s\n", s, err);
		return;
	}
	char got[512] = "";
	for (size_t i = 0; i < argc; i++) {
		strncat(got, i ? "|" : "", sizeof(got) - strlen(got) - 1);
		strncat(got, argv[i], sizeof(got) - strlen(got) - 1);
	}
	CU_ASSERT_PTR_NULL(argv[argc]);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want))
		fprintf(stderr, "\n  [%s]\n  got  [%s]\n  want [%s]\n", s, got, want);
	nc_shell_free(argv);
}

static void check_error(const char *s, const char *want)
{
	char **argv;
	size_t argc;
	char err[128] = "";
	CU_ASSERT_EQUAL(nc_shell_split(s, vars, NULL, &argv, &argc, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	if (!strstr(err, want))
		fprintf(stderr, "\n  [%s]: got error [%s], want [%s]\n", s, err, want);
}

static void test_split(void)
{
	check("valgrind -q", "valgrind|-q");
	check("  env   A=1\tB=2  ", "env|A=1|B=2");
	check("", "");
	check("sh -c 'echo \"hi there\"; exit 3'", "sh|-c|echo \"hi there\"; exit 3");
	check("env X=\"a b\" Y=c\\ d", "env|X=a b|Y=c d");
	check("\"\" x", "|x");
	check("a\"b\"'c'", "abc");
	/* In double quotes only \" \\ \$ \` are escapes. */
	check("\"a\\\"b\\\\c\\nd\"", "a\"b\\c\\nd");
	check("'no ${role} here'", "no ${role} here");
	check("$HOME $", "$HOME|$");
}

static void test_variables(void)
{
	check("strace -ff -o traces/${variant}.${role}",
	      "strace|-ff|-o|traces/udp-hello-bye[inet6].server");
	/* A value is one word, spaces and all. */
	check("x${spaced}y \"${role}\"", "xa by|server");
	check_error("run ${nope}", "unknown variable ${nope}");
	check_error("run ${role", "closing '}'");
	check_error("run ${}", "closing '}'");
}

static void test_quotes(void)
{
	check_error("sh -c 'unterminated", "unterminated single quote");
	check_error("sh -c \"unterminated", "unterminated double quote");
}

void nc_unit_register(void)
{
	static const struct nc_unit_test tests[] = {
		{ "words and quotes", test_split },
		{ "variables", test_variables },
		{ "unterminated quotes", test_quotes },
		{ NULL, NULL },
	};
	nc_unit_suite("shell words", tests);
}
