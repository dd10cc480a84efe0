/* Unit tests of bridge/cdc/event_json.c: keys, Debezium envelopes and unwrapped
 * values of row changes, each parsed back with jansson and compared field
 * by field; every value kind; valid JSON whatever the bytes.
 *
 * BENCH=1 build/release/tests/test_event_json measures the encoding of a
 * sales_order_details event instead of testing (events per second). */
/* cmocka needs these headers in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <jansson.h>
#include <math.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cdc/event_json.h"

/* The workshop's sales_order_details. */
static struct column sod_columns[] = {
    {.name = "id", .type = MYSQL_TYPE_LONG},
    {.name = "sales_order_id", .type = MYSQL_TYPE_LONG, .is_nullable = 1},
    {.name = "product_id", .type = MYSQL_TYPE_LONG, .is_nullable = 1},
    {.name = "quantity", .type = MYSQL_TYPE_LONG, .is_nullable = 1},
    {.name = "price", .type = MYSQL_TYPE_NEWDECIMAL, .meta = 0x0a02, .is_nullable = 1},
};
static int sod_key[] = {0};
static const struct table sod = {
    .id = 71,
    .database = "orders",
    .name = "sales_order_details",
    .column_count = 5,
    .columns = sod_columns,
    .primary_key = sod_key,
    .primary_key_count = 1,
};

static struct value int_value(int64_t i) { return (struct value){.kind = VALUE_INT, .v.i = i}; }
static struct value uint_value(uint64_t u) { return (struct value){.kind = VALUE_UINT, .v.u = u}; }
static struct value double_value(double d) { return (struct value){.kind = VALUE_DOUBLE, .v.d = d}; }
static struct value text_value(enum value_kind kind, const char *s, size_t len) {
    return (struct value){.kind = kind, .v.text = {s, len}};
}
static struct value string_value(const char *s) { return text_value(VALUE_STRING, s, strlen(s)); }
static struct value decimal_value(const char *s) { return text_value(VALUE_DECIMAL, s, strlen(s)); }
static struct value kind_value(enum value_kind kind) { return (struct value){.kind = kind}; }
static struct value bool_value(int b) { return (struct value){.kind = VALUE_BOOL, .v.i = b}; }
static struct value date_value(int year, int month, int day) {
    struct value v = {.kind = VALUE_DATE};
    v.v.time.year = year;
    v.v.time.month = month;
    v.v.time.day = day;
    return v;
}
static struct value time_value(int negative, int hour, int minute, int second, int usec) {
    struct value v = {.kind = VALUE_TIME};
    v.v.time.negative = negative;
    v.v.time.hour = hour;
    v.v.time.minute = minute;
    v.v.time.second = second;
    v.v.time.usec = usec;
    return v;
}
static struct value datetime_value(int year, int month, int day, int hour, int minute, int second, int usec) {
    struct value v = {.kind = VALUE_DATETIME};
    v.v.time.year = year;
    v.v.time.month = month;
    v.v.time.day = day;
    v.v.time.hour = hour;
    v.v.time.minute = minute;
    v.v.time.second = second;
    v.v.time.usec = usec;
    return v;
}
static struct value timestamp_value(int64_t seconds, int usec) {
    struct value v = {.kind = VALUE_TIMESTAMP};
    v.v.epoch.seconds = seconds;
    v.v.epoch.usec = usec;
    return v;
}

static void sod_row(struct value row[5], int64_t id, int64_t order, int64_t product, int64_t quantity,
                    const char *price) {
    row[0] = int_value(id);
    row[1] = int_value(order);
    row[2] = int_value(product);
    row[3] = int_value(quantity);
    row[4] = decimal_value(price);
}

static const struct event_source binlog_source = {
    .server_name = "dc01",
    .ts_ns = 1764082800000000000, /* a binlog event's time: whole seconds */
    .snapshot = EVENT_SNAPSHOT_FALSE,
    .server_id = 223344,
    .gtid = NULL,
    .file = "mysql-bin.000003",
    .pos = 154,
    .row = 0,
};

static struct json_writer *writer(void) {
    struct json_writer *w = json_writer_new(0);
    assert_non_null(w);
    return w;
}

/* Parses the writer's document (duplicate keys rejected); unsigned
 * integers beyond jansson's int64 are read as reals when asked. */
static json_t *parse_flags(const struct json_writer *w, size_t flags) {
    assert_true(json_writer_complete(w));
    json_error_t error;
    json_t *json =
        json_loadb(json_writer_data(w), json_writer_len(w), JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | flags, &error);
    if (!json) {
        print_error("invalid JSON (%s at %d): %.300s\n", error.text, error.position, json_writer_data(w));
        fail();
    }
    return json;
}

static json_t *parse(const struct json_writer *w) { return parse_flags(w, 0); }

static void assert_member_string(json_t *object, const char *key, const char *expected) {
    json_t *member = json_object_get(object, key);
    if (!json_is_string(member) || strcmp(json_string_value(member), expected) != 0) {
        print_error("\"%s\" is %s, not \"%s\"\n", key, member ? json_dumps(member, JSON_ENCODE_ANY) : "missing",
                    expected);
        fail();
    }
}

static void assert_member_int(json_t *object, const char *key, json_int_t expected) {
    json_t *member = json_object_get(object, key);
    assert_true(json_is_integer(member));
    assert_true(json_integer_value(member) == expected);
}

/* An instant's ts_ms, ts_us and ts_ns members (ms and us rounded down). */
static void assert_member_ts(json_t *object, int64_t ns) {
    int64_t us = ns / 1000 - (ns % 1000 < 0), ms = ns / 1000000 - (ns % 1000000 < 0);
    assert_member_int(object, "ts_ms", ms);
    assert_member_int(object, "ts_us", us);
    assert_member_int(object, "ts_ns", ns);
}

static void assert_member_null(json_t *object, const char *key) {
    json_t *member = json_object_get(object, key);
    if (!json_is_null(member)) {
        print_error("\"%s\" is %s, not null\n", key, member ? "not null" : "missing");
        fail();
    }
}

/* The source block of an event from binlog_source-like fields. */
static void assert_source(json_t *value, const struct event_source *src, const struct table *table,
                          const char *snapshot) {
    json_t *source = json_object_get(value, "source");
    assert_true(json_is_object(source));
    assert_int_equal(json_object_size(source), 17);
    assert_member_string(source, "version", "bridgelab-0.1");
    assert_member_string(source, "connector", "mysql");
    assert_member_string(source, "name", src->server_name ? src->server_name : "");
    assert_member_ts(source, src->ts_ns);
    assert_member_string(source, "snapshot", snapshot);
    assert_member_string(source, "db", table->database);
    assert_member_null(source, "sequence");
    assert_member_string(source, "table", table->name);
    assert_member_int(source, "server_id", src->server_id);
    if (src->gtid)
        assert_member_string(source, "gtid", src->gtid);
    else
        assert_member_null(source, "gtid");
    assert_member_string(source, "file", src->file ? src->file : "");
    assert_member_int(source, "pos", (json_int_t)src->pos);
    assert_member_int(source, "row", src->row);
    assert_member_null(source, "thread");
    assert_member_null(source, "query");
}

static void assert_sod_image(json_t *image, int64_t id, int64_t order, int64_t product, int64_t quantity,
                             const char *price) {
    assert_true(json_is_object(image));
    assert_int_equal(json_object_size(image), 5);
    assert_member_int(image, "id", id);
    assert_member_int(image, "sales_order_id", order);
    assert_member_int(image, "product_id", product);
    assert_member_int(image, "quantity", quantity);
    assert_member_string(image, "price", price);
}

static void test_key_single_primary_key(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value row[5];
    sod_row(row, 42, 7, 3, 2, "19.99");
    struct row_change change = {&sod, ROW_INSERT, NULL, row};
    assert_int_equal(event_json_key(w, &change), 1);
    assert_string_equal(json_writer_data(w), "{\"id\":42}");
    json_t *json = parse(w);
    assert_member_int(json, "id", 42);
    json_decref(json);
    json_writer_free(w);
}

/* A key of two columns, in key order (not column order). */
static struct column line_columns[] = {
    {.name = "line", .type = MYSQL_TYPE_LONG},
    {.name = "order_code", .type = MYSQL_TYPE_VARCHAR},
    {.name = "note", .type = MYSQL_TYPE_VARCHAR, .is_nullable = 1},
};
static int line_key[] = {1, 0};
static const struct table lines = {
    .id = 72,
    .database = "orders",
    .name = "lines",
    .column_count = 3,
    .columns = line_columns,
    .primary_key = line_key,
    .primary_key_count = 2,
};

static void test_key_composite_primary_key(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value row[3] = {int_value(3), string_value("SO-\"7\""), string_value("n")};
    struct row_change change = {&lines, ROW_INSERT, NULL, row};
    assert_int_equal(event_json_key(w, &change), 1);
    assert_string_equal(json_writer_data(w), "{\"order_code\":\"SO-\\\"7\\\"\",\"line\":3}");
    json_t *json = parse(w);
    assert_int_equal(json_object_size(json), 2);
    assert_member_string(json, "order_code", "SO-\"7\"");
    assert_member_int(json, "line", 3);
    json_decref(json);
    json_writer_free(w);
}

static void test_key_without_primary_key(void **state) {
    (void)state;
    struct column columns[] = {{.name = "product_id", .type = MYSQL_TYPE_LONG}};
    struct table no_key = {
        .database = "orders", .name = "dc01_out_of_stock_events", .column_count = 1, .columns = columns};
    struct json_writer *w = writer();
    json_writer_int(w, 1); /* whatever was there goes */
    struct value row[1] = {int_value(5)};
    struct row_change change = {&no_key, ROW_INSERT, NULL, row};
    assert_int_equal(event_json_key(w, &change), 0);
    assert_int_equal(json_writer_len(w), 0);
    assert_false(json_writer_complete(w));
    /* the value is still made */
    assert_int_equal(event_json_value(w, &change, &binlog_source, 1), 1);
    json_t *json = parse(w);
    assert_member_int(json_object_get(json, "after"), "product_id", 5);
    json_decref(json);
    json_writer_free(w);
}

/* Deletes take the key from the before image; a minimal after image
 * without the key column too. */
static void test_key_from_before_image(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value before[5], after[5];
    sod_row(before, 42, 7, 3, 2, "19.99");
    struct row_change del = {&sod, ROW_DELETE, before, NULL};
    assert_int_equal(event_json_key(w, &del), 1);
    assert_string_equal(json_writer_data(w), "{\"id\":42}");

    for (int i = 0; i < 5; i++)
        after[i] = kind_value(VALUE_ABSENT);
    after[3] = int_value(9);
    struct row_change minimal = {&sod, ROW_UPDATE, before, after};
    assert_int_equal(event_json_key(w, &minimal), 1);
    assert_string_equal(json_writer_data(w), "{\"id\":42}");

    /* a new key wins */
    after[0] = int_value(43);
    assert_int_equal(event_json_key(w, &minimal), 1);
    assert_string_equal(json_writer_data(w), "{\"id\":43}");
    json_writer_free(w);
}

static void test_key_changed(void **state) {
    (void)state;
    struct value before[5], after[5];
    sod_row(before, 42, 7, 3, 2, "19.99");
    sod_row(after, 42, 7, 3, 5, "19.99");
    struct row_change update = {&sod, ROW_UPDATE, before, after};
    assert_int_equal(event_json_key_changed(&update), 0);
    after[0] = int_value(43);
    assert_int_equal(event_json_key_changed(&update), 1);
    after[0] = kind_value(VALUE_ABSENT);
    assert_int_equal(event_json_key_changed(&update), 0);

    struct value lb[3] = {int_value(1), string_value("A"), kind_value(VALUE_NULL)};
    struct value la[3] = {int_value(1), string_value("A"), string_value("changed")};
    struct row_change line_update = {&lines, ROW_UPDATE, lb, la};
    assert_int_equal(event_json_key_changed(&line_update), 0);
    la[1] = string_value("a");
    assert_int_equal(event_json_key_changed(&line_update), 1);

    struct row_change insert = {&sod, ROW_INSERT, NULL, after};
    assert_int_equal(event_json_key_changed(&insert), 0);
}

static void test_envelope_insert_exact_text(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value row[5];
    sod_row(row, 42, 7, 3, 2, "19.99");
    struct row_change change = {&sod, ROW_INSERT, NULL, row};
    assert_int_equal(event_json_value(w, &change, &binlog_source, 1764082800123456789), 1);
    /* Debezium 3's members in its order: ts_us and ts_ns after sequence in
     * source, after ts_ms at the top. */
    assert_string_equal(json_writer_data(w),
                        "{\"before\":null,\"after\":{\"id\":42,\"sales_order_id\":7,\"product_id\":3,\"quantity\":2,"
                        "\"price\":\"19.99\"},\"source\":{\"version\":\"bridgelab-0.1\",\"connector\":\"mysql\","
                        "\"name\":\"dc01\",\"ts_ms\":1764082800000,\"snapshot\":\"false\",\"db\":\"orders\","
                        "\"sequence\":null,\"ts_us\":1764082800000000,\"ts_ns\":1764082800000000000,"
                        "\"table\":\"sales_order_details\",\"server_id\":223344,\"gtid\":null,"
                        "\"file\":\"mysql-bin.000003\",\"pos\":154,\"row\":0,\"thread\":null,\"query\":null},"
                        "\"op\":\"c\",\"ts_ms\":1764082800123,\"ts_us\":1764082800123456,"
                        "\"ts_ns\":1764082800123456789,\"transaction\":null}");
    json_t *json = parse(w);
    assert_int_equal(json_object_size(json), 8);
    assert_member_null(json, "before");
    assert_sod_image(json_object_get(json, "after"), 42, 7, 3, 2, "19.99");
    assert_source(json, &binlog_source, &sod, "false");
    assert_member_string(json, "op", "c");
    assert_member_ts(json, 1764082800123456789);
    assert_member_null(json, "transaction");
    json_decref(json);
    json_writer_free(w);
}

static void test_envelope_every_op(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value before[5], after[5];
    sod_row(before, 42, 7, 3, 2, "19.99");
    sod_row(after, 42, 7, 3, 5, "-12.50");
    static const struct {
        enum row_op op;
        const char *code;
        int before, after;
    } ops[] = {
        {ROW_INSERT, "c", 0, 1},
        {ROW_UPDATE, "u", 1, 1},
        {ROW_DELETE, "d", 1, 0},
        {ROW_READ, "r", 0, 1},
    };
    for (size_t i = 0; i < 4; i++) {
        struct row_change change = {&sod, ops[i].op, ops[i].before ? before : NULL, ops[i].after ? after : NULL};
        struct event_source src = binlog_source;
        src.row = (int)i;
        src.pos = 4 + i * 1000;
        assert_int_equal(event_json_value(w, &change, &src, 99000000), 1);
        json_t *json = parse(w);
        assert_member_string(json, "op", ops[i].code);
        if (ops[i].before)
            assert_sod_image(json_object_get(json, "before"), 42, 7, 3, 2, "19.99");
        else
            assert_member_null(json, "before");
        if (ops[i].after)
            assert_sod_image(json_object_get(json, "after"), 42, 7, 3, 5, "-12.50");
        else
            assert_member_null(json, "after");
        assert_source(json, &src, &sod, "false");
        assert_member_ts(json, 99000000);
        json_decref(json);
    }
    /* an image the op does not have is not written even if given */
    struct row_change insert = {&sod, ROW_INSERT, before, after};
    assert_int_equal(event_json_value(w, &insert, &binlog_source, 1), 1);
    json_t *json = parse(w);
    assert_member_null(json, "before");
    json_decref(json);
    json_writer_free(w);
}

static void test_envelope_source_variants(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value row[5];
    sod_row(row, 1, 1, 1, 1, "1.00");
    struct row_change read = {&sod, ROW_READ, NULL, row};
    struct event_source src = binlog_source;
    src.snapshot = EVENT_SNAPSHOT_TRUE;
    src.gtid = "3E11FA47-71CA-11E1-9E33-C80AA9429562:23";
    src.server_id = UINT32_MAX;
    src.pos = (uint64_t)1 << 40;
    src.ts_ns = 0;
    assert_int_equal(event_json_value(w, &read, &src, 5), 1);
    json_t *json = parse(w);
    assert_source(json, &src, &sod, "true");
    json_decref(json);

    src.snapshot = EVENT_SNAPSHOT_LAST;
    src.server_name = NULL;
    src.file = NULL;
    assert_int_equal(event_json_value(w, &read, &src, 5), 1);
    json = parse(w);
    assert_source(json, &src, &sod, "last");
    json_decref(json);
    json_writer_free(w);
}

/* ts_ms, ts_us and ts_ns, at the top and in source, as Debezium 3 gives
 * them: one instant in three units, ms and us rounded down (Java's Instant:
 * toEpochMilli, getEpochSecond() * 1000000 + getNano() / 1000). A binlog
 * event's time has whole seconds, so its source.ts_us is source.ts_ms * 1000
 * and its ts_ns source.ts_ms * 1000000; the top-level time (when cdc made
 * the event) and a snapshot read's keep their finer digits. */
static void test_envelope_timestamps(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value row[5];
    sod_row(row, 1, 1, 1, 1, "1.00");
    struct row_change insert = {&sod, ROW_INSERT, NULL, row};

    /* a binlog change at 2025-11-25T15:00:00Z, made into an event 1.234567891 s later */
    assert_int_equal(event_json_value(w, &insert, &binlog_source, 1764082801234567891), 1);
    json_t *json = parse(w);
    json_t *source = json_object_get(json, "source");
    assert_member_int(source, "ts_ms", 1764082800000);
    assert_member_int(source, "ts_us", 1764082800000 * 1000);
    assert_member_int(source, "ts_ns", 1764082800000 * 1000000);
    assert_member_int(json, "ts_ms", 1764082801234);
    assert_member_int(json, "ts_us", 1764082801234567);
    assert_member_int(json, "ts_ns", 1764082801234567891);
    json_decref(json);

    /* a snapshot read, and instants around the epoch and at the end of int64 */
    static const int64_t instants[] = {1764082800123456789, 999999, 1000000, 0, -1, -1500000, INT64_MAX, INT64_MIN};
    struct row_change read = {&sod, ROW_READ, NULL, row};
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        struct event_source src = binlog_source;
        src.snapshot = EVENT_SNAPSHOT_TRUE;
        src.ts_ns = instants[i];
        assert_int_equal(event_json_value(w, &read, &src, instants[i]), 1);
        json = parse(w);
        assert_source(json, &src, &sod, "true");
        assert_member_ts(json, instants[i]);
        json_decref(json);
    }
    /* rounded down, not toward zero: -1 ns is in the millisecond before the epoch */
    struct event_source before_epoch = binlog_source;
    before_epoch.ts_ns = -1500000;
    assert_int_equal(event_json_value(w, &read, &before_epoch, -1), 1);
    json = parse(w);
    assert_member_int(json_object_get(json, "source"), "ts_ms", -2);
    assert_member_int(json_object_get(json, "source"), "ts_us", -1500);
    assert_member_int(json, "ts_ms", -1);
    assert_member_int(json, "ts_us", -1);
    assert_member_int(json, "ts_ns", -1);
    json_decref(json);
    json_writer_free(w);
}

/* A table with a column of every kind. */
static struct column kind_columns[] = {
    {.name = "pk", .type = MYSQL_TYPE_LONGLONG},
    {.name = "i_min", .type = MYSQL_TYPE_LONGLONG},
    {.name = "i_max", .type = MYSQL_TYPE_LONGLONG},
    {.name = "u_big", .type = MYSQL_TYPE_LONGLONG, .is_unsigned = 1},
    {.name = "u_max", .type = MYSQL_TYPE_LONGLONG, .is_unsigned = 1},
    {.name = "year", .type = MYSQL_TYPE_YEAR},
    {.name = "dbl", .type = MYSQL_TYPE_DOUBLE},
    {.name = "flt", .type = MYSQL_TYPE_FLOAT},
    {.name = "nan", .type = MYSQL_TYPE_DOUBLE},
    {.name = "dec", .type = MYSQL_TYPE_NEWDECIMAL},
    {.name = "str", .type = MYSQL_TYPE_VARCHAR},
    {.name = "enm", .type = MYSQL_TYPE_ENUM},
    {.name = "st", .type = MYSQL_TYPE_SET},
    {.name = "js", .type = MYSQL_TYPE_JSON},
    {.name = "bin", .type = MYSQL_TYPE_BLOB, .is_binary = 1},
    {.name = "bit1", .type = MYSQL_TYPE_BIT},
    {.name = "bit0", .type = MYSQL_TYPE_BIT},
    {.name = "d", .type = MYSQL_TYPE_DATE},
    {.name = "d_zero", .type = MYSQL_TYPE_DATE},
    {.name = "d_zero_day", .type = MYSQL_TYPE_DATE},
    {.name = "t", .type = MYSQL_TYPE_TIME2},
    {.name = "t_neg", .type = MYSQL_TYPE_TIME2},
    {.name = "t_frac", .type = MYSQL_TYPE_TIME2},
    {.name = "t_neg_frac", .type = MYSQL_TYPE_TIME2},
    {.name = "dt", .type = MYSQL_TYPE_DATETIME2},
    {.name = "dt_frac", .type = MYSQL_TYPE_DATETIME2},
    {.name = "dt_zero", .type = MYSQL_TYPE_DATETIME2},
    {.name = "ts", .type = MYSQL_TYPE_TIMESTAMP2},
    {.name = "ts_frac", .type = MYSQL_TYPE_TIMESTAMP2},
    {.name = "ts_leap", .type = MYSQL_TYPE_TIMESTAMP2},
    {.name = "ts_2100", .type = MYSQL_TYPE_TIMESTAMP2},
    {.name = "ts_zero", .type = MYSQL_TYPE_TIMESTAMP2},
    {.name = "nul", .type = MYSQL_TYPE_VARCHAR},
    {.name = "absent", .type = MYSQL_TYPE_VARCHAR},
    {.name = "empty", .type = MYSQL_TYPE_VARCHAR},
    {.name = "bad_date", .type = MYSQL_TYPE_DATE},
    {.name = "bad_time", .type = MYSQL_TYPE_TIME2},
};
enum { KIND_COLUMNS = sizeof kind_columns / sizeof kind_columns[0] };
static int kind_key[] = {0};
static const struct table kinds = {
    .id = 73,
    .database = "lab",
    .name = "kinds",
    .column_count = KIND_COLUMNS,
    .columns = kind_columns,
    .primary_key = kind_key,
    .primary_key_count = 1,
};

static void kind_row(struct value row[KIND_COLUMNS]) {
    static const char bytes[] = {0, 1, 2, (char)0xff, (char)0xfe};
    struct value values[] = {
        int_value(1),
        int_value(INT64_MIN),
        int_value(INT64_MAX),
        uint_value(9007199254740993ULL), /* 2^53 + 1 */
        uint_value(UINT64_MAX),
        int_value(2024),
        double_value(0.1),
        double_value((double)1.1f),
        double_value(NAN),
        decimal_value("-12.50"),
        string_value("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \"q\" \\ \n"),
        string_value("medium"),
        string_value("a,c"),
        string_value("{\"a\": [1, 2.5, null]}"),
        text_value(VALUE_BYTES, bytes, sizeof bytes),
        bool_value(1),
        bool_value(0),
        date_value(2024, 2, 29),
        date_value(0, 0, 0),
        date_value(2024, 1, 0),
        time_value(0, 12, 34, 56, 0),
        time_value(1, 838, 59, 59, 0),
        time_value(0, 100, 0, 1, 1),
        time_value(1, 0, 0, 1, 500000),
        datetime_value(2026, 11, 25, 15, 0, 0, 0),
        datetime_value(1000, 1, 1, 0, 0, 0, 123000),
        datetime_value(0, 0, 0, 0, 0, 0, 0),
        timestamp_value(1, 0),
        timestamp_value(1764082800, 500000),
        timestamp_value(1709164800, 0),  /* 2024-02-29 */
        timestamp_value(4102444800, 99), /* 2100-01-01 */
        timestamp_value(0, 0),
        kind_value(VALUE_NULL),
        kind_value(VALUE_ABSENT),
        text_value(VALUE_STRING, NULL, 0),
        date_value(2024, 13, 1),
        time_value(0, 1, 60, 0, 0),
    };
    _Static_assert(sizeof values / sizeof values[0] == KIND_COLUMNS, "one value per column");
    memcpy(row, values, sizeof values);
}

static void test_every_value_kind(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value row[KIND_COLUMNS];
    kind_row(row);
    struct row_change change = {&kinds, ROW_INSERT, NULL, row};
    assert_int_equal(event_json_value(w, &change, &binlog_source, 1), 1);
    const char *text = json_writer_data(w);
    /* exact integer literals jansson cannot hold */
    assert_non_null(strstr(text, "\"u_big\":9007199254740993,"));
    assert_non_null(strstr(text, "\"u_max\":18446744073709551615,"));
    assert_non_null(strstr(text, "\"flt\":1.1,"));
    json_t *json = parse_flags(w, JSON_DECODE_INT_AS_REAL);
    json_t *after = json_object_get(json, "after");
    assert_int_equal(json_object_size(after), KIND_COLUMNS - 1); /* all but "absent" */
    assert_null(json_object_get(after, "absent"));
    json_decref(json);

    /* the rest with integers as integers: cut the unsigned columns */
    row[3] = int_value(0);
    row[4] = int_value(0);
    assert_int_equal(event_json_value(w, &change, &binlog_source, 1), 1);
    json = parse(w);
    after = json_object_get(json, "after");
    assert_member_int(after, "pk", 1);
    assert_member_int(after, "i_min", INT64_MIN);
    assert_member_int(after, "i_max", INT64_MAX);
    assert_member_int(after, "year", 2024);
    assert_true(json_is_real(json_object_get(after, "dbl")));
    assert_true(json_real_value(json_object_get(after, "dbl")) == 0.1);
    assert_true(json_real_value(json_object_get(after, "flt")) == 1.1);
    assert_member_null(after, "nan");
    assert_member_string(after, "dec", "-12.50");
    assert_member_string(after, "str", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \"q\" \\ \n");
    assert_member_string(after, "enm", "medium");
    assert_member_string(after, "st", "a,c");
    assert_member_string(after, "js", "{\"a\": [1, 2.5, null]}");
    assert_member_string(after, "bin", "AAEC//4=");
    assert_true(json_is_true(json_object_get(after, "bit1")));
    assert_true(json_is_false(json_object_get(after, "bit0")));
    assert_member_string(after, "d", "2024-02-29");
    assert_member_null(after, "d_zero");
    assert_member_null(after, "d_zero_day");
    assert_member_string(after, "t", "12:34:56");
    assert_member_string(after, "t_neg", "-838:59:59");
    assert_member_string(after, "t_frac", "100:00:01.000001");
    assert_member_string(after, "t_neg_frac", "-00:00:01.5");
    assert_member_string(after, "dt", "2026-11-25T15:00:00Z");
    assert_member_string(after, "dt_frac", "1000-01-01T00:00:00.123Z");
    assert_member_null(after, "dt_zero");
    assert_member_string(after, "ts", "1970-01-01T00:00:01Z");
    assert_member_string(after, "ts_frac", "2025-11-25T15:00:00.5Z");
    assert_member_string(after, "ts_leap", "2024-02-29T00:00:00Z");
    assert_member_string(after, "ts_2100", "2100-01-01T00:00:00.000099Z");
    assert_member_null(after, "ts_zero");
    assert_member_null(after, "nul");
    assert_member_string(after, "empty", "");
    assert_member_null(after, "bad_date");
    assert_member_null(after, "bad_time");
    json_decref(json);
    json_writer_free(w);
}

/* Timestamps against the C library's own calendar, over four centuries. */
static void test_timestamps_match_gmtime(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct column column = {.name = "ts", .type = MYSQL_TYPE_TIMESTAMP2};
    uint64_t seed = 3;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        int64_t seconds = (int64_t)(seed >> 20) % 12622780800LL - 2208988800LL; /* 1900 .. 2300 */
        if (i == 0)
            seconds = -1; /* 1969-12-31T23:59:59Z */
        if (seconds == 0)
            continue;
        struct value v = timestamp_value(seconds, 0);
        json_writer_reset(w);
        event_json_write_value(w, &column, &v);
        time_t t = (time_t)seconds;
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        char expected[40];
        snprintf(expected, sizeof expected, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        assert_string_equal(json_writer_data(w), expected);
    }
    json_writer_free(w);
}

/* binlog_row_image=MINIMAL: absent columns are left out of both images. */
static void test_absent_columns_omitted(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value before[5], after[5];
    for (int i = 0; i < 5; i++)
        before[i] = after[i] = kind_value(VALUE_ABSENT);
    before[0] = int_value(42);
    after[3] = int_value(9);
    after[4] = kind_value(VALUE_NULL);
    struct row_change change = {&sod, ROW_UPDATE, before, after};
    assert_int_equal(event_json_value(w, &change, &binlog_source, 1), 1);
    assert_non_null(strstr(json_writer_data(w), "{\"before\":{\"id\":42},\"after\":{\"quantity\":9,\"price\":null},"));
    json_t *json = parse(w);
    assert_int_equal(json_object_size(json_object_get(json, "before")), 1);
    assert_int_equal(json_object_size(json_object_get(json, "after")), 2);
    json_decref(json);

    /* an image with every column absent is an empty object */
    after[3] = after[4] = kind_value(VALUE_ABSENT);
    assert_int_equal(event_json_value(w, &change, &binlog_source, 1), 1);
    assert_non_null(strstr(json_writer_data(w), "\"after\":{},"));
    json_writer_free(w);
}

static void test_unwrapped(void **state) {
    (void)state;
    struct json_writer *w = writer();
    struct value before[5], after[5];
    sod_row(before, 42, 7, 3, 2, "19.99");
    sod_row(after, 42, 7, 3, 5, "19.99");

    struct row_change insert = {&sod, ROW_INSERT, NULL, after};
    assert_int_equal(event_json_unwrapped(w, &insert, "dc01"), 1);
    assert_string_equal(json_writer_data(w), "{\"id\":42,\"sales_order_id\":7,\"product_id\":3,\"quantity\":5,"
                                             "\"price\":\"19.99\",\"sourcedc\":\"dc01\"}");

    struct row_change update = {&sod, ROW_UPDATE, before, after};
    struct row_change read = {&sod, ROW_READ, NULL, after};
    const struct row_change *changes[] = {&insert, &update, &read};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(event_json_unwrapped(w, changes[i], "dc02"), 1);
        json_t *json = parse(w);
        assert_int_equal(json_object_size(json), 6);
        assert_member_int(json, "quantity", 5);
        assert_member_string(json, "sourcedc", "dc02");
        assert_null(json_object_get(json, "__deleted"));
        json_decref(json);
    }

    /* a delete has no value: only its tombstone is sent */
    struct row_change del = {&sod, ROW_DELETE, before, NULL};
    json_writer_int(w, 1);
    assert_int_equal(event_json_unwrapped(w, &del, "dc01"), 0);
    assert_int_equal(json_writer_len(w), 0);

    /* absent columns are left out */
    after[1] = kind_value(VALUE_ABSENT);
    assert_int_equal(event_json_unwrapped(w, &update, "dc01"), 1);
    json_t *json = parse(w);
    assert_int_equal(json_object_size(json), 5);
    assert_null(json_object_get(json, "sales_order_id"));
    json_decref(json);

    /* a column named sourcedc gives way to the field */
    struct column columns[] = {{.name = "id", .type = MYSQL_TYPE_LONG},
                               {.name = "sourcedc", .type = MYSQL_TYPE_VARCHAR}};
    int key[] = {0};
    struct table clash = {.database = "orders",
                          .name = "clash",
                          .column_count = 2,
                          .columns = columns,
                          .primary_key = key,
                          .primary_key_count = 1};
    struct value row[2] = {int_value(1), string_value("from the row")};
    struct row_change clash_insert = {&clash, ROW_INSERT, NULL, row};
    assert_int_equal(event_json_unwrapped(w, &clash_insert, "dc03"), 1);
    assert_string_equal(json_writer_data(w), "{\"id\":1,\"sourcedc\":\"dc03\"}");
    json_writer_free(w);
}

/* splitmix64, for repeatable fuzzing. */
static uint64_t next_random(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void random_bytes(uint64_t *seed, char *buf, size_t len) {
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)next_random(seed);
}

/* Mostly within lo..hi, sometimes any int. */
static int field(uint64_t *seed, int lo, int hi) {
    uint64_t x = next_random(seed);
    if (x % 8 == 0)
        return (int)(int32_t)(uint32_t)(x >> 32);
    return lo + (int)((x >> 8) % (uint64_t)(hi - lo + 2)); /* one beyond hi too */
}

/* Random kinds, bytes, field values (in range or not), names, databases
 * and positions: every key and value parses. */
static void test_any_bytes_give_valid_json(void **state) {
    (void)state;
    enum { COLUMNS = 8 };
    struct json_writer *key = writer(), *value = writer(), *flat = writer();
    uint64_t seed = 99;
    char names[COLUMNS][12], db[16], table_name[16], file[16], gtid[16], server[8];
    char text[COLUMNS][2][24];
    struct column columns[COLUMNS];
    struct value before[COLUMNS], after[COLUMNS];
    int key_columns[2] = {0, 1};
    for (int round = 0; round < 5000; round++) {
        for (int c = 0; c < COLUMNS; c++) {
            /* distinct names: a random tail after a unique head */
            random_bytes(&seed, names[c], sizeof names[c] - 1);
            names[c][0] = (char)('a' + c);
            for (size_t i = 1; i < sizeof names[c] - 1; i++)
                if (!names[c][i])
                    names[c][i] = '?';
            names[c][sizeof names[c] - 1] = '\0';
            columns[c] =
                (struct column){.name = names[c], .type = (uint8_t)(next_random(&seed) % 2 ? MYSQL_TYPE_FLOAT : 0)};
            for (int image = 0; image < 2; image++) {
                struct value *v = image ? &after[c] : &before[c];
                uint64_t r = next_random(&seed);
                memset(v, 0, sizeof *v);
                v->kind = (enum value_kind)(r % (VALUE_TIMESTAMP + 1));
                random_bytes(&seed, text[c][image], sizeof text[c][image]);
                switch (v->kind) {
                case VALUE_DECIMAL:
                case VALUE_STRING:
                case VALUE_BYTES:
                    v->v.text.data = text[c][image];
                    v->v.text.len = (r >> 8) % sizeof text[c][image];
                    break;
                case VALUE_DATE:
                case VALUE_TIME:
                case VALUE_DATETIME:
                    v->v.time.negative = field(&seed, 0, 1);
                    v->v.time.year = field(&seed, 0, 9999);
                    v->v.time.month = field(&seed, 0, 12);
                    v->v.time.day = field(&seed, 0, 31);
                    v->v.time.hour = field(&seed, 0, 838);
                    v->v.time.minute = field(&seed, 0, 59);
                    v->v.time.second = field(&seed, 0, 59);
                    v->v.time.usec = field(&seed, 0, 999999);
                    break;
                case VALUE_TIMESTAMP:
                    v->v.epoch.seconds = (int64_t)next_random(&seed) >> (r % 40);
                    v->v.epoch.usec =
                        (int)(next_random(&seed) % 3 ? next_random(&seed) % 1000000 : (uint32_t)next_random(&seed));
                    break;
                default:
                    v->v.u = next_random(&seed);
                }
            }
        }
        random_bytes(&seed, db, sizeof db - 1);
        random_bytes(&seed, table_name, sizeof table_name - 1);
        random_bytes(&seed, file, sizeof file - 1);
        random_bytes(&seed, gtid, sizeof gtid - 1);
        random_bytes(&seed, server, sizeof server - 1);
        db[sizeof db - 1] = table_name[sizeof table_name - 1] = file[sizeof file - 1] = gtid[sizeof gtid - 1] =
            server[sizeof server - 1] = '\0';
        struct table table = {.database = db,
                              .name = table_name,
                              .column_count = COLUMNS,
                              .columns = columns,
                              .primary_key = key_columns,
                              .primary_key_count = (int)(next_random(&seed) % 3)};
        struct event_source src = {.server_name = server,
                                   .ts_ns = (int64_t)next_random(&seed),
                                   .snapshot = (enum event_snapshot)(next_random(&seed) % 3),
                                   .server_id = (uint32_t)next_random(&seed),
                                   .gtid = round % 2 ? gtid : NULL,
                                   .file = file,
                                   .pos = next_random(&seed),
                                   .row = (int)next_random(&seed)};
        enum row_op op = (enum row_op)(round % 4);
        struct row_change change = {&table, op, op == ROW_UPDATE || op == ROW_DELETE ? before : NULL,
                                    op == ROW_DELETE ? NULL : after};
        int has_key = event_json_key(key, &change);
        assert_int_equal(has_key, table.primary_key_count ? 1 : 0);
        if (has_key)
            json_decref(parse_flags(key, JSON_DECODE_INT_AS_REAL));
        assert_int_equal(event_json_value(value, &change, &src, (int64_t)next_random(&seed)), 1);
        json_decref(parse_flags(value, JSON_DECODE_INT_AS_REAL));
        int has_flat = event_json_unwrapped(flat, &change, server);
        assert_int_equal(has_flat, op == ROW_DELETE ? 0 : 1);
        if (has_flat)
            json_decref(parse_flags(flat, JSON_DECODE_INT_AS_REAL));
    }
    json_writer_free(key);
    json_writer_free(value);
    json_writer_free(flat);
}

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* BENCH=1: events per second for sales_order_details inserts and updates,
 * key and value as `bridge cdc` makes them. */
static int bench(void) {
    struct json_writer *key = writer(), *value = writer();
    struct value before[5], after[5];
    /* prices made beforehand: the loop measures encoding alone */
    static char prices[100][16];
    for (int p = 0; p < 100; p++)
        snprintf(prices[p], sizeof prices[p], "%d.%02d", 10 + p * 7 % 90, p);
    const long events = getenv("BENCH_EVENTS") ? atol(getenv("BENCH_EVENTS")) : 2000000;
    static const char *const modes[] = {"insert: key + envelope", "update: key + envelope", "insert: key + unwrapped",
                                        "insert: envelope only"};
    for (int mode = 0; mode < 4; mode++) {
        size_t bytes = 0;
        double start = seconds_now();
        for (long i = 0; i < events; i++) {
            const char *price = prices[i % 100];
            sod_row(after, 1000000 + i, 500000 + i / 4, i % 977, 1 + i % 7, price);
            sod_row(before, 1000000 + i, 500000 + i / 4, i % 977, 2 + i % 7, price);
            struct row_change change = {&sod, mode == 1 ? ROW_UPDATE : ROW_INSERT, mode == 1 ? before : NULL, after};
            struct event_source src = binlog_source;
            src.pos = 154 + (uint64_t)i * 90;
            src.row = (int)(i % 4);
            if (mode != 3)
                event_json_key(key, &change);
            if (mode == 2)
                event_json_unwrapped(value, &change, "dc01");
            else
                event_json_value(value, &change, &src, (1764082800000 + i / 1000) * 1000000);
            bytes += json_writer_len(value) + json_writer_len(key);
        }
        double elapsed = seconds_now() - start;
        printf("# bench %-26s %ld events in %.3f s: %.0f events/s, %.0f bytes/event\n", modes[mode], events, elapsed,
               (double)events / elapsed, (double)bytes / (double)events);
    }
    json_writer_free(key);
    json_writer_free(value);
    return 0;
}

/* The "bridgelab.columns" text: each column's type in row_schema.h's
 * words, "?" for nullable ones and for dates (zero dates are null). */
static void test_columns_header(void **state) {
    (void)state;
    struct column cols[] = {
        {.name = "id", .type = MYSQL_TYPE_LONG},
        {.name = "u32", .type = MYSQL_TYPE_LONG, .is_unsigned = 1},
        {.name = "tiny", .type = MYSQL_TYPE_TINY, .is_unsigned = 1, .is_nullable = 1},
        {.name = "big", .type = MYSQL_TYPE_LONGLONG},
        {.name = "ubig", .type = MYSQL_TYPE_LONGLONG, .is_unsigned = 1},
        {.name = "yr", .type = MYSQL_TYPE_YEAR},
        {.name = "f", .type = MYSQL_TYPE_FLOAT},
        {.name = "d", .type = MYSQL_TYPE_DOUBLE},
        {.name = "price", .type = MYSQL_TYPE_NEWDECIMAL, .meta = 0x0a02, .is_nullable = 1},
        {.name = "wide", .type = MYSQL_TYPE_NEWDECIMAL, .meta = 0x411e},
        {.name = "flag", .type = MYSQL_TYPE_BIT, .meta = 0x0001},
        {.name = "mask", .type = MYSQL_TYPE_BIT, .meta = 0x0104},
        {.name = "name", .type = MYSQL_TYPE_VARCHAR, .is_nullable = 1},
        {.name = "raw", .type = MYSQL_TYPE_BLOB, .is_binary = 1},
        {.name = "doc", .type = MYSQL_TYPE_JSON},
        {.name = "day", .type = MYSQL_TYPE_DATE},
        {.name = "dur", .type = MYSQL_TYPE_TIME2},
        {.name = "at", .type = MYSQL_TYPE_DATETIME2},
        {.name = "ts", .type = MYSQL_TYPE_TIMESTAMP2, .is_nullable = 1},
        {.name = "geo", .type = MYSQL_TYPE_GEOMETRY},
        {.name = NULL, .type = MYSQL_TYPE_LONG},
    };
    struct table t = {.id = 9, .database = "orders", .name = "all", .column_count = 21, .columns = cols};
    struct json_writer *w = writer();
    assert_int_equal(event_json_columns(w, &t, 0), 1);
    assert_string_equal(json_writer_data(w),
                        "[[\"id\",\"int32\"],[\"u32\",\"int64\"],[\"tiny\",\"int32?\"],[\"big\",\"int64\"],"
                        "[\"ubig\",\"uint64\"],[\"yr\",\"int32\"],[\"f\",\"float\"],[\"d\",\"double\"],"
                        "[\"price\",\"decimal(10,2)?\"],[\"wide\",\"decimal(65,30)\"],[\"flag\",\"boolean\"],"
                        "[\"mask\",\"bytes\"],[\"name\",\"string?\"],[\"raw\",\"bytes\"],[\"doc\",\"string\"],"
                        "[\"day\",\"date?\"],[\"dur\",\"time\"],[\"at\",\"timestamp?\"],[\"ts\",\"timestamp?\"],"
                        "[\"geo\",\"bytes\"],[\"_21\",\"int32\"]]");
    /* unwrapped: a column named like the dc field gives way to it, at the end */
    struct column un[] = {{.name = "id", .type = MYSQL_TYPE_LONG}, {.name = "sourcedc", .type = MYSQL_TYPE_VARCHAR}};
    struct table u = {.id = 10, .database = "orders", .name = "u", .column_count = 2, .columns = un};
    json_writer_reset(w);
    assert_int_equal(event_json_columns(w, &u, 1), 1);
    assert_string_equal(json_writer_data(w), "[[\"id\",\"int32\"],[\"sourcedc\",\"string\"]]");
    json_writer_free(w);
}

int main(void) {
    if (getenv("BENCH") && strcmp(getenv("BENCH"), "0") != 0)
        return bench();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_single_primary_key),
        cmocka_unit_test(test_key_composite_primary_key),
        cmocka_unit_test(test_key_without_primary_key),
        cmocka_unit_test(test_key_from_before_image),
        cmocka_unit_test(test_key_changed),
        cmocka_unit_test(test_envelope_insert_exact_text),
        cmocka_unit_test(test_envelope_every_op),
        cmocka_unit_test(test_envelope_source_variants),
        cmocka_unit_test(test_envelope_timestamps),
        cmocka_unit_test(test_every_value_kind),
        cmocka_unit_test(test_timestamps_match_gmtime),
        cmocka_unit_test(test_absent_columns_omitted),
        cmocka_unit_test(test_unwrapped),
        cmocka_unit_test(test_any_bytes_give_valid_json),
        cmocka_unit_test(test_columns_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
