/* engine.c: the decisions of an impaired link (engine.h). */
#include "impair/engine.h"

#include <string.h>

uint64_t nc_imp_stream_tag(unsigned link, unsigned dir, unsigned rule, unsigned kind)
{
	return (uint64_t)link << 32 | (uint64_t)(dir & 0xff) << 24 | (uint64_t)(rule & 0xffff) << 8 |
	       (kind & 0xff);
}

void nc_imp_dir_init(struct nc_imp_dir *d, const struct nc_imp_dir_conf *c, uint64_t seed,
		     unsigned link, unsigned dir)
{
	memset(d, 0, sizeof(*d));
	d->conf = *c;
	if (d->conf.nrules > NC_IMP_RULES_MAX)
		d->conf.nrules = NC_IMP_RULES_MAX;
	for (unsigned r = 0; r < d->conf.nrules; r++) {
		d->threshold[r] = nc_prob_threshold(d->conf.rule[r].probability);
		nc_prng_seed(&d->select[r], nc_prng_derive(seed, nc_imp_stream_tag(link, dir, r, 0)));
		nc_prng_seed(&d->param[r], nc_prng_derive(seed, nc_imp_stream_tag(link, dir, r, 1)));
	}
}

bool nc_imp_dir_active(const struct nc_imp_dir *d)
{
	return d->conf.nrules > 0 || d->conf.rate_bps > 0;
}

static bool selected(struct nc_imp_dir *d, unsigned r, uint64_t match)
{
	const struct nc_imp_rule *rule = &d->conf.rule[r];
	switch (rule->select) {
	case NC_IMP_SEL_EVERY:
		return true;
	case NC_IMP_SEL_NTH:
		for (unsigned i = 0; i < rule->nnth && i < NC_IMP_NTH_MAX; i++)
			if (rule->nth[i] == match)
				return true;
		return false;
	case NC_IMP_SEL_RANDOM:
		return nc_prng_chance(&d->select[r], d->threshold[r]);
	}
	return false;
}

/* The bytes a corruption may hit: the IP payload (transport header and
 * data), so that the IP header stays valid and the transport checksum is
 * what catches it; for a frame that is not IP, everything after the
 * Ethernet header. [*from, *to) is empty when there is nothing to hit. */
static void corrupt_range(const struct nc_pkt *p, uint32_t len, uint32_t *from, uint32_t *to)
{
	*from = 14;
	*to = len;
	if ((p->layers & NC_LAYER_NET) && p->trans_off > 0) {
		*from = p->trans_off;
		uint64_t end = (uint64_t)p->trans_off + p->ip_payload_len;
		if (end < *to)
			*to = (uint32_t)end;
	}
	if (*from > *to)
		*from = *to;
}

static void act(struct nc_imp_dir *d, unsigned r, const struct nc_pkt *p, uint32_t len,
		struct nc_imp_verdict *v)
{
	const struct nc_imp_rule *rule = &d->conf.rule[r];
	switch (rule->action) {
	case NC_IMP_DROP:
		if (!v->drop) {
			v->drop = true;
			v->drop_rule = r;
		}
		break;
	case NC_IMP_DUPLICATE:
		if (!v->copies)
			v->dup_rule = r;
		v->copies += rule->copies ? rule->copies : 1;
		break;
	case NC_IMP_CORRUPT: {
		uint32_t from, to;
		corrupt_range(p, len, &from, &to);
		uint64_t at = nc_prng_below(&d->param[r], to > from ? to - from : 1);
		uint8_t bit = (uint8_t)nc_prng_below(&d->param[r], 8);
		if (to > from && v->ncorrupt < NC_IMP_RULES_MAX) {
			v->corrupt[v->ncorrupt].offset = from + (uint32_t)at;
			v->corrupt[v->ncorrupt].bit = bit;
			v->corrupt[v->ncorrupt].rule = r;
			v->ncorrupt++;
		}
		break;
	}
	case NC_IMP_DELAY: {
		int64_t delay = rule->delay_ns;
		if (rule->jitter_ns > 0) {
			uint64_t span = 2 * (uint64_t)rule->jitter_ns + 1;
			delay += (int64_t)nc_prng_below(&d->param[r], span) - rule->jitter_ns;
		}
		if (delay > 0) {
			if (!v->delay_ns)
				v->delay_rule = r;
			v->delay_ns += delay;
		}
		break;
	}
	case NC_IMP_REORDER:
		if (!v->hold) {
			v->hold = true;
			v->hold_rule = r;
			v->gap = rule->gap ? rule->gap : 1;
			v->hold_max_ns = rule->hold_max_ns > 0 ? rule->hold_max_ns : NC_IMP_HOLD_DEFAULT_NS;
		}
		break;
	}
}

void nc_imp_decide(struct nc_imp_dir *d, const struct nc_pkt *p, uint32_t len,
		   struct nc_imp_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->index = ++d->frames;
	for (unsigned r = 0; r < d->conf.nrules; r++) {
		if (!nc_imp_filter_match(&d->conf.rule[r].filter, p))
			continue;
		uint64_t match = ++d->matched[r];
		v->match[r] = match;
		v->matched |= (uint16_t)(1u << r);
		if (!selected(d, r, match))
			continue;
		v->selected |= (uint16_t)(1u << r);
		act(d, r, p, len, v);
	}
}

void nc_imp_corrupt(const struct nc_imp_verdict *v, uint8_t *frame, uint32_t len)
{
	for (unsigned i = 0; i < v->ncorrupt; i++)
		if (v->corrupt[i].offset < len)
			frame[v->corrupt[i].offset] ^= (uint8_t)(1u << v->corrupt[i].bit);
}
