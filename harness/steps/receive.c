/* receive.c: a built-in role's receiving side: receive steps, with the
 * streaming comparison against the expected payload (record.h) and the
 * wait of an expected silence, and what a close or the role's end finds
 * received and never read.
 */
#include "steps/role_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "scenario/payload.h"
#include "util/clock.h"
#include "util/digest.h"

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
void nc_role_close_unread(struct role_state *s, const struct nc_step *st, const struct sock *k,
			  struct nc_fact *f)
{
	const struct nc_expect *ex = &st->expect;
	struct compare cmp;
	memset(&cmp, 0, sizeof(cmp));
	if (ex->kind == NC_EXPECT_UNREAD && ex->unread == NC_EXPECT_BYTES) {
		enum nc_var miss;
		if (nc_payload_open(&cmp.gen, &ex->payload, &s->vars, &miss) < 0) {
			nc_role_missing_var(f, miss);
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
void nc_role_report_left_unread(struct role_state *s, const struct sock *k)
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
		u.t = nc_role_now(s);
		nc_role_sock_name(k->fd, &u.local);
		nc_role_peer_name(k->fd, &u.peer);
		nc_buf_add(&u.bytes, f.actual.data, f.actual.len);
		nc_rec_unread(&s->out, &u);
		nc_unread_free(&u);
	}
	nc_fact_free(&f);
}

/* ------------------------------------------------------------------------ */
/* Receiving */

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

/* How many bytes a receive expects, with the comparison set up for a data
 * expectation; -1 (noted in f) when a variable of it has no value. */
static int recv_target(struct role_state *s, const struct nc_expect *ex, struct compare *cmp,
		       struct nc_fact *f, uint64_t *target)
{
	memset(cmp, 0, sizeof(*cmp));
	*target = 0;
	if (ex->kind == NC_EXPECT_BYTES || ex->kind == NC_EXPECT_PREFIX) {
		enum nc_var miss;
		if (nc_payload_open(&cmp->gen, &ex->payload, &s->vars, &miss) < 0) {
			nc_role_missing_var(f, miss);
			return -1;
		}
		cmp->active = true;
		cmp->limit = cmp->gen.len;
		*target = cmp->gen.len;
		f->compared = true;
		f->expected_len = cmp->gen.len;
	} else if (ex->kind == NC_EXPECT_LEN) {
		*target = ex->len;
		f->expected_len = ex->len;
	}
	return 0;
}

/* Accounts for n bytes one call received (r is what it returned): the
 * stream's summary, or a datagram record, for the wire checks. */
static void note_received(struct role_state *s, struct sock *k, const struct nc_fact *f,
			  const uint8_t *buf, size_t n, ssize_t r)
{
	if (k->stream) {
		nc_streamsum_update(&k->st.recvd, buf, n);
		return;
	}
	struct nc_dgram d = { .sent = false, .step = f->step, .peer = f->peer,
			      .len = (uint64_t)r, .copied = n,
			      .digest = nc_digest_bytes(buf, n), .t = nc_role_now(s) };
	nc_role_sock_name(k->fd, &d.local);
	nc_rec_dgram(&s->out, &d);
}

void nc_role_recv(struct role_state *s, const struct nc_step *st, struct nc_fact *f)
{
	struct sock *k = nc_role_need_socket(s, f);
	if (!k)
		return;
	const struct nc_expect *ex = &st->expect;
	bool stream = k->stream;
	struct compare cmp;
	uint64_t target;
	if (recv_target(s, ex, &cmp, f, &target) < 0)
		return;
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
		note_received(s, k, f, buf, n, r);
		got += n;
		if (!multi || differs)
			break;
	}
	/* recvmsg reports no source on a connected stream; the peer is the
	 * socket's, so `from` can be judged on TCP too. */
	if (stream && !f->peer.family)
		nc_role_peer_name(k->fd, &f->peer);
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
