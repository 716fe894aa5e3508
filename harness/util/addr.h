/* addr.h: an IPv4 or IPv6 socket address as netconform records, compares
 * and prints it. Roles record them, the checks compare them, the wire
 * decoders and the readiness probe produce them; a plain value type, so
 * it is copied freely.
 */
#ifndef NC_UTIL_ADDR_H
#define NC_UTIL_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address as recorded: family 0 means "none". */
struct nc_addr {
	int family;             /* AF_INET, AF_INET6 or 0 */
	uint8_t ip[16];         /* network order; 4 bytes used for AF_INET */
	uint16_t port;          /* host order */
};

void nc_addr_from_sockaddr(struct nc_addr *a, const struct sockaddr *sa);
/* Returns the sockaddr length. */
socklen_t nc_addr_to_sockaddr(const struct nc_addr *a, struct sockaddr_storage *ss);
/* "127.0.0.1:41234", "[::1]:41234", or "-" for none. */
const char *nc_addr_str(const struct nc_addr *a, char *buf, size_t n);
/* "127.0.0.1" or "::1". */
const char *nc_addr_host(const struct nc_addr *a, char *buf, size_t n);
/* True for 0.0.0.0 and ::. */
bool nc_addr_is_any(const struct nc_addr *a);
/* True for ::ffff:a.b.c.d; *v4 receives a.b.c.d as AF_INET. */
bool nc_addr_unmap(const struct nc_addr *a, struct nc_addr *v4);
/* Sets a to the loopback address of family (127.0.0.1 or ::1) and port. */
void nc_addr_loopback(int family, uint16_t port, struct nc_addr *a);
/* An address a peer can send to, from a socket of sock_family: the
 * wildcard becomes loopback, and the address is converted to that family
 * (::ffff:a.b.c.d and ::1 to IPv4 for an IPv4 socket, IPv4 to the mapped
 * form for an IPv6 one). */
void nc_addr_usable(const struct nc_addr *in, int sock_family, struct nc_addr *out);
/* Same host and port, treating ::ffff:a.b.c.d and a.b.c.d as equal. */
bool nc_addr_same(const struct nc_addr *a, const struct nc_addr *b);

#endif
