/* The simulator's MySQL connection and transactions: see db.h. */
#include "db.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "sql.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000

struct db {
    struct db_target target;
    MYSQL *conn;
};

struct db *db_new(const struct db_target *target) {
    struct db *db = calloc(1, sizeof *db);
    if (db)
        db->target = *target;
    return db;
}

static void disconnect(struct db *db) {
    if (db->conn)
        mysql_close(db->conn);
    db->conn = NULL;
}

void db_free(struct db *db) {
    if (!db)
        return;
    disconnect(db);
    free(db);
}

/* Errors after which the same work can succeed on a new connection or a
 * second try: the server went away, restarted, or chose us as a deadlock
 * victim. */
static int is_retriable(unsigned err) {
    switch (err) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_COMMANDS_OUT_OF_SYNC:
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
    case ER_NET_READ_ERROR:
    case ER_NET_READ_INTERRUPTED:
    case ER_NET_ERROR_ON_WRITE:
    case ER_NET_WRITE_INTERRUPTED:
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
        return 1;
    default:
        return 0;
    }
}

static void describe_fatal_connect(const struct db *db, unsigned code, const char *message, char *err, size_t errlen) {
    const struct db_target *t = &db->target;
    if (code == ER_ACCESS_DENIED_ERROR || code == ER_DBACCESS_DENIED_ERROR)
        snprintf(err, errlen, "MySQL %s:%d refused user '%s' (%s): check mysql.user and mysql.password.file", t->host,
                 t->port, t->user, message);
    else if (code == ER_BAD_DB_ERROR)
        snprintf(err, errlen, "MySQL %s:%d has no database '%s': load it with ./lab seed", t->host, t->port,
                 t->database);
    else
        snprintf(err, errlen, "MySQL %s:%d: %s (error %u)", t->host, t->port, message, code);
}

enum db_status db_connect(struct db *db, char *err, size_t errlen) {
    const struct db_target *t = &db->target;
    int backoff = BACKOFF_FIRST_MS;
    for (;;) {
        disconnect(db);
        db->conn = mysql_init(NULL);
        if (!db->conn) {
            snprintf(err, errlen, "out of memory connecting to MySQL");
            return DB_FATAL;
        }
        unsigned timeout = 5;
        mysql_options(db->conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
        if (t->defaults_file) {
            mysql_options(db->conn, MYSQL_READ_DEFAULT_FILE, t->defaults_file);
            mysql_options(db->conn, MYSQL_READ_DEFAULT_GROUP, "client");
        }
        if (mysql_real_connect(db->conn, t->host, t->user, t->password, t->database, (unsigned)t->port, NULL, 0) &&
            mysql_query(db->conn, "SET autocommit=0, time_zone='+00:00'") == 0)
            return DB_OK;
        unsigned code = mysql_errno(db->conn);
        if (!is_retriable(code)) {
            describe_fatal_connect(db, code, mysql_error(db->conn), err, errlen);
            disconnect(db);
            return DB_FATAL;
        }
        log_warn("MySQL %s:%d is unreachable (%s): retrying in %.1f s (is the lab up? ./lab status)", t->host, t->port,
                 mysql_error(db->conn), backoff / 1000.0);
        disconnect(db);
        if (clock_sleep_or_stop(backoff, db->target.should_stop))
            return DB_STOPPED;
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
}

static enum db_status ensure_connected(struct db *db, char *err, size_t errlen) {
    return db->conn ? DB_OK : db_connect(db, err, errlen);
}

enum db_status db_lock_writer(struct db *db, char *err, size_t errlen) {
    enum db_status status = ensure_connected(db, err, errlen);
    if (status != DB_OK)
        return status;
    char query[256];
    snprintf(query, sizeof query, "SELECT GET_LOCK('bridgelab.sim.%s', 0)", db->target.database);
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    if (mysql_query(db->conn, query) != 0 || !(res = mysql_store_result(db->conn)) || !(row = mysql_fetch_row(res))) {
        snprintf(err, errlen, "MySQL %s:%d: cannot take the writer lock: %s", db->target.host, db->target.port,
                 mysql_error(db->conn));
        mysql_free_result(res);
        return DB_FATAL;
    }
    int held = row[0] && strcmp(row[0], "1") == 0;
    mysql_free_result(res);
    if (!held) {
        snprintf(err, errlen,
                 "another simulator is writing to database '%s' on %s:%d: stop it first (./lab down sim), one "
                 "simulator per database",
                 db->target.database, db->target.host, db->target.port);
        return DB_FATAL;
    }
    return DB_OK;
}

/* Runs a query whose rows go to fn; returns 0 or -1 (the error is in conn). */
static int for_each_row(struct db *db, const char *query, void (*fn)(MYSQL_ROW row, void *ctx), void *ctx) {
    if (mysql_query(db->conn, query) != 0)
        return -1;
    MYSQL_RES *res = mysql_store_result(db->conn);
    if (!res)
        return -1;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)))
        fn(row, ctx);
    mysql_free_result(res);
    return 0;
}

static long long cents(const char *decimal) {
    if (!decimal)
        return 0;
    int negative = *decimal == '-';
    if (negative)
        decimal++;
    long long whole = strtoll(decimal, NULL, 10), fraction = 0;
    const char *dot = strchr(decimal, '.');
    if (dot) {
        fraction = dot[1] ? (dot[1] - '0') * 10 : 0;
        if (dot[1] && dot[2])
            fraction += dot[2] - '0';
    }
    long long value = whole * 100 + fraction;
    return negative ? -value : value;
}

static void add_product(MYSQL_ROW row, void *ctx) {
    struct catalog *c = ctx;
    struct product *p = &c->products[c->product_count++];
    p->id = atoi(row[0]);
    p->price_cents = cents(row[1]);
    p->cost_cents = cents(row[2]);
}

static void read_int(MYSQL_ROW row, void *ctx) { *(int *)ctx = row[0] ? atoi(row[0]) : 0; }

struct stock_delta {
    struct catalog *catalog;
    int sign;
};

static void add_stock(MYSQL_ROW row, void *ctx) {
    struct stock_delta *d = ctx;
    int id = atoi(row[0]);
    for (int p = 0; p < d->catalog->product_count; p++)
        if (d->catalog->products[p].id == id)
            d->catalog->stock_levels[p] += d->sign * (row[1] ? strtoll(row[1], NULL, 10) : 0);
}

static void add_demand(MYSQL_ROW row, void *ctx) {
    struct catalog *c = ctx;
    struct demand_record *d = &c->recent_demand[c->recent_demand_count++];
    d->product_id = atoi(row[0]);
    d->second = strtoll(row[1], NULL, 10);
    d->units = strtoll(row[2], NULL, 10);
}

static enum db_status load_catalog_once(struct db *db, struct catalog *c) {
    int product_rows = 0, demand_rows = 0;
    if (for_each_row(db, "SELECT COUNT(*) FROM products", read_int, &product_rows) != 0)
        return DB_FATAL;
    if (for_each_row(db,
                     "SELECT COUNT(*) FROM sales_order_details d JOIN sales_orders o ON o.id = d.sales_order_id "
                     "WHERE o.order_date >= UTC_TIMESTAMP() - INTERVAL 180 SECOND",
                     read_int, &demand_rows) != 0)
        return DB_FATAL;
    c->products = calloc(product_rows ? (size_t)product_rows : 1, sizeof *c->products);
    c->stock_levels = calloc(product_rows ? (size_t)product_rows : 1, sizeof *c->stock_levels);
    c->recent_demand = calloc(demand_rows ? (size_t)demand_rows : 1, sizeof *c->recent_demand);
    if (!c->products || !c->stock_levels || !c->recent_demand)
        return DB_FATAL;
    struct stock_delta purchases = {c, 1}, sales = {c, -1};
    struct {
        const char *query;
        void (*fn)(MYSQL_ROW, void *);
        void *ctx;
    } steps[] = {
        {"SELECT id, price, cost FROM products ORDER BY id LIMIT 1000000", add_product, c},
        {"SELECT COALESCE(MAX(id), 0) FROM customers", read_int, &c->customer_count},
        {"SELECT COALESCE(MAX(id), 0) FROM suppliers", read_int, &c->supplier_count},
        {"SELECT COALESCE(MAX(id), 0) FROM sales_orders", read_int, &c->last_sales_order_id},
        {"SELECT COALESCE(MAX(id), 0) FROM sales_order_details", read_int, &c->last_sales_line_id},
        {"SELECT COALESCE(MAX(id), 0) FROM purchase_orders", read_int, &c->last_purchase_order_id},
        {"SELECT COALESCE(MAX(id), 0) FROM purchase_order_details", read_int, &c->last_purchase_line_id},
        {"SELECT product_id, SUM(quantity) FROM purchase_order_details GROUP BY product_id", add_stock, &purchases},
        {"SELECT product_id, SUM(quantity) FROM sales_order_details GROUP BY product_id", add_stock, &sales},
        {"SELECT d.product_id, UNIX_TIMESTAMP(o.order_date), d.quantity FROM sales_order_details d "
         "JOIN sales_orders o ON o.id = d.sales_order_id WHERE o.order_date >= UTC_TIMESTAMP() - INTERVAL 180 SECOND "
         "LIMIT %d",
         add_demand, c},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        char query[512];
        snprintf(query, sizeof query, steps[i].query, demand_rows);
        if (for_each_row(db, query, steps[i].fn, steps[i].ctx) != 0)
            return DB_FATAL;
    }
    return mysql_query(db->conn, "COMMIT") == 0 ? DB_OK : DB_FATAL;
}

enum db_status db_load_catalog(struct db *db, struct catalog *catalog, char *err, size_t errlen) {
    for (;;) {
        enum db_status status = ensure_connected(db, err, errlen);
        if (status != DB_OK)
            return status;
        memset(catalog, 0, sizeof *catalog);
        if (load_catalog_once(db, catalog) == DB_OK) {
            if (catalog->product_count == 0 || catalog->customer_count == 0 || catalog->supplier_count == 0) {
                snprintf(err, errlen, "database '%s' has no products, customers or suppliers: load it with ./lab seed",
                         db->target.database);
                return DB_FATAL;
            }
            return DB_OK;
        }
        catalog_release(catalog);
        unsigned code = mysql_errno(db->conn);
        if (!is_retriable(code)) {
            snprintf(err, errlen, "cannot read the catalog of database '%s': %s%s", db->target.database,
                     mysql_error(db->conn), code == ER_NO_SUCH_TABLE ? ": load the schema with ./lab seed" : "");
            return DB_FATAL;
        }
        disconnect(db);
    }
}

static const char *action_name(const struct action *a) {
    switch (a->kind) {
    case ACTION_SALES_ORDER:
        return "sales order";
    case ACTION_PURCHASE_ORDER:
        return "purchase order";
    case ACTION_CUSTOMER_UPDATE:
        return "customer update";
    case ACTION_CANCEL_ORDER:
        return "cancellation of sales order";
    default:
        return "action";
    }
}

static int action_id(const struct action *a) {
    switch (a->kind) {
    case ACTION_SALES_ORDER:
        return a->u.sales.id;
    case ACTION_PURCHASE_ORDER:
        return a->u.purchase.id;
    case ACTION_CUSTOMER_UPDATE:
        return a->u.update.customer_id;
    case ACTION_CANCEL_ORDER:
        return a->u.cancel.order_id;
    default:
        return 0;
    }
}

/* Sends the batch then COMMIT; returns the index of the failing statement
 * (batch->count for COMMIT) or -1 when all went through. */
static int run_transaction(struct db *db, const struct sql_batch *batch) {
    for (int i = 0; i < batch->count; i++)
        if (mysql_query(db->conn, batch->text[i]) != 0)
            return i;
    return mysql_query(db->conn, "COMMIT") == 0 ? -1 : batch->count;
}

enum db_status db_apply(struct db *db, const struct action *a, const char *dc, char *err, size_t errlen) {
    struct sql_batch batch;
    sql_for_action(a, dc, &batch);
    for (int attempt = 0;; attempt++) {
        enum db_status status = ensure_connected(db, err, errlen);
        if (status != DB_OK)
            return status;
        int failed = run_transaction(db, &batch);
        if (failed < 0)
            return DB_OK;
        unsigned code = mysql_errno(db->conn);
        if (code == ER_DUP_ENTRY && attempt > 0 && failed == 0) {
            /* The previous attempt lost its connection at COMMIT after the
             * server had committed: the first row is there, so all are. */
            mysql_query(db->conn, "ROLLBACK");
            return DB_OK;
        }
        if (is_retriable(code)) {
            log_warn("%s %d: %s: retrying the whole transaction", action_name(a), action_id(a), mysql_error(db->conn));
            if (code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT)
                mysql_query(db->conn, "ROLLBACK");
            else
                disconnect(db);
            continue;
        }
        snprintf(err, errlen, "%s %d failed: %s (error %u)%s", action_name(a), action_id(a), mysql_error(db->conn),
                 code,
                 code == ER_DUP_ENTRY       ? ": another writer uses the same ids; run one simulator per database"
                 : code == ER_NO_SUCH_TABLE ? ": load the schema with ./lab seed"
                                            : "");
        mysql_query(db->conn, "ROLLBACK");
        return DB_FATAL;
    }
}

struct st_mysql *db_connection(struct db *db) {
    return db->conn;
}
