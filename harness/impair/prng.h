/* prng.h: the seeded random numbers behind every impairment decision.
 *
 * Two published generators, both defined on unsigned 64-bit arithmetic
 * alone, so one seed gives one sequence on every machine and compiler:
 *
 *   - splitmix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
 *     number generators", 2014; the constants of Vigna's splitmix64.c)
 *     expands a seed into generator states and derives seeds of streams;
 *   - xoshiro256** 1.0 (Blackman and Vigna, "Scrambled linear
 *     pseudorandom number generators", 2018) draws the numbers.
 *
 * The unit tests check both against their published outputs (splitmix64
 * from 1234567; xoshiro256** from the state {1, 2, 3, 4}).
 *
 * Streams: every rule of every direction of every link draws from streams
 * of its own (nc_prng_derive), so adding a rule, or traffic that only
 * another rule matches, changes nothing in the decisions of a rule.
 */
#ifndef NC_IMPAIR_PRNG_H
#define NC_IMPAIR_PRNG_H

#include <stdbool.h>
#include <stdint.h>

/* Advances *state and returns the next splitmix64 output. */
uint64_t nc_splitmix64(uint64_t *state);

struct nc_prng {
	uint64_t s[4];
};

/* Seeds a generator: its four words are the first four splitmix64 outputs
 * from seed (the seeding the xoshiro authors recommend; never all zero). */
void nc_prng_seed(struct nc_prng *p, uint64_t seed);
/* Sets the state as given (for known-answer tests); not all zero. */
void nc_prng_set(struct nc_prng *p, const uint64_t s[4]);
uint64_t nc_prng_next(struct nc_prng *p);

/* Uniform in [0, n) for n >= 1, by the multiply-shift mapping
 * (next * n) >> 64: one draw, no loop, a bias below n / 2^64. */
uint64_t nc_prng_below(struct nc_prng *p, uint64_t n);

/* The seed of stream `tag` under `seed`: one splitmix64 step from
 * seed ^ (tag * 0x9e3779b97f4a7c15). */
uint64_t nc_prng_derive(uint64_t seed, uint64_t tag);

/* A probability as an integer threshold: a draw below it happens with
 * probability p. p <= 0 (or NaN) gives 0, never; p >= 1 gives UINT64_MAX,
 * which nc_prng_chance takes as always; else floor(p * 2^64), exact in
 * IEEE double arithmetic, which every platform has. */
uint64_t nc_prob_threshold(double p);
/* Draws once and says whether the event of that threshold happens. The
 * draw is made even for "never" and "always", so a stream advances by
 * one per decision whatever the probability. */
bool nc_prng_chance(struct nc_prng *p, uint64_t threshold);

#endif
