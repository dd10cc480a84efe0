/* The replication engine: topics of the onprem cluster copied onto the
 * cloud cluster, exactly once, by a single writer per group.
 *
 * A read_committed consumer on the source is assigned (manually, no group
 * rebalance) every partition of every selected topic, as the metadata shows
 * them every replicate.topics.refresh.ms; a new topic or partition is picked
 * up at the next look. One transactional producer on the destination
 * (transactional.id bridgelab-replicate-<group>) copies each record to the
 * same partition of the renamed topic — key, value, headers and timestamp
 * as they are, plus a provenance header — and, in the same transaction,
 * the positions the batch reaches into the compacted offsets topic
 * (positions.h). On start (and for each new partition) the positions are
 * read back read_committed and the consumer seeks there; with none stored a
 * partition is read from its beginning. A crash at any moment leaves all of
 * a batch or none of it, so nothing is lost or doubled.
 *
 * Timestamps: a CreateTime record keeps its time as CreateTime; a source
 * record with LogAppendTime gets that time as its CreateTime on the
 * destination (a producer cannot ask for LogAppendTime; the destination
 * topic's own message.timestamp.type decides what readers see). A record
 * whose timestamp is unknown (-1) or 0 is stamped with the time it is
 * copied (librdkafka's "now").
 *
 * Failures: an abortable transaction error aborts, seeks back to the
 * stored positions and replays; a fatal producer error (not fencing) starts
 * a new producer and replays; a second replicator of the same group fences
 * this one (run returns -1, err says so). A cluster that does not answer is
 * waited for, never skipped. SIGTERM (common/shutdown) commits what is in
 * flight and returns 0.
 *
 * The engine knows nothing of argv or stdout: cmd_replicate.c wires it up. */
#ifndef BRIDGELAB_BRIDGE_REPLICATE_H
#define BRIDGELAB_BRIDGE_REPLICATE_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "replicate_settings.h"

struct replicate;

/* What /metrics shows; read at any time from another thread. */
struct replicate_metrics {
    uint64_t records;       /* records copied and committed */
    uint64_t bytes;         /* their keys, values and headers */
    uint64_t transactions;  /* transactions committed */
    uint64_t aborts;        /* transactions aborted (then replayed) */
    uint64_t skipped_loops; /* records not copied: their provenance is the destination */
    int topics;             /* topics replicated now */
    int partitions;         /* partitions assigned */
    int blocked_topics;     /* selected topics that cannot be replicated (see the log) */
    int replicating;        /* 1 while both clusters answer and records flow */
    double latency_p50_ms, latency_p99_ms;
    uint64_t latency_samples; /* in the window the quantiles describe */
    char state[160];
};

/* One partition's lag: the source's end offset minus the replicated position. */
struct replicate_lag {
    char topic[256];
    int32_t partition;
    int64_t lag; /* -1: the end offset is not known yet */
};

/* The confs are copied. */
struct replicate *replicate_new(const struct replicate_settings *settings, const rd_kafka_conf_t *source_conf,
                                const rd_kafka_conf_t *dest_conf, char *err, size_t errlen);
void replicate_free(struct replicate *r);

/* Runs until shutdown is requested, committing what is in flight then;
 * returns 0, or -1 with err (fenced by another replicator of the group, or a
 * setting to fix). */
int replicate_run(struct replicate *r, char *err, size_t errlen);

void replicate_metrics_read(struct replicate *r, struct replicate_metrics *out);
/* Copies at most cap partitions' lags into out; returns how many there are. */
size_t replicate_lag_read(struct replicate *r, struct replicate_lag *out, size_t cap);

#endif
