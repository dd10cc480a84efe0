/* Unit tests of bridge/sink/sink_record.c: Debezium envelopes flattened
 * (c, u, d, r) with their add fields, unwrapped rows, values with no row,
 * numbers that keep their value (large integers, decimals, reals past what
 * jansson holds), and the text of row values. Rows are compared as compact
 * JSON text, so the order of columns counts. */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "sink/sink_record.h"

/* The source block CDC writes (bridge/cdc/event_json.c). */
#define SOURCE                                                                                                         \
    "\"source\":{\"version\":\"bridgelab-0.1\",\"connector\":\"mysql\",\"name\":\"dc01\",\"ts_ms\":1796119200000,"     \
    "\"snapshot\":\"false\",\"db\":\"orders\",\"sequence\":null,\"table\":\"sales_orders\",\"server_id\":1,"           \
    "\"gtid\":\"0-1-42\",\"file\":\"mysql-bin.000003\",\"pos\":4711,\"row\":0,\"thread\":null,\"query\":null}"
#define ADDED                                                                                                          \
    ",\"__file\":\"mysql-bin.000003\",\"__pos\":4711,\"__row\":0,\"__gtid\":\"0-1-42\",\"__source_ts_ms\":"            \
    "1796119200000}"

static struct sink_record record_of(const char *value) {
    return (struct sink_record){.topic = "dc01_sales_orders",
                                .partition = 0,
                                .offset = 7,
                                .value = value,
                                .value_len = value ? strlen(value) : 0};
}

/* The row of value as compact JSON (jansson's dump, insertion order), or
 * NULL; the caller frees it. */
static char *row_text(const char *value) {
    struct sink_record r = record_of(value);
    json_t *row = sink_record_row(&r);
    char *text = row ? json_dumps(row, JSON_COMPACT) : NULL;
    sink_record_release(&r);
    return text;
}

static void assert_row(const char *value, const char *expected) {
    char *text = row_text(value);
    if (!text)
        fail_msg("no row for %s", value);
    assert_string_equal(text, expected);
    free(text);
}

static void assert_no_row(const char *value) {
    char *text = row_text(value);
    if (text)
        fail_msg("%s gave the row %s", value ? value : "(tombstone)", text);
}

static void test_envelope_create_read_update(void **state) {
    (void)state;
    assert_row("{\"before\":null,\"after\":{\"id\":1,\"order_date\":\"2026-12-01T10:00:00Z\",\"customer_id\":7}," SOURCE
               ",\"op\":\"c\",\"ts_ms\":1796119200123,\"transaction\":null}",
               "{\"id\":1,\"order_date\":\"2026-12-01T10:00:00Z\",\"customer_id\":7,\"__op\":\"c\"" ADDED);
    assert_row("{\"before\":null,\"after\":{\"id\":2,\"customer_id\":null}," SOURCE
               ",\"op\":\"r\",\"ts_ms\":1,\"transaction\":null}",
               "{\"id\":2,\"customer_id\":null,\"__op\":\"r\"" ADDED);
    /* An update is its after image. */
    assert_row("{\"before\":{\"id\":3,\"quantity\":1},\"after\":{\"id\":3,\"quantity\":5}," SOURCE
               ",\"op\":\"u\",\"ts_ms\":1,\"transaction\":null}",
               "{\"id\":3,\"quantity\":5,\"__op\":\"u\"" ADDED);
}

static void test_envelope_delete(void **state) {
    (void)state;
    /* A delete is its before image. */
    assert_row("{\"before\":{\"id\":3,\"quantity\":5},\"after\":null," SOURCE
               ",\"op\":\"d\",\"ts_ms\":1,\"transaction\":null}",
               "{\"id\":3,\"quantity\":5,\"__op\":\"d\"" ADDED);
    /* An envelope whose image is no object has no row. */
    assert_no_row("{\"before\":null,\"after\":{\"id\":3}," SOURCE ",\"op\":\"d\"}");
    assert_no_row("{\"before\":{\"id\":3},\"after\":null," SOURCE ",\"op\":\"c\"}");
}

static void test_envelope_column_order_kept(void **state) {
    (void)state;
    /* Columns in the image's order, not sorted, whatever their names. */
    assert_row("{\"before\":null,\"after\":{\"zeta\":1,\"alpha\":2,\"mid\":3}," SOURCE ",\"op\":\"c\"}",
               "{\"zeta\":1,\"alpha\":2,\"mid\":3,\"__op\":\"c\"" ADDED);
}

static void test_envelope_without_source(void **state) {
    (void)state;
    /* Every add field is there, null when the source lacks it. */
    assert_row("{\"after\":{\"id\":1},\"op\":\"c\"}", "{\"id\":1,\"__op\":\"c\",\"__file\":null,\"__pos\":null,"
                                                      "\"__row\":null,\"__gtid\":null,\"__source_ts_ms\":null}");
    assert_row("{\"after\":{\"id\":1},\"op\":\"c\",\"source\":{\"gtid\":null,\"pos\":9}}",
               "{\"id\":1,\"__op\":\"c\",\"__file\":null,\"__pos\":9,\"__row\":null,\"__gtid\":null,"
               "\"__source_ts_ms\":null}");
    /* A column named like an add field is overwritten in its place. */
    assert_row("{\"after\":{\"__op\":\"x\",\"id\":1},\"op\":\"u\"}",
               "{\"__op\":\"u\",\"id\":1,\"__file\":null,\"__pos\":null,\"__row\":null,\"__gtid\":null,"
               "\"__source_ts_ms\":null}");
}

static void test_unwrapped_and_plain_objects(void **state) {
    (void)state;
    /* bridge cdc --unwrap: the row itself, sourcedc included. */
    assert_row("{\"id\":1,\"order_date\":\"2026-12-01\",\"customer_id\":7,\"sourcedc\":\"dc01\"}",
               "{\"id\":1,\"order_date\":\"2026-12-01\",\"customer_id\":7,\"sourcedc\":\"dc01\"}");
    /* "op" without an image, or an op that is no string: not an envelope. */
    assert_row("{\"op\":\"c\",\"id\":1}", "{\"op\":\"c\",\"id\":1}");
    assert_row("{\"op\":1,\"after\":{\"id\":1}}", "{\"op\":1,\"after\":{\"id\":1}}");
    assert_row("{}", "{}");
    assert_row("  {\"a\" : 1 }\n", "{\"a\":1}");
}

static void test_values_without_row(void **state) {
    (void)state;
    assert_no_row(NULL); /* a tombstone */
    assert_no_row("");
    assert_no_row("[1,2]");
    assert_no_row("42");
    assert_no_row("\"text\"");
    assert_no_row("null");
    assert_no_row("{\"a\":");
    assert_no_row("not json");
    assert_no_row("{\"a\":1} trailing");
    assert_no_row("{\"a\":\"\xff\"}"); /* not UTF-8 */
    /* A bad text stays bad when a big number sends it to the second try. */
    assert_no_row("{\"a\":18446744073709551615,}");
    assert_no_row("{\"a\":1,18446744073709551615:2}"); /* a number where a key belongs */
}

static void test_row_parsed_once(void **state) {
    (void)state;
    struct sink_record r = record_of("{\"a\":1}");
    json_t *first = sink_record_row(&r);
    assert_non_null(first);
    assert_ptr_equal(sink_record_row(&r), first);
    assert_int_equal(r.row_parsed, 1);
    sink_record_release(&r);
    assert_null(r.row);
    assert_int_equal(r.row_parsed, 0);
    /* No row is remembered too. */
    struct sink_record none = record_of("[]");
    assert_null(sink_record_row(&none));
    assert_int_equal(none.row_parsed, 1);
    sink_record_release(&none);
}

static void test_nul_in_strings(void **state) {
    (void)state;
    /* CDC writes a NUL byte of a VARCHAR as \u0000: the row keeps it. */
    struct sink_record r = record_of("{\"s\":\"a\\u0000b\"}");
    json_t *s = json_object_get(sink_record_row(&r), "s");
    assert_int_equal(json_string_length(s), 3);
    assert_memory_equal(json_string_value(s), "a\0b", 3);
    sink_record_release(&r);
}

/* The text sink_value_text gives for column "v" of the value's row. */
static void assert_value_text(const char *value, const char *expected) {
    struct sink_record r = record_of(value);
    struct json_writer *w = json_writer_new(0);
    const char *text = NULL;
    size_t len = 0;
    int has = sink_value_text(json_object_get(sink_record_row(&r), "v"), w, &text, &len);
    if (!expected) {
        assert_int_equal(has, 0);
    } else {
        assert_int_equal(has, 1);
        if (len != strlen(expected) || memcmp(text, expected, len) != 0)
            fail_msg("%s: got '%.*s', want '%s'", value, (int)len, text, expected);
    }
    json_writer_free(w);
    sink_record_release(&r);
}

static void test_numbers_round_trip(void **state) {
    (void)state;
    assert_value_text("{\"v\":0}", "0");
    assert_value_text("{\"v\":-7}", "-7");
    assert_value_text("{\"v\":9223372036854775807}", "9223372036854775807");
    assert_value_text("{\"v\":-9223372036854775808}", "-9223372036854775808");
    assert_value_text("{\"v\":1234567890123456789}", "1234567890123456789");
    /* Reals: the shortest text that reads back as the same double. */
    assert_value_text("{\"v\":2.50}", "2.5");
    assert_value_text("{\"v\":1e3}", "1000.0");
    assert_value_text("{\"v\":0.1}", "0.1");
    assert_value_text("{\"v\":-0.0}", "-0.0");
    assert_value_text("{\"v\":1.7976931348623157e308}", "1.7976931348623157e+308");
    assert_value_text("{\"v\":5e-324}", "4.94065645841247e-324"); /* 15 digits read back the same */
    assert_value_text("{\"v\":0.30000000000000004}", "0.30000000000000004");
    assert_value_text("{\"v\":1e-400}", "0.0"); /* underflow: jansson reads 0 */
    /* Decimals come from CDC as strings: their text exactly. */
    assert_value_text("{\"v\":\"2.50\"}", "2.50");
}

static void test_numbers_jansson_cannot_hold(void **state) {
    (void)state;
    /* BIGINT UNSIGNED past 2^63-1, and beyond: the very digits, as text. */
    assert_value_text("{\"v\":18446744073709551615}", "18446744073709551615");
    assert_value_text("{\"v\":9223372036854775808}", "9223372036854775808");
    assert_value_text("{\"v\":-9223372036854775809}", "-9223372036854775809");
    assert_value_text("{\"v\":123456789012345678901234567890}", "123456789012345678901234567890");
    assert_value_text("{\"v\":1e400}", "1e400");
    assert_value_text("{\"v\":-1.5E+999}", "-1.5E+999");
    /* The rest of the value loads as usual, strings that look like numbers
     * untouched, arrays and nested objects too. */
    assert_row("{\"a\":\"18446744073709551616\",\"b\":18446744073709551616,\"c\":[1,18446744073709551616,2.5],"
               "\"d\":{\"e\":-99999999999999999999},\"f\":\"x\\\"y\",\"g\":5}",
               "{\"a\":\"18446744073709551616\",\"b\":\"18446744073709551616\",\"c\":[1,\"18446744073709551616\",2.5],"
               "\"d\":{\"e\":\"-99999999999999999999\"},\"f\":\"x\\\"y\",\"g\":5}");
    /* Inside an envelope's image. */
    assert_row("{\"after\":{\"id\":18446744073709551615},\"op\":\"c\",\"source\":{\"pos\":1}}",
               "{\"id\":\"18446744073709551615\",\"__op\":\"c\",\"__file\":null,\"__pos\":1,\"__row\":null,"
               "\"__gtid\":null,\"__source_ts_ms\":null}");
}

static void test_value_text_kinds(void **state) {
    (void)state;
    assert_value_text("{\"v\":\"caf\xc3\xa9, \\\"ok\\\"\\n\"}", "caf\xc3\xa9, \"ok\"\n");
    assert_value_text("{\"v\":true}", "true");
    assert_value_text("{\"v\":false}", "false");
    assert_value_text("{\"v\":null}", NULL);
    assert_value_text("{\"w\":1}", NULL); /* missing */
    assert_value_text("{\"v\":{\"b\":[1,2.50,\"x\",null,{}],\"a\":true}}", "{\"b\":[1,2.5,\"x\",null,{}],\"a\":true}");
    assert_value_text("{\"v\":[]}", "[]");
    assert_value_text("{\"v\":[\"\\u0000\"]}", "[\"\\u0000\"]");
}

static void test_value_text_deep_nesting(void **state) {
    (void)state;
    /* Deeper than the JSON writer nests: jansson's text takes over. */
    char value[256] = "{\"v\":", expected[256] = "";
    for (int i = 0; i < 40; i++) {
        strcat(value, "[");
        strcat(expected, "[");
    }
    strcat(value, "1");
    strcat(expected, "1");
    for (int i = 0; i < 40; i++) {
        strcat(value, "]");
        strcat(expected, "]");
    }
    strcat(value, "}");
    assert_value_text(value, expected);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_create_read_update),
        cmocka_unit_test(test_envelope_delete),
        cmocka_unit_test(test_envelope_column_order_kept),
        cmocka_unit_test(test_envelope_without_source),
        cmocka_unit_test(test_unwrapped_and_plain_objects),
        cmocka_unit_test(test_values_without_row),
        cmocka_unit_test(test_row_parsed_once),
        cmocka_unit_test(test_nul_in_strings),
        cmocka_unit_test(test_numbers_round_trip),
        cmocka_unit_test(test_numbers_jansson_cannot_hold),
        cmocka_unit_test(test_value_text_kinds),
        cmocka_unit_test(test_value_text_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
