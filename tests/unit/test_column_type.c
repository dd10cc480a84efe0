/* Unit tests for bridge/cdc/column_type.c: ENUM and SET value names as
 * information_schema.COLUMNS.COLUMN_TYPE shows them on MariaDB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "cdc/column_type.h"

static void test_enum_and_set(void **state) {
    (void)state;
    char **v;
    assert_int_equal(column_type_enum_values("enum('new','paid','shipped')", &v), 3);
    assert_string_equal(v[0], "new");
    assert_string_equal(v[1], "paid");
    assert_string_equal(v[2], "shipped");
    column_type_free(v, 3);
    assert_int_equal(column_type_enum_values("set('p','q')", &v), 2);
    assert_string_equal(v[1], "q");
    column_type_free(v, 2);
    assert_int_equal(column_type_enum_values("ENUM('only')", &v), 1);
    assert_string_equal(v[0], "only");
    column_type_free(v, 1);
}

/* Exactly what MariaDB 10.11 showed for
 * ENUM('x','it''s','b\\s','','日本','a,b'). */
static void test_quoting(void **state) {
    (void)state;
    char **v;
    assert_int_equal(column_type_enum_values("enum('x','it''s','b\\\\s','','日本','a,b')", &v), 6);
    assert_string_equal(v[0], "x");
    assert_string_equal(v[1], "it's");
    assert_string_equal(v[2], "b\\s");
    assert_string_equal(v[3], "");
    assert_string_equal(v[4], "日本");
    assert_string_equal(v[5], "a,b");
    column_type_free(v, 6);
    assert_int_equal(column_type_enum_values("enum('a\\nb','c\\rd','e\\Zf','g)h')", &v), 4);
    assert_string_equal(v[0], "a\nb");
    assert_string_equal(v[1], "c\rd");
    assert_string_equal(v[2], "e\032f");
    assert_string_equal(v[3], "g)h");
    column_type_free(v, 4);
}

static void test_not_enum(void **state) {
    (void)state;
    char **v = (char **)1;
    assert_int_equal(column_type_enum_values("int(11)", &v), 0);
    assert_null(v);
    assert_int_equal(column_type_enum_values("varchar(255)", &v), 0);
    assert_int_equal(column_type_enum_values("", &v), 0);
    assert_int_equal(column_type_enum_values("enumeration", &v), 0);
}

static void test_malformed(void **state) {
    (void)state;
    char **v;
    const char *bad[] = {"enum(",   "enum()",      "enum('a'", "enum('a)",   "enum('a',)",
                         "enum(a)", "enum('a') x", "set('a''", "enum('a''b)"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (column_type_enum_values(bad[i], &v) != -1)
            fail_msg("accepted %s", bad[i]);
        assert_null(v);
    }
}

/* Many names: the array grows. */
static void test_many(void **state) {
    (void)state;
    char text[8192] = "enum(";
    size_t used = 5;
    for (int i = 0; i < 300; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s'v%d'", i ? "," : "", i + 1);
    snprintf(text + used, sizeof text - used, ")");
    char **v;
    assert_int_equal(column_type_enum_values(text, &v), 300);
    assert_string_equal(v[0], "v1");
    assert_string_equal(v[299], "v300");
    column_type_free(v, 300);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enum_and_set), cmocka_unit_test(test_quoting), cmocka_unit_test(test_not_enum),
        cmocka_unit_test(test_malformed),    cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
