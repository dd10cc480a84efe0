/* Unit tests for common/cli.c: -F, -X and long options mapped onto
 * configuration keys, in any order, and every way to get them wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "assert_text.h"

#include "cli.h"
#include "config.h"

static const struct config_key keys[] = {
    {"name", CONFIG_STRING, "anon", 0, 0, "a name"},
    {"count", CONFIG_INT, "10", 1, 100, "a count"},
    {"verbose", CONFIG_BOOL, "false", 0, 0, "be verbose"},
    {"path", CONFIG_STRING, NULL, 0, 0, "a path with no default"},
    {NULL, CONFIG_STRING, NULL, 0, 0, NULL},
};
static const struct config_key *const schema[] = {keys, NULL};

static const struct cli_option options[] = {
    {"name", "name", NULL, "NAME", "set the name"},   {"count", "count", NULL, "N", "how many"},
    {"verbose", "verbose", "true", NULL, "say more"}, {"quiet", "verbose", "false", NULL, "say less"},
    {"path", "path", NULL, "FILE", "where"},          {NULL, NULL, NULL, NULL, NULL},
};

/* ---- temporary files ---------------------------------------------------- */

static char tmpdir[64];
static char paths[32][256];
static int npaths;

static const char *write_tmp(const char *name, const char *content) {
    assert_true(npaths < 32);
    char *path = paths[npaths++];
    snprintf(path, sizeof paths[0], "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *file5;   /* count=5, name=from-file */
static const char *file7;   /* count=7 */
static const char *badfile; /* an unknown key on line 2 */
static const char *badval;  /* a bad count on line 1 */

static int group_setup(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_cli.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    file5 = write_tmp("five.properties", "# five\ncount=5\nname=from-file\n");
    file7 = write_tmp("seven.properties", "count=7\n");
    badfile = write_tmp("bad.properties", "name=x\nnot.a.key=1\n");
    badval = write_tmp("badval.properties", "count=many\n");
    return 0;
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

/* Runs cli_parse on a NULL-terminated list of arguments after "prog". */
#define PARSE(cfg, err, ...) parse_args((cfg), (err), sizeof(err), (const char *[]){"prog", __VA_ARGS__, NULL})

static enum cli_result parse_args(struct config *cfg, char *err, size_t errlen, const char **args) {
    int argc = 0;
    while (args[argc])
        argc++;
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    assert_non_null(argv);
    for (int i = 0; i < argc; i++) {
        argv[i] = strdup(args[i]);
        assert_non_null(argv[i]);
    }
    err[0] = '\0';
    enum cli_result r = cli_parse(argc, argv, options, cfg, err, errlen);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return r;
}

/* ---- success ------------------------------------------------------------- */

static void test_no_arguments(void **state) {
    struct config *cfg = *state;
    char *argv[] = {"prog", NULL};
    char err[256] = "";
    assert_int_equal(cli_parse(1, argv, options, cfg, err, sizeof err), CLI_RUN);
    assert_string_equal(config_get(cfg, "name"), "anon");
    assert_string_equal(config_origin(cfg, "name"), "default");
    /* argc 0 (no program name either) is harmless. */
    assert_int_equal(cli_parse(0, argv, options, cfg, err, sizeof err), CLI_RUN);
}

static void test_long_option_forms(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "--name", "bob", "--count=42"), CLI_RUN);
    assert_string_equal(config_get(cfg, "name"), "bob");
    assert_string_equal(config_origin(cfg, "name"), "--name");
    assert_int_equal(config_get_int(cfg, "count"), 42);
    assert_string_equal(config_origin(cfg, "count"), "--count");
    /* '=' inside the value, an empty value, a value that looks like an option. */
    assert_int_equal(PARSE(cfg, err, "--name=a=b", "--path="), CLI_RUN);
    assert_string_equal(config_get(cfg, "name"), "a=b");
    assert_string_equal(config_get(cfg, "path"), "");
    assert_int_equal(PARSE(cfg, err, "--name", "--count"), CLI_RUN);
    assert_string_equal(config_get(cfg, "name"), "--count");
    assert_int_equal(PARSE(cfg, err, "--name", "-x", "--path", ""), CLI_RUN);
    assert_string_equal(config_get(cfg, "name"), "-x");
    assert_string_equal(config_get(cfg, "path"), "");
}

static void test_later_option_wins(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "--count", "3", "--count=4"), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 4);
    assert_int_equal(PARSE(cfg, err, "--count", "3", "-X", "count=4"), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 4);
    assert_string_equal(config_origin(cfg, "count"), "-X");
    assert_int_equal(PARSE(cfg, err, "-X", "count=4", "--count", "3"), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 3);
    assert_string_equal(config_origin(cfg, "count"), "--count");
}

static void test_file_then_option_any_order(void **state) {
    struct config *cfg = *state;
    char err[512];
    assert_int_equal(PARSE(cfg, err, "-F", file5, "--count", "8"), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 8);
    assert_string_equal(config_origin(cfg, "count"), "--count");
    assert_string_equal(config_get(cfg, "name"), "from-file");

    struct config *cfg2 = config_new(schema);
    assert_non_null(cfg2);
    assert_int_equal(PARSE(cfg2, err, "--count", "8", "-F", file5), CLI_RUN);
    assert_int_equal(config_get_int(cfg2, "count"), 8);
    assert_string_equal(config_origin(cfg2, "count"), "--count");
    char origin[300];
    snprintf(origin, sizeof origin, "%s:3", file5);
    assert_string_equal(config_origin(cfg2, "name"), origin);
    config_free(cfg2);
}

static void test_x_overrides_file_any_order(void **state) {
    struct config *cfg = *state;
    char err[512];
    assert_int_equal(PARSE(cfg, err, "-X", "count=9", "-F", file5), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 9);
    assert_string_equal(config_origin(cfg, "count"), "-X");
    assert_int_equal(PARSE(cfg, err, "-F", file5, "-X", "count=2"), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 2);
    assert_string_equal(config_origin(cfg, "count"), "-X");
}

static void test_files_in_order(void **state) {
    struct config *cfg = *state;
    char err[512];
    assert_int_equal(PARSE(cfg, err, "-F", file5, "-F", file7), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 7);
    assert_int_equal(PARSE(cfg, err, "-F", file7, "-F", file5), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 5);
}

static void test_joined_forms(void **state) {
    struct config *cfg = *state;
    char err[512];
    char joined[300];
    snprintf(joined, sizeof joined, "-F%s", file5);
    assert_int_equal(PARSE(cfg, err, "-Xname=joined", joined), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 5);
    assert_string_equal(config_get(cfg, "name"), "joined");
    assert_string_equal(config_origin(cfg, "name"), "-X");
    assert_int_equal(PARSE(cfg, err, "-Xcount = 6 "), CLI_RUN);
    assert_int_equal(config_get_int(cfg, "count"), 6);
}

static void test_x_argument_is_not_a_file(void **state) {
    struct config *cfg = *state;
    char err[512];
    /* "-X -Fx" sets nothing from a file called "x": it is -X's argument. */
    assert_int_equal(PARSE(cfg, err, "-X", "-Fx"), CLI_ERROR);
    assert_contains(err, "-X: expected key=value, got '-Fx'");
}

static void test_flags(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "--verbose"), CLI_RUN);
    assert_int_equal(config_get_bool(cfg, "verbose"), 1);
    assert_string_equal(config_get(cfg, "verbose"), "true");
    assert_string_equal(config_origin(cfg, "verbose"), "--verbose");
    assert_int_equal(PARSE(cfg, err, "--verbose", "--quiet"), CLI_RUN);
    assert_int_equal(config_get_bool(cfg, "verbose"), 0);
    assert_string_equal(config_origin(cfg, "verbose"), "--quiet");
    /* A flag does not eat the next argument. */
    assert_int_equal(PARSE(cfg, err, "--verbose", "--count", "12"), CLI_RUN);
    assert_int_equal(config_get_bool(cfg, "verbose"), 1);
    assert_int_equal(config_get_int(cfg, "count"), 12);
}

static void test_flag_with_value_rejected(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "--verbose=x"), CLI_ERROR);
    assert_contains(err, "--verbose takes no value");
    assert_int_equal(PARSE(cfg, err, "--quiet="), CLI_ERROR);
    assert_contains(err, "--quiet takes no value");
    assert_int_equal(PARSE(cfg, err, "--verbose=true"), CLI_ERROR);
    assert_string_equal(config_origin(cfg, "verbose"), "default");
}

static void test_help(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "-h"), CLI_HELP);
    assert_int_equal(PARSE(cfg, err, "--help"), CLI_HELP);
    assert_int_equal(PARSE(cfg, err, "--count", "3", "--help"), CLI_HELP);
    assert_int_equal(PARSE(cfg, err, "--help", "--no-such-option"), CLI_HELP);
    assert_int_equal(PARSE(cfg, err, "-F", file5, "-h"), CLI_HELP);
    /* "--help=x" and "-help" are not help. */
    assert_int_equal(PARSE(cfg, err, "--help=x"), CLI_ERROR);
    assert_int_equal(PARSE(cfg, err, "-help"), CLI_ERROR);
    /* "--help" as another option's value is a value. */
    assert_int_equal(PARSE(cfg, err, "--name", "--help"), CLI_RUN);
    assert_string_equal(config_get(cfg, "name"), "--help");
}

/* ---- errors --------------------------------------------------------------- */

static void test_unknown_option(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "--bogus"), CLI_ERROR);
    assert_contains(err, "unknown option '--bogus'");
    assert_int_equal(PARSE(cfg, err, "--bogus=1"), CLI_ERROR);
    assert_contains(err, "unknown option '--bogus=1'");
    /* No prefix matching, no case folding, no empty name. */
    assert_int_equal(PARSE(cfg, err, "--nam", "x"), CLI_ERROR);
    assert_contains(err, "'--nam'");
    assert_int_equal(PARSE(cfg, err, "--names", "x"), CLI_ERROR);
    assert_int_equal(PARSE(cfg, err, "--NAME", "x"), CLI_ERROR);
    assert_int_equal(PARSE(cfg, err, "--"), CLI_ERROR);
    assert_contains(err, "'--'");
    assert_int_equal(PARSE(cfg, err, "--=x"), CLI_ERROR);
    /* A long option's key is not itself an option (unless listed). */
    assert_int_equal(PARSE(cfg, err, "---name", "x"), CLI_ERROR);
}

static void test_missing_value(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "--count"), CLI_ERROR);
    assert_contains(err, "--count needs a value");
    assert_contains(err, "--count N");
    assert_int_equal(PARSE(cfg, err, "--name", "x", "--path"), CLI_ERROR);
    assert_contains(err, "--path FILE");
}

static void test_positional_rejected(void **state) {
    struct config *cfg = *state;
    char err[256];
    const char *bad[] = {"foo", "-", "-v", "-x", "-count", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(PARSE(cfg, err, "--count", "3", bad[i]), CLI_ERROR);
        char expect[64];
        snprintf(expect, sizeof expect, "unexpected argument '%s'", bad[i]);
        assert_contains(err, expect);
    }
}

static void test_f_without_file(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "-F"), CLI_ERROR);
    assert_contains(err, "-F needs a file name");
    assert_int_equal(PARSE(cfg, err, "--count", "3", "-F"), CLI_ERROR);
    assert_contains(err, "-F needs a file name");
}

static void test_x_without_assignment(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "-X"), CLI_ERROR);
    assert_contains(err, "-X needs key=value");
    assert_int_equal(PARSE(cfg, err, "-X", "novalue"), CLI_ERROR);
    assert_contains(err, "-X: expected key=value, got 'novalue'");
    assert_int_equal(PARSE(cfg, err, "-X=1"), CLI_ERROR);
    assert_contains(err, "expected key=value");
    assert_int_equal(PARSE(cfg, err, "-X", "bogus=1"), CLI_ERROR);
    assert_contains(err, "-X: unknown key 'bogus'");
}

static void test_bad_file_propagates(void **state) {
    struct config *cfg = *state;
    char err[512];
    char where[300];
    assert_int_equal(PARSE(cfg, err, "--count", "3", "-F", badfile), CLI_ERROR);
    snprintf(where, sizeof where, "%s:2", badfile);
    assert_contains(err, where);
    assert_contains(err, "not.a.key");
    assert_int_equal(PARSE(cfg, err, "-F", badval), CLI_ERROR);
    snprintf(where, sizeof where, "%s:1: count: 'many' is not a whole number", badval);
    assert_contains(err, where);
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.properties", tmpdir);
    assert_int_equal(PARSE(cfg, err, "-F", missing), CLI_ERROR);
    assert_contains(err, missing);
    char joined[310];
    snprintf(joined, sizeof joined, "-F%s", missing);
    assert_int_equal(PARSE(cfg, err, joined), CLI_ERROR);
    assert_contains(err, missing);
}

static void test_bad_option_value(void **state) {
    struct config *cfg = *state;
    char err[256];
    assert_int_equal(PARSE(cfg, err, "--count", "abc"), CLI_ERROR);
    assert_contains(err, "--count: count: 'abc' is not a whole number");
    assert_int_equal(PARSE(cfg, err, "--count=0"), CLI_ERROR);
    assert_contains(err, "--count: count: 0 is out of range");
    assert_int_equal(PARSE(cfg, err, "-X", "count=101"), CLI_ERROR);
    assert_contains(err, "-X: count: 101 is out of range");
    assert_string_equal(config_origin(cfg, "count"), "default");
}

static void test_small_error_buffer(void **state) {
    struct config *cfg = *state;
    char err[8];
    memset(err, 'Z', sizeof err);
    char *argv[] = {"prog", "--this-option-does-not-exist", NULL};
    assert_int_equal(cli_parse(2, argv, options, cfg, err, 4), CLI_ERROR);
    assert_int_equal(strlen(err), 3);
    assert_int_equal(err[4], 'Z');
}

/* ---- help ---------------------------------------------------------------- */

static void test_print_help(void **state) {
    struct config *cfg = *state;
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_non_null(out);
    cli_print_help(out, "usage: prog [options]", options, cfg);
    assert_int_equal(fclose(out), 0);
    assert_non_null(buf);

    assert_int_equal(strncmp(buf, "usage: prog [options]\n", 22), 0);
    assert_contains(buf, "-F FILE");
    assert_contains(buf, "-X key=value");
    assert_contains(buf, "-h, --help");
    assert_contains(buf, "--name NAME");
    assert_contains(buf, "set the name (name)");
    assert_contains(buf, "--count N");
    assert_contains(buf, "how many (count)");
    assert_contains(buf, "say more (verbose)");
    assert_contains(buf, "say less (verbose)");
    /* A flag shows no argument name: only padding before its help. */
    const char *flag = strstr(buf, "  --verbose ");
    assert_non_null(flag);
    flag += strlen("  --verbose ");
    while (*flag == ' ')
        flag++;
    assert_int_equal(strncmp(flag, "say more", 8), 0);
    assert_not_contains(buf, "(null)");
    assert_contains(buf, "Configuration keys:");
    assert_contains(buf, "a name (default anon)");
    assert_contains(buf, "a count (default 10)");
    assert_contains(buf, "be verbose (default false)");
    /* A key without a default says none. */
    const char *path_line = strstr(buf, "  path ");
    assert_non_null(path_line);
    const char *eol = strchr(path_line, '\n');
    assert_non_null(eol);
    assert_int_equal(strncmp(path_line, "  path", 6), 0);
    char line[256];
    snprintf(line, sizeof line, "%.*s", (int)(eol - path_line), path_line);
    assert_contains(line, "a path with no default");
    assert_not_contains(line, "(default");
    /* Options before keys, keys in schema order, every line ends in '\n'. */
    const char *keys_at = strstr(buf, "Configuration keys:");
    assert_true(strstr(buf, "--count N") < keys_at);
    const char *name_at = strstr(keys_at, "  name ");
    const char *count_at = strstr(keys_at, "  count ");
    const char *verbose_at = strstr(keys_at, "  verbose ");
    assert_non_null(name_at);
    assert_non_null(count_at);
    assert_non_null(verbose_at);
    assert_true(name_at < count_at && count_at < verbose_at && verbose_at < path_line);
    assert_int_equal(buf[size - 1], '\n');
    free(buf);
}

static void test_print_help_values_not_defaults(void **state) {
    struct config *cfg = *state;
    char err[256];
    /* --help lists the schema's defaults, not what the command line set. */
    assert_int_equal(PARSE(cfg, err, "--name", "secretish"), CLI_RUN);
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_non_null(out);
    cli_print_help(out, "usage", options, cfg);
    assert_int_equal(fclose(out), 0);
    assert_not_contains(buf, "secretish");
    assert_contains(buf, "(default anon)");
    free(buf);
}

static void test_print_help_no_options(void **state) {
    (void)state;
    static const struct cli_option none[] = {{NULL, NULL, NULL, NULL, NULL}};
    static const struct config_key *const empty[] = {NULL};
    struct config *cfg = config_new(empty);
    assert_non_null(cfg);
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_non_null(out);
    cli_print_help(out, "usage", none, cfg);
    assert_int_equal(fclose(out), 0);
    assert_contains(buf, "-F FILE");
    assert_contains(buf, "Configuration keys:\n");
    free(buf);
    char err[64];
    assert_int_equal(parse_args(cfg, err, sizeof err, (const char *[]){"prog", "--x", NULL}), CLI_ERROR);
    config_free(cfg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_option_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_later_option_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_then_option_any_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_x_overrides_file_any_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joined_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_x_argument_is_not_a_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flag_with_value_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_positional_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_f_without_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_x_without_assignment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_file_propagates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_option_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_error_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_print_help, setup, teardown),
        cmocka_unit_test_setup_teardown(test_print_help_values_not_defaults, setup, teardown),
        cmocka_unit_test(test_print_help_no_options),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
