/* The sink's upload thread: see uploader.h. */
#include "uploader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "delta_log.h"
#include "latency.h"
#include "log.h"

#define LATENCY_SAMPLES 4096
#define LATENCY_WINDOW_MS 60000
#define RETRY_FIRST_MS 500
#define RETRY_MAX_MS 10000

struct poisoned {
    char topic[256];
    int32_t partition;
    uint64_t epoch;
};

struct uploader {
    struct storage *lake;
    const char *content_type;
    struct delta_log *delta; /* NULL: files only */
    pthread_t thread;
    int started;
    int abandoned; /* flushes given up while stopping */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct upload_job *head, *tail; /* waiting, oldest first */
    struct upload_job *busy;        /* being written */
    size_t queued_bytes;
    int queued_jobs;
    int stopping;
    long long give_up_at_ms; /* while stopping: the lake may fail until then */
    struct upload_result *results;
    size_t result_count, result_cap, result_first;
    struct poisoned *poisoned;
    size_t poisoned_count;
    struct latency *latency;
    struct uploader_stats stats;
};

void upload_job_free(struct upload_job *job) {
    if (!job)
        return;
    for (int i = 0; i < job->file_count; i++) {
        free(job->files[i].name);
        format_writer_free(job->files[i].w);
    }
    free(job->files);
    free(job);
}

static void push_result(struct uploader *u, const struct upload_job *job, enum upload_outcome outcome, int written,
                        size_t bytes) {
    if (u->result_count == u->result_cap) {
        size_t cap = u->result_cap ? u->result_cap * 2 : 64;
        struct upload_result *grown = malloc(cap * sizeof *grown);
        if (!grown)
            return; /* results are for metrics and conflicts; a conflict is found again at the next put */
        for (size_t i = 0; i < u->result_count; i++)
            grown[i] = u->results[(u->result_first + i) % u->result_cap];
        free(u->results);
        u->results = grown;
        u->result_cap = cap;
        u->result_first = 0;
    }
    struct upload_result *r = &u->results[(u->result_first + u->result_count++) % u->result_cap];
    memset(r, 0, sizeof *r);
    snprintf(r->topic, sizeof r->topic, "%s", job->topic);
    r->partition = job->partition;
    r->epoch = job->epoch;
    r->outcome = outcome;
    r->flush_start = job->flush_start;
    r->flush_end = job->flush_end;
    r->files_written = written;
    r->records = job->records;
    r->bytes_written = bytes;
    r->latency_ms = clock_mono_ms() - job->made_ms;
}

static int is_poisoned(const struct uploader *u, const struct upload_job *job) {
    for (size_t i = 0; i < u->poisoned_count; i++) {
        const struct poisoned *p = &u->poisoned[i];
        if (p->partition == job->partition && job->epoch <= p->epoch && strcmp(p->topic, job->topic) == 0)
            return 1;
    }
    return 0;
}

static void poison(struct uploader *u, const struct upload_job *job) {
    for (size_t i = 0; i < u->poisoned_count; i++) {
        struct poisoned *p = &u->poisoned[i];
        if (p->partition == job->partition && strcmp(p->topic, job->topic) == 0) {
            if (job->epoch > p->epoch)
                p->epoch = job->epoch;
            return;
        }
    }
    struct poisoned *grown = realloc(u->poisoned, (u->poisoned_count + 1) * sizeof *grown);
    if (!grown)
        return;
    u->poisoned = grown;
    struct poisoned *p = &u->poisoned[u->poisoned_count++];
    snprintf(p->topic, sizeof p->topic, "%s", job->topic);
    p->partition = job->partition;
    p->epoch = job->epoch;
}

struct same_flush {
    const struct lake_file_facts *mine;
    int same;
};

static int compare_flush(const struct storage_entry *e, void *ctx) {
    struct same_flush *c = ctx;
    struct lake_file_facts theirs;
    c->same = lake_file_facts_parse(&e->meta, &theirs) == 0 && theirs.partition == c->mine->partition &&
              theirs.flush_start == c->mine->flush_start && theirs.flush_end == c->mine->flush_end &&
              theirs.flush_index == c->mine->flush_index && strcmp(theirs.topic, c->mine->topic) == 0;
    return 0;
}

/* While stopping, past the deadline and with a failing lake: give up. */
static int stop_now(struct uploader *u) {
    pthread_mutex_lock(&u->lock);
    int give_up = u->stopping && clock_mono_ms() >= u->give_up_at_ms && !u->stats.lake_ok;
    pthread_mutex_unlock(&u->lock);
    return give_up;
}

static void set_lake_state(struct uploader *u, int ok, const char *why) {
    pthread_mutex_lock(&u->lock);
    int was_ok = u->stats.lake_ok;
    u->stats.lake_ok = ok;
    snprintf(u->stats.state, sizeof u->stats.state, "%s", ok ? "writing" : why);
    if (!ok)
        u->stats.failures++;
    pthread_mutex_unlock(&u->lock);
    if (was_ok && !ok)
        log_error("lake: %s: nothing is dropped, reading waits, and the sink retries until it answers", why);
    else if (!was_ok && ok)
        log_info("lake: answers again; writing the files that waited");
}

enum put_result { PUT_WRITTEN, PUT_SAME, PUT_CONFLICT, PUT_GAVE_UP };

/* Writes one file, retrying a failing lake until it answers (or the stop
 * deadline passes). */
static enum put_result put_file(struct uploader *u, const struct upload_file *f) {
    struct lake_file_meta meta;
    lake_file_meta_build(&f->facts, &meta);
    size_t len;
    const char *data = format_writer_finish(f->w, &len);
    if (!data) {
        log_error("lake: out of memory finishing %s: its flush is built again from Kafka", f->name);
        return PUT_GAVE_UP;
    }
    int backoff = RETRY_FIRST_MS;
    for (;;) {
        if (stop_now(u))
            return PUT_GAVE_UP;
        char err[1024];
        enum storage_status st = storage_put(u->lake, f->name, data, len, u->content_type, &meta.meta,
                                             STORAGE_PUT_IF_ABSENT, err, sizeof err);
        if (st == STORAGE_OK) {
            set_lake_state(u, 1, NULL);
            return PUT_WRITTEN;
        }
        if (st == STORAGE_EXISTS) {
            struct same_flush c = {&f->facts, 0};
            st = storage_head(u->lake, f->name, compare_flush, &c, err, sizeof err);
            if (st == STORAGE_OK) {
                set_lake_state(u, 1, NULL);
                return c.same ? PUT_SAME : PUT_CONFLICT;
            }
        }
        if (st == STORAGE_INVALID) {
            /* a name the lake refuses: no retry makes it acceptable */
            log_error("lake: %s: the file is left out; its records are read again at the next start", err);
            return PUT_GAVE_UP;
        }
        set_lake_state(u, 0, err);
        clock_sleep_ms(backoff);
        backoff = backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : backoff * 2;
    }
}

/* Adds the flush's files to the topic's Delta table in one commit,
 * retrying a failing lake like put_file. UPLOAD_WRITTEN; UPLOAD_DROPPED
 * when stopping (the flush's files are in the lake but not in the table:
 * the next start writes them again as they were and commits them);
 * UPLOAD_CONFLICT when the commit cannot be made (the partition reads the
 * lake and its table again, so no later flush is committed past it). */
static enum upload_outcome commit_table(struct uploader *u, const struct upload_job *job) {
    struct delta_file *files = calloc((size_t)job->file_count + 1, sizeof *files);
    if (!files) {
        log_error("lake: out of memory committing to the Delta table of %s", job->topic);
        return UPLOAD_CONFLICT;
    }
    for (int i = 0; i < job->file_count; i++) {
        size_t len;
        format_writer_finish(job->files[i].w, &len);
        files[i] = (struct delta_file){job->files[i].name, len, job->files[i].facts.records,
                                       format_writer_schema(job->files[i].w)};
    }
    int backoff = RETRY_FIRST_MS;
    for (;;) {
        char err[1024];
        enum storage_status st;
        enum delta_commit rc = delta_log_commit(u->delta, job->topic, job->partition, job->flush_end, files,
                                                job->file_count, &st, err, sizeof err);
        if (rc != DELTA_FAILED) {
            set_lake_state(u, 1, NULL);
            free(files);
            return UPLOAD_WRITTEN;
        }
        if (st == STORAGE_INVALID) {
            log_error("lake: the Delta table of %s: %s: partition %d reads the table again and retries its flush of "
                      "offsets %lld..%lld",
                      job->topic, err, (int)job->partition, (long long)job->flush_start, (long long)job->flush_end - 1);
            free(files);
            return UPLOAD_CONFLICT;
        }
        set_lake_state(u, 0, err);
        if (stop_now(u)) {
            free(files);
            return UPLOAD_DROPPED;
        }
        clock_sleep_ms(backoff);
        backoff = backoff * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : backoff * 2;
    }
}

static void write_job(struct uploader *u, struct upload_job *job) {
    pthread_mutex_lock(&u->lock);
    int skip = is_poisoned(u, job);
    pthread_mutex_unlock(&u->lock);
    if (!skip && stop_now(u)) {
        skip = 1;
        u->abandoned++;
    }
    enum upload_outcome outcome = skip ? UPLOAD_DROPPED : UPLOAD_WRITTEN;
    int written = 0;
    size_t bytes = 0;
    for (int i = 0; i < job->file_count && outcome == UPLOAD_WRITTEN; i++) {
        enum put_result r = put_file(u, &job->files[i]);
        if (r == PUT_WRITTEN) {
            size_t len;
            format_writer_finish(job->files[i].w, &len);
            written++;
            bytes += len;
        } else if (r == PUT_CONFLICT) {
            log_warn("lake: %s is another sink's (a rival took partition %s/%d): its flush of offsets %lld..%lld "
                     "is dropped and the partition resumes from the lake",
                     job->files[i].name, job->topic, (int)job->partition, (long long)job->flush_start,
                     (long long)job->flush_end - 1);
            outcome = UPLOAD_CONFLICT;
        } else if (r == PUT_GAVE_UP) {
            outcome = UPLOAD_DROPPED;
            u->abandoned++;
        }
    }
    if (outcome == UPLOAD_WRITTEN && u->delta && (outcome = commit_table(u, job)) == UPLOAD_DROPPED)
        u->abandoned++;
    pthread_mutex_lock(&u->lock);
    if (outcome == UPLOAD_CONFLICT) {
        poison(u, job);
        u->stats.conflicts++;
    }
    if (outcome == UPLOAD_WRITTEN) {
        u->stats.files += (uint64_t)written;
        u->stats.bytes += bytes;
        u->stats.records += (uint64_t)job->records;
        latency_add(u->latency, clock_wall_ms(), clock_mono_ms() - job->made_ms);
    }
    push_result(u, job, outcome, written, bytes);
    pthread_mutex_unlock(&u->lock);
}

static void *run(void *arg) {
    struct uploader *u = arg;
    pthread_mutex_lock(&u->lock);
    for (;;) {
        while (!u->head && !u->stopping)
            pthread_cond_wait(&u->changed, &u->lock);
        if (!u->head)
            break;
        struct upload_job *job = u->head;
        u->head = job->next;
        if (!u->head)
            u->tail = NULL;
        u->busy = job;
        pthread_mutex_unlock(&u->lock);
        write_job(u, job);
        pthread_mutex_lock(&u->lock);
        u->busy = NULL;
        u->queued_bytes -= job->bytes;
        u->queued_jobs--;
        pthread_cond_broadcast(&u->changed);
        pthread_mutex_unlock(&u->lock);
        upload_job_free(job);
        pthread_mutex_lock(&u->lock);
    }
    pthread_mutex_unlock(&u->lock);
    return NULL;
}

struct uploader *uploader_start(const struct storage_options *opt, const char *content_type,
                                const struct uploader_table *table, char *err, size_t errlen) {
    struct uploader *u = calloc(1, sizeof *u);
    if (!u || !(u->latency = latency_new(LATENCY_SAMPLES))) {
        free(u);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    u->content_type = content_type;
    u->stats.lake_ok = 1;
    snprintf(u->stats.state, sizeof u->stats.state, "writing");
    pthread_mutex_init(&u->lock, NULL);
    pthread_cond_init(&u->changed, NULL);
    if (storage_open(opt, &u->lake, err, errlen) != STORAGE_OK) {
        uploader_stop(u, 0);
        return NULL;
    }
    if (table && !(u->delta = delta_log_new(u->lake, table->topics_dir, table->checkpoint_interval))) {
        snprintf(err, errlen, "out of memory");
        uploader_stop(u, 0);
        return NULL;
    }
    if (pthread_create(&u->thread, NULL, run, u) != 0) {
        snprintf(err, errlen, "cannot start the upload thread");
        uploader_stop(u, 0);
        return NULL;
    }
    u->started = 1;
    return u;
}

void uploader_stop(struct uploader *u, int timeout_ms) {
    if (!u)
        return;
    if (u->started) {
        pthread_mutex_lock(&u->lock);
        u->stopping = 1;
        u->give_up_at_ms = clock_mono_ms() + timeout_ms;
        int left = u->queued_jobs;
        pthread_cond_broadcast(&u->changed);
        pthread_mutex_unlock(&u->lock);
        if (left)
            log_info("stop asked: writing the %d flushes that wait", left);
        pthread_join(u->thread, NULL);
        if (u->abandoned)
            log_warn("lake: %d flushes not written (the lake did not answer in time): the next start writes them "
                     "again from Kafka",
                     u->abandoned);
    }
    for (struct upload_job *j = u->head, *next; j; j = next) {
        next = j->next;
        upload_job_free(j);
    }
    delta_log_free(u->delta);
    storage_close(u->lake);
    latency_free(u->latency);
    free(u->results);
    free(u->poisoned);
    pthread_cond_destroy(&u->changed);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

void uploader_submit(struct uploader *u, struct upload_job *job) {
    job->next = NULL;
    job->made_ms = clock_mono_ms();
    pthread_mutex_lock(&u->lock);
    if (u->tail)
        u->tail->next = job;
    else
        u->head = job;
    u->tail = job;
    u->queued_bytes += job->bytes;
    u->queued_jobs++;
    pthread_cond_broadcast(&u->changed);
    pthread_mutex_unlock(&u->lock);
}

int uploader_next_result(struct uploader *u, struct upload_result *out) {
    pthread_mutex_lock(&u->lock);
    int got = u->result_count > 0;
    if (got) {
        *out = u->results[u->result_first];
        u->result_first = (u->result_first + 1) % u->result_cap;
        u->result_count--;
    }
    pthread_mutex_unlock(&u->lock);
    return got;
}

int uploader_wait_idle(struct uploader *u, int timeout_ms) {
    long long until = clock_mono_ms() + timeout_ms;
    pthread_mutex_lock(&u->lock);
    while (u->queued_jobs > 0 && clock_mono_ms() < until) {
        pthread_mutex_unlock(&u->lock);
        clock_sleep_ms(10);
        pthread_mutex_lock(&u->lock);
    }
    int idle = u->queued_jobs == 0;
    pthread_mutex_unlock(&u->lock);
    return idle;
}

int uploader_wait_below(struct uploader *u, size_t bytes, int timeout_ms) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&u->lock);
    while (u->queued_bytes > bytes && pthread_cond_timedwait(&u->changed, &u->lock, &until) == 0)
        ;
    int below = u->queued_bytes <= bytes;
    pthread_mutex_unlock(&u->lock);
    return below;
}

size_t uploader_queued_bytes(struct uploader *u) {
    pthread_mutex_lock(&u->lock);
    size_t n = u->queued_bytes;
    pthread_mutex_unlock(&u->lock);
    return n;
}

void uploader_stats_read(struct uploader *u, struct uploader_stats *out) {
    static const double q[2] = {0.5, 0.99};
    double v[2] = {0, 0};
    pthread_mutex_lock(&u->lock);
    *out = u->stats;
    out->queued_bytes = u->queued_bytes;
    out->queued_jobs = u->queued_jobs;
    pthread_mutex_unlock(&u->lock);
    out->latency_samples = latency_quantiles(u->latency, clock_wall_ms(), LATENCY_WINDOW_MS, q, 2, v);
    out->latency_p50_ms = v[0];
    out->latency_p99_ms = v[1];
}
