/* Unit tests for common/config.c: the properties parser, the schema checks
 * and the origins every value remembers. Each test tries to break it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "assert_text.h"

#include "config.h"

static const struct config_key main_keys[] = {
    {"name", CONFIG_STRING, "anon", 0, 0, "a name"},
    {"count", CONFIG_INT, "10", 1, 100, "a count"},
    {"ratio", CONFIG_DOUBLE, "0.5", 0.0, 1.0, "a ratio"},
    {"verbose", CONFIG_BOOL, "false", 0, 0, "be verbose"},
    {"path", CONFIG_STRING, NULL, 0, 0, "a path with no default"},
    {"offset", CONFIG_INT, NULL, -1000, 1000, "an offset with no default"},
    {"scale", CONFIG_DOUBLE, NULL, -1e6, 1e6, "a scale with no default"},
    {"flag", CONFIG_BOOL, NULL, 0, 0, "a flag with no default"},
    {NULL, CONFIG_STRING, NULL, 0, 0, NULL},
};

static const struct config_key extra_keys[] = {
    {"extra.one", CONFIG_STRING, "x", 0, 0, "first extra"},
    {"extra.big", CONFIG_INT, "0", -1e18, 1e18, "a wide int"},
    {NULL, CONFIG_STRING, NULL, 0, 0, NULL},
};

static const struct config_key *const schema[] = {main_keys, extra_keys, NULL};

/* ---- pattern keys ("prefix.*": anything under the prefix passes through) -- */

static const struct config_key pattern_keys[] = {
    {"kafka.servers", CONFIG_STRING, "127.0.0.1:9092", 0, 0, "servers"},
    {"kafka.prop.*", CONFIG_STRING, NULL, 0, 0, "any client property"},
    {NULL, CONFIG_STRING, NULL, 0, 0, NULL},
};

static void collect(const char *name, const char *value, void *ctx) {
    char *out = ctx;
    size_t used = strlen(out);
    snprintf(out + used, 256 - used, "%s=%s;", name, value);
}

static void test_pattern_keys_pass_through(void **state) {
    (void)state;
    static const struct config_key *const pattern_schema[] = {pattern_keys, NULL};
    struct config *cfg = config_new(pattern_schema);
    char err[256], seen[256] = "";
    assert_int_equal(config_set(cfg, "kafka.prop.linger.ms", "5", "-X", err, sizeof err), 0);
    assert_int_equal(config_set(cfg, "kafka.prop.acks", "all", "-X", err, sizeof err), 0);
    assert_int_equal(config_set(cfg, "kafka.prop.linger.ms", "7", "--later", err, sizeof err), 0);
    config_each_under(cfg, "kafka.prop.*", collect, seen);
    assert_string_equal(seen, "linger.ms=7;acks=all;");
    /* the prefix alone, a sibling and the pattern's own name are not keys */
    assert_int_equal(config_set(cfg, "kafka.prop.", "x", "f:1", err, sizeof err), -1);
    assert_contains(err, "unknown key 'kafka.prop.'");
    assert_int_equal(config_set(cfg, "kafka.propx", "x", "f:2", err, sizeof err), -1);
    assert_int_equal(config_set(cfg, "kafka.prop.*", "x", "f:3", err, sizeof err), -1);
    assert_string_equal(config_get(cfg, "kafka.servers"), "127.0.0.1:9092");
    config_free(cfg);
}

/* ---- temporary files ---------------------------------------------------- */

static char tmpdir[64];
static char paths[64][256];
static int npaths;

/* Writes content to tmpdir/name and returns its path (kept for teardown). */
static const char *write_tmp(const char *name, const char *content) {
    assert_true(npaths < 64);
    char *path = paths[npaths++];
    snprintf(path, sizeof paths[0], "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    assert_int_equal(fclose(f), 0);
    return path;
}

static int group_setup(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_config.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    for (int i = 0; i < npaths; i++)
        unlink(paths[i]);
    return rmdir(tmpdir);
}

static int setup(void **state) {
    *state = config_new(schema);
    return *state ? 0 : -1;
}

static int teardown(void **state) {
    config_free(*state);
    return 0;
}

/* ---- defaults and getters ----------------------------------------------- */

static void test_defaults_when_unset(void **state) {
    struct config *cfg = *state;
    assert_string_equal(config_get(cfg, "name"), "anon");
    assert_int_equal(config_get_int(cfg, "count"), 10);
    assert_true(config_get_double(cfg, "ratio") == 0.5);
    assert_int_equal(config_get_bool(cfg, "verbose"), 0);
    assert_string_equal(config_get(cfg, "extra.one"), "x");
    assert_string_equal(config_origin(cfg, "name"), "default");
    assert_string_equal(config_origin(cfg, "count"), "default");
    assert_string_equal(config_origin(cfg, "extra.big"), "default");
}

static void test_null_default(void **state) {
    struct config *cfg = *state;
    assert_null(config_get(cfg, "path"));
    assert_int_equal(config_get_int(cfg, "offset"), 0);
    assert_true(config_get_double(cfg, "scale") == 0.0);
    assert_int_equal(config_get_bool(cfg, "flag"), 0);
    assert_string_equal(config_origin(cfg, "path"), "default");
    assert_string_equal(config_origin(cfg, "offset"), "default");
}

static void test_getters_each_type(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(config_set(cfg, "name", "Zoë", "t", err, sizeof err), 0);
    assert_int_equal(config_set(cfg, "count", "42", "t", err, sizeof err), 0);
    assert_int_equal(config_set(cfg, "offset", "-1000", "t", err, sizeof err), 0);
    assert_int_equal(config_set(cfg, "ratio", "0.125", "t", err, sizeof err), 0);
    assert_int_equal(config_set(cfg, "scale", "-2.5e3", "t", err, sizeof err), 0);
    assert_int_equal(config_set(cfg, "verbose", "yes", "t", err, sizeof err), 0);
    assert_int_equal(config_set(cfg, "extra.big", "999999999999999999", "t", err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "Zoë");
    assert_int_equal(config_get_int(cfg, "count"), 42);
    assert_int_equal(config_get_int(cfg, "offset"), -1000);
    assert_true(config_get_double(cfg, "ratio") == 0.125);
    assert_true(config_get_double(cfg, "scale") == -2500.0);
    assert_int_equal(config_get_bool(cfg, "verbose"), 1);
    assert_true(config_get_int(cfg, "extra.big") == 999999999999999999LL);
    /* The raw text of a typed value is kept as given. */
    assert_string_equal(config_get(cfg, "scale"), "-2.5e3");
}

static void test_getter_unknown_key_aborts(void **state) {
    struct config *cfg = *state;
    for (int which = 0; which < 5; which++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            signal(SIGABRT, SIG_DFL);
            int devnull = open("/dev/null", O_WRONLY);
            if (devnull >= 0)
                dup2(devnull, STDERR_FILENO);
            switch (which) {
            case 0:
                config_get(cfg, "nope");
                break;
            case 1:
                config_get_int(cfg, "nope");
                break;
            case 2:
                config_get_double(cfg, "nope");
                break;
            case 3:
                config_get_bool(cfg, "nope");
                break;
            default:
                config_origin(cfg, "nope");
                break;
            }
            _exit(0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGABRT);
    }
}

static void each_key_collect(const struct config_key *key, void *ctx) {
    char *out = ctx;
    strcat(out, key->name);
    strcat(out, ",");
}

static void test_each_key_order(void **state) {
    struct config *cfg = *state;
    char names[512] = "";
    config_each_key(cfg, each_key_collect, names);
    assert_string_equal(names, "name,count,ratio,verbose,path,offset,scale,flag,extra.one,extra.big,");
}

static void count_keys(const struct config_key *key, void *ctx) {
    (void)key;
    (*(int *)ctx)++;
}

static void test_empty_schema(void **state) {
    (void)state;
    static const struct config_key none[] = {{NULL, CONFIG_STRING, NULL, 0, 0, NULL}};
    static const struct config_key *const empty1[] = {NULL};
    static const struct config_key *const empty2[] = {none, none, NULL};
    const struct config_key *const *schemas[] = {empty1, empty2};
    for (size_t i = 0; i < 2; i++) {
        struct config *cfg = config_new(schemas[i]);
        assert_non_null(cfg);
        int n = 0;
        config_each_key(cfg, count_keys, &n);
        assert_int_equal(n, 0);
        char err[256];
        assert_int_equal(config_set(cfg, "name", "x", "o", err, sizeof err), -1);
        assert_contains(err, "unknown key 'name'");
        config_free(cfg);
    }
    config_free(NULL);
}

/* ---- files ---------------------------------------------------------------- */

static void test_file_comments_blanks_whitespace(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("full.properties", "# a hash comment\n"
                                                    "! a bang comment\n"
                                                    "\n"
                                                    "   \t  \n"
                                                    "   # an indented comment = with equals\n"
                                                    "  name  =  Alice Smith  \n"
                                                    "count=5\n"
                                                    "\tratio\t=\t0.25\t\n"
                                                    "verbose = on\n"
                                                    "path = a=b=c\n"
                                                    "extra.one==lead\n");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "Alice Smith");
    assert_int_equal(config_get_int(cfg, "count"), 5);
    assert_true(config_get_double(cfg, "ratio") == 0.25);
    assert_int_equal(config_get_bool(cfg, "verbose"), 1);
    assert_string_equal(config_get(cfg, "path"), "a=b=c");
    assert_string_equal(config_get(cfg, "extra.one"), "=lead");

    char origin[300];
    snprintf(origin, sizeof origin, "%s:6", path);
    assert_string_equal(config_origin(cfg, "name"), origin);
    snprintf(origin, sizeof origin, "%s:7", path);
    assert_string_equal(config_origin(cfg, "count"), origin);
    snprintf(origin, sizeof origin, "%s:10", path);
    assert_string_equal(config_origin(cfg, "path"), origin);
    /* Untouched keys keep their defaults. */
    assert_string_equal(config_origin(cfg, "offset"), "default");
    assert_null(config_get(cfg, "scale"));
}

static void test_file_crlf_and_no_final_newline(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("crlf.properties", "# windows\r\nname=bob\r\n\r\ncount = 7 \r\ncount=8");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "bob");
    assert_int_equal(config_get_int(cfg, "count"), 8);
    char origin[300];
    snprintf(origin, sizeof origin, "%s:5", path);
    assert_string_equal(config_origin(cfg, "count"), origin);
}

static void test_file_empty(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("empty.properties", "");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "anon");
    path = write_tmp("only-comments.properties", "#\n!\n\n# name=nobody\n! count=3\n");
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "anon");
    assert_int_equal(config_get_int(cfg, "count"), 10);
}

static void test_file_later_overrides_earlier(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("override.properties", "count=5\nname=first\ncount=7\nname=second\n");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_int_equal(config_get_int(cfg, "count"), 7);
    assert_string_equal(config_get(cfg, "name"), "second");
    char origin[300];
    snprintf(origin, sizeof origin, "%s:3", path);
    assert_string_equal(config_origin(cfg, "count"), origin);

    /* A second file overrides the first; -X overrides both. */
    const char *second = write_tmp("override2.properties", "count=9\n");
    assert_int_equal(config_load_file(cfg, second, err, sizeof err), 0);
    assert_int_equal(config_get_int(cfg, "count"), 9);
    snprintf(origin, sizeof origin, "%s:1", second);
    assert_string_equal(config_origin(cfg, "count"), origin);
    assert_int_equal(config_set_assignment(cfg, "count=11", "-X", err, sizeof err), 0);
    assert_int_equal(config_get_int(cfg, "count"), 11);
    assert_string_equal(config_origin(cfg, "count"), "-X");
    assert_string_equal(config_get(cfg, "name"), "second");
}

static void test_file_empty_string_value(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("emptyvalue.properties", "name=\npath =   \n");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "");
    assert_string_equal(config_get(cfg, "path"), "");
}

static void test_file_inline_hash_is_value(void **state) {
    struct config *cfg = *state;
    /* As in Java properties files, only whole-line comments exist. */
    const char *path = write_tmp("inline.properties", "name=a # not a comment\n");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "a # not a comment");
}

static void test_file_long_line(void **state) {
    struct config *cfg = *state;
    size_t n = 100000;
    char *content = malloc(n + 16);
    assert_non_null(content);
    memcpy(content, "name=", 5);
    memset(content + 5, 'v', n);
    strcpy(content + 5 + n, "\ncount=3\n");
    const char *path = write_tmp("long.properties", content);
    free(content);
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_int_equal(strlen(config_get(cfg, "name")), n);
    assert_int_equal(config_get_int(cfg, "count"), 3);
}

static void test_file_unknown_key(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("unknown.properties", "# header\nname=a\n\nbogus.key=1\ncount=5\n");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), -1);
    char where[300];
    snprintf(where, sizeof where, "%s:4", path);
    assert_contains(err, where);
    assert_contains(err, "bogus.key");
    assert_contains(err, "unknown key");
    assert_null(strchr(err, '\n'));
    /* Loading stops at the bad line. */
    assert_int_equal(config_get_int(cfg, "count"), 10);
}

static void test_file_keys_are_case_sensitive(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("case.properties", "NAME=a\n");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), -1);
    assert_contains(err, ":1");
    assert_contains(err, "'NAME'");
    path = write_tmp("space-in-key.properties", "na me=a\n");
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), -1);
    assert_contains(err, "'na me'");
}

static void test_file_line_without_equals(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("noeq.properties", "name=a\n\n! comment\njust some words\n");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), -1);
    char where[300];
    snprintf(where, sizeof where, "%s:4", path);
    assert_contains(err, where);
    assert_contains(err, "key=value");
    assert_contains(err, "just some words");
}

static void test_file_colon_separator_rejected(void **state) {
    struct config *cfg = *state;
    /* Java accepts "key: value"; this parser does not, and says so. */
    const char *path = write_tmp("colon.properties", "name: a\n");
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), -1);
    assert_contains(err, ":1: expected key=value");
}

static void test_file_empty_key(void **state) {
    struct config *cfg = *state;
    const char *lines[] = {"=value\n", "   =value\n", "\t = \n", "=\n"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "emptykey%zu.properties", i);
        char content[64];
        snprintf(content, sizeof content, "# c\n%s", lines[i]);
        const char *path = write_tmp(name, content);
        char err[512] = "";
        assert_int_equal(config_load_file(cfg, path, err, sizeof err), -1);
        char where[300];
        snprintf(where, sizeof where, "%s:2", path);
        assert_contains(err, where);
        assert_contains(err, "expected key=value");
    }
}

struct bad_value {
    const char *key;
    const char *value;
    const char *why;
};

static const struct bad_value bad_values[] = {
    {"count", "abc", "not a whole number"},
    {"count", "12abc", "not a whole number"},
    {"count", "1.5", "not a whole number"},
    {"count", "1e2", "not a whole number"},
    {"count", "0x10", "not a whole number"},
    {"count", "5 5", "not a whole number"},
    {"count", "", "not a whole number"},
    {"count", "-", "not a whole number"},
    {"count", "99999999999999999999", "not a whole number"},
    {"count", "-99999999999999999999", "not a whole number"},
    {"count", "0", "out of range"},
    {"count", "101", "out of range"},
    {"count", "-5", "out of range"},
    {"offset", "1001", "out of range"},
    {"offset", "-1001", "out of range"},
    {"extra.big", "9223372036854775807", "out of range"},
    {"ratio", "abc", "not a number"},
    {"ratio", "0.5x", "not a number"},
    {"ratio", "", "not a number"},
    {"ratio", ".", "not a number"},
    {"ratio", "nan", "not a number"},
    {"ratio", "inf", "not a number"},
    {"ratio", "-infinity", "not a number"},
    {"ratio", "1e400", "not a number"},
    {"ratio", "1.0001", "out of range"},
    {"ratio", "-0.0001", "out of range"},
    {"ratio", "2", "out of range"},
    {"scale", "1e7", "out of range"},
    {"verbose", "2", "not true or false"},
    {"verbose", "y", "not true or false"},
    {"verbose", "n", "not true or false"},
    {"verbose", "", "not true or false"},
    {"verbose", "truex", "not true or false"},
    {"verbose", "enabled", "not true or false"},
    {"verbose", "01", "not true or false"},
    {"flag", "-1", "not true or false"},
};

static void test_file_bad_values_name_key_and_origin(void **state) {
    struct config *cfg = *state;
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        const struct bad_value *b = &bad_values[i];
        char name[32], content[256];
        snprintf(name, sizeof name, "bad%zu.properties", i);
        snprintf(content, sizeof content, "# line 1\n\n%s = %s\n", b->key, b->value);
        const char *path = write_tmp(name, content);
        char err[512] = "";
        if (config_load_file(cfg, path, err, sizeof err) != -1) {
            print_error("%s=%s was accepted\n", b->key, b->value);
            fail();
        }
        char where[300];
        snprintf(where, sizeof where, "%s:3: %s: ", path, b->key);
        assert_contains(err, where);
        assert_contains(err, b->why);
        if (*b->value)
            assert_contains(err, b->value);
        /* The failed value left the default in place. */
        assert_string_equal(config_origin(cfg, b->key), "default");
    }
}

static void test_set_bad_values_name_key_and_origin(void **state) {
    struct config *cfg = *state;
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        const struct bad_value *b = &bad_values[i];
        char err[512] = "";
        assert_int_equal(config_set(cfg, b->key, b->value, "--some-option", err, sizeof err), -1);
        char where[300];
        snprintf(where, sizeof where, "--some-option: %s: ", b->key);
        assert_contains(err, where);
        assert_contains(err, b->why);
    }
}

static void test_good_values_at_boundaries(void **state) {
    struct config *cfg = *state;
    static const struct {
        const char *key, *value;
    } good[] = {
        {"count", "1"},       {"count", "100"},      {"count", "+5"},          {"count", "007"},
        {"offset", "-1000"},  {"offset", "1000"},    {"offset", "-0"},         {"ratio", "0"},
        {"ratio", "1"},       {"ratio", "1.0"},      {"ratio", "1e-1"},        {"ratio", ".5"},
        {"ratio", "-0"},      {"scale", "-1e6"},     {"scale", "1e6"},         {"extra.big", "-1000000000000000000"},
        {"name", "anything"}, {"name", "  inner  "}, {"name", "#not comment"}, {"name", "=x"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char err[512] = "";
        if (config_set(cfg, good[i].key, good[i].value, "o", err, sizeof err) != 0) {
            print_error("%s=%s rejected: %s\n", good[i].key, good[i].value, err);
            fail();
        }
        assert_string_equal(config_get(cfg, good[i].key), good[i].value);
    }
    assert_int_equal(config_get_int(cfg, "count"), 7);
    assert_int_equal(config_get_int(cfg, "offset"), 0);
    assert_true(config_get_double(cfg, "ratio") == 0.0);
}

static void test_bool_spellings(void **state) {
    struct config *cfg = *state;
    static const struct {
        const char *text;
        int value;
    } spellings[] = {
        {"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"on", 1}, {"off", 0}, {"1", 1},    {"0", 0},
        {"TRUE", 1}, {"False", 0}, {"YeS", 1}, {"NO", 0}, {"On", 1}, {"OFF", 0}, {"tRuE", 1}, {"oFf", 0},
    };
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        char err[256] = "";
        /* Flip to the opposite first so each spelling must change the value. */
        assert_int_equal(config_set(cfg, "verbose", spellings[i].value ? "0" : "1", "o", err, sizeof err), 0);
        assert_int_equal(config_set(cfg, "verbose", spellings[i].text, "o", err, sizeof err), 0);
        assert_int_equal(config_get_bool(cfg, "verbose"), spellings[i].value);
    }
    /* Through a file, with whitespace around. */
    const char *path = write_tmp("bools.properties", "verbose =  YES \nflag=off\n");
    char err[256] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_int_equal(config_get_bool(cfg, "verbose"), 1);
    assert_int_equal(config_get_bool(cfg, "flag"), 0);
    assert_string_equal(config_get(cfg, "flag"), "off");
}

static void test_failed_set_keeps_previous(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(config_set(cfg, "count", "50", "first", err, sizeof err), 0);
    assert_int_equal(config_set(cfg, "count", "500", "second", err, sizeof err), -1);
    assert_int_equal(config_get_int(cfg, "count"), 50);
    assert_string_equal(config_origin(cfg, "count"), "first");
    assert_int_equal(config_set(cfg, "nope", "1", "third", err, sizeof err), -1);
    assert_contains(err, "third: unknown key 'nope'");
}

static void test_missing_file(void **state) {
    struct config *cfg = *state;
    char path[300];
    snprintf(path, sizeof path, "%s/does-not-exist.properties", tmpdir);
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), -1);
    assert_contains(err, path);
    assert_contains(err, "No such file or directory");
    assert_null(strchr(err, '\n'));
}

static void test_directory_as_file(void **state) {
    struct config *cfg = *state;
    char err[512] = "";
    assert_int_equal(config_load_file(cfg, tmpdir, err, sizeof err), -1);
    assert_contains(err, tmpdir);
}

static void test_unreadable_file(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("unreadable.properties", "name=x\n");
    assert_int_equal(chmod(path, 0), 0);
    /* In a child, so that root can drop to "nobody" (root reads anything). */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && setuid(65534) != 0)
            _exit(2);
        char err[512] = "";
        int rc = config_load_file(cfg, path, err, sizeof err);
        _exit(rc == -1 && strstr(err, path) && strstr(err, "Permission denied") ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_small_error_buffer(void **state) {
    struct config *cfg = *state;
    const char *path = write_tmp("small-err.properties", "this-key-is-unknown-and-long=1\n");
    char err[9];
    memset(err, 'Z', sizeof err);
    assert_int_equal(config_load_file(cfg, path, err, 8), -1);
    assert_int_equal(strlen(err), 7);
    assert_int_equal(err[8], 'Z');
    memset(err, 'Z', sizeof err);
    assert_int_equal(config_set(cfg, "count", "abc", "origin", err, 4), -1);
    assert_int_equal(strlen(err), 3);
    assert_int_equal(err[4], 'Z');
    memset(err, 'Z', sizeof err);
    assert_int_equal(config_set_assignment(cfg, "novalue", "origin", err, 1), -1);
    assert_int_equal(err[0], '\0');
    assert_int_equal(err[1], 'Z');
}

/* ---- assignments (-X) ------------------------------------------------------ */

static void test_assignment(void **state) {
    struct config *cfg = *state;
    char err[512] = "";
    assert_int_equal(config_set_assignment(cfg, "name=v", "-X", err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "v");
    assert_string_equal(config_origin(cfg, "name"), "-X");
    assert_int_equal(config_set_assignment(cfg, "  count \t=  33 ", "-X", err, sizeof err), 0);
    assert_int_equal(config_get_int(cfg, "count"), 33);
    assert_int_equal(config_set_assignment(cfg, "name==x=", "-X", err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "=x=");
    assert_int_equal(config_set_assignment(cfg, "name=", "-X", err, sizeof err), 0);
    assert_string_equal(config_get(cfg, "name"), "");
}

static void test_assignment_errors(void **state) {
    struct config *cfg = *state;
    char err[512] = "";
    assert_int_equal(config_set_assignment(cfg, "novalue", "-X", err, sizeof err), -1);
    assert_contains(err, "-X: expected key=value, got 'novalue'");
    assert_int_equal(config_set_assignment(cfg, "", "-X", err, sizeof err), -1);
    assert_contains(err, "-X: expected key=value");
    assert_int_equal(config_set_assignment(cfg, "=1", "-X", err, sizeof err), -1);
    assert_contains(err, "-X: expected key=value, got '=1'");
    assert_int_equal(config_set_assignment(cfg, " \t=1", "-X", err, sizeof err), -1);
    assert_contains(err, "expected key=value");
    assert_int_equal(config_set_assignment(cfg, "bogus=1", "-X", err, sizeof err), -1);
    assert_contains(err, "-X: unknown key 'bogus'");
    assert_int_equal(config_set_assignment(cfg, "count=lots", "-X", err, sizeof err), -1);
    assert_contains(err, "-X: count: 'lots' is not a whole number");
    assert_int_equal(config_set_assignment(cfg, "count = 1000", "-X", err, sizeof err), -1);
    assert_contains(err, "-X: count: 1000 is out of range (1 to 100)");
    /* Nothing was set by any of these. */
    assert_string_equal(config_origin(cfg, "count"), "default");
    assert_string_equal(config_origin(cfg, "name"), "default");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_when_unset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getters_each_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_getter_unknown_key_aborts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_key_order, setup, teardown),
        cmocka_unit_test(test_empty_schema),
        cmocka_unit_test(test_pattern_keys_pass_through),
        cmocka_unit_test_setup_teardown(test_file_comments_blanks_whitespace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_crlf_and_no_final_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_later_overrides_earlier, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_empty_string_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_inline_hash_is_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_long_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_unknown_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_keys_are_case_sensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_line_without_equals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_colon_separator_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_empty_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_bad_values_name_key_and_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_bad_values_name_key_and_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_values_at_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bool_spellings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_set_keeps_previous, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_as_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_error_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assignment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assignment_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
