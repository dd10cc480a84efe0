/* The lake's names: one value escaped as a folder name, a file's path from
 * its topic, partition and start offset, and that name read back (the sink
 * recovers its position from the files that exist). See partitioner.h. */
#include "partitioner.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Bytes percent-encoded in a folder name, besides control characters. */
static const char unsafe[] = " \"#%'*+/:=?\\[]^{}";

/* The length of the well-formed UTF-8 sequence at s (2..4 bytes), or 0
 * (Unicode's table 3-7: no overlong forms, no surrogates, nothing past
 * U+10FFFF). */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t len;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

static int is_dot_folder(const char *value, size_t len) {
    return (len == 1 && value[0] == '.') || (len == 2 && value[0] == '.' && value[1] == '.');
}

int sink_path_escape(const char *value, size_t len, char *out, size_t outlen) {
    static const char hex[] = "0123456789ABCDEF";
    if (!value || len == 0) {
        size_t n = sizeof SINK_PATH_DEFAULT_PARTITION - 1;
        if (n >= outlen)
            return -1;
        memcpy(out, SINK_PATH_DEFAULT_PARTITION, n + 1);
        return (int)n;
    }
    int dots = is_dot_folder(value, len);
    const unsigned char *s = (const unsigned char *)value;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t keep = 0;
        if (s[i] >= 0x80)
            keep = utf8_sequence(s + i, len - i);
        else if (s[i] >= 0x20 && s[i] != 0x7f && !dots && !memchr(unsafe, s[i], sizeof unsafe - 1))
            keep = 1;
        size_t need = keep ? keep : 3;
        if (n + need >= outlen)
            return -1;
        if (keep) {
            memcpy(out + n, s + i, keep);
            i += keep;
        } else {
            out[n] = '%';
            out[n + 1] = hex[s[i] >> 4];
            out[n + 2] = hex[s[i] & 15];
            i++;
        }
        n += need;
    }
    out[n] = '\0';
    return (int)n;
}

/* topics_dir without its trailing slashes, as "%.*s" takes it. */
static int dir_length(const char *topics_dir) {
    size_t n = topics_dir ? strlen(topics_dir) : 0;
    while (n > 0 && topics_dir[n - 1] == '/')
        n--;
    return (int)n;
}

int sink_path_file(const char *topics_dir, const char *topic, const char *encoded, int32_t partition,
                   int64_t start_offset, const char *ext, char *out, size_t outlen) {
    if (!topic || !*topic || partition < 0 || start_offset < 0 || !ext || !*ext)
        return -1;
    int dir = dir_length(topics_dir);
    const char *folder = encoded ? encoded : "";
    int n = snprintf(out, outlen, "%.*s%s%s/%s%s%s+%" PRId32 "+%010" PRId64 ".%s", dir, dir ? topics_dir : "",
                     dir ? "/" : "", topic, folder, *folder ? "/" : "", topic, partition, start_offset, ext);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

int sink_path_topic_prefix(const char *topics_dir, const char *topic, char *out, size_t outlen) {
    if (!topic || !*topic)
        return -1;
    int dir = dir_length(topics_dir);
    int n = snprintf(out, outlen, "%.*s%s%s/", dir, dir ? topics_dir : "", dir ? "/" : "", topic);
    return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/* Decimal digits at s up to the first non-digit, no larger than max; the
 * end, or NULL. */
static const char *parse_digits(const char *s, int64_t max, int64_t *value) {
    int64_t v = 0;
    const char *start = s;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (max - (*s - '0')) / 10)
            return NULL;
        v = v * 10 + (*s - '0');
    }
    if (s == start)
        return NULL;
    *value = v;
    return s;
}

int sink_path_parse(const char *name, const char *topic, int32_t *partition, int64_t *start_offset) {
    const char *slash = strrchr(name, '/');
    const char *s = slash ? slash + 1 : name;
    size_t topic_len = strlen(topic);
    if (topic_len == 0 || strncmp(s, topic, topic_len) != 0 || s[topic_len] != '+')
        return 0;
    /* The partition as sink_path_file writes it: no sign, no leading zero. */
    const char *p = s + topic_len + 1, *end;
    int64_t part, offset;
    if (!(end = parse_digits(p, INT32_MAX, &part)) || *end != '+' || (*p == '0' && end - p > 1))
        return 0;
    /* The offset: 10 digits, more only without a leading zero. */
    const char *o = end + 1;
    if (!(end = parse_digits(o, INT64_MAX, &offset)) || *end != '.' || end - o < 10 || (end - o > 10 && *o == '0'))
        return 0;
    /* The extension: letters and digits ("json", "csv"), so that a
     * temporary "x.json.tmp" is no file of the lake. */
    const char *ext = end + 1;
    if (!*ext)
        return 0;
    for (const char *c = ext; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            return 0;
    *partition = (int32_t)part;
    *start_offset = offset;
    return 1;
}
