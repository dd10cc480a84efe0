/* The engine of bridge run: the pipeline's stages as child processes of
 * one supervisor, each restarted with backoff when it dies, its output
 * relayed line by line into the supervisor's one log stream, its state
 * (and its own /healthz and /metrics) gathered for the supervisor's.
 *
 * What it decides, and why:
 *   - A stage that exits, or dies of a signal, is started again after the
 *     backoff of restart_policy.h; a crash loop is logged (the stage, how it
 *     ended, the count) and shown in /healthz and /metrics until the stage
 *     runs steadily again.
 *   - A stage that exits 2 refused its configuration (each stage's command
 *     exits 2 for bad settings, before doing any work): the same settings
 *     would be refused again, so it is not restarted. It stays "failed" in
 *     /healthz (503) and /metrics, the other stages go on. When no stage is
 *     left to run, supervisor_run returns 2.
 *   - SIGTERM or SIGINT is forwarded to every stage at once (each commits
 *     what it has in flight); a stage still running stop_timeout_ms later is
 *     SIGKILLed and said so. supervisor_run returns 0 when every stage
 *     stopped cleanly (exit 0, or the SIGTERM itself), else 1.
 *
 * The engine knows nothing of argv or of the command line: it is given
 * each stage's argv and address. Its own lines go through log.c, the
 * relayed lines to the same stream. Linux only (signalfd, PDEATHSIG). */
#ifndef BRIDGELAB_BRIDGE_RUN_SUPERVISOR_H
#define BRIDGELAB_BRIDGE_RUN_SUPERVISOR_H

#include <stddef.h>

#include "restart_policy.h"

struct supervisor_stage {
    const char *name;        /* "cdc": in the supervisor's lines and labels */
    const char *program;     /* "bridge cdc": what the stage's own log lines name */
    char *const *argv;       /* the stage's command line, NULL-terminated; argv[0] is what ps shows */
    const char *http_listen; /* where it serves /metrics and /healthz; "" = nowhere */
};

struct supervisor_settings {
    const char *exe; /* what is exec'd (e.g. /proc/self/exe) */
    struct restart_rule rule;
    int stop_timeout_ms;
    int probe_timeout_ms;
};

struct supervisor;

/* Everything given must outlive the supervisor. Blocks SIGCHLD, SIGTERM
 * and SIGINT for the whole process (to read them from a signalfd), so call
 * it before any thread is started; supervisor_free restores the mask.
 * NULL with err on failure. */
struct supervisor *supervisor_new(const struct supervisor_settings *s, const struct supervisor_stage *stages, int count,
                                  char *err, size_t errlen);

/* Starts the stages and supervises them until a SIGTERM or SIGINT has
 * stopped them all (0: all cleanly, 1: not), or until none is left to run
 * (2). */
int supervisor_run(struct supervisor *sv);

/* The supervisor's /metrics: its own series, then each running stage's
 * own /metrics. Returns the length written into buf (at most cap). Any
 * thread. */
size_t supervisor_metrics(struct supervisor *sv, char *buf, size_t cap);

/* The supervisor's /healthz: a JSON document naming every stage, its state
 * and, for one that is not up, why. *ok is 1 when every stage is up
 * (running, not in a crash loop, its own /healthz 200). Any thread. */
size_t supervisor_health(struct supervisor *sv, char *buf, size_t cap, int *ok);

void supervisor_free(struct supervisor *sv);

#endif
