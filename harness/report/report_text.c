/* report_text.c: escaping and number formatting shared by the file reports. */
#include "report/report_text.h"

#include <signal.h>
#include <string.h>
#include <time.h>

#include "util/text.h"

/* Writes a backslash the way mode shows a literal one: doubled where the
 * format itself uses backslash escapes, so "\x1b" survives its parser as
 * the four visible characters. */
static void put_backslash(FILE *f, enum nc_esc_mode mode)
{
	if (mode == NC_ESC_YAML_DQ || mode == NC_ESC_TAP_NAME)
		fputs("\\\\", f);
	else
		fputc('\\', f);
}

static void put_visible_byte(FILE *f, enum nc_esc_mode mode, unsigned b)
{
	put_backslash(f, mode);
	fprintf(f, "x%02x", b);
}

static void put_visible_cp(FILE *f, enum nc_esc_mode mode, uint32_t cp)
{
	put_backslash(f, mode);
	fprintf(f, "u%04X", (unsigned)cp);
}

/* Writes the escape for one ASCII byte, or returns false when the byte can
 * be copied as is. */
static bool put_ascii_escape(FILE *f, enum nc_esc_mode mode, unsigned c)
{
	switch (c) {
	case '&':
		if (mode == NC_ESC_XML_TEXT || mode == NC_ESC_XML_ATTR || mode == NC_ESC_HTML) {
			fputs("&amp;", f);
			return true;
		}
		return false;
	case '<':
		if (mode == NC_ESC_XML_TEXT || mode == NC_ESC_XML_ATTR || mode == NC_ESC_HTML) {
			fputs("&lt;", f);
			return true;
		}
		return false;
	case '>':
		/* Escaped in text too, so "]]>" can never appear in XML content. */
		if (mode == NC_ESC_XML_TEXT || mode == NC_ESC_XML_ATTR || mode == NC_ESC_HTML) {
			fputs("&gt;", f);
			return true;
		}
		return false;
	case '"':
		if (mode == NC_ESC_XML_ATTR || mode == NC_ESC_HTML) {
			fputs("&quot;", f);
			return true;
		}
		if (mode == NC_ESC_YAML_DQ) {
			fputs("\\\"", f);
			return true;
		}
		return false;
	case '\'':
		if (mode == NC_ESC_HTML) {
			fputs("&#39;", f);
			return true;
		}
		return false;
	case '\\':
		if (mode == NC_ESC_YAML_DQ || mode == NC_ESC_TAP_NAME) {
			fputs("\\\\", f);
			return true;
		}
		return false;
	case '#':
		/* TAP reads everything after an unescaped '#' as a directive. */
		if (mode == NC_ESC_TAP_NAME) {
			fputs("\\#", f);
			return true;
		}
		return false;
	case '\t':
		switch (mode) {
		case NC_ESC_XML_ATTR: fputs("&#9;", f); return true;
		case NC_ESC_YAML_DQ: fputs("\\t", f); return true;
		case NC_ESC_TAP_NAME: fputc(' ', f); return true;
		case NC_ESC_XML_TEXT:
		case NC_ESC_HTML:
		case NC_ESC_YAML_LINE:
		case NC_ESC_PLAIN:
			return false;
		}
		return false;
	case '\n':
		switch (mode) {
		/* Attribute-value normalization would turn a raw newline into
		 * a space; a character reference survives it. */
		case NC_ESC_XML_ATTR: fputs("&#10;", f); return true;
		case NC_ESC_YAML_DQ: fputs("\\n", f); return true;
		case NC_ESC_YAML_LINE:
		case NC_ESC_TAP_NAME:
			put_backslash(f, mode);
			fputc('n', f);
			return true;
		case NC_ESC_XML_TEXT:
		case NC_ESC_HTML:
		case NC_ESC_PLAIN:
			return false;
		}
		return false;
	case '\r':
		switch (mode) {
		/* XML parsers turn a raw CR into LF; the reference keeps it. */
		case NC_ESC_XML_TEXT:
		case NC_ESC_XML_ATTR:
			fputs("&#13;", f);
			return true;
		case NC_ESC_YAML_DQ: fputs("\\r", f); return true;
		case NC_ESC_HTML:
		case NC_ESC_YAML_LINE:
		case NC_ESC_TAP_NAME:
		case NC_ESC_PLAIN:
			put_backslash(f, mode);
			fputc('r', f);
			return true;
		}
		return true;
	default:
		break;
	}
	if (c < 0x20 || c == 0x7F) {
		put_visible_byte(f, mode, c);
		return true;
	}
	return false;
}

int nc_esc_write(FILE *f, enum nc_esc_mode mode, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0;   /* start of the pending run of bytes copied as is */
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t len = nc_utf8_decode(p + i, n - i, &cp);
		bool escape;
		if (len == 0)
			escape = true;
		else if (len == 1)
			escape = cp < 0x20 || cp == 0x7F || strchr("&<>\"'\\#", (int)cp) != NULL;
		else
			escape = (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
				 cp == 0xFFFE || cp == 0xFFFF;
		if (!escape) {
			i += len;
			continue;
		}
		if (i > run)
			fwrite(p + run, 1, i - run, f);
		if (len == 0) {
			put_visible_byte(f, mode, p[i]);
			len = 1;
		} else if (len == 1) {
			if (!put_ascii_escape(f, mode, cp))
				fputc((int)cp, f);
		} else {
			put_visible_cp(f, mode, cp);
		}
		i += len;
		run = i;
	}
	if (n > run)
		fwrite(p + run, 1, n - run, f);
	return ferror(f) ? -1 : 0;
}

int nc_esc_puts(FILE *f, enum nc_esc_mode mode, const char *s)
{
	if (!s)
		return 0;
	return nc_esc_write(f, mode, s, strlen(s));
}

size_t nc_esc_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	for (size_t k = max; k > max / 2; k--)
		if (s[k - 1] == '\n')
			return k;
	size_t k = max;
	/* s[k] is the first byte dropped; if it continues a sequence, the
	 * sequence's lead byte must go too. A sequence is at most 4 bytes. */
	for (int back = 0; back < 3 && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80; back++)
		k--;
	return k;
}

const char *nc_fmt_seconds(int64_t ns, char *buf, size_t n)
{
	long long ms = ns > 0 ? (long long)((ns + 500000) / 1000000) : 0;
	snprintf(buf, n, "%lld.%03lld", ms / 1000, ms % 1000);
	return buf;
}

const char *nc_fmt_millis(int64_t ns, char *buf, size_t n)
{
	long long us = ns > 0 ? (long long)((ns + 500) / 1000) : 0;
	snprintf(buf, n, "%lld.%03lld", us / 1000, us % 1000);
	return buf;
}

const char *nc_fmt_utc(int64_t unix_ns, bool zone_z, char *buf, size_t n)
{
	if (n)
		buf[0] = 0;
	if (unix_ns <= 0)
		return buf;
	time_t t = (time_t)(unix_ns / 1000000000LL);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return buf;
	/* Numeric conversions only: strftime's output here does not depend
	 * on the locale. */
	if (strftime(buf, n, zone_z ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S", &tm) == 0 && n)
		buf[0] = 0;
	return buf;
}

const char *nc_fmt_signal(int sig, char *buf, size_t n)
{
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;
	if (abbrev)
		snprintf(buf, n, "SIG%s", abbrev);
	else
		snprintf(buf, n, "signal %d", sig);
	return buf;
}

void nc_failure_prefix(struct nc_buf *b, const struct nc_failure *f)
{
	const char *file = f->file ? f->file : "";
	const char *msg = f->message ? f->message : "";
	size_t fl = strlen(file);
	if (!fl || (strncmp(msg, file, fl) == 0 && msg[fl] == ':'))
		return;
	if (f->line)
		nc_buf_printf(b, "%s:%u: ", file, f->line);
	else
		nc_buf_printf(b, "%s: ", file);
}
