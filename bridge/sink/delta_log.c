/* The lake's Delta Lake tables: commits of the sink's flushes with their
 * positions, and the log read back. See delta_log.h. */
#include "delta_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "clock.h"
#include "delta_checkpoint.h"
#include "log.h"

#define NAME_CAP 2048
#define COMMIT_TRIES 1000 /* versions taken by others in a row before a commit gives up */
#define APP_PREFIX "bridgelab-sink:"

struct txn {
    int32_t partition;
    int64_t last_offset;
    long long last_updated;
};

/* A file the table holds (an add action). */
struct add {
    char *path; /* as the log writes it (URI-encoded, relative to the table) */
    long long size, modification_time, records;
};

/* What the sink knows of one topic's table: read from its log. */
struct table {
    char topic[256];
    long long version; /* the newest version read; -1: none yet */
    char id[40];       /* metaData.id */
    json_t *fields;    /* the schema's fields (Spark's struct type), in order */
    long long created_time;
    struct txn *txns;
    size_t txn_count, txn_cap;
    struct add *adds;
    size_t add_count, add_cap;
    struct table *next;
};

struct delta_log {
    struct storage *lake;
    const char *topics_dir;
    int checkpoint_interval;
    struct table *tables;
};

struct delta_log *delta_log_new(struct storage *lake, const char *topics_dir, int checkpoint_interval) {
    struct delta_log *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->lake = lake;
    d->topics_dir = topics_dir;
    d->checkpoint_interval = checkpoint_interval;
    return d;
}

/* Drops what was read of the table's log. */
static void forget(struct table *t) {
    json_decref(t->fields);
    t->fields = NULL;
    free(t->txns);
    t->txns = NULL;
    t->txn_count = t->txn_cap = 0;
    for (size_t i = 0; i < t->add_count; i++)
        free(t->adds[i].path);
    free(t->adds);
    t->adds = NULL;
    t->add_count = t->add_cap = 0;
    t->id[0] = '\0';
    t->version = -1;
}

void delta_log_free(struct delta_log *d) {
    if (!d)
        return;
    for (struct table *t = d->tables, *next; t; t = next) {
        next = t->next;
        forget(t);
        free(t);
    }
    free(d);
}

static struct table *table_of(struct delta_log *d, const char *topic) {
    for (struct table *t = d->tables; t; t = t->next)
        if (strcmp(t->topic, topic) == 0)
            return t;
    struct table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    snprintf(t->topic, sizeof t->topic, "%s", topic);
    t->version = -1;
    t->next = d->tables;
    d->tables = t;
    return t;
}

static int set_txn(struct table *t, int32_t partition, int64_t last_offset, long long last_updated) {
    for (size_t i = 0; i < t->txn_count; i++)
        if (t->txns[i].partition == partition) {
            t->txns[i].last_offset = last_offset;
            t->txns[i].last_updated = last_updated;
            return 0;
        }
    if (t->txn_count == t->txn_cap) {
        size_t cap = t->txn_cap ? t->txn_cap * 2 : 16;
        struct txn *grown = realloc(t->txns, cap * sizeof *grown);
        if (!grown)
            return -1;
        t->txns = grown;
        t->txn_cap = cap;
    }
    t->txns[t->txn_count++] = (struct txn){partition, last_offset, last_updated};
    return 0;
}

static int add_file(struct table *t, const char *path, long long size, long long modification_time, long long records) {
    if (t->add_count == t->add_cap) {
        size_t cap = t->add_cap ? t->add_cap * 2 : 64;
        struct add *grown = realloc(t->adds, cap * sizeof *grown);
        if (!grown)
            return -1;
        t->adds = grown;
        t->add_cap = cap;
    }
    char *copy = strdup(path);
    if (!copy)
        return -1;
    t->adds[t->add_count++] = (struct add){copy, size, modification_time, records};
    // cppcheck-suppress memleak ; copy is owned by t->adds from here
    return 0;
}

static int64_t txn_of(const struct table *t, int32_t partition) {
    for (size_t i = 0; i < t->txn_count; i++)
        if (t->txns[i].partition == partition)
            return t->txns[i].last_offset;
    return -1;
}

/* "<topics.dir>/<topic>/_delta_log/" */
static int log_dir(const struct delta_log *d, const char *topic, char *out, size_t outlen) {
    int n = snprintf(out, outlen, "%s/%s/_delta_log/", d->topics_dir, topic);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* ------------------------------------------------------------ reading */

/* Takes one action of a commit into the table's state. */
static int take_action(struct table *t, json_t *action) {
    json_t *txn = json_object_get(action, "txn");
    if (txn) {
        const char *app = json_string_value(json_object_get(txn, "appId"));
        size_t prefix = strlen(APP_PREFIX), topic_len = strlen(t->topic);
        if (app && strncmp(app, APP_PREFIX, prefix) == 0 && strncmp(app + prefix, t->topic, topic_len) == 0 &&
            app[prefix + topic_len] == ':') {
            char *end;
            long partition = strtol(app + prefix + topic_len + 1, &end, 10);
            if (*end == '\0' && partition >= 0 && partition <= INT32_MAX)
                return set_txn(t, (int32_t)partition, json_integer_value(json_object_get(txn, "version")),
                               json_integer_value(json_object_get(txn, "lastUpdated")));
        }
        return 0;
    }
    json_t *add = json_object_get(action, "add");
    if (add) {
        const char *path = json_string_value(json_object_get(add, "path"));
        json_t *stats = path ? json_loads(json_string_value(json_object_get(add, "stats")) ?: "{}", 0, NULL) : NULL;
        int rc = path ? add_file(t, path, json_integer_value(json_object_get(add, "size")),
                                 json_integer_value(json_object_get(add, "modificationTime")),
                                 json_integer_value(json_object_get(stats, "numRecords")))
                      : 0;
        json_decref(stats);
        return rc;
    }
    json_t *meta = json_object_get(action, "metaData");
    if (meta) {
        const char *id = json_string_value(json_object_get(meta, "id"));
        const char *schema = json_string_value(json_object_get(meta, "schemaString"));
        json_t *parsed = schema ? json_loads(schema, 0, NULL) : NULL;
        json_t *fields = json_object_get(parsed, "fields");
        if (id)
            snprintf(t->id, sizeof t->id, "%s", id);
        t->created_time = json_integer_value(json_object_get(meta, "createdTime"));
        if (json_is_array(fields)) {
            json_decref(t->fields);
            t->fields = json_incref(fields);
        }
        json_decref(parsed);
    }
    return 0;
}

/* Reads commit `version` into the table's state. */
static enum storage_status read_commit(struct delta_log *d, struct table *t, long long version, char *err,
                                       size_t errlen) {
    char name[NAME_CAP + 32], dir[NAME_CAP];
    if (log_dir(d, t->topic, dir, sizeof dir) != 0) {
        snprintf(err, errlen, "the table folder of %s is too long", t->topic);
        return STORAGE_INVALID;
    }
    snprintf(name, sizeof name, "%s%020lld.json", dir, version);
    char *data = NULL;
    size_t len = 0;
    enum storage_status st = storage_get(d->lake, name, 0, -1, &data, &len, err, errlen);
    if (st != STORAGE_OK)
        return st;
    for (char *line = data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        json_t *action = json_loads(line, 0, NULL);
        if (!action)
            continue; /* an empty line, or a line of a writer we do not understand */
        int rc = take_action(t, action);
        json_decref(action);
        if (rc != 0) {
            free(data);
            snprintf(err, errlen, "out of memory reading %s", name);
            return STORAGE_INVALID;
        }
    }
    free(data);
    t->version = version;
    return STORAGE_OK;
}

struct newest {
    long long version;
};

/* A commit's name, "<20 digits>.json": its version; -1 for other files. */
static long long commit_version(const char *name) {
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (strlen(base) != 25 || strcmp(base + 20, ".json") != 0)
        return -1;
    long long v = 0;
    for (int i = 0; i < 20; i++) {
        if (base[i] < '0' || base[i] > '9')
            return -1;
        v = v * 10 + (base[i] - '0');
    }
    return v;
}

static int see_commit(const struct storage_entry *e, void *ctx) {
    struct newest *n = ctx;
    long long v = commit_version(e->name);
    if (v > n->version)
        n->version = v;
    return 0;
}

/* The sink's record of the table's state at a checkpoint it wrote:
 * <table>/_bridgelab_delta/<version>.json, beside the log (readers of the
 * table and of the files leave it alone), so that a restart reads the
 * state without a Parquet reader. */
static int state_name(const struct delta_log *d, const char *topic, long long version, char *out, size_t outlen) {
    int n = snprintf(out, outlen, "%s/%s/_bridgelab_delta/%020lld.json", d->topics_dir, topic, version);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static char *state_text(const struct table *t) {
    json_t *txns = json_array(), *adds = json_array();
    for (size_t i = 0; txns && i < t->txn_count; i++)
        json_array_append_new(txns, json_pack("[i, I, I]", (int)t->txns[i].partition,
                                              (json_int_t)t->txns[i].last_offset, (json_int_t)t->txns[i].last_updated));
    for (size_t i = 0; adds && i < t->add_count; i++)
        json_array_append_new(adds,
                              json_pack("[s, I, I, I]", t->adds[i].path, (json_int_t)t->adds[i].size,
                                        (json_int_t)t->adds[i].modification_time, (json_int_t)t->adds[i].records));
    json_t *state =
        json_pack("{s:I, s:s, s:I, s:O, s:o, s:o}", "version", (json_int_t)t->version, "id", t->id, "createdTime",
                  (json_int_t)t->created_time, "fields", t->fields, "txns", txns, "adds", adds);
    char *text = state ? json_dumps(state, JSON_COMPACT) : NULL;
    json_decref(state);
    return text;
}

/* Takes the state a checkpoint's record holds; 0, or -1 (t forgotten). */
static int load_state(struct table *t, const char *text) {
    json_t *state = json_loads(text, 0, NULL), *fields = json_object_get(state, "fields");
    json_t *txns = json_object_get(state, "txns"), *adds = json_object_get(state, "adds");
    const char *id = json_string_value(json_object_get(state, "id"));
    int rc = json_is_array(fields) && json_is_array(txns) && json_is_array(adds) && id ? 0 : -1;
    size_t i;
    json_t *e;
    json_array_foreach(txns, i, e) {
        if (rc == 0)
            rc = set_txn(t, (int32_t)json_integer_value(json_array_get(e, 0)), json_integer_value(json_array_get(e, 1)),
                         json_integer_value(json_array_get(e, 2)));
    }
    json_array_foreach(adds, i, e) {
        const char *path = json_string_value(json_array_get(e, 0));
        if (rc == 0)
            rc = !path ? -1
                       : add_file(t, path, json_integer_value(json_array_get(e, 1)),
                                  json_integer_value(json_array_get(e, 2)), json_integer_value(json_array_get(e, 3)));
    }
    if (rc == 0) {
        snprintf(t->id, sizeof t->id, "%s", id);
        t->created_time = json_integer_value(json_object_get(state, "createdTime"));
        t->fields = json_incref(fields);
        t->version = json_integer_value(json_object_get(state, "version"));
    } else {
        forget(t);
    }
    json_decref(state);
    return rc;
}

/* A table not read yet starts from its last checkpoint when this sink's
 * record of it is there (otherwise from the first commit). */
static void start_from_checkpoint(struct delta_log *d, struct table *t) {
    char name[NAME_CAP + 32], dir[NAME_CAP], err[512];
    if (t->version >= 0 || log_dir(d, t->topic, dir, sizeof dir) != 0)
        return;
    snprintf(name, sizeof name, "%s_last_checkpoint", dir);
    char *data = NULL, *state = NULL;
    size_t len;
    if (storage_get(d->lake, name, 0, -1, &data, &len, err, sizeof err) != STORAGE_OK)
        return;
    json_t *last = json_loads(data, 0, NULL);
    long long version = json_integer_value(json_object_get(last, "version"));
    json_decref(last);
    free(data);
    if (version > 0 && state_name(d, t->topic, version, name, sizeof name) == 0 &&
        storage_get(d->lake, name, 0, -1, &state, &len, err, sizeof err) == STORAGE_OK)
        load_state(t, state);
    free(state);
}

/* Reads the commits the table's state lacks, up to the newest. */
static enum storage_status refresh(struct delta_log *d, struct table *t, char *err, size_t errlen) {
    char dir[NAME_CAP];
    if (log_dir(d, t->topic, dir, sizeof dir) != 0) {
        snprintf(err, errlen, "the table folder of %s is too long", t->topic);
        return STORAGE_INVALID;
    }
    start_from_checkpoint(d, t);
    struct newest n = {-1};
    enum storage_status st = storage_list(d->lake, dir, NULL, 0, see_commit, &n, err, errlen);
    for (long long v = t->version + 1; st == STORAGE_OK && v <= n.version; v++)
        st = read_commit(d, t, v, err, errlen);
    return st;
}

enum storage_status delta_log_position(struct delta_log *d, const char *topic, int32_t partition, int64_t *end,
                                       char *err, size_t errlen) {
    struct table *t = table_of(d, topic);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return STORAGE_INVALID;
    }
    enum storage_status st = refresh(d, t, err, errlen);
    int64_t last = txn_of(t, partition);
    *end = last >= 0 ? last + 1 : -1;
    return st;
}

/* ------------------------------------------------------------ writing */

static const char *delta_type(const struct row_column *c, char *buf, size_t buflen) {
    switch (c->type) {
    case ROW_BOOLEAN:
        return "boolean";
    case ROW_INT32:
        return "integer";
    case ROW_INT64:
        return "long";
    case ROW_UINT64:
        return "decimal(20,0)";
    case ROW_FLOAT:
        return "float";
    case ROW_DOUBLE:
        return "double";
    case ROW_DECIMAL:
        if (c->precision > DELTA_DECIMAL_PRECISION_MAX)
            break; /* its text (format_options.parquet_decimal_max) */
        snprintf(buf, buflen, "decimal(%d,%d)", c->precision, c->scale);
        return buf;
    case ROW_BYTES:
        return "binary";
    case ROW_DATE:
        return "date";
    case ROW_TIMESTAMP:
        return "timestamp";
    case ROW_STRING:
    case ROW_TIME:
        break;
    }
    return "string";
}

static int has_field(const json_t *fields, const char *name) {
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f) {
        const char *n = json_string_value(json_object_get(f, "name"));
        if (n && strcmp(n, name) == 0)
            return 1;
    }
    return 0;
}

/* The table's fields with the files' columns it lacks added (a new array),
 * and whether any was added. */
static json_t *merged_fields(const struct table *t, const struct delta_file *files, int count, int *added) {
    json_t *fields = t->fields ? json_deep_copy(t->fields) : json_array();
    *added = 0;
    for (int i = 0; fields && i < count; i++) {
        const struct row_schema *s = files[i].schema;
        for (size_t c = 0; s && c < s->count; c++) {
            if (has_field(fields, s->columns[c].name))
                continue;
            char buf[64];
            json_array_append_new(fields,
                                  json_pack("{s:s, s:s, s:b, s:{}}", "name", s->columns[c].name, "type",
                                            delta_type(&s->columns[c], buf, sizeof buf), "nullable", 1, "metadata"));
            *added = 1;
        }
    }
    return fields;
}

static void new_table_id(char *out, size_t outlen) {
    unsigned char b[16] = {0};
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        long long now = clock_wall_ms();
        memcpy(b, &now, sizeof now);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* a version 4 UUID */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, outlen, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* A file's path relative to the table's folder, as the log's URI path:
 * bytes other than letters, digits and -._~/=+ percent-encoded (the
 * sink's folder names hold '%' escapes of their own). */
static int relative_path(const struct delta_log *d, const char *topic, const char *name, char *out, size_t outlen) {
    char root[NAME_CAP];
    int n = snprintf(root, sizeof root, "%s/%s/", d->topics_dir, topic);
    if (n <= 0 || (size_t)n >= sizeof root || strncmp(name, root, (size_t)n) != 0)
        return -1;
    size_t used = 0;
    for (const unsigned char *c = (const unsigned char *)name + n; *c; c++) {
        int plain =
            (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("-._~/=+", *c);
        if (used + 4 > outlen)
            return -1;
        if (plain)
            out[used++] = (char)*c;
        else
            used += (size_t)snprintf(out + used, outlen - used, "%%%02X", *c);
    }
    out[used] = '\0';
    return 0;
}

static int append_line(char **text, size_t *len, json_t *action) {
    char *line = json_dumps(action, JSON_COMPACT);
    json_decref(action);
    if (!line)
        return -1;
    size_t n = strlen(line);
    char *grown = realloc(*text, *len + n + 2);
    if (!grown) {
        free(line);
        return -1;
    }
    memcpy(grown + *len, line, n);
    grown[*len + n] = '\n';
    grown[*len + n + 1] = '\0';
    *text = grown;
    *len += n + 1;
    free(line);
    return 0;
}

/* The commit's text (one action a line) at version t->version + 1; NULL
 * when memory runs out (or a file is outside the table's folder). *fields
 * gets the table's fields after it (a new reference). */
static char *commit_text(const struct delta_log *d, const struct table *t, int32_t partition, int64_t flush_end,
                         const struct delta_file *files, int count, const char *table_id, long long now,
                         json_t **fields_after, size_t *len) {
    int added = 0, first = t->version < 0;
    json_t *fields = merged_fields(t, files, count, &added);
    char *text = NULL;
    *len = 0;
    int rc = fields ? 0 : -1;
    rc = rc ? rc
            : append_line(&text, len,
                          json_pack("{s:{s:I, s:s, s:{s:s}, s:s, s:b}}", "commitInfo", "timestamp", (json_int_t)now,
                                    "operation", "WRITE", "operationParameters", "mode", "Append", "engineInfo",
                                    "bridgelab-sink", "isBlindAppend", 1));
    if (!rc && first)
        rc = append_line(&text, len,
                         json_pack("{s:{s:i, s:i}}", "protocol", "minReaderVersion", 1, "minWriterVersion", 2));
    if (!rc && (first || added)) {
        json_t *schema = json_pack("{s:s, s:O}", "type", "struct", "fields", fields);
        char *schema_text = schema ? json_dumps(schema, JSON_COMPACT) : NULL;
        json_decref(schema);
        rc = !schema_text
                 ? -1
                 : append_line(&text, len,
                               json_pack("{s:{s:s, s:{s:s, s:{}}, s:s, s:[], s:{}, s:I}}", "metaData", "id", table_id,
                                         "format", "provider", "parquet", "options", "schemaString", schema_text,
                                         "partitionColumns", "configuration", "createdTime", (json_int_t)now));
        free(schema_text);
    }
    char app[600];
    snprintf(app, sizeof app, APP_PREFIX "%s:%d", t->topic, (int)partition);
    if (!rc)
        rc = append_line(&text, len,
                         json_pack("{s:{s:s, s:I, s:I}}", "txn", "appId", app, "version", (json_int_t)(flush_end - 1),
                                   "lastUpdated", (json_int_t)now));
    for (int i = 0; !rc && i < count; i++) {
        char path[NAME_CAP * 3], stats[64];
        if (relative_path(d, t->topic, files[i].name, path, sizeof path) != 0) {
            rc = -1;
            break;
        }
        snprintf(stats, sizeof stats, "{\"numRecords\":%lld}", files[i].records);
        rc = append_line(&text, len,
                         json_pack("{s:{s:s, s:{}, s:I, s:I, s:b, s:s}}", "add", "path", path, "partitionValues",
                                   "size", (json_int_t)files[i].size, "modificationTime", (json_int_t)now, "dataChange",
                                   1, "stats", stats));
    }
    if (rc) {
        free(text);
        json_decref(fields);
        return NULL;
    }
    *fields_after = fields;
    return text;
}

/* Writes the table's state at its newest version as a checkpoint:
 * N.checkpoint.parquet, this sink's record of it, then _last_checkpoint.
 * A failure is logged and left: the log stays whole without it, only
 * dearer to read. */
static void write_checkpoint(struct delta_log *d, const struct table *t) {
    char dir[NAME_CAP], name[NAME_CAP + 64], err[1024];
    if (log_dir(d, t->topic, dir, sizeof dir) != 0)
        return;
    struct delta_checkpoint_txn *txns = calloc(t->txn_count + 1, sizeof *txns);
    struct delta_checkpoint_add *adds = calloc(t->add_count + 1, sizeof *adds);
    char(*apps)[600] = calloc(t->txn_count + 1, sizeof *apps);
    json_t *schema = json_pack("{s:s, s:O}", "type", "struct", "fields", t->fields ? t->fields : json_array());
    char *schema_text = schema ? json_dumps(schema, JSON_COMPACT) : NULL, *state = state_text(t), *parquet = NULL;
    size_t len = 0;
    if (txns && adds && apps && schema_text && state) {
        for (size_t i = 0; i < t->txn_count; i++) {
            snprintf(apps[i], sizeof apps[i], APP_PREFIX "%s:%d", t->topic, (int)t->txns[i].partition);
            txns[i] = (struct delta_checkpoint_txn){apps[i], t->txns[i].last_offset, t->txns[i].last_updated};
        }
        for (size_t i = 0; i < t->add_count; i++)
            adds[i] = (struct delta_checkpoint_add){t->adds[i].path, t->adds[i].size, t->adds[i].modification_time,
                                                    t->adds[i].records};
        struct delta_checkpoint c = {t->id, schema_text, t->created_time, txns, t->txn_count, adds, t->add_count};
        parquet = delta_checkpoint_encode(&c, &len);
    }
    enum storage_status st = STORAGE_INVALID;
    snprintf(err, sizeof err, "out of memory");
    if (parquet) {
        snprintf(name, sizeof name, "%s%020lld.checkpoint.parquet", dir, t->version);
        st = storage_put(d->lake, name, parquet, len, "application/vnd.apache.parquet", NULL, 0, err, sizeof err);
    }
    if (st == STORAGE_OK && state_name(d, t->topic, t->version, name, sizeof name) == 0)
        st = storage_put(d->lake, name, state, strlen(state), "application/json", NULL, 0, err, sizeof err);
    if (st == STORAGE_OK) {
        char last[128];
        int n =
            snprintf(last, sizeof last, "{\"version\":%lld,\"size\":%zu}", t->version, 2 + t->txn_count + t->add_count);
        snprintf(name, sizeof name, "%s_last_checkpoint", dir);
        st = storage_put(d->lake, name, last, (size_t)n, "application/json", NULL, 0, err, sizeof err);
    }
    if (st != STORAGE_OK)
        log_warn("lake: the Delta table of %s: checkpoint %lld not written (%s): the log is read from the one "
                 "before",
                 t->topic, t->version, err);
    free(parquet);
    free(state);
    free(schema_text);
    json_decref(schema);
    free(apps);
    free(adds);
    free(txns);
}

enum delta_commit delta_log_commit(struct delta_log *d, const char *topic, int32_t partition, int64_t flush_end,
                                   const struct delta_file *files, int count, enum storage_status *status, char *err,
                                   size_t errlen) {
    struct table *t = table_of(d, topic);
    *status = STORAGE_INVALID;
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return DELTA_FAILED;
    }
    char dir[NAME_CAP];
    if (log_dir(d, topic, dir, sizeof dir) != 0) {
        snprintf(err, errlen, "the table folder of %s is too long", topic);
        return DELTA_FAILED;
    }
    for (int tries = 0; tries < COMMIT_TRIES; tries++) {
        if ((*status = refresh(d, t, err, errlen)) != STORAGE_OK)
            return DELTA_FAILED;
        if (txn_of(t, partition) >= flush_end - 1)
            return DELTA_HELD;
        char table_id[40];
        if (t->id[0])
            snprintf(table_id, sizeof table_id, "%s", t->id);
        else
            new_table_id(table_id, sizeof table_id);
        json_t *fields = NULL;
        size_t len;
        long long now = clock_wall_ms();
        char *text = commit_text(d, t, partition, flush_end, files, count, table_id, now, &fields, &len);
        if (!text) {
            snprintf(err, errlen, "out of memory (or a file outside %s/%s/) making a commit of %s", d->topics_dir,
                     topic, topic);
            *status = STORAGE_INVALID;
            return DELTA_FAILED;
        }
        char name[NAME_CAP + 32];
        snprintf(name, sizeof name, "%s%020lld.json", dir, t->version + 1);
        *status = storage_put(d->lake, name, text, len, "application/json", NULL, STORAGE_PUT_IF_ABSENT, err, errlen);
        free(text);
        if (*status == STORAGE_EXISTS) {
            json_decref(fields);
            continue; /* another writer took the version: read it, then the next */
        }
        if (*status != STORAGE_OK) {
            json_decref(fields);
            return DELTA_FAILED;
        }
        t->version++;
        if (!t->id[0])
            t->created_time = now;
        snprintf(t->id, sizeof t->id, "%s", table_id);
        json_decref(t->fields);
        t->fields = fields;
        int rc = set_txn(t, partition, flush_end - 1, now);
        for (int i = 0; rc == 0 && i < count; i++) {
            char path[NAME_CAP * 3];
            rc = relative_path(d, topic, files[i].name, path, sizeof path) ||
                 add_file(t, path, (long long)files[i].size, now, files[i].records);
        }
        if (rc != 0) { /* the commit is made: the next refresh reads it whole */
            forget(t);
            return DELTA_COMMITTED;
        }
        if (t->version > 0 && t->version % d->checkpoint_interval == 0)
            write_checkpoint(d, t);
        return DELTA_COMMITTED;
    }
    snprintf(err, errlen, "%d versions of %s's table were taken by other writers in a row: giving up this commit",
             COMMIT_TRIES, topic);
    *status = STORAGE_UNAVAILABLE;
    return DELTA_FAILED;
}
