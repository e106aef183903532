/* test_cloud_roles.c - the route table (roles.c) read as a specification:
 * what a viewer, an operator and an admin may call, that what the table
 * does not name needs an admin, and the password, name and cookie rules
 * of users.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>
#include <sodium.h>

#include "roles.h"
#include "users.h"

static void names_round_trip_and_order(void **state)
{
    (void)state;
    assert_true(ROLE_VIEWER < ROLE_OPERATOR && ROLE_OPERATOR < ROLE_ADMIN);
    for (int r = ROLE_VIEWER; r <= ROLE_ADMIN; r++)
        assert_int_equal(role_parse(role_name(r)), r);
    assert_int_equal(role_parse("root"), ROLE_NONE);
    assert_int_equal(role_parse("Admin"), ROLE_NONE);
    assert_int_equal(role_parse(""), ROLE_NONE);
    assert_int_equal(role_parse(NULL), ROLE_NONE);
    assert_string_equal(role_name(7), "none");
}

struct want {
    const char *method, *path;
    int role;
};

static void viewers_look_operators_run_admins_manage(void **state)
{
    (void)state;
    static const struct want w[] = {
        {"GET", "/api/v1/machines", ROLE_VIEWER},
        {"HEAD", "/api/v1/machines", ROLE_VIEWER},
        {"GET", "/api/v1/machines/S10000042", ROLE_VIEWER},
        {"GET", "/api/v1/machines/S1/images/lid_image/latest", ROLE_VIEWER},
        {"GET", "/api/v1/machines/S1/logs", ROLE_VIEWER},
        {"GET", "/api/v1/jobs/3/preview.png", ROLE_VIEWER},
        {"GET", "/api/v1/events/stream", ROLE_VIEWER},
        {"POST", "/api/v1/jobs", ROLE_OPERATOR},
        {"POST", "/api/v1/jobs/3/cancel", ROLE_OPERATOR},
        {"POST", "/api/v1/machines/S1/actions", ROLE_OPERATOR},
        {"POST", "/api/v1/machines/S1/home", ROLE_OPERATOR},
        {"POST", "/api/v1/machines/S1/camera/calibrate", ROLE_OPERATOR},
        {"POST", "/api/v1/actions/7/cancel", ROLE_OPERATOR},
        {"POST", "/api/v1/files", ROLE_OPERATOR},
        {"POST", "/api/v1/machines", ROLE_ADMIN},
        {"DELETE", "/api/v1/machines/S1", ROLE_ADMIN},
        {"PUT", "/api/v1/machines/S1/home_offset", ROLE_ADMIN},
        {"PUT", "/api/v1/materials/birch", ROLE_ADMIN},
        {"GET", "/api/v1/users", ROLE_ADMIN},
        {"DELETE", "/api/v1/users/ann", ROLE_ADMIN},
        {"POST", "/api/v1/keys", ROLE_ADMIN},
        {"GET", "/api/v1/audit", ROLE_ADMIN},
        {"GET", "/api/v1/webhooks/2/deliveries", ROLE_ADMIN},
        {"POST", "/api/v1/session", ROLE_NONE},
        {"DELETE", "/api/v1/session", ROLE_NONE},
    };
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        int got = roles_required(w[i].method, w[i].path);
        if (got != w[i].role)
            fail_msg("%s %s needs %s, the table says %s", w[i].method,
                     w[i].path, role_name(w[i].role), role_name(got));
    }
}

static void what_the_table_does_not_name_needs_an_admin(void **state)
{
    (void)state;
    assert_int_equal(roles_required("PATCH", "/api/v1/machines"), ROLE_ADMIN);
    assert_int_equal(roles_required("GET", "/api/v1/secret"), ROLE_ADMIN);
    assert_int_equal(roles_required("DELETE", "/api/v1/jobs/3"), ROLE_ADMIN);
    assert_int_equal(roles_required("GET", "/api/v1/machines/S1/x"),
                     ROLE_ADMIN);
    assert_int_equal(roles_required("GET", "/api/v1/machines/S1/logs/more"),
                     ROLE_ADMIN);
    assert_int_equal(roles_required("", "/api/v1/machines"), ROLE_ADMIN);
    assert_int_equal(roles_required("GET", "/api/v2/machines"), ROLE_ADMIN);
    assert_int_equal(roles_required("POST", "api/v1/session"), ROLE_ADMIN);
}

/* Every row is well formed, and no method and pattern appear twice (the
 * second would never be read). Reads come out no wider than a viewer's
 * unless they are the users', keys', audit's or webhooks'. */
static void every_row_is_well_formed_and_unique(void **state)
{
    (void)state;
    const char *m, *p, *m2, *p2;
    int role, role2, n = 0;
    for (int i = 0; roles_row(i, &m, &p, &role) == 0; i++, n++) {
        assert_true(role >= ROLE_NONE && role <= ROLE_ADMIN);
        assert_true(strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0 ||
                    strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0);
        assert_true(p[0] != '/' && p[strlen(p) - 1] != '/');
        for (int j = 0; j < i; j++) {
            roles_row(j, &m2, &p2, &role2);
            if (strcmp(m, m2) == 0 && strcmp(p, p2) == 0)
                fail_msg("%s %s is in the table twice", m, p);
        }
        if (strcmp(m, "GET") == 0 && role == ROLE_ADMIN)
            assert_true(strcmp(p, "users") == 0 || strcmp(p, "keys") == 0 ||
                        strcmp(p, "audit") == 0 ||
                        strncmp(p, "webhooks", 8) == 0);
    }
    assert_true(n > 30);
    assert_int_equal(roles_row(n, &m, &p, &role), -1);
    assert_null(m);
}

static void user_names_and_made_passwords(void **state)
{
    (void)state;
    char pw[USER_PASSWORD_LEN + 1], other[USER_PASSWORD_LEN + 1];
    assert_true(users_name_ok("alice"));
    assert_true(users_name_ok("a.b_c-9"));
    assert_true(users_name_ok("0123456789abcdef0123456789abcdef"));
    assert_false(users_name_ok("0123456789abcdef0123456789abcdef0"));
    assert_false(users_name_ok(""));
    assert_false(users_name_ok(NULL));
    assert_false(users_name_ok("a/b"));
    assert_false(users_name_ok("a b"));
    assert_false(users_name_ok("é"));
    assert_int_equal(sodium_init() < 0, 0);
    users_make_password(pw);
    users_make_password(other);
    assert_int_equal(strlen(pw), USER_PASSWORD_LEN);
    assert_string_not_equal(pw, other);
    for (int i = 0; i < USER_PASSWORD_LEN; i++) {
        if (i % 6 == 5)
            assert_int_equal(pw[i], '-');
        else
            assert_non_null(strchr("abcdefghijkmnpqrstuvwxyz23456789", pw[i]));
    }
}

static void argon2id_hashes_verify_only_their_password(void **state)
{
    (void)state;
    char h[USER_HASH_LEN];
    assert_int_equal(sodium_init() < 0, 0);
    assert_int_equal(users_hash("correct horse", h), 0);
    assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
    assert_true(users_verify(h, "correct horse"));
    assert_false(users_verify(h, "correct horsE"));
    assert_false(users_verify(h, ""));
    assert_false(users_verify(NULL, "correct horse")); /* no such user */
    assert_false(users_verify("", "correct horse"));
}

static void the_session_cookie_among_others(void **state)
{
    (void)state;
    char tok[65];
    const char *hex =
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char h[256];
    snprintf(h, sizeof(h), "theme=dark; gfsession=%s; lang=en", hex);
    assert_int_equal(users_cookie_token(h, tok), 0);
    assert_string_equal(tok, hex);
    snprintf(h, sizeof(h), "gfsession=%s", hex);
    assert_int_equal(users_cookie_token(h, tok), 0);
    snprintf(h, sizeof(h), "xgfsession=%s", hex); /* another cookie */
    assert_int_equal(users_cookie_token(h, tok), -1);
    snprintf(h, sizeof(h), "gfsession=%s0", hex); /* too long */
    assert_int_equal(users_cookie_token(h, tok), -1);
    assert_int_equal(users_cookie_token("gfsession=abc", tok), -1);
    assert_int_equal(users_cookie_token("", tok), -1);
    assert_int_equal(users_cookie_token(NULL, tok), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_round_trip_and_order),
        cmocka_unit_test(viewers_look_operators_run_admins_manage),
        cmocka_unit_test(what_the_table_does_not_name_needs_an_admin),
        cmocka_unit_test(every_row_is_well_formed_and_unique),
        cmocka_unit_test(user_names_and_made_passwords),
        cmocka_unit_test(argon2id_hashes_verify_only_their_password),
        cmocka_unit_test(the_session_cookie_among_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
