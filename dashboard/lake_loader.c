/* The lake loader: see lake_loader.h. */
#include "lake_loader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "lake_csv.h"
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

/* storage_list's callback: keeps the data files loaded_files does not know. */
static int take_entry(const struct storage_entry *e, void *ctx) {
    struct lake_loader *l = ctx;
    if (e->is_prefix || !(has_extension(e->name, ".json") || has_extension(e->name, ".csv")))
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

static int apply(struct file_context *fc, const char *table, char op, const json_t *row, const json_t *before,
                 char *err, size_t errlen) {
    if (!op || !strchr("crud", op)) {
        snprintf(err, errlen, "no op c, r, u or d (not a Debezium envelope)");
        return -1;
    }
    if (!json_is_object(row)) {
        snprintf(err, errlen, "op %c without its %s image", op, op == 'd' ? "before" : "after");
        return -1;
    }
    struct store_change c = {fc->dc, table, op, row, before};
    fc->records++;
    return store_apply(fc->l->store, &c, err, errlen) < 0 ? -1 : 0;
}

static char op_of(const json_t *text) {
    const char *op = json_string_value(text);
    return op && strlen(op) == 1 ? op[0] : 0;
}

static int apply_envelope(struct file_context *fc, const json_t *v, char *err, size_t errlen) {
    if (!json_is_object(v)) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    char op = op_of(json_object_get(v, "op"));
    const json_t *before = json_object_get(v, "before");
    const json_t *row = op == 'd' ? before : json_object_get(v, "after");
    const json_t *source = json_object_get(v, "source");
    const char *table = json_string_value(json_object_get(source, "table"));
    json_int_t ts = json_integer_value(json_object_get(source, "ts_ms"));
    if (ts > fc->l->file_newest_ms)
        fc->l->file_newest_ms = ts;
    return apply(fc, table ? table : fc->table, op, row, json_is_object(before) ? before : NULL, err, errlen);
}

static int load_json(struct file_context *fc, const char *data, size_t len, char *err, size_t errlen) {
    char why[512];
    int line = 0;
    for (size_t pos = 0; pos < len; line++) {
        const char *end = memchr(data + pos, '\n', len - pos);
        size_t n = end ? (size_t)(end - (data + pos)) : len - pos;
        json_error_t jerr;
        json_t *v = n ? json_loadb(data + pos, n, JSON_ALLOW_NUL, &jerr) : NULL;
        pos += n + 1;
        if (n == 0 || json_is_null(v)) { /* a zero-length value written as null */
            json_decref(v);
            continue;
        }
        int rc = -1;
        if (v)
            rc = apply_envelope(fc, v, why, sizeof why);
        else
            snprintf(why, sizeof why, "not JSON: %s", jerr.text);
        json_decref(v);
        if (rc != 0) {
            snprintf(err, errlen, "line %d: %s", line + 1, why);
            return -1;
        }
    }
    return 0;
}

/* One CSV row under its header: the sink's flat row with __op. */
static int apply_csv_row(struct file_context *fc, const json_t *header, const json_t *fields, char *err,
                         size_t errlen) {
    if (json_array_size(fields) != json_array_size(header)) {
        snprintf(err, errlen, "%zu fields under a header of %zu", json_array_size(fields), json_array_size(header));
        return -1;
    }
    json_t *row = json_object();
    for (size_t i = 0; row && i < json_array_size(header); i++)
        json_object_set(row, json_string_value(json_array_get(header, i)), json_array_get(fields, i));
    int rc = apply(fc, fc->table, op_of(json_object_get(row, "__op")), row, NULL, err, errlen);
    json_decref(row);
    return rc;
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
