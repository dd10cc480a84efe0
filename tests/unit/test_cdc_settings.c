/* Unit tests for bridge/cdc/cdc_settings.c: keys, options, lists and topics. */
#include <string.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "cdc/cdc_settings.h"

/* Parses argv (NULL-terminated) into s; returns cdc_settings_load's result. */
static int load(struct config **cfg, struct cdc_settings *s, char *err, size_t errlen, char **argv) {
    int argc = 0;
    while (argv[argc])
        argc++;
    *cfg = config_new(cdc_schema);
    if (cli_parse(argc, argv, cdc_options, *cfg, err, errlen) != CLI_RUN)
        return -2;
    return cdc_settings_load(*cfg, s, err, errlen);
}

static void test_defaults(void **state) {
    (void)state;
    struct config *cfg;
    struct cdc_settings s;
    char err[256];
    char *argv[] = {"cdc", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), 0);
    assert_string_equal(s.name, "dc01-cdc");
    assert_true(s.server_id >= 1000);
    assert_int_equal(s.snapshot_mode, SNAPSHOT_INITIAL);
    assert_false(s.unwrap);
    assert_int_equal(s.batch_max_events, 50000);
    assert_int_equal(s.batch_max_bytes, 12 << 20);
    assert_int_equal(s.commit_interval_ms, 0); /* commit again as soon as one is done */
    assert_int_equal(s.topic_partitions, -1);  /* the cluster's defaults */
    assert_int_equal(s.topic_replication_factor, -1);
    assert_null(s.include);
    assert_int_equal(s.exclude_count, 1); /* the workshop's out-of-stock table */
    assert_string_equal(s.exclude[0], "dc01_out_of_stock_events");
    assert_false(cdc_settings_wants(&s, "dc01_out_of_stock_events"));
    assert_true(cdc_settings_wants(&s, "customers"));
    char topic[64];
    cdc_settings_topic(&s, "orders", "sales_orders", topic, sizeof topic);
    assert_string_equal(topic, "dc01_sales_orders");
    assert_string_equal(config_get(cfg, "onprem.bootstrap.servers"), "127.0.0.1:19092");
    cdc_settings_release(&s);
    config_free(cfg);
}

static void test_options_and_lists(void **state) {
    (void)state;
    struct config *cfg;
    struct cdc_settings s;
    char err[256];
    char *argv[] = {"cdc",
                    "--name",
                    "east",
                    "--include",
                    " customers , products,, ",
                    "--exclude",
                    "products",
                    "--unwrap",
                    "--topic-format",
                    "${dc}.${db}.${table}",
                    "-X",
                    "dc=dc07",
                    "--server-id",
                    "77",
                    "--snapshot-mode",
                    "when_needed",
                    "-X",
                    "cdc.commit.interval.ms=250",
                    NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), 0);
    assert_int_equal(s.commit_interval_ms, 250);
    assert_string_equal(s.name, "east");
    assert_int_equal(s.server_id, 77);
    assert_int_equal(s.include_count, 2);
    assert_string_equal(s.include[0], "customers");
    assert_string_equal(s.include[1], "products");
    assert_true(cdc_settings_wants(&s, "customers"));
    assert_false(cdc_settings_wants(&s, "products")); /* excluded wins */
    assert_false(cdc_settings_wants(&s, "sales_orders"));
    assert_true(s.unwrap);
    assert_int_equal(s.snapshot_mode, SNAPSHOT_WHEN_NEEDED);
    char topic[64];
    cdc_settings_topic(&s, "orders", "customers", topic, sizeof topic);
    assert_string_equal(topic, "dc07.orders.customers");
    char small[8];
    cdc_settings_topic(&s, "orders", "customers", small, sizeof small);
    assert_string_equal(small, "dc07.or");
    cdc_settings_release(&s);
    config_free(cfg);
}

static void test_names_derive_distinct_server_ids(void **state) {
    (void)state;
    struct config *cfg1, *cfg2;
    struct cdc_settings a, b;
    char err[256];
    char *argv1[] = {"cdc", "--name", "one", NULL};
    char *argv2[] = {"cdc", "--name", "two", NULL};
    assert_int_equal(load(&cfg1, &a, err, sizeof err, argv1), 0);
    assert_int_equal(load(&cfg2, &b, err, sizeof err, argv2), 0);
    assert_int_not_equal(a.server_id, b.server_id);
    cdc_settings_release(&a);
    cdc_settings_release(&b);
    config_free(cfg1);
    config_free(cfg2);
}

static void test_rejects(void **state) {
    (void)state;
    struct {
        char *key_value;
        const char *says;
    } cases[] = {
        {"cdc.snapshot.mode=sometimes", "cdc.snapshot.mode: 'sometimes' is not a mode"},
        {"cdc.topic.format=${dc}_all", "has no ${table}"},
        {"log.level=loud", "'loud' is not a level"},
        {"cdc.topic.partitions=0", "cdc.topic.partitions: 0 is not a count"},
        {"cdc.topic.replication.factor=0", "cdc.topic.replication.factor: 0 is not a count"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config *cfg;
        struct cdc_settings s;
        char err[256] = "";
        char *argv[] = {"cdc", "-X", cases[i].key_value, NULL};
        assert_int_equal(load(&cfg, &s, err, sizeof err, argv), -1);
        assert_non_null(strstr(err, cases[i].says));
        assert_non_null(strstr(err, "-X"));
        config_free(cfg);
    }
    struct config *cfg;
    struct cdc_settings s;
    char err[256] = "";
    char *argv[] = {"cdc", "--password", "secret", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), -2);
    assert_non_null(strstr(err, "unknown option"));
    config_free(cfg);
}

static void test_kafka_properties_pass_through(void **state) {
    (void)state;
    struct config *cfg;
    struct cdc_settings s;
    char err[256];
    char *argv[] = {"cdc", "-X", "onprem.kafka.linger.ms=7", NULL};
    assert_int_equal(load(&cfg, &s, err, sizeof err, argv), 0);
    cdc_settings_release(&s);
    config_free(cfg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_options_and_lists),
        cmocka_unit_test(test_names_derive_distinct_server_ids),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_kafka_properties_pass_through),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
