/* When bridge run starts a stage again, and when its exits are a crash
 * loop: the policy alone, apart from the processes, so that it can be
 * tested with a clock of the test's own.
 *
 * Backoff: the first restart after a run that ended early waits
 * backoff_initial_ms, each further early exit in a row twice as long, up to
 * backoff_max_ms (500 ms, 1 s, 2 s, ... 30 s by default; no jitter: a
 * supervisor of three local processes has no herd to spread). A run of
 * steady_ms or more counts as steady: the backoff starts again from the
 * first step. A crash loop is loop_exits exits within loop_window_ms (5 in
 * 60 s); it is said, not hidden, and it lasts until the stage has run
 * steady_ms without exiting, however slow the backoff has made its exits by
 * then. The stage is still restarted meanwhile, at the backoff's pace:
 * whatever it waits for (a broker, a port) may come back. */
#ifndef BRIDGELAB_BRIDGE_RUN_RESTART_POLICY_H
#define BRIDGELAB_BRIDGE_RUN_RESTART_POLICY_H

#define RESTART_MAX_LOOP_EXITS 100

struct restart_rule {
    int backoff_initial_ms;
    int backoff_max_ms;
    int steady_ms;
    int loop_exits; /* 2 to RESTART_MAX_LOOP_EXITS */
    int loop_window_ms;
};

/* One stage's history, owned by whoever supervises it. */
struct restart_history {
    long long started_ms; /* of the process running now; -1: none */
    int early_exits;      /* exits in a row, each after a run shorter than steady_ms */
    int crash_loop;
    int steady;                              /* the process running now has run steady_ms */
    long long exits[RESTART_MAX_LOOP_EXITS]; /* the last loop_exits exit times, a ring */
    int exit_count;                          /* how many of them are set */
    int exit_next;                           /* where the next one goes */
};

void restart_history_init(struct restart_history *h);

/* A process of the stage started at now_ms. */
void restart_started(struct restart_history *h, long long now_ms);

/* The process exited at now_ms. Returns how long to wait before the next
 * start. *loop_began is 1 when this exit made it a crash loop (it was not
 * one before), else 0. */
int restart_exited(const struct restart_rule *r, struct restart_history *h, long long now_ms, int *loop_began);

/* For the loop that watches a running process: once it has run steady_ms,
 * the backoff starts again from its first step, the exits so far are
 * forgotten and a crash loop is over. Returns 1 the moment that happens
 * (once per run), else 0. */
int restart_check_steady(const struct restart_rule *r, struct restart_history *h, long long now_ms);

/* Exits within loop_window_ms before now_ms. */
int restart_recent_exits(const struct restart_rule *r, const struct restart_history *h, long long now_ms);

/* The backoff after the n-th early exit in a row (n >= 1). */
int restart_backoff_ms(const struct restart_rule *r, int n);

#endif
