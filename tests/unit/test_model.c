/* Unit tests of sim/model.c against the workshop's order model, with a test
 * catalog of 30 products, customers and suppliers (sim_fixture.h).
 *
 * Most tests drive the model through a checker that keeps its own ledger of
 * the actions returned so far (stock = purchases - sales + cancellations,
 * demand per second) and checks every purchase order against it: what the
 * database would hold if each action were committed in the order given. */
/* cmocka needs these headers in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "sim_fixture.h"

#define NOW_S (FIXTURE_NOW_MS / 1000)
#define HISTORY_S 1000       /* ledger seconds kept before NOW_S */
#define LEDGER_SECONDS 40000 /* ledger seconds after NOW_S */

static const char *const known_cities[] = {"Manchester", "Leeds",     "Bristol",    "Glasgow",   "Edinburgh",
                                           "Cardiff",    "Liverpool", "Birmingham", "Sheffield", "Nottingham",
                                           "Leicester",  "Newcastle", "Brighton",   "Oxford",    "Cambridge",
                                           "York",       "Bath",      "Norwich",    "Plymouth",  "Belfast"};

static int known_city(const char *city) {
    for (size_t i = 0; i < sizeof known_cities / sizeof known_cities[0]; i++)
        if (strcmp(city, known_cities[i]) == 0)
            return 1;
    return 0;
}

struct committed_order {
    int id;
    int line_count;
    struct order_line lines[MODEL_MAX_ORDER_LINES];
    int cancelled;
};

/* A model with the checker's view of everything it has returned. */
struct run {
    struct catalog catalog;
    struct model_settings settings;
    struct model *model;
    int id_base;
    long long now_ms, step_ms;
    long long calls;
    /* the ledger */
    long long level[FIXTURE_PRODUCTS];
    int *units;                              /* [product][second - (NOW_S - HISTORY_S)] */
    unsigned char pending[FIXTURE_PRODUCTS]; /* sold to <= reorder point, awaiting a purchase */
    int pending_count;
    /* counters and expected ids */
    long long sales, purchases, updates, cancels, nones;
    long long purchase_lines_at_min, purchase_lines_above_min;
    int next_sales_order_id, next_sales_line_id, next_purchase_order_id, next_purchase_line_id;
    int next_customer_id;
    int drawable;                      /* customers 1..drawable are committed (contiguously) */
    unsigned char *customer_committed; /* by id */
    int customer_capacity;
    int auto_commit; /* commit each sales order when returned */
    struct committed_order *committed;
    int committed_count, committed_capacity;
    enum action_kind last_kind;
    long long last_at_ms;
};

static int position_of(const struct run *r, int product_id) {
    int p = product_id - r->id_base - 1;
    assert_in_range(p, 0, FIXTURE_PRODUCTS - 1);
    return p;
}

static int *units_at(struct run *r, int p, long long second) {
    long long offset = second - (NOW_S - HISTORY_S);
    assert_true(offset >= 0 && offset < HISTORY_S + LEDGER_SECONDS);
    return &r->units[(size_t)p * (HISTORY_S + LEDGER_SECONDS) + (size_t)offset];
}

static long long ledger_demand(struct run *r, int p, long long second) {
    long long total = 0;
    for (long long t = second - 179; t <= second; t++)
        if (t >= NOW_S - HISTORY_S)
            total += *units_at(r, p, t);
    return total;
}

static void run_start(struct run *r, int id_base) {
    memset(r, 0, sizeof *r);
    fixture_catalog(&r->catalog, id_base);
    r->settings = fixture_settings(1);
    r->id_base = id_base;
    r->now_ms = FIXTURE_NOW_MS;
    r->step_ms = 250;
    r->units = calloc((size_t)FIXTURE_PRODUCTS * (HISTORY_S + LEDGER_SECONDS), sizeof *r->units);
    assert_non_null(r->units);
    r->next_sales_order_id = FIXTURE_LAST_SALES_ORDER + 1;
    r->next_sales_line_id = FIXTURE_LAST_SALES_LINE + 1;
    r->next_purchase_order_id = FIXTURE_LAST_PURCHASE_ORDER + 1;
    r->next_purchase_line_id = FIXTURE_LAST_PURCHASE_LINE + 1;
    r->next_customer_id = FIXTURE_CUSTOMERS + 1;
    r->drawable = FIXTURE_CUSTOMERS;
    r->customer_capacity = 1 << 20;
    r->customer_committed = calloc((size_t)r->customer_capacity, 1);
    assert_non_null(r->customer_committed);
    r->auto_commit = 1;
    r->last_kind = ACTION_NONE;
}

/* Creates the model from the (possibly edited) catalog. */
static void run_model(struct run *r) {
    for (int p = 0; p < FIXTURE_PRODUCTS; p++)
        r->level[p] = r->catalog.stock_levels[p];
    for (int i = 0; i < r->catalog.recent_demand_count; i++) {
        const struct demand_record *d = &r->catalog.recent_demand[i];
        int p = d->product_id - r->id_base - 1;
        if (p >= 0 && p < FIXTURE_PRODUCTS && d->second >= NOW_S - HISTORY_S)
            *units_at(r, p, d->second) += (int)d->units;
    }
    for (int p = 0; p < FIXTURE_PRODUCTS; p++)
        if (r->level[p] <= r->settings.reorder_point) {
            r->pending[p] = 1;
            r->pending_count++;
        }
    r->model = model_new(&r->settings, &r->catalog);
    assert_non_null(r->model);
}

static void run_finish(struct run *r) {
    model_free(r->model);
    catalog_release(&r->catalog);
    free(r->units);
    free(r->customer_committed);
    free(r->committed);
}

static void ledger_matches_model(const struct run *r) {
    for (int p = 0; p < FIXTURE_PRODUCTS; p++)
        assert_int_equal(model_stock_level(r->model, r->id_base + p + 1), r->level[p]);
}

static void remember_committed(struct run *r, const struct sales_order *so) {
    if (r->committed_count == r->committed_capacity) {
        r->committed_capacity = r->committed_capacity ? 2 * r->committed_capacity : 256;
        r->committed = realloc(r->committed, (size_t)r->committed_capacity * sizeof *r->committed);
        assert_non_null(r->committed);
    }
    struct committed_order *c = &r->committed[r->committed_count++];
    memset(c, 0, sizeof *c);
    c->id = so->id;
    c->line_count = so->line_count;
    memcpy(c->lines, so->lines, sizeof c->lines);
}

/* Tells the model (and the checker) that a sales order is in the database. */
static void run_commit(struct run *r, const struct action *a) {
    model_committed(r->model, a);
    if (a->kind != ACTION_SALES_ORDER)
        return;
    const struct sales_order *so = &a->u.sales;
    if (so->is_new_customer) {
        assert_true(so->customer.id < r->customer_capacity);
        r->customer_committed[so->customer.id] = 1;
        while (r->drawable + 1 < r->customer_capacity && r->customer_committed[r->drawable + 1])
            r->drawable++;
    }
    remember_committed(r, so);
}

static void check_sales_order(struct run *r, const struct action *a) {
    const struct sales_order *so = &a->u.sales;
    assert_int_equal(a->sequence, r->sales);
    assert_int_equal(so->id, r->next_sales_order_id);
    r->next_sales_order_id++;
    assert_in_range(so->line_count, 1, MODEL_MAX_ORDER_LINES);
    if (so->is_new_customer) {
        assert_int_equal(so->customer.id, r->next_customer_id);
        r->next_customer_id++;
        assert_int_equal(so->customer_id, so->customer.id);
    } else {
        /* only committed customers are drawn */
        assert_in_range(so->customer_id, 1, r->drawable);
    }
    long long total = 0;
    long long second = a->at_ms / 1000;
    for (int i = 0; i < so->line_count; i++) {
        const struct order_line *line = &so->lines[i];
        assert_int_equal(line->id, r->next_sales_line_id);
        r->next_sales_line_id++;
        int p = position_of(r, line->product_id);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(so->lines[j].product_id, line->product_id);
        assert_in_range(line->quantity, 1, 10);
        assert_int_equal(line->unit_cents, r->catalog.products[p].price_cents);
        total += line->unit_cents * line->quantity;
        r->level[p] -= line->quantity;
        *units_at(r, p, second) += line->quantity;
        if (r->level[p] <= r->settings.reorder_point && !r->pending[p]) {
            r->pending[p] = 1;
            r->pending_count++;
        }
    }
    assert_int_equal(so->total_cents, total);
    r->sales++;
}

static void check_purchase_order(struct run *r, const struct action *a) {
    const struct purchase_order *po = &a->u.purchase;
    long long now_s = a->at_ms / 1000;
    assert_int_equal(po->id, r->next_purchase_order_id);
    r->next_purchase_order_id++;
    assert_in_range(po->supplier_id, 1, FIXTURE_SUPPLIERS);
    assert_int_equal(po->window_start_s, now_s - 180);
    assert_int_equal(po->window_end_s, now_s);
    /* exactly the products that fell to the reorder point */
    assert_int_equal(po->line_count, r->pending_count);
    for (int i = 0; i < po->line_count; i++) {
        const struct order_line *line = &po->lines[i];
        const struct out_of_stock_event *e = &po->events[i];
        assert_int_equal(line->id, r->next_purchase_line_id);
        r->next_purchase_line_id++;
        int p = position_of(r, line->product_id);
        assert_true(r->pending[p]);
        r->pending[p] = 0;
        r->pending_count--;
        long long demand = ledger_demand(r, p, now_s);
        long long quantity = r->settings.reorder_point - r->level[p] + demand;
        if (quantity < r->settings.min_purchase)
            quantity = r->settings.min_purchase;
        if (quantity == r->settings.min_purchase)
            r->purchase_lines_at_min++;
        else
            r->purchase_lines_above_min++;
        assert_int_equal(e->product_id, line->product_id);
        assert_int_equal(e->stock_level, r->level[p]);
        assert_int_equal(e->demand_last_3mins, demand);
        assert_int_equal(e->quantity_to_purchase, quantity);
        assert_int_equal(line->quantity, quantity);
        assert_int_equal(line->unit_cents, r->catalog.products[p].cost_cents);
        r->level[p] += quantity;
        /* a purchase always lifts stock to the reorder point at least */
        assert_true(r->level[p] >= r->settings.reorder_point);
    }
    assert_int_equal(r->pending_count, 0);
    r->purchases++;
}

static void check_update(struct run *r, const struct action *a) {
    assert_in_range(a->u.update.customer_id, 1, r->drawable);
    assert_true(known_city(a->u.update.city));
    r->updates++;
}

static void check_cancel(struct run *r, const struct action *a) {
    const struct cancellation *c = &a->u.cancel;
    struct committed_order *order = NULL;
    for (int i = 0; i < r->committed_count; i++)
        if (r->committed[i].id == c->order_id)
            order = &r->committed[i];
    assert_non_null(order);         /* only committed orders are cancelled */
    assert_false(order->cancelled); /* and each once */
    order->cancelled = 1;
    assert_int_equal(c->line_count, order->line_count);
    for (int i = 0; i < c->line_count; i++) {
        assert_int_equal(c->lines[i].id, order->lines[i].id);
        assert_int_equal(c->lines[i].product_id, order->lines[i].product_id);
        assert_int_equal(c->lines[i].quantity, order->lines[i].quantity);
        r->level[position_of(r, c->lines[i].product_id)] += c->lines[i].quantity;
    }
    r->cancels++;
}

/* One model_next, checked against the ledger. */
static void run_step(struct run *r, struct action *a) {
    memset(a, 0xa5, sizeof *a);
    long long now = r->now_ms;
    model_next(r->model, now, a);
    r->now_ms += r->step_ms;
    r->calls++;
    /* made now, or queued by an earlier step; never out of order */
    if (a->kind != ACTION_NONE) {
        assert_true(a->at_ms <= now);
        assert_true(a->at_ms >= r->last_at_ms);
        r->last_at_ms = a->at_ms;
        if (a->kind == ACTION_PURCHASE_ORDER)
            assert_int_equal(a->at_ms, now);
    }
    /* a purchase is due: it must come next, before anything else */
    if (r->pending_count > 0)
        assert_int_equal(a->kind, ACTION_PURCHASE_ORDER);
    switch (a->kind) {
    case ACTION_SALES_ORDER:
        check_sales_order(r, a);
        if (r->auto_commit)
            run_commit(r, a);
        break;
    case ACTION_PURCHASE_ORDER:
        check_purchase_order(r, a);
        break;
    case ACTION_CUSTOMER_UPDATE:
        check_update(r, a);
        break;
    case ACTION_CANCEL_ORDER:
        check_cancel(r, a);
        break;
    case ACTION_NONE:
        r->nones++;
        break;
    default:
        fail_msg("unknown action kind %d", (int)a->kind);
    }
    /* After a sales order or a purchase order the model holds exactly what
     * was returned (updates and cancellations may be queued before a sale). */
    if (a->kind == ACTION_SALES_ORDER || a->kind == ACTION_PURCHASE_ORDER)
        ledger_matches_model(r);
    /* below the reorder point only while the purchase is due */
    for (int p = 0; p < FIXTURE_PRODUCTS; p++)
        if (r->level[p] < r->settings.reorder_point)
            assert_true(r->pending[p]);
    r->last_kind = a->kind;
}

/* Steps until `sales` sales orders have been returned. */
static void run_sales(struct run *r, long long sales) {
    struct action a;
    long long target = r->sales + sales;
    while (r->sales < target) {
        run_step(r, &a);
        assert_int_not_equal(a.kind, ACTION_NONE);
    }
}

static struct model_settings busy_settings(uint64_t seed) {
    struct model_settings s = fixture_settings(seed);
    s.new_customer_ratio = 0.05;
    s.customer_update_ratio = 0.05;
    s.cancel_ratio = 0.1;
    s.reorder_point = 10;
    return s;
}

/* ---- determinism ---- */

static void take_actions(const struct model_settings *settings, struct action *out, int n) {
    struct catalog c;
    fixture_catalog(&c, 0);
    struct model *m = model_new(settings, &c);
    assert_non_null(m);
    for (int i = 0; i < n; i++) {
        model_next(m, FIXTURE_NOW_MS + 100LL * i, &out[i]);
        model_committed(m, &out[i]);
    }
    model_free(m);
    catalog_release(&c);
}

static void test_same_seed_same_actions(void **state) {
    (void)state;
    enum { N = 1000 };
    struct action *a = calloc(N, sizeof *a), *b = calloc(N, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    struct model_settings s = busy_settings(42);
    take_actions(&s, a, N);
    take_actions(&s, b, N);
    int kinds[5] = {0};
    for (int i = 0; i < N; i++) {
        assert_int_equal(a[i].kind, b[i].kind);
        assert_memory_equal(&a[i], &b[i], sizeof a[i]);
        kinds[a[i].kind]++;
    }
    /* the comparison covered every kind of action */
    assert_int_equal(kinds[ACTION_NONE], 0);
    assert_true(kinds[ACTION_SALES_ORDER] > 500);
    assert_true(kinds[ACTION_PURCHASE_ORDER] > 0);
    assert_true(kinds[ACTION_CUSTOMER_UPDATE] > 0);
    assert_true(kinds[ACTION_CANCEL_ORDER] > 0);
    free(a);
    free(b);
}

static void test_different_seeds_differ(void **state) {
    (void)state;
    enum { N = 1000 };
    struct action *a = calloc(N, sizeof *a), *b = calloc(N, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    struct model_settings s = fixture_settings(42);
    take_actions(&s, a, N);
    s.seed = 43;
    take_actions(&s, b, N);
    int differing = 0, sales = 0;
    for (int i = 0; i < N; i++) {
        if (a[i].kind != ACTION_SALES_ORDER || b[i].kind != ACTION_SALES_ORDER)
            continue;
        sales++;
        differing += memcmp(&a[i].u.sales, &b[i].u.sales, sizeof a[i].u.sales) != 0;
    }
    assert_true(sales > 500);
    assert_true(differing > sales / 2);
    free(a);
    free(b);
}

/* Purchase orders do not shift the sales orders' draws: the same seed with
 * another reorder point gives the same customers, products and quantities. */
static void test_purchases_do_not_shift_sales(void **state) {
    (void)state;
    enum { N = 1000 };
    struct action *a = calloc(N, sizeof *a), *b = calloc(N, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    struct model_settings s = fixture_settings(5);
    take_actions(&s, a, N);
    s.reorder_point = 60;
    s.min_purchase = 10;
    take_actions(&s, b, N);
    int i = 0, j = 0, compared = 0;
    while (i < N && j < N) {
        if (a[i].kind != ACTION_SALES_ORDER) {
            i++;
            continue;
        }
        if (b[j].kind != ACTION_SALES_ORDER) {
            j++;
            continue;
        }
        assert_int_equal(a[i].u.sales.customer_id, b[j].u.sales.customer_id);
        assert_int_equal(a[i].u.sales.line_count, b[j].u.sales.line_count);
        for (int l = 0; l < a[i].u.sales.line_count; l++) {
            assert_int_equal(a[i].u.sales.lines[l].product_id, b[j].u.sales.lines[l].product_id);
            assert_int_equal(a[i].u.sales.lines[l].quantity, b[j].u.sales.lines[l].quantity);
        }
        compared++;
        i++;
        j++;
    }
    assert_true(compared > 400);
    free(a);
    free(b);
}

/* ---- sales orders ---- */

static void test_sales_order_shape(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(11);
    run_model(&r);
    long long line_counts[MODEL_MAX_ORDER_LINES + 1] = {0};
    long long customers[FIXTURE_CUSTOMERS + 1] = {0};
    long long products[FIXTURE_PRODUCTS + 1] = {0};
    struct action a;
    enum { ORDERS = 10000 };
    while (r.sales < ORDERS) {
        run_step(&r, &a);
        if (a.kind != ACTION_SALES_ORDER)
            continue;
        assert_false(a.u.sales.is_new_customer);
        assert_in_range(a.u.sales.customer_id, 1, FIXTURE_CUSTOMERS);
        customers[a.u.sales.customer_id]++;
        line_counts[a.u.sales.line_count]++;
        for (int l = 0; l < a.u.sales.line_count; l++)
            products[a.u.sales.lines[l].product_id]++;
    }
    /* 1 to 5 lines, each about a fifth of the orders */
    assert_int_equal(line_counts[0], 0);
    for (int n = 1; n <= MODEL_MAX_ORDER_LINES; n++)
        assert_in_range(line_counts[n], ORDERS / 5 - ORDERS / 20, ORDERS / 5 + ORDERS / 20);
    /* customers and products peak near the mode, 15 */
    int peak_customer = 1, peak_product = 1;
    for (int i = 2; i <= FIXTURE_CUSTOMERS; i++) {
        if (customers[i] > customers[peak_customer])
            peak_customer = i;
        if (products[i] > products[peak_product])
            peak_product = i;
    }
    assert_in_range(peak_customer, 13, 17);
    assert_in_range(peak_product, 13, 17);
    assert_true(customers[1] > 0 && customers[FIXTURE_CUSTOMERS] > 0);
    run_finish(&r);
}

static void test_ids_continue_from_catalog(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(3);
    r.settings.reorder_point = 90; /* purchases early */
    run_model(&r);
    struct action a;
    run_step(&r, &a);
    assert_int_equal(a.kind, ACTION_SALES_ORDER);
    assert_int_equal(a.u.sales.id, FIXTURE_LAST_SALES_ORDER + 1);
    assert_int_equal(a.u.sales.lines[0].id, FIXTURE_LAST_SALES_LINE + 1);
    assert_int_equal(a.sequence, 0);
    int seen_purchase = 0;
    while (!seen_purchase) {
        run_step(&r, &a);
        if (a.kind == ACTION_PURCHASE_ORDER) {
            seen_purchase = 1;
            assert_int_equal(a.u.purchase.id, FIXTURE_LAST_PURCHASE_ORDER + 1);
            assert_int_equal(a.u.purchase.lines[0].id, FIXTURE_LAST_PURCHASE_LINE + 1);
        }
        assert_true(r.sales < 1000);
    }
    /* and go on without gaps (the checker follows every id) */
    run_sales(&r, 2000);
    assert_true(r.purchases > 10);
    run_finish(&r);
}

/* ---- customers ---- */

static void test_new_customers_get_next_ids(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(21);
    r.settings.new_customer_ratio = 1;
    r.auto_commit = 0;
    run_model(&r);
    struct action a;
    int expected = FIXTURE_CUSTOMERS + 1;
    while (r.sales < 200) {
        run_step(&r, &a);
        if (a.kind != ACTION_SALES_ORDER)
            continue;
        const struct sales_order *so = &a.u.sales;
        assert_true(so->is_new_customer);
        assert_int_equal(so->customer.id, expected);
        assert_int_equal(so->customer_id, expected);
        expected++;
        assert_true(so->customer.first_name[0] && so->customer.last_name[0]);
        assert_true(known_city(so->customer.city));
        /* first.last<id>@example.co.uk, in lower case */
        char email[128];
        snprintf(email, sizeof email, "%s.%s%d@example.co.uk", so->customer.first_name, so->customer.last_name,
                 so->customer.id);
        for (char *ch = email; *ch; ch++)
            if (*ch >= 'A' && *ch <= 'Z')
                *ch = (char)(*ch - 'A' + 'a');
        assert_string_equal(so->customer.email, email);
    }
    run_finish(&r);
}

static void test_uncommitted_customers_never_drawn(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(22);
    r.settings.new_customer_ratio = 0.5;
    r.settings.customer_update_ratio = 0.2;
    r.auto_commit = 0;
    run_model(&r);
    struct action a;
    long long drawn = 0;
    while (r.sales < 20000) {
        run_step(&r, &a);
        if (a.kind == ACTION_SALES_ORDER && !a.u.sales.is_new_customer) {
            assert_in_range(a.u.sales.customer_id, 1, FIXTURE_CUSTOMERS);
            drawn++;
        }
        if (a.kind == ACTION_CUSTOMER_UPDATE)
            assert_in_range(a.u.update.customer_id, 1, FIXTURE_CUSTOMERS);
    }
    assert_true(drawn > 9000);
    assert_true(r.next_customer_id > FIXTURE_CUSTOMERS + 9000);
    run_finish(&r);
}

/* Steps sales orders, returning the largest existing customer drawn. */
static int max_drawn_customer(struct run *r, long long sales, struct action *first_new, int want_new) {
    struct action a;
    int max = 0, got_new = 0;
    long long target = r->sales + sales;
    while (r->sales < target || got_new < want_new) {
        run_step(r, &a);
        if (a.kind != ACTION_SALES_ORDER)
            continue;
        if (a.u.sales.is_new_customer) {
            if (got_new < want_new)
                first_new[got_new++] = a;
        } else if (a.u.sales.customer_id > max) {
            max = a.u.sales.customer_id;
        }
    }
    return max;
}

static void test_committed_customers_become_drawable_in_order(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(23);
    r.settings.new_customer_ratio = 0.5;
    r.settings.customer_update_ratio = 0.5;
    r.auto_commit = 0;
    run_model(&r);
    struct action orders[2];
    max_drawn_customer(&r, 0, orders, 2);
    assert_int_equal(orders[0].u.sales.customer.id, 31);
    assert_int_equal(orders[1].u.sales.customer.id, 32);
    /* 32 committed before 31: not drawable yet */
    run_commit(&r, &orders[1]);
    assert_int_equal(r.drawable, 30);
    assert_true(max_drawn_customer(&r, 20000, NULL, 0) <= FIXTURE_CUSTOMERS);
    /* committing 31 makes both 31 and 32 drawable */
    run_commit(&r, &orders[0]);
    assert_int_equal(r.drawable, 32);
    int max = max_drawn_customer(&r, 20000, NULL, 0);
    assert_in_range(max, 31, 32);
    run_finish(&r);
}

static void test_customer_updates_within_drawable(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(24);
    r.settings.new_customer_ratio = 0.3;
    r.settings.customer_update_ratio = 1;
    run_model(&r);
    struct action a;
    int max_updated = 0;
    while (r.sales < 3000) {
        run_step(&r, &a);
        if (a.kind == ACTION_CUSTOMER_UPDATE) {
            /* the checker asserted 1..drawable */
            if (a.u.update.customer_id > max_updated)
                max_updated = a.u.update.customer_id;
        }
    }
    /* one update per order */
    assert_true(r.updates >= 2999 && r.updates <= 3000);
    /* new customers, once committed, are updated too */
    assert_true(max_updated > FIXTURE_CUSTOMERS + 500);
    run_finish(&r);
}

/* ---- stock and purchase orders ---- */

static void test_purchase_when_stock_reaches_reorder_point(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(31);
    r.settings.reorder_point = 20;
    r.settings.min_purchase = 50;
    run_model(&r);
    struct action a;
    /* sell until some product falls to the reorder point */
    while (r.pending_count == 0) {
        run_step(&r, &a);
        assert_int_equal(a.kind, ACTION_SALES_ORDER);
        assert_true(r.sales < 1000);
    }
    long long before[FIXTURE_PRODUCTS];
    memcpy(before, r.level, sizeof before);
    unsigned char due[FIXTURE_PRODUCTS];
    memcpy(due, r.pending, sizeof due);
    long long now_s = r.now_ms / 1000;
    run_step(&r, &a); /* checked in detail by the checker; the essentials again: */
    assert_int_equal(a.kind, ACTION_PURCHASE_ORDER);
    assert_int_equal(a.u.purchase.window_start_s, now_s - 180);
    assert_int_equal(a.u.purchase.window_end_s, now_s);
    for (int i = 0; i < a.u.purchase.line_count; i++) {
        int id = a.u.purchase.lines[i].product_id;
        int p = id - 1;
        assert_true(due[p]);
        long long demand = model_demand(r.model, id, now_s);
        long long quantity = 20 - before[p] + demand;
        if (quantity < 50)
            quantity = 50;
        assert_int_equal(a.u.purchase.lines[i].quantity, quantity);
        assert_int_equal(a.u.purchase.events[i].stock_level, before[p]);
        assert_true(before[p] <= 20);
        assert_int_equal(a.u.purchase.events[i].demand_last_3mins, demand);
        assert_int_equal(model_stock_level(r.model, id), before[p] + quantity);
    }
    /* the next action is a sales order again */
    run_step(&r, &a);
    assert_int_equal(a.kind, ACTION_SALES_ORDER);
    run_finish(&r);
}

/* 20 000 orders with everything on: each purchase order matches the ledger
 * of what was returned before it, and stock is never left below the reorder
 * point past the next action. */
static void test_stock_invariants_over_20000_orders(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = busy_settings(20000);
    run_model(&r);
    run_sales(&r, 20000);
    assert_true(r.purchases > 100);
    assert_true(r.updates > 500);
    assert_true(r.cancels > 1000);
    /* both sizes of purchase: the batch minimum and reorder point + demand */
    assert_true(r.purchase_lines_at_min > 0);
    assert_true(r.purchase_lines_above_min > 0);
    run_finish(&r);
}

/* The same with a high reorder point and fast orders, so that purchases are
 * large and driven by demand. */
static void test_stock_invariants_high_reorder_point(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = busy_settings(77);
    r.settings.reorder_point = 80;
    r.settings.min_purchase = 5;
    r.step_ms = 40;
    run_model(&r);
    run_sales(&r, 20000);
    assert_true(r.purchases > 100);
    assert_true(r.purchase_lines_above_min > r.purchase_lines_at_min);
    run_finish(&r);
}

static void test_startup_purchase_order(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 100); /* product ids 101..130 */
    r.settings = fixture_settings(41);
    struct catalog *c = &r.catalog;
    c->stock_levels[6] = 0;   /* product 107: at the reorder point */
    c->stock_levels[11] = -5; /* product 112: below it */
    c->stock_levels[20] = 1;  /* product 121: above it */
    c->recent_demand = calloc(5, sizeof *c->recent_demand);
    assert_non_null(c->recent_demand);
    c->recent_demand[0] = (struct demand_record){112, 80, NOW_S - 10};
    c->recent_demand[1] = (struct demand_record){107, 30, NOW_S - 180}; /* just outside the window */
    c->recent_demand[2] = (struct demand_record){105, 12, NOW_S - 5};
    c->recent_demand[3] = (struct demand_record){999, 40, NOW_S - 5}; /* no such product */
    c->recent_demand[4] = (struct demand_record){112, 3, NOW_S - 179};
    c->recent_demand_count = 5;
    run_model(&r);
    assert_int_equal(model_demand(r.model, 105, NOW_S), 12);
    assert_int_equal(model_demand(r.model, 112, NOW_S), 83);
    assert_int_equal(model_demand(r.model, 107, NOW_S), 0);
    assert_int_equal(model_demand(r.model, 107, NOW_S - 1), 30);
    assert_int_equal(model_stock_level(r.model, 112), -5);
    struct action a;
    run_step(&r, &a);
    assert_int_equal(a.kind, ACTION_PURCHASE_ORDER);
    const struct purchase_order *po = &a.u.purchase;
    assert_int_equal(po->id, FIXTURE_LAST_PURCHASE_ORDER + 1);
    assert_int_equal(po->line_count, 2);
    assert_int_equal(po->lines[0].id, FIXTURE_LAST_PURCHASE_LINE + 1);
    assert_int_equal(po->lines[0].product_id, 107);
    assert_int_equal(po->lines[0].quantity, 50);
    assert_int_equal(po->lines[0].unit_cents, 600 + 83 * 6);
    assert_int_equal(po->events[0].product_id, 107);
    assert_int_equal(po->events[0].stock_level, 0);
    assert_int_equal(po->events[0].demand_last_3mins, 0);
    assert_int_equal(po->events[0].quantity_to_purchase, 50);
    assert_int_equal(po->lines[1].id, FIXTURE_LAST_PURCHASE_LINE + 2);
    assert_int_equal(po->lines[1].product_id, 112);
    assert_int_equal(po->lines[1].quantity, 88); /* 0 - (-5) + 83 */
    assert_int_equal(po->events[1].stock_level, -5);
    assert_int_equal(po->events[1].demand_last_3mins, 83);
    assert_int_equal(po->events[1].quantity_to_purchase, 88);
    assert_int_equal(po->window_start_s, NOW_S - 180);
    assert_int_equal(po->window_end_s, NOW_S);
    assert_int_equal(a.at_ms, FIXTURE_NOW_MS);
    assert_int_equal(model_stock_level(r.model, 107), 50);
    assert_int_equal(model_stock_level(r.model, 112), 83);
    assert_int_equal(model_stock_level(r.model, 121), 1);
    /* then sales, with product ids from the catalog */
    run_step(&r, &a);
    assert_int_equal(a.kind, ACTION_SALES_ORDER);
    assert_int_equal(a.u.sales.id, FIXTURE_LAST_SALES_ORDER + 1);
    run_sales(&r, 500);
    run_finish(&r);
}

static void test_no_startup_purchase_when_stocked(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(42);
    run_model(&r);
    struct action a;
    run_step(&r, &a);
    assert_int_equal(a.kind, ACTION_SALES_ORDER);
    run_finish(&r);
}

/* ---- the end of a run ---- */

static void test_orders_limit(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(51);
    r.settings.orders = 100;
    r.settings.customer_update_ratio = 0.3;
    r.settings.cancel_ratio = 0.3;
    run_model(&r);
    struct action a;
    do {
        run_step(&r, &a);
        assert_true(r.calls < 1000);
    } while (a.kind != ACTION_NONE);
    assert_int_equal(r.sales, 100);
    for (int i = 0; i < 5; i++) {
        run_step(&r, &a);
        assert_int_equal(a.kind, ACTION_NONE);
    }
    assert_int_equal(r.sales, 100);
    run_finish(&r);
}

/* With a reorder point above every level, every sale raises a purchase:
 * the last one still comes before the end. */
static void test_orders_limit_after_pending_purchase(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(52);
    r.settings.orders = 50;
    r.settings.reorder_point = 1000;
    r.settings.min_purchase = 1;
    /* 200 s apart: no demand in the window when a purchase is made, so each
     * purchase brings stock to exactly the reorder point */
    r.step_ms = 200000;
    run_model(&r);
    struct action a;
    run_step(&r, &a);
    assert_int_equal(a.kind, ACTION_PURCHASE_ORDER); /* every product, at start */
    assert_int_equal(a.u.purchase.line_count, FIXTURE_PRODUCTS);
    for (int i = 0; i < 50; i++) {
        run_step(&r, &a);
        assert_int_equal(a.kind, ACTION_SALES_ORDER);
        run_step(&r, &a);
        assert_int_equal(a.kind, ACTION_PURCHASE_ORDER);
    }
    for (int i = 0; i < 5; i++) {
        run_step(&r, &a);
        assert_int_equal(a.kind, ACTION_NONE);
    }
    for (int p = 0; p < FIXTURE_PRODUCTS; p++)
        assert_int_equal(r.level[p], 1000);
    assert_int_equal(r.sales, 50);
    assert_int_equal(r.purchases, 51);
    run_finish(&r);
}

static void test_orders_zero_means_no_end(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(53);
    run_model(&r);
    run_sales(&r, 5000); /* run_sales fails on ACTION_NONE */
    run_finish(&r);
}

/* ---- cancellations ---- */

static void test_cancellations_only_of_committed_orders(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(61);
    r.settings.cancel_ratio = 1;
    r.auto_commit = 0;
    run_model(&r);
    struct action a;
    /* nothing committed: no cancellations */
    while (r.sales < 200) {
        run_step(&r, &a);
        assert_int_not_equal(a.kind, ACTION_CANCEL_ORDER);
    }
    /* commit every other sales order, three actions late */
    struct action late[3];
    int late_count = 0;
    while (r.sales < 5000) {
        run_step(&r, &a);
        if (a.kind == ACTION_CANCEL_ORDER) {
            /* the stock came back: the ledger (which added it) matches the model
             * after the sales order queued with it */
            continue;
        }
        if (a.kind != ACTION_SALES_ORDER || a.u.sales.id % 2)
            continue;
        if (late_count == 3) {
            run_commit(&r, &late[0]);
            memmove(&late[0], &late[1], 2 * sizeof late[0]);
            late_count--;
        }
        late[late_count++] = a;
    }
    assert_true(r.cancels > 2000);
    /* each cancelled order was committed (the checker looked it up) and even */
    int cancelled = 0;
    for (int i = 0; i < r.committed_count; i++)
        if (r.committed[i].cancelled) {
            assert_int_equal(r.committed[i].id % 2, 0);
            cancelled++;
        }
    assert_int_equal(cancelled, r.cancels);
    run_finish(&r);
}

static void test_cancellation_returns_stock(void **state) {
    (void)state;
    struct catalog c;
    fixture_catalog(&c, 0);
    struct model_settings s = fixture_settings(62);
    s.cancel_ratio = 1;
    struct model *m = model_new(&s, &c);
    assert_non_null(m);
    struct action order, next;
    model_next(m, FIXTURE_NOW_MS, &order);
    assert_int_equal(order.kind, ACTION_SALES_ORDER);
    long long after_sale[FIXTURE_PRODUCTS + 1];
    for (int id = 1; id <= FIXTURE_PRODUCTS; id++)
        after_sale[id] = model_stock_level(m, id);
    model_committed(m, &order);
    model_next(m, FIXTURE_NOW_MS + 1000, &next);
    assert_int_equal(next.kind, ACTION_CANCEL_ORDER);
    assert_int_equal(next.u.cancel.order_id, order.u.sales.id);
    assert_int_equal(next.u.cancel.line_count, order.u.sales.line_count);
    /* cancelled stock is back; the second sale is queued behind it */
    struct action second;
    model_next(m, FIXTURE_NOW_MS + 1000, &second);
    assert_int_equal(second.kind, ACTION_SALES_ORDER);
    for (int id = 1; id <= FIXTURE_PRODUCTS; id++) {
        long long expected = after_sale[id];
        for (int l = 0; l < order.u.sales.line_count; l++)
            if (order.u.sales.lines[l].product_id == id)
                expected += order.u.sales.lines[l].quantity;
        for (int l = 0; l < second.u.sales.line_count; l++)
            if (second.u.sales.lines[l].product_id == id)
                expected -= second.u.sales.lines[l].quantity;
        assert_int_equal(model_stock_level(m, id), expected);
    }
    /* the cancelled order is not offered again */
    for (int i = 0; i < 100; i++) {
        struct action x;
        model_next(m, FIXTURE_NOW_MS + 2000 + i, &x);
        assert_int_not_equal(x.kind, ACTION_CANCEL_ORDER);
    }
    model_free(m);
    catalog_release(&c);
}

static void test_committed_ignores_other_actions(void **state) {
    (void)state;
    struct run r;
    run_start(&r, 0);
    r.settings = fixture_settings(63);
    r.settings.cancel_ratio = 1;
    r.settings.customer_update_ratio = 1;
    r.settings.reorder_point = 95;
    r.auto_commit = 0;
    run_model(&r);
    struct action a;
    while (r.sales < 300) {
        run_step(&r, &a);
        if (a.kind != ACTION_SALES_ORDER)
            model_committed(r.model, &a); /* purchases, updates: nothing to do */
        assert_int_not_equal(a.kind, ACTION_CANCEL_ORDER);
    }
    struct action none = {.kind = ACTION_NONE};
    model_committed(r.model, &none);
    assert_int_equal(r.cancels, 0);
    run_finish(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_actions),
        cmocka_unit_test(test_different_seeds_differ),
        cmocka_unit_test(test_purchases_do_not_shift_sales),
        cmocka_unit_test(test_sales_order_shape),
        cmocka_unit_test(test_ids_continue_from_catalog),
        cmocka_unit_test(test_new_customers_get_next_ids),
        cmocka_unit_test(test_uncommitted_customers_never_drawn),
        cmocka_unit_test(test_committed_customers_become_drawable_in_order),
        cmocka_unit_test(test_customer_updates_within_drawable),
        cmocka_unit_test(test_purchase_when_stock_reaches_reorder_point),
        cmocka_unit_test(test_stock_invariants_over_20000_orders),
        cmocka_unit_test(test_stock_invariants_high_reorder_point),
        cmocka_unit_test(test_startup_purchase_order),
        cmocka_unit_test(test_no_startup_purchase_when_stocked),
        cmocka_unit_test(test_orders_limit),
        cmocka_unit_test(test_orders_limit_after_pending_purchase),
        cmocka_unit_test(test_orders_zero_means_no_end),
        cmocka_unit_test(test_cancellations_only_of_committed_orders),
        cmocka_unit_test(test_cancellation_returns_stock),
        cmocka_unit_test(test_committed_ignores_other_actions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
