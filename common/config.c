/* Properties-file configuration with a schema of known keys: see config.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct config_value {
    const struct config_key *key;
    char *value;  /* NULL: not given */
    char *origin; /* NULL: not given */
};

/* A key given under a pattern key ("onprem.kafka.linger.ms"). */
struct config_extra {
    const struct config_key *pattern;
    char *name, *value, *origin;
};

struct config {
    struct config_value *values;
    size_t count;
    struct config_extra *extras;
    size_t extra_count;
};

struct config *config_new(const struct config_key *const *schema) {
    struct config *cfg = calloc(1, sizeof *cfg);
    if (!cfg)
        return NULL;
    size_t count = 0;
    for (size_t t = 0; schema[t]; t++)
        for (const struct config_key *k = schema[t]; k->name; k++)
            count++;
    cfg->values = calloc(count ? count : 1, sizeof *cfg->values);
    if (!cfg->values) {
        free(cfg);
        return NULL;
    }
    for (size_t t = 0; schema[t]; t++)
        for (const struct config_key *k = schema[t]; k->name; k++)
            cfg->values[cfg->count++].key = k;
    return cfg;
}

void config_free(struct config *cfg) {
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->count; i++) {
        free(cfg->values[i].value);
        free(cfg->values[i].origin);
    }
    for (size_t i = 0; i < cfg->extra_count; i++) {
        free(cfg->extras[i].name);
        free(cfg->extras[i].value);
        free(cfg->extras[i].origin);
    }
    free(cfg->extras);
    free(cfg->values);
    free(cfg);
}

static struct config_value *find_value(const struct config *cfg, const char *key) {
    for (size_t i = 0; i < cfg->count; i++)
        if (strcmp(cfg->values[i].key->name, key) == 0)
            return &cfg->values[i];
    return NULL;
}

static struct config_value *schema_value(const struct config *cfg, const char *key) {
    struct config_value *v = find_value(cfg, key);
    if (!v) {
        fprintf(stderr, "bridgelab: internal error: configuration key '%s' is not in the schema\n", key);
        abort();
    }
    return v;
}

static int config_parse_bool(const char *text, int *out) {
    static const char *const truths[] = {"true", "yes", "on", "1"};
    static const char *const falsehoods[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, truths[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(text, falsehoods[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Checks text against the key's type and range; returns 0 or writes why not. */
static int check_value(const struct config_key *key, const char *text, char *why, size_t whylen) {
    char *end;
    double number;
    int flag;
    switch (key->type) {
    case CONFIG_STRING:
        return 0;
    case CONFIG_BOOL:
        if (config_parse_bool(text, &flag) == 0)
            return 0;
        snprintf(why, whylen, "'%s' is not true or false", text);
        return -1;
    case CONFIG_INT:
        errno = 0;
        number = (double)strtoll(text, &end, 10);
        if (errno || end == text || *end) {
            snprintf(why, whylen, "'%s' is not a whole number", text);
            return -1;
        }
        break;
    case CONFIG_DOUBLE:
        errno = 0;
        number = strtod(text, &end);
        if (errno || end == text || *end || !isfinite(number)) {
            snprintf(why, whylen, "'%s' is not a number", text);
            return -1;
        }
        break;
    default:
        return 0;
    }
    if (number < key->min || number > key->max) {
        snprintf(why, whylen, "%s is out of range (%g to %g)", text, key->min, key->max);
        return -1;
    }
    return 0;
}

static int is_pattern(const struct config_key *key) {
    size_t n = strlen(key->name);
    return n >= 2 && strcmp(key->name + n - 2, ".*") == 0;
}

/* The pattern key whose prefix (its name without the "*") starts key. */
static const struct config_key *find_pattern(const struct config *cfg, const char *key) {
    for (size_t i = 0; i < cfg->count; i++) {
        const struct config_key *k = cfg->values[i].key;
        if (!is_pattern(k))
            continue;
        size_t prefix = strlen(k->name) - 1;
        if (strncmp(k->name, key, prefix) == 0 && key[prefix] && strcmp(key + prefix, "*") != 0)
            return k;
    }
    return NULL;
}

static int set_extra(struct config *cfg, const struct config_key *pattern, const char *key, const char *value,
                     const char *origin, char *err, size_t errlen) {
    struct config_extra *e = NULL;
    for (size_t i = 0; i < cfg->extra_count; i++)
        if (strcmp(cfg->extras[i].name, key) == 0)
            e = &cfg->extras[i];
    if (!e) {
        struct config_extra *grown = realloc(cfg->extras, (cfg->extra_count + 1) * sizeof *grown);
        if (!grown) {
            snprintf(err, errlen, "%s: out of memory", origin);
            return -1;
        }
        cfg->extras = grown;
        e = &cfg->extras[cfg->extra_count];
        memset(e, 0, sizeof *e);
        e->pattern = pattern;
        e->name = strdup(key);
        if (!e->name) {
            snprintf(err, errlen, "%s: out of memory", origin);
            return -1;
        }
        cfg->extra_count++;
    }
    char *value_copy = strdup(value), *origin_copy = strdup(origin);
    if (!value_copy || !origin_copy) {
        free(value_copy);
        free(origin_copy);
        snprintf(err, errlen, "%s: out of memory", origin);
        return -1;
    }
    free(e->value);
    free(e->origin);
    e->value = value_copy;
    e->origin = origin_copy;
    return 0;
}

void config_each_under(const struct config *cfg, const char *pattern,
                       void (*fn)(const char *name, const char *value, void *ctx), void *ctx) {
    for (size_t i = 0; i < cfg->extra_count; i++)
        if (strcmp(cfg->extras[i].pattern->name, pattern) == 0)
            fn(cfg->extras[i].name + strlen(pattern) - 1, cfg->extras[i].value, ctx);
}

int config_set(struct config *cfg, const char *key, const char *value, const char *origin, char *err, size_t errlen) {
    struct config_value *v = find_value(cfg, key);
    if (!v || is_pattern(v->key)) {
        const struct config_key *pattern = find_pattern(cfg, key);
        if (pattern)
            return set_extra(cfg, pattern, key, value, origin, err, errlen);
        v = NULL;
    }
    if (!v) {
        snprintf(err, errlen, "%s: unknown key '%s': remove it or fix its name (--help lists the keys)", origin, key);
        return -1;
    }
    char why[256];
    if (check_value(v->key, value, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s: %s", origin, key, why);
        return -1;
    }
    char *value_copy = strdup(value);
    char *origin_copy = strdup(origin);
    if (!value_copy || !origin_copy) {
        free(value_copy);
        free(origin_copy);
        snprintf(err, errlen, "%s: out of memory", origin);
        return -1;
    }
    free(v->value);
    free(v->origin);
    v->value = value_copy;
    v->origin = origin_copy;
    return 0;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

int config_set_assignment(struct config *cfg, const char *assignment, const char *origin, char *err, size_t errlen) {
    char *copy = strdup(assignment);
    if (!copy) {
        snprintf(err, errlen, "%s: out of memory", origin);
        return -1;
    }
    char *eq = strchr(copy, '=');
    int rc;
    if (!eq) {
        snprintf(err, errlen, "%s: expected key=value, got '%s'", origin, assignment);
        rc = -1;
    } else {
        *eq = '\0';
        char *key = trim(copy);
        if (!*key) {
            snprintf(err, errlen, "%s: expected key=value, got '%s'", origin, assignment);
            rc = -1;
        } else {
            rc = config_set(cfg, key, trim(eq + 1), origin, err, errlen);
        }
    }
    free(copy);
    return rc;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the properties file: %s: check the -F path", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    for (unsigned lineno = 1; getline(&line, &cap, f) != -1; lineno++) {
        char *text = trim(line);
        if (!*text || *text == '#' || *text == '!')
            continue;
        char origin[1024];
        snprintf(origin, sizeof origin, "%s:%u", path, lineno);
        if (config_set_assignment(cfg, text, origin, err, errlen) != 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

const char *config_get(const struct config *cfg, const char *key) {
    const struct config_value *v = schema_value(cfg, key);
    return v->value ? v->value : v->key->default_value;
}

long long config_get_int(const struct config *cfg, const char *key) {
    const char *text = config_get(cfg, key);
    return text ? strtoll(text, NULL, 10) : 0;
}

double config_get_double(const struct config *cfg, const char *key) {
    const char *text = config_get(cfg, key);
    return text ? strtod(text, NULL) : 0.0;
}

int config_get_bool(const struct config *cfg, const char *key) {
    const char *text = config_get(cfg, key);
    int flag = 0;
    if (text)
        config_parse_bool(text, &flag);
    return flag;
}

const char *config_origin(const struct config *cfg, const char *key) {
    const struct config_value *v = schema_value(cfg, key);
    return v->origin ? v->origin : "default";
}

void config_each_key(const struct config *cfg, void (*fn)(const struct config_key *key, void *ctx), void *ctx) {
    for (size_t i = 0; i < cfg->count; i++)
        fn(cfg->values[i].key, ctx);
}
