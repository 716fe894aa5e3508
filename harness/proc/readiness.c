/* readiness.c: when a server program is ready for its client, and, when it
 * never is, what netconform waited for and what the program did instead;
 * and the ports netconform chooses for programs and for `unused`.
 *
 * There is no event for "a port got bound", so the socket tables are
 * looked at: every 2 ms at first, less often the longer the program takes
 * (at most every 50 ms), which keeps a slow start cheap and a fast one
 * fast.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc/hostports.h"
#include "proc/sockets.h"
#include "proc/variant_int.h"
#include "proc/wiring.h"
#include "scenario/names.h"
#include "steps/role.h"
#include "util/clock.h"
#include "util/hexdump.h"
#include "util/text.h"

#define PROBE_MIN_NS (2 * NC_MS)
#define PROBE_MAX_NS (50 * NC_MS)

/* Whether a socket serves the variant's clients on port: bound (UDP) or
 * listening (TCP), of a family the client can reach. An IPv4 client
 * reaches an IPv4 socket or a dual-stack IPv6 one (wildcard or mapped,
 * without IPV6_V6ONLY); an IPv6 client any IPv6 socket but a mapped one;
 * a dual variant asks for the dual-stack socket it is named after. */
static bool serves(const struct nc_sockent *e, int proto, uint16_t port, enum nc_family fam)
{
	if (e->proto != proto || e->local.port != port)
		return false;
	if (proto == IPPROTO_TCP && e->state != NC_SOCK_LISTEN)
		return false;
	struct nc_addr v4;
	bool mapped = nc_addr_unmap(&e->local, &v4);
	bool dual = e->local.family == AF_INET6 && !e->v6only &&
		    (mapped || nc_addr_is_any(&e->local));
	switch (fam) {
	case NC_FAM_INET: return e->local.family == AF_INET || dual;
	case NC_FAM_INET6: return e->local.family == AF_INET6 && !mapped;
	case NC_FAM_DUAL: return dual;
	}
	return false;
}

/* The sockets of the server program: in a private namespace every socket
 * there is the roles' (and the client has not started); on the host
 * loopback only those its process group holds. */
static int program_sockets(struct sup *s, int proto, struct nc_sockent **v, size_t *n,
			   char *err, size_t errlen)
{
	if (nc_sockets_list(proto, v, n, err, errlen) < 0)
		return -1;
	if (s->job->opts->ns.mode == NC_NS_HOST)
		*n = nc_sockets_of_group(*v, *n, s->rr[NC_ROLE_SERVER].child.pid);
	return 0;
}

static int transport_proto(const struct nc_scenario *sc)
{
	return sc->transport == NC_TRANSPORT_TCP ? IPPROTO_TCP : IPPROTO_UDP;
}

static bool port_served(struct sup *s)
{
	struct nc_sockent *v;
	size_t n;
	char err[160];
	int proto = transport_proto(s->sc);
	if (program_sockets(s, proto, &v, &n, err, sizeof(err)) < 0)
		return false;
	bool ok = false;
	for (size_t i = 0; i < n && !ok; i++)
		ok = serves(&v[i], proto, s->obs.role[NC_ROLE_SERVER].program_port, s->job->family);
	free(v);
	return ok;
}

/* The ready line, expanded; false when a variable has no value yet. */
static bool ready_text(struct sup *s, struct nc_buf *want)
{
	struct nc_varctx vars;
	char store[NC_VAR_COUNT][NC_VAR_LEN];
	nc_sup_program_vars(s, NC_ROLE_SERVER, &vars, store);
	return nc_template_expand(&s->sc->role[NC_ROLE_SERVER].ready_line, &vars, want, NULL) == 0;
}

static bool output_has(const struct nc_buf *out, const struct nc_buf *want)
{
	if (want->len == 0)
		return true;
	return out->len >= want->len && memmem(out->data, out->len, want->data, want->len) != NULL;
}

/* The stream the ready line is watched on: 1 stdout, 2 stderr. */
static int ready_stream(const struct nc_role *role)
{
	return role->ready_stream == 2 ? 2 : 1;
}

static const char *stream_name(int stream)
{
	return stream == 2 ? "stderr" : "stdout";
}

bool nc_sup_program_ready(struct sup *s, int64_t now, struct nc_pollset *ps)
{
	const struct nc_role *role = &s->sc->role[NC_ROLE_SERVER];
	struct nc_role_obs *ro = &s->obs.role[NC_ROLE_SERVER];
	struct rolerun *rr = &s->rr[NC_ROLE_SERVER];
	if (ro->ready)
		return true;
	bool ready = false;
	if (role->ready_line.nparts) {
		/* Checked whenever the loop turns, which output wakes it up for. */
		struct nc_buf want;
		nc_buf_init(&want, 0);
		ready = ready_text(s, &want) && output_has(&ro->out[ready_stream(role)], &want);
		nc_buf_free(&want);
	} else if (now >= rr->next_probe) {
		ready = port_served(s);
		int64_t waited = now - rr->started_at;
		int64_t every = waited / 20;
		every = every < PROBE_MIN_NS ? PROBE_MIN_NS : every > PROBE_MAX_NS ? PROBE_MAX_NS : every;
		rr->next_probe = now + every;
	}
	if (!ready && !role->ready_line.nparts)
		nc_pollset_until(ps, rr->next_probe);
	if (ready) {
		ro->ready = true;
		nc_role_loopback(s->job->family, NC_ROLE_SERVER, ro->program_port, &ro->ready_addr);
	}
	return ready;
}

static const char *family_words(enum nc_family f)
{
	switch (f) {
	case NC_FAM_INET: return "that an IPv4 client can reach (an IPv4 or a dual-stack socket)";
	case NC_FAM_INET6: return "that an IPv6 client can reach (an IPv6 socket)";
	case NC_FAM_DUAL: return "on a dual-stack IPv6 socket (IPV6_V6ONLY off), as the dual "
				 "variant asks";
	}
	return "";
}

/* What the program's sockets say about why it was not ready. */
static void describe_sockets(struct sup *s, struct nc_buf *b)
{
	int proto = transport_proto(s->sc);
	int other = proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
	uint16_t port = s->obs.role[NC_ROLE_SERVER].program_port;
	struct nc_sockent *v = NULL, *w = NULL;
	size_t n = 0, m = 0;
	char err[160], line[200];
	if (program_sockets(s, proto, &v, &n, err, sizeof(err)) < 0 ||
	    program_sockets(s, other, &w, &m, err, sizeof(err)) < 0) {
		nc_buf_printf(b, "; its sockets could not be read (%s)", err);
		free(v);
		return;
	}
	if (n + m == 0) {
		nc_buf_adds(b, "; it has no TCP or UDP socket open");
	} else {
		nc_buf_adds(b, "; its sockets:");
		for (size_t i = 0; i < n + m; i++) {
			const struct nc_sockent *e = i < n ? &v[i] : &w[i - n];
			nc_buf_printf(b, "%s %s", i ? "," : "", nc_sockent_str(e, line, sizeof(line)));
		}
	}
	/* The likeliest mistakes, in the order they are worth fixing. */
	const struct nc_sockent *wrong_family = NULL, *other_port = NULL, *other_proto = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct nc_sockent *e = &v[i];
		bool usable = proto == IPPROTO_UDP || e->state == NC_SOCK_LISTEN;
		if (usable && e->local.port == port && !wrong_family)
			wrong_family = e;
		else if (usable && e->local.port != port && !other_port)
			other_port = e;
	}
	for (size_t i = 0; i < m; i++)
		if (!other_proto || w[i].local.port == port)
			other_proto = &w[i];
	if (wrong_family) {
		nc_buf_printf(b, ". It has port %u, but not in a socket %s",
			      port, family_words(s->job->family));
	} else if (other_port) {
		nc_buf_printf(b, ". It %s port %u, not the port netconform chose (%u): if the program "
			      "uses a fixed port, add 'port %u' to its options",
			      proto == IPPROTO_TCP ? "listens on" : "bound", other_port->local.port,
			      port, other_port->local.port);
	} else if (other_proto) {
		nc_buf_printf(b, ". It has a %s socket, but the scenario's transport is %s",
			      other == IPPROTO_TCP ? "TCP" : "UDP",
			      proto == IPPROTO_TCP ? "tcp" : "udp");
	}
	free(v);
	free(w);
}

void nc_sup_not_ready(struct sup *s, int64_t now, const char *when)
{
	const struct nc_role *role = &s->sc->role[NC_ROLE_SERVER];
	struct nc_role_obs *ro = &s->obs.role[NC_ROLE_SERVER];
	const struct rolerun *rr = &s->rr[NC_ROLE_SERVER];
	if (ro->not_ready)
		return;
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_buf_printf(&b, "the server program was not ready %s: netconform waited for ", when);
	if (role->ready_line.nparts) {
		struct nc_buf want;
		nc_buf_init(&want, 0);
		ready_text(s, &want);
		int watched = ready_stream(role), other = 3 - watched;
		nc_buf_adds(&b, "a line containing ");
		nc_show_bytes(&b, want.data, want.len, 120);
		nc_buf_printf(&b, " on its %s; it printed %zu byte%s there", stream_name(watched),
			      ro->out[watched].len, ro->out[watched].len == 1 ? "" : "s");
		if (output_has(&ro->out[other], &want))
			nc_buf_printf(&b, " (the text is on its %s: write 'ready line %s \"...\"')",
				      stream_name(other), stream_name(other));
		nc_buf_free(&want);
	} else {
		nc_buf_printf(&b, "%s port %u (${server.port}) %s",
			      s->sc->transport == NC_TRANSPORT_TCP ? "a TCP socket listening on"
								  : "a UDP socket bound to",
			      ro->program_port, family_words(s->job->family));
		describe_sockets(s, &b);
	}
	char how[160];
	if (rr->phase == ROLE_ENDED)
		nc_buf_printf(&b, "; the program %s", nc_wait_describe(rr->child.status, how,
								       sizeof(how)));
	else if (rr->phase == ROLE_RUNNING)
		nc_buf_adds(&b, "; the program was still running");
	ro->not_ready = nc_buf_steal(&b);
	ro->not_ready_t = now - s->epoch;
}

/* True when port can be bound now on the loopback of both families. A
 * wildcard socket holding the port makes these binds fail too, and the
 * probe itself never opens the port to other machines. */
static bool port_free(uint16_t port, int type)
{
	int fams[2] = { AF_INET, AF_INET6 };
	for (int i = 0; i < 2; i++) {
		int fd = socket(fams[i], type | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			if (fams[i] == AF_INET6 && errno == EAFNOSUPPORT)
				continue; /* a kernel without IPv6 */
			return false;
		}
		struct nc_addr a;
		struct sockaddr_storage ss;
		nc_addr_loopback(fams[i], port, &a);
		socklen_t sl = nc_addr_to_sockaddr(&a, &ss);
		bool ok = bind(fd, (struct sockaddr *)&ss, sl) == 0;
		close(fd);
		if (!ok)
			return false;
	}
	return true;
}

static bool scenario_names_port(const struct nc_scenario *sc, uint16_t port)
{
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		const struct nc_role *role = &sc->role[r];
		if (role->ready_port == port)
			return true;
		for (size_t i = 0; i < role->nsteps; i++)
			if (role->steps[i].ep.kind == NC_EP_ADDR && role->steps[i].ep.port == port)
				return true;
	}
	for (size_t i = 0; i < sc->nwire; i++)
		if (sc->wire[i].src.port == port || sc->wire[i].dst.port == port)
			return true;
	return false;
}

/* The namespace's ephemeral port range (each network namespace has its
 * own), from which the kernel picks the ports of sockets that did not
 * bind one. */
static void ephemeral_range(unsigned *lo, unsigned *hi)
{
	*lo = 32768;
	*hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	if (!f)
		return;
	unsigned a, b;
	if (fscanf(f, "%u %u", &a, &b) == 2 && a > 0 && a <= b && b < 65536) {
		*lo = a;
		*hi = b;
	}
	fclose(f);
}

/* A candidate port for `unused` or a program: not named by the scenario,
 * not `avoid`, free now, and on the host loopback not locked by another
 * variant (whose lock it then takes, held until the supervisor ends). */
static bool port_usable(const struct nc_scenario *sc, uint16_t p, uint16_t avoid, int type,
			int *lock_fd)
{
	if (p == avoid || scenario_names_port(sc, p))
		return false;
	if (lock_fd && nc_hostports_lock_one(p, lock_fd) != 1)
		return false;
	if (port_free(p, type))
		return true;
	if (lock_fd) {
		close(*lock_fd);
		*lock_fd = -1;
	}
	return false;
}

uint16_t nc_port_outside_ephemeral(const struct nc_scenario *sc, uint16_t avoid, int *lock_fd)
{
	int type = sc->transport == NC_TRANSPORT_TCP ? SOCK_STREAM : SOCK_DGRAM;
	unsigned lo, hi;
	ephemeral_range(&lo, &hi);
	/* Below the range first, then above it: a socket that binds no port
	 * of its own is never given one from there, so a connected client
	 * can never be talking to itself, and no connect() of another variant
	 * on the host can take a program's port before the program binds it.
	 * On the host, variants start the search at different places among
	 * the 1024 ports below the range, so that they do not all queue for
	 * the same locks (and the lock files stay few). */
	unsigned below = lo > 1024 ? lo - 1024 : 0;
	unsigned spread = below < 1024 ? below : 1024;
	unsigned start = lock_fd && spread ? (unsigned)getpid() % spread : 0;
	for (unsigned k = 0; k < below; k++) {
		uint16_t p = (uint16_t)(lo - 1 - (start + k) % below);
		if (port_usable(sc, p, avoid, type, lock_fd))
			return p;
	}
	for (unsigned p = hi + 1; p <= 65535; p++)
		if (port_usable(sc, (uint16_t)p, avoid, type, lock_fd))
			return (uint16_t)p;
	return 9; /* discard: nothing listens there in a namespace of our own */
}

uint16_t nc_sup_unused_port(struct sup *s)
{
	bool host = s->job->opts->ns.mode == NC_NS_HOST;
	return nc_port_outside_ephemeral(s->sc, 0, host ? &s->port_lock[0] : NULL);
}

uint16_t nc_sup_free_port(struct sup *s)
{
	/* On the host loopback a port is taken from outside the ephemeral
	 * range, and locked, as `unused` is. */
	if (s->job->opts->ns.mode == NC_NS_HOST)
		return nc_port_outside_ephemeral(s->sc, s->obs.unused_port, &s->port_lock[1]);
	/* In a namespace of its own nothing else binds: the kernel's choice,
	 * bound and released at once. A dual-stack socket reserves the number
	 * for both families while asking. */
	const struct nc_scenario *sc = s->sc;
	int type = sc->transport == NC_TRANSPORT_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint16_t port = 0;
	if (fd >= 0) {
		int off = 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		close(fd);
	}
	if (!port) {
		fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		len = sizeof(ss);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		if (fd >= 0)
			close(fd);
	}
	return port ? port : 9;
}
