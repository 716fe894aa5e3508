/* format.c: the one-line text form of a decoded packet (see format.h). */
#include "wire/format.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "wire/flow.h"
#include "wire/wire_int.h"

/* The line being built; rc turns -1 when an append runs out of memory, so
 * the printers need not check every call. */
struct fmt_out {
	struct nc_buf *b;
	int rc;
};

static void emit(struct fmt_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(struct fmt_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (nc_buf_vprintf(o->b, fmt, ap) < 0)
		o->rc = -1;
	va_end(ap);
}

/* What the context knows about one flow: each canonical direction's
 * initial sequence number, once its SYN was seen. */
struct seq_base {
	bool known[2];
	uint32_t isn[2];
};

struct nc_fmt_ctx {
	struct nc_flow_map *flows;
};

struct nc_fmt_ctx *nc_fmt_ctx_new(size_t max_flows)
{
	struct nc_fmt_ctx *ctx = nc_xcalloc(1, sizeof(*ctx));
	ctx->flows = nc_flow_map_new(max_flows, free);
	return ctx;
}

void nc_fmt_ctx_free(struct nc_fmt_ctx *ctx)
{
	if (!ctx)
		return;
	nc_flow_map_free(ctx->flows);
	free(ctx);
}

const char *nc_tcp_flags_str(uint8_t flags, char *buf, size_t n)
{
	/* Bit 0 (FIN) to bit 7 (CWR), the order tcpdump prints them in. */
	static const char letters[8] = { 'F', 'S', 'R', 'P', '.', 'U', 'E', 'W' };
	char t[9];
	size_t len = 0;
	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			t[len++] = letters[i];
	t[len] = 0;
	if (n > 0)
		nc_strlcpy(buf, len ? t : "none", n);
	return buf;
}

/* Updates the context with p and returns the bases to subtract from its
 * seq and ack (0 where absolute numbers are printed). */
static void seq_bases(struct nc_fmt_ctx *ctx, const struct nc_pkt *p, uint32_t *seq_base,
		      uint32_t *ack_base)
{
	*seq_base = 0;
	*ack_base = 0;
	if (!ctx)
		return;
	struct nc_flow_key k;
	int dir = nc_flow_key_of(p, &k);
	if (dir < 0)
		return;
	struct seq_base *b = nc_flow_map_get(ctx->flows, &k);
	bool syn = (p->tcp_flags & NC_TCP_SYN) != 0;
	bool ack = (p->tcp_flags & NC_TCP_ACK) != 0;
	if (!b && syn) {
		b = nc_xcalloc(1, sizeof(*b));
		if (nc_flow_map_put(ctx->flows, &k, b) < 0) {
			/* The context is full; this flow keeps absolute numbers. */
			free(b);
			b = NULL;
		}
	}
	if (!b)
		return;
	if (syn) {
		/* A new SYN on a known flow with another sequence number is a
		 * new connection reusing the ports: forget the old one. */
		if (!ack && b->known[dir] && b->isn[dir] != p->seq)
			memset(b, 0, sizeof(*b));
		b->known[dir] = true;
		b->isn[dir] = p->seq;
	}
	if (b->known[dir])
		*seq_base = b->isn[dir];
	if (b->known[!dir])
		*ack_base = b->isn[!dir];
}

/* Writes the options. SACK edges are sequence numbers of the other
 * direction, so with a relative ack they are made relative too, as tcpdump
 * does: the first SACK item of the decoder's text (the option whose blocks
 * nc_tcp_opts keeps) is rewritten, the rest is copied. */
static void emit_options(struct fmt_out *out, const struct nc_tcp_opts *o, uint32_t ack_base)
{
	const char *t = o->text;
	const char *s = NULL;
	if (ack_base != 0 && o->nsack > 0) {
		for (const char *q = t; (q = strstr(q, "sack ")) != NULL; q++) {
			if (q == t || q[-1] == ',') {
				s = q;
				break;
			}
		}
	}
	const char *e = s;
	unsigned closed = 0;
	while (e && *e && closed < o->nsack)
		if (*e++ == '}')
			closed++;
	/* Anything unexpected (a cut text) leaves the text as it is. */
	if (!s || closed < o->nsack || (*e != ',' && *e != 0)) {
		emit(out, ", options [%s]", t);
		return;
	}
	emit(out, ", options [%.*s", (int)(s - t), t);
	emit(out, "sack %u ", o->nsack);
	for (unsigned i = 0; i < o->nsack; i++)
		emit(out, "{%u:%u}", o->sack[i][0] - ack_base, o->sack[i][1] - ack_base);
	emit(out, "%s]", e);
}

static void fmt_tcp(struct fmt_out *out, const struct nc_pkt *p, struct nc_fmt_ctx *ctx)
{
	char flags[16];
	uint32_t sb, ab;
	seq_bases(ctx, p, &sb, &ab);
	emit(out, "Flags [%s]", nc_tcp_flags_str(p->tcp_flags, flags, sizeof(flags)));

	uint32_t len = p->payload_wire_len;
	uint32_t seq = p->seq - sb;
	if (len > 0)
		emit(out, ", seq %u:%u", seq, seq + len);
	else if (p->tcp_flags & (NC_TCP_SYN | NC_TCP_FIN | NC_TCP_RST))
		emit(out, ", seq %u", seq);
	if (p->tcp_flags & NC_TCP_ACK)
		emit(out, ", ack %u", p->ack - ab);
	emit(out, ", win %u", p->win);
	if (p->tcp_flags & NC_TCP_URG)
		emit(out, ", urg %u", p->urg);
	if (p->opts.text[0])
		emit_options(out, &p->opts, ab);
	emit(out, ", length %u", len);
}

static const char *l4_name(uint8_t proto)
{
	switch (proto) {
	case NC_PROTO_TCP:
		return "tcp";
	case NC_PROTO_UDP:
		return "udp";
	case NC_PROTO_SCTP:
		return "sctp";
	case NC_PROTO_DCCP:
		return "dccp";
	case NC_PROTO_UDPLITE:
		return "udplite";
	default:
		return "ip-proto";
	}
}

/* "127.0.0.1 udp port 50000" or "127.0.0.1" for the quoted packet's
 * destination; empty when there is no quote. */
static void quote_desc(const struct nc_icmp_quote *q, char *buf, size_t n)
{
	char a[64];
	buf[0] = 0;
	if (!q->present)
		return;
	nc_pkt_addr(q->ipver, q->dst, a, sizeof(a));
	if (q->has_ports)
		snprintf(buf, n, "%s %s port %u", a, l4_name(q->l4), q->dport);
	else
		snprintf(buf, n, "%s", a);
}

static void fmt_icmp4_unreach(struct fmt_out *out, const struct nc_pkt *p)
{
	const struct nc_icmp_quote *q = &p->quote;
	char a[64];
	if (!q->present) {
		emit(out, "ICMP unreachable, code %u", p->icmp_code);
		return;
	}
	nc_pkt_addr(q->ipver, q->dst, a, sizeof(a));
	switch (p->icmp_code) {
	case 0:
		emit(out, "ICMP net %s unreachable", a);
		break;
	case 1:
		emit(out, "ICMP host %s unreachable", a);
		break;
	case 2:
		emit(out, "ICMP %s protocol %u unreachable", a, q->l4);
		break;
	case 3:
		if (q->has_ports)
			emit(out, "ICMP %s %s port %u unreachable", a, l4_name(q->l4),
				      q->dport);
		else
			emit(out, "ICMP %s port unreachable", a);
		break;
	case 4:
		emit(out, "ICMP %s unreachable - need to frag (mtu %u)", a,
			      p->icmp_rest & 0xffff);
		break;
	default:
		emit(out, "ICMP %s unreachable, code %u", a, p->icmp_code);
		break;
	}
}

static void fmt_icmp4(struct fmt_out *out, const struct nc_pkt *p)
{
	char qd[96];
	quote_desc(&p->quote, qd, sizeof(qd));
	const char *sep = qd[0] ? ", " : "";
	switch (p->icmp_type) {
	case 0:
	case 8:
		emit(out, "ICMP echo %s, id %u, seq %u", p->icmp_type ? "request" : "reply",
			      p->icmp_rest >> 16, p->icmp_rest & 0xffff);
		break;
	case 3:
		fmt_icmp4_unreach(out, p);
		break;
	case 4:
		emit(out, "ICMP source quench%s%s", sep, qd);
		break;
	case 5: {
		uint8_t gw[16] = { 0 };
		char g[64];
		for (int i = 0; i < 4; i++)
			gw[i] = (uint8_t)(p->icmp_rest >> (24 - 8 * i));
		emit(out, "ICMP redirect to %s, code %u%s%s",
			      nc_pkt_addr(4, gw, g, sizeof(g)), p->icmp_code, sep, qd);
		break;
	}
	case 11:
		emit(out, "ICMP %s%s%s",
			      p->icmp_code == 0   ? "time exceeded in-transit"
			      : p->icmp_code == 1 ? "ip reassembly time exceeded"
						  : "time exceeded",
			      sep, qd);
		if (p->icmp_code > 1)
			emit(out, ", code %u", p->icmp_code);
		break;
	case 12:
		emit(out, "ICMP parameter problem - octet %u%s%s", p->icmp_rest >> 24, sep,
			      qd);
		break;
	default:
		emit(out, "ICMP type %u, code %u", p->icmp_type, p->icmp_code);
		break;
	}
	emit(out, ", length %u", p->ip_payload_len);
}

static const char *icmp6_unreach_code(uint8_t code)
{
	switch (code) {
	case 0:
		return "unreachable route";
	case 1:
		return "unreachable prohibited";
	case 2:
		return "beyond scope";
	case 3:
		return "unreachable address";
	case 4:
		return "unreachable port";
	case 5:
		return "source address failed policy";
	case 6:
		return "reject route";
	default:
		return NULL;
	}
}

static const char *icmp6_info_name(uint8_t type)
{
	switch (type) {
	case 130:
		return "multicast listener query";
	case 131:
		return "multicast listener report";
	case 132:
		return "multicast listener done";
	case 133:
		return "router solicitation";
	case 134:
		return "router advertisement";
	case 135:
		return "neighbor solicitation";
	case 136:
		return "neighbor advertisement";
	case 137:
		return "redirect";
	case 143:
		return "multicast listener report v2";
	default:
		return NULL;
	}
}

static void fmt_icmp6(struct fmt_out *out, const struct nc_pkt *p)
{
	char qd[96];
	quote_desc(&p->quote, qd, sizeof(qd));
	const char *sep = qd[0] ? ", " : "";
	uint8_t code = p->icmp_code;
	emit(out, "%s", "ICMP6, ");
	switch (p->icmp_type) {
	case 1: {
		const char *c = icmp6_unreach_code(code);
		if (c)
			emit(out, "destination unreachable, %s%s%s", c, sep, qd);
		else
			emit(out, "destination unreachable, code %u%s%s", code, sep, qd);
		break;
	}
	case 2:
		emit(out, "packet too big, mtu %u%s%s", p->icmp_rest, sep, qd);
		break;
	case 3:
		if (code <= 1)
			emit(out, "time exceeded %s%s%s", code ? "reassembly" : "in-transit",
				      sep, qd);
		else
			emit(out, "time exceeded, code %u%s%s", code, sep, qd);
		break;
	case 4: {
		static const char *const what[] = { "erroneous header field",
						    "unrecognized next header",
						    "unrecognized option" };
		if (code < 3)
			emit(out, "parameter problem, %s", what[code]);
		else
			emit(out, "parameter problem, code %u", code);
		emit(out, ", pointer %u%s%s", p->icmp_rest, sep, qd);
		break;
	}
	case 128:
	case 129:
		emit(out, "echo %s, id %u, seq %u", p->icmp_type == 128 ? "request" : "reply",
			      p->icmp_rest >> 16, p->icmp_rest & 0xffff);
		break;
	default: {
		const char *name = icmp6_info_name(p->icmp_type);
		if (name)
			emit(out, "%s", name);
		else
			emit(out, "type %u, code %u", p->icmp_type, code);
		break;
	}
	}
	emit(out, ", length %u", p->ip_payload_len);
}

static const char *link_name(int linktype)
{
	switch (linktype) {
	case NC_LINK_EN10MB:
		return "Ethernet";
	case NC_LINK_LINUX_SLL:
		return "Linux cooked";
	case NC_LINK_LINUX_SLL2:
		return "Linux cooked v2";
	case NC_LINK_RAW:
	case NC_LINK_DLT_RAW:
		return "raw IP";
	default:
		return NULL;
	}
}

static void fmt_not_ip(struct fmt_out *out, const struct nc_pkt *p)
{
	if (p->ipver == 4 || p->ipver == 6) {
		emit(out, "%s", p->ipver == 4 ? "IP" : "IP6");
	} else if (p->layers & NC_LAYER_LINK) {
		/* Below 0x0600 Ethernet has a length field (802.3 with LLC);
		 * Linux cooked headers have a Linux protocol number there. */
		if (p->ethertype < NC_ETH_MIN_TYPE && p->linktype == NC_LINK_EN10MB)
			emit(out, "802.3");
		else if (p->ethertype < NC_ETH_MIN_TYPE)
			emit(out, "protocol 0x%04x", p->ethertype);
		else
			emit(out, "ethertype 0x%04x", p->ethertype);
	} else {
		const char *name = link_name(p->linktype);
		if (name)
			emit(out, "%s", name);
		else
			emit(out, "link type %d", p->linktype);
	}
	emit(out, ", length %u", p->wirelen);
}

static const char *trans_upper(uint8_t l4)
{
	switch (l4) {
	case NC_PROTO_TCP:
		return "TCP";
	case NC_PROTO_UDP:
		return "UDP";
	case NC_PROTO_ICMP:
		return "ICMP";
	case NC_PROTO_ICMPV6:
		return "ICMP6";
	default:
		return NULL;
	}
}

static void fmt_ip(struct fmt_out *out, const struct nc_pkt *p, struct nc_fmt_ctx *ctx)
{
	char s[64], d[64];
	nc_pkt_addr(p->ipver, p->src, s, sizeof(s));
	nc_pkt_addr(p->ipver, p->dst, d, sizeof(d));
	bool trans = (p->layers & NC_LAYER_TRANS) != 0;
	bool ports = trans && (p->l4 == NC_PROTO_TCP || p->l4 == NC_PROTO_UDP);
	if (ports)
		emit(out, "%s.%u > %s.%u: ", s, p->sport, d, p->dport);
	else
		emit(out, "%s > %s: ", s, d);

	if (trans && p->l4 == NC_PROTO_TCP) {
		fmt_tcp(out, p, ctx);
	} else if (trans && p->l4 == NC_PROTO_UDP) {
		/* The UDP length field, as tcpdump prints it; when the field is
		 * unusable, what the IP payload holds. */
		uint32_t len = p->udp_len >= 8 ? p->udp_len - 8u : p->payload_wire_len;
		emit(out, "UDP, length %u", len);
	} else if (trans && p->l4 == NC_PROTO_ICMP) {
		fmt_icmp4(out, p);
	} else if (trans && p->l4 == NC_PROTO_ICMPV6) {
		fmt_icmp6(out, p);
	} else if (trans_upper(p->l4)) {
		/* The transport header could not be read; the problem says why. */
		emit(out, "%s, length %u", trans_upper(p->l4), p->ip_payload_len);
	} else {
		emit(out, "ip-proto-%u, length %u", p->ip_proto, p->ip_payload_len);
	}
}

int nc_pkt_format(struct nc_buf *b, const struct nc_pkt *p, struct nc_fmt_ctx *ctx)
{
	struct fmt_out o = { b, 0 };
	struct fmt_out *out = &o;
	if (p->layers & NC_LAYER_NET)
		fmt_ip(out, p, ctx);
	else
		fmt_not_ip(out, p);
	if (p->fragment)
		emit(out, " (frag %u:%u@%u%s)", p->frag_id, p->ip_payload_len, p->frag_off,
			      p->mf ? "+" : "");
	if (p->has_vlan)
		emit(out, " (vlan %u)", p->vlan);
	if (p->problem[0])
		emit(out, " [%s]", p->problem);
	return o.rc;
}

const char *nc_pkt_format_str(const struct nc_pkt *p, struct nc_fmt_ctx *ctx, char *buf,
			      size_t n)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_pkt_format(&b, p, ctx);
	if (n > 0)
		nc_strlcpy(buf, nc_buf_str(&b), n);
	nc_buf_free(&b);
	return buf;
}
