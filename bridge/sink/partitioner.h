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
 * characters and DEL, space, "#%'*+/:=?\[]^{}) are percent-encoded ("%2F",
 * upper-case hex), well-formed UTF-8 stays as it is (other bytes >= 0x80 are
 * encoded), "." and ".." are encoded ("%2E"), and a missing, null or empty
 * value is `__HIVE_DEFAULT_PARTITION__`, as Hive and Spark read them.
 * Numbers, booleans, objects and arrays are first written as text
 * (sink_value_text). A folder longer than SINK_PATH_SEGMENT_MAX bytes is an
 * error, not a truncation.
 *
 * Time: the record's timestamp or the field's epoch milliseconds, and ISO
 * text with "Z" or an offset, are instants shown in the timezone; ISO text
 * without a zone (a DATE, "2026-12-01", or "2026-12-01T10:00:00") is already
 * the wall-clock time in the timezone and is used as it is. A record without
 * that time (a record timestamp < 0, a missing or null field, a value with
 * no row) goes to `__HIVE_DEFAULT_PARTITION__` (each folder of path.format
 * holding a token becomes its text before the first token followed by it:
 * "year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__").
 * Zones are read from /usr/share/zoneinfo (zone.h), so every thread and
 * partitioner may use its own.
 *
 * Errors name the options by their keys in the sink's properties:
 * sink.partitioner, sink.partition.field.name, sink.path.format,
 * sink.timezone, sink.timestamp.field. */
#ifndef BRIDGELAB_BRIDGE_SINK_PARTITIONER_H
#define BRIDGELAB_BRIDGE_SINK_PARTITIONER_H

#include <stddef.h>
#include <stdint.h>

#include "sink_record.h"

enum partitioner_kind { PARTITIONER_DEFAULT, PARTITIONER_FIELD, PARTITIONER_TIME };

#define SINK_PATH_DEFAULT_PARTITION "__HIVE_DEFAULT_PARTITION__"
/* The longest folder or file name a file system takes (NAME_MAX). */
#define SINK_PATH_SEGMENT_MAX 255

struct partitioner_options {
    enum partitioner_kind kind;
    const char *field_names;     /* field: "a" or "a,b" */
    const char *path_format;     /* time */
    const char *timezone;        /* time: NULL or "" means UTC */
    const char *timestamp_field; /* time: NULL or "": the record's timestamp */
};

struct partitioner;

/* Parses "default", "field" or "time" (also Confluent's class names, whole
 * or their last part: DefaultPartitioner, FieldPartitioner,
 * TimeBasedPartitioner). Returns 0, or -1. */
int partitioner_kind_parse(const char *text, enum partitioner_kind *kind);

/* Checks the options (field names given for "field", each a valid folder
 * name as it is; a path.format that parses, a timezone that exists, for
 * "time"; options of other kinds are ignored). Returns NULL with one line in
 * err naming the bad option and the fix. A partitioner is read-only once
 * made: threads may share it. */
struct partitioner *partitioner_new(const struct partitioner_options *opt, char *err, size_t errlen);
void partitioner_free(struct partitioner *p);

/* The record's <encoded> folder. Returns 0, or -1 with err when the record
 * lacks what the partitioner needs in a way it cannot default (a timestamp
 * field that is there but is no time: names the field, the value's start and
 * the record's topic/partition/offset), or the path does not fit. */
int partitioner_encode(const struct partitioner *p, struct sink_record *r, char *out, size_t outlen, char *err,
                       size_t errlen);

/* Escapes one value as a path segment (see above; value NULL: a missing
 * one), NUL-terminated. Returns the length, or -1 when it does not fit. */
int sink_path_escape(const char *value, size_t len, char *out, size_t outlen);

/* `<topics_dir>/<topic>/<encoded>/<topic>+<partition>+<offset:010>.<ext>`
 * (topics_dir "" or NULL leaves the first segment out, its trailing slashes
 * are dropped; encoded "" leaves its segment out). Returns the length, or -1
 * when it does not fit or topic or ext is empty or a number negative. */
int sink_path_file(const char *topics_dir, const char *topic, const char *encoded, int32_t partition,
                   int64_t start_offset, const char *ext, char *out, size_t outlen);

/* `<topics_dir>/<topic>/`: the prefix under which every file of the topic
 * lies, whatever the partitioner. */
int sink_path_topic_prefix(const char *topics_dir, const char *topic, char *out, size_t outlen);

/* Reads a file name back (the last path segment, or a whole path): 1 with
 * the partition and start offset when it is `<topic>+<p>+<digits>.<ext>` for
 * this topic exactly as sink_path_file writes it (the partition without
 * leading zeros, the offset in 10 digits or more without a leading zero,
 * within int32/int64, ext letters and digits only: "x.json.tmp" is no
 * file), else 0. */
int sink_path_parse(const char *name, const char *topic, int32_t *partition, int64_t *start_offset);

#endif
