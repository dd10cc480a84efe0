/* The committer: sends batches (batch.h) in Kafka transactions on a thread
 * of its own, one at a time and in order, so the stage that fills the next
 * batch never waits on a commit.
 *
 * Reading goes on while a commit is in flight, and what was read meanwhile
 * becomes the next batch: under load batches grow by themselves to the
 * commit's round trip, when quiet each transaction is committed at once.
 * Nothing needs a timer to balance throughput against latency.
 *
 * A batch is begun, its whole transactions' records produced, and
 * committed. After a commit succeeds, on_committed runs on the committer's
 * thread with the batch (to move the stored position and the metrics). A
 * failed batch is reported once, by the next submit or wait; the caller
 * then drops what it read ahead and replays from its last committed
 * position (nothing after a failed batch may be committed before it). */
#ifndef BRIDGELAB_COMMITTER_H
#define BRIDGELAB_COMMITTER_H

#include <stddef.h>

#include "batch.h"
#include "kafka.h"

struct committer;

typedef void (*committer_done_fn)(const struct batch *b, void *ctx);

/* Starts the thread. NULL when out of resources. */
struct committer *committer_new(committer_done_fn on_committed, void *ctx);
/* Waits for the batch in flight, then stops the thread. */
void committer_free(struct committer *c);

/* True while a batch is being committed. */
int committer_busy(struct committer *c);

/* Hands b over to be committed with producer p (both stay untouched by the
 * caller until the commit is over: committer_busy is false again; the
 * records are sent from b's memory, which must outlive p's use of them:
 * free p before b). Waits
 * for the batch before it first; when that one failed, b is not taken and
 * that failure (ABORTED or FATAL, err set) is returned. OK once handed over. */
enum kafka_txn committer_submit(struct committer *c, struct kafka_producer *p, struct batch *b, char *err,
                                size_t errlen);

/* Waits until no batch is in flight; OK, or the failure of the last one
 * (ABORTED or FATAL with err) when no submit reported it yet. */
enum kafka_txn committer_wait(struct committer *c, char *err, size_t errlen);

#endif
