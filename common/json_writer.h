/* A streaming JSON writer into a growable byte buffer, for the hot path of
 * CDC events (jansson's object model costs too much per event there; it
 * stays right for configuration, parsing and tests).
 *
 * Calls append one piece at a time; the writer places the commas and checks
 * the structure (a key only inside an object, a value after each key, ends
 * matching begins, one value at the top). Whatever bytes it is given, the
 * output is valid JSON text in UTF-8:
 *   - strings and keys escape '"', '\\' and control characters (\b \f \n
 *     \r \t in their short forms, the others as \u00XX); valid UTF-8 passes
 *     through; each maximal ill-formed subsequence (stray continuation byte,
 *     overlong form, UTF-8-encoded surrogate, beyond U+10FFFF, truncated
 *     sequence) becomes one U+FFFD, as Unicode recommends;
 *   - doubles are written in the shortest of %.15g, %.16g, %.17g that reads
 *     back as the same double (the shortest form for normal numbers), always
 *     with a '.' or an exponent so readers see a real ("1.0", "-0.0",
 *     "1e+300"); NaN and infinities become null;
 *   - json_writer_raw() is the one exception: its bytes are trusted.
 *
 * A misuse (a key where a value belongs, an end without its begin, nesting
 * deeper than JSON_WRITER_MAX_DEPTH) or a failed allocation puts the writer
 * in an error state where every further call does nothing;
 * json_writer_status() tells which, json_writer_complete() whether the buffer
 * holds one finished document. json_writer_reset() empties the writer for
 * the next document and keeps its memory, so once warmed up a writer
 * allocates nothing. A writer is used by one thread at a time. */
#ifndef BRIDGELAB_JSON_WRITER_H
#define BRIDGELAB_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define JSON_WRITER_MAX_DEPTH 32

enum json_writer_status {
    JSON_WRITER_OK,
    JSON_WRITER_NOMEM,  /* an allocation failed; the text is cut short */
    JSON_WRITER_MISUSE, /* the calls did not form one JSON value */
};

struct json_writer;

/* initial_capacity 0 picks a default; NULL if memory is short. */
struct json_writer *json_writer_new(size_t initial_capacity);
void json_writer_free(struct json_writer *w);

/* Empties the writer (and clears its status), keeping its memory. */
void json_writer_reset(struct json_writer *w);

/* The text so far, always NUL-terminated (empty after reset); valid until
 * the next call that writes. */
const char *json_writer_data(const struct json_writer *w);
size_t json_writer_len(const struct json_writer *w);
enum json_writer_status json_writer_status(const struct json_writer *w);
/* 1 if the text is exactly one finished JSON value and no error happened. */
int json_writer_complete(const struct json_writer *w);

void json_writer_begin_object(struct json_writer *w);
void json_writer_end_object(struct json_writer *w);
void json_writer_begin_array(struct json_writer *w);
void json_writer_end_array(struct json_writer *w);

/* A member's name; the next call must write its value. */
void json_writer_key(struct json_writer *w, const char *key);
void json_writer_key_n(struct json_writer *w, const char *key, size_t len);

/* Values. A NULL string is written as null. */
void json_writer_string(struct json_writer *w, const char *s);
void json_writer_string_n(struct json_writer *w, const char *s, size_t len);
void json_writer_int(struct json_writer *w, int64_t v);
void json_writer_uint(struct json_writer *w, uint64_t v);
void json_writer_double(struct json_writer *w, double v);
/* A float's shortest form (%.6g to %.9g that reads back as the same float):
 * 1.1f is written 1.1, not 1.100000023841858. */
void json_writer_float(struct json_writer *w, float v);
void json_writer_bool(struct json_writer *w, int v);
void json_writer_null(struct json_writer *w);
/* Bytes as a base64 string (RFC 4648 alphabet, with padding). */
void json_writer_base64(struct json_writer *w, const void *bytes, size_t len);
/* Already-JSON text, appended as it is: the caller vouches for it. */
void json_writer_raw(struct json_writer *w, const char *json, size_t len);

#endif
