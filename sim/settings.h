/* The simulator's settings: its configuration keys, its command-line
 * options (each a shorthand for one key), and the checked values the rest
 * of the program runs on. */
#ifndef BRIDGELAB_SIM_SETTINGS_H
#define BRIDGELAB_SIM_SETTINGS_H

#include <stddef.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "model.h"

extern const struct config_key sim_keys[];
extern const struct cli_option sim_options[];
extern const struct config_key *const sim_schema[];

struct sim_settings {
    struct model_settings model;
    int seed_given; /* 0: the seed was drawn at start (and is logged) */
    double rate;    /* sales orders per second; 0 = as fast as it can */
    int threads;
    int quiet;
    double summary_interval_s;
    enum log_level log_level;
    const char *dc;
    const char *host;
    int port;
    const char *user;
    const char *password_file;
    const char *defaults_file;
    const char *database;
};

/* Reads and checks the settings; strings point into cfg. Returns 0, or -1
 * with one line in err naming the key, where it came from and the fix. */
int sim_settings_load(const struct config *cfg, struct sim_settings *s, char *err, size_t errlen);

#endif
