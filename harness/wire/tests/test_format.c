/* test_format.c: the one-line text form. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/cunit_main.h"
#include "wire/format.h"
#include "wire/names.h"
#include "wire/tests/frames.h"
#include "wire/tests/test_wire.h"

/* Decodes f (cut to caplen when non-zero) and formats it with ctx. */
static const char *fmt(const struct fb *f, uint32_t caplen, struct nc_fmt_ctx *ctx)
{
	static char line[512];
	struct nc_pkt p;
	nc_pkt_decode(NC_LINK_EN10MB, f->b, caplen ? caplen : (uint32_t)f->n, (uint32_t)f->n, &p);
	return nc_pkt_format_str(&p, ctx, line, sizeof(line));
}

#define ASSERT_LINE(got, want)                                                  \
	do {                                                                    \
		const char *g_ = (got);                                         \
		if (strcmp(g_, want) != 0)                                      \
			fprintf(stderr, "\n  want: %s\n  got:  %s\n", want, g_); \
		CU_ASSERT_STRING_EQUAL(g_, want);                               \
	} while (0)

/* The examples of the format's specification, byte for byte. */
static void test_spec_examples(void)
{
	struct fb f;
	struct nc_fmt_ctx *ctx = nc_fmt_ctx_new(0);
	t_frame_tcp4(&f, 41234, 50000, 3000000000u, 0, NC_TCP_SYN, T_SYN_OPTS,
		     sizeof(T_SYN_OPTS), NULL);
	ASSERT_LINE(fmt(&f, 0, ctx),
		    "127.0.0.1.41234 > 127.0.0.1.50000: Flags [S], seq 0, win 65495, options [mss "
		    "65495,sackOK,TS val 12 ecr 0,nop,wscale 7], length 0");
	t_frame_tcp4(&f, 50000, 41234, 777, 3000000001u, NC_TCP_SYN | NC_TCP_ACK, T_SYN_OPTS,
		     sizeof(T_SYN_OPTS), NULL);
	ASSERT_LINE(fmt(&f, 0, ctx),
		    "127.0.0.1.50000 > 127.0.0.1.41234: Flags [S.], seq 0, ack 1, win 65495, options "
		    "[mss 65495,sackOK,TS val 12 ecr 0,nop,wscale 7], length 0");
	t_frame_tcp4(&f, 41234, 50000, 3000000001u, 778, NC_TCP_PSH | NC_TCP_ACK, NULL, 0, "hello");
	ASSERT_LINE(fmt(&f, 0, ctx),
		    "127.0.0.1.41234 > 127.0.0.1.50000: Flags [P.], seq 1:6, ack 1, win 512, length 5");
	t_frame_tcp4(&f, 50000, 41234, 791, 3000000029u, NC_TCP_RST | NC_TCP_ACK, NULL, 0, NULL);
	ASSERT_LINE(fmt(&f, 0, ctx),
		    "127.0.0.1.50000 > 127.0.0.1.41234: Flags [R.], seq 14, ack 29, win 512, length 0");
	nc_fmt_ctx_free(ctx);

	t_frame_udp6(&f, 41234, 50000, "hello");
	ASSERT_LINE(fmt(&f, 0, NULL), "::1.41234 > ::1.50000: UDP, length 5");
	t_frame_icmp4_unreach(&f, 3, 41234, 50000, "hello");
	ASSERT_LINE(fmt(&f, 0, NULL),
		    "127.0.0.1 > 127.0.0.1: ICMP 127.0.0.1 udp port 50000 unreachable, length 41");
	t_frame_icmp6_unreach(&f, 4, 41234, 50000, "hello");
	ASSERT_LINE(fmt(&f, 0, NULL),
		    "::1 > ::1: ICMP6, destination unreachable, unreachable port, ::1 udp port 50000, "
		    "length 61");
}

static void test_absolute_and_relative(void)
{
	struct fb f;
	/* Without a context, or without a SYN, numbers are absolute. */
	t_frame_tcp4(&f, 1, 2, 1000, 2000, NC_TCP_ACK | NC_TCP_FIN, NULL, 0, NULL);
	ASSERT_LINE(fmt(&f, 0, NULL),
		    "127.0.0.1.1 > 127.0.0.1.2: Flags [F.], seq 1000, ack 2000, win 512, length 0");
	struct nc_fmt_ctx *ctx = nc_fmt_ctx_new(0);
	ASSERT_LINE(fmt(&f, 0, ctx),
		    "127.0.0.1.1 > 127.0.0.1.2: Flags [F.], seq 1000, ack 2000, win 512, length 0");

	/* Wraparound: relative numbers are mod 2^32. */
	t_frame_tcp4(&f, 3, 4, 0xfffffffe, 0, NC_TCP_SYN, NULL, 0, NULL);
	ASSERT_LINE(fmt(&f, 0, ctx), "127.0.0.1.3 > 127.0.0.1.4: Flags [S], seq 0, win 65495, length 0");
	t_frame_tcp4(&f, 3, 4, 0xffffffff, 0, NC_TCP_PSH, NULL, 0, "abcd");
	ASSERT_LINE(fmt(&f, 0, ctx),
		    "127.0.0.1.3 > 127.0.0.1.4: Flags [P], seq 1:5, win 512, length 4");
	/* Only one side's SYN seen: its reply acks relative, seqs absolute. */
	t_frame_tcp4(&f, 4, 3, 5000, 3, NC_TCP_ACK, NULL, 0, "xy");
	ASSERT_LINE(fmt(&f, 0, ctx),
		    "127.0.0.1.4 > 127.0.0.1.3: Flags [.], seq 5000:5002, ack 5, win 512, length 2");

	/* Port reuse: a SYN with a new ISN starts over. */
	t_frame_tcp4(&f, 3, 4, 123, 0, NC_TCP_SYN, NULL, 0, NULL);
	ASSERT_LINE(fmt(&f, 0, ctx), "127.0.0.1.3 > 127.0.0.1.4: Flags [S], seq 0, win 65495, length 0");
	t_frame_tcp4(&f, 4, 3, 5000, 124, NC_TCP_ACK, NULL, 0, NULL);
	ASSERT_LINE(fmt(&f, 0, ctx), "127.0.0.1.4 > 127.0.0.1.3: Flags [.], ack 1, win 512, length 0");
	nc_fmt_ctx_free(ctx);

	/* A full context leaves new flows absolute. */
	ctx = nc_fmt_ctx_new(1);
	t_frame_tcp4(&f, 10, 11, 50, 0, NC_TCP_SYN, NULL, 0, NULL);
	ASSERT_LINE(fmt(&f, 0, ctx), "127.0.0.1.10 > 127.0.0.1.11: Flags [S], seq 0, win 65495, length 0");
	t_frame_tcp4(&f, 12, 13, 50, 0, NC_TCP_SYN, NULL, 0, NULL);
	ASSERT_LINE(fmt(&f, 0, ctx), "127.0.0.1.12 > 127.0.0.1.13: Flags [S], seq 50, win 65495, length 0");
	nc_fmt_ctx_free(ctx);
}

static void test_relative_sack(void)
{
	struct fb f;
	struct nc_fmt_ctx *ctx = nc_fmt_ctx_new(0);
	t_frame_tcp4(&f, 1, 2, 1000, 0, NC_TCP_SYN, NULL, 0, NULL);
	fmt(&f, 0, ctx);
	const uint8_t sack[20] = { 1, 1, 5, 18, 0, 0, 0x03, 0xf2, 0, 0, 0x03, 0xfc, 0, 0, 0x04, 0x06, 0, 0, 0x04, 0x10 };
	t_frame_tcp4(&f, 2, 1, 70, 1001, NC_TCP_ACK, sack, sizeof(sack), NULL);
	ASSERT_LINE(fmt(&f, 0, ctx),
		    "127.0.0.1.2 > 127.0.0.1.1: Flags [.], ack 1, win 512, options "
		    "[nop,nop,sack 2 {10:20}{30:40}], length 0");
	/* Without the SYN they stay as on the wire. */
	ASSERT_LINE(fmt(&f, 0, NULL),
		    "127.0.0.1.2 > 127.0.0.1.1: Flags [.], ack 1001, win 512, options "
		    "[nop,nop,sack 2 {1010:1020}{1030:1040}], length 0");
	nc_fmt_ctx_free(ctx);
}

static void test_flags(void)
{
	char b[16];
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_str(0, b, sizeof(b)), "none");
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_str(0xff, b, sizeof(b)), "FSRP.UEW");
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_str(NC_TCP_SYN | NC_TCP_ECE | NC_TCP_CWR, b, sizeof(b)),
			       "SEW");
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_str(NC_TCP_FIN | NC_TCP_PSH | NC_TCP_ACK, b, sizeof(b)),
			       "FP.");
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_str(NC_TCP_SYN | NC_TCP_ACK, b, 2), "S");

	struct fb f;
	t_frame_tcp4(&f, 1, 2, 10, 20, NC_TCP_URG | NC_TCP_ACK, NULL, 0, "u");
	fb_set16(&f, 34 + 18, 1);
	ASSERT_LINE(fmt(&f, 0, NULL),
		    "127.0.0.1.1 > 127.0.0.1.2: Flags [.U], seq 10:11, ack 20, win 512, urg 1, length 1");
}

static void test_problems_and_suffixes(void)
{
	struct fb f;
	t_frame_tcp4(&f, 1, 2, 3, 4, NC_TCP_ACK, NULL, 0, NULL);
	ASSERT_LINE(fmt(&f, 46, NULL),
		    "127.0.0.1 > 127.0.0.1: TCP, length 20 [truncated TCP header: 12 of 20 bytes]");
	ASSERT_LINE(fmt(&f, 20, NULL), "IP, length 54 [truncated IPv4 header: 6 of 20 bytes]");
	ASSERT_LINE(fmt(&f, 9, NULL), "Ethernet, length 54 [truncated Ethernet header: 9 of 14 bytes]");

	t_frame_udp4(&f, 1, 2, "0123456789abcdefg");
	fb_set16(&f, 38, 30);
	ASSERT_LINE(fmt(&f, 0, NULL),
		    "127.0.0.1.1 > 127.0.0.1.2: UDP, length 22 [UDP length 30 does not match the IP "
		    "payload 25]");

	/* Fragments. */
	f.n = 0;
	t_eth(&f, 0x0800);
	size_t ip = t_ipv4(&f, 17, T_LO4, T_LO4);
	fb_set16(&f, ip + 6, 0x2000 | 185);
	fb_zero(&f, 100);
	t_ipv4_end(&f, ip);
	ASSERT_LINE(fmt(&f, 0, NULL), "127.0.0.1 > 127.0.0.1: ip-proto-17, length 100 (frag 4660:100@1480+)");

	/* VLAN and non-IP. */
	f.n = 0;
	t_eth(&f, 0x8100);
	fb_u16(&f, 7);
	fb_u16(&f, 0x0806);
	fb_zero(&f, 28);
	ASSERT_LINE(fmt(&f, 0, NULL), "ethertype 0x0806, length 46 (vlan 7)");
	f.n = 0;
	t_eth(&f, 38);
	fb_zero(&f, 46);
	ASSERT_LINE(fmt(&f, 0, NULL), "802.3, length 60");

	/* An undecoded protocol. */
	f.n = 0;
	t_eth(&f, 0x86dd);
	ip = t_ipv6(&f, 132, T_LO6, T_LO6);
	fb_zero(&f, 12);
	t_ipv6_end(&f, ip);
	ASSERT_LINE(fmt(&f, 0, NULL), "::1 > ::1: ip-proto-132, length 12");

	/* A cut line in a small buffer stays a terminated string. */
	char small[8];
	struct nc_pkt p;
	t_decode(&f, &p);
	CU_ASSERT_STRING_EQUAL(nc_pkt_format_str(&p, NULL, small, sizeof(small)), "::1 > :");
}

/* Builds an ICMP or ICMPv6 message of the given type, code and rest, quoting
 * a UDP datagram when quote is set. */
static void icmp(struct fb *f, int ver, uint8_t type, uint8_t code, uint32_t rest, int quote)
{
	f->n = 0;
	t_eth(f, ver == 4 ? 0x0800 : 0x86dd);
	size_t ip = ver == 4 ? t_ipv4(f, 1, T_LO4, T_LO4) : t_ipv6(f, 58, T_LO6, T_LO6);
	fb_u8(f, type);
	fb_u8(f, code);
	fb_u16(f, 0);
	fb_u32(f, rest);
	if (quote) {
		size_t q = ver == 4 ? t_ipv4(f, 17, T_LO4, T_LO4) : t_ipv6(f, 17, T_LO6, T_LO6);
		t_udp(f, 1, 53, "", 0);
		if (ver == 4)
			t_ipv4_end(f, q);
		else
			t_ipv6_end(f, q);
	}
	if (ver == 4)
		t_ipv4_end(f, ip);
	else
		t_ipv6_end(f, ip);
}

static void test_icmp_forms(void)
{
	struct fb f;
	static const struct {
		int ver;
		uint8_t type, code;
		uint32_t rest;
		int quote;
		const char *want;
	} cases[] = {
		{ 4, 8, 0, 0x00070001, 0, "ICMP echo request, id 7, seq 1, length 8" },
		{ 4, 0, 0, 0x00070002, 0, "ICMP echo reply, id 7, seq 2, length 8" },
		{ 4, 3, 0, 0, 1, "ICMP net 127.0.0.1 unreachable, length 36" },
		{ 4, 3, 1, 0, 1, "ICMP host 127.0.0.1 unreachable, length 36" },
		{ 4, 3, 2, 0, 1, "ICMP 127.0.0.1 protocol 17 unreachable, length 36" },
		{ 4, 3, 4, 1400, 1, "ICMP 127.0.0.1 unreachable - need to frag (mtu 1400), length 36" },
		{ 4, 3, 13, 0, 1, "ICMP 127.0.0.1 unreachable, code 13, length 36" },
		{ 4, 3, 3, 0, 0, "ICMP unreachable, code 3, length 8" },
		{ 4, 11, 0, 0, 1, "ICMP time exceeded in-transit, 127.0.0.1 udp port 53, length 36" },
		{ 4, 11, 1, 0, 1, "ICMP ip reassembly time exceeded, 127.0.0.1 udp port 53, length 36" },
		{ 4, 12, 0, 0x14000000, 1, "ICMP parameter problem - octet 20, 127.0.0.1 udp port 53, length 36" },
		{ 4, 5, 1, 0x0a000001, 1, "ICMP redirect to 10.0.0.1, code 1, 127.0.0.1 udp port 53, length 36" },
		{ 4, 13, 0, 0, 0, "ICMP type 13, code 0, length 8" },
		{ 6, 128, 0, 0x00070001, 0, "ICMP6, echo request, id 7, seq 1, length 8" },
		{ 6, 129, 0, 0x00070001, 0, "ICMP6, echo reply, id 7, seq 1, length 8" },
		{ 6, 1, 0, 0, 1, "ICMP6, destination unreachable, unreachable route, ::1 udp port 53, length 56" },
		{ 6, 1, 3, 0, 1, "ICMP6, destination unreachable, unreachable address, ::1 udp port 53, length 56" },
		{ 6, 1, 9, 0, 0, "ICMP6, destination unreachable, code 9, length 8" },
		{ 6, 2, 0, 1280, 1, "ICMP6, packet too big, mtu 1280, ::1 udp port 53, length 56" },
		{ 6, 3, 0, 0, 1, "ICMP6, time exceeded in-transit, ::1 udp port 53, length 56" },
		{ 6, 3, 1, 0, 0, "ICMP6, time exceeded reassembly, length 8" },
		{ 6, 4, 1, 40, 1, "ICMP6, parameter problem, unrecognized next header, pointer 40, ::1 udp port 53, length 56" },
		{ 6, 135, 0, 0, 0, "ICMP6, neighbor solicitation, length 8" },
		{ 6, 200, 1, 0, 0, "ICMP6, type 200, code 1, length 8" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		icmp(&f, cases[i].ver, cases[i].type, cases[i].code, cases[i].rest, cases[i].quote);
		const char *line = fmt(&f, 0, NULL);
		const char *body = strstr(line, ": ");
		CU_ASSERT_PTR_NOT_NULL_FATAL(body);
		ASSERT_LINE(body + 2, cases[i].want);
	}
}

/* Values by name, for the messages that say which field differed. */
static void test_names(void)
{
	char b[96];
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_names(NC_TCP_SYN | NC_TCP_ACK, b, sizeof(b)), "SYN+ACK");
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_names(NC_TCP_RST | NC_TCP_ACK, b, sizeof(b)), "RST+ACK");
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_names(0, b, sizeof(b)), "no flags");
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_names(0xff, b, sizeof(b)),
			       "FIN+SYN+RST+PSH+ACK+URG+ECE+CWR");
	/* Cut to fit, never past the buffer. */
	CU_ASSERT_STRING_EQUAL(nc_tcp_flags_names(NC_TCP_SYN | NC_TCP_ACK, b, 6), "SYN+A");
	CU_ASSERT_STRING_EQUAL(nc_icmp_names(4, 3, 3, b, sizeof(b)),
			       "destination unreachable, port unreachable (type 3, code 3)");
	CU_ASSERT_STRING_EQUAL(nc_icmp_names(4, 3, 1, b, sizeof(b)),
			       "destination unreachable, host unreachable (type 3, code 1)");
	CU_ASSERT_STRING_EQUAL(nc_icmp_names(6, 1, 4, b, sizeof(b)),
			       "destination unreachable, port unreachable (type 1, code 4)");
	CU_ASSERT_STRING_EQUAL(nc_icmp_names(6, 128, 0, b, sizeof(b)),
			       "echo request (type 128, code 0)");
	/* A code past the named ones, and a type nobody named. */
	CU_ASSERT_STRING_EQUAL(nc_icmp_names(4, 3, 99, b, sizeof(b)),
			       "destination unreachable (type 3, code 99)");
	CU_ASSERT_STRING_EQUAL(nc_icmp_names(4, 42, 1, b, sizeof(b)), "type 42, code 1");
}

void t_register_format(void)
{
	static const struct nc_unit_test tests[] = {
		{ "specification examples", test_spec_examples },
		{ "absolute and relative seq", test_absolute_and_relative },
		{ "relative SACK edges", test_relative_sack },
		{ "flags", test_flags },
		{ "problems and suffixes", test_problems_and_suffixes },
		{ "ICMP forms", test_icmp_forms },
		{ "names of values", test_names },
		{ NULL, NULL },
	};
	nc_unit_suite("format", tests);
}
