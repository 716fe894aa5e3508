/* topo.c: building and taking down a topology (topo.h). */
#include "topo/topo.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "topo/ethtool.h"
#include "topo/netns.h"
#include "topo/nl.h"
#include "util/clock.h"
#include "util/text.h"

#define READY_WAIT_NS (2 * NC_SEC)

struct nc_topo {
	struct nc_topo_desc desc;
	int origin;                              /* the namespace built from */
	int host_fd[NC_TOPO_MAX_HOSTS];
	int wire_fd;                             /* -1: no link has a wire */
	unsigned ifindex[NC_TOPO_MAX_LINKS][2];  /* hosts' ends, by side */
	char ifname[NC_TOPO_MAX_LINKS][2][16];
	unsigned wire_ifindex[NC_TOPO_MAX_LINKS][2];
	char wire_ifname[NC_TOPO_MAX_LINKS][2][16];
	bool inside;                             /* entered and not left */
};

/* What a namespace needs while it is being built: a netlink and an ioctl
 * socket opened inside it. Closed at the end of the build. */
struct ns_tools {
	struct nc_nl nl;
	int sock;
};

struct build {
	struct nc_topo *t;
	struct ns_tools host[NC_TOPO_MAX_HOSTS];
	struct ns_tools wire;
	unsigned current_host;                   /* for setup_host */
};

static void tools_close(struct ns_tools *k)
{
	nc_nl_close(&k->nl);
	if (k->sock >= 0)
		close(k->sock);
	k->sock = -1;
}

static int tools_open(struct ns_tools *k, struct nc_topo_err *e)
{
	if (nc_nl_open(&k->nl, e) < 0)
		return -1;
	k->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (k->sock < 0) {
		nc_topo_err_set(e, errno, "open an ioctl socket");
		return -1;
	}
	return 0;
}

static int ifindex_of(int sock, const char *name, unsigned *out, struct nc_topo_err *e)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	nc_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(sock, SIOCGIFINDEX, &ifr) < 0) {
		nc_topo_err_set(e, errno, "find interface %s", name);
		return -1;
	}
	*out = (unsigned)ifr.ifr_ifindex;
	return 0;
}

/* Runs inside a new (or the current) host namespace: the sysctls that
 * must be in place before its interfaces exist (new interfaces copy the
 * "default" settings), its tools, its loopback. */
static int setup_host(void *arg, struct nc_topo_err *e)
{
	struct build *b = arg;
	unsigned h = b->current_host;
	struct ns_tools *k = &b->host[h];
	static const char *const all[][2] = {
		{ "ipv6/conf/all/accept_dad", "0" },
		{ "ipv6/conf/default/accept_dad", "0" },
		{ "ipv6/conf/default/router_solicitations", "0" },
	};
	static const char *const router[][2] = {
		{ "ipv4/ip_forward", "1" },
		{ "ipv6/conf/all/forwarding", "1" }, /* sets "default" too */
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (nc_netns_sysctl(all[i][0], all[i][1], e) < 0)
			return -1;
	if (b->t->desc.host[h].router)
		for (size_t i = 0; i < sizeof(router) / sizeof(router[0]); i++)
			if (nc_netns_sysctl(router[i][0], router[i][1], e) < 0)
				return -1;
	unsigned lo;
	if (tools_open(k, e) < 0 || ifindex_of(k->sock, "lo", &lo, e) < 0 ||
	    nc_nl_link_up(&k->nl, lo, e) < 0)
		return -1;
	return 0;
}

/* The wire namespace: no IPv6 at all (no link-local addresses, no
 * multicast reports of its own), no addresses, nothing forwarded. */
static int setup_wire(void *arg, struct nc_topo_err *e)
{
	struct build *b = arg;
	if (nc_netns_sysctl("ipv6/conf/all/disable_ipv6", "1", e) < 0 ||
	    nc_netns_sysctl("ipv6/conf/default/disable_ipv6", "1", e) < 0)
		return -1;
	return tools_open(&b->wire, e);
}

static int make_namespaces(struct build *b, struct nc_topo_err *e)
{
	struct nc_topo *t = b->t;
	for (unsigned h = 0; h < t->desc.nhosts; h++) {
		b->current_host = h;
		if (t->desc.host[h].current) {
			t->host_fd[h] = nc_netns_current(e);
			if (t->host_fd[h] < 0 || setup_host(b, e) < 0)
				goto fail;
		} else if ((t->host_fd[h] = nc_netns_create(t->origin, setup_host, b, e)) < 0) {
			goto fail;
		}
		continue;
fail:
		nc_topo_err_prefix(e, "host %s", t->desc.host[h].name);
		return -1;
	}
	for (unsigned l = 0; l < t->desc.nlinks; l++) {
		if (!t->desc.link[l].wire)
			continue;
		if ((t->wire_fd = nc_netns_create(t->origin, setup_wire, b, e)) < 0) {
			nc_topo_err_prefix(e, "the wire namespace");
			return -1;
		}
		break;
	}
	return 0;
}

static void link_title(const struct nc_topo *t, unsigned l, char *buf, size_t n)
{
	const struct nc_topo_link_desc *k = &t->desc.link[l];
	snprintf(buf, n, "link %u (%s-%s)", l, t->desc.host[k->a].name, t->desc.host[k->b].name);
}

/* The veth pair(s) of one link, created through any netlink socket: each
 * end goes straight into its namespace. */
static int make_link(struct build *b, unsigned l, struct nc_topo_err *e)
{
	struct nc_topo *t = b->t;
	const struct nc_topo_link_desc *k = &t->desc.link[l];
	unsigned host[2] = { k->a, k->b };
	uint8_t mac[2][6], wmac[2][6];
	for (int s = 0; s < 2; s++) {
		nc_topo_plan_ifname(&t->desc, host[s], l, false, (enum nc_topo_side)s, t->ifname[l][s]);
		nc_topo_plan_mac(l, (enum nc_topo_side)s, false, mac[s]);
		t->ifindex[l][s] = nc_topo_plan_ifindex(l, (enum nc_topo_side)s, false);
		if (k->wire) {
			nc_topo_plan_ifname(&t->desc, host[s], l, true, (enum nc_topo_side)s,
					    t->wire_ifname[l][s]);
			nc_topo_plan_mac(l, (enum nc_topo_side)s, true, wmac[s]);
			t->wire_ifindex[l][s] = nc_topo_plan_ifindex(l, (enum nc_topo_side)s, true);
		}
	}
	struct nc_nl_veth_end end[2];
	for (int s = 0; s < 2; s++)
		end[s] = (struct nc_nl_veth_end){ t->ifname[l][s], t->host_fd[host[s]], k->mtu, mac[s],
						  t->ifindex[l][s] };
	struct nc_nl *nl = &b->host[0].nl;
	if (!k->wire)
		return nc_nl_veth(nl, &end[0], &end[1], e);
	for (int s = 0; s < 2; s++) {
		struct nc_nl_veth_end w = { t->wire_ifname[l][s], t->wire_fd, k->mtu, wmac[s],
					    t->wire_ifindex[l][s] };
		if (nc_nl_veth(nl, &end[s], &w, e) < 0)
			return -1;
	}
	return 0;
}

/* One host's end of a link: index, offloads, addresses, neighbours. */
static int setup_end(struct build *b, unsigned l, enum nc_topo_side s, struct nc_topo_err *e)
{
	struct nc_topo *t = b->t;
	const struct nc_topo_link_desc *k = &t->desc.link[l];
	unsigned h = s == NC_TOPO_SIDE_A ? k->a : k->b;
	enum nc_topo_side other = s == NC_TOPO_SIDE_A ? NC_TOPO_SIDE_B : NC_TOPO_SIDE_A;
	struct ns_tools *tools = &b->host[h];
	const char *name = t->ifname[l][s];
	unsigned *ifx = &t->ifindex[l][s];
	if ((k->wire || !t->desc.keep_offloads) && nc_ethtool_offloads_off(tools->sock, name, e) < 0)
		return -1;
	if (nc_nl_link_up(&tools->nl, *ifx, e) < 0)
		return -1;
	static const int families[2] = { AF_INET, AF_INET6 };
	for (int f = 0; f < 2; f++) {
		struct nc_addr a;
		unsigned plen;
		nc_topo_plan_addr(l, s, families[f], &a, &plen);
		if (nc_nl_addr(&tools->nl, *ifx, &a, plen, e) < 0)
			return -1;
	}
	if (t->desc.dynamic_neighbours)
		return 0;
	uint8_t peer_mac[6];
	nc_topo_plan_mac(l, other, false, peer_mac);
	struct nc_addr peer[3];
	nc_topo_plan_addr(l, other, AF_INET, &peer[0], NULL);
	nc_topo_plan_addr(l, other, AF_INET6, &peer[1], NULL);
	nc_topo_plan_linklocal(peer_mac, &peer[2]);
	for (int i = 0; i < 3; i++)
		if (nc_nl_neigh(&tools->nl, *ifx, &peer[i], peer_mac, e) < 0)
			return -1;
	return 0;
}

static int setup_wire_ends(struct build *b, unsigned l, struct nc_topo_err *e)
{
	struct nc_topo *t = b->t;
	for (int s = 0; s < 2; s++) {
		const char *name = t->wire_ifname[l][s];
		if (nc_ethtool_offloads_off(b->wire.sock, name, e) < 0 ||
		    nc_nl_link_up(&b->wire.nl, t->wire_ifindex[l][s], e) < 0)
			return -1;
	}
	return 0;
}

static int make_links(struct build *b, struct nc_topo_err *e)
{
	struct nc_topo *t = b->t;
	char title[96];
	for (unsigned l = 0; l < t->desc.nlinks; l++) {
		link_title(t, l, title, sizeof(title));
		if (make_link(b, l, e) < 0 || setup_end(b, l, NC_TOPO_SIDE_A, e) < 0 ||
		    setup_end(b, l, NC_TOPO_SIDE_B, e) < 0 ||
		    (t->desc.link[l].wire && setup_wire_ends(b, l, e) < 0)) {
			nc_topo_err_prefix(e, "%s", title);
			return -1;
		}
	}
	return 0;
}

/* Waits until every interface can send: carrier on, and the kernel's
 * link-state work for it done (nc_ethtool_link), which is what attaches
 * its queue discipline. Before that a frame sent on it is dropped, and
 * the device may already look "running": the state is set first. */
static int await_carrier(struct build *b, struct nc_topo_err *e)
{
	struct nc_topo *t = b->t;
	int64_t deadline = nc_now_ns() + READY_WAIT_NS;
	for (unsigned l = 0; l < t->desc.nlinks; l++) {
		const struct nc_topo_link_desc *k = &t->desc.link[l];
		for (int s = 0; s < 2 * (1 + k->wire); s++) {
			bool wire = s >= 2;
			int sock = wire ? b->wire.sock : b->host[s == 0 ? k->a : k->b].sock;
			const char *name = wire ? t->wire_ifname[l][s - 2] : t->ifname[l][s];
			int up;
			while ((up = nc_ethtool_link(sock, name, e)) == 0) {
				if (nc_now_ns() > deadline)
					break;
				usleep(100);
			}
			if (up == 1)
				continue;
			char title[96];
			link_title(t, l, title, sizeof(title));
			if (up == 0)
				nc_topo_err_set(e, ETIMEDOUT, "%s: %s%s has no carrier after %lld ms",
						title, wire ? "wire end " : "", name,
						(long long)(READY_WAIT_NS / NC_MS));
			else
				nc_topo_err_prefix(e, "%s", title);
			return -1;
		}
	}
	return 0;
}

/* Waits until every host takes its own addresses as local (nl.h says why
 * that is not at once for IPv6). */
static int await_addresses(struct build *b, struct nc_topo_err *e)
{
	struct nc_topo *t = b->t;
	int64_t deadline = nc_now_ns() + READY_WAIT_NS;
	static const int families[2] = { AF_INET, AF_INET6 };
	for (unsigned l = 0; l < t->desc.nlinks; l++)
		for (int s = 0; s < 2; s++)
			for (int f = 0; f < 2; f++) {
				unsigned h = s == 0 ? t->desc.link[l].a : t->desc.link[l].b;
				struct nc_addr a;
				nc_topo_plan_addr(l, (enum nc_topo_side)s, families[f], &a, NULL);
				bool local = false;
				int rc;
				while ((rc = nc_nl_is_local(&b->host[h].nl, &a, &local, e)) == 0 &&
				       !local && nc_now_ns() < deadline)
					usleep(100);
				if (rc == 0 && !local) {
					char buf[64];
					nc_topo_err_set(e, ETIMEDOUT, "%s is not a local address after "
							"%lld ms", nc_addr_host(&a, buf, sizeof(buf)),
							(long long)(READY_WAIT_NS / NC_MS));
				}
				if (rc < 0 || !local) {
					nc_topo_err_prefix(e, "host %s", t->desc.host[h].name);
					return -1;
				}
			}
	return 0;
}

static int make_routes(struct build *b, struct nc_topo_err *e)
{
	struct nc_topo *t = b->t;
	char err[256];
	struct nc_topo_route *r = calloc(NC_TOPO_MAX_ROUTES, sizeof(*r));
	if (!r) {
		nc_topo_err_set(e, ENOMEM, "routes");
		return -1;
	}
	int n = nc_topo_plan_routes(&t->desc, r, NC_TOPO_MAX_ROUTES, err, sizeof(err));
	if (n < 0)
		nc_topo_err_set(e, 0, "%s", err);
	for (int i = 0; i < n; i++) {
		unsigned h = r[i].host, l = r[i].link;
		int side = nc_topo_plan_side(&t->desc, l, h);
		unsigned plen = r[i].dst.family == AF_INET ? 32 : 128;
		if (nc_nl_route(&b->host[h].nl, &r[i].dst, plen, &r[i].via, t->ifindex[l][side], e) < 0) {
			nc_topo_err_prefix(e, "host %s", t->desc.host[h].name);
			n = -1;
		}
	}
	free(r);
	return n < 0 ? -1 : 0;
}

int nc_topo_build(const struct nc_topo_desc *d, struct nc_topo **out, struct nc_topo_err *e)
{
	char err[256];
	*out = NULL;
	if (nc_topo_plan_check(d, err, sizeof(err)) < 0) {
		nc_topo_err_set(e, 0, "%s", err);
		return -1;
	}
	struct nc_topo *t = calloc(1, sizeof(*t));
	struct build *b = calloc(1, sizeof(*b));
	if (!t || !b) {
		free(t);
		free(b);
		nc_topo_err_set(e, ENOMEM, "a topology");
		return -1;
	}
	t->desc = *d;
	t->wire_fd = -1;
	for (unsigned h = 0; h < NC_TOPO_MAX_HOSTS; h++) {
		t->host_fd[h] = -1;
		b->host[h].sock = -1;
	}
	b->wire.sock = -1;
	b->t = t;
	int rc = -1;
	t->origin = nc_netns_current(e);
	if (t->origin >= 0 && make_namespaces(b, e) == 0 && make_links(b, e) == 0 &&
	    make_routes(b, e) == 0 && await_carrier(b, e) == 0 &&
	    await_addresses(b, e) == 0)
		rc = 0;
	for (unsigned h = 0; h < NC_TOPO_MAX_HOSTS; h++)
		tools_close(&b->host[h]);
	tools_close(&b->wire);
	free(b);
	if (rc < 0) {
		nc_topo_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void nc_topo_free(struct nc_topo *t)
{
	if (!t)
		return;
	if (t->inside)
		(void)nc_topo_leave(t, NULL);
	for (unsigned h = 0; h < NC_TOPO_MAX_HOSTS; h++)
		if (t->host_fd[h] >= 0)
			close(t->host_fd[h]);
	if (t->wire_fd >= 0)
		close(t->wire_fd);
	if (t->origin >= 0)
		close(t->origin);
	free(t);
}

const struct nc_topo_desc *nc_topo_desc_of(const struct nc_topo *t)
{
	return &t->desc;
}

int nc_topo_host_index(const struct nc_topo *t, const char *name)
{
	for (unsigned h = 0; h < t->desc.nhosts; h++)
		if (strcmp(t->desc.host[h].name, name) == 0)
			return (int)h;
	return -1;
}

int nc_topo_host_fd(const struct nc_topo *t, unsigned host)
{
	return host < t->desc.nhosts ? t->host_fd[host] : -1;
}

int nc_topo_enter(struct nc_topo *t, unsigned host, struct nc_topo_err *e)
{
	if (host >= t->desc.nhosts) {
		nc_topo_err_set(e, EINVAL, "enter host %u: there are %u hosts", host, t->desc.nhosts);
		return -1;
	}
	if (nc_netns_enter(t->host_fd[host], e) < 0) {
		nc_topo_err_prefix(e, "host %s", t->desc.host[host].name);
		return -1;
	}
	t->inside = true;
	return 0;
}

int nc_topo_leave(struct nc_topo *t, struct nc_topo_err *e)
{
	if (nc_netns_enter(t->origin, e) < 0) {
		nc_topo_err_prefix(e, "back to the topology's own namespace");
		return -1;
	}
	t->inside = false;
	return 0;
}

int nc_topo_run(struct nc_topo *t, unsigned host, int (*fn)(void *arg), void *arg,
		struct nc_topo_err *e)
{
	if (nc_topo_enter(t, host, e) < 0)
		return -1;
	int rc = fn(arg);
	int saved = errno;
	if (nc_topo_leave(t, e) < 0)
		return -1;
	errno = saved;
	return rc;
}

pid_t nc_topo_fork(struct nc_topo *t, unsigned host, struct nc_topo_err *e)
{
	if (nc_topo_enter(t, host, e) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0)
		return 0;
	int saved = errno;
	if (nc_topo_leave(t, e) < 0)
		return -1; /* the child, if any, is the caller's to end */
	if (pid < 0)
		nc_topo_err_set(e, saved, "fork into host %s", t->desc.host[host].name);
	return pid;
}

struct sock_req {
	int family, type, fd, err;
};

static int make_socket(void *arg)
{
	struct sock_req *r = arg;
	r->fd = socket(r->family, r->type | SOCK_CLOEXEC, 0);
	r->err = errno;
	return r->fd < 0 ? -1 : 0;
}

int nc_topo_socket(struct nc_topo *t, unsigned host, int family, int type, struct nc_topo_err *e)
{
	struct sock_req r = { family, type, -1, 0 };
	if (nc_topo_run(t, host, make_socket, &r, e) < 0) {
		if (r.fd < 0 && r.err)
			nc_topo_err_set(e, r.err, "host %s: socket", t->desc.host[host].name);
		if (r.fd >= 0)
			close(r.fd);
		return -1;
	}
	return r.fd;
}

int nc_topo_addr(const struct nc_topo *t, unsigned host, unsigned link, int family,
		 struct nc_addr *out)
{
	int side = nc_topo_plan_side(&t->desc, link, host);
	if (side < 0 || (family != AF_INET && family != AF_INET6))
		return -1;
	nc_topo_plan_addr(link, (enum nc_topo_side)side, family, out, NULL);
	return 0;
}

int nc_topo_host_addr(const struct nc_topo *t, unsigned host, int family, struct nc_addr *out)
{
	for (unsigned l = 0; l < t->desc.nlinks; l++)
		if (nc_topo_addr(t, host, l, family, out) == 0)
			return 0;
	return -1;
}

int nc_topo_owner(const struct nc_topo *t, const struct nc_addr *a)
{
	for (unsigned l = 0; l < t->desc.nlinks; l++)
		for (int s = 0; s < 2; s++) {
			struct nc_addr mine;
			nc_topo_plan_addr(l, (enum nc_topo_side)s, a->family, &mine, NULL);
			size_t n = a->family == AF_INET ? 4 : 16;
			if ((a->family == AF_INET || a->family == AF_INET6) &&
			    memcmp(mine.ip, a->ip, n) == 0)
				return (int)(s == 0 ? t->desc.link[l].a : t->desc.link[l].b);
		}
	return -1;
}

const char *nc_topo_ifname(const struct nc_topo *t, unsigned host, unsigned link)
{
	int side = nc_topo_plan_side(&t->desc, link, host);
	return side < 0 ? NULL : t->ifname[link][side];
}

unsigned nc_topo_ifindex(const struct nc_topo *t, unsigned host, unsigned link)
{
	int side = nc_topo_plan_side(&t->desc, link, host);
	return side < 0 ? 0 : t->ifindex[link][side];
}

int nc_topo_wire(const struct nc_topo *t, unsigned link, struct nc_topo_wire *w)
{
	if (link >= t->desc.nlinks || !t->desc.link[link].wire)
		return -1;
	w->nsfd = t->wire_fd;
	w->mtu = t->desc.link[link].mtu;
	for (int s = 0; s < 2; s++) {
		w->ifindex[s] = t->wire_ifindex[link][s];
		memcpy(w->ifname[s], t->wire_ifname[link][s], sizeof(w->ifname[s]));
	}
	return 0;
}
