/* test_regex_cost.c: the bound on what a regular expression costs regcomp
 * (regex_cost.h), on its own: each limit is reached exactly and passed by
 * one, and patterns at the limits are ones regcomp accepts. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/regex_cost.h"
#include "scenario/tests/scn_test.h"

static char msg[400];

static enum nc_diag_code check(const char *re)
{
	return nc_regex_cost_check(re, msg, sizeof(msg));
}

/* The pattern passes the guard and compiles. */
static void accepted(const char *re, unsigned line)
{
	enum nc_diag_code code = check(re);
	char what[600];
	snprintf(what, sizeof(what), "'%.60s' accepted, got: %s", re, msg);
	CU_assertImplementation(code == NC_DIAG_NONE, line, what, __FILE__, "", CU_FALSE);
	regex_t r;
	int rc = regcomp(&r, re, REG_EXTENDED | REG_NOSUB);
	CU_assertImplementation(rc == 0, line, "regcomp accepts it", __FILE__, "", CU_FALSE);
	if (rc == 0)
		regfree(&r);
}
#define ACCEPTED(re) accepted((re), __LINE__)

/* The pattern is refused with code, and the message starts with want. */
static void refused(const char *re, enum nc_diag_code code, const char *want, unsigned line)
{
	enum nc_diag_code got = check(re);
	char what[600];
	snprintf(what, sizeof(what), "'%.60s' refused as %s, got %s", re, nc_diag_code_name(code),
		 nc_diag_code_name(got));
	CU_assertImplementation(got == code, line, what, __FILE__, "", CU_FALSE);
	snprintf(what, sizeof(what), "message \"%s\" starts with \"%s\"", msg, want);
	CU_assertImplementation(strncmp(msg, want, strlen(want)) == 0, line, what, __FILE__, "",
				CU_FALSE);
}
#define REFUSED(re, code, want) refused((re), (code), (want), __LINE__)

/* n copies of piece, then tail, in a new string. */
static char *repeat(const char *head, const char *piece, size_t n, const char *tail)
{
	size_t len = strlen(head) + n * strlen(piece) + strlen(tail) + 1;
	char *s = malloc(len);
	strcpy(s, head);
	for (size_t i = 0; i < n; i++)
		strcat(s, piece);
	strcat(s, tail);
	return s;
}

static void test_plain(void)
{
	ACCEPTED("");
	ACCEPTED("^warn(ing)?: [0-9]+$");
	ACCEPTED("a|b|(c|d)*");
	/* Escaped characters and bracket expressions are single atoms, so
	 * braces inside them are no intervals. */
	ACCEPTED("[{]999}\\{999} [a{999}] []{999}] [^]{999}]");
	/* A repetition of nothing is left to regcomp to judge. */
	CU_ASSERT_EQUAL(check("*a"), NC_DIAG_NONE);
	CU_ASSERT_EQUAL(check("(+a)"), NC_DIAG_NONE);
}

static void test_bounds(void)
{
	ACCEPTED("a{255}");
	ACCEPTED("a{0,255}");
	REFUSED("a{256}", NC_DIAG_RANGE, "the repetition '{256}' in the regular expression is "
		"too large (at most {255})");
	REFUSED("a{1,256}", NC_DIAG_RANGE, "the repetition '{1,256}'");
	/* Digits past any integer are cut in the message, never overflow. */
	REFUSED("a{99999999999999999999999}", NC_DIAG_RANGE,
		"the repetition '{9999999999999999999'");
}

static void test_in_a_row(void)
{
	REFUSED("a+*", NC_DIAG_SYNTAX, "two repetitions in a row ('+*') in the regular "
		"expression: POSIX leaves their meaning undefined");
	REFUSED("a{2}{3}", NC_DIAG_SYNTAX, "two repetitions in a row ('{2}{3}')");
	/* Grouped, the same is fine. */
	ACCEPTED("(a+)*");
	ACCEPTED("(a{2}){3}");
}

static void test_nesting(void)
{
	ACCEPTED("((a{2}){2})");
	REFUSED("(((a{2}){2}){2})", NC_DIAG_LIMIT, "the regular expression nests repetitions "
		"more than 2 deep (at '{2}')");
	ACCEPTED("(a{64}){64}");
	REFUSED("(a{64}){65}", NC_DIAG_LIMIT, "the repetitions in the regular expression "
		"multiply to more than 4096 (at '{65}')");
	char *deep = repeat("", "(", NC_REGEX_MAX_DEPTH, "a");
	char *deeper = repeat("", "(", NC_REGEX_MAX_DEPTH + 1, "a");
	char *closed = repeat(deep, ")", NC_REGEX_MAX_DEPTH, "");
	ACCEPTED(closed);
	REFUSED(deeper, NC_DIAG_LIMIT, "the regular expression nests groups more than 64 deep");
	free(deep);
	free(deeper);
	free(closed);
}

static void test_size(void)
{
	/* 16 atoms, 4096 times: exactly the limit; 17 are one group too many. */
	ACCEPTED("((abcdefghijklmnop){64}){64}");
	REFUSED("((abcdefghijklmnopq){64}){64}", NC_DIAG_LIMIT, "the regular expression is too "
		"large once its repetitions are expanded (more than 65536 parts, or more than 512 "
		"that may match nothing)");
	char *nullable = repeat("", "a?", NC_REGEX_MAX_NULLABLE, "");
	char *more = repeat("", "a?", NC_REGEX_MAX_NULLABLE + 1, "");
	ACCEPTED(nullable);
	REFUSED(more, NC_DIAG_LIMIT, "the regular expression is too large");
	free(nullable);
	free(more);
	/* A group left open still counts with what came before it: each part
	 * is within the limit, the whole is not (regcomp then refuses the
	 * pattern for its parenthesis, but only once it has been expanded). */
	char *before = repeat("", "x{255}", 200, "(");
	char *open = repeat(before, "y{255}", 100, "");
	REFUSED(open, NC_DIAG_LIMIT, "the regular expression is too large");
	free(before);
	free(open);
}

static void test_message_buffer(void)
{
	/* A short buffer holds the start of the message, terminated. */
	char small[12];
	CU_ASSERT_EQUAL(nc_regex_cost_check("a{300}", small, sizeof(small)), NC_DIAG_RANGE);
	CU_ASSERT_STRING_EQUAL(small, "the repetit");
	CU_ASSERT_EQUAL(nc_regex_cost_check("ok", small, sizeof(small)), NC_DIAG_NONE);
	CU_ASSERT_STRING_EQUAL(small, "");
}

void scn_register_regex_cost(void)
{
	static const struct nc_unit_test tests[] = {
		{ "plain patterns", test_plain },
		{ "interval bounds", test_bounds },
		{ "repetitions in a row", test_in_a_row },
		{ "nesting", test_nesting },
		{ "expanded size", test_size },
		{ "message buffer", test_message_buffer },
		{ NULL, NULL },
	};
	nc_unit_suite("regex cost", tests);
}
