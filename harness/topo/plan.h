/* plan.h: a topology's description, and what follows from it alone.
 *
 * A topology is hosts joined by links. A link joins two hosts (its side a
 * and its side b) and has an MTU; a host flagged as a router forwards
 * between its links, for IPv4 and IPv6. Everything that can be decided
 * before touching the kernel is decided here, as pure functions that the
 * unit tests check and that topo.c follows:
 *
 *   - validation, with a message naming the host or link at fault;
 *   - the address plan: link L has one IPv4 subnet and one IPv6 subnet, and
 *     side a gets the first address of each, side b the second:
 *
 *       IPv4  links 0..15:  198.51.100.(16L)/28   a .16L+1   b .16L+2
 *             links 16..31: 203.0.113.(16(L-16))/28 (same pattern)
 *       IPv6  2001:db8:(L+1)::/64                 a ::1      b ::2
 *
 *     Only documentation ranges (RFC 5737, RFC 3849); never 192.0.2.0/24,
 *     which some build machines use on their own uplink;
 *   - MAC addresses, locally administered and fixed: 02:6e:63:W:L:S, W 0
 *     for a host's end and 1 for a wire end, L the link, S 1 for side a and
 *     2 for side b; captures are the same from run to run, and so are the
 *     IPv6 link-local addresses derived from them (EUI-64);
 *   - interface indices (nc_topo_plan_ifindex) and names: a host calls its links eth0, eth1, ... in the order
 *     of the links in the description; a wire namespace calls the two ends
 *     of link L "wLa" and "wLb";
 *   - routes: for every pair of hosts that share no link, host routes (/32
 *     and /128) to each of the other host's addresses, through the first hop
 *     of a shortest path whose inner hosts are all routers (ties go to the
 *     lower link number). No default route: an address the plan did not
 *     assign is unreachable (ENETUNREACH), so traffic cannot leave the
 *     topology. A pair of hosts with no such path is an error.
 */
#ifndef NC_TOPO_PLAN_H
#define NC_TOPO_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#define NC_TOPO_MAX_HOSTS 16
#define NC_TOPO_MAX_LINKS 32       /* two /24s cut into /28s */
#define NC_TOPO_MAX_HOST_LINKS 8   /* interfaces of one host */
#define NC_TOPO_NAME_MAX 32        /* host names, NUL included */
#define NC_TOPO_MTU_MIN 1280       /* every link carries IPv6 (RFC 8200) */
#define NC_TOPO_MTU_MAX 65535      /* the most a veth takes */
#define NC_TOPO_MAX_ROUTES (NC_TOPO_MAX_HOSTS * NC_TOPO_MAX_LINKS * 2 * 2)

enum nc_topo_side { NC_TOPO_SIDE_A = 0, NC_TOPO_SIDE_B = 1 };

struct nc_topo_host_desc {
	char name[NC_TOPO_NAME_MAX]; /* unique; letters, digits, '-', '_' */
	bool router;                 /* forwards IPv4 and IPv6 between its links */
	bool current;                /* is the caller's own namespace (at most one host) */
};

struct nc_topo_link_desc {
	unsigned a, b;               /* host indices of side a and side b */
	uint32_t mtu;                /* NC_TOPO_MTU_MIN .. NC_TOPO_MTU_MAX */
	bool wire;                   /* through the wire namespace, for a forwarder */
};

struct nc_topo_desc {
	struct nc_topo_host_desc host[NC_TOPO_MAX_HOSTS];
	unsigned nhosts;
	struct nc_topo_link_desc link[NC_TOPO_MAX_LINKS];
	unsigned nlinks;
	/* Leave TSO/GSO/GRO and checksum offload on (they are turned off by
	 * default, so that no frame exceeds its link's MTU and every frame
	 * carries its real checksums). A wired link never keeps them: its
	 * forwarder must see whole, checksummed frames. */
	bool keep_offloads;
	/* Let ARP and neighbour discovery run (by default each end knows the
	 * other's MAC address from the start: permanent neighbour entries, so
	 * the links carry only the traffic the hosts send). */
	bool dynamic_neighbours;
};

/* One route the plan asks for, in host `host`'s main table. */
struct nc_topo_route {
	unsigned host;
	struct nc_addr dst;          /* a host address (/32 or /128) */
	struct nc_addr via;          /* the next hop, on link `link` */
	unsigned link;               /* the outgoing link */
};

/* Adds a host or a link to a description (for builders and tests); the
 * index is returned, or -1 when the description is full. */
int nc_topo_desc_host(struct nc_topo_desc *d, const char *name, bool router);
int nc_topo_desc_link(struct nc_topo_desc *d, unsigned a, unsigned b, uint32_t mtu, bool wire);

/* Checks a description: names, counts, link ends, MTUs, at most one
 * current host, and that every host reaches every other. Returns 0, or -1
 * with a message in err ("link 2 (a-b): mtu 1000 is below 1280, ..."). */
int nc_topo_plan_check(const struct nc_topo_desc *d, char *err, size_t errlen);

/* The address of a link's side in family (AF_INET or AF_INET6), and its
 * prefix length (28 or 64). */
void nc_topo_plan_addr(unsigned link, enum nc_topo_side side, int family, struct nc_addr *out,
		       unsigned *plen);
/* The MAC address of a link's side: the host's end, or the wire end that
 * faces it (wire_end). */
void nc_topo_plan_mac(unsigned link, enum nc_topo_side side, bool wire_end, uint8_t mac[6]);
/* The interface index of a link's side: 10 + 2L + S for a host's end
 * (S 0 for side a, 1 for side b), 100 + 2L + S for a wire end. Fixed
 * indices make captures and traces the same from run to run, and they
 * keep each veth end's index different from its peer's: the kernel takes
 * a carrier change of a device whose index equals its link's index as not
 * urgent and may delay it by up to a second, during which the interface
 * is not "running" and IPv6 does not take it up. */
unsigned nc_topo_plan_ifindex(unsigned link, enum nc_topo_side side, bool wire_end);
/* The IPv6 link-local address the kernel derives from mac (EUI-64). */
void nc_topo_plan_linklocal(const uint8_t mac[6], struct nc_addr *out);

/* The side of link that host is on; -1 when the link does not touch it. */
int nc_topo_plan_side(const struct nc_topo_desc *d, unsigned link, unsigned host);
/* The position of link among host's links (N in "ethN"); -1 when the link
 * does not touch it. */
int nc_topo_plan_port(const struct nc_topo_desc *d, unsigned host, unsigned link);
/* "eth0", or "w3a"/"w3b" for a wire end (host ignored then). */
void nc_topo_plan_ifname(const struct nc_topo_desc *d, unsigned host, unsigned link,
			 bool wire_end, enum nc_topo_side side, char name[16]);

/* The routes of every host, in a deterministic order (by host, then
 * destination host, link and family), at most max of them (out NULL: only
 * counted). Returns the number of routes, or -1 with err when some pair of
 * hosts cannot reach each other or max is too small. */
int nc_topo_plan_routes(const struct nc_topo_desc *d, struct nc_topo_route *out, size_t max,
			char *err, size_t errlen);

#endif
