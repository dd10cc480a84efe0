/* The keys, options and checked settings of bin/dashboard: see
 * dashboard_settings.h. */
#include "dashboard_settings.h"

#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_status.h"
#include "kafka.h"
#include "keys.h"
#include "secret.h"

const struct config_key dashboard_keys[] = {
    {"dashboard.http.listen", CONFIG_STRING, "127.0.0.1:8080", 0, 0,
     "where the page, /api/, /metrics and /healthz are served (HOST:PORT, IPv4; loopback unless told otherwise)"},
    {"dashboard.threads", CONFIG_INT, "4", 1, 256, "threads answering requests (libmicrohttpd's thread pool)"},
    {"dashboard.max.connections", CONFIG_INT, "256", 1, 100000, "connections open at once, at most; more are refused"},
    {"dashboard.connection.timeout.s", CONFIG_INT, "10", 1, 3600,
     "a connection idle this long (a slow client's half request included) is closed"},
    {"dashboard.connection.memory", CONFIG_INT, "32768", 4096, 16777216,
     "bytes per connection for the request line and headers: a bigger request is refused (431)"},
    {"dashboard.max.url", CONFIG_INT, "2048", 64, 65536, "bytes of a request's URL, at most (longer: 414)"},
    {"dashboard.db.path", CONFIG_STRING, "build/dashboard.sqlite", 0, 0,
     "the sqlite file the lake is loaded into (made when missing)"},
    {"dashboard.lake.url", CONFIG_STRING, NULL, 0, 0,
     "the lake to load: a folder, Azurite or an account, as sink.url (default: sink.url, else 'lake')"},
    {"dashboard.lake.account.name", CONFIG_STRING, NULL, 0, 0,
     "the storage account (default: sink.account.name, else from the URL)"},
    {"dashboard.lake.account.key.file", CONFIG_STRING, NULL, 0, 0,
     "file holding the account's SharedKey (default: sink.account.key.file, else $AZURE_STORAGE_KEY)"},
    {"dashboard.lake.sas.file", CONFIG_STRING, NULL, 0, 0,
     "file holding a SAS token with read and list rights (default: sink.sas.file, else $AZURE_STORAGE_SAS_TOKEN)"},
    {"dashboard.lake.topics.dir", CONFIG_STRING, "topics", 0, 0,
     "the lake's top folder, as the sink's sink.topics.dir"},
    {"dashboard.lake.poll.ms", CONFIG_INT, "1000", 50, 3600000, "how often the lake is looked at for new files"},
    {"dashboard.refresh.ms", CONFIG_INT, "1000", 250, 3600000, "how often the page fetches its figures again"},
    {"dashboard.probe.interval.ms", CONFIG_INT, "1000", 100, 60000,
     "how often the pipeline panel reads each stage's /metrics and MySQL's row counts"},
    {"dashboard.stall.ms", CONFIG_INT, "10000", 1000, 3600000,
     "a stage whose count has not moved this long while its upstream's has is shown as stalled"},
    {"dashboard.cdc.metrics", CONFIG_STRING, "http://127.0.0.1:8083/metrics", 0, 0,
     "bridge cdc's /metrics (empty: not shown)"},
    {"dashboard.replicate.metrics", CONFIG_STRING, "http://127.0.0.1:8084/metrics", 0, 0,
     "bridge replicate's /metrics (empty: not shown)"},
    {"dashboard.sink.metrics", CONFIG_STRING, "http://127.0.0.1:8085/metrics", 0, 0,
     "bridge sink's /metrics (empty: not shown)"},
    {0},
};

const struct config_key *const dashboard_schema[] = {
    common_keys,          kafka_keys,      dashboard_keys, cdc_stage_keys,
    replicate_stage_keys, sink_stage_keys, run_stage_keys, NULL};

const struct cli_option dashboard_options[] = {
    {"http-listen", "dashboard.http.listen", NULL, "HOST:PORT", "serve the page here"},
    {"db", "dashboard.db.path", NULL, "FILE", "the sqlite file"},
    {"lake", "dashboard.lake.url", NULL, "URL", "the lake to load"},
    {"refresh-ms", "dashboard.refresh.ms", NULL, "MS", "the page's refresh interval"},
    {"log-level", "log.level", NULL, "LEVEL", "error, warn, info or debug"},
    {0},
};

static int fail(char *err, size_t errlen, const struct config *cfg, const char *key, const char *what) {
    snprintf(err, errlen, "%s: %s: %s", config_origin(cfg, key), key, what);
    return -1;
}

/* The sink's keys the dashboard defaults to (sink.* is a pattern key, read
 * through config_each_under). */
struct sink_defaults {
    const char *url, *account_name, *key_file, *sas_file;
};

static void take_sink_key(const char *name, const char *value, void *ctx) {
    struct sink_defaults *d = ctx;
    if (strcmp(name, "url") == 0)
        d->url = value;
    else if (strcmp(name, "account.name") == 0)
        d->account_name = value;
    else if (strcmp(name, "account.key.file") == 0)
        d->key_file = value;
    else if (strcmp(name, "sas.file") == 0)
        d->sas_file = value;
}

/* The lake's URL: a plain path becomes file://<absolute path>. */
static int resolve_lake_url(const char *url, const char *from, struct dashboard_settings *s, char *err, size_t errlen) {
    s->lake_url_from = from;
    if (!*url) {
        snprintf(err, errlen, "%s is empty: name a folder, Azurite or an account", from);
        return -1;
    }
    int n;
    if (strstr(url, "://")) {
        n = snprintf(s->lake_url, sizeof s->lake_url, "%s", url);
    } else if (url[0] == '/') {
        n = snprintf(s->lake_url, sizeof s->lake_url, "file://%s", url);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) {
            snprintf(err, errlen, "%s is relative and the current folder is unknown: give a full path", from);
            return -1;
        }
        n = snprintf(s->lake_url, sizeof s->lake_url, "file://%s/%s", cwd, strncmp(url, "./", 2) == 0 ? url + 2 : url);
    }
    if (n < 0 || (size_t)n >= sizeof s->lake_url) {
        snprintf(err, errlen, "%s is too long", from);
        return -1;
    }
    return 0;
}

/* One secret: the first line of the file, else the variable. */
static int read_secret(const char *file, const char *key, const char *env, char *out, size_t outlen, char *err,
                       size_t errlen) {
    enum secret_source source;
    char why[768];
    if (secret_read_file_or_env(file, env, out, outlen, &source, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s: %s", key, why);
    return -1;
}

static int load_lake(const struct config *cfg, struct dashboard_settings *s, struct sink_defaults *d, char *err,
                     size_t errlen) {
    const char *url = config_get(cfg, "dashboard.lake.url");
    int rc = url ? resolve_lake_url(url, "dashboard.lake.url", s, err, errlen)
                 : resolve_lake_url(d->url ? d->url : "lake", d->url ? "sink.url" : "default", s, err, errlen);
    if (rc != 0)
        return -1;
    if (strncmp(s->lake_url, "file://", 7) == 0)
        return 0; /* a folder needs no credential */
    const char *key_file = config_get(cfg, "dashboard.lake.account.key.file");
    const char *sas_file = config_get(cfg, "dashboard.lake.sas.file");
    if (read_secret(key_file ? key_file : d->key_file,
                    key_file ? "dashboard.lake.account.key.file" : "sink.account.key.file", "AZURE_STORAGE_KEY",
                    s->shared_key, sizeof s->shared_key, err, errlen) != 0 ||
        read_secret(sas_file ? sas_file : d->sas_file, sas_file ? "dashboard.lake.sas.file" : "sink.sas.file",
                    "AZURE_STORAGE_SAS_TOKEN", s->sas, sizeof s->sas, err, errlen) != 0)
        return -1;
    if (s->sas[0] == '?')
        memmove(s->sas, s->sas + 1, strlen(s->sas));
    if (strncmp(s->lake_url, "file://", 7) != 0 && !s->shared_key[0] && !s->sas[0]) {
        snprintf(err, errlen,
                 "%s: an Azure lake needs a credential: set dashboard.lake.account.key.file (or "
                 "$AZURE_STORAGE_KEY) or dashboard.lake.sas.file (or $AZURE_STORAGE_SAS_TOKEN)",
                 s->lake_url_from);
        return -1;
    }
    return 0;
}

static int check_url(const struct config *cfg, const char *key, const char **out, char *err, size_t errlen) {
    *out = config_get(cfg, key);
    if (**out && strncmp(*out, "http://", 7) != 0 && strncmp(*out, "https://", 8) != 0)
        return fail(err, errlen, cfg, key, "is not an http:// URL (e.g. http://127.0.0.1:8083/metrics); empty: off");
    return 0;
}

int dashboard_settings_load(const struct config *cfg, struct dashboard_settings *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    if (keys_log_level(cfg, &s->log_level, err, errlen) != 0)
        return -1;
    s->dc = config_get(cfg, "dc");
    s->http_listen = config_get(cfg, "dashboard.http.listen");
    struct sockaddr_in addr;
    char why[256];
    if (http_listen_parse(s->http_listen, &addr, why, sizeof why) != 0)
        return fail(err, errlen, cfg, "dashboard.http.listen", why);
    s->threads = (int)config_get_int(cfg, "dashboard.threads");
    s->max_connections = (int)config_get_int(cfg, "dashboard.max.connections");
    s->connection_timeout_s = (int)config_get_int(cfg, "dashboard.connection.timeout.s");
    s->connection_memory = config_get_int(cfg, "dashboard.connection.memory");
    s->max_url = (int)config_get_int(cfg, "dashboard.max.url");
    s->db_path = config_get(cfg, "dashboard.db.path");
    if (!*s->db_path)
        return fail(err, errlen, cfg, "dashboard.db.path", "is empty: name the sqlite file");
    s->lake_poll_ms = (int)config_get_int(cfg, "dashboard.lake.poll.ms");
    s->lake_topics_dir = config_get(cfg, "dashboard.lake.topics.dir");
    s->refresh_ms = (int)config_get_int(cfg, "dashboard.refresh.ms");
    s->probe_interval_ms = (int)config_get_int(cfg, "dashboard.probe.interval.ms");
    s->stall_ms = (int)config_get_int(cfg, "dashboard.stall.ms");
    if (check_url(cfg, "dashboard.cdc.metrics", &s->cdc_metrics, err, errlen) != 0 ||
        check_url(cfg, "dashboard.replicate.metrics", &s->replicate_metrics, err, errlen) != 0 ||
        check_url(cfg, "dashboard.sink.metrics", &s->sink_metrics, err, errlen) != 0)
        return -1;
    s->mysql_host = config_get(cfg, "mysql.host");
    s->mysql_port = (int)config_get_int(cfg, "mysql.port");
    s->mysql_user = config_get(cfg, "mysql.user");
    s->mysql_defaults_file = config_get(cfg, "mysql.defaults.file");
    s->mysql_database = config_get(cfg, "mysql.database");
    /* mysql.host empty: no MySQL in the panel (a room's trainer: each attendee's is their own) */
    if (s->mysql_host && !*s->mysql_host)
        s->mysql_host = NULL;
    if (s->mysql_host && keys_mysql_password(cfg, s->mysql_password_buf, sizeof s->mysql_password_buf,
                                             &s->mysql_password, err, errlen) != 0)
        return -1;
    struct sink_defaults d = {0};
    config_each_under(cfg, "sink.*", take_sink_key, &d);
    s->lake_account = config_get(cfg, "dashboard.lake.account.name");
    if (!s->lake_account || !*s->lake_account)
        s->lake_account = d.account_name && *d.account_name ? d.account_name : NULL;
    return load_lake(cfg, s, &d, err, errlen);
}

void dashboard_settings_storage(const struct dashboard_settings *s, struct storage_options *opt) {
    memset(opt, 0, sizeof *opt);
    opt->url = s->lake_url;
    opt->account = s->lake_account;
    opt->shared_key = s->shared_key[0] ? s->shared_key : NULL;
    opt->sas = s->sas[0] ? s->sas : NULL;
}
