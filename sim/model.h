/* The workshop's order model, with no database in it: given the catalog
 * loaded at start and a seed, it yields the next thing the simulator should
 * write — a sales order, a purchase order raised when stock falls to the
 * reorder point (with its out-of-stock events), a customer update, or an
 * order cancellation — each to be written as one transaction.
 *
 * It keeps stock and demand as it goes, assigns every id itself (continuing
 * from the largest in the database), and draws each kind of decision from a
 * stream of its own, so that the same seed gives the same sales orders.
 * It is not thread-safe: callers serialise model_next and model_committed. */
#ifndef BRIDGELAB_SIM_MODEL_H
#define BRIDGELAB_SIM_MODEL_H

#include <stdint.h>

#define MODEL_MAX_ORDER_LINES 5
#define MODEL_MAX_PURCHASE_LINES 32

struct product {
    int id;
    long long price_cents;
    long long cost_cents;
};

/* Units of a product sold in one second (recent demand read at start). */
struct demand_record {
    int product_id;
    long long units, second;
};

/* What the model starts from, read from the database. */
struct catalog {
    struct product *products;
    int product_count;
    long long *stock_levels; /* per product position: purchased - sold */
    int customer_count;      /* customers 1..customer_count exist */
    int supplier_count;      /* suppliers 1..supplier_count exist */
    int last_sales_order_id, last_sales_line_id;
    int last_purchase_order_id, last_purchase_line_id;
    struct demand_record *recent_demand; /* the last three minutes of sales */
    int recent_demand_count;
};

/* Frees what a catalog holds (not the struct itself). */
void catalog_release(struct catalog *c);

struct model_settings {
    uint64_t seed;
    int mode;         /* peak of the triangular draws (ids) */
    long long orders; /* sales orders to make; 0 = no end */
    double new_customer_ratio;
    double customer_update_ratio;
    double cancel_ratio;
    long long reorder_point;
    long long min_purchase;
};

enum action_kind {
    ACTION_NONE,
    ACTION_SALES_ORDER,
    ACTION_PURCHASE_ORDER,
    ACTION_CUSTOMER_UPDATE,
    ACTION_CANCEL_ORDER
};

struct order_line {
    int id;
    int product_id;
    int quantity;
    long long unit_cents; /* price for sales, cost for purchases */
};

struct customer {
    int id;
    char first_name[24], last_name[24], email[64], city[32];
};

struct sales_order {
    int id;
    int customer_id;
    int is_new_customer; /* the order's transaction first creates `customer` */
    struct customer customer;
    int line_count;
    struct order_line lines[MODEL_MAX_ORDER_LINES];
    long long total_cents;
};

struct out_of_stock_event {
    int product_id;
    long long stock_level, demand_last_3mins, quantity_to_purchase;
};

struct purchase_order {
    int id;
    int supplier_id;
    int line_count; /* one out-of-stock event per line */
    struct order_line lines[MODEL_MAX_PURCHASE_LINES];
    struct out_of_stock_event events[MODEL_MAX_PURCHASE_LINES];
    long long window_start_s, window_end_s;
};

struct customer_update {
    int customer_id;
    char city[32];
};

struct cancellation {
    int order_id;
    int line_count;
    struct order_line lines[MODEL_MAX_ORDER_LINES];
};

struct action {
    enum action_kind kind;
    long long at_ms;    /* when the model made it (epoch ms): the row dates */
    long long sequence; /* sales orders: 0, 1, 2 ... (for pacing) */
    union {
        struct sales_order sales;
        struct purchase_order purchase;
        struct customer_update update;
        struct cancellation cancel;
    } u;
};

struct model;

/* Copies what it needs from the catalog. Products at or below the reorder
 * point get a purchase order first. Returns NULL when out of memory. */
struct model *model_new(const struct model_settings *settings, const struct catalog *catalog);
void model_free(struct model *m);

/* Fills *out with the next action; kind ACTION_NONE when the run is done. */
void model_next(struct model *m, long long now_ms, struct action *out);

/* Tells the model an action is in the database: a new customer can now be
 * drawn for orders, a sales order can now be cancelled. */
void model_committed(struct model *m, const struct action *a);

long long model_stock_level(const struct model *m, int product_id);
long long model_demand(const struct model *m, int product_id, long long second);

#endif
