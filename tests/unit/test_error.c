/* test_error.c - every error code has its own name and sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "gf/error.h"

static void every_code_has_a_distinct_name(void **state)
{
    const char *seen[128];
    int n = 0;
    for (int code = 0; code > GF_ELAST; code--) {
        const char *name = gf_errname(code);
        if (strcmp(name, "unknown") == 0)
            continue;
        assert_string_not_equal(gf_strerror(code), "unknown error");
        for (int i = 0; i < n; i++)
            assert_string_not_equal(seen[i], name);
        seen[n++] = name;
    }
    assert_true(n >= 20);
}

static void unknown_codes_say_so(void **state)
{
    assert_string_equal(gf_strerror(-12345), "unknown error");
    assert_string_equal(gf_errname(7), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_has_a_distinct_name),
        cmocka_unit_test(unknown_codes_say_so),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
