/* payload.c: payload bytes at run time. */
#include "scenario/payload.h"

#include <stdbool.h>
#include <endian.h>
#include <string.h>

#include "util/hexdump.h"

int nc_template_expand(const struct nc_template *t, const struct nc_varctx *v,
		       struct nc_buf *out, enum nc_var *missing)
{
	for (size_t i = 0; i < t->nparts; i++) {
		const struct nc_tpl_part *pt = &t->parts[i];
		if (!pt->is_var) {
			nc_buf_add(out, pt->bytes, pt->len);
			continue;
		}
		const char *val = v ? v->val[pt->var] : NULL;
		if (!val) {
			if (missing)
				*missing = pt->var;
			return -1;
		}
		nc_buf_adds(out, val);
	}
	return 0;
}

/* splitmix64 in counter mode: word i of the stream depends only on the seed
 * and i, so any offset of a generated payload can be produced directly. */
static uint64_t random_word(uint64_t seed, uint64_t i)
{
	uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

int nc_payload_open(struct nc_payload_gen *g, const struct nc_payload *pl,
		    const struct nc_varctx *v, enum nc_var *missing)
{
	memset(g, 0, sizeof(*g));
	g->pl = pl;
	nc_buf_init(&g->bytes, 0);
	switch (pl->kind) {
	case NC_PAYLOAD_TEXT:
	case NC_PAYLOAD_HEX:
	case NC_PAYLOAD_FILE:
		if (!pl->text.has_vars && pl->text.nparts <= 1) {
			g->data = pl->text.nparts ? pl->text.parts[0].bytes : NULL;
			g->len = pl->text.nparts ? pl->text.parts[0].len : 0;
			break;
		}
		if (nc_template_expand(&pl->text, v, &g->bytes, missing) < 0) {
			nc_buf_free(&g->bytes);
			return -1;
		}
		g->data = g->bytes.data;
		g->len = g->bytes.len;
		break;
	case NC_PAYLOAD_RANDOM:
		g->len = pl->count;
		break;
	case NC_PAYLOAD_REPEAT:
		g->len = pl->count * pl->pattern_len;
		break;
	}
	return 0;
}

void nc_payload_at(const struct nc_payload_gen *g, uint64_t off, void *dst, size_t n)
{
	uint8_t *d = dst;
	const struct nc_payload *pl = g->pl;
	/* An empty payload has no storage at all: even adding 0 to its NULL
	 * pointer is undefined. */
	if (n == 0)
		return;
	switch (pl->kind) {
	case NC_PAYLOAD_TEXT:
	case NC_PAYLOAD_HEX:
	case NC_PAYLOAD_FILE:
		memcpy(d, g->data + off, n);
		return;
	case NC_PAYLOAD_RANDOM: {
		/* Bytes before the next 8-byte boundary, then whole words, then the
		 * tail: bulk payloads are generated (and compared) a gigabyte at a
		 * time, so the middle loop stores a word at once. The byte order is
		 * little-endian whatever the host, so the bytes never depend on it. */
		uint64_t i = off / 8;
		size_t in = (size_t)(off % 8);
		if (in) {
			uint64_t w = random_word(pl->seed, i++);
			for (; in < 8 && n; in++, n--)
				*d++ = (uint8_t)(w >> (8 * in));
		}
		for (; n >= 8; n -= 8, d += 8) {
			uint64_t w = htole64(random_word(pl->seed, i++));
			memcpy(d, &w, 8);
		}
		if (n) {
			uint64_t w = random_word(pl->seed, i);
			for (size_t k = 0; k < n; k++)
				d[k] = (uint8_t)(w >> (8 * k));
		}
		return;
	}
	case NC_PAYLOAD_REPEAT:
		while (n) {
			size_t in = (size_t)(off % pl->pattern_len);
			size_t take = pl->pattern_len - in;
			if (take > n)
				take = n;
			memcpy(d, pl->pattern + in, take);
			d += take;
			off += take;
			n -= take;
		}
		return;
	}
}

size_t nc_payload_read(struct nc_payload_gen *g, void *dst, size_t n)
{
	uint64_t left = g->len - g->off;
	if (n > left)
		n = (size_t)left;
	nc_payload_at(g, g->off, dst, n);
	g->off += n;
	return n;
}

void nc_payload_close(struct nc_payload_gen *g)
{
	nc_buf_free(&g->bytes);
	memset(g, 0, sizeof(*g));
}

/* How many payload bytes a description shows. */
#define DESCRIBE_MAX 64

/* Appends bytes C-escaped, without quotes, the way nc_show_bytes shows
 * them, for text that is assembled from several parts. */
static void show_escaped(struct nc_buf *out, const uint8_t *p, size_t n)
{
	struct nc_buf tmp;
	nc_buf_init(&tmp, 0);
	nc_show_bytes(&tmp, p, n, n);
	/* Uncut, nc_show_bytes writes exactly a quote, the text, a quote. */
	nc_buf_add(out, tmp.data + 1, tmp.len - 2);
	nc_buf_free(&tmp);
}

void nc_payload_describe(const struct nc_payload *pl, struct nc_buf *out)
{
	switch (pl->kind) {
	case NC_PAYLOAD_TEXT:
	case NC_PAYLOAD_HEX: {
		if (!pl->text.has_vars) {
			const struct nc_tpl_part *pt = pl->text.nparts ? &pl->text.parts[0] : NULL;
			nc_show_bytes(out, pt ? pt->bytes : NULL, pt ? pt->len : 0, DESCRIBE_MAX);
			return;
		}
		/* Show the template as written, variables included, with at most
		 * DESCRIBE_MAX literal bytes in all. */
		size_t budget = DESCRIBE_MAX;
		bool cut = false;
		nc_buf_addc(out, '"');
		for (size_t i = 0; i < pl->text.nparts && !cut; i++) {
			const struct nc_tpl_part *pt = &pl->text.parts[i];
			if (pt->is_var) {
				nc_buf_printf(out, "${%s}", nc_var_name(pt->var));
				continue;
			}
			size_t take = pt->len < budget ? pt->len : budget;
			show_escaped(out, pt->bytes, take);
			budget -= take;
			cut = take < pt->len;
		}
		nc_buf_adds(out, cut ? "...\"" : "\"");
		return;
	}
	case NC_PAYLOAD_FILE:
		nc_buf_printf(out, "file %s (%zu bytes)", pl->path,
			      pl->text.nparts ? pl->text.parts[0].len : (size_t)0);
		return;
	case NC_PAYLOAD_RANDOM:
		nc_buf_printf(out, "random %llu bytes seed %llu", (unsigned long long)pl->count,
			      (unsigned long long)pl->seed);
		return;
	case NC_PAYLOAD_REPEAT:
		nc_buf_adds(out, "repeat ");
		nc_show_bytes(out, pl->pattern, pl->pattern_len, 32);
		nc_buf_printf(out, " %llu times", (unsigned long long)pl->count);
		return;
	}
}
