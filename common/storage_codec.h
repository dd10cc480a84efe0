/* The encodings Azure's REST API speaks, for the blob store and its tests:
 * base64 (keys, signatures, block ids), percent-encoding (paths and query
 * values) and HTTP dates. Pure functions. */
#ifndef BRIDGELAB_STORAGE_CODEC_H
#define BRIDGELAB_STORAGE_CODEC_H

#include <stddef.h>

/* Base64 (with padding) of len bytes into out (cap >= 4 * ((len + 2) / 3) + 1).
 * Returns the length written, or -1 when out is too small. */
int codec_base64_encode(const void *data, size_t len, char *out, size_t cap);

/* Decodes base64 text (padding required when the length is not a multiple
 * of 4, no white space) into out. Returns the number of bytes, or -1 when
 * the text is not base64 or out (cap bytes) is too small. */
int codec_base64_decode(const char *text, unsigned char *out, size_t cap);

/* Percent-encodes every byte of s but the unreserved ones (A-Z a-z 0-9 - . _ ~)
 * and, when keep_slash is set, '/'. Returns a new string (free()), or NULL
 * when out of memory. */
char *codec_pct_encode(const char *s, int keep_slash);

/* Decodes %XX escapes of s[0..n) ('+' stays '+'). Returns a new string
 * (free()), or NULL for a bad escape, an escaped NUL or no memory. */
char *codec_pct_decode(const char *s, size_t n);

/* Formats epoch seconds as an HTTP date ("Wed, 02 Dec 2026 04:50:56 GMT",
 * whatever the locale) into out (at least 30 bytes). */
void codec_http_date(long long epoch_s, char *out, size_t cap);

/* Parses an HTTP date (RFC 1123, GMT) into epoch milliseconds. Returns 0,
 * or -1 when it is not one. */
int codec_http_date_parse(const char *text, long long *epoch_ms);

/* Parses an ISO 8601 UTC time as SAS tokens carry them
 * ("2026-12-02T04:50:56Z", or with fractional seconds, or a date alone)
 * into epoch seconds. Returns 0, or -1 when it is not one. */
int codec_iso_time_parse(const char *text, long long *epoch_s);

#endif
