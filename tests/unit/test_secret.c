/* Unit tests for common/secret.c: a secret is the first line of a file,
 * without its line end; every other shape of file is an error that names
 * the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "assert_text.h"

#include "secret.h"

static char tmpdir[64];
static char paths[64][256];
static int npaths;

/* Writes len bytes to tmpdir/name and returns its path (kept for teardown). */
static const char *write_tmp_bytes(const char *name, const char *content, size_t len) {
    assert_true(npaths < 64);
    char *path = paths[npaths++];
    snprintf(path, sizeof paths[0], "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *write_tmp(const char *name, const char *content) {
    return write_tmp_bytes(name, content, strlen(content));
}

static int group_setup(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_secret.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    for (int i = 0; i < npaths; i++)
        unlink(paths[i]);
    return rmdir(tmpdir);
}

/* Reads path into a fresh buffer of len bytes; checks the untouched tail. */
static int read_secret(const char *path, char *secret, size_t len, char *err, size_t errlen) {
    memset(secret, '#', len);
    err[0] = '\0';
    return secret_read_file(path, secret, len, err, errlen);
}

static void test_first_line_only(void **state) {
    (void)state;
    char secret[64], err[512];
    const char *path = write_tmp("two-lines", "hunter2\nsecond line\nthird\n");
    assert_int_equal(read_secret(path, secret, sizeof secret, err, sizeof err), 0);
    assert_string_equal(secret, "hunter2");
}

static void test_line_ends_stripped(void **state) {
    (void)state;
    static const struct {
        const char *content;
        const char *secret;
    } cases[] = {
        {"lf\n", "lf"},
        {"crlf\r\n", "crlf"},
        {"no-newline", "no-newline"},
        {"crlf-then-more\r\nnext\r\n", "crlf-then-more"},
        {"cr-only\r", "cr-only"},
        {"  spaces kept\t \n", "  spaces kept\t "},
        {"p@ss=w0rd#!\n", "p@ss=w0rd#!"},
        {"x\n", "x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32], secret[64], err[512];
        snprintf(name, sizeof name, "ends%zu", i);
        const char *path = write_tmp(name, cases[i].content);
        if (read_secret(path, secret, sizeof secret, err, sizeof err) != 0) {
            print_error("case %zu: %s\n", i, err);
            fail();
        }
        assert_string_equal(secret, cases[i].secret);
    }
}

static void test_empty_file(void **state) {
    (void)state;
    char secret[64], err[512];
    const char *path = write_tmp("empty", "");
    assert_int_equal(read_secret(path, secret, sizeof secret, err, sizeof err), -1);
    assert_contains(err, path);
    assert_contains(err, "empty");
    assert_null(strchr(err, '\n'));
    /* Nothing was written to the secret. */
    assert_int_equal(secret[0], '#');
}

static void test_empty_first_line(void **state) {
    (void)state;
    static const char *const contents[] = {"\n", "\r\n", "\nsecret-on-line-2\n", "\r\nsecret\r\n", "\r"};
    for (size_t i = 0; i < sizeof contents / sizeof contents[0]; i++) {
        char name[32], secret[64], err[512];
        snprintf(name, sizeof name, "blank%zu", i);
        const char *path = write_tmp(name, contents[i]);
        assert_int_equal(read_secret(path, secret, sizeof secret, err, sizeof err), -1);
        assert_contains(err, path);
        assert_contains(err, "first line is empty");
        assert_int_equal(secret[0], '#');
    }
}

static void test_missing_file(void **state) {
    (void)state;
    char secret[64], err[512];
    char path[300];
    snprintf(path, sizeof path, "%s/no-such-secret", tmpdir);
    assert_int_equal(read_secret(path, secret, sizeof secret, err, sizeof err), -1);
    assert_contains(err, path);
    assert_contains(err, "No such file or directory");
    assert_null(strchr(err, '\n'));
    assert_int_equal(secret[0], '#');
}

static void test_directory(void **state) {
    (void)state;
    char secret[64], err[512];
    assert_int_equal(read_secret(tmpdir, secret, sizeof secret, err, sizeof err), -1);
    assert_contains(err, tmpdir);
    assert_int_equal(secret[0], '#');
}

static void test_unreadable(void **state) {
    (void)state;
    const char *path = write_tmp("unreadable", "s3cret\n");
    assert_int_equal(chmod(path, 0), 0);
    /* In a child, so that root can drop to "nobody" (root reads anything). */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && setuid(65534) != 0)
            _exit(2);
        char secret[64], err[512];
        int rc = read_secret(path, secret, sizeof secret, err, sizeof err);
        _exit(rc == -1 && strstr(err, path) && strstr(err, "Permission denied") && secret[0] == '#' ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_too_long_for_buffer(void **state) {
    (void)state;
    char secret[16], err[512];
    const char *seven = write_tmp("seven", "1234567\n");
    const char *eight = write_tmp("eight", "12345678\r\n");
    /* 7 bytes and the NUL fit in 8, and nothing is written beyond. */
    memset(secret, '#', sizeof secret);
    assert_int_equal(secret_read_file(seven, secret, 8, err, sizeof err), 0);
    assert_string_equal(secret, "1234567");
    assert_int_equal(secret[8], '#');
    /* 8 bytes do not. */
    memset(secret, '#', sizeof secret);
    assert_int_equal(secret_read_file(eight, secret, 8, err, sizeof err), -1);
    assert_contains(err, eight);
    assert_contains(err, "longer than 7 bytes");
    for (size_t i = 0; i < sizeof secret; i++)
        assert_int_equal(secret[i], '#');
    /* The smallest buffer holds only the NUL: nothing fits. */
    assert_int_equal(read_secret(seven, secret, 1, err, sizeof err), -1);
    assert_contains(err, "longer than 0 bytes");
    assert_int_equal(secret[0], '#');
}

static void test_long_secret_that_fits(void **state) {
    (void)state;
    /* Up to the module's own line buffer (1024 bytes with the NUL). */
    char content[1100], secret[2048], err[512];
    memset(content, 'k', 1023);
    strcpy(content + 1023, "\n");
    const char *path = write_tmp("long-1023", content);
    assert_int_equal(read_secret(path, secret, sizeof secret, err, sizeof err), 0);
    assert_int_equal(strlen(secret), 1023);
    assert_int_equal(read_secret(path, secret, 1024, err, sizeof err), 0);
    assert_int_equal(strlen(secret), 1023);
    assert_int_equal(read_secret(path, secret, 1023, err, sizeof err), -1);
    assert_contains(err, "longer than 1022 bytes");
}

static void test_small_error_buffer(void **state) {
    (void)state;
    char secret[64], err[8];
    char path[300];
    snprintf(path, sizeof path, "%s/no-such-secret", tmpdir);
    memset(err, 'Z', sizeof err);
    memset(secret, '#', sizeof secret);
    assert_int_equal(secret_read_file(path, secret, sizeof secret, err, 4), -1);
    assert_int_equal(strlen(err), 3);
    assert_int_equal(err[4], 'Z');
}

static void test_repeatable(void **state) {
    (void)state;
    /* The file is closed each time: many reads do not run out of streams. */
    const char *path = write_tmp("repeat", "again\n");
    for (int i = 0; i < 2000; i++) {
        char secret[16], err[256];
        assert_int_equal(secret_read_file(path, secret, sizeof secret, err, sizeof err), 0);
        assert_string_equal(secret, "again");
    }
}

/* A named file wins over the variable; the variable serves when no file is named. */
static void test_file_or_env(void **state) {
    (void)state;
    const char *path = write_tmp("key", "from-file\n");
    char secret[16], err[256];
    enum secret_source source;
    setenv("BRIDGELAB_TEST_SECRET", "from-env", 1);
    assert_int_equal(
        secret_read_file_or_env(path, "BRIDGELAB_TEST_SECRET", secret, sizeof secret, &source, err, sizeof err), 0);
    assert_string_equal(secret, "from-file");
    assert_int_equal(source, SECRET_FILE);
    assert_int_equal(
        secret_read_file_or_env("", "BRIDGELAB_TEST_SECRET", secret, sizeof secret, &source, err, sizeof err), 0);
    assert_string_equal(secret, "from-env");
    assert_int_equal(source, SECRET_ENV);
    setenv("BRIDGELAB_TEST_SECRET", "much too long for sixteen bytes", 1);
    assert_int_equal(
        secret_read_file_or_env(NULL, "BRIDGELAB_TEST_SECRET", secret, sizeof secret, &source, err, sizeof err), -1);
    assert_string_equal(err, "$BRIDGELAB_TEST_SECRET is too long to be a credential: check it");
    unsetenv("BRIDGELAB_TEST_SECRET");
    assert_int_equal(
        secret_read_file_or_env(NULL, "BRIDGELAB_TEST_SECRET", secret, sizeof secret, &source, err, sizeof err), 0);
    assert_string_equal(secret, "");
    assert_int_equal(source, SECRET_NONE);
    assert_int_equal(secret_read_file_or_env(write_tmp("empty-key", ""), "BRIDGELAB_TEST_SECRET", secret, sizeof secret,
                                             &source, err, sizeof err),
                     -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_or_env),         cmocka_unit_test(test_first_line_only),
        cmocka_unit_test(test_line_ends_stripped),  cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_empty_first_line),    cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory),           cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_too_long_for_buffer), cmocka_unit_test(test_long_secret_that_fits),
        cmocka_unit_test(test_small_error_buffer),  cmocka_unit_test(test_repeatable),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
