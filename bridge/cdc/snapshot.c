/* The consistent initial snapshot of CDC: see snapshot.h. */
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sql_value.h"

struct snapshot {
    MYSQL *m;
    char database[130];
};

struct snapshot *snapshot_begin(MYSQL *m, const char *database, char *gtid, size_t gtidlen, char *err, size_t errlen) {
    char file[256], position[32], query[512];
    if (mysql_query(m, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ") != 0 ||
        mysql_query(m, "SET time_zone='+00:00'") != 0 ||
        mysql_query(m, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY") != 0 ||
        sql_value(m, "SHOW STATUS LIKE 'binlog_snapshot_file'", 1, file, sizeof file) != 0 ||
        sql_value(m, "SHOW STATUS LIKE 'binlog_snapshot_position'", 1, position, sizeof position) != 0) {
        snprintf(err, errlen, "cannot start a consistent snapshot: %s", mysql_error(m));
        return NULL;
    }
    if (strchr(file, '\'') || strchr(position, '\'')) {
        snprintf(err, errlen, "unexpected binlog file name '%s'", file);
        return NULL;
    }
    snprintf(query, sizeof query, "SELECT BINLOG_GTID_POS('%s', %s)", file, position);
    if (sql_value(m, query, 0, gtid, gtidlen) != 0) {
        snprintf(err, errlen, "cannot turn binlog position %s:%s into a GTID position: %s", file, position,
                 mysql_error(m));
        return NULL;
    }
    struct snapshot *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->m = m;
    snprintf(s->database, sizeof s->database, "%s", database);
    return s;
}

static int compare_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int snapshot_list_tables(MYSQL *m, const char *database, char ***tables, int *count, char *err, size_t errlen) {
    char query[512];
    char escaped[260];
    mysql_real_escape_string(m, escaped, database, (unsigned long)strlen(database));
    snprintf(query, sizeof query,
             "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='%s' AND TABLE_TYPE='BASE TABLE'",
             escaped);
    *tables = NULL;
    *count = 0;
    MYSQL_RES *res;
    if (mysql_query(m, query) != 0 || !(res = mysql_store_result(m))) {
        snprintf(err, errlen, "cannot list the tables of '%s': %s", database, mysql_error(m));
        return -1;
    }
    int n = (int)mysql_num_rows(res);
    *tables = calloc(n ? (size_t)n : 1, sizeof **tables);
    MYSQL_ROW row;
    while (*tables && (row = mysql_fetch_row(res)))
        (*tables)[(*count)++] = strdup(row[0]);
    mysql_free_result(res);
    if (!*tables) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    qsort(*tables, (size_t)*count, sizeof **tables, compare_names);
    return 0;
}

static int parse_time_fields(const char *text, struct value *out) {
    int negative = text[0] == '-';
    int h = 0, mi = 0, sec = 0, consumed = 0;
    if (sscanf(text + negative, "%d:%d:%d%n", &h, &mi, &sec, &consumed) != 3)
        return -1;
    out->v.time.negative = negative;
    out->v.time.hour = h;
    out->v.time.minute = mi;
    out->v.time.second = sec;
    const char *frac = text + negative + consumed;
    int usec = 0, digits = 0;
    if (*frac == '.')
        for (frac++; *frac >= '0' && *frac <= '9' && digits < 6; frac++, digits++)
            usec = usec * 10 + (*frac - '0');
    for (; digits < 6; digits++)
        usec *= 10;
    out->v.time.usec = usec;
    return 0;
}

static void parse_datetime(const char *text, struct value *out) {
    int y = 0, mo = 0, d = 0, consumed = 0;
    memset(&out->v.time, 0, sizeof out->v.time);
    if (sscanf(text, "%d-%d-%d%n", &y, &mo, &d, &consumed) < 3)
        return;
    out->v.time.year = y;
    out->v.time.month = mo;
    out->v.time.day = d;
    if (text[consumed] == ' ' || text[consumed] == 'T')
        parse_time_fields(text + consumed + 1, out);
}

void snapshot_value_from_text(const MYSQL_FIELD *field, const char *text, unsigned long len, struct value *out) {
    memset(out, 0, sizeof *out);
    if (!text) {
        out->kind = VALUE_NULL;
        return;
    }
    switch (field->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
        if (field->flags & UNSIGNED_FLAG) {
            out->kind = VALUE_UINT;
            out->v.u = strtoull(text, NULL, 10);
        } else {
            out->kind = VALUE_INT;
            out->v.i = strtoll(text, NULL, 10);
        }
        return;
    case MYSQL_TYPE_YEAR:
        out->kind = VALUE_INT;
        out->v.i = strtoll(text, NULL, 10);
        return;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
        out->kind = VALUE_DECIMAL;
        break;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        out->kind = VALUE_DOUBLE;
        out->v.d = strtod(text, NULL);
        return;
    case MYSQL_TYPE_BIT:
        if (field->length == 1) {
            out->kind = VALUE_BOOL;
            out->v.i = len > 0 && text[len - 1] != 0;
            return;
        }
        out->kind = VALUE_BYTES;
        break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        out->kind = VALUE_DATE;
        parse_datetime(text, out);
        return;
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_TIME2:
        out->kind = VALUE_TIME;
        parse_time_fields(text, out);
        return;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_DATETIME2:
        out->kind = VALUE_DATETIME;
        parse_datetime(text, out);
        return;
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_TIMESTAMP2: {
        struct value fields;
        parse_datetime(text, &fields);
        out->kind = VALUE_TIMESTAMP;
        if (fields.v.time.year == 0) {
            out->v.epoch.seconds = 0;
            out->v.epoch.usec = 0;
            return;
        }
        struct tm tm = {.tm_year = fields.v.time.year - 1900,
                        .tm_mon = fields.v.time.month - 1,
                        .tm_mday = fields.v.time.day,
                        .tm_hour = fields.v.time.hour,
                        .tm_min = fields.v.time.minute,
                        .tm_sec = fields.v.time.second};
        out->v.epoch.seconds = (int64_t)timegm(&tm);
        out->v.epoch.usec = fields.v.time.usec;
        return;
    }
    default:
        out->kind = field->charsetnr == 63 ? VALUE_BYTES : VALUE_STRING;
        break;
    }
    out->v.text.data = text;
    out->v.text.len = len;
}

/* The primary key's column names in key order, from information_schema,
 * joined by '\n' into names (read before the rows, which stream). */
static int load_primary_key_names(struct snapshot *s, const char *table, char *names, size_t len, char *err,
                                  size_t errlen) {
    char query[1024], db[260], name[260];
    mysql_real_escape_string(s->m, db, s->database, (unsigned long)strlen(s->database));
    mysql_real_escape_string(s->m, name, table, (unsigned long)strlen(table));
    snprintf(query, sizeof query,
             "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA='%s' AND "
             "TABLE_NAME='%s' AND CONSTRAINT_NAME='PRIMARY' ORDER BY ORDINAL_POSITION",
             db, name);
    MYSQL_RES *res;
    if (mysql_query(s->m, query) != 0 || !(res = mysql_store_result(s->m))) {
        snprintf(err, errlen, "cannot read the primary key of %s.%s: %s", s->database, table, mysql_error(s->m));
        return -1;
    }
    names[0] = '\0';
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)))
        if (strlen(names) + strlen(row[0]) + 2 < len) {
            strcat(names, row[0]);
            strcat(names, "\n");
        }
    mysql_free_result(res);
    return 0;
}

/* Turns the key's names into column positions. */
static int set_primary_key(struct table *t, const char *names) {
    t->primary_key = calloc((size_t)t->column_count + 1, sizeof *t->primary_key);
    if (!t->primary_key)
        return -1;
    for (const char *n = names; *n;) {
        const char *end = strchr(n, '\n');
        for (int c = 0; c < t->column_count; c++)
            if (strlen(t->columns[c].name) == (size_t)(end - n) &&
                strncmp(t->columns[c].name, n, (size_t)(end - n)) == 0)
                t->primary_key[t->primary_key_count++] = c;
        n = end + 1;
    }
    return 0;
}

static void free_table(struct table *t) {
    for (int c = 0; c < t->column_count; c++)
        free(t->columns[c].name);
    free(t->columns);
    free(t->primary_key);
    free(t->database);
    free(t->name);
}

/* The binlog's TABLE_MAP metadata of the types whose declaration the
 * columns header names (event_json_columns), from the result's field:
 * DECIMAL precision << 8 | scale (the field's length counts the point and,
 * when signed, the sign), BIT bytes << 8 | remaining bits. */
static uint16_t column_meta(const MYSQL_FIELD *f) {
    if (f->type == MYSQL_TYPE_NEWDECIMAL || f->type == MYSQL_TYPE_DECIMAL) {
        long precision = (long)f->length - (f->decimals > 0) - !(f->flags & UNSIGNED_FLAG);
        if (precision < (long)f->decimals)
            precision = f->decimals;
        return (uint16_t)((precision << 8) | (f->decimals & 0xFF));
    }
    if (f->type == MYSQL_TYPE_BIT)
        return (uint16_t)(((f->length / 8) << 8) | (f->length % 8));
    return 0;
}

int snapshot_read_table(struct snapshot *s, const char *table, int (*fn)(const struct row_change *, void *ctx),
                        void *ctx, char *err, size_t errlen) {
    struct table t = {0};
    char query[600];
    if (strchr(table, '`')) {
        snprintf(err, errlen, "table name '%s' has a backquote: not supported", table);
        return -1;
    }
    char key_names[1024];
    if (load_primary_key_names(s, table, key_names, sizeof key_names, err, errlen) != 0)
        return -1;
    snprintf(query, sizeof query, "SELECT * FROM `%s`.`%s`", s->database, table);
    if (mysql_query(s->m, query) != 0) {
        snprintf(err, errlen, "cannot read %s.%s: %s", s->database, table, mysql_error(s->m));
        return -1;
    }
    MYSQL_RES *res = mysql_use_result(s->m);
    if (!res) {
        snprintf(err, errlen, "cannot read %s.%s: %s", s->database, table, mysql_error(s->m));
        return -1;
    }
    MYSQL_FIELD *fields = mysql_fetch_fields(res);
    t.column_count = (int)mysql_num_fields(res);
    t.columns = calloc((size_t)t.column_count, sizeof *t.columns);
    struct value *values = calloc((size_t)t.column_count, sizeof *values);
    t.database = strdup(s->database);
    t.name = strdup(table);
    int rc = -1;
    if (!t.columns || !values || !t.database || !t.name) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int c = 0; c < t.column_count; c++) {
        t.columns[c].name = strdup(fields[c].name);
        t.columns[c].type = (uint8_t)fields[c].type;
        t.columns[c].is_unsigned = (fields[c].flags & UNSIGNED_FLAG) != 0;
        t.columns[c].is_nullable = (fields[c].flags & NOT_NULL_FLAG) == 0;
        t.columns[c].is_binary = fields[c].charsetnr == 63;
        t.columns[c].meta = column_meta(&fields[c]);
    }
    if (set_primary_key(&t, key_names) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    MYSQL_ROW row;
    rc = 0;
    while ((row = mysql_fetch_row(res))) {
        unsigned long *lengths = mysql_fetch_lengths(res);
        for (int c = 0; c < t.column_count; c++)
            snapshot_value_from_text(&fields[c], row[c], lengths[c], &values[c]);
        struct row_change change = {&t, ROW_READ, NULL, values};
        rc = fn(&change, ctx);
        if (rc != 0)
            break;
    }
    if (rc == 0 && mysql_errno(s->m)) {
        snprintf(err, errlen, "reading %s.%s failed: %s", s->database, table, mysql_error(s->m));
        rc = -1;
    }
out:
    if (res)
        mysql_free_result(res);
    free(values);
    free_table(&t);
    return rc;
}

void snapshot_end(struct snapshot *s) {
    if (!s)
        return;
    mysql_query(s->m, "COMMIT");
    free(s);
}
