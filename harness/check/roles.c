/* roles.c: how the role processes ended. */
#include "check/observe.h"

#include <stdio.h>
#include <string.h>

#include "scenario/names.h"
#include "steps/role.h"
#include "util/clock.h"

/* The step a role was in when it ended: begun but not finished. */
static int64_t current_step(const struct nc_role_obs *ro)
{
	for (uint32_t i = 0; i < ro->nsteps; i++)
		if (ro->begun[i] && !ro->ended[i])
			return i;
	return -1;
}

static void where(const struct nc_observed *o, enum nc_role_id r, int64_t step, char *buf,
		  size_t n, uint32_t *line)
{
	const struct nc_role *role = &o->sc->role[r];
	*line = 0;
	if (step < 0 || (uint64_t)step >= role->nsteps) {
		const struct nc_role_obs *ro = &o->role[r];
		bool any = false;
		for (uint32_t i = 0; i < ro->nsteps && !any; i++)
			any = ro->begun[i];
		snprintf(buf, n, "%s", role->is_exec ? "" : any ? " after its last finished step"
							       : " before its first step");
		*line = role->pos.line;
		return;
	}
	const struct nc_step *st = &role->steps[step];
	snprintf(buf, n, " in step '%s' at line %u", st->text, st->pos.line);
	*line = st->pos.line;
}

/* Adds a failure about a role's end, at the time it ended, marked as a
 * consequence when the role was stopped (or never started) because the
 * variant had already failed. */
static void fail_role(struct nc_result *r, const struct nc_observed *o, const struct nc_role_obs *ro,
		      bool harness, const char *check, uint32_t line, const char *msg,
		      const char *detail)
{
	struct nc_failure *f = nc_result_fail(r, harness, check, o->sc->path, line, msg, detail);
	if (f) {
		f->t = ro->started ? ro->end_t : -1;
		f->consequence = ro->consequence;
	}
}

void nc_check_roles(const struct nc_observed *o, struct nc_result *r)
{
	for (int ri = 0; ri < NC_ROLE_COUNT; ri++) {
		const struct nc_role *role = &o->sc->role[ri];
		const struct nc_role_obs *ro = &o->role[ri];
		if (!role->present)
			continue;
		const char *name = nc_role_name(ri);
		char at[384], msg[640];
		uint32_t line;
		/* The step a stopped role was in when it was stopped. At a
		 * deadline that is what the role was blocked in, even if stopping
		 * its peer then let the call return. A role stopped because the
		 * variant had already failed may have finished that step before
		 * the signal came: then the step it was really left in counts. */
		bool stale = ro->fate == NC_FATE_CUT && ro->killed_at_step >= 0 &&
			     ro->ended[ro->killed_at_step];
		int64_t step = (ro->fate == NC_FATE_KILLED || ro->fate == NC_FATE_CUT) &&
			       ro->killed_at_step >= 0 && !stale
			       ? ro->killed_at_step : current_step(ro);
		where(o, ri, step, at, sizeof(at), &line);
		const char *what = role->is_exec ? "program" : "role";
		if (ro->not_ready) {
			/* The program's own failure: it never became ready. */
			struct nc_failure *f = nc_result_fail(r, false, "ready", o->sc->path,
							      role->pos.line, ro->not_ready, "");
			if (f)
				f->t = ro->not_ready_t;
		}
		switch (ro->fate) {
		case NC_FATE_NONE:
			snprintf(msg, sizeof(msg), "the %s %s never started%s%s", name, what,
				 ro->spawn_error[0] ? ": " : "", ro->spawn_error);
			fail_role(r, o, ro, true, "spawn", role->pos.line, msg, "");
			break;
		case NC_FATE_SPAWN_FAILED:
			snprintf(msg, sizeof(msg), "the %s %s could not start: %s", name, what,
				 ro->spawn_error);
			fail_role(r, o, ro, true, "spawn", role->pos.line, msg, "");
			break;
		case NC_FATE_SIGNALED:
			if (role->is_exec)
				break; /* judged with the program's expectations */
			if (o->wrap && !ro->any_record)
				snprintf(msg, sizeof(msg), "the %s role never ran: its --wrap command '%s' "
					 "was killed by %s before it started the role", name, o->wrap,
					 nc_signal_name(ro->signal));
			else
				snprintf(msg, sizeof(msg), "the %s %s crashed: killed by %s%s", name, what,
					 nc_signal_name(ro->signal), at);
			fail_role(r, o, ro, true, "crash", line, msg, "");
			break;
		case NC_FATE_KILLED: {
			char el[32];
			int64_t began = step >= 0 && (uint64_t)step < ro->nsteps ? ro->begin_t[step] : 0;
			nc_fmt_duration(ro->end_t - began, el, sizeof(el));
			if (role->is_exec)
				snprintf(msg, sizeof(msg), "the %s program was still running at %s; "
					 "it was stopped", name, ro->deadline_what);
			else
				snprintf(msg, sizeof(msg), "the %s role was blocked%s for %s and was "
					 "stopped at %s", name, at, el, ro->deadline_what);
			fail_role(r, o, ro, true, "deadline", line, msg, "");
			break;
		}
		case NC_FATE_CUT:
			/* Worth a line only where it says what the role did not get
			 * to do: a program still running, a role inside a step. */
			if (role->is_exec)
				snprintf(msg, sizeof(msg), "the %s program was stopped, because of %s",
					 name, ro->deadline_what);
			else if (step >= 0)
				snprintf(msg, sizeof(msg), "the %s role was stopped%s, because of %s",
					 name, at, ro->deadline_what);
			else
				break;
			fail_role(r, o, ro, false, "stopped", line, msg, "");
			break;
		case NC_FATE_INTERRUPTED:
			snprintf(msg, sizeof(msg), "the run was interrupted while the %s %s was%s",
				 name, what, at[0] ? at : " running");
			fail_role(r, o, ro, true, "interrupted", line, msg, "");
			break;
		case NC_FATE_STOPPED:
			/* A server program stopped once its client was done is judged
			 * with the program's expectations. */
			break;
		case NC_FATE_EXITED:
			if (role->is_exec)
				break; /* judged with the program's expectations */
			if (o->wrap && !ro->any_record) {
				/* The wrapper ended without starting the role: the wrapper's
				 * failure, not netconform's. */
				snprintf(msg, sizeof(msg), "the %s role never ran: its --wrap command '%s' "
					 "exited with status %d before it started the role", name, o->wrap,
					 ro->exit_status);
				fail_role(r, o, ro, true, "wrap", role->pos.line, msg, "");
			} else if (ro->records_bad) {
				snprintf(msg, sizeof(msg), "the %s role sent malformed records", name);
				fail_role(r, o, ro, true, "harness", role->pos.line, msg, "");
			} else if (ro->exit_status == NC_ROLE_EXIT_HARNESS) {
				snprintf(msg, sizeof(msg), "the %s role failed inside netconform%s", name, at);
				fail_role(r, o, ro, true, "harness", line, msg, "");
			} else if (!ro->done) {
				snprintf(msg, sizeof(msg), "the %s role exited early (status %d)%s", name,
					 ro->exit_status, at);
				fail_role(r, o, ro, true, "crash", line, msg, "");
			}
			break;
		}
	}
}
