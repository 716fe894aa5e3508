/* packet.h: one captured frame, decoded layer by layer.
 *
 * nc_pkt_decode() walks link -> network -> transport, one decoder per layer
 * (ether.c, sll.c, ipv4.c, ipv6.c, udp.c, tcp.c, icmp4.c, icmp6.c). Each
 * decoder reads through a bounds-checked cursor (util/cursor.h); any sequence
 * of bytes may arrive, and a short or inconsistent header is reported in
 * `problem`, never read past.
 *
 * Ownership: `payload` and `frame` borrow from the frame passed to
 * nc_pkt_decode and are valid only as long as that frame. Everything else in
 * struct nc_pkt is a copy.
 *
 * Related headers: tcp_flags.h (the TCP flag bits), format.h (the one-line
 * text form), tcp_stream.h (TCP reassembly and the connection table),
 * flow.h (flow keys), dumpfile.h (decoding a whole pcap file).
 */
#ifndef NC_WIRE_PACKET_H
#define NC_WIRE_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "wire/tcp_flags.h"

/* Link types netconform decodes (values of pcap's DLT_ / LINKTYPE_). */
#define NC_LINK_EN10MB 1        /* Ethernet: the link type of "lo" */
#define NC_LINK_LINUX_SLL 113   /* Linux cooked capture v1 ("any") */
#define NC_LINK_LINUX_SLL2 276  /* Linux cooked capture v2 */
#define NC_LINK_RAW 101         /* raw IPv4 or IPv6 (LINKTYPE_RAW in files) */
#define NC_LINK_DLT_RAW 12      /* the same, as libpcap on Linux reports it (DLT_RAW) */

/* Bits of nc_pkt.layers: how far decoding got. */
#define NC_LAYER_LINK 0x01      /* link header read: ethertype, pkttype */
#define NC_LAYER_NET 0x02       /* IP header read: addresses, ttl, lengths */
#define NC_LAYER_TRANS 0x04     /* fixed transport header read: ports, seq, flags, type */
#define NC_LAYER_PAYLOAD 0x08   /* whole transport header read (TCP options too);
				 * payload, payload_len, payload_wire_len are valid */

#define NC_IP6_EXT_MAX 8        /* extension headers remembered in nc_pkt.ip6_ext */

struct nc_tcp_opts {
	bool has_mss;
	uint16_t mss;
	bool has_wscale;
	uint8_t wscale;
	bool sack_ok;
	bool has_ts;
	uint32_t ts_val, ts_ecr;
	uint8_t nsack;              /* SACK blocks present (at most 4) */
	uint32_t sack[4][2];        /* left, right edges */
	/* The options in order, tcpdump style: "mss 65495,sackOK,TS val 1 ecr 0,nop,wscale 7". */
	char text[160];
};

/* The transport header quoted inside an ICMP or ICMPv6 error. */
struct nc_icmp_quote {
	bool present;
	int ipver;                  /* 4 or 6 */
	uint8_t src[16], dst[16];
	uint8_t l4;                 /* IPPROTO_UDP, IPPROTO_TCP, ... */
	uint16_t sport, dport;      /* when the quote is long enough */
	bool has_ports;
	uint32_t seq;               /* TCP: the quoted sequence number */
	bool has_seq;               /* the quote holds the TCP sequence number */
};

struct nc_pkt {
	uint32_t index;             /* 1-based position in the capture (the caller's) */
	int64_t ts_ns;              /* capture timestamp (the caller's) */
	uint32_t caplen;            /* bytes captured */
	uint32_t wirelen;           /* bytes on the wire */
	int linktype;
	const uint8_t *frame;       /* borrowed: the frame given to nc_pkt_decode */
	uint8_t layers;             /* NC_LAYER_* bits */

	/* Link layer. */
	uint16_t ethertype;         /* 0x0800, 0x86dd, ... */
	int pkttype;                /* SLL packet type; -1 when the link has none */
	uint32_t ifindex;           /* SLL2 interface index; 0 otherwise */
	bool has_vlan;              /* an 802.1Q tag was skipped */
	uint16_t vlan;              /* its VLAN id (the outer tag's) */
	uint32_t net_off;           /* offset of the IP header in the frame */
	uint32_t trans_off;         /* offset of the transport header in the frame */

	/* Network layer (ipver 0: not IP). */
	int ipver;                  /* 4 or 6 */
	uint8_t src[16], dst[16];   /* network order; IPv4 uses the first 4 bytes */
	uint8_t ttl;                /* TTL or hop limit */
	uint8_t tos;                /* IPv4 type of service or IPv6 traffic class */
	uint32_t flow_label;        /* IPv6 flow label */
	uint16_t ip_id;             /* IPv4 identification */
	uint32_t frag_id;           /* fragment identification: ip_id, or the IPv6 fragment header's */
	bool df, mf;                /* IPv4 don't fragment / more fragments (IPv4 or IPv6 M flag) */
	uint16_t frag_off;          /* fragment offset in bytes */
	bool fragment;              /* part of a fragmented datagram */
	uint8_t ip_proto;           /* upper-layer protocol, decoded or not (IPv6: after extensions) */
	uint8_t ip6_ext_count;      /* IPv6 extension headers walked */
	uint8_t ip6_ext[NC_IP6_EXT_MAX]; /* their types, in order (the first NC_IP6_EXT_MAX) */
	bool ip_csum_bad;           /* IPv4 header checksum does not verify */
	uint32_t ip_payload_len;    /* L4 bytes according to the IP header */

	/* Transport layer (l4 0: not decoded). */
	uint8_t l4;                 /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	uint16_t sport, dport;
	uint16_t udp_len;           /* UDP length field */
	uint32_t seq, ack;
	uint8_t tcp_flags;          /* NC_TCP_* bits as on the wire (tcp_flags.h) */
	uint16_t win;
	uint16_t urg;               /* urgent pointer */
	uint8_t tcp_hlen;           /* data offset in bytes */
	struct nc_tcp_opts opts;
	uint8_t icmp_type, icmp_code;
	uint32_t icmp_rest;         /* the 4 bytes after the checksum: echo id and seq, MTU, pointer */
	struct nc_icmp_quote quote;

	/* Transport payload: the bytes captured, and the length the headers
	 * announce (larger when the capture was cut by the snap length). */
	const uint8_t *payload;     /* borrowed from the frame */
	uint32_t payload_len;
	uint32_t payload_wire_len;

	/* What went wrong, if anything: "truncated IPv4 header: 12 of 20 bytes",
	 * "UDP length 30 does not match the IP payload 25". */
	bool truncated;             /* the capture ends inside a header */
	bool malformed;             /* a field is inconsistent */
	char problem[128];
};

/* Decodes frame (caplen bytes captured of wirelen) of the given link type.
 * Always fills what it could decode. Returns 0, or -1 when the frame is
 * truncated or malformed (then `problem` says how).
 *
 * Every field of out is written, so out need not be initialized. The
 * frame alone does not say where it was in the capture or when, so `index`
 * and `ts_ns` come out 0: the caller sets them after decoding (before
 * formatting or feeding the packet on). Several problems are joined with
 * "; " in `problem`. An IPv4 header checksum that does not verify sets `ip_csum_bad` and `malformed`,
 * and decoding goes on. A link type that is not decoded leaves `layers` 0
 * without a problem. A payload cut by the snap length is not a problem:
 * payload_len is then smaller than payload_wire_len. */
int nc_pkt_decode(int linktype, const uint8_t *frame, uint32_t caplen, uint32_t wirelen,
		  struct nc_pkt *out);

/* Writes an address of the packet ("127.0.0.1", "::1") into buf. */
const char *nc_pkt_addr(int ipver, const uint8_t addr[16], char *buf, size_t n);

#endif
