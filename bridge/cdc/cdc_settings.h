/* The settings of `bridge cdc`: its configuration keys, its command-line
 * options (each a shorthand for one key), and the checked values the stage
 * runs on. */
#ifndef BRIDGELAB_BRIDGE_CDC_SETTINGS_H
#define BRIDGELAB_BRIDGE_CDC_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "config.h"
#include "log.h"

extern const struct config_key cdc_keys[];
extern const struct cli_option cdc_options[];
extern const struct config_key *const cdc_schema[];

enum snapshot_mode { SNAPSHOT_INITIAL, SNAPSHOT_WHEN_NEEDED, SNAPSHOT_NEVER };

struct cdc_settings {
    const char *dc;
    const char *name; /* names the transactional id and the stored position */
    const char *host;
    int port;
    const char *user;
    const char *password_file;
    const char *database;
    uint32_t server_id;
    char **include; /* tables; NULL = every table of the database */
    int include_count;
    char **exclude;
    int exclude_count;
    const char *topic_format; /* ${dc}, ${db}, ${table} */
    int topic_partitions;     /* of the topics cdc creates; -1: the cluster's default */
    int topic_replication_factor;
    enum snapshot_mode snapshot_mode;
    int unwrap;
    const char *position_topic;
    const char *history_topic;
    long long batch_max_events;
    long long batch_max_bytes;
    int batch_max_ms;
    long long commit_interval_ms; /* least time between two hand-overs to the committer */
    const char *http_listen;      /* "" = none */
    enum log_level log_level;
    char name_buf[128];
};

/* Reads and checks the settings; strings point into cfg. Returns 0, or -1
 * with one line in err naming the key, where it came from and the fix. */
int cdc_settings_load(const struct config *cfg, struct cdc_settings *s, char *err, size_t errlen);
void cdc_settings_release(struct cdc_settings *s);

/* True when the table's changes are wanted (include and exclude lists). */
int cdc_settings_wants(const struct cdc_settings *s, const char *table);
/* The topic for a table: the format with ${dc}, ${db} and ${table} replaced. */
void cdc_settings_topic(const struct cdc_settings *s, const char *db, const char *table, char *out, size_t outlen);

#endif
