/* Unit tests for common/storage.c's front: the URLs the lake can be at,
 * the names, prefixes and metadata both stores refuse, the status names.
 * Every refusal is one line that names what is wrong. */
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

#include "storage.h"
#include "storage_store.h"

static void parse_ok(const char *url, const char *account, struct storage_location *loc) {
    char err[512] = "";
    if (storage_location_parse(url, account, loc, err, sizeof err) != 0) {
        print_error("%s: %s\n", url, err);
        fail();
    }
}

static void test_file_urls(void **state) {
    (void)state;
    struct storage_location loc;
    parse_ok("file:///tmp/lake", NULL, &loc);
    assert_int_equal(loc.kind, STORAGE_KIND_LOCAL);
    assert_string_equal(loc.folder, "/tmp/lake");
    parse_ok("file:///tmp/lake//", NULL, &loc);
    assert_string_equal(loc.folder, "/tmp/lake");
    parse_ok("file:///tmp/my%20lake/x", NULL, &loc);
    assert_string_equal(loc.folder, "/tmp/my lake/x");
    parse_ok("file:///", NULL, &loc);
    assert_string_equal(loc.folder, "/");
}

static void test_azurite_urls(void **state) {
    (void)state;
    struct storage_location loc;
    parse_ok("http://127.0.0.1:10000/devstoreaccount1/lake", NULL, &loc);
    assert_int_equal(loc.kind, STORAGE_KIND_AZURE);
    assert_string_equal(loc.endpoint, "http://127.0.0.1:10000");
    assert_string_equal(loc.account, "devstoreaccount1");
    assert_string_equal(loc.container, "lake");
    assert_string_equal(loc.base_path, "/devstoreaccount1/lake");
    parse_ok("https://localhost/devstoreaccount1/lake-01/", NULL, &loc);
    assert_string_equal(loc.endpoint, "https://localhost");
    assert_string_equal(loc.container, "lake-01");
    parse_ok("http://[::1]:10000/devstoreaccount1/lake", NULL, &loc);
    assert_string_equal(loc.endpoint, "http://[::1]:10000");
    /* an account given apart signs the requests; the path stays the URL's */
    parse_ok("http://127.0.0.1:10000/devstoreaccount1/lake", "other1", &loc);
    assert_string_equal(loc.account, "other1");
    assert_string_equal(loc.base_path, "/devstoreaccount1/lake");
}

static void test_account_urls(void **state) {
    (void)state;
    struct storage_location loc;
    parse_ok("https://myacct.blob.core.windows.net/lake", NULL, &loc);
    assert_string_equal(loc.endpoint, "https://myacct.blob.core.windows.net");
    assert_string_equal(loc.account, "myacct");
    assert_string_equal(loc.container, "lake");
    assert_string_equal(loc.base_path, "/lake");
    /* ADLS Gen2's dfs host: the same account, through its blob host */
    parse_ok("https://myacct.dfs.core.windows.net/lake/", NULL, &loc);
    assert_string_equal(loc.endpoint, "https://myacct.blob.core.windows.net");
    assert_string_equal(loc.base_path, "/lake");
    parse_ok("https://myacct.dfs.core.chinacloudapi.cn:443/lake", NULL, &loc);
    assert_string_equal(loc.endpoint, "https://myacct.blob.core.chinacloudapi.cn:443");
}

static void parse_bad(const char *url, const char *want) {
    struct storage_location loc;
    char err[512] = "";
    if (storage_location_parse(url, NULL, &loc, err, sizeof err) == 0) {
        print_error("%s: accepted\n", url ? url : "(null)");
        fail();
    }
    assert_contains(err, want);
    assert_null(strchr(err, '\n'));
}

static void test_bad_urls(void **state) {
    (void)state;
    parse_bad(NULL, "no URL");
    parse_bad("", "no URL");
    parse_bad("s3://bucket/x", "unknown scheme");
    parse_bad("file://relative/path", "absolute folder");
    parse_bad("file:///tmp/a%2", "percent-escape");
    parse_bad("file:///tmp/a%00b", "percent-escape");
    parse_bad("http://127.0.0.1:10000/devstoreaccount1", "expected http(s)://host:port/<account>/<container>");
    parse_bad("http://127.0.0.1:10000/devstoreaccount1/lake/extra", "<account>/<container>");
    parse_bad("http://127.0.0.1:10000/devstoreaccount1//lake", "<account>/<container>");
    parse_bad("http://127.0.0.1:99999x/devstoreaccount1/lake", "bad port");
    parse_bad("http://127.0.0.1:/devstoreaccount1/lake", "bad port");
    parse_bad("http:///devstoreaccount1/lake", "no host");
    parse_bad("http://127.0.0.1:10000/Dev/lake", "not an Azure account name");
    parse_bad("http://127.0.0.1:10000/devstoreaccount1/La", "not a container name");
    parse_bad("http://127.0.0.1:10000/devstoreaccount1/a--b", "not a container name");
    parse_bad("http://127.0.0.1:10000/devstoreaccount1/-ab", "not a container name");
    parse_bad("https://myacct.blob.core.windows.net/", "<account>.blob.<suffix>/<container>");
    parse_bad("https://myacct.blob.core.windows.net/lake/sub", "<account>.blob.<suffix>/<container>");
    parse_bad("http://[::1:10000/devstoreaccount1/lake", "IPv6");
    parse_bad("https://user:pw@myacct.blob.core.windows.net/lake", "credentials do not go in the URL");
}

/* A pasted SAS URL is refused without repeating the token. */
static void test_sas_in_url(void **state) {
    (void)state;
    struct storage_location loc;
    char err[512];
    assert_int_equal(storage_location_parse("https://myacct.blob.core.windows.net/lake?sv=2021&sp=rl&sig=SECRETSIG",
                                            NULL, &loc, err, sizeof err),
                     -1);
    assert_contains(err, "query string");
    assert_contains(err, "https://myacct.blob.core.windows.net/lake");
    assert_not_contains(err, "SECRETSIG");
    assert_not_contains(err, "sp=rl");
    assert_int_equal(storage_location_parse("file:///tmp/x?sig=SECRETSIG", NULL, &loc, err, sizeof err), -1);
    assert_not_contains(err, "SECRETSIG");
}

static void name_ok(const char *name) {
    char why[256] = "";
    if (storage_name_check(name, why, sizeof why) != 0) {
        print_error("'%s' refused: %s\n", name, why);
        fail();
    }
}

static void name_bad(const char *name, const char *want) {
    char why[256] = "";
    if (storage_name_check(name, why, sizeof why) == 0) {
        print_error("'%s' accepted\n", name ? name : "(null)");
        fail();
    }
    assert_contains(why, want);
}

static void test_names(void **state) {
    (void)state;
    name_ok("topics/dc01_orders/partition=0/dc01_orders+0+0000000000.json");
    name_ok("a b/c%d+e/\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80.txt");
    name_ok("x");
    name_ok(".hidden/..x/x..");
    name_bad(NULL, "empty");
    name_bad("", "empty");
    name_bad("/abs", "starts with '/'");
    name_bad("dir/", "ends with '/'");
    name_bad("a//b", "empty segment");
    name_bad("a/./b", "'.' segment");
    name_bad("../b", "'..' segment");
    name_bad("a/..", "'..' segment");
    name_bad("a\nb", "control character");
    name_bad("a\x7f", "control character");
    name_bad("a\xc3", "not UTF-8");
    name_bad("a\xc0\xaf", "not UTF-8");         /* overlong '/' */
    name_bad("a\xed\xa0\x80", "not UTF-8");     /* a surrogate */
    name_bad("a\xf4\x90\x80\x80", "not UTF-8"); /* past U+10FFFF */
    char longname[1100];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    name_bad(longname, "longer than 1024");
}

static int meta_check(size_t n, const char *const *names, const char *const *values, char *why, size_t len) {
    struct storage_meta m = {n, names, values};
    return storage_meta_check(&m, why, len);
}

static void test_metadata(void **state) {
    (void)state;
    char why[256];
    const char *names[] = {"start_offset", "Records", "_x9"};
    const char *values[] = {"42", "a value with spaces and = and ; and %2F", "~"};
    assert_int_equal(meta_check(3, names, values, why, sizeof why), 0);
    assert_int_equal(storage_meta_check(NULL, why, sizeof why), 0);
    static const struct {
        const char *name, *value, *want;
    } bad[] = {
        {"9lives", "x", "not an identifier"},
        {"a-b", "x", "not an identifier"},
        {"", "x", "not an identifier"},
        {"a", "", "empty"},
        {"a", " x", "starts or ends with"},
        {"a", "x ", "starts or ends with"},
        {"a", "x\ny", "0x0a"},
        {"a", "\xc3\xbc", "0xc3"},
        {"a", "x  y", "two spaces"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        if (meta_check(1, &bad[i].name, &bad[i].value, why, sizeof why) == 0) {
            print_error("case %zu accepted\n", i);
            fail();
        }
        assert_contains(why, bad[i].want);
    }
    const char *twice[] = {"Offset", "offset"};
    const char *vals[] = {"1", "2"};
    assert_int_equal(meta_check(2, twice, vals, why, sizeof why), -1);
    assert_contains(why, "given twice");
    static char big[9000];
    memset(big, 'v', sizeof big - 1);
    const char *bn[] = {"big"}, *bv[] = {big};
    assert_int_equal(meta_check(1, bn, bv, why, sizeof why), -1);
    assert_contains(why, "more than Azure's 8192");
}

static void test_status_names(void **state) {
    (void)state;
    assert_string_equal(storage_status_name(STORAGE_OK), "ok");
    assert_string_equal(storage_status_name(STORAGE_NOT_FOUND), "not_found");
    assert_string_equal(storage_status_name(STORAGE_EXISTS), "exists");
    assert_string_equal(storage_status_name(STORAGE_DENIED), "denied");
    assert_string_equal(storage_status_name(STORAGE_UNAVAILABLE), "unavailable");
    assert_string_equal(storage_status_name(STORAGE_INVALID), "invalid");
    assert_string_equal(storage_status_name((enum storage_status)99), "unknown");
}

/* storage_open refuses a bad URL with STORAGE_INVALID and no store. */
static void test_open_bad_url(void **state) {
    (void)state;
    struct storage_options opt = {.url = "ftp://x/y"};
    struct storage *s = (struct storage *)&opt;
    char err[512];
    assert_int_equal(storage_open(&opt, &s, err, sizeof err), STORAGE_INVALID);
    assert_null(s);
    assert_contains(err, "unknown scheme");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_urls), cmocka_unit_test(test_azurite_urls), cmocka_unit_test(test_account_urls),
        cmocka_unit_test(test_bad_urls),  cmocka_unit_test(test_sas_in_url),   cmocka_unit_test(test_names),
        cmocka_unit_test(test_metadata),  cmocka_unit_test(test_status_names), cmocka_unit_test(test_open_bad_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
