/* payload.h: producing a payload's bytes at run time.
 *
 * Payloads that name variables can only be produced once the variables have
 * values (the server's port is known after it binds), and generated payloads
 * can be far larger than memory, so bytes are produced through a generator
 * that streams them in order or serves any offset.
 */
#ifndef NC_SCENARIO_PAYLOAD_H
#define NC_SCENARIO_PAYLOAD_H

#include <stdint.h>

#include "scenario/scenario.h"
#include "util/buf.h"

/* Variable values as text; NULL means "not known in this role yet". */
struct nc_varctx {
	const char *val[NC_VAR_COUNT];
};

/* Expands t into out. Returns 0, or -1 with *missing set to the first
 * variable that has no value. */
int nc_template_expand(const struct nc_template *t, const struct nc_varctx *v,
		       struct nc_buf *out, enum nc_var *missing);

struct nc_payload_gen {
	const struct nc_payload *pl;  /* borrowed */
	uint64_t len;                 /* total bytes */
	uint64_t off;                 /* next byte for nc_payload_read */
	const uint8_t *data;          /* TEXT, HEX, FILE: the bytes, borrowed from
					 the payload when it has no variables
					 (a fixture is never copied), else bytes */
	struct nc_buf bytes;          /* a template expanded with its variables */
};

/* Prepares a generator. Returns 0, or -1 with *missing set. */
int nc_payload_open(struct nc_payload_gen *g, const struct nc_payload *pl,
		    const struct nc_varctx *v, enum nc_var *missing);
/* Copies up to n next bytes into dst; returns the count (0 at the end). */
size_t nc_payload_read(struct nc_payload_gen *g, void *dst, size_t n);
/* Copies n bytes starting at off (which must lie inside the payload). */
void nc_payload_at(const struct nc_payload_gen *g, uint64_t off, void *dst, size_t n);
void nc_payload_close(struct nc_payload_gen *g);

/* A short human description: "\"hello\"", "random 1048576 bytes seed 7". */
void nc_payload_describe(const struct nc_payload *pl, struct nc_buf *out);

#endif
