/* A small test catalog for the model and SQL tests: 30 products with
 * distinct prices and costs, 30 customers, 30 suppliers, stock 100 each,
 * and last ids that are not zero so that continuation can be checked. */
#ifndef BRIDGELAB_TESTS_SIM_FIXTURE_H
#define BRIDGELAB_TESTS_SIM_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "model.h"

#define FIXTURE_PRODUCTS 30
#define FIXTURE_CUSTOMERS 30
#define FIXTURE_SUPPLIERS 30
#define FIXTURE_STOCK 100
#define FIXTURE_LAST_SALES_ORDER 500
#define FIXTURE_LAST_SALES_LINE 1500
#define FIXTURE_LAST_PURCHASE_ORDER 70
#define FIXTURE_LAST_PURCHASE_LINE 210
#define FIXTURE_NOW_MS 1700000000000LL /* 2023-11-14 22:13:20 UTC */

/* Product i (position) has id id_base + i + 1. The catalog owns malloc'd
 * arrays: release with catalog_release. */
static inline void fixture_catalog(struct catalog *c, int id_base) {
    memset(c, 0, sizeof *c);
    c->product_count = FIXTURE_PRODUCTS;
    c->products = calloc(FIXTURE_PRODUCTS, sizeof *c->products);
    c->stock_levels = calloc(FIXTURE_PRODUCTS, sizeof *c->stock_levels);
    if (!c->products || !c->stock_levels)
        abort();
    for (int i = 0; i < FIXTURE_PRODUCTS; i++) {
        c->products[i].id = id_base + i + 1;
        c->products[i].price_cents = 1000 + 137 * i; /* 10.00, 11.37, ... */
        c->products[i].cost_cents = 600 + 83 * i;
        c->stock_levels[i] = FIXTURE_STOCK;
    }
    c->customer_count = FIXTURE_CUSTOMERS;
    c->supplier_count = FIXTURE_SUPPLIERS;
    c->last_sales_order_id = FIXTURE_LAST_SALES_ORDER;
    c->last_sales_line_id = FIXTURE_LAST_SALES_LINE;
    c->last_purchase_order_id = FIXTURE_LAST_PURCHASE_ORDER;
    c->last_purchase_line_id = FIXTURE_LAST_PURCHASE_LINE;
}

/* Quiet settings: no churn, no new customers, reorder at 0, batches of 50. */
static inline struct model_settings fixture_settings(uint64_t seed) {
    struct model_settings s;
    memset(&s, 0, sizeof s);
    s.seed = seed;
    s.mode = 15;
    s.orders = 0;
    s.new_customer_ratio = 0;
    s.customer_update_ratio = 0;
    s.cancel_ratio = 0;
    s.reorder_point = 0;
    s.min_purchase = 50;
    return s;
}

#endif
