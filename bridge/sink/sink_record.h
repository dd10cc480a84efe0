/* One Kafka record as the sink sees it, and its row: the value parsed once
 * and flattened the way `bridge cdc --unwrap` flattens (Debezium's
 * ExtractNewRecordState), for the partitioners and formats that look inside
 * values.
 *
 * Flattening: a Debezium envelope (an object with "op" and "after"/"before")
 * becomes the after image (the before image for op "d"), its columns in the
 * image's order, followed by "__op", "__file", "__pos", "__row", "__gtid"
 * and "__source_ts_ms" from the envelope ("add.fields" names; each is there,
 * null when the envelope's "source" lacks it). An envelope whose image is not
 * an object (null) has no row. An object that is not an envelope (an
 * unwrapped row, anything else) is its own row. A value that is not a JSON
 * object (a tombstone, an array, a scalar, no JSON) has no row.
 *
 * Values keep what they were: strings may hold NUL ("\u0000": use
 * json_string_length), integers in int64's range are json integers, reals
 * json reals (sink_value_text writes them in the shortest form that reads
 * back as the same double: "2.50" gives 2.5, "1e3" 1000.0). A number jansson
 * cannot hold (an integer beyond int64, such as a BIGINT UNSIGNED past
 * 2^63-1, or a real beyond double) becomes a string of its exact text, so
 * that a CSV field or a folder name keeps its very digits. */
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
    const char *columns; /* the "bridgelab.columns" header (row_schema.h), or NULL */
    size_t columns_len;
    /* Filled by sink_record_row on first use: */
    int row_parsed;
    json_t *row; /* a flat JSON object, or NULL when the value has none */
};

/* The record's flat row (parsed and flattened on first call), or NULL. */
json_t *sink_record_row(struct sink_record *r);
/* Frees the parsed row; the record's bytes stay the caller's. */
void sink_record_release(struct sink_record *r);

struct json_writer;

/* A row value's text, as a CSV field and a field partitioner's folder hold
 * it: a string's own bytes, numbers and booleans as JSON writes them
 * (json_writer.h: "-7", "2.5", "1000.0", "true"), objects and arrays as
 * compact JSON. Returns 1 with *text and *len (text built in scratch lives
 * until scratch's next use), 0 for null (or value NULL), -1 when scratch
 * runs out of memory. */
int sink_value_text(const json_t *value, struct json_writer *scratch, const char **text, size_t *len);

#endif
