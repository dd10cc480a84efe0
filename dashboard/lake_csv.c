/* CSV records for the lake loader: see lake_csv.h. */
#include "lake_csv.h"

#include <stdlib.h>
#include <string.h>

/* A quoted field from data[*pos] (the opening quote) to its closing quote;
 * *pos after it. 0, or -1 if it never closes. */
static int quoted(const char *data, size_t len, size_t *pos, char **out, size_t *outlen) {
    char *buf = malloc(len - *pos + 1);
    if (!buf)
        return -1;
    size_t n = 0, i = *pos + 1;
    for (; i < len; i++) {
        if (data[i] == '"' && i + 1 < len && data[i + 1] == '"')
            buf[n++] = data[i++];
        else if (data[i] == '"')
            break;
        else
            buf[n++] = data[i];
    }
    if (i >= len) {
        free(buf);
        return -1;
    }
    *pos = i + 1;
    *out = buf;
    *outlen = n;
    return 0;
}

static int at_field_end(const char *data, size_t len, size_t i) {
    return i >= len || data[i] == ',' || data[i] == '\n' || data[i] == '\r';
}

static int append(json_t *fields, json_t *value) { return value ? json_array_append_new(fields, value) : -1; }

/* One field at *pos, appended to fields; *pos at the comma or line end. */
static int field(const char *data, size_t len, size_t *pos, json_t *fields) {
    if (*pos < len && data[*pos] == '"') {
        char *text;
        size_t n;
        if (quoted(data, len, pos, &text, &n) != 0)
            return -1;
        int rc = at_field_end(data, len, *pos) ? append(fields, json_stringn_nocheck(text, n)) : -1;
        free(text);
        return rc;
    }
    size_t start = *pos;
    while (!at_field_end(data, len, *pos))
        (*pos)++;
    size_t n = *pos - start;
    return append(fields, n ? json_stringn_nocheck(data + start, n) : json_null());
}

int lake_csv_record(const char *data, size_t len, size_t *pos, json_t **fields) {
    while (*pos < len && (data[*pos] == '\r' || data[*pos] == '\n'))
        (*pos)++;
    if (*pos >= len)
        return 0;
    json_t *row = json_array();
    for (;;) {
        if (!row || field(data, len, pos, row) != 0) {
            json_decref(row);
            return -1;
        }
        if (*pos >= len || data[*pos] != ',')
            break;
        (*pos)++;
    }
    *fields = row;
    return 1;
}
