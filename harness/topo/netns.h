/* netns.h: network namespaces held by descriptors, entered and left.
 *
 * A network namespace lives while a descriptor, a socket or a process
 * refers to it. These helpers create one (unshare in the calling thread,
 * a descriptor of /proc/thread-self/ns/net taken, setns back), switch the
 * calling thread in and out of one, and write its sysctls, which are per
 * namespace: /proc/sys/net shows the namespace of the thread that opens a
 * file there. Every descriptor is close-on-exec.
 *
 * They act on the calling thread only (setns and unshare do), and need
 * CAP_SYS_ADMIN over the namespaces' user namespace: root, or root in a
 * user namespace of the caller's own.
 */
#ifndef NC_TOPO_NETNS_H
#define NC_TOPO_NETNS_H

#include "topo/err.h"

/* A new descriptor of the calling thread's network namespace, or -1. */
int nc_netns_current(struct nc_topo_err *e);

/* Creates a network namespace and runs setup(arg) inside it (setup may be
 * NULL); the thread then goes back to the namespace of origin_fd. Returns
 * the new namespace's descriptor (the caller owns it), or -1 when anything
 * failed, setup's own -1 included (setup fills e). */
int nc_netns_create(int origin_fd, int (*setup)(void *arg, struct nc_topo_err *e), void *arg,
		    struct nc_topo_err *e);

/* Moves the calling thread into the namespace of fd. */
int nc_netns_enter(int fd, struct nc_topo_err *e);

/* Runs fn(arg) inside the namespace of fd and comes back to the namespace
 * the thread was in. Returns fn's result, or -1 with e when the namespace
 * could not be entered or left. */
int nc_netns_run(int fd, int (*fn)(void *arg), void *arg, struct nc_topo_err *e);

/* Writes value to /proc/sys/net/<path> of the calling thread's namespace. */
int nc_netns_sysctl(const char *path, const char *value, struct nc_topo_err *e);

#endif
