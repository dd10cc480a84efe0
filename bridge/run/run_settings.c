/* The keys, options and checked settings of `bridge run`: see
 * run_settings.h. */
#include "run_settings.h"

#include <stdio.h>
#include <string.h>

#include "keys.h"

const char *const run_stage_names[RUN_STAGE_COUNT] = {"cdc", "replicate", "sink"};

const struct config_key run_keys[] = {
    {"run.stages", CONFIG_STRING, "cdc,replicate,sink", 0, 0,
     "the stages to run, comma-separated (cdc, replicate, sink); each its own process, started in the "
     "pipeline's order"},
    {"run.http.listen", CONFIG_STRING, "127.0.0.1:8086", 0, 0,
     "where the supervisor serves /metrics (its own and each stage's) and /healthz (every stage; empty: off)"},
    {"run.stop.timeout.ms", CONFIG_INT, "30000", 100, 3600000,
     "on SIGTERM or SIGINT, how long the stages have to stop after theirs; then SIGKILL"},
    {"run.restart.backoff.initial.ms", CONFIG_INT, "500", 1, 3600000,
     "wait before restarting a stage that exited; doubled for each early exit in a row"},
    {"run.restart.backoff.max.ms", CONFIG_INT, "30000", 1, 3600000, "the longest wait before a restart"},
    {"run.restart.steady.ms", CONFIG_INT, "60000", 100, 86400000,
     "a stage that has run this long is steady: the backoff starts again from its first step and a crash "
     "loop is over"},
    {"run.crash.loop.exits", CONFIG_INT, "5", 2, RESTART_MAX_LOOP_EXITS,
     "this many exits of a stage within run.crash.loop.window.ms are a crash loop (logged, in /healthz and "
     "/metrics; the stage is still restarted with backoff)"},
    {"run.crash.loop.window.ms", CONFIG_INT, "60000", 100, 86400000, "see run.crash.loop.exits"},
    {"run.probe.timeout.ms", CONFIG_INT, "1000", 10, 60000,
     "how long the supervisor waits for a stage's /healthz or /metrics"},
    {0},
};

const struct cli_option run_options[] = {
    {"stages", "run.stages", NULL, "LIST", "the stages to run, e.g. cdc,replicate"},
    {"http-listen", "run.http.listen", NULL, "HOST:PORT", "serve the combined /metrics and /healthz here"},
    {0},
};

int run_settings_parse_stages(const char *list, int chosen[RUN_STAGE_COUNT], char *err, size_t errlen) {
    memset(chosen, 0, RUN_STAGE_COUNT * sizeof chosen[0]);
    int count = 0;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *name = p;
        while (n && *name == ' ')
            name++, n--;
        while (n && name[n - 1] == ' ')
            n--;
        int found = -1;
        for (int i = 0; i < RUN_STAGE_COUNT; i++)
            if (strlen(run_stage_names[i]) == n && strncmp(run_stage_names[i], name, n) == 0)
                found = i;
        if (found < 0) {
            if (n == 0)
                snprintf(err, errlen,
                         "'%s' has an empty stage name: list stages among cdc, replicate, sink, e.g. cdc,replicate",
                         list);
            else
                snprintf(err, errlen, "'%.*s' is not a stage: the stages are cdc, replicate, sink (e.g. cdc,replicate)",
                         (int)n, name);
            return -1;
        }
        if (chosen[found]) {
            snprintf(err, errlen, "'%s' is named twice in '%s'", run_stage_names[found], list);
            return -1;
        }
        chosen[found] = 1;
        count++;
        if (!end)
            break;
        p = end + 1;
    }
    return count;
}

int run_settings_load(const struct config *cfg, struct run_settings *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    if (keys_log_level(cfg, &s->log_level, err, errlen) != 0)
        return -1;
    char why[512];
    const char *stages = config_get(cfg, "run.stages");
    s->chosen_count = run_settings_parse_stages(stages, s->chosen, why, sizeof why);
    if (s->chosen_count < 0) {
        snprintf(err, errlen, "%s: run.stages: %s", config_origin(cfg, "run.stages"), why);
        return -1;
    }
    s->http_listen = config_get(cfg, "run.http.listen");
    s->stop_timeout_ms = (int)config_get_int(cfg, "run.stop.timeout.ms");
    s->probe_timeout_ms = (int)config_get_int(cfg, "run.probe.timeout.ms");
    s->rule.backoff_initial_ms = (int)config_get_int(cfg, "run.restart.backoff.initial.ms");
    s->rule.backoff_max_ms = (int)config_get_int(cfg, "run.restart.backoff.max.ms");
    s->rule.steady_ms = (int)config_get_int(cfg, "run.restart.steady.ms");
    s->rule.loop_exits = (int)config_get_int(cfg, "run.crash.loop.exits");
    s->rule.loop_window_ms = (int)config_get_int(cfg, "run.crash.loop.window.ms");
    if (s->rule.backoff_max_ms < s->rule.backoff_initial_ms) {
        snprintf(err, errlen,
                 "run.restart.backoff.max.ms (%s) is %d, less than run.restart.backoff.initial.ms (%s), %d: make it "
                 "at least as long",
                 config_origin(cfg, "run.restart.backoff.max.ms"), s->rule.backoff_max_ms,
                 config_origin(cfg, "run.restart.backoff.initial.ms"), s->rule.backoff_initial_ms);
        return -1;
    }
    return 0;
}
