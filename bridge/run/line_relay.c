/* Whole, named lines from a stage's output: see line_relay.h. */
#include "line_relay.h"

#include <string.h>

void line_relay_init(struct line_relay *r, const char *program, enum log_level level,
                     void (*emit)(const char *line, size_t len, void *ctx), void *ctx) {
    r->program = program;
    r->level = level;
    r->emit = emit;
    r->ctx = ctx;
    r->used = 0;
    r->continued = 0;
}

/* "2026-11-25T15:00:00.123Z": what log.c writes first. */
static int is_timestamp(const char *s, size_t len) {
    static const char shape[] = "0000-00-00T00:00:00.000Z";
    if (len < sizeof shape - 1)
        return 0;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == '0' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    }
    return 1;
}

int line_relay_is_log_line(const char *line, size_t len, const char *program) {
    static const char *const levels[] = {"ERROR ", "WARN ", "INFO ", "DEBUG "};
    size_t at = 24; /* the timestamp */
    size_t plen = strlen(program);
    if (!is_timestamp(line, len) || len < at + 1 + plen + 1 || line[at] != ' ' ||
        memcmp(line + at + 1, program, plen) != 0 || line[at + 1 + plen] != ' ')
        return 0;
    at += 1 + plen + 1;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        size_t n = strlen(levels[i]);
        if (len >= at + n && memcmp(line + at, levels[i], n) == 0)
            return 1;
    }
    return 0;
}

/* Writes buf[0..n) as one line. */
static void emit_piece(struct line_relay *r, size_t n) {
    char out[LINE_RELAY_MAX + 256];
    size_t used = 0;
    if (n > 0 && r->buf[n - 1] == '\r')
        n--;
    if (r->continued || !line_relay_is_log_line(r->buf, n, r->program)) {
        used = log_format_prefix(out, sizeof out - LINE_RELAY_MAX - 16, r->program, r->level);
        if (r->continued) {
            memcpy(out + used, "(cont.) ", 8);
            used += 8;
        }
    }
    memcpy(out + used, r->buf, n);
    used += n;
    out[used++] = '\n';
    r->emit(out, used, r->ctx);
}

/* The length of the UTF-8 sequence that starts with lead (1 when it is
 * not a lead byte). */
static size_t sequence_length(unsigned char lead) {
    if (lead >= 0xF0 && lead <= 0xF4)
        return 4;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    return 1;
}

/* The buffer is full and the line goes on: write as much as ends on a
 * character's boundary, keep the rest for the next piece. */
static void cut_line(struct line_relay *r) {
    size_t cut = r->used;
    for (size_t back = 1; back <= 3 && back <= r->used; back++) {
        unsigned char c = (unsigned char)r->buf[r->used - back];
        if ((c & 0xC0) == 0x80)
            continue; /* a continuation byte: look further back */
        if (sequence_length(c) > back)
            cut = r->used - back; /* a character begun but not ended */
        break;
    }
    if (cut == 0)
        cut = r->used;
    emit_piece(r, cut);
    size_t rest = r->used - cut;
    memmove(r->buf, r->buf + cut, rest);
    r->used = rest;
    r->continued = 1;
}

void line_relay_feed(struct line_relay *r, const char *bytes, size_t len) {
    while (len > 0) {
        const char *nl = memchr(bytes, '\n', len);
        size_t take = nl ? (size_t)(nl - bytes) : len;
        size_t room = sizeof r->buf - r->used;
        if (take > room) {
            memcpy(r->buf + r->used, bytes, room);
            r->used += room;
            bytes += room;
            len -= room;
            cut_line(r);
            continue;
        }
        memcpy(r->buf + r->used, bytes, take);
        r->used += take;
        bytes += take;
        len -= take;
        if (nl) {
            emit_piece(r, r->used);
            r->used = 0;
            r->continued = 0;
            bytes++;
            len--;
        }
    }
}

void line_relay_finish(struct line_relay *r) {
    if (r->used > 0)
        emit_piece(r, r->used);
    r->used = 0;
    r->continued = 0;
}
