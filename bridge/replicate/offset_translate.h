/* Exact offset translation: where on the cloud cluster a consumer group
 * resumes after reading an onprem topic up to a committed offset, with no
 * record skipped and none read twice.
 *
 * A client-side replicator cannot keep offsets (the destination assigns
 * them, and each commit adds a control marker), so MirrorMaker 2 keeps a
 * sparse map and translates to an earlier offset (consumers re-read). Here
 * every copied record carries its source offset in its provenance header,
 * and the destination offsets of one source partition's records rise with
 * their source offsets. So the resume point of a committed source offset S
 * is the first destination record of that source partition whose source
 * offset is S or more, found by binary search over the destination
 * partition; records of other origins in the same destination partition
 * are stepped over. When no copied record is at or past S (the rest of the
 * source was markers, aborted records or records sent back), the consumer
 * resumes where replication stands (its stored dest_next). A committed
 * offset past the replicated position cannot be translated yet: the
 * records in between are not on the cloud cluster.
 *
 * offset_search is pure (the probe reads the destination); the rest reads
 * both clusters and writes nothing unless asked to apply. */
#ifndef BRIDGELAB_BRIDGE_REPLICATE_OFFSET_TRANSLATE_H
#define BRIDGELAB_BRIDGE_REPLICATE_OFFSET_TRANSLATE_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

/* probe: the first record of our origin at a destination offset >= from
 * (and < the search's end): 1 with its destination and source offsets, 0
 * when there is none, -1 on a failure (err filled by the probe). */
typedef int (*offset_probe_fn)(void *ctx, int64_t from, int64_t *dest_offset, int64_t *source_offset);

/* The smallest destination offset in [low, high) whose record (of our
 * origin) has a source offset >= source; 1 with it in *dest, 0 when no such
 * record exists, -1 when the probe fails. Calls probe O(log(high - low))
 * times. */
int offset_search(int64_t source, int64_t low, int64_t high, offset_probe_fn probe, void *ctx, int64_t *dest);

enum translate_status {
    TRANSLATED,        /* dest is the resume offset */
    TRANSLATE_NOT_YET, /* the committed offset is past the replicated position */
    TRANSLATE_NO_COPY, /* the topic is not replicated (no stored position) */
};

/* One partition of the group's translation. */
struct translation {
    char source_topic[256], dest_topic[256];
    int32_t partition;
    int64_t committed;  /* the group's committed offset on the source */
    int64_t replicated; /* the replicated source position (source_next); -1: none */
    int64_t dest;       /* the resume offset on the destination, when TRANSLATED */
    enum translate_status status;
};

struct translate_request {
    const rd_kafka_conf_t *source_conf, *dest_conf;
    const char *group;           /* the consumer group to translate */
    const char *replicate_group; /* the replicator whose stored positions say how far it got */
    const char *offsets_topic;   /* where those are stored, on the destination */
    /* The destination name of a source topic; 0, or -1 when it is not replicated. */
    int (*rename)(void *ctx, const char *topic, char *out, size_t outlen);
    void *rename_ctx;
    int timeout_ms;
};

/* Reads the group's committed offsets on the source, the replicator's
 * stored positions and the destination, and translates each partition.
 * Returns the count in *out (malloc'd, sorted by topic and partition; free
 * it), or -1 with err. */
int offset_translate(const struct translate_request *req, struct translation **out, size_t *count, char *err,
                     size_t errlen);

/* Writes the translated offsets into the group on the destination: only
 * when the group has no active members there and only TRANSLATED
 * partitions. Returns 0, 1 when the group has members there (err says so in
 * one line, with what to do), or -1 with err. */
int offset_translate_apply(const struct translate_request *req, const struct translation *t, size_t count, char *err,
                           size_t errlen);

#endif
