/* Unit tests of bridge/sink/row_schema.c: the "bridgelab.columns" header
 * (every type, nullable ones, headers that do not parse and their errors),
 * the envelope's columns after the table's, types inferred from values,
 * fingerprints, the cheap check that a record fits a schema, and every
 * value conversion (decimals to 65 digits in two's complement, scale
 * padding and its limits, uint64 up to 2^64-1, base64, dates and
 * timestamps before 1970 and with fractions, times, nulls). */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert_text.h"
#include "sink/row_schema.h"

/* The envelope CDC writes, around an image. */
#define ENVELOPE(image)                                                                                                \
    "{\"before\":null,\"after\":" image ",\"source\":{\"version\":\"bridgelab-0.1\",\"connector\":\"mysql\","          \
    "\"name\":\"dc01\",\"ts_ms\":1796119200000,\"snapshot\":\"false\",\"db\":\"orders\",\"sequence\":null,"            \
    "\"table\":\"t\",\"server_id\":1,\"gtid\":null,\"file\":\"mysql-bin.000003\",\"pos\":4711,\"row\":0,"              \
    "\"thread\":null,\"query\":null},\"op\":\"c\",\"ts_ms\":1796119200001,\"transaction\":null}"

#define ENVELOPE_FINGERPRINT                                                                                           \
    "[\"__op\",\"string\"],[\"__file\",\"string?\"],[\"__pos\",\"int64?\"],[\"__row\",\"int64?\"],"                    \
    "[\"__gtid\",\"string?\"],[\"__source_ts_ms\",\"int64?\"]]"

static struct sink_record record_of(const char *header, const char *value) {
    return (struct sink_record){.topic = "dc01_t",
                                .partition = 2,
                                .offset = 41,
                                .value = value,
                                .value_len = value ? strlen(value) : 0,
                                .columns = header,
                                .columns_len = header ? strlen(header) : 0};
}

static struct row_schema *schema_of(const char *header, const char *value, char *err, size_t errlen) {
    struct sink_record r = record_of(header, value);
    struct row_schema *s = row_schema_of(&r, err, errlen);
    sink_record_release(&r);
    return s;
}

static void assert_fingerprint(const char *header, const char *value, const char *expected) {
    char err[512];
    struct row_schema *s = schema_of(header, value, err, sizeof err);
    if (!s)
        fail_msg("no schema for %s / %s: %s", header ? header : "(no header)", value, err);
    assert_string_equal(s->fingerprint, expected);
    row_schema_free(s);
}

static void test_header_every_type(void **state) {
    (void)state;
    const char *header = "[[\"b\",\"boolean\"],[\"i\",\"int32\"],[\"l\",\"int64?\"],[\"u\",\"uint64\"],"
                         "[\"f\",\"float?\"],[\"d\",\"double\"],[\"price\",\"decimal(10,2)?\"],"
                         "[\"wide\",\"decimal(65,30)\"],[\"s\",\"string\"],[\"raw\",\"bytes?\"],"
                         "[\"day\",\"date\"],[\"t\",\"time?\"],[\"at\",\"timestamp?\"],[\"caf\xc3\xa9\",\"string\"]]";
    char err[512];
    struct row_schema *s = schema_of(header, "{\"b\":true}", err, sizeof err);
    assert_non_null(s);
    assert_int_equal(s->count, 14);
    static const enum row_type types[] = {ROW_BOOLEAN, ROW_INT32,   ROW_INT64,     ROW_UINT64, ROW_FLOAT,
                                          ROW_DOUBLE,  ROW_DECIMAL, ROW_DECIMAL,   ROW_STRING, ROW_BYTES,
                                          ROW_DATE,    ROW_TIME,    ROW_TIMESTAMP, ROW_STRING};
    static const int nullable[] = {0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0};
    for (size_t i = 0; i < s->count; i++) {
        assert_int_equal(s->columns[i].type, types[i]);
        assert_int_equal(s->columns[i].nullable, nullable[i]);
    }
    assert_string_equal(s->columns[0].name, "b");
    assert_string_equal(s->columns[13].name, "caf\xc3\xa9");
    assert_int_equal(s->columns[3].precision, 20); /* uint64: decimal(20,0) */
    assert_int_equal(s->columns[3].scale, 0);
    assert_int_equal(s->columns[6].precision, 10);
    assert_int_equal(s->columns[6].scale, 2);
    assert_int_equal(s->columns[7].precision, 65);
    assert_int_equal(s->columns[7].scale, 30);
    /* The fingerprint spells the columns as the header does. */
    assert_string_equal(s->fingerprint, "[[\"b\",\"boolean\"],[\"i\",\"int32\"],[\"l\",\"int64?\"],[\"u\",\"uint64\"],"
                                        "[\"f\",\"float?\"],[\"d\",\"double\"],[\"price\",\"decimal(10,2)?\"],"
                                        "[\"wide\",\"decimal(65,30)\"],[\"s\",\"string\"],[\"raw\",\"bytes?\"],"
                                        "[\"day\",\"date\"],[\"t\",\"time?\"],[\"at\",\"timestamp?\"],"
                                        "[\"caf\xc3\xa9\",\"string\"]]");
    row_schema_free(s);
    row_schema_free(NULL);
}

static void test_bad_headers(void **state) {
    (void)state;
    static const struct {
        const char *header, *says;
    } cases[] = {
        {"not json", "not a JSON array"},
        {"{\"id\":\"int32\"}", "not a JSON array"},
        {"[[\"id\"]]", "column 1 is not a [name, type] pair"},
        {"[[\"id\",\"int32\"],[\"n\",1]]", "column 2 is not a [name, type] pair"},
        {"[[\"id\",\"int32\",\"x\"]]", "column 1 is not a [name, type] pair"},
        {"[\"id\"]", "column 1 is not a [name, type] pair"},
        {"[[\"id\",\"int\"]]", "column \"id\": unknown type \"int\""},
        {"[[\"id\",\"INT32\"]]", "unknown type \"INT32\""},
        {"[[\"id\",\"int32??\"]]", "unknown type \"int32??\""},
        {"[[\"id\",\" int32\"]]", "unknown type"},
        {"[[\"p\",\"decimal(0,0)\"]]", "unknown type \"decimal(0,0)\""},
        {"[[\"p\",\"decimal(66,2)\"]]", "unknown type \"decimal(66,2)\""},
        {"[[\"p\",\"decimal(5,6)\"]]", "unknown type \"decimal(5,6)\""},
        {"[[\"p\",\"decimal(5)\"]]", "unknown type"},
        {"[[\"p\",\"decimal(5, 2)\"]]", "unknown type"},
        {"[[\"p\",\"decimal(,2)\"]]", "unknown type"},
        {"[[\"p\",\"decimal\"]]", "unknown type"},
        {"[[\"id\",\"int32\"],[\"id\",\"int64\"]]", "column 2: the name \"id\" appears twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512] = "untouched";
        struct row_schema *s = schema_of(cases[i].header, "{\"id\":1}", err, sizeof err);
        if (s)
            fail_msg("%s parsed", cases[i].header);
        assert_contains(err, "topic dc01_t partition 2 offset 41: the bridgelab.columns header: ");
        assert_contains(err, cases[i].says);
    }
    /* The list of types is in the error. */
    char err[512];
    assert_null(schema_of("[[\"id\",\"int\"]]", "{\"id\":1}", err, sizeof err));
    assert_contains(err, "boolean, int32, int64, uint64, float, double, decimal(P,S) with 1 <= P <= 65");
}

static void test_no_row(void **state) {
    (void)state;
    const char *values[] = {NULL, "[1,2]", "not json", "42", ENVELOPE("null")};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char err[64] = "untouched";
        assert_null(schema_of("[[\"id\",\"int32\"]]", values[i], err, sizeof err));
        assert_string_equal(err, "");
        assert_null(schema_of(NULL, values[i], err, sizeof err));
        assert_string_equal(err, "");
    }
}

static void test_envelope_columns(void **state) {
    (void)state;
    const char *header = "[[\"id\",\"int32\"],[\"note\",\"string?\"]]";
    /* An envelope's flat row: the six fields follow the table's columns. */
    assert_fingerprint(header, ENVELOPE("{\"id\":1,\"note\":null}"),
                       "[[\"id\",\"int32\"],[\"note\",\"string?\"]," ENVELOPE_FINGERPRINT);
    char err[256];
    struct row_schema *s = schema_of(header, ENVELOPE("{\"id\":1,\"note\":null}"), err, sizeof err);
    assert_int_equal(s->count, 8);
    row_schema_free(s);
    /* An unwrapped row: the header's columns alone. */
    assert_fingerprint(header, "{\"id\":1,\"note\":\"x\"}", "[[\"id\",\"int32\"],[\"note\",\"string?\"]]");
    /* A row that holds only some of the fields is no envelope's. */
    assert_fingerprint(header, "{\"id\":1,\"__op\":\"c\",\"__file\":\"f\"}",
                       "[[\"id\",\"int32\"],[\"note\",\"string?\"]]");
    /* A column the header names already keeps its place and type. */
    assert_fingerprint("[[\"id\",\"int32\"],[\"__row\",\"string\"]]", ENVELOPE("{\"id\":1,\"__row\":\"x\"}"),
                       "[[\"id\",\"int32\"],[\"__row\",\"string\"],[\"__op\",\"string\"],[\"__file\",\"string?\"],"
                       "[\"__pos\",\"int64?\"],[\"__gtid\",\"string?\"],[\"__source_ts_ms\",\"int64?\"]]");
}

static void test_inference(void **state) {
    (void)state;
    assert_fingerprint(NULL,
                       "{\"i\":-7,\"big\":18446744073709551615,\"r\":2.5,\"t\":true,\"f\":false,\"s\":\"x\","
                       "\"n\":null,\"o\":{\"a\":1},\"a\":[1]}",
                       "[[\"i\",\"int64?\"],[\"big\",\"string?\"],[\"r\",\"double?\"],[\"t\",\"boolean?\"],"
                       "[\"f\",\"boolean?\"],[\"s\",\"string?\"],[\"n\",\"string?\"],[\"o\",\"string?\"],"
                       "[\"a\",\"string?\"]]");
    /* An envelope's own fields keep their types, after the image's columns. */
    assert_fingerprint(NULL, ENVELOPE("{\"id\":1,\"price\":\"2.50\"}"),
                       "[[\"id\",\"int64?\"],[\"price\",\"string?\"]," ENVELOPE_FINGERPRINT);
    assert_fingerprint(NULL, "{}", "[]");
}

static void test_fingerprints(void **state) {
    (void)state;
    char err[256];
    struct row_schema *a = schema_of("[[\"id\",\"int64?\"],[\"p\",\"decimal(5,2)\"]]", "{}", err, sizeof err);
    struct row_schema *spaced =
        schema_of(" [ [\"id\", \"int64?\"] ,\n [\"p\",\"decimal(5,2)\"] ] ", "{}", err, sizeof err);
    assert_string_equal(a->fingerprint, spaced->fingerprint);
    static const char *const others[] = {
        "[[\"id\",\"int64\"],[\"p\",\"decimal(5,2)\"]]",  /* nullability */
        "[[\"id\",\"int32?\"],[\"p\",\"decimal(5,2)\"]]", /* type */
        "[[\"id\",\"int64?\"],[\"p\",\"decimal(6,2)\"]]", /* precision */
        "[[\"id\",\"int64?\"],[\"p\",\"decimal(5,1)\"]]", /* scale */
        "[[\"p\",\"decimal(5,2)\"],[\"id\",\"int64?\"]]", /* order */
        "[[\"ID\",\"int64?\"],[\"p\",\"decimal(5,2)\"]]", /* name */
        "[[\"id\",\"int64?\"]]",                          /* fewer */
        "[[\"id\",\"int64?\"],[\"p\",\"decimal(5,2)\"],[\"x\",\"string\"]]",
        "[[\"id\\\"],[\\\"p\",\"int64?\"],[\"p\",\"decimal(5,2)\"]]", /* quotes in a name */
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        struct row_schema *b = schema_of(others[i], "{}", err, sizeof err);
        assert_non_null(b);
        if (strcmp(a->fingerprint, b->fingerprint) == 0)
            fail_msg("%s has the fingerprint of %s", others[i], a->fingerprint);
        row_schema_free(b);
    }
    /* Inferred and declared columns of the same types are the same schema. */
    struct row_schema *inferred = schema_of(NULL, "{\"id\":1,\"s\":\"x\"}", err, sizeof err);
    struct row_schema *declared = schema_of("[[\"id\",\"int64?\"],[\"s\",\"string?\"]]", "{}", err, sizeof err);
    assert_string_equal(inferred->fingerprint, declared->fingerprint);
    row_schema_free(inferred);
    row_schema_free(declared);
    row_schema_free(a);
    row_schema_free(spaced);
}

static int fits(const struct row_schema *s, const char *header, const char *value) {
    struct sink_record r = record_of(header, value);
    int result = row_schema_fits(s, &r);
    sink_record_release(&r);
    return result;
}

static void test_fits(void **state) {
    (void)state;
    const char *header = "[[\"id\",\"int32\"],[\"note\",\"string?\"]]";
    char err[256];
    struct row_schema *s = schema_of(header, ENVELOPE("{\"id\":1}"), err, sizeof err);
    assert_true(fits(s, header, ENVELOPE("{\"id\":2,\"note\":\"x\"}")));
    assert_false(fits(s, header, "{\"id\":2}"));                           /* no envelope */
    assert_false(fits(s, "[[\"id\",\"int32\"]]", ENVELOPE("{\"id\":2}"))); /* another header */
    assert_false(fits(s, NULL, ENVELOPE("{\"id\":2}")));
    assert_false(fits(s, header, NULL));
    row_schema_free(s);

    s = schema_of(NULL, "{\"id\":1,\"name\":\"a\",\"n\":null}", err, sizeof err);
    assert_true(fits(s, NULL, "{\"id\":2,\"name\":\"b\",\"n\":\"c\"}"));
    assert_false(fits(s, NULL, "{\"id\":2.5,\"name\":\"b\",\"n\":null}"));       /* a type */
    assert_false(fits(s, NULL, "{\"name\":\"b\",\"id\":2,\"n\":null}"));         /* the order */
    assert_false(fits(s, NULL, "{\"id\":2,\"name\":\"b\"}"));                    /* fewer */
    assert_false(fits(s, NULL, "{\"id\":2,\"name\":\"b\",\"n\":null,\"x\":1}")); /* more */
    assert_false(fits(s, "[[\"id\",\"int64?\"],[\"name\",\"string?\"],[\"n\",\"string?\"]]", "{\"id\":2}"));
    row_schema_free(s);

    s = schema_of(NULL, ENVELOPE("{\"id\":1}"), err, sizeof err);
    assert_true(fits(s, NULL, ENVELOPE("{\"id\":7}")));
    assert_false(fits(s, NULL, "{\"id\":7}"));
    row_schema_free(s);
}

/* ---- Values ---- */

/* The record whose row the last convert read (out->data may point into
 * it), released by the next. */
static struct sink_record converted;

/* The value of a one-column row {"v":json} in a column of type. Returns
 * row_value_get's result; on failure err holds its message. */
static int convert(const char *type, const char *json, struct row_scratch *scratch, struct row_value *out, char *err,
                   size_t errlen) {
    static char header[128], value[512];
    sink_record_release(&converted);
    snprintf(header, sizeof header, "[[\"v\",\"%s\"]]", type);
    snprintf(value, sizeof value, json ? "{\"v\":%s}" : "{}", json);
    converted = record_of(header, value);
    struct row_schema *s = row_schema_of(&converted, err, errlen);
    if (!s)
        fail_msg("%s: %s", type, err);
    assert_non_null(sink_record_row(&converted));
    int result = row_value_get(&s->columns[0], sink_record_row(&converted), scratch, out, err, errlen);
    row_schema_free(s);
    return result;
}

static void assert_int_value(const char *type, const char *json, int64_t expected) {
    struct row_scratch scratch = {0};
    struct row_value v;
    char err[256];
    if (convert(type, json, &scratch, &v, err, sizeof err))
        fail_msg("%s as %s: %s", json, type, err);
    assert_false(v.is_null);
    if (v.i != expected)
        fail_msg("%s as %s: %lld, want %lld", json, type, (long long)v.i, (long long)expected);
    row_scratch_free(&scratch);
}

/* The value's bytes as hex. */
static void assert_bytes_value(const char *type, const char *json, const char *hex) {
    struct row_scratch scratch = {0};
    struct row_value v;
    char err[256], got[512] = "";
    if (convert(type, json, &scratch, &v, err, sizeof err))
        fail_msg("%s as %s: %s", json, type, err);
    for (size_t i = 0; i < v.len; i++)
        snprintf(got + 2 * i, sizeof got - 2 * i, "%02x", ((const unsigned char *)v.data)[i]);
    if (strcmp(got, hex) != 0)
        fail_msg("%s as %s: %s, want %s", json, type, got, hex);
    row_scratch_free(&scratch);
}

static void assert_text_value(const char *type, const char *json, const char *expected, size_t expected_len) {
    struct row_scratch scratch = {0};
    struct row_value v;
    char err[256];
    if (convert(type, json, &scratch, &v, err, sizeof err))
        fail_msg("%s as %s: %s", json, type, err);
    if (v.len != expected_len || memcmp(v.data, expected, v.len) != 0)
        fail_msg("%s as %s: [%.*s], want [%s]", json, type, (int)v.len, (const char *)v.data, expected);
    row_scratch_free(&scratch);
}

#define ASSERT_TEXT_VALUE(type, json, literal) assert_text_value((type), (json), (literal), sizeof(literal) - 1)

static void assert_refused(const char *type, const char *json, const char *says) {
    struct row_scratch scratch = {0};
    struct row_value v;
    char err[256];
    if (convert(type, json, &scratch, &v, err, sizeof err) == 0)
        fail_msg("%s as %s was taken", json, type);
    assert_contains(err, "column \"v\" (");
    assert_contains(err, type);
    assert_contains(err, says);
    row_scratch_free(&scratch);
}

static void test_booleans_and_integers(void **state) {
    (void)state;
    struct row_scratch scratch = {0};
    struct row_value v;
    char err[256];
    assert_int_equal(convert("boolean", "true", &scratch, &v, err, sizeof err), 0);
    assert_true(v.b);
    assert_int_equal(convert("boolean", "false", &scratch, &v, err, sizeof err), 0);
    assert_false(v.b);
    row_scratch_free(&scratch);
    assert_refused("boolean", "1", "the value 1 is not true or false");
    assert_refused("boolean", "\"true\"", "is not true or false");

    assert_int_value("int32", "2147483647", 2147483647);
    assert_int_value("int32", "-2147483648", -2147483647 - 1);
    assert_refused("int32", "2147483648", "the value 2147483648 is not a 32-bit integer");
    assert_refused("int32", "1.0", "is not a 32-bit integer");
    assert_refused("int32", "\"5\"", "the value \"5\" is not a 32-bit integer");
    assert_int_value("int64", "9223372036854775807", INT64_MAX);
    assert_int_value("int64", "-9223372036854775808", INT64_MIN);
    /* Past int64 the row holds the digits as a string. */
    assert_refused("int64", "9223372036854775808", "the value \"9223372036854775808\" is not a 64-bit integer");
}

static void test_uint64(void **state) {
    (void)state;
    /* decimal(20,0): the fewest two's complement bytes, a sign byte when
     * the top bit is set. */
    assert_bytes_value("uint64", "0", "00");
    assert_bytes_value("uint64", "127", "7f");
    assert_bytes_value("uint64", "128", "0080");
    assert_bytes_value("uint64", "9223372036854775807", "7fffffffffffffff");
    assert_bytes_value("uint64", "9223372036854775808", "008000000000000000");
    assert_bytes_value("uint64", "18446744073709551615", "00ffffffffffffffff");
    assert_bytes_value("uint64", "\"00042\"", "2a");
    assert_refused("uint64", "18446744073709551616", "is not an unsigned 64-bit integer");
    assert_refused("uint64", "-1", "the value -1 is not an unsigned 64-bit integer");
    assert_refused("uint64", "\"\"", "is not an unsigned 64-bit integer");
    assert_refused("uint64", "\"12a\"", "is not an unsigned 64-bit integer");
    assert_refused("uint64", "1.5", "is not an unsigned 64-bit integer");
}

static void test_reals(void **state) {
    (void)state;
    struct row_scratch scratch = {0};
    struct row_value v;
    char err[256];
    assert_int_equal(convert("double", "2.5", &scratch, &v, err, sizeof err), 0);
    assert_true(v.d == 2.5);
    assert_int_equal(convert("double", "-1e300", &scratch, &v, err, sizeof err), 0);
    assert_true(v.d == -1e300);
    assert_int_equal(convert("float", "3", &scratch, &v, err, sizeof err), 0);
    assert_true(v.d == 3.0);
    assert_int_equal(convert("float?", "1.1", &scratch, &v, err, sizeof err), 0);
    assert_true(v.d == 1.1);
    assert_refused("float", "1e39", "the value 1e+39 is not a number in float's range");
    assert_refused("double", "1e400", "is not a number in double's range"); /* the row holds its text */
    assert_refused("double", "\"2.5\"", "is not a number in double's range");
}

static void test_decimals(void **state) {
    (void)state;
    assert_bytes_value("decimal(10,2)", "\"-12.50\"", "fb1e"); /* -1250 */
    assert_bytes_value("decimal(10,2)", "\"12.50\"", "04e2");
    assert_bytes_value("decimal(10,2)", "\"1.5\"", "0096"); /* padded to the scale: 150 */
    assert_bytes_value("decimal(10,2)", "\"1\"", "64");
    assert_bytes_value("decimal(10,2)", "\"+0.01\"", "01");
    assert_bytes_value("decimal(10,2)", "\"-0.00\"", "00");
    assert_bytes_value("decimal(10,2)", "\"0\"", "00");
    assert_bytes_value("decimal(10,2)", "\"007.10\"", "02c6");
    assert_bytes_value("decimal(10,2)", "42", "1068"); /* an integer: 4200 */
    assert_bytes_value("decimal(3,0)", "\"127\"", "7f");
    assert_bytes_value("decimal(3,0)", "\"-128\"", "80");
    assert_bytes_value("decimal(3,0)", "\"-129\"", "ff7f");
    assert_bytes_value("decimal(3,0)", "\"-256\"", "ff00");
    assert_bytes_value("decimal(3,3)", "\"-0.999\"", "fc19");
    /* MySQL's widest: 65 digits, far past int64. */
    assert_bytes_value("decimal(65,0)", "\"99999999999999999999999999999999999999999999999999999999999999999\"",
                       "00f316271c7fc3908a8bef464e3945ef7a253609ffffffffffffffff");
    assert_bytes_value("decimal(65,0)", "\"-99999999999999999999999999999999999999999999999999999999999999999\"",
                       "ff0ce9d8e3803c6f757410b9b1c6ba1085dac9f60000000000000001");
    assert_bytes_value("decimal(65,30)", "\"-12345678901234567890123456789012345.123456789012345678901234567890\"",
                       "e1fd43e1687a74239346afa70cbdb282c5801384fc1d9971c0f52e");
    assert_refused("decimal(10,2)", "\"1.234\"",
                   "the value \"1.234\" has more fraction digits than the column's scale");
    assert_refused("decimal(5,2)", "\"1000.00\"", "has more digits than the column's precision");
    assert_refused("decimal(5,2)", "\"-1000\"", "has more digits than the column's precision");
    assert_bytes_value("decimal(5,2)", "\"-999.99\"", "fe7961");
    assert_bytes_value("decimal(2,2)", "\"0.99\"", "63");
    static const char *const not_decimals[] = {"\"\"",    "\"-\"",   "\"1.\"", "\".5\"",  "\"1e5\"",
                                               "\"1,5\"", "\"--1\"", "\" 1\"", "\"0x1\"", "\"1.2.3\""};
    for (size_t i = 0; i < sizeof not_decimals / sizeof not_decimals[0]; i++)
        assert_refused("decimal(10,2)", not_decimals[i], "is not a decimal number");
    assert_refused("decimal(10,2)", "2.5", "is not a decimal number (a string or an integer)");
}

static void test_strings_and_bytes(void **state) {
    (void)state;
    ASSERT_TEXT_VALUE("string", "\"caf\xc3\xa9\"", "caf\xc3\xa9");
    ASSERT_TEXT_VALUE("string", "\"a\\u0000b\"", "a\0b");
    ASSERT_TEXT_VALUE("string?", "{\"a\":[1,\"x\"]}", "{\"a\":[1,\"x\"]}");
    ASSERT_TEXT_VALUE("string?", "[]", "[]");
    ASSERT_TEXT_VALUE("string", "2.50", "2.5");
    ASSERT_TEXT_VALUE("string", "true", "true");
    ASSERT_TEXT_VALUE("string", "\"\"", "");
    assert_bytes_value("bytes", "\"AAEC/w==\"", "000102ff");
    assert_bytes_value("bytes", "\"AAE=\"", "0001");
    assert_bytes_value("bytes", "\"\"", "");
    assert_refused("bytes", "\"abc\"", "the value \"abc\" is not base64 text");
    assert_refused("bytes", "\"!!!!\"", "is not base64 text");
    assert_refused("bytes", "\"AA\\u0000=\"", "is not base64 text");
    assert_refused("bytes", "12", "is not base64 text");
}

static void test_dates_times_timestamps(void **state) {
    (void)state;
    assert_int_value("date", "\"1970-01-01\"", 0);
    assert_int_value("date", "\"1969-12-31\"", -1);
    assert_int_value("date", "\"2024-02-29\"", 19782);
    assert_int_value("date", "\"0001-01-01\"", -719162);
    assert_int_value("date", "\"9999-12-31\"", 2932896);
    static const char *const not_dates[] = {"\"2023-02-29\"", "\"0000-01-01\"", "\"2024-1-01\"",   "\"2024-13-01\"",
                                            "\"2024-01-00\"", "\"2024/01/01\"", "\"2024-01-01T\"", "20240101"};
    for (size_t i = 0; i < sizeof not_dates / sizeof not_dates[0]; i++)
        assert_refused("date", not_dates[i], "is not a date YYYY-MM-DD");

    ASSERT_TEXT_VALUE("time", "\"12:34:56\"", "12:34:56");
    ASSERT_TEXT_VALUE("time", "\"-838:59:59.000001\"", "-838:59:59.000001");
    ASSERT_TEXT_VALUE("time", "\"00:00:00.5\"", "00:00:00.5");
    static const char *const not_times[] = {
        "\"839:00:00\"", "\"12:60:00\"", "\"12:00:60\"", "\"1:00:00\"", "\"12:34:56.1234567\"",
        "\"12:34:56.\"", "\"12:34\"",    "\"-\"",        "3600"};
    for (size_t i = 0; i < sizeof not_times / sizeof not_times[0]; i++)
        assert_refused("time", not_times[i], "is not a time");

    assert_int_value("timestamp", "\"1970-01-01T00:00:00Z\"", 0);
    assert_int_value("timestamp", "\"2024-03-01T12:34:56.5Z\"", 1709296496500000);
    assert_int_value("timestamp", "\"1969-12-31T23:59:59.999999Z\"", -1);
    assert_int_value("timestamp", "\"1969-07-20T20:17:40.000123Z\"", -14182939999877);
    assert_int_value("timestamp", "\"0001-01-01T00:00:00Z\"", -62135596800000000);
    static const char *const not_timestamps[] = {"\"2024-03-01T12:34:56\"",       "\"2024-03-01 12:34:56Z\"",
                                                 "\"2024-03-01T24:00:00Z\"",      "\"2024-03-01T12:34:56.1234567Z\"",
                                                 "\"2024-03-01T12:34Z\"",         "\"2024-03-01\"",
                                                 "\"2024-03-01T12:34:56+01:00\"", "1709296496"};
    for (size_t i = 0; i < sizeof not_timestamps / sizeof not_timestamps[0]; i++)
        assert_refused("timestamp", not_timestamps[i], "is not a timestamp");
}

static void test_nulls(void **state) {
    (void)state;
    const char *types[] = {"boolean?", "int32?", "uint64?", "decimal(5,2)?", "string?", "bytes?", "timestamp?"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct row_scratch scratch = {0};
        struct row_value v;
        char err[256];
        assert_int_equal(convert(types[i], "null", &scratch, &v, err, sizeof err), 0);
        assert_true(v.is_null);
        assert_int_equal(convert(types[i], NULL, &scratch, &v, err, sizeof err), 0); /* missing */
        assert_true(v.is_null);
        row_scratch_free(&scratch);
    }
    struct row_scratch scratch = {0};
    struct row_value v;
    char err[256];
    assert_int_equal(convert("int32", "null", &scratch, &v, err, sizeof err), -1);
    assert_string_equal(err, "column \"v\" (int32, not nullable) is null");
    assert_int_equal(convert("decimal(5,2)", NULL, &scratch, &v, err, sizeof err), -1);
    assert_string_equal(err, "column \"v\" (decimal(5,2), not nullable) is missing from the row");
    row_scratch_free(&scratch);
}

static void test_long_value_in_error(void **state) {
    (void)state;
    char json[300];
    memset(json, 'x', sizeof json);
    json[0] = '"';
    json[sizeof json - 2] = '"';
    json[sizeof json - 1] = '\0';
    assert_refused("date", json, "...");
    struct row_scratch scratch = {0};
    struct row_value v;
    char err[256];
    convert("date", json, &scratch, &v, err, sizeof err);
    assert_true(strlen(err) < 200);
    row_scratch_free(&scratch);
}

static void test_scratch_reused(void **state) {
    (void)state;
    /* One scratch for many values, growing as they need. */
    struct row_scratch scratch = {0};
    struct row_value v;
    char err[256], json[400];
    json[0] = '"';
    for (int n = 4; n < 300; n += 4) {
        memset(json + 1, 'A', (size_t)n);
        json[n + 1] = '"';
        json[n + 2] = '\0';
        assert_int_equal(convert("bytes", json, &scratch, &v, err, sizeof err), 0);
        assert_int_equal(v.len, (size_t)n / 4 * 3);
        assert_true(v.data == scratch.data);
        assert_true(scratch.cap >= v.len);
    }
    row_scratch_free(&scratch);
    assert_null(scratch.data);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_every_type),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_no_row),
        cmocka_unit_test(test_envelope_columns),
        cmocka_unit_test(test_inference),
        cmocka_unit_test(test_fingerprints),
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_booleans_and_integers),
        cmocka_unit_test(test_uint64),
        cmocka_unit_test(test_reals),
        cmocka_unit_test(test_decimals),
        cmocka_unit_test(test_strings_and_bytes),
        cmocka_unit_test(test_dates_times_timestamps),
        cmocka_unit_test(test_nulls),
        cmocka_unit_test(test_long_value_in_error),
        cmocka_unit_test(test_scratch_reused),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    sink_record_release(&converted);
    return failed;
}
