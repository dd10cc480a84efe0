/* Unit tests of sim/rng.c: repeatability, streams, and the shape of each draw. */
/* cmocka needs these headers in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <string.h>

#include "rng.h"

/* xoshiro256** seeded through splitmix64 must give the same numbers on
 * every machine: these were computed by an independent implementation. */
static void test_known_values(void **state) {
    (void)state;
    static const struct {
        uint64_t seed, stream, values[4];
    } cases[] = {
        {0, 0, {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL, 0x6aa594f1262d2d2cULL}},
        {42, 1, {0x180247f2e3635182ULL, 0xccc3601b72c88777ULL, 0x9089cff698d1db80ULL, 0xa93cda9a18f0e97eULL}},
        {7, 3, {0xc83576f30ab6da5cULL, 0x0f80c2d2c4c1690fULL, 0xd763bdef7e89d1c3ULL, 0x163a047600e45db1ULL}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct rng r;
        rng_seed(&r, cases[c].seed, cases[c].stream);
        for (int i = 0; i < 4; i++)
            assert_int_equal(rng_next(&r), cases[c].values[i]);
    }
}

static void test_same_seed_same_sequence(void **state) {
    (void)state;
    struct rng a, b;
    rng_seed(&a, 12345, 2);
    rng_seed(&b, 12345, 2);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(rng_next(&a), rng_next(&b));
    /* and the derived draws too */
    rng_seed(&a, 99, 4);
    rng_seed(&b, 99, 4);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(rng_int(&a, 1, 100), rng_int(&b, 1, 100));
        assert_int_equal(rng_triangular(&a, 1, 30, 15), rng_triangular(&b, 1, 30, 15));
        assert_int_equal(rng_chance(&a, 0.5), rng_chance(&b, 0.5));
        assert_true(rng_uniform(&a) == rng_uniform(&b));
    }
}

static int equal_draws(uint64_t seed_a, uint64_t stream_a, uint64_t seed_b, uint64_t stream_b, int n) {
    struct rng a, b;
    rng_seed(&a, seed_a, stream_a);
    rng_seed(&b, seed_b, stream_b);
    int equal = 0;
    for (int i = 0; i < n; i++)
        equal += rng_next(&a) == rng_next(&b);
    return equal;
}

static void test_different_streams_differ(void **state) {
    (void)state;
    for (uint64_t s = 1; s <= 4; s++)
        for (uint64_t t = s + 1; t <= 5; t++)
            assert_int_equal(equal_draws(42, s, 42, t, 1000), 0);
    /* stream 0 too, and a seed of 0 */
    assert_int_equal(equal_draws(0, 0, 0, 1, 1000), 0);
}

static void test_different_seeds_differ(void **state) {
    (void)state;
    assert_int_equal(equal_draws(1, 1, 2, 1, 1000), 0);
    assert_int_equal(equal_draws(42, 1, 43, 1, 1000), 0);
    /* a shifted sequence is not "different": stream 1 of seed s must not be stream 0 of another */
    assert_int_equal(equal_draws(7, 1, 7, 0, 1000), 0);
}

static void test_rng_int_bounds_inclusive(void **state) {
    (void)state;
    struct rng r;
    rng_seed(&r, 2024, 1);
    enum { DRAWS = 140000 };
    int counts[7] = {0};
    for (int i = 0; i < DRAWS; i++) {
        int v = rng_int(&r, -3, 3);
        assert_in_range(v + 3, 0, 6);
        counts[v + 3]++;
    }
    for (int v = 0; v < 7; v++) /* each about 20000 */
        assert_in_range(counts[v], 19000, 21000);
    /* a two-value range hits both ends */
    int low = 0, high = 0;
    for (int i = 0; i < 1000; i++) {
        int v = rng_int(&r, 1, 2);
        assert_in_range(v, 1, 2);
        low += v == 1;
        high += v == 2;
    }
    assert_true(low > 400 && high > 400);
    /* 1..10 as the model draws quantities */
    int seen[11] = {0};
    for (int i = 0; i < 10000; i++) {
        int v = rng_int(&r, 1, 10);
        assert_in_range(v, 1, 10);
        seen[v]++;
    }
    for (int v = 1; v <= 10; v++)
        assert_true(seen[v] > 800);
    /* degenerate ranges */
    assert_int_equal(rng_int(&r, 5, 5), 5);
    assert_int_equal(rng_int(&r, 9, 3), 9);
}

static void test_rng_uniform_unit_interval(void **state) {
    (void)state;
    struct rng r;
    rng_seed(&r, 77, 1);
    double min = 1, max = 0, sum = 0;
    enum { DRAWS = 1000000 };
    int below_half = 0;
    for (int i = 0; i < DRAWS; i++) {
        double u = rng_uniform(&r);
        assert_true(u >= 0.0);
        assert_true(u < 1.0);
        if (u < min)
            min = u;
        if (u > max)
            max = u;
        sum += u;
        below_half += u < 0.5;
    }
    assert_true(min < 1e-4);
    assert_true(max > 1 - 1e-4);
    assert_true(fabs(sum / DRAWS - 0.5) < 0.002);
    assert_in_range(below_half, 498000, 502000);
}

/* The largest value rng_uniform can give is 1 - 2^-53: below 1. */
static void test_rng_uniform_largest_is_below_one(void **state) {
    (void)state;
    struct rng r;
    /* Find a state whose next output is all ones: rng_next returns
     * rotl(s1 * 5, 7) * 9, so solve for s1 (5 and 9 are odd, invertible). */
    uint64_t inv5 = 0xcccccccccccccccdULL, inv9 = 0x8e38e38e38e38e39ULL;
    uint64_t want = UINT64_MAX;
    uint64_t x = want * inv9;          /* rotl(s1*5, 7) */
    uint64_t y = (x >> 7) | (x << 57); /* s1*5 */
    memset(&r, 0, sizeof r);
    r.s[1] = y * inv5;
    double u = rng_uniform(&r);
    assert_true(u < 1.0);
    assert_true(u > 1.0 - 1e-15);
}

static void test_triangular_within_range(void **state) {
    (void)state;
    struct rng r;
    rng_seed(&r, 3, 1);
    static const int ranges[][3] = {{1, 30, 15}, {1, 2, 1}, {1, 2, 2}, {1, 1000, 15}, {-10, 10, 0}, {5, 7, 6}};
    for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++) {
        int low = ranges[k][0], high = ranges[k][1], mode = ranges[k][2];
        int hit_low = 0, hit_high = 0;
        for (int i = 0; i < 200000; i++) {
            int v = rng_triangular(&r, low, high, mode);
            assert_in_range(v - low, 0, high - low);
            hit_low |= v == low;
            hit_high |= v == high;
        }
        if (high - low < 100) { /* small ranges: both ends are reachable */
            assert_true(hit_low);
            assert_true(hit_high);
        }
    }
}

static void test_triangular_histogram_peaks_at_mode(void **state) {
    (void)state;
    struct rng r;
    rng_seed(&r, 15, 1);
    enum { DRAWS = 600000 };
    long counts[31] = {0};
    for (int i = 0; i < DRAWS; i++) {
        int v = rng_triangular(&r, 1, 30, 15);
        assert_in_range(v, 1, 30);
        counts[v]++;
    }
    int peak = 1;
    for (int v = 2; v <= 30; v++)
        if (counts[v] > counts[peak])
            peak = v;
    assert_in_range(peak, 14, 16);
    /* every value is drawn; rising towards the mode, falling after it */
    for (int v = 1; v <= 30; v++)
        assert_true(counts[v] > 0);
    for (int v = 2; v <= 13; v++)
        assert_true(counts[v] > counts[v - 1]);
    for (int v = 17; v <= 30; v++)
        assert_true(counts[v] < counts[v - 1]);
    /* the ends are rare, the mode is about 1/15 */
    assert_true(counts[1] < DRAWS / 200);
    assert_true(counts[30] < DRAWS / 200);
    assert_true(counts[15] > DRAWS / 17);
    /* roughly symmetric about the mode: within 25% out to 10 either side */
    for (int d = 1; d <= 10; d++) {
        double left = (double)counts[15 - d], right = (double)counts[15 + d];
        double ratio = left / right;
        assert_true(ratio > 0.75 && ratio < 1.25);
    }
    long below = 0, above = 0;
    for (int v = 1; v < 15; v++)
        below += counts[v];
    for (int v = 16; v <= 30; v++)
        above += counts[v];
    double share = (double)below / (double)(below + above);
    assert_true(share > 0.45 && share < 0.55);
}

static void test_triangular_mode_clamped(void **state) {
    (void)state;
    struct rng r;
    rng_seed(&r, 8, 1);
    long high_mode[11] = {0}, low_mode[11] = {0};
    for (int i = 0; i < 200000; i++) {
        int v = rng_triangular(&r, 1, 10, 100); /* mode above the range: peak at 10 */
        assert_in_range(v, 1, 10);
        high_mode[v]++;
        v = rng_triangular(&r, 1, 10, -7); /* mode below the range: peak at 1 */
        assert_in_range(v, 1, 10);
        low_mode[v]++;
    }
    for (int v = 2; v <= 10; v++) {
        assert_true(high_mode[v] > high_mode[v - 1]);
        assert_true(low_mode[v] < low_mode[v - 1]);
    }
    /* same as a mode at the edge itself */
    long at_edge[11] = {0};
    for (int i = 0; i < 200000; i++)
        at_edge[rng_triangular(&r, 1, 10, 10)]++;
    for (int v = 1; v <= 10; v++) {
        double ratio = (double)at_edge[v] / (double)high_mode[v];
        assert_true(ratio > 0.85 && ratio < 1.15);
    }
}

/* A mode at either end of the range peaks there, also over a wide range. */
static void test_triangular_mode_at_edge_peaks_there(void **state) {
    (void)state;
    struct rng r;
    rng_seed(&r, 9, 1);
    long at_low[31] = {0}, at_high[31] = {0}, near[31] = {0};
    for (int i = 0; i < 300000; i++) {
        at_low[rng_triangular(&r, 1, 30, 1)]++;
        at_high[rng_triangular(&r, 1, 30, 30)]++;
        near[rng_triangular(&r, 1, 30, 29)]++;
    }
    for (int v = 2; v <= 30; v++) {
        assert_true(at_low[1] > at_low[v]);
        assert_true(at_high[30] > at_high[31 - v]);
    }
    /* one inside the end: values stay in range, the top end is rare-ish */
    assert_true(near[30] > 0);
    assert_true(near[29] > near[20]);
}

static void test_triangular_low_equals_high(void **state) {
    (void)state;
    struct rng r;
    rng_seed(&r, 1, 1);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(rng_triangular(&r, 7, 7, 15), 7);
        assert_int_equal(rng_triangular(&r, 1, 1, 15), 1);
        assert_int_equal(rng_triangular(&r, 4, 2, 3), 4); /* empty range: low */
    }
}

static void test_chance(void **state) {
    (void)state;
    struct rng r;
    rng_seed(&r, 30, 1);
    enum { DRAWS = 200000 };
    int zero = 0, one = 0, third = 0, negative = 0, above_one = 0;
    for (int i = 0; i < DRAWS; i++) {
        zero += rng_chance(&r, 0.0);
        one += rng_chance(&r, 1.0);
        third += rng_chance(&r, 0.3);
        negative += rng_chance(&r, -0.5);
        above_one += rng_chance(&r, 1.5);
    }
    assert_int_equal(zero, 0);
    assert_int_equal(one, DRAWS);
    assert_int_equal(negative, 0);
    assert_int_equal(above_one, DRAWS);
    /* 0.3 +- 1% (the standard deviation is about 0.1%) */
    assert_in_range(third, (int)(DRAWS * 0.29), (int)(DRAWS * 0.31));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_same_seed_same_sequence),
        cmocka_unit_test(test_different_streams_differ),
        cmocka_unit_test(test_different_seeds_differ),
        cmocka_unit_test(test_rng_int_bounds_inclusive),
        cmocka_unit_test(test_rng_uniform_unit_interval),
        cmocka_unit_test(test_rng_uniform_largest_is_below_one),
        cmocka_unit_test(test_triangular_within_range),
        cmocka_unit_test(test_triangular_histogram_peaks_at_mode),
        cmocka_unit_test(test_triangular_mode_clamped),
        cmocka_unit_test(test_triangular_mode_at_edge_peaks_there),
        cmocka_unit_test(test_triangular_low_equals_high),
        cmocka_unit_test(test_chance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
