/* packet.c: nc_pkt_decode, which ties the per-layer decoders together.
 *
 * Link types follow the tcpdump.org LINKTYPE_ registry; network and
 * transport dispatch follow IANA's ethertype and protocol number registries.
 */
#include "wire/packet.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire/wire_int.h"

void nc_wire_problem(struct nc_pkt *p, bool truncated, const char *fmt, ...)
{
	if (truncated)
		p->truncated = true;
	else
		p->malformed = true;

	size_t len = strlen(p->problem);
	/* Later problems are often consequences of the first; keep as many as
	 * fit, each whole or cut at the end of the field. */
	if (len + 3 >= sizeof(p->problem))
		return;
	if (len > 0) {
		memcpy(p->problem + len, "; ", 3);
		len += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->problem + len, sizeof(p->problem) - len, fmt, ap);
	va_end(ap);
}

bool nc_wire_need(struct nc_pkt *p, const char *what, const struct nc_cursor *c,
		  uint32_t wire, size_t need)
{
	if (nc_cursor_has(c, need))
		return true;
	size_t have = c->ok ? c->left : 0;
	if (wire < need)
		nc_wire_problem(p, false, "short %s header: %u of %zu bytes", what,
				(unsigned)wire, need);
	else
		nc_wire_problem(p, true, "truncated %s header: %zu of %zu bytes", what, have,
				need);
	return false;
}

uint32_t nc_wire_offset(const struct nc_pkt *p, const struct nc_cursor *c)
{
	if (!c->ok || !c->p || !p->frame)
		return 0;
	return (uint32_t)(c->p - p->frame);
}

void nc_wire_net(struct nc_pkt *p, uint16_t ethertype, struct nc_cursor c, uint32_t wire)
{
	p->ethertype = ethertype;
	switch (ethertype) {
	case NC_ETH_IPV4:
		nc_wire_ipv4(p, c, wire);
		break;
	case NC_ETH_IPV6:
		nc_wire_ipv6(p, c, wire);
		break;
	default:
		/* ARP and the rest are not decoded; the formatter shows the
		 * ethertype. */
		break;
	}
}

void nc_wire_transport(struct nc_pkt *p, uint8_t proto, struct nc_cursor c, uint32_t wire)
{
	p->ip_proto = proto;
	p->trans_off = nc_wire_offset(p, &c);
	switch (proto) {
	case NC_PROTO_TCP:
		nc_wire_tcp(p, c, wire);
		break;
	case NC_PROTO_UDP:
		nc_wire_udp(p, c, wire);
		break;
	case NC_PROTO_ICMP:
		nc_wire_icmp4(p, c, wire);
		break;
	case NC_PROTO_ICMPV6:
		nc_wire_icmp6(p, c, wire);
		break;
	default:
		/* Other protocols stay undecoded (l4 0); ip_proto names them. */
		break;
	}
}

void nc_wire_quote_ports(struct nc_icmp_quote *q, struct nc_cursor c)
{
	switch (q->l4) {
	case NC_PROTO_TCP:
	case NC_PROTO_UDP:
	case NC_PROTO_SCTP:
	case NC_PROTO_DCCP:
	case NC_PROTO_UDPLITE:
		/* All of these start with the source and destination port. */
		break;
	default:
		return;
	}
	if (!nc_cursor_has(&c, 4))
		return;
	q->sport = nc_cursor_u16(&c);
	q->dport = nc_cursor_u16(&c);
	q->has_ports = true;
	if (q->l4 == NC_PROTO_TCP && nc_cursor_has(&c, 4)) {
		q->seq = nc_cursor_u32(&c);
		q->has_seq = true;
	}
}

/* Raw IP: the version nibble of the first byte says which header follows. */
static void raw_ip(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	if (!nc_wire_need(p, "raw IP", &c, wire, 1))
		return;
	struct nc_cursor peek = c;
	uint8_t version = nc_cursor_u8(&peek) >> 4; /* IP version, the first nibble of both headers */
	/* The link layer counts as read once it says which IP follows. */
	if (version == 4) {
		p->layers |= NC_LAYER_LINK;
		nc_wire_net(p, NC_ETH_IPV4, c, wire);
	} else if (version == 6) {
		p->layers |= NC_LAYER_LINK;
		nc_wire_net(p, NC_ETH_IPV6, c, wire);
	} else {
		nc_wire_problem(p, false, "raw IP packet with IP version %u", version);
	}
}

int nc_pkt_decode(int linktype, const uint8_t *frame, uint32_t caplen, uint32_t wirelen,
		  struct nc_pkt *out)
{
	memset(out, 0, sizeof(*out));
	if (!frame)
		caplen = 0;
	out->frame = frame;
	out->caplen = caplen;
	out->wirelen = wirelen;
	out->linktype = linktype;
	out->pkttype = -1;

	/* A record claiming fewer bytes on the wire than it captured is broken;
	 * the captured bytes are what is there, so they win. */
	uint32_t wire = wirelen < caplen ? caplen : wirelen;
	struct nc_cursor c = nc_cursor_make(frame, caplen);

	switch (linktype) {
	case NC_LINK_EN10MB:
		nc_wire_ether(out, c, wire);
		break;
	case NC_LINK_LINUX_SLL:
		nc_wire_sll(out, c, wire);
		break;
	case NC_LINK_LINUX_SLL2:
		nc_wire_sll2(out, c, wire);
		break;
	case NC_LINK_RAW:
	case NC_LINK_DLT_RAW:
		raw_ip(out, c, wire);
		break;
	default:
		break;
	}
	return out->truncated || out->malformed ? -1 : 0;
}

const char *nc_pkt_addr(int ipver, const uint8_t addr[16], char *buf, size_t n)
{
	if (n == 0)
		return buf;
	if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)n))
		buf[0] = 0;
	return buf;
}
