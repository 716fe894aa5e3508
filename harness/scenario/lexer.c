/* lexer.c: line tokenizer for scenario files.
 *
 * Scenario files are UTF-8 text. Each line is checked as a whole before it
 * is split into tokens: a NUL byte, a line over the length limit or a byte
 * sequence that is not UTF-8 stops the parse with the column of the first
 * offending byte, wherever it is (comments included), because a file with
 * such bytes is most likely not a scenario at all, or was damaged.
 */
#include "scenario/lexer.h"

#include "scenario/diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void nc_lexer_init(struct nc_lexer *lx, const char *path, const char *src, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->len = len;
	lx->path = path;
}

int nc_tok_is(const struct nc_tok *t, const char *s)
{
	return t->kind == NC_TOK_WORD && t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

/* Every problem the lexer finds is with the bytes of the current line,
 * except the length limits. */
static int lex_error(struct nc_lexer *lx, enum nc_diag_code code, uint32_t col,
		     struct nc_diag *d, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int lex_error(struct nc_lexer *lx, enum nc_diag_code code, uint32_t col,
		     struct nc_diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	nc_diag_vset(d, code, lx->path, lx->line, col, NULL, fmt, ap);
	va_end(ap);
	return -1;
}

/* Only spaces and tabs separate words. Other control characters are
 * rejected rather than skipped: a form feed or a lone carriage return in a
 * scenario is a sign of a damaged or converted file, and silently treating
 * it as a space would hide that. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

bool nc_utf8_check(const uint8_t *p, size_t n, size_t *bad, const char **why)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t need;
		uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;  /* below: an overlong 2-byte form */
			else if (c == 0xed)
				hi = 0x9f;  /* above: UTF-16 surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;  /* below: an overlong 3-byte form */
			else if (c == 0xf4)
				hi = 0x8f;  /* above: beyond U+10FFFF */
		} else {
			*bad = i;
			*why = (c >= 0x80 && c <= 0xbf) ? "stray continuation byte" : "impossible byte";
			return false;
		}
		for (size_t k = 1; k <= need; k++) {
			uint8_t lim_lo = k == 1 ? lo : 0x80, lim_hi = k == 1 ? hi : 0xbf;
			if (i + k >= n || p[i + k] < 0x80 || p[i + k] > 0xbf) {
				*bad = i;
				*why = "incomplete sequence at byte";
				return false;
			}
			if (p[i + k] < lim_lo || p[i + k] > lim_hi) {
				*bad = i;
				*why = c == 0xed ? "encoded UTF-16 surrogate at byte"
				       : c == 0xf4 ? "code point above U+10FFFF at byte"
						   : "overlong encoding at byte";
				return false;
			}
		}
		i += need + 1;
	}
	return true;
}

/* Decodes the code point of the UTF-8 sequence at s, which nc_utf8_check
 * has already accepted, so its continuation bytes are all there. */
static uint32_t utf8_decode(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	if (p[0] < 0x80)
		return p[0];
	if (p[0] < 0xe0)
		return (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	if (p[0] < 0xf0)
		return (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
	       (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

/* Characters that word processors and web pages substitute for plain ones.
 * A scenario pasted from a document often carries them, and the resulting
 * "unknown keyword" message would not show why, so they get their own. */
static int lookalike(struct nc_lexer *lx, const char *p, size_t i, struct nc_diag *d)
{
	uint32_t cp = utf8_decode(p + i);
	uint32_t col = (uint32_t)i + 1;
	switch (cp) {
	case 0x201c: case 0x201d: case 0x201e: case 0x00ab: case 0x00bb:
		return lex_error(lx, NC_DIAG_INVALID_TEXT, col, d,
				 "typographic quote U+%04X instead of a plain "
				 "double quote '\"' (strings are written \"like this\")", cp);
	case 0x2018: case 0x2019:
		return lex_error(lx, NC_DIAG_INVALID_TEXT, col, d,
				 "typographic quote U+%04X outside a string "
				 "(strings are written \"like this\")", cp);
	case 0x00a0: case 0x2007: case 0x202f: case 0x3000:
		return lex_error(lx, NC_DIAG_INVALID_TEXT, col, d,
				 "non-breaking space U+%04X between words "
				 "(separate words with plain spaces or tabs)", cp);
	case 0xfeff:
		return lex_error(lx, NC_DIAG_INVALID_TEXT, col, d,
				 "byte order mark U+FEFF inside a line "
				 "(only the start of the file may carry one)");
	default:
		return 0;
	}
}

static int control_error(struct nc_lexer *lx, uint32_t col, unsigned char c, struct nc_diag *d,
			 bool in_string)
{
	if (c == '\r')
		return lex_error(lx, NC_DIAG_INVALID_TEXT, col, d,
				 "carriage return (0x0d) in the middle of a line "
				 "(lines end with \\n or \\r\\n)%s",
				 in_string ? "; write it as \\r inside a string" : "");
	if (in_string)
		return lex_error(lx, NC_DIAG_INVALID_TEXT, col, d,
				 "control character 0x%02x in a string (write it "
				 "as an escape, like \\x%02x)", c, c);
	return lex_error(lx, NC_DIAG_INVALID_TEXT, col, d,
			 "unexpected control character 0x%02x (scenario files "
			 "are text; separate words with spaces or tabs)", c);
}

/* Tokenizes one line [p, p+n), which has already passed the byte checks. */
static int lex_line(struct nc_lexer *lx, const char *p, size_t n, size_t start,
		    struct nc_diag *d)
{
	size_t i = start;
	lx->ntok = 0;
	while (i < n) {
		char c = p[i];
		uint32_t col = (uint32_t)i + 1;
		if (is_space(c)) {
			i++;
			continue;
		}
		if (c == '#') {
			/* Comments may hold any text, but a carriage return there
			 * most likely means old Mac line endings, which would turn
			 * the rest of the file into this one comment. */
			const char *cr = memchr(p + i, '\r', n - i);
			if (cr)
				return control_error(lx, (uint32_t)(cr - p) + 1, '\r', d, false);
			break;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f)
			return control_error(lx, col, (unsigned char)c, d, false);
		if ((unsigned char)c >= 0xc0 && lookalike(lx, p, i, d) < 0)
			return -1;
		if (lx->ntok == NC_LEX_MAX_TOKENS)
			return lex_error(lx, NC_DIAG_LIMIT, col, d,
					 "too many words on one line (the limit is %d)",
					 NC_LEX_MAX_TOKENS);
		struct nc_tok *t = &lx->tok[lx->ntok++];
		t->col = col;
		if (c == '"') {
			size_t j = i + 1;
			while (j < n && p[j] != '"') {
				unsigned char b = (unsigned char)p[j];
				if ((b < 0x20 && b != '\t') || b == 0x7f)
					return control_error(lx, (uint32_t)j + 1, b, d, true);
				/* An escaped character never ends the string; the
				 * parser decodes and checks the escape itself. */
				if (b == '\\' && j + 1 < n)
					j++;
				j++;
			}
			if (j >= n)
				return lex_error(lx, NC_DIAG_SYNTAX, col, d,
						 "unterminated string (the closing quote "
						 "is missing; a string must end on the line it starts)");
			t->kind = NC_TOK_STRING;
			t->p = p + i + 1;
			t->len = j - i - 1;
			i = j + 1;
			if (i < n && !is_space(p[i]) && p[i] != '#')
				return lex_error(lx, NC_DIAG_SYNTAX, (uint32_t)i + 1, d,
			"expected a space after the closing quote");
			continue;
		}
		size_t j = i;
		while (j < n && !is_space(p[j]) && p[j] != '"' && p[j] != '#') {
			unsigned char b = (unsigned char)p[j];
			if (b < 0x20 || b == 0x7f)
				return control_error(lx, (uint32_t)j + 1, b, d, false);
			/* Only a lead byte starts a character; its continuation
			 * bytes are skipped over one by one. */
			if (b >= 0xc0 && lookalike(lx, p, j, d) < 0)
				return -1;
			j++;
		}
		if (j < n && p[j] == '"')
			return lex_error(lx, NC_DIAG_SYNTAX, (uint32_t)j + 1, d,
		"unexpected quote inside a word (put a space before the string)");
		t->kind = NC_TOK_WORD;
		t->p = p + i;
		t->len = j - i;
		i = j;
	}
	return 0;
}

int nc_lexer_next(struct nc_lexer *lx, struct nc_diag *d)
{
	while (lx->off < lx->len) {
		const char *p = lx->src + lx->off;
		size_t rest = lx->len - lx->off;
		const char *nl = memchr(p, '\n', rest);
		size_t n = nl ? (size_t)(nl - p) : rest;
		size_t start = 0;
		bool first = lx->off == 0;
		lx->line++;
		lx->off += n + (nl ? 1 : 0);
		if (n > NC_LEX_MAX_LINE)
			return lex_error(lx, NC_DIAG_LIMIT, NC_LEX_MAX_LINE + 1, d,
					 "line too long (%zu bytes; the limit is %d; put large "
					 "payloads in a file and use 'file PATH')", n, NC_LEX_MAX_LINE);
		/* A CRLF line ending: the carriage return belongs to the line
		 * break, not to the line. */
		if (n > 0 && p[n - 1] == '\r')
			n--;
		const char *nul = memchr(p, '\0', n);
		size_t bad;
		const char *why;
		size_t upto = nul ? (size_t)(nul - p) : n;
		/* A UTF-8 byte order mark is tolerated at the start of the file;
		 * several editors write one. */
		if (first && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			start = 3;
		if (!nc_utf8_check((const uint8_t *)p + start, upto - start, &bad, &why)) {
			bad += start;
			return lex_error(lx, NC_DIAG_INVALID_TEXT, (uint32_t)bad + 1, d,
					 "invalid UTF-8: %s 0x%02x (scenario files are UTF-8 text; "
					 "write binary bytes as \\xHH escapes or with 'hex')",
					 why, (unsigned char)p[bad]);
		}
		if (nul)
			return lex_error(lx, NC_DIAG_INVALID_TEXT, (uint32_t)(nul - p) + 1, d,
		"unexpected NUL byte (scenario files are text)");
		if (lex_line(lx, p, n, start, d) < 0)
			return -1;
		if (lx->ntok == 0)
			continue;
		lx->line_p = p;
		lx->line_len = n;
		return 1;
	}
	return 0;
}
