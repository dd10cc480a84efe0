/* The lake's Delta Lake tables: one per topic, at <topics.dir>/<topic>/,
 * its log in _delta_log/ beside the topic's Parquet files. The sink adds
 * each flush's files in one commit, and the commit holds the sink's
 * position: a `txn` action whose appId names the Kafka partition
 * ("bridgelab-sink:<topic>:<partition>") and whose version is the last
 * offset the table holds for it. Readers (Spark, Synapse, Power BI,
 * delta-rs, duckdb) see whole flushes only, never a file twice.
 *
 * Exactly once: commit N is created only if absent (the storage client's
 * conditional create), so two writers cannot both take a version; the
 * loser reads the log again and commits at the next version, unless the
 * log already holds its partition's records that far (a rival or a zombie
 * committed the same flush: nothing to do). The sink resumes where the log
 * says (delta_log_position), and writes again, as they were, the files of
 * a flush it uploaded but did not commit.
 *
 * The table: protocol reader 1 / writer 2; not partitioned (the files'
 * folders are the sink's partitioner's and mean nothing to the table);
 * every column nullable, so that a column added by a DDL reads as null in
 * the older files. A file whose columns the table lacks adds them in its
 * commit (a metaData action with the same table id). Types: boolean,
 * integer, long, float, double, decimal(P,S) (uint64 as decimal(20,0)),
 * string (time too), binary, date, timestamp. Delta's decimals hold 38
 * digits at most: a wider DECIMAL (MySQL's go to 65) is a string, its text,
 * in the table and in its files.
 *
 * Checkpoints: after every `checkpoint_interval` commits the table's state
 * (protocol, metaData, txn and add actions) is written as a Parquet
 * checkpoint (N.checkpoint.parquet) and _last_checkpoint points at it, so
 * reading the log costs one checkpoint and the commits after it.
 *
 * Not thread-safe: one per thread, each with its own storage. */
#ifndef BRIDGELAB_BRIDGE_SINK_DELTA_LOG_H
#define BRIDGELAB_BRIDGE_SINK_DELTA_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "row_schema.h"
#include "storage.h"

#define DELTA_DECIMAL_PRECISION_MAX 38

struct delta_log;

struct delta_log *delta_log_new(struct storage *lake, const char *topics_dir, int checkpoint_interval);
void delta_log_free(struct delta_log *d);

/* Reads the topic's log up to its newest commit and gives in *end the
 * offset after the last one the table holds for the partition (-1: none,
 * or no table yet). STORAGE_OK, or a status with err. */
enum storage_status delta_log_position(struct delta_log *d, const char *topic, int32_t partition, int64_t *end,
                                       char *err, size_t errlen);

/* One file of a flush: its lake name (as the storage names it), size,
 * records and columns. */
struct delta_file {
    const char *name;
    size_t size;
    long long records;
    const struct row_schema *schema;
};

enum delta_commit {
    DELTA_COMMITTED, /* a new version holds the files */
    DELTA_HELD,      /* the log held the partition's records up to flush_end already */
    DELTA_FAILED,    /* err says why (the storage's status in *status) */
};

/* Commits the files of the flush of topic/partition that ends at flush_end
 * (the offset after its last record). */
enum delta_commit delta_log_commit(struct delta_log *d, const char *topic, int32_t partition, int64_t flush_end,
                                   const struct delta_file *files, int count, enum storage_status *status, char *err,
                                   size_t errlen);

#endif
