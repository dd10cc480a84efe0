/* The files' formats: how records become the bytes of one lake file.
 *
 * - json: JSON lines, each record's value as it is, one per line ("\n"
 *         after each). Raw CR and LF bytes of a value become spaces: in JSON
 *         text they can only be whitespace, so a pretty-printed value means
 *         the same and keeps to its line. A zero-length value is written
 *         null. Values are not parsed or checked here.
 * - csv:  RFC 4180 (CRLF line ends, fields quoted when they hold a comma,
 *         quote, CR or LF, quotes doubled), a header row of the flat row's
 *         columns (sink_record.h), then one row per record. Strings are
 *         written as their text, numbers and booleans as JSON writes them,
 *         null as an empty field, objects and arrays as compact JSON. A
 *         value with no row is one column named "value" holding the text.
 *         A file holds rows of one column list (names and order): a record
 *         whose columns differ (a DDL changed the table) does not fit and
 *         starts a file of its own, where it writes that file's header.
 * - bytes: the record values as they are, each followed by the separator
 *         (sink.bytes.separator, default a newline), as Confluent's
 *         ByteArrayFormat writes them.
 * - avro: an Avro object container file (libavro): the writer schema made
 *         from the row's columns (row_schema.h) as a record of the flat
 *         row's fields, nullable ones as unions with null; DECIMAL as the
 *         decimal logical type (bytes), DATE as date, DATETIME and TIMESTAMP
 *         as timestamp-micros, uint64 as decimal(20,0); blocks compressed
 *         with sink.avro.codec (null, deflate or snappy).
 * - parquet: a Parquet file of our own writer (parquet.h), the same columns
 *         and logical types, row groups of sink.parquet.row.group.bytes,
 *         pages compressed with sink.parquet.codec (none, snappy or zstd).
 * Avro and Parquet files hold rows of one schema: a record of another
 * (a DDL changed the table) does not fit and goes to a file of its own.
 * Tombstones (null values) are left out of every format: the delete is in
 * the stream already as its own event.
 *
 * A writer builds one file in memory; what it holds is what the sink's
 * buffer bound counts. An append that fails leaves the file as it was. A
 * writer is used by one thread at a time. */
#ifndef BRIDGELAB_BRIDGE_SINK_FORMAT_H
#define BRIDGELAB_BRIDGE_SINK_FORMAT_H

#include <stddef.h>

#include "sink_record.h"

struct row_schema;

enum sink_format { SINK_FORMAT_JSON, SINK_FORMAT_CSV, SINK_FORMAT_BYTES, SINK_FORMAT_AVRO, SINK_FORMAT_PARQUET };
enum avro_codec { AVRO_CODEC_NULL, AVRO_CODEC_DEFLATE, AVRO_CODEC_SNAPPY };
enum parquet_codec { PARQUET_CODEC_NONE, PARQUET_CODEC_SNAPPY, PARQUET_CODEC_ZSTD };

/* How files are written: the format and its settings. */
struct format_options {
    enum sink_format format;
    enum avro_codec avro_codec;
    enum parquet_codec parquet_codec;
    size_t parquet_row_group_bytes;
    int parquet_decimal_max;     /* > 0: a DECIMAL of more digits is written as its text (Delta takes 38 at most) */
    const char *bytes_separator; /* bytes: written after each value */
    size_t bytes_separator_len;
};

/* Parses "json", "csv", "bytes", "avro" or "parquet"; returns 0, or -1. */
int sink_format_parse(const char *text, enum sink_format *format);
/* Parses "null", "deflate" or "snappy"; returns 0, or -1. */
int avro_codec_parse(const char *text, enum avro_codec *codec);
/* Parses "none", "snappy" or "zstd"; returns 0, or -1. */
int parquet_codec_parse(const char *text, enum parquet_codec *codec);
/* The file name extension, without the dot: "json", "csv", "bin", "avro", "parquet". */
const char *sink_format_extension(enum sink_format format);
/* The blob Content-Type: "application/x-ndjson", "text/csv", "application/octet-stream",
 * "application/avro", "application/vnd.apache.parquet". */
const char *sink_format_content_type(enum sink_format format);

enum format_append {
    FORMAT_APPENDED = 0,
    FORMAT_SKIPPED,  /* a tombstone: nothing written */
    FORMAT_NEW_FILE, /* the record does not fit this file (its columns differ): it goes to another file */
    FORMAT_REJECTED, /* the record cannot be written in this format: format_writer_error says why */
    FORMAT_FAILED,   /* out of memory */
};

struct format_writer;

struct format_writer *format_writer_new(const struct format_options *options);
void format_writer_free(struct format_writer *w);
/* Appends one record. */
enum format_append format_writer_append(struct format_writer *w, struct sink_record *r);
/* After FORMAT_REJECTED: one line naming the record and what is wrong. */
const char *format_writer_error(const struct format_writer *w);
/* Records appended so far (not counting skipped ones). */
long long format_writer_records(const struct format_writer *w);
/* The file's size so far, in bytes (for buffered formats, what it would be if finished now, near enough). */
size_t format_writer_size(const struct format_writer *w);
/* Completes the file and gives its bytes (a valid file of the format
 * whenever records > 0); no append after. Called again, the same bytes.
 * NULL when memory runs out. */
const char *format_writer_finish(struct format_writer *w, size_t *len);
/* Bytes held in memory (at least the data's length). */
size_t format_writer_memory(const struct format_writer *w);
/* The typed formats' file schema (row_schema.h), once a record is in; NULL for the others. */
const struct row_schema *format_writer_schema(const struct format_writer *w);

/* For the typed formats (format_avro.c, format_parquet.c): makes s the
 * file's schema (it takes s, whatever it answers): 0, -1 refused with err,
 * -2 when memory is short. */
typedef int (*format_adopt_fn)(void *file, struct row_schema *s, const struct sink_record *r, char *err, size_t errlen);
/* Whether r goes into a typed file whose schema is file_schema (NULL: none
 * yet: r's is made and adopted); misfit is the file's last other schema
 * (row_schema_differs). FORMAT_APPENDED when r may go on, else what the
 * append answers (FORMAT_NEW_FILE, FORMAT_REJECTED with err, FORMAT_FAILED). */
enum format_append format_typed_schema(const struct row_schema *file_schema, struct row_schema **misfit,
                                       struct sink_record *r, format_adopt_fn adopt, void *file, char *err,
                                       size_t errlen);

#endif
