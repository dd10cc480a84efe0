/* The streaming JSON writer: see json_writer.h. */
#include "json_writer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per open container: what it is and where it stands. */
enum {
    LEVEL_OBJECT = 1,  /* else an array */
    LEVEL_MEMBERS = 2, /* holds a member already: the next one needs a comma */
    LEVEL_KEYED = 4,   /* a key was written: a value must follow */
};

struct json_writer {
    char *buf;
    size_t len, cap; /* cap > len always: room for the NUL */
    enum json_writer_status status;
    int depth;
    int top_done; /* the top-level value has begun */
    unsigned char levels[JSON_WRITER_MAX_DEPTH];
};

struct json_writer *json_writer_new(size_t initial_capacity) {
    struct json_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cap = initial_capacity ? initial_capacity : 1024;
    w->buf = malloc(w->cap);
    if (!w->buf) {
        free(w);
        return NULL;
    }
    w->buf[0] = '\0';
    return w;
}

void json_writer_free(struct json_writer *w) {
    if (!w)
        return;
    free(w->buf);
    free(w);
}

void json_writer_reset(struct json_writer *w) {
    w->len = 0;
    w->buf[0] = '\0';
    w->status = JSON_WRITER_OK;
    w->depth = 0;
    w->top_done = 0;
}

const char *json_writer_data(const struct json_writer *w) { return w->buf; }
size_t json_writer_len(const struct json_writer *w) { return w->len; }
enum json_writer_status json_writer_status(const struct json_writer *w) { return w->status; }

int json_writer_complete(const struct json_writer *w) {
    return w->status == JSON_WRITER_OK && w->depth == 0 && w->top_done;
}

/* Makes room for n more bytes plus the NUL; 0 on success. */
static int grow(struct json_writer *w, size_t n) {
    if (w->status != JSON_WRITER_OK)
        return -1;
    size_t need = w->len + n + 1;
    if (need < n) {
        w->status = JSON_WRITER_NOMEM;
        return -1;
    }
    size_t cap = w->cap;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *buf = realloc(w->buf, cap);
    if (!buf) {
        w->status = JSON_WRITER_NOMEM;
        return -1;
    }
    w->buf = buf;
    w->cap = cap;
    return 0;
}

static inline int reserve(struct json_writer *w, size_t n) {
    if (w->status == JSON_WRITER_OK && w->cap - w->len > n)
        return 0;
    return grow(w, n);
}

static void misuse(struct json_writer *w) {
    if (w->status == JSON_WRITER_OK)
        w->status = JSON_WRITER_MISUSE;
}

/* Checks that a value may come here and writes the comma before it;
 * reserves extra bytes for the value. 0 if the value may be written. */
static inline int before_value(struct json_writer *w, size_t extra) {
    if (w->status != JSON_WRITER_OK)
        return -1;
    if (reserve(w, extra + 1))
        return -1;
    if (w->depth == 0) {
        if (w->top_done) {
            misuse(w);
            return -1;
        }
        w->top_done = 1;
        return 0;
    }
    unsigned char *level = &w->levels[w->depth - 1];
    if (*level & LEVEL_OBJECT) {
        if (!(*level & LEVEL_KEYED)) {
            misuse(w);
            return -1;
        }
        *level &= (unsigned char)~LEVEL_KEYED;
        return 0;
    }
    if (*level & LEVEL_MEMBERS)
        w->buf[w->len++] = ',';
    *level |= LEVEL_MEMBERS;
    return 0;
}

static inline void put(struct json_writer *w, const char *s, size_t n) {
    if (n)
        memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void begin(struct json_writer *w, unsigned char kind, char open) {
    if (before_value(w, 1))
        return;
    if (w->depth == JSON_WRITER_MAX_DEPTH) {
        misuse(w);
        return;
    }
    w->levels[w->depth++] = kind;
    put(w, &open, 1);
}

static void end(struct json_writer *w, unsigned char kind, char close) {
    if (w->status != JSON_WRITER_OK)
        return;
    if (w->depth == 0 || (w->levels[w->depth - 1] & (LEVEL_OBJECT | LEVEL_KEYED)) != kind) {
        misuse(w);
        return;
    }
    if (reserve(w, 1))
        return;
    w->depth--;
    put(w, &close, 1);
}

void json_writer_begin_object(struct json_writer *w) { begin(w, LEVEL_OBJECT, '{'); }
void json_writer_end_object(struct json_writer *w) { end(w, LEVEL_OBJECT, '}'); }
void json_writer_begin_array(struct json_writer *w) { begin(w, 0, '['); }
void json_writer_end_array(struct json_writer *w) { end(w, 0, ']'); }

/* Byte classes for strings: 0 copies as is, 1 needs an escape, 2 starts
 * (or wrongly continues) a multi-byte UTF-8 sequence. */
static const unsigned char byte_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static const char hex_digits[] = "0123456789abcdef";

/* Strings are written by two paths:
 *   - the fast path, copy_plain(), copies the bytes that go out as they are
 *     (printable ASCII other than '"' and '\\'), testing and storing eight
 *     at a time. Column names, timestamps and most values hold nothing else,
 *     so put_string() copies them in one pass into the n + 2 bytes its
 *     caller reserved, with no further reserve;
 *   - the slow path, put_escaped(), takes over at the first byte that needs
 *     an escape or a UTF-8 check and writes the rest in chunks, each of
 *     which reserves its worst case; between such bytes it copies runs with
 *     copy_plain() too.
 * The output is the same as escaping one byte at a time would give. */

/* Input is escaped in chunks so that the room reserved for the worst case
 * (6 output bytes per input byte, "\u00XX") stays small for long strings. */
#define ESCAPE_CHUNK 4096

/* 1 if none of 8 bytes needs attention: no control character, quote,
 * backslash or byte above 0x7F (word-at-a-time tests of "has a byte less
 * than" and "has a zero byte", which never miss one). */
static inline int plain_word(uint64_t x) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    uint64_t control = (x - ones * 0x20) & ~x;
    uint64_t quotes = (quote - ones) & ~quote, backslashes = (backslash - ones) & ~backslash;
    return ((control | quotes | backslashes | x) & highs) == 0;
}

/* Returns the length of the longest prefix of s[0..n) that needs no escape
 * or UTF-8 check, having copied at least that prefix to out, which has room
 * for n bytes (what it copies beyond is overwritten by the slow path).
 * Words are copied and tested eight bytes at a time; the last 1-7 bytes of
 * a longer string, or a whole string of 4-7, as one word of overlapping
 * loads (bytes tested twice are plain already). Within a word that is not
 * all plain, a byte at a time finds where the prefix ends. */
static inline size_t copy_plain(char *out, const unsigned char *s, size_t n) {
    size_t i = 0;
    uint64_t x;
    if (n >= 8) {
        for (; i + 8 <= n; i += 8) {
            memcpy(&x, s + i, 8);
            memcpy(out + i, &x, 8);
            if (!plain_word(x))
                break;
        }
        if (i + 8 > n) {
            if (i == n)
                return n;
            memcpy(&x, s + n - 8, 8);
            memcpy(out + n - 8, &x, 8);
            if (plain_word(x))
                return n;
        }
    } else if (n >= 4) {
        uint32_t head, tail;
        memcpy(&head, s, 4);
        memcpy(&tail, s + n - 4, 4);
        memcpy(out, &head, 4);
        memcpy(out + n - 4, &tail, 4);
        if (plain_word((uint64_t)head << 32 | tail))
            return n;
    } else {
        for (size_t k = 0; k < n; k++)
            out[k] = (char)s[k];
    }
    while (i < n && byte_class[s[i]] == 0)
        i++;
    return i;
}

/* Writes one escape for c ('"', '\\' or a control character) at out;
 * returns where it ends. */
static char *put_escape(char *out, unsigned c) {
    *out++ = '\\';
    switch (c) {
    case '"':
        *out++ = '"';
        break;
    case '\\':
        *out++ = '\\';
        break;
    case '\b':
        *out++ = 'b';
        break;
    case '\f':
        *out++ = 'f';
        break;
    case '\n':
        *out++ = 'n';
        break;
    case '\r':
        *out++ = 'r';
        break;
    case '\t':
        *out++ = 't';
        break;
    default:
        memcpy(out, "u00", 3);
        out[3] = hex_digits[c >> 4];
        out[4] = hex_digits[c & 15];
        out += 5;
    }
    return out;
}

/* The slow path: writes s[0..n) escaped, with each maximal ill-formed UTF-8
 * subsequence as U+FFFD; no quotes. Out of line, so that the fast path in
 * put_string() stays small. */
__attribute__((noinline)) static void put_escaped(struct json_writer *w, const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t chunk_end = n - i > ESCAPE_CHUNK ? i + ESCAPE_CHUNK : n;
        /* Keeps the text NUL-terminated should the reserve fail. */
        w->buf[w->len] = '\0';
        /* A multi-byte sequence may run up to 3 bytes past the chunk. */
        if (reserve(w, (chunk_end - i) * 6 + 8))
            return;
        char *out = w->buf + w->len;
        while (i < chunk_end) {
            size_t run = copy_plain(out, s + i, chunk_end - i);
            out += run;
            i += run;
            if (i == chunk_end)
                break;
            unsigned c = s[i];
            if (byte_class[c] == 1) {
                out = put_escape(out, c);
                i++;
                continue;
            }
            /* UTF-8 (RFC 3629): the lead byte fixes the length and the range
             * of the second byte, which excludes overlong forms, surrogates
             * and code points beyond U+10FFFF. */
            size_t need;
            unsigned lo = 0x80, hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                if (c == 0xE0)
                    lo = 0xA0;
                else if (c == 0xED)
                    hi = 0x9F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                if (c == 0xF0)
                    lo = 0x90;
                else if (c == 0xF4)
                    hi = 0x8F;
            } else {
                need = 0; /* 0x80-0xC1, 0xF5-0xFF: never valid here */
            }
            size_t j = i + 1;
            if (need && j < n && s[j] >= lo && s[j] <= hi) {
                j++;
                while (j - i <= need && j < n && (s[j] & 0xC0) == 0x80)
                    j++;
            }
            if (need && j - i == need + 1) {
                memcpy(out, s + i, j - i);
                out += j - i;
            } else {
                memcpy(out, "\xEF\xBF\xBD", 3); /* U+FFFD for the maximal ill-formed part */
                out += 3;
            }
            i = j;
        }
        w->len = (size_t)(out - w->buf);
    }
}

/* Writes s as a quoted, escaped string; the caller has placed any comma and
 * reserved room for n + 2 bytes (and the NUL). */
static void put_string(struct json_writer *w, const unsigned char *s, size_t n) {
    w->buf[w->len++] = '"';
    size_t plain = copy_plain(w->buf + w->len, s, n);
    w->len += plain;
    if (plain < n) {
        put_escaped(w, s + plain, n - plain);
        if (reserve(w, 1)) {
            w->buf[w->len] = '\0';
            return;
        }
    }
    w->buf[w->len++] = '"';
    w->buf[w->len] = '\0';
}

void json_writer_key_n(struct json_writer *w, const char *key, size_t len) {
    if (w->status != JSON_WRITER_OK)
        return;
    if (w->depth == 0) {
        misuse(w);
        return;
    }
    unsigned char *level = &w->levels[w->depth - 1];
    if ((*level & (LEVEL_OBJECT | LEVEL_KEYED)) != LEVEL_OBJECT) {
        misuse(w);
        return;
    }
    if (!key)
        len = 0;
    /* The comma, the quotes and the colon. */
    if (len > SIZE_MAX - 4) {
        w->status = JSON_WRITER_NOMEM;
        return;
    }
    if (reserve(w, len + 4))
        return;
    if (*level & LEVEL_MEMBERS)
        w->buf[w->len++] = ',';
    *level |= LEVEL_MEMBERS | LEVEL_KEYED;
    put_string(w, (const unsigned char *)(key ? key : ""), len);
    if (reserve(w, 1))
        return;
    put(w, ":", 1);
}

void json_writer_key(struct json_writer *w, const char *key) { json_writer_key_n(w, key, key ? strlen(key) : 0); }

void json_writer_string_n(struct json_writer *w, const char *s, size_t len) {
    if (!s) {
        json_writer_null(w);
        return;
    }
    /* The quotes, and the comma before_value() adds. */
    if (len > SIZE_MAX - 3) {
        if (w->status == JSON_WRITER_OK)
            w->status = JSON_WRITER_NOMEM;
        return;
    }
    if (before_value(w, len + 2))
        return;
    put_string(w, (const unsigned char *)s, len);
}

void json_writer_string(struct json_writer *w, const char *s) { json_writer_string_n(w, s, s ? strlen(s) : 0); }

/* Writes v's decimal digits ending at end; returns where they begin. */
static char *digits(char *end, uint64_t v) {
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void json_writer_uint(struct json_writer *w, uint64_t v) {
    if (before_value(w, 20))
        return;
    char tmp[20];
    char *p = digits(tmp + sizeof tmp, v);
    put(w, p, (size_t)(tmp + sizeof tmp - p));
}

void json_writer_int(struct json_writer *w, int64_t v) {
    if (before_value(w, 20))
        return;
    char tmp[21];
    char *p = digits(tmp + sizeof tmp, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
    if (v < 0)
        *--p = '-';
    put(w, p, (size_t)(tmp + sizeof tmp - p));
}

/* Copies a printf'd number, with a '.' whatever the locale's decimal mark,
 * and ".0" when it would otherwise read as an integer. */
static void put_number_text(struct json_writer *w, char *text, int n) {
    int real = 0;
    for (int i = 0; i < n; i++) {
        char c = text[i];
        if (c == 'e' || c == 'E') {
            real = 1;
        } else if ((c < '0' || c > '9') && c != '-' && c != '+') {
            text[i] = '.';
            real = 1;
        }
    }
    if (before_value(w, (size_t)n + 2))
        return;
    put(w, text, (size_t)n);
    if (!real)
        put(w, ".0", 2);
}

void json_writer_double(struct json_writer *w, double v) {
    if (!isfinite(v)) {
        json_writer_null(w);
        return;
    }
    char text[40];
    int n = 0;
    for (int precision = 15; precision <= 17; precision++) {
        n = snprintf(text, sizeof text, "%.*g", precision, v);
        if (precision == 17 || strtod(text, NULL) == v)
            break;
    }
    put_number_text(w, text, n);
}

void json_writer_float(struct json_writer *w, float v) {
    if (!isfinite(v)) {
        json_writer_null(w);
        return;
    }
    char text[40];
    int n = 0;
    for (int precision = 6; precision <= 9; precision++) {
        n = snprintf(text, sizeof text, "%.*g", precision, (double)v);
        if (precision == 9 || strtof(text, NULL) == v)
            break;
    }
    put_number_text(w, text, n);
}

void json_writer_bool(struct json_writer *w, int v) {
    if (before_value(w, 5))
        return;
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void json_writer_null(struct json_writer *w) {
    if (before_value(w, 4))
        return;
    put(w, "null", 4);
}

void json_writer_base64(struct json_writer *w, const void *bytes, size_t len) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (len > (SIZE_MAX - 8) / 4 * 3) {
        if (w->status == JSON_WRITER_OK)
            w->status = JSON_WRITER_NOMEM;
        return;
    }
    size_t out_len = (len + 2) / 3 * 4;
    if (before_value(w, out_len + 2))
        return;
    const unsigned char *s = bytes;
    char *out = w->buf + w->len;
    *out++ = '"';
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t b = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        out[0] = alphabet[b >> 18];
        out[1] = alphabet[(b >> 12) & 63];
        out[2] = alphabet[(b >> 6) & 63];
        out[3] = alphabet[b & 63];
        out += 4;
    }
    if (len - i == 1) {
        uint32_t b = (uint32_t)s[i] << 16;
        out[0] = alphabet[b >> 18];
        out[1] = alphabet[(b >> 12) & 63];
        out[2] = '=';
        out[3] = '=';
        out += 4;
    } else if (len - i == 2) {
        uint32_t b = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        out[0] = alphabet[b >> 18];
        out[1] = alphabet[(b >> 12) & 63];
        out[2] = alphabet[(b >> 6) & 63];
        out[3] = '=';
        out += 4;
    }
    *out++ = '"';
    w->len = (size_t)(out - w->buf);
    w->buf[w->len] = '\0';
}

void json_writer_raw(struct json_writer *w, const char *json, size_t len) {
    if (before_value(w, len))
        return;
    put(w, json, len);
}
