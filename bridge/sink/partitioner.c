/* The partitioners: which folder of the lake a record goes to, by Kafka
 * partition, by fields of its row, or by its time. See partitioner.h; the
 * names' escaping and the file names are in sink_path.c, the time pieces in
 * path_format.c, zone.c and civil_time.c. */
#include "partitioner.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil_time.h"
#include "json_writer.h"
#include "path_format.h"
#include "zone.h"

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since 1970. */
#define YEAR_0_SECONDS (-62167219200LL)
#define YEAR_9999_END_SECONDS 253402300799LL

struct partitioner {
    enum partitioner_kind kind;
    char **fields; /* field: the names */
    size_t field_count;
    char *format; /* time: path.format compiled */
    struct zone *zone;
    char *timestamp_field; /* time: NULL for the record's timestamp */
};

int partitioner_kind_parse(const char *text, enum partitioner_kind *kind) {
    static const struct {
        const char *name, *class_name;
        enum partitioner_kind kind;
    } kinds[] = {
        {"default", "DefaultPartitioner", PARTITIONER_DEFAULT},
        {"field", "FieldPartitioner", PARTITIONER_FIELD},
        {"time", "TimeBasedPartitioner", PARTITIONER_TIME},
    };
    if (!text)
        return -1;
    const char *dot = strrchr(text, '.');
    const char *last = dot ? dot + 1 : text;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if ((!dot && strcmp(text, kinds[i].name) == 0) || strcmp(last, kinds[i].class_name) == 0) {
            *kind = kinds[i].kind;
            return 0;
        }
    }
    return -1;
}

/* Adds one name of partition.field.name (the len bytes at name, trimmed);
 * 0, or -1 with err. */
static int add_field(struct partitioner *p, const char *name, size_t len, char *err, size_t errlen) {
    while (len > 0 && (*name == ' ' || *name == '\t')) {
        name++;
        len--;
    }
    while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        len--;
    char escaped[SINK_PATH_SEGMENT_MAX + 1];
    int n = len ? sink_path_escape(name, len, escaped, sizeof escaped) : -1;
    if (n < 0 || (size_t)n != len || memcmp(escaped, name, len) != 0) {
        snprintf(err, errlen,
                 "sink.partition.field.name: \"%.*s\" is no usable field name (want names without space, /, = or "
                 "other characters a folder name escapes, comma-separated)",
                 (int)len, name);
        return -1;
    }
    char **fields = realloc(p->fields, (p->field_count + 1) * sizeof *fields);
    if (!fields || !(fields[p->field_count] = strndup(name, len))) {
        if (fields)
            p->fields = fields;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->fields = fields;
    p->field_count++;
    return 0;
}

static int setup_fields(struct partitioner *p, const char *names, char *err, size_t errlen) {
    if (!names || !*names) {
        snprintf(err, errlen,
                 "sink.partition.field.name is required by the field partitioner (a column, or "
                 "columns comma-separated: customer_id or a,b)");
        return -1;
    }
    for (const char *s = names;;) {
        size_t n = strcspn(s, ",");
        if (add_field(p, s, n, err, errlen))
            return -1;
        if (s[n] == '\0')
            return 0;
        s += n + 1;
    }
}

static int setup_time(struct partitioner *p, const struct partitioner_options *opt, char *err, size_t errlen) {
    if (!(p->format = path_format_compile(opt->path_format, err, errlen)))
        return -1;
    char zone_err[256];
    if (!(p->zone = zone_load(opt->timezone, zone_err, sizeof zone_err))) {
        snprintf(err, errlen, "sink.timezone: %s", zone_err);
        return -1;
    }
    if (opt->timestamp_field && *opt->timestamp_field && !(p->timestamp_field = strdup(opt->timestamp_field))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

struct partitioner *partitioner_new(const struct partitioner_options *opt, char *err, size_t errlen) {
    struct partitioner *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->kind = opt->kind;
    int failed = 0;
    if (p->kind == PARTITIONER_FIELD) {
        failed = setup_fields(p, opt->field_names, err, errlen);
    } else if (p->kind == PARTITIONER_TIME) {
        failed = setup_time(p, opt, err, errlen);
    } else if (p->kind != PARTITIONER_DEFAULT) {
        snprintf(err, errlen, "sink.partitioner: unknown kind %d (default, field or time)", (int)p->kind);
        failed = -1;
    }
    if (failed) {
        partitioner_free(p);
        return NULL;
    }
    return p;
}

void partitioner_free(struct partitioner *p) {
    if (!p)
        return;
    for (size_t i = 0; i < p->field_count; i++)
        free(p->fields[i]);
    free(p->fields);
    free(p->format);
    zone_free(p->zone);
    free(p->timestamp_field);
    free(p);
}

/* "<topic>+<partition>+<offset>", how errors name a record. */
#define RECORD_FMT "%s+%" PRId32 "+%" PRId64
#define RECORD_ARGS(r) (r)->topic ? (r)->topic : "", (r)->partition, (r)->offset

/* The error for folders longer than the caller's buffer; -1. */
static int too_long(const struct sink_record *r, size_t outlen, char *err, size_t errlen) {
    snprintf(err, errlen, "the folders of " RECORD_FMT " do not fit in %zu bytes", RECORD_ARGS(r), outlen);
    return -1;
}

/* Up to 40 bytes of text for a message, control characters as '?'. */
static void excerpt(const char *text, size_t len, char *out, size_t outlen) {
    size_t n = len < 40 ? len : 40;
    if (n >= outlen)
        n = outlen - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)text[i] < 0x20 || text[i] == 0x7f ? '?' : text[i];
    snprintf(out + n, outlen - n, "%s", n < len ? "..." : "");
}

/* The folder of field i, "<name>=<escaped value>"; its length, or -1 with
 * err. scratch is made when a value needs it. */
static int field_folder(const struct partitioner *p, size_t i, const struct sink_record *r, const json_t *value,
                        struct json_writer **scratch, char *folder, char *err, size_t errlen) {
    const char *text = NULL;
    size_t len = 0;
    int needs_writer = value && !json_is_string(value) && !json_is_null(value);
    if ((needs_writer && !*scratch && !(*scratch = json_writer_new(0))) ||
        sink_value_text(value, *scratch, &text, &len) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int name_len = snprintf(folder, SINK_PATH_SEGMENT_MAX + 1, "%s=", p->fields[i]);
    int value_len = sink_path_escape(text, len, folder + name_len, SINK_PATH_SEGMENT_MAX + 1 - (size_t)name_len);
    if (value_len < 0) {
        snprintf(err, errlen,
                 "sink.partition.field.name \"%s\": the value of " RECORD_FMT
                 " is too long for a folder name (more than %d bytes escaped)",
                 p->fields[i], RECORD_ARGS(r), SINK_PATH_SEGMENT_MAX);
        return -1;
    }
    return name_len + value_len;
}

/* `<name>=<value>` for each field, '/' between them. */
static int encode_fields(const struct partitioner *p, struct sink_record *r, char *out, size_t outlen, char *err,
                         size_t errlen) {
    json_t *row = sink_record_row(r);
    struct json_writer *scratch = NULL;
    size_t n = 0;
    int result = 0;
    for (size_t i = 0; i < p->field_count; i++) {
        char folder[SINK_PATH_SEGMENT_MAX + 1];
        json_t *value = row ? json_object_get(row, p->fields[i]) : NULL;
        int len = field_folder(p, i, r, value, &scratch, folder, err, errlen);
        if (len >= 0 && n + (i > 0) + (size_t)len >= outlen)
            len = too_long(r, outlen, err, errlen);
        if (len < 0) {
            result = -1;
            break;
        }
        if (i > 0)
            out[n++] = '/';
        memcpy(out + n, folder, (size_t)len + 1);
        n += (size_t)len;
    }
    json_writer_free(scratch);
    return result;
}

/* An instant (seconds since 1970 UTC) as the zone's wall-clock time; 0, or
 * -1 when the year is not 0..9999. */
static int instant_time(const struct partitioner *p, int64_t seconds, struct civil_time *t) {
    if (seconds < YEAR_0_SECONDS - 86400 || seconds > YEAR_9999_END_SECONDS + 86400)
        return -1;
    civil_from_seconds(seconds + zone_offset(p->zone, seconds), t);
    return t->year >= 0 && t->year <= 9999 ? 0 : -1;
}

static int64_t floor_seconds(int64_t ms) { return ms / 1000 - (ms % 1000 < 0); }

/* The time of a field's value; 0, or -1 when it is no time. */
static int field_time(const struct partitioner *p, const json_t *value, struct civil_time *t) {
    if (json_is_integer(value))
        return instant_time(p, floor_seconds(json_integer_value(value)), t);
    if (!json_is_string(value))
        return -1;
    enum civil_zone zone;
    int32_t offset;
    if (civil_parse_iso8601(json_string_value(value), json_string_length(value), t, &zone, &offset))
        return -1;
    return zone == CIVIL_LOCAL ? 0 : instant_time(p, civil_to_seconds(t) - offset, t);
}

/* The error for a timestamp field that holds no time. */
static void field_time_error(const struct partitioner *p, const struct sink_record *r, const json_t *value, char *err,
                             size_t errlen) {
    struct json_writer *scratch = json_writer_new(0);
    const char *text = "?";
    size_t len = 1;
    if (scratch && sink_value_text(value, scratch, &text, &len) < 0) {
        text = "?";
        len = 1;
    }
    char shown[48];
    excerpt(text, len, shown, sizeof shown);
    snprintf(err, errlen,
             "sink.timestamp.field \"%s\" of " RECORD_FMT " is no time: %s%s%s (want epoch milliseconds, or ISO "
             "8601 text such as 2026-12-01 or 2026-12-01T10:00:00Z, years 0000-9999)",
             p->timestamp_field, RECORD_ARGS(r), json_is_string(value) ? "\"" : "", shown,
             json_is_string(value) ? "\"" : "");
    json_writer_free(scratch);
}

static int encode_time(const struct partitioner *p, struct sink_record *r, char *out, size_t outlen, char *err,
                       size_t errlen) {
    struct civil_time t;
    int have_time = 0;
    if (!p->timestamp_field) {
        if (r->timestamp_ms >= 0) {
            if (instant_time(p, floor_seconds(r->timestamp_ms), &t)) {
                snprintf(err, errlen, "the timestamp %" PRId64 " of " RECORD_FMT " is past the year 9999",
                         r->timestamp_ms, RECORD_ARGS(r));
                return -1;
            }
            have_time = 1;
        }
    } else {
        json_t *row = sink_record_row(r);
        json_t *value = row ? json_object_get(row, p->timestamp_field) : NULL;
        if (value && !json_is_null(value)) {
            if (field_time(p, value, &t)) {
                field_time_error(p, r, value, err, errlen);
                return -1;
            }
            have_time = 1;
        }
    }
    if (path_format_render(p->format, have_time ? &t : NULL, out, outlen) < 0)
        return too_long(r, outlen, err, errlen);
    return 0;
}

int partitioner_encode(const struct partitioner *p, struct sink_record *r, char *out, size_t outlen, char *err,
                       size_t errlen) {
    if (p->kind == PARTITIONER_FIELD)
        return encode_fields(p, r, out, outlen, err, errlen);
    if (p->kind == PARTITIONER_TIME)
        return encode_time(p, r, out, outlen, err, errlen);
    int n = snprintf(out, outlen, "partition=%" PRId32, r->partition);
    return n < 0 || (size_t)n >= outlen ? too_long(r, outlen, err, errlen) : 0;
}
