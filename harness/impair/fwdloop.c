/* fwdloop.c: the forwarder's loop: read, decide, time, write, report
 * (forward.h has the process model). */
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "impair/fwd_int.h"
#include "impair/sched.h"
#include "util/buf.h"
#include "util/clock.h"
#include "wire/packet.h"

#define BATCH 32                      /* frames per recvmmsg */
#define TX_MAX 64                     /* frames per sendmmsg */
#define DRAIN_ROUNDS 8                /* batches read from one socket before the others */
#define STATS_EVERY_NS (20 * NC_MS)   /* how often the sockets' drop counters are read */
#define FLUSH_AT_END_NS NC_SEC        /* the most the last events may take to leave */

struct txq {
	struct mmsghdr m[TX_MAX];
	struct iovec iov[TX_MAX];
	uint8_t *owned[TX_MAX];           /* freed after the send; NULL: the rx buffer's */
	uint64_t index[TX_MAX];
	unsigned n;
};

struct dir {
	unsigned link, d;
	int in, out;                      /* sockets: read from in, write to out */
	struct nc_imp_dir eng;
	struct nc_imp_sched q;
	struct nc_imp_stats st;
	struct txq tx;
};

struct loop {
	struct dir *dirs;                 /* 2 per link: [2i] a->b, [2i+1] b->a */
	size_t ndirs;
	int control, events;
	struct nc_buf ev;                 /* encoded events not written yet */
	size_t ev_off;                    /* how much of ev was written */
	uint8_t *rx;                      /* BATCH slots of `slot` bytes */
	size_t slot;
	struct mmsghdr rxm[BATCH];
	struct iovec rxiov[BATCH];
	struct sockaddr_ll rxaddr[BATCH];
	int64_t next_stats;
	bool fault;
};

/* ---- events ---- */

/* Queues an event of direction D (NULL: of none, a fault before set-up). */
static void emit(struct loop *L, struct dir *D, struct nc_imp_event *ev)
{
	if (D) {
		ev->link = (uint16_t)D->link;
		ev->dir = (uint8_t)D->d;
	}
	if (nc_imp_event_put(&L->ev, ev) < 0 && D)
		D->st.events_lost++;
}

static void frame_event(enum nc_imp_ev_kind kind, unsigned rule, uint64_t match, uint64_t index,
			const uint8_t *data, uint32_t len, struct nc_imp_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->t_ns = nc_now_ns();
	ev->rule = (uint8_t)rule;
	ev->match = match;
	ev->index = index;
	nc_imp_event_frame(ev, data, len);
}

/* Writes what it can of the pending events without blocking. */
static int flush_events(struct loop *L)
{
	while (L->ev_off < L->ev.len) {
		ssize_t w = write(L->events, L->ev.data + L->ev_off, L->ev.len - L->ev_off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -1;
		}
		L->ev_off += (size_t)w;
	}
	if (L->ev_off == L->ev.len) {
		nc_buf_reset(&L->ev);
		L->ev_off = 0;
	} else if (L->ev_off > L->ev.len / 2) {
		memmove(L->ev.data, L->ev.data + L->ev_off, L->ev.len - L->ev_off);
		L->ev.len -= L->ev_off;
		L->ev_off = 0;
	}
	return 0;
}

static void fault(struct loop *L, enum nc_imp_fault what, int err)
{
	struct nc_imp_event ev = { .kind = NC_IMP_EV_FAULT, .t_ns = nc_now_ns(),
				   .rule = NC_IMP_NO_RULE, .other = what, .err = err };
	emit(L, L->ndirs ? &L->dirs[0] : NULL, &ev);
	L->fault = true;
}

/* ---- sending ---- */

static void tx_flush(struct loop *L, struct dir *D)
{
	struct txq *t = &D->tx;
	unsigned done = 0;
	while (done < t->n) {
		int k = sendmmsg(D->out, &t->m[done], t->n - done, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			/* The first frame could not go: report it, go on. */
			int err = errno;
			struct nc_imp_event ev;
			frame_event(NC_IMP_EV_LOSS, NC_IMP_NO_RULE, 0, t->index[done],
				    t->iov[done].iov_base, (uint32_t)t->iov[done].iov_len, &ev);
			ev.err = err;
			emit(L, D, &ev);
			D->st.send_errors++;
			k = 1;
		} else {
			D->st.forwarded += (uint64_t)k;
		}
		done += (unsigned)k;
	}
	for (unsigned i = 0; i < t->n; i++)
		free(t->owned[i]);
	t->n = 0;
}

static void release_due(struct loop *L, struct dir *D, int64_t now);

/* Adds a frame to the direction's send batch; owned is freed once sent.
 * Frames held back until this one had gone follow it at once. */
static void tx_add(struct loop *L, struct dir *D, uint8_t *data, uint32_t len, uint8_t *owned,
		   uint64_t index, uint16_t matched, int64_t now)
{
	struct txq *t = &D->tx;
	if (t->n == TX_MAX)
		tx_flush(L, D);
	unsigned i = t->n++;
	t->iov[i] = (struct iovec){ data, len };
	memset(&t->m[i], 0, sizeof(t->m[i]));
	t->m[i].msg_hdr.msg_iov = &t->iov[i];
	t->m[i].msg_hdr.msg_iovlen = 1;
	t->owned[i] = owned;
	t->index[i] = index;
	if (nc_imp_sched_sent(&D->q, index, matched, now) > 0)
		release_due(L, D, now);
}

/* ---- one frame ---- */

static void overflow(struct loop *L, struct dir *D, const struct nc_imp_verdict *v,
		     const uint8_t *data, uint32_t len)
{
	struct nc_imp_event ev;
	frame_event(NC_IMP_EV_OVERFLOW, NC_IMP_NO_RULE, 0, v->index, data, len, &ev);
	ev.other = nc_imp_sched_count(&D->q);
	emit(L, D, &ev);
	D->st.overflow++;
}

static void report_verdict(struct loop *L, struct dir *D, const struct nc_imp_verdict *v,
			   const uint8_t *data, uint32_t len)
{
	struct nc_imp_event ev;
	for (unsigned i = 0; i < v->ncorrupt; i++) {
		unsigned r = v->corrupt[i].rule;
		frame_event(NC_IMP_EV_CORRUPT, r, v->match[r], v->index, data, len, &ev);
		ev.offset = v->corrupt[i].offset;
		ev.bit = v->corrupt[i].bit;
		emit(L, D, &ev);
	}
	if (v->ncorrupt)
		D->st.corrupted++;
	if (v->copies) {
		unsigned r = v->dup_rule;
		frame_event(NC_IMP_EV_DUPLICATE, r, v->match[r], v->index, data, len, &ev);
		ev.copies = v->copies;
		emit(L, D, &ev);
		D->st.duplicated += v->copies;
	}
	if (v->delay_ns > 0) {
		unsigned r = v->delay_rule;
		frame_event(NC_IMP_EV_DELAY, r, v->match[r], v->index, data, len, &ev);
		ev.amount_ns = v->delay_ns;
		emit(L, D, &ev);
		D->st.delayed++;
	}
}

static void one_frame(struct loop *L, struct dir *D, uint8_t *data, uint32_t len, int64_t now)
{
	D->st.frames++;
	if (!nc_imp_dir_active(&D->eng)) {
		tx_add(L, D, data, len, NULL, ++D->eng.frames, 0, now);
		return;
	}
	struct nc_pkt p;
	nc_pkt_decode(NC_LINK_EN10MB, data, len, len, &p);
	struct nc_imp_verdict v;
	nc_imp_decide(&D->eng, &p, len, &v);
	if (v.drop) {
		struct nc_imp_event ev;
		frame_event(NC_IMP_EV_DROP, v.drop_rule, v.match[v.drop_rule], v.index, data,
			    len, &ev);
		emit(L, D, &ev);
		D->st.dropped++;
		return;
	}
	nc_imp_corrupt(&v, data, len);
	report_verdict(L, D, &v, data, len);
	struct nc_imp_frame fr = { data, len, v.index, v.matched };
	for (uint32_t c = 0; c <= v.copies; c++) {
		int rc = 0;
		if (v.hold)
			rc = nc_imp_sched_hold(&D->q, &fr, now, v.gap, v.hold_max_ns, v.hold_rule);
		else if (nc_imp_sched_needed(&D->q, v.delay_ns, false))
			rc = nc_imp_sched_push(&D->q, &fr, now, v.delay_ns);
		else
			tx_add(L, D, data, len, NULL, v.index, v.matched, now);
		if (rc < 0)
			overflow(L, D, &v, data, len);
	}
}

/* Sends every waiting frame whose time has come. */
static void release_due(struct loop *L, struct dir *D, int64_t now)
{
	struct nc_imp_due due;
	while (nc_imp_sched_pop(&D->q, now, &due)) {
		struct nc_imp_event ev;
		if (due.was_held) {
			frame_event(NC_IMP_EV_REORDER, due.rule, 0, due.index, due.data,
				    due.len, &ev);
			ev.amount_ns = now - due.queued;
			ev.other = due.timed_out ? 0 : due.overtaken_by;
			emit(L, D, &ev);
			D->st.reordered++;
		} else if (D->q.rate_bps) {
			int64_t waited = due.due - due.queued - due.delay;
			if (waited > 0) {
				frame_event(NC_IMP_EV_RATE, NC_IMP_NO_RULE, 0, due.index,
					    due.data, due.len, &ev);
				ev.amount_ns = waited;
				emit(L, D, &ev);
			}
		}
		tx_add(L, D, due.data, due.len, due.data, due.index, due.matched, now);
	}
	D->st.overflow += D->q.lost;
	D->q.lost = 0;
}

/* ---- reading ---- */

/* Reads up to DRAIN_ROUNDS batches from one direction's socket. Returns
 * true when the socket may have more. */
static bool read_dir(struct loop *L, struct dir *D)
{
	for (int round = 0; round < DRAIN_ROUNDS; round++) {
		for (int i = 0; i < BATCH; i++) {
			L->rxiov[i] = (struct iovec){ L->rx + (size_t)i * L->slot, L->slot };
			memset(&L->rxm[i], 0, sizeof(L->rxm[i]));
			L->rxm[i].msg_hdr.msg_iov = &L->rxiov[i];
			L->rxm[i].msg_hdr.msg_iovlen = 1;
			L->rxm[i].msg_hdr.msg_name = &L->rxaddr[i];
			L->rxm[i].msg_hdr.msg_namelen = sizeof(L->rxaddr[i]);
		}
		int k = recvmmsg(D->in, L->rxm, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return false;
			fault(L, NC_IMP_FAULT_RECV, errno);
			return false;
		}
		int64_t now = nc_now_ns();
		for (int i = 0; i < k; i++) {
			uint8_t *data = L->rxiov[i].iov_base;
			uint32_t len = L->rxm[i].msg_len;
			/* Our own sends, on a kernel that ignores PACKET_IGNORE_OUTGOING. */
			if (L->rxaddr[i].sll_pkttype == PACKET_OUTGOING)
				continue;
			if (len > L->slot) {
				/* Larger than the MTU: offloads left on. It cannot be
				 * written out again; say so. */
				struct nc_imp_event ev;
				frame_event(NC_IMP_EV_LOSS, NC_IMP_NO_RULE, 0, 0, data,
					    (uint32_t)L->slot, &ev);
				ev.len = len;
				ev.err = EMSGSIZE;
				emit(L, D, &ev);
				D->st.send_errors++;
				continue;
			}
			one_frame(L, D, data, len, now);
		}
		/* The batch's frames point into the receive buffer: out they go
		 * before it is read into again. */
		tx_flush(L, D);
		if (k < BATCH)
			return false;
	}
	return true;
}

static void read_kernel_drops(struct loop *L, struct dir *D)
{
	struct tpacket_stats ts;
	socklen_t n = sizeof(ts);
	if (getsockopt(D->in, SOL_PACKET, PACKET_STATISTICS, &ts, &n) < 0 || ts.tp_drops == 0)
		return;
	struct nc_imp_event ev = { .kind = NC_IMP_EV_LOSS, .t_ns = nc_now_ns(),
				   .rule = NC_IMP_NO_RULE, .other = ts.tp_drops };
	emit(L, D, &ev);
	D->st.kernel_drops += ts.tp_drops;
}

/* ---- the loop ---- */

static int64_t next_due(const struct loop *L)
{
	int64_t next = L->next_stats;
	for (size_t i = 0; i < L->ndirs; i++) {
		int64_t t = nc_imp_sched_next(&L->dirs[i].q);
		if (t < next)
			next = t;
	}
	return next;
}

static void run(struct loop *L)
{
	size_t nfds = L->ndirs + 2;
	struct pollfd *pf = calloc(nfds, sizeof(*pf));
	if (!pf) {
		fault(L, NC_IMP_FAULT_MEMORY, ENOMEM);
		return;
	}
	bool more = false;
	while (!L->fault) {
		int64_t now = nc_now_ns();
		int64_t wait = more ? 0 : next_due(L) - now;
		struct timespec ts = { wait > 0 ? wait / NC_SEC : 0, wait > 0 ? wait % NC_SEC : 0 };
		for (size_t i = 0; i < L->ndirs; i++)
			pf[i] = (struct pollfd){ .fd = L->dirs[i].in, .events = POLLIN };
		pf[L->ndirs] = (struct pollfd){ .fd = L->control, .events = POLLIN };
		pf[L->ndirs + 1] = (struct pollfd){ .fd = L->ev.len > L->ev_off ? L->events : -1,
						    .events = POLLOUT };
		if (ppoll(pf, nfds, &ts, NULL) < 0 && errno != EINTR) {
			fault(L, NC_IMP_FAULT_POLL, errno);
			break;
		}
		if (pf[L->ndirs].revents)
			break; /* the control pipe closed (or was written to): stop */
		more = false;
		/* POLLERR too: a wire end whose interface went away (its
		 * topology freed first) says so through the read, and an error
		 * left unread would have ppoll return at once, forever. */
		for (size_t i = 0; i < L->ndirs; i++)
			if (pf[i].revents)
				more |= read_dir(L, &L->dirs[i]);
		now = nc_now_ns();
		for (size_t i = 0; i < L->ndirs; i++) {
			release_due(L, &L->dirs[i], now);
			tx_flush(L, &L->dirs[i]);
		}
		if (now >= L->next_stats) {
			for (size_t i = 0; i < L->ndirs; i++)
				read_kernel_drops(L, &L->dirs[i]);
			L->next_stats = now + STATS_EVERY_NS;
		}
		if (flush_events(L) < 0) {
			L->fault = true; /* no one to tell: the pipe is gone */
			break;
		}
	}
	free(pf);
}

/* The counters, then every event, within FLUSH_AT_END_NS. */
static void finish(struct loop *L)
{
	for (size_t i = 0; i < L->ndirs; i++) {
		struct dir *D = &L->dirs[i];
		read_kernel_drops(L, D);
		D->st.discarded += nc_imp_sched_count(&D->q); /* never sent */
		struct nc_imp_event ev = { .kind = NC_IMP_EV_STATS, .t_ns = nc_now_ns(),
					   .rule = NC_IMP_NO_RULE, .stats = D->st };
		emit(L, D, &ev);
	}
	int64_t deadline = nc_now_ns() + FLUSH_AT_END_NS;
	while (L->ev_off < L->ev.len && nc_now_ns() < deadline) {
		struct pollfd p = { .fd = L->events, .events = POLLOUT };
		(void)poll(&p, 1, 10);
		if (flush_events(L) < 0)
			break;
	}
}

static int setup(struct loop *L, const struct nc_fwd_link *links, size_t n, int (*fds)[2])
{
	uint32_t mtu = 0;
	for (size_t i = 0; i < n; i++)
		if (links[i].mtu > mtu)
			mtu = links[i].mtu;
	/* Room for the Ethernet header, a VLAN tag, and one byte more, by
	 * which a frame too large (offloads on) shows itself. */
	L->slot = (size_t)mtu + 14 + 4 + 1;
	L->rx = malloc(L->slot * BATCH);
	L->dirs = calloc(2 * n, sizeof(*L->dirs));
	if (!L->rx || !L->dirs)
		return -1;
	L->ndirs = 2 * n;
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < 2; d++) {
			struct dir *D = &L->dirs[2 * i + d];
			const struct nc_imp_dir_conf *c = &links[i].conf.dir[d];
			D->link = links[i].id;
			D->d = d;
			D->in = fds[i][d];
			D->out = fds[i][1 - d];
			nc_imp_dir_init(&D->eng, c, links[i].conf.seed, links[i].id, d);
			if (nc_imp_sched_init(&D->q, c->limit, c->rate_bps) < 0)
				return -1;
		}
	return 0;
}

int nc_fwd_loop(const struct nc_fwd_link *links, size_t n, int (*fds)[2], int control_fd,
		int event_fd)
{
	struct loop L;
	memset(&L, 0, sizeof(L));
	L.control = control_fd;
	L.events = event_fd;
	nc_buf_init(&L.ev, NC_FWD_EVENT_BUFFER);
	/* Delays are asked for in microseconds; the default timer slack
	 * (50 us) would blur them. */
	(void)prctl(PR_SET_TIMERSLACK, 1000UL);
	if (setup(&L, links, n, fds) < 0)
		fault(&L, NC_IMP_FAULT_MEMORY, ENOMEM);
	else
		run(&L);
	finish(&L);
	for (size_t i = 0; i < L.ndirs; i++) {
		tx_flush(&L, &L.dirs[i]);
		nc_imp_sched_free(&L.dirs[i].q);
	}
	free(L.dirs);
	free(L.rx);
	nc_buf_free(&L.ev);
	/* The pipes first: the caller has every record now and need not wait
	 * for what follows. Closing a packet socket waits for an RCU grace
	 * period (the kernel's packet_release), 10 to 25 ms each here, two
	 * per link. */
	close(event_fd);
	close(control_fd);
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < 2; s++)
			close(fds[i][s]);
	return L.fault ? NC_FWD_EXIT_FAULT : NC_FWD_EXIT_OK;
}
