/* The sink engine: see sink.h. One thread reads Kafka and builds the files
 * (this file); the uploader's thread writes them; the status server's
 * thread reads the metrics under the lock. */
#include "sink.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "delta_log.h"
#include "fetch_wake.h"
#include "format.h"
#include "kafka.h"
#include "lake_position.h"
#include "log.h"
#include "partitioner.h"
#include "shutdown.h"
#include "uploader.h"

#define PART_BUCKETS 1024
#define POLL_BURST 2000  /* records read between two rounds of housekeeping, at most */
#define POLL_BURST_MS 20 /* ... or this long */
#define IDLE_POLL_MS 100 /* the wall-clock rotation's resolution */
#define RECOVER_RETRY_MS 2000
#define REVOKE_WAIT_MS 30000
#define STOP_WAIT_MS 30000
#define JOIN_WAIT_MS 10000 /* a sink stopped while it joins: see await_first_assignment */
#define PATH_CAP 2048
#define PUBLISH_MS 200
#define MEMORY_WAIT_MS 200 /* reading waits this long for uploads before it pauses */

struct open_file {
    char encoded[PATH_CAP];
    struct format_writer *w;
    int64_t first_offset, last_offset;
    int64_t first_ts_ms;
    size_t memory; /* format_writer_memory when last counted */
    struct open_file *next;
};

enum part_state { PART_RECOVERING, PART_ACTIVE, PART_BLOCKED };

struct part {
    char topic[256];
    int32_t partition;
    enum part_state state;
    uint64_t epoch;          /* bumped whenever what was built for it is dropped */
    long long recover_at_ms; /* RECOVERING: next try (monotonic) */
    int64_t position;        /* the next offset to take; -1: the first record read */
    int64_t flush_start;     /* where the open flush starts; -1: at its first record */
    int64_t forced_end;      /* >= 0: the open flush ends exactly here */
    struct open_file *files, *last_file;
    int file_count;
    long long open_records;
    size_t open_memory;
    long long deadline_wall_ms; /* wall-clock rotation of the open flush; 0: none */
    long long queued_records;   /* in flushes handed to the uploader */
    int64_t lake_end;
    long long last_file_wall_ms;
    struct part *next_in_bucket;
};

struct sink {
    const struct sink_settings *s;
    rd_kafka_t *rk;
    struct fetch_wake *wake; /* keeps the bounded prefetch flowing */
    struct partitioner *partitioner;
    struct uploader *uploader;
    struct storage *lake;    /* the main thread's: listings for recovery */
    struct delta_log *delta; /* with sink.table.format=delta: the tables' positions, read on the main thread */
    const char *extension;
    struct part *buckets[PART_BUCKETS];
    struct part **parts; /* every assigned partition */
    size_t part_count, part_cap;
    char **topics; /* subscribed */
    int topic_count;
    long long next_refresh_ms;
    int paused_for_memory;
    int lake_listing_ok;
    int kafka_ok;
    size_t open_memory;
    long long next_publish_ms;
    pthread_mutex_t lock; /* guards what the status thread reads: */
    struct sink_metrics m;
    struct sink_partition_status *status; /* a copy of the partitions' status, made by publish */
    size_t status_count, status_cap;
};

/* ------------------------------------------------------------ partitions */

static unsigned bucket_of(const char *topic, int32_t partition) {
    uint32_t h = 2166136261u;
    for (const unsigned char *c = (const unsigned char *)topic; *c; c++)
        h = (h ^ *c) * 16777619u;
    return (h + (uint32_t)partition) % PART_BUCKETS;
}

static struct part *part_find(struct sink *k, const char *topic, int32_t partition) {
    for (struct part *p = k->buckets[bucket_of(topic, partition)]; p; p = p->next_in_bucket)
        if (p->partition == partition && strcmp(p->topic, topic) == 0)
            return p;
    return NULL;
}

static struct part *part_add(struct sink *k, const char *topic, int32_t partition) {
    struct part *p = part_find(k, topic, partition);
    if (p)
        return p;
    if (k->part_count == k->part_cap) {
        size_t cap = k->part_cap ? k->part_cap * 2 : 64;
        struct part **grown = realloc(k->parts, cap * sizeof *grown);
        if (!grown)
            return NULL;
        k->parts = grown;
        k->part_cap = cap;
    }
    if (!(p = calloc(1, sizeof *p)))
        return NULL;
    snprintf(p->topic, sizeof p->topic, "%s", topic);
    p->partition = partition;
    p->state = PART_RECOVERING;
    p->position = -1;
    p->flush_start = -1;
    p->forced_end = -1;
    p->lake_end = -1;
    unsigned b = bucket_of(topic, partition);
    p->next_in_bucket = k->buckets[b];
    k->buckets[b] = p;
    k->parts[k->part_count++] = p;
    return p;
}

/* Drops what was built for the partition and not handed over. */
static void part_drop_open(struct sink *k, struct part *p) {
    for (struct open_file *f = p->files, *next; f; f = next) {
        next = f->next;
        format_writer_free(f->w);
        free(f);
    }
    k->open_memory -= p->open_memory;
    p->files = p->last_file = NULL;
    p->file_count = 0;
    p->open_records = 0;
    p->open_memory = 0;
    p->deadline_wall_ms = 0;
    p->epoch++;
}

static void part_remove(struct sink *k, struct part *p) {
    part_drop_open(k, p);
    struct part **link = &k->buckets[bucket_of(p->topic, p->partition)];
    while (*link != p)
        link = &(*link)->next_in_bucket;
    *link = p->next_in_bucket;
    for (size_t i = 0; i < k->part_count; i++)
        if (k->parts[i] == p) {
            k->parts[i] = k->parts[--k->part_count];
            break;
        }
    free(p);
}

static void pause_one(struct sink *k, struct part *p, int pause) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
    if (pause)
        rd_kafka_pause_partitions(k->rk, l);
    else
        rd_kafka_resume_partitions(k->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
}

/* ----------------------------------------------------------------- flushes */

/* Hands every open file of the partition over as one flush. */
static void flush_part(struct sink *k, struct part *p) {
    if (p->file_count == 0) {
        if (p->position >= 0)
            p->flush_start = p->position;
        p->deadline_wall_ms = 0;
        return;
    }
    int64_t end = p->forced_end >= 0 ? p->forced_end : p->position;
    struct upload_job *job = calloc(1, sizeof *job);
    struct upload_file *files = calloc((size_t)p->file_count, sizeof *files);
    if (!job || !files) {
        free(job);
        free(files);
        log_error("out of memory closing the files of %s/%d: they are built again from Kafka", p->topic,
                  (int)p->partition);
        part_drop_open(k, p);
        p->state = PART_RECOVERING;
        p->recover_at_ms = 0;
        pause_one(k, p, 1);
        return;
    }
    snprintf(job->topic, sizeof job->topic, "%s", p->topic);
    job->partition = p->partition;
    job->epoch = p->epoch;
    job->flush_start = p->flush_start;
    job->flush_end = end;
    job->records = p->open_records;
    job->bytes = p->open_memory;
    job->files = files;
    int i = 0;
    for (struct open_file *f = p->files, *next; f; f = next, i++) {
        next = f->next;
        char name[PATH_CAP + 600];
        if (sink_path_file(k->s->topics_dir, p->topic, f->encoded, p->partition, f->first_offset, k->extension, name,
                           sizeof name) < 0)
            snprintf(name, sizeof name, "%s/%s/%s+%d+%010" PRId64 ".%s", k->s->topics_dir, p->topic, p->topic,
                     (int)p->partition, f->first_offset, k->extension);
        struct upload_file *u = &files[i];
        u->name = strdup(name);
        u->w = f->w;
        struct lake_file_facts *facts = &u->facts;
        snprintf(facts->topic, sizeof facts->topic, "%s", p->topic);
        facts->partition = p->partition;
        facts->first_offset = f->first_offset;
        facts->last_offset = f->last_offset;
        facts->records = format_writer_records(f->w);
        facts->flush_start = p->flush_start;
        facts->flush_end = end;
        facts->flush_files = p->file_count;
        facts->flush_index = i;
        free(f);
    }
    job->file_count = p->file_count;
    p->queued_records += p->open_records;
    k->open_memory -= p->open_memory;
    p->files = p->last_file = NULL;
    p->file_count = 0;
    p->open_records = 0;
    p->open_memory = 0;
    p->deadline_wall_ms = 0;
    p->flush_start = end;
    p->forced_end = -1;
    for (int j = 0; j < job->file_count; j++)
        if (!job->files[j].name) {
            log_error("out of memory naming the files of %s/%d", p->topic, (int)p->partition);
            upload_job_free(job);
            return;
        }
    uploader_submit(k->uploader, job);
}

static struct open_file *open_file_new(struct sink *k, struct part *p, const char *encoded,
                                       const struct sink_record *r) {
    struct open_file *f = calloc(1, sizeof *f);
    if (!f || !(f->w = format_writer_new(&k->s->format))) {
        free(f);
        return NULL;
    }
    snprintf(f->encoded, sizeof f->encoded, "%s", encoded);
    f->first_offset = r->offset;
    f->last_offset = r->offset;
    f->first_ts_ms = r->timestamp_ms;
    if (p->last_file)
        p->last_file->next = f;
    else
        p->files = f;
    p->last_file = f;
    p->file_count++;
    return f;
}

/* Drops the partition's newest open file, empty: the record that opened it
 * was not written. */
static void open_file_drop_last(struct part *p) {
    struct open_file **link = &p->files, *prev = NULL;
    while ((*link)->next) {
        prev = *link;
        link = &(*link)->next;
    }
    format_writer_free((*link)->w);
    free(*link);
    *link = NULL;
    p->last_file = prev;
    p->file_count--;
}

/* The newest open file of the folder opened before `before` (NULL: the
 * newest of all). */
static struct open_file *open_file_find(struct part *p, const char *encoded, const struct open_file *before) {
    struct open_file *found = NULL;
    for (struct open_file *f = p->files; f && f != before; f = f->next)
        if (strcmp(f->encoded, encoded) == 0)
            found = f;
    return found;
}

static long long next_boundary(long long now_ms, long long interval_ms) {
    return (now_ms / interval_ms + 1) * interval_ms;
}

static void block_part(struct sink *k, struct part *p, const char *why) {
    log_error("%s/%d stops: %s (fix the record or sink.partitioner's settings and restart; nothing after it is "
              "written)",
              p->topic, (int)p->partition, why);
    part_drop_open(k, p);
    p->state = PART_BLOCKED;
    pause_one(k, p, 1);
    pthread_mutex_lock(&k->lock);
    snprintf(k->m.state, sizeof k->m.state, "%.200s/%d stopped: %.300s", p->topic, (int)p->partition, why);
    pthread_mutex_unlock(&k->lock);
}

/* Appends a record to its file; 0, or -1 when the partition stopped. */
static int append_record(struct sink *k, struct part *p, struct sink_record *r) {
    char encoded[PATH_CAP], why[1024];
    if (partitioner_encode(k->partitioner, r, encoded, sizeof encoded, why, sizeof why) != 0) {
        block_part(k, p, why);
        return -1;
    }
    int forced = p->forced_end >= 0;
    struct open_file *f = open_file_find(p, encoded, NULL);
    if (f && !forced && k->s->rotate_interval_ms > 0 && r->timestamp_ms - f->first_ts_ms >= k->s->rotate_interval_ms) {
        flush_part(k, p);
        f = NULL;
    }
    /* The folder's open files, newest first, until one takes the record:
     * records of two column lists (a DDL) interleaved go to two files, not
     * to a new file at each change. */
    enum format_append rc = FORMAT_NEW_FILE;
    for (; f && rc == FORMAT_NEW_FILE; f = rc == FORMAT_NEW_FILE ? open_file_find(p, encoded, f) : f)
        rc = format_writer_append(f->w, r);
    if (rc == FORMAT_NEW_FILE) {
        if (!(f = open_file_new(k, p, encoded, r)))
            goto out_of_memory;
        rc = format_writer_append(f->w, r);
        if (rc == FORMAT_SKIPPED) { /* a value with no row, in a typed format: no file for it */
            open_file_drop_last(p);
            return 0;
        }
    }
    if (rc == FORMAT_REJECTED) {
        snprintf(why, sizeof why, "%s", format_writer_error(f->w));
        block_part(k, p, why);
        return -1;
    }
    if (rc == FORMAT_FAILED || rc == FORMAT_NEW_FILE)
        goto out_of_memory;
    if (rc == FORMAT_APPENDED) {
        f->last_offset = r->offset;
        p->open_records++;
    }
    size_t memory = format_writer_memory(f->w);
    p->open_memory += memory - f->memory;
    k->open_memory += memory - f->memory;
    f->memory = memory;
    return 0;
out_of_memory:
    log_error("out of memory building the files of %s/%d: they are built again from Kafka", p->topic,
              (int)p->partition);
    part_drop_open(k, p);
    p->state = PART_RECOVERING;
    p->recover_at_ms = clock_mono_ms() + RECOVER_RETRY_MS;
    pause_one(k, p, 1);
    return -1;
}

static int file_full(const struct sink *k, const struct part *p) {
    for (const struct open_file *f = p->files; f; f = f->next) {
        if (format_writer_records(f->w) >= k->s->flush_size ||
            (long long)format_writer_size(f->w) >= k->s->max_file_bytes)
            return 1;
    }
    return 0;
}

static void take_record(struct sink *k, const rd_kafka_message_t *m) {
    const char *topic = rd_kafka_topic_name(m->rkt);
    struct part *p = part_find(k, topic, m->partition);
    if (!p || p->state != PART_ACTIVE || (p->position >= 0 && m->offset < p->position))
        return; /* not ours (yet), or read before a seek */
    if (p->forced_end >= 0 && m->offset >= p->forced_end)
        flush_part(k, p);
    rd_kafka_timestamp_type_t type;
    struct sink_record r = {.topic = topic,
                            .partition = m->partition,
                            .offset = m->offset,
                            .timestamp_ms = rd_kafka_message_timestamp(m, &type),
                            .key = m->key,
                            .key_len = m->key_len,
                            .value = m->payload,
                            .value_len = m->len};
    rd_kafka_headers_t *headers = NULL;
    const void *columns = NULL;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(headers, COLUMNS_HEADER, &columns, &r.columns_len) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        columns)
        r.columns = columns;
    if (p->flush_start < 0)
        p->flush_start = m->offset;
    if (r.value) {
        int rc = append_record(k, p, &r);
        sink_record_release(&r);
        if (rc != 0)
            return;
    }
    p->position = m->offset + 1;
    if (p->forced_end >= 0) {
        if (p->position >= p->forced_end)
            flush_part(k, p);
    } else if (file_full(k, p)) {
        flush_part(k, p);
    }
    if (p->file_count > 0 && p->deadline_wall_ms == 0 && k->s->rotate_schedule_interval_ms > 0)
        p->deadline_wall_ms = next_boundary(clock_wall_ms(), k->s->rotate_schedule_interval_ms);
}

/* Wall-clock rotation, on a timer: records or not. */
static void rotate_due(struct sink *k) {
    if (k->s->rotate_schedule_interval_ms <= 0)
        return;
    long long now = clock_wall_ms();
    for (size_t i = 0; i < k->part_count; i++) {
        struct part *p = k->parts[i];
        if (p->state == PART_ACTIVE && p->file_count > 0 && p->forced_end < 0 && p->deadline_wall_ms > 0 &&
            now >= p->deadline_wall_ms)
            flush_part(k, p);
    }
}

static void pause_all(struct sink *k, int pause) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)k->part_count + 1);
    for (size_t i = 0; i < k->part_count; i++)
        if (k->parts[i]->state == PART_ACTIVE)
            rd_kafka_topic_partition_list_add(l, k->parts[i]->topic, k->parts[i]->partition);
    if (l->cnt > 0) {
        if (pause)
            rd_kafka_pause_partitions(k->rk, l);
        else
            rd_kafka_resume_partitions(k->rk, l);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* Keeps open files and waiting flushes within sink.max.buffer.bytes. */
static void bound_memory(struct sink *k) {
    size_t max = (size_t)k->s->max_buffer_bytes;
    while (k->open_memory + uploader_queued_bytes(k->uploader) > max) {
        struct part *biggest = NULL;
        for (size_t i = 0; i < k->part_count; i++) {
            struct part *p = k->parts[i];
            /* a part-written flush being written again must end where it ended */
            if (p->file_count > 0 && p->forced_end < 0 && (!biggest || p->open_memory > biggest->open_memory))
                biggest = p;
        }
        if (!biggest)
            break;
        flush_part(k, biggest);
    }
    /* uploads under way: wait for them a little (a pause and resume of the fetchers costs more) */
    if (!k->paused_for_memory && k->open_memory < max)
        uploader_wait_below(k->uploader, max - k->open_memory, MEMORY_WAIT_MS);
    size_t used = k->open_memory + uploader_queued_bytes(k->uploader);
    if (!k->paused_for_memory && used > max) {
        k->paused_for_memory = 1;
        pause_all(k, 1);
        log_debug("reading pauses: %zu bytes wait for the lake (sink.max.buffer.bytes %zu)", used, max);
    } else if (k->paused_for_memory && used <= max / 4 * 3) {
        k->paused_for_memory = 0;
        pause_all(k, 0);
    }
}

/* ---------------------------------------------------------- upload results */

static void commit_offset(struct sink *k, const struct part *p, int64_t offset) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = offset;
    rd_kafka_resp_err_t e = rd_kafka_commit(k->rk, l, 1);
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
        log_debug("committing %s/%d at %" PRId64 " (for monitoring): %s", p->topic, (int)p->partition, offset,
                  rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
}

static void take_results(struct sink *k) {
    struct upload_result r;
    while (uploader_next_result(k->uploader, &r)) {
        struct part *p = part_find(k, r.topic, r.partition);
        if (p && r.outcome != UPLOAD_WRITTEN)
            p->queued_records = 0;
        else if (p)
            p->queued_records -= r.records;
        if (!p || r.epoch != p->epoch)
            continue;
        if (r.outcome == UPLOAD_WRITTEN) {
            p->lake_end = r.flush_end;
            p->last_file_wall_ms = clock_wall_ms();
            commit_offset(k, p, r.flush_end);
        } else if (r.outcome == UPLOAD_CONFLICT) {
            part_drop_open(k, p);
            p->state = PART_RECOVERING;
            p->recover_at_ms = 0;
            pause_one(k, p, 1);
        }
    }
}

/* ---------------------------------------------------------------- recovery */

struct listing {
    struct sink *k;
    const char *topic;
    struct lake_position *positions; /* by index into k->parts, for the recovering ones */
    int unreadable;
};

static int see_file(const struct storage_entry *e, void *ctx) {
    struct listing *l = ctx;
    int32_t partition;
    int64_t start;
    if (e->is_prefix || !sink_path_parse(e->name, l->topic, &partition, &start))
        return 0;
    struct part *p = part_find(l->k, l->topic, partition);
    if (!p || p->state != PART_RECOVERING)
        return 0;
    struct lake_file_facts facts;
    if (lake_file_facts_parse(&e->meta, &facts) != 0 || facts.partition != partition || facts.first_offset != start ||
        strcmp(facts.topic, l->topic) != 0) {
        if (!l->unreadable++)
            log_warn("lake: %s has no bridgelab metadata (not written by a sink?): it is left out of the positions",
                     e->name);
        return 0;
    }
    for (size_t i = 0; i < l->k->part_count; i++)
        if (l->k->parts[i] == p)
            lake_position_add(&l->positions[i], &facts);
    return 0;
}

static void set_lake_listing(struct sink *k, int ok, const char *why) {
    if (k->lake_listing_ok && !ok)
        log_error("lake: %s: the partitions gained wait until it answers", why);
    else if (!k->lake_listing_ok && ok)
        log_info("lake: answers again");
    k->lake_listing_ok = ok;
}

/* With a Delta table, where its log says each recovering partition of the
 * topic ends: the files are then read against that (lake_position.h). */
static enum storage_status table_positions(struct sink *k, const char *topic, struct lake_position *positions,
                                           char *err, size_t errlen) {
    for (size_t i = 0; k->delta && i < k->part_count; i++) {
        struct part *p = k->parts[i];
        if (p->state != PART_RECOVERING || strcmp(p->topic, topic) != 0)
            continue;
        int64_t end;
        enum storage_status st = delta_log_position(k->delta, topic, p->partition, &end, err, errlen);
        if (st != STORAGE_OK)
            return st;
        lake_position_committed(&positions[i], end);
    }
    return STORAGE_OK;
}

/* Reads where the topic's recovering partitions end in the lake, seeks
 * there and lets them read. */
static void recover_topic(struct sink *k, const char *topic, long long now) {
    struct lake_position *positions = calloc(k->part_count, sizeof *positions);
    if (!positions)
        return;
    for (size_t i = 0; i < k->part_count; i++)
        lake_position_init(&positions[i]);
    char prefix[PATH_CAP], err[1024];
    struct listing l = {k, topic, positions, 0};
    enum storage_status st = table_positions(k, topic, positions, err, sizeof err);
    if (st == STORAGE_OK && sink_path_topic_prefix(k->s->topics_dir, topic, prefix, sizeof prefix) < 0) {
        snprintf(err, sizeof err, "the topic's folder name is too long");
        st = STORAGE_INVALID;
    }
    if (st == STORAGE_OK)
        st = storage_list(k->lake, prefix, NULL, 1, see_file, &l, err, sizeof err);
    if (st != STORAGE_OK) {
        set_lake_listing(k, 0, err);
        for (size_t i = 0; i < k->part_count; i++)
            if (k->parts[i]->state == PART_RECOVERING && strcmp(k->parts[i]->topic, topic) == 0)
                k->parts[i]->recover_at_ms = now + RECOVER_RETRY_MS;
        free(positions);
        return;
    }
    set_lake_listing(k, 1, NULL);
    rd_kafka_topic_partition_list_t *seek = rd_kafka_topic_partition_list_new(8);
    for (size_t i = 0; i < k->part_count; i++) {
        struct part *p = k->parts[i];
        if (p->state != PART_RECOVERING || strcmp(p->topic, topic) != 0 || p->recover_at_ms > now)
            continue;
        lake_position_finish(&positions[i]);
        rd_kafka_topic_partition_list_add(seek, topic, p->partition)->offset =
            positions[i].resume >= 0 ? positions[i].resume : RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_error_t *e = seek->cnt ? rd_kafka_seek_partitions(k->rk, seek, 10000) : NULL;
    if (e) {
        log_warn("seeking %s's partitions to where the lake ends: %s: trying again", topic, rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
    for (size_t i = 0; i < k->part_count; i++) {
        struct part *p = k->parts[i];
        if (p->state != PART_RECOVERING || strcmp(p->topic, topic) != 0 || p->recover_at_ms > now)
            continue;
        rd_kafka_topic_partition_t *t = rd_kafka_topic_partition_list_find(seek, topic, p->partition);
        if (e || !t || t->err) {
            if (t && t->err)
                log_warn("seeking %s/%d: %s: trying again", topic, (int)p->partition, rd_kafka_err2str(t->err));
            p->recover_at_ms = now + RECOVER_RETRY_MS;
            continue;
        }
        const struct lake_position *pos = &positions[i];
        p->position = pos->resume;
        p->flush_start = pos->resume;
        p->forced_end = pos->forced_end;
        p->lake_end = pos->lake_end;
        p->state = PART_ACTIVE;
        if (pos->forced_end >= 0)
            log_info("%s/%d: its last flush in the lake is part-written: offsets %" PRId64 "..%" PRId64
                     " are written again as they were (%d files seen)",
                     topic, (int)p->partition, pos->resume, pos->forced_end - 1, pos->files);
        else if (pos->resume >= 0)
            log_info("%s/%d resumes at offset %" PRId64 ", where its %d files in the lake end", topic,
                     (int)p->partition, pos->resume, pos->files);
        else
            log_info("%s/%d has no files in the lake: it starts at its beginning", topic, (int)p->partition);
        if (!k->paused_for_memory)
            pause_one(k, p, 0);
    }
    rd_kafka_topic_partition_list_destroy(seek);
    free(positions);
}

static void recover_due(struct sink *k) {
    long long now = clock_mono_ms();
    for (size_t i = 0; i < k->part_count; i++) {
        struct part *p = k->parts[i];
        if (p->state != PART_RECOVERING || p->recover_at_ms > now)
            continue;
        int first = 1; /* one listing per topic */
        for (size_t j = 0; j < i; j++)
            if (k->parts[j]->state == PART_RECOVERING && k->parts[j]->recover_at_ms <= now &&
                strcmp(k->parts[j]->topic, p->topic) == 0)
                first = 0;
        if (first) {
            char topic[256];
            snprintf(topic, sizeof topic, "%s", p->topic);
            recover_topic(k, topic, now);
        }
    }
}

/* --------------------------------------------------------------- rebalance */

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t why, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    struct sink *k = opaque;
    int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    pthread_mutex_lock(&k->lock);
    k->m.rebalances++;
    pthread_mutex_unlock(&k->lock);
    if (why == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < parts->cnt; i++) {
            struct part *p = part_add(k, parts->elems[i].topic, parts->elems[i].partition);
            if (p) {
                part_drop_open(k, p);
                p->state = PART_RECOVERING;
                p->recover_at_ms = 0;
            }
        }
        rd_kafka_error_t *e = cooperative ? rd_kafka_incremental_assign(rk, parts) : NULL;
        rd_kafka_resp_err_t ae = cooperative ? 0 : rd_kafka_assign(rk, parts);
        if (e || ae) {
            log_error("taking partitions: %s", e ? rd_kafka_error_string(e) : rd_kafka_err2str(ae));
            if (e)
                rd_kafka_error_destroy(e);
        }
        rd_kafka_pause_partitions(rk, parts);
        log_info("gained %d partitions (%zu now): reading where their files end in the lake", parts->cnt,
                 k->part_count);
        return;
    }
    /* revoked or lost: what is open is dropped (the next owner reads it again); what was handed over is
     * written before the partitions go, so that the next owner finds it in the lake */
    for (int i = 0; i < parts->cnt; i++) {
        struct part *p = part_find(k, parts->elems[i].topic, parts->elems[i].partition);
        if (p)
            part_remove(k, p);
    }
    if (!uploader_wait_idle(k->uploader, REVOKE_WAIT_MS))
        log_warn("partitions go while files still wait for the lake: their next owner finds where they end");
    take_results(k);
    if (cooperative) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
        if (e) {
            log_warn("giving partitions up: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    } else {
        rd_kafka_assign(rk, NULL);
    }
    log_info("%s %d partitions (%zu left)", why == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS ? "gave up" : "lost",
             parts->cnt, k->part_count);
}

/* ------------------------------------------------------------------ topics */

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void free_names(char **names, int count) {
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* Looks the cluster's topics up and subscribes to those selected when they
 * changed. */
static void refresh_topics(struct sink *k) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(k->rk, 1, NULL, &md, 5000);
    if (e) {
        if (k->kafka_ok)
            log_warn("cloud Kafka: listing topics: %s: retrying", rd_kafka_err2str(e));
        k->kafka_ok = 0;
        return;
    }
    if (!k->kafka_ok)
        log_info("cloud Kafka answers");
    k->kafka_ok = 1;
    char **names = calloc((size_t)md->topic_cnt + 1, sizeof *names);
    int count = 0;
    for (int i = 0; names && i < md->topic_cnt; i++)
        if (!md->topics[i].err && sink_settings_selects(k->s, md->topics[i].topic))
            names[count++] = strdup(md->topics[i].topic);
    rd_kafka_metadata_destroy(md);
    if (!names)
        return;
    qsort(names, (size_t)count, sizeof *names, compare_names);
    int same = count == k->topic_count;
    for (int i = 0; same && i < count; i++)
        same = names[i] && strcmp(names[i], k->topics[i]) == 0;
    if (same || count == 0) {
        free_names(names, count);
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(count);
    for (int i = 0; i < count; i++)
        if (names[i])
            rd_kafka_topic_partition_list_add(l, names[i], RD_KAFKA_PARTITION_UA);
    e = rd_kafka_subscribe(k->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        log_error("subscribing to %d topics: %s", count, rd_kafka_err2str(e));
        free_names(names, count);
        return;
    }
    log_info("reading %d topics matching '%s' (the first: %s)", count, k->s->topics_text, names[0]);
    free_names(k->topics, k->topic_count);
    k->topics = names;
    k->topic_count = count;
    pthread_mutex_lock(&k->lock);
    k->m.topics = count;
    pthread_mutex_unlock(&k->lock);
}

/* ----------------------------------------------------------------- metrics */

static void part_status(struct sink *k, const struct part *p, long long now, struct sink_partition_status *s) {
    snprintf(s->topic, sizeof s->topic, "%s", p->topic);
    s->partition = p->partition;
    s->lake_end = p->lake_end;
    s->since_last_file_ms = p->last_file_wall_ms ? now - p->last_file_wall_ms : -1;
    s->lag_records = -1;
    int64_t low, high;
    if (p->state == PART_ACTIVE && rd_kafka_get_watermark_offsets(k->rk, p->topic, p->partition, &low, &high) == 0 &&
        high >= 0) {
        int64_t read = p->position >= 0 ? p->position : low;
        long long unread = high > read ? (long long)(high - read) : 0;
        s->lag_records = unread + p->open_records + p->queued_records;
    }
}

/* Copies what the status thread shows (at most every PUBLISH_MS unless forced). */
static void publish(struct sink *k, int force) {
    long long mono = clock_mono_ms();
    if (!force && mono < k->next_publish_ms)
        return;
    k->next_publish_ms = mono + PUBLISH_MS;
    struct uploader_stats u;
    uploader_stats_read(k->uploader, &u);
    int blocked = 0;
    for (size_t i = 0; i < k->part_count; i++)
        blocked += k->parts[i]->state == PART_BLOCKED;
    long long now = clock_wall_ms();
    pthread_mutex_lock(&k->lock);
    if (k->status_cap < k->part_count) {
        struct sink_partition_status *grown = realloc(k->status, k->part_count * sizeof *grown);
        if (grown) {
            k->status = grown;
            k->status_cap = k->part_count;
        }
    }
    k->status_count = 0;
    for (size_t i = 0; i < k->part_count && i < k->status_cap; i++)
        part_status(k, k->parts[i], now, &k->status[k->status_count++]);
    struct sink_metrics *m = &k->m;
    m->files = u.files;
    m->bytes = u.bytes;
    m->records = u.records;
    m->conflicts = u.conflicts;
    m->lake_failures = u.failures;
    m->partitions = (int)k->part_count;
    m->blocked_partitions = blocked;
    m->buffered_bytes = k->open_memory + u.queued_bytes;
    m->lake_ok = u.lake_ok && k->lake_listing_ok;
    m->reading = k->kafka_ok && m->lake_ok && !blocked;
    m->upload_p50_ms = u.latency_p50_ms;
    m->upload_p99_ms = u.latency_p99_ms;
    m->upload_samples = u.latency_samples;
    if (!u.lake_ok)
        snprintf(m->state, sizeof m->state, "lake: %s", u.state);
    else if (!k->lake_listing_ok)
        snprintf(m->state, sizeof m->state, "lake: cannot list the files");
    else if (!k->kafka_ok)
        snprintf(m->state, sizeof m->state, "cloud Kafka does not answer");
    else if (!blocked)
        snprintf(m->state, sizeof m->state, "writing");
    pthread_mutex_unlock(&k->lock);
}

const char *sink_lake(const struct sink *k) { return storage_describe(k->lake); }

void sink_metrics_read(struct sink *k, struct sink_metrics *m) {
    pthread_mutex_lock(&k->lock);
    *m = k->m;
    pthread_mutex_unlock(&k->lock);
}

size_t sink_partitions_read(struct sink *k, struct sink_partition_status *out, size_t max) {
    pthread_mutex_lock(&k->lock);
    size_t n = k->status_count < max ? k->status_count : max;
    if (n)
        memcpy(out, k->status, n * sizeof *out);
    pthread_mutex_unlock(&k->lock);
    return n;
}

/* ---------------------------------------------------------------- the loop */

struct sink *sink_new(const struct sink_settings *s, const rd_kafka_conf_t *conf, char *err, size_t errlen) {
    struct sink *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->s = s;
    k->extension = sink_format_extension(s->format.format);
    k->lake_listing_ok = 1;
    k->kafka_ok = 1;
    pthread_mutex_init(&k->lock, NULL);
    snprintf(k->m.state, sizeof k->m.state, "starting");
    k->m.lake_ok = 1;
    struct storage_options opt;
    sink_settings_storage(s, &opt);
    if (!(k->partitioner = partitioner_new(&s->partitioner, err, errlen))) {
        sink_free(k);
        return NULL;
    }
    char why[1024];
    struct uploader_table table = {s->topics_dir, s->delta_checkpoint_interval};
    if (storage_open(&opt, &k->lake, why, sizeof why) != STORAGE_OK ||
        (s->delta && !(k->delta = delta_log_new(k->lake, s->topics_dir, s->delta_checkpoint_interval))) ||
        !(k->uploader = uploader_start(&opt, sink_format_content_type(s->format.format), s->delta ? &table : NULL, why,
                                       sizeof why))) {
        int shown = (int)strcspn(s->url, "?"); /* a SAS in the URL is a secret */
        snprintf(err, errlen, "the lake (sink.url %.*s%s%s): %s", shown > 300 ? 300 : shown, s->url,
                 s->credential ? ", credential from " : "", s->credential ? s->credential : "", why);
        sink_free(k);
        return NULL;
    }
    rd_kafka_conf_t *copy = rd_kafka_conf_dup(conf);
    rd_kafka_conf_set_rebalance_cb(copy, on_rebalance);
    rd_kafka_conf_set_opaque(copy, k);
    const char *extra[] = {"partition.assignment.strategy", "cooperative-sticky",
                           s->instance_id ? "group.instance.id" : NULL, s->instance_id, NULL};
    /* librdkafka's prefetch (64 MiB by default) would dwarf a small buffer bound */
    if (kafka_conf_default(copy, "queued.max.messages.kbytes", "16384", err, errlen) == 0)
        k->rk = kafka_consumer_new_with(copy, s->group_id, extra, err, errlen);
    rd_kafka_conf_destroy(copy);
    if (!k->rk) {
        sink_free(k);
        return NULL;
    }
    k->wake = fetch_wake_new(k->rk);
    return k;
}

void sink_free(struct sink *k) {
    if (!k)
        return;
    fetch_wake_free(k->wake);
    if (k->rk)
        rd_kafka_destroy(k->rk);
    uploader_stop(k->uploader, 0);
    while (k->part_count)
        part_remove(k, k->parts[k->part_count - 1]);
    free(k->parts);
    free(k->status);
    free_names(k->topics, k->topic_count);
    delta_log_free(k->delta);
    storage_close(k->lake);
    partitioner_free(k->partitioner);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

static int poll_wait_ms(const struct sink *k) {
    long long wait = IDLE_POLL_MS, now = clock_wall_ms();
    for (size_t i = 0; i < k->part_count; i++) {
        const struct part *p = k->parts[i];
        if (p->deadline_wall_ms > 0 && p->deadline_wall_ms - now < wait)
            wait = p->deadline_wall_ms - now;
    }
    return wait < 0 ? 0 : (int)wait;
}

/* Reads a burst of records; -1 with err on a fatal consumer error. */
static int read_burst(struct sink *k, char *err, size_t errlen) {
    long long until = clock_mono_ms() + POLL_BURST_MS;
    for (int n = 0; n < POLL_BURST; n++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(k->rk, n == 0 ? poll_wait_ms(k) : 0);
        if (!m)
            return 0;
        if (m->err) {
            if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
                char why[512];
                rd_kafka_fatal_error(k->rk, why, sizeof why);
                snprintf(err, errlen, "cloud Kafka consumer: %s", why);
                rd_kafka_message_destroy(m);
                return -1;
            }
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                log_warn("cloud Kafka: %s", rd_kafka_message_errstr(m));
        } else {
            fetch_wake_taken(k->wake, m);
            take_record(k, m);
        }
        rd_kafka_message_destroy(m);
        if (clock_mono_ms() >= until ||
            k->open_memory + uploader_queued_bytes(k->uploader) > (size_t)k->s->max_buffer_bytes)
            return 0; /* bound_memory's turn */
    }
    return 0;
}

/* A sink stopped while it joins its group waits (a little) for the first
 * assignment: librdkafka 2.0.2 asserts when a cooperative-sticky consumer
 * is destroyed between choosing the assignor and its first assignment
 * (rdkafka_sticky_assignor.c:1896, librdkafka issue 4312, fixed in 2.3.0). A
 * group that never answers never chose the assignor: nothing to wait for. */
static void await_first_assignment(struct sink *k) {
    long long until = clock_mono_ms() + JOIN_WAIT_MS;
    pthread_mutex_lock(&k->lock);
    uint64_t rebalances = k->m.rebalances;
    pthread_mutex_unlock(&k->lock);
    while (rebalances == 0 && k->topic_count > 0 && clock_mono_ms() < until) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(k->rk, 100);
        if (m)
            rd_kafka_message_destroy(m); /* read again by whoever owns it next */
        pthread_mutex_lock(&k->lock);
        rebalances = k->m.rebalances;
        pthread_mutex_unlock(&k->lock);
    }
}

static void finish(struct sink *k) {
    for (size_t i = 0; i < k->part_count; i++) {
        struct part *p = k->parts[i];
        if (p->state == PART_ACTIVE && p->forced_end < 0)
            flush_part(k, p);
    }
    if (!uploader_wait_idle(k->uploader, STOP_WAIT_MS))
        log_warn("stop asked: the lake did not take every file in %d s; those left are written again at the next "
                 "start",
                 STOP_WAIT_MS / 1000);
    take_results(k);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)k->part_count + 1);
    for (size_t i = 0; i < k->part_count; i++)
        if (k->parts[i]->lake_end >= 0)
            rd_kafka_topic_partition_list_add(l, k->parts[i]->topic, k->parts[i]->partition)->offset =
                k->parts[i]->lake_end;
    if (l->cnt > 0)
        rd_kafka_commit(k->rk, l, 0);
    rd_kafka_topic_partition_list_destroy(l);
    await_first_assignment(k);
    rd_kafka_consumer_close(k->rk);
    publish(k, 1);
}

int sink_run(struct sink *k, char *err, size_t errlen) {
    while (!shutdown_requested()) {
        long long now = clock_mono_ms();
        if (now >= k->next_refresh_ms) {
            refresh_topics(k);
            k->next_refresh_ms = now + k->s->refresh_ms;
        }
        take_results(k);
        recover_due(k);
        rotate_due(k);
        bound_memory(k);
        publish(k, 0);
        if (read_burst(k, err, errlen) != 0)
            return -1;
    }
    log_info("stop asked: writing the open files, then leaving the group");
    finish(k);
    return 0;
}
