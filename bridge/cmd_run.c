/* bridge run: the front end of the supervisor (bridge/run/). Reads the
 * settings — every stage's keys are checked here too, so that a mistyped
 * key stops everything before any stage starts — builds each chosen
 * stage's command line, serves the combined /metrics and /healthz, and
 * runs the supervisor until SIGTERM or SIGINT.
 *
 * A stage's command line is this very binary again (/proc/self/exe, so a
 * rebuilt bin/bridge does not mix versions under one supervisor) with the
 * stage's subcommand and the -F files and -X settings given to bridge run,
 * in their order: a stage reads exactly what it would read on its own, and
 * secrets stay where they are (files named by *.file keys, the
 * environment), never on a command line. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdc/cdc_settings.h"
#include "cli.h"
#include "commands.h"
#include "config.h"
#include "http_status.h"
#include "kafka.h"
#include "keys.h"
#include "log.h"
#include "replicate/replicate_settings.h"
#include "run/run_settings.h"
#include "run/supervisor.h"
#include "sink/sink_settings.h"

static const char usage[] =
    "usage: bridge run [-F FILE] [-X key=value]... [--stages cdc,replicate,sink] [options]\n"
    "Runs the bridge's stages (cdc, replicate, sink) under one supervisor: each in its own process (this binary\n"
    "again, with the same -F files and -X settings), started again with backoff when it dies (a crash loop is\n"
    "logged and reported), stopped together on SIGTERM or SIGINT. One log stream, each line naming its stage;\n"
    "one /metrics (the supervisor's and every stage's) and one /healthz (200 when every stage is up, else 503\n"
    "with JSON naming the stages and why).\n"
    "A stage that exits with status 2 refused its configuration and is not started again; bridge run exits 2\n"
    "when no stage is left to run. Exit status after SIGTERM: 0 when every stage stopped cleanly, else 1.";

/* The whole schema: the supervisor checks every key a stage will read. */
static const struct config_key *const run_schema[] = {common_keys,    kafka_keys, run_keys, cdc_keys,
                                                      replicate_keys, sink_keys,  NULL};

/* What --help lists instead of every stage's keys. */
static const struct config_key stage_key_help[] = {
    {"cdc.*", CONFIG_STRING, NULL, 0, 0, "bridge cdc's keys (bridge cdc --help): checked here, read by the stage"},
    {"replicate.*", CONFIG_STRING, NULL, 0, 0,
     "bridge replicate's keys (bridge replicate --help): checked here, read by the stage"},
    {"sink.*", CONFIG_STRING, NULL, 0, 0, "bridge sink's keys (bridge sink --help): checked here, read by the stage"},
    {0},
};
static const struct config_key *const help_schema[] = {common_keys, kafka_keys, run_keys, stage_key_help, NULL};

/* What each stage's own log lines are named (each cmd_*.c's log_init). */
static const char *const stage_programs[RUN_STAGE_COUNT] = {"bridge cdc", "bridge replicate", "bridge sink"};

/* A stage's argv: the program's name as it was run, the stage, then every
 * -F and -X of argv in order ("-Ffile" becomes "-F" "file"). NULL-terminated,
 * pointing into argv; free the array only. */
static char **stage_argv(const char *stage, int argc, char **argv) {
    char **out = calloc((size_t)(2 * argc + 3), sizeof *out);
    if (!out)
        return NULL;
    int n = 0;
    out[n++] = program_invocation_name;
    out[n++] = (char *)stage;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "-F", 2) == 0 || strncmp(a, "-X", 2) == 0) {
            out[n++] = a[1] == 'F' ? "-F" : "-X";
            if (a[2])
                out[n++] = (char *)a + 2;
            else if (i + 1 < argc)
                out[n++] = argv[++i];
        } else if (strncmp(a, "--", 2) == 0 && !strchr(a, '=')) {
            i++; /* every option of bridge run takes a value; it is not the stages' */
        }
    }
    out[n] = NULL;
    return out;
}

/* run.http.listen and the stages' addresses must differ, or one of them
 * could never serve. 0, or -1 with err. */
static int check_addresses(const struct config *cfg, const struct run_settings *s, char *err, size_t errlen) {
    const char *keys[RUN_STAGE_COUNT + 1] = {"run.http.listen"};
    int n = 1;
    for (int i = 0; i < RUN_STAGE_COUNT; i++) {
        static const char *const listen_keys[RUN_STAGE_COUNT] = {"cdc.http.listen", "replicate.http.listen",
                                                                 "sink.http.listen"};
        if (s->chosen[i])
            keys[n++] = listen_keys[i];
    }
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            const char *x = config_get(cfg, keys[a]), *y = config_get(cfg, keys[b]);
            if (x[0] && strcmp(x, y) == 0) {
                snprintf(err, errlen, "%s (%s) and %s (%s) are both %s: give each its own address", keys[a],
                         config_origin(cfg, keys[a]), keys[b], config_origin(cfg, keys[b]), x);
                return -1;
            }
        }
    return 0;
}

static size_t write_metrics(char *buf, size_t cap, void *ctx) { return supervisor_metrics(ctx, buf, cap); }

static size_t write_health(char *buf, size_t cap, int *ok, void *ctx) { return supervisor_health(ctx, buf, cap, ok); }

int cmd_run(int argc, char **argv) {
    log_init("bridge run");
    char err[1024];
    int rc = 2;
    struct run_settings s;
    struct supervisor_stage stages[RUN_STAGE_COUNT];
    char **stage_argvs[RUN_STAGE_COUNT] = {NULL};
    struct supervisor *sv = NULL;
    struct http_status *http = NULL;
    int curl_ready = 0;
    struct config *cfg = config_new(run_schema);
    if (!cfg) {
        log_error("out of memory");
        return 1;
    }
    enum cli_result parsed = cli_parse(argc, argv, run_options, cfg, err, sizeof err);
    if (parsed == CLI_HELP) {
        struct config *help = config_new(help_schema);
        if (help)
            cli_print_help(stdout, usage, run_options, help);
        config_free(help);
        rc = help ? 0 : 1;
        goto out;
    }
    if (parsed == CLI_ERROR || run_settings_load(cfg, &s, err, sizeof err) != 0 ||
        check_addresses(cfg, &s, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    log_set_level(s.log_level);
    int count = 0;
    char names[128] = "";
    for (int i = 0; i < RUN_STAGE_COUNT; i++) {
        if (!s.chosen[i])
            continue;
        char key[64];
        snprintf(key, sizeof key, "%s.http.listen", run_stage_names[i]);
        if (!(stage_argvs[i] = stage_argv(run_stage_names[i], argc, argv))) {
            log_error("out of memory");
            rc = 1;
            goto out;
        }
        stages[count++] =
            (struct supervisor_stage){run_stage_names[i], stage_programs[i], stage_argvs[i], config_get(cfg, key)};
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", strlen(names) ? ", " : "",
                 run_stage_names[i]);
    }
    rc = 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        log_error("libcurl would not start");
        goto out;
    }
    curl_ready = 1;
    struct supervisor_settings ss = {"/proc/self/exe", s.rule, s.stop_timeout_ms, s.probe_timeout_ms};
    if (!(sv = supervisor_new(&ss, stages, count, err, sizeof err))) {
        log_error("%s", err);
        goto out;
    }
    if (s.http_listen[0]) {
        struct http_status_handlers handlers = {.metrics = write_metrics,
                                                .ctx = sv,
                                                .health_body = write_health,
                                                .health_type = "application/json",
                                                .metrics_capacity = (RUN_STAGE_COUNT + 1) * 65536};
        if (!(http = http_status_start(s.http_listen, &handlers, err, sizeof err))) {
            log_error("run.http.listen (%s): %s", config_origin(cfg, "run.http.listen"), err);
            goto out;
        }
    }
    log_info("supervising %s, each in its own process (this binary with the same -F files and -X settings); a stage "
             "that exits is started again after %d ms, doubling up to %d ms (back to %d ms once it has run %d ms), "
             "%d exits within %d ms are a crash loop, an exit with status 2 is not retried; on SIGTERM or SIGINT "
             "the stages get %d ms to stop; %s%s%s",
             names, s.rule.backoff_initial_ms, s.rule.backoff_max_ms, s.rule.backoff_initial_ms, s.rule.steady_ms,
             s.rule.loop_exits, s.rule.loop_window_ms, s.stop_timeout_ms,
             s.http_listen[0] ? "metrics and health on http://" : "no metrics", s.http_listen,
             s.http_listen[0] ? "/metrics, /healthz" : "");
    rc = supervisor_run(sv);
out:
    http_status_stop(http);
    supervisor_free(sv);
    if (curl_ready)
        curl_global_cleanup();
    for (int i = 0; i < RUN_STAGE_COUNT; i++)
        free(stage_argvs[i]);
    config_free(cfg);
    return rc;
}
