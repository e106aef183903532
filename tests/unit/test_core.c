/* test_core.c - gf_core's helpers: gf_grow doubles an array up to its cap
 * and keeps it on failure; gf_data_path finds shipped files next to the
 * running binary and says where the installed copy would be. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gf/data.h"
#include "gf/error.h"
#include "gf/grow.h"

static void grow_doubles_from_first_and_stops_at_the_cap(void **state)
{
    int *a = NULL;
    size_t cap = 0, count = 0;
    size_t seen[8], n = 0;
    for (;;) {
        if (count == cap) {
            int rc = gf_grow(&a, &cap, sizeof *a, 4, 20);
            if (rc == GF_ETOOBIG)
                break;
            assert_int_equal(rc, GF_OK);
            seen[n++] = cap;
        }
        a[count] = (int)count;
        count++;
    }
    assert_int_equal(n, 4);
    assert_int_equal(seen[0], 4);
    assert_int_equal(seen[1], 8);
    assert_int_equal(seen[2], 16);
    assert_int_equal(seen[3], 20); /* clamped to the cap, not 32 */
    assert_int_equal(count, 20);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(a[i], (int)i); /* contents survive each move */
    free(a);
}

static void grow_refuses_an_impossible_size_and_keeps_the_array(void **state)
{
    char *a = NULL;
    size_t cap = 0;
    assert_int_equal(gf_grow(&a, &cap, 1, 16, SIZE_MAX), GF_OK);
    memcpy(a, "kept", 5);
    char *before = a;
    size_t huge = SIZE_MAX / 4 + 1; /* twice this overflows size_t */
    cap = huge;
    assert_int_equal(gf_grow(&a, &cap, 2, 16, SIZE_MAX), GF_ENOMEM);
    assert_ptr_equal(a, before);
    assert_int_equal(cap, huge);
    assert_string_equal(a, "kept");
    free(a);
}

static void data_path_finds_files_next_to_the_binary(void **state)
{
    char exe[PATH_MAX], want[PATH_MAX], out[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    const char *name = strrchr(exe, '/') + 1;
    snprintf(want, sizeof(want), "%s", exe);
    /* This test's own binary is a file next to the running binary. */
    assert_int_equal(gf_data_path(name, out, sizeof(out)), GF_OK);
    assert_string_equal(out, want);
}

static void data_path_names_the_installed_place_when_missing(void **state)
{
    char out[PATH_MAX];
    assert_int_equal(gf_data_path("no-such-file.gf", out, sizeof(out)),
                     GF_ENOTFOUND);
    const char *tail = "/gfcloud/no-such-file.gf";
    size_t len = strlen(out), tlen = strlen(tail);
    assert_true(len > tlen && out[0] == '/');
    assert_string_equal(out + len - tlen, tail);
    assert_int_equal(gf_data_path("no-such-file.gf", out, 8), GF_ETOOBIG);
}

static void
buf_append_keeps_text_terminated_and_refuses_past_the_cap(void **state)
{
    (void)state;
    char *b = NULL;
    size_t len = 0, cap = 0;
    assert_int_equal(gf_buf_append(&b, &len, &cap, "hello", 5, 4, 16), GF_OK);
    assert_int_equal(len, 5);
    assert_true(cap >= 6 && cap <= 16);
    assert_string_equal(b, "hello");
    assert_int_equal(gf_buf_append(&b, &len, &cap, " world", 6, 4, 16), GF_OK);
    assert_string_equal(b, "hello world");
    /* 11 + 5 + NUL is 17 bytes: one past the cap, so nothing changes. */
    assert_int_equal(gf_buf_append(&b, &len, &cap, "12345", 5, 4, 16),
                     GF_ETOOBIG);
    assert_int_equal(len, 11);
    assert_string_equal(b, "hello world");
    /* Exactly at the cap still fits. */
    assert_int_equal(gf_buf_append(&b, &len, &cap, "1234", 4, 4, 16), GF_OK);
    assert_int_equal(cap, 16);
    assert_string_equal(b, "hello world1234");
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grow_doubles_from_first_and_stops_at_the_cap),
        cmocka_unit_test(grow_refuses_an_impossible_size_and_keeps_the_array),
        cmocka_unit_test(
            buf_append_keeps_text_terminated_and_refuses_past_the_cap),
        cmocka_unit_test(data_path_finds_files_next_to_the_binary),
        cmocka_unit_test(data_path_names_the_installed_place_when_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
