/* GTID positions as text: see gtid.h. */
#include "gtid.h"

#include <inttypes.h>
#include <stdio.h>
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
        int w = snprintf(out + used, sizeof out - used, "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64, used ? "," : "", d, s, n);
        if (w < 0 || (size_t)w >= sizeof out - used)
            return -1;
        used += (size_t)w;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    if (!found) {
        int w = snprintf(out + used, sizeof out - used, "%s%" PRIu32 "-%" PRIu32 "-%" PRIu64, used ? "," : "", domain,
                         server, sequence);
        if (w < 0 || (size_t)w >= sizeof out - used)
            return -1;
        used += (size_t)w;
    }
    if (used + 1 > size)
        return -1;
    memcpy(pos, out, used + 1);
    return 0;
}
