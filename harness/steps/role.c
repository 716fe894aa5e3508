/* role.c: executes a built-in role's steps and records what happened.
 *
 * A role owns at most two sockets: the main one (created explicitly by
 * `socket` or implicitly by the first step that needs it) and, for a TCP
 * server, the connection `accept` returned. Data steps act on the
 * connection when there is one, else on the main socket; `close` closes the
 * connection first, then the main socket.
 */
#include "steps/role.h"
#include "steps/role_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scenario/names.h"
#include "scenario/payload.h"
#include "steps/vars.h"
#include "util/clock.h"
#include "util/digest.h"

#define SEND_CHUNK (256u * 1024u)

int nc_role_family(enum nc_family fam, enum nc_role_id role)
{
	switch (fam) {
	case NC_FAM_INET: return AF_INET;
	case NC_FAM_INET6: return AF_INET6;
	case NC_FAM_DUAL: return role == NC_ROLE_SERVER ? AF_INET6 : AF_INET;
	}
	return AF_INET;
}

void nc_role_loopback(enum nc_family fam, enum nc_role_id role, uint16_t port, struct nc_addr *a)
{
	int sock_family = nc_role_family(fam, role);
	if (fam == NC_FAM_DUAL && sock_family == AF_INET6) {
		/* A dual-stack server binds the v4-mapped loopback, so it
		 * receives IPv4 peers without listening on every address. */
		struct nc_addr v4;
		nc_addr_loopback(AF_INET, port, &v4);
		nc_addr_usable(&v4, AF_INET6, a);
	} else {
		nc_addr_loopback(sock_family, port, a);
	}
}

uint32_t nc_role_setup_steps(const struct nc_role *r)
{
	uint32_t i = 0;
	for (; i < r->nsteps; i++) {
		enum nc_step_kind k = r->steps[i].kind;
		if (k != NC_STEP_SOCKET && k != NC_STEP_SETSOCKOPT && k != NC_STEP_NONBLOCK &&
		    k != NC_STEP_BIND && k != NC_STEP_LISTEN)
			break;
	}
	return i;
}

/* ------------------------------------------------------------------------ */
/* Records */

int64_t nc_role_now(const struct role_state *s)
{
	return nc_now_ns() - s->ctx->epoch_ns;
}

/* Writes out all pending record bytes. A supervisor that has gone away
 * leaves nobody to report to, so the role stops. */
static int flush(struct role_state *s)
{
	size_t off = 0;
	while (off < s->out.len) {
		ssize_t n = write(s->ctx->rec_fd, s->out.data + off, s->out.len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	nc_buf_reset(&s->out);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Addresses and variables */


static struct sock *cur(struct role_state *s)
{
	return s->conn.fd >= 0 ? &s->conn : &s->main;
}

bool nc_role_sock_name(int fd, struct nc_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(a, 0, sizeof(*a));
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	nc_addr_from_sockaddr(a, (struct sockaddr *)&ss);
	return a->family != 0;
}

bool nc_role_peer_name(int fd, struct nc_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(a, 0, sizeof(*a));
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return false;
	nc_addr_from_sockaddr(a, (struct sockaddr *)&ss);
	return a->family != 0;
}

/* Refreshes the variables from what this role knows now. The server knows
 * the client only as it observed it; the client knows itself from its own
 * socket. Cross-checking the two views is the supervisor's job. */
static void refresh_vars(struct role_state *s)
{
	const struct nc_role_ctx *c = s->ctx;
	struct nc_addr a;
	nc_vars_base(&s->vars, s->val, c->family, c->sc->name, c->unused_port);
	if (c->role == NC_ROLE_SERVER) {
		if (nc_role_sock_name(s->main.fd, &a)) {
			if (nc_addr_is_any(&a))
				nc_addr_loopback(a.family, a.port, &a);
			nc_vars_addr(&s->vars, s->val, NC_VAR_SERVER_ADDR, NC_VAR_SERVER_PORT, &a);
		}
		if (s->have_observed)
			nc_vars_addr(&s->vars, s->val, NC_VAR_CLIENT_ADDR, NC_VAR_CLIENT_PORT, &s->observed);
	} else {
		if (c->server.family) {
			nc_addr_usable(&c->server, nc_role_family(c->family, NC_ROLE_CLIENT), &a);
			nc_vars_addr(&s->vars, s->val, NC_VAR_SERVER_ADDR, NC_VAR_SERVER_PORT, &a);
		}
		if (nc_role_sock_name(cur(s)->fd, &a) && a.port != 0) {
			/* An unconnected datagram socket reports the wildcard; on
			 * loopback the kernel sends from the loopback address. */
			if (nc_addr_is_any(&a))
				nc_addr_loopback(a.family, a.port, &a);
			nc_vars_addr(&s->vars, s->val, NC_VAR_CLIENT_ADDR, NC_VAR_CLIENT_PORT, &a);
		}
	}
}

static void resolve_bind(struct role_state *s, const struct nc_endpoint *ep, int sock_family,
			 struct nc_addr *a)
{
	memset(a, 0, sizeof(*a));
	uint16_t port = ep->port > 0 ? (uint16_t)ep->port : 0;
	switch (ep->host) {
	case NC_HOST_LOOPBACK:
		if (s->ctx->family == NC_FAM_DUAL && sock_family == AF_INET6)
			nc_role_loopback(NC_FAM_DUAL, NC_ROLE_SERVER, port, a);
		else
			nc_addr_loopback(sock_family, port, a);
		return;
	case NC_HOST_ANY:
		a->family = sock_family;
		a->port = port;
		return;
	case NC_HOST_LITERAL: {
		struct nc_addr lit;
		memset(&lit, 0, sizeof(lit));
		lit.family = ep->lit_family;
		memcpy(lit.ip, ep->lit_addr, 16);
		lit.port = port;
		*a = lit;
		if (sock_family == AF_INET6 && lit.family == AF_INET)
			nc_addr_usable(&lit, AF_INET6, a);
		return;
	}
	}
}

/* Resolves a connect or sendto target; returns false with a note when the
 * target is not known yet. */
static bool resolve_target(struct role_state *s, const struct nc_endpoint *ep, int sock_family,
			   struct nc_addr *a, char *note, size_t notelen)
{
	const struct nc_role_ctx *c = s->ctx;
	switch (ep->kind) {
	case NC_EP_SERVER:
		if (c->role == NC_ROLE_SERVER) {
			struct nc_addr self;
			if (!nc_role_sock_name(s->main.fd, &self)) {
				snprintf(note, notelen, "the server's own address is not known (no bound socket)");
				return false;
			}
			nc_addr_usable(&self, sock_family, a);
			return true;
		}
		if (!c->server.family) {
			snprintf(note, notelen, "the server's address is not known (the scenario has "
				 "no server, or it did not bind)");
			return false;
		}
		nc_addr_usable(&c->server, sock_family, a);
		return true;
	case NC_EP_CLIENT:
		if (c->role == NC_ROLE_SERVER && s->have_observed) {
			nc_addr_usable(&s->observed, sock_family, a);
			return true;
		}
		snprintf(note, notelen, "the client's address is not known here");
		return false;
	case NC_EP_UNUSED:
		nc_addr_loopback(sock_family, c->unused_port, a);
		return true;
	case NC_EP_ADDR:
		resolve_bind(s, ep, sock_family, a);
		if (ep->host == NC_HOST_ANY)
			nc_addr_loopback(sock_family, a->port, a);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------------ */
/* Sockets */

static void sock_init(struct sock *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = -1;
	nc_streamsum_init(&k->st.sent);
	nc_streamsum_init(&k->st.recvd);
}

/* Records the stream summary of a socket that is about to close. */
static void sock_summarize(struct role_state *s, struct sock *k)
{
	if (k->fd < 0 || !k->stream || !k->connected)
		return;
	nc_streamsum_finish(&k->st.sent);
	nc_streamsum_finish(&k->st.recvd);
	nc_rec_stream(&s->out, &k->st);
}

static void sock_close(struct role_state *s, struct sock *k)
{
	sock_summarize(s, k);
	if (k->fd >= 0)
		close(k->fd);
	nc_stream_free(&k->st);
	sock_init(k);
}

static void sock_mark_connected(struct sock *k)
{
	nc_role_sock_name(k->fd, &k->st.local);
	nc_role_peer_name(k->fd, &k->st.peer);
	k->connected = true;
}

static int open_socket(struct role_state *s, int family, struct nc_fact *f)
{
	int fd = socket(family, s->type | SOCK_CLOEXEC, 0);
	f->calls++;
	if (fd < 0) {
		f->err = errno;
		return -1;
	}
	if (family == AF_INET6 && s->ctx->family == NC_FAM_DUAL) {
		int off = 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	}
	sock_close(s, &s->main);
	s->main.fd = fd;
	s->main.stream = s->type == SOCK_STREAM;
	return 0;
}

/* On the host loopback a socket the scenario did not bind would get the
 * wildcard address from the kernel when it listens or sends, reachable
 * from other machines; it gets the loopback of its family instead. A
 * failure here leaves the kernel's choice to the call, which the scenario
 * then judges as usual. */
static void keep_off_wildcard(struct role_state *s, struct sock *k)
{
	struct nc_addr self, lo;
	if (!s->ctx->no_wildcard || !nc_role_sock_name(k->fd, &self) || self.port != 0)
		return;
	if (self.family == AF_INET6 && s->ctx->family == NC_FAM_DUAL)
		nc_role_loopback(NC_FAM_DUAL, NC_ROLE_SERVER, 0, &lo);
	else
		nc_addr_loopback(self.family, 0, &lo);
	struct sockaddr_storage ss;
	socklen_t sl = nc_addr_to_sockaddr(&lo, &ss);
	(void)bind(k->fd, (struct sockaddr *)&ss, sl);
}

/* The socket data steps use, created on first need. */
struct sock *nc_role_need_socket(struct role_state *s, struct nc_fact *f)
{
	struct sock *k = cur(s);
	if (k->fd >= 0)
		return k;
	if (open_socket(s, s->family, f) < 0)
		return NULL;
	return &s->main;
}

void nc_role_missing_var(struct nc_fact *f, enum nc_var v)
{
	snprintf(f->note, sizeof(f->note), "variable ${%s} has no value in this role at this point",
		 nc_var_name(v));
}

/* ------------------------------------------------------------------------ */
/* Steps */

/* Produces a payload's bytes for a single send call. */
static uint8_t *payload_bytes(struct role_state *s, const struct nc_payload *pl, size_t *len,
			      struct nc_fact *f)
{
	struct nc_payload_gen g;
	enum nc_var miss;
	if (nc_payload_open(&g, pl, &s->vars, &miss) < 0) {
		nc_role_missing_var(f, miss);
		return NULL;
	}
	if (g.len > NC_SEND_MAX) {
		snprintf(f->note, sizeof(f->note), "a single send is limited to %u MiB; use sendall "
			 "for larger payloads", (unsigned)(NC_SEND_MAX >> 20));
		nc_payload_close(&g);
		return NULL;
	}
	uint8_t *buf = malloc(g.len ? (size_t)g.len : 1);
	if (!buf) {
		snprintf(f->note, sizeof(f->note), "out of memory for a %llu-byte payload",
			 (unsigned long long)g.len);
		s->harness_failed = true;
		nc_payload_close(&g);
		return NULL;
	}
	*len = (size_t)g.len;
	nc_payload_read(&g, buf, *len);
	nc_payload_close(&g);
	return buf;
}

static void note_sent(struct role_state *s, struct sock *k, const uint8_t *buf, size_t n,
		      struct nc_fact *f, const struct nc_addr *to)
{
	if (k->stream) {
		nc_streamsum_update(&k->st.sent, buf, n);
		return;
	}
	struct nc_dgram d = { .sent = true, .step = f->step, .len = n, .copied = n,
			      .digest = nc_digest_bytes(buf, n), .t = nc_role_now(s) };
	nc_role_sock_name(k->fd, &d.local);
	if (to)
		d.peer = *to;
	else
		nc_role_peer_name(k->fd, &d.peer);
	nc_rec_dgram(&s->out, &d);
}

static void do_send(struct role_state *s, const struct nc_step *st, struct nc_fact *f)
{
	struct sock *k = nc_role_need_socket(s, f);
	if (!k)
		return;
	struct nc_addr to;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	if (st->kind == NC_STEP_SENDTO) {
		struct nc_addr self;
		keep_off_wildcard(s, k);
		int fam = nc_role_sock_name(k->fd, &self) ? self.family : s->family;
		if (!resolve_target(s, &st->ep, fam, &to, f->note, sizeof(f->note)))
			return;
		sl = nc_addr_to_sockaddr(&to, &ss);
		f->peer = to;
	}
	size_t len;
	uint8_t *buf = payload_bytes(s, &st->payload, &len, f);
	if (!buf)
		return;
	for (;;) {
		ssize_t r = st->kind == NC_STEP_SENDTO
			    ? sendto(k->fd, buf, len, st->msg_flags | MSG_NOSIGNAL,
				     (struct sockaddr *)&ss, sl)
			    : send(k->fd, buf, len, st->msg_flags | MSG_NOSIGNAL);
		f->calls++;
		f->ret = r;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			f->err = errno;
			break;
		}
		f->nbytes = (uint64_t)r;
		note_sent(s, k, buf, (size_t)r, f, st->kind == NC_STEP_SENDTO ? &to : NULL);
		break;
	}
	free(buf);
}

static void do_sendall(struct role_state *s, const struct nc_step *st, struct nc_fact *f)
{
	struct sock *k = nc_role_need_socket(s, f);
	if (!k)
		return;
	struct nc_payload_gen g;
	enum nc_var miss;
	if (nc_payload_open(&g, &st->payload, &s->vars, &miss) < 0) {
		nc_role_missing_var(f, miss);
		return;
	}
	uint8_t *buf = malloc(SEND_CHUNK);
	if (!buf) {
		s->harness_failed = true;
		snprintf(f->note, sizeof(f->note), "out of memory");
		nc_payload_close(&g);
		return;
	}
	size_t n;
	while ((n = nc_payload_read(&g, buf, SEND_CHUNK)) > 0) {
		size_t off = 0;
		while (off < n) {
			ssize_t r = send(k->fd, buf + off, n - off, st->msg_flags | MSG_NOSIGNAL);
			f->calls++;
			f->ret = r;
			if (r < 0) {
				if (errno == EINTR)
					continue;
				f->err = errno;
				goto out;
			}
			note_sent(s, k, buf + off, (size_t)r, f, NULL);
			off += (size_t)r;
			f->nbytes += (uint64_t)r;
		}
	}
	f->ret = (int64_t)f->nbytes;
out:
	free(buf);
	nc_payload_close(&g);
}

static void do_setsockopt(struct role_state *s, const struct nc_step *st, struct nc_fact *f)
{
	struct sock *k = nc_role_need_socket(s, f);
	if (!k)
		return;
	const struct nc_sockopt *o = &st->opt;
	int r;
	switch (o->vkind) {
	case NC_OPTVAL_DURATION: {
		struct timeval tv = { .tv_sec = o->ival / NC_SEC,
				      .tv_usec = (o->ival % NC_SEC) / 1000 };
		r = setsockopt(k->fd, o->level, o->name, &tv, sizeof(tv));
		if (r == 0 && o->name == SO_RCVTIMEO && o->level == SOL_SOCKET)
			k->rcvtimeo = o->ival != 0;
		break;
	}
	case NC_OPTVAL_LINGER: {
		struct linger l = { .l_onoff = o->linger_on, .l_linger = (int)o->ival };
		r = setsockopt(k->fd, o->level, o->name, &l, sizeof(l));
		break;
	}
	case NC_OPTVAL_INT:
	default: {
		int v = (int)o->ival;
		r = setsockopt(k->fd, o->level, o->name, &v, sizeof(v));
		break;
	}
	}
	f->calls++;
	f->ret = r;
	if (r < 0)
		f->err = errno;
}

/* close: the connection, else the main socket, after noting what it
 * leaves unread. */
static void do_close(struct role_state *s, const struct nc_step *st, struct nc_fact *f)
{
	struct sock *k = cur(s);
	f->calls++;
	if (k->fd < 0) {
		f->ret = -1;
		f->err = EBADF;
		return;
	}
	nc_role_close_unread(s, st, k, f);
	sock_summarize(s, k);
	k->connected = false;
	int r = close(k->fd);
	f->ret = r;
	if (r < 0)
		f->err = errno;
	k->fd = -1;
	sock_close(s, k);
}

static void run_step(struct role_state *s, const struct nc_step *st, struct nc_fact *f)
{
	struct sock *k;
	struct nc_addr a;
	struct sockaddr_storage ss;
	socklen_t sl;
	int r = 0;
	switch (st->kind) {
	case NC_STEP_SOCKET:
		open_socket(s, st->sock_family ? st->sock_family : s->family, f);
		f->ret = s->main.fd;
		return;
	case NC_STEP_BIND: {
		if (!(k = nc_role_need_socket(s, f)))
			return;
		struct nc_addr self;
		int fam = nc_role_sock_name(k->fd, &self) ? self.family : s->family;
		resolve_bind(s, &st->ep, fam, &a);
		sl = nc_addr_to_sockaddr(&a, &ss);
		r = bind(k->fd, (struct sockaddr *)&ss, sl);
		break;
	}
	case NC_STEP_LISTEN:
		if (!(k = nc_role_need_socket(s, f)))
			return;
		keep_off_wildcard(s, k);
		r = listen(k->fd, (int)st->size);
		break;
	case NC_STEP_ACCEPT: {
		if (s->main.fd < 0 && !nc_role_need_socket(s, f))
			return;
		sl = sizeof(ss);
		do {
			r = accept4(s->main.fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
			f->calls++;
		} while (r < 0 && errno == EINTR);
		f->ret = r;
		if (r < 0) {
			f->err = errno;
			return;
		}
		sock_close(s, &s->conn);
		s->conn.fd = r;
		s->conn.stream = true;
		s->conn.rcvtimeo = s->main.rcvtimeo;
		sock_mark_connected(&s->conn);
		nc_addr_from_sockaddr(&f->peer, (struct sockaddr *)&ss);
		s->observed = f->peer;
		s->have_observed = true;
		return;
	}
	case NC_STEP_CONNECT: {
		if (!(k = nc_role_need_socket(s, f)))
			return;
		struct nc_addr self;
		int fam = nc_role_sock_name(k->fd, &self) ? self.family : s->family;
		if (!resolve_target(s, &st->ep, fam, &a, f->note, sizeof(f->note)))
			return;
		sl = nc_addr_to_sockaddr(&a, &ss);
		f->peer = a;
		do {
			r = connect(k->fd, (struct sockaddr *)&ss, sl);
			f->calls++;
		} while (r < 0 && errno == EINTR);
		f->ret = r;
		if (r < 0) {
			f->err = errno;
			return;
		}
		if (k->stream)
			sock_mark_connected(k);
		return;
	}
	case NC_STEP_SEND:
	case NC_STEP_SENDTO:
		do_send(s, st, f);
		return;
	case NC_STEP_SENDALL:
		do_sendall(s, st, f);
		return;
	case NC_STEP_RECV:
	case NC_STEP_RECVFROM:
		nc_role_recv(s, st, f);
		return;
	case NC_STEP_SETSOCKOPT:
		do_setsockopt(s, st, f);
		return;
	case NC_STEP_NONBLOCK: {
		if (!(k = nc_role_need_socket(s, f)))
			return;
		int fl = fcntl(k->fd, F_GETFL);
		r = fl < 0 ? -1 : fcntl(k->fd, F_SETFL, st->on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
		break;
	}
	case NC_STEP_SHUTDOWN:
		k = cur(s);
		r = shutdown(k->fd, st->how);
		break;
	case NC_STEP_CLOSE:
		do_close(s, st, f);
		return;
	case NC_STEP_SLEEP: {
		struct timespec ts = { .tv_sec = st->duration_ns / NC_SEC,
				       .tv_nsec = st->duration_ns % NC_SEC };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		f->calls++;
		return;
	}
	}
	f->calls++;
	f->ret = r;
	if (r < 0)
		f->err = errno;
}

int nc_role_run(const struct nc_role_ctx *ctx)
{
	struct role_state s;
	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.r = &ctx->sc->role[ctx->role];
	s.family = nc_role_family(ctx->family, ctx->role);
	s.type = ctx->sc->transport == NC_TRANSPORT_TCP ? SOCK_STREAM : SOCK_DGRAM;
	sock_init(&s.main);
	sock_init(&s.conn);
	nc_buf_init(&s.out, 0);
	signal(SIGPIPE, SIG_IGN);

	int rc = 0;
	bool ready_sent = ctx->role != NC_ROLE_SERVER;
	for (uint32_t i = 0; i <= s.r->nsteps; i++) {
		if (!ready_sent && i == ctx->ready_after) {
			struct nc_addr bound;
			nc_role_sock_name(s.main.fd, &bound);
			nc_rec_ready(&s.out, &bound);
			ready_sent = true;
			if (flush(&s) < 0)
				return NC_ROLE_EXIT_HARNESS;
		}
		if (i == s.r->nsteps)
			break;
		const struct nc_step *st = &s.r->steps[i];
		refresh_vars(&s);
		struct nc_fact f;
		nc_fact_init(&f);
		f.step = i;
		f.t_start = nc_role_now(&s);
		nc_rec_step_begin(&s.out, i, f.t_start);
		if (flush(&s) < 0) {
			nc_fact_free(&f);
			return NC_ROLE_EXIT_HARNESS;
		}
		errno = 0;
		run_step(&s, st, &f);
		f.t_end = nc_role_now(&s);
		nc_role_sock_name(cur(&s)->fd, &f.local);
		nc_rec_step_end(&s.out, &f);
		nc_fact_free(&f);
		if (flush(&s) < 0)
			return NC_ROLE_EXIT_HARNESS;
	}
	nc_role_report_left_unread(&s, &s.conn);
	nc_role_report_left_unread(&s, &s.main);
	sock_close(&s, &s.conn);
	sock_close(&s, &s.main);
	nc_rec_done(&s.out);
	if (flush(&s) < 0)
		rc = NC_ROLE_EXIT_HARNESS;
	nc_buf_free(&s.out);
	if (s.harness_failed)
		rc = NC_ROLE_EXIT_HARNESS;
	return rc;
}
