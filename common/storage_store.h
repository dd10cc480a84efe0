/* Inside the storage client: what a store (local folder, Azure Blob)
 * implements for the front (storage.c), and the helpers they share. Not for
 * callers of storage.h.
 *
 * The front parses the URL, checks names, prefixes and metadata, and only
 * then calls a store, so a store can trust what it is given. */
#ifndef BRIDGELAB_STORAGE_STORE_H
#define BRIDGELAB_STORAGE_STORE_H

#include <limits.h>
#include <stddef.h>

#include "storage.h"

/* Where a URL points. */
enum storage_kind { STORAGE_KIND_LOCAL, STORAGE_KIND_AZURE };

struct storage_location {
    enum storage_kind kind;
    char folder[PATH_MAX]; /* local: the absolute folder, without a trailing '/' (but "/" itself) */
    char endpoint[512];    /* azure: scheme://host[:port] of the blob service, no trailing '/' */
    char account[256];     /* azure: the account name */
    char container[64];    /* azure: the container name */
    char base_path[600];   /* azure: the container's path as sent: "/account/container" or "/container" */
};

/* Parses url (see storage.h). account, when not NULL, is the account the
 * requests are signed for; else it comes from the URL. Returns 0, or -1
 * with err naming what is wrong (never echoing a query string, which may
 * hold a SAS). */
int storage_location_parse(const char *url, const char *account, struct storage_location *loc, char *err,
                           size_t errlen);

/* Checks a name (storage.h): 0, or -1 with why. */
int storage_name_check(const char *name, char *why, size_t whylen);
/* Checks metadata names and values (storage.h): 0, or -1 with why. */
int storage_meta_check(const struct storage_meta *meta, char *why, size_t whylen);

/* Metadata read from a store: owned copies, seen as a storage_meta. */
struct storage_meta_buf {
    size_t count, cap;
    char **names;
    char **values;
};

/* Adds a copy of the pair; returns 0, or -1 when out of memory. */
int storage_meta_buf_add(struct storage_meta_buf *b, const char *name, size_t nlen, const char *value, size_t vlen);
struct storage_meta storage_meta_buf_view(const struct storage_meta_buf *b);
/* Forgets the pairs, keeps the arrays for reuse. */
void storage_meta_buf_clear(struct storage_meta_buf *b);
void storage_meta_buf_free(struct storage_meta_buf *b);

/* A store: the operations of storage.h on its own state. Arguments are
 * checked by the front. */
struct storage_store_ops {
    enum storage_status (*list)(void *store, const char *prefix, const char *delimiter, int metadata,
                                storage_list_fn fn, void *ctx, char *err, size_t errlen);
    enum storage_status (*get)(void *store, const char *name, long long offset, long long length, char **data,
                               size_t *len, char *err, size_t errlen);
    enum storage_status (*head)(void *store, const char *name, storage_list_fn fn, void *ctx, char *err, size_t errlen);
    enum storage_status (*put)(void *store, const char *name, const void *data, size_t len, const char *content_type,
                               const struct storage_meta *meta, int flags, char *err, size_t errlen);
    enum storage_status (*del)(void *store, const char *name, char *err, size_t errlen);
    void (*close)(void *store);
};

/* The stores' constructors: OK with *store set, or a status with err. */
enum storage_status storage_local_open(const struct storage_location *loc, const struct storage_options *opt,
                                       void **store, char *err, size_t errlen);
enum storage_status storage_azure_open(const struct storage_location *loc, const struct storage_options *opt,
                                       void **store, char *err, size_t errlen);

extern const struct storage_store_ops storage_local_ops;
extern const struct storage_store_ops storage_azure_ops;

#endif
