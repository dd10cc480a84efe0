/* Stock levels and sliding-window demand: see stock.h. */
#include "stock.h"

#include <stdlib.h>

struct stock_item {
    long long level;
    long long bucket_second[DEMAND_WINDOW_SECONDS];
    long long bucket_units[DEMAND_WINDOW_SECONDS];
};

struct stock {
    int product_count;
    struct stock_item *items;
};

struct stock *stock_new(int product_count) {
    struct stock *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->product_count = product_count;
    s->items = calloc(product_count > 0 ? (size_t)product_count : 1, sizeof *s->items);
    if (!s->items) {
        free(s);
        return NULL;
    }
    for (int p = 0; p < product_count; p++)
        for (int b = 0; b < DEMAND_WINDOW_SECONDS; b++)
            s->items[p].bucket_second[b] = -1;
    return s;
}

void stock_free(struct stock *s) {
    if (!s)
        return;
    free(s->items);
    free(s);
}

void stock_set_level(struct stock *s, int product, long long level) { s->items[product].level = level; }

long long stock_level(const struct stock *s, int product) { return s->items[product].level; }

void stock_record_demand(struct stock *s, int product, long long units, long long second) {
    if (second < 0)
        return;
    struct stock_item *item = &s->items[product];
    int b = (int)(second % DEMAND_WINDOW_SECONDS);
    if (item->bucket_second[b] != second) {
        if (item->bucket_second[b] > second)
            return; /* older than the window already kept */
        item->bucket_second[b] = second;
        item->bucket_units[b] = 0;
    }
    item->bucket_units[b] += units;
}

void stock_sell(struct stock *s, int product, int units, long long second) {
    s->items[product].level -= units;
    stock_record_demand(s, product, units, second);
}

void stock_add(struct stock *s, int product, long long units) { s->items[product].level += units; }

long long stock_demand(const struct stock *s, int product, long long second) {
    const struct stock_item *item = &s->items[product];
    long long total = 0;
    for (int b = 0; b < DEMAND_WINDOW_SECONDS; b++) {
        long long at = item->bucket_second[b];
        if (at > second - DEMAND_WINDOW_SECONDS && at <= second)
            total += item->bucket_units[b];
    }
    return total;
}
