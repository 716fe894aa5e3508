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
#ifdef NC_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#include "capture/capture.h"
#include "capture/pcapfile.h"
#include "check/observe.h"
#include "check/wire.h"
#include "check/wirelog.h"
#include "proc/program.h"
#include "proc/spawn.h"
#include "result/result.h"
#include "steps/role.h"
#include "steps/vars.h"
#include "util/clock.h"
#include "util/text.h"

#define REC_BUF_MAX (4u << 20)
#define PIPE_LINGER_NS (200LL * NC_MS) /* after a role ends, how long its pipes may stay open */

struct rolerun {
	bool present;
	bool started;
	bool reaped;
	struct nc_child child;
	int rec_fd;            /* records (built-in roles); -1 when closed */
	int out_fd;            /* stdout (and stderr of built-in roles); -1 when closed */
	int err_fd;            /* stderr of programs; -1 when closed */
	int in_fd;             /* a program's stdin while it is being fed; -1 when done */
	struct nc_payload_gen in_gen;
	struct nc_buf in;      /* record bytes not yet parsed */
	int64_t reaped_at;
	int64_t deadline;      /* a program's own deadline (absolute), or INT64_MAX */
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
	int64_t client_done_at;  /* when the client ended, for a server program */

	/* Capture: armed before the roles start, read while they run. */
	struct nc_capture *cap;
	struct nc_wirelog *wire;
	struct nc_pcapfile pcap;
	bool pcap_open;
	bool capture_failed;     /* an error while capturing */
	char capture_note[320];  /* why there is no capture, or what went wrong */
	bool capture_error;      /* the note is an error, not a reasoned skip */
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

/* Reads the exec-error pipe: EOF means the exec happened; an errno means it
 * failed. The child does little before exec, so this read is short. */
static int exec_result(int fd)
{
	int e = 0;
	ssize_t n;
	do
		n = read(fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(fd);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

static void start_builtin(struct sup *s, enum nc_role_id id, const struct nc_addr *server)
{
	struct rolerun *rr = &s->rr[id];
	int rec[2], out[2], ex[2];
	rr->started = true;
	bool via_exec = nc_program_role_needs_exec(s->sc, s->job->opts);
	if (pipe2(rec, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0) {
		role_failed_to_start(s, id, strerror(errno));
		return;
	}
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
	int fds[5] = { -1, out[1], out[1], rec[1], ex[1] };
	pid_t pid = nc_spawn(&rr->child, fds, 5);
	if (pid == 0) {
		fcntl(4, F_SETFD, FD_CLOEXEC);
		if (via_exec)
			nc_program_exec_role(&ctx, s->job->opts, 4);
		close(4);
		_exit(nc_role_run(&ctx));
	}
	close(rec[1]);
	close(out[1]);
	close(ex[1]);
	if (pid < 0) {
		close(rec[0]);
		close(out[0]);
		close(ex[0]);
		role_failed_to_start(s, id, strerror(errno));
		return;
	}
	int e = via_exec ? exec_result(ex[0]) : (close(ex[0]), 0);
	rr->rec_fd = rec[0];
	rr->out_fd = out[0];
	nc_fd_nonblock(rr->rec_fd);
	nc_fd_nonblock(rr->out_fd);
	s->obs.role[id].started = true;
	if (e) {
		char why[256];
		snprintf(why, sizeof(why), "cannot run '%s': %s", s->job->opts->wrap &&
			 *s->job->opts->wrap ? s->job->opts->wrap : "netconform role", strerror(e));
		/* The child is already gone; reaping it records nothing more. */
		role_failed_to_start(s, id, why);
		s->rr[id].reaped = false;
		s->rr[id].stopping = true;
	}
}


/* The variables a program's command line may use when it starts. */
static void program_vars(struct sup *s, enum nc_role_id id, struct nc_varctx *v,
			 char store[][NC_VAR_LEN])
{
	nc_vars_base(v, store, s->job->family, s->sc->name, s->obs.unused_port);
	const struct nc_role_obs *so = &s->obs.role[NC_ROLE_SERVER];
	int fam = nc_role_family(s->job->family, id);
	struct nc_addr srv;
	if (id == NC_ROLE_SERVER)
		nc_addr_loopback(fam, so->program_port, &srv);
	else if (so->ready)
		nc_addr_usable(&so->ready_addr, fam, &srv);
	else
		return;
	nc_vars_addr(v, store, NC_VAR_SERVER_ADDR, NC_VAR_SERVER_PORT, &srv);
}

static void start_program(struct sup *s, enum nc_role_id id)
{
	struct rolerun *rr = &s->rr[id];
	const struct nc_role *role = &s->sc->role[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	rr->started = true;
	if (id == NC_ROLE_SERVER)
		ro->program_port = role->ready_port > 0 ? (uint16_t)role->ready_port
							: find_unused_port(s->sc->transport ==
									   NC_TRANSPORT_TCP
								   ? SOCK_STREAM : SOCK_DGRAM);
	struct nc_varctx vars;
	char store[NC_VAR_COUNT][NC_VAR_LEN];
	program_vars(s, id, &vars, store);
	if (role->has_stdin) {
		enum nc_var miss;
		if (nc_payload_open(&rr->in_gen, &role->stdin_data, &vars, &miss) < 0) {
			char why[128];
			snprintf(why, sizeof(why), "variable ${%s} has no value for its stdin",
				 nc_var_name(miss));
			role_failed_to_start(s, id, why);
			return;
		}
	}
	int in[2] = { -1, -1 }, out[2], err[2], ex[2];
	if ((role->has_stdin && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0) {
		role_failed_to_start(s, id, strerror(errno));
		return;
	}
	int fds[4] = { in[0], out[1], err[1], ex[1] };
	pid_t pid = nc_spawn(&rr->child, fds, 4);
	if (pid == 0) {
		fcntl(3, F_SETFD, FD_CLOEXEC);
		nc_program_exec(s->sc, role, &vars, s->job->opts, 3);
	}
	if (in[0] >= 0)
		close(in[0]);
	close(out[1]);
	close(err[1]);
	close(ex[1]);
	if (pid < 0) {
		if (in[1] >= 0)
			close(in[1]);
		close(out[0]);
		close(err[0]);
		close(ex[0]);
		role_failed_to_start(s, id, strerror(errno));
		return;
	}
	int e = exec_result(ex[0]);
	rr->out_fd = out[0];
	rr->err_fd = err[0];
	rr->in_fd = in[1];
	nc_fd_nonblock(rr->out_fd);
	nc_fd_nonblock(rr->err_fd);
	if (rr->in_fd >= 0)
		nc_fd_nonblock(rr->in_fd);
	ro->started = true;
	rr->deadline = role->deadline_ns ? nc_now_ns() + scaled(s, role->deadline_ns) : INT64_MAX;
	if (e) {
		char why[300], name[160];
		struct nc_buf a;
		nc_buf_init(&a, sizeof(name) - 1);
		nc_template_expand(&role->argv[0], &vars, &a, NULL);
		snprintf(name, sizeof(name), "%s", nc_buf_str(&a));
		nc_buf_free(&a);
		snprintf(why, sizeof(why), "cannot run '%s': %s", name, strerror(e));
		role_failed_to_start(s, id, why);
		s->rr[id].reaped = false;
		s->rr[id].stopping = true;
		return;
	}
	if (id == NC_ROLE_SERVER && !role->ready_port_var && role->ready_line.nparts == 0) {
		/* "ready none": the client may start at once. */
		ro->ready = true;
		nc_addr_loopback(nc_role_family(s->job->family, id), ro->program_port, &ro->ready_addr);
	}
}

static void start_role(struct sup *s, enum nc_role_id id)
{
	const struct nc_role_obs *srv = &s->obs.role[NC_ROLE_SERVER];
	const struct nc_addr *server = srv->ready ? &srv->ready_addr : NULL;
	if (s->sc->role[id].is_exec)
		start_program(s, id);
	else
		start_builtin(s, id, server);
}

/* A server program is ready when its port is bound (or listening), or when
 * it printed its ready line. Returns true when it is. */
static bool program_ready(struct sup *s)
{
	const struct nc_role *role = &s->sc->role[NC_ROLE_SERVER];
	struct nc_role_obs *ro = &s->obs.role[NC_ROLE_SERVER];
	if (ro->ready)
		return true;
	bool ready = false;
	if (role->ready_line.nparts) {
		struct nc_varctx vars;
		char store[NC_VAR_COUNT][NC_VAR_LEN];
		program_vars(s, NC_ROLE_SERVER, &vars, store);
		struct nc_buf want;
		nc_buf_init(&want, 0);
		nc_template_expand(&role->ready_line, &vars, &want, NULL);
		ready = strstr(nc_buf_str(&ro->out[1]), nc_buf_str(&want)) != NULL;
		nc_buf_free(&want);
	} else {
		ready = nc_program_port_ready(ro->program_port,
					      s->sc->transport == NC_TRANSPORT_TCP);
	}
	if (ready) {
		ro->ready = true;
		nc_addr_loopback(nc_role_family(s->job->family, NC_ROLE_SERVER), ro->program_port,
			      &ro->ready_addr);
	}
	return ready;
}

static void feed_stdin(struct sup *s, enum nc_role_id id)
{
	struct rolerun *rr = &s->rr[id];
	uint8_t chunk[16384];
	while (rr->in_fd >= 0) {
		uint64_t off = rr->in_gen.off;
		size_t n = nc_payload_read(&rr->in_gen, chunk, sizeof(chunk));
		if (n == 0) {
			close(rr->in_fd);
			rr->in_fd = -1;
			nc_payload_close(&rr->in_gen);
			return;
		}
		ssize_t w = write(rr->in_fd, chunk, n);
		if (w < 0 && errno == EINTR)
			w = 0;
		if (w < 0 && errno == EAGAIN) {
			rr->in_gen.off = off;
			return;
		}
		if (w < 0) {
			/* The program closed its stdin: what it did not read is its business. */
			close(rr->in_fd);
			rr->in_fd = -1;
			nc_payload_close(&rr->in_gen);
			return;
		}
		rr->in_gen.off = off + (uint64_t)w;
	}
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

/* Reads a role's output pipe: stream 1 is stdout (or both streams of a
 * built-in role), 2 a program's stderr. */
static void read_output(struct sup *s, enum nc_role_id id, int stream)
{
	struct rolerun *rr = &s->rr[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	int *fd = stream == 1 ? &rr->out_fd : &rr->err_fd;
	char chunk[8192];
	for (;;) {
		ssize_t n = read(*fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			break;
		}
		/* Keep the output, capped; a role that writes without end must
		 * not block on a full pipe, so reading never stops. */
		nc_buf_add(&ro->output, chunk, (size_t)n);
		nc_buf_add(&ro->out[stream], chunk, (size_t)n);
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
	return !rr->present ||
	       (rr->reaped && rr->rec_fd < 0 && rr->out_fd < 0 && rr->err_fd < 0) ||
	       (!rr->started && rr->reaped);
}

static void close_pipes(struct rolerun *rr)
{
	int *fds[] = { &rr->rec_fd, &rr->out_fd, &rr->err_fd, &rr->in_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	nc_payload_close(&rr->in_gen);
}

/* Program-specific duties of the loop: deadlines, and a server program whose
 * client is done is stopped (a server serves until told otherwise, unless
 * the scenario expects it to exit by itself). Returns the next time to act. */
static int64_t program_duties(struct sup *s, int64_t now)
{
	int64_t next = INT64_MAX;
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		struct rolerun *rr = &s->rr[id];
		const struct nc_role *role = &s->sc->role[id];
		if (!role->is_exec || !rr->started || rr->reaped || rr->stopping)
			continue;
		if (now >= rr->deadline) {
			char what[96], d[32];
			snprintf(what, sizeof(what), "its deadline (%s)",
				 nc_fmt_duration(scaled(s, role->deadline_ns), d, sizeof(d)));
			stop_role(s, id, NC_FATE_KILLED, what);
			continue;
		}
		if (rr->deadline < next)
			next = rr->deadline;
	}
	/* A role whose partner could not even start has nobody to talk to:
	 * waiting for its deadline would only delay the report. */
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		int other = id == NC_ROLE_SERVER ? NC_ROLE_CLIENT : NC_ROLE_SERVER;
		if (s->rr[other].present && s->obs.role[other].fate == NC_FATE_SPAWN_FAILED)
			stop_role(s, id, NC_FATE_STOPPED, "the failure of its partner to start");
	}
	const struct rolerun *cli = &s->rr[NC_ROLE_CLIENT];
	const struct nc_role *srole = &s->sc->role[NC_ROLE_SERVER];
	if (srole->is_exec && !srole->has_exit && cli->present && cli->started && cli->reaped &&
	    role_finished(cli) && !s->rr[NC_ROLE_SERVER].stopping) {
		/* The server may still be handling the client's last message: it
		 * gets a short while before it is told to stop. */
		if (!s->client_done_at)
			s->client_done_at = now;
		int64_t at = s->client_done_at + scaled(s, NC_SERVER_LINGER_NS);
		if (now >= at)
			stop_role(s, NC_ROLE_SERVER, NC_FATE_STOPPED, "the end of its client");
		else if (at < next)
			next = at;
	}
	return next;
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
		/* A multi-call receive stops by itself at its deadline and reports
		 * what it got; the kill comes a grace period later, for calls that
		 * block in the kernel, so the verdict never depends on a race. */
		int64_t grace = scaled(s, limit) / 10 > 50 * NC_MS ? scaled(s, limit) / 10 : 50 * NC_MS;
		int64_t at = s->epoch + ro->begin_t[step] + scaled(s, limit) + grace;
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

static void on_packet(void *ctx, const struct nc_captured *pkt)
{
	struct sup *s = ctx;
	nc_wirelog_add(s->wire, pkt->ts_ns, pkt->data, pkt->caplen, pkt->len);
}

static void read_capture(struct sup *s)
{
	char err[256];
	if (s->cap && !s->capture_failed && nc_capture_read(s->cap, on_packet, s, err, sizeof(err)) < 0) {
		s->capture_failed = true;
		s->capture_error = true;
		snprintf(s->capture_note, sizeof(s->capture_note), "%s", err);
	}
}

/* reports/pcap/<group>/<scenario>[<variant>].pcap */
static char *pcap_path(const struct sup *s)
{
	struct nc_buf b;
	nc_buf_init(&b, 0);
	nc_buf_printf(&b, "%s/pcap/%s[%s].pcap", s->job->opts->reports_dir, s->sc->id,
		      s->job->variant);
	return nc_buf_steal(&b);
}

/* A scenario moves bulk data when its payloads add up to more than a few
 * MiB, or when a program (whose volume is unknown) takes part. */
static bool bulk_scenario(const struct nc_scenario *sc)
{
	uint64_t total = 0;
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		const struct nc_role *role = &sc->role[r];
		if (role->present && role->is_exec)
			return true;
		for (size_t i = 0; i < role->nsteps; i++) {
			const struct nc_payload *pl = &role->steps[i].payload;
			if (pl->kind == NC_PAYLOAD_RANDOM)
				total += pl->count;
			else if (pl->kind == NC_PAYLOAD_REPEAT)
				total += pl->count * pl->pattern_len;
			else if (pl->kind == NC_PAYLOAD_FILE && pl->text.nparts)
				total += pl->text.parts[0].len;
		}
	}
	return total > (4u << 20);
}

/* Arms the capture before any role starts, so the first packet is seen. */
static void start_capture(struct sup *s)
{
	const struct nc_run_opts *o = s->job->opts;
	if (!o->capture) {
		snprintf(s->capture_note, sizeof(s->capture_note), "capture disabled by --no-capture");
		return;
	}
	if (o->ns.mode == NC_NS_HOST) {
		/* The host loopback carries other programs' traffic, which would be
		 * captured and judged with the scenario's. */
		snprintf(s->capture_note, sizeof(s->capture_note),
			 "wire checks skipped: without a private network namespace the loopback "
			 "carries other programs' traffic");
		s->capture_error = o->require_capture;
		return;
	}
	char err[256];
	enum nc_capture_fail why;
	s->cap = nc_capture_open("lo", bulk_scenario(s->sc) ? NC_CAPTURE_BUFFER_BULK : NC_CAPTURE_BUFFER,
				 err, sizeof(err), &why);
	if (!s->cap) {
		snprintf(s->capture_note, sizeof(s->capture_note), "wire checks skipped: %s", err);
		s->capture_error = why != NC_CAPTURE_NO_PERMISSION || o->require_capture;
		return;
	}
	/* Its time base is set with the variant's epoch, once the capture is armed. */
	s->wire = nc_wirelog_new(nc_capture_linktype(s->cap), 0);
	if (o->keep_pcap != NC_KEEP_NEVER) {
		char *path = pcap_path(s);
		if (nc_pcapfile_open(&s->pcap, path, err, sizeof(err)) == 0) {
			if (nc_capture_save(s->cap, s->pcap.stream, err, sizeof(err)) == 0)
				s->pcap_open = true;
			else
				nc_pcapfile_close(&s->pcap);
		}
		if (!s->pcap_open) {
			s->capture_error = true;
			snprintf(s->capture_note, sizeof(s->capture_note), "%s", err);
		}
		free(path);
	}
}

/* After the roles: everything they caused is read, up to the marker. */
static void finish_capture(struct sup *s)
{
	if (!s->cap)
		return;
	char err[256];
	int64_t limit = nc_now_ns() + scaled(s, 2 * NC_SEC);
	int rc = s->capture_failed ? -1 : nc_capture_drain(s->cap, on_packet, s, limit, err, sizeof(err));
	if (rc < 0 && !s->capture_failed) {
		s->capture_failed = s->capture_error = true;
		snprintf(s->capture_note, sizeof(s->capture_note), "%s", err);
	} else if (rc > 0) {
		s->capture_failed = s->capture_error = true;
		snprintf(s->capture_note, sizeof(s->capture_note),
			 "the capture did not deliver its end marker within 2 s");
	}
	uint64_t drops;
	if (nc_capture_drops(s->cap, &drops) == 0 && drops) {
		s->capture_failed = s->capture_error = true;
		snprintf(s->capture_note, sizeof(s->capture_note), "capture dropped %llu packet%s",
			 (unsigned long long)drops, drops == 1 ? "" : "s");
	}
	nc_wirelog_finish(s->wire);
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

		int64_t pd = program_duties(s, now);
		if (pd < next)
			next = pd;

		/* The client starts once the server has bound (and listens), or
		 * has ended trying. A server program's socket tables are polled,
		 * there being no event for "a port got bound". */
		if (client_pending && !s->interrupted && !s->deadline_done) {
			const struct rolerun *srv = &s->rr[NC_ROLE_SERVER];
			bool prog = s->sc->role[NC_ROLE_SERVER].is_exec;
			bool srv_ready = prog && srv->started && !srv->reaped ? program_ready(s)
					 : s->obs.role[NC_ROLE_SERVER].ready;
			if (prog && !srv_ready && srv->started && !srv->reaped && now + 2 * NC_MS < next)
				next = now + 2 * NC_MS;
			if (!srv->present || srv_ready || srv->reaped ||
			    (!prog && srv->rec_fd < 0)) {
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
			if (rr->reaped && (rr->rec_fd >= 0 || rr->out_fd >= 0 || rr->err_fd >= 0)) {
				if (now - rr->reaped_at > PIPE_LINGER_NS) {
					if (rr->rec_fd >= 0)
						read_records(s, id);
					close_pipes(rr);
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

		struct pollfd pfd[2 + 5 * NC_ROLE_COUNT];
		int what[2 + 5 * NC_ROLE_COUNT];
		int np = 0;
		pfd[np] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
		what[np++] = -1;
		if (s->cap && !s->capture_failed) {
			pfd[np] = (struct pollfd){ .fd = nc_capture_fd(s->cap), .events = POLLIN };
			what[np++] = -2;
		}
		for (int id = 0; id < NC_ROLE_COUNT; id++) {
			struct rolerun *rr = &s->rr[id];
			if (rr->rec_fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = rr->rec_fd, .events = POLLIN };
				what[np++] = id * 5;
			}
			if (rr->out_fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = rr->out_fd, .events = POLLIN };
				what[np++] = id * 5 + 1;
			}
			if (rr->started && !rr->reaped && rr->child.pidfd >= 0) {
				pfd[np] = (struct pollfd){ .fd = rr->child.pidfd, .events = POLLIN };
				what[np++] = id * 5 + 2;
			}
			if (rr->err_fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = rr->err_fd, .events = POLLIN };
				what[np++] = id * 5 + 3;
			}
			if (rr->in_fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = rr->in_fd, .events = POLLOUT };
				what[np++] = id * 5 + 4;
			}
		}
		/* Without pidfds (kernels before 5.3, or valgrind) a child's end
		 * is only noticed by asking, so the loop asks often. */
		for (int id = 0; id < NC_ROLE_COUNT; id++)
			if (s->rr[id].started && !s->rr[id].reaped && s->rr[id].child.pidfd < 0 &&
			    now + 5 * NC_MS < next)
				next = now + 5 * NC_MS;
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
			if (what[i] == -1) {
				on_signal(s);
				continue;
			}
			if (what[i] == -2) {
				read_capture(s);
				continue;
			}
			int id = what[i] / 5, kind = what[i] % 5;
			if (kind == 0)
				read_records(s, id);
			else if (kind == 1)
				read_output(s, id, 1);
			else if (kind == 2)
				reap(s, id);
			else if (kind == 3)
				read_output(s, id, 2);
			else
				feed_stdin(s, id);
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

int nc_variant_main(const struct nc_variant_job *job, int result_fd)
{
	struct sup s;
	memset(&s, 0, sizeof(s));
	s.job = job;
	s.sc = job->sc;
	s.started_unix_ns = nc_realtime_ns();
	nc_observed_init(&s.obs, job->sc, job->family, job->opts->timeout_scale);
	s.obs.tick_ns = nc_tick_ns();
	s.obs.unused_port = find_unused_port(job->sc->transport == NC_TRANSPORT_TCP ? SOCK_STREAM
										     : SOCK_DGRAM);
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		s.rr[id].present = job->sc->role[id].present;
		s.rr[id].rec_fd = s.rr[id].out_fd = s.rr[id].err_fd = s.rr[id].in_fd = -1;
		s.rr[id].deadline = INT64_MAX;
		s.rr[id].child.pidfd = -1;
		nc_buf_init(&s.rr[id].in, REC_BUF_MAX);
	}
	/* The runner stops a supervisor with SIGTERM; it arrives through a
	 * signalfd so the loop handles it between polls. Its own process group
	 * keeps the terminal's Ctrl-C for the runner to decide on. */
	setpgid(0, 0);
	s.sigfd = nc_stop_signalfd();

	/* Time zero, and the deadline, start once the capture is armed: its
	 * set-up is netconform's cost, not the scenario's. */
	start_capture(&s);
	s.epoch = nc_now_ns();
	s.deadline = s.epoch + scaled(&s, job->sc->timeout_ns);
	/* Packet timestamps are on the realtime clock, the variant's epoch on
	 * the monotonic one; the two are tied together once, here. */
	if (s.wire)
		s.wire->epoch_realtime_ns = nc_realtime_ns();
	run_loop(&s);
	finish_capture(&s);

	struct nc_result r;
	nc_result_init(&r);
	build_result(&s, &r);
	if (s.pcap_open) {
		const struct nc_run_opts *o = job->opts;
		bool bad = r.status == NC_STATUS_FAIL || r.status == NC_STATUS_ERROR;
		char err[256];
		nc_capture_flush(s.cap);
		if (o->keep_pcap == NC_KEEP_ALWAYS || (o->keep_pcap == NC_KEEP_FAILED && bad)) {
			if (nc_pcapfile_keep(&s.pcap, err, sizeof(err)) == 0)
				r.pcap_path = nc_strdup(s.pcap.path);
			else
				nc_result_fail(&r, true, "capture", s.sc->path, 0, err, "");
		}
	}
	struct nc_buf out;
	nc_buf_init(&out, 0);
	int rc = 0;
	if (nc_result_encode(&r, &out) < 0 || write_all(result_fd, out.data, out.len) < 0)
		rc = 1;
	/* The runner has its result; closing a capture waits in the kernel for
	 * tens of milliseconds, which need not delay it. */
	close(result_fd);
	nc_capture_close(s.cap);
	if (s.pcap_open)
		nc_pcapfile_close(&s.pcap);
	nc_wirelog_free(s.wire);
	nc_buf_free(&out);
	nc_result_free(&r);
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		close_pipes(&s.rr[id]);
		nc_child_close(&s.rr[id].child);
		nc_buf_free(&s.rr[id].in);
	}
	nc_observed_free(&s.obs);
	if (s.sigfd >= 0)
		close(s.sigfd);
#ifdef NC_LSAN
	/* A supervisor ends with _exit, which skips LeakSanitizer's check at
	 * exit; sanitizer builds run it here, so a leak in the supervisor fails
	 * the variant (the runner reports its abnormal exit). */
	__lsan_do_leak_check();
#endif
	return rc;
}
