/* One stage's process for bridge run: forked and exec'd, its stdout and
 * stderr on pipes of their own for the line relay.
 *
 * The child gets a clean start whatever the supervisor holds: stdin from
 * /dev/null, every other descriptor closed, the signal mask empty and
 * SIGPIPE back to its default (each stage sets up its own handling). It is
 * sent SIGTERM if the supervisor dies (PR_SET_PDEATHSIG), so even a
 * SIGKILLed supervisor leaves no stage running on its own: each stops
 * cleanly, as on ./lab down. Call from the thread that outlives the child
 * (the kernel ties that signal to the forking thread). */
#ifndef BRIDGELAB_BRIDGE_RUN_CHILD_H
#define BRIDGELAB_BRIDGE_RUN_CHILD_H

#include <stddef.h>
#include <sys/types.h>

struct child {
    pid_t pid;
    int out_fd, err_fd; /* read ends: non-blocking, close-on-exec */
};

/* Runs exe with argv (argv[0] is what ps shows; NULL-terminated). Returns
 * once the exec has happened: 0, or -1 with err (a failed exec is reported
 * here, not as an exit). */
int child_start(const char *exe, char *const argv[], struct child *c, char *err, size_t errlen);

/* Closes what is open of c's pipes (the process is not touched). */
void child_close_pipes(struct child *c);

#endif
