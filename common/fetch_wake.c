/* Keeps a consumer's prefetch flowing when its queue is bounded: see
 * fetch_wake.h. */
#include "fetch_wake.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define WAKE_TIMEOUT_MS 5000
#define SHARE_DIVISOR 4

struct fetch_wake {
    rd_kafka_t *rk;
    long long every_records, every_bytes;
    long long records, bytes; /* taken since the last wake (the caller's thread only) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int pending, stopping;
    long long sent;
    char topic[256];
    int32_t partition;
};

void fetch_wake_shares(long long min_messages, long long max_kbytes, long long *records, long long *bytes) {
    *records = min_messages / SHARE_DIVISOR > 1 ? min_messages / SHARE_DIVISOR : 1;
    *bytes = max_kbytes * 1024 / SHARE_DIVISOR > 1 ? max_kbytes * 1024 / SHARE_DIVISOR : 1;
}

static long long conf_number(const rd_kafka_conf_t *conf, const char *name, long long fallback) {
    char buf[64];
    size_t n = sizeof buf;
    if (rd_kafka_conf_get(conf, name, buf, &n) != RD_KAFKA_CONF_OK)
        return fallback;
    return atoll(buf);
}

static void *wake_loop(void *arg) {
    struct fetch_wake *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->pending && !w->stopping)
            pthread_cond_wait(&w->cond, &w->lock);
        if (w->stopping)
            break;
        char topic[sizeof w->topic];
        memcpy(topic, w->topic, sizeof topic);
        int32_t partition = w->partition;
        w->pending = 0;
        pthread_mutex_unlock(&w->lock);
        int64_t low, high;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(w->rk, topic, partition, &low, &high, WAKE_TIMEOUT_MS);
        if (e)
            log_debug("waking the fetcher of %s [%d]: %s", topic, (int)partition, rd_kafka_err2str(e));
        pthread_mutex_lock(&w->lock);
        w->sent++;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct fetch_wake *fetch_wake_new(rd_kafka_t *rk) {
    struct fetch_wake *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    const rd_kafka_conf_t *conf = rd_kafka_conf(rk);
    fetch_wake_shares(conf_number(conf, "queued.min.messages", 100000),
                      conf_number(conf, "queued.max.messages.kbytes", 65536), &w->every_records, &w->every_bytes);
    w->rk = rk;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, wake_loop, w) != 0) {
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
    }
    return w;
}

void fetch_wake_free(struct fetch_wake *w) {
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

void fetch_wake_taken(struct fetch_wake *w, const rd_kafka_message_t *m) {
    if (!w || !m->rkt)
        return;
    w->records++;
    w->bytes += (long long)m->len + (long long)m->key_len;
    if (w->records < w->every_records && w->bytes < w->every_bytes)
        return;
    w->records = 0;
    w->bytes = 0;
    pthread_mutex_lock(&w->lock);
    snprintf(w->topic, sizeof w->topic, "%s", rd_kafka_topic_name(m->rkt));
    w->partition = m->partition;
    w->pending = 1;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

long long fetch_wake_count(struct fetch_wake *w) {
    if (!w)
        return 0;
    pthread_mutex_lock(&w->lock);
    long long n = w->sent;
    pthread_mutex_unlock(&w->lock);
    return n;
}
