/* sll.c: Linux cooked capture decoders, v1 (LINKTYPE_LINUX_SLL, 113) and v2
 * (LINKTYPE_LINUX_SLL2, 276), as documented in the tcpdump.org link-type
 * registry. They are what libpcap writes when capturing on "any". */
#include "wire/wire_int.h"

#define NC_SLL_HLEN 16
#define NC_SLL2_HLEN 20

/* The protocol field holds an ethertype for Ethernet-like devices; values
 * below 0x0600 are Linux's own (ETH_P_802_3, ETH_P_802_2, netlink families)
 * and are not decoded. */
static void sll_payload(struct nc_pkt *p, uint16_t proto, struct nc_cursor c, uint32_t wire)
{
	p->ethertype = proto;
	p->layers |= NC_LAYER_LINK;
	if (proto < NC_ETH_MIN_TYPE)
		return;
	nc_wire_net(p, proto, c, wire);
}

void nc_wire_sll(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	if (!nc_wire_need(p, "Linux cooked", &c, wire, NC_SLL_HLEN))
		return;
	uint16_t pkttype = nc_cursor_u16(&c); /* 0 to us, 1 broadcast, 2 multicast, 3 other host, 4 sent */
	nc_cursor_u16(&c);                    /* ARPHRD_ type of the device (772 for loopback) */
	nc_cursor_u16(&c);                    /* link-layer address length */
	nc_cursor_skip(&c, 8);                /* link-layer address, padded to 8 bytes */
	uint16_t proto = nc_cursor_u16(&c);   /* ethertype */
	p->pkttype = pkttype;
	sll_payload(p, proto, c, wire - NC_SLL_HLEN);
}

void nc_wire_sll2(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	if (!nc_wire_need(p, "Linux cooked v2", &c, wire, NC_SLL2_HLEN))
		return;
	uint16_t proto = nc_cursor_u16(&c);   /* ethertype */
	nc_cursor_u16(&c);                    /* reserved, zero */
	uint32_t ifindex = nc_cursor_u32(&c); /* interface index */
	nc_cursor_u16(&c);                    /* ARPHRD_ type of the device */
	uint8_t pkttype = nc_cursor_u8(&c);   /* as in v1: 0 to us ... 4 sent by us */
	nc_cursor_u8(&c);                     /* link-layer address length */
	nc_cursor_skip(&c, 8);                /* link-layer address, padded to 8 bytes */
	p->pkttype = pkttype;
	p->ifindex = ifindex;
	sll_payload(p, proto, c, wire - NC_SLL2_HLEN);
}
