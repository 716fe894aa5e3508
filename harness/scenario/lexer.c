/* lexer.c: line tokenizer for scenario files. */
#include "scenario/lexer.h"

#include <stdarg.h>
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

static int lex_error(struct nc_lexer *lx, uint32_t col, struct nc_diag *d,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int lex_error(struct nc_lexer *lx, uint32_t col, struct nc_diag *d, const char *fmt, ...)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", lx->path);
	d->line = lx->line;
	d->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Tokenizes one line [p, p+n). */
static int lex_line(struct nc_lexer *lx, const char *p, size_t n, struct nc_diag *d)
{
	size_t i = 0;
	lx->ntok = 0;
	while (i < n) {
		char c = p[i];
		uint32_t col = (uint32_t)i + 1;
		if (is_space(c)) {
			i++;
			continue;
		}
		if (c == '#')
			break;
		if ((unsigned char)c < 0x20 || c == 0x7f)
			return lex_error(lx, col, d,
					 "unexpected control character 0x%02x (scenario files are text)",
					 (unsigned char)c);
		if (lx->ntok == NC_LEX_MAX_TOKENS)
			return lex_error(lx, col, d, "too many words on one line (the limit is %d)",
					 NC_LEX_MAX_TOKENS);
		struct nc_tok *t = &lx->tok[lx->ntok++];
		t->col = col;
		if (c == '"') {
			size_t j = i + 1;
			while (j < n && p[j] != '"') {
				if ((unsigned char)p[j] < 0x20 && p[j] != '\t')
					return lex_error(lx, (uint32_t)j + 1, d,
							 "unexpected control character 0x%02x in a string",
							 (unsigned char)p[j]);
				if (p[j] == '\\' && j + 1 < n)
					j++;
				j++;
			}
			if (j >= n)
				return lex_error(lx, col, d,
						 "unterminated string (a string must end on the line it starts)");
			t->kind = NC_TOK_STRING;
			t->p = p + i + 1;
			t->len = j - i - 1;
			i = j + 1;
			if (i < n && !is_space(p[i]) && p[i] != '#')
				return lex_error(lx, (uint32_t)i + 1, d,
						 "expected a space after the closing quote");
			continue;
		}
		size_t j = i;
		while (j < n && !is_space(p[j]) && p[j] != '"' && p[j] != '#') {
			if ((unsigned char)p[j] < 0x20 || p[j] == 0x7f)
				return lex_error(lx, (uint32_t)j + 1, d,
						 "unexpected control character 0x%02x (scenario files are text)",
						 (unsigned char)p[j]);
			j++;
		}
		if (j < n && p[j] == '"')
			return lex_error(lx, (uint32_t)j + 1, d,
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
		lx->line++;
		lx->off += n + (nl ? 1 : 0);
		const char *nul = memchr(p, '\0', n);
		if (nul)
			return lex_error(lx, (uint32_t)(nul - p) + 1, d,
					 "unexpected NUL byte (scenario files are text)");
		if (n > NC_LEX_MAX_LINE)
			return lex_error(lx, NC_LEX_MAX_LINE + 1, d,
					 "line too long (%zu bytes; the limit is %d; put large payloads in a file)",
					 n, NC_LEX_MAX_LINE);
		if (lex_line(lx, p, n, d) < 0)
			return -1;
		if (lx->ntok == 0)
			continue;
		lx->line_p = p;
		lx->line_len = n;
		return 1;
	}
	return 0;
}
