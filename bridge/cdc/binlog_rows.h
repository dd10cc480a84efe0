/* Decodes raw MariaDB binlog events, TABLE_MAP and WRITE/UPDATE/DELETE rows,
 * into the shared row types of row.h. Pure: no connection, no I/O, no
 * globals; one struct binlog_rows per binlog reader (not thread-safe).
 *
 * The event buffers are what MARIADB_RPL_EVENT.raw_data / raw_data_size hold
 * after mariadb_rpl_fetch (Connector/C 3.3, measured against MariaDB 10.11):
 *
 *   [0x00 OK byte][19-byte event header][post-header][body][CRC32, 4 bytes]
 *
 * raw_data_size == event_length + 1 (the header's event_length counts the
 * checksum but not the OK byte); the checksum is there when the server's
 * binlog_checksum is CRC32 (the default; the reader has to have set
 * @master_binlog_checksum). Also accepted: the bare event (no OK byte, as in
 * a binlog file), and either form with its 4 checksum bytes cut off already
 * (event_length then exceeds the bytes given by 4: nothing to verify).
 * Otherwise binlog_rows_set_checksum says whether a CRC32 trails; by default
 * it is detected (a trailing CRC32 that matches is stripped). Semi-sync
 * packets (0xEF prefix) and compressed events (log_bin_compress) are not
 * accepted.
 *
 * Errors: -1 or NULL, and one line in err (errlen bytes, always terminated).
 * The decoder never reads past len: truncated or garbage input gives an
 * error, not a crash.
 *
 * Not decoded (an error names the column): COMPRESSED columns, MySQL's binary
 * JSON (MariaDB logs JSON as LONGTEXT, which is decoded), the pre-5.0
 * DECIMAL. Not detectable: MariaDB 5.3 fractional temporal columns (TIME(n),
 * DATETIME(n), TIMESTAMP(n) with n > 0 created under
 * mysql56_temporal_format=OFF) are mapped as the old TIME/DATETIME/TIMESTAMP
 * without their length, so their rows decode wrong or fail. Text is passed
 * as the column's charset has it (utf8mb4 in the lab): no conversion. UUID
 * and INET6 are BINARY(16) in the binlog: VALUE_BYTES. */
#ifndef BRIDGELAB_BRIDGE_BINLOG_ROWS_H
#define BRIDGELAB_BRIDGE_BINLOG_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "row.h"

struct binlog_rows;

struct binlog_rows *binlog_rows_new(void);
void binlog_rows_free(struct binlog_rows *br);

enum binlog_checksum {
    BINLOG_CHECKSUM_AUTO,  /* default: a matching trailing CRC32 is stripped */
    BINLOG_CHECKSUM_NONE,  /* binlog_checksum=NONE: no trailer */
    BINLOG_CHECKSUM_CRC32, /* the trailer must be there and match */
};
/* The FORMAT_DESCRIPTION event tells (MARIADB_RPL.use_checksum after it). */
void binlog_rows_set_checksum(struct binlog_rows *br, enum binlog_checksum mode);

/* A TABLE_MAP event (type 19) -> its table, cached by table id. A later map
 * with the same id and the same bytes (one precedes every rows event) returns
 * the same table untouched, names given by binlog_rows_set_column_names
 * included; one with other bytes replaces it, and a map of the same
 * database.table under a new id (after DDL) drops the old id. The table stays
 * valid until it is replaced or dropped, or binlog_rows_free.
 *
 * The table: database, name, columns (type: the binlog's MYSQL_TYPE_*, with
 * ENUM and SET resolved from STRING; meta: the 16-bit metadata as mysqlbinlog
 * reads it: for STRING/ENUM/SET (real type << 8 | length), for BIT (bytes <<
 * 8 | bits), for NEWDECIMAL (precision << 8 | scale)), nullability, and what
 * the optional metadata carries: signedness and charsets (binlog_row_metadata
 * MINIMAL or FULL), names, ENUM/SET values and the primary key (FULL only,
 * SIMPLE_PRIMARY_KEY or PRIMARY_KEY_WITH_PREFIX). Without names, columns are
 * called "@1", "@2"... (as mysqlbinlog does); without signedness, integers
 * are signed; without charsets, strings are text. */
const struct table *binlog_rows_table_map(struct binlog_rows *br, const uint8_t *event, size_t len, char *err,
                                          size_t errlen);

/* A rows event: WRITE/UPDATE/DELETE v1 (23/24/25) or v2 (30/31/32), of a
 * table mapped before. fn gets each row change: INSERT (after), UPDATE
 * (before and after), DELETE (before); each of them column_count values.
 * Returns 0, or -1 with err; a non-zero return of fn stops the decoding and
 * is returned (err as fn left it). Changes before an error have been given to fn.
 *
 * Values follow row.h. Text and bytes point into event, or into the
 * decoder's arena (DECIMAL text, joined SET names, BINARY(n) padded back to
 * n bytes): valid during the call of fn only. Columns not in the image
 * (binlog_row_image=MINIMAL/NOBLOB) are VALUE_ABSENT. ENUM and SET without
 * their names (no FULL metadata and none given) are VALUE_UINT: the index
 * (ENUM, 0 for the invalid '') or the bitmask (SET). TIMESTAMP is
 * VALUE_TIMESTAMP (0 for the zero timestamp); DATETIME and DATE keep zero
 * dates as they are. */
int binlog_rows_decode(struct binlog_rows *br, const uint8_t *event, size_t len,
                       int (*fn)(const struct row_change *change, void *ctx), void *ctx, char *err, size_t errlen);

/* For tables mapped without names (binlog_row_metadata not FULL): the front
 * end reads information_schema and gives the names by position. count must
 * be the table's column_count. 0, or -1 (unknown table id, other count, no
 * memory). */
int binlog_rows_set_column_names(struct binlog_rows *br, uint64_t table_id, char *const *names, int count);

/* Likewise the ENUM or SET names of one column (0-based position), and the
 * primary key (column positions in key order; count 0 for none). */
int binlog_rows_set_enum_values(struct binlog_rows *br, uint64_t table_id, int column, char *const *values, int count);
int binlog_rows_set_primary_key(struct binlog_rows *br, uint64_t table_id, const int *columns, int count);

/* The table mapped under an id, or NULL. */
const struct table *binlog_rows_table(const struct binlog_rows *br, uint64_t table_id);

/* What the table's TABLE_MAP carried (BINLOG_META_* bits), and what was given
 * since; 0 for an unknown id. */
#define BINLOG_META_SIGNEDNESS 0x01  /* MINIMAL and FULL */
#define BINLOG_META_CHARSETS 0x02    /* MINIMAL and FULL */
#define BINLOG_META_NAMES 0x04       /* FULL: column names */
#define BINLOG_META_ENUM_VALUES 0x08 /* FULL, when the table has ENUM or SET columns */
#define BINLOG_META_PRIMARY_KEY 0x10 /* FULL, when the table has a primary key */
#define BINLOG_META_NAMES_GIVEN 0x20 /* binlog_rows_set_column_names was called */
#define BINLOG_META_ENUM_GIVEN 0x40  /* binlog_rows_set_enum_values was called */
#define BINLOG_META_PK_GIVEN 0x80    /* binlog_rows_set_primary_key was called */
unsigned binlog_rows_metadata(const struct binlog_rows *br, uint64_t table_id);

/* 1 when the TABLE_MAP carried column names (binlog_row_metadata=FULL), so
 * that information_schema is not needed; 0 otherwise or for an unknown id. */
int binlog_rows_has_full_metadata(const struct binlog_rows *br, uint64_t table_id);

#endif
