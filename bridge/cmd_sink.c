/* bridge sink: the front end of the sink engine. Reads the settings, the
 * cloud cluster's Kafka configuration and the lake's credential, serves
 * /metrics and /healthz, says in one line what it reads and where it
 * writes, and runs the engine until SIGTERM or SIGINT. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "http_status.h"
#include "kafka.h"
#include "log.h"
#include "shutdown.h"
#include "sink/sink.h"
#include "sink/sink_settings.h"

static const char usage[] =
    "usage: bridge sink [-F FILE] [-X key=value]... [options]\n"
    "Writes the chosen topics of the cloud Kafka cluster into the lake as files named\n"
    "<topics.dir>/<topic>/<folder>/<topic>+<partition>+<startOffset>.<ext>, exactly once: the lake itself\n"
    "says where each partition ends, so a crash or a rotation on the wall clock never doubles or loses a record.\n"
    "The lake: a folder, Azurite or an Azure storage account (SharedKey or SAS from a file or the environment).";

#define STATUS_LINES 4096

static size_t write_partitions(char *buf, size_t cap, size_t used, struct sink *k) {
    struct sink_partition_status *parts = malloc(STATUS_LINES * sizeof *parts);
    if (!parts)
        return used;
    size_t n = sink_partitions_read(k, parts, STATUS_LINES);
    used = http_status_append(buf, cap, used,
                              "# HELP bridgelab_sink_lag_records Records of the partition not in the lake yet.\n"
                              "# TYPE bridgelab_sink_lag_records gauge\n");
    for (size_t i = 0; i < n; i++)
        if (parts[i].lag_records >= 0)
            used =
                http_status_append(buf, cap, used, "bridgelab_sink_lag_records{topic=\"%s\",partition=\"%d\"} %lld\n",
                                   parts[i].topic, (int)parts[i].partition, parts[i].lag_records);
    used = http_status_append(
        buf, cap, used,
        "# HELP bridgelab_sink_lake_end_offset Offset after the partition's last complete flush in the "
        "lake.\n"
        "# TYPE bridgelab_sink_lake_end_offset gauge\n");
    for (size_t i = 0; i < n; i++)
        if (parts[i].lake_end >= 0)
            used = http_status_append(buf, cap, used,
                                      "bridgelab_sink_lake_end_offset{topic=\"%s\",partition=\"%d\"} %lld\n",
                                      parts[i].topic, (int)parts[i].partition, (long long)parts[i].lake_end);
    used = http_status_append(
        buf, cap, used,
        "# HELP bridgelab_sink_last_file_age_seconds Time since this sink wrote the partition's last "
        "file.\n"
        "# TYPE bridgelab_sink_last_file_age_seconds gauge\n");
    for (size_t i = 0; i < n; i++)
        if (parts[i].since_last_file_ms >= 0)
            used = http_status_append(buf, cap, used,
                                      "bridgelab_sink_last_file_age_seconds{topic=\"%s\",partition=\"%d\"} %.3f\n",
                                      parts[i].topic, (int)parts[i].partition, parts[i].since_last_file_ms / 1000.0);
    free(parts);
    return used;
}

static size_t write_metrics(char *buf, size_t cap, void *ctx) {
    struct sink_metrics m;
    sink_metrics_read(ctx, &m);
    size_t used = http_status_append(
        buf, cap, 0,
        "# HELP bridgelab_sink_files_total Files written to the lake.\n"
        "# TYPE bridgelab_sink_files_total counter\n"
        "bridgelab_sink_files_total %" PRIu64 "\n"
        "# HELP bridgelab_sink_records_total Records written to the lake.\n"
        "# TYPE bridgelab_sink_records_total counter\n"
        "bridgelab_sink_records_total %" PRIu64 "\n"
        "# HELP bridgelab_sink_bytes_total Bytes of files written to the lake.\n"
        "# TYPE bridgelab_sink_bytes_total counter\n"
        "bridgelab_sink_bytes_total %" PRIu64 "\n"
        "# HELP bridgelab_sink_conflicts_total Flushes dropped because another sink had written there first.\n"
        "# TYPE bridgelab_sink_conflicts_total counter\n"
        "bridgelab_sink_conflicts_total %" PRIu64 "\n"
        "# HELP bridgelab_sink_lake_failures_total Requests to the lake that failed (and were retried).\n"
        "# TYPE bridgelab_sink_lake_failures_total counter\n"
        "bridgelab_sink_lake_failures_total %" PRIu64 "\n"
        "# HELP bridgelab_sink_rebalances_total Rebalances of the sinks' group seen by this sink.\n"
        "# TYPE bridgelab_sink_rebalances_total counter\n"
        "bridgelab_sink_rebalances_total %" PRIu64 "\n"
        "# HELP bridgelab_sink_topics Topics read now.\n"
        "# TYPE bridgelab_sink_topics gauge\n"
        "bridgelab_sink_topics %d\n"
        "# HELP bridgelab_sink_partitions Partitions assigned to this sink now.\n"
        "# TYPE bridgelab_sink_partitions gauge\n"
        "bridgelab_sink_partitions %d\n"
        "# HELP bridgelab_sink_blocked_partitions Partitions stopped on a record they cannot place (see the log).\n"
        "# TYPE bridgelab_sink_blocked_partitions gauge\n"
        "bridgelab_sink_blocked_partitions %d\n"
        "# HELP bridgelab_sink_buffered_bytes Memory of the open files and of the files waiting for the lake.\n"
        "# TYPE bridgelab_sink_buffered_bytes gauge\n"
        "bridgelab_sink_buffered_bytes %zu\n"
        "# HELP bridgelab_sink_lake_up 1 while the lake answers.\n"
        "# TYPE bridgelab_sink_lake_up gauge\n"
        "bridgelab_sink_lake_up %d\n"
        "# HELP bridgelab_sink_upload_seconds A flush handed over to its files written, last 60 s.\n"
        "# TYPE bridgelab_sink_upload_seconds summary\n"
        "bridgelab_sink_upload_seconds{quantile=\"0.5\"} %.3f\n"
        "bridgelab_sink_upload_seconds{quantile=\"0.99\"} %.3f\n"
        "bridgelab_sink_upload_seconds_count %" PRIu64 "\n",
        m.files, m.records, m.bytes, m.conflicts, m.lake_failures, m.rebalances, m.topics, m.partitions,
        m.blocked_partitions, m.buffered_bytes, m.lake_ok, m.upload_p50_ms / 1000.0, m.upload_p99_ms / 1000.0,
        m.upload_samples);
    return write_partitions(buf, cap, used, ctx);
}

static int healthy(char *why, size_t whylen, void *ctx) {
    struct sink_metrics m;
    sink_metrics_read(ctx, &m);
    if (m.reading)
        return 1;
    snprintf(why, whylen, "%s", m.state);
    return 0;
}

int cmd_sink(int argc, char **argv) {
    log_init("bridge sink");
    char err[1024];
    int rc = 2;
    struct sink_settings s;
    int settings_loaded = 0;
    rd_kafka_conf_t *conf = NULL;
    struct sink *k = NULL;
    struct http_status *http = NULL;
    struct config *cfg = config_new(sink_schema);
    if (!cfg) {
        log_error("out of memory");
        return 1;
    }
    enum cli_result parsed = cli_parse(argc, argv, sink_options, cfg, err, sizeof err);
    if (parsed == CLI_HELP) {
        cli_print_help(stdout, usage, sink_options, cfg);
        rc = 0;
        goto out;
    }
    if (parsed == CLI_ERROR || sink_settings_load(cfg, &s, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    settings_loaded = 1;
    log_set_level(s.log_level);
    if (!(conf = kafka_conf_new(cfg, "cloud", err, sizeof err))) {
        log_error("%s", err);
        goto out;
    }
    rc = 1;
    shutdown_install();
    if (!(k = sink_new(&s, conf, err, sizeof err))) {
        log_error("%s", err);
        goto out;
    }
    if (s.http_listen[0]) {
        struct http_status_handlers handlers = {.metrics = write_metrics, .healthy = healthy, .ctx = k};
        if (!(http = http_status_start(s.http_listen, &handlers, err, sizeof err))) {
            log_error("sink.http.listen (%s): %s", config_origin(cfg, "sink.http.listen"), err);
            goto out;
        }
    }
    log_info("sink group '%s': reading topics matching '%s' from cloud Kafka at %s (read_committed); writing %s "
             "files under '%s/' of %s, exactly once; a file closes at %lld records, %lld bytes%s%s; "
             "%s%s%s",
             s.group_id, s.topics_text, config_get(cfg, "cloud.bootstrap.servers"),
             sink_format_extension(s.format.format), s.topics_dir, sink_lake(k), s.flush_size, s.max_file_bytes,
             s.rotate_schedule_interval_ms > 0 ? " or on the wall clock's multiples of sink.rotate.schedule.interval.ms"
                                               : "",
             s.rotate_interval_ms > 0 ? " or sink.rotate.interval.ms of record time" : "",
             s.http_listen[0] ? "metrics on http://" : "no metrics", s.http_listen, s.http_listen[0] ? "/metrics" : "");
    if (sink_run(k, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    rc = 0;
out:
    http_status_stop(http);
    sink_free(k);
    if (conf)
        rd_kafka_conf_destroy(conf);
    if (settings_loaded)
        sink_settings_release(&s);
    config_free(cfg);
    return rc;
}
