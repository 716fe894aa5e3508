/* test_header.c: the header lines before the first section. */
#include "scenario/tests/scn_test.h"

#include "util/clock.h"

#define ROLE "server\n  close\n"

static void test_all_keywords(void)
{
	struct nc_scenario *s = PARSE_OK(
		"# leading comment\n"
		"scenario      full-header_1.0\n"
		"description   \"Tab\\tand \\\"quotes\\\" decoded\"\n"
		"transport     tcp\n"
		"family        inet6 dual inet\n"
		"timeout       1.5s\n"
		"step-timeout  250ms\n"
		"keywords      a b-c d_e\n"
		"env           LANG=C\n"
		"env           GREETING= \"hello ${scenario}\"\n"
		ROLE);
	if (!s)
		return;
	CU_ASSERT_STRING_EQUAL(s->name, "full-header_1.0");
	CU_ASSERT_STRING_EQUAL(s->description, "Tab\tand \"quotes\" decoded");
	CU_ASSERT_STRING_EQUAL(s->path, SCN_TEST_PATH);
	CU_ASSERT_STRING_EQUAL(s->id, "valid/unit");
	CU_ASSERT_STRING_EQUAL(s->group, "valid");
	CU_ASSERT_EQUAL(s->transport, NC_TRANSPORT_TCP);
	CU_ASSERT_EQUAL(s->nfamilies, 3);
	CU_ASSERT_EQUAL(s->families[0], NC_FAM_INET6);
	CU_ASSERT_EQUAL(s->families[1], NC_FAM_DUAL);
	CU_ASSERT_EQUAL(s->families[2], NC_FAM_INET);
	CU_ASSERT_EQUAL(s->timeout_ns, 1500 * NC_MS);
	CU_ASSERT_EQUAL(s->step_timeout_ns, 250 * NC_MS);
	CU_ASSERT_EQUAL(s->nkeywords, 3);
	CU_ASSERT_STRING_EQUAL(s->keywords[1], "b-c");
	CU_ASSERT_EQUAL(s->nenv, 2);
	CU_ASSERT_STRING_EQUAL(s->env[0].name, "LANG");
	CU_ASSERT_EQUAL(s->env[0].value.nparts, 1);
	CU_ASSERT_STRING_EQUAL(s->env[1].name, "GREETING");
	CU_ASSERT_EQUAL(s->env[1].value.nparts, 2);
	CU_ASSERT(s->env[1].value.has_vars);
	CU_ASSERT_EQUAL(s->env[1].value.parts[1].var, NC_VAR_SCENARIO);
	CU_ASSERT_EQUAL(s->env[1].pos.line, 10);
	CU_ASSERT_EQUAL(s->env[1].pos.col, 15);
	nc_scenario_free(s);
}

static void test_defaults_and_aliases(void)
{
	struct nc_scenario *s = PARSE_OK("scenario t\ntransport udp\n" ROLE);
	if (s) {
		CU_ASSERT_EQUAL(s->nfamilies, 2);
		CU_ASSERT_EQUAL(s->families[0], NC_FAM_INET);
		CU_ASSERT_EQUAL(s->families[1], NC_FAM_INET6);
		CU_ASSERT_EQUAL(s->timeout_ns, 5 * NC_SEC);
		CU_ASSERT_EQUAL(s->step_timeout_ns, 0);
		CU_ASSERT_PTR_NULL(s->description);
		nc_scenario_free(s);
	}
	s = PARSE_OK("scenario t\ndescription An unquoted text, up to the comment # here\n"
		     "families inet\ntags x\ntransport udp\n" ROLE);
	if (s) {
		CU_ASSERT_STRING_EQUAL(s->description, "An unquoted text, up to the comment");
		CU_ASSERT_EQUAL(s->nfamilies, 1);
		CU_ASSERT_EQUAL(s->nkeywords, 1);
		nc_scenario_free(s);
	}
	s = PARSE_OK("scenario t\nkeyword one\ntransport udp\n" ROLE);
	nc_scenario_free(s);
	s = PARSE_OK("scenario t\ndescription \"\"\ntransport udp\n" ROLE);
	if (s) {
		CU_ASSERT_STRING_EQUAL(s->description, "");
		nc_scenario_free(s);
	}
}

static void test_first_line(void)
{
	ASSERT_ERR("transport udp\nscenario t\n",
		   "1:1: expected 'scenario NAME' as the first line, found 'transport'");
	ASSERT_ERR("server\n  close\n", "1:1: expected 'scenario NAME' before the first section");
	ASSERT_ERR("scenario\n", "1:9: expected a scenario name at the end of the line "
		   "(while parsing header line 'scenario' at 1:1)");
	ASSERT_ERR("scenario a/b\n",
		   "1:10: invalid scenario name near 'a/b' (use letters, digits, '-', '_' and "
		   "'.', at most 128) (while parsing header line 'scenario' at 1:1)");
	ASSERT_ERR("scenario a b\n", "1:12: unexpected 'b' after the end of the statement "
		   "(while parsing header line 'scenario' at 1:1)");
}

static void test_duplicates(void)
{
	ASSERT_ERR("scenario t\nscenario u\n", "2:1: duplicate 'scenario' line (first given at "
		   "1:1) (while parsing header line 'scenario' at 2:1)");
	ASSERT_ERR("scenario t\ntransport udp\ntransport tcp\n",
		   "3:1: duplicate 'transport' line (first given at 2:1) (while parsing header "
		   "line 'transport' at 3:1)");
	ASSERT_ERR("scenario t\nfamily inet\nfamilies inet6\n",
		   "3:1: duplicate 'families' line (first given at 2:1) (while parsing header "
		   "line 'families' at 3:1)");
	ASSERT_ERR("scenario t\nfamily inet inet\n", "2:13: family 'inet' listed twice (while "
		   "parsing header line 'family' at 2:1)");
	ASSERT_ERR("scenario t\ndescription a\ndescription b\n",
		   "3:1: duplicate 'description' line (first given at 2:1) (while parsing header "
		   "line 'description' at 3:1)");
	ASSERT_ERR("scenario t\ntimeout 1s\ntimeout 2s\n",
		   "3:1: duplicate 'timeout' line (first given at 2:1) (while parsing header "
		   "line 'timeout' at 3:1)");
	ASSERT_ERR("scenario t\nstep-timeout 1s\nstep-timeout 2s\n",
		   "3:1: duplicate 'step-timeout' line (first given at 2:1) (while parsing "
		   "header line 'step-timeout' at 3:1)");
	ASSERT_ERR("scenario t\nkeywords a\ntags b\n",
		   "3:1: duplicate 'tags' line (first given at 2:1) (while parsing header line "
		   "'tags' at 3:1)");
	ASSERT_ERR("scenario t\nkeyword a\nkeywords b\n",
		   "3:1: duplicate 'keywords' line (first given at 2:1) (while parsing header "
		   "line 'keywords' at 3:1)");
}

/* Every spelling of a header keyword comes from one table: what is accepted
 * is what a misspelling is matched against. */
static void test_aliases(void)
{
	struct nc_scenario *s = PARSE_OK("scenario t\nkeyword a b\ntransport udp\nfamilies inet\n"
					 "server\n  close\n");
	if (s) {
		CU_ASSERT_EQUAL(s->nkeywords, 2);
		CU_ASSERT_EQUAL(s->nfamilies, 1);
		nc_scenario_free(s);
	}
	ASSERT_ERR("scenario t\nkeywrd a\n", "2:1: unknown header keyword 'keywrd'; did you mean "
		   "'keyword'? (expected scenario, description, transport, family, timeout, "
		   "step-timeout, keywords, env, requires, or a section: server, client, wire)");
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  keyword a\n", "4:3: header line "
		   "'keyword' must come before the first section (while parsing section 'server' "
		   "at 3:1)");
	ASSERT_ERR("scenario t\nwrie\n", "2:1: unknown header keyword 'wrie'; did you mean "
		   "'wire'? (expected scenario, description, transport, family, timeout, "
		   "step-timeout, keywords, env, requires, or a section: server, client, wire)");
}

static void test_requires(void)
{
	static const char text[] = "scenario t\ntransport tcp\nrequires socat nc.openbsd\n"
				   "requires ./local-tool\nclient\n  connect unused => error "
				   "ECONNREFUSED\n";
	struct nc_diag d;
	struct nc_scenario *s = nc_scenario_parse("fixtures/parse/valid/unit.scn", "unit/unit", "unit",
						  text, sizeof(text) - 1, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->nrequires, 3);
	CU_ASSERT_STRING_EQUAL(s->requires[0], "socat");
	CU_ASSERT_STRING_EQUAL(s->requires[1], "nc.openbsd");
	CU_ASSERT_STRING_EQUAL(s->requires[2], "./local-tool");
	nc_scenario_free(s);
	ASSERT_ERR("scenario t\nrequires\n", "2:9: expected one or more program names at the end "
		   "of the line (while parsing header line 'requires' at 2:1)");
	ASSERT_ERR("scenario t\nrequires \"socat\"\n", "2:10: expected a program name near "
		   "'\"socat\"' (a word, as the program is named on an 'exec' line) (while parsing "
		   "header line 'requires' at 2:1)");
	ASSERT_ERR("scenario t\nrequires ${x}\n", "2:10: expected a program name near '${x}' (a "
		   "word, as the program is named on an 'exec' line) (while parsing header line "
		   "'requires' at 2:1)");
}

static void test_values(void)
{
	ASSERT_ERR("scenario t\ntransport sctp\n", "2:11: expected udp or tcp near 'sctp' (while "
		   "parsing header line 'transport' at 2:1)");
	ASSERT_ERR("scenario t\ntransport UDP\n", "2:11: expected udp or tcp near 'UDP' "
		   "(transport names are lowercase) (while parsing header line 'transport' at "
		   "2:1)");
	ASSERT_ERR("scenario t\nfamily ipv6\n", "2:8: expected inet, inet6 or dual near 'ipv6' "
		   "(write inet6) (while parsing header line 'family' at 2:1)");
	ASSERT_ERR("scenario t\nfamily\n", "2:7: expected inet, inet6 or dual at the end of the "
		   "line (while parsing header line 'family' at 2:1)");
	ASSERT_ERR("scenario t\ntimeout 5ms\n", "2:9: timeout too short (the minimum is 10ms) "
		   "(while parsing header line 'timeout' at 2:1)");
	ASSERT_ERR("scenario t\ntimeout 2h\n", "2:10: unknown duration unit 'h' in '2h' (use ns, "
		   "us, ms, s or m) (while parsing header line 'timeout' at 2:1)");
	ASSERT_ERR("scenario t\ntimeout 61m\n", "2:9: timeout '61m' is too large (the limit is 1 "
		   "hour) (while parsing header line 'timeout' at 2:1)");
	ASSERT_ERR("scenario t\ntimeout 3\n", "2:9: timeout '3' has no unit (write ns, us, ms, s "
		   "or m after the number, like 3ms) (while parsing header line 'timeout' at 2:1)");
	ASSERT_ERR("scenario t\nstep-timeout 0s\n", "2:14: a step timeout must be longer than "
		   "zero (while parsing header line 'step-timeout' at 2:1)");
	ASSERT_ERR("scenario t\nkeywords a,b\n", "2:10: invalid keyword near 'a,b' (use "
		   "letters, digits, '-', '_' and '.') (while parsing header line 'keywords' at "
		   "2:1)");
	ASSERT_ERR("scenario t\ndescription \"${family}\"\n", "2:13: a description cannot use "
		   "variables (while parsing header line 'description' at 2:1)");
	ASSERT_ERR("scenario t\ndescription \"a\\nb\"\n", "2:13: a description is one line of "
		   "text: no control characters (found byte 0x0a) (while parsing header line "
		   "'description' at 2:1)");
	ASSERT_ERR("scenario t\ndescription \"\\xc3\"\n", "2:13: a description must be UTF-8 "
		   "text; its escapes make invalid UTF-8 (incomplete sequence at byte 0xc3) (while "
		   "parsing header line 'description' at 2:1)");
	ASSERT_ERR("scenario t\nenv 1A=b\n", "2:5: invalid environment variable name '1A' (use "
		   "letters, digits and '_', not starting with a digit) (while parsing header line "
		   "'env' at 2:1)");
	ASSERT_ERR("scenario t\nenv novalue\n", "2:5: expected NAME=VALUE after 'env' near "
		   "'novalue' (while parsing header line 'env' at 2:1)");
}

static void test_misplaced(void)
{
	ASSERT_ERR("scenario t\ntransprot udp\n", "2:1: unknown header keyword 'transprot'; did "
		   "you mean 'transport'? (expected scenario, description, transport, family, "
		   "timeout, step-timeout, keywords, env, requires, or a section: server, client, wire)");
	ASSERT_ERR("scenario t\nbind loopback:0\n", "2:1: step 'bind' outside a role section "
		   "(start one with 'server' or 'client')");
	ASSERT_ERR("scenario t\nstdout line \"x\"\n", "2:1: 'stdout' is an option of a program "
		   "role and goes in its section (after 'server exec COMMAND' or 'client exec "
		   "COMMAND')");
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  close\ntimeout 1s\n",
		   "5:1: header line 'timeout' must come before the first section (while parsing "
		   "section 'server' at 3:1)");
	ASSERT_ERR("scenario t\ntransport tcp\nserver\n  close\nwire\n  handshake\n"
		   "family inet\n", "7:1: unknown wire expectation 'family' (expected handshake, "
		   "teardown fin|rst, only, or SOURCE > DESTINATION PROTOCOL ..., like client > "
		   "server tcp \"hi\") (while parsing wire expectation at 7:1)");
}

void scn_register_header(void)
{
	static const struct nc_unit_test tests[] = {
		{ "every keyword", test_all_keywords },
		{ "defaults and aliases", test_defaults_and_aliases },
		{ "first line", test_first_line },
		{ "duplicates", test_duplicates },
		{ "aliases", test_aliases },
		{ "values", test_values },
		{ "requires", test_requires },
		{ "misplaced lines", test_misplaced },
		{ NULL, NULL },
	};
	nc_unit_suite("header", tests);
}
