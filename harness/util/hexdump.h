/* hexdump.h: showing bytes to people: C-escaped text, hex dumps, diffs. */
#ifndef NC_UTIL_HEXDUMP_H
#define NC_UTIL_HEXDUMP_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Appends p as a double-quoted C string with visible escapes ("hi\x00\n"),
 * at most max input bytes, followed by "..." when cut. */
void nc_show_bytes(struct nc_buf *out, const uint8_t *p, size_t n, size_t max);

/* Appends a classic 16-bytes-per-line hex dump with offsets starting at base,
 * at most max_lines lines. Each line is prefixed with indent. */
void nc_hexdump(struct nc_buf *out, const char *indent, const uint8_t *p, size_t n,
		uint64_t base, size_t max_lines);

/* Returns the first offset where a and b differ, or -1 when they are equal
 * (same length and bytes). A length difference counts as a difference at
 * the shorter length. */
int64_t nc_first_diff(const uint8_t *a, size_t na, const uint8_t *b, size_t nb);

/* Appends an expected/actual hex dump pair around the first difference at
 * offset `at` (relative to both buffers, whose first byte is stream offset
 * base), marking the differing line. */
void nc_hexdiff(struct nc_buf *out, const char *indent, const uint8_t *exp, size_t nexp,
		const uint8_t *act, size_t nact, uint64_t base, int64_t at);

#endif
