/* The dashboard's HTTP server: see http_server.h. One libmicrohttpd daemon
 * with a pool of polling threads; each request is answered on the thread
 * that read it, from a buffer, in one go (no request has a body). The
 * raw request target is seen before libmicrohttpd decodes it (the URI log
 * callback), so its length and any encoded NUL are checked on what the
 * client sent. */
#include "http_server.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assets.h"
#include "http_status.h"
#include "log.h"
#include "views.h"

#define METRICS_CAPACITY 65536

/* The answers counted by /metrics, by status class. */
enum { CLASS_2XX, CLASS_3XX, CLASS_4XX, CLASS_5XX, CLASSES };

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_server_routes routes;
    size_t max_url;
    unsigned long long answers[CLASSES];
    unsigned long long connections_total;
    long long connections_open;
};

/* What the URI log callback saw of a request, before decoding. */
struct request {
    size_t raw_len;
    int encoded_nul;
};

static void count(struct http_server *s, unsigned code) {
    int c = code < 300 ? CLASS_2XX : code < 400 ? CLASS_3XX : code < 500 ? CLASS_4XX : CLASS_5XX;
    __atomic_add_fetch(&s->answers[c], 1, __ATOMIC_RELAXED);
}

static void security_headers(struct MHD_Response *r) {
    MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cache-Control", "no-store");
}

/* Queues one answer; mode says whether body is copied, freed or static. */
static enum MHD_Result send_body(struct http_server *s, struct MHD_Connection *c, unsigned code, const char *type,
                                 const void *body, size_t len, enum MHD_ResponseMemoryMode mode) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (!r) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free((void *)body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    security_headers(r);
    if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, "Allow", "GET, HEAD");
    count(s, code);
    enum MHD_Result rc = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result send_text(struct http_server *s, struct MHD_Connection *c, unsigned code, const char *text) {
    return send_body(s, c, code, "text/plain; charset=utf-8", text, strlen(text), MHD_RESPMEM_PERSISTENT);
}

/* A JSON error {"error":"..."}; message is plain ASCII without quotes. */
static enum MHD_Result send_json_error(struct http_server *s, struct MHD_Connection *c, unsigned code,
                                       const char *message) {
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", message);
    return send_body(s, c, code, "application/json", body, (size_t)n < sizeof body ? (size_t)n : 0,
                     MHD_RESPMEM_MUST_COPY);
}

static const char *query_arg(void *ctx, const char *name) {
    return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result answer_view(struct http_server *s, struct MHD_Connection *c, const char *url) {
    struct view_request req = {url, query_arg, c};
    struct view_reply out = {0};
    views_answer(s->routes.views, &req, &out);
    if (!out.body || out.status < 100 || out.status > 599) {
        free(out.body);
        return send_json_error(s, c, 500, "the view gave no answer: see the dashboard's log");
    }
    return send_body(s, c, (unsigned)out.status, out.content_type ? out.content_type : "application/json", out.body,
                     out.len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result answer_pipeline(struct http_server *s, struct MHD_Connection *c) {
    size_t len = 0;
    char *body = s->routes.pipeline ? s->routes.pipeline(s->routes.ctx, &len) : NULL;
    if (!body)
        return send_json_error(s, c, 503, "the pipeline probe has no figures yet");
    return send_body(s, c, 200, "application/json", body, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result answer_metrics(struct http_server *s, struct MHD_Connection *c) {
    char *buf = malloc(METRICS_CAPACITY);
    if (!buf)
        return MHD_NO;
    static const char *const classes[CLASSES] = {"2xx", "3xx", "4xx", "5xx"};
    size_t used = http_status_append(buf, METRICS_CAPACITY, 0,
                                     "# HELP bridgelab_dashboard_http_responses_total Answers sent, by status class.\n"
                                     "# TYPE bridgelab_dashboard_http_responses_total counter\n");
    for (int i = 0; i < CLASSES; i++)
        used = http_status_append(buf, METRICS_CAPACITY, used,
                                  "bridgelab_dashboard_http_responses_total{code=\"%s\"} %llu\n", classes[i],
                                  __atomic_load_n(&s->answers[i], __ATOMIC_RELAXED));
    used = http_status_append(buf, METRICS_CAPACITY, used,
                              "# HELP bridgelab_dashboard_http_connections_total Connections accepted.\n"
                              "# TYPE bridgelab_dashboard_http_connections_total counter\n"
                              "bridgelab_dashboard_http_connections_total %llu\n"
                              "# HELP bridgelab_dashboard_http_connections Connections open now.\n"
                              "# TYPE bridgelab_dashboard_http_connections gauge\n"
                              "bridgelab_dashboard_http_connections %lld\n",
                              __atomic_load_n(&s->connections_total, __ATOMIC_RELAXED),
                              __atomic_load_n(&s->connections_open, __ATOMIC_RELAXED));
    if (s->routes.metrics && used < METRICS_CAPACITY) {
        size_t more = s->routes.metrics(buf + used, METRICS_CAPACITY - used, s->routes.ctx);
        used += more < METRICS_CAPACITY - used ? more : METRICS_CAPACITY - used;
    }
    return send_body(s, c, 200, "text/plain; version=0.0.4", buf, used, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result answer_health(struct http_server *s, struct MHD_Connection *c) {
    char why[512] = "ok";
    int ok = s->routes.healthy ? s->routes.healthy(why, sizeof why, s->routes.ctx) : 1;
    char body[600];
    int n = snprintf(body, sizeof body, "%s\n", ok ? "ok" : why);
    return send_body(s, c, ok ? 200 : 503, "text/plain; charset=utf-8", body, (size_t)n < sizeof body ? (size_t)n : 0,
                     MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result answer_asset(struct http_server *s, struct MHD_Connection *c, const char *name) {
    const struct asset *a = asset_find(name);
    if (!a)
        return send_text(s, c, 404, "no such asset\n");
    return send_body(s, c, 200, a->content_type, a->data, a->len, MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls) {
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    struct http_server *s = cls;
    const struct request *req = *req_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_text(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "read-only: GET or HEAD\n");
    if (req && req->raw_len > s->max_url)
        return send_text(s, c, MHD_HTTP_URI_TOO_LONG, "URL too long\n");
    if (req && req->encoded_nul)
        return send_text(s, c, 400, "a NUL byte (%00) in the URL\n");
    if (strcmp(url, "/") == 0)
        return answer_asset(s, c, "index.html");
    if (strncmp(url, "/assets/", 8) == 0)
        return answer_asset(s, c, url + 8);
    if (strcmp(url, "/api/pipeline") == 0)
        return answer_pipeline(s, c);
    if (strncmp(url, "/api/", 5) == 0)
        return answer_view(s, c, url);
    if (strcmp(url, "/metrics") == 0)
        return answer_metrics(s, c);
    if (strcmp(url, "/healthz") == 0)
        return answer_health(s, c);
    return send_text(s, c, 404, "not found: the page is at /\n");
}

/* Sees the request target as sent; what it returns is the request's
 * *req_cls (freed when the request completes). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
    (void)cls;
    (void)c;
    struct request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->raw_len = strlen(uri);
    for (const char *p = uri; (p = strchr(p, '%')) != NULL; p++)
        if (p[1] == '0' && p[2] == '0')
            req->encoded_nul = 1;
    return req;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    free(*req_cls);
    *req_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    (void)c;
    (void)socket_context;
    struct http_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        __atomic_add_fetch(&s->connections_total, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&s->connections_open, 1, __ATOMIC_RELAXED);
    } else {
        __atomic_sub_fetch(&s->connections_open, 1, __ATOMIC_RELAXED);
    }
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    log_debug("http: %s", line);
}

struct http_server *http_server_start(const struct http_server_options *opt, const struct http_server_routes *routes,
                                      char *err, size_t errlen) {
    struct sockaddr_in addr;
    char why[256];
    if (http_listen_parse(opt->listen, &addr, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s", why);
        return NULL;
    }
    struct http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->routes = *routes;
    s->max_url = opt->max_url;
    errno = 0;
    s->daemon = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, ntohs(addr.sin_port), NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opt->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)opt->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)opt->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, opt->connection_memory,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s: %s: choose another address or port", opt->listen,
                 errno ? strerror(errno) : "address in use or not available");
        free(s);
        return NULL;
    }
    return s;
}

void http_server_stop(struct http_server *s) {
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
