/* The offsets topic's records and the store of a group's positions: see
 * positions.h. The store is a flat array: a replicator holds a few hundred
 * partitions at most, and looks them up only when it assigns them. */
#include "positions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int positions_key(char *out, size_t outlen, const char *group, const char *topic, int32_t partition) {
    int n = snprintf(out, outlen, "%s|%s|%d", group, topic, (int)partition);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

int positions_parse_key(const void *key, size_t len, const char *group, char *topic, size_t topiclen,
                        int32_t *partition) {
    const char *text = key;
    size_t glen = strlen(group);
    if (!key || !len)
        return -1;
    if (len <= glen || memcmp(text, group, glen) != 0 || text[glen] != '|')
        return 1; /* another group's, or not a position (the group's heartbeat) */
    /* "<topic>|<partition>" follows; a topic never holds a '|'. */
    const char *rest = text + glen + 1, *end = text + len, *bar = NULL;
    for (const char *c = rest; c < end; c++)
        if (*c == '|')
            bar = c;
    if (!bar || bar == rest || bar + 1 == end || end - (bar + 1) > 10)
        return -1;
    if (memchr(rest, '|', (size_t)(bar - rest)))
        return 1; /* another group, whose name is ours, a '|' and more */
    long long p = 0;
    for (const char *c = bar + 1; c < end; c++) {
        if (*c < '0' || *c > '9')
            return -1;
        p = p * 10 + (*c - '0');
    }
    size_t tlen = (size_t)(bar - rest);
    if (p > INT32_MAX || tlen >= topiclen)
        return -1;
    memcpy(topic, rest, tlen);
    topic[tlen] = '\0';
    *partition = (int32_t)p;
    return 0;
}

int positions_value(char *out, size_t outlen, int64_t source_next, int64_t dest_next) {
    int n = snprintf(out, outlen, "{\"source_next\":%lld,\"dest_next\":%lld}", (long long)source_next,
                     (long long)dest_next);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/* The integer after "name": in text; 0 or -1. */
static int field(const char *text, const char *name, int64_t *out) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", name);
    const char *at = strstr(text, pattern);
    if (!at)
        return -1;
    at += strlen(pattern);
    while (*at == ' ')
        at++;
    char *end;
    long long v = strtoll(at, &end, 10);
    if (end == at || (*end != ',' && *end != '}' && *end != ' '))
        return -1;
    *out = v;
    return 0;
}

int positions_parse_value(const void *value, size_t len, int64_t *source_next, int64_t *dest_next) {
    if (!value || len == 0 || len > 512)
        return -1;
    char text[513];
    memcpy(text, value, len);
    text[len] = '\0';
    if (text[0] != '{' || text[len - 1] != '}')
        return -1;
    if (field(text, "source_next", source_next) != 0 || field(text, "dest_next", dest_next) != 0)
        return -1;
    return *source_next >= 0 && *dest_next >= -1 ? 0 : -1;
}

struct entry {
    char *topic;
    int32_t partition;
    int64_t source_next, dest_next;
};

struct positions_store {
    struct entry *entries;
    size_t count, cap;
};

struct positions_store *positions_store_new(void) {
    return calloc(1, sizeof(struct positions_store));
}

void positions_store_free(struct positions_store *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        free(s->entries[i].topic);
    free(s->entries);
    free(s);
}

static struct entry *find(const struct positions_store *s, const char *topic, int32_t partition) {
    for (size_t i = 0; i < s->count; i++)
        if (s->entries[i].partition == partition && strcmp(s->entries[i].topic, topic) == 0)
            return &s->entries[i];
    return NULL;
}

int positions_store_put(struct positions_store *s, const char *topic, int32_t partition, int64_t source_next,
                        int64_t dest_next) {
    struct entry *e = find(s, topic, partition);
    if (source_next < 0) {
        if (e) {
            free(e->topic);
            *e = s->entries[--s->count];
        }
        return 0;
    }
    if (!e) {
        if (s->count == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 64;
            struct entry *grown = realloc(s->entries, cap * sizeof *grown);
            if (!grown)
                return -1;
            s->entries = grown;
            s->cap = cap;
        }
        e = &s->entries[s->count];
        if (!(e->topic = strdup(topic)))
            return -1;
        e->partition = partition;
        s->count++;
    }
    e->source_next = source_next;
    e->dest_next = dest_next;
    return 0;
}

int positions_store_get(const struct positions_store *s, const char *topic, int32_t partition, int64_t *source_next,
                        int64_t *dest_next) {
    const struct entry *e = find(s, topic, partition);
    if (!e)
        return 0;
    *source_next = e->source_next;
    *dest_next = e->dest_next;
    return 1;
}

int positions_store_has_topic(const struct positions_store *s, const char *topic) {
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->entries[i].topic, topic) == 0)
            return 1;
    return 0;
}

size_t positions_store_count(const struct positions_store *s) { return s->count; }
