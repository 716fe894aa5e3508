/* variant.c: the supervisor of one variant: its loop, the lifecycle of its
 * roles, and its result (the state is described in variant_int.h).
 *
 * A single-threaded poll loop watches the roles' record pipes, their output
 * pipes, their pidfds and a signalfd, and acts on deadlines between polls.
 * Nothing here sleeps for a fixed time: every wait is for an event or a
 * deadline, and every wait ends: a role that cannot start any more is
 * marked so, and once the outcome is known (a step failed, a role crashed,
 * a program ended wrongly) the roles still running are stopped instead of
 * being left to their deadlines.
 */
#include "proc/variant.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef NC_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#include "check/wire.h"
#include "proc/variant_int.h"
#include "proc/wiring.h"
#include "result/result.h"
#include "scenario/names.h"
#include "util/clock.h"
#include "util/text.h"

#define REC_BUF_MAX (4u << 20)
#define PIPE_LINGER_NS (200LL * NC_MS) /* after a role ends, how long its pipes may stay open */

/* What wakes the loop up. */
enum sup_event {
	EV_SIGNAL,    /* the runner asks the variant to stop */
	EV_CAPTURE,   /* packets are waiting */
	EV_RECORDS,   /* a built-in role wrote records */
	EV_STDOUT,    /* a role wrote to its stdout */
	EV_STDERR,    /* a program wrote to its stderr */
	EV_CHILD,     /* a role process ended */
	EV_STDIN,     /* a program can take more of its stdin */
};

int64_t nc_sup_scaled(const struct sup *s, int64_t ns)
{
	return (int64_t)((double)ns * s->job->opts->timeout_scale);
}

static const char *what_role(const struct sup *s, enum nc_role_id id)
{
	static const char *words[NC_ROLE_COUNT][2] = {
		[NC_ROLE_SERVER] = { "server role", "server program" },
		[NC_ROLE_CLIENT] = { "client role", "client program" },
	};
	return words[id][s->sc->role[id].is_exec];
}

/* ------------------------------------------------------------------------ */
/* Lifecycle */

/* The outcome is decided: nothing more can make the variant pass, so the
 * roles still running are stopped and the waiting ones never start. Their
 * fates are consequences of `why`, which the report puts first. */
static void decide(struct sup *s, int64_t now, const char *why)
{
	if (s->obs.decided_t >= 0)
		return;
	s->obs.decided_t = now - s->epoch;
	snprintf(s->decided_why, sizeof(s->decided_why), "%s", why);
	char never[260];
	snprintf(never, sizeof(never), "not started after %s", why);
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		nc_sup_never_start(s, id, never, true);
		nc_sup_stop_role(s, id, NC_FATE_CUT, why, true);
	}
}

/* A built-in role's finished steps are judged as they come in, so that a
 * failed one stops the variant at once. */
static void judge_steps(struct sup *s, enum nc_role_id id, int64_t now)
{
	struct rolerun *rr = &s->rr[id];
	const struct nc_role_obs *ro = &s->obs.role[id];
	if (s->sc->role[id].is_exec)
		return;
	while (rr->judged < ro->nsteps && ro->ended[rr->judged]) {
		uint32_t i = rr->judged++;
		if (nc_check_step_failed(&s->obs, id, i)) {
			char why[160];
			snprintf(why, sizeof(why), "the %s's failure at line %u",
				 nc_role_name(id), s->sc->role[id].steps[i].pos.line);
			decide(s, now, why);
		}
	}
}

/* A role has ended (for a built-in role: its records are all read). An
 * end other than the expected one decides the outcome. */
static void judge_end(struct sup *s, enum nc_role_id id, int64_t now)
{
	const struct rolerun *rr = &s->rr[id];
	const struct nc_role_obs *ro = &s->obs.role[id];
	const struct nc_role *role = &s->sc->role[id];
	if (rr->stopping && ro->fate != NC_FATE_SPAWN_FAILED)
		return; /* stopped on purpose: its fate says why */
	char why[200], how[128];
	nc_wait_describe(rr->child.status, how, sizeof(how));
	if (ro->fate == NC_FATE_SPAWN_FAILED) {
		snprintf(why, sizeof(why), "the failure of the %s to start", what_role(s, id));
	} else if (role->is_exec) {
		if (id == NC_ROLE_SERVER && !ro->ready && s->rr[NC_ROLE_CLIENT].present) {
			char when[160];
			snprintf(when, sizeof(when), "before it ended (it %s)", how);
			nc_sup_not_ready(s, now, when);
		} else if (nc_check_program_end_ok(&s->obs, id)) {
			return;
		}
		snprintf(why, sizeof(why), "the end of the %s (it %s)", what_role(s, id), how);
	} else if (ro->fate == NC_FATE_EXITED && ro->exit_status == 0 && ro->done &&
		   !ro->records_bad) {
		/* Its steps are judged already; only what it left unread is not. */
		if (!ro->left_unread.count)
			return;
		snprintf(why, sizeof(why), "the bytes the %s left unread at its end",
			 what_role(s, id));
	} else {
		snprintf(why, sizeof(why), "the end of the %s (it %s)", what_role(s, id), how);
	}
	decide(s, now, why);
}

static void on_deadline(struct sup *s, int64_t now)
{
	if (s->deadline_done || now < s->deadline)
		return;
	s->deadline_done = true;
	char what[96], d[32];
	snprintf(what, sizeof(what), "the scenario timeout (%s)",
		 nc_fmt_duration(s->deadline - s->epoch, d, sizeof(d)));
	/* A server program that is still not ready is the cause: the client
	 * never started because of it, and stopping it follows from it. */
	const struct rolerun *srv = &s->rr[NC_ROLE_SERVER];
	bool not_ready = s->sc->role[NC_ROLE_SERVER].is_exec && srv->phase == ROLE_RUNNING &&
			 !s->obs.role[NC_ROLE_SERVER].ready && s->rr[NC_ROLE_CLIENT].present &&
			 s->rr[NC_ROLE_CLIENT].phase == ROLE_WAITING;
	if (not_ready) {
		char when[128];
		snprintf(when, sizeof(when), "within %s", what);
		nc_sup_not_ready(s, now, when);
	}
	if (s->obs.decided_t < 0)
		s->obs.decided_t = now - s->epoch;
	char never[160];
	snprintf(never, sizeof(never), "the server was not ready before %s", what);
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		nc_sup_never_start(s, id, never, not_ready);
		nc_sup_stop_role(s, id, NC_FATE_KILLED, what, not_ready && id == NC_ROLE_SERVER);
	}
}

/* A server program with a ready deadline of its own ('ready bound within
 * 2s') that is not ready when it comes fails the variant then, with the
 * diagnosis the scenario timeout would give. */
static void on_ready_deadline(struct sup *s, int64_t now, struct nc_pollset *ps)
{
	const struct nc_role *role = &s->sc->role[NC_ROLE_SERVER];
	struct rolerun *srv = &s->rr[NC_ROLE_SERVER];
	const struct rolerun *cli = &s->rr[NC_ROLE_CLIENT];
	if (!role->is_exec || !role->ready_within_ns || srv->phase != ROLE_RUNNING ||
	    srv->stopping || s->obs.role[NC_ROLE_SERVER].ready || !cli->present ||
	    cli->phase != ROLE_WAITING)
		return;
	int64_t within = nc_sup_scaled(s, role->ready_within_ns);
	int64_t at = srv->started_at + within;
	if (now < at) {
		nc_pollset_until(ps, at);
		return;
	}
	/* A last look at once: a program that became ready since the previous
	 * probe of the socket tables is ready, not late. */
	srv->next_probe = now;
	if (nc_sup_program_ready(s, now, ps))
		return;
	char when[96], why[96], d[32];
	nc_fmt_duration(within, d, sizeof(d));
	snprintf(when, sizeof(when), "within its ready deadline (%s)", d);
	snprintf(why, sizeof(why), "the server program's ready deadline (%s)", d);
	nc_sup_not_ready(s, now, when);
	decide(s, now, why);
}

/* Per-step deadlines of built-in roles. */
static void step_deadlines(struct sup *s, int64_t now, struct nc_pollset *ps)
{
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		struct rolerun *rr = &s->rr[id];
		struct nc_role_obs *ro = &s->obs.role[id];
		if (rr->phase != ROLE_RUNNING || rr->stopping || s->sc->role[id].is_exec)
			continue;
		int64_t step = nc_sup_blocked_step(ro);
		if (step < 0)
			continue;
		const struct nc_step *st = &s->sc->role[id].steps[step];
		int64_t limit = st->deadline_ns ? st->deadline_ns : s->sc->step_timeout_ns;
		if (!limit)
			continue;
		/* A multi-call receive stops by itself at its deadline and reports
		 * what it got; the kill comes a grace period later, for calls that
		 * block in the kernel, so the verdict never depends on a race. */
		int64_t scaled = nc_sup_scaled(s, limit);
		int64_t grace = scaled / 10 > 50 * NC_MS ? scaled / 10 : 50 * NC_MS;
		int64_t at = s->epoch + ro->begin_t[step] + scaled + grace;
		if (now >= at) {
			char what[96], d[32];
			snprintf(what, sizeof(what), "its step deadline (%s)",
				 nc_fmt_duration(scaled, d, sizeof(d)));
			nc_sup_stop_role(s, id, NC_FATE_KILLED, what, false);
		} else {
			nc_pollset_until(ps, at);
		}
	}
}

/* Programs' own deadlines, and a server program whose client is done: it
 * serves until told otherwise, unless the scenario expects it to exit by
 * itself. */
static void program_duties(struct sup *s, int64_t now, struct nc_pollset *ps)
{
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		struct rolerun *rr = &s->rr[id];
		const struct nc_role *role = &s->sc->role[id];
		if (!role->is_exec || rr->phase != ROLE_RUNNING || rr->stopping)
			continue;
		if (now >= rr->deadline) {
			char what[96], d[32];
			snprintf(what, sizeof(what), "its deadline (%s)",
				 nc_fmt_duration(nc_sup_scaled(s, role->deadline_ns), d, sizeof(d)));
			nc_sup_stop_role(s, id, NC_FATE_KILLED, what, false);
			continue;
		}
		nc_pollset_until(ps, rr->deadline);
	}
	const struct rolerun *cli = &s->rr[NC_ROLE_CLIENT];
	const struct nc_role *srole = &s->sc->role[NC_ROLE_SERVER];
	if (srole->is_exec && !srole->has_exit && cli->present && nc_sup_role_finished(cli) &&
	    cli->phase == ROLE_ENDED && s->rr[NC_ROLE_SERVER].phase == ROLE_RUNNING &&
	    !s->rr[NC_ROLE_SERVER].stopping) {
		/* The server may still be handling the client's last message: it
		 * gets a short while before it is told to stop. */
		if (!s->client_done_at)
			s->client_done_at = now;
		int64_t at = s->client_done_at + nc_sup_scaled(s, NC_SERVER_LINGER_NS);
		if (now >= at)
			nc_sup_stop_role(s, NC_ROLE_SERVER, NC_FATE_STOPPED, "the end of its client",
					 false);
		else
			nc_pollset_until(ps, at);
	}
}

/* The client starts once the server is ready: its setup steps have run
 * (built-in), or its port is bound or its ready line printed (program).
 * A server that ended before that leaves the client nothing to talk to. */
static void start_waiting(struct sup *s, int64_t now, struct nc_pollset *ps)
{
	struct rolerun *cli = &s->rr[NC_ROLE_CLIENT];
	const struct rolerun *srv = &s->rr[NC_ROLE_SERVER];
	if (!cli->present || cli->phase != ROLE_WAITING)
		return;
	bool ready;
	if (!srv->present)
		ready = true;
	else if (s->sc->role[NC_ROLE_SERVER].is_exec)
		ready = s->obs.role[NC_ROLE_SERVER].ready ||
			(srv->phase == ROLE_RUNNING && !srv->stopping &&
			 nc_sup_program_ready(s, now, ps));
	else
		ready = s->obs.role[NC_ROLE_SERVER].ready;
	if (ready) {
		nc_sup_start_role(s, NC_ROLE_CLIENT);
		return;
	}
	if (nc_sup_role_finished(srv)) {
		char why[160];
		snprintf(why, sizeof(why), "the %s ended before it was ready",
			 what_role(s, NC_ROLE_SERVER));
		nc_sup_never_start(s, NC_ROLE_CLIENT, why, true);
	}
}

static void on_signal(struct sup *s, int64_t now)
{
	struct signalfd_siginfo si;
	bool got = false;
	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		got = true;
	if (!got || s->interrupted)
		return;
	s->interrupted = true;
	if (s->obs.decided_t < 0)
		s->obs.decided_t = now - s->epoch;
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		nc_sup_never_start(s, id, "the run was interrupted first", true);
		nc_sup_stop_role(s, id, NC_FATE_INTERRUPTED, "the interruption", false);
	}
}

/* Stop escalation and the pipes a role's children may keep open after it
 * ended (they are not waited for long). Returns true when every role is
 * finished. */
static bool roles_tick(struct sup *s, int64_t now, struct nc_pollset *ps)
{
	bool all = true;
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		struct rolerun *rr = &s->rr[id];
		nc_pollset_until(ps, nc_child_escalate(&rr->child, now, NC_KILL_GRACE_NS));
		if (rr->phase == ROLE_ENDED && (rr->rec_fd >= 0 || rr->out_fd >= 0 || rr->err_fd >= 0)) {
			if (now - rr->reaped_at > PIPE_LINGER_NS) {
				if (rr->rec_fd >= 0)
					nc_sup_read_records(s, id);
				nc_sup_close_pipes(rr);
				nc_child_kill(&rr->child);
			} else {
				nc_pollset_until(ps, rr->reaped_at + PIPE_LINGER_NS);
			}
		}
		if (!nc_sup_role_finished(rr))
			all = false;
	}
	return all;
}

static void watch_roles(struct sup *s, struct nc_pollset *ps)
{
	nc_pollset_add(ps, s->sigfd, POLLIN, EV_SIGNAL, 0);
	if (s->cap && !s->capture_failed)
		nc_pollset_add(ps, nc_capture_fd(s->cap), POLLIN, EV_CAPTURE, 0);
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		struct rolerun *rr = &s->rr[id];
		nc_pollset_add(ps, rr->rec_fd, POLLIN, EV_RECORDS, (size_t)id);
		nc_pollset_add(ps, rr->out_fd, POLLIN, EV_STDOUT, (size_t)id);
		nc_pollset_add(ps, rr->err_fd, POLLIN, EV_STDERR, (size_t)id);
		nc_pollset_add(ps, rr->in_fd, POLLOUT, EV_STDIN, (size_t)id);
		if (rr->phase == ROLE_RUNNING)
			nc_pollset_child(ps, &rr->child, EV_CHILD, (size_t)id);
	}
}

static void dispatch(struct sup *s, const struct nc_pollset *ps, int64_t now)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (!ps->pfd[i].revents)
			continue;
		enum nc_role_id id = (enum nc_role_id)ps->tag[i].who;
		switch ((enum sup_event)ps->tag[i].kind) {
		case EV_SIGNAL:
			on_signal(s, now);
			break;
		case EV_CAPTURE:
			nc_sup_capture_read(s);
			break;
		case EV_RECORDS:
			nc_sup_read_records(s, id);
			judge_steps(s, id, now);
			break;
		case EV_STDOUT:
			nc_sup_read_output(s, id, 1);
			break;
		case EV_STDERR:
			nc_sup_read_output(s, id, 2);
			break;
		case EV_CHILD:
			break; /* reaped below, with the children that have no pidfd */
		case EV_STDIN:
			nc_sup_feed_stdin(s, id);
			break;
		}
	}
}

/* Reaps what ended; a built-in role's end is judged once its records are
 * all read, a program's at once. */
static void reap_roles(struct sup *s, int64_t now)
{
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		struct rolerun *rr = &s->rr[id];
		bool reaped = nc_sup_reap(s, id);
		if (reaped && s->sc->role[id].is_exec) {
			judge_end(s, id, now);
		} else if (rr->phase == ROLE_ENDED && !s->sc->role[id].is_exec && rr->rec_fd < 0 &&
			   !rr->end_judged) {
			rr->end_judged = true;
			judge_steps(s, id, now);
			judge_end(s, id, now);
		}
	}
}

static void run_loop(struct sup *s)
{
	struct nc_pollset ps;
	nc_pollset_init(&ps);
	if (s->rr[NC_ROLE_SERVER].present)
		nc_sup_start_role(s, NC_ROLE_SERVER);
	for (;;) {
		int64_t now = nc_now_ns();
		nc_pollset_begin(&ps, now);
		reap_roles(s, now);
		for (int id = 0; id < NC_ROLE_COUNT; id++)
			if (s->obs.role[id].fate == NC_FATE_SPAWN_FAILED && s->rr[id].phase == ROLE_NEVER &&
			    s->obs.decided_t < 0) {
				char why[120];
				snprintf(why, sizeof(why), "the failure of the %s to start",
					 what_role(s, id));
				decide(s, now, why);
			}
		on_deadline(s, now);
		if (!s->deadline_done)
			nc_pollset_until(&ps, s->deadline);
		on_ready_deadline(s, now, &ps);
		step_deadlines(s, now, &ps);
		program_duties(s, now, &ps);
		start_waiting(s, now, &ps);
		if (roles_tick(s, now, &ps))
			break;
		watch_roles(s, &ps);
		if (nc_pollset_wait(&ps) < 0) {
			/* poll() itself failed, which leaves nothing to wait with:
			 * the roles are stopped at once, and the loop goes on only
			 * until they are reaped. */
			for (int id = 0; id < NC_ROLE_COUNT; id++) {
				nc_sup_never_start(s, id, "the supervisor's poll failed", false);
				nc_child_kill(&s->rr[id].child);
			}
			usleep(1000);
			continue;
		}
		dispatch(s, &ps, nc_now_ns());
	}
	nc_pollset_free(&ps);
}

/* ------------------------------------------------------------------------ */
/* Result */

/* An interrupted variant has no verdict unless something failed before
 * the interruption: it is reported as not run, with where it was. */
static void interrupted_verdict(struct nc_result *r)
{
	const struct nc_failure *where = NULL;
	for (size_t i = 0; i < r->nfailures; i++) {
		const struct nc_failure *f = &r->failures[i];
		if (!strcmp(f->check, "interrupted")) {
			if (!where)
				where = f;
		} else if (!f->consequence) {
			return;
		}
	}
	char reason[700];
	snprintf(reason, sizeof(reason), "%s", where ? where->message
		 : "the run was interrupted while the variant ran");
	nc_result_clear_failures(r);
	r->status = NC_STATUS_NOTRUN;
	free(r->reason);
	r->reason = nc_strdup(reason);
}

static void build_result(struct sup *s, struct nc_result *r)
{
	const struct nc_variant_job *job = s->job;
	const struct nc_scenario *sc = s->sc;
	r->name = nc_strdup(job->name);
	r->id = nc_strdup(sc->id);
	r->group = nc_strdup(sc->group);
	r->path = nc_strdup(sc->path);
	r->variant = nc_strdup(job->variant);
	r->scenario = nc_strdup(sc->name);
	r->description = nc_strdup(sc->description);
	r->started_unix_ns = s->started_unix_ns;
	r->duration_ns = nc_now_ns() - s->epoch;

	nc_check_steps(&s->obs, r);
	nc_check_endpoints(&s->obs, r);
	nc_check_roles(&s->obs, r);
	nc_check_programs(&s->obs, r);

	r->capture_on = s->cap && !s->capture_failed;
	if (s->wire && !s->capture_failed) {
		nc_check_wire_auto(&s->obs, s->wire, r);
		nc_check_wire_section(&s->obs, s->wire, r);
	}
	if (s->capture_note[0]) {
		r->capture_note = nc_strdup(s->capture_note);
		/* An error of the capture makes the variant an error; a reasoned
		 * skip (no permission, host loopback) leaves the rest standing. */
		if (s->capture_error)
			nc_result_fail(r, true, "capture", s->sc->path, 0, s->capture_note, "");
	}
	nc_result_settle(r);
	if (s->interrupted)
		interrupted_verdict(r);
	if (s->wire) {
		r->packets_total = 0;
		for (size_t i = 0; i < nc_wirelog_count(s->wire); i++) {
			const struct nc_wpkt *p = nc_wirelog_get(s->wire, i);
			nc_result_add_packet(r, p->index, p->t, p->line);
		}
		r->packets_total = s->wire->packets;
	}

	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		struct nc_buf *o = &s->obs.role[id].output;
		if (o->len)
			nc_result_output(r, id, (const char *)o->data, o->len);
		r->output_dropped[id] += o->dropped;
	}
	nc_result_prop(r, "family", nc_family_name(job->family));
	nc_result_prop(r, "transport", sc->transport == NC_TRANSPORT_TCP ? "tcp" : "udp");
	struct nc_buf kw;
	nc_buf_init(&kw, 0);
	for (size_t i = 0; i < sc->nkeywords; i++)
		nc_buf_printf(&kw, "%s%s", i ? " " : "", sc->keywords[i]);
	nc_result_prop(r, "keywords", nc_buf_str(&kw));
	nc_buf_free(&kw);
	nc_result_prop(r, "mode", nc_ns_mode_name(job->opts->ns.mode));
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* On the host loopback the supervisor is the subreaper of everything its
 * roles started: a daemon a program left behind (setsid and all) is
 * re-parented to it, and ended here with the variant. In a namespace of
 * its own the kernel does that when the supervisor, its PID 1, exits. */
static void end_leftovers(void)
{
	for (int round = 0; round < 50; round++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
		FILE *f = fopen(path, "re");
		bool any = false;
		if (f) {
			int pid;
			while (fscanf(f, "%d", &pid) == 1) {
				any = true;
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
			}
			fclose(f);
		}
		int st;
		while (waitpid(-1, &st, WNOHANG) > 0)
			any = true;
		if (!any)
			return;
		usleep(2000);
	}
}

static void detach_output(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	dup2(fd, STDOUT_FILENO);
#ifndef NC_LSAN
	dup2(fd, STDERR_FILENO);
#endif
	close(fd);
}

int nc_variant_main(const struct nc_variant_job *job, int result_fd)
{
	struct sup s;
	memset(&s, 0, sizeof(s));
	s.job = job;
	s.sc = job->sc;
	s.started_unix_ns = nc_realtime_ns();
	bool host = job->opts->ns.mode == NC_NS_HOST;
	if (host)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	nc_observed_init(&s.obs, job->sc, job->family, job->opts->timeout_scale);
	s.obs.tick_ns = nc_tick_ns();
	s.port_lock[0] = s.port_lock[1] = -1;
	s.obs.unused_port = nc_sup_unused_port(&s);
	if (job->opts->wrap && *job->opts->wrap)
		s.obs.wrap = job->opts->wrap;
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		struct rolerun *rr = &s.rr[id];
		rr->present = job->sc->role[id].present;
		rr->phase = ROLE_WAITING;
		rr->rec_fd = rr->out_fd = rr->err_fd = rr->in_fd = -1;
		rr->deadline = INT64_MAX;
		rr->stop_signal = job->sc->role[id].stop_signal ? job->sc->role[id].stop_signal
								 : SIGTERM;
		rr->child.pidfd = -1;
		nc_buf_init(&rr->in, REC_BUF_MAX);
	}
	/* The runner stops a supervisor with SIGTERM; it arrives through a
	 * signalfd so the loop handles it between polls. Its own process group
	 * keeps the terminal's Ctrl-C for the runner to decide on. */
	setpgid(0, 0);
	s.sigfd = nc_stop_signalfd();

	/* Time zero, and the deadline, start once the capture is armed: its
	 * set-up is netconform's cost, not the scenario's. */
	nc_sup_capture_start(&s);
	s.epoch = nc_now_ns();
	s.deadline = s.epoch + nc_sup_scaled(&s, job->sc->timeout_ns);
	/* Packet timestamps are on the realtime clock, the variant's epoch on
	 * the monotonic one; the two are tied together once, here. */
	if (s.wire)
		s.wire->epoch_realtime_ns = nc_realtime_ns();
	run_loop(&s);
	if (host)
		end_leftovers();
	nc_sup_capture_finish(&s);

	struct nc_result r;
	nc_result_init(&r);
	build_result(&s, &r);
	nc_sup_capture_keep(&s, &r);
	struct nc_buf out;
	nc_buf_init(&out, 0);
	int rc = 0;
	if (nc_result_encode(&r, &out) < 0 || write_all(result_fd, out.data, out.len) < 0)
		rc = 1;
	/* The runner has its result; closing a capture waits in the kernel for
	 * a grace period, which need not delay it. A runner whose run is
	 * complete does not wait for it either, so from here on the supervisor
	 * holds nothing of the caller's: its standard output and error go to
	 * /dev/null (a ctest or a shell reading them would wait for the last
	 * holder). Sanitizer builds keep stderr for the leak report. */
	close(result_fd);
	detach_output();
	nc_sup_capture_close(&s);
	nc_buf_free(&out);
	nc_result_free(&r);
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		nc_sup_close_pipes(&s.rr[id]);
		nc_child_close(&s.rr[id].child);
		nc_buf_free(&s.rr[id].in);
	}
	nc_observed_free(&s.obs);
	if (s.sigfd >= 0)
		close(s.sigfd);
	for (int i = 0; i < 2; i++)
		if (s.port_lock[i] >= 0)
			close(s.port_lock[i]);
#ifdef NC_LSAN
	/* A supervisor ends with _exit, which skips LeakSanitizer's check at
	 * exit; sanitizer builds run it here, so a leak in the supervisor fails
	 * the variant (the runner reports its abnormal exit). */
	__lsan_do_leak_check();
#endif
	return rc;
}
