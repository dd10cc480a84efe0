/* The pipeline panel's probe: see pipeline.h. The thread scrapes each
 * stage's /metrics over one kept-alive libcurl handle per stage and counts
 * MySQL's rows over one kept connection, then hands the round to
 * pipeline_observe, which keeps the last samples per stage (for the rate)
 * and the times a count last moved (for the stall). The figures are
 * guarded by one mutex: the probe writes them once a second, requests read
 * them. */
#include "pipeline.h"

#include <curl/curl.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "json_writer.h"
#include "log.h"

#define HISTORY 32           /* samples kept per stage: the rate's window at 1 s intervals */
#define RATE_WINDOW_MS 10000 /* the rate is over the last ~10 s */
#define SCRAPE_CAP (1 << 20) /* bytes of a /metrics answer, at most */

static const char *const stage_names[PIPELINE_STAGES] = {"mysql", "cdc", "replicate", "sink", "dashboard"};
static const char *const stage_titles[PIPELINE_STAGES] = {
    "rows in MySQL", "events on onprem Kafka", "records on cloud Kafka", "records in the lake", "rows loaded here"};
static const char *const lag_units[PIPELINE_STAGES] = {NULL, "bytes", "records", "records", "records"};

struct stage_figures {
    struct pipeline_sample last;
    long long times[HISTORY], counts[HISTORY];
    int n, head; /* ring of the last samples */
    long long last_change_ms;
    long long pending_since_ms; /* upstream moved after this stage's last move, first at; 0: no */
    long long prev_count;
    int seen;
};

struct scraper {
    CURL *curl;
    const char *url;
    char *buf;
    size_t len;
};

struct pipeline {
    struct pipeline_options opt;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int started, stop;
    struct pipeline_local local;
    struct stage_figures stages[PIPELINE_STAGES];
    long long now_ms;
    int rounds;
    /* the probe thread's own */
    struct scraper scrapers[PIPELINE_STAGES];
    MYSQL *mysql;
};

struct pipeline *pipeline_new(const struct pipeline_options *opt) {
    struct pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->opt = *opt;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->scrapers[STAGE_CDC].url = opt->cdc_metrics;
    p->scrapers[STAGE_REPLICATE].url = opt->replicate_metrics;
    p->scrapers[STAGE_SINK].url = opt->sink_metrics;
    return p;
}

void pipeline_set_local(struct pipeline *p, const struct pipeline_local *local) {
    pthread_mutex_lock(&p->lock);
    p->local = *local;
    pthread_mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------ figures --- */

static void forget_history(struct stage_figures *f) { f->n = f->head = 0; }

static void remember(struct stage_figures *f, long long now_ms, long long count) {
    f->times[f->head] = now_ms;
    f->counts[f->head] = count;
    f->head = (f->head + 1) % HISTORY;
    if (f->n < HISTORY)
        f->n++;
}

/* Per second over the oldest sample within the window and the newest; -1
 * when there are not two. */
static double rate(const struct stage_figures *f) {
    if (f->n < 2)
        return -1;
    int newest = (f->head + HISTORY - 1) % HISTORY, oldest = newest;
    for (int i = 1; i < f->n; i++) {
        int k = (newest + HISTORY - i) % HISTORY;
        if (f->times[newest] - f->times[k] > RATE_WINDOW_MS)
            break;
        oldest = k;
    }
    long long dt = f->times[newest] - f->times[oldest];
    return dt > 0 ? (double)(f->counts[newest] - f->counts[oldest]) * 1000.0 / (double)dt : -1;
}

void pipeline_observe(struct pipeline *p, long long now_ms, const struct pipeline_sample samples[PIPELINE_STAGES]) {
    pthread_mutex_lock(&p->lock);
    int moved[PIPELINE_STAGES] = {0};
    for (int i = 0; i < PIPELINE_STAGES; i++) {
        struct stage_figures *f = &p->stages[i];
        f->last = samples[i];
        if (!samples[i].on || !samples[i].up)
            continue;
        long long c = samples[i].count;
        if (!f->seen) {
            f->seen = 1;
            f->last_change_ms = now_ms;
        } else if (c != f->prev_count) {
            moved[i] = 1;
            f->last_change_ms = now_ms;
            f->pending_since_ms = 0;
            if (c < f->prev_count) /* the stage restarted: its counter began again */
                forget_history(f);
        }
        f->prev_count = c;
        remember(f, now_ms, c);
    }
    /* A stage that did not move while the nearest live stage upstream did
     * has that upstream's data pending from then on. */
    for (int i = 1; i < PIPELINE_STAGES; i++) {
        struct stage_figures *f = &p->stages[i];
        if (!samples[i].on || !samples[i].up) {
            f->pending_since_ms = 0;
            continue;
        }
        int up = i - 1;
        while (up >= 0 && !(samples[up].on && samples[up].up))
            up--;
        if (up >= 0 && moved[up] && !moved[i] && f->pending_since_ms == 0)
            f->pending_since_ms = now_ms;
    }
    p->now_ms = now_ms;
    p->rounds++;
    pthread_mutex_unlock(&p->lock);
}

static const char *state_of(const struct pipeline *p, int i) {
    const struct stage_figures *f = &p->stages[i];
    if (!f->last.on)
        return "off";
    if (!f->last.up)
        return "down";
    if (f->pending_since_ms && p->now_ms - f->pending_since_ms >= p->opt.stall_ms)
        return "stalled";
    if (p->now_ms - f->last_change_ms < p->opt.stall_ms && f->n > 1)
        return "flowing";
    return "idle";
}

static void number_or_null(struct json_writer *w, const char *key, long long v) {
    json_writer_key(w, key);
    if (v < 0)
        json_writer_null(w);
    else
        json_writer_int(w, v);
}

char *pipeline_json(struct pipeline *p, size_t *len) {
    struct json_writer *w = json_writer_new(4096);
    if (!w)
        return NULL;
    pthread_mutex_lock(&p->lock);
    if (p->rounds == 0) {
        pthread_mutex_unlock(&p->lock);
        json_writer_free(w);
        return NULL;
    }
    json_writer_begin_object(w);
    json_writer_key(w, "now_ms");
    json_writer_int(w, p->now_ms);
    json_writer_key(w, "refresh_ms");
    json_writer_int(w, p->opt.refresh_ms);
    json_writer_key(w, "stall_ms");
    json_writer_int(w, p->opt.stall_ms);
    const struct pipeline_local *l = &p->local;
    number_or_null(w, "end_to_end_ms", l->newest_commit_ms > 0 ? l->newest_loaded_ms - l->newest_commit_ms : -1);
    number_or_null(w, "freshness_ms", l->newest_commit_ms > 0 ? p->now_ms - l->newest_commit_ms : -1);
    json_writer_key(w, "stalled");
    json_writer_begin_array(w);
    for (int i = 0; i < PIPELINE_STAGES; i++)
        if (strcmp(state_of(p, i), "stalled") == 0 || strcmp(state_of(p, i), "down") == 0)
            json_writer_string(w, stage_names[i]);
    json_writer_end_array(w);
    json_writer_key(w, "stages");
    json_writer_begin_array(w);
    for (int i = 0; i < PIPELINE_STAGES; i++) {
        const struct stage_figures *f = &p->stages[i];
        const char *state = state_of(p, i);
        json_writer_begin_object(w);
        json_writer_key(w, "stage");
        json_writer_string(w, stage_names[i]);
        json_writer_key(w, "title");
        json_writer_string(w, stage_titles[i]);
        json_writer_key(w, "state");
        json_writer_string(w, state);
        int live = f->last.on && f->last.up;
        number_or_null(w, "count", live ? f->last.count : -1);
        json_writer_key(w, "rate");
        double r = live ? rate(f) : -1;
        if (r < 0)
            json_writer_null(w);
        else
            json_writer_double(w, (double)(long long)(r * 10 + 0.5) / 10);
        number_or_null(w, "lag", live ? f->last.lag : -1);
        json_writer_key(w, "lag_unit");
        json_writer_string(w, lag_units[i]);
        number_or_null(w, "latency_ms", live ? f->last.latency_ms : -1);
        number_or_null(w, "files", live ? f->last.files : -1);
        number_or_null(w, "still_ms", live ? p->now_ms - f->last_change_ms : -1);
        json_writer_key(w, "why");
        if (strcmp(state, "down") == 0)
            json_writer_string(w, f->last.error);
        else if (strcmp(state, "stalled") == 0) {
            char why[160];
            snprintf(why, sizeof why, "no %s for %lld s while upstream moved", stage_titles[i],
                     (p->now_ms - f->pending_since_ms) / 1000);
            json_writer_string(w, why);
        } else
            json_writer_null(w);
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    json_writer_end_object(w);
    pthread_mutex_unlock(&p->lock);
    char *out = NULL;
    if (json_writer_complete(w) && (out = malloc(json_writer_len(w) + 1))) {
        memcpy(out, json_writer_data(w), json_writer_len(w) + 1);
        *len = json_writer_len(w);
    }
    json_writer_free(w);
    return out;
}

/* ------------------------------------------------------------- scrapes --- */

int pipeline_metric(const char *text, const char *name, const char *label, double *sum) {
    size_t nlen = strlen(name);
    int matched = 0;
    *sum = 0;
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (*line == '#' || strncmp(line, name, nlen) != 0 || (line[nlen] != ' ' && line[nlen] != '{'))
            continue;
        const char *end = strchr(line, '\n');
        const char *value = line + nlen;
        if (*value == '{') {
            const char *close = memchr(value, '}', end ? (size_t)(end - value) : strlen(value));
            if (!close)
                continue;
            if (label) {
                size_t llen = strlen(label);
                int found = 0;
                for (const char *q = value; q + llen <= close; q++)
                    if (memcmp(q, label, llen) == 0)
                        found = 1;
                if (!found)
                    continue;
            }
            value = close + 1;
        } else if (label) {
            continue;
        }
        char *stop;
        double v = strtod(value, &stop);
        if (stop == value)
            continue;
        *sum += v;
        matched++;
    }
    return matched;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
    struct scraper *s = ctx;
    size_t add = size * n;
    if (s->len + add + 1 > SCRAPE_CAP)
        return 0;
    char *grown = realloc(s->buf, s->len + add + 1);
    if (!grown)
        return 0;
    s->buf = grown;
    memcpy(s->buf + s->len, data, add);
    s->len += add;
    s->buf[s->len] = '\0';
    return add;
}

/* GETs the stage's /metrics; the text is in s->buf. */
static int scrape(struct pipeline *p, struct scraper *s, struct pipeline_sample *out) {
    if (!s->curl && !(s->curl = curl_easy_init())) {
        snprintf(out->error, sizeof out->error, "out of memory");
        return -1;
    }
    s->len = 0;
    if (s->buf)
        s->buf[0] = '\0';
    long timeout = p->opt.interval_ms < 2000 ? 2000 : p->opt.interval_ms;
    curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(s->curl);
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK || code != 200 || !s->buf) {
        if (rc != CURLE_OK)
            snprintf(out->error, sizeof out->error, "%s: %s (is the stage up? ./lab status)", s->url,
                     curl_easy_strerror(rc));
        else
            snprintf(out->error, sizeof out->error, "%s answered %ld", s->url, code);
        return -1;
    }
    return 0;
}

static long long metric_ll(const char *text, const char *name, const char *label, double scale) {
    double v;
    return pipeline_metric(text, name, label, &v) > 0 ? (long long)(v * scale + 0.5) : -1;
}

static void probe_stage(struct pipeline *p, int i, struct pipeline_sample *out) {
    static const char *const counts[PIPELINE_STAGES] = {
        NULL, "bridgelab_cdc_events_total", "bridgelab_replicate_records_total", "bridgelab_sink_records_total", NULL};
    struct scraper *s = &p->scrapers[i];
    out->lag = out->latency_ms = out->files = -1;
    if (!s->url || !*s->url)
        return;
    out->on = 1;
    if (scrape(p, s, out) != 0)
        return;
    const char *t = s->buf;
    out->count = metric_ll(t, counts[i], NULL, 1);
    if (out->count < 0) {
        snprintf(out->error, sizeof out->error, "%s has no %s: is it this stage's /metrics?", s->url, counts[i]);
        return;
    }
    out->up = 1;
    if (i == STAGE_CDC) {
        out->lag = metric_ll(t, "bridgelab_cdc_lag_bytes", NULL, 1);
        out->latency_ms = metric_ll(t, "bridgelab_cdc_lag_seconds", NULL, 1000);
    } else if (i == STAGE_REPLICATE) {
        out->lag = metric_ll(t, "bridgelab_replicate_lag_records", NULL, 1);
        out->latency_ms = metric_ll(t, "bridgelab_replicate_latency_seconds", "quantile=\"0.99\"", 1000);
    } else {
        out->lag = metric_ll(t, "bridgelab_sink_lag_records", NULL, 1);
        out->latency_ms = metric_ll(t, "bridgelab_sink_upload_seconds", "quantile=\"0.99\"", 1000);
        out->files = metric_ll(t, "bridgelab_sink_files_total", NULL, 1);
    }
}

static void mysql_close_conn(struct pipeline *p) {
    if (p->mysql)
        mysql_close(p->mysql);
    p->mysql = NULL;
}

static void probe_mysql(struct pipeline *p, struct pipeline_sample *out) {
    static const char count_rows[] = "SELECT (SELECT COUNT(*) FROM sales_orders) + (SELECT COUNT(*) FROM "
                                     "sales_order_details) + (SELECT COUNT(*) FROM purchase_orders) + (SELECT "
                                     "COUNT(*) FROM purchase_order_details)";
    const struct pipeline_options *o = &p->opt;
    out->lag = out->latency_ms = out->files = -1;
    if (!o->mysql_host)
        return;
    out->on = 1;
    if (!p->mysql) {
        if (!(p->mysql = mysql_init(NULL))) {
            snprintf(out->error, sizeof out->error, "out of memory");
            return;
        }
        unsigned timeout = 2;
        mysql_options(p->mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
        mysql_options(p->mysql, MYSQL_OPT_READ_TIMEOUT, &timeout);
        if (o->mysql_defaults_file) {
            mysql_options(p->mysql, MYSQL_READ_DEFAULT_FILE, o->mysql_defaults_file);
            mysql_options(p->mysql, MYSQL_READ_DEFAULT_GROUP, "client");
        }
        if (!mysql_real_connect(p->mysql, o->mysql_host, o->mysql_user, o->mysql_password, o->mysql_database,
                                (unsigned)o->mysql_port, NULL, 0)) {
            snprintf(out->error, sizeof out->error, "MySQL %s:%d: %s (is the lab up? ./lab status)", o->mysql_host,
                     o->mysql_port, mysql_error(p->mysql));
            mysql_close_conn(p);
            return;
        }
    }
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    if (mysql_query(p->mysql, count_rows) != 0 || !(res = mysql_store_result(p->mysql)) ||
        !(row = mysql_fetch_row(res)) || !row[0]) {
        snprintf(out->error, sizeof out->error, "MySQL %s:%d: counting the order tables: %s", o->mysql_host,
                 o->mysql_port, mysql_error(p->mysql));
        if (res)
            mysql_free_result(res);
        mysql_close_conn(p);
        return;
    }
    out->count = strtoll(row[0], NULL, 10);
    out->up = 1;
    mysql_free_result(res);
}

static void probe_local(struct pipeline *p, struct pipeline_sample *out) {
    pthread_mutex_lock(&p->lock);
    struct pipeline_local l = p->local;
    pthread_mutex_unlock(&p->lock);
    out->on = out->up = 1;
    out->count = l.rows_loaded;
    out->lag = l.lake_records > l.rows_loaded ? l.lake_records - l.rows_loaded : 0;
    out->latency_ms = l.newest_commit_ms > 0 ? l.newest_loaded_ms - l.newest_commit_ms : -1;
    out->files = l.files_loaded;
}

static void *probe_loop(void *arg) {
    struct pipeline *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        pthread_mutex_unlock(&p->lock);
        long long t0 = clock_mono_ms();
        struct pipeline_sample samples[PIPELINE_STAGES];
        memset(samples, 0, sizeof samples);
        probe_mysql(p, &samples[STAGE_MYSQL]);
        for (int i = STAGE_CDC; i <= STAGE_SINK; i++)
            probe_stage(p, i, &samples[i]);
        probe_local(p, &samples[STAGE_LOADED]);
        pipeline_observe(p, clock_wall_ms(), samples);
        long long wait_ms = p->opt.interval_ms - (clock_mono_ms() - t0);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        if (wait_ms > 0) {
            until.tv_sec += wait_ms / 1000;
            until.tv_nsec += (wait_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
        }
        pthread_mutex_lock(&p->lock);
        while (!p->stop && wait_ms > 0 && pthread_cond_timedwait(&p->wake, &p->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < PIPELINE_STAGES; i++) {
        if (p->scrapers[i].curl)
            curl_easy_cleanup(p->scrapers[i].curl);
        free(p->scrapers[i].buf);
    }
    mysql_close_conn(p);
    mysql_thread_end();
    return NULL;
}

int pipeline_start(struct pipeline *p, char *err, size_t errlen) {
    int rc = pthread_create(&p->thread, NULL, probe_loop, p);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the pipeline probe's thread: %s", strerror(rc));
        return -1;
    }
    p->started = 1;
    log_debug("pipeline probe: every %d ms", p->opt.interval_ms);
    return 0;
}

void pipeline_free(struct pipeline *p) {
    if (!p)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->lock);
        p->stop = 1;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->thread, NULL);
    }
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
