/* fuzz_decode.c: libFuzzer target for nc_pkt_decode, the formatter and TCP
 * reassembly.
 *
 * An input is a small capture: the first byte picks the link type, then
 * records follow, each a 2-byte little-endian captured length, one byte of
 * extra wire length (wirelen = caplen + extra) and the captured bytes. Every
 * frame is copied into a heap block of exactly its captured length, so
 * AddressSanitizer catches a read past it; it is decoded, formatted with and
 * without a sequence-number context, and fed to a connection table with tiny
 * buffers so the overflow and history paths run too.
 *
 * A first byte with the high bit set selects the second mode, an oracle for
 * the reassembler alone: the input describes segments of a stream whose
 * byte at offset x is always pattern(x), in any order, overlapping, cut by a
 * snap length, under tiny buffer caps. Whatever happens, every byte
 * delivered must be pattern() of its offset, gaps must be reported where
 * bytes are skipped, nothing may be called inconsistent, and nothing may
 * stay buffered after finish.
 *
 * Built only with NC_FUZZ=ON (clang). The unit tests link this file as well
 * and replay fixtures/wire/fuzz-seeds/ through LLVMFuzzerTestOneInput.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "wire/format.h"
#include "wire/packet.h"
#include "wire/tcp_flags.h"
#include "wire/tcp_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = { NC_LINK_EN10MB, NC_LINK_LINUX_SLL, NC_LINK_LINUX_SLL2,
			     NC_LINK_RAW, NC_LINK_DLT_RAW, 228 /* not decoded */ };

/* The sink touches every byte so a bad pointer shows up here. */
static void sink(void *ctx, const uint8_t *p, size_t n)
{
	uint64_t *sum = ctx;
	for (size_t i = 0; i < n; i++)
		*sum += p[i];
}

static void gap(void *ctx, uint64_t off, uint64_t n, bool uncaptured)
{
	uint64_t *sum = ctx;
	*sum += off + n + uncaptured;
}

static void on_new(void *ctx, struct nc_tcp_conn *c)
{
	nc_tcp_stream_set_sink(c->dir[0], sink, gap, ctx);
	nc_tcp_stream_set_sink(c->dir[1], sink, gap, ctx);
}

/* Aborts, saying which invariant broke, so a crash report names it. */
#define FUZZ_CHECK(cond)                                                         \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "fuzz_decode: %s:%d: %s\n", __FILE__,      \
				__LINE__, #cond);                                \
			abort();                                                 \
		}                                                                \
	} while (0)

static uint8_t pattern(uint64_t x)
{
	return (uint8_t)(x * 131 + (x >> 8) * 7 + 1);
}

struct oracle {
	uint64_t off;     /* stream offset of the next byte the stream hands out */
	uint64_t sunk;    /* bytes delivered */
	uint64_t skipped; /* bytes reported as gaps */
};

static void oracle_sink(void *ctx, const uint8_t *p, size_t n)
{
	struct oracle *o = ctx;
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(p[i] == pattern(o->off + i));
	o->off += n;
	o->sunk += n;
}

static void oracle_gap(void *ctx, uint64_t off, uint64_t n, bool uncaptured)
{
	struct oracle *o = ctx;
	(void)uncaptured;
	FUZZ_CHECK(off == o->off && n > 0);
	o->off += n;
	o->skipped += n;
}

/* Input: mode byte, ooo cap byte, history byte, 4-byte ISN, then records
 * of 2-byte offset, 1-byte length, 1-byte captured length. */
static int reassembly_oracle(const uint8_t *data, size_t size)
{
	if (size < 7)
		return 0;
	struct nc_tcp_stream_cfg cfg = { (size_t)data[1] * 16 + 1,
					 data[2] ? (size_t)data[2] : SIZE_MAX };
	uint32_t isn = (uint32_t)data[3] << 24 | (uint32_t)data[4] << 16 |
		       (uint32_t)data[5] << 8 | data[6];
	struct oracle o = { 0, 0, 0 };
	struct nc_tcp_stream *s = nc_tcp_stream_new(&cfg);
	nc_tcp_stream_set_sink(s, oracle_sink, oracle_gap, &o);
	nc_tcp_stream_segment(s, isn, NC_TCP_SYN, NULL, 0, 0);
	uint8_t buf[256];
	uint64_t end = 0;
	for (size_t pos = 7; pos + 4 <= size; pos += 4) {
		uint32_t off = (uint32_t)data[pos] << 8 | data[pos + 1];
		uint32_t len = data[pos + 2];
		uint32_t cap = data[pos + 3] < len ? data[pos + 3] : len;
		for (uint32_t i = 0; i < cap; i++)
			buf[i] = pattern(off + i);
		nc_tcp_stream_segment(s, isn + 1 + off, NC_TCP_ACK, buf, cap, len);
		/* Empty segments carry nothing and end nothing. */
		if (len > 0 && off + len > end)
			end = off + len;
		const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
		FUZZ_CHECK(st->ooo_bytes <= cfg.ooo_max);
		FUZZ_CHECK(st->inconsistencies == 0);
	}
	nc_tcp_stream_finish(s);
	const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(s);
	FUZZ_CHECK(st->inconsistencies == 0);
	FUZZ_CHECK(st->ooo_bytes == 0 && st->ooo_peak <= cfg.ooo_max);
	FUZZ_CHECK(st->delivered == o.sunk);
	FUZZ_CHECK(o.off == end);
	FUZZ_CHECK(st->hole_bytes + st->uncaptured_bytes == o.skipped);
	nc_tcp_stream_free(s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 0x80)
		return reassembly_oracle(data, size);
	int link = links[data[0] % (sizeof(links) / sizeof(links[0]))];
	size_t pos = 1;

	uint64_t sum = 0;
	struct nc_tcp_conns_cfg cfg = { .stream = { 4096, 256 }, .max_conns = 8,
					.on_new = on_new, .ctx = &sum };
	struct nc_tcp_conns *conns = nc_tcp_conns_new(&cfg);
	struct nc_fmt_ctx *fctx = nc_fmt_ctx_new(4);
	struct nc_buf line;
	nc_buf_init(&line, 4096);

	/* One frame per record; a lone tail without a header is one frame. */
	for (int frames = 0; pos < size && frames < 256; frames++) {
		size_t caplen, extra = 0;
		if (size - pos >= 3) {
			caplen = (size_t)(data[pos] | data[pos + 1] << 8);
			extra = data[pos + 2];
			pos += 3;
		} else {
			caplen = size - pos;
		}
		if (caplen > size - pos)
			caplen = size - pos;
		uint8_t *frame = malloc(caplen ? caplen : 1);
		if (!frame)
			break;
		memcpy(frame, data + pos, caplen);
		pos += caplen;

		struct nc_pkt p;
		int rc = nc_pkt_decode(link, frame, (uint32_t)caplen, (uint32_t)(caplen + extra), &p);
		/* The contract: -1 exactly when a problem was reported. */
		FUZZ_CHECK((rc < 0) == (p.truncated || p.malformed));
		FUZZ_CHECK(rc == 0 || p.problem[0]);
		FUZZ_CHECK(!p.payload ||
			   (p.payload >= frame && p.payload + p.payload_len <= frame + caplen));
		nc_buf_reset(&line);
		nc_pkt_format(&line, &p, fctx);
		nc_pkt_format(&line, &p, NULL);
		nc_tcp_conns_add(conns, &p, NULL);
		free(frame);
	}
	nc_tcp_conns_finish(conns);
	for (size_t i = 0; i < nc_tcp_conns_count(conns); i++) {
		const struct nc_tcp_conn *c = nc_tcp_conns_get(conns, i);
		for (int d = 0; d < 2; d++) {
			const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(c->dir[d]);
			/* Nothing may stay buffered after finish, nor exceed the cap. */
			FUZZ_CHECK(st->ooo_bytes == 0 && st->ooo_peak <= cfg.stream.ooo_max);
		}
	}
	nc_buf_free(&line);
	nc_fmt_ctx_free(fctx);
	nc_tcp_conns_free(conns);
	return 0;
}
