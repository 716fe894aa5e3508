/* parser.c: scenario text -> struct nc_scenario, fully validated.
 *
 * The parser stops at the first error and reports it with the position of
 * the offending token and what it was parsing, in the manner of jansson's
 * json_error_t: "x.scn:12:7: expected a port number near 'abc' (while
 * parsing step 'bind' at 12:3)". A scenario that parses is valid: later
 * stages never need to re-check the syntax.
 */
#include "scenario/scenario.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/lexer.h"
#include "scenario/names.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/text.h"

#define MAX_TIMEOUT_NS (3600LL * NC_SEC)
#define MAX_RECV_BUF (64ULL << 20)
#define MAX_GENERATED (1ULL << 40)   /* 1 TiB of generated payload */
#define MAX_SEND (64ULL << 20)       /* one send() call: the runner's SEND_MAX */
#define MAX_STEPS 4096
#define MAX_WIRE 4096

enum section { SEC_HEADER, SEC_SERVER, SEC_CLIENT, SEC_WIRE };

/* Program role options that may be given once. */
enum exec_opt { OPT_CWD, OPT_STDIN, OPT_DEADLINE, OPT_PORT, OPT_READY, OPT_EXIT };
#define EXEC_OPT_COUNT 6

struct parser {
	struct nc_lexer lx;
	struct nc_diag *d;
	struct nc_scenario *s;
	size_t i;               /* next token of the current line */
	char ctx[160];          /* what is being parsed, for messages */
	char *dir;              /* the scenario file's directory */
	enum section section;
	struct nc_pos name_pos, transport_pos, family_pos, timeout_pos, step_timeout_pos,
		desc_pos, keywords_pos;
	bool seen_name, seen_transport, seen_family, seen_timeout, seen_step_timeout,
		seen_desc, seen_keywords;
	/* Where each single-valued program option was first given, per role
	 * (line 0: not yet), so a second one is reported instead of silently
	 * replacing the first. */
	struct nc_pos opt_seen[NC_ROLE_COUNT][EXEC_OPT_COUNT];
};

/* Makes room for element n of an array that holds n elements. The model
 * keeps no capacities, so the capacity is implied: the array grows to the
 * next power of two whenever n reaches one, which keeps a file of 4096
 * steps from being copied 4096 times. */
static void *grow(void *arr, size_t n, size_t size)
{
	if (n == 0)
		return nc_xrealloc(arr, size);
	if ((n & (n - 1)) != 0)
		return arr;
	return nc_xrealloc(arr, 2 * n * size);
}

/* ------------------------------------------------------------------------ */
/* Errors */

static int perr_at(struct parser *p, uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr_at(struct parser *p, uint32_t col, const char *fmt, ...)
{
	struct nc_diag *d = p->d;
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", p->lx.path);
	d->line = p->lx.line;
	d->col = col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	snprintf(d->context, sizeof(d->context), "%s", p->ctx);
	return -1;
}

/* Error at a line-independent position (used by whole-file validation). */
static int perr_pos(struct parser *p, struct nc_pos pos, const char *ctx, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr_pos(struct parser *p, struct nc_pos pos, const char *ctx, const char *fmt, ...)
{
	struct nc_diag *d = p->d;
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", p->lx.path);
	d->line = pos.line;
	d->col = pos.col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	snprintf(d->context, sizeof(d->context), "%s", ctx ? ctx : "");
	return -1;
}

const char *nc_diag_format(const struct nc_diag *d, char *buf, size_t n)
{
	if (d->context[0])
		snprintf(buf, n, "%s:%u:%u: %s (while parsing %s)", d->path, d->line, d->col,
			 d->msg, d->context);
	else if (d->line)
		snprintf(buf, n, "%s:%u:%u: %s", d->path, d->line, d->col, d->msg);
	else
		snprintf(buf, n, "%s: %s", d->path, d->msg);
	return buf;
}

/* Shows a token in a message: "near 'abc'", cut to a readable length.
 * The lexer has checked that the text is UTF-8 without control characters
 * (strings may hold tabs), so it is shown as written; a tab and any byte
 * that would garble a terminal are escaped, and the cut never splits a
 * character. */
static const char *near(const struct nc_tok *t, char *buf, size_t n)
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

/* The token alone, quoted: "'abc'". */
static const char *quoted(const struct nc_tok *t, char *buf, size_t n)
{
	return near(t, buf, n) + 5;
}

static const struct nc_tok *peek(struct parser *p)
{
	return p->i < p->lx.ntok ? &p->lx.tok[p->i] : NULL;
}

static const struct nc_tok *next(struct parser *p)
{
	return p->i < p->lx.ntok ? &p->lx.tok[p->i++] : NULL;
}

/* Column just past the last token: where "at the end of the line" points. */
static uint32_t eol_col(struct parser *p)
{
	if (p->lx.ntok == 0)
		return 1;
	const struct nc_tok *t = &p->lx.tok[p->lx.ntok - 1];
	return t->col + (uint32_t)t->len + (t->kind == NC_TOK_STRING ? 2 : 0);
}

/* "expected X near 'tok'" or "expected X at the end of the line". */
static int expected(struct parser *p, const struct nc_tok *t, const char *what)
{
	char nb[224];
	if (!t)
		return perr_at(p, eol_col(p), "expected %s at the end of the line", what);
	return perr_at(p, t->col, "expected %s %s", what, near(t, nb, sizeof(nb)));
}

static char *tok_str(const struct nc_tok *t)
{
	return nc_strndup(t->p, t->len);
}

static bool word_eq(const struct nc_tok *t, const char *s)
{
	return t && nc_tok_is(t, s);
}

/* Copies a word token into buf for comparisons; false when too long. */
static bool word_buf(const struct nc_tok *t, char *buf, size_t n)
{
	if (!t || t->kind != NC_TOK_WORD || t->len >= n)
		return false;
	memcpy(buf, t->p, t->len);
	buf[t->len] = 0;
	return true;
}

static int expect_eol(struct parser *p)
{
	const struct nc_tok *t = peek(p);
	if (!t)
		return 0;
	char nb[224];
	return perr_at(p, t->col, "unexpected %s after the end of the statement",
		       quoted(t, nb, sizeof(nb)) /* drop "near " */);
}

/* Formats "; did you mean 'X'?" into buf when a suggestion exists, or ""
 * otherwise, so a message can always include the result. */
static const char *did_you_mean(const char *suggestion, char *buf, size_t n)
{
	if (!suggestion)
		return "";
	snprintf(buf, n, "; did you mean '%s'?", suggestion);
	return buf;
}

/* A word as a C string for name lookups, cut at n - 1 bytes (a cut word
 * matches nothing, which is the right answer for a lookup). */
static const char *word_cstr(const struct nc_tok *t, char *buf, size_t n)
{
	size_t len = t->len < n - 1 ? t->len : n - 1;
	memcpy(buf, t->p, len);
	buf[len] = 0;
	return buf;
}

/* ------------------------------------------------------------------------ */
/* Numbers, durations, sizes
 *
 * The parser reads numbers itself rather than through strtoull or the
 * util helpers so that every way a number can be wrong gets its own
 * message (a missing or unknown unit, a value past its limit, digits past
 * 64 bits) and so that no input can overflow an intermediate result. */

/* Units of sizes and counts: powers of 1024, with or without "iB". */
static const struct {
	const char *name;
	unsigned shift;
} size_units[] = {
	{ "K", 10 }, { "k", 10 }, { "KiB", 10 }, { "M", 20 }, { "MiB", 20 },
	{ "G", 30 }, { "GiB", 30 }, { "T", 40 }, { "TiB", 40 },
};

/* Shows a limit the way an author would write it: "64M" rather than
 * 67108864 when it is an exact multiple of a unit. */
static const char *show_size(unsigned long long v, bool units, char *buf, size_t n)
{
	static const char letters[] = "KMGT";
	int best = -1;
	for (int k = 0; units && v && k < 4; k++)
		if (v % (1ULL << (10 * (k + 1))) == 0)
			best = k;
	if (best < 0)
		snprintf(buf, n, "%llu", v);
	else
		snprintf(buf, n, "%llu%c", v >> (10 * (best + 1)), letters[best]);
	return buf;
}

/* Parses a decimal number with an optional size unit. `noun` names the
 * value in messages ("buffer size"), `what` says what was expected ("a
 * buffer size (like 1024)"). */
static int parse_u64_tok(struct parser *p, const struct nc_tok *t, const char *what,
			 const char *noun, unsigned long long max, bool units,
			 unsigned long long *out)
{
	char nb[224], lim[32];
	if (!t)
		return expected(p, NULL, what);
	if (t->kind != NC_TOK_WORD || !isdigit((unsigned char)t->p[0]))
		return expected(p, t, what);
	unsigned long long v = 0;
	bool overflow = false;
	size_t i = 0;
	for (; i < t->len && isdigit((unsigned char)t->p[i]); i++) {
		unsigned d = (unsigned)(t->p[i] - '0');
		if (v > (ULLONG_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (i < t->len) {
		const char *u = t->p + i;
		size_t ulen = t->len - i;
		bool found = false;
		for (size_t k = 0; units && k < sizeof(size_units) / sizeof(size_units[0]); k++) {
			if (strlen(size_units[k].name) == ulen &&
			    memcmp(size_units[k].name, u, ulen) == 0) {
				if (v > (ULLONG_MAX >> size_units[k].shift))
					overflow = true;
				else
					v <<= size_units[k].shift;
				found = true;
				break;
			}
		}
		if (!found && units && isalpha((unsigned char)*u))
			return perr_at(p, t->col + (uint32_t)i, "unknown size unit '%.*s' in %s "
				       "(sizes take K, M, G or T, or KiB, MiB, GiB or TiB: powers "
				       "of 1024)", (int)(ulen > 20 ? 20 : ulen), u,
				       quoted(t, nb, sizeof(nb)));
		if (!found)
			return expected(p, t, what);
	}
	if (overflow || v > max)
		return perr_at(p, t->col, "%s %s is too large (the limit is %s)", noun,
			       quoted(t, nb, sizeof(nb)), show_size(max, units, lim, sizeof(lim)));
	*out = v;
	return 0;
}

/* Duration units, in nanoseconds. */
static const struct {
	const char *name;
	int64_t ns;
} duration_units[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", NC_MS }, { "s", NC_SEC },
	{ "m", 60 * NC_SEC }, { "min", 60 * NC_SEC },
};

enum dur_status { DUR_OK, DUR_SYNTAX, DUR_NO_UNIT, DUR_BAD_UNIT, DUR_TOO_LARGE };

/* Parses "1.5s", "200ms", "250us", "2m" into nanoseconds, exactly: the
 * fraction is scaled to nanoseconds first (up to nine digits count; further
 * ones are below a nanosecond), and the whole part is checked against max
 * before it is multiplied, so nothing can overflow. *unit_at is set to the
 * offset of the unit for DUR_BAD_UNIT. */
static enum dur_status parse_duration_text(const char *s, size_t n, int64_t max, int64_t *out,
					   size_t *unit_at)
{
	size_t i = 0;
	int64_t whole = 0;
	bool big = false;
	if (n == 0 || !isdigit((unsigned char)s[0]))
		return DUR_SYNTAX;
	for (; i < n && isdigit((unsigned char)s[i]); i++) {
		if (whole > max)
			big = true;
		else
			whole = whole * 10 + (s[i] - '0');
	}
	int64_t frac9 = 0;  /* the fraction in units of 1e-9 */
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !isdigit((unsigned char)s[i]))
			return DUR_SYNTAX;
		int64_t scale = 100000000;
		for (; i < n && isdigit((unsigned char)s[i]); i++) {
			frac9 += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i == n)
		return DUR_NO_UNIT;
	*unit_at = i;
	int64_t unit = 0;
	for (size_t k = 0; k < sizeof(duration_units) / sizeof(duration_units[0]); k++)
		if (strlen(duration_units[k].name) == n - i &&
		    memcmp(duration_units[k].name, s + i, n - i) == 0)
			unit = duration_units[k].ns;
	if (!unit)
		return isalpha((unsigned char)s[i]) ? DUR_BAD_UNIT : DUR_SYNTAX;
	if (big || whole > max / unit)
		return DUR_TOO_LARGE;
	/* unit is 1, 1e3, 1e6, 1e9 or 6e10: frac9 * unit / 1e9 in integers. */
	int64_t frac_ns = unit <= NC_SEC ? frac9 / (NC_SEC / unit) : frac9 * (unit / NC_SEC);
	if (whole * unit > max - frac_ns)
		return DUR_TOO_LARGE;
	*out = whole * unit + frac_ns;
	return DUR_OK;
}

static int parse_duration_tok(struct parser *p, const struct nc_tok *t, const char *what,
			      const char *noun, int64_t *out)
{
	char nb[224];
	size_t unit_at = 0;
	if (!t)
		return expected(p, NULL, what);
	if (t->kind != NC_TOK_WORD)
		return expected(p, t, what);
	switch (parse_duration_text(t->p, t->len, MAX_TIMEOUT_NS, out, &unit_at)) {
	case DUR_OK:
		return 0;
	case DUR_SYNTAX:
		return expected(p, t, what);
	case DUR_NO_UNIT:
		return perr_at(p, t->col, "%s %s has no unit (write ns, us, ms, s or m after "
			       "the number, like %.*sms)", noun, quoted(t, nb, sizeof(nb)),
			       (int)(t->len > 20 ? 20 : t->len), t->p);
	case DUR_BAD_UNIT:
		return perr_at(p, t->col + (uint32_t)unit_at, "unknown duration unit '%.*s' in %s "
			       "(use ns, us, ms, s or m)",
			       (int)(t->len - unit_at > 20 ? 20 : t->len - unit_at), t->p + unit_at,
			       quoted(t, nb, sizeof(nb)));
	case DUR_TOO_LARGE:
		return perr_at(p, t->col, "%s %s is too large (the limit is 1 hour)", noun,
			       quoted(t, nb, sizeof(nb)));
	}
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Templates: quoted text with escapes and ${...} variables */

static const char *const var_names[NC_VAR_COUNT] = {
	"client.addr", "client.port", "server.addr", "server.port",
	"family", "scenario", "unused.port",
};

const char *nc_var_name(enum nc_var v)
{
	return (unsigned)v < NC_VAR_COUNT ? var_names[v] : "?";
}

static void tpl_push_literal(struct nc_template *t, struct nc_buf *lit)
{
	if (lit->len == 0)
		return;
	t->parts = grow(t->parts, t->nparts, sizeof(*t->parts));
	struct nc_tpl_part *pt = &t->parts[t->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->len = lit->len;
	pt->bytes = nc_xmalloc(lit->len);
	memcpy(pt->bytes, lit->data, lit->len);
	nc_buf_reset(lit);
}

static void tpl_push_var(struct nc_template *t, enum nc_var v)
{
	t->parts = grow(t->parts, t->nparts, sizeof(*t->parts));
	struct nc_tpl_part *pt = &t->parts[t->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->is_var = true;
	pt->var = v;
	t->has_vars = true;
}

static void tpl_free(struct nc_template *t)
{
	for (size_t i = 0; i < t->nparts; i++)
		free(t->parts[i].bytes);
	free(t->parts);
	memset(t, 0, sizeof(*t));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
			return perr_at(p, base + (uint32_t)j,
				       "nested variable references are not supported"), -1;
		if (s[j] == '{')
			return perr_at(p, base + (uint32_t)j,
				       "unexpected '{' inside a variable reference"), -1;
		j++;
	}
	if (j >= n)
		return perr_at(p, base + (uint32_t)i,
			       "unterminated variable reference (missing '}')"), -1;
	size_t len = j - start;
	for (int v = 0; v < NC_VAR_COUNT; v++) {
		if (strlen(var_names[v]) == len && memcmp(var_names[v], s + start, len) == 0) {
			tpl_push_var(t, (enum nc_var)v);
			return (long)j + 1;
		}
	}
	if (len == 0)
		return perr_at(p, base + (uint32_t)i, "empty variable reference '${}' (known: "
			       "client.addr, client.port, server.addr, server.port, family, scenario, "
			       "unused.port)"), -1;
	/* The name is shown as written: the lexer has checked that it is UTF-8
	 * and a string cannot hold control characters other than tabs. */
	char name[48], sug[64];
	struct nc_tok nt = { NC_TOK_WORD, s + start, len, 0 };
	word_cstr(&nt, name, sizeof(name));
	for (char *c = name; *c; c++)
		if (*c == '\t')
			*c = ' ';
	perr_at(p, base + (uint32_t)i,
		"unknown variable '${%s%s}'%s (known: client.addr, client.port, server.addr, "
		"server.port, family, scenario, unused.port)", name, len > 40 ? "..." : "",
		did_you_mean(nc_suggest(name, var_names, NC_VAR_COUNT), sug, sizeof(sug)));
	return -1;
}

/* Decodes a string token (escapes and variables) into a template. */
static int parse_string_tpl(struct parser *p, const struct nc_tok *tok, struct nc_template *t)
{
	memset(t, 0, sizeof(*t));
	struct nc_buf lit;
	nc_buf_init(&lit, 0);
	const char *s = tok->p;
	size_t n = tok->len;
	uint32_t base = tok->col + 1; /* column of s[0] */
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		if (c == '$' && i + 1 < n && s[i + 1] == '{') {
			tpl_push_literal(t, &lit);
			long j = parse_var_ref(p, s, n, i, base, t);
			if (j < 0)
				goto fail;
			i = (size_t)j;
			continue;
		}
		if (c != '\\') {
			nc_buf_addc(&lit, c);
			i++;
			continue;
		}
		if (i + 1 >= n) {
			perr_at(p, base + (uint32_t)i, "backslash at the end of a string");
			goto fail;
		}
		char e = s[i + 1];
		int out;
		switch (e) {
		case 'n': out = '\n'; break;
		case 'r': out = '\r'; break;
		case 't': out = '\t'; break;
		case '0': out = 0; break;
		case 'a': out = '\a'; break;
		case 'b': out = '\b'; break;
		case 'f': out = '\f'; break;
		case 'v': out = '\v'; break;
		case 'e': out = 0x1b; break;
		case '\\': out = '\\'; break;
		case '"': out = '"'; break;
		case '\'': out = '\''; break;
		case '$': out = '$'; break;
		case 'x': {
			int h1 = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
			int h2 = i + 3 < n ? hexval((unsigned char)s[i + 3]) : -1;
			if (i + 2 >= n) {
				perr_at(p, base + (uint32_t)i, "incomplete escape '\\x' at the end of "
					"the string ('\\x' takes two hex digits, like \\x0a)");
				goto fail;
			}
			if (h1 < 0 || h2 < 0) {
				/* Show what follows the 'x', as far as it is plain text. */
				size_t k = i + 2, end = i + 4 < n ? i + 4 : n;
				while (k < end && (unsigned char)s[k] > 0x20 && (unsigned char)s[k] < 0x7f &&
				       s[k] != '\\')
					k++;
				perr_at(p, base + (uint32_t)i, "invalid escape '\\x%.*s' ('\\x' takes "
					"two hex digits, like \\x0a)", (int)(k - i - 2), s + i + 2);
				goto fail;
			}
			nc_buf_addc(&lit, h1 * 16 + h2);
			i += 4;
			continue;
		}
		case 'u':
		case 'U':
			perr_at(p, base + (uint32_t)i, "unknown escape '\\%c': there are no Unicode "
				"escapes (write the character itself, or its UTF-8 bytes as \\xHH)", e);
			goto fail;
		default:
			if (e >= '1' && e <= '7')
				perr_at(p, base + (uint32_t)i, "unknown escape '\\%c': there are no octal "
					"escapes (write bytes as \\xHH; \\0 alone is the NUL byte)", e);
			else if ((unsigned char)e > 0x20 && (unsigned char)e < 0x7f)
				perr_at(p, base + (uint32_t)i,
					"unknown escape '\\%c' (known: \\n \\r \\t \\0 \\a \\b \\f \\v \\e "
					"\\\\ \\\" \\' \\$ \\xHH)", e);
			else if ((unsigned char)e >= 0x80) {
				size_t k = i + 2;
				while (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)
					k++;
				perr_at(p, base + (uint32_t)i, "unknown escape '\\%.*s' (a backslash "
					"escapes only ASCII characters)", (int)(k - i - 1), s + i + 1);
			} else
				perr_at(p, base + (uint32_t)i, "unknown escape: a backslash followed by "
					"%s", e == ' ' ? "a space" : "a tab");
			goto fail;
		}
		nc_buf_addc(&lit, out);
		i += 2;
	}
	tpl_push_literal(t, &lit);
	nc_buf_free(&lit);
	return 0;
fail:
	nc_buf_free(&lit);
	tpl_free(t);
	return -1;
}

/* A bare word as a template: no escapes, but ${...} is recognized. Used for
 * exec arguments and env values. */
static int parse_word_tpl(struct parser *p, const struct nc_tok *tok, struct nc_template *t)
{
	if (tok->kind == NC_TOK_STRING)
		return parse_string_tpl(p, tok, t);
	memset(t, 0, sizeof(*t));
	struct nc_buf lit;
	nc_buf_init(&lit, 0);
	size_t i = 0;
	while (i < tok->len) {
		if (tok->p[i] == '$' && i + 1 < tok->len && tok->p[i + 1] == '{') {
			tpl_push_literal(t, &lit);
			long j = parse_var_ref(p, tok->p, tok->len, i, tok->col, t);
			if (j < 0) {
				nc_buf_free(&lit);
				tpl_free(t);
				return -1;
			}
			i = (size_t)j;
			continue;
		}
		nc_buf_addc(&lit, tok->p[i++]);
	}
	tpl_push_literal(t, &lit);
	nc_buf_free(&lit);
	return 0;
}

static void tpl_literal(struct nc_template *t, const void *bytes, size_t n)
{
	memset(t, 0, sizeof(*t));
	struct nc_buf lit;
	nc_buf_init(&lit, 0);
	nc_buf_add(&lit, bytes, n);
	tpl_push_literal(t, &lit);
	nc_buf_free(&lit);
}

/* ------------------------------------------------------------------------ */
/* Payloads */

static void payload_free(struct nc_payload *pl)
{
	tpl_free(&pl->text);
	free(pl->pattern);
	free(pl->path);
	memset(pl, 0, sizeof(*pl));
}

static bool is_hex_word(const struct nc_tok *t)
{
	if (!t || t->kind != NC_TOK_WORD || t->len == 0)
		return false;
	for (size_t i = 0; i < t->len; i++)
		if (hexval((unsigned char)t->p[i]) < 0)
			return false;
	return true;
}

static bool is_decimal_word(const struct nc_tok *t)
{
	if (!t || t->kind != NC_TOK_WORD || t->len == 0)
		return false;
	for (size_t i = 0; i < t->len; i++)
		if (!isdigit((unsigned char)t->p[i]))
			return false;
	return true;
}

/* Reports the character at s[i] (which is not a hex digit) in a group of
 * hex digits, with a hint for the usual C habit of a "0x" prefix. */
static int bad_hex_digit(struct parser *p, uint32_t col, const char *s, size_t n, size_t i,
			 const char *group, size_t glen)
{
	size_t clen = 1;
	while (i + clen < n && ((unsigned char)s[i + clen] & 0xc0) == 0x80)
		clen++;
	bool prefix = (s[i] == 'x' || s[i] == 'X') && i > 0 && s[i - 1] == '0' &&
		      (i == 1 || s[i - 2] == ' ' || s[i - 2] == ':');
	return perr_at(p, col, "invalid hex digit '%.*s' in '%.*s'%s", (int)clen, s + i,
		       (int)(glen > 40 ? 40 : glen), group,
		       prefix ? " (hex bytes are written without '0x', like hex 61 62)" : "");
}

/* Consumes the bytes of a hex payload (the 'hex' word already taken):
 * words of hex digits, "hex 68 65 6c6c6f", or one string, "hex \"68 65:6c\"",
 * where spaces and colons separate groups. Every group has an even number
 * of digits, so a byte never spans a separator.
 *
 * After `repeat hex` the repetition count follows the bytes, and a count
 * like 10 is also a valid hex byte; the count is therefore the last
 * all-decimal word before something that is neither hex nor a number
 * (for_repeat): in "repeat hex 61 10 server" it is 10, in "repeat hex 00
 * 01 2K" it is 2K. */
static int parse_hex_bytes(struct parser *p, struct nc_buf *out, bool for_repeat)
{
	const struct nc_tok *t = peek(p);
	char nb[224];
	if (!t)
		return expected(p, NULL, "hex digits after 'hex'");
	if (t->kind == NC_TOK_STRING) {
		next(p);
		size_t i = 0;
		while (i < t->len) {
			if (t->p[i] == ' ' || t->p[i] == ':' || t->p[i] == '\t') {
				i++;
				continue;
			}
			size_t g = i;
			while (g < t->len && t->p[g] != ' ' && t->p[g] != ':' && t->p[g] != '\t')
				g++;
			for (size_t k = i; k < g; k++)
				if (hexval((unsigned char)t->p[k]) < 0)
					return bad_hex_digit(p, t->col + 1 + (uint32_t)k, t->p, t->len, k,
							     t->p + i, g - i);
			if ((g - i) % 2)
				return perr_at(p, t->col + 1 + (uint32_t)i, "odd number of hex "
					       "digits in '%.*s' (each byte takes two digits)",
					       (int)(g - i > 40 ? 40 : g - i), t->p + i);
			for (size_t k = i; k < g; k += 2)
				nc_buf_addc(out, hexval((unsigned char)t->p[k]) * 16 +
							 hexval((unsigned char)t->p[k + 1]));
			i = g;
		}
		if (out->len == 0)
			return perr_at(p, t->col, "no hex digits in %s", quoted(t, nb, sizeof(nb)));
		return 0;
	}
	if (!is_hex_word(t)) {
		for (size_t i = 1; t->kind == NC_TOK_WORD && i < t->len; i++)
			if (hexval((unsigned char)t->p[i]) < 0 &&
			    hexval((unsigned char)t->p[0]) >= 0)
				return bad_hex_digit(p, t->col + (uint32_t)i, t->p, t->len, i, t->p,
						     t->len);
		return expected(p, t, "hex digits after 'hex'");
	}
	size_t words = 0;
	while ((t = peek(p)) && is_hex_word(t)) {
		const struct nc_tok *after = p->i + 1 < p->lx.ntok ? &p->lx.tok[p->i + 1] : NULL;
		if (for_repeat && words > 0 && is_decimal_word(t) && !is_hex_word(after) &&
		    !(after && after->kind == NC_TOK_WORD && isdigit((unsigned char)after->p[0])))
			break;
		if (t->len % 2)
			return perr_at(p, t->col, "odd number of hex digits in '%.*s' (each byte "
				       "takes two digits)", (int)(t->len > 40 ? 40 : t->len), t->p);
		for (size_t i = 0; i < t->len; i += 2)
			nc_buf_addc(out, hexval((unsigned char)t->p[i]) * 16 +
						 hexval((unsigned char)t->p[i + 1]));
		next(p);
		words++;
	}
	/* A word that starts like hex but is not ("6z", "0x61") is most likely a
	 * mistyped byte rather than the next argument: no target, modifier or
	 * keyword starts with a decimal digit, and addresses contain '.' or ':'.
	 * After 'repeat hex' it is the count, which the caller checks. */
	if (!for_repeat && t && t->kind == NC_TOK_WORD && isdigit((unsigned char)t->p[0])) {
		bool alnum = true;
		for (size_t i = 0; i < t->len && alnum; i++)
			alnum = isalnum((unsigned char)t->p[i]);
		for (size_t i = 1; alnum && i < t->len; i++)
			if (hexval((unsigned char)t->p[i]) < 0)
				return bad_hex_digit(p, t->col + (uint32_t)i, t->p, t->len, i, t->p,
						     t->len);
	}
	return 0;
}

static int parse_payload(struct parser *p, struct nc_payload *pl);

static int parse_payload_file(struct parser *p, struct nc_payload *pl)
{
	const struct nc_tok *t = next(p);
	if (!t)
		return expected(p, NULL, "a file path after 'file'");
	char *rel = tok_str(t);
	if (strlen(rel) != t->len) {
		free(rel);
		return perr_at(p, t->col, "file path contains a NUL byte");
	}
	char *path = nc_path_find_up(p->dir, rel, false);
	if (!path) {
		int rc = rel[0] == '/'
			 ? perr_at(p, t->col, "fixture file '%s' not found", rel)
			 : perr_at(p, t->col, "fixture file '%s' not found (looked in %s and its "
				   "parent directories)", rel, p->dir);
		free(rel);
		return rc;
	}
	free(rel);
	struct nc_buf data;
	nc_buf_init(&data, NC_PAYLOAD_FILE_MAX);
	if (nc_read_file(path, &data) < 0) {
		int e = errno;
		int rc = e == EFBIG
			 ? perr_at(p, t->col, "fixture file '%s' is larger than %u MiB", path,
				   NC_PAYLOAD_FILE_MAX >> 20)
			 : perr_at(p, t->col, "cannot read fixture file '%s': %s", path, strerror(e));
		free(path);
		nc_buf_free(&data);
		return rc;
	}
	pl->kind = NC_PAYLOAD_FILE;
	pl->path = path;
	tpl_literal(&pl->text, data.data, data.len);
	nc_buf_free(&data);
	return 0;
}

static int parse_payload(struct parser *p, struct nc_payload *pl)
{
	memset(pl, 0, sizeof(*pl));
	const struct nc_tok *t = next(p);
	static const char *what =
		"a payload (a quoted string, hex ..., file PATH, random N seed S, or repeat \"ab\" N)";
	if (!t)
		return expected(p, NULL, what);
	pl->pos = (struct nc_pos){ p->lx.line, t->col };
	if (t->kind == NC_TOK_STRING) {
		pl->kind = NC_PAYLOAD_TEXT;
		return parse_string_tpl(p, t, &pl->text);
	}
	if (word_eq(t, "hex")) {
		struct nc_buf b;
		nc_buf_init(&b, 0);
		int rc = parse_hex_bytes(p, &b, false);
		if (rc == 0) {
			pl->kind = NC_PAYLOAD_HEX;
			tpl_literal(&pl->text, b.data, b.len);
		}
		nc_buf_free(&b);
		return rc;
	}
	if (word_eq(t, "file"))
		return parse_payload_file(p, pl);
	if (word_eq(t, "random")) {
		unsigned long long n, seed = 0;
		if (parse_u64_tok(p, next(p), "a byte count after 'random'", "random payload size",
				  MAX_GENERATED, true, &n) < 0)
			return -1;
		if (word_eq(peek(p), "seed")) {
			next(p);
			if (parse_u64_tok(p, next(p), "a seed number after 'seed'", "seed", ULLONG_MAX,
					  false, &seed) < 0)
				return -1;
		}
		pl->kind = NC_PAYLOAD_RANDOM;
		pl->count = n;
		pl->seed = seed;
		return 0;
	}
	if (word_eq(t, "repeat")) {
		const struct nc_tok *pt = peek(p);
		struct nc_buf pat;
		nc_buf_init(&pat, 0);
		if (pt && pt->kind == NC_TOK_STRING) {
			struct nc_template tpl;
			next(p);
			if (parse_string_tpl(p, pt, &tpl) < 0) {
				nc_buf_free(&pat);
				return -1;
			}
			bool vars = tpl.has_vars;
			for (size_t k = 0; k < tpl.nparts; k++)
				nc_buf_add(&pat, tpl.parts[k].bytes, tpl.parts[k].len);
			tpl_free(&tpl);
			if (vars) {
				nc_buf_free(&pat);
				return perr_at(p, pt->col, "a repeated pattern cannot use variables");
			}
		} else if (word_eq(pt, "hex")) {
			next(p);
			if (parse_hex_bytes(p, &pat, true) < 0) {
				nc_buf_free(&pat);
				return -1;
			}
		} else {
			nc_buf_free(&pat);
			return expected(p, pt, "a quoted pattern or hex bytes after 'repeat'");
		}
		if (pat.len == 0) {
			nc_buf_free(&pat);
			return perr_at(p, pt->col, "a repeated pattern cannot be empty");
		}
		unsigned long long n;
		if (parse_u64_tok(p, next(p), "a repetition count after the pattern",
				  "repetition count", MAX_GENERATED / pat.len, true, &n) < 0) {
			nc_buf_free(&pat);
			return -1;
		}
		pl->kind = NC_PAYLOAD_REPEAT;
		pl->pattern_len = pat.len;
		pl->pattern = (uint8_t *)nc_buf_steal(&pat);
		pl->count = n;
		return 0;
	}
	return expected(p, t, what);
}

/* ------------------------------------------------------------------------ */
/* Endpoints */

/* Explains why a host that inet_pton refused is not an address. */
static int bad_host(struct parser *p, const struct nc_tok *t, const char *host, bool bracketed)
{
	char nb[224];
	bool v4ish = host[0] != 0, v6ish = bracketed || strchr(host, ':') != NULL;
	for (const char *c = host; *c && v4ish; c++)
		v4ish = isdigit((unsigned char)*c) || *c == '.';
	const char *q = quoted(t, nb, sizeof(nb));
	if (bracketed && v4ish)
		return perr_at(p, t->col, "an IPv4 address takes no brackets: %s (write "
			       "%s:PORT)", q, host);
	if (v6ish)
		return perr_at(p, t->col, "invalid IPv6 address '%s' in %s", host, q);
	if (v4ish)
		return perr_at(p, t->col, "invalid IPv4 address '%s' in %s (four numbers "
			       "0..255 separated by dots)", host, q);
	if (host[0] == 0)
		return perr_at(p, t->col, "missing host before ':' in %s (like loopback:PORT)", q);
	if (strcmp(host, "localhost") == 0)
		return perr_at(p, t->col, "unknown host 'localhost' in %s: did you mean "
			       "'loopback'? (host names are not resolved)", q);
	return perr_at(p, t->col, "unknown host '%s' in %s (expected loopback, any, an IPv4 "
		       "address or a bracketed IPv6 address like [::1]; host names are not "
		       "resolved)", host, q);
}

/* Parses "HOST[:PORT]" where HOST is loopback, any, an IPv4 literal or a
 * bracketed IPv6 literal ([::1]); a bare IPv6 literal without a port is
 * accepted too. */
static int parse_addr_word(struct parser *p, const struct nc_tok *t, struct nc_endpoint *ep,
			   bool port_required)
{
	char w[128], nb[224];
	if (!word_buf(t, w, sizeof(w)))
		return expected(p, t, "an address (loopback:PORT, any:PORT, 127.0.0.1:PORT or "
				"[::1]:PORT)");
	ep->kind = NC_EP_ADDR;
	ep->port = -1;
	ep->pos = (struct nc_pos){ p->lx.line, t->col };
	char *host = w, *port = NULL;
	uint32_t port_col = 0;
	bool bracketed = w[0] == '[';
	if (bracketed) {
		char *close = strchr(w, ']');
		if (!close)
			return perr_at(p, t->col, "missing ']' after the IPv6 address in %s (write "
				       "[ADDRESS]:PORT)", quoted(t, nb, sizeof(nb)));
		*close = 0;
		host = w + 1;
		if (close[1] == ':') {
			port = close + 2;
			port_col = t->col + (uint32_t)(port - w);
		} else if (close[1]) {
			return perr_at(p, t->col + (uint32_t)(close + 1 - w),
				       "expected ':PORT' after ']' in %s", quoted(t, nb, sizeof(nb)));
		}
	} else {
		char *colon = strchr(w, ':');
		if (colon && strchr(colon + 1, ':') == NULL) {
			*colon = 0;
			port = colon + 1;
			port_col = t->col + (uint32_t)(port - w);
		}
		/* Otherwise it is a bare IPv6 literal (two or more colons) or has no port. */
	}
	if (!bracketed && strcmp(host, "loopback") == 0) {
		ep->host = NC_HOST_LOOPBACK;
	} else if (!bracketed && strcmp(host, "any") == 0) {
		ep->host = NC_HOST_ANY;
	} else {
		ep->host = NC_HOST_LITERAL;
		if (!bracketed && inet_pton(AF_INET, host, ep->lit_addr) == 1)
			ep->lit_family = AF_INET;
		else if (inet_pton(AF_INET6, host, ep->lit_addr) == 1)
			ep->lit_family = AF_INET6;
		else
			return bad_host(p, t, host, bracketed);
	}
	if (port) {
		size_t len = strlen(port), i = 0;
		unsigned long v = 0;
		if (len == 0)
			return perr_at(p, port_col, "missing port number after ':' in %s",
				       quoted(t, nb, sizeof(nb)));
		for (; i < len && isdigit((unsigned char)port[i]); i++)
			if (v <= 65535)
				v = v * 10 + (unsigned long)(port[i] - '0');
		if (i < len)
			return perr_at(p, port_col, "expected a port number %s",
				       near(t, nb, sizeof(nb)));
		if (v > 65535)
			return perr_at(p, port_col, "port %.20s%s is out of range (0..65535) in %s",
				       port, len > 20 ? "..." : "", quoted(t, nb, sizeof(nb)));
		ep->port = (int)v;
	} else if (port_required) {
		ep->port = 0;
	}
	return 0;
}

/* A step target: server, client, unused, or an address. */
static int parse_target(struct parser *p, const struct nc_tok *t, struct nc_endpoint *ep,
			bool allow_unused)
{
	memset(ep, 0, sizeof(*ep));
	if (!t)
		return expected(p, NULL, "a target (server, client, unused or an address)");
	ep->pos = (struct nc_pos){ p->lx.line, t->col };
	if (word_eq(t, "server")) {
		ep->kind = NC_EP_SERVER;
		return 0;
	}
	if (word_eq(t, "client")) {
		ep->kind = NC_EP_CLIENT;
		return 0;
	}
	if (word_eq(t, "unused")) {
		if (!allow_unused)
			return perr_at(p, t->col, "nothing can come from 'unused', a port nothing "
				       "uses (expected client, server or an address)");
		ep->kind = NC_EP_UNUSED;
		return 0;
	}
	if (t->kind != NC_TOK_WORD)
		return expected(p, t, "a target (server, client, unused or an address)");
	return parse_addr_word(p, t, ep, false);
}

/* ------------------------------------------------------------------------ */
/* Steps */

struct step_kw {
	const char *name;
	enum nc_step_kind kind;
};

static const struct step_kw step_kws[] = {
	{ "socket", NC_STEP_SOCKET },       { "bind", NC_STEP_BIND },
	{ "listen", NC_STEP_LISTEN },       { "accept", NC_STEP_ACCEPT },
	{ "connect", NC_STEP_CONNECT },     { "send", NC_STEP_SEND },
	{ "sendall", NC_STEP_SENDALL },     { "sendto", NC_STEP_SENDTO },
	{ "recv", NC_STEP_RECV },           { "recvfrom", NC_STEP_RECVFROM },
	{ "setsockopt", NC_STEP_SETSOCKOPT }, { "nonblock", NC_STEP_NONBLOCK },
	{ "shutdown", NC_STEP_SHUTDOWN },   { "close", NC_STEP_CLOSE },
	{ "sleep", NC_STEP_SLEEP },
};

const char *nc_step_name(enum nc_step_kind k)
{
	for (size_t i = 0; i < sizeof(step_kws) / sizeof(step_kws[0]); i++)
		if (step_kws[i].kind == k)
			return step_kws[i].name;
	return "?";
}

static bool lookup_step(const struct nc_tok *t, enum nc_step_kind *k)
{
	for (size_t i = 0; i < sizeof(step_kws) / sizeof(step_kws[0]); i++) {
		if (word_eq(t, step_kws[i].name)) {
			*k = step_kws[i].kind;
			return true;
		}
	}
	return false;
}

static const char *const header_kws[] = {
	"scenario", "description", "transport", "family", "families", "timeout",
	"step-timeout", "keywords", "keyword", "tags", "env",
};

static bool is_header_kw(const struct nc_tok *t)
{
	for (size_t i = 0; i < sizeof(header_kws) / sizeof(header_kws[0]); i++)
		if (word_eq(t, header_kws[i]))
			return true;
	return false;
}

static int parse_window(struct parser *p, const struct nc_tok *kw, struct nc_window *w)
{
	const struct nc_tok *t = next(p);
	char nb[224];
	w->pos = (struct nc_pos){ p->lx.line, kw->col };
	if (word_eq(kw, "within")) {
		if (parse_duration_tok(p, t, "a duration after 'within'", "time limit", &w->hi_ns) < 0)
			return -1;
		w->lo_ns = 0;
		w->set = true;
		return 0;
	}
	if (!t || t->kind != NC_TOK_WORD)
		return expected(p, t, "a time window (like 200ms..400ms) after 'after'");
	const char *dots = NULL;
	for (size_t i = 0; i + 1 < t->len && !dots; i++)
		if (t->p[i] == '.' && t->p[i + 1] == '.')
			dots = t->p + i;
	if (!dots)
		return perr_at(p, t->col, "'after' takes a time window with both bounds, like "
			       "200ms..400ms, %s (for an upper bound alone, use 'within')",
			       near(t, nb, sizeof(nb)));
	/* Each bound is parsed as a token of its own, so messages point at it. */
	size_t lo_len = (size_t)(dots - t->p);
	struct nc_tok lo = { NC_TOK_WORD, t->p, lo_len, t->col };
	struct nc_tok hi = { NC_TOK_WORD, dots + 2, t->len - lo_len - 2,
			     t->col + (uint32_t)lo_len + 2 };
	if (lo.len == 0)
		return perr_at(p, t->col, "the time window %s has no lower bound (like "
			       "200ms..400ms)", quoted(t, nb, sizeof(nb)));
	if (hi.len == 0)
		return perr_at(p, t->col, "the time window %s has no upper bound (like "
			       "200ms..400ms)", quoted(t, nb, sizeof(nb)));
	if (parse_duration_tok(p, &lo, "a duration (like 200ms) before '..'", "lower bound",
			       &w->lo_ns) < 0 ||
	    parse_duration_tok(p, &hi, "a duration (like 400ms) after '..'", "upper bound",
			       &w->hi_ns) < 0)
		return -1;
	if (w->hi_ns < w->lo_ns)
		return perr_at(p, t->col, "empty time window %s: the upper bound is less than "
			       "the lower bound", quoted(t, nb, sizeof(nb)));
	w->set = true;
	return 0;
}

static int parse_expect(struct parser *p, const struct nc_tok *arrow, struct nc_expect *ex)
{
	const struct nc_tok *t = peek(p);
	ex->pos = (struct nc_pos){ p->lx.line, arrow->col };
	if (!t)
		return expected(p, NULL, "an expectation after '=>'");
	if (word_eq(t, "error")) {
		next(p);
		const struct nc_tok *e = next(p);
		char w[48];
		if (!e)
			return expected(p, NULL, "an errno name (like ECONNREFUSED) after 'error'");
		if (!word_buf(e, w, sizeof(w)) || nc_errno_value(w) < 0) {
			char nb[224], sug[80];
			return perr_at(p, e->col, "unknown errno name %s%s (expected a name like "
				       "ECONNREFUSED or EAGAIN)", quoted(e, nb, sizeof(nb)),
				       did_you_mean(e->kind == NC_TOK_WORD
						    ? nc_errno_suggest(word_cstr(e, w, sizeof(w)))
						    : NULL, sug, sizeof(sug)));
		}
		ex->kind = NC_EXPECT_ERROR;
		ex->err = nc_errno_value(w);
		return 0;
	}
	if (word_eq(t, "eof")) {
		next(p);
		ex->kind = NC_EXPECT_EOF;
		return 0;
	}
	if (word_eq(t, "any")) {
		next(p);
		ex->kind = NC_EXPECT_ANY;
		return 0;
	}
	if (word_eq(t, "len") || word_eq(t, "length")) {
		next(p);
		unsigned long long n;
		if (parse_u64_tok(p, next(p), "a byte count after 'len'", "length", MAX_GENERATED,
				  true, &n) < 0)
			return -1;
		ex->kind = NC_EXPECT_LEN;
		ex->len = n;
		return 0;
	}
	if (word_eq(t, "prefix")) {
		next(p);
		ex->kind = NC_EXPECT_PREFIX;
		return parse_payload(p, &ex->payload);
	}
	ex->kind = NC_EXPECT_BYTES;
	return parse_payload(p, &ex->payload);
}

static bool step_receives(enum nc_step_kind k)
{
	return k == NC_STEP_RECV || k == NC_STEP_RECVFROM;
}

static bool step_sends(enum nc_step_kind k)
{
	return k == NC_STEP_SEND || k == NC_STEP_SENDALL || k == NC_STEP_SENDTO;
}

/* The fewest bytes a payload can have: variables are counted as empty,
 * so this never overestimates. */
static uint64_t payload_min_len(const struct nc_payload *pl)
{
	uint64_t n = 0;
	switch (pl->kind) {
	case NC_PAYLOAD_TEXT:
	case NC_PAYLOAD_HEX:
	case NC_PAYLOAD_FILE:
		for (size_t i = 0; i < pl->text.nparts; i++)
			n += pl->text.parts[i].is_var ? 0 : pl->text.parts[i].len;
		return n;
	case NC_PAYLOAD_RANDOM:
		return pl->count;
	case NC_PAYLOAD_REPEAT:
		return pl->count * pl->pattern_len;
	}
	return 0;
}

/* The fewest bytes a receive must return to meet its expectation. */
static uint64_t expected_min_len(const struct nc_expect *ex)
{
	switch (ex->kind) {
	case NC_EXPECT_LEN:
		return ex->len;
	case NC_EXPECT_BYTES:
	case NC_EXPECT_PREFIX:
		return payload_min_len(&ex->payload);
	case NC_EXPECT_SUCCESS:
	case NC_EXPECT_EOF:
	case NC_EXPECT_ERROR:
	case NC_EXPECT_ANY:
		return 0;
	}
	return 0;
}

static const char *const modifier_kws[] = {
	"=>", "from", "after", "within", "once", "truncated", "flags", "deadline",
};

/* What follows a step's arguments is not a modifier. The usual causes get
 * their own message: an expectation written without its '=>', an argument
 * too many, or a misspelt modifier. */
static int unknown_modifier(struct parser *p, const struct nc_step *st, const struct nc_tok *t)
{
	char nb[224], w[48], sug[80];
	const char *q = quoted(t, nb, sizeof(nb));
	static const char *const expect_kws[] = { "error", "eof", "any", "len", "length",
						  "prefix", "hex", "file", "random", "repeat" };
	bool expectation = t->kind == NC_TOK_STRING;
	for (size_t i = 0; i < sizeof(expect_kws) / sizeof(expect_kws[0]); i++)
		expectation = expectation || word_eq(t, expect_kws[i]);
	if (expectation && step_receives(st->kind))
		return perr_at(p, t->col, "unexpected %s: an expectation follows '=>' (like "
			       "recv 100 => \"hello\")", q);
	if (expectation)
		return perr_at(p, t->col, "unexpected %s: an expectation follows '=>' (like "
			       "=> error ECONNREFUSED)", q);
	const char *s = t->kind == NC_TOK_WORD
			? nc_suggest(word_cstr(t, w, sizeof(w)), modifier_kws,
				     sizeof(modifier_kws) / sizeof(modifier_kws[0]))
			: NULL;
	return perr_at(p, t->col, "unexpected %s%s (after the arguments of '%s' come '=>', from, "
		       "after, within, once, truncated, flags or deadline)", q,
		       did_you_mean(s, sug, sizeof(sug)), nc_step_name(st->kind));
}

/* Modifiers that may follow a step's arguments, in any order. */
static int parse_modifiers(struct parser *p, struct nc_step *st)
{
	struct nc_expect *ex = &st->expect;
	bool seen_arrow = false, seen_from = false, seen_window = false, seen_deadline = false;
	const struct nc_tok *t;
	char w[48];
	while ((t = next(p))) {
		if (word_eq(t, "=>")) {
			if (seen_arrow)
				return perr_at(p, t->col, "a step has at most one '=>' expectation");
			seen_arrow = true;
			if (parse_expect(p, t, ex) < 0)
				return -1;
		} else if (word_eq(t, "from")) {
			if (seen_from)
				return perr_at(p, t->col, "'from' given twice");
			seen_from = true;
			if (!step_receives(st->kind) && st->kind != NC_STEP_ACCEPT)
				return perr_at(p, t->col, "'from' applies to accept, recv and recvfrom, "
					       "not to '%s'", nc_step_name(st->kind));
			ex->has_from = true;
			if (parse_target(p, next(p), &ex->from, false) < 0)
				return -1;
		} else if (word_eq(t, "after") || word_eq(t, "within")) {
			if (seen_window)
				return perr_at(p, t->col, "a step has at most one time window");
			seen_window = true;
			if (parse_window(p, t, &ex->window) < 0)
				return -1;
		} else if (word_eq(t, "once")) {
			if (!step_receives(st->kind))
				return perr_at(p, t->col, "'once' applies to recv and recvfrom, not to "
					       "'%s'", nc_step_name(st->kind));
			/* The header, and with it the transport, is complete
			 * before the first section; a missing transport line is
			 * reported once the file is read. */
			if (p->seen_transport && p->s->transport == NC_TRANSPORT_UDP)
				return perr_at(p, t->col, "'once' applies to tcp: a datagram receive "
					       "is always one call");
			ex->once = true;
		} else if (word_eq(t, "truncated")) {
			if (!step_receives(st->kind))
				return perr_at(p, t->col, "'truncated' applies to recv and recvfrom, not "
					       "to '%s'", nc_step_name(st->kind));
			if (p->seen_transport && p->s->transport == NC_TRANSPORT_TCP)
				return perr_at(p, t->col, "'truncated' applies to udp: a stream receive "
					       "is never truncated");
			ex->truncated = true;
		} else if (word_eq(t, "deadline")) {
			if (seen_deadline)
				return perr_at(p, t->col, "'deadline' given twice");
			seen_deadline = true;
			if (parse_duration_tok(p, next(p), "a duration after 'deadline'", "deadline",
					       &st->deadline_ns) < 0)
				return -1;
			if (st->deadline_ns == 0)
				return perr_at(p, t->col, "a deadline must be longer than zero");
		} else if (word_eq(t, "flags") || (t->kind == NC_TOK_WORD && t->len > 4 &&
						   memcmp(t->p, "MSG_", 4) == 0)) {
			if (!step_sends(st->kind) && !step_receives(st->kind))
				return perr_at(p, t->col, "message flags apply to send and receive steps");
			const struct nc_tok *f = word_eq(t, "flags") ? next(p) : t;
			if (!f)
				return expected(p, NULL, "message flags (like MSG_DONTWAIT) after 'flags'");
			/* "flags MSG_DONTWAIT,MSG_PEEK" or a single bare flag */
			if (!word_buf(f, w, sizeof(w)))
				return expected(p, f, "message flags (like MSG_DONTWAIT)");
			char *save = NULL, sug[80];
			uint32_t col = f->col;
			bool any = false;
			for (char *one = strtok_r(w, ",|", &save); one; one = strtok_r(NULL, ",|", &save)) {
				int v = nc_msgflag_value(one);
				if (!v)
					return perr_at(p, col + (uint32_t)(one - w),
						       "unknown message flag '%s'%s (known: MSG_DONTWAIT, "
						       "MSG_PEEK, MSG_WAITALL, MSG_TRUNC, MSG_MORE, MSG_OOB, "
						       "MSG_NOSIGNAL, MSG_CONFIRM)", one,
						       did_you_mean(nc_msgflag_suggest(one), sug, sizeof(sug)));
				st->msg_flags |= v;
				any = true;
			}
			if (!any)
				return expected(p, f, "message flags (like MSG_DONTWAIT)");
		} else {
			return unknown_modifier(p, st, t);
		}
	}
	/* Which expectations make sense for which call. */
	switch (ex->kind) {
	case NC_EXPECT_BYTES:
	case NC_EXPECT_PREFIX:
	case NC_EXPECT_EOF:
		if (!step_receives(st->kind))
			return perr_pos(p, ex->pos, p->ctx,
					"a data expectation applies to recv and recvfrom, not to '%s'",
					nc_step_name(st->kind));
		break;
	case NC_EXPECT_LEN:
		if (!step_receives(st->kind) && !step_sends(st->kind))
			return perr_pos(p, ex->pos, p->ctx,
					"'len' applies to send and receive steps, not to '%s'",
					nc_step_name(st->kind));
		break;
	case NC_EXPECT_SUCCESS:
	case NC_EXPECT_ERROR:
	case NC_EXPECT_ANY:
		break;
	}
	if (ex->truncated && ex->kind == NC_EXPECT_ERROR)
		return perr_pos(p, ex->pos, p->ctx, "'truncated' cannot go with an error expectation");
	/* A datagram, or a stream read judged on one call, arrives in a single
	 * receive, which never returns more than the buffer holds. */
	uint64_t need = expected_min_len(ex);
	bool one_call = (p->seen_transport && p->s->transport == NC_TRANSPORT_UDP) || ex->once;
	/* MSG_TRUNC makes a receive return the datagram's real length. */
	if (step_receives(st->kind) && one_call && need > st->size &&
	    !(st->msg_flags & MSG_TRUNC))
		return perr_pos(p, ex->pos, p->ctx, "the expectation needs %llu bytes but the "
				"buffer holds %llu: %s returns at most the buffer's size (raise "
				"the buffer size)", (unsigned long long)need,
				(unsigned long long)st->size,
				ex->once ? "a single call" : "a datagram receive");
	return 0;
}

static int parse_sockopt(struct parser *p, struct nc_step *st)
{
	const struct nc_tok *t = next(p);
	char w[48], nb[224];
	if (!t)
		return expected(p, NULL, "an option name (like SO_RCVTIMEO)");
	if (!word_buf(t, w, sizeof(w)) || !nc_sockopt_lookup(w, &st->opt)) {
		char sug[80];
		return perr_at(p, t->col, "unknown socket option %s%s (known: %s)",
			       quoted(t, nb, sizeof(nb)),
			       did_you_mean(t->kind == NC_TOK_WORD
					    ? nc_sockopt_suggest(word_cstr(t, w, sizeof(w))) : NULL,
					    sug, sizeof(sug)), nc_sockopt_known());
	}
	const struct nc_tok *v = next(p);
	switch (st->opt.vkind) {
	case NC_OPTVAL_DURATION:
		return parse_duration_tok(p, v, "a duration (like 200ms)", "timeout", &st->opt.ival);
	case NC_OPTVAL_LINGER:
		/* SO_LINGER off | on DURATION | DURATION (meaning on) */
		if (word_eq(v, "off")) {
			st->opt.linger_on = false;
			return 0;
		}
		if (word_eq(v, "on"))
			v = next(p);
		st->opt.linger_on = true;
		if (parse_duration_tok(p, v, "a linger time (like 0s) or 'off'", "linger time",
				       &st->opt.ival) < 0)
			return -1;
		/* The kernel counts the linger time in whole seconds; rounding
		 * 500ms down to 0s would turn a graceful close into a reset. */
		if (st->opt.ival % NC_SEC)
			return perr_at(p, v->col, "SO_LINGER takes whole seconds (like 0s or 2s), "
				       "not %s", quoted(v, nb, sizeof(nb)));
		st->opt.ival /= NC_SEC;
		return 0;
	case NC_OPTVAL_INT: {
		if (word_eq(v, "on") || word_eq(v, "true")) {
			st->opt.ival = 1;
			return 0;
		}
		if (word_eq(v, "off") || word_eq(v, "false")) {
			st->opt.ival = 0;
			return 0;
		}
		unsigned long long n;
		if (parse_u64_tok(p, v, "an option value (a number, on or off)", "option value",
				  INT_MAX, true, &n) < 0)
			return -1;
		st->opt.ival = (int64_t)n;
		return 0;
	}
	}
	return 0;
}

static void step_text(struct parser *p, struct nc_step *st)
{
	/* The line from its first token to the end of the last one. */
	const struct nc_tok *a = &p->lx.tok[0];
	uint32_t end = eol_col(p);
	st->text = nc_strndup(p->lx.line_p + a->col - 1, end - a->col);
}

static bool is_modifier_kw(const struct nc_tok *t)
{
	for (size_t i = 0; i < sizeof(modifier_kws) / sizeof(modifier_kws[0]); i++)
		if (word_eq(t, modifier_kws[i]))
			return true;
	return t->kind == NC_TOK_WORD && t->len > 4 && memcmp(t->p, "MSG_", 4) == 0;
}

static const char *const exec_option_kws[] = {
	"cwd", "env", "stdin", "deadline", "port", "ready", "exit", "stdout", "stderr",
};

/* Options that only a program role takes ('env' and 'deadline' mean
 * something elsewhere too, so they are left out). */
static bool is_exec_option_kw(const struct nc_tok *t)
{
	for (size_t i = 0; i < sizeof(exec_option_kws) / sizeof(exec_option_kws[0]); i++)
		if (word_eq(t, exec_option_kws[i]) && strcmp(exec_option_kws[i], "env") != 0 &&
		    strcmp(exec_option_kws[i], "deadline") != 0)
			return true;
	return false;
}

static const char *suggest_step(const char *w)
{
	const char *names[sizeof(step_kws) / sizeof(step_kws[0])];
	for (size_t i = 0; i < sizeof(step_kws) / sizeof(step_kws[0]); i++)
		names[i] = step_kws[i].name;
	return nc_suggest(w, names, sizeof(names) / sizeof(names[0]));
}

static int parse_step(struct parser *p, struct nc_role *role)
{
	const struct nc_tok *kw = next(p);
	enum nc_step_kind kind;
	char nb[224];
	if (!lookup_step(kw, &kind)) {
		const char *rname = p->section == SEC_SERVER ? "server" : "client";
		char w[48], sug[80];
		if (is_header_kw(kw))
			return perr_at(p, kw->col, "header line '%.*s' must come before the first "
				       "section", (int)kw->len, kw->p);
		if (is_exec_option_kw(kw))
			return perr_at(p, kw->col, "'%.*s' is an option of a program role, but this "
				       "'%s' section runs steps (a program role starts with '%s exec "
				       "COMMAND')", (int)kw->len, kw->p, rname, rname);
		const char *sg = kw->kind == NC_TOK_WORD ? suggest_step(word_cstr(kw, w, sizeof(w)))
							 : NULL;
		return perr_at(p, kw->col, "unknown step %s%s (expected socket, bind, listen, accept, "
			       "connect, send, sendall, sendto, recv, recvfrom, setsockopt, "
			       "nonblock, shutdown, close or sleep)", quoted(kw, nb, sizeof(nb)),
			       did_you_mean(sg, sug, sizeof(sug)));
	}
	if (role->nsteps >= MAX_STEPS)
		return perr_at(p, kw->col, "too many steps in one role (the limit is %d)", MAX_STEPS);
	snprintf(p->ctx, sizeof(p->ctx), "step '%s' at %u:%u", nc_step_name(kind), p->lx.line,
		 kw->col);
	role->steps = grow(role->steps, role->nsteps, sizeof(*role->steps));
	struct nc_step *st = &role->steps[role->nsteps++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->pos = (struct nc_pos){ p->lx.line, kw->col };
	st->expect.kind = NC_EXPECT_SUCCESS;
	step_text(p, st);
	const struct nc_tok *t;
	unsigned long long n;

	switch (kind) {
	case NC_STEP_SOCKET:
		t = peek(p);
		if (word_eq(t, "inet")) {
			next(p);
			st->sock_family = AF_INET;
		} else if (word_eq(t, "inet6")) {
			next(p);
			st->sock_family = AF_INET6;
		} else if (t && !is_modifier_kw(t)) {
			return expected(p, t, "inet, inet6 or nothing (the variant's family) after "
					"'socket'");
		}
		break;
	case NC_STEP_BIND:
		t = next(p);
		if (!t)
			return expected(p, NULL, "an address to bind (like loopback:0)");
		if (parse_addr_word(p, t, &st->ep, true) < 0)
			return -1;
		break;
	case NC_STEP_LISTEN:
		st->size = 16;
		t = peek(p);
		if (t && !word_eq(t, "=>") && t->kind == NC_TOK_WORD && isdigit((unsigned char)t->p[0])) {
			next(p);
			if (parse_u64_tok(p, t, "a backlog", "backlog", 65535, false, &n) < 0)
				return -1;
			st->size = n;
		}
		break;
	case NC_STEP_ACCEPT:
	case NC_STEP_CLOSE:
		break;
	case NC_STEP_CONNECT:
		if (parse_target(p, next(p), &st->ep, true) < 0)
			return -1;
		break;
	case NC_STEP_SEND:
	case NC_STEP_SENDALL:
	case NC_STEP_SENDTO:
		t = peek(p);
		if (parse_payload(p, &st->payload) < 0)
			return -1;
		/* One send() call takes its payload from memory; only sendall
		 * streams a payload of any size. */
		if (kind != NC_STEP_SENDALL && payload_min_len(&st->payload) > MAX_SEND)
			return perr_at(p, t->col, "a single '%s' sends at most 64 MiB, and this "
				       "payload is %llu bytes%s", nc_step_name(kind),
				       (unsigned long long)payload_min_len(&st->payload),
				       p->s->transport == NC_TRANSPORT_TCP
				       ? " (use 'sendall' for larger payloads)" : "");
		if (kind == NC_STEP_SENDTO && parse_target(p, next(p), &st->ep, true) < 0)
			return -1;
		break;
	case NC_STEP_RECV:
	case NC_STEP_RECVFROM:
		if (parse_u64_tok(p, next(p), "a buffer size (like 1024)", "buffer size", MAX_RECV_BUF,
				  true, &n) < 0)
			return -1;
		st->size = n;
		break;
	case NC_STEP_SETSOCKOPT:
		if (parse_sockopt(p, st) < 0)
			return -1;
		break;
	case NC_STEP_NONBLOCK:
		st->on = true;
		t = peek(p);
		if (word_eq(t, "on")) {
			next(p);
		} else if (word_eq(t, "off")) {
			next(p);
			st->on = false;
		} else if (t && !is_modifier_kw(t)) {
			return expected(p, t, "on or off after 'nonblock'");
		}
		break;
	case NC_STEP_SHUTDOWN:
		t = next(p);
		if (word_eq(t, "rd"))
			st->how = SHUT_RD;
		else if (word_eq(t, "wr"))
			st->how = SHUT_WR;
		else if (word_eq(t, "rdwr"))
			st->how = SHUT_RDWR;
		else
			return expected(p, t, "rd, wr or rdwr after 'shutdown'");
		break;
	case NC_STEP_SLEEP:
		if (parse_duration_tok(p, next(p), "a duration (like 50ms)", "sleep duration",
				       &st->duration_ns) < 0)
			return -1;
		break;
	}
	return parse_modifiers(p, st);
}

/* ------------------------------------------------------------------------ */
/* Exec roles */

/* Text handed to the C library (program arguments, environment values,
 * paths, regular expressions) ends at the first NUL byte, so a "\0" there
 * would silently cut it. */
static int no_nul(struct parser *p, const struct nc_tok *t, const struct nc_template *tpl,
		  const char *what)
{
	for (size_t i = 0; i < tpl->nparts; i++)
		if (!tpl->parts[i].is_var && memchr(tpl->parts[i].bytes, 0, tpl->parts[i].len))
			return perr_at(p, t->col, "%s cannot contain a NUL byte (\\0 or \\x00)", what);
	return 0;
}

/* Output lines are compared without their line break, so text with one in
 * it could never match. */
static int no_newline(struct parser *p, const struct nc_tok *t, const struct nc_template *tpl,
		      const char *what)
{
	for (size_t i = 0; i < tpl->nparts; i++)
		if (!tpl->parts[i].is_var && memchr(tpl->parts[i].bytes, '\n', tpl->parts[i].len))
			return perr_at(p, t->col, "%s cannot contain a line break (\\n): output is "
				       "matched line by line", what);
	return 0;
}

#define REGEX_MAX_BOUND 255      /* POSIX's RE_DUP_MAX: portable everywhere */
#define REGEX_MAX_COPIES 65536   /* atoms once repetitions are expanded */
#define REGEX_MAX_NULLABLE 512   /* of which may match nothing */
#define REGEX_MAX_PRODUCT 4096   /* repetition counts multiplied when nested */
#define REGEX_MAX_NESTING 2      /* repetitions inside repeated groups */
#define REGEX_MAX_DEPTH 64       /* groups inside groups */

/* What a piece of a regular expression costs once glibc has expanded its
 * repetitions. */
struct re_cost {
	unsigned long long copies;    /* atoms */
	unsigned long long nullable;  /* atoms that may match nothing */
	unsigned long long product;   /* largest product of nested repetition counts */
	unsigned nesting;             /* deepest nesting of repetitions */
};

static unsigned long long sat_mul(unsigned long long a, unsigned long long b)
{
	return a > (1ULL << 32) || b > (1ULL << 32) ? 1ULL << 62 : a * b;
}

static void cost_add(struct re_cost *to, const struct re_cost *c)
{
	to->copies += c->copies;
	to->nullable += c->nullable;
	if (c->product > to->product)
		to->product = c->product;
	if (c->nesting > to->nesting)
		to->nesting = c->nesting;
}

/* glibc's regcomp copies a repeated expression once per repetition ("a+"
 * becomes "aa*", "a{3}" becomes "aaa"), and then computes the empty-match
 * closure of every node, which grows with the square of the nodes that may
 * match nothing, and far faster when a repetition may repeat nothing. A
 * pattern of a few bytes can take gigabytes or minutes: "^w+++++?+++++x",
 * "((w){0,255}){0,255}", "(a?b?c?d?e?f?g?h?i?j?k?l?m?n?o?p?){255,}". Output
 * checks need none of that, so the parser accepts only patterns whose cost
 * is clearly bounded (each measured to compile in well under a second):
 *   - no two repetition operators in a row (POSIX leaves "a+*" undefined);
 *   - repetitions nest at most REGEX_MAX_NESTING deep, as in "(x{1,3}){3}";
 *   - interval bounds are at most 255 and multiply to at most 4096 when
 *     nested;
 *   - once expanded, at most 65536 atoms, of which at most 512 may match
 *     nothing.
 * The pattern is scanned once, with the open groups in a fixed array, never
 * by recursion. Escaped characters and bracket expressions are single
 * atoms. */
static int regex_too_costly(struct parser *p, const struct nc_tok *s, const char *re)
{
	/* Per open group: its finished items (alternatives included), and its
	 * last item, which a following repetition applies to. */
	struct { struct re_cost done, last; bool has_last; } g[REGEX_MAX_DEPTH + 1];
	size_t depth = 0, i = 0, n = strlen(re), rep_start = 0;
	bool after_rep = false;
	memset(&g[0], 0, sizeof(g[0]));
	while (i < n) {
		char c = re[i];
		size_t start = i;
		bool rep = false, zero = false, plus_star = false;
		unsigned long lo = 0, hi = 0;
		if (c == '(') {
			if (depth == REGEX_MAX_DEPTH)
				return perr_at(p, s->col, "the regular expression nests groups more "
					       "than %d deep", REGEX_MAX_DEPTH);
			cost_add(&g[depth].done, &g[depth].last);
			g[depth].has_last = false;
			memset(&g[depth].last, 0, sizeof(g[depth].last));
			depth++;
			memset(&g[depth], 0, sizeof(g[depth]));
			after_rep = false;
			i++;
			continue;
		}
		if (c == ')' && depth > 0) {
			struct re_cost inner = g[depth].done;
			cost_add(&inner, &g[depth].last);
			depth--;
			cost_add(&g[depth].done, &g[depth].last);
			g[depth].last = inner;
			g[depth].has_last = true;
			after_rep = false;
			i++;
			continue;
		}
		if (c == '|') {
			cost_add(&g[depth].done, &g[depth].last);
			memset(&g[depth].last, 0, sizeof(g[depth].last));
			g[depth].has_last = false;
			after_rep = false;
			i++;
			continue;
		}
		if (c == '*' || c == '?') {
			rep = zero = true;
			lo = 0;
			hi = 1;
			plus_star = c == '*';
			i++;
		} else if (c == '+') {
			rep = plus_star = true;
			lo = 1;
			hi = 2;  /* "a+" is compiled as "aa*" */
			i++;
		} else if (c == '{' && i + 1 < n && isdigit((unsigned char)re[i + 1])) {
			/* {m}, {m,} or {m,n} */
			unsigned long *cur = &lo;
			bool comma = false, big = false;
			i++;
			while (i < n && (isdigit((unsigned char)re[i]) || re[i] == ',')) {
				if (re[i] == ',') {
					comma = true;
					cur = &hi;
				} else if (*cur > REGEX_MAX_BOUND) {
					big = true;
				} else {
					*cur = *cur * 10 + (unsigned long)(re[i] - '0');
				}
				i++;
			}
			size_t len = i < n && re[i] == '}' ? i - start + 1 : i - start;
			if (big || lo > REGEX_MAX_BOUND || hi > REGEX_MAX_BOUND)
				return perr_at(p, s->col, "the repetition '%.*s' in the regular "
					       "expression is too large (at most {%d})",
					       (int)(len > 20 ? 20 : len), re + start, REGEX_MAX_BOUND);
			if (i < n && re[i] == '}')
				i++;
			rep = true;
			zero = lo == 0;
			if (!comma)
				hi = lo;
			else if (hi == 0) {
				plus_star = true;  /* {m,}: m copies and a starred one */
				hi = lo + 1;
			}
		}
		if (rep) {
			if (after_rep)
				return perr_at(p, s->col, "two repetitions in a row ('%.*s') in the "
					       "regular expression: POSIX leaves their meaning undefined "
					       "(group the first, like (a+)?)",
					       (int)(i - rep_start > 20 ? 20 : i - rep_start), re + rep_start);
			after_rep = true;
			rep_start = start;
			if (!g[depth].has_last)
				continue;  /* nothing to repeat: regcomp judges it */
			struct re_cost *l = &g[depth].last;
			unsigned long long copies = l->copies;
			unsigned long long f = hi > 1 ? hi : 1;
			l->nesting++;
			l->product = sat_mul(l->product ? l->product : 1, f);
			/* The copies beyond the minimum, and a starred copy, may
			 * match nothing; so may everything when the minimum is 0. */
			l->nullable = zero ? sat_mul(copies, f)
					   : sat_mul(l->nullable, f) + sat_mul(copies, hi - lo);
			l->copies = sat_mul(copies, f);
			/* A starred copy of something that may match nothing is the
			 * slowest case of all: count it as a full chain more. */
			if (plus_star && l->nullable)
				l->nullable = sat_mul(l->nullable, 2);
			if (l->nesting > REGEX_MAX_NESTING)
				return perr_at(p, s->col, "the regular expression nests repetitions "
					       "more than %d deep (at '%.*s'), which regcomp can take "
					       "minutes to compile", REGEX_MAX_NESTING,
					       (int)(i - start > 20 ? 20 : i - start), re + start);
			if (l->product > REGEX_MAX_PRODUCT)
				return perr_at(p, s->col, "the repetitions in the regular expression "
					       "multiply to more than %d (at '%.*s'), which regcomp can "
					       "take minutes to compile", REGEX_MAX_PRODUCT,
					       (int)(i - start > 20 ? 20 : i - start), re + start);
		} else {
			/* One atom: a character, '.', an anchor, an escape, or a
			 * bracket expression ("[]...]" and "[^]...]" start with a
			 * literal ']'). */
			if (c == '\\') {
				i += 2;
			} else if (c == '[') {
				i++;
				if (i < n && re[i] == '^')
					i++;
				if (i < n && re[i] == ']')
					i++;
				while (i < n && re[i] != ']')
					i++;
				i++;
			} else {
				i++;
			}
			cost_add(&g[depth].done, &g[depth].last);
			g[depth].last = (struct re_cost){ 1, 0, 0, 0 };
			g[depth].has_last = true;
			after_rep = false;
		}
		struct re_cost total = g[depth].done;
		cost_add(&total, &g[depth].last);
		if (total.copies > REGEX_MAX_COPIES || total.nullable > REGEX_MAX_NULLABLE)
			return perr_at(p, s->col, "the regular expression is too large once its "
				       "repetitions are expanded (more than %d parts, or more than %d "
				       "that may match nothing), which regcomp can take minutes to "
				       "compile", REGEX_MAX_COPIES, REGEX_MAX_NULLABLE);
	}
	/* Groups left open are folded up, so their parts count too. */
	while (depth > 0) {
		struct re_cost inner = g[depth].done;
		cost_add(&inner, &g[depth].last);
		depth--;
		cost_add(&g[depth].done, &g[depth].last);
		cost_add(&g[depth].done, &inner);
		memset(&g[depth].last, 0, sizeof(g[depth].last));
		if (g[depth].done.copies > REGEX_MAX_COPIES ||
		    g[depth].done.nullable > REGEX_MAX_NULLABLE)
			return perr_at(p, s->col, "the regular expression is too large once its "
				       "repetitions are expanded (more than %d parts, or more than %d "
				       "that may match nothing), which regcomp can take minutes to "
				       "compile", REGEX_MAX_COPIES, REGEX_MAX_NULLABLE);
	}
	return 0;
}

/* Reports a program option given a second time. */
static int once_opt(struct parser *p, enum nc_role_id rid, enum exec_opt o,
		    const struct nc_tok *kw)
{
	struct nc_pos *first = &p->opt_seen[rid][o];
	if (first->line)
		return perr_at(p, kw->col, "'%.*s' given twice (first at %u:%u)", (int)kw->len, kw->p,
			       first->line, first->col);
	*first = (struct nc_pos){ p->lx.line, kw->col };
	return 0;
}

static int parse_env_entry(struct parser *p, struct nc_envvar **arr, size_t *n)
{
	const struct nc_tok *t = next(p);
	if (!t || t->kind != NC_TOK_WORD)
		return expected(p, t, "NAME=VALUE after 'env'");
	const char *eq = memchr(t->p, '=', t->len);
	if (!eq || eq == t->p)
		return expected(p, t, "NAME=VALUE after 'env'");
	/* POSIX names: letters, digits and '_', not starting with a digit. */
	for (const char *c = t->p; c < eq; c++)
		if (!(isalnum((unsigned char)*c) || *c == '_') || (c == t->p && isdigit((unsigned char)*c)))
			return perr_at(p, t->col + (uint32_t)(c - t->p),
				       "invalid environment variable name '%.*s' (use letters, digits "
				       "and '_', not starting with a digit)",
				       (int)(eq - t->p > 40 ? 40 : eq - t->p), t->p);
	*arr = grow(*arr, *n, sizeof(**arr));
	struct nc_envvar *e = &(*arr)[(*n)++];
	memset(e, 0, sizeof(*e));
	e->name = nc_strndup(t->p, (size_t)(eq - t->p));
	e->pos = (struct nc_pos){ p->lx.line, t->col };
	/* The value: the rest of the word, or a quoted string after "NAME=". */
	size_t vlen = t->len - (size_t)(eq + 1 - t->p);
	const struct nc_tok *vtok = peek(p);
	struct nc_tok vt = { NC_TOK_WORD, eq + 1, vlen, t->col + (uint32_t)(eq + 1 - t->p) };
	if (vlen == 0 && vtok && vtok->kind == NC_TOK_STRING)
		next(p);
	else
		vtok = &vt;
	if (parse_word_tpl(p, vtok, &e->value) < 0)
		return -1;
	return no_nul(p, vtok, &e->value, "an environment variable's value");
}

static int parse_exec_option(struct parser *p, struct nc_role *role, enum nc_role_id rid)
{
	const struct nc_tok *kw = next(p);
	char nb[224];
	bool known = false;
	for (size_t i = 0; i < sizeof(exec_option_kws) / sizeof(exec_option_kws[0]); i++)
		known = known || word_eq(kw, exec_option_kws[i]);
	if (known)
		snprintf(p->ctx, sizeof(p->ctx), "option '%.*s' of the %s program at %u:%u",
			 (int)kw->len, kw->p, nc_role_name(rid), p->lx.line, kw->col);
	if (word_eq(kw, "cwd")) {
		if (once_opt(p, rid, OPT_CWD, kw) < 0)
			return -1;
		const struct nc_tok *t = next(p);
		if (!t)
			return expected(p, NULL, "a directory after 'cwd'");
		char *rel = tok_str(t);
		char *path = rel[0] == '/' ? nc_strdup(rel) : nc_path_join(p->dir, rel);
		free(rel);
		if (!nc_is_dir(path)) {
			int rc = perr_at(p, t->col, "directory '%s' not found (a relative 'cwd' starts "
					 "from the scenario's directory)", path);
			free(path);
			return rc;
		}
		role->cwd = path;
	} else if (word_eq(kw, "env")) {
		if (parse_env_entry(p, &role->env, &role->nenv) < 0)
			return -1;
	} else if (word_eq(kw, "stdin")) {
		if (once_opt(p, rid, OPT_STDIN, kw) < 0)
			return -1;
		if (word_eq(peek(p), "none")) {
			next(p);
			role->has_stdin = false;
		} else {
			if (parse_payload(p, &role->stdin_data) < 0)
				return -1;
			role->has_stdin = true;
		}
	} else if (word_eq(kw, "deadline")) {
		if (once_opt(p, rid, OPT_DEADLINE, kw) < 0)
			return -1;
		const struct nc_tok *t = next(p);
		if (parse_duration_tok(p, t, "a duration after 'deadline'", "deadline",
				       &role->deadline_ns) < 0)
			return -1;
		/* Zero is how the model says "no deadline of its own". */
		if (role->deadline_ns == 0)
			return perr_at(p, t->col, "a deadline must be longer than zero (leave "
				       "'deadline' out to use the scenario's timeout)");
	} else if (word_eq(kw, "port")) {
		if (rid != NC_ROLE_SERVER)
			return perr_at(p, kw->col, "'port' applies to a server program (the client "
				       "program finds the server at ${server.port})");
		if (once_opt(p, rid, OPT_PORT, kw) < 0)
			return -1;
		unsigned long long n;
		if (parse_u64_tok(p, next(p), "a port number", "port", 65535, false, &n) < 0)
			return -1;
		if (n == 0)
			return perr_at(p, kw->col, "a server program's port cannot be 0 (leave 'port' out "
				       "and netconform picks a free one as ${server.port})");
		role->ready_port = (int)n;
	} else if (word_eq(kw, "ready")) {
		if (once_opt(p, rid, OPT_READY, kw) < 0)
			return -1;
		const struct nc_tok *t = next(p);
		if (word_eq(t, "bound")) {
			role->ready_port_var = 1;
			tpl_free(&role->ready_line);
		} else if (word_eq(t, "none")) {
			role->ready_port_var = 0;
			tpl_free(&role->ready_line);
		} else if (word_eq(t, "line")) {
			const struct nc_tok *s = next(p);
			if (!s || s->kind != NC_TOK_STRING)
				return expected(p, s, "a quoted line after 'ready line'");
			tpl_free(&role->ready_line);
			if (parse_string_tpl(p, s, &role->ready_line) < 0)
				return -1;
			if (role->ready_line.nparts == 0)
				return perr_at(p, s->col, "the ready line cannot be empty");
			if (no_newline(p, s, &role->ready_line, "the ready line") < 0)
				return -1;
			role->ready_port_var = 0;
		} else {
			return expected(p, t, "bound, line \"TEXT\" or none after 'ready'");
		}
	} else if (word_eq(kw, "exit")) {
		if (once_opt(p, rid, OPT_EXIT, kw) < 0)
			return -1;
		const struct nc_tok *t = next(p);
		role->has_exit = true;
		role->exit_pos = (struct nc_pos){ p->lx.line, kw->col };
		if (word_eq(t, "signal")) {
			const struct nc_tok *s = next(p);
			char w[32], sug[80];
			int sig = word_buf(s, w, sizeof(w)) ? nc_signal_value(w) : -1;
			if (!s)
				return expected(p, NULL, "a signal name (like SIGTERM) after 'signal'");
			if (sig < 0)
				return perr_at(p, s->col, "unknown signal %s%s (expected a name like "
					       "SIGTERM, SIGKILL or SIGSEGV)", quoted(s, nb, sizeof(nb)),
					       did_you_mean(s->kind == NC_TOK_WORD
							    ? nc_signal_suggest(word_cstr(s, w, sizeof(w)))
							    : NULL, sug, sizeof(sug)));
			role->exit_signal = sig;
		} else {
			unsigned long long n;
			if (parse_u64_tok(p, t, "an exit status (0..255) or 'signal NAME'", "exit status",
					  255, false, &n) < 0)
				return -1;
			role->exit_code = (int)n;
		}
	} else if (word_eq(kw, "stdout") || word_eq(kw, "stderr")) {
		const struct nc_tok *m = next(p);
		struct nc_outcheck oc;
		memset(&oc, 0, sizeof(oc));
		oc.stream = word_eq(kw, "stdout") ? 1 : 2;
		oc.pos = (struct nc_pos){ p->lx.line, kw->col };
		if (word_eq(m, "line"))
			oc.kind = NC_OUT_LINE;
		else if (word_eq(m, "contains"))
			oc.kind = NC_OUT_CONTAINS;
		else if (word_eq(m, "regex"))
			oc.kind = NC_OUT_REGEX;
		else
			return expected(p, m, "line, contains or regex");
		const struct nc_tok *s = next(p);
		if (!s || s->kind != NC_TOK_STRING)
			return expected(p, s, "a quoted text");
		if (parse_string_tpl(p, s, &oc.text) < 0)
			return -1;
		if ((oc.kind == NC_OUT_LINE && no_newline(p, s, &oc.text, "an expected line") < 0) ||
		    (oc.kind == NC_OUT_REGEX && no_nul(p, s, &oc.text, "a regular expression") < 0)) {
			tpl_free(&oc.text);
			return -1;
		}
		if (oc.kind == NC_OUT_REGEX) {
			/* Validate the pattern now, with each variable standing in as
			 * plain text, so a bad regex is a parse error, not a run failure. */
			struct nc_buf pat;
			nc_buf_init(&pat, 0);
			for (size_t k = 0; k < oc.text.nparts; k++) {
				if (oc.text.parts[k].is_var)
					nc_buf_adds(&pat, "x");
				else
					nc_buf_add(&pat, oc.text.parts[k].bytes, oc.text.parts[k].len);
			}
			if (regex_too_costly(p, s, nc_buf_str(&pat)) < 0) {
				nc_buf_free(&pat);
				tpl_free(&oc.text);
				return -1;
			}
			regex_t re;
			int rc = regcomp(&re, nc_buf_str(&pat), REG_EXTENDED | REG_NOSUB);
			nc_buf_free(&pat);
			if (rc != 0) {
				char msg[128];
				regerror(rc, &re, msg, sizeof(msg));
				tpl_free(&oc.text);
				return perr_at(p, s->col, "invalid regular expression: %s", msg);
			}
			regfree(&re);
		}
		role->out = grow(role->out, role->nout, sizeof(*role->out));
		role->out[role->nout++] = oc;
	} else {
		enum nc_step_kind k;
		if (lookup_step(kw, &k))
			return perr_at(p, kw->col, "a program role takes options, not steps: '%s' is not "
				       "an option (cwd, env, stdin, deadline, port, ready, exit, stdout, "
				       "stderr)", nc_step_name(k));
		char w[48], sug[80];
		if (is_header_kw(kw) && !word_eq(kw, "env"))
			return perr_at(p, kw->col, "header line '%.*s' must come before the first "
				       "section", (int)kw->len, kw->p);
		const char *sg = kw->kind == NC_TOK_WORD
				 ? nc_suggest(word_cstr(kw, w, sizeof(w)), exec_option_kws,
					      sizeof(exec_option_kws) / sizeof(exec_option_kws[0]))
				 : NULL;
		return perr_at(p, kw->col, "unknown program option %s%s (expected cwd, env, stdin, "
			       "deadline, port, ready, exit, stdout or stderr)",
			       quoted(kw, nb, sizeof(nb)), did_you_mean(sg, sug, sizeof(sug)));
	}
	return expect_eol(p);
}

static int parse_exec_header(struct parser *p, struct nc_role *role)
{
	if (!peek(p))
		return expected(p, NULL, "a command after 'exec'");
	role->is_exec = true;
	role->ready_port = -1;
	role->ready_port_var = 1;
	const struct nc_tok *t, *prog = peek(p);
	while ((t = next(p))) {
		role->argv = grow(role->argv, role->argc, sizeof(*role->argv));
		if (parse_word_tpl(p, t, &role->argv[role->argc]) < 0)
			return -1;
		role->argc++;
		if (no_nul(p, t, &role->argv[role->argc - 1], "a program argument") < 0)
			return -1;
	}
	if (role->argv[0].has_vars)
		return perr_at(p, prog->col, "the program name cannot use variables");
	if (role->argv[0].nparts == 0)
		return perr_at(p, prog->col, "the program name cannot be empty");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Wire section */

static int parse_flags_word(const struct nc_tok *t, uint8_t *flags)
{
	if (!t || t->kind != NC_TOK_WORD || t->len == 0 || t->len > 6)
		return -1;
	uint8_t f = 0;
	for (size_t i = 0; i < t->len; i++) {
		switch (t->p[i]) {
		case 'S': f |= NC_TCP_SYN; break;
		case 'A': f |= NC_TCP_ACK; break;
		case 'P': f |= NC_TCP_PSH; break;
		case 'F': f |= NC_TCP_FIN; break;
		case 'R': f |= NC_TCP_RST; break;
		case 'U': f |= NC_TCP_URG; break;
		case '.': f |= NC_TCP_ACK; break;
		default: return -1;
		}
	}
	*flags = f;
	return 0;
}

/* Names the letter that is not a TCP flag. */
static int bad_flags(struct parser *p, const struct nc_tok *t)
{
	char nb[224];
	if (t->kind == NC_TOK_WORD) {
		for (size_t i = 0; i < t->len; i++) {
			if (!strchr("SAPFRU.", t->p[i]) || t->p[i] == 0) {
				size_t clen = 1;
				while (i + clen < t->len && ((unsigned char)t->p[i + clen] & 0xc0) == 0x80)
					clen++;
				return perr_at(p, t->col + (uint32_t)i, "unknown TCP flag '%.*s' in %s "
					       "(the flags are S, A, P, F, R and U, or '.' for ACK, "
					       "like SA or FA)", (int)clen, t->p + i,
					       quoted(t, nb, sizeof(nb)));
			}
		}
		if (t->len > 6)
			return perr_at(p, t->col, "too many TCP flag letters in %s (each of S, A, P, "
				       "F, R and U at most once)", quoted(t, nb, sizeof(nb)));
	}
	return expected(p, t, "TCP flags (letters S, A, P, F, R, U, like SA or FA)");
}

static int parse_wire_line(struct parser *p)
{
	struct nc_scenario *s = p->s;
	const struct nc_tok *kw = peek(p);
	char nb[224];
	snprintf(p->ctx, sizeof(p->ctx), "wire expectation at %u:%u", p->lx.line, kw->col);
	if (s->nwire >= MAX_WIRE)
		return perr_at(p, kw->col, "too many wire expectations (the limit is %d)", MAX_WIRE);
	s->wire = grow(s->wire, s->nwire, sizeof(*s->wire));
	struct nc_wire_item *w = &s->wire[s->nwire++];
	memset(w, 0, sizeof(*w));
	w->pos = (struct nc_pos){ p->lx.line, kw->col };
	{
		uint32_t end = eol_col(p);
		w->text = nc_strndup(p->lx.line_p + kw->col - 1, end - kw->col);
	}
	if (word_eq(kw, "handshake")) {
		next(p);
		if (s->transport != NC_TRANSPORT_TCP)
			return perr_at(p, kw->col, "'handshake' applies to tcp scenarios");
		w->kind = NC_WIRE_HANDSHAKE;
		w->proto = IPPROTO_TCP;
		w->src.kind = NC_EP_CLIENT;
		w->dst.kind = NC_EP_SERVER;
		return expect_eol(p);
	}
	if (word_eq(kw, "teardown")) {
		next(p);
		if (s->transport != NC_TRANSPORT_TCP)
			return perr_at(p, kw->col, "'teardown' applies to tcp scenarios");
		const struct nc_tok *t = next(p);
		w->kind = NC_WIRE_TEARDOWN;
		w->proto = IPPROTO_TCP;
		if (word_eq(t, "fin"))
			w->teardown_rst = false;
		else if (word_eq(t, "rst"))
			w->teardown_rst = true;
		else
			return expected(p, t, "fin or rst after 'teardown'");
		return expect_eol(p);
	}
	if (word_eq(kw, "only")) {
		next(p);
		w->kind = NC_WIRE_ONLY;
		return expect_eol(p);
	}
	/* SRC > DST PROTO ... */
	const struct nc_tok *second = p->i + 1 < p->lx.ntok ? &p->lx.tok[p->i + 1] : NULL;
	if (kw->kind == NC_TOK_WORD && !word_eq(second, ">") && !word_eq(kw, "unused") &&
	    !word_eq(kw, "server") && !word_eq(kw, "client") &&
	    !memchr(kw->p, '.', kw->len) && !memchr(kw->p, ':', kw->len) &&
	    !memchr(kw->p, '[', kw->len)) {
		static const char *const wire_kws[] = { "handshake", "teardown", "only" };
		char wb[48], sug[80];
		return perr_at(p, kw->col, "unknown wire expectation %s%s (expected handshake, "
			       "teardown fin|rst, only, or SOURCE > DESTINATION PROTOCOL ..., like "
			       "client > server tcp flags PA \"hi\")", quoted(kw, nb, sizeof(nb)),
			       did_you_mean(nc_suggest(word_cstr(kw, wb, sizeof(wb)), wire_kws, 3), sug,
					    sizeof(sug)));
	}
	if (parse_target(p, next(p), &w->src, true) < 0)
		return -1;
	const struct nc_tok *gt = next(p);
	if (!word_eq(gt, ">"))
		return expected(p, gt, "'>' between source and destination (like client > server)");
	if (parse_target(p, next(p), &w->dst, true) < 0)
		return -1;
	const struct nc_tok *pr = next(p);
	if (word_eq(pr, "tcp"))
		w->proto = IPPROTO_TCP;
	else if (word_eq(pr, "udp"))
		w->proto = IPPROTO_UDP;
	else if (word_eq(pr, "icmp"))
		w->proto = IPPROTO_ICMP;
	else
		return expected(p, pr, "a protocol (tcp, udp or icmp)");
	if (w->proto == IPPROTO_ICMP) {
		const struct nc_tok *t = next(p);
		if (!word_eq(t, "port-unreachable"))
			return expected(p, t, "'port-unreachable' (the ICMP message netconform checks)");
		w->kind = NC_WIRE_ICMP;
		return expect_eol(p);
	}
	w->kind = NC_WIRE_PACKET;
	if ((w->proto == IPPROTO_TCP) != (s->transport == NC_TRANSPORT_TCP))
		return perr_at(p, pr->col, "protocol '%.*s' does not match the scenario's transport "
			       "(%s)", (int)pr->len, pr->p,
			       s->transport == NC_TRANSPORT_TCP ? "tcp" : "udp");
	const struct nc_tok *t = peek(p);
	if (word_eq(t, "flags")) {
		if (w->proto != IPPROTO_TCP)
			return perr_at(p, t->col, "'flags' applies to tcp packets; a udp packet has "
				       "no flags");
		next(p);
		t = next(p);
		if (!t)
			return expected(p, NULL, "TCP flags (letters S, A, P, F, R, U, like SA or FA) "
					"after 'flags'");
		if (parse_flags_word(t, &w->flags) < 0)
			return bad_flags(p, t);
		w->has_flags = true;
	} else if (t && parse_flags_word(t, &w->flags) == 0) {
		/* A bare flags word ("PA") cannot be a payload, so it is one even
		 * on a udp line, where it is an error worth naming. */
		if (w->proto != IPPROTO_TCP)
			return perr_at(p, t->col, "TCP flags %s on a udp packet (a udp packet has "
				       "no flags)", quoted(t, nb, sizeof(nb)));
		next(p);
		w->has_flags = true;
	}
	t = peek(p);
	if (word_eq(t, "len") || word_eq(t, "length")) {
		next(p);
		unsigned long long n;
		if (parse_u64_tok(p, next(p), "a payload length", "payload length", 65535, false, &n) < 0)
			return -1;
		w->has_len = true;
		w->len = n;
	} else if (t) {
		if (parse_payload(p, &w->payload) < 0)
			return -1;
		w->has_payload = true;
	}
	t = peek(p);
	if (t && (word_eq(t, "len") || word_eq(t, "length")) && w->has_payload)
		return perr_at(p, t->col, "a packet takes a payload or 'len N', not both");
	if (t && word_eq(t, "flags"))
		return perr_at(p, t->col, "'flags' comes before the payload (like client > server "
			       "tcp flags PA \"data\")");
	return expect_eol(p);
}

/* ------------------------------------------------------------------------ */
/* Header */

static bool valid_name(const struct nc_tok *t)
{
	if (t->kind != NC_TOK_WORD || t->len == 0 || t->len > 128)
		return false;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->p[i];
		if (!(isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* A quoted description: escapes are decoded, as in any string, but the
 * result is one line of text for reports (HTML, JUnit XML, terminals), so
 * it may not hold variables, control characters or invalid UTF-8. */
static int parse_description(struct parser *p, const struct nc_tok *t, char **out)
{
	struct nc_template tpl;
	if (parse_string_tpl(p, t, &tpl) < 0)
		return -1;
	struct nc_buf b;
	nc_buf_init(&b, 0);
	int rc = 0;
	for (size_t i = 0; i < tpl.nparts && rc == 0; i++) {
		if (tpl.parts[i].is_var)
			rc = perr_at(p, t->col, "a description cannot use variables");
		else
			nc_buf_add(&b, tpl.parts[i].bytes, tpl.parts[i].len);
	}
	for (size_t i = 0; i < b.len && rc == 0; i++)
		if ((b.data[i] < 0x20 && b.data[i] != '\t') || b.data[i] == 0x7f)
			rc = perr_at(p, t->col, "a description is one line of text: no control "
				     "characters (found byte 0x%02x)", b.data[i]);
	size_t bad;
	const char *why;
	if (rc == 0 && !nc_utf8_check(b.data, b.len, &bad, &why))
		rc = perr_at(p, t->col, "a description must be UTF-8 text; its escapes make "
			     "invalid UTF-8 (%s 0x%02x)", why, b.data[bad]);
	if (rc == 0)
		*out = nc_strdup(nc_buf_str(&b));  /* no NUL inside: checked above */
	nc_buf_free(&b);
	tpl_free(&tpl);
	return rc;
}

static int dup_header(struct parser *p, const struct nc_tok *kw, struct nc_pos first)
{
	return perr_at(p, kw->col, "duplicate '%.*s' line (first given at %u:%u)", (int)kw->len,
		       kw->p, first.line, first.col);
}

static int parse_header_line(struct parser *p)
{
	struct nc_scenario *s = p->s;
	const struct nc_tok *kw = next(p);
	struct nc_pos here = { p->lx.line, kw->col };
	char nb[224];
	snprintf(p->ctx, sizeof(p->ctx), "header line '%.*s' at %u:%u",
		 (int)(kw->len > 20 ? 20 : kw->len), kw->p, p->lx.line, kw->col);

	if (!p->seen_name && !word_eq(kw, "scenario")) {
		p->ctx[0] = 0;
		return perr_at(p, kw->col, "expected 'scenario NAME' as the first line, found %s",
			       quoted(kw, nb, sizeof(nb)));
	}
	if (word_eq(kw, "scenario")) {
		if (p->seen_name)
			return dup_header(p, kw, p->name_pos);
		const struct nc_tok *t = next(p);
		if (!t)
			return expected(p, NULL, "a scenario name");
		if (!valid_name(t))
			return perr_at(p, t->col, "invalid scenario name %s (use letters, digits, '-', "
				       "'_' and '.', at most 128)", near(t, nb, sizeof(nb)));
		s->name = tok_str(t);
		p->seen_name = true;
		p->name_pos = here;
	} else if (word_eq(kw, "description")) {
		if (p->seen_desc)
			return dup_header(p, kw, p->desc_pos);
		p->seen_desc = true;
		p->desc_pos = here;
		const struct nc_tok *t = peek(p);
		if (!t)
			return expected(p, NULL, "a description");
		if (t->kind == NC_TOK_STRING) {
			next(p);
			if (parse_description(p, t, &s->description) < 0)
				return -1;
		} else {
			uint32_t end = eol_col(p);
			s->description = nc_strndup(p->lx.line_p + t->col - 1, end - t->col);
			p->i = p->lx.ntok;
		}
	} else if (word_eq(kw, "transport")) {
		if (p->seen_transport)
			return dup_header(p, kw, p->transport_pos);
		const struct nc_tok *t = next(p);
		if (word_eq(t, "udp"))
			s->transport = NC_TRANSPORT_UDP;
		else if (word_eq(t, "tcp"))
			s->transport = NC_TRANSPORT_TCP;
		else if (t && (word_eq(t, "UDP") || word_eq(t, "TCP")))
			return perr_at(p, t->col, "expected udp or tcp %s (transport names are "
				       "lowercase)", near(t, nb, sizeof(nb)));
		else
			return expected(p, t, "udp or tcp");
		p->seen_transport = true;
		p->transport_pos = here;
	} else if (word_eq(kw, "family") || word_eq(kw, "families")) {
		if (p->seen_family)
			return dup_header(p, kw, p->family_pos);
		p->seen_family = true;
		p->family_pos = here;
		const struct nc_tok *t;
		if (!peek(p))
			return expected(p, NULL, "inet, inet6 or dual");
		while ((t = next(p))) {
			enum nc_family f;
			if (word_eq(t, "inet"))
				f = NC_FAM_INET;
			else if (word_eq(t, "inet6"))
				f = NC_FAM_INET6;
			else if (word_eq(t, "dual"))
				f = NC_FAM_DUAL;
			else if (word_eq(t, "ipv4") || word_eq(t, "ipv6") || word_eq(t, "IPv4") ||
				 word_eq(t, "IPv6") || word_eq(t, "AF_INET") || word_eq(t, "AF_INET6"))
				return perr_at(p, t->col, "expected inet, inet6 or dual %s (write "
					       "%s)", near(t, nb, sizeof(nb)),
					       t->p[t->len - 1] == '6' ? "inet6" : "inet");
			else
				return expected(p, t, "inet, inet6 or dual");
			for (size_t k = 0; k < s->nfamilies; k++)
				if (s->families[k] == f)
					return perr_at(p, t->col, "family '%s' listed twice",
						       nc_family_name(f));
			s->families[s->nfamilies++] = f;
		}
	} else if (word_eq(kw, "timeout")) {
		if (p->seen_timeout)
			return dup_header(p, kw, p->timeout_pos);
		p->seen_timeout = true;
		p->timeout_pos = here;
		const struct nc_tok *t = next(p);
		if (parse_duration_tok(p, t, "a duration (like 2s)", "timeout", &s->timeout_ns) < 0)
			return -1;
		if (s->timeout_ns < 10 * NC_MS)
			return perr_at(p, t->col, "timeout too short (the minimum is 10ms)");
	} else if (word_eq(kw, "step-timeout")) {
		if (p->seen_step_timeout)
			return dup_header(p, kw, p->step_timeout_pos);
		p->seen_step_timeout = true;
		p->step_timeout_pos = here;
		const struct nc_tok *t = next(p);
		if (parse_duration_tok(p, t, "a duration (like 500ms)", "step timeout",
				       &s->step_timeout_ns) < 0)
			return -1;
		if (s->step_timeout_ns == 0)
			return perr_at(p, t->col, "a step timeout must be longer than zero");
	} else if (word_eq(kw, "keywords") || word_eq(kw, "keyword") || word_eq(kw, "tags")) {
		if (p->seen_keywords)
			return dup_header(p, kw, p->keywords_pos);
		p->seen_keywords = true;
		p->keywords_pos = here;
		const struct nc_tok *t;
		if (!peek(p))
			return expected(p, NULL, "one or more keywords");
		while ((t = next(p))) {
			if (!valid_name(t))
				return perr_at(p, t->col, "invalid keyword %s (use letters, digits, '-', "
					       "'_' and '.')", near(t, nb, sizeof(nb)));
			s->keywords = grow(s->keywords, s->nkeywords, sizeof(char *));
			s->keywords[s->nkeywords++] = tok_str(t);
		}
	} else if (word_eq(kw, "env")) {
		if (parse_env_entry(p, &s->env, &s->nenv) < 0)
			return -1;
	} else {
		enum nc_step_kind k;
		char w[48], sug[80];
		p->ctx[0] = 0;
		if (lookup_step(kw, &k))
			return perr_at(p, kw->col, "step '%s' outside a role section (start one with "
				       "'server' or 'client')", nc_step_name(k));
		if (is_exec_option_kw(kw))
			return perr_at(p, kw->col, "'%.*s' is an option of a program role and goes "
				       "in its section (after 'server exec COMMAND' or 'client exec "
				       "COMMAND')", (int)kw->len, kw->p);
		static const char *const all[] = {
			"scenario", "description", "transport", "family", "families", "timeout",
			"step-timeout", "keywords", "tags", "env", "server", "client", "wire",
		};
		const char *sg = kw->kind == NC_TOK_WORD
				 ? nc_suggest(word_cstr(kw, w, sizeof(w)), all, sizeof(all) / sizeof(all[0]))
				 : NULL;
		return perr_at(p, kw->col, "unknown header keyword %s%s (expected scenario, "
			       "description, transport, family, timeout, step-timeout, keywords, env, "
			       "or a section: server, client, wire)", quoted(kw, nb, sizeof(nb)),
			       did_you_mean(sg, sug, sizeof(sug)));
	}
	return expect_eol(p);
}

/* ------------------------------------------------------------------------ */
/* Sections and whole-file validation */

static int start_section(struct parser *p, const struct nc_tok *kw, struct nc_pos seen[4])
{
	struct nc_scenario *s = p->s;
	enum section sec = word_eq(kw, "server") ? SEC_SERVER
			   : word_eq(kw, "client") ? SEC_CLIENT : SEC_WIRE;
	snprintf(p->ctx, sizeof(p->ctx), "section '%.*s' at %u:%u", (int)kw->len, kw->p,
		 p->lx.line, kw->col);
	if (!p->seen_name) {
		p->ctx[0] = 0;
		return perr_at(p, kw->col, "expected 'scenario NAME' before the first section");
	}
	if (seen[sec].line)
		return perr_at(p, kw->col, "duplicate section '%.*s' (first at %u:%u)", (int)kw->len,
			       kw->p, seen[sec].line, seen[sec].col);
	if (sec == SEC_WIRE && !p->seen_transport)
		return perr_at(p, kw->col, "the 'transport' line must come before the wire section");
	seen[sec] = (struct nc_pos){ p->lx.line, kw->col };
	p->section = sec;
	next(p);
	if (sec == SEC_WIRE) {
		s->has_wire = true;
		s->wire_pos = seen[sec];
		return expect_eol(p);
	}
	struct nc_role *role = &s->role[sec == SEC_SERVER ? NC_ROLE_SERVER : NC_ROLE_CLIENT];
	role->present = true;
	role->pos = seen[sec];
	role->ready_port = -1;
	const struct nc_tok *t = next(p);
	if (!t)
		return 0;
	if (word_eq(t, "exec"))
		return parse_exec_header(p, role);
	char nb[224];
	return perr_at(p, t->col, "unexpected %s after '%.*s' (a section starts on its own line, "
		       "or with 'exec COMMAND' for a program role)",
		       quoted(t, nb, sizeof(nb)), (int)kw->len, kw->p);
}

const char *nc_family_name(enum nc_family f)
{
	switch (f) {
	case NC_FAM_INET: return "inet";
	case NC_FAM_INET6: return "inet6";
	case NC_FAM_DUAL: return "dual";
	}
	return "?";
}

const char *nc_role_name(enum nc_role_id r)
{
	return r == NC_ROLE_SERVER ? "server" : "client";
}

static void note_ports(struct nc_scenario *s, const struct nc_endpoint *ep, bool is_bind)
{
	if (ep->kind != NC_EP_ADDR)
		return;
	if (ep->port > 0)
		s->fixed_port = true;
	if (is_bind && ep->host == NC_HOST_ANY)
		s->wildcard_bind = true;
	if (is_bind && ep->host == NC_HOST_LITERAL) {
		static const uint8_t zero[16];
		if (memcmp(ep->lit_addr, zero, ep->lit_family == AF_INET ? 4 : 16) == 0)
			s->wildcard_bind = true;
	}
}

static int validate(struct parser *p)
{
	struct nc_scenario *s = p->s;
	if (!p->seen_name) {
		struct nc_pos at = { 1, 1 };
		return perr_pos(p, at, NULL, p->lx.len == 0
				? "empty scenario file (expected 'scenario NAME' as the first line)"
				: "no 'scenario NAME' line: the file has only comments and blank "
				  "lines");
	}
	if (!p->seen_transport)
		return perr_pos(p, p->name_pos, NULL, "missing 'transport udp' or 'transport tcp' line");
	if (s->nfamilies == 0) {
		s->families[0] = NC_FAM_INET;
		s->families[1] = NC_FAM_INET6;
		s->nfamilies = 2;
	}
	if (!s->role[NC_ROLE_SERVER].present && !s->role[NC_ROLE_CLIENT].present)
		return perr_pos(p, p->name_pos, NULL,
				"no role: a scenario needs a 'server' or a 'client' section");
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		struct nc_role *role = &s->role[r];
		if (!role->present)
			continue;
		char ctx[64];
		snprintf(ctx, sizeof(ctx), "section '%s' at %u:%u", nc_role_name(r), role->pos.line,
			 role->pos.col);
		if (!role->is_exec && role->nsteps == 0)
			return perr_pos(p, role->pos, NULL, "the '%s' section has no steps (give it "
					"steps, or write '%s exec COMMAND' to run a program)",
					nc_role_name(r), nc_role_name(r));
		if (role->is_exec && r == NC_ROLE_SERVER && role->ready_port > 0)
			s->fixed_port = true;
		for (size_t k = 0; k < role->nsteps; k++) {
			struct nc_step *st = &role->steps[k];
			snprintf(ctx, sizeof(ctx), "step '%s' at %u:%u", nc_step_name(st->kind),
				 st->pos.line, st->pos.col);
			if (st->kind == NC_STEP_SENDALL && s->transport == NC_TRANSPORT_UDP)
				return perr_pos(p, st->pos, ctx, "'sendall' applies to tcp; a datagram "
						"is sent whole by 'send' or 'sendto'");
			if (st->expect.has_from && st->expect.from.kind != NC_EP_ADDR &&
			    !s->role[st->expect.from.kind == NC_EP_CLIENT ? NC_ROLE_CLIENT
									  : NC_ROLE_SERVER].present)
				return perr_pos(p, st->expect.from.pos, ctx, "'from %s' needs a %s section",
						st->expect.from.kind == NC_EP_CLIENT ? "client" : "server",
						st->expect.from.kind == NC_EP_CLIENT ? "client" : "server");
			if ((st->kind == NC_STEP_CONNECT || st->kind == NC_STEP_SENDTO) &&
			    (st->ep.kind == NC_EP_SERVER || st->ep.kind == NC_EP_CLIENT) &&
			    !s->role[st->ep.kind == NC_EP_CLIENT ? NC_ROLE_CLIENT
								 : NC_ROLE_SERVER].present)
				return perr_pos(p, st->ep.pos, ctx, "'%s %s' needs a %s section",
						nc_step_name(st->kind),
						st->ep.kind == NC_EP_CLIENT ? "client" : "server",
						st->ep.kind == NC_EP_CLIENT ? "client" : "server");
			if (st->kind == NC_STEP_BIND)
				note_ports(s, &st->ep, true);
			if (st->kind == NC_STEP_CONNECT || st->kind == NC_STEP_SENDTO)
				note_ports(s, &st->ep, false);
			if (st->kind == NC_STEP_LISTEN && s->transport == NC_TRANSPORT_UDP)
				continue; /* a legitimate error case: EOPNOTSUPP */
		}
	}
	if (s->has_wire && s->nwire == 0)
		return perr_pos(p, s->wire_pos, NULL, "the wire section has no expectations");
	if (s->step_timeout_ns && s->timeout_ns && s->step_timeout_ns > s->timeout_ns) {
		char a[32], b[32];
		return perr_pos(p, p->step_timeout_pos, NULL,
				"step-timeout (%s) is longer than the scenario's timeout (%s)",
				nc_fmt_duration(s->step_timeout_ns, a, sizeof(a)),
				nc_fmt_duration(s->timeout_ns, b, sizeof(b)));
	}
	if (!s->timeout_ns)
		s->timeout_ns = 5 * NC_SEC;
	return 0;
}

struct nc_scenario *nc_scenario_parse(const char *path, const char *id, const char *group,
				      const char *src, size_t len, struct nc_diag *diag)
{
	struct parser p;
	memset(&p, 0, sizeof(p));
	memset(diag, 0, sizeof(*diag));
	nc_lexer_init(&p.lx, path, src, len);
	p.d = diag;
	p.s = nc_xcalloc(1, sizeof(*p.s));
	p.s->path = nc_strdup(path);
	p.s->id = nc_strdup(id ? id : path);
	p.s->group = nc_strdup(group ? group : "");
	p.dir = nc_path_dirname(path);
	struct nc_pos seen[4];
	memset(seen, 0, sizeof(seen));
	int rc = 0;
	/* nc_scenario_load enforces the limit when reading; text handed in
	 * directly is held to the same one. */
	if (len > NC_SCENARIO_MAX_BYTES) {
		snprintf(diag->path, sizeof(diag->path), "%s", path);
		snprintf(diag->msg, sizeof(diag->msg), "scenario file too large (%zu bytes; the "
			 "limit is %u KiB)", len, NC_SCENARIO_MAX_BYTES >> 10);
		rc = -1;
	}
	while (rc == 0 && (rc = nc_lexer_next(&p.lx, diag)) == 1) {
		p.i = 0;
		const struct nc_tok *kw = &p.lx.tok[0];
		const struct nc_tok *second = p.lx.ntok > 1 ? &p.lx.tok[1] : NULL;
		/* Messages about a line inside a section name the section unless
		 * the line's own parser says more. */
		p.ctx[0] = 0;
		if (p.section != SEC_HEADER)
			snprintf(p.ctx, sizeof(p.ctx), "section '%s' at %u:%u",
				 p.section == SEC_SERVER ? "server"
				 : p.section == SEC_CLIENT ? "client" : "wire",
				 seen[p.section].line, seen[p.section].col);
		/* "client > server tcp" is a wire line, not a section start; in
		 * the wire section, so is any line that goes on after a role
		 * name (other than with 'exec'), which is then a wire line with a
		 * mistake the wire parser names. */
		bool role_kw = word_eq(kw, "server") || word_eq(kw, "client");
		bool wire_line = role_kw && (word_eq(second, ">") ||
					     (p.section == SEC_WIRE && second &&
					      !word_eq(second, "exec")));
		if (wire_line && p.section != SEC_WIRE) {
			rc = perr_at(&p, kw->col, "a packet expectation ('%.*s > ...') belongs in the "
				     "wire section (start it with a line 'wire')", (int)kw->len, kw->p);
		} else if (!wire_line &&
			   (word_eq(kw, "server") || word_eq(kw, "client") || word_eq(kw, "wire"))) {
			rc = start_section(&p, kw, seen);
		} else if (p.section == SEC_HEADER) {
			rc = parse_header_line(&p);
		} else if (p.section == SEC_WIRE) {
			rc = parse_wire_line(&p);
		} else {
			enum nc_role_id rid = p.section == SEC_SERVER ? NC_ROLE_SERVER : NC_ROLE_CLIENT;
			struct nc_role *role = &p.s->role[rid];
			rc = role->is_exec ? parse_exec_option(&p, role, rid) : parse_step(&p, role);
		}
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = validate(&p);
	free(p.dir);
	if (rc < 0) {
		nc_scenario_free(p.s);
		return NULL;
	}
	return p.s;
}

struct nc_scenario *nc_scenario_load(const char *path, const char *id, const char *group,
				     struct nc_diag *diag)
{
	struct nc_buf b;
	nc_buf_init(&b, NC_SCENARIO_MAX_BYTES);
	char why[256];
	if (nc_read_regular(path, &b, why, sizeof(why)) < 0) {
		int e = errno;
		memset(diag, 0, sizeof(*diag));
		snprintf(diag->path, sizeof(diag->path), "%s", path);
		if (e == EFBIG)
			snprintf(diag->msg, sizeof(diag->msg),
				 "scenario file too large (the limit is %u KiB)",
				 NC_SCENARIO_MAX_BYTES >> 10);
		else
			snprintf(diag->msg, sizeof(diag->msg), "cannot read scenario file: %s", why);
		nc_buf_free(&b);
		return NULL;
	}
	struct nc_scenario *s = nc_scenario_parse(path, id, group, (const char *)nc_buf_str(&b),
						  b.len, diag);
	nc_buf_free(&b);
	return s;
}

static void role_free(struct nc_role *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].text);
		payload_free(&r->steps[i].payload);
		payload_free(&r->steps[i].expect.payload);
	}
	free(r->steps);
	for (size_t i = 0; i < r->argc; i++)
		tpl_free(&r->argv[i]);
	free(r->argv);
	free(r->cwd);
	for (size_t i = 0; i < r->nenv; i++) {
		free(r->env[i].name);
		tpl_free(&r->env[i].value);
	}
	free(r->env);
	payload_free(&r->stdin_data);
	tpl_free(&r->ready_line);
	for (size_t i = 0; i < r->nout; i++)
		tpl_free(&r->out[i].text);
	free(r->out);
}

void nc_scenario_free(struct nc_scenario *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->id);
	free(s->group);
	free(s->name);
	free(s->description);
	for (size_t i = 0; i < s->nkeywords; i++)
		free(s->keywords[i]);
	free(s->keywords);
	for (size_t i = 0; i < s->nenv; i++) {
		free(s->env[i].name);
		tpl_free(&s->env[i].value);
	}
	free(s->env);
	for (int r = 0; r < NC_ROLE_COUNT; r++)
		role_free(&s->role[r]);
	for (size_t i = 0; i < s->nwire; i++) {
		free(s->wire[i].text);
		payload_free(&s->wire[i].payload);
	}
	free(s->wire);
	free(s);
}
