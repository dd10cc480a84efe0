/* Unit tests for bridge/run/run_settings.c: the defaults, --stages (the
 * pipeline's order whatever the order given, spaces, a bad name, an empty
 * name, a name twice: one line naming it and the valid ones), the backoff's
 * bounds; and every stage accepting bridge run's keys in the one
 * bridge.properties. */
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

#include "cdc/cdc_settings.h"
#include "keys.h"
#include "replicate/replicate_settings.h"
#include "run/run_settings.h"
#include "sink/sink_settings.h"

static const struct config_key *const schema[] = {common_keys, run_keys, NULL};

static int load(struct config **cfg, struct run_settings *s, char *err, size_t errlen, char **argv) {
    int argc = 0;
    while (argv[argc])
        argc++;
    *cfg = config_new(schema);
    if (cli_parse(argc, argv, run_options, *cfg, err, errlen) != CLI_RUN)
        return -2;
    return run_settings_load(*cfg, s, err, errlen);
}

static void test_defaults(void **state) {
    (void)state;
    struct config *cfg;
    struct run_settings s;
    char err[256];
    char *argv[] = {"run", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), 0);
    assert_int_equal(s.chosen_count, 3);
    assert_true(s.chosen[0] && s.chosen[1] && s.chosen[2]);
    assert_string_equal(s.http_listen, "127.0.0.1:8086");
    assert_int_equal(s.stop_timeout_ms, 30000);
    assert_int_equal(s.rule.backoff_initial_ms, 500);
    assert_int_equal(s.rule.backoff_max_ms, 30000);
    assert_int_equal(s.rule.steady_ms, 60000);
    assert_int_equal(s.rule.loop_exits, 5);
    assert_int_equal(s.rule.loop_window_ms, 60000);
    config_free(cfg);
}

static void test_stages(void **state) {
    (void)state;
    int chosen[RUN_STAGE_COUNT];
    char err[256];
    assert_int_equal(run_settings_parse_stages("cdc,replicate", chosen, err, sizeof err), 2);
    assert_true(chosen[0] && chosen[1] && !chosen[2]);
    assert_int_equal(run_settings_parse_stages(" sink , cdc", chosen, err, sizeof err), 2);
    assert_true(chosen[0] && !chosen[1] && chosen[2]);
    assert_int_equal(run_settings_parse_stages("replicate", chosen, err, sizeof err), 1);
    assert_true(!chosen[0] && chosen[1] && !chosen[2]);

    assert_int_equal(run_settings_parse_stages("cdc,cdx", chosen, err, sizeof err), -1);
    assert_string_equal(err, "'cdx' is not a stage: the stages are cdc, replicate, sink (e.g. cdc,replicate)");
    assert_int_equal(run_settings_parse_stages("CDC", chosen, err, sizeof err), -1);
    assert_contains(err, "'CDC' is not a stage");
    assert_int_equal(run_settings_parse_stages("run", chosen, err, sizeof err), -1);
    assert_contains(err, "'run' is not a stage");
    assert_int_equal(run_settings_parse_stages("", chosen, err, sizeof err), -1);
    assert_contains(err, "empty stage name");
    assert_int_equal(run_settings_parse_stages("cdc,,sink", chosen, err, sizeof err), -1);
    assert_contains(err, "empty stage name");
    assert_int_equal(run_settings_parse_stages("sink,cdc,sink", chosen, err, sizeof err), -1);
    assert_string_equal(err, "'sink' is named twice in 'sink,cdc,sink'");
}

static void test_bad_settings_say_where(void **state) {
    (void)state;
    struct config *cfg;
    struct run_settings s;
    char err[512];
    char *bad_stage[] = {"run", "--stages", "cdc,lake", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, bad_stage), -1);
    assert_string_equal(err, "--stages: run.stages: 'lake' is not a stage: the stages are cdc, replicate, sink (e.g. "
                             "cdc,replicate)");
    config_free(cfg);
    char *backoff[] = {"run", "-X", "run.restart.backoff.initial.ms=5000", "-X", "run.restart.backoff.max.ms=1000",
                       NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, backoff), -1);
    assert_contains(err,
                    "run.restart.backoff.max.ms (-X) is 1000, less than run.restart.backoff.initial.ms (-X), 5000");
    config_free(cfg);
    char *loop[] = {"run", "-X", "run.crash.loop.exits=1", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, loop), -2);
    assert_contains(err, "run.crash.loop.exits");
    config_free(cfg);
}

/* bridge.properties holds run.* keys beside the stages' own: each stage reads it. */
static void test_every_stage_reads_run_keys(void **state) {
    (void)state;
    const struct config_key *const *schemas[] = {cdc_schema, replicate_schema, sink_schema};
    char path[] = "/tmp/test_run_settings_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("run.http.listen=127.0.0.1:18086\nrun.stop.timeout.ms=5000\ncdc.http.listen=127.0.0.1:18083\n", f);
    fclose(f);
    char err[512];
    for (size_t i = 0; i < 3; i++) {
        struct config *cfg = config_new(schemas[i]);
        assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
        config_free(cfg);
    }
    remove(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_stages),
        cmocka_unit_test(test_bad_settings_say_where),
        cmocka_unit_test(test_every_stage_reads_run_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
