/* program.h: roles that are programs, and built-in roles run through exec.
 *
 * A program role ("server exec ./udp-receiver ${server.port}") runs inside
 * the variant's namespaces in its own process group. Its arguments and
 * environment are expanded with the variant's variables; a failed exec is
 * reported through a close-on-exec pipe, which the supervisor reads as
 * either EOF (the exec worked) or the child's errno.
 *
 * A built-in role normally runs in a forked copy of the supervisor. When
 * built-in roles must go through exec (--wrap, or a scenario `env` such as
 * LD_PRELOAD, which only takes effect at exec time), the supervisor runs
 * "netconform role ..." instead, which parses the scenario again and runs
 * the same code.
 */
#ifndef NC_PROC_PROGRAM_H
#define NC_PROC_PROGRAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/options.h"
#include "proc/spawn.h"
#include "scenario/payload.h"
#include "scenario/scenario.h"
#include "steps/role.h"

/* Expands argv, env and cwd of a program role and execs it in the calling
 * (already forked) process. On failure writes errno to err_fd and exits. */
void nc_program_exec(const struct nc_scenario *sc, const struct nc_role *role,
		     const struct nc_varctx *vars, const struct nc_run_opts *o, int err_fd)
	__attribute__((noreturn));

/* Execs "netconform role ..." for a built-in role under the run's wrapper
 * and the scenario's environment. The wrapper is split into words as a
 * shell would (util/shellwords.h), with ${scenario}, ${variant} (the
 * variant's name, '/' written as '-'), ${role} and ${family} expanded.
 * Exits on failure. */
void nc_program_exec_role(const struct nc_role_ctx *ctx, const char *variant,
			  const struct nc_run_opts *o, int err_fd) __attribute__((noreturn));

/* Checks a --wrap command: its quoting, and that it names only the
 * variables above. Returns 0, or -1 with err filled. */
int nc_program_wrap_check(const char *wrap, char *err, size_t errlen);

/* The entry point of "netconform role ...": parses the arguments, loads the
 * scenario and runs the role with records on descriptor 3. Returns the
 * process exit status. */
int nc_program_role_main(int argc, char **argv);

/* True when the namespace has a socket bound to port (UDP) or listening on
 * it (TCP), read from the socket tables in /proc/net. */
bool nc_program_port_ready(uint16_t port, bool tcp);

/* True when a program named as on an exec line can be found and run here
 * (the lookup of nc_program_exec, PATH included). */
bool nc_program_available(const struct nc_scenario *sc, const char *name,
			  const struct nc_run_opts *o);

/* Built-in roles go through exec when the run or the scenario needs it. */
bool nc_program_role_needs_exec(const struct nc_scenario *sc, const struct nc_run_opts *o);

#endif
