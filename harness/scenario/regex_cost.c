/* regex_cost.c: the cost of a regular expression once glibc expands it
 * (the limits and the reasons are in regex_cost.h).
 *
 * The pattern is scanned once, with the open groups in a fixed array,
 * never by recursion. Escaped characters and bracket expressions are
 * single atoms.
 */
#include "scenario/regex_cost.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* What a piece of a regular expression costs once glibc has expanded its
 * repetitions. */
struct re_cost {
	unsigned long long copies;    /* atoms */
	unsigned long long nullable;  /* atoms that may match nothing */
	unsigned long long product;   /* largest product of nested repetition counts */
	unsigned nesting;             /* deepest nesting of repetitions */
};

/* An open group: its finished items (alternatives included), and its
 * last item, which a following repetition applies to. */
struct re_group {
	struct re_cost done, last;
	bool has_last;
};

/* A repetition operator: "a+" is compiled as "aa*", "{m,}" as m copies
 * and a starred one. */
struct re_rep {
	unsigned long lo, hi;  /* copies at least, and in all (a starred one counts) */
	bool zero;             /* may repeat nothing */
	bool plus_star;        /* ends in a starred copy */
};

struct re_scan {
	const char *re;
	size_t n, i;
	struct re_group g[NC_REGEX_MAX_DEPTH + 1];
	size_t depth;
	bool after_rep;        /* the last item was a repetition operator */
	size_t rep_start;      /* where that operator started */
	char *msg;
	size_t msgn;
};

static enum nc_diag_code fail(struct re_scan *s, enum nc_diag_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum nc_diag_code fail(struct re_scan *s, enum nc_diag_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, s->msgn, fmt, ap);
	va_end(ap);
	return code;
}

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

/* Ends the current group's last item. */
static void close_item(struct re_group *g)
{
	cost_add(&g->done, &g->last);
	memset(&g->last, 0, sizeof(g->last));
	g->has_last = false;
}

static enum nc_diag_code too_large(struct re_scan *s, const struct re_cost *c)
{
	if (c->copies <= NC_REGEX_MAX_COPIES && c->nullable <= NC_REGEX_MAX_NULLABLE)
		return NC_DIAG_NONE;
	return fail(s, NC_DIAG_LIMIT, "the regular expression is too large once its repetitions "
		    "are expanded (more than %d parts, or more than %d that may match nothing), "
		    "which regcomp can take minutes to compile", NC_REGEX_MAX_COPIES,
		    NC_REGEX_MAX_NULLABLE);
}

/* '(', ')' and '|': returns true when re[i] was one of them. */
static bool group_char(struct re_scan *s, enum nc_diag_code *code)
{
	char c = s->re[s->i];
	struct re_group *g = &s->g[s->depth];
	if (c == '(') {
		if (s->depth == NC_REGEX_MAX_DEPTH) {
			*code = fail(s, NC_DIAG_LIMIT, "the regular expression nests groups more "
				     "than %d deep", NC_REGEX_MAX_DEPTH);
			return true;
		}
		close_item(g);
		memset(&s->g[++s->depth], 0, sizeof(s->g[0]));
	} else if (c == ')' && s->depth > 0) {
		struct re_cost inner = g->done;
		cost_add(&inner, &g->last);
		g = &s->g[--s->depth];
		cost_add(&g->done, &g->last);
		g->last = inner;
		g->has_last = true;
	} else if (c == '|') {
		close_item(g);
	} else {
		return false;
	}
	s->after_rep = false;
	s->i++;
	return true;
}

/* An interval, {m}, {m,} or {m,n}, at re[i] == '{'. */
static enum nc_diag_code read_interval(struct re_scan *s, struct re_rep *r)
{
	const char *re = s->re;
	size_t start = s->i;
	unsigned long *cur = &r->lo;
	bool comma = false, big = false;
	s->i++;
	while (s->i < s->n && (isdigit((unsigned char)re[s->i]) || re[s->i] == ',')) {
		if (re[s->i] == ',') {
			comma = true;
			cur = &r->hi;
		} else if (*cur > NC_REGEX_MAX_BOUND) {
			big = true;
		} else {
			*cur = *cur * 10 + (unsigned long)(re[s->i] - '0');
		}
		s->i++;
	}
	size_t len = s->i < s->n && re[s->i] == '}' ? s->i - start + 1 : s->i - start;
	if (big || r->lo > NC_REGEX_MAX_BOUND || r->hi > NC_REGEX_MAX_BOUND)
		return fail(s, NC_DIAG_RANGE, "the repetition '%.*s' in the regular expression is "
			    "too large (at most {%d})", (int)(len > 20 ? 20 : len), re + start,
			    NC_REGEX_MAX_BOUND);
	if (s->i < s->n && re[s->i] == '}')
		s->i++;
	r->zero = r->lo == 0;
	if (!comma) {
		r->hi = r->lo;
	} else if (r->hi == 0) {
		r->plus_star = true;
		r->hi = r->lo + 1;
	}
	return NC_DIAG_NONE;
}

/* Reads a repetition operator at re[i] into *r; *is_rep says whether
 * there was one. */
static enum nc_diag_code read_rep(struct re_scan *s, struct re_rep *r, bool *is_rep)
{
	char c = s->re[s->i];
	memset(r, 0, sizeof(*r));
	*is_rep = true;
	if (c == '*' || c == '?') {
		*r = (struct re_rep){ 0, 1, true, c == '*' };
		s->i++;
	} else if (c == '+') {
		*r = (struct re_rep){ 1, 2, false, true };
		s->i++;
	} else if (c == '{' && s->i + 1 < s->n && isdigit((unsigned char)s->re[s->i + 1])) {
		return read_interval(s, r);
	} else {
		*is_rep = false;
	}
	return NC_DIAG_NONE;
}

/* Applies the repetition that started at re[start] to the last item. */
static enum nc_diag_code apply_rep(struct re_scan *s, const struct re_rep *r, size_t start)
{
	const char *re = s->re;
	int shown = (int)(s->i - start > 20 ? 20 : s->i - start);
	if (s->after_rep)
		return fail(s, NC_DIAG_SYNTAX, "two repetitions in a row ('%.*s') in the regular "
			    "expression: POSIX leaves their meaning undefined (group the first, "
			    "like (a+)?)", (int)(s->i - s->rep_start > 20 ? 20 : s->i - s->rep_start),
			    re + s->rep_start);
	s->after_rep = true;
	s->rep_start = start;
	struct re_group *g = &s->g[s->depth];
	if (!g->has_last)
		return NC_DIAG_NONE;  /* nothing to repeat: regcomp judges it */
	struct re_cost *l = &g->last;
	unsigned long long copies = l->copies;
	unsigned long long f = r->hi > 1 ? r->hi : 1;
	l->nesting++;
	l->product = sat_mul(l->product ? l->product : 1, f);
	/* The copies beyond the minimum, and a starred copy, may match
	 * nothing; so may everything when the minimum is 0. */
	l->nullable = r->zero ? sat_mul(copies, f)
			      : sat_mul(l->nullable, f) + sat_mul(copies, r->hi - r->lo);
	l->copies = sat_mul(copies, f);
	/* A starred copy of something that may match nothing is the slowest
	 * case of all: count it as a full chain more. */
	if (r->plus_star && l->nullable)
		l->nullable = sat_mul(l->nullable, 2);
	if (l->nesting > NC_REGEX_MAX_NESTING)
		return fail(s, NC_DIAG_LIMIT, "the regular expression nests repetitions more than "
			    "%d deep (at '%.*s'), which regcomp can take minutes to compile",
			    NC_REGEX_MAX_NESTING, shown, re + start);
	if (l->product > NC_REGEX_MAX_PRODUCT)
		return fail(s, NC_DIAG_LIMIT, "the repetitions in the regular expression multiply "
			    "to more than %d (at '%.*s'), which regcomp can take minutes to compile",
			    NC_REGEX_MAX_PRODUCT, shown, re + start);
	return NC_DIAG_NONE;
}

/* One atom: a character, '.', an anchor, an escape, or a bracket
 * expression ("[]...]" and "[^]...]" start with a literal ']'). */
static void add_atom(struct re_scan *s)
{
	const char *re = s->re;
	if (re[s->i] == '\\') {
		s->i += 2;
	} else if (re[s->i] == '[') {
		s->i++;
		if (s->i < s->n && re[s->i] == '^')
			s->i++;
		if (s->i < s->n && re[s->i] == ']')
			s->i++;
		while (s->i < s->n && re[s->i] != ']')
			s->i++;
		s->i++;
	} else {
		s->i++;
	}
	struct re_group *g = &s->g[s->depth];
	cost_add(&g->done, &g->last);
	g->last = (struct re_cost){ 1, 0, 0, 0 };
	g->has_last = true;
	s->after_rep = false;
}

/* Folds the groups left open, so their parts count too. */
static enum nc_diag_code fold_open_groups(struct re_scan *s)
{
	while (s->depth > 0) {
		struct re_group *g = &s->g[s->depth];
		struct re_cost inner = g->done;
		cost_add(&inner, &g->last);
		g = &s->g[--s->depth];
		cost_add(&g->done, &g->last);
		cost_add(&g->done, &inner);
		memset(&g->last, 0, sizeof(g->last));
		enum nc_diag_code code = too_large(s, &g->done);
		if (code != NC_DIAG_NONE)
			return code;
	}
	return NC_DIAG_NONE;
}

enum nc_diag_code nc_regex_cost_check(const char *re, char *msg, size_t n)
{
	static struct re_scan zero;
	struct re_scan s = zero;
	s.re = re;
	s.n = strlen(re);
	s.msg = msg;
	s.msgn = n;
	if (n)
		msg[0] = 0;
	enum nc_diag_code code = NC_DIAG_NONE;
	while (s.i < s.n && code == NC_DIAG_NONE) {
		size_t start = s.i;
		struct re_rep r;
		bool is_rep;
		if (group_char(&s, &code))
			continue;
		if ((code = read_rep(&s, &r, &is_rep)) != NC_DIAG_NONE)
			break;
		if (is_rep) {
			bool had_last = s.g[s.depth].has_last;
			code = apply_rep(&s, &r, start);
			/* A repetition of nothing adds nothing to check. */
			if (code != NC_DIAG_NONE || !had_last)
				continue;
		} else {
			add_atom(&s);
		}
		struct re_cost total = s.g[s.depth].done;
		cost_add(&total, &s.g[s.depth].last);
		code = too_large(&s, &total);
	}
	return code == NC_DIAG_NONE ? fold_open_groups(&s) : code;
}
