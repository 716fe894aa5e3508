/* test_topo.c: unit tests of the topology plan (addresses, names, routes,
 * validation), the netlink acknowledgement reader and error messages. */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tests/unit/cunit_main.h"
#include "topo/err.h"
#include "topo/nl.h"
#include "topo/plan.h"
#include "topo/tests/sandbox.h"

static const char *host_of(const struct nc_addr *a, char *buf, size_t n)
{
	return nc_addr_host(a, buf, n);
}

static void test_addresses(void)
{
	struct nc_addr a;
	unsigned plen;
	char buf[64];
	static const struct {
		unsigned link;
		enum nc_topo_side side;
		int family;
		const char *text;
		unsigned plen;
	} cases[] = {
		{ 0, NC_TOPO_SIDE_A, AF_INET, "198.51.100.1", 28 },
		{ 0, NC_TOPO_SIDE_B, AF_INET, "198.51.100.2", 28 },
		{ 1, NC_TOPO_SIDE_A, AF_INET, "198.51.100.17", 28 },
		{ 15, NC_TOPO_SIDE_B, AF_INET, "198.51.100.242", 28 },
		{ 16, NC_TOPO_SIDE_A, AF_INET, "203.0.113.1", 28 },
		{ 31, NC_TOPO_SIDE_B, AF_INET, "203.0.113.242", 28 },
		{ 0, NC_TOPO_SIDE_A, AF_INET6, "2001:db8:1::1", 64 },
		{ 0, NC_TOPO_SIDE_B, AF_INET6, "2001:db8:1::2", 64 },
		{ 31, NC_TOPO_SIDE_B, AF_INET6, "2001:db8:20::2", 64 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nc_topo_plan_addr(cases[i].link, cases[i].side, cases[i].family, &a, &plen);
		CU_ASSERT_STRING_EQUAL(host_of(&a, buf, sizeof(buf)), cases[i].text);
		CU_ASSERT_EQUAL(plen, cases[i].plen);
		CU_ASSERT_EQUAL(a.port, 0);
	}
}

/* Every address is in a documentation range, none in 192.0.2.0/24 (some
 * build machines' own uplink), and no two are the same. */
static void test_address_ranges(void)
{
	struct nc_addr all[NC_TOPO_MAX_LINKS * 2][2];
	for (unsigned l = 0; l < NC_TOPO_MAX_LINKS; l++)
		for (int s = 0; s < 2; s++) {
			struct nc_addr *v4 = &all[2 * l + s][0], *v6 = &all[2 * l + s][1];
			nc_topo_plan_addr(l, (enum nc_topo_side)s, AF_INET, v4, NULL);
			nc_topo_plan_addr(l, (enum nc_topo_side)s, AF_INET6, v6, NULL);
			bool net2 = v4->ip[0] == 198 && v4->ip[1] == 51 && v4->ip[2] == 100;
			bool net3 = v4->ip[0] == 203 && v4->ip[1] == 0 && v4->ip[2] == 113;
			CU_ASSERT(net2 || net3);
			CU_ASSERT_FALSE(v4->ip[0] == 192 && v4->ip[1] == 0 && v4->ip[2] == 2);
			static const uint8_t doc6[4] = { 0x20, 0x01, 0x0d, 0xb8 };
			CU_ASSERT_EQUAL(memcmp(v6->ip, doc6, 4), 0);
		}
	for (size_t i = 0; i < NC_TOPO_MAX_LINKS * 2; i++)
		for (size_t j = 0; j < i; j++)
			for (int f = 0; f < 2; f++)
				CU_ASSERT(memcmp(all[i][f].ip, all[j][f].ip, 16) != 0);
}

static void test_mac_linklocal_ifindex(void)
{
	uint8_t mac[6];
	nc_topo_plan_mac(3, NC_TOPO_SIDE_B, false, mac);
	static const uint8_t want[6] = { 0x02, 0x6e, 0x63, 0x00, 0x03, 0x02 };
	CU_ASSERT_EQUAL(memcmp(mac, want, 6), 0);
	nc_topo_plan_mac(3, NC_TOPO_SIDE_B, true, mac);
	CU_ASSERT_EQUAL(mac[3], 1);
	struct nc_addr ll;
	char buf[64];
	nc_topo_plan_mac(3, NC_TOPO_SIDE_B, false, mac);
	nc_topo_plan_linklocal(mac, &ll);
	CU_ASSERT_STRING_EQUAL(host_of(&ll, buf, sizeof(buf)), "fe80::6e:63ff:fe00:302");
	/* Each end's index differs from its peer's, host end or wire end. */
	for (unsigned l = 0; l < NC_TOPO_MAX_LINKS; l++) {
		unsigned ha = nc_topo_plan_ifindex(l, NC_TOPO_SIDE_A, false);
		unsigned hb = nc_topo_plan_ifindex(l, NC_TOPO_SIDE_B, false);
		unsigned wa = nc_topo_plan_ifindex(l, NC_TOPO_SIDE_A, true);
		unsigned wb = nc_topo_plan_ifindex(l, NC_TOPO_SIDE_B, true);
		CU_ASSERT(ha != hb && ha != wa && hb != wb && wa != wb);
		CU_ASSERT(ha > 1 && wa > 1); /* 1 is the loopback's */
	}
	CU_ASSERT_EQUAL(nc_topo_plan_ifindex(0, NC_TOPO_SIDE_A, false), 10);
	CU_ASSERT_EQUAL(nc_topo_plan_ifindex(2, NC_TOPO_SIDE_B, true), 105);
}

/* a --0-- r --1-- b */
static void desc_arb(struct nc_topo_desc *d)
{
	sb_desc_router(d, 1280, false);
}

static void test_names(void)
{
	struct nc_topo_desc d;
	desc_arb(&d);
	char name[16];
	nc_topo_plan_ifname(&d, 1, 0, false, NC_TOPO_SIDE_B, name);
	CU_ASSERT_STRING_EQUAL(name, "eth0");
	nc_topo_plan_ifname(&d, 1, 1, false, NC_TOPO_SIDE_A, name);
	CU_ASSERT_STRING_EQUAL(name, "eth1");
	nc_topo_plan_ifname(&d, 2, 1, false, NC_TOPO_SIDE_B, name);
	CU_ASSERT_STRING_EQUAL(name, "eth0");
	nc_topo_plan_ifname(&d, 0, 1, true, NC_TOPO_SIDE_B, name);
	CU_ASSERT_STRING_EQUAL(name, "w1b");
	CU_ASSERT_EQUAL(nc_topo_plan_side(&d, 1, 2), NC_TOPO_SIDE_B);
	CU_ASSERT_EQUAL(nc_topo_plan_side(&d, 1, 0), -1);
	CU_ASSERT_EQUAL(nc_topo_plan_port(&d, 0, 1), -1);
}

static void route_str(const struct nc_topo_route *r, const struct nc_topo_desc *d, char *buf,
		      size_t n)
{
	char dst[64], via[64];
	snprintf(buf, n, "%s: %s via %s link %u", d->host[r->host].name,
		 host_of(&r->dst, dst, sizeof(dst)), host_of(&r->via, via, sizeof(via)), r->link);
}

static void expect_routes(const struct nc_topo_desc *d, const char *const *want, size_t nwant)
{
	struct nc_topo_route r[64];
	char err[256], buf[160];
	int n = nc_topo_plan_routes(d, r, 64, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(n, (int)nwant);
	for (int i = 0; i < n; i++) {
		route_str(&r[i], d, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, want[i]);
	}
	CU_ASSERT_EQUAL(nc_topo_plan_routes(d, NULL, 64, err, sizeof(err)), (int)nwant);
}

static void test_routes_router(void)
{
	struct nc_topo_desc d;
	desc_arb(&d);
	static const char *const want[] = {
		"a: 198.51.100.17 via 198.51.100.2 link 0",
		"a: 2001:db8:2::1 via 2001:db8:1::2 link 0",
		"a: 198.51.100.18 via 198.51.100.2 link 0",
		"a: 2001:db8:2::2 via 2001:db8:1::2 link 0",
		"b: 198.51.100.1 via 198.51.100.17 link 1",
		"b: 2001:db8:1::1 via 2001:db8:2::1 link 1",
		"b: 198.51.100.2 via 198.51.100.17 link 1",
		"b: 2001:db8:1::2 via 2001:db8:2::1 link 1",
	};
	expect_routes(&d, want, sizeof(want) / sizeof(want[0]));
}

/* a - r1 - r2 - b: b's address is two routers away from a. */
static void test_routes_chain(void)
{
	struct nc_topo_desc d;
	static const uint32_t mtus[3] = { 1500, 1500, 1500 };
	sb_desc_chain(&d, mtus, 3);
	struct nc_topo_route r[64];
	char err[256], buf[160];
	int n = nc_topo_plan_routes(&d, r, 64, err, sizeof(err));
	int found = 0;
	for (int i = 0; i < n; i++) {
		route_str(&r[i], &d, buf, sizeof(buf));
		if (strcmp(buf, "a: 198.51.100.34 via 198.51.100.2 link 0") == 0)
			found |= 1;
		/* r1 reaches b's address through r2's address on link 1. */
		if (strcmp(buf, "r1: 198.51.100.34 via 198.51.100.18 link 1") == 0)
			found |= 2;
	}
	CU_ASSERT_EQUAL(found, 3);
	/* The addresses on links a host is not on, counted by hand: a: r1@1,
	 * r2@1, r2@2, b@2; r1: r2@2, b@2; r2: a@0, r1@0; b: a@0, r1@0, r1@1,
	 * r2@1; each in two families. */
	CU_ASSERT_EQUAL(n, 2 * (4 + 2 + 2 + 4));
}

/* A square a-r1-b, a-r2-b (b a router too, or r1 and r2 could not reach
 * each other): a's route to b goes through r1, the lower link. */
static void test_routes_tie(void)
{
	struct nc_topo_desc d = { 0 };
	nc_topo_desc_host(&d, "a", false);
	nc_topo_desc_host(&d, "r1", true);
	nc_topo_desc_host(&d, "r2", true);
	nc_topo_desc_host(&d, "b", true);
	nc_topo_desc_link(&d, 0, 1, 1500, false);
	nc_topo_desc_link(&d, 1, 3, 1500, false);
	nc_topo_desc_link(&d, 0, 2, 1500, false);
	nc_topo_desc_link(&d, 2, 3, 1500, false);
	struct nc_topo_route r[128];
	char err[256], buf[160];
	int n = nc_topo_plan_routes(&d, r, 128, err, sizeof(err));
	if (n <= 0)
		printf("\n  %s\n", err);
	CU_ASSERT(n > 0);
	int hits = 0;
	for (int i = 0; i < n; i++) {
		route_str(&r[i], &d, buf, sizeof(buf));
		if (strncmp(buf, "a: 198.51.100.18 ", 17) == 0) {
			CU_ASSERT_STRING_EQUAL(buf, "a: 198.51.100.18 via 198.51.100.2 link 0");
			hits++;
		}
	}
	CU_ASSERT_EQUAL(hits, 1);
}

static void expect_error(const struct nc_topo_desc *d, const char *text)
{
	char err[256] = "";
	CU_ASSERT_EQUAL(nc_topo_plan_check(d, err, sizeof(err)), -1);
	if (strcmp(err, text) != 0)
		printf("\n  got:  %s\n  want: %s\n", err, text);
	CU_ASSERT_STRING_EQUAL(err, text);
}

static void test_validation(void)
{
	struct nc_topo_desc d;
	char err[256];
	desc_arb(&d);
	CU_ASSERT_EQUAL(nc_topo_plan_check(&d, err, sizeof(err)), 0);
	d.host[1].router = false;
	expect_error(&d, "host a cannot reach host b: no link joins them, and no path between "
			 "them has only routers inside");
	desc_arb(&d);
	strcpy(d.host[2].name, "a");
	expect_error(&d, "host 2: the name 'a' is already host 0's");
	desc_arb(&d);
	strcpy(d.host[2].name, "b c");
	expect_error(&d, "host 2: the name 'b c' is not 1 to 31 letters, digits, '-' or '_'");
	desc_arb(&d);
	d.host[0].name[0] = '\0';
	expect_error(&d, "host 0: the name '' is not 1 to 31 letters, digits, '-' or '_'");
	desc_arb(&d);
	d.link[0].b = 0;
	expect_error(&d, "link 0 (a-a): a link joins two different hosts");
	desc_arb(&d);
	d.link[1].b = 7;
	expect_error(&d, "link 1: it names host 7, but there are 3 hosts");
	desc_arb(&d);
	d.link[0].mtu = 1279;
	expect_error(&d, "link 0 (a-r): mtu 1279 is outside 1280..65535 (every link carries IPv6, "
			 "whose least MTU is 1280; a veth takes at most 65535)");
	desc_arb(&d);
	d.link[0].mtu = 65536;
	CU_ASSERT_EQUAL(nc_topo_plan_check(&d, err, sizeof(err)), -1);
	desc_arb(&d);
	d.host[0].current = d.host[2].current = true;
	expect_error(&d, "2 hosts are marked as the caller's own namespace; at most one can be");
	memset(&d, 0, sizeof(d));
	expect_error(&d, "a topology has 1 to 16 hosts, not 0");
	/* One host alone is a topology (no links, nothing to reach). */
	nc_topo_desc_host(&d, "solo", false);
	CU_ASSERT_EQUAL(nc_topo_plan_check(&d, err, sizeof(err)), 0);
	/* Nine links on one host. */
	memset(&d, 0, sizeof(d));
	nc_topo_desc_host(&d, "hub", true);
	for (int i = 0; i < 9; i++) {
		char name[8];
		snprintf(name, sizeof(name), "h%d", i);
		int h = nc_topo_desc_host(&d, name, false);
		nc_topo_desc_link(&d, 0, (unsigned)h, 1500, false);
	}
	expect_error(&d, "host hub has 9 links; a host has at most 8");
	/* Full descriptions refuse more. */
	memset(&d, 0, sizeof(d));
	for (int i = 0; i < NC_TOPO_MAX_HOSTS; i++)
		CU_ASSERT(nc_topo_desc_host(&d, "x", false) == i);
	CU_ASSERT_EQUAL(nc_topo_desc_host(&d, "x", false), -1);
}

/* Builds a netlink acknowledgement as the kernel sends it: an error
 * message, capped, with an extended-ack text when text is not NULL. */
static size_t make_ack(uint8_t *buf, uint32_t seq, int error, const char *text)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags = NLM_F_CAPPED | (text ? NLM_F_ACK_TLVS : 0);
	struct nlmsgerr *err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
	err->error = error;
	err->msg.nlmsg_len = sizeof(struct nlmsghdr);
	err->msg.nlmsg_seq = seq;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	return nlh->nlmsg_len;
}

static void test_parse_ack(void)
{
	uint8_t buf[512];
	int error = 1;
	char msg[128];
	size_t n = make_ack(buf, 7, 0, NULL);
	CU_ASSERT_EQUAL(nc_nl_parse_ack(buf, n, 7, &error, msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(error, 0);
	CU_ASSERT_STRING_EQUAL(msg, "");
	n = make_ack(buf, 8, -EEXIST, "Link already exists");
	CU_ASSERT_EQUAL(nc_nl_parse_ack(buf, n, 8, &error, msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(error, -EEXIST);
	CU_ASSERT_STRING_EQUAL(msg, "Link already exists");
	/* The text is cut to the room given, never past it. */
	char small[5];
	CU_ASSERT_EQUAL(nc_nl_parse_ack(buf, n, 8, &error, small, sizeof(small)), 1);
	CU_ASSERT_STRING_EQUAL(small, "Link");
	/* An acknowledgement of another request is not ours. */
	CU_ASSERT_EQUAL(nc_nl_parse_ack(buf, n, 9, &error, msg, sizeof(msg)), 0);
	/* A message cut short is malformed; so is a positive error. */
	CU_ASSERT_EQUAL(nc_nl_parse_ack(buf, n - 6, 8, &error, msg, sizeof(msg)), -1);
	n = make_ack(buf, 10, 5, NULL);
	CU_ASSERT_EQUAL(nc_nl_parse_ack(buf, n, 10, &error, msg, sizeof(msg)), -1);
	/* An error message too short for its struct. */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = 11;
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	CU_ASSERT_EQUAL(nc_nl_parse_ack(buf, nlh->nlmsg_len, 11, &error, msg, sizeof(msg)), -1);
	/* An extended-ack attribute whose length runs past the message. */
	n = make_ack(buf, 12, -EINVAL, "Nexthop has invalid gateway");
	struct nlattr *attr = (struct nlattr *)(buf + NLMSG_HDRLEN + sizeof(struct nlmsgerr));
	attr->nla_len = 200;
	CU_ASSERT_EQUAL(nc_nl_parse_ack(buf, n, 12, &error, msg, sizeof(msg)), 1);
	CU_ASSERT_EQUAL(error, -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg, "");
}

static void test_errors(void)
{
	struct nc_topo_err e;
	nc_topo_err_set(&e, ENOENT, "open %s", "/proc/x");
	CU_ASSERT_STRING_EQUAL(e.msg, "open /proc/x: No such file or directory");
	CU_ASSERT_EQUAL(e.errnum, ENOENT);
	nc_topo_err_prefix(&e, "host %s", "r");
	CU_ASSERT_STRING_EQUAL(e.msg, "host r: open /proc/x: No such file or directory");
	nc_topo_err_set(&e, 0, "plain");
	CU_ASSERT_STRING_EQUAL(e.msg, "plain");
	/* Prefixes that overflow are cut, the message stays terminated. */
	char longer[600];
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	nc_topo_err_prefix(&e, "%s", longer);
	CU_ASSERT_EQUAL(strlen(e.msg), sizeof(e.msg) - 1);
	nc_topo_err_set(NULL, 1, "ignored");
	nc_topo_err_prefix(NULL, "ignored");
}

void nc_unit_register(void)
{
	static const struct nc_unit_test plan[] = {
		{ "addresses", test_addresses },
		{ "address ranges", test_address_ranges },
		{ "mac, link-local, ifindex", test_mac_linklocal_ifindex },
		{ "names", test_names },
		{ "routes through a router", test_routes_router },
		{ "routes through two routers", test_routes_chain },
		{ "routes: ties", test_routes_tie },
		{ "validation", test_validation },
		{ NULL, NULL },
	};
	static const struct nc_unit_test io[] = {
		{ "netlink acknowledgements", test_parse_ack },
		{ "error messages", test_errors },
		{ NULL, NULL },
	};
	nc_unit_suite("plan", plan);
	nc_unit_suite("netlink", io);
}
