/* A latency over a recent window: see latency.h. Quantiles are
 * computed when asked (a /metrics scrape), by sorting a copy of the window:
 * adding a sample stays O(1) on the replication path. */
#include "latency.h"

#include <pthread.h>
#include <stdlib.h>

struct sample {
    long long at_ms, latency_ms;
};

struct latency {
    pthread_mutex_t lock;
    struct sample *ring;
    size_t capacity, next, count;
};

struct latency *latency_new(size_t capacity) {
    struct latency *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    pthread_mutex_init(&l->lock, NULL);
    l->capacity = capacity ? capacity : 1;
    l->ring = calloc(l->capacity, sizeof *l->ring);
    if (!l->ring) {
        free(l);
        return NULL;
    }
    return l;
}

void latency_free(struct latency *l) {
    if (!l)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->ring);
    free(l);
}

void latency_add(struct latency *l, long long now_ms, long long latency_ms) {
    pthread_mutex_lock(&l->lock);
    l->ring[l->next].at_ms = now_ms;
    l->ring[l->next].latency_ms = latency_ms < 0 ? 0 : latency_ms;
    l->next = (l->next + 1) % l->capacity;
    if (l->count < l->capacity)
        l->count++;
    pthread_mutex_unlock(&l->lock);
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

size_t latency_quantiles(struct latency *l, long long now_ms, long long window_ms, const double *q, size_t count,
                         double *out) {
    long long *values = malloc(l->capacity * sizeof *values);
    if (!values)
        return 0;
    size_t n = 0;
    pthread_mutex_lock(&l->lock);
    for (size_t i = 0; i < l->count; i++)
        if (l->ring[i].at_ms > now_ms - window_ms)
            values[n++] = l->ring[i].latency_ms;
    pthread_mutex_unlock(&l->lock);
    if (n) {
        qsort(values, n, sizeof *values, compare);
        for (size_t i = 0; i < count; i++) {
            /* nearest rank: the smallest value with at least q of the samples at or below it */
            double rank = q[i] <= 0 ? 0 : q[i] >= 1 ? (double)n : q[i] * (double)n;
            size_t at = (size_t)rank;
            if ((double)at < rank)
                at++;
            at = at ? at - 1 : 0;
            if (at >= n)
                at = n - 1;
            out[i] = (double)values[at];
        }
    }
    free(values);
    return n;
}
