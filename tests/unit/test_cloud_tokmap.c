/* test_cloud_tokmap.c - live ws_tokens by hash: found, used up once,
 * expired ones refused and pruned oldest first, strings of any length
 * asked for safely, and many tokens through the table's growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tokmap.h"

static void tok(char out[65], unsigned k)
{
    snprintf(out, 65, "%064x", k * 2654435761u);
}

static void put_peek_take(void **state)
{
    (void)state;
    tokmap *m = tokmap_new();
    char a[65], b[65];
    uint64_t serial = 0;
    tok(a, 1);
    tok(b, 2);
    assert_int_equal(tokmap_put(m, a, 7, 0, 130), 0);
    assert_int_equal(tokmap_put(m, b, 8, 0, 130), 0);
    assert_int_equal(tokmap_peek(m, a, 100, &serial, NULL), 0);
    assert_int_equal(serial, 7);
    assert_int_equal(tokmap_peek(m, a, 100, NULL, NULL), 0); /* peek keeps it */
    assert_int_equal(tokmap_take(m, a, 100, &serial, NULL), 0);
    assert_int_equal(serial, 7);
    assert_int_equal(tokmap_take(m, a, 100, &serial, NULL), -1); /* used up */
    assert_int_equal(tokmap_peek(m, a, 100, NULL, NULL), -1);
    assert_int_equal(tokmap_count(m), 1);
    assert_int_equal(tokmap_take(m, b, 130, &serial, NULL), -1); /* expired */
    assert_int_equal(tokmap_count(m), 0);                        /* and gone */
    tokmap_free(m);
}

static void odd_strings_are_unknown(void **state)
{
    (void)state;
    tokmap *m = tokmap_new();
    char a[65], longer[80];
    tok(a, 3);
    tokmap_put(m, a, 1, 0, 1000);
    assert_int_equal(tokmap_peek(m, "", 0, NULL, NULL), -1);
    assert_int_equal(tokmap_peek(m, "nope", 0, NULL, NULL), -1);
    snprintf(longer, sizeof(longer), "%sxyz", a); /* the token and more */
    assert_int_equal(tokmap_peek(m, longer, 0, NULL, NULL), -1);
    a[63] = a[63] == '0' ? '1' : '0'; /* one character off */
    assert_int_equal(tokmap_take(m, a, 0, NULL, NULL), -1);
    assert_int_equal(tokmap_count(m), 1);
    tokmap_free(m);
}

static void prune_drops_the_expired_oldest_first(void **state)
{
    (void)state;
    tokmap *m = tokmap_new();
    char t[65];
    for (unsigned k = 0; k < 10; k++) {
        tok(t, k);
        tokmap_put(m, t, k, 0, 100 + k); /* one ttl: expiries in order */
    }
    tokmap_prune(m, 104); /* 100..104 expired */
    assert_int_equal(tokmap_count(m), 5);
    tok(t, 4);
    assert_int_equal(tokmap_peek(m, t, 0, NULL, NULL), -1);
    tok(t, 5);
    assert_int_equal(tokmap_peek(m, t, 104, NULL, NULL), 0);
    tokmap_prune(m, 1000);
    assert_int_equal(tokmap_count(m), 0);
    tokmap_free(m);
}

/* Past several doublings, every token is still found, and taking from
 * the middle of chains and the queue keeps both consistent. */
static void many_tokens_through_growth(void **state)
{
    (void)state;
    enum { N = 50000 };
    tokmap *m = tokmap_new();
    char t[65];
    uint64_t serial;
    for (unsigned k = 0; k < N; k++) {
        tok(t, k);
        assert_int_equal(tokmap_put(m, t, k, 0, 1000 + k), 0);
    }
    assert_int_equal(tokmap_count(m), N);
    for (unsigned k = 0; k < N; k += 2) {
        tok(t, k);
        assert_int_equal(tokmap_take(m, t, 0, &serial, NULL), 0);
        assert_int_equal(serial, k);
    }
    for (unsigned k = 1; k < N; k += 2) {
        tok(t, k);
        assert_int_equal(tokmap_peek(m, t, 0, &serial, NULL), 0);
        assert_int_equal(serial, k);
    }
    tokmap_prune(m, 1000 + N / 2);
    assert_int_equal(tokmap_count(m), N / 4);
    tokmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_peek_take),
        cmocka_unit_test(odd_strings_are_unknown),
        cmocka_unit_test(prune_drops_the_expired_oldest_first),
        cmocka_unit_test(many_tokens_through_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
