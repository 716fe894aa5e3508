/* sandbox.c: a fresh user + network namespace per system test, and the
 * socket helpers the tests share (sandbox.h). */
#include "topo/tests/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"

void sb_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	fprintf(stderr, "FAIL %s:%d: %s: ", file, line, cond);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = (ssize_t)strlen(text);
	ssize_t w = write(fd, text, (size_t)n);
	close(fd);
	return w == n ? 0 : -1;
}

/* In the test's child: a user namespace where it is root, and a network
 * namespace of that user namespace; as root, a network namespace alone
 * when no user namespace can be had (a chroot refuses them, as netconform
 * itself then runs). Prints why when it cannot. */
static int enter_sandbox(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
		int e = errno;
		if (uid == 0 && unshare(CLONE_NEWNET) == 0)
			return 0;
		printf("SKIP: needs network namespaces: cannot create a user and network namespace "
		       "(%s); unprivileged user namespaces may be disabled here\n", strerror(e));
		return -1;
	}
	char map[64];
	if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) {
		printf("SKIP: cannot write /proc/self/setgroups (%s)\n", strerror(errno));
		return -1;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) < 0) {
		printf("SKIP: cannot write /proc/self/uid_map (%s)\n", strerror(errno));
		return -1;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) < 0) {
		printf("SKIP: cannot write /proc/self/gid_map (%s)\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int run_one(const struct sb_test *t)
{
	const char *off = getenv("NETCONFORM_NO_NAMESPACES");
	if (off && *off && strcmp(off, "0") != 0) {
		printf("SKIP: needs network namespaces, which NETCONFORM_NO_NAMESPACES disables\n");
		return 77;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (enter_sandbox() < 0) {
			fflush(stdout);
			_exit(77);
		}
		alarm((unsigned)t->timeout_s);
		int rc = t->fn();
		fflush(stdout);
		exit(rc == 0 ? 0 : 1);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			return 1;
		}
	if (WIFSIGNALED(st)) {
		if (WTERMSIG(st) == SIGALRM)
			printf("FAIL: %s did not end within %d s\n", t->name, t->timeout_s);
		else
			printf("FAIL: %s died of signal %d\n", t->name, WTERMSIG(st));
		return 1;
	}
	int rc = WEXITSTATUS(st);
	if (rc == 0)
		printf("PASS: %s\n", t->name);
	return rc;
}

int sb_main(int argc, char **argv, const struct sb_test *tests)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (const struct sb_test *t = tests; t->name; t++)
			printf("%s\n", t->name);
		return 0;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s NAME | --list\n", argv[0]);
		return 2;
	}
	for (const struct sb_test *t = tests; t->name; t++)
		if (strcmp(t->name, argv[1]) == 0)
			return run_one(t);
	fprintf(stderr, "%s: no test named '%s' (--list shows them)\n", argv[0], argv[1]);
	return 2;
}

void sb_desc_chain(struct nc_topo_desc *d, const uint32_t *mtus, unsigned nlinks)
{
	memset(d, 0, sizeof(*d));
	nc_topo_desc_host(d, "a", false);
	for (unsigned i = 1; i < nlinks; i++) {
		char name[NC_TOPO_NAME_MAX];
		if (nlinks == 2)
			snprintf(name, sizeof(name), "r");
		else
			snprintf(name, sizeof(name), "r%u", i);
		nc_topo_desc_host(d, name, true);
	}
	nc_topo_desc_host(d, "b", false);
	for (unsigned i = 0; i < nlinks; i++)
		nc_topo_desc_link(d, i, i + 1, mtus[i], false);
}

void sb_desc_router(struct nc_topo_desc *d, uint32_t mtu, bool wire)
{
	const uint32_t mtus[2] = { 1500, mtu };
	sb_desc_chain(d, mtus, 2);
	d->link[1].wire = wire;
}

struct nc_topo *sb_build(const struct nc_topo_desc *d)
{
	struct nc_topo *t;
	struct nc_topo_err e = { 0 };
	if (nc_topo_build(d, &t, &e) < 0) {
		fprintf(stderr, "FAIL: build the topology: %s\n", e.msg);
		return NULL;
	}
	return t;
}

int sb_socket(struct nc_topo *t, unsigned host, unsigned link, int family, int type,
	      int timeout_ms, struct nc_addr *bound)
{
	struct nc_topo_err e = { 0 };
	int fd = nc_topo_socket(t, host, family, type, &e);
	if (fd < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	struct nc_addr a;
	if (nc_topo_addr(t, host, link, family, &a) < 0) {
		fprintf(stderr, "host %u has no address on link %u\n", host, link);
		close(fd);
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = nc_addr_to_sockaddr(&a, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "bind in host %u: %s\n", host, strerror(errno));
		close(fd);
		return -1;
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (bound)
		nc_addr_from_sockaddr(bound, (struct sockaddr *)&ss);
	return fd;
}

int sb_packet_socket(struct nc_topo *t, unsigned host, unsigned link)
{
	struct nc_topo_err e = { 0 };
	int fd = nc_topo_socket(t, host, AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, &e);
	if (fd < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)nc_topo_ifindex(t, host, link) };
	int size = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "bind a packet socket: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

size_t sb_drain_frames(int fd, uint8_t (*frames)[256], uint32_t *lens, size_t max)
{
	size_t n = 0;
	uint8_t buf[65536 + 64];
	while (n < max) {
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (r < 0)
			break;
		lens[n] = (uint32_t)r;
		memcpy(frames[n], buf, (size_t)r < 256 ? (size_t)r : 256);
		n++;
	}
	return n;
}

int64_t sb_tcp_connect(int client, int listener, const struct nc_addr *to, int *accepted,
		       int timeout_ms)
{
	if (listen(listener, 4) < 0) {
		perror("listen");
		return -1;
	}
	struct sockaddr_storage ss;
	socklen_t sl = nc_addr_to_sockaddr(to, &ss);
	int64_t t0 = nc_now_ns();
	if (connect(client, (struct sockaddr *)&ss, sl) < 0) {
		fprintf(stderr, "connect: %s\n", strerror(errno));
		return -1;
	}
	int64_t took = nc_now_ns() - t0;
	struct pollfd p = { .fd = listener, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) != 1) {
		fprintf(stderr, "accept: nothing within %d ms\n", timeout_ms);
		return -1;
	}
	*accepted = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	if (*accepted < 0) {
		perror("accept");
		return -1;
	}
	return took;
}

/* The sender's half, in a child: the pattern, then shutdown; exit status 0
 * when all was written; the retransmission count on a pipe. */
static void send_all(int fd, size_t len, int report)
{
	uint8_t buf[16384];
	size_t off = 0;
	while (off < len) {
		size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = sb_pattern(off + i);
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
		if (w <= 0)
			_exit(3);
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	/* Wait for the receiver's close, so the retransmission count is the
	 * final one. */
	char c;
	(void)recv(fd, &c, 1, 0);
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);
	uint32_t retrans = 0;
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0)
		retrans = ti.tcpi_total_retrans;
	if (write(report, &retrans, sizeof(retrans)) != sizeof(retrans))
		_exit(4);
	_exit(0);
}

int sb_tcp_transfer(int client, int accepted, size_t len, int timeout_ms,
		    uint32_t *sender_retrans)
{
	int rep[2];
	if (pipe2(rep, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(rep[0]);
		close(accepted); /* or the receiver's close would not end the stream */
		send_all(client, len, rep[1]);
	}
	close(rep[1]);
	int rc = -1;
	int64_t deadline = nc_now_ns() + (int64_t)timeout_ms * NC_MS;
	size_t got = 0;
	uint8_t buf[16384];
	for (;;) {
		int left = (int)((deadline - nc_now_ns()) / NC_MS);
		struct pollfd p = { .fd = accepted, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) != 1) {
			fprintf(stderr, "transfer: %zu of %zu bytes within %d ms\n", got, len,
				timeout_ms);
			goto out;
		}
		ssize_t r = recv(accepted, buf, sizeof(buf), 0);
		if (r < 0) {
			fprintf(stderr, "transfer: recv after %zu bytes: %s\n", got, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != sb_pattern(got + (size_t)i)) {
				fprintf(stderr, "transfer: byte %zu differs\n", got + (size_t)i);
				goto out;
			}
		got += (size_t)r;
	}
	if (got != len) {
		fprintf(stderr, "transfer: the stream ended after %zu of %zu bytes\n", got, len);
		goto out;
	}
	rc = 0;
out:
	close(accepted);
	uint32_t retrans = 0;
	struct pollfd p = { .fd = rep[0], .events = POLLIN };
	bool reported = poll(&p, 1, timeout_ms) == 1 &&
			read(rep[0], &retrans, sizeof(retrans)) == sizeof(retrans);
	close(rep[0]);
	if (rc == 0 && !reported) {
		fprintf(stderr, "transfer: the sender did not report\n");
		rc = -1;
	}
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	if (sender_retrans)
		*sender_retrans = retrans;
	return rc;
}

int sb_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}
