/* One levelled logger for every bridgelab program: see log.h. */
#include "log.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

static const char *log_program = "bridgelab";
static enum log_level log_threshold = LOG_LEVEL_INFO;
static FILE *log_stream;

void log_init(const char *program) { log_program = program; }

void log_set_level(enum log_level level) { log_threshold = level; }

void log_set_stream(FILE *stream) { log_stream = stream; }

int log_level_parse(const char *name, enum log_level *level) {
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

int log_enabled(enum log_level level) { return level <= log_threshold; }

size_t log_format_prefix(char *buf, size_t cap, const char *program, enum log_level level) {
    if (cap == 0)
        return 0;
    struct timespec now;
    struct tm utc;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &utc);
    size_t used = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &utc);
    int n = snprintf(buf + used, cap - used, ".%03ldZ %s %s ", now.tv_nsec / 1000000L, program, level_names[level]);
    if (n < 0)
        n = 0;
    used += (size_t)n;
    return used < cap ? used : cap - 1;
}

void log_write_line(const char *line, size_t len) {
    /* One call, so that the stream's lock keeps it whole beside other threads' lines. */
    fwrite(line, 1, len, log_stream ? log_stream : stderr);
}

void log_write(enum log_level level, const char *fmt, ...) {
    if (!log_enabled(level))
        return;
    char line[2048];
    size_t used = log_format_prefix(line, sizeof line, log_program, level);
    if (used > sizeof line - 2) /* a very long program name */
        used = sizeof line - 2;
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(line + used, sizeof line - used, fmt, args);
    va_end(args);
    if (n < 0)
        n = 0;
    used += (size_t)n;
    if (used > sizeof line - 2)
        used = sizeof line - 2;
    line[used++] = '\n';
    line[used] = '\0';
    fputs(line, log_stream ? log_stream : stderr);
}
