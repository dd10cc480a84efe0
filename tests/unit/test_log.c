/* Unit tests for common/log.c: level names, filtering, the line format,
 * truncation of long messages and whole lines from many threads. */
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "log.h"

/* The logger's line buffer (log.c): a line is at most this minus one byte. */
#define LINE_MAX_BYTES 2047

#define TIMESTAMP_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

struct capture {
    char *buf;
    size_t size;
    FILE *stream;
};

static int setup(void **state) {
    struct capture *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->stream = open_memstream(&c->buf, &c->size);
    if (!c->stream) {
        free(c);
        return -1;
    }
    log_init("test");
    log_set_level(LOG_LEVEL_INFO);
    log_set_stream(c->stream);
    *state = c;
    return 0;
}

static int teardown(void **state) {
    struct capture *c = *state;
    log_set_stream(NULL);
    log_init("bridgelab");
    log_set_level(LOG_LEVEL_INFO);
    fclose(c->stream);
    free(c->buf);
    free(c);
    return 0;
}

/* What was logged so far. */
static const char *captured(struct capture *c) {
    assert_int_equal(fflush(c->stream), 0);
    return c->buf ? c->buf : "";
}

static size_t count_char(const char *s, char ch) {
    size_t n = 0;
    for (; *s; s++)
        n += *s == ch;
    return n;
}

static int matches(const char *pattern, const char *text) {
    regex_t re;
    assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&re, text, 0, NULL, 0);
    regfree(&re);
    return rc == 0;
}

#define assert_matches(pattern, text)                                                                                  \
    do {                                                                                                               \
        const char *text_ = (text);                                                                                    \
        if (!matches((pattern), text_)) {                                                                              \
            print_error("'%s' does not match /%s/\n", text_, (pattern));                                               \
            fail();                                                                                                    \
        }                                                                                                              \
    } while (0)

/* ---- levels ---------------------------------------------------------------- */

static void test_level_parse(void **state) {
    (void)state;
    static const struct {
        const char *name;
        enum log_level level;
    } good[] = {
        {"error", LOG_LEVEL_ERROR}, {"warn", LOG_LEVEL_WARN}, {"info", LOG_LEVEL_INFO}, {"debug", LOG_LEVEL_DEBUG},
        {"ERROR", LOG_LEVEL_ERROR}, {"Warn", LOG_LEVEL_WARN}, {"iNfO", LOG_LEVEL_INFO}, {"DEBUG", LOG_LEVEL_DEBUG},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        enum log_level level = (enum log_level)99;
        assert_int_equal(log_level_parse(good[i].name, &level), 0);
        assert_int_equal(level, good[i].level);
    }
    static const char *const bad[] = {"",       "warning", "info ", " info", "trace",  "fatal", "inf",
                                      "debug2", "err",     "0",     "3",     "info\n", "WARN=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum log_level level = LOG_LEVEL_WARN;
        if (log_level_parse(bad[i], &level) != -1) {
            print_error("'%s' was accepted as a level\n", bad[i]);
            fail();
        }
        assert_int_equal(level, LOG_LEVEL_WARN); /* untouched */
    }
}

static void test_enabled(void **state) {
    (void)state;
    for (int threshold = LOG_LEVEL_ERROR; threshold <= LOG_LEVEL_DEBUG; threshold++) {
        log_set_level((enum log_level)threshold);
        for (int level = LOG_LEVEL_ERROR; level <= LOG_LEVEL_DEBUG; level++)
            assert_int_equal(log_enabled((enum log_level)level) != 0, level <= threshold);
    }
}

static void test_default_level_is_info(void **state) {
    struct capture *c = *state;
    /* setup restored info; so does a fresh process (checked in main). */
    log_debug("hidden");
    log_info("shown");
    assert_null(strstr(captured(c), "hidden"));
    assert_non_null(strstr(captured(c), "shown"));
}

static void test_filtering(void **state) {
    struct capture *c = *state;
    static const char *const expect[] = {"ERROR e\n", "WARN w\n", "INFO i\n", "DEBUG d\n"};
    for (int threshold = LOG_LEVEL_ERROR; threshold <= LOG_LEVEL_DEBUG; threshold++) {
        size_t before = strlen(captured(c));
        log_set_level((enum log_level)threshold);
        log_error("e");
        log_warn("w");
        log_info("i");
        log_debug("d");
        const char *out = captured(c) + before;
        assert_int_equal(count_char(out, '\n'), (size_t)threshold + 1);
        /* In order, and only the enabled ones. */
        const char *at = out;
        for (int level = LOG_LEVEL_ERROR; level <= LOG_LEVEL_DEBUG; level++) {
            const char *found = strstr(at, expect[level]);
            if (level <= threshold) {
                assert_non_null(found);
                at = found + strlen(expect[level]);
            } else {
                assert_null(strstr(out, expect[level]));
            }
        }
    }
}

/* ---- format ---------------------------------------------------------------- */

static void test_format(void **state) {
    struct capture *c = *state;
    time_t before = time(NULL);
    log_info("hello %d %s %.2f %% %c", 42, "world", 1.5, 'z');
    time_t after = time(NULL);
    const char *out = captured(c);
    assert_matches("^" TIMESTAMP_RE " test INFO hello 42 world 1\\.50 % z\n$", out);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int ms = -1;
    assert_int_equal(sscanf(out, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                            &tm.tm_min, &tm.tm_sec, &ms),
                     7);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t stamped = timegm(&tm);
    /* UTC, and of this moment. */
    assert_true(stamped >= before - 1 && stamped <= after + 1);
    assert_in_range(ms, 0, 999);
}

static void test_level_names(void **state) {
    struct capture *c = *state;
    log_set_level(LOG_LEVEL_DEBUG);
    log_error("a");
    log_warn("b");
    log_info("c");
    log_debug("d");
    assert_matches("^" TIMESTAMP_RE " test ERROR a\n" TIMESTAMP_RE " test WARN b\n" TIMESTAMP_RE
                   " test INFO c\n" TIMESTAMP_RE " test DEBUG d\n$",
                   captured(c));
}

static void test_program_name(void **state) {
    struct capture *c = *state;
    log_init("sim-ceiling");
    log_warn("x");
    log_init("");
    log_warn("y");
    assert_matches("^" TIMESTAMP_RE " sim-ceiling WARN x\n" TIMESTAMP_RE "  WARN y\n$", captured(c));
}

static void test_one_line_per_call(void **state) {
    struct capture *c = *state;
    for (int i = 0; i < 100; i++)
        log_info("line %d", i);
    const char *out = captured(c);
    assert_int_equal(count_char(out, '\n'), 100);
    assert_int_equal(out[strlen(out) - 1], '\n');
    const char *line = out;
    for (int i = 0; i < 100; i++) {
        const char *eol = strchr(line, '\n');
        assert_non_null(eol);
        char expect[32];
        int n = snprintf(expect, sizeof expect, " test INFO line %d", i);
        assert_true(eol - line >= n);
        assert_memory_equal(eol - n, expect, (size_t)n);
        line = eol + 1;
    }
}

static void test_empty_message(void **state) {
    struct capture *c = *state;
    log_info("%s", "");
    assert_matches("^" TIMESTAMP_RE " test INFO \n$", captured(c));
}

static void test_long_message_truncated(void **state) {
    struct capture *c = *state;
    size_t n = 10000;
    char *msg = malloc(n + 1);
    assert_non_null(msg);
    memset(msg, 'x', n);
    msg[n] = '\0';
    log_info("%s", msg);
    log_info("after");
    free(msg);
    const char *out = captured(c);
    assert_int_equal(count_char(out, '\n'), 2);
    const char *eol = strchr(out, '\n');
    assert_int_equal((size_t)(eol - out) + 1, LINE_MAX_BYTES);
    assert_matches("^" TIMESTAMP_RE " test INFO x+\n" TIMESTAMP_RE " test INFO after\n$", out);
}

/* Messages of every length around the buffer's end: whole, or cut short,
 * always exactly one line. */
static void test_lengths_around_the_limit(void **state) {
    struct capture *c = *state;
    const size_t header = strlen("2026-01-01T00:00:00.000Z test INFO ");
    const size_t room = LINE_MAX_BYTES - 1 - header; /* message bytes that fit */
    char msg[LINE_MAX_BYTES + 16];
    for (size_t len = room - 4; len <= room + 4; len++) {
        size_t before = strlen(captured(c));
        for (size_t i = 0; i < len; i++)
            msg[i] = (char)('a' + i % 26);
        msg[len] = '\0';
        log_info("%s", msg);
        const char *out = captured(c) + before;
        size_t expect_len = len < room ? len : room;
        assert_int_equal(strlen(out), header + expect_len + 1);
        assert_int_equal(count_char(out, '\n'), 1);
        assert_int_equal(out[header + expect_len], '\n');
        assert_memory_equal(out + header, msg, expect_len);
    }
}

static void test_long_program_name(void **state) {
    struct capture *c = *state;
    static char name[4000];
    for (size_t len = 2000; len < sizeof name; len += 500) {
        size_t before = strlen(captured(c));
        memset(name, 'p', len);
        name[len] = '\0';
        log_init(name);
        log_error("message %d", 1);
        const char *out = captured(c) + before;
        assert_int_equal(count_char(out, '\n'), 1);
        assert_true(strlen(out) <= LINE_MAX_BYTES);
        assert_int_equal(out[strlen(out) - 1], '\n');
        assert_matches("^" TIMESTAMP_RE " p+", out);
    }
}

static void test_default_stream_is_stderr(void **state) {
    (void)state;
    char dir[] = "/tmp/test_log.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/stderr", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    log_set_stream(NULL);
    log_warn("to stderr %d", 7);
    fflush(stderr);
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    close(fd);

    char text[256] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(text, 1, sizeof text - 1, f);
    text[got] = '\0';
    fclose(f);
    unlink(path);
    rmdir(dir);
    assert_matches("^" TIMESTAMP_RE " test WARN to stderr 7\n$", text);
}

#define THREADS 8
#define LINES_PER_THREAD 500

static void *log_many(void *arg) {
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < LINES_PER_THREAD; i++)
        log_info("thread %d line %d %s", id, i, "payload-payload-payload-payload-payload-payload-payload");
    return NULL;
}

static void test_threads_never_interleave(void **state) {
    struct capture *c = *state;
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, log_many, (void *)(intptr_t)t), 0);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);
    const char *out = captured(c);
    assert_int_equal(count_char(out, '\n'), THREADS * LINES_PER_THREAD);
    int next[THREADS] = {0};
    regex_t re;
    assert_int_equal(regcomp(&re, "^" TIMESTAMP_RE " test INFO thread [0-9] line [0-9]+ payload(-payload){6}$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    char line[256];
    for (const char *at = out; *at;) {
        const char *eol = strchr(at, '\n');
        assert_non_null(eol);
        assert_true((size_t)(eol - at) < sizeof line);
        memcpy(line, at, (size_t)(eol - at));
        line[eol - at] = '\0';
        int ok = regexec(&re, line, 0, NULL, 0) == 0;
        if (!ok)
            regfree(&re);
        if (!ok) {
            print_error("malformed line '%s'\n", line);
            fail();
        }
        int id, i;
        assert_int_equal(sscanf(strstr(line, "thread "), "thread %d line %d", &id, &i), 2);
        assert_in_range(id, 0, THREADS - 1);
        /* Each thread's lines arrive in its own order. */
        assert_int_equal(i, next[id]);
        next[id]++;
        at = eol + 1;
    }
    regfree(&re);
}

int main(void) {
    /* A fresh process logs at info and above. */
    if (!log_enabled(LOG_LEVEL_INFO) || log_enabled(LOG_LEVEL_DEBUG)) {
        printf("not ok 1 - the default level is not info\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_level_parse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_level_is_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filtering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_level_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_program_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_line_per_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_message_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lengths_around_the_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_program_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_stream_is_stderr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_never_interleave, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
