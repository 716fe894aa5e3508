/* wire_section.c: the scenario's wire section, matched in order against
 * the capture.
 *
 * Every line is placed at one captured packet, and the lines must be
 * placed in the order they are written:
 * - a packet line (handshake, teardown, udp, tcp segment, icmp) is placed
 *   at the packet it matched (the handshake at its last); it matches the
 *   first suitable packet at or after the previous line's place that no
 *   packet line matched yet;
 * - a stream line (wire_stream.c) is placed at the packet that first
 *   carried its first byte, which must not come before the previous line's
 *   place: two lines may share a segment.
 * A teardown judges the whole connection, so a FIN an earlier line matched
 * counts; it is placed at the packet that completed it.
 *
 * A failure says which field differed and shows expected against actual
 * for it ("expected flags [S.] (SYN+ACK), got [R.] (RST+ACK) in #2 ..."),
 * names the line, and lists the packets around the one in question. After
 * a failure the rest of the section is not judged: it would fail in its
 * wake.
 */
#include "check/wire.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/wire_int.h"
#include "util/hexdump.h"
#include "util/text.h"
#include "wire/format.h"
#include "wire/names.h"
#include "wire/packet.h"
#include "wire/tcp_flags.h"

#define SHOW_MAX 64          /* payload bytes shown in a one-line message */
#define SEG_MAX 65536u       /* a segment's or datagram's payload is at most this */

/* ------------------------------------------------------------------------ */
/* Shared by the lines */

void nc_wsec_fail(struct nc_wmatch *m, const struct nc_wire_item *it, size_t at, const char *msg,
		  const char *detail)
{
	struct nc_buf full, d;
	nc_buf_init(&full, 0);
	nc_buf_init(&d, 0);
	nc_buf_printf(&full, "%s: %s", it->text, msg);
	if (detail)
		nc_buf_adds(&d, detail);
	nc_wire_neighbours(m->w, at, &d);
	struct nc_failure *f = nc_wire_fail(m->r, m->o, it->pos.line, nc_buf_str(&full),
					    nc_buf_str(&d));
	/* Roles stopped early by a failure never sent the rest of the
	 * exchange: its absence from the wire follows from that failure. */
	if (f && m->o->decided_t >= 0)
		f->consequence = true;
	nc_buf_free(&full);
	nc_buf_free(&d);
}

void nc_wsec_pkt_ref(const struct nc_wmatch *m, size_t i, struct nc_buf *b)
{
	const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
	nc_buf_printf(b, "#%u %s", p->index, p->line);
}

void nc_wsec_item_wep(const struct nc_wmatch *m, const struct nc_endpoint *ep, struct wep *e)
{
	memset(e, 0, sizeof(*e));
	switch (ep->kind) {
	case NC_EP_SERVER:
		*e = m->server;
		return;
	case NC_EP_CLIENT:
		*e = m->client;
		return;
	case NC_EP_UNUSED:
		nc_wep_loopback(nc_wire_client_ipver(m->o), m->o->unused_port, e);
		return;
	case NC_EP_ADDR:
		if (ep->host == NC_HOST_LITERAL) {
			struct nc_addr a;
			memset(&a, 0, sizeof(a));
			a.family = ep->lit_family;
			memcpy(a.ip, ep->lit_addr, 16);
			a.port = ep->port > 0 ? (uint16_t)ep->port : 0;
			nc_wep_from_addr(&a, e);
		} else {
			nc_wep_loopback(nc_wire_client_ipver(m->o), 0, e);
		}
		e->port = ep->port;
		return;
	}
}

const char *nc_wsec_ep_desc(const struct nc_endpoint *ep, const struct wep *e, char *buf, size_t n)
{
	char hp[64];
	if (e->known)
		nc_wep_hostport(e, hp, sizeof(hp));
	else
		snprintf(hp, sizeof(hp), "address not known");
	switch (ep->kind) {
	case NC_EP_SERVER:
		snprintf(buf, n, "the server (%s)", hp);
		break;
	case NC_EP_CLIENT:
		snprintf(buf, n, "the client (%s)", hp);
		break;
	case NC_EP_UNUSED:
		snprintf(buf, n, "the unused port (%s)", hp);
		break;
	case NC_EP_ADDR:
		snprintf(buf, n, "%s", hp);
		break;
	}
	return buf;
}

bool nc_wsec_between(const struct wep *a, const struct wep *b, const struct nc_wpkt *p)
{
	return nc_wep_match(a, p->ipver, p->src, p->sport) &&
	       nc_wep_match(b, p->ipver, p->dst, p->dport);
}

int nc_wsec_open_payload(struct nc_wmatch *m, const struct nc_wire_item *it,
			 struct nc_payload_gen *g)
{
	enum nc_var miss;
	if (nc_payload_open(g, &it->payload, &m->vars, &miss) == 0)
		return 0;
	char msg[200];
	snprintf(msg, sizeof(msg), "variable ${%s} has no value for this wire expectation",
		 nc_var_name(miss));
	nc_result_fail(m->r, true, "scenario", m->o->sc->path, it->pos.line, msg, "");
	return -1;
}

static bool pure_ack(const struct nc_wpkt *p)
{
	return p->l4 == IPPROTO_TCP && p->payload_len == 0 &&
	       (p->flags & (NC_TCP_SYN | NC_TCP_FIN | NC_TCP_RST)) == 0;
}

static void flags_text(uint8_t flags, struct nc_buf *b)
{
	char letters[16], names[64];
	nc_buf_printf(b, "[%s] (%s)", nc_tcp_flags_str(flags, letters, sizeof(letters)),
		      nc_tcp_flags_names(flags, names, sizeof(names)));
}

/* The reply to kept packet i, from its destination back to its source:
 * the first one after it; the count when there is none. */
static size_t reply_to(const struct nc_wmatch *m, size_t i, int proto)
{
	const struct nc_wpkt *q = nc_wirelog_get(m->w, i);
	size_t n = nc_wirelog_count(m->w);
	for (size_t j = i + 1; j < n; j++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, j);
		if (p->ipver != q->ipver)
			continue;
		size_t alen = p->ipver == 4 ? 4 : 16;
		bool back = memcmp(p->src, q->dst, alen) == 0 && memcmp(p->dst, q->src, alen) == 0;
		if (!back)
			continue;
		if (proto == IPPROTO_TCP && p->l4 == IPPROTO_TCP && p->sport == q->dport &&
		    p->dport == q->sport)
			return j;
		if (proto == IPPROTO_UDP && (p->l4 == IPPROTO_ICMP || p->l4 == IPPROTO_ICMPV6) &&
		    p->quote_present && p->quote_l4 == IPPROTO_UDP && p->quote_sport == q->sport &&
		    p->quote_dport == q->dport)
			return j;
	}
	return n;
}

size_t nc_wsec_misdirected(const struct nc_wmatch *m, size_t from, int proto,
			   const struct wep *src, const struct wep *dst, struct nc_buf *b)
{
	size_t n = nc_wirelog_count(m->w), found = n;
	bool wrong_source = false;
	for (size_t i = from; i < n && found == n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (m->matched[i] || p->l4 != proto)
			continue;
		/* A connection starts with a SYN; a datagram is what it is. */
		if (proto == IPPROTO_TCP && (p->flags & (NC_TCP_SYN | NC_TCP_ACK)) != NC_TCP_SYN)
			continue;
		bool from_src = nc_wep_match(src, p->ipver, p->src, p->sport);
		bool to_dst = nc_wep_match(dst, p->ipver, p->dst, p->dport);
		bool from_dst = nc_wep_match(dst, p->ipver, p->src, p->sport);
		if (from_src && !to_dst) {
			found = i;
		} else if (!src->known && !to_dst && !from_dst) {
			/* The source unknown (a program client nobody accepted):
			 * inside the variant's namespace, only its roles send. */
			found = i;
		} else if (src->known && !from_src && to_dst) {
			found = i;
			wrong_source = true;
		}
	}
	if (found == n)
		return n;
	const struct nc_wpkt *p = nc_wirelog_get(m->w, found);
	char a[64], c[64];
	nc_wire_hostport(p->ipver, p->src, p->sport, a, sizeof(a));
	nc_wire_hostport(p->ipver, p->dst, p->dport, c, sizeof(c));
	nc_buf_printf(b, "#%u %s from %s to %s", p->index, proto == IPPROTO_TCP ? "SYN" : "a datagram",
		      a, c);
	if (wrong_source) {
		nc_buf_adds(b, ", from another socket than expected");
		return found;
	}
	if (nc_wep_match(&m->server, p->ipver, p->dst, p->dport))
		nc_buf_adds(b, " (the server)");
	size_t r = reply_to(m, found, proto);
	if (r < n) {
		const struct nc_wpkt *q = nc_wirelog_get(m->w, r);
		if (proto == IPPROTO_UDP || (q->flags & NC_TCP_RST))
			nc_buf_printf(b, ", a port nothing served (answered by #%u %s)", q->index,
				      proto == IPPROTO_UDP ? "ICMP port unreachable" : "RST");
		else
			nc_buf_printf(b, ", which something else answered (#%u)", q->index);
	} else if (proto == IPPROTO_TCP) {
		/* A datagram needs no answer; a SYN does. */
		nc_buf_adds(b, ", which nothing answered");
	}
	return found;
}

/* ------------------------------------------------------------------------ */
/* Directions of TCP connections */

struct nc_wdir *nc_wsec_dir(struct nc_wmatch *m, uint32_t conn, uint8_t side)
{
	for (size_t i = 0; i < m->ndirs; i++)
		if (m->dirs[i].conn == conn && m->dirs[i].side == side)
			return &m->dirs[i];
	const struct nc_wstream *s = nc_wirelog_stream(m->w, conn, side);
	if (!s)
		return NULL;
	m->dirs = nc_xrealloc(m->dirs, (m->ndirs + 1) * sizeof(*m->dirs));
	struct nc_wdir *d = &m->dirs[m->ndirs++];
	memset(d, 0, sizeof(*d));
	d->s = s;
	d->conn = conn;
	d->side = side;
	return d;
}

void nc_wsec_cover(struct nc_wdir *d, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return;
	d->cov = nc_xrealloc(d->cov, (d->ncov + 1) * sizeof(*d->cov));
	d->cov[d->ncov++] = (struct nc_wrange){ lo, hi };
}

bool nc_wsec_consumed(const struct nc_wmatch *m, size_t i)
{
	const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
	if (!p->placed || p->payload_len == 0)
		return false;
	for (size_t k = 0; k < m->ndirs; k++) {
		const struct nc_wdir *d = &m->dirs[k];
		if (d->conn == p->conn && d->side == p->side)
			return p->stream_off + (int64_t)p->payload_len <= (int64_t)d->next;
	}
	return false;
}

/* ------------------------------------------------------------------------ */
/* Handshake and teardown */

/* Learns a client nobody reported (two programs) from the first SYN to
 * the server: inside the variant's namespace, only its roles talk. */
static void learn_client(struct nc_wmatch *m, size_t from)
{
	size_t n = nc_wirelog_count(m->w);
	for (size_t i = from; i < n && !m->client.known; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (p->l4 == IPPROTO_TCP && (p->flags & (NC_TCP_SYN | NC_TCP_ACK)) == NC_TCP_SYN &&
		    nc_wep_match(&m->server, p->ipver, p->dst, p->dport)) {
			memset(&m->client, 0, sizeof(m->client));
			m->client.known = true;
			m->client.ipver = p->ipver;
			memcpy(m->client.ip, p->src, 16);
			m->client.port = p->sport;
		}
	}
}

static int handshake(struct nc_wmatch *m, const struct nc_wire_item *it)
{
	static const uint8_t want[3] = { NC_TCP_SYN, NC_TCP_SYN | NC_TCP_ACK, NC_TCP_ACK };
	static const char *const what[3] = { "a SYN", "a SYN-ACK", "the ACK completing it" };
	const struct wep *dir[3][2] = { { &m->client, &m->server }, { &m->server, &m->client },
					{ &m->client, &m->server } };
	size_t at = m->place, n = nc_wirelog_count(m->w);
	char a[96], b[96];
	struct nc_buf opts, msg;
	nc_buf_init(&opts, 1024);
	nc_buf_init(&msg, 0);
	if (!m->client.known)
		learn_client(m, at);
	for (int k = 0; k < 3; k++) {
		size_t i = at;
		while (i < n && (m->matched[i] || nc_wirelog_get(m->w, i)->l4 != IPPROTO_TCP ||
				 !nc_wsec_between(dir[k][0], dir[k][1], nc_wirelog_get(m->w, i))))
			i++;
		struct nc_endpoint se = { .kind = NC_EP_SERVER }, ce = { .kind = NC_EP_CLIENT };
		nc_wsec_ep_desc(k == 1 ? &se : &ce, dir[k][0], a, sizeof(a));
		nc_wsec_ep_desc(k == 1 ? &ce : &se, dir[k][1], b, sizeof(b));
		if (i >= n) {
			size_t wrong = n;
			if (k == 0) {
				nc_buf_printf(&msg, "expected a handshake with %s, got ", b);
				wrong = nc_wsec_misdirected(m, at, IPPROTO_TCP, &m->client,
							    &m->server, &msg);
				if (wrong == n)
					nc_buf_reset(&msg);
			}
			if (!msg.len)
				nc_buf_printf(&msg, "expected %s from %s to %s, but no such packet "
					      "was captured", what[k], a, b);
			nc_wsec_fail(m, it, wrong, nc_buf_str(&msg), NULL);
			goto fail;
		}
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		uint8_t f = p->flags & (NC_TCP_SYN | NC_TCP_ACK | NC_TCP_RST | NC_TCP_FIN);
		if (f != want[k]) {
			nc_buf_adds(&msg, "expected flags ");
			flags_text(want[k], &msg);
			nc_buf_printf(&msg, " from %s, got ", a);
			flags_text(p->flags, &msg);
			nc_buf_adds(&msg, " in ");
			nc_wsec_pkt_ref(m, i, &msg);
			nc_wsec_fail(m, it, i, nc_buf_str(&msg), NULL);
			goto fail;
		}
		m->matched[i] = true;
		if (k < 2)
			nc_buf_printf(&opts, "%s%s [%s]", k ? ", " : "", k ? "SYN-ACK" : "SYN",
				      p->opts[0] ? p->opts : "no options");
		m->place = i;
		at = i + 1;
	}
	nc_result_prop(m->r, "handshake", nc_buf_str(&opts));
	nc_buf_free(&opts);
	nc_buf_free(&msg);
	return 0;
fail:
	nc_buf_free(&opts);
	nc_buf_free(&msg);
	return -1;
}

/* How the connection ended is a property of the whole connection: a FIN
 * may already have been matched by an earlier line (a half-close), so the
 * search starts at the beginning of the capture. */
static int teardown(struct nc_wmatch *m, const struct nc_wire_item *it)
{
	size_t n = nc_wirelog_count(m->w);
	bool fin_c = false, fin_s = false;
	char a[96], b[96];
	struct nc_endpoint se = { .kind = NC_EP_SERVER }, ce = { .kind = NC_EP_CLIENT };
	nc_wsec_ep_desc(&ce, &m->client, a, sizeof(a));
	nc_wsec_ep_desc(&se, &m->server, b, sizeof(b));
	struct nc_buf msg;
	nc_buf_init(&msg, 0);
	for (size_t i = 0; i < n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (p->l4 != IPPROTO_TCP)
			continue;
		bool c2s = nc_wsec_between(&m->client, &m->server, p);
		bool s2c = nc_wsec_between(&m->server, &m->client, p);
		if (!c2s && !s2c)
			continue;
		if (p->flags & NC_TCP_RST) {
			if (it->teardown_rst) {
				m->matched[i] = true;
				if (i > m->place)
					m->place = i;
				nc_buf_free(&msg);
				return 0;
			}
			nc_buf_printf(&msg, "expected a FIN from each side and no RST, got an RST "
				      "from %s in ", c2s ? "the client" : "the server");
			nc_wsec_pkt_ref(m, i, &msg);
			nc_buf_adds(&msg, " (the connection was reset instead of closed with FIN)");
			nc_wsec_fail(m, it, i, nc_buf_str(&msg), NULL);
			nc_buf_free(&msg);
			return -1;
		}
		if (p->flags & NC_TCP_FIN) {
			m->matched[i] = true;
			if (c2s)
				fin_c = true;
			else
				fin_s = true;
			if (fin_c && fin_s && !it->teardown_rst) {
				if (i > m->place)
					m->place = i;
				nc_buf_free(&msg);
				return 0;
			}
		}
	}
	if (it->teardown_rst)
		nc_buf_printf(&msg, "expected an RST between %s and %s, but none was captured", a, b);
	else if (!fin_c && !fin_s)
		nc_buf_printf(&msg, "expected a FIN from each side, but neither %s nor %s sent one",
			      a, b);
	else
		nc_buf_printf(&msg, "expected a FIN from each side, but %s sent none",
			      !fin_c ? a : b);
	nc_wsec_fail(m, it, n, nc_buf_str(&msg), NULL);
	nc_buf_free(&msg);
	return -1;
}

/* ------------------------------------------------------------------------ */
/* ICMP */

static bool is_port_unreachable(const struct nc_wpkt *p)
{
	return (p->l4 == IPPROTO_ICMP && p->icmp_type == 3 && p->icmp_code == 3) ||
	       (p->l4 == IPPROTO_ICMPV6 && p->icmp_type == 1 && p->icmp_code == 4);
}

/* Why port unreachable p is not the one the line expects: from the host
 * of src to the host of dst, quoting a UDP datagram dst sent to src. */
static bool icmp_mismatch(const struct nc_wpkt *p, const struct wep *src, const struct wep *dst,
			  struct nc_buf *why)
{
	char x[64], y[64];
	struct wep sh = *src, dh = *dst;
	sh.port = dh.port = -1;
	if (!nc_wep_match(&sh, p->ipver, p->src, 0) || !nc_wep_match(&dh, p->ipver, p->dst, 0)) {
		nc_buf_printf(why, "from %s to %s", nc_pkt_addr(p->ipver, p->src, x, sizeof(x)),
			      nc_pkt_addr(p->ipver, p->dst, y, sizeof(y)));
		return true;
	}
	if (!p->quote_present || p->quote_l4 != IPPROTO_UDP) {
		nc_buf_adds(why, "quoting no UDP datagram");
		return true;
	}
	if ((dst->port >= 0 && p->quote_sport != dst->port) ||
	    (src->port >= 0 && p->quote_dport != src->port)) {
		nc_buf_printf(why, "quoting a datagram from %s to %s",
			      nc_wire_hostport(p->ipver, p->quote_src, p->quote_sport, x, sizeof(x)),
			      nc_wire_hostport(p->ipver, p->quote_dst, p->quote_dport, y,
					       sizeof(y)));
		return true;
	}
	return false;
}

static int icmp_item(struct nc_wmatch *m, const struct nc_wire_item *it)
{
	struct wep src, dst;
	nc_wsec_item_wep(m, &it->src, &src);
	nc_wsec_item_wep(m, &it->dst, &dst);
	size_t n = nc_wirelog_count(m->w), first_icmp = n, first_unreach = n;
	for (size_t i = m->place; i < n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (m->matched[i] || (p->l4 != IPPROTO_ICMP && p->l4 != IPPROTO_ICMPV6))
			continue;
		if (first_icmp == n)
			first_icmp = i;
		if (!is_port_unreachable(p))
			continue;
		if (first_unreach == n)
			first_unreach = i;
		struct nc_buf why;
		nc_buf_init(&why, 0);
		bool bad = icmp_mismatch(p, &src, &dst, &why);
		nc_buf_free(&why);
		if (bad)
			continue;
		m->matched[i] = true;
		m->place = i;
		return 0;
	}
	char names[96], a[96], b[96], want[96];
	struct nc_buf msg;
	nc_buf_init(&msg, 0);
	int ipver = dst.known ? dst.ipver : nc_wire_client_ipver(m->o);
	nc_icmp_names(ipver, ipver == 6 ? 1 : 3, ipver == 6 ? 4 : 3, want, sizeof(want));
	nc_wsec_ep_desc(&it->src, &src, a, sizeof(a));
	nc_wsec_ep_desc(&it->dst, &dst, b, sizeof(b));
	size_t at = first_unreach < n ? first_unreach : first_icmp;
	if (at == n) {
		nc_buf_printf(&msg, "expected ICMP %s from %s to %s, but no ICMP message was "
			      "captured", want, a, b);
	} else if (first_unreach < n) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, at);
		nc_buf_printf(&msg, "expected ICMP %s from %s to %s, quoting a datagram from %s "
			      "to %s, got one ", want, a, b, b, a);
		icmp_mismatch(p, &src, &dst, &msg);
		nc_buf_adds(&msg, " in ");
		nc_wsec_pkt_ref(m, at, &msg);
	} else {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, at);
		nc_buf_printf(&msg, "expected ICMP %s, got %s in ", want,
			      nc_icmp_names(p->ipver, p->icmp_type, p->icmp_code, names,
					    sizeof(names)));
		nc_wsec_pkt_ref(m, at, &msg);
	}
	nc_wsec_fail(m, it, at, nc_buf_str(&msg), NULL);
	nc_buf_free(&msg);
	return -1;
}

/* ------------------------------------------------------------------------ */
/* One packet: a datagram, or a TCP segment */

/* The next packet for a packet line from src to dst: at or after the
 * previous line's place, matched by no line, not a pure ACK (unless the
 * line expects one), and not a data segment whose bytes earlier lines
 * already consumed. The count when there is none. */
static size_t next_packet(const struct nc_wmatch *m, const struct nc_wire_item *it,
			  const struct wep *src, const struct wep *dst)
{
	bool tcp = it->proto == IPPROTO_TCP;
	bool skip_acks = tcp && !(it->has_flags && it->flags == NC_TCP_ACK);
	size_t n = nc_wirelog_count(m->w);
	for (size_t i = m->place; i < n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (m->matched[i] || p->l4 != it->proto || !nc_wsec_between(src, dst, p))
			continue;
		if (skip_acks && pure_ack(p))
			continue;
		if (tcp && !(p->flags & (NC_TCP_SYN | NC_TCP_FIN | NC_TCP_RST)) &&
		    nc_wsec_consumed(m, i))
			continue;
		return i;
	}
	return n;
}

/* The expected payload as a message shows it: the bytes when they were
 * produced (text with its variables filled in), else its description. */
static void show_expected(const struct nc_wire_item *it, const struct nc_buf *want, uint64_t len,
			  struct nc_buf *b)
{
	nc_buf_printf(b, "%llu byte%s ", (unsigned long long)len, len == 1 ? "" : "s");
	if ((it->payload.kind == NC_PAYLOAD_TEXT || it->payload.kind == NC_PAYLOAD_HEX) &&
	    want->len == len)
		nc_show_bytes(b, want->data, want->len, SHOW_MAX);
	else
		nc_payload_describe(&it->payload, b);
}

/* The packet's payload bytes, when they are all known: from its summary,
 * or, for a TCP segment, from the kept stream. */
static const uint8_t *packet_bytes(const struct nc_wmatch *m, const struct nc_wpkt *p)
{
	if (p->head_len == p->payload_len)
		return p->head;
	if (p->l4 != IPPROTO_TCP || !p->placed)
		return NULL;
	return nc_wsec_stream_bytes(nc_wirelog_stream(m->w, p->conn, p->side), p->stream_off,
				    p->payload_len);
}

/* Compares the line's payload with packet i's; -1 after reporting. */
static int packet_payload(struct nc_wmatch *m, const struct nc_wire_item *it, size_t i)
{
	const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
	struct nc_buf want, msg, det;
	uint64_t want_len = it->len;
	nc_buf_init(&want, 0);
	if (it->has_payload) {
		struct nc_payload_gen g;
		if (nc_wsec_open_payload(m, it, &g) < 0) {
			nc_buf_free(&want);
			return -1;
		}
		want_len = g.len;
		size_t k = g.len < SEG_MAX ? (size_t)g.len : SEG_MAX;
		uint8_t *tmp = nc_xmalloc(k + 1);
		nc_payload_read(&g, tmp, k);
		nc_buf_add(&want, tmp, k);
		free(tmp);
		nc_payload_close(&g);
	}
	const uint8_t *got = packet_bytes(m, p);
	int64_t at = -1;
	if (want_len != p->payload_len)
		at = got && it->has_payload ? nc_first_diff(want.data, want.len, got, p->payload_len)
					    : (int64_t)(want_len < p->payload_len ? want_len
										 : p->payload_len);
	else if (it->has_payload && got)
		at = nc_first_diff(want.data, want.len, got, p->payload_len);
	else if (it->has_payload && p->payload_len)
		nc_buf_printf(&m->note, "line %u: the payload of #%u was compared by its length "
			      "only (its bytes were not kept)\n", it->pos.line, p->index);
	if (at < 0) {
		nc_buf_free(&want);
		return 0;
	}
	nc_buf_init(&msg, 0);
	nc_buf_init(&det, 0);
	nc_buf_adds(&msg, "expected ");
	if (it->has_payload)
		show_expected(it, &want, want_len, &msg);
	else
		nc_buf_printf(&msg, "%llu payload bytes", (unsigned long long)want_len);
	nc_buf_printf(&msg, ", got %u byte%s", p->payload_len, p->payload_len == 1 ? "" : "s");
	if (got && p->payload_len) {
		nc_buf_addc(&msg, ' ');
		nc_show_bytes(&msg, got, p->payload_len, SHOW_MAX);
	}
	if (it->has_payload && got) {
		nc_buf_printf(&msg, ", first difference at offset %lld", (long long)at);
		nc_hexdiff(&det, "", want.data, want.len, got, p->payload_len, 0, at);
	}
	nc_buf_adds(&msg, ", in ");
	nc_wsec_pkt_ref(m, i, &msg);
	nc_wsec_fail(m, it, i, nc_buf_str(&msg), nc_buf_str(&det));
	nc_buf_free(&want);
	nc_buf_free(&msg);
	nc_buf_free(&det);
	return -1;
}

static int packet_line(struct nc_wmatch *m, const struct nc_wire_item *it)
{
	struct wep src, dst;
	nc_wsec_item_wep(m, &it->src, &src);
	nc_wsec_item_wep(m, &it->dst, &dst);
	bool tcp = it->proto == IPPROTO_TCP;
	size_t n = nc_wirelog_count(m->w);
	size_t i = next_packet(m, it, &src, &dst);
	char a[96], b[96];
	struct nc_buf msg;
	nc_buf_init(&msg, 0);
	if (i >= n) {
		nc_buf_printf(&msg, "expected a %s from %s to %s, ", tcp ? "segment" : "datagram",
			      nc_wsec_ep_desc(&it->src, &src, a, sizeof(a)),
			      nc_wsec_ep_desc(&it->dst, &dst, b, sizeof(b)));
		struct nc_buf other;
		nc_buf_init(&other, 0);
		size_t at = nc_wsec_misdirected(m, m->place, it->proto, &src, &dst, &other);
		if (at < n)
			nc_buf_printf(&msg, "got %s", nc_buf_str(&other));
		else
			nc_buf_adds(&msg, "but no such packet was captured");
		nc_wsec_fail(m, it, at, nc_buf_str(&msg), NULL);
		nc_buf_free(&other);
		nc_buf_free(&msg);
		return -1;
	}
	const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
	if (it->has_flags && (p->flags & NC_TCP_FLAGS_793) != it->flags) {
		nc_buf_adds(&msg, "expected flags ");
		flags_text(it->flags, &msg);
		nc_buf_adds(&msg, ", got ");
		flags_text(p->flags, &msg);
		nc_buf_adds(&msg, " in ");
		nc_wsec_pkt_ref(m, i, &msg);
		nc_wsec_fail(m, it, i, nc_buf_str(&msg), NULL);
		nc_buf_free(&msg);
		return -1;
	}
	nc_buf_free(&msg);
	if ((it->has_payload || it->has_len) && packet_payload(m, it, i) < 0)
		return -1;
	m->matched[i] = true;
	m->place = i;
	/* A segment line covers the segment's bytes, and the next stream line
	 * of that direction continues after them. */
	if (tcp && p->placed && p->payload_len) {
		struct nc_wdir *d = nc_wsec_dir(m, p->conn, p->side);
		int64_t lo = p->stream_off > 0 ? p->stream_off : 0;
		int64_t hi = p->stream_off + (int64_t)p->payload_len;
		if (d && hi > 0) {
			nc_wsec_cover(d, (uint64_t)lo, (uint64_t)hi);
			if ((uint64_t)hi > d->next)
				d->next = (uint64_t)hi;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* only */

static int only_item(struct nc_wmatch *m, const struct nc_wire_item *it)
{
	size_t n = nc_wirelog_count(m->w);
	for (size_t i = 0; i < n; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(m->w, i);
		if (m->matched[i] || pure_ack(p))
			continue;
		bool ours = nc_wsec_between(&m->client, &m->server, p) ||
			    nc_wsec_between(&m->server, &m->client, p);
		if (!ours && p->l4 != IPPROTO_ICMP && p->l4 != IPPROTO_ICMPV6)
			continue;
		/* Data alone is judged byte by byte below, however it was
		 * segmented; what a segment's flags say is judged here. */
		if (p->l4 == IPPROTO_TCP && !(p->flags & (NC_TCP_SYN | NC_TCP_FIN | NC_TCP_RST)))
			continue;
		struct nc_buf msg;
		nc_buf_init(&msg, 0);
		nc_buf_adds(&msg, "expected no packet beyond those the lines above matched, got ");
		nc_wsec_pkt_ref(m, i, &msg);
		nc_wsec_fail(m, it, i, nc_buf_str(&msg), NULL);
		nc_buf_free(&msg);
		return -1;
	}
	return nc_wsec_stream_coverage(m, it);
}

/* ------------------------------------------------------------------------ */

void nc_check_wire_section(const struct nc_observed *o, const struct nc_wirelog *w,
			   struct nc_result *r)
{
	const struct nc_scenario *sc = o->sc;
	if (!sc->has_wire)
		return;
	struct nc_wmatch m;
	memset(&m, 0, sizeof(m));
	m.o = o;
	m.w = w;
	m.r = r;
	m.matched = nc_xcalloc(nc_wirelog_count(w) + 1, sizeof(bool));
	nc_buf_init(&m.note, 4096);
	nc_observed_vars(o, &m.vars, m.store);
	nc_wep_client(o, &m.client);
	nc_wep_server(o, &m.server);
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
		case NC_WIRE_STREAM:
			rc = nc_wsec_stream_line(&m, it);
			break;
		case NC_WIRE_PACKET:
			rc = packet_line(&m, it);
			break;
		case NC_WIRE_ICMP:
			rc = icmp_item(&m, it);
			break;
		case NC_WIRE_ONLY:
			rc = only_item(&m, it);
			break;
		}
		/* After a miss the rest would fail in its wake: one message, the
		 * first, says what went wrong. */
		if (rc < 0)
			break;
	}
	if (m.note.len)
		nc_result_prop(r, "wire unchecked", nc_buf_str(&m.note));
	for (size_t i = 0; i < m.ndirs; i++)
		free(m.dirs[i].cov);
	free(m.dirs);
	nc_buf_free(&m.note);
	free(m.matched);
}
