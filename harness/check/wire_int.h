/* wire_int.h: what the wire checks share, inside harness/check/ only.
 *
 *   wire.c          the automatic checks (family, datagrams, streams)
 *   wire_ep.c       endpoints on the wire, and the messages' common parts
 *   wire_section.c  the wire section: its driver and its packet lines
 *   wire_stream.c   the wire section's stream lines and their coverage
 *
 * Ownership: a matcher (struct nc_wmatch) lives for one run of the wire
 * section; it borrows the observation, the log and the result, and owns
 * `matched`, `dirs` (with their ranges) and `note`.
 */
#ifndef NC_CHECK_WIRE_INT_H
#define NC_CHECK_WIRE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check/observe.h"
#include "check/wirelog.h"
#include "result/result.h"
#include "scenario/payload.h"
#include "util/buf.h"

/* ------------------------------------------------------------------------ */
/* Endpoints on the wire (wire_ep.c) */

/* An endpoint as the capture shows it: the IP version, the address, the
 * port (-1: any). A dual-stack socket's IPv4 peer is IPv4 here. */
struct wep {
	bool known;
	int ipver;
	uint8_t ip[16];
	int port;
	bool any_host;        /* a wildcard socket address: any host matches */
};

void nc_wep_from_addr(const struct nc_addr *a, struct wep *e);
/* The loopback address of IP version ipver, with port (-1: any). */
void nc_wep_loopback(int ipver, int port, struct wep *e);
bool nc_wep_match(const struct wep *e, int ipver, const uint8_t ip[16], uint16_t port);
/* tcpdump's form: "127.0.0.1.41234", "::1.41234". */
const char *nc_wep_str(const struct wep *e, char *buf, size_t n);
/* The socket address form: "127.0.0.1:41234", "[::1]:41234". */
const char *nc_wep_hostport(const struct wep *e, char *buf, size_t n);
/* A packet's address and port in that form. */
const char *nc_wire_hostport(int ipver, const uint8_t ip[16], uint16_t port, char *buf,
			     size_t n);
/* The IP version the client used: 6 for inet6, else 4. */
int nc_wire_client_ipver(const struct nc_observed *o);
/* The server as the client reached it, and the client. Unknown (known
 * false) when the observation does not say. */
void nc_wep_server(const struct nc_observed *o, struct wep *e);
void nc_wep_client(const struct nc_observed *o, struct wep *e);

/* Appends the kept packets around index `at` (marked) to d. */
void nc_wire_neighbours(const struct nc_wirelog *w, size_t at, struct nc_buf *d);
/* Adds a "wire" failure of the scenario's file. */
struct nc_failure *nc_wire_fail(struct nc_result *r, const struct nc_observed *o, uint32_t line,
				const char *msg, const char *detail);

/* ------------------------------------------------------------------------ */
/* The wire section (wire_section.c, wire_stream.c) */

/* A byte range [lo, hi) of a stream. */
struct nc_wrange {
	uint64_t lo, hi;
};

/* One direction of one TCP connection, as the section's lines used it. */
struct nc_wdir {
	const struct nc_wstream *s;   /* borrowed from the log */
	uint32_t conn;
	uint8_t side;
	uint64_t next;                /* where the next stream line on it starts */
	struct nc_wrange *cov;        /* ranges lines covered, in the order covered (owned) */
	size_t ncov;
};

struct nc_wmatch {
	const struct nc_observed *o;
	const struct nc_wirelog *w;
	struct nc_result *r;
	size_t place;                 /* kept index of the packet the previous line was
					 placed at: no line may come before it */
	bool *matched;                /* per kept packet: a packet line matched it */
	struct nc_varctx vars;
	char store[NC_VAR_COUNT][NC_VAR_LEN];
	struct wep client, server;
	struct nc_wdir *dirs;
	size_t ndirs;
	struct nc_buf note;           /* bytes lines could only count, for the report */
};

/* Reports that line `it` failed: "<line>: <msg>", with the packets around
 * kept index `at` (the count of kept packets: none) after `detail`. A
 * consequence when the roles were stopped early, since what they never sent
 * is missing because of that. */
void nc_wsec_fail(struct nc_wmatch *m, const struct nc_wire_item *it, size_t at, const char *msg,
		  const char *detail);
/* "#4 127.0.0.1.50000 > ...: Flags [P.], ..." for kept packet i. */
void nc_wsec_pkt_ref(const struct nc_wmatch *m, size_t i, struct nc_buf *b);
/* Where a line's endpoint is on the wire, as the matcher knows it. */
void nc_wsec_item_wep(const struct nc_wmatch *m, const struct nc_endpoint *ep, struct wep *e);
/* "the server (127.0.0.1:50000)", "127.0.0.1:9": an endpoint for messages. */
const char *nc_wsec_ep_desc(const struct nc_endpoint *ep, const struct wep *e, char *buf,
			    size_t n);
/* True when packet p travels from a to b. */
bool nc_wsec_between(const struct wep *a, const struct wep *b, const struct nc_wpkt *p);
/* Opens the line's payload with the variables' values; -1 after reporting
 * a variable that has none. */
int nc_wsec_open_payload(struct nc_wmatch *m, const struct nc_wire_item *it,
			 struct nc_payload_gen *g);
/* Looks for a packet of protocol proto (a SYN for tcp) at or after kept
 * index `from` that went from src to somewhere other than dst, or to dst
 * from another socket; appends "#N SYN from A to B, a port nothing served
 * (answered by #M RST)" (or its datagram form) to b and returns its kept
 * index. Returns the count of kept packets when there is none. */
size_t nc_wsec_misdirected(const struct nc_wmatch *m, size_t from, int proto,
			   const struct wep *src, const struct wep *dst, struct nc_buf *b);

/* The state of connection conn's direction `side`, created on first use;
 * NULL when the log has no such direction. */
struct nc_wdir *nc_wsec_dir(struct nc_wmatch *m, uint32_t conn, uint8_t side);
/* Records that a line covered [lo, hi) of d's stream. */
void nc_wsec_cover(struct nc_wdir *d, uint64_t lo, uint64_t hi);
/* True when every byte of d's segment at kept index i lies below d->next:
 * earlier lines consumed it. */
bool nc_wsec_consumed(const struct nc_wmatch *m, size_t i);

/* SRC > DST tcp PAYLOAD | len N. Returns 0, or -1 after reporting. */
int nc_wsec_stream_line(struct nc_wmatch *m, const struct nc_wire_item *it);
/* For `only`: every data byte of every direction between the client and
 * the server is covered by a line. Returns 0, or -1 after reporting the
 * first byte that is not. */
int nc_wsec_stream_coverage(struct nc_wmatch *m, const struct nc_wire_item *it);
/* The bytes [off, off + n) of s, when all of them are kept; else NULL. */
const uint8_t *nc_wsec_stream_bytes(const struct nc_wstream *s, int64_t off, uint64_t n);

#endif
