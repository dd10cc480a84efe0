/* Unit tests for common/clock.c: the monotonic clock never goes back, a
 * sleep lasts at least as long as asked, the wall clock is the epoch's (in ns
 * too), and the stoppable sleep stops at the first "yes" and only then. */
#include <signal.h>
#include <string.h>
#include <time.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "clock.h"

static void test_mono_never_goes_back(void **state) {
    (void)state;
    long long prev = clock_mono_ms();
    for (int i = 0; i < 100000; i++) {
        long long now = clock_mono_ms();
        assert_true(now >= prev);
        prev = now;
    }
}

/* The coarse clock is the monotonic one read at the last tick: never ahead
 * of it, never a tick (4 ms here; 50 ms allowed) behind, never back. */
static void test_coarse_trails_mono(void **state) {
    (void)state;
    long long prev = clock_coarse_ms();
    for (int i = 0; i < 100000; i++) {
        long long coarse = clock_coarse_ms();
        long long mono = clock_mono_ms();
        assert_true(coarse >= prev);
        assert_true(coarse <= mono);
        assert_true(coarse >= mono - 50);
        prev = coarse;
    }
}

static void test_wall_is_epoch_ms(void **state) {
    (void)state;
    long long before = (long long)time(NULL) * 1000;
    long long wall = clock_wall_ms();
    long long after = (long long)time(NULL) * 1000;
    /* time() truncates to the second, and may read a coarser clock that
     * lags by a tick: allow a second either side. */
    assert_true(wall >= before - 1000);
    assert_true(wall < after + 2000);
}

/* The nanosecond wall clock reads the same clock: between two readings of
 * the millisecond one, and finer than it. */
static void test_wall_ns_is_the_same_clock(void **state) {
    (void)state;
    long long before = clock_wall_ms();
    long long ns = clock_wall_ns();
    long long after = clock_wall_ms();
    assert_true(ns / 1000000 >= before);
    assert_true(ns / 1000000 <= after);
    int finer = 0;
    for (int i = 0; i < 1000 && !finer; i++)
        finer = clock_wall_ns() % 1000000 != 0;
    assert_true(finer);
}

static void test_sleep_lasts_at_least(void **state) {
    (void)state;
    long long started = clock_mono_ms();
    clock_sleep_ms(20);
    assert_true(clock_mono_ms() - started >= 20);

    started = clock_mono_ms();
    clock_sleep_ms(1020); /* whole seconds and the rest */
    long long took = clock_mono_ms() - started;
    assert_true(took >= 1020);
    assert_true(took < 3000);
}

static void test_sleep_nothing(void **state) {
    (void)state;
    long long started = clock_mono_ms();
    clock_sleep_ms(0);
    clock_sleep_ms(-5);
    assert_true(clock_mono_ms() - started < 20);
}

/* A stop predicate that says "stop" from its stop_at-th question on. */
static int asked, stop_at;

static int stop_on_cue(void) { return ++asked >= stop_at; }

static void test_sleep_or_stop_full_time(void **state) {
    (void)state;
    asked = 0;
    stop_at = 1000;
    long long started = clock_mono_ms();
    assert_int_equal(clock_sleep_or_stop(200, stop_on_cue), 0);
    assert_true(clock_mono_ms() - started >= 200);
    assert_int_equal(asked, 5); /* before each of the 4 steps, and at the end */
}

static void test_sleep_or_stop_rounds_up_to_steps(void **state) {
    (void)state;
    asked = 0;
    stop_at = 1000;
    long long started = clock_mono_ms();
    assert_int_equal(clock_sleep_or_stop(120, stop_on_cue), 0);
    assert_true(clock_mono_ms() - started >= 150);
    assert_int_equal(asked, 4);
}

static void test_sleep_or_stop_returns_early(void **state) {
    (void)state;
    asked = 0;
    stop_at = 3;
    long long started = clock_mono_ms();
    assert_int_equal(clock_sleep_or_stop(10000, stop_on_cue), 1);
    long long took = clock_mono_ms() - started;
    assert_true(took >= 100); /* two steps slept before the third question */
    assert_true(took < 2000);
    assert_int_equal(asked, 3);
}

static void test_sleep_or_stop_already_stopped(void **state) {
    (void)state;
    asked = 0;
    stop_at = 1;
    long long started = clock_mono_ms();
    assert_int_equal(clock_sleep_or_stop(10000, stop_on_cue), 1);
    assert_true(clock_mono_ms() - started < 50);
    /* Even with nothing to wait, the answer is the predicate's. */
    asked = 0;
    assert_int_equal(clock_sleep_or_stop(0, stop_on_cue), 1);
    assert_int_equal(asked, 1);
}

static void test_sleep_or_stop_without_predicate(void **state) {
    (void)state;
    long long started = clock_mono_ms();
    assert_int_equal(clock_sleep_or_stop(100, NULL), 0);
    assert_true(clock_mono_ms() - started >= 100);
    assert_int_equal(clock_sleep_or_stop(0, NULL), 0);
}

/* A signal ends a sleep early (it is not resumed): what lets a SIGTERM
 * cut a backoff short. */
static void on_alarm(int signo) { (void)signo; }

static void test_signal_ends_sleep(void **state) {
    (void)state;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    alarm(1);
    long long started = clock_mono_ms();
    clock_sleep_ms(10000);
    long long took = clock_mono_ms() - started;
    alarm(0);
    sigaction(SIGALRM, &old, NULL);
    assert_true(took < 5000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mono_never_goes_back),
        cmocka_unit_test(test_coarse_trails_mono),
        cmocka_unit_test(test_wall_is_epoch_ms),
        cmocka_unit_test(test_wall_ns_is_the_same_clock),
        cmocka_unit_test(test_sleep_lasts_at_least),
        cmocka_unit_test(test_sleep_nothing),
        cmocka_unit_test(test_sleep_or_stop_full_time),
        cmocka_unit_test(test_sleep_or_stop_rounds_up_to_steps),
        cmocka_unit_test(test_sleep_or_stop_returns_early),
        cmocka_unit_test(test_sleep_or_stop_already_stopped),
        cmocka_unit_test(test_sleep_or_stop_without_predicate),
        cmocka_unit_test(test_signal_ends_sleep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
