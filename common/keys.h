/* Configuration keys shared by every program that talks to the lab: the
 * data-centre code, the MySQL connection and logging. Each program adds its
 * own table beside this one (see config.h for the schema form). */
#ifndef BRIDGELAB_KEYS_H
#define BRIDGELAB_KEYS_H

#include <stddef.h>

#include "config.h"
#include "log.h"

extern const struct config_key common_keys[];

/* One bridge.properties serves every stage: a stage's schema takes the
 * other stages' tables below, which accept (and ignore) their keys, while a
 * mistyped key of its own stays an error. */
extern const struct config_key cdc_stage_keys[];       /* cdc.* */
extern const struct config_key replicate_stage_keys[]; /* replicate.* */
extern const struct config_key sink_stage_keys[];      /* sink.* */
extern const struct config_key run_stage_keys[];       /* run.*: bridge run, the supervisor of the three */

/* The level "log.level" names. 0, or -1 with one line in err naming where
 * the value came from. */
int keys_log_level(const struct config *cfg, enum log_level *level, char *err, size_t errlen);

/* The MySQL password: the first line of mysql.password.file, else
 * $MYSQL_PWD, else NULL (an option file may give it). *password points into
 * buf or the environment. 0, or -1 with one line in err naming the key's
 * origin and the file. */
int keys_mysql_password(const struct config *cfg, char *buf, size_t len, const char **password, char *err,
                        size_t errlen);

#endif
