/* test_validate.c: whole-file checks made after the last line. */
#include "scenario/tests/scn_test.h"

static void test_required(void)
{
	ASSERT_ERR("scenario t\nserver\n  close\n",
		   "1:1: missing 'transport udp' or 'transport tcp' line");
	ASSERT_ERR("scenario t\ntransport udp\n",
		   "1:1: no role: a scenario needs a 'server' or a 'client' section");
	/* Without a transport, checks that depend on it wait for the end. */
	ASSERT_ERR("scenario t\nserver\n  recv 10 once truncated => \"0123456789\"\n",
		   "1:1: missing 'transport udp' or 'transport tcp' line");
	ASSERT_ERR("scenario t\ntransport udp\nserver\nclient\n  close\n",
		   "3:1: the 'server' section has no steps (give it steps, or write 'server exec "
		   "COMMAND' to run a program)");
	ASSERT_ERR("scenario t\ntransport udp\nclient\n",
		   "3:1: the 'client' section has no steps (give it steps, or write 'client exec "
		   "COMMAND' to run a program)");
}

static void test_sections(void)
{
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  close\nserver\n  close\n",
		   "5:1: duplicate section 'server' (first at 3:1) (while parsing section "
		   "'server' at 5:1)");
	ASSERT_ERR("scenario t\ntransport udp\nserver foo\n", "3:8: unexpected 'foo' after "
		   "'server' (a section starts on its own line, or with 'exec COMMAND' for a "
		   "program role) (while parsing section 'server' at 3:1)");
	/* Sections may come in any order. */
	struct nc_scenario *s = PARSE_OK("scenario t\ntransport udp\nclient\n  sendto \"x\" server\n"
					 "server\n  bind loopback:0\n");
	nc_scenario_free(s);
}

static void test_references(void)
{
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  sendall \"x\"\n",
		   "4:3: 'sendall' applies to tcp; a datagram is sent whole by 'send' or 'sendto' "
		   "(while parsing step 'sendall' at 4:3)");
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  bind loopback:0\n"
		   "  recvfrom 10 from client\n", "5:20: 'from client' needs a client section "
		   "(while parsing step 'recvfrom' at 5:3)");
	ASSERT_ERR("scenario t\ntransport tcp\nclient\n  recv 10 from server\n",
		   "4:16: 'from server' needs a server section (while parsing step 'recv' at 4:3)");
	ASSERT_ERR("scenario t\ntransport tcp\nclient\n  connect server\n",
		   "4:11: 'connect server' needs a server section (while parsing step 'connect' at "
		   "4:3)");
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  sendto \"x\" client\n",
		   "4:14: 'sendto client' needs a client section (while parsing step 'sendto' at "
		   "4:3)");
	/* A program role counts as a section for references. */
	struct nc_scenario *s = PARSE_OK("scenario t\ntransport tcp\nserver exec prog\n"
					 "client\n  connect server\n");
	nc_scenario_free(s);
}

static void test_timeouts(void)
{
	ASSERT_ERR("scenario t\ntransport udp\ntimeout 1s\nstep-timeout 2s\nserver\n  close\n",
		   "4:1: step-timeout (2.00 s) is longer than the scenario's timeout (1.00 s)");
}

void scn_register_validate(void)
{
	static const struct nc_unit_test tests[] = {
		{ "required lines", test_required },
		{ "sections", test_sections },
		{ "references", test_references },
		{ "timeouts", test_timeouts },
		{ NULL, NULL },
	};
	nc_unit_suite("validate", tests);
}
