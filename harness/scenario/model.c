/* model.c: the scenario model's lifetime, and the names of its enums that
 * the rest of netconform prints. Each name comes from the keyword table
 * that reads it, so what is printed is what a scenario file says. */
#include "scenario/parse_int.h"

#include <stdlib.h>
#include <string.h>

const char *nc_family_name(enum nc_family f)
{
	return nc_kw_name(&nc_family_table, f);
}

const char *nc_role_name(enum nc_role_id r)
{
	return nc_kw_name(&nc_section_table, r == NC_ROLE_SERVER ? SEC_SERVER : SEC_CLIENT);
}

const char *nc_step_name(enum nc_step_kind k)
{
	return nc_kw_name(&nc_step_table, k);
}

const char *nc_var_name(enum nc_var v)
{
	return nc_kw_name(&nc_var_table, v);
}

static void envs_free(struct nc_envvar *env, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(env[i].name);
		tpl_free(&env[i].value);
	}
	free(env);
}

static void role_free(struct nc_role *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].text);
		payload_free(&r->steps[i].payload);
		payload_free(&r->steps[i].expect.payload);
	}
	free(r->steps);
	for (size_t i = 0; i < r->argc; i++)
		tpl_free(&r->argv[i]);
	free(r->argv);
	free(r->cwd);
	envs_free(r->env, r->nenv);
	payload_free(&r->stdin_data);
	tpl_free(&r->ready_line);
	for (size_t i = 0; i < r->nout; i++)
		tpl_free(&r->out[i].text);
	free(r->out);
}

void nc_scenario_free(struct nc_scenario *s)
{
	if (!s)
		return;
	free(s->path);
	free(s->id);
	free(s->group);
	free(s->name);
	free(s->description);
	for (size_t i = 0; i < s->nkeywords; i++)
		free(s->keywords[i]);
	free(s->keywords);
	for (size_t i = 0; i < s->nrequires; i++)
		free(s->requires[i]);
	free(s->requires);
	envs_free(s->env, s->nenv);
	for (int r = 0; r < NC_ROLE_COUNT; r++)
		role_free(&s->role[r]);
	for (size_t i = 0; i < s->nwire; i++) {
		free(s->wire[i].text);
		payload_free(&s->wire[i].payload);
	}
	free(s->wire);
	for (size_t i = 0; i < s->nfixtures; i++) {
		free(s->fixtures[i].path);
		free(s->fixtures[i].data);
	}
	free(s->fixtures);
	free(s);
}

/* Payload memory: the literal bytes of every payload, found by walking the
 * model, each block counted once however many payloads point at it. */
struct block {
	const uint8_t *p;
	size_t len;
};

struct held {
	struct block *b;
	size_t n;
};

static void hold(struct held *h, const uint8_t *p, size_t len)
{
	if (!p || !len)
		return;
	h->b = nc_grow(h->b, h->n, sizeof(*h->b));
	h->b[h->n++] = (struct block){ p, len };
}

static void hold_payload(struct held *h, const struct nc_payload *pl)
{
	for (size_t i = 0; i < pl->text.nparts; i++)
		hold(h, pl->text.parts[i].bytes, pl->text.parts[i].len);
	hold(h, pl->pattern, pl->pattern_len);
}

static int by_address(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct block *)a)->p;
	uintptr_t y = (uintptr_t)((const struct block *)b)->p;
	return x < y ? -1 : x > y;
}

uint64_t nc_scenario_payload_bytes(const struct nc_scenario *s)
{
	struct held h;
	memset(&h, 0, sizeof(h));
	for (int r = 0; r < NC_ROLE_COUNT; r++) {
		const struct nc_role *role = &s->role[r];
		for (size_t i = 0; i < role->nsteps; i++) {
			hold_payload(&h, &role->steps[i].payload);
			hold_payload(&h, &role->steps[i].expect.payload);
		}
		hold_payload(&h, &role->stdin_data);
	}
	for (size_t i = 0; i < s->nwire; i++)
		hold_payload(&h, &s->wire[i].payload);
	/* Sorted by address, the payloads of one block stand side by side. */
	if (h.n > 1)
		qsort(h.b, h.n, sizeof(*h.b), by_address);
	uint64_t total = 0;
	for (size_t i = 0; i < h.n; i++)
		if (i == 0 || h.b[i].p != h.b[i - 1].p)
			total += h.b[i].len;
	free(h.b);
	return total;
}
