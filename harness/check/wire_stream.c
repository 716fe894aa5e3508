/* wire_stream.c: the wire section's stream lines.
 *
 * `SRC > DST tcp PAYLOAD` (or `len N`) matches the next bytes of the
 * stream from SRC to DST as the capture reassembled it (tcp_stream.h),
 * however the segments split them: each line starts where the previous
 * line of that direction ended, which may be inside a segment. Which
 * stream: the first connection between SRC and DST, in the order the
 * connections were opened, that has bytes no line matched yet.
 *
 * A line is placed at the packet that first carried its first byte (the
 * earliest in capture order; a retransmission comes later), and that
 * packet must not come before the previous line's place (wire_section.c).
 *
 * Bytes are compared exactly within the first NC_WIRE_STREAM_KEEP bytes of
 * the stream that the log keeps; beyond them, whole 64 KiB blocks are
 * compared through the stream summary's digests, and bytes in partial
 * blocks can only be counted, which the result says in a property.
 */
#include "check/wire_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/digest.h"
#include "util/hexdump.h"
#include "util/text.h"

#define SHOW_MAX 64          /* bytes shown in a one-line message */
#define DIFF_SPAN 256u       /* bytes of each side in a hex diff */
#define CHUNK 4096u          /* bytes of the payload compared at a time */

const uint8_t *nc_wsec_stream_bytes(const struct nc_wstream *s, int64_t off, uint64_t n)
{
	if (!s || off < 0 || (uint64_t)off > s->nkept || n > s->nkept - (uint64_t)off)
		return NULL;
	return s->kept + off;
}

static bool stream_goes(const struct nc_wstream *s, const struct wep *src, const struct wep *dst)
{
	return nc_wep_match(src, s->ipver, s->src, s->sport) &&
	       nc_wep_match(dst, s->ipver, s->dst, s->dport);
}

/* The direction a line from src to dst continues (see the top): the first
 * connection between them, in the order they were opened, with bytes left.
 * A direction with none left when every one has been used up; NULL when
 * no connection between them was captured. */
static struct nc_wdir *pick_dir(struct nc_wmatch *m, const struct wep *src, const struct wep *dst)
{
	struct nc_wdir *last = NULL;
	for (size_t i = 0; i < m->w->nstreams; i++) {
		const struct nc_wstream *s = &m->w->streams[i];
		if (!stream_goes(s, src, dst))
			continue;
		struct nc_wdir *d = nc_wsec_dir(m, s->conn, s->side);
		if (d && d->next < s->length)
			return d;
		last = d;
	}
	return last;
}

/* The kept packet that first carried byte x of d's stream; the count of
 * kept packets when none of them did (the packet was not kept). */
static size_t first_carrier(const struct nc_wmatch *m, const struct nc_wdir *d, uint64_t x)
{
	size_t n = nc_wirelog_count(m->w);
	for (size_t i = 0; i < n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (p->conn == d->conn && p->side == d->side && p->placed &&
		    p->stream_off <= (int64_t)x && (int64_t)x < p->stream_off + (int64_t)p->payload_len)
			return i;
	}
	return n;
}

/* Compares the payload's first n bytes with the stream's bytes from x.
 * True when they agree as far as could be told (*counted: bytes that
 * could only be counted). Otherwise [*lo, *hi] is where the first
 * difference lies: one byte within the kept bytes, else a block. */
static bool compare(const struct nc_wstream *s, const struct nc_payload_gen *g, uint64_t x,
		    uint64_t n, uint64_t *lo, uint64_t *hi, uint64_t *counted)
{
	uint8_t *buf = nc_xmalloc(CHUNK);
	uint64_t done = 0;
	bool same = true;
	*counted = 0;
	while (same && done < n && x + done < s->nkept) {
		uint64_t k = n - done;
		if (k > CHUNK)
			k = CHUNK;
		if (k > s->nkept - (x + done))
			k = s->nkept - (x + done);
		nc_payload_at(g, done, buf, (size_t)k);
		int64_t d = nc_first_diff(buf, (size_t)k, s->kept + x + done, (size_t)k);
		if (d >= 0) {
			*lo = *hi = x + done + (uint64_t)d;
			same = false;
		}
		done += k;
	}
	/* Block digests describe the delivered bytes, which are the stream's
	 * offsets only when the capture missed none of them. */
	bool digests = s->length == s->sum.total;
	while (same && done < n) {
		uint64_t off = x + done, b = off / NC_SUM_BLOCK, start = b * NC_SUM_BLOCK;
		bool whole = b < s->sum.nblocks;
		bool last = b == s->sum.nblocks && !s->sum.blocks_overflow;
		uint64_t blen = whole ? NC_SUM_BLOCK : s->sum.total - start;
		if (!digests || off != start || (!whole && !last) || n - done < blen) {
			uint64_t stop = start + NC_SUM_BLOCK < x + n ? start + NC_SUM_BLOCK : x + n;
			*counted += stop - off;
			done += stop - off;
			continue;
		}
		struct nc_digest dg;
		nc_digest_init(&dg);
		for (uint64_t k = 0; k < blen; k += CHUNK) {
			size_t len = blen - k < CHUNK ? (size_t)(blen - k) : CHUNK;
			nc_payload_at(g, done + k, buf, len);
			nc_digest_update(&dg, buf, len);
		}
		if (nc_digest_final(&dg) != (whole ? s->sum.blocks[b] : s->sum.last)) {
			*lo = start;
			*hi = start + blen - 1;
			same = false;
		}
		done += blen;
	}
	free(buf);
	return same;
}

static void stream_name(const struct nc_wstream *s, char *buf, size_t n)
{
	char a[64], b[64];
	snprintf(buf, n, "the stream from %s to %s",
		 nc_wire_hostport(s->ipver, s->src, s->sport, a, sizeof(a)),
		 nc_wire_hostport(s->ipver, s->dst, s->dport, b, sizeof(b)));
}

/* "expected 5 bytes "hello" at stream offset 0" */
static void expected_text(const struct nc_wire_item *it, const struct nc_payload_gen *g,
			  uint64_t len, uint64_t x, struct nc_buf *b)
{
	nc_buf_printf(b, "expected %llu byte%s", (unsigned long long)len, len == 1 ? "" : "s");
	if (it->has_payload)
		nc_buf_addc(b, ' ');
	if (it->has_payload &&
	    (it->payload.kind == NC_PAYLOAD_TEXT || it->payload.kind == NC_PAYLOAD_HEX)) {
		uint8_t head[SHOW_MAX];
		size_t k = len < SHOW_MAX ? (size_t)len : SHOW_MAX;
		nc_payload_at(g, 0, head, k);
		nc_show_bytes(b, head, (size_t)len, SHOW_MAX);
	} else if (it->has_payload) {
		nc_payload_describe(&it->payload, b);
	}
	nc_buf_printf(b, " at stream offset %llu", (unsigned long long)x);
}

/* " \"...\"": n bytes of the stream from x, as far as they are kept. */
static void show_stream(const struct nc_wstream *s, uint64_t x, uint64_t n, struct nc_buf *b)
{
	const uint8_t *p = nc_wsec_stream_bytes(s, (int64_t)x, n < SHOW_MAX ? n : SHOW_MAX);
	if (n && p) {
		nc_buf_addc(b, ' ');
		nc_show_bytes(b, p, (size_t)n, SHOW_MAX);
	}
}

/* The stream's bytes from x, as many as are there of n, shown. */
static void actual_text(const struct nc_wstream *s, uint64_t x, uint64_t n, bool only,
			struct nc_buf *b)
{
	uint64_t avail = s->length > x ? s->length - x : 0;
	uint64_t k = n < avail ? n : avail;
	nc_buf_printf(b, "got %s%llu byte%s", only ? "only " : "", (unsigned long long)k,
		      k == 1 ? "" : "s");
	show_stream(s, x, k, b);
}

/* A hex diff of both sides around stream offset at, in stream offsets. */
static void stream_hexdiff(const struct nc_wstream *s, const struct nc_payload_gen *g, uint64_t x,
			   uint64_t len, uint64_t at, struct nc_buf *d)
{
	uint64_t base = at > 64 ? (at - 64) & ~(uint64_t)15 : 0;
	if (base < x)
		base = x;
	uint64_t ne = x + len - base, na = s->nkept > base ? s->nkept - base : 0;
	if (ne > DIFF_SPAN)
		ne = DIFF_SPAN;
	if (na > DIFF_SPAN)
		na = DIFF_SPAN;
	if (na > x + len - base)
		na = x + len - base;
	uint8_t exp[DIFF_SPAN];
	nc_payload_at(g, base - x, exp, (size_t)ne);
	nc_hexdiff(d, "", exp, (size_t)ne, s->kept + base, (size_t)na, base, (int64_t)(at - base));
}

/* The packet that carried byte `at`, for the message. */
static void carried_in(const struct nc_wmatch *m, const struct nc_wdir *d, uint64_t at,
		       struct nc_buf *b)
{
	size_t i = first_carrier(m, d, at);
	if (i < nc_wirelog_count(m->w)) {
		nc_buf_adds(b, ", in ");
		nc_wsec_pkt_ref(m, i, b);
	}
}

/* The bytes differ (or the stream is short): the message, and -1. */
static int stream_mismatch(struct nc_wmatch *m, const struct nc_wire_item *it,
			   const struct nc_wdir *d, const struct nc_payload_gen *g, uint64_t len,
			   bool differ, uint64_t lo, uint64_t hi)
{
	const struct nc_wstream *s = d->s;
	uint64_t x = d->next;
	char name[160];
	stream_name(s, name, sizeof(name));
	struct nc_buf msg, det;
	nc_buf_init(&msg, 0);
	nc_buf_init(&det, 0);
	expected_text(it, g, len, x, &msg);
	nc_buf_adds(&msg, ", ");
	actual_text(s, x, len, !differ, &msg);
	size_t at = nc_wirelog_count(m->w);
	if (differ && lo == hi) {
		nc_buf_printf(&msg, ", first difference at stream offset %llu",
			      (unsigned long long)lo);
		carried_in(m, d, lo, &msg);
		stream_hexdiff(s, g, x, len, lo, &det);
		at = first_carrier(m, d, lo);
	} else if (differ) {
		nc_buf_printf(&msg, ", other bytes within stream offsets %llu..%llu (compared by "
			      "digest: beyond the first %u bytes, which were kept)",
			      (unsigned long long)lo, (unsigned long long)hi, NC_WIRE_STREAM_KEEP);
		at = first_carrier(m, d, lo);
	} else {
		nc_buf_printf(&msg, ": %s ended after %llu byte%s", name,
			      (unsigned long long)s->length, s->length == 1 ? "" : "s");
		if (x >= s->length)
			nc_buf_adds(&msg, ", all of them on the lines above");
		if (s->length)
			at = first_carrier(m, d, s->length - 1);
	}
	nc_wsec_fail(m, it, at, nc_buf_str(&msg), nc_buf_str(&det));
	nc_buf_free(&msg);
	nc_buf_free(&det);
	return -1;
}

/* No stream from src to dst at all: say where the connection went. */
static int no_stream(struct nc_wmatch *m, const struct nc_wire_item *it, const struct wep *src,
		     const struct wep *dst)
{
	char a[96], b[96];
	struct nc_buf msg, other;
	nc_buf_init(&msg, 0);
	nc_buf_init(&other, 0);
	nc_buf_printf(&msg, "expected a TCP connection from %s to %s, ",
		      nc_wsec_ep_desc(&it->src, src, a, sizeof(a)),
		      nc_wsec_ep_desc(&it->dst, dst, b, sizeof(b)));
	size_t at = nc_wsec_misdirected(m, 0, it->proto, src, dst, &other);
	if (at < nc_wirelog_count(m->w))
		nc_buf_printf(&msg, "got %s", nc_buf_str(&other));
	else
		nc_buf_adds(&msg, "but none was captured");
	nc_wsec_fail(m, it, at, nc_buf_str(&msg), NULL);
	nc_buf_free(&msg);
	nc_buf_free(&other);
	return -1;
}

/* The line's first byte came before the previous line's place. */
static int out_of_order(struct nc_wmatch *m, const struct nc_wire_item *it, size_t place)
{
	struct nc_buf msg;
	nc_buf_init(&msg, 0);
	nc_buf_printf(&msg, "expected its first byte after #%u, where the line before was "
		      "placed, but it was first sent in ", nc_wirelog_get(m->w, m->place)->index);
	nc_wsec_pkt_ref(m, place, &msg);
	nc_buf_adds(&msg, ", before that (write the lines in the order their first bytes "
		    "crossed the wire)");
	nc_wsec_fail(m, it, place, nc_buf_str(&msg), NULL);
	nc_buf_free(&msg);
	return -1;
}

int nc_wsec_stream_line(struct nc_wmatch *m, const struct nc_wire_item *it)
{
	struct wep src, dst;
	nc_wsec_item_wep(m, &it->src, &src);
	nc_wsec_item_wep(m, &it->dst, &dst);
	struct nc_payload_gen g;
	memset(&g, 0, sizeof(g));
	uint64_t len = it->len;
	if (it->has_payload) {
		if (nc_wsec_open_payload(m, it, &g) < 0)
			return -1;
		len = g.len;
	}
	int rc = 0;
	struct nc_wdir *d = len ? pick_dir(m, &src, &dst) : NULL;
	if (len == 0) {
		/* A payload whose variables came out empty: nothing to match. */
	} else if (!d) {
		rc = no_stream(m, it, &src, &dst);
	} else {
		uint64_t x = d->next, avail = d->s->length > x ? d->s->length - x : 0;
		size_t n = nc_wirelog_count(m->w);
		size_t place = avail ? first_carrier(m, d, x) : n;
		uint64_t lo = 0, hi = 0, counted = 0;
		uint64_t ncmp = len < avail ? len : avail;
		if (place < n && place < m->place)
			rc = out_of_order(m, it, place);
		else if (it->has_payload && !compare(d->s, &g, x, ncmp, &lo, &hi, &counted))
			rc = stream_mismatch(m, it, d, &g, len, true, lo, hi);
		else if (len > avail)
			rc = stream_mismatch(m, it, d, &g, len, false, 0, 0);
		if (rc == 0) {
			if (counted)
				nc_buf_printf(&m->note, "line %u: %llu bytes of the stream were "
					      "counted, not compared (beyond the first %u bytes)\n",
					      it->pos.line, (unsigned long long)counted,
					      NC_WIRE_STREAM_KEEP);
			nc_wsec_cover(d, x, x + len);
			d->next = x + len;
			if (place < n)
				m->place = place;
		}
	}
	if (it->has_payload)
		nc_payload_close(&g);
	return rc;
}

static int cmp_range(const void *a, const void *b)
{
	const struct nc_wrange *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The first byte of d's stream no line covered, or its length. */
static uint64_t first_uncovered(struct nc_wdir *d, uint64_t *end)
{
	if (d->ncov)
		qsort(d->cov, d->ncov, sizeof(*d->cov), cmp_range);
	uint64_t at = 0;
	for (size_t i = 0; i < d->ncov && d->cov[i].lo <= at; i++)
		if (d->cov[i].hi > at)
			at = d->cov[i].hi;
	*end = d->s->length;
	for (size_t i = 0; i < d->ncov; i++)
		if (d->cov[i].lo > at && d->cov[i].lo < *end)
			*end = d->cov[i].lo;
	return at;
}

int nc_wsec_stream_coverage(struct nc_wmatch *m, const struct nc_wire_item *it)
{
	for (size_t i = 0; i < m->w->nstreams; i++) {
		const struct nc_wstream *s = &m->w->streams[i];
		if (s->length == 0 || !(stream_goes(s, &m->client, &m->server) ||
					stream_goes(s, &m->server, &m->client)))
			continue;
		struct nc_wdir *d = nc_wsec_dir(m, s->conn, s->side);
		uint64_t end;
		uint64_t at = first_uncovered(d, &end);
		if (at >= s->length)
			continue;
		char name[160];
		stream_name(s, name, sizeof(name));
		struct nc_buf msg;
		nc_buf_init(&msg, 0);
		nc_buf_printf(&msg, "expected every byte of each stream on a line, got %llu byte%s "
			      "at stream offset %llu of %s that no line covers",
			      (unsigned long long)(end - at), end - at == 1 ? "" : "s",
			      (unsigned long long)at, name);
		show_stream(s, at, end - at, &msg);
		carried_in(m, d, at, &msg);
		nc_wsec_fail(m, it, first_carrier(m, d, at), nc_buf_str(&msg), NULL);
		nc_buf_free(&msg);
		return -1;
	}
	return 0;
}
