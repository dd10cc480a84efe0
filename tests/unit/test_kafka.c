/* Unit tests for common/kafka.c on librdkafka's in-process mock cluster:
 * the conf built from the properties (pass-through, bad properties, secrets
 * from files), the transactional producer's outcomes (commit, abort on an
 * injected error, fencing, timeouts, misuse) and reading a position back.
 * The real broker's behaviour is tests/integration/kafka.sh's job. */
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

#include "config.h"
#include "kafka.h"
#include "log.h"

#include <librdkafka/rdkafka_mock.h> /* after rdkafka.h (from kafka.h) */

/* Kafka protocol request types (ApiKey) the tests inject errors into. */
enum { API_PRODUCE = 0, API_INIT_PRODUCER_ID = 22, API_END_TXN = 26, API_ADD_PARTITIONS_TO_TXN = 24 };

static const struct config_key *const schema[] = {kafka_keys, NULL};
static char tmpdir[64];
static FILE *log_capture;

/* One mock cluster per test, so injected errors never leak between tests. */
struct fixture {
    rd_kafka_t *owner; /* the handle the mock cluster belongs to */
    rd_kafka_mock_cluster_t *mock;
    struct config *cfg;
    rd_kafka_conf_t *conf;
};

static int group_setup(void **state) {
    (void)state;
    log_init("test_kafka");
    log_set_level(LOG_LEVEL_DEBUG);
    log_capture = tmpfile();
    log_set_stream(log_capture);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_kafka.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    log_set_stream(NULL);
    fclose(log_capture);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    /* Every handle must be gone, its threads too (no leaks for ASan). */
    int lingering = rd_kafka_wait_destroyed(10000);
    return system(cmd) == 0 && lingering == 0 ? 0 : -1;
}

static struct config *new_config(void) {
    struct config *cfg = config_new(schema);
    assert_non_null(cfg);
    return cfg;
}

static void set(struct config *cfg, const char *key, const char *value) {
    char err[512];
    if (config_set(cfg, key, value, "test", err, sizeof err) != 0)
        fail_msg("%s", err);
}

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
    f->owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    assert_non_null(f->owner);
    f->mock = rd_kafka_mock_cluster_new(f->owner, 1);
    assert_non_null(f->mock);
    f->cfg = new_config();
    set(f->cfg, "onprem.bootstrap.servers", rd_kafka_mock_cluster_bootstraps(f->mock));
    set(f->cfg, "onprem.kafka.transaction.timeout.ms", "10000");
    char err[512];
    f->conf = kafka_conf_new(f->cfg, "onprem", err, sizeof err);
    if (!f->conf)
        fail_msg("%s", err);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    rd_kafka_conf_destroy(f->conf);
    config_free(f->cfg);
    rd_kafka_mock_cluster_destroy(f->mock);
    rd_kafka_destroy(f->owner);
    free(f);
    return 0;
}

static const char *write_tmp(const char *name, const char *content) {
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs(content, out);
    fclose(out);
    return path;
}

static void conf_value(const rd_kafka_conf_t *conf, const char *name, char *buf, size_t len) {
    assert_int_equal(rd_kafka_conf_get(conf, name, buf, &len), RD_KAFKA_CONF_OK);
}

/* Everything logged so far (read beside the stream: librdkafka's threads may
 * be writing to it). */
static char *captured_log(void) {
    fflush(log_capture);
    int fd = fileno(log_capture);
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(pread(fd, text, (size_t)size, 0), size);
    return text;
}

/* ------------------------------------------------------------------ conf */

static void test_conf_defaults(void **state) {
    (void)state;
    struct config *cfg = new_config();
    char err[512], buf[256];
    rd_kafka_conf_t *onprem = kafka_conf_new(cfg, "onprem", err, sizeof err);
    rd_kafka_conf_t *cloud = kafka_conf_new(cfg, "cloud", err, sizeof err);
    assert_non_null(onprem);
    assert_non_null(cloud);
    conf_value(onprem, "bootstrap.servers", buf, sizeof buf);
    assert_string_equal(buf, "127.0.0.1:19092");
    conf_value(cloud, "bootstrap.servers", buf, sizeof buf);
    assert_string_equal(buf, "127.0.0.1:29092");
    rd_kafka_conf_destroy(onprem);
    rd_kafka_conf_destroy(cloud);
    assert_null(kafka_conf_new(cfg, "edge", err, sizeof err));
    assert_contains(err, "'edge'");
    config_free(cfg);
}

static void test_conf_pass_through(void **state) {
    (void)state;
    struct config *cfg = new_config();
    set(cfg, "onprem.bootstrap.servers", "kafka-a:9092,kafka-b:9092");
    set(cfg, "onprem.kafka.linger.ms", "25");
    set(cfg, "onprem.kafka.client.id", "bridgelab-test");
    set(cfg, "onprem.kafka.security.protocol", "SASL_SSL");
    set(cfg, "cloud.kafka.client.id", "only-cloud");
    char err[512], buf[256];
    rd_kafka_conf_t *conf = kafka_conf_new(cfg, "onprem", err, sizeof err);
    if (!conf)
        fail_msg("%s", err);
    conf_value(conf, "bootstrap.servers", buf, sizeof buf);
    assert_string_equal(buf, "kafka-a:9092,kafka-b:9092");
    conf_value(conf, "linger.ms", buf, sizeof buf);
    assert_string_equal(buf, "25");
    conf_value(conf, "client.id", buf, sizeof buf);
    assert_string_equal(buf, "bridgelab-test"); /* not the cloud's */
    conf_value(conf, "security.protocol", buf, sizeof buf);
    assert_string_equal(buf, "sasl_ssl");
    rd_kafka_conf_destroy(conf);
    config_free(cfg);
}

static void test_conf_bad_property(void **state) {
    (void)state;
    static const struct {
        const char *key, *value, *expect;
    } cases[] = {
        {"onprem.kafka.no.such.property", "1", "No such configuration property"},
        {"onprem.kafka.linger.ms", "soon", "linger.ms"},
        {"onprem.kafka.compression.type", "zip", "compression.type"},
        {"onprem.kafka.sasl.password.txt", "x", "No such configuration property"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config *cfg = new_config();
        set(cfg, cases[i].key, cases[i].value);
        char err[512] = "";
        assert_null(kafka_conf_new(cfg, "onprem", err, sizeof err));
        assert_contains(err, cases[i].key); /* names the key as the user wrote it */
        assert_contains(err, cases[i].expect);
        assert_null(strchr(err, '\n'));
        /* The other cluster is not affected. */
        rd_kafka_conf_t *cloud = kafka_conf_new(cfg, "cloud", err, sizeof err);
        assert_non_null(cloud);
        rd_kafka_conf_destroy(cloud);
        config_free(cfg);
    }
}

static void test_conf_empty_bootstrap_names_origin(void **state) {
    (void)state;
    struct config *cfg = new_config();
    const char *path = write_tmp("empty.properties", "# a lab\ncloud.bootstrap.servers=\n");
    char err[512];
    assert_int_equal(config_load_file(cfg, path, err, sizeof err), 0);
    assert_null(kafka_conf_new(cfg, "cloud", err, sizeof err));
    assert_contains(err, "empty.properties:2");
    assert_contains(err, "cloud.bootstrap.servers");
    config_free(cfg);
}

static void test_conf_secret_from_file(void **state) {
    (void)state;
    struct config *cfg = new_config();
    const char *path = write_tmp("sasl.password", "Hunter2-secret\n");
    set(cfg, "cloud.kafka.sasl.mechanisms", "PLAIN");
    set(cfg, "cloud.kafka.sasl.username", "bridge");
    set(cfg, "cloud.kafka.sasl.password.file", path);
    char err[512], buf[256];
    rd_kafka_conf_t *conf = kafka_conf_new(cfg, "cloud", err, sizeof err);
    if (!conf)
        fail_msg("%s", err);
    conf_value(conf, "sasl.password", buf, sizeof buf);
    assert_string_equal(buf, "Hunter2-secret");
    /* A client built on it logs its configuration at debug level: redacted. */
    char errstr[256];
    rd_kafka_conf_t *copy = rd_kafka_conf_dup(conf);
    rd_kafka_conf_set(copy, "debug", "conf", errstr, sizeof errstr);
    rd_kafka_conf_set(copy, "bootstrap.servers", "127.0.0.1:1", errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, copy, errstr, sizeof errstr);
    assert_non_null(rk);
    rd_kafka_destroy(rk);
    char *logged = captured_log();
    assert_contains(logged, "sasl.username"); /* the configuration was logged */
    assert_null(strstr(logged, "Hunter2-secret"));
    free(logged);
    rd_kafka_conf_destroy(conf);
    config_free(cfg);
}

static void test_conf_secret_file_errors(void **state) {
    (void)state;
    const char *cases[][2] = {
        {"onprem.kafka.sasl.password.file", "/nonexistent/sasl.password"},
        {"onprem.kafka.ssl.key.password.file", write_tmp("empty-secret", "")},
    };
    for (size_t i = 0; i < 2; i++) {
        struct config *cfg = new_config();
        set(cfg, cases[i][0], cases[i][1]);
        char err[512];
        assert_null(kafka_conf_new(cfg, "onprem", err, sizeof err));
        assert_contains(err, cases[i][0]);
        assert_contains(err, cases[i][1]);
        config_free(cfg);
    }
}

/* -------------------------------------------------------------- producer */

static struct kafka_producer *new_producer(struct fixture *f, const char *id) {
    char err[512];
    struct kafka_producer *p = kafka_producer_new(f->conf, "test", id, err, sizeof err);
    if (!p)
        fail_msg("%s", err);
    return p;
}

static void init_ok(struct kafka_producer *p) {
    char err[512];
    enum kafka_txn rc = kafka_producer_init(p, 10000, err, sizeof err);
    if (rc != KAFKA_TXN_OK)
        fail_msg("init: %d: %s", rc, err);
}

static void begin_ok(struct kafka_producer *p) {
    char err[512];
    if (kafka_producer_begin(p, err, sizeof err) != KAFKA_TXN_OK)
        fail_msg("begin: %s", err);
}

static enum kafka_txn produce_str(struct kafka_producer *p, const char *topic, const char *key, const char *value,
                                  char *err, size_t errlen) {
    return kafka_producer_produce(p, topic, key, strlen(key), value, value ? strlen(value) : 0, NULL, err, errlen);
}

static void produce_ok(struct kafka_producer *p, const char *topic, const char *key, const char *value) {
    char err[512];
    if (produce_str(p, topic, key, value, err, sizeof err) != KAFKA_TXN_OK)
        fail_msg("produce: %s", err);
}

static void commit_ok(struct kafka_producer *p) {
    char err[512];
    enum kafka_txn rc = kafka_producer_commit(p, err, sizeof err);
    if (rc != KAFKA_TXN_OK)
        fail_msg("commit: %d: %s", rc, err);
}

/* The last value of key, or "(not found)". */
static char *last(struct fixture *f, const char *topic, const char *key) {
    char err[512], *value = NULL;
    size_t len = 0;
    int rc = kafka_read_last(f->conf, topic, key, &value, &len, 10000, err, sizeof err);
    if (rc < 0)
        fail_msg("read_last: %s", err);
    if (rc == KAFKA_NOT_FOUND) {
        assert_null(value);
        return strdup("(not found)");
    }
    assert_int_equal(len, strlen(value));
    return value;
}

#define assert_last(f, topic, key, expected)                                                                           \
    do {                                                                                                               \
        char *got_ = last(f, topic, key);                                                                              \
        if (strcmp(got_, expected) != 0) {                                                                             \
            print_error("last %s of %s: '%s', expected '%s'\n", key, topic, got_, expected);                           \
            free(got_);                                                                                                \
            fail();                                                                                                    \
        }                                                                                                              \
        free(got_);                                                                                                    \
    } while (0)

static void test_producer_settings(void **state) {
    struct fixture *f = *state;
    struct kafka_producer *p = new_producer(f, "settings");
    const rd_kafka_conf_t *conf = rd_kafka_conf(kafka_producer_handle(p));
    char buf[256];
    conf_value(conf, "transactional.id", buf, sizeof buf);
    assert_string_equal(buf, "settings");
    conf_value(conf, "enable.idempotence", buf, sizeof buf);
    assert_string_equal(buf, "true");
    conf_value(conf, "compression.codec", buf, sizeof buf);
    assert_string_equal(buf, "lz4");
    conf_value(conf, "partitioner", buf, sizeof buf);
    assert_string_equal(buf, "murmur2_random");
    conf_value(conf, "linger.ms", buf, sizeof buf);
    assert_string_equal(buf, "10");
    conf_value(conf, "retry.backoff.ms", buf, sizeof buf);
    assert_string_equal(buf, "5");
    kafka_producer_free(p);

    /* What the user chose stays; what breaks exactly-once is refused. */
    struct config *cfg = new_config();
    set(cfg, "onprem.kafka.linger.ms", "50");
    set(cfg, "onprem.kafka.compression.type", "zstd");
    char err[512];
    rd_kafka_conf_t *chosen = kafka_conf_new(cfg, "onprem", err, sizeof err);
    p = kafka_producer_new(chosen, "test", "chosen", err, sizeof err);
    assert_non_null(p);
    conf = rd_kafka_conf(kafka_producer_handle(p));
    conf_value(conf, "linger.ms", buf, sizeof buf);
    assert_string_equal(buf, "50");
    conf_value(conf, "compression.codec", buf, sizeof buf);
    assert_string_equal(buf, "zstd");
    kafka_producer_free(p);
    rd_kafka_conf_destroy(chosen);
    set(cfg, "onprem.kafka.acks", "1");
    chosen = kafka_conf_new(cfg, "onprem", err, sizeof err);
    assert_null(kafka_producer_new(chosen, "cdc", "x", err, sizeof err));
    assert_contains(err, "acks=1");
    assert_contains(err, "exactly-once");
    rd_kafka_conf_destroy(chosen);
    config_free(cfg);
}

static void test_produce_commit_read_back(void **state) {
    struct fixture *f = *state;
    rd_kafka_mock_topic_create(f->mock, "events", 3, 1);
    rd_kafka_mock_topic_create(f->mock, "_bridgelab_positions", 1, 1);
    struct kafka_producer *p = new_producer(f, "cdc-1");
    init_ok(p);
    char err[512];
    /* Two transactions, each with events and the position they reach. */
    for (int txn = 1; txn <= 2; txn++) {
        begin_ok(p);
        rd_kafka_headers_t *headers = rd_kafka_headers_new(1);
        rd_kafka_header_add(headers, "bridgelab.source", -1, "dc01", -1);
        for (int i = 0; i < 100; i++) {
            char key[32], value[64];
            snprintf(key, sizeof key, "{\"id\":%d}", i);
            snprintf(value, sizeof value, "{\"txn\":%d,\"i\":%d}", txn, i);
            assert_int_equal(kafka_producer_produce(p, "events", key, strlen(key), value, strlen(value),
                                                    i % 2 ? headers : NULL, err, sizeof err),
                             KAFKA_TXN_OK);
        }
        rd_kafka_headers_destroy(headers); /* copied: still the caller's */
        char position[64];
        snprintf(position, sizeof position, "mysql-bin.000001:%d", 1000 * txn);
        produce_ok(p, "_bridgelab_positions", "cdc", position);
        commit_ok(p);
    }
    assert_int_equal(kafka_producer_delivered(p), 202);
    kafka_producer_free(p);
    assert_last(f, "_bridgelab_positions", "cdc", "mysql-bin.000001:2000");
    assert_last(f, "events", "{\"id\":7}", "{\"txn\":2,\"i\":7}");
}

static void test_read_last_tombstone_and_not_found(void **state) {
    struct fixture *f = *state;
    rd_kafka_mock_topic_create(f->mock, "positions", 1, 1);
    rd_kafka_mock_topic_create(f->mock, "empty", 2, 1);
    assert_last(f, "no_such_topic", "cdc", "(not found)");
    assert_last(f, "empty", "cdc", "(not found)");
    struct kafka_producer *p = new_producer(f, "positions");
    init_ok(p);
    begin_ok(p);
    produce_ok(p, "positions", "cdc", "one");
    produce_ok(p, "positions", "other", "x");
    produce_ok(p, "positions", "cdc", "two");
    commit_ok(p);
    assert_last(f, "positions", "cdc", "two");
    assert_last(f, "positions", "cd", "(not found)"); /* keys match whole */
    assert_last(f, "positions", "cdc2", "(not found)");
    begin_ok(p);
    produce_ok(p, "positions", "cdc", NULL); /* a tombstone clears it */
    commit_ok(p);
    assert_last(f, "positions", "cdc", "(not found)");
    assert_last(f, "positions", "other", "x");
    begin_ok(p);
    char err[512];
    assert_int_equal(kafka_producer_produce(p, "positions", "cdc", 3, "", 0, NULL, err, sizeof err), KAFKA_TXN_OK);
    commit_ok(p);
    assert_last(f, "positions", "cdc", ""); /* an empty value is a value */
    kafka_producer_free(p);
}

/* Replays one transaction as a stage does after an abort: begin again and
 * produce from the last committed position. After a record failed for good,
 * librdkafka 2.0.2 needs one more abort (its next transaction hits an
 * out-of-order sequence and bumps the producer epoch), so a few tries. */
static void replay(struct kafka_producer *p, const char *value) {
    char err[512] = "";
    enum kafka_txn rc = KAFKA_TXN_ABORTED;
    for (int attempt = 0; attempt < 3 && rc == KAFKA_TXN_ABORTED; attempt++) {
        begin_ok(p);
        rc = produce_str(p, "positions", "cdc", value, err, sizeof err);
        if (rc == KAFKA_TXN_OK)
            rc = kafka_producer_commit(p, err, sizeof err);
    }
    if (rc != KAFKA_TXN_OK)
        fail_msg("replay: %d: %s", rc, err);
}

/* An injected error on request type api makes the commit abort; replaying
 * on the same producer commits. The 2.0.2 mock cluster does not hide
 * aborted records from read_committed readers, so invisibility is checked
 * here only when the aborted records never reached the log (the integration
 * suite checks it on a real broker). */
static void abort_and_replay(struct fixture *f, int16_t api, rd_kafka_resp_err_t error, const char *expect,
                             int reached_log) {
    rd_kafka_mock_topic_create(f->mock, "positions", 1, 1);
    struct kafka_producer *p = new_producer(f, "replay");
    init_ok(p);
    begin_ok(p);
    produce_ok(p, "positions", "cdc", "committed-1");
    commit_ok(p);

    rd_kafka_mock_push_request_errors(f->mock, api, 1, error);
    begin_ok(p);
    char err[512] = "";
    enum kafka_txn rc = produce_str(p, "positions", "cdc", "lost-2", err, sizeof err);
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_commit(p, err, sizeof err);
    if (rc != KAFKA_TXN_ABORTED)
        fail_msg("expected an abort, got %d: %s", rc, err);
    assert_contains(err, "aborted");
    assert_contains(err, "replay from the last committed position");
    assert_contains(err, expect);
    assert_null(strchr(err, '\n'));
    if (!reached_log)
        assert_last(f, "positions", "cdc", "committed-1");

    replay(p, "replayed-2");
    kafka_producer_free(p);
    assert_last(f, "positions", "cdc", "replayed-2");
}

static void test_abort_on_produce_error(void **state) {
    abort_and_replay(*state, API_PRODUCE, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, "Message size too large", 0);
}

static void test_abort_on_add_partitions_error(void **state) {
    abort_and_replay(*state, API_ADD_PARTITIONS_TO_TXN, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "uthoriz", 0);
}

static void test_abort_on_end_txn_error(void **state) {
    abort_and_replay(*state, API_END_TXN, RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID, "committing failed", 1);
}

static void test_retriable_end_txn_errors_retried(void **state) {
    struct fixture *f = *state;
    rd_kafka_mock_topic_create(f->mock, "positions", 1, 1);
    struct kafka_producer *p = new_producer(f, "retry");
    init_ok(p);
    rd_kafka_mock_push_request_errors(f->mock, API_END_TXN, 3, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                                      RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS);
    begin_ok(p);
    produce_ok(p, "positions", "cdc", "through");
    commit_ok(p);
    kafka_producer_free(p);
    assert_last(f, "positions", "cdc", "through");
}

static void test_failed_delivery_fails_the_commit(void **state) {
    struct fixture *f = *state;
    rd_kafka_mock_topic_create(f->mock, "positions", 1, 1);
    struct kafka_producer *p = new_producer(f, "partition");
    init_ok(p);
    begin_ok(p);
    produce_ok(p, "positions", "cdc", "fine");
    /* Partition 5 of a one-partition topic: the record cannot be delivered,
     * so the transaction, with "fine", must not commit. */
    char err[512] = "";
    enum kafka_txn rc = kafka_producer_produce_to(p, "positions", 5, 0, "cdc", 3, "nowhere", 7, NULL, err, sizeof err);
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_commit(p, err, sizeof err);
    if (rc != KAFKA_TXN_ABORTED)
        fail_msg("expected an abort, got %d: %s", rc, err);
    assert_contains(err, "positions [5]");
    replay(p, "after");
    kafka_producer_free(p);
    assert_last(f, "positions", "cdc", "after");
}

/* A second producer with the same transactional.id fences the first: the
 * broker answers the first's next request with a fencing error. The 2.0.2
 * mock cluster gives every InitProducerId a new producer id (it does not
 * fence by transactional.id), so the broker's answer is injected here; the
 * integration suite fences with two processes on a real broker. */
static void fenced_on(struct fixture *f, int16_t api, rd_kafka_resp_err_t fencing) {
    rd_kafka_mock_topic_create(f->mock, "positions", 1, 1);
    struct kafka_producer *first = new_producer(f, "cdc-dc01");
    init_ok(first);
    begin_ok(first);
    produce_ok(first, "positions", "cdc", "first");
    commit_ok(first);

    struct kafka_producer *second = new_producer(f, "cdc-dc01");
    init_ok(second);
    rd_kafka_mock_push_request_errors(f->mock, api, 1, fencing);

    char err[512] = "";
    enum kafka_txn rc = kafka_producer_begin(first, err, sizeof err);
    if (rc == KAFKA_TXN_OK)
        rc = produce_str(first, "positions", "cdc", "zombie", err, sizeof err);
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_commit(first, err, sizeof err);
    if (rc != KAFKA_TXN_FATAL)
        fail_msg("expected fatal, got %d: %s", rc, err);
    assert_contains(err, "another test with transactional id cdc-dc01 is running");
    assert_null(strchr(err, '\n'));
    /* Nothing works on it any more, and it says so. */
    assert_int_equal(kafka_producer_begin(first, err, sizeof err), KAFKA_TXN_FATAL);
    assert_contains(err, "after a fatal error");
    assert_true(kafka_producer_fenced(first));
    kafka_producer_free(first);

    begin_ok(second);
    produce_ok(second, "positions", "cdc", "second");
    commit_ok(second);
    kafka_producer_free(second);
    assert_last(f, "positions", "cdc", "second");
}

static void test_fenced_on_add_partitions(void **state) {
    fenced_on(*state, API_ADD_PARTITIONS_TO_TXN, RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
}

static void test_fenced_on_end_txn(void **state) {
    fenced_on(*state, API_END_TXN, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH);
}

static void test_misuse_is_reported(void **state) {
    struct fixture *f = *state;
    struct kafka_producer *p = new_producer(f, "misuse");
    char err[512];
    assert_int_equal(kafka_producer_begin(p, err, sizeof err), KAFKA_TXN_FATAL);
    assert_contains(err, "before kafka_producer_init");
    init_ok(p);
    assert_int_equal(produce_str(p, "t", "k", "v", err, sizeof err), KAFKA_TXN_FATAL);
    assert_contains(err, "outside a transaction");
    assert_int_equal(kafka_producer_commit(p, err, sizeof err), KAFKA_TXN_FATAL);
    assert_int_equal(kafka_producer_abort(p, err, sizeof err), KAFKA_TXN_FATAL);
    assert_int_equal(kafka_producer_init(p, 1000, err, sizeof err), KAFKA_TXN_FATAL);
    assert_contains(err, "called twice");
    begin_ok(p);
    assert_int_equal(kafka_producer_begin(p, err, sizeof err), KAFKA_TXN_FATAL);
    assert_contains(err, "inside an open transaction");
    produce_ok(p, "t", "k", "v");
    assert_int_equal(kafka_producer_abort(p, err, sizeof err), KAFKA_TXN_OK);
    begin_ok(p);
    produce_ok(p, "t", "k", "left open");
    kafka_producer_free(p); /* aborts what is open */
    kafka_producer_free(NULL);
}

/* ------------------------------------------------- unreachable clusters */

static rd_kafka_conf_t *unreachable_conf(void) {
    struct config *cfg = new_config();
    set(cfg, "onprem.bootstrap.servers", "127.0.0.1:1");
    char err[512];
    rd_kafka_conf_t *conf = kafka_conf_new(cfg, "onprem", err, sizeof err);
    assert_non_null(conf);
    config_free(cfg);
    return conf;
}

static void test_wait_ready(void **state) {
    struct fixture *f = *state;
    char err[512];
    assert_int_equal(kafka_wait_ready(f->conf, 5000, err, sizeof err), 0);
    rd_kafka_conf_t *conf = unreachable_conf();
    assert_int_equal(kafka_wait_ready(conf, 3000, err, sizeof err), -1);
    assert_contains(err, "Kafka unreachable at 127.0.0.1:1");
    char *logged = captured_log();
    assert_contains(logged, "Kafka unreachable at 127.0.0.1:1");
    assert_contains(logged, "retrying");
    free(logged);
    rd_kafka_conf_destroy(conf);
}

/* Errors only the user can fix: one line naming the cluster and the
 * property (authentication), or the operation and the resource (a missing
 * ACL). */
static void test_access_errors(void **state) {
    (void)state;
    char line[1024];
    assert_true(kafka_access_error("cloud", RD_KAFKA_RESP_ERR__AUTHENTICATION, NULL, NULL,
                                   "SASL authentication error: Authentication failed: Invalid username or password",
                                   line, sizeof line));
    assert_string_equal(line, "cloud cluster: authentication failed (cloud.kafka.sasl.username / sasl.password.file): "
                              "SASL authentication error: Authentication failed: Invalid username or password");
    assert_true(kafka_access_error("onprem", RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, NULL, NULL, NULL, line,
                                   sizeof line));
    assert_contains(line, "onprem cluster: authentication failed (onprem.kafka.sasl.username / sasl.password.file): ");
    assert_true(
        kafka_access_error("cloud", RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM, NULL, NULL, "x", line, sizeof line));
    assert_contains(line, "(cloud.kafka.sasl.mechanisms)");
    assert_true(kafka_access_error("cloud", RD_KAFKA_RESP_ERR__SSL, NULL, NULL, "certificate verify failed", line,
                                   sizeof line));
    assert_contains(line, "cloud cluster: TLS failed (cloud.kafka.security.protocol / ssl.ca.location): certificate");
    assert_true(kafka_access_error("cloud", RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, "WRITE", "dc01_orders", NULL,
                                   line, sizeof line));
    assert_contains(line, "cloud cluster: not authorized: WRITE on topic dc01_orders: grant it with an ACL to the "
                          "principal of cloud.kafka.sasl.username: ");
    assert_true(kafka_access_error("onprem", RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, NULL, "dc01-replicate", NULL,
                                   line, sizeof line));
    assert_contains(line, "onprem cluster: not authorized: READ on group dc01-replicate");
    assert_true(kafka_access_error("cloud", RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, NULL,
                                   "bridgelab-replicate-g-0", NULL, line, sizeof line));
    assert_contains(line, "not authorized: WRITE on transactional id bridgelab-replicate-g-0");
    assert_true(kafka_access_error("cloud", RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, NULL, NULL, NULL, line,
                                   sizeof line));
    assert_contains(line, "not authorized: IDEMPOTENT_WRITE on the cluster");
    assert_true(kafka_access_error(NULL, RD_KAFKA_RESP_ERR__AUTHENTICATION, NULL, NULL, NULL, line, sizeof line));
    assert_contains(line, "Kafka: authentication failed (<cluster>.kafka.sasl.username");
    strcpy(line, "untouched");
    assert_false(kafka_access_error("cloud", RD_KAFKA_RESP_ERR__TRANSPORT, NULL, NULL, "down", line, sizeof line));
    assert_false(kafka_access_error("cloud", RD_KAFKA_RESP_ERR_NO_ERROR, NULL, NULL, NULL, line, sizeof line));
    assert_string_equal(line, "untouched");
    assert_null(strchr(line, '\n'));
}

/* kafka_conf_new remembers which cluster a bootstrap list is, so that a
 * client's error can name it. */
static void test_cluster_of(void **state) {
    (void)state;
    struct config *cfg = new_config();
    set(cfg, "onprem.bootstrap.servers", "10.0.0.1:9092");
    set(cfg, "cloud.bootstrap.servers", "pkc-x.confluent.cloud:9092");
    char err[512];
    rd_kafka_conf_t *a = kafka_conf_new(cfg, "onprem", err, sizeof err);
    rd_kafka_conf_t *b = kafka_conf_new(cfg, "cloud", err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(kafka_cluster_of("10.0.0.1:9092"), "onprem");
    assert_string_equal(kafka_cluster_of("pkc-x.confluent.cloud:9092"), "cloud");
    assert_null(kafka_cluster_of("elsewhere:9092"));
    rd_kafka_conf_destroy(a);
    rd_kafka_conf_destroy(b);
    config_free(cfg);
}

/* A transactional id the principal may not write: the fatal error names the
 * operation and the resource. */
static void test_init_not_authorized(void **state) {
    struct fixture *f = *state;
    rd_kafka_mock_push_request_errors(f->mock, API_INIT_PRODUCER_ID, 1,
                                      RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    struct kafka_producer *p = new_producer(f, "bridgelab-replicate-g-1");
    char err[1024] = "";
    assert_int_equal(kafka_producer_init(p, 10000, err, sizeof err), KAFKA_TXN_FATAL);
    assert_contains(err, "not authorized: WRITE on transactional id bridgelab-replicate-g-1");
    assert_contains(err, "onprem cluster");
    kafka_producer_free(p);
}

static void test_init_times_out(void **state) {
    (void)state;
    rd_kafka_conf_t *conf = unreachable_conf();
    char err[512];
    struct kafka_producer *p = kafka_producer_new(conf, "cdc", "cdc-dc01", err, sizeof err);
    assert_non_null(p);
    assert_int_equal(kafka_producer_init(p, 1500, err, sizeof err), KAFKA_TXN_TIMEOUT);
    assert_contains(err, "127.0.0.1:1");
    assert_contains(err, "transaction coordinator");
    kafka_producer_free(p);
    rd_kafka_conf_destroy(conf);
}

static void test_read_last_unreachable(void **state) {
    (void)state;
    rd_kafka_conf_t *conf = unreachable_conf();
    char err[512], *value = (char *)"untouched";
    assert_int_equal(kafka_read_last(conf, "positions", "cdc", &value, NULL, 1000, err, sizeof err), -1);
    assert_null(value);
    assert_contains(err, "positions");
    assert_contains(err, "127.0.0.1:1");
    rd_kafka_conf_destroy(conf);
}

/* The producer learns every topic at once (creating them is checked on a
 * real broker by the cdc suite: the 2.0.2 mock cluster has no CreateTopics). */
static void test_learn_topics(void **state) {
    struct fixture *f = *state;
    char err[512];
    const char *topics[] = {"dc01_customers", "dc01_orders", "dc01_lines"};
    for (int t = 0; t < 3; t++)
        rd_kafka_mock_topic_create(f->mock, topics[t], t + 1, 1);
    struct kafka_producer *p = new_producer(f, "learn");
    if (kafka_producer_learn_topics(p, 5000, err, sizeof err) != 0)
        fail_msg("%s", err);
    const struct rd_kafka_metadata *md = NULL;
    assert_int_equal(rd_kafka_metadata(kafka_producer_handle(p), 1, NULL, &md, 5000), 0);
    int seen = 0;
    for (int i = 0; i < md->topic_cnt; i++)
        for (int t = 0; t < 3; t++)
            seen += strcmp(md->topics[i].topic, topics[t]) == 0 && md->topics[i].partition_cnt == t + 1;
    rd_kafka_metadata_destroy(md);
    assert_int_equal(seen, 3);
    kafka_producer_free(p);
}

static void test_learn_topics_unreachable(void **state) {
    (void)state;
    char err[512];
    rd_kafka_conf_t *conf = unreachable_conf();
    struct kafka_producer *p = kafka_producer_new(conf, "cdc", "unreachable", err, sizeof err);
    assert_non_null(p);
    assert_int_equal(kafka_producer_learn_topics(p, 500, err, sizeof err), -1);
    assert_contains(err, "cdc: reading the topics of Kafka at 127.0.0.1:1");
    kafka_producer_free(p);
    rd_kafka_conf_destroy(conf);
}

static void test_ensure_topic_errors(void **state) {
    struct fixture *f = *state;
    char err[512];
    static const char *const bad_config[] = {"cleanup.policy", NULL};
    assert_int_equal(kafka_ensure_topic(f->conf, "t", 1, 1, bad_config, 2000, err, sizeof err), -1);
    assert_contains(err, "creating topic t");
    assert_contains(err, "cleanup.policy");
    assert_int_equal(kafka_ensure_topic(f->conf, "t", 0, 1, NULL, 2000, err, sizeof err), -1);
    assert_contains(err, "creating topic t");
    rd_kafka_conf_t *conf = unreachable_conf();
    static const char *const compact[] = {"cleanup.policy", "compact", NULL};
    assert_int_equal(kafka_ensure_topic(conf, "positions", 1, 1, compact, 1000, err, sizeof err), -1);
    assert_contains(err, "creating topic positions on Kafka at 127.0.0.1:1");
    rd_kafka_conf_destroy(conf);
}

/* ------------------------------------------------------------- copying */

struct delivered {
    int count;
    int64_t last_offset[4];
    void *opaque[4];
};

static void on_delivered(const rd_kafka_message_t *m, void *ctx) {
    struct delivered *d = ctx;
    d->count++;
    if (m->partition >= 0 && m->partition < 4) {
        d->last_offset[m->partition] = m->offset;
        d->opaque[m->partition] = m->_private;
    }
}

struct copied {
    int count;
    int64_t ts[8];
    int32_t partition[8];
    char header[8][64];
};

static int collect_copied(const rd_kafka_message_t *m, void *ctx) {
    struct copied *c = ctx;
    if (c->count >= 8)
        return -1;
    c->ts[c->count] = rd_kafka_message_timestamp(m, NULL);
    c->partition[c->count] = m->partition;
    rd_kafka_headers_t *h = NULL;
    const void *value = NULL;
    size_t size = 0;
    c->header[c->count][0] = '\0';
    if (rd_kafka_message_headers(m, &h) == 0 && rd_kafka_header_get_last(h, "origin", &value, &size) == 0)
        snprintf(c->header[c->count], sizeof c->header[0], "%.*s", (int)size, (const char *)value);
    c->count++;
    return 0;
}

/* Records copied as they are: to their partition, with their timestamp and
 * headers; the delivery hook sees each one's offset and opaque before the
 * flush returns, so a position can be written in the same transaction. */
static void test_copy_flush_and_hook(void **state) {
    struct fixture *f = *state;
    rd_kafka_mock_topic_create(f->mock, "copies", 3, 1);
    struct kafka_producer *p = new_producer(f, "copy");
    struct delivered d = {0};
    kafka_producer_on_delivery(p, on_delivered, &d);
    init_ok(p);
    begin_ok(p);
    char err[512];
    int tag[3];
    for (int i = 0; i < 6; i++) {
        rd_kafka_headers_t *h = rd_kafka_headers_new(1);
        char origin[16];
        snprintf(origin, sizeof origin, "r%d", i);
        rd_kafka_header_add(h, "origin", -1, origin, -1);
        if (kafka_producer_copy(p, "copies", i % 3, 1700000000000LL + i, "k", 1, "v", 1, h, &tag[i % 3], err,
                                sizeof err) != KAFKA_TXN_OK)
            fail_msg("copy: %s", err);
    }
    assert_int_equal(kafka_producer_flush(p, err, sizeof err), KAFKA_TXN_OK);
    assert_int_equal(d.count, 6); /* every report is in before the flush returns */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(d.last_offset[i], 1);
        assert_ptr_equal(d.opaque[i], &tag[i]);
    }
    produce_ok(p, "positions-of-copies", "pos", "after the flush");
    commit_ok(p);
    kafka_producer_free(p);

    struct copied c = {0};
    assert_int_equal(kafka_read_each(f->conf, "copies", collect_copied, &c, 10000, err, sizeof err), 0);
    assert_int_equal(c.count, 6);
    for (int i = 0; i < c.count; i++) {
        int r = atoi(c.header[i] + 1);
        assert_int_equal(c.partition[i], r % 3);
        assert_true(c.ts[i] == 1700000000000LL + r);
    }
    /* (A missing topic, KAFKA_NOT_FOUND, is the kafka suite's: the mock cluster creates any topic asked for.) */
}

/* A failed record fails the flush: the transaction is aborted, the headers
 * handed over are freed either way (ASan watches). */
static void test_flush_reports_failure(void **state) {
    struct fixture *f = *state;
    rd_kafka_mock_topic_create(f->mock, "copies", 1, 1);
    struct kafka_producer *p = new_producer(f, "copy-fail");
    init_ok(p);
    begin_ok(p);
    char err[512];
    rd_kafka_mock_push_request_errors(f->mock, API_PRODUCE, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    rd_kafka_headers_t *h = rd_kafka_headers_new(1);
    rd_kafka_header_add(h, "origin", -1, "x", 1);
    enum kafka_txn rc = kafka_producer_copy(p, "copies", 0, 0, "k", 1, "v", 1, h, NULL, err, sizeof err);
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_flush(p, err, sizeof err);
    assert_int_equal(rc, KAFKA_TXN_ABORTED);
    assert_contains(err, "Message size too large");
    /* Outside a transaction the headers are still taken care of. */
    h = rd_kafka_headers_new(1);
    rd_kafka_header_add(h, "origin", -1, "y", 1);
    assert_int_equal(kafka_producer_copy(p, "copies", 0, 0, "k", 1, "v", 1, h, NULL, err, sizeof err), KAFKA_TXN_FATAL);
    assert_contains(err, "outside a transaction");
    assert_int_equal(kafka_producer_flush(p, err, sizeof err), KAFKA_TXN_FATAL);
    assert_false(kafka_producer_fenced(p));
    kafka_producer_free(p);
}

/* The consumer stages read with: read_committed, no automatic commit. */
static void test_consumer_settings(void **state) {
    struct fixture *f = *state;
    char err[512], buf[256];
    rd_kafka_t *rk = kafka_consumer_new(f->conf, "dc01-replicate", err, sizeof err);
    if (!rk)
        fail_msg("%s", err);
    const rd_kafka_conf_t *conf = rd_kafka_conf(rk);
    conf_value(conf, "group.id", buf, sizeof buf);
    assert_string_equal(buf, "dc01-replicate");
    conf_value(conf, "isolation.level", buf, sizeof buf);
    assert_string_equal(buf, "read_committed");
    conf_value(conf, "enable.auto.commit", buf, sizeof buf);
    assert_string_equal(buf, "false");
    conf_value(conf, "enable.auto.offset.store", buf, sizeof buf);
    assert_string_equal(buf, "false");
    conf_value(conf, "transaction.timeout.ms", buf, sizeof buf); /* the rest passes through */
    assert_string_equal(buf, "10000");
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conf_defaults),
        cmocka_unit_test(test_conf_pass_through),
        cmocka_unit_test(test_conf_bad_property),
        cmocka_unit_test(test_conf_empty_bootstrap_names_origin),
        cmocka_unit_test(test_conf_secret_from_file),
        cmocka_unit_test(test_conf_secret_file_errors),
        cmocka_unit_test_setup_teardown(test_producer_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_produce_commit_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_last_tombstone_and_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_on_produce_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_on_add_partitions_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_on_end_txn_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retriable_end_txn_errors_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_delivery_fails_the_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fenced_on_add_partitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fenced_on_end_txn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misuse_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_ready, setup, teardown),
        cmocka_unit_test(test_init_times_out),
        cmocka_unit_test(test_access_errors),
        cmocka_unit_test(test_cluster_of),
        cmocka_unit_test_setup_teardown(test_init_not_authorized, setup, teardown),
        cmocka_unit_test(test_read_last_unreachable),
        cmocka_unit_test_setup_teardown(test_ensure_topic_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_learn_topics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_learn_topics_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_flush_and_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flush_reports_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_settings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
