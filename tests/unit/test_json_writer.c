/* Unit tests of common/json_writer.c: every document it writes is parsed
 * back with jansson (duplicates rejected) and compared; escaping, UTF-8
 * repair, numbers, base64, structure checks and reuse without
 * reallocation. */
/* cmocka needs these headers in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

#define FFFD "\xEF\xBF\xBD"

/* Parses the writer's text as one JSON value; fails the test if it is not
 * valid JSON, has duplicate keys, or the writer reports a problem. */
static json_t *parse_flags(const struct json_writer *w, size_t flags) {
    assert_int_equal(json_writer_status(w), JSON_WRITER_OK);
    assert_true(json_writer_complete(w));
    assert_int_equal(strlen(json_writer_data(w)), json_writer_len(w));
    json_error_t error;
    json_t *json = json_loadb(json_writer_data(w), json_writer_len(w),
                              JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | flags, &error);
    if (!json) {
        print_error("invalid JSON (%s at %d): %.200s\n", error.text, error.position, json_writer_data(w));
        fail();
    }
    return json;
}

static json_t *parse(const struct json_writer *w) { return parse_flags(w, 0); }

static struct json_writer *writer(void) {
    struct json_writer *w = json_writer_new(0);
    assert_non_null(w);
    return w;
}

/* Writes bytes as a string and returns what a JSON reader sees. */
static json_t *string_round_trip(struct json_writer *w, const char *bytes, size_t len) {
    json_writer_reset(w);
    json_writer_string_n(w, bytes, len);
    json_t *json = parse(w);
    assert_true(json_is_string(json));
    return json;
}

static void assert_string_bytes(json_t *json, const char *expected, size_t len) {
    assert_true(json_is_string(json));
    assert_int_equal(json_string_length(json), len);
    assert_memory_equal(json_string_value(json), expected, len);
}

static void test_structure_and_commas(void **state) {
    (void)state;
    struct json_writer *w = writer();
    json_writer_begin_object(w);
    json_writer_key(w, "a");
    json_writer_int(w, 1);
    json_writer_key(w, "b");
    json_writer_begin_array(w);
    json_writer_null(w);
    json_writer_bool(w, 1);
    json_writer_bool(w, 0);
    json_writer_begin_object(w);
    json_writer_end_object(w);
    json_writer_begin_array(w);
    json_writer_end_array(w);
    json_writer_string(w, "x");
    json_writer_end_array(w);
    json_writer_key(w, "c");
    json_writer_raw(w, "{\"r\":[1,2]}", 11);
    json_writer_key(w, "d");
    json_writer_string(w, NULL);
    json_writer_end_object(w);
    assert_string_equal(json_writer_data(w),
                        "{\"a\":1,\"b\":[null,true,false,{},[],\"x\"],\"c\":{\"r\":[1,2]},\"d\":null}");
    json_t *json = parse(w);
    assert_int_equal(json_integer_value(json_object_get(json, "a")), 1);
    assert_int_equal(json_array_size(json_object_get(json, "b")), 6);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(json_object_get(json, "c"), "r"), 1)), 2);
    assert_true(json_is_null(json_object_get(json, "d")));
    json_decref(json);

    /* A top-level scalar is a document too. */
    json_writer_reset(w);
    assert_int_equal(json_writer_len(w), 0);
    assert_string_equal(json_writer_data(w), "");
    assert_false(json_writer_complete(w));
    json_writer_int(w, 7);
    assert_true(json_writer_complete(w));
    assert_string_equal(json_writer_data(w), "7");
    json_writer_free(w);
    json_writer_free(NULL);
}

static void test_misuse_is_reported(void **state) {
    (void)state;
    struct json_writer *w = writer();
    /* a key outside an object */
    json_writer_key(w, "k");
    assert_int_equal(json_writer_status(w), JSON_WRITER_MISUSE);
    assert_false(json_writer_complete(w));
    /* nothing more is written once in error */
    json_writer_int(w, 1);
    assert_int_equal(json_writer_len(w), 0);

    /* a value without its key */
    json_writer_reset(w);
    json_writer_begin_object(w);
    json_writer_int(w, 1);
    assert_int_equal(json_writer_status(w), JSON_WRITER_MISUSE);

    /* two keys in a row */
    json_writer_reset(w);
    json_writer_begin_object(w);
    json_writer_key(w, "a");
    json_writer_key(w, "b");
    assert_int_equal(json_writer_status(w), JSON_WRITER_MISUSE);

    /* an end after a key, before its value */
    json_writer_reset(w);
    json_writer_begin_object(w);
    json_writer_key(w, "a");
    json_writer_end_object(w);
    assert_int_equal(json_writer_status(w), JSON_WRITER_MISUSE);

    /* mismatched ends */
    json_writer_reset(w);
    json_writer_begin_array(w);
    json_writer_end_object(w);
    assert_int_equal(json_writer_status(w), JSON_WRITER_MISUSE);
    json_writer_reset(w);
    json_writer_end_array(w);
    assert_int_equal(json_writer_status(w), JSON_WRITER_MISUSE);

    /* two top-level values */
    json_writer_reset(w);
    json_writer_null(w);
    json_writer_null(w);
    assert_int_equal(json_writer_status(w), JSON_WRITER_MISUSE);

    /* unfinished: no error, but not complete */
    json_writer_reset(w);
    json_writer_begin_object(w);
    assert_int_equal(json_writer_status(w), JSON_WRITER_OK);
    assert_false(json_writer_complete(w));

    /* nesting: the maximum is fine, one more is not */
    json_writer_reset(w);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
        json_writer_begin_array(w);
    for (int i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
        json_writer_end_array(w);
    json_decref(parse(w));
    json_writer_reset(w);
    for (int i = 0; i <= JSON_WRITER_MAX_DEPTH; i++)
        json_writer_begin_array(w);
    assert_int_equal(json_writer_status(w), JSON_WRITER_MISUSE);

    /* reset clears the error */
    json_writer_reset(w);
    json_writer_bool(w, 1);
    json_decref(parse(w));
    json_writer_free(w);
}

static void test_every_control_char_quote_and_backslash(void **state) {
    (void)state;
    struct json_writer *w = writer();
    char all[34];
    for (int c = 0; c < 32; c++) {
        char one[3] = {'a', (char)c, 'b'};
        json_t *json = string_round_trip(w, one, 3);
        assert_string_bytes(json, one, 3);
        json_decref(json);
        /* escaped, never raw */
        for (size_t i = 0; i < json_writer_len(w); i++)
            assert_true((unsigned char)json_writer_data(w)[i] >= 0x20);
        all[c] = (char)c;
    }
    all[32] = '"';
    all[33] = '\\';
    json_t *json = string_round_trip(w, all, sizeof all);
    assert_string_bytes(json, all, sizeof all);
    json_decref(json);

    /* the exact forms */
    json_writer_reset(w);
    json_writer_string(w, "\"\\/\b\f\n\r\t\x01\x1f\x7f");
    assert_string_equal(json_writer_data(w), "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");

    /* keys are escaped the same way */
    json_writer_reset(w);
    json_writer_begin_object(w);
    json_writer_key_n(w, "k\"\\\n\x01", 5);
    json_writer_int(w, 1);
    json_writer_end_object(w);
    json = parse(w);
    assert_int_equal(json_integer_value(json_object_getn(json, "k\"\\\n\x01", 5)), 1);
    json_decref(json);
    json_writer_free(w);
}

static void test_valid_utf8_passes_through(void **state) {
    (void)state;
    struct json_writer *w = writer();
    static const char *const valid[] = {
        "\xC2\x80",          /* U+0080, the first 2-byte */
        "\xC3\xA9t\xC3\xA9", /* été */
        "\xDF\xBF",          /* U+07FF */
        "\xE0\xA0\x80",      /* U+0800, the first 3-byte */
        "\xE2\x82\xAC",      /* € */
        "\xED\x9F\xBF",      /* U+D7FF, just below the surrogates */
        "\xEE\x80\x80",      /* U+E000, just above */
        "\xEF\xBF\xBD",      /* U+FFFD itself */
        "\xEF\xBF\xBF",      /* U+FFFF */
        "\xE2\x80\xA8",      /* U+2028, valid in JSON */
        "\xF0\x90\x80\x80",  /* U+10000, the first 4-byte */
        "\xF0\x9F\x98\x80",  /* 😀 */
        "\xF4\x8F\xBF\xBF",  /* U+10FFFF, the last */
        "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z",
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        size_t len = strlen(valid[i]);
        json_t *json = string_round_trip(w, valid[i], len);
        assert_string_bytes(json, valid[i], len);
        json_decref(json);
        /* byte for byte, not \u escapes */
        assert_int_equal(json_writer_len(w), len + 2);
        assert_memory_equal(json_writer_data(w) + 1, valid[i], len);
    }
    json_writer_free(w);
}

static void test_invalid_utf8_becomes_replacement_chars(void **state) {
    (void)state;
    struct json_writer *w = writer();
#define CASE(in, out)                                                                                                  \
    { in, sizeof in - 1, out, sizeof out - 1 }
    static const struct {
        const char *in;
        size_t in_len;
        const char *out;
        size_t out_len;
    } cases[] = {
        CASE("\x80", FFFD), /* lone continuation byte */
        CASE("a\xBF"
             "b",
             "a" FFFD "b"),                                              /* another */
        CASE("\x80\x80", FFFD FFFD),                                     /* each stray byte on its own */
        CASE("\xC0\xAF", FFFD FFFD),                                     /* overlong '/' */
        CASE("\xC1\xBF", FFFD FFFD),                                     /* overlong */
        CASE("\xE0\x80\xAF", FFFD FFFD FFFD),                            /* overlong 3-byte */
        CASE("\xF0\x80\x80\xAF", FFFD FFFD FFFD FFFD),                   /* overlong 4-byte */
        CASE("\xED\xA0\x80", FFFD FFFD FFFD),                            /* surrogate U+D800 */
        CASE("\xED\xBF\xBF", FFFD FFFD FFFD),                            /* surrogate U+DFFF */
        CASE("\xED\xA0\xBD\xED\xB8\x80", FFFD FFFD FFFD FFFD FFFD FFFD), /* CESU-8 pair */
        CASE("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD),                   /* U+110000 */
        CASE("\xF5\x80", FFFD FFFD),                                     /* lead bytes never valid */
        CASE("\xFE\xFF", FFFD FFFD),
        CASE("\xC3", FFFD),     /* truncated at the end */
        CASE("\xE2\x82", FFFD), /* truncated: one replacement */
        CASE("\xF0\x9F\x98", FFFD),
        CASE("x\xF0\x9F\x98", "x" FFFD),
        CASE("\xE2\x82"
             "A",
             FFFD "A"), /* cut short by ASCII */
        CASE("\xF0\x9F"
             "\xC3\xA9",
             FFFD "\xC3\xA9"),         /* cut short by a valid sequence */
        CASE("\xE2\x82\"", FFFD "\""), /* cut short by a quote */
        CASE("\xC3\x00", FFFD "\x00"), /* cut short by NUL */
    };
#undef CASE
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *json = string_round_trip(w, cases[i].in, cases[i].in_len);
        if (json_string_length(json) != cases[i].out_len ||
            memcmp(json_string_value(json), cases[i].out, cases[i].out_len) != 0) {
            print_error("case %zu: got %s\n", i, json_writer_data(w));
            fail();
        }
        json_decref(json);
    }
    json_writer_free(w);
}

/* Every byte value at every position of a longer ASCII string (the scan
 * looks at 8 bytes at a time): found, escaped or replaced, never missed. */
static void test_every_byte_at_every_position(void **state) {
    (void)state;
    struct json_writer *w = writer();
    char in[24], expected[26];
    for (int b = 0; b < 256; b++) {
        for (size_t at = 0; at < sizeof in; at++) {
            memset(in, 'a', sizeof in);
            in[at] = (char)b;
            size_t expected_len = sizeof in;
            memcpy(expected, in, sizeof in);
            if (b >= 0x80) { /* a lone byte above 0x7F is never valid UTF-8 */
                memcpy(expected + at, FFFD, 3);
                memset(expected + at + 3, 'a', sizeof in - at - 1);
                expected_len = sizeof in + 2;
            }
            json_t *json = string_round_trip(w, in, sizeof in);
            assert_string_bytes(json, expected, expected_len);
            json_decref(json);
            if (b < 0x20 || b == '"' || b == '\\')
                assert_int_not_equal(json_writer_len(w), sizeof in + 2);
        }
    }
    json_writer_free(w);
}

/* The tests below check the exact text, byte for byte: strings are copied
 * a word at a time until the first byte that needs an escape or a UTF-8
 * check, so they put such bytes at the first, a middle and the last
 * position, at word edges, after long runs and across the writer's 4096-byte
 * escape chunks. */

/* Appends n bytes to a growing expected text. */
struct text {
    char *bytes;
    size_t len;
};

static void text_add(struct text *t, const char *bytes, size_t n) {
    memcpy(t->bytes + t->len, bytes, n);
    t->len += n;
}

/* What a lone byte (no UTF-8 sequence around it) becomes inside a string:
 * itself, an escape, or U+FFFD. Written independently of the writer. */
static void text_add_lone_byte(struct text *t, unsigned char b) {
    char escape[8];
    switch (b) {
    case '"':
        text_add(t, "\\\"", 2);
        break;
    case '\\':
        text_add(t, "\\\\", 2);
        break;
    case '\b':
        text_add(t, "\\b", 2);
        break;
    case '\f':
        text_add(t, "\\f", 2);
        break;
    case '\n':
        text_add(t, "\\n", 2);
        break;
    case '\r':
        text_add(t, "\\r", 2);
        break;
    case '\t':
        text_add(t, "\\t", 2);
        break;
    default:
        if (b < 0x20) {
            snprintf(escape, sizeof escape, "\\u%04x", b);
            text_add(t, escape, 6);
        } else if (b >= 0x80) {
            text_add(t, FFFD, 3);
        } else {
            text_add(t, (const char *)&b, 1);
        }
    }
}

/* Fails unless the writer's whole text is prefix, body, suffix. */
static void assert_text(const struct json_writer *w, const char *prefix, const char *body, size_t body_len,
                        const char *suffix) {
    size_t pre = strlen(prefix), post = strlen(suffix), len = json_writer_len(w);
    const char *data = json_writer_data(w);
    assert_int_equal(json_writer_status(w), JSON_WRITER_OK);
    if (len != pre + body_len + post || memcmp(data, prefix, pre) != 0 || memcmp(data + pre, body, body_len) != 0 ||
        memcmp(data + pre + body_len, suffix, post) != 0) {
        print_error("expected %s%.*s%s (%zu bytes)\n     got %.*s (%zu bytes)\n", prefix, (int)body_len, body, suffix,
                    pre + body_len + post, (int)len, data, len);
        fail();
    }
    assert_int_equal(data[len], '\0');
}

/* Writes in[0..len) as a string value and as a key, each time from a new
 * writer of one byte, which the string must grow; both must give exactly
 * the escaped text expected. */
static void assert_escapes_to(const char *in, size_t len, const char *expected, size_t expected_len) {
    struct json_writer *w = json_writer_new(1);
    assert_non_null(w);
    json_writer_begin_object(w);
    json_writer_key_n(w, in, len);
    json_writer_int(w, 1);
    json_writer_end_object(w);
    assert_text(w, "{\"", expected, expected_len, "\":1}");
    json_writer_free(w);

    w = json_writer_new(1);
    assert_non_null(w);
    json_writer_begin_array(w);
    json_writer_null(w);
    json_writer_string_n(w, in, len);
    json_writer_end_array(w);
    assert_text(w, "[null,\"", expected, expected_len, "\"]");
    json_writer_free(w);

    w = json_writer_new(1);
    assert_non_null(w);
    json_writer_string_n(w, in, len);
    assert_text(w, "\"", expected, expected_len, "\"");
    json_writer_free(w);
}

/* Every byte value at every position of strings of 1 to 33 bytes: the
 * lengths below, at and above one word (1-3 bytes go one at a time, 4-7
 * as two overlapping halves, longer strings by words and a last
 * overlapping word). Printable fillers include the neighbours of '"' and
 * '\\', space, '~' and DEL, which go out as they are. */
static void test_lone_byte_at_every_position_of_every_length(void **state) {
    (void)state;
    static const char fillers[] = " !#[]~\x7f"
                                  "az09";
    char in[33], expected_bytes[33 + 6] = {0};
    for (size_t len = 1; len <= sizeof in; len++) {
        for (size_t at = 0; at < len; at++) {
            for (int b = 0; b < 256; b++) {
                for (size_t i = 0; i < len; i++)
                    in[i] = fillers[(i * 5 + len) % (sizeof fillers - 1)];
                in[at] = (char)b;
                struct text expected = {expected_bytes, 0};
                text_add(&expected, in, at);
                text_add_lone_byte(&expected, (unsigned char)b);
                text_add(&expected, in + at + 1, len - at - 1);
                assert_escapes_to(in, len, expected.bytes, expected.len);
            }
        }
    }
    /* and nothing to escape, at every length from 0 */
    for (size_t len = 0; len <= sizeof in; len++) {
        for (size_t i = 0; i < len; i++)
            in[i] = fillers[(i * 3 + len) % (sizeof fillers - 1)];
        assert_escapes_to(in, len, in, len);
    }
}

/* Long clean runs (the writers start at one byte: the fast path's single
 * reserve has to grow them) alone, and with a control character, quote, backslash,
 * NUL or invalid byte at the very end, at the start, in the middle, or
 * after a clean run that ends at, before or after an escape chunk (4096
 * bytes on from the first byte that needs attention). */
static void test_long_clean_runs(void **state) {
    (void)state;
    enum { RUN = 70000 };
    char *in = malloc(RUN + 1), *expected_bytes = malloc(RUN + 32);
    assert_non_null(in);
    assert_non_null(expected_bytes);
    for (size_t i = 0; i < RUN + 1; i++)
        in[i] = (char)('a' + i % 26);
    static const struct {
        char byte;
        const char *escaped;
    } specials[] = {{'\x01', "\\u0001"}, {'\n', "\\n"},  {'"', "\\\""},
                    {'\\', "\\\\"},      {'\xff', FFFD}, {'\0', "\\u0000"}};
    /* nothing to escape */
    for (size_t run = RUN - 8; run <= RUN; run++)
        assert_escapes_to(in, run, in, run);
    for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
        size_t esc_len = strlen(specials[k].escaped);
        /* at the very end, after runs of every length modulo 8 */
        for (size_t run = RUN - 8; run <= RUN; run++) {
            char saved = in[run];
            in[run] = specials[k].byte;
            struct text expected = {expected_bytes, 0};
            text_add(&expected, in, run);
            text_add(&expected, specials[k].escaped, esc_len);
            assert_escapes_to(in, run + 1, expected.bytes, expected.len);
            in[run] = saved;
        }
        /* at the start and in the middle */
        static const size_t ats[] = {0, 1, RUN / 2};
        for (size_t i = 0; i < sizeof ats / sizeof ats[0]; i++) {
            char saved = in[ats[i]];
            in[ats[i]] = specials[k].byte;
            struct text expected = {expected_bytes, 0};
            text_add(&expected, in, ats[i]);
            text_add(&expected, specials[k].escaped, esc_len);
            text_add(&expected, in + ats[i] + 1, RUN - ats[i] - 1);
            assert_escapes_to(in, RUN, expected.bytes, expected.len);
            in[ats[i]] = saved;
        }
    }

    /* the first byte needs an escape: the whole string takes the slow path,
     * whose chunks end 4096 bytes on */
    for (size_t at = 4090; at <= 4100; at++) {
        char saved = in[at];
        in[0] = '\t';
        in[at] = '\x1f';
        struct text expected = {expected_bytes, 0};
        text_add(&expected, "\\t", 2);
        text_add(&expected, in + 1, at - 1);
        text_add(&expected, "\\u001f", 6);
        text_add(&expected, in + at + 1, RUN - at - 1);
        assert_escapes_to(in, RUN, expected.bytes, expected.len);
        in[at] = saved;
        in[0] = 'a';
    }
    free(in);
    free(expected_bytes);
}

static void fill_plain(char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        p[i] = (char)('A' + i % 26);
}

/* Multi-byte sequences, valid and not, at every offset around the first
 * words and with every short run after them. */
static void test_utf8_at_word_boundaries(void **state) {
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"\xC3\xA9", "\xC3\xA9"},
        {"\xE2\x82\xAC", "\xE2\x82\xAC"},
        {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
        {"\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"},
        {"\xC3\xA9\xE2\x82\xAC", "\xC3\xA9\xE2\x82\xAC"},
        {"\x80", FFFD},
        {"\xC3", FFFD},                                  /* truncated by what follows, or the end */
        {"\xE2\x82", FFFD},                              /* one replacement */
        {"\xF0\x9F\x98", FFFD},                          /* one replacement */
        {"\xC0\xAF", FFFD FFFD},                         /* overlong */
        {"\xED\xA0\x80", FFFD FFFD FFFD},                /* surrogate */
        {"\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD},       /* beyond U+10FFFF */
        {"\xFF\xC3\xA9\xFE", FFFD "\xC3\xA9" FFFD},      /* invalid around valid */
        {"\xE2\x82\xAC\x80", "\xE2\x82\xAC" FFFD},       /* a continuation too many */
        {"\xE2\x82\n", FFFD "\\n"},                      /* cut short by a control */
        {"\xF0\x9F\x98\"\xC3\xA9", FFFD "\\\"\xC3\xA9"}, /* by a quote */
    };
    char in[48], expected_bytes[96] = {0};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n = strlen(cases[k].in), out_n = strlen(cases[k].out);
        for (size_t before = 0; before <= 17; before++) {
            for (size_t after = 0; after <= 17; after++) {
                fill_plain(in, before);
                memcpy(in + before, cases[k].in, n);
                fill_plain(in + before + n, after);
                struct text expected = {expected_bytes, 0};
                text_add(&expected, in, before);
                text_add(&expected, cases[k].out, out_n);
                text_add(&expected, in + before + n, after);
                assert_escapes_to(in, before + n + after, expected.bytes, expected.len);
            }
        }
    }
}

/* A sequence that starts at the end of one escape chunk and ends in the
 * next is checked as one: kept if valid, one U+FFFD if truncated. */
static void test_utf8_across_escape_chunks(void **state) {
    (void)state;
    enum { LEN = 9000 };
    char *in = malloc(LEN), *expected_bytes = malloc(LEN + 16);
    assert_non_null(in);
    assert_non_null(expected_bytes);
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"\xC3\xA9", "\xC3\xA9"}, {"\xE2\x82\xAC", "\xE2\x82\xAC"}, {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
        {"\xF0\x9F\x98", FFFD},   {"\xED\xA0\x80", FFFD FFFD FFFD},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n = strlen(cases[k].in), out_n = strlen(cases[k].out);
        /* the escape at 0 sends everything to the slow path: its first
         * chunk is in[0..4096) */
        for (size_t at = 4092; at <= 4097; at++) {
            for (size_t len = at + n; len <= at + n + 9; len += 9) {
                in[0] = '\r';
                fill_plain(in + 1, at - 1);
                memcpy(in + at, cases[k].in, n);
                fill_plain(in + at + n, len - at - n);
                struct text expected = {expected_bytes, 0};
                text_add(&expected, "\\r", 2);
                text_add(&expected, in + 1, at - 1);
                text_add(&expected, cases[k].out, out_n);
                text_add(&expected, in + at + n, len - at - n);
                assert_escapes_to(in, len, expected.bytes, expected.len);
            }
        }
    }
    free(in);
    free(expected_bytes);
}

/* string_n and key_n write every byte they are given, NUL included, where
 * the NUL-terminated forms stop at the first NUL. */
static void test_embedded_nul(void **state) {
    (void)state;
    struct json_writer *w = writer();
    assert_escapes_to("\0", 1, "\\u0000", 6);
    assert_escapes_to("\0abc", 4, "\\u0000abc", 9);
    assert_escapes_to("ab\0cd", 5, "ab\\u0000cd", 10);
    assert_escapes_to("abcdefg\0", 8, "abcdefg\\u0000", 13);
    assert_escapes_to("abcdefgh\0", 9, "abcdefgh\\u0000", 14);
    assert_escapes_to("abcdefgh\0ijklmnop", 17, "abcdefgh\\u0000ijklmnop", 22);
    assert_escapes_to("\0\0\0\0\0\0\0\0", 8, "\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000", 48);

    json_writer_reset(w);
    json_writer_string(w, "customer\0_id");
    assert_string_equal(json_writer_data(w), "\"customer\"");
    json_writer_reset(w);
    json_writer_begin_object(w);
    json_writer_key(w, "customer\0_id");
    json_writer_string(w, "\0hidden");
    json_writer_end_object(w);
    assert_string_equal(json_writer_data(w), "{\"customer\":\"\"}");
    json_writer_free(w);
}

/* Keys: the usual ones go out as they are, one after another; a NULL or
 * empty key is "". */
static void test_keys(void **state) {
    (void)state;
    struct json_writer *w = writer();
    json_writer_begin_object(w);
    json_writer_key(w, "customer_id");
    json_writer_int(w, 12);
    json_writer_key_n(w, "created_at_and_more", 10);
    json_writer_string(w, "2024-03-01T12:34:56.123456Z");
    json_writer_key(w, "op");
    json_writer_string(w, "c");
    json_writer_key(w, "caf\xC3\xA9");
    json_writer_string(w, "Fruit Co 12");
    json_writer_key(w, "a\"b");
    json_writer_string(w, "x\\y");
    json_writer_end_object(w);
    assert_string_equal(json_writer_data(w), "{\"customer_id\":12,\"created_at\":\"2024-03-01T12:34:56.123456Z\","
                                             "\"op\":\"c\",\"caf\xC3\xA9\":\"Fruit Co 12\",\"a\\\"b\":\"x\\\\y\"}");
    json_decref(parse(w));

    json_writer_reset(w);
    json_writer_begin_object(w);
    json_writer_key(w, NULL);
    json_writer_int(w, 1);
    json_writer_end_object(w);
    assert_string_equal(json_writer_data(w), "{\"\":1}");

    json_writer_reset(w);
    json_writer_begin_array(w);
    json_writer_begin_object(w);
    json_writer_key_n(w, NULL, 5);
    json_writer_int(w, 1);
    json_writer_end_object(w);
    json_writer_begin_object(w);
    json_writer_key_n(w, "", 0);
    json_writer_string_n(w, "", 0);
    json_writer_end_object(w);
    json_writer_end_array(w);
    assert_string_equal(json_writer_data(w), "[{\"\":1},{\"\":\"\"}]");
    json_writer_free(w);
}

/* splitmix64: repeatable pseudo-random bytes for the fuzz tests. */
static uint64_t next_random(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Random bytes, biased towards the interesting ones, always give valid
 * JSON; ASCII comes back unchanged. */
static void test_random_bytes_always_valid(void **state) {
    (void)state;
    static const unsigned char interesting[] = {0x00, 0x1f, '"',  '\\', 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0,
                                                0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x8f, 0x90};
    struct json_writer *w = writer();
    uint64_t seed = 20261125;
    char buf[64] = {0};
    for (int round = 0; round < 20000; round++) {
        size_t len = next_random(&seed) % sizeof buf;
        for (size_t i = 0; i < len; i++) {
            uint64_t r = next_random(&seed);
            buf[i] = (char)(r % 3 == 0 ? interesting[(r >> 8) % sizeof interesting] : (r >> 8) & 0xff);
        }
        int ascii = 1;
        for (size_t i = 0; i < len; i++)
            ascii &= (unsigned char)buf[i] < 0x80;
        char copy[sizeof buf];
        memcpy(copy, buf, len);
        json_writer_reset(w);
        json_writer_begin_array(w);
        json_writer_string_n(w, buf, len);
        json_writer_begin_object(w);
        /* jansson refuses NUL in keys (valid JSON all the same) */
        for (size_t i = 0; i < len; i++)
            if (!buf[i])
                buf[i] = 1;
        json_writer_key_n(w, buf, len);
        json_writer_string_n(w, buf, len);
        json_writer_end_object(w);
        json_writer_end_array(w);
        json_t *json = parse(w);
        if (ascii)
            assert_string_bytes(json_array_get(json, 0), copy, len);
        json_decref(json);
    }
    json_writer_free(w);
}

static void test_integers(void **state) {
    (void)state;
    struct json_writer *w = writer();
    static const int64_t ints[] = {0, 1, -1, 9, 10, -10, 42, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        json_writer_reset(w);
        json_writer_int(w, ints[i]);
        json_t *json = parse(w);
        assert_true(json_is_integer(json));
        assert_true(json_integer_value(json) == ints[i]);
        json_decref(json);
        char expected[32];
        snprintf(expected, sizeof expected, "%lld", (long long)ints[i]);
        assert_string_equal(json_writer_data(w), expected);
    }
    static const uint64_t uints[] = {0, 1, 9007199254740993ULL, (uint64_t)INT64_MAX + 1, UINT64_MAX};
    static const char *const texts[] = {"0", "1", "9007199254740993", "9223372036854775808", "18446744073709551615"};
    for (size_t i = 0; i < sizeof uints / sizeof uints[0]; i++) {
        json_writer_reset(w);
        json_writer_uint(w, uints[i]);
        /* jansson's integers stop at INT64_MAX: check the text, and that it
         * parses as a number */
        assert_string_equal(json_writer_data(w), texts[i]);
        json_t *json = parse_flags(w, JSON_DECODE_INT_AS_REAL);
        assert_true(json_is_real(json));
        assert_true(json_real_value(json) == (double)uints[i]);
        json_decref(json);
    }
    json_writer_free(w);
}

static void assert_double_round_trip(struct json_writer *w, double d) {
    json_writer_reset(w);
    json_writer_double(w, d);
    json_t *json = parse(w);
    if (!json_is_real(json) || memcmp(&(double){json_real_value(json)}, &d, sizeof d) != 0) {
        print_error("%.17g written as %s\n", d, json_writer_data(w));
        fail();
    }
    json_decref(json);
    double back = strtod(json_writer_data(w), NULL);
    assert_memory_equal(&back, &d, sizeof d);
}

static void test_doubles(void **state) {
    (void)state;
    struct json_writer *w = writer();
    static const struct {
        double d;
        const char *text;
    } exact[] = {
        {0.1, "0.1"},
        {1e300, "1e+300"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {1.0, "1.0"},
        {-2.5, "-2.5"},
        {1.0 / 3, "0.3333333333333333"},
        {0.1 + 0.2, "0.30000000000000004"},
        {123456789012345680.0, "1.2345678901234568e+17"},
        {DBL_MAX, "1.7976931348623157e+308"},
        {DBL_MIN, "2.2250738585072014e-308"},
    };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        assert_double_round_trip(w, exact[i].d);
        assert_string_equal(json_writer_data(w), exact[i].text);
    }
    /* -0.0 keeps its sign */
    json_writer_reset(w);
    json_writer_double(w, -0.0);
    json_t *json = parse(w);
    assert_true(signbit(json_real_value(json)));
    json_decref(json);

    /* denormals */
    static const double denormals[] = {4.9406564584124654e-324, 2.2250738585072009e-308, 1e-310, -3e-320};
    for (size_t i = 0; i < sizeof denormals / sizeof denormals[0]; i++)
        assert_double_round_trip(w, denormals[i]);

    /* random bit patterns */
    uint64_t seed = 7;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = next_random(&seed);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d))
            assert_double_round_trip(w, d);
    }

    /* no number for these */
    static const double specials[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 3; i++) {
        json_writer_reset(w);
        json_writer_double(w, specials[i]);
        assert_string_equal(json_writer_data(w), "null");
    }
    json_writer_free(w);
}

static void test_floats(void **state) {
    (void)state;
    struct json_writer *w = writer();
    static const struct {
        float f;
        const char *text;
    } exact[] = {{1.1f, "1.1"}, {0.1f, "0.1"}, {-0.0f, "-0.0"}, {3.0f, "3.0"}, {FLT_MAX, "3.4028235e+38"}};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        json_writer_reset(w);
        json_writer_float(w, exact[i].f);
        assert_string_equal(json_writer_data(w), exact[i].text);
        json_decref(parse(w));
    }
    uint64_t seed = 11;
    for (int i = 0; i < 20000; i++) {
        uint32_t bits = (uint32_t)next_random(&seed);
        float f;
        memcpy(&f, &bits, sizeof f);
        json_writer_reset(w);
        json_writer_float(w, f);
        if (!isfinite(f)) {
            assert_string_equal(json_writer_data(w), "null");
            continue;
        }
        json_decref(parse(w));
        float back = strtof(json_writer_data(w), NULL);
        assert_memory_equal(&back, &f, sizeof f);
    }
    json_writer_free(w);
}

/* A reference decoder, for round trips of every byte value. */
static size_t base64_decode(const char *in, size_t len, unsigned char *out) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len && in[i] != '='; i++) {
        const char *p = strchr(alphabet, in[i]);
        assert_non_null(p);
        acc = acc << 6 | (uint32_t)(p - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static void test_base64(void **state) {
    (void)state;
    struct json_writer *w = writer();
    /* RFC 4648, section 10 */
    static const char *const vectors[][2] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        json_writer_reset(w);
        json_writer_base64(w, vectors[i][0], strlen(vectors[i][0]));
        json_t *json = parse(w);
        assert_string_equal(json_string_value(json), vectors[i][1]);
        json_decref(json);
    }
    json_writer_reset(w);
    json_writer_base64(w, NULL, 0);
    assert_string_equal(json_writer_data(w), "\"\"");

    /* every byte value, at every length modulo 3 */
    unsigned char bytes[258], back[258];
    for (int i = 0; i < 258; i++)
        bytes[i] = (unsigned char)(255 - i % 256);
    for (size_t len = 253; len <= 258; len++) {
        json_writer_reset(w);
        json_writer_base64(w, bytes, len);
        json_t *json = parse(w);
        size_t text_len = json_string_length(json);
        assert_int_equal(text_len, (len + 2) / 3 * 4);
        assert_int_equal(base64_decode(json_string_value(json), text_len, back), len);
        assert_memory_equal(back, bytes, len);
        json_decref(json);
    }
    /* "\xfb\xff" uses both '+' and '/' */
    json_writer_reset(w);
    json_writer_base64(w, "\xfb\xff\xbf", 3);
    assert_string_equal(json_writer_data(w), "\"+/+/\"");

    /* a length that cannot be encoded is refused before anything is read */
    json_writer_reset(w);
    json_writer_base64(w, bytes, SIZE_MAX);
    assert_int_equal(json_writer_status(w), JSON_WRITER_NOMEM);
    json_writer_free(w);
}

/* 64 KiB of every kind of byte, from a writer that starts at one byte. */
static void test_long_string_from_tiny_buffer(void **state) {
    (void)state;
    struct json_writer *w = json_writer_new(1);
    assert_non_null(w);
    enum { LEN = 64 * 1024 };
    char *in = malloc(LEN), *expected = malloc(LEN * 3);
    assert_non_null(in);
    assert_non_null(expected);
    size_t expected_len = 0;
    static const char *const pieces[] = {"plain text ", "\"q\"",       "\\",           "\n\t",
                                         "\x01",        "\xC3\xA9",    "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                         "\xFF",        "\xED\xA0\x80"};
    static const char *const replaced[] = {"plain text ", "\"q\"",       "\\",           "\n\t",
                                           "\x01",        "\xC3\xA9",    "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                           FFFD,          FFFD FFFD FFFD};
    size_t len = 0;
    for (size_t k = 0; len < LEN; k++) {
        const char *piece = pieces[k % 10];
        size_t n = strlen(piece);
        if (len + n > LEN)
            piece = "x", n = 1;
        memcpy(in + len, piece, n);
        len += n;
        const char *r = n == 1 && piece[0] == 'x' ? "x" : replaced[k % 10];
        memcpy(expected + expected_len, r, strlen(r));
        expected_len += strlen(r);
    }
    assert_int_equal(len, LEN);
    json_writer_begin_array(w);
    json_writer_string_n(w, in, LEN);
    json_writer_end_array(w);
    json_t *json = parse(w);
    assert_string_bytes(json_array_get(json, 0), expected, expected_len);
    json_decref(json);
    free(in);
    free(expected);
    json_writer_free(w);
}

/* Once warmed up, the writer reuses its buffer: no reallocation. */
static void test_reset_reuses_memory(void **state) {
    (void)state;
    struct json_writer *w = json_writer_new(64);
    assert_non_null(w);
    for (int i = 0; i < 20; i++) {
        json_writer_begin_object(w);
        json_writer_key(w, "k");
        json_writer_string(w, "a value long enough to grow the sixty-four byte buffer at least once, twice");
        json_writer_end_object(w);
        json_writer_reset(w);
    }
    const char *warm = json_writer_data(w);
    for (int i = 0; i < 1000; i++) {
        json_writer_reset(w);
        json_writer_begin_object(w);
        json_writer_key(w, "k");
        json_writer_string(w, "a value long enough to grow the sixty-four byte buffer at least once, twice");
        json_writer_end_object(w);
        assert_ptr_equal(json_writer_data(w), warm);
    }
    json_decref(parse(w));
    json_writer_free(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure_and_commas),
        cmocka_unit_test(test_misuse_is_reported),
        cmocka_unit_test(test_every_control_char_quote_and_backslash),
        cmocka_unit_test(test_valid_utf8_passes_through),
        cmocka_unit_test(test_invalid_utf8_becomes_replacement_chars),
        cmocka_unit_test(test_every_byte_at_every_position),
        cmocka_unit_test(test_lone_byte_at_every_position_of_every_length),
        cmocka_unit_test(test_long_clean_runs),
        cmocka_unit_test(test_utf8_at_word_boundaries),
        cmocka_unit_test(test_utf8_across_escape_chunks),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_random_bytes_always_valid),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_doubles),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_long_string_from_tiny_buffer),
        cmocka_unit_test(test_reset_reuses_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
