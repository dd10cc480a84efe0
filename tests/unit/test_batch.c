/* Unit tests for common/batch.c: records kept whole and in order, the mark
 * of the last whole transaction, and memory kept across batches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

static void assert_record(const struct batch *b, size_t i, const char *topic, const char *key, const char *value) {
    struct batch_record r = batch_record(b, i);
    assert_string_equal(r.topic, topic);
    if (key) {
        assert_non_null(r.key);
        assert_int_equal(r.key_len, strlen(key));
        assert_memory_equal(r.key, key, r.key_len);
    } else {
        assert_null(r.key);
        assert_int_equal(r.key_len, 0);
    }
    if (value) {
        assert_non_null(r.value);
        assert_int_equal(r.value_len, strlen(value));
        assert_memory_equal(r.value, value, r.value_len);
    } else {
        assert_null(r.value);
        assert_int_equal(r.value_len, 0);
    }
}

static int add(struct batch *b, const char *topic, const char *key, const char *value) {
    return batch_add(b, topic, NULL, key, key ? strlen(key) : 0, value, value ? strlen(value) : 0);
}

static void test_empty(void **state) {
    (void)state;
    struct batch *b = batch_new();
    assert_non_null(b);
    assert_int_equal(batch_count(b), 0);
    assert_int_equal(batch_whole_count(b), 0);
    assert_int_equal(batch_whole_count(b), batch_count(b));
    assert_string_equal(batch_position(b), "");
    assert_int_equal(batch_totals(b)->transactions, 0);
    batch_free(b);
    batch_free(NULL);
}

static void test_records_in_order(void **state) {
    (void)state;
    struct batch *b = batch_new();
    assert_int_equal(add(b, "dc01_orders", "{\"id\":1}", "{\"op\":\"c\"}"), 0);
    assert_int_equal(add(b, "dc01_orders", "{\"id\":1}", NULL), 0);      /* a tombstone */
    assert_int_equal(add(b, "dc01_lines", NULL, "{\"no\":\"key\"}"), 0); /* no key */
    assert_int_equal(add(b, "dc01_orders", "", ""), 0);                  /* empty, not absent */
    assert_int_equal(batch_count(b), 4);
    assert_record(b, 0, "dc01_orders", "{\"id\":1}", "{\"op\":\"c\"}");
    assert_record(b, 1, "dc01_orders", "{\"id\":1}", NULL);
    assert_record(b, 2, "dc01_lines", NULL, "{\"no\":\"key\"}");
    struct batch_record empty = batch_record(b, 3);
    assert_non_null(empty.key);
    assert_non_null(empty.value);
    assert_int_equal(empty.key_len, 0);
    assert_int_equal(empty.value_len, 0);
    batch_free(b);
}

static void test_binary_and_large(void **state) {
    (void)state;
    struct batch *b = batch_new();
    char key[3] = {'a', '\0', 'b'};
    size_t big_len = 3 << 20; /* beyond the first buffers: it grows */
    char *big = malloc(big_len);
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)(i * 7);
    for (int i = 0; i < 3; i++)
        assert_int_equal(batch_add(b, "t", NULL, key, sizeof key, big, big_len), 0);
    for (int i = 0; i < 3; i++) {
        struct batch_record r = batch_record(b, (size_t)i);
        assert_int_equal(r.key_len, 3);
        assert_memory_equal(r.key, key, 3);
        assert_int_equal(r.value_len, big_len);
        assert_memory_equal(r.value, big, big_len);
    }
    assert_true(batch_bytes(b) >= 3 * big_len);
    free(big);
    batch_free(b);
}

/* Thousands of records over a few topics: each keeps its own topic. */
static void test_many_topics(void **state) {
    (void)state;
    struct batch *b = batch_new();
    char topic[32], value[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(topic, sizeof topic, "topic_%d", (i / 3) % 4);
        snprintf(value, sizeof value, "v%d", i);
        assert_int_equal(add(b, topic, NULL, value), 0);
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(topic, sizeof topic, "topic_%d", (i / 3) % 4);
        snprintf(value, sizeof value, "v%d", i);
        assert_record(b, (size_t)i, topic, NULL, value);
    }
    batch_free(b);
}

static void test_transactions(void **state) {
    (void)state;
    struct batch *b = batch_new();
    add(b, "t", "k1", "a");
    add(b, "t", "k1", "b");
    assert_true(batch_whole_count(b) < batch_count(b));
    assert_int_equal(batch_whole_count(b), 0);
    assert_int_equal(batch_end_transaction(b, "0-1-10", 2, 1000), 0);
    assert_int_equal(batch_whole_count(b), batch_count(b));
    assert_int_equal(batch_whole_count(b), 2);
    assert_string_equal(batch_position(b), "0-1-10");

    /* A transaction with nothing wanted still moves the position. */
    assert_int_equal(batch_end_transaction(b, "0-1-11", 0, 0), 0);
    add(b, "u", "k2", "c");
    assert_int_equal(batch_end_transaction(b, "0-1-11,1-1-5", 1, 3000), 0);
    const struct batch_totals *t = batch_totals(b);
    assert_int_equal(t->events, 3);
    assert_int_equal(t->transactions, 3);
    assert_int_equal(t->last_event_ms, 3000);
    assert_string_equal(batch_position(b), "0-1-11,1-1-5");
    assert_int_equal(batch_whole_count(b), 3);
    batch_free(b);
}

/* A read cut off halfway: its records go, the whole ones stay. */
static void test_drop_open(void **state) {
    (void)state;
    struct batch *b = batch_new();
    add(b, "t", "k1", "whole");
    batch_end_transaction(b, "0-1-1", 1, 0);
    size_t bytes = batch_bytes(b);
    add(b, "other", "k2", "cut off");
    add(b, "other", "k3", "cut off too");
    batch_drop_open(b);
    assert_int_equal(batch_count(b), 1);
    assert_int_equal(batch_bytes(b), bytes);
    assert_int_equal(batch_whole_count(b), batch_count(b));
    assert_string_equal(batch_position(b), "0-1-1");
    /* The dropped topic is not reused by mistake. */
    add(b, "third", "k4", "next");
    assert_record(b, 0, "t", "k1", "whole");
    assert_record(b, 1, "third", "k4", "next");
    batch_drop_open(b);
    add(b, "t", "k5", "again");
    assert_record(b, 1, "t", "k5", "again");
    batch_free(b);
}

/* The position record closes a batch without counting a transaction. */
static void test_seal(void **state) {
    (void)state;
    struct batch *b = batch_new();
    add(b, "t", "k1", "a");
    batch_end_transaction(b, "0-1-1", 1, 0);
    add(b, "positions", "cdc", "{\"gtid\":\"0-1-1\"}");
    batch_seal(b);
    assert_int_equal(batch_whole_count(b), 2);
    assert_int_equal(batch_totals(b)->transactions, 1);
    assert_record(b, 1, "positions", "cdc", "{\"gtid\":\"0-1-1\"}");
    batch_free(b);
}

/* Clearing forgets everything but keeps the memory. */
static void test_clear(void **state) {
    (void)state;
    struct batch *b = batch_new();
    add(b, "t", "k", "v");
    batch_end_transaction(b, "0-1-9", 1, 5);
    batch_clear(b);
    assert_int_equal(batch_count(b), 0);
    assert_int_equal(batch_bytes(b), 0);
    assert_int_equal(batch_whole_count(b), 0);
    assert_string_equal(batch_position(b), "");
    assert_int_equal(batch_totals(b)->events, 0);
    assert_int_equal(batch_totals(b)->transactions, 0);
    assert_int_equal(batch_totals(b)->last_event_ms, 0);
    add(b, "t", "k", "again");
    assert_record(b, 0, "t", "k", "again");
    batch_free(b);
}

/* The columns header text rides with its records, stored once per run of
 * equal texts, and survives a dropped transaction's records. */
static void test_columns(void **state) {
    (void)state;
    struct batch *b = batch_new();
    const char *a = "[[\"id\",\"int32\"]]", *c = "[[\"id\",\"int64\"]]";
    assert_int_equal(batch_add(b, "t", a, "k", 1, "v1", 2), 0);
    size_t one = batch_bytes(b);
    assert_int_equal(batch_add(b, "t", a, "k", 1, "v2", 2), 0);
    assert_int_equal(batch_bytes(b) - one, 3); /* key and value only: the text is kept once */
    assert_int_equal(batch_add(b, "t", NULL, "k", 1, NULL, 0), 0);
    assert_int_equal(batch_add(b, "t", c, "k", 1, "v3", 2), 0);
    assert_int_equal(batch_end_transaction(b, "p1", 3, 0), 0);
    assert_string_equal(batch_record(b, 0).columns, a);
    assert_string_equal(batch_record(b, 1).columns, a);
    assert_null(batch_record(b, 2).columns);
    assert_string_equal(batch_record(b, 3).columns, c);
    assert_int_equal(batch_add(b, "t", a, "k", 1, "v4", 2), 0);
    batch_drop_open(b);
    assert_int_equal(batch_add(b, "t", c, "k", 1, "v5", 2), 0); /* the dropped text is not the last one any more */
    assert_string_equal(batch_record(b, 4).columns, c);
    assert_string_equal(batch_record(b, 3).columns, c);
    assert_record(b, 4, "t", "k", "v5");
    batch_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_records_in_order),
        cmocka_unit_test(test_binary_and_large),
        cmocka_unit_test(test_many_topics),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_drop_open),
        cmocka_unit_test(test_seal),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
