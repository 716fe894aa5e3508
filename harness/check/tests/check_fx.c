/* check_fx.c: the fixture the check tests share (check_fx.h). */
#include "check/tests/check_fx.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/clock.h"
#include "wire/packet.h"
#include "wire/tcp_flags.h"

/* ------------------------------------------------------------------------ */
/* Scenarios and observations */

bool fx_open(struct fx *f, const char *text, enum nc_family fam)
{
	memset(f, 0, sizeof(*f));
	struct nc_diag diag;
	memset(&diag, 0, sizeof(diag));
	f->sc = nc_scenario_parse(TEST_PATH, "unit/unit", "unit", text, strlen(text), &diag);
	if (!f->sc) {
		char msg[1400];
		fprintf(stderr, "\n  parse failed: %s\n", nc_diag_format(&diag, msg, sizeof(msg)));
		CU_FAIL("scenario did not parse");
		return false;
	}
	nc_observed_init(&f->o, f->sc, fam, 1.0);
	f->o.tick_ns = 4 * NC_MS;
	nc_result_init(&f->r);
	return true;
}

void fx_close(struct fx *f)
{
	nc_wirelog_free(f->w);
	nc_result_free(&f->r);
	if (f->sc)
		nc_observed_free(&f->o);
	nc_scenario_free(f->sc);
	memset(f, 0, sizeof(*f));
}

struct nc_addr addr4(const char *host, uint16_t port)
{
	struct nc_addr a;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	CU_ASSERT_FATAL(inet_pton(AF_INET, host, a.ip) == 1);
	a.port = port;
	return a;
}

struct nc_addr addr6(const char *host, uint16_t port)
{
	struct nc_addr a;
	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	CU_ASSERT_FATAL(inet_pton(AF_INET6, host, a.ip) == 1);
	a.port = port;
	return a;
}

/* Marks step i of a role as begun and ended, and returns its fact to fill.
 * Times default to a 1 ms step starting at i ms. */
struct nc_fact *end_step(struct fx *f, enum nc_role_id role, uint32_t i)
{
	struct nc_role_obs *ro = &f->o.role[role];
	CU_ASSERT_FATAL(i < ro->nsteps);
	ro->begun[i] = true;
	ro->ended[i] = true;
	ro->begin_t[i] = (int64_t)i * NC_MS;
	struct nc_fact *fa = &ro->facts[i];
	fa->step = i;
	fa->t_start = (int64_t)i * NC_MS;
	fa->t_end = fa->t_start + NC_MS;
	return fa;
}

static void dump_failures(const struct nc_result *r)
{
	for (size_t i = 0; i < r->nfailures; i++)
		fprintf(stderr, "    [%s] line %u: %s\n", r->failures[i].check, r->failures[i].line,
			r->failures[i].message);
}

void expect_count(const struct nc_result *r, size_t n, const char *file, int line)
{
	if (r->nfailures != n) {
		fprintf(stderr, "\n  %s:%d: %zu failures, want %zu\n", file, line, r->nfailures, n);
		dump_failures(r);
	}
	CU_ASSERT_EQUAL_FATAL(r->nfailures, n);
}

void expect_failure(const struct nc_result *r, size_t i, const char *check, uint32_t line,
		    const char *message, const char *file, int at)
{
	CU_ASSERT_FATAL(i < r->nfailures);
	const struct nc_failure *f = &r->failures[i];
	bool ok = strcmp(f->check, check) == 0 && f->line == line &&
		  strcmp(f->message, message) == 0 && strcmp(f->file, TEST_PATH) == 0;
	CU_ASSERT(ok);
	if (!ok)
		fprintf(stderr, "\n  %s:%d: failure %zu\n    got  [%s] line %u: %s\n"
			"    want [%s] line %u: %s\n", file, at, i, f->check, f->line, f->message,
			check, line, message);
}

void expect_has(const char *hay, const char *needle, const char *file, int at)
{
	bool ok = hay && strstr(hay, needle) != NULL;
	CU_ASSERT(ok);
	if (!ok)
		fprintf(stderr, "\n  %s:%d: missing [%s]\n  in [%s]\n", file, at, needle,
			hay ? hay : "(null)");
}

void sum_of_text(struct nc_streamsum *s, const char *text)
{
	nc_streamsum_init(s);
	nc_streamsum_update(s, text, strlen(text));
	nc_streamsum_finish(s);
}

/* ------------------------------------------------------------------------ */
/* Frames */

static void put8(struct frame *f, uint8_t v)
{
	CU_ASSERT_FATAL(f->n < sizeof(f->b));
	f->b[f->n++] = v;
}

static void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void putn(struct frame *f, const void *p, size_t n)
{
	CU_ASSERT_FATAL(f->n + n <= sizeof(f->b));
	if (n)
		memcpy(f->b + f->n, p, n);
	f->n += n;
}

void set16(struct frame *f, size_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

/* Ethernet with zero addresses, as on "lo". */
static void eth(struct frame *f, uint16_t type)
{
	f->n = 0;
	for (int i = 0; i < 12; i++)
		put8(f, 0);
	put16(f, type);
}

struct ep ep_of(const struct nc_addr *a)
{
	struct ep e;
	memset(&e, 0, sizeof(e));
	e.ipver = a->family == AF_INET ? 4 : 6;
	memcpy(e.ip, a->ip, 16);
	e.port = a->port;
	return e;
}

/* Starts the IP header for src > dst; returns its offset. */
static size_t ip_begin(struct frame *f, const struct ep *src, const struct ep *dst, uint8_t proto)
{
	eth(f, src->ipver == 4 ? 0x0800 : 0x86dd);
	size_t ip = f->n;
	if (src->ipver == 4) {
		put8(f, 0x45);
		put8(f, 0);
		put16(f, 0);      /* total length: ip_end */
		put16(f, 0x1234);
		put16(f, 0x4000); /* DF */
		put8(f, 64);
		put8(f, proto);
		put16(f, 0);      /* checksum: ip_end */
		putn(f, src->ip, 4);
		putn(f, dst->ip, 4);
	} else {
		put32(f, 0x60000000);
		put16(f, 0);      /* payload length: ip_end */
		put8(f, proto);
		put8(f, 64);
		putn(f, src->ip, 16);
		putn(f, dst->ip, 16);
	}
	return ip;
}

static void ip_end(struct frame *f, size_t ip)
{
	if ((f->b[ip] >> 4) == 4) {
		set16(f, ip + 2, (uint16_t)(f->n - ip));
		uint32_t sum = 0;
		for (size_t i = 0; i < 20; i += 2)
			sum += (uint32_t)(f->b[ip + i] << 8 | f->b[ip + i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		set16(f, ip + 10, (uint16_t)~sum);
	} else {
		set16(f, ip + 4, (uint16_t)(f->n - ip - 40));
	}
}

void udp_frame(struct frame *f, const struct ep *src, const struct ep *dst, const void *data,
	       size_t n)
{
	size_t ip = ip_begin(f, src, dst, IPPROTO_UDP);
	put16(f, src->port);
	put16(f, dst->port);
	put16(f, (uint16_t)(8 + n));
	put16(f, 0);
	putn(f, data, n);
	ip_end(f, ip);
}

/* The SYN options Linux sends on lo, shortened: mss 65495, nop, nop, sackOK. */
static const uint8_t SYN_OPTS[8] = { 2, 4, 0xff, 0xd7, 1, 1, 4, 2 };

void tcp_frame(struct frame *f, const struct ep *src, const struct ep *dst, uint32_t seq,
	       uint32_t ack, uint8_t flags, const char *data)
{
	tcp_frame_n(f, src, dst, seq, ack, flags, data, data ? strlen(data) : 0);
}

void tcp_frame_n(struct frame *f, const struct ep *src, const struct ep *dst, uint32_t seq,
		 uint32_t ack, uint8_t flags, const void *data, size_t n)
{
	size_t ip = ip_begin(f, src, dst, IPPROTO_TCP);
	bool syn = flags & NC_TCP_SYN;
	size_t optlen = syn ? sizeof(SYN_OPTS) : 0;
	put16(f, src->port);
	put16(f, dst->port);
	put32(f, seq);
	put32(f, ack);
	put16(f, (uint16_t)(((20 + optlen) / 4) << 12 | flags));
	put16(f, 512);
	put16(f, 0);
	put16(f, 0);
	putn(f, SYN_OPTS, optlen);
	putn(f, data, n);
	ip_end(f, ip);
}

void frag6_frame(struct frame *f, const struct ep *src, const struct ep *dst, uint32_t id,
		 uint16_t off, bool more, const uint8_t *part, size_t n)
{
	size_t ip = ip_begin(f, src, dst, 44);
	put8(f, IPPROTO_UDP);
	put8(f, 0);
	put16(f, (uint16_t)(off | (more ? 1 : 0)));
	put32(f, id);
	putn(f, part, n);
	ip_end(f, ip);
}

void unreach_frame(struct frame *f, const struct ep *from, const struct ep *to, const char *data)
{
	bool v4 = from->ipver == 4;
	size_t ip = ip_begin(f, from, to, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	put8(f, v4 ? 3 : 1);
	put8(f, v4 ? 3 : 4);
	put16(f, 0);
	put32(f, 0);
	struct frame q;
	udp_frame(&q, to, from, data, strlen(data));
	putn(f, q.b + 14, q.n - 14);
	ip_end(f, ip);
}

void feed(struct fx *fx, const struct frame *f)
{
	if (!fx->w)
		fx->w = nc_wirelog_new(NC_LINK_EN10MB, 0);
	fx->nframes++;
	nc_wirelog_add(fx->w, (int64_t)fx->nframes * NC_MS, f->b, (uint32_t)f->n, (uint32_t)f->n);
}

void finish(struct fx *fx)
{
	if (!fx->w)
		fx->w = nc_wirelog_new(NC_LINK_EN10MB, 0);
	nc_wirelog_finish(fx->w);
}

/* ------------------------------------------------------------------------ */
/* A datagram */

void hello_dgrams(struct fx *f, bool v6, const char *payload)
{
	struct nc_addr cli = v6 ? addr6("::1", 41234) : addr4("127.0.0.1", 41234);
	struct nc_addr srv = v6 ? addr6("::1", 50000) : addr4("127.0.0.1", 50000);
	struct nc_role_obs *c = &f->o.role[NC_ROLE_CLIENT], *s = &f->o.role[NC_ROLE_SERVER];
	s->ready = true;
	s->ready_addr = srv;
	end_step(f, NC_ROLE_CLIENT, 0)->local = cli;
	c->dgrams = calloc(1, sizeof(*c->dgrams));
	s->dgrams = calloc(1, sizeof(*s->dgrams));
	CU_ASSERT_FATAL(c->dgrams && s->dgrams);
	c->ndgrams = s->ndgrams = 1;
	struct nc_dgram *d = &c->dgrams[0];
	d->sent = true;
	d->step = 0;
	d->local = cli;
	d->peer = srv;
	d->len = d->copied = strlen(payload);
	d->digest = nc_digest_bytes(payload, strlen(payload));
	struct nc_dgram *r = &s->dgrams[0];
	*r = *d;
	r->sent = false;
	r->step = 1;
	r->local = srv;
	r->peer = cli;
}

/* ------------------------------------------------------------------------ */
/* A TCP exchange */

const char WIRE_TCP[] =
	"scenario t\n"                                   /* 1 */
	"transport tcp\n"                                /* 2 */
	"server\n"                                       /* 3 */
	"  bind loopback:0\n"                            /* 4: step 0 */
	"  listen\n"                                     /* 5 */
	"  accept\n"                                     /* 6 */
	"  send \"hello\"\n"                             /* 7 */
	"  recv 100 => \"hi I'm coming\"\n"              /* 8 */
	"  close\n"                                      /* 9 */
	"client\n"                                       /* 10 */
	"  connect server\n"                             /* 11: step 0 */
	"  recv 100 => \"hello\"\n"                      /* 12 */
	"  send \"hi I'm coming\"\n"                     /* 13 */
	"  close\n"                                      /* 14 */
	"wire\n"                                         /* 15 */
	"  handshake\n"                                  /* 16 */
	"  server > client tcp \"hello\"\n"              /* 17 */
	"  client > server tcp segment flags PA \"hi I'm coming\"\n" /* 18 */
	"  teardown fin\n"                               /* 19 */
	"  only\n";                                      /* 20 */

void tcp_roles(struct fx *f, const char *cli_sent, const char *srv_sent, bool eof)
{
	struct nc_addr c = addr4("127.0.0.1", 41234), s = addr4("127.0.0.1", 50000);
	struct nc_role_obs *srv = &f->o.role[NC_ROLE_SERVER], *cli = &f->o.role[NC_ROLE_CLIENT];
	srv->ready = true;
	srv->ready_addr = s;
	struct nc_fact *con = end_step(f, NC_ROLE_CLIENT, 0);
	con->local = c;
	con->peer = s;
	srv->streams = calloc(1, sizeof(*srv->streams));
	cli->streams = calloc(1, sizeof(*cli->streams));
	CU_ASSERT_FATAL(srv->streams && cli->streams);
	srv->nstreams = cli->nstreams = 1;
	srv->streams[0].local = s;
	srv->streams[0].peer = c;
	srv->streams[0].recv_eof = eof;
	sum_of_text(&srv->streams[0].sent, srv_sent);
	sum_of_text(&srv->streams[0].recvd, cli_sent);
	cli->streams[0].local = c;
	cli->streams[0].peer = s;
	cli->streams[0].recv_eof = eof;
	sum_of_text(&cli->streams[0].sent, cli_sent);
	sum_of_text(&cli->streams[0].recvd, srv_sent);
}

void tcp_capture(struct fx *f, const enum seg *segs, size_t n, const char *sdata,
		 const char *cdata)
{
	struct nc_addr c = addr4("127.0.0.1", 41234), s = addr4("127.0.0.1", 50000);
	struct ep ce = ep_of(&c), se = ep_of(&s);
	uint32_t cseq = 1000, sseq = 5000;
	uint32_t cl = (uint32_t)strlen(cdata), sl = (uint32_t)strlen(sdata);
	struct frame fr;
	for (size_t i = 0; i < n; i++) {
		switch (segs[i]) {
		case SYN:
			tcp_frame(&fr, &ce, &se, cseq, 0, NC_TCP_SYN, NULL);
			break;
		case SYNACK:
			tcp_frame(&fr, &se, &ce, sseq, cseq + 1, NC_TCP_SYN | NC_TCP_ACK, NULL);
			break;
		case ACK:
			tcp_frame(&fr, &ce, &se, cseq + 1, sseq + 1, NC_TCP_ACK, NULL);
			break;
		case SDATA:
			tcp_frame(&fr, &se, &ce, sseq + 1, cseq + 1, NC_TCP_PSH | NC_TCP_ACK, sdata);
			break;
		case SPUREACK:
			/* A pure ACK from the server, before its data. */
			tcp_frame(&fr, &se, &ce, sseq + 1, cseq + 1, NC_TCP_ACK, NULL);
			break;
		case SACK_DATA:
			/* The server's data with only ACK set. */
			tcp_frame(&fr, &se, &ce, sseq + 1, cseq + 1, NC_TCP_ACK, sdata);
			break;
		case CDATA:
			tcp_frame(&fr, &ce, &se, cseq + 1, sseq + 1 + sl, NC_TCP_PSH | NC_TCP_ACK,
				  cdata);
			break;
		case CFIN:
			tcp_frame(&fr, &ce, &se, cseq + 1 + cl, sseq + 1 + sl,
				  NC_TCP_FIN | NC_TCP_ACK, NULL);
			break;
		case SFIN:
			tcp_frame(&fr, &se, &ce, sseq + 1 + sl, cseq + 2 + cl,
				  NC_TCP_FIN | NC_TCP_ACK, NULL);
			break;
		case LASTACK:
			tcp_frame(&fr, &ce, &se, cseq + 2 + cl, sseq + 2 + sl, NC_TCP_ACK, NULL);
			break;
		case CRST:
			tcp_frame(&fr, &ce, &se, cseq + 1 + cl, 0, NC_TCP_RST, NULL);
			break;
		}
		feed(f, &fr);
	}
	finish(f);
}

const enum seg FULL[8] = { SYN, SYNACK, ACK, SDATA, CDATA, CFIN, SFIN, LASTACK };
