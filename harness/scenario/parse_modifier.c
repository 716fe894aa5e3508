/* parse_modifier.c: what may follow a step's arguments, in any order: the
 * expectation after '=>', the peer ('from'), a time window, message flags,
 * a deadline, and 'once' and 'truncated'; then the checks that look at the
 * step as a whole.
 */
#include "scenario/parse_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/names.h"
#include "util/clock.h"

static bool step_receives(enum nc_step_kind k)
{
	return k == NC_STEP_RECV || k == NC_STEP_RECVFROM;
}

static bool step_sends(enum nc_step_kind k)
{
	return k == NC_STEP_SEND || k == NC_STEP_SENDALL || k == NC_STEP_SENDTO;
}

/* True when the header says the transport is t (an unknown transport is
 * reported when the file ends, so it matches nothing). */
static bool transport_is(const struct parser *p, enum nc_transport t)
{
	return header_given(p, HDR_TRANSPORT, NULL) && p->s->transport == t;
}

/* ------------------------------------------------------------------------ */
/* Expectations: what follows '=>'. The step is p->step. */

static int expect_error(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	struct nc_expect *ex = &p->step->expect;
	const struct nc_tok *e = need(p, "an errno name (like ECONNREFUSED) after 'error'");
	char w[48];
	if (!e)
		return -1;
	if (!word_buf(e, w, sizeof(w)) || nc_errno_value(w) < 0)
		return unknown_name(p, e, "unknown errno name", nc_errno_suggest,
				    "expected a name like ECONNREFUSED or EAGAIN");
	ex->kind = NC_EXPECT_ERROR;
	ex->err = nc_errno_value(w);
	return 0;
}

static int expect_word(struct parser *p, const struct nc_tok *kw)
{
	p->step->expect.kind = word_eq(kw, "eof") ? NC_EXPECT_EOF : NC_EXPECT_ANY;
	return 0;
}

static int expect_len(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	unsigned long long n;
	if (parse_u64_tok(p, next(p), "a byte count after 'len'", "length", NC_MAX_GENERATED,
			  true, &n) < 0)
		return -1;
	p->step->expect.kind = NC_EXPECT_LEN;
	p->step->expect.len = n;
	return 0;
}

static int expect_prefix(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	p->step->expect.kind = NC_EXPECT_PREFIX;
	return parse_payload(p, &p->step->expect.payload);
}

/* "none within D": the receive waits D, and nothing may arrive then. The
 * duration belongs to the expectation, so the step takes no time window
 * of its own (check_step). */
static int expect_none(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	struct nc_expect *ex = &p->step->expect;
	const struct nc_tok *w = next(p);
	if (!word_eq(w, "within"))
		return expected(p, w, "'within' and a duration after 'none' (like => none within "
				"300ms)");
	ex->kind = NC_EXPECT_NONE;
	return parse_positive_duration(p, next(p), "a duration after 'none within'", "silence",
				       0, "a silence must last longer than zero", &ex->silence_ns);
}

/* "unread PAYLOAD", "unread len N" or "unread any": what a close finds
 * received and never read, where the scenario expects some. */
static int expect_unread(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	struct nc_expect *ex = &p->step->expect;
	const struct nc_tok *t = peek(p);
	unsigned long long n;
	ex->kind = NC_EXPECT_UNREAD;
	if (!t)
		return expected(p, NULL, "the bytes left unread after 'unread' (a payload, "
				"'len N' or 'any')");
	if (word_eq(t, "any")) {
		next(p);
		ex->unread = NC_EXPECT_ANY;
		return 0;
	}
	if (word_eq(t, "len") || word_eq(t, "length")) {
		next(p);
		if (parse_u64_tok(p, next(p), "a byte count after 'unread len'", "length",
				  NC_MAX_RECV_BUF, true, &n) < 0)
			return -1;
		if (n == 0)
			return perr(p, NC_DIAG_RANGE, t->col, "'unread len 0' would expect nothing "
				    "unread: leave the expectation out");
		ex->unread = NC_EXPECT_LEN;
		ex->len = n;
		return 0;
	}
	ex->unread = NC_EXPECT_BYTES;
	if (parse_payload(p, &ex->payload) < 0)
		return -1;
	if (payload_min_len(&ex->payload) > NC_MAX_RECV_BUF)
		return perr(p, NC_DIAG_RANGE, t->col, "bytes left unread are at most %llu MiB (a "
			    "socket's receive buffer holds less)",
			    (unsigned long long)(NC_MAX_RECV_BUF >> 20));
	return 0;
}

/* Without one of these words, the expectation is a payload. */
static const struct nc_kw expect_rows[] = {
	{ .name = "error", .parse = expect_error, .id = NC_EXPECT_ERROR },
	{ .name = "eof", .parse = expect_word, .id = NC_EXPECT_EOF },
	{ .name = "any", .parse = expect_word, .id = NC_EXPECT_ANY },
	{ .name = "len", .alias = { "length" }, .parse = expect_len, .id = NC_EXPECT_LEN },
	{ .name = "prefix", .parse = expect_prefix, .id = NC_EXPECT_PREFIX },
	{ .name = "none", .parse = expect_none, .id = NC_EXPECT_NONE,
	  .shown = "none within D" },
	{ .name = "unread", .parse = expect_unread, .id = NC_EXPECT_UNREAD },
};
static const struct nc_kw_table expect_table = NC_KW_TABLE(expect_rows);

static int mod_expect(struct parser *p, const struct nc_tok *arrow)
{
	struct nc_expect *ex = &p->step->expect;
	const struct nc_tok *t = peek(p);
	ex->pos = (struct nc_pos){ p->lx.line, arrow->col };
	if (!t)
		return expected(p, NULL, "an expectation after '=>'");
	const struct nc_kw *row = nc_kw_find(&expect_table, t);
	if (row) {
		next(p);
		return row->parse(p, t);
	}
	ex->kind = NC_EXPECT_BYTES;
	return parse_payload(p, &ex->payload);
}

/* ------------------------------------------------------------------------ */
/* The other modifiers */

static int mod_from(struct parser *p, const struct nc_tok *kw)
{
	struct nc_step *st = p->step;
	if (!step_receives(st->kind) && st->kind != NC_STEP_ACCEPT)
		return perr(p, NC_DIAG_MISPLACED, kw->col, "'from' applies to accept, recv and "
			    "recvfrom, not to '%s'", nc_step_name(st->kind));
	st->expect.has_from = true;
	return parse_target(p, next(p), &st->expect.from, false);
}

/* "within 200ms", or "after 200ms..400ms" with both bounds. */
static int mod_window(struct parser *p, const struct nc_tok *kw)
{
	struct nc_window *w = &p->step->expect.window;
	const struct nc_tok *t = next(p);
	char nb[NC_NEAR_LEN];
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
		return perr(p, NC_DIAG_SYNTAX, t->col, "'after' takes a time window with both "
			    "bounds, like 200ms..400ms, %s (for an upper bound alone, use 'within')",
			    near(t, nb, sizeof(nb)));
	/* Each bound is parsed as a token of its own, so messages point at it. */
	size_t lo_len = (size_t)(dots - t->p);
	struct nc_tok lo = { NC_TOK_WORD, t->p, lo_len, t->col };
	struct nc_tok hi = { NC_TOK_WORD, dots + 2, t->len - lo_len - 2,
			     t->col + (uint32_t)lo_len + 2 };
	if (lo.len == 0 || hi.len == 0)
		return perr(p, NC_DIAG_SYNTAX, t->col, "the time window %s has no %s bound (like "
			    "200ms..400ms)", quoted(t, nb, sizeof(nb)), lo.len ? "upper" : "lower");
	if (parse_duration_tok(p, &lo, "a duration (like 200ms) before '..'", "lower bound",
			       &w->lo_ns) < 0 ||
	    parse_duration_tok(p, &hi, "a duration (like 400ms) after '..'", "upper bound",
			       &w->hi_ns) < 0)
		return -1;
	if (w->hi_ns < w->lo_ns)
		return perr(p, NC_DIAG_RANGE, t->col, "empty time window %s: the upper bound is "
			    "less than the lower bound", quoted(t, nb, sizeof(nb)));
	w->set = true;
	return 0;
}

/* 'once' (a stream receive judged on one call) and 'truncated' (a
 * datagram cut to the buffer) each make sense for one transport. The
 * header, and with it the transport, is complete before the first
 * section; a missing transport line is reported once the file is read. */
static int mod_receive_flag(struct parser *p, const struct nc_tok *kw)
{
	struct nc_step *st = p->step;
	bool once = word_eq(kw, "once");
	if (!step_receives(st->kind))
		return perr(p, NC_DIAG_MISPLACED, kw->col, "'%s' applies to recv and recvfrom, not "
			    "to '%s'", once ? "once" : "truncated", nc_step_name(st->kind));
	if (transport_is(p, once ? NC_TRANSPORT_UDP : NC_TRANSPORT_TCP))
		return perr(p, NC_DIAG_MISPLACED, kw->col, "%s", once
			    ? "'once' applies to tcp: a datagram receive is always one call"
			    : "'truncated' applies to udp: a stream receive is never truncated");
	*(once ? &st->expect.once : &st->expect.truncated) = true;
	return 0;
}

static int mod_deadline(struct parser *p, const struct nc_tok *kw)
{
	return parse_positive_duration(p, next(p), "a duration after 'deadline'", "deadline",
				       kw->col, "a deadline must be longer than zero",
				       &p->step->deadline_ns);
}

/* "flags MSG_DONTWAIT,MSG_PEEK", or a bare flag (kw is then the flag). */
static int mod_flags(struct parser *p, const struct nc_tok *kw)
{
	struct nc_step *st = p->step;
	char w[48];
	if (!step_sends(st->kind) && !step_receives(st->kind))
		return perr(p, NC_DIAG_MISPLACED, kw->col, "message flags apply to send and "
			    "receive steps");
	const struct nc_tok *f = word_eq(kw, "flags") ? next(p) : kw;
	if (!f)
		return expected(p, NULL, "message flags (like MSG_DONTWAIT) after 'flags'");
	if (!word_buf(f, w, sizeof(w)))
		return expected(p, f, "message flags (like MSG_DONTWAIT)");
	char *save = NULL, shown[64];
	bool any = false;
	for (char *one = strtok_r(w, ",|", &save); one; one = strtok_r(NULL, ",|", &save)) {
		int v = nc_msgflag_value(one);
		if (!v) {
			snprintf(shown, sizeof(shown), "'%s'", one);
			return perr_unknown(p, f->col + (uint32_t)(one - w), "unknown message flag",
					    shown, nc_msgflag_suggest(one), "known: MSG_DONTWAIT, "
					    "MSG_PEEK, MSG_WAITALL, MSG_TRUNC, MSG_MORE, MSG_OOB, "
					    "MSG_NOSIGNAL, MSG_CONFIRM");
		}
		st->msg_flags |= v;
		any = true;
	}
	if (!any)
		return expected(p, f, "message flags (like MSG_DONTWAIT)");
	return 0;
}

enum modifier_id { MOD_EXPECT, MOD_FROM, MOD_AFTER, MOD_WITHIN, MOD_ONCE, MOD_TRUNCATED,
		   MOD_FLAGS, MOD_DEADLINE };

static const struct nc_kw modifier_rows[] = {
	{ .name = "=>", .flags = NC_KW_ONCE, .parse = mod_expect, .id = MOD_EXPECT,
	  .dup = "a step has at most one '=>' expectation" },
	{ .name = "from", .flags = NC_KW_ONCE, .parse = mod_from, .id = MOD_FROM },
	{ .name = "after", .flags = NC_KW_ONCE, .parse = mod_window, .id = MOD_AFTER,
	  .dup = "a step has at most one time window" },
	{ .name = "within", .flags = NC_KW_ONCE, .parse = mod_window, .id = MOD_WITHIN,
	  .once_with = "after", .dup = "a step has at most one time window" },
	{ .name = "once", .parse = mod_receive_flag, .id = MOD_ONCE },
	{ .name = "truncated", .parse = mod_receive_flag, .id = MOD_TRUNCATED },
	{ .name = "flags", .parse = mod_flags, .id = MOD_FLAGS },
	{ .name = "deadline", .flags = NC_KW_ONCE, .parse = mod_deadline, .id = MOD_DEADLINE },
};
NC_KW_ROWS_FIT(modifier_rows);
const struct nc_kw_table nc_modifier_table = NC_KW_TABLE(modifier_rows);

/* A bare flag stands for 'flags FLAG'. */
static bool is_bare_flag(const struct nc_tok *t)
{
	return t->kind == NC_TOK_WORD && t->len > 4 && memcmp(t->p, "MSG_", 4) == 0;
}

bool is_modifier_kw(const struct nc_tok *t)
{
	return nc_kw_find(&nc_modifier_table, t) || is_bare_flag(t);
}

/* What follows a step's arguments is not a modifier. The usual causes get
 * their own message: an expectation written without its '=>', an argument
 * too many, or a misspelt modifier. */
static int unknown_modifier(struct parser *p, const struct nc_step *st, const struct nc_tok *t)
{
	char nb[NC_NEAR_LEN], list[200];
	const char *q = quoted(t, nb, sizeof(nb));
	bool expectation = t->kind == NC_TOK_STRING || nc_kw_find(&expect_table, t) ||
			   nc_kw_find(&nc_payload_table, t);
	if (expectation)
		return perr(p, NC_DIAG_SYNTAX, t->col, "unexpected %s: an expectation follows '=>' "
			    "(like %s)", q, step_receives(st->kind) ? "recv 100 => \"hello\""
			    : "=> error ECONNREFUSED");
	const struct nc_kw_table *tb = &nc_modifier_table;
	return perr_unknown(p, t->col, "unexpected", q, nc_kw_suggest(&tb, 1, t), "after the "
			    "arguments of '%s' come %s", nc_step_name(st->kind),
			    nc_kw_list(tb, " or ", list, sizeof(list)));
}

/* ------------------------------------------------------------------------ */
/* The step as a whole */

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
	case NC_EXPECT_NONE:
	case NC_EXPECT_UNREAD:
		return 0;
	}
	return 0;
}

/* A silence is waited for in full, so it must end before the deadlines
 * that would stop the step: its own, the scenario's step-timeout, and the
 * scenario's timeout. */
static int check_silence(struct parser *p, const struct nc_step *st)
{
	const struct nc_expect *ex = &st->expect;
	char a[32], b[32];
	if (!step_receives(st->kind))
		return perr_pos(p, NC_DIAG_MISPLACED, ex->pos, p->ctx, "'=> none' applies to recv "
				"and recvfrom, not to '%s'", nc_step_name(st->kind));
	if (ex->window.set)
		return perr_pos(p, NC_DIAG_MISPLACED, ex->window.pos, p->ctx, "'=> none within D' "
				"waits D by itself: it takes no time window ('after', 'within') of its "
				"own");
	if (ex->has_from || ex->truncated)
		return perr_pos(p, NC_DIAG_MISPLACED, ex->pos, p->ctx, "'=> none' expects nothing "
				"to arrive, so it takes no '%s'", ex->has_from ? "from" : "truncated");
	struct { int64_t ns; const char *what; } limits[] = {
		{ st->deadline_ns, "the step's deadline" },
		{ st->deadline_ns ? 0 : p->s->step_timeout_ns, "the scenario's step-timeout" },
		{ scenario_timeout(p), "the scenario's timeout" },
	};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (limits[i].ns && ex->silence_ns >= limits[i].ns)
			return perr_pos(p, NC_DIAG_RANGE, ex->pos, p->ctx, "the silence (%s) must "
					"end before %s (%s) stops the step",
					nc_fmt_duration(ex->silence_ns, a, sizeof(a)), limits[i].what,
					nc_fmt_duration(limits[i].ns, b, sizeof(b)));
	return 0;
}

/* Which expectations make sense for which call. */
static int check_step(struct parser *p, const struct nc_step *st)
{
	const struct nc_expect *ex = &st->expect;
	switch (ex->kind) {
	case NC_EXPECT_BYTES:
	case NC_EXPECT_PREFIX:
	case NC_EXPECT_EOF:
		if (!step_receives(st->kind))
			return perr_pos(p, NC_DIAG_MISPLACED, ex->pos, p->ctx, "a data expectation "
					"applies to recv and recvfrom, not to '%s'",
					nc_step_name(st->kind));
		break;
	case NC_EXPECT_LEN:
		if (!step_receives(st->kind) && !step_sends(st->kind))
			return perr_pos(p, NC_DIAG_MISPLACED, ex->pos, p->ctx, "'len' applies to "
					"send and receive steps, not to '%s'", nc_step_name(st->kind));
		break;
	case NC_EXPECT_NONE:
		return check_silence(p, st);
	case NC_EXPECT_UNREAD:
		if (st->kind != NC_STEP_CLOSE)
			return perr_pos(p, NC_DIAG_MISPLACED, ex->pos, p->ctx, "'=> unread' applies "
					"to close, not to '%s'", nc_step_name(st->kind));
		if (transport_is(p, NC_TRANSPORT_UDP))
			return perr_pos(p, NC_DIAG_MISPLACED, ex->pos, p->ctx, "'=> unread' applies "
					"to tcp: what a datagram socket leaves unread is not checked");
		break;
	case NC_EXPECT_SUCCESS:
	case NC_EXPECT_ERROR:
	case NC_EXPECT_ANY:
		break;
	}
	if (ex->truncated && ex->kind == NC_EXPECT_ERROR)
		return perr_pos(p, NC_DIAG_MISPLACED, ex->pos, p->ctx,
				"'truncated' cannot go with an error expectation");
	/* A datagram, or a stream read judged on one call, arrives in a single
	 * receive, which never returns more than the buffer holds; MSG_TRUNC
	 * makes a receive return the datagram's real length. */
	uint64_t need = expected_min_len(ex);
	bool one_call = transport_is(p, NC_TRANSPORT_UDP) || ex->once;
	if (step_receives(st->kind) && one_call && need > st->size &&
	    !(st->msg_flags & MSG_TRUNC))
		return perr_pos(p, NC_DIAG_VALIDATION, ex->pos, p->ctx, "the expectation needs %llu "
				"bytes but the buffer holds %llu: %s returns at most the buffer's "
				"size (raise the buffer size)", (unsigned long long)need,
				(unsigned long long)st->size,
				ex->once ? "a single call" : "a datagram receive");
	return 0;
}

int parse_modifiers(struct parser *p, struct nc_step *st)
{
	const struct nc_tok *t;
	memset(&p->modifier_seen, 0, sizeof(p->modifier_seen));
	p->step = st;
	while ((t = next(p))) {
		const struct nc_kw *row = nc_kw_find(&nc_modifier_table, t);
		if (!row && is_bare_flag(t))
			row = nc_kw_by_id(&nc_modifier_table, MOD_FLAGS);
		if (!row)
			return unknown_modifier(p, st, t);
		if (nc_kw_once(p, &nc_modifier_table, row, t, &p->modifier_seen) < 0 ||
		    row->parse(p, t) < 0)
			return -1;
	}
	return check_step(p, st);
}
