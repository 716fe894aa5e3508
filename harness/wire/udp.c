/* udp.c: UDP header decoder (RFC 768; over IPv6, RFC 8200 section 8.1). */
#include "wire/wire_int.h"

#define NC_UDP_HLEN 8

void nc_wire_udp(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	p->l4 = NC_PROTO_UDP;
	if (!nc_wire_need(p, "UDP", &c, wire, NC_UDP_HLEN))
		return;
	p->sport = nc_cursor_u16(&c);          /* source port */
	p->dport = nc_cursor_u16(&c);          /* destination port */
	p->udp_len = nc_cursor_u16(&c);        /* length of header and data */
	/* The checksum is not verified: on loopback the kernel leaves it
	 * partial (CHECKSUM_PARTIAL, to be completed by an offloading device
	 * that lo does not have), so captures hold values that never verify. */
	nc_cursor_u16(&c);                     /* checksum */
	p->layers |= NC_LAYER_TRANS | NC_LAYER_PAYLOAD;

	/* The length field must cover the header and agree with the IP
	 * payload. The first fragment of a fragmented datagram holds only part
	 * of what the field counts, so there it is only checked against 8. When
	 * the field is wrong, the IP payload says how much data there is. */
	uint32_t data = wire - NC_UDP_HLEN;
	if (p->udp_len < NC_UDP_HLEN) {
		nc_wire_problem(p, false, "UDP length %u is less than 8", p->udp_len);
	} else if (!p->fragment && p->udp_len != wire) {
		nc_wire_problem(p, false, "UDP length %u does not match the IP payload %u",
				p->udp_len, (unsigned)wire);
		if (p->udp_len < wire)
			data = p->udp_len - NC_UDP_HLEN;
	}
	p->payload_wire_len = data;
	p->payload_len = c.left < data ? (uint32_t)c.left : data;
	p->payload = nc_cursor_take(&c, p->payload_len);
}
