/* Unit tests for the dashboard's data side (dashboard/store.c,
 * store_apply.c, lake_loader.c, views.c) over a fixture lake written with
 * common/storage's local store in bridge sink's exact layout and metadata:
 * creates, updates and deletes of order lines, orders and customers;
 * products that cost more than they sell for; lines loaded before their
 * order and after it; a second dc in CSV; a damaged file in the middle of a
 * partition and a half-written one. Every view's figures are checked to the
 * cent against the sums worked out by hand below; a restart loads nothing
 * twice; bad parameters get 400 naming them; no view's plan reads the facts.
 *
 * The fixture (dc01; times 2026-12-01, UTC):
 *   products p1 2.50 (cost 3.00), p2 10.00 (4.00), p3 1.99 (0.50)
 *   purchase order 1: p1 100 x 3.00, p2 100 x 4.00, p3 4 x 0.50 = 702.00
 *   orders o1 10:00:10 c1, o2 10:01:30 c2 -> moved to 10:03:15, o3 10:02:05 c1,
 *          o4 10:02:40 c2 (deleted)
 *   lines  l1 o1 p1 2 -> 3 x 2.50 = 7.50    l2 o1 p2 1 x 10.00 = 10.00
 *          l3 o2 p1 4 x 2.50 = 10.00       l4 o2 p3 3 x 1.99 (deleted)
 *          l5 o3 p2 1 x 10.00 = 10.00      l6 o3 p3 4 x 1.99 = 7.96
 *          l7, l8 (in the damaged file)    l9 o3 p1 1 x 2.50 = 2.50
 *   customers c1 Ann (Leeds), c2 Bob (York -> Hull)
 * dc02 (CSV): p1 5.00 (cost 1.00), o1 10:00:00 c1 (Leeds), l1 p1 2 x 5.00. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include <jansson.h>
#include <sqlite3.h>

#include "assert_text.h"

#include "lake_loader.h"
#include "log.h"
#include "sink/lake_position.h"
#include "storage.h"
#include "store.h"
#include "views.h"

static char root[128];
static int case_no;

struct fixture {
    char db_path[256];
    struct storage *lake;
    struct store *store;
    struct lake_loader *loader;
    struct views *views;
    FILE *log;
};

/* ---- writing the lake ---- */

struct file_text {
    char data[8192];
    size_t len;
    long long records;
};

static void add_line(struct file_text *f, const char *line) {
    f->len += (size_t)snprintf(f->data + f->len, sizeof f->data - f->len, "%s\n", line);
    f->records++;
}

/* A Debezium envelope as bridge cdc writes it. */
static void add(struct file_text *f, const char *op, const char *table, const char *before, const char *after) {
    char line[2048];
    snprintf(line, sizeof line,
             "{\"before\":%s,\"after\":%s,\"source\":{\"name\":\"dc01\",\"db\":\"orders\",\"table\":\"%s\","
             "\"server_id\":1,\"gtid\":\"0-1-5\",\"file\":\"bin.000001\",\"pos\":4,\"row\":0,\"ts_ms\":1},"
             "\"op\":\"%s\",\"ts_ms\":2}",
             before ? before : "null", after ? after : "null", table, op);
    add_line(f, line);
}

/* Puts the file as the sink names it, with its metadata (records: what the
 * metadata says, -1: the lines written). */
static void put_file(struct fixture *fx, const char *topic, int partition, long long first, const char *ext,
                     const struct file_text *f, long long records) {
    struct lake_file_facts facts = {.partition = partition, .first_offset = first, .flush_files = 1};
    snprintf(facts.topic, sizeof facts.topic, "%s", topic);
    facts.records = records >= 0 ? records : f->records;
    facts.last_offset = first + f->records - 1;
    facts.flush_start = first;
    facts.flush_end = first + f->records;
    struct lake_file_meta meta;
    lake_file_meta_build(&facts, &meta);
    char name[512], err[512];
    snprintf(name, sizeof name, "topics/%s/partition=%d/%s+%d+%010lld.%s", topic, partition, topic, partition, first,
             ext);
    enum storage_status st =
        storage_put(fx->lake, name, f->data, f->len, "application/x-ndjson", &meta.meta, 0, err, sizeof err);
    if (st != STORAGE_OK) {
        print_error("put %s: %s\n", name, err);
        fail();
    }
}

/* Poll 1: the reference data, orders o1 and o2 (before their lines), and
 * the lines of o3 (before o3). */
static void write_first_files(struct fixture *fx) {
    struct file_text f = {0};
    add(&f, "r", "products", NULL,
        "{\"id\":1,\"name\":\"Apples\",\"description\":\"x\",\"price\":\"2.50\",\"cost\":\"3.00\"}");
    add(&f, "r", "products", NULL,
        "{\"id\":2,\"name\":\"Bread\",\"description\":null,\"price\":\"10.00\",\"cost\":\"4.00\"}");
    add(&f, "r", "products", NULL,
        "{\"id\":3,\"name\":\"Cheese\",\"description\":\"\",\"price\":\"1.99\",\"cost\":\"0.50\"}");
    put_file(fx, "dc01_products", 0, 0, "json", &f, -1);
    memset(&f, 0, sizeof f);
    add(&f, "r", "customers", NULL,
        "{\"id\":1,\"first_name\":\"Ann\",\"last_name\":\"Lee\",\"email\":\"a@x\",\"city\":\"Leeds\",\"country\":"
        "\"UK\"}");
    add(&f, "r", "customers", NULL,
        "{\"id\":2,\"first_name\":\"Bob\",\"last_name\":\"Roe\",\"email\":\"b@x\",\"city\":\"York\",\"country\":"
        "\"UK\"}");
    put_file(fx, "dc01_customers", 0, 0, "json", &f, -1);
    memset(&f, 0, sizeof f);
    add(&f, "r", "suppliers", NULL,
        "{\"id\":1,\"name\":\"Acme\",\"email\":\"s@x\",\"city\":\"Hull\",\"country\":\"UK\"}");
    put_file(fx, "dc01_suppliers", 0, 0, "json", &f, -1);
    memset(&f, 0, sizeof f);
    add(&f, "r", "purchase_orders", NULL, "{\"id\":1,\"order_date\":\"2026-12-01T09:00:00Z\",\"supplier_id\":1}");
    put_file(fx, "dc01_purchase_orders", 0, 0, "json", &f, -1);
    memset(&f, 0, sizeof f);
    add(&f, "r", "purchase_order_details", NULL,
        "{\"id\":1,\"purchase_order_id\":1,\"product_id\":1,\"quantity\":100,\"cost\":\"3.00\"}");
    add(&f, "r", "purchase_order_details", NULL,
        "{\"id\":2,\"purchase_order_id\":1,\"product_id\":2,\"quantity\":100,\"cost\":\"4.00\"}");
    add(&f, "r", "purchase_order_details", NULL,
        "{\"id\":3,\"purchase_order_id\":1,\"product_id\":3,\"quantity\":4,\"cost\":\"0.50\"}");
    put_file(fx, "dc01_purchase_order_details", 0, 0, "json", &f, -1);
    memset(&f, 0, sizeof f);
    add(&f, "c", "sales_orders", NULL, "{\"id\":1,\"order_date\":\"2026-12-01T10:00:10Z\",\"customer_id\":1}");
    add(&f, "c", "sales_orders", NULL, "{\"id\":2,\"order_date\":\"2026-12-01T10:01:30Z\",\"customer_id\":2}");
    put_file(fx, "dc01_sales_orders", 0, 0, "json", &f, -1);
    memset(&f, 0, sizeof f);
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":5,\"sales_order_id\":3,\"product_id\":2,\"quantity\":1,\"price\":\"10.00\"}");
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":6,\"sales_order_id\":3,\"product_id\":3,\"quantity\":4,\"price\":\"1.99\"}");
    put_file(fx, "dc01_sales_order_details", 0, 0, "json", &f, -1);
}

/* The lines of o1 and o2 (after their orders), an update and a delete. */
static void write_late_lines(struct fixture *fx) {
    struct file_text f = {0};
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":1,\"sales_order_id\":1,\"product_id\":1,\"quantity\":2,\"price\":\"2.50\"}");
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":2,\"sales_order_id\":1,\"product_id\":2,\"quantity\":1,\"price\":\"10.00\"}");
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":3,\"sales_order_id\":2,\"product_id\":1,\"quantity\":4,\"price\":\"2.50\"}");
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":4,\"sales_order_id\":2,\"product_id\":3,\"quantity\":3,\"price\":\"1.99\"}");
    add(&f, "u", "sales_order_details",
        "{\"id\":1,\"sales_order_id\":1,\"product_id\":1,\"quantity\":2,\"price\":\"2.50\"}",
        "{\"id\":1,\"sales_order_id\":1,\"product_id\":1,\"quantity\":3,\"price\":\"2.50\"}");
    add(&f, "d", "sales_order_details",
        "{\"id\":4,\"sales_order_id\":2,\"product_id\":3,\"quantity\":3,\"price\":\"1.99\"}", NULL);
    put_file(fx, "dc01_sales_order_details", 0, 2, "json", &f, -1);
}

/* o3 (its lines are loaded already), o4 created and deleted, o2 moved; c2
 * moves city; a damaged lines file, then one that loads; dc02 in CSV. */
static void write_second_files(struct fixture *fx) {
    write_late_lines(fx);
    struct file_text f = {0};
    add(&f, "c", "sales_orders", NULL, "{\"id\":3,\"order_date\":\"2026-12-01T10:02:05Z\",\"customer_id\":1}");
    add(&f, "c", "sales_orders", NULL, "{\"id\":4,\"order_date\":\"2026-12-01T10:02:40Z\",\"customer_id\":2}");
    add(&f, "u", "sales_orders", "{\"id\":2,\"order_date\":\"2026-12-01T10:01:30Z\",\"customer_id\":2}",
        "{\"id\":2,\"order_date\":\"2026-12-01T10:03:15Z\",\"customer_id\":2}");
    add(&f, "d", "sales_orders", "{\"id\":4,\"order_date\":\"2026-12-01T10:02:40Z\",\"customer_id\":2}", NULL);
    put_file(fx, "dc01_sales_orders", 0, 2, "json", &f, -1);
    memset(&f, 0, sizeof f);
    add(&f, "u", "customers", NULL,
        "{\"id\":2,\"first_name\":\"Bob\",\"last_name\":\"Roe\",\"email\":\"b@x\",\"city\":\"Hull\",\"country\":"
        "\"UK\"}");
    put_file(fx, "dc01_customers", 0, 2, "json", &f, -1);
    memset(&f, 0, sizeof f);
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":7,\"sales_order_id\":3,\"product_id\":1,\"quantity\":50,\"price\":\"2.50\"}");
    add_line(&f, "{\"before\":null,\"after\":{\"id\":8, \"sales_or");
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":8,\"sales_order_id\":3,\"product_id\":2,\"quantity\":50,\"price\":\"10.00\"}");
    put_file(fx, "dc01_sales_order_details", 0, 8, "json", &f, -1);
    memset(&f, 0, sizeof f);
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":9,\"sales_order_id\":3,\"product_id\":1,\"quantity\":1,\"price\":\"2.50\"}");
    put_file(fx, "dc01_sales_order_details", 0, 11, "json", &f, -1);

    struct file_text csv = {0};
    snprintf(csv.data, sizeof csv.data,
             "id,name,description,price,cost,__op,__file,__pos,__row,__gtid,__source_ts_ms\r\n"
             "1,Apples,\"red, \"\"crisp\"\"\",5.00,1.00,r,,,,,\r\n");
    csv.len = strlen(csv.data);
    csv.records = 1;
    put_file(fx, "dc02_products", 0, 0, "csv", &csv, -1);
    snprintf(csv.data, sizeof csv.data,
             "id,first_name,last_name,email,city,country,__op,__file,__pos,__row,__gtid,__source_ts_ms\r\n"
             "1,Cy,Dee,c@x,Leeds,UK,c,bin.1,4,0,0-2-9,1\r\n");
    csv.len = strlen(csv.data);
    put_file(fx, "dc02_customers", 0, 0, "csv", &csv, -1);
    snprintf(csv.data, sizeof csv.data,
             "id,order_date,customer_id,__op,__file,__pos,__row,__gtid,__source_ts_ms\r\n"
             "1,2026-12-01T10:00:00Z,1,c,bin.1,5,0,0-2-9,1\r\n");
    csv.len = strlen(csv.data);
    put_file(fx, "dc02_sales_orders", 0, 0, "csv", &csv, -1);
    snprintf(csv.data, sizeof csv.data,
             "id,sales_order_id,product_id,quantity,price,__op,__file,__pos,__row,__gtid,__source_ts_ms\r\n"
             "1,1,1,2,5.00,c,bin.1,6,0,0-2-9,1\r\n");
    csv.len = strlen(csv.data);
    put_file(fx, "dc02_sales_order_details", 0, 0, "csv", &csv, -1);
    /* Half-written: its metadata promises two records. */
    memset(&f, 0, sizeof f);
    add(&f, "u", "customers", NULL,
        "{\"id\":1,\"first_name\":\"Cy\",\"last_name\":\"Dee\",\"email\":\"c@x\",\"city\":\"Paris\",\"country\":"
        "\"FR\"}");
    put_file(fx, "dc02_customers", 0, 1, "json", &f, 2);
}

/* ---- the fixture's life ---- */

static void open_store(struct fixture *fx) {
    char err[512];
    fx->store = store_open(fx->db_path, err, sizeof err);
    if (!fx->store) {
        print_error("store_open: %s\n", err);
        fail();
    }
    fx->loader = lake_loader_new(fx->store, fx->lake, "topics", err, sizeof err);
    assert_non_null(fx->loader);
    fx->views = views_new(fx->store);
    assert_non_null(fx->views);
}

static void close_store(struct fixture *fx) {
    views_free(fx->views);
    lake_loader_free(fx->loader);
    store_close(fx->store);
}

static int setup(void **state) {
    struct fixture *fx = calloc(1, sizeof *fx);
    char folder[200], url[256], err[512];
    snprintf(folder, sizeof folder, "%s/t%d", root, ++case_no);
    snprintf(url, sizeof url, "file://%s/lake", folder);
    snprintf(fx->db_path, sizeof fx->db_path, "%s/dashboard.db", folder);
    struct storage_options opt = {.url = url, .create_container = 1};
    if (storage_open(&opt, &fx->lake, err, sizeof err) != STORAGE_OK) {
        fprintf(stderr, "open %s: %s\n", url, err);
        return -1;
    }
    fx->log = tmpfile();
    log_set_stream(fx->log);
    open_store(fx);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    struct fixture *fx = *state;
    close_store(fx);
    storage_close(fx->lake);
    log_set_stream(NULL);
    fclose(fx->log);
    free(fx);
    return 0;
}

/* What the log holds so far. */
static char *log_text(struct fixture *fx) {
    static char text[8192];
    fflush(fx->log);
    long n = ftell(fx->log);
    rewind(fx->log);
    size_t got = fread(text, 1, sizeof text - 1, fx->log);
    text[got] = 0;
    fseek(fx->log, n, SEEK_SET);
    return text;
}

static int count_of(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- asking the views ---- */

/* "a=1&b=2" as view_request's arg (one value per thread: the readers test asks from several). */
static const char *query_arg(void *ctx, const char *name) {
    static _Thread_local char value[256];
    size_t n = strlen(name);
    for (const char *p = ctx; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            snprintf(value, sizeof value, "%.*s", (int)(len - n - 1), p + n + 1);
            return value;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static struct view_reply ask(struct fixture *fx, const char *path, const char *query) {
    struct view_request req = {path, query_arg, (void *)query};
    struct view_reply out = {0};
    views_answer(fx->views, &req, &out);
    return out;
}

/* The JSON answer of a 200. */
static json_t *get(struct fixture *fx, const char *path, const char *query) {
    struct view_reply r = ask(fx, path, query);
    if (r.status != 200)
        print_error("%s?%s: %d %s\n", path, query, r.status, r.body);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/json");
    json_error_t jerr;
    json_t *v = json_loadb(r.body, r.len, 0, &jerr);
    free(r.body);
    assert_non_null(v);
    return v;
}

static void assert_money(const json_t *obj, const char *key, const char *want) {
    const char *got = json_string_value(json_object_get(obj, key));
    if (!got || strcmp(got, want) != 0) {
        print_error("%s: %s, expected %s\n", key, got ? got : "(not a string)", want);
        fail();
    }
}

static void assert_int_field(const json_t *obj, const char *key, long long want) {
    const json_t *v = json_object_get(obj, key);
    assert_true(json_is_integer(v));
    assert_int_equal(json_integer_value(v), want);
}

static void assert_text_field(const json_t *obj, const char *key, const char *want) {
    const char *got = json_string_value(json_object_get(obj, key));
    assert_non_null(got);
    assert_string_equal(got, want);
}

static void load_all(struct fixture *fx) {
    write_first_files(fx);
    assert_int_equal(lake_loader_poll(fx->loader), 7);
    write_second_files(fx);
    assert_int_equal(lake_loader_poll(fx->loader), 8);
}

/* ---- tests ---- */

/* After the first poll: o3's lines wait for o3; o1 and o2 have no lines. */
static void test_lines_before_their_order(void **state) {
    struct fixture *fx = *state;
    write_first_files(fx);
    assert_int_equal(lake_loader_poll(fx->loader), 7);
    json_t *k = get(fx, "/api/kpis", "dc=dc01");
    assert_money(k, "revenue", "17.96");
    assert_int_field(k, "orders", 2);
    assert_int_field(k, "units", 5);
    assert_int_field(k, "pending_lines", 2);
    json_decref(k);
    json_t *m = get(fx, "/api/revenue_per_minute", "dc=dc01");
    json_t *minutes = json_object_get(m, "minutes");
    assert_int_equal(json_array_size(minutes), 2); /* o1, o2: an order each, no revenue yet */
    assert_money(json_array_get(minutes, 0), "revenue", "0.00");
    assert_int_field(json_array_get(minutes, 0), "orders", 1);
    json_decref(m);
    json_t *p = get(fx, "/api/products", "dc=dc01");
    assert_money(json_array_get(json_object_get(p, "products"), 0), "revenue", "10.00"); /* p2, from l5 */
    json_decref(p);
    assert_int_equal(lake_loader_poll(fx->loader), 0);
}

static void test_kpis(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    json_t *k = get(fx, "/api/kpis", "dc=dc01");
    assert_money(k, "revenue", "47.96");
    assert_int_field(k, "orders", 3);
    assert_int_field(k, "units", 14);
    assert_int_field(k, "lines", 6);
    assert_int_field(k, "pending_lines", 0);
    assert_money(k, "average_order_value", "15.99"); /* 47.96 / 3 = 15.986... */
    json_decref(k);
    k = get(fx, "/api/kpis", "");
    assert_money(k, "revenue", "57.96");
    assert_int_field(k, "orders", 4);
    assert_money(k, "average_order_value", "14.49");
    json_decref(k);
    k = get(fx, "/api/kpis", "dc=dc01&from=2026-12-01T10:02:00Z&to=2026-12-01T10:03:00Z");
    assert_money(k, "revenue", "20.46");
    assert_int_field(k, "orders", 1);
    assert_int_field(k, "units", 6);
    json_decref(k);
    k = get(fx, "/api/kpis", "dc=dc09");
    assert_money(k, "revenue", "0.00");
    assert_int_field(k, "orders", 0);
    assert_true(json_is_null(json_object_get(k, "average_order_value")));
    json_decref(k);
}

static void assert_minute(const json_t *row, const char *minute, const char *revenue, long long orders,
                          long long units) {
    assert_text_field(row, "minute", minute);
    assert_money(row, "revenue", revenue);
    assert_int_field(row, "orders", orders);
    assert_int_field(row, "units", units);
}

static void test_revenue_per_minute(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    json_t *m = get(fx, "/api/revenue_per_minute", "dc=dc01");
    json_t *rows = json_object_get(m, "minutes");
    assert_int_equal(json_array_size(rows), 3); /* 10:01 emptied when o2 moved to 10:03 */
    assert_minute(json_array_get(rows, 0), "2026-12-01T10:00:00Z", "17.50", 1, 4);
    assert_minute(json_array_get(rows, 1), "2026-12-01T10:02:00Z", "20.46", 1, 6);
    assert_minute(json_array_get(rows, 2), "2026-12-01T10:03:00Z", "10.00", 1, 4);
    assert_int_field(json_array_get(rows, 0), "minute_ms", 1796119200000LL);
    json_decref(m);
    m = get(fx, "/api/revenue_per_minute", "from=1796119200000&to=2026-12-01T10:01:00Z");
    rows = json_object_get(m, "minutes");
    assert_int_equal(json_array_size(rows), 1);
    assert_minute(json_array_get(rows, 0), "2026-12-01T10:00:00Z", "27.50", 2, 6); /* with dc02's */
    json_decref(m);
}

static void assert_product(const json_t *row, long long id, const char *revenue, long long units, const char *margin) {
    assert_int_field(row, "product_id", id);
    assert_money(row, "revenue", revenue);
    assert_int_field(row, "units", units);
    assert_money(row, "margin", margin);
}

static void test_products(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    json_t *p = get(fx, "/api/products", "dc=dc01");
    json_t *rows = json_object_get(p, "products");
    assert_int_equal(json_array_size(rows), 3);
    assert_product(json_array_get(rows, 0), 1, "20.00", 8, "-4.00"); /* cost 3.00 > price 2.50 */
    assert_product(json_array_get(rows, 1), 2, "20.00", 2, "12.00");
    assert_product(json_array_get(rows, 2), 3, "7.96", 4, "5.96");
    assert_text_field(json_array_get(rows, 0), "name", "Apples");
    assert_money(json_array_get(rows, 0), "cost", "3.00");
    json_decref(p);
    p = get(fx, "/api/products", "dc=dc01&by=margin&top=2");
    rows = json_object_get(p, "products");
    assert_int_equal(json_array_size(rows), 2);
    assert_product(json_array_get(rows, 0), 2, "20.00", 2, "12.00");
    assert_product(json_array_get(rows, 1), 3, "7.96", 4, "5.96");
    json_decref(p);
    p = get(fx, "/api/products", "dc=dc01&by=units");
    rows = json_object_get(p, "products");
    assert_int_field(json_array_get(rows, 1), "product_id", 3);
    json_decref(p);
    p = get(fx, "/api/products", "dc=dc01&from=2026-12-01T10:02:00Z&to=2026-12-01T10:03:00Z");
    rows = json_object_get(p, "products");
    assert_int_equal(json_array_size(rows), 3);
    assert_product(json_array_get(rows, 0), 2, "10.00", 1, "6.00");
    assert_product(json_array_get(rows, 1), 3, "7.96", 4, "5.96");
    assert_product(json_array_get(rows, 2), 1, "2.50", 1, "-0.50");
    json_decref(p);
    p = get(fx, "/api/products", "dc=dc02");
    rows = json_object_get(p, "products");
    assert_product(json_array_get(rows, 0), 1, "10.00", 2, "8.00");
    assert_text_field(json_array_get(rows, 0), "dc", "dc02");
    json_decref(p);
}

static void test_customers_and_cities(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    json_t *c = get(fx, "/api/customers", "dc=dc01");
    json_t *rows = json_object_get(c, "customers");
    assert_int_equal(json_array_size(rows), 2);
    assert_int_field(json_array_get(rows, 0), "customer_id", 1);
    assert_money(json_array_get(rows, 0), "revenue", "37.96");
    assert_int_field(json_array_get(rows, 0), "orders", 2);
    assert_int_field(json_array_get(rows, 0), "units", 10);
    assert_text_field(json_array_get(rows, 1), "city", "Hull");
    assert_money(json_array_get(rows, 1), "revenue", "10.00");
    json_decref(c);
    c = get(fx, "/api/cities", "");
    rows = json_object_get(c, "cities");
    assert_int_equal(json_array_size(rows), 2); /* York emptied when Bob moved to Hull */
    assert_text_field(json_array_get(rows, 0), "city", "Leeds");
    assert_money(json_array_get(rows, 0), "revenue", "47.96"); /* dc01's 37.96 and dc02's 10.00 */
    assert_int_field(json_array_get(rows, 0), "orders", 3);
    assert_int_field(json_array_get(rows, 0), "units", 12);
    assert_text_field(json_array_get(rows, 1), "city", "Hull");
    assert_money(json_array_get(rows, 1), "revenue", "10.00");
    json_decref(c);
    c = get(fx, "/api/cities", "dc=dc01&from=2026-12-01T10:03:00Z&by=orders");
    rows = json_object_get(c, "cities");
    assert_int_equal(json_array_size(rows), 1);
    assert_text_field(json_array_get(rows, 0), "city", "Hull");
    json_decref(c);
}

static void assert_stock(const json_t *row, long long id, long long stock, long long demand, int out) {
    assert_int_field(row, "product_id", id);
    assert_int_field(row, "stock", stock);
    assert_int_field(row, "demand_last_3mins", demand);
    assert_true(json_is_boolean(json_object_get(row, "out_of_stock")));
    assert_int_equal(json_is_true(json_object_get(row, "out_of_stock")), out);
}

static void test_stock_and_demand(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    json_t *s = get(fx, "/api/stock", "dc=dc01");
    assert_text_field(s, "window_start", "2026-12-01T10:01:00Z");
    assert_text_field(s, "window_end", "2026-12-01T10:04:00Z");
    json_t *rows = json_object_get(s, "products");
    assert_int_equal(json_array_size(rows), 3);
    assert_stock(json_array_get(rows, 0), 1, 92, 5, 0);
    assert_stock(json_array_get(rows, 1), 2, 98, 1, 0);
    assert_stock(json_array_get(rows, 2), 3, 0, 4, 1);
    json_decref(s);
    s = get(fx, "/api/stock", "dc=dc01&to=2026-12-01T10:03:30Z");
    rows = json_object_get(s, "products");
    assert_stock(json_array_get(rows, 0), 1, 92, 4, 0); /* [10:00, 10:03): l1 3 + l9 1 */
    assert_stock(json_array_get(rows, 1), 2, 98, 2, 0);
    assert_stock(json_array_get(rows, 2), 3, 0, 4, 1);
    json_decref(s);
}

static void test_out_of_stock(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    json_t *o = get(fx, "/api/out_of_stock", "dc=dc01");
    json_t *po = json_array_get(json_object_get(o, "purchase_orders"), 0);
    assert_int_field(po, "purchase_order_id", 1);
    assert_text_field(po, "order_date", "2026-12-01T09:00:00Z");
    assert_text_field(po, "supplier", "Acme");
    assert_int_field(po, "units", 204);
    assert_money(po, "cost", "702.00");
    assert_int_equal(json_array_size(json_object_get(o, "events")), 0);
    json_decref(o);
}

/* The damaged file is said once and skipped whole (l7 and l8 nowhere), the
 * half-written one too; the files after them load. */
static void test_damaged_files(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    const char *log = log_text(fx);
    assert_int_equal(count_of(log, "skipped"), 2);
    assert_contains(log, "topics/dc01_sales_order_details/partition=0/dc01_sales_order_details+0+0000000008.json");
    assert_contains(log, "line 2: not JSON");
    assert_contains(log, "dc02_customers+0+0000000001.json");
    assert_contains(log, "holds 1 records where its metadata says 2");
    struct lake_loader_stats st;
    lake_loader_stats(fx->loader, &st);
    assert_int_equal(st.files, 15);
    assert_int_equal(st.skipped, 2);
    assert_int_equal(st.lake_files, 17);
    assert_int_equal(st.records, 3 + 2 + 1 + 1 + 3 + 2 + 2 + 6 + 4 + 1 + 1 + 4);
    assert_true(st.lake_up);
    assert_true(st.last_load_ms > 0);
    json_t *c = get(fx, "/api/customers", "dc=dc02");
    assert_text_field(json_array_get(json_object_get(c, "customers"), 0), "city", "Leeds"); /* not Paris */
    json_decref(c);
}

/* A Delta table's log and the sink's records beside it are not data. */
static void test_hidden_files_left_alone(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    char err[512];
    const char *names[] = {"topics/dc01_products/_delta_log/00000000000000000000.json",
                           "topics/dc01_products/_bridgelab_delta/00000000000000000010.json"};
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(storage_put(fx->lake, names[i], "{\"commitInfo\":{}}\n", 17, NULL, NULL, 0, err, sizeof err),
                         STORAGE_OK);
    assert_int_equal(lake_loader_poll(fx->loader), 0);
    struct lake_loader_stats st;
    lake_loader_stats(fx->loader, &st);
    assert_int_equal(st.lake_files, 17);
    assert_int_equal(st.skipped, 2);
}

/* A new store on the same file, polled again: nothing twice, nothing said. */
static void test_restart(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    close_store(fx);
    open_store(fx);
    struct lake_loader_stats st;
    lake_loader_stats(fx->loader, &st);
    assert_int_equal(st.files, 15);
    assert_int_equal(st.skipped, 2);
    assert_int_equal(lake_loader_poll(fx->loader), 0);
    assert_int_equal(count_of(log_text(fx), "skipped"), 2);
    json_t *k = get(fx, "/api/kpis", "dc=dc01");
    assert_money(k, "revenue", "47.96");
    assert_int_field(k, "orders", 3);
    json_decref(k);
    /* A file landing after the restart loads. */
    struct file_text f = {0};
    add(&f, "d", "sales_order_details",
        "{\"id\":9,\"sales_order_id\":3,\"product_id\":1,\"quantity\":1,\"price\":\"2.50\"}", NULL);
    put_file(fx, "dc01_sales_order_details", 0, 12, "json", &f, -1);
    assert_int_equal(lake_loader_poll(fx->loader), 1);
    k = get(fx, "/api/kpis", "dc=dc01");
    assert_money(k, "revenue", "45.46");
    assert_int_field(k, "units", 13);
    json_decref(k);
}

/* Deleting an order moves its lines back to pending; they return with it. */
static void test_order_deleted_and_back(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    struct file_text f = {0};
    add(&f, "d", "sales_orders", "{\"id\":1,\"order_date\":\"2026-12-01T10:00:10Z\",\"customer_id\":1}", NULL);
    put_file(fx, "dc01_sales_orders", 0, 6, "json", &f, -1);
    assert_int_equal(lake_loader_poll(fx->loader), 1);
    json_t *k = get(fx, "/api/kpis", "dc=dc01&from=2026-12-01T10:00:00Z");
    assert_money(k, "revenue", "30.46");
    assert_int_field(k, "orders", 2);
    json_decref(k);
    k = get(fx, "/api/kpis", "dc=dc01");
    assert_int_field(k, "pending_lines", 2);
    json_decref(k);
    memset(&f, 0, sizeof f);
    add(&f, "c", "sales_orders", NULL, "{\"id\":1,\"order_date\":\"2026-12-01T10:05:00Z\",\"customer_id\":2}");
    put_file(fx, "dc01_sales_orders", 0, 7, "json", &f, -1);
    assert_int_equal(lake_loader_poll(fx->loader), 1);
    json_t *c = get(fx, "/api/customers", "dc=dc01");
    json_t *rows = json_object_get(c, "customers");
    assert_int_field(json_array_get(rows, 0), "customer_id", 2);
    assert_money(json_array_get(rows, 0), "revenue", "27.50");
    assert_money(json_array_get(rows, 1), "revenue", "20.46");
    json_decref(c);
}

/* One file holding several tables (source.table names each line's): an
 * order whose lines came before it, a customer moving city after it, an
 * order and its line in the same file; and a null line (a zero-length
 * value, as the sink writes it): a record that changes nothing. */
static void test_mixed_file_and_null_lines(void **state) {
    struct fixture *fx = *state;
    write_first_files(fx);
    assert_int_equal(lake_loader_poll(fx->loader), 7);
    struct file_text f = {0};
    add_line(&f, "null");
    add(&f, "c", "sales_orders", NULL, "{\"id\":3,\"order_date\":\"2026-12-01T10:02:05Z\",\"customer_id\":1}");
    add(&f, "u", "customers", NULL,
        "{\"id\":1,\"first_name\":\"Ann\",\"last_name\":\"Lee\",\"email\":\"a@x\",\"city\":\"York\",\"country\":"
        "\"UK\"}");
    add(&f, "c", "sales_orders", NULL, "{\"id\":5,\"order_date\":\"2026-12-01T10:04:00Z\",\"customer_id\":1}");
    add(&f, "c", "sales_order_details", NULL,
        "{\"id\":10,\"sales_order_id\":5,\"product_id\":2,\"quantity\":1,\"price\":\"10.00\"}");
    put_file(fx, "dc01_sales_orders", 0, 2, "json", &f, -1);
    assert_int_equal(lake_loader_poll(fx->loader), 1);
    assert_int_equal(count_of(log_text(fx), "skipped"), 0);
    json_t *k = get(fx, "/api/kpis", "dc=dc01");
    assert_money(k, "revenue", "27.96"); /* l5 10.00 + l6 7.96 (o3's, loaded before it) + l10 10.00 */
    assert_int_field(k, "orders", 4);
    assert_int_field(k, "pending_lines", 0);
    json_decref(k);
    json_t *c = get(fx, "/api/cities", "dc=dc01");
    json_t *rows = json_object_get(c, "cities");
    assert_int_equal(json_array_size(rows), 1); /* Ann left Leeds with her figures; Bob lives in York */
    assert_text_field(json_array_get(rows, 0), "city", "York");
    assert_money(json_array_get(rows, 0), "revenue", "27.96");
    assert_int_field(json_array_get(rows, 0), "orders", 4);
    json_decref(c);
    json_t *m = get(fx, "/api/revenue_per_minute", "dc=dc01&from=2026-12-01T10:04:00Z");
    rows = json_object_get(m, "minutes");
    assert_int_equal(json_array_size(rows), 1);
    assert_minute(json_array_get(rows, 0), "2026-12-01T10:04:00Z", "10.00", 1, 1); /* l10 found o5 in the file */
    json_decref(m);
    struct lake_loader_stats st;
    lake_loader_stats(fx->loader, &st);
    assert_int_equal(st.records, 3 + 2 + 1 + 1 + 3 + 2 + 2 + 5);
}

static void test_csv_output(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    struct view_reply r = ask(fx, "/api/products", "dc=dc01&format=csv");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "text/csv; charset=utf-8");
    assert_string_equal(r.body, "dc,product_id,name,revenue,units,margin,price,cost\r\n"
                                "dc01,1,Apples,20.00,8,-4.00,2.50,3.00\r\n"
                                "dc01,2,Bread,20.00,2,12.00,10.00,4.00\r\n"
                                "dc01,3,Cheese,7.96,4,5.96,1.99,0.50\r\n");
    free(r.body);
    r = ask(fx, "/api/kpis", "format=csv&dc=dc02");
    assert_string_equal(r.body, "revenue,orders,units,lines,pending_lines,average_order_value\r\n"
                                "10.00,1,2,1,0,10.00\r\n");
    free(r.body);
}

static void assert_bad(struct fixture *fx, const char *path, const char *query, int status, const char *names) {
    struct view_reply r = ask(fx, path, query);
    assert_int_equal(r.status, status);
    assert_string_equal(r.content_type, "application/json");
    json_t *v = json_loadb(r.body, r.len, 0, NULL);
    assert_non_null(v);
    assert_contains(json_string_value(json_object_get(v, "error")), names);
    json_decref(v);
    free(r.body);
}

static void test_bad_requests(void **state) {
    struct fixture *fx = *state;
    assert_bad(fx, "/api/kpis", "dc=DC01", 400, "dc:");
    assert_bad(fx, "/api/kpis", "dc=dc01;drop", 400, "dc:");
    assert_bad(fx, "/api/kpis", "dc=abcdefghijklmnopq", 400, "dc:");
    assert_bad(fx, "/api/kpis", "dc=", 400, "dc:");
    assert_bad(fx, "/api/kpis", "from=yesterday", 400, "from:");
    assert_bad(fx, "/api/kpis", "to=2026-13-01", 400, "to:");
    assert_bad(fx, "/api/kpis", "from=2026-12-02&to=2026-12-01", 400, "from:");
    assert_bad(fx, "/api/products", "top=0", 400, "top:");
    assert_bad(fx, "/api/products", "top=1001", 400, "top:");
    assert_bad(fx, "/api/products", "top=5x", 400, "top:");
    assert_bad(fx, "/api/products", "by=orders", 400, "by:");
    assert_bad(fx, "/api/customers", "by=margin", 400, "by:");
    assert_bad(fx, "/api/stock", "format=xml", 400, "format:");
    assert_bad(fx, "/api/nothing", "", 404, "no such view");
    assert_bad(fx, "/api/../etc/passwd", "", 404, "no such view");
}

/* Every statement a view runs, with its plan: none reads a fact table or
 * scans a per-minute aggregate whole. */
struct plans {
    sqlite3 *db;
    char text[32768];
    size_t len;
};

static int trace(unsigned type, void *ctx, void *p, void *x) {
    (void)type;
    (void)x;
    struct plans *pl = ctx;
    const char *sql = sqlite3_sql(p);
    if (!sql || strncmp(sql, "SELECT", 6) != 0)
        return 0;
    char explain[4096];
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(pl->db, explain, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        pl->len += (size_t)snprintf(pl->text + pl->len, sizeof pl->text - pl->len, "%s\n",
                                    (const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    return 0;
}

static void test_views_read_aggregates_only(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    static struct plans pl;
    char err[256];
    pl.len = 0;
    pl.text[0] = 0;
    assert_int_equal(sqlite3_open_v2(fx->db_path, &pl.db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3 *reader = store_reader_acquire(fx->store, err, sizeof err);
    sqlite3_trace_v2(reader, SQLITE_TRACE_STMT, trace, &pl);
    store_reader_release(fx->store, reader); /* the views take this one next */
    const char *paths[] = {"/api/kpis",  "/api/revenue_per_minute", "/api/products", "/api/customers", "/api/cities",
                           "/api/stock", "/api/out_of_stock"};
    const char *queries[] = {"", "dc=dc01", "from=2026-12-01T10:00:00Z", "dc=dc01&from=2026-12-01T10:00:00Z"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        for (size_t j = 0; j < sizeof queries / sizeof queries[0]; j++)
            json_decref(get(fx, paths[i], queries[j]));
    sqlite3_close(pl.db);
    assert_contains(pl.text, "agg_product_minute USING PRIMARY KEY");
    assert_not_contains(pl.text, "sales_order_details");
    assert_not_contains(pl.text, "sales_orders");
    assert_not_contains(pl.text, "purchase_order_details");
    assert_not_contains(pl.text, "SCAN agg_minute");
    assert_not_contains(pl.text, "SCAN agg_product_minute");
    assert_not_contains(pl.text, "SCAN agg_customer_minute");
    assert_not_contains(pl.text, "SCAN m"); /* the aliases of the minute tables */
    reader = store_reader_acquire(fx->store, err, sizeof err);
    sqlite3_trace_v2(reader, 0, NULL, NULL);
    store_reader_release(fx->store, reader);
}

/* A reader's statements are kept on its connection and reused (one busy
 * is not handed out twice); closing the store finalizes them (ASan would
 * see the connection leak if sqlite3_close refused). */
static void test_reader_statements_kept(void **state) {
    struct fixture *fx = *state;
    load_all(fx);
    char err[256];
    sqlite3 *db = store_reader_acquire(fx->store, err, sizeof err);
    assert_non_null(db);
    const char *sql = "SELECT count(*) FROM agg_total WHERE dc = ?1";
    sqlite3_stmt *a = store_reader_prepare(db, sql);
    assert_non_null(a);
    sqlite3_bind_text(a, 1, "dc01", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(a, 0), 1);
    sqlite3_stmt *b = store_reader_prepare(db, sql); /* a is busy */
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    sqlite3_reset(a);
    sqlite3_reset(b);
    sqlite3_stmt *c = store_reader_prepare(db, sql);
    assert_true(c == a || c == b);
    assert_int_equal(sqlite3_step(c), SQLITE_ROW); /* its binding cleared: dc = NULL */
    assert_int_equal(sqlite3_column_int(c, 0), 0);
    sqlite3_reset(c);
    assert_null(store_reader_prepare(db, "SELECT nothing FROM nowhere"));
    store_reader_release(fx->store, db);
    /* the views, twice: the second answer from the kept statements */
    for (int i = 0; i < 2; i++) {
        json_t *k = get(fx, "/api/kpis", "dc=dc01");
        assert_money(k, "revenue", "47.96");
        json_decref(k);
    }
}

/* Readers on several threads while the loader writes. */
struct reader_run {
    struct fixture *fx;
    int failures;
};

static void *read_views(void *arg) {
    struct reader_run *run = arg;
    for (int i = 0; i < 200; i++) {
        struct view_reply r = ask(run->fx, i % 2 ? "/api/kpis" : "/api/products", "dc=dc01");
        if (r.status != 200) {
            print_error("%s: %d %s\n", i % 2 ? "/api/kpis" : "/api/products", r.status, r.body);
            run->failures++;
        }
        free(r.body);
    }
    return NULL;
}

static void test_concurrent_readers(void **state) {
    struct fixture *fx = *state;
    write_first_files(fx);
    pthread_t threads[4];
    struct reader_run runs[4];
    for (int i = 0; i < 4; i++) {
        runs[i] = (struct reader_run){fx, 0};
        pthread_create(&threads[i], NULL, read_views, &runs[i]);
    }
    assert_int_equal(lake_loader_poll(fx->loader), 7);
    write_second_files(fx);
    assert_int_equal(lake_loader_poll(fx->loader), 8);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(runs[i].failures, 0);
    }
    json_t *k = get(fx, "/api/kpis", "dc=dc01");
    assert_money(k, "revenue", "47.96");
    json_decref(k);
}

static int group_setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/test_dashboard_lake.XXXXXX");
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
        CASE(test_lines_before_their_order),
        CASE(test_kpis),
        CASE(test_revenue_per_minute),
        CASE(test_products),
        CASE(test_customers_and_cities),
        CASE(test_stock_and_demand),
        CASE(test_out_of_stock),
        CASE(test_damaged_files),
        CASE(test_restart),
        CASE(test_hidden_files_left_alone),
        CASE(test_order_deleted_and_back),
        CASE(test_mixed_file_and_null_lines),
        CASE(test_csv_output),
        CASE(test_bad_requests),
        CASE(test_views_read_aggregates_only),
        CASE(test_reader_statements_kept),
        CASE(test_concurrent_readers),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
