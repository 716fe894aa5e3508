/* hostports.c: see hostports.h. */
#include "proc/hostports.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/addr.h"

/* The fixed ports a scenario names: bound, targeted, or a program's. */
static int fixed_ports(const struct nc_scenario *sc, int ports[NC_HOSTPORTS_MAX], bool bound_only)
{
	int n = 0;
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		const struct nc_role *role = &sc->role[r];
		int cand[1 + 64];
		int nc = 0;
		if (role->ready_port > 0)
			cand[nc++] = role->ready_port;
		for (size_t i = 0; i < role->nsteps && nc < 64; i++) {
			const struct nc_step *st = &role->steps[i];
			bool bind = st->kind == NC_STEP_BIND;
			bool target = st->kind == NC_STEP_CONNECT || st->kind == NC_STEP_SENDTO;
			if ((bind || (target && !bound_only)) && st->ep.kind == NC_EP_ADDR && st->ep.port > 0)
				cand[nc++] = st->ep.port;
		}
		for (int k = 0; k < nc; k++) {
			bool seen = false;
			for (int j = 0; j < n && !seen; j++)
				seen = ports[j] == cand[k];
			if (!seen && n < NC_HOSTPORTS_MAX)
				ports[n++] = cand[k];
		}
	}
	return n;
}

void nc_hostports_unlock(struct nc_hostports *h)
{
	for (int i = 0; i < h->n; i++)
		if (h->fd[i] >= 0)
			close(h->fd[i]);
	h->n = 0;
}

/* Opens and locks the lock file of port; see nc_hostports_lock_one. */
static int lock_port(int port, int *out, char *why, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/netconform-port-%d.lock", port);
	/* Read-only is enough for flock, and lets other users lock a file one
	 * of them created; O_NOFOLLOW keeps a planted link out. */
	int fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(why, n, "cannot use the port lock %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK) {
			snprintf(why, n, "port %d is in use by another netconform run on this host", port);
			return 0;
		}
		snprintf(why, n, "cannot lock %s: %s", path, strerror(e));
		return -1;
	}
	*out = fd;
	return 1;
}

int nc_hostports_lock_one(uint16_t port, int *fd)
{
	char why[160];
	return lock_port(port, fd, why, sizeof(why));
}

int nc_hostports_lock(const struct nc_scenario *sc, struct nc_hostports *h, char *why, size_t n)
{
	int ports[NC_HOSTPORTS_MAX];
	int np = fixed_ports(sc, ports, false);
	h->n = 0;
	for (int i = 0; i < np; i++) {
		int fd, rc = lock_port(ports[i], &fd, why, n);
		if (rc != 1) {
			nc_hostports_unlock(h);
			return rc;
		}
		h->fd[h->n++] = fd;
	}
	return 1;
}

bool nc_hostports_taken(const struct nc_scenario *sc, char *why, size_t n)
{
	int ports[NC_HOSTPORTS_MAX];
	int np = fixed_ports(sc, ports, true);
	int type = sc->transport == NC_TRANSPORT_TCP ? SOCK_STREAM : SOCK_DGRAM;
	int fams[2] = { AF_INET, AF_INET6 };
	for (int i = 0; i < np; i++) {
		for (int f = 0; f < 2; f++) {
			int fd = socket(fams[f], type | SOCK_CLOEXEC, 0);
			if (fd < 0)
				continue; /* no IPv6 here: nothing can hold the port in it */
			int one = 1;
			/* SO_REUSEADDR as the roles' binds would not have it: a TCP
			 * port in TIME_WAIT is no one's. */
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			struct nc_addr a;
			struct sockaddr_storage ss;
			nc_addr_loopback(fams[f], (uint16_t)ports[i], &a);
			socklen_t sl = nc_addr_to_sockaddr(&a, &ss);
			bool taken = bind(fd, (struct sockaddr *)&ss, sl) < 0 && errno == EADDRINUSE;
			close(fd);
			if (taken) {
				snprintf(why, n, "port %d is in use on this host (%s), and without network "
					 "namespaces the scenario would share it", ports[i],
					 fams[f] == AF_INET ? "IPv4" : "IPv6");
				return true;
			}
		}
	}
	return false;
}
