/* Consumer groups through the Admin API: see kafka_groups.h. */
#include "kafka_groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

/* A group's coordinator may be moving or loading (a fresh cluster makes its
 * __consumer_offsets on first use): such answers are retried. */
static int coordinator_busy(const char *err) {
    return strstr(err, "Not coordinator") || strstr(err, "Coordinator load in progress") ||
           strstr(err, "Coordinator not available");
}

/* A client for one admin request, and the queue its result comes on. */
struct admin {
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    rd_kafka_AdminOptions_t *options;
};

static int admin_open(struct admin *a, const rd_kafka_conf_t *conf, rd_kafka_admin_op_t op, int timeout_ms, char *err,
                      size_t errlen) {
    char why[512];
    rd_kafka_conf_t *copy = rd_kafka_conf_dup(conf);
    memset(a, 0, sizeof *a);
    a->rk = rd_kafka_new(RD_KAFKA_PRODUCER, copy, why, sizeof why);
    if (!a->rk) {
        rd_kafka_conf_destroy(copy);
        snprintf(err, errlen, "cannot make a Kafka client: %s", why);
        return -1;
    }
    a->queue = rd_kafka_queue_new(a->rk);
    a->options = rd_kafka_AdminOptions_new(a->rk, op);
    rd_kafka_AdminOptions_set_request_timeout(a->options, timeout_ms, why, sizeof why);
    return 0;
}

static void admin_close(struct admin *a) {
    if (a->options)
        rd_kafka_AdminOptions_destroy(a->options);
    if (a->queue)
        rd_kafka_queue_destroy(a->queue);
    if (a->rk)
        rd_kafka_destroy(a->rk);
}

/* The result event, or NULL with err (the request failed as a whole). */
static rd_kafka_event_t *admin_wait(struct admin *a, const char *what, const char *group, int timeout_ms, char *err,
                                    size_t errlen) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(a->queue, timeout_ms + 1000);
    if (!ev) {
        snprintf(err, errlen, "%s of group '%s': no answer within %d ms", what, group, timeout_ms);
        return NULL;
    }
    if (rd_kafka_event_error(ev)) {
        snprintf(err, errlen, "%s of group '%s': %s", what, group, rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

/* The one group result's error, or the first partition's: 0, or -1 with err. */
static int group_result_ok(const rd_kafka_group_result_t *g, const char *what, const char *group, char *err,
                           size_t errlen) {
    const rd_kafka_error_t *e = rd_kafka_group_result_error(g);
    if (e) {
        snprintf(err, errlen, "%s of group '%s': %s", what, group, rd_kafka_error_string(e));
        return -1;
    }
    const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(g);
    for (int i = 0; parts && i < parts->cnt; i++)
        if (parts->elems[i].err) {
            snprintf(err, errlen, "%s of group '%s', %s [%d]: %s", what, group, parts->elems[i].topic,
                     (int)parts->elems[i].partition, rd_kafka_err2str(parts->elems[i].err));
            return -1;
        }
    return 0;
}

static int kafka_group_offsets_once(const rd_kafka_conf_t *conf, const char *group,
                                    rd_kafka_topic_partition_list_t **out, int timeout_ms, char *err, size_t errlen) {
    struct admin a;
    *out = NULL;
    if (admin_open(&a, conf, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms, err, errlen) != 0)
        return -1;
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
    rd_kafka_ListConsumerGroupOffsets(a.rk, &req, 1, a.options, a.queue);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    int rc = -1;
    rd_kafka_event_t *ev = admin_wait(&a, "reading the committed offsets", group, timeout_ms, err, errlen);
    if (ev) {
        size_t n = 0;
        const rd_kafka_group_result_t **groups =
            rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
        if (n == 1 && group_result_ok(groups[0], "reading the committed offsets", group, err, errlen) == 0) {
            const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(groups[0]);
            *out = rd_kafka_topic_partition_list_new(parts ? parts->cnt : 0);
            for (int i = 0; parts && i < parts->cnt; i++)
                if (parts->elems[i].offset >= 0)
                    rd_kafka_topic_partition_list_add(*out, parts->elems[i].topic, parts->elems[i].partition)->offset =
                        parts->elems[i].offset;
            rc = 0;
        } else if (n != 1) {
            snprintf(err, errlen, "reading the committed offsets of group '%s': %zu results for one group", group, n);
        }
        rd_kafka_event_destroy(ev);
    }
    admin_close(&a);
    return rc;
}

static int kafka_group_members_once(const rd_kafka_conf_t *conf, const char *group, int *members, char *state,
                                    size_t statelen, int timeout_ms, char *err, size_t errlen) {
    struct admin a;
    if (admin_open(&a, conf, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms, err, errlen) != 0)
        return -1;
    const char *groups[] = {group};
    rd_kafka_DescribeConsumerGroups(a.rk, groups, 1, a.options, a.queue);
    int rc = -1;
    rd_kafka_event_t *ev = admin_wait(&a, "describing", group, timeout_ms, err, errlen);
    if (ev) {
        size_t n = 0;
        const rd_kafka_ConsumerGroupDescription_t **d =
            rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
        const rd_kafka_error_t *e = n == 1 ? rd_kafka_ConsumerGroupDescription_error(d[0]) : NULL;
        if (n != 1) {
            snprintf(err, errlen, "describing group '%s': %zu results for one group", group, n);
        } else if (e) {
            snprintf(err, errlen, "describing group '%s': %s", group, rd_kafka_error_string(e));
        } else {
            *members = (int)rd_kafka_ConsumerGroupDescription_member_count(d[0]);
            snprintf(state, statelen, "%s",
                     rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d[0])));
            rc = 0;
        }
        rd_kafka_event_destroy(ev);
    }
    admin_close(&a);
    return rc;
}

static int kafka_group_commit_once(const rd_kafka_conf_t *conf, const char *group,
                                   const rd_kafka_topic_partition_list_t *offsets, int timeout_ms, char *err,
                                   size_t errlen) {
    struct admin a;
    if (admin_open(&a, conf, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms, err, errlen) != 0)
        return -1;
    rd_kafka_AlterConsumerGroupOffsets_t *req = rd_kafka_AlterConsumerGroupOffsets_new(group, offsets);
    rd_kafka_AlterConsumerGroupOffsets(a.rk, &req, 1, a.options, a.queue);
    rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    int rc = -1;
    rd_kafka_event_t *ev = admin_wait(&a, "writing the offsets", group, timeout_ms, err, errlen);
    if (ev) {
        size_t n = 0;
        const rd_kafka_group_result_t **groups =
            rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
        if (n == 1)
            rc = group_result_ok(groups[0], "writing the offsets", group, err, errlen);
        else
            snprintf(err, errlen, "writing the offsets of group '%s': %zu results for one group", group, n);
        rd_kafka_event_destroy(ev);
    }
    admin_close(&a);
    return rc;
}

int kafka_groups_list(const rd_kafka_conf_t *conf, char ***names, size_t *count, int timeout_ms, char *err,
                      size_t errlen) {
    struct admin a;
    *names = NULL;
    *count = 0;
    if (admin_open(&a, conf, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms, err, errlen) != 0)
        return -1;
    rd_kafka_ListConsumerGroups(a.rk, a.options, a.queue);
    int rc = -1;
    rd_kafka_event_t *ev = admin_wait(&a, "listing the groups", "*", timeout_ms, err, errlen);
    if (ev) {
        size_t n = 0;
        const rd_kafka_ConsumerGroupListing_t **groups =
            rd_kafka_ListConsumerGroups_result_valid(rd_kafka_event_ListConsumerGroups_result(ev), &n);
        *names = calloc(n ? n : 1, sizeof **names);
        rc = *names ? 0 : -1;
        for (size_t i = 0; rc == 0 && i < n; i++)
            if (!((*names)[i] = strdup(rd_kafka_ConsumerGroupListing_group_id(groups[i]))))
                rc = -1;
        *count = n;
        if (rc != 0)
            snprintf(err, errlen, "out of memory");
        rd_kafka_event_destroy(ev);
    }
    admin_close(&a);
    return rc;
}

/* Each request again while the coordinator is busy, until timeout_ms. */
#define RETRY_BUSY(call)                                                                                               \
    long long deadline = clock_mono_ms() + timeout_ms;                                                                 \
    for (;;) {                                                                                                         \
        int rc = call;                                                                                                 \
        if (rc == 0 || !coordinator_busy(err) || clock_mono_ms() >= deadline)                                          \
            return rc;                                                                                                 \
        clock_sleep_ms(200);                                                                                           \
    }

int kafka_group_offsets(const rd_kafka_conf_t *conf, const char *group, rd_kafka_topic_partition_list_t **out,
                        int timeout_ms, char *err, size_t errlen) {
    RETRY_BUSY(kafka_group_offsets_once(conf, group, out, timeout_ms, err, errlen))
}

int kafka_group_members(const rd_kafka_conf_t *conf, const char *group, int *members, char *state, size_t statelen,
                        int timeout_ms, char *err, size_t errlen) {
    RETRY_BUSY(kafka_group_members_once(conf, group, members, state, statelen, timeout_ms, err, errlen))
}

int kafka_group_commit(const rd_kafka_conf_t *conf, const char *group, const rd_kafka_topic_partition_list_t *offsets,
                       int timeout_ms, char *err, size_t errlen) {
    RETRY_BUSY(kafka_group_commit_once(conf, group, offsets, timeout_ms, err, errlen))
}
