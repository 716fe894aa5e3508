/* test_decode.c: the per-layer decoders, on hand-built frames. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/tests/frames.h"
#include "wire/tests/test_wire.h"
#include "tests/unit/cunit_main.h"
#include "wire/packet.h"

#define ALL_LAYERS (NC_LAYER_LINK | NC_LAYER_NET | NC_LAYER_TRANS | NC_LAYER_PAYLOAD)

static void test_udp4(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_udp4(&f, 41234, 50000, "hello");
	/* Every field is written, whatever the packet held before: where the
	 * frame was in the capture is the caller's to set afterwards. */
	memset(&p, 0xa5, sizeof(p));
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_EN10MB, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), 0);
	CU_ASSERT_EQUAL(p.index, 0);
	CU_ASSERT_EQUAL(p.ts_ns, 0);
	CU_ASSERT_FALSE(p.quote.present);
	CU_ASSERT_FALSE(p.has_vlan);
	CU_ASSERT_EQUAL(p.problem[0], 0);
	CU_ASSERT_EQUAL(p.layers, ALL_LAYERS);
	CU_ASSERT_EQUAL(p.pkttype, -1);
	CU_ASSERT_EQUAL(p.ethertype, 0x0800);
	CU_ASSERT_EQUAL(p.ipver, 4);
	CU_ASSERT_EQUAL(memcmp(p.src, T_LO4, 4), 0);
	CU_ASSERT_EQUAL(memcmp(p.dst, T_LO4, 4), 0);
	CU_ASSERT_EQUAL(p.ttl, 64);
	CU_ASSERT_EQUAL(p.ip_id, 0x1234);
	CU_ASSERT(p.df);
	CU_ASSERT(!p.mf);
	CU_ASSERT(!p.fragment);
	CU_ASSERT(!p.ip_csum_bad);
	CU_ASSERT_EQUAL(p.ip_proto, 17);
	CU_ASSERT_EQUAL(p.ip_payload_len, 13);
	CU_ASSERT_EQUAL(p.net_off, 14);
	CU_ASSERT_EQUAL(p.trans_off, 34);
	CU_ASSERT_EQUAL(p.l4, 17);
	CU_ASSERT_EQUAL(p.sport, 41234);
	CU_ASSERT_EQUAL(p.dport, 50000);
	CU_ASSERT_EQUAL(p.udp_len, 13);
	CU_ASSERT_EQUAL(p.payload_len, 5);
	CU_ASSERT_EQUAL(p.payload_wire_len, 5);
	CU_ASSERT(p.payload == f.b + 42);
	CU_ASSERT_STRING_EQUAL(p.problem, "");
	CU_ASSERT(!p.truncated && !p.malformed);
}

static void test_udp6(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_udp6(&f, 41234, 50000, "bye");
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.ipver, 6);
	CU_ASSERT_EQUAL(memcmp(p.src, T_LO6, 16), 0);
	CU_ASSERT_EQUAL(p.ttl, 64);
	CU_ASSERT_EQUAL(p.ip_payload_len, 11);
	CU_ASSERT_EQUAL(p.trans_off, 54);
	CU_ASSERT_EQUAL(p.ip6_ext_count, 0);
	CU_ASSERT_EQUAL(p.payload_len, 3);
	CU_ASSERT_EQUAL(memcmp(p.payload, "bye", 3), 0);
}

static void test_tcp4_syn_options(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_tcp4(&f, 41234, 50000, 1000, 0, NC_TCP_SYN, T_SYN_OPTS, sizeof(T_SYN_OPTS), NULL);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.l4, 6);
	CU_ASSERT_EQUAL(p.seq, 1000);
	CU_ASSERT_EQUAL(p.tcp_flags, NC_TCP_SYN);
	CU_ASSERT_EQUAL(p.tcp_hlen, 40);
	CU_ASSERT_EQUAL(p.win, 65495);
	CU_ASSERT(p.opts.has_mss && p.opts.mss == 65495);
	CU_ASSERT(p.opts.sack_ok);
	CU_ASSERT(p.opts.has_ts && p.opts.ts_val == 12 && p.opts.ts_ecr == 0);
	CU_ASSERT(p.opts.has_wscale && p.opts.wscale == 7);
	CU_ASSERT_STRING_EQUAL(p.opts.text, "mss 65495,sackOK,TS val 12 ecr 0,nop,wscale 7");
	CU_ASSERT_EQUAL(p.payload_len, 0);
	CU_ASSERT_EQUAL(p.payload_wire_len, 0);
}

static void test_tcp6_data_flags(void)
{
	struct fb f;
	struct nc_pkt p;
	uint8_t flags = NC_TCP_PSH | NC_TCP_ACK | NC_TCP_URG | NC_TCP_ECE | NC_TCP_CWR;
	t_frame_tcp6(&f, 50000, 41234, 0xfffffffe, 77, flags, NULL, 0, "abcdef");
	fb_set16(&f, 54 + 18, 3); /* urgent pointer */
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.tcp_flags, flags);
	CU_ASSERT_EQUAL(p.seq, 0xfffffffe);
	CU_ASSERT_EQUAL(p.ack, 77);
	CU_ASSERT_EQUAL(p.urg, 3);
	CU_ASSERT_EQUAL(p.tcp_hlen, 20);
	CU_ASSERT_STRING_EQUAL(p.opts.text, "");
	CU_ASSERT_EQUAL(p.payload_len, 6);
	CU_ASSERT_EQUAL(memcmp(p.payload, "abcdef", 6), 0);
}

/* Cuts every sample frame at every length below its size, in a heap block
 * of exactly that size (so a sanitizer sees any read past it), and checks
 * that a cut inside the headers is reported as truncated and a cut inside
 * the payload shortens the payload without a problem. */
static void test_truncation_everywhere(void)
{
	struct t_sample samples[32];
	size_t n = t_samples(samples, 32);
	CU_ASSERT_FATAL(n >= 10);
	for (size_t i = 0; i < n; i++) {
		const struct t_sample *s = &samples[i];
		struct nc_pkt full;
		CU_ASSERT_EQUAL_FATAL(nc_pkt_decode(s->link, s->f.b, (uint32_t)s->f.n,
						    (uint32_t)s->f.n, &full),
				      0);
		size_t hdr_end = full.payload ? (size_t)(full.payload - s->f.b) : s->f.n;
		for (size_t cut = 0; cut < s->f.n; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);
			memcpy(copy, s->f.b, cut);
			struct nc_pkt p;
			memset(&p, 0xa5, sizeof(p));
			int rc = nc_pkt_decode(s->link, copy, (uint32_t)cut, (uint32_t)s->f.n, &p);
			if (cut < hdr_end) {
				if (!p.truncated || rc != -1 || p.malformed) {
					fprintf(stderr, "\n%s cut at %zu: %s\n", s->name, cut, p.problem);
					CU_FAIL("a cut inside the headers is not reported as truncated");
				}
				CU_ASSERT(strncmp(p.problem, "truncated ", 10) == 0);
			} else {
				if (rc != 0 || p.truncated) {
					fprintf(stderr, "\n%s cut at %zu: %s\n", s->name, cut, p.problem);
					CU_FAIL("a cut inside the payload is reported as a problem");
				}
				CU_ASSERT_EQUAL(p.payload_len, cut - hdr_end);
				CU_ASSERT_EQUAL(p.payload_wire_len, full.payload_wire_len);
			}
			free(copy);
		}
	}
}

static void test_truncated_message(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_tcp4(&f, 1, 2, 3, 4, NC_TCP_ACK, NULL, 0, NULL);
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_EN10MB, f.b, 34 + 12, (uint32_t)f.n, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "truncated TCP header: 12 of 20 bytes");
	CU_ASSERT_EQUAL(p.layers, NC_LAYER_LINK | NC_LAYER_NET);
	CU_ASSERT_EQUAL(p.l4, 6);

	t_frame_tcp4(&f, 1, 2, 3, 4, NC_TCP_SYN, T_SYN_OPTS, sizeof(T_SYN_OPTS), NULL);
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_EN10MB, f.b, 34 + 24, (uint32_t)f.n, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "truncated TCP header: 24 of 40 bytes");
	CU_ASSERT_EQUAL(p.layers, NC_LAYER_LINK | NC_LAYER_NET | NC_LAYER_TRANS);
	CU_ASSERT_EQUAL(p.tcp_flags, NC_TCP_SYN);

	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_EN10MB, f.b, 20, (uint32_t)f.n, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "truncated IPv4 header: 6 of 20 bytes");
	CU_ASSERT_EQUAL(p.ipver, 4);
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_EN10MB, f.b, 5, (uint32_t)f.n, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "truncated Ethernet header: 5 of 14 bytes");
	CU_ASSERT_EQUAL(p.layers, 0);

	/* A frame that is itself shorter than the header is malformed. */
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_EN10MB, f.b, 10, 10, &p), -1);
	CU_ASSERT(p.malformed && !p.truncated);
	CU_ASSERT_STRING_EQUAL(p.problem, "short Ethernet header: 10 of 14 bytes");

	/* No frame at all. */
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_EN10MB, NULL, 100, 100, &p), -1);
	CU_ASSERT_EQUAL(p.caplen, 0);
	CU_ASSERT(p.truncated);
}

static void test_snaplen_payload(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_udp4(&f, 1, 2, "0123456789");
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_EN10MB, f.b, 45, (uint32_t)f.n, &p), 0);
	CU_ASSERT_EQUAL(p.payload_len, 3);
	CU_ASSERT_EQUAL(p.payload_wire_len, 10);
	CU_ASSERT(!p.truncated && !p.malformed);
}

static void test_ipv4_bad_ihl(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_udp4(&f, 1, 2, "x");
	f.b[14] = 0x44;
	t_ipv4_csum(&f, 14);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT(p.malformed);
	CU_ASSERT_STRING_EQUAL(p.problem, "IPv4 header length 16 is less than 20");
	CU_ASSERT_EQUAL(p.layers, NC_LAYER_LINK);
	CU_ASSERT_EQUAL(p.l4, 0);

	/* IHL 15: 60 bytes of header in a 29-byte packet. */
	t_frame_udp4(&f, 1, 2, "x");
	f.b[14] = 0x4f;
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem,
			       "IPv4 total length 29 is less than the header length 60");

	t_frame_udp4(&f, 1, 2, "x");
	f.b[14] = 0x65;
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "IP version 6 in an IPv4 packet");
}

static void test_ipv4_options(void)
{
	struct fb f;
	struct nc_pkt p;
	f.n = 0;
	t_eth(&f, 0x0800);
	size_t ip = t_ipv4(&f, 17, T_LO4, T_LO4);
	f.b[ip] = 0x46;
	fb_u32(&f, 0x01010100); /* nop, nop, nop, eol */
	t_udp(&f, 7, 9, "ab", 2);
	t_ipv4_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.trans_off, 38);
	CU_ASSERT_EQUAL(p.sport, 7);
	CU_ASSERT_EQUAL(p.payload_len, 2);
}

static void test_ipv4_total_length(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_udp4(&f, 1, 2, "hello");
	fb_set16(&f, 16, 60);
	t_ipv4_csum(&f, 14);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "IPv4 total length 60 exceeds the 33 bytes of the frame");
	CU_ASSERT(!(p.layers & NC_LAYER_NET));

	/* Ethernet padding after the datagram is ignored. */
	t_frame_udp4(&f, 1, 2, "hi");
	fb_zero(&f, 60 - f.n);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.ip_payload_len, 10);
	CU_ASSERT_EQUAL(p.payload_len, 2);
}

static void test_ipv4_checksum(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_udp4(&f, 1, 2, "hello");
	uint16_t good = (uint16_t)(f.b[24] << 8 | f.b[25]);
	fb_set16(&f, 24, (uint16_t)(good ^ 0x0101));
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT(p.ip_csum_bad);
	CU_ASSERT(p.malformed);
	char want[80];
	snprintf(want, sizeof(want), "bad IPv4 header checksum 0x%04x, expected 0x%04x",
		 good ^ 0x0101, good);
	CU_ASSERT_STRING_EQUAL(p.problem, want);
	/* Decoding went on. */
	CU_ASSERT_EQUAL(p.l4, 17);
	CU_ASSERT_EQUAL(p.payload_len, 5);
}

static void test_ipv4_fragments(void)
{
	struct fb f;
	struct nc_pkt p;
	/* First fragment: MF, the UDP length counts the whole datagram. */
	f.n = 0;
	t_eth(&f, 0x0800);
	size_t ip = t_ipv4(&f, 17, T_LO4, T_LO4);
	fb_set16(&f, ip + 6, 0x2000);
	t_udp(&f, 5, 6, "0123456789abcdef", 16);
	fb_set16(&f, ip + 20 + 4, 100);
	t_ipv4_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT(p.fragment && p.mf && !p.df);
	CU_ASSERT_EQUAL(p.frag_off, 0);
	CU_ASSERT_EQUAL(p.frag_id, 0x1234);
	CU_ASSERT_EQUAL(p.l4, 17);
	CU_ASSERT_EQUAL(p.udp_len, 100);
	CU_ASSERT_EQUAL(p.payload_wire_len, 16);

	/* A later fragment: not decoded past IP. */
	fb_set16(&f, ip + 6, 3); /* offset 24 bytes, last */
	t_ipv4_csum(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT(p.fragment && !p.mf);
	CU_ASSERT_EQUAL(p.frag_off, 24);
	CU_ASSERT_EQUAL(p.l4, 0);
	CU_ASSERT_EQUAL(p.ip_proto, 17);
	CU_ASSERT_EQUAL(p.layers, NC_LAYER_LINK | NC_LAYER_NET);
	CU_ASSERT_EQUAL(p.trans_off, 34);
}

static void test_udp_length(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_udp4(&f, 1, 2, "0123456789abcdefg");
	fb_set16(&f, 38, 30);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT(p.malformed && !p.truncated);
	CU_ASSERT_STRING_EQUAL(p.problem, "UDP length 30 does not match the IP payload 25");
	CU_ASSERT_EQUAL(p.payload_wire_len, 17);

	/* Shorter than the payload: the field says where the data ends. */
	fb_set16(&f, 38, 12);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "UDP length 12 does not match the IP payload 25");
	CU_ASSERT_EQUAL(p.payload_wire_len, 4);

	fb_set16(&f, 38, 4);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "UDP length 4 is less than 8");

	/* IP payload shorter than the UDP header. */
	t_frame_udp4(&f, 1, 2, "");
	f.n -= 3;
	fb_set16(&f, 16, 25);
	t_ipv4_csum(&f, 14);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "short UDP header: 5 of 8 bytes");
}

static void test_tcp_data_offset(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_tcp4(&f, 1, 2, 3, 4, NC_TCP_ACK, NULL, 0, "data");
	f.b[46] = 0x40 | (f.b[46] & 0x0f);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "TCP data offset 16 is less than 20");
	CU_ASSERT(p.layers & NC_LAYER_TRANS);
	CU_ASSERT(!(p.layers & NC_LAYER_PAYLOAD));

	f.b[46] = 0xf0 | (f.b[46] & 0x0f);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "TCP data offset 60 exceeds the segment length 24");

	f.b[46] = 0x60 | (f.b[46] & 0x0f);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "TCP option 100 length 97 overruns the options (4 bytes left)");
	CU_ASSERT_EQUAL(p.payload_len, 0);
}

/* Decodes a TCP frame with the given options and returns the packet. */
static int tcp_opts(const uint8_t *opts, size_t n, struct nc_pkt *p)
{
	static struct fb f;
	t_frame_tcp4(&f, 1, 2, 3, 4, NC_TCP_ACK, opts, n, "z");
	return t_decode(&f, p);
}

static void test_tcp_option_lengths(void)
{
	struct nc_pkt p;
	const uint8_t zero[4] = { 1, 8, 0, 0 };
	CU_ASSERT_EQUAL(tcp_opts(zero, 4, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "TCP option 8 has length 0");
	CU_ASSERT_STRING_EQUAL(p.opts.text, "nop");
	/* The payload is still found: the data offset says where it is. */
	CU_ASSERT_EQUAL(p.payload_len, 1);

	const uint8_t one[4] = { 254, 1, 1, 1 };
	CU_ASSERT_EQUAL(tcp_opts(one, 4, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "TCP option 254 has length 1");

	const uint8_t over[8] = { 1, 1, 8, 10, 0, 0, 0, 1 };
	CU_ASSERT_EQUAL(tcp_opts(over, 8, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "TCP option 8 length 10 overruns the options (6 bytes left)");
	CU_ASSERT(!p.opts.has_ts);

	const uint8_t nolen[4] = { 1, 1, 1, 2 };
	CU_ASSERT_EQUAL(tcp_opts(nolen, 4, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "TCP option 2 has no length byte");

	const uint8_t badmss[8] = { 2, 5, 1, 2, 3, 1, 1, 1 };
	CU_ASSERT_EQUAL(tcp_opts(badmss, 8, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "TCP option mss has length 5, expected 4");
	CU_ASSERT_STRING_EQUAL(p.opts.text, "opt-2 len 5,nop,nop,nop");
	CU_ASSERT(!p.opts.has_mss);

	const uint8_t badsack[4] = { 5, 4, 0, 0 };
	CU_ASSERT_EQUAL(tcp_opts(badsack, 4, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "TCP option sack has length 4, not 2 + 8n");
}

static void test_tcp_options_known(void)
{
	struct nc_pkt p;
	/* nop, nop, SACK with two blocks, then an unknown option (TFO cookie),
	 * then EOL and padding that must not be read as options. */
	const uint8_t o[32] = { 1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 5,
				34, 6, 0xaa, 0xbb, 0xcc, 0xdd, 0, 2, 4, 1, 1, 1 };
	CU_ASSERT_EQUAL(tcp_opts(o, 32, &p), 0);
	CU_ASSERT_EQUAL(p.opts.nsack, 2);
	CU_ASSERT_EQUAL(p.opts.sack[0][0], 10);
	CU_ASSERT_EQUAL(p.opts.sack[0][1], 20);
	CU_ASSERT_EQUAL(p.opts.sack[1][0], 0xfffffff0);
	CU_ASSERT_EQUAL(p.opts.sack[1][1], 5);
	CU_ASSERT(!p.opts.has_mss);
	CU_ASSERT_STRING_EQUAL(p.opts.text, "nop,nop,sack 2 {10:20}{4294967280:5},opt-34 len 6,eol");

	/* Forty NOPs fill the text exactly; nothing is cut. */
	uint8_t nops[40];
	memset(nops, 1, sizeof(nops));
	CU_ASSERT_EQUAL(tcp_opts(nops, 40, &p), 0);
	CU_ASSERT_EQUAL(strlen(p.opts.text), 159);

	/* Twenty unknown two-byte options overflow it: the text says so. */
	uint8_t many[40];
	for (int i = 0; i < 40; i += 2) {
		many[i] = 200;
		many[i + 1] = 2;
	}
	CU_ASSERT_EQUAL(tcp_opts(many, 40, &p), 0);
	size_t len = strlen(p.opts.text);
	CU_ASSERT(len < sizeof(p.opts.text));
	CU_ASSERT_STRING_EQUAL(p.opts.text + len - 3, "...");
}

static void test_ipv6_extension_chain(void)
{
	struct fb f;
	struct nc_pkt p;
	f.n = 0;
	t_eth(&f, 0x86dd);
	size_t ip = t_ipv6(&f, 0, T_LO6, T_LO6);
	/* hop-by-hop (8 bytes): next = destination options, PadN */
	fb_u8(&f, 60);
	fb_u8(&f, 0);
	fb_bytes(&f, "\x01\x04\0\0\0\0", 6);
	/* destination options (16 bytes): next = routing */
	fb_u8(&f, 43);
	fb_u8(&f, 1);
	fb_bytes(&f, "\x01\x0c\0\0\0\0\0\0\0\0\0\0\0\0", 14);
	/* routing (8 bytes, type 0 with no segments left): next = fragment */
	fb_u8(&f, 44);
	fb_u8(&f, 0);
	fb_bytes(&f, "\0\0\0\0\0\0", 6);
	/* fragment (offset 0, M set): next = UDP */
	fb_u8(&f, 17);
	fb_u8(&f, 0);
	fb_u16(&f, 1);
	fb_u32(&f, 0xdeadbeef);
	t_udp(&f, 9, 10, "chunk", 5);
	fb_set16(&f, f.n - 5 - 4, 1000); /* the UDP length counts the whole datagram */
	t_ipv6_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_STRING_EQUAL(p.problem, "");
	CU_ASSERT_EQUAL(p.ip6_ext_count, 4);
	CU_ASSERT_EQUAL(p.ip6_ext[0], 0);
	CU_ASSERT_EQUAL(p.ip6_ext[1], 60);
	CU_ASSERT_EQUAL(p.ip6_ext[2], 43);
	CU_ASSERT_EQUAL(p.ip6_ext[3], 44);
	CU_ASSERT(p.fragment && p.mf);
	CU_ASSERT_EQUAL(p.frag_id, 0xdeadbeef);
	CU_ASSERT_EQUAL(p.frag_off, 0);
	CU_ASSERT_EQUAL(p.ip_proto, 17);
	CU_ASSERT_EQUAL(p.ip_payload_len, 13);
	CU_ASSERT_EQUAL(p.trans_off, 14 + 40 + 40);
	CU_ASSERT_EQUAL(p.sport, 9);
	CU_ASSERT_EQUAL(p.payload_len, 5);

	/* The same chain as a later fragment stops at the fragment header. */
	fb_set16(&f, 14 + 40 + 32 + 2, (uint16_t)(185 << 3));
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.frag_off, 1480);
	CU_ASSERT(!p.mf);
	CU_ASSERT_EQUAL(p.l4, 0);
	CU_ASSERT_EQUAL(p.ip_proto, 17);

	/* Hop-by-hop anywhere but first is reported; the walk goes on. */
	f.b[14 + 6] = 60;
	f.b[14 + 40] = 0;
	f.b[14 + 48] = 43;
	fb_set16(&f, 14 + 40 + 32 + 2, 1);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "IPv6 hop-by-hop header is not the first header");
	CU_ASSERT_EQUAL(p.l4, 17);
}

static void test_ipv6_bad_chains(void)
{
	struct fb f;
	struct nc_pkt p;
	/* A routing header claiming more bytes than the payload has. */
	f.n = 0;
	t_eth(&f, 0x86dd);
	size_t ip = t_ipv6(&f, 43, T_LO6, T_LO6);
	fb_u8(&f, 17);
	fb_u8(&f, 4);
	fb_zero(&f, 6);
	t_ipv6_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "IPv6 routing header of 40 bytes exceeds the 8 bytes left");

	/* No Next Header: nothing after it is decoded. */
	f.n = 0;
	t_eth(&f, 0x86dd);
	ip = t_ipv6(&f, 59, T_LO6, T_LO6);
	fb_bytes(&f, "junk", 4);
	t_ipv6_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.ip_proto, 59);
	CU_ASSERT_EQUAL(p.l4, 0);
	CU_ASSERT_EQUAL(p.ip_payload_len, 4);

	/* Payload length beyond the frame. */
	fb_set16(&f, 18, 400);
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "IPv6 payload length 400 exceeds the 4 bytes after the header");

	/* Wrong version. */
	f.b[14] = 0x40;
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "IP version 4 in an IPv6 packet");
}

static void test_icmp4_errors(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_icmp4_unreach(&f, 3, 41234, 50000, "hello");
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.l4, 1);
	CU_ASSERT_EQUAL(p.icmp_type, 3);
	CU_ASSERT_EQUAL(p.icmp_code, 3);
	CU_ASSERT_EQUAL(p.ip_payload_len, 41);
	CU_ASSERT(p.quote.present);
	CU_ASSERT_EQUAL(p.quote.ipver, 4);
	CU_ASSERT_EQUAL(p.quote.l4, 17);
	CU_ASSERT(p.quote.has_ports);
	CU_ASSERT_EQUAL(p.quote.sport, 41234);
	CU_ASSERT_EQUAL(p.quote.dport, 50000);
	CU_ASSERT(!p.quote.has_seq);
	CU_ASSERT_EQUAL(memcmp(p.quote.dst, T_LO4, 4), 0);

	/* Time exceeded quoting a TCP header: ports and sequence number. */
	f.n = 0;
	t_eth(&f, 0x0800);
	size_t ip = t_ipv4(&f, 1, T_LO4, T_LO4);
	fb_u8(&f, 11);
	fb_u8(&f, 0);
	fb_u16(&f, 0);
	fb_u32(&f, 0);
	size_t q = t_ipv4(&f, 6, T_LO4, T_LO4);
	fb_u16(&f, 1111);
	fb_u16(&f, 2222);
	fb_u32(&f, 0x01020304);
	fb_set16(&f, q + 2, 60);
	t_ipv4_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.icmp_type, 11);
	CU_ASSERT(p.quote.has_ports && p.quote.has_seq);
	CU_ASSERT_EQUAL(p.quote.seq, 0x01020304);
	CU_ASSERT_EQUAL(p.quote.l4, 6);

	/* A quote too short for an IP header is simply absent. */
	f.n = 0;
	t_eth(&f, 0x0800);
	ip = t_ipv4(&f, 1, T_LO4, T_LO4);
	fb_bytes(&f, "\x03\x03\0\0\0\0\0\0\x45\0\0\0", 12);
	t_ipv4_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT(!p.quote.present);

	/* Echo: id and seq in icmp_rest, data as payload. */
	f.n = 0;
	t_eth(&f, 0x0800);
	ip = t_ipv4(&f, 1, T_LO4, T_LO4);
	fb_bytes(&f, "\x08\0\0\0\0\x07\0\x01ping", 12);
	t_ipv4_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.icmp_rest, 0x00070001);
	CU_ASSERT(!p.quote.present);
	CU_ASSERT_EQUAL(p.payload_len, 4);
}

static void test_icmp6_errors(void)
{
	struct fb f;
	struct nc_pkt p;
	t_frame_icmp6_unreach(&f, 4, 41234, 50000, "hello");
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.l4, 58);
	CU_ASSERT_EQUAL(p.icmp_type, 1);
	CU_ASSERT_EQUAL(p.icmp_code, 4);
	CU_ASSERT_EQUAL(p.ip_payload_len, 61);
	CU_ASSERT(p.quote.present && p.quote.ipver == 6 && p.quote.l4 == 17);
	CU_ASSERT(p.quote.has_ports && p.quote.dport == 50000);

	/* A quoted packet with a destination options header before UDP. */
	f.n = 0;
	t_eth(&f, 0x86dd);
	size_t ip = t_ipv6(&f, 58, T_LO6, T_LO6);
	fb_bytes(&f, "\x01\x04\0\0\0\0\0\0", 8);
	size_t q = t_ipv6(&f, 60, T_LO6, T_LO6);
	fb_u8(&f, 17);
	fb_u8(&f, 0);
	fb_zero(&f, 6);
	t_udp(&f, 1234, 4321, "x", 1);
	t_ipv6_end(&f, q);
	t_ipv6_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT(p.quote.present && p.quote.l4 == 17 && p.quote.has_ports);
	CU_ASSERT_EQUAL(p.quote.sport, 1234);
	CU_ASSERT_EQUAL(p.quote.dport, 4321);

	/* Packet too big: the MTU in icmp_rest. */
	f.n = 0;
	t_eth(&f, 0x86dd);
	ip = t_ipv6(&f, 58, T_LO6, T_LO6);
	fb_bytes(&f, "\x02\0\0\0\0\0\x05\x00", 8);
	t_ipv6_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.icmp_rest, 1280);
	CU_ASSERT(!p.quote.present);
}

static void test_sll(void)
{
	struct t_sample s[32];
	size_t n = t_samples(s, 32);
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		struct nc_pkt p;
		if (s[i].link == NC_LINK_LINUX_SLL) {
			CU_ASSERT_EQUAL(nc_pkt_decode(s[i].link, s[i].f.b, (uint32_t)s[i].f.n,
						      (uint32_t)s[i].f.n, &p),
					0);
			CU_ASSERT_EQUAL(p.pkttype, 4);
			CU_ASSERT_EQUAL(p.ethertype, 0x0800);
			CU_ASSERT_EQUAL(p.net_off, 16);
			CU_ASSERT_EQUAL(p.l4, 17);
			seen |= 1;
		} else if (s[i].link == NC_LINK_LINUX_SLL2) {
			CU_ASSERT_EQUAL(nc_pkt_decode(s[i].link, s[i].f.b, (uint32_t)s[i].f.n,
						      (uint32_t)s[i].f.n, &p),
					0);
			CU_ASSERT_EQUAL(p.pkttype, 0);
			CU_ASSERT_EQUAL(p.ifindex, 1);
			CU_ASSERT_EQUAL(p.ethertype, 0x86dd);
			CU_ASSERT_EQUAL(p.net_off, 20);
			CU_ASSERT_EQUAL(p.l4, 6);
			seen |= 2;
		}
	}
	CU_ASSERT_EQUAL(seen, 3);
}

static void test_link_variants(void)
{
	struct fb f;
	struct nc_pkt p;
	/* 802.1Q tagged. */
	f.n = 0;
	t_eth(&f, 0x8100);
	fb_u16(&f, 0x2064); /* priority 1, VLAN 100 */
	fb_u16(&f, 0x0800);
	size_t ip = t_ipv4(&f, 17, T_LO4, T_LO4);
	t_udp(&f, 1, 2, "v", 1);
	t_ipv4_end(&f, ip);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT(p.has_vlan);
	CU_ASSERT_EQUAL(p.vlan, 100);
	CU_ASSERT_EQUAL(p.net_off, 18);
	CU_ASSERT_EQUAL(p.payload_len, 1);

	/* ARP is not decoded, and that is not a problem. */
	f.n = 0;
	t_eth(&f, 0x0806);
	fb_zero(&f, 28);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.layers, NC_LAYER_LINK);
	CU_ASSERT_EQUAL(p.ethertype, 0x0806);
	CU_ASSERT_EQUAL(p.ipver, 0);

	/* An 802.3 length field. */
	f.n = 0;
	t_eth(&f, 46);
	fb_zero(&f, 46);
	CU_ASSERT_EQUAL(t_decode(&f, &p), 0);
	CU_ASSERT_EQUAL(p.ipver, 0);

	/* Raw IP, as DLT_RAW and LINKTYPE_RAW. */
	t_frame_udp6(&f, 3, 4, "raw");
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_RAW, f.b + 14, (uint32_t)f.n - 14,
				      (uint32_t)f.n - 14, &p),
			0);
	CU_ASSERT_EQUAL(p.ipver, 6);
	CU_ASSERT_EQUAL(p.payload_len, 3);
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_DLT_RAW, f.b + 14, (uint32_t)f.n - 14,
				      (uint32_t)f.n - 14, &p),
			0);
	CU_ASSERT_EQUAL(p.net_off, 0);
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_RAW, (const uint8_t *)"\x20", 1, 1, &p), -1);
	CU_ASSERT_STRING_EQUAL(p.problem, "raw IP packet with IP version 2");

	/* A link type that is not decoded. */
	CU_ASSERT_EQUAL(nc_pkt_decode(105, f.b, (uint32_t)f.n, (uint32_t)f.n, &p), 0);
	CU_ASSERT_EQUAL(p.layers, 0);
	CU_ASSERT_STRING_EQUAL(p.problem, "");

	/* caplen above wirelen: the captured bytes win. */
	t_frame_udp4(&f, 1, 2, "ok");
	CU_ASSERT_EQUAL(nc_pkt_decode(NC_LINK_EN10MB, f.b, (uint32_t)f.n, 3, &p), 0);
	CU_ASSERT_EQUAL(p.payload_len, 2);
}

static void test_problems_accumulate(void)
{
	struct fb f;
	struct nc_pkt p;
	/* A bad checksum and a bad UDP length: both are reported. */
	t_frame_udp4(&f, 1, 2, "12345");
	fb_set16(&f, 38, 30);
	f.b[24] ^= 0xff;
	CU_ASSERT_EQUAL(t_decode(&f, &p), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(p.problem, "bad IPv4 header checksum"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p.problem, "; UDP length 30 does not match the IP payload 13"));
}

void t_register_decode(void)
{
	static const struct nc_unit_test tests[] = {
		{ "udp4", test_udp4 },
		{ "udp6", test_udp6 },
		{ "tcp4 SYN options", test_tcp4_syn_options },
		{ "tcp6 data and flags", test_tcp6_data_flags },
		{ "truncation at every length", test_truncation_everywhere },
		{ "truncation messages", test_truncated_message },
		{ "payload cut by snap length", test_snaplen_payload },
		{ "IPv4 bad IHL and version", test_ipv4_bad_ihl },
		{ "IPv4 options skipped", test_ipv4_options },
		{ "IPv4 total length", test_ipv4_total_length },
		{ "IPv4 header checksum", test_ipv4_checksum },
		{ "IPv4 fragments", test_ipv4_fragments },
		{ "UDP length", test_udp_length },
		{ "TCP data offset", test_tcp_data_offset },
		{ "TCP option lengths", test_tcp_option_lengths },
		{ "TCP options known and unknown", test_tcp_options_known },
		{ "IPv6 extension chain", test_ipv6_extension_chain },
		{ "IPv6 bad chains", test_ipv6_bad_chains },
		{ "ICMP errors and echo", test_icmp4_errors },
		{ "ICMPv6 errors", test_icmp6_errors },
		{ "SLL and SLL2", test_sll },
		{ "VLAN, ARP, 802.3, raw, unknown link", test_link_variants },
		{ "problems accumulate", test_problems_accumulate },
		{ NULL, NULL },
	};
	nc_unit_suite("decode", tests);
}
