/* termsafe.c: the one escaping rule for terminal and log text. */
#include "util/termsafe.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/text.h"

/* Appends the visible form of the character at p (len bytes, code point
 * cp; len 0 for a byte that starts no valid sequence), or returns false
 * when it passes as it is. */
static bool escape_one(struct nc_buf *out, const unsigned char *p, size_t len, uint32_t cp,
		       enum nc_term_mode mode)
{
	if (len == 0) {
		nc_buf_printf(out, "\\x%02x", p[0]);
		return true;
	}
	if (len == 1) {
		if ((cp == '\n' || cp == '\t') && mode == NC_TERM_TEXT)
			return false;
		switch (cp) {
		case '\n': nc_buf_adds(out, "\\n"); return true;
		case '\t': nc_buf_adds(out, "\\t"); return true;
		case '\r': nc_buf_adds(out, "\\r"); return true;
		default: break;
		}
		if (cp >= 0x20 && cp != 0x7F)
			return false;
		nc_buf_printf(out, "\\x%02x", (unsigned)cp);
		return true;
	}
	if ((cp < 0x80 || cp > 0x9F) && cp != 0x2028 && cp != 0x2029)
		return false;
	nc_buf_printf(out, "\\u%04X", (unsigned)cp);
	return true;
}

int nc_term_esc(struct nc_buf *out, const char *s, size_t n, enum nc_term_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;   /* start of the bytes that pass as they are */
	size_t i = 0;
	int rc = 0;
	while (i < n) {
		uint32_t cp = 0;
		size_t len = nc_utf8_decode(p + i, n - i, &cp);
		size_t next = i + (len ? len : 1);
		/* Most text is plain: copy runs, not characters. */
		if (len == 1 && cp >= 0x20 && cp < 0x7F) {
			i = next;
			continue;
		}
		if (i > run)
			rc |= nc_buf_add(out, p + run, i - run);
		if (!escape_one(out, p + i, len, cp, mode))
			rc |= nc_buf_add(out, p + i, next - i);
		i = run = next;
	}
	if (n > run)
		rc |= nc_buf_add(out, p + run, n - run);
	return rc ? -1 : 0;
}

int nc_term_adds(struct nc_buf *out, const char *s, enum nc_term_mode mode)
{
	return s ? nc_term_esc(out, s, strlen(s), mode) : 0;
}

int nc_term_write(FILE *f, const char *s, size_t n, enum nc_term_mode mode)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	int rc = nc_term_esc(&b, s, n, mode);
	if (b.len && fwrite(b.data, 1, b.len, f) != b.len)
		rc = -1;
	nc_buf_free(&b);
	return rc < 0 || ferror(f) ? -1 : 0;
}

int nc_term_puts(FILE *f, const char *s, enum nc_term_mode mode)
{
	return s ? nc_term_write(f, s, strlen(s), mode) : 0;
}

int nc_term_msg(FILE *f, const char *fmt, ...)
{
	struct nc_buf raw;
	nc_buf_init(&raw, 0);
	va_list ap;
	va_start(ap, fmt);
	nc_buf_vprintf(&raw, fmt, ap);
	va_end(ap);
	int rc = nc_term_write(f, nc_buf_str(&raw), raw.len, NC_TERM_LINE);
	if (fputc('\n', f) == EOF)
		rc = -1;
	nc_buf_free(&raw);
	return rc;
}
