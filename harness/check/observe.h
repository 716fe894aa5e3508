/* observe.h: everything a variant supervisor observed, for the checks.
 *
 * The supervisor (proc/variant.c) fills one nc_observed per variant from the
 * role records, the role processes' fates and the capture; the checks read
 * it and add failures and trace entries to a result. Nothing in here is a
 * verdict.
 *
 * Ownership: nc_observed_free() releases everything it holds.
 */
#ifndef NC_CHECK_OBSERVE_H
#define NC_CHECK_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "result/result.h"
#include "scenario/scenario.h"
#include "steps/record.h"

/* How a role process ended. */
enum nc_fate {
	NC_FATE_NONE,         /* the role was never started */
	NC_FATE_EXITED,       /* exited on its own */
	NC_FATE_SIGNALED,     /* killed by a signal netconform did not send */
	NC_FATE_KILLED,       /* killed by netconform at a deadline */
	NC_FATE_INTERRUPTED,  /* killed because the run was interrupted */
	NC_FATE_SPAWN_FAILED, /* could not be started (fork or exec failed) */
	NC_FATE_STOPPED,      /* a server program stopped once its client was done */
	NC_FATE_CUT,          /* stopped because the variant had already failed */
};

struct nc_role_obs {
	bool started;
	bool exec;                    /* an external program */
	uint32_t nsteps;
	bool *begun;                  /* per step: STEP_BEGIN seen */
	bool *ended;                  /* per step: STEP_END seen */
	int64_t *begin_t;
	struct nc_fact *facts;        /* per step, valid when ended[i] */
	struct nc_dgram *dgrams;
	size_t ndgrams;
	struct nc_stream *streams;
	size_t nstreams;
	bool ready;
	struct nc_addr ready_addr;
	bool done;                    /* DONE record seen */
	struct nc_unread left_unread; /* the first stream the role ended with that held
					 bytes it never read; count 0 when none */
	bool any_record;              /* some record was seen: the role's code ran */
	bool records_bad;             /* a malformed record arrived */
	enum nc_fate fate;
	int exit_status;              /* EXITED */
	int signal;                   /* SIGNALED, KILLED */
	int64_t end_t;                /* ns since epoch when the process ended */
	int64_t killed_at_step;       /* KILLED: the step that was blocked, or -1 */
	char deadline_what[96];       /* KILLED: "the scenario timeout (2.00 s)" */
	char spawn_error[448];        /* SPAWN_FAILED; NONE: why it never started */
	bool consequence;             /* the fate follows from the variant's first failure
					 (stopped, or never started, because of it) */
	char *not_ready;              /* a server program that never became ready: what
					 netconform waited for and what it saw (owned) */
	int64_t not_ready_t;
	struct nc_buf output;         /* stdout and stderr as they came (capped, for reports) */
	struct nc_buf out[3];         /* [1] stdout, [2] stderr of a program (capped, for checks) */
	uint16_t program_port;        /* a server program's ${server.port} */
};

#define NC_PROGRAM_OUTPUT_MAX (1u << 20) /* program output kept for checks */

struct nc_observed {
	const struct nc_scenario *sc; /* borrowed */
	enum nc_family family;
	double timeout_scale;
	int64_t tick_ns;              /* kernel tick, for timing tolerances */
	uint16_t unused_port;
	const char *wrap;             /* the --wrap command built-in roles ran under, or NULL */
	int64_t decided_t;            /* when the outcome was decided before the roles
					 ended by themselves (a failure, the timeout or an
					 interruption stopped them), ns since the epoch;
					 -1 if it was not */
	struct nc_role_obs role[NC_ROLE_COUNT];
};

void nc_observed_init(struct nc_observed *o, const struct nc_scenario *sc,
		      enum nc_family fam, double scale);
void nc_observed_free(struct nc_observed *o);

/* Applies one record from a role; returns -1 when it is malformed. */
int nc_observed_record(struct nc_observed *o, enum nc_role_id role, enum nc_rec_type type,
		       struct nc_cursor *body);

/* The checks. Each appends failures to r; nc_check_steps also builds the
 * step trace. */
void nc_check_steps(const struct nc_observed *o, struct nc_result *r);
void nc_check_endpoints(const struct nc_observed *o, struct nc_result *r);
void nc_check_roles(const struct nc_observed *o, struct nc_result *r);
/* Exit status and output expectations of program roles. */
void nc_check_programs(const struct nc_observed *o, struct nc_result *r);

/* Judgements the supervisor makes while the roles run, to stop waiting
 * once the outcome is known. True when the finished step fails its
 * expectation (the same judgement nc_check_steps makes). */
bool nc_check_step_failed(const struct nc_observed *o, enum nc_role_id r, uint32_t step);
/* True when a program role that has ended ended as its scenario expects
 * (the judgement of nc_check_programs' exit check). */
bool nc_check_program_end_ok(const struct nc_observed *o, enum nc_role_id id);

/* Where the server was: its bound address once ready (a wildcard read as
 * loopback of its family). False when it never became ready. */
bool nc_observed_server_addr(const struct nc_observed *o, struct nc_addr *a);
/* Where the client was: a built-in client's own socket address (an
 * unconnected socket's wildcard read as loopback, where the kernel sends
 * from), or a program client as the built-in server last observed it.
 * False when unknown. */
bool nc_observed_client_addr(const struct nc_observed *o, struct nc_addr *a);

/* The variables as the checks see them once the roles have ended, built
 * from the two above. Values live in `store` (NC_VAR_LEN bytes each). */
struct nc_varctx;
void nc_observed_vars(const struct nc_observed *o, struct nc_varctx *v, char store[][NC_VAR_LEN]);

/* The allowed range for an `after lo..hi` window, tolerances applied:
 * a kernel timeout may end up to one tick early, and anything may end late
 * on a loaded machine, by a margin that scales with --timeout-scale. */
void nc_window_bounds(const struct nc_window *w, double scale, int64_t tick_ns,
		      int64_t *lo, int64_t *hi);

#endif
