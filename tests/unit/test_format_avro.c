/* Unit tests of bridge/sink/format_avro.c: files written and read back by
 * an independent reader (fastavro, tests/unit/avro_read.py): every column
 * type with its logical type and exact values, the writer schema (nullable
 * unions, names made Avro names), each codec over many blocks, a schema
 * change asking for a new file, rejected values and headers leaving the
 * file as it was, tombstones and values with no row. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "assert_text.h"
#include "sink/format_avro.h"
#include "sink/row_schema.h"

#define PYTHON ".deps/venv/bin/python3"
#define READER "tests/unit/avro_read.py"

/* The envelope CDC writes, around an image. */
#define ENVELOPE(image)                                                                                                \
    "{\"before\":null,\"after\":" image ",\"source\":{\"version\":\"bridgelab-0.1\",\"connector\":\"mysql\","          \
    "\"name\":\"dc01\",\"ts_ms\":1796119200000,\"snapshot\":\"false\",\"db\":\"orders\",\"sequence\":null,"            \
    "\"table\":\"t\",\"server_id\":1,\"gtid\":null,\"file\":\"mysql-bin.000003\",\"pos\":4711,\"row\":0,"              \
    "\"thread\":null,\"query\":null},\"op\":\"c\",\"ts_ms\":1796119200001,\"transaction\":null}"
#define ENVELOPE_VALUES                                                                                                \
    "\"__op\":\"c\",\"__file\":\"mysql-bin.000003\",\"__pos\":4711,\"__row\":0,\"__gtid\":null,"                       \
    "\"__source_ts_ms\":1796119200000"

static struct avro_file *file_new(enum avro_codec codec) {
    struct format_options o = {.format = SINK_FORMAT_AVRO, .avro_codec = codec};
    struct avro_file *f = avro_file_new(&o);
    assert_non_null(f);
    return f;
}

static int64_t next_offset;

/* Appends one record of the topic "dc01_t"; err gets the error. */
static enum format_append append_to(struct avro_file *f, const char *topic, const char *header, const char *value,
                                    char *err, size_t errlen) {
    struct sink_record r = {.topic = topic,
                            .partition = 3,
                            .offset = next_offset++,
                            .value = value,
                            .value_len = value ? strlen(value) : 0,
                            .columns = header,
                            .columns_len = header ? strlen(header) : 0};
    enum format_append result = avro_file_append(f, &r, err, errlen);
    sink_record_release(&r);
    return result;
}

static enum format_append append(struct avro_file *f, const char *header, const char *value) {
    char err[1024];
    enum format_append result = append_to(f, "dc01_t", header, value, err, sizeof err);
    if (result == FORMAT_REJECTED)
        print_message("rejected: %s\n", err);
    return result;
}

/* The finished file as avro_read.py prints it (free()). */
static char *read_back(struct avro_file *f) {
    if (access(PYTHON, X_OK) != 0)
        fail_msg("%s is missing: run `make deps` (the tests read Avro files with its fastavro), from the repository "
                 "root",
                 PYTHON);
    size_t len;
    const char *data = avro_file_finish(f, &len);
    assert_non_null(data);
    char path[] = "/tmp/test_format_avro.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    char command[256];
    snprintf(command, sizeof command, "%s %s %s 2>&1", PYTHON, READER, path);
    FILE *p = popen(command, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    for (size_t got; out && (got = fread(out + n, 1, cap - n - 1, p)) > 0;) {
        n += got;
        char *grown = cap - n - 1 == 0 ? realloc(out, cap *= 2) : out;
        if (!grown)
            free(out);
        out = grown;
    }
    assert_non_null(out);
    out[n] = '\0';
    int status = pclose(p);
    unlink(path);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s failed: %s", READER, out);
    return out;
}

/* Line n (0: the header line) of text, without its "\n" (free()). */
static char *line_of(const char *text, int n) {
    for (int i = 0; i < n && text; i++)
        text = (text = strchr(text, '\n')) ? text + 1 : NULL;
    if (!text || !*text)
        return NULL;
    return strndup(text, strcspn(text, "\n"));
}

static int lines_in(const char *text) {
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static void assert_line(const char *text, int n, const char *expected) {
    char *line = line_of(text, n);
    if (!line || strcmp(line, expected) != 0)
        fail_msg("line %d:\n got %s\nwant %s", n, line ? line : "(none)", expected);
    free(line);
}

#define ALL_TYPES                                                                                                      \
    "[[\"b\",\"boolean\"],[\"i\",\"int32\"],[\"l\",\"int64?\"],[\"u\",\"uint64\"],[\"f\",\"float\"],"                  \
    "[\"d\",\"double\"],[\"price\",\"decimal(10,2)?\"],[\"wide\",\"decimal(65,30)\"],[\"s\",\"string\"],"              \
    "[\"raw\",\"bytes?\"],[\"day\",\"date\"],[\"t\",\"time?\"],[\"at\",\"timestamp?\"]]"

static void test_every_type(void **state) {
    (void)state;
    struct avro_file *f = file_new(AVRO_CODEC_NULL);
    assert_null(avro_file_schema(f));
    assert_int_equal(append(f, ALL_TYPES,
                            ENVELOPE("{\"b\":true,\"i\":-5,\"l\":null,\"u\":18446744073709551615,\"f\":1.5,"
                                     "\"d\":-2.25,\"price\":\"-12.5\",\"wide\":\"-12345678901234567890123456789012345."
                                     "123456789012345678901234567890\",\"s\":\"caf\\u00e9 \\u0000x\","
                                     "\"raw\":\"AAEC/w==\",\"day\":\"1969-12-31\",\"t\":\"-838:59:59.5\","
                                     "\"at\":\"1969-07-20T20:17:40.000123Z\"}")),
                     FORMAT_APPENDED);
    assert_int_equal(append(f, ALL_TYPES,
                            ENVELOPE("{\"b\":false,\"i\":2147483647,\"l\":-9223372036854775808,\"u\":0,"
                                     "\"f\":-0.25,\"d\":1e300,\"price\":null,\"wide\":\"0\",\"s\":\"\","
                                     "\"raw\":null,\"day\":\"0001-01-01\",\"t\":null,\"at\":null}")),
                     FORMAT_APPENDED);
    assert_int_equal(
        append(f, ALL_TYPES,
               ENVELOPE("{\"b\":true,\"i\":0,\"l\":1,\"u\":\"9223372036854775808\",\"f\":3,\"d\":0.1,"
                        "\"price\":\"99999999.99\",\"wide\":\"99999999999999999999999999999999999."
                        "999999999999999999999999999999\",\"s\":\"{\\\"a\\\":1}\",\"raw\":\"\","
                        "\"day\":\"9999-12-31\",\"t\":\"00:00:00\",\"at\":\"9999-12-31T23:59:59.999999Z\"}")),
        FORMAT_APPENDED);
    assert_int_equal(avro_file_records(f), 3);
    const struct row_schema *s = avro_file_schema(f);
    assert_non_null(s);
    assert_int_equal(s->count, 19);
    char *out = read_back(f);
    assert_int_equal(lines_in(out), 4);
    assert_line(
        out, 0,
        "{\"codec\":\"null\",\"schema\":{\"type\":\"record\",\"name\":\"dc01_t\",\"fields\":["
        "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"i\",\"type\":\"int\"},"
        "{\"name\":\"l\",\"type\":[\"null\",\"long\"],\"default\":null},"
        "{\"name\":\"u\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":20,\"scale\":0}},"
        "{\"name\":\"f\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"double\"},"
        "{\"name\":\"price\",\"type\":[\"null\",{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,"
        "\"scale\":2}],\"default\":null},"
        "{\"name\":\"wide\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":65,\"scale\":30}},"
        "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"raw\",\"type\":[\"null\",\"bytes\"],\"default\":null},"
        "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
        "{\"name\":\"t\",\"type\":[\"null\",\"string\"],\"default\":null},"
        "{\"name\":\"at\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}],"
        "\"default\":null},"
        "{\"name\":\"__op\",\"type\":\"string\"},{\"name\":\"__file\",\"type\":[\"null\",\"string\"],\"default\":null},"
        "{\"name\":\"__pos\",\"type\":[\"null\",\"long\"],\"default\":null},"
        "{\"name\":\"__row\",\"type\":[\"null\",\"long\"],\"default\":null},"
        "{\"name\":\"__gtid\",\"type\":[\"null\",\"string\"],\"default\":null},"
        "{\"name\":\"__source_ts_ms\",\"type\":[\"null\",\"long\"],\"default\":null}]}}");
    assert_line(out, 1,
                "{\"b\":true,\"i\":-5,\"l\":null,\"u\":\"18446744073709551615\",\"f\":1.5,\"d\":-2.25,"
                "\"price\":\"-12.50\",\"wide\":\"-12345678901234567890123456789012345.123456789012345678901234567890\","
                "\"s\":\"caf\xc3\xa9 \\u0000x\",\"raw\":{\"hex\":\"000102ff\"},\"day\":\"1969-12-31\","
                "\"t\":\"-838:59:59.5\",\"at\":\"1969-07-20T20:17:40.000123+00:00\"," ENVELOPE_VALUES "}");
    assert_line(out, 2,
                "{\"b\":false,\"i\":2147483647,\"l\":-9223372036854775808,\"u\":\"0\",\"f\":-0.25,\"d\":1e+300,"
                "\"price\":null,\"wide\":\"0.000000000000000000000000000000\",\"s\":\"\",\"raw\":null,\"day\":\"0001-"
                "01-01\",\"t\":null,"
                "\"at\":null," ENVELOPE_VALUES "}");
    assert_line(out, 3,
                "{\"b\":true,\"i\":0,\"l\":1,\"u\":\"9223372036854775808\",\"f\":3.0,\"d\":0.1,"
                "\"price\":\"99999999.99\","
                "\"wide\":\"99999999999999999999999999999999999.999999999999999999999999999999\","
                "\"s\":\"{\\\"a\\\":1}\",\"raw\":{\"hex\":\"\"},\"day\":\"9999-12-31\",\"t\":\"00:00:00\","
                "\"at\":\"9999-12-31T23:59:59.999999+00:00\"," ENVELOPE_VALUES "}");
    free(out);
    avro_file_free(f);
    avro_file_free(NULL);
}

static void test_names(void **state) {
    (void)state;
    /* Names that are not Avro names are made ones; the original is the doc. */
    struct avro_file *f = file_new(AVRO_CODEC_NULL);
    char err[512];
    assert_int_equal(append_to(f, "dc01.sales-orders",
                               "[[\"1st\",\"int32\"],[\"a b\",\"int32\"],[\"a_b\",\"int32\"],[\"\",\"int32\"],"
                               "[\"caf\xc3\xa9\",\"int32\"]]",
                               "{\"1st\":1,\"a b\":2,\"a_b\":3,\"\":4,\"caf\xc3\xa9\":5}", err, sizeof err),
                     FORMAT_APPENDED);
    char *out = read_back(f);
    assert_line(
        out, 0,
        "{\"codec\":\"null\",\"schema\":{\"type\":\"record\",\"name\":\"dc01_sales_orders\","
        "\"fields\":[{\"name\":\"_1st\",\"type\":\"int\",\"doc\":\"1st\"},"
        "{\"name\":\"a_b\",\"type\":\"int\",\"doc\":\"a b\"},{\"name\":\"a_b_2\",\"type\":\"int\",\"doc\":\"a_b\"},"
        "{\"name\":\"_\",\"type\":\"int\",\"doc\":\"\"},"
        "{\"name\":\"caf__\",\"type\":\"int\",\"doc\":\"caf\xc3\xa9\"}],"
        "\"doc\":\"dc01.sales-orders\"}}");
    assert_line(out, 1, "{\"_1st\":1,\"a_b\":2,\"a_b_2\":3,\"_\":4,\"caf__\":5}");
    free(out);
    avro_file_free(f);
}

static void test_codecs(void **state) {
    (void)state;
    static const struct {
        enum avro_codec codec;
        const char *name;
    } codecs[] = {{AVRO_CODEC_NULL, "null"}, {AVRO_CODEC_DEFLATE, "deflate"}, {AVRO_CODEC_SNAPPY, "snappy"}};
    const char *header = "[[\"id\",\"int64\"],[\"note\",\"string?\"],[\"price\",\"decimal(12,2)\"]]";
    for (size_t c = 0; c < sizeof codecs / sizeof codecs[0]; c++) {
        struct avro_file *f = file_new(codecs[c].codec);
        char value[256];
        /* Over 30 bytes a record: enough for several blocks. */
        for (int i = 0; i < 5000; i++) {
            snprintf(value, sizeof value, "{\"id\":%d,\"note\":%s,\"price\":\"%d.%02d\"}", i,
                     i % 7 ? "\"the same note, again and again\"" : "null", i * 3, i % 100);
            assert_int_equal(append(f, header, value), FORMAT_APPENDED);
        }
        size_t estimate = avro_file_size(f), len;
        assert_true(avro_file_memory(f) >= estimate);
        const char *data = avro_file_finish(f, &len);
        assert_non_null(data);
        assert_true(len <= estimate);
        if (codecs[c].codec == AVRO_CODEC_NULL)
            assert_true(len > 5000 * 30);
        else
            assert_true(len < 5000 * 15); /* compressed */
        /* Finished again: the same bytes. */
        size_t again;
        assert_ptr_equal(avro_file_finish(f, &again), data);
        assert_int_equal(again, len);
        char *out = read_back(f);
        assert_int_equal(lines_in(out), 5001);
        char *first = line_of(out, 0);
        char codec[64];
        snprintf(codec, sizeof codec, "{\"codec\":\"%s\",", codecs[c].name);
        assert_contains(first, codec);
        free(first);
        assert_line(out, 1, "{\"id\":0,\"note\":null,\"price\":\"0.00\"}");
        assert_line(out, 2, "{\"id\":1,\"note\":\"the same note, again and again\",\"price\":\"3.01\"}");
        assert_line(out, 5000, "{\"id\":4999,\"note\":\"the same note, again and again\",\"price\":\"14997.99\"}");
        free(out);
        avro_file_free(f);
    }
}

static void test_schema_change(void **state) {
    (void)state;
    const char *before = "[[\"id\",\"int32\"],[\"name\",\"string?\"]]";
    const char *added = "[[\"id\",\"int32\"],[\"name\",\"string?\"],[\"email\",\"string?\"]]";
    const char *spaced = "[ [\"id\", \"int32\"], [\"name\", \"string?\"] ]"; /* the same columns */
    struct avro_file *f = file_new(AVRO_CODEC_DEFLATE);
    assert_int_equal(append(f, before, "{\"id\":1,\"name\":\"a\"}"), FORMAT_APPENDED);
    assert_int_equal(append(f, added, "{\"id\":2,\"name\":\"b\",\"email\":\"b@x\"}"), FORMAT_NEW_FILE);
    assert_int_equal(append(f, added, "{\"id\":3,\"name\":\"c\",\"email\":null}"), FORMAT_NEW_FILE); /* again */
    assert_int_equal(append(f, spaced, "{\"id\":4,\"name\":\"d\"}"), FORMAT_APPENDED);
    assert_int_equal(append(f, before, ENVELOPE("{\"id\":5,\"name\":\"e\"}")), FORMAT_NEW_FILE); /* + envelope */
    assert_int_equal(append(f, NULL, "{\"id\":6,\"name\":\"f\"}"), FORMAT_NEW_FILE);             /* inferred */
    assert_int_equal(append(f, "[[\"id\",\"int64\"],[\"name\",\"string?\"]]", "{\"id\":7}"), FORMAT_NEW_FILE);
    assert_int_equal(append(f, before, "{\"id\":8,\"name\":null}"), FORMAT_APPENDED);
    assert_int_equal(avro_file_records(f), 3);
    char *out = read_back(f);
    assert_int_equal(lines_in(out), 4);
    assert_line(out, 1, "{\"id\":1,\"name\":\"a\"}");
    assert_line(out, 2, "{\"id\":4,\"name\":\"d\"}");
    assert_line(out, 3, "{\"id\":8,\"name\":null}");
    free(out);
    avro_file_free(f);
    /* Inferred schemas: the types of the values decide. */
    f = file_new(AVRO_CODEC_NULL);
    assert_int_equal(append(f, NULL, "{\"id\":1,\"x\":2.5}"), FORMAT_APPENDED);
    assert_int_equal(append(f, NULL, "{\"id\":2,\"x\":\"s\"}"), FORMAT_NEW_FILE);
    assert_int_equal(append(f, NULL, "{\"id\":3,\"x\":3.5}"), FORMAT_APPENDED);
    out = read_back(f);
    assert_line(out, 2, "{\"id\":3,\"x\":3.5}");
    free(out);
    avro_file_free(f);
}

static void test_rejected(void **state) {
    (void)state;
    const char *header = "[[\"id\",\"int32\"],[\"price\",\"decimal(5,2)\"]]";
    struct avro_file *f = file_new(AVRO_CODEC_SNAPPY);
    char err[1024];
    /* A first record rejected leaves the file without a schema. */
    next_offset = 100;
    assert_int_equal(append_to(f, "dc01_t", header, "{\"id\":1,\"price\":\"1.234\"}", err, sizeof err),
                     FORMAT_REJECTED);
    assert_contains(err, "topic dc01_t partition 3 offset 100: column \"price\" (decimal(5,2)): the value \"1.234\" "
                         "has more fraction digits than the column's scale");
    assert_contains(err, "sink.format=json");
    assert_null(strchr(err, '\n'));
    assert_null(avro_file_schema(f));
    assert_int_equal(avro_file_records(f), 0);
    size_t len;
    assert_non_null(avro_file_finish(f, &len));
    assert_int_equal(len, 0);
    avro_file_free(f);

    f = file_new(AVRO_CODEC_SNAPPY);
    assert_int_equal(append(f, header, "{\"id\":1,\"price\":\"1.5\"}"), FORMAT_APPENDED);
    size_t size = avro_file_size(f);
    assert_int_equal(append_to(f, "dc01_t", header, "{\"id\":2147483648,\"price\":\"1\"}", err, sizeof err),
                     FORMAT_REJECTED);
    assert_contains(err, "column \"id\" (int32): the value 2147483648 is not a 32-bit integer");
    assert_int_equal(append_to(f, "dc01_t", header, "{\"id\":3,\"price\":null}", err, sizeof err), FORMAT_REJECTED);
    assert_contains(err, "column \"price\" (decimal(5,2), not nullable) is null");
    assert_int_equal(append_to(f, "dc01_t", header, "{\"price\":\"2\"}", err, sizeof err), FORMAT_REJECTED);
    assert_contains(err, "column \"id\" (int32, not nullable) is missing from the row");
    /* A header that does not parse. */
    next_offset = 200;
    assert_int_equal(append_to(f, "dc01_t", "[[\"id\",\"integer\"]]", "{\"id\":4}", err, sizeof err), FORMAT_REJECTED);
    assert_contains(err, "topic dc01_t partition 3 offset 200: the bridgelab.columns header: column \"id\": unknown "
                         "type \"integer\"");
    assert_int_equal(avro_file_size(f), size);
    assert_int_equal(append(f, header, "{\"id\":5,\"price\":\"-999.99\"}"), FORMAT_APPENDED);
    assert_int_equal(avro_file_records(f), 2);
    char *out = read_back(f);
    assert_int_equal(lines_in(out), 3);
    assert_line(out, 1, "{\"id\":1,\"price\":\"1.50\"}");
    assert_line(out, 2, "{\"id\":5,\"price\":\"-999.99\"}");
    free(out);
    avro_file_free(f);
}

static void test_tombstones_and_no_row(void **state) {
    (void)state;
    struct avro_file *f = file_new(AVRO_CODEC_DEFLATE);
    const char *header = "[[\"id\",\"int32\"]]";
    assert_int_equal(append(f, header, NULL), FORMAT_SKIPPED);
    assert_int_equal(append(f, header, "[1,2]"), FORMAT_SKIPPED);
    assert_int_equal(append(f, header, "not json"), FORMAT_SKIPPED);
    assert_int_equal(append(f, header, ENVELOPE("null")), FORMAT_SKIPPED);
    assert_int_equal(avro_file_records(f), 0);
    assert_null(avro_file_schema(f));
    assert_int_equal(avro_file_size(f), 0);
    size_t len;
    assert_non_null(avro_file_finish(f, &len));
    assert_int_equal(len, 0); /* no record, no file */
    avro_file_free(f);

    f = file_new(AVRO_CODEC_NULL);
    assert_int_equal(append(f, header, "{\"id\":1}"), FORMAT_APPENDED);
    assert_int_equal(append(f, header, NULL), FORMAT_SKIPPED);
    assert_int_equal(append(f, header, "{\"id\":2}"), FORMAT_APPENDED);
    char *out = read_back(f);
    assert_int_equal(lines_in(out), 3);
    assert_line(out, 2, "{\"id\":2}");
    free(out);
    avro_file_free(f);
}

static void test_large_record(void **state) {
    (void)state;
    /* A record larger than a block is a block of its own. */
    struct avro_file *f = file_new(AVRO_CODEC_SNAPPY);
    size_t n = 300000;
    char *value = malloc(n + 32);
    strcpy(value, "{\"s\":\"");
    memset(value + 6, 'x', n);
    strcpy(value + 6 + n, "\"}");
    assert_int_equal(append(f, "[[\"s\",\"string\"]]", "{\"s\":\"small\"}"), FORMAT_APPENDED);
    assert_int_equal(append(f, "[[\"s\",\"string\"]]", value), FORMAT_APPENDED);
    assert_int_equal(append(f, "[[\"s\",\"string\"]]", "{\"s\":\"after\"}"), FORMAT_APPENDED);
    free(value);
    char *out = read_back(f);
    assert_int_equal(lines_in(out), 4);
    char *line = line_of(out, 2);
    assert_int_equal(strlen(line), n + 8);
    free(line);
    assert_line(out, 3, "{\"s\":\"after\"}");
    free(out);
    avro_file_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),   cmocka_unit_test(test_names),
        cmocka_unit_test(test_codecs),       cmocka_unit_test(test_schema_change),
        cmocka_unit_test(test_rejected),     cmocka_unit_test(test_tombstones_and_no_row),
        cmocka_unit_test(test_large_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
