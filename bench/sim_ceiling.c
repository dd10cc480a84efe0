/* sim-ceiling: the raw ceiling the simulator is measured against. It takes
 * the same settings as sim (-F, -X, --orders, --threads, --seed ...), makes
 * the same stream of actions with the same model up front, then replays
 * their very SQL (sql.c) on the same number of connections in a minimal
 * loop: statements, COMMIT, next — no pacing, no retries, no printing.
 * It prints one line: "ceiling: N orders in S s: R orders/s". */
#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "keys.h"
#include "log.h"
#include "model.h"
#include "settings.h"
#include "sql.h"

struct replay {
    struct action *actions;
    long long count;
    atomic_llong next;
    const char *dc;
    atomic_int failed;
};

struct writer {
    struct replay *replay;
    struct db *db;
    pthread_t thread;
};

static void *replay_writer(void *arg) {
    struct writer *w = arg;
    MYSQL *conn = db_connection(w->db);
    struct sql_batch batch;
    for (;;) {
        long long i = atomic_fetch_add(&w->replay->next, 1);
        if (i >= w->replay->count || w->replay->failed)
            break;
        sql_for_action(&w->replay->actions[i], w->replay->dc, &batch);
        for (int s = 0; s <= batch.count; s++) {
            if (mysql_query(conn, s < batch.count ? batch.text[s] : "COMMIT") != 0) {
                log_error("action %lld: %s", i, mysql_error(conn));
                w->replay->failed = 1;
                break;
            }
        }
    }
    return NULL;
}

/* Makes the whole stream of actions as sim would, every one committed. */
static long long make_actions(const struct sim_settings *s, const struct catalog *catalog, struct action **out) {
    struct model *model = model_new(&s->model, catalog);
    long long capacity = s->model.orders * 2 + 64, count = 0;
    struct action *actions = malloc((size_t)capacity * sizeof *actions);
    if (!model || !actions) {
        model_free(model);
        free(actions);
        return -1;
    }
    long long now = clock_wall_ms() / 1000 * 1000;
    for (;;) {
        if (count == capacity) {
            capacity *= 2;
            struct action *grown = realloc(actions, (size_t)capacity * sizeof *actions);
            if (!grown) {
                free(actions);
                model_free(model);
                return -1;
            }
            actions = grown;
        }
        model_next(model, now, &actions[count]);
        if (actions[count].kind == ACTION_NONE)
            break;
        model_committed(model, &actions[count]);
        count++;
    }
    model_free(model);
    *out = actions;
    return count;
}

int main(int argc, char **argv) {
    log_init("sim-ceiling");
    char err[1024], password[256] = "";
    struct config *cfg = config_new(sim_schema);
    struct sim_settings s;
    if (!cfg)
        return 1;
    if (cli_parse(argc, argv, sim_options, cfg, err, sizeof err) != CLI_RUN ||
        sim_settings_load(cfg, &s, err, sizeof err) != 0) {
        log_error("%s", err);
        config_free(cfg);
        return 2;
    }
    if (s.model.orders <= 0) {
        log_error("--orders N is needed: the ceiling replays a fixed number of orders");
        config_free(cfg);
        return 2;
    }
    const char *pw;
    if (keys_mysql_password(cfg, password, sizeof password, &pw, err, sizeof err) != 0) {
        log_error("%s", err);
        config_free(cfg);
        return 2;
    }
    mysql_library_init(0, NULL, NULL);
    struct db_target target = {s.host, s.port, s.user, pw, s.database, s.defaults_file, NULL};
    struct catalog catalog;
    struct db *loader = db_new(&target);
    int rc = 1;
    struct action *actions = NULL;
    struct writer *writers = calloc((size_t)s.threads, sizeof *writers);
    if (!loader || !writers || db_load_catalog(loader, &catalog, err, sizeof err) != DB_OK) {
        log_error("%s", loader && writers ? err : "out of memory");
        goto out;
    }
    long long count = make_actions(&s, &catalog, &actions);
    catalog_release(&catalog);
    if (count < 0) {
        log_error("out of memory");
        goto out;
    }
    struct replay replay = {.actions = actions, .count = count, .dc = s.dc};
    for (int i = 0; i < s.threads; i++) {
        writers[i].replay = &replay;
        writers[i].db = db_new(&target);
        if (!writers[i].db || db_connect(writers[i].db, err, sizeof err) != DB_OK) {
            log_error("%s", writers[i].db ? err : "out of memory");
            goto out;
        }
    }
    long long started = clock_mono_ms();
    for (int i = 0; i < s.threads; i++)
        pthread_create(&writers[i].thread, NULL, replay_writer, &writers[i]);
    for (int i = 0; i < s.threads; i++)
        pthread_join(writers[i].thread, NULL);
    double elapsed = (double)(clock_mono_ms() - started) / 1000.0;
    if (!replay.failed) {
        printf("ceiling: %lld orders (%lld actions) in %.3f s: %.1f orders/s\n", s.model.orders, count, elapsed,
               (double)s.model.orders / elapsed);
        rc = 0;
    }
out:
    for (int i = 0; writers && i < s.threads; i++)
        db_free(writers[i].db);
    free(writers);
    free(actions);
    db_free(loader);
    config_free(cfg);
    mysql_library_end();
    return rc;
}
