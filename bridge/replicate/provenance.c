/* The provenance header's format, parse and loop check: see provenance.h. */
#include "provenance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int provenance_prefix(char *out, size_t outlen, const char *cluster, const char *topic, int32_t partition) {
    int n = snprintf(out, outlen, "%s,%s,%d,", cluster, topic, (int)partition);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

int provenance_complete(char *out, size_t outlen, size_t prefix_len, int64_t offset) {
    char digits[20];
    size_t n = 0;
    uint64_t v = offset < 0 ? 0 : (uint64_t)offset;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (prefix_len + n >= outlen)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[prefix_len + i] = digits[n - 1 - i];
    out[prefix_len + n] = '\0';
    return (int)(prefix_len + n);
}

/* A decimal number of [text, end), all digits; 0 or -1. */
static int parse_number(const char *text, const char *end, long long max, long long *out) {
    if (text == end || end - text > 19)
        return -1;
    long long v = 0;
    for (const char *c = text; c < end; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        if (v > (max - (*c - '0')) / 10)
            return -1;
        v = v * 10 + (*c - '0');
    }
    *out = v;
    return 0;
}

int provenance_parse(const void *value, size_t len, struct provenance *out) {
    if (!value)
        return -1;
    const char *text = value, *end = text + len, *comma[3];
    const char *at = text;
    for (int i = 0; i < 3; i++) {
        comma[i] = memchr(at, ',', (size_t)(end - at));
        if (!comma[i])
            return -1;
        at = comma[i] + 1;
    }
    if (memchr(at, ',', (size_t)(end - at)))
        return -1;
    size_t cluster_len = (size_t)(comma[0] - text), topic_len = (size_t)(comma[1] - comma[0] - 1);
    if (!cluster_len || cluster_len >= sizeof out->cluster || !topic_len || topic_len >= sizeof out->topic)
        return -1;
    long long partition, offset;
    if (parse_number(comma[1] + 1, comma[2], INT32_MAX, &partition) != 0 ||
        parse_number(comma[2] + 1, end, INT64_MAX, &offset) != 0)
        return -1;
    memcpy(out->cluster, text, cluster_len);
    out->cluster[cluster_len] = '\0';
    memcpy(out->topic, comma[0] + 1, topic_len);
    out->topic[topic_len] = '\0';
    out->partition = (int32_t)partition;
    out->offset = offset;
    return 0;
}

int provenance_from(const rd_kafka_headers_t *headers, const char *cluster) {
    if (!headers)
        return 0;
    size_t cluster_len = strlen(cluster);
    const void *value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get(headers, i, PROVENANCE_HEADER, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         i++) {
        const char *comma = value ? memchr(value, ',', size) : NULL;
        if (comma && (size_t)(comma - (const char *)value) == cluster_len && memcmp(value, cluster, cluster_len) == 0)
            return 1;
    }
    return 0;
}
