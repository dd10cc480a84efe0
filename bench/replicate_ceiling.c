/* replicate-ceiling: the ceilings bridge replicate is measured against — a
 * plain librdkafka consume→produce loop between the same two clusters: every
 * record of a source topic (read_committed, every partition from its
 * beginning) copied to the same partition of a destination topic with its
 * key, value, headers and timestamp, nothing else (no provenance header, no
 * positions, no metrics), with the producer settings replicate uses.
 *
 *   replicate-ceiling [--provenance] SOURCE DEST TOPIC DEST_TOPIC [TRANSACTION_SIZE]
 *
 * With TRANSACTION_SIZE the producer is transactional and commits every that
 * many records (bench/replicate.sh passes the records per transaction
 * replicate averaged): the floor under any exactly-once copier. With
 * --provenance each record also gets the header bridge replicate adds
 * (bridgelab.provenance: source cluster id, topic, partition, offset, made
 * the way replicate makes it): what that header costs. DEST_TOPIC is
 * created first with the source's partition count (it must not exist); the
 * clock starts after that, at the assignment, and stops when the last
 * record is delivered (plain) or committed (transactional), the source read
 * to the end offsets it had at the start. Prints one line:
 *   ceiling[ (transactional, T records a transaction)][ with provenance]:
 *     N records, B bytes in S s: R records/s, M MB/s
 * (on one line; B: keys and values, as bridge replicate counts bytes). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_kafka.h"
#include "clock.h"
#include "fetch_wake.h"
#include "replicate/provenance.h"

#define MAX_PARTITIONS 1024

static int failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    if (m->err && !failed) {
        failed = 1;
        fprintf(stderr, "replicate-ceiling: delivery failed: %s\n", rd_kafka_err2str(m->err));
    }
}

/* 1 when a transactional call succeeded; else says why. */
static int transactional(rd_kafka_error_t *error, const char *what) {
    if (!error)
        return 1;
    fprintf(stderr, "replicate-ceiling: %s: %s\n", what, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    return 0;
}

/* The provenance header's value of each partition: its prefix, completed
 * by each record's offset. */
static char provenance[MAX_PARTITIONS][PROVENANCE_VALUE_MAX];
static int provenance_len[MAX_PARTITIONS];

int main(int argc, char **argv) {
    int with_provenance = argc > 1 && strcmp(argv[1], "--provenance") == 0;
    if (with_provenance) {
        argc--;
        argv++;
    }
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: replicate-ceiling [--provenance] SOURCE DEST TOPIC DEST_TOPIC [TRANSACTION_SIZE]\n");
        return 2;
    }
    const char *source = argv[1], *dest = argv[2], *topic = argv[3], *dest_topic = argv[4];
    long per_transaction = argc == 6 ? strtol(argv[5], NULL, 10) : 0;
    if (argc == 6 && per_transaction <= 0) {
        fprintf(stderr, "replicate-ceiling: TRANSACTION_SIZE must be a positive number of records\n");
        return 2;
    }
    bench_init("replicate-ceiling");
    char err[512];
    /* As bridge replicate's consumer (common/kafka.c kafka_consumer_new), with
     * end-of-partition events: the loop stops on them. */
    const char *consumer_settings[] = {"bootstrap.servers",
                                       source,
                                       "group.id",
                                       "bridgelab-replicate-ceiling",
                                       "isolation.level",
                                       "read_committed",
                                       "enable.auto.commit",
                                       "false",
                                       "enable.auto.offset.store",
                                       "false",
                                       "auto.offset.reset",
                                       "earliest",
                                       "enable.partition.eof",
                                       "true",
                                       NULL};
    /* As bridge replicate's producer (common/kafka.c producer_conf). */
    const char *producer_settings[] = {"bootstrap.servers",
                                       dest,
                                       "acks",
                                       "all",
                                       "enable.idempotence",
                                       "true",
                                       "linger.ms",
                                       "10",
                                       "compression.codec",
                                       "lz4",
                                       "retry.backoff.ms",
                                       "5",
                                       "transactional.id",
                                       per_transaction ? "bridgelab-replicate-ceiling" : NULL,
                                       NULL};
    rd_kafka_conf_t *cconf = bench_conf(consumer_settings), *pconf = bench_conf(producer_settings);
    if (!cconf || !pconf)
        return 2;
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
    if (!consumer) {
        fprintf(stderr, "replicate-ceiling: %s\n", err);
        return 1;
    }
    rd_kafka_poll_set_consumer(consumer);
    struct fetch_wake *wake = fetch_wake_new(consumer);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
    if (!producer) {
        fprintf(stderr, "replicate-ceiling: %s\n", err);
        return 1;
    }

    int partitions = bench_partitions(consumer, topic);
    if (partitions <= 0 || partitions > MAX_PARTITIONS) {
        fprintf(stderr, "replicate-ceiling: topic %s not found on %s\n", topic, source);
        return 1;
    }
    int64_t end[MAX_PARTITIONS];
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; p++) {
        int64_t low = 0;
        rd_kafka_resp_err_t code = rd_kafka_query_watermark_offsets(consumer, topic, p, &low, &end[p], 10000);
        if (code) {
            fprintf(stderr, "replicate-ceiling: end offset of %s [%d]: %s\n", topic, p, rd_kafka_err2str(code));
            return 1;
        }
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    if (with_provenance) {
        char *cluster = rd_kafka_clusterid(consumer, 10000);
        if (!cluster) {
            fprintf(stderr, "replicate-ceiling: the cluster id of %s did not come\n", source);
            return 1;
        }
        for (int p = 0; p < partitions; p++)
            provenance_len[p] = provenance_prefix(provenance[p], sizeof provenance[p], cluster, topic, p);
        rd_kafka_mem_free(consumer, cluster);
    }
    if (bench_create_topic(producer, dest, dest_topic, partitions) != 0)
        return 1;
    if (per_transaction && !transactional(rd_kafka_init_transactions(producer, 30000), "init"))
        return 1;

    long long started = clock_mono_us();
    rd_kafka_resp_err_t code = rd_kafka_assign(consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (code) {
        fprintf(stderr, "replicate-ceiling: assign: %s\n", rd_kafka_err2str(code));
        return 1;
    }
    if (per_transaction && !transactional(rd_kafka_begin_transaction(producer), "begin"))
        return 1;
    int done[MAX_PARTITIONS] = {0}, remaining = partitions;
    for (int p = 0; p < partitions; p++)
        if (end[p] == 0) {
            done[p] = 1;
            remaining--;
        }
    long long records = 0, bytes = 0, in_transaction = 0;
    while (remaining > 0 && !failed) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 100);
        if (!m)
            continue;
        int p = m->partition;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (p >= 0 && p < partitions && !done[p] && m->offset >= end[p]) {
                done[p] = 1;
                remaining--;
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        if (m->err) {
            fprintf(stderr, "replicate-ceiling: %s [%d]: %s\n", topic, p, rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        fetch_wake_taken(wake, m);
        rd_kafka_headers_t *headers = NULL, *copy = NULL;
        if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers)
            copy = rd_kafka_headers_copy(headers);
        if (with_provenance && p >= 0 && p < partitions) {
            int n = provenance_complete(provenance[p], sizeof provenance[p], (size_t)provenance_len[p], m->offset);
            if (!copy)
                copy = rd_kafka_headers_new(1);
            if (n < 0 || rd_kafka_header_add(copy, PROVENANCE_HEADER, -1, provenance[p], n)) {
                fprintf(stderr, "replicate-ceiling: the provenance header of %s [%d] did not fit\n", topic, p);
                return 1;
            }
        }
        int64_t ts = rd_kafka_message_timestamp(m, NULL);
        for (;;) {
            code = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(dest_topic), RD_KAFKA_V_PARTITION(p),
                                     RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
                                     RD_KAFKA_V_TIMESTAMP(ts > 0 ? ts : 0), RD_KAFKA_V_HEADERS(copy),
                                     RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                break;
            rd_kafka_poll(producer, 10);
        }
        if (code) {
            fprintf(stderr, "replicate-ceiling: produce: %s\n", rd_kafka_err2str(code));
            if (copy)
                rd_kafka_headers_destroy(copy);
            failed = 1;
        }
        records++;
        bytes += (long long)(m->key_len + m->len);
        if (p >= 0 && p < partitions && !done[p] && m->offset + 1 >= end[p]) {
            done[p] = 1;
            remaining--;
        }
        rd_kafka_message_destroy(m);
        rd_kafka_poll(producer, 0);
        if (per_transaction && ++in_transaction == per_transaction && remaining > 0) {
            in_transaction = 0;
            if (!transactional(rd_kafka_commit_transaction(producer, -1), "commit") ||
                !transactional(rd_kafka_begin_transaction(producer), "begin"))
                return 1;
        }
    }
    if (per_transaction) {
        if (!failed && !transactional(rd_kafka_commit_transaction(producer, -1), "commit"))
            return 1;
    } else if (rd_kafka_flush(producer, 600000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "replicate-ceiling: not every record was delivered in 600 s\n");
        failed = 1;
    }
    double elapsed = (clock_mono_us() - started) / 1e6;
    if (!failed) {
        char how[128] = "";
        if (per_transaction)
            snprintf(how, sizeof how, " (transactional, %ld records a transaction)", per_transaction);
        if (with_provenance)
            snprintf(how + strlen(how), sizeof how - strlen(how), " with provenance");
        printf("ceiling%s: %lld records, %lld bytes in %.3f s: %.0f records/s, %.1f MB/s\n", how, records, bytes,
               elapsed, (double)records / elapsed, (double)bytes / elapsed / 1e6);
    }
    fetch_wake_free(wake);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_destroy(producer);
    return failed;
}
