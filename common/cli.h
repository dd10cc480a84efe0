/* The command-line front end shared by every program, in kcat's manner:
 * `-F FILE` reads a properties file, `-X key=value` sets any key, and each
 * long option is a shorthand for one configuration key. Files are read
 * first, then options and -X in the order given, so the command line wins.
 * The table of options also gives --help. */
#ifndef BRIDGELAB_CLI_H
#define BRIDGELAB_CLI_H

#include <stdio.h>

#include "config.h"

struct cli_option {
    const char *name;       /* long option, without the dashes */
    const char *key;        /* the configuration key it sets */
    const char *flag_value; /* non-NULL: takes no argument and sets the key to this */
    const char *arg_name;   /* shown in --help, e.g. "N" */
    const char *help;
};

enum cli_result { CLI_RUN, CLI_HELP, CLI_ERROR };

/* options ends with an entry whose name is NULL. */
enum cli_result cli_parse(int argc, char *const argv[], const struct cli_option *options, struct config *cfg, char *err,
                          size_t errlen);
void cli_print_help(FILE *out, const char *usage, const struct cli_option *options, const struct config *cfg);

#endif
