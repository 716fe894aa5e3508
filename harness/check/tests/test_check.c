/* test_check.c: unit tests of the checks in harness/check/ on synthetic
 * observations: steps, timing, endpoints, roles, programs, and the
 * automatic wire checks (the wire section has test_wire_section.c).
 *
 * Each test parses a small scenario, fills an nc_observed by hand as the
 * role records would (facts, fates, datagrams, streams), and for the wire
 * checks feeds hand-built frames to a wirelog (check_fx.h); then it runs
 * the checks and asserts on the result's status and on each failure's
 * check name, line and message text, which the selftest fixtures and
 * people read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check/observe.h"
#include "check/tests/check_fx.h"
#include "check/wire.h"
#include "check/wirelog.h"
#include "result/result.h"
#include "scenario/payload.h"
#include "scenario/scenario.h"
#include "tests/unit/cunit_main.h"
#include "util/clock.h"
#include "util/digest.h"
#include "wire/packet.h"

/* ------------------------------------------------------------------------ */
/* Fixture */

/* A receive that got `got` and was compared with `want`, as a role reports
 * it: the first difference and both excerpts. */
static void set_received(struct nc_fact *fa, const char *got, const char *want)
{
	size_t ng = strlen(got), nw = strlen(want);
	fa->ret = (int64_t)ng;
	fa->nbytes = ng;
	fa->compared = true;
	fa->expected_len = nw;
	fa->excerpt_off = 0;
	nc_buf_add(&fa->actual, got, ng);
	nc_buf_add(&fa->expected, want, nw);
	size_t n = ng < nw ? ng : nw, i = 0;
	while (i < n && got[i] == want[i])
		i++;
	fa->diff_at = i == n && ng == nw ? -1 : (int64_t)i;
}

/* Finished roles, each having run all of its steps. */
static void all_done(struct fx *f)
{
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		if (!f->sc->role[r].present)
			continue;
		f->o.role[r].started = true;
		f->o.role[r].done = true;
		f->o.role[r].fate = NC_FATE_EXITED;
	}
}

static void run_step_checks(struct fx *f)
{
	nc_check_steps(&f->o, &f->r);
}

/* ------------------------------------------------------------------------ */
/* Collecting records */

/* Feeds every frame in b to the observation as role r's records; returns
 * the first non-zero result of nc_observed_record, or 0. */
static int feed_records(struct fx *f, enum nc_role_id r, const struct nc_buf *b)
{
	size_t off = 0;
	while (off < b->len) {
		enum nc_rec_type t;
		struct nc_cursor body;
		size_t used;
		CU_ASSERT_EQUAL_FATAL(nc_rec_next(b->data + off, b->len - off, &t, &body, &used), 1);
		int rc = nc_observed_record(&f->o, r, t, &body);
		if (rc)
			return rc;
		off += used;
	}
	return 0;
}

static void test_observe_records(void)
{
	struct fx f;
	if (!fx_open(&f, "scenario t\ntransport udp\nserver\n  bind loopback:0\n"
		     "  recvfrom 10 => \"x\"\nclient\n  sendto \"x\" server\n", NC_FAM_INET))
		return;
	/* Every record kind lands where the checks look for it. */
	struct nc_buf b;
	nc_buf_init(&b, 0);
	struct nc_addr bound = addr4("127.0.0.1", 50000);
	nc_rec_ready(&b, &bound);
	nc_rec_step_begin(&b, 1, 5 * NC_MS);
	struct nc_fact fa;
	nc_fact_init(&fa);
	fa.step = 1;
	fa.t_start = 5 * NC_MS;
	fa.t_end = 6 * NC_MS;
	fa.nbytes = 1;
	fa.peer = addr4("127.0.0.1", 41234);
	nc_buf_adds(&fa.actual, "x");
	nc_rec_step_end(&b, &fa);
	struct nc_dgram d;
	memset(&d, 0, sizeof(d));
	d.step = 1;
	d.len = d.copied = 1;
	d.local = bound;
	nc_rec_dgram(&b, &d);
	struct nc_stream st;
	memset(&st, 0, sizeof(st));
	sum_of_text(&st.sent, "abc");
	sum_of_text(&st.recvd, "");
	nc_rec_stream(&b, &st);
	nc_rec_done(&b);
	CU_ASSERT_EQUAL(feed_records(&f, NC_ROLE_SERVER, &b), 0);
	const struct nc_role_obs *ro = &f.o.role[NC_ROLE_SERVER];
	CU_ASSERT(ro->ready);
	CU_ASSERT_EQUAL(ro->ready_addr.port, 50000);
	CU_ASSERT(ro->begun[1] && ro->ended[1]);
	CU_ASSERT_FALSE(ro->begun[0] || ro->ended[0]);
	CU_ASSERT_EQUAL(ro->begin_t[1], 5 * NC_MS);
	CU_ASSERT_EQUAL(ro->facts[1].t_end, 6 * NC_MS);
	CU_ASSERT_EQUAL(ro->facts[1].peer.port, 41234);
	CU_ASSERT_EQUAL(ro->facts[1].actual.len, 1);
	CU_ASSERT_EQUAL(ro->ndgrams, 1);
	CU_ASSERT_EQUAL_FATAL(ro->nstreams, 1);
	CU_ASSERT_EQUAL(ro->streams[0].sent.total, 3);
	CU_ASSERT(ro->done);
	/* A second STEP_END for the same step replaces the first. */
	nc_buf_reset(&b);
	fa.nbytes = 2;
	nc_rec_step_end(&b, &fa);
	CU_ASSERT_EQUAL(feed_records(&f, NC_ROLE_SERVER, &b), 0);
	CU_ASSERT_EQUAL(ro->facts[1].nbytes, 2);
	/* Steps the role does not have, and cut bodies, are malformed. */
	nc_buf_reset(&b);
	nc_rec_step_begin(&b, 2, 0);
	CU_ASSERT_EQUAL(feed_records(&f, NC_ROLE_SERVER, &b), -1);
	nc_buf_reset(&b);
	fa.step = 1;
	nc_rec_step_end(&b, &fa);
	CU_ASSERT_EQUAL(feed_records(&f, NC_ROLE_CLIENT, &b), -1);
	struct nc_cursor cut = nc_cursor_make(b.data + 5, 10);
	CU_ASSERT_EQUAL(nc_observed_record(&f.o, NC_ROLE_SERVER, NC_REC_STEP_END, &cut), -1);
	nc_buf_reset(&b);
	nc_rec_stream(&b, &st);
	cut = nc_cursor_make(b.data + 5, b.len - 6);
	CU_ASSERT_EQUAL(nc_observed_record(&f.o, NC_ROLE_CLIENT, NC_REC_STREAM, &cut), -1);
	CU_ASSERT_EQUAL(f.o.role[NC_ROLE_CLIENT].nstreams, 0);
	nc_stream_free(&st);
	nc_fact_free(&fa);
	nc_buf_free(&b);
	fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Steps: expectations */

/* Line numbers: the server's steps start on line 4. */
static const char STEPS_TCP[] =
	"scenario t\n"                                   /* 1 */
	"transport tcp\n"                                /* 2 */
	"server\n"                                       /* 3 */
	"  bind loopback:0\n"                            /* 4: step 0 */
	"  listen\n"                                     /* 5: step 1 */
	"  accept\n"                                     /* 6: step 2 */
	"  recv 100 => \"hello\"\n"                      /* 7: step 3 */
	"  recv 100 => prefix \"he\"\n"                  /* 8: step 4 */
	"  recv 100 => len 5\n"                          /* 9: step 5 */
	"  recv 100 => eof\n"                            /* 10: step 6 */
	"  recv 100 => error EAGAIN flags MSG_DONTWAIT\n" /* 11: step 7 */
	"  recv 100 => any\n"                            /* 12: step 8 */
	"  send \"x\"\n"                                 /* 13: step 9 */
	"  close\n"                                      /* 14: step 10 */
	"client\n"                                       /* 15 */
	"  connect server => error ECONNREFUSED\n"       /* 16: step 0 */
	"  send \"hello\"\n";                            /* 17: step 1 */

static void test_steps_all_pass(void)
{
	struct fx f;
	if (!fx_open(&f, STEPS_TCP, NC_FAM_INET))
		return;
	end_step(&f, NC_ROLE_SERVER, 0)->local = addr4("127.0.0.1", 50000);
	end_step(&f, NC_ROLE_SERVER, 1);
	struct nc_fact *a = end_step(&f, NC_ROLE_SERVER, 2);
	a->peer = addr4("127.0.0.1", 41234);
	set_received(end_step(&f, NC_ROLE_SERVER, 3), "hello", "hello");
	set_received(end_step(&f, NC_ROLE_SERVER, 4), "he", "he");
	end_step(&f, NC_ROLE_SERVER, 5)->nbytes = 5;
	end_step(&f, NC_ROLE_SERVER, 6)->eof = true;
	end_step(&f, NC_ROLE_SERVER, 7)->err = EAGAIN;
	end_step(&f, NC_ROLE_SERVER, 8)->err = ECONNRESET; /* any: only recorded */
	end_step(&f, NC_ROLE_SERVER, 9)->nbytes = 1;
	end_step(&f, NC_ROLE_SERVER, 10);
	end_step(&f, NC_ROLE_CLIENT, 0)->err = ECONNREFUSED;
	end_step(&f, NC_ROLE_CLIENT, 1)->nbytes = 5;
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 0);
	CU_ASSERT_EQUAL(f.r.status, NC_STATUS_PASS);
	/* The trace: every step of both roles, server first, with outcomes in
	 * the scenario's words. */
	CU_ASSERT_EQUAL_FATAL(f.r.ntrace, 13);
	const struct nc_trace *t = f.r.trace;
	CU_ASSERT_EQUAL(t[0].role, 0);
	CU_ASSERT_EQUAL(t[0].line, 4);
	CU_ASSERT_STRING_EQUAL(t[0].text, "bind loopback:0");
	CU_ASSERT_STRING_EQUAL(t[0].outcome, "bound 127.0.0.1:50000");
	CU_ASSERT_STRING_EQUAL(t[2].outcome, "connection from 127.0.0.1:41234");
	CU_ASSERT_STRING_EQUAL(t[3].outcome, "5 bytes \"hello\"");
	CU_ASSERT_STRING_EQUAL(t[6].outcome, "EOF");
	CU_ASSERT_STRING_EQUAL(t[7].outcome, "error EAGAIN (Resource temporarily unavailable)");
	CU_ASSERT_STRING_EQUAL(t[9].outcome, "sent 1 byte");
	CU_ASSERT_STRING_EQUAL(t[10].outcome, "ok");
	CU_ASSERT_EQUAL(t[11].role, 1);
	CU_ASSERT_EQUAL(t[11].step, 0);
	CU_ASSERT_EQUAL(t[11].line, 16);
	CU_ASSERT_STRING_EQUAL(t[11].outcome, "error ECONNREFUSED (Connection refused)");
	CU_ASSERT_STRING_EQUAL(t[12].outcome, "sent 5 bytes");
	CU_ASSERT_EQUAL(t[3].t_start, 3 * NC_MS);
	CU_ASSERT_EQUAL(t[3].t_end, 4 * NC_MS);
	for (size_t i = 0; i < f.r.ntrace; i++)
		CU_ASSERT_FALSE(t[i].failed);
	fx_close(&f);
}

static void test_steps_errors(void)
{
	struct fx f;
	if (!fx_open(&f, STEPS_TCP, NC_FAM_INET))
		return;
	/* Success expected, an error happened. */
	end_step(&f, NC_ROLE_SERVER, 0)->err = EADDRINUSE;
	/* An error expected, another one happened. */
	end_step(&f, NC_ROLE_SERVER, 7)->err = EINTR;
	/* An error expected, the call succeeded: say what it did instead. */
	struct nc_fact *c = end_step(&f, NC_ROLE_CLIENT, 0);
	c->peer = addr4("127.0.0.1", 50000);
	c->local = addr4("127.0.0.1", 41234);
	/* A data expectation met by an error, with no bytes. */
	end_step(&f, NC_ROLE_SERVER, 3)->err = ECONNRESET;
	end_step(&f, NC_ROLE_SERVER, 5)->err = ECONNRESET;
	end_step(&f, NC_ROLE_SERVER, 6)->err = ETIMEDOUT;
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 6);
	EXPECT_FAILURE(&f.r, 0, "errno", 4,
		       "expected success, got error EADDRINUSE (Address already in use)");
	EXPECT_FAILURE(&f.r, 1, "errno", 7,
		       "expected \"hello\", got error ECONNRESET (Connection reset by peer)");
	EXPECT_FAILURE(&f.r, 2, "errno", 9,
		       "expected 5 bytes, got error ECONNRESET (Connection reset by peer)");
	EXPECT_FAILURE(&f.r, 3, "errno", 10,
		       "expected EOF, got error ETIMEDOUT (Connection timed out)");
	EXPECT_FAILURE(&f.r, 4, "errno", 11,
		       "expected error EAGAIN, got error EINTR (Interrupted system call)");
	EXPECT_FAILURE(&f.r, 5, "errno", 16,
		       "expected error ECONNREFUSED, got connected to 127.0.0.1:50000 from "
		       "127.0.0.1:41234");
	CU_ASSERT_EQUAL(f.r.status, NC_STATUS_FAIL);
	CU_ASSERT_STRING_EQUAL(f.r.reason,
			       "expected success, got error EADDRINUSE (Address already in use)");
	/* Failing steps are marked in the trace; steps never reached say so. */
	CU_ASSERT(f.r.trace[0].failed);
	CU_ASSERT_FALSE(f.r.trace[1].failed);
	CU_ASSERT_STRING_EQUAL(f.r.trace[1].outcome, "not reached");
	CU_ASSERT_EQUAL(f.r.trace[1].t_start, -1);
	fx_close(&f);
}

static void test_steps_data(void)
{
	struct fx f;
	if (!fx_open(&f, STEPS_TCP, NC_FAM_INET))
		return;
	/* Wrong bytes: both shown, and a hex diff at the first difference. */
	set_received(end_step(&f, NC_ROLE_SERVER, 3), "hellx", "hello");
	/* A wrong prefix. */
	set_received(end_step(&f, NC_ROLE_SERVER, 4), "ha", "he");
	/* Wrong length, with what came. */
	struct nc_fact *l = end_step(&f, NC_ROLE_SERVER, 5);
	l->nbytes = 3;
	nc_buf_adds(&l->actual, "abc");
	/* Data where EOF was expected, even if EOF followed it. */
	struct nc_fact *e = end_step(&f, NC_ROLE_SERVER, 6);
	e->nbytes = 5;
	e->eof = true;
	nc_buf_adds(&e->actual, "hello");
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 4);
	EXPECT_FAILURE(&f.r, 0, "payload", 7, "expected 5 bytes \"hello\", got 5 bytes \"hellx\"");
	EXPECT_HAS(f.r.failures[0].detail, "first difference at offset 4\n");
	EXPECT_HAS(f.r.failures[0].detail, "expected (5 bytes):\n> 00000000  68 65 6c 6c 6f");
	EXPECT_HAS(f.r.failures[0].detail, "actual (5 bytes):\n> 00000000  68 65 6c 6c 78");
	EXPECT_FAILURE(&f.r, 1, "payload", 8, "expected a prefix of 2 bytes \"he\", got 2 bytes \"ha\"");
	EXPECT_HAS(f.r.failures[1].detail, "first difference at offset 1\n");
	EXPECT_FAILURE(&f.r, 2, "length", 9, "expected 5 bytes, got 3 bytes \"abc\"");
	EXPECT_FAILURE(&f.r, 3, "payload", 10, "expected EOF, got 5 bytes \"hello\", then EOF");
	fx_close(&f);

	/* More bytes than the length asked for is wrong too. */
	if (!fx_open(&f, STEPS_TCP, NC_FAM_INET))
		return;
	l = end_step(&f, NC_ROLE_SERVER, 5);
	l->nbytes = 7;
	nc_buf_adds(&l->actual, "abcdefg");
	end_step(&f, NC_ROLE_SERVER, 6)->eof = true;
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "length", 9, "expected 5 bytes, got 7 bytes \"abcdefg\"");
	fx_close(&f);
}

static void test_steps_short(void)
{
	struct fx f;
	if (!fx_open(&f, STEPS_TCP, NC_FAM_INET))
		return;
	/* The stream ended early. */
	struct nc_fact *a = end_step(&f, NC_ROLE_SERVER, 3);
	set_received(a, "hel", "hello");
	a->eof = true;
	/* The deadline came. */
	struct nc_fact *b = end_step(&f, NC_ROLE_SERVER, 4);
	set_received(b, "h", "he");
	b->deadline_hit = true;
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "payload", 7,
		       "expected 5 bytes \"hello\", got only 3 bytes before the stream ended \"hel\"");
	EXPECT_HAS(f.r.failures[0].detail, "first difference at offset 3\n");
	EXPECT_FAILURE(&f.r, 1, "payload", 8,
		       "expected a prefix of 2 bytes \"he\", got only 1 byte before the deadline \"h\"");
	CU_ASSERT_STRING_EQUAL(f.r.trace[3].outcome, "3 bytes \"hel\", then EOF");
	CU_ASSERT_STRING_EQUAL(f.r.trace[4].outcome, "1 byte \"h\", then nothing until the deadline");
	fx_close(&f);

	/* An error after some bytes: judged as data, and the error is named. */
	if (!fx_open(&f, STEPS_TCP, NC_FAM_INET))
		return;
	a = end_step(&f, NC_ROLE_SERVER, 3);
	set_received(a, "hel", "hello");
	a->err = ECONNRESET;
	/* Bytes far into the stream are not shown inline. */
	b = end_step(&f, NC_ROLE_SERVER, 4);
	set_received(b, "xx", "he");
	b->nbytes = 100000;
	b->excerpt_off = 99000;
	b->diff_at = 99001;
	b->expected_len = 100002;
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "payload", 7,
		       "expected 5 bytes \"hello\", got only 3 bytes before an error \"hel\" "
		       "(error ECONNRESET (Connection reset by peer))");
	EXPECT_FAILURE(&f.r, 1, "payload", 8,
		       "expected a prefix of 100002 bytes \"he\", got 100000 bytes (not shown)");
	/* The hex diff uses stream offsets. */
	EXPECT_HAS(f.r.failures[1].detail, "first difference at offset 99001\n");
	EXPECT_HAS(f.r.failures[1].detail, "> 000182b8  78 78");
	CU_ASSERT_STRING_EQUAL(f.r.trace[3].outcome,
			       "error ECONNRESET (Connection reset by peer) after 3 bytes");
	fx_close(&f);
}

/* '=> none within D': passes when the role saw nothing for D, fails naming
 * what came and when, and is no verdict when the deadline cut the wait. */
static void test_steps_silence(void)
{
	static const char text[] =
		"scenario t\ntransport tcp\n"                /* 1, 2 */
		"client\n"                                    /* 3 */
		"  connect 127.0.0.1:5000\n"                  /* 4 */
		"  recv 100 => none within 300ms\n"           /* 5 */
		"  recv 100 => none within 300ms\n"           /* 6 */
		"  recv 100 => none within 300ms\n"           /* 7 */
		"  recv 100 => none within 300ms\n"           /* 8 */
		"  recv 100 => none within 2s\n";             /* 9 */
	struct fx f;
	if (!fx_open(&f, text, NC_FAM_INET))
		return;
	struct nc_fact *a = end_step(&f, NC_ROLE_CLIENT, 1);
	a->silent = true;
	a->t_end = a->t_start + 301 * NC_MS;
	/* Data came 12 ms into the wait. */
	struct nc_fact *b = end_step(&f, NC_ROLE_CLIENT, 2);
	set_received(b, "hello", "");
	b->compared = false;
	b->diff_at = -1;
	b->peer = addr4("127.0.0.1", 5000);
	b->t_end = b->t_start + 12 * NC_MS;
	/* The stream ended, then an error. */
	struct nc_fact *c = end_step(&f, NC_ROLE_CLIENT, 3);
	c->eof = true;
	c->t_end = c->t_start + 40 * NC_MS;
	struct nc_fact *d = end_step(&f, NC_ROLE_CLIENT, 4);
	d->err = ECONNRESET;
	d->ret = -1;
	/* The variant's deadline came before the silence's end. */
	struct nc_fact *e = end_step(&f, NC_ROLE_CLIENT, 5);
	e->deadline_hit = true;
	e->t_end = e->t_start + 1200 * NC_MS;
	CU_ASSERT_FALSE(nc_check_step_failed(&f.o, NC_ROLE_CLIENT, 1));
	CU_ASSERT(nc_check_step_failed(&f.o, NC_ROLE_CLIENT, 2));
	CU_ASSERT(nc_check_step_failed(&f.o, NC_ROLE_CLIENT, 3));
	CU_ASSERT(nc_check_step_failed(&f.o, NC_ROLE_CLIENT, 5));
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 4);
	EXPECT_FAILURE(&f.r, 0, "silence", 6, "expected nothing to arrive within 300.0 ms, got 5 "
		       "bytes \"hello\" from 127.0.0.1:5000 after 12.0 ms");
	EXPECT_FAILURE(&f.r, 1, "silence", 7, "expected nothing to arrive within 300.0 ms, got EOF "
		       "after 40.0 ms");
	EXPECT_FAILURE(&f.r, 2, "silence", 8, "expected nothing to arrive within 300.0 ms, got "
		       "error ECONNRESET (Connection reset by peer) after 1.0 ms");
	EXPECT_FAILURE(&f.r, 3, "deadline", 9, "expected nothing to arrive within 2.00 s, but the "
		       "scenario's timeout left only 1.20 s to wait (raise the timeout)");
	CU_ASSERT(f.r.failures[3].harness);
	CU_ASSERT_FALSE(f.r.failures[0].harness);
	/* A silence that lasted is not judged late for having waited. */
	CU_ASSERT_STRING_EQUAL(f.r.trace[1].outcome, "nothing arrived");
	CU_ASSERT_FALSE(f.r.trace[1].failed);
	CU_ASSERT(f.r.trace[2].failed);
	CU_ASSERT_STRING_EQUAL(f.r.trace[5].outcome, "nothing arrived before the deadline");
	fx_close(&f);
}

/* What a close left unread: nothing, unless '=> unread' says what; and
 * what a role left unread on a connection still open at its end. */
static void test_steps_unread(void)
{
	static const char text[] =
		"scenario t\ntransport tcp\n"                 /* 1, 2 */
		"client\n"                                     /* 3 */
		"  connect 127.0.0.1:5000\n"                   /* 4 */
		"  close\n"                                    /* 5 */
		"  close\n"                                    /* 6 */
		"  close => unread \"junk\"\n"                 /* 7 */
		"  close => unread \"junk\"\n"                 /* 8 */
		"  close => unread len 4\n"                    /* 9 */
		"  close => unread len 4\n"                    /* 10 */
		"  close => unread any\n"                      /* 11 */
		"  close => any\n";                            /* 12 */
	struct fx f;
	if (!fx_open(&f, text, NC_FAM_INET))
		return;
	end_step(&f, NC_ROLE_CLIENT, 1);                      /* nothing left: fine */
	struct nc_fact *a = end_step(&f, NC_ROLE_CLIENT, 2);  /* junk left */
	a->unread = 4;
	nc_buf_add(&a->actual, "junk", 4);
	struct nc_fact *b = end_step(&f, NC_ROLE_CLIENT, 3);  /* as expected */
	b->unread = 4;
	set_received(b, "junk", "junk");
	b->nbytes = 0;
	struct nc_fact *c = end_step(&f, NC_ROLE_CLIENT, 4);  /* other bytes, more */
	c->unread = 5000;
	set_received(c, "jumps", "junk");
	c->nbytes = 0;
	struct nc_fact *d = end_step(&f, NC_ROLE_CLIENT, 5);  /* len as expected */
	d->unread = 4;
	nc_buf_add(&d->actual, "abcd", 4);
	end_step(&f, NC_ROLE_CLIENT, 6);                      /* len, none left */
	struct nc_fact *e = end_step(&f, NC_ROLE_CLIENT, 7);
	e->unread = 9;
	nc_buf_add(&e->actual, "anything!", 9);
	struct nc_fact *g = end_step(&f, NC_ROLE_CLIENT, 8);
	g->unread = 1;
	nc_buf_add(&g->actual, "x", 1);
	CU_ASSERT_FALSE(nc_check_step_failed(&f.o, NC_ROLE_CLIENT, 1));
	CU_ASSERT(nc_check_step_failed(&f.o, NC_ROLE_CLIENT, 2));
	CU_ASSERT_FALSE(nc_check_step_failed(&f.o, NC_ROLE_CLIENT, 3));
	CU_ASSERT(nc_check_step_failed(&f.o, NC_ROLE_CLIENT, 4));
	CU_ASSERT_FALSE(nc_check_step_failed(&f.o, NC_ROLE_CLIENT, 7));
	/* At its end the role still held a connection with bytes in it. */
	struct nc_unread *u = &f.o.role[NC_ROLE_CLIENT].left_unread;
	u->count = 2;
	u->peer = addr4("127.0.0.1", 5000);
	u->t = 42 * NC_MS;
	nc_buf_add(&u->bytes, "\0z", 2);
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 4);
	EXPECT_FAILURE(&f.r, 0, "unread", 6, "expected nothing left unread at close, got 4 bytes "
		       "\"junk\" received that no step read (read them first, or write 'close => "
		       "unread ...' if they are expected)");
	EXPECT_HAS(f.r.failures[0].detail, "00000000  6a 75 6e 6b");
	EXPECT_FAILURE(&f.r, 1, "unread", 8, "expected 4 bytes \"junk\" left unread at close, got "
		       "5000 bytes \"jumps\"...");
	EXPECT_HAS(f.r.failures[1].detail, "first difference at offset 2\n");
	EXPECT_FAILURE(&f.r, 2, "unread", 10, "expected 4 bytes left unread at close, got none");
	EXPECT_FAILURE(&f.r, 3, "unread", 12, "the client role ended with its connection with "
		       "127.0.0.1:5000 still open and 2 bytes \"\\x00z\" received that no step read "
		       "(read them, or close it with 'close => unread ...' if they are expected)");
	CU_ASSERT_EQUAL(f.r.failures[3].t, 42 * NC_MS);
	CU_ASSERT_STRING_EQUAL(f.r.trace[1].outcome, "ok");
	CU_ASSERT_STRING_EQUAL(f.r.trace[2].outcome, "ok, 4 bytes \"junk\" left unread");
	CU_ASSERT(f.r.trace[2].failed);
	CU_ASSERT_FALSE(f.r.trace[3].failed);
	fx_close(&f);
}

static void test_steps_note(void)
{
	struct fx f;
	if (!fx_open(&f, STEPS_TCP, NC_FAM_INET))
		return;
	/* A step the role could not attempt is the scenario's problem, not
	 * the kernel's: a harness error with the role's note. */
	struct nc_fact *n = end_step(&f, NC_ROLE_SERVER, 9);
	snprintf(n->note, sizeof(n->note), "variable ${client.port} has no value");
	/* A step that began and never ended is marked failed in the trace. */
	f.o.role[NC_ROLE_CLIENT].begun[1] = true;
	f.o.role[NC_ROLE_CLIENT].begin_t[1] = 7 * NC_MS;
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "scenario", 13, "variable ${client.port} has no value");
	CU_ASSERT(f.r.failures[0].harness);
	CU_ASSERT_EQUAL(f.r.status, NC_STATUS_ERROR);
	CU_ASSERT_STRING_EQUAL(f.r.trace[9].outcome, "not run: variable ${client.port} has no value");
	CU_ASSERT(f.r.trace[9].failed);
	CU_ASSERT_STRING_EQUAL(f.r.trace[12].outcome, "never returned");
	CU_ASSERT_EQUAL(f.r.trace[12].t_start, 7 * NC_MS);
	CU_ASSERT_EQUAL(f.r.trace[12].t_end, -1);
	CU_ASSERT(f.r.trace[12].failed);
	fx_close(&f);
}

static const char STEPS_UDP[] =
	"scenario t\n"                                          /* 1 */
	"transport udp\n"                                       /* 2 */
	"server\n"                                              /* 3 */
	"  bind loopback:0\n"                                   /* 4: step 0 */
	"  recvfrom 4 => \"hell\" truncated\n"                  /* 5: step 1 */
	"  recvfrom 4 => \"hell\"\n"                            /* 6: step 2 */
	"  recvfrom 4 => any\n"                                 /* 7: step 3 */
	"  recvfrom 100 => \"hi ${client.port}\"\n"             /* 8: step 4 */
	"client\n"                                              /* 9 */
	"  sendto \"hello\" server\n";                          /* 10: step 0 */

static void test_steps_truncation(void)
{
	struct fx f;
	if (!fx_open(&f, STEPS_UDP, NC_FAM_INET))
		return;
	/* Truncation asked for, but the datagram fit. */
	struct nc_fact *a = end_step(&f, NC_ROLE_SERVER, 1);
	set_received(a, "hell", "hell");
	a->dgram_len = 4;
	/* Truncation not asked for, but it happened. */
	struct nc_fact *b = end_step(&f, NC_ROLE_SERVER, 2);
	set_received(b, "hell", "hell");
	b->dgram_len = 10;
	b->msg_flags = MSG_TRUNC;
	/* `any` accepts truncation silently. */
	struct nc_fact *c = end_step(&f, NC_ROLE_SERVER, 3);
	c->nbytes = 4;
	c->msg_flags = MSG_TRUNC;
	c->dgram_len = 9;
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "truncation", 5,
		       "expected the datagram to be truncated to the 4-byte buffer, but it was 4 "
		       "bytes and fit");
	EXPECT_FAILURE(&f.r, 1, "truncation", 6,
		       "datagram of 10 bytes was truncated to the 4-byte buffer (write 'truncated' "
		       "if that is expected)");
	CU_ASSERT_STRING_EQUAL(f.r.trace[3].outcome, "4 bytes \"\" (datagram of 9 bytes truncated)");
	fx_close(&f);

	/* The other way round both pass. */
	if (!fx_open(&f, STEPS_UDP, NC_FAM_INET))
		return;
	a = end_step(&f, NC_ROLE_SERVER, 1);
	set_received(a, "hell", "hell");
	a->dgram_len = 5;
	a->msg_flags = MSG_TRUNC;
	a->peer = addr4("127.0.0.1", 41234);
	b = end_step(&f, NC_ROLE_SERVER, 2);
	set_received(b, "hell", "hell");
	b->dgram_len = 4;
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 0);
	CU_ASSERT_STRING_EQUAL(f.r.trace[1].outcome,
			       "4 bytes \"hell\" from 127.0.0.1:41234 (datagram of 5 bytes truncated)");
	fx_close(&f);
}

static void test_steps_variables(void)
{
	/* An expected payload with variables is shown with the values the role
	 * used (its expected excerpt), not as the template. */
	struct fx f;
	if (!fx_open(&f, STEPS_UDP, NC_FAM_INET))
		return;
	set_received(end_step(&f, NC_ROLE_SERVER, 4), "hi 41235", "hi 41234");
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "payload", 8, "expected 8 bytes \"hi 41234\", got 8 bytes \"hi 41235\"");
	fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Timing */

static void test_window_bounds(void)
{
	struct nc_window w = { .set = true, .lo_ns = 200 * NC_MS, .hi_ns = 400 * NC_MS };
	int64_t lo, hi;
	/* Early by a tick and 1 ms; late by a tick and max(5 ms, 10%). */
	nc_window_bounds(&w, 1.0, 4 * NC_MS, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 195 * NC_MS);
	CU_ASSERT_EQUAL(hi, 444 * NC_MS);
	/* The scale stretches the upper bound only. */
	nc_window_bounds(&w, 2.0, 4 * NC_MS, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 195 * NC_MS);
	CU_ASSERT_EQUAL(hi, 888 * NC_MS);
	/* Small windows: 5 ms of slack, and the lower bound stops at 0. */
	struct nc_window s = { .set = true, .lo_ns = 2 * NC_MS, .hi_ns = 10 * NC_MS };
	nc_window_bounds(&s, 1.0, 4 * NC_MS, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 0);
	CU_ASSERT_EQUAL(hi, 19 * NC_MS);
	/* A 10 ms tick (HZ=100). */
	nc_window_bounds(&w, 1.0, 10 * NC_MS, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 189 * NC_MS);
	CU_ASSERT_EQUAL(hi, 450 * NC_MS);
	/* Exactly 50 ms: 10% is 5 ms, the same as the floor. */
	struct nc_window e = { .set = true, .lo_ns = 0, .hi_ns = 50 * NC_MS };
	nc_window_bounds(&e, 1.0, 0, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 0);
	CU_ASSERT_EQUAL(hi, 55 * NC_MS);
}

static const char TIMING[] =
	"scenario t\n"                                                    /* 1 */
	"transport udp\n"                                                 /* 2 */
	"server\n"                                                        /* 3 */
	"  bind loopback:0\n"                                             /* 4 */
	"  setsockopt SO_RCVTIMEO 200ms\n"                                /* 5 */
	"  recvfrom 100 => error EAGAIN after 200ms..400ms\n"             /* 6: step 2 */
	"  recvfrom 100 => \"x\" within 100ms\n";                         /* 7: step 3 */

/* Runs the timing checks for an elapsed time on step 2 (and step 3 in
 * time); returns the number of failures. */
static size_t timing_case(int64_t elapsed, double scale, struct fx *f)
{
	if (!fx_open(f, TIMING, NC_FAM_INET))
		return 99;
	f->o.timeout_scale = scale;
	struct nc_fact *a = end_step(f, NC_ROLE_SERVER, 2);
	a->err = EAGAIN;
	a->t_start = 10 * NC_MS;
	a->t_end = a->t_start + elapsed;
	set_received(end_step(f, NC_ROLE_SERVER, 3), "x", "x");
	run_step_checks(f);
	return f->r.nfailures;
}

static void test_timing(void)
{
	struct fx f;
	/* At both bounds: in. */
	CU_ASSERT_EQUAL(timing_case(195 * NC_MS, 1.0, &f), 0);
	fx_close(&f);
	CU_ASSERT_EQUAL(timing_case(444 * NC_MS, 1.0, &f), 0);
	fx_close(&f);
	/* One nanosecond outside either bound: out. */
	CU_ASSERT_EQUAL(timing_case(195 * NC_MS - 1, 1.0, &f), 1);
	fx_close(&f);
	CU_ASSERT_EQUAL(timing_case(444 * NC_MS + 1, 1.0, &f), 1);
	fx_close(&f);
	/* The message states the window asked for, the time and the allowed
	 * window. */
	timing_case(150 * NC_MS, 1.0, &f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "timing", 6,
		       "expected to return after 200.0 ms..400.0 ms, returned after 150.0 ms "
		       "(allowed 195.0 ms..444.0 ms with tolerances)");
	fx_close(&f);
	timing_case(2 * NC_SEC, 1.0, &f);
	EXPECT_FAILURE(&f.r, 0, "timing", 6,
		       "expected to return after 200.0 ms..400.0 ms, returned after 2.00 s "
		       "(allowed 195.0 ms..444.0 ms with tolerances)");
	fx_close(&f);
	/* With --timeout-scale 2 the late case is in, the early one still out. */
	CU_ASSERT_EQUAL(timing_case(888 * NC_MS, 2.0, &f), 0);
	fx_close(&f);
	CU_ASSERT_EQUAL_FATAL(timing_case(888 * NC_MS + 1, 2.0, &f), 1);
	EXPECT_HAS(f.r.failures[0].message, "(allowed 195.0 ms..888.0 ms with tolerances)");
	fx_close(&f);
	CU_ASSERT_EQUAL(timing_case(195 * NC_MS - 1, 2.0, &f), 1);
	fx_close(&f);

	/* `within D` is after 0..D: only late fails. */
	if (!fx_open(&f, TIMING, NC_FAM_INET))
		return;
	struct nc_fact *a = end_step(&f, NC_ROLE_SERVER, 3);
	set_received(a, "x", "x");
	a->t_start = 0;
	a->t_end = 114 * NC_MS + 1; /* 100 ms, a 4 ms tick and 10% allowed */
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "timing", 7,
		       "expected to return after 0 ns..100.0 ms, returned after 114.0 ms "
		       "(allowed 0 ns..114.0 ms with tolerances)");
	fx_close(&f);
	if (!fx_open(&f, TIMING, NC_FAM_INET))
		return;
	a = end_step(&f, NC_ROLE_SERVER, 3);
	set_received(a, "x", "x");
	a->t_start = 5;
	a->t_end = 5;
	run_step_checks(&f);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Endpoints */

static const char EP_UDP[] =
	"scenario t\n"                                            /* 1 */
	"transport udp\n"                                         /* 2 */
	"server\n"                                                /* 3 */
	"  bind loopback:0\n"                                     /* 4: step 0 */
	"  recvfrom 100 => \"a\" from client\n"                   /* 5: step 1 */
	"  recvfrom 100 => \"b\"\n"                               /* 6: step 2 */
	"  recvfrom 100 => \"c\" from 127.0.0.1:41234\n"          /* 7: step 3 */
	"  recvfrom 100 => \"d\" from loopback:41234\n"           /* 8: step 4 */
	"  recvfrom 100 => \"e\" from ::ffff:127.0.0.1\n"         /* 9: step 5 */
	"  recvfrom 100 => \"f\" from any:41234\n"                /* 10: step 6 */
	"client\n"                                                /* 11 */
	"  sendto \"a\" server\n";                                /* 12: step 0 */

/* Fills the server's receive step i with a datagram from peer. */
static void recv_from(struct fx *f, uint32_t i, struct nc_addr peer)
{
	struct nc_fact *a = end_step(f, NC_ROLE_SERVER, i);
	a->nbytes = 1;
	a->peer = peer;
	a->local = addr4("127.0.0.1", 50000);
}

static void test_endpoints_explicit(void)
{
	struct fx f;
	if (!fx_open(&f, EP_UDP, NC_FAM_INET))
		return;
	f.o.role[NC_ROLE_SERVER].ready = true;
	f.o.role[NC_ROLE_SERVER].ready_addr = addr4("127.0.0.1", 50000);
	/* The client's socket, as it reported it after its send. */
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr4("127.0.0.1", 41234);
	struct nc_addr good = addr4("127.0.0.1", 41234);
	for (uint32_t i = 1; i <= 6; i++)
		recv_from(&f, i, good);
	/* Except the one that asserts the mapped form. */
	f.o.role[NC_ROLE_SERVER].facts[5].peer = addr6("::ffff:127.0.0.1", 41234);
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* Now every one of them from elsewhere. */
	if (!fx_open(&f, EP_UDP, NC_FAM_INET))
		return;
	f.o.role[NC_ROLE_SERVER].ready = true;
	f.o.role[NC_ROLE_SERVER].ready_addr = addr4("127.0.0.1", 50000);
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr4("127.0.0.1", 41234);
	recv_from(&f, 1, addr4("127.0.0.1", 41235));
	recv_from(&f, 2, addr4("127.0.0.2", 41234));
	recv_from(&f, 3, addr6("::ffff:127.0.0.1", 41234));
	recv_from(&f, 4, addr4("127.0.0.1", 1));
	recv_from(&f, 5, addr4("127.0.0.1", 41234));
	recv_from(&f, 6, addr4("10.0.0.1", 41233));
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 6);
	EXPECT_FAILURE(&f.r, 0, "endpoint", 5,
		       "expected it from the client (127.0.0.1:41234), got it from 127.0.0.1:41235");
	/* The automatic cross-check, when the step says nothing. */
	EXPECT_FAILURE(&f.r, 1, "endpoint", 6,
		       "the server observed its peer as 127.0.0.2:41234, but the client's socket "
		       "reports 127.0.0.1:41234");
	/* An explicit literal is compared exactly: the mapped form is not the
	 * IPv4 one here. */
	EXPECT_FAILURE(&f.r, 2, "endpoint", 7,
		       "expected it from 127.0.0.1:41234, got it from [::ffff:127.0.0.1]:41234");
	EXPECT_FAILURE(&f.r, 3, "endpoint", 8,
		       "expected it from loopback, port 41234, got it from 127.0.0.1:1");
	EXPECT_FAILURE(&f.r, 4, "endpoint", 9,
		       "expected it from [::ffff:127.0.0.1]:41234, got it from 127.0.0.1:41234");
	EXPECT_FAILURE(&f.r, 5, "endpoint", 10,
		       "expected it from any address, port 41234, got it from 10.0.0.1:41233");
	fx_close(&f);

	/* The right port from the wrong host, and an IPv6 address whose first
	 * four bytes spell 127.0.0.1: neither is the IPv4 address asked for. */
	if (!fx_open(&f, EP_UDP, NC_FAM_INET))
		return;
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr4("127.0.0.1", 41234);
	recv_from(&f, 3, addr6("7f00:1::", 41234));
	recv_from(&f, 4, addr4("10.0.0.1", 41234));
	recv_from(&f, 6, addr6("::1", 41234));
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "endpoint", 7,
		       "expected it from 127.0.0.1:41234, got it from [7f00:1::]:41234");
	EXPECT_FAILURE(&f.r, 1, "endpoint", 8,
		       "expected it from loopback, port 41234, got it from 10.0.0.1:41234");
	fx_close(&f);
}

static void test_endpoints_auto(void)
{
	struct fx f;
	/* An unconnected datagram socket reports the wildcard: any host of
	 * its port matches, but not another port. */
	if (!fx_open(&f, EP_UDP, NC_FAM_INET))
		return;
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr4("0.0.0.0", 41234);
	recv_from(&f, 2, addr4("127.0.0.1", 41234));
	recv_from(&f, 1, addr4("127.0.0.5", 41234));
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	if (!fx_open(&f, EP_UDP, NC_FAM_INET))
		return;
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr4("0.0.0.0", 41234);
	recv_from(&f, 2, addr4("127.0.0.1", 41999));
	/* An IPv4 wildcard does not cover IPv6 peers. */
	recv_from(&f, 1, addr6("::1", 41234));
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "endpoint", 5,
		       "expected it from the client (0.0.0.0:41234), got it from [::1]:41234");
	EXPECT_FAILURE(&f.r, 1, "endpoint", 6,
		       "the server observed its peer as 127.0.0.1:41999, but the client's socket "
		       "reports 0.0.0.0:41234");
	fx_close(&f);

	/* Dual stack: the server sees the mapped form of the IPv4 client,
	 * which is the same endpoint; the dual-stack wildcard "::" matches an
	 * IPv4 peer too. */
	if (!fx_open(&f, EP_UDP, NC_FAM_DUAL))
		return;
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr4("127.0.0.1", 41234);
	recv_from(&f, 2, addr6("::ffff:127.0.0.1", 41234));
	recv_from(&f, 1, addr6("::ffff:127.0.0.1", 41234));
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
	if (!fx_open(&f, EP_UDP, NC_FAM_DUAL))
		return;
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr6("::", 41234);
	recv_from(&f, 2, addr4("127.0.0.1", 41234));
	recv_from(&f, 1, addr6("::ffff:127.0.0.1", 41234));
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* Several addresses known (a datagram sent from another socket): all
	 * are listed, and any matches. */
	if (!fx_open(&f, EP_UDP, NC_FAM_INET))
		return;
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr4("127.0.0.1", 41234);
	struct nc_role_obs *cli = &f.o.role[NC_ROLE_CLIENT];
	cli->dgrams = calloc(1, sizeof(*cli->dgrams));
	CU_ASSERT_FATAL(cli->dgrams != NULL);
	cli->ndgrams = 1;
	cli->dgrams[0].sent = true;
	cli->dgrams[0].local = addr6("::1", 7);
	recv_from(&f, 1, addr6("::1", 7));
	recv_from(&f, 2, addr6("::1", 8));
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "endpoint", 6,
		       "the server observed its peer as [::1]:8, but the client's socket reports "
		       "127.0.0.1:41234 or [::1]:7");
	fx_close(&f);

	/* Nothing known about the client (its only step reported an unbound
	 * socket, port 0): no automatic check; an explicit `from client` only
	 * requires loopback. */
	if (!fx_open(&f, EP_UDP, NC_FAM_INET))
		return;
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr4("0.0.0.0", 0);
	recv_from(&f, 2, addr4("10.1.1.1", 9));
	recv_from(&f, 1, addr4("10.1.1.1", 9));
	/* Steps that failed, or report no sender, are not judged here. */
	struct nc_fact *e = end_step(&f, NC_ROLE_SERVER, 3);
	e->err = EAGAIN;
	e->peer = addr4("10.0.0.1", 1);
	recv_from(&f, 4, addr4("127.0.0.1", 41234));
	f.o.role[NC_ROLE_SERVER].facts[4].peer.family = 0;
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "endpoint", 5, "expected the client on loopback, got 10.1.1.1:9");
	fx_close(&f);
}

static const char EP_TCP[] =
	"scenario t\n"                           /* 1 */
	"transport tcp\n"                        /* 2 */
	"server\n"                               /* 3 */
	"  bind loopback:0\n"                    /* 4 */
	"  listen\n"                             /* 5 */
	"  accept from client\n"                 /* 6: step 2 */
	"  recv 100 => \"x\"\n"                  /* 7: step 3 */
	"client\n"                               /* 8 */
	"  connect server\n"                     /* 9: step 0 */
	"  recv 100 => \"y\" from server\n"      /* 10: step 1 */
	"  send \"x\"\n";                        /* 11: step 2 */

static void test_endpoints_tcp(void)
{
	struct fx f;
	if (!fx_open(&f, EP_TCP, NC_FAM_INET6))
		return;
	struct nc_role_obs *srv = &f.o.role[NC_ROLE_SERVER];
	srv->ready = true;
	srv->ready_addr = addr6("::1", 50000);
	end_step(&f, NC_ROLE_SERVER, 0)->local = addr6("::1", 50000);
	struct nc_fact *c = end_step(&f, NC_ROLE_CLIENT, 0);
	c->local = addr6("::1", 41234);
	c->peer = addr6("::1", 50000);
	struct nc_fact *a = end_step(&f, NC_ROLE_SERVER, 2);
	a->peer = addr6("::1", 41234);
	a->local = addr6("::1", 50000);
	struct nc_fact *r = end_step(&f, NC_ROLE_CLIENT, 1);
	r->peer = addr6("::1", 50001);
	r->nbytes = 1;
	/* A stream receive reports the connection's peer: the automatic
	 * check applies to it too. */
	struct nc_fact *s = end_step(&f, NC_ROLE_SERVER, 3);
	s->peer = addr6("::1", 41234);
	s->nbytes = 1;
	nc_check_endpoints(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "endpoint", 10,
		       "expected it from the server ([::1]:50000), got it from [::1]:50001");
	fx_close(&f);

}

/* ------------------------------------------------------------------------ */
/* Roles */

static const char ROLES[] =
	"scenario t\n"                    /* 1 */
	"transport tcp\n"                 /* 2 */
	"server\n"                        /* 3 */
	"  bind loopback:0\n"             /* 4: step 0 */
	"  listen\n"                      /* 5: step 1 */
	"  accept\n"                      /* 6: step 2 */
	"  recv 1024 => \"hi\"\n"         /* 7: step 3 */
	"  close\n"                       /* 8: step 4 */
	"client\n"                        /* 9 */
	"  connect server\n"              /* 10: step 0 */
	"  send \"hi\"\n"                 /* 11: step 1 */
	"  close\n";                      /* 12: step 2 */

static void test_roles_fates(void)
{
	struct fx f;
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	all_done(&f);
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	CU_ASSERT_EQUAL(f.r.status, NC_STATUS_PASS);
	fx_close(&f);

	/* A crash inside a step names the step; a role that never started. */
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	struct nc_role_obs *srv = &f.o.role[NC_ROLE_SERVER], *cli = &f.o.role[NC_ROLE_CLIENT];
	for (uint32_t i = 0; i < 3; i++)
		end_step(&f, NC_ROLE_SERVER, i);
	srv->begun[3] = true;
	srv->fate = NC_FATE_SIGNALED;
	srv->signal = SIGSEGV;
	cli->fate = NC_FATE_NONE;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "crash", 7,
		       "the server role crashed: killed by SIGSEGV in step 'recv 1024 => \"hi\"' at "
		       "line 7");
	EXPECT_FAILURE(&f.r, 1, "spawn", 9, "the client role never started");
	CU_ASSERT(f.r.failures[0].harness && f.r.failures[1].harness);
	CU_ASSERT_EQUAL(f.r.status, NC_STATUS_ERROR);
	fx_close(&f);

	/* Crashes between steps, and spawn failures with their reason. */
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	srv = &f.o.role[NC_ROLE_SERVER];
	cli = &f.o.role[NC_ROLE_CLIENT];
	srv->fate = NC_FATE_SIGNALED;
	srv->signal = SIGABRT;
	cli->fate = NC_FATE_SPAWN_FAILED;
	snprintf(cli->spawn_error, sizeof(cli->spawn_error), "fork: Resource temporarily unavailable");
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "crash", 3,
		       "the server role crashed: killed by SIGABRT before its first step");
	EXPECT_FAILURE(&f.r, 1, "spawn", 9,
		       "the client role could not start: fork: Resource temporarily unavailable");
	fx_close(&f);

	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	srv = &f.o.role[NC_ROLE_SERVER];
	cli = &f.o.role[NC_ROLE_CLIENT];
	end_step(&f, NC_ROLE_SERVER, 0);
	srv->fate = NC_FATE_SIGNALED;
	srv->signal = SIGKILL;
	cli->fate = NC_FATE_NONE;
	snprintf(cli->spawn_error, sizeof(cli->spawn_error), "the server never became ready");
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "crash", 3,
		       "the server role crashed: killed by SIGKILL after its last finished step");
	EXPECT_FAILURE(&f.r, 1, "spawn", 9,
		       "the client role never started: the server never became ready");
	fx_close(&f);
}

static void test_roles_deadline(void)
{
	struct fx f;
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	struct nc_role_obs *srv = &f.o.role[NC_ROLE_SERVER], *cli = &f.o.role[NC_ROLE_CLIENT];
	end_step(&f, NC_ROLE_SERVER, 0);
	end_step(&f, NC_ROLE_SERVER, 1);
	srv->begun[2] = true;
	srv->begin_t[2] = 100 * NC_MS;
	srv->fate = NC_FATE_KILLED;
	srv->signal = SIGKILL;
	srv->killed_at_step = 2;
	srv->end_t = 2100 * NC_MS;
	snprintf(srv->deadline_what, sizeof(srv->deadline_what), "the scenario timeout (2.00 s)");
	cli->fate = NC_FATE_EXITED;
	cli->exit_status = 0;
	cli->done = true;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "deadline", 6,
		       "the server role was blocked in step 'accept' at line 6 for 2.00 s and was "
		       "stopped at the scenario timeout (2.00 s)");
	CU_ASSERT_EQUAL(f.r.status, NC_STATUS_ERROR);
	fx_close(&f);

	/* The supervisor's account of the blocked step is used even when the
	 * role's STEP_BEGIN record never arrived. */
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	srv = &f.o.role[NC_ROLE_SERVER];
	end_step(&f, NC_ROLE_SERVER, 0);
	end_step(&f, NC_ROLE_SERVER, 1);
	srv->begin_t[2] = 500 * NC_MS;
	srv->fate = NC_FATE_KILLED;
	srv->killed_at_step = 2;
	srv->end_t = 1500 * NC_MS;
	snprintf(srv->deadline_what, sizeof(srv->deadline_what), "the scenario timeout (1.50 s)");
	f.o.role[NC_ROLE_CLIENT].fate = NC_FATE_STOPPED;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "deadline", 6,
		       "the server role was blocked in step 'accept' at line 6 for 1.00 s and was "
		       "stopped at the scenario timeout (1.50 s)");
	fx_close(&f);

	/* Killed without a known step: the step in progress, if any. */
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	cli = &f.o.role[NC_ROLE_CLIENT];
	end_step(&f, NC_ROLE_CLIENT, 0);
	cli->begun[1] = true;
	cli->begin_t[1] = 50 * NC_MS;
	cli->fate = NC_FATE_KILLED;
	cli->end_t = 300 * NC_MS;
	snprintf(cli->deadline_what, sizeof(cli->deadline_what), "its step deadline (250.0 ms)");
	f.o.role[NC_ROLE_SERVER].fate = NC_FATE_STOPPED;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "deadline", 11,
		       "the client role was blocked in step 'send \"hi\"' at line 11 for 250.0 ms and "
		       "was stopped at its step deadline (250.0 ms)");
	fx_close(&f);

	/* Stopped at the timeout in its receive, which then returned (the
	 * peer's end closed the connection) before the role itself went: the
	 * receive is still where it was blocked. */
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	srv = &f.o.role[NC_ROLE_SERVER];
	for (uint32_t i = 0; i < 4; i++)
		end_step(&f, NC_ROLE_SERVER, i);
	srv->begin_t[3] = 100 * NC_MS;
	srv->fate = NC_FATE_KILLED;
	srv->killed_at_step = 3;
	srv->end_t = 5100 * NC_MS;
	snprintf(srv->deadline_what, sizeof(srv->deadline_what), "the scenario timeout (5.00 s)");
	f.o.role[NC_ROLE_CLIENT].fate = NC_FATE_EXITED;
	f.o.role[NC_ROLE_CLIENT].done = true;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "deadline", 7,
		       "the server role was blocked in step 'recv 1024 => \"hi\"' at line 7 for 5.00 s "
		       "and was stopped at the scenario timeout (5.00 s)");
	fx_close(&f);
}

/* A role stopped because the variant had already failed is named in the
 * step it was left in; one that had finished the step it was recorded in
 * when the stop came, and began no other, gets no line of its own. */
static void test_roles_cut(void)
{
	struct fx f;
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	struct nc_role_obs *srv = &f.o.role[NC_ROLE_SERVER];
	for (uint32_t i = 0; i < 3; i++)
		end_step(&f, NC_ROLE_SERVER, i);
	srv->begun[3] = true;
	srv->begin_t[3] = 10 * NC_MS;
	srv->fate = NC_FATE_CUT;
	srv->consequence = true;
	srv->killed_at_step = 2; /* recorded at the stop; its end came after */
	srv->end_t = 20 * NC_MS;
	snprintf(srv->deadline_what, sizeof(srv->deadline_what), "the client's failure at line 11");
	f.o.role[NC_ROLE_CLIENT].fate = NC_FATE_EXITED;
	f.o.role[NC_ROLE_CLIENT].done = true;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "stopped", 7,
		       "the server role was stopped in step 'recv 1024 => \"hi\"' at line 7, because "
		       "of the client's failure at line 11");
	CU_ASSERT_TRUE(f.r.failures[0].consequence);
	fx_close(&f);

	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	srv = &f.o.role[NC_ROLE_SERVER];
	for (uint32_t i = 0; i < 3; i++)
		end_step(&f, NC_ROLE_SERVER, i);
	srv->fate = NC_FATE_CUT;
	srv->consequence = true;
	srv->killed_at_step = 2;
	f.o.role[NC_ROLE_CLIENT].fate = NC_FATE_EXITED;
	f.o.role[NC_ROLE_CLIENT].done = true;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
}

static void test_roles_exits(void)
{
	struct fx f;
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	struct nc_role_obs *srv = &f.o.role[NC_ROLE_SERVER], *cli = &f.o.role[NC_ROLE_CLIENT];
	/* Exited without DONE after its second step. */
	end_step(&f, NC_ROLE_SERVER, 0);
	end_step(&f, NC_ROLE_SERVER, 1);
	srv->fate = NC_FATE_EXITED;
	srv->exit_status = 1;
	/* Status 3: the harness failed inside the role. */
	cli->fate = NC_FATE_EXITED;
	cli->exit_status = 3;
	cli->begun[0] = true;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "crash", 3,
		       "the server role exited early (status 1) after its last finished step");
	CU_ASSERT(f.r.failures[0].harness);
	CU_ASSERT(f.r.failures[1].harness);
	CU_ASSERT_EQUAL(f.r.status, NC_STATUS_ERROR);
	EXPECT_FAILURE(&f.r, 1, "harness", 10,
		       "the client role failed inside netconform in step 'connect server' at line 10");
	fx_close(&f);

	/* Malformed records win over the exit status. */
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	all_done(&f);
	f.o.role[NC_ROLE_CLIENT].records_bad = true;
	f.o.role[NC_ROLE_CLIENT].exit_status = 3;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "harness", 9, "the client role sent malformed records");
	fx_close(&f);

	/* Interrupted runs say where each role was. */
	if (!fx_open(&f, ROLES, NC_FAM_INET))
		return;
	f.o.role[NC_ROLE_SERVER].fate = NC_FATE_INTERRUPTED;
	f.o.role[NC_ROLE_SERVER].begun[0] = true;
	f.o.role[NC_ROLE_CLIENT].fate = NC_FATE_INTERRUPTED;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "interrupted", 4,
		       "the run was interrupted while the server role was in step 'bind loopback:0' "
		       "at line 4");
	EXPECT_FAILURE(&f.r, 1, "interrupted", 9,
		       "the run was interrupted while the client role was before its first step");
	fx_close(&f);

	/* A role that is absent from the scenario is not judged. */
	if (!fx_open(&f, "scenario t\ntransport tcp\nclient\n  connect unused => error ECONNREFUSED\n",
		     NC_FAM_INET))
		return;
	f.o.role[NC_ROLE_CLIENT].fate = NC_FATE_EXITED;
	f.o.role[NC_ROLE_CLIENT].done = true;
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Programs */

static const char PROG[] =
	"scenario prog\n"                                                              /* 1 */
	"transport udp\n"                                                              /* 2 */
	"server exec udp-receiver ${server.port}\n"                                    /* 3 */
	"  ready bound\n"                                                              /* 4 */
	"  exit 0\n"                                                                   /* 5 */
	"  stdout line \"received message:hello from port ${client.port} on ${client.addr}\"\n" /* 6 */
	"  stdout contains \"hello\"\n"                                                /* 7 */
	"  stderr regex \"^warn: [0-9]+$\"\n"                                          /* 8 */
	"client\n"                                                                     /* 9 */
	"  sendto \"hello\" server\n";                                                 /* 10 */

/* The program server's observation: ready on 127.0.0.1:50000, client sent
 * from 127.0.0.1:41234, and the given outputs. */
static bool prog_fx(struct fx *f, const char *out, const char *err)
{
	if (!fx_open(f, PROG, NC_FAM_INET))
		return false;
	struct nc_role_obs *srv = &f->o.role[NC_ROLE_SERVER];
	srv->ready = true;
	srv->ready_addr = addr4("127.0.0.1", 50000);
	srv->started = true;
	srv->fate = NC_FATE_EXITED;
	srv->exit_status = 0;
	nc_buf_adds(&srv->out[1], out);
	nc_buf_adds(&srv->out[2], err);
	end_step(f, NC_ROLE_CLIENT, 0)->local = addr4("127.0.0.1", 41234);
	f->o.role[NC_ROLE_CLIENT].fate = NC_FATE_EXITED;
	f->o.role[NC_ROLE_CLIENT].done = true;
	return true;
}

static void test_programs_output(void)
{
	struct fx f;
	/* Lines may end with CRLF; the regex applies per line. */
	if (!prog_fx(&f, "starting\r\nreceived message:hello from port 41234 on 127.0.0.1\r\nbye",
		     "note\nwarn: 42\nmore\n"))
		return;
	nc_check_programs(&f.o, &f.r);
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* The last line needs no newline. */
	if (!prog_fx(&f, "received message:hello from port 41234 on 127.0.0.1", "warn: 7"))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* A line that only starts with the text, another port, no match. */
	if (!prog_fx(&f, "received message:hello from port 41234 on 127.0.0.1 extra\n"
			 "received message:hello from port 41235 on 127.0.0.1\n",
		     "warn: x\nwarn: 12\n"))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "output", 6,
		       "expected a line \"received message:hello from port 41234 on 127.0.0.1\" in "
		       "the server program's stdout");
	EXPECT_HAS(f.r.failures[0].detail, "stdout (110 bytes):\nreceived message:hello from port "
					   "41234 on 127.0.0.1 extra\n");
	CU_ASSERT_FALSE(f.r.failures[0].harness);
	fx_close(&f);

	/* Nothing printed: every output check fails, regex and contains
	 * included. */
	if (!prog_fx(&f, "", ""))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 3);
	EXPECT_FAILURE(&f.r, 1, "output", 7,
		       "expected text containing \"hello\" in the server program's stdout");
	EXPECT_FAILURE(&f.r, 2, "output", 8,
		       "expected a line matching \"^warn: [0-9]+$\" in the server program's stderr");
	EXPECT_HAS(f.r.failures[2].detail, "stderr (0 bytes):\n");
	fx_close(&f);

	/* Long output is shown only in part. */
	if (!prog_fx(&f, "", "warn: 1\n"))
		return;
	struct nc_buf *out = &f.o.role[NC_ROLE_SERVER].out[1];
	for (int i = 0; i < 500; i++)
		nc_buf_adds(out, "0123456789");
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_HAS(f.r.failures[0].detail, "stdout (5000 bytes):\n0123456789");
	EXPECT_HAS(f.r.failures[0].detail, "\n... 2952 more bytes");
	fx_close(&f);
}

static void test_programs_vars(void)
{
	/* The client never ran, so ${client.port} has no value: the output
	 * check cannot be made, which is the scenario's problem. */
	struct fx f;
	if (!fx_open(&f, PROG, NC_FAM_INET))
		return;
	struct nc_role_obs *srv = &f.o.role[NC_ROLE_SERVER];
	srv->fate = NC_FATE_STOPPED;
	srv->ready = true;
	srv->ready_addr = addr4("127.0.0.1", 50000);
	nc_buf_adds(&srv->out[1], "hello\n");
	nc_buf_adds(&srv->out[2], "warn: 1\n");
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "exit", 5,
		       "expected the server program to exit with status 0; it was still running "
		       "after the client finished, and was stopped");
	EXPECT_FAILURE(&f.r, 1, "scenario", 6,
		       "cannot check the server program's stdout: variable ${client.port} has no value");
	CU_ASSERT(f.r.failures[1].harness);
	CU_ASSERT_EQUAL(f.r.status, NC_STATUS_ERROR);
	fx_close(&f);

	/* A server program that exited before it was ready still had its
	 * port: its output is checked with it, not refused for want of it. */
	static const char early[] =
		"scenario prog\ntransport udp\n"
		"server exec udp-receiver ${server.port}\n"
		"  stdout line \"cannot bind ${server.hostport}\"\n"
		"client\n  sendto \"hello\" server\n";
	if (!fx_open(&f, early, NC_FAM_INET6))
		return;
	srv = &f.o.role[NC_ROLE_SERVER];
	srv->started = true;
	srv->fate = NC_FATE_EXITED;
	srv->exit_status = 0;
	srv->program_port = 4321;
	nc_buf_adds(&srv->out[1], "cannot bind [::1]:4321\n");
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* The variables as the checks see them. */
	if (!prog_fx(&f, "", ""))
		return;
	struct nc_varctx v;
	char store[NC_VAR_COUNT][NC_VAR_LEN];
	f.o.unused_port = 9;
	/* A wildcard client address reads as the server's host. */
	f.o.role[NC_ROLE_CLIENT].facts[0].local = addr4("0.0.0.0", 41234);
	nc_observed_vars(&f.o, &v, store);
	CU_ASSERT_STRING_EQUAL(v.val[NC_VAR_SERVER_ADDR], "127.0.0.1");
	CU_ASSERT_STRING_EQUAL(v.val[NC_VAR_SERVER_PORT], "50000");
	CU_ASSERT_STRING_EQUAL(v.val[NC_VAR_CLIENT_ADDR], "127.0.0.1");
	CU_ASSERT_STRING_EQUAL(v.val[NC_VAR_CLIENT_PORT], "41234");
	CU_ASSERT_STRING_EQUAL(v.val[NC_VAR_FAMILY], "inet");
	CU_ASSERT_STRING_EQUAL(v.val[NC_VAR_SCENARIO], "prog");
	CU_ASSERT_STRING_EQUAL(v.val[NC_VAR_UNUSED_PORT], "9");
	CU_ASSERT_STRING_EQUAL(v.val[NC_VAR_SERVER_HOSTPORT], "127.0.0.1:50000");
	CU_ASSERT_STRING_EQUAL(v.val[NC_VAR_CLIENT_HOSTPORT], "127.0.0.1:41234");
	fx_close(&f);

	/* A program's output is checked with the addresses as its own sockets
	 * have them: in a dual variant the server program sees its IPv4 client
	 * as ::ffff:127.0.0.1, and ${client.hostport} brackets it. */
	static const char dual[] =
		"scenario prog\ntransport udp\nfamily dual\n"
		"server exec udp-receiver ${server.port}\n"
		"  stdout line \"from ${client.hostport} on ${server.hostport}\"\n"
		"  stdout line \"peer ${client.addr}\"\n"
		"client\n  sendto \"hello\" server\n";
	if (!fx_open(&f, dual, NC_FAM_DUAL))
		return;
	struct nc_role_obs *ds = &f.o.role[NC_ROLE_SERVER];
	ds->ready = true;
	ds->started = true;
	ds->fate = NC_FATE_STOPPED;
	ds->ready_addr = addr6("::ffff:127.0.0.1", 50000);
	nc_buf_adds(&ds->out[1], "from [::ffff:127.0.0.1]:41234 on [::ffff:127.0.0.1]:50000\n"
				 "peer ::ffff:127.0.0.1\n");
	end_step(&f, NC_ROLE_CLIENT, 0)->local = addr4("127.0.0.1", 41234);
	f.o.role[NC_ROLE_CLIENT].fate = NC_FATE_EXITED;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
}

/* A server program whose output expectations are the given lines, with
 * the given stdout and stderr; its client ran from 127.0.0.1:41234. */
static bool out_fx(struct fx *f, const char *options, const char *out, size_t nout,
		   const char *err)
{
	char text[2048];
	snprintf(text, sizeof(text), "scenario prog\ntransport udp\n"
		 "server exec udp-receiver ${server.port}\n%sclient\n  sendto \"hello\" server\n",
		 options);
	if (!fx_open(f, text, NC_FAM_INET))
		return false;
	struct nc_role_obs *srv = &f->o.role[NC_ROLE_SERVER];
	srv->ready = true;
	srv->ready_addr = addr4("127.0.0.1", 50000);
	srv->started = true;
	srv->fate = NC_FATE_STOPPED;
	nc_buf_add(&srv->out[1], out, nout);
	nc_buf_adds(&srv->out[2], err);
	end_step(f, NC_ROLE_CLIENT, 0)->local = addr4("127.0.0.1", 41234);
	f->o.role[NC_ROLE_CLIENT].fate = NC_FATE_EXITED;
	return true;
}

/* Line expectations of a stream match in the order written, each after
 * the line the one before it matched; the other kinds look at all of it. */
static void test_programs_order(void)
{
	static const char two[] = "  stdout line \"first\"\n"   /* 4 */
				  "  stdout line \"second\"\n"; /* 5 */
	struct fx f;
	/* In order, with other lines around and between them. */
	static const char ok[] = "starting\nfirst\nnoise\nsecond\nbye\n";
	if (!out_fx(&f, two, ok, strlen(ok), ""))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* The same lines the other way round. */
	static const char rev[] = "second\nnoise\nfirst\n";
	if (!out_fx(&f, two, rev, strlen(rev), ""))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "output", 5,
		       "expected a line \"second\" in the server program's stdout after \"first\" "
		       "(its line 3), but it comes only before, at line 1");
	EXPECT_HAS(f.r.failures[0].detail, "stdout (19 bytes):\nsecond\nnoise\nfirst\n");
	fx_close(&f);

	/* One line cannot serve two expectations, and a line missing
	 * altogether is said to be missing. */
	static const char dup[] = "  stdout line \"ok\"\n  stdout line \"ok\"\n"
				  "  stdout line \"never\"\n";
	if (!out_fx(&f, dup, "ok\n", 3, ""))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "output", 5, "expected a line \"ok\" in the server program's "
		       "stdout after \"ok\" (its line 1), but it comes only before, at line 1");
	EXPECT_FAILURE(&f.r, 1, "output", 6, "expected a line \"never\" in the server program's "
		       "stdout");
	fx_close(&f);
	if (!out_fx(&f, dup, "ok\nok\r\nnever", 12, ""))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* Each stream has its order; contains, regex and lacks look at the
	 * whole output, wherever the lines matched. */
	static const char mixed[] = "  stdout line \"b\"\n"
				    "  stderr line \"y\"\n"
				    "  stdout contains \"a\"\n"
				    "  stderr regex \"^x$\"\n"
				    "  stderr line \"z\"\n"
				    "  stdout lacks \"c\"\n";
	if (!out_fx(&f, mixed, "a\nb\n", 4, "x\ny\r\nz\n"))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
}

/* Output is matched as bytes, a NUL byte like any other, and shown with
 * such bytes escaped. */
static void test_programs_bytes(void)
{
	static const char nul[] = "  stdout line \"a\\0b\"\n"         /* 4 */
				  "  stdout contains \"\\0\\x01\"\n"    /* 5 */
				  "  stdout regex \"^a[^c]b$\"\n";      /* 6 */
	struct fx f;
	if (!out_fx(&f, nul, "x\0\x01y\na\0b\n", 9, ""))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* Without the NUL, the line is another one. */
	if (!out_fx(&f, nul, "ab\n\x01\n", 5, ""))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 3);
	EXPECT_FAILURE(&f.r, 0, "output", 4,
		       "expected a line \"a\\x00b\" in the server program's stdout");
	EXPECT_FAILURE(&f.r, 1, "output", 5,
		       "expected text containing \"\\x00\\x01\" in the server program's stdout");
	EXPECT_HAS(f.r.failures[0].detail, "stdout (5 bytes):\nab\n\\x01\n");
	fx_close(&f);

	/* A line with a NUL in the middle is one line: the text after it
	 * counts. */
	if (!out_fx(&f, "  stdout line \"tail\"\n", "head\0tail\n", 10, ""))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_HAS(f.r.failures[0].detail, "stdout (10 bytes):\nhead\\x00tail\n");
	fx_close(&f);
}

/* 'lacks': the text must appear nowhere; a failure quotes the line it is
 * on. */
static void test_programs_lacks(void)
{
	static const char lacks[] = "  stderr lacks \"error\"\n"          /* 4 */
				    "  stdout lacks \"${client.port}\"\n"; /* 5 */
	struct fx f;
	if (!out_fx(&f, lacks, "from port 41235\n", 16, "warning: low\nerr or\n"))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	if (!out_fx(&f, lacks, "one\nfrom port 41234\r\n", 21, "ok\nfatal error: \x1b[1mno\n"))
		return;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "output", 4, "expected no \"error\" in the server program's "
		       "stderr, but its line 2 has it: \"fatal error: \\x1b[1mno\"");
	EXPECT_FAILURE(&f.r, 1, "output", 5, "expected no \"41234\" in the server program's "
		       "stdout, but its line 2 has it: \"from port 41234\"");
	EXPECT_HAS(f.r.failures[0].detail, "stderr (23 bytes):\nok\nfatal error: \\x1b[1mno\n");
	EXPECT_HAS(f.r.failures[1].detail, "stdout (21 bytes):\none\nfrom port 41234\\r\n");
	fx_close(&f);
}

static void test_programs_exit(void)
{
	struct fx f;
	const char *ok_out = "received message:hello from port 41234 on 127.0.0.1\n";
	/* exit 0 expected: another status, a signal. */
	if (!prog_fx(&f, ok_out, "warn: 1\n"))
		return;
	f.o.role[NC_ROLE_SERVER].exit_status = 1;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "exit", 5,
		       "expected the server program to exit with status 0; it exited with status 1");
	CU_ASSERT_EQUAL(f.r.status, NC_STATUS_FAIL);
	fx_close(&f);
	if (!prog_fx(&f, ok_out, "warn: 1\n"))
		return;
	f.o.role[NC_ROLE_SERVER].fate = NC_FATE_SIGNALED;
	f.o.role[NC_ROLE_SERVER].signal = SIGSEGV;
	nc_check_programs(&f.o, &f.r);
	nc_check_roles(&f.o, &f.r);
	/* Judged once, by the program check, as a crash. */
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "crash", 5,
		       "expected the server program to exit with status 0; it was killed by SIGSEGV");
	fx_close(&f);

	/* Fates reported by the role checks are not judged again here, and
	 * a program that never started has no output to check. */
	if (!prog_fx(&f, "", ""))
		return;
	f.o.role[NC_ROLE_SERVER].fate = NC_FATE_SPAWN_FAILED;
	snprintf(f.o.role[NC_ROLE_SERVER].spawn_error, sizeof(f.o.role[0].spawn_error),
		 "exec udp-receiver: No such file or directory");
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "spawn", 3,
		       "the server program could not start: exec udp-receiver: No such file or "
		       "directory");
	fx_close(&f);
	if (!prog_fx(&f, "", ""))
		return;
	struct nc_role_obs *srv = &f.o.role[NC_ROLE_SERVER];
	srv->fate = NC_FATE_KILLED;
	snprintf(srv->deadline_what, sizeof(srv->deadline_what), "its deadline (1.00 s)");
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "deadline", 3,
		       "the server program was still running at its deadline (1.00 s); it was stopped");
	fx_close(&f);
	if (!prog_fx(&f, "", ""))
		return;
	f.o.role[NC_ROLE_SERVER].fate = NC_FATE_INTERRUPTED;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	nc_check_roles(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "interrupted", 3,
		       "the run was interrupted while the server program was running");
	fx_close(&f);

	/* Without an exit line, a server may serve until stopped or exit 0;
	 * a client must exit 0. */
	static const char NOEXIT[] =
		"scenario p\n"                         /* 1 */
		"transport tcp\n"                      /* 2 */
		"server exec tcp-server\n"             /* 3 */
		"client exec tcp-client ${server.port}\n"; /* 4 */
	enum nc_fate fates[] = { NC_FATE_STOPPED, NC_FATE_EXITED, NC_FATE_EXITED };
	int statuses[] = { 0, 0, 2 };
	for (int k = 0; k < 3; k++) {
		if (!fx_open(&f, NOEXIT, NC_FAM_INET))
			return;
		f.o.role[NC_ROLE_SERVER].fate = fates[k];
		f.o.role[NC_ROLE_SERVER].exit_status = statuses[k];
		f.o.role[NC_ROLE_CLIENT].fate = NC_FATE_EXITED;
		f.o.role[NC_ROLE_CLIENT].exit_status = statuses[k];
		nc_check_programs(&f.o, &f.r);
		if (k < 2) {
			EXPECT_COUNT(&f.r, k == 0 ? 0 : 0);
		} else {
			EXPECT_COUNT(&f.r, 2);
			EXPECT_FAILURE(&f.r, 0, "exit", 3,
				       "expected the server program to serve until stopped or exit "
				       "with status 0; it exited with status 2");
			EXPECT_FAILURE(&f.r, 1, "exit", 4,
				       "expected the client program to exit with status 0; it exited "
				       "with status 2");
		}
		fx_close(&f);
	}
	/* A stopped client program is not fine. */
	if (!fx_open(&f, NOEXIT, NC_FAM_INET))
		return;
	f.o.role[NC_ROLE_SERVER].fate = NC_FATE_STOPPED;
	f.o.role[NC_ROLE_CLIENT].fate = NC_FATE_STOPPED;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "exit", 4,
		       "expected the client program to exit with status 0; it was still running "
		       "after the client finished, and was stopped");
	fx_close(&f);

	/* exit signal SIGTERM. */
	static const char SIG[] =
		"scenario p\n"                 /* 1 */
		"transport tcp\n"              /* 2 */
		"server exec tcp-server\n"     /* 3 */
		"  exit signal SIGTERM\n"      /* 4 */
		"client\n"                     /* 5 */
		"  connect server\n";          /* 6 */
	if (!fx_open(&f, SIG, NC_FAM_INET))
		return;
	f.o.role[NC_ROLE_SERVER].fate = NC_FATE_SIGNALED;
	f.o.role[NC_ROLE_SERVER].signal = SIGTERM;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
	if (!fx_open(&f, SIG, NC_FAM_INET))
		return;
	f.o.role[NC_ROLE_SERVER].fate = NC_FATE_EXITED;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "exit", 4,
		       "expected the server program to be killed by SIGTERM; it exited with status 0");
	fx_close(&f);
	if (!fx_open(&f, SIG, NC_FAM_INET))
		return;
	f.o.role[NC_ROLE_SERVER].fate = NC_FATE_SIGNALED;
	f.o.role[NC_ROLE_SERVER].signal = SIGINT;
	nc_check_programs(&f.o, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "crash", 4,
		       "expected the server program to be killed by SIGTERM; it was killed by SIGINT");
	fx_close(&f);
}

/* ------------------------------------------------------------------------ */
/* Wire: families and datagrams */

static const char WIRE_UDP[] =
	"scenario t\n"                        /* 1 */
	"transport udp\n"                     /* 2 */
	"server\n"                            /* 3 */
	"  bind loopback:0\n"                 /* 4: step 0 */
	"  recvfrom 100 => \"hello\"\n"       /* 5: step 1 */
	"client\n"                            /* 6 */
	"  sendto \"hello\" server\n";        /* 7: step 0 */

static void test_wire_family(void)
{
	struct fx f;
	struct nc_addr c4 = addr4("127.0.0.1", 41234), s4 = addr4("127.0.0.1", 50000);
	struct nc_addr c6 = addr6("::1", 41234), s6 = addr6("::1", 50000);
	struct ep c4e = ep_of(&c4), s4e = ep_of(&s4), c6e = ep_of(&c6), s6e = ep_of(&s6);
	struct frame fr;

	/* An inet6 variant that sent IPv4. */
	if (!fx_open(&f, WIRE_UDP, NC_FAM_INET6))
		return;
	udp_frame(&fr, &c4e, &s4e, "hello", 5);
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_auto(&f.o, f.w, &f.r);
	CU_ASSERT_FATAL(f.r.nfailures >= 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 0,
		       "the inet6 variant put 1 IPv4 packet on the wire (first: #1 "
		       "127.0.0.1.41234 > 127.0.0.1.50000: UDP, length 5)");
	fx_close(&f);

	/* An inet (or dual) variant that sent IPv6, counted and the first
	 * shown. */
	enum nc_family fams[] = { NC_FAM_INET, NC_FAM_DUAL };
	for (int k = 0; k < 2; k++) {
		if (!fx_open(&f, WIRE_UDP, fams[k]))
			return;
		udp_frame(&fr, &c4e, &s4e, "x", 1);
		feed(&f, &fr);
		udp_frame(&fr, &c6e, &s6e, "hello", 5);
		feed(&f, &fr);
		udp_frame(&fr, &s6e, &c6e, "bye", 3);
		feed(&f, &fr);
		finish(&f);
		nc_check_wire_auto(&f.o, f.w, &f.r);
		CU_ASSERT_FATAL(f.r.nfailures >= 1);
		EXPECT_FAILURE(&f.r, 0, "wire", 0,
			       k == 0 ? "the inet variant put 2 IPv6 packets on the wire (first: #2 "
					"::1.41234 > ::1.50000: UDP, length 5)"
				      : "the dual variant put 2 IPv6 packets on the wire (first: #2 "
					"::1.41234 > ::1.50000: UDP, length 5)");
		fx_close(&f);
	}

	/* Pure traffic: nothing to say. */
	if (!fx_open(&f, WIRE_UDP, NC_FAM_INET6))
		return;
	hello_dgrams(&f, true, "hello");
	udp_frame(&fr, &c6e, &s6e, "hello", 5);
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);
}

static void test_wire_datagrams(void)
{
	struct fx f;
	struct nc_addr c4 = addr4("127.0.0.1", 41234), s4 = addr4("127.0.0.1", 50000);
	struct ep ce = ep_of(&c4), se = ep_of(&s4);
	struct frame fr;

	/* Sent and received, once each, with the same bytes: fine. */
	if (!fx_open(&f, WIRE_UDP, NC_FAM_INET))
		return;
	hello_dgrams(&f, false, "hello");
	udp_frame(&fr, &ce, &se, "hello", 5);
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* Missing from the wire: both the send and the receive are named. */
	if (!fx_open(&f, WIRE_UDP, NC_FAM_INET))
		return;
	hello_dgrams(&f, false, "hello");
	finish(&f);
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "wire", 5,
		       "the server received a 5-byte datagram (127.0.0.1.41234 > 127.0.0.1.50000) "
		       "that does not appear on the wire");
	EXPECT_FAILURE(&f.r, 1, "wire", 7,
		       "the client sent a 5-byte datagram (127.0.0.1.41234 > 127.0.0.1.50000) that "
		       "does not appear on the wire");
	EXPECT_HAS(f.r.failures[1].detail, "no packets were captured");
	fx_close(&f);

	/* Other bytes of the same length, and another length. */
	if (!fx_open(&f, WIRE_UDP, NC_FAM_INET))
		return;
	hello_dgrams(&f, false, "hello");
	udp_frame(&fr, &ce, &se, "hellx", 5);
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_auto(&f.o, f.w, &f.r);
	CU_ASSERT_FATAL(f.r.nfailures >= 2);
	EXPECT_FAILURE(&f.r, 1, "wire", 7,
		       "the client sent a 5-byte datagram (127.0.0.1.41234 > 127.0.0.1.50000), but "
		       "the wire shows #1 with 5 bytes of other content");
	EXPECT_HAS(f.r.failures[1].detail, "> #1 127.0.0.1.41234 > 127.0.0.1.50000: UDP, length 5");
	fx_close(&f);
	if (!fx_open(&f, WIRE_UDP, NC_FAM_INET))
		return;
	hello_dgrams(&f, false, "hello");
	udp_frame(&fr, &ce, &se, "hello!", 6);
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_auto(&f.o, f.w, &f.r);
	CU_ASSERT_FATAL(f.r.nfailures >= 2);
	EXPECT_FAILURE(&f.r, 1, "wire", 7,
		       "the client sent a 5-byte datagram (127.0.0.1.41234 > 127.0.0.1.50000), but "
		       "the wire shows #1 with 6 bytes");
	fx_close(&f);

	/* Twice on the wire for one send: the second copy is reported. */
	if (!fx_open(&f, WIRE_UDP, NC_FAM_INET))
		return;
	hello_dgrams(&f, false, "hello");
	udp_frame(&fr, &ce, &se, "hello", 5);
	feed(&f, &fr);
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 0,
		       "datagram #2 (5 bytes) from the client's socket matches no send of the client: "
		       "127.0.0.1.41234 > 127.0.0.1.50000: UDP, length 5");
	EXPECT_HAS(f.r.failures[0].detail, "> #2 127.0.0.1.41234");
	fx_close(&f);

	/* A UDP length field that disagrees with the IP payload. */
	if (!fx_open(&f, WIRE_UDP, NC_FAM_INET))
		return;
	/* A length field larger than the IP payload: the decoder keeps the
	 * IP payload's length and flags the packet. */
	udp_frame(&fr, &ce, &se, "hello", 5);
	set16(&fr, 14 + 20 + 4, 30);
	feed(&f, &fr);
	finish(&f);
	nc_check_wire_auto(&f.o, f.w, &f.r);
	CU_ASSERT_FATAL(f.r.nfailures >= 2);
	EXPECT_HAS(f.r.failures[0].message, "1 captured packet did not decode cleanly (first: #1 ");
	EXPECT_FAILURE(&f.r, 1, "wire", 0, "datagram #1 has UDP length 30 for 5 payload bytes");
	fx_close(&f);
}

static void test_wire_fragments(void)
{
	/* A 3000-byte datagram over IPv6 in three fragments, captured last,
	 * first, middle: reassembled, it is the datagram the client sent. */
	enum { N = 3000 };
	uint8_t dgram[8 + N];
	for (size_t i = 0; i < N; i++)
		dgram[8 + i] = (uint8_t)(i * 7 + 3);
	struct nc_addr c6 = addr6("::1", 41234), s6 = addr6("::1", 50000);
	struct ep ce = ep_of(&c6), se = ep_of(&s6);
	dgram[0] = (uint8_t)(41234 >> 8);
	dgram[1] = (uint8_t)(41234 & 0xff);
	dgram[2] = (uint8_t)(50000 >> 8);
	dgram[3] = (uint8_t)(50000 & 0xff);
	dgram[4] = (uint8_t)((8 + N) >> 8);
	dgram[5] = (uint8_t)((8 + N) & 0xff);
	dgram[6] = dgram[7] = 0;

	for (int variant = 0; variant < 2; variant++) {
		struct fx f;
		if (!fx_open(&f, WIRE_UDP, NC_FAM_INET6))
			return;
		struct nc_role_obs *c = &f.o.role[NC_ROLE_CLIENT];
		f.o.role[NC_ROLE_SERVER].ready = true;
		f.o.role[NC_ROLE_SERVER].ready_addr = s6;
		end_step(&f, NC_ROLE_CLIENT, 0)->local = c6;
		c->dgrams = calloc(1, sizeof(*c->dgrams));
		CU_ASSERT_FATAL(c->dgrams != NULL);
		c->ndgrams = 1;
		c->dgrams[0].sent = true;
		c->dgrams[0].local = c6;
		c->dgrams[0].peer = s6;
		c->dgrams[0].len = c->dgrams[0].copied = N;
		c->dgrams[0].digest = nc_digest_bytes(dgram + 8, N);
		struct frame fr;
		frag6_frame(&fr, &ce, &se, 77, 2464, false, dgram + 2464, sizeof(dgram) - 2464);
		feed(&f, &fr);
		frag6_frame(&fr, &ce, &se, 77, 0, true, dgram, 1232);
		feed(&f, &fr);
		if (variant == 0) {
			frag6_frame(&fr, &ce, &se, 77, 1232, true, dgram + 1232, 1232);
			feed(&f, &fr);
		}
		finish(&f);
		nc_check_wire_auto(&f.o, f.w, &f.r);
		if (variant == 0) {
			/* The wire holds one datagram of N bytes, at the index
			 * of the fragment at offset 0 (captured second). */
			CU_ASSERT_EQUAL_FATAL(f.w->ndgrams, 1);
			CU_ASSERT_EQUAL(f.w->dgrams[0].len, N);
			CU_ASSERT_EQUAL(f.w->dgrams[0].index, 2);
			CU_ASSERT_EQUAL(f.w->dgrams[0].udp_len, 8 + N);
			CU_ASSERT_EQUAL(f.w->dgrams[0].sport, 41234);
			EXPECT_COUNT(&f.r, 0);
		} else {
			/* A fragment lost: the datagram is not on the wire. */
			CU_ASSERT_EQUAL(f.w->ndgrams, 0);
			EXPECT_COUNT(&f.r, 1);
			EXPECT_FAILURE(&f.r, 0, "wire", 7,
				       "the client sent a 3000-byte datagram (::1.41234 > ::1.50000) "
				       "that does not appear on the wire");
		}
		fx_close(&f);
	}
}

/* ------------------------------------------------------------------------ */
/* Wire: TCP streams */

static void test_wire_streams(void)
{
	struct fx f;
	/* The wire carried what both sent and received. */
	if (!fx_open(&f, WIRE_TCP, NC_FAM_INET))
		return;
	tcp_roles(&f, "hi I'm coming", "hello", true);
	tcp_capture(&f, FULL, 8, "hello", "hi I'm coming");
	CU_ASSERT_EQUAL(f.w->nstreams, 2);
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* The client's application sent other bytes than the wire carried;
	 * both sides' views are checked, so the server's receive (which read
	 * to the end) disagrees too. */
	if (!fx_open(&f, WIRE_TCP, NC_FAM_INET))
		return;
	tcp_roles(&f, "hi I'm c0ming", "hello", true);
	tcp_capture(&f, FULL, 8, "hello", "hi I'm coming");
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "wire", 3,
		       "the server received 13 bytes on 127.0.0.1.50000 < 127.0.0.1.41234, the wire "
		       "carried 13 (first difference at offset 8)");
	EXPECT_FAILURE(&f.r, 1, "wire", 10,
		       "the client sent 13 bytes on 127.0.0.1.41234 > 127.0.0.1.50000, the wire "
		       "carried 13 (first difference at offset 8)");
	EXPECT_HAS(f.r.failures[1].detail, "first difference at offset 8\n");
	fx_close(&f);

	/* Fewer bytes on the wire than the application sent. */
	if (!fx_open(&f, WIRE_TCP, NC_FAM_INET))
		return;
	tcp_roles(&f, "hi I'm coming", "hello, world", false);
	tcp_capture(&f, FULL, 8, "hello", "hi I'm coming");
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 2);
	EXPECT_FAILURE(&f.r, 0, "wire", 3,
		       "the server sent 12 bytes on 127.0.0.1.50000 > 127.0.0.1.41234, the wire "
		       "carried 5 (first difference at offset 5)");
	/* Without EOF, what the client read must only be a prefix of the
	 * wire's bytes; "hello, world" is not a prefix of "hello". */
	EXPECT_FAILURE(&f.r, 1, "wire", 10,
		       "the client received 12 bytes on 127.0.0.1.41234 < 127.0.0.1.50000, the wire "
		       "carried 5 (first difference at offset 5)");
	fx_close(&f);

	/* The client read to the end of the stream, yet got less than the
	 * wire carried: with EOF seen, a prefix is not enough. */
	if (!fx_open(&f, WIRE_TCP, NC_FAM_INET))
		return;
	tcp_roles(&f, "hi I'm coming", "hello", true);
	nc_streamsum_free(&f.o.role[NC_ROLE_CLIENT].streams[0].recvd);
	sum_of_text(&f.o.role[NC_ROLE_CLIENT].streams[0].recvd, "hel");
	tcp_capture(&f, FULL, 8, "hello", "hi I'm coming");
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 10,
		       "the client received 3 bytes on 127.0.0.1.41234 < 127.0.0.1.50000, the wire "
		       "carried 5 (first difference at offset 3)");
	fx_close(&f);
	/* Without EOF the same prefix is fine. */
	if (!fx_open(&f, WIRE_TCP, NC_FAM_INET))
		return;
	tcp_roles(&f, "hi I'm coming", "hello", false);
	nc_streamsum_free(&f.o.role[NC_ROLE_CLIENT].streams[0].recvd);
	sum_of_text(&f.o.role[NC_ROLE_CLIENT].streams[0].recvd, "hel");
	tcp_capture(&f, FULL, 8, "hello", "hi I'm coming");
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 0);
	fx_close(&f);

	/* A connection the capture never saw. */
	if (!fx_open(&f, WIRE_TCP, NC_FAM_INET))
		return;
	tcp_roles(&f, "hi I'm coming", "hello", true);
	f.o.role[NC_ROLE_CLIENT].streams[0].peer.port = 50001;
	tcp_capture(&f, FULL, 8, "hello", "hi I'm coming");
	nc_check_wire_auto(&f.o, f.w, &f.r);
	EXPECT_COUNT(&f.r, 1);
	EXPECT_FAILURE(&f.r, 0, "wire", 10,
		       "the client's connection 127.0.0.1.41234 > 127.0.0.1.50001 does not appear on "
		       "the wire");
	fx_close(&f);
}

/* ------------------------------------------------------------------------ */

void nc_unit_register(void)
{
	static const struct nc_unit_test observe[] = {
		{ "records", test_observe_records },
		{ NULL, NULL },
	};
	static const struct nc_unit_test steps[] = {
		{ "all pass, trace", test_steps_all_pass },
		{ "errors", test_steps_errors },
		{ "data", test_steps_data },
		{ "short data", test_steps_short },
		{ "note", test_steps_note },
		{ "silence", test_steps_silence },
		{ "unread", test_steps_unread },
		{ "truncation", test_steps_truncation },
		{ "variables", test_steps_variables },
		{ NULL, NULL },
	};
	static const struct nc_unit_test timing[] = {
		{ "window bounds", test_window_bounds },
		{ "bounds and messages", test_timing },
		{ NULL, NULL },
	};
	static const struct nc_unit_test endpoints[] = {
		{ "explicit from", test_endpoints_explicit },
		{ "automatic", test_endpoints_auto },
		{ "tcp", test_endpoints_tcp },
		{ NULL, NULL },
	};
	static const struct nc_unit_test roles[] = {
		{ "fates", test_roles_fates },
		{ "deadline", test_roles_deadline },
		{ "stopped after a failure", test_roles_cut },
		{ "exits", test_roles_exits },
		{ NULL, NULL },
	};
	static const struct nc_unit_test programs[] = {
		{ "output", test_programs_output },
		{ "variables", test_programs_vars },
		{ "exit", test_programs_exit },
		{ "output in order", test_programs_order },
		{ "output as bytes", test_programs_bytes },
		{ "output lacks", test_programs_lacks },
		{ NULL, NULL },
	};
	static const struct nc_unit_test wire[] = {
		{ "family", test_wire_family },
		{ "datagrams", test_wire_datagrams },
		{ "ipv6 fragments", test_wire_fragments },
		{ "tcp streams", test_wire_streams },
		{ NULL, NULL },
	};
	nc_unit_suite("observe", observe);
	nc_unit_suite("steps", steps);
	nc_unit_suite("timing", timing);
	nc_unit_suite("endpoints", endpoints);
	nc_unit_suite("roles", roles);
	nc_unit_suite("programs", programs);
	nc_unit_suite("wire", wire);
}
