/* spawn.h: starting, watching and stopping child processes.
 *
 * Every child gets its own process group, so stopping it stops whatever it
 * started too, and a parent-death signal, so it cannot outlive the process
 * that watches it. Children are watched through pidfds, which a poll loop
 * can wait on alongside pipes, with no signal handler and no thread.
 */
#ifndef NC_PROC_SPAWN_H
#define NC_PROC_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct nc_child {
	pid_t pid;           /* 0 when there is no child */
	int pidfd;           /* readable when the child has ended; -1 once reaped */
	bool reaped;
	int status;          /* wait status, once reaped */
	int stage;           /* 0 running, 1 stop signal sent, 2 SIGKILL sent */
	int64_t term_at;     /* when the stop signal was sent */
};

/* Forks a child. In the child (return 0): a new process group, SIGKILL when
 * the parent dies, default signal handling, standard input/output/error
 * from fds[0..2] (-1: /dev/null), fds[3..n-1] moved to 3..n-1, and every
 * other descriptor closed. In the parent: the child's pid, with c filled,
 * or -1 with errno set. */
pid_t nc_spawn(struct nc_child *c, const int *fds, int nfds);

/* Watches an existing child (one created with nc_ns_spawn). */
int nc_child_watch(struct nc_child *c, pid_t pid);

/* Reaps the child if it has ended; returns true once it is reaped. */
bool nc_child_reap(struct nc_child *c);

/* Starts stopping the child's process group: sig (SIGTERM unless a
 * program asks for another) now, SIGKILL once nc_child_escalate sees the
 * grace period over. */
void nc_child_stop(struct nc_child *c, int64_t now, int sig);
/* Sends SIGKILL when the grace period after SIGTERM has passed; returns the
 * time of the next escalation (or INT64_MAX). */
int64_t nc_child_escalate(struct nc_child *c, int64_t now, int64_t grace);
/* SIGKILL to the whole group now. */
void nc_child_kill(struct nc_child *c);
/* Closes the pidfd (the child must be reaped or abandoned). */
void nc_child_close(struct nc_child *c);

/* Blocks SIGINT, SIGTERM and SIGHUP and returns a signalfd that reads
 * them, so a poll loop handles stop requests between polls instead of a
 * handler interrupting it. Returns -1 with errno on failure. */
int nc_stop_signalfd(void);

/* Sets O_NONBLOCK and FD_CLOEXEC. */
int nc_fd_nonblock(int fd);

#endif
