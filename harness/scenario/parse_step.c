/* parse_step.c: the steps of a built-in role and their arguments,
 * socket options included. The modifiers that may follow the arguments
 * are in parse_modifier.c.
 */
#include "scenario/parse_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/names.h"

/* ------------------------------------------------------------------------ */
/* Arguments, one function per step; the step is p->step. */

/* An argument that may be left out: a word of tb, or nothing before the
 * modifiers. Sets *row to the word's row, or leaves it NULL. */
static int optional_word(struct parser *p, const struct nc_kw_table *tb, const char *last,
			 const char *after, const struct nc_kw **row)
{
	const struct nc_tok *t = peek(p);
	*row = nc_kw_find(tb, t);
	if (*row)
		next(p);
	else if (t && !is_modifier_kw(t))
		return expected_one_of(p, t, "", tb, last, after);
	return 0;
}

NC_WORDS(sock_family_table, NC_WORD("inet", AF_INET), NC_WORD("inet6", AF_INET6));

static int step_socket(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_kw *row;
	if (optional_word(p, &sock_family_table, ", ", " or nothing (the variant's family) after "
			  "'socket'", &row) < 0)
		return -1;
	p->step->sock_family = row ? row->id : 0;
	return 0;
}

static int step_bind(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_tok *t = need(p, "an address to bind (like loopback:0)");
	if (!t)
		return -1;
	return parse_addr_word(p, t, &p->step->ep, true);
}

static int step_listen(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_tok *t = peek(p);
	unsigned long long n;
	p->step->size = 16;
	if (t && t->kind == NC_TOK_WORD && isdigit((unsigned char)t->p[0])) {
		next(p);
		if (parse_u64_tok(p, t, "a backlog", "backlog", 65535, false, &n) < 0)
			return -1;
		p->step->size = n;
	}
	return 0;
}

static int step_no_args(struct parser *p, const struct nc_tok *kw)
{
	(void)p;
	(void)kw;
	return 0;
}

static int step_connect(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	return parse_target(p, next(p), &p->step->ep, true);
}

/* send, sendall and sendto: a payload, and for sendto a target. */
static int step_send(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	struct nc_step *st = p->step;
	const struct nc_tok *t = peek(p);
	if (parse_payload(p, &st->payload) < 0)
		return -1;
	/* One send() call takes its payload from memory; only sendall
	 * streams a payload of any size. */
	uint64_t len = payload_min_len(&st->payload);
	if (st->kind != NC_STEP_SENDALL && len > NC_SEND_MAX)
		return perr(p, NC_DIAG_RANGE, t->col, "a single '%s' sends at most 64 MiB, and "
			    "this payload is %llu bytes%s", nc_step_name(st->kind),
			    (unsigned long long)len, p->s->transport == NC_TRANSPORT_TCP
			    ? " (use 'sendall' for larger payloads)" : "");
	if (st->kind == NC_STEP_SENDTO)
		return parse_target(p, next(p), &st->ep, true);
	return 0;
}

static int step_recv(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	unsigned long long n;
	if (parse_u64_tok(p, next(p), "a buffer size (like 1024)", "buffer size",
			  NC_MAX_RECV_BUF, true, &n) < 0)
		return -1;
	p->step->size = n;
	return 0;
}

NC_WORDS(on_off_table, NC_WORD("on", 1), NC_WORD("off", 0));

static int step_nonblock(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_kw *row;
	if (optional_word(p, &on_off_table, " or ", " after 'nonblock'", &row) < 0)
		return -1;
	p->step->on = row ? row->id : true;
	return 0;
}

NC_WORDS(shutdown_table, NC_WORD("rd", SHUT_RD), NC_WORD("wr", SHUT_WR),
	 NC_WORD("rdwr", SHUT_RDWR));

static int step_shutdown(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_kw *row = expect_word_of(p, next(p), "", &shutdown_table,
						 " after 'shutdown'");
	if (!row)
		return -1;
	p->step->how = row->id;
	return 0;
}

static int step_sleep(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	return parse_duration_tok(p, next(p), "a duration (like 50ms)", "sleep duration",
				  &p->step->duration_ns);
}

/* ------------------------------------------------------------------------ */
/* setsockopt */

/* SO_LINGER off | on DURATION | DURATION (meaning on) */
static int sockopt_linger(struct parser *p, const struct nc_tok *v, struct nc_sockopt *opt)
{
	char nb[NC_NEAR_LEN];
	if (word_eq(v, "off")) {
		opt->linger_on = false;
		return 0;
	}
	if (word_eq(v, "on"))
		v = next(p);
	opt->linger_on = true;
	if (parse_duration_tok(p, v, "a linger time (like 0s) or 'off'", "linger time",
			       &opt->ival) < 0)
		return -1;
	/* The kernel counts the linger time in whole seconds; rounding
	 * 500ms down to 0s would turn a graceful close into a reset. */
	if (opt->ival % NC_SEC)
		return perr(p, NC_DIAG_VALUE, v->col, "SO_LINGER takes whole seconds (like 0s or "
			    "2s), not %s", quoted(v, nb, sizeof(nb)));
	opt->ival /= NC_SEC;
	return 0;
}

NC_WORDS(bool_table, { .name = "on", .alias = { "true" }, .id = 1 },
	 { .name = "off", .alias = { "false" }, .id = 0 });

static int step_setsockopt(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	struct nc_sockopt *opt = &p->step->opt;
	const struct nc_tok *t = need(p, "an option name (like SO_RCVTIMEO)");
	char w[48], known[400];
	if (!t)
		return -1;
	if (!word_buf(t, w, sizeof(w)) || !nc_sockopt_lookup(w, opt)) {
		snprintf(known, sizeof(known), "known: %s", nc_sockopt_known());
		return unknown_name(p, t, "unknown socket option", nc_sockopt_suggest, known);
	}
	const struct nc_tok *v = next(p);
	const struct nc_kw *row;
	unsigned long long n;
	switch (opt->vkind) {
	case NC_OPTVAL_DURATION:
		return parse_duration_tok(p, v, "a duration (like 200ms)", "timeout", &opt->ival);
	case NC_OPTVAL_LINGER:
		return sockopt_linger(p, v, opt);
	case NC_OPTVAL_INT:
		if ((row = nc_kw_find(&bool_table, v))) {
			opt->ival = row->id;
			return 0;
		}
		if (parse_u64_tok(p, v, "an option value (a number, on or off)", "option value",
				  INT_MAX, true, &n) < 0)
			return -1;
		opt->ival = (int64_t)n;
		return 0;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The step table */

static const struct nc_kw step_rows[] = {
	{ .name = "socket", .parse = step_socket, .id = NC_STEP_SOCKET },
	{ .name = "bind", .parse = step_bind, .id = NC_STEP_BIND },
	{ .name = "listen", .parse = step_listen, .id = NC_STEP_LISTEN },
	{ .name = "accept", .parse = step_no_args, .id = NC_STEP_ACCEPT },
	{ .name = "connect", .parse = step_connect, .id = NC_STEP_CONNECT },
	{ .name = "send", .parse = step_send, .id = NC_STEP_SEND },
	{ .name = "sendall", .parse = step_send, .id = NC_STEP_SENDALL },
	{ .name = "sendto", .parse = step_send, .id = NC_STEP_SENDTO },
	{ .name = "recv", .parse = step_recv, .id = NC_STEP_RECV },
	{ .name = "recvfrom", .parse = step_recv, .id = NC_STEP_RECVFROM },
	{ .name = "setsockopt", .parse = step_setsockopt, .id = NC_STEP_SETSOCKOPT },
	{ .name = "nonblock", .parse = step_nonblock, .id = NC_STEP_NONBLOCK },
	{ .name = "shutdown", .parse = step_shutdown, .id = NC_STEP_SHUTDOWN },
	{ .name = "close", .parse = step_no_args, .id = NC_STEP_CLOSE },
	{ .name = "sleep", .parse = step_sleep, .id = NC_STEP_SLEEP },
};
const struct nc_kw_table nc_step_table = NC_KW_TABLE(step_rows);

/* A word that is not a step, in a section of steps. The usual causes get
 * their own message: a header line too late, or a program option in a
 * built-in role. */
static int unknown_step(struct parser *p, const struct nc_tok *kw)
{
	const char *rname = nc_role_name(p->rid);
	char nb[NC_NEAR_LEN], list[300];
	if (nc_kw_find(&nc_header_table, kw))
		return perr(p, NC_DIAG_MISPLACED, kw->col, "header line '%.*s' must come before "
			    "the first section", (int)kw->len, kw->p);
	if (nc_kw_find(&nc_option_table, kw) && !nc_kw_find(&nc_modifier_table, kw))
		return perr(p, NC_DIAG_MISPLACED, kw->col, "'%.*s' is an option of a program role, "
			    "but this '%s' section runs steps (a program role starts with '%s "
			    "exec COMMAND')", (int)kw->len, kw->p, rname, rname);
	const struct nc_kw_table *tb = &nc_step_table;
	return perr_unknown(p, kw->col, "unknown step", quoted(kw, nb, sizeof(nb)),
			    nc_kw_suggest(&tb, 1, kw), "expected %s",
			    nc_kw_list(tb, " or ", list, sizeof(list)));
}

int parse_step(struct parser *p)
{
	struct nc_role *role = p->role;
	const struct nc_tok *kw = next(p);
	const struct nc_kw *row = nc_kw_find(&nc_step_table, kw);
	if (!row)
		return unknown_step(p, kw);
	if (role->nsteps >= NC_MAX_STEPS)
		return perr(p, NC_DIAG_LIMIT, kw->col, "too many steps in one role (the limit is "
			    "%d)", NC_MAX_STEPS);
	snprintf(p->ctx, sizeof(p->ctx), "step '%s' at %u:%u", row->name, p->lx.line, kw->col);
	role->steps = nc_grow(role->steps, role->nsteps, sizeof(*role->steps));
	struct nc_step *st = &role->steps[role->nsteps++];
	memset(st, 0, sizeof(*st));
	st->kind = (enum nc_step_kind)row->id;
	st->pos = (struct nc_pos){ p->lx.line, kw->col };
	st->expect.kind = NC_EXPECT_SUCCESS;
	/* The line from its first token to the end of the last one. */
	st->text = line_from(p, p->lx.tok[0].col);
	p->step = st;
	if (row->parse(p, kw) < 0)
		return -1;
	return parse_modifiers(p, st);
}
