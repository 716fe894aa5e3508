/* nl.c: rtnetlink requests with acknowledgements and extended acks (nl.h). */
#include "topo/nl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util/text.h"

int nc_nl_open(struct nc_nl *nl, struct nc_topo_err *e)
{
	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sk) {
		nc_topo_err_set(e, errno, "open a route netlink socket");
		return -1;
	}
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		nc_topo_err_set(e, errno, "bind a route netlink socket");
		nc_nl_close(nl);
		return -1;
	}
	/* Extended acks carry the kernel's reason in words; capped acks do
	 * not echo the request back. Both are best effort: an old kernel
	 * without them still answers with an errno. */
	int one = 1;
	(void)mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void nc_nl_close(struct nc_nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

/* The extended-ack text among the attributes after an error message. */
static void ack_text(const struct nlmsghdr *nlh, const struct nlmsgerr *err, char *msg,
		     size_t msglen)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	size_t payload = mnl_nlmsg_get_payload_len(nlh);
	size_t off = sizeof(*err);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < sizeof(struct nlmsghdr))
			return;
		off += MNL_ALIGN(err->msg.nlmsg_len - sizeof(struct nlmsghdr));
	}
	if (off >= payload)
		return;
	/* mnl_attr_ok checks each attribute against the bytes left. */
	struct nlattr *attr;
	void *base = (char *)mnl_nlmsg_get_payload(nlh) + off;
	mnl_attr_for_each_payload(base, payload - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			nc_strlcpy(msg, mnl_attr_get_str(attr), msglen);
			return;
		}
	}
}

int nc_nl_parse_ack(const void *buf, size_t len, uint32_t seq, int *error, char *msg,
		    size_t msglen)
{
	if (msglen)
		msg[0] = '\0';
	const struct nlmsghdr *nlh = buf;
	int left = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;
	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_seq == seq) {
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nlmsgerr))
				return -1;
			const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
			*error = err->error;
			if (err->error > 0)
				return -1;
			ack_text(nlh, err, msg, msglen);
			return 1;
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	/* Bytes left that do not make a message: a truncated answer. */
	return left > 0 ? -1 : 0;
}

/* Sends the request and waits for its acknowledgement. what names the
 * request in the error message. */
static int talk(struct nc_nl *nl, struct nlmsghdr *nlh, const char *what, struct nc_topo_err *e)
{
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0) {
		nc_topo_err_set(e, errno, "%s: send to netlink", what);
		return -1;
	}
	char buf[MNL_SOCKET_BUFFER_SIZE];
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			nc_topo_err_set(e, errno, "%s: receive from netlink", what);
			return -1;
		}
		int error = 0;
		char text[256];
		int rc = nc_nl_parse_ack(buf, (size_t)n, nlh->nlmsg_seq, &error, text, sizeof(text));
		if (rc < 0) {
			nc_topo_err_set(e, EPROTO, "%s: a malformed netlink answer", what);
			return -1;
		}
		if (rc == 0)
			continue; /* not ours (a late answer to nothing we wait for) */
		if (error == 0)
			return 0;
		/* The errno text first, where readers look, then the kernel's
		 * own explanation. */
		if (text[0]) {
			nc_topo_err_set(e, 0, "%s: %s (netlink: %s)", what, strerror(-error), text);
			if (e)
				e->errnum = -error;
		} else {
			nc_topo_err_set(e, -error, "%s", what);
		}
		return -1;
	}
}

/* A request of `type` in buf, its fixed header (`extra` bytes, zeroed) in
 * *hdr. */
static struct nlmsghdr *put_msg(char *buf, uint16_t type, uint16_t flags, size_t extra, void **hdr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	*hdr = mnl_nlmsg_put_extra_header(nlh, extra);
	return nlh;
}

static struct nlmsghdr *put_link(char *buf, uint16_t type, uint16_t flags,
				 struct ifinfomsg **ifm)
{
	struct nlmsghdr *nlh = put_msg(buf, type, flags, sizeof(**ifm), (void **)ifm);
	(*ifm)->ifi_family = AF_UNSPEC;
	return nlh;
}

static void put_end_attrs(struct nlmsghdr *nlh, const struct nc_nl_veth_end *end)
{
	mnl_attr_put_strz(nlh, IFLA_IFNAME, end->name);
	mnl_attr_put_u32(nlh, IFLA_MTU, end->mtu);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, end->mac);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)end->nsfd);
}

int nc_nl_veth(struct nc_nl *nl, const struct nc_nl_veth_end *end,
	       const struct nc_nl_veth_end *peer, struct nc_topo_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifm);
	ifm->ifi_index = (int)end->ifindex;
	put_end_attrs(nlh, end);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow an ifinfomsg of its own. Neither end
	 * can be brought up here: the kernel opens the peer before pairing it
	 * (and answers ENOTCONN), so both go up afterwards. */
	struct ifinfomsg *pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	pifm->ifi_index = (int)peer->ifindex;
	put_end_attrs(nlh, peer);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	char what[96];
	snprintf(what, sizeof(what), "create veth %s/%s (mtu %u)", end->name, peer->name, end->mtu);
	return talk(nl, nlh, what, e);
}

int nc_nl_link_up(struct nc_nl *nl, unsigned ifindex, struct nc_topo_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = put_link(buf, RTM_NEWLINK, 0, &ifm);
	ifm->ifi_index = (int)ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	char what[64];
	snprintf(what, sizeof(what), "set interface %u up", ifindex);
	return talk(nl, nlh, what, e);
}

static size_t addr_len(const struct nc_addr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

int nc_nl_addr(struct nc_nl *nl, unsigned ifindex, const struct nc_addr *a, unsigned plen,
	       struct nc_topo_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh = put_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa),
				       (void **)&ifa);
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	/* No duplicate address detection: the plan gives every address once,
	 * and a tentative address would make the first second of a run fail
	 * with EADDRNOTAVAIL. */
	if (a->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	if (a->family == AF_INET)
		mnl_attr_put(nlh, IFA_LOCAL, 4, a->ip);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(a), a->ip);
	char host[64], what[128];
	snprintf(what, sizeof(what), "add address %s/%u", nc_addr_host(a, host, sizeof(host)), plen);
	return talk(nl, nlh, what, e);
}

int nc_nl_route(struct nc_nl *nl, const struct nc_addr *dst, unsigned plen,
		const struct nc_addr *via, unsigned oif, struct nc_topo_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = put_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rtm),
				       (void **)&rtm);
	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, addr_len(dst), dst->ip);
	mnl_attr_put(nlh, RTA_GATEWAY, addr_len(via), via->ip);
	mnl_attr_put_u32(nlh, RTA_OIF, oif);
	char d[64], v[64], what[192];
	snprintf(what, sizeof(what), "add route %s/%u via %s", nc_addr_host(dst, d, sizeof(d)), plen,
		 nc_addr_host(via, v, sizeof(v)));
	return talk(nl, nlh, what, e);
}

int nc_nl_neigh(struct nc_nl *nl, unsigned ifindex, const struct nc_addr *a,
		const uint8_t mac[6], struct nc_topo_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ndmsg *nd;
	struct nlmsghdr *nlh = put_msg(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, sizeof(*nd),
				       (void **)&nd);
	nd->ndm_family = (uint8_t)a->family;
	nd->ndm_ifindex = (int)ifindex;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, addr_len(a), a->ip);
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	char host[64], what[128];
	snprintf(what, sizeof(what), "add neighbour %s at %02x:%02x:%02x:%02x:%02x:%02x",
		 nc_addr_host(a, host, sizeof(host)), mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return talk(nl, nlh, what, e);
}

static int route_type(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWROUTE &&
	    mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct rtmsg)) {
		const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
		*(int *)data = rtm->rtm_type;
	}
	return MNL_CB_OK;
}

int nc_nl_is_local(struct nc_nl *nl, const struct nc_addr *a, bool *local, struct nc_topo_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], host[64];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = put_msg(buf, RTM_GETROUTE, NLM_F_REQUEST, sizeof(*rtm), (void **)&rtm);
	nlh->nlmsg_seq = ++nl->seq;
	rtm->rtm_family = (uint8_t)a->family;
	rtm->rtm_dst_len = a->family == AF_INET ? 32 : 128;
	mnl_attr_put(nlh, RTA_DST, addr_len(a), a->ip);
	nc_addr_host(a, host, sizeof(host));
	*local = false;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0) {
		nc_topo_err_set(e, errno, "look up the route to %s: send to netlink", host);
		return -1;
	}
	ssize_t n;
	while ((n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf))) < 0 && errno == EINTR)
		;
	if (n < 0) {
		nc_topo_err_set(e, errno, "look up the route to %s: receive from netlink", host);
		return -1;
	}
	int type = -1;
	if (mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, route_type, &type) == MNL_CB_ERROR) {
		/* No route at all is an answer too: not local. */
		if (errno == ENETUNREACH || errno == EHOSTUNREACH)
			return 0;
		nc_topo_err_set(e, errno, "look up the route to %s", host);
		return -1;
	}
	*local = type == RTN_LOCAL;
	return 0;
}
