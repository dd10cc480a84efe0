/* replicate-load: what bench/replicate.sh and bench/sink.sh need around the
 * programs they measure — the backlogs, the count of what arrived, the
 * latency probe.
 *
 *   replicate-load fill BOOTSTRAP TOPIC PARTITIONS RECORDS VALUE_BYTES
 *       creates TOPIC (it must not exist) and writes RECORDS records into
 *       it as fast as the broker takes them: key "%010d" of the record's
 *       number (librdkafka's murmur2_random partitioner spreads them over
 *       the partitions), value VALUE_BYTES random letters and digits, lz4 as
 *       bridge cdc writes. Prints "fill: N records, B bytes (keys and
 *       values) into TOPIC (P partitions) in S s".
 *   replicate-load events BOOTSTRAP TOPIC PARTITIONS RECORDS
 *       the sink's backlog: creates TOPIC (it must not exist) and writes
 *       RECORDS Debezium-like change events of sales_order_details (key
 *       {"id":N}, value the envelope {"before","after","source","op",
 *       "ts_ms"}, ~250 bytes), record n to partition n mod PARTITIONS, lz4,
 *       all with the record time of an hour ago; then one more event on
 *       every partition with the record time of now: the marker that closes
 *       each partition's last file under a sink.rotate.interval.ms of less
 *       than an hour (the marker stays in an open file). Prints "events: N
 *       records, B bytes of values into TOPIC (P partitions) in S s, then P
 *       markers" (N and B without the markers).
 *   replicate-load count BOOTSTRAP TOPIC RECORDS TIMEOUT_S
 *       waits for TOPIC, reads it read_committed from the beginning of
 *       every partition and exits 0 when RECORDS records have been read,
 *       printing "count: N records at T" (T: the wall clock, seconds since
 *       the epoch, when the last one was read); 1 after TIMEOUT_S.
 *   replicate-load total BOOTSTRAP TOPIC
 *       reads TOPIC read_committed to the end of every partition and prints
 *       "total: N records" (what it holds, duplicates included).
 *   replicate-load latency SOURCE DEST TOPIC DEST_TOPIC RATE SECONDS
 *       writes RATE records/s (100-byte values carrying their send time in
 *       µs, timestamp = send time) into TOPIC on SOURCE for SECONDS, while a
 *       read_committed consumer of DEST_TOPIC on DEST notes when each
 *       becomes readable there; then waits up to 30 s for the rest. Prints
 *       "latency: N records at R records/s: p50 X ms p99 Y ms max Z ms
 *       (M not read)", the first second left out (warm-up); on stderr the
 *       worst latency of each second, to tell a transient from the rule.
 *   replicate-load drop BOOTSTRAP REGEX
 *       deletes every topic whose whole name matches the POSIX extended
 *       REGEX (the benchmark's destination topics, between runs).
 *   replicate-load watch HOST:PORT PID RECORDS PARTITIONS TIMEOUT_S
 *       polls bridge replicate's /metrics at HOST:PORT every 20 ms over one
 *       kept-alive libcurl connection (a curl process a poll cost the
 *       machine more CPU than the measured replicate's own HTTP thread) until
 *       it counts RECORDS records committed; prints "watch: ready R done D
 *       records N bytes B transactions T", R when it first showed
 *       PARTITIONS partitions assigned and D when it showed them all
 *       committed (the wall clock, seconds since the epoch). 1 when process
 *       PID exits first or after TIMEOUT_S. */
#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_kafka.h"
#include "clock.h"
#include "pipeline.h"

#define MAX_PARTITIONS 1024
#define WARMUP_US 1000000LL

static volatile int failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err && !failed) {
        failed = 1;
        fprintf(stderr, "replicate-load: delivery failed: %s\n", rd_kafka_err2str(m->err));
    }
}

/* A client on a conf of NULL-terminated name/value pairs, or NULL (said why). */
static rd_kafka_t *client(rd_kafka_type_t type, const char *const *pairs) {
    char err[512];
    rd_kafka_conf_t *conf = bench_conf(pairs);
    if (!conf)
        return NULL;
    if (type == RD_KAFKA_PRODUCER)
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "replicate-load: %s\n", err);
        return NULL;
    }
    if (type == RD_KAFKA_CONSUMER)
        rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* A read_committed consumer that stops at the end of each partition when eof. */
static rd_kafka_t *reader(const char *bootstrap, int eof) {
    const char *settings[] = {"bootstrap.servers",
                              bootstrap,
                              "group.id",
                              "bridgelab-replicate-bench",
                              "isolation.level",
                              "read_committed",
                              "enable.auto.commit",
                              "false",
                              "enable.auto.offset.store",
                              "false",
                              "enable.partition.eof",
                              eof ? "true" : "false",
                              "fetch.wait.max.ms",
                              "5",
                              NULL};
    return client(RD_KAFKA_CONSUMER, settings);
}

/* The topic's partition count; 0 when it is not there (yet). */
static int partitions_of(rd_kafka_t *rk, const char *topic) {
    int n = bench_partitions(rk, topic);
    return n > MAX_PARTITIONS ? MAX_PARTITIONS : n;
}

/* Waits up to timeout_us for the topic; its partition count, 0 if none came. */
static int wait_topic(rd_kafka_t *rk, const char *topic, long long timeout_us) {
    long long deadline = clock_mono_us() + timeout_us;
    int n;
    while ((n = partitions_of(rk, topic)) == 0 && clock_mono_us() < deadline)
        clock_sleep_ms(50);
    return n;
}

static int assign_from_beginning(rd_kafka_t *rk, const char *topic, int partitions) {
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; p++)
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t code = rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (code)
        fprintf(stderr, "replicate-load: assigning %s: %s\n", topic, rd_kafka_err2str(code));
    return code ? -1 : 0;
}

static void close_reader(rd_kafka_t *rk) {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

/* Produces one record to partition (RD_KAFKA_PARTITION_UA: the
 * partitioner's choice), waiting while the queue is full; 0 or -1. */
static int produce(rd_kafka_t *rk, const char *topic, int32_t partition, const void *key, size_t key_len,
                   const void *value, size_t value_len, int64_t timestamp_ms) {
    for (;;) {
        rd_kafka_resp_err_t code = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE((void *)value, value_len), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (code == RD_KAFKA_RESP_ERR_NO_ERROR)
            return 0;
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "replicate-load: produce to %s: %s\n", topic, rd_kafka_err2str(code));
            return -1;
        }
        rd_kafka_poll(rk, 10);
    }
}

static rd_kafka_t *writer(const char *bootstrap, const char *linger_ms) {
    const char *settings[] = {"bootstrap.servers",
                              bootstrap,
                              "acks",
                              "all",
                              "enable.idempotence",
                              "true",
                              "linger.ms",
                              linger_ms,
                              "compression.codec",
                              "lz4",
                              "partitioner",
                              "murmur2_random",
                              "queue.buffering.max.messages",
                              "1000000",
                              NULL};
    return client(RD_KAFKA_PRODUCER, settings);
}

/* --------------------------------------------------------------- fill */

static int fill(const char *bootstrap, const char *topic, int partitions, long long records, int value_bytes) {
    rd_kafka_t *rk = writer(bootstrap, "20");
    if (!rk || bench_create_topic(rk, bootstrap, topic, partitions) != 0)
        return 1;
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char *value = malloc((size_t)value_bytes + 1);
    if (!value)
        return 1;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    long long started = clock_mono_us(), bytes = 0;
    for (long long i = 0; i < records && !failed; i++) {
        char key[24];
        int key_len = snprintf(key, sizeof key, "%010lld", i);
        for (int b = 0; b < value_bytes; b++) {
            x ^= x << 13; /* xorshift64 */
            x ^= x >> 7;
            x ^= x << 17;
            value[b] = alphabet[x % (sizeof alphabet - 1)];
        }
        if (produce(rk, topic, RD_KAFKA_PARTITION_UA, key, (size_t)key_len, value, (size_t)value_bytes, 0) != 0)
            failed = 1;
        bytes += key_len + value_bytes;
        rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 600000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        failed = 1;
    double seconds = (clock_mono_us() - started) / 1e6;
    if (!failed)
        printf("fill: %lld records, %lld bytes (keys and values) into %s (%d partitions) in %.2f s\n", records, bytes,
               topic, partitions, seconds);
    free(value);
    rd_kafka_destroy(rk);
    return failed;
}

/* -------------------------------------------------------------- events */

/* Change event n (0-based) of sales_order_details, as bridge cdc would
 * write an insert, trimmed to ~250 bytes: key and value into the buffers. */
static void change_event(long long n, long long ts_ms, char *key, size_t key_cap, int *key_len, char *value,
                         size_t value_cap, int *value_len) {
    long long id = n + 1, order = n / 3 + 1;
    int product = (int)(n % 30) + 1, cents = 99 + product * 37 % 900;
    *key_len = snprintf(key, key_cap, "{\"id\":%lld}", id);
    *value_len = snprintf(value, value_cap,
                          "{\"before\":null,\"after\":{\"id\":%lld,\"sales_order_id\":%lld,\"product_id\":%d,"
                          "\"quantity\":%d,\"price\":\"%d.%02d\"},\"source\":{\"db\":\"orders\","
                          "\"table\":\"sales_order_details\",\"gtid\":\"0-1-%lld\",\"pos\":%lld,\"ts_ms\":%lld},"
                          "\"op\":\"c\",\"ts_ms\":%lld}",
                          id, order, product, (int)(n * 7 % 10) + 1, cents / 100, cents % 100, order, 4 + n * 260,
                          ts_ms / 1000 * 1000, ts_ms);
}

static int events(const char *bootstrap, const char *topic, int partitions, long long records) {
    rd_kafka_t *rk = writer(bootstrap, "20");
    if (!rk || bench_create_topic(rk, bootstrap, topic, partitions) != 0)
        return 1;
    long long now_ms = clock_wall_ms(), then_ms = now_ms - 3600000, started = clock_mono_us(), bytes = 0;
    for (long long n = 0; n < records + partitions && !failed; n++) {
        char key[32], value[512];
        int key_len, value_len, marker = n >= records;
        long long ts_ms = marker ? now_ms : then_ms;
        change_event(n, ts_ms, key, sizeof key, &key_len, value, sizeof value, &value_len);
        if (produce(rk, topic, (int32_t)(n % partitions), key, (size_t)key_len, value, (size_t)value_len, ts_ms) != 0)
            failed = 1;
        if (!marker)
            bytes += value_len;
        rd_kafka_poll(rk, 0);
    }
    if (rd_kafka_flush(rk, 600000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        failed = 1;
    double seconds = (clock_mono_us() - started) / 1e6;
    if (!failed)
        printf("events: %lld records, %lld bytes of values into %s (%d partitions) in %.2f s, then %d markers\n",
               records, bytes, topic, partitions, seconds, partitions);
    rd_kafka_destroy(rk);
    return failed;
}

/* -------------------------------------------------------- count, total */

static int count(const char *bootstrap, const char *topic, long long records, long long timeout_s) {
    long long deadline = clock_mono_us() + timeout_s * 1000000LL;
    rd_kafka_t *rk = reader(bootstrap, 0);
    if (!rk)
        return 1;
    int partitions = wait_topic(rk, topic, timeout_s * 1000000LL);
    if (partitions == 0) {
        fprintf(stderr, "replicate-load: topic %s did not appear on %s in %lld s\n", topic, bootstrap, timeout_s);
        return 1;
    }
    /* Every partition the topic has when it appears: MirrorMaker 2 and
     * bridge replicate create a destination with all of them at once. */
    if (assign_from_beginning(rk, topic, partitions) != 0)
        return 1;
    long long seen = 0;
    while (seen < records && clock_mono_us() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m) {
            if (!m->err)
                seen++;
            rd_kafka_message_destroy(m);
        }
    }
    long long at = clock_wall_us();
    close_reader(rk);
    if (seen < records) {
        fprintf(stderr, "replicate-load: %s: %lld of %lld records read in %lld s\n", topic, seen, records, timeout_s);
        return 1;
    }
    printf("count: %lld records at %lld.%06lld\n", seen, at / 1000000, at % 1000000);
    return 0;
}

static int total(const char *bootstrap, const char *topic) {
    rd_kafka_t *rk = reader(bootstrap, 1);
    if (!rk)
        return 1;
    int partitions = partitions_of(rk, topic);
    if (partitions == 0) {
        fprintf(stderr, "replicate-load: topic %s not found on %s\n", topic, bootstrap);
        return 1;
    }
    if (assign_from_beginning(rk, topic, partitions) != 0)
        return 1;
    long long seen = 0;
    int at_end = 0;
    char ended[MAX_PARTITIONS] = {0};
    while (at_end < partitions) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < partitions && !ended[m->partition]) {
                ended[m->partition] = 1;
                at_end++;
            }
        } else if (!m->err) {
            seen++;
        }
        rd_kafka_message_destroy(m);
    }
    close_reader(rk);
    printf("total: %lld records\n", seen);
    return 0;
}

/* ------------------------------------------------------------- latency */

struct probe {
    const char *bootstrap, *topic;
    long long rate, seconds;
    long long sent;
    int rc;
};

/* The paced writer: every millisecond, the records due by then. */
static void *probe_writer(void *arg) {
    struct probe *w = arg;
    rd_kafka_t *rk = writer(w->bootstrap, "5");
    if (!rk) {
        w->rc = 1;
        return NULL;
    }
    char value[100];
    memset(value, 'x', sizeof value);
    long long total_records = w->rate * w->seconds, started = clock_mono_us();
    struct timespec tick;
    clock_gettime(CLOCK_MONOTONIC, &tick);
    while (w->sent < total_records && !failed) {
        long long due = (clock_mono_us() - started) * w->rate / 1000000;
        if (due > total_records)
            due = total_records;
        for (; w->sent < due; w->sent++) {
            char key[24];
            int key_len = snprintf(key, sizeof key, "%010lld", w->sent);
            long long now = clock_wall_us();
            /* The send time in µs, then padding: 100 bytes in all. */
            int n = snprintf(value, sizeof value, "%lld ", now);
            value[n] = 'x';
            if (produce(rk, w->topic, RD_KAFKA_PARTITION_UA, key, (size_t)key_len, value, sizeof value, now / 1000) !=
                0) {
                w->rc = 1;
                failed = 1;
                break;
            }
        }
        rd_kafka_poll(rk, 0);
        tick.tv_nsec += 1000000L;
        if (tick.tv_nsec >= 1000000000L) {
            tick.tv_sec++;
            tick.tv_nsec -= 1000000000L;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
    }
    if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        w->rc = 1;
    rd_kafka_destroy(rk);
    return NULL;
}

static int by_value(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static int latency(const char *source, const char *dest, const char *topic, const char *dest_topic, long long rate,
                   long long seconds) {
    rd_kafka_t *rk = reader(dest, 0);
    if (!rk)
        return 1;
    int partitions = wait_topic(rk, dest_topic, 60000000LL);
    if (partitions == 0) {
        fprintf(stderr, "replicate-load: topic %s did not appear on %s in 60 s\n", dest_topic, dest);
        return 1;
    }
    if (assign_from_beginning(rk, dest_topic, partitions) != 0)
        return 1;
    long long expected = rate * seconds;
    long long *lat = malloc((size_t)expected * sizeof *lat);
    long long *worst = calloc((size_t)seconds + 1, sizeof *worst);
    struct probe w = {source, topic, rate, seconds, 0, 0};
    pthread_t thread;
    long long first_send = clock_wall_us();
    if (!lat || !worst || pthread_create(&thread, NULL, probe_writer, &w) != 0) {
        fprintf(stderr, "replicate-load: latency: out of memory or threads\n");
        free(lat);
        free(worst);
        return 1;
    }
    long long got = 0, kept = 0, deadline = clock_mono_us() + (seconds + 30) * 1000000LL;
    while (got < expected && clock_mono_us() < deadline && !failed) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 10);
        if (!m)
            continue;
        if (!m->err && m->len > 0) {
            long long now = clock_wall_us();
            char text[24];
            size_t n = m->len < sizeof text - 1 ? m->len : sizeof text - 1;
            memcpy(text, m->payload, n);
            text[n] = '\0';
            long long sent = strtoll(text, NULL, 10);
            got++;
            long long second = (sent - first_send) / 1000000;
            if (second >= 0 && second <= seconds && now - sent > worst[second])
                worst[second] = now - sent;
            if (sent - first_send >= WARMUP_US)
                lat[kept++] = now - sent;
        }
        rd_kafka_message_destroy(m);
    }
    pthread_join(thread, NULL);
    close_reader(rk);
    fprintf(stderr, "replicate-load: worst latency of each second (ms):");
    for (long long i = 0; i < seconds; i++)
        fprintf(stderr, " %.0f", worst[i] / 1000.0);
    fprintf(stderr, "\n");
    free(worst);
    if (w.rc || kept == 0) {
        fprintf(stderr, "replicate-load: latency: %lld of %lld records sent, %lld read\n", w.sent, expected, got);
        free(lat);
        return 1;
    }
    qsort(lat, (size_t)kept, sizeof *lat, by_value);
    printf("latency: %lld records at %lld records/s: p50 %.1f ms p99 %.1f ms max %.1f ms (%lld not read)\n", kept, rate,
           lat[(kept - 1) / 2] / 1000.0, lat[(kept * 99 - 1) / 100] / 1000.0, lat[kept - 1] / 1000.0, expected - got);
    free(lat);
    return 0;
}

/* ---------------------------------------------------------------- drop */

static int drop(const char *bootstrap, const char *pattern) {
    char anchored[1024];
    snprintf(anchored, sizeof anchored, "^(%s)$", pattern);
    regex_t re;
    if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0) {
        fprintf(stderr, "replicate-load: '%s' is not a POSIX extended regex\n", pattern);
        return 2;
    }
    const char *settings[] = {"bootstrap.servers", bootstrap, NULL};
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, settings);
    const struct rd_kafka_metadata *md = NULL;
    if (!rk || rd_kafka_metadata(rk, 1, NULL, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "replicate-load: no metadata from %s\n", bootstrap);
        return 1;
    }
    rd_kafka_DeleteTopic_t **del = calloc((size_t)md->topic_cnt + 1, sizeof *del);
    size_t n = 0;
    for (int i = 0; del && i < md->topic_cnt; i++)
        if (regexec(&re, md->topics[i].topic, 0, NULL, 0) == 0)
            del[n++] = rd_kafka_DeleteTopic_new(md->topics[i].topic);
    rd_kafka_metadata_destroy(md);
    regfree(&re);
    int rc = 0;
    if (n > 0) {
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_DeleteTopics(rk, del, n, NULL, q);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 60000);
        if (!ev || rd_kafka_event_error(ev)) {
            fprintf(stderr, "replicate-load: deleting %zu topics on %s: %s\n", n, bootstrap,
                    ev ? rd_kafka_event_error_string(ev) : "no answer in 60 s");
            rc = 1;
        }
        if (ev)
            rd_kafka_event_destroy(ev);
        rd_kafka_queue_destroy(q);
        rd_kafka_DeleteTopic_destroy_array(del, n);
    }
    free(del);
    rd_kafka_destroy(rk);
    return rc;
}

/* --------------------------------------------------------------- watch */

struct page {
    char text[1 << 16];
    size_t len;
};

static size_t page_write(char *data, size_t size, size_t count, void *opaque) {
    struct page *p = opaque;
    size_t n = size * count, room = sizeof p->text - 1 - p->len, kept = n < room ? n : room;
    memcpy(p->text + p->len, data, kept);
    p->len += kept;
    p->text[p->len] = '\0';
    return n;
}

/* The value of an unlabelled metric in a /metrics page (the dashboard's
 * parser), or -1. */
static long long metric_value(const char *text, const char *name) {
    double v;
    return pipeline_metric(text, name, NULL, &v) > 0 ? (long long)v : -1;
}

static int watch(const char *address, long long pid, long long records, long long partitions, long long timeout_s) {
    char url[256];
    snprintf(url, sizeof url, "http://%s/metrics", address);
    static struct page page; /* 64 KiB: off the stack */
    CURL *curl = curl_easy_init();
    if (!curl) {
        fprintf(stderr, "replicate-load: libcurl could not be set up\n");
        return 1;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, page_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &page);
    long long deadline = clock_mono_us() + timeout_s * 1000000, ready = 0, committed = -1;
    int rc = 1;
    while (clock_mono_us() < deadline) {
        page.len = 0;
        page.text[0] = '\0';
        if (curl_easy_perform(curl) == CURLE_OK) {
            long long now = clock_wall_us();
            committed = metric_value(page.text, "bridgelab_replicate_records_total");
            if (!ready &&
                (committed >= records || metric_value(page.text, "bridgelab_replicate_partitions") == partitions))
                ready = now;
            if (committed >= records) {
                printf("watch: ready %lld.%06lld done %lld.%06lld records %lld bytes %lld transactions %lld\n",
                       ready / 1000000, ready % 1000000, now / 1000000, now % 1000000, committed,
                       metric_value(page.text, "bridgelab_replicate_bytes_total"),
                       metric_value(page.text, "bridgelab_replicate_transactions_total"));
                rc = 0;
                break;
            }
        }
        if (kill((pid_t)pid, 0) != 0) {
            fprintf(stderr, "replicate-load: process %lld exited with %lld of %lld records committed\n", pid,
                    committed < 0 ? 0 : committed, records);
            break;
        }
        clock_sleep_ms(20);
    }
    if (rc != 0 && clock_mono_us() >= deadline)
        fprintf(stderr, "replicate-load: %lld of %lld records committed in %lld s\n", committed < 0 ? 0 : committed,
                records, timeout_s);
    curl_easy_cleanup(curl);
    return rc;
}

int main(int argc, char **argv) {
    bench_init("replicate-load");
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "fill") == 0 && argc == 7)
        return fill(argv[2], argv[3], atoi(argv[4]), atoll(argv[5]), atoi(argv[6]));
    if (strcmp(mode, "events") == 0 && argc == 6 && atoi(argv[4]) > 0)
        return events(argv[2], argv[3], atoi(argv[4]), atoll(argv[5]));
    if (strcmp(mode, "count") == 0 && argc == 6)
        return count(argv[2], argv[3], atoll(argv[4]), atoll(argv[5]));
    if (strcmp(mode, "total") == 0 && argc == 4)
        return total(argv[2], argv[3]);
    if (strcmp(mode, "latency") == 0 && argc == 8)
        return latency(argv[2], argv[3], argv[4], argv[5], atoll(argv[6]), atoll(argv[7]));
    if (strcmp(mode, "drop") == 0 && argc == 4)
        return drop(argv[2], argv[3]);
    if (strcmp(mode, "watch") == 0 && argc == 7)
        return watch(argv[2], atoll(argv[3]), atoll(argv[4]), atoll(argv[5]), atoll(argv[6]));
    fprintf(stderr, "usage: replicate-load fill BOOTSTRAP TOPIC PARTITIONS RECORDS VALUE_BYTES\n"
                    "       replicate-load events BOOTSTRAP TOPIC PARTITIONS RECORDS\n"
                    "       replicate-load count BOOTSTRAP TOPIC RECORDS TIMEOUT_S\n"
                    "       replicate-load total BOOTSTRAP TOPIC\n"
                    "       replicate-load latency SOURCE DEST TOPIC DEST_TOPIC RATE SECONDS\n"
                    "       replicate-load drop BOOTSTRAP REGEX\n"
                    "       replicate-load watch HOST:PORT PID RECORDS PARTITIONS TIMEOUT_S\n");
    return 2;
}
