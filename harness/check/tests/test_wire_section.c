/* test_wire_section.c: unit tests of the wire section (check/wire_section.c,
 * check/wire_stream.c) on hand-built captures.
 *
 * Every check has a case that must fail, with the message a person reads,
 * and one that must pass on a legal variation: a stream split anywhere, a
 * line ending inside a segment, retransmissions, interleaved directions.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/tests/check_fx.h"
#include "check/wire.h"
#include "scenario/payload.h"
#include "tests/unit/cunit_main.h"
#include "util/clock.h"
#include "wire/tcp_flags.h"

/* ------------------------------------------------------------------------ */
/* Scripted exchanges */

/* A TCP connection between the client 127.0.0.1:41234 and the server
 * 127.0.0.1:50000, written one segment at a time. */
struct tx {
	struct fx *f;
	struct ep ep[2];        /* [0] the client, [1] the server */
	uint32_t isn[2];
	uint32_t next[2];       /* the next sequence number each side sends */
};

#define CLI 0
#define SRV 1
#define PA (NC_TCP_PSH | NC_TCP_ACK)

static void tx_seg(struct tx *t, int from, uint32_t seq, uint8_t flags, const void *data, size_t n)
{
	struct frame fr;
	tcp_frame_n(&fr, &t->ep[from], &t->ep[1 - from], seq, t->next[1 - from], flags, data, n);
	feed(t->f, &fr);
}

/* The handshake: SYN (the client's initial sequence number isn), SYN-ACK,
 * ACK. */
static void tx_open_isn(struct tx *t, struct fx *f, uint32_t isn)
{
	struct nc_addr c = addr4("127.0.0.1", 41234), s = addr4("127.0.0.1", 50000);
	memset(t, 0, sizeof(*t));
	t->f = f;
	t->ep[CLI] = ep_of(&c);
	t->ep[SRV] = ep_of(&s);
	t->isn[CLI] = isn;
	t->isn[SRV] = 5000;
	t->next[CLI] = isn + 1;
	t->next[SRV] = 5000;
	tx_seg(t, CLI, isn, NC_TCP_SYN, NULL, 0);
	t->next[SRV] = 5001;
	tx_seg(t, SRV, 5000, NC_TCP_SYN | NC_TCP_ACK, NULL, 0);
	tx_seg(t, CLI, isn + 1, NC_TCP_ACK, NULL, 0);
}

static void tx_open(struct tx *t, struct fx *f)
{
	tx_open_isn(t, f, 1000);
}

/* The next n bytes from one side, in one segment. */
static void tx_send_n(struct tx *t, int from, uint8_t flags, const void *data, size_t n)
{
	tx_seg(t, from, t->next[from], flags, data, n);
	t->next[from] += (uint32_t)n + ((flags & NC_TCP_FIN) ? 1 : 0);
}

static void tx_send(struct tx *t, int from, const char *data)
{
	tx_send_n(t, from, PA, data, strlen(data));
}

/* Bytes sent again from stream offset off. */
static void tx_resend(struct tx *t, int from, uint32_t off, const char *data)
{
	tx_seg(t, from, t->isn[from] + 1 + off, PA, data, strlen(data));
}

/* Both sides close with FIN; the client acknowledges last. */
static void tx_fin(struct tx *t)
{
	tx_send_n(t, CLI, NC_TCP_FIN | NC_TCP_ACK, NULL, 0);
	tx_send_n(t, SRV, NC_TCP_FIN | NC_TCP_ACK, NULL, 0);
	tx_seg(t, CLI, t->next[CLI], NC_TCP_ACK, NULL, 0);
}

/* The same, and the capture ends. */
static void tx_close(struct tx *t)
{
	tx_fin(t);
	finish(t->f);
}

/* A scenario whose wire section is `lines` (its first line is line 10),
 * with the roles' endpoints known as tcp_roles sets them. */
static bool sec_open(struct fx *f, const char *lines)
{
	static char text[4096];
	snprintf(text, sizeof(text),
		 "scenario t\n"          /* 1 */
		 "transport tcp\n"       /* 2 */
		 "server\n"              /* 3 */
		 "  bind loopback:0\n"   /* 4 */
		 "  listen\n"            /* 5 */
		 "  accept\n"            /* 6 */
		 "client\n"              /* 7 */
		 "  connect server\n"    /* 8 */
		 "wire\n"                /* 9 */
		 "%s", lines);
	if (!fx_open(f, text, NC_FAM_INET))
		return false;
	tcp_roles(f, "", "", true);
	return true;
}

static void judge(struct fx *f)
{
	nc_check_wire_section(&f->o, f->w, &f->r);
}

/* One send of a script: who, and what (NULL ends the script). */
struct say {
	int from;
	const char *data;
};

/* Judges the section `lines` on a connection that opens, carries the
 * script's sends in order, one segment each, and closes with a FIN each
 * way. False when the scenario did not parse. */
static bool converse(struct fx *f, const char *lines, const struct say *script)
{
	struct tx t;
	if (!sec_open(f, lines))
		return false;
	tx_open(&t, f);
	for (; script->data; script++)
		tx_send(&t, script->from, script->data);
	tx_close(&t);
	judge(f);
	return true;
}

/* ------------------------------------------------------------------------ */
/* Stream lines */

static void test_split_stream(void)
{
	/* One line matches a stream however it was split, and `only` is
	 * content: every byte is on a line. */
	static const struct say splits[][6] = {
		{ { SRV, "hello world\n" }, { CLI, "b" }, { CLI, "ye" }, { 0, NULL } },
		{ { SRV, "hel" }, { SRV, "lo w" }, { SRV, "orld\n" }, { CLI, "bye" }, { 0, NULL } },
		{ { SRV, "h" }, { SRV, "ello world" }, { SRV, "\n" }, { CLI, "bye" }, { 0, NULL } },
	};
	for (size_t k = 0; k < 3; k++) {
		struct fx f;
		if (!converse(&f, "  handshake\n"
				  "  server > client tcp \"hello world\\n\"\n"
				  "  client > server tcp \"bye\"\n"
				  "  teardown fin\n"
				  "  only\n", splits[k]))
			return;
		EXPECT_COUNT(&f.r, 0);
		fx_close(&f);
	}
}

static void test_line_inside_segment(void)
{
	/* A line may end inside a segment; the next line of that direction
	 * continues from that byte, placed at the same segment. */
	static const struct say sends[] = { { SRV, "line one\nline two\nli" },
					    { SRV, "ne three\n" }, { 0, NULL } };
	struct fx f;
	if (!converse(&f, "  handshake\n"
			  "  server > client tcp \"line one\\n\"\n"
			  "  server > client tcp \"line two\\nline\"\n"
			  "  server > client tcp \" three\\n\"\n"
			  "  teardown fin\n"
			  "  only\n", sends))
		return;
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
}

static void test_wrong_byte(void)
{
	/* The first wrong byte is named by its stream offset, with the packet
	 * that carried it and a hex diff in stream offsets. */
	static const struct say sends[] = { { SRV, "hello w" }, { SRV, "orld" }, { 0, NULL } };
	struct fx f;
	if (!converse(&f, "  server > client tcp \"hello\"\n"
			  "  server > client tcp \" wXrld\"\n", sends))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 11,
		       "server > client tcp \" wXrld\": expected 6 bytes \" wXrld\" at stream offset "
		       "5, got 6 bytes \" world\", first difference at stream offset 7, in #5 "
		       "127.0.0.1.50000 > 127.0.0.1.41234: Flags [P.], seq 8:12, ack 1, win 512, "
		       "length 4");
	EXPECT_HAS(f.r.failures[0].detail, "first difference at offset 7\n");
	EXPECT_HAS(f.r.failures[0].detail, "expected (6 bytes):\n> 00000005  20 77 58 72 6c 64 ");
	EXPECT_HAS(f.r.failures[0].detail, "| wXrld|");
	EXPECT_HAS(f.r.failures[0].detail, "actual (6 bytes):\n> 00000005  20 77 6f 72 6c 64 ");
	EXPECT_HAS(f.r.failures[0].detail, "> #5 127.0.0.1.50000 > 127.0.0.1.41234");
	CU_ASSERT_FALSE(f.r.failures[0].consequence);
	fx_close(&f);
}

static void test_short_stream(void)
{
	/* A stream that ends early says how many bytes it had; when the roles
	 * were stopped early, that follows from the failure that stopped them. */
	for (int decided = 0; decided < 2; decided++) {
		struct fx f;
		struct tx t;
		if (!sec_open(&f, "  server > client tcp \"hello world\"\n"))
			return;
		if (decided)
			f.o.decided_t = 3 * NC_MS;
		tx_open(&t, &f);
		tx_send(&t, SRV, "hello");
		tx_close(&t);
		judge(&f);
		EXPECT_COUNT(&f.r, 1);
		EXPECT_FAILURE(&f.r, 0, "wire", 10,
			       "server > client tcp \"hello world\": expected 11 bytes \"hello world\" "
			       "at stream offset 0, got only 5 bytes \"hello\": the stream from "
			       "127.0.0.1:50000 to 127.0.0.1:41234 ended after 5 bytes");
		CU_ASSERT_EQUAL(f.r.failures[0].consequence, decided == 1);
		fx_close(&f);
	}
	/* Every byte already on a line above. */
	static const struct say sends[] = { { SRV, "hel" }, { SRV, "lo" }, { 0, NULL } };
	struct fx f;
	if (!converse(&f, "  server > client tcp \"hello\"\n  server > client tcp len 3\n", sends))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 11,
		       "server > client tcp len 3: expected 3 bytes at stream offset 5, got only 0 "
		       "bytes: the stream from 127.0.0.1:50000 to 127.0.0.1:41234 ended after 5 "
		       "bytes, all of them on the lines above");
	fx_close(&f);
}

static void test_no_connection(void)
{
	struct fx f;
	if (!sec_open(&f, "  server > client tcp \"hello\"\n"))
		return;
	finish(&f);
	judge(&f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 10,
		       "server > client tcp \"hello\": expected a TCP connection from the server "
		       "(127.0.0.1:50000) to the client (127.0.0.1:41234), but none was captured");
	EXPECT_HAS(f.r.failures[0].detail, "no packets were captured");
	fx_close(&f);
}

static void test_order(void)
{
	/* A line is placed at the packet that first carried its first byte:
	 * the server's reply may start while the client is still sending. */
	static const struct say echo[] = { { CLI, "ab" }, { SRV, "AB" }, { CLI, "cd" },
					   { SRV, "CD" }, { 0, NULL } };
	struct fx f;
	if (!converse(&f, "  handshake\n"
			  "  client > server tcp \"abcd\"\n"
			  "  server > client tcp \"ABCD\"\n"
			  "  teardown fin\n"
			  "  only\n", echo))
		return;
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* Lines written in another order than their first bytes crossed. */
	static const struct say greet[] = { { SRV, "hello" }, { CLI, "hi" }, { 0, NULL } };
	if (!converse(&f, "  client > server tcp \"hi\"\n"
			  "  server > client tcp \"hello\"\n", greet))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 11,
		       "server > client tcp \"hello\": expected its first byte after #5, where the "
		       "line before was placed, but it was first sent in #4 127.0.0.1.50000 > "
		       "127.0.0.1.41234: Flags [P.], seq 1:6, ack 1, win 512, length 5, before that "
		       "(write the lines in the order their first bytes crossed the wire)");
	fx_close(&f);
}

static void test_retransmission(void)
{
	/* A retransmitted segment, and one that repeats old bytes and brings
	 * new ones: the stream is what counts, and it is all on lines. */
	struct fx f;
	struct tx t;
	if (!sec_open(&f, "  handshake\n"
			  "  server > client tcp \"hello world\"\n"
			  "  teardown fin\n"
			  "  only\n"))
		return;
	tx_open(&t, &f);
	tx_send(&t, SRV, "hello");
	tx_resend(&t, SRV, 0, "hello");
	tx_resend(&t, SRV, 3, "lo world");
	t.next[SRV] += 6;
	tx_close(&t);
	judge(&f);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
}

static void test_two_connections(void)
{
	/* A client that connects twice: the lines go on to the second
	 * connection once the first one's bytes are all matched, and the
	 * bytes of two connections never make one line. */
	for (int joined = 0; joined < 2; joined++) {
		struct fx f;
		struct tx t;
		if (!sec_open(&f, joined ? "  client > server tcp \"firstsecond\"\n"
					 : "  client > server tcp \"first\"\n"
					   "  client > server tcp \"second\"\n"))
			return;
		tx_open(&t, &f);
		tx_send(&t, CLI, "first");
		tx_fin(&t);
		/* The same ports again, with a new initial sequence number. */
		tx_open_isn(&t, &f, 9000);
		tx_send(&t, CLI, "sec");
		tx_send(&t, CLI, "ond");
		tx_close(&t);
		judge(&f);
		if (!joined) {
			EXPECT_COUNT(&f.r, 0);
		} else {
			EXPECT_COUNT(&f.r, 1);
			EXPECT_FAILURE(&f.r, 0, "wire", 10,
				       "client > server tcp \"firstsecond\": expected 11 bytes "
				       "\"firstsecond\" at stream offset 0, got only 5 bytes \"first\": "
				       "the stream from 127.0.0.1:41234 to 127.0.0.1:50000 ended after 5 "
				       "bytes");
		}
		fx_close(&f);
	}
}

/* ------------------------------------------------------------------------ */
/* Segment lines */

static void test_segment_lines(void)
{
	static const struct say two[] = { { SRV, "hel" }, { SRV, "lo world" }, { 0, NULL } };
	struct fx f;
	struct tx t;
	/* One segment each, exactly. */
	if (!converse(&f, "  handshake\n"
			  "  server > client tcp segment flags PA \"hel\"\n"
			  "  server > client tcp segment \"lo world\"\n"
			  "  teardown fin\n"
			  "  only\n", two))
		return;
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* A segment line does not match two segments. */
	if (!converse(&f, "  handshake\n  server > client tcp segment \"hello world\"\n", two))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 11,
		       "server > client tcp segment \"hello world\": expected 11 bytes \"hello "
		       "world\", got 3 bytes \"hel\", first difference at offset 3, in #4 "
		       "127.0.0.1.50000 > 127.0.0.1.41234: Flags [P.], seq 1:4, ack 1, win 512, "
		       "length 3");
	EXPECT_HAS(f.r.failures[0].detail, "first difference at offset 3\n");
	fx_close(&f);

	/* A stream line continues after a segment line, and a segment line
	 * after a stream line skips the segments the stream consumed. */
	if (!sec_open(&f, "  handshake\n"
			  "  server > client tcp segment \"hel\"\n"
			  "  server > client tcp \"lo wo\"\n"
			  "  server > client tcp segment flags FPA \"rld\"\n"
			  "  only\n"))
		return;
	tx_open(&t, &f);
	tx_send(&t, SRV, "hel");
	tx_send(&t, SRV, "lo ");
	tx_send(&t, SRV, "wo");
	tx_send_n(&t, SRV, NC_TCP_FIN | PA, "rld", 3);
	tx_send_n(&t, CLI, NC_TCP_FIN | NC_TCP_ACK, NULL, 0);
	finish(&f);
	judge(&f);
	EXPECT_COUNT(&f.r, 1);
	/* The client's FIN is on no line: `only` names it. */
	EXPECT_HAS(f.r.failures[0].message, "only: expected no packet beyond those the lines "
		   "above matched, got #8 127.0.0.1.41234 > 127.0.0.1.50000: Flags [F.]");
	fx_close(&f);
}

static void test_flags(void)
{
	/* Flags by letter and by name. */
	struct fx f;
	if (!sec_open(&f, "  client > server tcp segment flags S\n"
			  "  server > client tcp segment flags SA\n"))
		return;
	struct nc_addr c = addr4("127.0.0.1", 41234), s = addr4("127.0.0.1", 50000);
	struct ep ce = ep_of(&c), se = ep_of(&s);
	struct frame fr;
	tcp_frame(&fr, &ce, &se, 1000, 0, NC_TCP_SYN, NULL);
	feed(&f, &fr);
	tcp_frame(&fr, &se, &ce, 0, 1001, NC_TCP_RST | NC_TCP_ACK, NULL);
	feed(&f, &fr);
	finish(&f);
	judge(&f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 11,
		       "server > client tcp segment flags SA: expected flags [S.] (SYN+ACK), got [R.] "
		       "(RST+ACK) in #2 127.0.0.1.50000 > 127.0.0.1.41234: Flags [R.], seq 0, ack 1, "
		       "win 512, length 0");
	fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* only */

static void test_only(void)
{
	/* Bytes no line covers, here four the server sent after its greeting
	 * in the same segment. */
	static const struct say junk[] = { { SRV, "hellojunk" }, { 0, NULL } };
	struct fx f;
	if (!converse(&f, "  handshake\n"
			  "  server > client tcp \"hello\"\n"
			  "  teardown fin\n"
			  "  only\n", junk))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 13,
		       "only: expected every byte of each stream on a line, got 4 bytes at stream "
		       "offset 5 of the stream from 127.0.0.1:50000 to 127.0.0.1:41234 that no line "
		       "covers \"junk\", in #4 127.0.0.1.50000 > 127.0.0.1.41234: Flags [P.], seq "
		       "1:10, ack 1, win 512, length 9");
	fx_close(&f);

	/* A direction no line names at all. */
	static const struct say greet[] = { { SRV, "hello" }, { CLI, "hi" }, { 0, NULL } };
	if (!converse(&f, "  handshake\n  server > client tcp \"hello\"\n  teardown fin\n"
			  "  only\n", greet))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_HAS(f.r.failures[0].message, "only: expected every byte of each stream on a line, "
		   "got 2 bytes at stream offset 0 of the stream from 127.0.0.1:41234 to "
		   "127.0.0.1:50000 that no line covers \"hi\", in #5 ");
	fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Beyond the bytes kept: digests */

static void test_large_stream(void)
{
	/* 2 MiB in 1400-byte segments: the first MiB is compared byte by
	 * byte, the rest block by block through the stream's digests. */
	static const char LINES[] = "  server > client tcp random 2MiB seed 7\n";
	enum { SEG = 1400 };
	for (int variant = 0; variant < 3; variant++) {
		struct fx f;
		struct tx t;
		/* variant 2: the line is a byte shorter, so its last block is
		 * partial and can only be counted. */
		if (!sec_open(&f, variant == 2 ? "  server > client tcp random 2097151 seed 7\n"
					       : LINES))
			return;
		struct nc_payload_gen g;
		struct nc_varctx v;
		memset(&v, 0, sizeof(v));
		enum nc_var miss;
		CU_ASSERT_FATAL(nc_payload_open(&g, &f.sc->wire[0].payload, &v, &miss) == 0);
		tx_open(&t, &f);
		uint8_t buf[SEG];
		for (uint64_t off = 0; off < (2u << 20); off += SEG) {
			size_t n = (2u << 20) - off < SEG ? (size_t)((2u << 20) - off) : SEG;
			if (off < g.len)
				nc_payload_at(&g, off, buf, off + n <= g.len ? n : (size_t)(g.len - off));
			if (variant == 1 && off <= 1600000 && 1600000 < off + n)
				buf[1600000 - off] ^= 1;
			tx_send_n(&t, SRV, PA, buf, n);
		}
		nc_payload_close(&g);
		tx_close(&t);
		judge(&f);
		if (variant == 0) {
			EXPECT_COUNT(&f.r, 0);
			CU_ASSERT_PTR_NULL(nc_result_get_prop(&f.r, "wire unchecked"));
		} else if (variant == 1) {
			EXPECT_COUNT(&f.r, 1);
			EXPECT_HAS(f.r.failures[0].message, "other bytes within stream offsets "
				   "1572864..1638399 (compared by digest: beyond the first 1048576 "
				   "bytes, which were kept)");
		} else {
			EXPECT_COUNT(&f.r, 0);
			const char *note = nc_result_get_prop(&f.r, "wire unchecked");
			CU_ASSERT_PTR_NOT_NULL_FATAL(note);
			EXPECT_HAS(note, "line 10: 65535 bytes of the stream were counted, not "
				   "compared");
		}
		fx_close(&f);
	}
}

/* ------------------------------------------------------------------------ */
/* Handshake, packets, teardown, only, ICMP */

/* WIRE_TCP's section judged on the greeting and reply that tcp_capture
 * writes from segs, the server sending sdata. */
static bool greet(struct fx *f, const enum seg *segs, size_t n, const char *sdata)
{
	if (!fx_open(f, WIRE_TCP, NC_FAM_INET))
		return false;
	tcp_roles(f, "hi I'm coming", sdata, true);
	tcp_capture(f, segs, n, sdata, "hi I'm coming");
	judge(f);
	return true;
}

static void test_wire_section(void)
{
	struct fx f;
	/* Everything as listed. */
	if (!greet(&f, FULL, 8, "hello"))
		return;
	EXPECT_COUNT(&f.r, 0);
	/* The handshake's options are recorded for the report. */
	const char *hs = nc_result_get_prop(&f.r, "handshake");
	CU_ASSERT_PTR_NOT_NULL(hs);
	if (hs)
		CU_ASSERT_STRING_EQUAL(hs, "SYN [mss 65495,nop,nop,sackOK], SYN-ACK "
					   "[mss 65495,nop,nop,sackOK]");
	fx_close(&f);

	/* No SYN-ACK: the handshake fails, and nothing after it is judged. */
	static const enum seg nosynack[] = { SYN, ACK, SDATA, CDATA, CFIN, SFIN, LASTACK };
	if (!greet(&f, nosynack, 7, "hello"))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 16,
		       "handshake: expected flags [S.] (SYN+ACK) from the server (127.0.0.1:50000), "
		       "got [P.] (PSH+ACK) in #3 127.0.0.1.50000 > 127.0.0.1.41234: Flags [P.], "
		       "seq 5001:5006, ack 1, win 512, length 5");
	EXPECT_HAS(f.r.failures[0].detail, "captured packets around it:\n");
	fx_close(&f);

	/* No packets at all. */
	if (!fx_open(&f, WIRE_TCP, NC_FAM_INET))
		return;
	tcp_roles(&f, "", "", true);
	finish(&f);
	nc_check_wire_section(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 16,
		       "handshake: expected a SYN from the client (127.0.0.1:41234) to the server "
		       "(127.0.0.1:50000), but no such packet was captured");
	EXPECT_HAS(f.r.failures[0].detail, "no packets were captured");
	fx_close(&f);

	/* The server's data with ACK alone set: its stream line says nothing
	 * of flags, so it matches. */
	static const enum seg ackdata[] = { SYN, SYNACK, ACK, SACK_DATA, CDATA, CFIN, SFIN, LASTACK };
	if (!greet(&f, ackdata, 8, "hello"))
		return;
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* A pure ACK before the data is skipped by a data expectation. */
	static const enum seg pure[] = { SYN, SYNACK, ACK, SPUREACK, SDATA, CDATA, CFIN, SFIN,
					 LASTACK };
	if (!greet(&f, pure, 9, "hello"))
		return;
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* Other payload bytes of the same length. */
	if (!greet(&f, FULL, 8, "hellx"))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 17,
		       "server > client tcp \"hello\": expected 5 bytes \"hello\" at stream offset 0, "
		       "got 5 bytes \"hellx\", first difference at stream offset 4, in #4 "
		       "127.0.0.1.50000 > 127.0.0.1.41234: Flags [P.], seq 1:6, ack 1, win 512, "
		       "length 5");
	fx_close(&f);

	/* A longer stream: the line matches its first bytes, and `only`
	 * names the rest. */
	if (!greet(&f, FULL, 8, "hello!"))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 20,
		       "only: expected every byte of each stream on a line, got 1 byte at stream "
		       "offset 5 of the stream from 127.0.0.1:50000 to 127.0.0.1:41234 that no line "
		       "covers \"!\", in #4 127.0.0.1.50000 > 127.0.0.1.41234: Flags [P.], seq "
		       "1:7, ack 1, win 512, length 6");
	fx_close(&f);

	/* The client's segment has other flags than its line says. */
	static const enum seg cfin[] = { SYN, SYNACK, ACK, SDATA, CFIN, SFIN, LASTACK };
	if (!greet(&f, cfin, 7, "hello"))
		return;
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 18,
		       "client > server tcp segment flags PA \"hi I'm coming\": expected flags [P.] "
		       "(PSH+ACK), got [F.] (FIN+ACK) in #5 127.0.0.1.41234 > 127.0.0.1.50000: "
		       "Flags [F.], seq 14, ack 6, win 512, length 0");
	fx_close(&f);
}

static void test_wire_len(void)
{
	/* `len N` on a segment judges the payload length of one packet; on a
	 * stream line, the count of the stream's next bytes. */
	static const char LEN[] =
		"scenario t\n"                           /* 1 */
		"transport tcp\n"                        /* 2 */
		"server\n"                               /* 3 */
		"  bind loopback:0\n"                    /* 4 */
		"  listen\n"                             /* 5 */
		"  accept\n"                             /* 6 */
		"client\n"                               /* 7 */
		"  connect server\n"                     /* 8 */
		"wire\n"                                 /* 9 */
		"  handshake\n"                          /* 10 */
		"  server > client tcp len 3\n"          /* 11 */
		"  server > client tcp len 2\n"          /* 12 */
		"  client > server tcp segment len 3\n"; /* 13 */
	struct fx f;
	if (!fx_open(&f, LEN, NC_FAM_INET))
		return;
	tcp_roles(&f, "hi I'm coming", "hello", true);
	tcp_capture(&f, FULL, 8, "hello", "hi I'm coming");
	nc_check_wire_section(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 13,
		       "client > server tcp segment len 3: expected 3 payload bytes, got 13 bytes "
		       "\"hi I'm coming\", in #5 127.0.0.1.41234 > 127.0.0.1.50000: Flags [P.], seq "
		       "1:14, ack 6, win 512, length 13");
	/* The packet in question is the one marked in the neighbours. */
	EXPECT_HAS(f.r.failures[0].detail, "> #5 ");
	fx_close(&f);
}

static const char WIRE_TEARDOWN[] =
	"scenario t\n"                        /* 1 */
	"transport tcp\n"                     /* 2 */
	"server\n"                            /* 3 */
	"  bind loopback:0\n"                 /* 4 */
	"  listen\n"                          /* 5 */
	"  accept\n"                          /* 6 */
	"client\n"                            /* 7 */
	"  connect server\n"                  /* 8 */
	"wire\n"                              /* 9 */
	"  client > server tcp segment flags S\n" /* 10 */
	"  server > client tcp segment flags SA len 0\n" /* 11 */
	"  client > server tcp segment A\n"   /* 12 */
	"  teardown %s\n";                    /* 13 */

static void teardown_case(const char *kind, const enum seg *segs, size_t n, struct fx *f)
{
	char text[sizeof(WIRE_TEARDOWN) + 8];
	snprintf(text, sizeof(text), WIRE_TEARDOWN, kind);
	if (!fx_open(f, text, NC_FAM_INET))
		return;
	tcp_roles(f, "", "", true);
	tcp_capture(f, segs, n, "", "");
	nc_check_wire_section(&f->o, f->w, &f->r);
}

static void test_wire_teardown(void)
{
	struct fx f;
	static const enum seg fin[] = { SYN, SYNACK, ACK, CFIN, SFIN, LASTACK };
	static const enum seg rst[] = { SYN, SYNACK, ACK, CRST };
	static const enum seg half[] = { SYN, SYNACK, ACK, CFIN };
	teardown_case("fin", fin, 6, &f);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
	teardown_case("rst", rst, 4, &f);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* FIN expected, RST seen. */
	teardown_case("fin", rst, 4, &f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 13,
		       "teardown fin: expected a FIN from each side and no RST, got an RST from the "
		       "client in #4 127.0.0.1.41234 > 127.0.0.1.50000: Flags [R], seq 1, win 512, "
		       "length 0 (the connection was reset instead of closed with FIN)");
	fx_close(&f);
	/* RST expected, FINs seen. */
	teardown_case("rst", fin, 6, &f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 13,
		       "teardown rst: expected an RST between the client (127.0.0.1:41234) and the "
		       "server (127.0.0.1:50000), but none was captured");
	fx_close(&f);
	/* Only the client closed. */
	teardown_case("fin", half, 4, &f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 13,
		       "teardown fin: expected a FIN from each side, but the server (127.0.0.1:50000) "
		       "sent none");
	fx_close(&f);
	/* A wrong flag on a listed packet. */
	static const enum seg nohs[] = { SYN, SYN, ACK };
	teardown_case("fin", nohs, 3, &f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 11,
		       "server > client tcp segment flags SA len 0: expected a segment from the "
		       "server (127.0.0.1:50000) to the client (127.0.0.1:41234), but no such packet "
		       "was captured");
	fx_close(&f);
}

static void test_wire_only(void)
{
	struct fx f;
	/* `only` after the whole exchange is listed. */
	static const char ONLY[] =
		"scenario t\n"                         /* 1 */
		"transport udp\n"                      /* 2 */
		"server\n"                             /* 3 */
		"  bind loopback:0\n"                  /* 4 */
		"  recvfrom 100 => \"hello\"\n"        /* 5 */
		"client\n"                             /* 6 */
		"  sendto \"hello\" server\n"          /* 7 */
		"wire\n"                               /* 8 */
		"  client > server udp \"hello\"\n"    /* 9 */
		"  only\n";                            /* 10 */
	struct nc_addr c4 = addr4("127.0.0.1", 41234), s4 = addr4("127.0.0.1", 50000);
	struct ep ce = ep_of(&c4), se = ep_of(&s4);
	struct nc_addr o4 = addr4("127.0.0.1", 6000);
	struct ep oe = ep_of(&o4);
	struct frame fr;
	if (!fx_open(&f, ONLY, NC_FAM_INET))
		return;
	hello_dgrams(&f, false, "hello");
	udp_frame(&fr, &ce, &se, "hello", 5);
	feed(&f, &fr);
	/* Traffic between other endpoints does not count. */
	udp_frame(&fr, &oe, &se, "other", 5);
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_section(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* An extra datagram between them does. */
	if (!fx_open(&f, ONLY, NC_FAM_INET))
		return;
	hello_dgrams(&f, false, "hello");
	udp_frame(&fr, &ce, &se, "hello", 5);
	feed(&f, &fr);
	udp_frame(&fr, &se, &ce, "extra", 5);
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_section(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 10,
		       "only: expected no packet beyond those the lines above matched, got #2 "
		       "127.0.0.1.50000 > 127.0.0.1.41234: UDP, length 5");
	fx_close(&f);

	/* And any ICMP error, wherever it goes. */
	if (!fx_open(&f, ONLY, NC_FAM_INET))
		return;
	hello_dgrams(&f, false, "hello");
	udp_frame(&fr, &ce, &se, "hello", 5);
	feed(&f, &fr);
	unreach_frame(&fr, &oe, &se, "zz");
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_section(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_HAS(f.r.failures[0].message, "only: expected no packet beyond those the lines above "
		   "matched, got #2 127.0.0.1 > 127.0.0.1: ICMP 127.0.0.1 udp port 6000 unreachable");
	fx_close(&f);
}

static const char WIRE_ICMP[] =
	"scenario t\n"                                    /* 1 */
	"transport udp\n"                                 /* 2 */
	"family inet inet6\n"                             /* 3 */
	"client\n"                                        /* 4 */
	"  connect unused\n"                              /* 5: step 0 */
	"  send \"anyone there?\"\n"                      /* 6: step 1 */
	"  recv 100 => error ECONNREFUSED\n"              /* 7: step 2 */
	"wire\n"                                          /* 8 */
	"  client > unused udp \"anyone there?\"\n"       /* 9 */
	"  unused > client icmp port-unreachable\n"       /* 10 */
	"  only\n";                                       /* 11 */

static void icmp_case(bool v6, bool answer, uint16_t quoted_port, uint16_t quoted_from,
		      struct fx *f)
{
	if (!fx_open(f, WIRE_ICMP, v6 ? NC_FAM_INET6 : NC_FAM_INET))
		return;
	f->o.unused_port = 9;
	struct nc_addr c = v6 ? addr6("::1", 41234) : addr4("127.0.0.1", 41234);
	struct nc_addr u = v6 ? addr6("::1", 9) : addr4("127.0.0.1", 9);
	struct nc_fact *con = end_step(f, NC_ROLE_CLIENT, 0);
	con->local = c;
	con->peer = u;
	struct ep ce = ep_of(&c), ue = ep_of(&u);
	struct frame fr;
	udp_frame(&fr, &ce, &ue, "anyone there?", 13);
	feed(f, &fr);
	if (answer) {
		struct nc_addr q = u, qc = c;
		q.port = quoted_port;
		qc.port = quoted_from;
		struct ep qe = ep_of(&q), qce = ep_of(&qc);
		unreach_frame(&fr, &qe, &qce, "anyone there?");
		feed(f, &fr);
	}
	finish(f);
	nc_check_wire_section(&f->o, f->w, &f->r);
}

static void test_wire_icmp(void)
{
	struct fx f;
	/* ICMP and ICMPv6 port unreachable, quoting the datagram. */
	icmp_case(false, true, 9, 41234, &f);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
	icmp_case(true, true, 9, 41234, &f);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
	/* None captured. */
	icmp_case(false, false, 9, 41234, &f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 10,
		       "unused > client icmp port-unreachable: expected ICMP destination unreachable, "
		       "port unreachable (type 3, code 3) from the unused port (127.0.0.1:9) to the "
		       "client (127.0.0.1:41234), but no ICMP message was captured");
	fx_close(&f);
	/* One quoting another datagram: to another port, or from another
	 * client port. */
	for (int k = 0; k < 2; k++) {
		icmp_case(true, true, k ? 9 : 10, k ? 41235 : 41234, &f);
		EXPECT_COUNT(&f.r, 1);
		EXPECT_FAILURE(&f.r, 0, "wire", 10,
			       k ? "unused > client icmp port-unreachable: expected ICMP destination "
				   "unreachable, port unreachable (type 1, code 4) from the unused port "
				   "([::1]:9) to the client ([::1]:41234), quoting a datagram from the "
				   "client ([::1]:41234) to the unused port ([::1]:9), got one quoting a "
				   "datagram from [::1]:41235 to [::1]:9 in #2 ::1 > ::1: ICMP6, "
				   "destination unreachable, unreachable port, ::1 udp port 9, length 69"
				 : "unused > client icmp port-unreachable: expected ICMP destination "
				   "unreachable, port unreachable (type 1, code 4) from the unused port "
				   "([::1]:9) to the client ([::1]:41234), quoting a datagram from the "
				   "client ([::1]:41234) to the unused port ([::1]:9), got one quoting a "
				   "datagram from [::1]:41234 to [::1]:10 in #2 ::1 > ::1: ICMP6, "
				   "destination unreachable, unreachable port, ::1 udp port 10, length 69");
		fx_close(&f);
	}

	/* Another ICMP message, named with its type and code. */
	if (!fx_open(&f, WIRE_ICMP, NC_FAM_INET))
		return;
	f.o.unused_port = 9;
	struct nc_addr c = addr4("127.0.0.1", 41234), u = addr4("127.0.0.1", 9);
	struct nc_fact *con = end_step(&f, NC_ROLE_CLIENT, 0);
	con->local = c;
	con->peer = u;
	struct ep ce = ep_of(&c), ue = ep_of(&u);
	struct frame fr;
	udp_frame(&fr, &ce, &ue, "anyone there?", 13);
	feed(&f, &fr);
	unreach_frame(&fr, &ue, &ce, "anyone there?");
	fr.b[14 + 20 + 1] = 1; /* code 1: host unreachable */
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_section(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 10,
		       "unused > client icmp port-unreachable: expected ICMP destination unreachable, "
		       "port unreachable (type 3, code 3), got destination unreachable, host "
		       "unreachable (type 3, code 1) in #2 127.0.0.1 > 127.0.0.1: ICMP host "
		       "127.0.0.1 unreachable, length 49");
	fx_close(&f);
}

/* A client whose first packet went to another port than the server's. */
static void test_wrong_port(void)
{
	struct nc_addr c = addr4("127.0.0.1", 40112), s = addr4("127.0.0.1", 5555);
	struct nc_addr x = addr4("127.0.0.1", 4444);
	struct ep ce = ep_of(&c), xe = ep_of(&x);
	struct frame fr;
	/* TCP: a SYN to a port nothing listened on, refused. The client may
	 * be a program nobody accepted (its address unknown) or known. */
	for (int known = 0; known < 2; known++) {
		struct fx f;
		if (!fx_open(&f, "scenario t\ntransport tcp\nserver\n  bind loopback:5555\n"
				 "  listen\n  accept\nclient exec true\nwire\n  handshake\n",
			     NC_FAM_INET))
			return;
		f.o.role[NC_ROLE_SERVER].ready = true;
		f.o.role[NC_ROLE_SERVER].ready_addr = s;
		if (known) {
			end_step(&f, NC_ROLE_SERVER, 2)->peer = c;
		}
		tcp_frame(&fr, &ce, &xe, 1000, 0, NC_TCP_SYN, NULL);
		feed(&f, &fr);
		tcp_frame(&fr, &xe, &ce, 0, 1001, NC_TCP_RST | NC_TCP_ACK, NULL);
		feed(&f, &fr);
		finish(&f);
		nc_check_wire_section(&f.o, f.w, &f.r);
		EXPECT_COUNT(&f.r, 1);
		EXPECT_FAILURE(&f.r, 0, "wire", 9,
			       "handshake: expected a handshake with the server (127.0.0.1:5555), got "
			       "#1 SYN from 127.0.0.1:40112 to 127.0.0.1:4444, a port nothing served "
			       "(answered by #2 RST)");
		EXPECT_HAS(f.r.failures[0].detail, "> #1 127.0.0.1.40112 > 127.0.0.1.4444: Flags [S]");
		fx_close(&f);
	}

	/* UDP: a datagram to the next port, answered by port unreachable. */
	struct fx f;
	if (!fx_open(&f, "scenario t\ntransport udp\nserver\n  bind loopback:5555\n"
			 "client\n  sendto \"hello\" server\nwire\n  client > server udp \"hello\"\n",
		     NC_FAM_INET))
		return;
	f.o.role[NC_ROLE_SERVER].ready = true;
	f.o.role[NC_ROLE_SERVER].ready_addr = s;
	end_step(&f, NC_ROLE_CLIENT, 0)->local = c;
	udp_frame(&fr, &ce, &xe, "hello", 5);
	feed(&f, &fr);
	unreach_frame(&fr, &xe, &ce, "hello");
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_section(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 8,
		       "client > server udp \"hello\": expected a datagram from the client "
		       "(127.0.0.1:40112) to the server (127.0.0.1:5555), got #1 a datagram from "
		       "127.0.0.1:40112 to 127.0.0.1:4444, a port nothing served (answered by #2 ICMP "
		       "port unreachable)");
	fx_close(&f);
}

/* ------------------------------------------------------------------------ */

void nc_unit_register(void)
{
	static const struct nc_unit_test stream[] = {
		{ "split stream, one line", test_split_stream },
		{ "line ending inside a segment", test_line_inside_segment },
		{ "wrong byte at an offset", test_wrong_byte },
		{ "short stream", test_short_stream },
		{ "no connection", test_no_connection },
		{ "order of lines", test_order },
		{ "retransmissions", test_retransmission },
		{ "two connections", test_two_connections },
		{ "beyond the kept bytes", test_large_stream },
		{ NULL, NULL },
	};
	static const struct nc_unit_test segment[] = {
		{ "segment lines", test_segment_lines },
		{ "flags", test_flags },
		{ NULL, NULL },
	};
	static const struct nc_unit_test only[] = {
		{ "uncovered bytes", test_only },
		{ NULL, NULL },
	};
	static const struct nc_unit_test lines[] = {
		{ "greet and reply", test_wire_section },
		{ "len", test_wire_len },
		{ "teardown", test_wire_teardown },
		{ "only", test_wire_only },
		{ "icmp", test_wire_icmp },
		{ "wrong port", test_wrong_port },
		{ NULL, NULL },
	};
	nc_unit_suite("lines", lines);
	nc_unit_suite("stream lines", stream);
	nc_unit_suite("segment lines", segment);
	nc_unit_suite("only", only);
}
