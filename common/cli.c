/* The command-line front end shared by every program: see cli.h. */
#include "cli.h"

#include <string.h>

static const struct cli_option *find_option(const struct cli_option *options, const char *name, size_t len) {
    for (const struct cli_option *o = options; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

/* Returns the argument of -F/-X at argv[*i] ("-Fx" or "-F x"), or NULL. */
static const char *short_argument(int argc, char *const argv[], int *i) {
    if (argv[*i][2])
        return argv[*i] + 2;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int is_file_option(const char *arg) { return strncmp(arg, "-F", 2) == 0; }

enum cli_result cli_parse(int argc, char *const argv[], const struct cli_option *options, struct config *cfg, char *err,
                          size_t errlen) {
    /* First pass: properties files, so that options given anywhere win. */
    for (int i = 1; i < argc; i++) {
        if (is_file_option(argv[i])) {
            const char *path = short_argument(argc, argv, &i);
            if (!path) {
                snprintf(err, errlen, "-F needs a file name: -F FILE");
                return CLI_ERROR;
            }
            if (config_load_file(cfg, path, err, errlen) != 0)
                return CLI_ERROR;
        } else if (strcmp(argv[i], "-X") == 0) {
            i++; /* its argument is not a file: skip it here */
        } else if (strncmp(argv[i], "--", 2) == 0 && !strchr(argv[i], '=')) {
            const struct cli_option *o = find_option(options, argv[i] + 2, strlen(argv[i] + 2));
            if (o && !o->flag_value)
                i++; /* nor is a long option's value */
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
            return CLI_HELP;
        if (is_file_option(arg)) {
            short_argument(argc, argv, &i);
            continue;
        }
        if (strncmp(arg, "-X", 2) == 0) {
            const char *assignment = short_argument(argc, argv, &i);
            if (!assignment) {
                snprintf(err, errlen, "-X needs key=value");
                return CLI_ERROR;
            }
            if (config_set_assignment(cfg, assignment, "-X", err, errlen) != 0)
                return CLI_ERROR;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%s': options start with -- (see --help)", arg);
            return CLI_ERROR;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        const struct cli_option *o = find_option(options, name, eq ? (size_t)(eq - name) : strlen(name));
        if (!o) {
            snprintf(err, errlen, "unknown option '%s' (see --help)", arg);
            return CLI_ERROR;
        }
        const char *value;
        if (o->flag_value) {
            if (eq) {
                snprintf(err, errlen, "option --%s takes no value", o->name);
                return CLI_ERROR;
            }
            value = o->flag_value;
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            snprintf(err, errlen, "option --%s needs a value: --%s %s", o->name, o->name,
                     o->arg_name ? o->arg_name : "VALUE");
            return CLI_ERROR;
        }
        char origin[128];
        snprintf(origin, sizeof origin, "--%s", o->name);
        if (config_set(cfg, o->key, value, origin, err, errlen) != 0)
            return CLI_ERROR;
    }
    return CLI_RUN;
}

static void print_key(const struct config_key *key, void *ctx) {
    FILE *out = ctx;
    fprintf(out, "  %-28s %s%s%s%s\n", key->name, key->help, key->default_value ? " (default " : "",
            key->default_value ? key->default_value : "", key->default_value ? ")" : "");
}

void cli_print_help(FILE *out, const char *usage, const struct cli_option *options, const struct config *cfg) {
    fprintf(out, "%s\n\nOptions:\n", usage);
    fprintf(out, "  %-28s %s\n", "-F FILE", "read a properties file (key=value lines)");
    fprintf(out, "  %-28s %s\n", "-X key=value", "set any configuration key");
    for (const struct cli_option *o = options; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
        fprintf(out, "  %-28s %s (%s)\n", left, o->help, o->key);
    }
    fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
    fprintf(out, "\nConfiguration keys:\n");
    config_each_key(cfg, print_key, out);
}
