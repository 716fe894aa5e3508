/* parse_wire.c: the wire section: what the capture must show, one
 * expectation a line: the TCP handshake and teardown, the next bytes of a
 * TCP stream (SOURCE > DESTINATION tcp PAYLOAD | len N), single packets
 * (SOURCE > DESTINATION udp [PAYLOAD | len N], SOURCE > DESTINATION tcp
 * segment [flags F] [PAYLOAD | len N]), ICMP errors, and 'only' (nothing
 * else between the endpoints).
 */
#include "scenario/parse_int.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static int wire_tcp_only(struct parser *p, const struct nc_tok *kw)
{
	if (p->s->transport != NC_TRANSPORT_TCP)
		return perr(p, NC_DIAG_MISPLACED, kw->col, "'%.*s' applies to tcp scenarios",
			    (int)kw->len, kw->p);
	p->wire->proto = IPPROTO_TCP;
	return 0;
}

static int wire_handshake(struct parser *p, const struct nc_tok *kw)
{
	if (wire_tcp_only(p, kw) < 0)
		return -1;
	p->wire->kind = NC_WIRE_HANDSHAKE;
	p->wire->src.kind = NC_EP_CLIENT;
	p->wire->dst.kind = NC_EP_SERVER;
	return 0;
}

NC_WORDS(teardown_table, NC_WORD("fin", false), NC_WORD("rst", true));

static int wire_teardown(struct parser *p, const struct nc_tok *kw)
{
	const struct nc_kw *row;
	p->wire->kind = NC_WIRE_TEARDOWN;
	if (wire_tcp_only(p, kw) < 0 ||
	    !(row = expect_word_of(p, next(p), "", &teardown_table, " after 'teardown'")))
		return -1;
	p->wire->teardown_rst = row->id;
	return 0;
}

static int wire_only(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	p->wire->kind = NC_WIRE_ONLY;
	return 0;
}

static const struct nc_kw wire_rows[] = {
	{ .name = "handshake", .parse = wire_handshake, .id = NC_WIRE_HANDSHAKE },
	{ .name = "teardown", .parse = wire_teardown, .id = NC_WIRE_TEARDOWN,
	  .shown = "teardown fin|rst" },
	{ .name = "only", .parse = wire_only, .id = NC_WIRE_ONLY },
};
static const struct nc_kw_table wire_table = NC_KW_TABLE(wire_rows);

/* ------------------------------------------------------------------------ */
/* Packets */

NC_WORDS(proto_table, NC_WORD("tcp", IPPROTO_TCP), NC_WORD("udp", IPPROTO_UDP),
	 NC_WORD("icmp", IPPROTO_ICMP));

static int parse_flags_word(const struct nc_tok *t, uint8_t *flags)
{
	if (!t || t->kind != NC_TOK_WORD || t->len == 0 || t->len > 6)
		return -1;
	uint8_t f = 0;
	for (size_t i = 0; i < t->len; i++) {
		switch (t->p[i]) {
		case 'S': f |= NC_TCP_SYN; break;
		case 'A': f |= NC_TCP_ACK; break;
		case 'P': f |= NC_TCP_PSH; break;
		case 'F': f |= NC_TCP_FIN; break;
		case 'R': f |= NC_TCP_RST; break;
		case 'U': f |= NC_TCP_URG; break;
		case '.': f |= NC_TCP_ACK; break;
		default: return -1;
		}
	}
	*flags = f;
	return 0;
}

#define FLAGS_HINT "TCP flags (letters S, A, P, F, R, U, like SA or FA)"

/* Names the letter that is not a TCP flag. */
static int bad_flags(struct parser *p, const struct nc_tok *t)
{
	char nb[NC_NEAR_LEN];
	if (t->kind == NC_TOK_WORD) {
		for (size_t i = 0; i < t->len; i++) {
			if (!strchr("SAPFRU.", t->p[i]) || t->p[i] == 0) {
				size_t clen = 1;
				while (i + clen < t->len && ((unsigned char)t->p[i + clen] & 0xc0) == 0x80)
					clen++;
				return perr(p, NC_DIAG_UNKNOWN_WORD, t->col + (uint32_t)i, "unknown TCP "
					    "flag '%.*s' in %s (the flags are S, A, P, F, R and U, or "
					    "'.' for ACK, like SA or FA)", (int)clen, t->p + i,
					    quoted(t, nb, sizeof(nb)));
			}
		}
		if (t->len > 6)
			return perr(p, NC_DIAG_SYNTAX, t->col, "too many TCP flag letters in %s (each "
				    "of S, A, P, F, R and U at most once)", quoted(t, nb, sizeof(nb)));
	}
	return expected(p, t, FLAGS_HINT);
}

/* What follows 'tcp': nothing for a stream line, or the segment form. */
NC_WORDS(tcp_form_table, NC_WORD("segment", NC_WIRE_PACKET));

static const struct nc_kw len_rows[] = { { .name = "len", .alias = { "length" } } };
static const struct nc_kw_table len_table = NC_KW_TABLE(len_rows);

/* "flags F", or a bare flags word ("PA"). */
static int packet_flags(struct parser *p, struct nc_wire_item *w)
{
	char nb[NC_NEAR_LEN];
	const struct nc_tok *t = peek(p);
	if (word_eq(t, "flags")) {
		if (w->proto != IPPROTO_TCP)
			return perr(p, NC_DIAG_MISPLACED, t->col, "'flags' applies to tcp packets; a "
				    "udp packet has no flags");
		next(p);
		t = next(p);
		if (!t)
			return expected(p, NULL, FLAGS_HINT " after 'flags'");
		if (parse_flags_word(t, &w->flags) < 0)
			return bad_flags(p, t);
		w->has_flags = true;
	} else if (t && parse_flags_word(t, &w->flags) == 0) {
		/* A bare flags word cannot be a payload, so it is one even on a
		 * udp line, where it is an error worth naming. */
		if (w->proto != IPPROTO_TCP)
			return perr(p, NC_DIAG_MISPLACED, t->col, "TCP flags %s on a udp packet (a "
				    "udp packet has no flags)", quoted(t, nb, sizeof(nb)));
		next(p);
		w->has_flags = true;
	}
	return 0;
}

/* A payload or 'len N' (at most max, with size units when units), and
 * nothing after it. */
static int packet_data(struct parser *p, struct nc_wire_item *w, unsigned long long max,
		       bool units)
{
	const struct nc_tok *t = peek(p);
	if (nc_kw_find(&len_table, t)) {
		unsigned long long n;
		next(p);
		if (parse_u64_tok(p, next(p), "a payload length", "payload length", max, units,
				  &n) < 0)
			return -1;
		w->has_len = true;
		w->len = n;
	} else if (t) {
		if (parse_payload(p, &w->payload) < 0)
			return -1;
		w->has_payload = true;
	}
	t = peek(p);
	if (t && nc_kw_find(&len_table, t) && w->has_payload)
		return perr(p, NC_DIAG_SYNTAX, t->col, "a packet takes a payload or 'len N', not "
			    "both");
	if (t && word_eq(t, "flags"))
		return perr(p, NC_DIAG_SYNTAX, t->col, "'flags' comes before the payload (like "
			    "client > server tcp segment flags PA \"data\")");
	return expect_eol(p);
}

/* SRC > DST tcp PAYLOAD | len N: the stream's next bytes. Flags describe
 * one segment, which this form does not look at. */
static int stream_line(struct parser *p, struct nc_wire_item *w)
{
	char nb[NC_NEAR_LEN];
	const struct nc_tok *t = peek(p);
	uint8_t f;
	w->kind = NC_WIRE_STREAM;
	if (word_eq(t, "flags") || (t && parse_flags_word(t, &f) == 0))
		return perr(p, NC_DIAG_MISPLACED, t->col, "TCP flags%s%s belong to one segment: "
			    "write 'segment' before them (like client > server tcp segment flags "
			    "PA \"hi\"); a tcp line without it matches the stream's next bytes, "
			    "however segments split them", word_eq(t, "flags") ? "" : " ",
			    word_eq(t, "flags") ? "" : quoted(t, nb, sizeof(nb)));
	if (!t)
		return expected(p, NULL, "a payload or 'len N' (the stream's next bytes), or "
				"'segment' (one segment, like client > server tcp segment flags S)");
	if (packet_data(p, w, NC_MAX_GENERATED, true) < 0)
		return -1;
	bool empty = w->has_len ? w->len == 0
				: payload_min_len(&w->payload) == 0 &&
					  !(w->payload.kind == NC_PAYLOAD_TEXT && w->payload.text.has_vars);
	if (empty)
		return perr(p, NC_DIAG_RANGE, t->col, "a stream line matches at least one byte "
			    "(a segment without data is 'tcp segment flags F')");
	return 0;
}

/* SRC > DST PROTO ... */
static int wire_packet(struct parser *p, struct nc_wire_item *w)
{
	if (parse_target(p, next(p), &w->src, true) < 0)
		return -1;
	const struct nc_tok *gt = next(p);
	if (!word_eq(gt, ">"))
		return expected(p, gt, "'>' between source and destination (like client > server)");
	if (parse_target(p, next(p), &w->dst, true) < 0)
		return -1;
	const struct nc_tok *pr = next(p);
	const struct nc_kw *row = expect_word_of(p, pr, "a protocol (", &proto_table, ")");
	if (!row)
		return -1;
	w->proto = row->id;
	if (w->proto == IPPROTO_ICMP) {
		const struct nc_tok *t = next(p);
		if (!word_eq(t, "port-unreachable"))
			return expected(p, t, "'port-unreachable' (the ICMP message netconform "
					"checks)");
		w->kind = NC_WIRE_ICMP;
		return expect_eol(p);
	}
	w->kind = NC_WIRE_PACKET;
	bool tcp = p->s->transport == NC_TRANSPORT_TCP;
	if ((w->proto == IPPROTO_TCP) != tcp)
		return perr(p, NC_DIAG_MISPLACED, pr->col, "protocol '%.*s' does not match the "
			    "scenario's transport (%s)", (int)pr->len, pr->p, tcp ? "tcp" : "udp");
	if (w->proto == IPPROTO_TCP) {
		if (!nc_kw_find(&tcp_form_table, peek(p)))
			return stream_line(p, w);
		next(p);
	}
	if (packet_flags(p, w) < 0)
		return -1;
	return packet_data(p, w, 65535, false);
}

/* A first word that is neither a keyword nor the start of SOURCE > ...:
 * not a role, not an address, and no '>' after it. */
static bool looks_like_keyword(struct parser *p, const struct nc_tok *kw)
{
	return kw->kind == NC_TOK_WORD && !word_eq(peek2(p), ">") && !word_eq(kw, "unused") &&
	       !word_eq(kw, "server") && !word_eq(kw, "client") &&
	       !memchr(kw->p, '.', kw->len) && !memchr(kw->p, ':', kw->len) &&
	       !memchr(kw->p, '[', kw->len);
}

int parse_wire_line(struct parser *p)
{
	struct nc_scenario *s = p->s;
	const struct nc_tok *kw = peek(p);
	char nb[NC_NEAR_LEN], list[200];
	snprintf(p->ctx, sizeof(p->ctx), "wire expectation at %u:%u", p->lx.line, kw->col);
	if (s->nwire >= NC_MAX_WIRE)
		return perr(p, NC_DIAG_LIMIT, kw->col, "too many wire expectations (the limit is "
			    "%d)", NC_MAX_WIRE);
	s->wire = nc_grow(s->wire, s->nwire, sizeof(*s->wire));
	struct nc_wire_item *w = &s->wire[s->nwire++];
	memset(w, 0, sizeof(*w));
	w->pos = (struct nc_pos){ p->lx.line, kw->col };
	w->text = line_from(p, kw->col);
	p->wire = w;
	const struct nc_kw *row = nc_kw_find(&wire_table, kw);
	if (row) {
		next(p);
		if (row->parse(p, kw) < 0)
			return -1;
		return expect_eol(p);
	}
	if (looks_like_keyword(p, kw)) {
		const struct nc_kw_table *tb = &wire_table;
		return perr_unknown(p, kw->col, "unknown wire expectation",
				    quoted(kw, nb, sizeof(nb)), nc_kw_suggest(&tb, 1, kw),
				    "expected %s, or SOURCE > DESTINATION PROTOCOL ..., like client "
				    "> server tcp \"hi\"", nc_kw_list(tb, ", ", list, sizeof(list)));
	}
	return wire_packet(p, w);
}
