/* Configuration keys shared by every program: see keys.h. */
#include "keys.h"

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
