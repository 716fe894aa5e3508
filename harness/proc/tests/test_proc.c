/* test_proc.c: unit tests of the process layer: descriptor placement and
 * the stop escalation of spawn.c, exit statuses in words, the poll set's
 * deadline, the socket diagnostics, and the ports a supervisor chooses. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc/hostports.h"
#include "proc/pollset.h"
#include "proc/sockets.h"
#include "proc/spawn.h"
#include "proc/variant_int.h"
#include "proc/wiring.h"
#include "scenario/scenario.h"
#include "tests/unit/cunit_main.h"
#include "util/clock.h"

/* Waits for a child to end (at most about 5 s); true when reaped. */
static bool wait_reaped(struct nc_child *c)
{
	for (int i = 0; i < 5000; i++) {
		if (nc_child_reap(c))
			return true;
		usleep(1000);
	}
	return false;
}

/* The child sees the descriptors in their slots, /dev/null where -1 was
 * given, and nothing else open above them. */
static void test_spawn_slots(void)
{
	int a[2], b[2], extra;
	CU_ASSERT_EQUAL_FATAL(pipe(a), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(b), 0);
	extra = open("/dev/null", O_RDONLY); /* open in the parent, must not leak */
	int fds[NC_FD_SLOTS_BUILTIN] = { [NC_FD_STDIN] = -1, [NC_FD_STDOUT] = a[1],
					 [NC_FD_STDERR] = a[1], [NC_FD_EXEC_ERROR] = -1,
					 [NC_FD_RECORDS] = b[1] };
	struct nc_child c;
	pid_t pid = nc_spawn(&c, fds, NC_FD_SLOTS_BUILTIN);
	if (pid == 0) {
		/* In the child: report what it sees through the slots. */
		char stdin_byte;
		bool stdin_null = read(NC_FD_STDIN, &stdin_byte, 1) == 0;
		bool above_closed = fcntl(NC_FD_SLOTS_BUILTIN, F_GETFD) < 0 && errno == EBADF &&
				    fcntl(extra, F_GETFD) < 0;
		bool own_group = getpgrp() == getpid();
		char msg[64];
		int n = snprintf(msg, sizeof(msg), "%d%d%d", stdin_null, above_closed, own_group);
		if (write(NC_FD_RECORDS, msg, (size_t)n) != n || write(NC_FD_STDOUT, "out", 3) != 3)
			_exit(1);
		_exit(0);
	}
	CU_ASSERT_TRUE_FATAL(pid > 0);
	close(a[1]);
	close(b[1]);
	close(extra);
	char got[16] = "", out[16] = "";
	CU_ASSERT_EQUAL(read(b[0], got, sizeof(got) - 1), 3);
	CU_ASSERT_STRING_EQUAL(got, "111");
	CU_ASSERT_EQUAL(read(a[0], out, sizeof(out) - 1), 3);
	CU_ASSERT_STRING_EQUAL(out, "out");
	CU_ASSERT_TRUE(wait_reaped(&c));
	CU_ASSERT_TRUE(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
	nc_child_close(&c);
	close(a[0]);
	close(b[0]);
}

static pid_t spawn_sleeper(struct nc_child *c, bool ignore_term)
{
	int fds[3] = { -1, -1, -1 };
	pid_t pid = nc_spawn(c, fds, 3);
	if (pid == 0) {
		if (ignore_term)
			signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	return pid;
}

/* A child that ignores SIGTERM gets SIGKILL once the grace period is
 * over, not before. */
static void test_escalation(void)
{
	struct nc_child c;
	CU_ASSERT_TRUE_FATAL(spawn_sleeper(&c, true) > 0);
	usleep(20000); /* let it ignore SIGTERM */
	int64_t t0 = nc_now_ns();
	nc_child_stop(&c, t0, SIGTERM);
	CU_ASSERT_EQUAL(c.stage, 1);
	int64_t grace = 100 * NC_MS;
	CU_ASSERT_EQUAL(nc_child_escalate(&c, t0 + grace / 2, grace), t0 + grace);
	CU_ASSERT_FALSE(nc_child_reap(&c));
	CU_ASSERT_EQUAL(nc_child_escalate(&c, t0 + grace, grace), INT64_MAX);
	CU_ASSERT_EQUAL(c.stage, 2);
	CU_ASSERT_TRUE(wait_reaped(&c));
	CU_ASSERT_TRUE(WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGKILL);
	nc_child_close(&c);
}

/* The stop signal is the caller's; a child that does not ignore it dies
 * of it, with no escalation needed. */
static void test_stop_signal(void)
{
	struct nc_child c;
	CU_ASSERT_TRUE_FATAL(spawn_sleeper(&c, false) > 0);
	nc_child_stop(&c, nc_now_ns(), SIGINT);
	CU_ASSERT_TRUE(wait_reaped(&c));
	CU_ASSERT_TRUE(WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGINT);
	CU_ASSERT_EQUAL(nc_child_escalate(&c, nc_now_ns() + NC_SEC, 1), INT64_MAX);
	nc_child_close(&c);
}

static void test_wait_describe(void)
{
	char buf[128];
	CU_ASSERT_STRING_EQUAL(nc_wait_describe(NC_EXIT_ROLE_HARNESS << 8, buf, sizeof(buf)),
			       "exited with status 3 (netconform failed inside the role)");
	CU_ASSERT_STRING_EQUAL(nc_wait_describe(2 << 8, buf, sizeof(buf)), "exited with status 2");
	CU_ASSERT_STRING_EQUAL(nc_wait_describe(NC_EXIT_NS_SETUP << 8, buf, sizeof(buf)),
			       "exited with status 121 (its network namespace could not be set up)");
	CU_ASSERT_STRING_EQUAL(nc_wait_describe(SIGSEGV, buf, sizeof(buf)), "was killed by SIGSEGV");
}

static void test_poll_timeout(void)
{
	CU_ASSERT_EQUAL(nc_poll_timeout_ms(0, INT64_MAX), -1);
	CU_ASSERT_EQUAL(nc_poll_timeout_ms(100, 50), 0);
	/* Rounded up: a wake-up never comes before the deadline. */
	CU_ASSERT_EQUAL(nc_poll_timeout_ms(0, 1), 1);
	CU_ASSERT_EQUAL(nc_poll_timeout_ms(0, NC_MS), 1);
	CU_ASSERT_EQUAL(nc_poll_timeout_ms(0, NC_MS + 1), 2);
	/* A child without a pidfd makes the set wake up to ask for it. */
	struct nc_pollset ps;
	nc_pollset_init(&ps);
	nc_pollset_begin(&ps, 1000);
	struct nc_child c = { .pid = 12345, .pidfd = -1 };
	nc_pollset_child(&ps, &c, 0, 0);
	CU_ASSERT_EQUAL(ps.n, 0);
	CU_ASSERT_EQUAL(ps.next, 1000 + NC_POLLSET_NOPIDFD_NS);
	nc_pollset_until(&ps, 500 + 1000);
	CU_ASSERT_EQUAL(ps.next, 1500);
	nc_pollset_add(&ps, -1, POLLIN, 1, 2);
	CU_ASSERT_EQUAL(ps.n, 0);
	nc_pollset_add(&ps, 0, POLLIN, 7, 9);
	CU_ASSERT_EQUAL(ps.n, 1);
	CU_ASSERT_EQUAL(ps.tag[0].kind, 7);
	CU_ASSERT_EQUAL(ps.tag[0].who, 9);
	nc_pollset_free(&ps);
}

static const struct nc_sockent *find_port(const struct nc_sockent *v, size_t n, uint16_t port,
					  int family)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].local.port == port && v[i].local.family == family)
			return &v[i];
	return NULL;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	struct nc_addr a;
	getsockname(fd, (struct sockaddr *)&ss, &l);
	nc_addr_from_sockaddr(&a, (struct sockaddr *)&ss);
	return a.port;
}

/* The diagnostics see a listener as listening, and tell an IPv6-only
 * socket from a dual-stack one. */
static void test_sockets(void)
{
	int l4 = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CU_ASSERT_EQUAL_FATAL(bind(l4, (struct sockaddr *)&a4, sizeof(a4)), 0);
	CU_ASSERT_EQUAL_FATAL(listen(l4, 1), 0);
	int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	int u6b = socket(AF_INET6, SOCK_DGRAM, 0);
	int on = 1, off = 0;
	setsockopt(u6, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	setsockopt(u6b, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bool have6 = u6 >= 0 && bind(u6, (struct sockaddr *)&a6, sizeof(a6)) == 0;
	/* A socket bound to a plain IPv6 address is IPv6-only whatever the
	 * option says (the kernel sets it at bind); the mapped loopback keeps
	 * it dual-stack. */
	struct sockaddr_in6 m6 = { .sin6_family = AF_INET6 };
	m6.sin6_addr.s6_addr[10] = m6.sin6_addr.s6_addr[11] = 0xff;
	m6.sin6_addr.s6_addr[12] = 127;
	m6.sin6_addr.s6_addr[15] = 1;
	bool have6b = u6b >= 0 && bind(u6b, (struct sockaddr *)&m6, sizeof(m6)) == 0;

	struct nc_sockent *v;
	size_t n;
	char err[160];
	CU_ASSERT_EQUAL_FATAL(nc_sockets_list(IPPROTO_TCP, &v, &n, err, sizeof(err)), 0);
	const struct nc_sockent *e = find_port(v, n, bound_port(l4), AF_INET);
	CU_ASSERT_PTR_NOT_NULL(e);
	if (e) {
		CU_ASSERT_EQUAL(e->state, NC_SOCK_LISTEN);
		CU_ASSERT_EQUAL(e->local.ip[0], 127);
		char line[160];
		CU_ASSERT_PTR_NOT_NULL(strstr(nc_sockent_str(e, line, sizeof(line)), "listening"));
	}
	free(v);
	CU_ASSERT_EQUAL_FATAL(nc_sockets_list(IPPROTO_UDP, &v, &n, err, sizeof(err)), 0);
	if (have6) {
		e = find_port(v, n, bound_port(u6), AF_INET6);
		CU_ASSERT_TRUE(e && e->v6only);
	}
	if (have6b) {
		e = find_port(v, n, bound_port(u6b), AF_INET6);
		CU_ASSERT_TRUE(e && !e->v6only);
	}
	free(v);
	close(l4);
	if (u6 >= 0)
		close(u6);
	if (u6b >= 0)
		close(u6b);
}

/* `unused` is outside the ephemeral range (so no socket is given it
 * without asking) and never a port the scenario names. */
static void test_unused_port(void)
{
	static const char text[] = "scenario t\ntransport udp\n"
				   "server\n  bind loopback:32767\n  recvfrom 10 => \"x\"\n"
				   "client\n  sendto \"x\" server\n";
	struct nc_diag d;
	struct nc_scenario *sc = nc_scenario_parse("t.scn", "t/t", "t", text, sizeof(text) - 1, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
	unsigned lo = 32768, hi = 60999;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 32768, hi = 60999;
		fclose(f);
	}
	uint16_t p = nc_port_outside_ephemeral(sc, 0, NULL);
	CU_ASSERT_TRUE(p < lo || p > hi);
	CU_ASSERT_NOT_EQUAL(p, 32767);
	/* Another port than one to avoid (a program's port is never `unused`),
	 * and with a lock held on it, so that another variant on the host
	 * cannot pick it. */
	int fd = -1;
	uint16_t q = nc_port_outside_ephemeral(sc, p, &fd);
	CU_ASSERT_NOT_EQUAL(q, p);
	CU_ASSERT_TRUE(q < lo || q > hi);
	CU_ASSERT_TRUE(fd >= 0);
	int other = -1;
	CU_ASSERT_EQUAL(nc_hostports_lock_one(q, &other), 0);
	if (fd >= 0)
		close(fd);
	CU_ASSERT_EQUAL(nc_hostports_lock_one(q, &other), 1);
	if (other >= 0)
		close(other);
	nc_scenario_free(sc);
}

void nc_unit_register(void)
{
	static const struct nc_unit_test spawn[] = {
		{ "descriptor slots", test_spawn_slots },
		{ "TERM, grace, KILL", test_escalation },
		{ "stop signal", test_stop_signal },
		{ "wait status in words", test_wait_describe },
		{ "poll timeout", test_poll_timeout },
		{ NULL, NULL },
	};
	static const struct nc_unit_test probe[] = {
		{ "socket diagnostics", test_sockets },
		{ "unused port", test_unused_port },
		{ NULL, NULL },
	};
	nc_unit_suite("spawn", spawn);
	nc_unit_suite("readiness", probe);
}
