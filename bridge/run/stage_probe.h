/* bridge run asks its stages how they are: an HTTP GET of a stage's
 * /healthz or /metrics on its http.listen (libcurl, loopback, a short
 * timeout so that a stage that hangs cannot hang the supervisor's own
 * /healthz for long). */
#ifndef BRIDGELAB_BRIDGE_RUN_STAGE_PROBE_H
#define BRIDGELAB_BRIDGE_RUN_STAGE_PROBE_H

#include <stddef.h>

#define STAGE_PROBE_MAX_BODY (1024 * 1024)

struct probe_answer {
    long status; /* the HTTP status; 0: no answer (error says why) */
    char *body;  /* NUL-terminated, malloc'd; NULL without an answer */
    size_t len;
    char error[256];
};

/* GET http://<listen><path>. Returns 0 with an answer, else -1 with
 * a->error. Release the answer either way. Thread-safe once
 * curl_global_init has run. */
int stage_probe_get(const char *listen, const char *path, int timeout_ms, struct probe_answer *a);
void stage_probe_release(struct probe_answer *a);

#endif
