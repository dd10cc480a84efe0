/* Thrift's compact protocol, the writing half. See thrift_writer.h. */
#include "thrift_writer.h"

#include <stdlib.h>
#include <string.h>

enum { TYPE_TRUE = 1, TYPE_FALSE = 2 };

void thrift_buf_put(struct thrift_buf *b, const void *bytes, size_t n) {
    if (b->failed)
        return;
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n)
            cap *= 2;
        unsigned char *grown = realloc(b->data, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

void thrift_buf_varint(struct thrift_buf *b, uint64_t v) {
    unsigned char out[10];
    size_t n = 0;
    do {
        unsigned char byte = v & 0x7f;
        v >>= 7;
        out[n++] = (unsigned char)(byte | (v ? 0x80 : 0));
    } while (v);
    thrift_buf_put(b, out, n);
}

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0); }

void thrift_writer_init(struct thrift_writer *w, struct thrift_buf *b) {
    w->b = b;
    w->depth = 0;
    w->last[0] = 0;
}

static void field(struct thrift_writer *w, int16_t id, int type) {
    int16_t delta = (int16_t)(id - w->last[w->depth]);
    if (delta > 0 && delta <= 15) {
        unsigned char h = (unsigned char)((delta << 4) | type);
        thrift_buf_put(w->b, &h, 1);
    } else {
        unsigned char h = (unsigned char)type;
        thrift_buf_put(w->b, &h, 1);
        thrift_buf_varint(w->b, zigzag(id));
    }
    w->last[w->depth] = id;
}

void thrift_bool(struct thrift_writer *w, int16_t id, int value) { field(w, id, value ? TYPE_TRUE : TYPE_FALSE); }

void thrift_i32(struct thrift_writer *w, int16_t id, int32_t value) {
    field(w, id, THRIFT_I32);
    thrift_buf_varint(w->b, zigzag(value));
}

void thrift_i64(struct thrift_writer *w, int16_t id, int64_t value) {
    field(w, id, THRIFT_I64);
    thrift_buf_varint(w->b, zigzag(value));
}

void thrift_binary(struct thrift_writer *w, int16_t id, const void *data, size_t len) {
    field(w, id, THRIFT_BINARY);
    thrift_list_binary(w, data, len);
}

static void open_struct(struct thrift_writer *w) {
    if (w->depth + 1 < THRIFT_DEPTH)
        w->last[++w->depth] = 0;
    else
        w->b->failed = 1;
}

void thrift_struct_begin(struct thrift_writer *w, int16_t id) {
    field(w, id, THRIFT_STRUCT);
    open_struct(w);
}

void thrift_struct_end(struct thrift_writer *w) {
    thrift_buf_put(w->b, "", 1); /* a stop byte */
    if (w->depth > 0)
        w->depth--;
}

void thrift_list_begin(struct thrift_writer *w, int16_t id, enum thrift_type type, size_t count) {
    field(w, id, 9 /* list */);
    if (count < 15) {
        unsigned char h = (unsigned char)((count << 4) | type);
        thrift_buf_put(w->b, &h, 1);
    } else {
        unsigned char h = (unsigned char)(0xf0 | type);
        thrift_buf_put(w->b, &h, 1);
        thrift_buf_varint(w->b, count);
    }
}

void thrift_list_i32(struct thrift_writer *w, int32_t value) { thrift_buf_varint(w->b, zigzag(value)); }

void thrift_list_binary(struct thrift_writer *w, const void *data, size_t len) {
    thrift_buf_varint(w->b, len);
    thrift_buf_put(w->b, data, len);
}

void thrift_list_struct_begin(struct thrift_writer *w) { open_struct(w); }

void thrift_list_struct_end(struct thrift_writer *w) { thrift_struct_end(w); }

void thrift_stop(struct thrift_writer *w) { thrift_buf_put(w->b, "", 1); }
