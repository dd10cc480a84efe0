/* Thrift's compact protocol, the writing half: the encoding of Parquet's
 * page headers and footers (parquet.thrift). A growing byte buffer, and a
 * writer of struct fields into it that keeps the field-id deltas the
 * protocol needs across nested structs. Out of memory is sticky: the
 * buffer's `failed` is set and later writes do nothing. */
#ifndef BRIDGELAB_BRIDGE_SINK_THRIFT_WRITER_H
#define BRIDGELAB_BRIDGE_SINK_THRIFT_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct thrift_buf {
    unsigned char *data;
    size_t len, cap;
    int failed;
};

void thrift_buf_put(struct thrift_buf *b, const void *bytes, size_t n);
/* An unsigned LEB128 varint. */
void thrift_buf_varint(struct thrift_buf *b, uint64_t v);

/* The compact protocol's element types, for lists. */
enum thrift_type { THRIFT_I32 = 5, THRIFT_I64 = 6, THRIFT_BINARY = 8, THRIFT_STRUCT = 12 };

#define THRIFT_DEPTH 16

struct thrift_writer {
    struct thrift_buf *b;
    int16_t last[THRIFT_DEPTH]; /* the last field id written, per open struct */
    int depth;
};

/* Starts writing the fields of a top-level struct at b's end. */
void thrift_writer_init(struct thrift_writer *w, struct thrift_buf *b);
void thrift_bool(struct thrift_writer *w, int16_t id, int value);
void thrift_i32(struct thrift_writer *w, int16_t id, int32_t value);
void thrift_i64(struct thrift_writer *w, int16_t id, int64_t value);
void thrift_binary(struct thrift_writer *w, int16_t id, const void *data, size_t len);
/* A struct field: its fields follow, then thrift_struct_end. */
void thrift_struct_begin(struct thrift_writer *w, int16_t id);
void thrift_struct_end(struct thrift_writer *w);
/* A list field of count elements of type, each written with the list_
 * calls (a struct element: list_struct_begin, its fields, list_struct_end). */
void thrift_list_begin(struct thrift_writer *w, int16_t id, enum thrift_type type, size_t count);
void thrift_list_i32(struct thrift_writer *w, int32_t value);
void thrift_list_binary(struct thrift_writer *w, const void *data, size_t len);
void thrift_list_struct_begin(struct thrift_writer *w);
void thrift_list_struct_end(struct thrift_writer *w);
/* Ends the top-level struct. */
void thrift_stop(struct thrift_writer *w);

#endif
