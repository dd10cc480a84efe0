/* Files' metadata and the resume position they give: see lake_position.h. */
#include "lake_position.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const field_names[LAKE_META_FIELDS] = {
    "bridgelab_topic",       "bridgelab_partition",   "bridgelab_first_offset",
    "bridgelab_last_offset", "bridgelab_records",     "bridgelab_flush_start",
    "bridgelab_flush_end",   "bridgelab_flush_files", "bridgelab_flush_index",
};

void lake_file_meta_build(const struct lake_file_facts *f, struct lake_file_meta *out) {
    const long long numbers[LAKE_META_FIELDS] = {0,
                                                 f->partition,
                                                 f->first_offset,
                                                 f->last_offset,
                                                 f->records,
                                                 f->flush_start,
                                                 f->flush_end,
                                                 f->flush_files,
                                                 f->flush_index};
    for (int i = 0; i < LAKE_META_FIELDS; i++) {
        out->names[i] = field_names[i];
        if (i == 0)
            snprintf(out->text[i], sizeof out->text[i], "%s", f->topic);
        else
            snprintf(out->text[i], sizeof out->text[i], "%lld", numbers[i]);
        out->values[i] = out->text[i];
    }
    out->meta.count = LAKE_META_FIELDS;
    out->meta.names = out->names;
    out->meta.values = out->values;
}

static const char *find(const struct storage_meta *meta, const char *name) {
    for (size_t i = 0; i < meta->count; i++)
        if (strcasecmp(meta->names[i], name) == 0)
            return meta->values[i];
    return NULL;
}

static int number(const struct storage_meta *meta, int field, long long min, long long *out) {
    const char *text = find(meta, field_names[field]);
    if (!text || !*text)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || *end || v < min)
        return -1;
    *out = v;
    return 0;
}

int lake_file_facts_parse(const struct storage_meta *meta, struct lake_file_facts *out) {
    memset(out, 0, sizeof *out);
    const char *topic = find(meta, field_names[0]);
    if (!topic || !*topic || strlen(topic) >= sizeof out->topic)
        return -1;
    snprintf(out->topic, sizeof out->topic, "%s", topic);
    long long v[LAKE_META_FIELDS];
    for (int i = 1; i < LAKE_META_FIELDS; i++)
        if (number(meta, i, 0, &v[i]) != 0)
            return -1;
    if (v[1] > INT32_MAX || v[7] < 1 || v[7] > 1000000 || v[8] >= v[7] || v[6] <= v[5] || v[3] < v[2])
        return -1;
    out->partition = (int32_t)v[1];
    out->first_offset = v[2];
    out->last_offset = v[3];
    out->records = v[4];
    out->flush_start = v[5];
    out->flush_end = v[6];
    out->flush_files = (int)v[7];
    out->flush_index = (int)v[8];
    return 0;
}

void lake_position_init(struct lake_position *p) {
    memset(p, 0, sizeof *p);
    p->lake_end = -1;
    p->resume = -1;
    p->forced_end = -1;
    p->last_flush_start = -1;
    p->last_flush_end = -1;
    p->committed = p->pending_start = p->pending_end = -1;
}

void lake_position_committed(struct lake_position *p, int64_t committed) {
    p->table = 1;
    p->committed = committed;
}

void lake_position_add(struct lake_position *p, const struct lake_file_facts *f) {
    p->files++;
    /* the flush past the committed end (none committed: the first flush) */
    if (p->committed >= 0 ? f->flush_start == p->committed
                          : p->pending_start < 0 || f->flush_start < p->pending_start) {
        p->pending_start = f->flush_start;
        p->pending_end = f->flush_end;
    }
    if (f->flush_end > p->last_flush_end) {
        p->last_flush_end = f->flush_end;
        p->last_flush_start = f->flush_start;
        p->last_flush_files = f->flush_files;
        p->last_flush_seen = 1;
    } else if (f->flush_end == p->last_flush_end) {
        p->last_flush_seen++;
    }
}

void lake_position_finish(struct lake_position *p) {
    if (p->table) {
        p->lake_end = p->committed;
        p->resume = p->committed >= 0 ? p->committed : p->pending_start;
        p->forced_end = p->pending_end;
        return;
    }
    if (p->last_flush_end < 0)
        return;
    if (p->last_flush_seen >= p->last_flush_files) {
        p->lake_end = p->last_flush_end;
        p->resume = p->last_flush_end;
        p->forced_end = -1;
    } else {
        p->lake_end = p->last_flush_start;
        p->resume = p->last_flush_start;
        p->forced_end = p->last_flush_end;
    }
}
