/* Unit tests for bridge/sink/lake_position.c: the metadata a lake file
 * carries, read back, and where a partition resumes from its files alone —
 * after complete flushes, after a part-written one, in any listing order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sink/lake_position.h"

static struct lake_file_facts facts(int64_t first, int64_t last, int64_t start, int64_t end, int files, int index) {
    struct lake_file_facts f;
    memset(&f, 0, sizeof f);
    snprintf(f.topic, sizeof f.topic, "dc01_sales_orders");
    f.partition = 2;
    f.first_offset = first;
    f.last_offset = last;
    f.records = last - first + 1;
    f.flush_start = start;
    f.flush_end = end;
    f.flush_files = files;
    f.flush_index = index;
    return f;
}

static void test_meta_round_trip(void **state) {
    (void)state;
    struct lake_file_facts f = facts(1000, 1999, 998, 2001, 3, 1), back;
    struct lake_file_meta meta;
    lake_file_meta_build(&f, &meta);
    assert_int_equal(meta.meta.count, LAKE_META_FIELDS);
    assert_string_equal(meta.meta.names[0], "bridgelab_topic");
    assert_string_equal(meta.meta.values[0], "dc01_sales_orders");
    assert_string_equal(meta.meta.names[6], "bridgelab_flush_end");
    assert_string_equal(meta.meta.values[6], "2001");
    assert_int_equal(lake_file_facts_parse(&meta.meta, &back), 0);
    assert_memory_equal(&f, &back, sizeof f);
}

/* Azure gives metadata names back in its own case, and in any order. */
static void test_meta_names_any_case(void **state) {
    (void)state;
    const char *names[] = {"Bridgelab_Flush_Index", "BRIDGELAB_TOPIC",
                           "bridgelab_partition",   "bridgelab_first_offset",
                           "bridgelab_last_offset", "bridgelab_records",
                           "bridgelab_flush_start", "bridgelab_flush_end",
                           "bridgelab_flush_files", "other"};
    const char *values[] = {"0", "t", "0", "5", "9", "5", "5", "10", "1", "x"};
    struct storage_meta meta = {10, names, values};
    struct lake_file_facts f;
    assert_int_equal(lake_file_facts_parse(&meta, &f), 0);
    assert_string_equal(f.topic, "t");
    assert_int_equal(f.first_offset, 5);
    assert_int_equal(f.flush_end, 10);
}

/* A file without the sink's metadata, or with values that cannot be, is not the sink's. */
static void test_meta_refused(void **state) {
    (void)state;
    struct lake_file_facts f = facts(10, 19, 10, 20, 1, 0), back;
    struct lake_file_meta meta;
    struct storage_meta empty = {0, NULL, NULL};
    assert_int_equal(lake_file_facts_parse(&empty, &back), -1);
    const char *bad[][2] = {{"", NULL}, {"x12", NULL}, {"-1", NULL}, {"12x", NULL}, {"99999999999999999999", NULL}};
    for (int field = 1; field < LAKE_META_FIELDS; field++) {
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            lake_file_meta_build(&f, &meta);
            meta.values[field] = bad[b][0];
            assert_int_equal(lake_file_facts_parse(&meta.meta, &back), -1);
        }
        lake_file_meta_build(&f, &meta);
        meta.meta.count = LAKE_META_FIELDS - 1;
        meta.names[field] = meta.names[LAKE_META_FIELDS - 1];
        meta.values[field] = meta.values[LAKE_META_FIELDS - 1];
        assert_int_equal(lake_file_facts_parse(&meta.meta, &back), -1);
    }
    /* inconsistent: an end before the start, an index past the count, no files */
    struct lake_file_facts wrong[] = {facts(10, 19, 20, 20, 1, 0), facts(10, 19, 10, 20, 2, 2),
                                      facts(10, 19, 10, 20, 0, 0), facts(19, 10, 10, 20, 1, 0)};
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        lake_file_meta_build(&wrong[i], &meta);
        assert_int_equal(lake_file_facts_parse(&meta.meta, &back), -1);
    }
}

static void test_no_files(void **state) {
    (void)state;
    struct lake_position p;
    lake_position_init(&p);
    lake_position_finish(&p);
    assert_int_equal(p.files, 0);
    assert_int_equal(p.resume, -1);
    assert_int_equal(p.forced_end, -1);
    assert_int_equal(p.lake_end, -1);
}

/* Complete flushes, listed in any order: resume where the last one ends. */
static void test_complete_chain(void **state) {
    (void)state;
    struct lake_file_facts files[] = {facts(0, 99, 0, 100, 1, 0), facts(100, 150, 100, 152, 2, 0),
                                      facts(120, 151, 100, 152, 2, 1), facts(153, 200, 152, 201, 1, 0)};
    const int orders[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 3, 0, 1}};
    for (size_t o = 0; o < 3; o++) {
        struct lake_position p;
        lake_position_init(&p);
        for (int i = 0; i < 4; i++)
            lake_position_add(&p, &files[orders[o][i]]);
        lake_position_finish(&p);
        assert_int_equal(p.files, 4);
        assert_int_equal(p.resume, 201);
        assert_int_equal(p.lake_end, 201);
        assert_int_equal(p.forced_end, -1);
    }
}

/* The last flush lost a file to a crash: resume at its start, cut exactly at its end. */
static void test_part_written_flush(void **state) {
    (void)state;
    struct lake_file_facts files[] = {facts(0, 99, 0, 100, 1, 0), facts(100, 180, 100, 200, 3, 0),
                                      facts(130, 199, 100, 200, 3, 2)};
    struct lake_position p;
    lake_position_init(&p);
    for (int i = 2; i >= 0; i--)
        lake_position_add(&p, &files[i]);
    lake_position_finish(&p);
    assert_int_equal(p.resume, 100);
    assert_int_equal(p.forced_end, 200);
    assert_int_equal(p.lake_end, 100);
    /* once the missing file is there, the flush is whole */
    struct lake_file_facts missing = facts(101, 190, 100, 200, 3, 1);
    lake_position_init(&p);
    for (int i = 0; i < 3; i++)
        lake_position_add(&p, &files[i]);
    lake_position_add(&p, &missing);
    lake_position_finish(&p);
    assert_int_equal(p.resume, 200);
    assert_int_equal(p.forced_end, -1);
}

/* The very first flush part-written: its start is where the partition's first record was. */
static void test_first_flush_part_written(void **state) {
    (void)state;
    struct lake_file_facts f = facts(7, 50, 7, 60, 2, 0);
    struct lake_position p;
    lake_position_init(&p);
    lake_position_add(&p, &f);
    lake_position_finish(&p);
    assert_int_equal(p.resume, 7);
    assert_int_equal(p.forced_end, 60);
}

/* With a Delta table its log says where the partition ends, whatever the
 * files: the whole flush past it (uploaded, not committed) is cut again at
 * its end; so is a part-written one; none past it: nothing forced. */
static void test_table_position(void **state) {
    (void)state;
    struct lake_file_facts files[] = {facts(0, 99, 0, 100, 1, 0), facts(100, 180, 100, 200, 2, 0),
                                      facts(181, 199, 100, 200, 2, 1)};
    struct lake_position p;
    lake_position_init(&p);
    lake_position_committed(&p, 100);
    for (int i = 2; i >= 0; i--)
        lake_position_add(&p, &files[i]);
    lake_position_finish(&p);
    assert_int_equal(p.resume, 100);
    assert_int_equal(p.forced_end, 200);
    assert_int_equal(p.lake_end, 100);

    lake_position_init(&p);
    lake_position_committed(&p, 200);
    for (int i = 0; i < 3; i++)
        lake_position_add(&p, &files[i]);
    lake_position_finish(&p);
    assert_int_equal(p.resume, 200);
    assert_int_equal(p.forced_end, -1);
    assert_int_equal(p.lake_end, 200);

    /* nothing committed: the first flush is written again as it was */
    lake_position_init(&p);
    lake_position_committed(&p, -1);
    lake_position_add(&p, &files[1]);
    lake_position_add(&p, &files[0]);
    lake_position_finish(&p);
    assert_int_equal(p.resume, 0);
    assert_int_equal(p.forced_end, 100);

    /* no table, no files: the beginning */
    lake_position_init(&p);
    lake_position_committed(&p, -1);
    lake_position_finish(&p);
    assert_int_equal(p.resume, -1);
    assert_int_equal(p.forced_end, -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meta_round_trip),
        cmocka_unit_test(test_meta_names_any_case),
        cmocka_unit_test(test_meta_refused),
        cmocka_unit_test(test_no_files),
        cmocka_unit_test(test_complete_chain),
        cmocka_unit_test(test_part_written_flush),
        cmocka_unit_test(test_first_flush_part_written),
        cmocka_unit_test(test_table_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
