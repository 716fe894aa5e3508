/* sched.c: the waiting frames of one direction (sched.h). */
#include "impair/sched.h"

#include <stdlib.h>
#include <string.h>

struct nc_imp_qent {
	int64_t due;
	uint64_t order;
	struct nc_imp_due out;
};

struct nc_imp_hold {
	struct nc_imp_due out;
	uint32_t left;           /* later frames still to overtake it */
	int64_t deadline;
};

int nc_imp_sched_init(struct nc_imp_sched *s, uint32_t limit, uint64_t rate_bps)
{
	memset(s, 0, sizeof(*s));
	s->limit = limit ? limit : NC_IMP_LIMIT_DEFAULT;
	s->rate_bps = rate_bps;
	s->hold = calloc(NC_IMP_HOLD_MAX, sizeof(*s->hold));
	return s->hold ? 0 : -1;
}

void nc_imp_sched_free(struct nc_imp_sched *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->heap[i].out.data);
	for (size_t i = 0; i < s->nhold; i++)
		free(s->hold[i].out.data);
	free(s->heap);
	free(s->hold);
	memset(s, 0, sizeof(*s));
}

size_t nc_imp_sched_count(const struct nc_imp_sched *s)
{
	return s->n + s->nhold;
}

bool nc_imp_sched_needed(const struct nc_imp_sched *s, int64_t delay_ns, bool hold)
{
	return s->rate_bps > 0 || delay_ns > 0 || hold;
}

static bool before(const struct nc_imp_qent *a, const struct nc_imp_qent *b)
{
	return a->due < b->due || (a->due == b->due && a->order < b->order);
}

static void sift_up(struct nc_imp_sched *s, size_t i)
{
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(&s->heap[i], &s->heap[parent]))
			break;
		struct nc_imp_qent t = s->heap[i];
		s->heap[i] = s->heap[parent];
		s->heap[parent] = t;
		i = parent;
	}
}

static void sift_down(struct nc_imp_sched *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->n && before(&s->heap[l], &s->heap[m]))
			m = l;
		if (r < s->n && before(&s->heap[r], &s->heap[m]))
			m = r;
		if (m == i)
			break;
		struct nc_imp_qent t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

/* When a frame ready at `ready` reaches the far end under the rate: once
 * the link is free and the frame has been serialized onto it. */
static int64_t rate_due(struct nc_imp_sched *s, int64_t ready, uint32_t len)
{
	if (!s->rate_bps)
		return ready;
	int64_t start = ready > s->link_free ? ready : s->link_free;
	int64_t tx = (int64_t)(((unsigned __int128)len * 8u * 1000000000u) / s->rate_bps);
	s->link_free = start + tx;
	return s->link_free;
}

/* Puts an entry on the heap; its data is owned by the heap from then on. */
static int heap_add(struct nc_imp_sched *s, const struct nc_imp_due *out, int64_t due)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct nc_imp_qent *h = realloc(s->heap, cap * sizeof(*h));
		if (!h)
			return -1;
		s->heap = h;
		s->cap = cap;
	}
	s->heap[s->n] = (struct nc_imp_qent){ .due = due, .order = s->order++, .out = *out };
	s->heap[s->n].out.due = due;
	sift_up(s, s->n++);
	return 0;
}

static uint8_t *copy_of(const uint8_t *data, uint32_t len)
{
	uint8_t *p = malloc(len ? len : 1);
	if (p)
		memcpy(p, data, len);
	return p;
}

int nc_imp_sched_push(struct nc_imp_sched *s, const struct nc_imp_frame *f, int64_t now,
		      int64_t delay_ns)
{
	if (nc_imp_sched_count(s) >= s->limit)
		return -1;
	int64_t ready = now + (delay_ns > 0 ? delay_ns : 0);
	if (delay_ns > 0) {
		if (ready < s->last_delayed_due)
			ready = s->last_delayed_due;
		s->last_delayed_due = ready;
	}
	struct nc_imp_due out = { .len = f->len, .index = f->index, .matched = f->matched,
				  .queued = now, .delay = delay_ns > 0 ? delay_ns : 0 };
	if (!(out.data = copy_of(f->data, f->len)))
		return -1;
	if (heap_add(s, &out, rate_due(s, ready, f->len)) < 0) {
		free(out.data);
		return -1;
	}
	return 0;
}

int nc_imp_sched_hold(struct nc_imp_sched *s, const struct nc_imp_frame *f, int64_t now,
		      uint32_t gap, int64_t hold_max_ns, unsigned rule)
{
	if (nc_imp_sched_count(s) >= s->limit || s->nhold >= NC_IMP_HOLD_MAX)
		return -1;
	struct nc_imp_hold *h = &s->hold[s->nhold];
	memset(h, 0, sizeof(*h));
	if (!(h->out.data = copy_of(f->data, f->len)))
		return -1;
	h->out.len = f->len;
	h->out.index = f->index;
	h->out.matched = f->matched;
	h->out.queued = now;
	h->out.was_held = true;
	h->out.rule = rule;
	h->left = gap ? gap : 1;
	h->deadline = now + hold_max_ns;
	s->nhold++;
	return 0;
}

/* Moves hold i onto the heap, due at `at`. */
static void release(struct nc_imp_sched *s, size_t i, int64_t at)
{
	struct nc_imp_due out = s->hold[i].out;
	s->hold[i] = s->hold[--s->nhold];
	if (heap_add(s, &out, rate_due(s, at, out.len)) < 0) {
		free(out.data); /* no memory for a bigger heap: lost, and counted */
		s->lost++;
	}
}

unsigned nc_imp_sched_sent(struct nc_imp_sched *s, uint64_t index, uint16_t matched, int64_t now)
{
	unsigned released = 0;
	for (size_t i = 0; i < s->nhold;) {
		struct nc_imp_hold *h = &s->hold[i];
		if (index > h->out.index && ((matched >> h->out.rule) & 1u)) {
			h->out.overtaken_by = index;
			if (--h->left == 0) {
				release(s, i, now);
				released++;
				continue; /* slot i now holds another entry */
			}
		}
		i++;
	}
	return released;
}

bool nc_imp_sched_pop(struct nc_imp_sched *s, int64_t now, struct nc_imp_due *out)
{
	for (size_t i = 0; i < s->nhold;) {
		if (s->hold[i].deadline <= now) {
			s->hold[i].out.timed_out = true;
			release(s, i, s->hold[i].deadline);
			continue;
		}
		i++;
	}
	if (s->n == 0 || s->heap[0].due > now)
		return false;
	*out = s->heap[0].out;
	s->heap[0] = s->heap[--s->n];
	sift_down(s, 0);
	return true;
}

int64_t nc_imp_sched_next(const struct nc_imp_sched *s)
{
	int64_t next = s->n ? s->heap[0].due : INT64_MAX;
	for (size_t i = 0; i < s->nhold; i++)
		if (s->hold[i].deadline < next)
			next = s->hold[i].deadline;
	return next;
}
