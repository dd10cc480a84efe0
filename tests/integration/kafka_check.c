/* kafka_check: drives common/kafka.c against a real cluster for
 * tests/integration/kafka.sh, and measures what the cdc stage's batch policy
 * needs (commit latency, transactional throughput).
 *
 *   kafka_check [-b SERVERS] [-X onprem.kafka.<prop>=value]... COMMAND ARGS
 *
 * Exit status: 0 done, 1 error, 2 not found, 3 fatal (fenced), 4 aborted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "kafka.h"
#include "log.h"

enum { EXIT_DONE = 0, EXIT_ERROR = 1, EXIT_NOT_FOUND = 2, EXIT_FATAL = 3, EXIT_ABORTED = 4 };

static int cmd_delete(int argc, char **argv);

static const char usage[] =
    "usage: kafka_check [-b SERVERS] [-X onprem.kafka.<prop>=value]... COMMAND ARGS\n"
    "  wait [TIMEOUT_MS]                         wait until the cluster answers\n"
    "  ensure TOPIC PARTITIONS RF [NAME=VALUE]... create the topic unless it exists\n"
    "  config TOPIC NAME                         print one config of a topic\n"
    "  partitions TOPIC TOTAL                    raise the topic's partition count to TOTAL\n"
    "  produce TXN_ID TOPIC N POS_TOPIC POSITION [abort]\n"
    "                                            one transaction: N records (key-<i>, value-<i>) and the\n"
    "                                            position (key \"cdc\"), then commit (or abort)\n"
    "  lines TXN_ID TOPIC                        one transaction of the records on stdin, a line each:\n"
    "                                            COLUMNS<TAB>KEY<TAB>VALUE (COLUMNS the bridgelab.columns\n"
    "                                            header, empty: none; an empty VALUE: a tombstone)\n"
    "  fence TXN_ID TOPIC                        open a transaction with one record, print \"ready\",\n"
    "                                            commit after a line on stdin\n"
    "  delete TOPIC                              delete the topic, wait until the metadata has it gone\n"
    "  last TOPIC KEY                            print the last committed value of KEY\n"
    "  bench TOPIC [TXNS N1000 N10000 GAP_MS]    commit latency (transactions GAP_MS apart) and\n"
    "                                            transactional msgs/s\n";

static rd_kafka_conf_t *conf;

static int fail(const char *what, const char *err) {
    fprintf(stderr, "kafka_check: %s: %s\n", what, err);
    return EXIT_ERROR;
}

static int txn_exit(enum kafka_txn rc, const char *err) {
    if (rc == KAFKA_TXN_OK)
        return EXIT_DONE;
    fprintf(stderr, "kafka_check: %s\n", err);
    return rc == KAFKA_TXN_ABORTED ? EXIT_ABORTED : rc == KAFKA_TXN_FATAL ? EXIT_FATAL : EXIT_ERROR;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct kafka_producer *producer(const char *txn_id, char *err, size_t errlen) {
    struct kafka_producer *p = kafka_producer_new(conf, "kafka_check", txn_id, err, errlen);
    if (p && kafka_producer_init(p, 60000, err, errlen) != KAFKA_TXN_OK) {
        kafka_producer_free(p);
        p = NULL;
    }
    return p;
}

static int cmd_wait(int argc, char **argv) {
    char err[1024];
    int timeout = argc > 0 ? atoi(argv[0]) : 30000;
    return kafka_wait_ready(conf, timeout, err, sizeof err) == 0 ? EXIT_DONE : fail("wait", err);
}

static int cmd_ensure(int argc, char **argv) {
    if (argc < 3)
        return fail("ensure", "expected TOPIC PARTITIONS RF [NAME=VALUE]...");
    const char *configs[64];
    int n = 0;
    for (int i = 3; i < argc && n < 62; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            return fail("ensure", "configs are NAME=VALUE");
        *eq = '\0';
        configs[n++] = argv[i];
        configs[n++] = eq + 1;
    }
    configs[n] = NULL;
    char err[1024];
    if (kafka_ensure_topic(conf, argv[0], atoi(argv[1]), atoi(argv[2]), configs, 30000, err, sizeof err) != 0)
        return fail("ensure", err);
    return EXIT_DONE;
}

static int cmd_config(int argc, char **argv) {
    if (argc != 2)
        return fail("config", "expected TOPIC NAME");
    char value[1024], err[1024];
    if (kafka_topic_config(conf, argv[0], argv[1], value, sizeof value, 30000, err, sizeof err) != 0)
        return fail("config", err);
    printf("%s\n", value);
    return EXIT_DONE;
}

static int cmd_partitions(int argc, char **argv) {
    if (argc != 2)
        return fail("partitions", "expected TOPIC TOTAL");
    char err[1024];
    if (kafka_create_partitions(conf, argv[0], atoi(argv[1]), 30000, err, sizeof err) != 0)
        return fail("partitions", err);
    return EXIT_DONE;
}

static int cmd_produce(int argc, char **argv) {
    if (argc < 5)
        return fail("produce", "expected TXN_ID TOPIC N POS_TOPIC POSITION [abort]");
    const char *topic = argv[1], *pos_topic = argv[3], *position = argv[4];
    long n = atol(argv[2]);
    int abort_it = argc > 5 && strcmp(argv[5], "abort") == 0;
    char err[1024];
    struct kafka_producer *p = producer(argv[0], err, sizeof err);
    if (!p)
        return fail("produce", err);
    enum kafka_txn rc = kafka_producer_begin(p, err, sizeof err);
    for (long i = 0; i < n && rc == KAFKA_TXN_OK; i++) {
        char key[32], value[64];
        snprintf(key, sizeof key, "key-%ld", i);
        snprintf(value, sizeof value, "value-%ld", i);
        rc = kafka_producer_produce(p, topic, key, strlen(key), value, strlen(value), NULL, err, sizeof err);
    }
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_produce(p, pos_topic, "cdc", 3, position, strlen(position), NULL, err, sizeof err);
    if (rc == KAFKA_TXN_OK && abort_it) {
        /* Make sure the records reach the log before the abort marks them. */
        rd_kafka_flush(kafka_producer_handle(p), 30000);
        rc = kafka_producer_abort(p, err, sizeof err);
    } else if (rc == KAFKA_TXN_OK) {
        rc = kafka_producer_commit(p, err, sizeof err);
    }
    kafka_producer_free(p);
    return txn_exit(rc, err);
}

static int cmd_lines(int argc, char **argv) {
    if (argc != 2)
        return fail("lines", "expected TXN_ID TOPIC");
    char err[1024];
    struct kafka_producer *p = producer(argv[0], err, sizeof err);
    if (!p)
        return fail("lines", err);
    enum kafka_txn rc = kafka_producer_begin(p, err, sizeof err);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (rc == KAFKA_TXN_OK && (len = getline(&line, &cap, stdin)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        char *key = strchr(line, '\t'), *value = key ? strchr(key + 1, '\t') : NULL;
        if (!value) {
            rc = KAFKA_TXN_FATAL;
            snprintf(err, sizeof err, "a line without two tabs: %.60s", line);
            break;
        }
        *key++ = '\0';
        *value++ = '\0';
        rd_kafka_headers_t *h = kafka_columns_header(*line ? line : NULL);
        rc = kafka_producer_produce(p, argv[1], key, strlen(key), *value ? value : NULL, strlen(value), h, err,
                                    sizeof err);
        if (h)
            rd_kafka_headers_destroy(h);
    }
    free(line);
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_commit(p, err, sizeof err);
    kafka_producer_free(p);
    return txn_exit(rc, err);
}

static int cmd_fence(int argc, char **argv) {
    if (argc != 2)
        return fail("fence", "expected TXN_ID TOPIC");
    char err[1024], line[64];
    struct kafka_producer *p = producer(argv[0], err, sizeof err);
    if (!p)
        return fail("fence", err);
    enum kafka_txn rc = kafka_producer_begin(p, err, sizeof err);
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_produce(p, argv[1], "zombie", 6, "zombie", 6, NULL, err, sizeof err);
    if (rc == KAFKA_TXN_OK) {
        rd_kafka_flush(kafka_producer_handle(p), 30000); /* in the log, not yet committed */
        printf("ready\n");
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin))
            line[0] = '\0';
        rc = kafka_producer_commit(p, err, sizeof err);
    }
    kafka_producer_free(p);
    return txn_exit(rc, err);
}

static int cmd_last(int argc, char **argv) {
    if (argc != 2)
        return fail("last", "expected TOPIC KEY");
    char err[1024], *value;
    size_t len;
    int rc = kafka_read_last(conf, argv[0], argv[1], &value, &len, 30000, err, sizeof err);
    if (rc < 0)
        return fail("last", err);
    if (rc == KAFKA_NOT_FOUND) {
        printf("(not found)\n");
        return EXIT_NOT_FOUND;
    }
    printf("%s\n", value);
    free(value);
    return EXIT_DONE;
}

/* ------------------------------------------------------------------ bench */

/* A Debezium-style change event of about 260 bytes, and its key. */
static size_t event(char *buf, size_t len, char *key, size_t keylen, long i) {
    snprintf(key, keylen, "{\"id\":%ld}", i);
    int n =
        snprintf(buf, len,
                 "{\"before\":null,\"after\":{\"id\":%ld,\"sales_order_id\":%ld,\"product_id\":%ld,\"quantity\":%ld,"
                 "\"price\":\"%ld.%02ld\"},\"source\":{\"file\":\"mysql-bin.000003\",\"pos\":%ld,\"row\":0,"
                 "\"ts_ms\":1795600000000,\"db\":\"orders\",\"table\":\"sales_order_details\"},"
                 "\"op\":\"c\",\"ts_ms\":1795600000123}",
                 i, i / 3 + 1, i % 30 + 1, i % 7 + 1, i % 50 + 1, i % 100, 4 + i * 311);
    return (size_t)n;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One transaction of n events and a position; the commit's time in *commit_s. */
static enum kafka_txn bench_txn(struct kafka_producer *p, const char *topic, const char *pos_topic, long first, long n,
                                double *commit_s, char *err, size_t errlen) {
    char value[512], key[64], position[64];
    enum kafka_txn rc = kafka_producer_begin(p, err, errlen);
    for (long i = first; i < first + n && rc == KAFKA_TXN_OK; i++) {
        size_t len = event(value, sizeof value, key, sizeof key, i);
        rc = kafka_producer_produce(p, topic, key, strlen(key), value, len, NULL, err, errlen);
    }
    snprintf(position, sizeof position, "mysql-bin.000003:%ld", first + n);
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_produce(p, pos_topic, "cdc", 3, position, strlen(position), NULL, err, errlen);
    double started = now_s();
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_commit(p, err, errlen);
    *commit_s = now_s() - started;
    return rc;
}

static int cmd_bench(int argc, char **argv) {
    if (argc < 1)
        return fail("bench", "expected TOPIC [TXNS N1000 N10000]");
    const char *topic = argv[0];
    int txns = argc > 1 ? atoi(argv[1]) : 50;
    int n1000 = argc > 2 ? atoi(argv[2]) : 30, n10000 = argc > 3 ? atoi(argv[3]) : 6;
    int gap_ms = argc > 4 ? atoi(argv[4]) : 0;
    char pos_topic[256], err[1024], value[512], key[64];
    snprintf(pos_topic, sizeof pos_topic, "%s_positions", topic);
    static const char *const compact[] = {"cleanup.policy", "compact", NULL};
    if (kafka_ensure_topic(conf, topic, 1, 1, NULL, 30000, err, sizeof err) != 0 ||
        kafka_ensure_topic(conf, pos_topic, 1, 1, compact, 30000, err, sizeof err) != 0)
        return fail("bench", err);
    printf("event size: %zu bytes\n", event(value, sizeof value, key, sizeof key, 123456));
    struct kafka_producer *p = producer("kafka_check-bench", err, sizeof err);
    if (!p)
        return fail("bench", err);
    double *commit = calloc((size_t)(txns > 0 ? txns : 1), sizeof *commit),
           *total = calloc((size_t)(txns > 0 ? txns : 1), sizeof *total);
    long next = 0;
    enum kafka_txn rc = KAFKA_TXN_OK;
    for (int i = 0; i < 3 && rc == KAFKA_TXN_OK; i++, next++) /* warm up: metadata, connections */
        rc = bench_txn(p, topic, pos_topic, next, 1, &commit[0], err, sizeof err);
    for (int i = 0; i < txns && rc == KAFKA_TXN_OK; i++, next++) {
        if (gap_ms > 0)
            usleep((useconds_t)gap_ms * 1000);
        double started = now_s();
        rc = bench_txn(p, topic, pos_topic, next, 1, &commit[i], err, sizeof err);
        total[i] = now_s() - started;
    }
    if (rc == KAFKA_TXN_OK && txns > 0) {
        qsort(commit, (size_t)txns, sizeof *commit, compare_double);
        qsort(total, (size_t)txns, sizeof *total, compare_double);
        printf("commit latency (1 event + position per transaction, %d transactions, %d ms apart): median %.1f ms, "
               "p90 %.1f ms, min %.1f ms, max %.1f ms; whole transaction median %.1f ms\n",
               txns, gap_ms, commit[txns / 2] * 1e3, commit[txns * 9 / 10] * 1e3, commit[0] * 1e3,
               commit[txns - 1] * 1e3, total[txns / 2] * 1e3);
    }
    const struct {
        long size;
        int count;
    } batches[] = {{1000, n1000}, {10000, n10000}};
    for (size_t b = 0; b < 2 && rc == KAFKA_TXN_OK; b++) {
        if (batches[b].count <= 0)
            continue;
        double commit_sum = 0, one, started = now_s();
        for (int i = 0; i < batches[b].count && rc == KAFKA_TXN_OK; i++, next += batches[b].size) {
            rc = bench_txn(p, topic, pos_topic, next, batches[b].size, &one, err, sizeof err);
            commit_sum += one;
        }
        double elapsed = now_s() - started;
        if (rc == KAFKA_TXN_OK)
            printf("transactions of %ld events: %.0f msgs/s (%d transactions, %.2f s; commit incl. flush %.1f ms "
                   "average)\n",
                   batches[b].size, (double)batches[b].size * batches[b].count / elapsed, batches[b].count, elapsed,
                   commit_sum / batches[b].count * 1e3);
    }
    free(commit);
    free(total);
    kafka_producer_free(p);
    return txn_exit(rc, err);
}

int main(int argc, char **argv) {
    log_init("kafka_check");
    log_set_level(getenv("KAFKA_CHECK_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
    const struct config_key *const schema[] = {kafka_keys, NULL};
    struct config *cfg = config_new(schema);
    char err[1024];
    int opt;
    while ((opt = getopt(argc, argv, "b:X:h")) != -1) {
        int rc = 0;
        if (opt == 'b')
            rc = config_set(cfg, "onprem.bootstrap.servers", optarg, "-b", err, sizeof err);
        else if (opt == 'X')
            rc = config_set_assignment(cfg, optarg, "-X", err, sizeof err);
        else {
            fputs(usage, opt == 'h' ? stdout : stderr);
            config_free(cfg);
            return opt == 'h' ? EXIT_DONE : EXIT_ERROR;
        }
        if (rc != 0) {
            config_free(cfg);
            return fail("option", err);
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        config_free(cfg);
        return EXIT_ERROR;
    }
    conf = kafka_conf_new(cfg, "onprem", err, sizeof err);
    config_free(cfg);
    if (!conf)
        return fail("configuration", err);
    static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
    } commands[] = {
        {"wait", cmd_wait},       {"ensure", cmd_ensure}, {"config", cmd_config}, {"partitions", cmd_partitions},
        {"produce", cmd_produce}, {"fence", cmd_fence},   {"last", cmd_last},     {"bench", cmd_bench},
        {"delete", cmd_delete},   {"lines", cmd_lines}};
    int rc = -1;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[optind], commands[i].name) == 0)
            rc = commands[i].fn(argc - optind - 1, argv + optind + 1);
    if (rc < 0) {
        fputs(usage, stderr);
        rc = EXIT_ERROR;
    }
    rd_kafka_conf_destroy(conf);
    rd_kafka_wait_destroyed(5000);
    return rc;
}

static int cmd_delete(int argc, char **argv) {
    if (argc != 1)
        return fail("delete", "expected TOPIC");
    char errstr[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(conf), errstr, sizeof errstr);
    if (!rk)
        return fail("delete", errstr);
    rd_kafka_DeleteTopic_t *del = rd_kafka_DeleteTopic_new(argv[0]);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, &del, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = EXIT_ERROR;
    if (!ev) {
        fprintf(stderr, "kafka_check: delete: no answer\n");
    } else {
        size_t n = 0;
        const rd_kafka_topic_result_t **res =
            rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
        if (rd_kafka_event_error(ev))
            fprintf(stderr, "kafka_check: delete: %s\n", rd_kafka_event_error_string(ev));
        else if (n != 1 || rd_kafka_topic_result_error(res[0]))
            fprintf(stderr, "kafka_check: delete %s: %s\n", argv[0],
                    n == 1 ? rd_kafka_err2str(rd_kafka_topic_result_error(res[0])) : "no result");
        else
            rc = 0;
        rd_kafka_event_destroy(ev);
    }
    for (int i = 0; rc == 0 && i < 300; i++) { /* until the metadata has it gone */
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, argv[0], NULL);
        rd_kafka_resp_err_t code = rd_kafka_metadata(rk, 0, rkt, &md, 5000);
        int gone = !code && md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
        if (md)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        if (gone)
            break;
        usleep(100000);
    }
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteTopic_destroy(del);
    rd_kafka_destroy(rk);
    return rc;
}
