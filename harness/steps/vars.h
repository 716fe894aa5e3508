/* vars.h: filling a variable context (${family}, ${server.port} ...).
 *
 * The roles, the supervisor (for a program's command line) and the checks
 * (for a program's output) each know the variables from where they stand,
 * but store them the same way: text in a caller-owned table, pointed to by
 * the context.
 */
#ifndef NC_STEPS_VARS_H
#define NC_STEPS_VARS_H

#include <stdint.h>

#include "scenario/payload.h"
#include "scenario/scenario.h"
#include "steps/record.h"


/* Clears v and sets what every role knows from the start: ${family},
 * ${scenario} and ${unused.port}. */
void nc_vars_base(struct nc_varctx *v, char store[][NC_VAR_LEN], enum nc_family fam,
		  const char *scenario, uint16_t unused_port);

/* Sets a host/port pair (${server.addr} and ${server.port}, say) from a,
 * and the pair's host:port form (${server.hostport}): "127.0.0.1:5000",
 * or "[::1]:5000" with the IPv6 address in brackets, as programs that take
 * one host:port argument want it. */
void nc_vars_addr(struct nc_varctx *v, char store[][NC_VAR_LEN], enum nc_var host,
		  enum nc_var port, const struct nc_addr *a);

#endif
