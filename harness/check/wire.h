/* wire.h: the checks on captured traffic (see wire.c for what they judge). */
#ifndef NC_CHECK_WIRE_H
#define NC_CHECK_WIRE_H

#include "check/observe.h"
#include "check/wirelog.h"
#include "result/result.h"

/* The checks every variant gets once its traffic was captured. The log
 * must be finished (nc_wirelog_finish). */
void nc_check_wire_auto(const struct nc_observed *o, struct nc_wirelog *w, struct nc_result *r);

/* The scenario's wire section, matched in order. */
void nc_check_wire_section(const struct nc_observed *o, const struct nc_wirelog *w,
			   struct nc_result *r);

#endif
