/* The dashboard's database: connections, schema, transactions and the
 * record of loaded files. See store.h; the changes are in store_apply.c.
 *
 * Every table has the data centre (dc) as the first column of its key, so
 * one schema holds any number of dcs and a view filters by a bound
 * parameter. Tables:
 * - the orders tables' current state by primary key (products, customers,
 *   ...: money in integer cents, DATETIME as epoch ms); out_of_stock_events
 *   has no key (rows are appended, a delete removes one equal row);
 * - loaded_files: one row per lake file, loaded or skipped, written in the
 *   transaction of the file's rows, so a restart neither loses nor repeats
 *   a file;
 * - the aggregates (agg_*), moved in the same transaction: per dc
 *   (agg_total), per product (sales and purchases: stock), per minute of
 *   order time, per product and minute (time-filtered rankings, the demand
 *   windows), per customer, per customer and minute, per city (the
 *   customer's current city), per purchase order. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store_internal.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS customers(dc TEXT NOT NULL, id INTEGER NOT NULL, first_name TEXT, last_name TEXT,"
    " email TEXT, city TEXT, country TEXT, PRIMARY KEY(dc, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS suppliers(dc TEXT NOT NULL, id INTEGER NOT NULL, name TEXT, email TEXT, city TEXT,"
    " country TEXT, PRIMARY KEY(dc, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS products(dc TEXT NOT NULL, id INTEGER NOT NULL, name TEXT, description TEXT,"
    " price_cents INTEGER, cost_cents INTEGER, PRIMARY KEY(dc, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS sales_orders(dc TEXT NOT NULL, id INTEGER NOT NULL, order_ms INTEGER,"
    " customer_id INTEGER, PRIMARY KEY(dc, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS sales_order_details(dc TEXT NOT NULL, id INTEGER NOT NULL, sales_order_id INTEGER,"
    " product_id INTEGER, quantity INTEGER, price_cents INTEGER, PRIMARY KEY(dc, id)) WITHOUT ROWID;"
    /* An order's lines, for an order that arrives after them: covering (no
     * lookup of each line by its key), the order id first (a comparison is
     * settled by it, not by the dc every key shares), and named by the
     * query (INDEXED BY), since without statistics sqlite took the primary
     * key's dc range instead — a scan of every line per order. It replaces
     * the (dc, sales_order_id) index of earlier versions. */
    "DROP INDEX IF EXISTS sales_order_details_order;"
    "CREATE INDEX IF NOT EXISTS sales_order_details_of_order ON sales_order_details(sales_order_id, dc, product_id,"
    " quantity, price_cents);"
    "CREATE TABLE IF NOT EXISTS purchase_orders(dc TEXT NOT NULL, id INTEGER NOT NULL, order_ms INTEGER,"
    " supplier_id INTEGER, PRIMARY KEY(dc, id)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS purchase_orders_time ON purchase_orders(dc, order_ms);"
    "CREATE TABLE IF NOT EXISTS purchase_order_details(dc TEXT NOT NULL, id INTEGER NOT NULL,"
    " purchase_order_id INTEGER, product_id INTEGER, quantity INTEGER, cost_cents INTEGER,"
    " PRIMARY KEY(dc, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS out_of_stock_events(dc TEXT NOT NULL, product_id INTEGER, window_start TEXT,"
    " window_end TEXT, stock_level INTEGER, demand_last_3mins INTEGER, quantity_to_purchase INTEGER);"
    "CREATE INDEX IF NOT EXISTS out_of_stock_events_dc ON out_of_stock_events(dc, window_start);"
    "CREATE TABLE IF NOT EXISTS loaded_files(name TEXT PRIMARY KEY, topic TEXT, partition INTEGER,"
    " first_offset INTEGER, last_offset INTEGER, records INTEGER, error TEXT, loaded_ms INTEGER) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_total(dc TEXT PRIMARY KEY, revenue_cents INTEGER NOT NULL DEFAULT 0,"
    " units INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0, orders INTEGER NOT NULL DEFAULT 0,"
    " pending_lines INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_product(dc TEXT NOT NULL, product_id INTEGER NOT NULL,"
    " revenue_cents INTEGER NOT NULL DEFAULT 0, units INTEGER NOT NULL DEFAULT 0, lines INTEGER NOT NULL DEFAULT 0,"
    " purchased INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(dc, product_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_minute(dc TEXT NOT NULL, minute_ms INTEGER NOT NULL,"
    " revenue_cents INTEGER NOT NULL, units INTEGER NOT NULL, lines INTEGER NOT NULL, orders INTEGER NOT NULL,"
    " PRIMARY KEY(dc, minute_ms)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_product_minute(dc TEXT NOT NULL, minute_ms INTEGER NOT NULL,"
    " product_id INTEGER NOT NULL, revenue_cents INTEGER NOT NULL, units INTEGER NOT NULL, lines INTEGER NOT NULL,"
    " PRIMARY KEY(dc, minute_ms, product_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_customer(dc TEXT NOT NULL, customer_id INTEGER NOT NULL,"
    " revenue_cents INTEGER NOT NULL, units INTEGER NOT NULL, lines INTEGER NOT NULL, orders INTEGER NOT NULL,"
    " PRIMARY KEY(dc, customer_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_customer_minute(dc TEXT NOT NULL, minute_ms INTEGER NOT NULL,"
    " customer_id INTEGER NOT NULL, revenue_cents INTEGER NOT NULL, units INTEGER NOT NULL,"
    " lines INTEGER NOT NULL, orders INTEGER NOT NULL, PRIMARY KEY(dc, minute_ms, customer_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_city(dc TEXT NOT NULL, city TEXT NOT NULL, revenue_cents INTEGER NOT NULL,"
    " units INTEGER NOT NULL, lines INTEGER NOT NULL, orders INTEGER NOT NULL, PRIMARY KEY(dc, city)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_purchase_order(dc TEXT NOT NULL, purchase_order_id INTEGER NOT NULL,"
    " lines INTEGER NOT NULL, units INTEGER NOT NULL, cost_cents INTEGER NOT NULL,"
    " PRIMARY KEY(dc, purchase_order_id)) WITHOUT ROWID;";

int store_fail(struct store *s, const char *what, char *err, size_t errlen) {
    snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(s->db));
    return -1;
}

static int open_connection(const char *path, int flags, sqlite3 **db, char *err, size_t errlen) {
    if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open the database %s: %s", path, *db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(*db, 5000);
    return 0;
}

/* Closes a connection with the statements kept on it. */
static void close_connection(sqlite3 *db) {
    if (!db)
        return;
    for (sqlite3_stmt *st; (st = sqlite3_next_stmt(db, NULL));)
        sqlite3_finalize(st);
    sqlite3_close(db);
}

static int exec(struct store *s, const char *sql, char *err, size_t errlen) {
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "database %s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
}

struct store *store_open(const char *path, char *err, size_t errlen) {
    struct store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    if (!(s->pending = store_pending_new())) {
        snprintf(err, errlen, "out of memory");
        store_close(s);
        return NULL;
    }
    if (open_connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &s->db, err, errlen) != 0 ||
        exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err, errlen) != 0 ||
        exec(s, schema, err, errlen) != 0) {
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(struct store *s) {
    if (!s)
        return;
    for (int i = 0; i < STORE_STMTS; i++)
        sqlite3_finalize(s->stmts[i]);
    for (size_t i = 0; i < s->idle_count; i++)
        close_connection(s->idle[i]);
    free(s->idle);
    store_pending_free(s->pending);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

sqlite3 *store_reader_acquire(struct store *s, char *err, size_t errlen) {
    sqlite3 *db = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->idle_count > 0)
        db = s->idle[--s->idle_count];
    pthread_mutex_unlock(&s->lock);
    if (!db)
        open_connection(s->path, SQLITE_OPEN_READONLY, &db, err, errlen);
    return db;
}

void store_reader_release(struct store *s, sqlite3 *db) {
    pthread_mutex_lock(&s->lock);
    if (s->idle_count == s->idle_cap) {
        size_t cap = s->idle_cap ? s->idle_cap * 2 : 8;
        sqlite3 **grown = realloc(s->idle, cap * sizeof *grown);
        if (grown) {
            s->idle = grown;
            s->idle_cap = cap;
        }
    }
    if (s->idle_count < s->idle_cap) {
        s->idle[s->idle_count++] = db;
        db = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    close_connection(db);
}

sqlite3_stmt *store_reader_prepare(sqlite3 *db, const char *sql) {
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
        if (!sqlite3_stmt_busy(st) && strcmp(sqlite3_sql(st), sql) == 0) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return st;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

sqlite3_stmt *store_stmt(struct store *s, int id, const char *sql, char *err, size_t errlen) {
    if (!s->stmts[id] && sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id], NULL) != 0) {
        store_fail(s, "prepare", err, errlen);
        return NULL;
    }
    return s->stmts[id];
}

int store_begin(struct store *s, char *err, size_t errlen) {
    store_pending_forget(s);
    return exec(s, "BEGIN IMMEDIATE", err, errlen);
}

int store_commit(struct store *s, char *err, size_t errlen) {
    if (store_pending_flush(s, err, errlen) != 0)
        return -1;
    return exec(s, "COMMIT", err, errlen);
}

void store_rollback(struct store *s) {
    store_pending_forget(s);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

enum { STMT_FILE_RECORD = STORE_STMTS - 3, STMT_FILE_KNOWN, STMT_FILE_TOTALS };

int store_file_record(struct store *s, const struct store_file *f, char *err, size_t errlen) {
    sqlite3_stmt *st = store_stmt(s, STMT_FILE_RECORD,
                                  "INSERT INTO loaded_files(name, topic, partition, first_offset, last_offset,"
                                  " records, error, loaded_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                  err, errlen);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->topic, -1, SQLITE_STATIC);
    if (f->partition >= 0)
        sqlite3_bind_int(st, 3, f->partition);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, f->first_offset);
    sqlite3_bind_int64(st, 5, f->last_offset);
    sqlite3_bind_int64(st, 6, f->records);
    sqlite3_bind_text(st, 7, f->error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, clock_wall_ms());
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, "record the loaded file", err, errlen);
}

int store_file_known(struct store *s, const char *name) {
    char err[256];
    sqlite3_stmt *st = store_stmt(s, STMT_FILE_KNOWN, "SELECT 1 FROM loaded_files WHERE name = ?1", err, sizeof err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_file_totals(struct store *s, struct store_file_totals *out, char *err, size_t errlen) {
    sqlite3_stmt *st = store_stmt(s, STMT_FILE_TOTALS,
                                  "SELECT count(*) FILTER (WHERE error IS NULL), coalesce(sum(records) FILTER (WHERE"
                                  " error IS NULL), 0), count(*) FILTER (WHERE error IS NOT NULL),"
                                  " coalesce(max(loaded_ms), 0) FROM loaded_files",
                                  err, errlen);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->files = sqlite3_column_int64(st, 0);
        out->records = sqlite3_column_int64(st, 1);
        out->skipped = sqlite3_column_int64(st, 2);
        out->last_loaded_ms = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : store_fail(s, "count the loaded files", err, errlen);
}
