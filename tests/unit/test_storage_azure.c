/* Unit tests for common/storage_azure.c and storage_http.c against a fake
 * Blob service written here (libmicrohttpd on an ephemeral loopback port).
 *
 * The fake keeps blobs in memory and serves the calls the client makes
 * (container probe and create, Put Blob, Put Block, Put Block List with
 * If-None-Match, List Blobs with prefix, delimiter, marker, maxresults and
 * metadata, Get Blob with x-ms-range, Get Blob Properties, Delete Blob). It
 * checks every SharedKey signature again from what it received (so a
 * header sent but not signed, or a path signed but not sent, fails), and
 * can be told to answer the next requests with a fault: a status with an
 * error code and body, a Retry-After, a dropped connection, a slow answer.
 * The error lines are checked to name the credential and the cause, and
 * never to hold the key or a SAS signature; so are the log lines. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "assert_text.h"

#include "clock.h"
#include "log.h"
#include "storage.h"
#include "storage_codec.h"
#include "storage_sign.h"
#include "storage_xml.h"

#define ACCOUNT "devstoreaccount1"
#define CONTAINER_PATH "/" ACCOUNT "/lake"
#define MAX_BLOBS 512
#define MAX_SEEN 512

static const char key[] = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/* Another valid key: a client with it signs wrongly. */
static const char other_key[] =
    "AAAAvdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
#define SAS_SIG "c2VjcmV0U0lHbm90VG9MZWFr"

/* ------------------------------------------------------------ the fake --- */

struct blob {
    char *name;
    char *data;
    size_t len;
    char type[128];
    int nmeta;
    char meta_names[16][64], meta_values[16][256];
};

struct staged {
    char *blob, *id, *data;
    size_t len;
};

enum fault_kind { FAULT_STATUS, FAULT_DROP, FAULT_SLOW };

struct fault {
    enum fault_kind kind;
    int status;
    const char *code, *detail, *retry_after;
};

struct seen {
    char method[8];
    char uri[1200];
    char if_none_match[8];
    char range[64];
    char content_type[128];
    int authorization;
};

enum fake_auth { FAKE_KEY, FAKE_SAS };

struct fake {
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t mu;
    enum fake_auth auth;
    int container_exists;
    int encode_names;  /* List Blobs names as Encoded="true" */
    int prefixes_last; /* a page's BlobPrefix elements after its Blobs, as Azurite writes them */
    struct blob blobs[MAX_BLOBS];
    int nblobs;
    struct staged staged[1024];
    int nstaged;
    struct fault faults[32];
    int nfaults;
    struct seen seen[MAX_SEEN];
    int nseen;
    int bad_signatures;
    int connections; /* TCP connections accepted */
    unsigned char key[64];
    int keylen;
};

struct request {
    char *uri;
    char *body;
    size_t len, cap;
    int started; /* past the first call, which only has the headers */
};

static struct fake fk;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
    (void)cls;
    (void)c;
    struct request *rq = calloc(1, sizeof *rq);
    rq->uri = strdup(uri);
    return rq;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code) {
    (void)cls;
    (void)c;
    (void)socket_ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        pthread_mutex_lock(&fk.mu);
        fk.connections++;
        pthread_mutex_unlock(&fk.mu);
    }
}

static void on_done(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    struct request *rq = *req_cls;
    if (rq) {
        free(rq->uri);
        free(rq->body);
        free(rq);
    }
}

static enum MHD_Result respond(struct MHD_Connection *c, int status, const char *body, size_t len,
                               const char *error_code, const char *extra_name, const char *extra_value) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (error_code)
        MHD_add_response_header(r, "x-ms-error-code", error_code);
    if (extra_name)
        MHD_add_response_header(r, extra_name, extra_value);
    MHD_add_response_header(r, "x-ms-version", "2021-08-06");
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result answer_error(struct MHD_Connection *c, int status, const char *code, const char *detail,
                                    const char *retry_after) {
    char body[1024];
    snprintf(body, sizeof body,
             "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>%s</Code><Message>The fake says %s.\n"
             "RequestId:00000000-0000-0000-0000-000000000000\nTime:2026-12-02T04:50:56.0000000Z</Message>%s%s%s"
             "</Error>",
             code, code, detail ? "<AuthenticationErrorDetail>" : "", detail ? detail : "",
             detail ? "</AuthenticationErrorDetail>" : "");
    return respond(c, status, body, strlen(body), code, retry_after ? "Retry-After" : NULL, retry_after);
}

/* The query's parameters, decoded. Returns the count. */
static int parse_query(const char *uri, char names[16][64], char values[16][1200]) {
    const char *q = strchr(uri, '?');
    int n = 0;
    for (q = q ? q + 1 : ""; *q && n < 16;) {
        size_t len = strcspn(q, "&");
        const char *eq = memchr(q, '=', len);
        size_t nl = eq ? (size_t)(eq - q) : len;
        snprintf(names[n], 64, "%.*s", (int)nl, q);
        char *v = eq ? codec_pct_decode(eq + 1, len - nl - 1) : strdup("");
        snprintf(values[n], 1200, "%s", v ? v : "(bad escape)");
        free(v);
        n++;
        q += len + (q[len] == '&');
    }
    return n;
}

static const char *param(int n, char names[16][64], char values[16][1200], const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return values[i];
    return NULL;
}

struct header_list {
    struct storage_kv kv[64];
    int n;
};

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *name, const char *value) {
    (void)kind;
    struct header_list *h = cls;
    if (h->n < 64)
        h->kv[h->n++] = (struct storage_kv){name, value ? value : ""};
    return MHD_YES;
}

/* Checks the Authorization header against the string to sign of what came. */
static int signature_ok(struct MHD_Connection *c, const char *method, const char *path, int nq, char qn[16][64],
                        char qv[16][1200]) {
    struct header_list h = {0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, &h);
    struct storage_kv query[16];
    for (int i = 0; i < nq; i++)
        query[i] = (struct storage_kv){qn[i], qv[i]};
    struct sign_request sr = {method, ACCOUNT, path, h.kv, (size_t)h.n, query, (size_t)nq};
    char *sts = sign_string_to_sign(&sr);
    char mac[64], want[200];
    sign_hmac_base64(fk.key, (size_t)fk.keylen, sts, mac, sizeof mac);
    free(sts);
    snprintf(want, sizeof want, "SharedKey %s:%s", ACCOUNT, mac);
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    return auth && strcmp(auth, want) == 0;
}

static struct blob *find_blob(const char *name) {
    for (int i = 0; i < fk.nblobs; i++)
        if (strcmp(fk.blobs[i].name, name) == 0)
            return &fk.blobs[i];
    return NULL;
}

/* A new or emptied blob, in name order. */
static struct blob *store_blob(const char *name) {
    struct blob *b = find_blob(name);
    if (b) {
        free(b->data);
    } else {
        int i = fk.nblobs++;
        while (i > 0 && strcmp(fk.blobs[i - 1].name, name) > 0) {
            fk.blobs[i] = fk.blobs[i - 1];
            i--;
        }
        b = &fk.blobs[i];
        memset(b, 0, sizeof *b);
        b->name = strdup(name);
    }
    b->data = NULL;
    b->len = 0;
    b->nmeta = 0;
    return b;
}

static void remove_blob(struct blob *b) {
    free(b->name);
    free(b->data);
    int i = (int)(b - fk.blobs);
    memmove(&fk.blobs[i], &fk.blobs[i + 1], (size_t)(fk.nblobs - i - 1) * sizeof *b);
    fk.nblobs--;
}

static enum MHD_Result add_meta(void *cls, enum MHD_ValueKind kind, const char *name, const char *value) {
    (void)kind;
    struct blob *b = cls;
    if (strncasecmp(name, "x-ms-meta-", 10) == 0 && b->nmeta < 16) {
        snprintf(b->meta_names[b->nmeta], 64, "%s", name + 10);
        snprintf(b->meta_values[b->nmeta], 256, "%s", value);
        b->nmeta++;
    }
    return MHD_YES;
}

static void set_properties(struct MHD_Connection *c, struct blob *b) {
    const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-ms-blob-content-type");
    snprintf(b->type, sizeof b->type, "%s", t ? t : "application/octet-stream");
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_meta, b);
}

static void xml_escape(char *out, size_t cap, const char *s) {
    size_t o = 0;
    for (; *s && o + 7 < cap; s++) {
        const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '"' ? "&quot;" : NULL;
        if (e) {
            o += (size_t)sprintf(out + o, "%s", e);
        } else {
            out[o++] = *s;
        }
    }
    out[o] = '\0';
}

static void append(char **buf, size_t *len, size_t *cap, const char *s) {
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

static void append_name(char **buf, size_t *len, size_t *cap, const char *name) {
    char esc[4096];
    if (fk.encode_names) {
        char *enc = codec_pct_encode(name, 1);
        append(buf, len, cap, "<Name Encoded=\"true\">");
        append(buf, len, cap, enc);
        free(enc);
    } else {
        xml_escape(esc, sizeof esc, name);
        append(buf, len, cap, "<Name>");
        append(buf, len, cap, esc);
    }
    append(buf, len, cap, "</Name>");
}

static enum MHD_Result list_blobs(struct MHD_Connection *c, int nq, char qn[16][64], char qv[16][1200]) {
    const char *prefix = param(nq, qn, qv, "prefix"), *delim = param(nq, qn, qv, "delimiter");
    const char *marker = param(nq, qn, qv, "marker"), *max = param(nq, qn, qv, "maxresults");
    const char *include = param(nq, qn, qv, "include");
    int limit = max ? atoi(max) : 5000, count = 0;
    size_t plen = prefix ? strlen(prefix) : 0, len = 0, cap = 0, plen_out = 0, pcap = 0;
    char *out = NULL, *prefixes = NULL, line[8192];
    append(&out, &len, &cap,
           "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<EnumerationResults ServiceEndpoint=\"http://fake/\" "
           "ContainerName=\"lake\"><Blobs>");
    int i = 0;
    while (i < fk.nblobs && marker && strcmp(fk.blobs[i].name, marker) < 0)
        i++;
    const char *next = NULL;
    while (i < fk.nblobs) {
        struct blob *b = &fk.blobs[i];
        if (prefix && strncmp(b->name, prefix, plen) != 0) {
            i++;
            continue;
        }
        if (count == limit) {
            next = b->name;
            break;
        }
        const char *d = delim ? strstr(b->name + plen, delim) : NULL;
        if (d) {
            size_t n = (size_t)(d - b->name) + strlen(delim);
            char group[2048];
            snprintf(group, sizeof group, "%.*s", (int)n, b->name);
            char **where = fk.prefixes_last ? &prefixes : &out;
            size_t *wlen = fk.prefixes_last ? &plen_out : &len, *wcap = fk.prefixes_last ? &pcap : &cap;
            append(where, wlen, wcap, "<BlobPrefix>");
            append_name(where, wlen, wcap, group);
            append(where, wlen, wcap, "</BlobPrefix>");
            while (i < fk.nblobs && strncmp(fk.blobs[i].name, group, n) == 0)
                i++;
        } else {
            append(&out, &len, &cap, "<Blob>");
            append_name(&out, &len, &cap, b->name);
            snprintf(line, sizeof line,
                     "<Properties><Last-Modified>Wed, 02 Dec 2026 04:50:56 GMT</Last-Modified><Content-Length>%zu"
                     "</Content-Length><Content-Type>%s</Content-Type><BlobType>BlockBlob</BlobType></Properties>",
                     b->len, b->type);
            append(&out, &len, &cap, line);
            if (include && strstr(include, "metadata")) {
                append(&out, &len, &cap, "<Metadata>");
                for (int m = 0; m < b->nmeta; m++) {
                    snprintf(line, sizeof line, "<%s>%s</%s>", b->meta_names[m], b->meta_values[m], b->meta_names[m]);
                    append(&out, &len, &cap, line);
                }
                append(&out, &len, &cap, "</Metadata>");
            }
            append(&out, &len, &cap, "</Blob>");
            i++;
        }
        count++;
    }
    if (prefixes)
        append(&out, &len, &cap, prefixes);
    free(prefixes);
    append(&out, &len, &cap, "</Blobs><NextMarker>");
    if (next) {
        char esc[4096];
        xml_escape(esc, sizeof esc, next);
        append(&out, &len, &cap, esc);
    }
    append(&out, &len, &cap, "</NextMarker></EnumerationResults>");
    enum MHD_Result rc = respond(c, 200, out, len, NULL, NULL, NULL);
    free(out);
    return rc;
}

static enum MHD_Result put_block(struct MHD_Connection *c, const char *name, const char *id, struct request *rq) {
    unsigned char raw[128];
    if (codec_base64_decode(id, raw, sizeof raw) < 0)
        return answer_error(c, 400, "InvalidQueryParameterValue", NULL, NULL);
    for (int i = 0; i < fk.nstaged; i++)
        if (strcmp(fk.staged[i].blob, name) == 0 && strlen(fk.staged[i].id) != strlen(id))
            return answer_error(c, 400, "InvalidBlobOrBlock", NULL, NULL);
    struct staged *s = &fk.staged[fk.nstaged++];
    s->blob = strdup(name);
    s->id = strdup(id);
    s->data = malloc(rq->len + 1);
    memcpy(s->data, rq->body ? rq->body : "", rq->len);
    s->len = rq->len;
    return respond(c, 201, "", 0, NULL, NULL, NULL);
}

static void drop_staged(const char *name) {
    int o = 0;
    for (int i = 0; i < fk.nstaged; i++) {
        struct staged *s = &fk.staged[i];
        if (strcmp(s->blob, name) == 0) {
            free(s->blob);
            free(s->id);
            free(s->data);
        } else {
            fk.staged[o++] = *s;
        }
    }
    fk.nstaged = o;
}

static enum MHD_Result put_block_list(struct MHD_Connection *c, const char *name, struct request *rq, int if_none) {
    char err[128];
    struct xml_node *doc = xml_parse(rq->body ? rq->body : "", rq->len, err, sizeof err);
    if (!doc || strcmp(doc->name, "BlockList") != 0) {
        xml_free(doc);
        return answer_error(c, 400, "InvalidXmlDocument", NULL, NULL);
    }
    if (if_none && find_blob(name)) {
        xml_free(doc);
        return answer_error(c, 409, "BlobAlreadyExists", NULL, NULL);
    }
    size_t total = 0;
    char *data = malloc(1);
    for (const struct xml_node *n = doc->children; n; n = n->next) {
        struct staged *s = NULL;
        for (int i = 0; i < fk.nstaged; i++)
            if (strcmp(fk.staged[i].blob, name) == 0 && strcmp(fk.staged[i].id, n->text) == 0)
                s = &fk.staged[i];
        if (!s || strcmp(n->name, "Latest") != 0) {
            free(data);
            xml_free(doc);
            return answer_error(c, 400, "InvalidBlockList", NULL, NULL);
        }
        char *more = realloc(data, total + s->len + 1);
        if (!more)
            abort(); /* the server thread: no cmocka assertion there */
        data = more;
        memcpy(data + total, s->data, s->len);
        total += s->len;
    }
    xml_free(doc);
    struct blob *b = store_blob(name);
    b->data = data;
    b->len = total;
    set_properties(c, b);
    drop_staged(name);
    return respond(c, 201, "", 0, NULL, NULL, NULL);
}

static enum MHD_Result blob_request(struct MHD_Connection *c, const char *method, const char *name, struct request *rq,
                                    int nq, char qn[16][64], char qv[16][1200]) {
    const char *comp = param(nq, qn, qv, "comp");
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    int if_none = inm && strcmp(inm, "*") == 0;
    struct blob *b = find_blob(name);
    if (strcmp(method, "PUT") == 0 && comp && strcmp(comp, "block") == 0)
        return put_block(c, name, param(nq, qn, qv, "blockid"), rq);
    if (strcmp(method, "PUT") == 0 && comp && strcmp(comp, "blocklist") == 0)
        return put_block_list(c, name, rq, if_none);
    if (strcmp(method, "PUT") == 0) {
        const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-ms-blob-type");
        if (!type || strcmp(type, "BlockBlob") != 0)
            return answer_error(c, 400, "MissingRequiredHeader", NULL, NULL);
        if (if_none && b)
            return answer_error(c, 409, "BlobAlreadyExists", NULL, NULL);
        b = store_blob(name);
        b->data = malloc(rq->len + 1);
        memcpy(b->data, rq->body ? rq->body : "", rq->len);
        b->len = rq->len;
        set_properties(c, b);
        return respond(c, 201, "", 0, NULL, NULL, NULL);
    }
    if (!b)
        return strcmp(method, "HEAD") == 0 ? respond(c, 404, "", 0, "BlobNotFound", NULL, NULL)
                                           : answer_error(c, 404, "BlobNotFound", NULL, NULL);
    if (strcmp(method, "DELETE") == 0) {
        remove_blob(b);
        return respond(c, 202, "", 0, NULL, NULL, NULL);
    }
    if (strcmp(method, "HEAD") == 0) {
        struct MHD_Response *r = MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header(r, "Last-Modified", "Wed, 02 Dec 2026 04:50:56 GMT");
        for (int m = 0; m < b->nmeta; m++) {
            char h[80];
            snprintf(h, sizeof h, "x-ms-meta-%s", b->meta_names[m]);
            MHD_add_response_header(r, h, b->meta_values[m]);
        }
        enum MHD_Result rc = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return rc;
    }
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-ms-range");
    if (!range)
        return respond(c, 200, b->data, b->len, NULL, NULL, NULL);
    long long from = -1, to = -1;
    if (sscanf(range, "bytes=%lld-%lld", &from, &to) < 1)
        return answer_error(c, 400, "InvalidHeaderValue", NULL, NULL);
    if (from >= (long long)b->len)
        return answer_error(c, 416, "InvalidRange", NULL, NULL);
    if (to < 0 || to >= (long long)b->len)
        to = (long long)b->len - 1;
    return respond(c, 206, b->data + from, (size_t)(to - from + 1), NULL, NULL, NULL);
}

static void remember(struct MHD_Connection *c, const char *method, const char *uri) {
    if (fk.nseen == MAX_SEEN)
        return;
    struct seen *s = &fk.seen[fk.nseen++];
    memset(s, 0, sizeof *s);
    snprintf(s->method, sizeof s->method, "%s", method);
    snprintf(s->uri, sizeof s->uri, "%s", uri);
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    snprintf(s->if_none_match, sizeof s->if_none_match, "%s", v ? v : "");
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-ms-range");
    snprintf(s->range, sizeof s->range, "%s", v ? v : "");
    v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    snprintf(s->content_type, sizeof s->content_type, "%s", v ? v : "(none)");
    s->authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization") != NULL;
}

/* Takes the next fault, if any. */
static int next_fault(struct fault *f) {
    if (!fk.nfaults)
        return 0;
    *f = fk.faults[0];
    memmove(&fk.faults[0], &fk.faults[1], (size_t)(fk.nfaults - 1) * sizeof *f);
    fk.nfaults--;
    return 1;
}

static enum MHD_Result serve(struct MHD_Connection *c, const char *method, struct request *rq) {
    remember(c, method, rq->uri);
    struct fault f;
    if (next_fault(&f)) {
        if (f.kind == FAULT_DROP)
            return MHD_NO;
        if (f.kind == FAULT_SLOW) {
            pthread_mutex_unlock(&fk.mu);
            clock_sleep_ms(f.status);
            pthread_mutex_lock(&fk.mu);
        } else {
            return answer_error(c, f.status, f.code, f.detail, f.retry_after);
        }
    }
    char qn[16][64], qv[16][1200];
    int nq = parse_query(rq->uri, qn, qv);
    char path[1200];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(rq->uri, "?"), rq->uri);
    if (fk.auth == FAKE_KEY && !signature_ok(c, method, path, nq, qn, qv)) {
        fk.bad_signatures++;
        return answer_error(
            c, 403, "AuthenticationFailed",
            "The MAC signature found in the HTTP request 'bm90LWEtc2lnbmF0dXJl' is not the same as any "
            "computed signature. Server used following string to sign: 'GET\n\nx-ms-date:Wed, 02 Dec 2026 "
            "04:50:56 GMT\nx-ms-version:2021-08-06'.",
            NULL);
    }
    if (fk.auth == FAKE_SAS) {
        const char *sig = param(nq, qn, qv, "sig");
        if (!sig || strcmp(sig, SAS_SIG) != 0 || MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"))
            return answer_error(c, 403, "AuthenticationFailed", "Signature did not match.", NULL);
    }
    const char *restype = param(nq, qn, qv, "restype");
    if (strcmp(path, CONTAINER_PATH) == 0 && restype && strcmp(restype, "container") == 0) {
        const char *comp = param(nq, qn, qv, "comp");
        if (strcmp(method, "PUT") == 0 && !comp) {
            if (fk.container_exists)
                return answer_error(c, 409, "ContainerAlreadyExists", NULL, NULL);
            fk.container_exists = 1;
            return respond(c, 201, "", 0, NULL, NULL, NULL);
        }
        if (!fk.container_exists)
            return answer_error(c, 404, "ContainerNotFound", NULL, NULL);
        if (strcmp(method, "GET") == 0 && comp && strcmp(comp, "list") == 0)
            return list_blobs(c, nq, qn, qv);
        return answer_error(c, 400, "UnsupportedQueryParameter", NULL, NULL);
    }
    if (strncmp(path, CONTAINER_PATH "/", strlen(CONTAINER_PATH) + 1) != 0)
        return answer_error(c, 400, "InvalidUri", NULL, NULL);
    if (!fk.container_exists)
        return strcmp(method, "HEAD") == 0 ? respond(c, 404, "", 0, "ContainerNotFound", NULL, NULL)
                                           : answer_error(c, 404, "ContainerNotFound", NULL, NULL);
    const char *enc = path + strlen(CONTAINER_PATH) + 1;
    char *name = codec_pct_decode(enc, strlen(enc));
    enum MHD_Result rc = blob_request(c, method, name, rq, nq, qn, qv);
    free(name);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **req_cls) {
    (void)cls;
    (void)url;
    (void)version;
    struct request *rq = *req_cls;
    if (*upload_size) {
        if (rq->len + *upload_size + 1 > rq->cap) {
            rq->cap = (rq->len + *upload_size + 1) * 2;
            rq->body = realloc(rq->body, rq->cap);
        }
        memcpy(rq->body + rq->len, upload, *upload_size);
        rq->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    if (!rq->started) {
        /* answered on a later call: one queued on the first closes the
         * connection, and the client's connection reuse is under test */
        rq->started = 1;
        return MHD_YES;
    }
    pthread_mutex_lock(&fk.mu);
    enum MHD_Result rc = serve(c, method, rq);
    pthread_mutex_unlock(&fk.mu);
    return rc;
}

static void fake_start(void) {
    memset(&fk, 0, sizeof fk);
    pthread_mutex_init(&fk.mu, NULL);
    fk.container_exists = 1;
    fk.keylen = codec_base64_decode(key, fk.key, sizeof fk.key);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fk.daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
                                 on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                 MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
                                 MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
    assert_non_null(fk.daemon);
    fk.port = MHD_get_daemon_info(fk.daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
}

static void fake_stop(void) {
    if (fk.daemon)
        MHD_stop_daemon(fk.daemon);
    for (int i = 0; i < fk.nblobs; i++) {
        free(fk.blobs[i].name);
        free(fk.blobs[i].data);
    }
    for (int i = 0; i < fk.nstaged; i++) {
        free(fk.staged[i].blob);
        free(fk.staged[i].id);
        free(fk.staged[i].data);
    }
    pthread_mutex_destroy(&fk.mu);
}

static void inject(enum fault_kind kind, int status, const char *code, const char *detail, const char *retry_after) {
    pthread_mutex_lock(&fk.mu);
    fk.faults[fk.nfaults++] = (struct fault){kind, status, code, detail, retry_after};
    pthread_mutex_unlock(&fk.mu);
}

/* ---------------------------------------------------------- the client --- */

static char url[128];
static char *log_text;
static size_t log_len;
static FILE *log_stream;

static int setup(void **state) {
    (void)state;
    fake_start();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/" ACCOUNT "/lake", fk.port);
    log_stream = open_memstream(&log_text, &log_len);
    log_set_stream(log_stream);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    fake_stop();
    log_set_stream(stderr);
    fclose(log_stream);
    /* nothing secret was ever logged */
    if (log_text && (strstr(log_text, key) || strstr(log_text, SAS_SIG) || strstr(log_text, "sig="))) {
        fprintf(stderr, "a secret in the log: %s\n", log_text);
        free(log_text);
        return -1;
    }
    free(log_text);
    log_text = NULL;
    return 0;
}

/* What was logged so far. */
static const char *logged(void) {
    fflush(log_stream);
    return log_text ? log_text : "";
}

static struct storage_options options(void) {
    struct storage_options o = {.url = url, .shared_key = key, .retry_backoff_ms = 1, .timeout_ms = 5000};
    return o;
}

static struct storage *open_ok(const struct storage_options *o) {
    struct storage *s = NULL;
    char err[2048] = "";
    enum storage_status st = storage_open(o, &s, err, sizeof err);
    if (st != STORAGE_OK) {
        print_error("open: %s: %s\n", storage_status_name(st), err);
        fail();
    }
    return s;
}

static enum storage_status put(struct storage *s, const char *name, const char *data, const struct storage_meta *m,
                               int flags, char *err, size_t errlen) {
    err[0] = '\0';
    return storage_put(s, name, data, strlen(data), "application/json", m, flags, err, errlen);
}

static void put_ok(struct storage *s, const char *name, const char *data, const struct storage_meta *m, int flags) {
    char err[2048];
    enum storage_status st = put(s, name, data, m, flags, err, sizeof err);
    if (st != STORAGE_OK) {
        print_error("put %s: %s: %s\n", name, storage_status_name(st), err);
        fail();
    }
}

static char *get_ok(struct storage *s, const char *name, long long offset, long long length) {
    char err[2048], *data = NULL;
    size_t n;
    enum storage_status st = storage_get(s, name, offset, length, &data, &n, err, sizeof err);
    if (st != STORAGE_OK) {
        print_error("get %s: %s: %s\n", name, storage_status_name(st), err);
        fail();
    }
    assert_int_equal(strlen(data), n);
    return data;
}

/* An error line: one line, and no secret in it. */
static void no_secret(const char *err) {
    assert_null(strchr(err, '\n'));
    assert_not_contains(err, key);
    assert_not_contains(err, other_key);
    assert_not_contains(err, SAS_SIG);
    assert_not_contains(err, "sig=");
}

struct listing {
    char text[65536];
    int count;
};

static int collect(const struct storage_entry *e, void *ctx) {
    struct listing *l = ctx;
    size_t o = strlen(l->text);
    o += (size_t)snprintf(l->text + o, sizeof l->text - o, "%s %lld", e->name, e->size);
    for (size_t i = 0; i < e->meta.count; i++)
        o += (size_t)snprintf(l->text + o, sizeof l->text - o, "%c%s=%s", i ? ',' : ' ', e->meta.names[i],
                              e->meta.values[i]);
    snprintf(l->text + o, sizeof l->text - o, "\n");
    l->count++;
    return 0;
}

static const char *list(struct storage *s, struct listing *l, const char *prefix, const char *delim, int meta) {
    memset(l, 0, sizeof *l);
    char err[2048] = "";
    enum storage_status st = storage_list(s, prefix, delim, meta, collect, l, err, sizeof err);
    if (st != STORAGE_OK) {
        print_error("list: %s: %s\n", storage_status_name(st), err);
        fail();
    }
    return l->text;
}

static int count_seen(const char *method, const char *uri_part) {
    int n = 0;
    pthread_mutex_lock(&fk.mu);
    for (int i = 0; i < fk.nseen; i++)
        if (strcmp(fk.seen[i].method, method) == 0 && strstr(fk.seen[i].uri, uri_part))
            n++;
    pthread_mutex_unlock(&fk.mu);
    return n;
}

static void forget_seen(void) {
    pthread_mutex_lock(&fk.mu);
    fk.nseen = 0;
    pthread_mutex_unlock(&fk.mu);
}

/* ------------------------------------------------------------- the tests --- */

static void test_roundtrip(void **state) {
    (void)state;
    struct storage_options o = options();
    struct storage *s = open_ok(&o);
    assert_contains(storage_describe(s), "azure blob http://127.0.0.1:");
    assert_contains(storage_describe(s), "/devstoreaccount1/lake (SharedKey)");
    assert_not_contains(storage_describe(s), key);
    const char *names[] = {"start_offset", "records", "a_1", "a1"}, *values[] = {"0000000042", "3", "x", "y"};
    struct storage_meta meta = {4, names, values};
    put_ok(s, "topics/t/partition=0/t+0+0000000042.json", "{\"a\":1}\n", &meta, 0);
    char *data = get_ok(s, "topics/t/partition=0/t+0+0000000042.json", 0, -1);
    assert_string_equal(data, "{\"a\":1}\n");
    free(data);
    struct listing l = {0};
    char err[2048];
    assert_int_equal(storage_head(s, "topics/t/partition=0/t+0+0000000042.json", collect, &l, err, sizeof err),
                     STORAGE_OK);
    assert_string_equal(l.text,
                        "topics/t/partition=0/t+0+0000000042.json 8 start_offset=0000000042,records=3,a_1=x,a1=y\n");
    assert_string_equal(list(s, &l, "topics/", NULL, 1),
                        "topics/t/partition=0/t+0+0000000042.json 8 start_offset=0000000042,records=3,a_1=x,a1=y\n");
    assert_string_equal(list(s, &l, "topics/", NULL, 0), "topics/t/partition=0/t+0+0000000042.json 8\n");
    /* one Put Blob with the content type; curl's own Content-Type is not sent */
    assert_int_equal(count_seen("PUT", "t%2B0%2B0000000042.json"), 1);
    assert_string_equal(fk.blobs[0].type, "application/json");
    assert_string_equal(fk.seen[fk.nseen - 1].content_type, "(none)");
    assert_int_equal(storage_delete(s, "topics/t/partition=0/t+0+0000000042.json", err, sizeof err), STORAGE_OK);
    assert_int_equal(storage_delete(s, "topics/t/partition=0/t+0+0000000042.json", err, sizeof err), STORAGE_NOT_FOUND);
    assert_contains(err, "no such blob");
    assert_int_equal(fk.bad_signatures, 0);
    /* every request of this client went over one kept-alive connection */
    assert_true(fk.nseen >= 8);
    assert_int_equal(fk.connections, 1);
    storage_close(s);
}

/* The path is sent percent-encoded and signed as sent; names come back
 * decoded from the listing, as XML entities or as Encoded="true". */
static void test_names(void **state) {
    (void)state;
    struct storage_options o = options();
    struct storage *s = open_ok(&o);
    const char *name = "a b/c%d+e&f<g>\xc3\xbc\xe2\x82\xac.json";
    put_ok(s, name, "x", NULL, 0);
    assert_int_equal(count_seen("PUT", CONTAINER_PATH "/a%20b/c%25d%2Be%26f%3Cg%3E%C3%BC%E2%82%AC.json"), 1);
    char *data = get_ok(s, name, 0, -1);
    assert_string_equal(data, "x");
    free(data);
    struct listing l;
    char want[256];
    snprintf(want, sizeof want, "%s 1\n", name);
    assert_string_equal(list(s, &l, "a b/", NULL, 0), want);
    fk.encode_names = 1;
    assert_string_equal(list(s, &l, "a b/", NULL, 0), want);
    assert_string_equal(list(s, &l, "", "/", 0), "a b/ -1\n");
    fk.encode_names = 0;
    /* the prefix travels in the query, decoded in the signature */
    assert_int_equal(count_seen("GET", "prefix=a%20b%2F"), 2);
    assert_int_equal(fk.bad_signatures, 0);
    storage_close(s);
}

static void test_container(void **state) {
    (void)state;
    fk.container_exists = 0;
    struct storage_options o = options();
    struct storage *s = NULL;
    char err[2048];
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_NOT_FOUND);
    assert_null(s);
    assert_contains(err, "container lake does not exist in account devstoreaccount1");
    assert_contains(err, "create it or set sink.create.container=true");
    no_secret(err);
    assert_int_equal(count_seen("PUT", "restype=container"), 0);
    o.create_container = 1;
    s = open_ok(&o);
    assert_int_equal(count_seen("PUT", "restype=container"), 1);
    assert_true(fk.container_exists);
    storage_close(s);
    /* there already (another writer made it meanwhile): fine */
    s = open_ok(&o);
    storage_close(s);
    /* the container goes away under a client */
    s = open_ok(&o);
    fk.container_exists = 0;
    assert_int_equal(put(s, "x", "y", NULL, 0, err, sizeof err), STORAGE_NOT_FOUND);
    assert_contains(err, "put 'x': container lake does not exist");
    storage_close(s);
}

/* Larger than a block: Put Blocks of one id length, then one Put Block
 * List, create-only when asked. */
static void test_blocks(void **state) {
    (void)state;
    struct storage_options o = options();
    o.block_bytes = 10;
    struct storage *s = open_ok(&o);
    char data[96];
    for (int i = 0; i < 95; i++)
        data[i] = (char)('a' + i % 26);
    data[95] = '\0';
    const char *names[] = {"records"}, *values[] = {"95"};
    struct storage_meta meta = {1, names, values};
    put_ok(s, "big.txt", data, &meta, STORAGE_PUT_IF_ABSENT);
    assert_int_equal(count_seen("PUT", "comp=block&"), 10);
    assert_int_equal(count_seen("PUT", "comp=blocklist"), 1);
    pthread_mutex_lock(&fk.mu);
    size_t idlen = 0;
    for (int i = 0; i < fk.nseen; i++) {
        const struct seen *e = &fk.seen[i];
        if (strstr(e->uri, "comp=blocklist")) {
            assert_string_equal(e->if_none_match, "*");
        } else if (strstr(e->uri, "comp=block&")) {
            assert_string_equal(e->if_none_match, "");
            const char *id = strstr(e->uri, "blockid=") + 8;
            idlen = idlen ? idlen : strlen(id);
            assert_int_equal(strlen(id), idlen); /* one length, percent-encoded */
            assert_null(strpbrk(id, "+/="));
        }
    }
    pthread_mutex_unlock(&fk.mu);
    char *back = get_ok(s, "big.txt", 0, -1);
    assert_string_equal(back, data);
    free(back);
    struct listing l = {0};
    char err[2048];
    assert_int_equal(storage_head(s, "big.txt", collect, &l, err, sizeof err), STORAGE_OK);
    assert_string_equal(l.text, "big.txt 95 records=95\n");
    /* taken: refused at the commit, the blob untouched */
    assert_int_equal(put(s, "big.txt", "0123456789012345678901234", NULL, STORAGE_PUT_IF_ABSENT, err, sizeof err),
                     STORAGE_EXISTS);
    assert_contains(err, "put 'big.txt': the name is taken (409 BlobAlreadyExists)");
    no_secret(err);
    back = get_ok(s, "big.txt", 0, -1);
    assert_string_equal(back, data);
    free(back);
    /* exactly one block's worth is one Put Blob */
    forget_seen();
    put_ok(s, "ten", "0123456789", NULL, 0);
    assert_int_equal(count_seen("PUT", "comp="), 0);
    /* a plain put replaces */
    put_ok(s, "big.txt", "0123456789012345678901234", NULL, 0);
    back = get_ok(s, "big.txt", 0, -1);
    assert_string_equal(back, "0123456789012345678901234");
    free(back);
    assert_int_equal(fk.bad_signatures, 0);
    storage_close(s);
}

static void test_if_absent_single(void **state) {
    (void)state;
    struct storage_options o = options();
    struct storage *s = open_ok(&o);
    put_ok(s, "f", "first", NULL, STORAGE_PUT_IF_ABSENT);
    char err[2048];
    assert_int_equal(put(s, "f", "second", NULL, STORAGE_PUT_IF_ABSENT, err, sizeof err), STORAGE_EXISTS);
    assert_contains(err, "the existing blob is untouched");
    char *back = get_ok(s, "f", 0, -1);
    assert_string_equal(back, "first");
    free(back);
    assert_int_equal(count_seen("PUT", "/lake/f"), 2);
    storage_close(s);
}

static void test_ranges(void **state) {
    (void)state;
    struct storage_options o = options();
    struct storage *s = open_ok(&o);
    put_ok(s, "r", "0123456789", NULL, 0);
    put_ok(s, "empty", "", NULL, 0);
    forget_seen();
    char *d = get_ok(s, "r", 3, 4);
    assert_string_equal(d, "3456");
    free(d);
    d = get_ok(s, "r", 7, -1);
    assert_string_equal(d, "789");
    free(d);
    d = get_ok(s, "r", 8, 100);
    assert_string_equal(d, "89");
    free(d);
    d = get_ok(s, "r", 0, 0);
    assert_string_equal(d, "");
    free(d);
    d = get_ok(s, "empty", 0, 5);
    assert_string_equal(d, "");
    free(d);
    pthread_mutex_lock(&fk.mu);
    assert_string_equal(fk.seen[0].range, "bytes=3-6");
    assert_string_equal(fk.seen[1].range, "bytes=7-");
    assert_string_equal(fk.seen[2].range, "bytes=8-107");
    assert_string_equal(fk.seen[3].method, "HEAD"); /* length 0: only whether it is there */
    pthread_mutex_unlock(&fk.mu);
    char err[2048], *data;
    size_t n;
    assert_int_equal(storage_get(s, "r", 10, -1, &data, &n, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "past the end");
    assert_int_equal(storage_get(s, "nope", 0, -1, &data, &n, err, sizeof err), STORAGE_NOT_FOUND);
    assert_contains(err, "get 'nope': no such blob");
    assert_int_equal(storage_get(s, "nope", 0, 0, &data, &n, err, sizeof err), STORAGE_NOT_FOUND);
    struct listing l;
    assert_int_equal(storage_head(s, "nope", collect, &l, err, sizeof err), STORAGE_NOT_FOUND);
    assert_contains(err, "head 'nope': no such blob");
    storage_close(s);
}

static int stop_at_5(const struct storage_entry *e, void *ctx) {
    (void)e;
    int *n = ctx;
    return ++*n == 5;
}

/* Many blobs, small pages: every entry once, in name order, prefixes too. */
static void test_paging(void **state) {
    (void)state;
    struct storage_options o = options();
    o.list_page_size = 4;
    struct storage *s = open_ok(&o);
    char want[4096] = "", want_delim[4096] = "";
    for (int i = 22; i >= 0; i--) {
        char name[64];
        snprintf(name, sizeof name, "p/%02d/&f<%d>.json", i, i);
        const char *mn[] = {"n"};
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        const char *mv[] = {v};
        struct storage_meta m = {1, mn, mv};
        put_ok(s, name, "x", &m, 0);
    }
    for (int i = 0; i <= 22; i++) {
        char line[128];
        snprintf(line, sizeof line, "p/%02d/&f<%d>.json 1 n=%d\n", i, i, i);
        strcat(want, line);
        snprintf(line, sizeof line, "p/%02d/ -1\n", i);
        strcat(want_delim, line);
    }
    forget_seen();
    struct listing l;
    assert_string_equal(list(s, &l, "p/", NULL, 1), want);
    assert_int_equal(count_seen("GET", "comp=list"), 6);
    assert_int_equal(count_seen("GET", "marker="), 5);
    assert_string_equal(list(s, &l, "p/", "/", 0), want_delim);
    /* prefixes and blobs in one page, the prefixes written last: still in
     * name order */
    put_ok(s, "q/a", "1", NULL, 0);
    put_ok(s, "q/b/x", "1", NULL, 0);
    put_ok(s, "q/c", "1", NULL, 0);
    put_ok(s, "q/d/x", "1", NULL, 0);
    put_ok(s, "q/e", "1", NULL, 0);
    fk.prefixes_last = 1;
    assert_string_equal(list(s, &l, "q/", "/", 0), "q/a 1\nq/b/ -1\nq/c 1\nq/d/ -1\nq/e 1\n");
    /* the callback stops it: no more pages asked */
    forget_seen();
    int seen = 0;
    char err[2048];
    assert_int_equal(storage_list(s, "p/", NULL, 0, stop_at_5, &seen, err, sizeof err), STORAGE_OK);
    assert_int_equal(seen, 5);
    assert_int_equal(count_seen("GET", "comp=list"), 2);
    assert_int_equal(fk.bad_signatures, 0);
    storage_close(s);
}

/* 503, 500 and 429 (with Retry-After) are retried; the answer after them
 * counts. */
static void test_retries(void **state) {
    (void)state;
    struct storage_options o = options();
    struct storage *s = open_ok(&o);
    forget_seen();
    inject(FAULT_STATUS, 503, "ServerBusy", NULL, NULL);
    inject(FAULT_STATUS, 500, "InternalError", NULL, NULL);
    put_ok(s, "r1", "x", NULL, 0);
    assert_int_equal(count_seen("PUT", "/lake/r1"), 3);
    inject(FAULT_STATUS, 429, "ServerBusy", NULL, "1");
    long long t0 = clock_mono_ms();
    char *d = get_ok(s, "r1", 0, -1);
    long long waited = clock_mono_ms() - t0;
    free(d);
    assert_true(waited >= 900); /* Retry-After: 1, not the 1 ms backoff */
    assert_int_equal(count_seen("GET", "/lake/r1"), 2);
    /* a listing page is retried too */
    inject(FAULT_STATUS, 502, "BadGateway", NULL, NULL);
    struct listing l;
    assert_string_equal(list(s, &l, "", NULL, 0), "r1 1\n");
    /* a 4xx is not retried */
    forget_seen();
    inject(FAULT_STATUS, 400, "InvalidHeaderValue", NULL, NULL);
    char err[2048];
    assert_int_equal(put(s, "r2", "x", NULL, 0, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "refused (400 InvalidHeaderValue: The fake says InvalidHeaderValue.)");
    assert_int_equal(count_seen("PUT", "/lake/r2"), 1);
    assert_contains(logged(), "retry 1 of 8");
    storage_close(s);
}

/* Past the retry limit: UNAVAILABLE, after exactly 1 + max_retries tries. */
static void test_retries_bounded(void **state) {
    (void)state;
    struct storage_options o = options();
    o.max_retries = 2;
    struct storage *s = open_ok(&o);
    for (int i = 0; i < 5; i++)
        inject(FAULT_STATUS, 503, "ServerBusy", NULL, NULL);
    forget_seen();
    char err[2048];
    assert_int_equal(put(s, "b", "x", NULL, 0, err, sizeof err), STORAGE_UNAVAILABLE);
    assert_int_equal(count_seen("PUT", "/lake/b"), 3);
    assert_contains(err, "put 'b': the service answered 503 (ServerBusy) to 3 attempts");
    assert_contains(err, "try again later");
    no_secret(err);
    pthread_mutex_lock(&fk.mu);
    fk.nfaults = 0;
    pthread_mutex_unlock(&fk.mu);
    /* no retries at all */
    storage_close(s);
    o.max_retries = -1;
    s = open_ok(&o);
    inject(FAULT_STATUS, 503, "ServerBusy", NULL, NULL);
    forget_seen();
    assert_int_equal(put(s, "b", "x", NULL, 0, err, sizeof err), STORAGE_UNAVAILABLE);
    assert_int_equal(count_seen("PUT", "/lake/b"), 1);
    assert_contains(err, "to 1 attempt in");
    storage_close(s);
}

/* A dropped connection, a slow answer: retried on a new connection. */
static void test_transport_failures(void **state) {
    (void)state;
    struct storage_options o = options();
    o.timeout_ms = 300;
    struct storage *s = open_ok(&o);
    forget_seen();
    inject(FAULT_DROP, 0, NULL, NULL, NULL);
    put_ok(s, "d", "dropped once", NULL, 0);
    assert_int_equal(count_seen("PUT", "/lake/d"), 2);
    inject(FAULT_SLOW, 1000, NULL, NULL, NULL);
    char *d = get_ok(s, "d", 0, -1);
    assert_string_equal(d, "dropped once");
    free(d);
    assert_int_equal(count_seen("GET", "/lake/d"), 2);
    storage_close(s);
    o.max_retries = 1;
    s = open_ok(&o);
    for (int i = 0; i < 3; i++)
        inject(FAULT_DROP, 0, NULL, NULL, NULL);
    char err[2048];
    assert_int_equal(put(s, "d2", "x", NULL, 0, err, sizeof err), STORAGE_UNAVAILABLE);
    char want[128];
    snprintf(want, sizeof want, "put 'd2': no answer from http://127.0.0.1:%d after 2 attempts", fk.port);
    assert_contains(err, want);
    no_secret(err);
    storage_close(s);
}

static void test_unreachable(void **state) {
    (void)state;
    int port = fk.port;
    MHD_stop_daemon(fk.daemon);
    fk.daemon = NULL;
    struct storage_options o = options();
    o.max_retries = 2;
    struct storage *s = NULL;
    char err[2048];
    long long t0 = clock_mono_ms();
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_UNAVAILABLE);
    assert_true(clock_mono_ms() - t0 < 3000);
    char want[128];
    snprintf(want, sizeof want, "open: no answer from http://127.0.0.1:%d after 3 attempts", port);
    assert_contains(err, want);
    assert_contains(err, "./lab up azurite");
    no_secret(err);
    assert_contains(logged(), "retry 2 of 2");
    /* a host that does not resolve is not retried */
    o.url = "http://no-such-host.invalid:10000/devstoreaccount1/lake";
    t0 = clock_mono_ms();
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_UNAVAILABLE);
    assert_contains(err, "cannot reach http://no-such-host.invalid:10000");
    assert_contains(err, "check the URL");
}

static void test_wrong_key(void **state) {
    (void)state;
    struct storage_options o = options();
    o.shared_key = other_key;
    struct storage *s = NULL;
    char err[2048];
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_DENIED);
    assert_contains(err, "open: denied (403 AuthenticationFailed) with SharedKey for account devstoreaccount1");
    assert_contains(err, "the key is wrong");
    no_secret(err);
    assert_not_contains(err, "bm90LWEtc2lnbmF0dXJl"); /* not even the MAC the server quotes */
    assert_int_equal(fk.bad_signatures, 1);           /* and not retried */
}

static void test_clock_skew(void **state) {
    (void)state;
    struct storage_options o = options();
    struct storage *s = open_ok(&o);
    inject(FAULT_STATUS, 403, "AuthenticationFailed", "Request date header too old: 'Wed, 02 Dec 2026 03:00:00 GMT'",
           NULL);
    char err[2048];
    assert_int_equal(put(s, "c", "x", NULL, 0, err, sizeof err), STORAGE_DENIED);
    assert_contains(err, "SharedKey for account devstoreaccount1: the service says the request time is off");
    assert_contains(err, "clock");
    no_secret(err);
    storage_close(s);
}

static const char *sas(const char *start, const char *expiry, const char *perms) {
    static char token[512];
    snprintf(token, sizeof token, "sv=2021-08-06&st=%s&se=%s&sr=c&sp=%s&sig=" SAS_SIG, start, expiry, perms);
    return token;
}

static void test_sas(void **state) {
    (void)state;
    fk.auth = FAKE_SAS;
    struct storage_options o = options();
    o.shared_key = NULL;
    o.sas = sas("2020-01-01T00%3A00%3A00Z", "2999-01-01T00%3A00%3A00Z", "racwdl");
    struct storage *s = open_ok(&o);
    assert_contains(storage_describe(s), "(SAS)");
    assert_not_contains(storage_describe(s), SAS_SIG);
    put_ok(s, "s", "via sas", NULL, 0);
    char *d = get_ok(s, "s", 0, -1);
    assert_string_equal(d, "via sas");
    free(d);
    pthread_mutex_lock(&fk.mu);
    for (int i = 0; i < fk.nseen; i++) {
        assert_false(fk.seen[i].authorization);
        assert_contains(fk.seen[i].uri, "&sig=" SAS_SIG);
    }
    pthread_mutex_unlock(&fk.mu);
    storage_close(s);
    /* a leading '?' is fine */
    char q[600];
    snprintf(q, sizeof q, "?%s", o.sas);
    o.sas = q;
    s = open_ok(&o);
    storage_close(s);
}

static void test_sas_denied(void **state) {
    (void)state;
    fk.auth = FAKE_SAS;
    struct storage_options o = options();
    o.shared_key = NULL;
    char err[2048];
    struct storage *s = NULL;
    /* expired: said from the token's own se=, whatever the server's detail */
    o.sas = sas("2020-01-01T00:00:00Z", "2020-02-01T00%3A00%3A00Z", "rl");
    inject(FAULT_STATUS, 403, "AuthenticationFailed",
           "Signed expiry time [Sat, 01 Feb 2020 00:00:00 GMT] must be after signed start time", NULL);
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_DENIED);
    assert_contains(err,
                    "open: denied (403 AuthenticationFailed) with the SAS: the SAS expired at 2020-02-01T00:00:00Z");
    no_secret(err);
    /* not yet valid */
    o.sas = sas("2999-01-01T00:00:00Z", "2999-02-01T00:00:00Z", "rl");
    inject(FAULT_STATUS, 403, "AuthorizationFailure", NULL, NULL);
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_DENIED);
    assert_contains(err, "the SAS is not valid before 2999-01-01T00:00:00Z");
    no_secret(err);
    /* valid here, out of its window there: the clocks disagree */
    o.sas = sas("2020-01-01T00:00:00Z", "2999-02-01T00:00:00Z", "rl");
    inject(FAULT_STATUS, 403, "AuthenticationFailed",
           "Signature not valid in the specified time frame: Start [x] - Expiry [y] - Current [z]", NULL);
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_DENIED);
    assert_contains(err, "outside its time window");
    assert_contains(err, "check the clock");
    no_secret(err);
    /* a missing permission names the operation and what it needs */
    s = open_ok(&o);
    inject(FAULT_STATUS, 403, "AuthorizationPermissionMismatch", NULL, NULL);
    assert_int_equal(put(s, "p", "x", NULL, 0, err, sizeof err), STORAGE_DENIED);
    assert_contains(err, "put 'p': denied (403 AuthorizationPermissionMismatch) with the SAS: the SAS does not allow "
                         "put (it grants sp=rl; put needs c and w");
    no_secret(err);
    storage_close(s);
    /* a signature the service does not accept */
    o.sas = "sv=2021-08-06&se=2999-01-01T00:00:00Z&sr=c&sp=rl&sig=d3Jvbmc%3D";
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_DENIED);
    assert_contains(err, "the SAS's signature does not match");
    assert_not_contains(err, "d3Jvbmc");
    no_secret(err);
}

static void test_bad_credentials(void **state) {
    (void)state;
    struct storage_options o = options();
    struct storage *s = NULL;
    char err[2048];
    o.shared_key = "not base64!";
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "the SharedKey for account devstoreaccount1 is not base64");
    assert_not_contains(err, "not base64!");
    o.shared_key = key;
    o.sas = sas("2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "rl");
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "both a SharedKey and a SAS");
    no_secret(err);
    o.shared_key = NULL;
    o.sas = "sv=2021-08-06&sp=rl";
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "no sig=");
    o.sas = "sv=2021 08&sig=" SAS_SIG;
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "a character a query cannot hold");
    no_secret(err);
    o.sas = NULL;
    o.list_page_size = 5001;
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "page size");
    assert_int_equal(count_seen("GET", ""), 0); /* none of these asked the service */
}

/* No credential: the requests go unsigned, and a 403 says so. */
static void test_anonymous(void **state) {
    (void)state;
    struct storage_options o = options();
    o.shared_key = NULL;
    struct storage *s = NULL;
    char err[2048];
    assert_int_equal(storage_open(&o, &s, err, sizeof err), STORAGE_DENIED);
    assert_contains(err, "with no credential: the container is not public: give a SharedKey or a SAS");
}

int main(void) {
    log_init("test_storage_azure");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_container, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_absent_single, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retries_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transport_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_skew, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sas_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_anonymous, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
