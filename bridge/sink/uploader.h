/* The sink's uploads, on a thread of their own so that reading Kafka and
 * building the next files go on while a file travels to the lake.
 *
 * The main thread hands over flushes (all the files one partition closes
 * at once, first-offset first) in order; the uploader writes them in that
 * order, each file created only if absent. A name already taken by the same
 * flush (same start, end and place: a crashed predecessor's or a rival's
 * identical work) counts as written; taken by anything else, the flush is
 * a conflict: the rest of it, and every later flush of that partition
 * handed over under the same epoch, are dropped, and the main thread reads
 * the lake again. A lake that fails is retried without end (with backoff);
 * that is said once when it starts and once when it ends, and nothing is
 * dropped meanwhile. With a Delta table, a flush counts as written once its
 * commit is in the table's log too. */
#ifndef BRIDGELAB_BRIDGE_SINK_UPLOADER_H
#define BRIDGELAB_BRIDGE_SINK_UPLOADER_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "lake_position.h"
#include "storage.h"

struct upload_file {
    char *name;              /* owned */
    struct format_writer *w; /* owned: the file's bytes */
    struct lake_file_facts facts;
};

struct upload_job {
    char topic[256];
    int32_t partition;
    uint64_t epoch; /* the partition's epoch when the flush was made */
    int64_t flush_start, flush_end;
    long long records;
    size_t bytes;      /* memory the files hold */
    long long made_ms; /* when it was handed over (monotonic) */
    int file_count;
    struct upload_file *files; /* owned */
    struct upload_job *next;
};

enum upload_outcome { UPLOAD_WRITTEN, UPLOAD_CONFLICT, UPLOAD_DROPPED };

struct upload_result {
    char topic[256];
    int32_t partition;
    uint64_t epoch;
    enum upload_outcome outcome;
    int64_t flush_start, flush_end;
    int files_written; /* by this sink (names already taken by the same flush not counted) */
    long long records;
    size_t bytes_written;
    long long latency_ms; /* handed over to written */
};

struct uploader_stats {
    uint64_t files, bytes, records, failures, conflicts;
    int lake_ok;
    size_t queued_bytes;
    int queued_jobs;
    double latency_p50_ms, latency_p99_ms;
    uint64_t latency_samples;
    char state[512];
};

struct uploader;

/* Where flushes are also committed to a Delta table (delta_log.h). */
struct uploader_table {
    const char *topics_dir;
    int checkpoint_interval;
};

/* Opens its own connection to the lake; with table (NULL: files only) each
 * flush written is then added to its topic's Delta table in one commit. NULL
 * with err. */
struct uploader *uploader_start(const struct storage_options *opt, const char *content_type,
                                const struct uploader_table *table, char *err, size_t errlen);
/* Finishes what is queued (for up to timeout_ms while the lake fails: then
 * says how many flushes it leaves, which the next start writes again from
 * Kafka) and stops. NULL is fine. */
void uploader_stop(struct uploader *u, int timeout_ms);

/* Takes the job (and all it holds). */
void uploader_submit(struct uploader *u, struct upload_job *job);
/* Frees a job that was never submitted. */
void upload_job_free(struct upload_job *job);

/* One result, oldest first: 1 with it in out, 0 when none waits. */
int uploader_next_result(struct uploader *u, struct upload_result *out);
/* Waits up to timeout_ms for the queue to empty; 1 when it did. */
int uploader_wait_idle(struct uploader *u, int timeout_ms);
/* Waits up to timeout_ms until the queued flushes hold at most bytes; 1 when they do. */
int uploader_wait_below(struct uploader *u, size_t bytes, int timeout_ms);

/* Memory held by queued and uploading flushes. */
size_t uploader_queued_bytes(struct uploader *u);
void uploader_stats_read(struct uploader *u, struct uploader_stats *out);

#endif
