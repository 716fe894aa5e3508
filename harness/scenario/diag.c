/* diag.c: building and formatting diagnostics. */
#include "scenario/diag.h"

#include <stdio.h>
#include <string.h>

int nc_diag_vset(struct nc_diag *d, enum nc_diag_code code, const char *path, uint32_t line,
		 uint32_t col, const char *context, const char *fmt, va_list ap)
{
	memset(d, 0, sizeof(*d));
	d->code = code;
	snprintf(d->path, sizeof(d->path), "%s", path ? path : "");
	d->line = line;
	d->col = col;
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	snprintf(d->context, sizeof(d->context), "%s", context ? context : "");
	return -1;
}

int nc_diag_set(struct nc_diag *d, enum nc_diag_code code, const char *path, uint32_t line,
		uint32_t col, const char *context, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	nc_diag_vset(d, code, path, line, col, context, fmt, ap);
	va_end(ap);
	return -1;
}

const char *nc_diag_format(const struct nc_diag *d, char *buf, size_t n)
{
	if (d->context[0])
		snprintf(buf, n, "%s:%u:%u: %s (while parsing %s)", d->path, d->line, d->col,
			 d->msg, d->context);
	else if (d->line)
		snprintf(buf, n, "%s:%u:%u: %s", d->path, d->line, d->col, d->msg);
	else
		snprintf(buf, n, "%s: %s", d->path, d->msg);
	return buf;
}

const char *nc_diag_code_name(enum nc_diag_code c)
{
	switch (c) {
	case NC_DIAG_NONE: return "none";
	case NC_DIAG_FILE: return "file";
	case NC_DIAG_INVALID_TEXT: return "invalid-text";
	case NC_DIAG_SYNTAX: return "syntax";
	case NC_DIAG_UNKNOWN_WORD: return "unknown-word";
	case NC_DIAG_DUPLICATE: return "duplicate";
	case NC_DIAG_RANGE: return "range";
	case NC_DIAG_VALUE: return "value";
	case NC_DIAG_LIMIT: return "limit";
	case NC_DIAG_MISPLACED: return "misplaced";
	case NC_DIAG_VALIDATION: return "validation";
	}
	return "?";
}
