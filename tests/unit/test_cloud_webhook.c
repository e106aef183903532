/* test_cloud_webhook.c - a webhook's signature against known HMAC-SHA256
 * values (RFC 4231's vectors, and a gfcloud-shaped secret and body whose
 * value Python's hmac module gave), and the checks of a webhook's URL and
 * event list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "webhook.h"

static void signs_known_vectors(void **state)
{
    (void)state;
    char hex[65], key[132];
    /* RFC 4231, test case 2: a short key. */
    const char *body = "what do ya want for nothing?";
    webhook_sign("Jefe", body, strlen(body), hex);
    assert_string_equal(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* RFC 4231, test case 6: a key longer than SHA-256's block. */
    memset(key, 0xaa, 131);
    key[131] = '\0';
    body = "Test Using Larger Than Block-Size Key - Hash Key First";
    webhook_sign(key, body, strlen(body), hex);
    assert_string_equal(
        hex,
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    /* A secret as gfcloud makes them (its 64 characters are the key). */
    body =
        "{\"event\":\"job.completed\",\"at\":1764720000,\"data\":{\"id\":7}}";
    webhook_sign(
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        body, strlen(body), hex);
    assert_string_equal(
        hex,
        "ed24420e88e12b0a958be6b94404510f5b096f55270782e34a8449b07f6424ea");
}

static void checks_url_and_events(void **state)
{
    (void)state;
    char list[256], err[256];
    assert_int_equal(webhook_check("https://h.example/x?a=1",
                                   " job.failed ,machine.offline,job.failed",
                                   list, sizeof(list), err, sizeof(err)),
                     0);
    assert_string_equal(list, "job.failed,machine.offline");
    assert_int_equal(webhook_check("http://127.0.0.1:9/", "job.completed", list,
                                   sizeof(list), err, sizeof(err)),
                     0);
    static const char *const bad_urls[] = {
        "ftp://h/", "http://", "https:///x", "http://h/ x", "http://h/\x7f",
        "h/x",      ""};
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++)
        assert_int_equal(webhook_check(bad_urls[i], "job.failed", list,
                                       sizeof(list), err, sizeof(err)),
                         -1);
    assert_int_equal(
        webhook_check(NULL, "job.failed", list, sizeof(list), err, sizeof(err)),
        -1);
    assert_int_equal(webhook_check("http://h/", "job.exploded", list,
                                   sizeof(list), err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "job.exploded"));
    assert_int_equal(
        webhook_check("http://h/", " , ", list, sizeof(list), err, sizeof(err)),
        -1);
    assert_int_equal(
        webhook_check("http://h/", NULL, list, sizeof(list), err, sizeof(err)),
        -1);
    assert_int_equal(
        webhook_check("http://h/", "job.failed", list, 5, err, sizeof(err)),
        -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signs_known_vectors),
        cmocka_unit_test(checks_url_and_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
