/* The Parquet format: typed rows into the sink's Parquet writer. See
 * format_parquet.h. */
#include "format_parquet.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet.h"
#include "row_schema.h"

struct parquet_file {
    enum parquet_compression compression;
    size_t row_group_bytes;
    int decimal_max;           /* > 0: a DECIMAL of more digits is written as its text */
    struct row_schema *schema; /* fixed by the first record */
    struct row_schema *misfit; /* the last other schema seen: its records are told apart cheaply */
    struct parquet_writer *w;
    struct row_scratch scratch;
};

struct parquet_file *parquet_file_new(const struct format_options *o) {
    struct parquet_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->compression = o->parquet_codec == PARQUET_CODEC_SNAPPY ? PARQUET_COMPRESSION_SNAPPY
                     : o->parquet_codec == PARQUET_CODEC_ZSTD ? PARQUET_COMPRESSION_ZSTD
                                                              : PARQUET_COMPRESSION_NONE;
    f->row_group_bytes = o->parquet_row_group_bytes;
    f->decimal_max = o->parquet_decimal_max;
    return f;
}

static void forget_schema(struct parquet_file *f) {
    parquet_writer_free(f->w);
    f->w = NULL;
    row_schema_free(f->schema);
    f->schema = NULL;
}

void parquet_file_free(struct parquet_file *f) {
    if (!f)
        return;
    forget_schema(f);
    row_schema_free(f->misfit);
    row_scratch_free(&f->scratch);
    free(f);
}

/* A DECIMAL wider than the file takes, written as its text. */
static int as_text(const struct parquet_file *f, const struct row_column *c) {
    return c->type == ROW_DECIMAL && f->decimal_max > 0 && c->precision > f->decimal_max;
}

static enum parquet_kind kind_of(enum row_type t) {
    switch (t) {
    case ROW_BOOLEAN:
        return PARQUET_BOOLEAN;
    case ROW_INT32:
        return PARQUET_INT32;
    case ROW_INT64:
        return PARQUET_INT64;
    case ROW_UINT64:
    case ROW_DECIMAL:
        return PARQUET_DECIMAL;
    case ROW_FLOAT:
        return PARQUET_FLOAT;
    case ROW_DOUBLE:
        return PARQUET_DOUBLE;
    case ROW_BYTES:
        return PARQUET_BYTES;
    case ROW_DATE:
        return PARQUET_DATE;
    case ROW_TIMESTAMP:
        return PARQUET_TIMESTAMP;
    case ROW_STRING:
    case ROW_TIME:
        break;
    }
    return PARQUET_STRING;
}

/* The writer for schema s, which the file takes; 0, -1 (a column the
 * writer refuses: err), -2 (memory). */
static int adopt_schema(void *file, struct row_schema *s, const struct sink_record *r, char *err, size_t errlen) {
    struct parquet_file *f = file;
    (void)r;
    struct parquet_column *cols = calloc(s->count ? s->count : 1, sizeof *cols);
    if (!cols) {
        row_schema_free(s);
        return -2;
    }
    for (size_t i = 0; i < s->count; i++) {
        const struct row_column *c = &s->columns[i];
        cols[i] = (struct parquet_column){c->name, as_text(f, c) ? PARQUET_STRING : kind_of(c->type),
                                          c->type == ROW_UINT64 ? 20 : c->precision,
                                          c->type == ROW_UINT64 ? 0 : c->scale, c->nullable};
    }
    f->w = parquet_writer_new(cols, s->count, f->compression, f->row_group_bytes);
    free(cols);
    if (!f->w) {
        snprintf(err, errlen, "a column the Parquet writer cannot take (a DECIMAL of more than %d digits?)",
                 PARQUET_DECIMAL_PRECISION_MAX);
        row_schema_free(s);
        return errno == ENOMEM ? -2 : -1;
    }
    f->schema = s;
    return 0;
}

/* Column i's value of the row into the writer. */
static enum parquet_status set_value(struct parquet_file *f, size_t i, const json_t *row, char *why, size_t whylen) {
    const struct row_column *c = &f->schema->columns[i];
    struct row_value v;
    if (row_value_get(c, row, &f->scratch, &v, why, whylen) != 0)
        return PARQUET_BAD_VALUE;
    if (v.is_null)
        return parquet_writer_null(f->w, i);
    if (as_text(f, c)) { /* checked above: the exact text CDC gave */
        const json_t *text = json_object_get(row, c->name);
        if (json_is_string(text))
            return parquet_writer_bytes(f->w, i, json_string_value(text), json_string_length(text));
        char digits[32]; /* a JSON integer */
        int n = snprintf(digits, sizeof digits, "%" JSON_INTEGER_FORMAT, json_integer_value(text));
        return parquet_writer_bytes(f->w, i, digits, (size_t)n);
    }
    switch (c->type) {
    case ROW_BOOLEAN:
        return parquet_writer_bool(f->w, i, v.b);
    case ROW_INT32:
    case ROW_DATE:
        return parquet_writer_int32(f->w, i, (int32_t)v.i);
    case ROW_INT64:
    case ROW_TIMESTAMP:
        return parquet_writer_int64(f->w, i, v.i);
    case ROW_FLOAT:
        return parquet_writer_float(f->w, i, (float)v.d);
    case ROW_DOUBLE:
        return parquet_writer_double(f->w, i, v.d);
    case ROW_UINT64:
    case ROW_DECIMAL:
        return parquet_writer_decimal(f->w, i, v.data, v.len);
    case ROW_STRING:
    case ROW_TIME:
    case ROW_BYTES:
        break;
    }
    return parquet_writer_bytes(f->w, i, v.data, v.len);
}

enum format_append parquet_file_append(struct parquet_file *f, struct sink_record *r, char *err, size_t errlen) {
    err[0] = '\0';
    if (!r->value || !sink_record_row(r))
        return FORMAT_SKIPPED;
    int first = f->schema == NULL;
    enum format_append result = format_typed_schema(f->schema, &f->misfit, r, adopt_schema, f, err, errlen);
    if (result != FORMAT_APPENDED)
        return result;
    json_t *row = sink_record_row(r);
    enum parquet_status st = PARQUET_OK;
    char why[400] = "";
    for (size_t i = 0; st == PARQUET_OK && i < f->schema->count; i++)
        st = set_value(f, i, row, why, sizeof why);
    if (st == PARQUET_OK)
        st = parquet_writer_end_row(f->w);
    if (st == PARQUET_BAD_VALUE)
        snprintf(err, errlen,
                 "topic %s partition %" PRId32 " offset %" PRId64 ": %s: the record cannot be written as Parquet "
                 "(correct the value or its column's type in the %s header, or write the topic with "
                 "sink.format=json)",
                 r->topic, r->partition, r->offset, why[0] ? why : parquet_writer_error(f->w), COLUMNS_HEADER);
    if (st != PARQUET_OK) {
        parquet_writer_abort_row(f->w);
        if (first)
            forget_schema(f);
        return st == PARQUET_NO_MEMORY ? FORMAT_FAILED : FORMAT_REJECTED;
    }
    return FORMAT_APPENDED;
}

long long parquet_file_records(const struct parquet_file *f) { return f->w ? parquet_writer_rows(f->w) : 0; }

size_t parquet_file_size(const struct parquet_file *f) { return f->w ? parquet_writer_size(f->w) : 0; }

size_t parquet_file_memory(const struct parquet_file *f) {
    return sizeof *f + f->scratch.cap + (f->w ? parquet_writer_memory(f->w) : 0);
}

const char *parquet_file_finish(struct parquet_file *f, size_t *len) {
    if (!f->w) {
        *len = 0;
        return "";
    }
    return (const char *)parquet_writer_finish(f->w, len);
}

const struct row_schema *parquet_file_schema(const struct parquet_file *f) { return f->schema; }
