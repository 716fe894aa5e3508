/* sockets.c: socket diagnostics through libmnl (see sockets.h). */
#include "proc/sockets.h"

#include <dirent.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/text.h"

#define MAX_SOCKETS 65536

struct collect {
	int proto;
	struct nc_sockent *v;
	size_t n, cap;
	bool truncated;
};

static void addr_from_diag(struct nc_addr *a, int family, const __be32 *ip, __be16 port)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->ip, ip, family == AF_INET ? 4 : 16);
	a->port = ntohs(port);
}

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if (mnl_attr_type_valid(attr, INET_DIAG_MAX) < 0)
		return MNL_CB_OK; /* a newer kernel's attribute: not ours to read */
	if (type == INET_DIAG_SKV6ONLY && mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct collect *c = data;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct inet_diag_msg))
		return MNL_CB_ERROR;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return MNL_CB_OK;
	const struct nlattr *tb[INET_DIAG_MAX + 1];
	memset(tb, 0, sizeof(tb));
	if (mnl_attr_parse(nlh, sizeof(*m), attr_cb, tb) < 0)
		return MNL_CB_ERROR;
	if (c->n >= MAX_SOCKETS) {
		c->truncated = true;
		return MNL_CB_OK;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->v = nc_xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	struct nc_sockent *e = &c->v[c->n++];
	memset(e, 0, sizeof(*e));
	e->proto = c->proto;
	e->state = m->idiag_state;
	addr_from_diag(&e->local, m->idiag_family, m->id.idiag_src, m->id.idiag_sport);
	addr_from_diag(&e->remote, m->idiag_family, m->id.idiag_dst, m->id.idiag_dport);
	e->inode = m->idiag_inode;
	if (tb[INET_DIAG_SKV6ONLY])
		e->v6only = mnl_attr_get_u8(tb[INET_DIAG_SKV6ONLY]) != 0;
	return MNL_CB_OK;
}

/* One dump request for one family; the answers are added to c. */
static int dump(struct mnl_socket *nl, int family, struct collect *c, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	unsigned seq = (unsigned)time(NULL) ^ (unsigned)family;
	nlh->nlmsg_seq = seq;
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = (uint8_t)c->proto;
	req->idiag_states = ~0U;
	/* Extensions are requested by bit (type - 1); SKV6ONLY answers for
	 * IPv6 sockets only. */
	req->idiag_ext = family == AF_INET6 ? (uint8_t)(1u << (INET_DIAG_SKV6ONLY - 1)) : 0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "socket diagnostics: %s", strerror(errno));
		return -1;
	}
	unsigned portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			snprintf(err, errlen, "socket diagnostics: %s", strerror(errno));
			return -1;
		}
		int rc = mnl_cb_run(buf, (size_t)n, seq, portid, msg_cb, c);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc < 0) {
			/* A kernel without UDP diagnostics answers ENOENT. */
			snprintf(err, errlen, "socket diagnostics: %s",
				 errno ? strerror(errno) : "malformed answer");
			return -1;
		}
	}
}

int nc_sockets_list(int proto, struct nc_sockent **out, size_t *n, char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl) {
		snprintf(err, errlen, "socket diagnostics: %s", strerror(errno));
		return -1;
	}
	int rc = -1;
	struct collect c = { .proto = proto };
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		snprintf(err, errlen, "socket diagnostics: %s", strerror(errno));
	else if (dump(nl, AF_INET, &c, err, errlen) == 0 && dump(nl, AF_INET6, &c, err, errlen) == 0)
		rc = 0;
	mnl_socket_close(nl);
	if (rc < 0) {
		free(c.v);
		return -1;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

/* The socket inodes held by one process, added to *inodes. */
static void inodes_of(const char *pid, uint32_t **inodes, size_t *n, size_t *cap)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		char path[320], target[64];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ssize_t l = readlink(path, target, sizeof(target) - 1);
		if (l <= 0)
			continue;
		target[l] = 0;
		unsigned long ino;
		if (sscanf(target, "socket:[%lu]", &ino) != 1)
			continue;
		if (*n == *cap) {
			*cap = *cap ? 2 * *cap : 16;
			*inodes = nc_xrealloc(*inodes, *cap * sizeof(**inodes));
		}
		(*inodes)[(*n)++] = (uint32_t)ino;
	}
	closedir(d);
}

/* The process group of a process, from /proc/<pid>/stat (field 5, after
 * the command name, which may itself hold spaces and parentheses). */
static int pgid_of(const char *pid)
{
	char path[64], line[1024];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t l = fread(line, 1, sizeof(line) - 1, f);
	fclose(f);
	line[l] = 0;
	const char *p = strrchr(line, ')');
	int pgrp = -1, ppid;
	char state;
	if (!p || sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) != 3)
		return -1;
	return pgrp;
}

size_t nc_sockets_of_group(struct nc_sockent *s, size_t n, int pgid)
{
	uint32_t *inodes = NULL;
	size_t ni = 0, cap = 0;
	DIR *d = opendir("/proc");
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			if (pgid_of(de->d_name) == pgid)
				inodes_of(de->d_name, &inodes, &ni, &cap);
		}
		closedir(d);
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool held = false;
		for (size_t j = 0; j < ni && !held; j++)
			held = inodes[j] == s[i].inode;
		if (held)
			s[k++] = s[i];
	}
	free(inodes);
	return k;
}

const char *nc_sockent_str(const struct nc_sockent *e, char *buf, size_t n)
{
	char a[64], r[64];
	const char *proto = e->proto == IPPROTO_TCP ? "TCP" : "UDP";
	nc_addr_str(&e->local, a, sizeof(a));
	const char *what = "";
	if (e->proto == IPPROTO_TCP)
		what = e->state == NC_SOCK_LISTEN ? " listening" : e->state == NC_SOCK_ESTABLISHED
			? " connected to " : " (not listening)";
	else if (e->remote.port)
		what = " connected to ";
	bool conn = what[0] == ' ' && what[1] == 'c';
	/* Only a wildcard (or IPv4-mapped) IPv6 socket without IPV6_V6ONLY also
	 * takes IPv4; say which kind it is where that matters. */
	struct nc_addr v4;
	bool dual = e->local.family == AF_INET6 && !e->v6only &&
		    (nc_addr_is_any(&e->local) || nc_addr_unmap(&e->local, &v4));
	const char *fam = dual ? " (dual-stack)"
			  : e->local.family == AF_INET6 && e->v6only ? " (IPv6 only)" : "";
	snprintf(buf, n, "%s %s%s%s%s", proto, a, fam, what, conn ? nc_addr_str(&e->remote, r, sizeof(r)) : "");
	return buf;
}
