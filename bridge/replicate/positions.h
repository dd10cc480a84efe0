/* The replicated positions: what replicate stores, per source partition, in
 * the compacted offsets topic on the destination cluster, in the same
 * transaction as the records they cover (the KIP-618 pattern).
 *
 *   key    <group>|<source topic>|<partition>
 *   value  {"source_next":N,"dest_next":M}
 *
 * source_next is the consumer's position after the batch (the next source
 * offset to read: it has passed control markers and aborted records, so a
 * caught-up partition's position is its end offset); dest_next is the
 * destination offset after the batch's last record of that partition (-1
 * while nothing was copied), which makes exact offset translation possible
 * at batch boundaries. An idle replicator commits a heartbeat now and then
 * (key <group>, value {"heartbeat_ms":...}): that commit is how a replicator
 * fenced by another one of its group learns it. A group's positions are read back read_committed into
 * a store (positions_store) before the partitions are assigned. */
#ifndef BRIDGELAB_BRIDGE_REPLICATE_POSITIONS_H
#define BRIDGELAB_BRIDGE_REPLICATE_POSITIONS_H

#include <stddef.h>
#include <stdint.h>

/* The record's key; its length, or -1 when it does not fit. */
int positions_key(char *out, size_t outlen, const char *group, const char *topic, int32_t partition);
/* Splits a key of group (not NUL-terminated); 0 with topic and partition,
 * 1 when it is not a position of the group (another group's, or the
 * group's heartbeat, whose key is the group alone), -1 when malformed. */
int positions_parse_key(const void *key, size_t len, const char *group, char *topic, size_t topiclen,
                        int32_t *partition);

/* The record's value; its length, or -1 when it does not fit. */
int positions_value(char *out, size_t outlen, int64_t source_next, int64_t dest_next);
/* Parses a value; 0, or -1 when malformed. */
int positions_parse_value(const void *value, size_t len, int64_t *source_next, int64_t *dest_next);

/* The stored positions of one group, by source topic and partition. */
struct positions_store;

struct positions_store *positions_store_new(void);
void positions_store_free(struct positions_store *s);
/* Sets (or, with source_next < 0, removes: a tombstone) one position; 0 or -1 out of memory. */
int positions_store_put(struct positions_store *s, const char *topic, int32_t partition, int64_t source_next,
                        int64_t dest_next);
/* 1 with the position found, 0 when none is stored. */
int positions_store_get(const struct positions_store *s, const char *topic, int32_t partition, int64_t *source_next,
                        int64_t *dest_next);
/* True when some partition of topic has a stored position. */
int positions_store_has_topic(const struct positions_store *s, const char *topic);
size_t positions_store_count(const struct positions_store *s);

#endif
