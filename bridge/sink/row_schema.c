/* The typed columns of a record's flat row (from its "bridgelab.columns"
 * header, or inferred from its values) and its values read as those types,
 * for the typed lake formats. See row_schema.h. */
#include "row_schema.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil_time.h"
#include "json_writer.h"
#include "storage_codec.h"

/* MySQL's widest DECIMAL. */
#define DECIMAL_PRECISION_MAX 65
/* How much of a value an error message shows. */
#define VALUE_SHOWN 60

static const struct {
    const char *name;
    enum row_type type;
} type_names[] = {
    {"boolean", ROW_BOOLEAN}, {"int32", ROW_INT32},   {"int64", ROW_INT64},         {"uint64", ROW_UINT64},
    {"float", ROW_FLOAT},     {"double", ROW_DOUBLE}, {"string", ROW_STRING},       {"bytes", ROW_BYTES},
    {"date", ROW_DATE},       {"time", ROW_TIME},     {"timestamp", ROW_TIMESTAMP},
};

/* The flat row's envelope fields (sink_record.h), in their order. */
static const struct {
    const char *name;
    enum row_type type;
    int nullable;
} envelope_fields[] = {
    {"__op", ROW_STRING, 0}, {"__file", ROW_STRING, 1}, {"__pos", ROW_INT64, 1},
    {"__row", ROW_INT64, 1}, {"__gtid", ROW_STRING, 1}, {"__source_ts_ms", ROW_INT64, 1},
};
#define ENVELOPE_FIELDS (sizeof envelope_fields / sizeof envelope_fields[0])

static void set_error(char *err, size_t errlen, const char *format, ...) __attribute__((format(printf, 3, 4)));
static void set_error(char *err, size_t errlen, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(err, errlen, format, args);
    va_end(args);
}

/* ---- Types and their names ---- */

/* "decimal(P,S)" with 1 <= P <= 65 and 0 <= S <= P; 0, or -1. */
static int parse_decimal(const char *text, size_t len, int *precision, int *scale) {
    static const char prefix[] = "decimal(";
    size_t n = sizeof prefix - 1;
    if (len <= n || memcmp(text, prefix, n) != 0 || text[len - 1] != ')')
        return -1;
    int values[2] = {0, 0}, which = 0, digits = 0;
    for (size_t i = n; i < len - 1; i++) {
        char c = text[i];
        if (c == ',' && which == 0 && digits > 0) {
            which = 1;
            digits = 0;
        } else if (c >= '0' && c <= '9' && digits < 3) {
            values[which] = values[which] * 10 + (c - '0');
            digits++;
        } else {
            return -1;
        }
    }
    if (which != 1 || digits == 0 || values[0] < 1 || values[0] > DECIMAL_PRECISION_MAX || values[1] > values[0])
        return -1;
    *precision = values[0];
    *scale = values[1];
    return 0;
}

/* A header's type text ("decimal(10,2)?") into c; 0, or -1. */
static int parse_type(const char *text, size_t len, struct row_column *c) {
    c->nullable = len > 0 && text[len - 1] == '?';
    len -= (size_t)c->nullable;
    c->precision = c->scale = 0;
    if (parse_decimal(text, len, &c->precision, &c->scale) == 0) {
        c->type = ROW_DECIMAL;
        return 0;
    }
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
        if (strlen(type_names[i].name) == len && memcmp(type_names[i].name, text, len) == 0) {
            c->type = type_names[i].type;
            if (c->type == ROW_UINT64)
                c->precision = 20;
            return 0;
        }
    }
    return -1;
}

/* The column's type as the header writes it, into out (at least 24 bytes). */
static void type_text(const struct row_column *c, char *out, size_t cap) {
    const char *q = c->nullable ? "?" : "";
    if (c->type == ROW_DECIMAL) {
        snprintf(out, cap, "decimal(%d,%d)%s", c->precision, c->scale, q);
        return;
    }
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (type_names[i].type == c->type)
            snprintf(out, cap, "%s%s", type_names[i].name, q);
}

/* ---- Schemas ---- */

/* A schema as row_schema_of makes it, with what row_schema_fits compares. */
struct made_schema {
    struct row_schema schema;
    char *header; /* the header's bytes it was parsed from; NULL when inferred */
    size_t header_len;
    int envelope; /* the row was an envelope's: its fields were appended */
};

void row_schema_free(struct row_schema *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++)
        free(s->columns[i].name);
    free(s->columns);
    free(s->fingerprint);
    free(((struct made_schema *)s)->header);
    free(s);
}

static int has_column(const struct row_schema *s, const char *name) {
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->columns[i].name, name) == 0)
            return 1;
    return 0;
}

/* Appends a column (its name copied); 0, or -1 when memory is short. */
static int add_column(struct row_schema *s, size_t *cap, const char *name, enum row_type type, int nullable) {
    if (s->count == *cap) {
        size_t grown = *cap ? 2 * *cap : 8;
        struct row_column *columns = realloc(s->columns, grown * sizeof *columns);
        if (!columns)
            return -1;
        s->columns = columns;
        *cap = grown;
    }
    struct row_column *c = &s->columns[s->count];
    *c = (struct row_column){.type = type, .nullable = nullable, .precision = type == ROW_UINT64 ? 20 : 0};
    if (!(c->name = strdup(name)))
        return -1;
    s->count++;
    return 0;
}

/* Whether the flat row is an envelope's: it holds all six fields, "__op" a string. */
static int is_flat_envelope(const json_t *row) {
    if (!json_is_string(json_object_get(row, "__op")))
        return 0;
    for (size_t i = 1; i < ENVELOPE_FIELDS; i++)
        if (!json_object_get(row, envelope_fields[i].name))
            return 0;
    return 1;
}

static int is_envelope_field(const char *name) {
    for (size_t i = 0; i < ENVELOPE_FIELDS; i++)
        if (strcmp(envelope_fields[i].name, name) == 0)
            return 1;
    return 0;
}

static enum row_type inferred_type(const json_t *v) {
    if (json_is_integer(v))
        return ROW_INT64;
    if (json_is_real(v))
        return ROW_DOUBLE;
    if (json_is_boolean(v))
        return ROW_BOOLEAN;
    return ROW_STRING;
}

/* The header's columns into m (and its bytes, for row_schema_fits); 0, -1
 * with what is wrong in what, or -2 when memory is short. */
static int parse_header(struct made_schema *m, size_t *cap, const struct sink_record *r, char *what, size_t whatlen) {
    struct row_schema *s = &m->schema;
    json_error_t error;
    json_t *root = json_loadb(r->columns, r->columns_len, 0, &error);
    int result = 0;
    if (!json_is_array(root)) {
        set_error(what, whatlen, "not a JSON array (%s)", root ? "another JSON value" : error.text);
        result = -1;
    }
    for (size_t i = 0; result == 0 && i < json_array_size(root); i++) {
        json_t *pair = json_array_get(root, i);
        json_t *name = json_array_get(pair, 0), *type = json_array_get(pair, 1);
        struct row_column c;
        if (json_array_size(pair) != 2 || !json_is_string(name) || !json_is_string(type)) {
            set_error(what, whatlen, "column %zu is not a [name, type] pair of strings", i + 1);
            result = -1;
        } else if (has_column(s, json_string_value(name))) {
            set_error(what, whatlen, "column %zu: the name \"%.*s\" appears twice", i + 1, VALUE_SHOWN,
                      json_string_value(name));
            result = -1;
        } else if (parse_type(json_string_value(type), json_string_length(type), &c)) {
            set_error(what, whatlen,
                      "column \"%.*s\": unknown type \"%.*s\" (boolean, int32, int64, uint64, float, double, "
                      "decimal(P,S) with 1 <= P <= %d and S <= P, string, bytes, date, time or timestamp, \"?\" after "
                      "it when nullable)",
                      VALUE_SHOWN, json_string_value(name), VALUE_SHOWN, json_string_value(type),
                      DECIMAL_PRECISION_MAX);
            result = -1;
        } else if (add_column(s, cap, json_string_value(name), c.type, c.nullable)) {
            result = -2;
        } else {
            s->columns[s->count - 1].precision = c.precision;
            s->columns[s->count - 1].scale = c.scale;
        }
    }
    json_decref(root);
    if (result == 0 && !(m->header = malloc(r->columns_len ? r->columns_len : 1)))
        return -2;
    if (result == 0) {
        memcpy(m->header, r->columns, r->columns_len);
        m->header_len = r->columns_len;
    }
    return result;
}

/* The row's members as columns of their values' types (the envelope's
 * fields left for its own columns); 0, or -1 when memory is short. */
static int infer_columns(struct row_schema *s, size_t *cap, json_t *row, int envelope) {
    for (void *it = json_object_iter(row); it; it = json_object_iter_next(row, it)) {
        const char *key = json_object_iter_key(it);
        if (envelope && is_envelope_field(key))
            continue;
        if (add_column(s, cap, key, inferred_type(json_object_iter_value(it)), 1))
            return -1;
    }
    return 0;
}

static int add_envelope_columns(struct row_schema *s, size_t *cap) {
    for (size_t i = 0; i < ENVELOPE_FIELDS; i++)
        if (!has_column(s, envelope_fields[i].name) &&
            add_column(s, cap, envelope_fields[i].name, envelope_fields[i].type, envelope_fields[i].nullable))
            return -1;
    return 0;
}

/* [["name","type"],...]: equal texts for equal column lists. */
static char *fingerprint_of(const struct row_schema *s) {
    struct json_writer *w = json_writer_new(0);
    if (!w)
        return NULL;
    json_writer_begin_array(w);
    for (size_t i = 0; i < s->count; i++) {
        char type[32];
        type_text(&s->columns[i], type, sizeof type);
        json_writer_begin_array(w);
        json_writer_string(w, s->columns[i].name);
        json_writer_string(w, type);
        json_writer_end_array(w);
    }
    json_writer_end_array(w);
    char *text = json_writer_complete(w) ? strdup(json_writer_data(w)) : NULL;
    json_writer_free(w);
    return text;
}

struct row_schema *row_schema_of(struct sink_record *r, char *err, size_t errlen) {
    err[0] = '\0';
    json_t *row = sink_record_row(r);
    if (!row)
        return NULL;
    struct made_schema *m = calloc(1, sizeof *m);
    struct row_schema *s = m ? &m->schema : NULL;
    if (!m)
        goto nomem;
    size_t cap = 0;
    m->envelope = is_flat_envelope(row);
    if (r->columns) {
        char what[400];
        int parsed = parse_header(m, &cap, r, what, sizeof what);
        if (parsed == -1) {
            set_error(err, errlen, "topic %s partition %" PRId32 " offset %" PRId64 ": the %s header: %s", r->topic,
                      r->partition, r->offset, COLUMNS_HEADER, what);
            row_schema_free(s);
            errno = EINVAL;
            return NULL;
        }
        if (parsed < 0)
            goto nomem;
    } else if (infer_columns(s, &cap, row, m->envelope)) {
        goto nomem;
    }
    if ((m->envelope && add_envelope_columns(s, &cap)) || !(s->fingerprint = fingerprint_of(s)))
        goto nomem;
    return s;
nomem:
    row_schema_free(s);
    set_error(err, errlen, "topic %s partition %" PRId32 " offset %" PRId64 ": out of memory reading its columns",
              r->topic, r->partition, r->offset);
    errno = ENOMEM;
    return NULL;
}

static int inferred_fits(const struct made_schema *m, json_t *row) {
    const struct row_schema *s = &m->schema;
    size_t i = 0;
    for (void *it = json_object_iter(row); it; it = json_object_iter_next(row, it)) {
        const char *key = json_object_iter_key(it);
        if (m->envelope && is_envelope_field(key))
            continue;
        if (i == s->count || strcmp(s->columns[i].name, key) != 0 ||
            s->columns[i].type != inferred_type(json_object_iter_value(it)))
            return 0;
        i++;
    }
    return i + (m->envelope ? ENVELOPE_FIELDS : 0) == s->count;
}

int row_schema_fits(const struct row_schema *s, struct sink_record *r) {
    const struct made_schema *m = (const struct made_schema *)s;
    json_t *row = sink_record_row(r);
    if (!row || is_flat_envelope(row) != m->envelope || !m->header != !r->columns)
        return 0;
    if (m->header)
        return m->header_len == r->columns_len && memcmp(m->header, r->columns, r->columns_len) == 0;
    return inferred_fits(m, row);
}

/* ---- Values ---- */

void row_scratch_free(struct row_scratch *s) {
    free(s->data);
    json_writer_free(s->json);
    *s = (struct row_scratch){0};
}

static unsigned char *reserve(struct row_scratch *s, size_t n) {
    if (n > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < n)
            cap *= 2;
        unsigned char *data = realloc(s->data, cap);
        if (!data)
            return NULL;
        s->data = data;
        s->cap = cap;
    }
    return s->data;
}

/* The value as JSON text (reals in their shortest form), cut to
 * VALUE_SHOWN bytes, for error messages. */
static void value_shown(const json_t *v, struct row_scratch *scratch, char *out, size_t cap) {
    const char *text = "?";
    size_t len = 1;
    if (scratch->json || (scratch->json = json_writer_new(0))) {
        json_writer_reset(scratch->json);
        if (json_is_string(v))
            json_writer_string_n(scratch->json, json_string_value(v), json_string_length(v));
        if (json_is_string(v) || sink_value_text(v, scratch->json, &text, &len) == 1) {
            text = json_writer_data(scratch->json);
            len = json_writer_len(scratch->json);
        }
    }
    snprintf(out, cap, "%.*s%s", VALUE_SHOWN, text, len > VALUE_SHOWN ? "..." : "");
}

/* n digits at p as an int; -1 when any is not a digit. */
static int digits_value(const char *p, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DD" at text (10 bytes) as days since 1970-01-01; 0, or -1. */
static int parse_date(const char *text, int64_t *days) {
    int year = digits_value(text, 4), month = digits_value(text + 5, 2), day = digits_value(text + 8, 2);
    if (year < 1 || text[4] != '-' || text[7] != '-' || month < 1 || month > 12 || day < 1 ||
        day > civil_days_in_month(year, month))
        return -1;
    *days = civil_days(year, month, day);
    return 0;
}

/* ".f" to ".ffffff" at text (or nothing, len 0) as microseconds; 0, or -1. */
static int parse_fraction(const char *text, size_t len, int64_t *micros) {
    *micros = 0;
    if (len == 0)
        return 0;
    if (text[0] != '.' || len < 2 || len > 7)
        return -1;
    int64_t scale = 100000;
    for (size_t i = 1; i < len; i++, scale /= 10) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        *micros += (text[i] - '0') * scale;
    }
    return 0;
}

/* "HH:MM:SS" at text (hour_digits digits of hours, up to hours_max) as
 * seconds; 0, or -1. The caller has checked the length. */
static int parse_clock(const char *text, int hour_digits, int hours_max, int64_t *seconds) {
    int h = digits_value(text, hour_digits);
    const char *m = text + hour_digits;
    int minute = digits_value(m + 1, 2), second = digits_value(m + 4, 2);
    if (h < 0 || h > hours_max || m[0] != ':' || m[3] != ':' || minute < 0 || minute > 59 || second < 0 || second > 59)
        return -1;
    *seconds = (int64_t)h * 3600 + minute * 60 + second;
    return 0;
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" as microseconds since the epoch; 0, or -1. */
static int parse_timestamp(const char *text, size_t len, int64_t *micros) {
    int64_t days, seconds, fraction;
    if (len < 20 || text[10] != 'T' || text[len - 1] != 'Z' || parse_date(text, &days) ||
        parse_clock(text + 11, 2, 23, &seconds) || parse_fraction(text + 19, len - 20, &fraction))
        return -1;
    *micros = (days * 86400 + seconds) * 1000000 + fraction;
    return 0;
}

/* "[-]HH:MM:SS[.ffffff]", hours up to 838 (two or three digits); 0, or -1. */
static int check_time(const char *text, size_t len) {
    size_t sign = len > 0 && text[0] == '-';
    const char *colon = memchr(text + sign, ':', len - sign);
    int hour_digits = colon ? (int)(colon - text - (ptrdiff_t)sign) : 0;
    int64_t seconds, fraction;
    if ((hour_digits != 2 && hour_digits != 3) || len < sign + (size_t)hour_digits + 6 ||
        parse_clock(text + sign, hour_digits, 838, &seconds))
        return -1;
    size_t clock_end = sign + (size_t)hour_digits + 6;
    return parse_fraction(text + clock_end, len - clock_end, &fraction);
}

/* The magnitude's decimal digits (ASCII, leading zeros allowed) as the
 * fewest big-endian two's complement bytes of +/- it, into scratch. */
static int unscaled_bytes(const char *digits, size_t n, int negative, struct row_scratch *scratch,
                          struct row_value *out) {
    /* 10^n < 256^(n/2 + 1); one more byte for the sign. */
    size_t width = n / 2 + 2;
    unsigned char *b = reserve(scratch, width);
    if (!b)
        return -1;
    memset(b, 0, width);
    for (size_t d = 0; d < n; d++) {
        unsigned carry = (unsigned)(digits[d] - '0');
        for (size_t i = width; i-- > 0;) {
            unsigned v = b[i] * 10u + carry;
            b[i] = (unsigned char)v;
            carry = v >> 8;
        }
    }
    if (negative) {
        unsigned carry = 1;
        for (size_t i = width; i-- > 0;) {
            unsigned v = (unsigned char)~b[i] + carry;
            b[i] = (unsigned char)v;
            carry = v >> 8;
        }
    }
    size_t skip = 0;
    while (skip + 1 < width &&
           ((b[skip] == 0x00 && !(b[skip + 1] & 0x80)) || (b[skip] == 0xff && (b[skip + 1] & 0x80))))
        skip++;
    out->data = b + skip;
    out->len = width - skip;
    return 0;
}

static size_t digit_run(const char *text, size_t from, size_t len) {
    while (from < len && text[from] >= '0' && text[from] <= '9')
        from++;
    return from;
}

/* Decimal text "[+-]digits[.digits]" at the column's scale into the
 * unscaled bytes; 0, -1 with *why, or -2 when memory is short. */
static int decimal_value(const struct row_column *c, const char *text, size_t len, struct row_scratch *scratch,
                         struct row_value *out, const char **why) {
    int negative = len > 0 && text[0] == '-';
    size_t int_start = len > 0 && (text[0] == '-' || text[0] == '+');
    size_t int_end = digit_run(text, int_start, len), frac_start = int_end, frac_end = int_end;
    if (int_end < len && text[int_end] == '.') {
        frac_start = int_end + 1;
        frac_end = digit_run(text, frac_start, len);
    }
    if (frac_end != len || int_end == int_start || (frac_start > int_end && frac_end == frac_start)) {
        *why = "is not a decimal number";
        return -1;
    }
    while (int_start + 1 < int_end && text[int_start] == '0')
        int_start++;
    int zero_integer = int_end - int_start == 1 && text[int_start] == '0';
    size_t int_digits = zero_integer ? 0 : int_end - int_start, frac_digits = frac_end - frac_start;
    if (frac_digits > (size_t)c->scale) {
        *why = "has more fraction digits than the column's scale";
        return -1;
    }
    if (int_digits + (size_t)c->scale > (size_t)c->precision) {
        *why = "has more digits than the column's precision";
        return -1;
    }
    /* The digits at the scale: integer part, fraction, zeros to fill. */
    char digits[DECIMAL_PRECISION_MAX + 1] = "0";
    memcpy(digits, text + int_start, int_digits);
    memcpy(digits + int_digits, text + frac_start, frac_digits);
    memset(digits + int_digits + frac_digits, '0', (size_t)c->scale - frac_digits);
    size_t n = int_digits + (size_t)c->scale;
    return unscaled_bytes(digits, n ? n : 1, negative, scratch, out) ? -2 : 0;
}

/* A uint64: a non-negative integer, or a string of digits up to 2^64-1. */
static int uint64_value(const json_t *v, struct row_scratch *scratch, struct row_value *out, const char **why) {
    char digits[24];
    const char *text = digits;
    size_t len;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        len = (size_t)snprintf(digits, sizeof digits, "%" PRId64, (int64_t)json_integer_value(v));
    } else if (json_is_string(v)) {
        text = json_string_value(v);
        len = json_string_length(v);
        errno = 0;
        int all_digits = len > 0 && digit_run(text, 0, len) == len;
        if (!all_digits || (strtoull(text, NULL, 10) == ULLONG_MAX && errno == ERANGE)) {
            *why = "is not an unsigned 64-bit integer";
            return -1;
        }
    } else {
        *why = "is not an unsigned 64-bit integer";
        return -1;
    }
    return unscaled_bytes(text, len, 0, scratch, out) ? -2 : 0;
}

static int string_value(const json_t *v, struct row_scratch *scratch, struct row_value *out) {
    if (!scratch->json && !(scratch->json = json_writer_new(0)))
        return -2;
    const char *text;
    if (sink_value_text(v, scratch->json, &text, &out->len) < 0)
        return -2;
    out->data = text;
    return 0;
}

static int bytes_value(const json_t *v, struct row_scratch *scratch, struct row_value *out, const char **why) {
    size_t len = json_string_length(v);
    *why = "is not base64 text";
    if (!json_is_string(v) || strlen(json_string_value(v)) != len)
        return -1;
    unsigned char *b = reserve(scratch, len / 4 * 3 + 1);
    if (!b)
        return -2;
    int n = codec_base64_decode(json_string_value(v), b, len / 4 * 3 + 1);
    if (n < 0)
        return -1;
    out->data = b;
    out->len = (size_t)n;
    return 0;
}

/* v (not null) as c's type into out: 0, -1 with *why, -2 when memory is short. */
static int typed_value(const struct row_column *c, const json_t *v, struct row_scratch *scratch, struct row_value *out,
                       const char **why) {
    const char *text = json_string_value(v);
    size_t len = json_string_length(v);
    switch (c->type) {
    case ROW_BOOLEAN:
        *why = "is not true or false";
        out->b = json_is_true(v);
        return json_is_boolean(v) ? 0 : -1;
    case ROW_INT32:
    case ROW_INT64:
        out->i = json_integer_value(v);
        *why = c->type == ROW_INT32 ? "is not a 32-bit integer" : "is not a 64-bit integer";
        return json_is_integer(v) && (c->type == ROW_INT64 || (out->i >= INT32_MIN && out->i <= INT32_MAX)) ? 0 : -1;
    case ROW_UINT64:
        return uint64_value(v, scratch, out, why);
    case ROW_FLOAT:
    case ROW_DOUBLE:
        out->d = json_number_value(v);
        *why = c->type == ROW_FLOAT ? "is not a number in float's range" : "is not a number in double's range";
        return json_is_number(v) && (c->type == ROW_DOUBLE || (out->d >= -FLT_MAX && out->d <= FLT_MAX)) ? 0 : -1;
    case ROW_DECIMAL:
        if (json_is_integer(v) || json_is_string(v)) {
            char digits[24];
            if (json_is_integer(v)) {
                len = (size_t)snprintf(digits, sizeof digits, "%" PRId64, (int64_t)json_integer_value(v));
                text = digits;
            }
            return decimal_value(c, text, len, scratch, out, why);
        }
        *why = "is not a decimal number (a string or an integer)";
        return -1;
    case ROW_STRING:
        return string_value(v, scratch, out);
    case ROW_BYTES:
        return bytes_value(v, scratch, out, why);
    case ROW_DATE:
        *why = "is not a date YYYY-MM-DD (0001 to 9999)";
        return json_is_string(v) && len == 10 && parse_date(text, &out->i) == 0 ? 0 : -1;
    case ROW_TIME:
        *why = "is not a time [-]HH:MM:SS[.ffffff] (up to 838 hours)";
        out->data = text;
        out->len = len;
        return json_is_string(v) && check_time(text, len) == 0 ? 0 : -1;
    case ROW_TIMESTAMP:
        *why = "is not a timestamp YYYY-MM-DDTHH:MM:SS[.ffffff]Z (0001 to 9999)";
        return json_is_string(v) && parse_timestamp(text, len, &out->i) == 0 ? 0 : -1;
    }
    *why = "has a column type unknown here";
    return -1;
}

int row_value_get(const struct row_column *c, const json_t *row, struct row_scratch *scratch, struct row_value *out,
                  char *err, size_t errlen) {
    *out = (struct row_value){0};
    const json_t *v = json_object_get(row, c->name);
    if (!v || json_is_null(v)) {
        out->is_null = 1;
        if (c->nullable)
            return 0;
        char type[32];
        type_text(c, type, sizeof type);
        set_error(err, errlen, "column \"%s\" (%s, not nullable) is %s", c->name, type,
                  v ? "null" : "missing from the row");
        return -1;
    }
    const char *why = NULL;
    int result = typed_value(c, v, scratch, out, &why);
    if (result == -2) {
        set_error(err, errlen, "column \"%s\": out of memory", c->name);
        return -1;
    }
    if (result < 0) {
        char shown[VALUE_SHOWN + 8], type[32];
        value_shown(v, scratch, shown, sizeof shown);
        type_text(c, type, sizeof type);
        set_error(err, errlen, "column \"%s\" (%s): the value %s %s", c->name, type, shown, why);
        return -1;
    }
    return 0;
}

int row_schema_differs(const struct row_schema *file, struct row_schema **misfit, struct sink_record *r, char *err,
                       size_t errlen) {
    if (row_schema_fits(file, r))
        return 0;
    if (*misfit && row_schema_fits(*misfit, r))
        return 1;
    struct row_schema *s = row_schema_of(r, err, errlen);
    if (!s)
        return errno == ENOMEM ? -2 : -1;
    int differs = strcmp(s->fingerprint, file->fingerprint) != 0;
    if (differs) {
        row_schema_free(*misfit);
        *misfit = s;
    } else {
        row_schema_free(s);
    }
    return differs;
}
