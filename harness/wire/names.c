/* names.c: protocol values by name (RFC 9293 for TCP flags, RFC 792 and
 * RFC 1122 for ICMP, RFC 4443 for ICMPv6). */
#include "wire/names.h"

#include <stdio.h>

#include "wire/tcp_flags.h"

const char *nc_tcp_flags_names(uint8_t flags, char *buf, size_t n)
{
	static const char *const names[8] = { "FIN", "SYN", "RST", "PSH",
					       "ACK", "URG", "ECE", "CWR" };
	size_t len = 0;
	if (n == 0)
		return buf;
	buf[0] = 0;
	for (int i = 0; i < 8; i++) {
		if (!(flags & (1u << i)))
			continue;
		int w = snprintf(buf + len, n - len, "%s%s", len ? "+" : "", names[i]);
		if (w < 0 || (size_t)w >= n - len)
			return buf;
		len += (size_t)w;
	}
	if (len == 0)
		snprintf(buf, n, "no flags");
	return buf;
}

/* One ICMP message type, and the names of its codes where they matter. */
struct icmp_name {
	uint8_t type;
	const char *name;
	const char *const *codes;   /* indexed by code; NULL: none named */
	uint8_t ncodes;
};

static const char *const unreach4[] = {
	"net unreachable", "host unreachable", "protocol unreachable", "port unreachable",
	"fragmentation needed", "source route failed", "destination network unknown",
	"destination host unknown", "source host isolated", "network administratively prohibited",
	"host administratively prohibited", "network unreachable for TOS",
	"host unreachable for TOS", "communication administratively prohibited",
	"host precedence violation", "precedence cutoff in effect",
};
static const char *const exceeded4[] = { "TTL exceeded in transit",
					 "fragment reassembly time exceeded" };

static const struct icmp_name icmp4[] = {
	{ 0, "echo reply", NULL, 0 },
	{ 3, "destination unreachable", unreach4, sizeof(unreach4) / sizeof(unreach4[0]) },
	{ 4, "source quench", NULL, 0 },
	{ 5, "redirect", NULL, 0 },
	{ 8, "echo request", NULL, 0 },
	{ 11, "time exceeded", exceeded4, 2 },
	{ 12, "parameter problem", NULL, 0 },
};

static const char *const unreach6[] = {
	"no route to destination", "administratively prohibited", "beyond scope of source address",
	"address unreachable", "port unreachable", "source address failed policy",
	"reject route to destination",
};
static const char *const exceeded6[] = { "hop limit exceeded in transit",
					 "fragment reassembly time exceeded" };

static const struct icmp_name icmp6[] = {
	{ 1, "destination unreachable", unreach6, sizeof(unreach6) / sizeof(unreach6[0]) },
	{ 2, "packet too big", NULL, 0 },
	{ 3, "time exceeded", exceeded6, 2 },
	{ 4, "parameter problem", NULL, 0 },
	{ 128, "echo request", NULL, 0 },
	{ 129, "echo reply", NULL, 0 },
	{ 133, "router solicitation", NULL, 0 },
	{ 134, "router advertisement", NULL, 0 },
	{ 135, "neighbor solicitation", NULL, 0 },
	{ 136, "neighbor advertisement", NULL, 0 },
};

const char *nc_icmp_names(int ipver, uint8_t type, uint8_t code, char *buf, size_t n)
{
	const struct icmp_name *t = ipver == 6 ? icmp6 : icmp4;
	size_t nt = ipver == 6 ? sizeof(icmp6) / sizeof(icmp6[0]) : sizeof(icmp4) / sizeof(icmp4[0]);
	for (size_t i = 0; i < nt; i++) {
		if (t[i].type != type)
			continue;
		if (code < t[i].ncodes)
			snprintf(buf, n, "%s, %s (type %u, code %u)", t[i].name, t[i].codes[code],
				 type, code);
		else
			snprintf(buf, n, "%s (type %u, code %u)", t[i].name, type, code);
		return buf;
	}
	snprintf(buf, n, "type %u, code %u", type, code);
	return buf;
}
