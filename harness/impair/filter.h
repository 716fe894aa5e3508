/* filter.h: which frames an impairment rule applies to.
 *
 * A filter is a conjunction of optional conditions on one decoded frame
 * (wire/packet.h). Direction is not among them: a rule belongs to one
 * direction of one link, and sees only that direction's frames.
 *
 *   l3        any frame at all, IP (4 or 6), IPv4 only, IPv6 only
 *   proto     the upper-layer protocol (TCP, UDP, ICMP, ICMPv6), of every
 *             fragment of a datagram, first or not
 *   tcp flags (flags & mask) == set: "SYN without ACK" is mask SYN|ACK,
 *             set SYN
 *   payload   with data (transport payload of at least one byte), or
 *             without: "a data segment" is TCP with payload
 *   fragment  only fragments, or only unfragmented packets
 *   ports     source and destination port (TCP, UDP)
 *   icmp type the ICMP or ICMPv6 type
 *
 * Conditions on the transport header (tcp flags, payload, ports, icmp
 * type) need that header, so a non-first fragment never meets them. A
 * condition on the transport, of any kind, implies IP. The empty filter
 * (all zero, NC_IMP_FILTER_ANY) takes every frame, ARP and neighbour
 * discovery included; give l3 = IP to leave those alone.
 */
#ifndef NC_IMPAIR_FILTER_H
#define NC_IMPAIR_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/packet.h"

enum nc_imp_l3 {
	NC_IMP_L3_ANY = 0,     /* every frame */
	NC_IMP_L3_IP,          /* IPv4 or IPv6 */
	NC_IMP_L3_IPV4,
	NC_IMP_L3_IPV6,
};

enum nc_imp_tri {
	NC_IMP_EITHER = 0,     /* no condition */
	NC_IMP_YES,
	NC_IMP_NO,
};

struct nc_imp_filter {
	enum nc_imp_l3 l3;
	uint8_t proto;         /* 0: any; else IPPROTO_TCP, IPPROTO_UDP, ... */
	uint8_t tcp_mask;      /* TCP flag bits tested, as on the wire (FIN 0x01 .. CWR 0x80) */
	uint8_t tcp_set;       /* their required values */
	enum nc_imp_tri payload;   /* YES: at least one byte of payload */
	enum nc_imp_tri fragment;  /* YES: fragments only; NO: no fragments */
	uint16_t sport, dport;     /* 0: any */
	bool has_icmp_type;
	uint8_t icmp_type;
};

/* Whether a decoded frame meets every condition of the filter. */
bool nc_imp_filter_match(const struct nc_imp_filter *f, const struct nc_pkt *p);

/* The filter in words, for traces ("tcp flags SYN/SYN,ACK from port 80").
 * Returns buf. */
const char *nc_imp_filter_str(const struct nc_imp_filter *f, char *buf, size_t n);

#endif
