/* A Delta Lake checkpoint as Parquet: the classic checkpoint schema's
 * nested columns, one uncompressed data page per column, levels and
 * values encoded here (the sink's own Parquet writer is flat). See
 * delta_checkpoint.h. */
#include "delta_checkpoint.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thrift_writer.h"

/* Parquet's enums (parquet.thrift). */
enum { T_BOOLEAN = 0, T_INT32 = 1, T_INT64 = 2, T_BYTE_ARRAY = 6 };
enum { REQUIRED = 0, OPTIONAL = 1, REPEATED = 2 };
enum { CONVERTED_NONE = -1, UTF8 = 0, MAP = 1, MAP_KEY_VALUE = 2, LIST = 3 };
enum { ENC_PLAIN = 0, ENC_RLE = 3 };

/* The schema, depth first: groups have children, leaves a type. */
struct node {
    const char *name;
    int repetition, children, type, converted;
};

static const struct node schema[] = {
    {"spark_schema", -1, 5, -1, CONVERTED_NONE},
    {"txn", OPTIONAL, 3, -1, CONVERTED_NONE},
    {"appId", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"version", OPTIONAL, 0, T_INT64, CONVERTED_NONE},
    {"lastUpdated", OPTIONAL, 0, T_INT64, CONVERTED_NONE},
    {"add", OPTIONAL, 6, -1, CONVERTED_NONE},
    {"path", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"partitionValues", OPTIONAL, 1, -1, MAP},
    {"key_value", REPEATED, 2, -1, MAP_KEY_VALUE},
    {"key", REQUIRED, 0, T_BYTE_ARRAY, UTF8},
    {"value", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"size", OPTIONAL, 0, T_INT64, CONVERTED_NONE},
    {"modificationTime", OPTIONAL, 0, T_INT64, CONVERTED_NONE},
    {"dataChange", OPTIONAL, 0, T_BOOLEAN, CONVERTED_NONE},
    {"stats", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"remove", OPTIONAL, 3, -1, CONVERTED_NONE},
    {"path", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"deletionTimestamp", OPTIONAL, 0, T_INT64, CONVERTED_NONE},
    {"dataChange", OPTIONAL, 0, T_BOOLEAN, CONVERTED_NONE},
    {"metaData", OPTIONAL, 8, -1, CONVERTED_NONE},
    {"id", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"name", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"description", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"format", OPTIONAL, 2, -1, CONVERTED_NONE},
    {"provider", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"options", OPTIONAL, 1, -1, MAP},
    {"key_value", REPEATED, 2, -1, MAP_KEY_VALUE},
    {"key", REQUIRED, 0, T_BYTE_ARRAY, UTF8},
    {"value", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"schemaString", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"partitionColumns", OPTIONAL, 1, -1, LIST},
    {"list", REPEATED, 1, -1, CONVERTED_NONE},
    {"element", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"configuration", OPTIONAL, 1, -1, MAP},
    {"key_value", REPEATED, 2, -1, MAP_KEY_VALUE},
    {"key", REQUIRED, 0, T_BYTE_ARRAY, UTF8},
    {"value", OPTIONAL, 0, T_BYTE_ARRAY, UTF8},
    {"createdTime", OPTIONAL, 0, T_INT64, CONVERTED_NONE},
    {"protocol", OPTIONAL, 2, -1, CONVERTED_NONE},
    {"minReaderVersion", OPTIONAL, 0, T_INT32, CONVERTED_NONE},
    {"minWriterVersion", OPTIONAL, 0, T_INT32, CONVERTED_NONE},
};
enum { NODES = sizeof schema / sizeof schema[0] };

/* The rows: protocol, metaData, the txns, the adds. */
enum action { A_TXN, A_ADD, A_REMOVE, A_META, A_PROTOCOL };

/* One leaf's place: its path (node indexes), levels, the action it
 * belongs to, and for a leaf inside an (always empty) map or list the
 * definition level at which that container is defined. */
struct leaf {
    int node;
    int path[6], depth;
    int max_def, max_rep;
    enum action action;
    int empty_def; /* > 0: inside an empty map or list */
};

/* Walks the schema, giving each leaf its levels. */
static int leaves_of(struct leaf *out) {
    int count = 0, stack[8], remaining[8], top = 0;
    stack[0] = 0;
    remaining[0] = schema[0].children;
    for (int i = 1; i < NODES; i++) {
        while (remaining[top] == 0)
            top--;
        remaining[top]--;
        if (schema[i].children > 0) {
            stack[++top] = i;
            remaining[top] = schema[i].children;
            continue;
        }
        struct leaf *l = &out[count++];
        memset(l, 0, sizeof *l);
        l->node = i;
        for (int d = 1; d <= top; d++)
            l->path[l->depth++] = stack[d];
        l->path[l->depth++] = i;
        for (int d = 0; d < l->depth; d++) {
            const struct node *n = &schema[l->path[d]];
            if (n->repetition != REQUIRED)
                l->max_def++;
            if (n->repetition == REPEATED) {
                l->max_rep++;
                l->empty_def = l->max_def - 1; /* the container above the repeated group */
            }
        }
        static const char *const tops[] = {"txn", "add", "remove", "metaData", "protocol"};
        for (int a = 0; a < 5; a++)
            if (strcmp(schema[l->path[0]].name, tops[a]) == 0)
                l->action = (enum action)a;
    }
    return count;
}

/* ----------------------------------------------------------- encoding */

/* The RLE/bit-packed hybrid of levels, as runs of equal values. */
static void put_levels(struct thrift_buf *b, const uint8_t *levels, size_t n, int max) {
    if (max == 0)
        return;
    size_t at = b->len;
    thrift_buf_put(b, "\0\0\0\0", 4);
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && levels[i + run] == levels[i])
            run++;
        thrift_buf_varint(b, (uint64_t)run << 1);
        thrift_buf_put(b, &levels[i], 1); /* levels here fit one byte */
        i += run;
    }
    uint32_t len = (uint32_t)(b->len - at - 4);
    if (!b->failed)
        for (int k = 0; k < 4; k++)
            b->data[at + (size_t)k] = (unsigned char)(len >> (8 * k));
}

static void put_le(struct thrift_buf *b, uint64_t v, int bytes) {
    unsigned char out[8];
    for (int k = 0; k < bytes; k++)
        out[k] = (unsigned char)(v >> (8 * k));
    thrift_buf_put(b, out, (size_t)bytes);
}

static void put_text(struct thrift_buf *b, const char *s) {
    size_t n = strlen(s);
    put_le(b, n, 4);
    thrift_buf_put(b, s, n);
}

/* A row's value for a leaf (leaf_value: 1 with it set, 2 for an add's
 * stats, which the caller writes, 0 for null). */
struct value {
    const char *text;
    long long number;
};

static int leaf_value(const struct delta_checkpoint *c, const struct leaf *l, size_t row, struct value *v) {
    const char *name = schema[l->node].name;
    if (l->action == A_PROTOCOL) {
        v->number = strcmp(name, "minReaderVersion") == 0 ? 1 : 2;
        return 1;
    }
    if (l->action == A_META) {
        if (strcmp(name, "id") == 0)
            v->text = c->table_id;
        else if (strcmp(name, "provider") == 0)
            v->text = "parquet";
        else if (strcmp(name, "schemaString") == 0)
            v->text = c->schema_string;
        else if (strcmp(name, "createdTime") == 0)
            v->number = c->created_time;
        else
            return 0; /* name, description */
        return 1;
    }
    if (l->action == A_TXN) {
        const struct delta_checkpoint_txn *t = &c->txns[row - 2];
        if (strcmp(name, "appId") == 0)
            v->text = t->app_id;
        else
            v->number = strcmp(name, "version") == 0 ? t->version : t->last_updated;
        return 1;
    }
    const struct delta_checkpoint_add *a = &c->adds[row - 2 - c->txn_count];
    if (strcmp(name, "path") == 0)
        v->text = a->path;
    else if (strcmp(name, "size") == 0)
        v->number = a->size;
    else if (strcmp(name, "modificationTime") == 0)
        v->number = a->modification_time;
    else if (strcmp(name, "dataChange") == 0)
        v->number = 0; /* the file is already in the table: no change */
    else if (strcmp(name, "stats") == 0)
        return 2; /* made by the caller: {"numRecords":N} */
    else
        return 0;
    return 1;
}

static enum action row_action(const struct delta_checkpoint *c, size_t row) {
    return row == 0 ? A_PROTOCOL : row == 1 ? A_META : row < 2 + c->txn_count ? A_TXN : A_ADD;
}

/* One column chunk: a data page header and page at the buffer's end. */
static void put_column(struct thrift_buf *out, const struct delta_checkpoint *c, const struct leaf *l, size_t rows,
                       struct thrift_buf *page, uint8_t *defs, uint8_t *reps) {
    page->len = 0;
    for (size_t r = 0; r < rows; r++) {
        reps[r] = 0;
        if (row_action(c, r) != l->action) {
            defs[r] = 0;
        } else if (l->empty_def) {
            defs[r] = (uint8_t)l->empty_def;
        } else {
            struct value v = {0};
            int set = leaf_value(c, l, r, &v);
            defs[r] = (uint8_t)(set ? l->max_def : l->max_def - 1);
        }
    }
    put_levels(page, reps, rows, l->max_rep);
    put_levels(page, defs, rows, l->max_def);
    int type = schema[l->node].type;
    unsigned char bits = 0;
    int nbits = 0;
    for (size_t r = 0; r < rows; r++) {
        if (defs[r] != l->max_def)
            continue;
        struct value v = {0};
        int set = leaf_value(c, l, r, &v);
        if (type == T_BYTE_ARRAY && set == 2) {
            char stats[64];
            snprintf(stats, sizeof stats, "{\"numRecords\":%lld}", c->adds[r - 2 - c->txn_count].records);
            put_text(page, stats);
        } else if (type == T_BYTE_ARRAY) {
            put_text(page, v.text ? v.text : "");
        } else if (type == T_INT64) {
            put_le(page, (uint64_t)v.number, 8);
        } else if (type == T_INT32) {
            put_le(page, (uint64_t)v.number, 4);
        } else {
            bits |= (unsigned char)((v.number ? 1 : 0) << nbits);
            if (++nbits == 8) {
                thrift_buf_put(page, &bits, 1);
                bits = 0;
                nbits = 0;
            }
        }
    }
    if (nbits)
        thrift_buf_put(page, &bits, 1);
    /* PageHeader: DATA_PAGE, sizes, DataPageHeader */
    struct thrift_writer w;
    thrift_writer_init(&w, out);
    thrift_i32(&w, 1, 0);
    thrift_i32(&w, 2, (int32_t)page->len);
    thrift_i32(&w, 3, (int32_t)page->len);
    thrift_struct_begin(&w, 5);
    thrift_i32(&w, 1, (int32_t)rows);
    thrift_i32(&w, 2, ENC_PLAIN);
    thrift_i32(&w, 3, ENC_RLE);
    thrift_i32(&w, 4, ENC_RLE);
    thrift_struct_end(&w);
    thrift_stop(&w);
    thrift_buf_put(out, page->data, page->len);
}

static void put_schema(struct thrift_writer *w) {
    thrift_list_begin(w, 2, THRIFT_STRUCT, NODES);
    for (int i = 0; i < NODES; i++) {
        const struct node *n = &schema[i];
        thrift_list_struct_begin(w);
        if (n->children == 0)
            thrift_i32(w, 1, n->type);
        if (n->repetition >= 0)
            thrift_i32(w, 3, n->repetition);
        thrift_binary(w, 4, n->name, strlen(n->name));
        if (n->children > 0)
            thrift_i32(w, 5, n->children);
        if (n->converted != CONVERTED_NONE)
            thrift_i32(w, 6, n->converted);
        thrift_list_struct_end(w);
    }
}

char *delta_checkpoint_encode(const struct delta_checkpoint *c, size_t *len) {
    struct leaf leaves[NODES];
    int count = leaves_of(leaves);
    size_t rows = 2 + c->txn_count + c->add_count;
    struct thrift_buf out = {0}, page = {0};
    uint8_t *defs = malloc(rows), *reps = malloc(rows);
    long long offsets[NODES], sizes[NODES];
    thrift_buf_put(&out, "PAR1", 4);
    for (int i = 0; defs && reps && i < count; i++) {
        offsets[i] = (long long)out.len;
        put_column(&out, c, &leaves[i], rows, &page, defs, reps);
        sizes[i] = (long long)out.len - offsets[i];
    }
    size_t footer_at = out.len;
    struct thrift_writer w;
    thrift_writer_init(&w, &out);
    thrift_i32(&w, 1, 1);
    put_schema(&w);
    thrift_i64(&w, 3, (int64_t)rows);
    thrift_list_begin(&w, 4, THRIFT_STRUCT, 1);
    thrift_list_struct_begin(&w); /* the one row group */
    thrift_list_begin(&w, 1, THRIFT_STRUCT, (size_t)count);
    long long total = 0;
    for (int i = 0; i < count; i++) {
        const struct leaf *l = &leaves[i];
        thrift_list_struct_begin(&w);
        thrift_i64(&w, 2, offsets[i]);
        thrift_struct_begin(&w, 3);
        thrift_i32(&w, 1, schema[l->node].type);
        thrift_list_begin(&w, 2, THRIFT_I32, 2);
        thrift_list_i32(&w, ENC_PLAIN);
        thrift_list_i32(&w, ENC_RLE);
        thrift_list_begin(&w, 3, THRIFT_BINARY, (size_t)l->depth);
        for (int d = 0; d < l->depth; d++)
            thrift_list_binary(&w, schema[l->path[d]].name, strlen(schema[l->path[d]].name));
        thrift_i32(&w, 4, 0); /* UNCOMPRESSED */
        thrift_i64(&w, 5, (int64_t)rows);
        thrift_i64(&w, 6, sizes[i]);
        thrift_i64(&w, 7, sizes[i]);
        thrift_i64(&w, 9, offsets[i]);
        thrift_struct_end(&w);
        thrift_list_struct_end(&w);
        total += sizes[i];
    }
    thrift_i64(&w, 2, total);
    thrift_i64(&w, 3, (int64_t)rows);
    thrift_list_struct_end(&w);
    thrift_binary(&w, 6, "bridgelab", 9);
    thrift_stop(&w);
    put_le(&out, out.len - footer_at, 4);
    thrift_buf_put(&out, "PAR1", 4);
    free(defs);
    free(reps);
    free(page.data);
    if (!defs || !reps || out.failed) {
        free(out.data);
        return NULL;
    }
    *len = out.len;
    return (char *)out.data;
}
