/* ipv4.c: IPv4 header decoder (RFC 791), verifying the header checksum
 * (RFC 1071). Non-first fragments are not decoded past the IP header. */
#include <stdio.h>
#include <string.h>

#include "wire/wire_int.h"

#define NC_IPV4_MIN_HLEN 20

/* The ones' complement sum of the header, 16 bits at a time. A header whose
 * checksum field is right sums to 0xffff (RFC 1071 section 1). */
static uint16_t ipv4_sum(struct nc_cursor h, size_t hlen)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < hlen; i += 2)
		sum += nc_cursor_u16(&h);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

void nc_wire_ipv4(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	p->ipver = 4;
	p->net_off = nc_wire_offset(p, &c);
	if (!nc_wire_need(p, "IPv4", &c, wire, NC_IPV4_MIN_HLEN))
		return;

	struct nc_cursor h = c;
	uint8_t vihl = nc_cursor_u8(&h);       /* version (4 bits), header length in words (4 bits) */
	p->tos = nc_cursor_u8(&h);             /* DSCP (6 bits) and ECN (2 bits) */
	uint16_t tot = nc_cursor_u16(&h);      /* total length: header and data, in bytes */
	p->ip_id = nc_cursor_u16(&h);          /* identification, shared by the fragments of a datagram */
	uint16_t fo = nc_cursor_u16(&h);       /* reserved, DF, MF; fragment offset in 8-byte units */
	p->ttl = nc_cursor_u8(&h);             /* time to live */
	uint8_t proto = nc_cursor_u8(&h);      /* upper-layer protocol */
	uint16_t csum = nc_cursor_u16(&h);     /* header checksum */
	nc_cursor_copy(&h, p->src, 4);         /* source address */
	nc_cursor_copy(&h, p->dst, 4);         /* destination address */

	unsigned version = vihl >> 4;
	unsigned hlen = (vihl & 0x0f) * 4u;
	if (version != 4) {
		nc_wire_problem(p, false, "IP version %u in an IPv4 packet", version);
		return;
	}
	if (hlen < NC_IPV4_MIN_HLEN) {
		nc_wire_problem(p, false, "IPv4 header length %u is less than 20", hlen);
		return;
	}
	if (tot < hlen) {
		nc_wire_problem(p, false, "IPv4 total length %u is less than the header length %u",
				tot, hlen);
		return;
	}
	/* Bytes past the total length are link padding (Ethernet pads short
	 * frames to 60 bytes) and are ignored. A total length beyond the frame
	 * is an inconsistency, except that a capture cut by the snap length
	 * holds fewer bytes than `wire`, which is judged separately below. */
	if (tot > wire) {
		nc_wire_problem(p, false, "IPv4 total length %u exceeds the %u bytes of the frame",
				tot, (unsigned)wire);
		return;
	}
	if (!nc_wire_need(p, "IPv4", &c, tot, hlen))
		return;

	p->df = (fo & 0x4000) != 0;
	p->mf = (fo & 0x2000) != 0;
	p->frag_off = (uint16_t)((fo & 0x1fff) * 8u);
	p->fragment = p->mf || p->frag_off != 0;
	p->frag_id = p->ip_id;
	p->ip_proto = proto;
	p->ip_payload_len = tot - hlen;
	p->layers |= NC_LAYER_NET;

	/* The kernel computes the IPv4 header checksum in software even on
	 * loopback (only transport checksums are offloaded), so a mismatch
	 * means the header really is corrupt. Decoding continues: the fields
	 * are still worth showing. */
	if (ipv4_sum(c, hlen) != 0xffff) {
		uint16_t expect;
		/* The right value is the complement of the sum taken with the
		 * checksum field as zero. */
		uint32_t s = (uint32_t)ipv4_sum(c, hlen) + (uint16_t)~csum;
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		expect = (uint16_t)~s;
		p->ip_csum_bad = true;
		nc_wire_problem(p, false, "bad IPv4 header checksum 0x%04x, expected 0x%04x", csum,
				expect);
	}

	nc_cursor_skip(&c, hlen);               /* options are not decoded */
	uint32_t plen = tot - hlen;
	struct nc_cursor pc = nc_cursor_sub(&c, c.left < plen ? c.left : plen);

	/* The transport header is in the first fragment only. */
	if (p->frag_off != 0) {
		p->trans_off = nc_wire_offset(p, &pc);
		return;
	}
	nc_wire_transport(p, proto, pc, plen);
}

void nc_wire_ipv4_quote(struct nc_icmp_quote *q, struct nc_cursor c)
{
	if (!nc_cursor_has(&c, NC_IPV4_MIN_HLEN))
		return;
	uint8_t vihl = nc_cursor_u8(&c);        /* version, header length */
	nc_cursor_skip(&c, 5);                  /* tos, total length, identification */
	uint16_t fo = nc_cursor_u16(&c);        /* flags, fragment offset */
	nc_cursor_u8(&c);                       /* ttl */
	uint8_t proto = nc_cursor_u8(&c);       /* protocol */
	nc_cursor_u16(&c);                      /* checksum */
	uint8_t src[4], dst[4];
	nc_cursor_copy(&c, src, 4);
	nc_cursor_copy(&c, dst, 4);
	unsigned hlen = (vihl & 0x0f) * 4u;
	if ((vihl >> 4) != 4 || hlen < NC_IPV4_MIN_HLEN)
		return;

	memset(q, 0, sizeof(*q));
	q->present = true;
	q->ipver = 4;
	q->l4 = proto;
	memcpy(q->src, src, 4);
	memcpy(q->dst, dst, 4);
	if (!nc_cursor_skip(&c, hlen - NC_IPV4_MIN_HLEN))
		return;
	/* A non-first fragment carries no transport header to quote. */
	if ((fo & 0x1fff) != 0)
		return;
	nc_wire_quote_ports(q, c);
}
