/* test_impair.c: unit tests of the impairment engine: the generators
 * against their published outputs, the filter, the decisions for a given
 * seed and frame sequence (known answers computed from the documented
 * streams by an independent implementation), the timing queue, and the
 * event records. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "impair/engine.h"
#include "impair/event.h"
#include "impair/filter.h"
#include "impair/prng.h"
#include "impair/sched.h"
#include "tests/unit/cunit_main.h"
#include "wire/tests/frames.h"

#define MS 1000000LL

/* ---- generators ---- */

static void test_splitmix64(void)
{
	/* Vigna's splitmix64.c from 1234567. */
	static const uint64_t want[5] = { 6457827717110365317ULL, 3203168211198807973ULL,
					  9817491932198370423ULL, 4593380528125082431ULL,
					  16408922859458223821ULL };
	uint64_t st = 1234567;
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(nc_splitmix64(&st), want[i]);
}

static void test_xoshiro(void)
{
	/* xoshiro256** 1.0 from the state {1, 2, 3, 4}, as published with
	 * the reference implementation's test vectors. */
	static const uint64_t want[10] = { 11520ULL, 0ULL, 1509978240ULL, 1215971899390074240ULL,
					   1216172134540287360ULL, 607988272756665600ULL,
					   16172922978634559625ULL, 8476171486693032832ULL,
					   10595114339597558777ULL, 2904607092377533576ULL };
	struct nc_prng p;
	static const uint64_t s[4] = { 1, 2, 3, 4 };
	nc_prng_set(&p, s);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(nc_prng_next(&p), want[i]);
	/* Seeding takes the first four splitmix64 outputs. */
	nc_prng_seed(&p, 1234567);
	CU_ASSERT_EQUAL(p.s[0], 6457827717110365317ULL);
	CU_ASSERT_EQUAL(p.s[3], 4593380528125082431ULL);
}

static void test_derive_threshold(void)
{
	CU_ASSERT_EQUAL(nc_prng_derive(7, 0), 7191089600892374487ULL);
	CU_ASSERT_NOT_EQUAL(nc_prng_derive(7, 1), nc_prng_derive(7, 0));
	CU_ASSERT_NOT_EQUAL(nc_prng_derive(8, 0), nc_prng_derive(7, 0));
	CU_ASSERT_EQUAL(nc_imp_stream_tag(1, 1, 2, 1), (1ULL << 32) | (1u << 24) | (2u << 8) | 1u);
	CU_ASSERT_EQUAL(nc_prob_threshold(0.0), 0);
	CU_ASSERT_EQUAL(nc_prob_threshold(-1.0), 0);
	CU_ASSERT_EQUAL(nc_prob_threshold(0.0 / 0.0), 0);
	CU_ASSERT_EQUAL(nc_prob_threshold(1.0), UINT64_MAX);
	CU_ASSERT_EQUAL(nc_prob_threshold(0.5), 1ULL << 63);
	CU_ASSERT_EQUAL(nc_prob_threshold(0.3), 0x4ccccccccccccc00ULL);
	struct nc_prng p;
	nc_prng_seed(&p, 99);
	int always = 0, never = 0, half = 0;
	for (int i = 0; i < 100000; i++) {
		always += nc_prng_chance(&p, UINT64_MAX);
		never += nc_prng_chance(&p, 0);
		half += nc_prng_chance(&p, 1ULL << 63);
	}
	CU_ASSERT_EQUAL(always, 100000);
	CU_ASSERT_EQUAL(never, 0);
	CU_ASSERT(half > 49000 && half < 51000);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT(nc_prng_below(&p, 7) < 7);
	CU_ASSERT_EQUAL(nc_prng_below(&p, 1), 0);
}

/* ---- frames ---- */

enum frame_kind { SYN, SYNACK, ACK, DATA, UDP4, UDP6, ICMP4, ARP, FRAG1, FRAG2, TCP6DATA };

static void frame(struct fb *f, enum frame_kind k, struct nc_pkt *p)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	memset(f, 0, sizeof(*f));
	switch (k) {
	case SYN: t_frame_tcp4(f, 40000, 80, 1000, 0, 0x02, T_SYN_OPTS, 20, ""); break;
	case SYNACK: t_frame_tcp4(f, 80, 40000, 5000, 1001, 0x12, T_SYN_OPTS, 20, ""); break;
	case ACK: t_frame_tcp4(f, 40000, 80, 1001, 5001, 0x10, NULL, 0, ""); break;
	case DATA: t_frame_tcp4(f, 40000, 80, 1001, 5001, 0x18, NULL, 0, "some data"); break;
	case UDP4: t_frame_udp4(f, 5000, 53, "twenty bytes of data"); break;
	case UDP6: t_frame_udp6(f, 5000, 53, "v6"); break;
	case ICMP4: {
		t_eth(f, 0x0800);
		size_t ip = t_ipv4(f, IPPROTO_ICMP, T_LO4, T_LO4);
		fb_u8(f, 8);
		fb_u8(f, 0);
		fb_u16(f, 0);
		fb_u32(f, 0x00070001);
		t_ipv4_end(f, ip);
		break;
	}
	case ARP:
		t_eth(f, 0x0806);
		fb_zero(f, 28);
		break;
	case FRAG1:
	case FRAG2: {
		t_eth(f, 0x0800);
		size_t ip = t_ipv4(f, IPPROTO_UDP, T_LO4, T_LO4);
		if (k == FRAG1)
			t_udp(f, 5000, 53, "01234567", 8);
		else
			fb_zero(f, 16);
		t_ipv4_end(f, ip);
		fb_set16(f, ip + 6, k == FRAG1 ? 0x2000 : 0x0002); /* MF; offset 16 bytes */
		t_ipv4_csum(f, ip);
		break;
	}
	case TCP6DATA: {
		t_eth(f, 0x86dd);
		size_t ip = t_ipv6(f, IPPROTO_TCP, a6, b6);
		t_tcp(f, 40000, 80, 1, 1, 0x18, 512, NULL, 0, "x", 1);
		t_ipv6_end(f, ip);
		break;
	}
	}
	memset(p, 0, sizeof(*p));
	nc_pkt_decode(NC_LINK_EN10MB, f->b, (uint32_t)f->n, (uint32_t)f->n, p);
}

/* ---- filter ---- */

static bool takes(const struct nc_imp_filter *flt, enum frame_kind k)
{
	struct fb f;
	struct nc_pkt p;
	frame(&f, k, &p);
	return nc_imp_filter_match(flt, &p);
}

/* Which of the frames SYN .. TCP6DATA a filter takes, as a string of
 * 1s and 0s in that order. */
static const char *takes_all(const struct nc_imp_filter *flt, char *buf)
{
	for (int k = SYN; k <= TCP6DATA; k++)
		buf[k] = takes(flt, (enum frame_kind)k) ? '1' : '0';
	buf[TCP6DATA + 1] = '\0';
	return buf;
}

static void test_filter(void)
{
	char buf[16];
	/*                       SYN SA ACK DATA U4 U6 ICMP ARP F1 F2 T6 */
	struct nc_imp_filter any = { 0 };
	CU_ASSERT_STRING_EQUAL(takes_all(&any, buf), "11111111111");
	struct nc_imp_filter ip = { .l3 = NC_IMP_L3_IP };
	CU_ASSERT_STRING_EQUAL(takes_all(&ip, buf), "11111110111");
	struct nc_imp_filter v6 = { .l3 = NC_IMP_L3_IPV6 };
	CU_ASSERT_STRING_EQUAL(takes_all(&v6, buf), "00000100001");
	struct nc_imp_filter tcp = { .proto = IPPROTO_TCP };
	CU_ASSERT_STRING_EQUAL(takes_all(&tcp, buf), "11110000001");
	struct nc_imp_filter syn = { .proto = IPPROTO_TCP, .tcp_mask = 0x12, .tcp_set = 0x02 };
	CU_ASSERT_STRING_EQUAL(takes_all(&syn, buf), "10000000000");
	struct nc_imp_filter data = { .proto = IPPROTO_TCP, .payload = NC_IMP_YES };
	CU_ASSERT_STRING_EQUAL(takes_all(&data, buf), "00010000001");
	struct nc_imp_filter empty = { .proto = IPPROTO_TCP, .payload = NC_IMP_NO };
	CU_ASSERT_STRING_EQUAL(takes_all(&empty, buf), "11100000000");
	/* A UDP filter takes every fragment; a port condition needs the
	 * transport header, which only the first fragment has. */
	struct nc_imp_filter udp = { .proto = IPPROTO_UDP };
	CU_ASSERT_STRING_EQUAL(takes_all(&udp, buf), "00001100110");
	struct nc_imp_filter port = { .proto = IPPROTO_UDP, .dport = 53 };
	CU_ASSERT_STRING_EQUAL(takes_all(&port, buf), "00001100100");
	struct nc_imp_filter frags = { .fragment = NC_IMP_YES };
	CU_ASSERT_STRING_EQUAL(takes_all(&frags, buf), "00000000110");
	struct nc_imp_filter whole = { .proto = IPPROTO_UDP, .fragment = NC_IMP_NO };
	CU_ASSERT_STRING_EQUAL(takes_all(&whole, buf), "00001100000");
	struct nc_imp_filter from80 = { .sport = 80 };
	CU_ASSERT_STRING_EQUAL(takes_all(&from80, buf), "01000000000");
	struct nc_imp_filter echo = { .has_icmp_type = true, .icmp_type = 8 };
	CU_ASSERT_STRING_EQUAL(takes_all(&echo, buf), "00000010000");
	/* A truncated frame cannot be judged on its transport header. */
	struct fb f;
	struct nc_pkt p;
	frame(&f, DATA, &p);
	nc_pkt_decode(NC_LINK_EN10MB, f.b, 40, (uint32_t)f.n, &p);
	CU_ASSERT_FALSE(nc_imp_filter_match(&data, &p));
	CU_ASSERT_TRUE(nc_imp_filter_match(&tcp, &p));
}

static void test_filter_str(void)
{
	char buf[128];
	struct nc_imp_filter any = { 0 };
	CU_ASSERT_STRING_EQUAL(nc_imp_filter_str(&any, buf, sizeof(buf)), "any");
	struct nc_imp_filter syn = { .l3 = NC_IMP_L3_IPV6, .proto = IPPROTO_TCP, .tcp_mask = 0x12,
				     .tcp_set = 0x02, .dport = 80 };
	CU_ASSERT_STRING_EQUAL(nc_imp_filter_str(&syn, buf, sizeof(buf)),
			       "ip6 tcp flags SYN/SYN,ACK to port 80");
	struct nc_imp_filter d = { .proto = IPPROTO_UDP, .payload = NC_IMP_YES,
				   .fragment = NC_IMP_NO, .sport = 9 };
	CU_ASSERT_STRING_EQUAL(nc_imp_filter_str(&d, buf, sizeof(buf)),
			       "udp data unfragmented from port 9");
	char tiny[6];
	nc_imp_filter_str(&d, tiny, sizeof(tiny));
	CU_ASSERT_EQUAL(strlen(tiny), 5);
}

/* ---- decisions ---- */

/* Runs a frame sequence through direction d and writes one letter per
 * frame: D dropped, C copied, X corrupted, L delayed, H held, . passed. */
static void run(struct nc_imp_dir *d, const enum frame_kind *seq, size_t n, char *out,
		struct nc_imp_verdict *last)
{
	for (size_t i = 0; i < n; i++) {
		struct fb f;
		struct nc_pkt p;
		frame(&f, seq[i], &p);
		struct nc_imp_verdict v;
		nc_imp_decide(d, &p, (uint32_t)f.n, &v);
		out[i] = v.drop ? 'D' : v.copies ? 'C' : v.ncorrupt ? 'X' : v.delay_ns ? 'L' :
			 v.hold ? 'H' : '.';
		if (last)
			*last = v;
	}
	out[n] = '\0';
}

static struct nc_imp_rule nth_rule(struct nc_imp_filter f, enum nc_imp_action a, uint64_t nth)
{
	struct nc_imp_rule r = { .filter = f, .select = NC_IMP_SEL_NTH, .nnth = 1, .action = a };
	r.nth[0] = nth;
	return r;
}

static void test_nth(void)
{
	static const enum frame_kind seq[] = { SYN, SYNACK, ACK, DATA, ACK, DATA, DATA, ACK, DATA };
	struct nc_imp_dir_conf c = { .nrules = 1 };
	struct nc_imp_filter data = { .proto = IPPROTO_TCP, .payload = NC_IMP_YES };
	c.rule[0] = nth_rule(data, NC_IMP_DROP, 2);
	struct nc_imp_dir d;
	nc_imp_dir_init(&d, &c, 1, 0, 0);
	CU_ASSERT_TRUE(nc_imp_dir_active(&d));
	char out[16];
	struct nc_imp_verdict v;
	run(&d, seq, 9, out, &v);
	CU_ASSERT_STRING_EQUAL(out, ".....D...");
	CU_ASSERT_EQUAL(v.index, 9);
	CU_ASSERT_EQUAL(v.match[0], 4);
	/* The first SYN only. */
	struct nc_imp_filter syn = { .proto = IPPROTO_TCP, .tcp_mask = 0x12, .tcp_set = 0x02 };
	static const enum frame_kind syns[] = { SYN, SYN, SYN };
	c.rule[0] = nth_rule(syn, NC_IMP_DROP, 1);
	nc_imp_dir_init(&d, &c, 1, 0, 0);
	run(&d, syns, 3, out, NULL);
	CU_ASSERT_STRING_EQUAL(out, "D..");
	/* No rules: nothing to decide, and the direction says so. */
	struct nc_imp_dir_conf none = { 0 };
	nc_imp_dir_init(&d, &none, 1, 0, 0);
	CU_ASSERT_FALSE(nc_imp_dir_active(&d));
	none.rate_bps = 1000;
	nc_imp_dir_init(&d, &none, 1, 0, 0);
	CU_ASSERT_TRUE(nc_imp_dir_active(&d));
}

static void test_random_known_answers(void)
{
	static enum frame_kind seq[20];
	for (int i = 0; i < 20; i++)
		seq[i] = UDP4;
	struct nc_imp_dir_conf c = { .nrules = 1 };
	c.rule[0] = (struct nc_imp_rule){ .filter = { .proto = IPPROTO_UDP },
					  .select = NC_IMP_SEL_RANDOM, .probability = 0.3,
					  .action = NC_IMP_DROP };
	struct nc_imp_dir d;
	char out[32];
	/* Computed from the documented streams, apart from this code. */
	nc_imp_dir_init(&d, &c, 7, 0, 0);
	run(&d, seq, 20, out, NULL);
	CU_ASSERT_STRING_EQUAL(out, "D..D.....D.D..D.D..D");
	/* Link 1, direction 1, as rule 2: another stream. */
	struct nc_imp_dir_conf c3 = { .nrules = 3 };
	c3.rule[2] = c.rule[0];
	c3.rule[0] = c3.rule[1] = nth_rule((struct nc_imp_filter){ .proto = IPPROTO_TCP },
					   NC_IMP_DROP, 1);
	nc_imp_dir_init(&d, &c3, 7, 1, 1);
	run(&d, seq, 20, out, NULL);
	CU_ASSERT_STRING_EQUAL(out, "D.....DD.D.........D");
	/* Frames the rule does not take change none of its decisions: the
	 * same UDP datagrams, with TCP and ARP frames among them. */
	static enum frame_kind mixed[40];
	char want[41], got[41];
	for (int i = 0; i < 40; i++)
		mixed[i] = i % 2 ? UDP4 : (i % 4 ? ARP : DATA);
	nc_imp_dir_init(&d, &c, 7, 0, 0);
	run(&d, mixed, 40, got, NULL);
	static const char dec[] = "D..D.....D.D..D.D..D";
	for (int i = 0; i < 40; i++)
		want[i] = i % 2 ? dec[i / 2] : '.';
	want[40] = '\0';
	CU_ASSERT_STRING_EQUAL(got, want);
	/* Probabilities 0 and 1. */
	c.rule[0].probability = 1.0;
	nc_imp_dir_init(&d, &c, 7, 0, 0);
	run(&d, seq, 20, out, NULL);
	CU_ASSERT_STRING_EQUAL(out, "DDDDDDDDDDDDDDDDDDDD");
	c.rule[0].probability = 0.0;
	nc_imp_dir_init(&d, &c, 7, 0, 0);
	run(&d, seq, 20, out, NULL);
	CU_ASSERT_STRING_EQUAL(out, "....................");
}

static void test_parameters(void)
{
	struct nc_imp_dir_conf c = { .nrules = 1 };
	c.rule[0] = (struct nc_imp_rule){ .filter = { .proto = IPPROTO_UDP },
					  .action = NC_IMP_DELAY, .delay_ns = 10 * MS,
					  .jitter_ns = 2 * MS };
	struct nc_imp_dir d;
	nc_imp_dir_init(&d, &c, 7, 0, 0);
	static const int64_t want[5] = { 11957344, 8933146, 8011549, 11839605, 8504265 };
	struct fb f;
	struct nc_pkt p;
	frame(&f, UDP4, &p);
	for (int i = 0; i < 5; i++) {
		struct nc_imp_verdict v;
		nc_imp_decide(&d, &p, (uint32_t)f.n, &v);
		CU_ASSERT_EQUAL(v.delay_ns, want[i]);
		CU_ASSERT_EQUAL(v.delay_rule, 0);
	}
	/* Corruption: a bit past the IP header, inside the datagram. */
	c.rule[0] = (struct nc_imp_rule){ .filter = { .proto = IPPROTO_UDP },
					  .action = NC_IMP_CORRUPT };
	nc_imp_dir_init(&d, &c, 7, 0, 0);
	static const uint32_t offs[3] = { 61, 34, 37 };
	static const uint8_t bits[3] = { 1, 7, 3 };
	for (int i = 0; i < 3; i++) {
		struct nc_imp_verdict v;
		nc_imp_decide(&d, &p, (uint32_t)f.n, &v);
		CU_ASSERT_EQUAL_FATAL(v.ncorrupt, 1);
		CU_ASSERT_EQUAL(v.corrupt[0].offset, offs[i]);
		CU_ASSERT_EQUAL(v.corrupt[0].bit, bits[i]);
		uint8_t copy[FB_MAX];
		memcpy(copy, f.b, f.n);
		nc_imp_corrupt(&v, copy, (uint32_t)f.n);
		for (size_t k = 0; k < f.n; k++)
			CU_ASSERT_EQUAL(copy[k], k == offs[i] ? (uint8_t)(f.b[k] ^ (1u << bits[i]))
							      : f.b[k]);
	}
}

/* Rules add up: copies and delays sum, a drop wins, the first reordering
 * rule holds the frame, and each rule keeps its own count. */
static void test_combined(void)
{
	struct nc_imp_filter udp = { .proto = IPPROTO_UDP };
	struct nc_imp_dir_conf c = { .nrules = 5 };
	c.rule[0] = (struct nc_imp_rule){ .filter = udp, .action = NC_IMP_DUPLICATE, .copies = 2 };
	c.rule[1] = (struct nc_imp_rule){ .filter = udp, .action = NC_IMP_DUPLICATE };
	c.rule[2] = (struct nc_imp_rule){ .filter = udp, .action = NC_IMP_DELAY, .delay_ns = MS };
	c.rule[3] = (struct nc_imp_rule){ .filter = udp, .action = NC_IMP_REORDER, .gap = 3 };
	c.rule[4] = nth_rule(udp, NC_IMP_DROP, 2);
	struct nc_imp_dir d;
	nc_imp_dir_init(&d, &c, 1, 0, 0);
	struct fb f;
	struct nc_pkt p;
	frame(&f, UDP4, &p);
	struct nc_imp_verdict v;
	nc_imp_decide(&d, &p, (uint32_t)f.n, &v);
	CU_ASSERT_FALSE(v.drop);
	CU_ASSERT_EQUAL(v.copies, 3);
	CU_ASSERT_EQUAL(v.dup_rule, 0);
	CU_ASSERT_EQUAL(v.delay_ns, MS);
	CU_ASSERT_TRUE(v.hold);
	CU_ASSERT_EQUAL(v.gap, 3);
	CU_ASSERT_EQUAL(v.hold_max_ns, NC_IMP_HOLD_DEFAULT_NS);
	CU_ASSERT_EQUAL(v.matched, 0x1f);
	CU_ASSERT_EQUAL(v.selected, 0x0f);
	nc_imp_decide(&d, &p, (uint32_t)f.n, &v);
	CU_ASSERT_TRUE(v.drop);
	CU_ASSERT_EQUAL(v.drop_rule, 4);
	CU_ASSERT_EQUAL(v.match[4], 2);
	CU_ASSERT_EQUAL(v.index, 2);
	/* A TCP frame: no rule takes it. */
	frame(&f, DATA, &p);
	nc_imp_decide(&d, &p, (uint32_t)f.n, &v);
	CU_ASSERT_EQUAL(v.matched, 0);
	CU_ASSERT_EQUAL(v.index, 3);
	CU_ASSERT_EQUAL(v.match[0], 0);
}

/* ---- the timing queue ---- */

static struct nc_imp_frame fr(uint64_t index, const char *data)
{
	return (struct nc_imp_frame){ (const uint8_t *)data, (uint32_t)strlen(data), index, 1 };
}

/* Pops everything due by `now` and writes the frames' first letters. */
static const char *drain(struct nc_imp_sched *s, int64_t now, char *buf)
{
	size_t n = 0;
	struct nc_imp_due due;
	while (nc_imp_sched_pop(s, now, &due)) {
		buf[n++] = (char)due.data[0];
		free(due.data);
	}
	buf[n] = '\0';
	return buf;
}

static void test_sched_delay(void)
{
	struct nc_imp_sched s;
	char buf[32];
	CU_ASSERT_EQUAL_FATAL(nc_imp_sched_init(&s, 0, 0), 0);
	CU_ASSERT_EQUAL(s.limit, NC_IMP_LIMIT_DEFAULT);
	CU_ASSERT_FALSE(nc_imp_sched_needed(&s, 0, false));
	CU_ASSERT_TRUE(nc_imp_sched_needed(&s, 1, false));
	CU_ASSERT_TRUE(nc_imp_sched_needed(&s, 0, true));
	CU_ASSERT_EQUAL(nc_imp_sched_next(&s), INT64_MAX);
	struct nc_imp_frame a = fr(1, "a"), b = fr(2, "b"), c = fr(3, "c"), d = fr(4, "d");
	/* Jitter does not reorder: b asks for less than a but leaves after. */
	nc_imp_sched_push(&s, &a, 0, 10 * MS);
	nc_imp_sched_push(&s, &b, 1 * MS, 5 * MS);
	/* Equal times leave in queue order (a frame, then its copy). */
	nc_imp_sched_push(&s, &c, 20 * MS, 10 * MS);
	nc_imp_sched_push(&s, &d, 20 * MS, 10 * MS);
	CU_ASSERT_EQUAL(nc_imp_sched_count(&s), 4);
	CU_ASSERT_EQUAL(nc_imp_sched_next(&s), 10 * MS);
	CU_ASSERT_STRING_EQUAL(drain(&s, 9 * MS, buf), "");
	CU_ASSERT_STRING_EQUAL(drain(&s, 10 * MS, buf), "ab");
	CU_ASSERT_EQUAL(nc_imp_sched_next(&s), 30 * MS);
	CU_ASSERT_STRING_EQUAL(drain(&s, 40 * MS, buf), "cd");
	/* The limit refuses what does not fit. */
	nc_imp_sched_free(&s);
	nc_imp_sched_init(&s, 2, 0);
	CU_ASSERT_EQUAL(nc_imp_sched_push(&s, &a, 0, MS), 0);
	CU_ASSERT_EQUAL(nc_imp_sched_hold(&s, &b, 0, 1, MS, 0), 0);
	CU_ASSERT_EQUAL(nc_imp_sched_push(&s, &c, 0, MS), -1);
	CU_ASSERT_EQUAL(nc_imp_sched_hold(&s, &c, 0, 1, MS, 0), -1);
	nc_imp_sched_free(&s); /* frees what is still waiting */
}

static void test_sched_rate(void)
{
	struct nc_imp_sched s;
	char buf[32];
	nc_imp_sched_init(&s, 0, 8000); /* 1000 bytes/s: a byte per millisecond */
	CU_ASSERT_TRUE(nc_imp_sched_needed(&s, 0, false));
	struct nc_imp_frame a = fr(1, "aaaaaaaaaa"), b = fr(2, "bbbbb");
	nc_imp_sched_push(&s, &a, 0, 0);
	nc_imp_sched_push(&s, &b, 0, 0);
	CU_ASSERT_EQUAL(nc_imp_sched_next(&s), 10 * MS);
	CU_ASSERT_STRING_EQUAL(drain(&s, 10 * MS, buf), "a");
	CU_ASSERT_EQUAL(nc_imp_sched_next(&s), 15 * MS);
	CU_ASSERT_STRING_EQUAL(drain(&s, 15 * MS, buf), "b");
	/* An idle link starts again from the frame's own arrival. */
	nc_imp_sched_push(&s, &b, 100 * MS, 0);
	CU_ASSERT_EQUAL(nc_imp_sched_next(&s), 105 * MS);
	struct nc_imp_due due;
	CU_ASSERT_TRUE(nc_imp_sched_pop(&s, 200 * MS, &due));
	CU_ASSERT_EQUAL(due.queued, 100 * MS);
	CU_ASSERT_EQUAL(due.due, 105 * MS);
	free(due.data);
	nc_imp_sched_free(&s);
}

static void test_sched_hold(void)
{
	struct nc_imp_sched s;
	char buf[32];
	nc_imp_sched_init(&s, 0, 0);
	struct nc_imp_frame a = fr(1, "a");
	CU_ASSERT_EQUAL(nc_imp_sched_hold(&s, &a, 0, 2, 50 * MS, 0), 0);
	CU_ASSERT_EQUAL(nc_imp_sched_next(&s), 50 * MS);
	/* A frame its rule did not take does not count; an earlier one
	 * neither. */
	CU_ASSERT_EQUAL(nc_imp_sched_sent(&s, 2, 0x2, MS), 0);
	CU_ASSERT_EQUAL(nc_imp_sched_sent(&s, 0, 0x1, MS), 0);
	CU_ASSERT_EQUAL(nc_imp_sched_sent(&s, 3, 0x1, MS), 0);
	CU_ASSERT_EQUAL(nc_imp_sched_sent(&s, 4, 0x3, 2 * MS), 1);
	struct nc_imp_due due;
	CU_ASSERT_TRUE_FATAL(nc_imp_sched_pop(&s, 2 * MS, &due));
	CU_ASSERT_TRUE(due.was_held);
	CU_ASSERT_FALSE(due.timed_out);
	CU_ASSERT_EQUAL(due.overtaken_by, 4);
	CU_ASSERT_EQUAL(due.index, 1);
	free(due.data);
	/* Nothing overtakes: out at the time limit, said so. */
	CU_ASSERT_EQUAL(nc_imp_sched_hold(&s, &a, 10 * MS, 1, 5 * MS, 0), 0);
	CU_ASSERT_STRING_EQUAL(drain(&s, 14 * MS, buf), "");
	CU_ASSERT_TRUE_FATAL(nc_imp_sched_pop(&s, 15 * MS, &due));
	CU_ASSERT_TRUE(due.timed_out);
	CU_ASSERT_EQUAL(due.overtaken_by, 0);
	free(due.data);
	/* At most NC_IMP_HOLD_MAX held at once. */
	for (unsigned i = 0; i < NC_IMP_HOLD_MAX; i++)
		CU_ASSERT_EQUAL(nc_imp_sched_hold(&s, &a, 0, 1, MS, 0), 0);
	CU_ASSERT_EQUAL(nc_imp_sched_hold(&s, &a, 0, 1, MS, 0), -1);
	nc_imp_sched_free(&s);
}

/* ---- events ---- */

static void test_event_codec(void)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	struct fb f;
	struct nc_pkt p;
	frame(&f, DATA, &p);
	struct nc_imp_event in[4] = {
		{ .kind = NC_IMP_EV_DROP, .t_ns = 123456789, .link = 3, .dir = 1, .rule = 2,
		  .index = 7, .match = 2 },
		{ .kind = NC_IMP_EV_CORRUPT, .t_ns = -5, .offset = 40, .bit = 7, .rule = 0 },
		{ .kind = NC_IMP_EV_LOSS, .rule = NC_IMP_NO_RULE, .err = 105, .other = 9 },
		{ .kind = NC_IMP_EV_STATS, .rule = NC_IMP_NO_RULE,
		  .stats = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 } },
	};
	nc_imp_event_frame(&in[0], f.b, (uint32_t)f.n);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(nc_imp_event_put(&b, &in[i]), 0);
	/* Each decodes to what was put: its encoding again is the same bytes,
	 * and its fields are the ones given. */
	size_t off = 0;
	struct nc_imp_event got[4];
	for (int i = 0; i < 4; i++) {
		size_t used;
		CU_ASSERT_EQUAL_FATAL(nc_imp_event_next(b.data + off, b.len - off, &got[i], &used), 1);
		struct nc_buf again;
		nc_buf_init(&again, 0);
		nc_imp_event_put(&again, &got[i]);
		CU_ASSERT_EQUAL_FATAL(again.len, used);
		CU_ASSERT_EQUAL(memcmp(again.data, b.data + off, used), 0);
		nc_buf_free(&again);
		off += used;
	}
	CU_ASSERT_EQUAL(off, b.len);
	CU_ASSERT_EQUAL(got[0].t_ns, 123456789);
	CU_ASSERT_EQUAL(got[0].link, 3);
	CU_ASSERT_EQUAL(got[0].dir, 1);
	CU_ASSERT_EQUAL(got[0].match, 2);
	CU_ASSERT_EQUAL(got[0].len, f.n);
	CU_ASSERT_EQUAL(got[0].head_len, f.n);
	CU_ASSERT_EQUAL(memcmp(got[0].head, f.b, f.n), 0);
	CU_ASSERT_EQUAL(got[1].t_ns, -5);
	CU_ASSERT_EQUAL(got[1].offset, 40);
	CU_ASSERT_EQUAL(got[1].bit, 7);
	CU_ASSERT_EQUAL(got[2].err, 105);
	CU_ASSERT_EQUAL(got[2].other, 9);
	CU_ASSERT_EQUAL(got[3].stats.frames, 1);
	CU_ASSERT_EQUAL(got[3].stats.events_lost, 11);
	CU_ASSERT_EQUAL(got[3].stats.discarded, 12);
	/* A partial event is not one yet; a bad one is refused. */
	struct nc_imp_event out;
	size_t used;
	CU_ASSERT_EQUAL(nc_imp_event_next(b.data, 3, &out, &used), 0);
	CU_ASSERT_EQUAL(nc_imp_event_next(b.data, 20, &out, &used), 0);
	uint8_t bad[64];
	memcpy(bad, b.data, sizeof(bad));
	bad[4] = 99; /* no such kind */
	CU_ASSERT_EQUAL(nc_imp_event_next(bad, sizeof(bad), &out, &used), -1);
	memcpy(bad, b.data, sizeof(bad));
	bad[0] = 0xff; /* longer than any event */
	CU_ASSERT_EQUAL(nc_imp_event_next(bad, sizeof(bad), &out, &used), -1);
	/* A length that cuts the body short: the cursor notices. */
	struct nc_buf s;
	nc_buf_init(&s, 0);
	nc_imp_event_put(&s, &in[1]);
	s.data[3] = (uint8_t)(s.data[3] - 1);
	CU_ASSERT_EQUAL(nc_imp_event_next(s.data, s.len, &out, &used), -1);
	nc_buf_free(&s);
	/* A buffer at its maximum takes no partial event. */
	struct nc_buf small;
	nc_buf_init(&small, 40);
	CU_ASSERT_EQUAL(nc_imp_event_put(&small, &in[0]), -1);
	CU_ASSERT_EQUAL(small.len, 0);
	CU_ASSERT_EQUAL(nc_imp_event_put(&small, &in[2]), -1);
	nc_buf_free(&small);
	nc_buf_free(&b);
}

static void test_event_text(void)
{
	char buf[512];
	struct fb f;
	struct nc_pkt p;
	frame(&f, DATA, &p);
	struct nc_imp_event ev = { .kind = NC_IMP_EV_DROP, .link = 0, .dir = 0, .rule = 0,
				   .index = 5, .match = 2 };
	nc_imp_event_frame(&ev, f.b, (uint32_t)f.n);
	CU_ASSERT_STRING_EQUAL(nc_imp_event_str(&ev, "client", "server", buf, sizeof(buf)),
			       "link 0 client>server #5 dropped (rule 0, its 2nd frame): "
			       "127.0.0.1.40000 > 127.0.0.1.80: Flags [P.], seq 1001:1010, ack "
			       "5001, win 512, length 9");
	ev.kind = NC_IMP_EV_DELAY;
	ev.dir = 1;
	ev.match = 11;
	ev.amount_ns = 12345678;
	ev.head_len = 0;
	CU_ASSERT_STRING_EQUAL(nc_imp_event_str(&ev, NULL, NULL, buf, sizeof(buf)),
			       "link 0 b>a #5 delayed by 12.346 ms (rule 0, its 11th frame)");
	ev = (struct nc_imp_event){ .kind = NC_IMP_EV_REORDER, .rule = 1, .index = 3, .match = 1,
				    .amount_ns = 500000, .other = 4 };
	CU_ASSERT_STRING_EQUAL(nc_imp_event_str(&ev, NULL, NULL, buf, sizeof(buf)),
			       "link 0 a>b #3 reordered: held 0.500 ms, sent after #4 (rule 1, its "
			       "1st frame)");
	ev = (struct nc_imp_event){ .kind = NC_IMP_EV_LOSS, .rule = NC_IMP_NO_RULE, .other = 3 };
	CU_ASSERT_STRING_EQUAL(nc_imp_event_str(&ev, NULL, NULL, buf, sizeof(buf)),
			       "link 0 a>b lost: 3 frames dropped by the kernel before the "
			       "forwarder read them");
	ev = (struct nc_imp_event){ .kind = NC_IMP_EV_FAULT, .rule = NC_IMP_NO_RULE,
				    .other = NC_IMP_FAULT_RECV, .err = 9 };
	CU_ASSERT_STRING_EQUAL(nc_imp_event_str(&ev, NULL, NULL, buf, sizeof(buf)),
			       "link 0 a>b forwarder stopped: reading frames (recvmmsg) failed (Bad "
			       "file descriptor)");
	ev = (struct nc_imp_event){ .kind = NC_IMP_EV_STATS, .link = 2, .dir = 1,
				    .stats = { .frames = 10, .forwarded = 9, .dropped = 1 } };
	CU_ASSERT_STRING_EQUAL(nc_imp_event_str(&ev, "a", "r", buf, sizeof(buf)),
			       "link 2 r>a: 10 frames, 9 forwarded, 1 dropped, 0 copies, 0 "
			       "corrupted, 0 delayed, 0 reordered, 0 overflow, 0 lost in the kernel, "
			       "0 send errors, 0 events lost, 0 discarded at the stop");
}

void nc_unit_register(void)
{
	static const struct nc_unit_test prng[] = {
		{ "splitmix64 known answers", test_splitmix64 },
		{ "xoshiro256** known answers", test_xoshiro },
		{ "streams and probabilities", test_derive_threshold },
		{ NULL, NULL },
	};
	static const struct nc_unit_test filter[] = {
		{ "matching", test_filter },
		{ "in words", test_filter_str },
		{ NULL, NULL },
	};
	static const struct nc_unit_test engine[] = {
		{ "the N-th frame", test_nth },
		{ "random selection, known answers", test_random_known_answers },
		{ "jitter and corruption, known answers", test_parameters },
		{ "rules together", test_combined },
		{ NULL, NULL },
	};
	static const struct nc_unit_test sched[] = {
		{ "delays", test_sched_delay },
		{ "rate", test_sched_rate },
		{ "reordering holds", test_sched_hold },
		{ NULL, NULL },
	};
	static const struct nc_unit_test event[] = {
		{ "records", test_event_codec },
		{ "in words", test_event_text },
		{ NULL, NULL },
	};
	nc_unit_suite("prng", prng);
	nc_unit_suite("filter", filter);
	nc_unit_suite("engine", engine);
	nc_unit_suite("sched", sched);
	nc_unit_suite("event", event);
}
