/* One levelled logger for every bridgelab program.
 *
 * Lines go to stderr (or to a stream a test chooses) as
 *   2026-11-25T15:00:00.123Z sim INFO message
 * Each line is formatted whole and written with one call, so lines from
 * several threads never interleave. Secrets are never passed to it. */
#ifndef BRIDGELAB_LOG_H
#define BRIDGELAB_LOG_H

#include <stdio.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Names the program in every line; the level defaults to info. */
void log_init(const char *program);
void log_set_level(enum log_level level);
void log_set_stream(FILE *stream);
/* Parses "error", "warn", "info" or "debug"; returns 0 on success. */
int log_level_parse(const char *name, enum log_level *level);
int log_enabled(enum log_level level);

void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The start of a line, "2026-11-25T15:00:00.123Z <program> <LEVEL> ", into
 * buf (NUL-terminated); returns its length (at most cap - 1). For a line
 * whose text comes from elsewhere (bridge run relays its stages' output). */
size_t log_format_prefix(char *buf, size_t cap, const char *program, enum log_level level);
/* Writes a line already formatted (with its newline) to the log's stream in
 * one call, whatever the level: lines of several threads never interleave. */
void log_write_line(const char *line, size_t len);

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
