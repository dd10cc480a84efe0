/* The settings of `bridge sink`: its configuration keys, its command-line
 * options (each a shorthand for one key), and the checked values the stage
 * runs on: which cloud topics go to the lake (a regex; internal topics
 * never), where the lake is and with which credential, how files are cut,
 * named and encoded, and the memory they may take. */
#ifndef BRIDGELAB_BRIDGE_SINK_SETTINGS_H
#define BRIDGELAB_BRIDGE_SINK_SETTINGS_H

#include <regex.h>
#include <stddef.h>

#include "cli.h"
#include "config.h"
#include "format.h"
#include "log.h"
#include "partitioner.h"
#include "storage.h"

extern const struct config_key sink_keys[];
extern const struct cli_option sink_options[];
extern const struct config_key *const sink_schema[];

struct sink_settings {
    const char *dc;
    const char *group_id;
    const char *instance_id; /* sink.instance.id; NULL: a dynamic member */
    const char *topics_text; /* POSIX extended regex matched against the whole name */
    regex_t topics;
    int compiled;
    int refresh_ms;
    char url[4096];           /* the lake, as given or as file://<absolute path> */
    const char *account_name; /* NULL: from the URL */
    char shared_key[512];     /* "" when none; never logged */
    char sas[4096];           /* "" when none; never logged */
    const char *credential;   /* where the credential came from, for messages ("sink.account.key.file", ...) */
    int create_container;
    const char *topics_dir;
    struct format_options format;
    char separator[16];            /* sink.bytes.separator's bytes (format.bytes_separator points here) */
    int delta;                     /* sink.table.format=delta */
    int delta_checkpoint_interval; /* commits between two checkpoints */
    long long flush_size;
    long long rotate_interval_ms;          /* < 0: off */
    long long rotate_schedule_interval_ms; /* < 0: off */
    long long max_file_bytes;
    long long max_buffer_bytes;
    struct partitioner_options partitioner;
    int upload_timeout_ms;
    int upload_retries;
    const char *http_listen; /* "" = none */
    enum log_level log_level;
    char group_buf[128];
};

/* Reads and checks the settings (and reads the credential from its file or
 * the environment: sink.account.key.file or $AZURE_STORAGE_KEY,
 * sink.sas.file or $AZURE_STORAGE_SAS_TOKEN); strings point into cfg.
 * Returns 0, or -1 with one line in err naming the key, where it came from
 * and the fix. */
int sink_settings_load(const struct config *cfg, struct sink_settings *s, char *err, size_t errlen);
void sink_settings_release(struct sink_settings *s);

/* The storage options for the lake these settings name. */
void sink_settings_storage(const struct sink_settings *s, struct storage_options *opt);

/* True when the topic goes to the lake: not internal (`__*`, `_bridgelab*`)
 * and matching sink.topics. */
int sink_settings_selects(const struct sink_settings *s, const char *topic);

#endif
