/* Kafka helpers for the exactly-once stages (cdc, replicate), on librdkafka.
 *
 * - Configuration: a librdkafka conf for the "onprem" or "cloud" cluster from
 *   the properties (`<cluster>.bootstrap.servers`, any `<cluster>.kafka.<prop>`
 *   passed through, secrets from `<cluster>.kafka.<secret>.file`), logging
 *   through common/log.
 * - A transactional producer whose calls answer one of four outcomes, the
 *   distinction librdkafka's examples/transactions.c makes: done, aborted
 *   (the caller replays from its last committed position), fatal (fenced or
 *   misconfigured: the producer is done for), or timed out (init only).
 * - Reading a committed position back (the last value of one key, as a
 *   read_committed consumer sees it, or every record of a topic), creating
 *   topics, counting and adding partitions, reading the configs set on a
 *   topic, and waiting for a cluster to answer.
 * - A read_committed consumer for the stages that read Kafka (replicate).
 *
 * Functions that take a `const rd_kafka_conf_t *` copy it: one conf per
 * cluster serves every call. Errors are one line in err, naming what failed
 * and what to do. */
#ifndef BRIDGELAB_KAFKA_H
#define BRIDGELAB_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "columns_header.h"
#include "config.h"

/* onprem.bootstrap.servers, onprem.kafka.*, cloud.bootstrap.servers, cloud.kafka.* */
extern const struct config_key kafka_keys[];

/* A conf for cluster "onprem" or "cloud": bootstrap.servers, then every
 * `<cluster>.kafka.<prop>` in the order given; `<cluster>.kafka.sasl.password.file`
 * (and the same for ssl.key.password, ssl.keystore.password,
 * sasl.oauthbearer.client.secret) reads the secret from that file. Logs and
 * client errors go to common/log. Returns NULL with err set on a bad value;
 * free with rd_kafka_conf_destroy(). */
rd_kafka_conf_t *kafka_conf_new(const struct config *cfg, const char *cluster, char *err, size_t errlen);

/* The cluster ("onprem" or "cloud") whose bootstrap.servers are servers, as
 * kafka_conf_new made them; NULL when none was made with them. */
const char *kafka_cluster_of(const char *servers);

/* One line for an error only the user can fix, or 0 when code is not one:
 * an authentication failure names the cluster and the properties to check
 * ("cloud cluster: authentication failed (cloud.kafka.sasl.username /
 * sasl.password.file): <broker's text>"); a missing ACL names the operation
 * and the resource ("... not authorized: WRITE on transactional id X ...").
 * cluster NULL: "Kafka"; operation and resource NULL when not known; detail
 * is the broker's or librdkafka's text (may be NULL). Returns 1 with the
 * line in out. */
int kafka_access_error(const char *cluster, rd_kafka_resp_err_t code, const char *operation, const char *resource,
                       const char *detail, char *out, size_t outlen);

/* Blocks until the cluster answers a metadata request, logging "Kafka
 * unreachable at X: ...: retrying" while it does not. timeout_ms < 0 waits
 * until shutdown is requested (common/shutdown). An authentication or TLS
 * failure ends the wait at once (kafka_access_error's line). Returns 0, or
 * -1 with err. */
int kafka_wait_ready(const rd_kafka_conf_t *conf, int timeout_ms, char *err, size_t errlen);

/* ---------------------------------------------------- transactional producer */

enum kafka_txn {
    KAFKA_TXN_OK = 0,
    KAFKA_TXN_ABORTED, /* the transaction was aborted: begin again and replay from the last committed position */
    KAFKA_TXN_FATAL,   /* the producer cannot go on (fenced, misconfigured): free it; err says why */
    KAFKA_TXN_TIMEOUT, /* kafka_producer_init only: the coordinator did not answer in time; call again */
};

struct kafka_producer;

/* An exactly-once producer: transactional.id, enable.idempotence=true and
 * acks=all are set; unless the conf sets them otherwise, linger.ms=10, lz4
 * compression and the murmur2_random partitioner (keys land where Java
 * clients put them). stage names the program in errors ("cdc"). Returns NULL
 * with err set. */
struct kafka_producer *kafka_producer_new(const rd_kafka_conf_t *conf, const char *stage, const char *transactional_id,
                                          char *err, size_t errlen);
/* Frees the producer; a transaction still open is aborted first. */
void kafka_producer_free(struct kafka_producer *p);
/* The librdkafka handle (for metadata or statistics; do not produce on it). */
rd_kafka_t *kafka_producer_handle(struct kafka_producer *p);

/* Fences any earlier producer with the same transactional.id and completes
 * its transaction. Retries while the coordinator is not ready, for up to
 * timeout_ms (< 0: until shutdown is requested). OK, TIMEOUT or FATAL
 * ("another cdc with transactional id X is running"). */
enum kafka_txn kafka_producer_init(struct kafka_producer *p, int timeout_ms, char *err, size_t errlen);
/* OK or FATAL. */
enum kafka_txn kafka_producer_begin(struct kafka_producer *p, char *err, size_t errlen);

/* Adds one record to the transaction. The data are copied; value NULL is a
 * tombstone; headers (may be NULL) are copied and stay the caller's. Waits
 * while the local queue is full. OK; ABORTED when the transaction failed
 * (a delivery failed, or librdkafka refused the record), in which case it has
 * already been aborted; FATAL. */
enum kafka_txn kafka_producer_produce(struct kafka_producer *p, const char *topic, const void *key, size_t key_len,
                                      const void *value, size_t value_len, const rd_kafka_headers_t *headers, char *err,
                                      size_t errlen);
/* The same without copying the value, for records kept in memory of the
 * caller's until the transaction ends: the value must stay unchanged until
 * kafka_producer_commit or kafka_producer_abort has returned, or the
 * producer is freed (every record is delivered or dropped by then).
 * columns (NULL: none) becomes the record's "bridgelab.columns" header: the
 * types of the row's columns for the lake's typed formats
 * (bridge/sink/row_schema.h). */
enum kafka_txn kafka_producer_produce_borrowed(struct kafka_producer *p, const char *topic, const char *columns,
                                               const void *key, size_t key_len, const void *value, size_t value_len,
                                               char *err, size_t errlen);
/* The same to one partition (RD_KAFKA_PARTITION_UA: by key) with a timestamp
 * (0: now), for copying records as they are. */
enum kafka_txn kafka_producer_produce_to(struct kafka_producer *p, const char *topic, int32_t partition,
                                         int64_t timestamp_ms, const void *key, size_t key_len, const void *value,
                                         size_t value_len, const rd_kafka_headers_t *headers, char *err, size_t errlen);

/* A header list holding columns as "bridgelab.columns", or NULL when
 * columns is NULL (for kafka_producer_produce). */
rd_kafka_headers_t *kafka_columns_header(const char *columns);

/* A record copied as it is (replicate): to one partition, with its
 * timestamp (0: now) as CreateTime. headers (may be NULL) are handed over:
 * the producer owns them from the call on, whatever it answers. opaque comes
 * back to the delivery hook. Answers as kafka_producer_produce. */
enum kafka_txn kafka_producer_copy(struct kafka_producer *p, const char *topic, int32_t partition, int64_t timestamp_ms,
                                   const void *key, size_t key_len, const void *value, size_t value_len,
                                   rd_kafka_headers_t *headers, void *opaque, char *err, size_t errlen);

/* Called for every record delivered (on the thread that produces, flushes or
 * commits), with the record as the cluster took it: its partition, offset,
 * timestamp and the opaque given to kafka_producer_copy (m->_private). */
typedef void (*kafka_delivery_fn)(const rd_kafka_message_t *m, void *ctx);
void kafka_producer_on_delivery(struct kafka_producer *p, kafka_delivery_fn fn, void *ctx);

/* Waits until every record of the open transaction is delivered (each one's
 * delivery hook has run), e.g. to write where they landed in the same
 * transaction. OK; ABORTED when a record failed (the transaction is aborted);
 * FATAL. */
enum kafka_txn kafka_producer_flush(struct kafka_producer *p, char *err, size_t errlen);

/* True when the producer's fatal error is that another producer with its
 * transactional id fenced it. */
int kafka_producer_fenced(struct kafka_producer *p);

/* Delivers every record and commits. Retriable errors are retried; OK when
 * the records and the position written with them are committed; ABORTED when
 * the transaction failed and was aborted (nothing of it is visible to
 * read_committed consumers); FATAL. */
enum kafka_txn kafka_producer_commit(struct kafka_producer *p, char *err, size_t errlen);
/* Aborts the transaction (nothing of it becomes visible). OK or FATAL. */
enum kafka_txn kafka_producer_abort(struct kafka_producer *p, char *err, size_t errlen);

/* Reads the partitions of every topic of the cluster now, so that the first
 * records to a topic do not wait for librdkafka's periodic lookup of topics
 * it does not know (up to a second, holding back the whole transaction).
 * Returns 0, or -1 with err. */
int kafka_producer_learn_topics(struct kafka_producer *p, int timeout_ms, char *err, size_t errlen);

/* True between a successful begin and the end of its commit or abort (a
 * failed call that aborted the transaction, or a fatal error, ends it). */
int kafka_producer_in_transaction(const struct kafka_producer *p);

/* Records delivered to the cluster so far (committed or not); for metrics. */
uint64_t kafka_producer_delivered(const struct kafka_producer *p);

/* ------------------------------------------------------------ reading back */

#define KAFKA_NOT_FOUND 1

/* The last value of key in topic as a read_committed consumer sees it now:
 * every partition is read from its start to its last stable offset. A stage
 * reads its position after kafka_producer_init, which ends a transaction a
 * crashed predecessor left open (that would hold the last stable offset
 * back until it timed out). timeout_ms < 0: 30 s. Returns
 * 0 with a malloc'd, NUL-terminated copy in *value (its length in *value_len
 * if not NULL; free it); KAFKA_NOT_FOUND when the topic, or the key, is
 * missing or its last record is a tombstone; -1 with err on a failure or when
 * timeout_ms passes. */
int kafka_read_last(const rd_kafka_conf_t *conf, const char *topic, const char *key, char **value, size_t *value_len,
                    int timeout_ms, char *err, size_t errlen);

/* Calls fn for every record of topic (every partition, from its start to its
 * last stable offset, read_committed); fn returns 0 to go on. Returns 0,
 * KAFKA_NOT_FOUND when the topic is missing, -1 with err (a failure, fn's
 * refusal, or timeout_ms passing; < 0: 30 s). */
typedef int (*kafka_record_fn)(const rd_kafka_message_t *m, void *ctx);
int kafka_read_each(const rd_kafka_conf_t *conf, const char *topic, kafka_record_fn fn, void *ctx, int timeout_ms,
                    char *err, size_t errlen);

/* ---------------------------------------------------------------- consumer */

/* A consumer for a stage that reads Kafka: isolation.level=read_committed,
 * no automatic commit or offset store (the stage keeps its own positions),
 * auto.offset.reset=earliest, group.id as given (partitions are assigned by
 * the caller), the consumer queue served by rd_kafka_consumer_poll. Any other
 * property of conf passes through. Returns NULL with err; close with
 * rd_kafka_consumer_close, then rd_kafka_destroy. */
rd_kafka_t *kafka_consumer_new(const rd_kafka_conf_t *conf, const char *group_id, char *err, size_t errlen);
/* Sets name=value in conf unless the user chose another value than
 * librdkafka's default there (a stage's own default for a property). 0, or
 * -1 with err when librdkafka refuses the value. */
int kafka_conf_default(rd_kafka_conf_t *conf, const char *name, const char *value, char *err, size_t errlen);
/* The same with more properties set last ("name", "value", ..., NULL), e.g.
 * "auto.offset.reset", "error" to hear of a position out of range instead of
 * being moved silently. */
rd_kafka_t *kafka_consumer_new_with(const rd_kafka_conf_t *conf, const char *group_id, const char *const *extra,
                                    char *err, size_t errlen);

/* ------------------------------------------------------------------ topics */

/* Creates the topic unless it exists (that is success too). configs is NULL
 * or "name", "value", ..., NULL (e.g. "cleanup.policy", "compact").
 * partitions and replication_factor -1: the cluster's defaults. When the
 * topic exists with other partitions or configs than asked, that is logged
 * as a warning, not changed; when the client may not create topics, a topic
 * that exists is success. Returns 0, or -1 with err. */
int kafka_ensure_topic(const rd_kafka_conf_t *conf, const char *topic, int partitions, int replication_factor,
                       const char *const *configs, int timeout_ms, char *err, size_t errlen);
/* The same for count topics in one request. */
int kafka_ensure_topics(const rd_kafka_conf_t *conf, const char *const *topics, int count, int partitions,
                        int replication_factor, const char *const *configs, int timeout_ms, char *err, size_t errlen);

/* The value of one config of a topic as the cluster reports it (DescribeConfigs).
 * Returns 0 with it in value, or -1 with err. */
int kafka_topic_config(const rd_kafka_conf_t *conf, const char *topic, const char *name, char *value, size_t value_len,
                       int timeout_ms, char *err, size_t errlen);

/* The configs among names (NULL-terminated) set on the topic itself (not
 * cluster or broker defaults), as "name", "value", ..., NULL in *pairs
 * (malloc'd; free with kafka_configs_free). Returns 0, or -1 with err. */
int kafka_topic_configs_set(const rd_kafka_conf_t *conf, const char *topic, const char *const *names, char ***pairs,
                            int timeout_ms, char *err, size_t errlen);
void kafka_configs_free(char **pairs);

/* The partition count of topic as rk's cluster reports it now (a metadata
 * request on rk, which also tells rk the topic's partitions); 0 when the
 * topic does not exist. A transient error (e.g. a leader being elected) is
 * retried for up to timeout_ms (< 0: 30 s). Returns the count, 0, or -1 with
 * err. */
int kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms, char *err, size_t errlen);

/* Raises the topic's partition count to total (CreatePartitions); waits
 * until the new partitions have leaders. Returns 0, or -1 with err. */
int kafka_create_partitions(const rd_kafka_conf_t *conf, const char *topic, int total, int timeout_ms, char *err,
                            size_t errlen);

#endif
