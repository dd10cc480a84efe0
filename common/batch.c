/* A batch of serialized Kafka records: see batch.h. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#define NO_VALUE SIZE_MAX /* a tombstone's value offset */

struct slot {
    size_t topic, columns, key, key_len, value, value_len; /* offsets into bytes; key_len SIZE_MAX: no key;
                                                              columns SIZE_MAX: none */
};

struct batch {
    char *bytes;
    size_t used, cap;
    struct slot *slots;
    size_t count, slots_cap;
    size_t last_topic;   /* offset of the topic of the last record; SIZE_MAX: none */
    size_t last_columns; /* offset of the last columns text stored; SIZE_MAX: none */

    size_t whole_count, whole_used; /* the mark: where the last whole transaction ends */
    struct batch_totals totals;
    char *position;
    size_t position_cap;
};

struct batch *batch_new(void) {
    struct batch *b = calloc(1, sizeof *b);
    if (b)
        batch_clear(b);
    return b;
}

void batch_free(struct batch *b) {
    if (!b)
        return;
    free(b->bytes);
    free(b->slots);
    free(b->position);
    free(b);
}

void batch_clear(struct batch *b) {
    b->used = b->count = b->whole_count = b->whole_used = 0;
    b->last_topic = b->last_columns = SIZE_MAX;
    memset(&b->totals, 0, sizeof b->totals);
    if (b->position)
        b->position[0] = '\0';
}

/* Copies n bytes in; their offset, or SIZE_MAX when out of memory. */
static size_t put(struct batch *b, const void *data, size_t n) {
    if (b->cap - b->used < n) {
        size_t cap = b->cap ? b->cap : 64 * 1024;
        while (cap - b->used < n)
            cap *= 2;
        char *bytes = realloc(b->bytes, cap);
        if (!bytes)
            return SIZE_MAX;
        b->bytes = bytes;
        b->cap = cap;
    }
    size_t at = b->used;
    if (n)
        memcpy(b->bytes + at, data, n);
    b->used += n;
    return at;
}

/* The offset of text stored once per run: *last's when equal, else a new
 * copy (*last moves to it); SIZE_MAX when out of memory. */
static size_t put_once(struct batch *b, const char *text, size_t *last) {
    if (*last != SIZE_MAX && strcmp(b->bytes + *last, text) == 0)
        return *last;
    size_t at = put(b, text, strlen(text) + 1);
    if (at != SIZE_MAX)
        *last = at;
    return at;
}

int batch_add(struct batch *b, const char *topic, const char *columns, const void *key, size_t key_len,
              const void *value, size_t value_len) {
    if (b->count == b->slots_cap) {
        size_t cap = b->slots_cap ? b->slots_cap * 2 : 1024;
        struct slot *slots = realloc(b->slots, cap * sizeof *slots);
        if (!slots)
            return -1;
        b->slots = slots;
        b->slots_cap = cap;
    }
    struct slot s;
    if ((s.topic = put_once(b, topic, &b->last_topic)) == SIZE_MAX)
        return -1;
    s.columns = SIZE_MAX;
    if (columns && (s.columns = put_once(b, columns, &b->last_columns)) == SIZE_MAX)
        return -1;
    s.key_len = key ? key_len : SIZE_MAX;
    s.key = key ? put(b, key, key_len) : 0;
    s.value_len = value_len;
    s.value = value ? put(b, value, value_len) : NO_VALUE;
    if (s.key == SIZE_MAX || (value && s.value == NO_VALUE))
        return -1;
    b->slots[b->count++] = s;
    return 0;
}

int batch_end_transaction(struct batch *b, const char *position, uint64_t events, int64_t last_event_ms) {
    size_t len = strlen(position) + 1;
    if (len > b->position_cap) {
        char *copy = realloc(b->position, len);
        if (!copy)
            return -1;
        b->position = copy;
        b->position_cap = len;
    }
    memcpy(b->position, position, len);
    b->whole_count = b->count;
    b->whole_used = b->used;
    b->totals.events += events;
    b->totals.transactions++;
    if (last_event_ms)
        b->totals.last_event_ms = last_event_ms;
    return 0;
}

void batch_seal(struct batch *b) {
    b->whole_count = b->count;
    b->whole_used = b->used;
}

void batch_drop_open(struct batch *b) {
    b->count = b->whole_count;
    b->used = b->whole_used;
    /* The last topic and columns may lie in what was dropped (the next
     * columns are stored anew). */
    b->last_topic = b->count ? b->slots[b->count - 1].topic : SIZE_MAX;
    b->last_columns = SIZE_MAX;
}

size_t batch_count(const struct batch *b) { return b->count; }
size_t batch_bytes(const struct batch *b) { return b->used; }
size_t batch_whole_count(const struct batch *b) { return b->whole_count; }
const char *batch_position(const struct batch *b) { return b->position ? b->position : ""; }
const struct batch_totals *batch_totals(const struct batch *b) { return &b->totals; }

struct batch_record batch_record(const struct batch *b, size_t i) {
    const struct slot *s = &b->slots[i];
    struct batch_record r = {
        .topic = b->bytes + s->topic,
        .key = s->key_len == SIZE_MAX ? NULL : b->bytes + s->key,
        .key_len = s->key_len == SIZE_MAX ? 0 : s->key_len,
        .value = s->value == NO_VALUE ? NULL : b->bytes + s->value,
        .value_len = s->value == NO_VALUE ? 0 : s->value_len,
        .columns = s->columns == SIZE_MAX ? NULL : b->bytes + s->columns,
    };
    return r;
}
