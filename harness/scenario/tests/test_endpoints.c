/* test_endpoints.c: addresses, ports and step targets. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/tests/scn_test.h"

#define UDP "scenario t\ntransport udp\nserver\n"

static void test_forms(void)
{
	struct nc_scenario *s = PARSE_OK(UDP
		"  bind loopback:0\n"
		"  bind any:50000\n"
		"  bind 127.0.0.1:9\n"
		"  bind [::1]:80\n"
		"  bind ::ffff:127.0.0.1\n"
		"  bind loopback\n"
		"  bind [fe80::1]:65535\n"
		"  bind 0.0.0.0:1\n"
		"  sendto \"x\" 127.0.0.1\n"
		"  sendto \"x\" unused\n");
	if (!s)
		return;
	const struct nc_step *st = s->role[0].steps;
	uint8_t want[16];
	CU_ASSERT_EQUAL(st[0].ep.kind, NC_EP_ADDR);
	CU_ASSERT_EQUAL(st[0].ep.host, NC_HOST_LOOPBACK);
	CU_ASSERT_EQUAL(st[0].ep.port, 0);
	CU_ASSERT_EQUAL(st[0].ep.pos.line, 4);
	CU_ASSERT_EQUAL(st[0].ep.pos.col, 8);
	CU_ASSERT_EQUAL(st[1].ep.host, NC_HOST_ANY);
	CU_ASSERT_EQUAL(st[1].ep.port, 50000);
	CU_ASSERT_EQUAL(st[2].ep.host, NC_HOST_LITERAL);
	CU_ASSERT_EQUAL(st[2].ep.lit_family, AF_INET);
	CU_ASSERT(memcmp(st[2].ep.lit_addr, "\x7f\0\0\x01", 4) == 0);
	CU_ASSERT_EQUAL(st[2].ep.port, 9);
	CU_ASSERT_EQUAL(st[3].ep.lit_family, AF_INET6);
	inet_pton(AF_INET6, "::1", want);
	CU_ASSERT(memcmp(st[3].ep.lit_addr, want, 16) == 0);
	CU_ASSERT_EQUAL(st[3].ep.port, 80);
	CU_ASSERT_EQUAL(st[4].ep.lit_family, AF_INET6);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", want);
	CU_ASSERT(memcmp(st[4].ep.lit_addr, want, 16) == 0);
	/* A bind without a port binds port 0. */
	CU_ASSERT_EQUAL(st[4].ep.port, 0);
	CU_ASSERT_EQUAL(st[5].ep.port, 0);
	CU_ASSERT_EQUAL(st[6].ep.port, 65535);
	/* A target without a port keeps "none given". */
	CU_ASSERT_EQUAL(st[8].ep.port, -1);
	CU_ASSERT_EQUAL(st[9].ep.kind, NC_EP_UNUSED);
	CU_ASSERT(s->fixed_port);
	CU_ASSERT(s->wildcard_bind);
	nc_scenario_free(s);
}

static void test_errors(void)
{
	ASSERT_ERR(UDP "  bind loopback:70000\n", "4:17: port 70000 is out of range (0..65535) "
		   "in 'loopback:70000' (while parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind loopback:99999999999999999999999\n", "4:17: port "
		   "99999999999999999999... is out of range (0..65535) in "
		   "'loopback:99999999999999999999999' (while parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind loopback:abc\n", "4:17: expected a port number near 'loopback:abc' "
		   "(while parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind loopback:\n", "4:17: missing port number after ':' in 'loopback:' "
		   "(while parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind [::1\n", "4:8: missing ']' after the IPv6 address in '[::1' (write "
		   "[ADDRESS]:PORT) (while parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind [::1]x\n", "4:13: expected ':PORT' after ']' in '[::1]x' (while "
		   "parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind 300.1.2.3:80\n", "4:8: invalid IPv4 address '300.1.2.3' in "
		   "'300.1.2.3:80' (four numbers 0..255 separated by dots) (while parsing step "
		   "'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind [1.2.3.4]:80\n", "4:8: an IPv4 address takes no brackets: "
		   "'[1.2.3.4]:80' (write 1.2.3.4:PORT) (while parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind [::g]:80\n", "4:8: invalid IPv6 address '::g' in '[::g]:80' (while "
		   "parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind localhost:80\n", "4:8: unknown host 'localhost' in 'localhost:80': "
		   "did you mean 'loopback'? (host names are not resolved) (while parsing step "
		   "'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind example.org:80\n", "4:8: unknown host 'example.org' in "
		   "'example.org:80' (expected loopback, any, an IPv4 address or a bracketed IPv6 "
		   "address like [::1]; host names are not resolved) (while parsing step 'bind' at "
		   "4:3)");
	ASSERT_ERR(UDP "  bind :80\n", "4:8: missing host before ':' in ':80' (like "
		   "loopback:PORT) (while parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind\n", "4:7: expected an address to bind (like loopback:0) at the end "
		   "of the line (while parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind server\n", "4:8: unknown host 'server' in 'server' (expected "
		   "loopback, any, an IPv4 address or a bracketed IPv6 address like [::1]; host "
		   "names are not resolved) (while parsing step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  bind \"loopback:0\"\n", "4:8: expected an address (loopback:PORT, "
		   "any:PORT, 127.0.0.1:PORT or [::1]:PORT) near '\"loopback:0\"' (while parsing "
		   "step 'bind' at 4:3)");
	ASSERT_ERR(UDP "  connect\n", "4:10: expected a target (server, client, unused or an "
		   "address) at the end of the line (while parsing step 'connect' at 4:3)");
	ASSERT_ERR(UDP "  recvfrom 10 from unused\n", "4:20: nothing can come from 'unused', a port "
		   "nothing uses (expected client, server or an address) (while parsing step "
		   "'recvfrom' at 4:3)");
}

void scn_register_endpoints(void)
{
	static const struct nc_unit_test tests[] = {
		{ "forms", test_forms },
		{ "errors", test_errors },
		{ NULL, NULL },
	};
	nc_unit_suite("endpoints", tests);
}
