/* Unit tests for dashboard/store_deltas.c, the in-memory sums of a
 * transaction's aggregate changes: sums by key across dcs, an entry kept
 * when its sums come back to zero, entries handed out in key order, touched
 * again after sorting, growth to many keys (against a plain reference
 * table), and clear. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "store_deltas.h"

static void add(struct delta_map *m, const char *dc, long long a, long long b, long long v0, long long v4) {
    long long *v = delta_map_touch(m, dc, a, b);
    assert_non_null(v);
    v[0] += v0;
    v[4] += v4;
}

static void test_sums_by_key(void **state) {
    (void)state;
    struct delta_map *m = delta_map_new();
    assert_non_null(m);
    add(m, "dc01", 1, 0, 250, 1);
    add(m, "dc01", 1, 0, -100, 1);
    add(m, "dc02", 1, 0, 7, 0); /* another dc, same numbers: another key */
    add(m, "dc01", 2, 0, 5, 0);
    add(m, "dc01", 1, 9, 3, 0); /* b counts */
    assert_int_equal(delta_map_count(m), 4);
    const struct delta_entry *e;
    size_t n;
    assert_int_equal(delta_map_sorted(m, &e, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(e[0].dc, "dc01");
    assert_int_equal(e[0].a, 1);
    assert_int_equal(e[0].b, 0);
    assert_int_equal(e[0].v[0], 150);
    assert_int_equal(e[0].v[4], 2);
    assert_int_equal(e[0].v[1], 0);
    assert_int_equal(e[1].a, 1);
    assert_int_equal(e[1].b, 9);
    assert_int_equal(e[2].a, 2);
    assert_string_equal(e[3].dc, "dc02");
    assert_int_equal(e[3].v[0], 7);
    delta_map_free(m);
}

/* A key touched is written even when its sums cancel out. */
static void test_zero_sums_stay(void **state) {
    (void)state;
    struct delta_map *m = delta_map_new();
    add(m, "dc01", 30, 0, 5, 0);
    add(m, "dc01", 30, 0, -5, 0);
    assert_non_null(delta_map_touch(m, "dc01", 31, 0)); /* touched, nothing added */
    const struct delta_entry *e;
    size_t n;
    assert_int_equal(delta_map_sorted(m, &e, &n), 0);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < DELTA_VALUES; k++)
            assert_int_equal(e[i].v[k], 0);
    delta_map_free(m);
}

static void test_key_order(void **state) {
    (void)state;
    struct delta_map *m = delta_map_new();
    const long long keys[][2] = {{5, 2}, {LLONG_MAX, 0}, {-3, 7}, {5, -1}, {LLONG_MIN, LLONG_MAX}, {0, 0}, {5, 1}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        add(m, i % 2 ? "dc10" : "dc02", keys[i][0], keys[i][1], (long long)i, 0);
    const struct delta_entry *e;
    size_t n;
    assert_int_equal(delta_map_sorted(m, &e, &n), 0);
    assert_int_equal(n, 7);
    for (size_t i = 1; i < n; i++) {
        int c = strcmp(e[i - 1].dc, e[i].dc);
        assert_true(c < 0 || (c == 0 && (e[i - 1].a < e[i].a || (e[i - 1].a == e[i].a && e[i - 1].b < e[i].b))));
    }
    assert_string_equal(e[0].dc, "dc02");
    assert_true(e[0].a == LLONG_MIN);
    delta_map_free(m);
}

/* Touching after sorting finds the keys where the sort moved them. */
static void test_touch_after_sort(void **state) {
    (void)state;
    struct delta_map *m = delta_map_new();
    for (long long k = 100; k > 0; k--)
        add(m, "dc01", k, 0, 1, 0);
    const struct delta_entry *e;
    size_t n;
    assert_int_equal(delta_map_sorted(m, &e, &n), 0);
    assert_int_equal(e[0].a, 1);
    for (long long k = 1; k <= 100; k++)
        add(m, "dc01", k, 0, k, 0);
    add(m, "dc01", 101, 0, 1, 0);
    assert_int_equal(delta_map_count(m), 101);
    assert_int_equal(delta_map_sorted(m, &e, &n), 0);
    assert_int_equal(n, 101);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(e[i].v[0], 1 + (long long)(i + 1));
    assert_int_equal(e[100].v[0], 1);
    delta_map_free(m);
}

/* Many keys (the map grows many times; keys that differ in one bit) against
 * a reference table. */
static void test_many_keys(void **state) {
    (void)state;
    enum { MINUTES = 300, CUSTOMERS = 500 };
    static long long want[MINUTES][CUSTOMERS];
    memset(want, 0, sizeof want);
    struct delta_map *m = delta_map_new();
    unsigned r = 12345;
    for (int i = 0; i < 400000; i++) {
        r = r * 1103515245u + 12345u;
        int minute = (int)(r >> 8) % MINUTES, customer = (int)(r >> 20) % CUSTOMERS;
        long long v = (long long)(r % 1000) - 500;
        add(m, "dc01", 1796083200000LL + minute * 60000LL, customer, v, 1);
        want[minute][customer] += v;
    }
    const struct delta_entry *e;
    size_t n;
    assert_int_equal(delta_map_sorted(m, &e, &n), 0);
    size_t touched = 0;
    long long calls = 0;
    for (int a = 0; a < MINUTES; a++)
        for (int b = 0; b < CUSTOMERS; b++)
            touched += want[a][b] != 0; /* a lower bound: a sum may cancel */
    assert_true(n >= touched && n <= (size_t)MINUTES * CUSTOMERS);
    for (size_t i = 0; i < n; i++) {
        int minute = (int)((e[i].a - 1796083200000LL) / 60000);
        assert_int_equal(e[i].v[0], want[minute][e[i].b]);
        calls += e[i].v[4];
        if (i)
            assert_true(e[i - 1].a < e[i].a || (e[i - 1].a == e[i].a && e[i - 1].b < e[i].b));
    }
    assert_int_equal(calls, 400000);
    delta_map_free(m);
}

static void test_clear_and_reuse(void **state) {
    (void)state;
    struct delta_map *m = delta_map_new();
    for (int round = 0; round < 3; round++) {
        for (long long k = 0; k < 1000; k++)
            add(m, k % 3 ? "dc01" : "dc02", k, -k, 2, 0);
        assert_int_equal(delta_map_count(m), 1000);
        delta_map_clear(m);
        assert_int_equal(delta_map_count(m), 0);
        const struct delta_entry *e;
        size_t n = 99;
        assert_int_equal(delta_map_sorted(m, &e, &n), 0);
        assert_int_equal(n, 0);
    }
    add(m, "dc01", 1, -1, 5, 0); /* no sum left over from before the clear */
    long long *v = delta_map_touch(m, "dc01", 1, -1);
    assert_int_equal(v[0], 5);
    delta_map_free(m);
    delta_map_free(NULL);
}

/* Many dcs, and a dc given from a buffer that changes afterwards. */
static void test_dcs_are_copied(void **state) {
    (void)state;
    struct delta_map *m = delta_map_new();
    char dc[16];
    for (int i = 0; i < 40; i++) {
        snprintf(dc, sizeof dc, "dc%02d", 39 - i);
        add(m, dc, 1, 0, i, 0);
    }
    snprintf(dc, sizeof dc, "zz");
    const struct delta_entry *e;
    size_t n;
    assert_int_equal(delta_map_sorted(m, &e, &n), 0);
    assert_int_equal(n, 40);
    for (size_t i = 0; i < n; i++) {
        char want[32];
        snprintf(want, sizeof want, "dc%02d", (int)i);
        assert_string_equal(e[i].dc, want);
        assert_int_equal(e[i].v[0], 39 - (long long)i);
    }
    delta_map_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_by_key),    cmocka_unit_test(test_zero_sums_stay),
        cmocka_unit_test(test_key_order),      cmocka_unit_test(test_touch_after_sort),
        cmocka_unit_test(test_many_keys),      cmocka_unit_test(test_clear_and_reuse),
        cmocka_unit_test(test_dcs_are_copied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
