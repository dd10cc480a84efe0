/* The workshop's order model: see model.h. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "stock.h"

#define READY_CAPACITY 4
#define CANCELLABLE_CAPACITY 1024
#define CUSTOMER_WINDOW 256 /* new customers made but not yet committed */

enum stream { STREAM_ORDERS = 1, STREAM_CUSTOMERS, STREAM_CHURN, STREAM_SUPPLIERS };

static const char *const first_names[] = {"Olivia",   "Arthur", "Harper",   "Theo",    "Maisie", "Finley", "Ivy",
                                          "Reuben",   "Esme",   "Rory",     "Matilda", "Hugo",   "Nancy",  "Elliot",
                                          "Florence", "Kit",    "Beatrice", "Ronan",   "Iris",   "Stanley"};
static const char *const last_names[] = {"Ainsworth",  "Barraclough", "Cartwright", "Dewhurst",   "Entwistle",
                                         "Fothergill", "Gaskell",     "Holroyd",    "Ibbotson",   "Jowett",
                                         "Kershaw",    "Lumb",        "Mellor",     "Nuttall",    "Ormerod",
                                         "Pickles",    "Quarmby",     "Rawcliffe",  "Shackleton", "Tattersall"};
static const char *const cities[] = {"Manchester", "Leeds",     "Bristol",    "Glasgow",   "Edinburgh",
                                     "Cardiff",    "Liverpool", "Birmingham", "Sheffield", "Nottingham",
                                     "Leicester",  "Newcastle", "Brighton",   "Oxford",    "Cambridge",
                                     "York",       "Bath",      "Norwich",    "Plymouth",  "Belfast"};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

struct model {
    struct model_settings settings;
    struct product *products;
    int product_count;
    struct stock *stock;
    unsigned char *needs_purchase; /* per product position */
    struct rng orders_rng, customers_rng, churn_rng, suppliers_rng;
    int drawable_customers; /* 1..drawable_customers are in the database */
    int last_customer_id;   /* the largest id handed out */
    unsigned char customer_committed[CUSTOMER_WINDOW];
    int supplier_count;
    int last_sales_order_id, last_sales_line_id, last_purchase_order_id, last_purchase_line_id;
    long long sales_made;
    struct action ready[READY_CAPACITY];
    int ready_head, ready_count;
    struct cancellation cancellable[CANCELLABLE_CAPACITY];
    int cancellable_count;
    long long cancellable_added;
};

static int product_position(const struct model *m, int product_id) {
    for (int p = 0; p < m->product_count; p++)
        if (m->products[p].id == product_id)
            return p;
    return -1;
}

static void flag_if_low(struct model *m, int p) {
    if (stock_level(m->stock, p) <= m->settings.reorder_point)
        m->needs_purchase[p] = 1;
}

struct model *model_new(const struct model_settings *settings, const struct catalog *catalog) {
    struct model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->settings = *settings;
    m->product_count = catalog->product_count;
    size_t n = catalog->product_count > 0 ? (size_t)catalog->product_count : 1;
    m->products = calloc(n, sizeof *m->products);
    m->needs_purchase = calloc(n, 1);
    m->stock = stock_new(catalog->product_count);
    if (!m->products || !m->needs_purchase || !m->stock) {
        model_free(m);
        return NULL;
    }
    memcpy(m->products, catalog->products, (size_t)catalog->product_count * sizeof *m->products);
    rng_seed(&m->orders_rng, settings->seed, STREAM_ORDERS);
    rng_seed(&m->customers_rng, settings->seed, STREAM_CUSTOMERS);
    rng_seed(&m->churn_rng, settings->seed, STREAM_CHURN);
    rng_seed(&m->suppliers_rng, settings->seed, STREAM_SUPPLIERS);
    m->drawable_customers = catalog->customer_count;
    m->last_customer_id = catalog->customer_count;
    m->supplier_count = catalog->supplier_count;
    m->last_sales_order_id = catalog->last_sales_order_id;
    m->last_sales_line_id = catalog->last_sales_line_id;
    m->last_purchase_order_id = catalog->last_purchase_order_id;
    m->last_purchase_line_id = catalog->last_purchase_line_id;
    for (int p = 0; p < m->product_count; p++) {
        stock_set_level(m->stock, p, catalog->stock_levels[p]);
        flag_if_low(m, p);
    }
    for (int i = 0; i < catalog->recent_demand_count; i++) {
        const struct demand_record *d = &catalog->recent_demand[i];
        int p = product_position(m, d->product_id);
        if (p >= 0)
            stock_record_demand(m->stock, p, d->units, d->second);
    }
    return m;
}

void model_free(struct model *m) {
    if (!m)
        return;
    stock_free(m->stock);
    free(m->needs_purchase);
    free(m->products);
    free(m);
}

void catalog_release(struct catalog *c) {
    free(c->products);
    free(c->stock_levels);
    free(c->recent_demand);
    c->products = NULL;
    c->stock_levels = NULL;
    c->recent_demand = NULL;
}

long long model_stock_level(const struct model *m, int product_id) {
    int p = product_position(m, product_id);
    return p >= 0 ? stock_level(m->stock, p) : 0;
}

long long model_demand(const struct model *m, int product_id, long long second) {
    int p = product_position(m, product_id);
    return p >= 0 ? stock_demand(m->stock, p, second) : 0;
}

/* A purchase order for the products that fell to the reorder point: each
 * gets an out-of-stock event and -stock + demand (at least a batch). */
static int make_purchase_order(struct model *m, long long now_ms, struct action *out) {
    long long now_s = now_ms / 1000;
    struct purchase_order *po = &out->u.purchase;
    memset(out, 0, sizeof *out);
    for (int p = 0; p < m->product_count && po->line_count < MODEL_MAX_PURCHASE_LINES; p++) {
        if (!m->needs_purchase[p])
            continue;
        m->needs_purchase[p] = 0;
        long long level = stock_level(m->stock, p);
        long long demand = stock_demand(m->stock, p, now_s);
        long long quantity = m->settings.reorder_point - level + demand;
        if (quantity < m->settings.min_purchase)
            quantity = m->settings.min_purchase;
        struct order_line *line = &po->lines[po->line_count];
        line->id = ++m->last_purchase_line_id;
        line->product_id = m->products[p].id;
        line->quantity = (int)quantity;
        line->unit_cents = m->products[p].cost_cents;
        po->events[po->line_count] = (struct out_of_stock_event){m->products[p].id, level, demand, quantity};
        po->line_count++;
        stock_add(m->stock, p, quantity);
    }
    if (po->line_count == 0)
        return 0;
    out->kind = ACTION_PURCHASE_ORDER;
    out->at_ms = now_ms;
    po->id = ++m->last_purchase_order_id;
    po->supplier_id = rng_triangular(&m->suppliers_rng, 1, m->supplier_count, m->settings.mode);
    po->window_start_s = now_s - DEMAND_WINDOW_SECONDS;
    po->window_end_s = now_s;
    return 1;
}

static void make_customer(struct model *m, struct customer *c) {
    struct rng *r = &m->customers_rng;
    c->id = ++m->last_customer_id;
    snprintf(c->first_name, sizeof c->first_name, "%s", first_names[rng_int(r, 0, COUNT(first_names) - 1)]);
    snprintf(c->last_name, sizeof c->last_name, "%s", last_names[rng_int(r, 0, COUNT(last_names) - 1)]);
    snprintf(c->city, sizeof c->city, "%s", cities[rng_int(r, 0, COUNT(cities) - 1)]);
    /* In place: the action was zeroed, so no stack bytes follow the text. */
    snprintf(c->email, sizeof c->email, "%s.%s%d@example.co.uk", c->first_name, c->last_name, c->id);
    for (char *ch = c->email; *ch; ch++)
        if (*ch >= 'A' && *ch <= 'Z')
            *ch = (char)(*ch - 'A' + 'a');
}

static void make_sales_order(struct model *m, long long now_ms, struct action *out) {
    struct rng *r = &m->orders_rng;
    struct sales_order *so = &out->u.sales;
    memset(out, 0, sizeof *out);
    out->kind = ACTION_SALES_ORDER;
    out->at_ms = now_ms;
    out->sequence = m->sales_made++;
    so->id = ++m->last_sales_order_id;
    so->customer_id = rng_triangular(r, 1, m->drawable_customers, m->settings.mode);
    if (rng_chance(&m->customers_rng, m->settings.new_customer_ratio)) {
        make_customer(m, &so->customer);
        so->is_new_customer = 1;
        so->customer_id = so->customer.id;
    }
    int wanted = rng_int(r, 1, MODEL_MAX_ORDER_LINES);
    if (wanted > m->product_count)
        wanted = m->product_count;
    while (so->line_count < wanted) {
        int p = rng_triangular(r, 1, m->product_count, m->settings.mode) - 1;
        int quantity = rng_int(r, 1, 10);
        int duplicate = 0;
        for (int i = 0; i < so->line_count; i++)
            duplicate |= so->lines[i].product_id == m->products[p].id;
        if (duplicate)
            continue;
        struct order_line *line = &so->lines[so->line_count++];
        line->id = ++m->last_sales_line_id;
        line->product_id = m->products[p].id;
        line->quantity = quantity;
        line->unit_cents = m->products[p].price_cents;
        so->total_cents += line->unit_cents * quantity;
        stock_sell(m->stock, p, quantity, now_ms / 1000);
        flag_if_low(m, p);
    }
}

static void push_ready(struct model *m, const struct action *a) {
    m->ready[(m->ready_head + m->ready_count++) % READY_CAPACITY] = *a;
}

/* One step of the simulation: perhaps a customer moves, perhaps an order is
 * cancelled, and one sales order is placed. */
static void tick(struct model *m, long long now_ms) {
    struct action a;
    int update = rng_chance(&m->churn_rng, m->settings.customer_update_ratio);
    int cancel = rng_chance(&m->churn_rng, m->settings.cancel_ratio);
    if (update) {
        memset(&a, 0, sizeof a);
        a.kind = ACTION_CUSTOMER_UPDATE;
        a.at_ms = now_ms;
        a.u.update.customer_id = rng_int(&m->churn_rng, 1, m->drawable_customers);
        snprintf(a.u.update.city, sizeof a.u.update.city, "%s", cities[rng_int(&m->churn_rng, 0, COUNT(cities) - 1)]);
        push_ready(m, &a);
    }
    if (cancel && m->cancellable_count > 0) {
        int i = rng_int(&m->churn_rng, 0, m->cancellable_count - 1);
        memset(&a, 0, sizeof a);
        a.kind = ACTION_CANCEL_ORDER;
        a.at_ms = now_ms;
        a.u.cancel = m->cancellable[i];
        m->cancellable[i] = m->cancellable[--m->cancellable_count];
        for (int l = 0; l < a.u.cancel.line_count; l++) {
            int p = product_position(m, a.u.cancel.lines[l].product_id);
            if (p >= 0)
                stock_add(m->stock, p, a.u.cancel.lines[l].quantity);
        }
        push_ready(m, &a);
    }
    make_sales_order(m, now_ms, &a);
    push_ready(m, &a);
}

void model_next(struct model *m, long long now_ms, struct action *out) {
    /* Not while a tick's actions are queued: the sale that dropped the stock
     * must be returned (and written) before the purchase it caused. */
    if (m->ready_count == 0 && make_purchase_order(m, now_ms, out))
        return;
    if (m->ready_count == 0) {
        if (m->settings.orders > 0 && m->sales_made >= m->settings.orders) {
            memset(out, 0, sizeof *out);
            out->kind = ACTION_NONE;
            return;
        }
        tick(m, now_ms);
    }
    *out = m->ready[m->ready_head];
    m->ready_head = (m->ready_head + 1) % READY_CAPACITY;
    m->ready_count--;
}

static void customer_committed(struct model *m, int id) {
    if (id <= m->drawable_customers || id > m->drawable_customers + CUSTOMER_WINDOW)
        return;
    m->customer_committed[id % CUSTOMER_WINDOW] = 1;
    while (m->customer_committed[(m->drawable_customers + 1) % CUSTOMER_WINDOW]) {
        m->customer_committed[(m->drawable_customers + 1) % CUSTOMER_WINDOW] = 0;
        m->drawable_customers++;
    }
}

void model_committed(struct model *m, const struct action *a) {
    if (a->kind != ACTION_SALES_ORDER)
        return;
    const struct sales_order *so = &a->u.sales;
    if (so->is_new_customer)
        customer_committed(m, so->customer.id);
    if (m->settings.cancel_ratio <= 0)
        return;
    struct cancellation c = {.order_id = so->id, .line_count = so->line_count};
    memcpy(c.lines, so->lines, sizeof c.lines);
    if (m->cancellable_count < CANCELLABLE_CAPACITY)
        m->cancellable[m->cancellable_count++] = c;
    else
        m->cancellable[m->cancellable_added % CANCELLABLE_CAPACITY] = c;
    m->cancellable_added++;
}
