/* scn_test.c: helpers for the scenario parser's unit tests, and the
 * registration of all their suites. */
#include "scenario/tests/scn_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CUnit keeps a copy of the condition text of a failure, so a message
 * formatted here can describe what went wrong in full. */
static void fail(const char *msg, unsigned line, const char *file)
{
	CU_assertImplementation(CU_FALSE, line, msg, file, "", CU_FALSE);
}

void scn_assert_str(const char *got, const char *want, unsigned line, const char *file)
{
	if (strcmp(got, want) == 0) {
		CU_assertImplementation(CU_TRUE, line, "strings equal", file, "", CU_FALSE);
		return;
	}
	char msg[3200];
	snprintf(msg, sizeof(msg), "\n  got:  %s\n  want: %s", got, want);
	fail(msg, line, file);
}

/* Parses a copy of the text in a buffer of exactly its length, without a
 * terminating NUL, so that valgrind or ASan catch any read past the end. */
static struct nc_scenario *parse_exact(const char *text, size_t len, struct nc_diag *d)
{
	char *copy = malloc(len ? len : 1);
	memcpy(copy, text, len);
	struct nc_scenario *s = nc_scenario_parse(SCN_TEST_PATH, "valid/unit", "valid", copy,
						  len, d);
	free(copy);
	return s;
}

struct nc_scenario *scn_parse_ok(const char *text, unsigned line, const char *file)
{
	struct nc_diag d;
	struct nc_scenario *s = parse_exact(text, strlen(text), &d);
	if (s) {
		CU_assertImplementation(CU_TRUE, line, "parses", file, "", CU_FALSE);
		return s;
	}
	char buf[1400], msg[1500];
	snprintf(msg, sizeof(msg), "expected to parse, got: %s",
		 nc_diag_format(&d, buf, sizeof(buf)));
	fail(msg, line, file);
	return NULL;
}

const char *scn_parse_err(const char *text, size_t len, unsigned line, const char *file)
{
	static char buf[1400];
	struct nc_diag d;
	struct nc_scenario *s = parse_exact(text, len, &d);
	if (s) {
		nc_scenario_free(s);
		fail("expected a parse error, but the scenario parsed", line, file);
		buf[0] = 0;
		return buf;
	}
	return nc_diag_format(&d, buf, sizeof(buf));
}

enum nc_diag_code scn_parse_code(const char *text, size_t len, unsigned line, const char *file)
{
	struct nc_diag d;
	struct nc_scenario *s = parse_exact(text, len, &d);
	if (s) {
		nc_scenario_free(s);
		fail("expected a parse error, but the scenario parsed", line, file);
		return NC_DIAG_NONE;
	}
	return d.code;
}

void scn_assert_code(const char *text, size_t len, enum nc_diag_code want, unsigned line,
		     const char *file)
{
	struct nc_diag d;
	char buf[1400], msg[1600];
	struct nc_scenario *s = parse_exact(text, len, &d);
	if (s) {
		nc_scenario_free(s);
		fail("expected a parse error, but the scenario parsed", line, file);
		return;
	}
	if (d.code == want) {
		CU_assertImplementation(CU_TRUE, line, "code", file, "", CU_FALSE);
		return;
	}
	snprintf(msg, sizeof(msg), "\n  code: %s, want %s\n  for:  %s", nc_diag_code_name(d.code),
		 nc_diag_code_name(want), nc_diag_format(&d, buf, sizeof(buf)));
	fail(msg, line, file);
}

void nc_unit_register(void)
{
	scn_register_lexer();
	scn_register_header();
	scn_register_steps();
	scn_register_payloads();
	scn_register_endpoints();
	scn_register_exec();
	scn_register_wire();
	scn_register_validate();
	scn_register_runtime();
	scn_register_regex_cost();
	scn_register_diag();
	scn_register_fixtures();
}
