/* ipv6.c: IPv6 header decoder (RFC 8200), walking the extension header
 * chain (hop-by-hop, routing, fragment, destination options, and the
 * authentication header of RFC 4302) to the upper layer. */
#include <string.h>

#include "wire/wire_int.h"

#define NC_IPV6_HLEN 40
#define NC_IP6_FRAG_HLEN 8

bool nc_wire_ip6_is_ext(uint8_t next)
{
	switch (next) {
	case NC_PROTO_HOPOPTS:
	case NC_PROTO_ROUTING:
	case NC_PROTO_FRAGMENT:
	case NC_PROTO_DSTOPTS:
	case NC_PROTO_AH:
		return true;
	default:
		return false;
	}
}

static const char *ext_name(uint8_t next)
{
	switch (next) {
	case NC_PROTO_HOPOPTS:
		return "IPv6 hop-by-hop";
	case NC_PROTO_ROUTING:
		return "IPv6 routing";
	case NC_PROTO_FRAGMENT:
		return "IPv6 fragment";
	case NC_PROTO_DSTOPTS:
		return "IPv6 destination options";
	case NC_PROTO_AH:
		return "IPv6 authentication";
	default:
		return "IPv6 extension";
	}
}

/* Length of an extension header from its second byte: 8-byte units after
 * the first 8 (RFC 8200 section 4.3), or 4-byte units after the first 8 for
 * the authentication header (RFC 4302 section 2.2). */
static size_t ext_len(uint8_t next, uint8_t lenbyte)
{
	if (next == NC_PROTO_AH)
		return ((size_t)lenbyte + 2) * 4;
	return ((size_t)lenbyte + 1) * 8;
}

/* Records where the walk stopped when an extension header is unusable, so
 * the packet names the header it could not get past. */
static void stop_at(struct nc_pkt *p, uint8_t next, uint32_t rem, const struct nc_cursor *pc)
{
	p->ip_proto = next;
	p->ip_payload_len = rem;
	p->trans_off = nc_wire_offset(p, pc);
}

void nc_wire_ipv6(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	p->ipver = 6;
	p->net_off = nc_wire_offset(p, &c);
	if (!nc_wire_need(p, "IPv6", &c, wire, NC_IPV6_HLEN))
		return;

	uint32_t vtf = nc_cursor_u32(&c);      /* version (4 bits), traffic class (8), flow label (20) */
	uint16_t plen = nc_cursor_u16(&c);     /* payload length: everything after this header */
	uint8_t next = nc_cursor_u8(&c);       /* next header: extension or upper layer */
	p->ttl = nc_cursor_u8(&c);             /* hop limit */
	nc_cursor_copy(&c, p->src, 16);        /* source address */
	nc_cursor_copy(&c, p->dst, 16);        /* destination address */

	unsigned version = vtf >> 28;
	if (version != 6) {
		nc_wire_problem(p, false, "IP version %u in an IPv6 packet", version);
		return;
	}
	/* A jumbogram (RFC 2675) has payload length 0 and the real length in a
	 * hop-by-hop option; loopback never carries one, so it is decoded as
	 * an empty payload and the upper layer reports the inconsistency. */
	uint32_t after = wire - NC_IPV6_HLEN;
	if (plen > after) {
		nc_wire_problem(p, false, "IPv6 payload length %u exceeds the %u bytes after the header",
				plen, (unsigned)after);
		return;
	}
	p->tos = (uint8_t)(vtf >> 20);
	p->flow_label = vtf & 0xfffff;
	p->layers |= NC_LAYER_NET;

	/* pc covers the captured part of the payload; rem counts the payload
	 * bytes left on the wire. Every extension header is at least 8 bytes,
	 * so the walk ends with the payload. */
	struct nc_cursor pc = nc_cursor_sub(&c, c.left < plen ? c.left : plen);
	uint32_t rem = plen;
	bool first = true;
	while (nc_wire_ip6_is_ext(next)) {
		uint8_t type = next;
		const char *name = ext_name(type);
		if (p->ip6_ext_count < NC_IP6_EXT_MAX)
			p->ip6_ext[p->ip6_ext_count] = type;
		if (p->ip6_ext_count < UINT8_MAX)
			p->ip6_ext_count++;
		/* RFC 8200 section 4.1: hop-by-hop options come first or not at
		 * all. The rest of the chain is still decodable, so go on. */
		if (type == NC_PROTO_HOPOPTS && !first)
			nc_wire_problem(p, false, "IPv6 hop-by-hop header is not the first header");
		first = false;

		if (type == NC_PROTO_FRAGMENT) {
			if (!nc_wire_need(p, name, &pc, rem, NC_IP6_FRAG_HLEN)) {
				stop_at(p, type, rem, &pc);
				return;
			}
			next = nc_cursor_u8(&pc);          /* next header */
			nc_cursor_u8(&pc);                 /* reserved */
			uint16_t offm = nc_cursor_u16(&pc); /* offset in 8-byte units (13 bits), 2 reserved, M */
			p->frag_id = nc_cursor_u32(&pc);   /* identification */
			p->frag_off = offm & 0xfff8;
			p->mf = (offm & 1) != 0;
			/* An atomic fragment (offset 0, M clear, RFC 6946) is a
			 * whole datagram. */
			p->fragment = p->frag_off != 0 || p->mf;
			rem -= NC_IP6_FRAG_HLEN;
			if (p->frag_off != 0) {
				/* Only the first fragment holds the upper-layer header. */
				p->ip_proto = next;
				p->ip_payload_len = rem;
				p->trans_off = nc_wire_offset(p, &pc);
				return;
			}
			continue;
		}

		if (!nc_wire_need(p, name, &pc, rem, 2)) {
			stop_at(p, type, rem, &pc);
			return;
		}
		struct nc_cursor peek = pc;
		uint8_t nh = nc_cursor_u8(&peek);      /* next header */
		uint8_t lenbyte = nc_cursor_u8(&peek); /* header length, in units after the first 8 bytes */
		size_t hl = ext_len(type, lenbyte);
		if (hl > rem) {
			nc_wire_problem(p, false, "%s header of %zu bytes exceeds the %u bytes left", name,
					hl, (unsigned)rem);
			stop_at(p, type, rem, &pc);
			return;
		}
		if (!nc_wire_need(p, name, &pc, rem, hl)) {
			stop_at(p, type, rem, &pc);
			return;
		}
		nc_cursor_skip(&pc, hl);               /* options and routing data are not decoded */
		rem -= (uint32_t)hl;
		next = nh;
	}

	p->ip_proto = next;
	p->ip_payload_len = rem;
	if (next == NC_PROTO_NONE) {
		/* RFC 8200 section 4.7: bytes after No Next Header are ignored. */
		p->trans_off = nc_wire_offset(p, &pc);
		return;
	}
	nc_wire_transport(p, next, pc, rem);
}

void nc_wire_ipv6_quote(struct nc_icmp_quote *q, struct nc_cursor c)
{
	if (!nc_cursor_has(&c, NC_IPV6_HLEN))
		return;
	uint32_t vtf = nc_cursor_u32(&c);      /* version, traffic class, flow label */
	nc_cursor_u16(&c);                     /* payload length */
	uint8_t next = nc_cursor_u8(&c);       /* next header */
	nc_cursor_u8(&c);                      /* hop limit */
	uint8_t src[16], dst[16];
	nc_cursor_copy(&c, src, 16);
	nc_cursor_copy(&c, dst, 16);
	if ((vtf >> 28) != 6)
		return;

	memset(q, 0, sizeof(*q));
	q->present = true;
	q->ipver = 6;
	memcpy(q->src, src, 16);
	memcpy(q->dst, dst, 16);
	/* Walk the quoted chain as far as the quote goes; each step consumes
	 * at least 8 bytes or fails the cursor, so the loop ends. */
	while (nc_wire_ip6_is_ext(next) && c.ok) {
		if (next == NC_PROTO_FRAGMENT) {
			uint8_t nh = nc_cursor_u8(&c);
			nc_cursor_u8(&c);
			uint16_t offm = nc_cursor_u16(&c);
			nc_cursor_u32(&c);
			if (!c.ok)
				break;
			next = nh;
			if ((offm & 0xfff8) != 0) {
				q->l4 = next;
				return;
			}
			continue;
		}
		struct nc_cursor peek = c;
		uint8_t nh = nc_cursor_u8(&peek);
		uint8_t lenbyte = nc_cursor_u8(&peek);
		if (!nc_cursor_skip(&c, ext_len(next, lenbyte)))
			break;
		next = nh;
	}
	q->l4 = next;
	if (!c.ok || nc_wire_ip6_is_ext(next))
		return;
	nc_wire_quote_ports(q, c);
}
