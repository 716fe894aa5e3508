/* steps.c: judging each step against its expectation, and the step trace.
 *
 * Every message names what was expected and what happened, in the words of
 * the scenario file: "expected error EAGAIN, got 5 bytes "hello"". Payload
 * mismatches add a hex dump of both sides around the first difference.
 */
#include "check/observe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/names.h"
#include "scenario/payload.h"
#include "util/clock.h"
#include "util/hexdump.h"
#include "util/text.h"

#define SHOW_MAX 64   /* payload bytes shown inline in one-line messages */

void nc_window_bounds(const struct nc_window *w, double scale, int64_t tick_ns,
		      int64_t *lo, int64_t *hi)
{
	/* Socket timeouts are counted in kernel ticks, so one may fire up to a
	 * tick before the wall-clock time asked for; a millisecond more covers
	 * the clock reads around the call. */
	*lo = w->lo_ns - tick_ns - NC_MS;
	if (*lo < 0)
		*lo = 0;
	/* Late is the common case on a busy machine: allow a tick, 5 ms or 10%
	 * of the bound (whichever is larger), all scaled by --timeout-scale,
	 * which is the knob for slow machines. */
	int64_t slack = w->hi_ns / 10 > 5 * NC_MS ? w->hi_ns / 10 : 5 * NC_MS;
	*hi = (int64_t)((double)(w->hi_ns + tick_ns + slack) * scale);
}

static void show_data(struct nc_buf *b, const struct nc_fact *f)
{
	if (f->nbytes == 0) {
		nc_buf_adds(b, "0 bytes");
		return;
	}
	nc_buf_printf(b, "%llu byte%s ", (unsigned long long)f->nbytes, f->nbytes == 1 ? "" : "s");
	if (f->excerpt_off == 0)
		nc_show_bytes(b, f->actual.data, f->actual.len, SHOW_MAX);
	else
		nc_buf_adds(b, "(not shown)");
}

/* "4 bytes \"junk\"": bytes received and never read, of which the first
 * are at hand. */
static void show_unread(struct nc_buf *b, uint64_t count, const struct nc_buf *first,
			uint64_t first_off)
{
	if (!count) {
		nc_buf_adds(b, "none");
		return;
	}
	nc_buf_printf(b, "%llu byte%s ", (unsigned long long)count, count == 1 ? "" : "s");
	if (first_off != 0 || !first->len) {
		nc_buf_adds(b, "(not shown)");
		return;
	}
	nc_show_bytes(b, first->data, first->len, SHOW_MAX);
	if (first->len < count && first->len <= SHOW_MAX)
		nc_buf_adds(b, "...");
}

/* "error ECONNREFUSED (Connection refused)" */
static void show_error(struct nc_buf *b, int err)
{
	nc_buf_printf(b, "error %s (%s)", nc_errno_name(err), strerror(err));
}

/* What happened, briefly, for the trace and for "got ..." messages. */
static void describe_outcome(const struct nc_step *st, const struct nc_fact *f, struct nc_buf *b)
{
	char a[64];
	if (f->note[0]) {
		nc_buf_printf(b, "not run: %s", f->note);
		return;
	}
	if (f->err) {
		show_error(b, f->err);
		if (f->nbytes)
			nc_buf_printf(b, " after %llu bytes", (unsigned long long)f->nbytes);
		return;
	}
	switch (st->kind) {
	case NC_STEP_BIND:
		nc_buf_printf(b, "bound %s", nc_addr_str(&f->local, a, sizeof(a)));
		return;
	case NC_STEP_ACCEPT:
		nc_buf_printf(b, "connection from %s", nc_addr_str(&f->peer, a, sizeof(a)));
		return;
	case NC_STEP_CONNECT:
		nc_buf_printf(b, "connected to %s", nc_addr_str(&f->peer, a, sizeof(a)));
		nc_buf_printf(b, " from %s", nc_addr_str(&f->local, a, sizeof(a)));
		return;
	case NC_STEP_SEND:
	case NC_STEP_SENDALL:
	case NC_STEP_SENDTO:
		nc_buf_printf(b, "sent %llu byte%s", (unsigned long long)f->nbytes,
			      f->nbytes == 1 ? "" : "s");
		if (st->kind == NC_STEP_SENDTO)
			nc_buf_printf(b, " to %s", nc_addr_str(&f->peer, a, sizeof(a)));
		return;
	case NC_STEP_RECV:
	case NC_STEP_RECVFROM:
		if (f->silent) {
			nc_buf_adds(b, "nothing arrived");
			return;
		}
		if (st->expect.kind == NC_EXPECT_NONE && f->deadline_hit) {
			nc_buf_adds(b, "nothing arrived before the deadline");
			return;
		}
		if (f->eof && f->nbytes == 0) {
			nc_buf_adds(b, "EOF");
			return;
		}
		show_data(b, f);
		if (f->peer.family)
			nc_buf_printf(b, " from %s", nc_addr_str(&f->peer, a, sizeof(a)));
		if (f->msg_flags & MSG_TRUNC)
			nc_buf_printf(b, " (datagram of %llu bytes truncated)",
				      (unsigned long long)f->dgram_len);
		if (f->eof)
			nc_buf_adds(b, ", then EOF");
		if (f->deadline_hit)
			nc_buf_adds(b, ", then nothing until the deadline");
		return;
	case NC_STEP_SOCKET:
	case NC_STEP_LISTEN:
	case NC_STEP_SETSOCKOPT:
	case NC_STEP_NONBLOCK:
	case NC_STEP_CLOSE:
		nc_buf_adds(b, "ok");
		if (f->unread) {
			nc_buf_adds(b, ", ");
			show_unread(b, f->unread, &f->actual, f->excerpt_off);
			nc_buf_adds(b, " left unread");
		}
		return;
	case NC_STEP_SHUTDOWN:
	case NC_STEP_SLEEP:
		nc_buf_adds(b, "ok");
		return;
	}
}

static void fail_step(struct nc_result *r, const struct nc_observed *o, const struct nc_step *st,
		      const struct nc_fact *f, bool harness, const char *check, const char *msg,
		      const char *detail)
{
	struct nc_failure *x = nc_result_fail(r, harness, check, o->sc->path, st->pos.line, msg,
					      detail);
	if (x) {
		x->t = f->t_end;
		/* A step that ended after the outcome was decided (a failure, the
		 * timeout, an interruption) may have ended because its role, or its
		 * peer, was being stopped: it is no cause of its own. */
		x->consequence = o->decided_t >= 0 && f->t_end > o->decided_t;
	}
}

static void expected_desc(const struct nc_expect *ex, struct nc_buf *b)
{
	nc_payload_describe(&ex->payload, b);
}

/* "5 bytes \"hello\"": the expected bytes of a compared step, variables
 * shown with the values the role used. */
static void show_expected(struct nc_buf *m, const struct nc_expect *ex, const struct nc_fact *f)
{
	nc_buf_printf(m, "%llu byte%s ", (unsigned long long)f->expected_len,
		      f->expected_len == 1 ? "" : "s");
	if (ex->payload.kind == NC_PAYLOAD_TEXT && ex->payload.text.has_vars && f->excerpt_off == 0)
		nc_show_bytes(m, f->expected.data, f->expected.len, SHOW_MAX);
	else
		expected_desc(ex, m);
}

/* A data expectation that was not met: say what differed, with a hex diff. */
static void payload_failure(struct nc_result *r, const struct nc_observed *o,
			    const struct nc_step *st, const struct nc_fact *f)
{
	const struct nc_expect *ex = &st->expect;
	struct nc_buf m, d;
	nc_buf_init(&m, 0);
	nc_buf_init(&d, 0);
	nc_buf_printf(&m, "%s ", ex->kind == NC_EXPECT_PREFIX ? "expected a prefix of" : "expected");
	show_expected(&m, ex, f);
	nc_buf_adds(&m, ", got ");
	if (f->nbytes < f->expected_len && (f->eof || f->deadline_hit || f->err) &&
	    (uint64_t)f->diff_at == f->nbytes) {
		nc_buf_printf(&m, "only %llu byte%s before %s", (unsigned long long)f->nbytes,
			      f->nbytes == 1 ? "" : "s",
			      f->eof ? "the stream ended" : f->err ? "an error" : "the deadline");
		if (f->excerpt_off == 0 && f->nbytes) {
			nc_buf_addc(&m, ' ');
			nc_show_bytes(&m, f->actual.data, f->actual.len, SHOW_MAX);
		}
		if (f->err) {
			nc_buf_adds(&m, " (");
			show_error(&m, f->err);
			nc_buf_adds(&m, ")");
		}
	} else {
		show_data(&m, f);
	}
	if (f->msg_flags & MSG_TRUNC)
		nc_buf_printf(&m, " (datagram of %llu bytes truncated)",
			      (unsigned long long)f->dgram_len);
	nc_hexdiff(&d, "", f->expected.data, f->expected.len, f->actual.data, f->actual.len,
		   f->excerpt_off, f->diff_at - (int64_t)f->excerpt_off);
	fail_step(r, o, st, f, false, "payload", nc_buf_str(&m), nc_buf_str(&d));
	nc_buf_free(&m);
	nc_buf_free(&d);
}

/* A close and what it left unread: with no 'unread' expectation nothing
 * may be left; with one, what was left must be what it says. */
static void check_unread(struct nc_result *r, const struct nc_observed *o,
			 const struct nc_step *st, const struct nc_fact *f)
{
	const struct nc_expect *ex = &st->expect;
	struct nc_buf m, d;
	nc_buf_init(&m, 0);
	nc_buf_init(&d, 0);
	if (ex->kind != NC_EXPECT_UNREAD) {
		if (!f->unread)
			goto out;
		nc_buf_adds(&m, "expected nothing left unread at close, got ");
		show_unread(&m, f->unread, &f->actual, f->excerpt_off);
		nc_buf_adds(&m, " received that no step read (read them first, or write 'close => "
			    "unread ...' if they are expected)");
		nc_hexdump(&d, "", f->actual.data, f->actual.len, 0, 16);
	} else if (ex->unread == NC_EXPECT_BYTES) {
		if (f->diff_at < 0)
			goto out;
		nc_buf_adds(&m, "expected ");
		show_expected(&m, ex, f);
		nc_buf_adds(&m, " left unread at close, got ");
		show_unread(&m, f->unread, &f->actual, f->excerpt_off);
		nc_hexdiff(&d, "", f->expected.data, f->expected.len, f->actual.data, f->actual.len,
			   f->excerpt_off, f->diff_at - (int64_t)f->excerpt_off);
	} else if (ex->unread == NC_EXPECT_LEN) {
		if (f->unread == ex->len)
			goto out;
		nc_buf_printf(&m, "expected %llu byte%s left unread at close, got ",
			      (unsigned long long)ex->len, ex->len == 1 ? "" : "s");
		show_unread(&m, f->unread, &f->actual, f->excerpt_off);
	} else {
		goto out;
	}
	fail_step(r, o, st, f, false, "unread", nc_buf_str(&m), nc_buf_str(&d));
out:
	nc_buf_free(&m);
	nc_buf_free(&d);
}

/* A role that ended with a connection still open, holding bytes it never
 * read. */
static void check_left_unread(const struct nc_observed *o, enum nc_role_id id,
			      struct nc_result *r)
{
	const struct nc_unread *u = &o->role[id].left_unread;
	if (!u->count)
		return;
	char peer[64];
	struct nc_buf m, d;
	nc_buf_init(&m, 0);
	nc_buf_init(&d, 0);
	nc_buf_printf(&m, "the %s role ended with its connection with %s still open and ",
		      nc_role_name(id), nc_addr_str(&u->peer, peer, sizeof(peer)));
	show_unread(&m, u->count, &u->bytes, 0);
	nc_buf_adds(&m, " received that no step read (read them, or close it with 'close => "
		    "unread ...' if they are expected)");
	nc_hexdump(&d, "", u->bytes.data, u->bytes.len, 0, 16);
	const struct nc_role *role = &o->sc->role[id];
	struct nc_failure *x = nc_result_fail(r, false, "unread", o->sc->path,
					      role->nsteps ? role->steps[role->nsteps - 1].pos.line
							   : role->pos.line,
					      nc_buf_str(&m), nc_buf_str(&d));
	if (x) {
		x->t = u->t;
		x->consequence = o->decided_t >= 0 && u->t > o->decided_t;
	}
	nc_buf_free(&m);
	nc_buf_free(&d);
}

/* '=> none within D': nothing may have arrived in that time. What did is
 * named, with when; a wait the variant's deadline cut short is no verdict. */
static void check_silence(struct nc_result *r, const struct nc_observed *o,
			  const struct nc_step *st, const struct nc_fact *f)
{
	if (f->silent)
		return;
	char d[32], el[32];
	struct nc_buf m;
	nc_buf_init(&m, 0);
	nc_fmt_duration(st->expect.silence_ns, d, sizeof(d));
	nc_fmt_duration(f->t_end - f->t_start, el, sizeof(el));
	if (f->deadline_hit && f->nbytes == 0 && !f->err) {
		nc_buf_printf(&m, "expected nothing to arrive within %s, but the scenario's timeout "
			      "left only %s to wait (raise the timeout)", d, el);
		fail_step(r, o, st, f, true, "deadline", nc_buf_str(&m), "");
	} else {
		nc_buf_printf(&m, "expected nothing to arrive within %s, got ", d);
		describe_outcome(st, f, &m);
		nc_buf_printf(&m, " after %s", el);
		fail_step(r, o, st, f, false, "silence", nc_buf_str(&m), "");
	}
	nc_buf_free(&m);
}

/* A step's time window ('after lo..hi', 'within D'), with its tolerances. */
static void check_window(struct nc_result *r, const struct nc_observed *o,
			 const struct nc_step *st, const struct nc_fact *f)
{
	const struct nc_window *w = &st->expect.window;
	if (!w->set)
		return;
	int64_t lo, hi, el = f->t_end - f->t_start;
	nc_window_bounds(w, o->timeout_scale, o->tick_ns, &lo, &hi);
	if (el >= lo && el <= hi)
		return;
	char a[32], b[32], c[32], d[32], e[32], m[320];
	snprintf(m, sizeof(m), "expected to return after %s..%s, returned after %s (allowed "
		 "%s..%s with tolerances)", nc_fmt_duration(w->lo_ns, a, sizeof(a)),
		 nc_fmt_duration(w->hi_ns, b, sizeof(b)), nc_fmt_duration(el, c, sizeof(c)),
		 nc_fmt_duration(lo, d, sizeof(d)), nc_fmt_duration(hi, e, sizeof(e)));
	fail_step(r, o, st, f, false, "timing", m, "");
}

/* Judges one finished step. */
static void check_fact(const struct nc_observed *o, const struct nc_step *st,
		       const struct nc_fact *f, struct nc_result *r)
{
	const struct nc_expect *ex = &st->expect;
	struct nc_buf m;
	nc_buf_init(&m, 0);
	if (f->note[0]) {
		/* The step could not be attempted: the scenario asked for
		 * something that had no value here. */
		fail_step(r, o, st, f, true, "scenario", f->note, "");
		goto out;
	}
	switch (ex->kind) {
	case NC_EXPECT_ANY:
		break;
	case NC_EXPECT_NONE:
		check_silence(r, o, st, f);
		goto out;
	case NC_EXPECT_ERROR:
		if (f->err == ex->err)
			break;
		nc_buf_printf(&m, "expected error %s, got ", nc_errno_name(ex->err));
		if (f->err)
			show_error(&m, f->err);
		else
			describe_outcome(st, f, &m);
		fail_step(r, o, st, f, false, "errno", nc_buf_str(&m), "");
		goto out;
	case NC_EXPECT_SUCCESS:
	case NC_EXPECT_BYTES:
	case NC_EXPECT_PREFIX:
	case NC_EXPECT_LEN:
	case NC_EXPECT_EOF:
	case NC_EXPECT_UNREAD:
		if (f->err && !(f->nbytes && (ex->kind == NC_EXPECT_BYTES ||
					      ex->kind == NC_EXPECT_PREFIX))) {
			nc_buf_adds(&m, "expected ");
			if (ex->kind == NC_EXPECT_EOF)
				nc_buf_adds(&m, "EOF");
			else if (ex->kind == NC_EXPECT_BYTES || ex->kind == NC_EXPECT_PREFIX)
				expected_desc(ex, &m);
			else if (ex->kind == NC_EXPECT_LEN)
				nc_buf_printf(&m, "%llu bytes", (unsigned long long)ex->len);
			else
				nc_buf_adds(&m, "success");
			nc_buf_adds(&m, ", got ");
			show_error(&m, f->err);
			fail_step(r, o, st, f, false, "errno", nc_buf_str(&m), "");
			goto out;
		}
		break;
	}
	switch (ex->kind) {
	case NC_EXPECT_EOF:
		if (!(f->eof && f->nbytes == 0)) {
			nc_buf_adds(&m, "expected EOF, got ");
			describe_outcome(st, f, &m);
			fail_step(r, o, st, f, false, "payload", nc_buf_str(&m), "");
			goto out;
		}
		break;
	case NC_EXPECT_BYTES:
	case NC_EXPECT_PREFIX:
		if (f->diff_at >= 0) {
			payload_failure(r, o, st, f);
			goto out;
		}
		break;
	case NC_EXPECT_LEN:
		if (f->nbytes != ex->len) {
			nc_buf_printf(&m, "expected %llu bytes, got ", (unsigned long long)ex->len);
			describe_outcome(st, f, &m);
			fail_step(r, o, st, f, false, "length", nc_buf_str(&m), "");
			goto out;
		}
		break;
	case NC_EXPECT_SUCCESS:
	case NC_EXPECT_UNREAD:
		if (st->kind == NC_STEP_CLOSE) {
			size_t before = r->nfailures + r->failures_dropped;
			check_unread(r, o, st, f);
			if (r->nfailures + r->failures_dropped > before)
				goto out;
		}
		break;
	case NC_EXPECT_ERROR:
	case NC_EXPECT_ANY:
	case NC_EXPECT_NONE:
		break;
	}
	/* Truncation: asked for, or silently happening. */
	bool truncated = (f->msg_flags & MSG_TRUNC) != 0;
	if (ex->truncated && !truncated && ex->kind != NC_EXPECT_ANY) {
		nc_buf_printf(&m, "expected the datagram to be truncated to the %llu-byte buffer, "
			      "but it was %llu bytes and fit", (unsigned long long)st->size,
			      (unsigned long long)f->dgram_len);
		fail_step(r, o, st, f, false, "truncation", nc_buf_str(&m), "");
		goto out;
	}
	if (!ex->truncated && truncated && ex->kind != NC_EXPECT_ANY &&
	    ex->kind != NC_EXPECT_ERROR && st->kind != NC_STEP_SEND) {
		nc_buf_printf(&m, "datagram of %llu bytes was truncated to the %llu-byte buffer "
			      "(write 'truncated' if that is expected)",
			      (unsigned long long)f->dgram_len, (unsigned long long)st->size);
		fail_step(r, o, st, f, false, "truncation", nc_buf_str(&m), "");
		goto out;
	}
	check_window(r, o, st, f);
out:
	nc_buf_free(&m);
}

bool nc_check_step_failed(const struct nc_observed *o, enum nc_role_id r, uint32_t step)
{
	const struct nc_role_obs *ro = &o->role[r];
	if (step >= ro->nsteps || !ro->ended[step])
		return false;
	struct nc_result scratch;
	nc_result_init(&scratch);
	check_fact(o, &o->sc->role[r].steps[step], &ro->facts[step], &scratch);
	bool failed = scratch.nfailures + scratch.failures_dropped > 0;
	nc_result_free(&scratch);
	return failed;
}

void nc_check_steps(const struct nc_observed *o, struct nc_result *r)
{
	/* Trace: both roles' steps, each in its own role's order. */
	for (int ri = 0; ri < NC_ROLE_COUNT; ri++) {
		const struct nc_role *role = &o->sc->role[ri];
		const struct nc_role_obs *ro = &o->role[ri];
		if (!role->present || role->is_exec)
			continue;
		for (uint32_t i = 0; i < ro->nsteps; i++) {
			const struct nc_step *st = &role->steps[i];
			size_t before = r->nfailures + r->failures_dropped;
			if (ro->ended[i])
				check_fact(o, st, &ro->facts[i], r);
			struct nc_trace *t = nc_result_add_trace(r);
			if (!t)
				continue;
			t->role = (uint8_t)ri;
			t->step = i;
			t->line = st->pos.line;
			t->text = nc_strdup(st->text);
			struct nc_buf b;
			nc_buf_init(&b, 512);
			if (ro->ended[i]) {
				t->t_start = ro->facts[i].t_start;
				t->t_end = ro->facts[i].t_end;
				describe_outcome(st, &ro->facts[i], &b);
			} else if (ro->begun[i] && ro->consequence) {
				/* Stopped because the outcome was known: the call may
				 * well have returned, only its record was not read. */
				t->t_start = ro->begin_t[i];
				nc_buf_adds(&b, "stopped (the variant had already failed)");
			} else if (ro->begun[i]) {
				t->t_start = ro->begin_t[i];
				nc_buf_adds(&b, "never returned");
			} else {
				nc_buf_adds(&b, "not reached");
			}
			t->outcome = nc_buf_steal(&b);
			t->failed = r->nfailures + r->failures_dropped > before ||
				    (ro->begun[i] && !ro->ended[i] && !ro->consequence);
		}
		check_left_unread(o, (enum nc_role_id)ri, r);
	}
}
