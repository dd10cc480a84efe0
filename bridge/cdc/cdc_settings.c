/* The keys, options and checked settings of `bridge cdc`: see cdc_settings.h. */
#include "cdc_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "keys.h"

const struct config_key cdc_keys[] = {
    {"cdc.name", CONFIG_STRING, NULL, 0, 0,
     "this CDC's name: its Kafka transactional id and stored position (default <dc>-cdc)"},
    {"mysql.server.id", CONFIG_INT, "0", 0, 4294967295.0,
     "replica server id to register with (0: derived from cdc.name)"},
    {"cdc.tables.include", CONFIG_STRING, NULL, 0, 0, "comma-separated tables to stream (default: all)"},
    {"cdc.tables.exclude", CONFIG_STRING, "${dc}_out_of_stock_events", 0, 0,
     "comma-separated tables not to stream (${dc} is replaced)"},
    {"cdc.topic.format", CONFIG_STRING, "${dc}_${table}", 0, 0, "topic per table; ${dc}.${db}.${table} is Debezium's"},
    {"cdc.topic.partitions", CONFIG_INT, "-1", -1, 100000,
     "partitions of the topics cdc creates (-1: the cluster's default)"},
    {"cdc.topic.replication.factor", CONFIG_INT, "-1", -1, 100,
     "replication factor of the topics cdc creates (-1: the cluster's default)"},
    {"cdc.snapshot.mode", CONFIG_STRING, "initial", 0, 0, "initial, when_needed or never"},
    {"cdc.unwrap", CONFIG_BOOL, "false", 0, 0, "flat rows with a sourcedc field instead of the Debezium envelope"},
    {"cdc.position.topic", CONFIG_STRING, "_bridgelab_cdc_positions", 0, 0, "compacted topic of committed positions"},
    {"cdc.history.topic", CONFIG_STRING, "_bridgelab_cdc_schema_history", 0, 0, "topic recording DDL"},
    {"cdc.batch.max.events", CONFIG_INT, "50000", 1, 1e7,
     "records read ahead while a Kafka commit is in flight, at most (then reading waits)"},
    {"cdc.batch.max.bytes", CONFIG_INT, "12582912", 1024, 1e10,
     "bytes of records read ahead while a Kafka commit is in flight, at most (twice this is held)"},
    {"cdc.batch.max.ms", CONFIG_INT, "25", 1, 60000,
     "binlog heartbeat: longest a finished transaction waits for its commit when the binlog is quiet"},
    {"cdc.commit.interval.ms", CONFIG_INT, "0", 0, 60000,
     "least time from one Kafka commit's start to the next (0: the next as soon as one is done); fewer, larger "
     "transactions cost the broker less, each change waits up to this much more"},
    {"cdc.http.listen", CONFIG_STRING, "127.0.0.1:8083", 0, 0, "where /metrics and /healthz are served (empty: off)"},
    {0},
};

const struct config_key *const cdc_schema[] = {common_keys,     kafka_keys,     cdc_keys, replicate_stage_keys,
                                               sink_stage_keys, run_stage_keys, NULL};

const struct cli_option cdc_options[] = {
    {"name", "cdc.name", NULL, "NAME", "this CDC's name"},
    {"server-id", "mysql.server.id", NULL, "ID", "replica server id"},
    {"include", "cdc.tables.include", NULL, "T1,T2", "tables to stream"},
    {"exclude", "cdc.tables.exclude", NULL, "T1,T2", "tables not to stream"},
    {"topic-format", "cdc.topic.format", NULL, "FORMAT", "topic per table"},
    {"snapshot-mode", "cdc.snapshot.mode", NULL, "MODE", "initial, when_needed or never"},
    {"unwrap", "cdc.unwrap", "true", NULL, "flat rows with sourcedc"},
    {"http-listen", "cdc.http.listen", NULL, "HOST:PORT", "serve /metrics and /healthz here"},
    {"bootstrap-servers", "onprem.bootstrap.servers", NULL, "HOST:PORT", "the onprem Kafka cluster"},
    {"host", "mysql.host", NULL, "HOST", "MySQL host"},
    {"port", "mysql.port", NULL, "PORT", "MySQL port"},
    {"user", "mysql.user", NULL, "USER", "MySQL user (needs REPLICATION SLAVE, BINLOG MONITOR, SELECT)"},
    {"password-file", "mysql.password.file", NULL, "FILE", "file holding the MySQL password"},
    {"database", "mysql.database", NULL, "DB", "the database to stream"},
    {"log-level", "log.level", NULL, "LEVEL", "error, warn, info or debug"},
    {0},
};

/* Splits a comma-separated list into trimmed, non-empty names, with ${dc}
 * replaced by the data-centre code. */
static int split_list(const char *text, const char *dc, char ***out, int *count) {
    *out = NULL;
    *count = 0;
    if (!text)
        return 0;
    char *copy = strdup(text);
    if (!copy)
        return -1;
    int rc = 0;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        while (*item == ' ')
            item++;
        size_t n = strlen(item);
        while (n && item[n - 1] == ' ')
            item[--n] = '\0';
        if (!n)
            continue;
        char name[256];
        const char *var = strstr(item, "${dc}");
        if (var)
            snprintf(name, sizeof name, "%.*s%s%s", (int)(var - item), item, dc, var + 5);
        else
            snprintf(name, sizeof name, "%s", item);
        char **grown = realloc(*out, (size_t)(*count + 1) * sizeof *grown);
        if (!grown || !(grown[*count] = strdup(name))) {
            if (grown)
                *out = grown;
            rc = -1;
            break;
        }
        *out = grown;
        (*count)++;
    }
    free(copy);
    return rc;
}

static uint32_t derived_server_id(const char *name) {
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (const char *c = name; *c; c++)
        hash = (hash ^ (uint8_t)*c) * 16777619u;
    return 1000 + hash % 1000000000u;
}

int cdc_settings_load(const struct config *cfg, struct cdc_settings *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    s->dc = config_get(cfg, "dc");
    s->host = config_get(cfg, "mysql.host");
    s->port = (int)config_get_int(cfg, "mysql.port");
    s->user = config_get(cfg, "mysql.user");
    s->password_file = config_get(cfg, "mysql.password.file");
    s->database = config_get(cfg, "mysql.database");
    s->topic_format = config_get(cfg, "cdc.topic.format");
    s->unwrap = config_get_bool(cfg, "cdc.unwrap");
    s->position_topic = config_get(cfg, "cdc.position.topic");
    s->history_topic = config_get(cfg, "cdc.history.topic");
    s->batch_max_events = config_get_int(cfg, "cdc.batch.max.events");
    s->batch_max_bytes = config_get_int(cfg, "cdc.batch.max.bytes");
    s->batch_max_ms = (int)config_get_int(cfg, "cdc.batch.max.ms");
    s->commit_interval_ms = config_get_int(cfg, "cdc.commit.interval.ms");
    s->topic_partitions = (int)config_get_int(cfg, "cdc.topic.partitions");
    s->topic_replication_factor = (int)config_get_int(cfg, "cdc.topic.replication.factor");
    s->http_listen = config_get(cfg, "cdc.http.listen");
    s->name = config_get(cfg, "cdc.name");
    if (!s->name) {
        snprintf(s->name_buf, sizeof s->name_buf, "%s-cdc", s->dc);
        s->name = s->name_buf;
    }
    s->server_id = (uint32_t)config_get_int(cfg, "mysql.server.id");
    if (s->server_id == 0)
        s->server_id = derived_server_id(s->name);
    if (keys_log_level(cfg, &s->log_level, err, errlen) != 0)
        return -1;
    const char *mode = config_get(cfg, "cdc.snapshot.mode");
    if (strcmp(mode, "initial") == 0)
        s->snapshot_mode = SNAPSHOT_INITIAL;
    else if (strcmp(mode, "when_needed") == 0)
        s->snapshot_mode = SNAPSHOT_WHEN_NEEDED;
    else if (strcmp(mode, "never") == 0)
        s->snapshot_mode = SNAPSHOT_NEVER;
    else {
        snprintf(err, errlen, "%s: cdc.snapshot.mode: '%s' is not a mode: use initial, when_needed or never",
                 config_origin(cfg, "cdc.snapshot.mode"), mode);
        return -1;
    }
    static const char *const counts[] = {"cdc.topic.partitions", "cdc.topic.replication.factor"};
    for (int i = 0; i < 2; i++)
        if (config_get_int(cfg, counts[i]) == 0) {
            snprintf(err, errlen, "%s: %s: 0 is not a count: use -1 (the cluster's default) or 1 and up",
                     config_origin(cfg, counts[i]), counts[i]);
            return -1;
        }
    if (!strstr(s->topic_format, "${table}")) {
        snprintf(err, errlen, "%s: cdc.topic.format: '%s' has no ${table}: every table needs a topic of its own",
                 config_origin(cfg, "cdc.topic.format"), s->topic_format);
        return -1;
    }
    if (split_list(config_get(cfg, "cdc.tables.include"), s->dc, &s->include, &s->include_count) != 0 ||
        split_list(config_get(cfg, "cdc.tables.exclude"), s->dc, &s->exclude, &s->exclude_count) != 0) {
        cdc_settings_release(s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static void free_list(char **list, int count) {
    for (int i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

void cdc_settings_release(struct cdc_settings *s) {
    free_list(s->include, s->include_count);
    free_list(s->exclude, s->exclude_count);
    s->include = s->exclude = NULL;
    s->include_count = s->exclude_count = 0;
}

static int in_list(char *const *list, int count, const char *name) {
    for (int i = 0; i < count; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

int cdc_settings_wants(const struct cdc_settings *s, const char *table) {
    if (s->include && !in_list(s->include, s->include_count, table))
        return 0;
    return !in_list(s->exclude, s->exclude_count, table);
}

void cdc_settings_topic(const struct cdc_settings *s, const char *db, const char *table, char *out, size_t outlen) {
    size_t used = 0;
    for (const char *f = s->topic_format; *f && used + 1 < outlen;) {
        const char *value = NULL;
        size_t skip = 0;
        if (strncmp(f, "${dc}", 5) == 0)
            value = s->dc, skip = 5;
        else if (strncmp(f, "${db}", 5) == 0)
            value = db, skip = 5;
        else if (strncmp(f, "${table}", 8) == 0)
            value = table, skip = 8;
        if (value) {
            int n = snprintf(out + used, outlen - used, "%s", value);
            used += n > 0 ? (size_t)n : 0;
            if (used >= outlen)
                used = outlen - 1;
            f += skip;
        } else {
            out[used++] = *f++;
        }
    }
    out[used] = '\0';
}
