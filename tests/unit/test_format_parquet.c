/* Unit tests of bridge/sink/format_parquet.c: CDC records (a
 * bridgelab.columns header and a Debezium envelope) written as Parquet
 * and read back by pyarrow and DuckDB (tests/unit/parquet_read.py): every
 * column type with its exact value, the envelope's fields, rows without a
 * header, the codec and row group settings, a DECIMAL wider than the
 * file takes written as text, a schema change asking for a new file,
 * rejected values and headers leaving the file as it was, tombstones and
 * values with no row left out. */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assert_text.h"
#include "sink/format_parquet.h"
#include "sink/row_schema.h"

#define VENV_PYTHON ".deps/venv/bin/python3"
#define READER VENV_PYTHON " tests/unit/parquet_read.py"

/* The envelope CDC writes, around an image. */
#define ENVELOPE(image)                                                                                                \
    "{\"before\":null,\"after\":" image ",\"source\":{\"version\":\"bridgelab-0.1\",\"connector\":\"mysql\","          \
    "\"name\":\"dc01\",\"ts_ms\":1796119200000,\"snapshot\":\"false\",\"db\":\"orders\",\"sequence\":null,"            \
    "\"table\":\"t\",\"server_id\":1,\"gtid\":null,\"file\":\"mysql-bin.000003\",\"pos\":4711,\"row\":0,"              \
    "\"thread\":null,\"query\":null},\"op\":\"c\",\"ts_ms\":1796119200001,\"transaction\":null}"
/* The envelope's fields as the rows read back show them. */
#define ENVELOPE_SHOWN "\"c\", \"mysql-bin.000003\", 4711, 0, null, 1796119200000"
#define ENVELOPE_SCHEMA                                                                                                \
    "[\"__op\", \"string\", false], [\"__file\", \"string\", true], [\"__pos\", \"int64\", true], "                    \
    "[\"__row\", \"int64\", true], [\"__gtid\", \"string\", true], [\"__source_ts_ms\", \"int64\", true]"

static char folder[64];
static int file_no;
static int64_t next_offset;

static struct parquet_file *file_new(enum parquet_codec codec, size_t row_group_bytes) {
    struct format_options o = {
        .format = SINK_FORMAT_PARQUET, .parquet_codec = codec, .parquet_row_group_bytes = row_group_bytes};
    struct parquet_file *f = parquet_file_new(&o);
    assert_non_null(f);
    return f;
}

/* Appends one record of topic "dc01_t" partition 3; err gets the error. */
static enum format_append append_err(struct parquet_file *f, const char *header, const char *value, char *err,
                                     size_t errlen) {
    struct sink_record r = {.topic = "dc01_t",
                            .partition = 3,
                            .offset = next_offset++,
                            .value = value,
                            .value_len = value ? strlen(value) : 0,
                            .columns = header,
                            .columns_len = header ? strlen(header) : 0};
    enum format_append result = parquet_file_append(f, &r, err, errlen);
    sink_record_release(&r);
    return result;
}

static enum format_append append(struct parquet_file *f, const char *header, const char *value) {
    char err[1024];
    enum format_append result = append_err(f, header, value, err, sizeof err);
    if (result == FORMAT_REJECTED)
        print_message("rejected: %s\n", err);
    return result;
}

struct lines {
    char **line;
    size_t count, cap;
};

static void lines_free(struct lines *l) {
    for (size_t i = 0; i < l->count; i++)
        free(l->line[i]);
    free(l->line);
    *l = (struct lines){0};
}

/* Finishes f into a file of the test folder; its path. */
static const char *finish_to_file(struct parquet_file *f) {
    static char path[128];
    size_t len;
    const char *data = parquet_file_finish(f, &len);
    assert_non_null(data);
    assert_true(parquet_file_memory(f) >= len);
    snprintf(path, sizeof path, "%s/%d.parquet", folder, ++file_no);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(data, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
    return path;
}

/* The reader's lines, mode "" (pyarrow), "--duckdb" or "--meta". */
static struct lines read_back(const char *mode, const char *path) {
    if (access(VENV_PYTHON, X_OK) != 0)
        fail_msg("%s is missing: run make deps (it makes the tests' venv)", VENV_PYTHON);
    char cmd[512];
    snprintf(cmd, sizeof cmd, READER " %s %s", mode, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct lines l = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, p)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        if (l.count == l.cap) {
            l.cap = l.cap ? 2 * l.cap : 64;
            l.line = realloc(l.line, l.cap * sizeof *l.line);
            assert_non_null(l.line);
        }
        l.line[l.count++] = line;
        line = NULL;
        cap = 0;
    }
    free(line);
    if (pclose(p) != 0)
        fail_msg("%s failed", cmd);
    return l;
}

/* The schema line and rows as pyarrow reads the file, and the rows as DuckDB does. */
static void assert_read(const char *path, const char *schema, const char *const *rows, size_t count) {
    const char *modes[] = {"", "--duckdb"};
    for (int m = 0; m < 2; m++) {
        struct lines l = read_back(modes[m], path);
        if (l.count != count + 1)
            fail_msg("%s: %zu lines, want %zu", modes[m], l.count, count + 1);
        if (m == 0)
            assert_string_equal(l.line[0], schema);
        for (size_t i = 0; i < count; i++)
            if (strcmp(l.line[i + 1], rows[i]) != 0)
                fail_msg("%s row %zu:\n got  %s\n want %s", modes[m], i, l.line[i + 1], rows[i]);
        lines_free(&l);
    }
}

#define ALL_TYPES                                                                                                      \
    "[[\"b\",\"boolean\"],[\"i\",\"int32\"],[\"l\",\"int64?\"],[\"u\",\"uint64\"],[\"f\",\"float\"],"                  \
    "[\"d\",\"double\"],[\"price\",\"decimal(10,2)?\"],[\"s\",\"string\"],[\"raw\",\"bytes?\"],[\"day\",\"date\"],"    \
    "[\"t\",\"time?\"],[\"at\",\"timestamp?\"]]"

static void test_every_type(void **state) {
    (void)state;
    struct parquet_file *f = file_new(PARQUET_CODEC_SNAPPY, 1 << 20);
    assert_null(parquet_file_schema(f));
    assert_int_equal(append(f, ALL_TYPES,
                            ENVELOPE("{\"b\":true,\"i\":-5,\"l\":null,\"u\":18446744073709551615,\"f\":1.5,"
                                     "\"d\":-2.25,\"price\":\"-12.50\",\"s\":\"caf\xc3\xa9\",\"raw\":\"AP8=\","
                                     "\"day\":\"2026-12-01\",\"t\":\"-838:59:59.000000\","
                                     "\"at\":\"2026-12-01T10:00:00.5Z\"}")),
                     FORMAT_APPENDED);
    assert_int_equal(append(f, ALL_TYPES,
                            ENVELOPE("{\"b\":false,\"i\":2147483647,\"l\":-9223372036854775808,\"u\":0,\"f\":-0.25,"
                                     "\"d\":1e300,\"price\":null,\"s\":\"\",\"raw\":null,\"day\":\"0001-01-01\","
                                     "\"t\":null,\"at\":null}")),
                     FORMAT_APPENDED);
    assert_int_equal(parquet_file_records(f), 2);
    assert_non_null(parquet_file_schema(f));
    assert_int_equal(parquet_file_schema(f)->count, 18);
    assert_true(parquet_file_size(f) > 0);
    const char *rows[] = {
        "[true, -5, null, \"18446744073709551615\", 1.5, -2.25, \"-12.50\", \"caf\xc3\xa9\", \"hex:00ff\", "
        "\"2026-12-01\", \"-838:59:59.000000\", \"2026-12-01T10:00:00.500000Z\", " ENVELOPE_SHOWN "]",
        "[false, 2147483647, -9223372036854775808, \"0\", -0.25, 1e+300, null, \"\", null, \"0001-01-01\", null, "
        "null, " ENVELOPE_SHOWN "]",
    };
    assert_read(finish_to_file(f),
                "[[\"b\", \"bool\", false], [\"i\", \"int32\", false], [\"l\", \"int64\", true], [\"u\", "
                "\"decimal128(20, 0)\", false], [\"f\", \"float\", false], [\"d\", \"double\", false], [\"price\", "
                "\"decimal128(10, 2)\", true], [\"s\", \"string\", false], [\"raw\", \"binary\", true], [\"day\", "
                "\"date32[day]\", false], [\"t\", \"string\", true], [\"at\", \"timestamp[us, tz=UTC]\", "
                "true], " ENVELOPE_SCHEMA "]",
                rows, 2);
    parquet_file_free(f);
}

/* Without the header, the types of the row's values. */
static void test_inferred_columns(void **state) {
    (void)state;
    struct parquet_file *f = file_new(PARQUET_CODEC_NONE, 1 << 20);
    assert_int_equal(append(f, NULL, "{\"n\":7,\"x\":2.5,\"ok\":true,\"s\":\"a\",\"o\":{\"k\":[1]}}"), FORMAT_APPENDED);
    assert_int_equal(append(f, NULL, "{\"n\":-8,\"x\":-1.0,\"ok\":false,\"s\":\"b\",\"o\":[]}"), FORMAT_APPENDED);
    const char *rows[] = {"[7, 2.5, true, \"a\", \"{\\\"k\\\":[1]}\"]", "[-8, -1.0, false, \"b\", \"[]\"]"};
    assert_read(finish_to_file(f),
                "[[\"n\", \"int64\", true], [\"x\", \"double\", true], [\"ok\", \"bool\", true], [\"s\", \"string\", "
                "true], [\"o\", \"string\", true]]",
                rows, 2);
    parquet_file_free(f);
}

/* The options: the codec and the row groups' bound. */
static void test_codec_and_row_groups(void **state) {
    (void)state;
    struct parquet_file *f = file_new(PARQUET_CODEC_ZSTD, 2000);
    const char *header = "[[\"id\",\"int64\"],[\"name\",\"string?\"]]";
    for (int i = 0; i < 500; i++) {
        char value[128];
        snprintf(value, sizeof value, "{\"id\":%d,\"name\":\"n%d\"}", i, i % 3);
        assert_int_equal(append(f, header, value), FORMAT_APPENDED);
    }
    assert_int_equal(parquet_file_records(f), 500);
    struct lines l = read_back("--meta", finish_to_file(f));
    assert_true(l.count > 1);
    for (size_t i = 0; i < l.count; i++)
        assert_contains(l.line[i], "\"codec\": \"ZSTD\"");
    assert_contains(l.line[0], "\"min\": 0,");
    assert_contains(l.line[l.count - 1], "\"max\": 499}");
    lines_free(&l);
    parquet_file_free(f);
}

/* A Delta table takes decimals of 38 digits at most: a wider one is its text. */
static void test_wide_decimal_as_text(void **state) {
    (void)state;
    struct format_options o = {
        .format = SINK_FORMAT_PARQUET, .parquet_row_group_bytes = 1 << 20, .parquet_decimal_max = 38};
    struct parquet_file *f = parquet_file_new(&o);
    const char *header = "[[\"narrow\",\"decimal(38,2)\"],[\"wide\",\"decimal(65,30)?\"]]";
    assert_int_equal(append(f, header, "{\"narrow\":\"-1.50\",\"wide\":\"-12345678901234567890123456789012345.5\"}"),
                     FORMAT_APPENDED);
    assert_int_equal(append(f, header, "{\"narrow\":7,\"wide\":7}"), FORMAT_APPENDED);
    const char *rows[] = {"[\"-1.50\", \"-12345678901234567890123456789012345.5\"]", "[\"7.00\", \"7\"]"};
    assert_read(finish_to_file(f), "[[\"narrow\", \"decimal128(38, 2)\", false], [\"wide\", \"string\", true]]", rows,
                2);
    parquet_file_free(f);
}

static void test_schema_change(void **state) {
    (void)state;
    struct parquet_file *f = file_new(PARQUET_CODEC_NONE, 1 << 20);
    const char *before = "[[\"id\",\"int32\"],[\"name\",\"string?\"]]";
    const char *added = "[[\"id\",\"int32\"],[\"name\",\"string?\"],[\"email\",\"string?\"]]";
    const char *retyped = "[[\"id\",\"int64\"],[\"name\",\"string?\"]]";
    const char *respaced = "[[\"id\", \"int32\"], [\"name\", \"string?\"]]"; /* the same columns */
    assert_int_equal(append(f, before, "{\"id\":1,\"name\":\"a\"}"), FORMAT_APPENDED);
    assert_int_equal(append(f, added, "{\"id\":2,\"name\":\"b\",\"email\":\"b@x\"}"), FORMAT_NEW_FILE);
    assert_int_equal(append(f, retyped, "{\"id\":3,\"name\":\"c\"}"), FORMAT_NEW_FILE);
    assert_int_equal(append(f, NULL, "{\"id\":4,\"name\":\"d\"}"), FORMAT_NEW_FILE); /* inferred: id int64? */
    assert_int_equal(append(f, respaced, "{\"id\":5,\"name\":\"e\"}"), FORMAT_APPENDED);
    assert_int_equal(append(f, before, "{\"id\":6,\"name\":null}"), FORMAT_APPENDED);
    assert_int_equal(parquet_file_records(f), 3);
    const char *rows[] = {"[1, \"a\"]", "[5, \"e\"]", "[6, null]"};
    assert_read(finish_to_file(f), "[[\"id\", \"int32\", false], [\"name\", \"string\", true]]", rows, 3);
    parquet_file_free(f);
}

static void test_rejected(void **state) {
    (void)state;
    struct parquet_file *f = file_new(PARQUET_CODEC_SNAPPY, 1 << 20);
    const char *header = "[[\"id\",\"int32\"],[\"price\",\"decimal(4,2)?\"],[\"at\",\"timestamp?\"]]";
    char err[1024];
    /* A bad header on the first record: no schema is taken. */
    next_offset = 41;
    assert_int_equal(append_err(f, "[[\"id\",\"int33\"]]", "{\"id\":1}", err, sizeof err), FORMAT_REJECTED);
    assert_contains(err, "topic dc01_t partition 3 offset 41");
    assert_contains(err, "unknown type \"int33\"");
    assert_null(parquet_file_schema(f));
    /* A bad value in the first record: no schema either. */
    assert_int_equal(append_err(f, header, "{\"id\":1,\"price\":\"123.45\",\"at\":null}", err, sizeof err),
                     FORMAT_REJECTED);
    assert_contains(err, "topic dc01_t partition 3 offset 42: column \"price\" (decimal(4,2)?)");
    assert_contains(err, "123.45");
    assert_contains(err, "correct the value");
    assert_null(parquet_file_schema(f));
    assert_int_equal(append(f, header, "{\"id\":1,\"price\":\"-99.99\",\"at\":\"2026-12-01T10:00:00Z\"}"),
                     FORMAT_APPENDED);
    /* Values that do not read as their types, the row half written: the file as it was. */
    const char *bad[] = {
        "{\"id\":2,\"price\":\"1.5\",\"at\":\"2026-13-01T10:00:00Z\"}", /* no month 13 */
        "{\"id\":2147483648,\"price\":null,\"at\":null}",               /* past int32 */
        "{\"id\":null,\"price\":null,\"at\":null}",                     /* id not nullable */
        "{\"id\":2,\"price\":\"1.234\",\"at\":null}",                   /* more fraction digits than the scale */
    };
    const char *named[] = {"column \"at\" (timestamp?)", "column \"id\" (int32)", "column \"id\" (int32, not nullable)",
                           "column \"price\" (decimal(4,2)?)"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(append_err(f, header, bad[i], err, sizeof err), FORMAT_REJECTED);
        assert_contains(err, "topic dc01_t partition 3 offset");
        assert_contains(err, named[i]);
        assert_not_contains(err, "\n");
    }
    assert_int_equal(append(f, header, "{\"id\":3,\"price\":null,\"at\":null}"), FORMAT_APPENDED);
    assert_int_equal(parquet_file_records(f), 2);
    const char *rows[] = {"[1, \"-99.99\", \"2026-12-01T10:00:00.000000Z\"]", "[3, null, null]"};
    assert_read(finish_to_file(f),
                "[[\"id\", \"int32\", false], [\"price\", \"decimal128(4, 2)\", true], [\"at\", \"timestamp[us, "
                "tz=UTC]\", true]]",
                rows, 2);
    parquet_file_free(f);
}

static void test_tombstones_and_no_row(void **state) {
    (void)state;
    struct parquet_file *f = file_new(PARQUET_CODEC_NONE, 1 << 20);
    const char *header = "[[\"id\",\"int32\"]]";
    assert_int_equal(append(f, header, NULL), FORMAT_SKIPPED);    /* a tombstone */
    assert_int_equal(append(f, header, "[1,2]"), FORMAT_SKIPPED); /* not an object */
    assert_int_equal(append(f, header, "not json"), FORMAT_SKIPPED);
    assert_int_equal(append(f, header, "{\"before\":null,\"after\":null,\"op\":\"c\"}"), FORMAT_SKIPPED);
    assert_null(parquet_file_schema(f));
    assert_int_equal(parquet_file_records(f), 0);
    assert_int_equal(append(f, header, "{\"id\":1}"), FORMAT_APPENDED);
    assert_int_equal(append(f, header, NULL), FORMAT_SKIPPED);
    assert_int_equal(parquet_file_records(f), 1);
    const char *rows[] = {"[1]"};
    assert_read(finish_to_file(f), "[[\"id\", \"int32\", false]]", rows, 1);
    parquet_file_free(f);
    parquet_file_free(NULL);
}

static int group_setup(void **state) {
    (void)state;
    snprintf(folder, sizeof folder, "/tmp/test_format_parquet.XXXXXX");
    return mkdtemp(folder) ? 0 : -1;
}

static int group_teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", folder);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_inferred_columns),
        cmocka_unit_test(test_codec_and_row_groups),
        cmocka_unit_test(test_wide_decimal_as_text),
        cmocka_unit_test(test_schema_change),
        cmocka_unit_test(test_rejected),
        cmocka_unit_test(test_tombstones_and_no_row),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
