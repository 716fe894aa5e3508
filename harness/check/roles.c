/* roles.c: how the role processes ended. */
#include "check/observe.h"

#include <stdio.h>
#include <string.h>

#include "scenario/names.h"
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
		int64_t step = ro->fate == NC_FATE_KILLED && ro->killed_at_step >= 0
			       ? ro->killed_at_step : current_step(ro);
		where(o, ri, step, at, sizeof(at), &line);
		const char *what = role->is_exec ? "program" : "role";
		switch (ro->fate) {
		case NC_FATE_NONE:
			snprintf(msg, sizeof(msg), "the %s %s never started%s%s", name, what,
				 ro->spawn_error[0] ? ": " : "", ro->spawn_error);
			nc_result_fail(r, true, "spawn", o->sc->path, role->pos.line, msg, "");
			break;
		case NC_FATE_SPAWN_FAILED:
			snprintf(msg, sizeof(msg), "the %s %s could not start: %s", name, what,
				 ro->spawn_error);
			nc_result_fail(r, true, "spawn", o->sc->path, role->pos.line, msg, "");
			break;
		case NC_FATE_SIGNALED:
			if (role->is_exec)
				break; /* judged with the program's expectations */
			snprintf(msg, sizeof(msg), "the %s %s crashed: killed by %s%s", name, what,
				 nc_signal_name(ro->signal), at);
			nc_result_fail(r, true, "crash", o->sc->path, line, msg, "");
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
			nc_result_fail(r, true, "deadline", o->sc->path, line, msg, "");
			break;
		}
		case NC_FATE_INTERRUPTED:
			snprintf(msg, sizeof(msg), "the run was interrupted while the %s %s was%s",
				 name, what, at[0] ? at : " running");
			nc_result_fail(r, true, "interrupted", o->sc->path, line, msg, "");
			break;
		case NC_FATE_STOPPED:
			/* A server program stopped once its client was done is judged
			 * with the program's expectations; a role stopped because its
			 * partner never started is explained by that failure. */
			break;
		case NC_FATE_EXITED:
			if (role->is_exec)
				break; /* judged with the program's expectations */
			if (ro->records_bad) {
				snprintf(msg, sizeof(msg), "the %s role sent malformed records", name);
				nc_result_fail(r, true, "harness", o->sc->path, role->pos.line, msg, "");
			} else if (!role->is_exec && ro->exit_status == 3) {
				snprintf(msg, sizeof(msg), "the %s role failed inside netconform%s", name, at);
				nc_result_fail(r, true, "harness", o->sc->path, line, msg, "");
			} else if (!role->is_exec && !ro->done) {
				snprintf(msg, sizeof(msg), "the %s role exited early (status %d)%s", name,
					 ro->exit_status, at);
				nc_result_fail(r, true, "crash", o->sc->path, line, msg, "");
			}
			break;
		}
	}
}
