/* The storage client's front: see storage.h.
 *
 * It parses the URL into a location, picks the store for it (a small table
 * of operations, storage_store.h), and checks every name, prefix and piece
 * of metadata before a store sees it, so that the local folder and Azure
 * refuse the same inputs with the same words. */
#include "storage.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "storage_store.h"

#define NAME_MAX_BYTES 1024
#define META_MAX_BYTES 8192 /* Azure's limit on a blob's metadata */

struct storage {
    const struct storage_store_ops *ops;
    void *store;
    char description[PATH_MAX + 1200];
};

/* ------------------------------------------------------------- locations --- */

static int hexval(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes src[0..n) into out (cap bytes, NUL-terminated). */
static int decode_path(const char *src, size_t n, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)src[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = hexval(src[i + 1]), l = hexval(src[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = h * 16 + l;
            i += 2;
        }
        if (c == 0 || o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

static int parse_file_url(const char *url, struct storage_location *loc, char *err, size_t errlen) {
    const char *path = url + strlen("file://");
    if (path[0] != '/') {
        snprintf(err, errlen, "URL '%s': a file URL names an absolute folder: file:///path/to/lake", url);
        return -1;
    }
    size_t n = strcspn(path, "?#");
    if (path[n]) {
        snprintf(err, errlen, "URL '%.*s...': a file URL takes no query or fragment", (int)(path - url + n), url);
        return -1;
    }
    if (decode_path(path, n, loc->folder, sizeof loc->folder) != 0) {
        snprintf(err, errlen, "URL '%s': a bad percent-escape or a path longer than %zu bytes", url,
                 sizeof loc->folder - 1);
        return -1;
    }
    size_t len = strlen(loc->folder);
    while (len > 1 && loc->folder[len - 1] == '/')
        loc->folder[--len] = '\0';
    loc->kind = STORAGE_KIND_LOCAL;
    return 0;
}

/* Azure's rules: 3-24 lower-case letters and digits. */
static int account_ok(const char *a) {
    size_t n = strlen(a);
    if (n < 3 || n > 24)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)a[i]) && !isdigit((unsigned char)a[i]))
            return 0;
    return 1;
}

/* Azure's rules: 3-63 of a-z 0-9 '-', starting and ending with a letter or
 * a digit, no "--". */
static int container_ok(const char *c) {
    size_t n = strlen(c);
    if (n < 3 || n > 63 || c[0] == '-' || c[n - 1] == '-' || strstr(c, "--"))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)c[i]) && !isdigit((unsigned char)c[i]) && c[i] != '-')
            return 0;
    return 1;
}

/* Splits path (after the authority) into at most 3 '/'-separated segments,
 * ignoring one trailing '/'. Returns the count, or -1 for an empty segment
 * or too many. */
static int split_segments(const char *path, char seg[3][256]) {
    int n = 0;
    const char *p = path;
    if (*p == '/')
        p++;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (len == 0 || len >= 256 || n == 3)
            return -1;
        memcpy(seg[n], p, len);
        seg[n][len] = '\0';
        n++;
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

/* The host's account when it is <account>.blob.<suffix> or
 * <account>.dfs.<suffix>; *suffix points after ".blob."/".dfs.". */
static int account_host(const char *host, size_t hostlen, size_t *account_len, const char **suffix) {
    const char *dot = memchr(host, '.', hostlen);
    if (!dot)
        return 0;
    size_t rest = hostlen - (size_t)(dot - host);
    if (rest > 6 && strncmp(dot, ".blob.", 6) == 0)
        *suffix = dot + 6;
    else if (rest > 5 && strncmp(dot, ".dfs.", 5) == 0)
        *suffix = dot + 5;
    else
        return 0;
    *account_len = (size_t)(dot - host);
    return 1;
}

static int set_account(struct storage_location *loc, const char *name, size_t len, const char *url, char *err,
                       size_t errlen) {
    if (len >= sizeof loc->account) {
        snprintf(err, errlen, "URL '%s': the account name is too long", url);
        return -1;
    }
    memcpy(loc->account, name, len);
    loc->account[len] = '\0';
    if (!account_ok(loc->account)) {
        snprintf(err, errlen,
                 "URL '%s': account '%s' is not an Azure account name (3-24 lower-case letters and digits)", url,
                 loc->account);
        return -1;
    }
    return 0;
}

static int set_container(struct storage_location *loc, const char *name, const char *url, char *err, size_t errlen) {
    if (!container_ok(name)) {
        snprintf(err, errlen,
                 "URL '%s': '%s' is not a container name (3-63 of a-z, 0-9 and '-', starting and ending with a "
                 "letter or digit)",
                 url, name);
        return -1;
    }
    memcpy(loc->container, name, strlen(name) + 1); /* at most 63 bytes: checked */
    return 0;
}

static int parse_azure_url(const char *url, const char *account, struct storage_location *loc, char *err,
                           size_t errlen) {
    size_t q = strcspn(url, "?#");
    if (url[q]) {
        /* A pasted SAS URL: say so without echoing the token. */
        snprintf(err, errlen,
                 "URL '%.*s...' has a query string: give a SAS in its own setting (a .sas.file), never in the URL",
                 (int)q, url);
        return -1;
    }
    const char *auth = strstr(url, "://") + 3;
    size_t authlen = strcspn(auth, "/");
    if (memchr(auth, '@', authlen)) {
        snprintf(err, errlen, "URL: credentials do not go in the URL: give a key or SAS in its own setting");
        return -1;
    }
    const char *port = NULL;
    size_t hostlen = authlen;
    if (auth[0] == '[') {
        const char *close = memchr(auth, ']', authlen);
        if (!close) {
            snprintf(err, errlen, "URL '%s': an IPv6 host without its ']'", url);
            return -1;
        }
        hostlen = (size_t)(close - auth) + 1;
    } else {
        hostlen = strcspn(auth, ":/");
    }
    if (hostlen < authlen) {
        if (auth[hostlen] != ':') {
            snprintf(err, errlen, "URL '%s': a bad host", url);
            return -1;
        }
        port = auth + hostlen + 1;
        size_t plen = authlen - hostlen - 1;
        if (plen == 0 || plen > 5 || strspn(port, "0123456789") != plen) {
            snprintf(err, errlen, "URL '%s': a bad port", url);
            return -1;
        }
    }
    if (hostlen == 0) {
        snprintf(err, errlen, "URL '%s': no host", url);
        return -1;
    }
    char seg[3][256];
    int nseg = split_segments(auth + authlen, seg);
    size_t scheme_len = (size_t)(auth - url);
    size_t account_len = 0;
    const char *suffix = NULL;
    if (account_host(auth, hostlen, &account_len, &suffix)) {
        /* https://<account>.blob.core.windows.net/<container>; the dfs host
         * is the same account, served here through its blob host. */
        if (nseg != 1) {
            snprintf(err, errlen, "URL '%s': expected https://<account>.blob.<suffix>/<container>", url);
            return -1;
        }
        if (set_account(loc, auth, account_len, url, err, errlen) != 0 ||
            set_container(loc, seg[0], url, err, errlen) != 0)
            return -1;
        int w = snprintf(loc->endpoint, sizeof loc->endpoint, "%.*s%.*s.blob.%.*s", (int)scheme_len, url,
                         (int)account_len, auth, (int)(authlen - (size_t)(suffix - auth)), suffix);
        if (w < 0 || (size_t)w >= sizeof loc->endpoint) {
            snprintf(err, errlen, "URL '%s': the host is too long", url);
            return -1;
        }
        snprintf(loc->base_path, sizeof loc->base_path, "/%s", loc->container);
    } else {
        /* Path style, as Azurite serves: http://host:port/<account>/<container>. */
        if (nseg != 2) {
            snprintf(err, errlen, "URL '%s': expected http(s)://host:port/<account>/<container>", url);
            return -1;
        }
        if (set_account(loc, seg[0], strlen(seg[0]), url, err, errlen) != 0 ||
            set_container(loc, seg[1], url, err, errlen) != 0)
            return -1;
        int w = snprintf(loc->endpoint, sizeof loc->endpoint, "%.*s", (int)(scheme_len + authlen), url);
        if (w < 0 || (size_t)w >= sizeof loc->endpoint) {
            snprintf(err, errlen, "URL '%s': the host is too long", url);
            return -1;
        }
        snprintf(loc->base_path, sizeof loc->base_path, "/%s/%s", loc->account, loc->container);
    }
    if (account && *account && set_account(loc, account, strlen(account), url, err, errlen) != 0)
        return -1;
    loc->kind = STORAGE_KIND_AZURE;
    return 0;
}

int storage_location_parse(const char *url, const char *account, struct storage_location *loc, char *err,
                           size_t errlen) {
    memset(loc, 0, sizeof *loc);
    if (!url || !*url) {
        snprintf(err, errlen,
                 "no URL: give file:///path, http(s)://host:port/account/container or "
                 "https://<account>.blob.core.windows.net/<container>");
        return -1;
    }
    if (strncmp(url, "file://", 7) == 0)
        return parse_file_url(url, loc, err, errlen);
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
        return parse_azure_url(url, account, loc, err, errlen);
    snprintf(err, errlen,
             "URL '%.*s': unknown scheme: use file:///path, http(s)://host:port/account/container or "
             "https://<account>.blob.core.windows.net/<container>",
             (int)strcspn(url, "?#"), url);
    return -1;
}

/* ---------------------------------------------------------------- checks --- */

/* The length of the UTF-8 sequence at s (1-4), or 0 when it is not valid
 * UTF-8 (overlong forms, surrogates and code points past U+10FFFF too). */
static size_t utf8_len(const unsigned char *s) {
    if (s[0] < 0x80)
        return 1;
    size_t n;
    unsigned cp;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Text the stores can carry: UTF-8 without control characters. */
static int text_check(const char *s, char *why, size_t whylen) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7f) {
            snprintf(why, whylen, "a control character (0x%02x) at byte %zu", *p,
                     (size_t)(p - (const unsigned char *)s));
            return -1;
        }
        size_t n = utf8_len(p);
        if (!n) {
            snprintf(why, whylen, "not UTF-8 at byte %zu", (size_t)(p - (const unsigned char *)s));
            return -1;
        }
        p += n;
    }
    return 0;
}

int storage_name_check(const char *name, char *why, size_t whylen) {
    if (!name || !*name) {
        snprintf(why, whylen, "the name is empty");
        return -1;
    }
    size_t n = strlen(name);
    if (n > NAME_MAX_BYTES) {
        snprintf(why, whylen, "longer than %d bytes", NAME_MAX_BYTES);
        return -1;
    }
    if (name[0] == '/') {
        snprintf(why, whylen, "it starts with '/' (names are relative to the container)");
        return -1;
    }
    if (name[n - 1] == '/') {
        snprintf(why, whylen, "it ends with '/' (that names a folder, not a file)");
        return -1;
    }
    if (text_check(name, why, whylen) != 0)
        return -1;
    for (const char *seg = name; *seg;) {
        size_t len = strcspn(seg, "/");
        if (len == 0) {
            snprintf(why, whylen, "an empty segment ('//')");
            return -1;
        }
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.')) {
            snprintf(why, whylen, "a '%.*s' segment", (int)len, seg);
            return -1;
        }
        seg += len;
        if (*seg == '/')
            seg++;
    }
    return 0;
}

static int prefix_check(const char *prefix, char *why, size_t whylen) {
    if (!prefix)
        return 0;
    if (strlen(prefix) > NAME_MAX_BYTES) {
        snprintf(why, whylen, "longer than %d bytes", NAME_MAX_BYTES);
        return -1;
    }
    if (prefix[0] == '/') {
        snprintf(why, whylen, "it starts with '/' (names are relative to the container)");
        return -1;
    }
    return text_check(prefix, why, whylen);
}

static int meta_name_ok(const char *n) {
    if (!n || !(isalpha((unsigned char)n[0]) || n[0] == '_'))
        return 0;
    for (; *n; n++)
        if (!isalnum((unsigned char)*n) && *n != '_')
            return 0;
    return 1;
}

/* A header value: printable ASCII, not empty, no space at either end (HTTP
 * drops it) nor two in a row (which SharedKey signing may fold into one). */
static int header_value_check(const char *v, char *why, size_t whylen) {
    size_t n = v ? strlen(v) : 0;
    if (n == 0) {
        snprintf(why, whylen, "it is empty");
        return -1;
    }
    if (v[0] == ' ' || v[n - 1] == ' ') {
        snprintf(why, whylen, "it starts or ends with a space (HTTP would drop it)");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0x20 || v[i] > 0x7e) {
            snprintf(why, whylen, "a byte 0x%02x (printable ASCII only: percent-encode the rest)", (unsigned char)v[i]);
            return -1;
        }
        if (v[i] == ' ' && v[i + 1] == ' ') {
            snprintf(why, whylen, "two spaces in a row at byte %zu (percent-encode one)", i);
            return -1;
        }
    }
    return 0;
}

int storage_meta_check(const struct storage_meta *meta, char *why, size_t whylen) {
    if (!meta)
        return 0;
    size_t total = 0;
    for (size_t i = 0; i < meta->count; i++) {
        const char *name = meta->names[i], *value = meta->values[i];
        if (!meta_name_ok(name)) {
            snprintf(why, whylen, "metadata name '%s' is not an identifier (letters, digits, '_')", name ? name : "");
            return -1;
        }
        char vwhy[160];
        if (header_value_check(value, vwhy, sizeof vwhy) != 0) {
            snprintf(why, whylen, "metadata %s: not a valid value: %s", name, vwhy);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcasecmp(meta->names[j], name) == 0) {
                snprintf(why, whylen, "metadata name '%s' is given twice (names are case-insensitive)", name);
                return -1;
            }
        }
        total += strlen(name) + strlen(value);
    }
    if (total > META_MAX_BYTES) {
        snprintf(why, whylen, "the metadata is %zu bytes, more than Azure's %d", total, META_MAX_BYTES);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- meta_buf --- */

int storage_meta_buf_add(struct storage_meta_buf *b, const char *name, size_t nlen, const char *value, size_t vlen) {
    if (b->count == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 8;
        char **names = realloc(b->names, cap * sizeof *names);
        if (!names)
            return -1;
        b->names = names;
        char **values = realloc(b->values, cap * sizeof *values);
        if (!values)
            return -1;
        b->values = values;
        b->cap = cap;
    }
    char *n = strndup(name, nlen), *v = strndup(value, vlen);
    if (!n || !v) {
        free(n);
        free(v);
        return -1;
    }
    b->names[b->count] = n;
    b->values[b->count] = v;
    b->count++;
    return 0;
}

struct storage_meta storage_meta_buf_view(const struct storage_meta_buf *b) {
    struct storage_meta m = {b->count, (const char *const *)b->names, (const char *const *)b->values};
    return m;
}

void storage_meta_buf_clear(struct storage_meta_buf *b) {
    for (size_t i = 0; i < b->count; i++) {
        free(b->names[i]);
        free(b->values[i]);
    }
    b->count = 0;
}

void storage_meta_buf_free(struct storage_meta_buf *b) {
    storage_meta_buf_clear(b);
    free(b->names);
    free(b->values);
    b->names = b->values = NULL;
    b->cap = 0;
}

/* ----------------------------------------------------------------- front --- */

static void describe(struct storage *s, const struct storage_location *loc, const struct storage_options *opt) {
    if (loc->kind == STORAGE_KIND_LOCAL) {
        snprintf(s->description, sizeof s->description, "local folder %s", loc->folder);
        return;
    }
    const char *auth = opt->shared_key && *opt->shared_key ? "SharedKey" : opt->sas && *opt->sas ? "SAS" : "anonymous";
    snprintf(s->description, sizeof s->description, "azure blob %s%s (%s)", loc->endpoint, loc->base_path, auth);
}

enum storage_status storage_open(const struct storage_options *opt, struct storage **out, char *err, size_t errlen) {
    *out = NULL;
    struct storage_location loc;
    if (storage_location_parse(opt->url, opt->account, &loc, err, errlen) != 0)
        return STORAGE_INVALID;
    struct storage *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return STORAGE_UNAVAILABLE;
    }
    enum storage_status st;
    if (loc.kind == STORAGE_KIND_LOCAL) {
        s->ops = &storage_local_ops;
        st = storage_local_open(&loc, opt, &s->store, err, errlen);
    } else {
        s->ops = &storage_azure_ops;
        st = storage_azure_open(&loc, opt, &s->store, err, errlen);
    }
    if (st != STORAGE_OK) {
        free(s);
        return st;
    }
    describe(s, &loc, opt);
    *out = s;
    return STORAGE_OK;
}

void storage_close(struct storage *s) {
    if (!s)
        return;
    s->ops->close(s->store);
    free(s);
}

const char *storage_describe(const struct storage *s) { return s->description; }

static enum storage_status bad_name(const char *op, const char *name, char *err, size_t errlen) {
    char why[200];
    if (storage_name_check(name, why, sizeof why) == 0)
        return STORAGE_OK;
    snprintf(err, errlen, "%s '%s': not a valid name: %s", op, name ? name : "", why);
    return STORAGE_INVALID;
}

enum storage_status storage_list(struct storage *s, const char *prefix, const char *delimiter, int metadata,
                                 storage_list_fn fn, void *ctx, char *err, size_t errlen) {
    char why[200];
    if (prefix_check(prefix, why, sizeof why) != 0) {
        snprintf(err, errlen, "list '%s': not a valid prefix: %s", prefix, why);
        return STORAGE_INVALID;
    }
    if (delimiter && (!*delimiter || text_check(delimiter, why, sizeof why) != 0)) {
        snprintf(err, errlen, "list '%s': not a valid delimiter: %s", prefix ? prefix : "",
                 *delimiter ? why : "it is empty (NULL lists flat)");
        return STORAGE_INVALID;
    }
    return s->ops->list(s->store, prefix ? prefix : "", delimiter, metadata, fn, ctx, err, errlen);
}

enum storage_status storage_get(struct storage *s, const char *name, long long offset, long long length, char **data,
                                size_t *len, char *err, size_t errlen) {
    *data = NULL;
    *len = 0;
    enum storage_status st = bad_name("get", name, err, errlen);
    if (st != STORAGE_OK)
        return st;
    if (offset < 0) {
        snprintf(err, errlen, "get '%s': a negative offset (%lld)", name, offset);
        return STORAGE_INVALID;
    }
    return s->ops->get(s->store, name, offset, length, data, len, err, errlen);
}

enum storage_status storage_head(struct storage *s, const char *name, storage_list_fn fn, void *ctx, char *err,
                                 size_t errlen) {
    enum storage_status st = bad_name("head", name, err, errlen);
    return st != STORAGE_OK ? st : s->ops->head(s->store, name, fn, ctx, err, errlen);
}

enum storage_status storage_put(struct storage *s, const char *name, const void *data, size_t len,
                                const char *content_type, const struct storage_meta *meta, int flags, char *err,
                                size_t errlen) {
    enum storage_status st = bad_name("put", name, err, errlen);
    if (st != STORAGE_OK)
        return st;
    char why[300];
    if (storage_meta_check(meta, why, sizeof why) != 0) {
        snprintf(err, errlen, "put '%s': %s", name, why);
        return STORAGE_INVALID;
    }
    if (content_type && header_value_check(content_type, why, sizeof why) != 0) {
        snprintf(err, errlen, "put '%s': not a valid content type: %s", name, why);
        return STORAGE_INVALID;
    }
    return s->ops->put(s->store, name, data, len, content_type ? content_type : "application/octet-stream", meta, flags,
                       err, errlen);
}

enum storage_status storage_delete(struct storage *s, const char *name, char *err, size_t errlen) {
    enum storage_status st = bad_name("delete", name, err, errlen);
    return st != STORAGE_OK ? st : s->ops->del(s->store, name, err, errlen);
}

const char *storage_status_name(enum storage_status st) {
    switch (st) {
    case STORAGE_OK:
        return "ok";
    case STORAGE_NOT_FOUND:
        return "not_found";
    case STORAGE_EXISTS:
        return "exists";
    case STORAGE_DENIED:
        return "denied";
    case STORAGE_UNAVAILABLE:
        return "unavailable";
    case STORAGE_INVALID:
        return "invalid";
    }
    return "unknown";
}
