/* The files' formats: how records become the bytes of one lake file.
 *
 * - json: JSON lines, each record's value as it is, one per line ("\n"
 *         after each). Raw CR and LF bytes of a value become spaces: in JSON
 *         text they can only be whitespace, so a pretty-printed value means
 *         the same and keeps to its line. A zero-length value is written
 *         null. Values are not parsed or checked here.
 * - csv:  RFC 4180 (CRLF line ends, fields quoted when they hold a comma,
 *         quote, CR or LF, quotes doubled), a header row of the flat row's
 *         columns (sink_record.h), then one row per record. Strings are
 *         written as their text, numbers and booleans as JSON writes them,
 *         null as an empty field, objects and arrays as compact JSON. A
 *         value with no row is one column named "value" holding the text.
 *         A file holds rows of one column list (names and order): a record
 *         whose columns differ (a DDL changed the table) does not fit and
 *         starts a file of its own, where it writes that file's header.
 * Tombstones (null values) are left out of both: the delete is in the
 * stream already as its own event.
 *
 * A writer builds one file in memory, in one buffer that doubles as it
 * grows; its capacity is what the sink's buffer bound counts. An append
 * that fails leaves the file as it was. A writer is used by one thread at a
 * time. */
#ifndef BRIDGELAB_BRIDGE_SINK_FORMAT_H
#define BRIDGELAB_BRIDGE_SINK_FORMAT_H

#include <stddef.h>

#include "sink_record.h"

enum sink_format { SINK_FORMAT_JSON, SINK_FORMAT_CSV };

/* Parses "json" or "csv"; returns 0, or -1. */
int sink_format_parse(const char *text, enum sink_format *format);
/* The file name extension, without the dot: "json", "csv". */
const char *sink_format_extension(enum sink_format format);
/* The blob Content-Type: "application/x-ndjson", "text/csv". */
const char *sink_format_content_type(enum sink_format format);

enum format_append {
    FORMAT_APPENDED = 0,
    FORMAT_SKIPPED,  /* a tombstone: nothing written */
    FORMAT_NEW_FILE, /* the record does not fit this file (csv columns changed): close it, append to a new one */
    FORMAT_FAILED,   /* out of memory */
};

struct format_writer;

struct format_writer *format_writer_new(enum sink_format format);
void format_writer_free(struct format_writer *w);
/* Appends one record. */
enum format_append format_writer_append(struct format_writer *w, struct sink_record *r);
/* Records appended so far (not counting skipped ones). */
long long format_writer_records(const struct format_writer *w);
/* The file's bytes so far (a valid file of the format whenever records > 0). */
const char *format_writer_data(const struct format_writer *w, size_t *len);
/* Bytes held in memory: the buffer's capacity (at least the data's length). */
size_t format_writer_memory(const struct format_writer *w);

#endif
