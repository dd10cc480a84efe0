/* Starting a stage's process: see child.h. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* After fork, before exec: async-signal-safe calls only. Any failure is
 * written as an errno to report (close-on-exec: it closes at the exec). */
static void in_child(const char *exe, char *const argv[], pid_t parent, int out_w, int err_w, int report)
    __attribute__((noreturn));

static void in_child(const char *exe, char *const argv[], pid_t parent, int out_w, int err_w, int report) {
    int e = 0;
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent) {
        e = errno ? errno : ESRCH; /* the supervisor died before the prctl */
        goto failed;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGPIPE, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int null = open("/dev/null", O_RDONLY);
    /* The report descriptor goes to 3, above what it must not clobber. */
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0 ||
        (report != 3 && dup3(report, 3, O_CLOEXEC) < 0)) {
        e = errno;
        goto failed;
    }
    report = 3;
    if (close_range(4, ~0U, 0) != 0)
        for (int fd = 4; fd < 1024; fd++)
            close(fd);
    execv(exe, argv);
    e = errno;
failed:
    (void)!write(report, &e, sizeof e);
    _exit(127);
}

int child_start(const char *exe, char *const argv[], struct child *c, char *err, size_t errlen) {
    int out[2] = {-1, -1}, errp[2] = {-1, -1}, report[2] = {-1, -1};
    c->pid = -1;
    c->out_fd = c->err_fd = -1;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot make a pipe: %s", strerror(errno));
        goto fail;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        in_child(exe, argv, parent, out[1], errp[1], report[1]);
    close(out[1]);
    close(errp[1]);
    close(report[1]);
    out[1] = errp[1] = report[1] = -1;
    /* EOF at the exec (close-on-exec), an errno if it failed. */
    int e = 0;
    ssize_t n;
    do
        n = read(report[0], &e, sizeof e);
    while (n < 0 && errno == EINTR);
    close(report[0]);
    report[0] = -1;
    if (n == (ssize_t)sizeof e) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        snprintf(err, errlen, "cannot run %s: %s", exe, strerror(e));
        goto fail;
    }
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(errp[0], F_SETFL, O_NONBLOCK);
    c->pid = pid;
    c->out_fd = out[0];
    c->err_fd = errp[0];
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0)
            close(out[i]);
        if (errp[i] >= 0)
            close(errp[i]);
        if (report[i] >= 0)
            close(report[i]);
    }
    return -1;
}

void child_close_pipes(struct child *c) {
    if (c->out_fd >= 0)
        close(c->out_fd);
    if (c->err_fd >= 0)
        close(c->err_fd);
    c->out_fd = c->err_fd = -1;
}
