/* test_steps.c: every step, its arguments and its modifiers. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "scenario/tests/scn_test.h"
#include "util/clock.h"

#define TCP "scenario t\ntransport tcp\n"
#define UDP "scenario t\ntransport udp\n"

static void test_every_step(void)
{
	struct nc_scenario *s = PARSE_OK(TCP
		"server\n"
		"  socket      inet6\n"
		"  setsockopt  SO_REUSEADDR on\n"
		"  bind        any:0\n"
		"  listen      4\n"
		"  accept      from client\n"
		"  recv        100 => \"hi\"\n"
		"  send        \"yo\"\n"
		"  sendall     random 1K seed 3\n"
		"  nonblock    off\n"
		"  shutdown    rdwr\n"
		"  sleep       1.5ms\n"
		"  close\n"
		"client\n"
		"  socket\n"
		"  connect     server\n"
		"  sendto      \"x\" server\n"
		"  recvfrom    10\n"
		"  nonblock\n"
		"  shutdown    rd\n"
		"  shutdown    wr\n"
		"  listen\n");
	if (!s)
		return;
	const struct nc_role *r = &s->role[NC_ROLE_SERVER];
	static const enum nc_step_kind kinds[] = {
		NC_STEP_SOCKET, NC_STEP_SETSOCKOPT, NC_STEP_BIND, NC_STEP_LISTEN, NC_STEP_ACCEPT,
		NC_STEP_RECV, NC_STEP_SEND, NC_STEP_SENDALL, NC_STEP_NONBLOCK, NC_STEP_SHUTDOWN,
		NC_STEP_SLEEP, NC_STEP_CLOSE,
	};
	CU_ASSERT_EQUAL_FATAL(r->nsteps, sizeof(kinds) / sizeof(kinds[0]));
	for (size_t i = 0; i < r->nsteps; i++) {
		CU_ASSERT_EQUAL(r->steps[i].kind, kinds[i]);
		CU_ASSERT_EQUAL(r->steps[i].pos.line, 4 + i);
		CU_ASSERT_EQUAL(r->steps[i].pos.col, 3);
		CU_ASSERT_EQUAL(r->steps[i].expect.kind,
				i == 5 ? NC_EXPECT_BYTES : NC_EXPECT_SUCCESS);
	}
	CU_ASSERT_EQUAL(r->steps[0].sock_family, AF_INET6);
	CU_ASSERT_EQUAL(r->steps[1].opt.level, SOL_SOCKET);
	CU_ASSERT_EQUAL(r->steps[1].opt.name, SO_REUSEADDR);
	CU_ASSERT_EQUAL(r->steps[1].opt.ival, 1);
	CU_ASSERT_EQUAL(r->steps[2].ep.host, NC_HOST_ANY);
	CU_ASSERT_EQUAL(r->steps[2].ep.port, 0);
	CU_ASSERT_EQUAL(r->steps[3].size, 4);
	CU_ASSERT(r->steps[4].expect.has_from);
	CU_ASSERT_EQUAL(r->steps[4].expect.from.kind, NC_EP_CLIENT);
	CU_ASSERT_EQUAL(r->steps[5].size, 100);
	CU_ASSERT_STRING_EQUAL(r->steps[5].text, "recv        100 => \"hi\"");
	CU_ASSERT_EQUAL(r->steps[7].payload.kind, NC_PAYLOAD_RANDOM);
	CU_ASSERT_EQUAL(r->steps[7].payload.count, 1024);
	CU_ASSERT_FALSE(r->steps[8].on);
	CU_ASSERT_EQUAL(r->steps[9].how, SHUT_RDWR);
	CU_ASSERT_EQUAL(r->steps[10].duration_ns, 1500000);
	const struct nc_role *c = &s->role[NC_ROLE_CLIENT];
	CU_ASSERT_EQUAL_FATAL(c->nsteps, 8);
	CU_ASSERT_EQUAL(c->steps[0].sock_family, 0);
	CU_ASSERT_EQUAL(c->steps[1].ep.kind, NC_EP_SERVER);
	CU_ASSERT_EQUAL(c->steps[2].ep.kind, NC_EP_SERVER);
	CU_ASSERT_EQUAL(c->steps[3].size, 10);
	CU_ASSERT(c->steps[4].on);
	CU_ASSERT_EQUAL(c->steps[5].how, SHUT_RD);
	CU_ASSERT_EQUAL(c->steps[6].how, SHUT_WR);
	CU_ASSERT_EQUAL(c->steps[7].size, 16);
	CU_ASSERT_FALSE(s->fixed_port);
	CU_ASSERT(s->wildcard_bind);
	nc_scenario_free(s);
}

static void test_expectations(void)
{
	struct nc_scenario *s = PARSE_OK(TCP
		"server\n"
		"  recv 100 => \"exact\"\n"
		"  recv 100 => prefix \"pre\"\n"
		"  recv 100 => len 64K\n"
		"  recv 100 => length 3\n"
		"  recv 100 => eof\n"
		"  recv 100 => error ECONNRESET\n"
		"  recv 100 => any\n"
		"  send \"x\" => len 1\n"
		"  connect unused => error ECONNREFUSED\n"
		"  close => any\n");
	if (!s)
		return;
	const struct nc_step *st = s->role[0].steps;
	CU_ASSERT_EQUAL(st[0].expect.kind, NC_EXPECT_BYTES);
	CU_ASSERT_EQUAL(st[0].expect.pos.line, 4);
	CU_ASSERT_EQUAL(st[0].expect.pos.col, 12);
	CU_ASSERT_EQUAL(st[1].expect.kind, NC_EXPECT_PREFIX);
	CU_ASSERT_EQUAL(st[1].expect.payload.text.parts[0].len, 3);
	CU_ASSERT_EQUAL(st[2].expect.kind, NC_EXPECT_LEN);
	CU_ASSERT_EQUAL(st[2].expect.len, 65536);
	CU_ASSERT_EQUAL(st[3].expect.len, 3);
	CU_ASSERT_EQUAL(st[4].expect.kind, NC_EXPECT_EOF);
	CU_ASSERT_EQUAL(st[5].expect.kind, NC_EXPECT_ERROR);
	CU_ASSERT_EQUAL(st[5].expect.err, ECONNRESET);
	CU_ASSERT_EQUAL(st[6].expect.kind, NC_EXPECT_ANY);
	CU_ASSERT_EQUAL(st[7].expect.kind, NC_EXPECT_LEN);
	CU_ASSERT_EQUAL(st[8].ep.kind, NC_EP_UNUSED);
	CU_ASSERT_EQUAL(st[8].expect.err, ECONNREFUSED);
	CU_ASSERT_EQUAL(st[9].expect.kind, NC_EXPECT_ANY);
	nc_scenario_free(s);
}

/* '=> none within D': a silence, on either receive, with the modifiers
 * that make sense for it. */
static void test_silence(void)
{
	struct nc_scenario *s = PARSE_OK(UDP "step-timeout 2s\n"
		"server\n"
		"  recvfrom 100 => none within 300ms\n"
		"  recv 1 flags MSG_DONTWAIT => none within 1.5s deadline 3s\n");
	if (s) {
		const struct nc_step *st = s->role[0].steps;
		CU_ASSERT_EQUAL(st[0].expect.kind, NC_EXPECT_NONE);
		CU_ASSERT_EQUAL(st[0].expect.silence_ns, 300 * NC_MS);
		CU_ASSERT_FALSE(st[0].expect.window.set);
		CU_ASSERT_EQUAL(st[1].expect.silence_ns, 1500 * NC_MS);
		CU_ASSERT_EQUAL(st[1].deadline_ns, 3 * NC_SEC);
		nc_scenario_free(s);
	}
	ASSERT_ERR(TCP "server\n  recv 10 => none\n", "4:18: expected 'within' and a duration "
		   "after 'none' (like => none within 300ms) at the end of the line (while parsing "
		   "step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 => none 300ms\n", "4:19: expected 'within' and a "
		   "duration after 'none' (like => none within 300ms) near '300ms' (while parsing "
		   "step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 => none within 0ms\n", "4:26: a silence must last "
		   "longer than zero (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  send \"x\" => none within 1s\n", "4:12: '=> none' applies "
		   "to recv and recvfrom, not to 'send' (while parsing step 'send' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 => none within 1s within 2s\n", "4:29: '=> none "
		   "within D' waits D by itself: it takes no time window ('after', 'within') of its "
		   "own (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(UDP "server\n  recvfrom 10 => none within 1s from client\n", "4:15: '=> "
		   "none' expects nothing to arrive, so it takes no 'from' (while parsing step "
		   "'recvfrom' at 4:3)");
	ASSERT_ERR(UDP "server\n  recvfrom 10 truncated => none within 1s\n", "4:25: '=> none' "
		   "expects nothing to arrive, so it takes no 'truncated' (while parsing step "
		   "'recvfrom' at 4:3)");
	/* The silence ends before whatever would stop the step. */
	ASSERT_ERR(UDP "server\n  recv 10 => none within 1s deadline 1s\n", "4:11: the silence "
		   "(1.00 s) must end before the step's deadline (1.00 s) stops the step (while "
		   "parsing step 'recv' at 4:3)");
	ASSERT_ERR(UDP "step-timeout 500ms\nserver\n  recv 10 => none within 1s\n", "5:11: the "
		   "silence (1.00 s) must end before the scenario's step-timeout (500.0 ms) stops "
		   "the step (while parsing step 'recv' at 5:3)");
	ASSERT_ERR(UDP "server\n  recv 10 => none within 5s\n", "4:11: the silence (5.00 s) "
		   "must end before the scenario's timeout (5.00 s) stops the step (while parsing "
		   "step 'recv' at 4:3)");
}

/* 'close => unread ...': the bytes a close is expected to find unread. */
static void test_unread(void)
{
	struct nc_scenario *s = PARSE_OK(TCP
		"server\n"
		"  close => unread \"junk\"\n"
		"  close => unread hex 00 01\n"
		"  close => unread len 4K\n"
		"  close => unread any\n"
		"  close => unread \"${client.port}\"\n");
	if (s) {
		const struct nc_step *st = s->role[0].steps;
		CU_ASSERT_EQUAL(st[0].expect.kind, NC_EXPECT_UNREAD);
		CU_ASSERT_EQUAL(st[0].expect.unread, NC_EXPECT_BYTES);
		CU_ASSERT_EQUAL(st[0].expect.payload.text.parts[0].len, 4);
		CU_ASSERT_EQUAL(st[1].expect.payload.kind, NC_PAYLOAD_HEX);
		CU_ASSERT_EQUAL(st[2].expect.unread, NC_EXPECT_LEN);
		CU_ASSERT_EQUAL(st[2].expect.len, 4096);
		CU_ASSERT_EQUAL(st[3].expect.unread, NC_EXPECT_ANY);
		CU_ASSERT(st[4].expect.payload.text.has_vars);
		nc_scenario_free(s);
	}
	ASSERT_ERR(TCP "server\n  close => unread\n", "4:18: expected the bytes left unread after "
		   "'unread' (a payload, 'len N' or 'any') at the end of the line (while parsing "
		   "step 'close' at 4:3)");
	ASSERT_ERR(TCP "server\n  close => unread len 0\n", "4:19: 'unread len 0' would expect "
		   "nothing unread: leave the expectation out (while parsing step 'close' at 4:3)");
	ASSERT_ERR(TCP "server\n  close => unread random 65M seed 1\n", "4:19: bytes left unread "
		   "are at most 64 MiB (a socket's receive buffer holds less) (while parsing step "
		   "'close' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 => unread \"x\"\n", "4:11: '=> unread' applies to "
		   "close, not to 'recv' (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(UDP "server\n  close => unread any\n", "4:9: '=> unread' applies to tcp: what "
		   "a datagram socket leaves unread is not checked (while parsing step 'close' at "
		   "4:3)");
}

static void test_modifiers(void)
{
	struct nc_scenario *s = PARSE_OK(TCP
		"server\n"
		"  accept from 127.0.0.1 within 1s\n"
		"  recv 10 => \"ab\" once from client after 200ms..400ms deadline 2s\n"
		"  recv 10 flags MSG_PEEK,MSG_DONTWAIT => any\n"
		"  recv 10 MSG_WAITALL flags MSG_PEEK|MSG_TRUNC\n"
		"  send \"x\" MSG_NOSIGNAL deadline 10ms\n"
		"client\n"
		"  connect server\n"
		"  recv 10 from [::1]:80 => error EAGAIN within 0.5s\n");
	if (!s)
		return;
	const struct nc_step *st = s->role[0].steps;
	CU_ASSERT(st[0].expect.has_from);
	CU_ASSERT_EQUAL(st[0].expect.from.kind, NC_EP_ADDR);
	CU_ASSERT_EQUAL(st[0].expect.from.port, -1);
	CU_ASSERT(st[0].expect.window.set);
	CU_ASSERT_EQUAL(st[0].expect.window.lo_ns, 0);
	CU_ASSERT_EQUAL(st[0].expect.window.hi_ns, NC_SEC);
	CU_ASSERT(st[1].expect.once);
	CU_ASSERT_EQUAL(st[1].expect.window.lo_ns, 200 * NC_MS);
	CU_ASSERT_EQUAL(st[1].expect.window.hi_ns, 400 * NC_MS);
	CU_ASSERT_EQUAL(st[1].expect.window.pos.col, 36);
	CU_ASSERT_EQUAL(st[1].deadline_ns, 2 * NC_SEC);
	CU_ASSERT_EQUAL(st[2].msg_flags, MSG_PEEK | MSG_DONTWAIT);
	CU_ASSERT_EQUAL(st[3].msg_flags, MSG_WAITALL | MSG_PEEK | MSG_TRUNC);
	CU_ASSERT_EQUAL(st[4].msg_flags, MSG_NOSIGNAL);
	CU_ASSERT_EQUAL(st[4].deadline_ns, 10 * NC_MS);
	const struct nc_step *c = s->role[1].steps;
	CU_ASSERT_EQUAL(c[1].expect.from.lit_family, AF_INET6);
	CU_ASSERT_EQUAL(c[1].expect.from.port, 80);
	CU_ASSERT_EQUAL(c[1].expect.window.hi_ns, 500 * NC_MS);
	nc_scenario_free(s);

	s = PARSE_OK(UDP "server\n  bind loopback:0\n  recvfrom 10 => \"0123456789\" truncated\n"
		     "  recvfrom 4 flags MSG_TRUNC => len 100\n");
	if (s) {
		CU_ASSERT(s->role[0].steps[1].expect.truncated);
		nc_scenario_free(s);
	}
}

static void test_sockopts(void)
{
	struct nc_scenario *s = PARSE_OK(TCP
		"client\n"
		"  setsockopt SO_RCVTIMEO 200ms\n"
		"  setsockopt SO_SNDTIMEO 0s\n"
		"  setsockopt SO_LINGER on 2s\n"
		"  setsockopt SO_LINGER 0s\n"
		"  setsockopt SO_LINGER off\n"
		"  setsockopt SO_RCVBUF 256K\n"
		"  setsockopt TCP_NODELAY true\n"
		"  setsockopt IPV6_V6ONLY false\n"
		"  setsockopt IP_TTL 64\n");
	if (!s)
		return;
	const struct nc_step *st = s->role[1].steps;
	CU_ASSERT_EQUAL(st[0].opt.vkind, NC_OPTVAL_DURATION);
	CU_ASSERT_EQUAL(st[0].opt.ival, 200 * NC_MS);
	CU_ASSERT_STRING_EQUAL(st[0].opt.label, "SO_RCVTIMEO");
	CU_ASSERT_EQUAL(st[1].opt.ival, 0);
	CU_ASSERT(st[2].opt.linger_on);
	CU_ASSERT_EQUAL(st[2].opt.ival, 2);
	CU_ASSERT(st[3].opt.linger_on);
	CU_ASSERT_EQUAL(st[3].opt.ival, 0);
	CU_ASSERT_FALSE(st[4].opt.linger_on);
	CU_ASSERT_EQUAL(st[5].opt.ival, 262144);
	CU_ASSERT_EQUAL(st[6].opt.level, IPPROTO_TCP);
	CU_ASSERT_EQUAL(st[6].opt.name, TCP_NODELAY);
	CU_ASSERT_EQUAL(st[6].opt.ival, 1);
	CU_ASSERT_EQUAL(st[7].opt.ival, 0);
	CU_ASSERT_EQUAL(st[8].opt.ival, 64);
	nc_scenario_free(s);

	ASSERT_ERR(TCP "client\n  setsockopt SO_RCVTIMOE 1s\n", "4:14: unknown socket option "
		   "'SO_RCVTIMOE'; did you mean 'SO_RCVTIMEO'? (known: SO_RCVTIMEO, SO_SNDTIMEO, "
		   "SO_REUSEADDR, SO_REUSEPORT, SO_LINGER, SO_RCVBUF, SO_SNDBUF, SO_KEEPALIVE, "
		   "SO_OOBINLINE, SO_RCVLOWAT, IPV6_V6ONLY, IPV6_UNICAST_HOPS, IP_TTL, IP_TOS, "
		   "TCP_NODELAY, TCP_CORK, TCP_MAXSEG, TCP_QUICKACK) (while parsing step "
		   "'setsockopt' at 4:3)");
	ASSERT_ERR(TCP "client\n  setsockopt SO_LINGER 500ms\n", "4:24: SO_LINGER takes whole "
		   "seconds (like 0s or 2s), not '500ms' (while parsing step 'setsockopt' at 4:3)");
	ASSERT_ERR(TCP "client\n  setsockopt SO_RCVBUF 3G\n", "4:24: option value '3G' is too "
		   "large (the limit is 2147483647) (while parsing step 'setsockopt' at 4:3)");
	ASSERT_ERR(TCP "client\n  setsockopt SO_RCVBUF -1\n", "4:24: expected an option value "
		   "(a number, on or off) near '-1' (while parsing step 'setsockopt' at 4:3)");
	ASSERT_ERR(TCP "client\n  setsockopt SO_RCVTIMEO\n", "4:25: expected a duration (like "
		   "200ms) at the end of the line (while parsing step 'setsockopt' at 4:3)");
}

static void test_step_errors(void)
{
	ASSERT_ERR(TCP "server\n  revc 10\n", "4:3: unknown step 'revc'; did you mean 'recv'? "
		   "(expected socket, bind, listen, accept, connect, send, sendall, sendto, recv, "
		   "recvfrom, setsockopt, nonblock, shutdown, close or sleep) (while parsing "
		   "section 'server' at 3:1)");
	ASSERT_ERR(TCP "server\n  socket inet7\n", "4:10: expected inet, inet6 or nothing (the "
		   "variant's family) after 'socket' near 'inet7' (while parsing step 'socket' at "
		   "4:3)");
	ASSERT_ERR(TCP "server\n  nonblock yes\n", "4:12: expected on or off after 'nonblock' "
		   "near 'yes' (while parsing step 'nonblock' at 4:3)");
	ASSERT_ERR(TCP "server\n  shutdown both\n", "4:12: expected rd, wr or rdwr after "
		   "'shutdown' near 'both' (while parsing step 'shutdown' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv\n", "4:7: expected a buffer size (like 1024) at the end of "
		   "the line (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 100M\n", "4:8: buffer size '100M' is too large (the limit "
		   "is 64M) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 99999999999999999999999\n", "4:8: buffer size "
		   "'99999999999999999999999' is too large (the limit is 64M) (while parsing step "
		   "'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10KB\n", "4:10: unknown size unit 'KB' in '10KB' (sizes "
		   "take K, M, G or T, or KiB, MiB, GiB or TiB: powers of 1024) (while parsing "
		   "step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  listen 70000\n", "4:10: backlog '70000' is too large (the "
		   "limit is 65535) (while parsing step 'listen' at 4:3)");
	ASSERT_ERR(TCP "server\n  sleep 100\n", "4:9: sleep duration '100' has no unit (write "
		   "ns, us, ms, s or m after the number, like 100ms) (while parsing step 'sleep' "
		   "at 4:3)");
	ASSERT_ERR(TCP "server\n  sleep 60.000000001m\n", "4:9: sleep duration "
		   "'60.000000001m' is too large (the limit is 1 hour) (while parsing step 'sleep' "
		   "at 4:3)");
	ASSERT_ERR(TCP "server\n  sleep 1.s\n", "4:9: expected a duration (like 50ms) near "
		   "'1.s' (while parsing step 'sleep' at 4:3)");
	ASSERT_ERR(TCP "server\n  close now\n", "4:9: unexpected 'now' (after the arguments of "
		   "'close' come '=>', from, after, within, once, truncated, flags or deadline) "
		   "(while parsing step 'close' at 4:3)");
}

static void test_durations(void)
{
	struct nc_scenario *s = PARSE_OK(TCP "server\n  sleep 7ns\n  sleep 3us\n  sleep 2m\n"
					 "  sleep 1min\n  sleep 0.000000001s\n  sleep 60m\n"
					 "  sleep 0.1234567891s\n  sleep 1.999999999m\n");
	if (!s)
		return;
	const struct nc_step *st = s->role[0].steps;
	CU_ASSERT_EQUAL(st[0].duration_ns, 7);
	CU_ASSERT_EQUAL(st[1].duration_ns, 3000);
	CU_ASSERT_EQUAL(st[2].duration_ns, 120 * NC_SEC);
	CU_ASSERT_EQUAL(st[3].duration_ns, 60 * NC_SEC);
	CU_ASSERT_EQUAL(st[4].duration_ns, 1);
	CU_ASSERT_EQUAL(st[5].duration_ns, 3600 * NC_SEC);
	/* Digits past the nanosecond are dropped. */
	CU_ASSERT_EQUAL(st[6].duration_ns, 123456789);
	/* A fraction of a minute is exact too, and cannot overflow. */
	CU_ASSERT_EQUAL(st[7].duration_ns, 119999999940LL);
	nc_scenario_free(s);
}

static void test_modifier_errors(void)
{
	ASSERT_ERR(TCP "server\n  recv 10 \"x\"\n", "4:11: unexpected '\"x\"': an expectation "
		   "follows '=>' (like recv 100 => \"hello\") (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "client\n  connect unused error ECONNREFUSED\n", "4:18: unexpected "
		   "'error': an expectation follows '=>' (like => error ECONNREFUSED) (while "
		   "parsing step 'connect' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 withn 1s\n", "4:11: unexpected 'withn'; did you mean "
		   "'within'? (after the arguments of 'recv' come '=>', from, after, within, once, "
		   "truncated, flags or deadline) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 => any => eof\n", "4:18: a step has at most one '=>' "
		   "expectation (first at 4:11) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 =>\n", "4:13: expected an expectation after '=>' at the "
		   "end of the line (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 => error ECONREFUSED\n", "4:20: unknown errno name "
		   "'ECONREFUSED'; did you mean 'ECONNREFUSED'? (expected a name like ECONNREFUSED "
		   "or EAGAIN) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 => error EFOO\n", "4:20: unknown errno name 'EFOO' "
		   "(expected a name like ECONNREFUSED or EAGAIN) (while parsing step 'recv' at "
		   "4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 flags MSG_PEK\n", "4:17: unknown message flag "
		   "'MSG_PEK'; did you mean 'MSG_PEEK'? (known: MSG_DONTWAIT, MSG_PEEK, "
		   "MSG_WAITALL, MSG_TRUNC, MSG_MORE, MSG_OOB, MSG_NOSIGNAL, MSG_CONFIRM) (while "
		   "parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 flags MSG_PEEK,MSG_NOPE\n", "4:26: unknown message "
		   "flag 'MSG_NOPE'; did you mean 'MSG_MORE'? (known: MSG_DONTWAIT, MSG_PEEK, "
		   "MSG_WAITALL, MSG_TRUNC, MSG_MORE, MSG_OOB, MSG_NOSIGNAL, MSG_CONFIRM) (while "
		   "parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 flags ,\n", "4:17: expected message flags (like "
		   "MSG_DONTWAIT) near ',' (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  accept flags MSG_PEEK\n", "4:10: message flags apply to send "
		   "and receive steps (while parsing step 'accept' at 4:3)");
	ASSERT_ERR(TCP "server\n  send \"x\" from client\n", "4:12: 'from' applies to accept, "
		   "recv and recvfrom, not to 'send' (while parsing step 'send' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 from client from client\nclient\n  close\n",
		   "4:22: 'from' given twice (first at 4:10) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 within 1s after 1ms..2ms\n", "4:20: a step has at most "
		   "one time window (first at 4:10) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 after 400ms..200ms\n", "4:16: empty time window "
		   "'400ms..200ms': the upper bound is less than the lower bound (while parsing "
		   "step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 after 400ms\n", "4:16: 'after' takes a time window with "
		   "both bounds, like 200ms..400ms, near '400ms' (for an upper bound alone, use "
		   "'within') (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 after ..2s\n", "4:16: the time window '..2s' has no "
		   "lower bound (like 200ms..400ms) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 after 1s..\n", "4:16: the time window '1s..' has no "
		   "upper bound (like 200ms..400ms) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 after 1s..2x\n", "4:21: unknown duration unit 'x' in "
		   "'2x' (use ns, us, ms, s or m) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 after 1s..2h\n", "4:21: unknown duration unit 'h' in "
		   "'2h' (use ns, us, ms, s or m) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 after 1s..61m\n", "4:20: upper bound '61m' is too large "
		   "(the limit is 1 hour) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 deadline 0s\n", "4:10: a deadline must be longer than "
		   "zero (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 1 deadline 1s deadline 2s\n", "4:22: 'deadline' given "
		   "twice (first at 4:10) (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(TCP "server\n  send \"x\" once\n", "4:12: 'once' applies to recv and "
		   "recvfrom, not to 'send' (while parsing step 'send' at 4:3)");
	ASSERT_ERR(TCP "server\n  send \"x\" truncated\n", "4:12: 'truncated' applies to recv and "
		   "recvfrom, not to 'send' (while parsing step 'send' at 4:3)");
	ASSERT_ERR(UDP "server\n  recvfrom 10 once\n", "4:15: 'once' applies to tcp: a datagram "
		   "receive is always one call (while parsing step 'recvfrom' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 10 truncated\n", "4:11: 'truncated' applies to udp: a "
		   "stream receive is never truncated (while parsing step 'recv' at 4:3)");
	ASSERT_ERR(UDP "server\n  recvfrom 10 truncated => error EAGAIN\n", "4:25: 'truncated' "
		   "cannot go with an error expectation (while parsing step 'recvfrom' at 4:3)");
	ASSERT_ERR(TCP "server\n  send \"x\" => \"x\"\n", "4:12: a data expectation applies to "
		   "recv and recvfrom, not to 'send' (while parsing step 'send' at 4:3)");
	ASSERT_ERR(TCP "server\n  close => len 3\n", "4:9: 'len' applies to send and receive "
		   "steps, not to 'close' (while parsing step 'close' at 4:3)");
	ASSERT_ERR(UDP "server\n  recvfrom 5 => \"hello!\"\n", "4:14: the expectation needs 6 "
		   "bytes but the buffer holds 5: a datagram receive returns at most the buffer's "
		   "size (raise the buffer size) (while parsing step 'recvfrom' at 4:3)");
	ASSERT_ERR(TCP "server\n  recv 5 once => len 6\n", "4:15: the expectation needs 6 bytes "
		   "but the buffer holds 5: a single call returns at most the buffer's size (raise "
		   "the buffer size) (while parsing step 'recv' at 4:3)");
}

void scn_register_steps(void)
{
	static const struct nc_unit_test tests[] = {
		{ "every step", test_every_step },
		{ "expectations", test_expectations },
		{ "modifiers", test_modifiers },
		{ "silence", test_silence },
		{ "unread", test_unread },
		{ "socket options", test_sockopts },
		{ "step errors", test_step_errors },
		{ "durations", test_durations },
		{ "modifier errors", test_modifier_errors },
		{ NULL, NULL },
	};
	nc_unit_suite("steps", tests);
}
