/* Unit tests for dashboard/lake_json.c: the lake loader's JSON parser must
 * accept exactly what jansson's json_loadb(JSON_ALLOW_NUL | JSON_DECODE_ANY)
 * accepts — every text here is also given to jansson, and the two must
 * agree — and give the members, integers and unescaped strings the loader
 * reads. Damaged lines of every kind are tried (cut short, bad escapes,
 * broken UTF-8, numbers out of range, trailing garbage, nesting too deep). */
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

#include <jansson.h>

#include "lake_json.h"

/* Parses text (n bytes; -1: strlen) with both parsers; asserts they agree
 * and returns lake_json's result. */
static int parse_both(struct lake_json *j, const char *text, long n) {
    size_t len = n < 0 ? strlen(text) : (size_t)n;
    int rc = lake_json_parse(j, text, len);
    json_error_t e;
    json_t *v = json_loadb(text, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &e);
    if ((v != NULL) != (rc == 0))
        print_error("%.*s: lake_json %s (%s), jansson %s (%s)\n", (int)len, text, rc == 0 ? "accepts" : "refuses",
                    j->error, v ? "accepts" : "refuses", v ? "" : e.text);
    assert_int_equal(v != NULL, rc == 0);
    json_decref(v);
    return rc;
}

static void accepted(const char *text) {
    struct lake_json j;
    lake_json_init(&j);
    assert_int_equal(parse_both(&j, text, -1), 0);
    lake_json_release(&j);
}

static void refused(const char *text, long n) {
    struct lake_json j;
    lake_json_init(&j);
    assert_int_equal(parse_both(&j, text, n), -1);
    assert_true(j.error[0] != '\0');
    lake_json_release(&j);
}

static void test_envelope_members(void **state) {
    (void)state;
    const char *line = "{\"before\":null,\"after\":{\"id\":42,\"sales_order_id\":7,\"product_id\":3,\"quantity\":2,"
                       "\"price\":\"19.99\"},\"source\":{\"version\":\"bridgelab-0.1\",\"ts_ms\":1764082800000,"
                       "\"table\":\"sales_order_details\",\"gtid\":null,\"pos\":154},\"op\":\"c\",\"ts_ms\":1,"
                       "\"transaction\":null}";
    struct lake_json j;
    lake_json_init(&j);
    assert_int_equal(parse_both(&j, line, -1), 0);
    assert_int_equal(lake_json_type_of(&j, 0), LAKE_JSON_OBJECT);
    assert_int_equal(j.tokens[0].end, j.count);
    assert_int_equal(lake_json_type_of(&j, lake_json_member(&j, 0, "before")), LAKE_JSON_NULL);
    int after = lake_json_member(&j, 0, "after");
    assert_int_equal(lake_json_type_of(&j, after), LAKE_JSON_OBJECT);
    int id = lake_json_member(&j, after, "id");
    assert_int_equal(lake_json_type_of(&j, id), LAKE_JSON_NUMBER);
    assert_true(j.tokens[id].integer);
    assert_int_equal(j.tokens[id].i, 42);
    const char *text;
    size_t len;
    assert_int_equal(lake_json_string(&j, lake_json_member(&j, after, "price"), &text, &len), 0);
    assert_int_equal(len, 5);
    assert_memory_equal(text, "19.99", 5);
    int source = lake_json_member(&j, 0, "source");
    int ts = lake_json_member(&j, source, "ts_ms");
    assert_int_equal(j.tokens[ts].i, 1764082800000LL);
    assert_int_equal(lake_json_string(&j, lake_json_member(&j, 0, "op"), &text, &len), 0);
    assert_int_equal(len, 1);
    assert_int_equal(text[0], 'c');
    /* a member of a nested object is not one of the top level's */
    assert_int_equal(lake_json_member(&j, 0, "id"), -1);
    assert_int_equal(lake_json_member(&j, 0, "table"), -1);
    assert_int_equal(lake_json_member(&j, after, "nothing"), -1);
    assert_int_equal(lake_json_member(&j, id, "x"), -1); /* not an object */
    assert_int_equal(lake_json_member(&j, -1, "x"), -1);
    assert_int_equal(lake_json_string(&j, id, &text, &len), -1); /* not a string */
    /* the parser is reused, line after line */
    assert_int_equal(parse_both(&j, "{\"op\":\"d\"}", -1), 0);
    assert_int_equal(j.count, 3);
    assert_int_equal(lake_json_member(&j, 0, "after"), -1);
    lake_json_release(&j);
}

static void test_repeated_key_keeps_the_last(void **state) {
    (void)state;
    struct lake_json j;
    lake_json_init(&j);
    assert_int_equal(parse_both(&j, "{\"a\":1,\"b\":{\"a\":5},\"a\":2}", -1), 0);
    assert_int_equal(j.tokens[lake_json_member(&j, 0, "a")].i, 2);
    /* an escaped key is compared unescaped */
    assert_int_equal(parse_both(&j, "{\"\\u0061\":7,\"\\\"q\":8}", -1), 0);
    assert_int_equal(j.tokens[lake_json_member(&j, 0, "a")].i, 7);
    assert_int_equal(j.tokens[lake_json_member(&j, 0, "\"q")].i, 8);
    lake_json_release(&j);
}

static void assert_string(struct lake_json *j, const char *key, const char *want, size_t want_len) {
    const char *text;
    size_t len;
    assert_int_equal(lake_json_string(j, lake_json_member(j, 0, key), &text, &len), 0);
    assert_int_equal(len, want_len);
    assert_memory_equal(text, want, want_len);
}

static void test_escapes_unescaped(void **state) {
    (void)state;
    struct lake_json j;
    lake_json_init(&j);
    const char *line =
        "{\"a\":\"x\\\"y\\\\z\\/\\b\\f\\n\\r\\t\",\"b\":\"\\u00e9\\u20ac\\ud83d\\ude00\",\"c\":\"\\u0000!\","
        "\"d\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\"e\":\"\"}";
    assert_int_equal(parse_both(&j, line, -1), 0);
    assert_string(&j, "a", "x\"y\\z/\b\f\n\r\t", 11);
    assert_string(&j, "b", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    assert_string(&j, "c", "\0!", 2);
    assert_string(&j, "d", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14);
    assert_string(&j, "e", "", 0);
    /* asked twice: the same copy */
    const char *first, *again;
    size_t n;
    assert_int_equal(lake_json_string(&j, lake_json_member(&j, 0, "a"), &first, &n), 0);
    assert_int_equal(lake_json_string(&j, lake_json_member(&j, 0, "a"), &again, &n), 0);
    assert_ptr_equal(first, again);
    /* long strings full of escapes, every one unescaped: the copies fit */
    char big[20000];
    size_t o = 0;
    o += (size_t)snprintf(big + o, sizeof big - o, "[");
    for (int i = 0; i < 200; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "%s\"\\n\\u00e9\\t%d\\\"\"", i ? "," : "", i);
    snprintf(big + o, sizeof big - o, "]");
    assert_int_equal(parse_both(&j, big, -1), 0);
    for (int k = 1; k < j.count; k++) {
        const char *text;
        size_t len;
        char want[32];
        int wn = snprintf(want, sizeof want, "\n\xc3\xa9\t%d\"", k - 1);
        assert_int_equal(lake_json_string(&j, k, &text, &len), 0);
        assert_int_equal(len, (size_t)wn);
        assert_memory_equal(text, want, len);
    }
    lake_json_release(&j);
}

static void test_numbers(void **state) {
    (void)state;
    struct lake_json j;
    lake_json_init(&j);
    const char *line = "[0,-0,7,-12,9223372036854775807,-9223372036854775808,1.5,-2e3,1E+2,0.0e-5,123456789012345678]";
    assert_int_equal(parse_both(&j, line, -1), 0);
    const long long ints[] = {0, 0, 7, -12, 9223372036854775807LL, (-9223372036854775807LL - 1)};
    for (int i = 0; i < 6; i++) {
        assert_true(j.tokens[1 + i].integer);
        assert_true(j.tokens[1 + i].i == ints[i]);
    }
    for (int i = 6; i < 10; i++)
        assert_false(j.tokens[1 + i].integer);
    assert_int_equal(j.tokens[11].i, 123456789012345678LL);
    lake_json_release(&j);
    refused("[9223372036854775808]", -1);
    refused("[-9223372036854775809]", -1);
    refused("[99999999999999999999]", -1);
    refused("[1e400]", -1);
    refused("[-1e400]", -1);
    accepted("[1e-400]"); /* underflow is zero, as for jansson */
    refused("[01]", -1);
    refused("[-]", -1);
    refused("[1.]", -1);
    refused("[.5]", -1);
    refused("[1e]", -1);
    refused("[1e+]", -1);
    refused("[+1]", -1);
    refused("[0x10]", -1);
    refused("[NaN]", -1);
    refused("[Infinity]", -1);
}

static void test_values_any_kind(void **state) {
    (void)state;
    accepted("null");
    accepted("true");
    accepted("  false \r\n\t");
    accepted("12");
    accepted("\"text\"");
    accepted("[]");
    accepted("{}");
    accepted("[[],{},[{}],{\"a\":[]}]");
    accepted("{\"a\" : [ 1 , 2 ] , \"b\" : { } }");
    struct lake_json j;
    lake_json_init(&j);
    assert_int_equal(parse_both(&j, "[[1,2],{\"k\":[3]},4]", -1), 0);
    /* tokens: 0 [  1 [  2 1  3 2  4 {  5 "k"  6 [  7 3  8 4 */
    assert_int_equal(j.count, 9);
    assert_int_equal(j.tokens[0].end, 9);
    assert_int_equal(j.tokens[1].end, 4);
    assert_int_equal(j.tokens[4].end, 8);
    assert_int_equal(j.tokens[6].end, 8);
    assert_int_equal(j.tokens[8].i, 4);
    assert_int_equal(lake_json_type_of(&j, 8), LAKE_JSON_NUMBER);
    assert_int_equal(lake_json_type_of(&j, 9), -1);
    lake_json_release(&j);
}

static void test_damaged_lines(void **state) {
    (void)state;
    refused("", -1);
    refused("   ", -1);
    refused("{\"before\":null,\"after\":{\"id\":8, \"sales_or", -1); /* a half-written line */
    refused("{", -1);
    refused("[1,2", -1);
    refused("{\"a\":1,}", -1);
    refused("[1,]", -1);
    refused("[,1]", -1);
    refused("{\"a\"}", -1);
    refused("{\"a\":}", -1);
    refused("{\"a\" 1}", -1);
    refused("{a:1}", -1);
    refused("{'a':1}", -1);
    refused("{1:1}", -1);
    refused("[1 2]", -1);
    refused("{\"a\":1}}", -1);
    refused("{\"a\":1} x", -1);
    refused("{\"a\":1}{}", -1);
    refused("[1]]", -1);
    refused("[nul]", -1);
    refused("[truex]", -1);
    refused("[True]", -1);
    refused("// c\n[1]", -1);
    refused("[1] // c", -1);
    refused("\"open", -1);
    refused("\"\\", -1);
    refused("\"\\x\"", -1);
    refused("\"\\u12\"", -1);
    refused("\"\\u12g4\"", -1);
    refused("\"\\ud800\"", -1);        /* a lone high surrogate */
    refused("\"\\udc00\"", -1);        /* a lone low surrogate */
    refused("\"\\ud800\\u0041\"", -1); /* not followed by a low one */
    refused("\"a\tb\"", -1);           /* a raw control character */
    refused("\"a\nb\"", -1);
}

static void test_control_and_nul_bytes(void **state) {
    (void)state;
    /* DEL (0x7f) is not a control character for JSON */
    accepted("\"a\x7f"
             "b\"");
    refused("\"a\x01"
            "b\"",
            -1);
    refused("[1,\0 2]", 6); /* a raw NUL outside a string */
    refused("\"a\0b\"", 5); /* and inside one */
    refused("[1]\0", 4);
    accepted("\"\\u0000\"");
}

static void test_utf8(void **state) {
    (void)state;
    accepted("\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xef\xbf\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\"");
    refused("\"\xff\"", -1);
    refused("\"\x80\"", -1);         /* a continuation byte alone */
    refused("\"\xc3\"", -1);         /* cut short */
    refused("\"\xc3(\"", -1);        /* not a continuation */
    refused("\"\xc0\xaf\"", -1);     /* overlong '/' */
    refused("\"\xc1\xbf\"", -1);     /* overlong */
    refused("\"\xe0\x80\xaf\"", -1); /* overlong */
    refused("\"\xed\xa0\x80\"", -1); /* a surrogate, encoded */
    refused("\"\xf0\x80\x80\xaf\"", -1);
    refused("\"\xf4\x90\x80\x80\"", -1); /* above U+10FFFF */
    refused("\"\xf5\x80\x80\x80\"", -1);
    refused("\"\xe2\x82\"", -1);
    /* a multi-byte character across the eight-byte steps of the scan */
    accepted("\"1234567\xc3\xa9"
             "89\"");
    accepted("\"123456\xe2\x82\xac"
             "789\"");
    refused("\"1234567\xc3\"", -1);
    /* the same outside a string */
    refused("[\xc3\xa9]", -1);
}

static void test_nesting_limit(void **state) {
    (void)state;
    static char deep[2 * (LAKE_JSON_MAX_DEPTH + 1) + 1];
    for (int depth = LAKE_JSON_MAX_DEPTH; depth <= LAKE_JSON_MAX_DEPTH + 1; depth++) {
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        deep[2 * depth] = '\0';
        struct lake_json j;
        lake_json_init(&j);
        assert_int_equal(parse_both(&j, deep, -1), depth <= LAKE_JSON_MAX_DEPTH ? 0 : -1);
        lake_json_release(&j);
    }
}

/* Every prefix of a valid line is refused (but the empty one, whole ones
 * accepted): a line cut anywhere is damaged. */
static void test_every_cut(void **state) {
    (void)state;
    const char *line = "{\"before\":{\"id\":1,\"name\":\"caf\xc3\xa9\\u00e9\"},\"after\":[1.5e3,true,false,null,-7],"
                       "\"op\":\"u\"}";
    size_t n = strlen(line);
    struct lake_json j;
    lake_json_init(&j);
    for (size_t cut = 0; cut <= n; cut++)
        assert_int_equal(parse_both(&j, line, (long)cut), cut == n ? 0 : -1);
    lake_json_release(&j);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_members),      cmocka_unit_test(test_repeated_key_keeps_the_last),
        cmocka_unit_test(test_escapes_unescaped),     cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_values_any_kind),       cmocka_unit_test(test_damaged_lines),
        cmocka_unit_test(test_control_and_nul_bytes), cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_nesting_limit),         cmocka_unit_test(test_every_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
