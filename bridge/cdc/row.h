/* The decoded form of a row change, shared by the producers of rows (the
 * binlog decoder, the snapshot reader) and the event encoder: a table's
 * columns as the source describes them, and typed values.
 *
 * Values do not own their bytes: text and bytes point into memory the
 * producer keeps (the event buffer, a result row, the producer's arena)
 * until it produces the next change. */
#ifndef BRIDGELAB_BRIDGE_ROW_H
#define BRIDGELAB_BRIDGE_ROW_H

#include <stddef.h>
#include <stdint.h>

enum value_kind {
    VALUE_ABSENT, /* not in this image (binlog_row_image=MINIMAL): left out of the event */
    VALUE_NULL,
    VALUE_INT,       /* i: signed integers, YEAR */
    VALUE_UINT,      /* u: unsigned integers */
    VALUE_DOUBLE,    /* d: FLOAT and DOUBLE */
    VALUE_DECIMAL,   /* text: exact decimal text, e.g. "-12.50" */
    VALUE_STRING,    /* text: UTF-8 (CHAR, VARCHAR, TEXT, ENUM and SET names, JSON) */
    VALUE_BYTES,     /* text: raw bytes (BINARY, VARBINARY, BLOB, BIT wider than 1) */
    VALUE_BOOL,      /* i: 0 or 1 (BIT(1)) */
    VALUE_DATE,      /* time: year, month, day (0000-00-00 allowed) */
    VALUE_TIME,      /* time: negative, hour (up to 838), minute, second, usec */
    VALUE_DATETIME,  /* time: all fields; no zone, read as UTC */
    VALUE_TIMESTAMP, /* epoch: seconds and usec since 1970 UTC */
};

struct value {
    enum value_kind kind;
    union {
        int64_t i;
        uint64_t u;
        double d;
        struct {
            const char *data;
            size_t len;
        } text;
        struct {
            int negative, year, month, day, hour, minute, second, usec;
        } time;
        struct {
            int64_t seconds;
            int usec;
        } epoch;
    } v;
};

struct column {
    char *name;    /* from TABLE_MAP full metadata, else information_schema */
    uint8_t type;  /* the binlog's MYSQL_TYPE_* (ENUM/SET resolved from STRING) */
    uint16_t meta; /* the type's metadata from TABLE_MAP */
    int is_unsigned;
    int is_nullable;
    int is_binary;      /* charset 63: bytes, not text */
    char **enum_values; /* ENUM and SET: the names, by index (ENUM 1 = [0]) */
    int enum_count;
};

struct table {
    uint64_t id; /* the binlog's table id (changes after DDL) */
    char *database;
    char *name;
    int column_count;
    struct column *columns;
    int *primary_key; /* column positions, in key order */
    int primary_key_count;
};

enum row_op { ROW_INSERT, ROW_UPDATE, ROW_DELETE, ROW_READ /* snapshot */ };

struct row_change {
    const struct table *table;
    enum row_op op;
    const struct value *before; /* column_count values, or NULL (insert, read) */
    const struct value *after;  /* column_count values, or NULL (delete) */
};

#endif
