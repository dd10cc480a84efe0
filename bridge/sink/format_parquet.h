/* The Parquet format (format.h): a record's typed row (row_schema.h)
 * written through the sink's own Parquet writer (parquet.h), one file.
 *
 * The file's columns are the first record's, in order: boolean BOOLEAN,
 * int32 INT32, int64 INT64, float FLOAT, double DOUBLE, string and time
 * STRING, bytes BYTE_ARRAY, uint64 and decimal(P,S) DECIMAL (uint64: 20, 0),
 * date DATE, timestamp TIMESTAMP(UTC, MICROS); a nullable column optional.
 * With parquet_decimal_max set (a Delta table: 38), a DECIMAL of more digits
 * is STRING, its exact text.
 * A record whose columns differ goes to another file (FORMAT_NEW_FILE).
 * Pages are compressed with sink.parquet.codec, row groups closed at
 * sink.parquet.row.group.bytes. */
#ifndef BRIDGELAB_BRIDGE_SINK_FORMAT_PARQUET_H
#define BRIDGELAB_BRIDGE_SINK_FORMAT_PARQUET_H

#include <stddef.h>

#include "format.h"
#include "sink_record.h"

struct parquet_file;

struct parquet_file *parquet_file_new(const struct format_options *o);
void parquet_file_free(struct parquet_file *f);
/* As format_writer_append; err gets FORMAT_REJECTED's line. A failed or
 * rejected append leaves the file as it was. */
enum format_append parquet_file_append(struct parquet_file *f, struct sink_record *r, char *err, size_t errlen);
long long parquet_file_records(const struct parquet_file *f);
size_t parquet_file_size(const struct parquet_file *f);
size_t parquet_file_memory(const struct parquet_file *f);
/* The finished file's bytes; NULL when memory runs out. */
const char *parquet_file_finish(struct parquet_file *f, size_t *len);
const struct row_schema *parquet_file_schema(const struct parquet_file *f);

#endif
