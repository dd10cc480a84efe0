/* bridge run's engine: children, backoff, crash loops, the line relay and
 * the combined status. See supervisor.h. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "http_status.h"
#include "json_writer.h"
#include "line_relay.h"
#include "log.h"
#include "stage_probe.h"

enum stage_state {
    STAGE_IDLE,    /* not started yet */
    STAGE_RUNNING, /* its process runs */
    STAGE_WAITING, /* exited; started again at due_ms */
    STAGE_FAILED,  /* exited 2: not restarted */
    STAGE_STOPPED, /* the supervisor stopped it */
};

struct stage {
    struct supervisor_stage spec;
    enum stage_state state;
    struct child child;
    struct line_relay out, err;
    struct restart_history history;
    long long started_ms; /* monotonic, of the process running now */
    long long due_ms;     /* monotonic, the next start while waiting */
    unsigned long long restarts;
    int last_status;    /* the last exit as a shell says it: the status, 128 + N for signal N; -1: none */
    char last_exit[96]; /* "exited with status 1", "was killed by signal 9 (Killed)" */
    double last_run_s;
    int stop_killed; /* SIGKILLed at the stop timeout */
    int stop_clean;  /* stopped as asked */
};

struct supervisor {
    struct supervisor_settings settings;
    struct stage *stages;
    int count;
    int sigfd;
    sigset_t old_mask;
    pthread_mutex_t lock; /* the stages' state, for the HTTP thread */
    int stopping;
    long long stop_deadline_ms;
    int stop_killed; /* the SIGKILLs of the stop timeout were sent */
};

/* ------------------------------------------------------------ set-up --- */

static void relay_line(const char *line, size_t len, void *ctx) {
    (void)ctx;
    log_write_line(line, len);
}

/* fds 0 to 2 open (/dev/null for a missing one), so that no pipe takes
 * their numbers: a child's dup2 onto them would then be a no-op that
 * keeps close-on-exec. */
static void ensure_standard_fds(void) {
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0 && null != fd) {
                dup2(null, fd);
                close(null);
            }
        }
}

struct supervisor *supervisor_new(const struct supervisor_settings *s, const struct supervisor_stage *stages, int count,
                                  char *err, size_t errlen) {
    struct supervisor *sv = calloc(1, sizeof *sv);
    if (!sv || !(sv->stages = calloc((size_t)(count > 0 ? count : 1), sizeof *sv->stages))) {
        free(sv);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sv->settings = *s;
    sv->count = count;
    for (int i = 0; i < count; i++) {
        struct stage *st = &sv->stages[i];
        st->spec = stages[i];
        st->state = STAGE_IDLE;
        st->child.pid = -1;
        st->child.out_fd = st->child.err_fd = -1;
        st->last_status = -1;
        restart_history_init(&st->history);
    }
    ensure_standard_fds();
    signal(SIGPIPE, SIG_IGN); /* a closed log stream is an error return, not a death */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &sv->old_mask);
    sv->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sv->sigfd < 0) {
        snprintf(err, errlen, "cannot make a signalfd: %s", strerror(errno));
        pthread_sigmask(SIG_SETMASK, &sv->old_mask, NULL);
        free(sv->stages);
        free(sv);
        return NULL;
    }
    pthread_mutex_init(&sv->lock, NULL);
    return sv;
}

void supervisor_free(struct supervisor *sv) {
    if (!sv)
        return;
    for (int i = 0; i < sv->count; i++)
        child_close_pipes(&sv->stages[i].child);
    close(sv->sigfd);
    pthread_sigmask(SIG_SETMASK, &sv->old_mask, NULL);
    pthread_mutex_destroy(&sv->lock);
    free(sv->stages);
    free(sv);
}

/* ------------------------------------------------------- the children --- */

/* "SIGTERM" */
static const char *signal_name(int signo) {
    static __thread char name[32];
    const char *abbrev = sigabbrev_np(signo);
    snprintf(name, sizeof name, "SIG%s", abbrev ? abbrev : "?");
    return name;
}

/* "exited with status 1" or "was killed by signal 9 (Killed)"; returns the
 * status as a shell gives it. */
static int describe_exit(int status, char *out, size_t outlen) {
    if (WIFEXITED(status)) {
        snprintf(out, outlen, "exited with status %d", WEXITSTATUS(status));
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        snprintf(out, outlen, "was killed by signal %d (%s)%s", WTERMSIG(status), signal_name(WTERMSIG(status)),
                 WCOREDUMP(status) ? ", core dumped" : "");
        return 128 + WTERMSIG(status);
    }
    snprintf(out, outlen, "ended with wait status %d", status);
    return 255;
}

/* Reads what the pipe holds now; at its end (or a read error) the relay
 * is finished and the pipe closed. Returns 1 while the pipe stays open. */
static int drain(int *fd, struct line_relay *relay, int all) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
            line_relay_feed(relay, buf, (size_t)n);
            if (!all)
                return 1;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !all)
            return 1;
        /* the end, an error, or (all) a writer the dead stage left behind */
        line_relay_finish(relay);
        close(*fd);
        *fd = -1;
        return 0;
    }
}

static void schedule_restart(struct supervisor *sv, struct stage *st, long long now, const char *how, double run_s,
                             pid_t pid);

static void start_stage(struct supervisor *sv, struct stage *st, long long now) {
    char err[512];
    int again = st->state != STAGE_IDLE;
    line_relay_init(&st->out, st->spec.program, LOG_LEVEL_INFO, relay_line, NULL);
    line_relay_init(&st->err, st->spec.program, LOG_LEVEL_WARN, relay_line, NULL);
    struct child c;
    if (child_start(sv->settings.exe, st->spec.argv, &c, err, sizeof err) != 0) {
        log_error("%s: %s", st->spec.name, err);
        pthread_mutex_lock(&sv->lock);
        restart_started(&st->history, now);
        if (again)
            st->restarts++;
        st->last_status = 127;
        snprintf(st->last_exit, sizeof st->last_exit, "could not be started");
        pthread_mutex_unlock(&sv->lock);
        schedule_restart(sv, st, now, st->last_exit, 0, -1);
        return;
    }
    pthread_mutex_lock(&sv->lock);
    st->child = c;
    st->state = STAGE_RUNNING;
    st->started_ms = now;
    restart_started(&st->history, now);
    if (again)
        st->restarts++;
    unsigned long long restarts = st->restarts;
    pthread_mutex_unlock(&sv->lock);
    if (again)
        log_info("%s started again (pid %d, restart %llu)", st->spec.name, (int)c.pid, restarts);
    else
        log_info("%s started (pid %d)", st->spec.name, (int)c.pid);
}

/* After an exit that is not a stop and not a refused configuration. */
static void schedule_restart(struct supervisor *sv, struct stage *st, long long now, const char *how, double run_s,
                             pid_t pid) {
    const struct restart_rule *rule = &sv->settings.rule;
    int loop_began;
    pthread_mutex_lock(&sv->lock);
    int delay = restart_exited(rule, &st->history, now, &loop_began);
    st->state = STAGE_WAITING;
    st->due_ms = now + delay;
    int looping = st->history.crash_loop;
    int recent = restart_recent_exits(rule, &st->history, now);
    pthread_mutex_unlock(&sv->lock);
    char who[64];
    if (pid > 0)
        snprintf(who, sizeof who, "%s (pid %d)", st->spec.name, (int)pid);
    else
        snprintf(who, sizeof who, "%s", st->spec.name);
    if (loop_began)
        log_error("%s: crash loop: %d exits within %.0f s, the last: %s after %.1f s; it is started again with "
                  "backoff (next in %.1f s, at most every %.1f s) and is reported as crash-loop until it runs %.0f s "
                  "without exiting",
                  who, recent, rule->loop_window_ms / 1000.0, how, run_s, delay / 1000.0, rule->backoff_max_ms / 1000.0,
                  rule->steady_ms / 1000.0);
    else
        log_warn("%s %s after %.1f s; starting it again in %.1f s%s", who, how, run_s, delay / 1000.0,
                 looping ? " (crash loop)" : "");
}

/* The stage's process ended with status (from waitpid). */
static void on_exit_status(struct supervisor *sv, struct stage *st, int status, long long now) {
    pid_t pid = st->child.pid;
    if (st->child.out_fd >= 0)
        drain(&st->child.out_fd, &st->out, 1);
    if (st->child.err_fd >= 0)
        drain(&st->child.err_fd, &st->err, 1);
    char how[96];
    int code = describe_exit(status, how, sizeof how);
    double run_s = (now - st->started_ms) / 1000.0;
    pthread_mutex_lock(&sv->lock);
    st->child.pid = -1;
    st->last_status = code;
    st->last_run_s = run_s;
    snprintf(st->last_exit, sizeof st->last_exit, "%s", how);
    pthread_mutex_unlock(&sv->lock);
    if (sv->stopping) {
        int clean = !st->stop_killed && ((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
                                         (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM));
        pthread_mutex_lock(&sv->lock);
        st->state = STAGE_STOPPED;
        st->stop_clean = clean;
        pthread_mutex_unlock(&sv->lock);
        if (clean)
            log_info("%s (pid %d) stopped: %s after %.1f s", st->spec.name, (int)pid, how, run_s);
        else
            log_warn("%s (pid %d) did not stop cleanly: %s", st->spec.name, (int)pid, how);
        return;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
        pthread_mutex_lock(&sv->lock);
        st->state = STAGE_FAILED;
        pthread_mutex_unlock(&sv->lock);
        log_error("%s (pid %d) exited with status 2 after %.1f s: it refused its configuration (its lines above say "
                  "why); not started again, since the same settings would be refused again: fix them, then restart "
                  "bridge run",
                  st->spec.name, (int)pid, run_s);
        return;
    }
    schedule_restart(sv, st, now, how, run_s, pid);
}

static void reap(struct supervisor *sv, long long now) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < sv->count; i++)
            if (sv->stages[i].state == STAGE_RUNNING && sv->stages[i].child.pid == pid) {
                on_exit_status(sv, &sv->stages[i], status, now);
                break;
            }
    }
}

/* ----------------------------------------------------------- stopping --- */

static void begin_stop(struct supervisor *sv, int signo, long long now) {
    if (sv->stopping) {
        log_info("%s: already stopping (SIGKILL in %.1f s for a stage still running)", signal_name(signo),
                 (sv->stop_deadline_ms - now) / 1000.0);
        return;
    }
    char names[512] = "";
    size_t used = 0;
    pthread_mutex_lock(&sv->lock);
    sv->stopping = 1;
    sv->stop_deadline_ms = now + sv->settings.stop_timeout_ms;
    for (int i = 0; i < sv->count; i++) {
        struct stage *st = &sv->stages[i];
        if (st->state == STAGE_RUNNING) {
            kill(st->child.pid, SIGTERM);
            int n = snprintf(names + used, sizeof names - used, "%s%s (pid %d)", used ? ", " : "", st->spec.name,
                             (int)st->child.pid);
            if (n > 0 && (size_t)n < sizeof names - used)
                used += (size_t)n;
        } else if (st->state != STAGE_FAILED) {
            st->state = STAGE_STOPPED;
            st->stop_clean = 1;
        }
    }
    pthread_mutex_unlock(&sv->lock);
    if (used)
        log_info("%s: stopping: SIGTERM to %s; SIGKILL for any still running after %d ms (run.stop.timeout.ms)",
                 signal_name(signo), names, sv->settings.stop_timeout_ms);
    else
        log_info("%s: stopping: no stage is running", signal_name(signo));
}

static void kill_stragglers(struct supervisor *sv) {
    sv->stop_killed = 1;
    for (int i = 0; i < sv->count; i++) {
        struct stage *st = &sv->stages[i];
        if (st->state != STAGE_RUNNING)
            continue;
        st->stop_killed = 1;
        log_error("%s (pid %d) still running %d ms after SIGTERM (run.stop.timeout.ms): SIGKILL", st->spec.name,
                  (int)st->child.pid, sv->settings.stop_timeout_ms);
        kill(st->child.pid, SIGKILL);
    }
}

/* ----------------------------------------------------------- the loop --- */

static int count_in(const struct supervisor *sv, enum stage_state state) {
    int n = 0;
    for (int i = 0; i < sv->count; i++)
        n += sv->stages[i].state == state;
    return n;
}

static int next_wait_ms(const struct supervisor *sv, long long now) {
    long long wake = now + 1000;
    if (sv->stopping && !sv->stop_killed && sv->stop_deadline_ms < wake)
        wake = sv->stop_deadline_ms;
    for (int i = 0; i < sv->count; i++) {
        const struct stage *st = &sv->stages[i];
        if (!sv->stopping && st->state == STAGE_WAITING && st->due_ms < wake)
            wake = st->due_ms;
        if (st->state == STAGE_RUNNING && !st->history.steady && st->started_ms + sv->settings.rule.steady_ms < wake)
            wake = st->started_ms + sv->settings.rule.steady_ms;
    }
    return wake > now ? (int)(wake - now) : 0;
}

static void read_signals(struct supervisor *sv, long long now) {
    struct signalfd_siginfo si;
    int children = 0;
    while (read(sv->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD)
            children = 1;
        else
            begin_stop(sv, (int)si.ssi_signo, now);
    }
    if (children)
        reap(sv, now);
}

static void on_timers(struct supervisor *sv, long long now) {
    if (sv->stopping && !sv->stop_killed && now >= sv->stop_deadline_ms)
        kill_stragglers(sv);
    for (int i = 0; i < sv->count; i++) {
        struct stage *st = &sv->stages[i];
        if (!sv->stopping && st->state == STAGE_WAITING && now >= st->due_ms) {
            start_stage(sv, st, now);
        } else if (st->state == STAGE_RUNNING) {
            pthread_mutex_lock(&sv->lock);
            int was_loop = st->history.crash_loop, had_exits = st->history.early_exits;
            int steady = restart_check_steady(&sv->settings.rule, &st->history, now);
            pthread_mutex_unlock(&sv->lock);
            if (steady && was_loop)
                log_info("%s has run %.0f s without exiting: the crash loop is over, the backoff starts again from "
                         "%d ms",
                         st->spec.name, sv->settings.rule.steady_ms / 1000.0, sv->settings.rule.backoff_initial_ms);
            else if (steady && had_exits)
                log_info("%s has run %.0f s without exiting: the backoff starts again from %d ms", st->spec.name,
                         sv->settings.rule.steady_ms / 1000.0, sv->settings.rule.backoff_initial_ms);
        }
    }
}

static int final_status(struct supervisor *sv) {
    char problems[512] = "";
    size_t used = 0;
    for (int i = 0; i < sv->count; i++) {
        const struct stage *st = &sv->stages[i];
        const char *what = st->state == STAGE_FAILED ? "failed (exit 2)"
                           : st->stop_killed         ? "was SIGKILLed"
                           : !st->stop_clean         ? st->last_exit
                                                     : NULL;
        if (!what)
            continue;
        int n = snprintf(problems + used, sizeof problems - used, "%s%s %s", used ? ", " : "", st->spec.name, what);
        if (n > 0 && (size_t)n < sizeof problems - used)
            used += (size_t)n;
    }
    if (!used) {
        log_info("stopped: every stage stopped cleanly");
        return 0;
    }
    log_warn("stopped, not cleanly: %s", problems);
    return 1;
}

int supervisor_run(struct supervisor *sv) {
    struct pollfd *fds = calloc((size_t)(1 + 2 * sv->count), sizeof *fds);
    int *owner = calloc((size_t)(1 + 2 * sv->count), sizeof *owner);
    if (!fds || !owner) {
        log_error("out of memory");
        free(fds);
        free(owner);
        return 1;
    }
    long long now = clock_mono_ms();
    read_signals(sv, now); /* a SIGTERM that came before: nothing is started */
    for (int i = 0; i < sv->count && !sv->stopping; i++)
        start_stage(sv, &sv->stages[i], now);
    for (;;) {
        if (sv->stopping && count_in(sv, STAGE_RUNNING) == 0)
            break;
        if (!sv->stopping && count_in(sv, STAGE_FAILED) == sv->count) {
            log_error("nothing left to run: every stage refused its configuration (exit 2)");
            free(fds);
            free(owner);
            return 2;
        }
        int n = 0;
        fds[n].fd = sv->sigfd;
        fds[n].events = POLLIN;
        owner[n++] = -1;
        for (int i = 0; i < sv->count; i++) {
            const struct stage *st = &sv->stages[i];
            if (st->state != STAGE_RUNNING)
                continue;
            if (st->child.out_fd >= 0) {
                fds[n].fd = st->child.out_fd;
                fds[n].events = POLLIN;
                owner[n++] = 2 * i;
            }
            if (st->child.err_fd >= 0) {
                fds[n].fd = st->child.err_fd;
                fds[n].events = POLLIN;
                owner[n++] = 2 * i + 1;
            }
        }
        int ready = poll(fds, (nfds_t)n, next_wait_ms(sv, clock_mono_ms()));
        if (ready < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            clock_sleep_ms(100);
        }
        now = clock_mono_ms();
        /* Output first, then exits: a stage's last lines come before the line saying it ended. */
        for (int k = 1; ready > 0 && k < n; k++) {
            if (!fds[k].revents)
                continue;
            struct stage *st = &sv->stages[owner[k] / 2];
            int *fd = owner[k] % 2 ? &st->child.err_fd : &st->child.out_fd;
            if (*fd == fds[k].fd)
                drain(fd, owner[k] % 2 ? &st->err : &st->out, 0);
        }
        if (ready > 0 && fds[0].revents)
            read_signals(sv, now);
        on_timers(sv, now);
    }
    free(fds);
    free(owner);
    return final_status(sv);
}

/* ------------------------------------------------- the status, for HTTP --- */

struct stage_view {
    const char *name, *program, *http_listen;
    enum stage_state state;
    int stopping;
    int pid;
    unsigned long long restarts;
    int crash_loop, recent_exits, last_status;
    char last_exit[96];
    double last_run_s, uptime_s, due_in_s;
    /* from the stage's own /healthz */
    int probed, healthy;
    char health[256];
};

static void take_views(struct supervisor *sv, struct stage_view *v) {
    long long now = clock_mono_ms();
    pthread_mutex_lock(&sv->lock);
    for (int i = 0; i < sv->count; i++) {
        const struct stage *st = &sv->stages[i];
        memset(&v[i], 0, sizeof v[i]);
        v[i].name = st->spec.name;
        v[i].program = st->spec.program;
        v[i].http_listen = st->spec.http_listen;
        v[i].state = st->state;
        v[i].stopping = sv->stopping;
        v[i].pid = st->state == STAGE_RUNNING ? (int)st->child.pid : 0;
        v[i].restarts = st->restarts;
        v[i].crash_loop = st->history.crash_loop;
        v[i].recent_exits = restart_recent_exits(&sv->settings.rule, &st->history, now);
        v[i].last_status = st->last_status;
        snprintf(v[i].last_exit, sizeof v[i].last_exit, "%s", st->last_exit);
        v[i].last_run_s = st->last_run_s;
        v[i].uptime_s = st->state == STAGE_RUNNING ? (now - st->started_ms) / 1000.0 : 0;
        v[i].due_in_s = st->state == STAGE_WAITING ? (st->due_ms - now) / 1000.0 : 0;
    }
    pthread_mutex_unlock(&sv->lock);
}

/* The first line of text, at most n bytes of it. */
static void first_line(char *out, size_t outlen, const char *text) {
    size_t n = strcspn(text, "\r\n");
    snprintf(out, outlen, "%.*s", (int)n, text);
}

/* Asks a running stage's own /healthz. */
static void probe_health(const struct supervisor *sv, struct stage_view *v) {
    if (v->state != STAGE_RUNNING || !v->http_listen[0])
        return;
    struct probe_answer a;
    v->probed = 1;
    if (stage_probe_get(v->http_listen, "/healthz", sv->settings.probe_timeout_ms, &a) != 0) {
        snprintf(v->health, sizeof v->health, "no answer (%.200s)", a.error);
    } else {
        char line[200];
        first_line(line, sizeof line, a.body);
        v->healthy = a.status == 200;
        snprintf(v->health, sizeof v->health, "%ld %s", a.status, line);
    }
    stage_probe_release(&a);
}

static const char *const state_names[] = {"up",     "unhealthy", "restarting", "crash-loop",
                                          "failed", "stopping",  "stopped"};
enum shown_state {
    SHOWN_UP,
    SHOWN_UNHEALTHY,
    SHOWN_RESTARTING,
    SHOWN_CRASH_LOOP,
    SHOWN_FAILED,
    SHOWN_STOPPING,
    SHOWN_STOPPED
};

/* What the status says of the stage, and why when it is not up. */
static enum shown_state shown(const struct supervisor *sv, const struct stage_view *v, char *why, size_t whylen) {
    why[0] = '\0';
    if (v->state == STAGE_FAILED) {
        snprintf(why, whylen,
                 "exited with status 2 after %.1f s: its configuration was refused (see its log lines); not started "
                 "again",
                 v->last_run_s);
        return SHOWN_FAILED;
    }
    if (v->state == STAGE_STOPPED || (v->stopping && v->state != STAGE_RUNNING)) {
        snprintf(why, whylen, "stopped by the supervisor");
        return SHOWN_STOPPED;
    }
    if (v->stopping) {
        snprintf(why, whylen, "stopping: SIGTERM sent");
        return SHOWN_STOPPING;
    }
    if (v->state == STAGE_IDLE) {
        snprintf(why, whylen, "not started yet");
        return SHOWN_RESTARTING;
    }
    if (v->crash_loop) {
        int n = snprintf(why, whylen, "crash loop: %d exits within %.0f s, the last: %s after %.1f s; ",
                         v->recent_exits, sv->settings.rule.loop_window_ms / 1000.0, v->last_exit, v->last_run_s);
        if (n > 0 && (size_t)n < whylen) {
            if (v->state == STAGE_WAITING)
                snprintf(why + n, whylen - (size_t)n, "starting again in %.1f s", v->due_in_s);
            else
                snprintf(why + n, whylen - (size_t)n, "running again for %.1f s (over after %.0f s)", v->uptime_s,
                         sv->settings.rule.steady_ms / 1000.0);
        }
        return SHOWN_CRASH_LOOP;
    }
    if (v->state == STAGE_WAITING) {
        snprintf(why, whylen, "%s after %.1f s; starting again in %.1f s", v->last_exit, v->last_run_s, v->due_in_s);
        return SHOWN_RESTARTING;
    }
    if (v->probed && !v->healthy) {
        snprintf(why, whylen, "its /healthz: %s", v->health);
        return SHOWN_UNHEALTHY;
    }
    return SHOWN_UP;
}

size_t supervisor_health(struct supervisor *sv, char *buf, size_t cap, int *ok) {
    struct stage_view *views = calloc((size_t)(sv->count > 0 ? sv->count : 1), sizeof *views);
    struct json_writer *w = json_writer_new(4096);
    char(*whys)[512] = calloc((size_t)(sv->count > 0 ? sv->count : 1), sizeof *whys);
    enum shown_state *states = calloc((size_t)(sv->count > 0 ? sv->count : 1), sizeof *states);
    size_t len = 0;
    *ok = 0;
    if (!views || !w || !whys || !states) {
        len = (size_t)snprintf(buf, cap, "{\"status\":\"unknown\",\"why\":\"out of memory\"}\n");
        goto out;
    }
    take_views(sv, views);
    int all_up = sv->count > 0;
    for (int i = 0; i < sv->count; i++) {
        probe_health(sv, &views[i]);
        states[i] = shown(sv, &views[i], whys[i], sizeof whys[i]);
        all_up &= states[i] == SHOWN_UP;
    }
    json_writer_begin_object(w);
    json_writer_key(w, "status");
    json_writer_string(w, all_up ? "ok" : "unhealthy");
    if (!all_up) {
        char summary[2048] = "";
        size_t used = 0;
        json_writer_key(w, "down");
        json_writer_begin_array(w);
        for (int i = 0; i < sv->count; i++) {
            if (states[i] == SHOWN_UP)
                continue;
            json_writer_string(w, views[i].name);
            int n =
                snprintf(summary + used, sizeof summary - used, "%s%s: %s", used ? "; " : "", views[i].name, whys[i]);
            if (n > 0 && (size_t)n < sizeof summary - used)
                used += (size_t)n;
        }
        json_writer_end_array(w);
        json_writer_key(w, "why");
        json_writer_string(w, summary);
    }
    json_writer_key(w, "stages");
    json_writer_begin_array(w);
    for (int i = 0; i < sv->count; i++) {
        const struct stage_view *v = &views[i];
        json_writer_begin_object(w);
        json_writer_key(w, "stage");
        json_writer_string(w, v->name);
        json_writer_key(w, "state");
        json_writer_string(w, state_names[states[i]]);
        json_writer_key(w, "pid");
        if (v->pid > 0)
            json_writer_int(w, v->pid);
        else
            json_writer_null(w);
        json_writer_key(w, "restarts");
        json_writer_uint(w, v->restarts);
        json_writer_key(w, "crash_loop");
        json_writer_bool(w, v->crash_loop);
        json_writer_key(w, "recent_exits");
        json_writer_int(w, v->recent_exits);
        json_writer_key(w, "last_exit");
        json_writer_string(w, v->last_status >= 0 ? v->last_exit : NULL);
        json_writer_key(w, "healthz");
        json_writer_string(w, v->probed ? v->health : NULL);
        if (whys[i][0] && states[i] != SHOWN_UP) {
            json_writer_key(w, "why");
            json_writer_string(w, whys[i]);
        }
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    json_writer_end_object(w);
    if (!json_writer_complete(w)) {
        len = (size_t)snprintf(buf, cap, "{\"status\":\"unknown\",\"why\":\"out of memory\"}\n");
        goto out;
    }
    len = json_writer_len(w);
    if (len + 1 > cap)
        len = cap - 1;
    memcpy(buf, json_writer_data(w), len);
    buf[len++] = '\n';
    *ok = all_up;
out:
    json_writer_free(w);
    free(views);
    free(whys);
    free(states);
    return len < cap ? len : cap;
}

static size_t append_bytes(char *buf, size_t cap, size_t used, const char *bytes, size_t len) {
    if (used >= cap)
        return cap;
    if (len > cap - used)
        len = cap - used;
    memcpy(buf + used, bytes, len);
    return used + len;
}

size_t supervisor_metrics(struct supervisor *sv, char *buf, size_t cap) {
    struct stage_view *views = calloc((size_t)(sv->count > 0 ? sv->count : 1), sizeof *views);
    enum shown_state *states = calloc((size_t)(sv->count > 0 ? sv->count : 1), sizeof *states);
    if (!views || !states) {
        free(views);
        free(states);
        return 0;
    }
    take_views(sv, views);
    char why[512];
    for (int i = 0; i < sv->count; i++) {
        probe_health(sv, &views[i]);
        states[i] = shown(sv, &views[i], why, sizeof why);
    }
    size_t used = 0;
#define EACH_STAGE(metric, help, type, fmt, value)                                                                     \
    do {                                                                                                               \
        used = http_status_append(buf, cap, used, "# HELP " metric " " help "\n# TYPE " metric " " type "\n");         \
        for (int i = 0; i < sv->count; i++)                                                                            \
            used = http_status_append(buf, cap, used, metric "{stage=\"%s\"} " fmt "\n", views[i].name, value);        \
    } while (0)
    EACH_STAGE("bridgelab_run_stage_up",
               "1 while the stage's process runs, it is not in a crash loop and its own /healthz answers 200.", "gauge",
               "%d", states[i] == SHOWN_UP);
    EACH_STAGE("bridgelab_run_restarts_total", "Times the stage was started again after it exited.", "counter", "%llu",
               views[i].restarts);
    EACH_STAGE("bridgelab_run_crash_loop",
               "1 while the stage is in a crash loop (run.crash.loop.exits exits within run.crash.loop.window.ms, "
               "until it runs run.restart.steady.ms).",
               "gauge", "%d", views[i].crash_loop);
    EACH_STAGE("bridgelab_run_stage_failed",
               "1 when the stage exited 2 (its configuration refused) and is not started again.", "gauge", "%d",
               views[i].state == STAGE_FAILED);
    EACH_STAGE("bridgelab_run_stage_recent_exits", "The stage's exits within run.crash.loop.window.ms.", "gauge", "%d",
               views[i].recent_exits);
    EACH_STAGE("bridgelab_run_stage_last_exit_status",
               "How the stage's last process ended: its exit status, 128+N for signal N (-1: none has ended).", "gauge",
               "%d", views[i].last_status);
    EACH_STAGE("bridgelab_run_stage_pid", "The process id of the stage's running process (0: none).", "gauge", "%d",
               views[i].pid);
    EACH_STAGE("bridgelab_run_stage_uptime_seconds", "How long the stage's process has run (0: none runs).", "gauge",
               "%.3f", views[i].uptime_s);
#undef EACH_STAGE
    used = http_status_append(
        buf, cap, used,
        "# HELP bridgelab_run_stage_state The stage's state: up, unhealthy, restarting, crash-loop, failed, "
        "stopping or stopped.\n# TYPE bridgelab_run_stage_state gauge\n");
    for (int i = 0; i < sv->count; i++)
        for (size_t k = 0; k < sizeof state_names / sizeof state_names[0]; k++)
            used = http_status_append(buf, cap, used, "bridgelab_run_stage_state{stage=\"%s\",state=\"%s\"} %d\n",
                                      views[i].name, state_names[k], (size_t)states[i] == k);
    /* Each running stage's own metrics, as it serves them. */
    for (int i = 0; i < sv->count; i++) {
        const struct stage_view *v = &views[i];
        if (v->state != STAGE_RUNNING || !v->http_listen[0])
            continue;
        struct probe_answer a;
        if (stage_probe_get(v->http_listen, "/metrics", sv->settings.probe_timeout_ms, &a) == 0 && a.status == 200) {
            used = http_status_append(buf, cap, used, "# %s's own /metrics (http://%s/metrics)\n", v->program,
                                      v->http_listen);
            used = append_bytes(buf, cap, used, a.body, a.len);
            if (a.len && a.body[a.len - 1] != '\n')
                used = http_status_append(buf, cap, used, "\n");
        } else {
            used = http_status_append(buf, cap, used, "# %s's own /metrics: not available (%s)\n", v->program,
                                      a.status ? "not 200" : a.error);
        }
        stage_probe_release(&a);
    }
    free(views);
    free(states);
    return used;
}
