/* The simulator's side of MySQL: connecting (with backoff while the server
 * is away), reading the catalog the model starts from, and writing one
 * action as one transaction — retried whole after a lost connection, and
 * recognised as already written when a retry finds its first row present,
 * so an order is never half-written nor written twice.
 * Errors that retrying cannot mend come back as one line saying what to do. */
#ifndef BRIDGELAB_SIM_DB_H
#define BRIDGELAB_SIM_DB_H

#include <stddef.h>

#include "model.h"

struct db_target {
    const char *host;
    int port;
    const char *user;
    const char *password; /* NULL: from the option file, or none */
    const char *database;
    const char *defaults_file; /* NULL: none */
    int (*should_stop)(void);  /* polled while waiting to reconnect */
};

enum db_status { DB_OK, DB_STOPPED, DB_FATAL };

struct db;

struct db *db_new(const struct db_target *target);
void db_free(struct db *db);

enum db_status db_connect(struct db *db, char *err, size_t errlen);
/* Takes the database's writer lock: one simulator per database. */
enum db_status db_lock_writer(struct db *db, char *err, size_t errlen);
/* Reads products, stock, recent demand and the largest ids. */
enum db_status db_load_catalog(struct db *db, struct catalog *catalog, char *err, size_t errlen);
enum db_status db_apply(struct db *db, const struct action *a, const char *dc, char *err, size_t errlen);
/* The open connection (NULL before db_connect), for the benchmark's raw loop. */
struct st_mysql *db_connection(struct db *db);

#endif
