/* parse_tok.c: the parser's tokens, error messages and keyword tables.
 *
 * Everything here is shared by the section parsers: reading the current
 * line's tokens, showing a token in a message, reporting an error with the
 * position and context, and the keyword-table machinery (dispatch,
 * "given twice", "did you mean", "expected a, b or c").
 */
#include "scenario/parse_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenario/diag.h"
#include "scenario/names.h"
#include "util/text.h"

/* The model keeps no capacities, so the capacity is implied: the array
 * grows to the next power of two whenever n reaches one, which keeps a
 * file of 4096 steps from being copied 4096 times. */
void *nc_grow(void *arr, size_t n, size_t size)
{
	if (n == 0)
		return nc_xrealloc(arr, size);
	if ((n & (n - 1)) != 0)
		return arr;
	return nc_xrealloc(arr, 2 * n * size);
}

/* ------------------------------------------------------------------------ */
/* Errors */

int perr(struct parser *p, enum nc_diag_code code, uint32_t col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	nc_diag_vset(p->d, code, p->lx.path, p->lx.line, col, p->ctx, fmt, ap);
	va_end(ap);
	return -1;
}

int perr_pos(struct parser *p, enum nc_diag_code code, struct nc_pos pos, const char *ctx,
	     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	nc_diag_vset(p->d, code, p->lx.path, pos.line, pos.col, ctx, fmt, ap);
	va_end(ap);
	return -1;
}

int perr_unknown(struct parser *p, uint32_t col, const char *what, const char *shown,
		 const char *suggestion, const char *hint, ...)
{
	char h[400], sug[96] = "";
	va_list ap;
	va_start(ap, hint);
	vsnprintf(h, sizeof(h), hint, ap);
	va_end(ap);
	if (suggestion)
		snprintf(sug, sizeof(sug), "; did you mean '%s'?", suggestion);
	return perr(p, NC_DIAG_UNKNOWN_WORD, col, "%s %s%s (%s)", what, shown, sug, h);
}

int unknown_name(struct parser *p, const struct nc_tok *t, const char *what,
		 const char *(*suggest)(const char *name), const char *hint)
{
	char w[48], nb[NC_NEAR_LEN];
	const char *name = word_or_null(t, w, sizeof(w));
	return perr_unknown(p, t->col, what, quoted(t, nb, sizeof(nb)), name ? suggest(name) : NULL,
			    "%s", hint);
}

int expected(struct parser *p, const struct nc_tok *t, const char *what)
{
	char nb[NC_NEAR_LEN];
	if (!t)
		return perr(p, NC_DIAG_SYNTAX, eol_col(p), "expected %s at the end of the line",
			    what);
	return perr(p, NC_DIAG_SYNTAX, t->col, "expected %s %s", what, near(t, nb, sizeof(nb)));
}

int expected_one_of(struct parser *p, const struct nc_tok *t, const char *before,
		    const struct nc_kw_table *tb, const char *last, const char *after)
{
	char list[400], what[480];
	snprintf(what, sizeof(what), "%s%s%s", before, nc_kw_list(tb, last, list, sizeof(list)),
		 after);
	return expected(p, t, what);
}

const struct nc_kw *expect_word_of(struct parser *p, const struct nc_tok *t, const char *before,
				   const struct nc_kw_table *tb, const char *after)
{
	const struct nc_kw *row = nc_kw_find(tb, t);
	if (!row)
		expected_one_of(p, t, before, tb, " or ", after);
	return row;
}

int expect_eol(struct parser *p)
{
	const struct nc_tok *t = peek(p);
	if (!t)
		return 0;
	char nb[NC_NEAR_LEN];
	return perr(p, NC_DIAG_SYNTAX, t->col, "unexpected %s after the end of the statement",
		    quoted(t, nb, sizeof(nb)));
}

/* ------------------------------------------------------------------------ */
/* Tokens */

const struct nc_tok *peek(struct parser *p)
{
	return p->i < p->lx.ntok ? &p->lx.tok[p->i] : NULL;
}

const struct nc_tok *next(struct parser *p)
{
	return p->i < p->lx.ntok ? &p->lx.tok[p->i++] : NULL;
}

const struct nc_tok *need(struct parser *p, const char *what)
{
	const struct nc_tok *t = next(p);
	if (!t)
		expected(p, NULL, what);
	return t;
}

const struct nc_tok *peek2(struct parser *p)
{
	return p->i + 1 < p->lx.ntok ? &p->lx.tok[p->i + 1] : NULL;
}

uint32_t eol_col(struct parser *p)
{
	if (p->lx.ntok == 0)
		return 1;
	const struct nc_tok *t = &p->lx.tok[p->lx.ntok - 1];
	return t->col + (uint32_t)t->len + (t->kind == NC_TOK_STRING ? 2 : 0);
}

char *line_from(struct parser *p, uint32_t from)
{
	return nc_strndup(p->lx.line_p + from - 1, eol_col(p) - from);
}

/* The lexer has checked that the text is UTF-8 without control characters
 * (strings may hold tabs), so it is shown as written; a tab and any byte
 * that would garble a terminal are escaped, and the cut never splits a
 * character. */
const char *near(const struct nc_tok *t, char *buf, size_t n)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_buf_adds(&b, t->kind == NC_TOK_STRING ? "near '\"" : "near '");
	size_t i = 0;
	while (i < t->len && i < 40) {
		unsigned char c = (unsigned char)t->p[i];
		size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		if (c < 0x20 || c == 0x7f || i + len > t->len) {
			nc_buf_printf(&b, "\\x%02x", c);
			len = 1;
		} else {
			nc_buf_add(&b, t->p + i, len);
		}
		i += len;
	}
	if (i < t->len)
		nc_buf_adds(&b, "...");
	nc_buf_adds(&b, t->kind == NC_TOK_STRING ? "\"'" : "'");
	nc_strlcpy(buf, nc_buf_str(&b), n);
	nc_buf_free(&b);
	return buf;
}

const char *quoted(const struct nc_tok *t, char *buf, size_t n)
{
	return near(t, buf, n) + 5;  /* drop "near " */
}

char *tok_str(const struct nc_tok *t)
{
	return nc_strndup(t->p, t->len);
}

bool word_eq(const struct nc_tok *t, const char *s)
{
	return t && nc_tok_is(t, s);
}

bool word_buf(const struct nc_tok *t, char *buf, size_t n)
{
	if (!t || t->kind != NC_TOK_WORD || t->len >= n)
		return false;
	memcpy(buf, t->p, t->len);
	buf[t->len] = 0;
	return true;
}

/* A cut word matches nothing, which is the right answer for a lookup. */
const char *word_cstr(const struct nc_tok *t, char *buf, size_t n)
{
	size_t len = t->len < n - 1 ? t->len : n - 1;
	memcpy(buf, t->p, len);
	buf[len] = 0;
	return buf;
}

const char *word_or_null(const struct nc_tok *t, char *buf, size_t n)
{
	return t && t->kind == NC_TOK_WORD ? word_cstr(t, buf, n) : NULL;
}

/* ------------------------------------------------------------------------ */
/* Keyword tables */

const struct nc_kw *nc_kw_find(const struct nc_kw_table *tb, const struct nc_tok *t)
{
	if (!t || t->kind != NC_TOK_WORD)
		return NULL;
	for (size_t i = 0; i < tb->n; i++) {
		const struct nc_kw *row = &tb->rows[i];
		if (nc_tok_is(t, row->name))
			return row;
		for (size_t a = 0; a < 3 && row->alias[a]; a++)
			if (nc_tok_is(t, row->alias[a]))
				return row;
	}
	return NULL;
}

const struct nc_kw *nc_kw_by_id(const struct nc_kw_table *tb, int id)
{
	for (size_t i = 0; i < tb->n; i++)
		if (tb->rows[i].id == id)
			return &tb->rows[i];
	return NULL;
}

const char *nc_kw_name(const struct nc_kw_table *tb, int id)
{
	const struct nc_kw *row = nc_kw_by_id(tb, id);
	return row ? row->name : "?";
}

/* The index of the record a ONCE row keeps: its own, or its partner's. */
static size_t once_slot(const struct nc_kw_table *tb, const struct nc_kw *row)
{
	if (row->once_with)
		for (size_t i = 0; i < tb->n; i++)
			if (strcmp(tb->rows[i].name, row->once_with) == 0)
				return i;
	return (size_t)(row - tb->rows);
}

int nc_kw_once(struct parser *p, const struct nc_kw_table *tb, const struct nc_kw *row,
	       const struct nc_tok *kw, struct nc_kw_seen *seen)
{
	if (!(row->flags & NC_KW_ONCE))
		return 0;
	struct nc_pos *first = &seen->at[once_slot(tb, row)];
	if (!first->line) {
		*first = (struct nc_pos){ p->lx.line, kw->col };
		return 0;
	}
	if (row->dup)
		return perr(p, NC_DIAG_DUPLICATE, kw->col, "%s (first at %u:%u)", row->dup,
			    first->line, first->col);
	return perr(p, NC_DIAG_DUPLICATE, kw->col, "%s'%.*s'%s %u:%u)", tb->dup_head,
		    (int)kw->len, kw->p, tb->dup_tail, first->line, first->col);
}

struct nc_pos nc_kw_first(const struct nc_kw_table *tb, const struct nc_kw_seen *seen, int id)
{
	const struct nc_kw *row = nc_kw_by_id(tb, id);
	return row ? seen->at[once_slot(tb, row)] : (struct nc_pos){ 0, 0 };
}

/* A name that is not a plain word ("=>") is quoted in a list. */
static bool plain_word(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

const char *nc_kw_list(const struct nc_kw_table *tb, const char *last, char *buf, size_t n)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	for (size_t i = 0; i < tb->n; i++) {
		const struct nc_kw *row = &tb->rows[i];
		if (i > 0)
			nc_buf_adds(&b, i + 1 == tb->n ? last : ", ");
		if (row->shown)
			nc_buf_adds(&b, row->shown);
		else if (plain_word(row->name))
			nc_buf_adds(&b, row->name);
		else
			nc_buf_printf(&b, "'%s'", row->name);
	}
	nc_strlcpy(buf, nc_buf_str(&b), n);
	nc_buf_free(&b);
	return buf;
}

const char *nc_kw_suggest(const struct nc_kw_table *const *tbs, size_t ntb,
			  const struct nc_tok *t)
{
	const char *names[4 * NC_KW_MAX * 4];
	size_t k = 0;
	char w[48];
	if (!t || t->kind != NC_TOK_WORD)
		return NULL;
	for (size_t j = 0; j < ntb; j++) {
		for (size_t i = 0; i < tbs[j]->n && k + 4 <= sizeof(names) / sizeof(names[0]); i++) {
			names[k++] = tbs[j]->rows[i].name;
			for (size_t a = 0; a < 3 && tbs[j]->rows[i].alias[a]; a++)
				names[k++] = tbs[j]->rows[i].alias[a];
		}
	}
	return nc_suggest(word_cstr(t, w, sizeof(w)), names, k);
}
