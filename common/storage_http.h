/* One Azure Storage REST request at a time over one reused libcurl handle
 * (so requests share a kept-alive connection): the URL and headers built,
 * the request signed with SharedKey (or a SAS appended to the query), and
 * retriable failures retried with exponential backoff and jitter, honouring
 * Retry-After. What an answer means is the caller's business
 * (storage_azure.c). */
#ifndef BRIDGELAB_STORAGE_HTTP_H
#define BRIDGELAB_STORAGE_HTTP_H

#include <stddef.h>

#include "storage_sign.h"

struct azure_http_options {
    const char *endpoint;     /* scheme://host[:port] */
    const char *account;      /* the account requests are signed for */
    const unsigned char *key; /* the decoded SharedKey, or NULL */
    size_t keylen;
    const char *sas; /* a SAS token without '?', or NULL */
    int timeout_ms;  /* one attempt */
    int max_retries; /* retries after the first attempt */
    int retry_backoff_ms;
};

struct azure_request {
    const char *method;             /* GET HEAD PUT DELETE */
    const char *path;               /* percent-encoded, from its first '/' */
    const struct storage_kv *query; /* decoded values */
    size_t nquery;
    const struct storage_kv *headers; /* beside x-ms-date, x-ms-version and the length */
    size_t nheaders;
    const void *body; /* PUT only */
    size_t body_len;
};

struct azure_response {
    long status; /* of the last attempt; 0 when none got an answer */
    char *body;  /* NUL-terminated */
    size_t body_len, body_cap;
    struct storage_kv *headers; /* owned copies, names as received */
    size_t nheaders, headers_cap;
    int attempts;
    long long elapsed_ms;
    int transport_retriable; /* when status is 0: whether it was retried */
    char transport[300];     /* when status is 0: what went wrong, in words (no URL) */
};

struct azure_http;

/* Returns NULL with err when libcurl cannot be set up. */
struct azure_http *azure_http_create(const struct azure_http_options *opt, char *err, size_t errlen);
void azure_http_free(struct azure_http *h);

/* Sends rq, retrying 408, 429, 500, 502, 503, 504 and transport failures
 * (refused, reset, timed out, nothing received) up to the retry limit.
 * rs (zeroed by the caller, freed with azure_response_free) holds the last
 * attempt's answer. Returns 0 when an HTTP answer came (any status), -1
 * when none did (rs->transport says why). */
int azure_http_send(struct azure_http *h, const struct azure_request *rq, struct azure_response *rs);

/* A response header's value (name case-insensitive), or NULL. */
const char *azure_response_header(const struct azure_response *rs, const char *name);
/* Takes the body out of rs: the caller free()s it. */
char *azure_response_take_body(struct azure_response *rs, size_t *len);
void azure_response_free(struct azure_response *rs);

#endif
