/* nl.h: the rtnetlink requests a topology is built with (libmnl).
 *
 * Each request is sent with NLM_F_ACK and waited for, so an error is
 * attached to the request that caused it: the errno the kernel answered
 * and, when it sent one, its extended-ack text, which says what it
 * disliked ("Invalid prefix for given prefix length", "Nexthop has invalid
 * gateway"). A socket works in the network namespace it was opened in,
 * whatever namespace its user enters later; IFLA_NET_NS_FD places a new
 * veth end in any namespace the caller holds a descriptor of.
 */
#ifndef NC_TOPO_NL_H
#define NC_TOPO_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo/err.h"
#include "util/addr.h"

struct mnl_socket;

struct nc_nl {
	struct mnl_socket *sk;  /* owned */
	unsigned portid;
	uint32_t seq;
};

/* Opens a route netlink socket in the calling thread's namespace. */
int nc_nl_open(struct nc_nl *nl, struct nc_topo_err *e);
void nc_nl_close(struct nc_nl *nl);

/* One end of a veth pair to create. */
struct nc_nl_veth_end {
	const char *name;       /* interface name in its namespace */
	int nsfd;               /* the namespace it is created in */
	uint32_t mtu;
	const uint8_t *mac;     /* 6 bytes */
	unsigned ifindex;       /* the index it gets (0: the kernel chooses) */
};

/* Creates a veth pair, both ends down (nc_nl_link_up brings them up). */
int nc_nl_veth(struct nc_nl *nl, const struct nc_nl_veth_end *end,
	       const struct nc_nl_veth_end *peer, struct nc_topo_err *e);
/* Sets IFF_UP on an interface of the socket's namespace. */
int nc_nl_link_up(struct nc_nl *nl, unsigned ifindex, struct nc_topo_err *e);
/* Adds an address (IPv6 ones without duplicate address detection). */
int nc_nl_addr(struct nc_nl *nl, unsigned ifindex, const struct nc_addr *a, unsigned plen,
	       struct nc_topo_err *e);
/* Adds a route to dst/plen through via, out of oif, in the main table. */
int nc_nl_route(struct nc_nl *nl, const struct nc_addr *dst, unsigned plen,
		const struct nc_addr *via, unsigned oif, struct nc_topo_err *e);
/* Adds a permanent neighbour entry: a is at mac on ifindex. */
int nc_nl_neigh(struct nc_nl *nl, unsigned ifindex, const struct nc_addr *a,
		const uint8_t mac[6], struct nc_topo_err *e);

/* Whether the socket's namespace delivers packets for address a locally
 * (a route lookup answers RTN_LOCAL): *local true or false, or -1 with e.
 * An IPv6 address is not local at once, even added without duplicate
 * address detection: the kernel clears its tentative flag and inserts its
 * local route from a work queue, and until then a packet sent to it is
 * taken for one to forward and dropped (Ip6InAddrErrors). */
int nc_nl_is_local(struct nc_nl *nl, const struct nc_addr *a, bool *local, struct nc_topo_err *e);

/* Reads the acknowledgement of request seq out of a received buffer.
 * Returns 1 when it is there (*error: 0 or a negative errno; msg: the
 * extended-ack text, "" when none), 0 when the buffer holds no
 * acknowledgement of seq, -1 when a message in it is malformed. */
int nc_nl_parse_ack(const void *buf, size_t len, uint32_t seq, int *error, char *msg,
		    size_t msglen);

#endif
