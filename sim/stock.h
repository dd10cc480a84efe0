/* The inventory the simulator keeps to decide when to buy: per product, the
 * stock level (units purchased minus units sold) and the demand of the last
 * three minutes, counted in one-second buckets so that the window slides
 * without keeping every sale. Indexes are product positions, not ids. */
#ifndef BRIDGELAB_SIM_STOCK_H
#define BRIDGELAB_SIM_STOCK_H

#define DEMAND_WINDOW_SECONDS 180

struct stock;

struct stock *stock_new(int product_count);
void stock_free(struct stock *s);

void stock_set_level(struct stock *s, int product, long long level);
long long stock_level(const struct stock *s, int product);
/* Units leave stock and count as demand at the given second. */
void stock_sell(struct stock *s, int product, int units, long long second);
/* Units arrive (a purchase, or a cancelled sale coming back). */
void stock_add(struct stock *s, int product, long long units);
/* Counts demand without touching the level (history loaded at start). */
void stock_record_demand(struct stock *s, int product, long long units, long long second);
/* Units sold in the window ending at `second` (the last 180 s, inclusive). */
long long stock_demand(const struct stock *s, int product, long long second);

#endif
