/* The replication engine, onprem Kafka to cloud Kafka exactly once: see
 * replicate.h.
 *
 * One thread does the work, in the manner of librdkafka's
 * examples/transactions.c: poll a record, copy it into the open transaction,
 * and close the batch when batch_rule says so — flush (so every record's
 * destination offset is known from its delivery report), write the
 * positions reached, commit. Each transaction opens with the slot's
 * heartbeat on the offsets topic (open_txn says why). The consumer prefetches in the background
 * while a commit is in flight. Topics and partitions are looked up between
 * batches only, so a change of the assignment never cuts a batch. */
#include "replicate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_rule.h"
#include "clock.h"
#include "fetch_wake.h"
#include "kafka.h"
#include "latency.h"
#include "log.h"
#include "positions.h"
#include "provenance.h"
#include "shutdown.h"
#include "topic_sync.h"

#define IDLE_POLL_MS 100
#define POSITION_CHECK_MS 1000 /* an idle partition's position (past markers) is recorded this often */
#define LAG_EVERY_MS 500
#define LATENCY_WINDOW_MS 60000
#define LATENCY_SAMPLES 16384
#define BACKOFF_MAX_MS 5000
#define METADATA_TIMEOUT_MS 5000
#define SEEK_TIMEOUT_MS 5000

/* Worst last: a batch's outcome is the worst of its slots'. */
enum step { STEP_OK, STEP_REPLAY, STEP_RENEW, STEP_FENCED, STEP_FATAL };

struct topic;

/* One of the group's slots (replicate_slot_of): the partitions it holds are
 * written by the one replicator the group assigns it to, through a producer
 * whose transactional id is the slot's, so that a new owner's
 * init_transactions fences a paused former owner (a zombie). */
struct slot {
    int index;
    int wanted; /* the group assigns it to this replicator (the rebalance callback says so) */
    int lost;   /* revoked as lost: the group went on without this replicator (it was paused, or cut off) */
    int fenced; /* another producer took its transactional id: not taken back until the group assigns it anew */
    int owned;  /* its producer is ready: this replicator copies its partitions */
    int gained; /* in apply_slots: owned just now */
    struct kafka_producer *producer;
    int in_txn;
    int broken;                        /* its producer failed (not fenced): a new one, same transactional id */
    long long records, bytes, skipped; /* in the open batch */
    char transactional_id[300];
};

/* One source partition and where its replication stands. */
struct part {
    struct topic *topic;
    struct slot *slot;
    int32_t partition;
    int64_t committed_src; /* the stored source position; -1: none (read from the beginning) */
    int64_t committed_dst; /* the stored destination position; -1: nothing copied yet */
    int64_t next;          /* the lowest offset the next record may have; -1: any */
    int64_t batch_src;     /* the position the open batch reaches; -1: not moved */
    int64_t batch_dst;     /* after its last record delivered in the open batch; -1: none */
    int reset;             /* its stored position is out of the source's range: starts over (apply_resets) */
    int provenance_len;    /* of the prefix in provenance, which each record copied completes */
    char provenance[PROVENANCE_VALUE_MAX];
};

struct topic {
    char *name, *dest;
    struct part **parts; /* by partition number */
    int count;           /* partitions known (those of owned slots are assigned) */
    int blocked;         /* its destination has fewer partitions and is not ours (logged once) */
    int failing;         /* creating or growing its destination failed (logged once) */
    int seen;            /* in the last metadata */
};

struct replicate {
    const struct replicate_settings *s;
    rd_kafka_conf_t *source_conf, *dest_conf;
    rd_kafka_t *consumer;    /* the source's records: owned slots' partitions, assigned by hand */
    struct fetch_wake *wake; /* keeps the consumer's bounded prefetch flowing */
    rd_kafka_t *members;     /* the group on the source, subscribed to the slots topic: which slots are ours */
    rd_kafka_t *dest;        /* a plain client of the destination: metadata */
    struct slot *slots;
    int slot_count;
    int slots_changed; /* the rebalance callback changed what is wanted */
    int resets;        /* some partition's position is out of range (out_of_range) */
    long long access_said_ms;
    char source_id[128], dest_id[128];
    char source_servers[256], dest_servers[256];
    struct positions_store *stored;
    int positions_loaded;
    struct topic **topics;
    int topic_count;
    struct topic *last_topic;                  /* of the last record: the next is likely the same */
    rd_kafka_topic_partition_list_t *assigned; /* opaque: the struct part */
    struct batch_rule rule;

    /* The open batch. */
    long long opened_ms;      /* monotonic; -1: none open */
    long long records, bytes; /* every slot's */
    int idle_commit;          /* every owned slot commits, its transaction only its heartbeat */

    long long refreshed_ms, checked_ms, lags_ms, committed_ms;
    int refreshes;
    int replicating;            /* what the state says, to set it on changes only */
    int source_down, dest_down; /* each logged once per change */

    pthread_mutex_t lock; /* metrics, lags: /metrics reads them */
    struct replicate_metrics metrics;
    struct latency *latency; /* locks itself */
    long long sampled_tick;  /* the coarse clock's tick of the last latency sample */
    struct replicate_lag *lags;
    size_t lag_count, lag_cap;
};

/* ---------------------------------------------------------------- metrics */

static void set_state(struct replicate *r, const char *state, int replicating) {
    pthread_mutex_lock(&r->lock);
    snprintf(r->metrics.state, sizeof r->metrics.state, "%s", state);
    r->metrics.replicating = replicating;
    pthread_mutex_unlock(&r->lock);
}

void replicate_metrics_read(struct replicate *r, struct replicate_metrics *out) {
    static const double q[] = {0.5, 0.99};
    double values[2] = {0, 0};
    pthread_mutex_lock(&r->lock);
    *out = r->metrics;
    pthread_mutex_unlock(&r->lock);
    out->latency_samples = latency_quantiles(r->latency, clock_wall_ms(), LATENCY_WINDOW_MS, q, 2, values);
    out->latency_p50_ms = values[0];
    out->latency_p99_ms = values[1];
}

size_t replicate_lag_read(struct replicate *r, struct replicate_lag *out, size_t cap) {
    pthread_mutex_lock(&r->lock);
    size_t n = r->lag_count;
    if (n && cap)
        memcpy(out, r->lags, (n < cap ? n : cap) * sizeof *out);
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* Every partition's lag, from the end offsets the consumer's fetches saw. */
static void update_lags(struct replicate *r) {
    size_t n = 0;
    for (int t = 0; t < r->topic_count; t++)
        n += (size_t)r->topics[t]->count;
    pthread_mutex_lock(&r->lock);
    if (n > r->lag_cap) {
        struct replicate_lag *grown = realloc(r->lags, n * sizeof *grown);
        if (!grown) {
            pthread_mutex_unlock(&r->lock);
            return;
        }
        r->lags = grown;
        r->lag_cap = n;
    }
    size_t i = 0;
    for (int t = 0; t < r->topic_count; t++) {
        const struct topic *topic = r->topics[t];
        for (int p = 0; p < topic->count; p++) {
            const struct part *part = topic->parts[p];
            if (!part->slot->owned)
                continue; /* the owner of its slot shows it */
            struct replicate_lag *lag = &r->lags[i++];
            snprintf(lag->topic, sizeof lag->topic, "%s", topic->name);
            lag->partition = part->partition;
            int64_t low = -1, high = -1;
            lag->lag = -1;
            if (rd_kafka_get_watermark_offsets(r->consumer, topic->name, part->partition, &low, &high) == 0 &&
                high >= 0) {
                int64_t at = part->committed_src >= 0 ? part->committed_src : low >= 0 ? low : 0;
                lag->lag = high > at ? high - at : 0;
            }
        }
    }
    r->lag_count = i;
    pthread_mutex_unlock(&r->lock);
}

/* A record landed on the destination (on the engine's thread: inside a
 * produce, flush or commit): its partition's destination position moves,
 * and its latency is sampled — the first record delivered in each tick of
 * the coarse clock (a few ms): every record when they are few, else some
 * hundreds a second, so that the ring spans the whole window at any rate
 * and a record costs no precise clock reading. */
static void on_delivered(const rd_kafka_message_t *m, void *ctx) {
    struct replicate *r = ctx;
    struct part *part = m->_private;
    if (!part)
        return; /* a positions record */
    if (m->offset + 1 > part->batch_dst)
        part->batch_dst = m->offset + 1;
    long long tick = clock_coarse_ms();
    if (tick == r->sampled_tick)
        return;
    int64_t ts = rd_kafka_message_timestamp(m, NULL);
    if (ts > 0) {
        r->sampled_tick = tick;
        long long now = clock_wall_ms();
        latency_add(r->latency, now, now - ts);
    }
}

/* ------------------------------------------------------------ life cycle */

struct replicate *replicate_new(const struct replicate_settings *settings, const rd_kafka_conf_t *source_conf,
                                const rd_kafka_conf_t *dest_conf, char *err, size_t errlen) {
    struct replicate *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->s = settings;
    pthread_mutex_init(&r->lock, NULL);
    r->slot_count = settings->slots > 0 ? settings->slots : 1;
    r->slots = calloc((size_t)r->slot_count, sizeof *r->slots);
    for (int k = 0; r->slots && k < r->slot_count; k++) {
        r->slots[k].index = k;
        snprintf(r->slots[k].transactional_id, sizeof r->slots[k].transactional_id, "bridgelab-replicate-%s-%d",
                 settings->group_id, k);
    }
    r->metrics.slots = r->slot_count;
    r->rule.max_records = settings->batch_max_records;
    r->rule.max_bytes = settings->batch_max_bytes;
    r->rule.max_ms = settings->batch_max_ms;
    r->opened_ms = -1;
    r->replicating = -1;
    r->source_conf = rd_kafka_conf_dup(source_conf);
    r->dest_conf = rd_kafka_conf_dup(dest_conf);
    r->stored = positions_store_new();
    r->latency = latency_new(LATENCY_SAMPLES);
    r->assigned = rd_kafka_topic_partition_list_new(16);
    if (!r->slots || !r->source_conf || !r->dest_conf || !r->stored || !r->latency || !r->assigned) {
        snprintf(err, errlen, "out of memory");
        replicate_free(r);
        return NULL;
    }
    size_t n = sizeof r->source_servers;
    if (rd_kafka_conf_get(r->source_conf, "bootstrap.servers", r->source_servers, &n) != RD_KAFKA_CONF_OK)
        snprintf(r->source_servers, sizeof r->source_servers, "?");
    n = sizeof r->dest_servers;
    if (rd_kafka_conf_get(r->dest_conf, "bootstrap.servers", r->dest_servers, &n) != RD_KAFKA_CONF_OK)
        snprintf(r->dest_servers, sizeof r->dest_servers, "?");
    set_state(r, "starting", 0);
    return r;
}

static void free_topic(struct topic *t) {
    for (int p = 0; p < t->count; p++)
        free(t->parts[p]);
    free(t->parts);
    free(t->name);
    free(t->dest);
    free(t);
}

void replicate_free(struct replicate *r) {
    if (!r)
        return;
    for (int k = 0; r->slots && k < r->slot_count; k++) /* first: their delivery reports point into the parts */
        kafka_producer_free(r->slots[k].producer);
    free(r->slots);
    r->slots = NULL;  /* the rebalance callback of the close below finds no slots */
    if (r->members) { /* leaves the group: the others take the slots over at once */
        rd_kafka_consumer_close(r->members);
        rd_kafka_destroy(r->members);
    }
    fetch_wake_free(r->wake);
    if (r->consumer) {
        rd_kafka_consumer_close(r->consumer);
        rd_kafka_destroy(r->consumer);
    }
    if (r->dest)
        rd_kafka_destroy(r->dest);
    for (int t = 0; t < r->topic_count; t++)
        free_topic(r->topics[t]);
    free(r->topics);
    if (r->assigned)
        rd_kafka_topic_partition_list_destroy(r->assigned);
    positions_store_free(r->stored);
    latency_free(r->latency);
    free(r->lags);
    if (r->source_conf)
        rd_kafka_conf_destroy(r->source_conf);
    if (r->dest_conf)
        rd_kafka_conf_destroy(r->dest_conf);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* ------------------------------------------------------------- positions */

static int collect_position(const rd_kafka_message_t *m, void *ctx) {
    struct replicate *r = ctx;
    char topic[256];
    int32_t partition;
    int rc = positions_parse_key(m->key, m->key_len, r->s->group_id, topic, sizeof topic, &partition);
    if (rc != 0) {
        if (rc < 0)
            log_warn("%s: an unreadable key at partition %d offset %lld: ignored", r->s->offsets_topic,
                     (int)m->partition, (long long)m->offset);
        return 0;
    }
    int64_t src = -1, dst = -1;
    if (m->payload && positions_parse_value(m->payload, m->len, &src, &dst) != 0) {
        log_warn("%s: the position of %s [%d] is unreadable (%.*s): ignored", r->s->offsets_topic, topic,
                 (int)partition, (int)(m->len < 200 ? m->len : 200), (const char *)m->payload);
        return 0;
    }
    return positions_store_put(r->stored, topic, partition, m->payload ? src : -1, dst);
}

/* Reads the group's positions back, read_committed; 0, 1 when stopped, -1. */
static int load_positions(struct replicate *r, char *err, size_t errlen) {
    for (int backoff = 200;; backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2) {
        int rc = kafka_read_each(r->dest_conf, r->s->offsets_topic, collect_position, r, 30000, err, errlen);
        if (rc >= 0) {
            r->positions_loaded = 1;
            return 0;
        }
        log_warn("%s: retrying in %.1f s", err, backoff / 1000.0);
        if (clock_sleep_or_stop(backoff, shutdown_requested))
            return 1;
    }
}

/* Applies one incremental change of the data consumer's assignment. */
static int change_assignment(struct replicate *r, rd_kafka_topic_partition_list_t *parts, int add, char *err,
                             size_t errlen) {
    if (parts->cnt == 0)
        return 0;
    rd_kafka_error_t *error =
        add ? rd_kafka_incremental_assign(r->consumer, parts) : rd_kafka_incremental_unassign(r->consumer, parts);
    if (!error)
        return 0;
    snprintf(err, errlen, "%s %d partitions of onprem Kafka at %s: %s", add ? "assigning" : "unassigning", parts->cnt,
             r->source_servers, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    return -1;
}

/* Moves the partitions kept in the assignment back to their committed
 * positions. A partition whose start is still pending (librdkafka starts it
 * once an earlier removal is served) answers __STATE: it starts at the
 * position it was given, and nothing of it was copied since. */
static int seek_kept(struct replicate *r, rd_kafka_topic_partition_list_t *kept, char *err, size_t errlen) {
    if (kept->cnt == 0)
        return 0;
    rd_kafka_error_t *error = rd_kafka_seek_partitions(r->consumer, kept, SEEK_TIMEOUT_MS);
    if (error) {
        snprintf(err, errlen, "seeking %d partitions of onprem Kafka at %s: %s", kept->cnt, r->source_servers,
                 rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        return -1;
    }
    for (int i = 0; i < kept->cnt; i++) {
        const rd_kafka_topic_partition_t *e = &kept->elems[i];
        if (e->err && e->err != RD_KAFKA_RESP_ERR__STATE) {
            snprintf(err, errlen, "seeking %s [%d] of onprem Kafka at %s to offset %lld: %s", e->topic,
                     (int)e->partition, r->source_servers, (long long)e->offset, rd_kafka_err2str(e->err));
            return -1;
        }
    }
    return 0;
}

/* The partitions added with no stored position start at their first
 * offset, asked for here (one ListOffsets a broker, for the earliest) rather
 * than left to librdkafka as BEGINNING: librdkafka 2.0.2 asks for a logical
 * offset at once, and when the partition has not yet joined its leader's
 * broker thread (a topic the consumer has only just learned: every start,
 * every new topic) it waits 500 ms before it asks again ("no current leader
 * for partition"; measured in half the starts of the benchmark's catch-up).
 * If the question fails, they stay at BEGINNING. */
static void resolve_beginnings(struct replicate *r, rd_kafka_topic_partition_list_t *added) {
    rd_kafka_topic_partition_list_t *ask = rd_kafka_topic_partition_list_new(added->cnt);
    for (int i = 0; i < added->cnt; i++)
        if (added->elems[i].offset == RD_KAFKA_OFFSET_BEGINNING)
            rd_kafka_topic_partition_list_add(ask, added->elems[i].topic, added->elems[i].partition)->offset =
                RD_KAFKA_OFFSET_BEGINNING; /* as a ListOffsets timestamp: the earliest */
    if (ask->cnt > 0 && rd_kafka_offsets_for_times(r->consumer, ask, SEEK_TIMEOUT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR)
        for (int i = 0; i < ask->cnt; i++) {
            const rd_kafka_topic_partition_t *a = &ask->elems[i];
            rd_kafka_topic_partition_t *e = rd_kafka_topic_partition_list_find(added, a->topic, a->partition);
            if (!a->err && a->offset >= 0 && e)
                e->offset = a->offset;
        }
    rd_kafka_topic_partition_list_destroy(ask);
}

/* Gives the data consumer every partition of the owned slots at its
 * committed position: when the partitions or the slots change, to replay
 * after a failed batch, and to start over the partitions out of range
 * (part->reset: removed and added again). The change is incremental: only
 * partitions that come or go are added or removed, the others are moved by
 * a seek. Assigning the whole list each time removes and adds every
 * partition, and librdkafka 2.0.2 asserts (rdkafka_assignment.c:872,
 * rktp_started; librdkafka issue 5573) when a partition is removed again
 * before its previous removal is served: two changes in quick succession,
 * as a fenced replicator makes when the group then takes its slots. */
static int assign_all(struct replicate *r, char *err, size_t errlen) {
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(r->assigned->size);
    rd_kafka_topic_partition_list_t *gone = rd_kafka_topic_partition_list_new(r->assigned->cnt);
    rd_kafka_topic_partition_list_t *added = rd_kafka_topic_partition_list_new(r->assigned->size);
    rd_kafka_topic_partition_list_t *kept = rd_kafka_topic_partition_list_new(r->assigned->size);
    for (int t = 0; t < r->topic_count; t++) {
        struct topic *topic = r->topics[t];
        for (int p = 0; p < topic->count; p++) {
            struct part *part = topic->parts[p];
            if (!part->slot->owned)
                continue;
            int64_t offset = part->committed_src >= 0 ? part->committed_src : RD_KAFKA_OFFSET_BEGINNING;
            rd_kafka_topic_partition_t *e = rd_kafka_topic_partition_list_add(list, topic->name, part->partition);
            e->offset = offset;
            e->opaque = part;
            part->next = part->committed_src;
            part->batch_src = part->batch_dst = -1;
            int was = rd_kafka_topic_partition_list_find(r->assigned, topic->name, part->partition) != NULL;
            if (was && part->reset)
                rd_kafka_topic_partition_list_add(gone, topic->name, part->partition);
            rd_kafka_topic_partition_list_add(was && !part->reset ? kept : added, topic->name, part->partition)
                ->offset = offset;
        }
    }
    for (int i = 0; i < r->assigned->cnt; i++) {
        const rd_kafka_topic_partition_t *e = &r->assigned->elems[i];
        if (!rd_kafka_topic_partition_list_find(list, e->topic, e->partition))
            rd_kafka_topic_partition_list_add(gone, e->topic, e->partition);
    }
    resolve_beginnings(r, added);
    int rc = change_assignment(r, gone, 0, err, errlen);
    if (rc == 0)
        rc = change_assignment(r, added, 1, err, errlen);
    if (rc == 0)
        rc = seek_kept(r, kept, err, errlen);
    rd_kafka_topic_partition_list_destroy(gone);
    rd_kafka_topic_partition_list_destroy(added);
    rd_kafka_topic_partition_list_destroy(kept);
    if (rc != 0) {
        rd_kafka_topic_partition_list_destroy(list);
        return -1;
    }
    rd_kafka_topic_partition_list_destroy(r->assigned);
    r->assigned = list;
    return 0;
}

/* ---------------------------------------------------------------- topics */

static void source_reachable(struct replicate *r, int up, const char *why) {
    if (up && r->source_down)
        log_info("onprem Kafka at %s answers again", r->source_servers);
    else if (!up && !r->source_down)
        log_warn("onprem Kafka at %s unreachable: %s: waiting (nothing is skipped)", r->source_servers, why);
    r->source_down = !up;
}

static void dest_reachable(struct replicate *r, int up, const char *why) {
    if (up && r->dest_down)
        log_info("cloud Kafka at %s answers again", r->dest_servers);
    else if (!up && !r->dest_down)
        log_warn("cloud Kafka at %s unreachable: %s: waiting (nothing is skipped)", r->dest_servers, why);
    r->dest_down = !up;
}

static struct topic *find_topic(const struct replicate *r, const char *name) {
    for (int t = 0; t < r->topic_count; t++)
        if (strcmp(r->topics[t]->name, name) == 0)
            return r->topics[t];
    return NULL;
}

static struct topic *add_topic(struct replicate *r, const char *name, const char *dest) {
    struct topic **grown = realloc(r->topics, (size_t)(r->topic_count + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    r->topics = grown;
    struct topic *t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(name)) || !(t->dest = strdup(dest))) {
        if (t)
            free(t->name);
        free(t);
        return NULL;
    }
    r->topics[r->topic_count++] = t;
    return t;
}

/* Grows a topic to count partitions, each at its stored position. */
static int add_partitions(struct replicate *r, struct topic *t, int count) {
    struct part **grown = realloc(t->parts, (size_t)count * sizeof *grown);
    if (!grown)
        return -1;
    t->parts = grown;
    for (; t->count < count; t->count++) {
        struct part *part = calloc(1, sizeof *part);
        if (!part)
            return -1;
        part->topic = t;
        part->partition = t->count;
        part->provenance_len =
            provenance_prefix(part->provenance, sizeof part->provenance, r->source_id, t->name, part->partition);
        if (part->provenance_len < 0) {
            free(part);
            return -1;
        }
        part->slot = &r->slots[replicate_slot_of(t->name, part->partition, r->slot_count)];
        part->committed_src = part->committed_dst = -1;
        if (positions_store_get(r->stored, t->name, part->partition, &part->committed_src, &part->committed_dst) &&
            part->slot->owned)
            log_info("%s [%d]: resuming at offset %lld (destination offset %lld)", t->name, (int)part->partition,
                     (long long)part->committed_src, (long long)part->committed_dst);
        part->next = part->committed_src;
        part->batch_src = part->batch_dst = -1;
        t->parts[t->count] = part;
    }
    return 0;
}

static int dest_partitions(const struct rd_kafka_metadata *md, const char *topic) {
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, topic) == 0)
            return md->topics[i].err ? 0 : md->topics[i].partition_cnt;
    return 0;
}

static void publish_topic_counts(struct replicate *r) {
    int topics = 0, partitions = 0, blocked = 0;
    for (int t = 0; t < r->topic_count; t++) {
        topics += r->topics[t]->count > 0;
        blocked += r->topics[t]->blocked;
    }
    int owned = 0;
    for (int k = 0; k < r->slot_count; k++)
        owned += r->slots[k].owned;
    partitions = r->assigned->cnt;
    pthread_mutex_lock(&r->lock);
    r->metrics.slots_owned = owned;
    r->metrics.topics = topics;
    r->metrics.partitions = partitions;
    r->metrics.blocked_topics = blocked;
    pthread_mutex_unlock(&r->lock);
}

/* Looks the source's topics up: new topics and partitions are added (their
 * destinations made fit first), topics gone are dropped, and the consumer is
 * assigned again when that changed anything. Between batches only. A cluster
 * that does not answer leaves everything as it is. 0, or -1 with err. */
static int refresh(struct replicate *r, char *err, size_t errlen) {
    r->refreshed_ms = clock_mono_ms();
    const struct rd_kafka_metadata *src = NULL, *dst = NULL;
    rd_kafka_resp_err_t code = rd_kafka_metadata(r->consumer, 1, NULL, &src, METADATA_TIMEOUT_MS);
    if (code) {
        source_reachable(r, 0, rd_kafka_err2str(code));
        return 0;
    }
    source_reachable(r, 1, NULL);
    code = rd_kafka_metadata(r->dest, 1, NULL, &dst, METADATA_TIMEOUT_MS);
    if (code) {
        rd_kafka_metadata_destroy(src);
        dest_reachable(r, 0, rd_kafka_err2str(code));
        return 0;
    }
    dest_reachable(r, 1, NULL);
    for (int t = 0; t < r->topic_count; t++)
        r->topics[t]->seen = 0;
    int changed = 0, created = 0, rc = 0, reloaded = 0;
    char dest[512], why[1024];
    for (int i = 0; i < src->topic_cnt && rc == 0; i++) {
        const struct rd_kafka_metadata_topic *mt = &src->topics[i];
        if (mt->err || mt->partition_cnt <= 0 || !replicate_settings_selects(r->s, mt->topic))
            continue;
        struct topic *t = find_topic(r, mt->topic);
        if (!t) {
            if (replicate_settings_rename(r->s, mt->topic, dest, sizeof dest) != 0) {
                log_error("topic %s: its destination name is too long (replicate.rename.format): not replicated",
                          mt->topic);
                continue;
            }
            if (!(t = add_topic(r, mt->topic, dest))) {
                rc = -1;
                break;
            }
        }
        t->seen = 1;
        if (mt->partition_cnt <= t->count)
            continue;
        /* Positions for the new partitions: read back again, unless just read. */
        if (r->refreshes > 0 && !reloaded) {
            if (kafka_read_each(r->dest_conf, r->s->offsets_topic, collect_position, r, 30000, why, sizeof why) < 0) {
                log_warn("%s: the new partitions wait for the next look", why);
                continue;
            }
            reloaded = 1;
        }
        int ours = t->count > 0 || positions_store_has_topic(r->stored, t->name);
        enum topic_sync sync =
            topic_sync_ensure(r->source_conf, r->dest_conf, t->name, mt->partition_cnt, t->dest,
                              dest_partitions(dst, t->dest), ours, r->s->topic_replication_factor, why, sizeof why);
        if (sync == TOPIC_BLOCKED) {
            if (!t->blocked)
                log_error("%s", why);
            t->blocked = 1;
            continue;
        }
        if (sync == TOPIC_RETRY) {
            if (!t->failing)
                log_warn("%s: trying again in %.1f s", why, r->s->refresh_ms / 1000.0);
            t->failing = 1;
            continue;
        }
        if (t->blocked)
            log_info("topic %s: its destination %s has enough partitions now: replicating it", t->name, t->dest);
        t->blocked = t->failing = 0;
        if (t->count == 0)
            log_info("replicating topic %s (%d partitions) to %s", t->name, mt->partition_cnt, t->dest);
        else
            log_info("topic %s has %d partitions now (was %d): replicating them all", t->name, mt->partition_cnt,
                     t->count);
        if (add_partitions(r, t, mt->partition_cnt) != 0) {
            rc = -1;
            break;
        }
        changed = created = 1;
    }
    for (int t = 0; t < r->topic_count && rc == 0;) {
        if (r->topics[t]->seen) {
            t++;
            continue;
        }
        if (r->topics[t]->count)
            log_info("topic %s is gone from onprem Kafka: no longer replicated", r->topics[t]->name);
        if (r->last_topic == r->topics[t])
            r->last_topic = NULL;
        changed |= r->topics[t]->count > 0;
        free_topic(r->topics[t]);
        r->topics[t] = r->topics[--r->topic_count];
    }
    rd_kafka_metadata_destroy(src);
    rd_kafka_metadata_destroy(dst);
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int k = 0; created && k < r->slot_count; k++)
        if (r->slots[k].owned &&
            kafka_producer_learn_topics(r->slots[k].producer, METADATA_TIMEOUT_MS, why, sizeof why) != 0)
            log_warn("%s: the first records to a new topic may wait for its metadata", why);
    if (changed && assign_all(r, err, errlen) != 0)
        return -1;
    r->refreshes++;
    publish_topic_counts(r);
    return 0;
}

/* ---------------------------------------------------------------- batches */

static void count_abort(struct replicate *r) {
    pthread_mutex_lock(&r->lock);
    r->metrics.aborts++;
    pthread_mutex_unlock(&r->lock);
}

/* What a slot's producer answered, as a step of the batch. */
static enum step outcome(struct replicate *r, struct slot *s, enum kafka_txn rc, const char *err) {
    if (rc == KAFKA_TXN_OK)
        return STEP_OK;
    s->in_txn = 0;
    if (rc == KAFKA_TXN_ABORTED) {
        count_abort(r);
        log_warn("slot %d: %s", s->index, err);
        return STEP_REPLAY;
    }
    if (kafka_producer_fenced(s->producer)) {
        log_warn("slot %d: fenced: another replicator of group %s took transactional id %s (this one was paused or "
                 "cut off, and the group moved the slot): nothing more is written for it here",
                 s->index, r->s->group_id, s->transactional_id);
        s->fenced = 1;
        pthread_mutex_lock(&r->lock);
        r->metrics.fenced++;
        pthread_mutex_unlock(&r->lock);
        return STEP_FENCED;
    }
    log_warn("slot %d: Kafka producer failed (%s): starting a new one, replaying from the stored positions", s->index,
             err);
    s->broken = 1;
    return STEP_RENEW;
}

static void reset_batch(struct replicate *r) {
    r->opened_ms = -1;
    r->idle_commit = 0;
    r->records = r->bytes = 0;
    for (int k = 0; k < r->slot_count; k++)
        r->slots[k].records = r->slots[k].bytes = r->slots[k].skipped = 0;
    for (int i = 0; i < r->assigned->cnt; i++) {
        struct part *part = r->assigned->elems[i].opaque;
        part->batch_src = part->batch_dst = -1;
    }
}

/* A slot's transaction begins with its heartbeat on the offsets topic (key
 * <group>, no partition: not a position). That adds the offsets topic's one
 * partition to the transaction while the batch's records are copied, so the
 * positions written after the flush cost no AddPartitionsToTxn round trip at
 * the commit (measured: 4.4 ms of commit a transaction, against 1.0 ms for a
 * commit with nothing after the flush). And an idle slot's commit, which is
 * only this record, is how a producer fenced by another replicator learns
 * it. */
static enum step open_txn(struct replicate *r, struct slot *s, char *err, size_t errlen) {
    if (s->in_txn)
        return STEP_OK;
    enum step st = outcome(r, s, kafka_producer_begin(s->producer, err, errlen), err);
    s->in_txn = st == STEP_OK;
    if (st != STEP_OK)
        return st;
    char value[256];
    int vlen = snprintf(value, sizeof value, "{\"heartbeat_ms\":%lld,\"slot\":%d,\"source_cluster\":\"%s\"}",
                        clock_wall_ms(), s->index, r->source_id);
    return outcome(r, s,
                   kafka_producer_produce(s->producer, r->s->offsets_topic, r->s->group_id, strlen(r->s->group_id),
                                          value, (size_t)vlen, NULL, err, errlen),
                   err);
}

/* The partitions whose position moved past their committed one: the
 * consumer's position (past markers and aborted records), never behind the
 * records taken. Returns how many moved. A replay may rely on it: assign and
 * seek reset the position to INVALID until the partition's next record or
 * marker is served (measured on librdkafka 2.0.2), so the position of a
 * batch that was aborted never outlives it. */
static int moved_positions(struct replicate *r) {
    if (r->assigned->cnt == 0)
        return 0;
    rd_kafka_position(r->consumer, r->assigned);
    int moved = 0;
    for (int i = 0; i < r->assigned->cnt; i++) {
        struct part *part = r->assigned->elems[i].opaque;
        int64_t at = r->assigned->elems[i].offset;
        if (part->reset)
            continue; /* its position is the one out of range */
        if (at < part->next)
            at = part->next;
        if (at >= 0 && at > part->committed_src) {
            part->batch_src = at;
            moved++;
        }
    }
    return moved;
}

/* One slot's part of the batch: its records delivered, the positions its
 * partitions reached written beside them, one commit. */
static enum step commit_slot(struct replicate *r, struct slot *s, char *err, size_t errlen) {
    enum step st = open_txn(r, s, err, errlen);
    if (st == STEP_OK && s->records > 0)
        st = outcome(r, s, kafka_producer_flush(s->producer, err, errlen), err);
    char key[600], value[256];
    for (int i = 0; st == STEP_OK && i < r->assigned->cnt; i++) {
        struct part *part = r->assigned->elems[i].opaque;
        if (part->slot != s || part->batch_src < 0)
            continue;
        int64_t dst = part->batch_dst >= 0 ? part->batch_dst : part->committed_dst;
        int klen = positions_key(key, sizeof key, r->s->group_id, part->topic->name, part->partition);
        int vlen = positions_value(value, sizeof value, part->batch_src, dst);
        if (klen < 0 || vlen < 0) {
            snprintf(err, errlen, "internal error: the position key of %s [%d] is too long", part->topic->name,
                     (int)part->partition);
            return STEP_FATAL;
        }
        st = outcome(r, s,
                     kafka_producer_produce(s->producer, r->s->offsets_topic, key, (size_t)klen, value, (size_t)vlen,
                                            NULL, err, errlen),
                     err);
    }
    if (st == STEP_OK)
        st = outcome(r, s, kafka_producer_commit(s->producer, err, errlen), err);
    if (st != STEP_OK)
        return st;
    s->in_txn = 0;
    for (int i = 0; i < r->assigned->cnt; i++) {
        struct part *part = r->assigned->elems[i].opaque;
        if (part->slot != s || part->batch_src < 0)
            continue;
        part->committed_src = part->batch_src;
        if (part->batch_dst >= 0)
            part->committed_dst = part->batch_dst;
        if (positions_store_put(r->stored, part->topic->name, part->partition, part->committed_src,
                                part->committed_dst) != 0) {
            snprintf(err, errlen, "out of memory");
            return STEP_FATAL;
        }
    }
    pthread_mutex_lock(&r->lock);
    r->metrics.records += (uint64_t)s->records;
    r->metrics.bytes += (uint64_t)s->bytes;
    r->metrics.skipped_loops += (uint64_t)s->skipped;
    r->metrics.transactions++;
    pthread_mutex_unlock(&r->lock);
    return STEP_OK;
}

/* Closes the open batch: one transaction per owned slot that has something
 * (records, positions that moved, an idle commit). A slot that fails does not
 * stop the others: what they commit stays committed. Returns the worst
 * outcome. */
static enum step close_batch(struct replicate *r, char *err, size_t errlen) {
    if (r->opened_ms < 0)
        return STEP_OK;
    int moved = moved_positions(r);
    if (moved == 0 && r->records == 0 && !r->idle_commit) {
        reset_batch(r);
        return STEP_OK;
    }
    enum step worst = STEP_OK;
    char why[1024] = "";
    for (int k = 0; k < r->slot_count; k++) {
        struct slot *s = &r->slots[k];
        if (!s->owned || s->fenced || s->broken)
            continue;
        int has = s->records > 0 || s->skipped > 0 || r->idle_commit || s->in_txn;
        for (int i = 0; !has && i < r->assigned->cnt; i++) {
            const struct part *part = r->assigned->elems[i].opaque;
            has = part->slot == s && part->batch_src >= 0;
        }
        if (!has)
            continue;
        enum step st = commit_slot(r, s, why, sizeof why);
        if (st == STEP_FATAL) {
            snprintf(err, errlen, "%s", why);
            return STEP_FATAL;
        }
        if (st > worst) {
            worst = st;
            snprintf(err, errlen, "%s", why);
        }
    }
    if (worst == STEP_OK) {
        r->committed_ms = clock_mono_ms();
        log_debug("committed %lld records, %d positions", r->records, moved);
    }
    reset_batch(r);
    return worst;
}

/* The partition a record belongs to, or NULL (a stale fetch of a partition
 * no longer assigned, or of a slot no longer owned). */
static struct part *part_of(struct replicate *r, const rd_kafka_message_t *m) {
    const char *name = rd_kafka_topic_name(m->rkt);
    struct topic *t = r->last_topic && strcmp(r->last_topic->name, name) == 0 ? r->last_topic : find_topic(r, name);
    if (!t || m->partition < 0 || m->partition >= t->count)
        return NULL;
    r->last_topic = t;
    struct part *part = t->parts[m->partition];
    return part->slot->owned && !part->slot->fenced && !part->slot->broken ? part : NULL;
}

/* One record from the source: copied into its slot's open transaction, or,
 * when its provenance is the destination, passed over (its position still
 * moves). */
static enum step take(struct replicate *r, const rd_kafka_message_t *m, char *err, size_t errlen) {
    struct part *part = part_of(r, m);
    if (!part || m->offset < part->next)
        return STEP_OK; /* not ours, or a record taken already (a fetch from before a seek) */
    struct slot *s = part->slot;
    part->next = m->offset + 1;
    if (r->opened_ms < 0)
        r->opened_ms = clock_mono_ms();
    rd_kafka_headers_t *headers = NULL;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR)
        headers = NULL;
    if (provenance_from(headers, r->dest_id)) {
        s->skipped++;
        return STEP_OK;
    }
    int n = provenance_complete(part->provenance, sizeof part->provenance, (size_t)part->provenance_len, m->offset);
    rd_kafka_headers_t *copy = headers ? rd_kafka_headers_copy(headers) : rd_kafka_headers_new(1);
    if (n < 0 || !copy || rd_kafka_header_add(copy, PROVENANCE_HEADER, -1, part->provenance, (ssize_t)n)) {
        if (copy)
            rd_kafka_headers_destroy(copy);
        snprintf(err, errlen, "out of memory");
        return STEP_FATAL;
    }
    enum step st = open_txn(r, s, err, errlen);
    if (st != STEP_OK) {
        rd_kafka_headers_destroy(copy);
        return st;
    }
    int64_t ts = rd_kafka_message_timestamp(m, NULL);
    st = outcome(r, s,
                 kafka_producer_copy(s->producer, part->topic->dest, part->partition, ts > 0 ? ts : 0, m->key,
                                     m->key_len, m->payload, m->len, copy, part, err, errlen),
                 err);
    long long bytes = (long long)(m->key_len + m->len);
    s->records++;
    s->bytes += bytes;
    r->records++;
    r->bytes += bytes;
    return st;
}

/* A partition whose stored position is out of the source's range (the
 * consumer is made with auto.offset.reset=error, so it is never moved
 * silently): past the end offset, the topic was deleted and made again;
 * before the start, retention removed records not yet copied. Either way the
 * partition starts over from its beginning, saying so in one line; the
 * position written next is the new one. */
static void out_of_range(struct replicate *r, const rd_kafka_message_t *m) {
    struct part *part = part_of(r, m);
    if (!part)
        return;
    int64_t low = -1, high = -1;
    rd_kafka_query_watermark_offsets(r->consumer, part->topic->name, part->partition, &low, &high, 5000);
    int64_t at = part->committed_src;
    if (at >= 0 && high >= 0 && at > high)
        log_warn("%s [%d]: the stored position %lld is past the source's end offset %lld (the topic was deleted and "
                 "made again?): starting it over from its beginning (offset %lld); the destination keeps what it had",
                 part->topic->name, (int)part->partition, (long long)at, (long long)high, (long long)low);
    else
        log_warn("%s [%d]: the stored position %lld is out of the source's range %lld-%lld (%s): starting over from "
                 "offset %lld",
                 part->topic->name, (int)part->partition, (long long)at, (long long)low, (long long)high,
                 rd_kafka_message_errstr(m), (long long)low);
    /* librdkafka (2.0.2) leaves the partition stopped after this error, and a
     * seek does not start it again: it is assigned again, between batches
     * (apply_resets), and its position is not written before. */
    part->reset = 1;
    r->resets = 1;
}

/* The partitions out of range start over from their beginning: between
 * batches, nothing in flight. 0, or -1 with err. */
static int apply_resets(struct replicate *r, char *err, size_t errlen) {
    r->resets = 0;
    for (int t = 0; t < r->topic_count; t++)
        for (int p = 0; p < r->topics[t]->count; p++) {
            struct part *part = r->topics[t]->parts[p];
            if (part->reset)
                part->committed_src = -1;
        }
    int rc = assign_all(r, err, errlen);
    for (int t = 0; t < r->topic_count; t++)
        for (int p = 0; p < r->topics[t]->count; p++)
            r->topics[t]->parts[p]->reset = 0;
    return rc;
}

/* ----------------------------------------------------------------- slots */

/* The group on the source (subscribed to the slots topic) gives and takes
 * slots; the callback only notes what is wanted and answers the protocol:
 * the work (producers, positions, the data consumer's assignment) happens
 * in apply_slots, between batches. It runs inside a poll of r->members,
 * which the engine makes between batches only, and inside its close. */
static void on_slots(rd_kafka_t *rk, rd_kafka_resp_err_t code, rd_kafka_topic_partition_list_t *list, void *opaque) {
    struct replicate *r = opaque;
    int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    int assign = code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
    int lost = !assign && rd_kafka_assignment_lost(rk);
    for (int i = 0; r->slots && i < list->cnt; i++) {
        int k = list->elems[i].partition;
        if (k < 0 || k >= r->slot_count)
            continue;
        if (assign) {
            r->slots[k].wanted = 1;
            r->slots[k].fenced = 0; /* the group gives it anew: taking it fences no one wrongly */
            r->slots[k].lost = 0;
        } else {
            r->slots[k].wanted = 0;
            r->slots[k].lost = lost;
        }
    }
    if (!assign && !cooperative) /* eager: everything is revoked */
        for (int k = 0; r->slots && k < r->slot_count; k++)
            r->slots[k].wanted = 0;
    r->slots_changed = 1;
    pthread_mutex_lock(&r->lock);
    r->metrics.rebalances++;
    pthread_mutex_unlock(&r->lock);
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t failed = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (code != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS && code != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
        log_warn("group %s on onprem Kafka: rebalance: %s", r->s->group_id, rd_kafka_err2str(code));
    if (cooperative)
        error = assign ? rd_kafka_incremental_assign(rk, list) : rd_kafka_incremental_unassign(rk, list);
    else
        failed = rd_kafka_assign(rk, assign ? list : NULL);
    if (error) {
        log_warn("group %s on onprem Kafka: %s", r->s->group_id, rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    } else if (failed) {
        log_warn("group %s on onprem Kafka: %s", r->s->group_id, rd_kafka_err2str(failed));
    }
}

/* "0,2,3" */
static void owned_list(const struct replicate *r, char *out, size_t outlen) {
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < r->slot_count && used < outlen; k++)
        if (r->slots[k].owned) {
            int n = snprintf(out + used, outlen - used, "%s%d", used ? "," : "", k);
            used = n < 0 ? outlen : used + (size_t)n;
        }
    if (!out[0])
        snprintf(out, outlen, "none");
}

/* A slot no longer written here: its producer goes (there is no open
 * transaction between batches; a fenced one cannot write anyway). */
static void release_slot(struct replicate *r, struct slot *s, const char *why) {
    log_info("slot %d of %d: %s", s->index, r->slot_count, why);
    kafka_producer_free(s->producer);
    s->producer = NULL;
    s->owned = s->in_txn = s->broken = 0;
}

/* The slot's producer, made and initialised: init_transactions with the
 * slot's transactional id fences a former owner that may still be paused
 * (a zombie) and ends what it left open. 0, 1 when stopped, -1 with err. */
static int slot_producer(struct replicate *r, struct slot *s, char *err, size_t errlen) {
    kafka_producer_free(s->producer);
    s->producer = kafka_producer_new(r->dest_conf, "replicate", s->transactional_id, err, errlen);
    if (!s->producer)
        return -1;
    kafka_producer_on_delivery(s->producer, on_delivered, r);
    s->broken = s->in_txn = 0;
    enum kafka_txn rc = kafka_producer_init(s->producer, -1, err, errlen);
    if (rc == KAFKA_TXN_OK) {
        /* Its first records (to the topics made before it, and to the
         * positions topic) would otherwise wait up to a second each for
         * librdkafka's periodic lookup: measured, 2 s before the first commit. */
        char why[512];
        if (kafka_producer_learn_topics(s->producer, METADATA_TIMEOUT_MS, why, sizeof why) != 0)
            log_warn("%s: the first records to each topic may wait for its metadata", why);
        return 0;
    }
    kafka_producer_free(s->producer);
    s->producer = NULL;
    return shutdown_requested() ? 1 : -1;
}

static int load_positions(struct replicate *r, char *err, size_t errlen);

/* Makes the owned slots what the group wants, between batches: slots taken
 * away are released, slots given get their producer (fencing any zombie),
 * then the positions are read back read_committed — after the fencing, so
 * whatever the former owner committed is seen — and the data consumer is
 * assigned the partitions. 0, 1 when stopped, -1 with err. */
static int apply_slots(struct replicate *r, char *err, size_t errlen) {
    r->slots_changed = 0;
    int changed = 0, gained = 0, rc;
    for (int k = 0; k < r->slot_count; k++) {
        struct slot *s = &r->slots[k];
        if (s->owned && !s->wanted) {
            release_slot(r, s,
                         s->lost ? "lost: the group gave it to another replicator while this one did not answer "
                                   "(paused, or cut off): nothing more is written for it here"
                                 : "handed over to another replicator of the group");
            changed = 1;
        } else if (s->owned && s->fenced) {
            release_slot(r, s, "dropped (fenced); taken again only when the group assigns it anew");
            changed = 1;
        }
    }
    for (int k = 0; k < r->slot_count; k++) {
        struct slot *s = &r->slots[k];
        if (s->owned || !s->wanted || s->fenced)
            continue;
        if ((rc = slot_producer(r, s, err, errlen)) != 0)
            return rc;
        s->owned = s->gained = 1;
        gained = changed = 1;
    }
    if (gained) {
        if ((rc = load_positions(r, err, errlen)) != 0)
            return rc;
        log_info("%zu stored positions of group %s in %s", positions_store_count(r->stored), r->s->group_id,
                 r->s->offsets_topic);
        for (int t = 0; t < r->topic_count; t++)
            for (int p = 0; p < r->topics[t]->count; p++) {
                struct part *part = r->topics[t]->parts[p];
                if (!part->slot->gained)
                    continue;
                int64_t src = -1, dst = -1;
                if (positions_store_get(r->stored, part->topic->name, part->partition, &src, &dst))
                    log_info("%s [%d]: resuming at offset %lld (destination offset %lld)", part->topic->name,
                             (int)part->partition, (long long)src, (long long)dst);
                part->committed_src = src;
                part->committed_dst = dst;
            }
    }
    for (int k = 0; k < r->slot_count; k++)
        r->slots[k].gained = 0;
    if (!changed)
        return 0;
    if (assign_all(r, err, errlen) != 0)
        return -1;
    char list[1024];
    owned_list(r, list, sizeof list);
    log_info("group %s: this replicator owns slots %s of %d (%d partitions)", r->s->group_id, list, r->slot_count,
             r->assigned->cnt);
    publish_topic_counts(r);
    return 0;
}

/* An error of the source only the user can fix (a missing ACL): one line,
 * once a minute (the consumer says it at every fetch). True when it was one. */
static int source_access(struct replicate *r, rd_kafka_resp_err_t code, const char *operation, const char *resource,
                         const char *detail) {
    char line[1024];
    if (!kafka_access_error(kafka_cluster_of(r->source_servers), code, operation, resource, detail, line, sizeof line))
        return 0;
    long long now = clock_mono_ms();
    if (!r->access_said_ms || now - r->access_said_ms >= 60000) {
        r->access_said_ms = now;
        log_error("%s: waiting", line);
    }
    return 1;
}

/* Serves the group (rebalances) between batches. */
static int serve_group(struct replicate *r, char *err, size_t errlen) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(r->members, 0);
    if (m) {
        int said = m->err && source_access(r, m->err,
                                           m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ? "READ" : "DESCRIBE",
                                           m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED
                                               ? r->s->group_id
                                               : (m->rkt ? rd_kafka_topic_name(m->rkt) : r->s->slots_topic),
                                           rd_kafka_message_errstr(m));
        if (!said && m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_debug("group %s on onprem Kafka: %s", r->s->group_id, rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
    }
    return r->slots_changed ? apply_slots(r, err, errlen) : 0;
}

/* --------------------------------------------------------------- the loop */

/* The cluster's id, waited for; 0, 1 when stopped. */
static int cluster_id(rd_kafka_t *rk, const char *which, const char *servers, char *out, size_t outlen) {
    for (int warned = 0;;) {
        char *id = rd_kafka_clusterid(rk, 5000);
        if (id) {
            snprintf(out, outlen, "%s", id);
            rd_kafka_mem_free(rk, id);
            return 0;
        }
        if (!warned++)
            log_warn("%s Kafka at %s: no cluster id yet: waiting", which, servers);
        if (clock_sleep_or_stop(500, shutdown_requested))
            return 1;
    }
}

/* Partitions of topic as rk's metadata shows them; 0 when missing, -1 unknown. */
static int topic_partitions(rd_kafka_t *rk, const char *topic) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (!rkt)
        return -1;
    const struct rd_kafka_metadata *md = NULL;
    int count = -1;
    if (rd_kafka_metadata(rk, 0, rkt, &md, METADATA_TIMEOUT_MS) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1)
        count = md->topics[0].err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ? 0
                : md->topics[0].err                                          ? -1
                                                                             : md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    return count;
}

/* The group's slots topic on the source: made with one partition per slot;
 * one that exists with another count means replicators of the group
 * disagree on replicate.slots. 0, or -1 with err. */
static int slots_topic(struct replicate *r, char *err, size_t errlen) {
    const char *topic = r->s->slots_topic;
    if (kafka_ensure_topic(r->source_conf, topic, r->slot_count, -1, NULL, 30000, err, errlen) != 0)
        return -1;
    int count = -1;
    for (int i = 0; i < 50 && count <= 0; i++) {
        count = topic_partitions(r->consumer, topic);
        if (count <= 0)
            clock_sleep_ms(100);
    }
    if (count == r->slot_count)
        return 0;
    if (count < 0) {
        snprintf(err, errlen, "onprem Kafka at %s: the metadata of topic %s did not come", r->source_servers, topic);
        return -1;
    }
    snprintf(err, errlen,
             "replicate.slots is %d, but the group's topic %s on onprem Kafka at %s has %d partitions (one per slot): "
             "every replicator of group %s must use the same replicate.slots; to change it, stop them all, delete "
             "the topic (kafka-topics --delete --topic %s) and start them with the new count",
             r->slot_count, topic, r->source_servers, count, r->s->group_id, topic);
    return -1;
}

/* The group on the source: a consumer subscribed to the slots topic, with
 * the cooperative-sticky assignor (a rebalance moves only the slots that
 * must move). 0, or -1 with err. */
static int join_group(struct replicate *r, char *err, size_t errlen) {
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(r->source_conf), *defaults = rd_kafka_conf_new();
    /* A crashed member's slots move after its session times out: 10 s, not
     * librdkafka's 45, unless chosen (onprem.kafka.session.timeout.ms). */
    const char *const settings[] = {"partition.assignment.strategy",
                                    "cooperative-sticky",
                                    "session.timeout.ms",
                                    "10000",
                                    "heartbeat.interval.ms",
                                    "1000",
                                    "group.instance.id",
                                    r->s->instance_id,
                                    NULL};
    char errstr[256];
    for (int i = 0; settings[i]; i += 2) {
        char now[256], builtin[256];
        size_t n = sizeof now, m = sizeof builtin;
        if (!settings[i + 1] ||
            (i > 0 && strcmp(settings[i], "group.instance.id") != 0 &&
             rd_kafka_conf_get(conf, settings[i], now, &n) == RD_KAFKA_CONF_OK &&
             rd_kafka_conf_get(defaults, settings[i], builtin, &m) == RD_KAFKA_CONF_OK && strcmp(now, builtin) != 0))
            continue; /* chosen by the user */
        if (rd_kafka_conf_set(conf, settings[i], settings[i + 1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            snprintf(err, errlen, "the group's consumer: %s=%s: %s", settings[i], settings[i + 1], errstr);
            rd_kafka_conf_destroy(conf);
            rd_kafka_conf_destroy(defaults);
            return -1;
        }
    }
    rd_kafka_conf_destroy(defaults);
    rd_kafka_conf_set_rebalance_cb(conf, on_slots);
    rd_kafka_conf_set_opaque(conf, r);
    r->members = kafka_consumer_new(conf, r->s->group_id, err, errlen);
    rd_kafka_conf_destroy(conf);
    if (!r->members)
        return -1;
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, r->s->slots_topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t code = rd_kafka_subscribe(r->members, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (code) {
        snprintf(err, errlen, "joining group %s on onprem Kafka at %s (topic %s): %s", r->s->group_id,
                 r->source_servers, r->s->slots_topic, rd_kafka_err2str(code));
        return -1;
    }
    return 0;
}

/* A replicator of the version before slots wrote with transactional id
 * bridgelab-replicate-<group>: fencing it once keeps it from writing beside
 * this one (it exits saying so). Best effort. */
static void fence_single_writer(struct replicate *r) {
    char tid[300], why[1024];
    snprintf(tid, sizeof tid, "bridgelab-replicate-%s", r->s->group_id);
    struct kafka_producer *p = kafka_producer_new(r->dest_conf, "replicate", tid, why, sizeof why);
    if (p && kafka_producer_init(p, 30000, why, sizeof why) != KAFKA_TXN_OK)
        log_warn("fencing a single-writer replicator of group %s (transactional id %s): %s", r->s->group_id, tid, why);
    kafka_producer_free(p);
}

/* Both clusters answer, the consumers and the destination client exist,
 * the slots topic and the offsets topic too, and the group is joined (slots
 * come with its first rebalance). 0, 1 when stopped, -1 with err. */
static int prepare(struct replicate *r, char *err, size_t errlen) {
    set_state(r, "waiting for onprem Kafka", 0);
    if (kafka_wait_ready(r->source_conf, -1, err, errlen) != 0)
        return shutdown_requested() ? 1 : -1;
    set_state(r, "waiting for cloud Kafka", 0);
    if (kafka_wait_ready(r->dest_conf, -1, err, errlen) != 0)
        return shutdown_requested() ? 1 : -1;
    static const char *const strict[] = {"auto.offset.reset", "error", NULL};
    /* The prefetch bounded well below librdkafka's 64 MiB and 100 000 records:
     * with fetch_wake that costs no throughput (README, the benchmark).
     * fetch.error.backoff.ms: librdkafka 2.0.2 holds all of a broker's
     * fetches back by it after a fetch it backs off; with its 500 ms the
     * first record of a catch-up from offset 0 was taken 450-500 ms after
     * the assignment, with 20 ms 5 ms after it (measured here; with debug
     * logging on the wait vanished, so which fetch it backs off is not
     * known). */
    rd_kafka_conf_t *bounded = rd_kafka_conf_dup(r->source_conf);
    if (kafka_conf_default(bounded, "queued.max.messages.kbytes", "8192", err, errlen) == 0 &&
        kafka_conf_default(bounded, "queued.min.messages", "20000", err, errlen) == 0 &&
        kafka_conf_default(bounded, "fetch.error.backoff.ms", "20", err, errlen) == 0)
        r->consumer = kafka_consumer_new_with(bounded, r->s->group_id, strict, err, errlen);
    rd_kafka_conf_destroy(bounded);
    if (!r->consumer)
        return -1;
    r->wake = fetch_wake_new(r->consumer);
    char errstr[256];
    r->dest = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(r->dest_conf), errstr, sizeof errstr);
    if (!r->dest) {
        snprintf(err, errlen, "cloud Kafka at %s: cannot create the Kafka client: %s", r->dest_servers, errstr);
        return -1;
    }
    static const char *const compact[] = {"cleanup.policy", "compact", NULL};
    if (kafka_ensure_topic(r->dest_conf, r->s->offsets_topic, 1, r->s->topic_replication_factor, compact, 30000, err,
                           errlen) != 0)
        return -1;
    if (slots_topic(r, err, errlen) != 0)
        return -1;
    if (cluster_id(r->consumer, "onprem", r->source_servers, r->source_id, sizeof r->source_id) ||
        cluster_id(r->dest, "cloud", r->dest_servers, r->dest_id, sizeof r->dest_id))
        return 1;
    if (strcmp(r->source_id, r->dest_id) == 0) {
        snprintf(err, errlen,
                 "onprem Kafka at %s and cloud Kafka at %s are the same cluster (id %s): point "
                 "cloud.bootstrap.servers at another cluster",
                 r->source_servers, r->dest_servers, r->source_id);
        return -1;
    }
    fence_single_writer(r);
    log_info("onprem cluster id %s, cloud cluster id %s; group %s: %d slots (topic %s on onprem), transactional ids "
             "bridgelab-replicate-%s-<slot>",
             r->source_id, r->dest_id, r->s->group_id, r->slot_count, r->s->slots_topic, r->s->group_id);
    /* Read now only to know which topics are ours (topic_sync): the
     * positions replicated from are read when slots are gained, after their
     * fencing (now, a crashed predecessor's open transaction may hide some). */
    int rc = load_positions(r, err, errlen);
    if (rc != 0)
        return rc;
    return join_group(r, err, errlen);
}

/* After a failed batch: every transaction still open is aborted (its
 * records are read again), fenced slots are dropped, broken producers
 * replaced, then back to the stored positions. 0, 1 when stopped, -1 with
 * err. */
static int recover(struct replicate *r, enum step st, int *backoff, char *err, size_t errlen) {
    char why[1024];
    for (int k = 0; k < r->slot_count; k++) {
        struct slot *s = &r->slots[k];
        if (s->owned && s->in_txn && !s->fenced && !s->broken &&
            kafka_producer_abort(s->producer, why, sizeof why) != KAFKA_TXN_OK) {
            if (kafka_producer_fenced(s->producer))
                s->fenced = 1;
            else
                s->broken = 1;
        }
        s->in_txn = 0;
    }
    for (int k = 0; k < r->slot_count; k++)
        if (r->slots[k].owned && r->slots[k].fenced)
            release_slot(r, &r->slots[k], "dropped (fenced); taken again only when the group assigns it anew");
    if (st != STEP_FENCED) {
        set_state(r, "replaying from the stored positions", 0);
        r->replicating = -1;
        if (clock_sleep_or_stop(*backoff, shutdown_requested))
            return 1;
        *backoff = *backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : *backoff * 2;
    }
    for (int k = 0; k < r->slot_count; k++) {
        struct slot *s = &r->slots[k];
        if (s->owned && s->broken) {
            int rc = slot_producer(r, s, err, errlen);
            if (rc != 0)
                return rc;
        }
    }
    if (assign_all(r, err, errlen) != 0)
        return -1;
    publish_topic_counts(r);
    return 0;
}

static int owns_any(const struct replicate *r) {
    for (int k = 0; k < r->slot_count; k++)
        if (r->slots[k].owned)
            return 1;
    return 0;
}

int replicate_run(struct replicate *r, char *err, size_t errlen) {
    int rc = prepare(r, err, errlen);
    if (rc == 0)
        rc = refresh(r, err, errlen);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    int backoff = 100;
    for (;;) {
        enum step st = STEP_OK;
        long long now = clock_mono_ms();
        int stopping = shutdown_requested();
        if (r->opened_ms < 0 && !stopping) {
            if ((rc = serve_group(r, err, errlen)) != 0)
                return rc > 0 ? 0 : -1;
            if (r->resets && apply_resets(r, err, errlen) != 0)
                return -1;
            if (now - r->refreshed_ms >= r->s->refresh_ms && refresh(r, err, errlen) != 0)
                return -1;
            if (now - r->checked_ms >= POSITION_CHECK_MS) {
                r->checked_ms = now;
                if (moved_positions(r) > 0)
                    r->opened_ms = now; /* record positions that moved past markers */
            }
            if (r->opened_ms < 0 && owns_any(r) && now - r->committed_ms >= r->s->refresh_ms) {
                r->idle_commit = 1; /* idle: a commit now and then, to notice being fenced */
                r->opened_ms = now;
            }
        }
        if (now - r->lags_ms >= LAG_EVERY_MS) {
            r->lags_ms = now;
            update_lags(r);
        }
        int up = !r->source_down && !r->dest_down;
        if (up != r->replicating) {
            set_state(r,
                      up               ? "replicating"
                      : r->source_down ? "waiting for onprem Kafka"
                                       : "waiting for cloud Kafka",
                      up);
            r->replicating = up;
        }
        if (!stopping) {
            rd_kafka_message_t *m =
                rd_kafka_consumer_poll(r->consumer, batch_rule_wait_ms(&r->rule, r->opened_ms, now, IDLE_POLL_MS));
            if (m && m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
                out_of_range(r, m);
            } else if (m && m->err) {
                if (!source_access(r, m->err, "READ", m->rkt ? rd_kafka_topic_name(m->rkt) : NULL,
                                   rd_kafka_message_errstr(m)) &&
                    m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    log_warn("onprem Kafka at %s: %s [%d]: %s", r->source_servers,
                             m->rkt ? rd_kafka_topic_name(m->rkt) : "-", (int)m->partition, rd_kafka_message_errstr(m));
            } else if (m) {
                fetch_wake_taken(r->wake, m);
                st = take(r, m, err, errlen);
            }
            if (m)
                rd_kafka_message_destroy(m);
        }
        /* The loop's one clock reading: a batch whose time is up when the poll
         * returns closes at the next turn, whose poll does not wait. */
        if (st == STEP_OK &&
            (stopping || batch_rule_check(&r->rule, r->records, r->bytes, r->opened_ms, now) != BATCH_KEEP_OPEN)) {
            st = close_batch(r, err, errlen);
            if (st == STEP_OK)
                backoff = 100;
        }
        if (st == STEP_FATAL)
            return -1;
        if (st != STEP_OK) {
            reset_batch(r);
            if ((rc = recover(r, st, &backoff, err, errlen)) != 0)
                return rc > 0 ? 0 : -1;
            continue;
        }
        if (stopping) {
            log_info("stopped: every record read is committed");
            return 0;
        }
    }
}
