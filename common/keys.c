/* Configuration keys shared by every program: see keys.h. */
#include "keys.h"

#include <stdio.h>
#include <stdlib.h>

#include "secret.h"

const struct config_key common_keys[] = {
    {"dc", CONFIG_STRING, "dc01", 0, 0, "the attendee's data-centre code"},
    {"mysql.host", CONFIG_STRING, "127.0.0.1", 0, 0, "MySQL host"},
    {"mysql.port", CONFIG_INT, "3307", 1, 65535, "MySQL port"},
    {"mysql.user", CONFIG_STRING, "sim", 0, 0, "MySQL user"},
    {"mysql.password.file", CONFIG_STRING, NULL, 0, 0, "file holding the MySQL password (else $MYSQL_PWD)"},
    {"mysql.defaults.file", CONFIG_STRING, NULL, 0, 0, "MySQL option file to read ([client] group)"},
    {"mysql.database", CONFIG_STRING, "orders", 0, 0, "MySQL database"},
    {"log.level", CONFIG_STRING, "info", 0, 0, "error, warn, info or debug"},
    {0},
};

const struct config_key cdc_stage_keys[] = {
    {"cdc.*", CONFIG_STRING, NULL, 0, 0, "bridge cdc's keys (ignored by this command)"},
    {0},
};

const struct config_key replicate_stage_keys[] = {
    {"replicate.*", CONFIG_STRING, NULL, 0, 0, "bridge replicate's keys (ignored by this command)"},
    {0},
};

const struct config_key sink_stage_keys[] = {
    {"sink.*", CONFIG_STRING, NULL, 0, 0, "bridge sink's keys (ignored by this command)"},
    {0},
};

const struct config_key run_stage_keys[] = {
    {"run.*", CONFIG_STRING, NULL, 0, 0, "bridge run's keys (ignored by this command)"},
    {0},
};

int keys_log_level(const struct config *cfg, enum log_level *level, char *err, size_t errlen) {
    if (log_level_parse(config_get(cfg, "log.level"), level) == 0)
        return 0;
    snprintf(err, errlen, "%s: log.level: '%s' is not a level: use error, warn, info or debug",
             config_origin(cfg, "log.level"), config_get(cfg, "log.level"));
    return -1;
}

int keys_mysql_password(const struct config *cfg, char *buf, size_t len, const char **password, char *err,
                        size_t errlen) {
    const char *file = config_get(cfg, "mysql.password.file");
    if (!file) {
        *password = getenv("MYSQL_PWD");
        return 0;
    }
    char why[768];
    if (secret_read_file(file, buf, len, why, sizeof why) != 0) {
        snprintf(err, errlen, "mysql.password.file (%s): %s", config_origin(cfg, "mysql.password.file"), why);
        return -1;
    }
    *password = buf;
    return 0;
}
