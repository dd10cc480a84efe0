/* The settings of `bridge run`: its configuration keys (run.*), its
 * command-line options, which stages it runs, and the checked values the
 * supervisor runs on. */
#ifndef BRIDGELAB_BRIDGE_RUN_SETTINGS_H
#define BRIDGELAB_BRIDGE_RUN_SETTINGS_H

#include <stddef.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "restart_policy.h"

#define RUN_STAGE_COUNT 3

/* The stages bridge run knows, in the pipeline's order: cdc, replicate,
 * sink. */
extern const char *const run_stage_names[RUN_STAGE_COUNT];

extern const struct config_key run_keys[];
extern const struct cli_option run_options[];

struct run_settings {
    int chosen[RUN_STAGE_COUNT]; /* 1 for each stage of run.stages, in run_stage_names' order */
    int chosen_count;
    const char *http_listen; /* "" = none */
    struct restart_rule rule;
    int stop_timeout_ms;
    int probe_timeout_ms;
    enum log_level log_level;
};

/* Reads and checks the settings (strings point into cfg). Returns 0, or -1
 * with one line in err naming the key, where it came from and the fix. */
int run_settings_load(const struct config *cfg, struct run_settings *s, char *err, size_t errlen);

/* Parses a list of stages ("cdc,replicate"; spaces around names allowed)
 * into chosen[]. Returns the count, or -1 with one line in err naming the
 * bad name and the valid ones. */
int run_settings_parse_stages(const char *list, int chosen[RUN_STAGE_COUNT], char *err, size_t errlen);

#endif
