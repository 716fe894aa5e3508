/* wiring.h: the descriptor numbers and exit statuses by which netconform's
 * processes talk to each other (the process model is in runner.h).
 *
 * Every child is started with its descriptors in fixed slots (spawn.h puts
 * them there and closes everything else), and every way a child can end
 * before doing its job has an exit status of its own, so that the parent
 * can say what went wrong instead of "exited with status 121".
 */
#ifndef NC_PROC_WIRING_H
#define NC_PROC_WIRING_H

#include <stddef.h>

#include "steps/role.h"

/* Descriptor slots in a child, after nc_spawn()/nc_ns_spawn(). */
enum nc_fd_slot {
	NC_FD_STDIN = 0,
	NC_FD_STDOUT = 1,
	NC_FD_STDERR = 2,
	/* Role processes (built-in or programs): a close-on-exec pipe on which
	 * a failed exec writes its errno; EOF means the exec happened (or no
	 * exec was needed). */
	NC_FD_EXEC_ERROR = 3,
	/* Built-in roles: the records they stream to the supervisor
	 * (steps/record.h). Program roles have no such descriptor. */
	NC_FD_RECORDS = 4,
	/* A supervisor: the pipe its encoded result goes to. */
	NC_FD_RESULT = 3,
};

#define NC_FD_SLOTS_PROGRAM 4   /* stdin, stdout, stderr, exec error */
#define NC_FD_SLOTS_BUILTIN 5   /* the same, plus records */

/* Exit statuses of netconform's own processes. Statuses below 120 are the
 * roles' (a built-in role exits 0 when it ran all its steps); a program's
 * statuses are its own, 127 aside when netconform's exec of it failed. */
enum nc_exit_status {
	NC_EXIT_OK = 0,
	/* A built-in role: netconform itself failed inside the role (a record
	 * could not be written, an internal limit). */
	NC_EXIT_ROLE_HARNESS = NC_ROLE_EXIT_HARNESS,
	/* A child whose parent died between fork and the parent-death signal. */
	NC_EXIT_PARENT_GONE = 120,
	/* A supervisor whose namespaces could not be set up. */
	NC_EXIT_NS_SETUP = 121,
	/* A child whose descriptors could not be put in their slots. */
	NC_EXIT_FD_SETUP = 122,
	/* A supervisor that could not take its result pipe. */
	NC_EXIT_RESULT_PIPE = 123,
	/* The exec of a program or of "netconform role" failed; the errno went
	 * to NC_FD_EXEC_ERROR. */
	NC_EXIT_EXEC_FAILED = 127,
};

/* What a netconform process (a supervisor, or a built-in role) ended
 * with, in words: "exited with status 3 (netconform failed inside the
 * role)", "was killed by SIGSEGV". `status` is a wait status. */
const char *nc_wait_describe(int status, char *buf, size_t n);

#endif
