/* diag.h: the one constructor of a diagnostic (struct nc_diag, in
 * scenario.h), used by the lexer and every part of the parser. */
#ifndef NC_SCENARIO_DIAG_H
#define NC_SCENARIO_DIAG_H

#include <stdarg.h>
#include <stdint.h>

#include "scenario/scenario.h"

/* Clears *d and fills it: the code, the file, the position (line 0 for a
 * problem with the file as a whole), the context (NULL or "" for none) and
 * the message. Returns -1, so that an error path can end with
 * `return nc_diag_set(...)`. */
int nc_diag_set(struct nc_diag *d, enum nc_diag_code code, const char *path, uint32_t line,
		uint32_t col, const char *context, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
int nc_diag_vset(struct nc_diag *d, enum nc_diag_code code, const char *path, uint32_t line,
		 uint32_t col, const char *context, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));

#endif
