/* Where in the lake a record goes: the partitioners of Confluent's storage
 * sinks, and the file names they use.
 *
 * A file is `<topics.dir>/<topic>/<encoded>/<topic>+<partition>+<startOffset>.<ext>`
 * with the start offset zero-padded to 10 digits. <encoded> is, by kind:
 * - default: `partition=<p>` (the Kafka partition);
 * - field:   `<name>=<value>` for each field named in partition.field.name
 *            (comma-separated), from the record's flat row;
 * - time:    path.format (Joda-style: 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH,
 *            quoted text literal, YYYY yyyy MM dd HH mm ss as numbers) applied to
 *            the record's timestamp or to a field of its row (epoch
 *            milliseconds, or an ISO 8601 date/date-time text), in timezone
 *            (an IANA name like "Europe/London", or "UTC").
 * Field values are escaped so that any value gives one valid path segment:
 * bytes that are unsafe in a path, a URL or a Hive partition (control
 * characters, space, "#%'*+/:=?\[]^{}) are percent-encoded, UTF-8 stays
 * as it is, "." and ".." are encoded, and a missing or null value is
 * `__HIVE_DEFAULT_PARTITION__`, as Hive and Spark read them. */
#ifndef BRIDGELAB_BRIDGE_SINK_PARTITIONER_H
#define BRIDGELAB_BRIDGE_SINK_PARTITIONER_H

#include <stddef.h>
#include <stdint.h>

#include "sink_record.h"

enum partitioner_kind { PARTITIONER_DEFAULT, PARTITIONER_FIELD, PARTITIONER_TIME };

struct partitioner_options {
    enum partitioner_kind kind;
    const char *field_names;     /* field: "a" or "a,b" */
    const char *path_format;     /* time */
    const char *timezone;        /* time: NULL or "" means UTC */
    const char *timestamp_field; /* time: NULL or "": the record's timestamp */
};

struct partitioner;

/* Parses "default", "field" or "time" (also Confluent's class names'
 * last part: DefaultPartitioner, FieldPartitioner, TimeBasedPartitioner).
 * Returns 0, or -1. */
int partitioner_kind_parse(const char *text, enum partitioner_kind *kind);

/* Checks the options (a field name given for "field", a path.format that
 * parses, a timezone that exists). Returns NULL with one line in err naming
 * the bad option and the fix. */
struct partitioner *partitioner_new(const struct partitioner_options *opt, char *err, size_t errlen);
void partitioner_free(struct partitioner *p);

/* The record's <encoded> folder. Returns 0, or -1 with err when the record
 * lacks what the partitioner needs in a way it cannot default (a timestamp
 * field that is there but is no time: names the field, the value's start and
 * the record's topic/partition/offset), or the path does not fit. */
int partitioner_encode(const struct partitioner *p, struct sink_record *r, char *out, size_t outlen, char *err,
                       size_t errlen);

/* Escapes one value as a path segment (see above). Returns the length, or -1
 * when it does not fit. */
int sink_path_escape(const char *value, size_t len, char *out, size_t outlen);

/* `<topics_dir>/<topic>/<encoded>/<topic>+<partition>+<offset:010>.<ext>`
 * (topics_dir "" leaves the first segment out). Returns the length, or -1. */
int sink_path_file(const char *topics_dir, const char *topic, const char *encoded, int32_t partition,
                   int64_t start_offset, const char *ext, char *out, size_t outlen);

/* `<topics_dir>/<topic>/`: the prefix under which every file of the topic
 * lies, whatever the partitioner. */
int sink_path_topic_prefix(const char *topics_dir, const char *topic, char *out, size_t outlen);

/* Reads a file name back (the last path segment, or a whole path): 1 with
 * the partition and start offset when it is `<topic>+<p>+<digits>.<ext>` for
 * this topic, else 0. */
int sink_path_parse(const char *name, const char *topic, int32_t *partition, int64_t *start_offset);

#endif
