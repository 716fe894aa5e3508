/* prng.c: splitmix64 and xoshiro256** (prng.h). */
#include "impair/prng.h"

#include <math.h>

#define GOLDEN 0x9e3779b97f4a7c15ULL

uint64_t nc_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += GOLDEN);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void nc_prng_seed(struct nc_prng *p, uint64_t seed)
{
	uint64_t st = seed;
	for (int i = 0; i < 4; i++)
		p->s[i] = nc_splitmix64(&st);
}

void nc_prng_set(struct nc_prng *p, const uint64_t s[4])
{
	for (int i = 0; i < 4; i++)
		p->s[i] = s[i];
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t nc_prng_next(struct nc_prng *p)
{
	uint64_t *s = p->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t nc_prng_below(struct nc_prng *p, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)nc_prng_next(p) * n) >> 64);
}

uint64_t nc_prng_derive(uint64_t seed, uint64_t tag)
{
	uint64_t st = seed ^ (tag * GOLDEN);
	return nc_splitmix64(&st);
}

uint64_t nc_prob_threshold(double p)
{
	if (!(p > 0.0))
		return 0;
	if (p >= 1.0)
		return UINT64_MAX;
	return (uint64_t)ldexp(p, 64);
}

bool nc_prng_chance(struct nc_prng *p, uint64_t threshold)
{
	uint64_t draw = nc_prng_next(p);
	return threshold == UINT64_MAX || draw < threshold;
}
