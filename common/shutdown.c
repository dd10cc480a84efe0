/* Signal-driven clean shutdown: see shutdown.h. */
#include "shutdown.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t shutdown_flag;

static void on_signal(int signo) {
    (void)signo;
    shutdown_flag = 1;
}

void shutdown_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int shutdown_requested(void) { return shutdown_flag != 0; }

void shutdown_request(void) { shutdown_flag = 1; }
