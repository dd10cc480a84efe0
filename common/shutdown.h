/* Clean shutdown for long-running programs: SIGINT and SIGTERM set a flag
 * that the work loops poll, so the work in flight is finished, never cut.
 * The handlers do not restart system calls, so a sleep ends early. SIGPIPE
 * is ignored (a closed socket is an error return, not a death). */
#ifndef BRIDGELAB_SHUTDOWN_H
#define BRIDGELAB_SHUTDOWN_H

void shutdown_install(void);
int shutdown_requested(void);
/* Asks for shutdown from inside the program (as a signal would). */
void shutdown_request(void);

#endif
