/* test_gfnet_target.c - a client connection's address, path and Host header
 * from a configured URL, as gfmachine and gfload use it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "gfnet_target.h"

static void ws_url_gets_the_token_as_its_last_segment(void **state)
{
    gfnet_target t;
    assert_int_equal(
        gfnet_target_parse(&t, "ws://status.example:8080", GFNET_WS, "TOKEN"),
        0);
    assert_string_equal(t.addr, "status.example");
    assert_int_equal(t.port, 8080);
    assert_false(t.tls);
    assert_string_equal(t.path, "/TOKEN");
    assert_string_equal(t.host, "status.example:8080");

    assert_int_equal(
        gfnet_target_parse(&t, "wss://status.example/base/", GFNET_WS, "TOKEN"),
        0);
    assert_true(t.tls);
    assert_string_equal(t.path, "/base/TOKEN");
    assert_string_equal(t.host, "status.example"); /* default port left out */
}

static void http_url_keeps_its_path(void **state)
{
    gfnet_target t;
    assert_int_equal(gfnet_target_parse(&t, "https://app.example/jobs/1.puls",
                                        GFNET_HTTP, NULL),
                     0);
    assert_true(t.tls);
    assert_int_equal(t.port, 443);
    assert_string_equal(t.path, "/jobs/1.puls");

    struct lws_client_connect_info i;
    memset(&i, 0, sizeof(i));
    gfnet_target_fill(&t, &i);
    assert_string_equal(i.host, "app.example");
    assert_string_equal(i.origin, "app.example");
    assert_true(i.ssl_connection & LCCSCF_USE_SSL);
}

static void wrong_scheme_or_oversize_is_refused(void **state)
{
    gfnet_target t;
    assert_int_equal(
        gfnet_target_parse(&t, "http://status.example", GFNET_WS, "T"), -1);
    assert_int_equal(
        gfnet_target_parse(&t, "ftp://app.example", GFNET_HTTP, NULL), -1);
    char big[3000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memcpy(big, "http://", 7);
    assert_int_equal(gfnet_target_parse(&t, big, GFNET_HTTP, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ws_url_gets_the_token_as_its_last_segment),
        cmocka_unit_test(http_url_keeps_its_path),
        cmocka_unit_test(wrong_scheme_or_oversize_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
