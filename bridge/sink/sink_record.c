/* A record's value parsed once with jansson and flattened into its row; the
 * text of a row's values. See sink_record.h. */
#include "sink_record.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

/* jansson's own nesting limit: deeper text does not load anyway. */
#define NESTING_MAX 2048

/* The length of the string token (quotes included) at text[0] == '"'. */
static size_t string_length(const char *text, size_t len) {
    size_t n = 1;
    while (n < len && text[n] != '"')
        n += text[n] == '\\' ? 2 : 1;
    return n < len ? n + 1 : len;
}

static size_t number_length(const char *text, size_t len) {
    size_t n = 0;
    while (n < len && ((text[n] >= '0' && text[n] <= '9') || memchr("+-.eE", text[n], 5)))
        n++;
    return n;
}

/* Whether jansson holds the number token as a number: 1, 0, or -1 when
 * memory is short. */
static int number_fits(const char *token, size_t n) {
    char *copy = strndup(token, n);
    if (!copy)
        return -1;
    errno = 0;
    int fits;
    if (strcspn(copy, ".eE") == n) {
        (void)strtoll(copy, NULL, 10);
        fits = errno != ERANGE;
    } else {
        double d = strtod(copy, NULL);
        fits = !(errno == ERANGE && isinf(d));
    }
    free(copy);
    return fits;
}

/* A copy of the JSON text with each number jansson cannot hold, where a
 * value belongs, in quotes; NULL when memory is short or the text nests
 * deeper than jansson reads. */
static char *quote_big_numbers(const char *text, size_t len, size_t *out_len) {
    /* Such a number has at least 5 characters ("1e999"): the text at most
     * doubles. */
    char *out = malloc(2 * len + 1);
    unsigned char in_array[NESTING_MAX];
    size_t depth = 0, o = 0;
    char last = 0; /* the last structural character, 'v' after a value */
    for (size_t i = 0; out && i < len;) {
        char c = text[i];
        size_t n = 1;
        int quote = 0;
        if (c == '"') {
            n = string_length(text + i, len - i);
            last = 'v';
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            n = number_length(text + i, len - i);
            int value_place = last == ':' || last == '[' || (last == ',' && depth > 0 && in_array[depth - 1]);
            int fits = value_place ? number_fits(text + i, n) : 1;
            if (fits < 0)
                goto fail;
            quote = !fits;
            last = 'v';
        } else if (c == '{' || c == '[') {
            if (depth == NESTING_MAX)
                goto fail;
            in_array[depth++] = c == '[';
            last = c;
        } else if (c == '}' || c == ']') {
            depth -= depth > 0;
            last = 'v';
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            last = c;
        }
        if (quote)
            out[o++] = '"';
        memcpy(out + o, text + i, n);
        o += n;
        if (quote)
            out[o++] = '"';
        i += n;
    }
    if (out) {
        out[o] = '\0';
        *out_len = o;
    }
    return out;
fail:
    free(out);
    return NULL;
}

static json_t *load(const void *value, size_t len) {
    json_error_t error;
    json_t *root = json_loadb(value, len, JSON_ALLOW_NUL, &error);
    if (root || json_error_code(&error) != json_error_numeric_overflow)
        return root;
    size_t quoted_len;
    char *quoted = quote_big_numbers(value, len, &quoted_len);
    if (!quoted)
        return NULL;
    root = json_loadb(quoted, quoted_len, JSON_ALLOW_NUL, &error);
    free(quoted);
    return root;
}

static int is_envelope(const json_t *v) {
    return json_is_string(json_object_get(v, "op")) && (json_object_get(v, "after") || json_object_get(v, "before"));
}

/* The envelope's image with the add fields after its columns; NULL when
 * the image is no object (or memory is short). */
static json_t *flatten(json_t *envelope) {
    static const char *const add_fields[][2] = {
        {"__file", "file"}, {"__pos", "pos"}, {"__row", "row"}, {"__gtid", "gtid"}, {"__source_ts_ms", "ts_ms"},
    };
    json_t *op = json_object_get(envelope, "op");
    int is_delete = json_string_length(op) == 1 && json_string_value(op)[0] == 'd';
    json_t *row = json_object_get(envelope, is_delete ? "before" : "after");
    if (!json_is_object(row))
        return NULL;
    json_incref(row);
    int failed = json_object_set(row, "__op", op);
    json_t *source = json_object_get(envelope, "source");
    for (size_t i = 0; i < sizeof add_fields / sizeof add_fields[0]; i++) {
        json_t *v = json_object_get(source, add_fields[i][1]);
        failed |= json_object_set_new(row, add_fields[i][0], v ? json_incref(v) : json_null());
    }
    if (failed) {
        json_decref(row);
        return NULL;
    }
    return row;
}

static json_t *parse_row(const struct sink_record *r) {
    if (!r->value)
        return NULL;
    json_t *root = load(r->value, r->value_len);
    if (!json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    if (!is_envelope(root))
        return root;
    json_t *row = flatten(root);
    json_decref(root);
    return row;
}

json_t *sink_record_row(struct sink_record *r) {
    if (!r->row_parsed) {
        r->row = parse_row(r);
        r->row_parsed = 1;
    }
    return r->row;
}

void sink_record_release(struct sink_record *r) {
    json_decref(r->row);
    r->row = NULL;
    r->row_parsed = 0;
}

/* value as compact JSON; deeper than the writer nests, jansson's own text
 * (reals in 17 digits) stands in. 0, or -1 when memory is short. */
static int write_json(struct json_writer *w, json_t *value, int depth) {
    int failed = 0;
    if ((json_is_object(value) || json_is_array(value)) && depth >= JSON_WRITER_MAX_DEPTH - 1) {
        char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return -1;
        json_writer_raw(w, text, strlen(text));
        free(text);
        return 0;
    }
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        json_writer_begin_object(w);
        for (void *it = json_object_iter(value); it; it = json_object_iter_next(value, it)) {
            json_writer_key(w, json_object_iter_key(it));
            failed |= write_json(w, json_object_iter_value(it), depth + 1);
        }
        json_writer_end_object(w);
        break;
    case JSON_ARRAY:
        json_writer_begin_array(w);
        for (size_t i = 0; i < json_array_size(value); i++)
            failed |= write_json(w, json_array_get(value, i), depth + 1);
        json_writer_end_array(w);
        break;
    case JSON_STRING:
        json_writer_string_n(w, json_string_value(value), json_string_length(value));
        break;
    case JSON_INTEGER:
        json_writer_int(w, json_integer_value(value));
        break;
    case JSON_REAL:
        json_writer_double(w, json_real_value(value));
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        json_writer_bool(w, json_is_true(value));
        break;
    case JSON_NULL:
        json_writer_null(w);
        break;
    }
    return failed;
}

int sink_value_text(const json_t *value, struct json_writer *scratch, const char **text, size_t *len) {
    if (!value || json_is_null(value))
        return 0;
    if (json_is_string(value)) {
        *text = json_string_value(value);
        *len = json_string_length(value);
        return 1;
    }
    json_writer_reset(scratch);
    /* jansson's iterators take no const object; nothing is changed. */
    if (write_json(scratch, (json_t *)value, 0) || json_writer_status(scratch) != JSON_WRITER_OK)
        return -1;
    *text = json_writer_data(scratch);
    *len = json_writer_len(scratch);
    return 1;
}
