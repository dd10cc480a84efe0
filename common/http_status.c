/* /metrics and /healthz for a long-running stage: see http_status.h. */
#include "http_status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_CAPACITY 65536
#define HEALTH_CAPACITY 16384

struct http_status {
    struct MHD_Daemon *daemon;
    struct http_status_handlers handlers;
};

static enum MHD_Result answer(struct MHD_Connection *connection, unsigned code, const char *type, const char *body,
                              size_t len) {
    struct MHD_Response *response = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, "Content-Type", type);
    enum MHD_Result rc = MHD_queue_response(connection, code, response);
    MHD_destroy_response(response);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls) {
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)req_cls;
    struct http_status *s = cls;
    if (strcmp(method, "GET") != 0)
        return answer(connection, 405, "text/plain", "GET only\n", 9);
    if (strcmp(url, "/metrics") == 0) {
        size_t cap = s->handlers.metrics_capacity ? s->handlers.metrics_capacity : METRICS_CAPACITY;
        char *buf = malloc(cap);
        if (!buf)
            return MHD_NO;
        size_t len = s->handlers.metrics ? s->handlers.metrics(buf, cap, s->handlers.ctx) : 0;
        if (len > cap)
            len = cap;
        enum MHD_Result rc = answer(connection, 200, "text/plain; version=0.0.4", buf, len);
        free(buf);
        return rc;
    }
    if (strcmp(url, "/healthz") == 0 && s->handlers.health_body) {
        char *buf = malloc(HEALTH_CAPACITY);
        if (!buf)
            return MHD_NO;
        int ok = 0;
        size_t len = s->handlers.health_body(buf, HEALTH_CAPACITY, &ok, s->handlers.ctx);
        if (len > HEALTH_CAPACITY)
            len = HEALTH_CAPACITY;
        enum MHD_Result rc = answer(connection, ok ? 200 : 503,
                                    s->handlers.health_type ? s->handlers.health_type : "text/plain", buf, len);
        free(buf);
        return rc;
    }
    if (strcmp(url, "/healthz") == 0) {
        char why[512] = "ok";
        int ok = s->handlers.healthy ? s->handlers.healthy(why, sizeof why, s->handlers.ctx) : 1;
        char body[600];
        int n = snprintf(body, sizeof body, "%s\n", ok ? "ok" : why);
        return answer(connection, ok ? 200 : 503, "text/plain", body, (size_t)n < sizeof body ? (size_t)n : 0);
    }
    return answer(connection, 404, "text/plain", "try /metrics or /healthz\n", 25);
}

int http_listen_parse(const char *listen, struct sockaddr_in *addr, char *err, size_t errlen) {
    char host[64];
    const char *colon = strrchr(listen, ':');
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    long port = colon ? strtol(colon + 1, NULL, 10) : -1;
    if (!colon || (size_t)(colon - listen) >= sizeof host || port <= 0 || port > 65535) {
        snprintf(err, errlen, "'%s' is not HOST:PORT (e.g. 127.0.0.1:8083)", listen);
        return -1;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    if (inet_pton(AF_INET, host, &addr->sin_addr) != 1) {
        snprintf(err, errlen, "'%s' is not an IPv4 address (e.g. 127.0.0.1:8083)", listen);
        return -1;
    }
    addr->sin_port = htons((uint16_t)port);
    return 0;
}

struct http_status *http_status_start(const char *listen, const struct http_status_handlers *handlers, char *err,
                                      size_t errlen) {
    struct sockaddr_in addr;
    if (http_listen_parse(listen, &addr, err, errlen) != 0)
        return NULL;
    uint16_t port = ntohs(addr.sin_port);
    struct http_status *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->handlers = *handlers;
    errno = 0;
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, port, NULL, NULL, on_request, s,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s: %s: choose another port", listen,
                 errno ? strerror(errno) : "address in use or not available");
        free(s);
        return NULL;
    }
    return s;
}

void http_status_stop(struct http_status *s) {
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}

size_t http_status_append(char *buf, size_t cap, size_t used, const char *fmt, ...) {
    if (used >= cap)
        return cap;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
    return n < 0 ? used : used + (size_t)n > cap ? cap : used + (size_t)n;
}
