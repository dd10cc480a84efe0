/* Unit tests for bridge/replicate/replicate_settings.c: keys and defaults,
 * topic selection (include, exclude, internal topics), renaming, and the
 * one line a bad setting gets. */
#include <string.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "assert_text.h"

#include "replicate/replicate_settings.h"

/* Parses argv (NULL-terminated) into s; returns replicate_settings_load's result. */
static int load(struct config **cfg, struct replicate_settings *s, char *err, size_t errlen, char **argv) {
    int argc = 0;
    while (argv[argc])
        argc++;
    *cfg = config_new(replicate_schema);
    if (cli_parse(argc, argv, replicate_options, *cfg, err, errlen) != CLI_RUN)
        return -2;
    return replicate_settings_load(*cfg, s, err, errlen);
}

static void test_defaults(void **state) {
    (void)state;
    struct config *cfg;
    struct replicate_settings s;
    char err[256];
    char *argv[] = {"replicate", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), 0);
    assert_string_equal(s.group_id, "dc01-replicate");
    assert_string_equal(s.include_text, "dc[0-9][0-9]_.*");
    assert_null(s.exclude_text);
    assert_int_equal(s.refresh_ms, 5000);
    assert_string_equal(s.rename_format, "${topic}");
    assert_int_equal(s.topic_replication_factor, -1);
    assert_int_equal(s.batch_max_ms, 50);
    assert_int_equal(s.batch_max_records, 50000);
    assert_int_equal(s.batch_max_bytes, 8 << 20);
    assert_string_equal(s.offsets_topic, "_bridgelab_replicate_offsets");
    assert_int_equal(s.slots, 1);
    assert_string_equal(s.slots_topic, "_bridgelab_replicate_slots.dc01-replicate");
    assert_true(replicate_topic_internal(s.slots_topic));
    assert_string_equal(s.http_listen, "127.0.0.1:8084");
    assert_string_equal(config_get(cfg, "onprem.bootstrap.servers"), "127.0.0.1:19092");
    assert_string_equal(config_get(cfg, "cloud.bootstrap.servers"), "127.0.0.1:29092");
    replicate_settings_release(&s);
    config_free(cfg);
}

static void test_options(void **state) {
    (void)state;
    struct config *cfg;
    struct replicate_settings s;
    char err[256];
    char *argv[] = {"replicate",
                    "--group",
                    "east",
                    "--include",
                    "dc07_.*|orders",
                    "--exclude",
                    ".*_events",
                    "--rename-format",
                    "${topic}.replica",
                    "-X",
                    "dc=dc07",
                    "--from",
                    "a:1",
                    "--to",
                    "b:2",
                    "-X",
                    "replicate.batch.max.ms=7",
                    NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), 0);
    assert_string_equal(s.group_id, "east");
    assert_int_equal(s.batch_max_ms, 7);
    assert_string_equal(config_get(cfg, "onprem.bootstrap.servers"), "a:1");
    assert_string_equal(config_get(cfg, "cloud.bootstrap.servers"), "b:2");
    assert_true(replicate_settings_selects(&s, "dc07_customers"));
    assert_true(replicate_settings_selects(&s, "orders"));
    assert_false(replicate_settings_selects(&s, "dc07_out_of_stock_events"));
    char out[64];
    assert_int_equal(replicate_settings_rename(&s, "dc07_customers", out, sizeof out), 0);
    assert_string_equal(out, "dc07_customers.replica");
    replicate_settings_release(&s);
    config_free(cfg);

    /* The group defaults to the dc of the configuration. */
    char *dc[] = {"replicate", "-X", "dc=dc42", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, dc), 0);
    assert_string_equal(s.group_id, "dc42-replicate");
    replicate_settings_release(&s);
    config_free(cfg);
}

static void test_selection(void **state) {
    (void)state;
    struct config *cfg;
    struct replicate_settings s;
    char err[256];
    char *argv[] = {"replicate", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), 0);
    assert_true(replicate_settings_selects(&s, "dc01_sales_orders"));
    assert_true(replicate_settings_selects(&s, "dc99_x"));
    /* Anchored at both ends: the whole name must match. */
    assert_false(replicate_settings_selects(&s, "xdc01_sales_orders"));
    assert_false(replicate_settings_selects(&s, "dc1_sales_orders"));
    assert_false(replicate_settings_selects(&s, "dc01"));
    assert_false(replicate_settings_selects(&s, "other"));
    replicate_settings_release(&s);
    config_free(cfg);

    /* Internal topics never, whatever the regex. */
    char *all[] = {"replicate", "--include", ".*", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, all), 0);
    assert_true(replicate_settings_selects(&s, "anything"));
    assert_false(replicate_settings_selects(&s, "__consumer_offsets"));
    assert_false(replicate_settings_selects(&s, "__transaction_state"));
    assert_false(replicate_settings_selects(&s, "_bridgelab_replicate_offsets"));
    assert_false(replicate_settings_selects(&s, "_bridgelab_cdc_positions"));
    assert_true(replicate_settings_selects(&s, "_almost_internal"));
    assert_true(replicate_topic_internal("__x"));
    assert_true(replicate_topic_internal("_bridgelabx"));
    assert_false(replicate_topic_internal("_bridge"));
    replicate_settings_release(&s);
    config_free(cfg);

    /* An alternation in the include regex is anchored as a whole. */
    char *alt[] = {"replicate", "--include", "a|b", "--exclude", "", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, alt), 0);
    assert_null(s.exclude_text); /* empty: none */
    assert_true(replicate_settings_selects(&s, "a"));
    assert_true(replicate_settings_selects(&s, "b"));
    assert_false(replicate_settings_selects(&s, "ab"));
    assert_false(replicate_settings_selects(&s, "xa"));
    replicate_settings_release(&s);
    config_free(cfg);
}

static void test_rename(void **state) {
    (void)state;
    struct config *cfg;
    struct replicate_settings s;
    char err[256], out[32];
    char *argv[] = {"replicate", "--rename-format", "onprem.${topic}.${topic}", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), 0);
    assert_int_equal(replicate_settings_rename(&s, "t", out, sizeof out), 0);
    assert_string_equal(out, "onprem.t.t");
    assert_int_equal(replicate_settings_rename(&s, "a_very_long_topic_name", out, sizeof out), -1);
    assert_int_equal(replicate_settings_rename(&s, "abcdefghi", out, 26), -1); /* 26 chars need 27 bytes */
    assert_int_equal(replicate_settings_rename(&s, "abcdefghi", out, 27), 0);
    replicate_settings_release(&s);
    config_free(cfg);
}

static void test_bad_settings(void **state) {
    (void)state;
    struct config *cfg;
    struct replicate_settings s;
    char err[512];
    char *regex[] = {"replicate", "-X", "replicate.topics.include=dc[0-9", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, regex), -1);
    assert_contains(err, "replicate.topics.include");
    assert_contains(err, "'dc[0-9'");
    assert_contains(err, "not a POSIX extended regular expression: ");
    assert_null(strchr(err, '\n'));
    config_free(cfg);

    char *exclude[] = {"replicate", "--exclude", "(a", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, exclude), -1);
    assert_contains(err, "--exclude: replicate.topics.exclude: '(a'");
    config_free(cfg);

    char *format[] = {"replicate", "--rename-format", "fixed", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, format), -1);
    assert_contains(err, "replicate.rename.format: 'fixed' has no ${topic}");
    config_free(cfg);

    char *rf[] = {"replicate", "-X", "replicate.topic.replication.factor=0", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, rf), -1);
    assert_contains(err, "0 is not a count");
    config_free(cfg);

    char *ms[] = {"replicate", "-X", "replicate.batch.max.ms=0", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, ms), -2);
    assert_contains(err, "replicate.batch.max.ms: 0 is out of range");
    config_free(cfg);

    /* Its own keys are checked; the other stages' keys in a shared file are not its business. */
    char *typo[] = {"replicate", "-X", "replicate.topics.inclde=x", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, typo), -2);
    assert_contains(err, "unknown key 'replicate.topics.inclde'");
    config_free(cfg);
    char *other[] = {"replicate", "-X", "cdc.http.listen=127.0.0.1:1", "-X", "sink.url=file:///x", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, other), 0);
    replicate_settings_release(&s);
    config_free(cfg);
}

/* The slot of a partition: a stable hash, the same in every process and
 * version (the values are FNV-1a-32's), a topic's partitions round the slots. */
static void test_slots(void **state) {
    (void)state;
    assert_int_equal(replicate_topic_hash(""), 2166136261u);
    assert_int_equal(replicate_topic_hash("a"), 0xe40c292cu);
    assert_int_equal(replicate_topic_hash("foobar"), 0xbf9cf968u);
    uint32_t h = replicate_topic_hash("dc01_sales_orders");
    for (int32_t p = 0; p < 12; p++)
        assert_int_equal(replicate_slot_of("dc01_sales_orders", p, 4), (int)((h + (uint32_t)p) % 4));
    /* 8 partitions over 4 slots: 2 each. */
    int per_slot[4] = {0};
    for (int32_t p = 0; p < 8; p++)
        per_slot[replicate_slot_of("dc01_customers", p, 4)]++;
    for (int k = 0; k < 4; k++)
        assert_int_equal(per_slot[k], 2);
    assert_int_equal(replicate_slot_of("anything", 7, 1), 0);
    for (int32_t p = 0; p < 100; p++) {
        int k = replicate_slot_of("dc02_products", p, 7);
        assert_true(k >= 0 && k < 7);
    }
}

static void test_slots_settings(void **state) {
    (void)state;
    struct config *cfg;
    struct replicate_settings s;
    char err[512];
    char *argv[] = {"replicate", "-X", "replicate.slots=16", "--group", "east", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), 0);
    assert_int_equal(s.slots, 16);
    assert_string_equal(s.slots_topic, "_bridgelab_replicate_slots.east");
    replicate_settings_release(&s);
    config_free(cfg);
    char *zero[] = {"replicate", "-X", "replicate.slots=0", NULL};
    assert_int_not_equal(load(&cfg, &s, err, sizeof err, zero), 0);
    assert_non_null(strstr(err, "replicate.slots"));
    config_free(cfg);
    char long_group[200];
    memset(long_group, 'g', sizeof long_group - 1);
    long_group[sizeof long_group - 1] = '\0';
    char *too_long[] = {"replicate", "--group", long_group, NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, too_long), -1);
    assert_non_null(strstr(err, "replicate.group.id"));
    assert_non_null(strstr(err, "longer than 150"));
    config_free(cfg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),       cmocka_unit_test(test_options),      cmocka_unit_test(test_selection),
        cmocka_unit_test(test_rename),         cmocka_unit_test(test_bad_settings), cmocka_unit_test(test_slots),
        cmocka_unit_test(test_slots_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
