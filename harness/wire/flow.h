/* flow.h: flow keys and a bounded map from flows to caller data.
 *
 * A flow is the pair of endpoints (address, port) of one transport
 * protocol. Its key is canonical: the smaller endpoint comes first, so both
 * directions of a conversation find the same entry, and nc_flow_key_of()
 * says which direction a packet travels (0: from endpoint 0 to endpoint 1).
 *
 * Both the formatter's sequence-number context (format.h) and the TCP
 * connection table (tcp_stream.h) are built on this map.
 *
 * Ownership: nc_flow_map_new() returns a new map; the caller frees it with
 * nc_flow_map_free(), which calls free_val on every stored value. Keys are
 * copied; values are owned by the map from nc_flow_map_put() on.
 */
#ifndef NC_WIRE_FLOW_H
#define NC_WIRE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/packet.h"

struct nc_flow_key {
	uint8_t ipver;              /* 4 or 6 */
	uint8_t proto;              /* IPPROTO_TCP, IPPROTO_UDP */
	uint8_t addr[2][16];        /* endpoint addresses, canonical order */
	uint16_t port[2];           /* endpoint ports, same order */
};

/* Fills k with the canonical key of p's flow. Returns the direction of p
 * (0: p goes from endpoint 0 to endpoint 1; 1: the other way), or -1 when p
 * has no ports (not TCP or UDP, or its transport header was not read). */
int nc_flow_key_of(const struct nc_pkt *p, struct nc_flow_key *k);

bool nc_flow_key_equal(const struct nc_flow_key *a, const struct nc_flow_key *b);

struct nc_flow_map;

/* Returns a new, empty map that holds at most max entries (0: 65536). */
struct nc_flow_map *nc_flow_map_new(size_t max, void (*free_val)(void *val));
void nc_flow_map_free(struct nc_flow_map *m);

/* Returns the value stored for k (borrowed), or NULL. */
void *nc_flow_map_get(const struct nc_flow_map *m, const struct nc_flow_key *k);

/* Stores val for k, freeing a value stored before. Returns 0, or -1 when
 * the map is full (val is then not stored and stays the caller's). */
int nc_flow_map_put(struct nc_flow_map *m, const struct nc_flow_key *k, void *val);

size_t nc_flow_map_count(const struct nc_flow_map *m);

#endif
