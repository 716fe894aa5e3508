/* forward.c: starting, watching and stopping the forwarder (forward.h). */
#include "impair/forward.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef NC_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#include "impair/fwd_int.h"
#include "topo/netns.h"
#include "util/buf.h"
#include "util/clock.h"

#define SOCKET_BUFFER (4 << 20)   /* bytes; the kernel caps it at net.core.rmem_max */
#define READ_CHUNK 65536
#define FREE_GRACE_NS (2 * NC_SEC)   /* a stopped forwarder's time to close its sockets */

struct nc_fwd {
	pid_t pid;                    /* 0 once reaped */
	int pidfd;                    /* -1 where pidfd_open is missing */
	int control;                  /* write end; closing it stops the forwarder */
	int events;                   /* read end, non-blocking */
	struct nc_buf in;             /* bytes read, not yet a whole event */
	bool eof;
	size_t ndirs;                 /* directions carried: 2 per link */
	size_t stats_seen;            /* NC_IMP_EV_STATS records read */
	int status;                   /* wait status once reaped */
	bool faulted;
	struct nc_imp_event fault;    /* the last NC_IMP_EV_FAULT seen */
};

struct sock_req {
	int fd;
};

static int open_in_ns(void *arg)
{
	struct sock_req *r = arg;
	/* Protocol 0 at first: a packet socket with a protocol receives from
	 * every interface until it is bound, and those frames would be
	 * forwarded to the wrong link. bind() sets protocol and interface
	 * at once. */
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	return r->fd < 0 ? -1 : 0;
}

static int open_end(const struct nc_fwd_link *l, int s, struct nc_topo_err *e)
{
	struct sock_req r = { -1 };
	if (nc_netns_run(l->nsfd, open_in_ns, &r, e) < 0) {
		if (r.fd < 0)
			nc_topo_err_set(e, errno, "link %u: open a packet socket", l->id);
		return -1;
	}
	int one = 1, size = SOCKET_BUFFER;
	/* Without PACKET_IGNORE_OUTGOING the loop skips its own sends by
	 * their packet type; the bypass only saves time. Neither is vital. */
	(void)setsockopt(r.fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	(void)setsockopt(r.fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	(void)setsockopt(r.fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	(void)setsockopt(r.fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)l->ifindex[s] };
	if (bind(r.fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		nc_topo_err_set(e, errno, "link %u: bind a packet socket to wire end %u", l->id,
				l->ifindex[s]);
		close(r.fd);
		return -1;
	}
	return r.fd;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* In the child: closes every descriptor above 2 but those in keep (the
 * supervisor's pipes, signalfd and namespace descriptors must not stay
 * open in a process that outlives none of them but holds them). */
static void close_others(int *keep, size_t n)
{
	qsort(keep, n, sizeof(*keep), cmp_int);
	unsigned from = 3;
	for (size_t i = 0; i < n; i++) {
		if ((unsigned)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
		if ((unsigned)keep[i] + 1 > from)
			from = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

static void child(const struct nc_fwd_link *links, size_t n, int (*fds)[2], int control,
		  int events, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(NC_FWD_EXIT_PARENT_GONE);
	int *keep = malloc((2 * n + 2) * sizeof(*keep));
	if (!keep)
		_exit(NC_FWD_EXIT_FAULT);
	for (size_t i = 0; i < n; i++) {
		keep[2 * i] = fds[i][0];
		keep[2 * i + 1] = fds[i][1];
	}
	keep[2 * n] = control;
	keep[2 * n + 1] = events;
	close_others(keep, 2 * n + 2);
	free(keep);
	/* The caller may block signals and read them from a signalfd; the
	 * forwarder takes SIGTERM and SIGINT the default way. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN); /* a reader gone is seen as EPIPE */
	int fl = fcntl(events, F_GETFL);
	fcntl(events, F_SETFL, fl | O_NONBLOCK);
	int rc = nc_fwd_loop(links, n, fds, control, events);
	free(fds);
#ifdef NC_LSAN
	__lsan_do_leak_check();
#endif
	_exit(rc);
}

static int check_links(const struct nc_fwd_link *links, size_t n, struct nc_topo_err *e)
{
	if (n == 0 || n > NC_FWD_LINKS_MAX) {
		nc_topo_err_set(e, 0, "a forwarder carries 1 to %d links, not %zu", NC_FWD_LINKS_MAX,
				n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (links[i].mtu < 68 || links[i].mtu > 65535 || links[i].nsfd < 0) {
			nc_topo_err_set(e, 0, "link %u: no wire namespace, or mtu %u out of range",
					links[i].id, links[i].mtu);
			return -1;
		}
	return 0;
}

static void close_fds(int (*fds)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < 2; s++)
			if (fds[i][s] >= 0)
				close(fds[i][s]);
}

int nc_fwd_start(const struct nc_fwd_link *links, size_t n, struct nc_fwd **out,
		 struct nc_topo_err *e)
{
	*out = NULL;
	if (check_links(links, n, e) < 0)
		return -1;
	int (*fds)[2] = malloc(n * sizeof(*fds));
	struct nc_fwd *f = calloc(1, sizeof(*f));
	int control[2] = { -1, -1 }, events[2] = { -1, -1 };
	if (!fds || !f) {
		nc_topo_err_set(e, ENOMEM, "a forwarder");
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		fds[i][0] = fds[i][1] = -1;
	for (size_t i = 0; i < n; i++)
		for (int s = 0; s < 2; s++)
			if ((fds[i][s] = open_end(&links[i], s, e)) < 0)
				goto fail;
	if (pipe2(control, O_CLOEXEC) < 0 || pipe2(events, O_CLOEXEC) < 0) {
		nc_topo_err_set(e, errno, "the forwarder's pipes");
		goto fail;
	}
	(void)fcntl(events[0], F_SETPIPE_SZ, 1 << 20); /* fewer wake-ups; best effort */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		nc_topo_err_set(e, errno, "fork the forwarder");
		goto fail;
	}
	if (pid == 0) {
		close(control[1]);
		close(events[0]);
		child(links, n, fds, control[0], events[1], parent);
	}
	close(control[0]);
	close(events[1]);
	close_fds(fds, n);
	free(fds);
	f->pid = pid;
	f->ndirs = 2 * n;
	f->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	f->control = control[1];
	f->events = events[0];
	fcntl(f->events, F_SETFL, fcntl(f->events, F_GETFL) | O_NONBLOCK);
	nc_buf_init(&f->in, 0);
	*out = f;
	return 0;
fail:
	if (fds)
		close_fds(fds, n);
	for (int i = 0; i < 2; i++) {
		if (control[i] >= 0)
			close(control[i]);
		if (events[i] >= 0)
			close(events[i]);
	}
	free(fds);
	free(f);
	return -1;
}

int nc_fwd_event_fd(const struct nc_fwd *f)
{
	return f->events;
}

pid_t nc_fwd_pid(const struct nc_fwd *f)
{
	return f->pid;
}

int64_t nc_fwd_cpu_ns(const struct nc_fwd *f)
{
	if (f->pid <= 0)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)f->pid);
	FILE *fp = fopen(path, "re");
	long long ns = -1;
	if (fp) {
		if (fscanf(fp, "%lld", &ns) != 1)
			ns = -1;
		fclose(fp);
	}
	return ns;
}

/* Hands every whole event in f->in to sink and keeps the rest. */
static int parse(struct nc_fwd *f, nc_fwd_sink sink, void *ctx, struct nc_topo_err *e)
{
	size_t off = 0;
	for (;;) {
		struct nc_imp_event ev;
		size_t used;
		int rc = nc_imp_event_next(f->in.data + off, f->in.len - off, &ev, &used);
		if (rc < 0) {
			nc_topo_err_set(e, EPROTO, "the forwarder sent what is not an event, at byte %zu "
					"of what was waiting", off);
			return -1;
		}
		if (rc == 0)
			break;
		off += used;
		if (ev.kind == NC_IMP_EV_FAULT) {
			f->faulted = true;
			f->fault = ev;
		}
		f->stats_seen += ev.kind == NC_IMP_EV_STATS;
		if (sink)
			sink(&ev, ctx);
	}
	if (off) {
		memmove(f->in.data, f->in.data + off, f->in.len - off);
		f->in.len -= off;
	}
	return 0;
}

int nc_fwd_read(struct nc_fwd *f, nc_fwd_sink sink, void *ctx, struct nc_topo_err *e)
{
	if (f->eof)
		return 0;
	uint8_t chunk[READ_CHUNK];
	for (;;) {
		ssize_t r = read(f->events, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 1;
		if (r < 0) {
			nc_topo_err_set(e, errno, "read the forwarder's events");
			return -1;
		}
		if (r == 0) {
			f->eof = true;
			if (f->in.len) {
				nc_topo_err_set(e, EPROTO, "the forwarder's events end inside an "
						"event (%zu bytes left)", f->in.len);
				return -1;
			}
			return 0;
		}
		if (nc_buf_add(&f->in, chunk, (size_t)r) < 0) {
			nc_topo_err_set(e, ENOMEM, "the forwarder's events");
			return -1;
		}
		if (parse(f, sink, ctx, e) < 0)
			return -1;
	}
}

/* Waits for the process to end, until deadline; true when reaped. */
static bool reap(struct nc_fwd *f, int64_t deadline)
{
	while (f->pid > 0) {
		pid_t r = waitpid(f->pid, &f->status, WNOHANG);
		if (r == f->pid) {
			f->pid = 0;
			break;
		}
		if (r < 0 && errno != EINTR) {
			f->pid = 0; /* not our child any more: nothing to wait for */
			break;
		}
		int64_t left = deadline - nc_now_ns();
		if (left <= 0)
			return false;
		if (f->pidfd >= 0) {
			struct pollfd p = { .fd = f->pidfd, .events = POLLIN };
			(void)poll(&p, 1, (int)(left / NC_MS) + 1);
		} else {
			usleep(1000);
		}
	}
	return true;
}

int nc_fwd_finish(struct nc_fwd *f, int64_t timeout_ns, nc_fwd_sink sink, void *ctx,
		  struct nc_topo_err *e)
{
	int64_t deadline = nc_now_ns() + timeout_ns;
	if (f->control >= 0) {
		close(f->control);
		f->control = -1;
	}
	int rc = 1;
	while (rc == 1) {
		rc = nc_fwd_read(f, sink, ctx, e);
		if (rc != 1)
			break;
		int64_t left = deadline - nc_now_ns();
		if (left <= 0)
			break;
		struct pollfd p = { .fd = f->events, .events = POLLIN };
		(void)poll(&p, 1, (int)(left / NC_MS) + 1);
	}
	if (rc != 0) {
		/* 1: the pipe stayed open past the deadline; -1: e says what it
		 * sent instead of records. */
		if (rc == 1)
			nc_topo_err_set(e, ETIMEDOUT, "the forwarder did not stop within %.0f ms; "
					"killed", (double)timeout_ns / 1e6);
		if (f->pid > 0)
			kill(f->pid, SIGKILL);
		reap(f, INT64_MAX);
		return -1;
	}
	/* The records say how it ended: a clean end is every direction's
	 * counters and no fault. The process then only closes its sockets and
	 * exits; nc_fwd_free reaps it, so that the wait overlaps the caller's
	 * own work. */
	if (!f->faulted && f->stats_seen == f->ndirs)
		return 0;
	if (f->faulted) {
		nc_topo_err_set(e, f->fault.err, "the forwarder stopped: %s",
				nc_imp_fault_name((enum nc_imp_fault)f->fault.other));
		return -1;
	}
	/* Its records ended early: it died. */
	if (!reap(f, deadline)) {
		kill(f->pid, SIGKILL);
		reap(f, INT64_MAX);
	}
	if (WIFSIGNALED(f->status))
		nc_topo_err_set(e, 0, "the forwarder was killed by signal %d, its counters unsent",
				WTERMSIG(f->status));
	else
		nc_topo_err_set(e, 0, "the forwarder exited with status %d, its counters unsent",
				WEXITSTATUS(f->status));
	return -1;
}

void nc_fwd_free(struct nc_fwd *f)
{
	if (!f)
		return;
	/* After a clean finish the process is closing its sockets: it gets
	 * the time that takes, then the kill a running one gets at once. */
	if (f->pid > 0 && (f->control >= 0 || !reap(f, nc_now_ns() + FREE_GRACE_NS)))
		kill(f->pid, SIGKILL);
	if (f->pid > 0)
		reap(f, INT64_MAX);
	if (f->pidfd >= 0)
		close(f->pidfd);
	if (f->control >= 0)
		close(f->control);
	if (f->events >= 0)
		close(f->events);
	nc_buf_free(&f->in);
	free(f);
}
