/* The Avro format: an object container file built in memory (header,
 * blocks, sync markers written here; each record encoded by libavro's
 * datum writer from a generic value of the writer schema; blocks
 * compressed with zlib or libsnappy). See format_avro.h. */
#include "format_avro.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <avro.h>
#include <jansson.h>
#include <snappy-c.h>
#include <zlib.h>

#include "row_schema.h"

/* Encoded records a block gathers before it is compressed and closed. */
#define BLOCK_BYTES (64 * 1024)
#define SYNC_SIZE 16
/* A block's count and size (two longs, at most 10 bytes each) and its sync. */
#define BLOCK_OVERHEAD (20 + SYNC_SIZE)

struct buffer {
    unsigned char *data;
    size_t len, cap;
};

struct avro_file {
    enum avro_codec codec;
    struct row_schema *schema; /* fixed by the first record */
    avro_schema_t avro_schema;
    avro_value_iface_t *iface;
    avro_value_t value; /* one record, refilled for each */
    avro_writer_t datum_writer;
    struct buffer file;       /* the header and the closed blocks */
    struct buffer block;      /* the open block's encoded records */
    struct buffer compressed; /* a block as its codec gives it */
    long long records, block_records;
    unsigned char sync[SYNC_SIZE];
    struct row_scratch scratch;
    struct row_schema *misfit; /* the last other schema seen: its records are told apart cheaply */
    int finished;
};

/* ---- Buffers and Avro's binary encoding ---- */

static int reserve(struct buffer *b, size_t n) {
    if (n <= b->cap - b->len)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    unsigned char *data = realloc(b->data, cap);
    if (!data)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static int put(struct buffer *b, const void *bytes, size_t n) {
    if (reserve(b, n))
        return -1;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    return 0;
}

/* A long: zigzag, then 7 bits a byte, low first. */
static int put_long(struct buffer *b, int64_t v) {
    unsigned char bytes[10];
    uint64_t z = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
    size_t n = 0;
    do {
        bytes[n] = (unsigned char)(z & 0x7f);
        z >>= 7;
        bytes[n] |= z ? 0x80 : 0;
        n++;
    } while (z);
    return put(b, bytes, n);
}

/* Bytes or a string: its length, then it. */
static int put_bytes(struct buffer *b, const void *bytes, size_t n) {
    return put_long(b, (int64_t)n) || put(b, bytes, n) ? -1 : 0;
}

/* ---- The writer schema ---- */

static int is_avro_name(const char *name) {
    if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
        return 0;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == strlen(name);
}

/* name as an Avro name: other bytes '_', '_' before a leading digit or in
 * place of nothing. NULL when memory is short. */
static char *avro_name_of(const char *name) {
    size_t len = strlen(name);
    char *out = malloc(len + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    if (len == 0 || (name[0] >= '0' && name[0] <= '9'))
        out[o++] = '_';
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        out[o++] = ok ? c : '_';
    }
    out[o] = '\0';
    return out;
}

static int name_taken(json_t *fields, const char *name) {
    for (size_t i = 0; i < json_array_size(fields); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(fields, i), "name")), name) == 0)
            return 1;
    return 0;
}

/* The field name for column name among fields so far: itself, or made an
 * Avro name that is not taken. NULL when memory is short. */
static char *field_name_of(json_t *fields, const char *name) {
    char *base = is_avro_name(name) ? strdup(name) : avro_name_of(name);
    if (!base || !name_taken(fields, base))
        return base;
    size_t cap = strlen(base) + 24;
    char *unique = malloc(cap);
    for (int n = 2; unique; n++) {
        snprintf(unique, cap, "%s_%d", base, n);
        if (!name_taken(fields, unique))
            break;
    }
    free(base);
    return unique;
}

static json_t *logical(const char *type, const char *logical_type) {
    return json_pack("{s:s, s:s}", "type", type, "logicalType", logical_type);
}

static json_t *avro_type_of(const struct row_column *c) {
    switch (c->type) {
    case ROW_BOOLEAN:
        return json_string("boolean");
    case ROW_INT32:
        return json_string("int");
    case ROW_INT64:
        return json_string("long");
    case ROW_FLOAT:
        return json_string("float");
    case ROW_DOUBLE:
        return json_string("double");
    case ROW_UINT64:
    case ROW_DECIMAL:
        return json_pack("{s:s, s:s, s:i, s:i}", "type", "bytes", "logicalType", "decimal", "precision", c->precision,
                         "scale", c->scale);
    case ROW_STRING:
    case ROW_TIME:
        return json_string("string");
    case ROW_BYTES:
        return json_string("bytes");
    case ROW_DATE:
        return logical("int", "date");
    case ROW_TIMESTAMP:
        return logical("long", "timestamp-micros");
    }
    return NULL;
}

/* The field of column c (its name made unique among fields), or NULL
 * when memory is short. */
static json_t *field_of(json_t *fields, const struct row_column *c) {
    char *name = field_name_of(fields, c->name);
    json_t *type = avro_type_of(c);
    json_t *field = NULL;
    if (name && type && c->nullable)
        field = json_pack("{s:s, s:[s, O], s:n}", "name", name, "type", "null", type, "default");
    else if (name && type)
        field = json_pack("{s:s, s:O}", "name", name, "type", type);
    if (field && strcmp(name, c->name) != 0 && json_object_set_new(field, "doc", json_string(c->name))) {
        json_decref(field);
        field = NULL;
    }
    json_decref(type);
    free(name);
    return field;
}

/* The writer schema's JSON text (free()), or NULL when memory is short. */
static char *schema_json(const struct row_schema *s, const char *topic) {
    char *name = avro_name_of(topic);
    json_t *fields = json_array();
    json_t *record =
        name && fields ? json_pack("{s:s, s:s, s:O}", "type", "record", "name", name, "fields", fields) : NULL;
    if (record && strcmp(name, topic) != 0)
        json_object_set_new(record, "doc", json_string(topic));
    for (size_t i = 0; record && i < s->count; i++)
        if (json_array_append_new(fields, field_of(fields, &s->columns[i])))
            break;
    char *text = record && json_array_size(fields) == s->count ? json_dumps(record, JSON_COMPACT) : NULL;
    json_decref(record);
    json_decref(fields);
    free(name);
    return text;
}

/* ---- The file ---- */

struct avro_file *avro_file_new(const struct format_options *o) {
    struct avro_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->codec = o->avro_codec;
    return f;
}

/* Back to no schema and no header (the file before its first record). */
static void forget_schema(struct avro_file *f) {
    if (f->datum_writer)
        avro_writer_free(f->datum_writer);
    if (f->iface) {
        avro_value_decref(&f->value);
        avro_value_iface_decref(f->iface);
    }
    if (f->avro_schema)
        avro_schema_decref(f->avro_schema);
    row_schema_free(f->schema);
    f->datum_writer = NULL;
    f->iface = NULL;
    f->avro_schema = NULL;
    f->schema = NULL;
    f->file.len = 0;
}

void avro_file_free(struct avro_file *f) {
    if (!f)
        return;
    forget_schema(f);
    free(f->file.data);
    free(f->block.data);
    free(f->compressed.data);
    row_schema_free(f->misfit);
    row_scratch_free(&f->scratch);
    free(f);
}

static const char *codec_name(enum avro_codec codec) {
    return codec == AVRO_CODEC_DEFLATE ? "deflate" : codec == AVRO_CODEC_SNAPPY ? "snappy" : "null";
}

/* The header: magic, metadata (schema, codec), sync marker. */
static int put_header(struct avro_file *f, const char *schema) {
    const char *codec = codec_name(f->codec);
    if (getrandom(f->sync, SYNC_SIZE, 0) != SYNC_SIZE)
        return -1;
    return put(&f->file, "Obj\x01", 4) || put_long(&f->file, 2) || put_bytes(&f->file, "avro.schema", 11) ||
                   put_bytes(&f->file, schema, strlen(schema)) || put_bytes(&f->file, "avro.codec", 10) ||
                   put_bytes(&f->file, codec, strlen(codec)) || put_long(&f->file, 0) ||
                   put(&f->file, f->sync, SYNC_SIZE)
               ? -1
               : 0;
}

/* Makes s the file's schema and writes the header; 0, -1 with err (libavro
 * refused the schema), or -2 when memory is short. */
static int adopt_schema(void *file, struct row_schema *s, const struct sink_record *r, char *err, size_t errlen) {
    struct avro_file *f = file;
    const char *topic = r->topic;
    f->schema = s;
    char *json = schema_json(s, topic);
    int result = -2;
    if (!json)
        goto out;
    if (avro_schema_from_json_length(json, strlen(json), &f->avro_schema)) {
        f->avro_schema = NULL;
        snprintf(err, errlen, "topic %s: libavro refuses the writer schema %.200s: %s", topic, json, avro_strerror());
        result = -1;
        goto out;
    }
    if (!(f->iface = avro_generic_class_from_schema(f->avro_schema)))
        goto out;
    if (avro_generic_value_new(f->iface, &f->value)) {
        avro_value_iface_decref(f->iface);
        f->iface = NULL;
        goto out;
    }
    if (!(f->datum_writer = avro_writer_memory(NULL, 0)) || put_header(f, json))
        goto out;
    result = 0;
out:
    free(json);
    if (result)
        forget_schema(f);
    return result;
}

/* One column's value into its field of the record. 0, or -1 with err. */
static int set_field(struct avro_file *f, size_t i, const json_t *row, char *err, size_t errlen) {
    const struct row_column *c = &f->schema->columns[i];
    struct row_value v;
    avro_value_t field, branch;
    if (row_value_get(c, row, &f->scratch, &v, err, errlen))
        return -1;
    int failed = avro_value_get_by_index(&f->value, i, &field, NULL);
    if (!failed && c->nullable) {
        failed = avro_value_set_branch(&field, v.is_null ? 0 : 1, &branch);
        field = branch;
    }
    if (failed || v.is_null) {
        failed = failed || avro_value_set_null(&field);
    } else {
        switch (c->type) {
        case ROW_BOOLEAN:
            failed = avro_value_set_boolean(&field, v.b);
            break;
        case ROW_INT32:
        case ROW_DATE:
            failed = avro_value_set_int(&field, (int32_t)v.i);
            break;
        case ROW_INT64:
        case ROW_TIMESTAMP:
            failed = avro_value_set_long(&field, v.i);
            break;
        case ROW_FLOAT:
            failed = avro_value_set_float(&field, (float)v.d);
            break;
        case ROW_DOUBLE:
            failed = avro_value_set_double(&field, v.d);
            break;
        case ROW_UINT64:
        case ROW_DECIMAL:
        case ROW_BYTES:
            failed = avro_value_set_bytes(&field, (void *)v.data, v.len);
            break;
        case ROW_STRING:
        case ROW_TIME:
            /* The length counts the NUL that ends the text (row_value_get's
             * texts have one); a NUL inside is kept. */
            failed = avro_value_set_string_len(&field, v.data, v.len + 1);
            break;
        }
    }
    if (failed)
        snprintf(err, errlen, "column \"%s\": libavro: %s", c->name, avro_strerror());
    return failed ? -1 : 0;
}

/* The open block compressed into f->compressed; 0, or -1. */
static int compress_block(struct avro_file *f, const unsigned char **data, size_t *len) {
    struct buffer *out = &f->compressed;
    out->len = 0;
    if (f->codec == AVRO_CODEC_NULL) {
        *data = f->block.data;
        *len = f->block.len;
        return 0;
    }
    if (f->codec == AVRO_CODEC_SNAPPY) {
        size_t n = snappy_max_compressed_length(f->block.len);
        if (reserve(out, n + 4) || snappy_compress((const char *)f->block.data, f->block.len, (char *)out->data, &n))
            return -1;
        /* Then the CRC-32 of the uncompressed data, big-endian. */
        uint32_t crc = (uint32_t)crc32(0, f->block.data, (uInt)f->block.len);
        for (int k = 0; k < 4; k++)
            out->data[n + (size_t)k] = (unsigned char)(crc >> (24 - 8 * k));
        out->len = n + 4;
    } else {
        /* Raw deflate (RFC 1951: no zlib header). */
        z_stream z = {0};
        if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return -1;
        size_t bound = deflateBound(&z, (uLong)f->block.len);
        int done = reserve(out, bound) == 0;
        z.next_in = f->block.data;
        z.avail_in = (uInt)f->block.len;
        z.next_out = out->data;
        z.avail_out = (uInt)bound;
        done = done && deflate(&z, Z_FINISH) == Z_STREAM_END;
        out->len = z.total_out;
        deflateEnd(&z);
        if (!done)
            return -1;
    }
    *data = out->data;
    *len = out->len;
    return 0;
}

/* Closes the open block into the file; 0, or -1 (the file as it was). */
static int close_block(struct avro_file *f) {
    if (f->block_records == 0)
        return 0;
    const unsigned char *data;
    size_t len, mark = f->file.len;
    if (compress_block(f, &data, &len) || put_long(&f->file, f->block_records) || put_long(&f->file, (int64_t)len) ||
        put(&f->file, data, len) || put(&f->file, f->sync, SYNC_SIZE)) {
        f->file.len = mark;
        return -1;
    }
    f->block.len = 0;
    f->block_records = 0;
    return 0;
}

/* The record's encoding appended to the open block; 0, or -1. */
static int encode_record(struct avro_file *f) {
    size_t n;
    if (avro_value_sizeof(&f->value, &n) || reserve(&f->block, n))
        return -1;
    avro_writer_memory_set_dest(f->datum_writer, (const char *)f->block.data + f->block.len, (int64_t)n);
    if (avro_value_write(f->datum_writer, &f->value))
        return -1;
    f->block.len += n;
    return 0;
}

enum format_append avro_file_append(struct avro_file *f, struct sink_record *r, char *err, size_t errlen) {
    err[0] = '\0';
    if (!r->value || !sink_record_row(r))
        return FORMAT_SKIPPED;
    int first = f->schema == NULL;
    enum format_append result = format_typed_schema(f->schema, &f->misfit, r, adopt_schema, f, err, errlen);
    if (result != FORMAT_APPENDED)
        return result;
    json_t *row = sink_record_row(r);
    char why[400];
    for (size_t i = 0; result == FORMAT_APPENDED && i < f->schema->count; i++) {
        if (set_field(f, i, row, why, sizeof why)) {
            snprintf(err, errlen,
                     "topic %s partition %" PRId32 " offset %" PRId64 ": %s: the record cannot be written as Avro "
                     "(correct the value or its column's type in the %s header, or write the topic with "
                     "sink.format=json)",
                     r->topic, r->partition, r->offset, why, COLUMNS_HEADER);
            result = FORMAT_REJECTED;
        }
    }
    if (result == FORMAT_APPENDED && ((f->block.len >= BLOCK_BYTES && close_block(f)) || encode_record(f)))
        result = FORMAT_FAILED;
    if (result != FORMAT_APPENDED) {
        if (first)
            forget_schema(f);
        return result;
    }
    f->records++;
    f->block_records++;
    return FORMAT_APPENDED;
}

long long avro_file_records(const struct avro_file *f) { return f->records; }

size_t avro_file_size(const struct avro_file *f) {
    return f->file.len + (f->block_records ? f->block.len + BLOCK_OVERHEAD : 0);
}

size_t avro_file_memory(const struct avro_file *f) {
    return sizeof *f + f->file.cap + f->block.cap + f->compressed.cap + f->scratch.cap;
}

const char *avro_file_finish(struct avro_file *f, size_t *len) {
    if (!f->finished && close_block(f))
        return NULL;
    f->finished = 1;
    *len = f->file.len;
    return f->file.data ? (const char *)f->file.data : "";
}

const struct row_schema *avro_file_schema(const struct avro_file *f) { return f->schema; }
