/* Unit tests for http_status_append (common/http_status.c), the one helper
 * every /metrics writer builds its text with: text goes on where the last
 * part ended, a part that does not fit makes the length the capacity (and
 * the text stays terminated), and once full every later part is a no-op. */
#include <string.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "http_status.h"

static void test_appends_in_order(void **state) {
    (void)state;
    char buf[64];
    size_t n = http_status_append(buf, sizeof buf, 0, "a_total %d\n", 7);
    n = http_status_append(buf, sizeof buf, n, "b{x=\"%s\"} %.1f\n", "y", 1.5);
    assert_int_equal(n, strlen("a_total 7\nb{x=\"y\"} 1.5\n"));
    assert_string_equal(buf, "a_total 7\nb{x=\"y\"} 1.5\n");
}

static void test_full_is_capacity_and_stays_terminated(void **state) {
    (void)state;
    char buf[8];
    size_t n = http_status_append(buf, sizeof buf, 0, "%s", "0123456789");
    assert_int_equal(n, sizeof buf);
    assert_string_equal(buf, "0123456");
    assert_int_equal(http_status_append(buf, sizeof buf, n, "%s", "more"), sizeof buf);
    assert_string_equal(buf, "0123456");
}

static void test_exact_fit_counts_as_full(void **state) {
    (void)state;
    char buf[4];
    /* three characters and the terminator fit; the length is then 3, and a
     * fourth character makes it the capacity */
    size_t n = http_status_append(buf, sizeof buf, 0, "abc");
    assert_int_equal(n, 3);
    assert_int_equal(http_status_append(buf, sizeof buf, n, "d"), sizeof buf);
    assert_string_equal(buf, "abc");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_in_order),
        cmocka_unit_test(test_full_is_capacity_and_stays_terminated),
        cmocka_unit_test(test_exact_fit_counts_as_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
