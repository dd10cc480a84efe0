/* The simulator's keys, options and checked settings: see settings.h. */
#include "settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

const struct config_key sim_keys[] = {
    {"sim.rate", CONFIG_DOUBLE, "1", 0, 1e6, "sales orders per second; 0 = as fast as it can"},
    {"sim.orders", CONFIG_INT, "0", 0, 2e9, "sales orders to make, then stop; 0 = until stopped"},
    {"sim.seed", CONFIG_INT, NULL, 0, 9.2e18, "random seed: the same seed gives the same orders (default: drawn)"},
    {"sim.threads", CONFIG_INT, "1", 1, 64, "connections writing in parallel"},
    {"sim.quiet", CONFIG_BOOL, "false", 0, 0, "do not print a line per order"},
    {"sim.mode", CONFIG_INT, "15", 1, 1e6, "peak of the triangular draws of customers, products, suppliers"},
    {"sim.new.customer.ratio", CONFIG_DOUBLE, "0.02", 0, 1, "share of orders placed by a new customer"},
    {"sim.customer.update.ratio", CONFIG_DOUBLE, "0.05", 0, 1, "customer updates per order"},
    {"sim.cancel.ratio", CONFIG_DOUBLE, "0", 0, 1, "cancellations (deletes) of an earlier order per order"},
    {"sim.reorder.point", CONFIG_INT, "0", -1e9, 1e9, "stock level at which a purchase order is raised"},
    {"sim.min.purchase", CONFIG_INT, "50", 1, 1e9, "smallest quantity a purchase order buys"},
    {"sim.summary.interval.s", CONFIG_DOUBLE, "5", 0.1, 3600, "seconds between summary lines"},
    {0},
};

const struct config_key *const sim_schema[] = {common_keys, sim_keys, NULL};

const struct cli_option sim_options[] = {
    {"rate", "sim.rate", NULL, "R", "sales orders per second (fractions allowed; 0 = as fast as it can)"},
    {"orders", "sim.orders", NULL, "N", "make N sales orders, then stop"},
    {"seed", "sim.seed", NULL, "S", "random seed"},
    {"threads", "sim.threads", NULL, "T", "connections writing in parallel"},
    {"cancel-ratio", "sim.cancel.ratio", NULL, "P", "cancel (delete) an earlier order with probability P per order"},
    {"dc", "dc", NULL, "CODE", "data-centre code (names the out-of-stock table)"},
    {"host", "mysql.host", NULL, "HOST", "MySQL host"},
    {"port", "mysql.port", NULL, "PORT", "MySQL port"},
    {"user", "mysql.user", NULL, "USER", "MySQL user"},
    {"password-file", "mysql.password.file", NULL, "FILE", "file holding the MySQL password"},
    {"defaults-file", "mysql.defaults.file", NULL, "FILE", "MySQL option file ([client] user, password ...)"},
    {"database", "mysql.database", NULL, "DB", "MySQL database"},
    {"quiet", "sim.quiet", "true", NULL, "no line per order, only summaries"},
    {"log-level", "log.level", NULL, "LEVEL", "error, warn, info or debug"},
    {0},
};

static int valid_dc(const char *dc) {
    size_t n = strlen(dc);
    if (n == 0 || n > 32)
        return 0;
    return strspn(dc, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

int sim_settings_load(const struct config *cfg, struct sim_settings *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    s->dc = config_get(cfg, "dc");
    if (!valid_dc(s->dc)) {
        snprintf(err, errlen, "%s: dc: '%s' is not a data-centre code: use 1 to 32 letters, digits or _",
                 config_origin(cfg, "dc"), s->dc);
        return -1;
    }
    if (keys_log_level(cfg, &s->log_level, err, errlen) != 0)
        return -1;
    s->rate = config_get_double(cfg, "sim.rate");
    s->threads = (int)config_get_int(cfg, "sim.threads");
    s->quiet = config_get_bool(cfg, "sim.quiet");
    s->summary_interval_s = config_get_double(cfg, "sim.summary.interval.s");
    s->host = config_get(cfg, "mysql.host");
    s->port = (int)config_get_int(cfg, "mysql.port");
    s->user = config_get(cfg, "mysql.user");
    s->password_file = config_get(cfg, "mysql.password.file");
    s->defaults_file = config_get(cfg, "mysql.defaults.file");
    s->database = config_get(cfg, "mysql.database");

    struct model_settings *m = &s->model;
    s->seed_given = config_get(cfg, "sim.seed") != NULL;
    m->seed = (uint64_t)config_get_int(cfg, "sim.seed");
    m->mode = (int)config_get_int(cfg, "sim.mode");
    m->orders = config_get_int(cfg, "sim.orders");
    m->new_customer_ratio = config_get_double(cfg, "sim.new.customer.ratio");
    m->customer_update_ratio = config_get_double(cfg, "sim.customer.update.ratio");
    m->cancel_ratio = config_get_double(cfg, "sim.cancel.ratio");
    m->reorder_point = config_get_int(cfg, "sim.reorder.point");
    m->min_purchase = config_get_int(cfg, "sim.min.purchase");
    return 0;
}
