/* The columns of a record's flat row with their types, and its values as
 * those types: what the typed lake formats (Avro, Parquet) write.
 *
 * Where the types come from: `bridge cdc` puts the table's columns on
 * every record it writes, as the Kafka header "bridgelab.columns" (copied
 * byte for byte by `bridge replicate`): a JSON array of [name, type] pairs
 * in the table's column order, e.g.
 *     [["id","int32"],["price","decimal(10,2)?"],["placed","timestamp?"]]
 * where type is one of
 *     boolean int32 int64 uint64 float double decimal(P,S) string bytes
 *     date time timestamp
 * followed by "?" when the column may be NULL. The flat row (sink_record.h)
 * adds, after the table's columns, the envelope's fields: __op string,
 * __file string?, __pos int64?, __row int64?, __gtid string?,
 * __source_ts_ms int64?.
 *
 * The flat row is an envelope's when it holds all six of those fields (and
 * "__op" is a string); the ones the header does not name follow its
 * columns, in that order. A header's columns that the row lacks are null;
 * the row's members that the header does not name are not written.
 *
 * A record without the header (not written by CDC) gets the types of its
 * row's values: a JSON integer int64?, a real double?, true or false
 * boolean?, anything else (a string, null, an object or an array) string?;
 * an envelope's six fields keep the types above.
 *
 * The values (row_value_get) are the JSON values CDC writes
 * (bridge/cdc/event_json.h), turned back into their types:
 *   boolean    true/false                         -> b
 *   int32/int64 integers                          -> i
 *   uint64     integers (a string of digits past 2^63-1) -> the decimal(20,0) unscaled
 *   float/double numbers                          -> d
 *   decimal    exact strings "-12.50" (or integers) -> the unscaled integer
 *              (-1250 at scale 2) as big-endian two's complement bytes, the
 *              fewest that hold it
 *   string     strings                            -> their UTF-8 bytes; an
 *              object or array (an inferred column) its compact JSON, a
 *              number or boolean its JSON text (as a CSV field holds them)
 *   bytes      base64 strings                     -> the decoded bytes
 *   date       "YYYY-MM-DD"                       -> i, days since 1970-01-01
 *   time       "[-]HH:MM:SS[.ffffff]"             -> its text, as a string
 *              (a MySQL TIME is a duration up to 838 hours, not a time of day)
 *   timestamp  "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"    -> i, microseconds since the epoch, UTC
 * JSON null (or a column missing from the row) is null, an error in a
 * column that is not nullable. A value that does not read as its column's
 * type is an error naming the column, the value and the type: a decimal
 * with more fraction digits than its scale (fewer are padded: "1.5" is 150
 * at scale 2) or more digits than its precision, an integer out of its
 * type's range, a date or timestamp outside 0001-9999 or not in the form
 * above.
 *
 * A schema is immutable once made; its fingerprint is a text that is equal
 * for two schemas exactly when their columns (names, types, nullability,
 * order) are. */
#ifndef BRIDGELAB_BRIDGE_SINK_ROW_SCHEMA_H
#define BRIDGELAB_BRIDGE_SINK_ROW_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "columns_header.h"
#include "sink_record.h"

enum row_type {
    ROW_BOOLEAN,
    ROW_INT32,
    ROW_INT64,
    ROW_UINT64, /* written as decimal(20,0) */
    ROW_FLOAT,
    ROW_DOUBLE,
    ROW_DECIMAL,
    ROW_STRING,
    ROW_BYTES,
    ROW_DATE,
    ROW_TIME, /* written as a string */
    ROW_TIMESTAMP,
};

struct row_column {
    char *name;
    enum row_type type;
    int precision, scale; /* ROW_DECIMAL (ROW_UINT64: 20, 0) */
    int nullable;
};

struct row_schema {
    size_t count;
    struct row_column *columns;
    char *fingerprint;
};

/* The schema of the record's flat row: from its "bridgelab.columns" header
 * (r->columns), else from the row's values. NULL when the record has no row
 * (err empty), or with err when the header does not parse (naming the
 * topic, partition, offset and what is wrong; errno EINVAL) or memory runs
 * out (errno ENOMEM). */
struct row_schema *row_schema_of(struct sink_record *r, char *err, size_t errlen);
void row_schema_free(struct row_schema *s);
/* For s made by row_schema_of (which keeps what this compares beside it):
 * 1 when row_schema_of(r) would give a schema equal to s, found cheaply
 * (the header's bytes compared, not parsed; an inferred schema checked
 * against the row's members without allocating); else 0, also when the
 * record has no row. A 0 may still be an equal schema (the same columns in
 * other header text): compare fingerprints to know. */
int row_schema_fits(const struct row_schema *s, struct sink_record *r);

/* A file's schema and the last other one its records brought (*misfit,
 * owned by the caller, NULL at first): whether r's schema is not the
 * file's, 1 or 0, cheaply when r's is either of them; -1 with err when r's
 * header does not parse, -2 when memory is short. */
int row_schema_differs(const struct row_schema *file, struct row_schema **misfit, struct sink_record *r, char *err,
                       size_t errlen);

struct row_value {
    int is_null;
    int b;            /* ROW_BOOLEAN */
    int64_t i;        /* ROW_INT32, ROW_INT64, ROW_DATE, ROW_TIMESTAMP */
    double d;         /* ROW_FLOAT, ROW_DOUBLE */
    const void *data; /* ROW_STRING, ROW_TIME, ROW_BYTES; ROW_DECIMAL and ROW_UINT64: the unscaled big-endian bytes */
    size_t len;
};

struct json_writer;

/* Room for a value's converted bytes (base64 decoded, decimal unscaled,
 * JSON text of an object): grown as needed, reused between calls. Starts
 * zeroed: struct row_scratch s = {0}. */
struct row_scratch {
    unsigned char *data;
    size_t cap;
    struct json_writer *json; /* the text of non-string values in string columns */
};

/* The value of column c in row (a flat JSON object) as c's type. Returns 0,
 * or -1 with err. out->data may point into the row or into scratch (valid
 * until scratch's next use or the row's release). */
int row_value_get(const struct row_column *c, const json_t *row, struct row_scratch *scratch, struct row_value *out,
                  char *err, size_t errlen);
void row_scratch_free(struct row_scratch *s);

#endif
