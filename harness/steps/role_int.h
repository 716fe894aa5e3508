/* role_int.h: the state of a built-in role while it runs, shared by the
 * files that make it up (not for use outside harness/steps/):
 *
 *   role.c     the step loop, sockets, addresses, sending, records
 *   receive.c  receive steps, expected silence, bytes left unread
 */
#ifndef NC_STEPS_ROLE_INT_H
#define NC_STEPS_ROLE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "steps/record.h"
#include "steps/role.h"
#include "steps/vars.h"

struct sock {
	int fd;                       /* -1 when closed */
	bool stream;
	bool connected;               /* local/peer known for the summary */
	bool rcvtimeo;                /* the scenario set SO_RCVTIMEO */
	struct nc_stream st;
};

struct role_state {
	const struct nc_role_ctx *ctx;
	const struct nc_role *r;
	int family;                   /* of the next implicit socket */
	int type;                     /* SOCK_DGRAM or SOCK_STREAM */
	struct sock main;
	struct sock conn;
	struct nc_addr observed;      /* server: the client as observed */
	bool have_observed;
	char val[NC_VAR_COUNT][NC_VAR_LEN];
	struct nc_varctx vars;
	struct nc_buf out;            /* record frames waiting to be written */
	bool harness_failed;
};

/* role.c */
/* ns since the variant's epoch. */
int64_t nc_role_now(const struct role_state *s);
/* getsockname() as an address; false when the socket has none. */
bool nc_role_sock_name(int fd, struct nc_addr *a);
/* getpeername() the same way. */
bool nc_role_peer_name(int fd, struct nc_addr *a);
/* The socket data steps use, created on first need; NULL (with the error
 * in f) when it cannot be created. */
struct sock *nc_role_need_socket(struct role_state *s, struct nc_fact *f);
/* Notes in f that the step could not run: variable v has no value. */
void nc_role_missing_var(struct nc_fact *f, enum nc_var v);

/* receive.c */
/* A recv or recvfrom step. */
void nc_role_recv(struct role_state *s, const struct nc_step *st, struct nc_fact *f);
/* A close step of socket k, before it closes: what it leaves unread, into
 * f, judged against '=> unread' in the role when that names bytes. */
void nc_role_close_unread(struct role_state *s, const struct nc_step *st, const struct sock *k,
			  struct nc_fact *f);
/* At the role's end: an UNREAD record for socket k, when it is a stream
 * still open with received bytes no step read. */
void nc_role_report_left_unread(struct role_state *s, const struct sock *k);

#endif
