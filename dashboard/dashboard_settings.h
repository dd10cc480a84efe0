/* The settings of bin/dashboard: its configuration keys, its command-line
 * options (each a shorthand for one key), and the checked values it runs on:
 * where it serves and with which limits, the sqlite file it keeps, the lake
 * it loads (by default the sink's: one bridge.properties serves every
 * program of the lab), how often the page refreshes, and where the pipeline
 * panel reads each stage's /metrics and MySQL's row counts. */
#ifndef BRIDGELAB_DASHBOARD_SETTINGS_H
#define BRIDGELAB_DASHBOARD_SETTINGS_H

#include <stddef.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "storage.h"

extern const struct config_key dashboard_keys[];
extern const struct cli_option dashboard_options[];
extern const struct config_key *const dashboard_schema[];

struct dashboard_settings {
    const char *dc;
    const char *http_listen; /* HOST:PORT */
    int threads;
    int max_connections;
    int connection_timeout_s;
    long long connection_memory; /* bytes per connection: headers beyond it are refused */
    int max_url;                 /* bytes of the request line's target */
    const char *db_path;         /* the sqlite file */
    char lake_url[4096];         /* as given (or the sink's), a path made file://<absolute> */
    const char *lake_url_from;   /* "dashboard.lake.url" or "sink.url" or "default" */
    const char *lake_account;    /* NULL: from the URL */
    char shared_key[512];        /* "" when none; never logged */
    char sas[4096];              /* "" when none; never logged */
    int lake_poll_ms;
    const char *lake_topics_dir; /* the sink's topics.dir */
    int refresh_ms;
    int probe_interval_ms;
    int stall_ms;
    const char *cdc_metrics; /* URLs; "" = not probed */
    const char *replicate_metrics;
    const char *sink_metrics;
    /* MySQL, from the common mysql.* keys */
    const char *mysql_host;
    int mysql_port;
    const char *mysql_user;
    const char *mysql_password; /* NULL: none (or from the option file); points into mysql_password_buf or env */
    const char *mysql_defaults_file;
    const char *mysql_database;
    char mysql_password_buf[512];
    enum log_level log_level;
};

/* Reads and checks the settings, and the secrets they name (the MySQL
 * password, the lake's SharedKey or SAS); strings point into cfg or into s.
 * Returns 0, or -1 with one line in err naming the key, where it came from
 * and the fix. */
int dashboard_settings_load(const struct config *cfg, struct dashboard_settings *s, char *err, size_t errlen);

/* The storage options for the lake these settings name. */
void dashboard_settings_storage(const struct dashboard_settings *s, struct storage_options *opt);

#endif
