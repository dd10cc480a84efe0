/* The keys, options and checked settings of `bridge sink`: see
 * sink_settings.h. */
#include "sink_settings.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "delta_log.h"
#include "kafka.h"
#include "keys.h"
#include "secret.h"

const struct config_key sink_keys[] = {
    {"sink.topics", CONFIG_STRING, "dc[0-9][0-9]_.*", 0, 0,
     "cloud topics written to the lake: a POSIX extended regex matching the whole name (internal __* and "
     "_bridgelab* topics never are)"},
    {"sink.topics.refresh.ms", CONFIG_INT, "5000", 100, 3600000,
     "how often the cluster's topics are looked up (a new matching topic is picked up)"},
    {"sink.group.id", CONFIG_STRING, NULL, 0, 0,
     "the sinks' consumer group: sinks of one group share the partitions (default <dc>-sink)"},
    {"sink.instance.id", CONFIG_STRING, NULL, 0, 0,
     "this sink's static membership in the group (group.instance.id): restarted with the same id it gets its "
     "partitions back at once instead of after cloud.kafka.session.timeout.ms; unique per live sink"},
    {"sink.url", CONFIG_STRING, "lake", 0, 0,
     "the lake: a folder (a path or file:///path), Azurite (http://127.0.0.1:10000/devstoreaccount1/<container>) "
     "or an account (https://<account>.blob.core.windows.net/<container>, or the dfs host)"},
    {"sink.account.name", CONFIG_STRING, NULL, 0, 0, "the storage account (default: from sink.url)"},
    {"sink.account.key.file", CONFIG_STRING, NULL, 0, 0,
     "file holding the account's SharedKey (else $AZURE_STORAGE_KEY)"},
    {"sink.sas.file", CONFIG_STRING, NULL, 0, 0,
     "file holding a SAS token for the container (else $AZURE_STORAGE_SAS_TOKEN)"},
    {"sink.create.container", CONFIG_BOOL, "false", 0, 0, "create the container (or folder) when it is missing"},
    {"sink.topics.dir", CONFIG_STRING, "topics", 0, 0, "the lake's top folder"},
    {"sink.format", CONFIG_STRING, "json", 0, 0,
     "json (JSON lines: each value as it is), csv (the flat row, a header row, RFC 4180), bytes (the values as "
     "they are, each followed by sink.bytes.separator), avro (object container files, typed) or parquet (typed)"},
    {"sink.bytes.separator", CONFIG_STRING, "\\n", 0, 0,
     "bytes: written after each value (\\n, \\r, \\t, \\\\ and \\xHH stand for their bytes; empty: none)"},
    {"sink.avro.codec", CONFIG_STRING, "snappy", 0, 0, "avro: the blocks' codec: null, deflate or snappy"},
    {"sink.parquet.codec", CONFIG_STRING, "snappy", 0, 0, "parquet: the pages' codec: none, snappy or zstd"},
    {"sink.parquet.row.group.bytes", CONFIG_INT, "8388608", 4096, 1e10,
     "parquet: a row group closes when its values take this many bytes"},
    {"sink.table.format", CONFIG_STRING, "none", 0, 0,
     "none (files only) or delta (with parquet: every flush is a commit of a Delta Lake table per topic, "
     "<topics.dir>/<topic>/_delta_log)"},
    {"sink.delta.checkpoint.interval", CONFIG_INT, "10", 1, 1000000,
     "delta: a checkpoint every this many commits, so the log stays cheap to read"},
    {"sink.flush.size", CONFIG_INT, "10000", 1, 1e9, "records per file, at most"},
    {"sink.rotate.interval.ms", CONFIG_INT, "-1", -1, 1e12,
     "a file closes when a record's time is this far past its first record's (-1: off)"},
    {"sink.rotate.schedule.interval.ms", CONFIG_INT, "60000", -1, 1e12,
     "open files close at every multiple of this on the wall clock, records or not (-1: off)"},
    {"sink.max.file.bytes", CONFIG_INT, "67108864", 1024, 1e11, "a file closes at this size"},
    {"sink.max.buffer.bytes", CONFIG_INT, "67108864", 65536, 1e12,
     "memory for the files being built and uploaded, all partitions together; when full the biggest open "
     "file closes early and reading waits for uploads"},
    {"sink.partitioner", CONFIG_STRING, "default", 0, 0,
     "default (partition=<p>), field (<field>=<value>) or time (sink.path.format)"},
    {"sink.partition.field.name", CONFIG_STRING, NULL, 0, 0, "field partitioner: the row's field(s), comma-separated"},
    {"sink.path.format", CONFIG_STRING, "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", 0, 0,
     "time partitioner: the folders' format"},
    {"sink.timezone", CONFIG_STRING, "UTC", 0, 0, "time partitioner: the zone of sink.path.format"},
    {"sink.timestamp.field", CONFIG_STRING, NULL, 0, 0,
     "time partitioner: the row's field holding the time (epoch ms or ISO 8601; default: the record's "
     "timestamp)"},
    {"sink.upload.timeout.ms", CONFIG_INT, "30000", 100, 3600000, "one request to the lake, at most"},
    {"sink.upload.retries", CONFIG_INT, "8", 0, 1000,
     "retries of a failed request before the sink says the lake is down (it keeps retrying after)"},
    {"sink.http.listen", CONFIG_STRING, "127.0.0.1:8085", 0, 0, "where /metrics and /healthz are served (empty: off)"},
    {0},
};

const struct config_key *const sink_schema[] = {common_keys,          kafka_keys,     sink_keys, cdc_stage_keys,
                                                replicate_stage_keys, run_stage_keys, NULL};

const struct cli_option sink_options[] = {
    {"url", "sink.url", NULL, "URL", "the lake"},
    {"topics", "sink.topics", NULL, "REGEX", "cloud topics to write"},
    {"format", "sink.format", NULL, "FORMAT", "json, csv, bytes, avro or parquet"},
    {"group", "sink.group.id", NULL, "GROUP", "the sinks' consumer group"},
    {"http-listen", "sink.http.listen", NULL, "HOST:PORT", "serve /metrics and /healthz here"},
    {"from", "cloud.bootstrap.servers", NULL, "HOST:PORT", "the (cloud) Kafka cluster to read"},
    {"log-level", "log.level", NULL, "LEVEL", "error, warn, info or debug"},
    {0},
};

static int fail(char *err, size_t errlen, const struct config *cfg, const char *key, const char *what) {
    snprintf(err, errlen, "%s: %s: %s", config_origin(cfg, key), key, what);
    return -1;
}

static int compile_topics(const struct config *cfg, struct sink_settings *s, char *err, size_t errlen) {
    size_t n = strlen(s->topics_text) + 5;
    char *anchored = malloc(n);
    if (!anchored) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(anchored, n, "^(%s)$", s->topics_text);
    int rc = regcomp(&s->topics, anchored, REG_EXTENDED | REG_NOSUB);
    free(anchored);
    if (rc == 0) {
        s->compiled = 1;
        return 0;
    }
    char why[256], what[600];
    regerror(rc, &s->topics, why, sizeof why);
    regfree(&s->topics);
    snprintf(what, sizeof what, "'%s' is not a POSIX extended regular expression: %s", s->topics_text, why);
    return fail(err, errlen, cfg, "sink.topics", what);
}

/* sink.url as a URL: a plain path becomes file://<absolute path>. */
static int resolve_url(const struct config *cfg, struct sink_settings *s, char *err, size_t errlen) {
    const char *url = config_get(cfg, "sink.url");
    if (!*url)
        return fail(err, errlen, cfg, "sink.url", "is empty: name a folder, Azurite or an account");
    if (strstr(url, "://")) {
        if (strlen(url) >= sizeof s->url)
            return fail(err, errlen, cfg, "sink.url", "is too long");
        snprintf(s->url, sizeof s->url, "%s", url);
        return 0;
    }
    if (url[0] == '/') {
        snprintf(s->url, sizeof s->url, "file://%s", url);
        return 0;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return fail(err, errlen, cfg, "sink.url", "is relative and the current folder is unknown: give a full path");
    const char *rest = strncmp(url, "./", 2) == 0 ? url + 2 : url;
    if ((size_t)snprintf(s->url, sizeof s->url, "file://%s/%s", cwd, rest) >= sizeof s->url)
        return fail(err, errlen, cfg, "sink.url", "is too long");
    return 0;
}

/* One secret: the first line of the file the key names, else the variable. */
static int read_secret(const struct config *cfg, const char *key, const char *env, char *out, size_t outlen,
                       const char **from, char *err, size_t errlen) {
    enum secret_source source;
    char why[768];
    if (secret_read_file_or_env(config_get(cfg, key), env, out, outlen, &source, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s (%s): %s", key, config_origin(cfg, key), why);
        return -1;
    }
    if (source != SECRET_NONE)
        *from = source == SECRET_FILE ? key : env;
    return 0;
}

static int load_credential(const struct config *cfg, struct sink_settings *s, char *err, size_t errlen) {
    const char *key_from = NULL, *sas_from = NULL;
    if (strncmp(s->url, "file://", 7) == 0)
        return 0; /* a folder needs no credential (the file's one for Azurite may not exist) */
    if (read_secret(cfg, "sink.account.key.file", "AZURE_STORAGE_KEY", s->shared_key, sizeof s->shared_key, &key_from,
                    err, errlen) != 0 ||
        read_secret(cfg, "sink.sas.file", "AZURE_STORAGE_SAS_TOKEN", s->sas, sizeof s->sas, &sas_from, err, errlen) !=
            0)
        return -1;
    if (s->sas[0] == '?')
        memmove(s->sas, s->sas + 1, strlen(s->sas));
    s->credential = key_from ? key_from : sas_from;
    if (strncmp(s->url, "file://", 7) != 0 && !s->credential)
        return fail(err, errlen, cfg, "sink.url",
                    "an Azure lake needs a credential: set sink.account.key.file (or $AZURE_STORAGE_KEY) or "
                    "sink.sas.file (or $AZURE_STORAGE_SAS_TOKEN)");
    return 0;
}

/* text with \n, \r, \t, \\ and \xHH made bytes, into out; the byte count,
 * or -1 when an escape is bad or out is too small. */
static int unescape(const char *text, char *out, size_t outlen) {
    size_t n = 0;
    for (const char *c = text; *c; c++) {
        char b = *c;
        if (b == '\\') {
            c++;
            if (*c == 'n')
                b = '\n';
            else if (*c == 'r')
                b = '\r';
            else if (*c == 't')
                b = '\t';
            else if (*c == '\\')
                b = '\\';
            else if (*c == 'x' && isxdigit((unsigned char)c[1]) && isxdigit((unsigned char)c[2])) {
                char hex[3] = {c[1], c[2], 0};
                b = (char)strtol(hex, NULL, 16);
                c += 2;
            } else
                return -1;
        }
        if (n == outlen)
            return -1;
        out[n++] = b;
    }
    return (int)n;
}

static int load_layout(const struct config *cfg, struct sink_settings *s, char *err, size_t errlen) {
    struct format_options *f = &s->format;
    if (sink_format_parse(config_get(cfg, "sink.format"), &f->format) != 0)
        return fail(err, errlen, cfg, "sink.format", "is not json, csv, bytes, avro or parquet");
    if (avro_codec_parse(config_get(cfg, "sink.avro.codec"), &f->avro_codec) != 0)
        return fail(err, errlen, cfg, "sink.avro.codec", "is not null, deflate or snappy");
    if (parquet_codec_parse(config_get(cfg, "sink.parquet.codec"), &f->parquet_codec) != 0)
        return fail(err, errlen, cfg, "sink.parquet.codec", "is not none, snappy or zstd");
    f->parquet_row_group_bytes = (size_t)config_get_int(cfg, "sink.parquet.row.group.bytes");
    int n = unescape(config_get(cfg, "sink.bytes.separator"), s->separator, sizeof s->separator);
    if (n < 0)
        return fail(err, errlen, cfg, "sink.bytes.separator",
                    "has a backslash that is not \\n, \\r, \\t, \\\\ or \\xHH (two hex digits), or is over 16 bytes");
    f->bytes_separator = s->separator;
    f->bytes_separator_len = (size_t)n;
    const char *table = config_get(cfg, "sink.table.format");
    if (strcmp(table, "none") == 0)
        s->delta = 0;
    else if (strcmp(table, "delta") == 0)
        s->delta = 1;
    else
        return fail(err, errlen, cfg, "sink.table.format", "is neither none nor delta");
    if (s->delta && f->format != SINK_FORMAT_PARQUET)
        return fail(err, errlen, cfg, "sink.table.format",
                    "is delta, which takes Parquet files: set sink.format=parquet (or sink.table.format=none)");
    s->delta_checkpoint_interval = (int)config_get_int(cfg, "sink.delta.checkpoint.interval");
    f->parquet_decimal_max = s->delta ? DELTA_DECIMAL_PRECISION_MAX : 0;
    struct partitioner_options *p = &s->partitioner;
    if (partitioner_kind_parse(config_get(cfg, "sink.partitioner"), &p->kind) != 0)
        return fail(err, errlen, cfg, "sink.partitioner", "is not default, field or time");
    p->field_names = config_get(cfg, "sink.partition.field.name");
    p->path_format = config_get(cfg, "sink.path.format");
    p->timezone = config_get(cfg, "sink.timezone");
    p->timestamp_field = config_get(cfg, "sink.timestamp.field");
    if (p->kind == PARTITIONER_FIELD && (!p->field_names || !*p->field_names))
        return fail(err, errlen, cfg, "sink.partitioner",
                    "is field but sink.partition.field.name is not set: name the row's field");
    s->topics_dir = config_get(cfg, "sink.topics.dir");
    if (strstr(s->topics_dir, "..") || s->topics_dir[0] == '/')
        return fail(err, errlen, cfg, "sink.topics.dir", "must be a relative folder without '..'");
    return 0;
}

int sink_settings_load(const struct config *cfg, struct sink_settings *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    s->dc = config_get(cfg, "dc");
    s->topics_text = config_get(cfg, "sink.topics");
    s->refresh_ms = (int)config_get_int(cfg, "sink.topics.refresh.ms");
    s->group_id = config_get(cfg, "sink.group.id");
    if (!s->group_id || !*s->group_id) {
        snprintf(s->group_buf, sizeof s->group_buf, "%s-sink", s->dc);
        s->group_id = s->group_buf;
    }
    s->instance_id = config_get(cfg, "sink.instance.id");
    if (s->instance_id && !*s->instance_id)
        s->instance_id = NULL;
    s->account_name = config_get(cfg, "sink.account.name");
    if (s->account_name && !*s->account_name)
        s->account_name = NULL;
    s->create_container = config_get_bool(cfg, "sink.create.container");
    s->flush_size = config_get_int(cfg, "sink.flush.size");
    s->rotate_interval_ms = config_get_int(cfg, "sink.rotate.interval.ms");
    s->rotate_schedule_interval_ms = config_get_int(cfg, "sink.rotate.schedule.interval.ms");
    if (s->rotate_interval_ms == 0 || s->rotate_schedule_interval_ms == 0)
        return fail(err, errlen, cfg,
                    s->rotate_interval_ms == 0 ? "sink.rotate.interval.ms" : "sink.rotate.schedule.interval.ms",
                    "0 is no interval: use -1 (off) or a number of milliseconds");
    s->max_file_bytes = config_get_int(cfg, "sink.max.file.bytes");
    s->max_buffer_bytes = config_get_int(cfg, "sink.max.buffer.bytes");
    s->upload_timeout_ms = (int)config_get_int(cfg, "sink.upload.timeout.ms");
    s->upload_retries = (int)config_get_int(cfg, "sink.upload.retries");
    s->http_listen = config_get(cfg, "sink.http.listen");
    if (keys_log_level(cfg, &s->log_level, err, errlen) != 0 || load_layout(cfg, s, err, errlen) != 0 ||
        resolve_url(cfg, s, err, errlen) != 0 || load_credential(cfg, s, err, errlen) != 0)
        return -1;
    return compile_topics(cfg, s, err, errlen);
}

void sink_settings_release(struct sink_settings *s) {
    if (s->compiled)
        regfree(&s->topics);
    s->compiled = 0;
    memset(s->shared_key, 0, sizeof s->shared_key);
    memset(s->sas, 0, sizeof s->sas);
}

void sink_settings_storage(const struct sink_settings *s, struct storage_options *opt) {
    memset(opt, 0, sizeof *opt);
    opt->url = s->url;
    opt->account = s->account_name;
    opt->shared_key = s->shared_key[0] ? s->shared_key : NULL;
    opt->sas = !opt->shared_key && s->sas[0] ? s->sas : NULL;
    opt->create_container = s->create_container;
    opt->timeout_ms = s->upload_timeout_ms;
    opt->max_retries = s->upload_retries ? s->upload_retries : -1;
}

int sink_settings_selects(const struct sink_settings *s, const char *topic) {
    if (strncmp(topic, "__", 2) == 0 || strncmp(topic, "_bridgelab", 10) == 0 || !s->compiled)
        return 0;
    return regexec(&s->topics, topic, 0, NULL, 0) == 0;
}
