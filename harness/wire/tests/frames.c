/* frames.c: test frame builders (see frames.h). */
#include "wire/tests/frames.h"

#include <CUnit/CUnit.h>
#include <string.h>

const uint8_t T_LO4[4] = { 127, 0, 0, 1 };
const uint8_t T_LO6[16] = { [15] = 1 };
const uint8_t T_SYN_OPTS[20] = { 2, 4, 0xff, 0xd7,              /* mss 65495 */
				 4, 2,                          /* sackOK */
				 8, 10, 0, 0, 0, 12, 0, 0, 0, 0, /* TS val 12 ecr 0 */
				 1,                             /* nop */
				 3, 3, 7 };                     /* wscale 7 */

/* A builder that runs out of room is a bug in the test itself. */
static void room(struct fb *f, size_t n)
{
	CU_ASSERT_FATAL(f->n + n <= FB_MAX);
}

void fb_u8(struct fb *f, uint8_t v)
{
	room(f, 1);
	f->b[f->n++] = v;
}

void fb_u16(struct fb *f, uint16_t v)
{
	fb_u8(f, (uint8_t)(v >> 8));
	fb_u8(f, (uint8_t)v);
}

void fb_u32(struct fb *f, uint32_t v)
{
	fb_u16(f, (uint16_t)(v >> 16));
	fb_u16(f, (uint16_t)v);
}

void fb_bytes(struct fb *f, const void *p, size_t n)
{
	room(f, n);
	if (n)
		memcpy(f->b + f->n, p, n);
	f->n += n;
}

void fb_zero(struct fb *f, size_t n)
{
	room(f, n);
	memset(f->b + f->n, 0, n);
	f->n += n;
}

void fb_set16(struct fb *f, size_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

void t_eth(struct fb *f, uint16_t type)
{
	fb_zero(f, 12);
	fb_u16(f, type);
}

size_t t_ipv4(struct fb *f, uint8_t proto, const uint8_t src[4], const uint8_t dst[4])
{
	size_t ip = f->n;
	fb_u8(f, 0x45);
	fb_u8(f, 0);
	fb_u16(f, 0);       /* total length, set by t_ipv4_end */
	fb_u16(f, 0x1234);  /* identification */
	fb_u16(f, 0x4000);  /* DF */
	fb_u8(f, 64);
	fb_u8(f, proto);
	fb_u16(f, 0);       /* checksum, set by t_ipv4_end */
	fb_bytes(f, src, 4);
	fb_bytes(f, dst, 4);
	return ip;
}

void t_ipv4_csum(struct fb *f, size_t ip)
{
	size_t hlen = (f->b[ip] & 0x0f) * 4u;
	fb_set16(f, ip + 10, 0);
	uint32_t sum = 0;
	for (size_t i = 0; i < hlen; i += 2)
		sum += (uint32_t)(f->b[ip + i] << 8 | f->b[ip + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	fb_set16(f, ip + 10, (uint16_t)~sum);
}

void t_ipv4_end(struct fb *f, size_t ip)
{
	fb_set16(f, ip + 2, (uint16_t)(f->n - ip));
	t_ipv4_csum(f, ip);
}

size_t t_ipv6(struct fb *f, uint8_t next, const uint8_t src[16], const uint8_t dst[16])
{
	size_t ip = f->n;
	fb_u32(f, 0x60000000);
	fb_u16(f, 0);       /* payload length, set by t_ipv6_end */
	fb_u8(f, next);
	fb_u8(f, 64);
	fb_bytes(f, src, 16);
	fb_bytes(f, dst, 16);
	return ip;
}

void t_ipv6_end(struct fb *f, size_t ip)
{
	fb_set16(f, ip + 4, (uint16_t)(f->n - ip - 40));
}

void t_udp(struct fb *f, uint16_t sport, uint16_t dport, const void *data, size_t n)
{
	fb_u16(f, sport);
	fb_u16(f, dport);
	fb_u16(f, (uint16_t)(8 + n));
	fb_u16(f, 0xfe30); /* a partial checksum, as loopback captures hold */
	fb_bytes(f, data, n);
}

void t_tcp(struct fb *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	   uint8_t flags, uint16_t win, const void *opts, size_t optlen, const void *data,
	   size_t n)
{
	fb_u16(f, sport);
	fb_u16(f, dport);
	fb_u32(f, seq);
	fb_u32(f, ack);
	fb_u16(f, (uint16_t)(((20 + optlen) / 4) << 12 | flags));
	fb_u16(f, win);
	fb_u16(f, 0xfe30);
	fb_u16(f, 0);
	fb_bytes(f, opts, optlen);
	fb_bytes(f, data, n);
}

void t_frame_udp4(struct fb *f, uint16_t sport, uint16_t dport, const char *data)
{
	f->n = 0;
	t_eth(f, 0x0800);
	size_t ip = t_ipv4(f, 17, T_LO4, T_LO4);
	t_udp(f, sport, dport, data, strlen(data));
	t_ipv4_end(f, ip);
}

void t_frame_udp6(struct fb *f, uint16_t sport, uint16_t dport, const char *data)
{
	f->n = 0;
	t_eth(f, 0x86dd);
	size_t ip = t_ipv6(f, 17, T_LO6, T_LO6);
	t_udp(f, sport, dport, data, strlen(data));
	t_ipv6_end(f, ip);
}

void t_frame_tcp4(struct fb *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		  uint8_t flags, const void *opts, size_t optlen, const char *data)
{
	f->n = 0;
	t_eth(f, 0x0800);
	size_t ip = t_ipv4(f, 6, T_LO4, T_LO4);
	t_tcp(f, sport, dport, seq, ack, flags, flags & 0x02 ? 65495 : 512, opts, optlen, data,
	      data ? strlen(data) : 0);
	t_ipv4_end(f, ip);
}

void t_frame_tcp6(struct fb *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		  uint8_t flags, const void *opts, size_t optlen, const char *data)
{
	f->n = 0;
	t_eth(f, 0x86dd);
	size_t ip = t_ipv6(f, 6, T_LO6, T_LO6);
	t_tcp(f, sport, dport, seq, ack, flags, flags & 0x02 ? 65476 : 512, opts, optlen, data,
	      data ? strlen(data) : 0);
	t_ipv6_end(f, ip);
}

int t_decode(const struct fb *f, struct nc_pkt *p)
{
	return nc_pkt_decode(NC_LINK_EN10MB, f->b, (uint32_t)f->n, (uint32_t)f->n, p);
}

void t_frame_icmp4_unreach(struct fb *f, uint8_t code, uint16_t sport, uint16_t dport,
			   const char *data)
{
	f->n = 0;
	t_eth(f, 0x0800);
	size_t ip = t_ipv4(f, 1, T_LO4, T_LO4);
	fb_u8(f, 3);
	fb_u8(f, code);
	fb_u16(f, 0);
	fb_u32(f, 0);
	size_t q = t_ipv4(f, 17, T_LO4, T_LO4);
	t_udp(f, sport, dport, data, strlen(data));
	t_ipv4_end(f, q);
	t_ipv4_end(f, ip);
}

void t_frame_icmp6_unreach(struct fb *f, uint8_t code, uint16_t sport, uint16_t dport,
			   const char *data)
{
	f->n = 0;
	t_eth(f, 0x86dd);
	size_t ip = t_ipv6(f, 58, T_LO6, T_LO6);
	fb_u8(f, 1);
	fb_u8(f, code);
	fb_u16(f, 0);
	fb_u32(f, 0);
	size_t q = t_ipv6(f, 17, T_LO6, T_LO6);
	t_udp(f, sport, dport, data, strlen(data));
	t_ipv6_end(f, q);
	t_ipv6_end(f, ip);
}

static struct t_sample *next_sample(struct t_sample *s, size_t *n, size_t max,
				    const char *name, int link)
{
	CU_ASSERT_FATAL(*n < max);
	struct t_sample *x = &s[(*n)++];
	x->name = name;
	x->link = link;
	x->f.n = 0;
	return x;
}

size_t t_samples(struct t_sample *s, size_t max)
{
	size_t n = 0;
	struct t_sample *x;
	size_t ip;

	x = next_sample(s, &n, max, "udp4", NC_LINK_EN10MB);
	t_frame_udp4(&x->f, 41234, 50000, "hello");
	x = next_sample(s, &n, max, "udp6", NC_LINK_EN10MB);
	t_frame_udp6(&x->f, 41234, 50000, "bye");
	x = next_sample(s, &n, max, "tcp4 syn", NC_LINK_EN10MB);
	t_frame_tcp4(&x->f, 41234, 50000, 1, 0, 0x02, T_SYN_OPTS, sizeof(T_SYN_OPTS), NULL);
	x = next_sample(s, &n, max, "tcp6 data", NC_LINK_EN10MB);
	t_frame_tcp6(&x->f, 41234, 50000, 1, 2, 0x18, T_SYN_OPTS + 4, 12, "payload");
	x = next_sample(s, &n, max, "icmp4 unreach", NC_LINK_EN10MB);
	t_frame_icmp4_unreach(&x->f, 3, 41234, 50000, "hello");
	x = next_sample(s, &n, max, "icmp6 unreach", NC_LINK_EN10MB);
	t_frame_icmp6_unreach(&x->f, 4, 41234, 50000, "hello");

	x = next_sample(s, &n, max, "ipv6 ext chain", NC_LINK_EN10MB);
	t_eth(&x->f, 0x86dd);
	ip = t_ipv6(&x->f, 0, T_LO6, T_LO6);
	fb_bytes(&x->f, "\x3c\0\x01\x04\0\0\0\0", 8);        /* hop-by-hop -> dstopts */
	fb_bytes(&x->f, "\x2c\0\x01\x04\0\0\0\0", 8);        /* dstopts -> fragment */
	fb_bytes(&x->f, "\x11\0\0\x01\0\0\0\x2a", 8);        /* fragment, offset 0, M -> UDP */
	t_udp(&x->f, 7, 8, "ext", 3);
	t_ipv6_end(&x->f, ip);

	x = next_sample(s, &n, max, "vlan udp4", NC_LINK_EN10MB);
	t_eth(&x->f, 0x8100);
	fb_u16(&x->f, 100);
	fb_u16(&x->f, 0x0800);
	ip = t_ipv4(&x->f, 17, T_LO4, T_LO4);
	t_udp(&x->f, 1, 2, "tagged", 6);
	t_ipv4_end(&x->f, ip);

	x = next_sample(s, &n, max, "ipv4 options tcp", NC_LINK_EN10MB);
	t_eth(&x->f, 0x0800);
	ip = t_ipv4(&x->f, 6, T_LO4, T_LO4);
	x->f.b[ip] = 0x47;
	fb_bytes(&x->f, "\x01\x01\x01\x01\x01\x01\x01\0", 8);
	t_tcp(&x->f, 5, 6, 7, 8, 0x10, 100, NULL, 0, "o", 1);
	t_ipv4_end(&x->f, ip);

	x = next_sample(s, &n, max, "icmp echo", NC_LINK_EN10MB);
	t_eth(&x->f, 0x0800);
	ip = t_ipv4(&x->f, 1, T_LO4, T_LO4);
	fb_bytes(&x->f, "\x08\0\0\0\0\x07\0\x01ping", 12);
	t_ipv4_end(&x->f, ip);

	x = next_sample(s, &n, max, "sll udp4", NC_LINK_LINUX_SLL);
	fb_u16(&x->f, 4);       /* sent by us */
	fb_u16(&x->f, 772);     /* ARPHRD_LOOPBACK */
	fb_u16(&x->f, 6);
	fb_zero(&x->f, 8);
	fb_u16(&x->f, 0x0800);
	ip = t_ipv4(&x->f, 17, T_LO4, T_LO4);
	t_udp(&x->f, 41234, 50000, "cooked", 6);
	t_ipv4_end(&x->f, ip);

	x = next_sample(s, &n, max, "sll2 tcp6", NC_LINK_LINUX_SLL2);
	fb_u16(&x->f, 0x86dd);
	fb_u16(&x->f, 0);
	fb_u32(&x->f, 1);       /* ifindex of lo */
	fb_u16(&x->f, 772);
	fb_u8(&x->f, 0);        /* to us */
	fb_u8(&x->f, 6);
	fb_zero(&x->f, 8);
	ip = t_ipv6(&x->f, 6, T_LO6, T_LO6);
	t_tcp(&x->f, 41234, 50000, 9, 10, 0x18, 512, NULL, 0, "v2", 2);
	t_ipv6_end(&x->f, ip);

	x = next_sample(s, &n, max, "raw tcp4", NC_LINK_RAW);
	ip = t_ipv4(&x->f, 6, T_LO4, T_LO4);
	t_tcp(&x->f, 5, 6, 7, 8, 0x11, 100, T_SYN_OPTS + 4, 12, NULL, 0);
	t_ipv4_end(&x->f, ip);
	return n;
}
