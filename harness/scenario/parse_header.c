/* parse_header.c: the header, the lines before the first section: the
 * scenario's name, description, transport, families, timeouts, keywords
 * and environment.
 */
#include "scenario/parse_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "scenario/names.h"
#include "util/text.h"

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

static int hdr_scenario(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_tok *t = next(p);
	char nb[NC_NEAR_LEN];
	if (!t)
		return expected(p, NULL, "a scenario name");
	if (!valid_name(t))
		return perr(p, NC_DIAG_SYNTAX, t->col, "invalid scenario name %s (use letters, "
			    "digits, '-', '_' and '.', at most 128)", near(t, nb, sizeof(nb)));
	p->s->name = tok_str(t);
	return 0;
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
	if (!tpl_flatten(&tpl, &b))
		rc = perr(p, NC_DIAG_VALUE, t->col, "a description cannot use variables");
	for (size_t i = 0; i < b.len && rc == 0; i++)
		if ((b.data[i] < 0x20 && b.data[i] != '\t') || b.data[i] == 0x7f)
			rc = perr(p, NC_DIAG_VALUE, t->col, "a description is one line of text: no "
				  "control characters (found byte 0x%02x)", b.data[i]);
	size_t bad;
	const char *why;
	if (rc == 0 && !nc_utf8_check(b.data, b.len, &bad, &why))
		rc = perr(p, NC_DIAG_VALUE, t->col, "a description must be UTF-8 text; its escapes "
			  "make invalid UTF-8 (%s 0x%02x)", why, b.data[bad]);
	if (rc == 0)
		*out = nc_strdup(nc_buf_str(&b));  /* no NUL inside: checked above */
	nc_buf_free(&b);
	tpl_free(&tpl);
	return rc;
}

/* A quoted description, or the rest of the line as written. */
static int hdr_description(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_tok *t = peek(p);
	if (!t)
		return expected(p, NULL, "a description");
	if (t->kind == NC_TOK_STRING) {
		next(p);
		return parse_description(p, t, &p->s->description);
	}
	p->s->description = line_from(p, t->col);
	p->i = p->lx.ntok;
	return 0;
}

NC_WORDS(transport_table, NC_WORD("udp", NC_TRANSPORT_UDP), NC_WORD("tcp", NC_TRANSPORT_TCP));

static int hdr_transport(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_tok *t = next(p);
	char nb[NC_NEAR_LEN];
	if (word_eq(t, "UDP") || word_eq(t, "TCP"))
		return perr(p, NC_DIAG_SYNTAX, t->col, "expected udp or tcp %s (transport names "
			    "are lowercase)", near(t, nb, sizeof(nb)));
	const struct nc_kw *row = expect_word_of(p, t, "", &transport_table, "");
	if (!row)
		return -1;
	p->s->transport = (enum nc_transport)row->id;
	return 0;
}

static const struct nc_kw family_rows[] = {
	{ .name = "inet", .id = NC_FAM_INET },
	{ .name = "inet6", .id = NC_FAM_INET6 },
	{ .name = "dual", .id = NC_FAM_DUAL },
};
_Static_assert(sizeof(family_rows) / sizeof(family_rows[0]) == NC_FAM_COUNT, "every family");
const struct nc_kw_table nc_family_table = NC_KW_TABLE(family_rows);

/* Names other tools and languages use for the families. */
static bool foreign_family(const struct nc_tok *t)
{
	static const char *const names[] = { "ipv4", "ipv6", "IPv4", "IPv6", "AF_INET",
					     "AF_INET6" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (word_eq(t, names[i]))
			return true;
	return false;
}

static int hdr_family(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	struct nc_scenario *s = p->s;
	const struct nc_tok *t;
	char nb[NC_NEAR_LEN], list[64];
	if (!peek(p))
		return expected_one_of(p, NULL, "", &nc_family_table, " or ", "");
	while ((t = next(p))) {
		if (foreign_family(t))
			return perr(p, NC_DIAG_UNKNOWN_WORD, t->col, "expected %s %s (write %s)",
				    nc_kw_list(&nc_family_table, " or ", list, sizeof(list)),
				    near(t, nb, sizeof(nb)),
				    t->p[t->len - 1] == '6' ? "inet6" : "inet");
		const struct nc_kw *row = expect_word_of(p, t, "", &nc_family_table, "");
		if (!row)
			return -1;
		for (size_t k = 0; k < s->nfamilies; k++)
			if (s->families[k] == (enum nc_family)row->id)
				return perr(p, NC_DIAG_DUPLICATE, t->col, "family '%s' listed twice",
					    row->name);
		s->families[s->nfamilies++] = (enum nc_family)row->id;
	}
	return 0;
}

static int hdr_timeout(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_tok *t = next(p);
	if (parse_duration_tok(p, t, "a duration (like 2s)", "timeout", &p->s->timeout_ns) < 0)
		return -1;
	if (p->s->timeout_ns < 10 * NC_MS)
		return perr(p, NC_DIAG_RANGE, t->col, "timeout too short (the minimum is 10ms)");
	return 0;
}

static int hdr_step_timeout(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	return parse_positive_duration(p, next(p), "a duration (like 500ms)", "step timeout", 0,
				       "a step timeout must be longer than zero",
				       &p->s->step_timeout_ns);
}

static int hdr_keywords(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	struct nc_scenario *s = p->s;
	const struct nc_tok *t;
	char nb[NC_NEAR_LEN];
	if (!peek(p))
		return expected(p, NULL, "one or more keywords");
	while ((t = next(p))) {
		if (!valid_name(t))
			return perr(p, NC_DIAG_SYNTAX, t->col, "invalid keyword %s (use letters, "
				    "digits, '-', '_' and '.')", near(t, nb, sizeof(nb)));
		s->keywords = nc_grow(s->keywords, s->nkeywords, sizeof(char *));
		s->keywords[s->nkeywords++] = tok_str(t);
	}
	return 0;
}

/* requires PROGRAM...: programs the scenario runs that may be missing
 * here (socat, ncat); a variant of it is skipped, saying which, where one
 * cannot be found. Names are words without quotes or variables. */
static int hdr_requires(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	struct nc_scenario *s = p->s;
	const struct nc_tok *t;
	char nb[NC_NEAR_LEN];
	if (!peek(p))
		return expected(p, NULL, "one or more program names");
	while ((t = next(p))) {
		bool ok = t->kind == NC_TOK_WORD && t->len > 0;
		for (size_t i = 0; ok && i < t->len; i++)
			ok = t->p[i] != '$';
		if (!ok)
			return perr(p, NC_DIAG_SYNTAX, t->col, "expected a program name %s (a "
				    "word, as the program is named on an 'exec' line)",
				    near(t, nb, sizeof(nb)));
		s->requires = nc_grow(s->requires, s->nrequires, sizeof(char *));
		s->requires[s->nrequires++] = tok_str(t);
	}
	return 0;
}

static int hdr_env(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	return parse_env_entry(p, &p->s->env, &p->s->nenv);
}

static const struct nc_kw header_rows[] = {
	{ .name = "scenario", .flags = NC_KW_ONCE, .parse = hdr_scenario, .id = HDR_SCENARIO },
	{ .name = "description", .flags = NC_KW_ONCE, .parse = hdr_description,
	  .id = HDR_DESCRIPTION },
	{ .name = "transport", .flags = NC_KW_ONCE, .parse = hdr_transport, .id = HDR_TRANSPORT },
	{ .name = "family", .alias = { "families" }, .flags = NC_KW_ONCE, .parse = hdr_family,
	  .id = HDR_FAMILY },
	{ .name = "timeout", .flags = NC_KW_ONCE, .parse = hdr_timeout, .id = HDR_TIMEOUT },
	{ .name = "step-timeout", .flags = NC_KW_ONCE, .parse = hdr_step_timeout,
	  .id = HDR_STEP_TIMEOUT },
	{ .name = "keywords", .alias = { "keyword", "tags" }, .flags = NC_KW_ONCE,
	  .parse = hdr_keywords, .id = HDR_KEYWORDS },
	{ .name = "env", .parse = hdr_env, .id = HDR_ENV },
	{ .name = "requires", .alias = { "require" }, .parse = hdr_requires, .id = HDR_REQUIRES },
};
NC_KW_ROWS_FIT(header_rows);
const struct nc_kw_table nc_header_table = {
	header_rows, sizeof(header_rows) / sizeof(header_rows[0]),
	"duplicate ", " line (first given at",
};

bool header_given(const struct parser *p, int id, struct nc_pos *at)
{
	struct nc_pos first = nc_kw_first(&nc_header_table, &p->header_seen, id);
	if (at)
		*at = first;
	return first.line != 0;
}

int64_t scenario_timeout(const struct parser *p)
{
	return p->s->timeout_ns ? p->s->timeout_ns : NC_DEFAULT_TIMEOUT_NS;
}

/* A word that is not a header keyword, before the first section. */
static int unknown_header(struct parser *p, const struct nc_tok *kw)
{
	char nb[NC_NEAR_LEN], list[300], sections[64];
	const struct nc_kw *step = nc_kw_find(&nc_step_table, kw);
	p->ctx[0] = 0;
	if (step)
		return perr(p, NC_DIAG_MISPLACED, kw->col, "step '%s' outside a role section "
			    "(start one with 'server' or 'client')", step->name);
	if (nc_kw_find(&nc_option_table, kw) && !nc_kw_find(&nc_modifier_table, kw))
		return perr(p, NC_DIAG_MISPLACED, kw->col, "'%.*s' is an option of a program role "
			    "and goes in its section (after 'server exec COMMAND' or 'client exec "
			    "COMMAND')", (int)kw->len, kw->p);
	const struct nc_kw_table *tbs[] = { &nc_header_table, &nc_section_table };
	return perr_unknown(p, kw->col, "unknown header keyword", quoted(kw, nb, sizeof(nb)),
			    nc_kw_suggest(tbs, 2, kw), "expected %s, or a section: %s",
			    nc_kw_list(&nc_header_table, ", ", list, sizeof(list)),
			    nc_kw_list(&nc_section_table, ", ", sections, sizeof(sections)));
}

int parse_header_line(struct parser *p)
{
	const struct nc_tok *kw = next(p);
	char nb[NC_NEAR_LEN];
	snprintf(p->ctx, sizeof(p->ctx), "header line '%.*s' at %u:%u",
		 (int)(kw->len > 20 ? 20 : kw->len), kw->p, p->lx.line, kw->col);
	if (!header_given(p, HDR_SCENARIO, NULL) && !word_eq(kw, "scenario")) {
		p->ctx[0] = 0;
		return perr(p, NC_DIAG_SYNTAX, kw->col, "expected 'scenario NAME' as the first "
			    "line, found %s", quoted(kw, nb, sizeof(nb)));
	}
	const struct nc_kw *row = nc_kw_find(&nc_header_table, kw);
	if (!row)
		return unknown_header(p, kw);
	if (nc_kw_once(p, &nc_header_table, row, kw, &p->header_seen) < 0 ||
	    row->parse(p, kw) < 0)
		return -1;
	return expect_eol(p);
}
