/* parser.c: scenario text -> struct nc_scenario, fully validated: the
 * section driver, the whole-file checks, and the module's entry points.
 *
 * The parser stops at the first error and reports it with the position of
 * the offending token and what it was parsing, in the manner of jansson's
 * json_error_t: "x.scn:12:7: expected a port number near 'abc' (while
 * parsing step 'bind' at 12:3)". A scenario that parses is valid: later
 * stages never need to re-check the syntax.
 *
 * Each line goes to the parser of its section (parse_header.c,
 * parse_step.c, parse_exec.c, parse_wire.c); a line that starts a section
 * is dispatched through the section table below.
 */
#include "scenario/parse_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/diag.h"
#include "util/fsutil.h"
#include "util/text.h"

/* ------------------------------------------------------------------------ */
/* Sections */

/* "server" or "client", optionally with "exec COMMAND". */
static int start_role(struct parser *p, const struct nc_tok *kw)
{
	p->rid = p->section == SEC_SERVER ? NC_ROLE_SERVER : NC_ROLE_CLIENT;
	p->role = &p->s->role[p->rid];
	p->role->present = true;
	p->role->pos = (struct nc_pos){ p->lx.line, kw->col };
	p->role->ready_port = -1;
	const struct nc_tok *t = next(p);
	char nb[NC_NEAR_LEN];
	if (!t)
		return 0;
	if (word_eq(t, "exec"))
		return parse_exec_header(p, p->role);
	return perr(p, NC_DIAG_SYNTAX, t->col, "unexpected %s after '%.*s' (a section starts on "
		    "its own line, or with 'exec COMMAND' for a program role)",
		    quoted(t, nb, sizeof(nb)), (int)kw->len, kw->p);
}

static int start_wire(struct parser *p, const struct nc_tok *kw)
{
	p->s->has_wire = true;
	p->s->wire_pos = (struct nc_pos){ p->lx.line, kw->col };
	return expect_eol(p);
}

static const struct nc_kw section_rows[] = {
	{ .name = "server", .flags = NC_KW_ONCE, .parse = start_role, .id = SEC_SERVER },
	{ .name = "client", .flags = NC_KW_ONCE, .parse = start_role, .id = SEC_CLIENT },
	{ .name = "wire", .flags = NC_KW_ONCE, .parse = start_wire, .id = SEC_WIRE },
};
NC_KW_ROWS_FIT(section_rows);
const struct nc_kw_table nc_section_table = {
	section_rows, sizeof(section_rows) / sizeof(section_rows[0]),
	"duplicate section ", " (first at",
};

static int start_section(struct parser *p, const struct nc_kw *row, const struct nc_tok *kw)
{
	snprintf(p->ctx, sizeof(p->ctx), "section '%.*s' at %u:%u", (int)kw->len, kw->p,
		 p->lx.line, kw->col);
	if (!header_given(p, HDR_SCENARIO, NULL)) {
		p->ctx[0] = 0;
		return perr(p, NC_DIAG_SYNTAX, kw->col, "expected 'scenario NAME' before the first "
			    "section");
	}
	if (nc_kw_once(p, &nc_section_table, row, kw, &p->section_seen) < 0)
		return -1;
	if (row->id == SEC_WIRE && !header_given(p, HDR_TRANSPORT, NULL))
		return perr(p, NC_DIAG_MISPLACED, kw->col, "the 'transport' line must come before "
			    "the wire section");
	p->section = (enum section)row->id;
	next(p);
	return row->parse(p, kw);
}

/* Dispatches the current line. "client > server tcp" is a wire line, not
 * a section start; in the wire section, so is any line that goes on after
 * a role name (other than with 'exec'), which is then a wire line with a
 * mistake the wire parser names. */
static int parse_line(struct parser *p)
{
	const struct nc_tok *kw = &p->lx.tok[0];
	const struct nc_tok *second = p->lx.ntok > 1 ? &p->lx.tok[1] : NULL;
	const struct nc_kw *sec = nc_kw_find(&nc_section_table, kw);
	/* Messages about a line inside a section name the section unless the
	 * line's own parser says more. */
	p->ctx[0] = 0;
	if (p->section != SEC_HEADER) {
		struct nc_pos at = nc_kw_first(&nc_section_table, &p->section_seen, p->section);
		snprintf(p->ctx, sizeof(p->ctx), "section '%s' at %u:%u",
			 nc_kw_name(&nc_section_table, p->section), at.line, at.col);
	}
	bool role_kw = sec && sec->id != SEC_WIRE;
	bool wire_line = role_kw && (word_eq(second, ">") ||
				     (p->section == SEC_WIRE && second && !word_eq(second, "exec")));
	if (wire_line && p->section != SEC_WIRE)
		return perr(p, NC_DIAG_MISPLACED, kw->col, "a packet expectation ('%.*s > ...') "
			    "belongs in the wire section (start it with a line 'wire')",
			    (int)kw->len, kw->p);
	if (sec && !wire_line)
		return start_section(p, sec, kw);
	switch (p->section) {
	case SEC_HEADER:
		return parse_header_line(p);
	case SEC_WIRE:
		return parse_wire_line(p);
	case SEC_SERVER:
	case SEC_CLIENT:
		return p->role->is_exec ? parse_exec_option(p) : parse_step(p);
	}
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Whole-file validation */

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

/* The role an endpoint names is there. */
static bool role_present(const struct nc_scenario *s, enum nc_ep_kind k)
{
	return s->role[k == NC_EP_CLIENT ? NC_ROLE_CLIENT : NC_ROLE_SERVER].present;
}

static int validate_step(struct parser *p, struct nc_step *st)
{
	struct nc_scenario *s = p->s;
	char ctx[64];
	snprintf(ctx, sizeof(ctx), "step '%s' at %u:%u", nc_step_name(st->kind), st->pos.line,
		 st->pos.col);
	if (st->kind == NC_STEP_SENDALL && s->transport == NC_TRANSPORT_UDP)
		return perr_pos(p, NC_DIAG_VALIDATION, st->pos, ctx, "'sendall' applies to tcp; a "
				"datagram is sent whole by 'send' or 'sendto'");
	const struct nc_endpoint *from = &st->expect.from;
	if (st->expect.has_from && from->kind != NC_EP_ADDR && !role_present(s, from->kind)) {
		const char *r = from->kind == NC_EP_CLIENT ? "client" : "server";
		return perr_pos(p, NC_DIAG_VALIDATION, from->pos, ctx, "'from %s' needs a %s "
				"section", r, r);
	}
	bool targets = st->kind == NC_STEP_CONNECT || st->kind == NC_STEP_SENDTO;
	if (targets && (st->ep.kind == NC_EP_SERVER || st->ep.kind == NC_EP_CLIENT) &&
	    !role_present(s, st->ep.kind)) {
		const char *r = st->ep.kind == NC_EP_CLIENT ? "client" : "server";
		return perr_pos(p, NC_DIAG_VALIDATION, st->ep.pos, ctx, "'%s %s' needs a %s section",
				nc_step_name(st->kind), r, r);
	}
	if (st->kind == NC_STEP_BIND)
		note_ports(s, &st->ep, true);
	if (targets)
		note_ports(s, &st->ep, false);
	return 0;
}

static int validate_role(struct parser *p, enum nc_role_id r)
{
	struct nc_role *role = &p->s->role[r];
	if (!role->present)
		return 0;
	if (!role->is_exec && role->nsteps == 0)
		return perr_pos(p, NC_DIAG_VALIDATION, role->pos, NULL, "the '%s' section has no "
				"steps (give it steps, or write '%s exec COMMAND' to run a program)",
				nc_role_name(r), nc_role_name(r));
	if (role->is_exec && r == NC_ROLE_SERVER && role->ready_port > 0)
		p->s->fixed_port = true;
	for (size_t k = 0; k < role->nsteps; k++)
		if (validate_step(p, &role->steps[k]) < 0)
			return -1;
	return 0;
}

static int validate(struct parser *p)
{
	struct nc_scenario *s = p->s;
	struct nc_pos name_pos, step_timeout_pos;
	if (!header_given(p, HDR_SCENARIO, &name_pos))
		return perr_pos(p, NC_DIAG_VALIDATION, (struct nc_pos){ 1, 1 }, NULL,
				p->lx.len == 0 ? "empty scenario file (expected 'scenario NAME' as "
				"the first line)" : "no 'scenario NAME' line: the file has only "
				"comments and blank lines");
	if (!header_given(p, HDR_TRANSPORT, NULL))
		return perr_pos(p, NC_DIAG_VALIDATION, name_pos, NULL, "missing 'transport udp' or "
				"'transport tcp' line");
	if (s->nfamilies == 0) {
		s->families[0] = NC_FAM_INET;
		s->families[1] = NC_FAM_INET6;
		s->nfamilies = 2;
	}
	if (!s->role[NC_ROLE_SERVER].present && !s->role[NC_ROLE_CLIENT].present)
		return perr_pos(p, NC_DIAG_VALIDATION, name_pos, NULL,
				"no role: a scenario needs a 'server' or a 'client' section");
	for (int r = 0; r < NC_ROLE_COUNT; r++)
		if (validate_role(p, (enum nc_role_id)r) < 0)
			return -1;
	if (s->has_wire && s->nwire == 0)
		return perr_pos(p, NC_DIAG_VALIDATION, s->wire_pos, NULL,
				"the wire section has no expectations");
	header_given(p, HDR_STEP_TIMEOUT, &step_timeout_pos);
	if (s->step_timeout_ns && s->timeout_ns && s->step_timeout_ns > s->timeout_ns) {
		char a[32], b[32];
		return perr_pos(p, NC_DIAG_VALIDATION, step_timeout_pos, NULL,
				"step-timeout (%s) is longer than the scenario's timeout (%s)",
				nc_fmt_duration(s->step_timeout_ns, a, sizeof(a)),
				nc_fmt_duration(s->timeout_ns, b, sizeof(b)));
	}
	s->timeout_ns = scenario_timeout(p);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Entry points */

struct nc_scenario *nc_scenario_parse_opts(const char *path, const char *id, const char *group,
					   const char *src, size_t len,
					   const struct nc_parse_opts *opts, struct nc_diag *diag)
{
	struct parser p;
	memset(&p, 0, sizeof(p));
	memset(diag, 0, sizeof(*diag));
	nc_lexer_init(&p.lx, path, src, len);
	p.d = diag;
	p.payload_budget = opts && opts->payload_budget ? opts->payload_budget : NC_PAYLOAD_BUDGET;
	p.s = nc_xcalloc(1, sizeof(*p.s));
	p.s->path = nc_strdup(path);
	p.s->id = nc_strdup(id ? id : path);
	p.s->group = nc_strdup(group ? group : "");
	p.dir = nc_path_dirname(path);
	int rc = 0;
	/* nc_scenario_load enforces the limit when reading; text handed in
	 * directly is held to the same one. */
	if (len > NC_SCENARIO_MAX_BYTES)
		rc = nc_diag_set(diag, NC_DIAG_LIMIT, path, 0, 0, NULL, "scenario file too large "
				 "(%zu bytes; the limit is %u KiB)", len, NC_SCENARIO_MAX_BYTES >> 10);
	while (rc == 0 && (rc = nc_lexer_next(&p.lx, diag)) == 1) {
		p.i = 0;
		rc = parse_line(&p);
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

struct nc_scenario *nc_scenario_parse(const char *path, const char *id, const char *group,
				      const char *src, size_t len, struct nc_diag *diag)
{
	return nc_scenario_parse_opts(path, id, group, src, len, NULL, diag);
}

struct nc_scenario *nc_scenario_load(const char *path, const char *id, const char *group,
				     struct nc_diag *diag)
{
	struct nc_buf b;
	nc_buf_init(&b, NC_SCENARIO_MAX_BYTES);
	char why[256];
	if (nc_read_regular(path, &b, why, sizeof(why)) < 0) {
		int e = errno;
		if (e == EFBIG)
			nc_diag_set(diag, NC_DIAG_LIMIT, path, 0, 0, NULL, "scenario file too large "
				    "(the limit is %u KiB)", NC_SCENARIO_MAX_BYTES >> 10);
		else
			nc_diag_set(diag, NC_DIAG_FILE, path, 0, 0, NULL, "cannot read scenario "
				    "file: %s", why);
		nc_buf_free(&b);
		return NULL;
	}
	struct nc_scenario *s = nc_scenario_parse(path, id, group, (const char *)nc_buf_str(&b),
						  b.len, diag);
	nc_buf_free(&b);
	return s;
}
