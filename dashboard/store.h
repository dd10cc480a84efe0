/* The dashboard's database: sqlite3 in WAL mode, with the orders tables'
 * current state per data centre, the files loaded from the lake, and the
 * aggregates the views read, kept exact as each change is applied.
 *
 * One writer connection (the lake loader's thread: begin, apply, record the
 * file, commit), and reader connections handed out one per thread at a
 * time (the views'), which see the last committed state. The schema and
 * what each aggregate holds are described in store.c; how changes move the
 * aggregates in store_apply.c. */
#ifndef BRIDGELAB_DASHBOARD_STORE_H
#define BRIDGELAB_DASHBOARD_STORE_H

#include <stddef.h>

#include <jansson.h>
#include <sqlite3.h>

struct store;

/* Opens (or creates) the database file at path. NULL with err on failure. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *s);

/* A read-only connection for this thread until it is released (opened on
 * first need, then reused). NULL with err on failure. */
sqlite3 *store_reader_acquire(struct store *s, char *err, size_t errlen);
void store_reader_release(struct store *s, sqlite3 *db);

/* The writer's transaction (one thread). */
int store_begin(struct store *s, char *err, size_t errlen);
int store_commit(struct store *s, char *err, size_t errlen);
void store_rollback(struct store *s);

/* One row change: dc "dc01"; table as in sql/schema.sql ("sales_orders",
 * "dc01_out_of_stock_events" or just "out_of_stock_events"); op 'c', 'r',
 * 'u' (each an upsert by key of row) or 'd' (row holds at least the key;
 * for the keyless events table, the whole row). before: the image before an
 * update, or NULL (only the keyless table needs it). */
struct store_change {
    const char *dc;
    const char *table;
    char op;
    const json_t *row;
    const json_t *before;
};

/* Applies a change and moves the aggregates. 0; 1 when the table is not one
 * the dashboard keeps (ignored); -1 with err naming the column (a missing
 * key or number, a malformed DECIMAL or DATETIME) or the database error. */
int store_apply(struct store *s, const struct store_change *c, char *err, size_t errlen);

/* A lake file, loaded (error NULL) or skipped (error says why). */
struct store_file {
    const char *name;
    const char *topic; /* NULL if unknown */
    int partition;     /* -1 if unknown */
    long long first_offset, last_offset, records;
    const char *error;
};

/* Records a file in loaded_files, inside the transaction of its rows. */
int store_file_record(struct store *s, const struct store_file *f, char *err, size_t errlen);
/* 1 if the file is recorded (loaded or skipped), 0 if not, -1 on error. */
int store_file_known(struct store *s, const char *name);

struct store_file_totals {
    long long files, records, skipped, last_loaded_ms;
};
/* What loaded_files holds, for counts that survive a restart. */
int store_file_totals(struct store *s, struct store_file_totals *out, char *err, size_t errlen);

#endif
