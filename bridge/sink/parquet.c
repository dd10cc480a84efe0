/* A Parquet file writer: values kept PLAIN per column while a row group is
 * open, then encoded into pages (dictionary or plain), compressed, and
 * appended to the file; the footer written at finish. See parquet.h. */
#include "parquet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>
#include <zstd.h>

#include "thrift_writer.h"

/* Bounds: a data page's values, its rows, a dictionary's values, a
 * min/max kept in statistics, one value. */
#define PAGE_VALUE_BYTES ((size_t)1 << 20)
#define PAGE_ROWS ((size_t)1 << 20)
#define DICTIONARY_VALUES 65536
#define STATISTICS_BYTES 4096
#define VALUE_BYTES ((size_t)1 << 30)
#define ZSTD_LEVEL 3

/* parquet.thrift's enums. */
enum { T_BOOLEAN = 0, T_INT32 = 1, T_INT64 = 2, T_FLOAT = 4, T_DOUBLE = 5, T_BYTE_ARRAY = 6, T_FIXED = 7 };
enum { CONVERTED_UTF8 = 0, CONVERTED_DECIMAL = 5, CONVERTED_DATE = 6, CONVERTED_TIMESTAMP_MICROS = 10 };
enum { LOGICAL_STRING = 1, LOGICAL_DECIMAL = 5, LOGICAL_DATE = 6, LOGICAL_TIMESTAMP = 8 };
enum { ENCODING_PLAIN = 0, ENCODING_RLE = 3, ENCODING_RLE_DICTIONARY = 8 };
enum { PAGE_DATA = 0, PAGE_DICTIONARY = 2 };
enum { REPETITION_REQUIRED = 0, REPETITION_OPTIONAL = 1 };
enum { CODEC_UNCOMPRESSED = 0, CODEC_SNAPPY = 1, CODEC_ZSTD = 6 };

enum row_state { UNSET, SET_VALUE, SET_NULL };

struct column {
    struct parquet_column spec; /* name owned */
    int physical;
    size_t width;              /* a PLAIN value's bytes (a boolean: one byte here); 0 for byte arrays */
    unsigned char limit[32];   /* decimal: 10^precision, big-endian in width bytes */
    struct thrift_buf values;  /* the open row group's values, PLAIN */
    struct thrift_buf defined; /* optional: one byte per row, 1 for a value, 0 for null */
    size_t count;              /* values (not nulls) in the open row group */
    enum row_state state;      /* in the unfinished row */
    size_t row_mark;           /* values.len before the unfinished row's value */
};

/* One value of a column chunk, as PLAIN has it (a byte array without its length). */
struct value {
    const unsigned char *data;
    size_t len;
};

/* A column chunk's statistics. */
struct statistics {
    long long nulls, nans;
    int has_bounds;
    struct value min, max;
    unsigned char min_zero[8], max_zero[8]; /* a float's -0.0 / +0.0 bound */
};

/* A column chunk as the footer describes it. */
struct chunk {
    long long dictionary_offset, data_offset; /* dictionary_offset -1: none */
    long long compressed, uncompressed;
    struct statistics stats;
};

/* The dictionary of a byte-array chunk being encoded. */
struct dictionary {
    struct value *entries;
    size_t count, bytes;
    uint16_t *indices; /* per value */
    uint32_t *slots;   /* hash table of entry + 1, 0 empty */
    size_t slot_count;
    int bits;
};

struct parquet_writer {
    struct column *columns;
    size_t count;
    enum parquet_compression compression;
    size_t row_group_bytes;
    struct thrift_buf file;   /* "PAR1", the closed row groups; at finish the footer */
    struct thrift_buf groups; /* the closed row groups' RowGroup structs */
    size_t group_count;
    long long rows, group_rows;
    struct chunk *chunks;             /* per column, for the row group being closed */
    struct thrift_buf page, squeezed; /* a page's body, compressed */
    int finished;
    char error[160];
};

/* ---- Buffers ---- */

/* 0, or -1 when memory runs out (the buffer as it was). */
static int put(struct thrift_buf *b, const void *bytes, size_t n) {
    if (n == 0)
        return 0;
    thrift_buf_put(b, bytes, n);
    if (!b->failed)
        return 0;
    b->failed = 0;
    return -1;
}

static void put_le(struct thrift_buf *b, uint64_t v, size_t bytes) {
    unsigned char out[8];
    for (size_t k = 0; k < bytes; k++)
        out[k] = (unsigned char)(v >> (8 * k));
    thrift_buf_put(b, out, bytes);
}

static uint64_t get_le(const unsigned char *p, size_t bytes) {
    uint64_t v = 0;
    for (size_t k = 0; k < bytes; k++)
        v |= (uint64_t)p[k] << (8 * k);
    return v;
}

/* Capacity for n bytes (contents not kept); 0, or -1. */
static int reserve(struct thrift_buf *b, size_t n) {
    b->len = 0;
    if (n <= b->cap)
        return 0;
    unsigned char *data = realloc(b->data, n);
    if (!data)
        return -1;
    b->data = data;
    b->cap = n;
    return 0;
}

static void release(struct thrift_buf *b) {
    free(b->data);
    *b = (struct thrift_buf){0};
}

/* ---- Columns ---- */

static int physical_of(const struct parquet_column *c) {
    static const int physical[] = {
        [PARQUET_BOOLEAN] = T_BOOLEAN,  [PARQUET_INT32] = T_INT32,   [PARQUET_INT64] = T_INT64,
        [PARQUET_FLOAT] = T_FLOAT,      [PARQUET_DOUBLE] = T_DOUBLE, [PARQUET_STRING] = T_BYTE_ARRAY,
        [PARQUET_BYTES] = T_BYTE_ARRAY, [PARQUET_DATE] = T_INT32,    [PARQUET_TIMESTAMP] = T_INT64,
    };
    if (c->kind != PARQUET_DECIMAL)
        return physical[c->kind];
    return c->precision <= 9 ? T_INT32 : c->precision <= 18 ? T_INT64 : T_FIXED;
}

/* 10^precision, big-endian in 33 bytes; its bit length. */
static int power_of_ten(int precision, unsigned char out[33]) {
    memset(out, 0, 33);
    out[32] = 1;
    for (int p = 0; p < precision; p++) {
        unsigned carry = 0;
        for (int k = 32; k >= 0; k--) {
            unsigned v = out[k] * 10u + carry;
            out[k] = (unsigned char)v;
            carry = v >> 8;
        }
    }
    int k = 0;
    while (out[k] == 0)
        k++;
    int bits = 8;
    while (!(out[k] & (1u << (bits - 1))))
        bits--;
    return (32 - k) * 8 + bits;
}

static int column_init(struct column *c, const struct parquet_column *spec) {
    if (!spec->name || (unsigned)spec->kind > PARQUET_TIMESTAMP)
        return -1;
    if (spec->kind == PARQUET_DECIMAL && (spec->precision < 1 || spec->precision > PARQUET_DECIMAL_PRECISION_MAX ||
                                          spec->scale < 0 || spec->scale > spec->precision))
        return -1;
    c->spec = *spec;
    c->spec.name = strdup(spec->name); /* NULL for free when memory runs out */
    if (!c->spec.name)
        return -1;
    c->physical = physical_of(spec);
    static const size_t widths[] = {[T_BOOLEAN] = 1, [T_INT32] = 4, [T_INT64] = 8, [T_FLOAT] = 4, [T_DOUBLE] = 8};
    if (c->physical != T_BYTE_ARRAY && c->physical != T_FIXED)
        c->width = widths[c->physical];
    if (spec->kind == PARQUET_DECIMAL) {
        unsigned char ten[33];
        int bits = power_of_ten(spec->precision, ten);
        if (c->physical == T_FIXED)
            c->width = (size_t)(bits + 1 + 7) / 8; /* and a sign bit */
        memcpy(c->limit, ten + 33 - c->width, c->width);
    }
    return 0;
}

struct parquet_writer *parquet_writer_new(const struct parquet_column *columns, size_t count,
                                          enum parquet_compression compression, size_t row_group_bytes) {
    struct parquet_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->compression = compression;
    w->row_group_bytes = row_group_bytes;
    w->columns = calloc(count ? count : 1, sizeof *w->columns);
    w->chunks = calloc(count ? count : 1, sizeof *w->chunks);
    int ok = w->columns && w->chunks && (unsigned)compression <= PARQUET_COMPRESSION_ZSTD;
    for (; ok && w->count < count; w->count++)
        ok = column_init(&w->columns[w->count], &columns[w->count]) == 0;
    if (!ok || put(&w->file, "PAR1", 4)) {
        parquet_writer_free(w);
        return NULL;
    }
    return w;
}

static void release_row_group(struct parquet_writer *w) {
    for (size_t i = 0; i < w->count; i++) {
        release(&w->columns[i].values);
        release(&w->columns[i].defined);
    }
    release(&w->page);
    release(&w->squeezed);
}

void parquet_writer_free(struct parquet_writer *w) {
    if (!w)
        return;
    release_row_group(w);
    for (size_t i = 0; i < w->count; i++)
        free((char *)w->columns[i].spec.name);
    free(w->columns);
    free(w->chunks);
    release(&w->file);
    release(&w->groups);
    free(w);
}

const char *parquet_writer_error(const struct parquet_writer *w) { return w->error; }

long long parquet_writer_rows(const struct parquet_writer *w) { return w->rows; }

/* ---- Values ---- */

static enum parquet_status refuse(struct parquet_writer *w, const struct column *c, const char *why) {
    snprintf(w->error, sizeof w->error, "column \"%s\": %s", c ? c->spec.name : "?", why);
    return PARQUET_BAD_VALUE;
}

/* The column a value may be set for now, or NULL with the error. */
static struct column *settable(struct parquet_writer *w, size_t i) {
    if (w->finished || i >= w->count) {
        refuse(w, NULL, w->finished ? "the file is finished" : "no such column");
        return NULL;
    }
    struct column *c = &w->columns[i];
    if (c->state == UNSET)
        return c;
    refuse(w, c, "set twice in one row");
    return NULL;
}

/* The same, for a setter of kinds a and b. */
static struct column *settable_as(struct parquet_writer *w, size_t i, enum parquet_kind a, enum parquet_kind b) {
    struct column *c = settable(w, i);
    if (!c || c->spec.kind == a || c->spec.kind == b)
        return c;
    refuse(w, c, "a value of another type");
    return NULL;
}

/* prefix then data as the row's value of c. */
static enum parquet_status add(struct column *c, const void *prefix, size_t prefix_len, const void *data, size_t len) {
    size_t mark = c->values.len;
    if (put(&c->values, prefix, prefix_len) || put(&c->values, data, len) ||
        (c->spec.optional && put(&c->defined, "\1", 1))) {
        c->values.len = mark;
        return PARQUET_NO_MEMORY;
    }
    c->row_mark = mark;
    c->state = SET_VALUE;
    c->count++;
    return PARQUET_OK;
}

static enum parquet_status add_le(struct column *c, uint64_t v) {
    unsigned char out[8];
    for (size_t k = 0; k < c->width; k++)
        out[k] = (unsigned char)(v >> (8 * k));
    return add(c, out, c->width, NULL, 0);
}

enum parquet_status parquet_writer_null(struct parquet_writer *w, size_t column) {
    struct column *c = settable(w, column);
    if (!c)
        return PARQUET_BAD_VALUE;
    if (!c->spec.optional)
        return refuse(w, c, "null in a required column");
    if (put(&c->defined, "", 1))
        return PARQUET_NO_MEMORY;
    c->state = SET_NULL;
    return PARQUET_OK;
}

enum parquet_status parquet_writer_bool(struct parquet_writer *w, size_t column, int value) {
    struct column *c = settable_as(w, column, PARQUET_BOOLEAN, PARQUET_BOOLEAN);
    return c ? add_le(c, value ? 1 : 0) : PARQUET_BAD_VALUE;
}

enum parquet_status parquet_writer_int32(struct parquet_writer *w, size_t column, int32_t value) {
    struct column *c = settable_as(w, column, PARQUET_INT32, PARQUET_DATE);
    return c ? add_le(c, (uint32_t)value) : PARQUET_BAD_VALUE;
}

enum parquet_status parquet_writer_int64(struct parquet_writer *w, size_t column, int64_t value) {
    struct column *c = settable_as(w, column, PARQUET_INT64, PARQUET_TIMESTAMP);
    return c ? add_le(c, (uint64_t)value) : PARQUET_BAD_VALUE;
}

enum parquet_status parquet_writer_float(struct parquet_writer *w, size_t column, float value) {
    struct column *c = settable_as(w, column, PARQUET_FLOAT, PARQUET_FLOAT);
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return c ? add_le(c, bits) : PARQUET_BAD_VALUE;
}

enum parquet_status parquet_writer_double(struct parquet_writer *w, size_t column, double value) {
    struct column *c = settable_as(w, column, PARQUET_DOUBLE, PARQUET_DOUBLE);
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return c ? add_le(c, bits) : PARQUET_BAD_VALUE;
}

enum parquet_status parquet_writer_bytes(struct parquet_writer *w, size_t column, const void *data, size_t len) {
    struct column *c = settable_as(w, column, PARQUET_STRING, PARQUET_BYTES);
    if (!c)
        return PARQUET_BAD_VALUE;
    if (len > VALUE_BYTES)
        return refuse(w, c, "a value longer than 1 GiB");
    unsigned char prefix[4];
    for (int k = 0; k < 4; k++)
        prefix[k] = (unsigned char)(len >> (8 * k));
    return add(c, prefix, 4, data, len);
}

/* value (width bytes, big-endian two's complement) is within +-(10^precision - 1). */
static int fits_precision(const struct column *c, const unsigned char *value) {
    unsigned char magnitude[32];
    memcpy(magnitude, value, c->width);
    if (value[0] & 0x80) {
        unsigned carry = 1;
        for (size_t k = c->width; k-- > 0;) {
            unsigned v = (unsigned char)~magnitude[k] + carry;
            magnitude[k] = (unsigned char)v;
            carry = v >> 8;
        }
    }
    return memcmp(magnitude, c->limit, c->width) < 0;
}

enum parquet_status parquet_writer_decimal(struct parquet_writer *w, size_t column,
                                           const unsigned char *big_endian_twos_complement, size_t len) {
    struct column *c = settable_as(w, column, PARQUET_DECIMAL, PARQUET_DECIMAL);
    if (!c)
        return PARQUET_BAD_VALUE;
    if (len == 0)
        return refuse(w, c, "a decimal of no bytes");
    const unsigned char *v = big_endian_twos_complement;
    unsigned char sign = v[0] & 0x80 ? 0xff : 0;
    while (len > 1 && v[0] == sign && (v[1] & 0x80) == (sign & 0x80)) {
        v++;
        len--;
    }
    unsigned char fixed[32];
    if (len > c->width)
        return refuse(w, c, "a decimal with more digits than its precision");
    memset(fixed, sign, c->width - len);
    memcpy(fixed + c->width - len, v, len);
    if (!fits_precision(c, fixed))
        return refuse(w, c, "a decimal with more digits than its precision");
    if (c->physical == T_FIXED)
        return add(c, fixed, c->width, NULL, 0);
    uint64_t le = 0;
    for (size_t k = 0; k < c->width; k++)
        le = le << 8 | fixed[k];
    return add_le(c, le);
}

void parquet_writer_abort_row(struct parquet_writer *w) {
    for (size_t i = 0; i < w->count; i++) {
        struct column *c = &w->columns[i];
        if (c->state == UNSET)
            continue;
        if (c->state == SET_VALUE) {
            c->values.len = c->row_mark;
            c->count--;
        }
        if (c->spec.optional)
            c->defined.len--;
        c->state = UNSET;
    }
}

/* ---- Encoding ---- */

/* Levels or dictionary indices, narrow or wide. */
struct run_values {
    const uint8_t *narrow;
    const uint16_t *wide;
};

static unsigned value_at(const struct run_values *v, size_t i) { return v->narrow ? v->narrow[i] : v->wide[i]; }

/* How many values from i on equal the one at i, up to cap. */
static size_t run_length(const struct run_values *v, size_t i, size_t n, size_t cap) {
    size_t k = 1;
    while (i + k < n && k < cap && value_at(v, i + k) == value_at(v, i))
        k++;
    return k;
}

/* groups * 8 values from start (0 past n), bits each, least significant bit first. */
static void pack_bits(struct thrift_buf *b, const struct run_values *v, size_t start, size_t n, size_t groups,
                      int bits) {
    uint64_t pending = 0;
    int pending_bits = 0;
    for (size_t i = start; i < start + groups * 8; i++) {
        pending |= (uint64_t)(i < n ? value_at(v, i) : 0) << pending_bits;
        for (pending_bits += bits; pending_bits >= 8; pending_bits -= 8) {
            unsigned char byte = (unsigned char)pending;
            thrift_buf_put(b, &byte, 1);
            pending >>= 8;
        }
    }
}

/* The RLE / bit-packed hybrid of values [from, n): runs of 8 or more
 * repeats as RLE runs, the rest bit-packed in groups of 8. */
static void put_hybrid(struct thrift_buf *b, const struct run_values *v, size_t from, size_t n, int bits) {
    for (size_t i = from; i < n;) {
        size_t run = run_length(v, i, n, SIZE_MAX);
        if (run >= 8) {
            thrift_buf_varint(b, (uint64_t)run << 1);
            put_le(b, value_at(v, i), (size_t)(bits + 7) / 8);
            i += run;
            continue;
        }
        size_t start = i, groups = 0;
        do {
            i += 8;
            groups++;
        } while (i < n && run_length(v, i, n, 8) < 8);
        thrift_buf_varint(b, (uint64_t)groups << 1 | 1);
        pack_bits(b, v, start, n, groups, bits);
        if (i > n)
            i = n;
    }
}

/* The body compressed with the writer's codec: in w->squeezed, or the body itself. */
static const struct thrift_buf *compress(struct parquet_writer *w, const struct thrift_buf *body) {
    struct thrift_buf *out = &w->squeezed;
    if (w->compression == PARQUET_COMPRESSION_SNAPPY) {
        size_t len = snappy_max_compressed_length(body->len);
        if (reserve(out, len) ||
            snappy_compress((const char *)body->data, body->len, (char *)out->data, &len) != SNAPPY_OK)
            return NULL;
        out->len = len;
        return out;
    }
    if (w->compression == PARQUET_COMPRESSION_ZSTD) {
        size_t bound = ZSTD_compressBound(body->len);
        if (reserve(out, bound))
            return NULL;
        size_t len = ZSTD_compress(out->data, bound, body->data, body->len, ZSTD_LEVEL);
        if (ZSTD_isError(len))
            return NULL;
        out->len = len;
        return out;
    }
    return body;
}

/* A page: its header and compressed body at the file's end. */
static int put_page(struct parquet_writer *w, struct chunk *chunk, int type, size_t values, int encoding) {
    const struct thrift_buf *body = compress(w, &w->page);
    if (!body)
        return -1;
    size_t at = w->file.len;
    struct thrift_writer t;
    thrift_writer_init(&t, &w->file);
    thrift_i32(&t, 1, type);
    thrift_i32(&t, 2, (int32_t)w->page.len);
    thrift_i32(&t, 3, (int32_t)body->len);
    thrift_struct_begin(&t, type == PAGE_DATA ? 5 : 7);
    thrift_i32(&t, 1, (int32_t)values);
    thrift_i32(&t, 2, encoding);
    if (type == PAGE_DATA) {
        thrift_i32(&t, 3, ENCODING_RLE);
        thrift_i32(&t, 4, ENCODING_RLE);
    }
    thrift_struct_end(&t);
    thrift_stop(&t);
    size_t header = w->file.len - at;
    thrift_buf_put(&w->file, body->data, body->len);
    chunk->uncompressed += (long long)(header + w->page.len);
    chunk->compressed += (long long)(header + body->len);
    return w->file.failed ? -1 : 0;
}

/* The value at *offset of a chunk's PLAIN values; *offset moves past it. */
static struct value next_value(const struct column *c, size_t *offset) {
    struct value v = {c->values.data + *offset, c->width};
    if (!c->width) {
        v.len = (size_t)get_le(v.data, 4);
        v.data += 4;
    }
    *offset += c->width ? c->width : 4 + v.len;
    return v;
}

static uint64_t hash_of(struct value v) {
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < v.len; i++)
        h = (h ^ v.data[i]) * 1099511628211u;
    return h;
}

static void dictionary_free(struct dictionary *d) {
    free(d->entries);
    free(d->indices);
    free(d->slots);
    *d = (struct dictionary){0};
}

/* The chunk's dictionary when it pays (d->count > 0); 0, or -1 when memory runs out. */
static int dictionary_build(const struct column *c, struct dictionary *d) {
    *d = (struct dictionary){0};
    if (c->width || c->count == 0)
        return 0;
    d->slot_count = 2 * DICTIONARY_VALUES;
    while (d->slot_count / 4 > c->count && d->slot_count > 16)
        d->slot_count /= 2;
    size_t entries_max = d->slot_count / 2;
    d->entries = malloc(entries_max * sizeof *d->entries);
    d->indices = malloc(c->count * sizeof *d->indices);
    d->slots = calloc(d->slot_count, sizeof *d->slots);
    if (!d->entries || !d->indices || !d->slots) {
        dictionary_free(d);
        return -1;
    }
    size_t offset = 0;
    for (size_t i = 0; i < c->count; i++) {
        struct value v = next_value(c, &offset);
        size_t slot = (size_t)hash_of(v) & (d->slot_count - 1);
        for (; d->slots[slot]; slot = (slot + 1) & (d->slot_count - 1)) {
            struct value *e = &d->entries[d->slots[slot] - 1];
            if (e->len == v.len && (v.len == 0 || memcmp(e->data, v.data, v.len) == 0))
                break;
        }
        if (!d->slots[slot]) {
            if (d->count == entries_max) {
                dictionary_free(d); /* too many distinct values: PLAIN */
                return 0;
            }
            d->entries[d->count++] = v;
            d->bytes += 4 + v.len;
            d->slots[slot] = (uint32_t)d->count;
        }
        d->indices[i] = (uint16_t)(d->slots[slot] - 1);
    }
    for (d->bits = 1; ((size_t)1 << d->bits) < d->count; d->bits++)
        ;
    if (d->bytes + c->count * (size_t)d->bits / 8 + 16 >= c->values.len)
        dictionary_free(d); /* no smaller than PLAIN */
    return 0;
}

static int put_dictionary_page(struct parquet_writer *w, struct chunk *chunk, const struct dictionary *d) {
    if (reserve(&w->page, d->bytes))
        return -1;
    for (size_t i = 0; i < d->count; i++) {
        put_le(&w->page, d->entries[i].len, 4);
        thrift_buf_put(&w->page, d->entries[i].data, d->entries[i].len);
    }
    chunk->dictionary_offset = (long long)w->file.len;
    return put_page(w, chunk, PAGE_DICTIONARY, d->count, ENCODING_PLAIN);
}

/* The data page of rows [row, row_end), values [value, value_end) at
 * bytes [offset, offset_end) of the column's values. */
struct page_span {
    size_t row, row_end, value, value_end, offset, offset_end;
};

static int put_data_page(struct parquet_writer *w, const struct column *c, struct chunk *chunk,
                         const struct dictionary *d, const struct page_span *s) {
    w->page.len = 0;
    if (c->spec.optional) {
        size_t at = w->page.len;
        thrift_buf_put(&w->page, "\0\0\0\0", 4);
        struct run_values levels = {.narrow = c->defined.data};
        put_hybrid(&w->page, &levels, s->row, s->row_end, 1);
        if (w->page.failed)
            return -1;
        uint32_t len = (uint32_t)(w->page.len - at - 4);
        for (int k = 0; k < 4; k++)
            w->page.data[at + (size_t)k] = (unsigned char)(len >> (8 * k));
    }
    if (d->count) {
        unsigned char bits = (unsigned char)d->bits;
        thrift_buf_put(&w->page, &bits, 1);
        struct run_values indices = {.wide = d->indices};
        put_hybrid(&w->page, &indices, s->value, s->value_end, d->bits);
    } else if (c->physical == T_BOOLEAN) {
        struct run_values booleans = {.narrow = c->values.data};
        pack_bits(&w->page, &booleans, s->value, s->value_end, (s->value_end - s->value + 7) / 8, 1);
    } else if (s->offset_end > s->offset) {
        thrift_buf_put(&w->page, c->values.data + s->offset, s->offset_end - s->offset);
    }
    if (w->page.failed)
        return -1;
    if (chunk->data_offset < 0)
        chunk->data_offset = (long long)w->file.len;
    return put_page(w, chunk, PAGE_DATA, s->row_end - s->row, d->count ? ENCODING_RLE_DICTIONARY : ENCODING_PLAIN);
}

/* A column chunk's pages at the file's end. */
static int put_chunk(struct parquet_writer *w, const struct column *c, struct chunk *chunk) {
    struct dictionary d;
    if (dictionary_build(c, &d))
        return -1;
    int failed = d.count && put_dictionary_page(w, chunk, &d);
    struct page_span s = {0};
    while (!failed && s.row < (size_t)w->group_rows) {
        s.value = s.value_end;
        s.offset = s.offset_end;
        for (s.row = s.row_end; s.row_end < (size_t)w->group_rows && s.row_end - s.row < PAGE_ROWS &&
                                s.offset_end - s.offset < PAGE_VALUE_BYTES;
             s.row_end++) {
            if (c->spec.optional && !c->defined.data[s.row_end])
                continue;
            next_value(c, &s.offset_end);
            s.value_end++;
        }
        failed = put_data_page(w, c, chunk, &d, &s);
        s.row = s.row_end;
    }
    dictionary_free(&d);
    return failed ? -1 : 0;
}

/* ---- Statistics ---- */

static int compare_signed_be(struct value a, struct value b) {
    if ((a.data[0] ^ b.data[0]) & 0x80)
        return a.data[0] & 0x80 ? -1 : 1;
    return memcmp(a.data, b.data, a.len);
}

static int compare_bytes(struct value a, struct value b) {
    int order = memcmp(a.data, b.data, a.len < b.len ? a.len : b.len);
    return order ? order : (a.len > b.len) - (a.len < b.len);
}

/* Orders two values of c as its column order does; NaN values are left to the caller. */
static int compare(const struct column *c, struct value a, struct value b) {
    switch (c->physical) {
    case T_INT32: {
        int32_t x = (int32_t)(uint32_t)get_le(a.data, 4), y = (int32_t)(uint32_t)get_le(b.data, 4);
        return (x > y) - (x < y);
    }
    case T_INT64: {
        int64_t x = (int64_t)get_le(a.data, 8), y = (int64_t)get_le(b.data, 8);
        return (x > y) - (x < y);
    }
    case T_FLOAT: {
        float x, y;
        uint32_t bx = (uint32_t)get_le(a.data, 4), by = (uint32_t)get_le(b.data, 4);
        memcpy(&x, &bx, 4);
        memcpy(&y, &by, 4);
        return (x > y) - (x < y);
    }
    case T_DOUBLE: {
        double x, y;
        uint64_t bx = get_le(a.data, 8), by = get_le(b.data, 8);
        memcpy(&x, &bx, 8);
        memcpy(&y, &by, 8);
        return (x > y) - (x < y);
    }
    case T_FIXED:
        return compare_signed_be(a, b);
    default: /* BOOLEAN, BYTE_ARRAY */
        return compare_bytes(a, b);
    }
}

static int is_nan(const struct column *c, struct value v) {
    if (c->physical == T_FLOAT)
        return ((uint32_t)get_le(v.data, 4) & 0x7fffffffu) > 0x7f800000u;
    if (c->physical == T_DOUBLE)
        return (get_le(v.data, 8) & 0x7fffffffffffffffu) > 0x7ff0000000000000u;
    return 0;
}

/* A float bound of zero as the spec wants it: -0.0 for the min, +0.0 for the max. */
static void signed_zero(const struct column *c, struct value *bound, unsigned char *own, int negative) {
    uint64_t magnitude = get_le(bound->data, c->width) & (c->width == 4 ? 0x7fffffffu : 0x7fffffffffffffffu);
    if (magnitude != 0)
        return;
    uint64_t bits = negative ? (uint64_t)1 << (8 * c->width - 1) : 0;
    for (size_t k = 0; k < c->width; k++)
        own[k] = (unsigned char)(bits >> (8 * k));
    bound->data = own;
}

static void statistics_of(const struct column *c, long long rows, struct statistics *s) {
    *s = (struct statistics){.nulls = rows - (long long)c->count};
    size_t offset = 0;
    for (size_t i = 0; i < c->count; i++) {
        struct value v = next_value(c, &offset);
        if (is_nan(c, v)) {
            s->nans++;
        } else if (!s->has_bounds) {
            s->min = s->max = v;
            s->has_bounds = 1;
        } else if (compare(c, v, s->min) < 0) {
            s->min = v;
        } else if (compare(c, v, s->max) > 0) {
            s->max = v;
        }
    }
    if (s->has_bounds && (s->min.len > STATISTICS_BYTES || s->max.len > STATISTICS_BYTES))
        s->has_bounds = 0;
    if (s->has_bounds && (c->physical == T_FLOAT || c->physical == T_DOUBLE)) {
        signed_zero(c, &s->min, s->min_zero, 1);
        signed_zero(c, &s->max, s->max_zero, 0);
    }
}

/* ---- Metadata ---- */

static int codec_of(enum parquet_compression compression) {
    return compression == PARQUET_COMPRESSION_SNAPPY ? CODEC_SNAPPY
           : compression == PARQUET_COMPRESSION_ZSTD ? CODEC_ZSTD
                                                     : CODEC_UNCOMPRESSED;
}

static void put_statistics(struct thrift_writer *t, const struct column *c, const struct statistics *s) {
    thrift_struct_begin(t, 12);
    thrift_i64(t, 3, s->nulls);
    if (s->has_bounds) {
        thrift_binary(t, 5, s->max.data, s->max.len);
        thrift_binary(t, 6, s->min.data, s->min.len);
        thrift_bool(t, 7, 1);
        thrift_bool(t, 8, 1);
    }
    if (c->physical == T_FLOAT || c->physical == T_DOUBLE)
        thrift_i64(t, 9, s->nans);
    thrift_struct_end(t);
}

/* The RowGroup struct of the chunks just written, at w->groups' end. */
static void put_row_group(struct parquet_writer *w, long long first_offset) {
    struct thrift_writer t;
    thrift_writer_init(&t, &w->groups);
    thrift_list_begin(&t, 1, THRIFT_STRUCT, w->count);
    long long compressed = 0, uncompressed = 0;
    for (size_t i = 0; i < w->count; i++) {
        const struct column *c = &w->columns[i];
        const struct chunk *chunk = &w->chunks[i];
        int dictionary = chunk->dictionary_offset >= 0;
        thrift_list_struct_begin(&t);
        thrift_i64(&t, 2, 0); /* file_offset: no ColumnMetaData outside the footer */
        thrift_struct_begin(&t, 3);
        thrift_i32(&t, 1, c->physical);
        thrift_list_begin(&t, 2, THRIFT_I32, dictionary ? 3 : 2);
        thrift_list_i32(&t, ENCODING_PLAIN);
        thrift_list_i32(&t, ENCODING_RLE);
        if (dictionary)
            thrift_list_i32(&t, ENCODING_RLE_DICTIONARY);
        thrift_list_begin(&t, 3, THRIFT_BINARY, 1);
        thrift_list_binary(&t, c->spec.name, strlen(c->spec.name));
        thrift_i32(&t, 4, codec_of(w->compression));
        thrift_i64(&t, 5, w->group_rows);
        thrift_i64(&t, 6, chunk->uncompressed);
        thrift_i64(&t, 7, chunk->compressed);
        thrift_i64(&t, 9, chunk->data_offset);
        if (dictionary)
            thrift_i64(&t, 11, chunk->dictionary_offset);
        put_statistics(&t, c, &chunk->stats);
        thrift_struct_end(&t);
        thrift_list_struct_end(&t);
        compressed += chunk->compressed;
        uncompressed += chunk->uncompressed;
    }
    thrift_i64(&t, 2, uncompressed);
    thrift_i64(&t, 3, w->group_rows);
    thrift_i64(&t, 5, first_offset);
    thrift_i64(&t, 6, compressed);
    thrift_stop(&t);
}

/* Encodes the open row group into the file; on failure the file is as it was. */
static enum parquet_status close_row_group(struct parquet_writer *w) {
    size_t file_mark = w->file.len, groups_mark = w->groups.len;
    int failed = 0;
    for (size_t i = 0; !failed && i < w->count; i++) {
        struct chunk *chunk = &w->chunks[i];
        *chunk = (struct chunk){.dictionary_offset = -1, .data_offset = -1};
        statistics_of(&w->columns[i], w->group_rows, &chunk->stats);
        failed = put_chunk(w, &w->columns[i], chunk);
    }
    if (!failed)
        put_row_group(w, (long long)file_mark);
    if (failed || w->file.failed || w->groups.failed) {
        w->file.len = file_mark;
        w->groups.len = groups_mark;
        w->file.failed = w->groups.failed = w->page.failed = 0;
        return PARQUET_NO_MEMORY;
    }
    for (size_t i = 0; i < w->count; i++) {
        w->columns[i].values.len = w->columns[i].defined.len = 0;
        w->columns[i].count = 0;
    }
    w->group_count++;
    w->group_rows = 0;
    return PARQUET_OK;
}

/* What the open row group's values take, as PLAIN with levels. */
static size_t buffered(const struct parquet_writer *w) {
    size_t n = 0;
    for (size_t i = 0; i < w->count; i++)
        n += w->columns[i].values.len + w->columns[i].defined.len / 8;
    return n;
}

enum parquet_status parquet_writer_end_row(struct parquet_writer *w) {
    if (w->finished)
        return refuse(w, NULL, "the file is finished");
    for (size_t i = 0; i < w->count; i++)
        if (w->columns[i].state == UNSET)
            return refuse(w, &w->columns[i], "no value in the row");
    w->group_rows++;
    if (buffered(w) >= w->row_group_bytes && close_row_group(w) != PARQUET_OK) {
        w->group_rows--;
        return PARQUET_NO_MEMORY;
    }
    for (size_t i = 0; i < w->count; i++)
        w->columns[i].state = UNSET;
    w->rows++;
    return PARQUET_OK;
}

static void put_schema_element(struct thrift_writer *t, const struct column *c) {
    const struct parquet_column *s = &c->spec;
    thrift_list_struct_begin(t);
    thrift_i32(t, 1, c->physical);
    if (c->physical == T_FIXED)
        thrift_i32(t, 2, (int32_t)c->width);
    thrift_i32(t, 3, s->optional ? REPETITION_OPTIONAL : REPETITION_REQUIRED);
    thrift_binary(t, 4, s->name, strlen(s->name));
    if (s->kind == PARQUET_STRING) {
        thrift_i32(t, 6, CONVERTED_UTF8);
        thrift_struct_begin(t, 10);
        thrift_struct_begin(t, LOGICAL_STRING);
        thrift_struct_end(t);
        thrift_struct_end(t);
    } else if (s->kind == PARQUET_DECIMAL) {
        thrift_i32(t, 6, CONVERTED_DECIMAL);
        thrift_i32(t, 7, s->scale);
        thrift_i32(t, 8, s->precision);
        thrift_struct_begin(t, 10);
        thrift_struct_begin(t, LOGICAL_DECIMAL);
        thrift_i32(t, 1, s->scale);
        thrift_i32(t, 2, s->precision);
        thrift_struct_end(t);
        thrift_struct_end(t);
    } else if (s->kind == PARQUET_DATE) {
        thrift_i32(t, 6, CONVERTED_DATE);
        thrift_struct_begin(t, 10);
        thrift_struct_begin(t, LOGICAL_DATE);
        thrift_struct_end(t);
        thrift_struct_end(t);
    } else if (s->kind == PARQUET_TIMESTAMP) {
        thrift_i32(t, 6, CONVERTED_TIMESTAMP_MICROS);
        thrift_struct_begin(t, 10);
        thrift_struct_begin(t, LOGICAL_TIMESTAMP);
        thrift_bool(t, 1, 1);      /* isAdjustedToUTC */
        thrift_struct_begin(t, 2); /* unit: MICROS */
        thrift_struct_begin(t, 2);
        thrift_struct_end(t);
        thrift_struct_end(t);
        thrift_struct_end(t);
        thrift_struct_end(t);
    }
    thrift_list_struct_end(t);
}

/* FileMetaData, its length and the closing magic at the file's end. */
static void put_footer(struct parquet_writer *w) {
    size_t at = w->file.len;
    struct thrift_writer t;
    thrift_writer_init(&t, &w->file);
    thrift_i32(&t, 1, 1);
    thrift_list_begin(&t, 2, THRIFT_STRUCT, w->count + 1);
    thrift_list_struct_begin(&t);
    thrift_binary(&t, 4, "schema", 6);
    thrift_i32(&t, 5, (int32_t)w->count);
    thrift_list_struct_end(&t);
    for (size_t i = 0; i < w->count; i++)
        put_schema_element(&t, &w->columns[i]);
    thrift_i64(&t, 3, w->rows);
    thrift_list_begin(&t, 4, THRIFT_STRUCT, w->group_count);
    if (w->groups.len)
        thrift_buf_put(&w->file, w->groups.data, w->groups.len);
    thrift_binary(&t, 6, "bridgelab", 9);
    thrift_list_begin(&t, 7, THRIFT_STRUCT, w->count);
    for (size_t i = 0; i < w->count; i++) {
        thrift_list_struct_begin(&t);
        thrift_struct_begin(&t, 1); /* TYPE_ORDER */
        thrift_struct_end(&t);
        thrift_list_struct_end(&t);
    }
    thrift_stop(&t);
    put_le(&w->file, w->file.len - at, 4);
    thrift_buf_put(&w->file, "PAR1", 4);
}

const unsigned char *parquet_writer_finish(struct parquet_writer *w, size_t *len) {
    if (!w->finished) {
        parquet_writer_abort_row(w);
        if (w->group_rows > 0 && close_row_group(w) != PARQUET_OK)
            return NULL;
        size_t mark = w->file.len;
        put_footer(w);
        if (w->file.failed) {
            w->file.len = mark;
            w->file.failed = 0;
            return NULL;
        }
        w->finished = 1;
        release_row_group(w);
        release(&w->groups);
    }
    *len = w->file.len;
    return w->file.data;
}

/* ---- Sizes ---- */

size_t parquet_writer_size(const struct parquet_writer *w) {
    if (w->finished)
        return w->file.len;
    size_t schema = 32;
    for (size_t i = 0; i < w->count; i++)
        schema += 24 + strlen(w->columns[i].spec.name);
    return w->file.len + buffered(w) + w->groups.len + schema + 8;
}

size_t parquet_writer_memory(const struct parquet_writer *w) {
    size_t n = sizeof *w + w->count * (sizeof *w->columns + sizeof *w->chunks) + w->file.cap + w->groups.cap +
               w->page.cap + w->squeezed.cap;
    for (size_t i = 0; i < w->count; i++)
        n += w->columns[i].values.cap + w->columns[i].defined.cap + strlen(w->columns[i].spec.name) + 1;
    return n;
}
