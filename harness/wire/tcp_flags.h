/* tcp_flags.h: the TCP header's flag bits (RFC 9293 section 3.1, RFC 3168
 * for ECE and CWR), with their wire values.
 *
 * The decoder stores a segment's flags as they are on the wire
 * (nc_pkt.tcp_flags), and the scenario model's wire expectations use the
 * same bits, so a flag read from a capture and one written in a scenario
 * compare directly. Nothing else is here: this header is shared by the
 * decoders, the scenario model and the checks without pulling any of them
 * in.
 */
#ifndef NC_WIRE_TCP_FLAGS_H
#define NC_WIRE_TCP_FLAGS_H

#define NC_TCP_FIN 0x01         /* no more data from the sender */
#define NC_TCP_SYN 0x02         /* synchronize sequence numbers */
#define NC_TCP_RST 0x04         /* reset the connection */
#define NC_TCP_PSH 0x08         /* push */
#define NC_TCP_ACK 0x10         /* the acknowledgment field is significant */
#define NC_TCP_URG 0x20         /* the urgent pointer field is significant */
#define NC_TCP_ECE 0x40         /* ECN-Echo (RFC 3168) */
#define NC_TCP_CWR 0x80         /* Congestion Window Reduced (RFC 3168) */

/* The six flags of the original header (RFC 793), which a scenario's wire
 * expectation can name (letters F S R P A U); ECE and CWR are not judged. */
#define NC_TCP_FLAGS_793 \
	(NC_TCP_FIN | NC_TCP_SYN | NC_TCP_RST | NC_TCP_PSH | NC_TCP_ACK | NC_TCP_URG)

#endif
