/* SQL text for the model's actions: see sql.h. */
#include "sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

void sql_format_datetime(long long epoch_s, char out[20]) {
    time_t t = (time_t)epoch_s;
    struct tm utc;
    gmtime_r(&t, &utc);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &utc);
}

/* Appends to one statement; the sizes of actions are bounded, so the buffer
 * always has room (a truncation would show as an SQL error, never overflow). */
static void append(char *text, size_t *used, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *text, size_t *used, const char *fmt, ...) {
    if (*used >= SQL_STATEMENT_SIZE)
        return;
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(text + *used, SQL_STATEMENT_SIZE - *used, fmt, args);
    va_end(args);
    if (n > 0)
        *used += (size_t)n;
}

static char *next_statement(struct sql_batch *batch, size_t *used) {
    *used = 0;
    return batch->text[batch->count++];
}

static void lines_values(char *text, size_t *used, int parent_id, const struct order_line *lines, int count) {
    for (int i = 0; i < count; i++)
        append(text, used, "%s(%d,%d,%d,%d,%lld.%02lld)", i ? "," : "", lines[i].id, parent_id, lines[i].product_id,
               lines[i].quantity, lines[i].unit_cents / 100, lines[i].unit_cents % 100);
}

static void sales_order_sql(const struct action *a, struct sql_batch *batch) {
    const struct sales_order *so = &a->u.sales;
    char date[20];
    size_t used;
    char *text;
    sql_format_datetime(a->at_ms / 1000, date);
    if (so->is_new_customer) {
        const struct customer *c = &so->customer;
        text = next_statement(batch, &used);
        append(text, &used,
               "INSERT INTO customers (id,first_name,last_name,email,city,country) "
               "VALUES (%d,'%s','%s','%s','%s','United Kingdom')",
               c->id, c->first_name, c->last_name, c->email, c->city);
    }
    text = next_statement(batch, &used);
    append(text, &used, "INSERT INTO sales_orders (id,order_date,customer_id) VALUES (%d,'%s',%d)", so->id, date,
           so->customer_id);
    text = next_statement(batch, &used);
    append(text, &used, "INSERT INTO sales_order_details (id,sales_order_id,product_id,quantity,price) VALUES ");
    lines_values(text, &used, so->id, so->lines, so->line_count);
}

static void purchase_order_sql(const struct action *a, const char *dc, struct sql_batch *batch) {
    const struct purchase_order *po = &a->u.purchase;
    char date[20], window_start[20], window_end[20];
    size_t used;
    char *text;
    sql_format_datetime(a->at_ms / 1000, date);
    sql_format_datetime(po->window_start_s, window_start);
    sql_format_datetime(po->window_end_s, window_end);
    text = next_statement(batch, &used);
    append(text, &used, "INSERT INTO purchase_orders (id,order_date,supplier_id) VALUES (%d,'%s',%d)", po->id, date,
           po->supplier_id);
    text = next_statement(batch, &used);
    append(text, &used, "INSERT INTO purchase_order_details (id,purchase_order_id,product_id,quantity,cost) VALUES ");
    lines_values(text, &used, po->id, po->lines, po->line_count);
    text = next_statement(batch, &used);
    append(text, &used,
           "INSERT INTO %s_out_of_stock_events (product_id,window_start_time,window_end_time,stock_level,"
           "demand_last_3mins,quantity_to_purchase) VALUES ",
           dc);
    for (int i = 0; i < po->line_count; i++) {
        const struct out_of_stock_event *e = &po->events[i];
        append(text, &used, "%s(%d,'%s','%s',%lld,%lld,%lld)", i ? "," : "", e->product_id, window_start, window_end,
               e->stock_level, e->demand_last_3mins, e->quantity_to_purchase);
    }
}

void sql_for_action(const struct action *a, const char *dc, struct sql_batch *batch) {
    size_t used;
    char *text;
    batch->count = 0;
    switch (a->kind) {
    case ACTION_SALES_ORDER:
        sales_order_sql(a, batch);
        break;
    case ACTION_PURCHASE_ORDER:
        purchase_order_sql(a, dc, batch);
        break;
    case ACTION_CUSTOMER_UPDATE:
        text = next_statement(batch, &used);
        append(text, &used, "UPDATE customers SET city='%s' WHERE id=%d", a->u.update.city, a->u.update.customer_id);
        break;
    case ACTION_CANCEL_ORDER:
        text = next_statement(batch, &used);
        append(text, &used, "DELETE FROM sales_order_details WHERE sales_order_id=%d", a->u.cancel.order_id);
        text = next_statement(batch, &used);
        append(text, &used, "DELETE FROM sales_orders WHERE id=%d", a->u.cancel.order_id);
        break;
    case ACTION_NONE:
        break;
    }
}
