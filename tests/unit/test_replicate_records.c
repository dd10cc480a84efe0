/* Unit tests for the pure parts of bridge/replicate: the provenance header
 * (format, parse, loop detection), the offsets topic's keys and values and
 * the store of positions, the batching rule and the latency window (shared by two threads). */
#include <pthread.h>
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

#include "latency.h"
#include "replicate/batch_rule.h"
#include "replicate/positions.h"
#include "replicate/provenance.h"

static void test_provenance_format_parse(void **state) {
    (void)state;
    char buf[256];
    int prefix = provenance_prefix(buf, sizeof buf, "MHVSV2RHMc7rpBkx9WP9aA", "dc01_sales_orders", 2);
    assert_string_equal(buf, "MHVSV2RHMc7rpBkx9WP9aA,dc01_sales_orders,2,");
    int n = provenance_complete(buf, sizeof buf, (size_t)prefix, 123456789012LL);
    assert_string_equal(buf, "MHVSV2RHMc7rpBkx9WP9aA,dc01_sales_orders,2,123456789012");
    assert_int_equal(n, (int)strlen(buf));
    struct provenance p;
    assert_int_equal(provenance_parse(buf, (size_t)n, &p), 0);
    assert_string_equal(p.cluster, "MHVSV2RHMc7rpBkx9WP9aA");
    assert_string_equal(p.topic, "dc01_sales_orders");
    assert_int_equal(p.partition, 2);
    assert_true(p.offset == 123456789012LL);
    /* The same prefix completed again: the offset before is replaced whole. */
    assert_int_equal(provenance_complete(buf, sizeof buf, (size_t)prefix, 0), prefix + 1);
    assert_string_equal(buf, "MHVSV2RHMc7rpBkx9WP9aA,dc01_sales_orders,2,0");
    assert_int_equal(provenance_complete(buf, sizeof buf, (size_t)prefix, INT64_MAX), prefix + 19);
    assert_string_equal(buf, "MHVSV2RHMc7rpBkx9WP9aA,dc01_sales_orders,2,9223372036854775807");
    assert_int_equal(provenance_complete(buf, (size_t)prefix + 2, (size_t)prefix, 10), -1);
    assert_int_equal(provenance_prefix(buf, 10, "cluster", "topic", 0), -1);
    /* Malformed values are refused, never half-read. */
    const char *bad[] = {"",        "a,b,c",    "a,b,1,2,3", ",t,1,2", "c,,1,2",
                         "c,t,x,2", "c,t,1,-2", "c,t,1,",    "c,t,,2", "c,t,99999999999,1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (provenance_parse(bad[i], strlen(bad[i]), &p) == 0)
            fail_msg("'%s' parsed", bad[i]);
    assert_int_equal(provenance_parse(NULL, 0, &p), -1);
    /* Not NUL-terminated: the length decides. */
    assert_int_equal(provenance_parse("id,t,1,42garbage", 9, &p), 0);
    assert_int_equal(p.offset, 42);
}

static void test_provenance_loop(void **state) {
    (void)state;
    rd_kafka_headers_t *h = rd_kafka_headers_new(4);
    assert_false(provenance_from(NULL, "cloud"));
    assert_false(provenance_from(h, "cloud"));
    rd_kafka_header_add(h, "other", -1, "cloud,t,0,1", -1);
    assert_false(provenance_from(h, "cloud")); /* another header's value does not count */
    rd_kafka_header_add(h, PROVENANCE_HEADER, -1, "onprem,t,0,1", -1);
    assert_false(provenance_from(h, "cloud"));
    assert_true(provenance_from(h, "onprem"));
    assert_false(provenance_from(h, "onpre")); /* a prefix is not the cluster */
    assert_false(provenance_from(h, "onprem2"));
    /* A record copied along a chain: any hop naming the destination stops it. */
    rd_kafka_header_add(h, PROVENANCE_HEADER, -1, "cloud,t,3,9", -1);
    assert_true(provenance_from(h, "cloud"));
    assert_true(provenance_from(h, "onprem"));
    rd_kafka_headers_destroy(h);
    h = rd_kafka_headers_new(1);
    rd_kafka_header_add(h, PROVENANCE_HEADER, -1, NULL, 0); /* a null value names no cluster */
    assert_false(provenance_from(h, "cloud"));
    rd_kafka_headers_destroy(h);
}

static void test_positions_records(void **state) {
    (void)state;
    char key[128], value[128], topic[64];
    int32_t partition = -1;
    int n = positions_key(key, sizeof key, "dc01-replicate", "dc01_sales_orders", 7);
    assert_string_equal(key, "dc01-replicate|dc01_sales_orders|7");
    assert_int_equal(positions_parse_key(key, (size_t)n, "dc01-replicate", topic, sizeof topic, &partition), 0);
    assert_string_equal(topic, "dc01_sales_orders");
    assert_int_equal(partition, 7);
    /* Another group's key, the heartbeat, and a group whose name extends ours are not ours. */
    assert_int_equal(positions_parse_key(key, (size_t)n, "dc02-replicate", topic, sizeof topic, &partition), 1);
    assert_int_equal(positions_parse_key("dc01-replicate", 14, "dc01-replicate", topic, sizeof topic, &partition), 1);
    assert_int_equal(positions_parse_key("g|x|t|1", 7, "g", topic, sizeof topic, &partition), 1);
    assert_int_equal(positions_parse_key("g|t|1", 5, "g|t", topic, sizeof topic, &partition), -1);
    const char *bad[] = {"g|", "g|t", "g|t|", "g||1", "g|t|x", "g|t|99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (positions_parse_key(bad[i], strlen(bad[i]), "g", topic, sizeof topic, &partition) != -1)
            fail_msg("key '%s' was not refused", bad[i]);
    assert_int_equal(positions_parse_key("g|a_long_topic|1", 16, "g", topic, 5, &partition), -1);
    assert_int_equal(positions_key(key, 8, "group", "topic", 1), -1);

    n = positions_value(value, sizeof value, 1200, 1100);
    assert_string_equal(value, "{\"source_next\":1200,\"dest_next\":1100}");
    int64_t src = 0, dst = 0;
    assert_int_equal(positions_parse_value(value, (size_t)n, &src, &dst), 0);
    assert_true(src == 1200 && dst == 1100);
    const char *none_yet = "{\"source_next\":5,\"dest_next\":-1}";
    assert_int_equal(positions_parse_value(none_yet, strlen(none_yet), &src, &dst), 0);
    assert_true(src == 5 && dst == -1);
    const char *bad_values[] = {"",
                                "{}",
                                "{\"source_next\":5}",
                                "{\"source_next\":-1,\"dest_next\":3}",
                                "{\"source_next\":x,\"dest_next\":3}",
                                "source_next:1,dest_next:2"};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++)
        if (positions_parse_value(bad_values[i], strlen(bad_values[i]), &src, &dst) == 0)
            fail_msg("value '%s' parsed", bad_values[i]);
    assert_int_equal(positions_parse_value(NULL, 0, &src, &dst), -1);
}

static void test_positions_store(void **state) {
    (void)state;
    struct positions_store *s = positions_store_new();
    int64_t src, dst;
    assert_int_equal(positions_store_get(s, "t", 0, &src, &dst), 0);
    assert_false(positions_store_has_topic(s, "t"));
    for (int p = 0; p < 200; p++)
        assert_int_equal(positions_store_put(s, p % 2 ? "odd" : "even", p, 1000 + p, p), 0);
    assert_int_equal(positions_store_count(s), 200);
    assert_int_equal(positions_store_get(s, "odd", 7, &src, &dst), 1);
    assert_true(src == 1007 && dst == 7);
    assert_int_equal(positions_store_get(s, "even", 7, &src, &dst), 0);
    assert_int_equal(positions_store_put(s, "odd", 7, 2000, 50), 0); /* the later record wins */
    assert_int_equal(positions_store_get(s, "odd", 7, &src, &dst), 1);
    assert_true(src == 2000 && dst == 50);
    assert_int_equal(positions_store_count(s), 200);
    assert_int_equal(positions_store_put(s, "odd", 7, -1, -1), 0); /* a tombstone */
    assert_int_equal(positions_store_get(s, "odd", 7, &src, &dst), 0);
    assert_int_equal(positions_store_count(s), 199);
    assert_true(positions_store_has_topic(s, "odd"));
    assert_int_equal(positions_store_get(s, "odd", 199, &src, &dst), 1); /* the one moved into the hole */
    assert_true(src == 1199);
    positions_store_free(s);
}

static void test_batch_rule(void **state) {
    (void)state;
    struct batch_rule r = {.max_records = 100, .max_bytes = 1000, .max_ms = 50};
    assert_int_equal(batch_rule_check(&r, 0, 0, -1, 1000), BATCH_KEEP_OPEN); /* none open */
    assert_int_equal(batch_rule_check(&r, 1, 10, 1000, 1000), BATCH_KEEP_OPEN);
    assert_int_equal(batch_rule_check(&r, 1, 10, 1000, 1049), BATCH_KEEP_OPEN);
    assert_int_equal(batch_rule_check(&r, 1, 10, 1000, 1050), BATCH_TIME_UP); /* one quiet record: 50 ms */
    assert_int_equal(batch_rule_check(&r, 0, 0, 1000, 1050), BATCH_TIME_UP);  /* only positions moved */
    assert_int_equal(batch_rule_check(&r, 100, 10, 1000, 1001), BATCH_FULL_RECORDS);
    assert_int_equal(batch_rule_check(&r, 99, 1000, 1000, 1001), BATCH_FULL_BYTES);
    assert_int_equal(batch_rule_check(&r, 100, 1000, 1000, 2000), BATCH_FULL_RECORDS); /* the first reason */
    /* How long to wait for the next record. */
    assert_int_equal(batch_rule_wait_ms(&r, -1, 1000, 100), 100);
    assert_int_equal(batch_rule_wait_ms(&r, 1000, 1000, 100), 50);
    assert_int_equal(batch_rule_wait_ms(&r, 1000, 1030, 100), 20);
    assert_int_equal(batch_rule_wait_ms(&r, 1000, 1030, 5), 5);
    assert_int_equal(batch_rule_wait_ms(&r, 1000, 1200, 100), 0);
    assert_int_equal(batch_rule_wait_ms(&r, -1, 1000, -3), 0);
}

static void test_latency(void **state) {
    (void)state;
    struct latency *l = latency_new(1000);
    const double q[] = {0.5, 0.99, 1.0, 0.0};
    double out[4] = {-1, -1, -1, -1};
    assert_int_equal(latency_quantiles(l, 0, 60000, q, 4, out), 0);
    assert_true(out[0] == -1);
    for (int i = 1; i <= 100; i++)
        latency_add(l, 10000 + i, i); /* 1..100 ms */
    assert_int_equal(latency_quantiles(l, 10100, 60000, q, 4, out), 100);
    assert_true(out[0] == 50);
    assert_true(out[1] == 99);
    assert_true(out[2] == 100);
    assert_true(out[3] == 1);
    /* The window: only samples taken in the last 50 ms count (51..100). */
    assert_int_equal(latency_quantiles(l, 10100, 50, q, 1, out), 50);
    assert_true(out[0] == 75);
    latency_add(l, 10101, -5); /* a clock skew counts as 0 */
    assert_int_equal(latency_quantiles(l, 10101, 1, &q[3], 1, out), 1);
    assert_true(out[0] == 0);
    latency_free(l);
    /* A full ring keeps the latest samples only. */
    l = latency_new(10);
    for (int i = 0; i < 25; i++)
        latency_add(l, i, 1000 + i);
    assert_int_equal(latency_quantiles(l, 25, 1000, &q[3], 1, out), 10);
    assert_true(out[0] == 1015);
    latency_free(l);
}

/* One thread adds while another reads, as the engine and /metrics do: every
 * read sees whole samples (each is its own latency, 1..1000 ms), and the ring
 * ends full. */
static void *add_many(void *arg) {
    struct latency *l = arg;
    for (int i = 0; i < 200000; i++)
        latency_add(l, 1000000 + i / 100, 1 + i % 1000);
    return NULL;
}

static void test_latency_shared(void **state) {
    (void)state;
    struct latency *l = latency_new(4096);
    pthread_t adder;
    assert_int_equal(pthread_create(&adder, NULL, add_many, l), 0);
    const double q[] = {0.0, 1.0};
    for (int i = 0; i < 200; i++) {
        double out[2] = {1, 1000};
        latency_quantiles(l, 1000000 + 2000, 1000000, q, 2, out);
        assert_true(out[0] >= 1 && out[1] <= 1000 && out[0] <= out[1]);
    }
    assert_int_equal(pthread_join(adder, NULL), 0);
    double out[2];
    assert_int_equal(latency_quantiles(l, 1000000 + 2000, 1000000, q, 2, out), 4096);
    latency_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provenance_format_parse),
        cmocka_unit_test(test_provenance_loop),
        cmocka_unit_test(test_positions_records),
        cmocka_unit_test(test_positions_store),
        cmocka_unit_test(test_batch_rule),
        cmocka_unit_test(test_latency),
        cmocka_unit_test(test_latency_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
