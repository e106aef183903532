/* test_cloud_metrics.c - the counters' text (metrics.h): families and
 * their samples as counted, label values escaped, the histogram's buckets
 * cumulative up to +Inf, and the action table holding more kinds than it
 * has room for without losing a count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "metrics.h"

#include "test_asan.h"

static char *render(const json_t *jobs)
{
    size_t len = 0;
    char *t = metrics_render(jobs, 3, &len);
    assert_non_null(t);
    assert_int_equal(strlen(t), len);
    assert_true(len > 0 && t[len - 1] == '\n');
    return t;
}

static void counts_what_happened(void **state)
{
    (void)state;
    metrics_reset();
    metrics_signin_count(METRICS_SIGNIN_OK);
    metrics_signin_count(METRICS_SIGNIN_OK);
    metrics_signin_count(METRICS_SIGNIN_THROTTLED);
    metrics_session(1);
    metrics_session(1);
    metrics_session(-1);
    metrics_action("print", "completed");
    metrics_action("print", "completed");
    metrics_action("we\"ird\\", "a\nb");
    metrics_deadline_missed();
    metrics_bytes(METRICS_WS, 1, 100);
    metrics_bytes(METRICS_HTTP, 0, 7);
    metrics_webhook_attempt(0);
    json_t *jobs = json_pack("{s:i, s:i}", "running", 2, "odd", 1);
    char *t = render(jobs);
    json_decref(jobs);
    static const char *const want[] = {
        "# TYPE gfcloud_sessions gauge\ngfcloud_sessions 1\n",
        "gfcloud_sign_ins_total{outcome=\"ok\"} 2\n",
        "gfcloud_sign_ins_total{outcome=\"throttled\"} 1\n",
        "gfcloud_sign_ins_total{outcome=\"bad_password\"} 0\n",
        "gfcloud_actions_total{type=\"print\",outcome=\"completed\"} 2\n",
        "gfcloud_actions_total{type=\"we\\\"ird\\\\\",outcome=\"a\\nb\"} 1\n",
        "gfcloud_deadlines_missed_total 1\n",
        "gfcloud_jobs{state=\"running\"} 2\n",
        "gfcloud_jobs{state=\"queued\"} 0\n",
        "gfcloud_jobs{state=\"odd\"} 1\n",
        "gfcloud_received_bytes_total{transport=\"ws\"} 100\n",
        "gfcloud_sent_bytes_total{transport=\"http\"} 7\n",
        "gfcloud_worker_queue_depth 3\n",
        "gfcloud_webhook_attempts_total{outcome=\"failed\"} 1\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!strstr(t, want[i]))
            fail_msg("missing: %s\nin:\n%s", want[i], t);
    }
    free(t);
    /* Without the jobs' counts the family is left out, not made up. */
    t = render(NULL);
    assert_null(strstr(t, "gfcloud_jobs"));
    free(t);
}

static void histogram_is_cumulative(void **state)
{
    (void)state;
    metrics_reset();
    int64_t now = metrics_clock_us();
    metrics_store_write(now);            /* about 0 µs */
    metrics_store_write(now - 3000);     /* about 3 ms */
    metrics_store_write(now - 10000000); /* 10 s: only in +Inf */
    char *t = render(NULL);
    assert_non_null(
        strstr(t, "gfcloud_store_write_seconds_bucket{le=\"0.0001\"} 1\n"));
    assert_non_null(
        strstr(t, "gfcloud_store_write_seconds_bucket{le=\"0.005\"} 2\n"));
    assert_non_null(
        strstr(t, "gfcloud_store_write_seconds_bucket{le=\"2.5\"} 2\n"));
    assert_non_null(
        strstr(t, "gfcloud_store_write_seconds_bucket{le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(t, "gfcloud_store_write_seconds_count 3\n"));
    assert_non_null(strstr(t, "gfcloud_store_write_seconds_sum 10.00"));
    /* No loop pass timed yet (the poll loop never times one): no family. */
    assert_null(strstr(t, "gfcloud_loop_pass_seconds"));
    free(t);
    metrics_loop_pass(1500);
    metrics_loop_pass(40);
    t = render(NULL);
    assert_non_null(strstr(t, "# TYPE gfcloud_loop_pass_seconds histogram\n"));
    assert_non_null(
        strstr(t, "gfcloud_loop_pass_seconds_bucket{le=\"0.0001\"} 1\n"));
    assert_non_null(
        strstr(t, "gfcloud_loop_pass_seconds_bucket{le=\"0.0025\"} 2\n"));
    assert_non_null(strstr(t, "gfcloud_loop_pass_seconds_sum 0.001540\n"));
    assert_non_null(strstr(t, "gfcloud_loop_pass_seconds_count 2\n"));
    /* The store's histogram is its own. */
    assert_non_null(strstr(t, "gfcloud_store_write_seconds_count 3\n"));
    free(t);
}

static void action_table_overflows_into_other(void **state)
{
    (void)state;
    char type[32];
    metrics_reset();
    for (int i = 0; i < 300; i++) {
        snprintf(type, sizeof(type), "t%d", i);
        metrics_action(type, "completed");
    }
    metrics_action("t0", "completed");
    char *t = render(NULL);
    assert_non_null(strstr(
        t, "gfcloud_actions_total{type=\"t0\",outcome=\"completed\"} 2\n"));
    /* 127 kinds kept by name, the other 173 counted together. */
    assert_non_null(strstr(
        t, "gfcloud_actions_total{type=\"other\",outcome=\"other\"} 173\n"));
    free(t);
}

/* The heap beside the counters: in use and free, as the allocator says
 * (test_cloud_heap_trim checks the figures follow what is held). */
static void heap_is_shown(void **state)
{
    (void)state;
    char *t = render(NULL);
    assert_non_null(strstr(t, "# TYPE gfcloud_heap_bytes gauge\n"));
    const char *in_use = strstr(t, "gfcloud_heap_bytes{state=\"in_use\"} ");
    assert_non_null(in_use);
    assert_non_null(strstr(t, "gfcloud_heap_bytes{state=\"free\"} "));
    unsigned long long n = strtoull(strchr(in_use, '}') + 2, NULL, 10);
#ifndef UNDER_ASAN
    assert_true(n > 0); /* this test's own allocations at least */
#else
    (void)n; /* the sanitizer's allocator is not the one glibc reports */
#endif
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_what_happened),
        cmocka_unit_test(histogram_is_cumulative),
        cmocka_unit_test(action_table_overflows_into_other),
        cmocka_unit_test(heap_is_shown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
