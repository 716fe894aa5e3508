/* buf.h: a growable byte buffer with a hard maximum size.
 *
 * Every buffer that grows with input (role output, report text, captured
 * payload excerpts) has a maximum, so a runaway peer cannot exhaust memory.
 * Appends beyond the maximum are dropped and counted in `dropped`, which the
 * reports turn into a visible truncation marker.
 */
#ifndef NC_UTIL_BUF_H
#define NC_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct nc_buf {
	uint8_t *data;   /* owned; NUL-terminated when len < cap (text use) */
	size_t len;      /* bytes stored */
	size_t cap;      /* bytes allocated */
	size_t max;      /* hard limit on len; 0 means SIZE_MAX */
	size_t dropped;  /* bytes refused because of max */
};

/* Initializes an empty buffer that will hold at most max bytes (0: no limit). */
void nc_buf_init(struct nc_buf *b, size_t max);
/* Frees the storage; the buffer may be reused after nc_buf_init. */
void nc_buf_free(struct nc_buf *b);
void nc_buf_reset(struct nc_buf *b);

/* Appends as much of p as fits; returns 0, or -1 when memory ran out. */
int nc_buf_add(struct nc_buf *b, const void *p, size_t n);
int nc_buf_addc(struct nc_buf *b, int c);
int nc_buf_adds(struct nc_buf *b, const char *s);
int nc_buf_printf(struct nc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int nc_buf_vprintf(struct nc_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Returns the contents as a NUL-terminated string (borrowed; valid until the
 * next append). An empty buffer yields "". */
const char *nc_buf_str(struct nc_buf *b);

/* Moves the contents out as a malloc'd NUL-terminated string the caller frees;
 * the buffer is left empty. Returns NULL only when memory ran out. */
char *nc_buf_steal(struct nc_buf *b);

/* Big-endian fixed-width appends used by the record encoders. */
int nc_buf_put_u8(struct nc_buf *b, uint8_t v);
int nc_buf_put_u16(struct nc_buf *b, uint16_t v);
int nc_buf_put_u32(struct nc_buf *b, uint32_t v);
int nc_buf_put_u64(struct nc_buf *b, uint64_t v);
/* A length-prefixed (u32) byte string. */
int nc_buf_put_bytes(struct nc_buf *b, const void *p, size_t n);
/* A length-prefixed string; NULL is encoded as an empty string. */
int nc_buf_put_str(struct nc_buf *b, const char *s);

#endif
