/* names.c: symbolic names for errno values, socket options, flags, signals. */
#include "scenario/names.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

struct errno_name {
	const char *name;
	int value;
};

static const struct errno_name errno_names[] = {
#include "scenario/errno_table.h"
};

int nc_errno_value(const char *name)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (strcmp(errno_names[i].name, name) == 0)
			return errno_names[i].value;
	return -1;
}

const char *nc_errno_name(int value)
{
	/* EAGAIN and EWOULDBLOCK share a value; EAGAIN comes first, which is
	 * the name the kernel documentation uses. */
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].value == value)
			return errno_names[i].name;
	return "E?";
}

struct opt_name {
	const char *name;
	int level;
	int opt;
	enum nc_optval_kind vkind;
};

static const struct opt_name opt_names[] = {
	{ "SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, NC_OPTVAL_DURATION },
	{ "SO_SNDTIMEO", SOL_SOCKET, SO_SNDTIMEO, NC_OPTVAL_DURATION },
	{ "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, NC_OPTVAL_INT },
	{ "SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT, NC_OPTVAL_INT },
	{ "SO_LINGER", SOL_SOCKET, SO_LINGER, NC_OPTVAL_LINGER },
	{ "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, NC_OPTVAL_INT },
	{ "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, NC_OPTVAL_INT },
	{ "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, NC_OPTVAL_INT },
	{ "SO_OOBINLINE", SOL_SOCKET, SO_OOBINLINE, NC_OPTVAL_INT },
	{ "SO_RCVLOWAT", SOL_SOCKET, SO_RCVLOWAT, NC_OPTVAL_INT },
	{ "IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY, NC_OPTVAL_INT },
	{ "IPV6_UNICAST_HOPS", IPPROTO_IPV6, IPV6_UNICAST_HOPS, NC_OPTVAL_INT },
	{ "IP_TTL", IPPROTO_IP, IP_TTL, NC_OPTVAL_INT },
	{ "IP_TOS", IPPROTO_IP, IP_TOS, NC_OPTVAL_INT },
	{ "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, NC_OPTVAL_INT },
	{ "TCP_CORK", IPPROTO_TCP, TCP_CORK, NC_OPTVAL_INT },
	{ "TCP_MAXSEG", IPPROTO_TCP, TCP_MAXSEG, NC_OPTVAL_INT },
	{ "TCP_QUICKACK", IPPROTO_TCP, TCP_QUICKACK, NC_OPTVAL_INT },
};

bool nc_sockopt_lookup(const char *name, struct nc_sockopt *opt)
{
	for (size_t i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++) {
		if (strcmp(opt_names[i].name, name) == 0) {
			opt->level = opt_names[i].level;
			opt->name = opt_names[i].opt;
			opt->label = opt_names[i].name;
			opt->vkind = opt_names[i].vkind;
			return true;
		}
	}
	return false;
}

const char *nc_sockopt_known(void)
{
	return "SO_RCVTIMEO, SO_SNDTIMEO, SO_REUSEADDR, SO_REUSEPORT, SO_LINGER, "
	       "SO_RCVBUF, SO_SNDBUF, SO_KEEPALIVE, SO_OOBINLINE, SO_RCVLOWAT, "
	       "IPV6_V6ONLY, IPV6_UNICAST_HOPS, IP_TTL, IP_TOS, TCP_NODELAY, TCP_CORK, "
	       "TCP_MAXSEG, TCP_QUICKACK";
}

static const struct { const char *name; int value; } flags[] = {
	{ "MSG_DONTWAIT", MSG_DONTWAIT }, { "MSG_PEEK", MSG_PEEK },
	{ "MSG_WAITALL", MSG_WAITALL },   { "MSG_TRUNC", MSG_TRUNC },
	{ "MSG_MORE", MSG_MORE },         { "MSG_OOB", MSG_OOB },
	{ "MSG_NOSIGNAL", MSG_NOSIGNAL }, { "MSG_CONFIRM", MSG_CONFIRM },
};

int nc_msgflag_value(const char *name)
{
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(flags[i].name, name) == 0)
			return flags[i].value;
	return 0;
}

static const struct { const char *name; int sig; } sig_names[] = {
	{ "SIGHUP", SIGHUP },   { "SIGINT", SIGINT },   { "SIGQUIT", SIGQUIT },
	{ "SIGILL", SIGILL },   { "SIGTRAP", SIGTRAP }, { "SIGABRT", SIGABRT },
	{ "SIGBUS", SIGBUS },   { "SIGFPE", SIGFPE },   { "SIGKILL", SIGKILL },
	{ "SIGUSR1", SIGUSR1 }, { "SIGSEGV", SIGSEGV }, { "SIGUSR2", SIGUSR2 },
	{ "SIGPIPE", SIGPIPE }, { "SIGALRM", SIGALRM }, { "SIGTERM", SIGTERM },
	{ "SIGCHLD", SIGCHLD }, { "SIGCONT", SIGCONT }, { "SIGSTOP", SIGSTOP },
	{ "SIGXCPU", SIGXCPU }, { "SIGXFSZ", SIGXFSZ }, { "SIGSYS", SIGSYS },
};

int nc_signal_value(const char *name)
{
	for (size_t i = 0; i < sizeof(sig_names) / sizeof(sig_names[0]); i++) {
		if (strcmp(sig_names[i].name, name) == 0 ||
		    strcmp(sig_names[i].name + 3, name) == 0)
			return sig_names[i].sig;
	}
	return -1;
}

const char *nc_signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(sig_names) / sizeof(sig_names[0]); i++)
		if (sig_names[i].sig == sig)
			return sig_names[i].name;
	return "SIG?";
}

/* ------------------------------------------------------------------------ */
/* Suggestions */

#define SUGGEST_MAX_LEN 64

/* The optimal string alignment distance (Levenshtein plus swaps of two
 * neighbouring letters), ignoring case, between two short names. */
static size_t name_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	/* Three rows suffice: the swap looks two rows back. */
	size_t rows[3][SUGGEST_MAX_LEN + 1];
	size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			size_t cost = ca != cb;
			size_t v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
		}
		size_t *t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

/* Keeps the closest candidate seen so far in *best. */
static void consider(const char *name, const char *cand, const char **best, size_t *bestd)
{
	if (strlen(cand) > SUGGEST_MAX_LEN)
		return;
	size_t d = name_distance(name, cand);
	if (d < *bestd) {
		*bestd = d;
		*best = cand;
	}
}

/* A suggestion is made only when the distance is small against the length
 * of the name, so "EFOO" does not turn into "EIO". */
static const char *accept_best(const char *name, const char *best, size_t bestd)
{
	size_t len = strlen(name);
	size_t limit = len <= 3 ? 0 : len <= 5 ? 1 : 2;
	return best && bestd <= limit ? best : NULL;
}

const char *nc_suggest(const char *name, const char *const *known, size_t n)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	if (strlen(name) > SUGGEST_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < n; i++)
		consider(name, known[i], &best, &bestd);
	return accept_best(name, best, bestd);
}

const char *nc_errno_suggest(const char *name)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	if (strlen(name) > SUGGEST_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		consider(name, errno_names[i].name, &best, &bestd);
	return accept_best(name, best, bestd);
}

const char *nc_sockopt_suggest(const char *name)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	if (strlen(name) > SUGGEST_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < sizeof(opt_names) / sizeof(opt_names[0]); i++)
		consider(name, opt_names[i].name, &best, &bestd);
	return accept_best(name, best, bestd);
}

const char *nc_msgflag_suggest(const char *name)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	/* Names people carry over from open(2) and other systems. */
	if (strcmp(name, "MSG_NONBLOCK") == 0 || strcmp(name, "MSG_NOWAIT") == 0 ||
	    strcmp(name, "O_NONBLOCK") == 0)
		return "MSG_DONTWAIT";
	if (strlen(name) > SUGGEST_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		consider(name, flags[i].name, &best, &bestd);
	return accept_best(name, best, bestd);
}

const char *nc_signal_suggest(const char *name)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	if (strlen(name) > SUGGEST_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < sizeof(sig_names) / sizeof(sig_names[0]); i++) {
		consider(name, sig_names[i].name, &best, &bestd);
		consider(name, sig_names[i].name + 3, &best, &bestd);
	}
	return accept_best(name, best, bestd);
}
