/* test_machine_auth.c - gfmachine's auth_request() before any sign-in: a
 * Bearer call with no token is refused as MHTTP_ENOAUTH with a clear reason
 * and never reaches the network (the 401 sign-in-and-replay path runs
 * against a fake service in tests/integration/test_machine_rules.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "config.h"
#include "http.h"

static void test_no_token_is_enoauth_and_sends_nothing(void **state)
{
    cfg c;
    char err[256] = "";
    char *body = NULL;
    long status = 123;
    (void)state;
    cfg_defaults(&c);
    auth_init(&c);
    /* Port 1 on loopback refuses connections: had a request been made, the
     * answer would be MHTTP_ENET. */
    mhttp_req r = {.method = "GET",
                   .url = "http://127.0.0.1:1/files/m",
                   .mem = &body,
                   .timeout_ms = 2000,
                   .user_agent = "test"};
    assert_int_equal(auth_request(&r, &status, err, sizeof(err)),
                     MHTTP_ENOAUTH);
    assert_string_equal(err, "not signed in");
    assert_int_equal(status, 0);
    assert_null(body);
    /* The same request without the Bearer does go out, and fails there. */
    assert_int_equal(mhttp_do(&r, &status, err, sizeof(err)), MHTTP_ENET);
    assert_null(body);
    auth_cleanup();
    cfg_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_token_is_enoauth_and_sends_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
