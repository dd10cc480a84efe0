/* bridge offsets translate: where a consumer group of the onprem cluster
 * resumes on the cloud cluster, exactly (see replicate/offset_translate.h);
 * with --apply, those offsets are written into the group there. Reads the
 * same properties as bridge replicate (its rename format, group and offsets
 * topic say where the copies are and how far they go). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "config.h"
#include "kafka.h"
#include "keys.h"
#include "log.h"
#include "replicate/offset_translate.h"
#include "replicate/replicate_settings.h"

static const char usage[] =
    "usage: bridge offsets translate --group GROUP [--apply] [-F FILE] [-X key=value]...\n"
    "Prints, for each partition a consumer group committed on the onprem cluster, the offset on the cloud\n"
    "cluster's copy at which it resumes with no record skipped and none read twice; --apply writes them into\n"
    "the group on the cloud cluster (only while the group has no active members there).";

static const struct config_key offsets_keys[] = {
    {"offsets.group", CONFIG_STRING, NULL, 0, 0, "the consumer group (on the onprem cluster) to translate"},
    {"offsets.apply", CONFIG_BOOL, "false", 0, 0, "write the translated offsets into the group on the cloud cluster"},
    {"offsets.timeout.ms", CONFIG_INT, "30000", 100, 600000, "how long each request to a cluster may take"},
    {0},
};

static const struct config_key *const offsets_schema[] = {common_keys,    kafka_keys,      replicate_keys, offsets_keys,
                                                          cdc_stage_keys, sink_stage_keys, run_stage_keys, NULL};

static const struct cli_option offsets_options[] = {
    {"group", "offsets.group", NULL, "GROUP", "the consumer group to translate"},
    {"apply", "offsets.apply", "true", NULL, "write the offsets into the group on the cloud cluster"},
    {"from", "onprem.bootstrap.servers", NULL, "HOST:PORT", "the source (onprem) Kafka cluster"},
    {"to", "cloud.bootstrap.servers", NULL, "HOST:PORT", "the destination (cloud) Kafka cluster"},
    {"log-level", "log.level", NULL, "LEVEL", "error, warn, info or debug"},
    {0},
};

static void print_translation(const struct translation *t, size_t count) {
    printf("%-32s %9s %14s  %-32s %14s\n", "ONPREM TOPIC", "PARTITION", "ONPREM OFFSET", "CLOUD TOPIC", "CLOUD OFFSET");
    for (size_t i = 0; i < count; i++) {
        const struct translation *x = &t[i];
        printf("%-32s %9d %14" PRId64 "  %-32s ", x->source_topic, (int)x->partition, x->committed,
               x->dest_topic[0] ? x->dest_topic : "-");
        switch (x->status) {
        case TRANSLATED:
            printf("%14" PRId64 "\n", x->dest);
            break;
        case TRANSLATE_NOT_YET:
            printf("%14s (replicated up to %" PRId64 " only: run again later)\n", "-", x->replicated);
            break;
        case TRANSLATE_NO_COPY:
            printf("%14s (not replicated)\n", "-");
            break;
        }
    }
}

int cmd_offsets(int argc, char **argv) {
    log_init("bridge offsets");
    if (argc < 2 || strcmp(argv[1], "translate") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            printf("%s\n", usage);
            return 0;
        }
        log_error("bridge offsets: the one subcommand is 'translate' (bridge offsets translate --group GROUP)");
        return 2;
    }
    char err[1024];
    int rc = 2;
    struct replicate_settings s;
    int settings_loaded = 0;
    rd_kafka_conf_t *source_conf = NULL, *dest_conf = NULL;
    struct translation *t = NULL;
    size_t count = 0;
    struct config *cfg = config_new(offsets_schema);
    if (!cfg) {
        log_error("out of memory");
        return 1;
    }
    enum cli_result parsed = cli_parse(argc - 1, argv + 1, offsets_options, cfg, err, sizeof err);
    if (parsed == CLI_HELP) {
        cli_print_help(stdout, usage, offsets_options, cfg);
        rc = 0;
        goto out;
    }
    enum log_level level;
    if (parsed == CLI_ERROR || replicate_settings_load(cfg, &s, err, sizeof err) != 0 ||
        keys_log_level(cfg, &level, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    settings_loaded = 1;
    log_set_level(level);
    const char *group = config_get(cfg, "offsets.group");
    if (!group || !group[0]) {
        log_error("no consumer group given: bridge offsets translate --group GROUP (or -X offsets.group=GROUP)");
        goto out;
    }
    if (!(source_conf = kafka_conf_new(cfg, "onprem", err, sizeof err)) ||
        !(dest_conf = kafka_conf_new(cfg, "cloud", err, sizeof err))) {
        log_error("%s", err);
        goto out;
    }
    rc = 1;
    struct translate_request req = {source_conf,
                                    dest_conf,
                                    group,
                                    s.group_id,
                                    s.offsets_topic,
                                    replicate_settings_destination,
                                    &s,
                                    (int)config_get_int(cfg, "offsets.timeout.ms")};
    if (offset_translate(&req, &t, &count, err, sizeof err) != 0) {
        log_error("%s", err);
        goto out;
    }
    print_translation(t, count);
    size_t translated = 0, not_yet = 0;
    for (size_t i = 0; i < count; i++) {
        translated += t[i].status == TRANSLATED;
        not_yet += t[i].status == TRANSLATE_NOT_YET;
    }
    if (config_get_bool(cfg, "offsets.apply")) {
        if (offset_translate_apply(&req, t, count, err, sizeof err) != 0) { /* refused or failed */
            log_error("%s", err);
            goto out;
        }
        log_info("group '%s': %zu offsets written on the cloud cluster", group, translated);
    }
    rc = not_yet ? 1 : 0;
    if (not_yet)
        log_warn("group '%s': %zu partitions are committed past what is replicated yet: run again later", group,
                 not_yet);
out:
    free(t);
    if (source_conf)
        rd_kafka_conf_destroy(source_conf);
    if (dest_conf)
        rd_kafka_conf_destroy(dest_conf);
    if (settings_loaded)
        replicate_settings_release(&s);
    config_free(cfg);
    return rc;
}
