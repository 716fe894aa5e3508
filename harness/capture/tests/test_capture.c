/* test_capture.c: the capture on a fresh namespace's loopback: every
 * packet once, whole and stamped when it was captured; the marker ends a
 * drain; a capture that cannot queue a packet counts it as a drop. Each
 * case runs in a child in namespaces of its own; where namespaces are not
 * available (NETCONFORM_NO_NAMESPACES=1 included) the cases say so and
 * pass, as netconform itself then runs without capture. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/capture.h"
#include "proc/ns.h"
#include "tests/unit/cunit_main.h"
#include "util/clock.h"

struct seen {
	int frames;
	int udp_small;          /* frames carrying a 5-byte UDP payload */
	uint32_t biggest;       /* largest frame length */
	int cut;                /* frames captured shorter than they were */
	int64_t first_ts, last_ts;
};

static void count(void *ctx, const struct nc_captured *p)
{
	struct seen *s = ctx;
	s->frames++;
	if (p->len > s->biggest)
		s->biggest = p->len;
	if (p->caplen < p->len)
		s->cut++;
	/* Ethernet 14 + IPv4 20 + UDP 8 + 5 */
	if (p->len == 47 && p->data[23] == IPPROTO_UDP)
		s->udp_small++;
	if (!s->first_ts)
		s->first_ts = p->ts_ns;
	s->last_ts = p->ts_ns;
}

static int udp_pair(int *tx, struct sockaddr_in *to)
{
	*tx = socket(AF_INET, SOCK_DGRAM, 0);
	int rx = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (*tx < 0 || rx < 0 || bind(rx, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(rx, (struct sockaddr *)&a, &len) < 0)
		return -1;
	*to = a;
	return rx;
}

/* Opens the capture on this namespace's "lo"; says why when it cannot. */
static struct nc_capture *open_lo(int limit)
{
	char err[256];
	enum nc_capture_fail why;
	struct nc_capture *c = nc_capture_open("lo", limit, err, sizeof(err), &why);
	if (!c)
		fprintf(stderr, "%s\n", err);
	return c;
}

/* Drains the capture into s; true when the marker came and nothing was
 * dropped. */
static bool drained_clean(struct nc_capture *c, struct seen *s)
{
	char err[256];
	uint64_t drops = 1;
	return nc_capture_drain(c, count, s, nc_now_ns() + 2 * NC_SEC, err, sizeof(err)) == 0 &&
	       nc_capture_drops(c, &drops) == 0 && drops == 0;
}

/* Child: ten datagrams are captured once each (not also on their way out),
 * stamped between their sending and the drain, and nothing is dropped. */
static int body_datagrams(void)
{
	struct nc_capture *c = open_lo(NC_CAPTURE_BUFFER_MIN);
	if (!c)
		return 10;
	int tx;
	struct sockaddr_in to;
	if (udp_pair(&tx, &to) < 0)
		return 11;
	int64_t before = nc_realtime_ns();
	for (int i = 0; i < 10; i++)
		if (sendto(tx, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)) != 5)
			return 12;
	struct seen s = { 0 };
	if (!drained_clean(c, &s))
		return 13;
	int64_t after = nc_realtime_ns();
	if (s.frames != 10 || s.udp_small != 10)
		return 15;
	if (s.first_ts < before || s.last_ts > after)
		return 16;
	nc_capture_close(c);
	return 0;
}

/* Child: a TCP transfer's segments (up to 64 KiB on "lo") arrive whole. */
static int body_segments(void)
{
	char err[256];
	struct nc_capture *c = open_lo(NC_CAPTURE_BUFFER_MIN);
	if (!c)
		return 10;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 1) < 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &len) < 0)
		return 11;
	int cs = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(cs, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 12;
	int as = accept(ls, NULL, NULL);
	static char buf[1 << 20];
	struct seen s = { 0 };
	size_t sent = 0, got = 0;
	while (got < sizeof(buf)) {
		if (sent < sizeof(buf)) {
			ssize_t w = send(cs, buf + sent, sizeof(buf) - sent, MSG_DONTWAIT);
			if (w > 0)
				sent += (size_t)w;
		}
		ssize_t r = recv(as, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
		if (nc_capture_read(c, count, &s, err, sizeof(err)) < 0)
			return 13;
	}
	if (!drained_clean(c, &s))
		return 14;
	if (s.cut != 0 || s.biggest <= 32768)
		return 16;
	nc_capture_close(c);
	return 0;
}

/* Child: with room for only a few packets and nobody reading, most of 200
 * datagrams cannot be queued, and each one is counted as a drop. */
static int body_drops(void)
{
	char err[256];
	struct nc_capture *c = open_lo(8192);
	if (!c)
		return 10;
	int tx;
	struct sockaddr_in to;
	int rx = udp_pair(&tx, &to);
	if (rx < 0)
		return 11;
	int one = 1 << 20;
	setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &one, sizeof(one));
	for (int i = 0; i < 200; i++)
		if (sendto(tx, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)) != 5)
			return 12;
	struct seen s = { 0 };
	if (nc_capture_read(c, count, &s, err, sizeof(err)) < 0)
		return 13;
	uint64_t drops = 0;
	if (nc_capture_drops(c, &drops) < 0)
		return 14;
	/* Every datagram is either delivered or counted. */
	if (drops == 0 || (uint64_t)s.frames + drops != 200)
		return 15;
	nc_capture_close(c);
	return 0;
}

/* Runs body in namespaces of its own; returns its exit status, or -1 when
 * this machine has no namespaces to offer. */
static int in_namespace(int (*body)(void))
{
	static struct nc_ns ns;
	static bool probed;
	if (!probed) {
		nc_ns_probe(&ns);
		probed = true;
	}
	if (ns.mode == NC_NS_HOST) {
		printf("\n  skipped: no network namespaces here (%s)\n", ns.note);
		return -1;
	}
	fflush(NULL);
	pid_t pid = nc_ns_spawn(&ns);
	if (pid == 0)
		_exit(body());
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 99;
	return WEXITSTATUS(st);
}

static void test_datagrams(void)
{
	int rc = in_namespace(body_datagrams);
	if (rc >= 0)
		CU_ASSERT_EQUAL(rc, 0);
}

static void test_segments(void)
{
	int rc = in_namespace(body_segments);
	if (rc >= 0)
		CU_ASSERT_EQUAL(rc, 0);
}

static void test_drops(void)
{
	int rc = in_namespace(body_drops);
	if (rc >= 0)
		CU_ASSERT_EQUAL(rc, 0);
}

void nc_unit_register(void)
{
	CU_pSuite s = CU_add_suite("capture", NULL, NULL);
	CU_add_test(s, "each packet once, stamped when captured, no drops", test_datagrams);
	CU_add_test(s, "64 KiB segments captured whole", test_segments);
	CU_add_test(s, "packets that cannot be queued are counted as drops", test_drops);
}
