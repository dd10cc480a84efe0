/* The settings of `bridge replicate`: its configuration keys, its
 * command-line options (each a shorthand for one key), and the checked
 * values the stage runs on — among them which source topics are replicated
 * (include and exclude regexes, internal topics never) and what each one is
 * called on the destination (replicate.rename.format). */
#ifndef BRIDGELAB_BRIDGE_REPLICATE_SETTINGS_H
#define BRIDGELAB_BRIDGE_REPLICATE_SETTINGS_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "config.h"
#include "log.h"

extern const struct config_key replicate_keys[];
extern const struct cli_option replicate_options[];
extern const struct config_key *const replicate_schema[];

struct replicate_settings {
    const char *dc;
    const char *group_id;     /* names the transactional ids, the stored positions and the source's consumer group */
    int slots;                /* replicate.slots */
    const char *instance_id;  /* replicate.instance.id; NULL: a dynamic member */
    char slots_topic[200];    /* the group's coordination topic on the source: one partition per slot */
    const char *include_text; /* POSIX extended regex, matched against the whole name */
    const char *exclude_text; /* NULL: none */
    regex_t include, exclude;
    int compiled; /* bit 0: include, bit 1: exclude */
    int refresh_ms;
    const char *rename_format; /* ${topic} */
    int topic_replication_factor;
    int batch_max_ms;
    long long batch_max_records;
    long long batch_max_bytes;
    const char *offsets_topic;
    const char *http_listen; /* "" = none */
    int sync_group_offsets;  /* replicate.sync.group.offsets */
    int sync_interval_ms;
    enum log_level log_level;
    char group_buf[128];
};

/* Reads and checks the settings; strings point into cfg. Returns 0, or -1
 * with one line in err naming the key, where it came from and the fix (a bad
 * regex: the key, the regex and what regcomp says). */
int replicate_settings_load(const struct config *cfg, struct replicate_settings *s, char *err, size_t errlen);
void replicate_settings_release(struct replicate_settings *s);

/* True for a topic no replicator copies, whatever the regexes say: Kafka's
 * own (`__consumer_offsets`, `__transaction_state`, any `__*`) and
 * bridgelab's (`_bridgelab*`: positions, offsets, schema history). */
int replicate_topic_internal(const char *topic);

/* True when the source topic is replicated: not internal, matching the
 * include regex, not matching the exclude regex. */
int replicate_settings_selects(const struct replicate_settings *s, const char *topic);

/* The destination topic: the format with every ${topic} replaced. Returns 0,
 * or -1 when it does not fit in outlen. */
int replicate_settings_rename(const struct replicate_settings *s, const char *topic, char *out, size_t outlen);

/* The destination of a source topic when it is replicated (0), else -1:
 * replicate_settings_selects and _rename in the form offset translation
 * takes (settings: a struct replicate_settings). */
int replicate_settings_destination(void *settings, const char *topic, char *out, size_t outlen);

/* Scale-out: every source partition belongs to one of the group's slots,
 * slot = (FNV-1a-32(topic) + partition) mod slots: stable across processes,
 * versions and restarts, and a topic's partitions go round the slots (a
 * topic of N >= slots partitions is spread evenly). */
uint32_t replicate_topic_hash(const char *topic);
int replicate_slot_of(const char *topic, int32_t partition, int slots);

#endif
