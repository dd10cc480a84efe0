/* A latency over a recent window (replicate: a source record's timestamp to
 * its delivery on the destination; sink: one file's upload), kept as the last samples
 * (a ring of fixed size: memory stays flat at any rate) with the time each
 * was taken, so that p50 and p99 describe the last window_ms only. Safe to
 * share between threads: a sample is added under a lock of its own, and a
 * scrape holds it only to copy the window (the sort is done outside it), so
 * a scrape never stalls the path that adds. */
#ifndef BRIDGELAB_LATENCY_H
#define BRIDGELAB_LATENCY_H

#include <stddef.h>

struct latency;

struct latency *latency_new(size_t capacity);
void latency_free(struct latency *l);

/* One sample, taken at now_ms, of latency_ms (negative ones, a clock
 * skew between two clocks, count as 0). */
void latency_add(struct latency *l, long long now_ms, long long latency_ms);

/* The q-quantiles (0..1, count of them) of the samples taken after
 * now_ms - window_ms, into out (milliseconds). Returns the number of
 * samples they were computed from (0: out untouched). */
size_t latency_quantiles(struct latency *l, long long now_ms, long long window_ms, const double *q, size_t count,
                         double *out);

#endif
