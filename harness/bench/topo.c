/* topo.c: what topologies and impaired links cost, against the bare case,
 * measured side by side in one run (a measurement, not a test).
 *
 *   nc-bench-topo setup N          N set-ups and teardowns of each kind, in
 *                                  a fresh user + network namespace each, as
 *                                  a variant's supervisor has: one namespace
 *                                  with its loopback up (today's variant);
 *                                  two hosts joined by a veth, one of them
 *                                  the variant's own namespace; the same
 *                                  with both hosts new; two hosts joined by
 *                                  a wire with its forwarder started and
 *                                  stopped. Then the bare pair of
 *                                  nc-bench-bare (a forked server and
 *                                  client, TCP greeting and reply) in one
 *                                  namespace and across two hosts. Prints
 *                                  ms per set-up (the median of 9
 *                                  interleaved rounds) and the ratios.
 *   nc-bench-topo transfer BYTES   one TCP transfer of BYTES each: over the
 *                                  loopback of one namespace; across a veth
 *                                  between two hosts; across a wire with no
 *                                  rules; across a wire with a rule that
 *                                  only drops (it decodes every frame and
 *                                  drops one). Prints MiB/s, the ratios to
 *                                  the first, and the forwarder's CPU time
 *                                  per frame.
 *
 * The kernel destroys a namespace after its last user is gone, in a work
 * queue; that part of a teardown is not inside any figure, for any kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "impair/forward.h"
#include "proc/ns.h"
#include "topo/topo.h"
#include "util/clock.h"

static void die(const char *what, const char *why)
{
	fprintf(stderr, "nc-bench-topo: %s: %s\n", what, why);
	exit(1);
}

static void put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path, strerror(errno));
	close(fd);
}

/* The calling process becomes root of a new user namespace with a network
 * namespace of its own: where a variant's supervisor starts. */
static void variant_namespace(uid_t uid, gid_t gid)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		die("unshare", strerror(errno));
	char map[64];
	put_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	put_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	put_file("/proc/self/gid_map", map);
}

static struct nc_topo *two_hosts(bool current, bool wire)
{
	struct nc_topo_desc d = { 0 };
	nc_topo_desc_host(&d, "a", false);
	nc_topo_desc_host(&d, "b", false);
	d.host[0].current = current;
	nc_topo_desc_link(&d, 0, 1, 1500, wire);
	struct nc_topo *t;
	struct nc_topo_err e;
	if (nc_topo_build(&d, &t, &e) < 0)
		die("build", e.msg);
	return t;
}

static struct nc_fwd *forwarder(struct nc_topo *t, const struct nc_imp_link_conf *c)
{
	struct nc_topo_wire w;
	if (nc_topo_wire(t, 0, &w) < 0)
		die("wire", "link 0 has none");
	struct nc_fwd_link fl = { .id = 0, .nsfd = w.nsfd, .ifindex = { w.ifindex[0], w.ifindex[1] },
				  .mtu = w.mtu, .conf = *c };
	struct nc_fwd *f;
	struct nc_topo_err e;
	if (nc_fwd_start(&fl, 1, &f, &e) < 0)
		die("start the forwarder", e.msg);
	return f;
}

/* What a variant's namespace gets today: its loopback up, as the
 * supervisor's set-up does it. */
static void lo_up_here(void)
{
	if (nc_ns_loopback_up() < 0)
		die("loopback up", strerror(errno));
}

enum kind { ONE_NS, TWO_HOSTS, TWO_NEW, WIRED, PAIR_ONE_NS, PAIR_TWO_HOSTS, KINDS };

static const char *const kind_name[KINDS] = {
	"one namespace, loopback up",
	"two hosts, one the variant's own namespace",
	"two hosts, both new",
	"two hosts through a wire, forwarder started and stopped",
	"a TCP greeting and reply (forked server and client) in one namespace",
	"the same pair across two hosts, the client in the variant's own",
};

static int sock_in(struct nc_topo *t, unsigned host)
{
	struct nc_topo_err e;
	int fd = nc_topo_socket(t, host, AF_INET, SOCK_STREAM, &e);
	if (fd < 0)
		die("socket", e.msg);
	return fd;
}

/* What nc-bench-bare's pair does, around a listening socket l made by the
 * caller (in the server's namespace) and bound here to `at`; the client
 * runs in the caller's namespace. */
static void greet_pair(int l, const struct nc_addr *at)
{
	struct sockaddr_storage ss;
	socklen_t sl = nc_addr_to_sockaddr(at, &ss);
	if (bind(l, (struct sockaddr *)&ss, sl) < 0 || listen(l, 1) < 0)
		die("server bind", strerror(errno));
	sl = sizeof(ss);
	getsockname(l, (struct sockaddr *)&ss, &sl);
	char buf[64];
	pid_t srv = fork();
	if (srv == 0) {
		int c = accept(l, NULL, NULL);
		_exit(c < 0 || send(c, "hello welcome", 13, 0) != 13 || recv(c, buf, sizeof(buf), 0) <= 0);
	}
	close(l);
	pid_t cli = fork();
	if (cli == 0) {
		int c = socket(ss.ss_family, SOCK_STREAM, 0);
		_exit(connect(c, (struct sockaddr *)&ss, sl) < 0 || recv(c, buf, sizeof(buf), 0) <= 0 ||
		      send(c, "hi I'm coming", 13, 0) != 13);
	}
	int a, b;
	waitpid(srv, &a, 0);
	waitpid(cli, &b, 0);
	if (a != 0 || b != 0)
		die("greet pair", "the server or the client failed");
}

static void one_setup(enum kind k)
{
	struct nc_topo_err e;
	switch (k) {
	case ONE_NS:
		lo_up_here();
		return;
	case TWO_HOSTS:
	case TWO_NEW:
		nc_topo_free(two_hosts(k == TWO_HOSTS, false));
		return;
	case WIRED: {
		struct nc_topo *t = two_hosts(true, true);
		struct nc_imp_link_conf c = { .seed = 1 };
		struct nc_fwd *f = forwarder(t, &c);
		if (nc_fwd_finish(f, NC_SEC, NULL, NULL, &e) < 0)
			die("stop the forwarder", e.msg);
		nc_fwd_free(f);
		nc_topo_free(t);
		return;
	}
	case PAIR_ONE_NS: {
		lo_up_here();
		struct nc_addr lo;
		nc_addr_loopback(AF_INET, 0, &lo);
		greet_pair(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), &lo);
		return;
	}
	case PAIR_TWO_HOSTS: {
		struct nc_topo *t = two_hosts(true, false);
		struct nc_addr b;
		nc_topo_addr(t, 1, 0, AF_INET, &b);
		greet_pair(sock_in(t, 1), &b);
		nc_topo_free(t);
		return;
	}
	case KINDS:
		break;
	}
}

/* ms per set-up of kind k: each in a child in a fresh user + network
 * namespace, fork to reaped. */
static double time_setups(enum kind k, int n)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	int64_t t0 = nc_now_ns();
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork", strerror(errno));
		if (pid == 0) {
			variant_namespace(uid, gid);
			one_setup(k);
			_exit(0);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			die("set-up", "a child failed");
	}
	return (double)(nc_now_ns() - t0) / 1e6 / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

#define ROUNDS 9

static int setup_main(int n)
{
	/* Interleaved rounds, so that a burst of load on this shared machine
	 * falls on every kind alike, and the median round of each kind. */
	double ms[KINDS][ROUNDS];
	int per = n / ROUNDS > 0 ? n / ROUNDS : 1;
	for (int r = 0; r < ROUNDS; r++)
		for (int k = 0; k < KINDS; k++)
			ms[k][r] = time_setups((enum kind)k, per);
	double med[KINDS];
	for (int k = 0; k < KINDS; k++) {
		qsort(ms[k], ROUNDS, sizeof(double), cmp_double);
		med[k] = ms[k][ROUNDS / 2];
	}
	printf("median of %d rounds of %d:\n", ROUNDS, per);
	for (int k = 0; k < PAIR_ONE_NS; k++)
		printf("set-up and teardown, %s: %.3f ms (%.2f x the first)\n", kind_name[k], med[k],
		       med[k] / med[ONE_NS]);
	for (int k = PAIR_ONE_NS; k < KINDS; k++)
		printf("variant-like, %s: %.3f ms (%.2f x in one namespace)\n", kind_name[k], med[k],
		       med[k] / med[PAIR_ONE_NS]);
	return 0;
}

/* ---- transfers ---- */

/* Sends `bytes` from c to the listener l (bound to `to`), receives them,
 * and returns the seconds from connect to the end of the stream. */
static double stream(int c, int l, const struct nc_addr *to, size_t bytes)
{
	struct sockaddr_storage ss;
	socklen_t sl = nc_addr_to_sockaddr(to, &ss);
	if (bind(l, (struct sockaddr *)&ss, sl) < 0 || listen(l, 1) < 0)
		die("listen", strerror(errno));
	sl = sizeof(ss);
	getsockname(l, (struct sockaddr *)&ss, &sl);
	int64_t t0 = nc_now_ns();
	if (connect(c, (struct sockaddr *)&ss, sl) < 0)
		die("connect", strerror(errno));
	int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		die("accept", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		static char chunk[1 << 16];
		for (size_t left = bytes; left > 0;) {
			ssize_t w = send(c, chunk, left < sizeof(chunk) ? left : sizeof(chunk), 0);
			if (w <= 0)
				_exit(1);
			left -= (size_t)w;
		}
		_exit(0);
	}
	close(c);
	static char sink[1 << 16];
	size_t got = 0;
	ssize_t r;
	while (got < bytes && (r = recv(a, sink, sizeof(sink), 0)) > 0)
		got += (size_t)r;
	double secs = (double)(nc_now_ns() - t0) / 1e9;
	int st;
	waitpid(pid, &st, 0);
	close(a);
	close(l);
	if (got != bytes || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("transfer", "the stream ended early");
	return secs;
}

static double over_loopback(size_t bytes)
{
	lo_up_here();
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct nc_addr lo;
	nc_addr_loopback(AF_INET, 0, &lo);
	return stream(c, l, &lo, bytes);
}

struct fwd_figures {
	uint64_t frames;
	int64_t cpu_ns;
};

static void count_frames(const struct nc_imp_event *ev, void *ctx)
{
	if (ev->kind == NC_IMP_EV_STATS)
		((struct fwd_figures *)ctx)->frames += ev->stats.frames;
}

static double across(size_t bytes, bool wire, const struct nc_imp_link_conf *c,
		     struct fwd_figures *fig)
{
	struct nc_topo *t = two_hosts(true, wire);
	struct nc_fwd *f = wire ? forwarder(t, c) : NULL;
	struct nc_addr b;
	nc_topo_addr(t, 1, 0, AF_INET, &b);
	double secs = stream(sock_in(t, 0), sock_in(t, 1), &b, bytes);
	if (f) {
		fig->cpu_ns = nc_fwd_cpu_ns(f);
		struct nc_topo_err e;
		if (nc_fwd_finish(f, 2 * NC_SEC, count_frames, fig, &e) < 0)
			die("stop the forwarder", e.msg);
		nc_fwd_free(f);
	}
	nc_topo_free(t);
	return secs;
}

enum path { LOOPBACK, VETH, WIRE, WIRE_DROPS, PATHS };

static const char *const path_name[PATHS] = {
	"loopback, one namespace",
	"veth between two hosts",
	"wire, forwarder without rules",
	"wire, forwarder with a drop-only rule",
};

/* Runs one transfer in a child in a fresh user + network namespace, and
 * reads its figures back through a pipe. */
static void transfer_in_child(enum path p, size_t bytes, double *secs, struct fwd_figures *fig)
{
	int pp[2];
	if (pipe(pp) < 0)
		die("pipe", strerror(errno));
	uid_t uid = getuid();
	gid_t gid = getgid();
	pid_t pid = fork();
	if (pid == 0) {
		close(pp[0]);
		variant_namespace(uid, gid);
		struct fwd_figures mine = { 0 };
		struct nc_imp_link_conf c = { .seed = 1 };
		/* Only drops: every data segment decoded and matched, the
		 * 1000th dropped (a transfer this size retransmits it). */
		struct nc_imp_rule *r = &c.dir[0].rule[0];
		r->filter.proto = IPPROTO_TCP;
		r->filter.payload = NC_IMP_YES;
		r->select = NC_IMP_SEL_NTH;
		r->nth[0] = 1000;
		r->nnth = 1;
		r->action = NC_IMP_DROP;
		c.dir[0].nrules = p == WIRE_DROPS ? 1 : 0;
		double s = p == LOOPBACK ? over_loopback(bytes) : across(bytes, p != VETH, &c, &mine);
		if (write(pp[1], &s, sizeof(s)) != sizeof(s) ||
		    write(pp[1], &mine, sizeof(mine)) != sizeof(mine))
			_exit(1);
		_exit(0);
	}
	close(pp[1]);
	if (read(pp[0], secs, sizeof(*secs)) != sizeof(*secs) ||
	    read(pp[0], fig, sizeof(*fig)) != sizeof(*fig))
		die("transfer", "the child did not report");
	close(pp[0]);
	int st;
	waitpid(pid, &st, 0);
}

static int transfer_main(size_t bytes)
{
	double secs[PATHS] = { 0 };
	struct fwd_figures fig[PATHS] = { 0 };
	/* Three interleaved rounds; the best of each, as the least disturbed. */
	for (int round = 0; round < 3; round++)
		for (int p = 0; p < PATHS; p++) {
			double s;
			struct fwd_figures f = { 0 };
			transfer_in_child((enum path)p, bytes, &s, &f);
			if (round == 0 || s < secs[p]) {
				secs[p] = s;
				fig[p] = f;
			}
		}
	double mib = (double)bytes / (1 << 20);
	for (int p = 0; p < PATHS; p++) {
		printf("TCP transfer of %.0f MiB, %s: %.1f MiB/s (%.2f x the loopback's time)", mib,
		       path_name[p], mib / secs[p], secs[p] / secs[LOOPBACK]);
		if (fig[p].frames && fig[p].cpu_ns > 0)
			printf("; forwarder: %llu frames, %.0f ns of its CPU per frame",
			       (unsigned long long)fig[p].frames,
			       (double)fig[p].cpu_ns / (double)fig[p].frames);
		printf("\n");
	}
	printf("drop-only wire: %.1f MiB/s; target >= 100 MiB/s: %s\n", mib / secs[WIRE_DROPS],
	       mib / secs[WIRE_DROPS] >= 100 ? "met" : "MISSED");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "setup") == 0)
		return setup_main(atoi(argv[2]) > 0 ? atoi(argv[2]) : 50);
	if (argc == 3 && strcmp(argv[1], "transfer") == 0)
		return transfer_main((size_t)strtoull(argv[2], NULL, 10));
	fprintf(stderr, "usage: nc-bench-topo setup N | transfer BYTES\n");
	return 2;
}
