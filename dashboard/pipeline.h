/* The pipeline panel's probe: what Control Center showed the workshop, one
 * row per stage of the flow
 *   mysql      rows in MySQL (COUNT(*) of the order tables)
 *   cdc        events on onprem Kafka (bridge cdc's /metrics)
 *   replicate  records on cloud Kafka (bridge replicate's /metrics)
 *   sink       records in the lake (bridge sink's /metrics)
 *   dashboard  rows loaded here (the lake loader's counts, set by main)
 * each with its count, its rate (per second over the last ~10 s), its lag
 * and a latency, and a state: flowing, idle, stalled (the count has not
 * moved for dashboard.stall.ms while the nearest stage upstream that is
 * probed has), down (its /metrics or MySQL does not answer) or off (not
 * configured).
 *
 * Latency, stage by stage: cdc's is how far its binlog reading is behind
 * (bridgelab_cdc_lag_seconds), replicate's the p99 of source-to-cloud time
 * (bridgelab_replicate_latency_seconds), the sink's the p99 of a flush's
 * upload. End to end: each change carries its commit time in MySQL
 * (the envelope's source.ts_ms, from the binlog event) all the way into the
 * lake; the loader reports the newest change it has loaded and when it
 * loaded it, and end-to-end latency is loaded time - commit time of that
 * change: from an order's commit to it being answered by /api/ (the page
 * shows it at most dashboard.refresh.ms later). Freshness is now - that
 * commit time (it grows while nothing new arrives).
 *
 * A thread of its own probes every dashboard.probe.interval.ms; the
 * figures computed are served as JSON by pipeline_json (/api/pipeline). */
#ifndef BRIDGELAB_DASHBOARD_PIPELINE_H
#define BRIDGELAB_DASHBOARD_PIPELINE_H

#include <stddef.h>

enum pipeline_stage { STAGE_MYSQL, STAGE_CDC, STAGE_REPLICATE, STAGE_SINK, STAGE_LOADED, PIPELINE_STAGES };

struct pipeline_options {
    const char *cdc_metrics; /* URLs of each stage's /metrics; NULL or "": off */
    const char *replicate_metrics;
    const char *sink_metrics;
    const char *mysql_host; /* NULL: MySQL is off */
    int mysql_port;
    const char *mysql_user;
    const char *mysql_password;
    const char *mysql_defaults_file;
    const char *mysql_database;
    int interval_ms;
    int stall_ms;
    int refresh_ms; /* told to the page with the figures */
};

/* What the lake loader reports (main sets it after each poll of the lake). */
struct pipeline_local {
    long long lake_files;       /* files seen in the lake */
    long long lake_records;     /* records in them */
    long long files_loaded;     /* files loaded (damaged ones are not) */
    long long files_damaged;    /* files reported and skipped */
    long long rows_loaded;      /* records loaded into the store */
    long long newest_commit_ms; /* commit time in MySQL of the newest change loaded; 0: none yet */
    long long newest_loaded_ms; /* when it was loaded (wall clock, epoch ms) */
};

/* One probe of one stage. */
struct pipeline_sample {
    int on;               /* probed at all */
    int up;               /* answered */
    long long count;      /* rows, events or records */
    long long lag;        /* in lag_unit; -1: unknown */
    long long latency_ms; /* -1: unknown */
    long long files;      /* sink and dashboard: files; -1: n/a */
    char error[256];      /* when !up: what failed */
};

struct pipeline;

struct pipeline *pipeline_new(const struct pipeline_options *opt);
/* Starts the probing thread; 0, or -1 with err. */
int pipeline_start(struct pipeline *p, char *err, size_t errlen);
/* Stops the thread (if started) and frees. */
void pipeline_free(struct pipeline *p);

void pipeline_set_local(struct pipeline *p, const struct pipeline_local *local);

/* Takes one round of samples taken at now_ms into the figures (the thread
 * does this; tests call it with samples of their own). */
void pipeline_observe(struct pipeline *p, long long now_ms, const struct pipeline_sample samples[PIPELINE_STAGES]);

/* /api/pipeline's body (malloc'd), or NULL before the first round. */
char *pipeline_json(struct pipeline *p, size_t *len);

/* Sums the samples of one metric in Prometheus text (any labels; with
 * label non-NULL, only samples whose labels contain it, e.g.
 * "quantile=\"0.99\""). Returns how many samples matched. */
int pipeline_metric(const char *text, const char *name, const char *label, double *sum);

#endif
