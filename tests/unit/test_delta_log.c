/* Unit tests for bridge/sink/delta_log.c on a local lake folder: commits
 * with the partitions' positions, the positions read back by a fresh
 * reader, two writers that never take one version, a flush the log holds
 * already, columns a DDL adds, and the log as the `deltalake` package (the
 * test venv's, when there) reads it. */
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

#include "sink/delta_log.h"

#define VENV_PYTHON ".deps/venv/bin/python3"

static char root[128];
static char folder[200];
static int case_no;

static struct row_column first_columns[] = {
    {.name = "id", .type = ROW_INT32},
    {.name = "price", .type = ROW_DECIMAL, .precision = 10, .scale = 2, .nullable = 1},
    {.name = "placed", .type = ROW_TIMESTAMP, .nullable = 1},
};
static struct row_schema first_schema = {3, first_columns, "first"};
static struct row_column altered_columns[] = {
    {.name = "id", .type = ROW_INT32},
    {.name = "price", .type = ROW_DECIMAL, .precision = 10, .scale = 2, .nullable = 1},
    {.name = "placed", .type = ROW_TIMESTAMP, .nullable = 1},
    {.name = "note", .type = ROW_STRING, .nullable = 1},
};
static struct row_schema altered_schema = {4, altered_columns, "altered"};

static struct storage *open_lake(void) {
    char url[256], err[512];
    snprintf(url, sizeof url, "file://%s", folder);
    struct storage_options opt = {.url = url, .create_container = 1};
    struct storage *s = NULL;
    if (storage_open(&opt, &s, err, sizeof err) != STORAGE_OK)
        fail_msg("open %s: %s", url, err);
    return s;
}

static int setup(void **state) {
    snprintf(folder, sizeof folder, "%s/t%d", root, ++case_no);
    *state = open_lake();
    return 0;
}

static int teardown(void **state) {
    storage_close(*state);
    return 0;
}

static enum delta_commit commit(struct delta_log *d, int32_t partition, int64_t end, const char *file,
                                const struct row_schema *schema) {
    struct delta_file f = {file, 1234, 10, schema};
    enum storage_status st;
    char err[512] = "";
    enum delta_commit rc = delta_log_commit(d, "dc01_orders", partition, end, &f, 1, &st, err, sizeof err);
    if (rc == DELTA_FAILED)
        print_error("commit: %s\n", err);
    return rc;
}

static int64_t position(struct delta_log *d, int32_t partition) {
    int64_t end = -2;
    char err[512];
    assert_int_equal(delta_log_position(d, "dc01_orders", partition, &end, err, sizeof err), STORAGE_OK);
    return end;
}

static char *read_commit(int version) {
    char path[400];
    snprintf(path, sizeof path, "%s/topics/dc01_orders/_delta_log/%020d.json", folder, version);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void test_commits_and_positions(void **state) {
    struct delta_log *d = delta_log_new(*state, "topics", 10);
    assert_int_equal(position(d, 0), -1); /* no table yet */
    assert_int_equal(commit(d, 0, 10, "topics/dc01_orders/partition=0/dc01_orders+0+0000000000.parquet", &first_schema),
                     DELTA_COMMITTED);
    assert_int_equal(commit(d, 1, 5, "topics/dc01_orders/partition=1/dc01_orders+1+0000000000.parquet", &first_schema),
                     DELTA_COMMITTED);
    assert_int_equal(commit(d, 0, 20, "topics/dc01_orders/partition=0/dc01_orders+0+0000000010.parquet", &first_schema),
                     DELTA_COMMITTED);
    const char *v0 = read_commit(0);
    assert_non_null(v0);
    assert_contains(v0, "\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}");
    assert_contains(v0, "\"txn\":{\"appId\":\"bridgelab-sink:dc01_orders:0\",\"version\":9");
    assert_contains(v0, "\"path\":\"partition=0/dc01_orders+0+0000000000.parquet\"");
    assert_contains(v0, "{\\\"name\\\":\\\"price\\\",\\\"type\\\":\\\"decimal(10,2)\\\",\\\"nullable\\\":true");
    const char *v2 = read_commit(2);
    assert_non_null(v2);
    assert_not_contains(v2, "metaData"); /* the schema did not change */
    assert_not_contains(v2, "protocol");
    assert_null(read_commit(3));
    delta_log_free(d);

    /* a fresh reader (a restarted sink) */
    struct delta_log *again = delta_log_new(*state, "topics", 10);
    assert_int_equal(position(again, 0), 20);
    assert_int_equal(position(again, 1), 5);
    assert_int_equal(position(again, 2), -1);
    delta_log_free(again);
}

/* Two writers: the one whose version was taken reads it and takes the
 * next; a flush the log holds already is not committed twice. */
static void test_two_writers(void **state) {
    struct storage *other_lake = open_lake();
    struct delta_log *a = delta_log_new(*state, "topics", 10), *b = delta_log_new(other_lake, "topics", 10);
    assert_int_equal(commit(a, 0, 10, "topics/dc01_orders/partition=0/a.parquet", &first_schema), DELTA_COMMITTED);
    assert_int_equal(commit(b, 1, 10, "topics/dc01_orders/partition=1/b.parquet", &first_schema), DELTA_COMMITTED);
    /* a's state ends at version 0; version 1 is b's */
    assert_int_equal(commit(a, 0, 20, "topics/dc01_orders/partition=0/c.parquet", &first_schema), DELTA_COMMITTED);
    assert_contains(read_commit(1), "b.parquet");
    assert_contains(read_commit(2), "c.parquet");
    /* b (a zombie of partition 0) tries the flush a committed */
    assert_int_equal(commit(b, 0, 20, "topics/dc01_orders/partition=0/c.parquet", &first_schema), DELTA_HELD);
    assert_int_equal(commit(b, 0, 15, "topics/dc01_orders/partition=0/c.parquet", &first_schema), DELTA_HELD);
    assert_null(read_commit(3));
    delta_log_free(a);
    delta_log_free(b);
    storage_close(other_lake);
}

/* A DDL's column joins the table's schema in the commit of the first file
 * that has it, with the same table id. */
static void test_added_column(void **state) {
    struct delta_log *d = delta_log_new(*state, "topics", 10);
    assert_int_equal(commit(d, 0, 10, "topics/dc01_orders/partition=0/a.parquet", &first_schema), DELTA_COMMITTED);
    assert_int_equal(commit(d, 0, 20, "topics/dc01_orders/partition=0/b.parquet", &altered_schema), DELTA_COMMITTED);
    assert_int_equal(commit(d, 0, 30, "topics/dc01_orders/partition=0/c.parquet", &first_schema), DELTA_COMMITTED);
    char id[64];
    const char *v0 = read_commit(0);
    const char *at = strstr(v0, "\"id\":\"");
    assert_non_null(at);
    snprintf(id, sizeof id, "%.42s", at);
    const char *v1 = read_commit(1);
    assert_contains(v1, "metaData");
    assert_contains(v1, id);
    assert_contains(v1, "\\\"name\\\":\\\"note\\\"");
    assert_not_contains(read_commit(2), "metaData"); /* the older columns are all in the table */
    delta_log_free(d);
}

/* Folder names with the partitioner's escapes are URI paths in the log. */
static void test_paths_encoded(void **state) {
    struct delta_log *d = delta_log_new(*state, "topics", 10);
    assert_int_equal(commit(d, 0, 10, "topics/dc01_orders/city=New%20York/x+0+0000000000.parquet", &first_schema),
                     DELTA_COMMITTED);
    assert_contains(read_commit(0), "\"path\":\"city=New%2520York/x+0+0000000000.parquet\"");
    struct delta_file outside = {"elsewhere/x.parquet", 1, 1, &first_schema};
    enum storage_status st;
    char err[512];
    assert_int_equal(delta_log_commit(d, "dc01_orders", 0, 20, &outside, 1, &st, err, sizeof err), DELTA_FAILED);
    assert_contains(err, "outside topics/dc01_orders/");
    delta_log_free(d);
}

/* deltalake (delta-rs) reads the log: versions, files, the schema. */
static void test_read_by_deltalake(void **state) {
    if (access(VENV_PYTHON, X_OK) != 0)
        fail_msg("%s is missing: run make deps (it makes the tests' venv)", VENV_PYTHON);
    struct delta_log *d = delta_log_new(*state, "topics", 10);
    assert_int_equal(commit(d, 0, 10, "topics/dc01_orders/partition=0/a.parquet", &first_schema), DELTA_COMMITTED);
    assert_int_equal(commit(d, 0, 20, "topics/dc01_orders/partition=0/b.parquet", &altered_schema), DELTA_COMMITTED);
    delta_log_free(d);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             VENV_PYTHON " -c \"import deltalake,sys; t=deltalake.DeltaTable(sys.argv[1]);"
                         " print(t.version(), len(t.file_uris()), ','.join(f.name for f in t.schema().fields),"
                         " t.transaction_version('bridgelab-sink:dc01_orders:0'))\" %s/topics/dc01_orders",
             folder);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    assert_int_equal(pclose(p), 0);
    assert_string_equal(line, "1 2 id,price,placed,note 19\n");
}

/* Every third commit a checkpoint: with the commits before it gone, a
 * fresh sink still finds its positions, deltalake still reads the table,
 * and pyarrow reads the checkpoint's nested columns. */
static void test_checkpoints(void **state) {
    struct delta_log *d = delta_log_new(*state, "topics", 3);
    for (int i = 0; i < 8; i++) {
        char name[128];
        snprintf(name, sizeof name, "topics/dc01_orders/partition=%d/f%d.parquet", i % 2, i);
        assert_int_equal(commit(d, i % 2, 10 * (i + 1), name, i == 5 ? &altered_schema : &first_schema),
                         DELTA_COMMITTED);
    }
    delta_log_free(d);
    char path[400];
    snprintf(path, sizeof path, "%s/topics/dc01_orders/_delta_log/_last_checkpoint", folder);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char last[128] = "";
    assert_non_null(fgets(last, sizeof last, f));
    fclose(f);
    assert_string_equal(last, "{\"version\":6,\"size\":11}"); /* protocol, metaData, 2 txns, 7 adds */
    for (int v = 0; v <= 6; v++) {
        snprintf(path, sizeof path, "%s/topics/dc01_orders/_delta_log/%020d.json", folder, v);
        assert_int_equal(unlink(path), 0);
    }
    struct delta_log *again = delta_log_new(*state, "topics", 3);
    assert_int_equal(position(again, 0), 70);
    assert_int_equal(position(again, 1), 80);
    delta_log_free(again);
    if (access(VENV_PYTHON, X_OK) != 0)
        fail_msg("%s is missing: run make deps (it makes the tests' venv)", VENV_PYTHON);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             VENV_PYTHON " -c \"import deltalake,sys,pyarrow.parquet as pq; t=deltalake.DeltaTable(sys.argv[1]);"
                         " c=pq.read_table(sys.argv[1]+'/_delta_log/%020d.checkpoint.parquet').to_pylist();"
                         " print(t.version(), len(t.file_uris()), ','.join(f.name for f in t.schema().fields),"
                         " t.transaction_version('bridgelab-sink:dc01_orders:1'), len(c), c[0]['protocol'],"
                         " sum(1 for r in c if r['add']))\" %s/topics/dc01_orders",
             6, folder);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[1024] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    assert_int_equal(pclose(p), 0);
    assert_string_equal(line, "7 8 id,price,placed,note 79 11 {'minReaderVersion': 1, 'minWriterVersion': 2} 7\n");
}

static int group_setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/test_delta_log.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd);
}

#define CASE(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        CASE(test_commits_and_positions), CASE(test_two_writers),       CASE(test_added_column),
        CASE(test_paths_encoded),         CASE(test_read_by_deltalake), CASE(test_checkpoints),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
