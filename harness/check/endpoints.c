/* endpoints.c: what one side observed against what the other side reports.
 *
 * The server learns the client's address from accept() or recvfrom(); the
 * client knows its own from getsockname(), and the other way round. The
 * kernel must tell both the same story. An unconnected datagram socket
 * reports the wildcard address, which matches any address of its port.
 */
#include "check/observe.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/text.h"

#define MAX_KNOWN 16

struct known {
	struct nc_addr a[MAX_KNOWN];
	size_t n;
};

static void known_add(struct known *k, const struct nc_addr *a)
{
	if (!a->family || a->port == 0 || k->n == MAX_KNOWN)
		return;
	for (size_t i = 0; i < k->n; i++)
		if (nc_addr_same(&k->a[i], a))
			return;
	k->a[k->n++] = *a;
}

/* The addresses a built-in role's sockets had, as the role itself saw them. */
static void role_addresses(const struct nc_observed *o, enum nc_role_id r, struct known *k)
{
	const struct nc_role_obs *ro = &o->role[r];
	memset(k, 0, sizeof(*k));
	if (ro->exec) {
		/* A program's address is known only as the scenario declares it: a
		 * server program's port, on loopback. A program client's is not. */
		if (r == NC_ROLE_SERVER && ro->ready)
			known_add(k, &ro->ready_addr);
		return;
	}
	if (ro->ready)
		known_add(k, &ro->ready_addr);
	for (uint32_t i = 0; i < ro->nsteps; i++)
		if (ro->ended[i])
			known_add(k, &ro->facts[i].local);
	for (size_t i = 0; i < ro->ndgrams; i++)
		if (ro->dgrams[i].sent)
			known_add(k, &ro->dgrams[i].local);
}

static bool matches(const struct nc_addr *seen, const struct nc_addr *own)
{
	if (nc_addr_same(seen, own))
		return true;
	if (!nc_addr_is_any(own) || seen->port != own->port)
		return false;
	struct nc_addr u;
	int fam = nc_addr_unmap(seen, &u) ? AF_INET : seen->family;
	struct nc_addr ou;
	int ofam = nc_addr_unmap(own, &ou) ? AF_INET : own->family;
	/* A dual-stack wildcard (::) accepts both families. */
	return fam == ofam || own->family == AF_INET6;
}

static bool known_match(const struct known *k, const struct nc_addr *seen)
{
	for (size_t i = 0; i < k->n; i++)
		if (matches(seen, &k->a[i]))
			return true;
	return false;
}

static void known_str(const struct known *k, char *buf, size_t n)
{
	buf[0] = 0;
	for (size_t i = 0; i < k->n; i++) {
		char a[64];
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, "%s%s", i ? " or " : "", nc_addr_str(&k->a[i], a, sizeof(a)));
	}
}

static bool is_loopback(const struct nc_addr *a)
{
	struct nc_addr u;
	if (nc_addr_unmap(a, &u))
		a = &u;
	if (a->family == AF_INET)
		return a->ip[0] == 127;
	static const uint8_t one[16] = { [15] = 1 };
	return a->family == AF_INET6 && memcmp(a->ip, one, 16) == 0;
}

/* Checks an explicit `from` expectation. */
static void check_from(const struct nc_observed *o, enum nc_role_id self, const struct nc_step *st,
		       const struct nc_fact *f, struct nc_result *r)
{
	const struct nc_endpoint *ep = &st->expect.from;
	char seen[64], want[160], msg[400];
	nc_addr_str(&f->peer, seen, sizeof(seen));
	if (!f->peer.family) {
		snprintf(msg, sizeof(msg), "expected data from %s, but the call reported no sender",
			 ep->kind == NC_EP_CLIENT ? "client" : ep->kind == NC_EP_SERVER ? "server" : "the address");
		nc_result_fail(r, false, "endpoint", o->sc->path, st->pos.line, msg, "");
		return;
	}
	if (ep->kind == NC_EP_CLIENT || ep->kind == NC_EP_SERVER) {
		enum nc_role_id other = ep->kind == NC_EP_CLIENT ? NC_ROLE_CLIENT : NC_ROLE_SERVER;
		(void)self;
		struct known k;
		role_addresses(o, other, &k);
		if (k.n == 0) {
			/* A program, or a role that never had an address: all that can
			 * be said is that the peer is on loopback. */
			if (!is_loopback(&f->peer)) {
				snprintf(msg, sizeof(msg), "expected the %s on loopback, got %s",
					 nc_role_name(other), seen);
				nc_result_fail(r, false, "endpoint", o->sc->path, st->pos.line, msg, "");
			}
			return;
		}
		if (!known_match(&k, &f->peer)) {
			known_str(&k, want, sizeof(want));
			snprintf(msg, sizeof(msg), "expected it from the %s (%s), got it from %s",
				 nc_role_name(other), want, seen);
			nc_result_fail(r, false, "endpoint", o->sc->path, st->pos.line, msg, "");
		}
		return;
	}
	if (ep->kind == NC_EP_ADDR && ep->host == NC_HOST_LITERAL) {
		struct nc_addr lit;
		memset(&lit, 0, sizeof(lit));
		lit.family = ep->lit_family;
		memcpy(lit.ip, ep->lit_addr, 16);
		lit.port = ep->port >= 0 ? (uint16_t)ep->port : f->peer.port;
		/* An explicit literal is compared exactly: `from ::ffff:127.0.0.1`
		 * asserts the mapped form. */
		bool same = lit.family == f->peer.family && lit.port == f->peer.port &&
			    memcmp(lit.ip, f->peer.ip, lit.family == AF_INET ? 4 : 16) == 0;
		if (!same) {
			nc_addr_str(&lit, want, sizeof(want));
			snprintf(msg, sizeof(msg), "expected it from %s, got it from %s", want, seen);
			nc_result_fail(r, false, "endpoint", o->sc->path, st->pos.line, msg, "");
		}
		return;
	}
	if (ep->kind == NC_EP_ADDR && (ep->host == NC_HOST_LOOPBACK || ep->host == NC_HOST_ANY)) {
		bool host_ok = ep->host == NC_HOST_ANY || is_loopback(&f->peer);
		bool port_ok = ep->port < 0 || ep->port == f->peer.port;
		if (!host_ok || !port_ok) {
			if (ep->port >= 0)
				snprintf(want, sizeof(want), "%s port %d",
					 ep->host == NC_HOST_ANY ? "any address," : "loopback,", ep->port);
			else
				snprintf(want, sizeof(want), "loopback");
			snprintf(msg, sizeof(msg), "expected it from %s, got it from %s", want, seen);
			nc_result_fail(r, false, "endpoint", o->sc->path, st->pos.line, msg, "");
		}
	}
}

void nc_check_endpoints(const struct nc_observed *o, struct nc_result *r)
{
	for (int ri = 0; ri < NC_ROLE_COUNT; ri++) {
		const struct nc_role *role = &o->sc->role[ri];
		const struct nc_role_obs *ro = &o->role[ri];
		if (!role->present || role->is_exec)
			continue;
		enum nc_role_id other = ri == NC_ROLE_SERVER ? NC_ROLE_CLIENT : NC_ROLE_SERVER;
		struct known k;
		role_addresses(o, other, &k);
		for (uint32_t i = 0; i < ro->nsteps; i++) {
			const struct nc_step *st = &role->steps[i];
			const struct nc_fact *f = &ro->facts[i];
			if (!ro->ended[i] || f->err || f->note[0])
				continue;
			bool observes = st->kind == NC_STEP_ACCEPT || st->kind == NC_STEP_RECV ||
					st->kind == NC_STEP_RECVFROM;
			if (!observes || !f->peer.family)
				continue;
			if (st->expect.has_from) {
				check_from(o, (enum nc_role_id)ri, st, f, r);
				continue;
			}
			/* Automatic cross-check: only against a role whose addresses
			 * are known, and only for addresses that are the peer's own. */
			if (k.n == 0 || !o->sc->role[other].present)
				continue;
			if (!known_match(&k, &f->peer)) {
				char seen[64], want[160], msg[400];
				known_str(&k, want, sizeof(want));
				snprintf(msg, sizeof(msg),
					 "the %s observed its peer as %s, but the %s's socket reports %s",
					 nc_role_name(ri), nc_addr_str(&f->peer, seen, sizeof(seen)),
					 nc_role_name(other), want);
				nc_result_fail(r, false, "endpoint", o->sc->path, st->pos.line, msg, "");
			}
		}
	}
}
