/* The views: each /api/ path is one or two SQL queries over the store's
 * aggregate tables, read on a reader connection of the calling thread, in
 * one read transaction (one snapshot), with bound parameters only. See
 * views.h for the paths and store.c for the tables.
 *
 * What each view reads (EXPLAIN QUERY PLAN is checked in the tests: no
 * view scans the facts, sales_orders or sales_order_details):
 * - kpis: agg_total (no time filter) or agg_minute's range;
 * - revenue_per_minute: agg_minute's range;
 * - products, customers, cities: agg_product, agg_customer, agg_city (no
 *   time filter), or the range of agg_product_minute / agg_customer_minute;
 *   names from the dimension rows (products, customers) by key;
 * - stock: agg_product, and agg_product_minute's last 3 minutes;
 * - out_of_stock: purchase_orders (one per stock-out: few) with
 *   agg_purchase_order, and out_of_stock_events.
 * Without ?dc= a query runs over each dc that agg_total names (dc IN ...),
 * so the (dc, minute) keys still serve the time ranges.
 *
 * Time filters are minute-grained: a minute of order time is in when its
 * start is in [from, to). The demand over the last 3 minutes is the hopping
 * window [t - 3 min, t) of ksqlDB's WINDOW HOPPING (SIZE 3 MINUTES, ADVANCE
 * BY 1 MINUTE) that ends at t = the start of to's minute when ?to= is given,
 * else at the end of the newest order minute (the window holding the
 * latest orders, by event time as ksqlDB counts it). A product is out of
 * stock when its stock (purchased - sold) is at or below the reorder level,
 * 0: the simulator's sim.reorder.point default, at which it raises a
 * purchase order. */
#include "views.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "store.h"
#include "values.h"

#define REORDER_LEVEL 0
#define DEFAULT_TOP 10
#define QUERY_TIME_LIMIT_MS 2000

struct views {
    struct store *store;
};

struct views *views_new(struct store *store) {
    struct views *v = calloc(1, sizeof *v);
    if (v)
        v->store = store;
    return v;
}

void views_free(struct views *v) { free(v); }

/* ---- parameters ---- */

enum by { BY_REVENUE, BY_UNITS, BY_MARGIN, BY_ORDERS };
static const char *const by_names[] = {"revenue", "units", "margin", "orders"};

struct params {
    const char *dc; /* NULL: every dc; else dc_text */
    char dc_text[17];
    long long from, to;
    int timed; /* from or to given */
    int top;
    enum by by;
    int csv;
};

struct answer {
    int status;
    char error[512];
    json_t *root;
    const char *csv_key; /* the array CSV writes (NULL: root is one row) */
    const struct col *csv_cols;
    size_t csv_ncols;
};

static int bad(struct answer *a, int status, const char *fmt, const char *what) {
    a->status = status;
    snprintf(a->error, sizeof a->error, fmt, what);
    return -1;
}

static int parse_dc(const char *text, struct params *p, struct answer *a) {
    size_t n = strlen(text);
    int ok = n >= 1 && n <= 16;
    for (size_t i = 0; ok && i < n; i++)
        ok = islower((unsigned char)text[i]) || isdigit((unsigned char)text[i]) || text[i] == '_';
    if (ok) {
        memcpy(p->dc_text, text, n + 1);
        p->dc = p->dc_text;
    }
    return ok ? 0 : bad(a, 400, "%s: a data-centre code of 1 to 16 characters a-z, 0-9 or _ (e.g. dc01)", "dc");
}

static int parse_time(const char *name, const char *text, long long *out, struct answer *a) {
    if (value_time_parse(text, out) == 0)
        return 0;
    return bad(a, 400, "%s: a time as ISO 8601 (2026-12-01T10:00:00Z) or epoch milliseconds", name);
}

static int parse_top(const char *text, struct params *p, struct answer *a) {
    char *end;
    long n = strtol(text, &end, 10);
    if (!isdigit((unsigned char)*text) || *end || n < 1 || n > 1000)
        return bad(a, 400, "%s: a whole number from 1 to 1000", "top");
    p->top = (int)n;
    return 0;
}

/* by among the view's allowed values (a bit per enum by). */
static int parse_by(const char *text, unsigned allowed, struct params *p, struct answer *a) {
    for (int i = 0; i < 4; i++)
        if ((allowed & (1u << i)) && strcmp(text, by_names[i]) == 0) {
            p->by = (enum by)i;
            return 0;
        }
    return bad(a, 400, "%s",
               allowed & (1u << BY_MARGIN) ? "by: one of revenue, units, margin" : "by: one of revenue, units, orders");
}

static int parse_params(const struct view_request *req, unsigned by_allowed, struct params *p, struct answer *a) {
    const char *v;
    *p = (struct params){NULL, "", INT64_MIN, INT64_MAX, 0, DEFAULT_TOP, BY_REVENUE, 0};
    if ((v = req->arg(req->ctx, "format"))) {
        p->csv = strcmp(v, "csv") == 0;
        if (!p->csv && strcmp(v, "json") != 0)
            return bad(a, 400, "%s: json or csv", "format");
    }
    if ((v = req->arg(req->ctx, "dc")) && parse_dc(v, p, a) != 0)
        return -1;
    if ((v = req->arg(req->ctx, "from")) && parse_time("from", v, &p->from, a) != 0)
        return -1;
    p->timed = v != NULL;
    if ((v = req->arg(req->ctx, "to")) && parse_time("to", v, &p->to, a) != 0)
        return -1;
    p->timed |= v != NULL;
    if (p->from > p->to)
        return bad(a, 400, "%s: must not be after to", "from");
    if ((v = req->arg(req->ctx, "top")) && parse_top(v, p, a) != 0)
        return -1;
    if (by_allowed && (v = req->arg(req->ctx, "by")) && parse_by(v, by_allowed, p, a) != 0)
        return -1;
    return 0;
}

/* ---- queries ---- */

enum col_kind { COL_INT, COL_MONEY, COL_TEXT, COL_TIME, COL_BOOL };

struct col {
    const char *name;
    enum col_kind kind;
};

struct query {
    sqlite3 *db;
    const struct params *p;
    struct answer *a;
    long long deadline_ms;
};

static json_t *cell(sqlite3_stmt *st, int i, enum col_kind kind) {
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    long long n = sqlite3_column_int64(st, i);
    char text[40];
    switch (kind) {
    case COL_INT:
        return json_integer(n);
    case COL_MONEY:
        value_cents_format(n, text, sizeof text);
        return json_string(text);
    case COL_TIME:
        value_time_format(n, text, sizeof text);
        return json_string(text);
    case COL_BOOL:
        return json_boolean(n != 0);
    case COL_TEXT:
        break;
    }
    return json_stringn_nocheck((const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
}

static json_t *row_object(sqlite3_stmt *st, const struct col *cols, size_t n) {
    json_t *row = json_object();
    for (size_t i = 0; row && i < n; i++)
        json_object_set_new(row, cols[i].name, cell(st, (int)i, cols[i].kind));
    return row;
}

/* Binds what every query may use: ?1 dc, ?2 from, ?3 to, ?4 top, ?5 the
 * reorder level (a query uses those it names). */
static void bind_params(sqlite3_stmt *st, const struct params *p) {
    int n = sqlite3_bind_parameter_count(st);
    if (n >= 1)
        sqlite3_bind_text(st, 1, p->dc, -1, SQLITE_STATIC);
    if (n >= 2)
        sqlite3_bind_int64(st, 2, p->from);
    if (n >= 3)
        sqlite3_bind_int64(st, 3, p->to);
    if (n >= 4)
        sqlite3_bind_int(st, 4, p->top);
    if (n >= 5)
        sqlite3_bind_int(st, 5, REORDER_LEVEL);
}

static int query_failed(struct query *q, const char *what) {
    int slow = sqlite3_errcode(q->db) == SQLITE_INTERRUPT;
    q->a->status = slow ? 503 : 500;
    snprintf(q->a->error, sizeof q->a->error, "%s: %s", what,
             slow ? "the query ran past its time limit" : sqlite3_errmsg(q->db));
    return -1;
}

/* Runs sql (a template: %1$s is the dc condition) and collects its rows as
 * objects of cols into *out (a new array). */
static int rows(struct query *q, const char *template, const struct col *cols, size_t n, json_t **out) {
    char sql[2048];
    snprintf(sql, sizeof sql, template, q->p->dc ? "dc = ?1" : "dc IN (SELECT dc FROM agg_total)");
    sqlite3_stmt *st = store_reader_prepare(q->db, sql);
    if (!st)
        return query_failed(q, "prepare");
    bind_params(st, q->p);
    json_t *array = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(array, row_object(st, cols, n));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(array);
        return query_failed(q, "query");
    }
    *out = array;
    return 0;
}

/* One array under key in the answer's root, which CSV writes. */
static int table(struct query *q, const char *key, const char *template, const struct col *cols, size_t n) {
    json_t *array;
    if (rows(q, template, cols, n, &array) != 0)
        return -1;
    if (!q->a->root)
        q->a->root = json_object();
    json_object_set_new(q->a->root, key, array);
    if (!q->a->csv_key) {
        q->a->csv_key = key;
        q->a->csv_cols = cols;
        q->a->csv_ncols = n;
    }
    return 0;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MINUTES "minute_ms >= ?2 AND minute_ms < ?3"

/* ---- the views ---- */

static const struct col kpi_cols[] = {{"revenue", COL_MONEY},     {"orders", COL_INT},
                                      {"units", COL_INT},         {"lines", COL_INT},
                                      {"pending_lines", COL_INT}, {"average_order_value", COL_MONEY}};

static int view_kpis(struct query *q) {
    const char *all = "SELECT coalesce(sum(revenue_cents), 0), coalesce(sum(orders), 0), coalesce(sum(units), 0),"
                      " coalesce(sum(lines), 0), coalesce(sum(pending_lines), 0),"
                      " CASE WHEN sum(orders) > 0 THEN (2 * sum(revenue_cents) + sum(orders)) / (2 * sum(orders))"
                      " END FROM agg_total WHERE %1$s";
    const char *timed = "SELECT coalesce(sum(revenue_cents), 0), coalesce(sum(orders), 0), coalesce(sum(units), 0),"
                        " coalesce(sum(lines), 0), 0, CASE WHEN sum(orders) > 0 THEN (2 * sum(revenue_cents) +"
                        " sum(orders)) / (2 * sum(orders)) END FROM agg_minute WHERE %1$s AND " MINUTES;
    json_t *array;
    if (rows(q, q->p->timed ? timed : all, kpi_cols, COUNT(kpi_cols), &array) != 0)
        return -1;
    q->a->root = json_incref(json_array_get(array, 0));
    json_decref(array);
    q->a->csv_cols = kpi_cols;
    q->a->csv_ncols = COUNT(kpi_cols);
    return 0;
}

static const struct col minute_cols[] = {
    {"minute", COL_TIME}, {"minute_ms", COL_INT}, {"revenue", COL_MONEY}, {"orders", COL_INT}, {"units", COL_INT}};

static int view_revenue_per_minute(struct query *q) {
    return table(q, "minutes",
                 "SELECT minute_ms, minute_ms, sum(revenue_cents), sum(orders), sum(units) FROM agg_minute"
                 " WHERE %1$s AND " MINUTES " GROUP BY minute_ms HAVING sum(lines) <> 0 OR sum(orders) <> 0"
                 " ORDER BY minute_ms",
                 minute_cols, COUNT(minute_cols));
}

static const char *order_by(enum by by) {
    static const char *const terms[] = {"revenue_cents DESC", "units DESC", "margin_cents DESC", "orders DESC"};
    return terms[by];
}

/* The template with its ORDER BY term (%2$s) filled in, dc (%1$s) kept. */
static const char *with_order(char *buf, size_t cap, const char *template, enum by by) {
    snprintf(buf, cap, template, "%1$s", order_by(by));
    return buf;
}

static const struct col product_cols[] = {{"dc", COL_TEXT},       {"product_id", COL_INT}, {"name", COL_TEXT},
                                          {"revenue", COL_MONEY}, {"units", COL_INT},      {"margin", COL_MONEY},
                                          {"price", COL_MONEY},   {"cost", COL_MONEY}};

static int view_products(struct query *q) {
    const char *source = q->p->timed ? "(SELECT dc, product_id, sum(revenue_cents) AS revenue_cents, sum(units)"
                                       " AS units, sum(lines) AS lines FROM agg_product_minute WHERE %1$s AND " MINUTES
                                       " GROUP BY dc, product_id)"
                                     : "agg_product";
    char template[1024], sql[1024];
    snprintf(template, sizeof template,
             "SELECT a.dc, a.product_id, p.name, a.revenue_cents, a.units, a.revenue_cents - p.cost_cents * a.units"
             " AS margin_cents, p.price_cents, p.cost_cents FROM %s a LEFT JOIN products p ON p.dc = a.dc AND"
             " p.id = a.product_id WHERE a.%%1$s AND a.lines <> 0 ORDER BY %%2$s, a.dc, a.product_id LIMIT ?4",
             source);
    return table(q, "products", with_order(sql, sizeof sql, template, q->p->by), product_cols, COUNT(product_cols));
}

static const struct col customer_cols[] = {{"dc", COL_TEXT},        {"customer_id", COL_INT}, {"first_name", COL_TEXT},
                                           {"last_name", COL_TEXT}, {"city", COL_TEXT},       {"revenue", COL_MONEY},
                                           {"orders", COL_INT},     {"units", COL_INT}};

static int view_customers(struct query *q) {
    const char *source = q->p->timed ? "(SELECT dc, customer_id, sum(revenue_cents) AS revenue_cents, sum(units)"
                                       " AS units, sum(lines) AS lines, sum(orders) AS orders FROM"
                                       " agg_customer_minute WHERE %1$s AND " MINUTES " GROUP BY dc, customer_id)"
                                     : "agg_customer";
    char template[1024], sql[1024];
    snprintf(template, sizeof template,
             "SELECT a.dc, a.customer_id, c.first_name, c.last_name, c.city, a.revenue_cents, a.orders, a.units"
             " FROM %s a LEFT JOIN customers c ON c.dc = a.dc AND c.id = a.customer_id WHERE a.%%1$s AND"
             " (a.lines <> 0 OR a.orders <> 0) ORDER BY %%2$s, a.dc, a.customer_id LIMIT ?4",
             source);
    return table(q, "customers", with_order(sql, sizeof sql, template, q->p->by), customer_cols, COUNT(customer_cols));
}

static const struct col city_cols[] = {
    {"city", COL_TEXT}, {"revenue", COL_MONEY}, {"orders", COL_INT}, {"units", COL_INT}};

static int view_cities(struct query *q) {
    const char *all = "SELECT city, sum(revenue_cents) AS revenue_cents, sum(orders) AS orders, sum(units) AS units"
                      " FROM agg_city WHERE %%1$s GROUP BY city HAVING sum(lines) <> 0 OR sum(orders) <> 0"
                      " ORDER BY %s, city LIMIT ?4";
    const char *timed = "SELECT c.city, sum(m.revenue_cents) AS revenue_cents, sum(m.orders) AS orders, sum(m.units)"
                        " AS units FROM agg_customer_minute m JOIN"
                        " customers c ON c.dc = m.dc AND c.id = m.customer_id WHERE m.%%1$s AND m." MINUTES
                        " AND c.city IS NOT NULL GROUP BY c.city HAVING sum(m.lines) <> 0 OR sum(m.orders) <> 0"
                        " ORDER BY %s, c.city LIMIT ?4";
    char template[1024];
    snprintf(template, sizeof template, q->p->timed ? timed : all, order_by(q->p->by));
    return table(q, "cities", template, city_cols, COUNT(city_cols));
}

static const struct col stock_cols[] = {{"dc", COL_TEXT},
                                        {"product_id", COL_INT},
                                        {"name", COL_TEXT},
                                        {"purchased", COL_INT},
                                        {"sold", COL_INT},
                                        {"stock", COL_INT},
                                        {"demand_last_3mins", COL_INT},
                                        {"out_of_stock", COL_BOOL}};

/* t, the end of the demand window (see the top of the file). */
static int window_end(struct query *q, long long *t) {
    static const struct col newest[] = {{"newest", COL_INT}};
    if (q->p->to != INT64_MAX) {
        *t = value_minute(q->p->to);
        return 0;
    }
    json_t *array;
    if (rows(q, "SELECT max(minute_ms) FROM agg_minute WHERE %1$s", newest, 1, &array) != 0)
        return -1;
    const json_t *v = json_object_get(json_array_get(array, 0), "newest");
    *t = json_is_integer(v) ? json_integer_value(v) + MINUTE_MS : 0;
    json_decref(array);
    return 0;
}

static int view_stock(struct query *q) {
    long long t;
    if (window_end(q, &t) != 0)
        return -1;
    struct params window = *q->p;
    window.from = t - 3 * MINUTE_MS;
    window.to = t;
    const struct params *asked = q->p;
    q->p = &window;
    int rc = table(q, "products",
                   "SELECT a.dc, a.product_id, p.name, a.purchased, a.units, a.purchased - a.units, coalesce(d.units,"
                   " 0), a.purchased - a.units <= ?5 FROM agg_product a LEFT JOIN products p ON p.dc = a.dc AND"
                   " p.id = a.product_id LEFT JOIN (SELECT dc, product_id, sum(units) AS units FROM"
                   " agg_product_minute WHERE %1$s AND " MINUTES " GROUP BY dc, product_id) d ON d.dc = a.dc AND"
                   " d.product_id = a.product_id WHERE a.%1$s ORDER BY a.dc, a.product_id",
                   stock_cols, COUNT(stock_cols));
    q->p = asked;
    if (rc != 0)
        return -1;
    char text[40];
    value_time_format(t - 3 * MINUTE_MS, text, sizeof text);
    json_object_set_new(q->a->root, "window_start", json_string(text));
    value_time_format(t, text, sizeof text);
    json_object_set_new(q->a->root, "window_end", json_string(text));
    json_object_set_new(q->a->root, "reorder_level", json_integer(REORDER_LEVEL));
    return 0;
}

static const struct col purchase_cols[] = {{"dc", COL_TEXT},         {"purchase_order_id", COL_INT},
                                           {"order_date", COL_TIME}, {"supplier_id", COL_INT},
                                           {"supplier", COL_TEXT},   {"lines", COL_INT},
                                           {"units", COL_INT},       {"cost", COL_MONEY}};

static const struct col event_cols[] = {{"dc", COL_TEXT},
                                        {"product_id", COL_INT},
                                        {"window_start_time", COL_TEXT},
                                        {"window_end_time", COL_TEXT},
                                        {"stock_level", COL_INT},
                                        {"demand_last_3mins", COL_INT},
                                        {"quantity_to_purchase", COL_INT}};

/* Purchase orders raised (in the time range, newest first, top N) and the
 * out-of-stock events (newest first, top N; not filtered by time: the
 * workshop's table keeps its windows as text). */
static int view_out_of_stock(struct query *q) {
    if (table(q, "purchase_orders",
              "SELECT o.dc, o.id, o.order_ms, o.supplier_id, s.name, coalesce(a.lines, 0), coalesce(a.units, 0),"
              " coalesce(a.cost_cents, 0) FROM purchase_orders o LEFT JOIN agg_purchase_order a ON a.dc = o.dc AND"
              " a.purchase_order_id = o.id LEFT JOIN suppliers s ON s.dc = o.dc AND s.id = o.supplier_id"
              " WHERE o.%1$s AND o.order_ms >= ?2 AND o.order_ms < ?3 ORDER BY o.order_ms DESC, o.id DESC LIMIT ?4",
              purchase_cols, COUNT(purchase_cols)) != 0)
        return -1;
    return table(q, "events",
                 "SELECT dc, product_id, window_start, window_end, stock_level, demand_last_3mins,"
                 " quantity_to_purchase FROM out_of_stock_events WHERE %1$s ORDER BY window_start DESC, rowid DESC"
                 " LIMIT ?4",
                 event_cols, COUNT(event_cols));
}

static const struct route {
    const char *path;
    int (*view)(struct query *q);
    unsigned by; /* the by values it takes */
} routes[] = {
    {"/api/kpis", view_kpis, 0},
    {"/api/revenue_per_minute", view_revenue_per_minute, 0},
    {"/api/products", view_products, 1u << BY_REVENUE | 1u << BY_UNITS | 1u << BY_MARGIN},
    {"/api/customers", view_customers, 1u << BY_REVENUE | 1u << BY_UNITS | 1u << BY_ORDERS},
    {"/api/cities", view_cities, 1u << BY_REVENUE | 1u << BY_UNITS | 1u << BY_ORDERS},
    {"/api/stock", view_stock, 0},
    {"/api/out_of_stock", view_out_of_stock, 0},
};

/* ---- answering ---- */

static int past_deadline(void *ctx) { return clock_mono_ms() > ((struct query *)ctx)->deadline_ms; }

static int run_view(struct views *v, const struct route *r, const struct params *p, struct answer *a) {
    char err[256];
    sqlite3 *db = store_reader_acquire(v->store, err, sizeof err);
    if (!db)
        return bad(a, 503, "the store cannot be read: %s", err);
    struct query q = {db, p, a, clock_mono_ms() + QUERY_TIME_LIMIT_MS};
    sqlite3_progress_handler(db, 1000, past_deadline, &q);
    int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? r->view(&q) : query_failed(&q, "begin");
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_progress_handler(db, 0, NULL, NULL);
    store_reader_release(v->store, db);
    return rc;
}

static void reply(struct view_reply *out, int status, const char *type, char *body) {
    out->status = body ? status : 500;
    out->content_type = type;
    out->body = body;
    out->len = body ? strlen(body) : 0;
}

static void reply_error(struct view_reply *out, int status, const char *message) {
    json_t *e = json_pack("{ss}", "error", message);
    reply(out, status, "application/json", json_dumps(e, JSON_COMPACT));
    json_decref(e);
}

/* ---- CSV ---- */

struct text {
    char *data;
    size_t len, cap;
    int failed;
};

static void put(struct text *t, const char *s, size_t n) {
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        if (!grown) {
            t->failed = 1;
            return;
        }
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = 0;
}

/* A field, quoted when it holds a comma, quote, CR or LF (quotes doubled). */
static void put_field(struct text *t, const char *s, size_t n) {
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        put(t, s, n);
        return;
    }
    put(t, "\"", 1);
    for (size_t i = 0; i < n; i++)
        put(t, s[i] == '"' ? "\"\"" : s + i, s[i] == '"' ? 2 : 1);
    put(t, "\"", 1);
}

static void put_value(struct text *t, const json_t *v) {
    char num[32];
    if (json_is_string(v))
        put_field(t, json_string_value(v), json_string_length(v));
    else if (json_is_integer(v))
        put(t, num, (size_t)snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)));
    else if (json_is_boolean(v))
        put(t, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
}

static void put_row(struct text *t, const json_t *row, const struct col *cols, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(t, ",", 1);
        if (row)
            put_value(t, json_object_get(row, cols[i].name));
        else
            put(t, cols[i].name, strlen(cols[i].name));
    }
    put(t, "\r\n", 2);
}

static char *csv_of(const struct answer *a) {
    struct text t = {0};
    put_row(&t, NULL, a->csv_cols, a->csv_ncols);
    const json_t *array = a->csv_key ? json_object_get(a->root, a->csv_key) : NULL;
    if (!a->csv_key)
        put_row(&t, a->root, a->csv_cols, a->csv_ncols);
    for (size_t i = 0; i < json_array_size(array); i++)
        put_row(&t, json_array_get(array, i), a->csv_cols, a->csv_ncols);
    if (t.failed) {
        free(t.data);
        return NULL;
    }
    return t.data;
}

void views_answer(struct views *v, const struct view_request *req, struct view_reply *out) {
    const struct route *r = NULL;
    for (size_t i = 0; i < COUNT(routes) && !r; i++)
        if (strcmp(req->path, routes[i].path) == 0)
            r = &routes[i];
    if (!r) {
        reply_error(out, 404, "no such view (see /api/kpis, /api/products, ...)");
        return;
    }
    struct params p;
    struct answer a = {.status = 200};
    if (parse_params(req, r->by, &p, &a) != 0 || run_view(v, r, &p, &a) != 0) {
        json_decref(a.root);
        reply_error(out, a.status, a.error);
        return;
    }
    if (p.csv)
        reply(out, 200, "text/csv; charset=utf-8", csv_of(&a));
    else
        reply(out, 200, "application/json", json_dumps(a.root, JSON_COMPACT));
    json_decref(a.root);
}
