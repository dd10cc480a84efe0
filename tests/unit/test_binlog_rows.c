/* Unit tests for bridge/cdc/binlog_rows.c on real binlog bytes: the TABLE_MAP and
 * rows events that tests/integration/binlog.sh made MariaDB write, one table
 * per type family, captured by binlog_capture exactly as
 * MARIADB_RPL_EVENT.raw_data holds them. BINLOG_FIXTURES=DIR points at a
 * fresh capture (then every table must be there); without it the small
 * capture checked in under tests/unit/data/binlog/ is used (t_bigtext is
 * left out of it: that test passes with a note). The expected values follow the
 * workload in binlog.sh statement by statement. Then truncations, bit flips
 * and garbage: no crash or read out of bounds (run under ASan), a message
 * with every error, and every row they still yield checked (check_row): of
 * the table mapped, its values in their columns' ranges and their bytes
 * within the event. */
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// clang-format off
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <mysql.h>

#include "cdc/binlog_rows.h"

/* ------------------------------------------------------------------ helpers */

/* Strings made for one test, freed at its end. */
static char *pool[512];
static int npool;

static char *keep(char *s) {
    assert_non_null(s);
    assert_true(npool < (int)(sizeof pool / sizeof pool[0]));
    pool[npool++] = s;
    return s;
}

static void pool_free(void) {
    while (npool > 0)
        free(pool[--npool]);
}

__attribute__((format(printf, 1, 2))) static char *fmt(const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    int n = vasprintf(&s, f, ap);
    va_end(ap);
    assert_true(n >= 0);
    return keep(s);
}

static char *rep(const char *s, int n) {
    size_t l = strlen(s);
    char *out = malloc(l * (size_t)n + 1);
    assert_non_null(out);
    for (int i = 0; i < n; i++)
        memcpy(out + l * (size_t)i, s, l);
    out[l * (size_t)n] = '\0';
    return keep(out);
}

struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

__attribute__((format(printf, 2, 3))) static void sb_printf(struct sbuf *b, const char *f, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(tmp, sizeof tmp, f, ap);
    va_end(ap);
    assert_true(n >= 0 && n < (int)sizeof tmp);
    sb_add(b, tmp, (size_t)n);
}

/* A value as the expectations write it. */
static void render_value(struct sbuf *b, const struct column *col, const struct value *v) {
    switch (v->kind) {
    case VALUE_ABSENT:
        sb_add(b, "-", 1);
        break;
    case VALUE_NULL:
        sb_add(b, "NULL", 4);
        break;
    case VALUE_INT:
        sb_printf(b, "%lld", (long long)v->v.i);
        break;
    case VALUE_UINT:
        sb_printf(b, "u%llu", (unsigned long long)v->v.u);
        break;
    case VALUE_DOUBLE:
        sb_printf(b, col->type == MYSQL_TYPE_FLOAT ? "%.9g" : "%.17g", v->v.d);
        break;
    case VALUE_DECIMAL:
        sb_add(b, "dec:", 4);
        sb_add(b, v->v.text.data, v->v.text.len);
        break;
    case VALUE_STRING:
        sb_add(b, "'", 1);
        sb_add(b, v->v.text.data, v->v.text.len);
        sb_add(b, "'", 1);
        break;
    case VALUE_BYTES:
        sb_add(b, "x'", 2);
        for (size_t i = 0; i < v->v.text.len; i++)
            sb_printf(b, "%02x", (unsigned char)v->v.text.data[i]);
        sb_add(b, "'", 1);
        break;
    case VALUE_BOOL:
        sb_printf(b, "b%lld", (long long)v->v.i);
        break;
    case VALUE_DATE:
        sb_printf(b, "d:%04d-%02d-%02d", v->v.time.year, v->v.time.month, v->v.time.day);
        break;
    case VALUE_TIME:
        sb_printf(b, "t:%s%02d:%02d:%02d.%06d", v->v.time.negative ? "-" : "", v->v.time.hour, v->v.time.minute,
                  v->v.time.second, v->v.time.usec);
        break;
    case VALUE_DATETIME:
        sb_printf(b, "dt:%04d-%02d-%02d %02d:%02d:%02d.%06d", v->v.time.year, v->v.time.month, v->v.time.day,
                  v->v.time.hour, v->v.time.minute, v->v.time.second, v->v.time.usec);
        break;
    case VALUE_TIMESTAMP:
        sb_printf(b, "ts:%lld.%06d", (long long)v->v.epoch.seconds, v->v.epoch.usec);
        break;
    default:
        sb_printf(b, "?kind%d", (int)v->kind);
    }
}

static void render_image(struct sbuf *b, const struct table *t, const struct value *values) {
    for (int i = 0; i < t->column_count; i++) {
        if (i > 0)
            sb_add(b, "|", 1);
        render_value(b, &t->columns[i], &values[i]);
    }
}

/* ------------------------------------------------------------------ fixtures */

struct events {
    uint8_t **ev;
    size_t *len;
    int n;
};

/* BINLOG_FIXTURES, else the checked-in capture: from the top of the tree (as
 * tests/run runs us), else found from the binary (build/<tree>/tests/). */
static const char *fixture_dir(void) {
    static char dir[4096];
    const char *env = getenv("BINLOG_FIXTURES");
    if (env && *env)
        return env;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "tests/unit/data/binlog");
        char exe[4096];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (access("tests/unit/data/binlog/info", R_OK) != 0 && n > 0) {
            exe[n] = '\0';
            snprintf(dir, sizeof dir, "%s/../../../tests/unit/data/binlog", dirname(exe));
        }
    }
    return dir;
}

static int fresh_capture(void) { return getenv("BINLOG_FIXTURES") && *getenv("BINLOG_FIXTURES"); }

static void free_events(struct events *e) {
    for (int i = 0; i < e->n; i++)
        free(e->ev[i]);
    free(e->ev);
    free(e->len);
    memset(e, 0, sizeof *e);
}

/* <dir>/<table>.events: (4-byte little-endian length, raw_data)... Each event
 * in a buffer of its exact size, so that ASan sees any read past it. 1 when
 * the file is not there. */
static int load_events(const char *table, struct events *out) {
    memset(out, 0, sizeof *out);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.events", fixture_dir(), table);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 1;
    unsigned char n[4];
    while (fread(n, 1, 4, f) == 4) {
        size_t len = (size_t)n[0] | (size_t)n[1] << 8 | (size_t)n[2] << 16 | (size_t)n[3] << 24;
        uint8_t *ev = malloc(len ? len : 1);
        assert_non_null(ev);
        assert_int_equal(fread(ev, 1, len, f), len);
        out->ev = realloc(out->ev, (size_t)(out->n + 1) * sizeof *out->ev);
        out->len = realloc(out->len, (size_t)(out->n + 1) * sizeof *out->len);
        assert_non_null(out->ev);
        assert_non_null(out->len);
        out->ev[out->n] = ev;
        out->len[out->n] = len;
        out->n++;
    }
    fclose(f);
    assert_true(out->n > 0);
    return 0;
}

/* Loads a table's events, or fails; the checked-in capture leaves out
 * t_bigtext (too big to keep): 1 then, and its test passes with a note. */
static int load_or_skip(const char *table, struct events *e) {
    if (load_events(table, e) == 0)
        return 0;
    if (fresh_capture() || strcmp(table, "t_bigtext") != 0)
        fail_msg("%s/%s.events is missing", fixture_dir(), table);
    print_message("# %s is not in the checked-in capture: run tests/run binlog\n", table);
    return 1;
}

#define LOAD(table, events)                                                                                            \
    do {                                                                                                               \
        if (load_or_skip((table), (events)) != 0)                                                                      \
            return;                                                                                                    \
    } while (0)

static int event_type(const uint8_t *raw) { return raw[1 + 4]; }

/* ------------------------------------------------------------------ decoding */

struct decoded {
    struct binlog_rows *br;
    const struct table *table;
    uint64_t table_id;
    char **lines;
    int n, cap;
    int maps, rows_events;
};

static void add_line(struct decoded *d, char *line) {
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->lines = realloc(d->lines, (size_t)d->cap * sizeof *d->lines);
        assert_non_null(d->lines);
    }
    d->lines[d->n++] = line;
}

static int collect(const struct row_change *ch, void *ctx) {
    struct decoded *d = ctx;
    struct sbuf b = {0};
    const struct table *t = ch->table;
    assert_ptr_equal(t, d->table);
    switch (ch->op) {
    case ROW_INSERT:
        assert_null(ch->before);
        assert_non_null(ch->after);
        sb_add(&b, "I:", 2);
        render_image(&b, t, ch->after);
        break;
    case ROW_UPDATE:
        assert_non_null(ch->before);
        assert_non_null(ch->after);
        sb_add(&b, "U:", 2);
        render_image(&b, t, ch->before);
        sb_add(&b, " => ", 4);
        render_image(&b, t, ch->after);
        break;
    case ROW_DELETE:
        assert_non_null(ch->before);
        assert_null(ch->after);
        sb_add(&b, "D:", 2);
        render_image(&b, t, ch->before);
        break;
    default:
        fail_msg("op %d", (int)ch->op);
    }
    add_line(d, b.p);
    return 0;
}

static void decoded_free(struct decoded *d) {
    for (int i = 0; i < d->n; i++)
        free(d->lines[i]);
    free(d->lines);
    binlog_rows_free(d->br);
    memset(d, 0, sizeof *d);
}

/* Every event of a table through one fresh decoder: no error allowed. */
static void decode_all(const struct events *e, struct decoded *d) {
    memset(d, 0, sizeof *d);
    d->br = binlog_rows_new();
    assert_non_null(d->br);
    char err[256];
    for (int i = 0; i < e->n; i++) {
        err[0] = '\0';
        if (event_type(e->ev[i]) == 19) {
            d->table = binlog_rows_table_map(d->br, e->ev[i], e->len[i], err, sizeof err);
            if (!d->table)
                fail_msg("TABLE_MAP %d: %s", i, err);
            d->table_id = d->table->id;
            d->maps++;
        } else {
            int rc = binlog_rows_decode(d->br, e->ev[i], e->len[i], collect, d, err, sizeof err);
            if (rc != 0)
                fail_msg("rows event %d (type %d): %d %s", i, event_type(e->ev[i]), rc, err);
            d->rows_events++;
        }
    }
    assert_non_null(d->table);
}

static void expect_lines(const struct decoded *d, const char *const *want, int nwant) {
    int bad = 0;
    for (int i = 0; i < nwant || i < d->n; i++) {
        const char *got = i < d->n ? d->lines[i] : "(none)";
        const char *exp = i < nwant ? want[i] : "(none)";
        if (strcmp(got, exp) == 0)
            continue;
        size_t k = 0;
        while (got[k] && got[k] == exp[k])
            k++;
        size_t from = k > 40 ? k - 40 : 0;
        print_error("change %d differs at byte %zu:\n  got  ...%.100s\n  want ...%.100s\n", i + 1, k, got + from,
                    exp + from);
        bad++;
    }
    if (bad)
        fail_msg("%d of %d changes differ (%d decoded)", bad, nwant, d->n);
}

/* The decoded lines of a table against what the workload wrote; 1 when
 * the table is not in the capture (t_bigtext only). */
static int expect_table(const char *name, const char *const *want, int nwant, struct decoded *d) {
    struct events e;
    memset(d, 0, sizeof *d);
    if (load_or_skip(name, &e) != 0)
        return 1;
    decode_all(&e, d);
    free_events(&e);
    assert_string_equal(d->table->database, "binlog_test");
    assert_string_equal(d->table->name, name);
    expect_lines(d, want, nwant);
    return 0;
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void expect_names(const struct table *t, const char *const *names, int n) {
    assert_int_equal(t->column_count, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(t->columns[i].name, names[i]);
}

static void expect_pk(const struct table *t, const int *cols, int n) {
    assert_int_equal(t->primary_key_count, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(t->primary_key[i], cols[i]);
}

/* ------------------------------------------------------------------ one table per type */

static void test_integers(void **state) {
    (void)state;
    const char *nulls = "NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL";
    const char *want[] = {
        "I:1|-128|u0|-32768|u0|-8388608|u0|-2147483648|u0|-9223372036854775808|u0",
        "I:2|127|u255|32767|u65535|8388607|u16777215|2147483647|u4294967295|9223372036854775807|"
        "u18446744073709551615",
        "I:3|-1|u1|-1|u1|-1|u1|-1|u1|-1|u1",
        fmt("I:4|%s", nulls),
        "U:3|-1|u1|-1|u1|-1|u1|-1|u1|-1|u1 => 3|0|u1|-1|u1|-1|u1|NULL|u1|-1|u18446744073709551614",
        fmt("D:4|%s", nulls),
    };
    struct decoded d;
    expect_table("t_int", want, N(want), &d);
    const char *names[] = {"id", "ti", "tu", "si", "su", "mi", "mu", "ii", "iu", "bi", "bu"};
    expect_names(d.table, names, N(names));
    const uint8_t types[] = {MYSQL_TYPE_LONG,  MYSQL_TYPE_TINY,     MYSQL_TYPE_TINY,    MYSQL_TYPE_SHORT,
                             MYSQL_TYPE_SHORT, MYSQL_TYPE_INT24,    MYSQL_TYPE_INT24,   MYSQL_TYPE_LONG,
                             MYSQL_TYPE_LONG,  MYSQL_TYPE_LONGLONG, MYSQL_TYPE_LONGLONG};
    for (int i = 0; i < N(types); i++) {
        assert_int_equal(d.table->columns[i].type, types[i]);
        assert_int_equal(d.table->columns[i].is_unsigned, i > 0 && i % 2 == 0);
        assert_int_equal(d.table->columns[i].is_nullable, i > 0);
    }
    const int pk[] = {0};
    expect_pk(d.table, pk, 1);
    assert_int_equal(binlog_rows_metadata(d.br, d.table_id),
                     BINLOG_META_SIGNEDNESS | BINLOG_META_NAMES | BINLOG_META_PRIMARY_KEY);
    assert_int_equal(binlog_rows_has_full_metadata(d.br, d.table_id), 1);
    assert_int_equal(d.maps, 4);
    assert_int_equal(d.rows_events, 4);
    decoded_free(&d);
    pool_free();
}

static void test_decimals(void **state) {
    (void)state;
    const char *want[] = {
        "I:1|dec:0.00|dec:0|dec:0.0000|dec:0.000000000|dec:0|dec:0.000000000000000000000000000000|dec:0.000",
        fmt("I:2|dec:-12.50|dec:-99999|dec:-0.9999|dec:-123456789.123456789|dec:-%s|dec:-%s.%s|dec:9999.999",
            rep("9", 65), rep("9", 35), rep("9", 30)),
        "I:3|dec:12345678.99|dec:12345|dec:0.0001|dec:0.000000001|dec:1|dec:1.000000000000000000000000000001|"
        "dec:0.001",
        "I:4|dec:-0.01|dec:-1|dec:-0.5000|dec:-1.500000000|dec:12345678901234567890|"
        "dec:-0.000000000000000000000000000001|dec:1000.000",
        "I:5|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
    };
    struct decoded d;
    expect_table("t_decimal", want, N(want), &d);
    const uint16_t meta[] = {10 << 8 | 2, 5 << 8, 4 << 8 | 4, 18 << 8 | 9, 65 << 8, 65 << 8 | 30, 7 << 8 | 3};
    for (int i = 0; i < N(meta); i++) {
        assert_int_equal(d.table->columns[i + 1].type, MYSQL_TYPE_NEWDECIMAL);
        assert_int_equal(d.table->columns[i + 1].meta, meta[i]);
        assert_int_equal(d.table->columns[i + 1].is_unsigned, i == 6);
    }
    decoded_free(&d);
    pool_free();
}

static void test_floats(void **state) {
    (void)state;
    const char *want[] = {
        "I:1|0|0",
        "I:2|3.1400001|3.1415926535897931",
        "I:3|-1.5|-2.2250738585072014e-308",
        "I:4|3.40282002e+38|1.7976931348623157e+308",
        "I:5|NULL|NULL",
    };
    struct decoded d;
    expect_table("t_float", want, N(want), &d);
    assert_int_equal(d.table->columns[1].type, MYSQL_TYPE_FLOAT);
    assert_int_equal(d.table->columns[2].type, MYSQL_TYPE_DOUBLE);
    decoded_free(&d);
}

static void test_strings(void **state) {
    (void)state;
    const char *row1 = "1|'abc'|'x'|'short'|'sixty-four'|'long'|x'61620000'|x'00ff00'|x''|'Z'";
    const char *want[] = {
        fmt("I:%s", row1),
        fmt("I:2|'😀日本語'|'%s'|'%s'|'%s'|'%s'|x'01020304'|x'%s'|x'%s'|'ñ'", rep("😀", 255), rep("é", 63), rep("日", 64),
            rep("ü😀", 100), rep("ab", 255), rep("cd", 300)),
        "I:3|''|''|''|''|''|x'00000000'|x''|x''|''",
        "I:4|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
        fmt("U:%s => 1|'new'|'x'|'short'|'sixty-four'|'long'|x'61620000'|x'00ff00'|x'0a0b'|'Z'", row1),
    };
    struct decoded d;
    expect_table("t_char", want, N(want), &d);
    const struct column *c = d.table->columns;
    /* CHAR(n) utf8mb4: 4n bytes; CHAR(255) needs the length bits hidden in the real type */
    assert_int_equal(c[1].type, MYSQL_TYPE_STRING);
    assert_int_equal(c[1].meta, MYSQL_TYPE_STRING << 8 | 40);
    assert_int_equal(c[2].type, MYSQL_TYPE_STRING);
    assert_int_equal(c[2].meta, 0xcefc);
    assert_int_equal(c[3].type, MYSQL_TYPE_VARCHAR);
    assert_int_equal(c[3].meta, 252); /* 1-byte length prefix */
    assert_int_equal(c[4].meta, 256); /* 2-byte length prefix */
    assert_int_equal(c[5].meta, 20000);
    assert_int_equal(c[7].meta, 255);
    assert_int_equal(c[8].meta, 300);
    for (int i = 1; i < d.table->column_count; i++)
        assert_int_equal(c[i].is_binary, i >= 6 && i <= 8);
    decoded_free(&d);
    pool_free();
}

static void test_text_and_blobs(void **state) {
    (void)state;
    const char *want[] = {
        "I:1|'a'|'日本'|'😀'|'long text'|x'00'|x'0102'|x''|x'ff'",
        "I:2|''|''|''|''|x''|x''|x''|x''",
        "I:3|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
        "D:1|'a'|'日本'|'😀'|'long text'|x'00'|x'0102'|x''|x'ff'",
    };
    struct decoded d;
    expect_table("t_text", want, N(want), &d);
    for (int i = 1; i <= 8; i++) {
        assert_int_equal(d.table->columns[i].type, MYSQL_TYPE_BLOB);
        assert_int_equal(d.table->columns[i].meta, (i - 1) % 4 + 1); /* length bytes */
        assert_int_equal(d.table->columns[i].is_binary, i > 4);
    }
    decoded_free(&d);
}

static void test_big_text(void **state) {
    (void)state;
    const char *want[] = {
        fmt("I:1|'%s'|'%s'|x'%s'", rep("a", 65535), rep("日本語😀", 6000), rep("00ff", 40000)),
    };
    struct decoded d;
    if (expect_table("t_bigtext", want, N(want), &d) == 0)
        decoded_free(&d);
    pool_free();
}

static void test_dates(void **state) {
    (void)state;
    const char *want[] = {
        fmt("I:1|d:0000-00-00%s", rep("|dt:0000-00-00 00:00:00.000000", 7)),
        fmt("I:2|d:1000-01-01%s", rep("|dt:1000-01-01 00:00:00.000000", 7)),
        "I:3|d:9999-12-31|dt:9999-12-31 23:59:59.000000|dt:9999-12-31 23:59:59.900000|"
        "dt:9999-12-31 23:59:59.990000|dt:9999-12-31 23:59:59.999000|dt:9999-12-31 23:59:59.999900|"
        "dt:9999-12-31 23:59:59.999990|dt:9999-12-31 23:59:59.999999",
        "I:4|d:2024-02-29|dt:2024-02-29 12:34:56.000000|dt:2024-02-29 12:34:56.100000|"
        "dt:2024-02-29 12:34:56.120000|dt:2024-02-29 12:34:56.123000|dt:2024-02-29 12:34:56.123400|"
        "dt:2024-02-29 12:34:56.123450|dt:2024-02-29 12:34:56.123456",
        "I:5|d:2024-00-00|dt:2024-02-00 01:02:03.000000|NULL|NULL|NULL|NULL|NULL|dt:2000-01-01 00:00:00.000001",
        "I:6|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
    };
    struct decoded d;
    expect_table("t_date", want, N(want), &d);
    assert_int_equal(d.table->columns[1].type, MYSQL_TYPE_DATE);
    for (int i = 0; i <= 6; i++) {
        assert_int_equal(d.table->columns[i + 2].type, MYSQL_TYPE_DATETIME2);
        assert_int_equal(d.table->columns[i + 2].meta, i);
    }
    decoded_free(&d);
    pool_free();
}

static void test_times(void **state) {
    (void)state;
    const char *want[] = {
        "I:1|t:-838:59:59.000000|t:-838:59:59.900000|t:-838:59:59.990000|t:-838:59:59.999000|"
        "t:-838:59:59.999900|t:-838:59:59.999990|t:-838:59:59.999999",
        "I:2|t:838:59:59.000000|t:838:59:59.900000|t:838:59:59.990000|t:838:59:59.999000|"
        "t:838:59:59.999900|t:838:59:59.999990|t:838:59:59.999999",
        "I:3|t:-00:00:01.000000|t:-00:00:00.100000|t:-00:00:00.010000|t:-00:00:00.001000|"
        "t:-00:00:00.000100|t:-00:00:00.000010|t:-00:00:00.000001",
        "I:4|t:25:30:15.000000|t:25:30:15.100000|t:25:30:15.120000|t:25:30:15.123000|t:25:30:15.123400|"
        "t:25:30:15.123450|t:25:30:15.123456",
        "I:5|t:-00:00:01.000000|t:-00:00:01.500000|t:-00:00:01.550000|t:-00:00:01.555000|t:-00:00:01.555500|"
        "t:-00:00:01.555550|t:-00:00:01.555555",
        fmt("I:6%s", rep("|t:00:00:00.000000", 7)),
        "I:7|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
    };
    struct decoded d;
    expect_table("t_time", want, N(want), &d);
    for (int i = 0; i <= 6; i++) {
        assert_int_equal(d.table->columns[i + 1].type, MYSQL_TYPE_TIME2);
        assert_int_equal(d.table->columns[i + 1].meta, i);
    }
    decoded_free(&d);
    pool_free();
}

static void test_timestamps(void **state) {
    (void)state;
    const char *want[] = {
        fmt("I:1%s", rep("|ts:1.000000", 7)),
        "I:2|ts:2147483647.000000|ts:2147483647.900000|ts:2147483647.990000|ts:2147483647.999000|"
        "ts:2147483647.999900|ts:2147483647.999990|ts:2147483647.999999",
        fmt("I:3%s", rep("|ts:0.000000", 7)),
        "I:4|ts:1709210096.000000|ts:1709210096.100000|ts:1709210096.120000|ts:1709210096.123000|"
        "ts:1709210096.123400|ts:1709210096.123450|ts:1709210096.123456",
        "I:5|NULL|NULL|NULL|NULL|NULL|NULL|NULL",
    };
    struct decoded d;
    expect_table("t_ts", want, N(want), &d);
    for (int i = 0; i <= 6; i++) {
        assert_int_equal(d.table->columns[i + 1].type, MYSQL_TYPE_TIMESTAMP2);
        assert_int_equal(d.table->columns[i + 1].meta, i);
    }
    decoded_free(&d);
    pool_free();
}

static void test_year(void **state) {
    (void)state;
    const char *want[] = {"I:1|1901", "I:2|2155", "I:3|0", "I:4|2024", "I:5|NULL"};
    struct decoded d;
    expect_table("t_year", want, N(want), &d);
    assert_int_equal(d.table->columns[1].type, MYSQL_TYPE_YEAR);
    /* YEAR takes a bit of SIGNEDNESS in MariaDB: the columns after it stay aligned */
    assert_int_equal(d.table->columns[1].is_unsigned, 1);
    assert_int_equal(d.table->columns[0].is_unsigned, 0);
    decoded_free(&d);
}

static void test_enums(void **state) {
    (void)state;
    const char *want[] = {
        "I:1|'a'|'v1'|'😀'",
        "I:2|'c'|'v300'|'日本'",
        "I:3|''|'v2'|NULL",
        "I:4|NULL|NULL|NULL",
        "U:1|'a'|'v1'|'😀' => 1|'b'|'v299'|'😀'",
    };
    struct decoded d;
    expect_table("t_enum", want, N(want), &d);
    const struct column *c = d.table->columns;
    assert_int_equal(c[1].type, MYSQL_TYPE_ENUM);
    assert_int_equal(c[1].meta & 0xFF, 1);
    assert_int_equal(c[1].enum_count, 3);
    assert_string_equal(c[1].enum_values[2], "c");
    assert_int_equal(c[2].meta & 0xFF, 2); /* 300 values: 2 bytes */
    assert_int_equal(c[2].enum_count, 300);
    assert_string_equal(c[2].enum_values[299], "v300");
    assert_int_equal(c[3].enum_count, 2);
    assert_string_equal(c[3].enum_values[1], "日本");
    assert_true(binlog_rows_metadata(d.br, d.table_id) & BINLOG_META_ENUM_VALUES);
    decoded_free(&d);
}

static void test_sets(void **state) {
    (void)state;
    char all64[400] = "";
    for (int i = 1; i <= 64; i++)
        snprintf(all64 + strlen(all64), sizeof all64 - strlen(all64), "%sm%d", i > 1 ? "," : "", i);
    const char *want[] = {
        "I:1|''|''|''",
        "I:2|'x,z'|'m1,m64'|'a9'",
        fmt("I:3|'x,y,z'|'%s'|'a1,a2,a3,a4,a5,a6,a7,a8,a9'", all64),
        "I:4|NULL|NULL|NULL",
    };
    struct decoded d;
    expect_table("t_set", want, N(want), &d);
    const struct column *c = d.table->columns;
    assert_int_equal(c[1].type, MYSQL_TYPE_SET);
    assert_int_equal(c[1].meta & 0xFF, 1);
    assert_int_equal(c[2].meta & 0xFF, 8);
    assert_int_equal(c[2].enum_count, 64);
    assert_int_equal(c[3].meta & 0xFF, 2);
    decoded_free(&d);
    pool_free();
}

static void test_bits(void **state) {
    (void)state;
    const char *want[] = {
        "I:1|b0|x'00'|x'0000'|x'0000000000000000'",
        "I:2|b1|x'ff'|x'1fff'|x'ffffffffffffffff'",
        "I:3|b1|x'a5'|x'1001'|x'0000000000000001'",
        "I:4|NULL|NULL|NULL|NULL",
    };
    struct decoded d;
    expect_table("t_bit", want, N(want), &d);
    assert_int_equal(d.table->columns[3].type, MYSQL_TYPE_BIT);
    assert_int_equal(d.table->columns[3].meta, 1 << 8 | 5); /* 13 bits: 1 byte and 5 bits */
    decoded_free(&d);
}

static void test_json(void **state) {
    (void)state;
    const char *want[] = {"I:1|'{\"a\": [1, 2.5, \"😀\"], \"b\": null}'", "I:2|'[]'", "I:3|NULL"};
    struct decoded d;
    expect_table("t_json", want, N(want), &d);
    assert_int_equal(d.table->columns[1].type, MYSQL_TYPE_BLOB); /* MariaDB's JSON is LONGTEXT */
    assert_int_equal(d.table->columns[1].meta, 4);
    assert_int_equal(d.table->columns[1].is_binary, 0);
    decoded_free(&d);
}

static void test_geometry(void **state) {
    (void)state;
    const char *want[] = {"I:1|x'000000000101000000000000000000f03f0000000000000040'|'x'", "I:2|NULL|NULL"};
    struct decoded d;
    expect_table("t_geom", want, N(want), &d);
    assert_int_equal(d.table->columns[1].type, MYSQL_TYPE_GEOMETRY);
    assert_int_equal(d.table->columns[2].is_binary, 0); /* the charset after the geometry column's */
    decoded_free(&d);
}

/* MariaDB's own types: UUID and INET6 are BINARY(16) in the binlog. */
static void test_mariadb_types(void **state) {
    (void)state;
    const char *want[] = {"I:1|x'123e4567e89b12d3a456426655440000'|x'00000000000000000000000000000001'",
                          "I:2|NULL|NULL"};
    struct decoded d;
    expect_table("t_mariadb_types", want, N(want), &d);
    assert_int_equal(d.table->columns[1].type, MYSQL_TYPE_STRING);
    assert_int_equal(d.table->columns[1].is_binary, 1);
    decoded_free(&d);
}

/* COMPRESSED columns: the table maps, its rows give a clear error. */
static void test_compressed_column(void **state) {
    (void)state;
    struct events e;
    LOAD("t_compressed", &e);
    struct binlog_rows *br = binlog_rows_new();
    char err[256];
    const struct table *t = binlog_rows_table_map(br, e.ev[0], e.len[0], err, sizeof err);
    assert_non_null(t);
    assert_int_equal(t->columns[1].type, 141); /* MYSQL_TYPE_VARCHAR_COMPRESSED */
    assert_int_equal(binlog_rows_decode(br, e.ev[1], e.len[1], NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "compressed columns are not supported"));
    binlog_rows_free(br);
    free_events(&e);
}

static void test_charsets(void **state) {
    (void)state;
    const char *want[] = {"I:1|'a'|'b'|x'63'|'d'|x'65'|'y'|'p,q'|x'680000'"};
    struct decoded d;
    expect_table("t_charset", want, N(want), &d);
    const int binary[] = {0, 0, 0, 1, 0, 1, 0, 0, 1};
    for (int i = 0; i < N(binary); i++)
        assert_int_equal(d.table->columns[i].is_binary, binary[i]);
    assert_int_equal(d.table->columns[6].type, MYSQL_TYPE_ENUM);
    assert_int_equal(d.table->columns[7].type, MYSQL_TYPE_SET);
    assert_true(binlog_rows_metadata(d.br, d.table_id) & BINLOG_META_CHARSETS);
    decoded_free(&d);
}

static void test_minimal_image(void **state) {
    (void)state;
    const char *want[] = {
        "I:1|10|'x'|100", "I:2|20|'y'|200", "I:3|-|'z'|-", "U:1|-|-|- => -|-|'w'|NULL", "D:2|-|-|-",
    };
    struct decoded d;
    expect_table("t_minimal", want, N(want), &d);
    decoded_free(&d);
}

static void test_primary_keys(void **state) {
    (void)state;
    struct decoded d;
    const char *pk_rows[] = {"I:1|'one'|10"};
    expect_table("t_pk", pk_rows, 1, &d);
    const int pk[] = {2, 0};
    expect_pk(d.table, pk, 2);
    assert_int_equal(d.table->columns[0].is_nullable, 0);
    assert_int_equal(d.table->columns[1].is_nullable, 1);
    decoded_free(&d);

    const char *prefix_rows[] = {"I:1|'prefix'"};
    expect_table("t_pkprefix", prefix_rows, 1, &d);
    const int prefix_pk[] = {1, 0};
    expect_pk(d.table, prefix_pk, 2);
    decoded_free(&d);

    const char *nopk_rows[] = {"I:1|2"};
    expect_table("t_nopk", nopk_rows, 1, &d);
    expect_pk(d.table, NULL, 0);
    assert_false(binlog_rows_metadata(d.br, d.table_id) & BINLOG_META_PRIMARY_KEY);
    assert_int_equal(binlog_rows_has_full_metadata(d.br, d.table_id), 1);
    decoded_free(&d);
}

static void test_bulk_insert(void **state) {
    (void)state;
    struct events e;
    LOAD("t_bulk", &e);
    struct decoded d;
    decode_all(&e, &d);
    free_events(&e);
    assert_true(d.rows_events >= 2); /* split into ~8 KB rows events */
    assert_int_equal(d.n, 1000);
    for (int i = 0; i < d.n; i++) {
        char line[64];
        snprintf(line, sizeof line, "I:%d|%d", i + 1, 2 * (i + 1));
        assert_string_equal(d.lines[i], line);
    }
    decoded_free(&d);
}

static void test_wide_table(void **state) {
    (void)state;
    struct events e;
    LOAD("t_wide", &e);
    struct decoded d;
    decode_all(&e, &d);
    free_events(&e);
    assert_int_equal(d.table->column_count, 300); /* a 3-byte column count */
    assert_string_equal(d.table->columns[299].name, "c300");
    struct sbuf b = {0};
    sb_add(&b, "I:", 2);
    for (int i = 1; i <= 300; i++)
        sb_printf(&b, "%s%d", i > 1 ? "|" : "", i % 128);
    assert_int_equal(d.n, 1);
    assert_string_equal(d.lines[0], b.p);
    free(b.p);
    decoded_free(&d);
}

static void test_old_temporal_types(void **state) {
    (void)state;
    const char *want[] = {
        "I:1|t:-838:59:59.000000|dt:1000-01-01 00:00:00.000000|ts:1.000000",
        "I:2|t:123:45:06.000000|dt:9999-12-31 23:59:59.000000|ts:2147483647.000000",
        "I:3|t:00:00:00.000000|dt:0000-00-00 00:00:00.000000|ts:0.000000",
        "I:4|NULL|NULL|NULL",
    };
    struct decoded d;
    expect_table("t_oldtime", want, N(want), &d);
    assert_int_equal(d.table->columns[1].type, MYSQL_TYPE_TIME);
    assert_int_equal(d.table->columns[2].type, MYSQL_TYPE_DATETIME);
    assert_int_equal(d.table->columns[3].type, MYSQL_TYPE_TIMESTAMP);
    decoded_free(&d);
}

/* binlog_row_metadata=MINIMAL: no names, ENUM/SET values or key; the front
 * end gives them. */
static void test_minimal_metadata(void **state) {
    (void)state;
    struct events e;
    LOAD("t_meta_minimal", &e);
    struct decoded d;
    decode_all(&e, &d);
    uint64_t id = d.table_id;
    assert_int_equal(binlog_rows_metadata(d.br, id), BINLOG_META_SIGNEDNESS | BINLOG_META_CHARSETS);
    assert_int_equal(binlog_rows_has_full_metadata(d.br, id), 0);
    const char *placeholders[] = {"@1", "@2", "@3", "@4", "@5"};
    expect_names(d.table, placeholders, 5);
    const char *raw[] = {"I:u4294967295|u2|u3|'tx'|x'ff'"}; /* ENUM index, SET bitmask */
    expect_lines(&d, raw, 1);

    char *names[] = {"id", "e", "s", "txt", "bin"};
    assert_int_equal(binlog_rows_set_column_names(d.br, id, names, 4), -1);
    assert_int_equal(binlog_rows_set_column_names(d.br, id + 1000, names, 5), -1);
    assert_int_equal(binlog_rows_set_column_names(d.br, id, names, 5), 0);
    char *evals[] = {"p", "q"}, *svals[] = {"m", "n"};
    assert_int_equal(binlog_rows_set_enum_values(d.br, id, 0, evals, 2), -1); /* not an ENUM */
    assert_int_equal(binlog_rows_set_enum_values(d.br, id, 1, evals, 2), 0);
    assert_int_equal(binlog_rows_set_enum_values(d.br, id, 2, svals, 2), 0);
    const int pk[] = {0};
    assert_int_equal(binlog_rows_set_primary_key(d.br, id, (const int[]){5}, 1), -1);
    assert_int_equal(binlog_rows_set_primary_key(d.br, id, pk, 1), 0);

    /* The same TABLE_MAP again (one comes before every rows event) keeps them. */
    char err[256];
    const struct table *t = binlog_rows_table_map(d.br, e.ev[0], e.len[0], err, sizeof err);
    assert_ptr_equal(t, d.table);
    expect_names(t, (const char *const *)names, 5);
    expect_pk(t, pk, 1);
    assert_int_equal(binlog_rows_metadata(d.br, id), BINLOG_META_SIGNEDNESS | BINLOG_META_CHARSETS |
                                                         BINLOG_META_NAMES_GIVEN | BINLOG_META_ENUM_GIVEN |
                                                         BINLOG_META_PK_GIVEN);
    for (int i = 0; i < d.n; i++)
        free(d.lines[i]);
    d.n = 0;
    assert_int_equal(binlog_rows_decode(d.br, e.ev[1], e.len[1], collect, &d, err, sizeof err), 0);
    const char *named[] = {"I:u4294967295|'q'|'m,n'|'tx'|x'ff'"};
    expect_lines(&d, named, 1);
    free_events(&e);
    decoded_free(&d);
}

/* binlog_row_metadata=NO_LOG: no signedness, no charsets either. */
static void test_no_metadata(void **state) {
    (void)state;
    const char *want[] = {"I:-1|'tx'|'\xff'"};
    struct decoded d;
    expect_table("t_meta_none", want, N(want), &d);
    assert_int_equal(binlog_rows_metadata(d.br, d.table_id), 0);
    decoded_free(&d);
}

/* ------------------------------------------------------------------ the API around the values */

/* Every form of the bytes gives the same changes: raw_data, the bare event,
 * either without its checksum; the checksum mode is obeyed. */
static void test_event_forms(void **state) {
    (void)state;
    struct events e;
    LOAD("t_int", &e);
    struct decoded ref;
    decode_all(&e, &ref);
    for (int form = 0; form < 4; form++) {
        struct events f = {0};
        f.n = e.n;
        f.ev = calloc((size_t)e.n, sizeof *f.ev);
        f.len = calloc((size_t)e.n, sizeof *f.len);
        for (int i = 0; i < e.n; i++) {
            size_t skip = form & 1 ? 1 : 0, cut = form & 2 ? 4 : 0;
            f.len[i] = e.len[i] - skip - cut;
            f.ev[i] = malloc(f.len[i]);
            memcpy(f.ev[i], e.ev[i] + skip, f.len[i]);
        }
        struct decoded d;
        memset(&d, 0, sizeof d);
        d.br = binlog_rows_new();
        /* raw_data's trailer is a CRC32 of the event (form 0); cut, nothing is checked */
        binlog_rows_set_checksum(d.br, form == 1 ? BINLOG_CHECKSUM_AUTO : BINLOG_CHECKSUM_CRC32);
        char err[256];
        for (int i = 0; i < f.n; i++) {
            if (f.ev[i][form & 1 ? 4 : 5] == 19) {
                d.table = binlog_rows_table_map(d.br, f.ev[i], f.len[i], err, sizeof err);
                if (!d.table)
                    fail_msg("form %d: %s", form, err);
            } else if (binlog_rows_decode(d.br, f.ev[i], f.len[i], collect, &d, err, sizeof err) != 0) {
                fail_msg("form %d: %s", form, err);
            }
        }
        expect_lines(&d, (const char *const *)ref.lines, ref.n);
        decoded_free(&d);
        free_events(&f);
    }

    /* CRC32 mode: a damaged checksum is an error; AUTO takes it for no
     * checksum at all. */
    struct binlog_rows *br = binlog_rows_new();
    char err[256];
    binlog_rows_set_checksum(br, BINLOG_CHECKSUM_CRC32);
    e.ev[0][e.len[0] - 1] ^= 1;
    assert_null(binlog_rows_table_map(br, e.ev[0], e.len[0], err, sizeof err));
    assert_non_null(strstr(err, "checksum"));
    binlog_rows_set_checksum(br, BINLOG_CHECKSUM_AUTO);
    e.ev[0][e.len[0] - 1] ^= 1;
    assert_non_null(binlog_rows_table_map(br, e.ev[0], e.len[0], err, sizeof err));
    binlog_rows_free(br);
    decoded_free(&ref);
    free_events(&e);
}

/* MariaDB writes v1 rows events only; v2 (30-32) is v1 with extra data
 * after the post-header: made from the real ones, they decode the same. */
static void test_rows_v2(void **state) {
    (void)state;
    struct events e;
    LOAD("t_int", &e);
    struct decoded ref, d;
    decode_all(&e, &ref);
    memset(&d, 0, sizeof d);
    d.br = binlog_rows_new();
    char err[256];
    for (int i = 0; i < e.n; i++) {
        if (event_type(e.ev[i]) == 19) {
            d.table = binlog_rows_table_map(d.br, e.ev[i], e.len[i], err, sizeof err);
            assert_non_null(d.table);
            continue;
        }
        /* raw_data without its checksum, 4 bytes of extra data inserted */
        const uint8_t extra[] = {4, 0, 0xAA, 0xBB}; /* the length counts itself */
        size_t len = e.len[i] - 4 + sizeof extra, at = 1 + 19 + 8;
        uint8_t *v2 = malloc(len);
        memcpy(v2, e.ev[i], at);
        memcpy(v2 + at, extra, sizeof extra);
        memcpy(v2 + at + sizeof extra, e.ev[i] + at, e.len[i] - 4 - at);
        v2[5] = (uint8_t)(v2[5] + 7);
        uint32_t declared = (uint32_t)(len - 1 + 4);
        for (int k = 0; k < 4; k++)
            v2[1 + 9 + k] = (uint8_t)(declared >> (8 * k));
        if (binlog_rows_decode(d.br, v2, len, collect, &d, err, sizeof err) != 0)
            fail_msg("v2 of event %d: %s", i, err);
        /* extra data longer than the event */
        v2[at] = 200;
        assert_int_equal(binlog_rows_decode(d.br, v2, len, NULL, NULL, err, sizeof err), -1);
        /* and as a compressed rows event (log_bin_compress): not supported */
        v2[5] = 169;
        assert_int_equal(binlog_rows_decode(d.br, v2, len, NULL, NULL, err, sizeof err), -1);
        assert_non_null(strstr(err, "compressed"));
        free(v2);
    }
    expect_lines(&d, (const char *const *)ref.lines, ref.n);
    decoded_free(&d);
    decoded_free(&ref);
    free_events(&e);
}

/* A copy of a raw_data TABLE_MAP under another table id, its checksum cut. */
static uint8_t *remap(const uint8_t *raw, size_t len, uint64_t id, size_t *outlen) {
    *outlen = len - 4;
    uint8_t *ev = malloc(*outlen);
    memcpy(ev, raw, *outlen);
    for (int k = 0; k < 6; k++)
        ev[1 + 19 + k] = (uint8_t)(id >> (8 * k));
    return ev;
}

static void test_table_cache(void **state) {
    (void)state;
    struct events a, b;
    LOAD("t_int", &a);
    LOAD("t_year", &b);
    struct binlog_rows *br = binlog_rows_new();
    char err[256];
    const struct table *t1 = binlog_rows_table_map(br, a.ev[0], a.len[0], err, sizeof err);
    assert_non_null(t1);
    uint64_t id = t1->id;
    assert_ptr_equal(binlog_rows_table(br, id), t1);
    assert_ptr_equal(binlog_rows_table_map(br, a.ev[0], a.len[0], err, sizeof err), t1);
    assert_null(binlog_rows_table(br, id + 12345));
    assert_int_equal(binlog_rows_metadata(br, id + 12345), 0);

    /* Another table under the same id replaces it. */
    size_t len;
    uint8_t *year_as_id = remap(b.ev[0], b.len[0], id, &len);
    const struct table *t2 = binlog_rows_table_map(br, year_as_id, len, err, sizeof err);
    assert_non_null(t2);
    assert_string_equal(t2->name, "t_year");
    assert_ptr_equal(binlog_rows_table(br, id), t2);
    /* t_int's rows do not fit t_year's 2 columns */
    assert_int_equal(binlog_rows_decode(br, a.ev[1], a.len[1], NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "columns"));

    /* The same table under a new id (after DDL): the old id is dropped. */
    uint8_t *year_new_id = remap(b.ev[0], b.len[0], id + 7, &len);
    assert_non_null(binlog_rows_table_map(br, year_new_id, len, err, sizeof err));
    assert_null(binlog_rows_table(br, id));
    assert_non_null(binlog_rows_table(br, id + 7));

    /* Many tables: the hash grows and keeps them all. */
    for (uint64_t k = 0; k < 500; k++) {
        uint8_t *ev = remap(a.ev[0], a.len[0], 100000 + k, &len);
        /* distinct names so that they do not drop each other: t_int -> t_iNN */
        ev[1 + 19 + 8 + 1 + strlen("binlog_test") + 1 + 1 + 3] = (uint8_t)('A' + k % 26);
        ev[1 + 19 + 8 + 1 + strlen("binlog_test") + 1 + 1 + 4] = (uint8_t)('A' + k / 26 % 26);
        assert_non_null(binlog_rows_table_map(br, ev, len, err, sizeof err));
        free(ev);
    }
    for (uint64_t k = 0; k < 500; k++)
        assert_non_null(binlog_rows_table(br, 100000 + k));
    free(year_as_id);
    free(year_new_id);
    binlog_rows_free(br);
    free_events(&a);
    free_events(&b);
}

static int stop_at_second(const struct row_change *ch, void *ctx) {
    (void)ch;
    return ++*(int *)ctx == 2 ? 7 : 0;
}

static void test_errors_and_stop(void **state) {
    (void)state;
    struct events e;
    LOAD("t_int", &e);
    struct binlog_rows *br = binlog_rows_new();
    char err[256];
    /* rows before their TABLE_MAP */
    assert_int_equal(binlog_rows_decode(br, e.ev[3], e.len[3], NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "not mapped"));
    /* the wrong kind of event for each function */
    assert_null(binlog_rows_table_map(br, e.ev[1], e.len[1], err, sizeof err));
    assert_non_null(strstr(err, "not TABLE_MAP"));
    assert_int_equal(binlog_rows_decode(br, e.ev[0], e.len[0], NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a rows event"));
    /* too short, wrong length, NULL */
    assert_null(binlog_rows_table_map(br, e.ev[0], 10, err, sizeof err));
    assert_null(binlog_rows_table_map(br, e.ev[0], e.len[0] - 2, err, sizeof err));
    assert_non_null(strstr(err, "length"));
    assert_null(binlog_rows_table_map(br, NULL, 0, err, sizeof err));
    assert_int_equal(binlog_rows_set_primary_key(br, 1, NULL, 0), -1);
    /* a tiny err buffer stays terminated */
    char small[8];
    assert_null(binlog_rows_table_map(br, e.ev[0], 10, small, sizeof small));
    assert_int_equal(strlen(small), sizeof small - 1);

    /* fn's non-zero return stops the event and is returned */
    assert_non_null(binlog_rows_table_map(br, e.ev[2], e.len[2], err, sizeof err));
    int calls = 0;
    assert_int_equal(binlog_rows_decode(br, e.ev[3], e.len[3], stop_at_second, &calls, err, sizeof err), 7);
    assert_int_equal(calls, 2);
    binlog_rows_free(br);
    free_events(&e);
    binlog_rows_free(NULL);
}

/* ------------------------------------------------------------------ robustness */

static const char *const all_tables[] = {
    "t_int",     "t_decimal",      "t_float",     "t_char",          "t_text",       "t_date", "t_time",
    "t_ts",      "t_year",         "t_enum",      "t_set",           "t_bit",        "t_json", "t_geom",
    "t_charset", "t_minimal",      "t_pk",        "t_pkprefix",      "t_nopk",       "t_bulk", "t_wide",
    "t_oldtime", "t_meta_minimal", "t_meta_none", "t_mariadb_types", "t_compressed",
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The bare event of raw_data, checksum cut, truncated to n bytes with the
 * header's length saying so: the decoder parses as deep as the bytes go. */
static uint8_t *bare(const uint8_t *raw, size_t rawlen, size_t n) {
    assert_true(n <= rawlen - 5);
    uint8_t *ev = malloc(n ? n : 1);
    memcpy(ev, raw + 1, n);
    if (n >= 13) {
        uint32_t declared = (uint32_t)n + 4;
        for (int k = 0; k < 4; k++)
            ev[9 + k] = (uint8_t)(declared >> (8 * k));
    }
    return ev;
}

/* What a row from a damaged event may be. binlog_rows.c validates the lengths
 * against the column and the bytes left, and the few fields noted below;
 * the other bounds come from the widths of the stored fields (it checks no
 * calendar: a damaged DATE may have month 15, a TIME2 hour 1023). */
struct row_check {
    const uint8_t *event; /* the buffer given to binlog_rows_decode */
    size_t len;
    const struct table *table; /* the one binlog_rows_table_map returned */
    int column_count;          /* its column_count then */
    long rows;                 /* row changes of this event so far */
    size_t in_event;           /* bytes of its values that lie in the event */
    uintptr_t next;            /* where the next value in the event may start */
};

struct fuzz_stats {
    int tried, errors, decoded; /* damaged events: decoded = accepted */
    long rows;                  /* row changes checked */
};

/* CHAR's byte length from its meta (as binlog_rows.c reads it). */
static unsigned char_bytes(uint16_t meta) {
    unsigned byte0 = meta >> 8, byte1 = meta & 0xFF;
    return (byte0 & 0x30) != 0x30 ? byte1 | (((byte0 & 0x30) ^ 0x30) << 4) : byte1;
}

static int in_event(const struct row_check *rc, const char *data, size_t len) {
    uintptr_t p = (uintptr_t)data, ev = (uintptr_t)rc->event;
    return p >= ev && len <= rc->len && p - ev <= rc->len - len;
}

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            fail_msg("%s.%s column %d (type %u, meta 0x%04x), kind %d: %s", t->database, t->name, i + 1, col->type,    \
                     col->meta, (int)v->kind, #cond);                                                                  \
    } while (0)

/* A text value the decoder built in its arena, or an ENUM name (from the
 * table): its length against what the column's type allows. */
static void check_built_text(const struct table *t, int i, const struct value *v) {
    const struct column *col = &t->columns[i];
    const char *s = v->v.text.data;
    size_t len = v->v.text.len;
    if (v->kind == VALUE_DECIMAL) { /* [-]int[.scale digits], int without leading zeros */
        int precision = col->meta >> 8, scale = col->meta & 0xFF, intg = precision - scale;
        CHECK(len <= 1 + (size_t)(intg > 0 ? intg : 1) + (scale > 0 ? 1 + (size_t)scale : 0));
        size_t k = len > 0 && s[0] == '-', start = k, digits = 0;
        while (k < len && s[k] >= '0' && s[k] <= '9')
            k++;
        CHECK(k > start && (k - start == 1 || s[start] != '0'));
        if (scale > 0 && k < len && s[k] == '.')
            for (size_t j = k + 1; j < len && s[j] >= '0' && s[j] <= '9'; j++)
                digits++;
        CHECK(scale > 0 ? k + 1 + digits == len && digits == (size_t)scale : k == len);
    } else if (col->type == MYSQL_TYPE_ENUM) { /* one of the names, or '' (index 0) */
        int found = len == 0 && s[0] == '\0';
        for (int k = 0; k < col->enum_count && !found; k++)
            found = s == col->enum_values[k];
        CHECK(found && len == strlen(s));
    } else if (col->type == MYSQL_TYPE_SET) { /* the names joined by commas */
        size_t max = 0;
        for (int k = 0; k < col->enum_count && k < 64; k++)
            max += strlen(col->enum_values[k]) + (k > 0);
        CHECK(len <= max);
    } else { /* BINARY(n) padded back to n bytes */
        CHECK(col->type == MYSQL_TYPE_STRING && col->is_binary && v->kind == VALUE_BYTES);
        CHECK(len == char_bytes(col->meta));
    }
}

static int within(int x, int max) { return x >= 0 && x <= max; }

/* A value against its column: the kind its type decodes to, and the range. */
static void check_value(const struct table *t, int i, const struct value *v) {
    const struct column *col = &t->columns[i];
    CHECK((int)v->kind >= (int)VALUE_ABSENT && (int)v->kind <= (int)VALUE_TIMESTAMP);
    if (v->kind == VALUE_ABSENT || v->kind == VALUE_NULL)
        return;
    enum value_kind text_kind = col->is_binary ? VALUE_BYTES : VALUE_STRING;
    const size_t len = v->v.text.len;
    const int year = v->v.time.year, month = v->v.time.month, day = v->v.time.day, hour = v->v.time.hour,
              minute = v->v.time.minute, second = v->v.time.second, usec = v->v.time.usec;
    int bits;
    switch (col->type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
        bits = col->type == MYSQL_TYPE_TINY    ? 8
               : col->type == MYSQL_TYPE_SHORT ? 16
               : col->type == MYSQL_TYPE_INT24 ? 24
               : col->type == MYSQL_TYPE_LONG  ? 32
                                               : 64;
        CHECK(v->kind == (col->is_unsigned ? VALUE_UINT : VALUE_INT));
        if (bits < 64 && col->is_unsigned)
            CHECK(v->v.u >> bits == 0);
        else if (bits < 64)
            CHECK(v->v.i >= -((int64_t)1 << (bits - 1)) && v->v.i < (int64_t)1 << (bits - 1));
        break;
    case MYSQL_TYPE_YEAR:
        CHECK(v->kind == VALUE_INT && (v->v.i == 0 || (v->v.i >= 1901 && v->v.i <= 2155)));
        break;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
        CHECK(v->kind == VALUE_DOUBLE);
        break;
    case MYSQL_TYPE_NEWDECIMAL:
        CHECK(v->kind == VALUE_DECIMAL);
        break;
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
        CHECK(v->kind == text_kind && len <= col->meta);
        break;
    case MYSQL_TYPE_STRING:
        CHECK(v->kind == text_kind && len <= char_bytes(col->meta));
        break;
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_GEOMETRY: /* a length prefix of meta bytes */
        CHECK(v->kind == (col->type == MYSQL_TYPE_GEOMETRY ? VALUE_BYTES : text_kind));
        CHECK(col->meta >= 4 || len >> (8 * col->meta) == 0);
        break;
    case MYSQL_TYPE_BIT:
        bits = (col->meta >> 8) * 8 + (col->meta & 0xFF);
        if (bits == 1)
            CHECK(v->kind == VALUE_BOOL && (v->v.i == 0 || v->v.i == 1));
        else
            CHECK(v->kind == VALUE_BYTES && len == (size_t)(bits + 7) / 8);
        break;
    case MYSQL_TYPE_ENUM:
    case MYSQL_TYPE_SET: /* VALUE_UINT: the number, in meta & 0xFF bytes */
        CHECK(v->kind == (col->enum_values ? VALUE_STRING : VALUE_UINT));
        if (v->kind == VALUE_UINT && (col->meta & 0xFF) < 8)
            CHECK(v->v.u >> (8 * (col->meta & 0xFF)) == 0);
        break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE: /* 15 bits of year, 4 of month, 5 of day */
        CHECK(v->kind == VALUE_DATE && within(year, 32767) && within(month, 15) && within(day, 31));
        CHECK(!v->v.time.negative && !hour && !minute && !second && !usec);
        break;
    case MYSQL_TYPE_DATETIME: /* YYYYMMDDhhmmss, checked up to 99991231235959 */
        CHECK(v->kind == VALUE_DATETIME && !v->v.time.negative && within(year, 9999) && within(month, 99) &&
              within(day, 99) && within(hour, 99) && within(minute, 99) && within(second, 99) && !usec);
        break;
    case MYSQL_TYPE_DATETIME2: /* 17 bits of year * 13 + month, 5 of day, 5, 6, 6 of h:m:s */
        CHECK(v->kind == VALUE_DATETIME && !v->v.time.negative && within(year, 131071 / 13) && within(month, 12) &&
              within(day, 31) && within(hour, 31) && within(minute, 63) && within(second, 63) && within(usec, 999999));
        break;
    case MYSQL_TYPE_TIME: /* [-]HHMMSS, a 3-byte integer: up to 838:86:08 */
        CHECK(v->kind == VALUE_TIME && within(v->v.time.negative, 1) && !year && !month && !day && within(hour, 838) &&
              within(minute, 99) && within(second, 99) && !usec);
        break;
    case MYSQL_TYPE_TIME2: /* 10, 6, 6 bits of h:m:s */
        CHECK(v->kind == VALUE_TIME && within(v->v.time.negative, 1) && !year && !month && !day && within(hour, 1023) &&
              within(minute, 63) && within(second, 63) && within(usec, 999999));
        break;
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_TIMESTAMP2: /* 4 bytes of seconds */
        CHECK(v->kind == VALUE_TIMESTAMP && v->v.epoch.seconds >= 0 && v->v.epoch.seconds <= UINT32_MAX);
        CHECK(within(v->v.epoch.usec, col->type == MYSQL_TYPE_TIMESTAMP ? 0 : 999999));
        break;
    default: /* JSON, compressed, the old DECIMAL: always an error */
        CHECK(!"a value of a type the decoder does not decode");
    }
}

/* One image: column_count values, each in its column's range; the text
 * either lies wholly in the event, after the values before it, or is one
 * the decoder builds (check_built_text). */
static void check_image(struct row_check *rc, const struct value *values) {
    const struct table *t = rc->table;
    size_t in_image = 0;
    for (int i = 0; i < t->column_count; i++) {
        const struct value *v = &values[i];
        const struct column *col = &t->columns[i];
        check_value(t, i, v);
        if (v->kind != VALUE_STRING && v->kind != VALUE_BYTES && v->kind != VALUE_DECIMAL)
            continue;
        CHECK(v->v.text.data != NULL);
        uintptr_t p = (uintptr_t)v->v.text.data, ev = (uintptr_t)rc->event;
        size_t len = v->v.text.len;
        if (in_event(rc, v->v.text.data, len)) {
            CHECK(v->kind != VALUE_DECIMAL);
            if (p < rc->next)
                fail_msg("%s.%s column %d: %zu bytes at offset %zu overlap the value before (up to %zu)", t->database,
                         t->name, i + 1, len, (size_t)(p - ev), (size_t)(rc->next - ev));
            rc->next = p + len;
            in_image += len;
        } else {
            if (p < ev + rc->len && (p >= ev || ev - p < len))
                fail_msg("%s.%s column %d: %zu bytes at offset %lld run across an end of the %zu-byte event",
                         t->database, t->name, i + 1, len, (long long)(p - ev), rc->len);
            check_built_text(t, i, v);
        }
    }
    if (in_image > rc->len)
        fail_msg("%s.%s: %zu bytes of values in one image of a %zu-byte event", t->database, t->name, in_image,
                 rc->len);
    rc->in_event += in_image;
}

#undef CHECK

/* Every row change given during fuzzing: of the table mapped, with its
 * column_count values, within the event's bytes (check_image). */
static int check_row(const struct row_change *ch, void *ctx) {
    struct row_check *rc = ctx;
    assert_ptr_equal(ch->table, rc->table);
    assert_int_equal(ch->table->column_count, rc->column_count);
    switch (ch->op) {
    case ROW_INSERT:
        assert_true(!ch->before && ch->after);
        break;
    case ROW_UPDATE:
        assert_true(ch->before && ch->after);
        break;
    case ROW_DELETE:
        assert_true(ch->before && !ch->after);
        break;
    default:
        fail_msg("op %d", (int)ch->op);
    }
    if (ch->before)
        check_image(rc, ch->before);
    if (ch->after)
        check_image(rc, ch->after);
    /* each row takes at least one byte */
    if ((size_t)++rc->rows > rc->len)
        fail_msg("%ld rows from a %zu-byte event", rc->rows, rc->len);
    if (rc->in_event > rc->len)
        fail_msg("%zu bytes of values from a %zu-byte event", rc->in_event, rc->len);
    return 0;
}

/* A rows event through check_row: 0 or -1 (then with a message). */
static int decode_checked(struct binlog_rows *br, const struct table *t, const uint8_t *ev, size_t len,
                          struct fuzz_stats *s) {
    struct row_check rc = {ev, len, t, t->column_count, 0, 0, (uintptr_t)ev};
    char err[128];
    err[0] = '\0';
    int r = binlog_rows_decode(br, ev, len, check_row, &rc, err, sizeof err);
    assert_true(r == 0 || r == -1);
    if (r != 0)
        assert_true(err[0] != '\0');
    s->rows += rc.rows;
    return r;
}

/* Decodes one (possibly damaged) event with a decoder that has the table's
 * good map; a damaged map is tried on the table's first rows event too. */
static void try_event(const struct events *e, int i, const uint8_t *ev, size_t len, struct fuzz_stats *s) {
    struct binlog_rows *br = binlog_rows_new();
    char err[128];
    err[0] = '\0';
    s->tried++;
    if (event_type(e->ev[i]) == 19) {
        const struct table *t = binlog_rows_table_map(br, ev, len, err, sizeof err);
        if (!t) {
            assert_true(err[0] != '\0');
            s->errors++;
        } else {
            s->decoded++;
            if (i + 1 < e->n && event_type(e->ev[i + 1]) != 19)
                decode_checked(br, t, e->ev[i + 1], e->len[i + 1], s);
        }
    } else {
        int m = i;
        while (m > 0 && event_type(e->ev[m]) != 19)
            m--;
        const struct table *t = binlog_rows_table_map(br, e->ev[m], e->len[m], err, sizeof err);
        assert_non_null(t);
        if (decode_checked(br, t, ev, len, s) != 0)
            s->errors++;
        else
            s->decoded++;
    }
    binlog_rows_free(br);
}

static void print_stats(const char *what, const struct fuzz_stats *s) {
    assert_int_equal(s->errors + s->decoded, s->tried);
    print_message("# %d %s: %d errors, %d decoded without error, %ld rows checked\n", s->tried, what, s->errors,
                  s->decoded, s->rows);
}

static void test_truncations(void **state) {
    (void)state;
    struct fuzz_stats s = {0};
    for (int t = 0; t < N(all_tables); t++) {
        struct events e;
        if (load_events(all_tables[t], &e) != 0)
            continue;
        for (int i = 0; i < e.n; i++) {
            size_t full = e.len[i] - 5;
            size_t step = full > 4096 ? 7 : 1;
            for (size_t n = 0; n < full; n += step) {
                uint8_t *ev = bare(e.ev[i], e.len[i], n);
                int before = s.errors;
                try_event(&e, i, ev, n, &s);
                /* a rows event cut inside its last row must fail */
                if (n == full - 1 && event_type(e.ev[i]) != 19)
                    assert_int_equal(s.errors, before + 1);
                free(ev);
            }
            /* and the raw_data itself, cut anywhere: the length check */
            for (size_t n = 0; n<e.len[i]; n += e.len[i]> 4096 ? 13 : 1) {
                uint8_t *ev = malloc(n ? n : 1);
                memcpy(ev, e.ev[i], n);
                try_event(&e, i, ev, n, &s);
                free(ev);
            }
        }
        free_events(&e);
    }
    print_stats("truncated events", &s);
    assert_true(s.tried > 1000);
}

/* BINLOG_FUZZ_ROUNDS=N: damaged copies per event (default 1000). */
static void test_bit_flips(void **state) {
    (void)state;
    struct fuzz_stats s = {0};
    const char *env = getenv("BINLOG_FUZZ_ROUNDS");
    int rounds = env && atoi(env) > 0 ? atoi(env) : 1000;
    for (int t = 0; t < N(all_tables); t++) {
        struct events e;
        if (load_events(all_tables[t], &e) != 0)
            continue;
        for (int i = 0; i < e.n; i++) {
            size_t n = e.len[i] - 5;
            for (int k = 0; k < rounds; k++) {
                uint8_t *ev = bare(e.ev[i], e.len[i], n);
                int flips = 1 + (int)(rnd() % 4);
                for (int f = 0; f < flips; f++) {
                    /* mostly past the header, where the decoder's own parsing is */
                    size_t at = 19 + rnd() % (n - 19);
                    if (rnd() % 4 == 0)
                        ev[at] = (uint8_t)rnd(); /* a random byte */
                    else
                        ev[at] ^= (uint8_t)(1u << (rnd() % 8));
                }
                try_event(&e, i, ev, n, &s);
                free(ev);
            }
        }
        free_events(&e);
    }
    print_stats("damaged events", &s);
    assert_true(s.tried > 1000);
    assert_true(s.rows > 0);
}

/* Random bodies behind valid headers of each event type. */
static void test_garbage(void **state) {
    (void)state;
    struct events e;
    LOAD("t_char", &e);
    struct fuzz_stats s = {0};
    for (int k = 0; k < 20000; k++) {
        int i = (int)(rnd() % (uint64_t)e.n);
        size_t n = 19 + rnd() % 300;
        uint8_t *ev = malloc(n);
        memcpy(ev, e.ev[i] + 1, 19);
        for (size_t j = 19; j < n; j++)
            ev[j] = (uint8_t)rnd();
        if (k % 2 == 0 && n > 27)
            memcpy(ev + 19, e.ev[i] + 20, 8); /* the right table id: deeper */
        uint32_t declared = (uint32_t)n;
        for (int b = 0; b < 4; b++)
            ev[9 + b] = (uint8_t)(declared >> (8 * b));
        try_event(&e, i, ev, n, &s);
        free(ev);
    }
    print_stats("garbage events", &s);
    free_events(&e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_decimals),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_text_and_blobs),
        cmocka_unit_test(test_big_text),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_year),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_sets),
        cmocka_unit_test(test_bits),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_geometry),
        cmocka_unit_test(test_mariadb_types),
        cmocka_unit_test(test_compressed_column),
        cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_minimal_image),
        cmocka_unit_test(test_primary_keys),
        cmocka_unit_test(test_bulk_insert),
        cmocka_unit_test(test_wide_table),
        cmocka_unit_test(test_old_temporal_types),
        cmocka_unit_test(test_minimal_metadata),
        cmocka_unit_test(test_no_metadata),
        cmocka_unit_test(test_event_forms),
        cmocka_unit_test(test_rows_v2),
        cmocka_unit_test(test_table_cache),
        cmocka_unit_test(test_errors_and_stop),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
