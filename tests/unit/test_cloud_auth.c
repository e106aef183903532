/* test_cloud_auth.c - secrets and tokens: keyed hashes, the persisted server
 * key, auth_token forgery/expiry, ws_token single use/expiry, upload URL
 * signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "auth.h"
#include "test_cloud_tmp.h"

static void hashes_are_keyed_and_stable(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], pw[65];
    uint8_t h1[AUTH_HASH_LEN], h2[AUTH_HASH_LEN], h3[AUTH_HASH_LEN];
    auth *a = NULL, *b = NULL;
    assert_int_equal(auth_open(&a, dir, err, sizeof(err)), 0);
    auth_random_hex(pw);
    assert_true(auth_is_password(pw));
    auth_hash_secret(a, pw, h1);
    auth_close(a);
    /* Reopening reads the same server key: the same hash. */
    assert_int_equal(auth_open(&b, dir, err, sizeof(err)), 0);
    auth_hash_secret(b, pw, h2);
    assert_true(auth_hash_equal(h1, h2));
    for (int i = 0; pw[i]; i++)
        pw[i] = (char)(pw[i] >= 'a' ? pw[i] - 32 : pw[i]);
    auth_hash_secret(b, pw, h3); /* upper-case hex is the same password */
    assert_true(auth_hash_equal(h1, h3));
    pw[0] = pw[0] == '0' ? '1' : '0';
    auth_hash_secret(b, pw, h3);
    assert_false(auth_hash_equal(h1, h3));
    assert_false(auth_is_password("abc"));
    assert_false(auth_is_password(
        "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
    auth_close(b);
    tmp_dir_remove(dir);
}

static void auth_tokens(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], tok[AUTH_TOKEN_MAX];
    uint64_t serial = 0;
    auth *a = NULL;
    assert_int_equal(auth_open(&a, dir, err, sizeof(err)), 0);
    auth_token_make(a, 10000042, 31, 1000, tok);
    assert_int_equal(auth_token_check(a, tok, 31, 999, &serial), 0);
    assert_int_equal(serial, 10000042);
    assert_int_equal(auth_token_check(a, tok, 31, 1000, &serial), -2);
    /* Another registration of the same serial: refused. */
    assert_int_equal(auth_token_check(a, tok, 32, 999, &serial), -1);
    assert_int_equal(auth_token_serial(tok, &serial), 0);
    assert_int_equal(serial, 10000042);
    /* Changing the serial or expiry breaks the MAC. */
    tok[0] = tok[0] == '1' ? '2' : '1';
    assert_int_equal(auth_token_check(a, tok, 31, 999, &serial), -1);
    assert_int_equal(auth_token_check(a, "", 31, 0, &serial), -1);
    assert_int_equal(auth_token_check(a, "1.2.3", 31, 0, &serial), -1);
    assert_int_equal(auth_token_serial("1.2.3", &serial), -1);
    auth_close(a);
    tmp_dir_remove(dir);
}

static void ws_tokens_single_use(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], t1[65], t2[65];
    uint64_t serial = 0;
    auth *a = NULL;
    assert_int_equal(auth_open(&a, dir, err, sizeof(err)), 0);
    uint64_t reg = 0;
    auth_ws_token_issue(a, 7, 70, 100, 30, t1);
    auth_ws_token_issue(a, 8, 80, 100, 30, t2);
    assert_string_not_equal(t1, t2);
    assert_int_equal(auth_ws_token_peek(a, t1, 110, &serial, &reg), 0);
    assert_int_equal(serial, 7);
    assert_int_equal(reg, 70);
    serial = 0;
    assert_int_equal(auth_ws_token_take(a, t1, 110, &serial, &reg), 0);
    assert_int_equal(serial, 7);
    assert_int_equal(auth_ws_token_take(a, t1, 110, &serial, NULL), -1);
    assert_int_equal(auth_ws_token_take(a, t2, 130, &serial, NULL), -1);
    assert_int_equal(auth_ws_token_peek(a, "nope", 110, NULL, NULL), -1);
    /* Many sign-ins: expired ones are pruned, fresh ones still work. */
    for (int i = 0; i < 1000; i++)
        auth_ws_token_issue(a, (uint64_t)i + 1, 0, 200 + i, 30, t1);
    assert_int_equal(auth_ws_token_take(a, t1, 1199, &serial, NULL), 0);
    assert_int_equal(serial, 1000);
    auth_close(a);
    tmp_dir_remove(dir);
}

static void upload_signatures(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], sig[65];
    auth *a = NULL;
    assert_int_equal(auth_open(&a, dir, err, sizeof(err)), 0);
    auth_upload_sig(a, 1600000001, 500, sig);
    assert_int_equal(auth_upload_check(a, 1600000001, 500, sig, 499), 0);
    assert_int_equal(auth_upload_check(a, 1600000001, 500, sig, 500), -2);
    assert_int_equal(auth_upload_check(a, 1600000002, 500, sig, 499), -1);
    assert_int_equal(auth_upload_check(a, 1600000001, 501, sig, 499), -1);
    assert_int_equal(auth_upload_check(a, 1600000001, 500, "00", 499), -1);
    auth_close(a);
    tmp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hashes_are_keyed_and_stable),
        cmocka_unit_test(auth_tokens),
        cmocka_unit_test(ws_tokens_single_use),
        cmocka_unit_test(upload_signatures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
