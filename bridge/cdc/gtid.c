/* GTID positions as text: see gtid.h. */
#include "gtid.h"

#include <stdlib.h>
#include <string.h>

/* Parses one "d-s-n" entry; returns the text after it or NULL. */
static const char *parse_entry(const char *p, uint32_t *domain, uint32_t *server, uint64_t *sequence) {
    char *end;
    unsigned long long d = strtoull(p, &end, 10);
    if (end == p || *end != '-' || d > UINT32_MAX)
        return NULL;
    p = end + 1;
    unsigned long long s = strtoull(p, &end, 10);
    if (end == p || *end != '-' || s > UINT32_MAX)
        return NULL;
    p = end + 1;
    unsigned long long n = strtoull(p, &end, 10);
    if (end == p)
        return NULL;
    *domain = (uint32_t)d;
    *server = (uint32_t)s;
    *sequence = n;
    return end;
}

int gtid_pos_valid(const char *text) {
    const char *p = text;
    while (*p) {
        uint32_t d, s;
        uint64_t n;
        p = parse_entry(p, &d, &s, &n);
        if (!p)
            return 0;
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            return 0;
    }
    return 1;
}

/* Writes n in decimal at out; its length. */
static size_t put_decimal(char *out, uint64_t n) {
    char digits[20];
    size_t len = 0;
    do {
        digits[len++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    for (size_t i = 0; i < len; i++)
        out[i] = digits[len - 1 - i];
    return len;
}

int gtid_format(char *out, size_t size, uint32_t domain, uint32_t server, uint64_t sequence) {
    char text[GTID_TEXT_MAX];
    size_t len = put_decimal(text, domain);
    text[len++] = '-';
    len += put_decimal(text + len, server);
    text[len++] = '-';
    len += put_decimal(text + len, sequence);
    if (len + 1 > size)
        return -1;
    memcpy(out, text, len);
    out[len] = '\0';
    return (int)len;
}

/* Appends ",d-s-n" (no comma first) to out of size, at *used; 0 or -1. */
static int append_entry(char *out, size_t size, size_t *used, uint32_t d, uint32_t s, uint64_t n) {
    if (*used) {
        if (*used + 1 >= size)
            return -1;
        out[(*used)++] = ',';
    }
    int w = gtid_format(out + *used, size - *used, d, s, n);
    if (w < 0)
        return -1;
    *used += (size_t)w;
    return 0;
}

int gtid_pos_set(char *pos, size_t size, uint32_t domain, uint32_t server, uint64_t sequence) {
    char out[4096];
    size_t used = 0;
    int found = 0;
    const char *p = pos;
    while (*p) {
        uint32_t d, s;
        uint64_t n;
        p = parse_entry(p, &d, &s, &n);
        if (!p)
            return -1;
        if (d == domain) {
            s = server;
            n = sequence;
            found = 1;
        }
        if (append_entry(out, sizeof out, &used, d, s, n) != 0)
            return -1;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    if (!found && append_entry(out, sizeof out, &used, domain, server, sequence) != 0)
        return -1;
    if (used + 1 > size)
        return -1;
    memcpy(pos, out, used + 1);
    return 0;
}
