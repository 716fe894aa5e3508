/* test_wire.c: the wire section. */
#include <netinet/in.h>
#include <string.h>

#include "scenario/tests/scn_test.h"

#define TCP "scenario t\ntransport tcp\nserver\n  bind loopback:0\n  listen\n  accept\n" \
	    "client\n  connect server\nwire\n"
#define UDP "scenario t\ntransport udp\nserver\n  bind loopback:0\nclient\n" \
	    "  sendto \"x\" server\nwire\n"

static void test_items(void)
{
	struct nc_scenario *s = PARSE_OK(TCP
		"  handshake\n"
		"  client > server tcp segment flags PA \"hello\"\n"
		"  server > client tcp segment A\n"
		"  client > server tcp segment FA len 0\n"
		"  client > server tcp segment length 5\n"
		"  127.0.0.1:9 > [::1]:80 tcp segment R\n"
		"  client > unused icmp port-unreachable\n"
		"  teardown fin\n"
		"  teardown rst\n"
		"  only\n"
		"  server > client tcp \"hello\"\n"
		"  client > server tcp len 1MiB\n"
		"  client > server tcp segment\n");
	if (!s)
		return;
	CU_ASSERT(s->has_wire);
	CU_ASSERT_EQUAL(s->wire_pos.line, 9);
	CU_ASSERT_EQUAL_FATAL(s->nwire, 13);
	const struct nc_wire_item *w = s->wire;
	CU_ASSERT_EQUAL(w[0].kind, NC_WIRE_HANDSHAKE);
	CU_ASSERT_EQUAL(w[0].src.kind, NC_EP_CLIENT);
	CU_ASSERT_EQUAL(w[0].dst.kind, NC_EP_SERVER);
	CU_ASSERT_EQUAL(w[1].kind, NC_WIRE_PACKET);
	CU_ASSERT_EQUAL(w[1].proto, IPPROTO_TCP);
	CU_ASSERT(w[1].has_flags);
	CU_ASSERT_EQUAL(w[1].flags, NC_TCP_PSH | NC_TCP_ACK);
	CU_ASSERT(w[1].has_payload);
	CU_ASSERT_EQUAL(w[1].payload.text.parts[0].len, 5);
	CU_ASSERT_STRING_EQUAL(w[1].text, "client > server tcp segment flags PA \"hello\"");
	CU_ASSERT_EQUAL(w[2].src.kind, NC_EP_SERVER);
	CU_ASSERT_EQUAL(w[2].flags, NC_TCP_ACK);
	CU_ASSERT_FALSE(w[2].has_payload);
	CU_ASSERT_EQUAL(w[3].flags, NC_TCP_FIN | NC_TCP_ACK);
	CU_ASSERT(w[3].has_len);
	CU_ASSERT_EQUAL(w[3].len, 0);
	CU_ASSERT_FALSE(w[4].has_flags);
	CU_ASSERT_EQUAL(w[4].len, 5);
	CU_ASSERT_EQUAL(w[5].src.kind, NC_EP_ADDR);
	CU_ASSERT_EQUAL(w[5].dst.port, 80);
	CU_ASSERT_EQUAL(w[5].flags, NC_TCP_RST);
	CU_ASSERT_EQUAL(w[6].kind, NC_WIRE_ICMP);
	CU_ASSERT_EQUAL(w[6].dst.kind, NC_EP_UNUSED);
	CU_ASSERT_EQUAL(w[7].kind, NC_WIRE_TEARDOWN);
	CU_ASSERT_FALSE(w[7].teardown_rst);
	CU_ASSERT(w[8].teardown_rst);
	CU_ASSERT_EQUAL(w[9].kind, NC_WIRE_ONLY);
	/* Without 'segment', a tcp line is the stream's next bytes. */
	CU_ASSERT_EQUAL(w[10].kind, NC_WIRE_STREAM);
	CU_ASSERT(w[10].has_payload);
	CU_ASSERT_FALSE(w[10].has_flags);
	CU_ASSERT_EQUAL(w[11].kind, NC_WIRE_STREAM);
	CU_ASSERT(w[11].has_len);
	CU_ASSERT_EQUAL(w[11].len, 1u << 20);
	/* A segment with nothing said about it: any one segment. */
	CU_ASSERT_EQUAL(w[12].kind, NC_WIRE_PACKET);
	CU_ASSERT_FALSE(w[12].has_flags || w[12].has_payload || w[12].has_len);
	nc_scenario_free(s);

	/* Without a server role, 'server' is whatever the client talked to. */
	s = PARSE_OK("scenario t\ntransport tcp\nclient\n  connect unused => any\nwire\n"
		     "  client > server tcp segment S\n");
	nc_scenario_free(s);
	s = PARSE_OK(UDP "  client > server udp \"x\"\n  server > client icmp port-unreachable\n");
	if (s) {
		CU_ASSERT_EQUAL(s->wire[0].proto, IPPROTO_UDP);
		CU_ASSERT_EQUAL(s->wire[0].kind, NC_WIRE_PACKET);
		CU_ASSERT_EQUAL(s->wire[1].proto, IPPROTO_ICMP);
		nc_scenario_free(s);
	}
}

static void test_errors(void)
{
	ASSERT_ERR(UDP "  client > server udp flags PA \"x\"\n", "8:23: 'flags' applies to tcp "
		   "packets; a udp packet has no flags (while parsing wire expectation at 8:3)");
	ASSERT_ERR(UDP "  client > server udp PA\n", "8:23: TCP flags 'PA' on a udp packet (a udp "
		   "packet has no flags) (while parsing wire expectation at 8:3)");
	ASSERT_ERR(UDP "  client > server tcp\n", "8:19: protocol 'tcp' does not match the "
		   "scenario's transport (udp) (while parsing wire expectation at 8:3)");
	ASSERT_ERR(UDP "  handshake\n", "8:3: 'handshake' applies to tcp scenarios (while "
		   "parsing wire expectation at 8:3)");
	ASSERT_ERR(UDP "  teardown fin\n", "8:3: 'teardown' applies to tcp scenarios (while "
		   "parsing wire expectation at 8:3)");
	ASSERT_ERR(UDP "  handshak\n", "8:3: unknown wire expectation 'handshak'; did you mean "
		   "'handshake'? (expected handshake, teardown fin|rst, only, or SOURCE > "
		   "DESTINATION PROTOCOL ..., like client > server tcp \"hi\") (while "
		   "parsing wire expectation at 8:3)");
	ASSERT_ERR(UDP "  client > server udp \"x\" len 3\n", "8:27: a packet takes a payload or "
		   "'len N', not both (while parsing wire expectation at 8:3)");
	ASSERT_ERR(TCP "  client > server tcp segment \"x\" flags A\n", "10:35: 'flags' comes "
		   "before the payload (like client > server tcp segment flags PA \"data\") (while "
		   "parsing wire expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server tcp segment flags SX\n", "10:38: unknown TCP flag 'X' in "
		   "'SX' (the flags are S, A, P, F, R and U, or '.' for ACK, like SA or FA) (while "
		   "parsing wire expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server tcp segment flags\n", "10:36: expected TCP flags "
		   "(letters S, A, P, F, R, U, like SA or FA) after 'flags' at the end of the line "
		   "(while parsing wire expectation at 10:3)");
	/* Flags describe one segment: a stream line has none. */
	ASSERT_ERR(TCP "  client > server tcp flags PA \"x\"\n", "10:23: TCP flags belong to one "
		   "segment: write 'segment' before them (like client > server tcp segment flags "
		   "PA \"hi\"); a tcp line without it matches the stream's next bytes, however "
		   "segments split them (while parsing wire expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server tcp SA\n", "10:23: TCP flags 'SA' belong to one segment: "
		   "write 'segment' before them (like client > server tcp segment flags PA "
		   "\"hi\"); a tcp line without it matches the stream's next bytes, however "
		   "segments split them (while parsing wire expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server tcp \"x\" flags A\n", "10:27: 'flags' comes before the "
		   "payload (like client > server tcp segment flags PA \"data\") (while parsing "
		   "wire expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server tcp\n", "10:22: expected a payload or 'len N' (the "
		   "stream's next bytes), or 'segment' (one segment, like client > server tcp "
		   "segment flags S) at the end of the line (while parsing wire expectation at "
		   "10:3)");
	ASSERT_ERR(TCP "  client > server tcp len 0\n", "10:23: a stream line matches at least "
		   "one byte (a segment without data is 'tcp segment flags F') (while parsing wire "
		   "expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server tcp \"\"\n", "10:23: a stream line matches at least "
		   "one byte (a segment without data is 'tcp segment flags F') (while parsing wire "
		   "expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server tcp segment len 70000\n", "10:35: payload length "
		   "'70000' is too large (the limit is 65535) (while parsing wire expectation at "
		   "10:3)");
	ASSERT_ERR(TCP "  client server tcp\n", "10:10: expected '>' between source and "
		   "destination (like client > server) near 'server' (while parsing wire "
		   "expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server sctp\n", "10:19: expected a protocol (tcp, udp or icmp) "
		   "near 'sctp' (while parsing wire expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server icmp echo\n", "10:24: expected 'port-unreachable' (the "
		   "ICMP message netconform checks) near 'echo' (while parsing wire expectation at "
		   "10:3)");
	ASSERT_ERR(TCP "  teardown\n", "10:11: expected fin or rst after 'teardown' at the end of "
		   "the line (while parsing wire expectation at 10:3)");
	ASSERT_ERR(TCP "  client > server tcp len 2TiB\n", "10:27: payload length '2TiB' is too "
		   "large (the limit is 1T) (while parsing wire expectation at 10:3)");
	ASSERT_ERR(TCP "  only now\n", "10:8: unexpected 'now' after the end of the statement "
		   "(while parsing wire expectation at 10:3)");
	ASSERT_ERR(TCP "client\n", "10:1: duplicate section 'client' (first at 7:1) (while "
		   "parsing section 'client' at 10:1)");
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  bind loopback:0\n  client > server udp\n",
		   "5:3: a packet expectation ('client > ...') belongs in the wire section (start "
		   "it with a line 'wire') (while parsing section 'server' at 3:1)");
	ASSERT_ERR("scenario t\nwire\n", "2:1: the 'transport' line must come before the wire "
		   "section (while parsing section 'wire' at 2:1)");
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  close\nwire\n", "5:1: the wire section "
		   "has no expectations");
	ASSERT_ERR("scenario t\ntransport udp\nserver\n  close\nwire now\n", "5:6: unexpected "
		   "'now' after the end of the statement (while parsing section 'wire' at 5:1)");
}

void scn_register_wire(void)
{
	static const struct nc_unit_test tests[] = {
		{ "items", test_items },
		{ "errors", test_errors },
		{ NULL, NULL },
	};
	nc_unit_suite("wire", tests);
}
