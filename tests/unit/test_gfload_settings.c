/* test_gfload_settings.c - gfload's rendered-once settings report: the line
 * it fills in is byte for byte the one libgf builds and dumps for the same
 * machine, clock and action, whatever the numbers' widths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gf/message.h"
#include "gf/settings.h"
#include "gfload_settings.h"

#define FW "2.6.0-2228"

/* What gfload sent before the template: libgf's report, dumped. */
static char *slow_line(int64_t seq, int64_t ts, int64_t action_id,
                       uint64_t serial, int64_t now)
{
    gf_identity ident = {serial, FW, NULL, -1, -1, -1, NULL, NULL};
    json_t *report = gf_settings_report(&ident, now, action_id);
    assert_non_null(report);
    char *line =
        gf_emit_event(seq, ts, action_id, "settings:completed", NULL, report);
    json_decref(report);
    return line;
}

static void check_same(const gl_settings_tpl *t, int64_t seq, int64_t ts,
                       int64_t action_id, uint64_t serial, int64_t now)
{
    char *fast = gl_settings_tpl_event(t, seq, ts, action_id, serial, now);
    char *slow = slow_line(seq, ts, action_id, serial, now);
    assert_non_null(fast);
    assert_non_null(slow);
    assert_string_equal(fast, slow);
    free(fast);
    free(slow);
}

static void matches_libgf_for_ordinary_numbers(void **state)
{
    (void)state;
    gl_settings_tpl *t = gl_settings_tpl_new(FW);
    assert_non_null(t);
    check_same(t, 1, 1764980000, 42, 1000001, 1764980000);
    check_same(t, 7, 1764980123, 9876543, 2000000123, 1764980124);
    gl_settings_tpl_free(t);
}

static void matches_libgf_at_the_edges_of_width(void **state)
{
    (void)state;
    gl_settings_tpl *t = gl_settings_tpl_new(FW);
    assert_non_null(t);
    check_same(t, 0, 0, 0, 0, 0);
    check_same(t, INT64_MAX, INT64_MAX, INT64_MAX, (uint64_t)INT64_MAX,
               INT64_MAX);
    check_same(t, 3, -1, 5, 1, -1764980000); /* a clock before 1970 */
    gl_settings_tpl_free(t);
}

static void the_line_is_an_event_with_this_machines_values(void **state)
{
    (void)state;
    gl_settings_tpl *t = gl_settings_tpl_new(FW);
    char *line =
        gl_settings_tpl_event(t, 12, 1764980000, 77, 5550001, 1764980001);
    assert_non_null(line);
    json_error_t err;
    json_t *root = json_loads(line, 0, &err);
    assert_non_null(root);
    json_t *values =
        json_object_get(json_object_get(root, "settings"), "values");
    assert_non_null(values);
    assert_int_equal(json_integer_value(json_object_get(values, "MCsn")),
                     5550001);
    assert_int_equal(json_integer_value(json_object_get(values, "MCdt")),
                     1764980001);
    assert_int_equal(json_integer_value(json_object_get(values, "SAid")), 77);
    assert_string_equal(json_string_value(json_object_get(values, "MCov")), FW);
    assert_int_equal(json_integer_value(json_object_get(root, "action_id")),
                     77);
    json_decref(root);
    free(line);
    gl_settings_tpl_free(t);
}

static void refuses_what_the_report_refuses(void **state)
{
    (void)state;
    gl_settings_tpl *t = gl_settings_tpl_new(FW);
    assert_non_null(t);
    assert_null(gl_settings_tpl_event(t, 1, 1, 1, (uint64_t)INT64_MAX + 1, 1));
    assert_null(gl_settings_tpl_event(t, 1, 1, -1, 1, 1)); /* no action */
    gl_settings_tpl_free(t);
    gl_settings_tpl_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_libgf_for_ordinary_numbers),
        cmocka_unit_test(matches_libgf_at_the_edges_of_width),
        cmocka_unit_test(the_line_is_an_event_with_this_machines_values),
        cmocka_unit_test(refuses_what_the_report_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
