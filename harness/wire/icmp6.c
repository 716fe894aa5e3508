/* icmp6.c: ICMPv6 decoder (RFC 4443), decoding the packet quoted by the
 * error messages (types below 128). */
#include "wire/wire_int.h"

#define NC_ICMP6_HLEN 8

void nc_wire_icmp6(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	p->l4 = NC_PROTO_ICMPV6;
	if (!nc_wire_need(p, "ICMP6", &c, wire, NC_ICMP6_HLEN))
		return;
	p->icmp_type = nc_cursor_u8(&c);       /* type; below 128 an error, else informational */
	p->icmp_code = nc_cursor_u8(&c);       /* code */
	/* The checksum (over a pseudo-header, RFC 4443 section 2.3) is not
	 * verified, like every transport checksum here: on loopback the kernel
	 * may leave it to offload. */
	nc_cursor_u16(&c);                     /* checksum */
	p->icmp_rest = nc_cursor_u32(&c);      /* echo id and seq, MTU, pointer, or unused */
	p->layers |= NC_LAYER_TRANS | NC_LAYER_PAYLOAD;

	uint32_t data = wire - NC_ICMP6_HLEN;
	p->payload_wire_len = data;
	p->payload_len = c.left < data ? (uint32_t)c.left : data;
	struct nc_cursor body = nc_cursor_sub(&c, p->payload_len);
	p->payload = body.p;
	/* Error messages (RFC 4443 section 2.1) quote as much of the invoking
	 * packet as fits in the minimum MTU. */
	if (p->icmp_type < 128)
		nc_wire_ipv6_quote(&p->quote, body);
}
