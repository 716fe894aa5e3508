/* parse_template.c: quoted text, its escapes, and ${...} variables.
 *
 * A template keeps literal bytes (escapes already decoded) and variable
 * references as separate parts, so that the bytes can be produced once
 * the variables have values (payload.c).
 */
#include "scenario/parse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* The variables, in the order of enum nc_var. */
static const struct nc_kw var_rows[] = {
	{ .name = "client.addr", .id = NC_VAR_CLIENT_ADDR },
	{ .name = "client.port", .id = NC_VAR_CLIENT_PORT },
	{ .name = "client.hostport", .id = NC_VAR_CLIENT_HOSTPORT },
	{ .name = "client.ipver", .id = NC_VAR_CLIENT_IPVER },
	{ .name = "server.addr", .id = NC_VAR_SERVER_ADDR },
	{ .name = "server.port", .id = NC_VAR_SERVER_PORT },
	{ .name = "server.hostport", .id = NC_VAR_SERVER_HOSTPORT },
	{ .name = "server.ipver", .id = NC_VAR_SERVER_IPVER },
	{ .name = "family", .id = NC_VAR_FAMILY },
	{ .name = "scenario", .id = NC_VAR_SCENARIO },
	{ .name = "unused.port", .id = NC_VAR_UNUSED_PORT },
};
_Static_assert(sizeof(var_rows) / sizeof(var_rows[0]) == NC_VAR_COUNT, "one row per variable");
const struct nc_kw_table nc_var_table = NC_KW_TABLE(var_rows);

static void tpl_push_literal(struct nc_template *t, struct nc_buf *lit)
{
	if (lit->len == 0)
		return;
	t->parts = nc_grow(t->parts, t->nparts, sizeof(*t->parts));
	struct nc_tpl_part *pt = &t->parts[t->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->len = lit->len;
	pt->bytes = nc_xmalloc(lit->len);
	memcpy(pt->bytes, lit->data, lit->len);
	nc_buf_reset(lit);
}

static void tpl_push_var(struct nc_template *t, enum nc_var v)
{
	t->parts = nc_grow(t->parts, t->nparts, sizeof(*t->parts));
	struct nc_tpl_part *pt = &t->parts[t->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->is_var = true;
	pt->var = v;
	t->has_vars = true;
}

void tpl_free(struct nc_template *t)
{
	for (size_t i = 0; i < t->nparts; i++)
		free(t->parts[i].bytes);
	free(t->parts);
	memset(t, 0, sizeof(*t));
}

void tpl_literal(struct nc_template *t, const void *bytes, size_t n)
{
	memset(t, 0, sizeof(*t));
	struct nc_buf lit;
	nc_buf_init(&lit, 0);
	nc_buf_add(&lit, bytes, n);
	tpl_push_literal(t, &lit);
	nc_buf_free(&lit);
}

bool tpl_flatten(const struct nc_template *t, struct nc_buf *out)
{
	for (size_t k = 0; k < t->nparts; k++)
		nc_buf_add(out, t->parts[k].bytes, t->parts[k].len);
	return !t->has_vars;
}

int tpl_refuse_byte(struct parser *p, const struct nc_tok *t, const struct nc_template *tpl,
		    char c, const char *what)
{
	for (size_t i = 0; i < tpl->nparts; i++) {
		if (tpl->parts[i].is_var || !memchr(tpl->parts[i].bytes, c, tpl->parts[i].len))
			continue;
		if (c == '\n')
			return perr(p, NC_DIAG_VALUE, t->col, "%s cannot contain a line break (\\n): "
				    "output is matched line by line", what);
		return perr(p, NC_DIAG_VALUE, t->col, "%s cannot contain a NUL byte (\\0 or \\x00)",
			    what);
	}
	return 0;
}

/* Reports an unknown ${name}, shown as written: the lexer has checked that
 * it is UTF-8, and a string cannot hold control characters but tabs. */
static int unknown_var(struct parser *p, uint32_t col, const char *s, size_t len)
{
	char name[48], shown[64], list[160];
	struct nc_tok nt = { NC_TOK_WORD, s, len, 0 };
	word_cstr(&nt, name, sizeof(name));
	for (char *c = name; *c; c++)
		if (*c == '\t')
			*c = ' ';
	snprintf(shown, sizeof(shown), "'${%s%s}'", name, len > 40 ? "..." : "");
	const struct nc_kw_table *tb = &nc_var_table;
	return perr_unknown(p, col, "unknown variable", shown, nc_kw_suggest(&tb, 1, &nt),
			    "known: %s", nc_kw_list(tb, ", ", list, sizeof(list)));
}

/* Parses a ${name} reference starting at s[i] == '$' (s[i+1] == '{').
 * `base` is the column of s[0]. Returns the index after '}' or -1. */
static long parse_var_ref(struct parser *p, const char *s, size_t n, size_t i, uint32_t base,
			  struct nc_template *t)
{
	size_t j = i + 2;
	size_t start = j;
	while (j < n && s[j] != '}') {
		if (s[j] == '$' && j + 1 < n && s[j + 1] == '{')
			return perr(p, NC_DIAG_SYNTAX, base + (uint32_t)j,
				    "nested variable references are not supported");
		if (s[j] == '{')
			return perr(p, NC_DIAG_SYNTAX, base + (uint32_t)j,
				    "unexpected '{' inside a variable reference");
		j++;
	}
	if (j >= n)
		return perr(p, NC_DIAG_SYNTAX, base + (uint32_t)i,
			    "unterminated variable reference (missing '}')");
	struct nc_tok nt = { NC_TOK_WORD, s + start, j - start, 0 };
	const struct nc_kw *row = nc_kw_find(&nc_var_table, &nt);
	if (row) {
		tpl_push_var(t, (enum nc_var)row->id);
		return (long)j + 1;
	}
	if (nt.len == 0) {
		char list[160];
		return perr(p, NC_DIAG_SYNTAX, base + (uint32_t)i, "empty variable reference "
			    "'${}' (known: %s)", nc_kw_list(&nc_var_table, ", ", list, sizeof(list)));
	}
	return unknown_var(p, base + (uint32_t)i, nt.p, nt.len);
}

/* The byte a one-letter escape stands for, or -1. */
static int simple_escape(char e)
{
	static const char from[] = "nrt0abfve\\\"'$", to[] = "\n\r\t\0\a\b\f\v\x1b\\\"'$";
	const char *at = e ? strchr(from, e) : NULL;
	return at ? (unsigned char)to[at - from] : -1;
}

/* Says why the escape at s[i] == '\\' (s[i+1] is there) is not one. */
static int bad_escape(struct parser *p, const char *s, size_t n, size_t i, uint32_t col)
{
	char e = s[i + 1];
	if (e == 'u' || e == 'U')
		return perr(p, NC_DIAG_SYNTAX, col, "unknown escape '\\%c': there are no Unicode "
			    "escapes (write the character itself, or its UTF-8 bytes as \\xHH)", e);
	if (e >= '1' && e <= '7')
		return perr(p, NC_DIAG_SYNTAX, col, "unknown escape '\\%c': there are no octal "
			    "escapes (write bytes as \\xHH; \\0 alone is the NUL byte)", e);
	if ((unsigned char)e > 0x20 && (unsigned char)e < 0x7f)
		return perr(p, NC_DIAG_SYNTAX, col, "unknown escape '\\%c' (known: \\n \\r \\t \\0 "
			    "\\a \\b \\f \\v \\e \\\\ \\\" \\' \\$ \\xHH)", e);
	if ((unsigned char)e >= 0x80) {
		size_t k = i + 2;
		while (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
			k++;
		return perr(p, NC_DIAG_SYNTAX, col, "unknown escape '\\%.*s' (a backslash escapes "
			    "only ASCII characters)", (int)(k - i - 1), s + i + 1);
	}
	return perr(p, NC_DIAG_SYNTAX, col, "unknown escape: a backslash followed by %s",
		    e == ' ' ? "a space" : "a tab");
}

/* Decodes the escape at s[i] == '\\' into lit. Returns the bytes it took,
 * or -1. */
static long decode_escape(struct parser *p, const char *s, size_t n, size_t i, uint32_t base,
			  struct nc_buf *lit)
{
	uint32_t col = base + (uint32_t)i;
	if (i + 1 >= n)
		return perr(p, NC_DIAG_SYNTAX, col, "backslash at the end of a string");
	int out = simple_escape(s[i + 1]);
	if (out >= 0) {
		nc_buf_addc(lit, out);
		return 2;
	}
	if (s[i + 1] != 'x')
		return bad_escape(p, s, n, i, col);
	if (i + 2 >= n)
		return perr(p, NC_DIAG_SYNTAX, col, "incomplete escape '\\x' at the end of the "
			    "string ('\\x' takes two hex digits, like \\x0a)");
	int h1 = hexval((unsigned char)s[i + 2]);
	int h2 = i + 3 < n ? hexval((unsigned char)s[i + 3]) : -1;
	if (h1 < 0 || h2 < 0) {
		/* Show what follows the 'x', as far as it is plain text. */
		size_t k = i + 2, end = i + 4 < n ? i + 4 : n;
		while (k < end && (unsigned char)s[k] > 0x20 && (unsigned char)s[k] < 0x7f &&
		       s[k] != '\\')
			k++;
		return perr(p, NC_DIAG_SYNTAX, col, "invalid escape '\\x%.*s' ('\\x' takes two hex "
			    "digits, like \\x0a)", (int)(k - i - 2), s + i + 2);
	}
	nc_buf_addc(lit, h1 * 16 + h2);
	return 4;
}

/* Splits [s, s+n) into literal and variable parts; `base` is the column
 * of s[0]. Escapes are decoded only in strings. */
static int parse_tpl_text(struct parser *p, const char *s, size_t n, uint32_t base,
			  bool escapes, struct nc_template *t)
{
	memset(t, 0, sizeof(*t));
	struct nc_buf lit;
	nc_buf_init(&lit, 0);
	size_t i = 0;
	while (i < n) {
		long took;
		if (s[i] == '$' && i + 1 < n && s[i + 1] == '{') {
			tpl_push_literal(t, &lit);
			long j = parse_var_ref(p, s, n, i, base, t);
			took = j < 0 ? -1 : j - (long)i;
		} else if (escapes && s[i] == '\\') {
			took = decode_escape(p, s, n, i, base, &lit);
		} else {
			nc_buf_addc(&lit, s[i]);
			took = 1;
		}
		if (took < 0) {
			nc_buf_free(&lit);
			tpl_free(t);
			return -1;
		}
		i += (size_t)took;
	}
	tpl_push_literal(t, &lit);
	nc_buf_free(&lit);
	return 0;
}

int parse_string_tpl(struct parser *p, const struct nc_tok *tok, struct nc_template *t)
{
	return parse_tpl_text(p, tok->p, tok->len, tok->col + 1, true, t);
}

int parse_word_tpl(struct parser *p, const struct nc_tok *tok, struct nc_template *t)
{
	if (tok->kind == NC_TOK_STRING)
		return parse_string_tpl(p, tok, t);
	return parse_tpl_text(p, tok->p, tok->len, tok->col, false, t);
}
