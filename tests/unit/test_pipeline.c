/* Unit tests for dashboard/pipeline.c's figures: the rate over the last
 * ~10 s, a stage that stops while its upstream moves turns stalled (and
 * only then: a whole quiet pipeline is idle), a restarted stage's counter
 * starting again is no negative rate, a stage that does not answer is down
 * with why, and the Prometheus text parser sums labelled samples and picks
 * a quantile. Samples are fed with a clock of the test's own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on

#include "pipeline.h"

static struct pipeline *new_pipeline(void) {
    struct pipeline_options o = {0};
    o.interval_ms = 1000;
    o.stall_ms = 10000;
    o.refresh_ms = 2000;
    struct pipeline *p = pipeline_new(&o);
    assert_non_null(p);
    return p;
}

static void feed(struct pipeline *p, long long t, const long long counts[PIPELINE_STAGES]) {
    struct pipeline_sample s[PIPELINE_STAGES];
    memset(s, 0, sizeof s);
    for (int i = 0; i < PIPELINE_STAGES; i++) {
        s[i].on = 1;
        s[i].up = counts[i] >= 0;
        s[i].count = counts[i];
        s[i].lag = s[i].latency_ms = s[i].files = -1;
        if (!s[i].up)
            snprintf(s[i].error, sizeof s[i].error, "stage %d: Connection refused", i);
    }
    pipeline_observe(p, t, s);
}

/* The JSON of /api/pipeline, and the text after "stage":"name" up to the next stage. */
static char *json(struct pipeline *p) {
    size_t len;
    char *j = pipeline_json(p, &len);
    assert_non_null(j);
    assert_int_equal(strlen(j), len);
    return j;
}

static void assert_stage(const char *j, const char *stage, const char *want) {
    char key[64];
    snprintf(key, sizeof key, "\"stage\":\"%s\"", stage);
    const char *at = strstr(j, key);
    assert_non_null(at);
    const char *next = strstr(at + 1, "\"stage\":");
    const char *found = strstr(at, want);
    assert_non_null(found);
    if (next)
        assert_true(found < next);
}

static void test_no_figures_before_the_first_round(void **state) {
    (void)state;
    struct pipeline *p = new_pipeline();
    size_t len;
    assert_null(pipeline_json(p, &len));
    pipeline_free(p);
}

static void test_rate_over_the_window(void **state) {
    (void)state;
    struct pipeline *p = new_pipeline();
    for (int s = 0; s <= 20; s++) {
        long long c = 100 * s;
        feed(p, 1000000 + s * 1000LL, (long long[]){c, c, c, c, c});
    }
    char *j = json(p);
    assert_stage(j, "mysql", "\"rate\":100.0");
    assert_stage(j, "dashboard", "\"state\":\"flowing\"");
    assert_non_null(strstr(j, "\"stalled\":[]"));
    free(j);
    pipeline_free(p);
}

static void test_stalled_when_upstream_moves(void **state) {
    (void)state;
    struct pipeline *p = new_pipeline();
    long long t = 1000000;
    for (int s = 0; s <= 10; s++)
        feed(p, t + s * 1000LL, (long long[]){s, s, s, s < 5 ? s : 5, s < 5 ? s : 5});
    char *j = json(p);
    assert_stage(j, "sink", "\"state\":\"flowing\""); /* stopped 5 s ago: not stalled yet */
    free(j);
    for (int s = 11; s <= 16; s++)
        feed(p, t + s * 1000LL, (long long[]){s, s, s, 5, 5});
    j = json(p);
    assert_stage(j, "sink", "\"state\":\"stalled\"");
    assert_stage(j, "sink", "\"why\":\"no records in the lake for 10 s while upstream moved\"");
    assert_stage(j, "dashboard", "\"state\":\"idle\""); /* its upstream, the sink, did not move */
    assert_non_null(strstr(j, "\"stalled\":[\"sink\"]"));
    free(j);
    feed(p, t + 17000, (long long[]){17, 17, 17, 17, 5});
    j = json(p);
    assert_stage(j, "sink", "\"state\":\"flowing\"");
    free(j);
    pipeline_free(p);
}

static void test_quiet_pipeline_is_idle(void **state) {
    (void)state;
    struct pipeline *p = new_pipeline();
    for (int s = 0; s <= 30; s++)
        feed(p, 1000000 + s * 1000LL, (long long[]){7, 7, 7, 7, 7});
    char *j = json(p);
    for (const char *st = "mysql\0cdc\0replicate\0sink\0dashboard\0"; *st; st += strlen(st) + 1)
        assert_stage(j, st, "\"state\":\"idle\"");
    assert_stage(j, "cdc", "\"rate\":0.0");
    free(j);
    pipeline_free(p);
}

static void test_restart_starts_the_rate_again(void **state) {
    (void)state;
    struct pipeline *p = new_pipeline();
    for (int s = 0; s <= 5; s++)
        feed(p, 1000000 + s * 1000LL, (long long[]){s, 1000 + s, s, s, s});
    feed(p, 1006000, (long long[]){6, 3, 6, 6, 6}); /* cdc restarted: its counter began again */
    char *j = json(p);
    assert_stage(j, "cdc", "\"rate\":null");
    free(j);
    feed(p, 1007000, (long long[]){7, 13, 7, 7, 7});
    j = json(p);
    assert_stage(j, "cdc", "\"rate\":10.0");
    free(j);
    pipeline_free(p);
}

static void test_down_says_why(void **state) {
    (void)state;
    struct pipeline *p = new_pipeline();
    feed(p, 1000000, (long long[]){1, 1, -1, 1, 1});
    feed(p, 1001000, (long long[]){2, 2, -1, 1, 1});
    char *j = json(p);
    assert_stage(j, "replicate", "\"state\":\"down\"");
    assert_stage(j, "replicate", "\"why\":\"stage 2: Connection refused\"");
    assert_stage(j, "replicate", "\"count\":null");
    assert_non_null(strstr(j, "\"stalled\":[\"replicate\"]"));
    free(j);
    pipeline_free(p);
}

static void test_end_to_end_from_the_loader(void **state) {
    (void)state;
    struct pipeline *p = new_pipeline();
    struct pipeline_local l = {0};
    l.newest_commit_ms = 1000000;
    l.newest_loaded_ms = 1001250;
    pipeline_set_local(p, &l);
    feed(p, 1002000, (long long[]){1, 1, 1, 1, 1});
    char *j = json(p);
    assert_non_null(strstr(j, "\"end_to_end_ms\":1250"));
    assert_non_null(strstr(j, "\"freshness_ms\":2000"));
    free(j);
    pipeline_free(p);
}

static void test_metric_parser(void **state) {
    (void)state;
    const char *text = "# HELP bridgelab_x_total X.\n"
                       "# TYPE bridgelab_x_total counter\n"
                       "bridgelab_x_total 42\n"
                       "bridgelab_x_total_more 7\n"
                       "bridgelab_lag{topic=\"a\",partition=\"0\"} 3\n"
                       "bridgelab_lag{topic=\"b\",partition=\"1\"} 4\n"
                       "bridgelab_lat{quantile=\"0.5\"} 0.010\n"
                       "bridgelab_lat{quantile=\"0.99\"} 0.250\n"
                       "bridgelab_broken{unclosed 1\n";
    double v;
    assert_int_equal(pipeline_metric(text, "bridgelab_x_total", NULL, &v), 1);
    assert_true(v == 42);
    assert_int_equal(pipeline_metric(text, "bridgelab_lag", NULL, &v), 2);
    assert_true(v == 7);
    assert_int_equal(pipeline_metric(text, "bridgelab_lat", "quantile=\"0.99\"", &v), 1);
    assert_true(v == 0.25);
    assert_int_equal(pipeline_metric(text, "bridgelab_missing", NULL, &v), 0);
    assert_int_equal(pipeline_metric(text, "bridgelab_broken", NULL, &v), 0);
    assert_int_equal(pipeline_metric("", "bridgelab_x_total", NULL, &v), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_figures_before_the_first_round), cmocka_unit_test(test_rate_over_the_window),
        cmocka_unit_test(test_stalled_when_upstream_moves),       cmocka_unit_test(test_quiet_pipeline_is_idle),
        cmocka_unit_test(test_restart_starts_the_rate_again),     cmocka_unit_test(test_down_says_why),
        cmocka_unit_test(test_end_to_end_from_the_loader),        cmocka_unit_test(test_metric_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
