/* test_result.c: unit tests of the variant result model (result/result.h):
 * how failures raise the status, the caps on everything that grows, and the
 * codec between the variant supervisor and the runner, including hostile
 * input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/result.h"
#include "tests/unit/cunit_main.h"
#include "util/buf.h"

/* ------------------------------------------------------------------------ */
/* Helpers */

#define ASSERT_STR(got, want)                                                        \
	do {                                                                         \
		const char *g_ = (got), *w_ = (want);                                \
		CU_ASSERT_PTR_NOT_NULL(g_);                                          \
		if (g_) {                                                            \
			CU_ASSERT_STRING_EQUAL(g_, w_);                              \
			if (strcmp(g_, w_) != 0)                                     \
				fprintf(stderr, "\n  %s:%d\n  got  [%s]\n  want [%s]\n", \
					__FILE__, __LINE__, g_, w_);                 \
		}                                                                    \
	} while (0)

/* Optional strings compare equal when both are NULL, or both are the same
 * text; NULL and "" are different values. */
static bool opt_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#define ASSERT_OPT(a, b)                                                             \
	do {                                                                         \
		CU_ASSERT(opt_eq((a), (b)));                                         \
		if (!opt_eq((a), (b)))                                               \
			fprintf(stderr, "\n  %s:%d: %s differs\n", __FILE__, __LINE__, #a); \
	} while (0)

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33);
}

/* A result with every field set, strings with escapes and non-ASCII bytes,
 * and some optional strings NULL and some "" (they must stay distinct). */
static void full_result(struct nc_result *r)
{
	nc_result_init(r);
	r->name = strdup("udp/hello-bye[inet6#2]");
	r->id = strdup("udp/hello-bye");
	r->group = strdup("udp");
	r->path = strdup("scenarios/udp/hello-bye.scn");
	r->variant = strdup("inet6#2");
	r->scenario = strdup("udp-hello-bye");
	r->description = NULL;
	r->seq = 4000000001u;
	r->started_unix_ns = 1700000000123456789LL;
	r->duration_ns = -1;
	nc_result_fail(r, false, "payload", "scenarios/udp/hello-bye.scn", 12,
		       "expected \"hello\", got \"hellx\"", "first difference at offset 4\n  > ...");
	nc_result_fail(r, true, "deadline", NULL, 0, "the client role was blocked", NULL);
	nc_result_fail(r, false, "wire", "f\xc3\xa9.scn", UINT32_MAX, "caf\xc3\xa9 \t\x01", "");
	r->failures_dropped = 3;
	for (int i = 0; i < 3; i++) {
		struct nc_trace *t = nc_result_add_trace(r);
		t->role = (uint8_t)(i & 1);
		t->step = (uint32_t)i;
		t->line = (uint32_t)(10 + i);
		t->text = i == 2 ? NULL : strdup(i ? "recv 1024 => \"hi\"" : "bind loopback:0");
		t->t_start = i == 2 ? -1 : 1000 * i;
		t->t_end = i == 2 ? -1 : 1000 * i + 500;
		t->outcome = strdup(i == 1 ? "5 bytes \"hello\" from 127.0.0.1:41234" : "");
		t->failed = i == 1;
	}
	r->trace_dropped = 7;
	r->output[0] = strdup("server line 1\nserver line 2\n");
	r->output[1] = NULL;
	r->output_dropped[0] = 0;
	r->output_dropped[1] = 123456789012ULL;
	r->capture_on = true;
	r->capture_note = strdup("");
	r->pcap_path = NULL;
	r->artifact_error = strdup("cannot write reports/pcap/udp/x[inet].pcap: No space left on device");
	nc_result_add_packet(r, 1, 100, "IP 127.0.0.1.41234 > 127.0.0.1.50000: UDP, length 5");
	nc_result_add_packet(r, 2, -5, "");
	r->packets_total = 99;
	nc_result_prop(r, "family", "inet6");
	nc_result_prop(r, "keywords", "");
	nc_result_prop(r, "mode", NULL);
}

static void assert_result_eq(const struct nc_result *a, const struct nc_result *b)
{
	ASSERT_OPT(a->name, b->name);
	ASSERT_OPT(a->id, b->id);
	ASSERT_OPT(a->group, b->group);
	ASSERT_OPT(a->path, b->path);
	ASSERT_OPT(a->variant, b->variant);
	ASSERT_OPT(a->scenario, b->scenario);
	ASSERT_OPT(a->description, b->description);
	CU_ASSERT_EQUAL(a->seq, b->seq);
	CU_ASSERT_EQUAL(a->status, b->status);
	ASSERT_OPT(a->reason, b->reason);
	CU_ASSERT_EQUAL(a->started_unix_ns, b->started_unix_ns);
	CU_ASSERT_EQUAL(a->duration_ns, b->duration_ns);
	CU_ASSERT_EQUAL_FATAL(a->nfailures, b->nfailures);
	CU_ASSERT_EQUAL(a->failures_dropped, b->failures_dropped);
	for (size_t i = 0; i < a->nfailures; i++) {
		const struct nc_failure *x = &a->failures[i], *y = &b->failures[i];
		CU_ASSERT_EQUAL(x->harness, y->harness);
		ASSERT_OPT(x->check, y->check);
		ASSERT_OPT(x->file, y->file);
		CU_ASSERT_EQUAL(x->line, y->line);
		ASSERT_OPT(x->message, y->message);
		ASSERT_OPT(x->detail, y->detail);
	}
	CU_ASSERT_EQUAL_FATAL(a->ntrace, b->ntrace);
	CU_ASSERT_EQUAL(a->trace_dropped, b->trace_dropped);
	for (size_t i = 0; i < a->ntrace; i++) {
		const struct nc_trace *x = &a->trace[i], *y = &b->trace[i];
		CU_ASSERT_EQUAL(x->role, y->role);
		CU_ASSERT_EQUAL(x->step, y->step);
		CU_ASSERT_EQUAL(x->line, y->line);
		CU_ASSERT_EQUAL(x->t_start, y->t_start);
		CU_ASSERT_EQUAL(x->t_end, y->t_end);
		ASSERT_OPT(x->outcome, y->outcome);
		CU_ASSERT_EQUAL(x->failed, y->failed);
	}
	for (int k = 0; k < 2; k++) {
		ASSERT_OPT(a->output[k], b->output[k]);
		CU_ASSERT_EQUAL(a->output_dropped[k], b->output_dropped[k]);
	}
	CU_ASSERT_EQUAL(a->capture_on, b->capture_on);
	ASSERT_OPT(a->capture_note, b->capture_note);
	ASSERT_OPT(a->pcap_path, b->pcap_path);
	ASSERT_OPT(a->artifact_error, b->artifact_error);
	CU_ASSERT_EQUAL(a->packets_total, b->packets_total);
	CU_ASSERT_EQUAL_FATAL(a->npackets, b->npackets);
	for (size_t i = 0; i < a->npackets; i++) {
		CU_ASSERT_EQUAL(a->packets[i].index, b->packets[i].index);
		CU_ASSERT_EQUAL(a->packets[i].t, b->packets[i].t);
		ASSERT_OPT(a->packets[i].text, b->packets[i].text);
	}
	CU_ASSERT_EQUAL_FATAL(a->nprops, b->nprops);
	for (size_t i = 0; i < a->nprops; i++) {
		ASSERT_OPT(a->props[i].name, b->props[i].name);
		ASSERT_OPT(a->props[i].value, b->props[i].value);
	}
}

/* ------------------------------------------------------------------------ */
/* Building */

static void test_status_names(void)
{
	ASSERT_STR(nc_status_name(NC_STATUS_PASS), "PASS");
	ASSERT_STR(nc_status_name(NC_STATUS_FAIL), "FAIL");
	ASSERT_STR(nc_status_name(NC_STATUS_ERROR), "ERROR");
	ASSERT_STR(nc_status_name(NC_STATUS_SKIP), "SKIP");
	ASSERT_STR(nc_status_name(NC_STATUS_NOTRUN), "NOTRUN");
	ASSERT_STR(nc_status_name((enum nc_status)42), "?");
}

static void test_fail_promotion(void)
{
	struct nc_result r;
	nc_result_init(&r);
	CU_ASSERT_EQUAL(r.status, NC_STATUS_PASS);
	CU_ASSERT_PTR_NULL(r.reason);

	/* A check failure makes it FAIL, and its message is the reason. */
	nc_result_fail(&r, false, "payload", "a.scn", 3, "first message", "d1");
	CU_ASSERT_EQUAL(r.status, NC_STATUS_FAIL);
	ASSERT_STR(r.reason, "first message");
	/* A harness failure raises FAIL to ERROR; the first reason stays. */
	nc_result_fail(&r, true, "crash", "a.scn", 4, "second message", NULL);
	CU_ASSERT_EQUAL(r.status, NC_STATUS_ERROR);
	ASSERT_STR(r.reason, "first message");
	/* A later check failure does not lower ERROR back to FAIL. */
	nc_result_fail(&r, false, "errno", NULL, 0, "third message", "");
	CU_ASSERT_EQUAL(r.status, NC_STATUS_ERROR);
	ASSERT_STR(r.reason, "first message");
	CU_ASSERT_EQUAL_FATAL(r.nfailures, 3);
	/* Each failure is kept as given, in order; NULLs become "". */
	CU_ASSERT_FALSE(r.failures[0].harness);
	ASSERT_STR(r.failures[0].check, "payload");
	ASSERT_STR(r.failures[0].file, "a.scn");
	CU_ASSERT_EQUAL(r.failures[0].line, 3);
	ASSERT_STR(r.failures[0].message, "first message");
	ASSERT_STR(r.failures[0].detail, "d1");
	CU_ASSERT(r.failures[1].harness);
	ASSERT_STR(r.failures[1].check, "crash");
	ASSERT_STR(r.failures[1].detail, "");
	ASSERT_STR(r.failures[2].file, "");
	ASSERT_STR(r.failures[2].message, "third message");
	nc_result_free(&r);

	/* A harness failure first: ERROR straight away. */
	nc_result_init(&r);
	nc_result_fail(&r, true, "spawn", "b.scn", 1, "could not start", "");
	CU_ASSERT_EQUAL(r.status, NC_STATUS_ERROR);
	nc_result_fail(&r, false, "payload", "b.scn", 2, "later", "");
	CU_ASSERT_EQUAL(r.status, NC_STATUS_ERROR);
	ASSERT_STR(r.reason, "could not start");
	nc_result_free(&r);

	/* A reason already set (a skip's) is kept; the strings are copies. */
	nc_result_init(&r);
	r.status = NC_STATUS_SKIP;
	r.reason = strdup("needs namespaces");
	char msg[] = "mutable";
	nc_result_fail(&r, false, "x", "y", 1, msg, "");
	msg[0] = 'M';
	CU_ASSERT_EQUAL(r.status, NC_STATUS_FAIL);
	ASSERT_STR(r.reason, "needs namespaces");
	ASSERT_STR(r.failures[0].message, "mutable");
	nc_result_free(&r);
	/* free leaves an empty, reusable result. */
	CU_ASSERT_PTR_NULL(r.failures);
	CU_ASSERT_EQUAL(r.nfailures, 0);
}

static void test_caps(void)
{
	struct nc_result r;
	nc_result_init(&r);
	char msg[32];
	for (int i = 0; i < NC_RESULT_MAX_FAILURES + 8; i++) {
		snprintf(msg, sizeof(msg), "failure %d", i);
		nc_result_fail(&r, false, "c", "f", (uint32_t)i, msg, "");
	}
	CU_ASSERT_EQUAL(r.nfailures, NC_RESULT_MAX_FAILURES);
	CU_ASSERT_EQUAL(r.failures_dropped, 8);
	ASSERT_STR(r.failures[NC_RESULT_MAX_FAILURES - 1].message, "failure 31");
	CU_ASSERT_EQUAL(r.status, NC_STATUS_FAIL);
	/* A harness failure beyond the cap is not kept, but still counts: the
	 * status must not say FAIL when the run itself broke. */
	nc_result_fail(&r, true, "crash", "f", 0, "dropped crash", "");
	CU_ASSERT_EQUAL(r.nfailures, NC_RESULT_MAX_FAILURES);
	CU_ASSERT_EQUAL(r.failures_dropped, 9);
	CU_ASSERT_EQUAL(r.status, NC_STATUS_ERROR);
	ASSERT_STR(r.reason, "failure 0");

	for (int i = 0; i < NC_RESULT_MAX_TRACE; i++) {
		struct nc_trace *t = nc_result_add_trace(&r);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		/* New entries never began nor ended until told otherwise. */
		CU_ASSERT_EQUAL(t->t_start, -1);
		CU_ASSERT_EQUAL(t->t_end, -1);
		CU_ASSERT_PTR_NULL(t->text);
		t->step = (uint32_t)i;
	}
	CU_ASSERT_PTR_NULL(nc_result_add_trace(&r));
	CU_ASSERT_PTR_NULL(nc_result_add_trace(&r));
	CU_ASSERT_EQUAL(r.ntrace, NC_RESULT_MAX_TRACE);
	CU_ASSERT_EQUAL(r.trace_dropped, 2);
	CU_ASSERT_EQUAL(r.trace[NC_RESULT_MAX_TRACE - 1].step, NC_RESULT_MAX_TRACE - 1);

	for (uint32_t i = 1; i <= NC_RESULT_MAX_PACKETS + 50; i++) {
		snprintf(msg, sizeof(msg), "packet %u", i);
		nc_result_add_packet(&r, i, (int64_t)i * 10, msg);
	}
	CU_ASSERT_EQUAL(r.npackets, NC_RESULT_MAX_PACKETS);
	CU_ASSERT_EQUAL(r.packets_total, NC_RESULT_MAX_PACKETS + 50);
	ASSERT_STR(r.packets[NC_RESULT_MAX_PACKETS - 1].text, "packet 200");
	CU_ASSERT_EQUAL(r.packets[0].t, 10);
	nc_result_free(&r);
}

static void test_output(void)
{
	struct nc_result r;
	nc_result_init(&r);
	/* Output accumulates per role; NUL bytes are made visible, because a
	 * NUL would otherwise end the text early. */
	nc_result_output(&r, 0, "ab\0c", 4);
	nc_result_output(&r, 0, "de", 2);
	nc_result_output(&r, 1, "client", 6);
	nc_result_output(&r, 1, "", 0);
	ASSERT_STR(r.output[0], "ab?cde");
	ASSERT_STR(r.output[1], "client");
	CU_ASSERT_EQUAL(r.output_dropped[0], 0);
	CU_ASSERT_EQUAL(r.output_dropped[1], 0);

	/* The cap: exactly NC_RESULT_MAX_OUTPUT bytes kept, the rest counted,
	 * across several appends. */
	size_t chunk = 5000;
	char *text = malloc(chunk);
	CU_ASSERT_FATAL(text != NULL);
	memset(text, 'x', chunk);
	size_t fed = 6;
	for (int i = 0; i < 5; i++) {
		nc_result_output(&r, 0, text, chunk);
		fed += chunk;
	}
	CU_ASSERT_EQUAL(strlen(r.output[0]), NC_RESULT_MAX_OUTPUT);
	CU_ASSERT_EQUAL(r.output_dropped[0], fed - NC_RESULT_MAX_OUTPUT);
	CU_ASSERT_EQUAL(strncmp(r.output[0], "ab?cdex", 7), 0);
	/* Once full, everything else is only counted. */
	nc_result_output(&r, 0, "more", 4);
	CU_ASSERT_EQUAL(r.output_dropped[0], fed + 4 - NC_RESULT_MAX_OUTPUT);
	/* The other role is unaffected. */
	ASSERT_STR(r.output[1], "client");
	CU_ASSERT_EQUAL(r.output_dropped[1], 0);
	free(text);
	nc_result_free(&r);

	/* Nothing appended: no string at all. */
	nc_result_init(&r);
	nc_result_output(&r, 1, "", 0);
	CU_ASSERT_PTR_NULL(r.output[1]);
	nc_result_free(&r);
}

static void test_props(void)
{
	struct nc_result r;
	nc_result_init(&r);
	CU_ASSERT_PTR_NULL(nc_result_get_prop(&r, "family"));
	nc_result_prop(&r, "family", "inet");
	nc_result_prop(&r, "transport", NULL);
	nc_result_prop(&r, "family", "inet6");
	ASSERT_STR(nc_result_get_prop(&r, "family"), "inet");
	ASSERT_STR(nc_result_get_prop(&r, "transport"), "");
	CU_ASSERT_PTR_NULL(nc_result_get_prop(&r, "fam"));
	CU_ASSERT_EQUAL(r.nprops, 3);
	nc_result_free(&r);
}

/* ------------------------------------------------------------------------ */
/* Codec */

static void test_round_trip(void)
{
	struct nc_result in, out;
	full_result(&in);
	CU_ASSERT_EQUAL(in.status, NC_STATUS_ERROR);
	struct nc_buf b;
	nc_buf_init(&b, 0);
	CU_ASSERT_EQUAL(nc_result_encode(&in, &b), 0);
	nc_result_init(&out);
	CU_ASSERT_EQUAL(nc_result_decode(b.data, b.len, &out), 0);
	assert_result_eq(&in, &out);
	/* Spot checks of the values themselves, beyond equality. */
	CU_ASSERT_PTR_NULL(out.description);
	CU_ASSERT_PTR_NULL(out.pcap_path);
	CU_ASSERT_PTR_NULL(out.output[1]);
	ASSERT_STR(out.capture_note, "");
	ASSERT_STR(out.failures[2].file, "f\xc3\xa9.scn");
	CU_ASSERT_EQUAL(out.failures[2].line, UINT32_MAX);
	CU_ASSERT_EQUAL(out.seq, 4000000001u);
	CU_ASSERT_EQUAL(out.packets_total, 99);
	CU_ASSERT_EQUAL(out.output_dropped[1], 123456789012ULL);
	/* A trace text given as NULL comes back as "", because reporters
	 * print it unconditionally. */
	ASSERT_STR(out.trace[2].text, "");
	ASSERT_STR(out.trace[1].text, "recv 1024 => \"hi\"");

	/* Encoding the decoded result gives the same bytes, except where a
	 * NULL trace text became "". */
	free(in.trace[2].text);
	in.trace[2].text = strdup("");
	struct nc_buf b2;
	nc_buf_init(&b2, 0);
	nc_buf_reset(&b);
	nc_result_encode(&in, &b);
	nc_result_encode(&out, &b2);
	CU_ASSERT_EQUAL_FATAL(b.len, b2.len);
	CU_ASSERT(memcmp(b.data, b2.data, b.len) == 0);
	nc_buf_free(&b2);
	nc_buf_free(&b);
	nc_result_free(&in);
	nc_result_free(&out);

	/* The empty result, and one at every cap. */
	nc_result_init(&in);
	nc_buf_init(&b, 0);
	nc_result_encode(&in, &b);
	nc_result_init(&out);
	CU_ASSERT_EQUAL(nc_result_decode(b.data, b.len, &out), 0);
	assert_result_eq(&in, &out);
	CU_ASSERT_PTR_NULL(out.name);
	nc_result_free(&out);
	nc_buf_free(&b);
	for (int i = 0; i < NC_RESULT_MAX_FAILURES + 1; i++)
		nc_result_fail(&in, false, "c", "f", 1, "m", "d");
	for (int i = 0; i < NC_RESULT_MAX_TRACE; i++)
		nc_result_add_trace(&in)->outcome = strdup("o");
	for (int i = 0; i < NC_RESULT_MAX_PACKETS; i++)
		nc_result_add_packet(&in, (uint32_t)i, i, "p");
	for (int i = 0; i < 256; i++)
		nc_result_prop(&in, "k", "v");
	for (int s = NC_STATUS_PASS; s <= NC_STATUS_NOTRUN; s++) {
		in.status = (enum nc_status)s;
		nc_buf_init(&b, 0);
		nc_result_encode(&in, &b);
		nc_result_init(&out);
		CU_ASSERT_EQUAL(nc_result_decode(b.data, b.len, &out), 0);
		CU_ASSERT_EQUAL((int)out.status, s);
		CU_ASSERT_EQUAL(out.nfailures, NC_RESULT_MAX_FAILURES);
		CU_ASSERT_EQUAL(out.failures_dropped, 1);
		CU_ASSERT_EQUAL(out.ntrace, NC_RESULT_MAX_TRACE);
		CU_ASSERT_EQUAL(out.npackets, NC_RESULT_MAX_PACKETS);
		CU_ASSERT_EQUAL(out.nprops, 256);
		nc_result_free(&out);
		nc_buf_free(&b);
	}
	nc_result_free(&in);
}

static void test_encode_bounded(void)
{
	/* Encoding into a buffer that cannot hold it reports it. */
	struct nc_result in;
	full_result(&in);
	struct nc_buf b;
	nc_buf_init(&b, 64);
	CU_ASSERT_EQUAL(nc_result_encode(&in, &b), -1);
	nc_buf_free(&b);
	nc_result_free(&in);
}

static void test_embedded_nul(void)
{
	/* The encoder writes C strings, but the bytes on the pipe may hold
	 * anything: a NUL inside a string is shown as '?' rather than silently
	 * cutting the text. Built by hand: a name field "a\0b\0" followed by
	 * the rest of an empty result's encoding. */
	struct nc_result empty, out;
	nc_result_init(&empty);
	struct nc_buf e, b;
	nc_buf_init(&e, 0);
	nc_result_encode(&empty, &e);
	CU_ASSERT_EQUAL_FATAL(e.data[0], 0); /* name: absent */
	nc_buf_init(&b, 0);
	nc_buf_put_u8(&b, 1);
	nc_buf_put_bytes(&b, "a\0b\0", 4);
	nc_buf_add(&b, e.data + 1, e.len - 1);
	nc_result_init(&out);
	CU_ASSERT_EQUAL(nc_result_decode(b.data, b.len, &out), 0);
	ASSERT_STR(out.name, "a?b?");
	nc_result_free(&out);
	nc_buf_free(&b);
	nc_buf_free(&e);
}

static void test_decode_truncated(void)
{
	/* Every proper prefix of a valid encoding is rejected. Each prefix sits
	 * in a heap block of exactly its size, so valgrind sees any read past
	 * it, and whatever was decoded before the cut is freed. */
	struct nc_result in;
	full_result(&in);
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_result_encode(&in, &b);
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *p = malloc(len ? len : 1);
		CU_ASSERT_FATAL(p != NULL);
		memcpy(p, b.data, len);
		struct nc_result out;
		nc_result_init(&out);
		int rc = nc_result_decode(p, len, &out);
		CU_ASSERT_EQUAL(rc, -1);
		if (rc != -1)
			fprintf(stderr, "\n  prefix of %zu/%zu bytes decoded\n", len, b.len);
		nc_result_free(&out);
		free(p);
	}
	/* Trailing bytes are rejected too: the length must match exactly. */
	nc_buf_addc(&b, 0);
	struct nc_result out;
	nc_result_init(&out);
	CU_ASSERT_EQUAL(nc_result_decode(b.data, b.len, &out), -1);
	nc_result_free(&out);
	nc_buf_free(&b);
	nc_result_free(&in);
}

static void test_decode_garbage(void)
{
	/* Random bytes, and valid encodings with random bytes changed: the
	 * decoder returns 0 or -1, never crashes, and everything it allocated
	 * is freed by nc_result_free (valgrind checks the leaks). */
	rng_state = 12345;
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = rng() % 600;
		uint8_t *p = malloc(n ? n : 1);
		CU_ASSERT_FATAL(p != NULL);
		for (size_t i = 0; i < n; i++)
			p[i] = (uint8_t)rng();
		/* Small values make counts and lengths plausible more often. */
		if (iter % 2)
			for (size_t i = 0; i < n; i++)
				if (rng() % 3)
					p[i] = (uint8_t)(rng() % 4);
		struct nc_result out;
		nc_result_init(&out);
		int rc = nc_result_decode(p, n, &out);
		CU_ASSERT(rc == 0 || rc == -1);
		nc_result_free(&out);
		free(p);
	}
	struct nc_result in;
	full_result(&in);
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_result_encode(&in, &b);
	int decoded = 0;
	for (int iter = 0; iter < 3000; iter++) {
		uint8_t *p = malloc(b.len);
		CU_ASSERT_FATAL(p != NULL);
		memcpy(p, b.data, b.len);
		int changes = 1 + (int)(rng() % 3);
		for (int k = 0; k < changes; k++)
			p[rng() % b.len] = (uint8_t)rng();
		struct nc_result out;
		nc_result_init(&out);
		int rc = nc_result_decode(p, b.len, &out);
		CU_ASSERT(rc == 0 || rc == -1);
		if (rc == 0) {
			decoded++;
			/* Whatever decoded is a usable result: the strings a
			 * reporter prints unconditionally are there. */
			for (size_t i = 0; i < out.nfailures; i++)
				CU_ASSERT(out.failures[i].message && out.failures[i].check);
			CU_ASSERT(out.status <= NC_STATUS_NOTRUN);
		}
		nc_result_free(&out);
		free(p);
	}
	/* Changes inside strings leave the encoding valid, so some decode. */
	CU_ASSERT(decoded > 0);
	nc_buf_free(&b);
	nc_result_free(&in);
}

static void test_decode_bad_counts(void)
{
	/* Counts beyond the caps are refused before anything is allocated for
	 * them. The failure count sits right after the fixed identity fields
	 * of an empty result: 7 absent strings, seq, status, absent reason,
	 * two times. */
	struct nc_result empty, out;
	nc_result_init(&empty);
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_result_encode(&empty, &b);
	size_t at = 7 + 4 + 1 + 1 + 8 + 8;
	CU_ASSERT_EQUAL_FATAL(b.data[at + 3], 0);
	b.data[at + 3] = NC_RESULT_MAX_FAILURES + 1;
	nc_result_init(&out);
	CU_ASSERT_EQUAL(nc_result_decode(b.data, b.len, &out), -1);
	CU_ASSERT_EQUAL(out.nfailures, 0);
	nc_result_free(&out);
	b.data[at + 3] = 0;
	/* A status beyond the known ones. */
	b.data[7 + 4] = NC_STATUS_NOTRUN + 1;
	nc_result_init(&out);
	CU_ASSERT_EQUAL(nc_result_decode(b.data, b.len, &out), -1);
	nc_result_free(&out);
	b.data[7 + 4] = NC_STATUS_SKIP;
	nc_result_init(&out);
	CU_ASSERT_EQUAL(nc_result_decode(b.data, b.len, &out), 0);
	CU_ASSERT_EQUAL(out.status, NC_STATUS_SKIP);
	nc_result_free(&out);
	nc_buf_free(&b);
}


/* The headline: the first harness failure of an error, the first failed
 * check of a failure, else the first failure; none without failures. */
static void test_headline(void)
{
	struct nc_result r;
	nc_result_init(&r);
	CU_ASSERT_PTR_NULL(nc_result_headline(&r));
	nc_result_fail(&r, false, "payload", "a.scn", 3, "check one", "");
	CU_ASSERT_PTR_EQUAL(nc_result_headline(&r), &r.failures[0]);
	nc_result_fail(&r, true, "deadline", "a.scn", 5, "timeout", "");
	nc_result_fail(&r, true, "crash", "a.scn", 0, "crash", "");
	/* Now an error: its headline is the first harness failure. */
	CU_ASSERT_EQUAL(r.status, NC_STATUS_ERROR);
	CU_ASSERT_PTR_EQUAL(nc_result_headline(&r), &r.failures[1]);
	r.status = NC_STATUS_FAIL;
	CU_ASSERT_PTR_EQUAL(nc_result_headline(&r), &r.failures[0]);
	nc_result_free(&r);
	/* An error with check failures only: the first of them. */
	nc_result_init(&r);
	nc_result_fail(&r, false, "payload", "a.scn", 3, "check one", "");
	r.status = NC_STATUS_ERROR;
	CU_ASSERT_PTR_EQUAL(nc_result_headline(&r), &r.failures[0]);
	nc_result_free(&r);
}

static void test_status_counts(void)
{
	struct nc_status_counts c = { 0 };
	const enum nc_status seq[] = { NC_STATUS_PASS, NC_STATUS_PASS, NC_STATUS_FAIL,
				       NC_STATUS_ERROR, NC_STATUS_SKIP, NC_STATUS_NOTRUN,
				       NC_STATUS_NOTRUN, NC_STATUS_NOTRUN };
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		nc_status_count(&c, seq[i]);
	CU_ASSERT_EQUAL(c.passed, 2);
	CU_ASSERT_EQUAL(c.failed, 1);
	CU_ASSERT_EQUAL(c.errors, 1);
	CU_ASSERT_EQUAL(c.skipped, 1);
	CU_ASSERT_EQUAL(c.notrun, 3);
	CU_ASSERT_EQUAL(nc_status_total(&c), 8);
}

/* ------------------------------------------------------------------------ */

void nc_unit_register(void)
{
	static const struct nc_unit_test build[] = {
		{ "status names", test_status_names },
		{ "fail promotion", test_fail_promotion },
		{ "caps", test_caps },
		{ "output", test_output },
		{ "props", test_props },
		{ "headline", test_headline },
		{ "status counts", test_status_counts },
		{ NULL, NULL },
	};
	static const struct nc_unit_test codec[] = {
		{ "round trip", test_round_trip },
		{ "encode bounded", test_encode_bounded },
		{ "embedded NUL", test_embedded_nul },
		{ "truncated", test_decode_truncated },
		{ "garbage", test_decode_garbage },
		{ "bad counts", test_decode_bad_counts },
		{ NULL, NULL },
	};
	nc_unit_suite("result", build);
	nc_unit_suite("codec", codec);
}
