/* wire_ep.c: where the roles were, as the capture shows it, and the parts
 * every wire message shares (the packets around the one in question). */
#include "check/wire_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void nc_wep_from_addr(const struct nc_addr *a, struct wep *e)
{
	memset(e, 0, sizeof(*e));
	if (!a->family)
		return;
	struct nc_addr u;
	if (nc_addr_unmap(a, &u))
		a = &u; /* a dual-stack socket's peer travels as IPv4 */
	e->known = true;
	e->ipver = a->family == AF_INET ? 4 : 6;
	memcpy(e->ip, a->ip, 16);
	if (e->ipver == 4)
		memset(e->ip + 4, 0, 12);
	e->port = a->port;
	e->any_host = nc_addr_is_any(a);
}

void nc_wep_loopback(int ipver, int port, struct wep *e)
{
	struct nc_addr a;
	nc_addr_loopback(ipver == 4 ? AF_INET : AF_INET6, 0, &a);
	nc_wep_from_addr(&a, e);
	e->port = port;
}

bool nc_wep_match(const struct wep *e, int ipver, const uint8_t ip[16], uint16_t port)
{
	if (!e->known)
		return false;
	if (e->port >= 0 && e->port != port)
		return false;
	if (e->ipver != ipver)
		return false;
	if (e->any_host)
		return true;
	return memcmp(e->ip, ip, ipver == 4 ? 4 : 16) == 0;
}

/* "127.0.0.1.41234" (tcpdump's form) or "127.0.0.1:41234", "[::1]:41234"
 * (a socket address's); the host alone when any port matches. */
static const char *wep_format(const struct wep *e, bool sockaddr, char *buf, size_t n)
{
	char h[INET6_ADDRSTRLEN];
	if (!e->known) {
		snprintf(buf, n, "(unknown)");
		return buf;
	}
	if (e->any_host)
		snprintf(h, sizeof(h), "*");
	else if (!inet_ntop(e->ipver == 4 ? AF_INET : AF_INET6, e->ip, h, sizeof(h)))
		snprintf(h, sizeof(h), "?");
	bool brackets = sockaddr && e->ipver == 6;
	if (e->port < 0)
		snprintf(buf, n, "%s", h);
	else
		snprintf(buf, n, "%s%s%s%c%d", brackets ? "[" : "", h, brackets ? "]" : "",
			 sockaddr ? ':' : '.', e->port);
	return buf;
}

const char *nc_wep_str(const struct wep *e, char *buf, size_t n)
{
	return wep_format(e, false, buf, n);
}

const char *nc_wep_hostport(const struct wep *e, char *buf, size_t n)
{
	return wep_format(e, true, buf, n);
}

const char *nc_wire_hostport(int ipver, const uint8_t ip[16], uint16_t port, char *buf, size_t n)
{
	struct wep e;
	memset(&e, 0, sizeof(e));
	e.known = true;
	e.ipver = ipver;
	memcpy(e.ip, ip, 16);
	e.port = port;
	return nc_wep_hostport(&e, buf, n);
}

int nc_wire_client_ipver(const struct nc_observed *o)
{
	return o->family == NC_FAM_INET6 ? 6 : 4;
}

/* The server as the client reached it: on the wire, a dual-stack server's
 * peer travels as IPv4. */
void nc_wep_server(const struct nc_observed *o, struct wep *e)
{
	const struct nc_role_obs *cli = &o->role[NC_ROLE_CLIENT];
	struct nc_addr a;
	memset(e, 0, sizeof(*e));
	if (nc_observed_server_addr(o, &a)) {
		struct nc_addr u;
		nc_addr_usable(&a, nc_wire_client_ipver(o) == 4 ? AF_INET : AF_INET6, &u);
		nc_wep_from_addr(&u, e);
		return;
	}
	/* No server role: the client's other side is whatever it connected or
	 * sent to, such as the unused port. */
	const struct nc_role *role = &o->sc->role[NC_ROLE_CLIENT];
	for (uint32_t i = 0; i < cli->nsteps && !o->sc->role[NC_ROLE_SERVER].present; i++) {
		enum nc_step_kind k = role->steps[i].kind;
		if ((k == NC_STEP_CONNECT || k == NC_STEP_SENDTO) && cli->ended[i] &&
		    cli->facts[i].peer.family) {
			nc_wep_from_addr(&cli->facts[i].peer, e);
			return;
		}
	}
}

void nc_wep_client(const struct nc_observed *o, struct wep *e)
{
	struct nc_addr a;
	memset(e, 0, sizeof(*e));
	if (nc_observed_client_addr(o, &a))
		nc_wep_from_addr(&a, e);
}

void nc_wire_neighbours(const struct nc_wirelog *w, size_t at, struct nc_buf *d)
{
	size_t n = nc_wirelog_count(w);
	if (n == 0) {
		nc_buf_adds(d, "no packets were captured\n");
		return;
	}
	if (at >= n)
		at = n - 1;
	size_t from = at > 2 ? at - 2 : 0;
	size_t to = at + 3 < n ? at + 3 : n;
	nc_buf_adds(d, "captured packets around it:\n");
	for (size_t i = from; i < to; i++) {
		const struct nc_wpkt *p = nc_wirelog_get(w, i);
		nc_buf_printf(d, "%s#%u %s\n", i == at ? "> " : "  ", p->index, p->line);
	}
	if (w->skipped)
		nc_buf_printf(d, "(%llu packets in the middle of the capture were not kept)\n",
			      (unsigned long long)w->skipped);
}

struct nc_failure *nc_wire_fail(struct nc_result *r, const struct nc_observed *o, uint32_t line,
				const char *msg, const char *detail)
{
	return nc_result_fail(r, false, "wire", o->sc->path, line, msg, detail ? detail : "");
}
