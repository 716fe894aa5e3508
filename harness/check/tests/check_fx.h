/* check_fx.h: the fixture the check tests share (test_check.c,
 * test_wire_section.c).
 *
 * A test parses a small scenario (as if it were fixtures/parse/valid/
 * unit.scn), fills an nc_observed by hand as the role records would, and
 * for the wire checks feeds hand-built frames to a wirelog; then it runs
 * the checks and asserts on the result's failures: check name, line and
 * message, which the selftest fixtures and people read.
 *
 * Ownership: fx_open() fills a fixture that fx_close() releases, the
 * wirelog included.
 */
#ifndef NC_CHECK_TESTS_CHECK_FX_H
#define NC_CHECK_TESTS_CHECK_FX_H

#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check/observe.h"
#include "check/wirelog.h"
#include "result/result.h"
#include "scenario/scenario.h"
#include "util/digest.h"

#define TEST_PATH "fixtures/parse/valid/unit.scn"

struct fx {
	struct nc_scenario *sc;
	struct nc_observed o;
	struct nc_result r;
	struct nc_wirelog *w;
	uint32_t nframes;
};

/* Parses text (a failure is a failed assertion) and prepares an empty
 * observation of family fam. */
bool fx_open(struct fx *f, const char *text, enum nc_family fam);
void fx_close(struct fx *f);

struct nc_addr addr4(const char *host, uint16_t port);
struct nc_addr addr6(const char *host, uint16_t port);

/* Marks step i of a role as begun and ended, and returns its fact to fill.
 * Times default to a 1 ms step starting at i ms. */
struct nc_fact *end_step(struct fx *f, enum nc_role_id role, uint32_t i);

/* Asserts that the result has exactly `n` failures. A wrong count ends
 * the test: what follows reads the failures by index. */
void expect_count(const struct nc_result *r, size_t n, const char *file, int line);
#define EXPECT_COUNT(r, n) expect_count((r), (n), __FILE__, __LINE__)
/* Asserts that failure i has this check, line and exact message. */
void expect_failure(const struct nc_result *r, size_t i, const char *check, uint32_t line,
		    const char *message, const char *file, int at);
#define EXPECT_FAILURE(r, i, check, line, msg) \
	expect_failure((r), (i), (check), (line), (msg), __FILE__, __LINE__)
/* Asserts that a failure's message (or detail) contains needle. */
void expect_has(const char *hay, const char *needle, const char *file, int at);
#define EXPECT_HAS(hay, needle) expect_has((hay), (needle), __FILE__, __LINE__)

/* A finished summary of text. */
void sum_of_text(struct nc_streamsum *s, const char *text);

/* ------------------------------------------------------------------------ */
/* Frames, as "lo" carries them: Ethernet with zero addresses. */

struct frame {
	uint8_t b[2048];
	size_t n;
};

/* An endpoint of a test frame: an IPv4 or IPv6 address and a port. */
struct ep {
	int ipver;
	uint8_t ip[16];
	uint16_t port;
};

struct ep ep_of(const struct nc_addr *a);
/* Writes the 16-bit big-endian v at offset `at` of the frame. */
void set16(struct frame *f, size_t at, uint16_t v);
void udp_frame(struct frame *f, const struct ep *src, const struct ep *dst, const void *data,
	       size_t n);
/* A TCP segment (a SYN carries the options Linux sends on lo). */
void tcp_frame(struct frame *f, const struct ep *src, const struct ep *dst, uint32_t seq,
	       uint32_t ack, uint8_t flags, const char *data);
/* The same with n bytes of any value. */
void tcp_frame_n(struct frame *f, const struct ep *src, const struct ep *dst, uint32_t seq,
		 uint32_t ack, uint8_t flags, const void *data, size_t n);
/* One fragment of an IPv6 datagram: the fragment header, then `n` bytes
 * of the fragmentable part starting at byte offset `off`. */
void frag6_frame(struct frame *f, const struct ep *src, const struct ep *dst, uint32_t id,
		 uint16_t off, bool more, const uint8_t *part, size_t n);
/* ICMP (type 3 code 3) or ICMPv6 (type 1 code 4) port unreachable from
 * `from` to `to`, quoting a UDP datagram to > from. */
void unreach_frame(struct frame *f, const struct ep *from, const struct ep *to, const char *data);
/* Feeds a frame to the fixture's wirelog (created on first use), 1 ms
 * after the previous one. */
void feed(struct fx *fx, const struct frame *f);
/* Finishes the wirelog (creating an empty one when nothing was fed). */
void finish(struct fx *fx);

/* The datagram `payload` from 127.0.0.1:41234 (or ::1) to port 50000, as
 * the client (step 0) recorded sending it and the server (step 1)
 * receiving it. */
void hello_dgrams(struct fx *f, bool v6, const char *payload);

/* ------------------------------------------------------------------------ */
/* A TCP exchange between 127.0.0.1:41234 (client) and :50000 (server) */

/* Greet and reply, with a wire section (its lines are numbered in
 * check_fx.c). */
extern const char WIRE_TCP[];

/* Both roles' view of the connection: what each sent and received. */
void tcp_roles(struct fx *f, const char *cli_sent, const char *srv_sent, bool eof);

/* Packet kinds for tcp_capture's script. */
enum seg { SYN, SYNACK, ACK, SDATA, CDATA, CFIN, SFIN, LASTACK, CRST, SACK_DATA, SPUREACK };

/* Feeds the listed segments with consistent sequence numbers (the server
 * sends sdata, the client cdata) and finishes the log. */
void tcp_capture(struct fx *f, const enum seg *segs, size_t n, const char *sdata,
		 const char *cdata);

/* SYN, SYN-ACK, ACK, the server's data, the client's, FIN, FIN, ACK. */
extern const enum seg FULL[8];

#endif
