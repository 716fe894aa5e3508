/* cursor.h: bounds-checked big-endian reads over a borrowed byte range.
 *
 * Everything that comes from outside the process (captured frames, records
 * from role processes) is read through a cursor. A read past the end never
 * touches memory: it marks the cursor as failed, returns zero, and every later
 * read fails too, so a decoder can read a whole header and check `ok` once.
 */
#ifndef NC_UTIL_CURSOR_H
#define NC_UTIL_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct nc_cursor {
	const uint8_t *p;  /* borrowed; start of the remaining bytes */
	size_t left;       /* bytes remaining */
	bool ok;           /* false after any read past the end */
};

static inline struct nc_cursor nc_cursor_make(const void *p, size_t n)
{
	struct nc_cursor c = { (const uint8_t *)p, n, true };
	return c;
}

/* True when n more bytes can be read. */
static inline bool nc_cursor_has(const struct nc_cursor *c, size_t n)
{
	return c->ok && c->left >= n;
}

static inline const uint8_t *nc_cursor_take(struct nc_cursor *c, size_t n)
{
	if (!nc_cursor_has(c, n)) {
		c->ok = false;
		c->left = 0;
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

static inline bool nc_cursor_skip(struct nc_cursor *c, size_t n)
{
	return nc_cursor_take(c, n) != NULL;
}

static inline uint8_t nc_cursor_u8(struct nc_cursor *c)
{
	const uint8_t *p = nc_cursor_take(c, 1);
	return p ? p[0] : 0;
}

static inline uint16_t nc_cursor_u16(struct nc_cursor *c)
{
	const uint8_t *p = nc_cursor_take(c, 2);
	return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

static inline uint32_t nc_cursor_u32(struct nc_cursor *c)
{
	const uint8_t *p = nc_cursor_take(c, 4);
	return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
			   ((uint32_t)p[2] << 8) | p[3]
		 : 0;
}

static inline uint64_t nc_cursor_u64(struct nc_cursor *c)
{
	/* Taken as one 8-byte read: two u32 reads would return the first half
	 * as a non-zero value when only 4..7 bytes are left. */
	const uint8_t *p = nc_cursor_take(c, 8);
	if (!p)
		return 0;
	return ((uint64_t)p[0] << 56) | ((uint64_t)p[1] << 48) | ((uint64_t)p[2] << 40) |
	       ((uint64_t)p[3] << 32) | ((uint64_t)p[4] << 24) | ((uint64_t)p[5] << 16) |
	       ((uint64_t)p[6] << 8) | p[7];
}

/* Little-endian 16-bit read, for the few host-order fields in link headers. */
static inline uint16_t nc_cursor_u16le(struct nc_cursor *c)
{
	const uint8_t *p = nc_cursor_take(c, 2);
	return p ? (uint16_t)(p[0] | (p[1] << 8)) : 0;
}

/* Copies n bytes into dst; on a short read dst is zero-filled. */
static inline bool nc_cursor_copy(struct nc_cursor *c, void *dst, size_t n)
{
	const uint8_t *p = nc_cursor_take(c, n);
	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
	return p != NULL;
}

/* Splits off the next n bytes as their own cursor (for a length-delimited
 * sub-structure); the parent advances past them. */
static inline struct nc_cursor nc_cursor_sub(struct nc_cursor *c, size_t n)
{
	const uint8_t *p = nc_cursor_take(c, n);
	struct nc_cursor s = { p, p ? n : 0, p != NULL };
	return s;
}

#endif
