/* Unit tests of bridge/sink/parquet.c: every column type and its extremes,
 * all-null columns, empty and 64 KiB values, several row groups and pages,
 * each codec, dictionary pages and the fallback to PLAIN, the statistics
 * in each column order, decimals that do not fit their precision, the
 * refusals that leave a row as it was, and memory and size accounting.
 * Each file's frame is checked here (magic, footer length), its rows and
 * footer are read back by pyarrow and DuckDB (tests/unit/parquet_read.py,
 * with the venv of `make deps`). */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assert_text.h"

#include "sink/parquet.h"

#define VENV_PYTHON ".deps/venv/bin/python3"
#define READER VENV_PYTHON " tests/unit/parquet_read.py"

static char folder[64];
static int file_no;

/* ---- Helpers ---- */

#define OK(call) assert_int_equal((call), PARQUET_OK)

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Finishes w, checks the file's frame, writes it to the test folder; its path. */
static const char *finish_to_file(struct parquet_writer *w) {
    static char path[128];
    size_t len;
    const unsigned char *data = parquet_writer_finish(w, &len);
    assert_non_null(data);
    assert_true(len >= 12);
    assert_memory_equal(data, "PAR1", 4);
    assert_memory_equal(data + len - 4, "PAR1", 4);
    uint32_t footer = le32(data + len - 8);
    assert_true(footer > 0 && footer <= len - 12);
    size_t again_len;
    assert_ptr_equal(parquet_writer_finish(w, &again_len), data); /* the same bytes again */
    assert_int_equal(again_len, len);
    assert_int_equal(parquet_writer_size(w), len);
    assert_true(parquet_writer_memory(w) >= len);
    snprintf(path, sizeof path, "%s/%d.parquet", folder, ++file_no);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

struct lines {
    char **line;
    size_t count;
};

static void lines_free(struct lines *l) {
    for (size_t i = 0; i < l->count; i++)
        free(l->line[i]);
    free(l->line);
    *l = (struct lines){0};
}

/* The reader's output lines (newlines cut), mode "" (pyarrow), "--duckdb" or "--meta". */
static struct lines read_back(const char *mode, const char *path) {
    if (access(VENV_PYTHON, X_OK) != 0)
        fail_msg("%s is missing: run make deps (it makes the tests' venv)", VENV_PYTHON);
    char cmd[512];
    snprintf(cmd, sizeof cmd, READER " %s %s", mode, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct lines l = {0};
    char *line = NULL;
    size_t cap = 0, lines_cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, p)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        if (l.count == lines_cap) { /* doubling: 300 000 lines are read back */
            lines_cap = lines_cap ? lines_cap * 2 : 1024;
            l.line = realloc(l.line, lines_cap * sizeof *l.line);
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

static void assert_lines(const struct lines *l, size_t from, const char *const *expected, size_t count) {
    if (l->count != from + count)
        fail_msg("%zu lines, want %zu (first: %s)", l->count, from + count, l->count ? l->line[0] : "none");
    for (size_t i = 0; i < count; i++)
        if (strcmp(l->line[from + i], expected[i]) != 0)
            fail_msg("line %zu:\n got  %s\n want %s", from + i, l->line[from + i], expected[i]);
}

/* The schema line and rows as pyarrow reads them, and the same rows from DuckDB. */
static void assert_read(const char *path, const char *schema, const char *const *rows, size_t count, int duckdb) {
    struct lines l = read_back("", path);
    assert_lines(&l, 1, rows, count);
    assert_string_equal(l.line[0], schema);
    lines_free(&l);
    if (!duckdb)
        return;
    l = read_back("--duckdb", path);
    assert_lines(&l, 1, rows, count);
    lines_free(&l);
}

/* v as 8 big-endian bytes (more than a small decimal needs: they are sign-extended). */
static const unsigned char *be64(int64_t v) {
    static unsigned char out[8];
    for (int k = 0; k < 8; k++)
        out[k] = (unsigned char)((uint64_t)v >> (56 - 8 * k));
    return out;
}

static size_t hex_bytes(const char *hex, unsigned char *out) {
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned byte;
        sscanf(hex + 2 * i, "%2x", &byte);
        out[i] = (unsigned char)byte;
    }
    return n;
}

static enum parquet_status decimal_hex(struct parquet_writer *w, size_t column, const char *hex) {
    unsigned char bytes[64];
    size_t n = hex_bytes(hex, bytes);
    return parquet_writer_decimal(w, column, bytes, n);
}

static enum parquet_status text(struct parquet_writer *w, size_t column, const char *s) {
    return parquet_writer_bytes(w, column, s, strlen(s));
}

/* ---- Types ---- */

static const struct parquet_column every_type[] = {
    {"b", PARQUET_BOOLEAN, 0, 0, 1},     {"i", PARQUET_INT32, 0, 0, 1},    {"l", PARQUET_INT64, 0, 0, 1},
    {"f", PARQUET_FLOAT, 0, 0, 1},       {"d", PARQUET_DOUBLE, 0, 0, 1},   {"s", PARQUET_STRING, 0, 0, 1},
    {"y", PARQUET_BYTES, 0, 0, 1},       {"d9", PARQUET_DECIMAL, 9, 2, 1}, {"d18", PARQUET_DECIMAL, 18, 4, 1},
    {"d38", PARQUET_DECIMAL, 38, 10, 1}, {"day", PARQUET_DATE, 0, 0, 1},   {"ts", PARQUET_TIMESTAMP, 0, 0, 1},
};
#define EVERY_TYPE (sizeof every_type / sizeof every_type[0])

static void test_every_type(void **state) {
    (void)state;
    struct parquet_writer *w = parquet_writer_new(every_type, EVERY_TYPE, PARQUET_COMPRESSION_NONE, 1 << 20);
    assert_non_null(w);
    /* An ordinary row. */
    OK(parquet_writer_bool(w, 0, 1));
    OK(parquet_writer_int32(w, 1, -7));
    OK(parquet_writer_int64(w, 2, 1796119200001));
    OK(parquet_writer_float(w, 3, 1.5f));
    OK(parquet_writer_double(w, 4, 2.5));
    OK(text(w, 5, "caf\xc3\xa9"));
    OK(parquet_writer_bytes(w, 6, "\x00\xff\x01", 3));
    OK(parquet_writer_decimal(w, 7, be64(-1250), 8));
    OK(parquet_writer_decimal(w, 8, be64(123456789), 8));
    OK(parquet_writer_decimal(w, 9, be64(5), 8));
    OK(parquet_writer_int32(w, 10, 20788));
    OK(parquet_writer_int64(w, 11, 1796119200500000));
    OK(parquet_writer_end_row(w));
    /* Extremes, set in another order. */
    OK(parquet_writer_int64(w, 11, -62135596800000000)); /* 0001-01-01 */
    OK(parquet_writer_int32(w, 10, 2932896));            /* 9999-12-31 */
    OK(decimal_hex(w, 9, "b4c4b357a5793b85f675ddc000000001"));
    OK(parquet_writer_decimal(w, 8, be64(999999999999999999), 8));
    OK(parquet_writer_decimal(w, 7, be64(-999999999), 8));
    OK(parquet_writer_bytes(w, 6, "", 0));
    OK(text(w, 5, ""));
    OK(parquet_writer_double(w, 4, -1e300));
    OK(parquet_writer_float(w, 3, -0.25f));
    OK(parquet_writer_int64(w, 2, INT64_MIN));
    OK(parquet_writer_int32(w, 1, INT32_MAX));
    OK(parquet_writer_bool(w, 0, 0));
    OK(parquet_writer_end_row(w));
    /* All null. */
    for (size_t i = 0; i < EVERY_TYPE; i++)
        OK(parquet_writer_null(w, i));
    OK(parquet_writer_end_row(w));
    assert_int_equal(parquet_writer_rows(w), 3);
    const char *path = finish_to_file(w);
    const char *rows[] = {
        "[true, -7, 1796119200001, 1.5, 2.5, \"caf\xc3\xa9\", \"hex:00ff01\", \"-12.50\", \"12345.6789\", "
        "\"5E-10\", \"2026-12-01\", \"2026-12-01T10:00:00.500000Z\"]",
        "[false, 2147483647, -9223372036854775808, -0.25, -1e+300, \"\", \"hex:\", \"-9999999.99\", "
        "\"99999999999999.9999\", \"-9999999999999999999999999999.9999999999\", \"9999-12-31\", "
        "\"0001-01-01T00:00:00.000000Z\"]",
        "[null, null, null, null, null, null, null, null, null, null, null, null]",
    };
    assert_read(path,
                "[[\"b\", \"bool\", true], [\"i\", \"int32\", true], [\"l\", \"int64\", true], [\"f\", \"float\", "
                "true], [\"d\", \"double\", true], [\"s\", \"string\", true], [\"y\", \"binary\", true], [\"d9\", "
                "\"decimal128(9, 2)\", true], [\"d18\", \"decimal128(18, 4)\", true], [\"d38\", \"decimal128(38, "
                "10)\", true], [\"day\", \"date32[day]\", true], [\"ts\", \"timestamp[us, tz=UTC]\", true]]",
                rows, 3, 1);
    struct lines meta = read_back("--meta", path);
    assert_int_equal(meta.count, 1);
    assert_contains(meta.line[0], "{\"name\": \"d9\", \"physical\": \"INT32\"");
    assert_contains(meta.line[0], "{\"name\": \"d18\", \"physical\": \"INT64\"");
    assert_contains(meta.line[0], "{\"name\": \"d38\", \"physical\": \"FIXED_LEN_BYTE_ARRAY\"");
    assert_contains(meta.line[0], "{\"name\": \"day\", \"physical\": \"INT32\"");
    assert_contains(meta.line[0], "{\"name\": \"ts\", \"physical\": \"INT64\"");
    lines_free(&meta);
    parquet_writer_free(w);
}

/* Required columns have no levels; a wide decimal (past DuckDB's 38 digits) reads in pyarrow. */
static void test_required_and_wide_decimal(void **state) {
    (void)state;
    const struct parquet_column columns[] = {
        {"id", PARQUET_INT32, 0, 0, 0},
        {"name", PARQUET_STRING, 0, 0, 0},
        {"u", PARQUET_DECIMAL, 20, 0, 0},
        {"wide", PARQUET_DECIMAL, 65, 30, 1},
    };
    struct parquet_writer *w = parquet_writer_new(columns, 4, PARQUET_COMPRESSION_SNAPPY, 1 << 20);
    OK(parquet_writer_int32(w, 0, 1));
    OK(text(w, 1, "a"));
    OK(decimal_hex(w, 2, "00ffffffffffffffff")); /* 2^64 - 1, a uint64 */
    OK(decimal_hex(w, 3, "ff"));
    OK(parquet_writer_end_row(w));
    OK(parquet_writer_int32(w, 0, 2));
    OK(text(w, 1, "b"));
    OK(decimal_hex(w, 2, "056bc75e2d630fffff")); /* 10^20 - 1 */
    OK(parquet_writer_null(w, 3));
    OK(parquet_writer_end_row(w));
    const char *rows[] = {
        "[1, \"a\", \"18446744073709551615\", \"-1E-30\"]",
        "[2, \"b\", \"99999999999999999999\", null]",
    };
    assert_read(finish_to_file(w),
                "[[\"id\", \"int32\", false], [\"name\", \"string\", false], [\"u\", \"decimal128(20, 0)\", false], "
                "[\"wide\", \"decimal256(65, 30)\", true]]",
                rows, 2, 0);
    parquet_writer_free(w);
}

static void test_all_null_columns(void **state) {
    (void)state;
    struct parquet_writer *w = parquet_writer_new(every_type, EVERY_TYPE, PARQUET_COMPRESSION_ZSTD, 1 << 20);
    for (int r = 0; r < 100; r++) {
        for (size_t i = 0; i < EVERY_TYPE; i++)
            OK(parquet_writer_null(w, i));
        OK(parquet_writer_end_row(w));
    }
    const char *path = finish_to_file(w);
    struct lines l = read_back("", path);
    assert_int_equal(l.count, 101);
    for (size_t i = 1; i < l.count; i++)
        assert_string_equal(l.line[i], "[null, null, null, null, null, null, null, null, null, null, null, null]");
    lines_free(&l);
    l = read_back("--meta", path);
    assert_int_equal(l.count, 1);
    assert_contains(l.line[0], "{\"name\": \"s\", \"physical\": \"BYTE_ARRAY\", \"codec\": \"ZSTD\", \"encodings\": "
                               "[\"PLAIN\", \"RLE\"], \"dictionary\": false, \"values\": 100, \"nulls\": 100}");
    assert_not_contains(l.line[0], "\"min\"");
    lines_free(&l);
    parquet_writer_free(w);
}

static void test_empty_and_large_values(void **state) {
    (void)state;
    const struct parquet_column columns[] = {{"s", PARQUET_STRING, 0, 0, 1}, {"y", PARQUET_BYTES, 0, 0, 0}};
    struct parquet_writer *w = parquet_writer_new(columns, 2, PARQUET_COMPRESSION_SNAPPY, 1 << 20);
    char *big = malloc(65536 + 1);
    for (size_t i = 0; i < 65536; i++)
        big[i] = (char)('a' + i % 26);
    big[65536] = '\0';
    OK(text(w, 0, ""));
    OK(parquet_writer_bytes(w, 1, "", 0));
    OK(parquet_writer_end_row(w));
    OK(text(w, 0, big));
    OK(parquet_writer_bytes(w, 1, big, 65536));
    OK(parquet_writer_end_row(w));
    OK(parquet_writer_null(w, 0));
    OK(parquet_writer_bytes(w, 1, "\0", 1));
    OK(parquet_writer_end_row(w));
    const char *path = finish_to_file(w);
    struct lines l = read_back("", path);
    assert_int_equal(l.count, 4);
    assert_string_equal(l.line[1], "[\"\", \"hex:\"]");
    char *want = malloc(2 * 65536 + 65536 + 64);
    char *o = want + sprintf(want, "[\"%s\", \"hex:", big);
    for (size_t i = 0; i < 65536; i++)
        o += sprintf(o, "%02x", (unsigned char)big[i]);
    strcpy(o, "\"]");
    assert_string_equal(l.line[2], want);
    assert_string_equal(l.line[3], "[null, \"hex:00\"]");
    lines_free(&l);
    /* A 64 KiB max is not kept in the statistics (as parquet-cpp leaves it out). */
    l = read_back("--meta", path);
    assert_contains(l.line[0], "\"nulls\": 1}");
    assert_not_contains(l.line[0], "\"min\"");
    lines_free(&l);
    free(want);
    free(big);
    parquet_writer_free(w);
}

/* ---- Row groups, pages, codecs, dictionaries ---- */

static const struct parquet_column id_and_city[] = {{"id", PARQUET_INT64, 0, 0, 0}, {"city", PARQUET_STRING, 0, 0, 1}};

static const char *const cities[] = {"Aarhus", "Bergen", "Cork", "Delft"};

static void add_id_and_city(struct parquet_writer *w, long long id) {
    OK(parquet_writer_int64(w, 0, id));
    if (id % 5 == 4)
        OK(parquet_writer_null(w, 1));
    else
        OK(text(w, 1, cities[id % 4]));
    OK(parquet_writer_end_row(w));
}

static void assert_id_and_city_rows(const char *path, long long rows) {
    struct lines l = read_back("", path);
    assert_int_equal(l.count, (size_t)rows + 1);
    for (long long id = 0; id < rows; id++) {
        char want[64];
        if (id % 5 == 4)
            snprintf(want, sizeof want, "[%lld, null]", id);
        else
            snprintf(want, sizeof want, "[%lld, \"%s\"]", id, cities[id % 4]);
        assert_string_equal(l.line[id + 1], want);
    }
    lines_free(&l);
}

static void test_row_groups(void **state) {
    (void)state;
    struct parquet_writer *w = parquet_writer_new(id_and_city, 2, PARQUET_COMPRESSION_NONE, 4000);
    for (long long id = 0; id < 1000; id++)
        add_id_and_city(w, id);
    const char *path = finish_to_file(w);
    assert_id_and_city_rows(path, 1000);
    /* About 15.5 bytes a row: a group every 258 rows, each with its own bounds. */
    struct lines l = read_back("--meta", path);
    assert_int_equal(l.count, 4);
    assert_contains(l.line[0], "{\"rows\": 258, \"columns\": [{\"name\": \"id\", \"physical\": \"INT64\", \"codec\": "
                               "\"UNCOMPRESSED\", \"encodings\": [\"PLAIN\", \"RLE\"], \"dictionary\": false, "
                               "\"values\": 258, \"nulls\": 0, \"min\": 0, \"max\": 257}");
    assert_contains(l.line[1], "\"min\": 258, \"max\": 515}");
    assert_contains(l.line[2], "\"min\": 516, \"max\": 773}");
    assert_contains(l.line[3], "{\"rows\": 226,");
    assert_contains(l.line[3], "\"min\": 774, \"max\": 999}");
    assert_contains(l.line[0], "\"dictionary\": true, \"values\": 258, \"nulls\": 51, \"min\": \"Aarhus\", \"max\": "
                               "\"Delft\"}");
    lines_free(&l);
    parquet_writer_free(w);
}

/* Columns of more than a page (1 MiB of values), dictionary and PLAIN. */
static void test_pages(void **state) {
    (void)state;
    const struct parquet_column columns[] = {
        {"id", PARQUET_INT64, 0, 0, 0}, {"city", PARQUET_STRING, 0, 0, 1}, {"unique", PARQUET_STRING, 0, 0, 0}};
    struct parquet_writer *w = parquet_writer_new(columns, 3, PARQUET_COMPRESSION_ZSTD, 64 << 20);
    long long rows = 300000;
    for (long long id = 0; id < rows; id++) {
        char unique[32];
        OK(parquet_writer_int64(w, 0, id));
        if (id % 5 == 4)
            OK(parquet_writer_null(w, 1));
        else
            OK(text(w, 1, cities[id % 4]));
        snprintf(unique, sizeof unique, "u%09lld", id);
        OK(text(w, 2, unique));
        OK(parquet_writer_end_row(w));
    }
    const char *path = finish_to_file(w);
    struct lines l = read_back("--duckdb", path);
    assert_int_equal(l.count, (size_t)rows + 1);
    for (long long id = 0; id < rows; id += 9973) {
        char want[96];
        if (id % 5 == 4)
            snprintf(want, sizeof want, "[%lld, null, \"u%09lld\"]", id, id);
        else
            snprintf(want, sizeof want, "[%lld, \"%s\", \"u%09lld\"]", id, cities[id % 4], id);
        assert_string_equal(l.line[id + 1], want);
    }
    lines_free(&l);
    l = read_back("--meta", path);
    assert_int_equal(l.count, 1);
    assert_contains(l.line[0], "{\"name\": \"city\", \"physical\": \"BYTE_ARRAY\", \"codec\": \"ZSTD\", \"encodings\": "
                               "[\"PLAIN\", \"RLE\", \"RLE_DICTIONARY\"], \"dictionary\": true, \"values\": 300000, "
                               "\"nulls\": 60000, \"min\": \"Aarhus\", \"max\": \"Delft\"}");
    assert_contains(l.line[0], "{\"name\": \"unique\", \"physical\": \"BYTE_ARRAY\", \"codec\": \"ZSTD\", "
                               "\"encodings\": [\"PLAIN\", \"RLE\"], \"dictionary\": false, \"values\": 300000, "
                               "\"nulls\": 0, \"min\": \"u000000000\", \"max\": \"u000299999\"}");
    lines_free(&l);
    parquet_writer_free(w);
}

static void test_codecs(void **state) {
    (void)state;
    const enum parquet_compression codecs[] = {PARQUET_COMPRESSION_NONE, PARQUET_COMPRESSION_SNAPPY,
                                               PARQUET_COMPRESSION_ZSTD};
    const char *names[] = {"UNCOMPRESSED", "SNAPPY", "ZSTD"};
    size_t sizes[3];
    for (int c = 0; c < 3; c++) {
        struct parquet_writer *w = parquet_writer_new(id_and_city, 2, codecs[c], 1 << 20);
        for (long long id = 0; id < 5000; id++)
            add_id_and_city(w, id % 7);
        size_t len;
        parquet_writer_finish(w, &len);
        sizes[c] = len;
        const char *path = finish_to_file(w);
        struct lines l = read_back("--meta", path);
        char want[64];
        snprintf(want, sizeof want, "\"codec\": \"%s\"", names[c]);
        assert_contains(l.line[0], want);
        lines_free(&l);
        l = read_back("--duckdb", path);
        assert_int_equal(l.count, 5001);
        assert_string_equal(l.line[5000], "[1, \"Bergen\"]"); /* id 4999 % 7 */
        lines_free(&l);
        parquet_writer_free(w);
    }
    assert_true(sizes[1] < sizes[0]);
    assert_true(sizes[2] < sizes[0]);
}

static void test_dictionary_fallback(void **state) {
    (void)state;
    const struct parquet_column columns[] = {{"few", PARQUET_BYTES, 0, 0, 0}, {"many", PARQUET_BYTES, 0, 0, 0}};
    /* Over 64 Ki distinct values in "many": PLAIN; "few" has 3. */
    struct parquet_writer *w = parquet_writer_new(columns, 2, PARQUET_COMPRESSION_NONE, 64 << 20);
    for (uint32_t i = 0; i < 70000; i++) {
        unsigned char value[4] = {(unsigned char)(i >> 24), (unsigned char)(i >> 16), (unsigned char)(i >> 8),
                                  (unsigned char)i};
        OK(parquet_writer_bytes(w, 0, value + 3, i % 3 == 0 ? 1 : 0));
        OK(parquet_writer_bytes(w, 1, value, 4));
        OK(parquet_writer_end_row(w));
    }
    const char *path = finish_to_file(w);
    struct lines l = read_back("--meta", path);
    assert_contains(l.line[0], "{\"name\": \"few\", \"physical\": \"BYTE_ARRAY\", \"codec\": \"UNCOMPRESSED\", "
                               "\"encodings\": [\"PLAIN\", \"RLE\", \"RLE_DICTIONARY\"], \"dictionary\": true, "
                               "\"values\": 70000, \"nulls\": 0, \"min\": \"hex:\", \"max\": \"hex:ff\"}");
    assert_contains(l.line[0], "{\"name\": \"many\", \"physical\": \"BYTE_ARRAY\", \"codec\": \"UNCOMPRESSED\", "
                               "\"encodings\": [\"PLAIN\", \"RLE\"], \"dictionary\": false, \"values\": 70000, "
                               "\"nulls\": 0, \"min\": \"hex:00000000\", \"max\": \"hex:0001116f\"}");
    lines_free(&l);
    l = read_back("", path);
    assert_string_equal(l.line[1], "[\"hex:00\", \"hex:00000000\"]");
    assert_string_equal(l.line[70000], "[\"hex:6f\", \"hex:0001116f\"]"); /* 69999 */
    lines_free(&l);
    parquet_writer_free(w);
}

/* ---- Statistics ---- */

static void test_statistics(void **state) {
    (void)state;
    const struct parquet_column columns[] = {
        {"i", PARQUET_INT32, 0, 0, 1},       {"s", PARQUET_STRING, 0, 0, 1},  {"wide", PARQUET_DECIMAL, 30, 2, 1},
        {"small", PARQUET_DECIMAL, 5, 1, 1}, {"f", PARQUET_DOUBLE, 0, 0, 1},  {"z", PARQUET_FLOAT, 0, 0, 1},
        {"nan", PARQUET_FLOAT, 0, 0, 1},     {"b", PARQUET_BOOLEAN, 0, 0, 1}, {"day", PARQUET_DATE, 0, 0, 1},
        {"ts", PARQUET_TIMESTAMP, 0, 0, 1},
    };
    struct parquet_writer *w = parquet_writer_new(columns, 10, PARQUET_COMPRESSION_NONE, 1 << 20);
    /* Signed where it must be: -5 < 3; "é" (0xc3) after "z" bytewise; -1.00 < 2.00 as a decimal. */
    OK(parquet_writer_int32(w, 0, 3));
    OK(text(w, 1, "\xc3\xa9"));
    OK(decimal_hex(w, 2, "ff9c")); /* -1.00 */
    OK(parquet_writer_decimal(w, 3, be64(-99999), 8));
    OK(parquet_writer_double(w, 4, NAN));
    OK(parquet_writer_float(w, 5, 0.0f));
    OK(parquet_writer_float(w, 6, NAN));
    OK(parquet_writer_bool(w, 7, 1));
    OK(parquet_writer_int32(w, 8, -719162));
    OK(parquet_writer_int64(w, 9, 1796119200500000));
    OK(parquet_writer_end_row(w));
    OK(parquet_writer_int32(w, 0, -5));
    OK(text(w, 1, "z"));
    OK(decimal_hex(w, 2, "00c8")); /* 2.00 */
    OK(parquet_writer_decimal(w, 3, be64(4), 8));
    OK(parquet_writer_double(w, 4, -3.5));
    OK(parquet_writer_float(w, 5, -0.0f));
    OK(parquet_writer_null(w, 6));
    OK(parquet_writer_bool(w, 7, 1));
    OK(parquet_writer_int32(w, 8, 20788));
    OK(parquet_writer_int64(w, 9, -1));
    OK(parquet_writer_end_row(w));
    for (size_t i = 0; i < 10; i++)
        OK(parquet_writer_null(w, i));
    OK(parquet_writer_end_row(w));
    struct lines l = read_back("--meta", finish_to_file(w));
    const char *want[] = {
        "\"name\": \"i\", \"physical\": \"INT32\", \"codec\": \"UNCOMPRESSED\", \"encodings\": [\"PLAIN\", \"RLE\"], "
        "\"dictionary\": false, \"values\": 3, \"nulls\": 1, \"min\": -5, \"max\": 3}",
        "\"name\": \"s\", \"physical\": \"BYTE_ARRAY\"",
        "\"nulls\": 1, \"min\": \"z\", \"max\": \"\xc3\xa9\"}",
        "\"nulls\": 1, \"min\": \"-1.00\", \"max\": \"2.00\"}",
        "\"nulls\": 1, \"min\": \"-9999.9\", \"max\": \"0.4\"}",
        "\"nulls\": 1, \"min\": -3.5, \"max\": -3.5}",
        "\"nulls\": 1, \"min\": -0.0, \"max\": 0.0}",
        "{\"name\": \"nan\", \"physical\": \"FLOAT\", \"codec\": \"UNCOMPRESSED\", \"encodings\": [\"PLAIN\", "
        "\"RLE\"], \"dictionary\": false, \"values\": 3, \"nulls\": 2}",
        "\"nulls\": 1, \"min\": true, \"max\": true}",
        "\"nulls\": 1, \"min\": \"0001-01-01\", \"max\": \"2026-12-01\"}",
        "\"nulls\": 1, \"min\": \"1969-12-31T23:59:59.999999Z\", \"max\": \"2026-12-01T10:00:00.500000Z\"}",
    };
    assert_int_equal(l.count, 1);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_contains(l.line[0], want[i]);
    lines_free(&l);
    parquet_writer_free(w);
}

/* ---- Refusals ---- */

static void test_decimal_precision(void **state) {
    (void)state;
    const struct parquet_column columns[] = {{"p4", PARQUET_DECIMAL, 4, 2, 1}, {"p20", PARQUET_DECIMAL, 20, 0, 1}};
    struct parquet_writer *w = parquet_writer_new(columns, 2, PARQUET_COMPRESSION_NONE, 1 << 20);
    assert_int_equal(parquet_writer_decimal(w, 0, be64(10000), 8), PARQUET_BAD_VALUE);
    assert_contains(parquet_writer_error(w), "column \"p4\": a decimal with more digits than its precision");
    assert_int_equal(parquet_writer_decimal(w, 0, be64(-10000), 8), PARQUET_BAD_VALUE);
    assert_int_equal(parquet_writer_decimal(w, 0, be64(INT64_MIN), 8), PARQUET_BAD_VALUE);
    assert_int_equal(parquet_writer_decimal(w, 0, be64(0), 0), PARQUET_BAD_VALUE);
    assert_int_equal(decimal_hex(w, 1, "056bc75e2d63100000"), PARQUET_BAD_VALUE);   /* 10^20 */
    assert_int_equal(decimal_hex(w, 1, "fa9438a1d29cf00000"), PARQUET_BAD_VALUE);   /* -10^20 */
    assert_int_equal(decimal_hex(w, 1, "01000000000000000000"), PARQUET_BAD_VALUE); /* longer than 9 bytes */
    OK(parquet_writer_decimal(w, 0, be64(-9999), 8));
    OK(decimal_hex(w, 1, "ffffffffffffffffffffffff")); /* -1, sign-extended over 12 bytes */
    OK(parquet_writer_end_row(w));
    OK(decimal_hex(w, 0, "270f")); /* 9999 */
    OK(decimal_hex(w, 1, "fa9438a1d29cf00001"));
    OK(parquet_writer_end_row(w));
    const char *rows[] = {"[\"-99.99\", \"-1\"]", "[\"99.99\", \"-99999999999999999999\"]"};
    assert_read(finish_to_file(w), "[[\"p4\", \"decimal128(4, 2)\", true], [\"p20\", \"decimal128(20, 0)\", true]]",
                rows, 2, 1);
    parquet_writer_free(w);
}

static void test_refusals_leave_the_row(void **state) {
    (void)state;
    const struct parquet_column columns[] = {{"id", PARQUET_INT32, 0, 0, 0}, {"note", PARQUET_STRING, 0, 0, 1}};
    struct parquet_writer *w = parquet_writer_new(columns, 2, PARQUET_COMPRESSION_NONE, 1 << 20);
    assert_int_equal(parquet_writer_null(w, 0), PARQUET_BAD_VALUE);
    assert_string_equal(parquet_writer_error(w), "column \"id\": null in a required column");
    assert_int_equal(parquet_writer_int64(w, 0, 1), PARQUET_BAD_VALUE);
    assert_string_equal(parquet_writer_error(w), "column \"id\": a value of another type");
    assert_int_equal(parquet_writer_int32(w, 2, 1), PARQUET_BAD_VALUE);
    assert_string_equal(parquet_writer_error(w), "column \"?\": no such column");
    OK(parquet_writer_int32(w, 0, 1));
    assert_int_equal(parquet_writer_int32(w, 0, 2), PARQUET_BAD_VALUE);
    assert_string_equal(parquet_writer_error(w), "column \"id\": set twice in one row");
    assert_int_equal(parquet_writer_end_row(w), PARQUET_BAD_VALUE);
    assert_string_equal(parquet_writer_error(w), "column \"note\": no value in the row");
    OK(text(w, 1, "kept"));
    OK(parquet_writer_end_row(w));
    /* A half row discarded, and a full one discarded. */
    OK(parquet_writer_int32(w, 0, 2));
    parquet_writer_abort_row(w);
    OK(parquet_writer_int32(w, 0, 3));
    OK(text(w, 1, "dropped"));
    parquet_writer_abort_row(w);
    OK(parquet_writer_null(w, 1));
    OK(parquet_writer_int32(w, 0, 4));
    OK(parquet_writer_end_row(w));
    OK(parquet_writer_int32(w, 0, 5)); /* unfinished at finish: left out */
    assert_int_equal(parquet_writer_rows(w), 2);
    const char *rows[] = {"[1, \"kept\"]", "[4, null]"};
    const char *path = finish_to_file(w);
    assert_read(path, "[[\"id\", \"int32\", false], [\"note\", \"string\", true]]", rows, 2, 1);
    assert_int_equal(parquet_writer_int32(w, 0, 6), PARQUET_BAD_VALUE);
    assert_string_equal(parquet_writer_error(w), "column \"?\": the file is finished");
    assert_int_equal(parquet_writer_end_row(w), PARQUET_BAD_VALUE);
    parquet_writer_free(w);
}

static void test_bad_columns(void **state) {
    (void)state;
    const struct parquet_column bad[][1] = {
        {{NULL, PARQUET_INT32, 0, 0, 0}},  {{"d", PARQUET_DECIMAL, 0, 0, 0}},  {{"d", PARQUET_DECIMAL, 77, 0, 0}},
        {{"d", PARQUET_DECIMAL, 5, 6, 0}}, {{"d", PARQUET_DECIMAL, 5, -1, 0}}, {{"k", (enum parquet_kind)99, 0, 0, 0}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(parquet_writer_new(bad[i], 1, PARQUET_COMPRESSION_NONE, 1 << 20));
    assert_null(parquet_writer_new(bad[1], 0, (enum parquet_compression)7, 1 << 20));
    parquet_writer_free(NULL);
}

static void test_empty_file(void **state) {
    (void)state;
    struct parquet_writer *w = parquet_writer_new(id_and_city, 2, PARQUET_COMPRESSION_SNAPPY, 1 << 20);
    assert_read(finish_to_file(w), "[[\"id\", \"int64\", false], [\"city\", \"string\", true]]", NULL, 0, 1);
    parquet_writer_free(w);
}

/* ---- Accounting ---- */

static void test_memory_and_size(void **state) {
    (void)state;
    struct parquet_writer *w = parquet_writer_new(id_and_city, 2, PARQUET_COMPRESSION_NONE, 256 << 10);
    size_t empty = parquet_writer_memory(w);
    long long id = 0;
    for (; id < 5000; id++)
        add_id_and_city(w, id * 7919);
    size_t open = parquet_writer_memory(w), estimate = parquet_writer_size(w);
    assert_true(open > empty);
    assert_true(open >= estimate); /* the buffered values are held */
    for (; id < 60000; id++)
        add_id_and_city(w, id * 7919);
    /* Several groups closed: the file grows, the open group stays bounded. */
    estimate = parquet_writer_size(w);
    assert_true(parquet_writer_memory(w) >= estimate);
    size_t len;
    assert_non_null(parquet_writer_finish(w, &len));
    assert_true(estimate + estimate / 5 >= len && len + len / 5 >= estimate);
    assert_true(parquet_writer_memory(w) >= len);
    assert_true(parquet_writer_memory(w) < len + len / 2); /* the row group's buffers are gone */
    struct lines l = read_back("", finish_to_file(w));
    assert_int_equal(l.count, 60001);
    assert_string_equal(l.line[60000], "[475132081, \"Bergen\"]"); /* id 59999 * 7919 */
    lines_free(&l);
    parquet_writer_free(w);
}

static int group_setup(void **state) {
    (void)state;
    snprintf(folder, sizeof folder, "/tmp/test_parquet.XXXXXX");
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
        cmocka_unit_test(test_required_and_wide_decimal),
        cmocka_unit_test(test_all_null_columns),
        cmocka_unit_test(test_empty_and_large_values),
        cmocka_unit_test(test_row_groups),
        cmocka_unit_test(test_pages),
        cmocka_unit_test(test_codecs),
        cmocka_unit_test(test_dictionary_fallback),
        cmocka_unit_test(test_statistics),
        cmocka_unit_test(test_decimal_precision),
        cmocka_unit_test(test_refusals_leave_the_row),
        cmocka_unit_test(test_bad_columns),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_memory_and_size),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
