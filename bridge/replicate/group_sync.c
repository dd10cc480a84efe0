/* Consumer-group offset sync: see group_sync.h. */
#include "group_sync.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kafka_groups.h"
#include "log.h"

struct group_sync {
    struct translate_request req;
    int interval_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    int stopping;
    unsigned long groups, rounds;
};

static int stop_asked(void *ctx) {
    struct group_sync *g = ctx;
    pthread_mutex_lock(&g->lock);
    int stop = g->stopping;
    pthread_mutex_unlock(&g->lock);
    return stop;
}

/* One group: 1 when offsets were written, 0 when there was nothing to do or
 * it has members on the destination, -1 on a failure (logged). */
static int sync_group(struct group_sync *g, const char *group) {
    struct translate_request req = g->req;
    req.group = group;
    struct translation *t = NULL;
    size_t count = 0;
    char err[1024];
    if (offset_translate(&req, &t, &count, err, sizeof err) != 0) {
        log_warn("syncing the offsets of group '%s': %s (trying again later)", group, err);
        return -1;
    }
    size_t translated = 0;
    for (size_t i = 0; i < count; i++)
        translated += t[i].status == TRANSLATED;
    int rc = 0;
    if (translated) {
        int applied = offset_translate_apply(&req, t, count, err, sizeof err);
        if (applied < 0) {
            log_warn("syncing the offsets of group '%s': %s (trying again later)", group, err);
            rc = -1;
        } else if (applied == 0) {
            log_debug("group '%s': %zu offsets synced to the destination", group, translated);
            rc = 1;
        } else {
            log_debug("group '%s': %s", group, err);
        }
    }
    free(t);
    return rc;
}

static void *run(void *ctx) {
    struct group_sync *g = ctx;
    while (!stop_asked(g)) {
        char **names = NULL, err[1024];
        size_t n = 0;
        unsigned long synced = 0;
        if (kafka_groups_list(g->req.source_conf, &names, &n, g->req.timeout_ms, err, sizeof err) != 0)
            log_warn("syncing group offsets: %s (trying again later)", err);
        for (size_t i = 0; i < n; i++) {
            if (!stop_asked(g) && strncmp(names[i], "bridgelab", 9) != 0 &&
                strcmp(names[i], g->req.replicate_group) != 0)
                synced += sync_group(g, names[i]) == 1;
            free(names[i]);
        }
        free(names);
        pthread_mutex_lock(&g->lock);
        g->groups = synced;
        g->rounds++;
        pthread_mutex_unlock(&g->lock);
        for (long long until = clock_mono_ms() + g->interval_ms; clock_mono_ms() < until && !stop_asked(g);)
            clock_sleep_ms(100);
    }
    return NULL;
}

struct group_sync *group_sync_start(const struct translate_request *req, int interval_ms, char *err, size_t errlen) {
    struct group_sync *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->req = *req;
    g->interval_ms = interval_ms;
    pthread_mutex_init(&g->lock, NULL);
    if (pthread_create(&g->thread, NULL, run, g) != 0) {
        pthread_mutex_destroy(&g->lock);
        free(g);
        snprintf(err, errlen, "cannot start the group offset sync thread");
        return NULL;
    }
    return g;
}

void group_sync_stop(struct group_sync *g) {
    if (!g)
        return;
    pthread_mutex_lock(&g->lock);
    g->stopping = 1;
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->thread, NULL);
    pthread_mutex_destroy(&g->lock);
    free(g);
}

void group_sync_counts(struct group_sync *g, unsigned long *groups, unsigned long *rounds) {
    pthread_mutex_lock(&g->lock);
    *groups = g->groups;
    *rounds = g->rounds;
    pthread_mutex_unlock(&g->lock);
}
