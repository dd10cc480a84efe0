/* Unit tests for common/storage_sign.c and common/storage_codec.c: the
 * SharedKey string to sign and its signature against vectors computed
 * apart from this code (Python's hmac and base64, with the header order of
 * Microsoft's azure-storage-blob SDK, which emulates the service's), and
 * the encodings the requests are made of. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "assert_text.h"

#include "storage_codec.h"
#include "storage_sign.h"

/* Azurite's documented development key (public). */
static const char azurite_key[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

static void sign(const struct sign_request *r, const char *want_sts, const char *want_mac) {
    char *sts = sign_string_to_sign(r);
    assert_non_null(sts);
    assert_string_equal(sts, want_sts);
    unsigned char key[128];
    int keylen = codec_base64_decode(azurite_key, key, sizeof key);
    assert_int_equal(keylen, 64);
    char mac[64];
    assert_int_equal(sign_hmac_base64(key, (size_t)keylen, sts, mac, sizeof mac), 0);
    assert_string_equal(mac, want_mac);
    free(sts);
}

/* A Put Block with metadata whose names sort differently by bytes and by
 * the service's collation (a_1 before a1), a mixed-case name, a path with
 * a space, '%', '+' and UTF-8, and a block id with '+', '/' and '='. */
static void test_put_block_vector(void **state) {
    (void)state;
    const struct storage_kv headers[] = {
        {"Content-Length", "11"},         {"Content-Type", "application/json"},
        {"If-None-Match", "*"},           {"x-ms-date", "Wed, 02 Dec 2026 04:50:56 GMT"},
        {"x-ms-version", "2021-08-06"},   {"x-ms-blob-type", "BlockBlob"},
        {"x-ms-meta-a1", "one"},          {"x-ms-meta-a_1", "two"},
        {"X-MS-Meta-Start_Offset", "42"}, {"x-ms-meta-ab", "three"},
    };
    const struct storage_kv query[] = {{"comp", "block"}, {"blockid", "YWJj+/=="}};
    struct sign_request r = {
        "PUT", "devstoreaccount1", "/devstoreaccount1/lake/topics/a%20b/c%25%2B%C3%BC.json", headers, 10, query, 2};
    sign(&r,
         "PUT\n\n\n11\n\napplication/json\n\n\n\n*\n\n\nx-ms-blob-type:BlockBlob\nx-ms-date:Wed, 02 Dec 2026 "
         "04:50:56 GMT\nx-ms-meta-a_1:two\nx-ms-meta-a1:one\nx-ms-meta-ab:three\nx-ms-meta-start_offset:42\nx-ms-"
         "version:2021-08-06\n/devstoreaccount1/devstoreaccount1/lake/topics/a%20b/c%25%2B%C3%BC.json\nblockid:YWJj+/"
         "==\ncomp:block",
         "PIyT1AHqW55Wp7jJXLa1Q/uJr4akVwarNx0Vxt3M/jI=");
}

/* A List Blobs page: no standard header, x-ms-range, decoded UTF-8 and
 * spaces in the query, parameters sorted. */
static void test_list_vector(void **state) {
    (void)state;
    const struct storage_kv headers[] = {
        {"x-ms-range", "bytes=5-9"},
        {"x-ms-version", "2021-08-06"},
        {"x-ms-date", "Wed, 02 Dec 2026 04:50:56 GMT"},
    };
    const struct storage_kv query[] = {{"restype", "container"},
                                       {"comp", "list"},
                                       {"prefix", "topics/\xc3\xbc x/"},
                                       {"marker", "2!40!MDAw"},
                                       {"include", "metadata"}};
    struct sign_request r = {"GET", "devstoreaccount1", "/devstoreaccount1/lake", headers, 3, query, 5};
    sign(&r,
         "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Wed, 02 Dec 2026 04:50:56 "
         "GMT\nx-ms-range:bytes=5-9\nx-ms-version:2021-08-06\n/devstoreaccount1/devstoreaccount1/"
         "lake\ncomp:list\ninclude:metadata\nmarker:2!40!MDAw\nprefix:topics/\xc3\xbc x/\nrestype:container",
         "u2KgWNblxd5Pwhg7Ufa71XnKYu1DBmRgcnJmv//aFVQ=");
}

/* Content-Length 0 is signed as an empty line. */
static void test_zero_length_vector(void **state) {
    (void)state;
    const struct storage_kv headers[] = {
        {"Content-Length", "0"},
        {"x-ms-version", "2021-08-06"},
        {"x-ms-date", "Wed, 02 Dec 2026 04:50:56 GMT"},
    };
    const struct storage_kv query[] = {{"restype", "container"}};
    struct sign_request r = {"PUT", "devstoreaccount1", "/devstoreaccount1/lake", headers, 3, query, 1};
    sign(&r,
         "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Wed, 02 Dec 2026 04:50:56 "
         "GMT\nx-ms-version:2021-08-06\n/devstoreaccount1/devstoreaccount1/lake\nrestype:container",
         "voPoDvKWctXW0FOUwiwuJFrkP2QaOX/KumxRLpc2zT4=");
}

/* Another key gives another signature: the key is really used. */
static void test_other_key_other_mac(void **state) {
    (void)state;
    unsigned char key[128];
    int keylen = codec_base64_decode(azurite_key, key, sizeof key);
    char a[64], b[64];
    assert_int_equal(sign_hmac_base64(key, (size_t)keylen, "text", a, sizeof a), 0);
    key[0] ^= 1;
    assert_int_equal(sign_hmac_base64(key, (size_t)keylen, "text", b, sizeof b), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(strlen(a), 44);
}

static void test_base64(void **state) {
    (void)state;
    static const struct {
        const char *raw, *b64;
    } cases[] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"\xff\xfe", "//4="}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32];
        unsigned char back[32];
        size_t n = strlen(cases[i].raw);
        assert_int_equal(codec_base64_encode(cases[i].raw, n, out, sizeof out), (int)strlen(cases[i].b64));
        assert_string_equal(out, cases[i].b64);
        assert_int_equal(codec_base64_decode(cases[i].b64, back, sizeof back), (int)n);
        assert_memory_equal(back, cases[i].raw, n);
    }
    unsigned char out[8];
    /* not base64: bad length, bad characters, padding inside, no room */
    assert_int_equal(codec_base64_decode("Zm9", out, sizeof out), -1);
    assert_int_equal(codec_base64_decode("Zm9*", out, sizeof out), -1);
    assert_int_equal(codec_base64_decode("Zg==Zm9v", out, sizeof out), -1);
    assert_int_equal(codec_base64_decode("Zm=v", out, sizeof out), -1);
    assert_int_equal(codec_base64_decode("Zm9vYmFyYmF6", out, 8), -1);
    char small[4];
    assert_int_equal(codec_base64_encode("foo", 3, small, sizeof small), -1);
}

static void test_pct_encode(void **state) {
    (void)state;
    char *p = codec_pct_encode("a b/c%+\xc3\xbc~._-&=?#", 1);
    assert_string_equal(p, "a%20b/c%25%2B%C3%BC~._-%26%3D%3F%23");
    free(p);
    p = codec_pct_encode("topics/x y", 0);
    assert_string_equal(p, "topics%2Fx%20y");
    free(p);
    p = codec_pct_decode("a%20b%2Fc+%c3%BC", 16);
    assert_string_equal(p, "a b/c+\xc3\xbc");
    free(p);
    assert_null(codec_pct_decode("a%2", 3));
    assert_null(codec_pct_decode("a%zz", 4));
    assert_null(codec_pct_decode("a%00b", 5));
}

static void test_http_dates(void **state) {
    (void)state;
    char d[40];
    codec_http_date(1796187056LL, d, sizeof d);
    assert_string_equal(d, "Wed, 02 Dec 2026 04:50:56 GMT");
    long long ms = 0;
    assert_int_equal(codec_http_date_parse("Wed, 02 Dec 2026 04:50:56 GMT", &ms), 0);
    assert_int_equal(ms, 1796187056000LL);
    assert_int_equal(codec_http_date_parse("Wed, 02 Dez 2026 04:50:56 GMT", &ms), -1);
    assert_int_equal(codec_http_date_parse("Wed, 02 Dec 2026 04:50:56", &ms), -1);
    assert_int_equal(codec_http_date_parse("2026-12-02", &ms), -1);
    long long s = 0;
    assert_int_equal(codec_iso_time_parse("2026-12-02T04:50:56Z", &s), 0);
    assert_int_equal(s, 1796187056LL);
    assert_int_equal(codec_iso_time_parse("2026-12-02T04:50:56.1234567Z", &s), 0);
    assert_int_equal(s, 1796187056LL);
    assert_int_equal(codec_iso_time_parse("2026-12-02T04:50Z", &s), 0);
    assert_int_equal(s, 1796187000LL);
    assert_int_equal(codec_iso_time_parse("2026-12-02", &s), 0);
    assert_int_equal(s, 1796169600LL);
    assert_int_equal(codec_iso_time_parse("2026-12-02T04:50:56+01:00", &s), -1);
    assert_int_equal(codec_iso_time_parse("2026-13-02T04:50:56Z", &s), -1);
    assert_int_equal(codec_iso_time_parse("yesterday", &s), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_block_vector),
        cmocka_unit_test(test_list_vector),
        cmocka_unit_test(test_zero_length_vector),
        cmocka_unit_test(test_other_key_other_mac),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_pct_encode),
        cmocka_unit_test(test_http_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
