/* The lake loader: see lake_loader.h. */
#include "lake_loader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "lake_csv.h"
#include "lake_json.h"
#include "log.h"

/* A lake file not loaded yet, with what its metadata says (the names
 * bridge/sink/lake_position.c writes). */
struct lake_file {
    char *name;
    int has_meta;
    char topic[256];
    int partition;
    long long first_offset, last_offset, records;
};

struct lake_loader {
    struct store *store;
    struct storage *lake;
    char *prefix; /* "<topics_dir>/" */
    struct lake_file *files;
    size_t count, cap;
    long long listed;
    int lake_down, store_down; /* said in the log, until it works again */
    long long file_newest_ms;  /* the newest source.ts_ms of the file being loaded */
    struct lake_json doc;      /* the line being loaded (its tokens reused line after line) */
    pthread_mutex_t lock;      /* guards stats */
    struct lake_loader_stats stats;
};

struct lake_loader *lake_loader_new(struct store *store, struct storage *lake, const char *topics_dir, char *err,
                                    size_t errlen) {
    struct lake_loader *l = calloc(1, sizeof *l);
    size_t n = strlen(topics_dir);
    while (n > 0 && topics_dir[n - 1] == '/')
        n--;
    if (!l || !(l->prefix = malloc(n + 2))) {
        free(l);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(l->prefix, n + 2, "%.*s/", (int)n, topics_dir);
    l->store = store;
    l->lake = lake;
    lake_json_init(&l->doc);
    pthread_mutex_init(&l->lock, NULL);
    struct store_file_totals t;
    if (store_file_totals(store, &t, err, errlen) != 0) {
        lake_loader_free(l);
        return NULL;
    }
    l->stats = (struct lake_loader_stats){t.files, t.records, t.skipped, t.last_loaded_ms, 0, 0, 0, 0};
    return l;
}

static void clear_files(struct lake_loader *l) {
    for (size_t i = 0; i < l->count; i++)
        free(l->files[i].name);
    l->count = 0;
}

void lake_loader_free(struct lake_loader *l) {
    if (!l)
        return;
    clear_files(l);
    free(l->files);
    free(l->prefix);
    lake_json_release(&l->doc);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

void lake_loader_stats(struct lake_loader *l, struct lake_loader_stats *out) {
    pthread_mutex_lock(&l->lock);
    *out = l->stats;
    pthread_mutex_unlock(&l->lock);
}

/* ---- listing ---- */

static const char *meta_value(const struct storage_meta *m, const char *name) {
    for (size_t i = 0; i < m->count; i++)
        if (strcasecmp(m->names[i], name) == 0)
            return m->values[i];
    return NULL;
}

static int meta_number(const struct storage_meta *m, const char *name, long long *out) {
    const char *text = meta_value(m, name);
    char *end;
    if (!text || !*text)
        return -1;
    *out = strtoll(text, &end, 10);
    return *end || *out < 0 ? -1 : 0;
}

static int read_meta(const struct storage_meta *m, struct lake_file *f) {
    const char *topic = meta_value(m, "bridgelab_topic");
    long long partition;
    if (!topic || !*topic || strlen(topic) >= sizeof f->topic || meta_number(m, "bridgelab_partition", &partition) ||
        partition > 0x7fffffff || meta_number(m, "bridgelab_first_offset", &f->first_offset) ||
        meta_number(m, "bridgelab_last_offset", &f->last_offset) || meta_number(m, "bridgelab_records", &f->records))
        return -1;
    snprintf(f->topic, sizeof f->topic, "%s", topic);
    f->partition = (int)partition;
    return 0;
}

static int has_extension(const char *name, const char *ext) {
    size_t n = strlen(name), k = strlen(ext);
    return n > k && strcmp(name + n - k, ext) == 0;
}

/* A name with a folder or file starting with '_' or '.': not data, as
 * Hive and Spark read a lake (a Delta table's _delta_log/, for one). */
static int hidden(const char *name) {
    for (const char *seg = name; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
        if (*seg == '_' || *seg == '.')
            return 1;
    return 0;
}

/* storage_list's callback: keeps the data files loaded_files does not know. */
static int take_entry(const struct storage_entry *e, void *ctx) {
    struct lake_loader *l = ctx;
    if (e->is_prefix || hidden(e->name) || !(has_extension(e->name, ".json") || has_extension(e->name, ".csv")))
        return 0;
    l->listed++;
    if (store_file_known(l->store, e->name) != 0) /* known, or the store failed: poll again later */
        return 0;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        struct lake_file *grown = realloc(l->files, cap * sizeof *grown);
        if (!grown)
            return 1;
        l->files = grown;
        l->cap = cap;
    }
    struct lake_file *f = &l->files[l->count];
    memset(f, 0, sizeof *f);
    if (!(f->name = strdup(e->name)))
        return 1;
    f->has_meta = read_meta(&e->meta, f) == 0;
    l->count++;
    return 0;
}

/* By topic, partition, first offset; files without metadata last, by name. */
static int file_order(const void *a, const void *b) {
    const struct lake_file *x = a, *y = b;
    if (x->has_meta != y->has_meta)
        return y->has_meta - x->has_meta;
    int c = x->has_meta ? strcmp(x->topic, y->topic) : 0;
    if (c == 0 && x->partition != y->partition)
        c = x->partition < y->partition ? -1 : 1;
    if (c == 0 && x->first_offset != y->first_offset)
        c = x->first_offset < y->first_offset ? -1 : 1;
    return c ? c : strcmp(x->name, y->name);
}

/* ---- one file ---- */

/* What the records of one file share. */
struct file_context {
    struct lake_loader *l;
    const struct lake_file *f;
    char dc[32];
    char table[256]; /* from the topic name */
    long long records;
};

/* dc and table from the topic name: "<dc>_<table>" or "<dc>.<db>.<table>". */
static int topic_names(struct file_context *fc, char *err, size_t errlen) {
    const char *topic = fc->f->topic;
    size_t n = strcspn(topic, "_.");
    if (n == 0 || n >= sizeof fc->dc || !topic[n]) {
        snprintf(err, errlen, "topic %s does not name a dc (<dc>_<table> or <dc>.<db>.<table>)", topic);
        return -1;
    }
    snprintf(fc->dc, sizeof fc->dc, "%.*s", (int)n, topic);
    const char *table = topic[n] == '.' ? strrchr(topic, '.') + 1 : topic + n + 1;
    snprintf(fc->table, sizeof fc->table, "%s", table);
    return 0;
}

static int apply(struct file_context *fc, const char *table, char op, const struct store_row *row,
                 const struct store_row *before, char *err, size_t errlen) {
    if (!op || !strchr("crud", op)) {
        snprintf(err, errlen, "no op c, r, u or d (not a Debezium envelope)");
        return -1;
    }
    if (!row) {
        snprintf(err, errlen, "op %c without its %s image", op, op == 'd' ? "before" : "after");
        return -1;
    }
    struct store_change c = {fc->dc, table, op, row, before};
    return store_apply(fc->l->store, &c, err, errlen) < 0 ? -1 : 0;
}

/* ---- JSON lines ---- */

/* An object of the line being loaded, as a store_row. */
struct json_row {
    struct store_row row;
    struct lake_json *doc;
    int object;
};

static int json_column(const struct store_row *row, const char *name, struct store_value *out) {
    const struct json_row *r = (const struct json_row *)row;
    int v = lake_json_member(r->doc, r->object, name);
    if (v < 0)
        return -1;
    const struct lake_json_token *t = &r->doc->tokens[v];
    memset(out, 0, sizeof *out);
    if (t->type == LAKE_JSON_NULL) {
        out->type = STORE_VALUE_NULL;
    } else if (t->type == LAKE_JSON_NUMBER && t->integer) {
        out->type = STORE_VALUE_INT;
        out->i = t->i;
    } else if (t->type == LAKE_JSON_STRING && lake_json_string(r->doc, v, &out->text, &out->len) == 0) {
        out->type = STORE_VALUE_TEXT;
    } else {
        out->type = STORE_VALUE_OTHER;
    }
    return 0;
}

/* A one-character string member's character, else 0. */
static char op_of(struct lake_json *doc, int object) {
    const char *text;
    size_t len;
    if (lake_json_string(doc, lake_json_member(doc, object, "op"), &text, &len) != 0 || len != 1)
        return 0;
    return text[0];
}

static int apply_envelope(struct file_context *fc, struct lake_json *doc, char *err, size_t errlen) {
    if (lake_json_type_of(doc, 0) != LAKE_JSON_OBJECT) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    char op = op_of(doc, 0);
    int before = lake_json_member(doc, 0, "before");
    int image = op == 'd' ? before : lake_json_member(doc, 0, "after");
    int source = lake_json_member(doc, 0, "source");
    int ts = lake_json_member(doc, source, "ts_ms");
    if (lake_json_type_of(doc, ts) == LAKE_JSON_NUMBER && doc->tokens[ts].integer &&
        doc->tokens[ts].i > fc->l->file_newest_ms)
        fc->l->file_newest_ms = doc->tokens[ts].i;
    char table[256];
    const char *name;
    size_t len;
    if (lake_json_string(doc, lake_json_member(doc, source, "table"), &name, &len) != 0)
        snprintf(table, sizeof table, "%s", fc->table);
    else { /* up to a NUL, as a C string; too long for a table name: none the store keeps */
        len = len < sizeof table ? len : 0;
        memcpy(table, name, len);
        table[len] = '\0';
    }
    struct json_row row = {{json_column}, doc, image}, old = {{json_column}, doc, before};
    int has_row = lake_json_type_of(doc, image) == LAKE_JSON_OBJECT;
    int has_before = lake_json_type_of(doc, before) == LAKE_JSON_OBJECT;
    return apply(fc, table, op, has_row ? &row.row : NULL, has_before ? &old.row : NULL, err, errlen);
}

static int load_json(struct file_context *fc, const char *data, size_t len, char *err, size_t errlen) {
    char why[512];
    struct lake_json *doc = &fc->l->doc;
    int line = 0;
    for (size_t pos = 0; pos < len; line++) {
        const char *end = memchr(data + pos, '\n', len - pos);
        size_t n = end ? (size_t)(end - (data + pos)) : len - pos;
        const char *text = data + pos;
        pos += n + 1;
        if (n == 0)
            continue;
        int rc;
        if (lake_json_parse(doc, text, n) != 0) {
            snprintf(why, sizeof why, "not JSON: %s", doc->error);
            rc = -1;
        } else if (lake_json_type_of(doc, 0) == LAKE_JSON_NULL) {
            fc->records++; /* a zero-length value, which the sink writes as null: a record, no change */
            continue;
        } else {
            fc->records++;
            rc = apply_envelope(fc, doc, why, sizeof why);
        }
        if (rc != 0) {
            snprintf(err, errlen, "line %d: %s", line + 1, why);
            return -1;
        }
    }
    return 0;
}

/* ---- CSV ---- */

/* A CSV record under its header, as a store_row: a column is the field
 * under the last header cell of its name; an empty field is NULL. */
struct csv_row {
    struct store_row row;
    const json_t *header, *fields;
};

static int csv_column(const struct store_row *row, const char *name, struct store_value *out) {
    const struct csv_row *r = (const struct csv_row *)row;
    for (size_t i = json_array_size(r->header); i-- > 0;) {
        const char *cell = json_string_value(json_array_get(r->header, i));
        if (!cell || strcmp(cell, name) != 0)
            continue;
        const json_t *v = json_array_get(r->fields, i);
        memset(out, 0, sizeof *out);
        out->type = json_is_string(v) ? STORE_VALUE_TEXT : STORE_VALUE_NULL;
        out->text = json_string_value(v);
        out->len = json_string_length(v);
        return 0;
    }
    return -1;
}

/* One CSV row under its header: the sink's flat row with __op. */
static int apply_csv_row(struct file_context *fc, const json_t *header, const json_t *fields, char *err,
                         size_t errlen) {
    if (json_array_size(fields) != json_array_size(header)) {
        snprintf(err, errlen, "%zu fields under a header of %zu", json_array_size(fields), json_array_size(header));
        return -1;
    }
    struct csv_row row = {{csv_column}, header, fields};
    struct store_value op;
    char code = csv_column(&row.row, "__op", &op) == 0 && op.type == STORE_VALUE_TEXT && op.len == 1 ? op.text[0] : 0;
    fc->records++;
    return apply(fc, fc->table, code, &row.row, NULL, err, errlen);
}

static int load_csv(struct file_context *fc, const char *data, size_t len, char *err, size_t errlen) {
    char why[512];
    size_t pos = 0;
    json_t *header = NULL, *fields = NULL;
    int rc = 0;
    for (int record = 0; rc == 0; record++) {
        int got = lake_csv_record(data, len, &pos, &fields);
        if (got == 0)
            break;
        if (got < 0)
            snprintf(why, sizeof why, "malformed CSV (a quote left open?)");
        else if (!header)
            header = fields;
        else
            rc = apply_csv_row(fc, header, fields, why, sizeof why);
        if (got > 0 && fields != header)
            json_decref(fields);
        if (got < 0 || rc != 0) {
            snprintf(err, errlen, "record %d: %s", record + 1, why);
            rc = -1;
        }
    }
    json_decref(header);
    return rc;
}

/* Reads and applies the file inside the caller's transaction. 0; -1 with err
 * (the file is damaged); -2 with err (the lake failed: try again later). */
static int load_rows(struct file_context *fc, char *err, size_t errlen) {
    fc->l->file_newest_ms = 0;
    if (!fc->f->has_meta) {
        snprintf(err, errlen, "no bridgelab metadata (not a file bridge sink wrote)");
        return -1;
    }
    if (topic_names(fc, err, errlen) != 0)
        return -1;
    char *data = NULL;
    size_t len = 0;
    if (storage_get(fc->l->lake, fc->f->name, 0, -1, &data, &len, err, errlen) != STORAGE_OK)
        return -2;
    int rc = has_extension(fc->f->name, ".csv") ? load_csv(fc, data, len, err, errlen)
                                                : load_json(fc, data, len, err, errlen);
    free(data);
    if (rc == 0 && fc->records != fc->f->records) {
        snprintf(err, errlen, "holds %lld records where its metadata says %lld (half-written?)", fc->records,
                 fc->f->records);
        rc = -1;
    }
    return rc;
}

static int record_file(struct lake_loader *l, const struct lake_file *f, const char *error, char *err, size_t errlen) {
    struct store_file sf = {f->name,
                            f->has_meta ? f->topic : NULL,
                            f->has_meta ? f->partition : -1,
                            f->first_offset,
                            f->last_offset,
                            f->records,
                            error};
    return store_file_record(l->store, &sf, err, errlen);
}

static void count(struct lake_loader *l, const struct lake_file *f, int skipped) {
    pthread_mutex_lock(&l->lock);
    if (skipped) {
        l->stats.skipped++;
    } else {
        l->stats.files++;
        l->stats.records += f->records;
        if (l->file_newest_ms > l->stats.newest_commit_ms) {
            l->stats.newest_commit_ms = l->file_newest_ms;
            l->stats.newest_loaded_ms = clock_wall_ms();
        }
    }
    l->stats.last_load_ms = clock_wall_ms();
    pthread_mutex_unlock(&l->lock);
}

/* Records a damaged file as skipped, in a transaction of its own. */
static int skip_file(struct lake_loader *l, const struct lake_file *f, const char *why, char *err, size_t errlen) {
    log_warn("dashboard: lake file %s skipped, nothing of it loaded: %s", f->name, why);
    if (store_begin(l->store, err, errlen) != 0)
        return -1;
    if (record_file(l, f, why, err, errlen) != 0 || store_commit(l->store, err, errlen) != 0) {
        store_rollback(l->store);
        return -1;
    }
    count(l, f, 1);
    return 0;
}

/* 1 loaded, 0 skipped, -1 the store failed, -2 the lake failed. */
static int load_file(struct lake_loader *l, const struct lake_file *f, char *err, size_t errlen) {
    struct file_context fc = {.l = l, .f = f};
    char why[768];
    if (store_begin(l->store, err, errlen) != 0)
        return -1;
    int rc = load_rows(&fc, why, sizeof why);
    if (rc == 0 && record_file(l, f, NULL, err, errlen) == 0 && store_commit(l->store, err, errlen) == 0) {
        count(l, f, 0);
        return 1;
    }
    store_rollback(l->store);
    if (rc == -2)
        snprintf(err, errlen, "%s", why);
    if (rc != -1)
        return rc == 0 ? -1 : rc;
    return skip_file(l, f, why, err, errlen) == 0 ? 0 : -1;
}

/* Says a failure once, and the recovery once. */
static void health(int *down, int failed, const char *what, const char *err) {
    if (failed && !*down)
        log_error("dashboard: %s: %s; loading waits and retries", what, err);
    else if (!failed && *down)
        log_info("dashboard: %s works again", what);
    *down = failed;
}

static void set_listing(struct lake_loader *l, int up) {
    pthread_mutex_lock(&l->lock);
    l->stats.lake_up = up;
    if (up)
        l->stats.lake_files = l->listed;
    pthread_mutex_unlock(&l->lock);
}

int lake_loader_poll(struct lake_loader *l) {
    char err[1024] = "";
    clear_files(l);
    l->listed = 0;
    enum storage_status st = storage_list(l->lake, l->prefix, NULL, 1, take_entry, l, err, sizeof err);
    set_listing(l, st == STORAGE_OK);
    health(&l->lake_down, st != STORAGE_OK, "the lake cannot be listed", err);
    if (st != STORAGE_OK)
        return -1;
    if (l->count > 1)
        qsort(l->files, l->count, sizeof *l->files, file_order);
    int loaded = 0, rc = 0;
    for (size_t i = 0; i < l->count && rc >= 0; i++) {
        rc = load_file(l, &l->files[i], err, sizeof err);
        loaded += rc == 1;
    }
    health(&l->lake_down, rc == -2, "a lake file cannot be read", err);
    health(&l->store_down, rc == -1, "the store cannot be written", err);
    return rc < 0 ? -1 : loaded;
}
