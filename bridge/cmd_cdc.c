/* bridge cdc: the front end of the CDC engine. Reads the settings, the
 * password and the Kafka configuration, serves /metrics and /healthz, says
 * in one line what it reads and where it writes, and runs the engine until
 * SIGTERM or SIGINT. */
#include <inttypes.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdc/cdc.h"
#include "cdc/cdc_settings.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "http_status.h"
#include "kafka.h"
#include "keys.h"
#include "log.h"
#include "shutdown.h"

static const char usage[] = "usage: bridge cdc [-F FILE] [-X key=value]... [options]\n"
                            "Streams every row change of the MySQL database into the onprem Kafka cluster as\n"
                            "Debezium-style events, one topic per table, exactly once.";

static size_t write_metrics(char *buf, size_t cap, void *ctx) {
    struct cdc_metrics m;
    cdc_metrics_read(ctx, &m);
    int n = snprintf(buf, cap,
                     "# HELP bridgelab_cdc_events_total Row events committed to Kafka.\n"
                     "# TYPE bridgelab_cdc_events_total counter\n"
                     "bridgelab_cdc_events_total %" PRIu64 "\n"
                     "# HELP bridgelab_cdc_transactions_total MySQL transactions committed to Kafka.\n"
                     "# TYPE bridgelab_cdc_transactions_total counter\n"
                     "bridgelab_cdc_transactions_total %" PRIu64 "\n"
                     "# HELP bridgelab_cdc_kafka_commits_total Kafka transactions committed.\n"
                     "# TYPE bridgelab_cdc_kafka_commits_total counter\n"
                     "bridgelab_cdc_kafka_commits_total %" PRIu64 "\n"
                     "# HELP bridgelab_cdc_snapshot_rows_total Rows read by snapshots.\n"
                     "# TYPE bridgelab_cdc_snapshot_rows_total counter\n"
                     "bridgelab_cdc_snapshot_rows_total %" PRIu64 "\n"
                     "# HELP bridgelab_cdc_lag_seconds How far behind the binlog head, in time.\n"
                     "# TYPE bridgelab_cdc_lag_seconds gauge\n"
                     "bridgelab_cdc_lag_seconds %.3f\n"
                     "# HELP bridgelab_cdc_lag_bytes How far behind the binlog head, in bytes (-1: unknown).\n"
                     "# TYPE bridgelab_cdc_lag_bytes gauge\n"
                     "bridgelab_cdc_lag_bytes %" PRId64 "\n"
                     "# HELP bridgelab_cdc_last_event_timestamp_seconds Binlog time of the last committed change.\n"
                     "# TYPE bridgelab_cdc_last_event_timestamp_seconds gauge\n"
                     "bridgelab_cdc_last_event_timestamp_seconds %.3f\n"
                     "# HELP bridgelab_cdc_streaming 1 while reading the binlog.\n"
                     "# TYPE bridgelab_cdc_streaming gauge\n"
                     "bridgelab_cdc_streaming %d\n"
                     "# HELP bridgelab_cdc_position_info The committed GTID position.\n"
                     "# TYPE bridgelab_cdc_position_info gauge\n"
                     "bridgelab_cdc_position_info{gtid=\"%s\"} 1\n"
                     "# HELP bridgelab_cdc_read_position_info Where the last whole transaction read ends.\n"
                     "# TYPE bridgelab_cdc_read_position_info gauge\n"
                     "bridgelab_cdc_read_position_info{gtid=\"%s\"} 1\n",
                     m.events, m.transactions, m.kafka_commits, m.snapshot_rows, m.lag_ms / 1000.0, m.lag_bytes,
                     m.last_event_ms / 1000.0, m.streaming, m.last_gtid, m.read_gtid);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
}

static int healthy(char *why, size_t whylen, void *ctx) {
    struct cdc_metrics m;
    cdc_metrics_read(ctx, &m);
    if (m.streaming)
        return 1;
    snprintf(why, whylen, "%s", m.state);
    return 0;
}

int cmd_cdc(int argc, char **argv) {
    log_init("bridge cdc");
    char err[1024], password[256];
    int rc = 2;
    struct cdc_settings s;
    int settings_loaded = 0;
    rd_kafka_conf_t *kafka_conf = NULL;
    struct cdc *cdc = NULL;
    struct http_status *http = NULL;
    struct config *cfg = config_new(cdc_schema);
    if (!cfg) {
        log_error("out of memory");
        return 1;
    }
    enum cli_result parsed = cli_parse(argc, argv, cdc_options, cfg, err, sizeof err);
    if (parsed == CLI_HELP) {
        cli_print_help(stdout, usage, cdc_options, cfg);
        rc = 0;
        goto out;
    }
    if (parsed == CLI_ERROR || cdc_settings_load(cfg, &s, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    settings_loaded = 1;
    log_set_level(s.log_level);
    const char *pw;
    if (keys_mysql_password(cfg, password, sizeof password, &pw, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    kafka_conf = kafka_conf_new(cfg, "onprem", err, sizeof err);
    if (!kafka_conf) {
        log_error("%s", err);
        goto out;
    }
    rc = 1;
    shutdown_install();
    mysql_library_init(0, NULL, NULL);
    err[0] = '\0';
    cdc = cdc_new(&s, pw, kafka_conf, err, sizeof err);
    if (!cdc) {
        log_error("%s", err);
        goto out;
    }
    if (s.http_listen[0]) {
        struct http_status_handlers handlers = {.metrics = write_metrics, .healthy = healthy, .ctx = cdc};
        http = http_status_start(s.http_listen, &handlers, err, sizeof err);
        if (!http) {
            log_error("cdc.http.listen (%s): %s", config_origin(cfg, "cdc.http.listen"), err);
            goto out;
        }
    }
    log_info(
        "cdc '%s': reading the binlog of %s:%d database %s as %s (server id %u); writing to Kafka %s, topics %s%s; "
        "%s%s%s",
        s.name, s.host, s.port, s.database, s.user, s.server_id, config_get(cfg, "onprem.bootstrap.servers"),
        s.topic_format, s.unwrap ? " (unwrapped)" : "", s.http_listen[0] ? "metrics on http://" : "no metrics",
        s.http_listen, s.http_listen[0] ? "/metrics" : "");
    if (cdc_run(cdc, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    rc = 0;
out:
    http_status_stop(http);
    cdc_free(cdc);
    if (kafka_conf)
        rd_kafka_conf_destroy(kafka_conf);
    if (settings_loaded)
        cdc_settings_release(&s);
    config_free(cfg);
    memset(password, 0, sizeof password);
    mysql_library_end();
    return rc;
}
