/* Secrets (passwords, keys) come from files or the environment, never from
 * argv. This module reads one from a file: its first line, without the line
 * end. Callers must never log what it returns. */
#ifndef BRIDGELAB_SECRET_H
#define BRIDGELAB_SECRET_H

#include <stddef.h>

/* Returns 0, or -1 with one line in err naming the file and what to do. */
int secret_read_file(const char *path, char *secret, size_t len, char *err, size_t errlen);

#endif
