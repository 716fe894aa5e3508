/* wire.c: judging what the capture showed.
 *
 * Automatic checks, which every variant gets:
 * - the address family: an inet6 variant puts no IPv4 packet on the wire,
 *   an inet or dual one no IPv6 packet;
 * - every datagram a built-in role sent is on the wire exactly once, with
 *   the same bytes, a consistent UDP length field, and the endpoints both
 *   sockets reported; every datagram one received was on the wire;
 * - every TCP stream a built-in role sent is, reassembled from the capture,
 *   exactly the bytes the application sent, and what the receiver read is
 *   what the wire carried (all of it when the receiver read to the end);
 * - the reassembly found no retransmission that changed bytes.
 *
 * The wire section: expectations matched in order against the capture.
 * A failure names the expectation's line, what it expected, and the packet
 * found instead with its neighbours.
 */
#include "check/wire.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/payload.h"
#include "util/hexdump.h"
#include "util/text.h"

/* An endpoint on the wire: the IP version, the address, the port (-1 any). */
struct wep {
	bool known;
	int ipver;
	uint8_t ip[16];
	int port;
	bool any_host;        /* a wildcard socket address: any host matches */
};

static void wep_from_addr(const struct nc_addr *a, struct wep *e)
{
	memset(e, 0, sizeof(*e));
	if (!a->family)
		return;
	struct nc_addr u;
	if (nc_addr_unmap(a, &u))
		a = &u; /* a dual-stack socket's peer travels as IPv4 */
	e->known = true;
	e->ipver = a->family == AF_INET ? 4 : 6;
	memcpy(e->ip, a->ip, 16);
	if (e->ipver == 4)
		memset(e->ip + 4, 0, 12);
	e->port = a->port;
	e->any_host = nc_addr_is_any(a);
}

static bool wep_match(const struct wep *e, int ipver, const uint8_t ip[16], uint16_t port)
{
	if (!e->known)
		return false;
	if (e->port >= 0 && e->port != port)
		return false;
	if (e->ipver != ipver)
		return false;
	if (e->any_host)
		return true;
	return memcmp(e->ip, ip, ipver == 4 ? 4 : 16) == 0;
}

static const char *wep_str(const struct wep *e, char *buf, size_t n)
{
	char h[INET6_ADDRSTRLEN] = "?";
	if (!e->known) {
		snprintf(buf, n, "(unknown)");
		return buf;
	}
	if (e->any_host)
		snprintf(h, sizeof(h), "*");
	else
		inet_ntop(e->ipver == 4 ? AF_INET : AF_INET6, e->ip, h, sizeof(h));
	if (e->port >= 0)
		snprintf(buf, n, "%s.%d", h, e->port);
	else
		snprintf(buf, n, "%s", h);
	return buf;
}

static void loopback_wep(int ipver, int port, struct wep *e)
{
	struct nc_addr a;
	nc_addr_loopback(ipver == 4 ? AF_INET : AF_INET6, 0, &a);
	wep_from_addr(&a, e);
	e->port = port;
}

/* ------------------------------------------------------------------------ */
/* Where the roles were */

static int client_ipver(const struct nc_observed *o)
{
	return o->family == NC_FAM_INET6 ? 6 : 4;
}

/* The server as the client reached it: on the wire, a dual-stack server's
 * peer travels as IPv4. */
static void server_wep(const struct nc_observed *o, struct wep *e)
{
	const struct nc_role_obs *cli = &o->role[NC_ROLE_CLIENT];
	struct nc_addr a;
	memset(e, 0, sizeof(*e));
	if (nc_observed_server_addr(o, &a)) {
		struct nc_addr u;
		nc_addr_usable(&a, client_ipver(o) == 4 ? AF_INET : AF_INET6, &u);
		wep_from_addr(&u, e);
		return;
	}
	/* No server role: the client's other side is whatever it connected or
	 * sent to, such as the unused port. */
	const struct nc_role *role = &o->sc->role[NC_ROLE_CLIENT];
	for (uint32_t i = 0; i < cli->nsteps && !o->sc->role[NC_ROLE_SERVER].present; i++) {
		enum nc_step_kind k = role->steps[i].kind;
		if ((k == NC_STEP_CONNECT || k == NC_STEP_SENDTO) && cli->ended[i] &&
		    cli->facts[i].peer.family) {
			wep_from_addr(&cli->facts[i].peer, e);
			return;
		}
	}
}

static void client_wep(const struct nc_observed *o, struct wep *e)
{
	struct nc_addr a;
	memset(e, 0, sizeof(*e));
	if (nc_observed_client_addr(o, &a))
		wep_from_addr(&a, e);
}

static void item_wep(const struct nc_observed *o, const struct nc_endpoint *ep, struct wep *e)
{
	memset(e, 0, sizeof(*e));
	switch (ep->kind) {
	case NC_EP_SERVER:
		server_wep(o, e);
		return;
	case NC_EP_CLIENT:
		client_wep(o, e);
		return;
	case NC_EP_UNUSED:
		loopback_wep(client_ipver(o), o->unused_port, e);
		return;
	case NC_EP_ADDR:
		if (ep->host == NC_HOST_LITERAL) {
			struct nc_addr a;
			memset(&a, 0, sizeof(a));
			a.family = ep->lit_family;
			memcpy(a.ip, ep->lit_addr, 16);
			a.port = ep->port > 0 ? (uint16_t)ep->port : 0;
			wep_from_addr(&a, e);
		} else {
			loopback_wep(client_ipver(o), 0, e);
		}
		e->port = ep->port;
		return;
	}
}

/* ------------------------------------------------------------------------ */
/* Messages */

static void neighbours(const struct nc_wirelog *w, size_t at, struct nc_buf *d)
{
	size_t n = nc_wirelog_count(w);
	if (n == 0) {
		nc_buf_adds(d, "no packets were captured\n");
		return;
	}
	size_t from = at > 2 ? at - 2 : 0;
	size_t to = at + 3 < n ? at + 3 : n;
	nc_buf_adds(d, "captured packets around it:\n");
	for (size_t i = from; i < to; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(w, i);
		nc_buf_printf(d, "%s#%u %s\n", i == at ? "> " : "  ", p->index, p->line);
	}
	if (w->skipped)
		nc_buf_printf(d, "(%llu packets in the middle of the capture were not kept)\n",
			      (unsigned long long)w->skipped);
}

static struct nc_failure *wire_fail(struct nc_result *r, const struct nc_observed *o,
				     uint32_t line, const char *msg, const char *detail)
{
	return nc_result_fail(r, false, "wire", o->sc->path, line, msg, detail ? detail : "");
}

/* ------------------------------------------------------------------------ */
/* Automatic checks */

static void check_family(const struct nc_observed *o, const struct nc_wirelog *w,
			 struct nc_result *r)
{
	char msg[400];
	uint32_t first = 0;
	uint64_t n = 0;
	const char *what = NULL;
	if (o->family == NC_FAM_INET6 && w->ipv4) {
		n = w->ipv4;
		first = w->first_ipv4;
		what = "IPv4";
	} else if (o->family != NC_FAM_INET6 && w->ipv6) {
		n = w->ipv6;
		first = w->first_ipv6;
		what = "IPv6";
	}
	if (!what)
		return;
	const struct nc_wpkt *p = NULL;
	for (size_t i = 0; i < nc_wirelog_count(w); i++)
		if (nc_wirelog_get(w, i)->index == first)
			p = nc_wirelog_get(w, i);
	snprintf(msg, sizeof(msg), "the %s variant put %llu %s packet%s on the wire (first: #%u %s)",
		 nc_family_name(o->family), (unsigned long long)n, what, n == 1 ? "" : "s", first,
		 p ? p->line : "");
	wire_fail(r, o, 0, msg, "");
}

static bool dgram_bytes_match(const struct nc_wdgram *wd, const struct nc_dgram *d)
{
	if (wd->len != d->len)
		return false;
	if (d->copied == wd->captured)
		return wd->digest == d->digest;
	if (d->copied < wd->captured && wd->bytes)
		return nc_digest_bytes(wd->bytes, (size_t)d->copied) == d->digest;
	return d->copied < wd->captured; /* truncated and not kept: length only */
}

static void check_datagrams(const struct nc_observed *o, struct nc_wirelog *w,
			    struct nc_result *r)
{
	char msg[600], a[64], b[64];
	bool *sent_used = nc_xcalloc(w->ndgrams + 1, sizeof(bool));
	bool *recv_used = nc_xcalloc(w->ndgrams + 1, sizeof(bool));
	/* UDP length fields first: they must agree with the IP payload. */
	for (size_t i = 0; i < w->ndgrams; i++) {
		const struct nc_wdgram *wd = &w->dgrams[i];
		if ((uint32_t)wd->udp_len != wd->len + 8) {
			snprintf(msg, sizeof(msg), "datagram #%u has UDP length %u for %u payload bytes",
				 wd->index, wd->udp_len, wd->len);
			wire_fail(r, o, 0, msg, "");
		}
	}
	for (int ri = 0; ri < NC_ROLE_COUNT; ri++) {
		const struct nc_role_obs *ro = &o->role[ri];
		const struct nc_role *role = &o->sc->role[ri];
		for (size_t k = 0; k < ro->ndgrams; k++) {
			const struct nc_dgram *d = &ro->dgrams[k];
			struct wep src, dst;
			wep_from_addr(&d->local, &src);
			wep_from_addr(&d->peer, &dst);
			uint32_t line = d->step < role->nsteps ? role->steps[d->step].pos.line : 0;
			size_t found = SIZE_MAX, same_ends = SIZE_MAX;
			bool *used = d->sent ? sent_used : recv_used;
			/* A received datagram came from its peer to this socket. */
			const struct wep *from = d->sent ? &src : &dst;
			const struct wep *to = d->sent ? &dst : &src;
			for (size_t i = 0; i < w->ndgrams && found == SIZE_MAX; i++) {
				const struct nc_wdgram *wd = &w->dgrams[i];
				if (used[i] || !wep_match(from, wd->ipver, wd->src, wd->sport) ||
				    !wep_match(to, wd->ipver, wd->dst, wd->dport))
					continue;
				if (same_ends == SIZE_MAX)
					same_ends = i;
				if (dgram_bytes_match(wd, d))
					found = i;
			}
			if (found != SIZE_MAX) {
				used[found] = true;
				continue;
			}
			if (same_ends != SIZE_MAX) {
				const struct nc_wdgram *wd = &w->dgrams[same_ends];
				snprintf(msg, sizeof(msg), "the %s %s a %llu-byte datagram (%s > %s), but "
					 "the wire shows #%u with %u bytes%s", nc_role_name(ri),
					 d->sent ? "sent" : "received", (unsigned long long)d->len,
					 wep_str(from, a, sizeof(a)), wep_str(to, b, sizeof(b)), wd->index,
					 wd->len, wd->len == d->len ? " of other content" : "");
			} else {
				snprintf(msg, sizeof(msg), "the %s %s a %llu-byte datagram (%s > %s) that "
					 "does not appear on the wire", nc_role_name(ri),
					 d->sent ? "sent" : "received", (unsigned long long)d->len,
					 wep_str(from, a, sizeof(a)), wep_str(to, b, sizeof(b)));
			}
			struct nc_buf det;
			nc_buf_init(&det, 0);
			neighbours(w, 0, &det);
			wire_fail(r, o, line, msg, nc_buf_str(&det));
			nc_buf_free(&det);
		}
	}
	/* Exactly once: a datagram on the wire from a built-in sender that no
	 * send accounts for was duplicated or invented below the application. */
	for (size_t i = 0; i < w->ndgrams; i++) {
		const struct nc_wdgram *wd = &w->dgrams[i];
		if (sent_used[i])
			continue;
		for (int ri = 0; ri < NC_ROLE_COUNT; ri++) {
			const struct nc_role_obs *ro = &o->role[ri];
			if (o->sc->role[ri].is_exec || !o->sc->role[ri].present)
				continue;
			bool from_role = false;
			for (size_t k = 0; k < ro->ndgrams && !from_role; k++) {
				struct wep src;
				wep_from_addr(&ro->dgrams[k].local, &src);
				from_role = ro->dgrams[k].sent &&
					    wep_match(&src, wd->ipver, wd->src, wd->sport);
			}
			if (!from_role)
				continue;
			const struct nc_wpkt *p = NULL;
			size_t at = 0;
			for (size_t j = 0; j < nc_wirelog_count(w); j++)
				if (nc_wirelog_get(w, j)->index == wd->index) {
					p = nc_wirelog_get(w, j);
					at = j;
				}
			snprintf(msg, sizeof(msg), "datagram #%u (%u bytes) from the %s's socket "
				 "matches no send of the %s%s%s", wd->index, wd->len, nc_role_name(ri),
				 nc_role_name(ri), p ? ": " : "", p ? p->line : "");
			struct nc_buf det;
			nc_buf_init(&det, 0);
			neighbours(w, at, &det);
			wire_fail(r, o, 0, msg, nc_buf_str(&det));
			nc_buf_free(&det);
		}
	}
	free(sent_used);
	free(recv_used);
}

static const struct nc_wstream *find_stream(const struct nc_wirelog *w, const struct wep *src,
					    const struct wep *dst)
{
	/* The last matching one: a reused 4-tuple means a newer connection. */
	const struct nc_wstream *found = NULL;
	for (size_t i = 0; i < w->nstreams; i++) {
		const struct nc_wstream *s = &w->streams[i];
		if (wep_match(src, s->ipver, s->src, s->sport) &&
		    wep_match(dst, s->ipver, s->dst, s->dport))
			found = s;
	}
	return found;
}

static void range_text(uint64_t lo, uint64_t hi, char *buf, size_t n)
{
	if (lo == hi)
		snprintf(buf, n, "at offset %llu", (unsigned long long)lo);
	else
		snprintf(buf, n, "within bytes %llu..%llu", (unsigned long long)lo,
			 (unsigned long long)hi);
}

/* Shows both heads around the first difference when it lies inside them. */
static void stream_diff(const struct nc_streamsum *exp, const struct nc_streamsum *act,
			uint64_t lo, struct nc_buf *d)
{
	if (lo >= exp->head.len && lo >= act->head.len)
		return;
	uint64_t base = lo > 64 ? (lo - 64) & ~(uint64_t)15 : 0;
	size_t ne = exp->head.len > base ? exp->head.len - base : 0;
	size_t na = act->head.len > base ? act->head.len - base : 0;
	if (ne > 256)
		ne = 256;
	if (na > 256)
		na = 256;
	nc_hexdiff(d, "", exp->head.data + base, ne, act->head.data + base, na, base,
		   (int64_t)(lo - base));
}

/* Reports that a role's view of a stream and the wire's differ: the first
 * byte range known to differ, and a hex diff when it lies in the kept
 * heads. `want` is the side taken as the reference. */
static void stream_mismatch(const struct nc_observed *o, struct nc_result *r, int ri,
			    const char *verb, uint64_t app_total, uint64_t wire_total, const char *a,
			    const char *dir, const char *b, const struct nc_streamsum *want,
			    const struct nc_streamsum *got, uint64_t lo, uint64_t hi)
{
	char msg[700], range[96];
	range_text(lo, hi, range, sizeof(range));
	snprintf(msg, sizeof(msg), "the %s %s %llu bytes on %s%s%s, the wire carried %llu "
		 "(first difference %s)", nc_role_name(ri), verb, (unsigned long long)app_total, a,
		 dir, b, (unsigned long long)wire_total, range);
	struct nc_buf d;
	nc_buf_init(&d, 0);
	stream_diff(want, got, lo, &d);
	wire_fail(r, o, o->sc->role[ri].pos.line, msg, nc_buf_str(&d));
	nc_buf_free(&d);
}

static void check_streams(const struct nc_observed *o, const struct nc_wirelog *w,
			  struct nc_result *r)
{
	char msg[700], a[64], b[64];
	for (size_t i = 0; i < w->nstreams; i++) {
		const struct nc_wstream *s = &w->streams[i];
		if (s->inconsistencies) {
			snprintf(msg, sizeof(msg), "TCP connection %u: %llu retransmission%s carried "
				 "other bytes than the first transmission (first: %s)", s->conn,
				 (unsigned long long)s->inconsistencies, s->inconsistencies == 1 ? "" : "s",
				 s->first_inconsistency);
			wire_fail(r, o, 0, msg, "");
		}
	}
	for (int ri = 0; ri < NC_ROLE_COUNT; ri++) {
		const struct nc_role_obs *ro = &o->role[ri];
		const struct nc_role *role = &o->sc->role[ri];
		for (size_t k = 0; k < ro->nstreams; k++) {
			const struct nc_stream *st = &ro->streams[k];
			struct wep local, peer;
			wep_from_addr(&st->local, &local);
			wep_from_addr(&st->peer, &peer);
			const struct nc_wstream *out = find_stream(w, &local, &peer);
			const struct nc_wstream *in = find_stream(w, &peer, &local);
			wep_str(&local, a, sizeof(a));
			wep_str(&peer, b, sizeof(b));
			if (!out || !in) {
				snprintf(msg, sizeof(msg), "the %s's connection %s > %s does not appear "
					 "on the wire", nc_role_name(ri), a, b);
				wire_fail(r, o, role->pos.line, msg, "");
				continue;
			}
			if (out->holes || in->holes) {
				const struct nc_wstream *h = out->holes ? out : in;
				snprintf(msg, sizeof(msg), "the capture is missing %llu bytes of the "
					 "stream %s > %s (first at offset %llu), so it cannot be compared",
					 (unsigned long long)h->hole_bytes, out->holes ? a : b,
					 out->holes ? b : a, (unsigned long long)h->first_hole);
				nc_result_fail(r, true, "capture", o->sc->path, 0, msg, "");
				continue;
			}
			uint64_t lo = 0, hi = 0;
			/* What the application sent is on the wire: all of it, unless the
			 * peer reset the connection and the rest was discarded. */
			bool peer_reset = in->saw_rst;
			bool sent_ok = peer_reset ? nc_streamsum_prefix_of(&out->sum, &st->sent, &lo, &hi)
						  : nc_streamsum_equal(&st->sent, &out->sum, &lo, &hi);
			if (!sent_ok)
				stream_mismatch(o, r, ri, "sent", st->sent.total, out->sum.total, a, " > ",
						b, &st->sent, &out->sum, lo, hi);
			/* What the application received came off the wire, and all of it
			 * when it read to the end of the stream. */
			bool recv_ok = st->recv_eof ? nc_streamsum_equal(&in->sum, &st->recvd, &lo, &hi)
						    : nc_streamsum_prefix_of(&st->recvd, &in->sum, &lo, &hi);
			if (!recv_ok)
				stream_mismatch(o, r, ri, "received", st->recvd.total, in->sum.total, a,
						" < ", b, &in->sum, &st->recvd, lo, hi);
		}
	}
}

void nc_check_wire_auto(const struct nc_observed *o, struct nc_wirelog *w, struct nc_result *r)
{
	check_family(o, w, r);
	if (w->bad) {
		char msg[400];
		snprintf(msg, sizeof(msg), "%llu captured packet%s did not decode cleanly (first: %s)",
			 (unsigned long long)w->bad, w->bad == 1 ? "" : "s", w->first_bad);
		wire_fail(r, o, 0, msg, "");
	}
	if (o->sc->transport == NC_TRANSPORT_UDP)
		check_datagrams(o, w, r);
	else
		check_streams(o, w, r);
}

/* ------------------------------------------------------------------------ */
/* The wire section */

struct matcher {
	const struct nc_observed *o;
	const struct nc_wirelog *w;
	struct nc_result *r;
	size_t cur;               /* next packet to consider */
	bool *matched;            /* per kept packet */
	struct nc_varctx vars;
	char store[NC_VAR_COUNT][64];
	struct wep client, server;
};

static bool between(const struct wep *a, const struct wep *b, const struct nc_wpkt *p)
{
	return (wep_match(a, p->ipver, p->src, p->sport) && wep_match(b, p->ipver, p->dst, p->dport));
}

static bool pure_ack(const struct nc_wpkt *p)
{
	return p->l4 == IPPROTO_TCP && p->payload_len == 0 &&
	       (p->flags & (NC_TCP_SYN | NC_TCP_FIN | NC_TCP_RST)) == 0;
}

static void item_fail(struct matcher *m, const struct nc_wire_item *it, size_t got,
		      const char *why)
{
	char msg[900];
	struct nc_buf d;
	nc_buf_init(&d, 0);
	size_t n = nc_wirelog_count(m->w);
	if (got < n) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, got);
		snprintf(msg, sizeof(msg), "expected %s, got #%u %s%s%s", it->text, p->index, p->line,
			 why ? " " : "", why ? why : "");
		neighbours(m->w, got, &d);
	} else {
		snprintf(msg, sizeof(msg), "expected %s, but no such packet was captured%s%s", it->text,
			 why ? " " : "", why ? why : "");
		neighbours(m->w, n ? n - 1 : 0, &d);
	}
	struct nc_failure *f = wire_fail(m->r, m->o, it->pos.line, msg, nc_buf_str(&d));
	/* Roles stopped early by a failure never sent the rest of the
	 * exchange: its absence from the wire follows from that failure. */
	if (f && m->o->decided_t >= 0)
		f->consequence = true;
	nc_buf_free(&d);
}

/* The next packet at or after `from` from a to b (pure ACKs skipped unless
 * wanted). Returns the count when there is none. */
static size_t next_from(struct matcher *m, size_t from, const struct wep *a, const struct wep *b,
			int proto, bool skip_acks)
{
	size_t n = nc_wirelog_count(m->w);
	for (size_t i = from; i < n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (p->l4 != proto || !between(a, b, p))
			continue;
		if (skip_acks && pure_ack(p))
			continue;
		return i;
	}
	return n;
}

static int handshake(struct matcher *m, const struct nc_wire_item *it)
{
	static const uint8_t want[3] = { NC_TCP_SYN, NC_TCP_SYN | NC_TCP_ACK, NC_TCP_ACK };
	const struct wep *dir[3][2] = { { &m->client, &m->server }, { &m->server, &m->client },
					{ &m->client, &m->server } };
	size_t at = m->cur;
	struct nc_buf opts;
	nc_buf_init(&opts, 1024);
	for (int k = 0; k < 3; k++) {
		size_t i = next_from(m, at, dir[k][0], dir[k][1], IPPROTO_TCP, false);
		if (i >= nc_wirelog_count(m->w)) {
			nc_buf_free(&opts);
			item_fail(m, it, i, k == 0 ? "(no SYN from the client)"
					    : k == 1 ? "(no SYN-ACK from the server)"
						     : "(no ACK completing the handshake)");
			return -1;
		}
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		uint8_t f = p->flags & (NC_TCP_SYN | NC_TCP_ACK | NC_TCP_RST | NC_TCP_FIN);
		if (f != want[k]) {
			nc_buf_free(&opts);
			item_fail(m, it, i, k == 0 ? "(the handshake's first packet must be a SYN)"
					    : k == 1 ? "(the server must answer SYN-ACK)"
						     : "(the client must acknowledge with ACK)");
			return -1;
		}
		m->matched[i] = true;
		if (k < 2)
			nc_buf_printf(&opts, "%s%s [%s]", k ? ", " : "", k ? "SYN-ACK" : "SYN",
				      p->opts[0] ? p->opts : "no options");
		at = i + 1;
	}
	nc_result_prop(m->r, "handshake", nc_buf_str(&opts));
	nc_buf_free(&opts);
	m->cur = at;
	return 0;
}

/* How the connection ended is a property of the whole connection: a FIN
 * may already have been matched by an earlier expectation (a half-close),
 * so the search starts at the beginning of the capture. */
static int teardown(struct matcher *m, const struct nc_wire_item *it)
{
	size_t n = nc_wirelog_count(m->w);
	bool fin_c = false, fin_s = false;
	for (size_t i = 0; i < n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (p->l4 != IPPROTO_TCP)
			continue;
		bool c2s = between(&m->client, &m->server, p), s2c = between(&m->server, &m->client, p);
		if (!c2s && !s2c)
			continue;
		if (p->flags & NC_TCP_RST) {
			if (it->teardown_rst) {
				m->matched[i] = true;
				if (i + 1 > m->cur)
					m->cur = i + 1;
				return 0;
			}
			item_fail(m, it, i, "(the connection was reset instead of closed with FIN)");
			return -1;
		}
		if (p->flags & NC_TCP_FIN) {
			m->matched[i] = true;
			if (c2s)
				fin_c = true;
			else
				fin_s = true;
			if (fin_c && fin_s && !it->teardown_rst) {
				if (i + 1 > m->cur)
					m->cur = i + 1;
				return 0;
			}
		}
	}
	if (it->teardown_rst)
		item_fail(m, it, n, "(no RST between client and server)");
	else
		item_fail(m, it, n, !fin_c && !fin_s ? "(no FIN in either direction)"
			  : !fin_c ? "(no FIN from the client)" : "(no FIN from the server)");
	return -1;
}

static int icmp_item(struct matcher *m, const struct nc_wire_item *it)
{
	struct wep src, dst;
	item_wep(m->o, &it->src, &src);
	item_wep(m->o, &it->dst, &dst);
	size_t n = nc_wirelog_count(m->w);
	size_t first_icmp = n;
	for (size_t i = m->cur; i < n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		bool v4 = p->l4 == IPPROTO_ICMP && p->icmp_type == 3 && p->icmp_code == 3;
		bool v6 = p->l4 == IPPROTO_ICMPV6 && p->icmp_type == 1 && p->icmp_code == 4;
		if (p->l4 != IPPROTO_ICMP && p->l4 != IPPROTO_ICMPV6)
			continue;
		if (first_icmp == n)
			first_icmp = i;
		if (!v4 && !v6)
			continue;
		/* The error travels from the unreachable port's host back to the
		 * sender, quoting the datagram that sender sent. */
		struct wep sh = src, dh = dst;
		sh.port = dh.port = -1;
		if (!wep_match(&sh, p->ipver, p->src, 0) || !wep_match(&dh, p->ipver, p->dst, 0))
			continue;
		if (!p->quote_present || p->quote_l4 != IPPROTO_UDP)
			continue;
		if ((dst.port >= 0 && p->quote_sport != dst.port) ||
		    (src.port >= 0 && p->quote_dport != src.port))
			continue;
		m->matched[i] = true;
		m->cur = i + 1;
		return 0;
	}
	item_fail(m, it, first_icmp, first_icmp < n ? "(not a port unreachable for that datagram)"
						   : NULL);
	return -1;
}

static int packet_item(struct matcher *m, const struct nc_wire_item *it)
{
	struct wep src, dst;
	item_wep(m->o, &it->src, &src);
	item_wep(m->o, &it->dst, &dst);
	bool tcp = it->proto == IPPROTO_TCP;
	/* Only a pure-ACK expectation looks at pure ACKs. */
	bool skip_acks = tcp && !(it->has_flags && it->flags == NC_TCP_ACK);
	size_t i = next_from(m, m->cur, &src, &dst, it->proto, skip_acks);
	size_t n = nc_wirelog_count(m->w);
	if (i >= n) {
		item_fail(m, it, n, NULL);
		return -1;
	}
	const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
	if (it->has_flags &&
	    (p->flags & (NC_TCP_FIN | NC_TCP_SYN | NC_TCP_RST | NC_TCP_PSH | NC_TCP_ACK | NC_TCP_URG)) !=
		    it->flags) {
		item_fail(m, it, i, NULL);
		return -1;
	}
	uint64_t want_len = it->has_len ? it->len : 0;
	struct nc_buf want;
	nc_buf_init(&want, 0);
	if (it->has_payload) {
		struct nc_payload_gen g;
		enum nc_var miss;
		if (nc_payload_open(&g, &it->payload, &m->vars, &miss) < 0) {
			char msg[200];
			snprintf(msg, sizeof(msg), "variable ${%s} has no value for this wire expectation",
				 nc_var_name(miss));
			nc_result_fail(m->r, true, "scenario", m->o->sc->path, it->pos.line, msg, "");
			nc_buf_free(&want);
			return -1;
		}
		want_len = g.len;
		if (g.len <= NC_WIRE_HEAD_BYTES * 8) {
			uint8_t tmp[NC_WIRE_HEAD_BYTES * 8];
			nc_payload_read(&g, tmp, (size_t)g.len);
			nc_buf_add(&want, tmp, (size_t)g.len);
		}
		nc_payload_close(&g);
	}
	if (!it->has_payload && !it->has_len) {
		m->matched[i] = true;
		m->cur = i + 1;
		nc_buf_free(&want);
		return 0;
	}
	/* One expectation, one packet: a TCP payload split over two segments
	 * is two lines of the wire section, which is how tcpdump shows it and
	 * what a stack that splits sends must be caught by. */
	struct nc_buf got;
	nc_buf_init(&got, 0);
	uint64_t total = p->payload_len;
	size_t last = i;
	bool exact_bytes = p->head_len == p->payload_len;
	nc_buf_add(&got, p->head, p->head_len);
	m->matched[i] = true;
	char why[200];
	bool ok = total == want_len;
	if (ok && it->has_payload && want.len == want_len && exact_bytes)
		ok = got.len == want.len && memcmp(got.data, want.data, want.len) == 0;
	if (!ok) {
		struct nc_buf w2;
		nc_buf_init(&w2, 0);
		if (it->has_payload) {
			nc_buf_adds(&w2, "(payload ");
			nc_show_bytes(&w2, got.data, got.len, 64);
			nc_buf_printf(&w2, ", %llu bytes, differs)", (unsigned long long)total);
		} else {
			nc_buf_printf(&w2, "(%llu payload bytes)", (unsigned long long)total);
		}
		snprintf(why, sizeof(why), "%s", nc_buf_str(&w2));
		nc_buf_free(&w2);
		item_fail(m, it, i, why);
		nc_buf_free(&want);
		nc_buf_free(&got);
		return -1;
	}
	m->cur = last + 1;
	nc_buf_free(&want);
	nc_buf_free(&got);
	return 0;
}

static void only_item(struct matcher *m, const struct nc_wire_item *it)
{
	size_t n = nc_wirelog_count(m->w);
	for (size_t i = 0; i < n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (m->matched[i] || pure_ack(p))
			continue;
		bool ours = between(&m->client, &m->server, p) || between(&m->server, &m->client, p);
		if (!ours && p->l4 != IPPROTO_ICMP && p->l4 != IPPROTO_ICMPV6)
			continue;
		item_fail(m, it, i, "(a packet the wire section does not list)");
		return;
	}
}

void nc_check_wire_section(const struct nc_observed *o, const struct nc_wirelog *w,
			   struct nc_result *r)
{
	const struct nc_scenario *sc = o->sc;
	if (!sc->has_wire)
		return;
	struct matcher m;
	memset(&m, 0, sizeof(m));
	m.o = o;
	m.w = w;
	m.r = r;
	m.matched = nc_xcalloc(nc_wirelog_count(w) + 1, sizeof(bool));
	nc_observed_vars(o, &m.vars, m.store);
	client_wep(o, &m.client);
	server_wep(o, &m.server);
	for (size_t k = 0; k < sc->nwire; k++) {
		const struct nc_wire_item *it = &sc->wire[k];
		int rc = 0;
		switch (it->kind) {
		case NC_WIRE_HANDSHAKE:
			rc = handshake(&m, it);
			break;
		case NC_WIRE_TEARDOWN:
			rc = teardown(&m, it);
			break;
		case NC_WIRE_PACKET:
			rc = packet_item(&m, it);
			break;
		case NC_WIRE_ICMP:
			rc = icmp_item(&m, it);
			break;
		case NC_WIRE_ONLY:
			only_item(&m, it);
			break;
		}
		/* After a miss the rest would fail in its wake: one message, the
		 * first, says what went wrong. */
		if (rc < 0)
			break;
	}
	free(m.matched);
}
