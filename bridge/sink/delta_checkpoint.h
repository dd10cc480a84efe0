/* A Delta Lake checkpoint as Parquet: the table's state at one version in
 * the classic checkpoint schema (one row per action, the columns txn, add,
 * remove, metaData and protocol, each a struct of which a row fills one),
 * so that readers (delta-rs, Spark, Synapse, Power BI) start from it rather
 * than from every commit. The tables the sink writes are not partitioned
 * and have no options, so maps and lists are always empty; the protocol is
 * reader 1 / writer 2. Built in memory; no storage here. */
#ifndef BRIDGELAB_BRIDGE_SINK_DELTA_CHECKPOINT_H
#define BRIDGELAB_BRIDGE_SINK_DELTA_CHECKPOINT_H

#include <stddef.h>

struct delta_checkpoint_txn {
    const char *app_id;
    long long version, last_updated;
};

struct delta_checkpoint_add {
    const char *path;
    long long size, modification_time, records;
};

struct delta_checkpoint {
    const char *table_id;      /* metaData.id */
    const char *schema_string; /* metaData.schemaString */
    long long created_time;
    const struct delta_checkpoint_txn *txns;
    size_t txn_count;
    const struct delta_checkpoint_add *adds;
    size_t add_count;
};

/* The checkpoint's Parquet bytes (malloc'd, *len long), or NULL when
 * memory runs out. */
char *delta_checkpoint_encode(const struct delta_checkpoint *c, size_t *len);

#endif
