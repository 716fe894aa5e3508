/* parse_endpoint.c: where a step or a packet points: a role, a port
 * nothing uses, or an address (loopback, any, or a literal; host names are
 * never resolved, so a scenario cannot reach outside the machine by
 * accident).
 */
#include "scenario/parse_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Explains why a host that inet_pton refused is not an address. */
static int bad_host(struct parser *p, const struct nc_tok *t, const char *host, bool bracketed)
{
	char nb[NC_NEAR_LEN];
	bool v4ish = host[0] != 0, v6ish = bracketed || strchr(host, ':') != NULL;
	for (const char *c = host; *c && v4ish; c++)
		v4ish = isdigit((unsigned char)*c) || *c == '.';
	const char *q = quoted(t, nb, sizeof(nb));
	if (bracketed && v4ish)
		return perr(p, NC_DIAG_SYNTAX, t->col, "an IPv4 address takes no brackets: %s "
			    "(write %s:PORT)", q, host);
	if (v6ish)
		return perr(p, NC_DIAG_SYNTAX, t->col, "invalid IPv6 address '%s' in %s", host, q);
	if (v4ish)
		return perr(p, NC_DIAG_SYNTAX, t->col, "invalid IPv4 address '%s' in %s (four "
			    "numbers 0..255 separated by dots)", host, q);
	if (host[0] == 0)
		return perr(p, NC_DIAG_SYNTAX, t->col, "missing host before ':' in %s (like "
			    "loopback:PORT)", q);
	if (strcmp(host, "localhost") == 0)
		return perr(p, NC_DIAG_UNKNOWN_WORD, t->col, "unknown host 'localhost' in %s: did "
			    "you mean 'loopback'? (host names are not resolved)", q);
	return perr(p, NC_DIAG_UNKNOWN_WORD, t->col, "unknown host '%s' in %s (expected "
		    "loopback, any, an IPv4 address or a bracketed IPv6 address like [::1]; host "
		    "names are not resolved)", host, q);
}

/* The port after "HOST:", at column col. */
static int parse_port(struct parser *p, const struct nc_tok *t, const char *port, uint32_t col,
		      struct nc_endpoint *ep)
{
	char nb[NC_NEAR_LEN];
	size_t len = strlen(port), i = 0;
	unsigned long v = 0;
	if (len == 0)
		return perr(p, NC_DIAG_SYNTAX, col, "missing port number after ':' in %s",
			    quoted(t, nb, sizeof(nb)));
	for (; i < len && isdigit((unsigned char)port[i]); i++)
		if (v <= 65535)
			v = v * 10 + (unsigned long)(port[i] - '0');
	if (i < len)
		return perr(p, NC_DIAG_SYNTAX, col, "expected a port number %s",
			    near(t, nb, sizeof(nb)));
	if (v > 65535)
		return perr(p, NC_DIAG_RANGE, col, "port %.20s%s is out of range (0..65535) in %s",
			    port, len > 20 ? "..." : "", quoted(t, nb, sizeof(nb)));
	ep->port = (int)v;
	return 0;
}

/* Sets the host of ep from its text (brackets already removed). */
static int parse_host(struct parser *p, const struct nc_tok *t, const char *host, bool bracketed,
		      struct nc_endpoint *ep)
{
	if (!bracketed && strcmp(host, "loopback") == 0) {
		ep->host = NC_HOST_LOOPBACK;
	} else if (!bracketed && strcmp(host, "any") == 0) {
		ep->host = NC_HOST_ANY;
	} else {
		ep->host = NC_HOST_LITERAL;
		if (!bracketed && inet_pton(AF_INET, host, ep->lit_addr) == 1)
			ep->lit_family = AF_INET;
		else if (inet_pton(AF_INET6, host, ep->lit_addr) == 1)
			ep->lit_family = AF_INET6;
		else
			return bad_host(p, t, host, bracketed);
	}
	return 0;
}

/* A bare IPv6 literal (two or more colons) has no port; so has a word
 * without a colon. */
int parse_addr_word(struct parser *p, const struct nc_tok *t, struct nc_endpoint *ep,
		    bool port_required)
{
	char w[128], nb[NC_NEAR_LEN];
	if (!word_buf(t, w, sizeof(w)))
		return expected(p, t, "an address (loopback:PORT, any:PORT, 127.0.0.1:PORT or "
				"[::1]:PORT)");
	ep->kind = NC_EP_ADDR;
	ep->port = -1;
	ep->pos = (struct nc_pos){ p->lx.line, t->col };
	char *host = w, *port = NULL;
	bool bracketed = w[0] == '[';
	if (bracketed) {
		char *close = strchr(w, ']');
		if (!close)
			return perr(p, NC_DIAG_SYNTAX, t->col, "missing ']' after the IPv6 address "
				    "in %s (write [ADDRESS]:PORT)", quoted(t, nb, sizeof(nb)));
		*close = 0;
		host = w + 1;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return perr(p, NC_DIAG_SYNTAX, t->col + (uint32_t)(close + 1 - w),
				    "expected ':PORT' after ']' in %s", quoted(t, nb, sizeof(nb)));
	} else {
		char *colon = strchr(w, ':');
		if (colon && strchr(colon + 1, ':') == NULL) {
			*colon = 0;
			port = colon + 1;
		}
	}
	if (parse_host(p, t, host, bracketed, ep) < 0)
		return -1;
	if (port)
		return parse_port(p, t, port, t->col + (uint32_t)(port - w), ep);
	if (port_required)
		ep->port = 0;
	return 0;
}

NC_WORDS(target_table, NC_WORD("server", NC_EP_SERVER), NC_WORD("client", NC_EP_CLIENT),
	 NC_WORD("unused", NC_EP_UNUSED));

int parse_target(struct parser *p, const struct nc_tok *t, struct nc_endpoint *ep,
		 bool allow_unused)
{
	memset(ep, 0, sizeof(*ep));
	if (!t || t->kind != NC_TOK_WORD)
		return expected_one_of(p, t, "a target (", &target_table, ", ",
				       " or an address)");
	ep->pos = (struct nc_pos){ p->lx.line, t->col };
	const struct nc_kw *row = nc_kw_find(&target_table, t);
	if (!row)
		return parse_addr_word(p, t, ep, false);
	if (row->id == NC_EP_UNUSED && !allow_unused)
		return perr(p, NC_DIAG_MISPLACED, t->col, "nothing can come from 'unused', a port "
			    "nothing uses (expected client, server or an address)");
	ep->kind = (enum nc_ep_kind)row->id;
	return 0;
}
