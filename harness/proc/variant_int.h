/* variant_int.h: the state of one variant's supervisor, shared by the files
 * that make it up (not for use outside harness/proc/):
 *
 *   variant.c    the loop, the variant's lifecycle, and the result
 *   roleproc.c   starting, reading, reaping and stopping role processes
 *   readiness.c  when a server program is ready, and what to say when not
 *   vcapture.c   the capture: armed first, read while roles run, drained last
 *
 * Lifecycle of a role: WAITING (not started yet) -> RUNNING -> ENDED, or
 * WAITING -> NEVER when it can no longer start (its server ended or never
 * became ready, the deadline came, the run was interrupted, the outcome was
 * decided). The supervisor's loop ends when every role is ENDED, with its
 * pipes drained, or NEVER: no state waits for something that cannot come.
 */
#ifndef NC_PROC_VARIANT_INT_H
#define NC_PROC_VARIANT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "capture/pcapfile.h"
#include "check/observe.h"
#include "check/wirelog.h"
#include "proc/pollset.h"
#include "proc/spawn.h"
#include "proc/variant.h"
#include "scenario/payload.h"
#include "steps/vars.h"
#include "util/buf.h"

enum role_phase {
	ROLE_WAITING,   /* present, not started yet */
	ROLE_RUNNING,   /* its process runs (or has not been reaped yet) */
	ROLE_ENDED,     /* reaped */
	ROLE_NEVER,     /* will never start; obs fate and spawn_error say why */
};

struct rolerun {
	bool present;
	enum role_phase phase;
	struct nc_child child;
	int rec_fd;            /* records (built-in roles); -1 when closed */
	int out_fd;            /* stdout (and stderr of built-in roles); -1 when closed */
	bool out_pty;          /* out_fd is a pseudo-terminal's master side */
	int err_fd;            /* stderr of programs; -1 when closed */
	int in_fd;             /* a program's stdin while it is being fed; -1 when done */
	struct nc_payload_gen in_gen;
	struct nc_buf in;      /* record bytes not yet parsed */
	int64_t started_at;
	int64_t reaped_at;
	int64_t deadline;      /* a program's own deadline (absolute), or INT64_MAX */
	int stop_signal;       /* what stops it: SIGTERM unless the scenario says */
	bool stopping;         /* the supervisor decided to stop it */
	uint32_t judged;       /* built-in roles: steps judged so far (fail fast) */
	bool end_judged;       /* built-in roles: its end was judged */
	int64_t next_probe;    /* server programs: next look at the socket tables */
};

struct sup {
	const struct nc_variant_job *job;
	const struct nc_scenario *sc;
	int64_t epoch;
	int64_t deadline;      /* absolute */
	bool deadline_done;
	struct nc_observed obs;
	struct rolerun rr[NC_ROLE_COUNT];
	int sigfd;
	bool interrupted;
	int64_t started_unix_ns;
	int64_t client_done_at;  /* when the client ended, for a server program */
	char decided_why[200];   /* what decided the outcome early, once obs.decided_t >= 0 */
	int port_lock[2];        /* host loopback: the locks of `unused` and a program's port */

	/* Capture: armed before the roles start, read while they run. */
	struct nc_capture *cap;
	struct nc_wirelog *wire;
	struct nc_pcapfile pcap;
	bool pcap_open;
	bool capture_failed;     /* an error while capturing */
	char capture_note[320];  /* why there is no capture, or what went wrong */
	bool capture_error;      /* the note is an error, not a reasoned skip */
};

int64_t nc_sup_scaled(const struct sup *s, int64_t ns);

/* roleproc.c */
/* The variables a program's command line may use when it starts. */
void nc_sup_program_vars(struct sup *s, enum nc_role_id id, struct nc_varctx *v,
			 char store[][NC_VAR_LEN]);
void nc_sup_start_role(struct sup *s, enum nc_role_id id);
/* Starts stopping a running role (its stop signal, then SIGKILL after the
 * grace period); fate and `what` say why. */
void nc_sup_stop_role(struct sup *s, enum nc_role_id id, enum nc_fate fate, const char *what,
		      bool consequence);
/* A waiting role will never start, for the reason given. */
void nc_sup_never_start(struct sup *s, enum nc_role_id id, const char *why, bool consequence);
/* Reads what a role wrote; each returns once the pipe is empty. */
void nc_sup_read_records(struct sup *s, enum nc_role_id id);
void nc_sup_read_output(struct sup *s, enum nc_role_id id, int stream);
void nc_sup_feed_stdin(struct sup *s, enum nc_role_id id);
/* Reaps a role whose process ended; true when it was reaped now. */
bool nc_sup_reap(struct sup *s, enum nc_role_id id);
void nc_sup_close_pipes(struct rolerun *rr);
/* Ended (or never to start) with nothing more to read. */
bool nc_sup_role_finished(const struct rolerun *rr);
/* The step a role is blocked in (begun, not ended), or -1. */
int64_t nc_sup_blocked_step(const struct nc_role_obs *ro);

/* readiness.c */
/* Whether the server program is ready; looks at its output and, no more
 * often than needed, at the socket tables. Sets obs ready and ready_addr
 * once it is. Asks the poll set to wake it for its next look. */
bool nc_sup_program_ready(struct sup *s, int64_t now, struct nc_pollset *ps);
/* Records in obs why the server program is not ready (`when`: "within the
 * scenario timeout (5.00 s)", "before it exited with status 2"): what
 * netconform waited for and what the program did instead. */
void nc_sup_not_ready(struct sup *s, int64_t now, const char *when);
/* A port nothing listens on that no socket can get by itself: outside the
 * namespace's ephemeral range, and none the scenario names. */
uint16_t nc_sup_unused_port(struct sup *s);
/* A free port for a server program that does not name one. */
uint16_t nc_sup_free_port(struct sup *s);
/* The search both use: a free port outside the ephemeral range, none the
 * scenario names and not avoid; with lock_fd, also one whose host-port
 * lock it could take (the descriptor goes to *lock_fd). */
uint16_t nc_port_outside_ephemeral(const struct nc_scenario *sc, uint16_t avoid, int *lock_fd);

/* vcapture.c */
void nc_sup_capture_start(struct sup *s);
void nc_sup_capture_read(struct sup *s);
void nc_sup_capture_finish(struct sup *s);
/* After the verdict: keeps or discards the pcap file per --keep-pcap. */
void nc_sup_capture_keep(struct sup *s, struct nc_result *r);
void nc_sup_capture_close(struct sup *s);

#endif
