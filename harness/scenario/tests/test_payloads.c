/* test_payloads.c: payload forms as parsed: strings, hex, files, generated. */
#include <string.h>

#include "scenario/tests/scn_test.h"

#define UDP "scenario t\ntransport udp\nserver\n  bind loopback:0\n"

/* The first literal part of a step's expected payload. */
static const struct nc_tpl_part *lit(const struct nc_scenario *s, size_t step)
{
	return &s->role[0].steps[step].expect.payload.text.parts[0];
}

static void test_escapes(void)
{
	struct nc_scenario *s = PARSE_OK(UDP
		"  recvfrom 100 => \"\\n\\r\\t\\0\\a\\b\\f\\v\\e\\\\\\\"\\'\\$\\x41\\xfF\"\n"
		"  recvfrom 100 => \"$x $ {x} plain$\"\n"
		"  recvfrom 100 => \"\"\n");
	if (!s)
		return;
	static const char want[] = "\n\r\t\0\a\b\f\v\x1b\\\"'$A\xff";
	CU_ASSERT_EQUAL(lit(s, 1)->len, sizeof(want) - 1);
	CU_ASSERT(memcmp(lit(s, 1)->bytes, want, sizeof(want) - 1) == 0);
	CU_ASSERT_FALSE(s->role[0].steps[1].expect.payload.text.has_vars);
	/* A '$' not followed by '{' is text. */
	CU_ASSERT_EQUAL(lit(s, 2)->len, 15);
	CU_ASSERT(memcmp(lit(s, 2)->bytes, "$x $ {x} plain$", 15) == 0);
	CU_ASSERT_EQUAL(s->role[0].steps[3].expect.payload.text.nparts, 0);
	nc_scenario_free(s);
}

static void test_variables(void)
{
	struct nc_scenario *s = PARSE_OK(UDP
		"  recvfrom 100 => \"${client.addr}:${client.port} -> ${server.addr}:"
		"${server.port} ${family} ${scenario} ${unused.port}!\"\n");
	if (!s)
		return;
	const struct nc_template *t = &s->role[0].steps[1].expect.payload.text;
	static const enum nc_var vars[] = {
		NC_VAR_CLIENT_ADDR, NC_VAR_CLIENT_PORT, NC_VAR_SERVER_ADDR, NC_VAR_SERVER_PORT,
		NC_VAR_FAMILY, NC_VAR_SCENARIO, NC_VAR_UNUSED_PORT,
	};
	CU_ASSERT(t->has_vars);
	CU_ASSERT_EQUAL_FATAL(t->nparts, 14);
	for (size_t i = 0; i < 7; i++) {
		CU_ASSERT(t->parts[2 * i].is_var);
		CU_ASSERT_EQUAL(t->parts[2 * i].var, vars[i]);
		CU_ASSERT_FALSE(t->parts[2 * i + 1].is_var);
	}
	CU_ASSERT_EQUAL(t->parts[13].len, 1);
	nc_scenario_free(s);
}

static void test_string_errors(void)
{
	ASSERT_ERR(UDP "  send \"a\\qb\"\n", "5:10: unknown escape '\\q' (known: \\n \\r \\t \\0 "
		   "\\a \\b \\f \\v \\e \\\\ \\\" \\' \\$ \\xHH) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"a\\x4\"\n", "5:10: invalid escape '\\x4' ('\\x' takes two hex "
		   "digits, like \\x0a) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"\\xg1\"\n", "5:9: invalid escape '\\xg1' ('\\x' takes two hex "
		   "digits, like \\x0a) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"a\\x\"\n", "5:10: incomplete escape '\\x' at the end of the "
		   "string ('\\x' takes two hex digits, like \\x0a) (while parsing step 'send' at "
		   "5:3)");
	ASSERT_ERR(UDP "  send \"\\u00e9\"\n", "5:9: unknown escape '\\u': there are no Unicode "
		   "escapes (write the character itself, or its UTF-8 bytes as \\xHH) (while "
		   "parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"\\101\"\n", "5:9: unknown escape '\\1': there are no octal "
		   "escapes (write bytes as \\xHH; \\0 alone is the NUL byte) (while parsing step "
		   "'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"\\é\"\n", "5:9: unknown escape '\\é' (a backslash escapes only "
		   "ASCII characters) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"\\ \"\n", "5:9: unknown escape: a backslash followed by a "
		   "space (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"${server_port}\"\n", "5:9: unknown variable '${server_port}'; "
		   "did you mean 'server.port'? (known: client.addr, client.port, client.hostport, "
		   "client.ipver, server.addr, server.port, server.hostport, server.ipver, family, "
		   "scenario, unused.port) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"${}\"\n", "5:9: empty variable reference '${}' (known: "
		   "client.addr, client.port, client.hostport, client.ipver, server.addr, server.port, "
		   "server.hostport, server.ipver, family, scenario, unused.port) (while parsing "
		   "step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"${server.port\"\n", "5:9: unterminated variable reference "
		   "(missing '}') (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"${a{b}\"\n", "5:12: unexpected '{' inside a variable reference "
		   "(while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send \"${${server.port}}\"\n", "5:11: nested variable references are "
		   "not supported (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send hello\n", "5:8: expected a payload (a quoted string, hex ..., "
		   "file PATH, random N seed S, or repeat \"ab\" N) near 'hello' (while parsing "
		   "step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send\n", "5:7: expected a payload (a quoted string, hex ..., file PATH, "
		   "random N seed S, or repeat \"ab\" N) at the end of the line (while parsing step "
		   "'send' at 5:3)");
}

/* Hundreds of nested references: the parser stops at the first inner one
 * without recursing. */
static void test_deep_nesting(void)
{
	char text[4096], want[256];
	int k = snprintf(text, sizeof(text), "%s  send \"", UDP);
	for (int i = 0; i < 500; i++)
		k += snprintf(text + k, sizeof(text) - (size_t)k, "${");
	for (int i = 0; i < 500; i++)
		k += snprintf(text + k, sizeof(text) - (size_t)k, "}");
	k += snprintf(text + k, sizeof(text) - (size_t)k, "\"\n");
	snprintf(want, sizeof(want), "%s:5:11: nested variable references are not supported "
		 "(while parsing step 'send' at 5:3)", SCN_TEST_PATH);
	ASSERT_STR(scn_parse_err(text, (size_t)k, __LINE__, __FILE__), want);
}

static void test_hex(void)
{
	struct nc_scenario *s = PARSE_OK(UDP
		"  recvfrom 100 => hex 68 65 6c6C 6F\n"
		"  recvfrom 100 => hex \"00:ff 10\" from 127.0.0.1\n"
		"  recvfrom 100 => repeat hex 61 62 10\n"
		"  recvfrom 100 => repeat hex 6162 3 from 127.0.0.1\n"
		"  recvfrom 100 => repeat hex ab 5\n"
		"  recvfrom 100 => repeat hex \"10 20\" 2\n");
	if (!s)
		return;
	const struct nc_step *st = s->role[0].steps;
	CU_ASSERT_EQUAL(st[1].expect.payload.kind, NC_PAYLOAD_HEX);
	CU_ASSERT_EQUAL(lit(s, 1)->len, 5);
	CU_ASSERT(memcmp(lit(s, 1)->bytes, "hello", 5) == 0);
	CU_ASSERT_EQUAL(lit(s, 2)->len, 3);
	CU_ASSERT(memcmp(lit(s, 2)->bytes, "\x00\xff\x10", 3) == 0);
	/* After 'repeat hex', the last decimal word before the end is the count. */
	CU_ASSERT_EQUAL(st[3].expect.payload.kind, NC_PAYLOAD_REPEAT);
	CU_ASSERT_EQUAL(st[3].expect.payload.pattern_len, 2);
	CU_ASSERT_EQUAL(st[3].expect.payload.count, 10);
	CU_ASSERT_EQUAL(st[4].expect.payload.pattern_len, 2);
	CU_ASSERT_EQUAL(st[4].expect.payload.count, 3);
	CU_ASSERT(st[4].expect.has_from);
	CU_ASSERT_EQUAL(st[5].expect.payload.pattern_len, 1);
	CU_ASSERT_EQUAL(st[5].expect.payload.count, 5);
	CU_ASSERT_EQUAL(st[6].expect.payload.pattern_len, 2);
	CU_ASSERT_EQUAL(st[6].expect.payload.count, 2);
	nc_scenario_free(s);

	ASSERT_ERR(UDP "  send hex 616\n", "5:12: odd number of hex digits in '616' (each byte "
		   "takes two digits) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send hex 61 6z\n", "5:16: invalid hex digit 'z' in '6z' (while parsing "
		   "step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send hex 0x61\n", "5:13: invalid hex digit 'x' in '0x61' (hex bytes are "
		   "written without '0x', like hex 61 62) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send hex \"61 6\"\n", "5:16: odd number of hex digits in '6' (each byte "
		   "takes two digits) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send hex \"61 6g\"\n", "5:17: invalid hex digit 'g' in '6g' (while "
		   "parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send hex \"\"\n", "5:12: no hex digits in '\"\"' (while parsing step "
		   "'send' at 5:3)");
	ASSERT_ERR(UDP "  send hex\n", "5:11: expected hex digits after 'hex' at the end of the "
		   "line (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send hex zz\n", "5:12: expected hex digits after 'hex' near 'zz' (while "
		   "parsing step 'send' at 5:3)");
}

static void test_files(void)
{
	struct nc_scenario *s = PARSE_OK(UDP
		"  recvfrom 100 => file files/greeting.txt\n"
		"  recvfrom 100 => file files/shadowed.txt\n"
		"  recvfrom 100 => file parse/files/binary.bin\n"
		"  recvfrom 100 => prefix file \"files/greeting.txt\"\n");
	if (!s)
		return;
	const struct nc_step *st = s->role[0].steps;
	CU_ASSERT_EQUAL(st[1].expect.payload.kind, NC_PAYLOAD_FILE);
	CU_ASSERT_STRING_EQUAL(st[1].expect.payload.path, "fixtures/parse/files/greeting.txt");
	CU_ASSERT_EQUAL(lit(s, 1)->len, 12);
	/* The nearest directory wins: the scenario's own before its parents. */
	CU_ASSERT_STRING_EQUAL(st[2].expect.payload.path,
			       "fixtures/parse/valid/files/shadowed.txt");
	CU_ASSERT_STRING_EQUAL(st[3].expect.payload.path, "fixtures/parse/files/binary.bin");
	CU_ASSERT_EQUAL(lit(s, 3)->len, 4);
	CU_ASSERT(memcmp(lit(s, 3)->bytes, "\x00\x01\x02\xff", 4) == 0);
	CU_ASSERT_EQUAL(st[4].expect.kind, NC_EXPECT_PREFIX);
	nc_scenario_free(s);

	ASSERT_ERR(UDP "  send file nope.bin\n", "5:13: fixture file 'nope.bin' not found "
		   "(looked in fixtures/parse/valid and its parent directories) (while parsing "
		   "step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send file files\n", "5:13: fixture file 'files' not found (looked in "
		   "fixtures/parse/valid and its parent directories) (while parsing step 'send' "
		   "at 5:3)");
	ASSERT_ERR(UDP "  send file /nonexistent/x.bin\n", "5:13: fixture file "
		   "'/nonexistent/x.bin' not found (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send file\n", "5:12: expected a file path after 'file' at the end of "
		   "the line (while parsing step 'send' at 5:3)");
}

static void test_generated(void)
{
	struct nc_scenario *s = PARSE_OK(UDP
		"  sendto random 64M seed 18446744073709551615 server\n"
		"  sendto random 100 server\n"
		"  sendto repeat \"ab\" 3 server\n"
		"  sendto repeat \"\\x00\" 1M server\n"
		"  recvfrom 64M => random 1TiB flags MSG_TRUNC\n"
		"client\n  close\n");
	if (!s)
		return;
	const struct nc_step *st = s->role[0].steps;
	CU_ASSERT_EQUAL(st[1].payload.kind, NC_PAYLOAD_RANDOM);
	CU_ASSERT_EQUAL(st[1].payload.count, 64ULL << 20);
	CU_ASSERT_EQUAL(st[1].payload.seed, 18446744073709551615ULL);
	CU_ASSERT_EQUAL(st[2].payload.seed, 0);
	CU_ASSERT_EQUAL(st[3].payload.kind, NC_PAYLOAD_REPEAT);
	CU_ASSERT_EQUAL(st[3].payload.pattern_len, 2);
	CU_ASSERT(memcmp(st[3].payload.pattern, "ab", 2) == 0);
	CU_ASSERT_EQUAL(st[3].payload.count, 3);
	CU_ASSERT_EQUAL(st[4].payload.pattern_len, 1);
	CU_ASSERT_EQUAL(st[4].payload.count, 1 << 20);
	nc_scenario_free(s);

	ASSERT_ERR(UDP "  send random 65M\n", "5:8: a single 'send' sends at most 64 MiB, and this "
		   "payload is 68157440 bytes (while parsing step 'send' at 5:3)");
	ASSERT_ERR("scenario t\ntransport tcp\nclient\n  send repeat \"ab\" 33M\n", "4:8: a single "
		   "'send' sends at most 64 MiB, and this payload is 69206016 bytes (use 'sendall' "
		   "for larger payloads) (while parsing step 'send' at 4:3)");
	ASSERT_ERR(UDP "  send random 2T\n", "5:15: random payload size '2T' is too large (the "
		   "limit is 1T) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send random 10 seed\n", "5:22: expected a seed number after 'seed' at "
		   "the end of the line (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send random 10 seed 1K\n", "5:23: expected a seed number after 'seed' "
		   "near '1K' (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send random 10 seed 18446744073709551616\n", "5:23: seed "
		   "'18446744073709551616' is too large (the limit is 18446744073709551615) (while "
		   "parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send repeat \"\" 10\n", "5:15: a repeated pattern cannot be empty "
		   "(while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send repeat \"ab\"\n", "5:19: expected a repetition count after the "
		   "pattern at the end of the line (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send repeat \"ab\" 1T\n", "5:20: repetition count '1T' is too large (the "
		   "limit is 512G) (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send repeat \"${family}\" 2\n", "5:15: a repeated pattern cannot use "
		   "variables (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send repeat ab 2\n", "5:15: expected a quoted pattern or hex bytes after "
		   "'repeat' near 'ab' (while parsing step 'send' at 5:3)");
	ASSERT_ERR(UDP "  send repeat hex 61 1x\n", "5:23: unknown size unit 'x' in '1x' (sizes "
		   "take K, M, G or T, or KiB, MiB, GiB or TiB: powers of 1024) (while parsing "
		   "step 'send' at 5:3)");
}

void scn_register_payloads(void)
{
	static const struct nc_unit_test tests[] = {
		{ "escapes", test_escapes },
		{ "variables", test_variables },
		{ "string errors", test_string_errors },
		{ "deep nesting", test_deep_nesting },
		{ "hex", test_hex },
		{ "files", test_files },
		{ "generated", test_generated },
		{ NULL, NULL },
	};
	nc_unit_suite("payloads", tests);
}
