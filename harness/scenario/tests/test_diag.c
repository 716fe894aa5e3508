/* test_diag.c: every diagnostic carries a code (scenario.h), and callers
 * may rely on the code instead of the wording. One case or more per code,
 * from each part of the parser that reports it. */
#include <string.h>

#include "scenario/diag.h"
#include "scenario/tests/scn_test.h"

#define UDP "scenario t\ntransport udp\n"
#define TCP "scenario t\ntransport tcp\n"

static void test_lexer_codes(void)
{
	ASSERT_CODE("scenario t\x01\n", NC_DIAG_INVALID_TEXT);
	ASSERT_CODE("scenario \xc3\n", NC_DIAG_INVALID_TEXT);
	ASSERT_CODE("scenario t\ndescription \xe2\x80\x9cquoted\xe2\x80\x9d\n",
		    NC_DIAG_INVALID_TEXT);
	ASSERT_CODE("scenario t\ndescription \"open\n", NC_DIAG_SYNTAX);
	char line[9000];
	memset(line, 'x', sizeof(line));
	memcpy(line, "scenario ", 9);
	line[sizeof(line) - 1] = '\n';
	CU_ASSERT_EQUAL(scn_parse_code(line, sizeof(line), __LINE__, __FILE__), NC_DIAG_LIMIT);
}

static void test_parser_codes(void)
{
	ASSERT_CODE(UDP "server\n  bind loopback:abc\n", NC_DIAG_SYNTAX);
	ASSERT_CODE(UDP "server\n  sendto \"\\q\" server\n", NC_DIAG_SYNTAX);
	ASSERT_CODE("scenario t\ntransprot udp\n", NC_DIAG_UNKNOWN_WORD);
	ASSERT_CODE(UDP "server\n  revcfrom 10\n", NC_DIAG_UNKNOWN_WORD);
	ASSERT_CODE(UDP "server exec prog\n  stdot line \"x\"\n", NC_DIAG_UNKNOWN_WORD);
	ASSERT_CODE(UDP "server\n  recv 10 withn 1s\n", NC_DIAG_UNKNOWN_WORD);
	ASSERT_CODE(UDP "server\n  recv 64KB\n", NC_DIAG_UNKNOWN_WORD);
	ASSERT_CODE(UDP "server\n  connect server => error ECONNREFUSE\n", NC_DIAG_UNKNOWN_WORD);
	ASSERT_CODE(UDP "server\n  sendto \"${server_port}\" server\n", NC_DIAG_UNKNOWN_WORD);
	ASSERT_CODE(UDP "transport udp\nserver\n  close\n", NC_DIAG_DUPLICATE);
	ASSERT_CODE(UDP "server\n  close\nserver\n  close\n", NC_DIAG_DUPLICATE);
	ASSERT_CODE(UDP "server exec prog\n  cwd .\n  cwd .\n", NC_DIAG_DUPLICATE);
	ASSERT_CODE(TCP "server\n  recv 1 deadline 1s deadline 2s\n", NC_DIAG_DUPLICATE);
	ASSERT_CODE(UDP "server\n  bind loopback:70000\n", NC_DIAG_RANGE);
	ASSERT_CODE(UDP "server\n  recv 1G\n", NC_DIAG_RANGE);
	ASSERT_CODE("scenario t\ntimeout 61m\n", NC_DIAG_RANGE);
	ASSERT_CODE(UDP "server\n  sendto repeat \"\" 4 server\n", NC_DIAG_VALUE);
	ASSERT_CODE(UDP "server exec prog\n  env A= \"\\0\"\n", NC_DIAG_VALUE);
	ASSERT_CODE(UDP "server\n  sendto file nope.bin server\n", NC_DIAG_FILE);
	ASSERT_CODE(UDP "server exec prog\n  cwd no-such-dir\n", NC_DIAG_FILE);
	ASSERT_CODE(UDP "server exec prog\n  stdout regex \"(((a+)?)+)\"\n", NC_DIAG_LIMIT);
	ASSERT_CODE(UDP "server\ntimeout 1s\n", NC_DIAG_MISPLACED);
	ASSERT_CODE(UDP "server\n  recv 10 once\n", NC_DIAG_MISPLACED);
	ASSERT_CODE(UDP "client > server udp\n", NC_DIAG_MISPLACED);
	ASSERT_CODE(UDP "server\n  recv 5 => \"hello world\"\n", NC_DIAG_VALIDATION);
	ASSERT_CODE(UDP "client\n  connect server\n", NC_DIAG_VALIDATION);
	ASSERT_CODE("scenario t\nserver\n  close\n", NC_DIAG_VALIDATION);
	ASSERT_CODE("", NC_DIAG_VALIDATION);
}

static void test_entry_points(void)
{
	struct nc_diag d;
	CU_ASSERT_PTR_NULL(nc_scenario_load("fixtures/parse/no-such-file.scn", NULL, NULL, &d));
	CU_ASSERT_EQUAL(d.code, NC_DIAG_FILE);
	CU_ASSERT_EQUAL(d.line, 0);
	static char big[NC_SCENARIO_MAX_BYTES + 1];
	CU_ASSERT_PTR_NULL(nc_scenario_parse("big.scn", NULL, NULL, big, sizeof(big), &d));
	CU_ASSERT_EQUAL(d.code, NC_DIAG_LIMIT);
}

static void test_constructor(void)
{
	struct nc_diag d;
	char buf[200];
	memset(&d, 0x5a, sizeof(d));
	CU_ASSERT_EQUAL(nc_diag_set(&d, NC_DIAG_RANGE, "a.scn", 3, 7, NULL, "port %d", 70000), -1);
	CU_ASSERT_EQUAL(d.code, NC_DIAG_RANGE);
	CU_ASSERT_STRING_EQUAL(d.context, "");
	ASSERT_STR(nc_diag_format(&d, buf, sizeof(buf)), "a.scn:3:7: port 70000");
	nc_diag_set(&d, NC_DIAG_SYNTAX, "a.scn", 3, 7, "step 'bind' at 3:3", "x");
	ASSERT_STR(nc_diag_format(&d, buf, sizeof(buf)), "a.scn:3:7: x (while parsing step "
		   "'bind' at 3:3)");
	/* Every code has a name of its own. */
	for (int a = 0; a < NC_DIAG_CODE_COUNT; a++) {
		CU_ASSERT(strcmp(nc_diag_code_name((enum nc_diag_code)a), "?") != 0);
		for (int b = 0; b < a; b++)
			CU_ASSERT(strcmp(nc_diag_code_name((enum nc_diag_code)a),
					 nc_diag_code_name((enum nc_diag_code)b)) != 0);
	}
}

void scn_register_diag(void)
{
	static const struct nc_unit_test tests[] = {
		{ "lexer codes", test_lexer_codes },
		{ "parser codes", test_parser_codes },
		{ "entry points", test_entry_points },
		{ "constructor", test_constructor },
		{ NULL, NULL },
	};
	nc_unit_suite("diagnostic codes", tests);
}
