/* The Avro format (format.h): one Avro object container file built in
 * memory, its records encoded by libavro.
 *
 * The writer schema is made from the first record's columns (row_schema.h):
 * a record named after the topic with one field per column, in order:
 *   boolean boolean, int32 int, int64 long, float float, double double,
 *   string string, bytes bytes, time string,
 *   uint64 and decimal(P,S) {"type":"bytes","logicalType":"decimal",
 *     "precision":P,"scale":S} (uint64: 20, 0),
 *   date {"type":"int","logicalType":"date"},
 *   timestamp {"type":"long","logicalType":"timestamp-micros"};
 * a nullable column's type is ["null", T] with "default": null. Names that
 * are not Avro names ([A-Za-z_][A-Za-z0-9_]*) are made ones: every other
 * byte becomes '_', a leading digit gets a '_' before it, a name taken
 * already gets "_2", "_3"...; the original name is then the field's (or the
 * record's) "doc".
 *
 * Blocks hold about 64 KiB of encoded records before they are compressed
 * with the codec (null, deflate or snappy as the Avro specification defines
 * them) and closed by the file's sync marker (16 random bytes). */
#ifndef BRIDGELAB_BRIDGE_SINK_FORMAT_AVRO_H
#define BRIDGELAB_BRIDGE_SINK_FORMAT_AVRO_H

#include <stddef.h>

#include "format.h"
#include "sink_record.h"

struct avro_file;

/* An empty file written with o->avro_codec; NULL when memory is short. */
struct avro_file *avro_file_new(const struct format_options *o);
void avro_file_free(struct avro_file *f);
/* Appends r's row: FORMAT_APPENDED; FORMAT_SKIPPED for a tombstone or a
 * value with no row; FORMAT_NEW_FILE when its schema's fingerprint is not
 * the file's (the first record's); FORMAT_REJECTED with err (one line: the
 * topic, partition and offset, the column, the value, what to do) when a
 * value does not read as its column's type or the header does not parse;
 * FORMAT_FAILED when memory is short. Anything but FORMAT_APPENDED leaves
 * the file as it was. */
enum format_append avro_file_append(struct avro_file *f, struct sink_record *r, char *err, size_t errlen);
long long avro_file_records(const struct avro_file *f);
/* The file's size if finished now, near enough (the open block counted
 * uncompressed). */
size_t avro_file_size(const struct avro_file *f);
/* Bytes held in memory by the file's buffers. */
size_t avro_file_memory(const struct avro_file *f);
/* Closes the open block and gives the file's bytes (none when it has no
 * record); no append after. Called again, the same bytes. NULL when memory
 * is short. */
const char *avro_file_finish(struct avro_file *f, size_t *len);
/* The file's columns, once a record is in; else NULL. */
const struct row_schema *avro_file_schema(const struct avro_file *f);

#endif
