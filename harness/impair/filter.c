/* filter.c: matching a decoded frame against a rule's filter (filter.h). */
#include "impair/filter.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static bool l3_ok(enum nc_imp_l3 l3, bool transport_condition, const struct nc_pkt *p)
{
	bool ip = (p->layers & NC_LAYER_NET) && (p->ipver == 4 || p->ipver == 6);
	switch (l3) {
	case NC_IMP_L3_ANY: return !transport_condition || ip;
	case NC_IMP_L3_IP: return ip;
	case NC_IMP_L3_IPV4: return ip && p->ipver == 4;
	case NC_IMP_L3_IPV6: return ip && p->ipver == 6;
	}
	return false;
}

static bool tri_ok(enum nc_imp_tri t, bool v)
{
	return t == NC_IMP_EITHER || (t == NC_IMP_YES) == v;
}

bool nc_imp_filter_match(const struct nc_imp_filter *f, const struct nc_pkt *p)
{
	bool needs_l4 = f->tcp_mask || f->payload != NC_IMP_EITHER || f->sport || f->dport ||
			f->has_icmp_type;
	if (!l3_ok(f->l3, needs_l4 || f->proto || f->fragment != NC_IMP_EITHER, p))
		return false;
	if (f->proto && p->ip_proto != f->proto)
		return false;
	if (!tri_ok(f->fragment, p->fragment))
		return false;
	if (!needs_l4)
		return true;
	/* The transport header, whole: a non-first fragment has none, and a
	 * truncated one cannot be judged. */
	if (!(p->layers & NC_LAYER_PAYLOAD))
		return false;
	if (f->tcp_mask && (p->l4 != IPPROTO_TCP || (p->tcp_flags & f->tcp_mask) != f->tcp_set))
		return false;
	if (!tri_ok(f->payload, p->payload_wire_len > 0))
		return false;
	bool ports = p->l4 == IPPROTO_TCP || p->l4 == IPPROTO_UDP;
	if ((f->sport && (!ports || p->sport != f->sport)) ||
	    (f->dport && (!ports || p->dport != f->dport)))
		return false;
	if (f->has_icmp_type &&
	    ((p->l4 != IPPROTO_ICMP && p->l4 != IPPROTO_ICMPV6) || p->icmp_type != f->icmp_type))
		return false;
	return true;
}

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmp6";
	}
	return NULL;
}

static void flags_str(uint8_t bits, char *buf, size_t n)
{
	static const char *const names[8] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR" };
	size_t at = 0;
	buf[0] = '\0';
	for (int i = 0; i < 8; i++)
		if (bits & (1u << i)) {
			int w = snprintf(buf + at, n - at, "%s%s", at ? "," : "", names[i]);
			if (w < 0 || (size_t)w >= n - at)
				return;
			at += (size_t)w;
		}
	if (at == 0)
		snprintf(buf, n, "none");
}

const char *nc_imp_filter_str(const struct nc_imp_filter *f, char *buf, size_t n)
{
	static const char *const l3[] = { "", "ip", "ip4", "ip6" };
	size_t at = 0;
	buf[0] = '\0';
#define ADD(...)                                                                   \
	do {                                                                       \
		int w_ = snprintf(buf + at, n > at ? n - at : 0, __VA_ARGS__);     \
		if (w_ > 0)                                                        \
			at = at + (size_t)w_ < n ? at + (size_t)w_ : n - 1;          \
	} while (0)
	if (f->l3 != NC_IMP_L3_ANY && f->l3 <= NC_IMP_L3_IPV6)
		ADD("%s", l3[f->l3]);
	if (f->proto) {
		const char *name = proto_name(f->proto);
		if (name)
			ADD("%s%s", at ? " " : "", name);
		else
			ADD("%sproto %u", at ? " " : "", f->proto);
	}
	if (f->tcp_mask) {
		char set[40], mask[40];
		flags_str(f->tcp_set, set, sizeof(set));
		flags_str(f->tcp_mask, mask, sizeof(mask));
		ADD("%sflags %s/%s", at ? " " : "", set, mask);
	}
	if (f->payload != NC_IMP_EITHER)
		ADD("%s%s", at ? " " : "", f->payload == NC_IMP_YES ? "data" : "no-data");
	if (f->fragment != NC_IMP_EITHER)
		ADD("%s%s", at ? " " : "", f->fragment == NC_IMP_YES ? "fragments" : "unfragmented");
	if (f->sport)
		ADD("%sfrom port %u", at ? " " : "", f->sport);
	if (f->dport)
		ADD("%sto port %u", at ? " " : "", f->dport);
	if (f->has_icmp_type)
		ADD("%stype %u", at ? " " : "", f->icmp_type);
	if (at == 0)
		ADD("any");
#undef ADD
	return buf;
}
