/* The lake's storage client: one interface over several stores, for the
 * sink (which writes the lake) and the dashboard (which reads it).
 *
 * Stores, chosen by the URL:
 * - file:///path            a local folder with the lake's layout. A put
 *                           writes a temporary file, fsyncs it and its
 *                           folder and renames it into place; a file's
 *                           metadata is a small side record next to it
 *                           (`.<name>.meta`, hidden from readers and from
 *                           storage_list).
 * - http(s)://host/account/container   (Azurite's path style) or
 *   https://<account>.blob.core.windows.net/<container> (or the `dfs` host:
 *                           the Blob API serves hierarchical-namespace
 *                           accounts too): Azure's Blob REST API over
 *                           libcurl, one reused connection, SharedKey or SAS.
 *
 * Names are blob names relative to the container (or the folder): UTF-8,
 * '/'-separated, never starting with '/'. A put is atomic: readers see the
 * whole file or nothing (Put Block + Put Block List; rename). Errors are one
 * line in err naming what failed and what to do; a credential is never
 * written into it or into a log. Retriable failures (429, 5xx, timeouts,
 * refused connections) are retried with exponential backoff and jitter up to
 * the options' limit before the call gives up with STORAGE_UNAVAILABLE.
 *
 * Not thread-safe: one struct storage per thread. */
#ifndef BRIDGELAB_STORAGE_H
#define BRIDGELAB_STORAGE_H

#include <stddef.h>

enum storage_status {
    STORAGE_OK = 0,
    STORAGE_NOT_FOUND,   /* get: no such file; open: no such container (and not created) */
    STORAGE_EXISTS,      /* put with STORAGE_PUT_IF_ABSENT: the name is taken; the existing file is untouched */
    STORAGE_DENIED,      /* 403 and the like: err says which credential and the likely cause */
    STORAGE_UNAVAILABLE, /* retriable failures went on past the retry limit; err says what was tried */
    STORAGE_INVALID,     /* a bad name, URL or option: err names it */
};

struct storage_options {
    const char *url;        /* file:///abs/path, http(s)://... as above */
    const char *account;    /* NULL: taken from the URL (host prefix or first path segment) */
    const char *shared_key; /* base64 account key, or NULL */
    const char *sas;        /* SAS token without the leading '?', or NULL */
    int create_container;   /* open creates a missing container (or folder) */
    int timeout_ms;         /* one request; 0: 30000 */
    int max_retries;        /* 0: 8; -1: none */
    int retry_backoff_ms;   /* first backoff; 0: 200 (doubling, with jitter, up to 10 s) */
    size_t block_bytes;     /* Put Block size; 0: 4 MiB. A file up to this size is one Put Blob */
    int list_page_size;     /* List Blobs' maxresults (1-5000); 0: the service's (5000). For paging tests */
};

/* A file's metadata: name=value pairs. Names are ASCII identifiers
 * (letters, digits, '_'), case-insensitive as in Azure; values printable
 * ASCII (callers percent-encode anything else). */
struct storage_meta {
    size_t count;
    const char *const *names;
    const char *const *values;
};

/* One entry of a listing, valid during the callback only. */
struct storage_entry {
    const char *name; /* the whole name; a prefix ends with the delimiter */
    int is_prefix;    /* a "folder" (only with a delimiter) */
    long long size;   /* bytes; -1 for a prefix */
    long long last_modified_ms;
    struct storage_meta meta; /* empty for a prefix */
};

/* Returns 0 to go on, non-zero to stop the listing (which then answers OK). */
typedef int (*storage_list_fn)(const struct storage_entry *entry, void *ctx);

struct storage;

/* Checks the URL and credentials, and that the container (folder) exists,
 * creating it when asked (Azure: one List Blobs call, so a SAS needs the l
 * permission; creating a container needs a SharedKey or an account SAS).
 * Returns OK with *out set, or a status with err. */
enum storage_status storage_open(const struct storage_options *opt, struct storage **out, char *err, size_t errlen);
void storage_close(struct storage *s);

/* A description of where the store is, safe to log ("azure blob
 * http://127.0.0.1:10000/devstoreaccount1/lake (SharedKey)"). */
const char *storage_describe(const struct storage *s);

/* Every file (and, with a delimiter, every prefix one level down) whose name
 * starts with prefix, in name order, page after page. delimiter NULL: a flat
 * listing. With metadata set, entries carry their metadata. */
enum storage_status storage_list(struct storage *s, const char *prefix, const char *delimiter, int metadata,
                                 storage_list_fn fn, void *ctx, char *err, size_t errlen);

/* Reads a file, or length bytes from offset (length < 0: to the end), into a
 * new buffer (*data, free()d by the caller; a NUL is added after *len bytes). */
enum storage_status storage_get(struct storage *s, const char *name, long long offset, long long length, char **data,
                                size_t *len, char *err, size_t errlen);

/* A file's metadata and size. fn is called once, with the entry. */
enum storage_status storage_head(struct storage *s, const char *name, storage_list_fn fn, void *ctx, char *err,
                                 size_t errlen);

enum storage_put_flags {
    STORAGE_PUT_IF_ABSENT = 1, /* create only: STORAGE_EXISTS if the name is taken */
};

/* Writes a whole file atomically with its content type (NULL:
 * application/octet-stream) and metadata (meta may be NULL). */
enum storage_status storage_put(struct storage *s, const char *name, const void *data, size_t len,
                                const char *content_type, const struct storage_meta *meta, int flags, char *err,
                                size_t errlen);

/* Removes a file (and its side record); NOT_FOUND when absent. For tests and
 * tools; the sink never deletes. */
enum storage_status storage_delete(struct storage *s, const char *name, char *err, size_t errlen);

/* A short name for a status, for logs and metrics ("ok", "exists", ...). */
const char *storage_status_name(enum storage_status st);

#endif
