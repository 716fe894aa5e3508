/* sockets.h: the inet sockets of the current network namespace, read from
 * the kernel's socket diagnostics (NETLINK_SOCK_DIAG, inet_diag).
 *
 * A server program's readiness is "its port is bound (UDP) or listening
 * (TCP) in a socket of the right family", and when it never becomes ready
 * the report says which sockets it did open. /proc/net/tcp6 cannot tell a
 * dual-stack socket from an IPv6-only one; inet_diag can (its
 * INET_DIAG_SKV6ONLY attribute), and it gives each socket's inode, which
 * ties a socket to the processes holding it.
 *
 * Ownership: nc_sockets_list() returns a new array the caller frees.
 */
#ifndef NC_PROC_SOCKETS_H
#define NC_PROC_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct nc_sockent {
	int proto;              /* IPPROTO_TCP or IPPROTO_UDP */
	int state;              /* the kernel's TCP state; NC_SOCK_LISTEN for listeners */
	struct nc_addr local;   /* family AF_INET or AF_INET6 */
	struct nc_addr remote;  /* port 0 and the wildcard when not connected */
	bool v6only;            /* AF_INET6: IPV6_V6ONLY is set */
	uint32_t inode;
};

#define NC_SOCK_LISTEN 10       /* TCP_LISTEN in the kernel's numbering */
#define NC_SOCK_ESTABLISHED 1

/* Lists the sockets of protocol proto (both families) in the current
 * network namespace. Returns 0 with *out and *n set, or -1 with err
 * filled. */
int nc_sockets_list(int proto, struct nc_sockent **out, size_t *n, char *err, size_t errlen);

/* Keeps only the sockets whose inode is held by a process in process
 * group pgid (read from /proc/<pid>/fd; for the host loopback, where other
 * programs' sockets share the tables). Returns the number kept. */
size_t nc_sockets_of_group(struct nc_sockent *s, size_t n, int pgid);

/* "TCP 127.0.0.1:50000 listening", "UDP [::]:5353 (IPv6 only)". */
const char *nc_sockent_str(const struct nc_sockent *e, char *buf, size_t n);

#endif
