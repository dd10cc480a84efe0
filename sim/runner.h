/* Runs the order model against MySQL: a number of writer threads, each with
 * its own connection, take the model's next action in turn, wait for its
 * slot when a rate is set, and write it as one transaction. It counts what
 * was committed and tells the caller of each commit through a callback;
 * printing is the caller's business. */
#ifndef BRIDGELAB_SIM_RUNNER_H
#define BRIDGELAB_SIM_RUNNER_H

#include <stddef.h>

#include "db.h"
#include "model.h"

struct runner_stats {
    long long sales_orders, sales_lines, purchase_orders, new_customers, customer_updates, cancellations;
    long long revenue_cents; /* of the sales orders in the database (cancelled ones taken off) */
};

struct runner_setup {
    struct model *model; /* used under the runner's lock */
    struct db_target target;
    const char *dc;
    double rate; /* sales orders per second; 0 = as fast as it can */
    int threads;
    void (*on_commit)(const struct action *a, void *ctx); /* called from writer threads */
    void *ctx;
};

struct runner;

/* Starts the writers; NULL when threads cannot be made. */
struct runner *runner_start(const struct runner_setup *setup);
/* True while any writer is still at work. */
int runner_active(struct runner *r);
void runner_stats(struct runner *r, struct runner_stats *out);
/* Waits for every writer; returns 0, or -1 with the first fatal error. Frees r. */
int runner_finish(struct runner *r, char *err, size_t errlen);

#endif
