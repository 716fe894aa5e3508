/* role.c: executes a built-in role's steps and records what happened.
 *
 * A role owns at most two sockets: the main one (created explicitly by
 * `socket` or implicitly by the first step that needs it) and, for a TCP
 * server, the connection `accept` returned. Data steps act on the
 * connection when there is one, else on the main socket; `close` closes the
 * connection first, then the main socket.
 */
#include "steps/role.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "scenario/names.h"
#include "scenario/payload.h"
#include "steps/vars.h"
#include "util/clock.h"
#include "util/digest.h"

#define SEND_CHUNK (256u * 1024u)
#define SEND_MAX (64u << 20)      /* one send() call's payload */

struct sock {
	int fd;                       /* -1 when closed */
	bool stream;
	bool connected;               /* local/peer known for the summary */
	bool rcvtimeo;                /* the scenario set SO_RCVTIMEO */
	struct nc_stream st;
};

struct role_state {
	const struct nc_role_ctx *ctx;
	const struct nc_role *r;
	int family;                   /* of the next implicit socket */
	int type;                     /* SOCK_DGRAM or SOCK_STREAM */
	struct sock main;
	struct sock conn;
	struct nc_addr observed;      /* server: the client as observed */
	bool have_observed;
	char val[NC_VAR_COUNT][NC_VAR_LEN];
	struct nc_varctx vars;
	struct nc_buf out;            /* record frames waiting to be written */
	bool harness_failed;
};

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

static int64_t rel_now(const struct role_state *s)
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

static bool sock_name(int fd, struct nc_addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	memset(a, 0, sizeof(*a));
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
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
		if (sock_name(s->main.fd, &a)) {
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
		if (sock_name(cur(s)->fd, &a) && a.port != 0) {
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
			if (!sock_name(s->main.fd, &self)) {
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
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	sock_name(k->fd, &k->st.local);
	if (getpeername(k->fd, (struct sockaddr *)&ss, &len) == 0)
		nc_addr_from_sockaddr(&k->st.peer, (struct sockaddr *)&ss);
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
	if (!s->ctx->no_wildcard || !sock_name(k->fd, &self) || self.port != 0)
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
static struct sock *need_socket(struct role_state *s, struct nc_fact *f)
{
	struct sock *k = cur(s);
	if (k->fd >= 0)
		return k;
	if (open_socket(s, s->family, f) < 0)
		return NULL;
	return &s->main;
}

/* ------------------------------------------------------------------------ */
/* Payload comparison for receive steps */

struct compare {
	struct nc_payload_gen gen;
	bool active;
	uint64_t limit;           /* bytes that are compared */
	bool window_moved;        /* the excerpt was re-anchored at the difference */
	uint8_t tmp[4096];
};

/* Compares the chunk at stream offset off against the expected payload, and
 * keeps the excerpt of actual bytes around the first difference. */
static void compare_chunk(struct compare *cmp, struct nc_fact *f, uint64_t off,
			  const uint8_t *p, size_t n)
{
	if (!cmp->active) {
		if (f->actual.len < NC_EXCERPT_MAX)
			nc_buf_add(&f->actual, p, n);
		f->actual.dropped = 0;
		return;
	}
	for (size_t i = 0; i < n && f->diff_at < 0;) {
		uint64_t at = off + i;
		if (at >= cmp->limit)
			break;
		size_t take = n - i;
		if (take > sizeof(cmp->tmp))
			take = sizeof(cmp->tmp);
		if (take > cmp->limit - at)
			take = (size_t)(cmp->limit - at);
		nc_payload_at(&cmp->gen, at, cmp->tmp, take);
		if (memcmp(cmp->tmp, p + i, take) != 0) {
			size_t k = 0;
			while (cmp->tmp[k] == p[i + k])
				k++;
			f->diff_at = (int64_t)(at + k);
			break;
		}
		i += take;
	}
	/* Keep the first bytes, or, when the difference lies beyond them,
	 * re-anchor the excerpt shortly before it. */
	if (f->diff_at >= 0 && !cmp->window_moved &&
	    (uint64_t)f->diff_at >= NC_EXCERPT_MAX / 2 &&
	    (uint64_t)f->diff_at >= off) {
		uint64_t w = ((uint64_t)f->diff_at - 256) & ~(uint64_t)15;
		if (w < off)
			w = off;
		nc_buf_reset(&f->actual);
		nc_buf_add(&f->actual, p + (w - off), (size_t)(n - (w - off)));
		f->excerpt_off = w;
		cmp->window_moved = true;
	} else if (f->excerpt_off + f->actual.len == off) {
		nc_buf_add(&f->actual, p, n);
	}
	f->actual.dropped = 0;
}

static void compare_finish(struct compare *cmp, struct nc_fact *f, uint64_t got)
{
	if (!cmp->active)
		return;
	if (f->diff_at < 0 && got < cmp->limit)
		f->diff_at = (int64_t)got; /* the data ended early */
	uint64_t len = cmp->gen.len > f->excerpt_off ? cmp->gen.len - f->excerpt_off : 0;
	if (len > NC_EXCERPT_MAX)
		len = NC_EXCERPT_MAX;
	uint8_t buf[NC_EXCERPT_MAX];
	nc_payload_at(&cmp->gen, f->excerpt_off, buf, (size_t)len);
	nc_buf_add(&f->expected, buf, (size_t)len);
	nc_payload_close(&cmp->gen);
}

/* ------------------------------------------------------------------------ */
/* Bytes left unread */

static void missing_var(struct nc_fact *f, enum nc_var v)
{
	snprintf(f->note, sizeof(f->note), "variable ${%s} has no value in this role at this point",
		 nc_var_name(v));
}

/* The most bytes a close peeks at: the expected unread payload and one
 * more (to see that there are more), or an excerpt's worth. */
#define UNREAD_PEEK_MAX (64u << 20)

/* Received bytes waiting unread in a stream socket about to close: their
 * count (from SIOCINQ, which counts no FIN), and the first of them, peeked
 * so that the kernel still sees them unread and answers the close with
 * RST as it would have. With an active comparison they are compared with
 * the expected unread bytes, the first difference in f->diff_at. */
static uint64_t peek_unread(const struct sock *k, struct compare *cmp, struct nc_fact *f)
{
	int n = 0;
	if (k->fd < 0 || !k->stream || ioctl(k->fd, SIOCINQ, &n) < 0 || n <= 0)
		return 0;
	uint64_t want = NC_EXCERPT_MAX;
	if (cmp->active && cmp->limit + 1 > want)
		want = cmp->limit + 1 < UNREAD_PEEK_MAX ? cmp->limit + 1 : UNREAD_PEEK_MAX;
	if ((uint64_t)n < want)
		want = (uint64_t)n;
	uint8_t *buf = malloc((size_t)want);
	ssize_t r = buf ? recv(k->fd, buf, (size_t)want, MSG_PEEK | MSG_DONTWAIT) : -1;
	if (r > 0)
		compare_chunk(cmp, f, 0, buf, (size_t)r);
	free(buf);
	return (uint64_t)n;
}

/* A close step: what was left unread, judged against '=> unread' when
 * the scenario expects bytes there. */
static void close_unread(struct role_state *s, const struct nc_step *st, const struct sock *k,
			 struct nc_fact *f)
{
	const struct nc_expect *ex = &st->expect;
	struct compare cmp;
	memset(&cmp, 0, sizeof(cmp));
	if (ex->kind == NC_EXPECT_UNREAD && ex->unread == NC_EXPECT_BYTES) {
		enum nc_var miss;
		if (nc_payload_open(&cmp.gen, &ex->payload, &s->vars, &miss) < 0) {
			missing_var(f, miss);
			return;
		}
		cmp.active = true;
		cmp.limit = cmp.gen.len;
		f->compared = true;
		f->expected_len = cmp.gen.len;
	}
	f->unread = peek_unread(k, &cmp, f);
	if (!cmp.active)
		return;
	if (f->unread > cmp.limit && f->diff_at < 0)
		f->diff_at = (int64_t)cmp.limit;
	compare_finish(&cmp, f, f->unread);
}

/* At the role's end: a stream socket still open with bytes no step read
 * is reported, with the first of them. */
static void report_left_unread(struct role_state *s, const struct sock *k)
{
	struct compare none;
	struct nc_fact f;
	memset(&none, 0, sizeof(none));
	nc_fact_init(&f);
	uint64_t n = peek_unread(k, &none, &f);
	if (n) {
		struct nc_unread u;
		nc_unread_init(&u);
		u.count = n;
		u.t = rel_now(s);
		sock_name(k->fd, &u.local);
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (getpeername(k->fd, (struct sockaddr *)&ss, &sl) == 0)
			nc_addr_from_sockaddr(&u.peer, (struct sockaddr *)&ss);
		nc_buf_add(&u.bytes, f.actual.data, f.actual.len);
		nc_rec_unread(&s->out, &u);
		nc_unread_free(&u);
	}
	nc_fact_free(&f);
}

/* ------------------------------------------------------------------------ */
/* Steps */

/* How long a multi-call receive may wait in total before it stops on its
 * own, reporting what it got: shortly before the supervisor would kill it. */
static int64_t graceful_deadline(const struct role_state *s, const struct nc_step *st,
				 int64_t start)
{
	const struct nc_role_ctx *c = s->ctx;
	int64_t end = c->deadline_ns;
	int64_t margin = (end - c->epoch_ns) / 10;
	if (margin < 100 * NC_MS)
		margin = 100 * NC_MS;
	end -= margin;
	int64_t step_limit = st->deadline_ns ? st->deadline_ns : c->sc->step_timeout_ns;
	if (step_limit) {
		int64_t e = start + (int64_t)((double)step_limit * c->timeout_scale);
		if (e < end)
			end = e;
	}
	return end;
}

/* The wait of a '=> none within D' receive, polling rather than relying
 * on SO_RCVTIMEO: 1 when nothing arrived for D (f->silent), or when the
 * variant's deadline came first (f->deadline_hit); 0 when something is
 * there to be received; -1 when an error ended the wait (in f). Data, the
 * end of the stream and a pending error all end it; a wake-up with nothing
 * to read does not. */
static int await_silence(struct role_state *s, const struct nc_step *st, const struct sock *k,
			 struct nc_fact *f)
{
	int64_t start = f->t_start + s->ctx->epoch_ns;
	/* Not scaled by --timeout-scale: a longer silence would be a stricter
	 * expectation, not a more lenient one. */
	int64_t end = start + st->expect.silence_ns;
	int64_t limit = graceful_deadline(s, st, start);
	bool cut = limit < end;
	if (cut)
		end = limit;
	for (;;) {
		int64_t left = end - nc_now_ns();
		if (left <= 0)
			break;
		struct pollfd pfd = { .fd = k->fd, .events = POLLIN };
		int pr = poll(&pfd, 1, (int)((left + NC_MS - 1) / NC_MS));
		if (pr < 0 && errno != EINTR)
			return 0; /* the receive itself will say what is wrong */
		if (pr <= 0)
			continue; /* the time is up, or a signal: the loop looks again */
		uint8_t byte;
		f->calls++;
		if (recv(k->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
			return 0;
		if (errno == EAGAIN || errno == EINTR)
			continue;
		/* Reading a pending error clears it, so it is recorded here. */
		f->err = errno;
		f->ret = -1;
		return -1;
	}
	if (cut)
		f->deadline_hit = true;
	else
		f->silent = true;
	return 1;
}

static void do_recv(struct role_state *s, const struct nc_step *st, struct nc_fact *f)
{
	struct sock *k = need_socket(s, f);
	if (!k)
		return;
	const struct nc_expect *ex = &st->expect;
	bool stream = k->stream;
	struct compare cmp;
	memset(&cmp, 0, sizeof(cmp));
	uint64_t target = 0;
	if (ex->kind == NC_EXPECT_BYTES || ex->kind == NC_EXPECT_PREFIX) {
		enum nc_var miss;
		if (nc_payload_open(&cmp.gen, &ex->payload, &s->vars, &miss) < 0) {
			missing_var(f, miss);
			return;
		}
		cmp.active = true;
		cmp.limit = cmp.gen.len;
		target = cmp.gen.len;
		f->compared = true;
		f->expected_len = cmp.gen.len;
	} else if (ex->kind == NC_EXPECT_LEN) {
		target = ex->len;
		f->expected_len = ex->len;
	}
	/* A peek returns the same bytes again, so it is always one call. */
	bool multi = stream && !ex->once && !(st->msg_flags & MSG_PEEK) &&
		     (ex->kind == NC_EXPECT_BYTES || ex->kind == NC_EXPECT_PREFIX ||
		      ex->kind == NC_EXPECT_LEN);
	size_t bufsize = st->size ? (size_t)st->size : 1;
	uint8_t *buf = malloc(bufsize);
	if (!buf) {
		snprintf(f->note, sizeof(f->note), "cannot allocate a %zu-byte receive buffer", bufsize);
		s->harness_failed = true;
		if (cmp.active)
			nc_payload_close(&cmp.gen);
		return;
	}
	int flags = st->msg_flags | (stream ? 0 : MSG_TRUNC);
	if (ex->kind == NC_EXPECT_NONE) {
		/* What ended the silence is received in one call, and shown. */
		if (await_silence(s, st, k, f) != 0) {
			free(buf);
			return;
		}
		flags |= MSG_DONTWAIT;
	}
	int64_t deadline = graceful_deadline(s, st, f->t_start + s->ctx->epoch_ns);
	int fl = fcntl(k->fd, F_GETFL);
	bool blocking = fl >= 0 && !(fl & O_NONBLOCK) && !(st->msg_flags & MSG_DONTWAIT);
	uint64_t got = 0;
	for (;;) {
		size_t want = bufsize;
		if (multi) {
			if (got >= target)
				break;
			if (target - got < want)
				want = (size_t)(target - got);
			if (blocking && !k->rcvtimeo) {
				int64_t left = deadline - nc_now_ns();
				struct pollfd pfd = { .fd = k->fd, .events = POLLIN };
				int pr = left > 0 ? poll(&pfd, 1, (int)(left / NC_MS) + 1) : 0;
				if (pr == 0) {
					f->deadline_hit = true;
					break;
				}
			}
		} else if (!stream && st->size == 0) {
			want = 0;
		}
		struct sockaddr_storage ss;
		struct iovec iov = { .iov_base = buf, .iov_len = want };
		struct msghdr mh = { .msg_name = &ss, .msg_namelen = sizeof(ss),
				     .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t r = recvmsg(k->fd, &mh, flags);
		f->calls++;
		f->ret = r;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			f->err = errno;
			break;
		}
		f->msg_flags = mh.msg_flags;
		if (mh.msg_namelen > 0) {
			nc_addr_from_sockaddr(&f->peer, (struct sockaddr *)&ss);
			if (s->ctx->role == NC_ROLE_SERVER && f->peer.family) {
				s->observed = f->peer;
				s->have_observed = true;
			}
		}
		size_t n = (size_t)r;
		if (!stream) {
			f->dgram_len = (uint64_t)r;
			if (n > want)
				n = want;
		} else if (r == 0) {
			f->eof = true;
			k->st.recv_eof = true;
			break;
		}
		compare_chunk(&cmp, f, got, buf, n);
		/* Once the bytes differ the step has failed: waiting for the rest
		 * (or for the deadline) would only delay the verdict. */
		bool differs = cmp.active && f->diff_at >= 0;
		if (stream) {
			nc_streamsum_update(&k->st.recvd, buf, n);
		} else {
			struct nc_dgram d = { .sent = false, .step = f->step, .peer = f->peer,
					      .len = (uint64_t)r, .copied = n,
					      .digest = nc_digest_bytes(buf, n), .t = rel_now(s) };
			sock_name(k->fd, &d.local);
			nc_rec_dgram(&s->out, &d);
		}
		got += n;
		if (!multi || differs)
			break;
	}
	/* recvmsg reports no source on a connected stream; the peer is the
	 * socket's, so `from` can be judged on TCP too. */
	if (stream && !f->peer.family) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (getpeername(k->fd, (struct sockaddr *)&ss, &sl) == 0)
			nc_addr_from_sockaddr(&f->peer, (struct sockaddr *)&ss);
	}
	f->nbytes = got;
	if (cmp.active) {
		/* Datagrams and single calls are compared whole: extra bytes are a
		 * difference too, except after a prefix. */
		if (ex->kind == NC_EXPECT_BYTES && got > cmp.limit && f->diff_at < 0)
			f->diff_at = (int64_t)cmp.limit;
		compare_finish(&cmp, f, got);
	}
	free(buf);
}

/* Produces a payload's bytes for a single send call. */
static uint8_t *payload_bytes(struct role_state *s, const struct nc_payload *pl, size_t *len,
			      struct nc_fact *f)
{
	struct nc_payload_gen g;
	enum nc_var miss;
	if (nc_payload_open(&g, pl, &s->vars, &miss) < 0) {
		missing_var(f, miss);
		return NULL;
	}
	if (g.len > SEND_MAX) {
		snprintf(f->note, sizeof(f->note), "a single send is limited to %u MiB; use sendall "
			 "for larger payloads", SEND_MAX >> 20);
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
			      .digest = nc_digest_bytes(buf, n), .t = rel_now(s) };
	sock_name(k->fd, &d.local);
	if (to) {
		d.peer = *to;
	} else {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		if (getpeername(k->fd, (struct sockaddr *)&ss, &sl) == 0)
			nc_addr_from_sockaddr(&d.peer, (struct sockaddr *)&ss);
	}
	nc_rec_dgram(&s->out, &d);
}

static void do_send(struct role_state *s, const struct nc_step *st, struct nc_fact *f)
{
	struct sock *k = need_socket(s, f);
	if (!k)
		return;
	struct nc_addr to;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	if (st->kind == NC_STEP_SENDTO) {
		struct nc_addr self;
		keep_off_wildcard(s, k);
		int fam = sock_name(k->fd, &self) ? self.family : s->family;
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
	struct sock *k = need_socket(s, f);
	if (!k)
		return;
	struct nc_payload_gen g;
	enum nc_var miss;
	if (nc_payload_open(&g, &st->payload, &s->vars, &miss) < 0) {
		missing_var(f, miss);
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
	struct sock *k = need_socket(s, f);
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
		if (!(k = need_socket(s, f)))
			return;
		struct nc_addr self;
		int fam = sock_name(k->fd, &self) ? self.family : s->family;
		resolve_bind(s, &st->ep, fam, &a);
		sl = nc_addr_to_sockaddr(&a, &ss);
		r = bind(k->fd, (struct sockaddr *)&ss, sl);
		break;
	}
	case NC_STEP_LISTEN:
		if (!(k = need_socket(s, f)))
			return;
		keep_off_wildcard(s, k);
		r = listen(k->fd, (int)st->size);
		break;
	case NC_STEP_ACCEPT: {
		if (s->main.fd < 0 && !need_socket(s, f))
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
		if (!(k = need_socket(s, f)))
			return;
		struct nc_addr self;
		int fam = sock_name(k->fd, &self) ? self.family : s->family;
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
		do_recv(s, st, f);
		return;
	case NC_STEP_SETSOCKOPT:
		do_setsockopt(s, st, f);
		return;
	case NC_STEP_NONBLOCK: {
		if (!(k = need_socket(s, f)))
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
		k = cur(s);
		if (k->fd < 0) {
			f->calls++;
			f->ret = -1;
			f->err = EBADF;
			return;
		}
		close_unread(s, st, k, f);
		sock_summarize(s, k);
		k->connected = false;
		r = close(k->fd);
		f->calls++;
		f->ret = r;
		if (r < 0)
			f->err = errno;
		k->fd = -1;
		sock_close(s, k);
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
			sock_name(s.main.fd, &bound);
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
		f.t_start = rel_now(&s);
		nc_rec_step_begin(&s.out, i, f.t_start);
		if (flush(&s) < 0) {
			nc_fact_free(&f);
			return NC_ROLE_EXIT_HARNESS;
		}
		errno = 0;
		run_step(&s, st, &f);
		f.t_end = rel_now(&s);
		sock_name(cur(&s)->fd, &f.local);
		nc_rec_step_end(&s.out, &f);
		nc_fact_free(&f);
		if (flush(&s) < 0)
			return NC_ROLE_EXIT_HARNESS;
	}
	report_left_unread(&s, &s.conn);
	report_left_unread(&s, &s.main);
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
