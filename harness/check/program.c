/* program.c: judging program roles: how they ended and what they printed. */
#include "check/observe.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "scenario/names.h"
#include "scenario/payload.h"
#include "steps/role.h"
#include "steps/vars.h"
#include "util/buf.h"
#include "util/hexdump.h"

#define SHOWN_OUTPUT 2048  /* output quoted in a failure's detail */

void nc_observed_vars(const struct nc_observed *o, struct nc_varctx *v, char store[][64])
{
	struct nc_addr a;
	nc_vars_base(v, store, o->family, o->sc->name, o->unused_port);
	if (nc_observed_server_addr(o, &a))
		nc_vars_addr(v, store, NC_VAR_SERVER_ADDR, NC_VAR_SERVER_PORT, &a);
	if (nc_observed_client_addr(o, &a))
		nc_vars_addr(v, store, NC_VAR_CLIENT_ADDR, NC_VAR_CLIENT_PORT, &a);
}

/* The variables a program's output is checked with: the checks' view, with
 * both addresses in the form the program's own sockets have them. In a
 * dual variant a client program was given the server as 127.0.0.1 and is
 * itself 127.0.0.1, however the dual-stack server saw it; a server program
 * sees its IPv4 client as ::ffff:127.0.0.1. */
static void program_vars(const struct nc_observed *o, enum nc_role_id id, struct nc_varctx *v,
			 char store[][64])
{
	struct nc_addr a, in_family;
	int fam = nc_role_family(o->family, id);
	nc_vars_base(v, store, o->family, o->sc->name, o->unused_port);
	if (nc_observed_server_addr(o, &a)) {
		nc_addr_usable(&a, fam, &in_family);
		nc_vars_addr(v, store, NC_VAR_SERVER_ADDR, NC_VAR_SERVER_PORT, &in_family);
	}
	if (nc_observed_client_addr(o, &a)) {
		nc_addr_usable(&a, fam, &in_family);
		nc_vars_addr(v, store, NC_VAR_CLIENT_ADDR, NC_VAR_CLIENT_PORT, &in_family);
	}
}

static bool has_line(const char *text, size_t n, const char *want)
{
	size_t wl = strlen(want);
	const char *p = text, *end = text + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (l && p[l - 1] == '\r')
			l--;
		if (l == wl && memcmp(p, want, wl) == 0)
			return true;
		p += l + 1;
		if (!nl)
			break;
	}
	return false;
}

static bool matches(const struct nc_outcheck *oc, const struct nc_buf *out, const char *want,
		    char *err, size_t errlen)
{
	const char *text = (const char *)nc_buf_str((struct nc_buf *)out);
	switch (oc->kind) {
	case NC_OUT_LINE:
		return has_line(text, out->len, want);
	case NC_OUT_CONTAINS:
		return strstr(text, want) != NULL;
	case NC_OUT_REGEX: {
		regex_t re;
		int rc = regcomp(&re, want, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
		if (rc != 0) {
			regerror(rc, &re, err, errlen);
			return false;
		}
		rc = regexec(&re, text, 0, NULL, 0);
		regfree(&re);
		return rc == 0;
	}
	}
	return false;
}

static const char *kind_word(enum nc_outmatch_kind k)
{
	switch (k) {
	case NC_OUT_LINE: return "a line";
	case NC_OUT_CONTAINS: return "text containing";
	case NC_OUT_REGEX: return "a line matching";
	}
	return "?";
}

/* Whether a program's end is the one its scenario expects, and the words
 * for that expectation. */
static bool end_as_expected(const struct nc_role *role, const struct nc_role_obs *ro,
			    enum nc_role_id id, char *want, size_t n)
{
	if (role->has_exit && role->exit_signal) {
		snprintf(want, n, "to be killed by %s", nc_signal_name(role->exit_signal));
		return ro->fate == NC_FATE_SIGNALED && ro->signal == role->exit_signal;
	}
	if (role->has_exit) {
		snprintf(want, n, "to exit with status %d", role->exit_code);
		return ro->fate == NC_FATE_EXITED && ro->exit_status == role->exit_code;
	}
	if (id == NC_ROLE_SERVER) {
		/* A server is expected to serve until it is told to stop. */
		snprintf(want, n, "to serve until stopped or exit with status 0");
		return ro->fate == NC_FATE_STOPPED ||
		       (ro->fate == NC_FATE_EXITED && ro->exit_status == 0);
	}
	snprintf(want, n, "to exit with status 0");
	return ro->fate == NC_FATE_EXITED && ro->exit_status == 0;
}

bool nc_check_program_end_ok(const struct nc_observed *o, enum nc_role_id id)
{
	char want[96];
	return end_as_expected(&o->sc->role[id], &o->role[id], id, want, sizeof(want));
}

static void check_exit(const struct nc_observed *o, enum nc_role_id id, struct nc_result *r)
{
	const struct nc_role *role = &o->sc->role[id];
	const struct nc_role_obs *ro = &o->role[id];
	const char *name = nc_role_name(id);
	char got[160], msg[400];
	switch (ro->fate) {
	case NC_FATE_EXITED:
		snprintf(got, sizeof(got), "exited with status %d", ro->exit_status);
		break;
	case NC_FATE_SIGNALED:
		snprintf(got, sizeof(got), "was killed by %s", nc_signal_name(ro->signal));
		break;
	case NC_FATE_STOPPED:
		snprintf(got, sizeof(got), "was still running after the client finished, and was "
			 "stopped");
		break;
	case NC_FATE_NONE:
	case NC_FATE_KILLED:
	case NC_FATE_INTERRUPTED:
	case NC_FATE_SPAWN_FAILED:
	case NC_FATE_CUT:
		return; /* reported by nc_check_roles */
	}
	char want[96];
	if (end_as_expected(role, ro, id, want, sizeof(want)))
		return;
	snprintf(msg, sizeof(msg), "expected the %s program %s; it %s", name, want, got);
	uint32_t line = role->has_exit ? role->exit_pos.line : role->pos.line;
	struct nc_failure *f = nc_result_fail(r, false, ro->fate == NC_FATE_SIGNALED ? "crash" : "exit",
					      o->sc->path, line, msg, "");
	if (f)
		f->t = ro->end_t;
}

void nc_check_programs(const struct nc_observed *o, struct nc_result *r)
{
	for (int id = 0; id < NC_ROLE_COUNT; id++) {
		const struct nc_role *role = &o->sc->role[id];
		const struct nc_role_obs *ro = &o->role[id];
		if (!role->present || !role->is_exec)
			continue;
		check_exit(o, (enum nc_role_id)id, r);
		struct nc_varctx vars;
		char store[NC_VAR_COUNT][64];
		program_vars(o, (enum nc_role_id)id, &vars, store);
		/* A program that never ran, or was stopped at a deadline or by an
		 * interruption, has already failed for that reason; judging its
		 * unfinished output would only add noise. */
		if (ro->fate == NC_FATE_SPAWN_FAILED || ro->fate == NC_FATE_NONE ||
		    ro->fate == NC_FATE_KILLED || ro->fate == NC_FATE_INTERRUPTED ||
		    ro->fate == NC_FATE_CUT)
			continue;
		for (size_t i = 0; i < role->nout; i++) {
			const struct nc_outcheck *oc = &role->out[i];
			const char *stream = oc->stream == 1 ? "stdout" : "stderr";
			struct nc_buf want, msg, detail;
			nc_buf_init(&want, 0);
			nc_buf_init(&msg, 0);
			nc_buf_init(&detail, 0);
			enum nc_var miss;
			if (nc_template_expand(&oc->text, &vars, &want, &miss) < 0) {
				nc_buf_printf(&msg, "cannot check the %s program's %s: variable ${%s} "
					      "has no value", nc_role_name(id), stream, nc_var_name(miss));
				nc_result_fail(r, true, "scenario", o->sc->path, oc->pos.line,
					       nc_buf_str(&msg), "");
			} else {
				char err[128] = "";
				const struct nc_buf *out = &ro->out[oc->stream];
				if (!matches(oc, out, nc_buf_str(&want), err, sizeof(err))) {
					nc_buf_printf(&msg, "expected %s ", kind_word(oc->kind));
					nc_show_bytes(&msg, want.data, want.len, 160);
					nc_buf_printf(&msg, " in the %s program's %s", nc_role_name(id), stream);
					if (err[0])
						nc_buf_printf(&msg, " (%s)", err);
					nc_buf_printf(&detail, "%s (%zu bytes):\n", stream, out->len);
					size_t shown = out->len < SHOWN_OUTPUT ? out->len : SHOWN_OUTPUT;
					nc_buf_add(&detail, out->data, shown);
					if (out->len > shown)
						nc_buf_printf(&detail, "\n... %zu more bytes", out->len - shown);
					struct nc_failure *f =
						nc_result_fail(r, false, "output", o->sc->path,
							       oc->pos.line, nc_buf_str(&msg),
							       nc_buf_str(&detail));
					if (f)
						f->t = ro->end_t;
				}
			}
			nc_buf_free(&want);
			nc_buf_free(&msg);
			nc_buf_free(&detail);
		}
	}
}
