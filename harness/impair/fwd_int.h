/* fwd_int.h: between the forwarder's two halves: forward.c starts and
 * watches the process, fwdloop.c is what runs in it. */
#ifndef NC_IMPAIR_FWD_INT_H
#define NC_IMPAIR_FWD_INT_H

#include <stddef.h>

#include "impair/forward.h"

/* Exit statuses of the forwarder process. */
#define NC_FWD_EXIT_OK 0
#define NC_FWD_EXIT_FAULT 1        /* it sent NC_IMP_EV_FAULT first */
#define NC_FWD_EXIT_PARENT_GONE 2  /* its parent died before it started */

/* Runs the forwarding loop until the control pipe closes or a fault.
 * fds[i][s] is the packet socket of links[i]'s wire end s; the loop reads
 * direction s from fds[i][s] and writes it to fds[i][1 - s]. Returns an
 * exit status; every socket is closed and all memory freed on return. */
int nc_fwd_loop(const struct nc_fwd_link *links, size_t n, int (*fds)[2], int control_fd,
		int event_fd);

#endif
