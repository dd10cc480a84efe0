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

#include <sqlite3.h>

struct store;

/* Opens (or creates) the database file at path. NULL with err on failure. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *s);

/* A read-only connection for this thread until it is released (opened on
 * first need, then reused). NULL with err on failure. */
sqlite3 *store_reader_acquire(struct store *s, char *err, size_t errlen);
void store_reader_release(struct store *s, sqlite3 *db);

/* A prepared statement of sql on reader db: the one an earlier request
 * prepared on this connection (reset, its bindings cleared) when there is
 * one — the views run a few dozen texts, and preparing one cost more than
 * running it — else a new one, kept on the connection until it closes.
 * Give it back with sqlite3_reset. NULL on failure (db has the error). */
sqlite3_stmt *store_reader_prepare(sqlite3 *db, const char *sql);

/* The writer's transaction (one thread). store_commit writes the
 * aggregates the changes moved, then commits; on failure the caller rolls
 * back. store_rollback forgets them with the rest. */
int store_begin(struct store *s, char *err, size_t errlen);
int store_commit(struct store *s, char *err, size_t errlen);
void store_rollback(struct store *s);

/* A column's value as a row image gives it: SQL NULL, an integer, text
 * (len bytes, not NUL-terminated, valid while the change is applied) or
 * anything else (a real, a boolean, an array: for no column a value). */
enum store_value_type { STORE_VALUE_NULL, STORE_VALUE_INT, STORE_VALUE_TEXT, STORE_VALUE_OTHER };

struct store_value {
    enum store_value_type type;
    long long i;
    const char *text;
    size_t len;
};

/* A row image, read column by column: the loader's parsed JSON line or CSV
 * record behind it (embed this as the first member and cast back). column
 * gives the value of the column name: 0, or -1 when the row has none. */
struct store_row {
    int (*column)(const struct store_row *row, const char *name, struct store_value *out);
};

/* One row change: dc "dc01"; table as in sql/schema.sql ("sales_orders",
 * "dc01_out_of_stock_events" or just "out_of_stock_events"); op 'c', 'r',
 * 'u' (each an upsert by key of row) or 'd' (row holds at least the key;
 * for the keyless events table, the whole row). before: the image before an
 * update, or NULL (only the keyless table needs it). */
struct store_change {
    const char *dc;
    const char *table;
    char op;
    const struct store_row *row;
    const struct store_row *before;
};

/* Applies a change inside the writer's transaction: the row at once, the
 * aggregates summed in memory (store_deltas.h) and written by store_commit.
 * 0; 1 when the table is not one the dashboard keeps (ignored); -1 with err
 * naming the column (a missing key or number, a malformed DECIMAL or
 * DATETIME) or the database error. */
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
