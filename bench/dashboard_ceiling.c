/* dashboard-ceiling: the ceiling the dashboard's lake loader is measured
 * against — the same rows as plain sqlite3 inserts, so that what remains
 * between the loader and it is the loader's own cost (reading and parsing
 * the files, the aggregates, the index on the lines' order, its
 * bookkeeping).
 *
 *   dashboard-ceiling LAKE DB
 *
 * LAKE: a lake folder (bench/dashboard_lake.c's or a sink's, JSON lines of
 * Debezium envelopes), every file under topics/ in name order (within a
 * topic-partition: offset order). DB: a new sqlite file, opened as the
 * store opens its own (WAL, synchronous=NORMAL), with one table per source
 * table of the same columns, types and primary key as the store's (money
 * in cents, DATETIME as epoch ms), and no other index.
 *
 * Per file, not in the ceiling's time: read it, parse every line with
 * jansson into the rows' bound values. Timed: one transaction per file —
 * BEGIN IMMEDIATE, per change one prepared statement (INSERT OR REPLACE of
 * the row for c, r and u; DELETE by key for d), COMMIT.
 *
 * Timed apart, for where the loader's time goes: reading the files, and
 * parsing every line with the loader's own parser (lake_json.h: what the
 * loader must do before any row exists). Prints one line:
 *   ceiling: R rows of F files into DB in S s: N rows/s; reading the files: T s; parsing them as the loader does: P s
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "clock.h"
#include "lake_json.h"
#include "storage.h"
#include "values.h"

#define MAX_COLS 8

enum kind { K_INT, K_MONEY, K_TIME, K_TEXT };

struct table {
    const char *name;
    const char *create;
    int keyless;
    int ncols; /* after dc */
    const char *cols[MAX_COLS - 1];
    enum kind kinds[MAX_COLS - 1];
    sqlite3_stmt *put, *del;
};

/* The store's fact tables (dashboard/store.c), their keys only. */
static struct table tables[] = {
    {"customers",
     "CREATE TABLE customers(dc TEXT NOT NULL, id INTEGER NOT NULL, first_name TEXT, last_name TEXT, email TEXT,"
     " city TEXT, country TEXT, PRIMARY KEY(dc, id)) WITHOUT ROWID",
     0,
     6,
     {"id", "first_name", "last_name", "email", "city", "country"},
     {K_INT, K_TEXT, K_TEXT, K_TEXT, K_TEXT, K_TEXT},
     NULL,
     NULL},
    {"suppliers",
     "CREATE TABLE suppliers(dc TEXT NOT NULL, id INTEGER NOT NULL, name TEXT, email TEXT, city TEXT, country TEXT,"
     " PRIMARY KEY(dc, id)) WITHOUT ROWID",
     0,
     5,
     {"id", "name", "email", "city", "country"},
     {K_INT, K_TEXT, K_TEXT, K_TEXT, K_TEXT},
     NULL,
     NULL},
    {"products",
     "CREATE TABLE products(dc TEXT NOT NULL, id INTEGER NOT NULL, name TEXT, description TEXT, price_cents INTEGER,"
     " cost_cents INTEGER, PRIMARY KEY(dc, id)) WITHOUT ROWID",
     0,
     5,
     {"id", "name", "description", "price", "cost"},
     {K_INT, K_TEXT, K_TEXT, K_MONEY, K_MONEY},
     NULL,
     NULL},
    {"sales_orders",
     "CREATE TABLE sales_orders(dc TEXT NOT NULL, id INTEGER NOT NULL, order_ms INTEGER, customer_id INTEGER,"
     " PRIMARY KEY(dc, id)) WITHOUT ROWID",
     0,
     3,
     {"id", "order_date", "customer_id"},
     {K_INT, K_TIME, K_INT},
     NULL,
     NULL},
    {"sales_order_details",
     "CREATE TABLE sales_order_details(dc TEXT NOT NULL, id INTEGER NOT NULL, sales_order_id INTEGER, product_id"
     " INTEGER, quantity INTEGER, price_cents INTEGER, PRIMARY KEY(dc, id)) WITHOUT ROWID",
     0,
     5,
     {"id", "sales_order_id", "product_id", "quantity", "price"},
     {K_INT, K_INT, K_INT, K_INT, K_MONEY},
     NULL,
     NULL},
    {"purchase_orders",
     "CREATE TABLE purchase_orders(dc TEXT NOT NULL, id INTEGER NOT NULL, order_ms INTEGER, supplier_id INTEGER,"
     " PRIMARY KEY(dc, id)) WITHOUT ROWID",
     0,
     3,
     {"id", "order_date", "supplier_id"},
     {K_INT, K_TIME, K_INT},
     NULL,
     NULL},
    {"purchase_order_details",
     "CREATE TABLE purchase_order_details(dc TEXT NOT NULL, id INTEGER NOT NULL, purchase_order_id INTEGER,"
     " product_id INTEGER, quantity INTEGER, cost_cents INTEGER, PRIMARY KEY(dc, id)) WITHOUT ROWID",
     0,
     5,
     {"id", "purchase_order_id", "product_id", "quantity", "cost"},
     {K_INT, K_INT, K_INT, K_INT, K_MONEY},
     NULL,
     NULL},
    {"out_of_stock_events",
     "CREATE TABLE out_of_stock_events(dc TEXT NOT NULL, product_id INTEGER, window_start TEXT, window_end TEXT,"
     " stock_level INTEGER, demand_last_3mins INTEGER, quantity_to_purchase INTEGER)",
     1,
     6,
     {"product_id", "window_start_time", "window_end_time", "stock_level", "demand_last_3mins", "quantity_to_purchase"},
     {K_INT, K_TEXT, K_TEXT, K_INT, K_INT, K_INT},
     NULL,
     NULL},
};
#define TABLES (int)(sizeof tables / sizeof tables[0])

/* One change, its values bound as they are stored. */
struct value {
    int null;
    long long i;
    const char *text; /* into the file's parsed JSON: K_TEXT only */
};

struct change {
    struct table *t;
    char op;
    char dc[32];
    struct value v[MAX_COLS - 1];
};

struct changes {
    struct change *v;
    size_t n, cap;
    json_t **docs; /* kept until the file's rows are written (text values point into them) */
    size_t ndocs;
};

static struct table *table_named(const char *name) {
    for (int i = 0; i < TABLES; i++)
        if (strcmp(tables[i].name, name) == 0)
            return &tables[i];
    return NULL;
}

static int convert(const json_t *row, struct table *t, struct change *c) {
    for (int i = 0; i < t->ncols; i++) {
        const json_t *j = json_object_get(row, t->cols[i]);
        struct value *v = &c->v[i];
        memset(v, 0, sizeof *v);
        if (!j || json_is_null(j)) {
            v->null = 1;
            continue;
        }
        const char *s = json_string_value(j);
        switch (t->kinds[i]) {
        case K_INT:
            if (!json_is_integer(j))
                return -1;
            v->i = json_integer_value(j);
            break;
        case K_MONEY:
            if (json_is_integer(j))
                v->i = json_integer_value(j) * 100;
            else if (!s || value_cents_parse(s, &v->i) != 0)
                return -1;
            break;
        case K_TIME:
            if (json_is_integer(j))
                v->i = json_integer_value(j);
            else if (!s || value_time_parse(s, &v->i) != 0)
                return -1;
            break;
        case K_TEXT:
            v->text = s;
            v->null = !s;
            break;
        }
    }
    return 0;
}

/* The file's changes into cs (cleared first). 0, or -1 naming the line. */
static int parse_file(const char *name, const char *data, size_t len, const char *dc, struct changes *cs) {
    cs->n = 0;
    int line = 0;
    for (size_t pos = 0; pos < len; line++) {
        const char *end = memchr(data + pos, '\n', len - pos);
        size_t n = end ? (size_t)(end - (data + pos)) : len - pos;
        json_t *doc = n ? json_loadb(data + pos, n, 0, NULL) : NULL;
        pos += n + 1;
        if (n == 0 || json_is_null(doc)) {
            json_decref(doc);
            continue;
        }
        if (!doc) {
            fprintf(stderr, "dashboard-ceiling: %s line %d: not JSON\n", name, line + 1);
            return -1;
        }
        const char *op = json_string_value(json_object_get(doc, "op"));
        const char *table = json_string_value(json_object_get(json_object_get(doc, "source"), "table"));
        struct table *t = table ? table_named(table) : NULL;
        const json_t *row = json_object_get(doc, op && op[0] == 'd' ? "before" : "after");
        if (cs->ndocs == cs->cap || cs->n == cs->cap) {
            size_t cap = cs->cap ? cs->cap * 2 : 16384;
            struct change *v = realloc(cs->v, cap * sizeof *v);
            json_t **docs = realloc(cs->docs, cap * sizeof *docs);
            if (v)
                cs->v = v;
            if (docs)
                cs->docs = docs;
            if (!v || !docs) {
                fprintf(stderr, "dashboard-ceiling: out of memory\n");
                exit(1);
            }
            cs->cap = cap;
        }
        cs->docs[cs->ndocs++] = doc;
        struct change *c = &cs->v[cs->n];
        if (!op || !t || !json_is_object(row) || convert(row, t, c) != 0) {
            fprintf(stderr, "dashboard-ceiling: %s line %d: not a change of a table the store keeps\n", name, line + 1);
            return -1;
        }
        c->t = t;
        c->op = op[0];
        snprintf(c->dc, sizeof c->dc, "%s", dc);
        cs->n++;
    }
    return 0;
}

/* This thread's CPU time, µs. */
static long long cpu_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Every line through the loader's parser, as the loader takes it. */
static int loader_parse(const char *name, const char *data, size_t len, struct lake_json *doc) {
    int line = 0;
    for (size_t pos = 0; pos < len; line++) {
        const char *end = memchr(data + pos, '\n', len - pos);
        size_t n = end ? (size_t)(end - (data + pos)) : len - pos;
        if (n && lake_json_parse(doc, data + pos, n) != 0) {
            fprintf(stderr, "dashboard-ceiling: %s line %d: not JSON: %s\n", name, line + 1, doc->error);
            return 1;
        }
        pos += n + 1;
    }
    return 0;
}

static void free_docs(struct changes *cs) {
    for (size_t i = 0; i < cs->ndocs; i++)
        json_decref(cs->docs[i]);
    cs->ndocs = 0;
}

static int fail(sqlite3 *db, const char *what) {
    fprintf(stderr, "dashboard-ceiling: %s: %s\n", what, sqlite3_errmsg(db));
    return -1;
}

static int prepare(sqlite3 *db) {
    for (int i = 0; i < TABLES; i++) {
        struct table *t = &tables[i];
        char sql[1024];
        if (sqlite3_exec(db, t->create, NULL, NULL, NULL) != SQLITE_OK)
            return fail(db, t->create);
        int n = snprintf(sql, sizeof sql, "INSERT %sINTO %s VALUES(?1", t->keyless ? "" : "OR REPLACE ", t->name);
        for (int c = 0; c < t->ncols; c++)
            n += snprintf(sql + n, sizeof sql - (size_t)n, ", ?%d", c + 2);
        snprintf(sql + n, sizeof sql - (size_t)n, ")");
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &t->put, NULL) != SQLITE_OK)
            return fail(db, sql);
        if (t->keyless)
            snprintf(sql, sizeof sql,
                     "DELETE FROM %s WHERE rowid = (SELECT rowid FROM %s WHERE dc = ?1 AND product_id IS ?2 AND"
                     " window_start IS ?3 AND window_end IS ?4 AND stock_level IS ?5 AND demand_last_3mins IS ?6"
                     " AND quantity_to_purchase IS ?7 LIMIT 1)",
                     t->name, t->name);
        else
            snprintf(sql, sizeof sql, "DELETE FROM %s WHERE dc = ?1 AND id = ?2", t->name);
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &t->del, NULL) != SQLITE_OK)
            return fail(db, sql);
    }
    return 0;
}

/* The file's changes in one transaction. */
static int write_file(sqlite3 *db, const struct changes *cs) {
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "begin");
    for (size_t i = 0; i < cs->n; i++) {
        const struct change *c = &cs->v[i];
        int del = c->op == 'd';
        sqlite3_stmt *st = del ? c->t->del : c->t->put;
        int n = del && !c->t->keyless ? 1 : c->t->ncols;
        sqlite3_bind_text(st, 1, c->dc, -1, SQLITE_STATIC);
        for (int k = 0; k < n; k++) {
            const struct value *v = &c->v[k];
            if (v->null)
                sqlite3_bind_null(st, k + 2);
            else if (c->t->kinds[k] == K_TEXT)
                sqlite3_bind_text(st, k + 2, v->text, -1, SQLITE_STATIC);
            else
                sqlite3_bind_int64(st, k + 2, v->i);
        }
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return fail(db, "write");
    }
    return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(db, "commit");
}

struct names {
    char **v;
    size_t n, cap;
};

static int take_name(const struct storage_entry *e, void *ctx) {
    struct names *names = ctx;
    size_t n = strlen(e->name);
    if (e->is_prefix || n < 5 || strcmp(e->name + n - 5, ".json") != 0)
        return 0;
    if (names->n == names->cap) {
        names->cap = names->cap ? names->cap * 2 : 256;
        char **grown = realloc(names->v, names->cap * sizeof *grown);
        if (!grown)
            return 1;
        names->v = grown;
    }
    if (!(names->v[names->n] = strdup(e->name)))
        return 1;
    names->n++;
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* dc: the topic's prefix, "topics/<dc>_<table>/..." */
static void dc_of(const char *name, char *dc, size_t cap) {
    const char *topic = name + strlen("topics/");
    snprintf(dc, cap, "%.*s", (int)strcspn(topic, "_./"), topic);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: dashboard-ceiling LAKE DB\n");
        return 2;
    }
    char url[4200], err[512], *path = strncmp(argv[1], "file://", 7) == 0 ? NULL : realpath(argv[1], NULL);
    if (strncmp(argv[1], "file://", 7) != 0 && !path) {
        perror(argv[1]);
        return 1;
    }
    snprintf(url, sizeof url, "%s%s", path ? "file://" : "", path ? path : argv[1]);
    free(path);
    struct storage_options opt = {.url = url};
    struct storage *lake;
    if (storage_open(&opt, &lake, err, sizeof err) != STORAGE_OK) {
        fprintf(stderr, "dashboard-ceiling: %s\n", err);
        return 1;
    }
    struct names names = {0};
    if (storage_list(lake, "topics/", NULL, 0, take_name, &names, err, sizeof err) != STORAGE_OK) {
        fprintf(stderr, "dashboard-ceiling: %s\n", err);
        return 1;
    }
    qsort(names.v, names.n, sizeof *names.v, by_name);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK ||
        prepare(db) != 0) {
        fprintf(stderr, "dashboard-ceiling: %s: %s\n", argv[2], db ? sqlite3_errmsg(db) : "out of memory");
        return 1;
    }
    struct changes cs = {0};
    struct lake_json doc;
    lake_json_init(&doc);
    /* clock and CPU time of: the inserts, reading, the loader's parse */
    long long rows = 0, timed_us = 0, timed_cpu = 0, read_us = 0, read_cpu = 0, parse_us = 0, parse_cpu = 0;
    int rc = 0;
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        long long t0 = clock_mono_us(), c0 = cpu_us();
        char *data, dc[32];
        size_t len;
        if (storage_get(lake, names.v[i], 0, -1, &data, &len, err, sizeof err) != STORAGE_OK) {
            fprintf(stderr, "dashboard-ceiling: %s\n", err);
            rc = 1;
            break;
        }
        long long t1 = clock_mono_us(), c1 = cpu_us();
        read_us += t1 - t0;
        read_cpu += c1 - c0;
        rc = loader_parse(names.v[i], data, len, &doc);
        parse_us += clock_mono_us() - t1;
        parse_cpu += cpu_us() - c1;
        dc_of(names.v[i], dc, sizeof dc);
        if (rc == 0)
            rc = parse_file(names.v[i], data, len, dc, &cs) == 0 ? 0 : 1;
        long long t2 = clock_mono_us(), c2 = cpu_us();
        if (rc == 0 && write_file(db, &cs) != 0)
            rc = 1;
        timed_us += clock_mono_us() - t2;
        timed_cpu += cpu_us() - c2;
        rows += (long long)cs.n;
        free_docs(&cs);
        free(data);
    }
    for (int i = 0; i < TABLES; i++) {
        sqlite3_finalize(tables[i].put);
        sqlite3_finalize(tables[i].del);
    }
    sqlite3_close(db);
    storage_close(lake);
    for (size_t i = 0; i < names.n; i++)
        free(names.v[i]);
    free(names.v);
    free(cs.v);
    free(cs.docs);
    lake_json_release(&doc);
    if (rc != 0)
        return 1;
    double s = timed_us / 1e6;
    printf("ceiling: %lld rows of %zu files into %s in %.3f s (%.3f s of CPU): %.0f rows/s; reading the files: %.3f s "
           "(%.3f s of CPU); parsing them as the loader does: %.3f s (%.3f s of CPU)\n",
           rows, names.n, argv[2], s, timed_cpu / 1e6, s > 0 ? rows / s : 0, read_us / 1e6, read_cpu / 1e6,
           parse_us / 1e6, parse_cpu / 1e6);
    return 0;
}
