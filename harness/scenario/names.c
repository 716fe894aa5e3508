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

/* A name and its value; every table of names here has this shape. */
struct name_value {
	const char *name;
	int value;
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The value of name in tab, or dflt. With skip, a name also matches
 * without its first `skip` letters ("TERM" for "SIGTERM"). */
static int value_of(const struct name_value *tab, size_t n, const char *name, size_t skip,
		    int dflt)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0 || (skip && strcmp(tab[i].name + skip, name) == 0))
			return tab[i].value;
	return dflt;
}

/* The first name in tab with value, or dflt. */
static const char *name_of(const struct name_value *tab, size_t n, int value, const char *dflt)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i].value == value)
			return tab[i].name;
	return dflt;
}

static const struct name_value errno_names[] = {
#include "scenario/errno_table.h"
};

int nc_errno_value(const char *name)
{
	return value_of(errno_names, COUNT(errno_names), name, 0, -1);
}

/* EAGAIN and EWOULDBLOCK share a value; EAGAIN comes first, which is the
 * name the kernel documentation uses. */
const char *nc_errno_name(int value)
{
	return name_of(errno_names, COUNT(errno_names), value, "E?");
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
	for (size_t i = 0; i < COUNT(opt_names); i++) {
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

static const struct name_value flags[] = {
	{ "MSG_DONTWAIT", MSG_DONTWAIT }, { "MSG_PEEK", MSG_PEEK },
	{ "MSG_WAITALL", MSG_WAITALL },   { "MSG_TRUNC", MSG_TRUNC },
	{ "MSG_MORE", MSG_MORE },         { "MSG_OOB", MSG_OOB },
	{ "MSG_NOSIGNAL", MSG_NOSIGNAL }, { "MSG_CONFIRM", MSG_CONFIRM },
};

int nc_msgflag_value(const char *name)
{
	return value_of(flags, COUNT(flags), name, 0, 0);
}

static const struct name_value sig_names[] = {
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
	return value_of(sig_names, COUNT(sig_names), name, 3, -1);
}

const char *nc_signal_name(int sig)
{
	return name_of(sig_names, COUNT(sig_names), sig, "SIG?");
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

/* The closest of the n candidates that at(ctx, i) yields; see nc_suggest. */
static const char *suggest_among(const char *name, const char *(*at)(const void *ctx, size_t i),
				 const void *ctx, size_t n)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1;
	if (strlen(name) > SUGGEST_MAX_LEN)
		return NULL;
	for (size_t i = 0; i < n; i++)
		consider(name, at(ctx, i), &best, &bestd);
	return accept_best(name, best, bestd);
}

static const char *string_at(const void *ctx, size_t i)
{
	return ((const char *const *)ctx)[i];
}

/* ctx is a table of struct name_value. */
static const char *table_at(const void *ctx, size_t i)
{
	return ((const struct name_value *)ctx)[i].name;
}

/* ctx is the signal table; each signal comes twice: "SIGTERM", "TERM". */
static const char *signal_at(const void *ctx, size_t i)
{
	return ((const struct name_value *)ctx)[i / 2].name + (i % 2 ? 3 : 0);
}

static const char *sockopt_at(const void *ctx, size_t i)
{
	return ((const struct opt_name *)ctx)[i].name;
}

const char *nc_suggest(const char *name, const char *const *known, size_t n)
{
	return suggest_among(name, string_at, known, n);
}

const char *nc_errno_suggest(const char *name)
{
	return suggest_among(name, table_at, errno_names, COUNT(errno_names));
}

const char *nc_sockopt_suggest(const char *name)
{
	return suggest_among(name, sockopt_at, opt_names, COUNT(opt_names));
}

const char *nc_msgflag_suggest(const char *name)
{
	/* Names people carry over from open(2) and other systems. */
	if (strcmp(name, "MSG_NONBLOCK") == 0 || strcmp(name, "MSG_NOWAIT") == 0 ||
	    strcmp(name, "O_NONBLOCK") == 0)
		return "MSG_DONTWAIT";
	return suggest_among(name, table_at, flags, COUNT(flags));
}

const char *nc_signal_suggest(const char *name)
{
	return suggest_among(name, signal_at, sig_names, 2 * COUNT(sig_names));
}
