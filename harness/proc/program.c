/* program.c: program roles and exec'd built-in roles (see program.h). */
#include "proc/program.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/wiring.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/shellwords.h"
#include "util/termsafe.h"
#include "util/text.h"

#define MAX_ARGS 256

/* Where the peers built with netconform are, relative to the netconform
 * binary: installed (bin/ -> libexec/netconform/peers, from the install
 * layout at configure time) and in the build tree (harness/ ->
 * fixtures/peers). No absolute build path is compiled in. */
#ifndef NC_PEERS_INSTALLED
#define NC_PEERS_INSTALLED "../libexec/netconform/peers"
#endif
#define NC_PEERS_BUILT "../fixtures/peers"

extern char **environ;

static void die_errno(int err_fd, int e) __attribute__((noreturn));

static void die_errno(int err_fd, int e)
{
	ssize_t w = write(err_fd, &e, sizeof(e));
	(void)w;
	_exit(127);
}

/* Adds NAME=VALUE entries (expanded) to the environment. */
static void apply_env(const struct nc_envvar *env, size_t n, const struct nc_varctx *vars)
{
	for (size_t i = 0; i < n; i++) {
		struct nc_buf v;
		nc_buf_init(&v, 0);
		nc_template_expand(&env[i].value, vars, &v, NULL);
		setenv(env[i].name, nc_buf_str(&v), 1);
		nc_buf_free(&v);
	}
}

/* Finds a program: a name with a slash is a path (relative ones are looked
 * up from the scenario's directory upwards, like payload files); a bare name
 * is looked up in --exec-path, then in the directory of the programs built
 * with netconform, then in PATH. */
static char *find_program(const struct nc_scenario *sc, const char *name,
			  const struct nc_run_opts *o)
{
	if (strchr(name, '/')) {
		char *dir = nc_path_dirname(sc->path);
		char *path = nc_path_find_up(dir, name, true);
		free(dir);
		return path ? path : nc_strdup(name);
	}
	/* An installed netconform, and one in its build tree, find the peers
	 * relative to themselves. */
	char installed[4096] = "", built[4096] = "";
	if (o->self_exe) {
		char *dir = nc_path_dirname(o->self_exe);
		snprintf(installed, sizeof(installed), "%s/" NC_PEERS_INSTALLED, dir);
		snprintf(built, sizeof(built), "%s/" NC_PEERS_BUILT, dir);
		free(dir);
	}
	const char *lists[3] = { o->exec_path, installed, built };
	for (int l = 0; l < 3; l++) {
		if (!lists[l] || !*lists[l])
			continue;
		char *copy = nc_strdup(lists[l]);
		char *save = NULL;
		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			char *cand = nc_path_join(d, name);
			if (access(cand, X_OK) == 0) {
				free(copy);
				return cand;
			}
			free(cand);
		}
		free(copy);
	}
	return NULL; /* execvp searches PATH */
}

bool nc_program_available(const struct nc_scenario *sc, const char *name,
			  const struct nc_run_opts *o)
{
	char *path = find_program(sc, name, o);
	if (path) {
		bool ok = access(path, X_OK) == 0;
		free(path);
		return ok;
	}
	/* What execvp would find: each directory of PATH. */
	const char *env = getenv("PATH");
	char *copy = nc_strdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *cand = nc_path_join(*d ? d : ".", name);
		found = access(cand, X_OK) == 0;
		free(cand);
	}
	free(copy);
	return found;
}

void nc_program_exec(const struct nc_scenario *sc, const struct nc_role *role,
		     const struct nc_varctx *vars, const struct nc_run_opts *o, int err_fd)
{
	char *argv[MAX_ARGS + 1];
	size_t argc = role->argc < MAX_ARGS ? role->argc : MAX_ARGS;
	for (size_t i = 0; i < argc; i++) {
		struct nc_buf a;
		nc_buf_init(&a, 0);
		enum nc_var miss;
		if (nc_template_expand(&role->argv[i], vars, &a, &miss) < 0) {
			fprintf(stderr, "netconform: variable ${%s} has no value for the program's "
				"arguments\n", nc_var_name(miss));
			die_errno(err_fd, EINVAL);
		}
		argv[i] = nc_buf_steal(&a);
	}
	argv[argc] = NULL;
	apply_env(sc->env, sc->nenv, vars);
	apply_env(role->env, role->nenv, vars);
	/* The program is found from where netconform was started (relative
	 * --exec-path entries, a path next to the scenario), then runs in its
	 * scenario's folder unless `cwd` says otherwise, so that relative
	 * arguments mean the same from wherever netconform is run. */
	char *path = find_program(sc, argv[0], o);
	if (path && path[0] != '/') {
		char *abs = realpath(path, NULL);
		if (abs) {
			free(path);
			path = abs;
		}
	}
	char *dir = role->cwd ? NULL : nc_path_dirname(sc->path);
	if (chdir(role->cwd ? role->cwd : dir) < 0)
		die_errno(err_fd, errno);
	free(dir);
	if (path)
		execv(path, argv);
	else
		execvp(argv[0], argv);
	die_errno(err_fd, errno);
}

bool nc_program_role_needs_exec(const struct nc_scenario *sc, const struct nc_run_opts *o)
{
	return (o->wrap && *o->wrap) || sc->nenv > 0;
}

/* The variables a --wrap command may use. */
struct wrap_vars {
	const struct nc_role_ctx *ctx;
	const char *variant;      /* file-safe: '/' as '-' */
};

static const char *wrap_lookup(void *p, const char *name)
{
	const struct wrap_vars *w = p;
	if (!strcmp(name, "scenario"))
		return w->ctx->sc->name;
	if (!strcmp(name, "variant"))
		return w->variant;
	if (!strcmp(name, "role"))
		return nc_role_name(w->ctx->role);
	if (!strcmp(name, "family"))
		return nc_family_name(w->ctx->family);
	return NULL;
}

int nc_program_wrap_check(const char *wrap, char *err, size_t errlen)
{
	struct nc_scenario sc = { .name = "x" };
	struct nc_role_ctx ctx = { .sc = &sc };
	struct wrap_vars w = { .ctx = &ctx, .variant = "x" };
	char **argv;
	size_t argc;
	if (nc_shell_split(wrap, wrap_lookup, &w, &argv, &argc, err, errlen) < 0)
		return -1;
	nc_shell_free(argv);
	return 0;
}

void nc_program_exec_role(const struct nc_role_ctx *ctx, const char *variant,
			  const struct nc_run_opts *o, int err_fd)
{
	char *argv[MAX_ARGS + 32];
	size_t n = 0;
	if (o->wrap && *o->wrap) {
		char *safe = nc_strdup(variant);
		for (char *c = safe; *c; c++)
			if (*c == '/')
				*c = '-';
		struct wrap_vars w = { .ctx = ctx, .variant = safe };
		char **words, msg[160];
		size_t nw;
		if (nc_shell_split(o->wrap, wrap_lookup, &w, &words, &nw, msg, sizeof(msg)) < 0) {
			fprintf(stderr, "netconform: --wrap: %s\n", msg);
			die_errno(err_fd, EINVAL);
		}
		for (size_t i = 0; i < nw && n < MAX_ARGS; i++)
			argv[n++] = words[i]; /* the process execs or exits: never freed */
	}
	char num[10][48];
	char server[64] = "-";
	nc_addr_str(&ctx->server, server, sizeof(server));
	argv[n++] = (char *)(o->self_exe ? o->self_exe : "netconform");
	argv[n++] = "role";
	argv[n++] = (char *)ctx->sc->path;
	argv[n++] = (char *)nc_role_name(ctx->role);
	argv[n++] = (char *)nc_family_name(ctx->family);
	snprintf(num[0], sizeof(num[0]), "%lld", (long long)ctx->epoch_ns);
	snprintf(num[1], sizeof(num[1]), "%lld", (long long)ctx->deadline_ns);
	snprintf(num[2], sizeof(num[2]), "%.17g", ctx->timeout_scale);
	snprintf(num[3], sizeof(num[3]), "%u", ctx->unused_port);
	snprintf(num[4], sizeof(num[4]), "%u", ctx->ready_after);
	snprintf(num[5], sizeof(num[5]), "%d", ctx->no_wildcard ? 1 : 0);
	for (int i = 0; i < 6; i++)
		argv[n++] = num[i];
	argv[n++] = server;
	argv[n] = NULL;
	struct nc_varctx none;
	memset(&none, 0, sizeof(none));
	apply_env(ctx->sc->env, ctx->sc->nenv, &none);
	execvp(argv[0], argv);
	die_errno(err_fd, errno);
}

/* Parses "127.0.0.1:80" or "[::1]:80" back into an address. */
static int parse_addr(const char *s, struct nc_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!strcmp(s, "-"))
		return 0;
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	char *h = host;
	if (h[0] == '[') {
		h++;
		h[strlen(h) - 1] = 0;
	}
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	a->port = (uint16_t)atoi(colon + 1);
	if (inet_pton(AF_INET, h, a->ip) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, h, a->ip) == 1)
		a->family = AF_INET6;
	else
		return -1;
	return 0;
}

int nc_program_role_main(int argc, char **argv)
{
	/* netconform role FILE ROLE FAMILY EPOCH DEADLINE SCALE UNUSED READY NOWILD SERVER */
	if (argc != 12) {
		fprintf(stderr, "netconform role: internal command, run by the supervisor\n");
		return 2;
	}
	struct nc_diag d;
	struct nc_scenario *sc = nc_scenario_load(argv[2], argv[2], "", &d);
	if (!sc) {
		char msg[1400];
		nc_term_msg(stderr, "netconform role: %s", nc_diag_format(&d, msg, sizeof(msg)));
		return NC_EXIT_ROLE_HARNESS;
	}
	struct nc_role_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.sc = sc;
	ctx.role = !strcmp(argv[3], "client") ? NC_ROLE_CLIENT : NC_ROLE_SERVER;
	ctx.family = !strcmp(argv[4], "inet6") ? NC_FAM_INET6 : !strcmp(argv[4], "dual") ? NC_FAM_DUAL
											       : NC_FAM_INET;
	ctx.rec_fd = NC_FD_RECORDS;
	ctx.epoch_ns = atoll(argv[5]);
	ctx.deadline_ns = atoll(argv[6]);
	ctx.timeout_scale = atof(argv[7]);
	ctx.unused_port = (uint16_t)atoi(argv[8]);
	ctx.ready_after = (uint32_t)atoi(argv[9]);
	ctx.no_wildcard = atoi(argv[10]) != 0;
	if (parse_addr(argv[11], &ctx.server) < 0) {
		nc_term_msg(stderr, "netconform role: bad server address '%s'", argv[11]);
		nc_scenario_free(sc);
		return NC_EXIT_ROLE_HARNESS;
	}
	int rc = nc_role_run(&ctx);
	nc_scenario_free(sc);
	return rc;
}

/* /proc/net/{tcp,udp}{,6}: "sl local_address rem_address st ..." with the
 * local address as hex "ADDR:PORT" and st 0A meaning LISTEN. */
static bool table_has(const char *path, uint16_t port, bool listen_only)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return false;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		char local[128], remote[128];
		unsigned st;
		if (sscanf(line, "%*s %127s %127s %x", local, remote, &st) != 3)
			continue;
		char *colon = strrchr(local, ':');
		if (!colon)
			continue;
		unsigned p = (unsigned)strtoul(colon + 1, NULL, 16);
		if (p == port && (!listen_only || st == 0x0A))
			found = true;
	}
	fclose(f);
	return found;
}

bool nc_program_port_ready(uint16_t port, bool tcp)
{
	if (tcp)
		return table_has("/proc/net/tcp", port, true) || table_has("/proc/net/tcp6", port, true);
	return table_has("/proc/net/udp", port, false) || table_has("/proc/net/udp6", port, false);
}
