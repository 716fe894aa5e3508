/* parse_scan.c: numbers, sizes and durations.
 *
 * The parser reads numbers itself rather than through strtoull or the
 * util helpers so that every way a number can be wrong gets its own
 * message (a missing or unknown unit, a value past its limit, digits past
 * 64 bits) and so that no input can overflow an intermediate result.
 */
#include "scenario/parse_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool is_decimal_word(const struct nc_tok *t)
{
	if (!t || t->kind != NC_TOK_WORD || t->len == 0)
		return false;
	for (size_t i = 0; i < t->len; i++)
		if (!isdigit((unsigned char)t->p[i]))
			return false;
	return true;
}

/* Units of sizes and counts: powers of 1024, with or without "iB". */
static const struct {
	const char *name;
	unsigned shift;
} size_units[] = {
	{ "K", 10 }, { "k", 10 }, { "KiB", 10 }, { "M", 20 }, { "MiB", 20 },
	{ "G", 30 }, { "GiB", 30 }, { "T", 40 }, { "TiB", 40 },
};

/* A limit as an author writes it: "64M" rather than 67108864. */
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

/* Applies the size unit [u, u+ulen) to *v. Returns 1 when it is a unit, 0
 * when it is not; sets *overflow when the result does not fit. */
static int apply_size_unit(const char *u, size_t ulen, unsigned long long *v, bool *overflow)
{
	for (size_t k = 0; k < sizeof(size_units) / sizeof(size_units[0]); k++) {
		if (strlen(size_units[k].name) != ulen || memcmp(size_units[k].name, u, ulen) != 0)
			continue;
		if (*v > (ULLONG_MAX >> size_units[k].shift))
			*overflow = true;
		else
			*v <<= size_units[k].shift;
		return 1;
	}
	return 0;
}

int parse_u64_tok(struct parser *p, const struct nc_tok *t, const char *what, const char *noun,
		  unsigned long long max, bool units, unsigned long long *out)
{
	char nb[NC_NEAR_LEN], lim[32];
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
		bool found = units && apply_size_unit(u, ulen, &v, &overflow);
		if (!found && units && isalpha((unsigned char)*u))
			return perr(p, NC_DIAG_UNKNOWN_WORD, t->col + (uint32_t)i,
				    "unknown size unit '%.*s' in %s (sizes take K, M, G or T, or "
				    "KiB, MiB, GiB or TiB: powers of 1024)",
				    (int)(ulen > 20 ? 20 : ulen), u, quoted(t, nb, sizeof(nb)));
		if (!found)
			return expected(p, t, what);
	}
	if (overflow || v > max)
		return perr(p, NC_DIAG_RANGE, t->col, "%s %s is too large (the limit is %s)", noun,
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

int parse_duration_tok(struct parser *p, const struct nc_tok *t, const char *what,
		       const char *noun, int64_t *out)
{
	char nb[NC_NEAR_LEN];
	size_t unit_at = 0;
	if (!t)
		return expected(p, NULL, what);
	if (t->kind != NC_TOK_WORD)
		return expected(p, t, what);
	switch (parse_duration_text(t->p, t->len, NC_MAX_TIMEOUT_NS, out, &unit_at)) {
	case DUR_OK:
		return 0;
	case DUR_SYNTAX:
		return expected(p, t, what);
	case DUR_NO_UNIT:
		return perr(p, NC_DIAG_SYNTAX, t->col, "%s %s has no unit (write ns, us, ms, s or "
			    "m after the number, like %.*sms)", noun, quoted(t, nb, sizeof(nb)),
			    (int)(t->len > 20 ? 20 : t->len), t->p);
	case DUR_BAD_UNIT:
		return perr(p, NC_DIAG_UNKNOWN_WORD, t->col + (uint32_t)unit_at,
			    "unknown duration unit '%.*s' in %s (use ns, us, ms, s or m)",
			    (int)(t->len - unit_at > 20 ? 20 : t->len - unit_at), t->p + unit_at,
			    quoted(t, nb, sizeof(nb)));
	case DUR_TOO_LARGE:
		return perr(p, NC_DIAG_RANGE, t->col, "%s %s is too large (the limit is 1 hour)",
			    noun, quoted(t, nb, sizeof(nb)));
	}
	return -1;
}

int parse_positive_duration(struct parser *p, const struct nc_tok *t, const char *what,
			    const char *noun, uint32_t zero_col, const char *zero, int64_t *out)
{
	if (parse_duration_tok(p, t, what, noun, out) < 0)
		return -1;
	if (*out == 0)
		return perr(p, NC_DIAG_RANGE, zero_col ? zero_col : t->col, "%s", zero);
	return 0;
}
