/* lexer.h: splits scenario text into lines of tokens, with positions.
 *
 * The format is line-oriented: a token is a bare word (anything up to
 * whitespace, a quote or a '#'), or a double-quoted string whose raw content
 * (escapes not yet decoded) is kept so the parser can point into it. A '#'
 * outside a string starts a comment that runs to the end of the line.
 *
 * The input is UTF-8 text: NUL bytes and invalid UTF-8 are errors anywhere,
 * control characters are errors outside comments (tabs excepted; inside a
 * string they must be written as escapes). Words are separated by spaces and
 * tabs. Lines end with \n or \r\n; a UTF-8 byte order mark at the start of
 * the file is skipped.
 */
#ifndef NC_SCENARIO_LEXER_H
#define NC_SCENARIO_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/scenario.h"

#define NC_LEX_MAX_LINE 8192   /* bytes per line, comment included */
#define NC_LEX_MAX_TOKENS 256  /* tokens per line */

enum nc_tok_kind { NC_TOK_WORD, NC_TOK_STRING };

struct nc_tok {
	enum nc_tok_kind kind;
	const char *p;      /* borrowed: into the source text; for strings, the
			       content after the opening quote */
	size_t len;         /* content length (without quotes) */
	uint32_t col;       /* column of the first character (the quote for strings) */
};

struct nc_lexer {
	const char *src;    /* borrowed */
	size_t len;
	size_t off;         /* start of the next line */
	uint32_t line;      /* number of the line last returned */
	const char *path;

	/* The current line. */
	const char *line_p; /* borrowed */
	size_t line_len;    /* without the newline and comment */
	struct nc_tok tok[NC_LEX_MAX_TOKENS];
	size_t ntok;
};

void nc_lexer_init(struct nc_lexer *lx, const char *path, const char *src, size_t len);

/* Advances to the next line that has tokens. Returns 1 with the tokens in
 * lx->tok, 0 at the end of the input, or -1 with *diag filled. */
int nc_lexer_next(struct nc_lexer *lx, struct nc_diag *diag);

/* True when the token is a word equal to s. */
int nc_tok_is(const struct nc_tok *t, const char *s);

/* Checks that [p, p+n) is valid UTF-8 (no overlong forms, surrogates or code
 * points above U+10FFFF). Returns true, or false with *bad set to the offset
 * of the sequence at fault and *why to a static phrase that reads well
 * before its first byte ("stray continuation byte", "overlong encoding at
 * byte"). */
bool nc_utf8_check(const uint8_t *p, size_t n, size_t *bad, const char **why);

#endif
