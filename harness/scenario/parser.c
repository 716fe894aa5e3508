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
#define MAX_STEPS 4096
#define MAX_WIRE 4096

enum section { SEC_HEADER, SEC_SERVER, SEC_CLIENT, SEC_WIRE };

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
};

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

/* Shows a token in a message: "near 'abc'", cut to a readable length, with
 * bytes that would garble a terminal escaped. */
static const char *near(const struct nc_tok *t, char *buf, size_t n)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_buf_adds(&b, t->kind == NC_TOK_STRING ? "near '\"" : "near '");
	size_t lim = t->len > 40 ? 40 : t->len;
	for (size_t i = 0; i < lim; i++) {
		unsigned char c = (unsigned char)t->p[i];
		if (c >= 0x20 && c < 0x7f)
			nc_buf_addc(&b, c);
		else
			nc_buf_printf(&b, "\\x%02x", c);
	}
	if (t->len > lim)
		nc_buf_adds(&b, "...");
	nc_buf_adds(&b, t->kind == NC_TOK_STRING ? "\"'" : "'");
	nc_strlcpy(buf, nc_buf_str(&b), n);
	nc_buf_free(&b);
	return buf;
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
	char nb[96];
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
	char nb[96];
	return perr_at(p, t->col, "unexpected %s after the end of the statement",
		       near(t, nb, sizeof(nb)) + 5 /* drop "near " */);
}

/* ------------------------------------------------------------------------ */
/* Numbers, durations, sizes */

static int parse_u64_tok(struct parser *p, const struct nc_tok *t, const char *what,
			 unsigned long long max, unsigned long long *out)
{
	char w[64];
	if (!t)
		return expected(p, NULL, what);
	if (!word_buf(t, w, sizeof(w)) || nc_parse_size(w, out) < 0) {
		bool digits = t->kind == NC_TOK_WORD && t->len > 0;
		for (size_t k = 0; digits && k < t->len; k++)
			digits = isdigit((unsigned char)t->p[k]);
		if (digits)
			return perr_at(p, t->col, "number too large for %s (the limit is %llu)",
				       what, max);
		return expected(p, t, what);
	}
	if (*out > max)
		return perr_at(p, t->col, "%s too large: %llu (the limit is %llu)", what, *out, max);
	return 0;
}

static int parse_duration_tok(struct parser *p, const struct nc_tok *t, const char *what,
			      int64_t *out)
{
	char w[64];
	if (!t)
		return expected(p, NULL, what);
	if (!word_buf(t, w, sizeof(w)) || nc_parse_duration(w, out) < 0) {
		char nb[96];
		if (t->kind == NC_TOK_WORD && t->len && isdigit((unsigned char)t->p[0]) &&
		    isdigit((unsigned char)t->p[t->len - 1]))
			return perr_at(p, t->col, "expected %s with a unit (ns, us, ms, s or m) %s",
				       what, near(t, nb, sizeof(nb)));
		return expected(p, t, what);
	}
	if (*out > MAX_TIMEOUT_NS)
		return perr_at(p, t->col, "%s too large (the limit is 1 hour)", what);
	return 0;
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
	t->parts = nc_xrealloc(t->parts, (t->nparts + 1) * sizeof(*t->parts));
	struct nc_tpl_part *pt = &t->parts[t->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->len = lit->len;
	pt->bytes = nc_xmalloc(lit->len);
	memcpy(pt->bytes, lit->data, lit->len);
	nc_buf_reset(lit);
}

static void tpl_push_var(struct nc_template *t, enum nc_var v)
{
	t->parts = nc_xrealloc(t->parts, (t->nparts + 1) * sizeof(*t->parts));
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
	char shown[48];
	snprintf(shown, sizeof(shown), "%.*s", len > 40 ? 40 : (int)len, s + start);
	for (char *c = shown; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	perr_at(p, base + (uint32_t)i,
		"unknown variable '${%s}' (known: client.addr, client.port, server.addr, "
		"server.port, family, scenario, unused.port)", shown);
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
			if (h1 < 0 || h2 < 0) {
				perr_at(p, base + (uint32_t)i,
					"invalid escape: '\\x' needs two hex digits");
				goto fail;
			}
			nc_buf_addc(&lit, h1 * 16 + h2);
			i += 4;
			continue;
		}
		default:
			if ((unsigned char)e >= 0x20 && (unsigned char)e < 0x7f)
				perr_at(p, base + (uint32_t)i,
					"unknown escape '\\%c' (known: \\n \\r \\t \\0 \\a \\b \\f \\v \\e "
					"\\\\ \\\" \\' \\$ \\xHH)", e);
			else
				perr_at(p, base + (uint32_t)i, "unknown escape '\\' followed by byte 0x%02x",
					(unsigned char)e);
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

/* Consumes "hex AA BB ..." tokens (the 'hex' word already taken). */
static int parse_hex_bytes(struct parser *p, const struct nc_tok *kw, struct nc_buf *out)
{
	const struct nc_tok *t = peek(p);
	if (!t)
		return expected(p, NULL, "hex digits after 'hex'");
	if (t->kind == NC_TOK_STRING) {
		/* hex "68 65 6c": one string of hex digits and spaces */
		next(p);
		int hi = -1;
		for (size_t i = 0; i < t->len; i++) {
			char c = t->p[i];
			if (c == ' ' || c == ':')
				continue;
			int v = hexval((unsigned char)c);
			if (v < 0)
				return perr_at(p, t->col + 1 + (uint32_t)i,
					       "invalid hex digit '%c'", isprint((unsigned char)c) ? c : '?');
			if (hi < 0)
				hi = v;
			else {
				nc_buf_addc(out, hi * 16 + v);
				hi = -1;
			}
		}
		if (hi >= 0)
			return perr_at(p, t->col, "odd number of hex digits");
		return 0;
	}
	if (!is_hex_word(t)) {
		char nb[96];
		for (size_t i = 0; t->kind == NC_TOK_WORD && i < t->len; i++)
			if (hexval((unsigned char)t->p[i]) < 0 && i > 0)
				return perr_at(p, t->col + (uint32_t)i, "invalid hex digit '%c' %s",
					       isprint((unsigned char)t->p[i]) ? t->p[i] : '?',
					       near(t, nb, sizeof(nb)));
		return expected(p, t, "hex digits after 'hex'");
	}
	(void)kw;
	while ((t = peek(p)) && is_hex_word(t)) {
		if (t->len % 2)
			return perr_at(p, t->col, "odd number of hex digits in '%.*s'",
				       (int)(t->len > 40 ? 40 : t->len), t->p);
		for (size_t i = 0; i < t->len; i += 2)
			nc_buf_addc(out, hexval((unsigned char)t->p[i]) * 16 +
						 hexval((unsigned char)t->p[i + 1]));
		next(p);
	}
	return 0;
}

/* Resolves a fixture path: relative paths are looked up in the scenario's
 * directory and then in each of its ancestors, so "fixtures/x.bin" works
 * from scenarios/udp/a.scn without depending on the working directory. */
static char *resolve_fixture(const char *dir, const char *rel)
{
	if (rel[0] == '/')
		return nc_is_file(rel) ? nc_strdup(rel) : NULL;
	char *d = nc_strdup(dir);
	for (int depth = 0; depth < 64; depth++) {
		char *cand = nc_path_join(d, rel);
		if (nc_is_file(cand)) {
			free(d);
			return cand;
		}
		free(cand);
		if (strcmp(d, ".") == 0 || strcmp(d, "/") == 0)
			break;
		char *up;
		/* Going up from a relative path ends at ".": the working directory. */
		if (strcmp(nc_path_basename(d), "..") == 0)
			break;
		up = nc_path_dirname(d);
		free(d);
		d = up;
	}
	free(d);
	return NULL;
}

static int parse_payload(struct parser *p, struct nc_payload *pl);

static int parse_payload_file(struct parser *p, const struct nc_tok *kw, struct nc_payload *pl)
{
	const struct nc_tok *t = next(p);
	if (!t)
		return expected(p, NULL, "a file path after 'file'");
	char *rel = tok_str(t);
	if (strlen(rel) != t->len) {
		free(rel);
		return perr_at(p, t->col, "file path contains a NUL byte");
	}
	char *path = resolve_fixture(p->dir, rel);
	if (!path) {
		int rc = perr_at(p, t->col,
				 "fixture file '%s' not found (looked in %s and its parent directories)",
				 rel, p->dir);
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
	(void)kw;
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
		int rc = parse_hex_bytes(p, t, &b);
		if (rc == 0) {
			pl->kind = NC_PAYLOAD_HEX;
			tpl_literal(&pl->text, b.data, b.len);
		}
		nc_buf_free(&b);
		return rc;
	}
	if (word_eq(t, "file"))
		return parse_payload_file(p, t, pl);
	if (word_eq(t, "random")) {
		unsigned long long n, seed = 0;
		if (parse_u64_tok(p, next(p), "a byte count after 'random'", MAX_GENERATED, &n) < 0)
			return -1;
		if (word_eq(peek(p), "seed")) {
			next(p);
			if (parse_u64_tok(p, next(p), "a seed number after 'seed'", ~0ULL, &seed) < 0)
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
			const struct nc_tok *hk = next(p);
			if (parse_hex_bytes(p, hk, &pat) < 0) {
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
		if (parse_u64_tok(p, next(p), "a repetition count", MAX_GENERATED / pat.len, &n) < 0) {
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

/* Parses "HOST[:PORT]" where HOST is loopback, any, an IPv4 literal or a
 * bracketed IPv6 literal ([::1]); a bare IPv6 literal without a port is
 * accepted too. */
static int parse_addr_word(struct parser *p, const struct nc_tok *t, struct nc_endpoint *ep,
			   bool port_required)
{
	char w[128], nb[96];
	if (!word_buf(t, w, sizeof(w)))
		return expected(p, t, "an address (loopback:PORT, any:PORT, 127.0.0.1:PORT or [::1]:PORT)");
	ep->kind = NC_EP_ADDR;
	ep->port = -1;
	ep->pos = (struct nc_pos){ p->lx.line, t->col };
	char *host = w, *port = NULL;
	uint32_t port_col = 0;
	if (w[0] == '[') {
		char *close = strchr(w, ']');
		if (!close)
			return perr_at(p, t->col, "missing ']' in IPv6 address %s", near(t, nb, sizeof(nb)));
		*close = 0;
		host = w + 1;
		if (close[1] == ':') {
			port = close + 2;
			port_col = t->col + (uint32_t)(port - w);
		} else if (close[1])
			return perr_at(p, t->col + (uint32_t)(close + 1 - w),
				       "expected ':PORT' after ']' %s", near(t, nb, sizeof(nb)));
	} else {
		char *colon = strchr(w, ':');
		if (colon && strchr(colon + 1, ':') == NULL) {
			*colon = 0;
			port = colon + 1;
			port_col = t->col + (uint32_t)(port - w);
		}
		/* Otherwise it is a bare IPv6 literal (two or more colons) or has no port. */
	}
	if (strcmp(host, "loopback") == 0)
		ep->host = NC_HOST_LOOPBACK;
	else if (strcmp(host, "any") == 0)
		ep->host = NC_HOST_ANY;
	else {
		ep->host = NC_HOST_LITERAL;
		if (inet_pton(AF_INET, host, ep->lit_addr) == 1)
			ep->lit_family = AF_INET;
		else if (inet_pton(AF_INET6, host, ep->lit_addr) == 1)
			ep->lit_family = AF_INET6;
		else
			return perr_at(p, t->col,
				       "expected an address (loopback, any, an IPv4 address or [IPv6]) %s",
				       near(t, nb, sizeof(nb)));
	}
	if (port) {
		char *end;
		errno = 0;
		if (!isdigit((unsigned char)port[0]))
			return perr_at(p, port_col, "expected a port number %s", near(t, nb, sizeof(nb)));
		unsigned long v = strtoul(port, &end, 10);
		if (*end)
			return perr_at(p, port_col, "expected a port number %s", near(t, nb, sizeof(nb)));
		if (v > 65535 || errno)
			return perr_at(p, port_col, "port out of range (0..65535) %s",
				       near(t, nb, sizeof(nb)));
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
			return perr_at(p, t->col, "'unused' is not allowed here");
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
	char buf[64];
	w->pos = (struct nc_pos){ p->lx.line, kw->col };
	if (word_eq(kw, "within")) {
		if (parse_duration_tok(p, t, "a duration after 'within'", &w->hi_ns) < 0)
			return -1;
		w->lo_ns = 0;
		w->set = true;
		return 0;
	}
	if (!word_buf(t, buf, sizeof(buf)))
		return expected(p, t, "a time window (like 200ms..400ms) after 'after'");
	char *dots = strstr(buf, "..");
	if (!dots)
		return perr_at(p, t->col,
			       "expected a time window with both bounds (like 200ms..400ms) near '%s'",
			       buf);
	*dots = 0;
	if (nc_parse_duration(buf, &w->lo_ns) < 0)
		return perr_at(p, t->col, "expected a duration (like 200ms) near '%s'", buf);
	if (nc_parse_duration(dots + 2, &w->hi_ns) < 0)
		return perr_at(p, t->col + (uint32_t)(dots + 2 - buf),
			       "expected a duration (like 400ms) near '%s'", dots + 2);
	if (w->hi_ns < w->lo_ns)
		return perr_at(p, t->col, "empty time window: %s is less than %s", dots + 2, buf);
	if (w->hi_ns > MAX_TIMEOUT_NS)
		return perr_at(p, t->col, "time window too large (the limit is 1 hour)");
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
			char nb[96];
			return perr_at(p, e->col, "unknown errno name %s (expected a name like "
				       "ECONNREFUSED or EAGAIN)", near(e, nb, sizeof(nb)));
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
		if (parse_u64_tok(p, next(p), "a byte count after 'len'", MAX_GENERATED, &n) < 0)
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

/* Modifiers that may follow a step's arguments, in any order. */
static int parse_modifiers(struct parser *p, struct nc_step *st)
{
	struct nc_expect *ex = &st->expect;
	bool seen_arrow = false, seen_from = false, seen_window = false, seen_deadline = false;
	const struct nc_tok *t;
	char w[48], nb[96];
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
				return perr_at(p, t->col, "'once' applies to recv and recvfrom");
			ex->once = true;
		} else if (word_eq(t, "truncated")) {
			if (!step_receives(st->kind))
				return perr_at(p, t->col, "'truncated' applies to recv and recvfrom");
			ex->truncated = true;
		} else if (word_eq(t, "deadline")) {
			if (seen_deadline)
				return perr_at(p, t->col, "'deadline' given twice");
			seen_deadline = true;
			if (parse_duration_tok(p, next(p), "a duration after 'deadline'",
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
			char *save = NULL;
			uint32_t col = f->col;
			for (char *one = strtok_r(w, ",|", &save); one; one = strtok_r(NULL, ",|", &save)) {
				int v = nc_msgflag_value(one);
				if (!v)
					return perr_at(p, col + (uint32_t)(one - w),
						       "unknown message flag '%s' (known: MSG_DONTWAIT, "
						       "MSG_PEEK, MSG_WAITALL, MSG_TRUNC, MSG_MORE, MSG_OOB, "
						       "MSG_NOSIGNAL, MSG_CONFIRM)", one);
				st->msg_flags |= v;
			}
		} else {
			return perr_at(p, t->col, "unexpected %s (expected '=>', from, after, within, "
				       "once, truncated, flags or deadline)",
				       near(t, nb, sizeof(nb)) + 5);
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
	return 0;
}

static int parse_sockopt(struct parser *p, struct nc_step *st)
{
	const struct nc_tok *t = next(p);
	char w[48], nb[96];
	if (!t)
		return expected(p, NULL, "an option name (like SO_RCVTIMEO)");
	if (!word_buf(t, w, sizeof(w)) || !nc_sockopt_lookup(w, &st->opt))
		return perr_at(p, t->col, "unknown socket option %s (known: %s)",
			       near(t, nb, sizeof(nb)), nc_sockopt_known());
	const struct nc_tok *v = next(p);
	switch (st->opt.vkind) {
	case NC_OPTVAL_DURATION:
		return parse_duration_tok(p, v, "a duration (like 200ms)", &st->opt.ival);
	case NC_OPTVAL_LINGER:
		/* SO_LINGER off | on DURATION | DURATION (meaning on) */
		if (word_eq(v, "off")) {
			st->opt.linger_on = false;
			return 0;
		}
		if (word_eq(v, "on"))
			v = next(p);
		st->opt.linger_on = true;
		if (parse_duration_tok(p, v, "a linger time (like 0s) or 'off'", &st->opt.ival) < 0)
			return -1;
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
		if (parse_u64_tok(p, v, "an option value (a number, on or off)", INT_MAX, &n) < 0)
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

static int parse_step(struct parser *p, struct nc_role *role)
{
	const struct nc_tok *kw = next(p);
	enum nc_step_kind kind;
	char nb[96];
	if (!lookup_step(kw, &kind)) {
		if (is_header_kw(kw))
			return perr_at(p, kw->col, "header line '%.*s' must come before the first "
				       "section", (int)kw->len, kw->p);
		return perr_at(p, kw->col, "unknown step %s (expected socket, bind, listen, accept, "
			       "connect, send, sendall, sendto, recv, recvfrom, setsockopt, "
			       "nonblock, shutdown, close or sleep)", near(kw, nb, sizeof(nb)) + 5);
	}
	if (role->nsteps >= MAX_STEPS)
		return perr_at(p, kw->col, "too many steps in one role (the limit is %d)", MAX_STEPS);
	snprintf(p->ctx, sizeof(p->ctx), "step '%s' at %u:%u", nc_step_name(kind), p->lx.line,
		 kw->col);
	role->steps = nc_xrealloc(role->steps, (role->nsteps + 1) * sizeof(*role->steps));
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
			if (parse_u64_tok(p, t, "a backlog", 65535, &n) < 0)
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
		if (parse_payload(p, &st->payload) < 0)
			return -1;
		break;
	case NC_STEP_SENDTO:
		if (parse_payload(p, &st->payload) < 0)
			return -1;
		if (parse_target(p, next(p), &st->ep, true) < 0)
			return -1;
		break;
	case NC_STEP_RECV:
	case NC_STEP_RECVFROM:
		if (parse_u64_tok(p, next(p), "a buffer size", MAX_RECV_BUF, &n) < 0)
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
		if (parse_duration_tok(p, next(p), "a duration (like 50ms)", &st->duration_ns) < 0)
			return -1;
		break;
	}
	return parse_modifiers(p, st);
}

/* ------------------------------------------------------------------------ */
/* Exec roles */

static int parse_env_entry(struct parser *p, struct nc_envvar **arr, size_t *n)
{
	const struct nc_tok *t = next(p);
	if (!t || t->kind != NC_TOK_WORD)
		return expected(p, t, "NAME=VALUE after 'env'");
	const char *eq = memchr(t->p, '=', t->len);
	if (!eq || eq == t->p)
		return expected(p, t, "NAME=VALUE after 'env'");
	for (const char *c = t->p; c < eq; c++)
		if (!(isalnum((unsigned char)*c) || *c == '_'))
			return perr_at(p, t->col + (uint32_t)(c - t->p),
				       "invalid character in environment variable name");
	*arr = nc_xrealloc(*arr, (*n + 1) * sizeof(**arr));
	struct nc_envvar *e = &(*arr)[(*n)++];
	memset(e, 0, sizeof(*e));
	e->name = nc_strndup(t->p, (size_t)(eq - t->p));
	e->pos = (struct nc_pos){ p->lx.line, t->col };
	/* The value: the rest of the word, or a quoted string after "NAME=". */
	size_t vlen = t->len - (size_t)(eq + 1 - t->p);
	if (vlen == 0 && peek(p) && peek(p)->kind == NC_TOK_STRING)
		return parse_string_tpl(p, next(p), &e->value);
	struct nc_tok vt = { NC_TOK_WORD, eq + 1, vlen, t->col + (uint32_t)(eq + 1 - t->p) };
	return parse_word_tpl(p, &vt, &e->value);
}

static int parse_exec_option(struct parser *p, struct nc_role *role, enum nc_role_id rid)
{
	const struct nc_tok *kw = next(p);
	char nb[96];
	snprintf(p->ctx, sizeof(p->ctx), "option '%.*s' of the %s program at %u:%u",
		 (int)(kw->len > 20 ? 20 : kw->len), kw->p, nc_role_name(rid), p->lx.line, kw->col);
	if (word_eq(kw, "cwd")) {
		const struct nc_tok *t = next(p);
		if (!t)
			return expected(p, NULL, "a directory after 'cwd'");
		char *rel = tok_str(t);
		char *path = rel[0] == '/' ? nc_strdup(rel) : nc_path_join(p->dir, rel);
		free(rel);
		if (!nc_is_dir(path)) {
			int rc = perr_at(p, t->col, "directory '%s' not found", path);
			free(path);
			return rc;
		}
		free(role->cwd);
		role->cwd = path;
	} else if (word_eq(kw, "env")) {
		if (parse_env_entry(p, &role->env, &role->nenv) < 0)
			return -1;
	} else if (word_eq(kw, "stdin")) {
		if (word_eq(peek(p), "none")) {
			next(p);
			role->has_stdin = false;
		} else {
			if (parse_payload(p, &role->stdin_data) < 0)
				return -1;
			role->has_stdin = true;
		}
	} else if (word_eq(kw, "deadline")) {
		if (parse_duration_tok(p, next(p), "a duration after 'deadline'", &role->deadline_ns) < 0)
			return -1;
	} else if (word_eq(kw, "port")) {
		if (rid != NC_ROLE_SERVER)
			return perr_at(p, kw->col, "'port' applies to a server program");
		unsigned long long n;
		if (parse_u64_tok(p, next(p), "a port number", 65535, &n) < 0)
			return -1;
		if (n == 0)
			return perr_at(p, kw->col, "a server program's port cannot be 0 (leave 'port' out "
				       "and netconform picks a free one as ${server.port})");
		role->ready_port = (int)n;
	} else if (word_eq(kw, "ready")) {
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
			role->ready_port_var = 0;
		} else {
			return expected(p, t, "bound, line \"TEXT\" or none after 'ready'");
		}
	} else if (word_eq(kw, "exit")) {
		const struct nc_tok *t = next(p);
		role->has_exit = true;
		role->exit_pos = (struct nc_pos){ p->lx.line, kw->col };
		if (word_eq(t, "signal")) {
			const struct nc_tok *s = next(p);
			char w[32];
			int sig = word_buf(s, w, sizeof(w)) ? nc_signal_value(w) : -1;
			if (sig < 0)
				return expected(p, s, "a signal name (like SIGTERM)");
			role->exit_signal = sig;
		} else {
			unsigned long long n;
			if (parse_u64_tok(p, t, "an exit status (0..255) or 'signal NAME'", 255, &n) < 0)
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
		role->out = nc_xrealloc(role->out, (role->nout + 1) * sizeof(*role->out));
		role->out[role->nout++] = oc;
	} else {
		enum nc_step_kind k;
		if (lookup_step(kw, &k))
			return perr_at(p, kw->col, "a program role takes options, not steps: '%s' is not "
				       "an option (cwd, env, stdin, deadline, port, ready, exit, stdout, "
				       "stderr)", nc_step_name(k));
		return perr_at(p, kw->col, "unknown program option %s (expected cwd, env, stdin, "
			       "deadline, port, ready, exit, stdout or stderr)",
			       near(kw, nb, sizeof(nb)) + 5);
	}
	return expect_eol(p);
}

static int parse_exec_header(struct parser *p, struct nc_role *role, const struct nc_tok *ex)
{
	if (!peek(p))
		return expected(p, NULL, "a command after 'exec'");
	role->is_exec = true;
	role->ready_port = -1;
	role->ready_port_var = 1;
	const struct nc_tok *t;
	while ((t = next(p))) {
		role->argv = nc_xrealloc(role->argv, (role->argc + 1) * sizeof(*role->argv));
		if (parse_word_tpl(p, t, &role->argv[role->argc]) < 0)
			return -1;
		role->argc++;
	}
	if (role->argv[0].has_vars)
		return perr_at(p, p->lx.tok[p->i - role->argc].col,
			       "the program name cannot use variables");
	(void)ex;
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

static int parse_wire_line(struct parser *p)
{
	struct nc_scenario *s = p->s;
	const struct nc_tok *kw = peek(p);
	char nb[96];
	snprintf(p->ctx, sizeof(p->ctx), "wire expectation at %u:%u", p->lx.line, kw->col);
	if (s->nwire >= MAX_WIRE)
		return perr_at(p, kw->col, "too many wire expectations (the limit is %d)", MAX_WIRE);
	s->wire = nc_xrealloc(s->wire, (s->nwire + 1) * sizeof(*s->wire));
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
		return perr_at(p, pr->col, "protocol '%.*s' does not match the scenario's transport",
			       (int)pr->len, pr->p);
	const struct nc_tok *t = peek(p);
	if (word_eq(t, "flags")) {
		next(p);
		t = next(p);
		if (parse_flags_word(t, &w->flags) < 0)
			return expected(p, t, "TCP flags (letters S, A, P, F, R, U, like SA or FA)");
		w->has_flags = true;
	} else if (t && w->proto == IPPROTO_TCP && parse_flags_word(t, &w->flags) == 0) {
		next(p);
		w->has_flags = true;
	}
	if (w->has_flags && w->proto != IPPROTO_TCP)
		return perr_at(p, t->col, "flags apply to tcp packets");
	t = peek(p);
	if (word_eq(t, "len") || word_eq(t, "length")) {
		next(p);
		unsigned long long n;
		if (parse_u64_tok(p, next(p), "a payload length", 65535, &n) < 0)
			return -1;
		w->has_len = true;
		w->len = n;
	} else if (t) {
		if (parse_payload(p, &w->payload) < 0)
			return -1;
		w->has_payload = true;
	}
	(void)nb;
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
	char nb[96];
	snprintf(p->ctx, sizeof(p->ctx), "header line '%.*s' at %u:%u",
		 (int)(kw->len > 20 ? 20 : kw->len), kw->p, p->lx.line, kw->col);

	if (!p->seen_name && !word_eq(kw, "scenario")) {
		p->ctx[0] = 0;
		return perr_at(p, kw->col, "expected 'scenario NAME' as the first line, found %s",
			       near(kw, nb, sizeof(nb)) + 5);
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
			s->description = tok_str(t);
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
		if (parse_duration_tok(p, t, "a duration (like 2s)", &s->timeout_ns) < 0)
			return -1;
		if (s->timeout_ns < 10 * NC_MS)
			return perr_at(p, t->col, "timeout too short (the minimum is 10ms)");
	} else if (word_eq(kw, "step-timeout")) {
		if (p->seen_step_timeout)
			return dup_header(p, kw, p->step_timeout_pos);
		p->seen_step_timeout = true;
		p->step_timeout_pos = here;
		const struct nc_tok *t = next(p);
		if (parse_duration_tok(p, t, "a duration (like 500ms)", &s->step_timeout_ns) < 0)
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
			s->keywords = nc_xrealloc(s->keywords, (s->nkeywords + 1) * sizeof(char *));
			s->keywords[s->nkeywords++] = tok_str(t);
		}
	} else if (word_eq(kw, "env")) {
		if (parse_env_entry(p, &s->env, &s->nenv) < 0)
			return -1;
	} else {
		enum nc_step_kind k;
		if (lookup_step(kw, &k)) {
			p->ctx[0] = 0;
			return perr_at(p, kw->col, "step '%s' outside a role section (start one with "
				       "'server' or 'client')", nc_step_name(k));
		}
		p->ctx[0] = 0;
		return perr_at(p, kw->col, "unknown header keyword %s (expected scenario, description, "
			       "transport, family, timeout, step-timeout, keywords, env, or a section: "
			       "server, client, wire)", near(kw, nb, sizeof(nb)) + 5);
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
		return parse_exec_header(p, role, t);
	char nb[96];
	return perr_at(p, t->col, "unexpected %s after '%.*s' (a section starts on its own line, "
		       "or with 'exec COMMAND' for a program role)",
		       near(t, nb, sizeof(nb)) + 5, (int)kw->len, kw->p);
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
		struct nc_pos at = { p->lx.line ? p->lx.line : 1, 1 };
		return perr_pos(p, at, NULL, "empty scenario file (expected 'scenario NAME' as the "
				"first line)");
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
			return perr_pos(p, role->pos, NULL, "role '%s' has no steps", nc_role_name(r));
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
			if (st->expect.once && s->transport == NC_TRANSPORT_UDP)
				return perr_pos(p, st->pos, ctx, "'once' applies to tcp: a datagram "
						"receive is always one call");
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
	if (s->step_timeout_ns && s->timeout_ns && s->step_timeout_ns > s->timeout_ns)
		return perr_pos(p, p->step_timeout_pos, NULL,
				"step-timeout is longer than the scenario's timeout");
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
	int rc;
	while ((rc = nc_lexer_next(&p.lx, diag)) == 1) {
		p.i = 0;
		const struct nc_tok *kw = &p.lx.tok[0];
		if (word_eq(kw, "server") || word_eq(kw, "client") || word_eq(kw, "wire")) {
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
	if (nc_read_file(path, &b) < 0) {
		int e = errno;
		memset(diag, 0, sizeof(*diag));
		snprintf(diag->path, sizeof(diag->path), "%s", path);
		if (e == EFBIG)
			snprintf(diag->msg, sizeof(diag->msg),
				 "scenario file too large (the limit is %u KiB)",
				 NC_SCENARIO_MAX_BYTES >> 10);
		else
			snprintf(diag->msg, sizeof(diag->msg), "cannot read scenario file: %s",
				 strerror(e));
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
