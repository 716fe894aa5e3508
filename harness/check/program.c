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

void nc_observed_vars(const struct nc_observed *o, struct nc_varctx *v, char store[][NC_VAR_LEN])
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
			 char store[][NC_VAR_LEN])
{
	struct nc_addr a, in_family;
	int fam = nc_role_family(o->family, id);
	nc_vars_base(v, store, o->family, o->sc->name, o->unused_port);
	/* A server program that never became ready was still given its port:
	 * what it printed about it can be checked. */
	const struct nc_role_obs *srv = &o->role[NC_ROLE_SERVER];
	bool server = nc_observed_server_addr(o, &a);
	if (!server && srv->exec && srv->program_port) {
		nc_role_loopback(o->family, NC_ROLE_SERVER, srv->program_port, &a);
		server = true;
	}
	if (server) {
		nc_addr_usable(&a, fam, &in_family);
		nc_vars_addr(v, store, NC_VAR_SERVER_ADDR, NC_VAR_SERVER_PORT, &in_family);
	}
	if (nc_observed_client_addr(o, &a)) {
		nc_addr_usable(&a, fam, &in_family);
		nc_vars_addr(v, store, NC_VAR_CLIENT_ADDR, NC_VAR_CLIENT_PORT, &in_family);
	}
}

/* ------------------------------------------------------------------------ */
/* Output lines */

/* One line of a program's output: its bytes without the line break (and
 * without a CR before it), NUL bytes and all. */
struct out_line {
	const uint8_t *p;
	size_t len;
	size_t next;     /* offset of the line after it */
	size_t number;   /* 1-based */
};

/* The line starting at offset `at` (numbered `number`); false past the end. */
static bool line_at(const struct nc_buf *out, size_t at, size_t number, struct out_line *l)
{
	if (at >= out->len)
		return false;
	const uint8_t *p = out->data + at;
	size_t left = out->len - at;
	const uint8_t *nl = memchr(p, '\n', left);
	l->p = p;
	l->len = nl ? (size_t)(nl - p) : left;
	l->next = at + l->len + (nl ? 1 : 0);
	l->number = number;
	if (l->len && p[l->len - 1] == '\r')
		l->len--;
	return true;
}

/* Where the `line` expectations of one stream have got to: each is looked
 * for after the line the previous one matched. */
struct line_order {
	size_t from;              /* offset of the first line still to search */
	size_t from_number;       /* its line number */
	struct nc_buf prev;       /* the previous matched expectation's text */
};

/* The first line at or after offset `from` that is exactly want. */
static bool find_line(const struct nc_buf *out, size_t from, size_t number,
		      const struct nc_buf *want, struct out_line *found)
{
	struct out_line l;
	for (size_t at = from; line_at(out, at, number, &l); at = l.next, number++) {
		if (l.len == want->len && (l.len == 0 || memcmp(l.p, want->data, l.len) == 0)) {
			*found = l;
			return true;
		}
	}
	return false;
}

/* The first line matching the compiled pattern, or none. Each line is
 * matched alone and as bytes (REG_STARTEND), so a NUL in it is a byte like
 * any other and '^' and '$' are its ends. */
static bool find_regex(const struct nc_buf *out, const regex_t *re, struct out_line *found)
{
	struct out_line l;
	size_t number = 1;
	for (size_t at = 0; line_at(out, at, number, &l); at = l.next, number++) {
		regmatch_t m = { .rm_so = 0, .rm_eo = (regoff_t)l.len };
		if (regexec(re, (const char *)l.p, 1, &m, REG_STARTEND) == 0) {
			*found = l;
			return true;
		}
	}
	return false;
}

/* The line holding the first occurrence of want, or none. Empty text is
 * found at the start. */
static bool find_text(const struct nc_buf *out, const struct nc_buf *want, struct out_line *found)
{
	*found = (struct out_line){ out->data, 0, 0, 1 };
	if (want->len == 0)
		return true;
	const uint8_t *hit = out->len ? memmem(out->data, out->len, want->data, want->len) : NULL;
	if (!hit)
		return false;
	size_t off = (size_t)(hit - out->data), at = 0, number = 1;
	while (line_at(out, at, number, found) && found->next <= off) {
		at = found->next;
		number++;
	}
	return true;
}

/* The output for a failure's detail: control bytes escaped as in payload
 * messages (a NUL is \x00), lines kept as lines. */
static void show_output(struct nc_buf *b, const char *stream, const struct nc_buf *out)
{
	nc_buf_printf(b, "%s (%zu bytes):\n", stream, out->len);
	size_t shown = out->len < SHOWN_OUTPUT ? out->len : SHOWN_OUTPUT;
	for (size_t i = 0; i < shown; i++) {
		uint8_t c = out->data[i];
		if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f))
			nc_buf_addc(b, c);
		else if (c == '\r')
			nc_buf_adds(b, "\\r");
		else
			nc_buf_printf(b, "\\x%02x", c);
	}
	if (out->len > shown)
		nc_buf_printf(b, "\n... %zu more bytes", out->len - shown);
}

/* Judges one output expectation, with its text expanded in want; false
 * with the message in msg when it is not met. */
static bool output_met(const struct nc_outcheck *oc, const struct nc_buf *out,
		       const struct nc_buf *want, struct line_order *order, const char *where,
		       struct nc_buf *msg)
{
	struct out_line l;
	switch (oc->kind) {
	case NC_OUT_LINE:
		if (find_line(out, order->from, order->from_number, want, &l)) {
			order->from = l.next;
			order->from_number = l.number + 1;
			nc_buf_reset(&order->prev);
			nc_buf_add(&order->prev, want->data, want->len);
			return true;
		}
		nc_buf_adds(msg, "expected a line ");
		nc_show_bytes(msg, want->data, want->len, 160);
		nc_buf_printf(msg, " in %s", where);
		if (order->from_number > 1 && find_line(out, 0, 1, want, &l)) {
			nc_buf_adds(msg, " after ");
			nc_show_bytes(msg, order->prev.data, order->prev.len, 60);
			nc_buf_printf(msg, " (its line %zu), but it comes only before, at line %zu",
				      order->from_number - 1, l.number);
		}
		return false;
	case NC_OUT_CONTAINS:
		if (find_text(out, want, &l))
			return true;
		nc_buf_adds(msg, "expected text containing ");
		nc_show_bytes(msg, want->data, want->len, 160);
		nc_buf_printf(msg, " in %s", where);
		return false;
	case NC_OUT_LACKS:
		if (!find_text(out, want, &l))
			return true;
		nc_buf_adds(msg, "expected no ");
		nc_show_bytes(msg, want->data, want->len, 160);
		nc_buf_printf(msg, " in %s, but its line %zu has it: ", where, l.number);
		nc_show_bytes(msg, l.p, l.len, 160);
		return false;
	case NC_OUT_REGEX: {
		regex_t re;
		char err[128];
		int rc = regcomp(&re, nc_buf_str((struct nc_buf *)want), REG_EXTENDED | REG_NOSUB);
		bool found = rc == 0 && find_regex(out, &re, &l);
		if (rc == 0)
			regfree(&re);
		else
			regerror(rc, &re, err, sizeof(err));
		if (found)
			return true;
		nc_buf_adds(msg, "expected a line matching ");
		nc_show_bytes(msg, want->data, want->len, 160);
		nc_buf_printf(msg, " in %s", where);
		if (rc != 0)
			nc_buf_printf(msg, " (%s)", err);
		return false;
	}
	}
	return false;
}

/* The output expectations of program role id, in the order written. */
static void check_output(const struct nc_observed *o, enum nc_role_id id, struct nc_result *r)
{
	const struct nc_role *role = &o->sc->role[id];
	const struct nc_role_obs *ro = &o->role[id];
	struct nc_varctx vars;
	char store[NC_VAR_COUNT][NC_VAR_LEN];
	program_vars(o, id, &vars, store);
	struct line_order order[3];
	for (int k = 1; k <= 2; k++) {
		order[k].from = 0;
		order[k].from_number = 1;
		nc_buf_init(&order[k].prev, 0);
	}
	for (size_t i = 0; i < role->nout; i++) {
		const struct nc_outcheck *oc = &role->out[i];
		const char *stream = oc->stream == 1 ? "stdout" : "stderr";
		const struct nc_buf *out = &ro->out[oc->stream];
		struct nc_buf want, msg, detail;
		char where[64];
		nc_buf_init(&want, 0);
		nc_buf_init(&msg, 0);
		nc_buf_init(&detail, 0);
		snprintf(where, sizeof(where), "the %s program's %s", nc_role_name(id), stream);
		enum nc_var miss;
		if (nc_template_expand(&oc->text, &vars, &want, &miss) < 0) {
			nc_buf_printf(&msg, "cannot check %s: variable ${%s} has no value", where,
				      nc_var_name(miss));
			nc_result_fail(r, true, "scenario", o->sc->path, oc->pos.line,
				       nc_buf_str(&msg), "");
		} else if (!output_met(oc, out, &want, &order[oc->stream], where, &msg)) {
			show_output(&detail, stream, out);
			struct nc_failure *f = nc_result_fail(r, false, "output", o->sc->path,
							      oc->pos.line, nc_buf_str(&msg),
							      nc_buf_str(&detail));
			if (f)
				f->t = ro->end_t;
		}
		nc_buf_free(&want);
		nc_buf_free(&msg);
		nc_buf_free(&detail);
	}
	nc_buf_free(&order[1].prev);
	nc_buf_free(&order[2].prev);
}

/* ------------------------------------------------------------------------ */
/* How programs end */

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
		/* A program that never ran, or was stopped at a deadline or by an
		 * interruption, has already failed for that reason; judging its
		 * unfinished output would only add noise. */
		if (ro->fate == NC_FATE_SPAWN_FAILED || ro->fate == NC_FATE_NONE ||
		    ro->fate == NC_FATE_KILLED || ro->fate == NC_FATE_INTERRUPTED ||
		    ro->fate == NC_FATE_CUT)
			continue;
		check_output(o, (enum nc_role_id)id, r);
	}
}
