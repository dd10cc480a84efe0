/* Unit tests of sim/stock.c: levels and the sliding three-minute demand. */
/* cmocka needs these headers in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "stock.h"

#define T0 1700000000LL /* an epoch second */

static int setup(void **state) {
    struct stock *s = stock_new(3);
    if (!s)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state) {
    stock_free(*state);
    return 0;
}

static void test_new_is_empty(void **state) {
    struct stock *s = *state;
    for (int p = 0; p < 3; p++) {
        assert_int_equal(stock_level(s, p), 0);
        assert_int_equal(stock_demand(s, p, T0), 0);
        assert_int_equal(stock_demand(s, p, 0), 0);
    }
}

static void test_set_level(void **state) {
    struct stock *s = *state;
    stock_set_level(s, 1, 100);
    stock_set_level(s, 2, -7);
    assert_int_equal(stock_level(s, 0), 0);
    assert_int_equal(stock_level(s, 1), 100);
    assert_int_equal(stock_level(s, 2), -7);
    stock_set_level(s, 1, 5);
    assert_int_equal(stock_level(s, 1), 5);
}

static void test_sell_lowers_level_and_adds_demand(void **state) {
    struct stock *s = *state;
    stock_set_level(s, 1, 10);
    stock_sell(s, 1, 4, T0);
    assert_int_equal(stock_level(s, 1), 6);
    assert_int_equal(stock_demand(s, 1, T0), 4);
    /* the other products are untouched */
    assert_int_equal(stock_level(s, 0), 0);
    assert_int_equal(stock_level(s, 2), 0);
    assert_int_equal(stock_demand(s, 0, T0), 0);
    assert_int_equal(stock_demand(s, 2, T0), 0);
    /* stock may go below zero; sales in the same second add up */
    stock_sell(s, 1, 9, T0);
    assert_int_equal(stock_level(s, 1), -3);
    assert_int_equal(stock_demand(s, 1, T0), 13);
    /* a later second adds to the window */
    stock_sell(s, 1, 2, T0 + 5);
    assert_int_equal(stock_level(s, 1), -5);
    assert_int_equal(stock_demand(s, 1, T0 + 5), 15);
    /* a window ending before the later sale does not count it */
    assert_int_equal(stock_demand(s, 1, T0 + 4), 13);
    assert_int_equal(stock_demand(s, 1, T0 - 1), 0);
}

static void test_add_raises_level_only(void **state) {
    struct stock *s = *state;
    stock_set_level(s, 0, 3);
    stock_sell(s, 0, 2, T0);
    stock_add(s, 0, 50);
    assert_int_equal(stock_level(s, 0), 51);
    assert_int_equal(stock_demand(s, 0, T0), 2);
    stock_add(s, 2, 7);
    assert_int_equal(stock_level(s, 2), 7);
    assert_int_equal(stock_demand(s, 2, T0), 0);
    assert_int_equal(stock_level(s, 1), 0);
}

static void test_window_edges(void **state) {
    struct stock *s = *state;
    stock_sell(s, 0, 3, T0);
    /* the window ending at `now` holds the 180 seconds now-179 .. now */
    assert_int_equal(stock_demand(s, 0, T0), 3);
    assert_int_equal(stock_demand(s, 0, T0 + 1), 3);
    assert_int_equal(stock_demand(s, 0, T0 + DEMAND_WINDOW_SECONDS - 1), 3);
    assert_int_equal(stock_demand(s, 0, T0 + DEMAND_WINDOW_SECONDS), 0);
    assert_int_equal(stock_demand(s, 0, T0 + 10000), 0);
    assert_int_equal(DEMAND_WINDOW_SECONDS, 180);
}

static void test_window_sums_only_recent_seconds(void **state) {
    struct stock *s = *state;
    /* one unit every second for 1000 seconds */
    for (long long t = 0; t < 1000; t++)
        stock_sell(s, 2, 1, T0 + t);
    assert_int_equal(stock_level(s, 2), -1000);
    assert_int_equal(stock_demand(s, 2, T0 + 999), 180);
    assert_int_equal(stock_demand(s, 2, T0 + 1000), 179);
    assert_int_equal(stock_demand(s, 2, T0 + 1100), 79);
    assert_int_equal(stock_demand(s, 2, T0 + 1178), 1);
    assert_int_equal(stock_demand(s, 2, T0 + 1179), 0);
    /* sparse sales: only those in the window count */
    stock_sell(s, 1, 5, T0);
    stock_sell(s, 1, 7, T0 + 100);
    stock_sell(s, 1, 11, T0 + 250);
    assert_int_equal(stock_demand(s, 1, T0 + 179), 12);
    assert_int_equal(stock_demand(s, 1, T0 + 180), 7);
    assert_int_equal(stock_demand(s, 1, T0 + 250), 18);
    assert_int_equal(stock_demand(s, 1, T0 + 280), 11);
}

static void test_bucket_reuse_after_wrap(void **state) {
    struct stock *s = *state;
    stock_sell(s, 0, 3, T0);
    /* the same bucket, one window later: the old second is replaced */
    stock_sell(s, 0, 5, T0 + DEMAND_WINDOW_SECONDS);
    assert_int_equal(stock_demand(s, 0, T0 + DEMAND_WINDOW_SECONDS), 5);
    assert_int_equal(stock_demand(s, 0, T0 + 2 * DEMAND_WINDOW_SECONDS - 1), 5);
    assert_int_equal(stock_demand(s, 0, T0 + 2 * DEMAND_WINDOW_SECONDS), 0);
    /* many windows later, the bucket is reused again and starts from zero */
    stock_sell(s, 0, 2, T0 + 10 * DEMAND_WINDOW_SECONDS);
    assert_int_equal(stock_demand(s, 0, T0 + 10 * DEMAND_WINDOW_SECONDS), 2);
    assert_int_equal(stock_level(s, 0), -10);
}

static void test_record_demand_older_than_bucket_is_ignored(void **state) {
    struct stock *s = *state;
    stock_record_demand(s, 1, 5, T0 + DEMAND_WINDOW_SECONDS);
    /* same bucket, a second older than the one it holds: dropped */
    stock_record_demand(s, 1, 7, T0);
    assert_int_equal(stock_demand(s, 1, T0 + DEMAND_WINDOW_SECONDS), 5);
    assert_int_equal(stock_demand(s, 1, T0), 0);
    /* recording demand never touches the level */
    assert_int_equal(stock_level(s, 1), 0);
    /* the same second adds up */
    stock_record_demand(s, 1, 4, T0 + DEMAND_WINDOW_SECONDS);
    assert_int_equal(stock_demand(s, 1, T0 + DEMAND_WINDOW_SECONDS), 9);
    /* an older second in another (empty) bucket is kept */
    stock_record_demand(s, 1, 6, T0 + DEMAND_WINDOW_SECONDS - 1);
    assert_int_equal(stock_demand(s, 1, T0 + DEMAND_WINDOW_SECONDS), 15);
    /* negative seconds are ignored */
    stock_record_demand(s, 0, 6, -1);
    assert_int_equal(stock_demand(s, 0, 0), 0);
    assert_int_equal(stock_demand(s, 0, 100), 0);
}

static void test_record_demand_history_then_sell(void **state) {
    struct stock *s = *state;
    stock_set_level(s, 2, 40);
    /* history loaded at start, then a sale */
    stock_record_demand(s, 2, 10, T0 - 170);
    stock_record_demand(s, 2, 20, T0 - 200); /* outside the window at T0 */
    stock_sell(s, 2, 3, T0);
    assert_int_equal(stock_level(s, 2), 37);
    assert_int_equal(stock_demand(s, 2, T0), 13);
    assert_int_equal(stock_demand(s, 2, T0 - 30), 30);
    assert_int_equal(stock_demand(s, 2, T0 + 10), 3);
}

static void test_second_zero_counts(void **state) {
    struct stock *s = *state;
    stock_sell(s, 0, 4, 0);
    assert_int_equal(stock_demand(s, 0, 0), 4);
    assert_int_equal(stock_demand(s, 0, 179), 4);
    assert_int_equal(stock_demand(s, 0, 180), 0);
}

static void test_new_and_free_edge_cases(void **state) {
    (void)state;
    struct stock *empty = stock_new(0);
    assert_non_null(empty);
    stock_free(empty);
    stock_free(NULL);
    struct stock *big = stock_new(1000);
    assert_non_null(big);
    stock_sell(big, 999, 1, T0);
    assert_int_equal(stock_level(big, 999), -1);
    assert_int_equal(stock_demand(big, 999, T0), 1);
    assert_int_equal(stock_demand(big, 998, T0), 0);
    stock_free(big);
}

#define STOCK_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        STOCK_TEST(test_new_is_empty),
        STOCK_TEST(test_set_level),
        STOCK_TEST(test_sell_lowers_level_and_adds_demand),
        STOCK_TEST(test_add_raises_level_only),
        STOCK_TEST(test_window_edges),
        STOCK_TEST(test_window_sums_only_recent_seconds),
        STOCK_TEST(test_bucket_reuse_after_wrap),
        STOCK_TEST(test_record_demand_older_than_bucket_is_ignored),
        STOCK_TEST(test_record_demand_history_then_sell),
        STOCK_TEST(test_second_zero_counts),
        cmocka_unit_test(test_new_and_free_edge_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
