/* ns.h: a private network namespace per variant.
 *
 * Each variant's supervisor is created by clone() into new network and PID
 * namespaces, plus a user namespace when netconform does not run as root
 * (the user namespace grants the capabilities needed to bring up the
 * namespace's loopback and to capture on it). Inside, the supervisor is PID
 * 1: when it ends, the kernel kills every process left in its namespace, so
 * no role can outlive its variant, whatever happens to netconform.
 *
 * Where namespaces cannot be created (a kernel or sandbox that forbids
 * them, or NETCONFORM_NO_NAMESPACES=1 to simulate that), variants run on the
 * host loopback instead and the reason is recorded for the reports.
 */
#ifndef NC_PROC_NS_H
#define NC_PROC_NS_H

#include <stdbool.h>
#include <sys/types.h>

enum nc_ns_mode {
	NC_NS_HOST,   /* no namespaces: the host loopback */
	NC_NS_NET,    /* network + PID namespaces (running as root) */
	NC_NS_USER,   /* user + network + PID namespaces (unprivileged) */
};

struct nc_ns {
	enum nc_ns_mode mode;
	uid_t outer_uid;
	gid_t outer_gid;
	char note[320];   /* why the mode was chosen, when it is not the best one */
};

/* Finds out which mode works here, by trying it in a short-lived child. */
void nc_ns_probe(struct nc_ns *ns);

/* Like fork(), but the child starts in its own namespaces (per ns->mode),
 * with its user mapping written and its loopback up. Returns the child's
 * pid in the parent, 0 in the child, -1 with errno on failure. The child
 * gets a parent-death signal (SIGKILL in namespaces, SIGTERM on the host),
 * and exits with NC_EXIT_PARENT_GONE if its parent died before that was
 * set, or NC_EXIT_NS_SETUP when its namespace cannot be set up. */
pid_t nc_ns_spawn(const struct nc_ns *ns);

/* Brings up the loopback interface of the current network namespace. */
int nc_ns_loopback_up(void);

const char *nc_ns_mode_name(enum nc_ns_mode m);

#endif
