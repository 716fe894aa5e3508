/* format.h: the one-line, tcpdump-like text form of a decoded packet.
 *
 * Used in failure messages and in the golden files of fixtures/wire/, so the
 * form is stable: change it only together with the golden files
 * (NC_GOLDEN_UPDATE=1, see fixtures/wire/README.md). Forms:
 *
 *   TCP   SRC.SPORT > DST.DPORT: Flags [S], seq 0, win 65495,
 *             options [mss 65495,sackOK,TS val 12 ecr 0,nop,wscale 7], length 0
 *         SRC.SPORT > DST.DPORT: Flags [P.], seq 1:6, ack 1, win 512,
 *             options [nop,nop,TS val 13 ecr 12], length 5
 *         (each example is one line, wrapped here). "seq A" appears when the
 *         segment has data or SYN, FIN or RST ("seq A:B" with data, B = A +
 *         length); "ack N" when ACK is set; "urg N" when URG is set;
 *         "options [...]" when there are options (SACK edges relative like
 *         the ack); length is the payload length the headers announce.
 *   UDP   SRC.SPORT > DST.DPORT: UDP, length 5
 *         (the UDP length field minus 8; the IP payload's when it is unusable)
 *   ICMP  SRC > DST: ICMP 127.0.0.1 udp port 50000 unreachable, length 41
 *         SRC > DST: ICMP echo request, id 7, seq 1, length 64
 *   ICMP6 SRC > DST: ICMP6, destination unreachable, unreachable port,
 *             ::1 udp port 50000, length 61
 *         SRC > DST: ICMP6, echo request, id 7, seq 1, length 64
 *         ICMP lengths are the whole ICMP message (the IP payload).
 *   other SRC > DST: ip-proto-132, length 20 (IP payload length)
 *   not IP  "ethertype 0x0806, length 42", "802.3, length 60",
 *           "protocol 0x0004, length 36" (cooked, Linux protocol number),
 *           "Ethernet, length 10", "IP, length 30" (header unusable); these
 *           lengths are the frame's length on the wire
 *
 * Flags are letters in wire-bit order, as tcpdump prints them: F S R P, "."
 * for ACK, U E W ("none" when no flag is set). Then, in this order, a
 * fragment "(frag ID:LEN@OFFSET)" with "+" when more fragments follow,
 * "(vlan N)" for a tagged frame, and every decoding problem in brackets:
 * "[truncated TCP header: 12 of 20 bytes]".
 *
 * Relative sequence numbers: with a context, the formatter learns each
 * direction's initial sequence number from its SYN and prints seq (and the
 * ack of the other direction) relative to it, as Wireshark does, so a SYN
 * shows "seq 0" and its SYN-ACK "seq 0, ack 1". A direction whose SYN was
 * not seen keeps absolute numbers. A SYN without ACK carrying a new initial
 * sequence number on a known flow starts a new connection: both directions
 * are forgotten. The context is separate from the connection table of
 * tcp_stream.h: it keeps only two numbers per flow, so formatting a long
 * capture costs no reassembly.
 *
 * Ownership: nc_fmt_ctx_new() returns a new context; the caller frees it
 * with nc_fmt_ctx_free(). Packets must be formatted in capture order.
 */
#ifndef NC_WIRE_FORMAT_H
#define NC_WIRE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "wire/packet.h"

struct nc_fmt_ctx;

/* Returns a new context tracking at most max_flows flows (0: 65536); later
 * flows are printed with absolute numbers. */
struct nc_fmt_ctx *nc_fmt_ctx_new(size_t max_flows);
void nc_fmt_ctx_free(struct nc_fmt_ctx *ctx);

/* Appends the one-line form of p to out, without a newline. ctx may be NULL
 * (absolute sequence numbers); otherwise it learns from p. Returns 0, or -1
 * when memory ran out (out then holds part of the line). */
int nc_pkt_format(struct nc_buf *out, const struct nc_pkt *p, struct nc_fmt_ctx *ctx);

/* Formats into buf (n bytes, cut when too small) and returns buf; for
 * messages built with printf. */
const char *nc_pkt_format_str(const struct nc_pkt *p, struct nc_fmt_ctx *ctx, char *buf,
			      size_t n);

/* Writes the TCP flags as letters ("S.", "FP.", "none") into buf and
 * returns it; 9 bytes are always enough. */
const char *nc_tcp_flags_str(uint8_t flags, char *buf, size_t n);

#endif
