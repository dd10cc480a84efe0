/* Unit tests for common/fetch_wake.c: the share of the bounds after which a
 * wake is sent, and that one is sent (a request reaches the broker) exactly
 * when a share of records or of bytes has been taken, on librdkafka's
 * in-process mock cluster. Whether a wake restarts a stalled fetcher is the
 * replicate benchmark's to show (README). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "clock.h"
#include "fetch_wake.h"
#include "kafka.h"
#include "log.h"

static void shares_are_a_quarter_of_each_bound(void **state) {
    (void)state;
    long long records, bytes;
    fetch_wake_shares(100000, 65536, &records, &bytes); /* librdkafka's defaults */
    assert_int_equal(records, 25000);
    assert_int_equal(bytes, 16LL << 20);
    fetch_wake_shares(20000, 8192, &records, &bytes);
    assert_int_equal(records, 5000);
    assert_int_equal(bytes, 2LL << 20);
    fetch_wake_shares(1, 0, &records, &bytes); /* never a share of nothing */
    assert_int_equal(records, 1);
    assert_int_equal(bytes, 1);
}

static rd_kafka_t *mock_consumer(const char *min_messages, const char *max_kbytes) {
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof err), RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "group.id", "test-fetch-wake", err, sizeof err), RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "queued.min.messages", min_messages, err, sizeof err), RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "queued.max.messages.kbytes", max_kbytes, err, sizeof err),
                     RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    assert_non_null(rk);
    return rk;
}

/* Waits up to 10 s for the count of wakes to reach want; returns it. */
static long long wakes_reaching(struct fetch_wake *w, long long want) {
    long long deadline = clock_mono_ms() + 10000;
    while (fetch_wake_count(w) < want && clock_mono_ms() < deadline)
        usleep(10000);
    return fetch_wake_count(w);
}

static void a_wake_after_each_share_of_records(void **state) {
    (void)state;
    rd_kafka_t *rk = mock_consumer("8", "65536"); /* a share: 2 records */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "t", NULL);
    struct fetch_wake *w = fetch_wake_new(rk);
    assert_non_null(w);
    rd_kafka_message_t m = {.rkt = rkt, .partition = 0, .len = 10};
    fetch_wake_taken(w, &m);
    usleep(200000);
    assert_int_equal(fetch_wake_count(w), 0);
    fetch_wake_taken(w, &m);
    assert_int_equal(wakes_reaching(w, 1), 1);
    fetch_wake_taken(w, &m);
    usleep(200000);
    assert_int_equal(fetch_wake_count(w), 1);
    fetch_wake_taken(w, &m);
    assert_int_equal(wakes_reaching(w, 2), 2);
    fetch_wake_free(w);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
}

static void a_wake_after_a_share_of_bytes(void **state) {
    (void)state;
    rd_kafka_t *rk = mock_consumer("100000", "1"); /* a share: 256 bytes */
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "t", NULL);
    struct fetch_wake *w = fetch_wake_new(rk);
    rd_kafka_message_t m = {.rkt = rkt, .partition = 0, .len = 200, .key_len = 50};
    fetch_wake_taken(w, &m); /* 250 bytes: not yet */
    usleep(200000);
    assert_int_equal(fetch_wake_count(w), 0);
    m.key_len = 6; /* 206 more */
    fetch_wake_taken(w, &m);
    assert_int_equal(wakes_reaching(w, 1), 1);
    fetch_wake_free(w);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
}

static void nothing_without_a_wake(void **state) {
    (void)state;
    rd_kafka_message_t m = {.len = 1};
    fetch_wake_taken(NULL, &m); /* fetch_wake_new failed: the consumer goes on */
    assert_int_equal(fetch_wake_count(NULL), 0);
    fetch_wake_free(NULL);
}

static void the_user_chooses_over_a_stage_default(void **state) {
    (void)state;
    char err[256], value[64];
    size_t n = sizeof value;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    assert_int_equal(kafka_conf_default(conf, "queued.max.messages.kbytes", "8192", err, sizeof err), 0);
    assert_int_equal(rd_kafka_conf_get(conf, "queued.max.messages.kbytes", value, &n), RD_KAFKA_CONF_OK);
    assert_string_equal(value, "8192");
    assert_int_equal(rd_kafka_conf_set(conf, "queued.min.messages", "777", err, sizeof err), RD_KAFKA_CONF_OK);
    assert_int_equal(kafka_conf_default(conf, "queued.min.messages", "20000", err, sizeof err), 0);
    n = sizeof value;
    assert_int_equal(rd_kafka_conf_get(conf, "queued.min.messages", value, &n), RD_KAFKA_CONF_OK);
    assert_string_equal(value, "777");
    assert_int_equal(kafka_conf_default(conf, "queued.min.messages.bogus", "1", err, sizeof err), -1);
    assert_non_null(strstr(err, "queued.min.messages.bogus"));
    rd_kafka_conf_destroy(conf);
}

int main(void) {
    log_init("test_fetch_wake");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shares_are_a_quarter_of_each_bound),    cmocka_unit_test(a_wake_after_each_share_of_records),
        cmocka_unit_test(a_wake_after_a_share_of_bytes),         cmocka_unit_test(nothing_without_a_wake),
        cmocka_unit_test(the_user_chooses_over_a_stage_default),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed || rd_kafka_wait_destroyed(10000) != 0;
}
