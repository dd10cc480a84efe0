/* Unit tests of sim/settings.c: defaults, each option's key, and the values
 * refused (by the configuration's types and ranges or by the settings). */
/* cmocka needs these headers in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "settings.h"

struct loaded {
    struct config *cfg; /* the settings' strings point into it */
    struct sim_settings s;
    enum cli_result cli;
    int rc; /* sim_settings_load's, when the command line was accepted */
    char err[512];
};

/* Parses argv (NULL-terminated, without the program name) and loads the
 * settings. Returns 0 when both accepted it. */
static int load(struct loaded *l, char *args[]) {
    char *argv[32];
    int argc = 0;
    argv[argc++] = "sim";
    for (int i = 0; args[i]; i++) {
        assert_true(argc < 31);
        argv[argc++] = args[i];
    }
    argv[argc] = NULL;
    memset(l, 0, sizeof *l);
    l->cfg = config_new(sim_schema);
    assert_non_null(l->cfg);
    l->cli = cli_parse(argc, argv, sim_options, l->cfg, l->err, sizeof l->err);
    if (l->cli != CLI_RUN)
        return -1;
    l->rc = sim_settings_load(l->cfg, &l->s, l->err, sizeof l->err);
    return l->rc;
}

static void unload(struct loaded *l) { config_free(l->cfg); }

/* Loads and expects success. */
#define LOAD_OK(l, ...)                                                                                                \
    do {                                                                                                               \
        char *args_[] = {__VA_ARGS__, NULL};                                                                           \
        if (load(l, args_) != 0)                                                                                       \
            fail_msg("rejected: %s", (l)->err);                                                                        \
    } while (0)

/* Loads and expects a refusal whose message names `what`. */
static void expect_rejected(char *args[], const char *what) {
    struct loaded l;
    int rc = load(&l, args);
    if (rc == 0)
        fail_msg("accepted, expected a refusal naming '%s'", what);
    assert_true(l.err[0] != '\0');
    if (!strstr(l.err, what))
        fail_msg("error '%s' does not name '%s'", l.err, what);
    unload(&l);
}

#define REJECTED(what, ...)                                                                                            \
    do {                                                                                                               \
        char *args_[] = {__VA_ARGS__, NULL};                                                                           \
        expect_rejected(args_, what);                                                                                  \
    } while (0)

static void test_defaults(void **state) {
    (void)state;
    struct loaded l;
    char *none[] = {NULL};
    assert_int_equal(load(&l, none), 0);
    const struct sim_settings *s = &l.s;
    assert_true(s->rate == 1.0);
    assert_int_equal(s->threads, 1);
    assert_string_equal(s->dc, "dc01");
    assert_int_equal(s->port, 3307);
    assert_string_equal(s->host, "127.0.0.1");
    assert_string_equal(s->user, "sim");
    assert_string_equal(s->database, "orders");
    assert_null(s->password_file);
    assert_null(s->defaults_file);
    assert_false(s->quiet);
    assert_int_equal(s->log_level, LOG_LEVEL_INFO);
    assert_true(s->summary_interval_s == 5.0);
    assert_false(s->seed_given);
    assert_int_equal(s->model.seed, 0);
    assert_int_equal(s->model.mode, 15);
    assert_int_equal(s->model.orders, 0);
    assert_int_equal(s->model.reorder_point, 0);
    assert_int_equal(s->model.min_purchase, 50);
    assert_true(s->model.new_customer_ratio == 0.02);
    assert_true(s->model.customer_update_ratio == 0.05);
    assert_true(s->model.cancel_ratio == 0.0);
    assert_string_equal(config_origin(l.cfg, "sim.rate"), "default");
    unload(&l);
}

static void test_rate(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "--rate", "2.5");
    assert_true(l.s.rate == 2.5);
    assert_string_equal(config_origin(l.cfg, "sim.rate"), "--rate");
    unload(&l);
    LOAD_OK(&l, "--rate=0");
    assert_true(l.s.rate == 0.0);
    unload(&l);
}

static void test_orders(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "--orders", "500");
    assert_int_equal(l.s.model.orders, 500);
    unload(&l);
}

static void test_seed(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "--seed", "7");
    assert_true(l.s.seed_given);
    assert_int_equal(l.s.model.seed, 7);
    unload(&l);
    /* a seed of 0 is still a given seed */
    LOAD_OK(&l, "--seed", "0");
    assert_true(l.s.seed_given);
    assert_int_equal(l.s.model.seed, 0);
    unload(&l);
    LOAD_OK(&l, "--seed", "9000000000000000000");
    assert_int_equal(l.s.model.seed, 9000000000000000000ULL);
    unload(&l);
}

static void test_threads(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "--threads", "4");
    assert_int_equal(l.s.threads, 4);
    unload(&l);
    LOAD_OK(&l, "--threads", "64");
    assert_int_equal(l.s.threads, 64);
    unload(&l);
}

static void test_dc(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "--dc", "dc07");
    assert_string_equal(l.s.dc, "dc07");
    unload(&l);
    /* 32 letters, digits and _ are fine */
    LOAD_OK(&l, "--dc", "abcdefghijklmnopqrstuvwxyz_01234");
    assert_int_equal(strlen(l.s.dc), 32);
    unload(&l);
}

static void test_quiet(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "--quiet");
    assert_true(l.s.quiet);
    unload(&l);
}

static void test_connection_options(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "--host", "db.example", "--port", "3310", "--user", "alice", "--password-file", "/run/pw",
            "--defaults-file", "/etc/my.cnf", "--database", "shop");
    assert_string_equal(l.s.host, "db.example");
    assert_int_equal(l.s.port, 3310);
    assert_string_equal(l.s.user, "alice");
    assert_string_equal(l.s.password_file, "/run/pw");
    assert_string_equal(l.s.defaults_file, "/etc/my.cnf");
    assert_string_equal(l.s.database, "shop");
    assert_string_equal(config_origin(l.cfg, "mysql.password.file"), "--password-file");
    unload(&l);
}

static void test_cancel_ratio(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "--cancel-ratio", "0.1");
    assert_true(l.s.model.cancel_ratio == 0.1);
    unload(&l);
}

static void test_log_level(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "--log-level", "debug");
    assert_int_equal(l.s.log_level, LOG_LEVEL_DEBUG);
    unload(&l);
    LOAD_OK(&l, "--log-level", "error");
    assert_int_equal(l.s.log_level, LOG_LEVEL_ERROR);
    unload(&l);
}

/* -X sets any key; the model's keys map onto the model settings. */
static void test_model_keys_by_assignment(void **state) {
    (void)state;
    struct loaded l;
    LOAD_OK(&l, "-X", "sim.mode=20", "-X", "sim.reorder.point=-5", "-X", "sim.min.purchase=7", "-X",
            "sim.new.customer.ratio=0.5", "-X", "sim.customer.update.ratio=1", "-X", "sim.summary.interval.s=0.5");
    assert_int_equal(l.s.model.mode, 20);
    assert_int_equal(l.s.model.reorder_point, -5);
    assert_int_equal(l.s.model.min_purchase, 7);
    assert_true(l.s.model.new_customer_ratio == 0.5);
    assert_true(l.s.model.customer_update_ratio == 1.0);
    assert_true(l.s.summary_interval_s == 0.5);
    assert_string_equal(config_origin(l.cfg, "sim.mode"), "-X");
    unload(&l);
}

/* The command line wins over a properties file, wherever -F stands. */
static void test_file_then_options(void **state) {
    (void)state;
    char path[] = "/tmp/bridgelab-test-settings-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("# a lab file\nsim.rate = 3\ndc=dc05\nsim.threads=2\n", f);
    fclose(f);
    struct loaded l;
    LOAD_OK(&l, "--threads", "8", "-F", path);
    assert_true(l.s.rate == 3.0);
    assert_string_equal(l.s.dc, "dc05");
    assert_int_equal(l.s.threads, 8);
    char origin[128];
    snprintf(origin, sizeof origin, "%s:2", path);
    assert_string_equal(config_origin(l.cfg, "sim.rate"), origin);
    unload(&l);
    remove(path);
}

static void test_rejects_bad_rate(void **state) {
    (void)state;
    REJECTED("sim.rate", "--rate", "-1");
    REJECTED("sim.rate", "--rate", "fast");
    REJECTED("rate", "--rate");
}

static void test_rejects_bad_threads(void **state) {
    (void)state;
    REJECTED("sim.threads", "--threads", "0");
    REJECTED("sim.threads", "--threads", "65");
    REJECTED("sim.threads", "--threads", "2.5");
}

static void test_rejects_bad_dc(void **state) {
    (void)state;
    REJECTED("dc", "--dc", "dc-01");
    REJECTED("dc", "--dc", "abcdefghijklmnopqrstuvwxyz_012345"); /* 33 */
    REJECTED("dc", "--dc", "");
    REJECTED("dc", "--dc", "dc01; DROP TABLE customers");
    REJECTED("dc", "--dc", "dc'01");
    /* and the message says where the value came from */
    REJECTED("--dc", "--dc", "dc-01");
}

static void test_rejects_bad_log_level(void **state) {
    (void)state;
    REJECTED("log.level", "--log-level", "loud");
}

static void test_rejects_bad_ratios(void **state) {
    (void)state;
    REJECTED("sim.cancel.ratio", "-X", "sim.cancel.ratio=1.5");
    REJECTED("sim.cancel.ratio", "--cancel-ratio", "-0.1");
    REJECTED("sim.new.customer.ratio", "-X", "sim.new.customer.ratio=2");
    REJECTED("sim.min.purchase", "-X", "sim.min.purchase=0");
    REJECTED("sim.mode", "-X", "sim.mode=0");
    REJECTED("mysql.port", "--port", "70000");
    REJECTED("sim.orders", "--orders", "-5");
}

/* Passwords are never on argv: there is no option or key to put one there. */
static void test_no_password_option(void **state) {
    (void)state;
    REJECTED("--password", "--password", "secret");
    REJECTED("--password", "--password=secret");
    REJECTED("mysql.password", "-X", "mysql.password=secret");
    for (const struct cli_option *o = sim_options; o->name; o++)
        assert_string_not_equal(o->name, "password");
}

static void test_rejects_unknown(void **state) {
    (void)state;
    REJECTED("--speed", "--speed", "3");
    REJECTED("stray", "stray");
    REJECTED("sim.nope", "-X", "sim.nope=1");
    REJECTED("quiet", "--quiet=yes");
}

static void test_help(void **state) {
    (void)state;
    struct loaded l;
    char *args[] = {"--rate", "2", "--help", NULL};
    assert_int_not_equal(load(&l, args), 0);
    assert_int_equal(l.cli, CLI_HELP);
    unload(&l);
}

/* Every option names a key of the schema (else config_set would refuse it). */
static void test_every_option_has_a_key(void **state) {
    (void)state;
    for (const struct cli_option *o = sim_options; o->name; o++) {
        struct config *cfg = config_new(sim_schema);
        assert_non_null(cfg);
        assert_non_null(o->key);
        /* config_get aborts on a key outside the schema */
        (void)config_get(cfg, o->key);
        config_free(cfg);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_dc),
        cmocka_unit_test(test_quiet),
        cmocka_unit_test(test_connection_options),
        cmocka_unit_test(test_cancel_ratio),
        cmocka_unit_test(test_log_level),
        cmocka_unit_test(test_model_keys_by_assignment),
        cmocka_unit_test(test_file_then_options),
        cmocka_unit_test(test_rejects_bad_rate),
        cmocka_unit_test(test_rejects_bad_threads),
        cmocka_unit_test(test_rejects_bad_dc),
        cmocka_unit_test(test_rejects_bad_log_level),
        cmocka_unit_test(test_rejects_bad_ratios),
        cmocka_unit_test(test_no_password_option),
        cmocka_unit_test(test_rejects_unknown),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_every_option_has_a_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
