/* Unit tests of sim/sql.c: the exact statements of each action's transaction. */
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
#include "sql.h"

/* 1700000000 is 2023-11-14 22:13:20 UTC. */
#define AT_MS 1700000000123LL
#define AT_TEXT "2023-11-14 22:13:20"

static int setup(void **state) {
    struct sql_batch *b = malloc(sizeof *b);
    if (!b)
        return -1;
    memset(b, 0x5a, sizeof *b); /* no leftovers may show */
    *state = b;
    return 0;
}

static int teardown(void **state) {
    free(*state);
    return 0;
}

static struct action sales_action(void) {
    struct action a;
    memset(&a, 0, sizeof a);
    a.kind = ACTION_SALES_ORDER;
    a.at_ms = AT_MS;
    struct sales_order *so = &a.u.sales;
    so->id = 501;
    so->customer_id = 7;
    so->line_count = 2;
    so->lines[0] = (struct order_line){1501, 3, 2, 1234};
    so->lines[1] = (struct order_line){1502, 15, 1, 5};
    so->total_cents = 2 * 1234 + 5;
    return a;
}

static void test_sales_order(void **state) {
    struct sql_batch *b = *state;
    struct action a = sales_action();
    sql_for_action(&a, "dc01", b);
    assert_int_equal(b->count, 2);
    assert_string_equal(b->text[0],
                        "INSERT INTO sales_orders (id,order_date,customer_id) VALUES (501,'" AT_TEXT "',7)");
    assert_string_equal(b->text[1], "INSERT INTO sales_order_details (id,sales_order_id,product_id,quantity,price) "
                                    "VALUES (1501,501,3,2,12.34),(1502,501,15,1,0.05)");
}

static void test_sales_order_with_new_customer(void **state) {
    struct sql_batch *b = *state;
    struct action a = sales_action();
    struct sales_order *so = &a.u.sales;
    so->is_new_customer = 1;
    so->customer_id = 31;
    so->customer.id = 31;
    strcpy(so->customer.first_name, "Olivia");
    strcpy(so->customer.last_name, "Ainsworth");
    strcpy(so->customer.email, "olivia.ainsworth31@example.co.uk");
    strcpy(so->customer.city, "Leeds");
    so->line_count = 1;
    sql_for_action(&a, "dc01", b);
    assert_int_equal(b->count, 3);
    /* the customer first, so that the order can name it */
    assert_string_equal(b->text[0], "INSERT INTO customers (id,first_name,last_name,email,city,country) VALUES "
                                    "(31,'Olivia','Ainsworth','olivia.ainsworth31@example.co.uk','Leeds','United "
                                    "Kingdom')");
    assert_string_equal(b->text[1],
                        "INSERT INTO sales_orders (id,order_date,customer_id) VALUES (501,'" AT_TEXT "',31)");
    assert_string_equal(b->text[2], "INSERT INTO sales_order_details (id,sales_order_id,product_id,quantity,price) "
                                    "VALUES (1501,501,3,2,12.34)");
}

static void test_purchase_order(void **state) {
    struct sql_batch *b = *state;
    struct action a;
    memset(&a, 0, sizeof a);
    a.kind = ACTION_PURCHASE_ORDER;
    a.at_ms = AT_MS;
    struct purchase_order *po = &a.u.purchase;
    po->id = 71;
    po->supplier_id = 15;
    po->line_count = 2;
    po->lines[0] = (struct order_line){211, 71, 50, 600};
    po->lines[1] = (struct order_line){212, 15, 850, 1762};
    po->events[0] = (struct out_of_stock_event){71, 0, 0, 50};
    po->events[1] = (struct out_of_stock_event){15, -3, 847, 850};
    po->window_start_s = 1700000000 - 180;
    po->window_end_s = 1700000000;
    sql_for_action(&a, "dc07", b);
    assert_int_equal(b->count, 3);
    assert_string_equal(b->text[0],
                        "INSERT INTO purchase_orders (id,order_date,supplier_id) VALUES (71,'" AT_TEXT "',15)");
    assert_string_equal(b->text[1],
                        "INSERT INTO purchase_order_details (id,purchase_order_id,product_id,quantity,cost) "
                        "VALUES (211,71,71,50,6.00),(212,71,15,850,17.62)");
    assert_string_equal(
        b->text[2], "INSERT INTO dc07_out_of_stock_events (product_id,window_start_time,window_end_time,stock_level,"
                    "demand_last_3mins,quantity_to_purchase) VALUES "
                    "(71,'2023-11-14 22:10:20','2023-11-14 22:13:20',0,0,50),"
                    "(15,'2023-11-14 22:10:20','2023-11-14 22:13:20',-3,847,850)");
}

static void test_purchase_order_table_follows_dc(void **state) {
    struct sql_batch *b = *state;
    struct action a;
    memset(&a, 0, sizeof a);
    a.kind = ACTION_PURCHASE_ORDER;
    a.at_ms = 0;
    a.u.purchase.id = 1;
    a.u.purchase.supplier_id = 1;
    a.u.purchase.line_count = 1;
    a.u.purchase.lines[0] = (struct order_line){1, 2, 3, 4};
    a.u.purchase.events[0] = (struct out_of_stock_event){2, 5, 6, 3};
    a.u.purchase.window_start_s = 0;
    a.u.purchase.window_end_s = 180;
    sql_for_action(&a, "Lab_DC_99", b);
    assert_int_equal(b->count, 3);
    assert_string_equal(b->text[0], "INSERT INTO purchase_orders (id,order_date,supplier_id) VALUES "
                                    "(1,'1970-01-01 00:00:00',1)");
    assert_string_equal(b->text[2],
                        "INSERT INTO Lab_DC_99_out_of_stock_events (product_id,window_start_time,window_end_time,"
                        "stock_level,demand_last_3mins,quantity_to_purchase) VALUES "
                        "(2,'1970-01-01 00:00:00','1970-01-01 00:03:00',5,6,3)");
}

/* A full purchase order fits its statements. */
static void test_largest_purchase_order_fits(void **state) {
    struct sql_batch *b = *state;
    struct action a;
    memset(&a, 0, sizeof a);
    a.kind = ACTION_PURCHASE_ORDER;
    a.at_ms = AT_MS;
    struct purchase_order *po = &a.u.purchase;
    po->id = 2000000000;
    po->supplier_id = 2000000000;
    po->line_count = MODEL_MAX_PURCHASE_LINES;
    for (int i = 0; i < MODEL_MAX_PURCHASE_LINES; i++) {
        po->lines[i] = (struct order_line){2000000000 - i, 2000000000, 2000000000, 999999999999LL};
        po->events[i] = (struct out_of_stock_event){2000000000, -999999999999LL, 999999999999LL, 999999999999LL};
    }
    po->window_start_s = 1700000000 - 180;
    po->window_end_s = 1700000000;
    char dc[33];
    memset(dc, 'x', 32);
    dc[32] = '\0';
    sql_for_action(&a, dc, b);
    assert_int_equal(b->count, 3);
    for (int s = 0; s < 3; s++)
        assert_true(strlen(b->text[s]) < SQL_STATEMENT_SIZE - 1);
    /* the last tuple is complete */
    size_t n = strlen(b->text[2]);
    const char *tail = ",-999999999999,999999999999,999999999999)";
    assert_true(n > strlen(tail));
    assert_string_equal(b->text[2] + n - strlen(tail), tail);
    n = strlen(b->text[1]);
    tail = "(1999999969,2000000000,2000000000,2000000000,9999999999.99)";
    assert_string_equal(b->text[1] + n - strlen(tail), tail);
}

static void test_customer_update(void **state) {
    struct sql_batch *b = *state;
    struct action a;
    memset(&a, 0, sizeof a);
    a.kind = ACTION_CUSTOMER_UPDATE;
    a.at_ms = AT_MS;
    a.u.update.customer_id = 12;
    strcpy(a.u.update.city, "York");
    sql_for_action(&a, "dc01", b);
    assert_int_equal(b->count, 1);
    assert_string_equal(b->text[0], "UPDATE customers SET city='York' WHERE id=12");
}

static void test_cancellation_deletes_details_first(void **state) {
    struct sql_batch *b = *state;
    struct action a;
    memset(&a, 0, sizeof a);
    a.kind = ACTION_CANCEL_ORDER;
    a.at_ms = AT_MS;
    a.u.cancel.order_id = 777;
    a.u.cancel.line_count = 1;
    a.u.cancel.lines[0] = (struct order_line){2001, 4, 3, 1000};
    sql_for_action(&a, "dc01", b);
    assert_int_equal(b->count, 2);
    assert_string_equal(b->text[0], "DELETE FROM sales_order_details WHERE sales_order_id=777");
    assert_string_equal(b->text[1], "DELETE FROM sales_orders WHERE id=777");
}

static void test_none_has_no_statements(void **state) {
    struct sql_batch *b = *state;
    struct action a;
    memset(&a, 0, sizeof a);
    a.kind = ACTION_NONE;
    b->count = 2;
    sql_for_action(&a, "dc01", b);
    assert_int_equal(b->count, 0);
}

/* A batch is reset by each call. */
static void test_batch_is_reused(void **state) {
    struct sql_batch *b = *state;
    struct action a = sales_action();
    sql_for_action(&a, "dc01", b);
    sql_for_action(&a, "dc01", b);
    assert_int_equal(b->count, 2);
    a.kind = ACTION_CANCEL_ORDER;
    memset(&a.u, 0, sizeof a.u);
    a.u.cancel.order_id = 5;
    sql_for_action(&a, "dc01", b);
    assert_int_equal(b->count, 2);
    assert_string_equal(b->text[1], "DELETE FROM sales_orders WHERE id=5");
}

static void test_decimal_cents(void **state) {
    struct sql_batch *b = *state;
    static const struct {
        long long cents;
        const char *text;
    } cases[] = {
        {0, "0.00"},   {5, "0.05"},     {10, "0.10"},    {99, "0.99"},      {100, "1.00"},
        {101, "1.01"}, {1234, "12.34"}, {1200, "12.00"}, {99999, "999.99"}, {123456789, "1234567.89"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct action a;
        memset(&a, 0, sizeof a);
        a.kind = ACTION_SALES_ORDER;
        a.at_ms = AT_MS;
        a.u.sales.id = 9;
        a.u.sales.customer_id = 1;
        a.u.sales.line_count = 1;
        a.u.sales.lines[0] = (struct order_line){10, 2, 1, cases[i].cents};
        sql_for_action(&a, "dc01", b);
        char expected[256];
        snprintf(expected, sizeof expected,
                 "INSERT INTO sales_order_details (id,sales_order_id,product_id,quantity,price) VALUES (10,9,2,1,%s)",
                 cases[i].text);
        assert_string_equal(b->text[1], expected);
    }
}

static void test_format_datetime(void **state) {
    (void)state;
    static const struct {
        long long epoch_s;
        const char *text;
    } cases[] = {
        {0, "1970-01-01 00:00:00"},          {59, "1970-01-01 00:00:59"},
        {86399, "1970-01-01 23:59:59"},      {951782400, "2000-02-29 00:00:00"},
        {1700000000, "2023-11-14 22:13:20"}, {1735689599, "2024-12-31 23:59:59"},
        {1735689600, "2025-01-01 00:00:00"}, {253402300799LL, "9999-12-31 23:59:59"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[20];
        memset(out, 'z', sizeof out);
        sql_format_datetime(cases[i].epoch_s, out);
        assert_int_equal(out[19], '\0');
        assert_string_equal(out, cases[i].text);
    }
}

/* The statements for what the model makes: every sales order's total is the
 * sum of its printed lines, and every statement is complete. */
static void test_model_actions_render(void **state) {
    struct sql_batch *b = *state;
    struct catalog c;
    fixture_catalog(&c, 0);
    struct model_settings s = fixture_settings(9);
    s.new_customer_ratio = 0.1;
    s.customer_update_ratio = 0.1;
    s.cancel_ratio = 0.1;
    s.reorder_point = 30;
    struct model *m = model_new(&s, &c);
    assert_non_null(m);
    int kinds[5] = {0};
    for (int i = 0; i < 3000; i++) {
        struct action a;
        model_next(m, FIXTURE_NOW_MS + 200LL * i, &a);
        model_committed(m, &a);
        sql_for_action(&a, "dc03", b);
        kinds[a.kind]++;
        for (int k = 0; k < b->count; k++) {
            size_t n = strlen(b->text[k]);
            assert_true(n > 20 && n < SQL_STATEMENT_SIZE - 1);
            assert_null(strstr(b->text[k], "%"));
        }
        if (a.kind == ACTION_SALES_ORDER) {
            const char *details = b->text[b->count - 1];
            long long total = 0;
            const char *p = strchr(details, '(');
            p = strchr(p + 1, '('); /* past the column list */
            int lines = 0;
            while (p) {
                int id, order, product, quantity;
                long long units, cents;
                assert_int_equal(sscanf(p, "(%d,%d,%d,%d,%lld.%lld)", &id, &order, &product, &quantity, &units, &cents),
                                 6);
                assert_int_equal(order, a.u.sales.id);
                assert_int_equal(units * 100 + cents, c.products[product - 1].price_cents);
                total += (units * 100 + cents) * quantity;
                lines++;
                p = strchr(p + 1, '(');
            }
            assert_int_equal(lines, a.u.sales.line_count);
            assert_int_equal(total, a.u.sales.total_cents);
            assert_int_equal(b->count, a.u.sales.is_new_customer ? 3 : 2);
        }
        if (a.kind == ACTION_PURCHASE_ORDER)
            assert_non_null(strstr(b->text[2], "INSERT INTO dc03_out_of_stock_events "));
    }
    assert_true(kinds[ACTION_SALES_ORDER] > 0 && kinds[ACTION_PURCHASE_ORDER] > 0);
    assert_true(kinds[ACTION_CUSTOMER_UPDATE] > 0 && kinds[ACTION_CANCEL_ORDER] > 0);
    model_free(m);
    catalog_release(&c);
}

#define SQL_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        SQL_TEST(test_sales_order),
        SQL_TEST(test_sales_order_with_new_customer),
        SQL_TEST(test_purchase_order),
        SQL_TEST(test_purchase_order_table_follows_dc),
        SQL_TEST(test_largest_purchase_order_fits),
        SQL_TEST(test_customer_update),
        SQL_TEST(test_cancellation_deletes_details_first),
        SQL_TEST(test_none_has_no_statements),
        SQL_TEST(test_batch_is_reused),
        SQL_TEST(test_decimal_cents),
        cmocka_unit_test(test_format_datetime),
        SQL_TEST(test_model_actions_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
