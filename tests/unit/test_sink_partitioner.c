/* Unit tests of the partitioners (bridge/sink/partitioner.c) and their time
 * pieces: kinds and options refused with the option's name, default and
 * field folders (escaped values, missing, null and non-string ones, values
 * too long), path.format (every token, literals, bad tokens), time zones
 * (UTC, Europe/London across both DST changes, in its transition table and
 * past it, southern and half-hour zones, each zone of a list against the C
 * library, bad names and files), record time, epoch and ISO 8601 fields,
 * and fields that hold no time. */
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
#include <time.h>

#include "assert_text.h"
#include "sink/civil_time.h"
#include "sink/partitioner.h"
#include "sink/path_format.h"
#include "sink/zone.h"

static struct sink_record record_at(const char *value, int64_t timestamp_ms) {
    return (struct sink_record){.topic = "dc01_sales_orders",
                                .partition = 3,
                                .offset = 7,
                                .timestamp_ms = timestamp_ms,
                                .value = value,
                                .value_len = value ? strlen(value) : 0};
}

static struct partitioner *make(struct partitioner_options opt) {
    char err[512] = "";
    struct partitioner *p = partitioner_new(&opt, err, sizeof err);
    if (!p)
        fail_msg("partitioner_new: %s", err);
    return p;
}

/* partitioner_new refuses opt with an error holding each piece. */
static void assert_refused(struct partitioner_options opt, const char *piece, const char *piece2) {
    char err[512] = "";
    struct partitioner *p = partitioner_new(&opt, err, sizeof err);
    if (p) {
        partitioner_free(p);
        fail_msg("accepted (wanted an error with '%s')", piece);
    }
    assert_contains(err, piece);
    assert_contains(err, piece2);
    assert_null(strchr(err, '\n'));
}

/* The folders of a record of value and timestamp. */
static void assert_folders(const struct partitioner *p, const char *value, int64_t timestamp_ms, const char *expected) {
    struct sink_record r = record_at(value, timestamp_ms);
    char out[1024], err[512] = "";
    int rc = partitioner_encode(p, &r, out, sizeof out, err, sizeof err);
    sink_record_release(&r);
    if (rc != 0)
        fail_msg("%s: %s", value ? value : "(tombstone)", err);
    assert_string_equal(out, expected);
}

/* partitioner_encode fails with an error holding each piece. */
static void assert_encode_fails(const struct partitioner *p, const char *value, size_t outlen, const char *piece,
                                const char *piece2) {
    struct sink_record r = record_at(value, 0);
    char out[1024], err[512] = "";
    int rc = partitioner_encode(p, &r, out, outlen, err, sizeof err);
    sink_record_release(&r);
    if (rc == 0)
        fail_msg("%s gave '%s'", value, out);
    assert_int_equal(rc, -1);
    assert_contains(err, piece);
    assert_contains(err, piece2);
}

static void test_kind_parse(void **state) {
    (void)state;
    const struct {
        const char *text;
        enum partitioner_kind kind;
    } good[] = {
        {"default", PARTITIONER_DEFAULT},
        {"field", PARTITIONER_FIELD},
        {"time", PARTITIONER_TIME},
        {"DefaultPartitioner", PARTITIONER_DEFAULT},
        {"FieldPartitioner", PARTITIONER_FIELD},
        {"TimeBasedPartitioner", PARTITIONER_TIME},
        {"io.confluent.connect.storage.partitioner.TimeBasedPartitioner", PARTITIONER_TIME},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        enum partitioner_kind kind = (enum partitioner_kind) - 1;
        assert_int_equal(partitioner_kind_parse(good[i].text, &kind), 0);
        assert_int_equal(kind, good[i].kind);
    }
    const char *bad[] = {"", "Default", "TIME", "hourly", "DailyPartitioner", "x.default", "time ", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum partitioner_kind kind;
        if (partitioner_kind_parse(bad[i], &kind) == 0)
            fail_msg("'%s' parsed", bad[i] ? bad[i] : "(null)");
    }
}

static void test_default(void **state) {
    (void)state;
    struct partitioner *p = make((struct partitioner_options){.kind = PARTITIONER_DEFAULT});
    assert_folders(p, "{\"a\":1}", 0, "partition=3");
    assert_folders(p, NULL, -1, "partition=3"); /* a tombstone too */
    struct sink_record r = record_at("x", 0);
    char out[16], err[256];
    assert_int_equal(partitioner_encode(p, &r, out, 11, err, sizeof err), -1);
    assert_contains(err, "dc01_sales_orders+3+7");
    assert_int_equal(partitioner_encode(p, &r, out, 12, err, sizeof err), 0);
    assert_string_equal(out, "partition=3");
    partitioner_free(p);
    partitioner_free(NULL);
}

static void test_field(void **state) {
    (void)state;
    struct partitioner *p = make((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = "customer_id"});
    assert_folders(p, "{\"id\":1,\"customer_id\":7}", 0, "customer_id=7");
    assert_folders(p, "{\"customer_id\":\"Acme Ltd/UK\"}", 0, "customer_id=Acme%20Ltd%2FUK");
    assert_folders(p, "{\"customer_id\":\"..\"}", 0, "customer_id=%2E%2E");
    assert_folders(p,
                   "{\"customer_id\":\"K\xc3\xb8"
                   "benhavn\"}",
                   0,
                   "customer_id=K\xc3\xb8"
                   "benhavn");
    assert_folders(p, "{\"customer_id\":\"a\\u0000b\\n\"}", 0, "customer_id=a%00b%0A");
    assert_folders(p, "{\"customer_id\":2.50}", 0, "customer_id=2.5");
    assert_folders(p, "{\"customer_id\":18446744073709551615}", 0, "customer_id=18446744073709551615");
    assert_folders(p, "{\"customer_id\":true}", 0, "customer_id=true");
    assert_folders(p, "{\"customer_id\":[1,\"a b\"]}", 0, "customer_id=%5B1,%22a%20b%22%5D");
    /* Missing, null, empty, or no row at all: Hive's default partition. */
    assert_folders(p, "{\"id\":1}", 0, "customer_id=__HIVE_DEFAULT_PARTITION__");
    assert_folders(p, "{\"customer_id\":null}", 0, "customer_id=__HIVE_DEFAULT_PARTITION__");
    assert_folders(p, "{\"customer_id\":\"\"}", 0, "customer_id=__HIVE_DEFAULT_PARTITION__");
    assert_folders(p, "not json", 0, "customer_id=__HIVE_DEFAULT_PARTITION__");
    assert_folders(p, NULL, 0, "customer_id=__HIVE_DEFAULT_PARTITION__");
    /* From an envelope's flat row. */
    assert_folders(p, "{\"before\":{\"customer_id\":4},\"after\":null,\"op\":\"d\"}", 0, "customer_id=4");
    assert_folders(p, "{\"before\":null,\"after\":{\"customer_id\":5},\"op\":\"c\"}", 0, "customer_id=5");
    partitioner_free(p);
}

static void test_fields_several(void **state) {
    (void)state;
    struct partitioner *p =
        make((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = " sourcedc , customer_id,__op"});
    assert_folders(p, "{\"customer_id\":7,\"sourcedc\":\"dc01\"}", 0,
                   "sourcedc=dc01/customer_id=7/__op=__HIVE_DEFAULT_PARTITION__");
    assert_folders(p, "{\"after\":{\"customer_id\":7},\"op\":\"u\"}", 0,
                   "sourcedc=__HIVE_DEFAULT_PARTITION__/customer_id=7/__op=u");
    /* The whole must fit the caller's buffer: the record is named. */
    assert_encode_fails(p, "{\"customer_id\":7,\"sourcedc\":\"dc01\"}", 20, "dc01_sales_orders+3+7", "do not fit");
    partitioner_free(p);
}

static void test_field_value_too_long(void **state) {
    (void)state;
    struct partitioner *p = make((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = "v"});
    /* "v=" and 253 bytes make a 255-byte folder; one more does not fit. */
    char value[400], folder[300];
    snprintf(value, sizeof value, "{\"v\":\"%0253d\"}", 0);
    snprintf(folder, sizeof folder, "v=%0253d", 0);
    assert_folders(p, value, 0, folder);
    snprintf(value, sizeof value, "{\"v\":\"%0254d\"}", 0);
    assert_encode_fails(p, value, 1024, "sink.partition.field.name \"v\"", "dc01_sales_orders+3+7");
    /* Escapes count three bytes each. */
    char spaces[200] = "{\"v\":\"";
    memset(spaces + 6, ' ', 90);
    strcpy(spaces + 96, "\"}");
    assert_encode_fails(p, spaces, 1024, "too long for a folder name", "255");
    partitioner_free(p);
}

static void test_field_options_refused(void **state) {
    (void)state;
    assert_refused((struct partitioner_options){.kind = PARTITIONER_FIELD}, "sink.partition.field.name", "is required");
    assert_refused((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = ""},
                   "sink.partition.field.name", "is required");
    assert_refused((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = "a,,b"},
                   "sink.partition.field.name", "\"\"");
    assert_refused((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = "a, "},
                   "sink.partition.field.name", "no usable field name");
    assert_refused((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = "a b"},
                   "sink.partition.field.name", "\"a b\"");
    assert_refused((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = "ok,k=v"},
                   "sink.partition.field.name", "\"k=v\"");
    assert_refused((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = "a/b"},
                   "sink.partition.field.name", "\"a/b\"");
    assert_refused((struct partitioner_options){.kind = PARTITIONER_FIELD, .field_names = ".."},
                   "sink.partition.field.name", "\"..\"");
    assert_refused((struct partitioner_options){.kind = (enum partitioner_kind)9}, "sink.partitioner", "9");
    /* Options of other kinds are ignored. */
    struct partitioner *p = make((struct partitioner_options){.kind = PARTITIONER_DEFAULT, .field_names = "a b"});
    partitioner_free(p);
}

static struct partitioner *time_partitioner(const char *format, const char *zone, const char *field) {
    return make((struct partitioner_options){
        .kind = PARTITIONER_TIME, .path_format = format, .timezone = zone, .timestamp_field = field});
}

/* 2026-12-01T10:00:00Z */
#define DEC_1_10H 1796119200000LL

static void test_time_tokens(void **state) {
    (void)state;
    struct partitioner *p = time_partitioner("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", NULL, NULL);
    assert_folders(p, "{}", DEC_1_10H, "year=2026/month=12/day=01/hour=10");
    assert_folders(p, NULL, DEC_1_10H + 3599999, "year=2026/month=12/day=01/hour=10");
    partitioner_free(p);
    p = time_partitioner("yyyy/MM/dd/HH/mm/ss", "UTC", "");
    assert_folders(p, "{}", DEC_1_10H + 61 * 60 * 1000 + 5123, "2026/12/01/11/01/05");
    assert_folders(p, "{}", 0, "1970/01/01/00/00/00");
    assert_folders(p, "{}", 951782400000LL, "2000/02/29/00/00/00"); /* a leap day */
    partitioner_free(p);
    /* Tokens run together, literals of any text, '' for a quote. */
    p = time_partitioner("'dt'=YYYY-MM-dd/HH'h'mm/'it''s'=ss''", "", NULL);
    assert_folders(p, "{}", DEC_1_10H + 30 * 60 * 1000, "dt=2026-12-01/10h30/it's=00'");
    partitioner_free(p);
    p = time_partitioner("YYYYMMddHHmmss", NULL, NULL);
    assert_folders(p, "{}", DEC_1_10H, "20261201100000");
    partitioner_free(p);
}

static void test_time_no_time(void **state) {
    (void)state;
    /* No record timestamp (< 0): every folder with a token is the default. */
    struct partitioner *p = time_partitioner("'year'=YYYY/'month'=MM/'x'-dd-HH/HH", NULL, NULL);
    assert_folders(p, "{}", -1,
                   "year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/"
                   "x-__HIVE_DEFAULT_PARTITION__/__HIVE_DEFAULT_PARTITION__");
    partitioner_free(p);
    /* A field that is missing or null, or no row. */
    p = time_partitioner("'day'=YYYY-MM-dd", NULL, "order_date");
    assert_folders(p, "{\"id\":1}", DEC_1_10H, "day=__HIVE_DEFAULT_PARTITION__");
    assert_folders(p, "{\"order_date\":null}", DEC_1_10H, "day=__HIVE_DEFAULT_PARTITION__");
    assert_folders(p, NULL, DEC_1_10H, "day=__HIVE_DEFAULT_PARTITION__");
    assert_folders(p, "[1]", DEC_1_10H, "day=__HIVE_DEFAULT_PARTITION__");
    partitioner_free(p);
}

static void test_time_path_format_refused(void **state) {
    (void)state;
    const struct {
        const char *format, *piece;
    } bad[] = {
        {NULL, "is required"},
        {"", "is required"},
        {"yy/MM", "unknown token \"yy\" at position 1"},
        {"YYYY/M", "unknown token \"M\" at position 6"},
        {"YYYY/MMM", "unknown token \"MMM\""},
        {"'year'=YYYY/'day'=DD", "unknown token \"DD\" at position 19"},
        {"'year'=YYYY/hour=HH", "unknown token \"h\" at position 13"},
        {"'a/b'=YYYY", "folder \"a\" without a time token"}, /* '/' in quotes separates too */
        {"YYYY/ddd", "unknown token \"ddd\""},
        {"YYYY/SSS", "unknown token \"SSS\""},
        {"YYYY/EEE", "unknown token \"EEE\""},
        {"yyyyMMddTHH", "unknown token \"T\""},
        {"'year=YYYY", "a quote is not closed"},
        {"YYYY//MM", "empty"},
        {"/YYYY", "empty"},
        {"YYYY/", "empty"},
        {"YYYY/./MM", "\".\""},
        {"YYYY/'..'/MM", "\"..\""},
        {"YYYY/'fixed'", "without a time token"},
        {"'static'", "without a time token"},
        {"YYYY/\tMM", "0x09"},
        {"YYYY\\MM", "0x5c"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_refused((struct partitioner_options){.kind = PARTITIONER_TIME, .path_format = bad[i].format},
                       "sink.path.format", bad[i].piece);
}

static void test_time_render_does_not_fit(void **state) {
    (void)state;
    char err[256];
    char *compiled = path_format_compile("'year'=YYYY", err, sizeof err);
    assert_non_null(compiled);
    struct civil_time t = {.year = 2026, .month = 1, .day = 1};
    char out[16];
    assert_int_equal(path_format_render(compiled, &t, out, 9), -1);
    assert_int_equal(path_format_render(compiled, &t, out, 10), 9);
    assert_string_equal(out, "year=2026");
    assert_int_equal(path_format_render(compiled, NULL, out, sizeof out), -1);
    free(compiled);
    struct partitioner *p = time_partitioner("'year'=YYYY", NULL, NULL);
    assert_encode_fails(p, "{}", 9, "dc01_sales_orders+3+7", "do not fit");
    partitioner_free(p);
}

static void test_time_europe_london(void **state) {
    (void)state;
    struct partitioner *p = time_partitioner("'day'=YYYY-MM-dd/'hour'=HH/'minute'=mm", "Europe/London", NULL);
    /* Winter: GMT. */
    assert_folders(p, "{}", DEC_1_10H, "day=2026-12-01/hour=10/minute=00");
    /* 2026-03-29 01:00 UTC: clocks go from 01:00 GMT to 02:00 BST. */
    assert_folders(p, "{}", 1774745999000LL, "day=2026-03-29/hour=00/minute=59");
    assert_folders(p, "{}", 1774746000000LL, "day=2026-03-29/hour=02/minute=00");
    /* 2026-10-25 01:00 UTC: back from 02:00 BST to 01:00 GMT. */
    assert_folders(p, "{}", 1792889999000LL, "day=2026-10-25/hour=01/minute=59");
    assert_folders(p, "{}", 1792890000000LL, "day=2026-10-25/hour=01/minute=00");
    /* Summer, across midnight: 23:30 UTC is 00:30 the next day. */
    assert_folders(p, "{}", 1782862200000LL, "day=2026-07-01/hour=00/minute=30");
    /* 2045, past the file's table: the footer's rule (M3.5.0/1,M10.5.0). */
    assert_folders(p, "{}", 2374102799000LL, "day=2045-03-26/hour=00/minute=59");
    assert_folders(p, "{}", 2374102800000LL, "day=2045-03-26/hour=02/minute=00");
    assert_folders(p, "{}", 2392851599000LL, "day=2045-10-29/hour=01/minute=59");
    assert_folders(p, "{}", 2392851600000LL, "day=2045-10-29/hour=01/minute=00");
    partitioner_free(p);
}

static void test_time_other_zones(void **state) {
    (void)state;
    /* Southern: Sydney's daylight time spans the new year. */
    struct partitioner *p = time_partitioner("YYYY-MM-dd'T'HH", "Australia/Sydney", NULL);
    assert_folders(p, "{}", 1768478400000LL, "2026-01-15T23");
    assert_folders(p, "{}", 1784116800000LL, "2026-07-15T22");
    assert_folders(p, "{}", 1775318399000LL, "2026-04-05T02");
    assert_folders(p, "{}", 1775318400000LL, "2026-04-05T02");
    partitioner_free(p);
    /* Half an hour: Kolkata is 5:30 ahead. */
    p = time_partitioner("YYYY-MM-dd/HH/mm", "Asia/Kolkata", NULL);
    assert_folders(p, "{}", 1796155200000LL, "2026-12-02/01/30");
    partitioner_free(p);
    /* Two partitioners of two zones side by side. */
    struct partitioner *london = time_partitioner("HH", "Europe/London", NULL);
    struct partitioner *new_york = time_partitioner("HH", "America/New_York", NULL);
    assert_folders(london, "{}", 1782862200000LL, "00");
    assert_folders(new_york, "{}", 1782862200000LL, "19");
    partitioner_free(london);
    partitioner_free(new_york);
}

static void test_time_zone_refused(void **state) {
    (void)state;
    const struct {
        const char *zone, *piece;
    } bad[] = {
        {"Europe/Lndon", "/usr/share/zoneinfo/Europe/Lndon"},
        {"Mars/Olympus", "No such file"},
        {"europe/london", "cannot open"},
        {"../../etc/passwd", "no zone name"},
        {"/etc/localtime", "no zone name"},
        {"Europe/", "no zone name"},
        {"Europe London", "no zone name"},
        {"zone1970.tab", "no zone name"},
        {"Europe", "cannot read"},       /* a folder */
        {"leapseconds", "no zone file"}, /* a text file */
        {"right/UTC", "leap seconds"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_refused(
            (struct partitioner_options){.kind = PARTITIONER_TIME, .path_format = "YYYY", .timezone = bad[i].zone},
            "sink.timezone", bad[i].piece);
}

/* zone_offset agrees with the C library's localtime_r, this test setting
 * TZ (one thread here), every 5 days and 1 hour from 1900 to 2100. */
static void test_zone_against_libc(void **state) {
    (void)state;
    const char *zones[] = {"Europe/London",
                           "America/New_York",
                           "Australia/Sydney",
                           "Asia/Kolkata",
                           "Pacific/Chatham",
                           "America/Santiago",
                           "Africa/Casablanca",
                           "Etc/GMT+5",
                           "Europe/Dublin",
                           "Antarctica/Troll",
                           "UTC",
                           "Etc/UTC"};
    char *saved = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        char err[256];
        struct zone *z = zone_load(zones[i], err, sizeof err);
        if (!z)
            fail_msg("%s: %s", zones[i], err);
        setenv("TZ", zones[i], 1);
        tzset();
        for (int64_t t = -2208988800LL; t < 4102444800LL; t += 5 * 86400 + 3600) {
            time_t tt = (time_t)t;
            struct tm tm;
            localtime_r(&tt, &tm);
            if (tm.tm_gmtoff != zone_offset(z, t))
                fail_msg("%s at %lld: libc %ld, zone %d", zones[i], (long long)t, tm.tm_gmtoff, zone_offset(z, t));
        }
        zone_free(z);
    }
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
}

static void test_time_field_epoch(void **state) {
    (void)state;
    struct partitioner *p = time_partitioner("YYYY-MM-dd/HH-mm-ss", "UTC", "ts");
    assert_folders(p, "{\"ts\":1796119200000}", 0, "2026-12-01/10-00-00");
    /* Before 1970: milliseconds round down. */
    assert_folders(p, "{\"ts\":-1}", 0, "1969-12-31/23-59-59");
    assert_folders(p, "{\"ts\":-62167219200000}", 0, "0000-01-01/00-00-00");
    assert_folders(p, "{\"ts\":253402300799999}", 0, "9999-12-31/23-59-59");
    /* From an envelope: the add field of the source's time. */
    partitioner_free(p);
    p = time_partitioner("YYYY-MM-dd/HH", "Europe/London", "__source_ts_ms");
    assert_folders(p, "{\"after\":{\"id\":1},\"op\":\"c\",\"source\":{\"ts_ms\":1782862200000}}", 0, "2026-07-01/00");
    partitioner_free(p);
}

static void test_time_field_iso(void **state) {
    (void)state;
    struct partitioner *p = time_partitioner("YYYY-MM-dd/HH-mm-ss", "Europe/London", "order_date");
    /* Instants ("Z", offsets) shown in the zone. */
    assert_folders(p, "{\"order_date\":\"2026-12-01T10:00:00Z\"}", 0, "2026-12-01/10-00-00");
    assert_folders(p, "{\"order_date\":\"2026-07-01T10:00:00Z\"}", 0, "2026-07-01/11-00-00");
    assert_folders(p, "{\"order_date\":\"2026-07-01T23:30:00.123456Z\"}", 0, "2026-07-02/00-30-00");
    assert_folders(p, "{\"order_date\":\"2026-07-01T23:30:00+02:00\"}", 0, "2026-07-01/22-30-00");
    assert_folders(p, "{\"order_date\":\"2026-12-31T20:00:00-05:30\"}", 0, "2027-01-01/01-30-00");
    assert_folders(p, "{\"order_date\":\"2026-07-01T10:00Z\"}", 0, "2026-07-01/11-00-00");
    /* Wall-clock text: a DATE, a DATETIME without a zone, as they are. */
    assert_folders(p, "{\"order_date\":\"2026-07-01\"}", 0, "2026-07-01/00-00-00");
    assert_folders(p, "{\"order_date\":\"2026-07-01T23:30:15\"}", 0, "2026-07-01/23-30-15");
    assert_folders(p, "{\"order_date\":\"2026-07-01 23:30:15.5\"}", 0, "2026-07-01/23-30-15");
    assert_folders(p, "{\"order_date\":\"2024-02-29\"}", 0, "2024-02-29/00-00-00");
    partitioner_free(p);
}

static void test_time_field_not_a_time(void **state) {
    (void)state;
    struct partitioner *p = time_partitioner("YYYY-MM-dd", "UTC", "order_date");
    const struct {
        const char *value, *shown;
    } bad[] = {
        {"{\"order_date\":\"tomorrow\"}", "\"tomorrow\""},
        {"{\"order_date\":\"\"}", "\"\""},
        {"{\"order_date\":\"2026-02-30\"}", "\"2026-02-30\""},
        {"{\"order_date\":\"2025-02-29\"}", "\"2025-02-29\""},
        {"{\"order_date\":\"2026-13-01\"}", "\"2026-13-01\""},
        {"{\"order_date\":\"2026-00-01\"}", "\"2026-00-01\""},
        {"{\"order_date\":\"2026-12-1\"}", "\"2026-12-1\""},
        {"{\"order_date\":\"26-12-01\"}", "\"26-12-01\""},
        {"{\"order_date\":\"2026-12-01T24:00:00Z\"}", "\"2026-12-01T24:00:00Z\""},
        {"{\"order_date\":\"2026-12-01T10:60:00Z\"}", "\"2026-12-01T10:60:00Z\""},
        {"{\"order_date\":\"2026-12-01T10:00:60Z\"}", "\"2026-12-01T10:00:60Z\""},
        {"{\"order_date\":\"2026-12-01T10:00:00.Z\"}", "\"2026-12-01T10:00:00.Z\""},
        {"{\"order_date\":\"2026-12-01T10:00:00+25:00\"}", "\"2026-12-01T10:00:00+25:00\""},
        {"{\"order_date\":\"2026-12-01T10:00:00+0100\"}", "\"2026-12-01T10:00:00+0100\""},
        {"{\"order_date\":\"2026-12-01T10\"}", "\"2026-12-01T10\""},
        {"{\"order_date\":\"2026-12-01X10:00\"}", "\"2026-12-01X10:00\""},
        {"{\"order_date\":\"2026-12-01 \"}", "\"2026-12-01 \""},
        {"{\"order_date\":\"2026-12-01T10:00:00Zjunk\"}", "\"2026-12-01T10:00:00Zjunk\""},
        {"{\"order_date\":\"2026-12-01\\u0000\"}", "\"2026-12-01?\""},
        {"{\"order_date\":true}", "true"},
        {"{\"order_date\":1.5}", "1.5"},
        {"{\"order_date\":{\"a\":1}}", "{\"a\":1}"},
        {"{\"order_date\":[]}", "[]"},
        {"{\"order_date\":253402300800000}", "253402300800000"}, /* the year 10000 */
        {"{\"order_date\":-62167219200001}", "-62167219200001"}, /* before the year 0 */
        {"{\"order_date\":9223372036854775807}", "9223372036854775807"},
        {"{\"order_date\":\"1234567890123456789012345678901234567890123456789\"}",
         "\"1234567890123456789012345678901234567890...\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sink_record r = record_at(bad[i].value, 0);
        char out[256], err[512] = "";
        if (partitioner_encode(p, &r, out, sizeof out, err, sizeof err) == 0)
            fail_msg("%s gave '%s'", bad[i].value, out);
        sink_record_release(&r);
        assert_contains(err, "sink.timestamp.field \"order_date\" of dc01_sales_orders+3+7 is no time");
        assert_contains(err, bad[i].shown);
        assert_null(strchr(err, '\n'));
    }
    partitioner_free(p);
    /* The record's own timestamp past the year 9999. */
    p = time_partitioner("YYYY", NULL, NULL);
    struct sink_record r = record_at("{}", 253402300800000LL);
    char out[64], err[256];
    assert_int_equal(partitioner_encode(p, &r, out, sizeof out, err, sizeof err), -1);
    assert_contains(err, "dc01_sales_orders+3+7");
    assert_contains(err, "9999");
    partitioner_free(p);
}

static void test_civil_time(void **state) {
    (void)state;
    assert_true(civil_days(1970, 1, 1) == 0);
    assert_true(civil_days(2000, 3, 1) == 11017);
    assert_true(civil_days(1969, 12, 31) == -1);
    assert_true(civil_days(0, 1, 1) == -719528);
    assert_int_equal(civil_days_in_month(2024, 2), 29);
    assert_int_equal(civil_days_in_month(1900, 2), 28);
    assert_int_equal(civil_days_in_month(2000, 2), 29);
    assert_int_equal(civil_days_in_month(2026, 4), 30);
    for (int64_t s = -62167219200LL; s < 253402300800LL; s += 86400 * 37 + 3671) {
        struct civil_time t;
        civil_from_seconds(s, &t);
        assert_true(civil_to_seconds(&t) == s);
    }
    struct civil_time t;
    enum civil_zone zone;
    int32_t offset;
    assert_int_equal(civil_parse_iso8601("2026-12-01T10:20:30.999-03:45", 29, &t, &zone, &offset), 0);
    assert_int_equal(t.year, 2026);
    assert_int_equal(t.month, 12);
    assert_int_equal(t.day, 1);
    assert_int_equal(t.hour, 10);
    assert_int_equal(t.minute, 20);
    assert_int_equal(t.second, 30);
    assert_int_equal(zone, CIVIL_OFFSET);
    assert_int_equal(offset, -(3 * 3600 + 45 * 60));
    /* The length decides, not a NUL. */
    assert_int_equal(civil_parse_iso8601("2026-12-01T10:20", 10, &t, &zone, &offset), 0);
    assert_int_equal(zone, CIVIL_LOCAL);
    assert_int_equal(t.hour, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_parse),
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_field),
        cmocka_unit_test(test_fields_several),
        cmocka_unit_test(test_field_value_too_long),
        cmocka_unit_test(test_field_options_refused),
        cmocka_unit_test(test_time_tokens),
        cmocka_unit_test(test_time_no_time),
        cmocka_unit_test(test_time_path_format_refused),
        cmocka_unit_test(test_time_render_does_not_fit),
        cmocka_unit_test(test_time_europe_london),
        cmocka_unit_test(test_time_other_zones),
        cmocka_unit_test(test_time_zone_refused),
        cmocka_unit_test(test_zone_against_libc),
        cmocka_unit_test(test_time_field_epoch),
        cmocka_unit_test(test_time_field_iso),
        cmocka_unit_test(test_time_field_not_a_time),
        cmocka_unit_test(test_civil_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
