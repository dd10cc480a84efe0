/* Configuration keys shared by every program that talks to the lab: the
 * data-centre code, the MySQL connection and logging. Each program adds its
 * own table beside this one (see config.h for the schema form). */
#ifndef BRIDGELAB_KEYS_H
#define BRIDGELAB_KEYS_H

#include "config.h"

extern const struct config_key common_keys[];

#endif
