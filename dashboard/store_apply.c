/* How one row change moves the store: the row's current state by key, and
 * every aggregate by exactly the difference it makes. A change is applied
 * as "take the stored row's contribution out, write the new row, put its
 * contribution in", so a create, a repeated create (a snapshot read again),
 * an update (quantity 2 -> 3) and a delete all leave the figures as a
 * fresh computation over the current rows would give them.
 *
 * Order lines and their orders come on different topics, so either may be
 * loaded first. Chosen: a line always counts at once where only the line is
 * needed (agg_total's revenue/units/lines, agg_product: revenue, units,
 * stock); where the order is needed (its minute, its customer and the
 * customer's city) a line counts only while its order is loaded. A line
 * whose order is missing is "pending" (agg_total.pending_lines); when the
 * order arrives it takes all its stored lines in (read over the covering
 * index sales_order_details_of_order), and when an order goes (or changes
 * time or customer) it takes them out of where they were. So time and customer
 * figures lag the product figures only while lines wait for their order.
 *
 * How it is written: a change's row goes to its table at once (the lookups
 * of later changes see it), but what it moves in the aggregates is summed
 * in memory by each table's key (store_deltas.h) and written when the file
 * commits, one upsert per key touched, in key order: a file of 10 000 lines
 * of one dc moves agg_total once, not 10 000 times. Only a customer's change
 * reads an aggregate (agg_customer, to move its figures to the new city):
 * the sums are written before it. A line's order is not looked up when its
 * id is above the dc's highest order id (read once per transaction: lines
 * loaded before their orders, every one), and once for the lines of one
 * order in a row (the last order looked up is kept until an order changes
 * or the transaction ends); a created row is inserted first (INSERT ... ON
 * CONFLICT DO NOTHING): only when it was there already is the stored row
 * read to take its contribution out.
 *
 * Margin is not kept: it is revenue - cost x units with the product's
 * current cost, computed by the views, so a product arriving late or
 * changing cost is right at once. A city's figures are its customers'
 * (agg_customer) under their current city: a customer moving city takes
 * them along. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_deltas.h"
#include "store_internal.h"
#include "values.h"

/* A nullable column: has is 0 for SQL NULL. */
struct opt {
    int has;
    long long v;
};

enum column_kind { KIND_INT, KIND_MONEY, KIND_TIME };

static const char *const kind_names[] = {"an integer", "a DECIMAL (exact text such as \"2.50\")",
                                         "a DATETIME (ISO 8601 text or epoch ms)"};

/* text[0..len) as kind, through a NUL-terminated copy. */
static int parse_text(enum column_kind kind, const char *text, size_t len, long long *v) {
    char buf[128], *copy = len < sizeof buf ? buf : malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, text, len);
    copy[len] = '\0';
    int rc;
    if (kind == KIND_MONEY) {
        rc = value_cents_parse(copy, v);
    } else if (kind == KIND_TIME) {
        rc = value_time_parse(copy, v);
    } else {
        char *end;
        *v = strtoll(copy, &end, 10);
        rc = *copy && !*end ? 0 : -1;
    }
    if (copy != buf)
        free(copy);
    return rc;
}

/* Reads column name of row as kind: an integer (money: whole units; time:
 * epoch ms) or text (CSV gives every value as text). Absent: an error. */
static int column(const struct store_row *row, const char *table, const char *name, enum column_kind kind,
                  struct opt *out, char *err, size_t errlen) {
    struct store_value v;
    out->has = 0;
    out->v = 0;
    if (row->column(row, name, &v) != 0) {
        snprintf(err, errlen, "%s: the row has no column %s", table, name);
        return -1;
    }
    if (v.type == STORE_VALUE_NULL)
        return 0;
    out->has = 1;
    if (v.type == STORE_VALUE_INT) {
        out->v = kind == KIND_MONEY ? v.i * 100 : v.i;
        return 0;
    }
    if (v.type == STORE_VALUE_TEXT && parse_text(kind, v.text, v.len, &out->v) == 0)
        return 0;
    snprintf(err, errlen, "%s.%s is not %s", table, name, kind_names[kind]);
    return -1;
}

/* A text column as bound: NULL for SQL NULL (absent, or not text). */
struct text {
    const char *p;
    int len;
};

static struct text text_column(const struct store_row *row, const char *name) {
    struct store_value v;
    struct text t = {NULL, 0};
    if (row->column(row, name, &v) == 0 && v.type == STORE_VALUE_TEXT && v.len <= 0x7fffffff) {
        /* up to a NUL, as the C string it was before */
        const char *nul = memchr(v.text, '\0', v.len);
        t.p = v.text;
        t.len = (int)(nul ? (size_t)(nul - v.text) : v.len);
    }
    return t;
}

enum stmt {
    ST_TOTAL,
    ST_PRODUCT,
    ST_MINUTE,
    ST_PRODUCT_MINUTE,
    ST_CUSTOMER,
    ST_CUSTOMER_MINUTE,
    ST_CITY,
    ST_CITY_MOVE,
    ST_PURCHASE_ORDER_AGG,
    ST_ORDER_LINES,
    ST_CUSTOMER_PUT,
    ST_CUSTOMER_DEL,
    ST_SUPPLIER_PUT,
    ST_SUPPLIER_DEL,
    ST_PRODUCT_PUT,
    ST_PRODUCT_DEL,
    ST_ORDER_GET,
    ST_ORDER_MAX,
    ST_ORDER_ADD,
    ST_ORDER_PUT,
    ST_ORDER_DEL,
    ST_LINE_GET,
    ST_LINE_ADD,
    ST_LINE_PUT,
    ST_LINE_DEL,
    ST_PO_PUT,
    ST_PO_DEL,
    ST_PO_LINE_GET,
    ST_PO_LINE_ADD,
    ST_PO_LINE_PUT,
    ST_PO_LINE_DEL,
    ST_EVENT_PUT,
    ST_EVENT_DEL,
    ST_COUNT
};

_Static_assert(ST_COUNT <= STORE_STMTS - 3, "store_internal.h: STORE_STMTS too small");

#define ADD(c) c " = " c " + excluded." c
static const char *const sql[ST_COUNT] = {
    [ST_TOTAL] = "INSERT INTO agg_total VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET " ADD(
        "revenue_cents") ", " ADD("units") ", " ADD("lines") ", " ADD("orders") ", " ADD("pending_lines"),
    [ST_PRODUCT] = "INSERT INTO agg_product VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET " ADD(
        "revenue_cents") ", " ADD("units") ", " ADD("lines") ", " ADD("purchased"),
    [ST_MINUTE] = "INSERT INTO agg_minute VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET " ADD(
        "revenue_cents") ", " ADD("units") ", " ADD("lines") ", " ADD("orders"),
    [ST_PRODUCT_MINUTE] = "INSERT INTO agg_product_minute VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE"
                          " SET " ADD("revenue_cents") ", " ADD("units") ", " ADD("lines"),
    [ST_CUSTOMER] = "INSERT INTO agg_customer VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET " ADD(
        "revenue_cents") ", " ADD("units") ", " ADD("lines") ", " ADD("orders"),
    [ST_CUSTOMER_MINUTE] = "INSERT INTO agg_customer_minute VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO"
                           " UPDATE SET " ADD("revenue_cents") ", " ADD("units") ", " ADD("lines") ", " ADD("orders"),
    [ST_CITY] = "INSERT INTO agg_city SELECT dc, city, ?3, ?4, ?5, ?6 FROM customers WHERE dc = ?1 AND id = ?2"
                " AND city IS NOT NULL ON CONFLICT DO UPDATE SET " ADD("revenue_cents") ", " ADD("units") ", " ADD(
                    "lines") ", " ADD("orders"),
    [ST_CITY_MOVE] = "INSERT INTO agg_city SELECT c.dc, c.city, ?3 * a.revenue_cents, ?3 * a.units, ?3 * a.lines,"
                     " ?3 * a.orders FROM customers c JOIN agg_customer a ON a.dc = c.dc AND a.customer_id = c.id"
                     " WHERE c.dc = ?1 AND c.id = ?2 AND c.city IS NOT NULL ON CONFLICT DO UPDATE SET " ADD(
                         "revenue_cents") ", " ADD("units") ", " ADD("lines") ", " ADD("orders"),
    [ST_PURCHASE_ORDER_AGG] = "INSERT INTO agg_purchase_order VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE"
                              " SET " ADD("lines") ", " ADD("units") ", " ADD("cost_cents"),
    [ST_ORDER_LINES] = "SELECT product_id, quantity, price_cents FROM sales_order_details INDEXED BY"
                       " sales_order_details_of_order WHERE dc = ?1 AND sales_order_id = ?2",
    [ST_CUSTOMER_PUT] = "INSERT OR REPLACE INTO customers VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_CUSTOMER_DEL] = "DELETE FROM customers WHERE dc = ?1 AND id = ?2",
    [ST_SUPPLIER_PUT] = "INSERT OR REPLACE INTO suppliers VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_SUPPLIER_DEL] = "DELETE FROM suppliers WHERE dc = ?1 AND id = ?2",
    [ST_PRODUCT_PUT] = "INSERT OR REPLACE INTO products VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_PRODUCT_DEL] = "DELETE FROM products WHERE dc = ?1 AND id = ?2",
    [ST_ORDER_GET] = "SELECT order_ms, customer_id FROM sales_orders WHERE dc = ?1 AND id = ?2",
    [ST_ORDER_MAX] = "SELECT max(id) FROM sales_orders WHERE dc = ?1",
    [ST_ORDER_ADD] = "INSERT INTO sales_orders VALUES(?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    [ST_ORDER_PUT] = "INSERT OR REPLACE INTO sales_orders VALUES(?1, ?2, ?3, ?4)",
    [ST_ORDER_DEL] = "DELETE FROM sales_orders WHERE dc = ?1 AND id = ?2",
    [ST_LINE_GET] = "SELECT sales_order_id, product_id, quantity, price_cents FROM sales_order_details"
                    " WHERE dc = ?1 AND id = ?2",
    [ST_LINE_ADD] = "INSERT INTO sales_order_details VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    [ST_LINE_PUT] = "INSERT OR REPLACE INTO sales_order_details VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_LINE_DEL] = "DELETE FROM sales_order_details WHERE dc = ?1 AND id = ?2",
    [ST_PO_PUT] = "INSERT OR REPLACE INTO purchase_orders VALUES(?1, ?2, ?3, ?4)",
    [ST_PO_DEL] = "DELETE FROM purchase_orders WHERE dc = ?1 AND id = ?2",
    [ST_PO_LINE_GET] = "SELECT purchase_order_id, product_id, quantity, cost_cents FROM purchase_order_details"
                       " WHERE dc = ?1 AND id = ?2",
    [ST_PO_LINE_ADD] = "INSERT INTO purchase_order_details VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
    [ST_PO_LINE_PUT] = "INSERT OR REPLACE INTO purchase_order_details VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_PO_LINE_DEL] = "DELETE FROM purchase_order_details WHERE dc = ?1 AND id = ?2",
    [ST_EVENT_PUT] = "INSERT INTO out_of_stock_events VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_EVENT_DEL] = "DELETE FROM out_of_stock_events WHERE rowid = (SELECT rowid FROM out_of_stock_events"
                     " WHERE dc = ?1 AND product_id IS ?2 AND window_start IS ?3 AND window_end IS ?4 AND"
                     " stock_level IS ?5 AND demand_last_3mins IS ?6 AND quantity_to_purchase IS ?7 LIMIT 1)",
};
#undef ADD

/* Binds by types: 't' const char * (NULL: null), 's' const struct text *,
 * 'i' long long, 'o' const struct opt *. */
static void bind_all(sqlite3_stmt *st, const char *types, va_list ap) {
    for (int i = 1; types[i - 1]; i++) {
        if (types[i - 1] == 't') {
            sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_STATIC);
        } else if (types[i - 1] == 's') {
            const struct text *t = va_arg(ap, const struct text *);
            sqlite3_bind_text(st, i, t->p, t->len, SQLITE_STATIC);
        } else if (types[i - 1] == 'i') {
            sqlite3_bind_int64(st, i, va_arg(ap, long long));
        } else {
            const struct opt *o = va_arg(ap, const struct opt *);
            if (o->has)
                sqlite3_bind_int64(st, i, o->v);
            else
                sqlite3_bind_null(st, i);
        }
    }
}

/* Runs statement id to its end. */
static int run(struct store *s, enum stmt id, char *err, size_t errlen, const char *types, ...) {
    sqlite3_stmt *st = store_stmt(s, id, sql[id], err, errlen);
    if (!st)
        return -1;
    va_list ap;
    va_start(ap, types);
    bind_all(st, types, ap);
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, "write", err, errlen);
}

/* Runs query id: 1 with the statement on its row (the caller reads it and
 * calls sqlite3_reset), 0 when there is none, -1 on error. */
static int query(struct store *s, enum stmt id, sqlite3_stmt **out, char *err, size_t errlen, const char *types, ...) {
    sqlite3_stmt *st = store_stmt(s, id, sql[id], err, errlen);
    if (!st)
        return -1;
    va_list ap;
    va_start(ap, types);
    bind_all(st, types, ap);
    va_end(ap);
    int rc = sqlite3_step(st);
    *out = st;
    if (rc == SQLITE_ROW)
        return 1;
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, "read", err, errlen);
}

static struct opt column_opt(sqlite3_stmt *st, int i) {
    struct opt o = {sqlite3_column_type(st, i) != SQLITE_NULL, sqlite3_column_int64(st, i)};
    return o;
}

static long long or0(struct opt o) { return o.has ? o.v : 0; }

/* ---- the transaction's pending aggregate changes ---- */

/* The aggregate tables, each a map of summed changes; the values in the
 * order of the table's columns after its key. */
enum agg {
    AGG_TOTAL,           /* (dc): revenue, units, lines, orders, pending_lines */
    AGG_PRODUCT,         /* (dc, product): revenue, units, lines, purchased */
    AGG_MINUTE,          /* (dc, minute): revenue, units, lines, orders */
    AGG_PRODUCT_MINUTE,  /* (dc, minute, product): revenue, units, lines */
    AGG_CUSTOMER,        /* (dc, customer): revenue, units, lines, orders; and the customer's city */
    AGG_CUSTOMER_MINUTE, /* (dc, minute, customer): revenue, units, lines, orders */
    AGG_PURCHASE_ORDER,  /* (dc, purchase order): lines, units, cost */
    AGG_COUNT
};

struct order {
    struct opt minute, customer;
};

/* The highest order id stored for a dc: a line of an order above it has no
 * order to look up (lines before their orders: every one). */
struct order_bound {
    char dc[32];
    long long max_id; /* LLONG_MIN: no order */
};

#define ORDER_BOUNDS 8

struct store_pending {
    struct delta_map *maps[AGG_COUNT];
    int oom;                                 /* a touch failed: the transaction cannot commit */
    struct order_bound bounds[ORDER_BOUNDS]; /* this transaction's, for the dcs seen so far */
    int bound_count;
    /* the last order looked up: a line's, for the lines after it */
    int cached;
    char cached_dc[32];
    long long cached_id;
    int cached_found;
    struct order cached_order;
};

struct store_pending *store_pending_new(void) {
    struct store_pending *p = calloc(1, sizeof *p);
    for (int i = 0; p && i < AGG_COUNT; i++)
        if (!(p->maps[i] = delta_map_new())) {
            store_pending_free(p);
            return NULL;
        }
    return p;
}

void store_pending_free(struct store_pending *p) {
    if (!p)
        return;
    for (int i = 0; i < AGG_COUNT; i++)
        delta_map_free(p->maps[i]);
    free(p);
}

void store_pending_forget(struct store *s) {
    struct store_pending *p = s->pending;
    for (int i = 0; i < AGG_COUNT; i++)
        delta_map_clear(p->maps[i]);
    p->oom = 0;
    p->cached = 0;
    p->bound_count = 0;
}

/* Adds n values to the sums of (dc, a, b) of table agg. */
static void add(struct store *s, enum agg agg, const char *dc, long long a, long long b, int n, const long long *v) {
    long long *sums = delta_map_touch(s->pending->maps[agg], dc, a, b);
    if (!sums) {
        s->pending->oom = 1;
        return;
    }
    for (int i = 0; i < n; i++)
        sums[i] += v[i];
}

static int flush_map(struct store *s, enum agg agg, char *err, size_t errlen) {
    const struct delta_entry *e;
    size_t n;
    if (delta_map_sorted(s->pending->maps[agg], &e, &n) != 0) {
        snprintf(err, errlen, "out of memory summing the aggregates");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const long long *v = e[i].v;
        int rc = 0;
        switch (agg) {
        case AGG_TOTAL:
            rc = run(s, ST_TOTAL, err, errlen, "tiiiii", e[i].dc, v[0], v[1], v[2], v[3], v[4]);
            break;
        case AGG_PRODUCT:
            rc = run(s, ST_PRODUCT, err, errlen, "tiiiii", e[i].dc, e[i].a, v[0], v[1], v[2], v[3]);
            break;
        case AGG_MINUTE:
            rc = run(s, ST_MINUTE, err, errlen, "tiiiii", e[i].dc, e[i].a, v[0], v[1], v[2], v[3]);
            break;
        case AGG_PRODUCT_MINUTE:
            rc = run(s, ST_PRODUCT_MINUTE, err, errlen, "tiiiii", e[i].dc, e[i].a, e[i].b, v[0], v[1], v[2]);
            break;
        case AGG_CUSTOMER:
            /* the city: the customer's now, as no customer changed since */
            rc = run(s, ST_CUSTOMER, err, errlen, "tiiiii", e[i].dc, e[i].a, v[0], v[1], v[2], v[3]) != 0 ||
                         run(s, ST_CITY, err, errlen, "tiiiii", e[i].dc, e[i].a, v[0], v[1], v[2], v[3]) != 0
                     ? -1
                     : 0;
            break;
        case AGG_CUSTOMER_MINUTE:
            rc = run(s, ST_CUSTOMER_MINUTE, err, errlen, "tiiiiii", e[i].dc, e[i].a, e[i].b, v[0], v[1], v[2], v[3]);
            break;
        case AGG_PURCHASE_ORDER:
            rc = run(s, ST_PURCHASE_ORDER_AGG, err, errlen, "tiiii", e[i].dc, e[i].a, v[0], v[1], v[2]);
            break;
        case AGG_COUNT:
            break;
        }
        if (rc != 0)
            return -1;
    }
    delta_map_clear(s->pending->maps[agg]);
    return 0;
}

int store_pending_flush(struct store *s, char *err, size_t errlen) {
    if (s->pending->oom) {
        snprintf(err, errlen, "out of memory summing the aggregates");
        return -1;
    }
    for (int i = 0; i < AGG_COUNT; i++)
        if (flush_map(s, (enum agg)i, err, errlen) != 0)
            return -1;
    return 0;
}

/* ---- where a line's or an order's figures go, once both are known ---- */

/* Figures of some lines (and orders) of one order, signed. */
struct figures {
    long long revenue, units, lines, orders;
};

static void attribute(struct store *s, const char *dc, const struct order *o, const struct figures *f) {
    const long long v[4] = {f->revenue, f->units, f->lines, f->orders};
    if (o->minute.has)
        add(s, AGG_MINUTE, dc, o->minute.v, 0, 4, v);
    if (!o->customer.has)
        return;
    add(s, AGG_CUSTOMER, dc, o->customer.v, 0, 4, v);
    if (o->minute.has)
        add(s, AGG_CUSTOMER_MINUTE, dc, o->minute.v, o->customer.v, 4, v);
}

static int order_get(struct store *s, const char *dc, long long id, struct order *o, char *err, size_t errlen) {
    sqlite3_stmt *st;
    int found = query(s, ST_ORDER_GET, &st, err, errlen, "ti", dc, id);
    if (found == 1) {
        struct opt ms = column_opt(st, 0);
        o->minute.has = ms.has;
        o->minute.v = ms.has ? value_minute(ms.v) : 0;
        o->customer = column_opt(st, 1);
        sqlite3_reset(st);
    }
    return found;
}

/* dc's order bound in this transaction (read on first need); NULL when
 * there is no room for another dc (then every line looks its order up). */
static struct order_bound *order_bound(struct store *s, const char *dc, char *err, size_t errlen, int *failed) {
    struct store_pending *p = s->pending;
    for (int i = 0; i < p->bound_count; i++)
        if (strcmp(p->bounds[i].dc, dc) == 0)
            return &p->bounds[i];
    if (p->bound_count == ORDER_BOUNDS || strlen(dc) >= sizeof p->bounds[0].dc)
        return NULL;
    sqlite3_stmt *st;
    if (query(s, ST_ORDER_MAX, &st, err, errlen, "t", dc) != 1) {
        *failed = 1;
        return NULL;
    }
    struct order_bound *b = &p->bounds[p->bound_count++];
    snprintf(b->dc, sizeof b->dc, "%s", dc);
    b->max_id = sqlite3_column_type(st, 0) == SQLITE_NULL ? LLONG_MIN : sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return b;
}

/* order_get for a line: none above the dc's highest order id, else through
 * the one-order cache (an order's lines come together). */
static int line_order(struct store *s, const char *dc, long long id, struct order *o, char *err, size_t errlen) {
    struct store_pending *p = s->pending;
    if (p->cached && p->cached_id == id && strcmp(p->cached_dc, dc) == 0) {
        *o = p->cached_order;
        return p->cached_found;
    }
    int failed = 0;
    const struct order_bound *b = order_bound(s, dc, err, errlen, &failed);
    if (failed)
        return -1;
    if (b && id > b->max_id)
        return 0;
    int found = order_get(s, dc, id, o, err, errlen);
    if (found < 0)
        return -1;
    p->cached = strlen(dc) < sizeof p->cached_dc;
    snprintf(p->cached_dc, sizeof p->cached_dc, "%s", dc);
    p->cached_id = id;
    p->cached_found = found;
    p->cached_order = *o;
    return found;
}

/* An order's own count and all its stored lines, in (sign 1) or out (-1). */
static int order_count(struct store *s, const char *dc, long long id, const struct order *o, int sign, char *err,
                       size_t errlen) {
    sqlite3_stmt *st = store_stmt(s, ST_ORDER_LINES, sql[ST_ORDER_LINES], err, errlen);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, dc, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    struct figures f = {0, 0, 0, sign};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct opt product = column_opt(st, 0);
        long long units = sign * or0(column_opt(st, 1)), revenue = units * or0(column_opt(st, 2));
        f.revenue += revenue;
        f.units += units;
        f.lines += sign;
        if (o->minute.has && product.has) {
            const long long v[3] = {revenue, units, sign};
            add(s, AGG_PRODUCT_MINUTE, dc, o->minute.v, product.v, 3, v);
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return store_fail(s, "read", err, errlen);
    const long long total[5] = {0, 0, 0, f.orders, -f.lines};
    add(s, AGG_TOTAL, dc, 0, 0, 5, total);
    attribute(s, dc, o, &f);
    return 0;
}

/* ---- the tables ---- */

struct line {
    struct opt order, product, quantity, price;
};

static int line_count(struct store *s, const char *dc, const struct line *l, int sign, char *err, size_t errlen) {
    long long units = sign * or0(l->quantity), revenue = units * or0(l->price);
    struct order o;
    int found = l->order.has ? line_order(s, dc, l->order.v, &o, err, errlen) : 0;
    if (found < 0)
        return -1;
    const long long total[5] = {revenue, units, sign, 0, found ? 0 : sign};
    add(s, AGG_TOTAL, dc, 0, 0, 5, total);
    if (l->product.has) {
        const long long v[4] = {revenue, units, sign, 0};
        add(s, AGG_PRODUCT, dc, l->product.v, 0, 4, v);
    }
    if (!found)
        return 0;
    struct figures f = {revenue, units, sign, 0};
    attribute(s, dc, &o, &f);
    if (l->product.has && o.minute.has) {
        const long long v[3] = {revenue, units, sign};
        add(s, AGG_PRODUCT_MINUTE, dc, o.minute.v, l->product.v, 3, v);
    }
    return 0;
}

/* The stored row of a lines table (sales or purchase): 1, 0 or -1. */
static int line_get(struct store *s, enum stmt id, const char *dc, long long key, struct line *l, char *err,
                    size_t errlen) {
    sqlite3_stmt *st;
    int found = query(s, id, &st, err, errlen, "ti", dc, key);
    if (found == 1) {
        l->order = column_opt(st, 0);
        l->product = column_opt(st, 1);
        l->quantity = column_opt(st, 2);
        l->price = column_opt(st, 3);
        sqlite3_reset(st);
    }
    return found;
}

static int line_parse(const struct store_row *row, const char *table, const char *order_col, const char *money_col,
                      struct line *l, char *err, size_t errlen) {
    if (column(row, table, order_col, KIND_INT, &l->order, err, errlen) != 0 ||
        column(row, table, "product_id", KIND_INT, &l->product, err, errlen) != 0 ||
        column(row, table, "quantity", KIND_INT, &l->quantity, err, errlen) != 0)
        return -1;
    return column(row, table, money_col, KIND_MONEY, &l->price, err, errlen);
}

static int key_of(const struct store_row *row, const char *table, long long *id, char *err, size_t errlen) {
    struct opt key;
    if (column(row, table, "id", KIND_INT, &key, err, errlen) != 0)
        return -1;
    if (!key.has) {
        snprintf(err, errlen, "%s: the key id is null", table);
        return -1;
    }
    *id = key.v;
    return 0;
}

typedef int (*count_fn)(struct store *, const char *, const struct line *, int, char *, size_t);

/* The statements of one lines table. */
struct lines_table {
    const char *name, *order_col, *money_col;
    enum stmt get, add, put, del;
    count_fn count;
};

/* A change of a lines table: the stored row's contribution out (when there
 * is one), the row written, its contribution in. */
static int apply_line(struct store *s, const struct store_change *c, long long id, const struct lines_table *t,
                      char *err, size_t errlen) {
    struct line old, now;
    if (c->op == 'd') {
        int found = line_get(s, t->get, c->dc, id, &old, err, errlen);
        if (found < 0 || (found && t->count(s, c->dc, &old, -1, err, errlen) != 0))
            return -1;
        return run(s, t->del, err, errlen, "ti", c->dc, id);
    }
    if (line_parse(c->row, t->name, t->order_col, t->money_col, &now, err, errlen) != 0 ||
        run(s, t->add, err, errlen, "tioooo", c->dc, id, &now.order, &now.product, &now.quantity, &now.price) != 0)
        return -1;
    if (sqlite3_changes(s->db) == 0) { /* there already: an update, or a snapshot read again */
        int found = line_get(s, t->get, c->dc, id, &old, err, errlen);
        if (found < 0 || (found && t->count(s, c->dc, &old, -1, err, errlen) != 0) ||
            run(s, t->put, err, errlen, "tioooo", c->dc, id, &now.order, &now.product, &now.quantity, &now.price) != 0)
            return -1;
    }
    return t->count(s, c->dc, &now, 1, err, errlen);
}

static const struct lines_table sales_lines = {"sales_order_details", "sales_order_id", "price",     ST_LINE_GET,
                                               ST_LINE_ADD,           ST_LINE_PUT,      ST_LINE_DEL, line_count};

static int apply_sales_line(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    return apply_line(s, c, id, &sales_lines, err, errlen);
}

static int purchase_count(struct store *s, const char *dc, const struct line *l, int sign, char *err, size_t errlen) {
    (void)err;
    (void)errlen;
    long long units = sign * or0(l->quantity);
    /* agg_total's row names the dc for the views' "every dc" filter. */
    const long long zero[5] = {0};
    add(s, AGG_TOTAL, dc, 0, 0, 5, zero);
    if (l->product.has) {
        const long long v[4] = {0, 0, 0, units};
        add(s, AGG_PRODUCT, dc, l->product.v, 0, 4, v);
    }
    if (l->order.has) {
        const long long v[3] = {sign, units, units * or0(l->price)};
        add(s, AGG_PURCHASE_ORDER, dc, l->order.v, 0, 3, v);
    }
    return 0;
}

static const struct lines_table purchase_lines = {"purchase_order_details", "purchase_order_id", "cost",
                                                  ST_PO_LINE_GET,           ST_PO_LINE_ADD,      ST_PO_LINE_PUT,
                                                  ST_PO_LINE_DEL,           purchase_count};

static int apply_purchase_line(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    return apply_line(s, c, id, &purchase_lines, err, errlen);
}

static int apply_sales_order(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    struct order old, now;
    s->pending->cached = 0; /* the order a line looked up may be this one */
    if (c->op == 'd') {
        int found = order_get(s, c->dc, id, &old, err, errlen);
        if (found < 0 || (found && order_count(s, c->dc, id, &old, -1, err, errlen) != 0))
            return -1;
        return run(s, ST_ORDER_DEL, err, errlen, "ti", c->dc, id);
    }
    struct opt ms;
    if (column(c->row, "sales_orders", "order_date", KIND_TIME, &ms, err, errlen) != 0 ||
        column(c->row, "sales_orders", "customer_id", KIND_INT, &now.customer, err, errlen) != 0 ||
        run(s, ST_ORDER_ADD, err, errlen, "tioo", c->dc, id, &ms, &now.customer) != 0)
        return -1;
    if (sqlite3_changes(s->db) == 0) { /* there already */
        int found = order_get(s, c->dc, id, &old, err, errlen);
        if (found < 0 || (found && order_count(s, c->dc, id, &old, -1, err, errlen) != 0) ||
            run(s, ST_ORDER_PUT, err, errlen, "tioo", c->dc, id, &ms, &now.customer) != 0)
            return -1;
    }
    for (int i = 0; i < s->pending->bound_count; i++)
        if (strcmp(s->pending->bounds[i].dc, c->dc) == 0 && id > s->pending->bounds[i].max_id)
            s->pending->bounds[i].max_id = id;
    now.minute.has = ms.has;
    now.minute.v = ms.has ? value_minute(ms.v) : 0;
    return order_count(s, c->dc, id, &now, 1, err, errlen);
}

static int apply_purchase_order(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    if (c->op == 'd')
        return run(s, ST_PO_DEL, err, errlen, "ti", c->dc, id);
    struct opt ms, supplier;
    if (column(c->row, "purchase_orders", "order_date", KIND_TIME, &ms, err, errlen) != 0 ||
        column(c->row, "purchase_orders", "supplier_id", KIND_INT, &supplier, err, errlen) != 0)
        return -1;
    return run(s, ST_PO_PUT, err, errlen, "tioo", c->dc, id, &ms, &supplier);
}

/* A customer's figures move with their city: agg_customer must be up to
 * date first, and the pending figures go to the city they had. */
static int apply_customer(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    if (store_pending_flush(s, err, errlen) != 0 || run(s, ST_CITY_MOVE, err, errlen, "tii", c->dc, id, -1LL) != 0)
        return -1;
    const struct store_row *r = c->row;
    int rc;
    if (c->op == 'd') {
        rc = run(s, ST_CUSTOMER_DEL, err, errlen, "ti", c->dc, id);
    } else {
        struct text first = text_column(r, "first_name"), last = text_column(r, "last_name"),
                    email = text_column(r, "email"), city = text_column(r, "city"), country = text_column(r, "country");
        rc = run(s, ST_CUSTOMER_PUT, err, errlen, "tisssss", c->dc, id, &first, &last, &email, &city, &country);
    }
    return rc != 0 ? -1 : run(s, ST_CITY_MOVE, err, errlen, "tii", c->dc, id, 1LL);
}

static int apply_supplier(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    const struct store_row *r = c->row;
    if (c->op == 'd')
        return run(s, ST_SUPPLIER_DEL, err, errlen, "ti", c->dc, id);
    struct text name = text_column(r, "name"), email = text_column(r, "email"), city = text_column(r, "city"),
                country = text_column(r, "country");
    return run(s, ST_SUPPLIER_PUT, err, errlen, "tissss", c->dc, id, &name, &email, &city, &country);
}

static int apply_product(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    if (c->op == 'd')
        return run(s, ST_PRODUCT_DEL, err, errlen, "ti", c->dc, id);
    struct opt price, cost;
    if (column(c->row, "products", "price", KIND_MONEY, &price, err, errlen) != 0 ||
        column(c->row, "products", "cost", KIND_MONEY, &cost, err, errlen) != 0)
        return -1;
    struct text name = text_column(c->row, "name"), description = text_column(c->row, "description");
    return run(s, ST_PRODUCT_PUT, err, errlen, "tissoo", c->dc, id, &name, &description, &price, &cost);
}

/* The keyless events table: a row is its own identity. */
static int event_row(struct store *s, enum stmt id, const char *dc, const struct store_row *row, char *err,
                     size_t errlen) {
    const char *t = "out_of_stock_events";
    struct opt product, level, demand, quantity;
    if (column(row, t, "product_id", KIND_INT, &product, err, errlen) != 0 ||
        column(row, t, "stock_level", KIND_INT, &level, err, errlen) != 0 ||
        column(row, t, "demand_last_3mins", KIND_INT, &demand, err, errlen) != 0 ||
        column(row, t, "quantity_to_purchase", KIND_INT, &quantity, err, errlen) != 0)
        return -1;
    struct text start = text_column(row, "window_start_time"), end = text_column(row, "window_end_time");
    return run(s, id, err, errlen, "tossooo", dc, &product, &start, &end, &level, &demand, &quantity);
}

static int apply_event(struct store *s, const struct store_change *c, char *err, size_t errlen) {
    if (c->op == 'd')
        return event_row(s, ST_EVENT_DEL, c->dc, c->row, err, errlen);
    if (c->op == 'u' && c->before && event_row(s, ST_EVENT_DEL, c->dc, c->before, err, errlen) != 0)
        return -1;
    return event_row(s, ST_EVENT_PUT, c->dc, c->row, err, errlen);
}

typedef int (*apply_fn)(struct store *, const struct store_change *, long long, char *, size_t);

static const struct {
    const char *table;
    apply_fn apply;
} keyed[] = {
    {"sales_order_details", apply_sales_line},
    {"sales_orders", apply_sales_order},
    {"purchase_order_details", apply_purchase_line},
    {"purchase_orders", apply_purchase_order},
    {"customers", apply_customer},
    {"suppliers", apply_supplier},
    {"products", apply_product},
};

static int is_events_table(const char *table) {
    const char *name = "out_of_stock_events";
    size_t n = strlen(table), k = strlen(name);
    return n >= k && strcmp(table + n - k, name) == 0 && (n == k || table[n - k - 1] == '_');
}

int store_apply(struct store *s, const struct store_change *c, char *err, size_t errlen) {
    if (is_events_table(c->table))
        return apply_event(s, c, err, errlen);
    for (size_t i = 0; i < sizeof keyed / sizeof keyed[0]; i++) {
        if (strcmp(c->table, keyed[i].table) != 0)
            continue;
        long long id;
        if (key_of(c->row, c->table, &id, err, errlen) != 0)
            return -1;
        return keyed[i].apply(s, c, id, err, errlen);
    }
    return 1;
}
