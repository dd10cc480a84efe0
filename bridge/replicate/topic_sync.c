/* Creating and growing destination topics: see topic_sync.h. */
#include "topic_sync.h"

#include <stdio.h>
#include <string.h>

#include "kafka.h"
#include "log.h"

#define ADMIN_TIMEOUT_MS 30000

const char *const topic_sync_configs[] = {"cleanup.policy",      "retention.ms",     "retention.bytes",
                                          "max.message.bytes",   "compression.type", "min.compaction.lag.ms",
                                          "delete.retention.ms", "segment.bytes",    NULL};

void topic_sync_too_few(char *err, size_t errlen, const char *source_topic, int source_partitions,
                        const char *dest_topic, int dest_partitions, const char *dest_servers) {
    snprintf(err, errlen,
             "topic %s: the destination topic %s has %d partition%s, the source has %d: records keep their "
             "partition, so it is not replicated; fix it on the cloud cluster with kafka-topics "
             "--bootstrap-server %s --alter --topic %s --partitions %d",
             source_topic, dest_topic, dest_partitions, dest_partitions == 1 ? "" : "s", source_partitions,
             dest_servers, dest_topic, source_partitions);
}

static void servers(const rd_kafka_conf_t *conf, char *buf, size_t len) {
    size_t n = len;
    if (rd_kafka_conf_get(conf, "bootstrap.servers", buf, &n) != RD_KAFKA_CONF_OK)
        snprintf(buf, len, "?");
}

enum topic_sync topic_sync_ensure(const rd_kafka_conf_t *source_conf, const rd_kafka_conf_t *dest_conf,
                                  const char *source_topic, int source_partitions, const char *dest_topic,
                                  int dest_partitions, int ours, int replication_factor, char *err, size_t errlen) {
    if (dest_partitions >= source_partitions)
        return TOPIC_READY;
    if (dest_partitions > 0) {
        if (!ours) {
            char where[256];
            servers(dest_conf, where, sizeof where);
            topic_sync_too_few(err, errlen, source_topic, source_partitions, dest_topic, dest_partitions, where);
            return TOPIC_BLOCKED;
        }
        log_info("topic %s grew from %d to %d partitions: adding them to %s", source_topic, dest_partitions,
                 source_partitions, dest_topic);
        return kafka_create_partitions(dest_conf, dest_topic, source_partitions, ADMIN_TIMEOUT_MS, err, errlen) == 0
                   ? TOPIC_READY
                   : TOPIC_RETRY;
    }
    char **configs = NULL;
    if (kafka_topic_configs_set(source_conf, source_topic, topic_sync_configs, &configs, ADMIN_TIMEOUT_MS, err,
                                errlen) != 0)
        return TOPIC_RETRY;
    char copied[512] = "";
    for (size_t i = 0, used = 0; configs[i] && used < sizeof copied; i += 2) {
        int n = snprintf(copied + used, sizeof copied - used, "%s%s=%s", used ? ", " : "", configs[i], configs[i + 1]);
        used += n > 0 ? (size_t)n : 0;
    }
    int rc = kafka_ensure_topic(dest_conf, dest_topic, source_partitions, replication_factor,
                                (const char *const *)configs, ADMIN_TIMEOUT_MS, err, errlen);
    kafka_configs_free(configs);
    if (rc != 0)
        return TOPIC_RETRY;
    log_info("destination topic %s: %d partitions like %s%s%s", dest_topic, source_partitions, source_topic,
             copied[0] ? ", its configs " : "", copied);
    return TOPIC_READY;
}
