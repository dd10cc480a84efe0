/* lake_json: one JSON text — a line of a lake file — parsed in one pass into
 * a flat array of tokens, for the lake loader.
 *
 * Why not jansson: the loader reads a few members of three objects of each
 * Debezium envelope (op, before or after, source.table and ts_ms) and
 * forgets the line. jansson built a tree of hash tables with a malloc per
 * value, ~6.6 µs for a 400-byte envelope, more than the sqlite work the
 * line needs. Here the tokens of a line go into one array that is reused
 * for the next line; strings and numbers are spans of the text, a string
 * unescaped only when asked for.
 *
 * What it accepts is what jansson's json_loadb(JSON_ALLOW_NUL |
 * JSON_DECODE_ANY) accepts, so a line is damaged for one exactly when it was
 * for the other: RFC 8259 strictly (no trailing commas, no comments, no
 * leading zeros, no control characters in strings), UTF-8 checked (no
 * overlong forms, no surrogates, nothing above U+10FFFF), \u escapes paired
 * into characters (a lone surrogate is an error; \u0000 is allowed),
 * integers within int64 (beyond it an error, as jansson's "too big
 * integer"), reals within a double's range, at most 2048 levels of
 * nesting, and nothing but whitespace after the value. A key that repeats
 * keeps its last value, as jansson does. */
#ifndef BRIDGELAB_DASHBOARD_LAKE_JSON_H
#define BRIDGELAB_DASHBOARD_LAKE_JSON_H

#include <stddef.h>

#define LAKE_JSON_MAX_DEPTH 2048

enum lake_json_type {
    LAKE_JSON_NULL,
    LAKE_JSON_FALSE,
    LAKE_JSON_TRUE,
    LAKE_JSON_NUMBER,
    LAKE_JSON_STRING,
    LAKE_JSON_ARRAY,
    LAKE_JSON_OBJECT
};

/* Token 0 is the value; an object's tokens are its members' key and value
 * subtrees in order, an array's its elements'. */
struct lake_json_token {
    unsigned char type;
    unsigned char escaped; /* STRING: holds a backslash escape */
    unsigned char integer; /* NUMBER: an integer literal, its value in i */
    int end;               /* the index after this token's subtree */
    const char *text;      /* STRING: the raw text between the quotes; NUMBER: the literal */
    size_t len;
    long long i;
};

struct lake_json {
    struct lake_json_token *tokens;
    int count, cap;
    int *stack; /* open containers while parsing */
    int stack_cap;
    char *scratch; /* unescaped strings of the current text */
    size_t scratch_len, scratch_cap;
    size_t string_bytes; /* the text's strings, each with a NUL: what their copies can need */
    char error[128];
};

/* An empty parser (no allocation yet); release it when done. */
void lake_json_init(struct lake_json *j);
void lake_json_release(struct lake_json *j);

/* Parses text[0..len) as one JSON value. 0, or -1 with j->error saying what
 * and where ("unexpected ',' at byte 12"). The tokens point into text. */
int lake_json_parse(struct lake_json *j, const char *text, size_t len);

/* The value token of member key of OBJECT token object (the last, when the
 * key repeats), or -1 when there is none or object is not an object. */
int lake_json_member(const struct lake_json *j, int object, const char *key);

/* The type of token i; -1 (not a type) for i < 0. */
int lake_json_type_of(const struct lake_json *j, int i);

/* STRING token i's characters, unescaped: a span of the text when it holds
 * no escape, else a copy in j's scratch space (valid until the next parse).
 * 0, or -1 when i is not a string (or out of memory). */
int lake_json_string(struct lake_json *j, int i, const char **text, size_t *len);

#endif
