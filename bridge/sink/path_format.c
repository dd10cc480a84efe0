/* path.format compiled and rendered: see path_format.h. */
#include "path_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partitioner.h"

enum token { TOKEN_YEAR = 1, TOKEN_MONTH, TOKEN_DAY, TOKEN_HOUR, TOKEN_MINUTE, TOKEN_SECOND };

static const struct {
    const char *text;
    enum token token;
} tokens[] = {
    {"YYYY", TOKEN_YEAR}, {"yyyy", TOKEN_YEAR}, {"MM", TOKEN_MONTH},  {"dd", TOKEN_DAY},
    {"HH", TOKEN_HOUR},   {"mm", TOKEN_MINUTE}, {"ss", TOKEN_SECOND},
};

static int is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* The token spelled by the n letters at s, or 0. */
static int token_of(const char *s, size_t n) {
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++)
        if (strlen(tokens[i].text) == n && memcmp(tokens[i].text, s, n) == 0)
            return tokens[i].token;
    return 0;
}

static const char format_help[] = "(tokens YYYY yyyy MM dd HH mm ss, text in single quotes, '/' between folders, "
                                  "e.g. 'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH)";

/* Checks the folders of a compiled format: none empty, "." or "..", each
 * with a token. 0, or -1 with err. */
static int check_folders(const char *compiled, const char *format, char *err, size_t errlen) {
    const char *folder = compiled;
    for (;;) {
        size_t n = strcspn(folder, "/");
        int has_token = 0;
        for (size_t i = 0; i < n; i++)
            has_token |= (unsigned char)folder[i] < 0x20;
        if (n == 0 || (n == 1 && folder[0] == '.') || (n == 2 && folder[0] == '.' && folder[1] == '.')) {
            snprintf(err, errlen, "sink.path.format \"%s\" has an empty, \".\" or \"..\" folder %s", format,
                     format_help);
            return -1;
        }
        if (!has_token) {
            snprintf(err, errlen, "sink.path.format \"%s\" has a folder \"%.*s\" without a time token %s", format,
                     (int)n, folder, format_help);
            return -1;
        }
        if (folder[n] == '\0')
            return 0;
        folder += n + 1;
    }
}

char *path_format_compile(const char *format, char *err, size_t errlen) {
    if (!format || !*format) {
        snprintf(err, errlen, "sink.path.format is required by the time partitioner %s", format_help);
        return NULL;
    }
    char *out = malloc(strlen(format) + 1), *o = out;
    if (!out) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int quoted = 0;
    for (const char *s = format; *s;) {
        if (*s == '\'') {
            if (s[1] == '\'') {
                *o++ = '\'';
                s += 2;
            } else {
                quoted = !quoted;
                s++;
            }
        } else if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\\') {
            snprintf(err, errlen, "sink.path.format \"%s\": character 0x%02x at position %d is not allowed %s", format,
                     (unsigned char)*s, (int)(s - format) + 1, format_help);
            goto fail;
        } else if (quoted || !is_letter(*s)) {
            *o++ = *s++;
        } else {
            size_t n = 1;
            while (s[n] == s[0])
                n++;
            int token = token_of(s, n);
            if (!token) {
                snprintf(err, errlen, "sink.path.format \"%s\": unknown token \"%.*s\" at position %d %s", format,
                         (int)n, s, (int)(s - format) + 1, format_help);
                goto fail;
            }
            *o++ = (char)token;
            s += n;
        }
    }
    *o = '\0';
    if (quoted) {
        snprintf(err, errlen, "sink.path.format \"%s\": a quote is not closed %s", format, format_help);
        goto fail;
    }
    if (check_folders(out, format, err, errlen))
        goto fail;
    return out;
fail:
    free(out);
    return NULL;
}

static int token_value(enum token token, const struct civil_time *t) {
    switch (token) {
    case TOKEN_YEAR:
        return t->year;
    case TOKEN_MONTH:
        return t->month;
    case TOKEN_DAY:
        return t->day;
    case TOKEN_HOUR:
        return t->hour;
    case TOKEN_MINUTE:
        return t->minute;
    case TOKEN_SECOND:
        break;
    }
    return t->second;
}

int path_format_render(const char *compiled, const struct civil_time *t, char *out, size_t outlen) {
    static const char hive_default[] = SINK_PATH_DEFAULT_PARTITION;
    size_t n = 0;
    for (const char *s = compiled; *s;) {
        unsigned char c = (unsigned char)*s;
        const char *piece = s;
        size_t len = 1;
        char digits[8];
        if (c >= 0x20) {
            s++;
        } else if (!t) {
            piece = hive_default;
            len = sizeof hive_default - 1;
            s += strcspn(s, "/");
        } else {
            int width = c == TOKEN_YEAR ? 4 : 2;
            len = (size_t)snprintf(digits, sizeof digits, "%0*d", width, token_value((enum token)c, t));
            piece = digits;
            s++;
        }
        if (n + len >= outlen)
            return -1;
        memcpy(out + n, piece, len);
        n += len;
    }
    out[n] = '\0';
    return (int)n;
}
