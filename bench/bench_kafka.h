/* What the replicate benchmark programs (replicate-ceiling, replicate-load)
 * share around common/kafka: a conf from name/value pairs, a topic's
 * partition count, creating the topic a run writes. Errors go to stderr as
 * "PROGRAM: what failed", PROGRAM as given to bench_init. */
#ifndef BRIDGELAB_BENCH_KAFKA_H
#define BRIDGELAB_BENCH_KAFKA_H

#include <librdkafka/rdkafka.h>

/* Names the program in messages; common/log (kafka_ensure_topic) says only
 * warnings and errors, so a run's stderr holds the program's own lines. */
void bench_init(const char *program);

/* A conf of NULL-terminated name/value pairs (a pair whose value is NULL is
 * left out), or NULL (said why). */
rd_kafka_conf_t *bench_conf(const char *const *pairs);

/* The topic's partition count on rk's cluster; 0 when it is not there (or
 * the cluster did not say in 10 s). */
int bench_partitions(rd_kafka_t *rk, const char *topic);

/* Creates topic on the cluster at bootstrap with partitions (the cluster's
 * replication factor) and waits until rk's metadata shows them. The topic
 * must not exist: that is an error too. 0, or -1 (said why). */
int bench_create_topic(rd_kafka_t *rk, const char *bootstrap, const char *topic, int partitions);

#endif
