/* addr.c: socket addresses as netconform records them (see addr.h). */
#include "util/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void nc_addr_from_sockaddr(struct nc_addr *a, const struct sockaddr *sa)
{
	memset(a, 0, sizeof(*a));
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		a->family = AF_INET;
		memcpy(a->ip, &in->sin_addr, 4);
		a->port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		a->family = AF_INET6;
		memcpy(a->ip, &in6->sin6_addr, 16);
		a->port = ntohs(in6->sin6_port);
	}
}

socklen_t nc_addr_to_sockaddr(const struct nc_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, a->ip, 4);
		in->sin_port = htons(a->port);
		return sizeof(*in);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, a->ip, 16);
		in6->sin6_port = htons(a->port);
		return sizeof(*in6);
	}
	return 0;
}

const char *nc_addr_host(const struct nc_addr *a, char *buf, size_t n)
{
	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (!inet_ntop(a->family, a->ip, buf, (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}

const char *nc_addr_str(const struct nc_addr *a, char *buf, size_t n)
{
	char host[INET6_ADDRSTRLEN];
	if (a->family == AF_INET)
		snprintf(buf, n, "%s:%u", nc_addr_host(a, host, sizeof(host)), a->port);
	else if (a->family == AF_INET6)
		snprintf(buf, n, "[%s]:%u", nc_addr_host(a, host, sizeof(host)), a->port);
	else
		snprintf(buf, n, "-");
	return buf;
}

bool nc_addr_is_any(const struct nc_addr *a)
{
	static const uint8_t zero[16];
	if (a->family == AF_INET)
		return memcmp(a->ip, zero, 4) == 0;
	if (a->family == AF_INET6)
		return memcmp(a->ip, zero, 16) == 0;
	return false;
}

void nc_addr_loopback(int family, uint16_t port, struct nc_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	a->port = port;
	if (family == AF_INET) {
		a->ip[0] = 127;
		a->ip[3] = 1;
	} else {
		a->ip[15] = 1;
	}
}

void nc_addr_usable(const struct nc_addr *in, int sock_family, struct nc_addr *out)
{
	*out = *in;
	struct nc_addr v4;
	if (nc_addr_is_any(in))
		nc_addr_loopback(in->family, in->port, out);
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	if (sock_family == AF_INET && nc_addr_unmap(out, &v4)) {
		*out = v4;
	} else if (sock_family == AF_INET && out->family == AF_INET6 &&
		   memcmp(out->ip, v6_loopback, 16) == 0) {
		/* An IPv6 server seen from an IPv4 client: the same host's IPv4
		 * loopback, where a dual-stack socket would also be reached. */
		nc_addr_loopback(AF_INET, out->port, out);
	} else if (sock_family == AF_INET6 && out->family == AF_INET) {
		struct nc_addr m;
		memset(&m, 0, sizeof(m));
		m.family = AF_INET6;
		m.ip[10] = m.ip[11] = 0xff;
		memcpy(m.ip + 12, out->ip, 4);
		m.port = out->port;
		*out = m;
	}
}

bool nc_addr_unmap(const struct nc_addr *a, struct nc_addr *v4)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (a->family != AF_INET6 || memcmp(a->ip, prefix, 12) != 0)
		return false;
	memset(v4, 0, sizeof(*v4));
	v4->family = AF_INET;
	memcpy(v4->ip, a->ip + 12, 4);
	v4->port = a->port;
	return true;
}

bool nc_addr_same(const struct nc_addr *a, const struct nc_addr *b)
{
	struct nc_addr ua, ub;
	if (nc_addr_unmap(a, &ua))
		a = &ua;
	if (nc_addr_unmap(b, &ub))
		b = &ub;
	if (a->family != b->family || a->port != b->port)
		return false;
	return memcmp(a->ip, b->ip, a->family == AF_INET ? 4 : 16) == 0;
}
