/* Unit tests for dashboard/values.c: DECIMAL text to cents exactly (never a
 * double), cents back to text, ISO 8601 and epoch-ms times, minutes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "values.h"

static long long cents(const char *text) {
    long long v = -999999;
    assert_int_equal(value_cents_parse(text, &v), 0);
    return v;
}

static void test_cents_parse(void **state) {
    (void)state;
    assert_int_equal(cents("2.50"), 250);
    assert_int_equal(cents("2.5"), 250);
    assert_int_equal(cents("0.05"), 5);
    assert_int_equal(cents("-12.34"), -1234);
    assert_int_equal(cents("+7"), 700);
    assert_int_equal(cents("99999999.99"), 9999999999LL);
    assert_int_equal(cents(".10"), 10);
    long long v;
    const char *bad[] = {"", "-", ".", "1.234", "1,50", "1.5x", "abc", "1e3", " 1", "12345678901234567890"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(value_cents_parse(bad[i], &v), -1);
}

static void test_cents_format(void **state) {
    (void)state;
    char text[32];
    value_cents_format(123450, text, sizeof text);
    assert_string_equal(text, "1234.50");
    value_cents_format(-5, text, sizeof text);
    assert_string_equal(text, "-0.05");
    value_cents_format(0, text, sizeof text);
    assert_string_equal(text, "0.00");
}

static long long ms(const char *text) {
    long long v = -1;
    assert_int_equal(value_time_parse(text, &v), 0);
    return v;
}

static void test_time_parse(void **state) {
    (void)state;
    assert_int_equal(ms("2026-12-01T10:00:00Z"), 1796119200000LL);
    assert_int_equal(ms("2026-12-01 10:00:00"), 1796119200000LL);
    assert_int_equal(ms("2026-12-01T11:00:00+01:00"), 1796119200000LL);
    assert_int_equal(ms("2026-12-01T10:00:00.250Z"), 1796119200250LL);
    assert_int_equal(ms("2026-12-01T10:00Z"), 1796119200000LL);
    assert_int_equal(ms("2026-12-01"), 1796083200000LL);
    assert_int_equal(ms("1796119200000"), 1796119200000LL);
    assert_int_equal(ms("1970-01-01T00:00:00Z"), 0);
    long long v;
    const char *bad[] = {"",          "2026-13-01", "2026-12-01T25:00:00Z", "2026-12-01T10:00:00Q",
                         "yesterday", "-5",         "2026-12-01T10",        "12ab"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(value_time_parse(bad[i], &v), -1);
}

static void test_time_format_and_minute(void **state) {
    (void)state;
    char text[40];
    value_time_format(1796119200000LL, text, sizeof text);
    assert_string_equal(text, "2026-12-01T10:00:00Z");
    value_time_format(1796119200250LL, text, sizeof text);
    assert_string_equal(text, "2026-12-01T10:00:00.250Z");
    value_time_format(-1, text, sizeof text);
    assert_string_equal(text, "1969-12-31T23:59:59.999Z");
    assert_int_equal(value_minute(1796119230000LL), 1796119200000LL);
    assert_int_equal(value_minute(-1), -60000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cents_parse),
        cmocka_unit_test(test_cents_format),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_format_and_minute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
