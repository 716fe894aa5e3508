/* roleproc.c: a supervisor's role processes: starting them in their
 * descriptor slots, reading their records and output, feeding a program's
 * stdin, reaping and stopping them (see variant_int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "proc/program.h"
#include "proc/variant_int.h"
#include "proc/wiring.h"
#include "steps/role.h"
#include "steps/vars.h"
#include "util/clock.h"
#include "util/text.h"

#define PIPE_BUF_CHUNK 65536

static void role_failed_to_start(struct sup *s, enum nc_role_id id, const char *why)
{
	struct nc_role_obs *ro = &s->obs.role[id];
	ro->fate = NC_FATE_SPAWN_FAILED;
	snprintf(ro->spawn_error, sizeof(ro->spawn_error), "%s", why);
	s->rr[id].phase = ROLE_NEVER;
}

/* The exec went wrong after the fork: the child is gone (or going), and is
 * reaped like any other, but its fate says why. */
static void exec_failed(struct sup *s, enum nc_role_id id, const char *why)
{
	struct nc_role_obs *ro = &s->obs.role[id];
	ro->fate = NC_FATE_SPAWN_FAILED;
	snprintf(ro->spawn_error, sizeof(ro->spawn_error), "%s", why);
	s->rr[id].stopping = true;
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

/* "permission denied" says more than EACCES's "Permission denied" when a
 * file exists but may not be run. */
static const char *exec_error_text(int e, char *buf, size_t n)
{
	if (e == EACCES)
		snprintf(buf, n, "permission denied (the file is not executable, or a directory "
			 "on its path is not searchable)");
	else if (e == ENOEXEC)
		snprintf(buf, n, "not an executable format (a script needs a #! line)");
	else
		snprintf(buf, n, "%s", strerror(e));
	return buf;
}

static void start_builtin(struct sup *s, enum nc_role_id id)
{
	struct rolerun *rr = &s->rr[id];
	const struct nc_role_obs *srv = &s->obs.role[NC_ROLE_SERVER];
	int rec[2], out[2], ex[2];
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
	ctx.rec_fd = NC_FD_RECORDS;
	ctx.epoch_ns = s->epoch;
	ctx.deadline_ns = s->deadline;
	ctx.timeout_scale = s->job->opts->timeout_scale;
	if (srv->ready)
		ctx.server = srv->ready_addr;
	ctx.unused_port = s->obs.unused_port;
	ctx.ready_after = nc_role_setup_steps(&s->sc->role[id]);
	ctx.no_wildcard = s->job->opts->ns.mode == NC_NS_HOST;
	int fds[NC_FD_SLOTS_BUILTIN] = { [NC_FD_STDIN] = -1, [NC_FD_STDOUT] = out[1],
					 [NC_FD_STDERR] = out[1], [NC_FD_EXEC_ERROR] = ex[1],
					 [NC_FD_RECORDS] = rec[1] };
	pid_t pid = nc_spawn(&rr->child, fds, NC_FD_SLOTS_BUILTIN);
	if (pid == 0) {
		fcntl(NC_FD_EXEC_ERROR, F_SETFD, FD_CLOEXEC);
		if (via_exec)
			nc_program_exec_role(&ctx, s->job->name, s->job->opts, NC_FD_EXEC_ERROR);
		close(NC_FD_EXEC_ERROR);
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
	rr->phase = ROLE_RUNNING;
	rr->started_at = nc_now_ns();
	int e = via_exec ? exec_result(ex[0]) : (close(ex[0]), 0);
	rr->rec_fd = rec[0];
	rr->out_fd = out[0];
	nc_fd_nonblock(rr->rec_fd);
	nc_fd_nonblock(rr->out_fd);
	s->obs.role[id].started = true;
	if (e) {
		char why[320], text[160];
		const char *wrap = s->job->opts->wrap;
		if (wrap && *wrap)
			snprintf(why, sizeof(why), "the --wrap command '%s' cannot be run: %s", wrap,
				 exec_error_text(e, text, sizeof(text)));
		else
			snprintf(why, sizeof(why), "cannot run 'netconform role': %s",
				 exec_error_text(e, text, sizeof(text)));
		exec_failed(s, id, why);
	}
}

void nc_sup_program_vars(struct sup *s, enum nc_role_id id, struct nc_varctx *v,
			 char store[][NC_VAR_LEN])
{
	nc_vars_base(v, store, s->job->family, s->sc->name, s->obs.unused_port);
	const struct nc_role_obs *so = &s->obs.role[NC_ROLE_SERVER];
	int fam = nc_role_family(s->job->family, id);
	struct nc_addr srv;
	if (id == NC_ROLE_SERVER)
		nc_role_loopback(s->job->family, id, so->program_port, &srv);
	else if (so->ready)
		nc_addr_usable(&so->ready_addr, fam, &srv);
	else
		return;
	nc_vars_addr(v, store, NC_VAR_SERVER_ADDR, NC_VAR_SERVER_PORT, &srv);
}

/* A pseudo-terminal for a program's stdout: standard I/O line-buffers a
 * terminal, so a program that prints with plain printf() or print() is
 * seen line by line and loses no complete line when it is stopped. Raw
 * mode keeps the bytes as written (no "\n" to "\r\n"). Returns the master
 * side, with the slave in *slave, or -1 (then a pipe is used). */
static int open_pty(int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -1;
	char name[128];
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name)) != 0) {
		close(m);
		return -1;
	}
	int sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (sl < 0) {
		close(m);
		return -1;
	}
	struct termios t;
	if (tcgetattr(sl, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(sl, TCSANOW, &t);
	}
	*slave = sl;
	return m;
}

static void start_program(struct sup *s, enum nc_role_id id)
{
	struct rolerun *rr = &s->rr[id];
	const struct nc_role *role = &s->sc->role[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	if (id == NC_ROLE_SERVER)
		ro->program_port = role->ready_port > 0 ? (uint16_t)role->ready_port
							: nc_sup_free_port(s);
	struct nc_varctx vars;
	char store[NC_VAR_COUNT][NC_VAR_LEN];
	nc_sup_program_vars(s, id, &vars, store);
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
	int master = open_pty(&out[1]);
	if (master >= 0)
		out[0] = master;
	else if (pipe2(out, O_CLOEXEC) < 0)
		out[0] = out[1] = -1;
	if ((role->has_stdin && pipe2(in, O_CLOEXEC) < 0) || out[0] < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0) {
		role_failed_to_start(s, id, strerror(errno));
		return;
	}
	int fds[NC_FD_SLOTS_PROGRAM] = { [NC_FD_STDIN] = in[0], [NC_FD_STDOUT] = out[1],
					 [NC_FD_STDERR] = err[1], [NC_FD_EXEC_ERROR] = ex[1] };
	pid_t pid = nc_spawn(&rr->child, fds, NC_FD_SLOTS_PROGRAM);
	if (pid == 0) {
		fcntl(NC_FD_EXEC_ERROR, F_SETFD, FD_CLOEXEC);
		nc_program_exec(s->sc, role, &vars, s->job->opts, NC_FD_EXEC_ERROR);
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
	rr->phase = ROLE_RUNNING;
	rr->started_at = nc_now_ns();
	int e = exec_result(ex[0]);
	rr->out_fd = out[0];
	rr->out_pty = master >= 0;
	rr->err_fd = err[0];
	rr->in_fd = in[1];
	nc_fd_nonblock(rr->out_fd);
	nc_fd_nonblock(rr->err_fd);
	if (rr->in_fd >= 0)
		nc_fd_nonblock(rr->in_fd);
	ro->started = true;
	rr->deadline = role->deadline_ns ? nc_now_ns() + nc_sup_scaled(s, role->deadline_ns)
					 : INT64_MAX;
	if (e) {
		char why[400], name[160], text[160];
		struct nc_buf a;
		nc_buf_init(&a, sizeof(name) - 1);
		nc_template_expand(&role->argv[0], &vars, &a, NULL);
		snprintf(name, sizeof(name), "%s", nc_buf_str(&a));
		nc_buf_free(&a);
		snprintf(why, sizeof(why), "cannot run '%s': %s", name,
			 exec_error_text(e, text, sizeof(text)));
		exec_failed(s, id, why);
		return;
	}
	if (id == NC_ROLE_SERVER && !role->ready_port_var && role->ready_line.nparts == 0) {
		/* "ready none": the client may start at once. */
		ro->ready = true;
		nc_role_loopback(s->job->family, id, ro->program_port, &ro->ready_addr);
	}
}

void nc_sup_start_role(struct sup *s, enum nc_role_id id)
{
	if (s->sc->role[id].is_exec)
		start_program(s, id);
	else
		start_builtin(s, id);
}

void nc_sup_never_start(struct sup *s, enum nc_role_id id, const char *why, bool consequence)
{
	struct rolerun *rr = &s->rr[id];
	if (!rr->present || rr->phase != ROLE_WAITING)
		return;
	struct nc_role_obs *ro = &s->obs.role[id];
	ro->fate = NC_FATE_NONE;
	ro->consequence = consequence;
	snprintf(ro->spawn_error, sizeof(ro->spawn_error), "%s", why);
	rr->phase = ROLE_NEVER;
}

int64_t nc_sup_blocked_step(const struct nc_role_obs *ro)
{
	for (uint32_t i = 0; i < ro->nsteps; i++)
		if (ro->begun[i] && !ro->ended[i])
			return i;
	return -1;
}

void nc_sup_stop_role(struct sup *s, enum nc_role_id id, enum nc_fate fate, const char *what,
		      bool consequence)
{
	struct rolerun *rr = &s->rr[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	if (rr->phase != ROLE_RUNNING || rr->stopping)
		return;
	rr->stopping = true;
	ro->fate = fate;
	ro->consequence = consequence;
	ro->killed_at_step = nc_sup_blocked_step(ro);
	snprintf(ro->deadline_what, sizeof(ro->deadline_what), "%s", what);
	nc_child_stop(&rr->child, nc_now_ns(), rr->stop_signal);
}

void nc_sup_read_records(struct sup *s, enum nc_role_id id)
{
	struct rolerun *rr = &s->rr[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	uint8_t chunk[PIPE_BUF_CHUNK];
	while (rr->rec_fd >= 0) {
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

void nc_sup_read_output(struct sup *s, enum nc_role_id id, int stream)
{
	struct rolerun *rr = &s->rr[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	int *fd = stream == 1 ? &rr->out_fd : &rr->err_fd;
	char chunk[8192];
	while (*fd >= 0) {
		ssize_t n = read(*fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		/* A pseudo-terminal's master reads EIO once every slave side is
		 * closed: that is its end of file. */
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

void nc_sup_feed_stdin(struct sup *s, enum nc_role_id id)
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

bool nc_sup_reap(struct sup *s, enum nc_role_id id)
{
	struct rolerun *rr = &s->rr[id];
	struct nc_role_obs *ro = &s->obs.role[id];
	if (rr->phase != ROLE_RUNNING || !nc_child_reap(&rr->child))
		return false;
	rr->phase = ROLE_ENDED;
	rr->reaped_at = nc_now_ns();
	ro->end_t = rr->reaped_at - s->epoch;
	int st = rr->child.status;
	if (rr->stopping)
		return true; /* fate already says why it was stopped */
	if (WIFSIGNALED(st)) {
		ro->fate = NC_FATE_SIGNALED;
		ro->signal = WTERMSIG(st);
	} else {
		ro->fate = NC_FATE_EXITED;
		ro->exit_status = WEXITSTATUS(st);
	}
	return true;
}

bool nc_sup_role_finished(const struct rolerun *rr)
{
	if (!rr->present || rr->phase == ROLE_NEVER)
		return true;
	return rr->phase == ROLE_ENDED && rr->rec_fd < 0 && rr->out_fd < 0 && rr->err_fd < 0;
}

void nc_sup_close_pipes(struct rolerun *rr)
{
	int *fds[] = { &rr->rec_fd, &rr->out_fd, &rr->err_fd, &rr->in_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
	nc_payload_close(&rr->in_gen);
}
