/* flow.c: canonical flow keys and a chained hash map over them. */
#include "wire/flow.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "wire/wire_int.h"

#define NC_FLOW_DEFAULT_MAX 65536u
#define NC_FLOW_INITIAL_BUCKETS 64u

struct nc_flow_entry {
	struct nc_flow_key key;
	void *val;
	struct nc_flow_entry *next;
};

struct nc_flow_map {
	struct nc_flow_entry **buckets;
	size_t nbuckets;            /* a power of two */
	size_t count;
	size_t max;
	void (*free_val)(void *val);
};

/* Orders endpoints by address, then port. */
static int endpoint_cmp(const uint8_t *a, uint16_t ap, const uint8_t *b, uint16_t bp)
{
	int c = memcmp(a, b, 16);
	if (c != 0)
		return c;
	return (int)ap - (int)bp;
}

int nc_flow_key_of(const struct nc_pkt *p, struct nc_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	if (!(p->layers & NC_LAYER_TRANS) || (p->l4 != NC_PROTO_TCP && p->l4 != NC_PROTO_UDP))
		return -1;
	k->ipver = (uint8_t)p->ipver;
	k->proto = p->l4;
	int dir = endpoint_cmp(p->src, p->sport, p->dst, p->dport) <= 0 ? 0 : 1;
	const uint8_t *a0 = dir == 0 ? p->src : p->dst;
	const uint8_t *a1 = dir == 0 ? p->dst : p->src;
	memcpy(k->addr[0], a0, 16);
	memcpy(k->addr[1], a1, 16);
	k->port[0] = dir == 0 ? p->sport : p->dport;
	k->port[1] = dir == 0 ? p->dport : p->sport;
	return dir;
}

bool nc_flow_key_equal(const struct nc_flow_key *a, const struct nc_flow_key *b)
{
	return a->ipver == b->ipver && a->proto == b->proto && a->port[0] == b->port[0] &&
	       a->port[1] == b->port[1] && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* FNV-1a over the fields (not the struct, whose padding is unspecified). */
static size_t key_hash(const struct nc_flow_key *k)
{
	uint64_t h = 1469598103934665603ull;
#define MIX(b) (h = (h ^ (uint8_t)(b)) * 1099511628211ull)
	MIX(k->ipver);
	MIX(k->proto);
	for (int i = 0; i < 2; i++) {
		for (int j = 0; j < 16; j++)
			MIX(k->addr[i][j]);
		MIX(k->port[i] >> 8);
		MIX(k->port[i]);
	}
#undef MIX
	return (size_t)(h ^ (h >> 32));
}

struct nc_flow_map *nc_flow_map_new(size_t max, void (*free_val)(void *val))
{
	struct nc_flow_map *m = nc_xcalloc(1, sizeof(*m));
	m->nbuckets = NC_FLOW_INITIAL_BUCKETS;
	m->buckets = nc_xcalloc(m->nbuckets, sizeof(*m->buckets));
	m->max = max ? max : NC_FLOW_DEFAULT_MAX;
	m->free_val = free_val;
	return m;
}

void nc_flow_map_free(struct nc_flow_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct nc_flow_entry *e = m->buckets[i];
		while (e) {
			struct nc_flow_entry *next = e->next;
			if (m->free_val)
				m->free_val(e->val);
			free(e);
			e = next;
		}
	}
	free(m->buckets);
	free(m);
}

static struct nc_flow_entry *find(const struct nc_flow_map *m, const struct nc_flow_key *k)
{
	struct nc_flow_entry *e = m->buckets[key_hash(k) & (m->nbuckets - 1)];
	for (; e; e = e->next)
		if (nc_flow_key_equal(&e->key, k))
			return e;
	return NULL;
}

void *nc_flow_map_get(const struct nc_flow_map *m, const struct nc_flow_key *k)
{
	struct nc_flow_entry *e = find(m, k);
	return e ? e->val : NULL;
}

/* Doubles the bucket array once the chains average one entry, so lookups
 * stay short as flows accumulate. */
static void grow(struct nc_flow_map *m)
{
	size_t nb = m->nbuckets * 2;
	struct nc_flow_entry **b = nc_xcalloc(nb, sizeof(*b));
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct nc_flow_entry *e = m->buckets[i];
		while (e) {
			struct nc_flow_entry *next = e->next;
			size_t h = key_hash(&e->key) & (nb - 1);
			e->next = b[h];
			b[h] = e;
			e = next;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
}

int nc_flow_map_put(struct nc_flow_map *m, const struct nc_flow_key *k, void *val)
{
	struct nc_flow_entry *e = find(m, k);
	if (e) {
		if (e->val != val && m->free_val)
			m->free_val(e->val);
		e->val = val;
		return 0;
	}
	if (m->count >= m->max)
		return -1;
	if (m->count >= m->nbuckets)
		grow(m);
	e = nc_xmalloc(sizeof(*e));
	e->key = *k;
	e->val = val;
	size_t h = key_hash(k) & (m->nbuckets - 1);
	e->next = m->buckets[h];
	m->buckets[h] = e;
	m->count++;
	return 0;
}

size_t nc_flow_map_count(const struct nc_flow_map *m)
{
	return m->count;
}
