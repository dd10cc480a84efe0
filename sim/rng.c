/* Seedable random draws for the order model: see rng.h. */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream) {
    uint64_t state = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&state);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(struct rng *r) {
    uint64_t *s = r->s;
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

double rng_uniform(struct rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

int rng_int(struct rng *r, int low, int high) {
    if (high <= low)
        return low;
    uint64_t span = (uint64_t)(high - low) + 1;
    return low + (int)(rng_next(r) % span);
}

int rng_triangular(struct rng *r, int low, int high, int mode) {
    if (high <= low)
        return low;
    /* Continuous on [low, high + 1) peaking in the middle of mode's unit, then
     * floored: every integer gets its share and the peak sits on mode. A mode
     * at (or beyond) an end peaks at that end's edge, else the middle of the
     * end unit would leave its neighbour more likely than the mode. */
    double a = low, b = (double)high + 1.0;
    double c = mode <= low ? a : mode >= high ? b : mode + 0.5;
    double u = rng_uniform(r);
    double x;
    if (u < (c - a) / (b - a))
        x = a + sqrt(u * (b - a) * (c - a));
    else
        x = b - sqrt((1.0 - u) * (b - a) * (b - c));
    int value = (int)floor(x);
    if (value < low)
        value = low;
    if (value > high)
        value = high;
    return value;
}

int rng_chance(struct rng *r, double p) { return p > 0 && rng_uniform(r) < p; }
