/* wiring.c: exit statuses in words (see wiring.h). */
#include "proc/wiring.h"

#include <stdio.h>
#include <sys/wait.h>

#include "scenario/names.h"

static const char *exit_meaning(int code)
{
	switch (code) {
	case NC_EXIT_ROLE_HARNESS: return "netconform failed inside the role";
	case NC_EXIT_PARENT_GONE: return "its parent ended while it started";
	case NC_EXIT_NS_SETUP: return "its network namespace could not be set up";
	case NC_EXIT_FD_SETUP: return "its descriptors could not be set up";
	case NC_EXIT_RESULT_PIPE: return "its result pipe could not be set up";
	case NC_EXIT_EXEC_FAILED: return "the exec failed";
	}
	return NULL;
}

const char *nc_wait_describe(int status, char *buf, size_t n)
{
	if (WIFSIGNALED(status)) {
		snprintf(buf, n, "was killed by %s%s", nc_signal_name(WTERMSIG(status)),
			 WCOREDUMP(status) ? " (core dumped)" : "");
	} else if (WIFEXITED(status)) {
		const char *m = exit_meaning(WEXITSTATUS(status));
		if (m)
			snprintf(buf, n, "exited with status %d (%s)", WEXITSTATUS(status), m);
		else
			snprintf(buf, n, "exited with status %d", WEXITSTATUS(status));
	} else {
		snprintf(buf, n, "ended with wait status %#x", (unsigned)status);
	}
	return buf;
}
