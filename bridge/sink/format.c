/* The lake files' formats: JSON lines, CSV and bytes built here in one
 * growing buffer per file, Avro handed to format_avro.c and Parquet to
 * format_parquet.c. See format.h. */
#include "format.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format_avro.h"
#include "format_parquet.h"
#include "json_writer.h"
#include "row_schema.h"

#define INITIAL_CAPACITY 4096

struct format_writer {
    enum sink_format format;
    char *data;
    size_t len, cap;
    long long records;
    json_t *columns;             /* csv: the header's names, once a record is in */
    struct json_writer *scratch; /* csv: the text of fields that are not strings */
    char *separator;             /* bytes: a copy of the options' */
    size_t separator_len;
    struct avro_file *avro;
    struct parquet_file *parquet;
    char error[512]; /* after FORMAT_REJECTED */
};

/* Each format's name, file extension and Content-Type, by enum sink_format. */
static const struct {
    const char *name, *extension, *content_type;
} formats[] = {
    [SINK_FORMAT_JSON] = {"json", "json", "application/x-ndjson"},
    [SINK_FORMAT_CSV] = {"csv", "csv", "text/csv"},
    [SINK_FORMAT_BYTES] = {"bytes", "bin", "application/octet-stream"},
    [SINK_FORMAT_AVRO] = {"avro", "avro", "application/avro"},
    [SINK_FORMAT_PARQUET] = {"parquet", "parquet", "application/vnd.apache.parquet"},
};
#define FORMATS (sizeof formats / sizeof formats[0])

/* The index of text in names (count of them), or -1. */
static int name_index(const char *text, const char *const *names, int count) {
    for (int i = 0; text && i < count; i++)
        if (strcmp(text, names[i]) == 0)
            return i;
    return -1;
}

int sink_format_parse(const char *text, enum sink_format *format) {
    for (size_t i = 0; text && i < FORMATS; i++) {
        if (strcmp(text, formats[i].name) == 0) {
            *format = (enum sink_format)i;
            return 0;
        }
    }
    return -1;
}

int avro_codec_parse(const char *text, enum avro_codec *codec) {
    static const char *const names[] = {
        [AVRO_CODEC_NULL] = "null", [AVRO_CODEC_DEFLATE] = "deflate", [AVRO_CODEC_SNAPPY] = "snappy"};
    int i = name_index(text, names, sizeof names / sizeof names[0]);
    if (i < 0)
        return -1;
    *codec = (enum avro_codec)i;
    return 0;
}

int parquet_codec_parse(const char *text, enum parquet_codec *codec) {
    static const char *const names[] = {
        [PARQUET_CODEC_NONE] = "none", [PARQUET_CODEC_SNAPPY] = "snappy", [PARQUET_CODEC_ZSTD] = "zstd"};
    int i = name_index(text, names, sizeof names / sizeof names[0]);
    if (i < 0)
        return -1;
    *codec = (enum parquet_codec)i;
    return 0;
}

const char *sink_format_extension(enum sink_format format) { return formats[format].extension; }

const char *sink_format_content_type(enum sink_format format) { return formats[format].content_type; }

struct format_writer *format_writer_new(const struct format_options *options) {
    struct format_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->format = options->format;
    if (w->format == SINK_FORMAT_BYTES && options->bytes_separator_len > 0) {
        if (!(w->separator = malloc(options->bytes_separator_len)))
            goto fail;
        memcpy(w->separator, options->bytes_separator, options->bytes_separator_len);
        w->separator_len = options->bytes_separator_len;
    }
    if (w->format == SINK_FORMAT_AVRO && !(w->avro = avro_file_new(options)))
        goto fail;
    if (w->format == SINK_FORMAT_PARQUET && !(w->parquet = parquet_file_new(options)))
        goto fail;
    return w;
fail:
    format_writer_free(w);
    return NULL;
}

void format_writer_free(struct format_writer *w) {
    if (!w)
        return;
    free(w->data);
    json_decref(w->columns);
    json_writer_free(w->scratch);
    free(w->separator);
    avro_file_free(w->avro);
    parquet_file_free(w->parquet);
    free(w);
}

/* Room for n more bytes, doubling; 0, or -1. */
static int reserve(struct format_writer *w, size_t n) {
    if (n <= w->cap - w->len)
        return 0;
    size_t cap = w->cap ? w->cap : INITIAL_CAPACITY;
    while (cap - w->len < n) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *data = realloc(w->data, cap);
    if (!data)
        return -1;
    w->data = data;
    w->cap = cap;
    return 0;
}

static int put(struct format_writer *w, const void *bytes, size_t n) {
    if (reserve(w, n))
        return -1;
    memcpy(w->data + w->len, bytes, n);
    w->len += n;
    return 0;
}

/* ---- JSON lines ---- */

/* The value and '\n'. Raw CR and LF can only be whitespace in JSON text,
 * so they become spaces: the value means the same and stays on its line. A
 * zero-length value is null. */
static int json_append(struct format_writer *w, const struct sink_record *r) {
    if (r->value_len == 0)
        return put(w, "null\n", 5);
    if (reserve(w, r->value_len + 1))
        return -1;
    char *line = w->data + w->len;
    memcpy(line, r->value, r->value_len);
    for (size_t i = 0; i < r->value_len; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[r->value_len] = '\n';
    w->len += r->value_len + 1;
    return 0;
}

/* ---- Bytes ---- */

static int bytes_append(struct format_writer *w, const struct sink_record *r) {
    if (put(w, r->value, r->value_len))
        return -1;
    return w->separator ? put(w, w->separator, w->separator_len) : 0;
}

/* ---- CSV ---- */

/* One field, quoted when it holds a comma, quote, CR or LF. */
static int csv_field(struct format_writer *w, const char *text, size_t len) {
    size_t quotes = 0;
    int quoted = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        quotes += c == '"';
        quoted |= c == '"' || c == ',' || c == '\r' || c == '\n';
    }
    if (!quoted)
        return put(w, text, len);
    if (reserve(w, len + quotes + 2))
        return -1;
    char *o = w->data + w->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '"')
            *o++ = '"';
        *o++ = text[i];
    }
    *o++ = '"';
    w->len = (size_t)(o - w->data);
    return 0;
}

/* The record's column names: its row's, or "value" alone. */
static json_t *columns_of(json_t *row) {
    json_t *names = json_array();
    if (!row)
        json_array_append_new(names, json_string("value"));
    for (void *it = row ? json_object_iter(row) : NULL; it; it = json_object_iter_next(row, it))
        json_array_append_new(names, json_string(json_object_iter_key(it)));
    if (json_array_size(names) != (row ? json_object_size(row) : 1)) {
        json_decref(names);
        return NULL;
    }
    return names;
}

static int same_columns(const json_t *columns, json_t *row) {
    if (!row)
        return json_array_size(columns) == 1 && strcmp(json_string_value(json_array_get(columns, 0)), "value") == 0;
    if (json_object_size(row) != json_array_size(columns))
        return 0;
    size_t i = 0;
    for (void *it = json_object_iter(row); it; it = json_object_iter_next(row, it))
        if (strcmp(json_object_iter_key(it), json_string_value(json_array_get(columns, i++))) != 0)
            return 0;
    return 1;
}

static int csv_header(struct format_writer *w) {
    for (size_t i = 0; i < json_array_size(w->columns); i++) {
        json_t *name = json_array_get(w->columns, i);
        if ((i > 0 && put(w, ",", 1)) || csv_field(w, json_string_value(name), json_string_length(name)))
            return -1;
    }
    return put(w, "\r\n", 2);
}

static int csv_row(struct format_writer *w, const struct sink_record *r, json_t *row) {
    if (!row)
        return csv_field(w, r->value, r->value_len) || put(w, "\r\n", 2) ? -1 : 0;
    if (!w->scratch && !(w->scratch = json_writer_new(0)))
        return -1;
    size_t i = 0;
    for (void *it = json_object_iter(row); it; it = json_object_iter_next(row, it)) {
        const char *text;
        size_t len;
        if (i++ > 0 && put(w, ",", 1))
            return -1;
        int has = sink_value_text(json_object_iter_value(it), w->scratch, &text, &len);
        if (has < 0 || (has > 0 && csv_field(w, text, len)))
            return -1;
    }
    return put(w, "\r\n", 2);
}

static enum format_append csv_append(struct format_writer *w, struct sink_record *r) {
    json_t *row = sink_record_row(r);
    if (w->records > 0 && !same_columns(w->columns, row))
        return FORMAT_NEW_FILE;
    if (w->records == 0 && !(w->columns = columns_of(row)))
        return FORMAT_FAILED;
    if ((w->records == 0 && csv_header(w)) || csv_row(w, r, row))
        return FORMAT_FAILED;
    return FORMAT_APPENDED;
}

enum format_append format_writer_append(struct format_writer *w, struct sink_record *r) {
    if (!r->value)
        return FORMAT_SKIPPED;
    if (w->avro)
        return avro_file_append(w->avro, r, w->error, sizeof w->error);
    if (w->parquet)
        return parquet_file_append(w->parquet, r, w->error, sizeof w->error);
    size_t mark = w->len;
    enum format_append result;
    if (w->format == SINK_FORMAT_CSV)
        result = csv_append(w, r);
    else if (w->format == SINK_FORMAT_BYTES)
        result = bytes_append(w, r) ? FORMAT_FAILED : FORMAT_APPENDED;
    else
        result = json_append(w, r) ? FORMAT_FAILED : FORMAT_APPENDED;
    if (result == FORMAT_APPENDED) {
        w->records++;
    } else if (result == FORMAT_FAILED) {
        /* What was written stays a whole file. */
        w->len = mark;
        if (w->records == 0) {
            json_decref(w->columns);
            w->columns = NULL;
        }
    }
    return result;
}

const char *format_writer_error(const struct format_writer *w) { return w->error; }

long long format_writer_records(const struct format_writer *w) {
    return w->avro ? avro_file_records(w->avro) : w->parquet ? parquet_file_records(w->parquet) : w->records;
}

size_t format_writer_size(const struct format_writer *w) {
    return w->avro ? avro_file_size(w->avro) : w->parquet ? parquet_file_size(w->parquet) : w->len;
}

const char *format_writer_finish(struct format_writer *w, size_t *len) {
    if (w->avro)
        return avro_file_finish(w->avro, len);
    if (w->parquet)
        return parquet_file_finish(w->parquet, len);
    *len = w->len;
    return w->data ? w->data : "";
}

size_t format_writer_memory(const struct format_writer *w) {
    return w->avro ? avro_file_memory(w->avro) : w->parquet ? parquet_file_memory(w->parquet) : w->cap;
}

const struct row_schema *format_writer_schema(const struct format_writer *w) {
    return w->avro ? avro_file_schema(w->avro) : w->parquet ? parquet_file_schema(w->parquet) : NULL;
}

enum format_append format_typed_schema(const struct row_schema *file_schema, struct row_schema **misfit,
                                       struct sink_record *r, format_adopt_fn adopt, void *file, char *err,
                                       size_t errlen) {
    if (file_schema) {
        int differs = row_schema_differs(file_schema, misfit, r, err, errlen);
        return differs == 0    ? FORMAT_APPENDED
               : differs > 0   ? FORMAT_NEW_FILE
               : differs == -1 ? FORMAT_REJECTED
                               : FORMAT_FAILED;
    }
    struct row_schema *s = row_schema_of(r, err, errlen);
    if (!s)
        return errno == ENOMEM ? FORMAT_FAILED : FORMAT_REJECTED;
    int adopted = adopt(file, s, r, err, errlen);
    return adopted == 0 ? FORMAT_APPENDED : adopted == -1 ? FORMAT_REJECTED : FORMAT_FAILED;
}
