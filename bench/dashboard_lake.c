/* dashboard-lake: the fixture lake bench/dashboard.sh loads — files in
 * bridge sink's exact layout and metadata (common/storage's local store,
 * bridge/sink/lake_position's fields), holding JSON lines of Debezium
 * envelopes with the text bridge cdc writes — so that the dashboard can be
 * measured without MySQL or Kafka.
 *
 *   dashboard-lake write DIR LINES [FLUSH]
 *   dashboard-lake drop DIR N
 *
 * write: a fresh lake folder DIR (it must not exist) for dc01, topics
 * dc01_<table>, partition 0, FLUSH (10000, sink.flush.size's default)
 * records per file, each file created as the sink creates it (temporary
 * file, fsync, metadata side record, link into place). What it holds,
 * drawn from a fixed seed (the same lake on every run):
 * - the reference data as a snapshot (op r): 30 products (the seed's prices
 *   and costs, 2 of them costing more than they sell for), 30 suppliers,
 *   1000 customers in 20 cities;
 * - sales orders (op c), one every 100 ms of order time from
 *   2026-12-01T00:00:00Z, each with 1 to 5 lines of 1 to 10 units at the
 *   product's price, until LINES lines are live;
 * - every 200th order cancelled right after the next one (its lines and
 *   the order deleted, op d), every 1000th a customer moving city (op u),
 *   every 250th a purchase order of 1 to 3 lines with an out-of-stock event.
 * Prints one line: "lake: R records in F files; L lines, O orders, U units,
 * revenue C cents (dc01)" — the figures the dashboard must show.
 *
 * drop: one more file in DIR, as the sink commits one: partition 1 of
 * dc01_sales_order_details, first offset N - 1, one line (id 1000000000 +
 * N, order 1, product 1, 1 unit at its price); prints "drop: N committed at
 * EPOCH_S.US" (the wall clock once the file is in place). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "rng.h"
#include "sink/lake_position.h"
#include "storage.h"

#define DC "dc01"
#define PRODUCTS 30
#define SUPPLIERS 30
#define CUSTOMERS 1000
#define START_MS 1796083200000LL /* 2026-12-01T00:00:00Z */
#define ORDER_EVERY_MS 100
#define DROP_ID_BASE 1000000000LL

/* The seed's prices and costs (sql/seed.sql), in cents. */
static const int price_cents[PRODUCTS] = {268, 823, 999, 315, 674, 749, 205, 708, 962, 340, 877, 239, 985, 129, 599,
                                          275, 249, 115, 460, 185, 220, 645, 160, 110, 900, 395, 914, 305, 95,  135};
static const int cost_cents[PRODUCTS] = {682, 752, 616, 142, 410, 395, 88,  64, 804, 121, 593, 157, 736, 47, 322,
                                         130, 105, 62,  274, 96,  112, 488, 71, 39,  551, 208, 833, 184, 41, 58};
static const char *const cities[] = {"Leeds",   "York",      "Hull",      "Bristol", "Bath",      "Norwich", "Exeter",
                                     "Chester", "Durham",    "Lincoln",   "Oxford",  "Cambridge", "Derby",   "Truro",
                                     "Ely",     "Salisbury", "Worcester", "Wells",   "Ripon",     "Carlisle"};
#define CITIES (int)(sizeof cities / sizeof cities[0])

struct topic {
    const char *table;
    int partition;
    char *data;
    size_t len, cap;
    long long first, next; /* offsets: of the open file's first record, of the next record */
};

struct lake {
    struct storage *store;
    long long flush;
    long long records, files;
    int failed;
};

static void die_oom(void) {
    fprintf(stderr, "dashboard-lake: out of memory\n");
    exit(1);
}

/* The open file of t, committed as the sink commits one. */
static void put_file(struct lake *k, struct topic *t) {
    if (t->next == t->first || k->failed)
        return;
    char topic[128], name[512], err[512];
    snprintf(topic, sizeof topic, DC "_%s", t->table);
    struct lake_file_facts facts = {.partition = t->partition,
                                    .first_offset = t->first,
                                    .last_offset = t->next - 1,
                                    .records = t->next - t->first,
                                    .flush_start = t->first,
                                    .flush_end = t->next,
                                    .flush_files = 1};
    snprintf(facts.topic, sizeof facts.topic, "%s", topic);
    struct lake_file_meta meta;
    lake_file_meta_build(&facts, &meta);
    snprintf(name, sizeof name, "topics/%s/partition=%d/%s+%d+%010lld.json", topic, t->partition, topic, t->partition,
             t->first);
    if (storage_put(k->store, name, t->data, t->len, "application/x-ndjson", &meta.meta, STORAGE_PUT_IF_ABSENT, err,
                    sizeof err) != STORAGE_OK) {
        fprintf(stderr, "dashboard-lake: %s\n", err);
        k->failed = 1;
        return;
    }
    k->files++;
    t->len = 0;
    t->first = t->next;
}

/* One envelope as bridge cdc writes it (event_json.c's text). */
static void event(struct lake *k, struct topic *t, char op, const char *before, const char *after, long long ts_ms) {
    char line[2048];
    int n = snprintf(line, sizeof line,
                     "{\"before\":%s,\"after\":%s,\"source\":{\"version\":\"bridgelab-0.1\",\"connector\":\"mysql\","
                     "\"name\":\"" DC "\",\"ts_ms\":%lld,\"snapshot\":\"%s\",\"db\":\"orders\",\"sequence\":null,"
                     "\"table\":\"%s\",\"server_id\":223344,\"gtid\":null,\"file\":\"mysql-bin.000003\",\"pos\":%lld,"
                     "\"row\":0,\"thread\":null,\"query\":null},\"op\":\"%c\",\"ts_ms\":%lld,\"transaction\":null}\n",
                     before ? before : "null", after ? after : "null", ts_ms / 1000 * 1000,
                     op == 'r' ? "true" : "false", t->table, 154 + k->records * 310, op, ts_ms + 120);
    if (t->len + (size_t)n > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1 << 20;
        while (cap < t->len + (size_t)n)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        if (!grown)
            die_oom();
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, line, (size_t)n);
    t->len += (size_t)n;
    t->next++;
    k->records++;
    if (t->next - t->first >= k->flush)
        put_file(k, t);
}

static void money(char *out, size_t cap, long long cents) {
    snprintf(out, cap, "%lld.%02lld", cents / 100, cents % 100);
}

/* "2026-12-01T00:00:00.1Z": bridge cdc's DATETIME text (UTC, fraction
 * without trailing zeros). */
static void datetime(char *out, size_t cap, long long ms) {
    long long s = ms / 1000, days = s / 86400, rest = s % 86400;
    /* days since 1970-01-01 to a civil date (Howard Hinnant's) */
    long long z = days + 719468, era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    long long y = (long long)yoe + era * 400 + (m <= 2);
    int n =
        snprintf(out, cap, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", y, m, d, rest / 3600, rest / 60 % 60, rest % 60);
    long long frac = ms % 1000;
    if (frac) {
        int width = 3;
        while (frac % 10 == 0) {
            frac /= 10;
            width--;
        }
        n += snprintf(out + n, cap - (size_t)n, ".%0*lld", width, frac);
    }
    snprintf(out + n, cap - (size_t)n, "Z");
}

enum { T_PRODUCTS, T_SUPPLIERS, T_CUSTOMERS, T_ORDERS, T_LINES, T_POS, T_PO_LINES, T_EVENTS, TOPICS };

struct line {
    long long id, order;
    int product, quantity;
};

static void line_image(char *out, size_t cap, const struct line *l) {
    char price[32];
    money(price, sizeof price, price_cents[l->product - 1]);
    snprintf(out, cap, "{\"id\":%lld,\"sales_order_id\":%lld,\"product_id\":%d,\"quantity\":%d,\"price\":\"%s\"}",
             l->id, l->order, l->product, l->quantity, price);
}

static void customer_image(char *out, size_t cap, int id, int city) {
    snprintf(out, cap,
             "{\"id\":%d,\"first_name\":\"Cust%d\",\"last_name\":\"Omer\",\"email\":\"c%d@example.com\","
             "\"city\":\"%s\",\"country\":\"United Kingdom\"}",
             id, id, id, cities[city]);
}

static struct storage *open_lake(const char *dir, int create) {
    char url[4200], err[512];
    struct storage *s;
    if (dir[0] != '/') {
        fprintf(stderr, "dashboard-lake: %s: give an absolute path\n", dir);
        return NULL;
    }
    snprintf(url, sizeof url, "file://%s", dir);
    struct storage_options opt = {.url = url, .create_container = create};
    if (storage_open(&opt, &s, err, sizeof err) != STORAGE_OK) {
        fprintf(stderr, "dashboard-lake: %s\n", err);
        return NULL;
    }
    return s;
}

static int write_lake(const char *dir, long long lines_wanted, long long flush) {
    struct stat st;
    if (stat(dir, &st) == 0) {
        fprintf(stderr, "dashboard-lake: %s exists: give a new folder\n", dir);
        return 1;
    }
    struct lake k = {.store = open_lake(dir, 1), .flush = flush};
    if (!k.store)
        return 1;
    struct topic t[TOPICS] = {
        [T_PRODUCTS] = {.table = "products"},
        [T_SUPPLIERS] = {.table = "suppliers"},
        [T_CUSTOMERS] = {.table = "customers"},
        [T_ORDERS] = {.table = "sales_orders"},
        [T_LINES] = {.table = "sales_order_details"},
        [T_POS] = {.table = "purchase_orders"},
        [T_PO_LINES] = {.table = "purchase_order_details"},
        [T_EVENTS] = {.table = "out_of_stock_events"},
    };
    struct rng r;
    rng_seed(&r, 20261201, 0);
    char a[1024], b[1024], when[40];
    for (int p = 1; p <= PRODUCTS; p++) {
        char price[32], cost[32];
        money(price, sizeof price, price_cents[p - 1]);
        money(cost, sizeof cost, cost_cents[p - 1]);
        snprintf(a, sizeof a,
                 "{\"id\":%d,\"name\":\"Product %d\",\"description\":\"A grocery staple stocked by every store.\","
                 "\"price\":\"%s\",\"cost\":\"%s\"}",
                 p, p, price, cost);
        event(&k, &t[T_PRODUCTS], 'r', NULL, a, START_MS);
    }
    for (int s = 1; s <= SUPPLIERS; s++) {
        snprintf(a, sizeof a,
                 "{\"id\":%d,\"name\":\"Supplier %d\",\"email\":\"s%d@example.com\",\"city\":\"%s\",\"country\":"
                 "\"United Kingdom\"}",
                 s, s, s, cities[s % CITIES]);
        event(&k, &t[T_SUPPLIERS], 'r', NULL, a, START_MS);
    }
    int city_of[CUSTOMERS + 1];
    for (int c = 1; c <= CUSTOMERS; c++) {
        city_of[c] = rng_int(&r, 0, CITIES - 1);
        customer_image(a, sizeof a, c, city_of[c]);
        event(&k, &t[T_CUSTOMERS], 'r', NULL, a, START_MS);
    }
    long long live_lines = 0, orders = 0, units = 0, revenue = 0, next_line = 1, next_po = 1, next_po_line = 1;
    long long order_id = 0, cancel = 0; /* the order to cancel after the next one, 0: none */
    struct line cancel_lines[5];
    int cancel_count = 0;
    long long cancel_ms = 0;
    int cancel_customer = 0;
    while (live_lines < lines_wanted && !k.failed) {
        long long ms = START_MS + order_id * ORDER_EVERY_MS;
        order_id++;
        int customer = rng_int(&r, 1, CUSTOMERS);
        int count = rng_int(&r, 1, 5);
        if (count > lines_wanted - live_lines)
            count = (int)(lines_wanted - live_lines);
        datetime(when, sizeof when, ms);
        snprintf(a, sizeof a, "{\"id\":%lld,\"order_date\":\"%s\",\"customer_id\":%d}", order_id, when, customer);
        event(&k, &t[T_ORDERS], 'c', NULL, a, ms);
        struct line made[5];
        for (int i = 0; i < count; i++) {
            made[i] = (struct line){next_line++, order_id, rng_int(&r, 1, PRODUCTS), rng_int(&r, 1, 10)};
            line_image(a, sizeof a, &made[i]);
            event(&k, &t[T_LINES], 'c', NULL, a, ms);
            live_lines++;
            units += made[i].quantity;
            revenue += (long long)made[i].quantity * price_cents[made[i].product - 1];
        }
        orders++;
        if (cancel) {
            for (int i = 0; i < cancel_count; i++) {
                line_image(b, sizeof b, &cancel_lines[i]);
                event(&k, &t[T_LINES], 'd', b, NULL, ms + 50);
                live_lines--;
                units -= cancel_lines[i].quantity;
                revenue -= (long long)cancel_lines[i].quantity * price_cents[cancel_lines[i].product - 1];
            }
            datetime(when, sizeof when, cancel_ms);
            snprintf(b, sizeof b, "{\"id\":%lld,\"order_date\":\"%s\",\"customer_id\":%d}", cancel, when,
                     cancel_customer);
            event(&k, &t[T_ORDERS], 'd', b, NULL, ms + 50);
            orders--;
            cancel = 0;
        }
        if (order_id % 200 == 0 && live_lines < lines_wanted) {
            cancel = order_id;
            cancel_count = count;
            memcpy(cancel_lines, made, sizeof made);
            cancel_ms = ms;
            cancel_customer = customer;
        }
        if (order_id % 1000 == 0) {
            int c = rng_int(&r, 1, CUSTOMERS), moved = (city_of[c] + rng_int(&r, 1, CITIES - 1)) % CITIES;
            customer_image(b, sizeof b, c, city_of[c]);
            customer_image(a, sizeof a, c, moved);
            city_of[c] = moved;
            event(&k, &t[T_CUSTOMERS], 'u', b, a, ms);
        }
        if (order_id % 250 == 0) {
            long long po = next_po++;
            datetime(when, sizeof when, ms);
            snprintf(a, sizeof a, "{\"id\":%lld,\"order_date\":\"%s\",\"supplier_id\":%d}", po, when,
                     rng_int(&r, 1, SUPPLIERS));
            event(&k, &t[T_POS], 'c', NULL, a, ms);
            int n = rng_int(&r, 1, 3), product = 0;
            for (int i = 0; i < n; i++) {
                char cost[32];
                product = rng_int(&r, 1, PRODUCTS);
                money(cost, sizeof cost, cost_cents[product - 1]);
                snprintf(a, sizeof a,
                         "{\"id\":%lld,\"purchase_order_id\":%lld,\"product_id\":%d,\"quantity\":%d,\"cost\":\"%s\"}",
                         next_po_line++, po, product, 1000, cost);
                event(&k, &t[T_PO_LINES], 'c', NULL, a, ms);
            }
            char end[40];
            datetime(end, sizeof end, ms + 180000);
            snprintf(a, sizeof a,
                     "{\"product_id\":%d,\"window_start_time\":\"%s\",\"window_end_time\":\"%s\",\"stock_level\":0,"
                     "\"demand_last_3mins\":%d,\"quantity_to_purchase\":1000}",
                     product, when, end, rng_int(&r, 1, 40));
            event(&k, &t[T_EVENTS], 'c', NULL, a, ms);
        }
    }
    for (int i = 0; i < TOPICS; i++) {
        put_file(&k, &t[i]);
        free(t[i].data);
    }
    storage_close(k.store);
    if (k.failed)
        return 1;
    printf("lake: %lld records in %lld files; %lld lines, %lld orders, %lld units, revenue %lld cents (" DC ")\n",
           k.records, k.files, live_lines, orders, units, revenue);
    return 0;
}

static int drop(const char *dir, long long n) {
    struct lake k = {.store = open_lake(dir, 0), .flush = 1};
    if (!k.store)
        return 1;
    struct topic t = {.table = "sales_order_details", .partition = 1, .first = n - 1, .next = n - 1};
    struct line l = {DROP_ID_BASE + n, 1, 1, 1};
    char a[512];
    struct timeval now;
    gettimeofday(&now, NULL);
    line_image(a, sizeof a, &l);
    event(&k, &t, 'c', NULL, a, (long long)now.tv_sec * 1000 + now.tv_usec / 1000); /* puts the file */
    gettimeofday(&now, NULL);
    free(t.data);
    storage_close(k.store);
    if (k.failed)
        return 1;
    printf("drop: %lld committed at %lld.%06ld\n", n, (long long)now.tv_sec, (long)now.tv_usec);
    return 0;
}

static long long number(const char *text, const char *what) {
    char *end;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || v < 1) {
        fprintf(stderr, "dashboard-lake: %s: %s is not a whole number above 0\n", what, text);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc >= 4 && argc <= 5 && strcmp(argv[1], "write") == 0)
        return write_lake(argv[2], number(argv[3], "LINES"), argc == 5 ? number(argv[4], "FLUSH") : 10000);
    if (argc == 4 && strcmp(argv[1], "drop") == 0)
        return drop(argv[2], number(argv[3], "N"));
    fprintf(stderr, "usage: dashboard-lake write DIR LINES [FLUSH]\n"
                    "       dashboard-lake drop DIR N\n");
    return 2;
}
