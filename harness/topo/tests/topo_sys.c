/* topo_sys.c: system tests of the topology builder: real namespaces,
 * veths and routes, each test in a fresh user + network namespace
 * (sandbox.h). Run as `topo_sys NAME`; ctest runs each name. */
#include <arpa/inet.h>
#include <errno.h>
#include <time.h> /* before linux/errqueue.h, which needs struct timespec */
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "topo/ethtool.h"
#include "topo/netns.h"
#include "topo/nl.h"
#include "topo/tests/sandbox.h"
#include "topo/topo.h"
#include "util/clock.h"
#include "wire/packet.h"

enum { A = 0, R = 1, B = 2 };

/* a --1500-- r --1280-- b, r a router. */
static void desc_router(struct nc_topo_desc *d)
{
	sb_desc_router(d, 1280, false);
}

static int udp_exchange(struct nc_topo *t, unsigned h1, unsigned l1, unsigned h2, unsigned l2,
			int family)
{
	struct nc_addr a1, a2, from;
	int s1 = sb_socket(t, h1, l1, family, SOCK_DGRAM, 2000, &a1);
	int s2 = sb_socket(t, h2, l2, family, SOCK_DGRAM, 2000, &a2);
	SB_CHECK(s1 >= 0 && s2 >= 0, "UDP sockets");
	struct sockaddr_storage ss;
	socklen_t sl = nc_addr_to_sockaddr(&a2, &ss);
	SB_CHECK(sendto(s1, "hello", 5, 0, (struct sockaddr *)&ss, sl) == 5, "sendto: %s",
		 strerror(errno));
	char buf[64];
	sl = sizeof(ss);
	ssize_t n = recvfrom(s2, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
	SB_CHECK(n == 5 && memcmp(buf, "hello", 5) == 0, "recvfrom: %zd (%s)", n, strerror(errno));
	nc_addr_from_sockaddr(&from, (struct sockaddr *)&ss);
	char x[64], y[64];
	SB_CHECK(nc_addr_same(&from, &a1), "the datagram came from %s, not %s",
		 nc_addr_str(&from, x, sizeof(x)), nc_addr_str(&a1, y, sizeof(y)));
	sl = nc_addr_to_sockaddr(&a1, &ss);
	SB_CHECK(sendto(s2, "bye", 3, 0, (struct sockaddr *)&ss, sl) == 3, "reply");
	n = recv(s1, buf, sizeof(buf), 0);
	SB_CHECK(n == 3 && memcmp(buf, "bye", 3) == 0, "the reply: %zd (%s)", n, strerror(errno));
	close(s1);
	close(s2);
	return 0;
}

static int tcp_exchange(struct nc_topo *t, unsigned h1, unsigned l1, unsigned h2, unsigned l2,
			int family, size_t len)
{
	struct nc_addr ca, la;
	int c = sb_socket(t, h1, l1, family, SOCK_STREAM, 5000, &ca);
	int l = sb_socket(t, h2, l2, family, SOCK_STREAM, 5000, &la);
	SB_CHECK(c >= 0 && l >= 0, "TCP sockets");
	int acc;
	SB_CHECK(sb_tcp_connect(c, l, &la, &acc, 5000) >= 0, "connect");
	SB_CHECK(sb_tcp_transfer(c, acc, len, 10000, NULL) == 0, "a %zu-byte transfer", len);
	close(c);
	close(l);
	return 0;
}

/* A UDP datagram and a TCP connection across the router, both families,
 * both ways. */
static int t_router_udp_tcp(void)
{
	struct nc_topo_desc d;
	desc_router(&d);
	struct nc_topo *t = sb_build(&d);
	SB_CHECK(t, "build");
	for (int f = 0; f < 2; f++) {
		int fam = f ? AF_INET6 : AF_INET;
		SB_CHECK(udp_exchange(t, A, 0, B, 1, fam) == 0, "UDP a->b, family %d", fam);
		SB_CHECK(udp_exchange(t, B, 1, A, 0, fam) == 0, "UDP b->a, family %d", fam);
		SB_CHECK(tcp_exchange(t, A, 0, B, 1, fam, 256 * 1024) == 0, "TCP a->b");
		SB_CHECK(tcp_exchange(t, B, 1, A, 0, fam, 256 * 1024) == 0, "TCP b->a");
	}
	nc_topo_free(t);
	return 0;
}

/* a - r1 - r2 - b: routes through two routers. */
static int t_chain_two_routers(void)
{
	struct nc_topo_desc d;
	static const uint32_t mtus[3] = { 1500, 1400, 1280 };
	sb_desc_chain(&d, mtus, 3);
	struct nc_topo *t = sb_build(&d);
	SB_CHECK(t, "build");
	for (int f = 0; f < 2; f++) {
		int fam = f ? AF_INET6 : AF_INET;
		SB_CHECK(udp_exchange(t, 0, 0, 3, 2, fam) == 0, "UDP a->b");
		SB_CHECK(udp_exchange(t, 0, 0, 2, 1, fam) == 0, "UDP a->r2's inner address");
		SB_CHECK(tcp_exchange(t, 3, 2, 0, 0, fam, 64 * 1024) == 0, "TCP b->a");
	}
	nc_topo_free(t);
	return 0;
}

/* No default route: an address the plan did not give is unreachable from
 * every host, so nothing can leave the topology. */
static int t_nothing_leaves(void)
{
	struct nc_topo_desc d;
	desc_router(&d);
	struct nc_topo *t = sb_build(&d);
	SB_CHECK(t, "build");
	static const char *const away[] = { "192.0.2.1", "198.51.100.99", "203.0.113.1",
					    "10.0.0.1", "2001:db8:99::1", "2001:4860::1" };
	for (unsigned h = 0; h < 3; h++)
		for (size_t i = 0; i < sizeof(away) / sizeof(away[0]); i++) {
			int fam = strchr(away[i], ':') ? AF_INET6 : AF_INET;
			int s = sb_socket(t, h, h == B ? 1 : 0, fam, SOCK_DGRAM, 500, NULL);
			SB_CHECK(s >= 0, "socket");
			struct sockaddr_storage ss = { 0 };
			socklen_t sl;
			if (fam == AF_INET) {
				struct sockaddr_in *in = (struct sockaddr_in *)&ss;
				in->sin_family = AF_INET;
				in->sin_port = htons(9);
				inet_pton(AF_INET, away[i], &in->sin_addr);
				sl = sizeof(*in);
			} else {
				struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
				in6->sin6_family = AF_INET6;
				in6->sin6_port = htons(9);
				inet_pton(AF_INET6, away[i], &in6->sin6_addr);
				sl = sizeof(*in6);
			}
			int rc = connect(s, (struct sockaddr *)&ss, sl);
			SB_CHECK(rc < 0 && errno == ENETUNREACH,
				 "host %u reaches %s (connect %d, %s): it must be unreachable", h,
				 away[i], rc, strerror(errno));
			close(s);
		}
	nc_topo_free(t);
	return 0;
}

/* Decodes the frames a packet socket captured. */
static size_t capture(int fd, struct nc_pkt *out, uint8_t (*frames)[256], uint32_t *lens,
		      size_t max)
{
	size_t n = sb_drain_frames(fd, frames, lens, max);
	for (size_t i = 0; i < n; i++)
		nc_pkt_decode(NC_LINK_EN10MB, frames[i], lens[i] < 256 ? lens[i] : 256, lens[i],
			      &out[i]);
	return n;
}

#define CAP_MAX 4096
static uint8_t cap_frames[CAP_MAX][256];
static uint32_t cap_lens[CAP_MAX];
static struct nc_pkt cap_pkts[CAP_MAX];

/* A 4000-byte UDP datagram leaves a in fragments no larger than the MTU
 * of 1500, crosses the 1280 link (fragmented again) and arrives whole. */
static int t_udp_fragments(void)
{
	struct nc_topo_desc d;
	desc_router(&d);
	struct nc_topo *t = sb_build(&d);
	SB_CHECK(t, "build");
	int pa = sb_packet_socket(t, A, 0), pb = sb_packet_socket(t, B, 1);
	struct nc_addr aa, ba;
	int sa = sb_socket(t, A, 0, AF_INET, SOCK_DGRAM, 2000, &aa);
	int sb = sb_socket(t, B, 1, AF_INET, SOCK_DGRAM, 2000, &ba);
	SB_CHECK(pa >= 0 && pb >= 0 && sa >= 0 && sb >= 0, "sockets");
	static uint8_t big[4000], got[5000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = sb_pattern(i);
	struct sockaddr_storage ss;
	socklen_t sl = nc_addr_to_sockaddr(&ba, &ss);
	SB_CHECK(sendto(sa, big, sizeof(big), 0, (struct sockaddr *)&ss, sl) == 4000, "send: %s",
		 strerror(errno));
	ssize_t n = recv(sb, got, sizeof(got), 0);
	SB_CHECK(n == 4000 && memcmp(got, big, 4000) == 0, "b received %zd bytes (%s)", n,
		 strerror(errno));
	struct { int fd; uint32_t mtu; const char *where; } at[2] = {
		{ pa, 1500, "a's link (mtu 1500)" }, { pb, 1280, "b's link (mtu 1280)" } };
	for (int k = 0; k < 2; k++) {
		size_t m = capture(at[k].fd, cap_pkts, cap_frames, cap_lens, CAP_MAX);
		unsigned frags = 0, last = 0;
		for (size_t i = 0; i < m; i++) {
			const struct nc_pkt *p = &cap_pkts[i];
			if (p->ipver != 4 || p->ip_proto != IPPROTO_UDP)
				continue;
			SB_CHECK(cap_lens[i] <= at[k].mtu + 14, "a %u-byte frame on %s", cap_lens[i],
				 at[k].where);
			SB_CHECK(p->fragment, "an unfragmented 4000-byte datagram on %s", at[k].where);
			frags++;
			last += !p->mf;
		}
		SB_CHECK(frags >= 3 && last == 1, "%u fragments (%u last ones) on %s", frags, last,
			 at[k].where);
	}
	close(pa);
	close(pb);
	close(sa);
	close(sb);
	nc_topo_free(t);
	return 0;
}

/* The extended error a socket's error queue holds after an ICMP error. */
static int read_errqueue(int fd, struct sock_extended_err *out)
{
	struct pollfd p = { .fd = fd, .events = 0 };
	if (poll(&p, 1, 2000) != 1 || !(p.revents & POLLERR))
		return -1;
	char data[2048], ctrl[512];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctrl,
			    .msg_controllen = sizeof(ctrl) };
	if (recvmsg(fd, &m, MSG_ERRQUEUE) < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
			memcpy(out, CMSG_DATA(c), sizeof(*out));
			return 0;
		}
	return -1;
}

/* A datagram with "don't fragment" larger than the 1280 link: the router
 * answers with ICMPv6 packet too big / ICMP fragmentation needed, MTU 1280;
 * the socket learns the path MTU and refuses the next one locally. */
static int pmtu_case(struct nc_topo *t, int fam, int cap)
{
	struct nc_addr aa, ba;
	int sa = sb_socket(t, A, 0, fam, SOCK_DGRAM, 2000, &aa);
	int sb = sb_socket(t, B, 1, fam, SOCK_DGRAM, 300, &ba);
	SB_CHECK(sa >= 0 && sb >= 0, "sockets");
	int one = 1, level = fam == AF_INET ? SOL_IP : SOL_IPV6;
	int pmtu = fam == AF_INET ? IP_PMTUDISC_DO : IPV6_PMTUDISC_DO;
	SB_CHECK(setsockopt(sa, level, fam == AF_INET ? IP_MTU_DISCOVER : IPV6_MTU_DISCOVER, &pmtu,
			    sizeof(pmtu)) == 0 &&
			 setsockopt(sa, level, fam == AF_INET ? IP_RECVERR : IPV6_RECVERR, &one,
				    sizeof(one)) == 0,
		 "socket options");
	struct sockaddr_storage ss;
	socklen_t sl = nc_addr_to_sockaddr(&ba, &ss);
	SB_CHECK(connect(sa, (struct sockaddr *)&ss, sl) == 0, "connect");
	static uint8_t payload[1400];
	SB_CHECK(send(sa, payload, sizeof(payload), 0) == (ssize_t)sizeof(payload),
		 "the first send fits a's link: %s", strerror(errno));
	struct sock_extended_err ee;
	SB_CHECK(read_errqueue(sa, &ee) == 0, "no ICMP error came back within 2 s");
	int origin = fam == AF_INET ? SO_EE_ORIGIN_ICMP : SO_EE_ORIGIN_ICMP6;
	int type = fam == AF_INET ? ICMP_DEST_UNREACH : ICMP6_PACKET_TOO_BIG;
	SB_CHECK(ee.ee_errno == EMSGSIZE && ee.ee_origin == origin && ee.ee_type == type &&
			 ee.ee_info == 1280,
		 "the error: errno %u origin %u type %u code %u mtu %u", ee.ee_errno, ee.ee_origin,
		 ee.ee_type, ee.ee_code, ee.ee_info);
	char buf[2048];
	SB_CHECK(recv(sb, buf, sizeof(buf), 0) < 0, "b received the datagram the router refused");
	int mtu = 0;
	socklen_t ml = sizeof(mtu);
	SB_CHECK(getsockopt(sa, level, fam == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &ml) == 0 &&
			 mtu == 1280,
		 "the path MTU is %d", mtu);
	errno = 0;
	SB_CHECK(send(sa, payload, sizeof(payload), 0) < 0 && errno == EMSGSIZE,
		 "the second send is refused locally: %s", strerror(errno));
	/* On the wire: the router's error reached a, quoting a's datagram. */
	size_t m = capture(cap, cap_pkts, cap_frames, cap_lens, CAP_MAX);
	bool seen = false;
	for (size_t i = 0; i < m; i++) {
		const struct nc_pkt *p = &cap_pkts[i];
		if (fam == AF_INET6 && p->l4 == IPPROTO_ICMPV6 && p->icmp_type == ICMP6_PACKET_TOO_BIG)
			seen |= p->icmp_rest == 1280 && p->quote.present;
		if (fam == AF_INET && p->l4 == IPPROTO_ICMP && p->icmp_type == ICMP_DEST_UNREACH &&
		    p->icmp_code == ICMP_FRAG_NEEDED)
			seen |= (p->icmp_rest & 0xffff) == 1280 && p->quote.present;
	}
	SB_CHECK(seen, "no ICMP error with MTU 1280 among %zu frames on a's link", m);
	close(sa);
	close(sb);
	return 0;
}

static int t_pmtu(void)
{
	struct nc_topo_desc d;
	desc_router(&d);
	struct nc_topo *t = sb_build(&d);
	SB_CHECK(t, "build");
	int cap = sb_packet_socket(t, A, 0);
	SB_CHECK(cap >= 0, "packet socket");
	SB_CHECK(pmtu_case(t, AF_INET6, cap) == 0, "IPv6: packet too big");
	SB_CHECK(pmtu_case(t, AF_INET, cap) == 0, "IPv4: fragmentation needed");
	close(cap);
	nc_topo_free(t);
	return 0;
}

struct feature_req {
	const char *ifname, *feature;
	int result;
};

static int feature_in_ns(void *arg)
{
	struct feature_req *r = arg;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct nc_topo_err e;
	r->result = nc_ethtool_feature(s, r->ifname, r->feature, &e);
	close(s);
	return 0;
}

static int feature(struct nc_topo *t, unsigned host, unsigned link, const char *name)
{
	struct feature_req r = { nc_topo_ifname(t, host, link), name, -1 };
	struct nc_topo_err e;
	if (nc_topo_run(t, host, feature_in_ns, &r, &e) < 0)
		return -1;
	return r.result;
}

/* With offloads off, TCP segments fit the link (no 64 KiB "segments" in
 * the capture); with them kept, TSO stays on. */
static int t_segments_fit(void)
{
	struct nc_topo_desc d;
	desc_router(&d);
	struct nc_topo *t = sb_build(&d);
	SB_CHECK(t, "build");
	static const char *const off[] = { "tx-tcp-segmentation", "tx-generic-segmentation",
					   "rx-gro", "tx-checksum-ip-generic" };
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		SB_CHECK(feature(t, A, 0, off[i]) == 0 && feature(t, B, 1, off[i]) == 0,
			 "%s is still on", off[i]);
	for (int f = 0; f < 2; f++) {
		int pa = sb_packet_socket(t, A, 0), pb = sb_packet_socket(t, B, 1);
		SB_CHECK(tcp_exchange(t, A, 0, B, 1, f ? AF_INET6 : AF_INET, 512 * 1024) == 0, "TCP");
		struct { int fd; uint32_t mtu; } at[2] = { { pa, 1500 }, { pb, 1280 } };
		for (int k = 0; k < 2; k++) {
			size_t m = sb_drain_frames(at[k].fd, cap_frames, cap_lens, CAP_MAX);
			uint32_t most = 0;
			for (size_t i = 0; i < m; i++)
				most = cap_lens[i] > most ? cap_lens[i] : most;
			SB_CHECK(m > 100 && most <= at[k].mtu + 14,
				 "%zu frames, the largest %u bytes, on a link of mtu %u", m, most,
				 at[k].mtu);
			close(at[k].fd);
		}
	}
	nc_topo_free(t);
	d.keep_offloads = true;
	t = sb_build(&d);
	SB_CHECK(t, "build, offloads kept");
	SB_CHECK(feature(t, A, 0, "tx-tcp-segmentation") == 1, "TSO is off though kept");
	nc_topo_free(t);
	return 0;
}

/* A veth whose peer is in ns_fd: its end here vanishes when that namespace
 * dies. */
static int probe(struct nc_nl *nl, int here_fd, int ns_fd, unsigned index, const char *name)
{
	static const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 };
	struct nc_nl_veth_end end = { name, here_fd, 1500, mac1, index };
	struct nc_nl_veth_end peer = { "probe", ns_fd, 1500, mac2, 0 };
	struct nc_topo_err e;
	if (nc_nl_veth(nl, &end, &peer, &e) < 0) {
		fprintf(stderr, "probe veth: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static bool gone_within(const char *name, int64_t ns)
{
	int64_t deadline = nc_now_ns() + ns;
	while (if_nametoindex(name) != 0) {
		if (nc_now_ns() > deadline)
			return false;
		usleep(2000);
	}
	return true;
}

/* Closing the descriptors ends the namespaces: a probe veth into each host
 * and into the wire namespace disappears; no descriptor is left open. */
static int t_teardown(void)
{
	struct nc_topo_err e;
	int here = nc_netns_current(&e);
	struct nc_nl nl;
	SB_CHECK(here >= 0 && nc_nl_open(&nl, &e) == 0, "%s", e.msg);
	int before = sb_open_fds();
	struct nc_topo_desc d;
	desc_router(&d);
	d.link[1].wire = true;
	for (int round = 0; round < 10; round++) {
		struct nc_topo *t = sb_build(&d);
		SB_CHECK(t, "build, round %d", round);
		nc_topo_free(t);
	}
	SB_CHECK(sb_open_fds() == before, "%d descriptors open after 10 builds, %d before",
		 sb_open_fds(), before);
	struct nc_topo *t = sb_build(&d);
	SB_CHECK(t, "build");
	char names[4][16];
	for (unsigned h = 0; h < 3; h++) {
		snprintf(names[h], sizeof(names[h]), "probe%u", h);
		SB_CHECK(probe(&nl, here, nc_topo_host_fd(t, h), 200 + h, names[h]) == 0, "probe");
	}
	struct nc_topo_wire w;
	SB_CHECK(nc_topo_wire(t, 1, &w) == 0, "the wire of link 1");
	snprintf(names[3], sizeof(names[3]), "probew");
	SB_CHECK(probe(&nl, here, w.nsfd, 210, names[3]) == 0, "probe the wire");
	nc_topo_free(t);
	for (int i = 0; i < 4; i++)
		SB_CHECK(gone_within(names[i], 5 * NC_SEC), "%s still exists 5 s after the free: "
			 "its namespace lives on", names[i]);
	nc_nl_close(&nl);
	close(here);
	return 0;
}

static bool contains(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

/* Errors name what failed and why, and a failed build leaves nothing. */
static int t_build_errors(void)
{
	struct nc_topo_desc d;
	desc_router(&d);
	struct nc_topo *t;
	struct nc_topo_err e;
	d.link[1].mtu = 1000;
	SB_CHECK(nc_topo_build(&d, &t, &e) < 0 && e.errnum == 0 &&
			 contains(e.msg, "link 1 (r-b): mtu 1000 is outside 1280..65535"),
		 "the message: %s", e.msg);
	desc_router(&d);
	d.host[R].router = false;
	SB_CHECK(nc_topo_build(&d, &t, &e) < 0 &&
			 contains(e.msg, "host a cannot reach host b"),
		 "the message: %s", e.msg);
	/* A kernel error: the caller's namespace (host a) already has the
	 * interface index the plan gives a's end of link 0. */
	int here = nc_netns_current(&e);
	struct nc_nl nl;
	SB_CHECK(here >= 0 && nc_nl_open(&nl, &e) == 0, "%s", e.msg);
	int spare = nc_netns_create(here, NULL, NULL, &e);
	SB_CHECK(spare >= 0, "%s", e.msg);
	SB_CHECK(probe(&nl, here, spare, nc_topo_plan_ifindex(0, NC_TOPO_SIDE_A, false), "taken") == 0,
		 "probe");
	int before = sb_open_fds();
	desc_router(&d);
	d.host[A].current = true;
	SB_CHECK(nc_topo_build(&d, &t, &e) < 0, "the build went through");
	SB_CHECK(e.errnum == EBUSY || e.errnum == EEXIST, "errno %d: %s", e.errnum, e.msg);
	SB_CHECK(contains(e.msg, "link 0 (a-r): create veth eth0/eth0 (mtu 1500): "),
		 "the message: %s", e.msg);
	printf("the kernel's refusal, as reported: %s\n", e.msg);
	SB_CHECK(sb_open_fds() == before, "descriptors left open by a failed build");
	SB_CHECK(if_nametoindex("eth0") == 0, "a failed build left eth0 behind");
	SB_CHECK(if_nametoindex("taken") != 0, "a failed build removed what it did not make");
	/* The kernel's own explanation travels with the errno: a route through
	 * a gateway no link reaches. */
	struct nc_addr dst, via;
	nc_topo_plan_addr(5, NC_TOPO_SIDE_A, AF_INET, &dst, NULL);
	nc_topo_plan_addr(6, NC_TOPO_SIDE_A, AF_INET, &via, NULL);
	SB_CHECK(nc_nl_route(&nl, &dst, 32, &via, 1, &e) < 0, "a route through nowhere was taken");
	printf("an impossible route, as reported: %s\n", e.msg);
	SB_CHECK(e.errnum != 0 && contains(e.msg, "add route 198.51.100.81/32 via 198.51.100.97: ") &&
			 contains(e.msg, " (netlink: "),
		 "no extended-ack text in: %s", e.msg);
	close(spare);
	nc_nl_close(&nl);
	close(here);
	return 0;
}

/* A host can be the caller's own namespace: it works like any other, its
 * end of each link goes when the kernel destroys the other hosts'
 * namespaces, and then the same topology can be built there again. */
static int t_current_host(void)
{
	struct nc_topo_desc d;
	desc_router(&d);
	d.host[A].current = true;
	struct nc_topo *t = sb_build(&d);
	SB_CHECK(t, "build");
	SB_CHECK(if_nametoindex("eth0") == nc_topo_ifindex(t, A, 0), "eth0 is here, index %u",
		 if_nametoindex("eth0"));
	SB_CHECK(udp_exchange(t, A, 0, B, 1, AF_INET6) == 0, "UDP from here to b");
	SB_CHECK(tcp_exchange(t, A, 0, B, 1, AF_INET, 64 * 1024) == 0, "TCP from here to b");
	for (int i = 0; i < 3; i++) {
		nc_topo_free(t);
		SB_CHECK(gone_within("eth0", 5 * NC_SEC), "eth0 outlived the topology by 5 s");
		t = sb_build(&d);
		SB_CHECK(t, "build again, round %d", i);
	}
	nc_topo_free(t);
	return 0;
}

/* The first datagrams sent after the build arrive: when nc_topo_build
 * returns, every interface can send (a veth that got its carrier from its
 * peer drops frames until the kernel has attached its queue discipline, a
 * moment after it looks running) and every address is local (an IPv6
 * address gets its local route from a work queue, and a packet to it
 * before that is dropped). Thirty builds in a row, each followed at once
 * by datagrams that cross both links, both ways, in both families. */
static int first_datagram(struct nc_topo *t, unsigned from, unsigned fl, unsigned to,
			  unsigned tl, int family, int round)
{
	struct nc_addr dst;
	int s1 = sb_socket(t, from, fl, family, SOCK_DGRAM, 1000, NULL);
	int s2 = sb_socket(t, to, tl, family, SOCK_DGRAM, 1000, &dst);
	SB_CHECK(s1 >= 0 && s2 >= 0, "sockets");
	static uint8_t big[1200], got[2048];
	struct sockaddr_storage ss;
	socklen_t sl = nc_addr_to_sockaddr(&dst, &ss);
	SB_CHECK(sendto(s1, big, sizeof(big), 0, (struct sockaddr *)&ss, sl) == sizeof(big), "send");
	ssize_t n = recv(s2, got, sizeof(got), 0);
	SB_CHECK(n == sizeof(big), "round %d, family %d, host %u to %u: the first datagram did "
		 "not arrive (%zd, %s)", round, family, from, to, n, strerror(errno));
	close(s1);
	close(s2);
	return 0;
}

static int t_first_frames(void)
{
	struct nc_topo_desc d;
	desc_router(&d);
	for (int round = 0; round < 30; round++) {
		struct nc_topo *t = sb_build(&d);
		SB_CHECK(t, "build");
		int fam = round % 2 ? AF_INET6 : AF_INET, other = round % 2 ? AF_INET : AF_INET6;
		SB_CHECK(first_datagram(t, A, 0, B, 1, fam, round) == 0, "a to b");
		SB_CHECK(first_datagram(t, B, 1, A, 0, other, round) == 0, "b to a");
		nc_topo_free(t);
	}
	return 0;
}

static ino_t ns_inode(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static int lo_is_up(void *arg)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	*(bool *)arg = ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	close(s);
	return 0;
}

static int report_inode(void *arg)
{
	struct stat st;
	*(ino_t *)arg = stat("/proc/thread-self/ns/net", &st) == 0 ? st.st_ino : 0;
	return 42;
}

/* run and fork place code in a host and come back; each host's loopback
 * is up; lookups agree with the plan. */
static int t_run_fork_lookup(void)
{
	struct nc_topo_desc d;
	desc_router(&d);
	struct nc_topo *t = sb_build(&d);
	SB_CHECK(t, "build");
	struct stat st;
	SB_CHECK(stat("/proc/thread-self/ns/net", &st) == 0, "stat");
	ino_t here = st.st_ino;
	struct nc_topo_err e;
	for (unsigned h = 0; h < 3; h++) {
		ino_t inside = 0;
		SB_CHECK(nc_topo_run(t, h, report_inode, &inside, &e) == 42, "run: %s", e.msg);
		SB_CHECK(inside == ns_inode(nc_topo_host_fd(t, h)) && inside != here,
			 "fn ran in namespace %lu, host %u is %lu", (unsigned long)inside, h,
			 (unsigned long)ns_inode(nc_topo_host_fd(t, h)));
		SB_CHECK(stat("/proc/thread-self/ns/net", &st) == 0 && st.st_ino == here,
			 "not back after run");
		bool up = false;
		SB_CHECK(nc_topo_run(t, h, lo_is_up, &up, &e) == 0 && up, "host %u's loopback is down", h);
		int p[2];
		SB_CHECK(pipe(p) == 0, "pipe");
		pid_t pid = nc_topo_fork(t, h, &e);
		SB_CHECK(pid >= 0, "fork: %s", e.msg);
		if (pid == 0) {
			ino_t mine = 0;
			report_inode(&mine);
			_exit(write(p[1], &mine, sizeof(mine)) == sizeof(mine) ? 0 : 1);
		}
		ino_t child = 0;
		SB_CHECK(read(p[0], &child, sizeof(child)) == sizeof(child) && child == inside,
			 "the child is in namespace %lu", (unsigned long)child);
		waitpid(pid, NULL, 0);
		close(p[0]);
		close(p[1]);
		SB_CHECK(stat("/proc/thread-self/ns/net", &st) == 0 && st.st_ino == here,
			 "not back after fork");
	}
	SB_CHECK(nc_topo_host_index(t, "r") == R && nc_topo_host_index(t, "x") == -1, "names");
	struct nc_addr a;
	char buf[64];
	SB_CHECK(nc_topo_host_addr(t, B, AF_INET, &a) == 0 &&
			 strcmp(nc_addr_host(&a, buf, sizeof(buf)), "198.51.100.18") == 0,
		 "b's address %s", buf);
	SB_CHECK(nc_topo_owner(t, &a) == B, "the owner of b's address");
	SB_CHECK(nc_topo_addr(t, A, 1, AF_INET, &a) < 0, "a has an address on r-b");
	SB_CHECK(strcmp(nc_topo_ifname(t, R, 1), "eth1") == 0 && nc_topo_ifname(t, A, 1) == NULL,
		 "interface names");
	SB_CHECK(nc_topo_socket(t, A, 12345, SOCK_DGRAM, &e) < 0 && e.errnum == EAFNOSUPPORT &&
			 strcmp(e.msg, "host a: socket: Address family not supported by protocol") == 0,
		 "a socket of no family: %s", e.msg);
	nc_topo_free(t);
	return 0;
}

static const struct sb_test tests[] = {
	{ "router_udp_tcp", t_router_udp_tcp, 60 },
	{ "chain_two_routers", t_chain_two_routers, 60 },
	{ "nothing_leaves", t_nothing_leaves, 30 },
	{ "udp_fragments", t_udp_fragments, 30 },
	{ "pmtu", t_pmtu, 30 },
	{ "segments_fit", t_segments_fit, 60 },
	{ "teardown", t_teardown, 60 },
	{ "build_errors", t_build_errors, 30 },
	{ "current_host", t_current_host, 30 },
	{ "run_fork_lookup", t_run_fork_lookup, 30 },
	{ "first_frames", t_first_frames, 60 },
	{ NULL, NULL, 0 },
};

int main(int argc, char **argv)
{
	return sb_main(argc, argv, tests);
}
