/* The JSON of CDC events (keys, Debezium envelopes, unwrapped rows): see
 * event_json.h. */
#include "event_json.h"

#include <float.h>
#include <math.h>
#include <mysql.h>
#include <stdio.h>
#include <string.h>

/* Fixed-width decimal fields, for dates and times. */
static char *put_digits(char *p, unsigned v, int width) {
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* ".ffffff" with trailing zeros dropped; nothing for whole seconds. */
static char *put_fraction(char *p, unsigned usec) {
    if (!usec)
        return p;
    int width = 6;
    while (usec % 10 == 0) {
        usec /= 10;
        width--;
    }
    *p++ = '.';
    return put_digits(p, usec, width);
}

static int date_ok(int year, int month, int day) {
    return year >= 0 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

static int clock_ok(int hour_max, int hour, int minute, int second, int usec) {
    return hour >= 0 && hour <= hour_max && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && usec >= 0 &&
           usec <= 999999;
}

/* "YYYY-MM-DD" at p; the end. */
static char *put_date(char *p, int year, int month, int day) {
    p = put_digits(p, (unsigned)year, 4);
    *p++ = '-';
    p = put_digits(p, (unsigned)month, 2);
    *p++ = '-';
    return put_digits(p, (unsigned)day, 2);
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", or null for a zero or invalid value. */
static void write_datetime(struct json_writer *w, int year, int month, int day, int hour, int minute, int second,
                           int usec) {
    if (!date_ok(year, month, day) || !clock_ok(23, hour, minute, second, usec)) {
        json_writer_null(w);
        return;
    }
    char text[32], *p = put_date(text, year, month, day);
    *p++ = 'T';
    p = put_digits(p, (unsigned)hour, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)minute, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)second, 2);
    p = put_fraction(p, (unsigned)usec);
    *p++ = 'Z';
    json_writer_string_n(w, text, (size_t)(p - text));
}

static void write_date(struct json_writer *w, int year, int month, int day) {
    if (!date_ok(year, month, day)) {
        json_writer_null(w);
        return;
    }
    char text[16], *p = put_date(text, year, month, day);
    json_writer_string_n(w, text, (size_t)(p - text));
}

/* "[-]HH:MM:SS[.ffffff]"; MySQL's TIME spans -838:59:59 to 838:59:59. */
static void write_time(struct json_writer *w, int negative, int hour, int minute, int second, int usec) {
    if (!clock_ok(838, hour, minute, second, usec)) {
        json_writer_null(w);
        return;
    }
    char text[24], *p = text;
    if (negative && (hour || minute || second || usec))
        *p++ = '-';
    p = put_digits(p, (unsigned)hour, hour >= 100 ? 3 : 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)minute, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)second, 2);
    p = put_fraction(p, (unsigned)usec);
    json_writer_string_n(w, text, (size_t)(p - text));
}

/* Seconds since 1970 UTC as a datetime (days to civil date: H. Hinnant's
 * algorithm); epoch 0 is MySQL's zero TIMESTAMP, hence null. */
static void write_timestamp(struct json_writer *w, int64_t seconds, int usec) {
    /* 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z */
    if ((seconds == 0 && usec == 0) || seconds < -62167219200LL || seconds > 253402300799LL || usec < 0 ||
        usec > 999999) {
        json_writer_null(w);
        return;
    }
    int64_t days = seconds / 86400, rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        days--;
    }
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int year = (int)(yoe + era * 400 + (month <= 2));
    write_datetime(w, year, month, day, (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60), usec);
}

void event_json_write_value(struct json_writer *w, const struct column *column, const struct value *value) {
    const struct value *v = value;
    switch (v->kind) {
    case VALUE_INT:
        json_writer_int(w, v->v.i);
        return;
    case VALUE_UINT:
        json_writer_uint(w, v->v.u);
        return;
    case VALUE_DOUBLE:
        /* A FLOAT column's value is a float widened: write the float's form. */
        if (column && column->type == MYSQL_TYPE_FLOAT && isfinite(v->v.d) && fabs(v->v.d) <= FLT_MAX &&
            (double)(float)v->v.d == v->v.d)
            json_writer_float(w, (float)v->v.d);
        else
            json_writer_double(w, v->v.d);
        return;
    case VALUE_DECIMAL:
    case VALUE_STRING:
        json_writer_string_n(w, v->v.text.data ? v->v.text.data : "", v->v.text.data ? v->v.text.len : 0);
        return;
    case VALUE_BYTES:
        json_writer_base64(w, v->v.text.data, v->v.text.data ? v->v.text.len : 0);
        return;
    case VALUE_BOOL:
        json_writer_bool(w, v->v.i != 0);
        return;
    case VALUE_DATE:
        write_date(w, v->v.time.year, v->v.time.month, v->v.time.day);
        return;
    case VALUE_TIME:
        write_time(w, v->v.time.negative, v->v.time.hour, v->v.time.minute, v->v.time.second, v->v.time.usec);
        return;
    case VALUE_DATETIME:
        write_datetime(w, v->v.time.year, v->v.time.month, v->v.time.day, v->v.time.hour, v->v.time.minute,
                       v->v.time.second, v->v.time.usec);
        return;
    case VALUE_TIMESTAMP:
        write_timestamp(w, v->v.epoch.seconds, v->v.epoch.usec);
        return;
    case VALUE_ABSENT:
    case VALUE_NULL:
        break;
    }
    json_writer_null(w);
}

/* A column's name as a key; a column without one (never, from a correct
 * producer) is named by its position, "_1" for the first. */
static void write_column_key(struct json_writer *w, const struct column *column, int position) {
    if (column->name) {
        json_writer_key(w, column->name);
    } else {
        char name[16];
        int n = snprintf(name, sizeof name, "_%d", position + 1);
        json_writer_key_n(w, name, (size_t)n);
    }
}

static const char sourcedc_field[] = "sourcedc";

/* An image's columns as members of the open object, leaving out absent
 * columns (and, for unwrapped values, a column named like the sourcedc
 * field). */
static void write_members(struct json_writer *w, const struct table *table, const struct value *values,
                          int skip_sourcedc) {
    for (int i = 0; i < table->column_count; i++) {
        const struct column *column = &table->columns[i];
        if (values[i].kind == VALUE_ABSENT)
            continue;
        if (skip_sourcedc && column->name && strcmp(column->name, sourcedc_field) == 0)
            continue;
        write_column_key(w, column, i);
        event_json_write_value(w, column, &values[i]);
    }
}

static int finish(struct json_writer *w) { return json_writer_complete(w) ? 1 : -1; }

int event_json_key(struct json_writer *w, const struct row_change *change) {
    const struct table *table = change->table;
    json_writer_reset(w);
    if (table->primary_key_count <= 0)
        return 0;
    json_writer_begin_object(w);
    for (int k = 0; k < table->primary_key_count; k++) {
        int p = table->primary_key[k];
        if (p < 0 || p >= table->column_count)
            continue;
        const struct value *v = NULL;
        if (change->after && change->after[p].kind != VALUE_ABSENT)
            v = &change->after[p];
        else if (change->before && change->before[p].kind != VALUE_ABSENT)
            v = &change->before[p];
        if (!v)
            continue;
        write_column_key(w, &table->columns[p], p);
        event_json_write_value(w, &table->columns[p], v);
    }
    json_writer_end_object(w);
    return finish(w);
}

static const char *const op_codes[] = {
    [ROW_INSERT] = "c",
    [ROW_UPDATE] = "u",
    [ROW_DELETE] = "d",
    [ROW_READ] = "r",
};

static const char *const snapshot_names[] = {
    [EVENT_SNAPSHOT_FALSE] = "false",
    [EVENT_SNAPSHOT_TRUE] = "true",
    [EVENT_SNAPSHOT_LAST] = "last",
};

/* a / b rounded toward minus infinity (b > 0), as Java's Instant gives
 * milliseconds and microseconds of a time before the epoch. */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

/* One of an instant's ts_ms, ts_us and ts_ns: ns counted in units of unit
 * nanoseconds (1000000, 1000 or 1). */
static void write_ts(struct json_writer *w, const char *key, int64_t ns, int64_t unit) {
    json_writer_key(w, key);
    json_writer_int(w, unit == 1 ? ns : floor_div(ns, unit));
}

static void write_image(struct json_writer *w, const char *name, const struct table *table,
                        const struct value *values) {
    json_writer_key(w, name);
    if (values) {
        json_writer_begin_object(w);
        write_members(w, table, values, 0);
        json_writer_end_object(w);
    } else {
        json_writer_null(w);
    }
}

int event_json_value(struct json_writer *w, const struct row_change *change, const struct event_source *source,
                     int64_t now_ns) {
    const struct table *table = change->table;
    enum row_op op = change->op;
    int has_before = op == ROW_UPDATE || op == ROW_DELETE;
    int has_after = op == ROW_INSERT || op == ROW_UPDATE || op == ROW_READ;
    json_writer_reset(w);
    json_writer_begin_object(w);
    write_image(w, "before", table, has_before ? change->before : NULL);
    write_image(w, "after", table, has_after ? change->after : NULL);

    json_writer_key(w, "source");
    json_writer_begin_object(w);
    json_writer_key(w, "version");
    json_writer_string_n(w, EVENT_JSON_VERSION, sizeof EVENT_JSON_VERSION - 1);
    json_writer_key(w, "connector");
    json_writer_string_n(w, "mysql", 5);
    json_writer_key(w, "name");
    json_writer_string(w, source->server_name ? source->server_name : "");
    write_ts(w, "ts_ms", source->ts_ns, 1000000);
    json_writer_key(w, "snapshot");
    unsigned snapshot = (unsigned)source->snapshot;
    json_writer_string(w, snapshot <= EVENT_SNAPSHOT_LAST ? snapshot_names[snapshot] : "false");
    json_writer_key(w, "db");
    json_writer_string(w, table->database ? table->database : "");
    json_writer_key(w, "sequence");
    json_writer_null(w);
    write_ts(w, "ts_us", source->ts_ns, 1000);
    write_ts(w, "ts_ns", source->ts_ns, 1);
    json_writer_key(w, "table");
    json_writer_string(w, table->name ? table->name : "");
    json_writer_key(w, "server_id");
    json_writer_uint(w, source->server_id);
    json_writer_key(w, "gtid");
    json_writer_string(w, source->gtid); /* NULL: null */
    json_writer_key(w, "file");
    json_writer_string(w, source->file ? source->file : "");
    json_writer_key(w, "pos");
    json_writer_uint(w, source->pos);
    json_writer_key(w, "row");
    json_writer_int(w, source->row);
    json_writer_key(w, "thread");
    json_writer_null(w);
    json_writer_key(w, "query");
    json_writer_null(w);
    json_writer_end_object(w);

    json_writer_key(w, "op");
    unsigned op_index = (unsigned)op;
    json_writer_string_n(w, op_index <= ROW_READ ? op_codes[op_index] : "u", 1);
    write_ts(w, "ts_ms", now_ns, 1000000);
    write_ts(w, "ts_us", now_ns, 1000);
    write_ts(w, "ts_ns", now_ns, 1);
    json_writer_key(w, "transaction");
    json_writer_null(w);
    json_writer_end_object(w);
    return finish(w);
}

int event_json_unwrapped(struct json_writer *w, const struct row_change *change, const char *dc) {
    const struct table *table = change->table;
    json_writer_reset(w);
    if (change->op == ROW_DELETE || !change->after)
        return 0;
    json_writer_begin_object(w);
    write_members(w, table, change->after, 1);
    json_writer_key_n(w, sourcedc_field, sizeof sourcedc_field - 1);
    json_writer_string(w, dc ? dc : "");
    json_writer_end_object(w);
    return finish(w);
}

static int value_equal(const struct value *a, const struct value *b) {
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case VALUE_INT:
    case VALUE_BOOL:
        return a->v.i == b->v.i;
    case VALUE_UINT:
        return a->v.u == b->v.u;
    case VALUE_DOUBLE:
        return a->v.d == b->v.d;
    case VALUE_DECIMAL:
    case VALUE_STRING:
    case VALUE_BYTES:
        return a->v.text.len == b->v.text.len &&
               (a->v.text.len == 0 || memcmp(a->v.text.data, b->v.text.data, a->v.text.len) == 0);
    case VALUE_DATE:
        return a->v.time.year == b->v.time.year && a->v.time.month == b->v.time.month && a->v.time.day == b->v.time.day;
    case VALUE_TIME:
        return a->v.time.negative == b->v.time.negative && a->v.time.hour == b->v.time.hour &&
               a->v.time.minute == b->v.time.minute && a->v.time.second == b->v.time.second &&
               a->v.time.usec == b->v.time.usec;
    case VALUE_DATETIME:
        return a->v.time.year == b->v.time.year && a->v.time.month == b->v.time.month &&
               a->v.time.day == b->v.time.day && a->v.time.hour == b->v.time.hour &&
               a->v.time.minute == b->v.time.minute && a->v.time.second == b->v.time.second &&
               a->v.time.usec == b->v.time.usec;
    case VALUE_TIMESTAMP:
        return a->v.epoch.seconds == b->v.epoch.seconds && a->v.epoch.usec == b->v.epoch.usec;
    case VALUE_ABSENT:
    case VALUE_NULL:
        break;
    }
    return 1;
}

/* A column's type in the words of row_schema.h, into out; 1 when the
 * column may hold null whatever its declaration (zero dates). */
static int column_type_name(const struct column *c, char *out, size_t outlen) {
    const char *name = "string";
    switch (c->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
        name = "int32";
        break;
    case MYSQL_TYPE_LONG:
        name = c->is_unsigned ? "int64" : "int32";
        break;
    case MYSQL_TYPE_LONGLONG:
        name = c->is_unsigned ? "uint64" : "int64";
        break;
    case MYSQL_TYPE_FLOAT:
        name = "float";
        break;
    case MYSQL_TYPE_DOUBLE:
        name = "double";
        break;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        snprintf(out, outlen, "decimal(%u,%u)", (unsigned)(c->meta >> 8), (unsigned)(c->meta & 0xFF));
        return 0;
    case MYSQL_TYPE_BIT:
        name = (c->meta >> 8) * 8 + (c->meta & 0xFF) == 1 ? "boolean" : "bytes";
        break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        snprintf(out, outlen, "date");
        return 1;
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_TIME2:
        name = "time";
        break;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_DATETIME2:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_TIMESTAMP2:
        snprintf(out, outlen, "timestamp");
        return 1;
    case MYSQL_TYPE_GEOMETRY:
        name = "bytes";
        break;
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
        name = c->is_binary && !c->enum_values ? "bytes" : "string";
        break;
    default:
        break;
    }
    snprintf(out, outlen, "%s", name);
    return 0;
}

int event_json_columns(struct json_writer *w, const struct table *t, int unwrapped) {
    json_writer_begin_array(w);
    for (int i = 0; i < t->column_count; i++) {
        const struct column *c = &t->columns[i];
        if (unwrapped && c->name && strcmp(c->name, sourcedc_field) == 0)
            continue; /* the dc takes its place */
        char type[64], name[16];
        int nullable = column_type_name(c, type, sizeof type - 1) || c->is_nullable;
        if (nullable)
            strcat(type, "?");
        snprintf(name, sizeof name, "_%d", i + 1); /* as write_column_key names a column without one */
        json_writer_begin_array(w);
        json_writer_string(w, c->name ? c->name : name);
        json_writer_string(w, type);
        json_writer_end_array(w);
    }
    if (unwrapped) {
        json_writer_begin_array(w);
        json_writer_string(w, sourcedc_field);
        json_writer_string(w, "string");
        json_writer_end_array(w);
    }
    json_writer_end_array(w);
    return finish(w);
}

int event_json_key_changed(const struct row_change *change) {
    const struct table *table = change->table;
    if (change->op != ROW_UPDATE || !change->before || !change->after)
        return 0;
    for (int k = 0; k < table->primary_key_count; k++) {
        int p = table->primary_key[k];
        if (p < 0 || p >= table->column_count)
            continue;
        const struct value *a = &change->before[p], *b = &change->after[p];
        if (a->kind == VALUE_ABSENT || b->kind == VALUE_ABSENT)
            continue;
        if (!value_equal(a, b))
            return 1;
    }
    return 0;
}
