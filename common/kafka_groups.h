/* Consumer groups through Kafka's Admin API: a group's committed offsets,
 * whether it has active members, and writing offsets into it. What offset
 * translation needs on both clusters; nothing here joins a group. Each call
 * makes a short-lived client from conf (copied). Errors: -1 and one line in
 * err naming the group and what failed. */
#ifndef BRIDGELAB_KAFKA_GROUPS_H
#define BRIDGELAB_KAFKA_GROUPS_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

/* The names of the cluster's consumer groups, in *names (count of them;
 * free each and the array). */
int kafka_groups_list(const rd_kafka_conf_t *conf, char ***names, size_t *count, int timeout_ms, char *err,
                      size_t errlen);

/* Every partition the group has an offset committed for, in *out (free
 * with rd_kafka_topic_partition_list_destroy); an unknown group has none. */
int kafka_group_offsets(const rd_kafka_conf_t *conf, const char *group, rd_kafka_topic_partition_list_t **out,
                        int timeout_ms, char *err, size_t errlen);

/* The group's active members and its state's name ("Empty", "Stable", "Dead"
 * for one that does not exist...). */
int kafka_group_members(const rd_kafka_conf_t *conf, const char *group, int *members, char *state, size_t statelen,
                        int timeout_ms, char *err, size_t errlen);

/* Commits offsets (topic, partition, offset) into the group. The broker
 * refuses a group with active members subscribed to a topic. */
int kafka_group_commit(const rd_kafka_conf_t *conf, const char *group, const rd_kafka_topic_partition_list_t *offsets,
                       int timeout_ms, char *err, size_t errlen);

#endif
