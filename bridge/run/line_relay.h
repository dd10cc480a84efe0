/* The line relay of bridge run: the bytes a stage writes to a pipe, in
 * whatever pieces read() gives them, made into whole lines of the one log
 * stream, each naming its stage exactly once.
 *
 * A stage logs through common/log.c as "bridge cdc": such a line (the
 * log's timestamp, then the stage's program name and a level) already
 * names it and goes on as it is. Any other line (librdkafka's own output,
 * a sanitizer's report, a stray print) is given the log's prefix with the
 * stage's name and the relay's level (info for stdout, warn for stderr),
 * so a reader or grep sees one format. A line longer than LINE_RELAY_MAX
 * bytes is cut into pieces of at most that many (never inside a UTF-8
 * character), each its own line with the prefix, the pieces after the
 * first marked "(cont.) "; a last line without its newline (the stage
 * died mid-write) is written with one when the stream ends. A CR before
 * the newline is dropped. Output goes through a callback, one whole line
 * (with its newline) per call. */
#ifndef BRIDGELAB_BRIDGE_RUN_LINE_RELAY_H
#define BRIDGELAB_BRIDGE_RUN_LINE_RELAY_H

#include <stddef.h>

#include "log.h"

#define LINE_RELAY_MAX 4096

struct line_relay {
    const char *program;  /* what the stage's own lines name, e.g. "bridge cdc" */
    enum log_level level; /* of the lines that are not in the log's format */
    void (*emit)(const char *line, size_t len, void *ctx);
    void *ctx;
    char buf[LINE_RELAY_MAX]; /* the line so far */
    size_t used;
    int continued; /* buf continues a line already cut */
};

/* program must outlive the relay. */
void line_relay_init(struct line_relay *r, const char *program, enum log_level level,
                     void (*emit)(const char *line, size_t len, void *ctx), void *ctx);
void line_relay_feed(struct line_relay *r, const char *bytes, size_t len);
/* The stream ended: a line without its newline is written with one. */
void line_relay_finish(struct line_relay *r);

/* Whether line (len bytes, no newline) is a log line of program: the log's
 * timestamp, program, a level. */
int line_relay_is_log_line(const char *line, size_t len, const char *program);

#endif
