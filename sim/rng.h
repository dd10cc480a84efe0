/* A small, seedable random number generator (xoshiro256**, seeded through
 * splitmix64) and the draws the order model needs. The same seed and stream
 * give the same numbers on every machine, which makes `sim --seed` repeatable. */
#ifndef BRIDGELAB_SIM_RNG_H
#define BRIDGELAB_SIM_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
};

/* Independent streams from one seed: one per kind of decision, so that
 * (say) purchase orders never shift the draws of sales orders. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1). */
double rng_uniform(struct rng *r);
/* Uniform over the integers low..high, both included. */
int rng_int(struct rng *r, int low, int high);
/* Integers low..high from a triangular distribution peaking at mode
 * (clamped into the range), as Python's random.triangular then int(). */
int rng_triangular(struct rng *r, int low, int high, int mode);
/* True with probability p. */
int rng_chance(struct rng *r, double p);

#endif
