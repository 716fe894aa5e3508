/* parse_exec.c: program roles ("server exec CMD ARGS...") and the options
 * on the lines of their section: where the program runs, what it gets,
 * when it is ready, and what it must print and how it must end.
 */
#include "scenario/parse_int.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/names.h"
#include "scenario/regex_cost.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/text.h"

int parse_env_entry(struct parser *p, struct nc_envvar **arr, size_t *n)
{
	const struct nc_tok *t = next(p);
	if (!t || t->kind != NC_TOK_WORD)
		return expected(p, t, "NAME=VALUE after 'env'");
	const char *eq = memchr(t->p, '=', t->len);
	if (!eq || eq == t->p)
		return expected(p, t, "NAME=VALUE after 'env'");
	/* POSIX names: letters, digits and '_', not starting with a digit. */
	for (const char *c = t->p; c < eq; c++)
		if (!(isalnum((unsigned char)*c) || *c == '_') ||
		    (c == t->p && isdigit((unsigned char)*c)))
			return perr(p, NC_DIAG_SYNTAX, t->col + (uint32_t)(c - t->p),
				    "invalid environment variable name '%.*s' (use letters, digits "
				    "and '_', not starting with a digit)",
				    (int)(eq - t->p > 40 ? 40 : eq - t->p), t->p);
	*arr = nc_grow(*arr, *n, sizeof(**arr));
	struct nc_envvar *e = &(*arr)[(*n)++];
	memset(e, 0, sizeof(*e));
	e->name = nc_strndup(t->p, (size_t)(eq - t->p));
	e->pos = (struct nc_pos){ p->lx.line, t->col };
	/* The value: the rest of the word, or a quoted string after "NAME=". */
	size_t vlen = t->len - (size_t)(eq + 1 - t->p);
	const struct nc_tok *vtok = peek(p);
	struct nc_tok vt = { NC_TOK_WORD, eq + 1, vlen, t->col + (uint32_t)(eq + 1 - t->p) };
	if (vlen == 0 && vtok && vtok->kind == NC_TOK_STRING)
		next(p);
	else
		vtok = &vt;
	if (parse_word_tpl(p, vtok, &e->value) < 0)
		return -1;
	return tpl_refuse_byte(p, vtok, &e->value, '\0', "an environment variable's value");
}

int parse_exec_header(struct parser *p, struct nc_role *role)
{
	if (!peek(p))
		return expected(p, NULL, "a command after 'exec'");
	role->is_exec = true;
	role->ready_port = -1;
	role->ready_port_var = 1;
	role->ready_stream = 1;
	const struct nc_tok *t, *prog = peek(p);
	while ((t = next(p))) {
		role->argv = nc_grow(role->argv, role->argc, sizeof(*role->argv));
		if (parse_word_tpl(p, t, &role->argv[role->argc]) < 0)
			return -1;
		role->argc++;
		if (tpl_refuse_byte(p, t, &role->argv[role->argc - 1], '\0',
				    "a program argument") < 0)
			return -1;
	}
	if (role->argv[0].has_vars)
		return perr(p, NC_DIAG_VALUE, prog->col, "the program name cannot use variables");
	if (role->argv[0].nparts == 0)
		return perr(p, NC_DIAG_VALUE, prog->col, "the program name cannot be empty");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The options, one function each; the role is p->role. */

static int opt_cwd(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_tok *t = need(p, "a directory after 'cwd'");
	if (!t)
		return -1;
	char *rel = tok_str(t);
	char *path = rel[0] == '/' ? nc_strdup(rel) : nc_path_join(p->dir, rel);
	free(rel);
	if (!nc_is_dir(path)) {
		int rc = perr(p, NC_DIAG_FILE, t->col, "directory '%s' not found (a relative 'cwd' "
			      "starts from the scenario's directory)", path);
		free(path);
		return rc;
	}
	p->role->cwd = path;
	return 0;
}

static int opt_env(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	return parse_env_entry(p, &p->role->env, &p->role->nenv);
}

static int opt_stdin(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	if (word_eq(peek(p), "none")) {
		next(p);
		p->role->has_stdin = false;
		return 0;
	}
	if (parse_payload(p, &p->role->stdin_data) < 0)
		return -1;
	p->role->has_stdin = true;
	return 0;
}

/* Zero is how the model says "no deadline of its own". */
static int opt_deadline(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	return parse_positive_duration(p, next(p), "a duration after 'deadline'", "deadline", 0,
				       "a deadline must be longer than zero (leave 'deadline' out "
				       "to use the scenario's timeout)", &p->role->deadline_ns);
}

static int opt_port(struct parser *p, const struct nc_tok *kw)
{
	unsigned long long n;
	if (parse_u64_tok(p, next(p), "a port number", "port", 65535, false, &n) < 0)
		return -1;
	if (n == 0)
		return perr(p, NC_DIAG_RANGE, kw->col, "a server program's port cannot be 0 (leave "
			    "'port' out and netconform picks a free one as ${server.port})");
	p->role->ready_port = (int)n;
	return 0;
}

enum ready_id { READY_BOUND, READY_LINE, READY_NONE };

NC_WORDS(ready_table, NC_WORD("bound", READY_BOUND),
	 { .name = "line", .id = READY_LINE, .shown = "line \"TEXT\"" },
	 NC_WORD("none", READY_NONE));

NC_WORDS(stream_table, NC_WORD("stdout", 1), NC_WORD("stderr", 2));

/* "line [stdout|stderr] "TEXT"": the text, on stdout unless it says. */
static int ready_line(struct parser *p, struct nc_role *role)
{
	const struct nc_tok *s = next(p);
	if (s && s->kind == NC_TOK_WORD) {
		const struct nc_kw *row = nc_kw_find(&stream_table, s);
		if (!row)
			return expected_one_of(p, s, "a quoted line, or ", &stream_table, " or ",
					       " and a quoted line, after 'ready line'");
		role->ready_stream = row->id;
		s = next(p);
	}
	if (!s || s->kind != NC_TOK_STRING)
		return expected(p, s, "a quoted line after 'ready line'");
	if (parse_string_tpl(p, s, &role->ready_line) < 0)
		return -1;
	if (role->ready_line.nparts == 0)
		return perr(p, NC_DIAG_VALUE, s->col, "the ready line cannot be empty");
	return tpl_refuse_byte(p, s, &role->ready_line, '\n', "the ready line");
}

/* "within D" after 'ready bound' or 'ready line': the program must be
 * ready that long after it started, or the variant fails then. */
static int ready_within(struct parser *p, const struct nc_tok *none)
{
	const struct nc_tok *w = next(p);
	char a[32], b[32];
	if (none)
		return perr(p, NC_DIAG_MISPLACED, w->col, "'ready none' starts the client at once, "
			    "so it takes no ready deadline ('within' goes with 'ready bound' or "
			    "'ready line')");
	if (parse_positive_duration(p, next(p), "a duration after 'within'", "ready deadline",
				    0, "a ready deadline must be longer than zero",
				    &p->role->ready_within_ns) < 0)
		return -1;
	if (p->role->ready_within_ns > scenario_timeout(p))
		return perr(p, NC_DIAG_RANGE, w->col, "the ready deadline (%s) is longer than the "
			    "scenario's timeout (%s), which would come first",
			    nc_fmt_duration(p->role->ready_within_ns, a, sizeof(a)),
			    nc_fmt_duration(scenario_timeout(p), b, sizeof(b)));
	return 0;
}

static int opt_ready(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	struct nc_role *role = p->role;
	const struct nc_tok *t = next(p);
	const struct nc_kw *row = expect_word_of(p, t, "", &ready_table, " after 'ready'");
	if (!row)
		return -1;
	tpl_free(&role->ready_line);
	role->ready_port_var = row->id == READY_BOUND;
	if (row->id == READY_LINE && ready_line(p, role) < 0)
		return -1;
	if (word_eq(peek(p), "within"))
		return ready_within(p, row->id == READY_NONE ? t : NULL);
	return 0;
}

static int opt_exit(struct parser *p, const struct nc_tok *kw)
{
	struct nc_role *role = p->role;
	const struct nc_tok *t = next(p);
	char w[32];
	unsigned long long n;
	role->has_exit = true;
	role->exit_pos = (struct nc_pos){ p->lx.line, kw->col };
	if (!word_eq(t, "signal")) {
		if (parse_u64_tok(p, t, "an exit status (0..255) or 'signal NAME'", "exit status",
				  255, false, &n) < 0)
			return -1;
		role->exit_code = (int)n;
		return 0;
	}
	const struct nc_tok *s = need(p, "a signal name (like SIGTERM) after 'signal'");
	if (!s)
		return -1;
	int sig = word_buf(s, w, sizeof(w)) ? nc_signal_value(w) : -1;
	if (sig < 0)
		return unknown_name(p, s, "unknown signal", nc_signal_suggest,
				    "expected a name like SIGTERM, SIGKILL or SIGSEGV");
	role->exit_signal = sig;
	return 0;
}

/* The signal that stops the program when netconform ends it (SIGKILL
 * follows after the grace period, whatever the signal does). */
static int opt_stop(struct parser *p, const struct nc_tok *kw NC_UNUSED)
{
	const struct nc_tok *s = need(p, "a signal name (like SIGINT) after 'stop'");
	char w[32];
	if (!s)
		return -1;
	int sig = word_buf(s, w, sizeof(w)) ? nc_signal_value(w) : -1;
	if (sig < 0)
		return unknown_name(p, s, "unknown signal", nc_signal_suggest,
				    "expected a name like SIGTERM, SIGINT or SIGHUP");
	p->role->stop_signal = sig;
	return 0;
}

/* Validates a pattern now, with each variable standing in as plain text,
 * so that a bad regex is a parse error, not a run failure. */
static int check_regex(struct parser *p, const struct nc_tok *s, const struct nc_template *t)
{
	struct nc_buf pat;
	char msg[400];
	nc_buf_init(&pat, 0);
	for (size_t k = 0; k < t->nparts; k++) {
		if (t->parts[k].is_var)
			nc_buf_adds(&pat, "x");
		else
			nc_buf_add(&pat, t->parts[k].bytes, t->parts[k].len);
	}
	enum nc_diag_code code = nc_regex_cost_check(nc_buf_str(&pat), msg, sizeof(msg));
	if (code != NC_DIAG_NONE) {
		nc_buf_free(&pat);
		return perr(p, code, s->col, "%s", msg);
	}
	regex_t re;
	int rc = regcomp(&re, nc_buf_str(&pat), REG_EXTENDED | REG_NOSUB);
	nc_buf_free(&pat);
	if (rc != 0) {
		regerror(rc, &re, msg, sizeof(msg));
		return perr(p, NC_DIAG_SYNTAX, s->col, "invalid regular expression: %s", msg);
	}
	regfree(&re);
	return 0;
}

NC_WORDS(match_table, NC_WORD("line", NC_OUT_LINE), NC_WORD("contains", NC_OUT_CONTAINS),
	 NC_WORD("regex", NC_OUT_REGEX), NC_WORD("lacks", NC_OUT_LACKS));

/* stdout and stderr: line, contains, regex or lacks, and a quoted text. */
static int opt_output(struct parser *p, const struct nc_tok *kw)
{
	struct nc_role *role = p->role;
	const struct nc_kw *row = expect_word_of(p, next(p), "", &match_table, "");
	struct nc_outcheck oc;
	if (!row)
		return -1;
	memset(&oc, 0, sizeof(oc));
	oc.stream = word_eq(kw, "stdout") ? 1 : 2;
	oc.pos = (struct nc_pos){ p->lx.line, kw->col };
	oc.kind = (enum nc_outmatch_kind)row->id;
	const struct nc_tok *s = next(p);
	if (!s || s->kind != NC_TOK_STRING)
		return expected(p, s, "a quoted text");
	if (parse_string_tpl(p, s, &oc.text) < 0)
		return -1;
	if (oc.kind == NC_OUT_LACKS && oc.text.nparts == 0) {
		tpl_free(&oc.text);
		return perr(p, NC_DIAG_VALUE, s->col, "the text after 'lacks' cannot be empty: "
			    "every output contains the empty text");
	}
	if ((oc.kind == NC_OUT_LINE &&
	     tpl_refuse_byte(p, s, &oc.text, '\n', "an expected line") < 0) ||
	    (oc.kind == NC_OUT_REGEX &&
	     (tpl_refuse_byte(p, s, &oc.text, '\0', "a regular expression") < 0 ||
	      check_regex(p, s, &oc.text) < 0))) {
		tpl_free(&oc.text);
		return -1;
	}
	role->out = nc_grow(role->out, role->nout, sizeof(*role->out));
	role->out[role->nout++] = oc;
	return 0;
}

static int opt_server_port(struct parser *p, const struct nc_tok *kw)
{
	if (p->rid != NC_ROLE_SERVER)
		return perr(p, NC_DIAG_MISPLACED, kw->col, "'port' applies to a server program (the "
			    "client program finds the server at ${server.port})");
	return opt_port(p, kw);
}

static const struct nc_kw option_rows[] = {
	{ .name = "cwd", .flags = NC_KW_ONCE, .parse = opt_cwd },
	{ .name = "env", .parse = opt_env },
	{ .name = "stdin", .flags = NC_KW_ONCE, .parse = opt_stdin },
	{ .name = "deadline", .flags = NC_KW_ONCE, .parse = opt_deadline },
	{ .name = "port", .flags = NC_KW_ONCE, .parse = opt_server_port },
	{ .name = "ready", .flags = NC_KW_ONCE, .parse = opt_ready },
	{ .name = "exit", .flags = NC_KW_ONCE, .parse = opt_exit },
	{ .name = "stop", .flags = NC_KW_ONCE, .parse = opt_stop },
	{ .name = "stdout", .parse = opt_output },
	{ .name = "stderr", .parse = opt_output },
};
NC_KW_ROWS_FIT(option_rows);
const struct nc_kw_table nc_option_table = NC_KW_TABLE(option_rows);

/* A word that is not an option, in a program's section. */
static int unknown_option(struct parser *p, const struct nc_tok *kw)
{
	char nb[NC_NEAR_LEN], list[300];
	const struct nc_kw *step = nc_kw_find(&nc_step_table, kw);
	if (step)
		return perr(p, NC_DIAG_MISPLACED, kw->col, "a program role takes options, not "
			    "steps: '%s' is not an option (%s)", step->name,
			    nc_kw_list(&nc_option_table, ", ", list, sizeof(list)));
	if (nc_kw_find(&nc_header_table, kw))
		return perr(p, NC_DIAG_MISPLACED, kw->col, "header line '%.*s' must come before "
			    "the first section", (int)kw->len, kw->p);
	const struct nc_kw_table *tb = &nc_option_table;
	return perr_unknown(p, kw->col, "unknown program option", quoted(kw, nb, sizeof(nb)),
			    nc_kw_suggest(&tb, 1, kw), "expected %s",
			    nc_kw_list(tb, " or ", list, sizeof(list)));
}

int parse_exec_option(struct parser *p)
{
	const struct nc_tok *kw = next(p);
	const struct nc_kw *row = nc_kw_find(&nc_option_table, kw);
	if (!row)
		return unknown_option(p, kw);
	snprintf(p->ctx, sizeof(p->ctx), "option '%s' of the %s program at %u:%u", row->name,
		 nc_role_name(p->rid), p->lx.line, kw->col);
	if (nc_kw_once(p, &nc_option_table, row, kw, &p->option_seen[p->rid]) < 0 ||
	    row->parse(p, kw) < 0)
		return -1;
	return expect_eol(p);
}
