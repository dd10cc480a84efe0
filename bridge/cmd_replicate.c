/* bridge replicate: the front end of the replication engine. Reads the
 * settings and both clusters' Kafka configurations, serves /metrics and
 * /healthz, says in one line what it reads and where it writes, and runs the
 * engine until SIGTERM or SIGINT. */
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
#include "replicate/group_sync.h"
#include "replicate/replicate.h"
#include "replicate/replicate_settings.h"
#include "shutdown.h"

static const char usage[] =
    "usage: bridge replicate [-F FILE] [-X key=value]... [options]\n"
    "Copies the chosen topics of the onprem Kafka cluster onto the cloud cluster, exactly once: keys, values,\n"
    "headers and timestamps as they are, partition for partition, with a provenance header (so two replicators\n"
    "running opposite ways never loop). Positions live in a compacted topic on the cloud cluster.";

#define LAG_LINES 4096

static size_t write_metrics(char *buf, size_t cap, void *ctx) {
    struct replicate_metrics m;
    replicate_metrics_read(ctx, &m);
    size_t used = http_status_append(
        buf, cap, 0,
        "# HELP bridgelab_replicate_records_total Records copied to the cloud cluster and committed.\n"
        "# TYPE bridgelab_replicate_records_total counter\n"
        "bridgelab_replicate_records_total %" PRIu64 "\n"
        "# HELP bridgelab_replicate_bytes_total Bytes of keys and values copied and committed.\n"
        "# TYPE bridgelab_replicate_bytes_total counter\n"
        "bridgelab_replicate_bytes_total %" PRIu64 "\n"
        "# HELP bridgelab_replicate_transactions_total Transactions committed on the cloud cluster.\n"
        "# TYPE bridgelab_replicate_transactions_total counter\n"
        "bridgelab_replicate_transactions_total %" PRIu64 "\n"
        "# HELP bridgelab_replicate_aborts_total Transactions aborted, then replayed.\n"
        "# TYPE bridgelab_replicate_aborts_total counter\n"
        "bridgelab_replicate_aborts_total %" PRIu64 "\n"
        "# HELP bridgelab_replicate_loop_records_total Records not copied: they came from the cloud cluster.\n"
        "# TYPE bridgelab_replicate_loop_records_total counter\n"
        "bridgelab_replicate_loop_records_total %" PRIu64 "\n"
        "# HELP bridgelab_replicate_topics Topics replicated now.\n"
        "# TYPE bridgelab_replicate_topics gauge\n"
        "bridgelab_replicate_topics %d\n"
        "# HELP bridgelab_replicate_partitions Source partitions replicated now.\n"
        "# TYPE bridgelab_replicate_partitions gauge\n"
        "bridgelab_replicate_partitions %d\n"
        "# HELP bridgelab_replicate_slots The group's slots (replicate.slots).\n"
        "# TYPE bridgelab_replicate_slots gauge\n"
        "bridgelab_replicate_slots %d\n"
        "# HELP bridgelab_replicate_slots_owned Slots this replicator writes now (the group's others write the "
        "rest).\n"
        "# TYPE bridgelab_replicate_slots_owned gauge\n"
        "bridgelab_replicate_slots_owned %d\n"
        "# HELP bridgelab_replicate_rebalances_total Rebalances of the group's slots seen by this replicator.\n"
        "# TYPE bridgelab_replicate_rebalances_total counter\n"
        "bridgelab_replicate_rebalances_total %" PRIu64 "\n"
        "# HELP bridgelab_replicate_fenced_total Slots dropped: another replicator took their transactional id.\n"
        "# TYPE bridgelab_replicate_fenced_total counter\n"
        "bridgelab_replicate_fenced_total %" PRIu64 "\n"
        "# HELP bridgelab_replicate_blocked_topics Selected topics whose destination cannot take them (see the "
        "log).\n"
        "# TYPE bridgelab_replicate_blocked_topics gauge\n"
        "bridgelab_replicate_blocked_topics %d\n"
        "# HELP bridgelab_replicate_replicating 1 while both clusters answer.\n"
        "# TYPE bridgelab_replicate_replicating gauge\n"
        "bridgelab_replicate_replicating %d\n"
        "# HELP bridgelab_replicate_latency_seconds Source record timestamp to delivery on the cloud cluster, "
        "last 60 s.\n"
        "# TYPE bridgelab_replicate_latency_seconds summary\n"
        "bridgelab_replicate_latency_seconds{quantile=\"0.5\"} %.3f\n"
        "bridgelab_replicate_latency_seconds{quantile=\"0.99\"} %.3f\n"
        "bridgelab_replicate_latency_seconds_count %" PRIu64 "\n"
        "# HELP bridgelab_replicate_lag_records Source end offset minus the replicated position, per partition.\n"
        "# TYPE bridgelab_replicate_lag_records gauge\n",
        m.records, m.bytes, m.transactions, m.aborts, m.skipped_loops, m.topics, m.partitions, m.slots, m.slots_owned,
        m.rebalances, m.fenced, m.blocked_topics, m.replicating, m.latency_p50_ms / 1000.0, m.latency_p99_ms / 1000.0,
        m.latency_samples);
    struct replicate_lag *lags = malloc(LAG_LINES * sizeof *lags);
    if (lags) {
        size_t n = replicate_lag_read(ctx, lags, LAG_LINES);
        for (size_t i = 0; i < n && i < LAG_LINES; i++)
            if (lags[i].lag >= 0)
                used = http_status_append(buf, cap, used,
                                          "bridgelab_replicate_lag_records{topic=\"%s\",partition=\"%d\"} %lld\n",
                                          lags[i].topic, (int)lags[i].partition, (long long)lags[i].lag);
        free(lags);
    }
    return used;
}

static int healthy(char *why, size_t whylen, void *ctx) {
    struct replicate_metrics m;
    replicate_metrics_read(ctx, &m);
    if (m.replicating)
        return 1;
    snprintf(why, whylen, "%s", m.state);
    return 0;
}

int cmd_replicate(int argc, char **argv) {
    log_init("bridge replicate");
    char err[1024];
    int rc = 2;
    struct replicate_settings s;
    int settings_loaded = 0;
    rd_kafka_conf_t *source_conf = NULL, *dest_conf = NULL;
    struct replicate *r = NULL;
    struct http_status *http = NULL;
    struct group_sync *sync = NULL;
    struct config *cfg = config_new(replicate_schema);
    if (!cfg) {
        log_error("out of memory");
        return 1;
    }
    enum cli_result parsed = cli_parse(argc, argv, replicate_options, cfg, err, sizeof err);
    if (parsed == CLI_HELP) {
        cli_print_help(stdout, usage, replicate_options, cfg);
        rc = 0;
        goto out;
    }
    if (parsed == CLI_ERROR || replicate_settings_load(cfg, &s, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    settings_loaded = 1;
    log_set_level(s.log_level);
    if (!(source_conf = kafka_conf_new(cfg, "onprem", err, sizeof err)) ||
        !(dest_conf = kafka_conf_new(cfg, "cloud", err, sizeof err))) {
        log_error("%s", err);
        goto out;
    }
    rc = 1;
    shutdown_install();
    err[0] = '\0';
    r = replicate_new(&s, source_conf, dest_conf, err, sizeof err);
    if (!r) {
        log_error("%s", err);
        goto out;
    }
    if (s.http_listen[0]) {
        struct http_status_handlers handlers = {.metrics = write_metrics, .healthy = healthy, .ctx = r};
        http = http_status_start(s.http_listen, &handlers, err, sizeof err);
        if (!http) {
            log_error("replicate.http.listen (%s): %s", config_origin(cfg, "replicate.http.listen"), err);
            goto out;
        }
    }
    log_info("replicate group '%s': reading topics matching '%s'%s%s%s from onprem Kafka at %s (read_committed); "
             "writing them to cloud Kafka at %s as '%s', positions in %s, exactly once, %d slots shared by the group's "
             "replicators; %s%s%s",
             s.group_id, s.include_text, s.exclude_text ? " except '" : "", s.exclude_text ? s.exclude_text : "",
             s.exclude_text ? "'" : "", config_get(cfg, "onprem.bootstrap.servers"),
             config_get(cfg, "cloud.bootstrap.servers"), s.rename_format, s.offsets_topic, s.slots,
             s.http_listen[0] ? "metrics on http://" : "no metrics", s.http_listen, s.http_listen[0] ? "/metrics" : "");
    if (s.sync_group_offsets) {
        struct translate_request req = {
            source_conf, dest_conf, NULL, s.group_id, s.offsets_topic, replicate_settings_destination, &s, 30000};
        if (!(sync = group_sync_start(&req, s.sync_interval_ms, err, sizeof err))) {
            log_error("%s", err);
            goto out;
        }
        log_info("consumer groups' offsets synced to the cloud cluster every %d ms (replicate.sync.group.offsets)",
                 s.sync_interval_ms);
    }
    if (replicate_run(r, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    rc = 0;
out:
    group_sync_stop(sync);
    http_status_stop(http);
    replicate_free(r);
    if (source_conf)
        rd_kafka_conf_destroy(source_conf);
    if (dest_conf)
        rd_kafka_conf_destroy(dest_conf);
    if (settings_loaded)
        replicate_settings_release(&s);
    config_free(cfg);
    return rc;
}
