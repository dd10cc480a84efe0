/* Secrets (passwords, keys) come from files or the environment, never from
 * argv. This module reads one from a file: its first line, without the line
 * end. Callers must never log what it returns. */
#ifndef BRIDGELAB_SECRET_H
#define BRIDGELAB_SECRET_H

#include <stddef.h>

/* Returns 0, or -1 with one line in err naming the file and what to do. */
int secret_read_file(const char *path, char *secret, size_t len, char *err, size_t errlen);

enum secret_source { SECRET_NONE, SECRET_FILE, SECRET_ENV };

/* The secret from file when one is named (non-NULL, not empty), else from
 * the environment variable env; neither: "" and SECRET_NONE. Returns 0 with
 * *source set, or -1 with one line in err (the file's trouble, or a
 * variable too long to be a secret). */
int secret_read_file_or_env(const char *file, const char *env, char *secret, size_t len, enum secret_source *source,
                            char *err, size_t errlen);

#endif
