/* text.c: small string helpers. */
#include "util/text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
	fputs("netconform: out of memory\n", stderr);
	abort();
}

void *nc_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *nc_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *nc_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *nc_strdup(const char *s)
{
	if (!s)
		return NULL;
	return nc_strndup(s, strlen(s));
}

char *nc_strndup(const char *s, size_t n)
{
	char *d = nc_xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

bool nc_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool nc_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int nc_parse_size(const char *s, unsigned long long *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	unsigned long long v = 0;
	while (isdigit((unsigned char)*s)) {
		unsigned d = (unsigned)(*s++ - '0');
		if (v > (~0ULL - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	unsigned long long mul = 1;
	if (*s == 0)
		mul = 1;
	else if (!strcmp(s, "K") || !strcmp(s, "KiB") || !strcmp(s, "k"))
		mul = 1ULL << 10;
	else if (!strcmp(s, "M") || !strcmp(s, "MiB"))
		mul = 1ULL << 20;
	else if (!strcmp(s, "G") || !strcmp(s, "GiB"))
		mul = 1ULL << 30;
	else
		return -1;
	if (v > ~0ULL / mul)
		return -1;
	*out = v * mul;
	return 0;
}

char *nc_strlcpy(char *dst, const char *src, size_t n)
{
	if (n == 0)
		return dst;
	size_t l = strlen(src);
	if (l >= n)
		l = n - 1;
	memcpy(dst, src, l);
	dst[l] = 0;
	return dst;
}

/* The ranges are those of RFC 3629 section 4. */
size_t nc_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned b = p[0];
	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	size_t len;
	unsigned lo = 0x80, hi = 0xBF;
	uint32_t v;
	if (b >= 0xC2 && b <= 0xDF) {
		len = 2;
		v = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		len = 3;
		v = b & 0x0F;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b >= 0xF0 && b <= 0xF4) {
		len = 4;
		v = b & 0x07;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	/* Only the second byte has a narrowed range; the rest are plain
	 * continuation bytes. */
	if (p[1] < lo || p[1] > hi)
		return 0;
	v = (v << 6) | (p[1] & 0x3F);
	for (size_t i = 2; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	*cp = v;
	return len;
}
