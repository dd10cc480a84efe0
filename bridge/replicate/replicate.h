/* The replication engine: topics of the onprem cluster copied onto the
 * cloud cluster, exactly once, by one or several replicators of a group.
 *
 * Slots. Every source partition belongs to one of the group's
 * replicate.slots slots (replicate_slot_of: (FNV-1a(topic) + partition) mod
 * slots). The replicators of a group share the slots through Kafka's group
 * protocol on the source: each one is a member of consumer group
 * <group> subscribed to _bridgelab_replicate_slots.<group>, a topic with one
 * partition per slot that replicate creates and never writes; the
 * cooperative-sticky assignor hands its partitions, i.e. the slots, to the
 * live members. Slot k is written through a transactional producer of its
 * own, transactional.id bridgelab-replicate-<group>-<k>.
 *
 * Gaining a slot: init_transactions with the slot's id — which fences a
 * former owner still alive (a zombie, paused past its session timeout) and
 * ends its open transaction — then the positions are read back
 * read_committed (after the fencing: whatever it committed is seen), then
 * the slot's partitions are assigned on the data consumer (a read_committed
 * consumer, assigned by hand) at those positions. Losing a slot (between
 * batches: nothing is in flight) drops its producer. A zombie that wakes up
 * finds its producer fenced at its next write or commit: that slot's
 * transaction fails, nothing of it becomes visible, the slot is dropped and
 * not taken back until the group assigns it anew; the process goes on with
 * the slots it still owns and rejoins the group. The source consumer group
 * cannot fence the destination producer: only the slot's transactional id
 * does, so exactly-once holds whatever the group believes.
 *
 * Records. Each record goes to the same partition of the renamed topic —
 * key, value, headers and timestamp as they are, plus a provenance header —
 * in its slot's transaction, which also carries the positions its batch
 * reaches into the compacted offsets topic (positions.h). A batch closes on
 * size or time (batch_rule.h): one commit per slot with something in it. A
 * crash at any moment leaves all of a slot's batch or none of it, so
 * nothing is lost or doubled. Topics and partitions are looked up every
 * replicate.topics.refresh.ms; a new topic or partition is picked up then.
 *
 * Timestamps: a CreateTime record keeps its time as CreateTime; a source
 * record with LogAppendTime gets that time as its CreateTime on the
 * destination (a producer cannot ask for LogAppendTime; the destination
 * topic's own message.timestamp.type decides what readers see). A record
 * whose timestamp is unknown (-1) or 0 is stamped with the time it is
 * copied (librdkafka's "now").
 *
 * Failures: an abortable transaction error aborts the batch's open
 * transactions, seeks back to the stored positions and replays; a fatal
 * producer error (not fencing) replaces that slot's producer and replays;
 * fencing drops the slot. A stored position out of the source's range (a
 * topic deleted and made again, or retention faster than replication) is
 * said in one line, and that partition starts over from its beginning. A
 * cluster that does not answer is waited for, never skipped. SIGTERM
 * (common/shutdown) commits what is in flight, leaves the group (the others
 * take the slots at once) and returns 0.
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
    int partitions;         /* partitions assigned: those of the owned slots */
    int slots;              /* the group's slots (replicate.slots) */
    int slots_owned;        /* written by this replicator now */
    uint64_t rebalances;    /* of the group's slots, as this replicator saw them */
    uint64_t fenced;        /* slots dropped because another replicator took their transactional id */
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
 * returns 0, or -1 with err (a setting to fix, e.g. replicators of the group
 * that disagree on replicate.slots). */
int replicate_run(struct replicate *r, char *err, size_t errlen);

void replicate_metrics_read(struct replicate *r, struct replicate_metrics *out);
/* Copies at most cap partitions' lags into out; returns how many there are. */
size_t replicate_lag_read(struct replicate *r, struct replicate_lag *out, size_t cap);

#endif
