/* Keeps a consumer's prefetch flowing when its queue is bounded.
 *
 * librdkafka 2.0 (Debian 12's) stops fetching a partition once the
 * consumer's queue holds queued.min.messages or queued.max.messages.kbytes,
 * and its broker thread then sleeps until something else wakes it — up to
 * a second (librdkafka 2.1 made that fetch.queue.backoff.ms). Drained by the
 * application in a fraction of that, the queue stays empty for the rest:
 * measured here, a 16 MiB bound made bridge replicate three times slower.
 * Any request on the broker's connection wakes its thread, which then
 * fetches again. So each time the application has taken a share of the
 * bound (a quarter of either limit) since the last wake, a thread of this
 * module asks the broker of the partition just read for its watermarks
 * (a ListOffsets: small, read-only), away from the caller's thread so a
 * far cluster's round trip never holds the caller. */
#ifndef BRIDGELAB_FETCH_WAKE_H
#define BRIDGELAB_FETCH_WAKE_H

#include <librdkafka/rdkafka.h>

struct fetch_wake;

/* For consumer rk (it must outlive the result): reads the bounds from
 * the consumer's configuration. NULL when out of memory or the thread
 * cannot start (the consumer then works as before, only slower). */
struct fetch_wake *fetch_wake_new(rd_kafka_t *rk);

/* Stops the thread (waits for a request in flight: at most its timeout). */
void fetch_wake_free(struct fetch_wake *w);

/* Counts a record the application took; wakes its broker when a share of
 * the bound has been taken since the last wake. Cheap, never blocks for long. */
void fetch_wake_taken(struct fetch_wake *w, const rd_kafka_message_t *m);

/* Wakes sent so far (for the tests and /metrics). */
long long fetch_wake_count(struct fetch_wake *w);

/* The share of the bounds after which a wake is sent: records and bytes, from
 * queued.min.messages and queued.max.messages.kbytes (the tests check it). */
void fetch_wake_shares(long long min_messages, long long max_kbytes, long long *records, long long *bytes);

#endif
