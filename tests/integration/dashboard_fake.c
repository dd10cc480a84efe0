/* The dashboard's serving side with fake views, for the HTTP and browser
 * suites (dashboard_http.sh, dashboard_page.sh): the real settings, HTTP
 * server, embedded page and pipeline JSON, with views_answer answering
 * fixed figures (and checking parameters as the views must) and the
 * pipeline fed a synthetic flow whose sink stalls, so the page shows every
 * state. Runs until SIGTERM; -F/-X as bin/dashboard. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "dashboard_settings.h"
#include "http_server.h"
#include "log.h"
#include "pipeline.h"
#include "shutdown.h"
#include "views.h"

struct views {
    long long first_minute_ms; /* the fake series' first minute */
};

static const char *const products[] = {"Bread", "Milk", "Eggs", "Cheese", "Apples", "Tea", "Coffee", "Butter"};
static const char *const cities[] = {"London", "Leeds", "Bristol", "York", "Bath"};

static void reply(struct view_reply *out, int status, const char *type, char *body) {
    out->status = status;
    out->content_type = type;
    out->body = body;
    out->len = body ? strlen(body) : 0;
}

static void bad(struct view_reply *out, const char *message) {
    char *b = malloc(strlen(message) + 16);
    if (b)
        sprintf(b, "{\"error\":\"%s\"}", message);
    reply(out, 400, "application/json", b);
}

static int is_time(const char *v) {
    size_t n = strlen(v), digits = strspn(v, "0123456789");
    if (n > 0 && digits == n && n <= 15)
        return 1;
    int y, mo, d, h, mi;
    return n >= 16 && n <= 25 && sscanf(v, "%4d-%2d-%2dT%2d:%2d", &y, &mo, &d, &h, &mi) == 5;
}

static int check_args(const struct view_request *r, struct view_reply *out) {
    const char *v;
    if ((v = r->arg(r->ctx, "from")) && !is_time(v))
        return bad(out, "from: not a time: give ISO 8601 (2026-11-25T15:00:00Z) or epoch ms"), -1;
    if ((v = r->arg(r->ctx, "to")) && !is_time(v))
        return bad(out, "to: not a time: give ISO 8601 (2026-11-25T15:00:00Z) or epoch ms"), -1;
    if ((v = r->arg(r->ctx, "dc"))) {
        int okdc = *v && islower((unsigned char)*v) && strlen(v) <= 32;
        for (const char *p = v; *p; p++)
            okdc = okdc && (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_');
        if (!okdc)
            return bad(out, "dc: not a data-centre code: lower-case letters, digits and _"), -1;
    }
    if ((v = r->arg(r->ctx, "top"))) {
        char *end;
        long n = strtol(v, &end, 10);
        if (!*v || *end || n < 1 || n > 100)
            return bad(out, "top: a whole number from 1 to 100"), -1;
    }
    if ((v = r->arg(r->ctx, "by")) && strcmp(v, "revenue") && strcmp(v, "units") && strcmp(v, "margin"))
        return bad(out, "by: revenue, units or margin"), -1;
    if ((v = r->arg(r->ctx, "format")) && strcmp(v, "json") && strcmp(v, "csv"))
        return bad(out, "format: json or csv"), -1;
    return 0;
}

/* The fixed figures, as JSON. */
static char *answer(struct views *v, const char *path) {
    size_t cap = 16384, n = 0;
    char *b = malloc(cap);
    if (!b)
        return NULL;
#define PUT(...) n += (size_t)snprintf(b + n, n < cap ? cap - n : 0, __VA_ARGS__)
    if (strcmp(path, "/api/kpis") == 0) {
        PUT("{\"revenue\":\"12345.67\",\"orders\":321,\"units\":1234,\"average_order_value\":\"38.46\"}");
    } else if (strcmp(path, "/api/revenue_per_minute") == 0) {
        PUT("{\"minutes\":[");
        for (int i = 0; i < 30; i++)
            PUT("%s{\"minute\":%lld,\"revenue\":\"%d.%02d\",\"orders\":%d}", i ? "," : "",
                v->first_minute_ms + i * 60000LL, 300 + (i * 37) % 200, (i * 13) % 100, 5 + (i * 7) % 11);
        PUT("]}");
    } else if (strcmp(path, "/api/products") == 0) {
        PUT("{\"products\":[");
        for (int i = 0; i < 8; i++)
            PUT("%s{\"product_id\":%d,\"name\":\"%s\",\"revenue\":\"%d.50\",\"units\":%d,\"margin\":\"%s%d.25\"}",
                i ? "," : "", i + 1, products[i], 2000 - i * 210, 300 - i * 31, i == 7 ? "-" : "", 400 - i * 55);
        PUT("]}");
    } else if (strcmp(path, "/api/customers") == 0) {
        PUT("{\"customers\":[");
        for (int i = 0; i < 6; i++)
            PUT("%s{\"customer_id\":%d,\"name\":\"Customer %d\",\"city\":\"%s\",\"revenue\":\"%d.10\",\"orders\":%d}",
                i ? "," : "", i + 1, i + 1, cities[i % 5], 900 - i * 120, 20 - i * 2);
        PUT("]}");
    } else if (strcmp(path, "/api/cities") == 0) {
        PUT("{\"cities\":[");
        for (int i = 0; i < 5; i++)
            PUT("%s{\"city\":\"%s\",\"revenue\":\"%d.00\",\"orders\":%d}", i ? "," : "", cities[i], 3000 - i * 400,
                60 - i * 9);
        PUT("]}");
    } else if (strcmp(path, "/api/stock") == 0) {
        PUT("{\"products\":[");
        for (int i = 0; i < 8; i++)
            PUT("%s{\"product_id\":%d,\"name\":\"%s\",\"stock\":%d,\"demand_last_3mins\":%d,\"out_of_stock\":%s}",
                i ? "," : "", i + 1, products[i], i % 3 == 2 ? 0 : 100 - i * 9, 3 + i, i % 3 == 2 ? "true" : "false");
        PUT("]}");
    } else if (strcmp(path, "/api/out_of_stock") == 0) {
        PUT("{\"events\":[{\"product_id\":3,\"name\":\"Eggs\",\"window_start\":%lld,\"window_end\":%lld,"
            "\"stock_level\":0,\"demand_last_3mins\":9,\"quantity_to_purchase\":109}]}",
            v->first_minute_ms + 25 * 60000LL, v->first_minute_ms + 28 * 60000LL);
    } else {
        free(b);
        return NULL;
    }
#undef PUT
    return b;
}

void views_answer(struct views *v, const struct view_request *req, struct view_reply *out) {
    if (check_args(req, out) != 0)
        return;
    char *body = answer(v, req->path);
    if (!body) {
        char *b = strdup("{\"error\":\"no such view: see /api/kpis, /api/products, ...\"}");
        reply(out, 404, "application/json", b);
        return;
    }
    const char *format = req->arg(req->ctx, "format");
    if (format && strcmp(format, "csv") == 0) {
        free(body);
        reply(out, 200, "text/csv; charset=utf-8", strdup("view\r\nfake\r\n"));
        return;
    }
    reply(out, 200, "application/json", body);
}

/* A synthetic flow: every stage moves but the sink, which stops after 5 s. */
static void feed(struct pipeline *p, long long t0, long long now) {
    long long s = (now - t0) / 1000;
    struct pipeline_sample samples[PIPELINE_STAGES];
    memset(samples, 0, sizeof samples);
    for (int i = 0; i < PIPELINE_STAGES; i++) {
        samples[i].on = samples[i].up = 1;
        samples[i].count = 1000 + s * 50;
        samples[i].lag = i ? 3 : -1;
        samples[i].latency_ms = i ? 40 * i : -1;
        samples[i].files = -1;
    }
    samples[STAGE_SINK].count = 900 + (s < 5 ? s : 5) * 50;
    samples[STAGE_SINK].files = 12;
    samples[STAGE_LOADED].count = samples[STAGE_SINK].count;
    samples[STAGE_LOADED].files = 12;
    pipeline_observe(p, now, samples);
    struct pipeline_local l = {12, samples[STAGE_SINK].count, 12, 0, samples[STAGE_SINK].count, now - 1500, now - 300};
    pipeline_set_local(p, &l);
}

static char *pipeline_body(void *ctx, size_t *len) { return pipeline_json(ctx, len); }

int main(int argc, char **argv) {
    log_init("dashboard_fake");
    char err[1024];
    struct dashboard_settings s;
    struct config *cfg = config_new(dashboard_schema);
    enum cli_result parsed = cfg ? cli_parse(argc, argv, dashboard_options, cfg, err, sizeof err) : CLI_ERROR;
    if (parsed == CLI_HELP) {
        cli_print_help(stdout, "usage: dashboard_fake [-F FILE] [-X key=value]...", dashboard_options, cfg);
        config_free(cfg);
        return 0;
    }
    if (parsed != CLI_RUN || dashboard_settings_load(cfg, &s, err, sizeof err) != 0) {
        log_error("%s", cfg ? err : "out of memory");
        config_free(cfg);
        return 2;
    }
    log_set_level(s.log_level);
    shutdown_install();
    long long t0 = clock_wall_ms();
    struct views v = {t0 / 60000 * 60000 - 29 * 60000LL};
    struct pipeline_options po = {0};
    po.interval_ms = s.probe_interval_ms;
    po.stall_ms = s.stall_ms;
    po.refresh_ms = s.refresh_ms;
    struct pipeline *p = pipeline_new(&po);
    struct http_server_options ho = {
        s.http_listen,    s.threads, s.max_connections, s.connection_timeout_s, (size_t)s.connection_memory,
        (size_t)s.max_url};
    struct http_server_routes routes = {&v, NULL, NULL, NULL, NULL};
    struct http_server *http = NULL;
    int rc = 1;
    if (!p)
        goto out;
    routes.pipeline = pipeline_body;
    routes.ctx = p;
    feed(p, t0, t0);
    if (!(http = http_server_start(&ho, &routes, err, sizeof err))) {
        log_error("%s", err);
        goto out;
    }
    log_info("serving http://%s/", s.http_listen);
    while (!shutdown_requested()) {
        clock_sleep_or_stop(s.probe_interval_ms, shutdown_requested);
        feed(p, t0, clock_wall_ms());
    }
    rc = 0;
out:
    http_server_stop(http);
    pipeline_free(p);
    config_free(cfg);
    return rc;
}
