/* test_stream.c: TCP reassembly and the connection table. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/cunit_main.h"
#include "util/buf.h"
#include "wire/tcp_stream.h"
#include "wire/tests/frames.h"
#include "wire/tests/test_wire.h"

/* Collects what a stream delivers, and the gaps it reports. */
struct sink {
	struct nc_buf got;
	uint64_t gaps, gap_bytes, uncaptured;
	uint64_t first_gap_off;
};

static void sink_bytes(void *ctx, const uint8_t *p, size_t n)
{
	struct sink *s = ctx;
	nc_buf_add(&s->got, p, n);
}

static void sink_gap(void *ctx, uint64_t off, uint64_t n, bool uncaptured)
{
	struct sink *s = ctx;
	if (uncaptured) {
		s->uncaptured += n;
		return;
	}
	if (s->gaps++ == 0)
		s->first_gap_off = off;
	s->gap_bytes += n;
}

static struct nc_tcp_stream *new_stream(struct sink *k, size_t ooo_max, size_t history)
{
	memset(k, 0, sizeof(*k));
	nc_buf_init(&k->got, 0);
	struct nc_tcp_stream_cfg cfg = { ooo_max, history };
	struct nc_tcp_stream *s = nc_tcp_stream_new(&cfg);
	nc_tcp_stream_set_sink(s, sink_bytes, sink_gap, k);
	return s;
}

static void seg(struct nc_tcp_stream *s, uint32_t seq, uint8_t flags, const char *data)
{
	size_t n = data ? strlen(data) : 0;
	nc_tcp_stream_segment(s, seq, flags, (const uint8_t *)data, (uint32_t)n, (uint32_t)n);
}

#define A NC_TCP_ACK
#define PA (NC_TCP_PSH | NC_TCP_ACK)

static void test_in_order(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	seg(s, 100, NC_TCP_SYN, NULL);
	seg(s, 101, PA, "hello");
	seg(s, 106, A, NULL);
	seg(s, 106, PA, " world");
	seg(s, 112, NC_TCP_FIN | A, NULL);
	nc_tcp_stream_finish(s);
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "hello world");
	CU_ASSERT_EQUAL(st->delivered, 11);
	CU_ASSERT(st->saw_syn && st->saw_fin && !st->saw_rst && !st->midstream);
	CU_ASSERT_EQUAL(st->isn, 100);
	CU_ASSERT_EQUAL(st->fin_offset, 11);
	CU_ASSERT_EQUAL(st->segments, 5);
	CU_ASSERT_EQUAL(st->holes, 0);
	CU_ASSERT_EQUAL(st->retrans_bytes, 0);
	CU_ASSERT_EQUAL(st->ooo_segments, 0);
	CU_ASSERT_EQUAL(st->inconsistencies, 0);
	/* Nothing is accepted after finish. */
	seg(s, 113, PA, "late");
	CU_ASSERT_EQUAL(st->delivered, 11);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

static void test_out_of_order(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	seg(s, 0, NC_TCP_SYN, NULL);
	seg(s, 7, PA, "ccc");
	seg(s, 4, PA, "bbb");
	CU_ASSERT_EQUAL(k.got.len, 0);
	CU_ASSERT(nc_tcp_stream_stats(s)->ooo_bytes > 0);
	seg(s, 1, PA, "aaa");
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "aaabbbccc");
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_EQUAL(st->ooo_segments, 2);
	CU_ASSERT_EQUAL(st->ooo_bytes, 0);
	CU_ASSERT_EQUAL(st->retrans_bytes, 0);
	/* A FIN that arrives before the data it follows. */
	seg(s, 13, NC_TCP_FIN | A, NULL);
	seg(s, 10, PA, "ddd");
	nc_tcp_stream_finish(s);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "aaabbbcccddd");
	CU_ASSERT_EQUAL(st->holes, 0);
	CU_ASSERT_EQUAL(st->fin_offset, 12);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

static void test_retransmissions(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	seg(s, 0, NC_TCP_SYN, NULL);
	seg(s, 1, PA, "abcdef");
	seg(s, 1, PA, "abcdef");         /* a duplicate */
	seg(s, 4, PA, "defghi");         /* overlaps the tail, brings 3 new bytes */
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "abcdefghi");
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_EQUAL(st->retrans_segments, 2);
	CU_ASSERT_EQUAL(st->retrans_bytes, 9);
	CU_ASSERT_EQUAL(st->retrans_unchecked, 0);
	CU_ASSERT_EQUAL(st->inconsistencies, 0);
	CU_ASSERT_EQUAL(st->delivered, 9);

	/* The same bytes again, but different: an inconsistency. */
	seg(s, 3, PA, "cXe");
	CU_ASSERT_EQUAL(st->inconsistencies, 1);
	CU_ASSERT_STRING_EQUAL(st->first_inconsistency,
			       "retransmitted byte at offset 3 differs from the byte delivered before");
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "abcdefghi");
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

static void test_overlap_buffered_differs(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	seg(s, 0, NC_TCP_SYN, NULL);
	seg(s, 5, PA, "EFGH");           /* offsets 4..7, ahead of a gap */
	seg(s, 3, PA, "cdEfG");          /* 2..6: overlaps the buffered copy, one byte differs */
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_EQUAL(st->inconsistencies, 1);
	CU_ASSERT_STRING_EQUAL(st->first_inconsistency,
			       "bytes near offset 4 differ from an earlier copy of them");
	seg(s, 1, PA, "ab");
	/* The first copy wins. */
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "abcdEFGH");
	CU_ASSERT_EQUAL(st->retrans_bytes, 3);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

static void test_history_limit(void)
{
	struct sink k;
	/* Keep only 4 delivered bytes: older retransmissions go unchecked. */
	struct nc_tcp_stream *s = new_stream(&k, 0, 4);
	seg(s, 0, NC_TCP_SYN, NULL);
	seg(s, 1, PA, "0123456789");
	seg(s, 1, PA, "XXXXXX6789");
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_EQUAL(st->retrans_bytes, 10);
	CU_ASSERT_EQUAL(st->retrans_unchecked, 6);
	CU_ASSERT_EQUAL(st->inconsistencies, 0);
	seg(s, 9, PA, "8X");
	CU_ASSERT_EQUAL(st->inconsistencies, 1);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);

	/* No history at all. */
	s = new_stream(&k, 0, SIZE_MAX);
	seg(s, 0, NC_TCP_SYN, NULL);
	seg(s, 1, PA, "abc");
	seg(s, 1, PA, "xyz");
	CU_ASSERT_EQUAL(nc_tcp_stream_stats(s)->retrans_unchecked, 3);
	CU_ASSERT_EQUAL(nc_tcp_stream_stats(s)->inconsistencies, 0);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

static void test_wraparound(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	uint32_t isn = 0xfffffff0u;
	seg(s, isn, NC_TCP_SYN, NULL);
	seg(s, isn + 1, PA, "0123456789");   /* up to 0xfffffffb */
	seg(s, isn + 21, PA, "KLMNOPQRST");  /* past zero, ahead of a gap */
	seg(s, isn + 11, PA, "ABCDEFGHIJ");  /* crosses 2^32 */
	seg(s, isn + 11, PA, "ABCDEFGHIJ");  /* a duplicate across the wrap */
	seg(s, isn + 31, NC_TCP_FIN | A, NULL);
	nc_tcp_stream_finish(s);
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "0123456789ABCDEFGHIJKLMNOPQRST");
	CU_ASSERT_EQUAL(st->delivered, 30);
	CU_ASSERT_EQUAL(st->retrans_bytes, 10);
	CU_ASSERT_EQUAL(st->inconsistencies, 0);
	CU_ASSERT_EQUAL(st->fin_offset, 30);
	CU_ASSERT_EQUAL(st->holes, 0);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

static void test_fin_and_after(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	seg(s, 0, NC_TCP_SYN, NULL);
	seg(s, 1, NC_TCP_FIN | PA, "last");     /* data and FIN together: FIN at 4 */
	seg(s, 5, PA, "more");                  /* after the FIN */
	seg(s, 3, PA, "stXY");                  /* straddles it */
	seg(s, 6, NC_TCP_FIN | A, NULL);        /* the FIN moved */
	nc_tcp_stream_finish(s);
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "last");
	CU_ASSERT(st->saw_fin);
	CU_ASSERT_EQUAL(st->fin_offset, 4);
	CU_ASSERT_EQUAL(st->after_fin_bytes, 6);
	CU_ASSERT_EQUAL(st->inconsistencies, 3);
	CU_ASSERT_STRING_EQUAL(st->first_inconsistency, "4 bytes after the FIN at offset 4");
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

static void test_holes(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	seg(s, 0, NC_TCP_SYN, NULL);
	seg(s, 1, PA, "aaa");
	seg(s, 7, PA, "ccc");                   /* 4..6 never arrive */
	seg(s, 13, PA, "eee");                  /* 10..12 never arrive */
	seg(s, 16, NC_TCP_FIN | A, NULL);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "aaa");
	nc_tcp_stream_finish(s);
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "aaaccceee");
	CU_ASSERT_EQUAL(st->holes, 2);
	CU_ASSERT_EQUAL(st->hole_bytes, 6);
	CU_ASSERT_EQUAL(st->first_hole, 3);
	CU_ASSERT_EQUAL(k.gaps, 2);
	CU_ASSERT_EQUAL(k.first_gap_off, 3);
	CU_ASSERT_EQUAL(st->ooo_bytes, 0);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);

	/* A FIN past missing data: the missing tail is a hole. */
	s = new_stream(&k, 0, 0);
	seg(s, 0, NC_TCP_SYN, NULL);
	seg(s, 1, PA, "ab");
	seg(s, 10, NC_TCP_FIN | A, NULL);
	nc_tcp_stream_finish(s);
	nc_tcp_stream_finish(s);
	CU_ASSERT_EQUAL(nc_tcp_stream_stats(s)->holes, 1);
	CU_ASSERT_EQUAL(nc_tcp_stream_stats(s)->hole_bytes, 7);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

static void test_rst_midstream_syn(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	/* Picked up mid-stream: offsets start at the first data. */
	seg(s, 5000, A, NULL);
	seg(s, 5000, PA, "mid");
	seg(s, 4990, PA, "0123456789"); /* before the start: old, unchecked */
	seg(s, 5003, NC_TCP_RST | A, "reset reason");
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "mid");
	CU_ASSERT(st->midstream && !st->saw_syn && st->saw_rst);
	CU_ASSERT_EQUAL(st->retrans_bytes, 10);
	CU_ASSERT_EQUAL(st->retrans_unchecked, 10);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);

	/* A retransmitted SYN is fine; a SYN with another ISN is not. SYN
	 * data (TCP Fast Open) starts after the SYN's sequence number. */
	s = new_stream(&k, 0, 0);
	nc_tcp_stream_segment(s, 10, NC_TCP_SYN, (const uint8_t *)"tfo", 3, 3);
	seg(s, 10, NC_TCP_SYN, NULL);
	seg(s, 14, PA, "!");
	CU_ASSERT_EQUAL(nc_tcp_stream_stats(s)->inconsistencies, 0);
	seg(s, 99, NC_TCP_SYN, NULL);
	CU_ASSERT_EQUAL(nc_tcp_stream_stats(s)->inconsistencies, 1);
	CU_ASSERT_STRING_EQUAL(nc_tcp_stream_stats(s)->first_inconsistency,
			       "SYN with seq 99, the first SYN had 10");
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "tfo!");
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

static void test_uncaptured(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	seg(s, 0, NC_TCP_SYN, NULL);
	/* 10 bytes on the wire, 4 captured. */
	nc_tcp_stream_segment(s, 1, PA, (const uint8_t *)"abcd", 4, 10);
	/* Out of order and cut too. */
	nc_tcp_stream_segment(s, 21, PA, (const uint8_t *)"uv", 2, 5);
	nc_tcp_stream_segment(s, 11, PA, (const uint8_t *)"klmnopqrst", 10, 10);
	nc_tcp_stream_finish(s);
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "abcdklmnopqrstuv");
	CU_ASSERT_EQUAL(st->uncaptured_bytes, 9);
	CU_ASSERT_EQUAL(k.uncaptured, 9);
	CU_ASSERT_EQUAL(st->holes, 0);
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

/* The byte at stream offset x of the large transfers. */
static uint8_t pattern(uint64_t x)
{
	return (uint8_t)((x * 2654435761u) >> 13 ^ x >> 20);
}

struct check_sink {
	uint64_t off;
	uint64_t bad;
	uint64_t gaps;
};

static void check_gap(void *ctx, uint64_t off, uint64_t n, bool uncaptured)
{
	struct check_sink *c = ctx;
	(void)uncaptured;
	CU_ASSERT_EQUAL(off, c->off);
	c->off += n;
	c->gaps++;
}

static void check_bytes(void *ctx, const uint8_t *p, size_t n)
{
	struct check_sink *c = ctx;
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(c->off + i))
			c->bad++;
	c->off += n;
}

static void send_range(struct nc_tcp_stream *s, uint32_t isn, uint64_t off, uint32_t len)
{
	static uint8_t buf[65536];
	for (uint32_t i = 0; i < len; i++)
		buf[i] = pattern(off + i);
	nc_tcp_stream_segment(s, isn + 1 + (uint32_t)off, PA, buf, len, len);
}

/* 64 MiB in segments of up to 64 KiB: pairs swapped, every 97th segment
 * sent twice, the sequence numbers wrapping on the way. The buffered bytes
 * must stay at about one segment: memory is flat. */
static void test_large_transfer(void)
{
	const uint64_t total = 64ull << 20;
	const uint32_t mss = 65483;
	uint32_t isn = 0xfe000000u; /* wraps halfway */
	struct check_sink c = { 0, 0, 0 };
	struct nc_tcp_stream *s = nc_tcp_stream_new(NULL);
	nc_tcp_stream_set_sink(s, check_bytes, NULL, &c);
	nc_tcp_stream_segment(s, isn, NC_TCP_SYN, NULL, 0, 0);
	uint64_t nseg = 0;
	for (uint64_t off = 0; off < total;) {
		uint32_t l1 = total - off < mss ? (uint32_t)(total - off) : mss;
		uint64_t off2 = off + l1;
		uint32_t l2 = total - off2 < mss ? (uint32_t)(total - off2) : mss;
		if (l2 > 0)
			send_range(s, isn, off2, l2);
		send_range(s, isn, off, l1);
		if (++nseg % 97 == 0)
			send_range(s, isn, off, l1);
		off = off2 + l2;
	}
	nc_tcp_stream_segment(s, isn + 1 + (uint32_t)total, NC_TCP_FIN | A, NULL, 0, 0);
	nc_tcp_stream_finish(s);
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT_EQUAL(c.off, total);
	CU_ASSERT_EQUAL(c.bad, 0);
	CU_ASSERT_EQUAL(st->delivered, total);
	CU_ASSERT_EQUAL(st->holes, 0);
	CU_ASSERT(!st->overflow);
	CU_ASSERT_EQUAL(st->inconsistencies, 0);
	CU_ASSERT(st->retrans_bytes > 0);
	CU_ASSERT_EQUAL(st->retrans_unchecked, 0);
	CU_ASSERT(st->ooo_segments > 500);
	CU_ASSERT(st->ooo_peak <= mss + NC_TCP_SEG_OVERHEAD);
	nc_tcp_stream_free(s);
}

/* A segment lost early while 8 MiB follow, with a 1 MiB cap: the gap is
 * given up, memory stays under the cap, and the rest is delivered. */
static void test_overflow(void)
{
	struct check_sink c = { 0, 0, 0 };
	struct nc_tcp_stream_cfg cfg = { 1u << 20, 0 };
	struct nc_tcp_stream *s = nc_tcp_stream_new(&cfg);
	nc_tcp_stream_set_sink(s, check_bytes, check_gap, &c);
	nc_tcp_stream_segment(s, 0, NC_TCP_SYN, NULL, 0, 0);
	const uint32_t mss = 16384;
	for (uint64_t off = 0; off < (8u << 20); off += mss) {
		if (off != mss) /* lost */
			send_range(s, 0, off, mss);
	}
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	CU_ASSERT(st->overflow);
	CU_ASSERT_EQUAL(st->holes, 1);
	CU_ASSERT_EQUAL(st->hole_bytes, mss);
	CU_ASSERT_EQUAL(st->first_hole, mss);
	CU_ASSERT(st->ooo_peak <= cfg.ooo_max);
	CU_ASSERT_EQUAL(c.bad, 0);
	CU_ASSERT_EQUAL(c.gaps, 1);
	CU_ASSERT_EQUAL(st->delivered, (8u << 20) - mss);
	/* The lost segment shows up late: old, and not comparable. */
	send_range(s, 0, mss, mss);
	CU_ASSERT_EQUAL(st->retrans_unchecked, mss);
	nc_tcp_stream_free(s);

	/* A cap smaller than one segment still makes progress: the gap before
	 * the segment is given up at once. */
	cfg.ooo_max = 16;
	s = nc_tcp_stream_new(&cfg);
	struct sink k2;
	memset(&k2, 0, sizeof(k2));
	nc_buf_init(&k2.got, 0);
	nc_tcp_stream_set_sink(s, sink_bytes, sink_gap, &k2);
	seg(s, 0, NC_TCP_SYN, NULL);
	seg(s, 5, PA, "later");
	seg(s, 1, PA, "ab");
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k2.got), "later");
	CU_ASSERT_EQUAL(nc_tcp_stream_stats(s)->holes, 1);
	CU_ASSERT_EQUAL(nc_tcp_stream_stats(s)->hole_bytes, 4);
	CU_ASSERT_EQUAL(nc_tcp_stream_stats(s)->retrans_unchecked, 2);
	nc_tcp_stream_free(s);
	nc_buf_free(&k2.got);
}

/* ---- connection table ---- */

struct conns_ctx {
	int created;
	struct sink sinks[4][2];
};

static void on_new(void *ctx, struct nc_tcp_conn *c)
{
	struct conns_ctx *x = ctx;
	CU_ASSERT_FATAL(x->created < 4);
	for (int i = 0; i < 2; i++) {
		struct sink *k = &x->sinks[x->created][i];
		nc_buf_init(&k->got, 0);
		nc_tcp_stream_set_sink(c->dir[i], sink_bytes, sink_gap, k);
	}
	c->user = &x->sinks[x->created];
	x->created++;
}

static struct nc_tcp_conn *feed_side(struct nc_tcp_conns *t, const struct fb *f, int *side)
{
	struct nc_pkt p;
	t_decode(f, &p);
	return nc_tcp_conns_add(t, &p, side);
}

static struct nc_tcp_conn *feed(struct nc_tcp_conns *t, const struct fb *f)
{
	return feed_side(t, f, NULL);
}

static void test_conns(void)
{
	struct conns_ctx x;
	memset(&x, 0, sizeof(x));
	struct nc_tcp_conns_cfg cfg = { .on_new = on_new, .ctx = &x, .max_conns = 2 };
	struct nc_tcp_conns *t = nc_tcp_conns_new(&cfg);
	struct fb f;
	/* The capture starts at the SYN-ACK: the initiator is its receiver. */
	t_frame_tcp6(&f, 80, 4000, 500, 101, NC_TCP_SYN | A, NULL, 0, NULL);
	struct nc_tcp_conn *c = feed(t, &f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(c->initiator_known);
	CU_ASSERT_EQUAL(c->port[0], 4000);
	CU_ASSERT_EQUAL(c->port[1], 80);
	CU_ASSERT_EQUAL(c->ipver, 6);
	int side = -1;
	t_frame_tcp6(&f, 4000, 80, 101, 501, PA, NULL, 0, "GET /");
	CU_ASSERT_PTR_EQUAL(feed_side(t, &f, &side), c);
	CU_ASSERT_EQUAL(side, 0);
	t_frame_tcp6(&f, 80, 4000, 501, 106, PA, NULL, 0, "200 OK");
	CU_ASSERT_PTR_EQUAL(feed_side(t, &f, &side), c);
	CU_ASSERT_EQUAL(side, 1);
	t_frame_tcp6(&f, 4000, 80, 106, 507, NC_TCP_FIN | A, NULL, 0, NULL);
	feed(t, &f);
	t_frame_tcp6(&f, 80, 4000, 507, 107, NC_TCP_FIN | A, NULL, 0, NULL);
	feed(t, &f);
	CU_ASSERT_EQUAL(c->packets, 5);
	CU_ASSERT_EQUAL(nc_tcp_conns_count(t), 1);

	/* A new SYN on the closed tuple is a new connection. */
	t_frame_tcp6(&f, 4000, 80, 9000, 0, NC_TCP_SYN, NULL, 0, NULL);
	struct nc_tcp_conn *c2 = feed(t, &f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c2);
	CU_ASSERT_PTR_NOT_EQUAL(c2, c);
	CU_ASSERT_EQUAL(c2->id, 2);
	CU_ASSERT_EQUAL(c2->port[0], 4000);
	/* Its retransmission is not. */
	CU_ASSERT_PTR_EQUAL(feed(t, &f), c2);
	/* A third connection does not fit: untracked. */
	t_frame_tcp4(&f, 1, 2, 0, 0, NC_TCP_SYN, NULL, 0, NULL);
	CU_ASSERT_PTR_NULL(feed(t, &f));
	CU_ASSERT_EQUAL(nc_tcp_conns_untracked(t), 1);
	/* Not TCP: no connection. */
	t_frame_udp4(&f, 1, 2, "u");
	CU_ASSERT_PTR_NULL(feed(t, &f));

	nc_tcp_conns_finish(t);
	CU_ASSERT_EQUAL(x.created, 2);
	CU_ASSERT_PTR_EQUAL(nc_tcp_conns_get(t, 0), c);
	CU_ASSERT_PTR_NULL(nc_tcp_conns_get(t, 2));
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&x.sinks[0][0].got), "GET /");
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&x.sinks[0][1].got), "200 OK");
	const struct nc_tcp_stream_stats *s0 = nc_tcp_stream_stats(c->dir[0]);
	const struct nc_tcp_stream_stats *s1 = nc_tcp_stream_stats(c->dir[1]);
	CU_ASSERT(!s0->saw_syn && s0->midstream && s0->saw_fin);
	CU_ASSERT(s1->saw_syn && !s1->midstream && s1->saw_fin);
	CU_ASSERT_EQUAL(s1->isn, 500);
	nc_tcp_conns_free(t);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 2; j++)
			nc_buf_free(&x.sinks[i][j].got);
}

/* Where each segment's first payload byte lies in the stream, which is how
 * the wire checks find the packet that first carried a byte. */
static void test_last_offset(void)
{
	struct sink k;
	struct nc_tcp_stream *s = new_stream(&k, 0, 0);
	int64_t off = 77;
	CU_ASSERT_FALSE(nc_tcp_stream_last_offset(s, &off));
	seg(s, 100, NC_TCP_SYN, NULL);
	CU_ASSERT_FALSE(nc_tcp_stream_last_offset(s, &off));
	seg(s, 101, PA, "hello");
	CU_ASSERT(nc_tcp_stream_last_offset(s, &off) && off == 0);
	/* Out of order: placed where it belongs, ahead of the gap. */
	seg(s, 109, PA, "rld");
	CU_ASSERT(nc_tcp_stream_last_offset(s, &off) && off == 8);
	seg(s, 106, PA, " wo");
	CU_ASSERT(nc_tcp_stream_last_offset(s, &off) && off == 5);
	/* A retransmission overlapping old and new bytes starts at its own
	 * first byte. */
	seg(s, 103, PA, "llo world!");
	CU_ASSERT(nc_tcp_stream_last_offset(s, &off) && off == 2);
	CU_ASSERT_STRING_EQUAL(nc_buf_str(&k.got), "hello world!");
	/* A pure ACK and an RST with text carry no stream bytes. */
	seg(s, 113, A, NULL);
	CU_ASSERT_FALSE(nc_tcp_stream_last_offset(s, &off));
	seg(s, 113, NC_TCP_RST, "reset reason");
	CU_ASSERT_FALSE(nc_tcp_stream_last_offset(s, &off));
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);

	/* Picked up mid-stream: offsets start at the first data seen, and
	 * bytes from before it are placed below 0. */
	s = new_stream(&k, 0, 0);
	seg(s, 5000, PA, "abc");
	CU_ASSERT(nc_tcp_stream_last_offset(s, &off) && off == 0);
	seg(s, 4998, PA, "xxabc");
	CU_ASSERT(nc_tcp_stream_last_offset(s, &off) && off == -2);
	nc_tcp_stream_finish(s);
	seg(s, 5003, PA, "late");
	CU_ASSERT_FALSE(nc_tcp_stream_last_offset(s, &off));
	nc_tcp_stream_free(s);
	nc_buf_free(&k.got);
}

void t_register_stream(void)
{
	static const struct nc_unit_test tests[] = {
		{ "in order", test_in_order },
		{ "out of order", test_out_of_order },
		{ "retransmissions", test_retransmissions },
		{ "overlap with buffered bytes differs", test_overlap_buffered_differs },
		{ "history limit", test_history_limit },
		{ "sequence wraparound", test_wraparound },
		{ "FIN and data after it", test_fin_and_after },
		{ "holes never filled", test_holes },
		{ "RST, mid-stream start, SYN checks", test_rst_midstream_syn },
		{ "bytes beyond the snap length", test_uncaptured },
		{ "64 MiB transfer in flat memory", test_large_transfer },
		{ "out-of-order cap", test_overflow },
		{ "connection table", test_conns },
		{ "where the last segment lies", test_last_offset },
		{ NULL, NULL },
	};
	nc_unit_suite("stream", tests);
}
