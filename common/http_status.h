/* The status endpoint of a long-running stage: GET /metrics answers with
 * Prometheus text the stage writes, GET /healthz with 200 "ok" or 503 and
 * the reason. One small libmicrohttpd server on its own thread; it listens
 * on loopback unless told otherwise. */
#ifndef BRIDGELAB_HTTP_STATUS_H
#define BRIDGELAB_HTTP_STATUS_H

#include <stddef.h>

struct http_status_handlers {
    /* Writes the metrics text into buf (at most cap bytes); returns its length. */
    size_t (*metrics)(char *buf, size_t cap, void *ctx);
    /* Returns 1 when healthy, else 0 with the reason in why. */
    int (*healthy)(char *why, size_t whylen, void *ctx);
    void *ctx;
    /* Optional, for a status that is more than a line (bridge run's JSON of
     * its stages): writes the whole /healthz body into buf (at most cap
     * bytes), sets *ok (200, else 503) and returns its length. Used instead
     * of healthy when set, served as health_type (default text/plain). */
    size_t (*health_body)(char *buf, size_t cap, int *ok, void *ctx);
    const char *health_type;
    /* The most /metrics may hold; 0: 64 KiB. */
    size_t metrics_capacity;
};

/* Appends printf-formatted text at buf + used (the /metrics writers build
 * their text with it); returns the new length, cap once the text no longer
 * fits (so a run of appends needs one check at the end). */
size_t http_status_append(char *buf, size_t cap, size_t used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

struct http_status;
struct sockaddr_in;

/* Parses "HOST:PORT" (an IPv4 address) into addr; 0, or -1 with err. Every
 * HTTP server of the project binds this way. */
int http_listen_parse(const char *listen, struct sockaddr_in *addr, char *err, size_t errlen);

/* listen is "HOST:PORT" (an IPv4 address). Returns NULL with err on failure
 * (say, the port is taken). */
struct http_status *http_status_start(const char *listen, const struct http_status_handlers *handlers, char *err,
                                      size_t errlen);
void http_status_stop(struct http_status *s);

#endif
