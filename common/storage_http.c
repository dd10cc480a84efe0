/* Azure REST requests over one reused curl handle: see storage_http.h.
 *
 * Every attempt resets the handle's options (curl_easy_reset keeps its
 * connections) and sets them again, so no option of one request leaks into
 * the next. The headers that are signed are the headers that are sent:
 * curl's own Content-Type for a body is removed, Expect: 100-continue is
 * turned off, and the Content-Length curl sends is the one signed. */
#include "storage_http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "storage_codec.h"

#define API_VERSION "2021-08-06"
#define BACKOFF_CAP_MS 10000
#define RETRY_AFTER_CAP_MS 60000

struct azure_http {
    CURL *curl;
    struct azure_http_options opt; /* strings copied below */
    char *endpoint, *account, *sas;
    unsigned char key[128];
    char curl_error[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

struct azure_http *azure_http_create(const struct azure_http_options *opt, char *err, size_t errlen) {
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        snprintf(err, errlen, "libcurl cannot start: %s", curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    struct azure_http *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (opt->keylen > sizeof h->key) {
        snprintf(err, errlen, "the SharedKey is longer than %zu bytes: is it an account key?", sizeof h->key);
        free(h);
        return NULL;
    }
    h->opt = *opt;
    h->endpoint = strdup(opt->endpoint);
    h->account = strdup(opt->account);
    h->sas = opt->sas ? strdup(opt->sas) : NULL;
    h->curl = curl_easy_init();
    if (!h->endpoint || !h->account || (opt->sas && !h->sas) || !h->curl) {
        azure_http_free(h);
        snprintf(err, errlen, "cannot set up libcurl (out of memory)");
        return NULL;
    }
    if (opt->key)
        memcpy(h->key, opt->key, opt->keylen);
    h->opt.key = opt->key ? h->key : NULL;
    return h;
}

void azure_http_free(struct azure_http *h) {
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    explicit_bzero(h->key, sizeof h->key);
    if (h->sas) {
        explicit_bzero(h->sas, strlen(h->sas));
        free(h->sas);
    }
    free(h->endpoint);
    free(h->account);
    free(h);
}

/* ------------------------------------------------------------ response --- */

static void response_reset(struct azure_response *rs) {
    for (size_t i = 0; i < rs->nheaders; i++) {
        free((char *)rs->headers[i].name);
        free((char *)rs->headers[i].value);
    }
    rs->nheaders = 0;
    rs->body_len = 0;
    if (rs->body)
        rs->body[0] = '\0';
    rs->status = 0;
    rs->transport[0] = '\0';
    rs->transport_retriable = 0;
}

void azure_response_free(struct azure_response *rs) {
    response_reset(rs);
    free(rs->headers);
    free(rs->body);
    rs->headers = NULL;
    rs->body = NULL;
    rs->headers_cap = rs->body_cap = 0;
}

const char *azure_response_header(const struct azure_response *rs, const char *name) {
    for (size_t i = 0; i < rs->nheaders; i++)
        if (strcasecmp(rs->headers[i].name, name) == 0)
            return rs->headers[i].value;
    return NULL;
}

char *azure_response_take_body(struct azure_response *rs, size_t *len) {
    char *body = rs->body;
    *len = rs->body_len;
    if (!body) {
        body = calloc(1, 1);
        *len = 0;
    }
    rs->body = NULL;
    rs->body_len = rs->body_cap = 0;
    return body;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata) {
    struct azure_response *rs = userdata;
    size_t len = size * n;
    if (rs->body_len + len + 1 > rs->body_cap) {
        size_t cap = rs->body_cap ? rs->body_cap : 4096;
        while (cap < rs->body_len + len + 1)
            cap *= 2;
        char *p = realloc(rs->body, cap);
        if (!p)
            return 0; /* curl fails the transfer */
        rs->body = p;
        rs->body_cap = cap;
    }
    memcpy(rs->body + rs->body_len, data, len);
    rs->body_len += len;
    rs->body[rs->body_len] = '\0';
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata) {
    struct azure_response *rs = userdata;
    size_t len = size * n;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* a new answer (after a 100 Continue, say): forget the last one's */
        response_reset(rs);
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (!colon)
        return len;
    const char *v = colon + 1, *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (rs->nheaders == rs->headers_cap) {
        size_t cap = rs->headers_cap ? 2 * rs->headers_cap : 16;
        struct storage_kv *p = realloc(rs->headers, cap * sizeof *p);
        if (!p)
            return 0;
        rs->headers = p;
        rs->headers_cap = cap;
    }
    char *name = strndup(data, (size_t)(colon - data)), *value = strndup(v, (size_t)(end - v));
    if (!name || !value) {
        free(name);
        free(value);
        return 0;
    }
    rs->headers[rs->nheaders++] = (struct storage_kv){name, value};
    return len;
}

/* ------------------------------------------------------------- request --- */

/* The URL: endpoint, path, the encoded query and the SAS. NULL: no memory. */
static char *build_url(const struct azure_http *h, const struct azure_request *rq) {
    size_t cap = strlen(h->endpoint) + strlen(rq->path) + (h->sas ? strlen(h->sas) : 0) + 4;
    char **enc = calloc(rq->nquery ? rq->nquery : 1, sizeof *enc);
    if (!enc)
        return NULL;
    int ok = 1;
    for (size_t i = 0; i < rq->nquery; i++) {
        enc[i] = codec_pct_encode(rq->query[i].value, 0);
        ok = ok && enc[i];
        cap += strlen(rq->query[i].name) + (enc[i] ? strlen(enc[i]) : 0) + 2;
    }
    char *url = ok ? malloc(cap) : NULL;
    if (url) {
        size_t o = (size_t)sprintf(url, "%s%s", h->endpoint, rq->path);
        for (size_t i = 0; i < rq->nquery; i++)
            o += (size_t)sprintf(url + o, "%c%s=%s", i ? '&' : '?', rq->query[i].name, enc[i]);
        if (h->sas)
            sprintf(url + o, "%c%s", rq->nquery ? '&' : '?', h->sas);
    }
    for (size_t i = 0; i < rq->nquery; i++)
        free(enc[i]);
    free(enc);
    return url;
}

static struct curl_slist *add_line(struct curl_slist *list, const char *line, int *ok) {
    struct curl_slist *l = curl_slist_append(list, line);
    if (!l)
        *ok = 0;
    return l ? l : list;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value, int *ok) {
    char line[9000];
    snprintf(line, sizeof line, "%s: %s", name, value);
    return add_line(list, line, ok);
}

/* The headers to send (and sign): the request's, the date, the version and
 * the length of a body. Returns the curl list or NULL (no memory). */
static struct curl_slist *build_headers(const struct azure_http *h, const struct azure_request *rq) {
    char date[40], length[32];
    codec_http_date(clock_wall_ms() / 1000, date, sizeof date);
    int put = strcmp(rq->method, "PUT") == 0;
    snprintf(length, sizeof length, "%zu", rq->body_len);
    size_t n = 0, cap = rq->nheaders + 3;
    struct storage_kv *all = malloc(cap * sizeof *all);
    if (!all)
        return NULL;
    for (size_t i = 0; i < rq->nheaders; i++)
        all[n++] = rq->headers[i];
    all[n++] = (struct storage_kv){"x-ms-date", date};
    all[n++] = (struct storage_kv){"x-ms-version", API_VERSION};
    if (put)
        all[n++] = (struct storage_kv){"Content-Length", length}; /* curl sends it: signed only */
    int ok = 1, has_type = 0;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < n; i++) {
        has_type = has_type || strcasecmp(all[i].name, "Content-Type") == 0;
        if (strcasecmp(all[i].name, "Content-Length") != 0)
            list = add_header(list, all[i].name, all[i].value, &ok);
    }
    if (!has_type)
        list = add_line(list, "Content-Type:", &ok); /* none of curl's for a body */
    list = add_line(list, "Expect:", &ok);
    if (ok && h->opt.key) {
        struct sign_request sr = {rq->method, h->account, rq->path, all, n, rq->query, rq->nquery};
        char *sts = sign_string_to_sign(&sr);
        char mac[64], auth[400];
        if (!sts || sign_hmac_base64(h->opt.key, h->opt.keylen, sts, mac, sizeof mac) != 0) {
            ok = 0;
        } else {
            snprintf(auth, sizeof auth, "SharedKey %s:%s", h->account, mac);
            list = add_header(list, "Authorization", auth, &ok);
        }
        free(sts);
    }
    free(all);
    if (!ok) {
        curl_slist_free_all(list);
        return NULL;
    }
    return list;
}

static void set_method(CURL *c, const struct azure_request *rq) {
    if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(rq->method, "PUT") == 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    } else if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
    }
}

static int retriable_code(CURLcode rc) {
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

static int retriable_status(long status) {
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/* One attempt. Returns 0 when an answer came. */
static int attempt(struct azure_http *h, const struct azure_request *rq, const char *url, struct curl_slist *headers,
                   struct azure_response *rs) {
    CURL *c = h->curl;
    curl_easy_reset(c);
    h->curl_error[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "bridgelab-storage/1");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)h->opt.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(h->opt.timeout_ms < 10000 ? h->opt.timeout_ms : 10000));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_error);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, rs);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, rs);
    set_method(c, rq);
    response_reset(rs);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
        return 0;
    }
    response_reset(rs);
    rs->transport_retriable = retriable_code(rc);
    snprintf(rs->transport, sizeof rs->transport, "%s", h->curl_error[0] ? h->curl_error : curl_easy_strerror(rc));
    rs->transport[strcspn(rs->transport, "\r\n")] = '\0';
    char *sig = strstr(rs->transport, "sig="); /* never a SAS's signature, should curl ever quote the URL */
    if (sig)
        snprintf(sig, sizeof rs->transport - (size_t)(sig - rs->transport), "sig=(hidden)");
    return -1;
}

static unsigned random_below(unsigned n) {
    unsigned r = 0;
    if (getrandom(&r, sizeof r, 0) != sizeof r)
        r = (unsigned)clock_mono_us();
    return n ? r % n : 0;
}

/* Exponential backoff with jitter (half fixed, half random), or the
 * server's Retry-After when it asks for longer. */
static int backoff_ms(const struct azure_http *h, int retry, const struct azure_response *rs) {
    long long d = h->opt.retry_backoff_ms;
    for (int i = 1; i < retry && d < BACKOFF_CAP_MS; i++)
        d *= 2;
    if (d > BACKOFF_CAP_MS)
        d = BACKOFF_CAP_MS;
    d = d / 2 + random_below((unsigned)(d / 2 + 1));
    const char *after = rs->status ? azure_response_header(rs, "Retry-After") : NULL;
    if (after && strspn(after, "0123456789") == strlen(after) && *after) {
        long long s = atoll(after) * 1000;
        if (s > d)
            d = s < RETRY_AFTER_CAP_MS ? s : RETRY_AFTER_CAP_MS;
    }
    return (int)d;
}

int azure_http_send(struct azure_http *h, const struct azure_request *rq, struct azure_response *rs) {
    long long t0 = clock_mono_ms();
    char *url = build_url(h, rq);
    struct curl_slist *headers = NULL;
    int rc = -1;
    rs->attempts = 0;
    if (!url) {
        snprintf(rs->transport, sizeof rs->transport, "out of memory");
        return -1;
    }
    for (int retry = 0;; retry++) {
        /* signed again each time: the date moves on */
        curl_slist_free_all(headers);
        headers = build_headers(h, rq);
        if (!headers) {
            response_reset(rs);
            snprintf(rs->transport, sizeof rs->transport, "out of memory");
            rc = -1;
            break;
        }
        rs->attempts++;
        rc = attempt(h, rq, url, headers, rs);
        int again = rc == 0 ? retriable_status(rs->status) : rs->transport_retriable;
        if (!again || retry >= h->opt.max_retries)
            break;
        int wait = backoff_ms(h, retry + 1, rs);
        char cause[64];
        if (rc == 0)
            snprintf(cause, sizeof cause, "HTTP %ld", rs->status);
        log_warn("azure blob: %s %s: %s; retry %d of %d in %d ms", rq->method, rq->path,
                 rc == 0 ? cause : rs->transport, retry + 1, h->opt.max_retries, wait);
        clock_sleep_ms(wait);
    }
    curl_slist_free_all(headers);
    free(url);
    rs->elapsed_ms = clock_mono_ms() - t0;
    return rc;
}
