/* One JSON text into tokens: see lake_json.h. The parser is a loop over the
 * text with an explicit stack of the open containers (no recursion, so the
 * depth limit is a number, not the C stack). */
#include "lake_json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a byte is inside a string: 0 an ordinary character, else one to
 * look at. */
enum { PLAIN, QUOTE, BACKSLASH, CONTROL, HIGH };

static const unsigned char string_class[256] = {
    /* 0x00-0x1f: control characters */
    CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL,
    CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL,
    CONTROL, CONTROL, CONTROL, CONTROL, CONTROL, CONTROL,
    /* 0x20-0x7f */
    [0x22] = QUOTE, [0x5c] = BACKSLASH,
    /* 0x80-0xff: a multi-byte sequence */
    [0x80 ... 0xff] = HIGH};

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Non-zero when a byte of x is '"', '\\', below 0x20 or above 0x7f (the
 * classic SWAR tests: a byte below n borrows into its high bit). */
static inline uint64_t special_bytes(uint64_t x) {
    uint64_t quote = x ^ (ONES * '"'), backslash = x ^ (ONES * '\\');
    uint64_t low = (x - ONES * 0x20) & ~x, q = (quote - ONES) & ~quote, b = (backslash - ONES) & ~backslash;
    return (low | q | b | x) & HIGHS;
}

static int fail(struct lake_json *j, const char *text, const char *p, const char *what) {
    snprintf(j->error, sizeof j->error, "%s at byte %zu", what, (size_t)(p - text));
    return -1;
}

static int unexpected(struct lake_json *j, const char *text, const char *p, const char *end) {
    if (p >= end)
        return fail(j, text, p, "unexpected end of input");
    char what[48];
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c < 0x7f)
        snprintf(what, sizeof what, "unexpected '%c'", c);
    else
        snprintf(what, sizeof what, "unexpected byte 0x%02x", c);
    return fail(j, text, p, what);
}

void lake_json_init(struct lake_json *j) { memset(j, 0, sizeof *j); }

void lake_json_release(struct lake_json *j) {
    free(j->tokens);
    free(j->stack);
    free(j->scratch);
    memset(j, 0, sizeof *j);
}

/* A new token of type at the text's span; -1 when out of memory. */
static inline int token(struct lake_json *j, enum lake_json_type type, const char *at, size_t len) {
    if (j->count == j->cap) {
        int cap = j->cap ? j->cap * 2 : 64;
        struct lake_json_token *grown = realloc(j->tokens, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        j->tokens = grown;
        j->cap = cap;
    }
    struct lake_json_token *t = &j->tokens[j->count];
    t->type = (unsigned char)type;
    t->escaped = 0;
    t->integer = 0;
    t->end = j->count + 1;
    t->text = at;
    t->len = len;
    t->i = 0;
    return j->count++;
}

static int hex4(const char *p, const char *end) {
    if (end - p < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The length of the UTF-8 sequence at p (2-4 bytes), or 0 when it is not a
 * well-formed one (overlong, a surrogate, above U+10FFFF, cut short). */
static int utf8_sequence(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    int n;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (end - p < n)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A string from *pp (its opening quote) to after its closing quote. */
static inline int string(struct lake_json *j, const char *text, const char **pp, const char *end) {
    const char *p = *pp + 1, *start = p;
    int escaped = 0;
    for (;;) {
        /* eight bytes at a time while none is a quote, a backslash, a
         * control character or part of a multi-byte character */
        while (end - p >= 8) {
            uint64_t x;
            memcpy(&x, p, 8);
            uint64_t special = special_bytes(x);
            if (special) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                /* the lowest flagged byte is a true one: the first in memory */
                p += __builtin_ctzll(special) >> 3;
#endif
                break;
            }
            p += 8;
        }
        while (p < end && string_class[(unsigned char)*p] == PLAIN)
            p++;
        if (p >= end)
            return fail(j, text, p, "a string left open");
        switch (string_class[(unsigned char)*p]) {
        case QUOTE: {
            int t = token(j, LAKE_JSON_STRING, start, (size_t)(p - start));
            if (t < 0)
                return fail(j, text, p, "out of memory");
            j->tokens[t].escaped = (unsigned char)escaped;
            j->string_bytes += (size_t)(p - start) + 1;
            *pp = p + 1;
            return 0;
        }
        case CONTROL:
            return fail(j, text, p, "a control character in a string");
        case HIGH: {
            int n = utf8_sequence((const unsigned char *)p, (const unsigned char *)end);
            if (n == 0)
                return fail(j, text, p, "invalid UTF-8");
            p += n;
            break;
        }
        default: /* BACKSLASH */
            escaped = 1;
            if (++p >= end)
                return fail(j, text, p, "a string left open");
            if (strchr("\"\\/bfnrt", *p) && *p) {
                p++;
                break;
            }
            if (*p != 'u')
                return fail(j, text, p, "an invalid escape");
            int cp = hex4(p + 1, end);
            if (cp < 0)
                return fail(j, text, p, "an invalid \\u escape");
            p += 5;
            if (cp >= 0xdc00 && cp <= 0xdfff)
                return fail(j, text, p, "a lone surrogate in a \\u escape");
            if (cp >= 0xd800 && cp <= 0xdbff) {
                int low = end - p >= 2 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2, end) : -1;
                if (low < 0xdc00 || low > 0xdfff)
                    return fail(j, text, p, "a lone surrogate in a \\u escape");
                p += 6;
            }
            break;
        }
    }
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A number from *pp; jansson's grammar and limits. */
static int number(struct lake_json *j, const char *text, const char **pp, const char *end) {
    const char *p = *pp, *start = p;
    int negative = p < end && *p == '-';
    p += negative;
    if (p >= end || !is_digit(*p))
        return unexpected(j, text, p, end);
    unsigned long long v = 0, limit = negative ? 9223372036854775808ULL : 9223372036854775807ULL;
    int overflow = 0;
    if (*p == '0') {
        p++;
    } else {
        /* 18 digits cannot overflow; past them, check each */
        const char *sure = end - p > 18 ? p + 18 : end;
        for (; p < sure && is_digit(*p); p++)
            v = v * 10 + (unsigned)(*p - '0');
        for (; p < end && is_digit(*p); p++) {
            unsigned d = (unsigned)(*p - '0');
            if (v > (limit - d) / 10)
                overflow = 1;
            else
                v = v * 10 + d;
        }
    }
    int integer = 1;
    if (p < end && *p == '.') {
        integer = 0;
        if (++p >= end || !is_digit(*p))
            return unexpected(j, text, p, end);
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integer = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return unexpected(j, text, p, end);
        while (p < end && is_digit(*p))
            p++;
    }
    size_t len = (size_t)(p - start);
    if (integer && overflow)
        return fail(j, text, start, "too big an integer");
    if (!integer) {
        char buf[512], *copy = len < sizeof buf ? buf : malloc(len + 1);
        if (!copy)
            return fail(j, text, start, "out of memory");
        memcpy(copy, start, len);
        copy[len] = '\0';
        double d = strtod(copy, NULL);
        if (copy != buf)
            free(copy);
        if (isinf(d))
            return fail(j, text, start, "a real number out of range");
    }
    int t = token(j, LAKE_JSON_NUMBER, start, len);
    if (t < 0)
        return fail(j, text, start, "out of memory");
    j->tokens[t].integer = (unsigned char)integer;
    j->tokens[t].i = integer ? (negative ? (long long)(0ULL - v) : (long long)v) : 0;
    *pp = p;
    return 0;
}

static int literal(struct lake_json *j, const char *text, const char **pp, const char *end) {
    static const struct {
        const char *word;
        size_t len;
        enum lake_json_type type;
    } words[] = {{"null", 4, LAKE_JSON_NULL}, {"true", 4, LAKE_JSON_TRUE}, {"false", 5, LAKE_JSON_FALSE}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if ((size_t)(end - *pp) >= words[i].len && memcmp(*pp, words[i].word, words[i].len) == 0) {
            if (token(j, words[i].type, *pp, words[i].len) < 0)
                return fail(j, text, *pp, "out of memory");
            *pp += words[i].len;
            return 0;
        }
    return unexpected(j, text, *pp, end);
}

static inline const char *skip_space(const char *p, const char *end) {
    if (p < end && (unsigned char)*p > ' ')
        return p;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* An object's key and its colon, from p; the value follows. */
static inline int key(struct lake_json *j, const char *text, const char **pp, const char *end) {
    if (*pp >= end || **pp != '"')
        return unexpected(j, text, *pp, end);
    if (string(j, text, pp, end) != 0)
        return -1;
    const char *p = skip_space(*pp, end);
    if (p >= end || *p != ':')
        return unexpected(j, text, p, end);
    *pp = p + 1;
    return 0;
}

int lake_json_parse(struct lake_json *j, const char *text, size_t len) {
    const char *p = text, *end = text + len;
    int depth = 0;
    j->count = 0;
    j->scratch_len = 0;
    j->string_bytes = 0;
    j->error[0] = '\0';
    for (;;) {
        /* a value */
        p = skip_space(p, end);
        if (p >= end)
            return unexpected(j, text, p, end);
        char c = *p;
        if (c == '{' || c == '[') {
            if (depth == LAKE_JSON_MAX_DEPTH)
                return fail(j, text, p, "nested too deep");
            if (depth == j->stack_cap) {
                int cap = j->stack_cap ? j->stack_cap * 2 : 16;
                int *grown = realloc(j->stack, (size_t)cap * sizeof *grown);
                if (!grown)
                    return fail(j, text, p, "out of memory");
                j->stack = grown;
                j->stack_cap = cap;
            }
            int t = token(j, c == '{' ? LAKE_JSON_OBJECT : LAKE_JSON_ARRAY, p, 0);
            if (t < 0)
                return fail(j, text, p, "out of memory");
            j->stack[depth++] = t;
            p = skip_space(p + 1, end);
            if (p < end && *p == (c == '{' ? '}' : ']')) {
                p++;
                depth--;
                j->tokens[t].end = j->count;
            } else {
                if (c == '{' && key(j, text, &p, end) != 0)
                    return -1;
                continue;
            }
        } else if (c == '"') {
            if (string(j, text, &p, end) != 0)
                return -1;
        } else if (c == '-' || is_digit(c)) {
            if (number(j, text, &p, end) != 0)
                return -1;
        } else if (literal(j, text, &p, end) != 0) {
            return -1;
        }
        /* after a value: the next member or element, or the containers' ends */
        for (;;) {
            p = skip_space(p, end);
            if (depth == 0) {
                if (p < end)
                    return fail(j, text, p, "text after the value");
                return 0;
            }
            struct lake_json_token *open = &j->tokens[j->stack[depth - 1]];
            int object = open->type == LAKE_JSON_OBJECT;
            if (p < end && *p == ',') {
                p = skip_space(p + 1, end);
                if (object && key(j, text, &p, end) != 0)
                    return -1;
                break;
            }
            if (p >= end || *p != (object ? '}' : ']'))
                return unexpected(j, text, p, end);
            p++;
            open->end = j->count;
            depth--;
        }
    }
}

int lake_json_type_of(const struct lake_json *j, int i) { return i >= 0 && i < j->count ? j->tokens[i].type : -1; }

/* Appends code point cp as UTF-8 at o; returns the end. */
static char *put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xc0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xe0 | cp >> 12);
        *o++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (char)(0xf0 | cp >> 18);
        *o++ = (char)(0x80 | (cp >> 12 & 0x3f));
        *o++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *o++ = (char)(0x80 | (cp & 0x3f));
    }
    return o;
}

/* Unescapes a string the parser checked into o; returns the end. */
static char *unescape(const char *p, size_t len, char *o) {
    static const char plain[256] = {
        ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b', ['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t'};
    const char *end = p + len;
    while (p < end) {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        p++;
        if (*p != 'u') {
            *o++ = plain[(unsigned char)*p++];
            continue;
        }
        unsigned cp = (unsigned)hex4(p + 1, end);
        p += 5;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)hex4(p + 2, end) - 0xdc00);
            p += 6;
        }
        o = put_utf8(o, cp);
    }
    return o;
}

int lake_json_string(struct lake_json *j, int i, const char **text, size_t *len) {
    if (lake_json_type_of(j, i) != LAKE_JSON_STRING)
        return -1;
    struct lake_json_token *t = &j->tokens[i];
    if (t->escaped) {
        /* Unescaped text is never longer than its escaped form, and a string
         * is unescaped once (the token then names the copy): the copies of
         * one text fit in string_bytes, so the space, sized once, never
         * moves while earlier copies are in use. */
        if (j->scratch_cap < j->string_bytes) {
            if (j->scratch_len > 0)
                return -1; /* never: it was sized for the whole text at its first use */
            char *grown = realloc(j->scratch, j->string_bytes);
            if (!grown)
                return -1;
            j->scratch = grown;
            j->scratch_cap = j->string_bytes;
        }
        char *o = j->scratch + j->scratch_len;
        char *e = unescape(t->text, t->len, o);
        *e = '\0';
        j->scratch_len += (size_t)(e - o) + 1;
        t->text = o;
        t->len = (size_t)(e - o);
        t->escaped = 0;
    }
    *text = t->text;
    *len = t->len;
    return 0;
}

int lake_json_member(const struct lake_json *j, int object, const char *key) {
    if (lake_json_type_of(j, object) != LAKE_JSON_OBJECT)
        return -1;
    size_t n = strlen(key);
    int found = -1;
    const struct lake_json_token *t = j->tokens;
    for (int k = object + 1; k < t[object].end; k = t[k + 1].end) {
        if (t[k].escaped) {
            char buf[256], *e;
            if (t[k].len >= sizeof buf)
                continue; /* longer than any name asked for */
            e = unescape(t[k].text, t[k].len, buf);
            if ((size_t)(e - buf) == n && memcmp(buf, key, n) == 0)
                found = k + 1;
        } else if (t[k].len == n && (n == 0 || t[k].text[0] == key[0]) && memcmp(t[k].text, key, n) == 0) {
            found = k + 1;
        }
    }
    return found;
}
