/* Unit tests for common/storage_local.c through storage.h: puts that
 * commit whole files, create-only puts (against racing writers too),
 * metadata kept in side records and hidden from listings, listings in name
 * order with and without a delimiter, ranges, refused names. */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "assert_text.h"

#include "storage.h"

static char root[128];
static char url[256];
static int case_no;

/* A fresh lake folder per test: root/N, opened (and created) as the store. */
static int setup(void **state) {
    char folder[200];
    snprintf(folder, sizeof folder, "%s/t%d/lake", root, ++case_no);
    snprintf(url, sizeof url, "file://%s", folder);
    struct storage_options opt = {.url = url, .create_container = 1};
    char err[512];
    struct storage *s;
    if (storage_open(&opt, &s, err, sizeof err) != STORAGE_OK) {
        fprintf(stderr, "open %s: %s\n", url, err);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state) {
    storage_close(*state);
    return 0;
}

static int group_setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/test_storage_local.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd);
}

static const char *folder(void) { return url + strlen("file://"); }

static void put(struct storage *s, const char *name, const char *data, const struct storage_meta *meta, int flags,
                enum storage_status want) {
    char err[1024] = "";
    enum storage_status st = storage_put(s, name, data, strlen(data), "text/plain", meta, flags, err, sizeof err);
    if (st != want) {
        print_error("put %s: %s, expected %s: %s\n", name, storage_status_name(st), storage_status_name(want), err);
        fail();
    }
}

static char *get(struct storage *s, const char *name, long long offset, long long length, size_t *len) {
    char err[1024] = "", *data = NULL;
    size_t n = 0;
    enum storage_status st = storage_get(s, name, offset, length, &data, &n, err, sizeof err);
    if (st != STORAGE_OK) {
        print_error("get %s: %s: %s\n", name, storage_status_name(st), err);
        fail();
    }
    assert_int_equal(data[n], '\0');
    if (len)
        *len = n;
    return data;
}

/* Listing lines: "name size k=v,k=v" or "name/ -". */
struct listing {
    char text[16384];
    int count, stop_after;
};

static int collect(const struct storage_entry *e, void *ctx) {
    struct listing *l = ctx;
    size_t o = strlen(l->text);
    if (e->is_prefix) {
        assert_int_equal(e->size, -1);
        assert_int_equal(e->meta.count, 0);
        snprintf(l->text + o, sizeof l->text - o, "%s -\n", e->name);
    } else {
        o += (size_t)snprintf(l->text + o, sizeof l->text - o, "%s %lld", e->name, e->size);
        for (size_t i = 0; i < e->meta.count; i++)
            o += (size_t)snprintf(l->text + o, sizeof l->text - o, "%c%s=%s", i ? ',' : ' ', e->meta.names[i],
                                  e->meta.values[i]);
        snprintf(l->text + o, sizeof l->text - o, "\n");
    }
    l->count++;
    return l->stop_after && l->count >= l->stop_after;
}

static const char *list(struct storage *s, struct listing *l, const char *prefix, const char *delimiter, int metadata) {
    memset(l, 0, sizeof *l);
    char err[1024] = "";
    enum storage_status st = storage_list(s, prefix, delimiter, metadata, collect, l, err, sizeof err);
    if (st != STORAGE_OK) {
        print_error("list '%s': %s: %s\n", prefix ? prefix : "", storage_status_name(st), err);
        fail();
    }
    return l->text;
}

/* The names in a folder that start with '.' (the store's own files). */
static int dot_files(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_open_missing_folder(void **state) {
    (void)state;
    char u[256], err[512];
    snprintf(u, sizeof u, "file://%s/missing/lake", root);
    struct storage_options opt = {.url = u};
    struct storage *s = NULL;
    assert_int_equal(storage_open(&opt, &s, err, sizeof err), STORAGE_NOT_FOUND);
    assert_null(s);
    assert_contains(err, "missing/lake does not exist");
    assert_contains(err, "sink.create.container=true");
    opt.create_container = 1;
    assert_int_equal(storage_open(&opt, &s, err, sizeof err), STORAGE_OK);
    assert_contains(storage_describe(s), "local folder /");
    assert_contains(storage_describe(s), "/missing/lake");
    storage_close(s);
    /* a file where the folder should be */
    snprintf(u, sizeof u, "file://%s/missing/lake/../notdir", root);
    FILE *f = fopen(u + 7, "w");
    assert_non_null(f);
    fclose(f);
    opt.create_container = 0;
    assert_int_equal(storage_open(&opt, &s, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "notdir");
}

static void test_put_get(void **state) {
    struct storage *s = *state;
    put(s, "topics/t/partition=0/t+0+0000000000.json", "{\"a\":1}\n", NULL, 0, STORAGE_OK);
    char *data = get(s, "topics/t/partition=0/t+0+0000000000.json", 0, -1, NULL);
    assert_string_equal(data, "{\"a\":1}\n");
    free(data);
    /* on disk under its name, no temporary file left */
    char path[512];
    snprintf(path, sizeof path, "%s/topics/t/partition=0/t+0+0000000000.json", folder());
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 8);
    snprintf(path, sizeof path, "%s/topics/t/partition=0", folder());
    assert_int_equal(dot_files(path), 0);
    /* a plain put replaces */
    put(s, "topics/t/partition=0/t+0+0000000000.json", "second", NULL, 0, STORAGE_OK);
    data = get(s, "topics/t/partition=0/t+0+0000000000.json", 0, -1, NULL);
    assert_string_equal(data, "second");
    free(data);
    /* empty and binary files */
    char err[512];
    assert_int_equal(storage_put(s, "empty", "", 0, NULL, NULL, 0, err, sizeof err), STORAGE_OK);
    size_t n = 99;
    data = get(s, "empty", 0, -1, &n);
    assert_int_equal(n, 0);
    free(data);
    size_t big = 3u << 20;
    char *bytes = malloc(big);
    for (size_t i = 0; i < big; i++)
        bytes[i] = (char)(i * 7 + i / 251);
    assert_int_equal(storage_put(s, "big.bin", bytes, big, NULL, NULL, 0, err, sizeof err), STORAGE_OK);
    data = get(s, "big.bin", 0, -1, &n);
    assert_int_equal(n, big);
    assert_memory_equal(data, bytes, big);
    free(data);
    free(bytes);
}

static void test_unusual_names(void **state) {
    struct storage *s = *state;
    const char *names[] = {"a b/c d.txt",
                           "pct%41/x%2Fy",
                           "plus+/a+b",
                           "\xc3\xbcnic\xc3\xb6"
                           "de/\xe2\x82\xac.txt",
                           "x..y/z.",
                           "=&?#;,"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        put(s, names[i], names[i], NULL, 0, STORAGE_OK);
        char *data = get(s, names[i], 0, -1, NULL);
        assert_string_equal(data, names[i]);
        free(data);
    }
    struct listing l;
    assert_string_equal(list(s, &l, "", NULL, 0), "=&?#;, 6\na b/c d.txt 11\npct%41/x%2Fy 12\nplus+/a+b 9\nx..y/z. 7\n"
                                                  "\xc3\xbcnic\xc3\xb6"
                                                  "de/\xe2\x82\xac.txt 17\n");
}

static void test_if_absent(void **state) {
    struct storage *s = *state;
    const char *names[] = {"offset_start", "records"}, *v1[] = {"0", "10"}, *v2[] = {"0", "99"};
    struct storage_meta m1 = {2, names, v1}, m2 = {2, names, v2};
    put(s, "p/f.json", "first", &m1, STORAGE_PUT_IF_ABSENT, STORAGE_OK);
    char err[512];
    assert_int_equal(storage_put(s, "p/f.json", "other", 5, NULL, &m2, STORAGE_PUT_IF_ABSENT, err, sizeof err),
                     STORAGE_EXISTS);
    assert_contains(err, "p/f.json");
    assert_contains(err, "taken");
    char *data = get(s, "p/f.json", 0, -1, NULL);
    assert_string_equal(data, "first");
    free(data);
    struct listing l;
    assert_string_equal(list(s, &l, "p/", NULL, 1), "p/f.json 5 offset_start=0,records=10\n");
    char path[512];
    snprintf(path, sizeof path, "%s/p", folder());
    assert_int_equal(dot_files(path), 1); /* the side record, nothing else */
}

struct racer {
    struct storage *s;
    pthread_barrier_t *go;
    const char *name;
    char data[32];
    enum storage_status st;
};

static void *race(void *arg) {
    struct racer *r = arg;
    const char *names[] = {"writer"}, *values[] = {r->data};
    struct storage_meta meta = {1, names, values};
    char err[512];
    pthread_barrier_wait(r->go);
    r->st = storage_put(r->s, r->name, r->data, strlen(r->data), NULL, &meta, STORAGE_PUT_IF_ABSENT, err, sizeof err);
    return NULL;
}

static int head_collect(const struct storage_entry *e, void *ctx) {
    struct listing *l = ctx;
    l->count = 0;
    l->text[0] = '\0';
    collect(e, l);
    return 0;
}

/* Writers of one name, each with its own client, start together: exactly
 * one wins, and the file and its metadata are the winner's. */
static void test_if_absent_race(void **state) {
    (void)state;
    enum { WRITERS = 6, ROUNDS = 25 };
    struct storage *clients[WRITERS];
    struct storage_options opt = {.url = url};
    char err[512];
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(storage_open(&opt, &clients[i], err, sizeof err), STORAGE_OK);
    for (int round = 0; round < ROUNDS; round++) {
        char name[64];
        snprintf(name, sizeof name, "race/r%d/f.json", round);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, WRITERS);
        struct racer r[WRITERS];
        pthread_t t[WRITERS];
        for (int i = 0; i < WRITERS; i++) {
            r[i] = (struct racer){clients[i], &go, name, "", STORAGE_INVALID};
            snprintf(r[i].data, sizeof r[i].data, "writer-%d", i);
            assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
        }
        int wins = 0, winner = -1;
        for (int i = 0; i < WRITERS; i++) {
            pthread_join(t[i], NULL);
            if (r[i].st == STORAGE_OK) {
                wins++;
                winner = i;
            } else {
                assert_int_equal(r[i].st, STORAGE_EXISTS);
            }
        }
        pthread_barrier_destroy(&go);
        assert_int_equal(wins, 1);
        char *data = get(clients[0], name, 0, -1, NULL);
        assert_string_equal(data, r[winner].data);
        free(data);
        struct listing l = {0};
        assert_int_equal(storage_head(clients[0], name, head_collect, &l, err, sizeof err), STORAGE_OK);
        char want[512];
        snprintf(want, sizeof want, "%s %zu writer=%s\n", name, strlen(r[winner].data), r[winner].data);
        assert_string_equal(l.text, want);
    }
    for (int i = 0; i < WRITERS; i++)
        storage_close(clients[i]);
}

static void test_metadata(void **state) {
    struct storage *s = *state;
    const char *names[] = {"start_offset", "Format"}, *values[] = {"0000000042", "jsonl; v=1"};
    struct storage_meta meta = {2, names, values};
    put(s, "m/a", "aaa", &meta, 0, STORAGE_OK);
    put(s, "m/b", "bb", NULL, 0, STORAGE_OK);
    struct listing l = {0};
    char err[512];
    assert_int_equal(storage_head(s, "m/a", head_collect, &l, err, sizeof err), STORAGE_OK);
    assert_string_equal(l.text, "m/a 3 start_offset=0000000042,Format=jsonl; v=1\n");
    assert_string_equal(list(s, &l, "m/", NULL, 1), "m/a 3 start_offset=0000000042,Format=jsonl; v=1\nm/b 2\n");
    assert_string_equal(list(s, &l, "m/", NULL, 0), "m/a 3\nm/b 2\n");
    /* a put without metadata leaves none of the old */
    put(s, "m/a", "new", NULL, 0, STORAGE_OK);
    assert_string_equal(list(s, &l, "m/", NULL, 1), "m/a 3\nm/b 2\n");
    /* the side record is hidden, and goes with its file */
    put(s, "m/a", "new", &meta, 0, STORAGE_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/m", folder());
    assert_int_equal(dot_files(path), 1);
    assert_int_equal(storage_delete(s, "m/a", err, sizeof err), STORAGE_OK);
    assert_int_equal(dot_files(path), 0);
    /* refused metadata */
    const char *bad[] = {"not-an-id"};
    struct storage_meta m2 = {1, bad, values};
    assert_int_equal(storage_put(s, "m/c", "x", 1, NULL, &m2, 0, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "not-an-id");
    assert_int_equal(storage_put(s, "m/c", "x", 1, "text/\xc3\xbc", NULL, 0, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "content type");
}

static void test_list(void **state) {
    struct storage *s = *state;
    /* put in an order unlike the name order */
    const char *names[] = {"b/2", "a/y/1", "a-c", "a/x", "a/y/0", "ab", "c", "a/z/q/r"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        put(s, names[i], "1", NULL, 0, STORAGE_OK);
    /* what the store keeps for itself, and what is not a file, is not listed */
    char path[512];
    snprintf(path, sizeof path, "%s/a/.tmp.1.2", folder());
    FILE *f = fopen(path, "w");
    fclose(f);
    snprintf(path, sizeof path, "%s/.hidden", folder());
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/.hidden/f", folder());
    f = fopen(path, "w");
    fclose(f);
    snprintf(path, sizeof path, "%s/emptydir", folder());
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/link", folder());
    assert_int_equal(symlink("c", path), 0);

    struct listing l;
    assert_string_equal(list(s, &l, NULL, NULL, 0), "a-c 1\na/x 1\na/y/0 1\na/y/1 1\na/z/q/r 1\nab 1\nb/2 1\nc 1\n");
    assert_string_equal(list(s, &l, "", "/", 0), "a-c 1\na/ -\nab 1\nb/ -\nc 1\n");
    assert_string_equal(list(s, &l, "a/", "/", 0), "a/x 1\na/y/ -\na/z/ -\n");
    assert_string_equal(list(s, &l, "a/", NULL, 0), "a/x 1\na/y/0 1\na/y/1 1\na/z/q/r 1\n");
    assert_string_equal(list(s, &l, "a", "/", 0), "a-c 1\na/ -\nab 1\n");
    assert_string_equal(list(s, &l, "a/y", NULL, 0), "a/y/0 1\na/y/1 1\n");
    assert_string_equal(list(s, &l, "a/y/", "/", 0), "a/y/0 1\na/y/1 1\n");
    assert_string_equal(list(s, &l, "a/z/", "/", 0), "a/z/q/ -\n");
    /* a delimiter of more than one character, and not '/' */
    assert_string_equal(list(s, &l, "a", "y/", 0), "a-c 1\na/x 1\na/y/ -\na/z/q/r 1\nab 1\n");
    assert_string_equal(list(s, &l, "", "-", 0), "a- -\na/x 1\na/y/0 1\na/y/1 1\na/z/q/r 1\nab 1\nb/2 1\nc 1\n");
    /* nothing there */
    assert_string_equal(list(s, &l, "zzz", NULL, 0), "");
    assert_string_equal(list(s, &l, "nope/deeper/", "/", 0), "");
    assert_string_equal(list(s, &l, "../", NULL, 0), "");
    assert_string_equal(list(s, &l, ".hidden/", NULL, 0), "");
    /* the callback stops it */
    memset(&l, 0, sizeof l);
    l.stop_after = 2;
    char err[512];
    assert_int_equal(storage_list(s, "", NULL, 0, collect, &l, err, sizeof err), STORAGE_OK);
    assert_string_equal(l.text, "a-c 1\na/x 1\n");
    /* refused prefixes and delimiters */
    assert_int_equal(storage_list(s, "/a", NULL, 0, collect, &l, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "starts with '/'");
    assert_int_equal(storage_list(s, "a", "", 0, collect, &l, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "delimiter");
}

static void test_ranges(void **state) {
    struct storage *s = *state;
    put(s, "r", "0123456789", NULL, 0, STORAGE_OK);
    size_t n;
    char *d = get(s, "r", 3, 4, &n);
    assert_string_equal(d, "3456");
    free(d);
    d = get(s, "r", 7, -1, &n);
    assert_string_equal(d, "789");
    free(d);
    d = get(s, "r", 8, 100, &n);
    assert_string_equal(d, "89");
    free(d);
    d = get(s, "r", 0, 0, &n);
    assert_int_equal(n, 0);
    free(d);
    char err[512], *data = (char *)"untouched";
    assert_int_equal(storage_get(s, "r", 10, -1, &data, &n, err, sizeof err), STORAGE_INVALID);
    assert_null(data);
    assert_contains(err, "past the end");
    assert_int_equal(storage_get(s, "r", -1, 2, &data, &n, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "negative offset");
}

static void test_not_found(void **state) {
    struct storage *s = *state;
    char err[512], *data;
    size_t n;
    put(s, "dir/file", "x", NULL, 0, STORAGE_OK);
    assert_int_equal(storage_get(s, "nope", 0, -1, &data, &n, err, sizeof err), STORAGE_NOT_FOUND);
    assert_contains(err, "get nope: no such file");
    assert_int_equal(storage_get(s, "dir", 0, -1, &data, &n, err, sizeof err), STORAGE_NOT_FOUND);
    assert_int_equal(storage_get(s, "dir/file/x", 0, -1, &data, &n, err, sizeof err), STORAGE_NOT_FOUND);
    struct listing l;
    assert_int_equal(storage_head(s, "dir", head_collect, &l, err, sizeof err), STORAGE_NOT_FOUND);
    assert_int_equal(storage_head(s, "nope/x", head_collect, &l, err, sizeof err), STORAGE_NOT_FOUND);
    assert_int_equal(storage_delete(s, "nope", err, sizeof err), STORAGE_NOT_FOUND);
    assert_int_equal(storage_delete(s, "nope/deeper", err, sizeof err), STORAGE_NOT_FOUND);
    assert_int_equal(storage_delete(s, "dir", err, sizeof err), STORAGE_NOT_FOUND);
    assert_int_equal(storage_delete(s, "dir/file", err, sizeof err), STORAGE_OK);
    assert_int_equal(storage_delete(s, "dir/file", err, sizeof err), STORAGE_NOT_FOUND);
    assert_int_equal(storage_get(s, "dir/file", 0, -1, &data, &n, err, sizeof err), STORAGE_NOT_FOUND);
}

/* "a" and "a/b" can both be blobs, not both files: refused, and said. */
static void test_file_folder_clash(void **state) {
    struct storage *s = *state;
    put(s, "a/b", "x", NULL, 0, STORAGE_OK);
    char err[512];
    assert_int_equal(storage_put(s, "a", "y", 1, NULL, NULL, 0, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "a file and a folder cannot have one name");
    assert_int_equal(storage_put(s, "a/b/c", "y", 1, NULL, NULL, 0, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "a file and a folder cannot have one name");
    assert_int_equal(storage_put(s, "a", "y", 1, NULL, NULL, STORAGE_PUT_IF_ABSENT, err, sizeof err), STORAGE_EXISTS);
    struct listing l;
    assert_string_equal(list(s, &l, "", NULL, 0), "a/b 1\n");
}

static void test_invalid_names(void **state) {
    struct storage *s = *state;
    static const struct {
        const char *name, *want;
    } bad[] = {
        {"../escape", "'..' segment"},
        {"/abs", "starts with '/'"},
        {"a//b", "empty segment"},
        {"a/./b", "'.' segment"},
        {".meta", "starts with '.'"},
        {"a/.b/c", "starts with '.'"},
        {"", "empty"},
        {"dir/", "ends with '/'"},
        {"a\tb", "control character"},
    };
    char err[512], *data;
    size_t n;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(storage_put(s, bad[i].name, "x", 1, NULL, NULL, 0, err, sizeof err), STORAGE_INVALID);
        assert_contains(err, bad[i].want);
        assert_int_equal(storage_get(s, bad[i].name, 0, -1, &data, &n, err, sizeof err), STORAGE_INVALID);
        assert_int_equal(storage_delete(s, bad[i].name, err, sizeof err), STORAGE_INVALID);
    }
    /* nothing was written outside the folder */
    char path[512];
    snprintf(path, sizeof path, "%s/../escape", folder());
    assert_int_equal(access(path, F_OK), -1);
    char seg[300];
    memset(seg, 'x', sizeof seg - 1);
    seg[sizeof seg - 1] = '\0';
    assert_int_equal(storage_put(s, seg, "x", 1, NULL, NULL, 0, err, sizeof err), STORAGE_INVALID);
    assert_contains(err, "longer than");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_missing_folder),
        cmocka_unit_test_setup_teardown(test_put_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unusual_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_absent_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metadata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_folder_clash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_names, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
