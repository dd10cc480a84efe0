/* The lake loader: brings the files bridge sink writes into the store, each
 * file once, whole or not at all.
 *
 * A poll lists the lake under <topics_dir>/ (flat, with metadata), keeps the
 * files loaded_files does not know, and loads them in a fixed order: by
 * topic name, then partition, then first offset (the metadata's). Within a
 * topic-partition that is the order of the changes, so a row's last change
 * is applied last. Across topics the order only decides which of two
 * related rows comes first (an order line before its order, or after): the
 * store's figures come out the same either way (store_apply.c), only what a
 * view shows between the two files differs.
 *
 * Each file is one transaction: its rows, their aggregates and its
 * loaded_files row. A file that cannot be loaded whole — a line that is not
 * JSON or not a Debezium envelope, a column missing or malformed, a CSV
 * quote left open, fewer or more records than its metadata says (a
 * half-written file), no bridgelab metadata — is rolled back, said in one
 * log line naming the file and the fault, and recorded as skipped, so it is
 * said once and never retried; the next files load. A file the lake cannot
 * hand over now (a storage error) is tried again on the next poll.
 *
 * Formats by extension: .json (JSON lines of envelopes, the default; a
 * line null — a zero-length value, as the sink writes one — is a record
 * that changes nothing; lines are parsed by lake_json.h) and .csv (the
 * sink's flat rows with __op). dc is the topic's prefix (up to the
 * first '_' or '.'), the table the envelope's source.table or else the rest
 * of the topic name (<dc>_<table>, or the last part of <dc>.<db>.<table>).
 *
 * One thread polls; lake_loader_stats may be called from any thread. */
#ifndef BRIDGELAB_DASHBOARD_LAKE_LOADER_H
#define BRIDGELAB_DASHBOARD_LAKE_LOADER_H

#include "storage.h"
#include "store.h"

struct lake_loader;

/* The loader keeps store and lake (both the caller's, alive until free) and
 * a copy of topics_dir ("topics"). NULL with err on failure. */
struct lake_loader *lake_loader_new(struct store *store, struct storage *lake, const char *topics_dir, char *err,
                                    size_t errlen);
void lake_loader_free(struct lake_loader *l);

/* Loads every new file. Returns the number of files loaded (not skipped),
 * or -1 when the lake or the store failed (logged once until it works
 * again). The server calls it every ~500 ms on its loader thread. */
int lake_loader_poll(struct lake_loader *l);

/* For the pipeline panel; counts include earlier runs (from loaded_files). */
struct lake_loader_stats {
    long long files;            /* loaded */
    long long records;          /* in the loaded files */
    long long skipped;          /* files skipped as damaged */
    long long last_load_ms;     /* wall time of the last file loaded or skipped; 0: none */
    long long lake_files;       /* files the last listing saw */
    int lake_up;                /* the last poll listed the lake */
    long long newest_commit_ms; /* the newest MySQL commit time (source.ts_ms) loaded; 0: none */
    long long newest_loaded_ms; /* when it was loaded (wall clock) */
};
void lake_loader_stats(struct lake_loader *l, struct lake_loader_stats *out);

#endif
