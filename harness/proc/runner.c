/* runner.c: the scheduler (see runner.h for the process model). */
#include "proc/runner.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc/hostports.h"
#include "proc/pollset.h"
#include "proc/program.h"
#include "proc/spawn.h"
#include "proc/variant.h"
#include "proc/wiring.h"
#include "scenario/names.h"
#include "util/clock.h"
#include "util/text.h"

#define RESULT_MAX (16u << 20)
#define INTERRUPT_GRACE_NS (5LL * NC_SEC)

struct slot {
	bool used;
	uint32_t vi;            /* variant index */
	struct nc_child child;
	int res_fd;
	struct nc_buf res;
	int64_t backstop;
	bool fixed;             /* holds the run's fixed-port turn (host loopback) */
	struct nc_hostports ports; /* and the machine's locks of those ports */
	bool killed;            /* backstop SIGKILL sent */
};

/* A supervisor that already sent its result but has not exited yet: it is
 * closing its capture, which waits in the kernel. It no longer holds a
 * slot, but it is still reaped, and their number is bounded. */
struct lingering {
	struct nc_child child;
	int64_t backstop;
};

#define LINGER_PER_JOB 4
/* How long a fixed-port variant on the host waits for another netconform
 * run to release the port before it is skipped. */
#define PORT_WAIT_NS (60LL * NC_SEC)
#define LINGER_BACKSTOP_NS (10LL * NC_SEC)
#ifdef NC_LSAN
#define WAIT_FOR_LINGERING 1
#else
#define WAIT_FOR_LINGERING 0
#endif

struct runner {
	struct nc_plan *plan;
	const struct nc_run_opts *o;
	struct nc_reporter *reps;
	size_t nreps;
	struct nc_result **results; /* by variant index; NULL until known */
	size_t next_emit;
	size_t next_launch;     /* index into plan->order */
	size_t done;
	size_t failed;
	struct slot *slots;
	int nslots;
	int sigfd;
	bool interrupted;
	int signal;
	bool fixed_busy;        /* host mode: a fixed-port variant is running */
	int64_t port_wait_since; /* host mode: waiting for another run's port lock, or 0 */
	struct lingering *lingering;
	size_t nlinger;
	size_t max_linger;
	struct nc_run_totals *t;
};

/* ------------------------------------------------------------------------ */
/* Results the runner makes itself */

static struct nc_result *identity(const struct runner *R, uint32_t vi)
{
	return nc_plan_result(R->plan, vi);
}

static void set_status(struct nc_result *r, enum nc_status st, const char *reason)
{
	r->status = st;
	free(r->reason);
	r->reason = nc_strdup(reason);
}

/* ------------------------------------------------------------------------ */
/* Policy: where a scenario may send traffic */

static bool addr_is_local(const struct nc_endpoint *ep, bool is_bind)
{
	if (ep->kind != NC_EP_ADDR || ep->host != NC_HOST_LITERAL)
		return true;
	const uint8_t *a = ep->lit_addr;
	static const uint8_t zero[16], one[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (ep->lit_family == AF_INET)
		return a[0] == 127 || (is_bind && memcmp(a, zero, 4) == 0);
	if (memcmp(a, one, 16) == 0 || (is_bind && memcmp(a, zero, 16) == 0))
		return true;
	return memcmp(a, mapped, 12) == 0 && a[12] == 127;
}

/* Finds an address that would take traffic off this machine. */
static bool leaves_loopback(const struct nc_scenario *sc, char *why, size_t n)
{
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		const struct nc_role *role = &sc->role[r];
		for (size_t i = 0; i < role->nsteps; i++) {
			const struct nc_step *st = &role->steps[i];
			bool bind = st->kind == NC_STEP_BIND;
			bool target = st->kind == NC_STEP_CONNECT || st->kind == NC_STEP_SENDTO;
			if ((bind || target) && !addr_is_local(&st->ep, bind)) {
				char a[INET6_ADDRSTRLEN];
				inet_ntop(st->ep.lit_family, st->ep.lit_addr, a, sizeof(a));
				snprintf(why, n, "refusing to run: line %u uses %s, which is not a "
					 "loopback address (traffic must stay on this machine; "
					 "--allow-remote permits it)", st->pos.line, a);
				return true;
			}
		}
	}
	return false;
}

/* Decides, before launching, whether the variant can run at all. Returns a
 * finished result when it cannot, NULL when it should run (with the file's
 * scenario loaded). */
static struct nc_result *prejudge(struct runner *R, uint32_t vi)
{
	const struct nc_plan_variant *v = &R->plan->variants[vi];
	const struct nc_plan_file *f = &R->plan->files[v->file];
	char why[512];
	if (!v->parse_error && !nc_plan_load(R->plan, v->file)) {
		/* The file changed since the run started and no longer parses. */
		struct nc_result *r = identity(R, vi);
		char msg[1400];
		nc_diag_format(&f->diag, msg, sizeof(msg));
		nc_result_fail(r, true, "parse", f->path, f->diag.line, msg, "");
		return r;
	}
	if (v->parse_error) {
		struct nc_result *r = identity(R, vi);
		char msg[1400];
		nc_diag_format(&f->diag, msg, sizeof(msg));
		nc_result_fail(r, true, "parse", f->path, f->diag.line, msg, "");
		return r;
	}
	if (!R->o->allow_remote && leaves_loopback(f->sc, why, sizeof(why))) {
		struct nc_result *r = identity(R, vi);
		nc_result_fail(r, true, "policy", f->path, 0, why, "");
		return r;
	}
	for (size_t i = 0; i < f->sc->nrequires; i++) {
		if (!nc_program_available(f->sc, f->sc->requires[i], R->o)) {
			struct nc_result *r = identity(R, vi);
			snprintf(why, sizeof(why), "needs the program '%s' (the scenario's 'requires' "
				 "line), which is not installed here", f->sc->requires[i]);
			set_status(r, NC_STATUS_SKIP, why);
			return r;
		}
	}
	if (R->o->ns.mode == NC_NS_HOST) {
		if (f->sc->wildcard_bind) {
			struct nc_result *r = identity(R, vi);
			set_status(r, NC_STATUS_SKIP,
				   "binds the wildcard address, which on the host would accept "
				   "connections from other machines; needs a private network namespace");
			return r;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------------ */
/* Supervisors */

static int launch(struct runner *R, struct slot *sl, uint32_t vi)
{
	const struct nc_plan_variant *v = &R->plan->variants[vi];
	const struct nc_plan_file *f = &R->plan->files[v->file];
	int res[2];
	if (pipe2(res, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = nc_ns_spawn(&R->o->ns);
	if (pid == 0) {
		/* The supervisor: keep only the result pipe and standard I/O. */
		if (dup2(res[1], NC_FD_RESULT) < 0)
			_exit(NC_EXIT_RESULT_PIPE);
		if (syscall(SYS_close_range, NC_FD_RESULT + 1U, ~0U, 0) < 0)
			for (int fd = NC_FD_RESULT + 1; fd < 1024; fd++)
				close(fd);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0) {
			dup2(devnull, 0);
			close(devnull);
		}
		struct nc_variant_job job = {
			.sc = f->sc, .family = v->family, .name = v->name, .variant = v->variant,
			.opts = R->o,
		};
		_exit(nc_variant_main(&job, NC_FD_RESULT));
	}
	close(res[1]);
	if (pid < 0) {
		close(res[0]);
		return -1;
	}
	memset(sl, 0, sizeof(*sl));
	sl->used = true;
	sl->vi = vi;
	sl->res_fd = res[0];
	nc_fd_nonblock(sl->res_fd);
	nc_buf_init(&sl->res, RESULT_MAX);
	nc_child_watch(&sl->child, pid);
	int64_t budget = (int64_t)((double)f->sc->timeout_ns * R->o->timeout_scale);
	sl->backstop = nc_now_ns() + budget + NC_SUPERVISOR_SLACK_NS;
	return 0;
}

/* Reads what the supervisor has written; returns false when nothing more is
 * available right now (the pipe is empty but still open). */
static bool read_result(struct slot *sl)
{
	uint8_t chunk[65536];
	for (;;) {
		ssize_t n = read(sl->res_fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n <= 0) {
			close(sl->res_fd);
			sl->res_fd = -1;
			return true;
		}
		nc_buf_add(&sl->res, chunk, (size_t)n);
	}
}

static void store(struct runner *R, uint32_t vi, struct nc_result *r)
{
	r->seq = vi;
	R->results[vi] = r;
	R->done++;
	if (r->status == NC_STATUS_FAIL || r->status == NC_STATUS_ERROR)
		R->failed++;
	for (size_t i = 0; i < R->nreps; i++)
		if (R->reps[i].ops->progress)
			R->reps[i].ops->progress(R->reps[i].self, R->done, R->plan->nvariants,
						 R->failed, NULL);
}

/* The supervisor has sent its result (or has ended without one): the
 * result, or the reason there is none. A supervisor still running is
 * moved to the lingering list to be reaped later. */
static void finish_slot(struct runner *R, struct slot *sl)
{
	/* The supervisor is gone; whoever else might still hold its pipe is not
	 * waited for. */
	if (sl->res_fd >= 0 && !read_result(sl)) {
		close(sl->res_fd);
		sl->res_fd = -1;
	}
	struct nc_result *r = nc_xcalloc(1, sizeof(*r));
	nc_result_init(r);
	bool ok = sl->res.len && !sl->res.dropped &&
		  nc_result_decode(sl->res.data, sl->res.len, r) == 0;
	if (!ok) {
		nc_result_free(r);
		free(r);
		r = identity(R, sl->vi);
		char msg[320], how[160];
		if (sl->killed)
			snprintf(msg, sizeof(msg), "the variant's supervisor did not finish in time "
				 "and was killed (the scenario timeout plus %lld s)",
				 (long long)(NC_SUPERVISOR_SLACK_NS / NC_SEC));
		else
			snprintf(msg, sizeof(msg), "the variant's supervisor %s before reporting",
				 nc_wait_describe(sl->child.status, how, sizeof(how)));
		nc_result_fail(r, true, "harness", r->path, 0, msg, "");
	}
	if (sl->fixed)
		R->fixed_busy = false;
	nc_hostports_unlock(&sl->ports);
	nc_buf_free(&sl->res);
	if (!sl->child.reaped && !nc_child_reap(&sl->child)) {
		R->lingering = nc_xrealloc(R->lingering, (R->nlinger + 1) * sizeof(*R->lingering));
		R->lingering[R->nlinger].child = sl->child;
		R->lingering[R->nlinger].backstop = nc_now_ns() + LINGER_BACKSTOP_NS;
		R->nlinger++;
	} else {
		nc_child_close(&sl->child);
	}
	sl->used = false;
	store(R, sl->vi, r);
}

/* Reaps lingering supervisors that have exited, and kills those that
 * take far too long to. */
static void reap_lingering(struct runner *R, int64_t now)
{
	size_t k = 0;
	for (size_t i = 0; i < R->nlinger; i++) {
		struct lingering *l = &R->lingering[i];
		if (!l->child.reaped && now >= l->backstop && l->child.stage < 2)
			nc_child_kill(&l->child);
		if (nc_child_reap(&l->child)) {
			nc_child_close(&l->child);
			continue;
		}
		R->lingering[k++] = *l;
	}
	R->nlinger = k;
}

static void emit_ready(struct runner *R)
{
	while (R->next_emit < R->plan->nvariants && R->results[R->next_emit]) {
		struct nc_result *r = R->results[R->next_emit];
		for (size_t i = 0; i < R->nreps; i++)
			R->reps[i].ops->variant(R->reps[i].self, r);
		switch (r->status) {
		case NC_STATUS_PASS: R->t->passed++; break;
		case NC_STATUS_FAIL: R->t->failed++; break;
		case NC_STATUS_ERROR: R->t->errors++; break;
		case NC_STATUS_SKIP: R->t->skipped++; break;
		case NC_STATUS_NOTRUN: R->t->notrun++; break;
		}
		nc_result_free(r);
		free(r);
		R->results[R->next_emit] = NULL;
		R->next_emit++;
	}
}

static void on_signal(struct runner *R)
{
	struct signalfd_siginfo si;
	while (read(R->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int64_t now = nc_now_ns();
		if (R->interrupted) {
			/* A second signal: stop at once. */
			for (int i = 0; i < R->nslots; i++)
				if (R->slots[i].used) {
					nc_child_kill(&R->slots[i].child);
					R->slots[i].killed = true;
				}
			for (size_t i = 0; i < R->nlinger; i++)
				nc_child_kill(&R->lingering[i].child);
			continue;
		}
		R->interrupted = true;
		R->signal = (int)si.ssi_signo;
		for (int i = 0; i < R->nslots; i++) {
			struct slot *sl = &R->slots[i];
			if (!sl->used)
				continue;
			kill(sl->child.pid, SIGTERM);
			if (sl->backstop > now + INTERRUPT_GRACE_NS)
				sl->backstop = now + INTERRUPT_GRACE_NS;
		}
	}
}

static bool needs_fixed_lock(const struct runner *R, uint32_t vi)
{
	const struct nc_plan_variant *v = &R->plan->variants[vi];
	const struct nc_plan_file *f = &R->plan->files[v->file];
	return R->o->ns.mode == NC_NS_HOST && f->ok && f->fixed_port;
}

/* A variant was dealt with (launched, or judged without running): once the
 * file has no variant left to launch, its parsed scenario goes. The
 * supervisors have their own copies. */
static void launched(struct runner *R, uint32_t vi)
{
	struct nc_plan_file *f = &R->plan->files[R->plan->variants[vi].file];
	if (f->pending)
		f->pending--;
	if (!f->pending)
		nc_plan_unload(R->plan, R->plan->variants[vi].file);
}

/* A sentinel: the variant waits for another run's port lock. */
static struct nc_result port_busy;

/* Host mode: the machine-wide locks of a fixed-port variant's ports, then
 * a look at whether someone else holds them. Returns NULL with the locks
 * in *h (launch it), &port_busy (try later), or a finished result (skip
 * it, or an error). */
static struct nc_result *take_ports(struct runner *R, uint32_t vi, struct nc_hostports *h)
{
	const struct nc_plan_file *f = &R->plan->files[R->plan->variants[vi].file];
	char why[320];
	int lr = nc_hostports_lock(f->sc, h, why, sizeof(why));
	int64_t now = nc_now_ns();
	if (lr == 0) {
		if (!R->port_wait_since)
			R->port_wait_since = now;
		if (now - R->port_wait_since < (int64_t)((double)PORT_WAIT_NS * R->o->timeout_scale))
			return &port_busy;
	}
	R->port_wait_since = 0;
	if (lr < 0) {
		struct nc_result *r = identity(R, vi);
		nc_result_fail(r, true, "harness", f->path, 0, why, "");
		return r;
	}
	if (lr == 0 || nc_hostports_taken(f->sc, why, sizeof(why))) {
		nc_hostports_unlock(h);
		struct nc_result *r = identity(R, vi);
		set_status(r, NC_STATUS_SKIP, why);
		return r;
	}
	return NULL;
}

static void launch_more(struct runner *R)
{
	while (!R->interrupted && R->next_launch < R->plan->nvariants) {
		uint32_t vi = R->plan->order[R->next_launch];
		struct nc_result *r = prejudge(R, vi);
		if (r) {
			R->next_launch++;
			launched(R, vi);
			store(R, vi, r);
			continue;
		}
		bool fixed = needs_fixed_lock(R, vi);
		if (fixed && R->fixed_busy)
			return; /* fixed-port variants take turns on the host */
		struct slot *sl = NULL;
		for (int i = 0; i < R->nslots && !sl; i++)
			if (!R->slots[i].used)
				sl = &R->slots[i];
		if (!sl || R->nlinger >= R->max_linger)
			return;
		struct nc_hostports ports = { .n = 0 };
		if (fixed) {
			struct nc_result *judged = take_ports(R, vi, &ports);
			if (judged == &port_busy)
				return;
			if (judged) {
				R->next_launch++;
				launched(R, vi);
				store(R, vi, judged);
				continue;
			}
		}
		R->next_launch++;
		int lrc = launch(R, sl, vi);
		sl->ports = ports;
		launched(R, vi);
		if (lrc < 0) {
			nc_hostports_unlock(&sl->ports);
			struct nc_result *e = identity(R, vi);
			char msg[256];
			snprintf(msg, sizeof(msg), "cannot start the variant: %s", strerror(errno));
			nc_result_fail(e, true, "harness", e->path, 0, msg, "");
			store(R, vi, e);
			continue;
		}
		if (fixed) {
			sl->fixed = true;
			R->fixed_busy = true;
		}
		for (size_t i = 0; i < R->nreps; i++)
			if (R->reps[i].ops->progress)
				R->reps[i].ops->progress(R->reps[i].self, R->done, R->plan->nvariants,
							 R->failed, R->plan->variants[vi].name);
	}
}

/* What wakes the runner up. */
enum run_event {
	EV_SIGNAL,      /* SIGINT, SIGTERM or SIGHUP */
	EV_RESULT,      /* a supervisor wrote (part of) its result */
	EV_SUPERVISOR,  /* a supervisor ended */
	EV_LINGERING,   /* a supervisor that already reported ended */
};

static void watch(struct runner *R, struct nc_pollset *ps)
{
	nc_pollset_begin(ps, nc_now_ns());
	nc_pollset_add(ps, R->sigfd, POLLIN, EV_SIGNAL, 0);
	for (int i = 0; i < R->nslots; i++) {
		struct slot *sl = &R->slots[i];
		if (!sl->used)
			continue;
		nc_pollset_add(ps, sl->res_fd, POLLIN, EV_RESULT, (size_t)i);
		nc_pollset_child(ps, &sl->child, EV_SUPERVISOR, (size_t)i);
		if (!sl->killed)
			nc_pollset_until(ps, sl->backstop);
	}
	for (size_t i = 0; i < R->nlinger; i++) {
		nc_pollset_child(ps, &R->lingering[i].child, EV_LINGERING, i);
		nc_pollset_until(ps, R->lingering[i].backstop);
	}
	/* Another run holds a port a variant needs: ask again shortly. */
	if (R->port_wait_since)
		nc_pollset_until(ps, ps->now + 20 * NC_MS);
}

static void dispatch(struct runner *R, const struct nc_pollset *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (!ps->pfd[i].revents)
			continue;
		struct slot *sl = NULL;
		switch ((enum run_event)ps->tag[i].kind) {
		case EV_SIGNAL:
			on_signal(R);
			break;
		case EV_RESULT:
			sl = &R->slots[ps->tag[i].who];
			/* The whole result is in once the pipe closes. */
			if (sl->used) {
				read_result(sl);
				if (sl->res_fd < 0)
					finish_slot(R, sl);
			}
			break;
		case EV_SUPERVISOR:
			sl = &R->slots[ps->tag[i].who];
			if (sl->used && nc_child_reap(&sl->child))
				finish_slot(R, sl);
			break;
		case EV_LINGERING:
			break; /* reaped with the others, in reap_lingering */
		}
	}
}

int nc_run(struct nc_plan *plan, const struct nc_run_opts *o, const struct nc_run_info *info,
	   struct nc_reporter *reps, size_t nreps, struct nc_run_totals *t, char *err,
	   size_t errlen)
{
	struct runner R;
	memset(&R, 0, sizeof(R));
	memset(t, 0, sizeof(*t));
	R.plan = plan;
	R.o = o;
	R.reps = reps;
	R.nreps = nreps;
	R.t = t;
	R.nslots = o->jobs > 0 ? o->jobs : 1;
	R.slots = nc_xcalloc((size_t)R.nslots, sizeof(*R.slots));
	R.results = nc_xcalloc(plan->nvariants ? plan->nvariants : 1, sizeof(*R.results));
	R.max_linger = (size_t)R.nslots * LINGER_PER_JOB;
	int64_t start = nc_now_ns();

	R.sigfd = nc_stop_signalfd();
	if (R.sigfd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		free(R.slots);
		free(R.results);
		return -1;
	}

	for (size_t i = 0; i < nreps; i++)
		if (reps[i].ops->begin(reps[i].self, info) < 0)
			reps[i].ops = NULL;
	/* A reporter that failed to begin is dropped from the run. */
	size_t k = 0;
	for (size_t i = 0; i < nreps; i++)
		if (reps[i].ops)
			reps[k++] = reps[i];
	R.nreps = k;

	struct nc_pollset ps;
	nc_pollset_init(&ps);
	for (;;) {
		launch_more(&R);
		emit_ready(&R);
		bool running = false;
		for (int i = 0; i < R.nslots; i++)
			running |= R.slots[i].used;
		/* Supervisors that have reported are only releasing their capture
		 * (a packet socket's release waits for an RCU grace period, about
		 * 8 ms): a run that is complete does not wait for them, they die
		 * with the runner (their parent-death signal) and hold nothing of
		 * the caller's. An interrupted run waits, so that nothing of it is
		 * left when it exits; so do sanitizer builds, whose supervisors
		 * run their leak check after reporting. */
		if (!running && (R.nlinger == 0 || (!R.interrupted && !WAIT_FOR_LINGERING)) &&
		    (R.interrupted || R.next_launch >= plan->nvariants))
			break;
		watch(&R, &ps);
		if (nc_pollset_wait(&ps) < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			break;
		}
		dispatch(&R, &ps);
		int64_t now = nc_now_ns();
		reap_lingering(&R, now);
		for (int i = 0; i < R.nslots; i++) {
			struct slot *sl = &R.slots[i];
			if (sl->used && !sl->killed && now >= sl->backstop) {
				nc_child_kill(&sl->child);
				sl->killed = true;
			}
			/* Without pidfds, reaping is polled. */
			if (sl->used && sl->child.pidfd < 0 && nc_child_reap(&sl->child))
				finish_slot(&R, sl);
		}
	}
	nc_pollset_free(&ps);

	/* Whatever never ran is reported as such, so every report is whole.
	 * Results before next_emit were emitted and freed already. */
	for (size_t i = R.next_emit; i < plan->nvariants; i++) {
		if (R.results[i])
			continue;
		struct nc_result *r = identity(&R, (uint32_t)i);
		set_status(r, NC_STATUS_NOTRUN, R.interrupted
			   ? (R.signal == SIGINT ? "not run: interrupted by SIGINT"
			      : R.signal == SIGTERM ? "not run: interrupted by SIGTERM"
						    : "not run: interrupted")
			   : "not run");
		R.results[i] = r;
		r->seq = (uint32_t)i;
	}
	emit_ready(&R);
	t->duration_ns = nc_now_ns() - start;
	t->interrupted = R.interrupted;
	t->signal = R.signal;
	for (size_t i = 0; i < R.nreps; i++)
		R.reps[i].ops->end(R.reps[i].self, t);
	close(R.sigfd);
	free(R.lingering);
	free(R.slots);
	free(R.results);
	return 0;
}
