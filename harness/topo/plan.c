/* plan.c: validation, addresses, names and routes of a topology (plan.h). */
#include "topo/plan.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/text.h"

int nc_topo_desc_host(struct nc_topo_desc *d, const char *name, bool router)
{
	if (d->nhosts >= NC_TOPO_MAX_HOSTS)
		return -1;
	struct nc_topo_host_desc *h = &d->host[d->nhosts];
	memset(h, 0, sizeof(*h));
	nc_strlcpy(h->name, name, sizeof(h->name));
	h->router = router;
	return (int)d->nhosts++;
}

int nc_topo_desc_link(struct nc_topo_desc *d, unsigned a, unsigned b, uint32_t mtu, bool wire)
{
	if (d->nlinks >= NC_TOPO_MAX_LINKS)
		return -1;
	d->link[d->nlinks] = (struct nc_topo_link_desc){ .a = a, .b = b, .mtu = mtu, .wire = wire };
	return (int)d->nlinks++;
}

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, NC_TOPO_NAME_MAX);
	if (n == 0 || n == NC_TOPO_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static bool touches(const struct nc_topo_link_desc *l, unsigned host)
{
	return l->a == host || l->b == host;
}

int nc_topo_plan_side(const struct nc_topo_desc *d, unsigned link, unsigned host)
{
	if (link >= d->nlinks)
		return -1;
	if (d->link[link].a == host)
		return NC_TOPO_SIDE_A;
	if (d->link[link].b == host)
		return NC_TOPO_SIDE_B;
	return -1;
}

int nc_topo_plan_port(const struct nc_topo_desc *d, unsigned host, unsigned link)
{
	if (link >= d->nlinks || !touches(&d->link[link], host))
		return -1;
	int port = 0;
	for (unsigned l = 0; l < link; l++)
		port += touches(&d->link[l], host);
	return port;
}

void nc_topo_plan_ifname(const struct nc_topo_desc *d, unsigned host, unsigned link,
			 bool wire_end, enum nc_topo_side side, char name[16])
{
	if (wire_end)
		snprintf(name, 16, "w%u%c", link, side == NC_TOPO_SIDE_A ? 'a' : 'b');
	else
		snprintf(name, 16, "eth%d", nc_topo_plan_port(d, host, link));
}

static int check_link(const struct nc_topo_desc *d, unsigned i, char *err, size_t errlen)
{
	const struct nc_topo_link_desc *l = &d->link[i];
	if (l->a >= d->nhosts || l->b >= d->nhosts) {
		snprintf(err, errlen, "link %u: it names host %u, but there are %u hosts", i,
			 l->a >= d->nhosts ? l->a : l->b, d->nhosts);
		return -1;
	}
	const char *an = d->host[l->a].name, *bn = d->host[l->b].name;
	if (l->a == l->b) {
		snprintf(err, errlen, "link %u (%s-%s): a link joins two different hosts", i, an, bn);
		return -1;
	}
	if (l->mtu < NC_TOPO_MTU_MIN || l->mtu > NC_TOPO_MTU_MAX) {
		snprintf(err, errlen,
			 "link %u (%s-%s): mtu %u is outside %u..%u (every link carries IPv6, "
			 "whose least MTU is 1280; a veth takes at most 65535)",
			 i, an, bn, l->mtu, NC_TOPO_MTU_MIN, NC_TOPO_MTU_MAX);
		return -1;
	}
	return 0;
}

int nc_topo_plan_check(const struct nc_topo_desc *d, char *err, size_t errlen)
{
	if (d->nhosts == 0 || d->nhosts > NC_TOPO_MAX_HOSTS) {
		snprintf(err, errlen, "a topology has 1 to %d hosts, not %u", NC_TOPO_MAX_HOSTS,
			 d->nhosts);
		return -1;
	}
	if (d->nlinks > NC_TOPO_MAX_LINKS) {
		snprintf(err, errlen, "a topology has at most %d links, not %u", NC_TOPO_MAX_LINKS,
			 d->nlinks);
		return -1;
	}
	unsigned current = 0;
	for (unsigned h = 0; h < d->nhosts; h++) {
		const char *name = d->host[h].name;
		if (!name_ok(name)) {
			snprintf(err, errlen,
				 "host %u: the name '%.*s' is not 1 to %d letters, digits, '-' or '_'",
				 h, NC_TOPO_NAME_MAX - 1, name, NC_TOPO_NAME_MAX - 1);
			return -1;
		}
		for (unsigned o = 0; o < h; o++)
			if (strcmp(d->host[o].name, name) == 0) {
				snprintf(err, errlen, "host %u: the name '%s' is already host %u's", h,
					 name, o);
				return -1;
			}
		current += d->host[h].current;
	}
	if (current > 1) {
		snprintf(err, errlen, "%u hosts are marked as the caller's own namespace; at most one "
			 "can be", current);
		return -1;
	}
	for (unsigned i = 0; i < d->nlinks; i++)
		if (check_link(d, i, err, errlen) < 0)
			return -1;
	for (unsigned h = 0; h < d->nhosts; h++) {
		unsigned ports = 0;
		for (unsigned i = 0; i < d->nlinks; i++)
			ports += touches(&d->link[i], h);
		if (ports > NC_TOPO_MAX_HOST_LINKS) {
			snprintf(err, errlen, "host %s has %u links; a host has at most %d",
				 d->host[h].name, ports, NC_TOPO_MAX_HOST_LINKS);
			return -1;
		}
	}
	return nc_topo_plan_routes(d, NULL, NC_TOPO_MAX_ROUTES, err, errlen) < 0 ? -1 : 0;
}

void nc_topo_plan_addr(unsigned link, enum nc_topo_side side, int family, struct nc_addr *out,
		       unsigned *plen)
{
	memset(out, 0, sizeof(*out));
	out->family = family;
	unsigned host = side == NC_TOPO_SIDE_A ? 1 : 2;
	if (family == AF_INET) {
		static const uint8_t nets[2][3] = { { 198, 51, 100 }, { 203, 0, 113 } };
		memcpy(out->ip, nets[(link / 16) % 2], 3);
		out->ip[3] = (uint8_t)(16 * (link % 16) + host);
		if (plen)
			*plen = 28;
	} else {
		out->ip[0] = 0x20;
		out->ip[1] = 0x01;
		out->ip[2] = 0x0d;
		out->ip[3] = 0xb8;
		out->ip[4] = (uint8_t)((link + 1) >> 8);
		out->ip[5] = (uint8_t)(link + 1);
		out->ip[15] = (uint8_t)host;
		if (plen)
			*plen = 64;
	}
}

void nc_topo_plan_mac(unsigned link, enum nc_topo_side side, bool wire_end, uint8_t mac[6])
{
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x6e;
	mac[2] = 0x63;
	mac[3] = wire_end ? 1 : 0;
	mac[4] = (uint8_t)link;
	mac[5] = side == NC_TOPO_SIDE_A ? 1 : 2;
}

unsigned nc_topo_plan_ifindex(unsigned link, enum nc_topo_side side, bool wire_end)
{
	return (wire_end ? 100u : 10u) + 2u * link + (side == NC_TOPO_SIDE_B);
}

void nc_topo_plan_linklocal(const uint8_t mac[6], struct nc_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	out->ip[0] = 0xfe;
	out->ip[1] = 0x80;
	out->ip[8] = mac[0] ^ 0x02; /* the universal/local bit, inverted (RFC 4291 2.5.1) */
	out->ip[9] = mac[1];
	out->ip[10] = mac[2];
	out->ip[11] = 0xff;
	out->ip[12] = 0xfe;
	out->ip[13] = mac[3];
	out->ip[14] = mac[4];
	out->ip[15] = mac[5];
}

/* Breadth-first search from host `from`, where only `from` itself and
 * routers pass traffic on. For each reached host: the link and the
 * neighbour of `from` the first hop goes to. */
struct reach {
	int dist[NC_TOPO_MAX_HOSTS];
	unsigned first_link[NC_TOPO_MAX_HOSTS];
	unsigned first_node[NC_TOPO_MAX_HOSTS];
};

static void search(const struct nc_topo_desc *d, unsigned from, struct reach *r)
{
	unsigned queue[NC_TOPO_MAX_HOSTS], head = 0, tail = 0;
	for (unsigned h = 0; h < d->nhosts; h++)
		r->dist[h] = -1;
	r->dist[from] = 0;
	queue[tail++] = from;
	while (head < tail) {
		unsigned u = queue[head++];
		if (u != from && !d->host[u].router)
			continue;
		for (unsigned l = 0; l < d->nlinks; l++) {
			const struct nc_topo_link_desc *k = &d->link[l];
			if (!touches(k, u))
				continue;
			unsigned v = k->a == u ? k->b : k->a;
			if (r->dist[v] >= 0)
				continue;
			r->dist[v] = r->dist[u] + 1;
			r->first_link[v] = u == from ? l : r->first_link[u];
			r->first_node[v] = u == from ? v : r->first_node[u];
			queue[tail++] = v;
		}
	}
}

int nc_topo_plan_routes(const struct nc_topo_desc *d, struct nc_topo_route *out, size_t max,
			char *err, size_t errlen)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	size_t n = 0;
	for (unsigned h = 0; h < d->nhosts; h++) {
		struct reach r;
		search(d, h, &r);
		for (unsigned g = 0; g < d->nhosts; g++) {
			if (g == h)
				continue;
			if (r.dist[g] < 0) {
				snprintf(err, errlen,
					 "host %s cannot reach host %s: no link joins them, and no path "
					 "between them has only routers inside",
					 d->host[h].name, d->host[g].name);
				return -1;
			}
			unsigned fl = r.first_link[g];
			enum nc_topo_side hop_side = (enum nc_topo_side)nc_topo_plan_side(d, fl, r.first_node[g]);
			for (unsigned l = 0; l < d->nlinks; l++) {
				if (!touches(&d->link[l], g) || touches(&d->link[l], h))
					continue;
				enum nc_topo_side gs = (enum nc_topo_side)nc_topo_plan_side(d, l, g);
				for (int f = 0; f < 2; f++) {
					if (n == max) {
						snprintf(err, errlen, "the topology needs more than %zu routes",
							 max);
						return -1;
					}
					if (!out) {
						n++;
						continue;
					}
					struct nc_topo_route *rt = &out[n++];
					rt->host = h;
					rt->link = fl;
					nc_topo_plan_addr(l, gs, families[f], &rt->dst, NULL);
					nc_topo_plan_addr(fl, hop_side, families[f], &rt->via, NULL);
				}
			}
		}
	}
	return (int)n;
}
