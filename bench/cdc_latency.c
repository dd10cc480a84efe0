/* cdc-latency: how long a committed MySQL row takes to become readable in
 * Kafka through bridge cdc. One thread inserts probe rows into
 * orders.bench_probe, one a transaction, and notes when each COMMIT
 * returned; a read_committed consumer of the probe's topic notes when each
 * arrives. Prints "latency: N probes p50 X ms p99 Y ms max Z ms".
 *
 *   cdc-latency MYSQL_OPTION_FILE BOOTSTRAP TOPIC COUNT INTERVAL_MS
 *
 * The option file gives the MySQL connection ([client] host, port, user,
 * password); the probe table must exist, start empty, and be streamed by
 * the cdc (its topic is read from the beginning). */
#include <librdkafka/rdkafka.h>
#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct probe {
    const char *option_file;
    int count, interval_ms;
    atomic_llong *committed_us; /* by probe id */
    atomic_int failed;
};

static void *insert_probes(void *arg) {
    struct probe *p = arg;
    MYSQL *m = mysql_init(NULL);
    mysql_options(m, MYSQL_READ_DEFAULT_FILE, p->option_file);
    mysql_options(m, MYSQL_READ_DEFAULT_GROUP, "client");
    if (!mysql_real_connect(m, NULL, NULL, NULL, "orders", 0, NULL, 0) || mysql_query(m, "SET autocommit=0") != 0) {
        fprintf(stderr, "cdc-latency: %s\n", mysql_error(m));
        p->failed = 1;
        mysql_close(m);
        return NULL;
    }
    long long base = now_us();
    for (int i = 1; i <= p->count && !p->failed; i++) {
        char query[128];
        snprintf(query, sizeof query, "INSERT INTO bench_probe (id, sent_us) VALUES (%d, %lld)", i, now_us());
        if (mysql_query(m, query) != 0 || mysql_query(m, "COMMIT") != 0) {
            fprintf(stderr, "cdc-latency: %s\n", mysql_error(m));
            p->failed = 1;
            break;
        }
        p->committed_us[i] = now_us();
        long long next = base + (long long)i * p->interval_ms * 1000, wait = next - now_us();
        if (wait > 0) {
            struct timespec ts = {wait / 1000000, (long)(wait % 1000000) * 1000};
            nanosleep(&ts, NULL);
        }
    }
    mysql_close(m);
    return NULL;
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: cdc-latency MYSQL_OPTION_FILE BOOTSTRAP TOPIC COUNT INTERVAL_MS\n");
        return 2;
    }
    struct probe p = {.option_file = argv[1], .count = atoi(argv[4]), .interval_ms = atoi(argv[5])};
    if (p.count <= 0) {
        fprintf(stderr, "cdc-latency: COUNT must be positive\n");
        return 2;
    }
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[2], err, sizeof err) ||
        rd_kafka_conf_set(conf, "group.id", "bridgelab-cdc-latency", err, sizeof err) ||
        rd_kafka_conf_set(conf, "isolation.level", "read_committed", err, sizeof err) ||
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "5", err, sizeof err) ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err)) {
        fprintf(stderr, "cdc-latency: %s\n", err);
        return 2;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "cdc-latency: %s\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, argv[3], 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    /* Let the assignment settle before the first probe. */
    for (int i = 0; i < 20; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
        if (m)
            rd_kafka_message_destroy(m);
    }
    p.committed_us = calloc((size_t)p.count + 1, sizeof *p.committed_us);
    long long *arrived_us = calloc((size_t)p.count + 1, sizeof *arrived_us);
    if (!p.committed_us || !arrived_us) {
        fprintf(stderr, "cdc-latency: out of memory\n");
        free(p.committed_us);
        free(arrived_us);
        return 1;
    }
    pthread_t inserter;
    pthread_create(&inserter, NULL, insert_probes, &p);
    int received = 0;
    long long deadline = now_us() + (long long)p.count * p.interval_ms * 1000 + 30000000LL;
    while (received < p.count && now_us() < deadline && !p.failed) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        long long at = now_us();
        const char *id = m->key ? memchr(m->key, ':', m->key_len) : NULL;
        int n = id ? atoi(id + 1) : 0;
        /* Only the probe's insert counts (a delete of an old probe is no arrival). */
        int created = m->payload && memmem(m->payload, m->len, "\"op\":\"c\"", 8) != NULL;
        if (!m->err && created && n > 0 && n <= p.count && !arrived_us[n]) {
            arrived_us[n] = at;
            received++;
        }
        rd_kafka_message_destroy(m);
    }
    pthread_join(inserter, NULL);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    long long *latencies = calloc((size_t)p.count, sizeof *latencies);
    int n = 0;
    for (int i = 1; i <= p.count; i++)
        if (arrived_us[i] && p.committed_us[i])
            latencies[n++] = arrived_us[i] > p.committed_us[i] ? arrived_us[i] - p.committed_us[i] : 0;
    int rc = 1;
    if (n > 0) {
        qsort(latencies, (size_t)n, sizeof *latencies, compare);
        printf("latency: %d probes p50 %.1f ms p99 %.1f ms max %.1f ms\n", n, latencies[n / 2] / 1000.0,
               latencies[(int)(n * 0.99) < n ? (int)(n * 0.99) : n - 1] / 1000.0, latencies[n - 1] / 1000.0);
        rc = n == p.count ? 0 : 1;
    }
    if (n < p.count)
        fprintf(stderr, "cdc-latency: %d of %d probes arrived\n", n, p.count);
    free(latencies);
    free(arrived_us);
    free(p.committed_us);
    return rc;
}
