/* ether.c: Ethernet II decoder (IEEE 802.3 with DIX ethertypes, RFC 894),
 * tolerating 802.1Q / 802.1ad VLAN tags. This is the link type of "lo". */
#include "wire/wire_int.h"

#define NC_ETH_HLEN 14
#define NC_VLAN_HLEN 4

void nc_wire_ether(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	if (!nc_wire_need(p, "Ethernet", &c, wire, NC_ETH_HLEN))
		return;
	nc_cursor_skip(&c, 6);                 /* destination MAC (zero on lo) */
	nc_cursor_skip(&c, 6);                 /* source MAC */
	uint16_t type = nc_cursor_u16(&c);     /* ethertype, or an 802.3 length below 0x0600 */
	wire -= NC_ETH_HLEN;

	/* VLAN tags sit between the addresses and the real ethertype. Each
	 * iteration consumes four bytes, so the loop ends with the frame. */
	while (type == NC_ETH_VLAN || type == NC_ETH_QINQ) {
		if (!nc_wire_need(p, "802.1Q tag", &c, wire, NC_VLAN_HLEN))
			return;
		uint16_t tci = nc_cursor_u16(&c);  /* priority (3), drop eligible (1), VLAN id (12) */
		if (!p->has_vlan) {
			p->has_vlan = true;
			p->vlan = tci & 0x0fff;
		}
		type = nc_cursor_u16(&c);          /* the encapsulated ethertype */
		wire -= NC_VLAN_HLEN;
	}

	p->ethertype = type;
	p->layers |= NC_LAYER_LINK;
	/* An 802.3 frame carries LLC, not an ethertype; it is not decoded. */
	if (type < NC_ETH_MIN_TYPE)
		return;
	nc_wire_net(p, type, c, wire);
}
