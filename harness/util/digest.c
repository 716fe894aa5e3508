/* digest.c: streaming 64-bit fingerprints with per-block checkpoints.
 *
 * Four independent multiply-rotate lanes consume 32 bytes per round, which
 * keeps the digest well above loopback TCP throughput, so summarizing a bulk
 * transfer does not become the bottleneck of the run.
 */
#include "util/digest.h"

#include <stdlib.h>
#include <string.h>

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v; /* host order: digests are only compared on one machine */
}

static inline uint64_t lane_round(uint64_t acc, uint64_t w)
{
	acc += w * P2;
	acc = rotl64(acc, 31);
	return acc * P1;
}

void nc_digest_init(struct nc_digest *d)
{
	memset(d, 0, sizeof(*d));
	d->lane[0] = P1 + P2;
	d->lane[1] = P2;
	d->lane[2] = 0;
	d->lane[3] = 0 - P1;
}

static void digest_block32(struct nc_digest *d, const uint8_t *p)
{
	d->lane[0] = lane_round(d->lane[0], load64(p));
	d->lane[1] = lane_round(d->lane[1], load64(p + 8));
	d->lane[2] = lane_round(d->lane[2], load64(p + 16));
	d->lane[3] = lane_round(d->lane[3], load64(p + 24));
}

void nc_digest_update(struct nc_digest *d, const void *data, size_t n)
{
	const uint8_t *p = data;
	d->total += n;
	if (d->tail_len) {
		size_t take = 32 - d->tail_len;
		if (take > n)
			take = n;
		memcpy(d->tail + d->tail_len, p, take);
		d->tail_len += take;
		p += take;
		n -= take;
		if (d->tail_len < 32)
			return;
		digest_block32(d, d->tail);
		d->tail_len = 0;
	}
	while (n >= 32) {
		digest_block32(d, p);
		p += 32;
		n -= 32;
	}
	memcpy(d->tail, p, n);
	d->tail_len = n;
}

uint64_t nc_digest_final(const struct nc_digest *d)
{
	uint64_t h = rotl64(d->lane[0], 1) + rotl64(d->lane[1], 7) +
		     rotl64(d->lane[2], 12) + rotl64(d->lane[3], 18);
	h ^= d->total * P3;
	for (size_t i = 0; i < d->tail_len; i++) {
		h ^= d->tail[i] * P3;
		h = rotl64(h, 11) * P1;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

uint64_t nc_digest_bytes(const void *p, size_t n)
{
	struct nc_digest d;
	nc_digest_init(&d);
	nc_digest_update(&d, p, n);
	return nc_digest_final(&d);
}

void nc_streamsum_init(struct nc_streamsum *s)
{
	memset(s, 0, sizeof(*s));
	nc_digest_init(&s->cur);
	nc_buf_init(&s->head, NC_SUM_HEAD);
}

void nc_streamsum_free(struct nc_streamsum *s)
{
	free(s->blocks);
	nc_buf_free(&s->head);
	memset(s, 0, sizeof(*s));
}

static int sum_push_block(struct nc_streamsum *s, uint64_t dg)
{
	if (s->nblocks >= NC_SUM_MAX_BLOCKS) {
		s->blocks_overflow = true;
		return 0;
	}
	if (s->nblocks == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 16;
		uint64_t *b = realloc(s->blocks, cap * sizeof(*b));
		if (!b)
			return -1;
		s->blocks = b;
		s->cap = cap;
	}
	s->blocks[s->nblocks++] = dg;
	return 0;
}

int nc_streamsum_update(struct nc_streamsum *s, const void *data, size_t n)
{
	const uint8_t *p = data;
	if (s->head.len < NC_SUM_HEAD && nc_buf_add(&s->head, p, n) < 0)
		return -1;
	s->head.dropped = 0; /* overflow of the head is expected, not a loss */
	while (n) {
		size_t in_block = (size_t)(s->total % NC_SUM_BLOCK);
		size_t take = NC_SUM_BLOCK - in_block;
		if (take > n)
			take = n;
		nc_digest_update(&s->cur, p, take);
		s->total += take;
		p += take;
		n -= take;
		if (s->total % NC_SUM_BLOCK == 0) {
			if (sum_push_block(s, nc_digest_final(&s->cur)) < 0)
				return -1;
			nc_digest_init(&s->cur);
		}
	}
	return 0;
}

void nc_streamsum_finish(struct nc_streamsum *s)
{
	s->last = nc_digest_final(&s->cur);
}

/* Locates the first difference inside the kept heads, if it is there. */
static bool head_diff(const struct nc_streamsum *a, const struct nc_streamsum *b,
		      uint64_t *at)
{
	size_t n = a->head.len < b->head.len ? a->head.len : b->head.len;
	for (size_t i = 0; i < n; i++) {
		if (a->head.data[i] != b->head.data[i]) {
			*at = i;
			return true;
		}
	}
	return false;
}

/* Shared by equal and prefix_of: compares the complete blocks both streams
 * have; returns false and the range of the first differing block. */
static bool blocks_agree(const struct nc_streamsum *a, const struct nc_streamsum *b,
			 uint32_t upto, uint64_t *lo, uint64_t *hi)
{
	uint64_t at;
	if (head_diff(a, b, &at)) {
		*lo = *hi = at;
		return false;
	}
	for (uint32_t i = 0; i < upto && i < a->nblocks && i < b->nblocks; i++) {
		if (a->blocks[i] != b->blocks[i]) {
			*lo = (uint64_t)i * NC_SUM_BLOCK;
			*hi = *lo + NC_SUM_BLOCK - 1;
			return false;
		}
	}
	return true;
}

/* Once blocks_agree() found nothing, the bytes known to be equal: the
 * complete blocks both have, or the heads both kept, whichever reach
 * further. Beyond that, up to where the shorter stream ends, nothing was
 * compared (the shorter stream's final partial block has no counterpart
 * among the longer one's complete blocks). */
static uint64_t known_equal(const struct nc_streamsum *a, const struct nc_streamsum *b)
{
	uint32_t nb = a->nblocks < b->nblocks ? a->nblocks : b->nblocks;
	uint64_t blocks = (uint64_t)nb * NC_SUM_BLOCK;
	uint64_t heads = a->head.len < b->head.len ? a->head.len : b->head.len;
	return blocks > heads ? blocks : heads;
}

/* The range holding the first difference of two streams of different
 * lengths that agree as far as they were compared: from the first byte not
 * compared to the end of the shorter stream, where one goes on and the other
 * does not. It is exact when the heads cover the shorter stream. */
static void length_diff(const struct nc_streamsum *a, const struct nc_streamsum *b,
			uint64_t *lo, uint64_t *hi)
{
	uint64_t common = a->total < b->total ? a->total : b->total;
	uint64_t known = known_equal(a, b);
	*lo = known < common ? known : common;
	*hi = common;
}

bool nc_streamsum_equal(const struct nc_streamsum *a, const struct nc_streamsum *b,
			uint64_t *lo, uint64_t *hi)
{
	uint64_t dummy_lo, dummy_hi;
	if (!lo)
		lo = &dummy_lo;
	if (!hi)
		hi = &dummy_hi;
	if (!blocks_agree(a, b, UINT32_MAX, lo, hi))
		return false;
	if (a->total != b->total) {
		/* Not simply the shorter one's end: a change in its final
		 * partial block beyond the heads comes before that. */
		length_diff(a, b, lo, hi);
		return false;
	}
	if (a->last != b->last) {
		*lo = (uint64_t)a->nblocks * NC_SUM_BLOCK;
		*hi = a->total ? a->total - 1 : 0;
		return false;
	}
	return true;
}

bool nc_streamsum_prefix_of(const struct nc_streamsum *a, const struct nc_streamsum *b,
			    uint64_t *lo, uint64_t *hi)
{
	uint64_t dummy_lo, dummy_hi;
	if (!lo)
		lo = &dummy_lo;
	if (!hi)
		hi = &dummy_hi;
	if (!blocks_agree(a, b, a->nblocks, lo, hi))
		return false;
	if (a->total > b->total) {
		/* A difference the blocks show comes first (checked above);
		 * otherwise it lies between the compared bytes and b's end. */
		length_diff(a, b, lo, hi);
		return false;
	}
	if (a->total == b->total && a->last != b->last) {
		*lo = (uint64_t)a->nblocks * NC_SUM_BLOCK;
		*hi = a->total ? a->total - 1 : 0;
		return false;
	}
	return true;
}
