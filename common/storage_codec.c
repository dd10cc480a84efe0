/* The encodings of Azure's REST API: see storage_codec.h. Written out
 * rather than taken from OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock, whose
 * decoder counts the padding as bytes (the decoded-key-length pitfall of
 * SharedKey signing). */
#include "storage_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int codec_base64_encode(const void *data, size_t len, char *out, size_t cap) {
    const unsigned char *p = data;
    size_t need = 4 * ((len + 2) / 3);
    if (cap < need + 1)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? b64[v & 63] : '=';
    }
    out[o] = '\0';
    return (int)o;
}

static int b64_value(char c) {
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

int codec_base64_decode(const char *text, unsigned char *out, size_t cap) {
    size_t n = strlen(text);
    if (n % 4 != 0)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int last = i + 4 == n;
        int pad = 0;
        if (last && text[i + 3] == '=')
            pad = text[i + 2] == '=' ? 2 : 1;
        unsigned v = 0;
        for (int k = 0; k < 4; k++) {
            int d = k >= 4 - pad ? 0 : b64_value(text[i + (size_t)k]);
            if (d < 0)
                return -1;
            v = v << 6 | (unsigned)d;
        }
        int bytes = 3 - pad;
        if (o + (size_t)bytes > cap)
            return -1;
        out[o++] = (unsigned char)(v >> 16);
        if (bytes > 1)
            out[o++] = (unsigned char)(v >> 8);
        if (bytes > 2)
            out[o++] = (unsigned char)v;
    }
    return (int)o;
}

char *codec_pct_encode(const char *s, int keep_slash) {
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(3 * strlen(s) + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~' || (keep_slash && c == '/')) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *codec_pct_decode(const char *s, size_t n) {
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        int h = i + 2 < n ? hex_digit(s[i + 1]) : -1, l = i + 2 < n ? hex_digit(s[i + 2]) : -1;
        if (h < 0 || l < 0 || (h == 0 && l == 0)) {
            free(out);
            return NULL;
        }
        out[o++] = (char)(h * 16 + l);
        i += 2;
    }
    out[o] = '\0';
    return out;
}

static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void codec_http_date(long long epoch_s, char *out, size_t cap) {
    time_t t = (time_t)epoch_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int codec_http_date_parse(const char *text, long long *epoch_ms) {
    char day[4], month[4];
    struct tm tm = {0};
    int consumed = 0;
    if (sscanf(text, "%3[A-Za-z], %d %3[A-Za-z] %d %d:%d:%d GMT%n", day, &tm.tm_mday, month, &tm.tm_year, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &consumed) != 7 ||
        consumed == 0 || text[consumed] != '\0')
        return -1;
    tm.tm_mon = -1;
    for (int i = 0; i < 12; i++)
        if (strcmp(month, months[i]) == 0)
            tm.tm_mon = i;
    if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    *epoch_ms = (long long)timegm(&tm) * 1000;
    return 0;
}

int codec_iso_time_parse(const char *text, long long *epoch_s) {
    struct tm tm = {0};
    int consumed = 0;
    int n = sscanf(text, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &consumed);
    if (n != 3 || consumed != 10)
        return -1;
    const char *rest = text + consumed;
    if (*rest == 'T') {
        int c2 = 0;
        if (sscanf(rest, "T%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &c2) != 2 || c2 != 6)
            return -1;
        rest += c2;
        if (*rest == ':') {
            if (sscanf(rest, ":%2d%n", &tm.tm_sec, &c2) != 1 || c2 != 3)
                return -1;
            rest += c2;
            if (*rest == '.')
                for (rest++; *rest >= '0' && *rest <= '9'; rest++)
                    ;
        }
        if (strcmp(rest, "Z") != 0)
            return -1;
    } else if (*rest) {
        return -1;
    }
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *epoch_s = (long long)timegm(&tm);
    return 0;
}
