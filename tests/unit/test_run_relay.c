/* Unit tests for bridge/run/line_relay.c: a stage's own log lines pass as
 * they are, any other line gets the log's prefix naming the stage once;
 * lines split across reads at every byte come out the same; lines longer
 * than the relay's buffer are cut into marked pieces, never inside a UTF-8
 * character; a last line without its newline gets one; CRLF. */
#include <regex.h>
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

#include "assert_text.h"
#include "run/line_relay.h"

#define PREFIX_RE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z bridge cdc "

/* Every line the relay emitted, concatenated, and how many calls. */
struct sink {
    char *text;
    size_t len;
    int calls;
    int bad_call; /* a call that was not exactly one line ending in \n */
};

static void collect(const char *line, size_t len, void *ctx) {
    struct sink *s = ctx;
    if (len == 0 || line[len - 1] != '\n' || memchr(line, '\n', len - 1))
        s->bad_call = 1;
    s->text = realloc(s->text, s->len + len + 1);
    memcpy(s->text + s->len, line, len);
    s->len += len;
    s->text[s->len] = '\0';
    s->calls++;
}

static void sink_free(struct sink *s) {
    free(s->text);
    memset(s, 0, sizeof *s);
}

static int matches(const char *text, const char *re) {
    regex_t r;
    assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE), 0);
    int ok = regexec(&r, text, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

/* Feeds text in pieces of step bytes (0: whole), then finishes. */
static void relay(struct sink *s, enum log_level level, const char *text, size_t len, size_t step) {
    static struct line_relay r; /* big: not on the stack of every test */
    line_relay_init(&r, "bridge cdc", level, collect, s);
    if (!step)
        step = len ? len : 1;
    for (size_t at = 0; at < len; at += step)
        line_relay_feed(&r, text + at, at + step <= len ? step : len - at);
    line_relay_finish(&r);
}

static const char log_line[] = "2026-11-25T15:00:00.123Z bridge cdc INFO cdc 'dc01-cdc': reading the binlog\n";

static void test_own_log_lines_pass_unchanged(void **state) {
    (void)state;
    struct sink s = {0};
    relay(&s, LOG_LEVEL_WARN, log_line, strlen(log_line), 0);
    assert_string_equal(s.text, log_line);
    assert_int_equal(s.calls, 1);
    sink_free(&s);
    static const char levels[] = "2026-11-25T15:00:00.123Z bridge cdc ERROR a\n"
                                 "2026-11-25T15:00:00.123Z bridge cdc WARN b\n"
                                 "2026-11-25T15:00:00.123Z bridge cdc DEBUG c\n";
    relay(&s, LOG_LEVEL_WARN, levels, strlen(levels), 0);
    assert_string_equal(s.text, levels);
    assert_int_equal(s.calls, 3);
    sink_free(&s);
}

static void test_other_lines_get_the_prefix_once(void **state) {
    (void)state;
    struct sink s = {0};
    static const char text[] = "==123==ERROR: AddressSanitizer: heap-use-after-free\n"
                               "%7|1700000000.123|BRKMAIN|rdkafka#producer-1| raw librdkafka\n"
                               "2026-11-25T15:00:00.123Z bridge sink INFO another program's line\n"
                               "2026-11-25T15:00:00.123Z bridge cdcx INFO a longer name\n"
                               "2026-11-25T15:00:00.123Z bridge cdc NOTICE not a level\n"
                               "2026-11-25 15:00:00.123Z bridge cdc INFO not the log's time\n"
                               "\n";
    relay(&s, LOG_LEVEL_WARN, text, strlen(text), 0);
    assert_int_equal(s.calls, 7);
    assert_false(s.bad_call);
    assert_true(matches(s.text, PREFIX_RE "WARN ==123==ERROR: AddressSanitizer: heap-use-after-free$"));
    assert_true(
        matches(s.text, PREFIX_RE "WARN %7\\|1700000000.123\\|BRKMAIN\\|rdkafka#producer-1\\| raw librdkafka$"));
    assert_true(matches(s.text, PREFIX_RE "WARN 2026-11-25T15:00:00.123Z bridge sink INFO another program's line$"));
    assert_true(matches(s.text, PREFIX_RE "WARN 2026-11-25T15:00:00.123Z bridge cdcx INFO a longer name$"));
    assert_true(matches(s.text, PREFIX_RE "WARN 2026-11-25T15:00:00.123Z bridge cdc NOTICE not a level$"));
    assert_true(matches(s.text, PREFIX_RE "WARN 2026-11-25 15:00:00.123Z bridge cdc INFO not the log's time$"));
    assert_true(matches(s.text, PREFIX_RE "WARN $"));
    /* every line starts with the prefix: the stage is named once at the start of each */
    for (char *line = s.text; *line; line = strchr(line, '\n') + 1)
        assert_true(matches(line, PREFIX_RE "WARN "));
    sink_free(&s);
    relay(&s, LOG_LEVEL_INFO, "Sales Order 1 Created\n", 22, 0);
    assert_true(matches(s.text, PREFIX_RE "INFO Sales Order 1 Created$"));
    sink_free(&s);
}

static void test_pieces_of_every_size_give_the_same_lines(void **state) {
    (void)state;
    char text[2048];
    int n = snprintf(text, sizeof text, "%sraw one\n%sraw two, a bit longer\n\n%s", log_line, log_line, log_line);
    struct sink whole = {0};
    relay(&whole, LOG_LEVEL_WARN, text, (size_t)n, 0);
    assert_int_equal(whole.calls, 6);
    /* the wrapped lines carry the relay's clock: compare without their timestamps */
    for (size_t step = 1; step <= (size_t)n; step++) {
        struct sink s = {0};
        relay(&s, LOG_LEVEL_WARN, text, (size_t)n, step);
        assert_int_equal(s.calls, whole.calls);
        assert_false(s.bad_call);
        assert_int_equal(s.len, whole.len);
        for (char *a = s.text, *b = whole.text; *a; a = strchr(a, '\n') + 1, b = strchr(b, '\n') + 1)
            assert_memory_equal(a + 24, b + 24, (size_t)(strchr(a, '\n') - a) - 24);
        sink_free(&s);
    }
    sink_free(&whole);
}

static void test_a_last_line_without_newline(void **state) {
    (void)state;
    struct sink s = {0};
    relay(&s, LOG_LEVEL_WARN, "2026-11-25T15:00:00.123Z bridge cdc INFO cut sh", 47, 5);
    assert_string_equal(s.text, "2026-11-25T15:00:00.123Z bridge cdc INFO cut sh\n");
    sink_free(&s);
    relay(&s, LOG_LEVEL_WARN, "half", 4, 0);
    assert_true(matches(s.text, PREFIX_RE "WARN half$"));
    assert_int_equal(s.calls, 1);
    sink_free(&s);
    relay(&s, LOG_LEVEL_WARN, "", 0, 0);
    assert_int_equal(s.calls, 0);
    sink_free(&s);
}

static void test_crlf(void **state) {
    (void)state;
    struct sink s = {0};
    relay(&s, LOG_LEVEL_INFO, "dos line\r\n", 10, 0);
    assert_true(matches(s.text, PREFIX_RE "INFO dos line$"));
    assert_null(strchr(s.text, '\r'));
    sink_free(&s);
}

/* The text of each emitted line after its prefix and "(cont.) " marker,
 * concatenated; checks every line but the first is marked. */
static char *pieces_text(const struct sink *s, size_t *longest) {
    char *out = calloc(1, s->len + 1);
    size_t used = 0;
    *longest = 0;
    int first = 1;
    for (const char *line = s->text; *line;) {
        const char *end = strchr(line, '\n');
        const char *body = strstr(line, " WARN ") + 6;
        if (!first) {
            assert_memory_equal(body, "(cont.) ", 8);
            body += 8;
        }
        size_t n = (size_t)(end - body);
        if (n > *longest)
            *longest = n;
        memcpy(out + used, body, n);
        used += n;
        first = 0;
        line = end + 1;
    }
    return out;
}

static void test_long_lines_are_cut_into_marked_pieces(void **state) {
    (void)state;
    size_t len = 3 * LINE_RELAY_MAX + 123;
    char *text = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        text[i] = (char)('a' + i % 26);
    text[len] = '\n';
    for (size_t step = 0; step <= 4097; step += 4097) { /* whole, and in reads of 4097 */
        struct sink s = {0};
        relay(&s, LOG_LEVEL_WARN, text, len + 1, step);
        assert_int_equal(s.calls, 4);
        assert_false(s.bad_call);
        size_t longest;
        char *joined = pieces_text(&s, &longest);
        assert_int_equal(strlen(joined), len);
        assert_memory_equal(joined, text, len);
        assert_int_equal(longest, LINE_RELAY_MAX);
        free(joined);
        sink_free(&s);
    }
    free(text);
}

static void test_a_line_of_exactly_the_buffer_is_one_line(void **state) {
    (void)state;
    char *text = malloc(LINE_RELAY_MAX + 1);
    memset(text, 'x', LINE_RELAY_MAX);
    text[LINE_RELAY_MAX] = '\n';
    for (size_t step = 0; step <= 1; step++) {
        struct sink s = {0};
        relay(&s, LOG_LEVEL_WARN, text, LINE_RELAY_MAX + 1, step ? LINE_RELAY_MAX : 0);
        assert_int_equal(s.calls, 1);
        assert_not_contains(s.text, "(cont.)");
        sink_free(&s);
    }
    free(text);
}

/* Whether bytes are whole UTF-8 characters (of the 2-, 3- and 4-byte forms used here). */
static int whole_utf8(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t k = p[i] < 0x80 ? 1 : p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : 2;
        if (i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80)
                return 0;
        i += k;
    }
    return 1;
}

static void test_pieces_never_split_a_character(void **state) {
    (void)state;
    static const char *const chars[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x9a\x82"}; /* é € 🚂 */
    for (size_t c = 0; c < 3; c++) {
        for (size_t lead = 0; lead < 4; lead++) { /* shift where the cut falls */
            size_t clen = strlen(chars[c]);
            size_t len = lead + clen * (2 * LINE_RELAY_MAX / clen);
            char *text = malloc(len + 1);
            memset(text, 'a', lead);
            for (size_t i = lead; i < len; i += clen)
                memcpy(text + i, chars[c], clen);
            text[len] = '\n';
            struct sink s = {0};
            relay(&s, LOG_LEVEL_WARN, text, len + 1, 0);
            assert_true(s.calls >= 2);
            size_t longest;
            char *joined = pieces_text(&s, &longest);
            assert_memory_equal(joined, text, len);
            for (const char *line = s.text; *line; line = strchr(line, '\n') + 1) {
                const char *body = strstr(line, " WARN ") + 6;
                if (strncmp(body, "(cont.) ", 8) == 0)
                    body += 8;
                assert_true(whole_utf8((const unsigned char *)body, (size_t)(strchr(line, '\n') - body)));
            }
            free(joined);
            free(text);
            sink_free(&s);
        }
    }
}

static void test_is_log_line(void **state) {
    (void)state;
    const char *ok = "2026-11-25T15:00:00.123Z bridge cdc INFO x";
    assert_true(line_relay_is_log_line(ok, strlen(ok), "bridge cdc"));
    assert_false(line_relay_is_log_line(ok, strlen(ok), "bridge sink"));
    assert_false(line_relay_is_log_line(ok, strlen(ok), "bridge"));
    assert_false(line_relay_is_log_line(ok, 30, "bridge cdc")); /* cut short */
    assert_false(line_relay_is_log_line("2026-11-25T15:00:00.123Z bridge cdc INFO", 40, "bridge cdc"));
    assert_false(line_relay_is_log_line("x026-11-25T15:00:00.123Z bridge cdc INFO x", 42, "bridge cdc"));
    assert_false(line_relay_is_log_line("", 0, "bridge cdc"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_log_lines_pass_unchanged),
        cmocka_unit_test(test_other_lines_get_the_prefix_once),
        cmocka_unit_test(test_pieces_of_every_size_give_the_same_lines),
        cmocka_unit_test(test_a_last_line_without_newline),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_long_lines_are_cut_into_marked_pieces),
        cmocka_unit_test(test_a_line_of_exactly_the_buffer_is_one_line),
        cmocka_unit_test(test_pieces_never_split_a_character),
        cmocka_unit_test(test_is_log_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
