/* vars.c: filling a variable context. */
#include "steps/vars.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void nc_vars_base(struct nc_varctx *v, char store[][NC_VAR_LEN], enum nc_family fam,
		  const char *scenario, uint16_t unused_port)
{
	memset(v, 0, sizeof(*v));
	snprintf(store[NC_VAR_FAMILY], NC_VAR_LEN, "%s", nc_family_name(fam));
	snprintf(store[NC_VAR_SCENARIO], NC_VAR_LEN, "%s", scenario);
	snprintf(store[NC_VAR_UNUSED_PORT], NC_VAR_LEN, "%u", unused_port);
	v->val[NC_VAR_FAMILY] = store[NC_VAR_FAMILY];
	v->val[NC_VAR_SCENARIO] = store[NC_VAR_SCENARIO];
	v->val[NC_VAR_UNUSED_PORT] = store[NC_VAR_UNUSED_PORT];
}

void nc_vars_addr(struct nc_varctx *v, char store[][NC_VAR_LEN], enum nc_var host,
		  enum nc_var port, const struct nc_addr *a)
{
	bool srv = host == NC_VAR_SERVER_ADDR;
	enum nc_var hp = srv ? NC_VAR_SERVER_HOSTPORT : NC_VAR_CLIENT_HOSTPORT;
	enum nc_var ver = srv ? NC_VAR_SERVER_IPVER : NC_VAR_CLIENT_IPVER;
	nc_addr_host(a, store[host], NC_VAR_LEN);
	snprintf(store[port], NC_VAR_LEN, "%u", a->port);
	nc_addr_str(a, store[hp], NC_VAR_LEN);
	snprintf(store[ver], NC_VAR_LEN, "%s", a->family == AF_INET6 ? "6" : "4");
	v->val[host] = store[host];
	v->val[port] = store[port];
	v->val[hp] = store[hp];
	v->val[ver] = store[ver];
}
