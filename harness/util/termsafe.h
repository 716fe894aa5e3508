/* termsafe.h: the one rule for text shown on a terminal or written to a log.
 *
 * Names, paths, messages and program output may hold any bytes a file
 * system, a scenario or a program under test produced. A terminal obeys
 * some of them (ESC and CSI sequences, OSC title and hyperlink sequences,
 * the C1 controls, a bare CR that rewrites the line) and a log viewer may
 * break lines at others (U+2028, U+2029), so everything netconform prints
 * to standard output or standard error goes through these functions:
 *
 *   - valid UTF-8 passes through unchanged, except the characters below;
 *   - a byte that is not part of valid UTF-8 (a stray continuation byte, an
 *     overlong form, a surrogate, a truncated sequence, 0xF5-0xFF) is shown
 *     as the four characters \xNN;
 *   - C0 controls and DEL are shown as \xNN, except CR, which is \r, and
 *     tab and newline, which are \t and \n in NC_TERM_LINE text and pass
 *     as layout in NC_TERM_TEXT text;
 *   - C1 controls (U+0080-U+009F), U+2028 and U+2029 are shown as \uNNNN.
 *
 * These are the visible forms the file reports use (report_text.h), so a
 * byte reads the same in the console as in the JUnit, HTML and TAP files.
 * A backslash is not escaped: messages already hold C-style escapes made
 * from payloads ("hel\x00lo"), and doubling them would make them unreadable.
 *
 * Colour and progress sequences netconform emits itself are written
 * around this text, never through it.
 */
#ifndef NC_UTIL_TERMSAFE_H
#define NC_UTIL_TERMSAFE_H

#include <stddef.h>
#include <stdio.h>

#include "util/buf.h"

enum nc_term_mode {
	NC_TERM_LINE,   /* one line: newline and tab are escaped too */
	NC_TERM_TEXT,   /* lines of text: newline and tab are layout */
};

/* Appends n bytes of s to out, escaped. Returns 0, or -1 when memory ran out. */
int nc_term_esc(struct nc_buf *out, const char *s, size_t n, enum nc_term_mode mode);
/* The same for a NUL-terminated string; NULL appends nothing. */
int nc_term_adds(struct nc_buf *out, const char *s, enum nc_term_mode mode);

/* Writes n bytes of s to f, escaped. Returns 0, or -1 when f reported an
 * error. */
int nc_term_write(FILE *f, const char *s, size_t n, enum nc_term_mode mode);
int nc_term_puts(FILE *f, const char *s, enum nc_term_mode mode);

/* Formats a one-line message, escapes all of it as NC_TERM_LINE and writes
 * it to f followed by a newline: for diagnostics whose arguments are paths
 * or other outside text. Returns 0, or -1 when f reported an error. */
int nc_term_msg(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
