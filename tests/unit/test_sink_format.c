/* Unit tests of bridge/sink/format.c: the names of formats and codecs,
 * JSON lines (values as they are, line ends inside a value, zero-length
 * values), CSV (the header from the first record, RFC 4180 quoting of
 * commas, quotes, CR and LF, UTF-8, numbers that keep their value, nested
 * values, values with no row), bytes (values as they are, each followed by
 * the separator, whatever it is), a change of columns asking for a new
 * file, tombstones left out, the buffer's growth, and Avro handed to
 * format_avro.c (its own suite reads its files). Every check of the
 * buffered formats compares the file's exact bytes. */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <string.h>

#include "assert_text.h"
#include "sink/format.h"
#include "sink/row_schema.h"

static struct format_writer *writer_new(enum sink_format format) {
    struct format_options o = {.format = format, .bytes_separator = "\n", .bytes_separator_len = 1};
    struct format_writer *w = format_writer_new(&o);
    assert_non_null(w);
    return w;
}

static enum format_append append(struct format_writer *w, const char *value, size_t len) {
    static int64_t offset;
    struct sink_record r = {.topic = "t", .offset = offset, .value = value, .value_len = len};
    offset++;
    enum format_append result = format_writer_append(w, &r);
    sink_record_release(&r);
    return result;
}

static enum format_append append_text(struct format_writer *w, const char *value) {
    return append(w, value, value ? strlen(value) : 0);
}

static void assert_data(struct format_writer *w, const char *expected, size_t expected_len) {
    size_t len;
    assert_int_equal(format_writer_size(w), expected_len);
    const char *data = format_writer_finish(w, &len);
    if (len != expected_len || memcmp(data, expected, len) != 0)
        fail_msg("got [%.*s] (%zu bytes), want [%.*s] (%zu bytes)", (int)len, data, len, (int)expected_len, expected,
                 expected_len);
    assert_true(format_writer_memory(w) >= len);
    assert_null(format_writer_schema(w));
}

#define ASSERT_DATA(w, literal) assert_data((w), (literal), sizeof(literal) - 1)

static void test_names(void **state) {
    (void)state;
    static const struct {
        const char *name;
        enum sink_format format;
        const char *extension, *content_type;
    } names[] = {
        {"json", SINK_FORMAT_JSON, "json", "application/x-ndjson"},
        {"csv", SINK_FORMAT_CSV, "csv", "text/csv"},
        {"bytes", SINK_FORMAT_BYTES, "bin", "application/octet-stream"},
        {"avro", SINK_FORMAT_AVRO, "avro", "application/avro"},
        {"parquet", SINK_FORMAT_PARQUET, "parquet", "application/vnd.apache.parquet"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        enum sink_format f = (enum sink_format) - 1;
        assert_int_equal(sink_format_parse(names[i].name, &f), 0);
        assert_int_equal(f, names[i].format);
        assert_string_equal(sink_format_extension(f), names[i].extension);
        assert_string_equal(sink_format_content_type(f), names[i].content_type);
    }
    enum sink_format f;
    const char *bad[] = {"", "JSON", "jsonl", "orc", "bin", "csv ", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(sink_format_parse(bad[i], &f), -1);

    enum avro_codec a = (enum avro_codec) - 1;
    assert_int_equal(avro_codec_parse("null", &a), 0);
    assert_int_equal(a, AVRO_CODEC_NULL);
    assert_int_equal(avro_codec_parse("deflate", &a), 0);
    assert_int_equal(a, AVRO_CODEC_DEFLATE);
    assert_int_equal(avro_codec_parse("snappy", &a), 0);
    assert_int_equal(a, AVRO_CODEC_SNAPPY);
    const char *bad_avro[] = {"", "none", "zstd", "Snappy", NULL};
    for (size_t i = 0; i < sizeof bad_avro / sizeof bad_avro[0]; i++)
        assert_int_equal(avro_codec_parse(bad_avro[i], &a), -1);

    enum parquet_codec p = (enum parquet_codec) - 1;
    assert_int_equal(parquet_codec_parse("none", &p), 0);
    assert_int_equal(p, PARQUET_CODEC_NONE);
    assert_int_equal(parquet_codec_parse("snappy", &p), 0);
    assert_int_equal(p, PARQUET_CODEC_SNAPPY);
    assert_int_equal(parquet_codec_parse("zstd", &p), 0);
    assert_int_equal(p, PARQUET_CODEC_ZSTD);
    const char *bad_parquet[] = {"", "null", "deflate", "gzip", NULL};
    for (size_t i = 0; i < sizeof bad_parquet / sizeof bad_parquet[0]; i++)
        assert_int_equal(parquet_codec_parse(bad_parquet[i], &p), -1);
}

static void test_empty_writer(void **state) {
    (void)state;
    enum sink_format formats[] = {SINK_FORMAT_JSON, SINK_FORMAT_CSV, SINK_FORMAT_BYTES};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        struct format_writer *w = writer_new(formats[i]);
        assert_int_equal(format_writer_records(w), 0);
        assert_string_equal(format_writer_error(w), "");
        ASSERT_DATA(w, "");
        format_writer_free(w);
    }
    format_writer_free(NULL);
}

static void test_json_lines(void **state) {
    (void)state;
    struct format_writer *w = writer_new(SINK_FORMAT_JSON);
    assert_int_equal(append_text(w, "{\"id\":1,\"price\":2.50}"), FORMAT_APPENDED);
    assert_int_equal(append_text(w, NULL), FORMAT_SKIPPED); /* a tombstone */
    assert_int_equal(append_text(w, "{\"big\":18446744073709551615,\"s\":\"caf\xc3\xa9\"}"), FORMAT_APPENDED);
    /* Line ends inside a value are whitespace: they become spaces. */
    assert_int_equal(append_text(w, "{\r\n  \"a\": 1,\n  \"b\": \"x\\ny\"\n}"), FORMAT_APPENDED);
    assert_int_equal(append(w, "", 0), FORMAT_APPENDED); /* zero-length: null */
    assert_int_equal(append_text(w, "[1,2]"), FORMAT_APPENDED);
    /* Columns mean nothing to JSON lines: no new file. */
    assert_int_equal(append_text(w, "{\"other\":true}"), FORMAT_APPENDED);
    assert_int_equal(format_writer_records(w), 6);
    ASSERT_DATA(w, "{\"id\":1,\"price\":2.50}\n"
                   "{\"big\":18446744073709551615,\"s\":\"caf\xc3\xa9\"}\n"
                   "{    \"a\": 1,   \"b\": \"x\\ny\" }\n"
                   "null\n"
                   "[1,2]\n"
                   "{\"other\":true}\n");
    format_writer_free(w);
}

static void test_json_value_length_counts(void **state) {
    (void)state;
    /* The value's length decides, not a NUL: bytes after it are not the
     * record's, a NUL inside is kept. */
    struct format_writer *w = writer_new(SINK_FORMAT_JSON);
    assert_int_equal(append(w, "{\"a\":1}garbage", 7), FORMAT_APPENDED);
    assert_int_equal(append(w, "\"a\0b\"", 5), FORMAT_APPENDED);
    ASSERT_DATA(w, "{\"a\":1}\n\"a\0b\"\n");
    format_writer_free(w);
}

/* The envelope CDC writes for a sales_order_details row. */
#define SOD(op, image)                                                                                                 \
    "{\"before\":" image ",\"after\":" image ",\"source\":{\"version\":\"bridgelab-0.1\",\"connector\":\"mysql\","     \
    "\"name\":\"dc01\",\"ts_ms\":1796119200000,\"snapshot\":\"false\",\"db\":\"orders\",\"sequence\":null,"            \
    "\"table\":\"sales_order_details\",\"server_id\":1,\"gtid\":null,\"file\":\"mysql-bin.000003\",\"pos\":4711,"      \
    "\"row\":0,\"thread\":null,\"query\":null},\"op\":\"" op "\",\"ts_ms\":1796119200001,\"transaction\":null}"

static void test_csv_envelopes(void **state) {
    (void)state;
    struct format_writer *w = writer_new(SINK_FORMAT_CSV);
    assert_int_equal(
        append_text(w, SOD("c", "{\"id\":1,\"sales_order_id\":1,\"product_id\":7,\"quantity\":3,\"price\":\"2.50\"}")),
        FORMAT_APPENDED);
    assert_int_equal(append_text(w, SOD("u", "{\"id\":1,\"sales_order_id\":1,\"product_id\":7,\"quantity\":4,"
                                             "\"price\":\"2.50\"}")),
                     FORMAT_APPENDED);
    assert_int_equal(append_text(w, NULL), FORMAT_SKIPPED); /* the tombstone after a delete */
    assert_int_equal(append_text(w, SOD("d", "{\"id\":1,\"sales_order_id\":null,\"product_id\":7,\"quantity\":4,"
                                             "\"price\":null}")),
                     FORMAT_APPENDED);
    assert_int_equal(format_writer_records(w), 3);
    ASSERT_DATA(w, "id,sales_order_id,product_id,quantity,price,__op,__file,__pos,__row,__gtid,__source_ts_ms\r\n"
                   "1,1,7,3,2.50,c,mysql-bin.000003,4711,0,,1796119200000\r\n"
                   "1,1,7,4,2.50,u,mysql-bin.000003,4711,0,,1796119200000\r\n"
                   "1,,7,4,,d,mysql-bin.000003,4711,0,,1796119200000\r\n");
    format_writer_free(w);
}

static void test_csv_quoting(void **state) {
    (void)state;
    struct format_writer *w = writer_new(SINK_FORMAT_CSV);
    assert_int_equal(append_text(w,
                                 "{\"name\":\"Acme, Ltd\",\"note\":\"say \\\"hi\\\"\",\"lines\":\"a\\r\\nb\\nc\\rd\","
                                 "\"city\":\"K\xc3\xb8"
                                 "benhavn\",\"plain\":\" spaced \",\"empty\":\"\","
                                 "\"q\":\"\\\"\"}"),
                     FORMAT_APPENDED);
    ASSERT_DATA(w, "name,note,lines,city,plain,empty,q\r\n"
                   "\"Acme, Ltd\",\"say \"\"hi\"\"\",\"a\r\nb\nc\rd\",K\xc3\xb8"
                   "benhavn, spaced ,,\"\"\"\"\r\n");
    format_writer_free(w);
    /* Column names are quoted the same way. */
    w = writer_new(SINK_FORMAT_CSV);
    assert_int_equal(append_text(w, "{\"a,b\":1,\"say \\\"x\\\"\":2,\"line\\nend\":3,\"\xc3\xa9t\xc3\xa9\":4}"),
                     FORMAT_APPENDED);
    ASSERT_DATA(w, "\"a,b\",\"say \"\"x\"\"\",\"line\nend\",\xc3\xa9t\xc3\xa9\r\n1,2,3,4\r\n");
    format_writer_free(w);
}

static void test_csv_values(void **state) {
    (void)state;
    struct format_writer *w = writer_new(SINK_FORMAT_CSV);
    assert_int_equal(append_text(w, "{\"int\":-7,\"max\":9223372036854775807,\"big\":18446744073709551615,"
                                    "\"dec\":\"1234567890.12\",\"real\":2.50,\"exp\":1e3,\"tiny\":0.1,"
                                    "\"huge\":1e400,\"t\":true,\"f\":false,\"n\":null,"
                                    "\"obj\":{\"a\":[1,\"x\"]},\"arr\":[],\"nul\":\"a\\u0000b\"}"),
                     FORMAT_APPENDED);
    ASSERT_DATA(w, "int,max,big,dec,real,exp,tiny,huge,t,f,n,obj,arr,nul\r\n"
                   "-7,9223372036854775807,18446744073709551615,1234567890.12,2.5,1000.0,0.1,1e400,true,false,,"
                   "\"{\"\"a\"\":[1,\"\"x\"\"]}\",[],a\0b\r\n");
    format_writer_free(w);
}

static void test_csv_values_without_row(void **state) {
    (void)state;
    /* One column "value" with the text. */
    struct format_writer *w = writer_new(SINK_FORMAT_CSV);
    assert_int_equal(append_text(w, "[1,2]"), FORMAT_APPENDED);
    assert_int_equal(append_text(w, "not json"), FORMAT_APPENDED);
    assert_int_equal(append(w, "", 0), FORMAT_APPENDED);
    assert_int_equal(append_text(w, "a\"b"), FORMAT_APPENDED);
    /* An object with the one column "value" fits the same file. */
    assert_int_equal(append_text(w, "{\"value\":5}"), FORMAT_APPENDED);
    /* Other columns do not. */
    assert_int_equal(append_text(w, "{\"id\":5}"), FORMAT_NEW_FILE);
    ASSERT_DATA(w, "value\r\n\"[1,2]\"\r\nnot json\r\n\r\n\"a\"\"b\"\r\n5\r\n");
    assert_int_equal(format_writer_records(w), 5);
    format_writer_free(w);
}

static void test_csv_columns_change(void **state) {
    (void)state;
    const char *before = "{\"id\":1,\"name\":\"a\"}";
    const char *added = "{\"id\":2,\"name\":\"b\",\"email\":\"b@x\"}"; /* ALTER TABLE ADD COLUMN */
    const char *dropped = "{\"id\":3}";
    const char *reordered = "{\"name\":\"c\",\"id\":4}";
    const char *renamed = "{\"id\":5,\"title\":\"e\"}";
    struct format_writer *w = writer_new(SINK_FORMAT_CSV);
    assert_int_equal(append_text(w, before), FORMAT_APPENDED);
    assert_int_equal(append_text(w, added), FORMAT_NEW_FILE);
    assert_int_equal(append_text(w, dropped), FORMAT_NEW_FILE);
    assert_int_equal(append_text(w, reordered), FORMAT_NEW_FILE);
    assert_int_equal(append_text(w, renamed), FORMAT_NEW_FILE);
    assert_int_equal(append_text(w, "[]"), FORMAT_NEW_FILE);
    assert_int_equal(append_text(w, NULL), FORMAT_SKIPPED);
    assert_int_equal(append_text(w, "{\"id\":6,\"name\":\"f\"}"), FORMAT_APPENDED);
    /* Nothing of the refused records was written. */
    ASSERT_DATA(w, "id,name\r\n1,a\r\n6,f\r\n");
    assert_int_equal(format_writer_records(w), 2);
    format_writer_free(w);
    /* The caller's new file takes the record, whose columns are its header. */
    w = writer_new(SINK_FORMAT_CSV);
    assert_int_equal(append_text(w, added), FORMAT_APPENDED);
    ASSERT_DATA(w, "id,name,email\r\n2,b,b@x\r\n");
    format_writer_free(w);
}

static void test_tombstones_only(void **state) {
    (void)state;
    enum sink_format formats[] = {SINK_FORMAT_JSON, SINK_FORMAT_CSV, SINK_FORMAT_BYTES, SINK_FORMAT_AVRO};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        struct format_writer *w = writer_new(formats[i]);
        assert_int_equal(append_text(w, NULL), FORMAT_SKIPPED);
        assert_int_equal(append_text(w, NULL), FORMAT_SKIPPED);
        assert_int_equal(format_writer_records(w), 0);
        ASSERT_DATA(w, ""); /* no header without a record */
        format_writer_free(w);
    }
}

static void test_growth(void **state) {
    (void)state;
    struct format_writer *w = writer_new(SINK_FORMAT_CSV);
    char value[128], expected[64];
    size_t total = strlen("id,text\r\n");
    for (int i = 0; i < 20000; i++) {
        snprintf(value, sizeof value, "{\"id\":%d,\"text\":\"row %d, \\\"quoted\\\"\"}", i, i);
        assert_int_equal(append_text(w, value), FORMAT_APPENDED);
        total += (size_t)snprintf(expected, sizeof expected, "%d,\"row %d, \"\"quoted\"\"\"\r\n", i, i);
    }
    size_t len;
    assert_int_equal(format_writer_size(w), total);
    const char *data = format_writer_finish(w, &len);
    assert_int_equal(len, total);
    const char *first = "id,text\r\n0,\"row 0, \"\"quoted\"\"\"\r\n1,";
    assert_memory_equal(data, first, strlen(first));
    const char *last = "19999,\"row 19999, \"\"quoted\"\"\"\r\n";
    assert_memory_equal(data + len - strlen(last), last, strlen(last));
    /* Doubling: a power of two times the first 4 KiB, less than twice the data. */
    size_t memory = format_writer_memory(w);
    assert_true(memory >= len && memory < 2 * len);
    assert_int_equal(memory % 4096, 0);
    assert_int_equal((memory / 4096) & (memory / 4096 - 1), 0);
    assert_int_equal(format_writer_records(w), 20000);
    format_writer_free(w);
}

static void test_one_large_value(void **state) {
    (void)state;
    /* A value larger than the buffer doubles it as often as it needs. */
    static char value[100000];
    memset(value, ' ', sizeof value);
    value[0] = '{';
    value[sizeof value - 1] = '}';
    struct format_writer *w = writer_new(SINK_FORMAT_JSON);
    assert_int_equal(append(w, value, sizeof value), FORMAT_APPENDED);
    size_t len;
    const char *data = format_writer_finish(w, &len);
    assert_int_equal(len, sizeof value + 1);
    assert_memory_equal(data, value, sizeof value);
    assert_int_equal(data[len - 1], '\n');
    assert_int_equal(format_writer_memory(w), 131072);
    format_writer_free(w);
}

/* ---- Bytes ---- */

static struct format_writer *bytes_writer(const char *separator, size_t len) {
    struct format_options o = {.format = SINK_FORMAT_BYTES, .bytes_separator = separator, .bytes_separator_len = len};
    struct format_writer *w = format_writer_new(&o);
    assert_non_null(w);
    return w;
}

static void test_bytes(void **state) {
    (void)state;
    /* Values as they are, JSON or not, line ends and NULs kept. */
    struct format_writer *w = bytes_writer("\n", 1);
    assert_int_equal(append_text(w, "{\"id\":1}"), FORMAT_APPENDED);
    assert_int_equal(append_text(w, NULL), FORMAT_SKIPPED); /* a tombstone */
    assert_int_equal(append_text(w, "line one\r\nline two"), FORMAT_APPENDED);
    assert_int_equal(append(w, "", 0), FORMAT_APPENDED); /* empty: the separator alone */
    assert_int_equal(append(w, "\0\xff\x01", 3), FORMAT_APPENDED);
    assert_int_equal(append(w, "cut here", 3), FORMAT_APPENDED);
    assert_int_equal(format_writer_records(w), 5);
    ASSERT_DATA(w, "{\"id\":1}\nline one\r\nline two\n\n\0\xff\x01\ncut\n");
    format_writer_free(w);
}

static void test_bytes_separators(void **state) {
    (void)state;
    /* Several bytes, a NUL among them. */
    struct format_writer *w = bytes_writer("\r\n\0|", 4);
    assert_int_equal(append_text(w, "a"), FORMAT_APPENDED);
    assert_int_equal(append_text(w, "bc"), FORMAT_APPENDED);
    ASSERT_DATA(w, "a\r\n\0|bc\r\n\0|");
    format_writer_free(w);
    /* None: the values back to back. */
    w = bytes_writer(NULL, 0);
    assert_int_equal(append_text(w, "a"), FORMAT_APPENDED);
    assert_int_equal(append(w, "", 0), FORMAT_APPENDED);
    assert_int_equal(append_text(w, "bc"), FORMAT_APPENDED);
    assert_int_equal(format_writer_records(w), 3);
    ASSERT_DATA(w, "abc");
    format_writer_free(w);
    /* The writer keeps its own copy of the separator. */
    char separator[] = ";";
    w = bytes_writer(separator, 1);
    separator[0] = 'X';
    assert_int_equal(append_text(w, "a"), FORMAT_APPENDED);
    ASSERT_DATA(w, "a;");
    format_writer_free(w);
}

static void test_bytes_only_tombstones(void **state) {
    (void)state;
    struct format_writer *w = bytes_writer("\n", 1);
    for (int i = 0; i < 3; i++)
        assert_int_equal(append_text(w, NULL), FORMAT_SKIPPED);
    assert_int_equal(format_writer_records(w), 0);
    ASSERT_DATA(w, "");
    format_writer_free(w);
}

/* ---- Avro, through format.c ---- */

static enum format_append append_typed(struct format_writer *w, const char *header, const char *value) {
    struct sink_record r = {.topic = "dc01_t",
                            .partition = 1,
                            .offset = 9,
                            .value = value,
                            .value_len = strlen(value),
                            .columns = header,
                            .columns_len = strlen(header)};
    enum format_append result = format_writer_append(w, &r);
    sink_record_release(&r);
    return result;
}

static void test_avro_dispatch(void **state) {
    (void)state;
    struct format_options o = {.format = SINK_FORMAT_AVRO, .avro_codec = AVRO_CODEC_DEFLATE};
    struct format_writer *w = format_writer_new(&o);
    assert_non_null(w);
    assert_null(format_writer_schema(w));
    const char *header = "[[\"id\",\"int32\"]]";
    assert_int_equal(append_typed(w, header, "{\"id\":1}"), FORMAT_APPENDED);
    assert_int_equal(append_typed(w, header, "{\"id\":\"one\"}"), FORMAT_REJECTED);
    assert_contains(format_writer_error(w), "topic dc01_t partition 1 offset 9: column \"id\" (int32): the value");
    assert_int_equal(append_typed(w, "[[\"id\",\"int64\"]]", "{\"id\":2}"), FORMAT_NEW_FILE);
    assert_int_equal(format_writer_records(w), 1);
    const struct row_schema *s = format_writer_schema(w);
    assert_non_null(s);
    assert_string_equal(s->fingerprint, "[[\"id\",\"int32\"]]");
    size_t size = format_writer_size(w), len;
    const char *data = format_writer_finish(w, &len);
    assert_non_null(data);
    assert_true(len > 4 && len <= size);
    assert_memory_equal(data, "Obj\x01", 4);
    assert_true(format_writer_memory(w) >= len);
    format_writer_free(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_empty_writer),
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_json_value_length_counts),
        cmocka_unit_test(test_csv_envelopes),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_values),
        cmocka_unit_test(test_csv_values_without_row),
        cmocka_unit_test(test_csv_columns_change),
        cmocka_unit_test(test_tombstones_only),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_one_large_value),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_bytes_separators),
        cmocka_unit_test(test_bytes_only_tombstones),
        cmocka_unit_test(test_avro_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
