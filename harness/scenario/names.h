/* names.h: the symbolic names a scenario may use: errno values, socket
 * options, message flags and signals. */
#ifndef NC_SCENARIO_NAMES_H
#define NC_SCENARIO_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario/scenario.h"

/* Returns the errno value for "ECONNREFUSED", or -1 when unknown. */
int nc_errno_value(const char *name);
/* Returns "ECONNREFUSED" for its value, or "E?" when unknown (static). */
const char *nc_errno_name(int value);

/* Fills opt's level, name, label and value kind for "SO_RCVTIMEO"; returns
 * false when the option is unknown. */
bool nc_sockopt_lookup(const char *name, struct nc_sockopt *opt);
/* A comma-separated list of the known options, for error messages. */
const char *nc_sockopt_known(void);

/* Returns the MSG_* value for "MSG_DONTWAIT", or 0 when unknown. */
int nc_msgflag_value(const char *name);

/* Returns the signal number for "SIGTERM" or "TERM", or -1. */
int nc_signal_value(const char *name);
/* Returns "SIGTERM" (static), or "SIG?" when unknown. */
const char *nc_signal_name(int sig);

/* Typo suggestions for error messages. Each returns the known name that
 * `name` most likely misspells (a case difference, or one or two letters
 * wrong, missing, extra or swapped), or NULL when none is close. The result
 * is static. */
const char *nc_suggest(const char *name, const char *const *known, size_t n);
const char *nc_errno_suggest(const char *name);
const char *nc_sockopt_suggest(const char *name);
const char *nc_msgflag_suggest(const char *name);
const char *nc_signal_suggest(const char *name);

#endif
