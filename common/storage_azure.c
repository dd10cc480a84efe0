/* The Azure Blob store: the operations of storage.h as Blob REST calls
 * (x-ms-version 2021-08-06), over storage_http.c's reused connection, and
 * every failure turned into one line that says what failed and what to do.
 *
 * - open: List Blobs with maxresults=1 proves the container and the
 *   credential (a SAS needs 'l'); a missing container is created with
 *   `PUT ?restype=container` when asked.
 * - put: a file up to block_bytes is one Put Blob; a larger one is staged
 *   as Put Blocks (ids of one length, with a random per-put part so that
 *   two writers of one name never mix their blocks) and committed by one
 *   Put Block List. STORAGE_PUT_IF_ABSENT sends `If-None-Match: *` with the
 *   commit: 409 BlobAlreadyExists is STORAGE_EXISTS, the blob untouched.
 *   A retried commit whose first attempt went through unseen also answers
 *   EXISTS: the caller tells by the blob's metadata.
 * - list: List Blobs page by page (NextMarker), entries in the service's
 *   name order, names decoded (XML entities, Encoded="true").
 * - get (x-ms-range), head (Get Blob Properties), delete.
 * A credential never goes into a line: not the key, not the SAS. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "clock.h"
#include "storage_codec.h"
#include "storage_http.h"
#include "storage_store.h"
#include "storage_xml.h"

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RETRIES 8
#define DEFAULT_BACKOFF_MS 200
#define DEFAULT_BLOCK_BYTES (4u << 20)
#define MAX_BLOCK_BYTES ((size_t)4000 << 20) /* Azure's limit for one block */

enum auth { AUTH_NONE, AUTH_KEY, AUTH_SAS };

struct azure_store {
    struct storage_location loc;
    struct azure_http *http;
    enum auth auth;
    char sas_permissions[32];
    char sas_start[40], sas_expiry[40]; /* as the token says; "" when absent */
    size_t block_bytes;
    int page_size;
};

/* What an error answer says. */
struct answer {
    char code[64];
    char message[200];
    char detail[300];
};

/* ------------------------------------------------------------ messages --- */

/* Copies text (n bytes at most) into out as one printable line, cut at a
 * "sig=" should a server ever echo a SAS. */
static void clean(const char *text, size_t n, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n && text[i] && o + 1 < cap; i++) {
        if (strncmp(text + i, "sig=", 4) == 0)
            break;
        unsigned char c = (unsigned char)text[i];
        out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    while (o && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

static void read_answer(const struct azure_response *rs, struct answer *an) {
    memset(an, 0, sizeof *an);
    const char *code = azure_response_header(rs, "x-ms-error-code");
    if (code)
        clean(code, strlen(code), an->code, sizeof an->code);
    if (!rs->body_len)
        return;
    char xerr[128];
    struct xml_node *doc = xml_parse(rs->body, rs->body_len, xerr, sizeof xerr);
    if (!doc)
        return;
    const char *c = xml_child_text(doc, "Code"), *m = xml_child_text(doc, "Message");
    const char *d = xml_child_text(doc, "AuthenticationErrorDetail");
    if (c && !an->code[0])
        clean(c, strlen(c), an->code, sizeof an->code);
    if (m) /* its first line: the rest is RequestId and Time */
        clean(m, strcspn(m, "\r\n"), an->message, sizeof an->message);
    if (d)
        clean(d, strlen(d), an->detail, sizeof an->detail);
    xml_free(doc);
}

static int contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

/* The permission (sp=) an operation needs with a SAS. */
static const char *needed_permission(const char *op) {
    if (strcmp(op, "list") == 0 || strcmp(op, "open") == 0)
        return "l (list)";
    if (strcmp(op, "put") == 0)
        return "c and w (create, write)";
    if (strcmp(op, "delete") == 0)
        return "d (delete)";
    if (strcmp(op, "create container") == 0)
        return "an account SAS with c on containers";
    return "r (read)";
}

static void sas_denied(const struct azure_store *a, const char *op, const struct answer *an, char *why, size_t n) {
    long long now = clock_wall_ms() / 1000, t;
    if (a->sas_expiry[0] && codec_iso_time_parse(a->sas_expiry, &t) == 0 && t <= now) {
        snprintf(why, n, "the SAS expired at %s: make a new one", a->sas_expiry);
    } else if (a->sas_start[0] && codec_iso_time_parse(a->sas_start, &t) == 0 && t > now) {
        snprintf(why, n, "the SAS is not valid before %s: wait, or check this machine's clock", a->sas_start);
    } else if (strcmp(an->code, "AuthorizationPermissionMismatch") == 0) {
        snprintf(why, n, "the SAS does not allow %s (it grants sp=%s; %s needs %s): make one with that permission", op,
                 a->sas_permissions, op, needed_permission(op));
    } else if (contains_ci(an->detail, "expir") || contains_ci(an->detail, "time frame") ||
               contains_ci(an->detail, "start time")) {
        snprintf(why, n,
                 "the service says the SAS is outside its time window (%s) although this machine's clock says it is "
                 "not (start %s, expiry %s): check the clock",
                 an->detail, a->sas_start[0] ? a->sas_start : "-", a->sas_expiry[0] ? a->sas_expiry : "-");
    } else if (strcmp(an->code, "AuthenticationFailed") == 0) {
        snprintf(why, n,
                 "the SAS's signature does not match: it was made with another key, or for another account, container "
                 "or set of permissions%s%s",
                 an->detail[0] ? "; the service says: " : "", an->detail);
    } else {
        snprintf(why, n,
                 "the SAS was refused (%s): it may be for another container or account, lack a permission (it grants "
                 "sp=%s; %s needs %s), or a network rule blocks this address",
                 an->code[0] ? an->code : "no reason given", a->sas_permissions, op, needed_permission(op));
    }
}

static void key_denied(const struct azure_store *a, const struct answer *an, char *why, size_t n) {
    /* A bad signature is AuthenticationFailed on Azure, AuthorizationFailure
     * "failed to authenticate" on Azurite. */
    int bad_signature = strcmp(an->code, "AuthenticationFailed") == 0 || contains_ci(an->message, "authenticate");
    /* "Request date header too old", "... not within the permitted time";
     * not a mismatch's detail, which quotes a string to sign with its date */
    if (bad_signature && (contains_ci(an->detail, "date header") || contains_ci(an->detail, "permitted time"))) {
        snprintf(why, n, "the service says the request time is off (%s): set this machine's clock right (NTP)",
                 an->detail);
    } else if (bad_signature) {
        snprintf(why, n,
                 "the signature does not match account %s's key: the key is wrong (or another account's): check the "
                 "key file",
                 a->loc.account);
    } else if (strcmp(an->code, "KeyBasedAuthenticationNotPermitted") == 0) {
        snprintf(why, n, "account %s does not allow SharedKey access: use a SAS", a->loc.account);
    } else {
        snprintf(why, n, "%s%s%s: a network rule or a policy of account %s may forbid this",
                 an->code[0] ? an->code : "refused", an->message[0] ? ": " : "", an->message, a->loc.account);
    }
}

static enum storage_status denied(const struct azure_store *a, const char *op, const char *what,
                                  const struct answer *an, char *err, size_t errlen) {
    char why[700];
    const char *cred;
    char credbuf[320];
    if (a->auth == AUTH_KEY) {
        snprintf(credbuf, sizeof credbuf, "SharedKey for account %s", a->loc.account);
        cred = credbuf;
        key_denied(a, an, why, sizeof why);
    } else if (a->auth == AUTH_SAS) {
        cred = "the SAS";
        sas_denied(a, op, an, why, sizeof why);
    } else {
        cred = "no credential";
        snprintf(why, sizeof why, "the container is not public: give a SharedKey or a SAS");
    }
    snprintf(err, errlen, "azure blob %s/%s: %s: denied (403 %s) with %s: %s", a->loc.account, a->loc.container, what,
             an->code[0] ? an->code : "Forbidden", cred, why);
    return STORAGE_DENIED;
}

static enum storage_status no_answer(const struct azure_store *a, const char *what, const struct azure_response *rs,
                                     char *err, size_t errlen) {
    if (!rs->transport_retriable) {
        snprintf(err, errlen, "azure blob %s/%s: %s: cannot reach %s: %s: check the URL", a->loc.account,
                 a->loc.container, what, a->loc.endpoint, rs->transport);
        return STORAGE_UNAVAILABLE;
    }
    snprintf(err, errlen,
             "azure blob %s/%s: %s: no answer from %s after %d attempt%s in %.1f s (last: %s): start the service "
             "(Azurite: ./lab up azurite) or check the URL and the network",
             a->loc.account, a->loc.container, what, a->loc.endpoint, rs->attempts, rs->attempts == 1 ? "" : "s",
             (double)rs->elapsed_ms / 1000, rs->transport);
    return STORAGE_UNAVAILABLE;
}

/* The status and line for an answer that is not the one wanted. rc is
 * azure_http_send's. */
static enum storage_status fail(const struct azure_store *a, const char *op, const char *name, int rc,
                                const struct azure_response *rs, char *err, size_t errlen) {
    char what[1200];
    if (name)
        snprintf(what, sizeof what, "%s '%s'", op, name);
    else
        snprintf(what, sizeof what, "%s", op);
    if (rc != 0)
        return no_answer(a, what, rs, err, errlen);
    struct answer an;
    read_answer(rs, &an);
    char prefix[1600];
    snprintf(prefix, sizeof prefix, "azure blob %s/%s: %s: ", a->loc.account, a->loc.container, what);
    long st = rs->status;
    if (st == 403)
        return denied(a, op, what, &an, err, errlen);
    if (st == 404 && (strcmp(an.code, "ContainerNotFound") == 0 || !name)) {
        snprintf(err, errlen,
                 "%scontainer %s does not exist in account %s: create it or set sink.create.container=true", prefix,
                 a->loc.container, a->loc.account);
        return STORAGE_NOT_FOUND;
    }
    if (st == 404) {
        snprintf(err, errlen, "%sno such blob", prefix);
        return STORAGE_NOT_FOUND;
    }
    if (st == 409 || st == 412) {
        snprintf(err, errlen, "%sthe name is taken (%ld %s): the existing blob is untouched", prefix, st,
                 an.code[0] ? an.code : "Conflict");
        return STORAGE_EXISTS;
    }
    if (st == 416) {
        snprintf(err, errlen, "%sthe range starts past the end of the blob", prefix);
        return STORAGE_INVALID;
    }
    if (st == 408 || st == 429 || st >= 500) {
        snprintf(err, errlen,
                 "%sthe service answered %ld (%s) to %d attempt%s in %.1f s: it is busy or failing: try "
                 "again later",
                 prefix, st, an.code[0] ? an.code : "no code", rs->attempts, rs->attempts == 1 ? "" : "s",
                 (double)rs->elapsed_ms / 1000);
        return STORAGE_UNAVAILABLE;
    }
    snprintf(err, errlen, "%srefused (%ld %s%s%s): check the URL and the request", prefix, st,
             an.code[0] ? an.code : "no code", an.message[0] ? ": " : "", an.message);
    return st >= 400 && st < 500 ? STORAGE_INVALID : STORAGE_UNAVAILABLE;
}

static enum storage_status no_memory(const struct azure_store *a, const char *op, char *err, size_t errlen) {
    snprintf(err, errlen, "azure blob %s/%s: %s: out of memory", a->loc.account, a->loc.container, op);
    return STORAGE_UNAVAILABLE;
}

/* ------------------------------------------------------------ requests --- */

/* The blob's path as sent: the container's, '/', the name percent-encoded. */
static char *blob_path(const struct azure_store *a, const char *name) {
    char *enc = codec_pct_encode(name, 1);
    if (!enc)
        return NULL;
    size_t n = strlen(a->loc.base_path) + strlen(enc) + 2;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/%s", a->loc.base_path, enc);
    free(enc);
    return path;
}

static int send_request(const struct azure_store *a, const char *method, const char *path,
                        const struct storage_kv *query, size_t nquery, const struct storage_kv *headers,
                        size_t nheaders, const void *body, size_t len, struct azure_response *rs) {
    struct azure_request rq = {method, path, query, nquery, headers, nheaders, body, len};
    return azure_http_send(a->http, &rq, rs);
}

/* ------------------------------------------------------------- listing --- */

/* An entry of a page: its decoded name and its element. */
struct page_item {
    char *name;
    const struct xml_node *node;
};

static int page_item_cmp(const void *a, const void *b) {
    return strcmp(((const struct page_item *)a)->name, ((const struct page_item *)b)->name);
}

/* The page's Blob and BlobPrefix elements with their names decoded
 * (entities by the parser, Encoded="true" here), sorted by name: Azurite
 * puts a page's prefixes after its blobs, and the contract is name order.
 * A page covers a range of names (the next starts at NextMarker), so
 * sorting each page sorts the whole listing. NULL (and *n 0) when empty or
 * out of memory (*oom). */
static struct page_item *page_items(const struct xml_node *blobs, size_t *n, int *oom) {
    size_t cap = 0;
    *n = 0;
    *oom = 0;
    for (const struct xml_node *c = blobs ? blobs->children : NULL; c; c = c->next)
        cap++;
    struct page_item *items = cap ? calloc(cap, sizeof *items) : NULL;
    if (cap && !items) {
        *oom = 1;
        return NULL;
    }
    for (const struct xml_node *c = blobs ? blobs->children : NULL; c; c = c->next) {
        const struct xml_node *name = xml_child(c, "Name");
        if (!name || (strcmp(c->name, "Blob") != 0 && strcmp(c->name, "BlobPrefix") != 0))
            continue;
        const char *encoded = xml_attr(name, "Encoded");
        char *decoded = encoded && strcmp(encoded, "true") == 0 ? codec_pct_decode(name->text, strlen(name->text))
                                                                : strdup(name->text);
        if (!decoded) {
            *oom = 1;
            break;
        }
        items[(*n)++] = (struct page_item){decoded, c};
    }
    if (*n)
        qsort(items, *n, sizeof *items, page_item_cmp);
    return items;
}

/* The entry of a Blob element: size, time, metadata (into meta). */
static int blob_entry(const struct xml_node *blob, struct storage_meta_buf *meta, struct storage_entry *e) {
    const struct xml_node *props = xml_child(blob, "Properties");
    const char *size = xml_child_text(props, "Content-Length");
    const char *modified = xml_child_text(props, "Last-Modified");
    e->size = size ? strtoll(size, NULL, 10) : 0;
    if (modified)
        codec_http_date_parse(modified, &e->last_modified_ms);
    const struct xml_node *md = xml_child(blob, "Metadata");
    for (const struct xml_node *m = md ? md->children : NULL; m; m = m->next)
        if (storage_meta_buf_add(meta, m->name, strlen(m->name), m->text, strlen(m->text)) != 0)
            return -1;
    e->meta = storage_meta_buf_view(meta);
    return 0;
}

/* Calls fn for each entry of a page, in name order; *stop when it asked to. */
static enum storage_status page_entries(const struct azure_store *a, const struct xml_node *blobs, storage_list_fn fn,
                                        void *ctx, int *stop, char *err, size_t errlen) {
    size_t n;
    int oom;
    struct page_item *items = page_items(blobs, &n, &oom);
    struct storage_meta_buf meta = {0};
    enum storage_status st = oom ? no_memory(a, "list", err, errlen) : STORAGE_OK;
    for (size_t i = 0; i < n && st == STORAGE_OK && !*stop; i++) {
        int is_prefix = strcmp(items[i].node->name, "BlobPrefix") == 0;
        struct storage_entry e = {items[i].name, is_prefix, -1, 0, {0, NULL, NULL}};
        storage_meta_buf_clear(&meta);
        if (!is_prefix && blob_entry(items[i].node, &meta, &e) != 0)
            st = no_memory(a, "list", err, errlen);
        else if (fn(&e, ctx))
            *stop = 1;
    }
    for (size_t i = 0; i < n; i++)
        free(items[i].name);
    free(items);
    storage_meta_buf_free(&meta);
    return st;
}

/* One List Blobs page; *marker (owned) becomes the next one, or NULL. */
static enum storage_status list_page(const struct azure_store *a, const char *op, const char *prefix,
                                     const char *delimiter, int metadata, char **marker, storage_list_fn fn, void *ctx,
                                     int *stop, char *err, size_t errlen) {
    struct storage_kv q[7];
    size_t nq = 0;
    char maxresults[16];
    q[nq++] = (struct storage_kv){"restype", "container"};
    q[nq++] = (struct storage_kv){"comp", "list"};
    if (*prefix)
        q[nq++] = (struct storage_kv){"prefix", prefix};
    if (delimiter)
        q[nq++] = (struct storage_kv){"delimiter", delimiter};
    if (*marker)
        q[nq++] = (struct storage_kv){"marker", *marker};
    if (metadata)
        q[nq++] = (struct storage_kv){"include", "metadata"};
    if (a->page_size) {
        snprintf(maxresults, sizeof maxresults, "%d", a->page_size);
        q[nq++] = (struct storage_kv){"maxresults", maxresults};
    }
    struct azure_response rs = {0};
    int rc = send_request(a, "GET", a->loc.base_path, q, nq, NULL, 0, NULL, 0, &rs);
    enum storage_status st = STORAGE_OK;
    if (rc != 0 || rs.status != 200) {
        st = fail(a, op, NULL, rc, &rs, err, errlen);
        azure_response_free(&rs);
        return st;
    }
    char xerr[160];
    struct xml_node *doc = xml_parse(rs.body, rs.body_len, xerr, sizeof xerr);
    azure_response_free(&rs);
    if (!doc || strcmp(doc->name, "EnumerationResults") != 0) {
        snprintf(err, errlen, "azure blob %s/%s: %s: the listing is not an EnumerationResults document: %s",
                 a->loc.account, a->loc.container, op, doc ? "another root element" : xerr);
        xml_free(doc);
        return STORAGE_UNAVAILABLE;
    }
    st = page_entries(a, xml_child(doc, "Blobs"), fn, ctx, stop, err, errlen);
    const char *next = xml_child_text(doc, "NextMarker");
    char *copy = next && *next ? strdup(next) : NULL;
    if (copy && *marker && strcmp(copy, *marker) == 0) {
        snprintf(err, errlen, "azure blob %s/%s: %s: the service gave the same NextMarker twice", a->loc.account,
                 a->loc.container, op);
        st = STORAGE_UNAVAILABLE;
    }
    if (next && *next && !copy && st == STORAGE_OK)
        st = no_memory(a, op, err, errlen);
    free(*marker);
    *marker = copy;
    xml_free(doc);
    return st;
}

static enum storage_status azure_list(void *store, const char *prefix, const char *delimiter, int metadata,
                                      storage_list_fn fn, void *ctx, char *err, size_t errlen) {
    struct azure_store *a = store;
    char *marker = NULL;
    int stop = 0;
    enum storage_status st;
    do {
        st = list_page(a, "list", prefix, delimiter, metadata, &marker, fn, ctx, &stop, err, errlen);
    } while (st == STORAGE_OK && !stop && marker);
    free(marker);
    return st;
}

/* ------------------------------------------------------ get, head, delete --- */

static void entry_from_headers(const struct azure_response *rs, const char *name, struct storage_meta_buf *meta,
                               struct storage_entry *e) {
    const char *size = azure_response_header(rs, "Content-Length");
    const char *modified = azure_response_header(rs, "Last-Modified");
    *e = (struct storage_entry){name, 0, size ? strtoll(size, NULL, 10) : 0, 0, {0, NULL, NULL}};
    if (modified)
        codec_http_date_parse(modified, &e->last_modified_ms);
    for (size_t i = 0; i < rs->nheaders; i++) {
        const char *h = rs->headers[i].name;
        if (strncasecmp(h, "x-ms-meta-", 10) == 0 && h[10])
            storage_meta_buf_add(meta, h + 10, strlen(h + 10), rs->headers[i].value, strlen(rs->headers[i].value));
    }
    e->meta = storage_meta_buf_view(meta);
}

static enum storage_status azure_head(void *store, const char *name, storage_list_fn fn, void *ctx, char *err,
                                      size_t errlen) {
    struct azure_store *a = store;
    char *path = blob_path(a, name);
    if (!path)
        return no_memory(a, "head", err, errlen);
    struct azure_response rs = {0};
    int rc = send_request(a, "HEAD", path, NULL, 0, NULL, 0, NULL, 0, &rs);
    enum storage_status st = STORAGE_OK;
    if (rc != 0 || rs.status != 200) {
        st = fail(a, "head", name, rc, &rs, err, errlen);
    } else {
        struct storage_meta_buf meta = {0};
        struct storage_entry e;
        entry_from_headers(&rs, name, &meta, &e);
        fn(&e, ctx);
        storage_meta_buf_free(&meta);
    }
    azure_response_free(&rs);
    free(path);
    return st;
}

static int ignore_entry(const struct storage_entry *e, void *ctx) {
    (void)e;
    (void)ctx;
    return 0;
}

static enum storage_status azure_get(void *store, const char *name, long long offset, long long length, char **data,
                                     size_t *len, char *err, size_t errlen) {
    struct azure_store *a = store;
    if (length == 0) { /* nothing to read, but the blob must be there */
        enum storage_status st = azure_head(a, name, ignore_entry, NULL, err, errlen);
        if (st == STORAGE_OK && !(*data = calloc(1, 1)))
            st = no_memory(a, "get", err, errlen);
        return st;
    }
    char *path = blob_path(a, name);
    if (!path)
        return no_memory(a, "get", err, errlen);
    char range[64];
    struct storage_kv h[1];
    size_t nh = 0;
    if (offset > 0 || length > 0) {
        if (length > 0)
            snprintf(range, sizeof range, "bytes=%lld-%lld", offset, offset + length - 1);
        else
            snprintf(range, sizeof range, "bytes=%lld-", offset);
        h[nh++] = (struct storage_kv){"x-ms-range", range};
    }
    struct azure_response rs = {0};
    int rc = send_request(a, "GET", path, NULL, 0, h, nh, NULL, 0, &rs);
    enum storage_status st = STORAGE_OK;
    if (rc == 0 && (rs.status == 200 || rs.status == 206)) {
        *data = azure_response_take_body(&rs, len);
        if (!*data)
            st = no_memory(a, "get", err, errlen);
    } else if (rc == 0 && rs.status == 416 && offset == 0) {
        /* a range from 0 of an empty blob */
        if (!(*data = calloc(1, 1)))
            st = no_memory(a, "get", err, errlen);
    } else {
        st = fail(a, "get", name, rc, &rs, err, errlen);
    }
    azure_response_free(&rs);
    free(path);
    return st;
}

static enum storage_status azure_delete(void *store, const char *name, char *err, size_t errlen) {
    struct azure_store *a = store;
    char *path = blob_path(a, name);
    if (!path)
        return no_memory(a, "delete", err, errlen);
    struct azure_response rs = {0};
    int rc = send_request(a, "DELETE", path, NULL, 0, NULL, 0, NULL, 0, &rs);
    enum storage_status st = rc == 0 && rs.status == 202 ? STORAGE_OK : fail(a, "delete", name, rc, &rs, err, errlen);
    azure_response_free(&rs);
    free(path);
    return st;
}

/* ----------------------------------------------------------------- put --- */

/* The headers of a commit: type, create-only, metadata. NULL: no memory. */
static struct storage_kv *commit_headers(const char *content_type, const struct storage_meta *meta, int flags,
                                         int put_blob, size_t *n) {
    size_t count = meta ? meta->count : 0;
    struct storage_kv *h = calloc(count + 3, sizeof *h);
    if (!h)
        return NULL;
    *n = 0;
    if (put_blob)
        h[(*n)++] = (struct storage_kv){"x-ms-blob-type", "BlockBlob"};
    h[(*n)++] = (struct storage_kv){"x-ms-blob-content-type", content_type};
    if (flags & STORAGE_PUT_IF_ABSENT)
        h[(*n)++] = (struct storage_kv){"If-None-Match", "*"};
    for (size_t i = 0; i < count; i++) {
        char *name = malloc(strlen(meta->names[i]) + 11);
        if (!name) {
            for (size_t j = *n - i; j < *n; j++)
                free((char *)h[j].name);
            free(h);
            return NULL;
        }
        sprintf(name, "x-ms-meta-%s", meta->names[i]);
        h[(*n)++] = (struct storage_kv){name, meta->values[i]};
    }
    return h;
}

static void commit_headers_free(struct storage_kv *h, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strncmp(h[i].name, "x-ms-meta-", 10) == 0)
            free((char *)h[i].name);
    free(h);
}

/* Block i's id: base64 of "<16 hex of this put>-<7 digits>", 32 characters. */
static void block_id(const char *nonce, size_t i, char *out, size_t cap) {
    char raw[48]; /* 24 used: i < 50000 */
    snprintf(raw, sizeof raw, "%s-%07zu", nonce, i);
    codec_base64_encode(raw, 24, out, cap);
}

static enum storage_status put_blocks(const struct azure_store *a, const char *name, const char *path, const char *data,
                                      size_t len, const struct storage_kv *commit_h, size_t ncommit, char *err,
                                      size_t errlen) {
    unsigned char r[8] = {0};
    if (getrandom(r, sizeof r, 0) != sizeof r) {
        long long t = clock_mono_us();
        memcpy(r, &t, sizeof r);
    }
    char nonce[17];
    for (int i = 0; i < 8; i++)
        sprintf(nonce + 2 * i, "%02x", r[i]);
    size_t nblocks = (len + a->block_bytes - 1) / a->block_bytes;
    if (nblocks > 50000) {
        snprintf(err, errlen,
                 "azure blob %s/%s: put '%s': %zu bytes make %zu blocks, more than Azure's 50000: raise "
                 "the block size",
                 a->loc.account, a->loc.container, name, len, nblocks);
        return STORAGE_INVALID;
    }
    static const char head[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>", tail[] = "</BlockList>";
    size_t cap = sizeof head + sizeof tail + nblocks * (sizeof "<Latest></Latest>" + 32);
    char *list = malloc(cap);
    if (!list)
        return no_memory(a, "put", err, errlen);
    size_t o = (size_t)sprintf(list, "%s", head);
    enum storage_status st = STORAGE_OK;
    for (size_t i = 0; i < nblocks && st == STORAGE_OK; i++) {
        char id[40];
        block_id(nonce, i, id, sizeof id);
        size_t off = i * a->block_bytes, n = len - off < a->block_bytes ? len - off : a->block_bytes;
        struct storage_kv q[2] = {{"comp", "block"}, {"blockid", id}};
        struct azure_response rs = {0};
        int rc = send_request(a, "PUT", path, q, 2, NULL, 0, data + off, n, &rs);
        if (rc != 0 || rs.status != 201)
            st = fail(a, "put", name, rc, &rs, err, errlen);
        azure_response_free(&rs);
        o += (size_t)sprintf(list + o, "<Latest>%s</Latest>", id);
    }
    if (st == STORAGE_OK) {
        o += (size_t)sprintf(list + o, "%s", tail);
        struct storage_kv q[1] = {{"comp", "blocklist"}};
        struct azure_response rs = {0};
        int rc = send_request(a, "PUT", path, q, 1, commit_h, ncommit, list, o, &rs);
        if (rc != 0 || rs.status != 201)
            st = fail(a, "put", name, rc, &rs, err, errlen);
        azure_response_free(&rs);
    }
    free(list);
    return st;
}

static enum storage_status azure_put(void *store, const char *name, const void *data, size_t len,
                                     const char *content_type, const struct storage_meta *meta, int flags, char *err,
                                     size_t errlen) {
    struct azure_store *a = store;
    int single = len <= a->block_bytes;
    size_t nh;
    struct storage_kv *h = commit_headers(content_type, meta, flags, single, &nh);
    char *path = h ? blob_path(a, name) : NULL;
    enum storage_status st;
    if (!path) {
        st = no_memory(a, "put", err, errlen);
    } else if (single) {
        struct azure_response rs = {0};
        int rc = send_request(a, "PUT", path, NULL, 0, h, nh, data, len, &rs);
        st = rc == 0 && rs.status == 201 ? STORAGE_OK : fail(a, "put", name, rc, &rs, err, errlen);
        azure_response_free(&rs);
    } else {
        st = put_blocks(a, name, path, data, len, h, nh, err, errlen);
    }
    free(path);
    if (h)
        commit_headers_free(h, nh);
    return st;
}

/* ---------------------------------------------------------------- open --- */

static int stop_at_first(const struct storage_entry *e, void *ctx) {
    (void)e;
    (void)ctx;
    return 1;
}

/* The container is there (and the credential lists it), or is made. */
static enum storage_status check_container(struct azure_store *a, int create, char *err, size_t errlen) {
    char *marker = NULL;
    int stop = 0;
    int page = a->page_size;
    a->page_size = 1;
    enum storage_status st = list_page(a, "open", "", NULL, 0, &marker, stop_at_first, NULL, &stop, err, errlen);
    a->page_size = page;
    free(marker);
    if (st != STORAGE_NOT_FOUND || !create)
        return st;
    struct storage_kv q[1] = {{"restype", "container"}};
    struct azure_response rs = {0};
    int rc = send_request(a, "PUT", a->loc.base_path, q, 1, NULL, 0, NULL, 0, &rs);
    st = rc == 0 && (rs.status == 201 || rs.status == 409) ? STORAGE_OK
                                                           : fail(a, "create container", NULL, rc, &rs, err, errlen);
    azure_response_free(&rs);
    return st;
}

/* The SAS's sp=, st= and se= (decoded), for the lines that explain a 403. */
static void read_sas(struct azure_store *a, const char *sas) {
    struct {
        const char *key;
        char *out;
        size_t cap;
    } fields[] = {{"sp=", a->sas_permissions, sizeof a->sas_permissions},
                  {"st=", a->sas_start, sizeof a->sas_start},
                  {"se=", a->sas_expiry, sizeof a->sas_expiry}};
    for (const char *p = sas; *p;) {
        size_t n = strcspn(p, "&");
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            if (n > 3 && strncmp(p, fields[i].key, 3) == 0) {
                char *v = codec_pct_decode(p + 3, n - 3);
                if (v)
                    clean(v, strlen(v), fields[i].out, fields[i].cap);
                free(v);
            }
        }
        p += n + (p[n] == '&');
    }
}

static enum storage_status check_sas(const char *sas, char *err, size_t errlen) {
    for (const char *p = sas; *p; p++) {
        if (*p <= ' ' || *p > '~' || *p == '#') {
            snprintf(err, errlen,
                     "the SAS has a character a query cannot hold (at byte %zu): give the token as Azure "
                     "printed it",
                     (size_t)(p - sas));
            return STORAGE_INVALID;
        }
    }
    if (strncmp(sas, "sig=", 4) != 0 && !strstr(sas, "&sig=")) {
        snprintf(err, errlen, "the SAS has no sig= parameter: give the whole token (sv=...&sig=...)");
        return STORAGE_INVALID;
    }
    return STORAGE_OK;
}

/* The credential: a decoded key, or a checked SAS. */
static enum storage_status read_credential(struct azure_store *a, const struct storage_options *opt, unsigned char *key,
                                           int *keylen, const char **sas, char *err, size_t errlen) {
    int has_key = opt->shared_key && *opt->shared_key, has_sas = opt->sas && *opt->sas;
    *keylen = 0;
    *sas = NULL;
    if (has_key && has_sas) {
        snprintf(err, errlen, "azure blob %s/%s: both a SharedKey and a SAS are given: give one", a->loc.account,
                 a->loc.container);
        return STORAGE_INVALID;
    }
    if (has_key) {
        *keylen = codec_base64_decode(opt->shared_key, key, 128);
        if (*keylen <= 0) {
            snprintf(err, errlen, "azure blob %s/%s: the SharedKey for account %s is not base64: check the key file",
                     a->loc.account, a->loc.container, a->loc.account);
            return STORAGE_INVALID;
        }
        a->auth = AUTH_KEY;
    } else if (has_sas) {
        *sas = opt->sas[0] == '?' ? opt->sas + 1 : opt->sas;
        if (check_sas(*sas, err, errlen) != STORAGE_OK)
            return STORAGE_INVALID;
        read_sas(a, *sas);
        a->auth = AUTH_SAS;
    }
    return STORAGE_OK;
}

enum storage_status storage_azure_open(const struct storage_location *loc, const struct storage_options *opt,
                                       void **store, char *err, size_t errlen) {
    if (opt->list_page_size < 0 || opt->list_page_size > 5000) {
        snprintf(err, errlen, "the list page size %d is not within 1-5000 (0: the service's)", opt->list_page_size);
        return STORAGE_INVALID;
    }
    if (opt->block_bytes > MAX_BLOCK_BYTES) {
        snprintf(err, errlen, "the block size %zu is more than Azure's 4000 MiB", opt->block_bytes);
        return STORAGE_INVALID;
    }
    struct azure_store *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return STORAGE_UNAVAILABLE;
    }
    a->loc = *loc;
    a->block_bytes = opt->block_bytes ? opt->block_bytes : DEFAULT_BLOCK_BYTES;
    a->page_size = opt->list_page_size;
    unsigned char key[128];
    int keylen;
    const char *sas;
    enum storage_status st = read_credential(a, opt, key, &keylen, &sas, err, errlen);
    if (st == STORAGE_OK) {
        struct azure_http_options ho = {
            loc->endpoint,
            loc->account,
            keylen > 0 ? key : NULL,
            keylen > 0 ? (size_t)keylen : 0,
            sas,
            opt->timeout_ms > 0 ? opt->timeout_ms : DEFAULT_TIMEOUT_MS,
            opt->max_retries < 0 ? 0
            : opt->max_retries   ? opt->max_retries
                                 : DEFAULT_RETRIES,
            opt->retry_backoff_ms > 0 ? opt->retry_backoff_ms : DEFAULT_BACKOFF_MS,
        };
        a->http = azure_http_create(&ho, err, errlen);
        st = a->http ? check_container(a, opt->create_container, err, errlen) : STORAGE_UNAVAILABLE;
    }
    explicit_bzero(key, sizeof key);
    if (st != STORAGE_OK) {
        azure_http_free(a->http);
        free(a);
        return st;
    }
    *store = a;
    return STORAGE_OK;
}

static void azure_close(void *store) {
    struct azure_store *a = store;
    azure_http_free(a->http);
    free(a);
}

const struct storage_store_ops storage_azure_ops = {
    azure_list, azure_get, azure_head, azure_put, azure_delete, azure_close,
};
