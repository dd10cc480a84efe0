/* Unit tests for bridge/cdc/gtid.c: GTID positions kept as text. */
#include <string.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "cdc/gtid.h"

static void test_set_adds_and_moves_a_domain(void **state) {
    (void)state;
    char pos[64] = "";
    assert_int_equal(gtid_pos_set(pos, sizeof pos, 0, 1, 42), 0);
    assert_string_equal(pos, "0-1-42");
    assert_int_equal(gtid_pos_set(pos, sizeof pos, 0, 1, 43), 0);
    assert_string_equal(pos, "0-1-43");
    assert_int_equal(gtid_pos_set(pos, sizeof pos, 5, 9, 1), 0);
    assert_string_equal(pos, "0-1-43,5-9-1");
    assert_int_equal(gtid_pos_set(pos, sizeof pos, 0, 2, 44), 0); /* a new primary in domain 0 */
    assert_string_equal(pos, "0-2-44,5-9-1");
}

static void test_set_keeps_64_bit_sequences(void **state) {
    (void)state;
    char pos[64] = "";
    assert_int_equal(gtid_pos_set(pos, sizeof pos, 4294967295u, 4294967295u, 18446744073709551615ull), 0);
    assert_string_equal(pos, "4294967295-4294967295-18446744073709551615");
}

static void test_set_refuses_small_buffers_and_garbage(void **state) {
    (void)state;
    char small[6] = "";
    assert_int_equal(gtid_pos_set(small, sizeof small, 0, 1, 42), -1); /* "0-1-42" needs 7 bytes */
    char tiny[6] = "";
    assert_int_equal(gtid_pos_set(tiny, sizeof tiny, 0, 1, 420), -1);
    char bad[32] = "0-1";
    assert_int_equal(gtid_pos_set(bad, sizeof bad, 0, 1, 1), -1);
    assert_string_equal(bad, "0-1");
}

static void test_format(void **state) {
    (void)state;
    char out[GTID_TEXT_MAX];
    assert_int_equal(gtid_format(out, sizeof out, 0, 1, 42), 6);
    assert_string_equal(out, "0-1-42");
    assert_int_equal(gtid_format(out, sizeof out, 0, 0, 0), 5);
    assert_string_equal(out, "0-0-0");
    assert_int_equal(gtid_format(out, sizeof out, UINT32_MAX, UINT32_MAX, UINT64_MAX), GTID_TEXT_MAX - 1);
    assert_string_equal(out, "4294967295-4294967295-18446744073709551615");
    assert_true(gtid_pos_valid(out));
    char small[6];
    assert_int_equal(gtid_format(small, sizeof small, 0, 1, 42), -1); /* 6 characters and the NUL */
    assert_int_equal(gtid_format(small, sizeof small, 0, 1, 4), 5);
    /* Many domains: the position grows entry by entry, each moved in place. */
    char pos[256] = "";
    for (uint32_t d = 0; d < 5; d++)
        assert_int_equal(gtid_pos_set(pos, sizeof pos, d, 100 + d, 10 * d), 0);
    assert_int_equal(gtid_pos_set(pos, sizeof pos, 2, 7, 1000000), 0);
    assert_string_equal(pos, "0-100-0,1-101-10,2-7-1000000,3-103-30,4-104-40");
}

static void test_valid(void **state) {
    (void)state;
    assert_true(gtid_pos_valid(""));
    assert_true(gtid_pos_valid("0-1-42"));
    assert_true(gtid_pos_valid("0-1-42,1-2-3"));
    assert_false(gtid_pos_valid("0-1"));
    assert_false(gtid_pos_valid("0-1-42,"));
    assert_false(gtid_pos_valid("0-1-42;1-2-3"));
    assert_false(gtid_pos_valid("x-1-42"));
    assert_false(gtid_pos_valid("0-1-42'"));
    assert_false(gtid_pos_valid("99999999999-1-1"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_adds_and_moves_a_domain),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_set_keeps_64_bit_sequences),
        cmocka_unit_test(test_set_refuses_small_buffers_and_garbage),
        cmocka_unit_test(test_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
