/* Writer threads that play the model into MySQL: see runner.h. */
#include "runner.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"

/* Behind schedule by more than this (say, after MySQL was away), the
 * schedule moves on instead of catching up in a burst. */
#define MAX_CATCH_UP_MS 1000

struct runner {
    struct runner_setup setup;
    pthread_mutex_t lock;
    pthread_t *threads;
    int started;
    int active;
    atomic_int failed;
    char error[512];
    long long schedule_start_ms;
    struct runner_stats stats;
};

static int stop_requested(const struct runner *r) {
    return r->failed || (r->setup.target.should_stop && r->setup.target.should_stop());
}

/* Sleeps until the epoch millisecond `due`, in short steps; 0 if a stop
 * was asked for meanwhile. */
static int wait_until(struct runner *r, long long due) {
    for (;;) {
        if (stop_requested(r))
            return 0;
        long long left = due - clock_wall_ms();
        if (left <= 0)
            return 1;
        if (left > 50)
            left = 50;
        clock_sleep_ms((int)left);
    }
}

static void count_commit(struct runner_stats *s, const struct action *a) {
    switch (a->kind) {
    case ACTION_SALES_ORDER:
        s->sales_orders++;
        s->sales_lines += a->u.sales.line_count;
        s->revenue_cents += a->u.sales.total_cents;
        s->new_customers += a->u.sales.is_new_customer;
        break;
    case ACTION_PURCHASE_ORDER:
        s->purchase_orders++;
        break;
    case ACTION_CUSTOMER_UPDATE:
        s->customer_updates++;
        break;
    case ACTION_CANCEL_ORDER:
        s->cancellations++;
        for (int i = 0; i < a->u.cancel.line_count; i++)
            s->revenue_cents -= a->u.cancel.lines[i].unit_cents * a->u.cancel.lines[i].quantity;
        break;
    case ACTION_NONE:
        break;
    }
}

/* Takes the next action and its due time; 0 when the run is over. */
static int next_action(struct runner *r, struct action *a, long long *due) {
    pthread_mutex_lock(&r->lock);
    long long now = clock_wall_ms();
    model_next(r->setup.model, now, a);
    *due = now;
    if (a->kind == ACTION_SALES_ORDER && r->setup.rate > 0) {
        *due = r->schedule_start_ms + (long long)((double)a->sequence * 1000.0 / r->setup.rate);
        if (now - *due > MAX_CATCH_UP_MS) {
            r->schedule_start_ms += now - *due - MAX_CATCH_UP_MS;
            *due = now - MAX_CATCH_UP_MS;
        }
    }
    pthread_mutex_unlock(&r->lock);
    return a->kind != ACTION_NONE;
}

static void fail(struct runner *r, const char *error) {
    pthread_mutex_lock(&r->lock);
    if (!r->failed) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "%s", error);
    }
    pthread_mutex_unlock(&r->lock);
}

static void *writer(void *arg) {
    struct runner *r = arg;
    char err[512];
    struct db *db = db_new(&r->setup.target);
    struct action a;
    long long due;
    if (!db)
        fail(r, "out of memory");
    while (db && !stop_requested(r) && next_action(r, &a, &due)) {
        if (!wait_until(r, due))
            break;
        enum db_status status = db_apply(db, &a, r->setup.dc, err, sizeof err);
        if (status == DB_STOPPED)
            break;
        if (status == DB_FATAL) {
            fail(r, err);
            break;
        }
        pthread_mutex_lock(&r->lock);
        model_committed(r->setup.model, &a);
        count_commit(&r->stats, &a);
        pthread_mutex_unlock(&r->lock);
        if (r->setup.on_commit)
            r->setup.on_commit(&a, r->setup.ctx);
    }
    db_free(db);
    pthread_mutex_lock(&r->lock);
    r->active--;
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

struct runner *runner_start(const struct runner_setup *setup) {
    struct runner *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->setup = *setup;
    r->threads = calloc((size_t)setup->threads, sizeof *r->threads);
    if (!r->threads) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->schedule_start_ms = clock_wall_ms();
    r->active = setup->threads;
    for (int i = 0; i < setup->threads; i++) {
        if (pthread_create(&r->threads[i], NULL, writer, r) != 0) {
            pthread_mutex_lock(&r->lock);
            r->active -= setup->threads - i;
            pthread_mutex_unlock(&r->lock);
            fail(r, "cannot start a writer thread");
            break;
        }
        r->started++;
    }
    return r;
}

int runner_active(struct runner *r) {
    pthread_mutex_lock(&r->lock);
    int active = r->active > 0;
    pthread_mutex_unlock(&r->lock);
    return active;
}

void runner_stats(struct runner *r, struct runner_stats *out) {
    pthread_mutex_lock(&r->lock);
    *out = r->stats;
    pthread_mutex_unlock(&r->lock);
}

int runner_finish(struct runner *r, char *err, size_t errlen) {
    for (int i = 0; i < r->started; i++)
        pthread_join(r->threads[i], NULL);
    int rc = r->failed ? -1 : 0;
    if (r->failed)
        snprintf(err, errlen, "%s", r->error);
    pthread_mutex_destroy(&r->lock);
    free(r->threads);
    free(r);
    return rc;
}
