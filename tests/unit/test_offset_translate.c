/* Unit tests for offset_search (bridge/replicate/offset_translate.c): the
 * first destination record whose source offset is at least the committed
 * one, over made-up destination partitions: contiguous copies, gaps where
 * control markers and aborted records were, records of another origin in
 * between, source records never copied, and the ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "replicate/offset_translate.h"

/* A destination partition: at each offset, the source offset of our record
 * there, -1 for another origin's record, -2 for no record (a marker). */
struct fake {
    const int64_t *source;
    int64_t high;
    int probes;
    int fail_at; /* the probe that fails (1-based), 0: none */
};

static int fake_probe(void *ctx, int64_t from, int64_t *dest, int64_t *source) {
    struct fake *f = ctx;
    if (++f->probes == f->fail_at)
        return -1;
    for (int64_t o = from; o < f->high; o++)
        if (f->source[o] >= 0) {
            *dest = o;
            *source = f->source[o];
            return 1;
        }
    return 0;
}

/* The answer by a plain scan, to compare with. */
static int scan(const struct fake *f, int64_t s, int64_t *dest) {
    for (int64_t o = 0; o < f->high; o++)
        if (f->source[o] >= s) {
            *dest = o;
            return 1;
        }
    return 0;
}

static void expect(struct fake *f, int64_t s, int want_rc, int64_t want_dest) {
    int64_t dest = -99;
    f->probes = 0;
    int rc = offset_search(s, 0, f->high, fake_probe, f, &dest);
    assert_int_equal(rc, want_rc);
    if (rc == 1)
        assert_int_equal(dest, want_dest);
}

static void test_contiguous(void **state) {
    (void)state;
    int64_t src[100];
    for (int i = 0; i < 100; i++)
        src[i] = 1000 + i;
    struct fake f = {src, 100, 0, 0};
    expect(&f, 1000, 1, 0);
    expect(&f, 1042, 1, 42);
    expect(&f, 1099, 1, 99);
    expect(&f, 1100, 0, 0); /* everything copied is before it */
    expect(&f, 0, 1, 0);
    expect(&f, 1050, 1, 50);
    assert_true(f.probes <= 8); /* log2(100) + 1 */
}

static void test_markers_foreign_and_skipped(void **state) {
    (void)state;
    /* source offsets 0..9 copied with a commit marker after every 3 records,
     * another origin's records at 5 and 6, source 4 and 7 never copied
     * (aborted on the source, or sent back) */
    const int64_t src[] = {0, 1, 2, -2, 3, -1, -1, 5, 6, -2, 8, 9, -2};
    struct fake f = {src, 13, 0, 0};
    expect(&f, 0, 1, 0);
    expect(&f, 3, 1, 4);
    expect(&f, 4, 1, 7); /* 4 was never copied: resume at 5's copy, nothing re-read */
    expect(&f, 5, 1, 7);
    expect(&f, 7, 1, 10);
    expect(&f, 9, 1, 11);
    expect(&f, 10, 0, 0);
}

static void test_against_a_scan(void **state) {
    (void)state;
    enum { N = 2000 };
    static int64_t src[N];
    uint64_t x = 12345;
    int64_t next = 0;
    for (int i = 0; i < N; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int kind = (int)(x >> 60) % 8;
        if (kind == 0)
            src[i] = -2; /* marker */
        else if (kind == 1)
            src[i] = -1; /* another origin */
        else
            src[i] = next += 1 + (kind == 2); /* sometimes a source offset not copied */
    }
    struct fake f = {src, N, 0, 0};
    for (int64_t s = 0; s <= next + 1; s += 7) {
        int64_t want = -1;
        int rc = scan(&f, s, &want);
        expect(&f, s, rc, want);
        assert_true(f.probes <= 24);
    }
}

static void test_empty_and_failure(void **state) {
    (void)state;
    const int64_t none[] = {-2, -1, -2};
    struct fake f = {none, 3, 0, 0};
    expect(&f, 0, 0, 0);
    int64_t dest;
    assert_int_equal(offset_search(5, 0, 0, fake_probe, &f, &dest), 0); /* an empty partition */
    const int64_t src[] = {0, 1, 2, 3};
    struct fake g = {src, 4, 0, 2};
    assert_int_equal(offset_search(2, 0, 4, fake_probe, &g, &dest), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contiguous),
        cmocka_unit_test(test_markers_foreign_and_skipped),
        cmocka_unit_test(test_against_a_scan),
        cmocka_unit_test(test_empty_and_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
