/* netns.c: creating, entering and configuring network namespaces (netns.h). */
#include "topo/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int nc_netns_current(struct nc_topo_err *e)
{
	/* thread-self, not self: after unshare only this thread is in the new
	 * namespace. */
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		nc_topo_err_set(e, errno, "open /proc/thread-self/ns/net");
	return fd;
}

int nc_netns_enter(int fd, struct nc_topo_err *e)
{
	if (setns(fd, CLONE_NEWNET) < 0) {
		nc_topo_err_set(e, errno, "enter a network namespace (setns)");
		return -1;
	}
	return 0;
}

int nc_netns_create(int origin_fd, int (*setup)(void *arg, struct nc_topo_err *e), void *arg,
		    struct nc_topo_err *e)
{
	if (unshare(CLONE_NEWNET) < 0) {
		nc_topo_err_set(e, errno, "create a network namespace (unshare)");
		return -1;
	}
	int fd = nc_netns_current(e);
	int rc = fd < 0 ? -1 : 0;
	if (rc == 0 && setup)
		rc = setup(arg, e);
	/* Back in any case: a thread left in a half-made namespace would do
	 * the caller's later work in the wrong place. */
	struct nc_topo_err back;
	if (nc_netns_enter(origin_fd, &back) < 0) {
		if (rc == 0 && e)
			*e = back;
		rc = -1;
	}
	if (rc < 0 && fd >= 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int nc_netns_run(int fd, int (*fn)(void *arg), void *arg, struct nc_topo_err *e)
{
	int here = nc_netns_current(e);
	if (here < 0)
		return -1;
	if (nc_netns_enter(fd, e) < 0) {
		close(here);
		return -1;
	}
	int rc = fn(arg);
	int saved = errno;
	if (nc_netns_enter(here, e) < 0) {
		nc_topo_err_prefix(e, "coming back after running in a namespace");
		rc = -1;
	}
	close(here);
	errno = saved;
	return rc;
}

int nc_netns_sysctl(const char *path, const char *value, struct nc_topo_err *e)
{
	char full[160];
	snprintf(full, sizeof(full), "/proc/sys/net/%s", path);
	int fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		nc_topo_err_set(e, errno, "open %s", full);
		return -1;
	}
	size_t n = strlen(value);
	ssize_t w = write(fd, value, n);
	int saved = errno;
	close(fd);
	if (w != (ssize_t)n) {
		nc_topo_err_set(e, w < 0 ? saved : EIO, "write '%s' to %s", value, full);
		return -1;
	}
	return 0;
}
