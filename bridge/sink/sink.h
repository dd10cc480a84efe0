/* The sink engine: cloud Kafka topics into the lake's files, exactly once,
 * whatever the rotation.
 *
 * Reading. A read_committed consumer of group sink.group.id, subscribed to
 * the cloud topics sink.topics selects (looked up every
 * sink.topics.refresh.ms: a new topic is picked up), partitions spread over
 * the group's sinks by the cooperative-sticky assignor.
 *
 * Where a partition starts: from the lake alone (lake_position.h). A
 * partition gained is paused until its files have been listed, then sought
 * to where they end (or to where a part-written flush starts, which is then
 * written again exactly as it was). The group's committed offsets are
 * written after each file, for monitoring only: they are never read.
 *
 * Files. Each record goes to the open file of its partitioner folder
 * (partitioner.h), encoded by the format (format.h). All the open files of
 * one Kafka partition close together (a flush) when one reaches
 * sink.flush.size records or sink.max.file.bytes, when a record's time is
 * sink.rotate.interval.ms past its file's first, or at the next multiple of
 * sink.rotate.schedule.interval.ms on the wall clock (a timer: a quiet
 * topic's last records reach the lake too). A file's name is fixed by its
 * first offset; each is created only if absent, so a crash, a rebalance or
 * a rival sink never leaves a record in two files or in none.
 *
 * Memory: the open files and the flushes waiting for upload together stay
 * within sink.max.buffer.bytes: past it the biggest open partition flushes
 * early, and reading pauses while uploads hold the memory.
 *
 * Failures: a lake that fails stops reading (nothing is dropped), said once,
 * retried without end. A record the partitioner cannot place stops its
 * partition with one line naming the record and the fix. SIGTERM
 * (common/shutdown) writes every open file, commits and leaves the group.
 *
 * The engine knows nothing of argv or stdout: cmd_sink.c wires it up. */
#ifndef BRIDGELAB_BRIDGE_SINK_H
#define BRIDGELAB_BRIDGE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "sink_settings.h"

struct sink;

/* What /metrics shows; read at any time from another thread. */
struct sink_metrics {
    uint64_t files, bytes, records; /* written to the lake by this sink */
    uint64_t conflicts;             /* flushes dropped: a rival had written there */
    uint64_t rebalances;
    uint64_t lake_failures; /* failed requests to the lake */
    int topics, partitions; /* subscribed, assigned */
    int blocked_partitions; /* stopped on a record they cannot place */
    size_t buffered_bytes;  /* open files and waiting flushes */
    int lake_ok;            /* 0 while the lake fails */
    int reading;            /* 1 while the consumer reads */
    double upload_p50_ms, upload_p99_ms;
    uint64_t upload_samples;
    char state[600]; /* what the sink is doing, or why it is not */
};

struct sink_partition_status {
    char topic[256];
    int32_t partition;
    int64_t lake_end;             /* offset after the lake's last complete flush; -1: none yet */
    long long lag_records;        /* records of the partition not in the lake yet; -1: unknown */
    long long since_last_file_ms; /* -1: no file written by this sink yet */
};

/* conf: the cloud cluster's (kafka_conf_new), copied. NULL with err. */
struct sink *sink_new(const struct sink_settings *s, const rd_kafka_conf_t *conf, char *err, size_t errlen);
void sink_free(struct sink *k);

/* Runs until shutdown is requested; 0 then, or -1 with err on a failure it
 * cannot go on from. */
int sink_run(struct sink *k, char *err, size_t errlen);

/* The lake, as storage_describe says it (no credential in it). */
const char *sink_lake(const struct sink *k);

void sink_metrics_read(struct sink *k, struct sink_metrics *m);
/* Up to max partitions' status into out; returns how many. */
size_t sink_partitions_read(struct sink *k, struct sink_partition_status *out, size_t max);

#endif
