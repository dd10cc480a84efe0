/* Summed aggregate changes by key: see store_deltas.h. The entries are a
 * dense array; an open-addressing table of their indices (linear probing,
 * at most half full) finds a key. dc strings are interned: a key holds the
 * index of its dc, and a transaction sees one dc or a few. */
#include "store_deltas.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot_entry {
    int dc; /* index into dcs */
    long long a, b;
    long long v[DELTA_VALUES];
};

struct delta_map {
    struct slot_entry *entries;
    size_t count, cap;
    uint32_t *slots; /* entry index + 1; 0: empty */
    size_t slot_count;
    int slots_stale; /* the entries were sorted: the slots name old places */
    char **dcs;
    int dc_count, dc_cap, last_dc;
    struct delta_entry *view; /* what delta_map_sorted hands out */
    size_t view_cap;
};

struct delta_map *delta_map_new(void) {
    struct delta_map *m = calloc(1, sizeof *m);
    if (m)
        m->last_dc = -1;
    return m;
}

void delta_map_free(struct delta_map *m) {
    if (!m)
        return;
    for (int i = 0; i < m->dc_count; i++)
        free(m->dcs[i]);
    free(m->dcs);
    free(m->entries);
    free(m->slots);
    free(m->view);
    free(m);
}

static int dc_index(struct delta_map *m, const char *dc) {
    if (m->last_dc >= 0 && strcmp(m->dcs[m->last_dc], dc) == 0)
        return m->last_dc;
    for (int i = 0; i < m->dc_count; i++)
        if (strcmp(m->dcs[i], dc) == 0)
            return m->last_dc = i;
    if (m->dc_count == m->dc_cap) {
        int cap = m->dc_cap ? m->dc_cap * 2 : 4;
        char **grown = realloc(m->dcs, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        m->dcs = grown;
        m->dc_cap = cap;
    }
    if (!(m->dcs[m->dc_count] = strdup(dc)))
        return -1;
    return m->last_dc = m->dc_count++;
}

static size_t hash(int dc, long long a, long long b) {
    uint64_t h = (uint64_t)a * 0x9e3779b97f4a7c15ULL ^ (uint64_t)b * 0xc2b2ae3d27d4eb4fULL ^ (uint64_t)(unsigned)dc;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return (size_t)(h ^ h >> 32);
}

/* The slot of (dc, a, b): its entry's, or the empty one where it would go. */
static uint32_t *slot_of(const struct delta_map *m, int dc, long long a, long long b) {
    size_t mask = m->slot_count - 1;
    for (size_t i = hash(dc, a, b) & mask;; i = (i + 1) & mask) {
        uint32_t *s = &m->slots[i];
        if (*s == 0)
            return s;
        const struct slot_entry *e = &m->entries[*s - 1];
        if (e->a == a && e->b == b && e->dc == dc)
            return s;
    }
}

/* Slots for n entries at most half full, filled from the entries. */
static int index_entries(struct delta_map *m, size_t n) {
    size_t count = m->slot_count ? m->slot_count : 64;
    while (count < 2 * n)
        count *= 2;
    if (count != m->slot_count) {
        uint32_t *slots = malloc(count * sizeof *slots);
        if (!slots)
            return -1;
        free(m->slots);
        m->slots = slots;
        m->slot_count = count;
    }
    memset(m->slots, 0, m->slot_count * sizeof *m->slots);
    for (size_t i = 0; i < m->count; i++) {
        const struct slot_entry *e = &m->entries[i];
        *slot_of(m, e->dc, e->a, e->b) = (uint32_t)(i + 1);
    }
    m->slots_stale = 0;
    return 0;
}

long long *delta_map_touch(struct delta_map *m, const char *dc, long long a, long long b) {
    int d = dc_index(m, dc);
    if (d < 0)
        return NULL;
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        if (cap > UINT32_MAX - 1)
            return NULL;
        struct slot_entry *grown = realloc(m->entries, cap * sizeof *grown);
        if (!grown)
            return NULL;
        m->entries = grown;
        m->cap = cap;
    }
    if ((m->slots_stale || 2 * (m->count + 1) > m->slot_count) && index_entries(m, m->count + 1) != 0)
        return NULL;
    uint32_t *s = slot_of(m, d, a, b);
    if (*s == 0) {
        struct slot_entry *e = &m->entries[m->count];
        memset(e, 0, sizeof *e);
        e->dc = d;
        e->a = a;
        e->b = b;
        *s = (uint32_t)++m->count;
    }
    return m->entries[*s - 1].v;
}

size_t delta_map_count(const struct delta_map *m) { return m->count; }

static int by_key(const void *x, const void *y, void *ctx) {
    const struct slot_entry *p = x, *q = y;
    char *const *dcs = ctx;
    if (p->dc != q->dc) {
        int c = strcmp(dcs[p->dc], dcs[q->dc]);
        if (c)
            return c;
    }
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    return 0;
}

int delta_map_sorted(struct delta_map *m, const struct delta_entry **entries, size_t *count) {
    *entries = NULL;
    *count = 0;
    if (m->count > m->view_cap) {
        struct delta_entry *grown = realloc(m->view, m->count * sizeof *grown);
        if (!grown)
            return -1;
        m->view = grown;
        m->view_cap = m->count;
    }
    if (m->count > 1) {
        qsort_r(m->entries, m->count, sizeof *m->entries, by_key, m->dcs);
        m->slots_stale = 1;
    }
    for (size_t i = 0; i < m->count; i++) {
        const struct slot_entry *e = &m->entries[i];
        struct delta_entry *v = &m->view[i];
        v->dc = m->dcs[e->dc];
        v->a = e->a;
        v->b = e->b;
        memcpy(v->v, e->v, sizeof v->v);
    }
    *entries = m->view;
    *count = m->count;
    return 0;
}

void delta_map_clear(struct delta_map *m) {
    if (m->count > 0 && m->slots)
        memset(m->slots, 0, m->slot_count * sizeof *m->slots);
    m->count = 0;
    m->slots_stale = 0;
}
