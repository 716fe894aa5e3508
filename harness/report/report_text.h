/* report_text.h: escaping and number formatting shared by the file reports.
 *
 * Result strings may hold any bytes a peer or a program produced. Each
 * report format has bytes it cannot carry (XML 1.0 forbids most C0
 * controls, YAMLish ends a block at a line break, TAP ends a test name at
 * '#'), so every string goes through nc_esc_write() with the mode of the
 * place it lands in. The rules are the same in every mode, so a byte looks
 * the same in the JUnit, HTML and TAP reports:
 *
 *   - valid UTF-8 passes through, except the characters below;
 *   - a byte that is not part of valid UTF-8 (a stray continuation byte, an
 *     overlong form, a surrogate, a truncated sequence, 0xF5-0xFF) is shown
 *     as the four characters \xNN, so the original byte value stays
 *     readable (we chose this over U+FFFD, which loses it);
 *   - C0 controls other than tab and newline, and DEL, are shown as \xNN;
 *     C1 controls (U+0080-U+009F), U+2028, U+2029, U+FFFE and U+FFFF are
 *     shown as \uNNNN (XML 1.0 forbids U+FFFE/U+FFFF and C0 controls;
 *     YAML readers treat C1, U+2028 and U+2029 as line breaks or reject
 *     them);
 *   - the format's own special characters are escaped the format's way.
 *
 * Locale: nothing here calls printf with %f or %g; times are formatted
 * from integers, so LC_NUMERIC can never turn "1.500" into "1,500".
 */
#ifndef NC_REPORT_REPORT_TEXT_H
#define NC_REPORT_REPORT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "result/result.h"
#include "util/buf.h"

enum nc_esc_mode {
	NC_ESC_XML_TEXT,   /* element content: & < > escaped, CR as &#13; */
	NC_ESC_XML_ATTR,   /* "-quoted attribute: also ", tab, LF, CR as references */
	NC_ESC_HTML,       /* HTML text or "-quoted attribute: & < > " ' escaped, CR shown as \r */
	NC_ESC_YAML_DQ,    /* inside a YAML "..." scalar: \ " escaped, tab/LF/CR as \t \n \r */
	NC_ESC_YAML_LINE,  /* one line of a YAML block scalar: no escapes, CR and tab visible */
	NC_ESC_TAP_NAME,   /* a TAP test description or directive reason: \ and # escaped,
			      line breaks visible, tab as a space */
	NC_ESC_PLAIN,      /* plain text: only the common visible-byte rules */
};

/* Writes n bytes of s to f escaped for mode. Returns 0, or -1 when f
 * reported a write error. */
int nc_esc_write(FILE *f, enum nc_esc_mode mode, const char *s, size_t n);
/* The same for a NUL-terminated string; NULL writes nothing. */
int nc_esc_puts(FILE *f, enum nc_esc_mode mode, const char *s);

/* Returns how many bytes of s (length n) to keep so that at most max bytes
 * remain: n itself when it fits, else a cut after the last newline within
 * the limit if there is one in its second half, else a cut that does not
 * split a UTF-8 sequence. */
size_t nc_esc_cut(const char *s, size_t n, size_t max);

/* Formats a duration in nanoseconds as seconds with exactly three decimals
 * ("0.003", "12.500"), rounding to the nearest millisecond; negative values
 * count as 0. Returns buf. */
const char *nc_fmt_seconds(int64_t ns, char *buf, size_t n);
/* Formats ns as milliseconds with three decimals ("3.100"), negatives as 0. */
const char *nc_fmt_millis(int64_t ns, char *buf, size_t n);
/* Formats a Unix time in nanoseconds as ISO 8601 UTC without fractional
 * seconds: "2024-05-01T12:00:00" (zone_z false) or "...:00Z" (zone_z true).
 * Values <= 0 give "". Returns buf. */
const char *nc_fmt_utc(int64_t unix_ns, bool zone_z, char *buf, size_t n);

/* Appends the failure's location, "file:line: " (or "file: "), to b,
 * unless its message already starts with the file: a parse error's message
 * carries its own "path:line:col: ". Every report locates failures this
 * way, so they read the same everywhere. */
void nc_failure_prefix(struct nc_buf *b, const struct nc_failure *f);

/* Writes "SIGINT" (or "signal N" when the number has no name) into buf. */
const char *nc_fmt_signal(int sig, char *buf, size_t n);

/* Returns s, or dflt when s is NULL or empty: result fields are optional. */
static inline const char *nc_str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

#endif
