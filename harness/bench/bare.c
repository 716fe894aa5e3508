/* bare.c: the bare C baselines netconform's benchmark compares against.
 *
 *   nc-bench-bare pair udp|tcp N [netns] [-j W]
 *                                          N forked server/client pairs doing
 *                                          a UDP hello/bye or a TCP greeting
 *                                          and reply on loopback, each pair
 *                                          optionally in a fresh network
 *                                          namespace, W at once (default 1,
 *                                          as wide as netconform's -j for the
 *                                          fair floor); prints wall ms per
 *                                          pair
 *   nc-bench-bare bulk BYTES               one TCP transfer of BYTES over
 *                                          loopback in a fresh namespace;
 *                                          prints the seconds it took
 *
 * Nothing here is checked or captured: it is the cost of the sockets alone,
 * which netconform's per-variant figures are divided by.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void lo_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &r) < 0)
		die("SIOCGIFFLAGS");
	r.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &r) < 0)
		die("SIOCSIFFLAGS");
	close(fd);
}

/* The server binds an ephemeral port and tells the parent through a pipe,
 * as netconform's readiness barrier does; then the client runs. */
static void one_pair(int tcp)
{
	int ready[2];
	if (pipe(ready) < 0)
		die("pipe");
	int type = tcp ? SOCK_STREAM : SOCK_DGRAM;
	pid_t srv = fork();
	if (srv == 0) {
		int fd = socket(AF_INET, type, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(a);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (tcp && listen(fd, 1) < 0))
			die("bind");
		getsockname(fd, (struct sockaddr *)&a, &len);
		if (write(ready[1], &a.sin_port, 2) != 2)
			die("write");
		char buf[1024];
		if (tcp) {
			int c = accept(fd, NULL, NULL);
			if (send(c, "hello welcome", 13, 0) < 0 || recv(c, buf, sizeof(buf), 0) < 0)
				die("server io");
			close(c);
		} else {
			if (recv(fd, buf, sizeof(buf), 0) < 0 || recv(fd, buf, sizeof(buf), 0) < 0)
				die("server recv");
		}
		_exit(0);
	}
	uint16_t port;
	if (read(ready[0], &port, 2) != 2)
		die("read");
	close(ready[0]);
	close(ready[1]);
	pid_t cli = fork();
	if (cli == 0) {
		int fd = socket(AF_INET, type, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = port,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		char buf[1024];
		if (tcp) {
			if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
			    recv(fd, buf, sizeof(buf), 0) < 0 || send(fd, "hi I'm coming", 13, 0) < 0)
				die("client io");
		} else {
			if (sendto(fd, "hello", 5, 0, (struct sockaddr *)&a, sizeof(a)) < 0 ||
			    sendto(fd, "bye", 3, 0, (struct sockaddr *)&a, sizeof(a)) < 0)
				die("client send");
		}
		_exit(0);
	}
	waitpid(srv, NULL, 0);
	waitpid(cli, NULL, 0);
}

static void pair_in(int tcp, int netns)
{
	if (!netns) {
		one_pair(tcp);
		return;
	}
	long pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		die("clone");
	if (pid == 0) {
		lo_up();
		one_pair(tcp);
		_exit(0);
	}
	waitpid((pid_t)pid, NULL, 0);
}

/* W workers share the N pairs, each doing its part one pair at a time. */
static void pairs(int tcp, int n, int netns, int width)
{
	if (width < 1)
		width = 1;
	double t0 = now_s();
	for (int w = 0; w < width; w++) {
		int share = n / width + (w < n % width);
		pid_t pid = width == 1 ? 0 : fork();
		if (pid < 0)
			die("fork");
		if (pid > 0)
			continue;
		for (int i = 0; i < share; i++)
			pair_in(tcp, netns);
		if (width == 1)
			break;
		_exit(0);
	}
	while (wait(NULL) > 0)
		;
	printf("%.4f\n", (now_s() - t0) * 1000.0 / n);
}

static void bulk(unsigned long long bytes)
{
	long pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		die("clone");
	if (pid != 0) {
		int st;
		waitpid((pid_t)pid, &st, 0);
		exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
	}
	lo_up();
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 1) < 0)
		die("bind");
	getsockname(ls, (struct sockaddr *)&a, &len);
	double t0 = now_s();
	pid_t cli = fork();
	if (cli == 0) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		static char buf[256 * 1024];
		memset(buf, 0x5a, sizeof(buf));
		unsigned long long left = bytes;
		while (left) {
			size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
			ssize_t w = send(fd, buf, n, 0);
			if (w < 0)
				die("send");
			left -= (unsigned long long)w;
		}
		close(fd);
		_exit(0);
	}
	int c = accept(ls, NULL, NULL);
	static char buf[256 * 1024];
	unsigned long long got = 0;
	ssize_t r;
	while ((r = recv(c, buf, sizeof(buf), 0)) > 0)
		got += (unsigned long long)r;
	waitpid(cli, NULL, 0);
	if (got != bytes) {
		fprintf(stderr, "received %llu of %llu bytes\n", got, bytes);
		exit(1);
	}
	printf("%.4f\n", now_s() - t0);
	exit(0);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "pair")) {
		int netns = 0, width = 1;
		for (int i = 4; i < argc; i++) {
			if (!strcmp(argv[i], "netns"))
				netns = 1;
			else if (!strcmp(argv[i], "-j") && i + 1 < argc)
				width = atoi(argv[++i]);
		}
		pairs(!strcmp(argv[2], "tcp"), atoi(argv[3]), netns, width);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "bulk")) {
		bulk(strtoull(argv[2], NULL, 10));
		return 0;
	}
	fprintf(stderr, "usage: nc-bench-bare pair udp|tcp N [netns] [-j W] | bulk BYTES\n");
	return 2;
}
