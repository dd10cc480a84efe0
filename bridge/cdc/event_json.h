/* The JSON of a CDC event: a row change as a Kafka key and value, in the
 * form Debezium's MySQL connector gives with the JSON converter and
 * schemas.enable=false.
 *
 * Key: the primary key's columns, in key order: {"id":42}. A table without
 * a primary key has no key: the caller sends a null key.
 *
 * Value, the envelope (Debezium 3's fields, in its order):
 *   {"before":{...}|null,"after":{...}|null,
 *    "source":{"version":"bridgelab-0.1","connector":"mysql","name":..,
 *              "ts_ms":..,"snapshot":"false"|"true"|"last","db":..,
 *              "sequence":null,"ts_us":..,"ts_ns":..,"table":..,
 *              "server_id":..,"gtid":..|null,"file":..,"pos":..,"row":..,
 *              "thread":null,"query":null},
 *    "op":"c"|"u"|"d"|"r","ts_ms":..,"ts_us":..,"ts_ns":..,
 *    "transaction":null}
 * "before" is written for updates and deletes, "after" for inserts,
 * updates and snapshot reads; the other is null. Each ts_ms, ts_us, ts_ns
 * triple is one instant in three units (ms and us rounded down, as Java's
 * Instant does): in source, when the change happened (a binlog event's
 * time has whole seconds, so there ts_us = ts_ms * 1000); at the top, when
 * the event was made.
 *
 * Value, unwrapped (--unwrap: ExtractNewRecordState, then InsertField, as
 * in the workshop's transform chain): the row's after image as a flat
 * object plus "sourcedc":"<dc>" (a column of that name gives way to it, as
 * InsertField overwrites). A delete has no unwrapped value: the caller
 * sends only its tombstone (the transform's delete.handling.mode=drop).
 *
 * Tombstones: after a delete's event, the caller sends the same key with a
 * null value so that compacted topics forget the row; nothing here writes
 * one. An update that changes the primary key is, in Debezium, a delete
 * (and tombstone) under the old key and a create under the new one; the
 * caller splits it (event_json_key_changed() tells when).
 *
 * Column values:
 *   NULL                          null
 *   VALUE_ABSENT (minimal image)  the column is left out of the object
 *   signed and unsigned integers  numbers, exact (a uint64 above 2^53 too)
 *   FLOAT, DOUBLE                 numbers in their shortest round-trip form
 *                                 (FLOAT columns as floats: 1.1, not
 *                                 1.100000023841858); NaN, Inf: null
 *   DECIMAL                       exact strings: "-12.50"
 *   strings, ENUM, SET            strings (invalid UTF-8 becomes U+FFFD)
 *   JSON                          strings holding the JSON text, like
 *                                 Debezium's io.debezium.data.Json
 *   bytes (BINARY, BLOB, BIT(n>1)) base64 strings
 *   BIT(1)                        true or false
 *   DATE                          "YYYY-MM-DD"
 *   TIME                          "[-]HH:MM:SS[.ffffff]", hours up to 838
 *   DATETIME, TIMESTAMP           "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", UTC
 * Fractions of a second carry as many digits as the microseconds need,
 * trailing zeros dropped (".5", ".000001", none for whole seconds), like
 * Debezium's ZonedTimestamp; the column's declared precision plays no part.
 * Zero dates (a zero month or day: 0000-00-00, 2024-00-10), zero
 * datetimes and the zero TIMESTAMP (epoch 0) are null, as are fields out of
 * range (which a correct decoder never gives). Debezium gives null for them
 * in nullable columns (the epoch in NOT NULL ones); here always null.
 * Text is expected in UTF-8 (producers convert other character sets);
 * DECIMAL text is copied as given. Whatever the bytes, the output is valid
 * JSON. */
#ifndef BRIDGELAB_BRIDGE_EVENT_JSON_H
#define BRIDGELAB_BRIDGE_EVENT_JSON_H

#include <stdint.h>

#include "json_writer.h"
#include "row.h"

#define EVENT_JSON_VERSION "bridgelab-0.1"

enum event_snapshot { EVENT_SNAPSHOT_FALSE, EVENT_SNAPSHOT_TRUE, EVENT_SNAPSHOT_LAST };

/* The envelope's "source", less db and table (taken from the change's
 * table). NULL strings: gtid becomes null, the others "". */
struct event_source {
    const char *server_name; /* the logical server name (the topic prefix): "dc01" */
    int64_t ts_ns;           /* when the change happened, ns since the epoch (a binlog event's: whole seconds) */
    enum event_snapshot snapshot;
    uint32_t server_id; /* the MySQL server that wrote the change */
    const char *gtid;   /* its transaction's GTID, or NULL */
    const char *file;   /* binlog file and position of the change's event */
    uint64_t pos;
    int row; /* the row's index within its rows event */
};

/* Each call writes one document into w, replacing what w held. They return
 * 1 when w holds the document, 0 when there is none to send (see each),
 * and -1 if memory ran short (w is then left in an error state until its
 * next reset). */

/* The key. 0: the table has no primary key (send a null key). Each key
 * column comes from the after image, or the before image where the after
 * image lacks it (deletes, minimal images); one missing from both is left
 * out. */
int event_json_key(struct json_writer *w, const struct row_change *change);

/* The Debezium envelope; now_ns (ns since the epoch) gives the top-level
 * "ts_ms", "ts_us" and "ts_ns" (when the event is made). Never 0. */
int event_json_value(struct json_writer *w, const struct row_change *change, const struct event_source *source,
                     int64_t now_ns);

/* The unwrapped value with "sourcedc":dc. 0 for a delete (or a change
 * without an after image): send only the tombstone. */
int event_json_unwrapped(struct json_writer *w, const struct row_change *change, const char *dc);

/* The text of the "bridgelab.columns" header of t's records: the columns'
 * types for the lake's typed formats (bridge/sink/row_schema.h), as
 * [["id","int32"],["price","decimal(10,2)?"],...] in the table's order, "?"
 * after a nullable column's type. Unwrapped values (unwrapped true) end
 * with ["sourcedc","string"]. Types by column: TINYINT to INT int32 (INT
 * UNSIGNED int64), BIGINT int64 (UNSIGNED uint64), YEAR int32, FLOAT float,
 * DOUBLE double, DECIMAL decimal(P,S), BIT(1) boolean, wider BIT, BINARY,
 * BLOB and GEOMETRY bytes, DATE date, TIME time, DATETIME and TIMESTAMP
 * timestamp (nullable whatever the column says: zero dates are null), text,
 * ENUM, SET and JSON string. Never 0. */
int event_json_columns(struct json_writer *w, const struct table *t, int unwrapped);

/* 1 if an update's before and after images hold different primary keys. */
int event_json_key_changed(const struct row_change *change);

/* Writes one column's value where a value belongs in w (for other encoders
 * and tests); VALUE_ABSENT, which callers leave out, is written as null. */
void event_json_write_value(struct json_writer *w, const struct column *column, const struct value *value);

#endif
