/* ns.c: per-variant namespaces. */
#include "proc/ns.h"

#include <stdbool.h>

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc/wiring.h"

const char *nc_ns_mode_name(enum nc_ns_mode m)
{
	switch (m) {
	case NC_NS_HOST: return "host loopback";
	case NC_NS_NET: return "network namespaces";
	case NC_NS_USER: return "network namespaces (in a user namespace)";
	}
	return "?";
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	int saved = errno;
	close(fd);
	errno = saved;
	return w == (ssize_t)n ? 0 : -1;
}

int nc_ns_loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Runs in the child right after clone(): the mapping makes the outer user
 * root inside the new user namespace, which is what grants the capabilities
 * over the new network namespace. */
static int child_setup(const struct nc_ns *ns)
{
	if (ns->mode == NC_NS_USER) {
		char map[64];
		if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
			return -1;
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)ns->outer_uid);
		if (write_file("/proc/self/uid_map", map) < 0)
			return -1;
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)ns->outer_gid);
		if (write_file("/proc/self/gid_map", map) < 0)
			return -1;
	}
	return nc_ns_loopback_up();
}

static int clone_flags(enum nc_ns_mode m)
{
	switch (m) {
	case NC_NS_HOST: return 0;
	case NC_NS_NET: return CLONE_NEWNET | CLONE_NEWPID;
	case NC_NS_USER: return CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID;
	}
	return 0;
}

/* In the child: true when the parent is already gone, which can happen
 * between the fork and the parent-death signal being set. Inside a new PID
 * namespace getppid() says 0, so the parent is watched through a pidfd,
 * which works across namespaces. */
static bool parent_gone(pid_t parent, int parent_fd)
{
	if (parent_fd >= 0) {
		struct pollfd p = { .fd = parent_fd, .events = POLLIN };
		return poll(&p, 1, 0) > 0;
	}
	pid_t pp = getppid();
	return pp != 0 && pp != parent;
}

pid_t nc_ns_spawn(const struct nc_ns *ns)
{
	pid_t parent = getpid();
	int parent_fd = (int)syscall(SYS_pidfd_open, parent, 0);
	long pid;
	if (ns->mode == NC_NS_HOST)
		pid = fork();
	else
		/* The raw system call with no new stack behaves like fork(): the
		 * child continues here on a copy of the parent's stack. glibc's
		 * clone() wrapper cannot be used that way. */
		pid = syscall(SYS_clone, (unsigned long)(clone_flags(ns->mode) | SIGCHLD), NULL, NULL,
			      NULL, 0UL);
	if (pid != 0) {
		int saved = errno;
		if (parent_fd >= 0)
			close(parent_fd);
		errno = saved;
		return pid < 0 ? -1 : (pid_t)pid;
	}
	/* A supervisor must not outlive the runner. In a namespace of its own
	 * it is PID 1, and SIGKILL takes everything in it along; on the host it
	 * gets SIGTERM instead, so that it can end what its programs left
	 * behind (it is their subreaper) before it goes. */
	prctl(PR_SET_PDEATHSIG, ns->mode == NC_NS_HOST ? SIGTERM : SIGKILL);
	if (parent_gone(parent, parent_fd))
		_exit(NC_EXIT_PARENT_GONE);
	if (parent_fd >= 0)
		close(parent_fd);
	if (ns->mode != NC_NS_HOST && child_setup(ns) < 0) {
		fprintf(stderr, "netconform: cannot set up the variant's namespace: %s\n",
			strerror(errno));
		_exit(NC_EXIT_NS_SETUP);
	}
	return 0;
}

static bool try_mode(struct nc_ns *ns, enum nc_ns_mode m, int *err)
{
	struct nc_ns t = *ns;
	t.mode = m;
	pid_t pid = nc_ns_spawn(&t);
	if (pid < 0) {
		*err = errno;
		return false;
	}
	if (pid == 0)
		_exit(0);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*err = EPERM;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

void nc_ns_probe(struct nc_ns *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->outer_uid = getuid();
	ns->outer_gid = getgid();
	const char *off = getenv("NETCONFORM_NO_NAMESPACES");
	if (off && *off && strcmp(off, "0") != 0) {
		ns->mode = NC_NS_HOST;
		snprintf(ns->note, sizeof(ns->note),
			 "namespaces disabled by NETCONFORM_NO_NAMESPACES; running on the host "
			 "loopback with kernel-chosen ports, fixed-port scenarios one at a time");
		return;
	}
	int err_net = 0, err_user = 0;
	if (geteuid() == 0 && try_mode(ns, NC_NS_NET, &err_net)) {
		ns->mode = NC_NS_NET;
		return;
	}
	if (try_mode(ns, NC_NS_USER, &err_user)) {
		ns->mode = NC_NS_USER;
		return;
	}
	ns->mode = NC_NS_HOST;
	snprintf(ns->note, sizeof(ns->note),
		 "cannot create network namespaces (%s); running on the host loopback with "
		 "kernel-chosen ports, fixed-port scenarios one at a time. Unprivileged user "
		 "namespaces may be disabled: see kernel.unprivileged_userns_clone, "
		 "user.max_user_namespaces or kernel.apparmor_restrict_unprivileged_userns",
		 strerror(err_user ? err_user : err_net));
}
