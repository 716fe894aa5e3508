/* text.h: small string helpers shared by the modules. */
#ifndef NC_UTIL_TEXT_H
#define NC_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* strdup that never returns NULL for a non-NULL input: it aborts on memory
 * exhaustion, the one failure no caller can usefully handle. */
char *nc_strdup(const char *s);
char *nc_strndup(const char *s, size_t n);
/* malloc/calloc/realloc with the same policy. */
void *nc_xmalloc(size_t n);
void *nc_xcalloc(size_t n, size_t size);
void *nc_xrealloc(void *p, size_t n);

bool nc_starts_with(const char *s, const char *prefix);
bool nc_ends_with(const char *s, const char *suffix);

/* Parses a size with an optional binary suffix ("1024", "64K", "1MiB",
 * "1GiB"); returns 0 or -1 on bad text or overflow. */
int nc_parse_size(const char *s, unsigned long long *out);

/* Copies src into dst (size n), always NUL-terminating; returns dst. */
char *nc_strlcpy(char *dst, const char *src, size_t n);

/* Returns the length of the valid UTF-8 sequence at p (at most n bytes, n
 * at least 1) and stores its code point in *cp, or returns 0 when the first
 * byte does not start a valid sequence. Valid means RFC 3629 section 4:
 * overlong forms, surrogates and code points above U+10FFFF are not. */
size_t nc_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

#endif
