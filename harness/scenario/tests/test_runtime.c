/* test_runtime.c: producing payload bytes, templates, names, diagnostics. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/names.h"
#include "scenario/payload.h"
#include "scenario/tests/scn_test.h"

#define UDP "scenario t\ntransport udp\nserver\n  bind loopback:0\n"
#define TCP "scenario t\ntransport tcp\nclient\n"

static const struct nc_varctx all_vars = { {
	[NC_VAR_CLIENT_ADDR] = "127.0.0.1", [NC_VAR_CLIENT_PORT] = "40000",
	[NC_VAR_CLIENT_HOSTPORT] = "127.0.0.1:40000", [NC_VAR_CLIENT_IPVER] = "4",
	[NC_VAR_SERVER_ADDR] = "127.0.0.1", [NC_VAR_SERVER_PORT] = "50000",
	[NC_VAR_SERVER_HOSTPORT] = "127.0.0.1:50000", [NC_VAR_SERVER_IPVER] = "4",
	[NC_VAR_FAMILY] = "inet", [NC_VAR_SCENARIO] = "t", [NC_VAR_UNUSED_PORT] = "9",
} };

/* Reads the whole of a (small) payload through odd-sized sequential reads,
 * then checks that nc_payload_at agrees at many offsets and lengths. */
static void check_at_matches_read(const struct nc_payload *pl, uint64_t start, size_t len)
{
	struct nc_payload_gen g;
	CU_ASSERT_EQUAL_FATAL(nc_payload_open(&g, pl, &all_vars, NULL), 0);
	uint8_t *seq = malloc(len), *at = malloc(len);
	g.off = start;
	size_t got = 0, step = 1;
	while (got < len) {
		size_t want = len - got < step ? len - got : step;
		size_t n = nc_payload_read(&g, seq + got, want);
		CU_ASSERT_EQUAL(n, want);
		if (n == 0)
			break;
		got += n;
		step = step * 3 % 17 + 1;
	}
	for (size_t off = 0; off < len; off += 1 + off % 13) {
		for (size_t n = 0; off + n <= len && n < 40; n += 7) {
			nc_payload_at(&g, start + off, at, n);
			CU_ASSERT(memcmp(at, seq + off, n) == 0);
		}
	}
	nc_payload_close(&g);
	free(seq);
	free(at);
}

static void test_random(void)
{
	struct nc_scenario *s = PARSE_OK(TCP "  sendall random 10000 seed 7\n"
					 "  sendall random 1TiB seed 0\n");
	if (!s)
		return;
	const struct nc_payload *small = &s->role[NC_ROLE_CLIENT].steps[0].payload;
	const struct nc_payload *huge = &s->role[NC_ROLE_CLIENT].steps[1].payload;
	check_at_matches_read(small, 0, 10000);
	check_at_matches_read(huge, (1ULL << 40) - 5000, 5000);
	check_at_matches_read(huge, 123456789, 3001);

	struct nc_payload_gen g;
	uint8_t b[16];
	CU_ASSERT_EQUAL(nc_payload_open(&g, huge, NULL, NULL), 0);
	CU_ASSERT_EQUAL(g.len, 1ULL << 40);
	/* splitmix64 from seed 0, little-endian: the bytes are part of the
	 * format, since other tools may generate the same payload. */
	CU_ASSERT_EQUAL(nc_payload_read(&g, b, 8), 8);
	CU_ASSERT(memcmp(b, "\xaf\xcd\x1d\x7b\x39\xa8\x20\xe2", 8) == 0);
	g.off = g.len - 3;
	CU_ASSERT_EQUAL(nc_payload_read(&g, b, 16), 3);
	CU_ASSERT_EQUAL(nc_payload_read(&g, b, 16), 0);
	nc_payload_close(&g);
	nc_scenario_free(s);
}

static void test_repeat(void)
{
	struct nc_scenario *s = PARSE_OK(TCP "  sendall repeat \"abc\" 1000\n"
					 "  sendall repeat hex 00 ff 01 256G\n");
	if (!s)
		return;
	const struct nc_payload *abc = &s->role[NC_ROLE_CLIENT].steps[0].payload;
	check_at_matches_read(abc, 0, 3000);
	check_at_matches_read(abc, 1, 2999);
	check_at_matches_read(&s->role[NC_ROLE_CLIENT].steps[1].payload, (256ULL << 30) * 3 - 1000,
			      1000);
	struct nc_payload_gen g;
	uint8_t b[8];
	CU_ASSERT_EQUAL(nc_payload_open(&g, abc, NULL, NULL), 0);
	CU_ASSERT_EQUAL(g.len, 3000);
	nc_payload_at(&g, 2998, b, 2);
	CU_ASSERT(memcmp(b, "bc", 2) == 0);
	nc_payload_at(&g, 4, b, 5);
	CU_ASSERT(memcmp(b, "bcabc", 5) == 0);
	nc_payload_close(&g);
	nc_scenario_free(s);
}

static void test_templates(void)
{
	struct nc_scenario *s = PARSE_OK(UDP
		"  sendto \"${client.addr}:${client.port} ${family}\" server\n"
		"  sendto \"\" server\n"
		"  sendto file files/greeting.txt server\n"
		"client\n  close\n");
	if (!s)
		return;
	const struct nc_payload *pl = &s->role[0].steps[1].payload;
	struct nc_buf out;
	enum nc_var missing = NC_VAR_COUNT;
	nc_buf_init(&out, 0);
	CU_ASSERT_EQUAL(nc_template_expand(&pl->text, &all_vars, &out, &missing), 0);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&out), "127.0.0.1:40000 inet");
	nc_buf_free(&out);

	/* A variable without a value: the first missing one is named. */
	struct nc_varctx partial = all_vars;
	partial.val[NC_VAR_CLIENT_PORT] = NULL;
	partial.val[NC_VAR_FAMILY] = NULL;
	nc_buf_init(&out, 0);
	CU_ASSERT_EQUAL(nc_template_expand(&pl->text, &partial, &out, &missing), -1);
	CU_ASSERT_EQUAL(missing, NC_VAR_CLIENT_PORT);
	nc_buf_free(&out);
	nc_buf_init(&out, 0);
	CU_ASSERT_EQUAL(nc_template_expand(&pl->text, NULL, &out, &missing), -1);
	CU_ASSERT_EQUAL(missing, NC_VAR_CLIENT_ADDR);
	CU_ASSERT_EQUAL(nc_template_expand(&pl->text, NULL, &out, NULL), -1);
	nc_buf_free(&out);

	struct nc_payload_gen g;
	missing = NC_VAR_COUNT;
	CU_ASSERT_EQUAL(nc_payload_open(&g, pl, &partial, &missing), -1);
	CU_ASSERT_EQUAL(missing, NC_VAR_CLIENT_PORT);
	CU_ASSERT_EQUAL(nc_payload_open(&g, pl, &all_vars, &missing), 0);
	CU_ASSERT_EQUAL(g.len, 20);
	check_at_matches_read(pl, 0, 20);
	nc_payload_close(&g);

	/* An empty payload opens, reads nothing, and serves zero bytes. */
	uint8_t b[4];
	CU_ASSERT_EQUAL(nc_payload_open(&g, &s->role[0].steps[2].payload, NULL, NULL), 0);
	CU_ASSERT_EQUAL(g.len, 0);
	CU_ASSERT_EQUAL(nc_payload_read(&g, b, sizeof(b)), 0);
	nc_payload_at(&g, 0, b, 0);
	nc_payload_close(&g);

	CU_ASSERT_EQUAL(nc_payload_open(&g, &s->role[0].steps[3].payload, NULL, NULL), 0);
	CU_ASSERT_EQUAL(g.len, 12);
	CU_ASSERT_EQUAL(nc_payload_read(&g, b, 4), 4);
	CU_ASSERT(memcmp(b, "hell", 4) == 0);
	nc_payload_close(&g);
	nc_scenario_free(s);
}

static void test_describe(void)
{
	struct nc_scenario *s = PARSE_OK(UDP
		"  sendto \"hi\\n\" server\n"
		"  sendto \"port ${server.port}\\t!\" server\n"
		"  sendto hex 00 ff server\n"
		"  sendto random 1M seed 7 server\n"
		"  sendto repeat \"ab\" 3 server\n"
		"  sendto file files/greeting.txt server\n"
		"  sendto \"${family} 0123456789012345678901234567890123456789012345678901234567890123"
		"456789\" server\n"
		"  sendto \"\" server\n"
		"client\n  close\n");
	if (!s)
		return;
	static const char *const want[] = {
		"\"hi\\n\"",
		"\"port ${server.port}\\t!\"",
		"\"\\x00\\xff\"",
		"random 1048576 bytes seed 7",
		"repeat \"ab\" 3 times",
		"file fixtures/parse/files/greeting.txt (12 bytes)",
		"\"${family} 012345678901234567890123456789012345678901234567890123456789012...\"",
		"\"\"",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct nc_buf b;
		nc_buf_init(&b, 0);
		nc_payload_describe(&s->role[0].steps[1 + i].payload, &b);
		ASSERT_STR(nc_buf_str(&b), want[i]);
		nc_buf_free(&b);
	}
	nc_scenario_free(s);
}

static void test_names(void)
{
	CU_ASSERT_EQUAL(nc_errno_value("ECONNREFUSED"), ECONNREFUSED);
	CU_ASSERT_EQUAL(nc_errno_value("EWOULDBLOCK"), EAGAIN);
	CU_ASSERT_EQUAL(nc_errno_value("econnrefused"), -1);
	CU_ASSERT_STRING_EQUAL(nc_errno_name(EAGAIN), "EAGAIN");
	CU_ASSERT_STRING_EQUAL(nc_errno_name(-5), "E?");
	struct nc_sockopt o;
	CU_ASSERT(nc_sockopt_lookup("SO_LINGER", &o));
	CU_ASSERT_EQUAL(o.vkind, NC_OPTVAL_LINGER);
	CU_ASSERT_FALSE(nc_sockopt_lookup("SO_NOPE", &o));
	CU_ASSERT_EQUAL(nc_msgflag_value("MSG_PEEK"), MSG_PEEK);
	CU_ASSERT_EQUAL(nc_msgflag_value("PEEK"), 0);
	CU_ASSERT_EQUAL(nc_signal_value("SIGTERM"), SIGTERM);
	CU_ASSERT_EQUAL(nc_signal_value("KILL"), SIGKILL);
	CU_ASSERT_EQUAL(nc_signal_value("SIGNOPE"), -1);
	CU_ASSERT_STRING_EQUAL(nc_signal_name(SIGSEGV), "SIGSEGV");
	CU_ASSERT_STRING_EQUAL(nc_signal_name(0), "SIG?");

	CU_ASSERT_STRING_EQUAL(nc_errno_suggest("ECONREFUSED"), "ECONNREFUSED");
	CU_ASSERT_STRING_EQUAL(nc_errno_suggest("eagain"), "EAGAIN");
	CU_ASSERT_PTR_NULL(nc_errno_suggest("EFOO"));
	CU_ASSERT_PTR_NULL(nc_errno_suggest(""));
	CU_ASSERT_STRING_EQUAL(nc_sockopt_suggest("SO_RCVTIMOE"), "SO_RCVTIMEO");
	CU_ASSERT_STRING_EQUAL(nc_msgflag_suggest("MSG_DONTWIT"), "MSG_DONTWAIT");
	CU_ASSERT_STRING_EQUAL(nc_signal_suggest("SIGTREM"), "SIGTERM");
	static const char *const words[] = { "within", "after" };
	CU_ASSERT_STRING_EQUAL(nc_suggest("withni", words, 2), "within");
	CU_ASSERT_PTR_NULL(nc_suggest("zzzzzz", words, 2));
	char longname[200];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	CU_ASSERT_PTR_NULL(nc_suggest(longname, words, 2));

	CU_ASSERT_STRING_EQUAL(nc_family_name(NC_FAM_DUAL), "dual");
	CU_ASSERT_STRING_EQUAL(nc_role_name(NC_ROLE_CLIENT), "client");
	CU_ASSERT_STRING_EQUAL(nc_step_name(NC_STEP_RECVFROM), "recvfrom");
	CU_ASSERT_STRING_EQUAL(nc_var_name(NC_VAR_UNUSED_PORT), "unused.port");
	CU_ASSERT_STRING_EQUAL(nc_var_name(NC_VAR_SERVER_HOSTPORT), "server.hostport");
	CU_ASSERT_STRING_EQUAL(nc_var_name(NC_VAR_CLIENT_HOSTPORT), "client.hostport");
	CU_ASSERT_STRING_EQUAL(nc_var_name((enum nc_var)99), "?");
}

static void test_diag_format(void)
{
	struct nc_diag d;
	char buf[1400];
	memset(&d, 0, sizeof(d));
	strcpy(d.path, "a.scn");
	strcpy(d.msg, "trouble");
	ASSERT_STR(nc_diag_format(&d, buf, sizeof(buf)), "a.scn: trouble");
	d.line = 3;
	d.col = 7;
	ASSERT_STR(nc_diag_format(&d, buf, sizeof(buf)), "a.scn:3:7: trouble");
	strcpy(d.context, "step 'bind' at 3:3");
	ASSERT_STR(nc_diag_format(&d, buf, sizeof(buf)),
		   "a.scn:3:7: trouble (while parsing step 'bind' at 3:3)");
	/* A small buffer is cut, never overrun. */
	ASSERT_STR(nc_diag_format(&d, buf, 8), "a.scn:3");
}

void scn_register_runtime(void)
{
	static const struct nc_unit_test tests[] = {
		{ "random payloads", test_random },
		{ "repeat payloads", test_repeat },
		{ "templates", test_templates },
		{ "describe", test_describe },
		{ "names", test_names },
		{ "diagnostic format", test_diag_format },
		{ NULL, NULL },
	};
	nc_unit_suite("runtime", tests);
}
