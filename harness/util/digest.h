/* digest.h: streaming fingerprints of byte streams.
 *
 * Large transfers (a 1 GiB TCP stream) cannot be shipped between processes or
 * held in memory, yet the sender's bytes, the receiver's bytes and the bytes
 * reassembled from the capture must be compared. Each side summarizes its
 * stream the same way: the total length, a 64-bit digest of every 64 KiB
 * block (so a mismatch is located to a block), and the first NC_SUM_HEAD
 * bytes verbatim (so small payloads get an exact hex diff).
 *
 * The digest is not cryptographic; it detects accidental corruption, which is
 * what a conformance check needs.
 */
#ifndef NC_UTIL_DIGEST_H
#define NC_UTIL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define NC_SUM_BLOCK (64u * 1024u)   /* bytes per block digest */
#define NC_SUM_HEAD (64u * 1024u)    /* leading bytes kept verbatim */
#define NC_SUM_MAX_BLOCKS (1u << 16) /* 4 GiB of block digests, 512 KiB */

struct nc_digest {
	uint64_t lane[4];
	uint8_t tail[32];
	size_t tail_len;
	uint64_t total;
};

void nc_digest_init(struct nc_digest *d);
void nc_digest_update(struct nc_digest *d, const void *p, size_t n);
uint64_t nc_digest_final(const struct nc_digest *d);
/* One-shot digest of a buffer. */
uint64_t nc_digest_bytes(const void *p, size_t n);

struct nc_streamsum {
	uint64_t total;          /* bytes seen */
	uint64_t *blocks;        /* owned; digest of each complete block */
	uint32_t nblocks;
	uint32_t cap;
	bool blocks_overflow;    /* more than NC_SUM_MAX_BLOCKS blocks */
	uint64_t last;           /* digest of the final partial block (set by finish) */
	struct nc_digest cur;    /* the block in progress */
	struct nc_buf head;      /* first NC_SUM_HEAD bytes */
};

void nc_streamsum_init(struct nc_streamsum *s);
void nc_streamsum_free(struct nc_streamsum *s);
/* Returns -1 only when memory ran out. */
int nc_streamsum_update(struct nc_streamsum *s, const void *p, size_t n);
/* Closes the partial block; call once when the stream is complete. */
void nc_streamsum_finish(struct nc_streamsum *s);

/* Compares two finished summaries. Returns true when equal. Otherwise sets
 * *lo and *hi to the smallest byte range known to contain the first
 * difference (exact when it falls inside both heads). */
bool nc_streamsum_equal(const struct nc_streamsum *a, const struct nc_streamsum *b,
			uint64_t *lo, uint64_t *hi);
/* True when a is a prefix of b (a shorter stream that b continues), judged
 * block by block and on the kept heads; the final partial block of a is
 * checked only when it lies inside b's head. */
bool nc_streamsum_prefix_of(const struct nc_streamsum *a, const struct nc_streamsum *b,
			    uint64_t *lo, uint64_t *hi);

#endif
