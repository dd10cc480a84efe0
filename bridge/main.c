/* bridge: one binary, one subcommand per stage of the pipeline, in git's
 * manner: a table maps each name to the function that runs it, and
 * `bridge --help` falls out of the table. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"cdc", cmd_cdc, "stream the MySQL binlog's row changes into the onprem Kafka cluster, exactly once"},
    {"replicate", cmd_replicate, "copy the onprem cluster's topics onto the cloud cluster, exactly once"},
    {"sink", cmd_sink,
     "write the cloud cluster's topics into the lake's files (ADLS Gen2, Azurite, a folder), exactly once"},
    {"run", cmd_run,
     "run cdc, replicate and sink under one supervisor: restarts with backoff, one log, one /metrics and /healthz"},
    {"offsets", cmd_offsets, "translate: where a consumer group resumes on the cloud cluster, exactly"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: bridge <command> [-F FILE] [-X key=value]... [options]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'bridge <command> --help' lists the command's options and configuration keys.\n");
}

int main(int argc, char **argv) {
    log_init("bridge");
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    log_error("'%s' is not a bridge command: see bridge --help", argv[1]);
    return 2;
}
