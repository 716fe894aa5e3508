/* frames.h: building test frames byte by byte.
 *
 * A frame builder appends big-endian fields to a fixed buffer; the layer
 * helpers write real headers (Ethernet with zero MACs as on "lo", IPv4 with a
 * correct header checksum, IPv6, UDP, TCP) and fix up lengths afterwards, so
 * a test states only what matters to it and then corrupts single fields.
 */
#ifndef NC_WIRE_TESTS_FRAMES_H
#define NC_WIRE_TESTS_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "wire/tcp_flags.h"
#include "wire/packet.h"

#define FB_MAX 4096

struct fb {
	uint8_t b[FB_MAX];
	size_t n;
};

void fb_u8(struct fb *f, uint8_t v);
void fb_u16(struct fb *f, uint16_t v);
void fb_u32(struct fb *f, uint32_t v);
void fb_bytes(struct fb *f, const void *p, size_t n);
void fb_zero(struct fb *f, size_t n);
void fb_set16(struct fb *f, size_t at, uint16_t v);

extern const uint8_t T_LO4[4];   /* 127.0.0.1 */
extern const uint8_t T_LO6[16];  /* ::1 */

/* Ethernet header with zero addresses. */
void t_eth(struct fb *f, uint16_t type);
/* Starts an IPv4 header (no options) and returns its offset; t_ipv4_end
 * sets the total length to the end of the frame and the checksum. */
size_t t_ipv4(struct fb *f, uint8_t proto, const uint8_t src[4], const uint8_t dst[4]);
void t_ipv4_end(struct fb *f, size_t ip);
/* Recomputes the checksum of the IPv4 header at ip (after edits). */
void t_ipv4_csum(struct fb *f, size_t ip);
/* Starts an IPv6 header; t_ipv6_end sets the payload length. */
size_t t_ipv6(struct fb *f, uint8_t next, const uint8_t src[16], const uint8_t dst[16]);
void t_ipv6_end(struct fb *f, size_t ip);
/* UDP header and data; the length field covers both. */
void t_udp(struct fb *f, uint16_t sport, uint16_t dport, const void *data, size_t n);
/* TCP header with options (a multiple of 4 bytes) and data. */
void t_tcp(struct fb *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	   uint8_t flags, uint16_t win, const void *opts, size_t optlen, const void *data,
	   size_t n);

/* Whole frames used by several tests. */
void t_frame_udp4(struct fb *f, uint16_t sport, uint16_t dport, const char *data);
void t_frame_udp6(struct fb *f, uint16_t sport, uint16_t dport, const char *data);
void t_frame_tcp4(struct fb *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		  uint8_t flags, const void *opts, size_t optlen, const char *data);
void t_frame_tcp6(struct fb *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		  uint8_t flags, const void *opts, size_t optlen, const char *data);
/* The SYN options Linux sends on lo: mss 65495, sackOK, TS, nop, wscale 7. */
extern const uint8_t T_SYN_OPTS[20];

/* ICMP port unreachable quoting a UDP datagram of the given ports and data
 * (code 3 for ICMP, 4 for ICMPv6), as Linux sends it on lo. */
void t_frame_icmp4_unreach(struct fb *f, uint8_t code, uint16_t sport, uint16_t dport,
			   const char *data);
void t_frame_icmp6_unreach(struct fb *f, uint8_t code, uint16_t sport, uint16_t dport,
			   const char *data);

/* Valid frames of every layer combination, for loops over all of them. */
struct t_sample {
	const char *name;
	int link;
	struct fb f;
};
/* Fills at most max samples and returns how many. */
size_t t_samples(struct t_sample *s, size_t max);

/* Decodes f as Ethernet, all bytes captured. */
int t_decode(const struct fb *f, struct nc_pkt *p);

#endif
