/* Exact offset translation: see offset_translate.h. */
#include "offset_translate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kafka.h"
#include "kafka_groups.h"
#include "positions.h"
#include "provenance.h"

int offset_search(int64_t source, int64_t low, int64_t high, offset_probe_fn probe, void *ctx, int64_t *dest) {
    int64_t lo = low, hi = high, found = -1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2, d, s;
        int rc = probe(ctx, mid, &d, &s);
        if (rc < 0)
            return -1;
        if (rc == 0 || d >= hi) {
            hi = mid; /* nothing of ours from mid on: the answer, if any, is before */
        } else if (s >= source) {
            found = d; /* a candidate; an earlier one can only be before mid */
            hi = mid;
        } else {
            lo = d + 1; /* ours up to d all come before the source offset */
        }
    }
    if (found < 0)
        return 0;
    *dest = found;
    return 1;
}

/* ------------------------------------------------------------ the probe */

/* Reads one destination partition for offset_search: the first record at
 * or after an offset whose provenance names the source partition. */
struct probe {
    rd_kafka_t *consumer;
    const char *topic;
    int32_t partition;
    int64_t high;
    const char *source_cluster, *source_topic;
    int32_t source_partition;
    int timeout_ms;
    char err[512];
};

/* The source offset in the record's provenance of our origin, or -1. */
static int64_t our_source_offset(const struct probe *p, const rd_kafka_message_t *m) {
    rd_kafka_headers_t *hdrs = NULL;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR || !hdrs)
        return -1;
    const void *value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get(hdrs, i, PROVENANCE_HEADER, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         i++) {
        struct provenance prov;
        if (provenance_parse(value, size, &prov) == 0 && strcmp(prov.cluster, p->source_cluster) == 0 &&
            strcmp(prov.topic, p->source_topic) == 0 && prov.partition == p->source_partition)
            return prov.offset;
    }
    return -1;
}

static int probe_destination(void *ctx, int64_t from, int64_t *dest_offset, int64_t *source_offset) {
    struct probe *p = ctx;
    rd_kafka_topic_partition_list_t *at = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(at, p->topic, p->partition)->offset = from;
    rd_kafka_resp_err_t code = rd_kafka_assign(p->consumer, at);
    rd_kafka_topic_partition_list_destroy(at);
    if (code) {
        snprintf(p->err, sizeof p->err, "reading %s [%d] at %lld: %s", p->topic, (int)p->partition, (long long)from,
                 rd_kafka_err2str(code));
        return -1;
    }
    long long deadline = clock_mono_ms() + p->timeout_ms;
    while (clock_mono_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(p->consumer, 200);
        if (!m)
            continue;
        int rc = 2; /* go on */
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition == p->partition && m->offset >= from)
                rc = 0;
        } else if (m->err) {
            snprintf(p->err, sizeof p->err, "reading %s [%d]: %s", p->topic, (int)p->partition,
                     rd_kafka_message_errstr(m));
            rc = -1;
        } else if (m->partition == p->partition && m->offset >= from) {
            if (m->offset >= p->high) {
                rc = 0;
            } else {
                int64_t s = our_source_offset(p, m);
                if (s >= 0) {
                    *dest_offset = m->offset;
                    *source_offset = s;
                    rc = 1;
                }
            }
        }
        rd_kafka_message_destroy(m);
        if (rc != 2)
            return rc;
    }
    snprintf(p->err, sizeof p->err, "reading %s [%d] at %lld: no answer within %d ms", p->topic, (int)p->partition,
             (long long)from, p->timeout_ms);
    return -1;
}

/* ------------------------------------------------------------ positions */

struct positions_reader {
    const char *group;
    struct positions_store *store;
    int failed;
};

static int read_position(const rd_kafka_message_t *m, void *ctx) {
    struct positions_reader *r = ctx;
    char topic[256];
    int32_t partition;
    if (!m->key || positions_parse_key(m->key, m->key_len, r->group, topic, sizeof topic, &partition) != 0)
        return 0; /* another group's, or the heartbeat */
    int64_t source_next = -1, dest_next = -1;
    if (m->payload && positions_parse_value(m->payload, m->len, &source_next, &dest_next) != 0)
        return 0;
    if (positions_store_put(r->store, topic, partition, m->payload ? source_next : -1, dest_next) != 0)
        r->failed = 1;
    return r->failed;
}

/* ----------------------------------------------------------- translating */

static int by_topic_partition(const void *a, const void *b) {
    const struct translation *x = a, *y = b;
    int c = strcmp(x->source_topic, y->source_topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* A client of the source cluster's: only for its cluster id. */
static int source_cluster_id(const rd_kafka_conf_t *conf, char *id, size_t idlen, int timeout_ms, char *err,
                             size_t errlen) {
    char why[512];
    rd_kafka_conf_t *copy = rd_kafka_conf_dup(conf);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, copy, why, sizeof why);
    if (!rk) {
        rd_kafka_conf_destroy(copy);
        snprintf(err, errlen, "cannot make a Kafka client: %s", why);
        return -1;
    }
    char *got = rd_kafka_clusterid(rk, timeout_ms);
    int rc = got ? 0 : -1;
    if (got)
        snprintf(id, idlen, "%s", got);
    else
        snprintf(err, errlen, "the source cluster's id: no answer within %d ms (is it reachable?)", timeout_ms);
    rd_kafka_mem_free(rk, got);
    rd_kafka_destroy(rk);
    return rc;
}

/* A consumer of the destination that says where a partition ends. */
static rd_kafka_t *destination_reader(const rd_kafka_conf_t *conf, char *err, size_t errlen) {
    static const char *const props[] = {"group.id",
                                        "bridgelab.offsets-translate",
                                        "isolation.level",
                                        "read_committed",
                                        "enable.auto.commit",
                                        "false",
                                        "enable.auto.offset.store",
                                        "false",
                                        "enable.partition.eof",
                                        "true",
                                        "fetch.wait.max.ms",
                                        "10",
                                        NULL};
    rd_kafka_conf_t *copy = rd_kafka_conf_dup(conf);
    char why[512];
    for (int i = 0; props[i]; i += 2)
        if (rd_kafka_conf_set(copy, props[i], props[i + 1], why, sizeof why) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(copy);
            snprintf(err, errlen, "%s=%s: %s", props[i], props[i + 1], why);
            return NULL;
        }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, copy, why, sizeof why);
    if (!rk) {
        rd_kafka_conf_destroy(copy);
        snprintf(err, errlen, "cannot make a Kafka consumer of the destination: %s", why);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* Translates one partition whose replication passed its committed offset. */
static int translate_one(const struct translate_request *req, rd_kafka_t *reader, const char *source_cluster,
                         int64_t dest_next, struct translation *t, char *err, size_t errlen) {
    int64_t low, high;
    rd_kafka_resp_err_t code =
        rd_kafka_query_watermark_offsets(reader, t->dest_topic, t->partition, &low, &high, req->timeout_ms);
    if (code) {
        snprintf(err, errlen, "the offsets of %s [%d] on the destination: %s", t->dest_topic, (int)t->partition,
                 rd_kafka_err2str(code));
        return -1;
    }
    struct probe p = {reader,          t->dest_topic, t->partition,    high, source_cluster,
                      t->source_topic, t->partition,  req->timeout_ms, ""};
    int64_t dest;
    int rc = offset_search(t->committed, low, high, probe_destination, &p, &dest);
    if (rc < 0) {
        snprintf(err, errlen, "%s", p.err);
        return -1;
    }
    t->dest = rc == 1 ? dest : dest_next >= 0 ? dest_next : low;
    t->status = TRANSLATED;
    return 0;
}

int offset_translate(const struct translate_request *req, struct translation **out, size_t *count, char *err,
                     size_t errlen) {
    *out = NULL;
    *count = 0;
    char cluster[128];
    rd_kafka_topic_partition_list_t *committed = NULL;
    struct positions_reader positions = {req->replicate_group, positions_store_new(), 0};
    rd_kafka_t *reader = NULL;
    struct translation *t = NULL;
    int rc = -1;
    if (!positions.store) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (source_cluster_id(req->source_conf, cluster, sizeof cluster, req->timeout_ms, err, errlen) != 0 ||
        kafka_group_offsets(req->source_conf, req->group, &committed, req->timeout_ms, err, errlen) != 0)
        goto out;
    int read =
        kafka_read_each(req->dest_conf, req->offsets_topic, read_position, &positions, req->timeout_ms, err, errlen);
    if (read != 0 && read != KAFKA_NOT_FOUND)
        goto out;
    if (positions.failed) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    reader = destination_reader(req->dest_conf, err, errlen);
    t = calloc(committed->cnt ? (size_t)committed->cnt : 1, sizeof *t);
    if (!reader || !t) {
        if (!t)
            snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < committed->cnt; i++) {
        const rd_kafka_topic_partition_t *c = &committed->elems[i];
        struct translation *x = &t[i];
        snprintf(x->source_topic, sizeof x->source_topic, "%s", c->topic);
        x->partition = c->partition;
        x->committed = c->offset;
        x->replicated = x->dest = -1;
        int64_t dest_next = -1;
        if (req->rename(req->rename_ctx, c->topic, x->dest_topic, sizeof x->dest_topic) != 0 ||
            !positions_store_get(positions.store, c->topic, c->partition, &x->replicated, &dest_next)) {
            x->dest_topic[0] = '\0';
            x->status = TRANSLATE_NO_COPY;
        } else if (c->offset > x->replicated) {
            x->status = TRANSLATE_NOT_YET;
        } else if (translate_one(req, reader, cluster, dest_next, x, err, errlen) != 0) {
            goto out;
        }
    }
    qsort(t, (size_t)committed->cnt, sizeof *t, by_topic_partition);
    *out = t;
    *count = (size_t)committed->cnt;
    t = NULL;
    rc = 0;
out:
    free(t);
    if (reader) {
        rd_kafka_consumer_close(reader);
        rd_kafka_destroy(reader);
    }
    if (committed)
        rd_kafka_topic_partition_list_destroy(committed);
    positions_store_free(positions.store);
    return rc;
}

int offset_translate_apply(const struct translate_request *req, const struct translation *t, size_t count, char *err,
                           size_t errlen) {
    int members = 0;
    char state[64];
    if (kafka_group_members(req->dest_conf, req->group, &members, state, sizeof state, req->timeout_ms, err, errlen) !=
        0)
        return -1;
    if (members > 0) {
        snprintf(err, errlen,
                 "group '%s' has %d active member%s on the destination cluster (state %s): not applied; stop its "
                 "consumers there, then run --apply again",
                 req->group, members, members == 1 ? "" : "s", state);
        return 1;
    }
    rd_kafka_topic_partition_list_t *offsets = rd_kafka_topic_partition_list_new((int)count);
    for (size_t i = 0; i < count; i++)
        if (t[i].status == TRANSLATED)
            rd_kafka_topic_partition_list_add(offsets, t[i].dest_topic, t[i].partition)->offset = t[i].dest;
    int rc = offsets->cnt ? kafka_group_commit(req->dest_conf, req->group, offsets, req->timeout_ms, err, errlen) : 0;
    rd_kafka_topic_partition_list_destroy(offsets);
    return rc;
}
