/* The provenance header: where a replicated record came from, written on
 * every record replicate copies, as Confluent Replicator does:
 *
 *   bridgelab.provenance: <source cluster id>,<topic>,<partition>,<offset>
 *
 * A record whose provenance names the destination cluster came from there
 * and is not copied back, so two replicators running opposite ways never
 * loop, even with identical topic names. A record copied again (a chain of
 * clusters) keeps the headers it had and gains one more; any of them naming
 * the destination stops it. Cluster ids (base64url) and topic names never
 * hold a comma, so the format parses one way only. */
#ifndef BRIDGELAB_BRIDGE_REPLICATE_PROVENANCE_H
#define BRIDGELAB_BRIDGE_REPLICATE_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#define PROVENANCE_HEADER "bridgelab.provenance"

struct provenance {
    char cluster[128];
    char topic[256];
    int32_t partition;
    int64_t offset;
};

/* The longest value replicate writes: a cluster id and a topic name (249
 * bytes at most), a partition and an offset. */
#define PROVENANCE_VALUE_MAX 512

/* Writes what every record of one partition shares,
 * "<cluster>,<topic>,<partition>,"; its length, or -1 when it does not fit. */
int provenance_prefix(char *out, size_t outlen, const char *cluster, const char *topic, int32_t partition);

/* Completes the value whose prefix (prefix_len bytes) is in out with a
 * record's offset, with no printf: it runs once per record copied. The
 * value's length, or -1 when it does not fit. */
int provenance_complete(char *out, size_t outlen, size_t prefix_len, int64_t offset);

/* Parses a header's value (not NUL-terminated); 0, or -1 when malformed. */
int provenance_parse(const void *value, size_t len, struct provenance *out);

/* True when some provenance header of the record names cluster (a malformed
 * one names none). headers may be NULL. */
int provenance_from(const rd_kafka_headers_t *headers, const char *cluster);

#endif
