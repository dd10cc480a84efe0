/* The dashboard's HTTP server: libmicrohttpd with a thread pool, read-only
 * (GET and HEAD; anything else 405). Routes:
 *   /                 the page (the embedded index.html)
 *   /assets/<name>    an embedded asset (assets.h), by exact name only
 *   /api/pipeline     the pipeline probe's JSON (routes.pipeline)
 *   /api/...          every other view: views_answer (views.h)
 *   /metrics          Prometheus text: the server's own counters, then routes.metrics
 *   /healthz          200 "ok", or 503 and why (routes.healthy)
 * It binds loopback unless told otherwise and bounds what a client can
 * take: connections at once, an idle timeout (a slow client's half request
 * is cut off), memory per connection (huge headers answered 431), the URL's
 * length (414). Every answer has a Content-Length and the security headers
 * (Content-Security-Policy default-src 'self', nosniff, no framing). */
#ifndef BRIDGELAB_DASHBOARD_HTTP_SERVER_H
#define BRIDGELAB_DASHBOARD_HTTP_SERVER_H

#include <stddef.h>

struct views;

struct http_server_options {
    const char *listen; /* HOST:PORT, IPv4 */
    int threads;
    int max_connections;
    int timeout_s;
    size_t connection_memory;
    size_t max_url;
};

struct http_server_routes {
    struct views *views;
    /* /api/pipeline: a malloc'd JSON body and its length, or NULL (503). */
    char *(*pipeline)(void *ctx, size_t *len);
    /* Appends Prometheus text after the server's own into buf (at most cap
     * bytes); returns its length. NULL: none. */
    size_t (*metrics)(char *buf, size_t cap, void *ctx);
    /* 1 when healthy, else 0 with why. NULL: always healthy. */
    int (*healthy)(char *why, size_t whylen, void *ctx);
    void *ctx;
};

struct http_server;

/* Starts serving on threads of its own. NULL with err (naming the address
 * and what to do) when it cannot listen. */
struct http_server *http_server_start(const struct http_server_options *opt, const struct http_server_routes *routes,
                                      char *err, size_t errlen);
void http_server_stop(struct http_server *s);

#endif
