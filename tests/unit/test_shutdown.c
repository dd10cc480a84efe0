/* Unit tests for common/shutdown.c: SIGINT and SIGTERM set the flag, a
 * blocking call ends early, SIGPIPE is ignored.
 *
 * The flag cannot be cleared, so every check that needs a clean flag runs
 * in a child process (which reports by its exit status), and the test that
 * sets the flag in this process runs last. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "shutdown.h"

/* Runs fn in a child; returns its wait status. The child never returns into
 * cmocka: it leaves with _exit(fn()). An alarm bounds a hung child. */
static int in_child(int (*fn)(void)) {
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(10);
        _exit(fn());
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

#define assert_child_ok(status)                                                                                        \
    do {                                                                                                               \
        int status_ = (status);                                                                                        \
        if (!WIFEXITED(status_) || WEXITSTATUS(status_) != 0) {                                                        \
            print_error("child %s %d\n", WIFEXITED(status_) ? "exited with" : "killed by signal",                      \
                        WIFEXITED(status_) ? WEXITSTATUS(status_) : WTERMSIG(status_));                                \
            fail();                                                                                                    \
        }                                                                                                              \
    } while (0)

static void test_not_requested_initially(void **state) {
    (void)state;
    assert_int_equal(shutdown_requested(), 0);
}

static int child_sigterm_without_install(void) {
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    return 0; /* not reached */
}

static void test_sigterm_kills_without_install(void **state) {
    (void)state;
    /* The control: without the handler SIGTERM is fatal. */
    int status = in_child(child_sigterm_without_install);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
}

static int child_signal(int signo) {
    if (shutdown_requested())
        return 10;
    shutdown_install();
    if (shutdown_requested())
        return 11;
    if (raise(signo) != 0)
        return 12;
    if (!shutdown_requested())
        return 13;
    /* A second signal is harmless too. */
    if (raise(signo) != 0 || !shutdown_requested())
        return 14;
    return 0;
}

static int child_sigterm(void) { return child_signal(SIGTERM); }
static int child_sigint(void) { return child_signal(SIGINT); }

static void test_sigterm_sets_flag_in_child(void **state) {
    (void)state;
    assert_child_ok(in_child(child_sigterm));
}

static void test_sigint_sets_flag(void **state) {
    (void)state;
    assert_child_ok(in_child(child_sigint));
}

static int child_request(void) {
    if (shutdown_requested())
        return 10;
    shutdown_request();
    if (!shutdown_requested())
        return 11;
    shutdown_request();
    return shutdown_requested() ? 0 : 12;
}

static void test_request(void **state) {
    (void)state;
    assert_child_ok(in_child(child_request));
}

static int child_install_twice(void) {
    shutdown_install();
    shutdown_install();
    raise(SIGPIPE);
    raise(SIGINT);
    return shutdown_requested() ? 0 : 10;
}

static void test_install_twice(void **state) {
    (void)state;
    assert_child_ok(in_child(child_install_twice));
}

static int child_other_signals_untouched(void) {
    shutdown_install();
    struct sigaction sa;
    if (sigaction(SIGHUP, NULL, &sa) != 0 || sa.sa_handler != SIG_DFL)
        return 10;
    if (sigaction(SIGUSR1, NULL, &sa) != 0 || sa.sa_handler != SIG_DFL)
        return 11;
    /* The handlers do not restart calls (SA_RESTART unset). */
    if (sigaction(SIGTERM, NULL, &sa) != 0 || (sa.sa_flags & SA_RESTART))
        return 12;
    if (sigaction(SIGINT, NULL, &sa) != 0 || (sa.sa_flags & SA_RESTART))
        return 13;
    if (sigaction(SIGPIPE, NULL, &sa) != 0 || sa.sa_handler != SIG_IGN)
        return 14;
    return 0;
}

static void test_handlers_installed(void **state) {
    (void)state;
    assert_child_ok(in_child(child_other_signals_untouched));
}

/* A child blocked in read() or nanosleep() is sent SIGTERM again and again
 * until it exits; a handler that restarted the call would hang it. */
static int ready_fd = -1, block_fd = -1;

static int child_blocked_read(void) {
    shutdown_install();
    if (write(ready_fd, "r", 1) != 1)
        return 10;
    char byte;
    ssize_t n = read(block_fd, &byte, 1);
    if (n != -1 || errno != EINTR)
        return 11;
    return shutdown_requested() ? 0 : 12;
}

static int child_blocked_sleep(void) {
    shutdown_install();
    if (write(ready_fd, "r", 1) != 1)
        return 10;
    struct timespec long_time = {30, 0}, left = {0, 0};
    if (nanosleep(&long_time, &left) != -1 || errno != EINTR)
        return 11;
    if (left.tv_sec < 20)
        return 12; /* it did not end early */
    return shutdown_requested() ? 0 : 13;
}

static void interrupt_blocked_child(int (*fn)(void)) {
    int ready[2], block[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(block), 0);
    ready_fd = ready[1];
    block_fd = block[0];
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        close(block[1]);
        signal(SIGALRM, SIG_DFL);
        alarm(10);
        _exit(fn());
    }
    close(ready[1]);
    close(block[0]);
    char byte;
    assert_int_equal(read(ready[0], &byte, 1), 1);
    int status = 0, done = 0;
    for (int tries = 0; tries < 500 && !done; tries++) {
        kill(pid, SIGTERM);
        struct timespec pause_for = {0, 10 * 1000 * 1000};
        nanosleep(&pause_for, NULL);
        pid_t got = waitpid(pid, &status, WNOHANG);
        assert_true(got >= 0);
        done = got == pid;
    }
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    close(ready[0]);
    close(block[1]);
    assert_true(done);
    assert_child_ok(status);
}

static void test_blocking_read_ends_early(void **state) {
    (void)state;
    interrupt_blocked_child(child_blocked_read);
}

static void test_sleep_ends_early(void **state) {
    (void)state;
    interrupt_blocked_child(child_blocked_sleep);
}

static void test_sigpipe_ignored(void **state) {
    (void)state;
    shutdown_install();
    assert_int_equal(raise(SIGPIPE), 0);
    /* Still here. A write to a closed pipe is an error return. */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    errno = 0;
    assert_int_equal(write(fds[1], "x", 1), -1);
    assert_int_equal(errno, EPIPE);
    close(fds[1]);
    /* And SIGPIPE is not a shutdown. */
    assert_int_equal(shutdown_requested(), 0);
}

/* Last: sets the flag in this process for good. */
static void test_sigterm_sets_flag(void **state) {
    (void)state;
    shutdown_install();
    assert_int_equal(shutdown_requested(), 0);
    assert_int_equal(raise(SIGTERM), 0);
    assert_int_equal(shutdown_requested(), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_requested_initially),
        cmocka_unit_test(test_sigterm_kills_without_install),
        cmocka_unit_test(test_sigterm_sets_flag_in_child),
        cmocka_unit_test(test_sigint_sets_flag),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_install_twice),
        cmocka_unit_test(test_handlers_installed),
        cmocka_unit_test(test_blocking_read_ends_early),
        cmocka_unit_test(test_sleep_ends_early),
        cmocka_unit_test(test_sigpipe_ignored),
        cmocka_unit_test(test_sigterm_sets_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
