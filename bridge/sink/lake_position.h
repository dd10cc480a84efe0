/* What the lake says of a partition: each file's metadata (which topic,
 * partition and offsets it holds, and the flush it belongs to), and where a
 * sink resumes, read back from those files alone.
 *
 * A flush closes every open file of one Kafka partition at once, so its
 * files together hold exactly the records read from flush_start (where the
 * previous flush ended) up to flush_end (the offset after its last record),
 * each file named by its own first offset. Its files are written first-
 * offset first, each created only if absent. So a partition's files form
 * a chain of flushes, and a crash leaves at most its last flush part-written:
 * - the flush with the highest flush_end has all its flush_files files: the
 *   sink resumes at flush_end;
 * - it has fewer: the sink resumes at flush_start and cuts its next flush at
 *   exactly flush_end, which writes the same files again (the same records,
 *   the same names); those that exist are left as they are.
 * No files: the partition starts at its beginning.
 *
 * With a Delta table (delta_log.h) the table's log, not the files, says
 * where the partition ends: the sink commits each flush after writing its
 * files, in order, so past the committed end lies at most one flush, whole
 * or part-written, that a crash kept out of the table. The sink resumes at
 * the committed end and cuts its next flush where that one ends, which
 * writes its files again as they were (and then commits them). */
#ifndef BRIDGELAB_BRIDGE_SINK_LAKE_POSITION_H
#define BRIDGELAB_BRIDGE_SINK_LAKE_POSITION_H

#include <stddef.h>
#include <stdint.h>

#include "storage.h"

#define LAKE_META_FIELDS 9

/* One file's facts, as its metadata holds them. */
struct lake_file_facts {
    char topic[256];
    int32_t partition;
    int64_t first_offset, last_offset; /* of the records in the file */
    long long records;
    int64_t flush_start, flush_end;
    int flush_files; /* files in the flush */
    int flush_index; /* this file's place in it, from 0 */
};

/* The metadata of a file, as names and values pointing into meta_text
 * (which the struct owns). */
struct lake_file_meta {
    const char *names[LAKE_META_FIELDS];
    const char *values[LAKE_META_FIELDS];
    char text[LAKE_META_FIELDS][272];
    struct storage_meta meta;
};

void lake_file_meta_build(const struct lake_file_facts *f, struct lake_file_meta *out);

/* Reads the facts back; 0, or -1 when a field is missing or malformed (a
 * file the sink did not write). */
int lake_file_facts_parse(const struct storage_meta *meta, struct lake_file_facts *out);

/* Where a partition resumes. */
struct lake_position {
    int files;          /* files of the partition seen */
    int64_t lake_end;   /* flush_end of the last complete flush; -1: none */
    int64_t resume;     /* the offset to read from; -1: the partition's beginning */
    int64_t forced_end; /* >= 0: the next flush must end exactly here (a part-written flush) */
    int64_t last_flush_start, last_flush_end;
    int last_flush_files, last_flush_seen;
    int table;                          /* a Delta table's position was given */
    int64_t committed;                  /* the table's end for the partition; -1: none */
    int64_t pending_start, pending_end; /* the flush past it, if any */
};

void lake_position_init(struct lake_position *p);
/* The partition's end in its Delta table (-1: none), before the files are
 * added. */
void lake_position_committed(struct lake_position *p, int64_t committed);
/* Takes one of the partition's files into account (any order). */
void lake_position_add(struct lake_position *p, const struct lake_file_facts *f);
/* Settles resume, forced_end and lake_end once every file was added. */
void lake_position_finish(struct lake_position *p);

#endif
