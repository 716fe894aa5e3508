/* spawn.c: starting, watching and stopping child processes. */
#include "proc/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc/wiring.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int nc_stop_signalfd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int nc_fd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int nc_child_watch(struct nc_child *c, pid_t pid)
{
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->pidfd = pidfd_open_(pid);
	if (c->pidfd >= 0)
		fcntl(c->pidfd, F_SETFD, FD_CLOEXEC);
	return c->pidfd >= 0 ? 0 : -1;
}

/* In the child: put fds[i] at descriptor i. Sources are first moved above
 * the target range so that no dup2 overwrites a source still needed. */
static int place_fds(const int *fds, int nfds)
{
	int high[16];
	if (nfds > 16)
		return -1;
	int devnull = open("/dev/null", O_RDWR);
	for (int i = 0; i < nfds; i++) {
		int src = fds[i] >= 0 ? fds[i] : devnull;
		high[i] = fcntl(src, F_DUPFD, 64);
		if (high[i] < 0)
			return -1;
	}
	for (int i = 0; i < nfds; i++) {
		if (dup2(high[i], i) < 0)
			return -1;
	}
	/* Everything above the placed descriptors goes: a role must not hold
	 * another variant's pipes or the runner's files open. */
	if (syscall(SYS_close_range, (unsigned)nfds, ~0U, 0) < 0) {
		for (int fd = nfds; fd < 1024; fd++)
			close(fd);
	}
	return 0;
}

pid_t nc_spawn(struct nc_child *c, const int *fds, int nfds)
{
	memset(c, 0, sizeof(*c));
	c->pidfd = -1;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* The parent may have died between fork and prctl. */
		if (getppid() != parent)
			_exit(NC_EXIT_PARENT_GONE);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int s = 1; s < NSIG; s++)
			if (s != SIGKILL && s != SIGSTOP)
				signal(s, SIG_DFL);
		if (place_fds(fds, nfds) < 0)
			_exit(NC_EXIT_FD_SETUP);
		return 0;
	}
	/* Set the group from the parent too, so a stop that comes before the
	 * child ran setpgid still finds the group. */
	setpgid(pid, pid);
	c->pid = pid;
	c->pidfd = pidfd_open_(pid);
	if (c->pidfd >= 0)
		fcntl(c->pidfd, F_SETFD, FD_CLOEXEC);
	return pid;
}

bool nc_child_reap(struct nc_child *c)
{
	if (c->reaped || c->pid <= 0)
		return c->reaped;
	int st;
	pid_t r = waitpid(c->pid, &st, WNOHANG);
	if (r == c->pid) {
		c->reaped = true;
		c->status = st;
		if (c->pidfd >= 0) {
			close(c->pidfd);
			c->pidfd = -1;
		}
	}
	return c->reaped;
}

void nc_child_stop(struct nc_child *c, int64_t now, int sig)
{
	if (c->reaped || c->pid <= 0 || c->stage)
		return;
	if (sig <= 0)
		sig = SIGTERM;
	kill(-c->pid, sig);
	kill(c->pid, sig);
	c->stage = 1;
	c->term_at = now;
}

void nc_child_kill(struct nc_child *c)
{
	if (c->pid <= 0)
		return;
	kill(-c->pid, SIGKILL);
	if (!c->reaped)
		kill(c->pid, SIGKILL);
	c->stage = 2;
}

int64_t nc_child_escalate(struct nc_child *c, int64_t now, int64_t grace)
{
	if (c->reaped || c->stage != 1)
		return INT64_MAX;
	if (now - c->term_at >= grace) {
		nc_child_kill(c);
		return INT64_MAX;
	}
	return c->term_at + grace;
}

void nc_child_close(struct nc_child *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
}
