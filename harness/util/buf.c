/* buf.c: growable byte buffer with a hard maximum. */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nc_buf_init(struct nc_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : SIZE_MAX;
}

void nc_buf_free(struct nc_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = b->dropped = 0;
}

void nc_buf_reset(struct nc_buf *b)
{
	b->len = 0;
	b->dropped = 0;
	if (b->data)
		b->data[0] = 0;
}

/* Makes room for n more bytes plus a terminating NUL. */
static int buf_reserve(struct nc_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int nc_buf_add(struct nc_buf *b, const void *p, size_t n)
{
	size_t room = b->max - b->len;
	if (n > room) {
		b->dropped += n - room;
		n = room;
	}
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int nc_buf_addc(struct nc_buf *b, int c)
{
	uint8_t ch = (uint8_t)c;
	return nc_buf_add(b, &ch, 1);
}

int nc_buf_adds(struct nc_buf *b, const char *s)
{
	return nc_buf_add(b, s, strlen(s));
}

int nc_buf_vprintf(struct nc_buf *b, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return nc_buf_add(b, small, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (!big)
		return -1;
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	int rc = nc_buf_add(b, big, (size_t)n);
	free(big);
	return rc;
}

int nc_buf_printf(struct nc_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = nc_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *nc_buf_str(struct nc_buf *b)
{
	return b->data ? (const char *)b->data : "";
}

char *nc_buf_steal(struct nc_buf *b)
{
	char *s = b->data ? (char *)b->data : strdup("");
	b->data = NULL;
	b->len = b->cap = b->dropped = 0;
	return s;
}

int nc_buf_put_u8(struct nc_buf *b, uint8_t v)
{
	return nc_buf_add(b, &v, 1);
}

int nc_buf_put_u16(struct nc_buf *b, uint16_t v)
{
	uint8_t p[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	return nc_buf_add(b, p, 2);
}

int nc_buf_put_u32(struct nc_buf *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	return nc_buf_add(b, p, 4);
}

int nc_buf_put_u64(struct nc_buf *b, uint64_t v)
{
	if (nc_buf_put_u32(b, (uint32_t)(v >> 32)) < 0)
		return -1;
	return nc_buf_put_u32(b, (uint32_t)v);
}

int nc_buf_put_bytes(struct nc_buf *b, const void *p, size_t n)
{
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	if (nc_buf_put_u32(b, (uint32_t)n) < 0)
		return -1;
	return nc_buf_add(b, p, n);
}

int nc_buf_put_str(struct nc_buf *b, const char *s)
{
	return nc_buf_put_bytes(b, s ? s : "", s ? strlen(s) : 0);
}
