/* The keys, options and checked settings of `bridge replicate`: see
 * replicate_settings.h. */
#include "replicate_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "keys.h"

const struct config_key replicate_keys[] = {
    {"replicate.topics.include", CONFIG_STRING, "dc[0-9][0-9]_.*", 0, 0,
     "source topics to replicate: a POSIX extended regex matching the whole name"},
    {"replicate.topics.exclude", CONFIG_STRING, NULL, 0, 0,
     "source topics not to replicate, a regex (internal __* and _bridgelab* topics never are)"},
    {"replicate.topics.refresh.ms", CONFIG_INT, "5000", 100, 3600000,
     "how often the source's topics and partitions are looked up (new ones are picked up)"},
    {"replicate.rename.format", CONFIG_STRING, "${topic}", 0, 0,
     "the destination topic's name, ${topic} the source's (e.g. ${topic}.replica)"},
    {"replicate.group.id", CONFIG_STRING, NULL, 0, 0,
     "this replicator's group: its transactional id and stored positions (default <dc>-replicate)"},
    {"replicate.slots", CONFIG_INT, "1", 1, 256,
     "slots the group's partitions are spread over (slot = (FNV-1a(topic) + partition) % slots): each owned by "
     "one replicator of the group at a time, with a transactional id of its own; at most this many replicators "
     "share the work (1: one works, the others stand by); every replicator of a group must use the same count"},
    {"replicate.instance.id", CONFIG_STRING, NULL, 0, 0,
     "this replicator's static membership in the group (group.instance.id): restarted with the same id it gets its "
     "slots back at once instead of after onprem.kafka.session.timeout.ms; unique per live replicator"},
    {"replicate.topic.replication.factor", CONFIG_INT, "-1", -1, 100,
     "replication factor of the topics replicate creates (-1: the cluster's default)"},
    {"replicate.batch.max.ms", CONFIG_INT, "50", 1, 60000,
     "a transaction closes this long after its first record at most (a quiet topic's last record waits no longer)"},
    {"replicate.batch.max.records", CONFIG_INT, "50000", 1, 1e7, "records in one transaction, at most"},
    {"replicate.batch.max.bytes", CONFIG_INT, "8388608", 1024, 1e10,
     "bytes of records in one transaction, at most (they are held in memory until it commits)"},
    {"replicate.offsets.topic", CONFIG_STRING, "_bridgelab_replicate_offsets", 0, 0,
     "compacted topic on the cloud cluster holding the replicated positions"},
    {"replicate.http.listen", CONFIG_STRING, "127.0.0.1:8084", 0, 0,
     "where /metrics and /healthz are served (empty: off)"},
    {"replicate.sync.group.offsets", CONFIG_BOOL, "false", 0, 0,
     "write the exactly translated offsets of the source's consumer groups into the same groups on the "
     "destination (those with no members there)"},
    {"replicate.sync.group.offsets.interval.ms", CONFIG_INT, "10000", 100, 3600000,
     "how often the consumer groups' offsets are synced"},
    {0},
};

const struct config_key *const replicate_schema[] = {
    common_keys, kafka_keys, replicate_keys, cdc_stage_keys, sink_stage_keys, run_stage_keys, NULL};

const struct cli_option replicate_options[] = {
    {"group", "replicate.group.id", NULL, "GROUP", "this replicator's group"},
    {"include", "replicate.topics.include", NULL, "REGEX", "source topics to replicate"},
    {"exclude", "replicate.topics.exclude", NULL, "REGEX", "source topics not to replicate"},
    {"rename-format", "replicate.rename.format", NULL, "FORMAT", "destination topic name (${topic})"},
    {"http-listen", "replicate.http.listen", NULL, "HOST:PORT", "serve /metrics and /healthz here"},
    {"from", "onprem.bootstrap.servers", NULL, "HOST:PORT", "the source (onprem) Kafka cluster"},
    {"to", "cloud.bootstrap.servers", NULL, "HOST:PORT", "the destination (cloud) Kafka cluster"},
    {"log-level", "log.level", NULL, "LEVEL", "error, warn, info or debug"},
    {0},
};

/* Compiles text anchored at both ends; 0, or -1 with the one line in err. */
static int compile(const struct config *cfg, const char *key, const char *text, regex_t *re, char *err, size_t errlen) {
    size_t n = strlen(text) + 5;
    char *anchored = malloc(n);
    if (!anchored) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(anchored, n, "^(%s)$", text);
    int rc = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
    free(anchored);
    if (rc == 0)
        return 0;
    char why[256];
    regerror(rc, re, why, sizeof why);
    regfree(re);
    snprintf(err, errlen, "%s: %s: '%s' is not a POSIX extended regular expression: %s", config_origin(cfg, key), key,
             text, why);
    return -1;
}

int replicate_settings_load(const struct config *cfg, struct replicate_settings *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    s->dc = config_get(cfg, "dc");
    s->include_text = config_get(cfg, "replicate.topics.include");
    s->exclude_text = config_get(cfg, "replicate.topics.exclude");
    if (s->exclude_text && !*s->exclude_text)
        s->exclude_text = NULL;
    s->refresh_ms = (int)config_get_int(cfg, "replicate.topics.refresh.ms");
    s->rename_format = config_get(cfg, "replicate.rename.format");
    s->topic_replication_factor = (int)config_get_int(cfg, "replicate.topic.replication.factor");
    s->batch_max_ms = (int)config_get_int(cfg, "replicate.batch.max.ms");
    s->batch_max_records = config_get_int(cfg, "replicate.batch.max.records");
    s->batch_max_bytes = config_get_int(cfg, "replicate.batch.max.bytes");
    s->offsets_topic = config_get(cfg, "replicate.offsets.topic");
    s->http_listen = config_get(cfg, "replicate.http.listen");
    s->sync_group_offsets = config_get_bool(cfg, "replicate.sync.group.offsets");
    s->sync_interval_ms = (int)config_get_int(cfg, "replicate.sync.group.offsets.interval.ms");
    s->slots = (int)config_get_int(cfg, "replicate.slots");
    s->instance_id = config_get(cfg, "replicate.instance.id");
    if (s->instance_id && !*s->instance_id)
        s->instance_id = NULL;
    s->group_id = config_get(cfg, "replicate.group.id");
    if (!s->group_id || !*s->group_id) {
        snprintf(s->group_buf, sizeof s->group_buf, "%s-replicate", s->dc);
        s->group_id = s->group_buf;
    }
    if (strlen(s->group_id) > 150) {
        snprintf(err, errlen, "%s: replicate.group.id: '%.40s...' is longer than 150 characters: choose a shorter one",
                 config_origin(cfg, "replicate.group.id"), s->group_id);
        return -1;
    }
    snprintf(s->slots_topic, sizeof s->slots_topic, "_bridgelab_replicate_slots.%s", s->group_id);
    if (keys_log_level(cfg, &s->log_level, err, errlen) != 0)
        return -1;
    if (s->topic_replication_factor == 0) {
        snprintf(err, errlen,
                 "%s: replicate.topic.replication.factor: 0 is not a count: use -1 (the cluster's "
                 "default) or 1 and up",
                 config_origin(cfg, "replicate.topic.replication.factor"));
        return -1;
    }
    if (!strstr(s->rename_format, "${topic}")) {
        snprintf(err, errlen,
                 "%s: replicate.rename.format: '%s' has no ${topic}: every source topic needs a destination of its own",
                 config_origin(cfg, "replicate.rename.format"), s->rename_format);
        return -1;
    }
    if (!*s->offsets_topic) {
        snprintf(err, errlen, "%s: replicate.offsets.topic is empty: name the topic of the replicated positions",
                 config_origin(cfg, "replicate.offsets.topic"));
        return -1;
    }
    if (compile(cfg, "replicate.topics.include", s->include_text, &s->include, err, errlen) != 0)
        return -1;
    s->compiled |= 1;
    if (s->exclude_text) {
        if (compile(cfg, "replicate.topics.exclude", s->exclude_text, &s->exclude, err, errlen) != 0) {
            replicate_settings_release(s);
            return -1;
        }
        s->compiled |= 2;
    }
    return 0;
}

void replicate_settings_release(struct replicate_settings *s) {
    if (s->compiled & 1)
        regfree(&s->include);
    if (s->compiled & 2)
        regfree(&s->exclude);
    s->compiled = 0;
}

int replicate_topic_internal(const char *topic) {
    return strncmp(topic, "__", 2) == 0 || strncmp(topic, "_bridgelab", 10) == 0;
}

int replicate_settings_selects(const struct replicate_settings *s, const char *topic) {
    if (replicate_topic_internal(topic) || !(s->compiled & 1))
        return 0;
    if (regexec(&s->include, topic, 0, NULL, 0) != 0)
        return 0;
    return !((s->compiled & 2) && regexec(&s->exclude, topic, 0, NULL, 0) == 0);
}

int replicate_settings_rename(const struct replicate_settings *s, const char *topic, char *out, size_t outlen) {
    size_t used = 0, tlen = strlen(topic);
    for (const char *f = s->rename_format; *f;) {
        if (strncmp(f, "${topic}", 8) == 0) {
            if (used + tlen >= outlen)
                return -1;
            memcpy(out + used, topic, tlen);
            used += tlen;
            f += 8;
        } else {
            if (used + 1 >= outlen)
                return -1;
            out[used++] = *f++;
        }
    }
    if (used >= outlen)
        return -1;
    out[used] = '\0';
    return 0;
}

int replicate_settings_destination(void *settings, const char *topic, char *out, size_t outlen) {
    const struct replicate_settings *s = settings;
    if (!replicate_settings_selects(s, topic))
        return -1;
    return replicate_settings_rename(s, topic, out, outlen);
}

uint32_t replicate_topic_hash(const char *topic) {
    uint32_t h = 2166136261u;
    for (const unsigned char *c = (const unsigned char *)topic; *c; c++) {
        h ^= *c;
        h *= 16777619u;
    }
    return h;
}

int replicate_slot_of(const char *topic, int32_t partition, int slots) {
    if (slots <= 1 || partition < 0)
        return 0;
    return (int)((replicate_topic_hash(topic) + (uint32_t)partition) % (uint32_t)slots);
}
