/* Unit tests of bridge/sink/sink_path.c: values escaped as folder names
 * (every unsafe byte, dots, UTF-8 good and bad, empty and missing values,
 * values that do not fit), file names and topic prefixes, and names read
 * back, refusing other topics' files and anything sink_path_file does not
 * write. */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <string.h>

#include "sink/partitioner.h"

static void assert_escape_n(const char *value, size_t len, const char *expected) {
    char out[512];
    int n = sink_path_escape(value, len, out, sizeof out);
    assert_int_equal(n, (int)strlen(expected));
    assert_string_equal(out, expected);
}

static void assert_escape(const char *value, const char *expected) { assert_escape_n(value, strlen(value), expected); }

static void test_escape_plain(void **state) {
    (void)state;
    assert_escape("dc01", "dc01");
    assert_escape("2026-12-01", "2026-12-01");
    assert_escape("a_b-c.d~e!f$g&h(i)j;k,l@m<n>o|p`q", "a_b-c.d~e!f$g&h(i)j;k,l@m<n>o|p`q");
}

static void test_escape_unsafe_bytes(void **state) {
    (void)state;
    assert_escape("a b", "a%20b");
    assert_escape("100%", "100%25");
    assert_escape("a+b", "a%2Bb");
    assert_escape("a/b", "a%2Fb");
    assert_escape("k=v", "k%3Dv");
    assert_escape("\"#'*:?\\[]^{}", "%22%23%27%2A%3A%3F%5C%5B%5D%5E%7B%7D");
    /* Control characters, NUL and DEL among them. */
    assert_escape("\t\r\n\x1f\x7f", "%09%0D%0A%1F%7F");
    assert_escape_n("a\0b", 3, "a%00b");
}

static void test_escape_dots(void **state) {
    (void)state;
    assert_escape(".", "%2E");
    assert_escape("..", "%2E%2E");
    /* Dots elsewhere are plain. */
    assert_escape("...", "...");
    assert_escape(".hidden", ".hidden");
    assert_escape("a..b", "a..b");
    assert_escape("2.50", "2.50");
}

static void test_escape_utf8(void **state) {
    (void)state;
    /* Well-formed UTF-8 stays: 2, 3 and 4 bytes. */
    assert_escape("caf\xc3\xa9", "caf\xc3\xa9");
    assert_escape("\xe2\x82\xac"
                  "5",
                  "\xe2\x82\xac"
                  "5");
    assert_escape("\xf0\x9f\x8d\x8e", "\xf0\x9f\x8d\x8e");
    assert_escape("K\xc3\xb8"
                  "benhavn \xc3\xa6",
                  "K\xc3\xb8"
                  "benhavn%20\xc3\xa6");
    /* Other bytes >= 0x80 are encoded one by one. */
    assert_escape("\xff", "%FF");
    assert_escape("\xc3", "%C3");                      /* truncated */
    assert_escape("\xc3(", "%C3(");                    /* bad continuation */
    assert_escape("\xc0\xaf", "%C0%AF");               /* overlong '/' */
    assert_escape("\xe0\x80\xaf", "%E0%80%AF");        /* overlong */
    assert_escape("\xed\xa0\x80", "%ED%A0%80");        /* a surrogate */
    assert_escape("\xf4\x90\x80\x80", "%F4%90%80%80"); /* past U+10FFFF */
    assert_escape("\x80", "%80");                      /* a stray continuation byte */
}

static void test_escape_missing_and_empty(void **state) {
    (void)state;
    char out[64];
    assert_int_equal(sink_path_escape(NULL, 0, out, sizeof out), 26);
    assert_string_equal(out, "__HIVE_DEFAULT_PARTITION__");
    assert_int_equal(sink_path_escape("", 0, out, sizeof out), 26);
    assert_string_equal(out, "__HIVE_DEFAULT_PARTITION__");
    assert_int_equal(sink_path_escape(NULL, 0, out, 26), -1);
    assert_int_equal(sink_path_escape(NULL, 0, out, 27), 26);
}

static void test_escape_does_not_fit(void **state) {
    (void)state;
    char out[8];
    /* Room for the text and its NUL, no more. */
    assert_int_equal(sink_path_escape("abcdefg", 7, out, sizeof out), 7);
    assert_string_equal(out, "abcdefg");
    assert_int_equal(sink_path_escape("abcdefgh", 8, out, sizeof out), -1);
    /* An escape counts 3 bytes, a UTF-8 sequence its length. */
    assert_int_equal(sink_path_escape("abcd ", 5, out, sizeof out), 7);
    assert_string_equal(out, "abcd%20");
    assert_int_equal(sink_path_escape("abcde ", 6, out, sizeof out), -1);
    assert_int_equal(sink_path_escape("abcdef\xc3\xa9", 8, out, sizeof out), -1);
    char big[1000], wide[4000];
    memset(big, '/', sizeof big);
    assert_int_equal(sink_path_escape(big, sizeof big, wide, sizeof wide), 3000);
    assert_int_equal(sink_path_escape(big, sizeof big, wide, 3000), -1);
}

static void test_file_names(void **state) {
    (void)state;
    char out[256];
    int n = sink_path_file("topics", "dc01_sales_orders", "partition=0", 0, 42, "json", out, sizeof out);
    assert_string_equal(out, "topics/dc01_sales_orders/partition=0/dc01_sales_orders+0+0000000042.json");
    assert_int_equal(n, (int)strlen(out));
    sink_path_file("", "t", "year=2026/month=12", 3, 9876543210LL, "csv", out, sizeof out);
    assert_string_equal(out, "t/year=2026/month=12/t+3+9876543210.csv");
    sink_path_file(NULL, "t", "partition=1", 1, 12345678901LL, "json", out, sizeof out);
    assert_string_equal(out, "t/partition=1/t+1+12345678901.json");
    sink_path_file("lake/topics///", "t", "", 0, 0, "json", out, sizeof out);
    assert_string_equal(out, "lake/topics/t/t+0+0000000000.json");
    sink_path_file("t", "t", NULL, 2147483647, INT64_MAX, "json", out, sizeof out);
    assert_string_equal(out, "t/t/t+2147483647+9223372036854775807.json");
    /* Refused. */
    assert_int_equal(sink_path_file("d", "", "p", 0, 0, "json", out, sizeof out), -1);
    assert_int_equal(sink_path_file("d", NULL, "p", 0, 0, "json", out, sizeof out), -1);
    assert_int_equal(sink_path_file("d", "t", "p", -1, 0, "json", out, sizeof out), -1);
    assert_int_equal(sink_path_file("d", "t", "p", 0, -1, "json", out, sizeof out), -1);
    assert_int_equal(sink_path_file("d", "t", "p", 0, 0, "", out, sizeof out), -1);
    assert_int_equal(sink_path_file("d", "t", "p", 0, 0, NULL, out, sizeof out), -1);
    /* "d/t/p/t+0+0000000000.json" is 25 bytes. */
    assert_int_equal(sink_path_file("d", "t", "p", 0, 0, "json", out, 25), -1);
    assert_int_equal(sink_path_file("d", "t", "p", 0, 0, "json", out, 26), 25);
}

static void test_topic_prefix(void **state) {
    (void)state;
    char out[64];
    assert_int_equal(sink_path_topic_prefix("topics", "dc01_sales_orders", out, sizeof out), 25);
    assert_string_equal(out, "topics/dc01_sales_orders/");
    sink_path_topic_prefix("", "t", out, sizeof out);
    assert_string_equal(out, "t/");
    sink_path_topic_prefix("a/b/", "t", out, sizeof out);
    assert_string_equal(out, "a/b/t/");
    assert_int_equal(sink_path_topic_prefix("topics", "", out, sizeof out), -1);
    assert_int_equal(sink_path_topic_prefix("topics", "t", out, 9), -1);
    /* Every file of the topic lies under it. */
    char file[128];
    sink_path_file("topics", "t", "x=1", 0, 5, "csv", file, sizeof file);
    sink_path_topic_prefix("topics", "t", out, sizeof out);
    assert_int_equal(strncmp(file, out, strlen(out)), 0);
}

static void assert_parses(const char *name, const char *topic, int32_t partition, int64_t offset) {
    int32_t p = -1;
    int64_t o = -1;
    if (sink_path_parse(name, topic, &p, &o) != 1)
        fail_msg("'%s' did not parse for topic '%s'", name, topic);
    assert_int_equal(p, partition);
    assert_true(o == offset);
}

static void test_parse_round_trip(void **state) {
    (void)state;
    const struct {
        const char *dir, *topic, *encoded;
        int32_t partition;
        int64_t offset;
        const char *ext;
    } cases[] = {
        {"topics", "dc01_sales_orders", "partition=0", 0, 0, "json"},
        {"", "t", "year=2026/month=12/day=01/hour=10", 7, 42, "csv"},
        {"lake", "dc01.orders.customers", "customer_id=7", 12, 9999999999LL, "json"},
        {"lake", "a-b_c.d", "partition=2147483647", INT32_MAX, 10000000000LL, "json"},
        {"x", "t", "x=%2F%2E", 1, INT64_MAX, "csv"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        assert_true(sink_path_file(cases[i].dir, cases[i].topic, cases[i].encoded, cases[i].partition, cases[i].offset,
                                   cases[i].ext, path, sizeof path) > 0);
        assert_parses(path, cases[i].topic, cases[i].partition, cases[i].offset);
        assert_parses(strrchr(path, '/') + 1, cases[i].topic, cases[i].partition, cases[i].offset);
    }
}

static void test_parse_refuses(void **state) {
    (void)state;
    const char *bad[] = {
        "t+0+0000000042",                 /* no extension */
        "t+0+0000000042.",                /* empty extension */
        "t+0+0000000042.json.tmp",        /* a temporary file */
        "t+0+0000000042.js-on",           /* not letters and digits */
        "t+0+42.json",                    /* offset not padded */
        "t+0+000000042.json",             /* 9 digits */
        "t+0+00000000042.json",           /* 11 digits with a leading zero */
        "t+00+0000000042.json",           /* partition with a leading zero */
        "t+01+0000000042.json",           /* partition with a leading zero */
        "t+-1+0000000042.json",           /* negative partition */
        "t++0000000042.json",             /* no partition */
        "t+0+.json",                      /* no offset */
        "t+0+-000000042.json",            /* negative offset */
        "t+0+00000000x2.json",            /* not a digit */
        "t+0 +0000000042.json",           /* a space */
        "t+2147483648+0000000042.json",   /* partition past int32 */
        "t+0+9223372036854775808.json",   /* offset past int64 */
        "t+0+0000000042+0000000043.json", /* one field too many */
        "tt+0+0000000042.json",           /* another topic */
        "t2+0+0000000042.json",           /* a longer topic sharing the prefix */
        "+0+0000000042.json",             /* no topic */
        "x/t+0+0000000042.json/",         /* a folder, not a file */
        "",
        "t",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t p = -7;
        int64_t o = -7;
        if (sink_path_parse(bad[i], "t", &p, &o) != 0)
            fail_msg("'%s' parsed", bad[i]);
        assert_int_equal(p, -7);
        assert_true(o == -7);
    }
    /* The topic must be the whole name before the first '+'. */
    int32_t p;
    int64_t o;
    assert_int_equal(sink_path_parse("topics/t/partition=0/t+0+0000000042.json", "", &p, &o), 0);
    assert_int_equal(sink_path_parse("topics/t/partition=0/t+0+0000000042.json", "topics", &p, &o), 0);
    /* Another topic's file, even under our folder. */
    assert_int_equal(sink_path_parse("topics/t/partition=0/u+0+0000000042.json", "t", &p, &o), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_plain),
        cmocka_unit_test(test_escape_unsafe_bytes),
        cmocka_unit_test(test_escape_dots),
        cmocka_unit_test(test_escape_utf8),
        cmocka_unit_test(test_escape_missing_and_empty),
        cmocka_unit_test(test_escape_does_not_fit),
        cmocka_unit_test(test_file_names),
        cmocka_unit_test(test_topic_prefix),
        cmocka_unit_test(test_parse_round_trip),
        cmocka_unit_test(test_parse_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
