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
    throttle *t = throttle_new(60, 3);
    assert_non_null(t);
    for (int i = 0; i < 3; i++) {
        assert_false(throttle_blocked(t, "S1", 100));
        throttle_fail(t, "S1", 100 + i);
    }
    assert_true(throttle_blocked(t, "S1", 110));
    assert_false(throttle_blocked(t, "S2", 110));
    assert_false(throttle_blocked(t, "S1", 160)); /* window over */
    throttle_fail(t, "S3", 100);
    throttle_clear(t, "S3");
    assert_false(throttle_blocked(t, "S3", 101));
    throttle_free(t);
}

static void table_stays_bounded(void **state)
{
    (void)state;
    throttle *t = throttle_new(60, 2);
    char key[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof(key), "10.0.%d.%d", i / 256, i % 256);
        throttle_fail(t, key, 1000 + i / 100);
    }
    /* The newest keys are still counted. */
    throttle_fail(t, key, 1100);
    assert_true(throttle_blocked(t, key, 1100));
    throttle_free(t);
}

/* Issue 8 item 9: failures on many other keys used to push a blocked key
 * out of the table and reopen guesses on it. */
static void churn_does_not_unblock(void **state)
{
    (void)state;
    throttle *t = throttle_new(60, 3);
    char key[32];
    for (int i = 0; i < 3; i++)
        throttle_fail(t, "S10000042", 100);
    for (int i = 0; i < 6000; i++) {
        snprintf(key, sizeof(key), "S%d", 20000000 + i);
        throttle_fail(t, key, 101 + i / 250);
    }
    assert_true(throttle_blocked(t, "S10000042", 130));
    assert_false(throttle_blocked(t, "S10000042", 160)); /* window over */
    /* A table full of blocked keys: new keys are not counted, the blocked
     * ones stay blocked, and the table works again once windows end. */
    throttle *f = throttle_new(60, 1);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "S%d", 30000000 + i);
        throttle_fail(f, key, 200);
    }
    assert_true(throttle_blocked(f, "S30000000", 210));
    throttle_fail(f, "S1", 220);
    assert_false(throttle_blocked(f, "S1", 220));
    throttle_fail(f, "S1", 261);
    assert_true(throttle_blocked(f, "S1", 261));
    throttle_free(f);
    throttle_free(t);
}

/* Keys share the hash's chains: clearing and reusing slots in any order
 * leaves every other key found, with its own count. */
static void cleared_and_reused_slots_keep_other_keys(void **state)
{
    (void)state;
    throttle *t = throttle_new(60, 2);
    char key[32];
    for (int i = 0; i < 4096; i++) {
        snprintf(key, sizeof(key), "S%d", 50000000 + i);
        throttle_fail(t, key, 100);
    }
    for (int i = 0; i < 4096; i += 2) {
        snprintf(key, sizeof(key), "S%d", 50000000 + i);
        throttle_clear(t, key);
    }
    for (int i = 0; i < 2048; i++) { /* into the cleared slots */
        snprintf(key, sizeof(key), "A%d", i);
        throttle_fail(t, key, 101);
        throttle_fail(t, key, 101);
    }
    for (int i = 0; i < 4096; i++) {
        snprintf(key, sizeof(key), "S%d", 50000000 + i);
        assert_false(throttle_blocked(t, key, 102)); /* one failure each */
        if (i % 2)
            throttle_fail(t, key, 102);
        assert_int_equal(throttle_blocked(t, key, 102), i % 2);
    }
    for (int i = 0; i < 2048; i++) {
        snprintf(key, sizeof(key), "A%d", i);
        assert_true(throttle_blocked(t, key, 102));
    }
    throttle_free(t);
}

static void ipv6_counts_per_64(void **state)
{
    (void)state;
    char a[72], b[72], c[72];
    throttle_address_key("2001:db8:1:2:aaaa::1", a, sizeof(a));
    throttle_address_key("2001:db8:1:2:bbbb::99", b, sizeof(b));
    throttle_address_key("2001:db8:1:3::1", c, sizeof(c));
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    throttle_address_key("127.0.0.1", a, sizeof(a));
    assert_string_equal(a, "127.0.0.1");
    throttle_address_key("::ffff:10.1.2.3", a, sizeof(a));
    assert_string_equal(a, "::ffff:10.1.2.3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(blocks_after_max_until_window_passes),
        cmocka_unit_test(table_stays_bounded),
        cmocka_unit_test(churn_does_not_unblock),
        cmocka_unit_test(cleared_and_reused_slots_keep_other_keys),
        cmocka_unit_test(ipv6_counts_per_64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
