/* The lake files' formats, JSON lines and CSV, built in one growing buffer
 * per file. See format.h. */
#include "format.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

#define INITIAL_CAPACITY 4096

struct format_writer {
    enum sink_format format;
    char *data;
    size_t len, cap;
    long long records;
    json_t *columns;             /* csv: the header's names, once a record is in */
    struct json_writer *scratch; /* csv: the text of fields that are not strings */
};

int sink_format_parse(const char *text, enum sink_format *format) {
    if (text && strcmp(text, "json") == 0)
        *format = SINK_FORMAT_JSON;
    else if (text && strcmp(text, "csv") == 0)
        *format = SINK_FORMAT_CSV;
    else
        return -1;
    return 0;
}

const char *sink_format_extension(enum sink_format format) { return format == SINK_FORMAT_CSV ? "csv" : "json"; }

const char *sink_format_content_type(enum sink_format format) {
    return format == SINK_FORMAT_CSV ? "text/csv" : "application/x-ndjson";
}

struct format_writer *format_writer_new(enum sink_format format) {
    struct format_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->format = format;
    return w;
}

void format_writer_free(struct format_writer *w) {
    if (!w)
        return;
    free(w->data);
    json_decref(w->columns);
    json_writer_free(w->scratch);
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
    size_t mark = w->len;
    enum format_append result;
    if (w->format == SINK_FORMAT_CSV)
        result = csv_append(w, r);
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

long long format_writer_records(const struct format_writer *w) { return w->records; }

const char *format_writer_data(const struct format_writer *w, size_t *len) {
    *len = w->len;
    return w->data ? w->data : "";
}

size_t format_writer_memory(const struct format_writer *w) { return w->cap; }
