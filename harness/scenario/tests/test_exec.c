/* test_exec.c: program roles ("server exec CMD ARGS...") and their options. */
#include <signal.h>
#include <string.h>

#include "scenario/tests/scn_test.h"
#include "util/clock.h"

#define UDP "scenario t\ntransport udp\n"

static void test_options(void)
{
	struct nc_scenario *s = PARSE_OK(UDP
		"server exec prog --port ${server.port} \"two words\" x${family}y\n"
		"  cwd      files\n"
		"  env      MODE=fast\n"
		"  env      PEER= \"${client.addr} here\"\n"
		"  stdin    \"input\\n\"\n"
		"  deadline 3s\n"
		"  port     5353\n"
		"  ready    line \"listening on ${server.port}\"\n"
		"  exit     signal TERM\n"
		"  stdout   line \"ok\"\n"
		"  stdout   contains \"${scenario}\"\n"
		"  stderr   regex \"^warn(ing)?: [0-9]+$\"\n"
		"  stdout   lacks \"error\\0\"\n"
		"  stdout   line \"a\\0b\"\n"
		"client exec /bin/true\n"
		"  ready    bound\n"
		"  stdin    none\n"
		"  exit     3\n");
	if (!s)
		return;
	const struct nc_role *r = &s->role[NC_ROLE_SERVER];
	CU_ASSERT(r->present);
	CU_ASSERT(r->is_exec);
	CU_ASSERT_EQUAL(r->nsteps, 0);
	CU_ASSERT_EQUAL_FATAL(r->argc, 5);
	CU_ASSERT_FALSE(r->argv[0].has_vars);
	CU_ASSERT(memcmp(r->argv[0].parts[0].bytes, "prog", 4) == 0);
	CU_ASSERT(r->argv[2].has_vars);
	CU_ASSERT_EQUAL(r->argv[2].parts[0].var, NC_VAR_SERVER_PORT);
	CU_ASSERT_EQUAL(r->argv[3].parts[0].len, 9);
	CU_ASSERT_EQUAL(r->argv[4].nparts, 3);
	CU_ASSERT_STRING_EQUAL(r->cwd, "fixtures/parse/valid/files");
	CU_ASSERT_EQUAL(r->nenv, 2);
	CU_ASSERT_STRING_EQUAL(r->env[0].name, "MODE");
	CU_ASSERT_STRING_EQUAL(r->env[1].name, "PEER");
	CU_ASSERT(r->env[1].value.has_vars);
	CU_ASSERT(r->has_stdin);
	CU_ASSERT_EQUAL(r->stdin_data.kind, NC_PAYLOAD_TEXT);
	CU_ASSERT_EQUAL(r->deadline_ns, 3 * NC_SEC);
	CU_ASSERT_EQUAL(r->ready_port, 5353);
	CU_ASSERT_EQUAL(r->ready_port_var, 0);
	CU_ASSERT_EQUAL(r->ready_line.nparts, 2);
	CU_ASSERT(r->has_exit);
	CU_ASSERT_EQUAL(r->exit_signal, SIGTERM);
	CU_ASSERT_EQUAL(r->exit_pos.line, 11);
	CU_ASSERT_EQUAL_FATAL(r->nout, 5);
	CU_ASSERT_EQUAL(r->out[0].stream, 1);
	CU_ASSERT_EQUAL(r->out[0].kind, NC_OUT_LINE);
	CU_ASSERT_EQUAL(r->out[1].kind, NC_OUT_CONTAINS);
	CU_ASSERT_EQUAL(r->out[2].stream, 2);
	CU_ASSERT_EQUAL(r->out[2].kind, NC_OUT_REGEX);
	CU_ASSERT_EQUAL(r->out[3].kind, NC_OUT_LACKS);
	/* Output is matched as bytes: a NUL is one. */
	CU_ASSERT_EQUAL(r->out[3].text.parts[0].len, 6);
	CU_ASSERT_EQUAL_FATAL(r->out[4].text.nparts, 1);
	CU_ASSERT(memcmp(r->out[4].text.parts[0].bytes, "a\0b", 3) == 0);
	CU_ASSERT(s->fixed_port);
	const struct nc_role *c = &s->role[NC_ROLE_CLIENT];
	CU_ASSERT(c->is_exec);
	CU_ASSERT_EQUAL(c->argc, 1);
	CU_ASSERT_EQUAL(c->ready_port, -1);
	CU_ASSERT_EQUAL(c->ready_port_var, 1);
	CU_ASSERT_FALSE(c->has_stdin);
	CU_ASSERT_EQUAL(c->exit_code, 3);
	CU_ASSERT_EQUAL(c->exit_signal, 0);
	nc_scenario_free(s);

	/* A program role needs no options at all. */
	s = PARSE_OK(UDP "client exec sh -c \"exit 0\"\n");
	if (s) {
		CU_ASSERT_EQUAL(s->role[NC_ROLE_CLIENT].ready_port, -1);
		CU_ASSERT_FALSE(s->role[NC_ROLE_CLIENT].has_exit);
		nc_scenario_free(s);
	}
	s = PARSE_OK(UDP "server exec prog\n  exit signal SIGKILL\n  ready none\n");
	if (s) {
		CU_ASSERT_EQUAL(s->role[0].exit_signal, SIGKILL);
		CU_ASSERT_EQUAL(s->role[0].ready_port_var, 0);
		CU_ASSERT_EQUAL(s->role[0].stop_signal, 0);
		nc_scenario_free(s);
	}
}

/* Readiness: which stream a ready line is watched on, and a ready
 * deadline of its own. */
static void test_ready(void)
{
	struct nc_scenario *s = PARSE_OK(UDP "server exec prog\n  ready line \"up\"\n");
	if (s) {
		CU_ASSERT_EQUAL(s->role[0].ready_stream, 1);
		CU_ASSERT_EQUAL(s->role[0].ready_within_ns, 0);
		nc_scenario_free(s);
	}
	s = PARSE_OK(UDP "server exec prog\n  ready line stderr \"up ${server.port}\" within "
		     "500ms\n");
	if (s) {
		CU_ASSERT_EQUAL(s->role[0].ready_stream, 2);
		CU_ASSERT_EQUAL(s->role[0].ready_line.nparts, 2);
		CU_ASSERT_EQUAL(s->role[0].ready_within_ns, 500 * NC_MS);
		nc_scenario_free(s);
	}
	s = PARSE_OK(UDP "timeout 10s\nserver exec prog\n  ready bound within 10s\n");
	if (s) {
		CU_ASSERT_EQUAL(s->role[0].ready_stream, 1);
		CU_ASSERT_EQUAL(s->role[0].ready_port_var, 1);
		CU_ASSERT_EQUAL(s->role[0].ready_within_ns, 10 * NC_SEC);
		nc_scenario_free(s);
	}
	s = PARSE_OK(UDP "server exec prog\n  ready line stdout \"up\"\n");
	if (s) {
		CU_ASSERT_EQUAL(s->role[0].ready_stream, 1);
		nc_scenario_free(s);
	}
	ASSERT_ERR(UDP "server exec prog\n  ready line stdot \"x\"\n", "4:14: expected a quoted "
		   "line, or stdout or stderr and a quoted line, after 'ready line' near 'stdot' "
		   "(while parsing option 'ready' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  ready line stderr\n", "4:20: expected a quoted line "
		   "after 'ready line' at the end of the line (while parsing option 'ready' of the "
		   "server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  ready none within 1s\n", "4:14: 'ready none' starts "
		   "the client at once, so it takes no ready deadline ('within' goes with 'ready "
		   "bound' or 'ready line') (while parsing option 'ready' of the server program at "
		   "4:3)");
	ASSERT_ERR(UDP "server exec prog\n  ready bound within\n", "4:21: expected a duration "
		   "after 'within' at the end of the line (while parsing option 'ready' of the "
		   "server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  ready bound within 0s\n", "4:22: a ready deadline "
		   "must be longer than zero (while parsing option 'ready' of the server program at "
		   "4:3)");
	/* The default timeout counts as much as a given one. */
	ASSERT_ERR(UDP "server exec prog\n  ready bound within 6s\n", "4:15: the ready deadline "
		   "(6.00 s) is longer than the scenario's timeout (5.00 s), which would come first "
		   "(while parsing option 'ready' of the server program at 4:3)");
	ASSERT_ERR(UDP "timeout 1s\nserver exec prog\n  ready line \"x\" within 2s\n", "5:18: "
		   "the ready deadline (2.00 s) is longer than the scenario's timeout (1.00 s), which "
		   "would come first (while parsing option 'ready' of the server program at 5:3)");
	ASSERT_ERR(UDP "server exec prog\n  ready bound within 1s 2s\n", "4:25: unexpected '2s' "
		   "after the end of the statement (while parsing option 'ready' of the server "
		   "program at 4:3)");
}

/* The stop signal: a name with or without its SIG, for either program;
 * without the option the model says 0, which the supervisor reads as
 * SIGTERM. */
static void test_stop(void)
{
	struct nc_scenario *s = PARSE_OK(UDP "server exec prog\n  stop SIGINT\n"
					 "client exec prog\n  stop HUP\n");
	if (s) {
		CU_ASSERT_EQUAL(s->role[NC_ROLE_SERVER].stop_signal, SIGINT);
		CU_ASSERT_EQUAL(s->role[NC_ROLE_CLIENT].stop_signal, SIGHUP);
		nc_scenario_free(s);
	}
	ASSERT_ERR(UDP "server exec prog\n  stop\n", "4:7: expected a signal name (like SIGINT) "
		   "after 'stop' at the end of the line (while parsing option 'stop' of the server "
		   "program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stop SIGNIT\n", "4:8: unknown signal 'SIGNIT'; did "
		   "you mean 'SIGINT'? (expected a name like SIGTERM, SIGINT or SIGHUP) (while "
		   "parsing option 'stop' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stop SIGINT now\n", "4:15: unexpected 'now' after the "
		   "end of the statement (while parsing option 'stop' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stop SIGINT\n  stop SIGHUP\n", "5:3: 'stop' given "
		   "twice (first at 4:3) (while parsing option 'stop' of the server program at 5:3)");
	ASSERT_ERR(UDP "server\n  stop SIGINT\n", "4:3: 'stop' is an option of a program role, "
		   "but this 'server' section runs steps (a program role starts with 'server exec "
		   "COMMAND') (while parsing section 'server' at 3:1)");
}

static void test_errors(void)
{
	ASSERT_ERR(UDP "server exec\n", "3:12: expected a command after 'exec' at the end of the "
		   "line (while parsing section 'server' at 3:1)");
	ASSERT_ERR(UDP "server exec ${server.port}\n", "3:13: the program name cannot use "
		   "variables (while parsing section 'server' at 3:1)");
	ASSERT_ERR(UDP "server exec \"\"\n", "3:13: the program name cannot be empty (while "
		   "parsing section 'server' at 3:1)");
	ASSERT_ERR(UDP "server exec prog \"a\\0b\"\n", "3:18: a program argument cannot contain a "
		   "NUL byte (\\0 or \\x00) (while parsing section 'server' at 3:1)");
	ASSERT_ERR(UDP "server exec prog ${nope}\n", "3:18: unknown variable '${nope}' (known: "
		   "client.addr, client.port, client.hostport, client.ipver, server.addr, server.port, "
		   "server.hostport, server.ipver, family, scenario, unused.port) (while parsing section 'server' at 3:1)");
	ASSERT_ERR(UDP "server exec prog\n  bind loopback:0\n", "4:3: a program role takes "
		   "options, not steps: 'bind' is not an option (cwd, env, stdin, deadline, port, "
		   "ready, exit, stop, stdout, stderr) (while parsing section 'server' at 3:1)");
	ASSERT_ERR(UDP "server exec prog\n  stdot line \"x\"\n", "4:3: unknown program option "
		   "'stdot'; did you mean 'stdout'? (expected cwd, env, stdin, deadline, port, "
		   "ready, exit, stop, stdout or stderr) (while parsing section 'server' at 3:1)");
	ASSERT_ERR(UDP "server exec prog\n  timeout 1s\n", "4:3: header line 'timeout' must come "
		   "before the first section (while parsing section 'server' at 3:1)");
	ASSERT_ERR(UDP "server\n  cwd /tmp\n", "4:3: 'cwd' is an option of a program role, but "
		   "this 'server' section runs steps (a program role starts with 'server exec "
		   "COMMAND') (while parsing section 'server' at 3:1)");
	ASSERT_ERR(UDP "server exec prog\n  cwd nowhere\n", "4:7: directory "
		   "'fixtures/parse/valid/nowhere' not found (a relative 'cwd' starts from the "
		   "scenario's directory) (while parsing option 'cwd' of the server program at "
		   "4:3)");
	ASSERT_ERR(UDP "server exec prog\n  cwd files\n  cwd files\n", "5:3: 'cwd' given twice "
		   "(first at 4:3) (while parsing option 'cwd' of the server program at 5:3)");
	ASSERT_ERR(UDP "server exec prog\n  stdin \"a\"\n  stdin \"b\"\n", "5:3: 'stdin' given "
		   "twice (first at 4:3) (while parsing option 'stdin' of the server program at "
		   "5:3)");
	ASSERT_ERR(UDP "server exec prog\n  deadline 0s\n", "4:12: a deadline must be longer "
		   "than zero (leave 'deadline' out to use the scenario's timeout) (while parsing "
		   "option 'deadline' of the server program at 4:3)");
	ASSERT_ERR(UDP "client exec prog\n  port 80\n", "4:3: 'port' applies to a server program "
		   "(the client program finds the server at ${server.port}) (while parsing option "
		   "'port' of the client program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  port 0\n", "4:3: a server program's port cannot be 0 "
		   "(leave 'port' out and netconform picks a free one as ${server.port}) (while "
		   "parsing option 'port' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  ready soon\n", "4:9: expected bound, line \"TEXT\" or "
		   "none after 'ready' near 'soon' (while parsing option 'ready' of the server "
		   "program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  ready line \"\"\n", "4:14: the ready line cannot be "
		   "empty (while parsing option 'ready' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  ready line \"x\\n\"\n", "4:14: the ready line cannot "
		   "contain a line break (\\n): output is matched line by line (while parsing "
		   "option 'ready' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  exit 256\n", "4:8: exit status '256' is too large "
		   "(the limit is 255) (while parsing option 'exit' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  exit signal SIGTREM\n", "4:15: unknown signal "
		   "'SIGTREM'; did you mean 'SIGTERM'? (expected a name like SIGTERM, SIGKILL or "
		   "SIGSEGV) (while parsing option 'exit' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  exit signal\n", "4:14: expected a signal name (like "
		   "SIGTERM) after 'signal' at the end of the line (while parsing option 'exit' "
		   "of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  exit 0\n  exit 1\n", "5:3: 'exit' given twice (first "
		   "at 4:3) (while parsing option 'exit' of the server program at 5:3)");
	ASSERT_ERR(UDP "server exec prog\n  stdout matches \"x\"\n", "4:10: expected line, "
		   "contains, regex or lacks near 'matches' (while parsing option 'stdout' of the "
		   "server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr lacks \"\"\n", "4:16: the text after 'lacks' "
		   "cannot be empty: every output contains the empty text (while parsing option "
		   "'stderr' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stdout line x\n", "4:15: expected a quoted text near "
		   "'x' (while parsing option 'stdout' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stdout line \"a\\nb\"\n", "4:15: an expected line "
		   "cannot contain a line break (\\n): output is matched line by line (while "
		   "parsing option 'stdout' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr regex \"(\"\n", "4:16: invalid regular "
		   "expression: Unmatched ( or \\( (while parsing option 'stderr' of the server "
		   "program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr regex \"a{1000}\"\n", "4:16: the repetition "
		   "'{1000}' in the regular expression is too large (at most {255}) (while parsing "
		   "option 'stderr' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr regex \"a{99999999999999999999}\"\n", "4:16: the "
		   "repetition '{9999999999999999999' in the regular expression is too large (at "
		   "most {255}) (while parsing option 'stderr' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr regex \"(a{2,200}){100}\"\n", "4:16: the "
		   "repetitions in the regular expression multiply to more than 4096 (at '{100}'), "
		   "which regcomp can take minutes to compile (while parsing option 'stderr' of "
		   "the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr regex \"^w+++++?+++++x\"\n", "4:16: two "
		   "repetitions in a row ('++') in the regular expression: POSIX leaves their "
		   "meaning undefined (group the first, like (a+)?) (while parsing option 'stderr' "
		   "of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr regex \"a{2}{3}\"\n", "4:16: two repetitions "
		   "in a row ('{2}{3}') in the regular expression: POSIX leaves their meaning "
		   "undefined (group the first, like (a+)?) (while parsing option 'stderr' of the "
		   "server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr regex \"(((a+)?)+)\"\n", "4:16: the regular "
		   "expression nests repetitions more than 2 deep (at '+'), which regcomp can take "
		   "minutes to compile (while parsing option 'stderr' of the server program at "
		   "4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr regex "
		   "\"(a?b?c?d?e?f?g?h?i?j?k?l?m?n?o?p?){255,}\"\n", "4:16: the regular expression "
		   "is too large once its repetitions are expanded (more than 65536 parts, or more "
		   "than 512 that may match nothing), which regcomp can take minutes to compile "
		   "(while parsing option 'stderr' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  stderr regex \"((abcdefghijklmnopq){64}){64}\"\n",
		   "4:16: the regular expression is too large once its repetitions are expanded "
		   "(more than 65536 parts, or more than 512 that may match nothing), which "
		   "regcomp can take minutes to compile (while parsing option 'stderr' of the "
		   "server program at 4:3)");
	char text[512], want[256];
	int k = snprintf(text, sizeof(text), "%sserver exec prog\n  stderr regex \"", UDP);
	for (int i = 0; i < 65; i++)
		k += snprintf(text + k, sizeof(text) - (size_t)k, "(");
	k += snprintf(text + k, sizeof(text) - (size_t)k, "a\"\n");
	snprintf(want, sizeof(want), "%s:4:16: the regular expression nests groups more than "
		 "64 deep (while parsing option 'stderr' of the server program at 4:3)",
		 SCN_TEST_PATH);
	ASSERT_STR(scn_parse_err(text, (size_t)k, __LINE__, __FILE__), want);
	/* Braces in brackets or escaped are literal, and small intervals are fine. */
	struct nc_scenario *s = PARSE_OK(UDP "server exec prog\n"
					 "  stdout regex \"[{]999}\\\\{999} [0-9]{1,3}(\\\\.[0-9]{1,3}){3}\"\n"
					 "  stdout regex \"a+ b+ c+ d+ e+ f+ g+ h+ i+ j+ k+ l+ m+ n+ o+ p+ "
					 "q+ r+ s+ t+ u+ v+ w+ x+ y+ z+\"\n"
					 "  stdout regex \"(a{64}){64}|x*y?(z+)?\"\n");
	nc_scenario_free(s);
	ASSERT_ERR(UDP "server exec prog\n  env A-B=c\n", "4:8: invalid environment variable name "
		   "'A-B' (use letters, digits and '_', not starting with a digit) (while parsing "
		   "option 'env' of the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  env A= \"x\\0\"\n", "4:10: an environment variable's "
		   "value cannot contain a NUL byte (\\0 or \\x00) (while parsing option 'env' of "
		   "the server program at 4:3)");
	ASSERT_ERR(UDP "server exec prog\n  exit 0 now\n", "4:10: unexpected 'now' after the end "
		   "of the statement (while parsing option 'exit' of the server program at 4:3)");
}

void scn_register_exec(void)
{
	static const struct nc_unit_test tests[] = {
		{ "options", test_options },
		{ "errors", test_errors },
		{ "ready", test_ready },
		{ "stop signal", test_stop },
		{ NULL, NULL },
	};
	nc_unit_suite("exec", tests);
}
