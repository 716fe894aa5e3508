/* names.c: symbolic names for errno values, socket options, flags, signals. */
#include "scenario/names.h"

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

int nc_msgflag_value(const char *name)
{
	static const struct { const char *name; int value; } flags[] = {
		{ "MSG_DONTWAIT", MSG_DONTWAIT }, { "MSG_PEEK", MSG_PEEK },
		{ "MSG_WAITALL", MSG_WAITALL },   { "MSG_TRUNC", MSG_TRUNC },
		{ "MSG_MORE", MSG_MORE },         { "MSG_OOB", MSG_OOB },
		{ "MSG_NOSIGNAL", MSG_NOSIGNAL }, { "MSG_CONFIRM", MSG_CONFIRM },
	};
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
