/* One Kafka record as the sink sees it, and its row: the value parsed once
 * and flattened the way `bridge cdc --unwrap` flattens (Debezium's
 * ExtractNewRecordState), for the partitioners and formats that look inside
 * values.
 *
 * Flattening: a Debezium envelope (an object with "op" and "after"/"before")
 * becomes the after image (the before image for op "d"), its columns in the
 * image's order, followed by "__op", "__file", "__pos", "__row", "__gtid"
 * and "__source_ts_ms" from the envelope ("add.fields" names). An object that
 * is not an envelope (an unwrapped row, anything else) is its own row. A
 * value that is not a JSON object has no row. */
#ifndef BRIDGELAB_BRIDGE_SINK_RECORD_H
#define BRIDGELAB_BRIDGE_SINK_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct sink_record {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms; /* the record's timestamp (CreateTime or LogAppendTime) */
    const void *key;      /* may be NULL */
    size_t key_len;
    const void *value; /* NULL: a tombstone */
    size_t value_len;
    /* Filled by sink_record_row on first use: */
    int row_parsed;
    json_t *row; /* a flat JSON object, or NULL when the value has none */
};

/* The record's flat row (parsed and flattened on first call), or NULL. */
json_t *sink_record_row(struct sink_record *r);
/* Frees the parsed row; the record's bytes stay the caller's. */
void sink_record_release(struct sink_record *r);

#endif
