/* variant.c: the supervisor of one variant.
 *
 * A single-threaded poll loop watches the roles' record pipes, their output
 * pipes, their pidfds and a signalfd, and acts on deadlines between polls.
 * Nothing here sleeps for a fixed time: every wait is for an event or a
 * deadline.
 */
#include "proc/variant.h"

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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check/observe.h"
#include "proc/spawn.h"
#include "result/result.h"
#include "steps/role.h"
#include "util/clock.h"
#include "util/text.h"

#define REC_BUF_MAX (4u << 20)
#define PIPE_LINGER_NS (200LL * NC_MS) /* after a role ends, how long its pipes may stay open */

struct rolerun {
	bool present;
	bool started;
	bool reaped;
	struct nc_child child;
	int rec_fd;            /* -1 when closed */
	int out_fd;            /* -1 when closed */
	struct nc_buf in;      /* record bytes not yet parsed */
	int64_t reaped_at;
	bool stopping;         /* we decided to stop it */
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
};

static int64_t scaled(const struct sup *s, int64_t ns)
{
	return (int64_t)((double)ns * s->job->opts->timeout_scale);
}

static uint16_t find_unused_port(int type)
{
	/* Bound and released at once: nothing listens on it afterwards. A
	 * dual-stack socket reserves the number for both families while asking. */
	int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint16_t port = 9;
	if (fd < 0)
		return port;
	int off = 0;
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	close(fd);
	return port;
}

/* ------------------------------------------------------------------------ */
/* Roles */

static void role_failed_to_start(struct sup *s, enum nc_role_id id, const char *why)
{
	struct nc_role_obs *ro = &s->obs.role[id];
	ro->fate = NC_FATE_SPAWN_FAILED;
	snprintf(ro->spawn_error, sizeof(ro->spawn_error), "%s", why);
	s->rr[id].reaped = true;
}

static void start_builtin(struct sup *s, enum nc_role_id id, const struct nc_addr *server)
{
	struct rolerun *rr = &s->rr[id];
	int rec[2], out[2];
	rr->started = true;
	if (pipe2(rec, O_CLOEXEC) < 0) {
		role_failed_to_start(s, id, strerror(errno));
		return;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(rec[0]);
		close(rec[1]);
		role_failed_to_start(s, id, strerror(errno));
		return;
	}
	int fds[4] = { -1, out[1], out[1], rec[1] };
	pid_t pid = nc_spawn(&rr->child, fds, 4);
	if (pid == 0) {
		struct nc_role_ctx ctx;
		memset(&ctx, 0, sizeof(ctx));
		ctx.sc = s->sc;
		ctx.role = id;
		ctx.family = s->job->family;
		ctx.rec_fd = 3;
		ctx.epoch_ns = s->epoch;
		ctx.deadline_ns = s->deadline;
		ctx.timeout_scale = s->job->opts->timeout_scale;
		if (server)
			ctx.server = *server;
		ctx.unused_port = s->obs.unused_port;
		ctx.ready_after = nc_role_setup_steps(&s->sc->role[id]);
		_exit(nc_role_run(&ctx));
	}
	close(rec[1]);
	close(out[1]);
	if (pid < 0) {
		close(rec[0]);
		close(out[0]);
		role_failed_to_start(s, id, strerror(errno));
		return;
	}
	rr->rec_fd = rec[0];
	rr->out_fd = out[0];
	nc_fd_nonblock(rr->rec_fd);
	nc_fd_nonblock(rr->out_fd);
	s->obs.role[id].started = true;
}

static void start_role(struct sup *s, enum nc_role_id id)
{
	const struct nc_role_obs *srv = &s->obs.role[NC_ROLE_SERVER];
	const struct nc_addr *server = srv->ready ? &srv->ready_addr : NULL;
	if (s->sc->role[id].is_exec) {
		role_failed_to_start(s, id, "program roles are not supported by this build");
		return;
	}
	start_builtin(s, id, server);
}

/* The step a role is blocked in: begun, not ended. */
static int64_t blocked_step(const struct nc_role_obs *ro)
{
	for (uint32_t i = 0; i < ro->nsteps; i++)
		if (ro->begun[i] && !ro->ended[i])
			return i;
	return -1;
}

static void stop_role(struct sup *s, enum nc_role_id id, enum nc_fate fate, const char *what)
{
	struct rolerun *rr = &s->rr[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	if (!rr->started || rr->reaped || rr->stopping)
		return;
	rr->stopping = true;
	ro->fate = fate;
	ro->killed_at_step = blocked_step(ro);
	snprintf(ro->deadline_what, sizeof(ro->deadline_what), "%s", what);
	nc_child_stop(&rr->child, nc_now_ns());
}

static void read_records(struct sup *s, enum nc_role_id id)
{
	struct rolerun *rr = &s->rr[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	uint8_t chunk[65536];
	for (;;) {
		ssize_t n = read(rr->rec_fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			n = 0;
		}
		if (n == 0) {
			close(rr->rec_fd);
			rr->rec_fd = -1;
			break;
		}
		if (ro->records_bad)
			continue; /* drain, but trust nothing more */
		nc_buf_add(&rr->in, chunk, (size_t)n);
		size_t off = 0;
		for (;;) {
			enum nc_rec_type type;
			struct nc_cursor body;
			size_t used;
			int r = nc_rec_next(rr->in.data + off, rr->in.len - off, &type, &body, &used);
			if (r == 0)
				break;
			if (r < 0 || nc_observed_record(&s->obs, id, type, &body) < 0) {
				ro->records_bad = true;
				break;
			}
			off += used;
		}
		if (off) {
			memmove(rr->in.data, rr->in.data + off, rr->in.len - off);
			rr->in.len -= off;
		}
		if (rr->in.dropped)
			ro->records_bad = true;
	}
}

static void read_output(struct sup *s, enum nc_role_id id)
{
	struct rolerun *rr = &s->rr[id];
	char chunk[8192];
	for (;;) {
		ssize_t n = read(rr->out_fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close(rr->out_fd);
			rr->out_fd = -1;
			break;
		}
		/* Keep the output, capped; a role that writes without end must
		 * not block on a full pipe, so reading never stops. */
		nc_buf_add(&s->obs.role[id].output, chunk, (size_t)n);
	}
}

static void reap(struct sup *s, enum nc_role_id id)
{
	struct rolerun *rr = &s->rr[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	if (!rr->started || rr->reaped || !nc_child_reap(&rr->child))
		return;
	rr->reaped = true;
	rr->reaped_at = nc_now_ns();
	ro->end_t = rr->reaped_at - s->epoch;
	int st = rr->child.status;
	if (rr->stopping)
		return; /* fate already says why we stopped it */
	if (WIFSIGNALED(st)) {
		ro->fate = NC_FATE_SIGNALED;
		ro->signal = WTERMSIG(st);
	} else {
		ro->fate = NC_FATE_EXITED;
		ro->exit_status = WEXITSTATUS(st);
	}
}

static bool role_finished(const struct rolerun *rr)
{
	return !rr->present || (rr->reaped && rr->rec_fd < 0 && rr->out_fd < 0) ||
	       (!rr->started && rr->reaped);
}

/* ------------------------------------------------------------------------ */
/* The loop */

static void on_deadline(struct sup *s, int64_t now)
{
	if (s->deadline_done || now < s->deadline)
		return;
	s->deadline_done = true;
	char what[96], d[32];
	snprintf(what, sizeof(what), "the scenario timeout (%s)",
		 nc_fmt_duration(s->deadline - s->epoch, d, sizeof(d)));
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		if (s->rr[id].present && !s->rr[id].started && !s->rr[id].reaped) {
			struct nc_role_obs *ro = &s->obs.role[id];
			ro->fate = NC_FATE_NONE;
			snprintf(ro->spawn_error, sizeof(ro->spawn_error),
				 "the server was not ready before %s", what);
			s->rr[id].reaped = true;
		}
		stop_role(s, id, NC_FATE_KILLED, what);
	}
}

/* Per-step deadlines; returns the time of the next one. */
static int64_t step_deadlines(struct sup *s, int64_t now)
{
	int64_t next = INT64_MAX;
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		struct rolerun *rr = &s->rr[id];
		struct nc_role_obs *ro = &s->obs.role[id];
		if (!rr->started || rr->reaped || rr->stopping || s->sc->role[id].is_exec)
			continue;
		int64_t step = blocked_step(ro);
		if (step < 0)
			continue;
		const struct nc_step *st = &s->sc->role[id].steps[step];
		int64_t limit = st->deadline_ns ? st->deadline_ns : s->sc->step_timeout_ns;
		if (!limit)
			continue;
		int64_t at = s->epoch + ro->begin_t[step] + scaled(s, limit);
		if (now >= at) {
			char what[96], d[32];
			snprintf(what, sizeof(what), "its step deadline (%s)",
				 nc_fmt_duration(scaled(s, limit), d, sizeof(d)));
			stop_role(s, id, NC_FATE_KILLED, what);
		} else if (at < next) {
			next = at;
		}
	}
	return next;
}

static void on_signal(struct sup *s)
{
	struct signalfd_siginfo si;
	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		s->interrupted = true;
		s->obs.interrupted = true;
		for (int id = 0; id < NC_ROLE_COUNT; id++) {
			if (s->rr[id].present && !s->rr[id].started && !s->rr[id].reaped) {
				s->obs.role[id].fate = NC_FATE_NONE;
				snprintf(s->obs.role[id].spawn_error, sizeof(s->obs.role[id].spawn_error),
					 "the run was interrupted first");
				s->rr[id].reaped = true;
			}
			stop_role(s, id, NC_FATE_INTERRUPTED, "the interruption");
		}
	}
}

static void run_loop(struct sup *s)
{
	bool client_pending = s->rr[NC_ROLE_CLIENT].present;
	if (s->rr[NC_ROLE_SERVER].present)
		start_role(s, NC_ROLE_SERVER);
	for (;;) {
		int64_t now = nc_now_ns();
		on_deadline(s, now);
		int64_t next = s->deadline_done ? INT64_MAX : s->deadline;
		int64_t sd = step_deadlines(s, now);
		if (sd < next)
			next = sd;

		/* The client starts once the server has bound (and listens), or
		 * has ended trying. */
		if (client_pending && !s->interrupted && !s->deadline_done) {
			const struct rolerun *srv = &s->rr[NC_ROLE_SERVER];
			if (!srv->present || s->obs.role[NC_ROLE_SERVER].ready || srv->reaped ||
			    srv->rec_fd < 0) {
				client_pending = false;
				start_role(s, NC_ROLE_CLIENT);
			}
		}

		bool all_done = true;
		for (int id = 0; id < NC_ROLE_COUNT; id++) {
			struct rolerun *rr = &s->rr[id];
			int64_t e = nc_child_escalate(&rr->child, now, NC_KILL_GRACE_NS);
			if (e < next)
				next = e;
			/* A program's children may keep its pipes open after it ended;
			 * they are not waited for long. */
			if (rr->reaped && (rr->rec_fd >= 0 || rr->out_fd >= 0)) {
				if (now - rr->reaped_at > PIPE_LINGER_NS) {
					if (rr->rec_fd >= 0)
						read_records(s, id);
					if (rr->rec_fd >= 0)
						close(rr->rec_fd);
					if (rr->out_fd >= 0)
						close(rr->out_fd);
					rr->rec_fd = rr->out_fd = -1;
					nc_child_kill(&rr->child);
				} else if (rr->reaped_at + PIPE_LINGER_NS < next) {
					next = rr->reaped_at + PIPE_LINGER_NS;
				}
			}
			if (!role_finished(rr))
				all_done = false;
		}
		if (client_pending)
			all_done = false;
		if (all_done)
			break;

		struct pollfd pfd[1 + 3 * NC_ROLE_COUNT];
		int what[1 + 3 * NC_ROLE_COUNT];
		int np = 0;
		pfd[np] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
		what[np++] = -1;
		for (int id = 0; id < NC_ROLE_COUNT; id++) {
			struct rolerun *rr = &s->rr[id];
			if (rr->rec_fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = rr->rec_fd, .events = POLLIN };
				what[np++] = id * 3;
			}
			if (rr->out_fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = rr->out_fd, .events = POLLIN };
				what[np++] = id * 3 + 1;
			}
			if (rr->started && !rr->reaped && rr->child.pidfd >= 0) {
				pfd[np] = (struct pollfd){ .fd = rr->child.pidfd, .events = POLLIN };
				what[np++] = id * 3 + 2;
			}
		}
		int timeout = -1;
		if (next != INT64_MAX) {
			int64_t left = next - now;
			timeout = left <= 0 ? 0 : (int)((left + NC_MS - 1) / NC_MS);
		}
		int n = poll(pfd, (nfds_t)np, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < np && n > 0; i++) {
			if (!pfd[i].revents)
				continue;
			if (what[i] < 0) {
				on_signal(s);
				continue;
			}
			int id = what[i] / 3, kind = what[i] % 3;
			if (kind == 0)
				read_records(s, id);
			else if (kind == 1)
				read_output(s, id);
			else
				reap(s, id);
		}
		/* A child without a pidfd (very old kernels) is polled for. */
		for (int id = 0; id < NC_ROLE_COUNT; id++)
			if (s->rr[id].started && !s->rr[id].reaped && s->rr[id].child.pidfd < 0)
				reap(s, id);
	}
}

/* ------------------------------------------------------------------------ */
/* Result */

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

int nc_variant_main(const struct nc_variant_job *job, int result_fd)
{
	struct sup s;
	memset(&s, 0, sizeof(s));
	s.job = job;
	s.sc = job->sc;
	s.epoch = nc_now_ns();
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	s.started_unix_ns = (int64_t)rt.tv_sec * NC_SEC + rt.tv_nsec;
	s.deadline = s.epoch + scaled(&s, job->sc->timeout_ns);
	nc_observed_init(&s.obs, job->sc, job->family, job->opts->timeout_scale);
	s.obs.tick_ns = nc_tick_ns();
	s.obs.unused_port = find_unused_port(job->sc->transport == NC_TRANSPORT_TCP ? SOCK_STREAM
										     : SOCK_DGRAM);
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		s.rr[id].present = job->sc->role[id].present;
		s.rr[id].rec_fd = s.rr[id].out_fd = -1;
		s.rr[id].child.pidfd = -1;
		nc_buf_init(&s.rr[id].in, REC_BUF_MAX);
	}
	/* The runner stops a supervisor with SIGTERM; it arrives through a
	 * signalfd so the loop handles it between polls. Its own process group
	 * keeps the terminal's Ctrl-C for the runner to decide on. */
	setpgid(0, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

	run_loop(&s);

	struct nc_result r;
	nc_result_init(&r);
	build_result(&s, &r);
	struct nc_buf out;
	nc_buf_init(&out, 0);
	int rc = 0;
	if (nc_result_encode(&r, &out) < 0 || write_all(result_fd, out.data, out.len) < 0)
		rc = 1;
	nc_buf_free(&out);
	nc_result_free(&r);
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		nc_child_close(&s.rr[id].child);
		nc_buf_free(&s.rr[id].in);
	}
	nc_observed_free(&s.obs);
	if (s.sigfd >= 0)
		close(s.sigfd);
	return rc;
}
