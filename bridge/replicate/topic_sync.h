/* Keeping a destination topic fit to receive its source's records, as
 * Replicator and MirrorMaker 2 do: a missing one is created with the
 * source's partition count and the source configs that matter (those set on
 * the source topic itself among cleanup.policy, retention.*,
 * max.message.bytes, compression.type, min.compaction.lag.ms,
 * delete.retention.ms, segment.bytes) and the replication factor asked; a
 * source that gained partitions is followed (CreatePartitions).
 *
 * Records keep their partition number, so a destination with fewer
 * partitions than its source cannot take them. When replicate made it (it
 * has positions stored for the topic) it adds the partitions; a topic it
 * does not know is someone else's, and gets one line naming both counts and
 * the fix instead — that topic waits, the others go on. */
#ifndef BRIDGELAB_BRIDGE_REPLICATE_TOPIC_SYNC_H
#define BRIDGELAB_BRIDGE_REPLICATE_TOPIC_SYNC_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

enum topic_sync {
    TOPIC_READY,   /* the destination has at least the source's partitions */
    TOPIC_BLOCKED, /* it has fewer and is not ours to change: err says what to do */
    TOPIC_RETRY,   /* creating or growing it failed for now (err): try again later */
};

/* The configs copied from a source topic (NULL-terminated). */
extern const char *const topic_sync_configs[];

/* Makes the destination fit. dest_partitions: its count now (0: missing).
 * ours: replicate has stored positions for the topic. */
enum topic_sync topic_sync_ensure(const rd_kafka_conf_t *source_conf, const rd_kafka_conf_t *dest_conf,
                                  const char *source_topic, int source_partitions, const char *dest_topic,
                                  int dest_partitions, int ours, int replication_factor, char *err, size_t errlen);

/* The one line for a destination that has fewer partitions than its source. */
void topic_sync_too_few(char *err, size_t errlen, const char *source_topic, int source_partitions,
                        const char *dest_topic, int dest_partitions, const char *dest_servers);

#endif
