/* test_json_flat.c - a settings report's values read as text: the flat
 * object check accepts only what jansson accepts, and a message parsed
 * with GF_PARSE_VALUES_TEXT is accepted or refused exactly as without it,
 * with the same values, whatever is done to the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gf/message.h"
#include "gf/settings.h"
#include "json_flat.h"

/* What jansson makes of `text`: the object, or NULL. */
static json_t *jansson(const char *text)
{
    return json_loadb(text, strlen(text), 0, NULL);
}

static void flat_objects_are_read(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t count;
    } ok[] = {
        {"{}", 0},
        {"{\"MCsn\":1000001}", 1},
        {" {\"a\" : -0 , \"b\":\"x\" }", 2},
        {"{\"a\":1.5e3,\"b\":-2.25,\"c\":0.0,\"d\":1E-400}", 4},
        {"{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}", 1},
        {"{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}", 1},
        {"{\"a\":123456789012345678}", 1},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        const char *t = ok[i].text + (ok[i].text[0] == ' ');
        size_t end = 0, count = 99;
        assert_int_equal(gf_json_flat_object(t, strlen(t), &end, &count), 1);
        assert_int_equal(count, ok[i].count);
        assert_int_equal(end, strlen(t) - (t[end - 1] == ' ' ? 1 : 0));
        json_t *j = jansson(t);
        assert_non_null(j); /* jansson reads it too */
        assert_int_equal(json_object_size(j), ok[i].count);
        json_decref(j);
    }
}

static void anything_else_is_left_to_jansson(void **state)
{
    (void)state;
    static const char *const not_flat[] = {
        "",
        "[]",
        "{",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\":1 \"b\":2}",
        "{\"a\":true}",
        "{\"a\":null}",
        "{\"a\":{}}",
        "{\"a\":[1]}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":1e}",
        "{\"a\":+1}",
        "{\"a\":-}",
        "{\"a\":1e999}",
        "{\"a\":1234567890123456789}",
        "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\x01\"}",
        "{\"a\":\"\xc0\xaf\"}",
        "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}",
        "{\"a\":\"\xe2\x82\"}",
        "{\"a\":\"\x80\"}",
        "{\"a\":\"open}",
        "{a:1}",
        "{\"a\":1",
    };
    for (size_t i = 0; i < sizeof(not_flat) / sizeof(not_flat[0]); i++) {
        size_t end, count;
        if (gf_json_flat_object(not_flat[i], strlen(not_flat[i]), &end, &count))
            fail_msg("read as flat: %s", not_flat[i]);
    }
}

/* A real full report, as gfmachine sends it. */
static char *report_line(void)
{
    gf_identity id = {1000001, "2.6.0-2228", NULL, -1, -1, -1, NULL, NULL};
    json_t *r = gf_settings_report(&id, 1764980000, 42);
    char *line =
        gf_emit_event(3, 1764980000, 42, "settings:completed", NULL, r);
    json_decref(r);
    line[strlen(line) - 1] = '\0'; /* the newline */
    return line;
}

/* Both ways of parsing `text` agree: same result, same error, and the
 * values text (when there is one) is the values tree. */
static void agree(const char *text, size_t len, int *as_text)
{
    gf_msg a, b;
    char ea[256] = "", eb[256] = "";
    int ra = gf_msg_parse(text, len, &a, ea, sizeof ea);
    int rb =
        gf_msg_parse_ex(text, len, GF_PARSE_VALUES_TEXT, &b, eb, sizeof eb);
    assert_int_equal(ra, rb);
    assert_string_equal(ea, eb);
    *as_text = b.values_text != NULL;
    if (ra == GF_OK) {
        assert_int_equal(a.type, b.type);
        json_t *want = json_object_get(a.settings, "values");
        if (b.values_text) {
            json_t *got = json_loadb(b.values_text, b.values_len, 0, NULL);
            assert_non_null(got);
            assert_true(json_equal(want, got));
            /* members as written: a repeated key counts twice */
            assert_true(json_object_size(got) <= b.values_count);
            assert_true(json_object_size(got) > 0);
            json_decref(got);
            /* the rest of the message is the same */
            json_object_set(json_object_get(b.raw, "settings"), "values", want);
        }
        assert_true(json_equal(a.raw, b.raw));
    }
    gf_msg_clear(&a);
    gf_msg_clear(&b);
}

static void a_full_report_is_kept_as_text(void **state)
{
    (void)state;
    char *line = report_line();
    int as_text = 0;
    agree(line, strlen(line), &as_text);
    assert_true(as_text);
    gf_msg m;
    assert_int_equal(
        gf_msg_parse_ex(line, strlen(line), GF_PARSE_VALUES_TEXT, &m, NULL, 0),
        GF_OK);
    assert_true(m.values_count > 500);
    assert_int_equal(json_object_size(json_object_get(m.settings, "values")),
                     0);
    assert_int_equal(m.values_text[0], '{');
    assert_int_equal(m.values_text[m.values_len - 1], '}');
    gf_msg_clear(&m);
    free(line);
}

static void unusual_lines_are_parsed_whole(void **state)
{
    (void)state;
    static const char *const lines[] = {
        /* an escaped key may be `settings` */
        "{\"type\":\"event\",\"id\":1,\"event\":\"settings:completed\","
        "\"s\\u0065ttings\":{\"values\":{\"a\":1}}}",
        /* jansson keeps the last of repeated keys */
        "{\"type\":\"event\",\"id\":1,\"event\":\"e\",\"settings\":{\"values\":"
        "{\"a\":1}},\"settings\":{\"values\":{\"b\":2}}}",
        "{\"type\":\"event\",\"id\":1,\"event\":\"e\",\"settings\":{\"values\":"
        "{\"a\":1},\"values\":{\"b\":2}}}",
        /* progress telemetry is read by the service */
        "{\"type\":\"progress\",\"id\":1,\"progress\":\"p\",\"current\":1,"
        "\"units\":\"u\",\"settings\":{\"values\":{\"a\":1}}}",
        "{\"type\":\"ev\\u0065nt\",\"id\":1,\"event\":\"e\",\"settings\":"
        "{\"values\":{\"a\":1}}}",
        "{\"type\":\"event\",\"id\":1,\"event\":\"e\",\"settings\":{\"values\":"
        "{}}}",
        "{\"type\":\"event\",\"id\":1,\"event\":\"e\",\"settings\":{\"values\":"
        "{\"a\":[1]}}}",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        int as_text = 1;
        agree(lines[i], strlen(lines[i]), &as_text);
        if (as_text)
            fail_msg("kept as text: %s", lines[i]);
    }
}

static void broken_lines_are_refused_the_same_way(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "{\"type\":\"event\",\"id\":1,\"event\":\"e\",\"settings\":{\"values\":"
        "{\"a\":1}}", /* ends early */
        "{\"type\":\"event\",\"id\":1,\"event\":\"e\",\"settings\":{\"values\":"
        "{\"a\":1}}}x",
        "{\"type\":\"event\",\"id\":\"1\",\"event\":\"e\",\"settings\":"
        "{\"values\":{\"a\":1}}}",
        "{\"type\":\"event\",\"id\":1,\"settings\":{\"values\":{\"a\":1}}}",
        "{\"type\":\"event\",\"id\":1,\"event\":\"e\",\"x\":[},\"settings\":"
        "{\"values\":{\"a\":1}}}",
        "{\"type\":\"event\",\"id\":1,\"event\":\"e\",\"x\":tru\"e,"
        "\"settings\":{\"values\":{\"a\":1}}}",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        int as_text;
        agree(lines[i], strlen(lines[i]), &as_text);
        gf_msg m;
        assert_int_not_equal(
            gf_msg_parse(lines[i], strlen(lines[i]), &m, NULL, 0), GF_OK);
    }
}

/* Thousands of damaged reports: flipped, dropped and inserted bytes,
 * chosen to hit the grammar (quotes, backslashes, brackets, digits, UTF-8
 * lead bytes). A fixed seed, so a failure is the same every run. */
static void damaged_reports_agree(void **state)
{
    (void)state;
    static const char special[] = "\"\\{}[],:0-.eE+u \x01\x80\xc3\xed\xf4";
    char *line = report_line();
    size_t n = strlen(line);
    char *buf = malloc(n + 16);
    uint32_t seed = 12345;
    int kept = 0;
    for (int round = 0; round < 4000; round++) {
        memcpy(buf, line, n);
        size_t len = n;
        for (int k = 0; k < 1 + round % 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            char ch = special[(seed >> 4) % (sizeof(special) - 1)];
            switch ((seed >> 28) % 3) {
            case 0:
                buf[at] = ch;
                break;
            case 1:
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
                break;
            default:
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = ch;
                len++;
            }
        }
        int as_text;
        agree(buf, len, &as_text);
        kept += as_text;
    }
    /* most damage lands in the values: the text path was exercised */
    assert_true(kept > 100);
    free(buf);
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flat_objects_are_read),
        cmocka_unit_test(anything_else_is_left_to_jansson),
        cmocka_unit_test(a_full_report_is_kept_as_text),
        cmocka_unit_test(unusual_lines_are_parsed_whole),
        cmocka_unit_test(broken_lines_are_refused_the_same_way),
        cmocka_unit_test(damaged_reports_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
