/* Backoff and crash-loop detection for bridge run's stages: see
 * restart_policy.h. */
#include "restart_policy.h"

#include <string.h>

void restart_history_init(struct restart_history *h) {
    memset(h, 0, sizeof *h);
    h->started_ms = -1;
}

void restart_started(struct restart_history *h, long long now_ms) {
    h->started_ms = now_ms;
    h->steady = 0;
}

int restart_backoff_ms(const struct restart_rule *r, int n) {
    long long ms = r->backoff_initial_ms;
    for (int i = 1; i < n && ms < r->backoff_max_ms; i++)
        ms *= 2;
    return ms < r->backoff_max_ms ? (int)ms : r->backoff_max_ms;
}

static void forget_exits(struct restart_history *h) {
    h->exit_count = 0;
    h->exit_next = 0;
}

int restart_check_steady(const struct restart_rule *r, struct restart_history *h, long long now_ms) {
    if (h->started_ms < 0 || h->steady || now_ms - h->started_ms < r->steady_ms)
        return 0;
    h->steady = 1;
    h->early_exits = 0;
    h->crash_loop = 0;
    forget_exits(h);
    return 1;
}

int restart_recent_exits(const struct restart_rule *r, const struct restart_history *h, long long now_ms) {
    int n = 0;
    for (int i = 0; i < h->exit_count; i++)
        if (now_ms - h->exits[i] < r->loop_window_ms)
            n++;
    return n;
}

int restart_exited(const struct restart_rule *r, struct restart_history *h, long long now_ms, int *loop_began) {
    *loop_began = 0;
    /* A run that reached steady_ms counts as steady even when nobody
     * looked at the clock while it ran. */
    restart_check_steady(r, h, now_ms);
    h->started_ms = -1;
    h->steady = 0;
    h->early_exits++;
    int keep = r->loop_exits < RESTART_MAX_LOOP_EXITS ? r->loop_exits : RESTART_MAX_LOOP_EXITS;
    h->exits[h->exit_next] = now_ms;
    h->exit_next = (h->exit_next + 1) % keep;
    if (h->exit_count < keep)
        h->exit_count++;
    if (!h->crash_loop && restart_recent_exits(r, h, now_ms) >= r->loop_exits) {
        h->crash_loop = 1;
        *loop_began = 1;
    }
    return restart_backoff_ms(r, h->early_exits);
}
