/* Unit tests for bridge/run/restart_policy.c: the backoff's steps and cap,
 * a steady run resetting it, a crash loop at exactly run.crash.loop.exits
 * exits within the window (not one fewer, not spread wider), kept while
 * the backoff slows the exits down, ended only by a steady run. */
#include <limits.h>
#include <stdlib.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "run/restart_policy.h"

/* The defaults of bridge run (run_settings.c). */
static const struct restart_rule rule = {500, 30000, 60000, 5, 60000};

/* A run of run_ms starting at *now, then its exit: returns the backoff and
 * moves *now to the next start. */
static int run_for(const struct restart_rule *r, struct restart_history *h, long long *now, long long run_ms,
                   int *loop_began) {
    restart_started(h, *now);
    *now += run_ms;
    int delay = restart_exited(r, h, *now, loop_began);
    *now += delay;
    return delay;
}

static void test_backoff_doubles_to_its_cap(void **state) {
    (void)state;
    struct restart_history h;
    restart_history_init(&h);
    long long now = 1000;
    int began;
    static const int want[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_equal(run_for(&rule, &h, &now, 100, &began), want[i]);
}

static void test_backoff_never_overflows(void **state) {
    (void)state;
    struct restart_rule r = {1, INT_MAX, 60000, 5, 60000};
    assert_int_equal(restart_backoff_ms(&r, 1), 1);
    assert_int_equal(restart_backoff_ms(&r, 31), 1 << 30);
    assert_int_equal(restart_backoff_ms(&r, 1000), INT_MAX);
    struct restart_rule small = {700, 1000, 60000, 5, 60000};
    assert_int_equal(restart_backoff_ms(&small, 1), 700);
    assert_int_equal(restart_backoff_ms(&small, 2), 1000);
    assert_int_equal(restart_backoff_ms(&small, 50), 1000);
}

static void test_a_steady_run_resets_the_backoff(void **state) {
    (void)state;
    struct restart_history h;
    restart_history_init(&h);
    long long now = 0;
    int began;
    for (int i = 0; i < 4; i++)
        run_for(&rule, &h, &now, 100, &began);
    assert_int_equal(run_for(&rule, &h, &now, 100, &began), 8000);
    /* steady_ms, measured only at the exit: counts the same */
    assert_int_equal(run_for(&rule, &h, &now, 60000, &began), 500);
    assert_int_equal(run_for(&rule, &h, &now, 100, &began), 1000);
    /* one millisecond short of steady is not steady */
    assert_int_equal(run_for(&rule, &h, &now, 59999, &began), 2000);
}

static void test_check_steady_once_per_run(void **state) {
    (void)state;
    struct restart_history h;
    restart_history_init(&h);
    assert_int_equal(restart_check_steady(&rule, &h, 100000), 0); /* nothing runs */
    long long now = 0;
    int began;
    for (int i = 0; i < 3; i++)
        run_for(&rule, &h, &now, 10, &began);
    restart_started(&h, now);
    assert_int_equal(restart_check_steady(&rule, &h, now + 59999), 0);
    assert_int_equal(h.early_exits, 3);
    assert_int_equal(restart_check_steady(&rule, &h, now + 60000), 1);
    assert_int_equal(h.early_exits, 0);
    assert_int_equal(restart_recent_exits(&rule, &h, now + 60000), 0);
    assert_int_equal(restart_check_steady(&rule, &h, now + 90000), 0); /* said once */
    now += 90000;
    assert_int_equal(restart_exited(&rule, &h, now, &began), 500);
    assert_int_equal(began, 0);
}

static void test_crash_loop_at_the_fifth_exit(void **state) {
    (void)state;
    struct restart_history h;
    restart_history_init(&h);
    long long now = 0;
    int began;
    for (int i = 1; i <= 4; i++) {
        run_for(&rule, &h, &now, 50, &began);
        assert_int_equal(began, 0);
        assert_int_equal(h.crash_loop, 0);
        assert_int_equal(restart_recent_exits(&rule, &h, now), i);
    }
    run_for(&rule, &h, &now, 50, &began); /* 0.5 + 1 + 2 + 4 s of backoff: well within 60 s */
    assert_int_equal(began, 1);
    assert_int_equal(h.crash_loop, 1);
    run_for(&rule, &h, &now, 50, &began);
    assert_int_equal(began, 0); /* said once */
    assert_int_equal(h.crash_loop, 1);
}

static void test_exits_spread_wider_than_the_window_are_no_loop(void **state) {
    (void)state;
    struct restart_history h;
    restart_history_init(&h);
    long long now = 0;
    int began;
    /* runs of 20 s (not steady): an exit every ~20.5 s or more, 3 at most in 60 s */
    for (int i = 0; i < 20; i++) {
        run_for(&rule, &h, &now, 20000, &began);
        assert_int_equal(h.crash_loop, 0);
        assert_true(restart_recent_exits(&rule, &h, now) <= 3);
    }
}

static void test_crash_loop_lasts_until_a_steady_run(void **state) {
    (void)state;
    struct restart_history h;
    restart_history_init(&h);
    long long now = 0;
    int began;
    for (int i = 0; i < 5; i++)
        run_for(&rule, &h, &now, 10, &began);
    assert_int_equal(h.crash_loop, 1);
    /* the backoff at its cap: an exit every 30 s, fewer than 5 in 60 s, still a loop */
    for (int i = 0; i < 10; i++) {
        run_for(&rule, &h, &now, 10, &began);
        assert_int_equal(h.crash_loop, 1);
    }
    assert_true(restart_recent_exits(&rule, &h, now) < 5);
    /* a run of 59 s is not enough */
    run_for(&rule, &h, &now, 59000, &began);
    assert_int_equal(h.crash_loop, 1);
    restart_started(&h, now);
    assert_int_equal(restart_check_steady(&rule, &h, now + 60000), 1);
    assert_int_equal(h.crash_loop, 0);
    /* and a new loop takes five fresh exits */
    now += 60000;
    restart_exited(&rule, &h, now, &began);
    now += 500;
    for (int i = 0; i < 3; i++)
        run_for(&rule, &h, &now, 10, &began);
    assert_int_equal(h.crash_loop, 0);
    run_for(&rule, &h, &now, 10, &began);
    assert_int_equal(began, 1);
}

static void test_window_counts_only_recent_exits(void **state) {
    (void)state;
    struct restart_rule r = {10, 10, 600000, 3, 1000};
    struct restart_history h;
    restart_history_init(&h);
    int began;
    restart_started(&h, 0);
    restart_exited(&r, &h, 100, &began);
    restart_started(&h, 110);
    restart_exited(&r, &h, 700, &began);
    assert_int_equal(restart_recent_exits(&r, &h, 1099), 2);
    assert_int_equal(restart_recent_exits(&r, &h, 1100), 1); /* the first is 1000 ms old */
    restart_started(&h, 710);
    restart_exited(&r, &h, 1200, &began);
    assert_int_equal(began, 0); /* 100 fell out: two in the window */
    restart_started(&h, 1210);
    restart_exited(&r, &h, 1300, &began);
    assert_int_equal(began, 1); /* 700, 1200, 1300 */
}

static void test_the_largest_loop_count(void **state) {
    (void)state;
    struct restart_rule r = {1, 1, 600000, RESTART_MAX_LOOP_EXITS, 600000};
    struct restart_history h;
    restart_history_init(&h);
    long long now = 0;
    int began = 0;
    for (int i = 1; i < RESTART_MAX_LOOP_EXITS; i++) {
        run_for(&r, &h, &now, 1, &began);
        assert_int_equal(began, 0);
    }
    assert_int_equal(restart_recent_exits(&r, &h, now), RESTART_MAX_LOOP_EXITS - 1);
    run_for(&r, &h, &now, 1, &began);
    assert_int_equal(began, 1);
    run_for(&r, &h, &now, 1, &began); /* the ring wraps */
    assert_int_equal(restart_recent_exits(&r, &h, now), RESTART_MAX_LOOP_EXITS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles_to_its_cap),
        cmocka_unit_test(test_backoff_never_overflows),
        cmocka_unit_test(test_a_steady_run_resets_the_backoff),
        cmocka_unit_test(test_check_steady_once_per_run),
        cmocka_unit_test(test_crash_loop_at_the_fifth_exit),
        cmocka_unit_test(test_exits_spread_wider_than_the_window_are_no_loop),
        cmocka_unit_test(test_crash_loop_lasts_until_a_steady_run),
        cmocka_unit_test(test_window_counts_only_recent_exits),
        cmocka_unit_test(test_the_largest_loop_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
