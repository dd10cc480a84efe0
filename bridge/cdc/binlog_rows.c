/* The binlog row decoder: see binlog_rows.h. Formats from MariaDB's
 * sql/log_event*.cc, sql/rpl_utility.cc and sql-common/my_time.c (binary
 * temporal formats), checked against bytes captured from MariaDB 10.11 by
 * tests/integration/binlog.sh. */
#include "binlog_rows.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#define EVENT_HEADER_LEN 19
#define TYPE_OFFSET 4
#define LENGTH_OFFSET 9
#define TABLE_ID_LEN 6
#define TABLE_MAP_EVENT_TYPE 19
#define CHARSET_BINARY 63

/* MariaDB's compressed column types (not in every mariadb_com.h). */
#define TYPE_VARCHAR_COMPRESSED 141
#define TYPE_BLOB_COMPRESSED 140

/* TABLE_MAP optional metadata fields. */
enum {
    META_SIGNEDNESS = 1,
    META_DEFAULT_CHARSET = 2,
    META_COLUMN_CHARSET = 3,
    META_COLUMN_NAME = 4,
    META_SET_STR_VALUE = 5,
    META_ENUM_STR_VALUE = 6,
    META_GEOMETRY_TYPE = 7,
    META_SIMPLE_PRIMARY_KEY = 8,
    META_PRIMARY_KEY_WITH_PREFIX = 9,
    META_ENUM_AND_SET_DEFAULT_CHARSET = 10,
    META_ENUM_AND_SET_COLUMN_CHARSET = 11,
};

struct entry {
    struct table table;
    struct entry *next; /* hash chain */
    uint8_t *map;       /* the TABLE_MAP from its post-header to its end: identity */
    size_t map_len;
    unsigned meta; /* BINLOG_META_* */
};

/* Per-change memory for text the event does not hold as such: chunks that
 * never move, emptied before each change. */
struct chunk {
    struct chunk *next;
    size_t size, used;
    char data[];
};

struct binlog_rows {
    struct entry **buckets;
    size_t nbuckets, count;
    enum binlog_checksum checksum;
    struct value *before, *after;
    int values_cap;
    struct chunk *chunks;
    uint32_t crc_table[256];
};

/* ------------------------------------------------------------------ errors */

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ------------------------------------------------------------------ bytes */

struct cursor {
    const uint8_t *p, *end;
};

static int has(const struct cursor *c, size_t n) { return (size_t)(c->end - c->p) >= n; }

static uint64_t le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t be(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* A length-encoded integer; -1 when truncated or not a number (0xfb, 0xff). */
static int get_lenenc(struct cursor *c, uint64_t *v) {
    if (!has(c, 1))
        return -1;
    uint8_t b = *c->p;
    int n = b < 0xfb ? 0 : b == 0xfc ? 2 : b == 0xfd ? 3 : b == 0xfe ? 8 : -1;
    if (n < 0 || !has(c, (size_t)n + 1))
        return -1;
    *v = n == 0 ? b : le(c->p + 1, n);
    c->p += n + 1;
    return 0;
}

/* A length-encoded count that must fit in what is left (each item at least
 * min_item bytes) and in an int. */
static int get_count(struct cursor *c, size_t min_item, int *count) {
    uint64_t v;
    if (get_lenenc(c, &v) != 0 || v > INT_MAX || (min_item > 0 && v > (uint64_t)(c->end - c->p) / min_item))
        return -1;
    *count = (int)v;
    return 0;
}

static void crc32_init(uint32_t *table) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
}

static uint32_t crc32_ieee(const uint32_t *table, const uint8_t *p, size_t n) {
    uint32_t crc = 0xFFFFFFFFu;
    while (n--)
        crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

/* The event in a buffer: header checked, *body set to the post-header and
 * *body_end to the end of the body (checksum excluded). Accepted: raw_data
 * (the OK byte, then the event), a bare event, and either of them with its
 * 4 checksum bytes cut off already (the header's event_length counts them). */
static int open_event(const struct binlog_rows *br, const uint8_t *event, size_t len, const uint8_t **body,
                      const uint8_t **body_end, int *type, const char *what, char *err, size_t errlen) {
    if (!event)
        return fail(err, errlen, "%s: no event", what);
    if (len < EVENT_HEADER_LEN)
        return fail(err, errlen, "%s: %zu bytes, shorter than an event header", what, len);
    const uint8_t *ev = NULL;
    size_t evlen = 0;
    int cut = 0; /* the checksum was cut off */
    uint64_t declared = le(event + LENGTH_OFFSET, 4);
    uint64_t declared1 = len > EVENT_HEADER_LEN ? le(event + 1 + LENGTH_OFFSET, 4) : 0;
    if (len > EVENT_HEADER_LEN && event[0] == 0 && (declared1 == len - 1 || declared1 == len - 1 + 4)) {
        ev = event + 1;
        evlen = len - 1;
        cut = declared1 != len - 1;
    } else if (declared == len || declared == len + 4) {
        ev = event;
        evlen = len;
        cut = declared != len;
    } else {
        return fail(err, errlen, "%s: the header's event length %llu does not match the %zu bytes given", what,
                    (unsigned long long)(event[0] == 0 ? declared1 : declared), len);
    }
    size_t end = evlen;
    if (!cut && br->checksum != BINLOG_CHECKSUM_NONE) {
        int match = evlen >= EVENT_HEADER_LEN + 4 &&
                    crc32_ieee(br->crc_table, ev, evlen - 4) == (uint32_t)le(ev + evlen - 4, 4);
        if (match)
            end -= 4;
        else if (br->checksum == BINLOG_CHECKSUM_CRC32)
            return fail(err, errlen, "%s: CRC32 checksum mismatch", what);
    }
    if (evlen < EVENT_HEADER_LEN)
        return fail(err, errlen, "%s: %zu bytes, shorter than an event header", what, evlen);
    *type = ev[TYPE_OFFSET];
    *body = ev + EVENT_HEADER_LEN;
    *body_end = ev + end;
    return 0;
}

/* ------------------------------------------------------------------ arena */

static void *arena_alloc(struct binlog_rows *br, size_t n) {
    for (struct chunk *c = br->chunks; c; c = c->next) {
        if (c->size - c->used >= n) {
            void *p = c->data + c->used;
            c->used += n;
            return p;
        }
    }
    size_t size = n > 16384 ? n : 16384;
    struct chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = n;
    c->next = br->chunks;
    br->chunks = c;
    return c->data;
}

static void arena_reset(struct binlog_rows *br) {
    for (struct chunk *c = br->chunks; c; c = c->next)
        c->used = 0;
}

/* ------------------------------------------------------------------ tables */

static void free_strings(char **v, int n) {
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void free_entry(struct entry *e) {
    if (!e)
        return;
    struct table *t = &e->table;
    if (t->columns) {
        for (int i = 0; i < t->column_count; i++) {
            free(t->columns[i].name);
            free_strings(t->columns[i].enum_values, t->columns[i].enum_count);
        }
    }
    free(t->columns);
    free(t->primary_key);
    free(t->database);
    free(t->name);
    free(e->map);
    free(e);
}

static struct entry **find_slot(const struct binlog_rows *br, uint64_t id) {
    if (!br->buckets)
        return NULL;
    struct entry **slot = &br->buckets[(id * 0x9E3779B97F4A7C15ull >> 32) % br->nbuckets];
    while (*slot && (*slot)->table.id != id)
        slot = &(*slot)->next;
    return slot;
}

static struct entry *find(const struct binlog_rows *br, uint64_t id) {
    struct entry **slot = find_slot(br, id);
    return slot ? *slot : NULL;
}

static int grow_buckets(struct binlog_rows *br) {
    size_t n = br->nbuckets ? br->nbuckets * 2 : 64;
    struct entry **b = calloc(n, sizeof *b);
    if (!b)
        return -1;
    struct entry **old = br->buckets;
    size_t oldn = br->nbuckets;
    br->buckets = b;
    br->nbuckets = n;
    for (size_t i = 0; i < oldn; i++) {
        for (struct entry *e = old[i], *next; e; e = next) {
            next = e->next;
            struct entry **slot = find_slot(br, e->table.id);
            e->next = NULL;
            *slot = e;
        }
    }
    free(old);
    return 0;
}

/* Removes the entries of the same database.table under other ids. */
static void drop_same_name(struct binlog_rows *br, const struct entry *keep) {
    for (size_t i = 0; i < br->nbuckets; i++) {
        struct entry **slot = &br->buckets[i];
        while (*slot) {
            struct entry *e = *slot;
            if (e != keep && strcmp(e->table.name, keep->table.name) == 0 &&
                strcmp(e->table.database, keep->table.database) == 0) {
                *slot = e->next;
                free_entry(e);
                br->count--;
            } else {
                slot = &e->next;
            }
        }
    }
}

struct binlog_rows *binlog_rows_new(void) {
    struct binlog_rows *br = calloc(1, sizeof *br);
    if (!br)
        return NULL;
    if (grow_buckets(br) != 0) {
        free(br);
        return NULL;
    }
    crc32_init(br->crc_table);
    return br;
}

void binlog_rows_free(struct binlog_rows *br) {
    if (!br)
        return;
    for (size_t i = 0; i < br->nbuckets; i++) {
        for (struct entry *e = br->buckets[i], *next; e; e = next) {
            next = e->next;
            free_entry(e);
        }
    }
    free(br->buckets);
    free(br->before);
    free(br->after);
    for (struct chunk *c = br->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(br);
}

void binlog_rows_set_checksum(struct binlog_rows *br, enum binlog_checksum mode) { br->checksum = mode; }

const struct table *binlog_rows_table(const struct binlog_rows *br, uint64_t table_id) {
    struct entry *e = find(br, table_id);
    return e ? &e->table : NULL;
}

unsigned binlog_rows_metadata(const struct binlog_rows *br, uint64_t table_id) {
    struct entry *e = find(br, table_id);
    return e ? e->meta : 0;
}

int binlog_rows_has_full_metadata(const struct binlog_rows *br, uint64_t table_id) {
    return (binlog_rows_metadata(br, table_id) & BINLOG_META_NAMES) != 0;
}

/* ------------------------------------------------------------------ TABLE_MAP */

/* Bytes of TABLE_MAP metadata per binlog column type; -1 for types this
 * decoder does not know (their metadata size is unknown too). */
static int meta_size(uint8_t type) {
    switch (type) {
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_NULL:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_YEAR:
    case MYSQL_TYPE_NEWDATE:
        return 0;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
    case MYSQL_TYPE_TIMESTAMP2:
    case MYSQL_TYPE_DATETIME2:
    case MYSQL_TYPE_TIME2:
    case MYSQL_TYPE_JSON:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_GEOMETRY:
    case TYPE_BLOB_COMPRESSED:
        return 1;
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_BIT:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_ENUM:
    case MYSQL_TYPE_SET:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_STRING:
    case TYPE_VARCHAR_COMPRESSED:
        return 2;
    default:
        return -1;
    }
}

/* The columns that take a bit of SIGNEDNESS (MariaDB's Field_num: YEAR too). */
static int is_numeric(uint8_t type) {
    switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
    case MYSQL_TYPE_YEAR:
        return 1;
    default:
        return 0;
    }
}

/* The columns the charset fields cover (by their real type). */
static int is_character(uint8_t type) {
    switch (type) {
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_GEOMETRY:
    case TYPE_VARCHAR_COMPRESSED:
    case TYPE_BLOB_COMPRESSED:
        return 1;
    default:
        return 0;
    }
}

static int is_enum_or_set(uint8_t type) { return type == MYSQL_TYPE_ENUM || type == MYSQL_TYPE_SET; }

/* The metadata bytes -> the 16-bit meta (as mysqlbinlog's table_def reads
 * them), the real type of STRING columns resolved, and checked. */
static int read_column_meta(struct column *col, const uint8_t *m, int idx, char *err, size_t errlen) {
    switch (col->type) {
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        col->meta = m[0];
        break;
    case MYSQL_TYPE_TIMESTAMP2:
    case MYSQL_TYPE_DATETIME2:
    case MYSQL_TYPE_TIME2:
        col->meta = m[0];
        if (m[0] > 6)
            return fail(err, errlen, "TABLE_MAP: column %d: fractional precision %u", idx + 1, m[0]);
        break;
    case MYSQL_TYPE_JSON:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_GEOMETRY:
    case TYPE_BLOB_COMPRESSED:
        col->meta = m[0];
        if (m[0] < 1 || m[0] > 4)
            return fail(err, errlen, "TABLE_MAP: column %d: %u length bytes", idx + 1, m[0]);
        break;
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
    case TYPE_VARCHAR_COMPRESSED:
        col->meta = (uint16_t)le(m, 2);
        break;
    case MYSQL_TYPE_BIT:
        col->meta = (uint16_t)(m[0] | m[1] << 8); /* bits % 8, bytes */
        if (m[0] > 7 || m[1] * 8 + m[0] < 1 || m[1] * 8 + m[0] > 64)
            return fail(err, errlen, "TABLE_MAP: column %d: BIT metadata %u/%u", idx + 1, m[0], m[1]);
        break;
    case MYSQL_TYPE_NEWDECIMAL:
        col->meta = (uint16_t)(m[0] << 8 | m[1]);
        if (m[0] < 1 || m[0] > 65 || m[1] > m[0])
            return fail(err, errlen, "TABLE_MAP: column %d: DECIMAL(%u,%u)", idx + 1, m[0], m[1]);
        break;
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_ENUM:
    case MYSQL_TYPE_SET: {
        uint8_t real = m[0];
        col->meta = (uint16_t)(m[0] << 8 | m[1]);
        if (col->type == MYSQL_TYPE_STRING && (real & 0x30) != 0x30) {
            real |= 0x30; /* a CHAR longer than 255 bytes: 2 bits of the length hide here */
        }
        if (col->type == MYSQL_TYPE_STRING && (real == MYSQL_TYPE_ENUM || real == MYSQL_TYPE_SET))
            col->type = real;
        else if (col->type == MYSQL_TYPE_STRING && real != MYSQL_TYPE_STRING)
            return fail(err, errlen, "TABLE_MAP: column %d: STRING of real type %u", idx + 1, real);
        unsigned n = m[1];
        if (col->type == MYSQL_TYPE_ENUM && n != 1 && n != 2)
            return fail(err, errlen, "TABLE_MAP: column %d: ENUM of %u bytes", idx + 1, n);
        if (col->type == MYSQL_TYPE_SET && (n < 1 || (n > 4 && n != 8)))
            return fail(err, errlen, "TABLE_MAP: column %d: SET of %u bytes", idx + 1, n);
        break;
    }
    default:
        col->meta = 0;
        break;
    }
    return 0;
}

/* The maximum length in bytes of a CHAR (STRING) column. */
static unsigned char_length(uint16_t meta) {
    unsigned byte0 = meta >> 8, byte1 = meta & 0xFF;
    if ((byte0 & 0x30) != 0x30)
        return byte1 | (((byte0 & 0x30) ^ 0x30) << 4);
    return byte1;
}

/* The n-th column (0-based) of those for which pick() holds, or -1. */
static int nth_column(const struct table *t, int (*pick)(uint8_t), int n) {
    for (int i = 0; i < t->column_count; i++)
        if (pick(t->columns[i].type) && n-- == 0)
            return i;
    return -1;
}

static int count_columns(const struct table *t, int (*pick)(uint8_t)) {
    int n = 0;
    for (int i = 0; i < t->column_count; i++)
        n += pick(t->columns[i].type) != 0;
    return n;
}

static int is_enum(uint8_t type) { return type == MYSQL_TYPE_ENUM; }
static int is_set(uint8_t type) { return type == MYSQL_TYPE_SET; }

/* DEFAULT_CHARSET-style: a default, then (index, charset) pairs for the
 * exceptions; COLUMN_CHARSET-style: one charset per column. */
static int read_charsets(struct table *t, struct cursor *c, int (*pick)(uint8_t), int per_column, char *err,
                         size_t errlen) {
    uint64_t cs;
    if (per_column) {
        for (int i = 0; c->p < c->end; i++) {
            int col = nth_column(t, pick, i);
            if (get_lenenc(c, &cs) != 0 || col < 0)
                return fail(err, errlen, "TABLE_MAP: malformed column charsets");
            t->columns[col].is_binary = cs == CHARSET_BINARY;
        }
        return 0;
    }
    if (get_lenenc(c, &cs) != 0)
        return fail(err, errlen, "TABLE_MAP: malformed default charset");
    for (int i = 0; i < t->column_count; i++)
        if (pick(t->columns[i].type))
            t->columns[i].is_binary = cs == CHARSET_BINARY;
    while (c->p < c->end) {
        uint64_t idx;
        if (get_lenenc(c, &idx) != 0 || get_lenenc(c, &cs) != 0 || idx > INT_MAX)
            return fail(err, errlen, "TABLE_MAP: malformed charset exceptions");
        int col = nth_column(t, pick, (int)idx);
        if (col < 0)
            return fail(err, errlen, "TABLE_MAP: charset for character column %llu of %d", (unsigned long long)idx + 1,
                        count_columns(t, pick));
        t->columns[col].is_binary = cs == CHARSET_BINARY;
    }
    return 0;
}

static char *dup_bytes(const uint8_t *p, size_t n) {
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static int read_string_values(struct table *t, struct cursor *c, int (*pick)(uint8_t), char *err, size_t errlen) {
    for (int i = 0; c->p < c->end; i++) {
        int col = nth_column(t, pick, i), n;
        if (col < 0 || get_count(c, 1, &n) != 0)
            return fail(err, errlen, "TABLE_MAP: malformed ENUM/SET values");
        struct column *column = &t->columns[col];
        free_strings(column->enum_values, column->enum_count);
        column->enum_values = NULL;
        column->enum_count = 0;
        if (n == 0)
            continue;
        column->enum_values = calloc((size_t)n, sizeof *column->enum_values);
        if (!column->enum_values)
            return fail(err, errlen, "TABLE_MAP: out of memory");
        column->enum_count = n;
        for (int k = 0; k < n; k++) {
            uint64_t len;
            if (get_lenenc(c, &len) != 0 || !has(c, len))
                return fail(err, errlen, "TABLE_MAP: malformed ENUM/SET values");
            if (!(column->enum_values[k] = dup_bytes(c->p, len)))
                return fail(err, errlen, "TABLE_MAP: out of memory");
            c->p += len;
        }
    }
    return 0;
}

static int read_primary_key(struct table *t, struct cursor *c, int with_prefix, char *err, size_t errlen) {
    free(t->primary_key);
    t->primary_key = NULL;
    t->primary_key_count = 0;
    size_t max = (size_t)(c->end - c->p);
    if (max == 0)
        return 0;
    if (!(t->primary_key = malloc(max * sizeof *t->primary_key)))
        return fail(err, errlen, "TABLE_MAP: out of memory");
    while (c->p < c->end) {
        uint64_t col, prefix;
        if (get_lenenc(c, &col) != 0 || (with_prefix && get_lenenc(c, &prefix) != 0))
            return fail(err, errlen, "TABLE_MAP: malformed primary key");
        if (col >= (uint64_t)t->column_count)
            return fail(err, errlen, "TABLE_MAP: primary key column %llu of %d", (unsigned long long)col + 1,
                        t->column_count);
        t->primary_key[t->primary_key_count++] = (int)col;
    }
    return 0;
}

static int read_optional_metadata(struct entry *e, struct cursor *c, char *err, size_t errlen) {
    struct table *t = &e->table;
    while (c->p < c->end) {
        uint8_t field = *c->p++;
        uint64_t len;
        if (get_lenenc(c, &len) != 0 || !has(c, len))
            return fail(err, errlen, "TABLE_MAP: optional metadata field %u truncated", field);
        struct cursor f = {c->p, c->p + len};
        c->p += len;
        int rc = 0;
        switch (field) {
        case META_SIGNEDNESS: {
            int bit = 0;
            for (int i = 0; i < t->column_count; i++) {
                if (!is_numeric(t->columns[i].type))
                    continue;
                if ((size_t)bit / 8 >= len)
                    return fail(err, errlen, "TABLE_MAP: signedness shorter than the numeric columns");
                t->columns[i].is_unsigned = (f.p[bit / 8] >> (7 - bit % 8)) & 1;
                bit++;
            }
            e->meta |= BINLOG_META_SIGNEDNESS;
            break;
        }
        case META_DEFAULT_CHARSET:
        case META_COLUMN_CHARSET:
            rc = read_charsets(t, &f, is_character, field == META_COLUMN_CHARSET, err, errlen);
            e->meta |= BINLOG_META_CHARSETS;
            break;
        case META_ENUM_AND_SET_DEFAULT_CHARSET:
        case META_ENUM_AND_SET_COLUMN_CHARSET:
            rc = read_charsets(t, &f, is_enum_or_set, field == META_ENUM_AND_SET_COLUMN_CHARSET, err, errlen);
            break;
        case META_COLUMN_NAME:
            for (int i = 0; i < t->column_count; i++) {
                uint64_t n;
                if (get_lenenc(&f, &n) != 0 || !has(&f, n))
                    return fail(err, errlen, "TABLE_MAP: column names end at column %d of %d", i + 1, t->column_count);
                char *name = dup_bytes(f.p, n);
                if (!name)
                    return fail(err, errlen, "TABLE_MAP: out of memory");
                free(t->columns[i].name);
                t->columns[i].name = name;
                f.p += n;
            }
            e->meta |= BINLOG_META_NAMES;
            break;
        case META_SET_STR_VALUE:
        case META_ENUM_STR_VALUE:
            rc = read_string_values(t, &f, field == META_SET_STR_VALUE ? is_set : is_enum, err, errlen);
            e->meta |= BINLOG_META_ENUM_VALUES;
            break;
        case META_SIMPLE_PRIMARY_KEY:
        case META_PRIMARY_KEY_WITH_PREFIX:
            rc = read_primary_key(t, &f, field == META_PRIMARY_KEY_WITH_PREFIX, err, errlen);
            e->meta |= BINLOG_META_PRIMARY_KEY;
            break;
        default: /* GEOMETRY_TYPE and what later servers add */
            break;
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Parses a TABLE_MAP body into a new entry. */
static struct entry *parse_table_map(const uint8_t *body, const uint8_t *end, char *err, size_t errlen) {
    struct cursor c = {body, end};
    struct entry *e = calloc(1, sizeof *e);
    if (!e) {
        fail(err, errlen, "TABLE_MAP: out of memory");
        return NULL;
    }
    struct table *t = &e->table;
    e->map_len = (size_t)(end - body);
    if (!(e->map = malloc(e->map_len ? e->map_len : 1)))
        goto oom;
    memcpy(e->map, body, e->map_len);

    if (!has(&c, TABLE_ID_LEN + 2)) {
        fail(err, errlen, "TABLE_MAP: truncated post-header");
        goto bad;
    }
    t->id = le(c.p, TABLE_ID_LEN);
    c.p += TABLE_ID_LEN + 2;
    for (int k = 0; k < 2; k++) { /* database, then table: length, name, NUL */
        if (!has(&c, 1) || !has(&c, (size_t)c.p[0] + 2) || c.p[1 + c.p[0]] != 0) {
            fail(err, errlen, "TABLE_MAP: malformed %s name", k == 0 ? "database" : "table");
            goto bad;
        }
        char *s = dup_bytes(c.p + 1, c.p[0]);
        if (!s)
            goto oom;
        *(k == 0 ? &t->database : &t->name) = s;
        c.p += c.p[0] + 2;
    }
    int n;
    if (get_count(&c, 1, &n) != 0 || n < 1) {
        fail(err, errlen, "TABLE_MAP: bad column count");
        goto bad;
    }
    if (!(t->columns = calloc((size_t)n, sizeof *t->columns)))
        goto oom;
    t->column_count = n;
    for (int i = 0; i < n; i++) {
        t->columns[i].type = c.p[i];
        if (meta_size(c.p[i]) < 0) {
            fail(err, errlen, "TABLE_MAP: column %d: unknown type %u", i + 1, c.p[i]);
            goto bad;
        }
    }
    c.p += n;
    uint64_t meta_len;
    if (get_lenenc(&c, &meta_len) != 0 || !has(&c, meta_len)) {
        fail(err, errlen, "TABLE_MAP: truncated column metadata");
        goto bad;
    }
    const uint8_t *m = c.p, *m_end = c.p + meta_len;
    for (int i = 0; i < n; i++) {
        int size = meta_size(t->columns[i].type);
        if (m_end - m < size) {
            fail(err, errlen, "TABLE_MAP: column metadata too short at column %d", i + 1);
            goto bad;
        }
        if (read_column_meta(&t->columns[i], m, i, err, errlen) != 0)
            goto bad;
        m += size;
    }
    if (m != m_end) {
        fail(err, errlen, "TABLE_MAP: %td bytes of column metadata left over", m_end - m);
        goto bad;
    }
    c.p = m_end;
    size_t nullbytes = ((size_t)n + 7) / 8;
    if (!has(&c, nullbytes)) {
        fail(err, errlen, "TABLE_MAP: truncated null bitmap");
        goto bad;
    }
    for (int i = 0; i < n; i++)
        t->columns[i].is_nullable = (c.p[i / 8] >> (i % 8)) & 1;
    c.p += nullbytes;
    if (read_optional_metadata(e, &c, err, errlen) != 0)
        goto bad;
    for (int i = 0; i < n; i++) {
        if (!t->columns[i].name) {
            char name[16];
            snprintf(name, sizeof name, "@%d", i + 1);
            if (!(t->columns[i].name = strdup(name)))
                goto oom;
        }
    }
    return e;
oom:
    fail(err, errlen, "TABLE_MAP: out of memory");
bad:
    free_entry(e);
    return NULL;
}

const struct table *binlog_rows_table_map(struct binlog_rows *br, const uint8_t *event, size_t len, char *err,
                                          size_t errlen) {
    const uint8_t *body, *end;
    int type;
    if (open_event(br, event, len, &body, &end, &type, "TABLE_MAP", err, errlen) != 0)
        return NULL;
    if (type != TABLE_MAP_EVENT_TYPE) {
        fail(err, errlen, "TABLE_MAP: event type %d is not TABLE_MAP (19)", type);
        return NULL;
    }
    if (end - body < TABLE_ID_LEN) {
        fail(err, errlen, "TABLE_MAP: truncated post-header");
        return NULL;
    }
    uint64_t id = le(body, TABLE_ID_LEN);
    struct entry *old = find(br, id);
    if (old && old->map_len == (size_t)(end - body) && memcmp(old->map, body, old->map_len) == 0)
        return &old->table;
    struct entry *e = parse_table_map(body, end, err, errlen);
    if (!e)
        return NULL;
    struct entry **slot = find_slot(br, id);
    if (*slot) {
        e->next = (*slot)->next;
        free_entry(*slot);
        *slot = e;
    } else {
        *slot = e;
        br->count++;
    }
    drop_same_name(br, e);
    if (br->count > br->nbuckets * 2 && grow_buckets(br) != 0) {
        /* still usable with longer chains */
    }
    return &e->table;
}

/* ------------------------------------------------------------------ given metadata */

static char **dup_strings(char *const *v, int n) {
    char **out = calloc(n > 0 ? (size_t)n : 1, sizeof *out);
    if (!out)
        return NULL;
    for (int i = 0; i < n; i++) {
        if (!v[i] || !(out[i] = strdup(v[i]))) {
            free_strings(out, i);
            return NULL;
        }
    }
    return out;
}

int binlog_rows_set_column_names(struct binlog_rows *br, uint64_t table_id, char *const *names, int count) {
    struct entry *e = find(br, table_id);
    if (!e || !names || count != e->table.column_count)
        return -1;
    char **copy = dup_strings(names, count);
    if (!copy)
        return -1;
    for (int i = 0; i < count; i++) {
        free(e->table.columns[i].name);
        e->table.columns[i].name = copy[i];
    }
    free(copy);
    e->meta |= BINLOG_META_NAMES_GIVEN;
    return 0;
}

int binlog_rows_set_enum_values(struct binlog_rows *br, uint64_t table_id, int column, char *const *values, int count) {
    struct entry *e = find(br, table_id);
    if (!e || column < 0 || column >= e->table.column_count || count < 0 || (count > 0 && !values))
        return -1;
    struct column *col = &e->table.columns[column];
    if (!is_enum_or_set(col->type) || (col->type == MYSQL_TYPE_SET && count > 64))
        return -1;
    char **copy = dup_strings(values, count);
    if (!copy)
        return -1;
    free_strings(col->enum_values, col->enum_count);
    col->enum_values = copy;
    col->enum_count = count;
    e->meta |= BINLOG_META_ENUM_GIVEN;
    return 0;
}

int binlog_rows_set_primary_key(struct binlog_rows *br, uint64_t table_id, const int *columns, int count) {
    struct entry *e = find(br, table_id);
    if (!e || count < 0 || (count > 0 && !columns))
        return -1;
    for (int i = 0; i < count; i++)
        if (columns[i] < 0 || columns[i] >= e->table.column_count)
            return -1;
    int *copy = malloc((count > 0 ? (size_t)count : 1) * sizeof *copy);
    if (!copy)
        return -1;
    if (count > 0)
        memcpy(copy, columns, (size_t)count * sizeof *copy);
    free(e->table.primary_key);
    e->table.primary_key = copy;
    e->table.primary_key_count = count;
    e->meta |= BINLOG_META_PK_GIVEN;
    return 0;
}

/* ------------------------------------------------------------------ values */

struct decode {
    struct binlog_rows *br;
    const struct table *table;
    int column;
    char *err;
    size_t errlen;
};

static int value_fail(const struct decode *d, const char *what) {
    const struct column *col = &d->table->columns[d->column];
    return fail(d->err, d->errlen, "rows event: %s.%s column %d (%s, type %u): %s", d->table->database, d->table->name,
                d->column + 1, col->name, col->type, what);
}

static int take(struct cursor *c, const struct decode *d, size_t n, const uint8_t **p) {
    if (!has(c, n))
        return value_fail(d, "value truncated");
    *p = c->p;
    c->p += n;
    return 0;
}

static int64_t sign_extend(uint64_t v, int bytes) {
    if (bytes >= 8)
        return (int64_t)v;
    uint64_t sign = (uint64_t)1 << (bytes * 8 - 1);
    return (int64_t)((v ^ sign) - sign);
}

static int decode_int(struct cursor *c, const struct decode *d, const struct column *col, int bytes,
                      struct value *out) {
    const uint8_t *p = NULL;
    if (take(c, d, (size_t)bytes, &p) != 0)
        return -1;
    uint64_t v = le(p, bytes);
    if (col->is_unsigned) {
        out->kind = VALUE_UINT;
        out->v.u = v;
    } else {
        out->kind = VALUE_INT;
        out->v.i = sign_extend(v, bytes);
    }
    return 0;
}

/* NEWDECIMAL: groups of 9 digits in 4 bytes, big-endian, the leading and
 * trailing partial groups in fewer bytes; the sign flips the top bit, and a
 * negative number is stored inverted. */
static const int dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
static const uint32_t powers10[10] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

static int decimal_size(int precision, int scale) {
    int intg = precision - scale;
    return intg / 9 * 4 + dig2bytes[intg % 9] + scale / 9 * 4 + dig2bytes[scale % 9];
}

static int decode_decimal(struct cursor *c, const struct decode *d, const struct column *col, struct value *out) {
    int precision = col->meta >> 8, scale = col->meta & 0xFF;
    int size = decimal_size(precision, scale);
    const uint8_t *p = NULL;
    if (take(c, d, (size_t)size, &p) != 0)
        return -1;
    uint8_t buf[40]; /* 65 digits take 30 bytes */
    memcpy(buf, p, (size_t)size);
    int negative = (buf[0] & 0x80) == 0;
    buf[0] ^= 0x80;
    if (negative)
        for (int i = 0; i < size; i++)
            buf[i] = (uint8_t)~buf[i];

    /* The digits: integer part (its partial group first), then fraction
     * (its partial group last). */
    char digits[80];
    size_t nd = 0;
    int intg = precision - scale, pos = 0;
    int sizes[4] = {intg % 9, 0, 0, scale % 9}; /* digits per group, by kind */
    int counts[4] = {intg % 9 > 0, intg / 9, scale / 9, scale % 9 > 0};
    sizes[1] = sizes[2] = 9;
    int int_digits = 0;
    for (int kind = 0; kind < 4; kind++) {
        for (int g = 0; g < counts[kind]; g++) {
            int ndig = sizes[kind], nbytes = dig2bytes[ndig];
            uint32_t v = (uint32_t)be(buf + pos, nbytes);
            pos += nbytes;
            if (v >= powers10[ndig])
                return value_fail(d, "invalid DECIMAL digits");
            for (int k = ndig - 1; k >= 0; k--)
                digits[nd++] = (char)('0' + v / powers10[k] % 10);
        }
        if (kind == 1)
            int_digits = (int)nd;
    }
    char *text = arena_alloc(d->br, nd + 4);
    if (!text)
        return value_fail(d, "out of memory");
    size_t n = 0;
    int first = 0;
    while (first < int_digits - 1 && digits[first] == '0')
        first++;
    int zero = 1;
    for (size_t i = 0; i < nd; i++)
        zero &= digits[i] == '0';
    if (negative && !zero)
        text[n++] = '-';
    if (int_digits == 0)
        text[n++] = '0';
    for (int i = first; i < int_digits; i++)
        text[n++] = digits[i];
    if (scale > 0) {
        text[n++] = '.';
        for (size_t i = (size_t)int_digits; i < nd; i++)
            text[n++] = digits[i];
    }
    out->kind = VALUE_DECIMAL;
    out->v.text.data = text;
    out->v.text.len = n;
    return 0;
}

/* The fractional part of TIME2/DATETIME2/TIMESTAMP2: (fsp+1)/2 bytes,
 * big-endian, in units of 1/100, 1/10000 or 1/1000000 s. */
static int frac_bytes(int fsp) { return (fsp + 1) / 2; }

static int read_frac(const uint8_t *p, int fsp, const struct decode *d, int32_t *usec) {
    int n = frac_bytes(fsp);
    uint32_t v = (uint32_t)be(p, n);
    static const uint32_t limit[4] = {1, 100, 10000, 1000000};
    static const int32_t scale[4] = {1, 10000, 100, 1};
    if (v >= limit[n])
        return value_fail(d, "invalid fractional seconds");
    *usec = (int32_t)v * scale[n];
    return 0;
}

/* The packed hour (10 bits), minute and second (6 bits each) of TIME2 and
 * DATETIME2, with the microseconds. */
static void set_hms(struct value *out, int64_t hms, int usec) {
    out->v.time.hour = (int)((hms >> 12) % (1 << 10));
    out->v.time.minute = (int)((hms >> 6) % (1 << 6));
    out->v.time.second = (int)(hms % (1 << 6));
    out->v.time.usec = usec;
}

static int decode_time2(struct cursor *c, const struct decode *d, int fsp, struct value *out) {
    const uint8_t *p = NULL;
    if (take(c, d, 3 + (size_t)frac_bytes(fsp), &p) != 0)
        return -1;
    int64_t packed;
    int64_t intpart = (int64_t)be(p, 3) - 0x800000;
    switch (fsp) {
    case 0:
        packed = intpart * (1 << 24);
        break;
    case 1:
    case 2: {
        int64_t frac = p[3];
        if (intpart < 0 && frac) {
            intpart++;
            frac -= 0x100;
        }
        packed = intpart * (1 << 24) + frac * 10000;
        break;
    }
    case 3:
    case 4: {
        int64_t frac = (int64_t)be(p + 3, 2);
        if (intpart < 0 && frac) {
            intpart++;
            frac -= 0x10000;
        }
        packed = intpart * (1 << 24) + frac * 100;
        break;
    }
    default:
        packed = (int64_t)be(p, 6) - 0x800000000000LL;
        break;
    }
    out->kind = VALUE_TIME;
    memset(&out->v.time, 0, sizeof out->v.time);
    if (packed < 0) {
        out->v.time.negative = 1;
        packed = -packed;
    }
    int64_t hms = packed >> 24;
    int usec = (int)(packed % (1 << 24));
    if (usec > 999999)
        return value_fail(d, "invalid fractional seconds");
    set_hms(out, hms, usec);
    return 0;
}

static int decode_datetime2(struct cursor *c, const struct decode *d, int fsp, struct value *out) {
    const uint8_t *p = NULL;
    if (take(c, d, 5 + (size_t)frac_bytes(fsp), &p) != 0)
        return -1;
    int64_t intpart = (int64_t)be(p, 5) - 0x8000000000LL;
    int32_t usec = 0;
    if (intpart < 0)
        return value_fail(d, "invalid DATETIME");
    if (fsp > 0 && read_frac(p + 5, fsp, d, &usec) != 0)
        return -1;
    int64_t ymd = intpart >> 17, ym = ymd >> 5, hms = intpart % (1 << 17);
    out->kind = VALUE_DATETIME;
    memset(&out->v.time, 0, sizeof out->v.time);
    out->v.time.year = (int)(ym / 13);
    out->v.time.month = (int)(ym % 13);
    out->v.time.day = (int)(ymd % (1 << 5));
    set_hms(out, hms, usec);
    return 0;
}

static int decode_timestamp2(struct cursor *c, const struct decode *d, int fsp, struct value *out) {
    const uint8_t *p = NULL;
    if (take(c, d, 4 + (size_t)frac_bytes(fsp), &p) != 0)
        return -1;
    int32_t usec = 0;
    if (fsp > 0 && read_frac(p + 4, fsp, d, &usec) != 0)
        return -1;
    out->kind = VALUE_TIMESTAMP;
    out->v.epoch.seconds = (int64_t)be(p, 4);
    out->v.epoch.usec = usec;
    return 0;
}

/* Bytes with a length prefix of prefix bytes, at most max long. */
static int decode_prefixed(struct cursor *c, const struct decode *d, int prefix, uint64_t max, const uint8_t **data,
                           size_t *len) {
    const uint8_t *p = NULL;
    if (take(c, d, (size_t)prefix, &p) != 0)
        return -1;
    uint64_t n = le(p, prefix);
    if (n > max)
        return value_fail(d, "longer than the column");
    if (!has(c, n))
        return value_fail(d, "value truncated");
    *data = c->p;
    *len = (size_t)n;
    c->p += n;
    return 0;
}

static void set_text(struct value *out, const struct column *col, const uint8_t *data, size_t len) {
    out->kind = col->is_binary ? VALUE_BYTES : VALUE_STRING;
    out->v.text.data = (const char *)data;
    out->v.text.len = len;
}

/* The number an ENUM (index) or SET (bitmask) is stored as; it is also the
 * value in out, which stays so when the column's value names are unknown. */
static int take_enum_number(struct cursor *c, const struct decode *d, const struct column *col, uint64_t *number,
                            struct value *out) {
    int bytes = col->meta & 0xFF;
    const uint8_t *p = NULL;
    if (take(c, d, (size_t)bytes, &p) != 0)
        return -1;
    *number = le(p, bytes);
    out->kind = VALUE_UINT;
    out->v.u = *number;
    return 0;
}

static int decode_enum(struct cursor *c, const struct decode *d, const struct column *col, struct value *out) {
    uint64_t index;
    if (take_enum_number(c, d, col, &index, out) != 0)
        return -1;
    if (!col->enum_values)
        return 0;
    if (index > (uint64_t)col->enum_count)
        return value_fail(d, "ENUM index beyond the values");
    out->kind = VALUE_STRING;
    out->v.text.data = index == 0 ? "" : col->enum_values[index - 1];
    out->v.text.len = strlen(out->v.text.data);
    return 0;
}

static int decode_set(struct cursor *c, const struct decode *d, const struct column *col, struct value *out) {
    uint64_t bits;
    if (take_enum_number(c, d, col, &bits, out) != 0)
        return -1;
    if (!col->enum_values)
        return 0;
    int count = col->enum_count < 64 ? col->enum_count : 64;
    if (count < 64 && (bits >> count) != 0)
        return value_fail(d, "SET bits beyond the values");
    size_t len = 0;
    for (int i = 0; i < count; i++)
        if (bits >> i & 1)
            len += strlen(col->enum_values[i]) + 1;
    char *text = arena_alloc(d->br, len + 1);
    if (!text)
        return value_fail(d, "out of memory");
    size_t n = 0;
    for (int i = 0; i < count; i++) {
        if (!(bits >> i & 1))
            continue;
        if (n > 0)
            text[n++] = ',';
        size_t l = strlen(col->enum_values[i]);
        memcpy(text + n, col->enum_values[i], l);
        n += l;
    }
    out->kind = VALUE_STRING;
    out->v.text.data = text;
    out->v.text.len = n;
    return 0;
}

static int decode_value(struct cursor *c, const struct decode *d, const struct column *col, struct value *out) {
    const uint8_t *p = NULL;
    size_t len = 0;
    switch (col->type) {
    case MYSQL_TYPE_TINY:
        return decode_int(c, d, col, 1, out);
    case MYSQL_TYPE_SHORT:
        return decode_int(c, d, col, 2, out);
    case MYSQL_TYPE_INT24:
        return decode_int(c, d, col, 3, out);
    case MYSQL_TYPE_LONG:
        return decode_int(c, d, col, 4, out);
    case MYSQL_TYPE_LONGLONG:
        return decode_int(c, d, col, 8, out);
    case MYSQL_TYPE_NEWDECIMAL:
        return decode_decimal(c, d, col, out);
    case MYSQL_TYPE_FLOAT: {
        if (take(c, d, 4, &p) != 0)
            return -1;
        uint32_t bits = (uint32_t)le(p, 4);
        float f;
        memcpy(&f, &bits, sizeof f);
        out->kind = VALUE_DOUBLE;
        out->v.d = f;
        return 0;
    }
    case MYSQL_TYPE_DOUBLE: {
        if (take(c, d, 8, &p) != 0)
            return -1;
        uint64_t bits = le(p, 8);
        memcpy(&out->v.d, &bits, sizeof out->v.d);
        out->kind = VALUE_DOUBLE;
        return 0;
    }
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
        if (decode_prefixed(c, d, col->meta < 256 ? 1 : 2, col->meta, &p, &len) != 0)
            return -1;
        set_text(out, col, p, len);
        return 0;
    case MYSQL_TYPE_STRING: {
        unsigned max = char_length(col->meta);
        if (decode_prefixed(c, d, max < 256 ? 1 : 2, max, &p, &len) != 0)
            return -1;
        set_text(out, col, p, len);
        if (col->is_binary && len < max) {
            /* BINARY(n) is logged without its trailing zero bytes */
            char *padded = arena_alloc(d->br, max);
            if (!padded)
                return value_fail(d, "out of memory");
            if (len > 0)
                memcpy(padded, p, len);
            memset(padded + len, 0, max - len);
            out->v.text.data = padded;
            out->v.text.len = max;
        }
        return 0;
    }
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
        if (decode_prefixed(c, d, col->meta, UINT64_MAX, &p, &len) != 0)
            return -1;
        set_text(out, col, p, len);
        return 0;
    case MYSQL_TYPE_GEOMETRY:
        if (decode_prefixed(c, d, col->meta, UINT64_MAX, &p, &len) != 0)
            return -1;
        out->kind = VALUE_BYTES; /* SRID and WKB */
        out->v.text.data = (const char *)p;
        out->v.text.len = len;
        return 0;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE: {
        if (take(c, d, 3, &p) != 0)
            return -1;
        uint32_t v = (uint32_t)le(p, 3);
        out->kind = VALUE_DATE;
        memset(&out->v.time, 0, sizeof out->v.time);
        out->v.time.day = (int)(v & 31);
        out->v.time.month = (int)(v >> 5 & 15);
        out->v.time.year = (int)(v >> 9);
        return 0;
    }
    case MYSQL_TYPE_TIME2:
        return decode_time2(c, d, col->meta, out);
    case MYSQL_TYPE_DATETIME2:
        return decode_datetime2(c, d, col->meta, out);
    case MYSQL_TYPE_TIMESTAMP2:
        return decode_timestamp2(c, d, col->meta, out);
    case MYSQL_TYPE_TIME: { /* old format: [-]HHMMSS as a 3-byte integer */
        if (take(c, d, 3, &p) != 0)
            return -1;
        int64_t v = sign_extend(le(p, 3), 3);
        out->kind = VALUE_TIME;
        memset(&out->v.time, 0, sizeof out->v.time);
        if (v < 0) {
            out->v.time.negative = 1;
            v = -v;
        }
        out->v.time.hour = (int)(v / 10000);
        out->v.time.minute = (int)(v / 100 % 100);
        out->v.time.second = (int)(v % 100);
        return 0;
    }
    case MYSQL_TYPE_DATETIME: { /* old format: YYYYMMDDhhmmss as an 8-byte integer */
        if (take(c, d, 8, &p) != 0)
            return -1;
        uint64_t v = le(p, 8), date = v / 1000000, time = v % 1000000;
        if (date > 99991231)
            return value_fail(d, "invalid DATETIME");
        out->kind = VALUE_DATETIME;
        memset(&out->v.time, 0, sizeof out->v.time);
        out->v.time.year = (int)(date / 10000);
        out->v.time.month = (int)(date / 100 % 100);
        out->v.time.day = (int)(date % 100);
        out->v.time.hour = (int)(time / 10000);
        out->v.time.minute = (int)(time / 100 % 100);
        out->v.time.second = (int)(time % 100);
        return 0;
    }
    case MYSQL_TYPE_TIMESTAMP: /* old format: seconds, little-endian */
        if (take(c, d, 4, &p) != 0)
            return -1;
        out->kind = VALUE_TIMESTAMP;
        out->v.epoch.seconds = (int64_t)le(p, 4);
        out->v.epoch.usec = 0;
        return 0;
    case MYSQL_TYPE_YEAR:
        if (take(c, d, 1, &p) != 0)
            return -1;
        out->kind = VALUE_INT;
        out->v.i = p[0] ? 1900 + p[0] : 0;
        return 0;
    case MYSQL_TYPE_ENUM:
        return decode_enum(c, d, col, out);
    case MYSQL_TYPE_SET:
        return decode_set(c, d, col, out);
    case MYSQL_TYPE_BIT: {
        unsigned bits = (col->meta >> 8) * 8 + (col->meta & 0xFF);
        if (take(c, d, (bits + 7) / 8, &p) != 0)
            return -1;
        if (bits == 1) {
            out->kind = VALUE_BOOL;
            out->v.i = p[0] & 1;
        } else {
            out->kind = VALUE_BYTES;
            out->v.text.data = (const char *)p;
            out->v.text.len = (bits + 7) / 8;
        }
        return 0;
    }
    case MYSQL_TYPE_JSON:
        return value_fail(d, "MySQL binary JSON is not supported (MariaDB logs JSON as LONGTEXT)");
    case TYPE_VARCHAR_COMPRESSED:
    case TYPE_BLOB_COMPRESSED:
        return value_fail(d, "compressed columns are not supported");
    case MYSQL_TYPE_DECIMAL:
        return value_fail(d, "the pre-5.0 DECIMAL type is not supported");
    default:
        return value_fail(d, "type not supported");
    }
}

/* One row image: the null bitmap over the present columns, then their values. */
static int decode_image(struct cursor *c, struct decode *d, const uint8_t *present, struct value *values) {
    const struct table *t = d->table;
    int npresent = 0;
    for (int i = 0; i < t->column_count; i++)
        npresent += present[i / 8] >> (i % 8) & 1;
    size_t nullbytes = ((size_t)npresent + 7) / 8;
    if (!has(c, nullbytes))
        return fail(d->err, d->errlen, "rows event: %s.%s: row image truncated (null bitmap)", t->database, t->name);
    const uint8_t *nulls = c->p;
    c->p += nullbytes;
    int k = 0;
    for (int i = 0; i < t->column_count; i++) {
        memset(&values[i], 0, sizeof values[i]);
        if (!(present[i / 8] >> (i % 8) & 1)) {
            values[i].kind = VALUE_ABSENT;
            continue;
        }
        int is_null = nulls[k / 8] >> (k % 8) & 1;
        k++;
        if (is_null) {
            values[i].kind = VALUE_NULL;
            continue;
        }
        d->column = i;
        if (decode_value(c, d, &t->columns[i], &values[i]) != 0)
            return -1;
    }
    return 0;
}

int binlog_rows_decode(struct binlog_rows *br, const uint8_t *event, size_t len,
                       int (*fn)(const struct row_change *change, void *ctx), void *ctx, char *err, size_t errlen) {
    const uint8_t *body, *end;
    int type;
    if (err && errlen > 0)
        err[0] = '\0';
    if (open_event(br, event, len, &body, &end, &type, "rows event", err, errlen) != 0)
        return -1;
    enum row_op op;
    int v2 = 0;
    switch (type) {
    case 30:
        v2 = 1;
        /* fall through */
    case 23:
        op = ROW_INSERT;
        break;
    case 31:
        v2 = 1;
        /* fall through */
    case 24:
        op = ROW_UPDATE;
        break;
    case 32:
        v2 = 1;
        /* fall through */
    case 25:
        op = ROW_DELETE;
        break;
    case 166:
    case 167:
    case 168:
    case 169:
    case 170:
    case 171:
        return fail(err, errlen, "rows event: compressed rows events (log_bin_compress=ON) are not supported");
    default:
        return fail(err, errlen, "rows event: event type %d is not a rows event", type);
    }
    struct cursor c = {body, end};
    if (!has(&c, TABLE_ID_LEN + 2 + (v2 ? 2 : 0)))
        return fail(err, errlen, "rows event: truncated post-header");
    uint64_t id = le(c.p, TABLE_ID_LEN);
    c.p += TABLE_ID_LEN + 2;
    if (v2) {
        size_t extra = (size_t)le(c.p, 2);
        if (extra < 2 || !has(&c, extra))
            return fail(err, errlen, "rows event: malformed extra data");
        c.p += extra;
    }
    struct entry *e = find(br, id);
    if (!e)
        return fail(err, errlen, "rows event: table id %llu was not mapped (no TABLE_MAP before it)",
                    (unsigned long long)id);
    const struct table *t = &e->table;
    uint64_t width;
    if (get_lenenc(&c, &width) != 0)
        return fail(err, errlen, "rows event: truncated column count");
    if (width != (uint64_t)t->column_count)
        return fail(err, errlen, "rows event: %llu columns, but %s.%s was mapped with %d", (unsigned long long)width,
                    t->database, t->name, t->column_count);
    size_t bitmap = ((size_t)t->column_count + 7) / 8;
    const uint8_t *present_before = NULL, *present_after = NULL;
    if (!has(&c, bitmap * (op == ROW_UPDATE ? 2 : 1)))
        return fail(err, errlen, "rows event: truncated column bitmaps");
    if (op == ROW_INSERT) {
        present_after = c.p;
    } else {
        present_before = c.p;
        if (op == ROW_UPDATE)
            present_after = c.p + bitmap;
    }
    c.p += bitmap * (op == ROW_UPDATE ? 2 : 1);

    if (br->values_cap < t->column_count) {
        struct value *b = realloc(br->before, (size_t)t->column_count * sizeof *b);
        if (b)
            br->before = b;
        struct value *a = b ? realloc(br->after, (size_t)t->column_count * sizeof *a) : NULL;
        if (a)
            br->after = a;
        if (!a)
            return fail(err, errlen, "rows event: out of memory");
        br->values_cap = t->column_count;
    }
    struct decode d = {br, t, 0, err, errlen};
    while (c.p < c.end) {
        const uint8_t *row_start = c.p;
        arena_reset(br);
        struct row_change change = {t, op, NULL, NULL};
        if (present_before) {
            if (decode_image(&c, &d, present_before, br->before) != 0)
                return -1;
            change.before = br->before;
        }
        if (present_after) {
            if (decode_image(&c, &d, present_after, br->after) != 0)
                return -1;
            change.after = br->after;
        }
        if (c.p == row_start) /* no columns in the image: it would never end */
            return fail(err, errlen, "rows event: %s.%s: empty row image", t->database, t->name);
        int rc = fn ? fn(&change, ctx) : 0;
        if (rc != 0)
            return rc;
    }
    return 0;
}
