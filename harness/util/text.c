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
