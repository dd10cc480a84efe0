/* Azure Storage's SharedKey authorization: the string to sign of a request
 * and its HMAC-SHA256. Pure functions, so a known vector can test them and
 * a fake server can check what it received with the same rules.
 *
 * The string to sign (x-ms-version 2015-02-21 and later) is the verb, then
 * one line each for Content-Encoding, Content-Language, Content-Length
 * (empty when 0), Content-MD5, Content-Type, Date, If-Modified-Since,
 * If-Match, If-None-Match, If-Unmodified-Since and Range (empty when not
 * sent), then the x-ms-* headers ("name:value\n", names lower-cased and
 * sorted as the service collates them: '-' ignored, then symbols, digits,
 * letters), then "/<account><path as sent>", then "\nname:value" for each
 * query parameter (lower-cased names sorted byte-wise, values decoded). */
#ifndef BRIDGELAB_STORAGE_SIGN_H
#define BRIDGELAB_STORAGE_SIGN_H

#include <stddef.h>

struct storage_kv {
    const char *name;
    const char *value;
};

struct sign_request {
    const char *method;
    const char *account;
    const char *path;                 /* as sent (percent-encoded), from its first '/' */
    const struct storage_kv *headers; /* every header sent; names in any case */
    size_t nheaders;
    const struct storage_kv *query; /* decoded values; names unique */
    size_t nquery;
};

/* The string to sign: a new string (free()), or NULL when out of memory. */
char *sign_string_to_sign(const struct sign_request *r);

/* The base64 HMAC-SHA256 of text under key (raw bytes) into out (at least
 * 45 bytes). Returns 0, or -1 on failure. */
int sign_hmac_base64(const unsigned char *key, size_t keylen, const char *text, char *out, size_t cap);

#endif
