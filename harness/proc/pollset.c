/* pollset.c: see pollset.h. */
#include "proc/pollset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/text.h"

void nc_pollset_init(struct nc_pollset *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->next = INT64_MAX;
}

void nc_pollset_free(struct nc_pollset *ps)
{
	free(ps->pfd);
	free(ps->tag);
	memset(ps, 0, sizeof(*ps));
}

void nc_pollset_begin(struct nc_pollset *ps, int64_t now)
{
	ps->n = 0;
	ps->next = INT64_MAX;
	ps->now = now;
}

void nc_pollset_add(struct nc_pollset *ps, int fd, short events, int kind, size_t who)
{
	if (fd < 0)
		return;
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 16;
		ps->pfd = nc_xrealloc(ps->pfd, ps->cap * sizeof(*ps->pfd));
		ps->tag = nc_xrealloc(ps->tag, ps->cap * sizeof(*ps->tag));
	}
	ps->pfd[ps->n] = (struct pollfd){ .fd = fd, .events = events };
	ps->tag[ps->n] = (struct nc_poll_tag){ .kind = kind, .who = who };
	ps->n++;
}

void nc_pollset_until(struct nc_pollset *ps, int64_t t)
{
	if (t < ps->next)
		ps->next = t;
}

void nc_pollset_child(struct nc_pollset *ps, const struct nc_child *c, int kind, size_t who)
{
	if (c->pid <= 0 || c->reaped)
		return;
	if (c->pidfd >= 0)
		nc_pollset_add(ps, c->pidfd, POLLIN, kind, who);
	else
		nc_pollset_until(ps, ps->now + NC_POLLSET_NOPIDFD_NS);
}

int nc_poll_timeout_ms(int64_t now, int64_t next)
{
	if (next == INT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	int64_t ms = (next - now + NC_MS - 1) / NC_MS;
	return ms > 24LL * 3600 * 1000 ? 24 * 3600 * 1000 : (int)ms;
}

int nc_pollset_wait(struct nc_pollset *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		ps->pfd[i].revents = 0;
	int n = poll(ps->pfd, (nfds_t)ps->n, nc_poll_timeout_ms(nc_now_ns(), ps->next));
	if (n < 0 && errno == EINTR)
		return 0;
	return n;
}
