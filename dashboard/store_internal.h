/* What store.c and store_apply.c share: the writer connection and its
 * cache of prepared statements. Not for the store's users. */
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
    pthread_mutex_t lock; /* guards the idle readers */
    sqlite3 **idle;
    size_t idle_count, idle_cap;
};

/* The writer's statement number id (prepared from sql on first use, then
 * reset and reused). NULL with err on failure. */
sqlite3_stmt *store_stmt(struct store *s, int id, const char *sql, char *err, size_t errlen);

/* err = "what: sqlite's message"; returns -1. */
int store_fail(struct store *s, const char *what, char *err, size_t errlen);

#endif
