/* wire_int.h: the private interface between the per-layer decoders.
 *
 * Each decoder receives the packet being filled, a cursor over the bytes
 * captured for its layer and `wire`, the length of its layer on the wire as
 * the enclosing header announces it (never less than the captured bytes).
 * The two lengths let a decoder tell a capture cut by the snap length
 * ("truncated") from a packet that is itself too short ("malformed").
 * A decoder fills its fields, then hands the rest to the next layer itself,
 * as tcpdump's printers do; it reports problems through nc_wire_problem and
 * stops descending when its own header is unusable.
 *
 * Nothing here is used outside harness/wire/.
 */
#ifndef NC_WIRE_WIRE_INT_H
#define NC_WIRE_WIRE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/cursor.h"
#include "wire/packet.h"

/* IP protocol numbers, spelled out here so the decoders do not depend on
 * the host's <netinet/in.h> (they are IANA's values). */
enum {
	NC_PROTO_HOPOPTS = 0,
	NC_PROTO_ICMP = 1,
	NC_PROTO_TCP = 6,
	NC_PROTO_UDP = 17,
	NC_PROTO_DCCP = 33,
	NC_PROTO_ROUTING = 43,
	NC_PROTO_FRAGMENT = 44,
	NC_PROTO_AH = 51,
	NC_PROTO_ICMPV6 = 58,
	NC_PROTO_NONE = 59,
	NC_PROTO_DSTOPTS = 60,
	NC_PROTO_SCTP = 132,
	NC_PROTO_UDPLITE = 136,
};

#define NC_ETH_IPV4 0x0800
#define NC_ETH_IPV6 0x86dd
#define NC_ETH_VLAN 0x8100   /* 802.1Q tag */
#define NC_ETH_QINQ 0x88a8   /* 802.1ad service tag */
#define NC_ETH_MIN_TYPE 0x0600 /* smaller values are 802.3 length fields */

/* Appends a problem to p->problem ("; " between several) and sets
 * p->truncated or p->malformed. */
void nc_wire_problem(struct nc_pkt *p, bool truncated, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Checks that `need` bytes of a header named `what` are available. When they
 * are not, reports "truncated <what> header: <have> of <need> bytes" if only
 * the capture is short, or "short <what> header: <have> of <need> bytes" if
 * the packet itself is (wire < need), and returns false. */
bool nc_wire_need(struct nc_pkt *p, const char *what, const struct nc_cursor *c,
		  uint32_t wire, size_t need);

/* Offset of the cursor's position in the frame (0 when it has no bytes). */
uint32_t nc_wire_offset(const struct nc_pkt *p, const struct nc_cursor *c);

/* Link layers (ether.c, sll.c). */
void nc_wire_ether(struct nc_pkt *p, struct nc_cursor c, uint32_t wire);
void nc_wire_sll(struct nc_pkt *p, struct nc_cursor c, uint32_t wire);
void nc_wire_sll2(struct nc_pkt *p, struct nc_cursor c, uint32_t wire);

/* Dispatches on an ethertype (packet.c). */
void nc_wire_net(struct nc_pkt *p, uint16_t ethertype, struct nc_cursor c, uint32_t wire);

/* Network layers (ipv4.c, ipv6.c). */
void nc_wire_ipv4(struct nc_pkt *p, struct nc_cursor c, uint32_t wire);
void nc_wire_ipv6(struct nc_pkt *p, struct nc_cursor c, uint32_t wire);

/* Dispatches on an IP protocol number (packet.c). */
void nc_wire_transport(struct nc_pkt *p, uint8_t proto, struct nc_cursor c, uint32_t wire);

/* Transport layers (udp.c, tcp.c, icmp4.c, icmp6.c). */
void nc_wire_udp(struct nc_pkt *p, struct nc_cursor c, uint32_t wire);
void nc_wire_tcp(struct nc_pkt *p, struct nc_cursor c, uint32_t wire);
void nc_wire_icmp4(struct nc_pkt *p, struct nc_cursor c, uint32_t wire);
void nc_wire_icmp6(struct nc_pkt *p, struct nc_cursor c, uint32_t wire);

/* The packet quoted inside an ICMP error. Quotes are short by design (RFC
 * 792 quotes 8 bytes past the IP header), so these decoders are lenient:
 * they fill what the quote holds and never report a problem. */
void nc_wire_ipv4_quote(struct nc_icmp_quote *q, struct nc_cursor c);
void nc_wire_ipv6_quote(struct nc_icmp_quote *q, struct nc_cursor c);
/* Reads the ports (and a TCP sequence number) at the start of a quoted
 * transport header (packet.c). */
void nc_wire_quote_ports(struct nc_icmp_quote *q, struct nc_cursor c);

/* True for IPv6 extension headers that ipv6.c walks (hop-by-hop, routing,
 * fragment, destination options, authentication). */
bool nc_wire_ip6_is_ext(uint8_t next);

#endif
