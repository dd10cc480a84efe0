/* A Parquet file writer: a flat schema of required or optional columns,
 * values added row by row, the whole file built in memory.
 *
 * Columns and their Parquet types (physical, logical / converted):
 *   PARQUET_BOOLEAN    BOOLEAN
 *   PARQUET_INT32      INT32
 *   PARQUET_INT64      INT64
 *   PARQUET_FLOAT      FLOAT
 *   PARQUET_DOUBLE     DOUBLE
 *   PARQUET_STRING     BYTE_ARRAY, STRING / UTF8
 *   PARQUET_BYTES      BYTE_ARRAY
 *   PARQUET_DECIMAL    INT32 (precision <= 9), INT64 (<= 18), else
 *                      FIXED_LEN_BYTE_ARRAY of the fewest bytes that hold
 *                      the precision; DECIMAL(precision, scale) / DECIMAL
 *   PARQUET_DATE       INT32, DATE / DATE (days since 1970-01-01)
 *   PARQUET_TIMESTAMP  INT64, TIMESTAMP(UTC, MICROS) / TIMESTAMP_MICROS
 *
 * Writing: for each row, one value per column (in any order), then
 * parquet_writer_end_row. Each kind has its setter: boolean _bool; int32
 * and date _int32; int64 and timestamp _int64; float _float; double
 * _double; string and bytes _bytes; decimal _decimal, which takes the
 * unscaled value as big-endian two's complement bytes of any length and
 * refuses one of more digits than the precision. _null sets an optional
 * column's value null. A setter that fails leaves the row as it was; a row
 * is in the file only once parquet_writer_end_row succeeds, and
 * parquet_writer_abort_row discards the values of an unfinished row.
 * Every call returns PARQUET_OK, PARQUET_NO_MEMORY (nothing changed), or
 * PARQUET_BAD_VALUE (nothing changed; parquet_writer_error says why: a
 * value that does not fit, null in a required column, a setter of another
 * kind, a column set twice or not at all, a call after finish).
 *
 * The file: "PAR1", row groups, the footer (FileMetaData, version 1,
 * created_by "bridgelab", statistics with null_count and min_value /
 * max_value in each column's order, under TYPE_ORDER), its length, "PAR1".
 * A row group is closed when the values it holds reach row_group_bytes (as
 * PLAIN would encode them): each column chunk is one or more data pages
 * (v1) of up to 1 MiB of values, PLAIN, definition levels of optional
 * columns RLE; a string or bytes chunk whose dictionary (up to 64 Ki
 * values) and indices take less room than PLAIN is a PLAIN dictionary page
 * and RLE_DICTIONARY data pages instead. Pages are compressed with the
 * writer's compression. min_value / max_value are left out for a chunk
 * whose min or max string is longer than 4 KiB (as parquet-cpp does), and
 * for a float chunk of only NaN.
 *
 * A writer is used by one thread at a time. */
#ifndef BRIDGELAB_BRIDGE_SINK_PARQUET_H
#define BRIDGELAB_BRIDGE_SINK_PARQUET_H

#include <stddef.h>
#include <stdint.h>

enum parquet_kind {
    PARQUET_BOOLEAN,
    PARQUET_INT32,
    PARQUET_INT64,
    PARQUET_FLOAT,
    PARQUET_DOUBLE,
    PARQUET_STRING,
    PARQUET_BYTES,
    PARQUET_DECIMAL,
    PARQUET_DATE,
    PARQUET_TIMESTAMP,
};

/* The widest decimal (FIXED_LEN_BYTE_ARRAY of 32 bytes). */
#define PARQUET_DECIMAL_PRECISION_MAX 76

struct parquet_column {
    const char *name;
    enum parquet_kind kind;
    int precision, scale; /* PARQUET_DECIMAL: 1 <= precision <= 76, 0 <= scale <= precision */
    int optional;         /* may be null */
};

enum parquet_compression { PARQUET_COMPRESSION_NONE, PARQUET_COMPRESSION_SNAPPY, PARQUET_COMPRESSION_ZSTD };

enum parquet_status { PARQUET_OK = 0, PARQUET_NO_MEMORY, PARQUET_BAD_VALUE };

struct parquet_writer;

/* A writer of count columns (their names are copied). NULL when memory
 * runs out or a column is not valid (no name, a decimal's precision or
 * scale out of range). */
struct parquet_writer *parquet_writer_new(const struct parquet_column *columns, size_t count,
                                          enum parquet_compression compression, size_t row_group_bytes);
void parquet_writer_free(struct parquet_writer *w);

enum parquet_status parquet_writer_null(struct parquet_writer *w, size_t column);
enum parquet_status parquet_writer_bool(struct parquet_writer *w, size_t column, int value);
enum parquet_status parquet_writer_int32(struct parquet_writer *w, size_t column, int32_t value);
enum parquet_status parquet_writer_int64(struct parquet_writer *w, size_t column, int64_t value);
enum parquet_status parquet_writer_float(struct parquet_writer *w, size_t column, float value);
enum parquet_status parquet_writer_double(struct parquet_writer *w, size_t column, double value);
/* A string's UTF-8 bytes (not checked) or a bytes value; up to 1 GiB. */
enum parquet_status parquet_writer_bytes(struct parquet_writer *w, size_t column, const void *data, size_t len);
/* The unscaled value, big-endian two's complement, len >= 1 bytes. */
enum parquet_status parquet_writer_decimal(struct parquet_writer *w, size_t column,
                                           const unsigned char *big_endian_twos_complement, size_t len);
/* Completes the row (every column set); may close a row group. */
enum parquet_status parquet_writer_end_row(struct parquet_writer *w);
/* Discards the values set since the last completed row. */
void parquet_writer_abort_row(struct parquet_writer *w);
/* Why the last call gave PARQUET_BAD_VALUE. */
const char *parquet_writer_error(const struct parquet_writer *w);

/* Rows completed. */
long long parquet_writer_rows(const struct parquet_writer *w);
/* What the file would take if finished now, near enough (the open row
 * group counted uncompressed). */
size_t parquet_writer_size(const struct parquet_writer *w);
/* Bytes held: the capacities of all the writer's buffers. */
size_t parquet_writer_memory(const struct parquet_writer *w);
/* Discards an unfinished row, closes the open row group and writes the
 * footer; the file's bytes (len set), owned by the writer. Called again, the same bytes. NULL when
 * memory runs out (nothing changed: it may be called again). */
const unsigned char *parquet_writer_finish(struct parquet_writer *w, size_t *len);

#endif
