/* The committer thread: see committer.h. */
#include "committer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct committer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    committer_done_fn on_committed;
    void *ctx;

    /* Under lock. */
    struct batch *job; /* handed over, not yet finished */
    struct kafka_producer *producer;
    enum kafka_txn outcome; /* of the last batch finished, until reported */
    char err[1024];         /* why it failed */
    int stopping;
};

/* Begins, produces the whole transactions' records, commits. The records'
 * values are lent to librdkafka, not copied: the batch stays untouched until
 * the commit or abort has returned. */
static enum kafka_txn commit_batch(struct kafka_producer *p, const struct batch *b, char *err, size_t errlen) {
    enum kafka_txn rc = kafka_producer_begin(p, err, errlen);
    size_t count = batch_whole_count(b);
    for (size_t i = 0; rc == KAFKA_TXN_OK && i < count; i++) {
        struct batch_record r = batch_record(b, i);
        rc =
            kafka_producer_produce_borrowed(p, r.topic, r.columns, r.key, r.key_len, r.value, r.value_len, err, errlen);
    }
    if (rc == KAFKA_TXN_OK)
        rc = kafka_producer_commit(p, err, errlen);
    return rc;
}

static void *run(void *arg) {
    struct committer *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->job && !c->stopping)
            pthread_cond_wait(&c->changed, &c->lock);
        if (!c->job)
            break;
        struct batch *b = c->job;
        struct kafka_producer *p = c->producer;
        pthread_mutex_unlock(&c->lock);

        char err[sizeof c->err] = "";
        enum kafka_txn rc = commit_batch(p, b, err, sizeof err);
        if (rc == KAFKA_TXN_OK && c->on_committed)
            c->on_committed(b, c->ctx);

        pthread_mutex_lock(&c->lock);
        c->outcome = rc;
        snprintf(c->err, sizeof c->err, "%s", err);
        c->job = NULL;
        pthread_cond_broadcast(&c->changed);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

struct committer *committer_new(committer_done_fn on_committed, void *ctx) {
    struct committer *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->on_committed = on_committed;
    c->ctx = ctx;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->changed, NULL);
    if (pthread_create(&c->thread, NULL, run, c) != 0) {
        pthread_cond_destroy(&c->changed);
        pthread_mutex_destroy(&c->lock);
        free(c);
        return NULL;
    }
    return c;
}

void committer_free(struct committer *c) {
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->stopping = 1;
    pthread_cond_broadcast(&c->changed);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->changed);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

int committer_busy(struct committer *c) {
    pthread_mutex_lock(&c->lock);
    int busy = c->job != NULL;
    pthread_mutex_unlock(&c->lock);
    return busy;
}

/* Under lock: waits for the batch in flight; its outcome, reported once. */
static enum kafka_txn wait_idle(struct committer *c, char *err, size_t errlen) {
    while (c->job)
        pthread_cond_wait(&c->changed, &c->lock);
    enum kafka_txn rc = c->outcome;
    if (rc != KAFKA_TXN_OK)
        snprintf(err, errlen, "%s", c->err);
    c->outcome = KAFKA_TXN_OK;
    return rc;
}

enum kafka_txn committer_submit(struct committer *c, struct kafka_producer *p, struct batch *b, char *err,
                                size_t errlen) {
    pthread_mutex_lock(&c->lock);
    enum kafka_txn rc = wait_idle(c, err, errlen);
    if (rc == KAFKA_TXN_OK) {
        c->job = b;
        c->producer = p;
        pthread_cond_broadcast(&c->changed);
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

enum kafka_txn committer_wait(struct committer *c, char *err, size_t errlen) {
    pthread_mutex_lock(&c->lock);
    enum kafka_txn rc = wait_idle(c, err, errlen);
    pthread_mutex_unlock(&c->lock);
    return rc;
}
