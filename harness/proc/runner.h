/* runner.h: runs a plan's variants and feeds the reporters.
 *
 * Process model
 * -------------
 *
 *   netconform (the runner; the only process that prints or writes reports)
 *    |  one per variant, up to -j at once, each created by clone() into new
 *    |  user (unless root), network and PID namespaces; plain fork() on the
 *    |  host loopback when namespaces are unavailable
 *    +-- supervisor (PID 1 of the variant's namespaces; own process group)
 *         |  owns the capture handle on the namespace's "lo", the role
 *         |  pipes, the deadlines and the checks
 *         +-- server role (own process group; built-in steps or a program)
 *         +-- client role (own process group; started once the server is ready)
 *
 * Pipes: each role writes records (steps/record.h) to the supervisor and
 * its stdout/stderr to a second pipe; the supervisor writes one encoded
 * result (result/result.h) to the runner and exits.
 *
 * Signals: the runner blocks SIGINT, SIGTERM and SIGHUP and reads them from
 * a signalfd. On the first one it launches nothing more and sends SIGTERM to
 * every supervisor; a supervisor then stops its roles (SIGTERM to their
 * groups, SIGKILL after a grace period), closes its capture, and still sends
 * a result, marked as interrupted. A second signal, or a supervisor that
 * does not answer in time, gets SIGKILL; since the supervisor is PID 1 of
 * its namespace, the kernel then kills every role in it. Every role also
 * has a parent-death signal, which covers the host-loopback mode.
 *
 * Deadlines: a supervisor enforces the scenario's timeout and per-step
 * deadlines on its roles (all scaled by --timeout-scale); the runner only
 * enforces a backstop on the supervisor itself.
 *
 * Order: variants may finish in any order; results are handed to the
 * reporters in plan order, buffering only those that finished early.
 */
#ifndef NC_PROC_RUNNER_H
#define NC_PROC_RUNNER_H

#include <stddef.h>

#include "plan/plan.h"
#include "proc/options.h"
#include "report/reporter.h"

/* Runs every variant of the plan. Returns 0, or -1 when the run could not
 * start at all (err says why). Totals, including an interruption and its
 * signal, are written to *t. Scenarios are loaded from the plan as their
 * variants launch and unloaded after the file's last one. */
int nc_run(struct nc_plan *plan, const struct nc_run_opts *o, const struct nc_run_info *info,
	   struct nc_reporter *reps, size_t nreps, struct nc_run_totals *t, char *err,
	   size_t errlen);

#endif
