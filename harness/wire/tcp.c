/* tcp.c: TCP header decoder (RFC 9293), with the options of RFC 7323
 * (window scale, timestamps), RFC 2018 (SACK) and RFC 9293 (MSS, NOP, EOL)
 * and the ECN flags of RFC 3168. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire/wire_int.h"

/* The flag byte is stored as it is on the wire, so the NC_TCP_* constants
 * (tcp_flags.h), which scenarios and checks use too, must be its bits. */
_Static_assert(NC_TCP_FIN == 0x01 && NC_TCP_SYN == 0x02 && NC_TCP_RST == 0x04 &&
		       NC_TCP_PSH == 0x08 && NC_TCP_ACK == 0x10 && NC_TCP_URG == 0x20,
	       "NC_TCP_* must be the wire values");
_Static_assert(NC_TCP_ECE == 0x40 && NC_TCP_CWR == 0x80, "ECE and CWR are wire bits 6 and 7");

#define NC_TCP_MIN_HLEN 20

enum {
	NC_TCPOPT_EOL = 0,
	NC_TCPOPT_NOP = 1,
	NC_TCPOPT_MSS = 2,
	NC_TCPOPT_WSCALE = 3,
	NC_TCPOPT_SACK_OK = 4,
	NC_TCPOPT_SACK = 5,
	NC_TCPOPT_TS = 8,
};

/* Appends one comma-separated item to the options text. When the text is
 * full it ends with "..." so a reader sees that it was cut. */
static void opt_text(struct nc_tcp_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void opt_text(struct nc_tcp_opts *o, const char *fmt, ...)
{
	char item[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);

	size_t len = strlen(o->text);
	size_t cap = sizeof(o->text);
	if (len >= 3 && strcmp(o->text + len - 3, "...") == 0)
		return;
	int n = snprintf(o->text + len, cap - len, "%s%s", len ? "," : "", item);
	if (n < 0 || (size_t)n >= cap - len)
		memcpy(o->text + cap - 4, "...", 4);
}

/* Checks a known option's length; a wrong one is reported and the option is
 * shown by number, as unknown options are. */
static bool opt_len_ok(struct nc_pkt *p, const char *name, uint8_t kind, uint8_t len,
		       uint8_t want)
{
	if (len == want)
		return true;
	nc_wire_problem(p, false, "TCP option %s has length %u, expected %u", name, len, want);
	opt_text(&p->opts, "opt-%u len %u", kind, len);
	return false;
}

/* Walks the option list. Every step consumes at least one byte, and a bad
 * length ends the walk, so hostile options cannot make it loop. */
static void tcp_options(struct nc_pkt *p, struct nc_cursor o)
{
	struct nc_tcp_opts *opts = &p->opts;
	while (o.left > 0) {
		uint8_t kind = nc_cursor_u8(&o);   /* option kind */
		if (kind == NC_TCPOPT_EOL) {
			/* The rest is padding (RFC 9293 section 3.2). */
			opt_text(opts, "eol");
			return;
		}
		if (kind == NC_TCPOPT_NOP) {
			opt_text(opts, "nop");
			continue;
		}
		if (o.left < 1) {
			nc_wire_problem(p, false, "TCP option %u has no length byte", kind);
			return;
		}
		uint8_t len = nc_cursor_u8(&o);    /* length, counting the kind and length bytes */
		if (len < 2) {
			nc_wire_problem(p, false, "TCP option %u has length %u", kind, len);
			return;
		}
		if ((size_t)len - 2 > o.left) {
			nc_wire_problem(p, false, "TCP option %u length %u overruns the options (%zu bytes left)",
					kind, len, o.left + 2);
			return;
		}
		struct nc_cursor b = nc_cursor_sub(&o, (size_t)len - 2);

		switch (kind) {
		case NC_TCPOPT_MSS:
			if (!opt_len_ok(p, "mss", kind, len, 4))
				break;
			opts->has_mss = true;
			opts->mss = nc_cursor_u16(&b);              /* maximum segment size */
			opt_text(opts, "mss %u", opts->mss);
			break;
		case NC_TCPOPT_WSCALE:
			if (!opt_len_ok(p, "wscale", kind, len, 3))
				break;
			opts->has_wscale = true;
			opts->wscale = nc_cursor_u8(&b);            /* shift count */
			opt_text(opts, "wscale %u", opts->wscale);
			break;
		case NC_TCPOPT_SACK_OK:
			if (!opt_len_ok(p, "sackOK", kind, len, 2))
				break;
			opts->sack_ok = true;
			opt_text(opts, "sackOK");
			break;
		case NC_TCPOPT_TS:
			if (!opt_len_ok(p, "TS", kind, len, 10))
				break;
			opts->has_ts = true;
			opts->ts_val = nc_cursor_u32(&b);           /* sender's clock */
			opts->ts_ecr = nc_cursor_u32(&b);           /* echo of the peer's last ts_val */
			opt_text(opts, "TS val %u ecr %u", opts->ts_val, opts->ts_ecr);
			break;
		case NC_TCPOPT_SACK: {
			size_t n = ((size_t)len - 2) / 8;
			if (((size_t)len - 2) % 8 != 0 || n == 0) {
				nc_wire_problem(p, false, "TCP option sack has length %u, not 2 + 8n", len);
				opt_text(opts, "opt-%u len %u", kind, len);
				break;
			}
			/* Forty option bytes hold at most four blocks; a second
			 * SACK option keeps the first one's blocks. */
			char t[128];
			size_t tl = (size_t)snprintf(t, sizeof(t), "sack %zu ", n);
			bool keep = opts->nsack == 0;
			for (size_t i = 0; i < n; i++) {
				uint32_t l = nc_cursor_u32(&b);      /* left edge: first sequence number of a block */
				uint32_t r = nc_cursor_u32(&b);      /* right edge: sequence number after it */
				if (keep && i < 4) {
					opts->sack[i][0] = l;
					opts->sack[i][1] = r;
					opts->nsack = (uint8_t)(i + 1);
				}
				if (tl < sizeof(t))
					tl += (size_t)snprintf(t + tl, sizeof(t) - tl, "{%u:%u}", l, r);
			}
			opt_text(opts, "%s", t);
			break;
		}
		default:
			/* Unknown options (TFO, MD5, MPTCP, ...) are skipped by
			 * their length. */
			opt_text(opts, "opt-%u len %u", kind, len);
			break;
		}
	}
}

void nc_wire_tcp(struct nc_pkt *p, struct nc_cursor c, uint32_t wire)
{
	p->l4 = NC_PROTO_TCP;
	if (!nc_wire_need(p, "TCP", &c, wire, NC_TCP_MIN_HLEN))
		return;
	struct nc_cursor h = c;
	p->sport = nc_cursor_u16(&h);          /* source port */
	p->dport = nc_cursor_u16(&h);          /* destination port */
	p->seq = nc_cursor_u32(&h);            /* sequence number of the first data byte (or of the SYN) */
	p->ack = nc_cursor_u32(&h);            /* next sequence number expected, when ACK is set */
	uint16_t off = nc_cursor_u16(&h);      /* data offset in words (4 bits), reserved (4), flags (8) */
	p->win = nc_cursor_u16(&h);            /* receive window, unscaled */
	/* The checksum is not verified: on loopback the kernel leaves it
	 * partial (CHECKSUM_PARTIAL, offloaded to a device lo does not have),
	 * so captured values are not the final ones. */
	nc_cursor_u16(&h);                     /* checksum */
	p->urg = nc_cursor_u16(&h);            /* urgent pointer, when URG is set */
	p->tcp_flags = (uint8_t)(off & 0xff);
	unsigned hlen = (off >> 12) * 4u;
	p->tcp_hlen = (uint8_t)hlen;
	p->layers |= NC_LAYER_TRANS;

	if (hlen < NC_TCP_MIN_HLEN) {
		nc_wire_problem(p, false, "TCP data offset %u is less than 20", hlen);
		return;
	}
	if (hlen > wire) {
		nc_wire_problem(p, false, "TCP data offset %u exceeds the segment length %u", hlen,
				(unsigned)wire);
		return;
	}
	if (!nc_wire_need(p, "TCP", &c, wire, hlen))
		return;
	nc_cursor_skip(&c, NC_TCP_MIN_HLEN);
	tcp_options(p, nc_cursor_sub(&c, hlen - NC_TCP_MIN_HLEN));

	p->layers |= NC_LAYER_PAYLOAD;
	uint32_t data = wire - hlen;
	p->payload_wire_len = data;
	p->payload_len = c.left < data ? (uint32_t)c.left : data;
	p->payload = nc_cursor_take(&c, p->payload_len);
}
