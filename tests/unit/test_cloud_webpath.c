/* test_cloud_webpath.c - request paths to dashboard file names and their
 * content types (webpath.c): what is served, and every shape refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "webpath.h"

static void names_that_are_served(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(webpath_rel("/", out, sizeof(out)), 0);
    assert_string_equal(out, "index.html");
    assert_int_equal(webpath_rel("/app.js", out, sizeof(out)), 0);
    assert_string_equal(out, "app.js");
    assert_int_equal(webpath_rel("/pages/fleet.js", out, sizeof(out)), 0);
    assert_string_equal(out, "pages/fleet.js");
    assert_int_equal(webpath_rel("/a-b_c.1.css", out, sizeof(out)), 0);
    assert_string_equal(out, "a-b_c.1.css");
}

static void shapes_that_are_refused(void **state)
{
    (void)state;
    char out[64];
    static const char *const bad[] = {
        "",          "app.js",          "//app.js",   "/a//b.js", "/pages/",
        "/..",       "/../x.js",        "/a/../b.js", "/.hidden", "/a/.git/x",
        "/./app.js", "/a b.js",         "/a%2e.js",   "/a\\b.js", "/a?b.js",
        "/\x01.js",  "/caf\xc3\xa9.js",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (webpath_rel(bad[i], out, sizeof(out)) != -1)
            fail_msg("accepted '%s'", bad[i]);
    }
    assert_int_equal(webpath_rel(NULL, out, sizeof(out)), -1);
}

static void long_names_do_not_overflow(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(webpath_rel("/abcdefgh", out, sizeof(out)), -1);
    assert_int_equal(webpath_rel("/abcdefg", out, sizeof(out)), 0);
    assert_string_equal(out, "abcdefg");
    char tiny[4];
    assert_int_equal(webpath_rel("/", tiny, sizeof(tiny)), -1);
}

static void content_types(void **state)
{
    (void)state;
    assert_string_equal(webpath_ctype("index.html"),
                        "text/html; charset=utf-8");
    assert_string_equal(webpath_ctype("a/app.js"),
                        "text/javascript; charset=utf-8");
    assert_string_equal(webpath_ctype("style.css"), "text/css; charset=utf-8");
    assert_string_equal(webpath_ctype("bed.svg"), "image/svg+xml");
    assert_string_equal(webpath_ctype("shot.png"), "image/png");
    assert_null(webpath_ctype("README.md"));
    assert_null(webpath_ctype("Makefile"));
    assert_null(webpath_ctype("a.js/b"));
    assert_null(webpath_ctype("app.JS"));
    assert_null(webpath_ctype(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_that_are_served),
        cmocka_unit_test(shapes_that_are_refused),
        cmocka_unit_test(long_names_do_not_overflow),
        cmocka_unit_test(content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
