/* wire.h: the checks on captured traffic: the automatic ones (wire.c says
 * what they judge) and the scenario's wire section (wire_section.c and
 * wire_stream.c say how its lines match). */
#ifndef NC_CHECK_WIRE_H
#define NC_CHECK_WIRE_H

#include "check/observe.h"
#include "check/wirelog.h"
#include "result/result.h"

/* The checks every variant gets once its traffic was captured. The log
 * must be finished (nc_wirelog_finish). */
void nc_check_wire_auto(const struct nc_observed *o, struct nc_wirelog *w, struct nc_result *r);

/* The scenario's wire section, matched in order; the log must be finished. */
void nc_check_wire_section(const struct nc_observed *o, const struct nc_wirelog *w,
			   struct nc_result *r);

#endif
