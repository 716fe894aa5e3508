/* topo.h: hosts in network namespaces of their own, joined by veth links.
 *
 * nc_topo_build() turns a description (plan.h: hosts, one or more of them
 * routers, links with an MTU) into kernel objects inside the caller's
 * namespaces, and nc_topo_free() takes them down again.
 *
 * Namespaces and who owns them
 * ----------------------------
 * Each host is a network namespace, made by unshare(CLONE_NEWNET) in the
 * calling thread; a descriptor of it (/proc/thread-self/ns/net) is taken
 * and the thread goes back with setns(). The struct nc_topo owns these
 * descriptors: one per host, one for the wire namespace when some link has
 * a wire, and one of the namespace it was built from. A namespace lives
 * while a descriptor, a socket or a process refers to it, so there is no
 * keeper process: nc_topo_free() closes the descriptors, and each
 * namespace then ends with the last process or socket in it (a forwarder,
 * a role), taking its veths along. A host marked `current` is the caller's
 * own namespace (the variant's supervisor can be a host itself, which
 * saves creating one); the sysctls written there stay.
 *
 * The caller needs CAP_SYS_ADMIN and CAP_NET_ADMIN over the user namespace
 * of its network namespace: root, or root in a user namespace it made
 * (a variant's supervisor; `unshare -rn`). Nothing else is required: no
 * /dev/net/tun, no sch_netem, no `ip` binary. The kernel is spoken to with
 * rtnetlink (libmnl; nl.h), SIOCETHTOOL (ethtool.h) and /proc/sys/net.
 *
 * What a host gets
 * ----------------
 *   - its loopback, up;
 *   - per link an interface ethN (N: the link's place among the host's
 *     links) with the link's MTU, a fixed MAC address, an IPv4 /28 and an
 *     IPv6 /64 address (plan.h), IPv6 without duplicate address detection
 *     (accept_dad 0 and IFA_F_NODAD), and no router solicitations;
 *   - permanent neighbour entries for the other end of each link (unless
 *     the description asks for dynamic neighbours), so no ARP or
 *     neighbour discovery precedes the first packet;
 *   - host routes to every address it shares no link with, through
 *     routers (plan.h); no default route;
 *   - as a router: net.ipv4.ip_forward and net.ipv6.conf.all.forwarding,
 *     written from inside its namespace (they are per namespace);
 *   - offloads off on every veth (ethtool.h), unless kept.
 *
 * When nc_topo_build returns, the topology carries its first packet:
 *   - every interface can send: the build waits for each one's carrier
 *     through ETHTOOL_GLINK, which also makes the kernel finish the
 *     device's pending link-state work (a veth end that got its carrier
 *     from its peer drops frames until then, and shows as running a moment
 *     before);
 *   - every address is local in its host (a route lookup answers
 *     RTN_LOCAL): an IPv6 address, even without duplicate address
 *     detection, gets its local route from a work queue, and a packet to
 *     it before that is taken for one to forward and dropped.
 *
 * Wires
 * -----
 * A link with `wire` set is two veth pairs that meet in the wire namespace
 * (one for the whole topology, IPv6 off, no addresses):
 *
 *     host a: ethN <--veth--> wire: wLa        wire: wLb <--veth--> host b: ethM
 *
 * Nothing joins wLa to wLb: until a forwarder (harness/impair/forward.h)
 * reads each end with a packet socket and writes the other, the link is
 * cut. Frames cross it unchanged, so each host's neighbour entry names the
 * other host's MAC address. nc_topo_wire() gives what the forwarder needs.
 *
 * Threads: enter, leave, run and fork switch the calling thread only;
 * build and free expect to be the only thread switching namespaces.
 */
#ifndef NC_TOPO_TOPO_H
#define NC_TOPO_TOPO_H

#include <sys/types.h>

#include "topo/err.h"
#include "topo/plan.h"
#include "util/addr.h"

struct nc_topo;

/* Builds the topology described by d (checked first with
 * nc_topo_plan_check). Returns 0 and a new topology in *out, which the
 * caller frees with nc_topo_free(); or -1 with e, having undone all it
 * did, the calling thread back in its namespace. */
int nc_topo_build(const struct nc_topo_desc *d, struct nc_topo **out, struct nc_topo_err *e);

/* Closes every descriptor the topology holds (moving the calling thread
 * back first if it was left inside a host). NULL is allowed. It returns
 * at once: the kernel destroys the namespaces, and with them every veth,
 * from a work queue, a moment later. So a current host's interfaces stay
 * in the caller's namespace until then, and building a topology there
 * again before they are gone fails ("File exists"). Deleting them here
 * instead would make every free wait for the kernel's unregistering of a
 * device, tens of milliseconds on a busy machine, for a case the variant's
 * supervisor, which builds one topology in its namespace and then ends,
 * never has. */
void nc_topo_free(struct nc_topo *t);

/* The description the topology was built from (borrowed). */
const struct nc_topo_desc *nc_topo_desc_of(const struct nc_topo *t);

/* The index of the host named name, or -1. */
int nc_topo_host_index(const struct nc_topo *t, const char *name);

/* A host's namespace descriptor (borrowed: valid until nc_topo_free). */
int nc_topo_host_fd(const struct nc_topo *t, unsigned host);

/* Moves the calling thread into a host's namespace, and back into the
 * namespace the topology was built from. */
int nc_topo_enter(struct nc_topo *t, unsigned host, struct nc_topo_err *e);
int nc_topo_leave(struct nc_topo *t, struct nc_topo_err *e);

/* Runs fn(arg) inside a host and comes back; returns fn's result, or -1
 * with e when the namespace could not be entered or left. */
int nc_topo_run(struct nc_topo *t, unsigned host, int (*fn)(void *arg), void *arg,
		struct nc_topo_err *e);

/* fork() with the child born inside a host's namespace (the parent enters
 * it for the fork and leaves again, so the child has nothing that can fail
 * after the fork). Returns the pid in the parent, 0 in the child, -1 with
 * e. The child inherits the topology's descriptors, all close-on-exec. */
pid_t nc_topo_fork(struct nc_topo *t, unsigned host, struct nc_topo_err *e);

/* A socket made inside a host (socket(family, type | SOCK_CLOEXEC, 0)): it
 * stays in that host's namespace whatever namespace its user is in, so
 * one process can hold the sockets of several hosts. Returns the
 * descriptor (the caller's), or -1 with e. */
int nc_topo_socket(struct nc_topo *t, unsigned host, int family, int type, struct nc_topo_err *e);

/* A host's address on a link (family AF_INET or AF_INET6): 0, or -1 when
 * the link does not touch the host. */
int nc_topo_addr(const struct nc_topo *t, unsigned host, unsigned link, int family,
		 struct nc_addr *out);
/* A host's address on its first link: what ${host.addr} stands for. */
int nc_topo_host_addr(const struct nc_topo *t, unsigned host, int family, struct nc_addr *out);
/* The host the plan gave address a to (port ignored), or -1: the address
 * policy accepts exactly these. */
int nc_topo_owner(const struct nc_topo *t, const struct nc_addr *a);

/* A host's interface on a link: its name ("eth0") and index in the host's
 * namespace; NULL and 0 when the link does not touch the host. */
const char *nc_topo_ifname(const struct nc_topo *t, unsigned host, unsigned link);
unsigned nc_topo_ifindex(const struct nc_topo *t, unsigned host, unsigned link);

/* The two wire ends of a wired link, in the wire namespace: end[0] faces
 * side a, end[1] side b. */
struct nc_topo_wire {
	int nsfd;               /* the wire namespace (borrowed) */
	unsigned ifindex[2];
	char ifname[2][16];
	uint32_t mtu;
};
/* Fills w: 0, or -1 when the link has no wire. */
int nc_topo_wire(const struct nc_topo *t, unsigned link, struct nc_topo_wire *w);

#endif
