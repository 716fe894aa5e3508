/* hexdump.c: showing bytes to people. */
#include "util/hexdump.h"

#include <ctype.h>
#include <stdio.h>

void nc_show_bytes(struct nc_buf *out, const uint8_t *p, size_t n, size_t max)
{
	nc_buf_addc(out, '"');
	size_t lim = n < max ? n : max;
	for (size_t i = 0; i < lim; i++) {
		uint8_t c = p[i];
		switch (c) {
		case '\n': nc_buf_adds(out, "\\n"); break;
		case '\r': nc_buf_adds(out, "\\r"); break;
		case '\t': nc_buf_adds(out, "\\t"); break;
		case '\\': nc_buf_adds(out, "\\\\"); break;
		case '"': nc_buf_adds(out, "\\\""); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				nc_buf_addc(out, c);
			else
				nc_buf_printf(out, "\\x%02x", c);
		}
	}
	nc_buf_addc(out, '"');
	if (n > lim)
		nc_buf_printf(out, "... (%zu bytes)", n);
}

static void hex_line(struct nc_buf *out, const char *indent, const uint8_t *p, size_t n,
		     uint64_t off, const char *mark)
{
	nc_buf_printf(out, "%s%s%08llx ", indent, mark, (unsigned long long)off);
	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			nc_buf_addc(out, ' ');
		if (i < n)
			nc_buf_printf(out, " %02x", p[i]);
		else
			nc_buf_adds(out, "   ");
	}
	nc_buf_adds(out, "  |");
	for (size_t i = 0; i < n; i++)
		nc_buf_addc(out, isprint(p[i]) ? p[i] : '.');
	nc_buf_adds(out, "|\n");
}

void nc_hexdump(struct nc_buf *out, const char *indent, const uint8_t *p, size_t n,
		uint64_t base, size_t max_lines)
{
	size_t lines = 0;
	for (size_t i = 0; i < n; i += 16) {
		if (lines++ == max_lines) {
			nc_buf_printf(out, "%s... %zu more bytes\n", indent, n - i);
			return;
		}
		hex_line(out, indent, p + i, n - i < 16 ? n - i : 16, base + i, "");
	}
	if (n == 0)
		nc_buf_printf(out, "%s(no bytes)\n", indent);
}

int64_t nc_first_diff(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (int64_t)i;
	return na == nb ? -1 : (int64_t)n;
}

/* Dumps up to two lines before and after the line holding `at`. */
static void diff_side(struct nc_buf *out, const char *indent, const char *label,
		      const uint8_t *p, size_t n, uint64_t base, int64_t at)
{
	nc_buf_printf(out, "%s%s (%zu bytes):\n", indent, label, n);
	int64_t line = at < 0 ? 0 : at / 16;
	int64_t first = line > 2 ? line - 2 : 0;
	for (int64_t l = first; l <= line + 2; l++) {
		size_t off = (size_t)l * 16;
		if (off >= n) {
			if (l == line)
				nc_buf_printf(out, "%s> %08llx  (ends here)\n", indent,
					      (unsigned long long)(base + off));
			break;
		}
		size_t len = n - off < 16 ? n - off : 16;
		hex_line(out, indent, p + off, len, base + off, l == line ? "> " : "  ");
	}
}

void nc_hexdiff(struct nc_buf *out, const char *indent, const uint8_t *exp, size_t nexp,
		const uint8_t *act, size_t nact, uint64_t base, int64_t at)
{
	if (at >= 0)
		nc_buf_printf(out, "%sfirst difference at offset %lld\n", indent,
			      (long long)(base + (uint64_t)at));
	diff_side(out, indent, "expected", exp, nexp, base, at);
	diff_side(out, indent, "actual", act, nact, base, at);
}
