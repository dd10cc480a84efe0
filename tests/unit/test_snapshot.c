/* Unit tests for bridge/cdc/snapshot.c's text-to-value conversion: a snapshot
 * row must come out as the same typed values the binlog decoder gives. */
#include <string.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "cdc/snapshot.h"

static MYSQL_FIELD field(enum enum_field_types type, unsigned flags, unsigned charsetnr, unsigned long length) {
    MYSQL_FIELD f;
    memset(&f, 0, sizeof f);
    f.type = type;
    f.flags = flags;
    f.charsetnr = charsetnr;
    f.length = length;
    return f;
}

static struct value convert(MYSQL_FIELD f, const char *text) {
    struct value v;
    snapshot_value_from_text(&f, text, text ? (unsigned long)strlen(text) : 0, &v);
    return v;
}

static void test_integers(void **state) {
    (void)state;
    struct value v = convert(field(MYSQL_TYPE_LONGLONG, 0, 63, 20), "-9223372036854775808");
    assert_int_equal(v.kind, VALUE_INT);
    assert_true(v.v.i == INT64_MIN);
    v = convert(field(MYSQL_TYPE_LONGLONG, UNSIGNED_FLAG, 63, 20), "18446744073709551615");
    assert_int_equal(v.kind, VALUE_UINT);
    assert_true(v.v.u == UINT64_MAX);
    v = convert(field(MYSQL_TYPE_YEAR, UNSIGNED_FLAG, 63, 4), "2026");
    assert_int_equal(v.kind, VALUE_INT);
    assert_int_equal(v.v.i, 2026);
}

static void test_decimal_and_doubles(void **state) {
    (void)state;
    struct value v = convert(field(MYSQL_TYPE_NEWDECIMAL, 0, 63, 12), "-12.50");
    assert_int_equal(v.kind, VALUE_DECIMAL);
    assert_int_equal(v.v.text.len, 6);
    assert_memory_equal(v.v.text.data, "-12.50", 6);
    v = convert(field(MYSQL_TYPE_DOUBLE, 0, 63, 22), "0.1");
    assert_int_equal(v.kind, VALUE_DOUBLE);
    assert_true(v.v.d == 0.1);
}

static void test_strings_and_bytes(void **state) {
    (void)state;
    struct value v = convert(field(MYSQL_TYPE_VAR_STRING, 0, 45, 200), "Zoë 🍕");
    assert_int_equal(v.kind, VALUE_STRING);
    assert_int_equal(v.v.text.len, strlen("Zoë 🍕"));
    v = convert(field(MYSQL_TYPE_BLOB, BINARY_FLAG, 63, 65535), "\x01\x02");
    assert_int_equal(v.kind, VALUE_BYTES);
    v = convert(field(MYSQL_TYPE_STRING, ENUM_FLAG, 45, 20), "large");
    assert_int_equal(v.kind, VALUE_STRING);
    v = convert(field(MYSQL_TYPE_BIT, UNSIGNED_FLAG, 63, 1), "\x01");
    assert_int_equal(v.kind, VALUE_BOOL);
    assert_int_equal(v.v.i, 1);
    v = convert(field(MYSQL_TYPE_BIT, UNSIGNED_FLAG, 63, 12), "\x0f\xff");
    assert_int_equal(v.kind, VALUE_BYTES);
    v = convert(field(MYSQL_TYPE_VAR_STRING, 0, 45, 20), NULL);
    assert_int_equal(v.kind, VALUE_NULL);
}

static void test_temporal(void **state) {
    (void)state;
    struct value v = convert(field(MYSQL_TYPE_DATE, 0, 63, 10), "0000-00-00");
    assert_int_equal(v.kind, VALUE_DATE);
    assert_int_equal(v.v.time.year, 0);
    v = convert(field(MYSQL_TYPE_DATETIME, 0, 63, 26), "2026-11-25 15:04:05.000120");
    assert_int_equal(v.kind, VALUE_DATETIME);
    assert_int_equal(v.v.time.year, 2026);
    assert_int_equal(v.v.time.month, 11);
    assert_int_equal(v.v.time.day, 25);
    assert_int_equal(v.v.time.hour, 15);
    assert_int_equal(v.v.time.second, 5);
    assert_int_equal(v.v.time.usec, 120);
    v = convert(field(MYSQL_TYPE_TIME, 0, 63, 10), "-838:59:59.5");
    assert_int_equal(v.kind, VALUE_TIME);
    assert_true(v.v.time.negative);
    assert_int_equal(v.v.time.hour, 838);
    assert_int_equal(v.v.time.usec, 500000);
    v = convert(field(MYSQL_TYPE_TIMESTAMP, 0, 63, 19), "1970-01-02 00:00:01");
    assert_int_equal(v.kind, VALUE_TIMESTAMP);
    assert_int_equal(v.v.epoch.seconds, 86401);
    v = convert(field(MYSQL_TYPE_TIMESTAMP, 0, 63, 19), "0000-00-00 00:00:00");
    assert_int_equal(v.v.epoch.seconds, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_decimal_and_doubles),
        cmocka_unit_test(test_strings_and_bytes),
        cmocka_unit_test(test_temporal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
