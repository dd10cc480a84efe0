/* Configuration shared by every bridgelab program: Kafka-Connect-style
 * properties files (`key=value`, `#` or `!` comments) and single
 * `key=value` overrides, checked against a schema of known keys.
 *
 * Every value remembers where it came from ("lab.properties:4", "-X",
 * "--rate", "default") so that any later error can name its origin.
 * Values are type-checked when set, so the getters cannot fail. The module
 * knows nothing of argv: cli.c maps options onto it. */
#ifndef BRIDGELAB_CONFIG_H
#define BRIDGELAB_CONFIG_H

#include <stddef.h>

enum config_type { CONFIG_STRING, CONFIG_INT, CONFIG_DOUBLE, CONFIG_BOOL };

struct config_key {
    const char *name; /* "a.b" names one key; "a.b.*" any key under "a.b." (passed through) */
    enum config_type type;
    const char *default_value; /* NULL: unset unless given */
    double min, max;           /* for CONFIG_INT and CONFIG_DOUBLE */
    const char *help;
};

/* A schema is a NULL-terminated list of key tables, each ended by an entry
 * whose name is NULL; e.g. the common keys plus one program's own. */
typedef const struct config_key *const config_schema[];

struct config;

struct config *config_new(const struct config_key *const *schema);
void config_free(struct config *cfg);

/* Reads a properties file. On error returns -1 and writes one line naming
 * the file, the line and what to do into err. */
int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen);
/* Sets one key; origin names where the value came from. */
int config_set(struct config *cfg, const char *key, const char *value, const char *origin, char *err, size_t errlen);
/* Applies "key=value" (the -X form). */
int config_set_assignment(struct config *cfg, const char *assignment, const char *origin, char *err, size_t errlen);

/* Getters return the value given, else the key's default. The key must be in
 * the schema (a programming error aborts). */
const char *config_get(const struct config *cfg, const char *key);
long long config_get_int(const struct config *cfg, const char *key);
double config_get_double(const struct config *cfg, const char *key);
int config_get_bool(const struct config *cfg, const char *key);
/* Where the value came from: "file:line", an option name, or "default". */
const char *config_origin(const struct config *cfg, const char *key);

/* Calls fn(name, value, ctx) for every key given under a pattern key
 * ("onprem.kafka.*"), in the order first given; name is the part after the
 * pattern's prefix ("linger.ms"). */
void config_each_under(const struct config *cfg, const char *pattern,
                       void (*fn)(const char *name, const char *value, void *ctx), void *ctx);

/* Calls fn for every key of the schema, in order (for --help). */
void config_each_key(const struct config *cfg, void (*fn)(const struct config_key *key, void *ctx), void *ctx);

#endif
