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
 * order arrives it takes all its stored lines in (summed in SQL over the
 * index on sales_order_id), and when an order goes (or changes time or
 * customer) it takes them out of where they were. So time and customer
 * figures lag the product figures only while lines wait for their order.
 *
 * Margin is not kept: it is revenue - cost x units with the product's
 * current cost, computed by the views, so a product arriving late or
 * changing cost is right at once. A city's figures are its customers'
 * (agg_customer) under their current city: a customer moving city takes
 * them along. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
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

static int parse_text(enum column_kind kind, const char *text, long long *v) {
    if (kind == KIND_MONEY)
        return value_cents_parse(text, v);
    if (kind == KIND_TIME)
        return value_time_parse(text, v);
    char *end;
    *v = strtoll(text, &end, 10);
    return *text && !*end ? 0 : -1;
}

/* Reads column name of row as kind: a JSON integer (money: whole units; time:
 * epoch ms) or text (CSV gives every value as text). Absent: an error. */
static int column(const json_t *row, const char *table, const char *name, enum column_kind kind, struct opt *out,
                  char *err, size_t errlen) {
    const json_t *v = json_object_get(row, name);
    out->has = 0;
    out->v = 0;
    if (!v) {
        snprintf(err, errlen, "%s: the row has no column %s", table, name);
        return -1;
    }
    if (json_is_null(v))
        return 0;
    out->has = 1;
    if (json_is_integer(v)) {
        long long n = json_integer_value(v);
        out->v = kind == KIND_MONEY ? n * 100 : n;
        return 0;
    }
    if (json_is_string(v) && parse_text(kind, json_string_value(v), &out->v) == 0)
        return 0;
    snprintf(err, errlen, "%s.%s is not %s", table, name, kind_names[kind]);
    return -1;
}

static const char *text_column(const json_t *row, const char *name) {
    return json_string_value(json_object_get(row, name));
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
    ST_ORDER_LINES_SUM,
    ST_ORDER_LINES_BY_PRODUCT,
    ST_CUSTOMER_PUT,
    ST_CUSTOMER_DEL,
    ST_SUPPLIER_PUT,
    ST_SUPPLIER_DEL,
    ST_PRODUCT_PUT,
    ST_PRODUCT_DEL,
    ST_ORDER_GET,
    ST_ORDER_PUT,
    ST_ORDER_DEL,
    ST_LINE_GET,
    ST_LINE_PUT,
    ST_LINE_DEL,
    ST_PO_PUT,
    ST_PO_DEL,
    ST_PO_LINE_GET,
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
    [ST_ORDER_LINES_SUM] = "SELECT coalesce(sum(coalesce(quantity, 0) * coalesce(price_cents, 0)), 0),"
                           " coalesce(sum(coalesce(quantity, 0)), 0), count(*) FROM sales_order_details INDEXED BY"
                           " sales_order_details_by_order WHERE dc = ?1 AND sales_order_id = ?2",
    [ST_ORDER_LINES_BY_PRODUCT] =
        "INSERT INTO agg_product_minute SELECT dc, ?3, product_id, ?4 * sum(coalesce(quantity, 0) *"
        " coalesce(price_cents, 0)), ?4 * sum(coalesce(quantity, 0)), ?4 * count(*) FROM sales_order_details"
        " INDEXED BY sales_order_details_by_order WHERE dc = ?1 AND sales_order_id = ?2 AND product_id IS NOT NULL "
        "GROUP BY product_id"
        " ON CONFLICT DO UPDATE SET " ADD("revenue_cents") ", " ADD("units") ", " ADD("lines"),
    [ST_CUSTOMER_PUT] = "INSERT OR REPLACE INTO customers VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_CUSTOMER_DEL] = "DELETE FROM customers WHERE dc = ?1 AND id = ?2",
    [ST_SUPPLIER_PUT] = "INSERT OR REPLACE INTO suppliers VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_SUPPLIER_DEL] = "DELETE FROM suppliers WHERE dc = ?1 AND id = ?2",
    [ST_PRODUCT_PUT] = "INSERT OR REPLACE INTO products VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_PRODUCT_DEL] = "DELETE FROM products WHERE dc = ?1 AND id = ?2",
    [ST_ORDER_GET] = "SELECT order_ms, customer_id FROM sales_orders WHERE dc = ?1 AND id = ?2",
    [ST_ORDER_PUT] = "INSERT OR REPLACE INTO sales_orders VALUES(?1, ?2, ?3, ?4)",
    [ST_ORDER_DEL] = "DELETE FROM sales_orders WHERE dc = ?1 AND id = ?2",
    [ST_LINE_GET] = "SELECT sales_order_id, product_id, quantity, price_cents FROM sales_order_details"
                    " WHERE dc = ?1 AND id = ?2",
    [ST_LINE_PUT] = "INSERT OR REPLACE INTO sales_order_details VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_LINE_DEL] = "DELETE FROM sales_order_details WHERE dc = ?1 AND id = ?2",
    [ST_PO_PUT] = "INSERT OR REPLACE INTO purchase_orders VALUES(?1, ?2, ?3, ?4)",
    [ST_PO_DEL] = "DELETE FROM purchase_orders WHERE dc = ?1 AND id = ?2",
    [ST_PO_LINE_GET] = "SELECT purchase_order_id, product_id, quantity, cost_cents FROM purchase_order_details"
                       " WHERE dc = ?1 AND id = ?2",
    [ST_PO_LINE_PUT] = "INSERT OR REPLACE INTO purchase_order_details VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_PO_LINE_DEL] = "DELETE FROM purchase_order_details WHERE dc = ?1 AND id = ?2",
    [ST_EVENT_PUT] = "INSERT INTO out_of_stock_events VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_EVENT_DEL] = "DELETE FROM out_of_stock_events WHERE rowid = (SELECT rowid FROM out_of_stock_events"
                     " WHERE dc = ?1 AND product_id IS ?2 AND window_start IS ?3 AND window_end IS ?4 AND"
                     " stock_level IS ?5 AND demand_last_3mins IS ?6 AND quantity_to_purchase IS ?7 LIMIT 1)",
};
#undef ADD

/* Binds by types: 't' const char * (NULL: null), 'i' long long,
 * 'o' const struct opt *. */
static void bind_all(sqlite3_stmt *st, const char *types, va_list ap) {
    for (int i = 1; types[i - 1]; i++) {
        if (types[i - 1] == 't') {
            sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_STATIC);
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

/* ---- where a line's or an order's figures go, once both are known ---- */

struct order {
    struct opt minute, customer;
};

/* Figures of some lines (and orders) of one order, signed. */
struct figures {
    long long revenue, units, lines, orders;
};

static int attribute(struct store *s, const char *dc, const struct order *o, const struct figures *f, char *err,
                     size_t errlen) {
    if (o->minute.has &&
        run(s, ST_MINUTE, err, errlen, "tiiiii", dc, o->minute.v, f->revenue, f->units, f->lines, f->orders) != 0)
        return -1;
    if (!o->customer.has)
        return 0;
    long long c = o->customer.v;
    if (run(s, ST_CUSTOMER, err, errlen, "tiiiii", dc, c, f->revenue, f->units, f->lines, f->orders) != 0 ||
        run(s, ST_CITY, err, errlen, "tiiiii", dc, c, f->revenue, f->units, f->lines, f->orders) != 0)
        return -1;
    return o->minute.has ? run(s, ST_CUSTOMER_MINUTE, err, errlen, "tiiiiii", dc, o->minute.v, c, f->revenue, f->units,
                               f->lines, f->orders)
                         : 0;
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

/* An order's own count and all its stored lines, in (sign 1) or out (-1). */
static int order_count(struct store *s, const char *dc, long long id, const struct order *o, int sign, char *err,
                       size_t errlen) {
    sqlite3_stmt *st;
    if (query(s, ST_ORDER_LINES_SUM, &st, err, errlen, "ti", dc, id) != 1)
        return -1;
    struct figures f = {sign * sqlite3_column_int64(st, 0), sign * sqlite3_column_int64(st, 1),
                        sign * sqlite3_column_int64(st, 2), sign};
    sqlite3_reset(st);
    if (run(s, ST_TOTAL, err, errlen, "tiiiii", dc, 0LL, 0LL, 0LL, f.orders, -f.lines) != 0 ||
        attribute(s, dc, o, &f, err, errlen) != 0)
        return -1;
    if (!o->minute.has || f.lines == 0)
        return 0;
    return run(s, ST_ORDER_LINES_BY_PRODUCT, err, errlen, "tiii", dc, id, o->minute.v, (long long)sign);
}

/* ---- the tables ---- */

struct line {
    struct opt order, product, quantity, price;
};

static int line_count(struct store *s, const char *dc, const struct line *l, int sign, char *err, size_t errlen) {
    long long units = sign * or0(l->quantity), revenue = units * or0(l->price);
    struct order o;
    int found = l->order.has ? order_get(s, dc, l->order.v, &o, err, errlen) : 0;
    if (found < 0)
        return -1;
    if (run(s, ST_TOTAL, err, errlen, "tiiiii", dc, revenue, units, (long long)sign, 0LL,
            found ? 0LL : (long long)sign) != 0)
        return -1;
    if (l->product.has &&
        run(s, ST_PRODUCT, err, errlen, "tiiiii", dc, l->product.v, revenue, units, (long long)sign, 0LL) != 0)
        return -1;
    if (!found)
        return 0;
    struct figures f = {revenue, units, sign, 0};
    if (attribute(s, dc, &o, &f, err, errlen) != 0)
        return -1;
    if (!l->product.has || !o.minute.has)
        return 0;
    return run(s, ST_PRODUCT_MINUTE, err, errlen, "tiiiii", dc, o.minute.v, l->product.v, revenue, units,
               (long long)sign);
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

static int line_parse(const json_t *row, const char *table, const char *order_col, const char *money_col,
                      struct line *l, char *err, size_t errlen) {
    if (column(row, table, order_col, KIND_INT, &l->order, err, errlen) != 0 ||
        column(row, table, "product_id", KIND_INT, &l->product, err, errlen) != 0 ||
        column(row, table, "quantity", KIND_INT, &l->quantity, err, errlen) != 0)
        return -1;
    return column(row, table, money_col, KIND_MONEY, &l->price, err, errlen);
}

static int key_of(const json_t *row, const char *table, long long *id, char *err, size_t errlen) {
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

static int apply_sales_line(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    struct line old, now;
    int found = line_get(s, ST_LINE_GET, c->dc, id, &old, err, errlen);
    if (found < 0 || (found && line_count(s, c->dc, &old, -1, err, errlen) != 0))
        return -1;
    if (c->op == 'd')
        return run(s, ST_LINE_DEL, err, errlen, "ti", c->dc, id);
    if (line_parse(c->row, "sales_order_details", "sales_order_id", "price", &now, err, errlen) != 0 ||
        run(s, ST_LINE_PUT, err, errlen, "tioooo", c->dc, id, &now.order, &now.product, &now.quantity, &now.price) != 0)
        return -1;
    return line_count(s, c->dc, &now, 1, err, errlen);
}

static int purchase_count(struct store *s, const char *dc, const struct line *l, int sign, char *err, size_t errlen) {
    long long units = sign * or0(l->quantity);
    /* agg_total's row names the dc for the views' "every dc" filter. */
    if (run(s, ST_TOTAL, err, errlen, "tiiiii", dc, 0LL, 0LL, 0LL, 0LL, 0LL) != 0)
        return -1;
    if (l->product.has && run(s, ST_PRODUCT, err, errlen, "tiiiii", dc, l->product.v, 0LL, 0LL, 0LL, units) != 0)
        return -1;
    if (!l->order.has)
        return 0;
    return run(s, ST_PURCHASE_ORDER_AGG, err, errlen, "tiiii", dc, l->order.v, (long long)sign, units,
               units * or0(l->price));
}

static int apply_purchase_line(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    struct line old, now;
    int found = line_get(s, ST_PO_LINE_GET, c->dc, id, &old, err, errlen);
    if (found < 0 || (found && purchase_count(s, c->dc, &old, -1, err, errlen) != 0))
        return -1;
    if (c->op == 'd')
        return run(s, ST_PO_LINE_DEL, err, errlen, "ti", c->dc, id);
    if (line_parse(c->row, "purchase_order_details", "purchase_order_id", "cost", &now, err, errlen) != 0 ||
        run(s, ST_PO_LINE_PUT, err, errlen, "tioooo", c->dc, id, &now.order, &now.product, &now.quantity, &now.price) !=
            0)
        return -1;
    return purchase_count(s, c->dc, &now, 1, err, errlen);
}

static int apply_sales_order(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    struct order old, now;
    int found = order_get(s, c->dc, id, &old, err, errlen);
    if (found < 0 || (found && order_count(s, c->dc, id, &old, -1, err, errlen) != 0))
        return -1;
    if (c->op == 'd')
        return run(s, ST_ORDER_DEL, err, errlen, "ti", c->dc, id);
    struct opt ms;
    if (column(c->row, "sales_orders", "order_date", KIND_TIME, &ms, err, errlen) != 0 ||
        column(c->row, "sales_orders", "customer_id", KIND_INT, &now.customer, err, errlen) != 0 ||
        run(s, ST_ORDER_PUT, err, errlen, "tioo", c->dc, id, &ms, &now.customer) != 0)
        return -1;
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

static int apply_customer(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    if (run(s, ST_CITY_MOVE, err, errlen, "tii", c->dc, id, -1LL) != 0)
        return -1;
    const json_t *r = c->row;
    int rc = c->op == 'd' ? run(s, ST_CUSTOMER_DEL, err, errlen, "ti", c->dc, id)
                          : run(s, ST_CUSTOMER_PUT, err, errlen, "titttti", c->dc, id, text_column(r, "first_name"),
                                text_column(r, "last_name"), text_column(r, "email"), text_column(r, "city"),
                                text_column(r, "country"));
    return rc != 0 ? -1 : run(s, ST_CITY_MOVE, err, errlen, "tii", c->dc, id, 1LL);
}

static int apply_supplier(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    const json_t *r = c->row;
    if (c->op == 'd')
        return run(s, ST_SUPPLIER_DEL, err, errlen, "ti", c->dc, id);
    return run(s, ST_SUPPLIER_PUT, err, errlen, "titttt", c->dc, id, text_column(r, "name"), text_column(r, "email"),
               text_column(r, "city"), text_column(r, "country"));
}

static int apply_product(struct store *s, const struct store_change *c, long long id, char *err, size_t errlen) {
    if (c->op == 'd')
        return run(s, ST_PRODUCT_DEL, err, errlen, "ti", c->dc, id);
    struct opt price, cost;
    if (column(c->row, "products", "price", KIND_MONEY, &price, err, errlen) != 0 ||
        column(c->row, "products", "cost", KIND_MONEY, &cost, err, errlen) != 0)
        return -1;
    return run(s, ST_PRODUCT_PUT, err, errlen, "tittoo", c->dc, id, text_column(c->row, "name"),
               text_column(c->row, "description"), &price, &cost);
}

/* The keyless events table: a row is its own identity. */
static int event_row(struct store *s, enum stmt id, const char *dc, const json_t *row, char *err, size_t errlen) {
    const char *t = "out_of_stock_events";
    struct opt product, level, demand, quantity;
    if (column(row, t, "product_id", KIND_INT, &product, err, errlen) != 0 ||
        column(row, t, "stock_level", KIND_INT, &level, err, errlen) != 0 ||
        column(row, t, "demand_last_3mins", KIND_INT, &demand, err, errlen) != 0 ||
        column(row, t, "quantity_to_purchase", KIND_INT, &quantity, err, errlen) != 0)
        return -1;
    return run(s, id, err, errlen, "tottooo", dc, &product, text_column(row, "window_start_time"),
               text_column(row, "window_end_time"), &level, &demand, &quantity);
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
