/* wirelog.c: decoding captured frames into what the wire checks need. */
#include "check/wirelog.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/text.h"
#include "wire/format.h"
#include "wire/packet.h"
#include "wire/tcp_stream.h"

struct priv;

struct dir_sink {
	struct nc_streamsum *sum;
	struct nc_buf kept;           /* the first bytes, for stream lines */
	struct priv *pv;              /* for the budget of kept bytes */
	uint64_t gap_bytes;
};

struct conn_user {
	struct nc_streamsum sum[2];   /* what side 0 and side 1 sent */
	struct dir_sink sink[2];
};

/* A datagram being put back together from IP fragments. */
struct frag {
	bool used;
	int ipver;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint8_t proto;
	uint32_t first_index;      /* the first fragment's packet index */
	uint8_t *data;             /* the IP payload, as far as known */
	uint32_t have;             /* bytes received (fragments do not overlap on loopback) */
	uint32_t total;            /* the payload length, once the last fragment is in; 0 before */
};

#define FRAG_SLOTS 64
#define FRAG_MAX (65535u + 8u)

struct priv {
	struct frag frags[FRAG_SLOTS];
	struct nc_fmt_ctx *fmt;
	struct nc_tcp_conns *conns;
	struct conn_user **users;     /* every connection's user data, to free */
	size_t nusers;
	uint64_t stream_kept;         /* stream bytes kept verbatim, all directions */
};

static void on_bytes(void *ctx, const uint8_t *p, size_t n)
{
	struct dir_sink *s = ctx;
	nc_streamsum_update(s->sum, p, n);
	/* Only the bytes in order from the stream's start are kept: after a
	 * gap, the verbatim copy would no longer be at its offsets. */
	if (s->gap_bytes == 0 && s->kept.len < NC_WIRE_STREAM_KEEP &&
	    s->pv->stream_kept < NC_WIRE_STREAM_BUDGET) {
		size_t room = NC_WIRE_STREAM_KEEP - s->kept.len;
		uint64_t left = NC_WIRE_STREAM_BUDGET - s->pv->stream_kept;
		size_t take = n < room ? n : room;
		if (take > left)
			take = (size_t)left;
		nc_buf_add(&s->kept, p, take);
		s->pv->stream_kept += take;
	}
}

static void on_gap(void *ctx, uint64_t offset, uint64_t n, bool uncaptured)
{
	struct dir_sink *s = ctx;
	(void)offset;
	(void)uncaptured;
	s->gap_bytes += n;
}

static void on_new_conn(void *ctx, struct nc_tcp_conn *c)
{
	struct priv *pv = ctx;
	struct conn_user *u = nc_xcalloc(1, sizeof(*u));
	for (int i = 0; i < 2; i++) {
		nc_streamsum_init(&u->sum[i]);
		u->sink[i].sum = &u->sum[i];
		u->sink[i].pv = pv;
		nc_buf_init(&u->sink[i].kept, NC_WIRE_STREAM_KEEP);
		nc_tcp_stream_set_sink(c->dir[i], on_bytes, on_gap, &u->sink[i]);
	}
	c->user = u;
	pv->users = nc_xrealloc(pv->users, (pv->nusers + 1) * sizeof(*pv->users));
	pv->users[pv->nusers++] = u;
}

struct nc_wirelog *nc_wirelog_new(int linktype, int64_t epoch_realtime_ns)
{
	struct nc_wirelog *w = nc_xcalloc(1, sizeof(*w));
	w->linktype = linktype;
	w->epoch_realtime_ns = epoch_realtime_ns;
	struct priv *pv = nc_xcalloc(1, sizeof(*pv));
	pv->fmt = nc_fmt_ctx_new(0);
	struct nc_tcp_conns_cfg cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.on_new = on_new_conn;
	cfg.ctx = pv;
	pv->conns = nc_tcp_conns_new(&cfg);
	w->priv = pv;
	/* The summaries grow with the capture: a hello/bye keeps a dozen, and
	 * allocating room for NC_WIRE_KEEP_HEAD up front (over a megabyte,
	 * mapped and unmapped again by every variant) cost more than its
	 * packets. */
	return w;
}

static void wpkt_free(struct nc_wpkt *p)
{
	free(p->head);
	free(p->line);
	free(p->opts);
	memset(p, 0, sizeof(*p));
}

static void summarize(struct nc_wirelog *w, const struct nc_pkt *p, int64_t ts_ns,
		      struct nc_wpkt *s)
{
	struct priv *pv = w->priv;
	memset(s, 0, sizeof(*s));
	s->index = p->index;
	s->t = ts_ns - w->epoch_realtime_ns;
	s->ipver = p->ipver;
	memcpy(s->src, p->src, 16);
	memcpy(s->dst, p->dst, 16);
	s->l4 = p->l4;
	s->sport = p->sport;
	s->dport = p->dport;
	s->flags = p->tcp_flags;
	s->seq = p->seq;
	s->ack = p->ack;
	s->payload_len = p->payload_wire_len;
	s->udp_len = p->udp_len;
	s->icmp_type = p->icmp_type;
	s->icmp_code = p->icmp_code;
	s->quote_present = p->quote.present;
	s->quote_l4 = p->quote.l4;
	s->quote_sport = p->quote.sport;
	s->quote_dport = p->quote.dport;
	memcpy(s->quote_src, p->quote.src, 16);
	memcpy(s->quote_dst, p->quote.dst, 16);
	s->bad = p->truncated || p->malformed;
	/* Payload heads are for matching the wire section and for messages; a
	 * bulk transfer keeps only a little of each later segment. */
	uint32_t cap = w->packets <= 1024 ? NC_WIRE_HEAD_BYTES : 64;
	uint32_t hl = p->payload_len < cap ? p->payload_len : cap;
	if (hl) {
		s->head = nc_xmalloc(hl);
		memcpy(s->head, p->payload, hl);
		s->head_len = hl;
	}
	struct nc_buf line;
	nc_buf_init(&line, 1024);
	nc_pkt_format(&line, p, pv->fmt);
	s->line = nc_buf_steal(&line);
	s->opts = nc_strdup(p->l4 == IPPROTO_TCP ? p->opts.text : "");
}

/* Keeps one datagram: where it went, its lengths, a digest of the payload
 * and, within the budget, the payload itself. */
static void store_dgram(struct nc_wirelog *w, uint32_t index, int ipver, const uint8_t *src,
			const uint8_t *dst, uint16_t sport, uint16_t dport, uint32_t len,
			uint16_t udp_len, const uint8_t *payload, uint32_t captured)
{
	if (w->ndgrams >= NC_WIRE_MAX_DGRAMS) {
		w->dgrams_dropped++;
		return;
	}
	w->dgrams = nc_xrealloc(w->dgrams, (w->ndgrams + 1) * sizeof(*w->dgrams));
	struct nc_wdgram *d = &w->dgrams[w->ndgrams++];
	memset(d, 0, sizeof(*d));
	d->index = index;
	d->ipver = ipver;
	memcpy(d->src, src, 16);
	memcpy(d->dst, dst, 16);
	d->sport = sport;
	d->dport = dport;
	d->len = len;
	d->udp_len = udp_len;
	d->captured = captured;
	d->digest = nc_digest_bytes(payload, captured);
	if (captured && w->udp_bytes_kept + captured <= NC_WIRE_UDP_BUDGET) {
		d->bytes = nc_xmalloc(captured);
		memcpy(d->bytes, payload, captured);
		w->udp_bytes_kept += captured;
	}
}

static void keep_dgram(struct nc_wirelog *w, const struct nc_pkt *p)
{
	store_dgram(w, p->index, p->ipver, p->src, p->dst, p->sport, p->dport, p->payload_wire_len,
		    p->udp_len, p->payload, p->payload_len);
}

/* Keeps a reassembled UDP datagram, read from its UDP header on. */
static void keep_reassembled(struct nc_wirelog *w, const struct frag *f)
{
	if (f->proto != IPPROTO_UDP || f->total < 8)
		return;
	const uint8_t *u = f->data;
	store_dgram(w, f->first_index, f->ipver, f->src, f->dst, (uint16_t)((u[0] << 8) | u[1]),
		    (uint16_t)((u[2] << 8) | u[3]), f->total - 8, (uint16_t)((u[4] << 8) | u[5]),
		    u + 8, f->total - 8);
}

/* Adds one fragment; a datagram complete at last is kept. IP reassembly
 * belongs to the wire checks because a UDP datagram larger than the MTU
 * (65527 bytes over IPv6 on "lo") only exists on the wire as fragments. */
static void add_fragment(struct nc_wirelog *w, const struct nc_pkt *p, const uint8_t *frame,
			 uint32_t caplen)
{
	struct priv *pv = w->priv;
	if (p->trans_off > caplen)
		return;
	uint32_t n = caplen - p->trans_off;
	if (n > p->ip_payload_len)
		n = p->ip_payload_len;
	uint32_t off = p->frag_off;
	if (off + n > FRAG_MAX)
		return;
	struct frag *f = NULL, *free_slot = NULL;
	for (int i = 0; i < FRAG_SLOTS; i++) {
		struct frag *c = &pv->frags[i];
		if (!c->used) {
			if (!free_slot)
				free_slot = c;
			continue;
		}
		if (c->ipver == p->ipver && c->id == p->frag_id && c->proto == p->ip_proto &&
		    !memcmp(c->src, p->src, 16) && !memcmp(c->dst, p->dst, 16))
			f = c;
	}
	if (!f) {
		if (!free_slot)
			return; /* too many at once: the datagram checks will say it is missing */
		f = free_slot;
		memset(f, 0, sizeof(*f));
		f->used = true;
		f->ipver = p->ipver;
		memcpy(f->src, p->src, 16);
		memcpy(f->dst, p->dst, 16);
		f->id = p->frag_id;
		f->proto = p->ip_proto;
		f->data = nc_xcalloc(1, FRAG_MAX);
		f->first_index = p->index;
	}
	if (off == 0)
		f->first_index = p->index;
	memcpy(f->data + off, frame + p->trans_off, n);
	f->have += n;
	if (!p->mf)
		f->total = off + n;
	if (f->total && f->have >= f->total) {
		keep_reassembled(w, f);
		free(f->data);
		memset(f, 0, sizeof(*f));
	}
}

void nc_wirelog_add(struct nc_wirelog *w, int64_t ts_ns, const uint8_t *data, uint32_t caplen,
		    uint32_t len)
{
	struct priv *pv = w->priv;
	struct nc_pkt p;
	w->packets++;
	int rc = nc_pkt_decode(w->linktype, data, caplen, len, &p);
	p.index = (uint32_t)w->packets;
	p.ts_ns = ts_ns;
	if (rc < 0) {
		w->bad++;
		if (!w->first_bad[0]) {
			char line[160];
			nc_pkt_format_str(&p, NULL, line, sizeof(line));
			snprintf(w->first_bad, sizeof(w->first_bad), "#%u %s", p.index, line);
		}
	}
	if (p.ipver == 4) {
		w->ipv4++;
		if (!w->first_ipv4)
			w->first_ipv4 = p.index;
	} else if (p.ipver == 6) {
		w->ipv6++;
		if (!w->first_ipv6)
			w->first_ipv6 = p.index;
	} else {
		w->other++;
	}

	/* Keep a summary: the first packets, then a ring of the latest. */
	struct nc_wpkt *slot;
	if (w->nhead < NC_WIRE_KEEP_HEAD) {
		if (w->nhead == w->head_cap) {
			w->head_cap = w->head_cap ? w->head_cap * 2 : 32;
			w->head = nc_xrealloc(w->head, w->head_cap * sizeof(*w->head));
		}
		slot = &w->head[w->nhead++];
	} else {
		if (!w->tail)
			w->tail = nc_xcalloc(NC_WIRE_KEEP_TAIL, sizeof(*w->tail));
		slot = &w->tail[w->tail_next];
		if (w->ntail == NC_WIRE_KEEP_TAIL) {
			wpkt_free(slot);
			w->skipped++;
		} else {
			w->ntail++;
		}
		w->tail_next = (w->tail_next + 1) % NC_WIRE_KEEP_TAIL;
	}
	summarize(w, &p, ts_ns, slot);
	if (p.ipver && p.fragment && (p.layers & NC_LAYER_NET))
		add_fragment(w, &p, data, caplen);
	else if (p.l4 == IPPROTO_UDP && p.payload)
		keep_dgram(w, &p);
	if (p.l4 == IPPROTO_TCP) {
		int side;
		struct nc_tcp_conn *c = nc_tcp_conns_add(pv->conns, &p, &side);
		if (!c) {
			w->tcp_untracked = nc_tcp_conns_untracked(pv->conns);
		} else {
			slot->conn = c->id;
			slot->side = (uint8_t)side;
			slot->placed = nc_tcp_stream_last_offset(c->dir[side], &slot->stream_off);
		}
	}
}

void nc_wirelog_finish(struct nc_wirelog *w)
{
	struct priv *pv = w->priv;
	if (w->streams)
		return;
	nc_tcp_conns_finish(pv->conns);
	size_t n = nc_tcp_conns_count(pv->conns);
	w->streams = nc_xcalloc(n * 2 + 1, sizeof(*w->streams));
	for (size_t i = 0; i < n; i++) {
		struct nc_tcp_conn *c = nc_tcp_conns_get(pv->conns, i);
		struct conn_user *u = c->user;
		for (int side = 0; side < 2; side++) {
			struct nc_wstream *s = &w->streams[w->nstreams++];
			const struct nc_tcp_stream_stats *st = nc_tcp_stream_stats(c->dir[side]);
			s->conn = c->id;
			s->ipver = c->ipver;
			memcpy(s->src, c->addr[side], 16);
			memcpy(s->dst, c->addr[1 - side], 16);
			s->sport = c->port[side];
			s->dport = c->port[1 - side];
			s->side = (uint8_t)side;
			s->length = u->sum[side].total + u->sink[side].gap_bytes;
			s->nkept = u->sink[side].kept.len;
			s->kept = s->nkept ? (uint8_t *)nc_buf_steal(&u->sink[side].kept) : NULL;
			if (!s->kept)
				s->nkept = 0;
			/* The summary moves to the log; the connection keeps an empty one. */
			s->sum = u->sum[side];
			nc_streamsum_init(&u->sum[side]);
			nc_streamsum_finish(&s->sum);
			s->holes = st->holes;
			s->hole_bytes = st->hole_bytes;
			s->first_hole = st->first_hole;
			s->inconsistencies = st->inconsistencies;
			memcpy(s->first_inconsistency, st->first_inconsistency,
			       sizeof(s->first_inconsistency));
			s->retrans_bytes = st->retrans_bytes;
			s->saw_syn = st->saw_syn;
			s->saw_fin = st->saw_fin;
			s->saw_rst = st->saw_rst;
			s->midstream = st->midstream;
		}
	}
	w->tcp_untracked = nc_tcp_conns_untracked(pv->conns);
}

void nc_wirelog_free(struct nc_wirelog *w)
{
	if (!w)
		return;
	struct priv *pv = w->priv;
	for (size_t i = 0; i < w->nhead; i++)
		wpkt_free(&w->head[i]);
	for (size_t i = 0; w->tail && i < NC_WIRE_KEEP_TAIL; i++)
		wpkt_free(&w->tail[i]);
	free(w->head);
	free(w->tail);
	for (size_t i = 0; i < w->ndgrams; i++)
		free(w->dgrams[i].bytes);
	free(w->dgrams);
	for (size_t i = 0; i < w->nstreams; i++) {
		nc_streamsum_free(&w->streams[i].sum);
		free(w->streams[i].kept);
	}
	free(w->streams);
	for (size_t i = 0; i < pv->nusers; i++) {
		for (int side = 0; side < 2; side++) {
			nc_streamsum_free(&pv->users[i]->sum[side]);
			nc_buf_free(&pv->users[i]->sink[side].kept);
		}
		free(pv->users[i]);
	}
	free(pv->users);
	for (int i = 0; i < FRAG_SLOTS; i++)
		free(pv->frags[i].data);
	nc_tcp_conns_free(pv->conns);
	nc_fmt_ctx_free(pv->fmt);
	free(pv);
	free(w);
}

size_t nc_wirelog_count(const struct nc_wirelog *w)
{
	return w->nhead + w->ntail;
}

const struct nc_wpkt *nc_wirelog_get(const struct nc_wirelog *w, size_t i)
{
	if (i < w->nhead)
		return &w->head[i];
	i -= w->nhead;
	if (i >= w->ntail)
		return NULL;
	/* The ring's oldest entry is at tail_next once it has wrapped. */
	size_t start = w->ntail == NC_WIRE_KEEP_TAIL ? w->tail_next : 0;
	return &w->tail[(start + i) % NC_WIRE_KEEP_TAIL];
}

const struct nc_wstream *nc_wirelog_stream(const struct nc_wirelog *w, uint32_t conn, int side)
{
	/* nc_wirelog_finish lays the directions out by connection id, which
	 * the table hands out as 1, 2, 3... in order of creation. */
	size_t i = ((size_t)conn - 1) * 2 + (size_t)side;
	if (conn == 0 || side < 0 || side > 1 || i >= w->nstreams)
		return NULL;
	return &w->streams[i];
}
