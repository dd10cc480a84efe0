/* GET of a stage's status endpoint: see stage_probe.h. */
#include "stage_probe.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t on_body(char *data, size_t size, size_t n, void *ctx) {
    struct probe_answer *a = ctx;
    size_t len = size * n;
    if (a->len + len > STAGE_PROBE_MAX_BODY)
        return 0; /* too big: curl stops with an error */
    char *grown = realloc(a->body, a->len + len + 1);
    if (!grown)
        return 0;
    a->body = grown;
    memcpy(a->body + a->len, data, len);
    a->len += len;
    a->body[a->len] = '\0';
    return len;
}

int stage_probe_get(const char *listen, const char *path, int timeout_ms, struct probe_answer *a) {
    memset(a, 0, sizeof *a);
    char url[512];
    snprintf(url, sizeof url, "http://%s%s", listen, path);
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(a->error, sizeof a->error, "out of memory");
        return -1;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
    else
        snprintf(a->error, sizeof a->error, "%.160s: %s", url, curl_easy_strerror(rc));
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
        free(a->body);
        a->body = NULL;
        a->len = 0;
        a->status = 0;
        return -1;
    }
    if (!a->body && !(a->body = calloc(1, 1))) {
        snprintf(a->error, sizeof a->error, "out of memory");
        return -1;
    }
    return 0;
}

void stage_probe_release(struct probe_answer *a) {
    free(a->body);
    a->body = NULL;
    a->len = 0;
}
