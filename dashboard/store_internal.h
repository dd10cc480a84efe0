/* What store.c and store_apply.c share: the writer connection, its cache
 * of prepared statements, and what the open transaction's changes keep in
 * memory until it commits. Not for the store's users. */
#ifndef BRIDGELAB_DASHBOARD_STORE_INTERNAL_H
#define BRIDGELAB_DASHBOARD_STORE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include <sqlite3.h>

#define STORE_STMTS 48

struct store {
    sqlite3 *db; /* the writer */
    char *path;
    sqlite3_stmt *stmts[STORE_STMTS];
    struct store_pending *pending; /* store_apply.c's */
    pthread_mutex_t lock;          /* guards the idle readers */
    sqlite3 **idle;
    size_t idle_count, idle_cap;
};

/* The writer's statement number id (prepared from sql on first use, then
 * reset and reused). NULL with err on failure. */
sqlite3_stmt *store_stmt(struct store *s, int id, const char *sql, char *err, size_t errlen);

/* store_apply.c's state of the open transaction: the aggregates' summed
 * changes (store_deltas.h) and the last order looked up. */
struct store_pending;
struct store_pending *store_pending_new(void);
void store_pending_free(struct store_pending *p);
/* Writes the summed changes into the aggregate tables (before COMMIT, or
 * before a change that reads an aggregate). 0, or -1 with err. */
int store_pending_flush(struct store *s, char *err, size_t errlen);
/* Forgets them (BEGIN, ROLLBACK). */
void store_pending_forget(struct store *s);

/* err = "what: sqlite's message"; returns -1. */
int store_fail(struct store *s, const char *what, char *err, size_t errlen);

#endif
