/* Reads a secret from a file: see secret.h. */
#include "secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int secret_read_file(const char *path, char *secret, size_t len, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the secret file: %s: create it or point the key at it", path,
                 strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    errno = 0;
    if (getline(&line, &cap, f) == -1) {
        if (ferror(f))
            snprintf(err, errlen, "%s: cannot read the secret file: %s: point the key at a file", path,
                     strerror(errno));
        else
            snprintf(err, errlen, "%s: the secret file is empty: write the secret on its first line", path);
        rc = -1;
    } else {
        line[strcspn(line, "\r\n")] = '\0';
        size_t n = strlen(line);
        if (!n) {
            snprintf(err, errlen, "%s: the secret file's first line is empty: write the secret there", path);
            rc = -1;
        } else if (n >= len) {
            snprintf(err, errlen, "%s: the secret is longer than %zu bytes", path, len ? len - 1 : 0);
            rc = -1;
        } else {
            memcpy(secret, line, n + 1);
        }
    }
    if (line) {
        explicit_bzero(line, cap);
        free(line);
    }
    fclose(f);
    return rc;
}

int secret_read_file_or_env(const char *file, const char *env, char *secret, size_t len, enum secret_source *source,
                            char *err, size_t errlen) {
    secret[0] = '\0';
    *source = SECRET_NONE;
    if (file && *file) {
        if (secret_read_file(file, secret, len, err, errlen) != 0)
            return -1;
        *source = SECRET_FILE;
        return 0;
    }
    const char *value = getenv(env);
    if (!value || !*value)
        return 0;
    if (strlen(value) >= len) {
        snprintf(err, errlen, "$%s is too long to be a credential: check it", env);
        return -1;
    }
    snprintf(secret, len, "%s", value);
    *source = SECRET_ENV;
    return 0;
}
