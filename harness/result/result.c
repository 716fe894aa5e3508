/* result.c: building, freeing and serializing variant results. */
#include "result/result.h"

#include <stdlib.h>
#include <string.h>

#include "util/cursor.h"
#include "util/text.h"

const char *nc_status_name(enum nc_status s)
{
	switch (s) {
	case NC_STATUS_PASS: return "PASS";
	case NC_STATUS_FAIL: return "FAIL";
	case NC_STATUS_ERROR: return "ERROR";
	case NC_STATUS_SKIP: return "SKIP";
	case NC_STATUS_NOTRUN: return "NOTRUN";
	}
	return "?";
}

void nc_result_init(struct nc_result *r)
{
	memset(r, 0, sizeof(*r));
	r->status = NC_STATUS_PASS;
}

void nc_result_free(struct nc_result *r)
{
	free(r->name);
	free(r->id);
	free(r->group);
	free(r->path);
	free(r->variant);
	free(r->scenario);
	free(r->description);
	free(r->reason);
	nc_result_clear_failures(r);
	for (size_t i = 0; i < r->ntrace; i++) {
		free(r->trace[i].text);
		free(r->trace[i].outcome);
	}
	free(r->trace);
	free(r->output[0]);
	free(r->output[1]);
	free(r->capture_note);
	free(r->pcap_path);
	free(r->artifact_error);
	for (size_t i = 0; i < r->npackets; i++)
		free(r->packets[i].text);
	free(r->packets);
	for (size_t i = 0; i < r->nprops; i++) {
		free(r->props[i].name);
		free(r->props[i].value);
	}
	free(r->props);
	memset(r, 0, sizeof(*r));
}

void nc_result_clear_failures(struct nc_result *r)
{
	for (size_t i = 0; i < r->nfailures; i++) {
		free(r->failures[i].check);
		free(r->failures[i].file);
		free(r->failures[i].message);
		free(r->failures[i].detail);
	}
	free(r->failures);
	r->failures = NULL;
	r->nfailures = r->failures_dropped = 0;
}

struct nc_failure *nc_result_fail(struct nc_result *r, bool harness, const char *check,
				  const char *file, uint32_t line, const char *message,
				  const char *detail)
{
	if (harness)
		r->status = NC_STATUS_ERROR;
	else if (r->status != NC_STATUS_ERROR)
		r->status = NC_STATUS_FAIL;
	if (!r->reason)
		r->reason = nc_strdup(message);
	if (r->nfailures >= NC_RESULT_MAX_FAILURES) {
		r->failures_dropped++;
		return NULL;
	}
	r->failures = nc_xrealloc(r->failures, (r->nfailures + 1) * sizeof(*r->failures));
	struct nc_failure *f = &r->failures[r->nfailures++];
	f->harness = harness;
	f->check = nc_strdup(check ? check : "");
	f->file = nc_strdup(file ? file : "");
	f->line = line;
	f->message = nc_strdup(message ? message : "");
	f->detail = nc_strdup(detail ? detail : "");
	f->t = -1;
	f->consequence = false;
	return f;
}

/* Causes first, then by time, unknown times last; ties keep their order. */
static bool before(const struct nc_failure *a, size_t ia, const struct nc_failure *b, size_t ib)
{
	if (a->consequence != b->consequence)
		return !a->consequence;
	int64_t ta = a->t < 0 ? INT64_MAX : a->t, tb = b->t < 0 ? INT64_MAX : b->t;
	if (ta != tb)
		return ta < tb;
	return ia < ib;
}

void nc_result_settle(struct nc_result *r)
{
	size_t n = r->nfailures;
	if (!n)
		return;
	/* A stable insertion sort: at most NC_RESULT_MAX_FAILURES entries. */
	size_t *idx = nc_xcalloc(n, sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	for (size_t i = 1; i < n; i++) {
		size_t k = idx[i], j = i;
		while (j > 0 && before(&r->failures[k], k, &r->failures[idx[j - 1]], idx[j - 1])) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = k;
	}
	struct nc_failure *sorted = nc_xcalloc(n, sizeof(*sorted));
	for (size_t i = 0; i < n; i++)
		sorted[i] = r->failures[idx[i]];
	free(r->failures);
	free(idx);
	r->failures = sorted;
	r->status = sorted[0].harness ? NC_STATUS_ERROR : NC_STATUS_FAIL;
	free(r->reason);
	r->reason = nc_strdup(sorted[0].message);
}

struct nc_trace *nc_result_add_trace(struct nc_result *r)
{
	if (r->ntrace >= NC_RESULT_MAX_TRACE) {
		r->trace_dropped++;
		return NULL;
	}
	r->trace = nc_xrealloc(r->trace, (r->ntrace + 1) * sizeof(*r->trace));
	struct nc_trace *t = &r->trace[r->ntrace++];
	memset(t, 0, sizeof(*t));
	t->t_start = t->t_end = -1;
	return t;
}

void nc_result_add_packet(struct nc_result *r, uint32_t index, int64_t t, const char *text)
{
	r->packets_total++;
	if (r->npackets >= NC_RESULT_MAX_PACKETS)
		return;
	r->packets = nc_xrealloc(r->packets, (r->npackets + 1) * sizeof(*r->packets));
	struct nc_packet_line *p = &r->packets[r->npackets++];
	p->index = index;
	p->t = t;
	p->text = nc_strdup(text);
}

void nc_result_prop(struct nc_result *r, const char *name, const char *value)
{
	r->props = nc_xrealloc(r->props, (r->nprops + 1) * sizeof(*r->props));
	r->props[r->nprops].name = nc_strdup(name);
	r->props[r->nprops].value = nc_strdup(value ? value : "");
	r->nprops++;
}

const char *nc_result_get_prop(const struct nc_result *r, const char *name)
{
	for (size_t i = 0; i < r->nprops; i++)
		if (strcmp(r->props[i].name, name) == 0)
			return r->props[i].value;
	return NULL;
}

void nc_result_output(struct nc_result *r, int role, const char *text, size_t n)
{
	size_t have = r->output[role] ? strlen(r->output[role]) : 0;
	size_t room = have < NC_RESULT_MAX_OUTPUT ? NC_RESULT_MAX_OUTPUT - have : 0;
	size_t take = n < room ? n : room;
	r->output_dropped[role] += n - take;
	if (take == 0)
		return;
	r->output[role] = nc_xrealloc(r->output[role], have + take + 1);
	memcpy(r->output[role] + have, text, take);
	r->output[role][have + take] = 0;
	/* Output is text: a NUL from a program would cut it short, so show it. */
	for (size_t i = have; i < have + take; i++)
		if (r->output[role][i] == 0)
			r->output[role][i] = '?';
}

/* ------------------------------------------------------------------------ */
/* Codec */

static void put_i64(struct nc_buf *b, int64_t v)
{
	nc_buf_put_u64(b, (uint64_t)v);
}

/* NULL and "" differ for some fields (pcap_path), so strings carry a flag. */
static void put_opt(struct nc_buf *b, const char *s)
{
	nc_buf_put_u8(b, s != NULL);
	if (s)
		nc_buf_put_str(b, s);
}

static char *get_opt(struct nc_cursor *c)
{
	if (!nc_cursor_u8(c))
		return NULL;
	uint32_t n = nc_cursor_u32(c);
	const uint8_t *p = nc_cursor_take(c, n);
	if (!p)
		return NULL;
	char *s = nc_strndup((const char *)p, n);
	/* Decoded strings are C strings: an embedded NUL would silently cut
	 * the text, so it is made visible instead. */
	for (uint32_t i = 0; i < n; i++)
		if (s[i] == 0)
			s[i] = '?';
	return s;
}

int nc_result_encode(const struct nc_result *r, struct nc_buf *b)
{
	put_opt(b, r->name);
	put_opt(b, r->id);
	put_opt(b, r->group);
	put_opt(b, r->path);
	put_opt(b, r->variant);
	put_opt(b, r->scenario);
	put_opt(b, r->description);
	nc_buf_put_u32(b, r->seq);
	nc_buf_put_u8(b, (uint8_t)r->status);
	put_opt(b, r->reason);
	put_i64(b, r->started_unix_ns);
	put_i64(b, r->duration_ns);
	nc_buf_put_u32(b, (uint32_t)r->nfailures);
	nc_buf_put_u32(b, (uint32_t)r->failures_dropped);
	for (size_t i = 0; i < r->nfailures; i++) {
		const struct nc_failure *f = &r->failures[i];
		nc_buf_put_u8(b, f->harness);
		put_opt(b, f->check);
		put_opt(b, f->file);
		nc_buf_put_u32(b, f->line);
		put_opt(b, f->message);
		put_opt(b, f->detail);
		put_i64(b, f->t);
		nc_buf_put_u8(b, f->consequence);
	}
	nc_buf_put_u32(b, (uint32_t)r->ntrace);
	nc_buf_put_u32(b, (uint32_t)r->trace_dropped);
	for (size_t i = 0; i < r->ntrace; i++) {
		const struct nc_trace *t = &r->trace[i];
		nc_buf_put_u8(b, t->role);
		nc_buf_put_u32(b, t->step);
		nc_buf_put_u32(b, t->line);
		put_opt(b, t->text);
		put_i64(b, t->t_start);
		put_i64(b, t->t_end);
		put_opt(b, t->outcome);
		nc_buf_put_u8(b, t->failed);
	}
	for (int k = 0; k < 2; k++) {
		put_opt(b, r->output[k]);
		nc_buf_put_u64(b, r->output_dropped[k]);
	}
	nc_buf_put_u8(b, r->capture_on);
	put_opt(b, r->capture_note);
	put_opt(b, r->pcap_path);
	put_opt(b, r->artifact_error);
	nc_buf_put_u64(b, r->packets_total);
	nc_buf_put_u32(b, (uint32_t)r->npackets);
	for (size_t i = 0; i < r->npackets; i++) {
		nc_buf_put_u32(b, r->packets[i].index);
		put_i64(b, r->packets[i].t);
		put_opt(b, r->packets[i].text);
	}
	nc_buf_put_u32(b, (uint32_t)r->nprops);
	for (size_t i = 0; i < r->nprops; i++) {
		put_opt(b, r->props[i].name);
		put_opt(b, r->props[i].value);
	}
	return b->dropped ? -1 : 0;
}

static char *get_str(struct nc_cursor *c)
{
	char *s = get_opt(c);
	return s ? s : nc_strdup("");
}

int nc_result_decode(const uint8_t *p, size_t n, struct nc_result *r)
{
	struct nc_cursor c = nc_cursor_make(p, n);
	r->name = get_opt(&c);
	r->id = get_opt(&c);
	r->group = get_opt(&c);
	r->path = get_opt(&c);
	r->variant = get_opt(&c);
	r->scenario = get_opt(&c);
	r->description = get_opt(&c);
	r->seq = nc_cursor_u32(&c);
	uint8_t st = nc_cursor_u8(&c);
	if (st > NC_STATUS_NOTRUN)
		return -1;
	r->status = (enum nc_status)st;
	r->reason = get_opt(&c);
	r->started_unix_ns = (int64_t)nc_cursor_u64(&c);
	r->duration_ns = (int64_t)nc_cursor_u64(&c);
	uint32_t nf = nc_cursor_u32(&c);
	r->failures_dropped = nc_cursor_u32(&c);
	if (!c.ok || nf > NC_RESULT_MAX_FAILURES)
		return -1;
	for (uint32_t i = 0; i < nf && c.ok; i++) {
		r->failures = nc_xrealloc(r->failures, (r->nfailures + 1) * sizeof(*r->failures));
		struct nc_failure *f = &r->failures[r->nfailures++];
		f->harness = nc_cursor_u8(&c) != 0;
		f->check = get_str(&c);
		f->file = get_str(&c);
		f->line = nc_cursor_u32(&c);
		f->message = get_str(&c);
		f->detail = get_str(&c);
		f->t = (int64_t)nc_cursor_u64(&c);
		f->consequence = nc_cursor_u8(&c) != 0;
	}
	uint32_t nt = nc_cursor_u32(&c);
	r->trace_dropped = nc_cursor_u32(&c);
	if (!c.ok || nt > NC_RESULT_MAX_TRACE)
		return -1;
	for (uint32_t i = 0; i < nt && c.ok; i++) {
		struct nc_trace *t = nc_result_add_trace(r);
		t->role = nc_cursor_u8(&c) ? 1 : 0;
		t->step = nc_cursor_u32(&c);
		t->line = nc_cursor_u32(&c);
		t->text = get_str(&c);
		t->t_start = (int64_t)nc_cursor_u64(&c);
		t->t_end = (int64_t)nc_cursor_u64(&c);
		t->outcome = get_str(&c);
		t->failed = nc_cursor_u8(&c) != 0;
	}
	for (int k = 0; k < 2; k++) {
		r->output[k] = get_opt(&c);
		r->output_dropped[k] = nc_cursor_u64(&c);
	}
	r->capture_on = nc_cursor_u8(&c) != 0;
	r->capture_note = get_opt(&c);
	r->pcap_path = get_opt(&c);
	r->artifact_error = get_opt(&c);
	uint64_t total = nc_cursor_u64(&c);
	uint32_t np = nc_cursor_u32(&c);
	if (!c.ok || np > NC_RESULT_MAX_PACKETS)
		return -1;
	for (uint32_t i = 0; i < np && c.ok; i++) {
		uint32_t idx = nc_cursor_u32(&c);
		int64_t t = (int64_t)nc_cursor_u64(&c);
		char *text = get_str(&c);
		nc_result_add_packet(r, idx, t, text);
		free(text);
	}
	r->packets_total = total;
	uint32_t nprops = nc_cursor_u32(&c);
	if (!c.ok || nprops > 256)
		return -1;
	for (uint32_t i = 0; i < nprops && c.ok; i++) {
		char *k = get_str(&c), *v = get_str(&c);
		nc_result_prop(r, k, v);
		free(k);
		free(v);
	}
	return c.ok && c.left == 0 ? 0 : -1;
}

const struct nc_failure *nc_result_headline(const struct nc_result *r)
{
	bool error = r->status == NC_STATUS_ERROR;
	for (size_t i = 0; i < r->nfailures; i++)
		if (r->failures[i].harness == error)
			return &r->failures[i];
	return r->nfailures ? &r->failures[0] : NULL;
}

void nc_status_count(struct nc_status_counts *c, enum nc_status s)
{
	switch (s) {
	case NC_STATUS_PASS: c->passed++; break;
	case NC_STATUS_FAIL: c->failed++; break;
	case NC_STATUS_ERROR: c->errors++; break;
	case NC_STATUS_SKIP: c->skipped++; break;
	case NC_STATUS_NOTRUN: c->notrun++; break;
	}
}

size_t nc_status_total(const struct nc_status_counts *c)
{
	return c->passed + c->failed + c->errors + c->skipped + c->notrun;
}
