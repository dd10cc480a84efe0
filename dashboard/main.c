/* bin/dashboard: the Power BI stand-in and the pipeline monitor. Wires the
 * settings to the store (sqlite), the lake loader (polling the lake on a
 * thread of its own), the views, the pipeline probe and the HTTP server,
 * then serves until SIGTERM or SIGINT. Everything it does lives in the
 * modules; this file only connects them. */
#include <curl/curl.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "dashboard_settings.h"
#include "http_server.h"
#include "lake_loader.h"
#include "log.h"
#include "pipeline.h"
#include "shutdown.h"
#include "storage.h"
#include "store.h"
#include "views.h"

static const char usage[] =
    "usage: dashboard [-F FILE] [-X key=value]... [options]\n"
    "Loads the lake the sink writes into sqlite and serves, on one page that refreshes itself, the sales report\n"
    "(KPIs, revenue per minute, products, customers, cities, stock) and the pipeline (each stage's count, rate,\n"
    "lag and latency, and which one stalls). Everything the page needs is inside the binary.";

struct app {
    const struct dashboard_settings *s;
    struct store *store;
    struct storage_options lake_options;
    struct storage *lake;
    struct lake_loader *loader;
    struct pipeline *pipeline;
    pthread_mutex_t lock;
    char lake_error[512]; /* why the lake does not load; "" when it does */
};

static void set_lake_error(struct app *a, const char *why) {
    pthread_mutex_lock(&a->lock);
    snprintf(a->lake_error, sizeof a->lake_error, "%s", why);
    pthread_mutex_unlock(&a->lock);
}

/* The lake and its loader, made on the loader's thread: a lake that is not
 * there yet (the sink makes the container) is waited for. 0, or -1. */
static int open_lake(struct app *a, int *said) {
    char err[512];
    if (!a->lake && storage_open(&a->lake_options, &a->lake, err, sizeof err) != STORAGE_OK) {
        if (!(*said)++)
            log_warn("lake %s: %s: trying again every %d ms", a->s->lake_url, err, a->s->lake_poll_ms);
        set_lake_error(a, err);
        return -1;
    }
    if (!a->loader) {
        struct lake_loader *l = lake_loader_new(a->store, a->lake, a->s->lake_topics_dir, err, sizeof err);
        if (!l) {
            log_error("%s", err);
            set_lake_error(a, err);
            return -1;
        }
        pthread_mutex_lock(&a->lock);
        a->loader = l;
        pthread_mutex_unlock(&a->lock);
    }
    if (*said)
        log_info("lake %s answers: loading it", a->s->lake_url);
    *said = 0;
    return 0;
}

/* The loader's thread: one poll, its counts into the pipeline panel, a pause. */
static void *load_loop(void *arg) {
    struct app *a = arg;
    int said = 0;
    while (!shutdown_requested()) {
        if (open_lake(a, &said) == 0) {
            int loaded = lake_loader_poll(a->loader); /* a failure is logged by the loader */
            set_lake_error(a, loaded < 0 ? "the lake or the store failed (see the log)" : "");
            struct lake_loader_stats st;
            lake_loader_stats(a->loader, &st);
            struct pipeline_local l = {st.lake_files, st.records,          st.files,           st.skipped,
                                       st.records,    st.newest_commit_ms, st.newest_loaded_ms};
            pipeline_set_local(a->pipeline, &l);
        }
        clock_sleep_or_stop(a->s->lake_poll_ms, shutdown_requested);
    }
    return NULL;
}

static char *pipeline_body(void *ctx, size_t *len) { return pipeline_json(((struct app *)ctx)->pipeline, len); }

/* /metrics: the loader's counts, from its stats (each file as it loads). */
static size_t loader_metrics(char *buf, size_t cap, void *ctx) {
    struct app *a = ctx;
    struct lake_loader_stats st = {0};
    pthread_mutex_lock(&a->lock);
    if (a->loader)
        lake_loader_stats(a->loader, &st);
    pthread_mutex_unlock(&a->lock);
    int n = snprintf(buf, cap,
                     "# HELP bridgelab_dashboard_lake_files_loaded_total Lake files loaded (earlier runs' too).\n"
                     "# TYPE bridgelab_dashboard_lake_files_loaded_total counter\n"
                     "bridgelab_dashboard_lake_files_loaded_total %lld\n"
                     "# HELP bridgelab_dashboard_lake_records_loaded_total Records in the lake files loaded.\n"
                     "# TYPE bridgelab_dashboard_lake_records_loaded_total counter\n"
                     "bridgelab_dashboard_lake_records_loaded_total %lld\n"
                     "# HELP bridgelab_dashboard_lake_files_skipped_total Lake files skipped as damaged.\n"
                     "# TYPE bridgelab_dashboard_lake_files_skipped_total counter\n"
                     "bridgelab_dashboard_lake_files_skipped_total %lld\n"
                     "# HELP bridgelab_dashboard_lake_files Data files the last listing of the lake saw.\n"
                     "# TYPE bridgelab_dashboard_lake_files gauge\n"
                     "bridgelab_dashboard_lake_files %lld\n"
                     "# HELP bridgelab_dashboard_lake_up 1 when the last poll listed the lake.\n"
                     "# TYPE bridgelab_dashboard_lake_up gauge\n"
                     "bridgelab_dashboard_lake_up %d\n",
                     st.files, st.records, st.skipped, st.lake_files, st.lake_up);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
}

static int healthy(char *why, size_t whylen, void *ctx) {
    struct app *a = ctx;
    pthread_mutex_lock(&a->lock);
    int ok = a->lake_error[0] == '\0';
    if (!ok)
        snprintf(why, whylen, "the lake does not load: %s", a->lake_error);
    pthread_mutex_unlock(&a->lock);
    return ok;
}

static struct pipeline *pipeline_of(const struct dashboard_settings *s) {
    struct pipeline_options o = {s->cdc_metrics,    s->replicate_metrics, s->sink_metrics,   s->mysql_host,
                                 s->mysql_port,     s->mysql_user,        s->mysql_password, s->mysql_defaults_file,
                                 s->mysql_database, s->probe_interval_ms, s->stall_ms,       s->refresh_ms};
    return pipeline_new(&o);
}

int main(int argc, char **argv) {
    log_init("dashboard");
    char err[1024];
    int rc = 2, loading = 0;
    struct dashboard_settings s;
    struct store *store = NULL;
    struct views *views = NULL;
    struct http_server *http = NULL;
    struct app a = {.s = &s};
    pthread_t loader_thread;
    pthread_mutex_init(&a.lock, NULL);
    struct config *cfg = config_new(dashboard_schema);
    if (!cfg) {
        log_error("out of memory");
        return 1;
    }
    enum cli_result parsed = cli_parse(argc, argv, dashboard_options, cfg, err, sizeof err);
    if (parsed == CLI_HELP) {
        cli_print_help(stdout, usage, dashboard_options, cfg);
        rc = 0;
        goto out;
    }
    if (parsed == CLI_ERROR || dashboard_settings_load(cfg, &s, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    log_set_level(s.log_level);
    rc = 1;
    /* Both libraries' global set-up is not thread-safe: here, before any thread. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || mysql_library_init(0, NULL, NULL) != 0) {
        log_error("cannot initialise libcurl or libmariadb");
        goto out;
    }
    shutdown_install();
    dashboard_settings_storage(&s, &a.lake_options);
    if (!(store = store_open(s.db_path, err, sizeof err))) {
        log_error("%s", err);
        goto out;
    }
    a.store = store;
    if (!(views = views_new(store))) {
        log_error("out of memory");
        goto out;
    }
    if (!(a.pipeline = pipeline_of(&s)) || pipeline_start(a.pipeline, err, sizeof err) != 0) {
        log_error("%s", a.pipeline ? err : "out of memory");
        goto out;
    }
    if (pthread_create(&loader_thread, NULL, load_loop, &a) != 0) {
        log_error("cannot start the lake loader's thread");
        goto out;
    }
    loading = 1;
    struct http_server_options ho = {
        s.http_listen,    s.threads, s.max_connections, s.connection_timeout_s, (size_t)s.connection_memory,
        (size_t)s.max_url};
    struct http_server_routes routes = {views, pipeline_body, loader_metrics, healthy, &a};
    if (!(http = http_server_start(&ho, &routes, err, sizeof err))) {
        log_error("dashboard.http.listen (%s): %s", config_origin(cfg, "dashboard.http.listen"), err);
        goto out;
    }
    log_info("serving http://%s/ (%d threads); loading %s (from %s) into %s every %d ms; the page refreshes every "
             "%d ms",
             s.http_listen, s.threads, s.lake_url, s.lake_url_from, s.db_path, s.lake_poll_ms, s.refresh_ms);
    while (!shutdown_requested())
        clock_sleep_or_stop(1000, shutdown_requested);
    log_info("stopping");
    rc = 0;
out:
    http_server_stop(http);
    if (loading) {
        shutdown_request();
        pthread_join(loader_thread, NULL);
    }
    pipeline_free(a.pipeline);
    views_free(views);
    lake_loader_free(a.loader);
    storage_close(a.lake);
    store_close(store);
    pthread_mutex_destroy(&a.lock);
    config_free(cfg);
    return rc;
}
