/* SharedKey signing: see storage_sign.h. */
#include "storage_sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "storage_codec.h"

/* The standard headers of the string to sign, in its order. */
static const char *const standard[] = {
    "Content-Encoding",  "Content-Language", "Content-Length", "Content-MD5",         "Content-Type", "Date",
    "If-Modified-Since", "If-Match",         "If-None-Match",  "If-Unmodified-Since", "Range",
};

struct text {
    char *s;
    size_t len, cap;
    int failed;
};

static void add(struct text *t, const char *s, size_t n) {
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->s, cap);
        if (!p) {
            t->failed = 1;
            return;
        }
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void adds(struct text *t, const char *s) { add(t, s, strlen(s)); }

static void add_lower(struct text *t, const char *s) {
    for (; *s; s++) {
        char c = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
        add(t, &c, 1);
    }
}

static const char *header_value(const struct sign_request *r, const char *name) {
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* Byte order of the lower-cased names (query parameters). */
static int lower_cmp(const char *a, const char *b) {
    for (;; a++, b++) {
        int ca = lower((unsigned char)*a), cb = lower((unsigned char)*b);
        if (ca != cb || !ca)
            return ca - cb;
    }
}

/* A character's weight in the service's collation of header names: '-' and
 * '\'' are ignored (0), other symbols come before digits, digits before
 * letters, case aside. */
static int weight(int c) {
    c = lower(c);
    if (c == '-' || c == '\'')
        return 0;
    if (c >= 'a' && c <= 'z')
        return 1000 + c;
    if (c >= '0' && c <= '9')
        return 500 + c;
    return 100 + c;
}

/* The order the service sorts x-ms-* names in (Microsoft's SDKs emulate
 * it): by weights, skipping the ignored characters, a prefix first; names
 * equal that way by bytes. It differs from byte order where '_' meets a
 * digit ("a_1" < "a1") or '-' meets anything. */
static int header_cmp(const char *a, const char *b) {
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    for (;;) {
        while (*p && !weight(*p))
            p++;
        while (*q && !weight(*q))
            q++;
        if (!*p || !*q) {
            if (*p || *q)
                return *p ? 1 : -1;
            return lower_cmp(a, b);
        }
        if (weight(*p) != weight(*q))
            return weight(*p) - weight(*q);
        p++;
        q++;
    }
}

static int query_cmp(const void *a, const void *b) {
    return lower_cmp((*(const struct storage_kv *const *)a)->name, (*(const struct storage_kv *const *)b)->name);
}

static int header_kv_cmp(const void *a, const void *b) {
    return header_cmp((*(const struct storage_kv *const *)a)->name, (*(const struct storage_kv *const *)b)->name);
}

/* Pointers to the pairs of kv (those whose name starts with prefix, when
 * given), sorted by cmp. NULL when out of memory. */
static const struct storage_kv **sorted(const struct storage_kv *kv, size_t n, const char *prefix,
                                        int (*cmp)(const void *, const void *), size_t *count) {
    const struct storage_kv **v = malloc((n ? n : 1) * sizeof *v);
    *count = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!prefix || strncasecmp(kv[i].name, prefix, strlen(prefix)) == 0)
            v[(*count)++] = &kv[i];
    qsort(v, *count, sizeof *v, cmp);
    return v;
}

static void add_trimmed(struct text *t, const char *v) {
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    add(t, v, n);
}

char *sign_string_to_sign(const struct sign_request *r) {
    struct text t = {0};
    adds(&t, r->method);
    for (size_t i = 0; i < sizeof standard / sizeof standard[0]; i++) {
        const char *v = header_value(r, standard[i]);
        adds(&t, "\n");
        if (v && !(strcmp(standard[i], "Content-Length") == 0 && strcmp(v, "0") == 0))
            add_trimmed(&t, v);
    }
    adds(&t, "\n");
    size_t nh, nq;
    const struct storage_kv **h = sorted(r->headers, r->nheaders, "x-ms-", header_kv_cmp, &nh);
    const struct storage_kv **q = sorted(r->query, r->nquery, NULL, query_cmp, &nq);
    if (!h || !q) {
        free(h);
        free(q);
        free(t.s);
        return NULL;
    }
    for (size_t i = 0; i < nh; i++) {
        add_lower(&t, h[i]->name);
        adds(&t, ":");
        add_trimmed(&t, h[i]->value);
        adds(&t, "\n");
    }
    adds(&t, "/");
    adds(&t, r->account);
    adds(&t, r->path);
    for (size_t i = 0; i < nq; i++) {
        adds(&t, "\n");
        add_lower(&t, q[i]->name);
        adds(&t, ":");
        adds(&t, q[i]->value);
    }
    free(h);
    free(q);
    if (t.failed) {
        free(t.s);
        return NULL;
    }
    return t.s;
}

int sign_hmac_base64(const unsigned char *key, size_t keylen, const char *text, char *out, size_t cap) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)text, strlen(text), mac, &maclen))
        return -1;
    return codec_base64_encode(mac, maclen, out, cap) < 0 ? -1 : 0;
}
