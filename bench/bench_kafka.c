/* Shared by the replicate benchmark programs: see bench_kafka.h. */
#include "bench_kafka.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "kafka.h"
#include "log.h"

static const char *program = "bench";

void bench_init(const char *name) {
    program = name;
    log_init(name);
    log_set_level(LOG_LEVEL_WARN);
}

rd_kafka_conf_t *bench_conf(const char *const *pairs) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; pairs[i]; i += 2)
        if (pairs[i + 1] && rd_kafka_conf_set(conf, pairs[i], pairs[i + 1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "%s: %s\n", program, err);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    return conf;
}

int bench_partitions(rd_kafka_t *rk, const char *topic) {
    char err[512];
    int n = kafka_partition_count(rk, topic, 10000, err, sizeof err);
    return n > 0 ? n : 0;
}

/* 1 when the cluster lists the topic. All topics are asked for: a producer's
 * metadata request for one unknown topic may have the broker create it. */
static int listed(rd_kafka_t *rk, const char *topic) {
    const struct rd_kafka_metadata *md = NULL;
    int found = 0;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0; /* creating it will say what is wrong */
    for (int i = 0; i < md->topic_cnt && !found; i++)
        found = strcmp(md->topics[i].topic, topic) == 0;
    rd_kafka_metadata_destroy(md);
    return found;
}

int bench_create_topic(rd_kafka_t *rk, const char *bootstrap, const char *topic, int partitions) {
    char err[1024];
    if (listed(rk, topic)) {
        fprintf(stderr, "%s: creating %s: it exists already on %s\n", program, topic, bootstrap);
        return -1;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int rc = rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) == RD_KAFKA_CONF_OK
                 ? kafka_ensure_topic(conf, topic, partitions, -1, NULL, 30000, err, sizeof err)
                 : -1;
    rd_kafka_conf_destroy(conf);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", program, err);
        return -1;
    }
    long long deadline = clock_mono_ms() + 30000;
    while (bench_partitions(rk, topic) < partitions) {
        if (clock_mono_ms() >= deadline) {
            fprintf(stderr, "%s: %s was created but its metadata does not show it\n", program, topic);
            return -1;
        }
        clock_sleep_ms(50);
    }
    return 0;
}
