/* The CDC engine: MySQL binlog row changes into Kafka, exactly once.
 *
 * It reads the binlog from the position last committed to Kafka, decodes
 * every row change of the wanted tables into a Debezium-style event on the
 * table's topic, and commits the events of whole MySQL transactions together
 * with the GTID position they reach — one Kafka transaction, to the data
 * topics and the compacted position topic. A crash at any moment leaves
 * either all of a batch or none of it; the restart reads the position back
 * (read_committed) and goes on from there, so no change is lost or doubled.
 * A failure of either side aborts the open batch and resumes from the last
 * committed position. Without a position it first takes a consistent
 * snapshot (op "r") in one Kafka transaction, then streams from the binlog
 * position of that snapshot. DDL is recorded in a schema-history topic.
 * A database with no tables yet is no error: tables are taken as they are
 * created (their topics at their DDL, their columns from the table map).
 *
 * The engine knows nothing of argv or stdout: cmd_cdc.c wires it up. */
#ifndef BRIDGELAB_BRIDGE_CDC_H
#define BRIDGELAB_BRIDGE_CDC_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "cdc_settings.h"

struct cdc;

/* What /metrics shows; read at any time from another thread. */
struct cdc_metrics {
    uint64_t events;        /* row events committed to Kafka */
    uint64_t transactions;  /* MySQL transactions committed to Kafka */
    uint64_t kafka_commits; /* Kafka transactions committed */
    uint64_t snapshot_rows; /* rows read by snapshots */
    int64_t last_event_ms;  /* binlog time of the last committed change */
    int64_t lag_ms;         /* behind the binlog head, in time (0 when caught up) */
    int64_t lag_bytes;      /* behind the binlog head, in bytes of the same file */
    int streaming;          /* 1 while reading the binlog */
    char last_gtid[1024];   /* the committed position */
    char read_gtid[1024];   /* where the last whole transaction read ends (ahead of last_gtid while in flight) */
    char state[128];        /* "streaming", "snapshot", "waiting for MySQL: ..." */
};

/* password may be NULL. kafka_conf: for the onprem cluster (copied). */
struct cdc *cdc_new(const struct cdc_settings *settings, const char *password, const rd_kafka_conf_t *kafka_conf,
                    char *err, size_t errlen);
void cdc_free(struct cdc *c);

/* Runs until shutdown is requested (common/shutdown), committing what is in
 * flight then; returns 0, or -1 with err on a fatal error (a setting or
 * privilege to fix, fenced by another instance). */
int cdc_run(struct cdc *c, char *err, size_t errlen);

void cdc_metrics_read(struct cdc *c, struct cdc_metrics *out);

#endif
