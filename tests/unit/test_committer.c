/* Unit tests for common/committer.c on librdkafka's in-process mock cluster:
 * batches committed in order on the committer's thread, and a failed batch
 * reported once, with nothing after it committed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "committer.h"
#include "config.h"
#include "kafka.h"
#include "log.h"

#include <librdkafka/rdkafka_mock.h> /* after rdkafka.h (from kafka.h) */

enum { API_PRODUCE = 0 };

struct fixture {
    rd_kafka_t *owner; /* the handle the mock cluster belongs to */
    rd_kafka_mock_cluster_t *mock;
    rd_kafka_conf_t *conf;
    struct kafka_producer *producer;

    pthread_mutex_t lock; /* on_committed runs on the committer's thread */
    char committed[16][32];
    int commits;
    pthread_t committer_thread;
};

static void on_committed(const struct batch *b, void *ctx) {
    struct fixture *f = ctx;
    pthread_mutex_lock(&f->lock);
    if (f->commits < 16)
        snprintf(f->committed[f->commits], sizeof f->committed[0], "%s", batch_position(b));
    f->commits++;
    f->committer_thread = pthread_self();
    pthread_mutex_unlock(&f->lock);
}

static int group_setup(void **state) {
    (void)state;
    log_init("test_committer");
    log_set_level(LOG_LEVEL_ERROR);
    return 0;
}

static int group_teardown(void **state) {
    (void)state;
    return rd_kafka_wait_destroyed(10000) == 0 ? 0 : -1; /* no handle, no thread left */
}

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    char errstr[256], err[512];
    rd_kafka_conf_t *owner_conf = rd_kafka_conf_new();
    rd_kafka_conf_set(owner_conf, "log_level", "0", errstr, sizeof errstr);
    f->owner = rd_kafka_new(RD_KAFKA_PRODUCER, owner_conf, errstr, sizeof errstr);
    assert_non_null(f->owner);
    f->mock = rd_kafka_mock_cluster_new(f->owner, 1);
    assert_non_null(f->mock);
    rd_kafka_mock_topic_create(f->mock, "events", 2, 1);
    rd_kafka_mock_topic_create(f->mock, "positions", 1, 1);
    f->conf = rd_kafka_conf_new();
    rd_kafka_conf_set(f->conf, "log_level", "0", errstr, sizeof errstr); /* the injected failures are expected */
    rd_kafka_conf_set(f->conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(f->mock), errstr, sizeof errstr);
    f->producer = kafka_producer_new(f->conf, "test", "committer-test", err, sizeof err);
    if (!f->producer || kafka_producer_init(f->producer, 10000, err, sizeof err) != KAFKA_TXN_OK)
        fail_msg("%s", err);
    pthread_mutex_init(&f->lock, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    kafka_producer_free(f->producer);
    rd_kafka_conf_destroy(f->conf);
    rd_kafka_mock_cluster_destroy(f->mock);
    rd_kafka_destroy(f->owner);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return 0;
}

/* A batch of n events of one transaction closed by its position record. */
static void fill(struct batch *b, const char *position, int n) {
    batch_clear(b);
    char key[32], value[64];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "{\"id\":%d}", i);
        snprintf(value, sizeof value, "{\"at\":\"%s\",\"i\":%d}", position, i);
        assert_int_equal(batch_add(b, "events", NULL, key, strlen(key), value, strlen(value)), 0);
    }
    assert_int_equal(batch_end_transaction(b, position, (uint64_t)n, 0), 0);
    assert_int_equal(batch_add(b, "positions", NULL, "cdc", 3, position, strlen(position)), 0);
    batch_seal(b);
}

static char *last(struct fixture *f, const char *topic, const char *key) {
    char *value = NULL, err[512];
    if (kafka_read_last(f->conf, topic, key, &value, NULL, 10000, err, sizeof err) != 0)
        fail_msg("reading %s: %s", topic, err);
    return value;
}

static void assert_last_position(struct fixture *f, const char *expected) {
    char *got = last(f, "positions", "cdc");
    assert_string_equal(got, expected);
    free(got);
}

/* Batches go in order, each after the one before; on_committed runs on the
 * committer's own thread, once per batch. */
static void test_commits_in_order(void **state) {
    struct fixture *f = *state;
    struct committer *c = committer_new(on_committed, f);
    assert_non_null(c);
    struct batch *a = batch_new(), *b = batch_new();
    char err[512] = "", position[32];
    for (int i = 1; i <= 6; i++) {
        /* Two batches in turn, as cdc does: the submit of one waited for
         * the other, which is free to fill again. */
        struct batch *next = i % 2 ? a : b;
        snprintf(position, sizeof position, "0-1-%d", i);
        fill(next, position, 50 * i);
        assert_int_equal(committer_submit(c, f->producer, next, err, sizeof err), KAFKA_TXN_OK);
    }
    assert_int_equal(committer_wait(c, err, sizeof err), KAFKA_TXN_OK);
    assert_false(committer_busy(c));
    assert_int_equal(f->commits, 6);
    for (int i = 0; i < 6; i++) {
        snprintf(position, sizeof position, "0-1-%d", i + 1);
        assert_string_equal(f->committed[i], position);
    }
    assert_false(pthread_equal(f->committer_thread, pthread_self()));
    assert_last_position(f, "0-1-6");
    char *event = last(f, "events", "{\"id\":0}");
    assert_non_null(strstr(event, "0-1-6"));
    free(event);
    committer_free(c);
    batch_free(a);
    batch_free(b);
}

/* A batch whose records fail is aborted; the next submit reports it (and
 * does not take its batch); after that the committer takes batches again. */
static void test_failure_reported_once(void **state) {
    struct fixture *f = *state;
    struct committer *c = committer_new(on_committed, f);
    struct batch *a = batch_new(), *b = batch_new();
    char err[512] = "";
    fill(a, "0-1-1", 10);
    assert_int_equal(committer_submit(c, f->producer, a, err, sizeof err), KAFKA_TXN_OK);
    assert_int_equal(committer_wait(c, err, sizeof err), KAFKA_TXN_OK);

    rd_kafka_mock_push_request_errors(f->mock, API_PRODUCE, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    fill(b, "0-1-2", 10);
    assert_int_equal(committer_submit(c, f->producer, b, err, sizeof err), KAFKA_TXN_OK);
    fill(a, "0-1-3", 10);
    enum kafka_txn rc = committer_submit(c, f->producer, a, err, sizeof err);
    assert_int_equal(rc, KAFKA_TXN_ABORTED);
    assert_non_null(strstr(err, "aborted"));
    assert_false(committer_busy(c));                                    /* a was not taken */
    assert_int_equal(committer_wait(c, err, sizeof err), KAFKA_TXN_OK); /* reported once */
    /* Nothing of b was committed. (That read_committed readers do not see
     * it is the cdc suite's to check: the 2.0.2 mock cluster shows them.) */
    assert_int_equal(f->commits, 1);

    /* The replay, on a new producer (the 2.0.2 mock cluster does not bump
     * the epoch an abort of two partitions calls for): the failed batch
     * again, then the next. */
    kafka_producer_free(f->producer);
    f->producer = kafka_producer_new(f->conf, "test", "committer-test", err, sizeof err);
    assert_non_null(f->producer);
    assert_int_equal(kafka_producer_init(f->producer, 10000, err, sizeof err), KAFKA_TXN_OK);
    fill(b, "0-1-2", 10);
    assert_int_equal(committer_submit(c, f->producer, b, err, sizeof err), KAFKA_TXN_OK);
    assert_int_equal(committer_submit(c, f->producer, a, err, sizeof err), KAFKA_TXN_OK);
    assert_int_equal(committer_wait(c, err, sizeof err), KAFKA_TXN_OK);
    assert_int_equal(f->commits, 3);
    assert_string_equal(f->committed[1], "0-1-2");
    assert_string_equal(f->committed[2], "0-1-3");
    assert_last_position(f, "0-1-3");
    committer_free(c);
    batch_free(a);
    batch_free(b);
}

/* A failure no submit saw is what committer_wait answers. */
static void test_wait_reports_failure(void **state) {
    struct fixture *f = *state;
    struct committer *c = committer_new(on_committed, f);
    struct batch *a = batch_new();
    char err[512] = "";
    rd_kafka_mock_push_request_errors(f->mock, API_PRODUCE, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    fill(a, "0-1-1", 5);
    assert_int_equal(committer_submit(c, f->producer, a, err, sizeof err), KAFKA_TXN_OK);
    assert_int_equal(committer_wait(c, err, sizeof err), KAFKA_TXN_ABORTED);
    assert_non_null(strstr(err, "Message size too large"));
    assert_int_equal(committer_wait(c, err, sizeof err), KAFKA_TXN_OK);
    assert_int_equal(f->commits, 0);
    committer_free(c);
    batch_free(a);
}

/* Freeing waits for the batch in flight: it is committed, not cut off. */
static void test_free_waits(void **state) {
    struct fixture *f = *state;
    struct committer *c = committer_new(on_committed, f);
    struct batch *a = batch_new();
    char err[512] = "";
    fill(a, "0-1-7", 2000);
    assert_int_equal(committer_submit(c, f->producer, a, err, sizeof err), KAFKA_TXN_OK);
    committer_free(c);
    assert_int_equal(f->commits, 1);
    assert_last_position(f, "0-1-7");
    batch_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commits_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_reported_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_reports_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_waits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
