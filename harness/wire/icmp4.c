/* icmp4.c: ICMP decoder (RFC 792), decoding the IP header and first 8 bytes
 * quoted by the error messages. */
#include "wire/wire_int.h"

#define NC_ICMP_HLEN 8

/* Messages that quote the datagram that caused them (RFC 792). */
static bool icmp4_is_error(uint8_t type)
{
	switch (type) {
	case 3:  /* destination unreachable */
	case 4:  /* source quench (deprecated, RFC 6633) */
	case 5:  /* redirect */
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		return true;
	default:
		return false;
	}
}

void nc_wire_icmp4(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	p->l4 = NC_PROTO_ICMP;
	if (!nc_wire_need(p, "ICMP", &c, wire, NC_ICMP_HLEN))
		return;
	p->icmp_type = nc_cursor_u8(&c);       /* type */
	p->icmp_code = nc_cursor_u8(&c);       /* code, refining the type */
	/* The checksum is not verified, like every transport checksum here:
	 * netconform judges what the stacks sent, and on loopback transport
	 * checksums are left to (absent) offload. */
	nc_cursor_u16(&c);                     /* checksum */
	p->icmp_rest = nc_cursor_u32(&c);      /* echo id and seq, next-hop MTU, pointer, or unused */
	p->layers |= NC_LAYER_TRANS | NC_LAYER_PAYLOAD;

	uint32_t data = wire - NC_ICMP_HLEN;
	p->payload_wire_len = data;
	p->payload_len = c.left < data ? (uint32_t)c.left : data;
	struct nc_cursor body = nc_cursor_sub(&c, p->payload_len);
	p->payload = body.p;
	if (icmp4_is_error(p->icmp_type))
		nc_wire_ipv4_quote(&p->quote, body);
}
