/* names.h: protocol values by name, for failure messages.
 *
 * The one-line packet form (format.h) prints values the way tcpdump does;
 * a message that says which field differed names them in words instead:
 * "[S.] (SYN+ACK)", "destination unreachable, port unreachable (type 3,
 * code 3)". Every function writes into a caller's buffer, cut to fit, and
 * returns it.
 */
#ifndef NC_WIRE_NAMES_H
#define NC_WIRE_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* The TCP flags by name, in the order of their bits, joined by '+':
 * "SYN+ACK", "FIN+PSH+ACK"; "no flags" when none is set. 48 bytes are
 * always enough. */
const char *nc_tcp_flags_names(uint8_t flags, char *buf, size_t n);

/* An ICMP (ipver 4) or ICMPv6 (ipver 6) type and code in words, with the
 * numbers: "destination unreachable, port unreachable (type 3, code 3)",
 * "echo request (type 128, code 0)", "type 42, code 1" for ones it does
 * not know. 96 bytes are always enough. */
const char *nc_icmp_names(int ipver, uint8_t type, uint8_t code, char *buf, size_t n);

#endif
