/* test_cloud_throttle.c - failed sign-in counting per key and window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "throttle.h"

static void blocks_after_max_until_window_passes(void **state)
{
    (void)state;
    throttle *t = throttle_new(60);
    assert_non_null(t);
    for (int i = 0; i < 3; i++) {
        assert_false(throttle_blocked(t, "S1", 3, 100));
        throttle_fail(t, "S1", 100 + i);
    }
    assert_true(throttle_blocked(t, "S1", 3, 110));
    assert_false(throttle_blocked(t, "S2", 3, 110));
    assert_true(throttle_blocked(t, "S1", 100, 110) == 0);
    assert_false(throttle_blocked(t, "S1", 3, 160)); /* window over */
    throttle_fail(t, "S3", 100);
    throttle_clear(t, "S3");
    assert_false(throttle_blocked(t, "S3", 1, 101));
    throttle_free(t);
}

static void table_stays_bounded(void **state)
{
    (void)state;
    throttle *t = throttle_new(60);
    char key[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
        throttle_fail(t, key, 1000 + i / 100);
    }
    /* The newest keys are still counted. */
    throttle_fail(t, key, 1100);
    assert_true(throttle_blocked(t, key, 2, 1100));
    throttle_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_after_max_until_window_passes),
        cmocka_unit_test(table_stays_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
