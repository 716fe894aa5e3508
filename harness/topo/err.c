/* err.c: error messages of the topology and impairment modules (err.h). */
#include "topo/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void nc_topo_err_set(struct nc_topo_err *e, int errnum, const char *fmt, ...)
{
	if (!e)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->errnum = errnum;
	if (errnum && n >= 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - (size_t)n, ": %s", strerror(errnum));
}

void nc_topo_err_prefix(struct nc_topo_err *e, const char *fmt, ...)
{
	if (!e)
		return;
	char head[sizeof(e->msg)];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* Built by hand: snprintf into a buffer of the same size would be
	 * flagged as possible truncation, and a cut message is fine here. */
	char whole[sizeof(e->msg)];
	size_t h = strlen(head), m = strlen(e->msg), cap = sizeof(whole) - 1;
	size_t at = h < cap ? h : cap;
	memcpy(whole, head, at);
	if (at + 2 <= cap) {
		memcpy(whole + at, ": ", 2);
		at += 2;
	}
	size_t rest = m < cap - at ? m : cap - at;
	memcpy(whole + at, e->msg, rest);
	whole[at + rest] = '\0';
	memcpy(e->msg, whole, sizeof(e->msg));
}
