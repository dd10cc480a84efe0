/* sim: the order-transaction simulator of the lab. Reads its settings,
 * connects to MySQL, loads the catalog, and plays the order model into the
 * database until it has made --orders orders or is stopped, printing a line
 * per order (as the workshop did) and a summary every few seconds. */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "keys.h"
#include "log.h"
#include "model.h"
#include "runner.h"
#include "settings.h"
#include "shutdown.h"

static const char usage[] = "usage: sim [-F FILE] [-X key=value]... [options]\n"
                            "Writes customers, sales orders and purchase orders to the lab's MySQL.";

static void print_commit(const struct action *a, void *ctx) {
    (void)ctx;
    switch (a->kind) {
    case ACTION_SALES_ORDER:
        if (a->u.sales.is_new_customer)
            printf("Customer %d Created\n", a->u.sales.customer.id);
        printf("Sales Order %d Created\n", a->u.sales.id);
        break;
    case ACTION_PURCHASE_ORDER:
        printf("Purchase Order %d Created\n", a->u.purchase.id);
        break;
    case ACTION_CUSTOMER_UPDATE:
        printf("Customer %d Updated\n", a->u.update.customer_id);
        break;
    case ACTION_CANCEL_ORDER:
        printf("Sales Order %d Cancelled\n", a->u.cancel.order_id);
        break;
    case ACTION_NONE:
        break;
    }
}

static void log_summary(const char *what, const struct runner_stats *s, double orders_per_second) {
    log_info("%s: %lld sales orders (%lld lines), %lld purchase orders, %lld new customers, %lld customer updates, "
             "%lld cancellations, revenue %lld.%02lld; %.1f orders/s",
             what, s->sales_orders, s->sales_lines, s->purchase_orders, s->new_customers, s->customer_updates,
             s->cancellations, s->revenue_cents / 100, s->revenue_cents % 100, orders_per_second);
}

/* Runs until the model is done, a stop is asked for, or a fatal error. */
static int run(const struct sim_settings *s, const struct db_target *target, struct model *model) {
    struct runner_setup setup = {
        .model = model,
        .target = *target,
        .dc = s->dc,
        .rate = s->rate,
        .threads = s->threads,
        .on_commit = s->quiet ? NULL : print_commit,
    };
    struct runner *r = runner_start(&setup);
    if (!r) {
        log_error("cannot start the writer threads: out of memory");
        return 1;
    }
    long long started = clock_mono_ms(), last = started;
    struct runner_stats before = {0}, now;
    while (runner_active(r)) {
        clock_sleep_ms(50);
        long long t = clock_mono_ms();
        double since_last = (t - last) / 1000.0;
        if (since_last >= s->summary_interval_s) {
            runner_stats(r, &now);
            log_summary("progress", &now, (double)(now.sales_orders - before.sales_orders) / since_last);
            before = now;
            last = t;
        }
    }
    runner_stats(r, &now);
    char err[512];
    int rc = runner_finish(r, err, sizeof err);
    double elapsed = (clock_mono_ms() - started) / 1000.0;
    log_summary(shutdown_requested() ? "stopped" : "done", &now,
                elapsed > 0 ? (double)now.sales_orders / elapsed : 0.0);
    if (rc != 0) {
        log_error("%s", err);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    log_init("sim");
    setvbuf(stdout, NULL, _IOLBF, 0);
    char err[1024];
    struct config *cfg = config_new(sim_schema);
    if (!cfg) {
        log_error("out of memory");
        return 1;
    }
    int rc = 1;
    char password[256];
    struct model *model = NULL;
    struct db *db = NULL;
    struct catalog catalog = {0};
    struct sim_settings s;

    enum cli_result parsed = cli_parse(argc, argv, sim_options, cfg, err, sizeof err);
    if (parsed == CLI_HELP) {
        cli_print_help(stdout, usage, sim_options, cfg);
        rc = 0;
        goto out;
    }
    if (parsed == CLI_ERROR || sim_settings_load(cfg, &s, err, sizeof err) != 0) {
        log_error("%s", err);
        rc = 2;
        goto out;
    }
    log_set_level(s.log_level);
    const char *pw;
    if (keys_mysql_password(cfg, password, sizeof password, &pw, err, sizeof err) != 0) {
        log_error("%s", err);
        rc = 2;
        goto out;
    }
    if (!s.seed_given) {
        s.model.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
        s.model.seed &= 0x7fffffffffffffffULL;
    }
    shutdown_install();
    mysql_library_init(0, NULL, NULL);
    struct db_target target = {s.host, s.port, s.user, pw, s.database, s.defaults_file, shutdown_requested};
    log_info("writing to MySQL %s:%d database %s as %s, dc %s, seed %llu, %s, %d thread(s)%s", s.host, s.port,
             s.database, s.user, s.dc, (unsigned long long)s.model.seed, s.rate > 0 ? "paced" : "as fast as it can",
             s.threads, s.model.orders ? "" : ", until stopped");
    if (s.rate > 0)
        log_info("rate %.3f sales orders/s", s.rate);

    db = db_new(&target);
    enum db_status status = db ? DB_OK : DB_FATAL;
    if (status == DB_OK)
        status = db_lock_writer(db, err, sizeof err);
    if (status == DB_OK)
        status = db_load_catalog(db, &catalog, err, sizeof err);
    if (status == DB_STOPPED) {
        log_info("stopped before the first order");
        rc = 0;
        goto out;
    }
    if (status != DB_OK) {
        log_error("%s", db ? err : "out of memory");
        goto out;
    }
    log_info("catalog: %d products, %d customers, %d suppliers; next sales order %d, next purchase order %d",
             catalog.product_count, catalog.customer_count, catalog.supplier_count, catalog.last_sales_order_id + 1,
             catalog.last_purchase_order_id + 1);
    model = model_new(&s.model, &catalog);
    if (!model) {
        log_error("out of memory");
        goto out;
    }
    rc = run(&s, &target, model);
out:
    memset(password, 0, sizeof password);
    model_free(model);
    catalog_release(&catalog);
    db_free(db);
    config_free(cfg);
    mysql_library_end();
    return rc;
}
