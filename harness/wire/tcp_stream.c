/* tcp_stream.c: TCP reassembly in the sequence space of RFC 9293 section
 * 3.4, and the connection table (see tcp_stream.h for the model). */
#include "wire/tcp_stream.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "wire/flow.h"
#include "wire/wire_int.h"

#define NC_HIST_INITIAL 4096u

/* A run of buffered out-of-order bytes; data NULL marks bytes that were on
 * the wire but not captured. The list is sorted and never overlaps. */
struct seg {
	uint64_t off;
	uint64_t len;
	uint8_t *data;
	struct seg *prev, *next;
};

struct nc_tcp_stream {
	struct nc_tcp_stream_cfg cfg;
	nc_tcp_sink_fn sink;
	nc_tcp_gap_fn gap;
	void *ctx;

	bool started;               /* next_seq and del mean something */
	bool finished;
	uint32_t next_seq;          /* sequence number of stream offset del */
	uint64_t del;               /* offset of the next byte to deliver */
	bool seg_retrans;           /* the segment being fed repeats bytes */
	bool last_placed;           /* the last segment fed had payload, at last_off */
	int64_t last_off;

	struct seg *head, *tail;    /* out-of-order runs, all beyond del */

	/* The last delivered bytes: offset x (hist_start <= x < del, at most
	 * history_max back) is at hist[(x - hist_start) % hcap]. The buffer
	 * grows linearly until it reaches history_max, then wraps. */
	uint8_t *hist;
	size_t hcap;
	uint64_t hist_start;

	struct nc_tcp_stream_stats st;
};

struct nc_tcp_stream *nc_tcp_stream_new(const struct nc_tcp_stream_cfg *cfg)
{
	struct nc_tcp_stream *s = nc_xcalloc(1, sizeof(*s));
	if (cfg)
		s->cfg = *cfg;
	if (s->cfg.ooo_max == 0)
		s->cfg.ooo_max = NC_TCP_OOO_MAX;
	if (s->cfg.history_max == 0)
		s->cfg.history_max = NC_TCP_HISTORY_MAX;
	else if (s->cfg.history_max == SIZE_MAX)
		s->cfg.history_max = 0;
	return s;
}

static void seg_free_all(struct nc_tcp_stream *s)
{
	struct seg *e = s->head;
	while (e) {
		struct seg *next = e->next;
		free(e->data);
		free(e);
		e = next;
	}
	s->head = s->tail = NULL;
	s->st.ooo_bytes = 0;
}

void nc_tcp_stream_free(struct nc_tcp_stream *s)
{
	if (!s)
		return;
	seg_free_all(s);
	free(s->hist);
	free(s);
}

void nc_tcp_stream_set_sink(struct nc_tcp_stream *s, nc_tcp_sink_fn sink, nc_tcp_gap_fn gap,
			    void *ctx)
{
	s->sink = sink;
	s->gap = gap;
	s->ctx = ctx;
}

const struct nc_tcp_stream_stats *nc_tcp_stream_stats(const struct nc_tcp_stream *s)
{
	return &s->st;
}

static void inconsistency(struct nc_tcp_stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void inconsistency(struct nc_tcp_stream *s, const char *fmt, ...)
{
	if (s->st.inconsistencies++ > 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->st.first_inconsistency, sizeof(s->st.first_inconsistency), fmt, ap);
	va_end(ap);
}

/* ---- history of delivered bytes ---- */

static void hist_add(struct nc_tcp_stream *s, const uint8_t *p, size_t n)
{
	size_t hmax = s->cfg.history_max;
	if (hmax == 0 || n == 0)
		return;
	uint64_t rel = s->del - s->hist_start;
	if (s->hcap < hmax && rel + n > s->hcap) {
		size_t nc = s->hcap ? s->hcap : NC_HIST_INITIAL;
		while (nc < rel + n && nc < hmax)
			nc = nc > hmax / 2 ? hmax : nc * 2;
		if (nc > hmax)
			nc = hmax;
		s->hist = nc_xrealloc(s->hist, nc);
		s->hcap = nc;
	}
	/* Either the bytes fit linearly (rel + n <= hcap) or the buffer is at
	 * its maximum and wraps; in both cases (rel % hcap) is the position. */
	if (n > s->hcap) {
		p += n - s->hcap;
		rel += n - s->hcap;
		n = s->hcap;
	}
	size_t pos = (size_t)(rel % s->hcap);
	size_t first = s->hcap - pos < n ? s->hcap - pos : n;
	memcpy(s->hist + pos, p, first);
	memcpy(s->hist, p + first, n - first);
}

/* The oldest offset still in the history. */
static uint64_t hist_low(const struct nc_tcp_stream *s)
{
	uint64_t span = s->del - s->hist_start;
	if (span > s->hcap)
		span = s->hcap;
	return s->del - span;
}

/* Compares p (n bytes at stream offset off, all below del) with the history
 * where it is kept. Returns the bytes compared; sets *diff to the offset of
 * the first difference, or UINT64_MAX. */
static uint64_t hist_compare(const struct nc_tcp_stream *s, uint64_t off, const uint8_t *p,
			     uint64_t n, uint64_t *diff)
{
	*diff = UINT64_MAX;
	uint64_t lo = hist_low(s);
	if (off < lo) {
		if (off + n <= lo)
			return 0;
		p += lo - off;
		n -= lo - off;
		off = lo;
	}
	for (uint64_t i = 0; i < n; i++) {
		size_t pos = (size_t)((off + i - s->hist_start) % s->hcap);
		if (s->hist[pos] != p[i]) {
			*diff = off + i;
			break;
		}
	}
	return n;
}

/* ---- delivery ---- */

static void deliver(struct nc_tcp_stream *s, const uint8_t *p, uint64_t n)
{
	if (n == 0)
		return;
	if (s->sink)
		s->sink(s->ctx, p, (size_t)n);
	hist_add(s, p, (size_t)n);
	s->del += n;
	s->next_seq += (uint32_t)n;
	s->st.delivered += n;
}

/* Moves past n bytes that will never be delivered. The history restarts
 * after them, since it must stay contiguous. */
static void skip(struct nc_tcp_stream *s, uint64_t n, bool uncaptured)
{
	if (n == 0)
		return;
	if (uncaptured) {
		s->st.uncaptured_bytes += n;
	} else {
		if (s->st.holes == 0)
			s->st.first_hole = s->del;
		s->st.holes++;
		s->st.hole_bytes += n;
	}
	if (s->gap)
		s->gap(s->ctx, s->del, n, uncaptured);
	s->del += n;
	s->next_seq += (uint32_t)n;
	s->hist_start = s->del;
}

static void seg_unlink(struct nc_tcp_stream *s, struct seg *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		s->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		s->tail = e->prev;
	s->st.ooo_bytes -= (e->data ? e->len : 0) + NC_TCP_SEG_OVERHEAD;
}

/* Delivers buffered runs that have become contiguous. */
static void drain(struct nc_tcp_stream *s)
{
	while (s->head && s->head->off <= s->del) {
		struct seg *e = s->head;
		seg_unlink(s, e);
		if (e->off + e->len > s->del) {
			uint64_t from = s->del - e->off;
			if (e->data)
				deliver(s, e->data + from, e->len - from);
			else
				skip(s, e->len - from, true);
		}
		free(e->data);
		free(e);
	}
}

static struct seg *seg_new(struct nc_tcp_stream *s, uint64_t off, uint64_t len,
			   const uint8_t *data, struct seg *before)
{
	struct seg *e = nc_xcalloc(1, sizeof(*e));
	e->off = off;
	e->len = len;
	if (data) {
		e->data = nc_xmalloc((size_t)len);
		memcpy(e->data, data, (size_t)len);
	}
	e->next = before;
	e->prev = before ? before->prev : s->tail;
	if (e->prev)
		e->prev->next = e;
	else
		s->head = e;
	if (before)
		before->prev = e;
	else
		s->tail = e;
	s->st.ooo_bytes += (data ? len : 0) + NC_TCP_SEG_OVERHEAD;
	if (s->st.ooo_bytes > s->st.ooo_peak)
		s->st.ooo_peak = s->st.ooo_bytes;
	return e;
}

/* Buffers [a, b) (data at a, or NULL for uncaptured bytes) into the parts
 * of the list it does not cover yet; overlaps with buffered bytes are
 * repeated bytes and are compared. With apply false nothing changes: the
 * return value is what buffering would cost (bytes plus the overhead of
 * each new run), so the cap can be checked exactly beforehand. */
static uint64_t seg_insert(struct nc_tcp_stream *s, uint64_t a, uint64_t b, const uint8_t *data,
			   bool apply)
{
	/* Segments mostly arrive near the end of what is buffered, so the
	 * place is searched from the tail. */
	struct seg *cur = s->tail;
	while (cur && cur->off + cur->len > a)
		cur = cur->prev;
	cur = cur ? cur->next : s->head;

	uint64_t cost = 0;
	uint64_t pos = a;
	while (pos < b) {
		uint64_t gap_end = !cur || cur->off >= b ? b : cur->off > pos ? cur->off : pos;
		if (gap_end > pos) {
			cost += (data ? gap_end - pos : 0) + NC_TCP_SEG_OVERHEAD;
			if (apply)
				seg_new(s, pos, gap_end - pos, data ? data + (pos - a) : NULL, cur);
			pos = gap_end;
			continue;
		}
		uint64_t end = cur->off + cur->len < b ? cur->off + cur->len : b;
		if (apply && data) {
			s->seg_retrans = true;
			s->st.retrans_bytes += end - pos;
			if (cur->data) {
				const uint8_t *x = data + (pos - a);
				const uint8_t *y = cur->data + (pos - cur->off);
				if (memcmp(x, y, (size_t)(end - pos)) != 0)
					inconsistency(s,
						      "bytes near offset %" PRIu64
						      " differ from an earlier copy of them",
						      pos);
			} else {
				s->st.retrans_unchecked += end - pos;
			}
		}
		pos = end;
		cur = cur->next;
	}
	return cost;
}

/* Handles the part of a segment below del: bytes received again. */
static void old_part(struct nc_tcp_stream *s, uint64_t o, uint64_t capend, uint64_t end,
		     const uint8_t *data)
{
	uint64_t e = end < s->del ? end : s->del;
	if (o >= e)
		return;
	s->seg_retrans = true;
	s->st.retrans_bytes += e - o;
	uint64_t ce = capend < e ? capend : e;
	uint64_t checked = 0;
	if (ce > o && s->hcap > 0) {
		uint64_t diff;
		checked = hist_compare(s, o, data, ce - o, &diff);
		if (diff != UINT64_MAX)
			inconsistency(s,
				      "retransmitted byte at offset %" PRIu64
				      " differs from the byte delivered before",
				      diff);
	}
	s->st.retrans_unchecked += (e - o) - checked;
}

/* Handles [a, end) at or beyond del: captured up to capend, data at a. */
static void new_part(struct nc_tcp_stream *s, uint64_t a, uint64_t capend, uint64_t end,
		     const uint8_t *data)
{
	if (a > s->del)
		s->st.ooo_segments++;
	for (;;) {
		if (a >= end)
			return;
		if (a < s->del) {
			/* Making room delivered bytes this segment also holds. */
			uint64_t e = end < s->del ? end : s->del;
			old_part(s, a, capend, end, data);
			if (capend > a)
				data += (capend < e ? capend : e) - a;
			a = e;
			if (capend < a)
				capend = a;
			continue;
		}
		if (a == s->del) {
			/* In order: deliver straight from the segment up to the
			 * first buffered run (the common case has none), without
			 * copying. Bytes the run also holds are then behind del
			 * and are compared as repeated bytes. */
			uint64_t stop = s->head && s->head->off < end ? s->head->off : end;
			uint64_t cstop = capend < stop ? capend : stop;
			deliver(s, data, cstop - a);
			skip(s, stop - cstop, true);
			if (cstop > a)
				data += cstop - a;
			a = stop;
			drain(s);
			continue;
		}
		uint64_t need = seg_insert(s, a, capend, data, false) +
				seg_insert(s, capend, end, NULL, false);
		if (s->st.ooo_bytes + need > s->cfg.ooo_max) {
			/* Give up the oldest gap rather than grow past the cap. */
			s->st.overflow = true;
			uint64_t to = s->head ? s->head->off : a;
			skip(s, to - s->del, false);
			drain(s);
			continue;
		}
		seg_insert(s, a, capend, data, true);
		seg_insert(s, capend, end, NULL, true);
		drain(s);
		return;
	}
}

void nc_tcp_stream_segment(struct nc_tcp_stream *s, uint32_t seq, uint8_t flags,
			   const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	s->last_placed = false;
	if (s->finished)
		return;
	s->st.segments++;
	if (!data)
		caplen = 0;
	if (wirelen < caplen)
		wirelen = caplen;

	if (flags & NC_TCP_RST) {
		s->st.saw_rst = true;
		return;
	}
	if (flags & NC_TCP_SYN) {
		if (!s->st.saw_syn) {
			s->st.saw_syn = true;
			s->st.isn = seq;
			if (s->started)
				inconsistency(s, "SYN (seq %u) after data", seq);
			else {
				s->started = true;
				s->next_seq = seq + 1;
			}
		} else if (seq != s->st.isn) {
			inconsistency(s, "SYN with seq %u, the first SYN had %u", seq, s->st.isn);
			return;
		}
		seq++; /* the SYN occupies one sequence number before the data */
	}
	bool fin = (flags & NC_TCP_FIN) != 0;
	if (wirelen == 0 && !fin)
		return;
	if (!s->started) {
		/* No SYN: the stream starts with the first data seen. */
		s->started = true;
		s->st.midstream = true;
		s->next_seq = seq;
	}

	/* Place the segment relative to the next expected byte. */
	int64_t rel = (int32_t)(seq - s->next_seq);
	int64_t o = (int64_t)s->del + rel;
	int64_t end = o + wirelen;
	int64_t capend = o + caplen;
	s->last_placed = wirelen > 0;
	s->last_off = o;

	if (fin) {
		if (!s->st.saw_fin) {
			s->st.saw_fin = true;
			s->st.fin_offset = end < 0 ? 0 : (uint64_t)end;
		} else if ((uint64_t)end != s->st.fin_offset) {
			inconsistency(s, "FIN at offset %" PRId64 ", the first FIN was at %" PRIu64,
				      end, s->st.fin_offset);
		}
	}
	if (s->st.saw_fin && wirelen > 0 && end > (int64_t)s->st.fin_offset) {
		int64_t from = o > (int64_t)s->st.fin_offset ? o : (int64_t)s->st.fin_offset;
		s->st.after_fin_bytes += (uint64_t)(end - from);
		inconsistency(s, "%" PRId64 " bytes after the FIN at offset %" PRIu64, end - from,
			      s->st.fin_offset);
		end = from;
		if (capend > end)
			capend = end;
	}
	if (o < 0) {
		/* Before the first byte this stream knows (picked up mid-stream,
		 * or sent before the SYN): old, and impossible to check. */
		int64_t stop = end < 0 ? end : 0;
		if (stop > o) {
			s->st.retrans_bytes += (uint64_t)(stop - o);
			s->st.retrans_unchecked += (uint64_t)(stop - o);
			s->seg_retrans = true;
		}
		if (end <= 0)
			goto done;
		if (capend > 0)
			data += -o;
		else
			data = NULL; /* no captured byte is left */
		capend = capend > 0 ? capend : 0;
		o = 0;
	}

	old_part(s, (uint64_t)o, (uint64_t)capend, (uint64_t)end, data);
	uint64_t a = (uint64_t)o > s->del ? (uint64_t)o : s->del;
	if ((uint64_t)end > a) {
		uint64_t ce = (uint64_t)capend > a ? (uint64_t)capend : a;
		const uint8_t *at = (uint64_t)capend > a ? data + (a - (uint64_t)o) : NULL;
		new_part(s, a, ce, (uint64_t)end, at);
	}
done:
	if (s->seg_retrans)
		s->st.retrans_segments++;
	s->seg_retrans = false;
}

bool nc_tcp_stream_add(struct nc_tcp_stream *s, const struct nc_pkt *p)
{
	if (p->l4 != NC_PROTO_TCP || !(p->layers & NC_LAYER_PAYLOAD))
		return false;
	nc_tcp_stream_segment(s, p->seq, p->tcp_flags, p->payload, p->payload_len,
			      p->payload_wire_len);
	return true;
}

bool nc_tcp_stream_last_offset(const struct nc_tcp_stream *s, int64_t *off)
{
	if (!s->last_placed)
		return false;
	*off = s->last_off;
	return true;
}

void nc_tcp_stream_finish(struct nc_tcp_stream *s)
{
	if (s->finished)
		return;
	while (s->head) {
		if (s->head->off > s->del)
			skip(s, s->head->off - s->del, false);
		drain(s);
	}
	if (s->st.saw_fin && s->del < s->st.fin_offset)
		skip(s, s->st.fin_offset - s->del, false);
	s->finished = true;
}

/* ---- connection table ---- */

struct nc_tcp_conns {
	struct nc_tcp_conns_cfg cfg;
	struct nc_flow_map *current; /* key -> the newest connection of that flow (not owned) */
	struct nc_tcp_conn **all;    /* owned, in order of creation */
	size_t count, cap;
	uint64_t untracked;
};

struct nc_tcp_conns *nc_tcp_conns_new(const struct nc_tcp_conns_cfg *cfg)
{
	struct nc_tcp_conns *t = nc_xcalloc(1, sizeof(*t));
	if (cfg)
		t->cfg = *cfg;
	if (t->cfg.max_conns == 0)
		t->cfg.max_conns = NC_TCP_CONNS_MAX;
	t->current = nc_flow_map_new(t->cfg.max_conns, NULL);
	return t;
}

void nc_tcp_conns_free(struct nc_tcp_conns *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++) {
		nc_tcp_stream_free(t->all[i]->dir[0]);
		nc_tcp_stream_free(t->all[i]->dir[1]);
		free(t->all[i]);
	}
	free(t->all);
	nc_flow_map_free(t->current);
	free(t);
}

static int side_of(const struct nc_tcp_conn *c, const struct nc_pkt *p)
{
	bool from0 = c->port[0] == p->sport && memcmp(c->addr[0], p->src, 16) == 0;
	bool to1 = c->port[1] == p->dport && memcmp(c->addr[1], p->dst, 16) == 0;
	return from0 && to1 ? 0 : 1;
}

static bool conn_closed(const struct nc_tcp_conn *c)
{
	const struct nc_tcp_stream_stats *a = &c->dir[0]->st, *b = &c->dir[1]->st;
	return a->saw_rst || b->saw_rst || (a->saw_fin && b->saw_fin);
}

struct nc_tcp_conn *nc_tcp_conns_lookup(struct nc_tcp_conns *t, const struct nc_pkt *p,
					int *side)
{
	struct nc_flow_key k;
	if (p->l4 != NC_PROTO_TCP || nc_flow_key_of(p, &k) < 0)
		return NULL;
	struct nc_tcp_conn *c = nc_flow_map_get(t->current, &k);
	bool syn = (p->tcp_flags & NC_TCP_SYN) != 0;
	bool synack = syn && (p->tcp_flags & NC_TCP_ACK);
	if (c && syn && !synack) {
		const struct nc_tcp_stream_stats *st = &c->dir[side_of(c, p)]->st;
		if ((st->saw_syn && st->isn != p->seq) || conn_closed(c))
			c = NULL;
	}
	if (!c) {
		if (t->count >= t->cfg.max_conns) {
			t->untracked++;
			return NULL;
		}
		c = nc_xcalloc(1, sizeof(*c));
		c->id = (uint32_t)t->count + 1;
		c->ipver = p->ipver;
		/* Side 0 is whoever sent the SYN: the sender of a SYN, the
		 * receiver of a SYN-ACK; without either, the first sender. */
		bool swap = synack;
		memcpy(c->addr[0], swap ? p->dst : p->src, 16);
		memcpy(c->addr[1], swap ? p->src : p->dst, 16);
		c->port[0] = swap ? p->dport : p->sport;
		c->port[1] = swap ? p->sport : p->dport;
		c->initiator_known = syn;
		c->dir[0] = nc_tcp_stream_new(&t->cfg.stream);
		c->dir[1] = nc_tcp_stream_new(&t->cfg.stream);
		if (t->count == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 16;
			t->all = nc_xrealloc(t->all, t->cap * sizeof(*t->all));
		}
		t->all[t->count++] = c;
		/* The map holds at most max_conns keys and count <= max_conns,
		 * so this cannot fail. */
		nc_flow_map_put(t->current, &k, c);
		if (t->cfg.on_new)
			t->cfg.on_new(t->cfg.ctx, c);
	}
	*side = side_of(c, p);
	return c;
}

struct nc_tcp_conn *nc_tcp_conns_add(struct nc_tcp_conns *t, const struct nc_pkt *p, int *side)
{
	int sd;
	struct nc_tcp_conn *c = nc_tcp_conns_lookup(t, p, &sd);
	if (!c)
		return NULL;
	c->packets++;
	nc_tcp_stream_add(c->dir[sd], p);
	if (side)
		*side = sd;
	return c;
}

void nc_tcp_conns_finish(struct nc_tcp_conns *t)
{
	for (size_t i = 0; i < t->count; i++) {
		nc_tcp_stream_finish(t->all[i]->dir[0]);
		nc_tcp_stream_finish(t->all[i]->dir[1]);
	}
}

size_t nc_tcp_conns_count(const struct nc_tcp_conns *t)
{
	return t->count;
}

struct nc_tcp_conn *nc_tcp_conns_get(const struct nc_tcp_conns *t, size_t i)
{
	return i < t->count ? t->all[i] : NULL;
}

uint64_t nc_tcp_conns_untracked(const struct nc_tcp_conns *t)
{
	return t->untracked;
}
