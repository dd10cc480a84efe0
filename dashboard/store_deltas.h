/* store_deltas: the changes one transaction makes to one aggregate table,
 * summed in memory by the table's key, so that the store writes each
 * aggregate row a file touches once, when the file commits, instead of once
 * per change (a file of 10 000 order lines moves agg_total 10 000 times and
 * holds one dc).
 *
 * A map from a key (dc, a, b) — a data centre and up to two numbers: a
 * product, a minute, a customer and minute — to DELTA_VALUES signed sums.
 * An entry exists from its first touch, even if its sums come back to 0:
 * the store writes a row for every key a change touched, as applying each
 * change in SQL did (a row of zeros still names its product or minute).
 * Entries are handed out in key order, the order of the aggregate tables'
 * primary keys, so the writes walk each table's b-tree forward. */
#ifndef BRIDGELAB_DASHBOARD_STORE_DELTAS_H
#define BRIDGELAB_DASHBOARD_STORE_DELTAS_H

#include <stddef.h>

#define DELTA_VALUES 5

struct delta_entry {
    const char *dc; /* the map's copy */
    long long a, b;
    long long v[DELTA_VALUES];
};

struct delta_map;

/* NULL when out of memory. */
struct delta_map *delta_map_new(void);
void delta_map_free(struct delta_map *m);

/* The sums of (dc, a, b), zeros on its first touch: add to them. NULL when
 * out of memory (the map is as it was). The pointer is valid until the next
 * touch, sort or clear. */
long long *delta_map_touch(struct delta_map *m, const char *dc, long long a, long long b);

size_t delta_map_count(const struct delta_map *m);

/* The entries sorted by (dc, a, b) into *entries, *count of them (valid
 * until the next touch or clear; touching after it is allowed). 0, or -1
 * when out of memory. */
int delta_map_sorted(struct delta_map *m, const struct delta_entry **entries, size_t *count);

/* Forgets every entry (the dcs seen are kept, for the next transaction). */
void delta_map_clear(struct delta_map *m);

#endif
