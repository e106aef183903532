/* test_message.c - the message model against PROTOCOL.md §4.2 and §5.
 *
 * One test per rule: how a frame is split, what each message type must and
 * may carry, what a bad object reports, and that what we emit is exactly the
 * field set of the reference and parses back to the same message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gf/message.h"

/* ---- helpers ----------------------------------------------------------- */

typedef struct seen_line {
    int err;
    gf_msg_type type;
    int64_t id;
    char what[64]; /* event name / action_type / progress / log text */
    char errtext[256];
} seen_line;

typedef struct seen {
    seen_line line[16];
    int n;
} seen;

static void collect(void *ud, const gf_msg *msg, int err, const char *errtext)
{
    seen *s = ud;
    seen_line *l;
    const char *what = NULL;
    assert_true(s->n < 16);
    l = &s->line[s->n++];
    memset(l, 0, sizeof *l);
    l->err = err;
    if (err) {
        assert_null(msg);
        assert_non_null(errtext);
        snprintf(l->errtext, sizeof l->errtext, "%s", errtext);
        return;
    }
    assert_non_null(msg);
    l->type = msg->type;
    l->id = msg->id;
    switch (msg->type) {
    case GF_MSG_ACTION:
        what = msg->action_type;
        break;
    case GF_MSG_EVENT:
        what = msg->event;
        break;
    case GF_MSG_PROGRESS:
        what = msg->progress;
        break;
    case GF_MSG_LOG:
        what = msg->log;
        break;
    }
    snprintf(l->what, sizeof l->what, "%s", what ? what : "");
}

static int frame(const char *text, seen *s)
{
    memset(s, 0, sizeof *s);
    return gf_frame_each(text, strlen(text), collect, s);
}

/* Parse `text`, expecting failure with `code`; returns the error text. */
static const char *parse_fails(const char *text, int code)
{
    static char err[256];
    gf_msg m;
    err[0] = '\0';
    assert_int_equal(gf_msg_parse(text, strlen(text), &m, err, sizeof err),
                     code);
    assert_null(m.raw); /* cleared on failure: nothing to free */
    assert_true(err[0] != '\0');
    return err;
}

static void parse_ok(const char *text, gf_msg *m)
{
    char err[256] = "";
    int rc = gf_msg_parse(text, strlen(text), m, err, sizeof err);
    if (rc != GF_OK)
        fail_msg("parse of %s failed: %s", text, err);
}

/* ---- §4.2 frames ------------------------------------------------------- */

static void frame_splits_on_newlines_and_a_bad_line_spoils_nothing(void **st)
{
    seen s;
    int n =
        frame("{\"id\":1,\"action_type\":\"settings\",\"status\":\"ready\"}\n"
              "{\"id\":2,\"action_type\":\n"
              "{\"id\":3,\"action_type\":\"hunt\",\"status\":\"ready\"}\n",
              &s);
    assert_int_equal(n, 3);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.line[0].err, GF_OK);
    assert_string_equal(s.line[0].what, "settings");
    assert_int_equal(s.line[1].err, GF_EJSON);
    assert_non_null(strstr(s.line[1].errtext, "not valid JSON"));
    assert_int_equal(s.line[2].err, GF_OK);
    assert_int_equal(s.line[2].id, 3);
    assert_string_equal(s.line[2].what, "hunt");
}

static void frame_tolerates_crlf(void **st)
{
    seen s;
    int n = frame("{\"id\":32,\"type\":\"event\",\"event\":\"lid:opened\"}\r\n"
                  "{\"id\":33,\"type\":\"event\",\"event\":\"lid:closed\"}\r\n",
                  &s);
    assert_int_equal(n, 2);
    assert_int_equal(s.line[0].err, GF_OK);
    assert_string_equal(s.line[0].what, "lid:opened");
    assert_int_equal(s.line[1].err, GF_OK);
    assert_string_equal(s.line[1].what, "lid:closed");
}

static void frame_skips_blank_and_whitespace_lines(void **st)
{
    seen s;
    int n = frame(
        "\n   \n\t\r\n{\"id\":5,\"type\":\"log\",\"log\":\"x\"}\n\n \n", &s);
    assert_int_equal(n, 1);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.line[0].type, GF_MSG_LOG);
    assert_int_equal(frame("", &s), 0);
    assert_int_equal(frame(" \r\n\r\n", &s), 0);
}

static void frame_last_line_needs_no_newline(void **st)
{
    seen s;
    int n = frame("{\"id\":1,\"type\":\"log\",\"log\":\"a\"}\n"
                  "{\"id\":2,\"type\":\"log\",\"log\":\"b\"}",
                  &s);
    assert_int_equal(n, 2);
    assert_string_equal(s.line[1].what, "b");
}

static void frame_non_objects_are_errors_not_crashes(void **st)
{
    seen s;
    int n = frame("[1,2]\n42\n\"text\"\nnull\ntrue\n"
                  "{\"id\":7,\"type\":\"log\",\"log\":\"still here\"}\n",
                  &s);
    assert_int_equal(n, 6);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s.line[i].err, GF_ENOTOBJECT);
        assert_non_null(strstr(s.line[i].errtext, "expected a JSON object"));
    }
    assert_non_null(strstr(s.line[0].errtext, "an array"));
    assert_int_equal(s.line[5].err, GF_OK);
    assert_string_equal(s.line[5].what, "still here");
}

static void frame_with_null_callback_still_counts(void **st)
{
    const char *t = "{\"id\":1,\"type\":\"log\",\"log\":\"a\"}\nbad\n";
    assert_int_equal(gf_frame_each(t, strlen(t), NULL, NULL), 2);
    assert_int_equal(gf_frame_each(NULL, 10, NULL, NULL), 0);
}

/* ---- §5.1 action ------------------------------------------------------- */

static void action_is_recognised_by_action_type(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":1600000210,\"action_type\":\"print\",\"machine_serial\":"
             "\"S10000042\",\"status\":\"ready\",\"motion_url\":"
             "\"https://app.example/jobs/1600000210.puls\"}",
             &m);
    assert_int_equal(m.type, GF_MSG_ACTION);
    assert_int_equal(m.id, 1600000210);
    assert_string_equal(m.action_type, "print");
    assert_string_equal(m.status, "ready");
    assert_string_equal(m.machine_serial, "S10000042");
    assert_string_equal(m.motion_url,
                        "https://app.example/jobs/1600000210.puls");
    assert_null(m.endpoint);
    assert_null(m.settings);
    assert_null(m.head_firmware_filename);
    gf_msg_clear(&m);
}

static void image_action_carries_endpoint_and_settings(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":1600000205,\"action_type\":\"lid_image\","
             "\"machine_serial\":\"S10000042\",\"status\":\"ready\","
             "\"endpoint\":\"https://storage.example/up/1.jpg?sig=abc\","
             "\"settings\":{\"LCfl\":1}}",
             &m);
    assert_string_equal(m.endpoint, "https://storage.example/up/1.jpg?sig=abc");
    assert_true(json_is_object(m.settings));
    assert_int_equal(json_integer_value(json_object_get(m.settings, "LCfl")),
                     1);
    gf_msg_clear(&m);
}

static void lidar_image_settings_may_be_a_list_of_objects(void **st)
{
    gf_msg m;
    const char *err;
    parse_ok("{\"id\":9,\"action_type\":\"lidar_image\",\"status\":\"ready\","
             "\"settings\":[{\"HCil\":1},{\"HCil\":0}]}",
             &m);
    assert_true(json_is_array(m.settings));
    assert_int_equal(json_array_size(m.settings), 2);
    gf_msg_clear(&m);
    err = parse_fails("{\"id\":9,\"action_type\":\"lidar_image\",\"status\":"
                      "\"ready\",\"settings\":[{\"HCil\":1},3]}",
                      GF_EFIELD);
    assert_non_null(strstr(err, "`settings` item 1"));
}

static void head_firmware_update_names_its_file(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":4,\"action_type\":\"head_firmware_update\",\"status\":"
             "\"ready\",\"head_firmware_filename\":\"head-1.2.bin\"}",
             &m);
    assert_string_equal(m.head_firmware_filename, "head-1.2.bin");
    gf_msg_clear(&m);
}

static void action_requires_id_action_type_and_status(void **st)
{
    const char *err;
    err = parse_fails("{\"action_type\":\"hunt\",\"status\":\"ready\"}",
                      GF_EFIELD);
    assert_string_equal(err, "action: field `id` missing");
    err = parse_fails("{\"id\":1,\"action_type\":null,\"status\":\"ready\"}",
                      GF_EMSGTYPE);
    assert_non_null(strstr(err, "neither `type` nor `action_type`"));
    err = parse_fails("{\"id\":1,\"action_type\":\"hunt\"}", GF_EFIELD);
    assert_string_equal(err, "action: field `status` missing");
}

/* ---- §5.2 event -------------------------------------------------------- */

static void event_of_an_action_carries_action_id(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":57,\"timestamp\":21240,\"type\":\"event\",\"version\":1,"
             "\"action_id\":1600000205,\"level\":\"INFO\",\"event\":"
             "\"lid_image:upload:completed\"}",
             &m);
    assert_int_equal(m.type, GF_MSG_EVENT);
    assert_int_equal(m.id, 57);
    assert_int_equal(m.timestamp, 21240);
    assert_int_equal(m.version, 1);
    assert_true(m.has_action_id);
    assert_int_equal(m.action_id, 1600000205);
    assert_string_equal(m.level, "INFO");
    assert_string_equal(m.event, "lid_image:upload:completed");
    assert_null(m.log);
    assert_null(m.settings);
    gf_msg_clear(&m);
}

static void unsolicited_event_has_no_action_id(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":58,\"timestamp\":22810,\"type\":\"event\",\"version\":1,"
             "\"level\":\"INFO\",\"event\":\"lid:opened\"}",
             &m);
    assert_false(m.has_action_id);
    gf_msg_clear(&m);
    /* null is the same as absent */
    parse_ok("{\"id\":58,\"type\":\"event\",\"action_id\":null,"
             "\"event\":\"button:pressed\"}",
             &m);
    assert_false(m.has_action_id);
    gf_msg_clear(&m);
}

static void event_type_part_can_be_empty(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":60,\"timestamp\":1,\"type\":\"event\",\"version\":1,"
             "\"level\":\"INFO\",\"event\":\":idle:starting\"}",
             &m);
    assert_string_equal(m.event, ":idle:starting");
    gf_msg_clear(&m);
}

static void settings_completed_carries_the_report(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":33,\"timestamp\":4125,\"type\":\"event\",\"version\":1,"
             "\"action_id\":1600000101,\"level\":\"INFO\",\"event\":"
             "\"settings:completed\",\"settings\":{\"values\":{\"AAdc\":204,"
             "\"MCip\":\"192.0.2.15\",\"MCla\":0.13574219}}}",
             &m);
    assert_true(json_is_object(m.settings));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(m.settings, "values"), "AAdc")),
                     204);
    gf_msg_clear(&m);
    parse_ok("{\"id\":34,\"type\":\"event\",\"event\":\"settings:completed\","
             "\"action_id\":5,\"settings\":{}}",
             &m);
    assert_int_equal(json_object_size(m.settings), 0);
    gf_msg_clear(&m);
}

static void event_with_a_log_line(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":40,\"type\":\"event\",\"event\":\"lid_image:capture:"
             "completed\",\"log\":\"capture time: 1.48\"}",
             &m);
    assert_string_equal(m.log, "capture time: 1.48");
    gf_msg_clear(&m);
}

static void event_requires_id_and_event(void **st)
{
    assert_string_equal(
        parse_fails("{\"type\":\"event\",\"event\":\"x:y\"}", GF_EFIELD),
        "event: field `id` missing");
    assert_string_equal(parse_fails("{\"id\":1,\"type\":\"event\"}", GF_EFIELD),
                        "event: field `event` missing");
}

/* ---- §5.3 progress ----------------------------------------------------- */

static void progress_with_total_and_telemetry(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":412,\"timestamp\":905500,\"type\":\"progress\","
             "\"version\":1,\"action_id\":1600000210,\"progress\":"
             "\"print:progress\",\"current\":120000,\"units\":\"steps\","
             "\"total\":2400000,\"settings\":{\"values\":{\"CAid\":1600000210,"
             "\"CCbp\":120016,\"CCst\":1,\"CCxp\":2210,\"CCyp\":640}}}",
             &m);
    assert_int_equal(m.type, GF_MSG_PROGRESS);
    assert_string_equal(m.progress, "print:progress");
    assert_int_equal(m.current, 120000);
    assert_string_equal(m.units, "steps");
    assert_true(m.has_total);
    assert_int_equal(m.total, 2400000);
    assert_true(m.has_action_id);
    assert_non_null(m.settings);
    gf_msg_clear(&m);
}

static void progress_total_is_optional(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":1,\"type\":\"progress\",\"progress\":\"print:download\","
             "\"current\":0,\"units\":\"bytes\"}",
             &m);
    assert_false(m.has_total);
    assert_false(m.has_action_id);
    gf_msg_clear(&m);
}

static void progress_requires_progress_current_units(void **st)
{
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"progress\",\"current\":0,"
                    "\"units\":\"bytes\"}",
                    GF_EFIELD),
        "progress: field `progress` missing");
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"progress\",\"progress\":\"p\","
                    "\"units\":\"bytes\"}",
                    GF_EFIELD),
        "progress: field `current` missing");
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"progress\",\"progress\":\"p\","
                    "\"current\":1}",
                    GF_EFIELD),
        "progress: field `units` missing");
}

/* ---- §5.4 log ---------------------------------------------------------- */

static void log_line(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":44,\"timestamp\":9120,\"type\":\"log\",\"version\":1,"
             "\"log\":\"hw: pulse buffer cleared\",\"level\":\"INFO\"}",
             &m);
    assert_int_equal(m.type, GF_MSG_LOG);
    assert_string_equal(m.log, "hw: pulse buffer cleared");
    assert_string_equal(m.level, "INFO");
    gf_msg_clear(&m);
    assert_string_equal(parse_fails("{\"id\":44,\"type\":\"log\"}", GF_EFIELD),
                        "log: field `log` missing");
}

/* ---- bad input --------------------------------------------------------- */

static void wrong_field_types_name_the_field_and_the_type(void **st)
{
    assert_string_equal(
        parse_fails("{\"id\":\"57\",\"type\":\"event\",\"event\":\"a:b\"}",
                    GF_EFIELD),
        "event: field `id` must be an integer, not a string");
    assert_string_equal(
        parse_fails("{\"id\":1,\"action_type\":5,\"status\":\"ready\"}",
                    GF_EFIELD),
        "action: field `action_type` must be a string, not an integer");
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"progress\",\"progress\":\"p\","
                    "\"current\":1.5,\"units\":\"steps\"}",
                    GF_EFIELD),
        "progress: field `current` must be an integer, not a real number");
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"event\",\"event\":\"a:b\","
                    "\"settings\":[1]}",
                    GF_EFIELD),
        "event: field `settings` must be an object, not an array");
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"event\",\"event\":\"a:b\","
                    "\"action_id\":true}",
                    GF_EFIELD),
        "event: field `action_id` must be an integer, not a boolean");
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"log\",\"log\":{}}", GF_EFIELD),
        "log: field `log` must be a string, not an object");
    assert_string_equal(
        parse_fails("{\"id\":1,\"action_type\":\"print\",\"status\":\"ready\","
                    "\"motion_url\":[]}",
                    GF_EFIELD),
        "action: field `motion_url` must be a string, not an array");
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":7,\"event\":\"a:b\"}", GF_EFIELD),
        "message: field `type` must be a string, not an integer");
}

static void unknown_or_missing_type_is_a_message_type_error(void **st)
{
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"telemetry\"}", GF_EMSGTYPE),
        "unknown message type `telemetry`");
    assert_string_equal(parse_fails("{\"id\":1}", GF_EMSGTYPE),
                        "message has neither `type` nor `action_type`");
    assert_string_equal(parse_fails("{}", GF_EMSGTYPE),
                        "message has neither `type` nor `action_type`");
}

static void not_json_is_a_json_error(void **st)
{
    assert_non_null(
        strstr(parse_fails("{\"id\":", GF_EJSON), "not valid JSON"));
    parse_fails("", GF_EJSON);
    parse_fails("{\"id\":1}{\"id\":2}", GF_EJSON); /* two objects, one line */
    parse_fails("{\"a\":\"\\ud800\"}", GF_EJSON);  /* lone surrogate */
    parse_fails("{\"a\":\"\xff\xfe\"}", GF_EJSON); /* not UTF-8 */
}

static void embedded_nul_is_an_error(void **st)
{
    static const char text[] = "{\"id\":1,\"type\":\"log\",\"log\":\"a\0b\"}";
    gf_msg m;
    char err[128];
    assert_int_equal(gf_msg_parse(text, sizeof text - 1, &m, err, sizeof err),
                     GF_EJSON);
}

static void deep_nesting_is_refused_not_a_crash(void **st)
{
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    gf_msg m;
    char err[128];
    assert_non_null(deep);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    assert_int_equal(gf_msg_parse(deep, 2 * n, &m, err, sizeof err), GF_EJSON);
    free(deep);
}

static void line_past_the_cap_is_refused_unread(void **st)
{
    size_t n = GF_MSG_MAX_BYTES + 1;
    char *big = malloc(n);
    gf_msg m;
    char err[128];
    assert_non_null(big);
    memset(big, ' ', n);
    assert_int_equal(gf_msg_parse(big, n, &m, err, sizeof err), GF_ETOOBIG);
    assert_non_null(strstr(err, "cap"));
    free(big);
}

static void version_must_be_a_sane_integer(void **st)
{
    gf_msg m;
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"log\",\"log\":\"a\",\"version\":-1}",
                    GF_EFIELD),
        "log: field `version` out of range");
    assert_string_equal(
        parse_fails("{\"id\":1,\"type\":\"log\",\"log\":\"a\",\"version\":"
                    "\"1\"}",
                    GF_EFIELD),
        "log: field `version` must be an integer, not a string");
    parse_ok("{\"id\":1,\"type\":\"log\",\"log\":\"a\",\"version\":2}", &m);
    assert_int_equal(m.version, 2);
    gf_msg_clear(&m);
}

/* A `type` says what the message is, even next to an `action_type`. */
static void type_wins_over_action_type(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":1,\"type\":\"event\",\"action_type\":\"print\","
             "\"event\":\"print:starting\"}",
             &m);
    assert_int_equal(m.type, GF_MSG_EVENT);
    assert_null(m.action_type);
    gf_msg_clear(&m);
}

static void oversized_line_in_a_frame_spoils_nothing(void **st)
{
    const char *good = "{\"id\":1,\"type\":\"log\",\"log\":\"ok\"}\n";
    size_t big = GF_MSG_MAX_BYTES + 10, gl = strlen(good);
    char *buf = malloc(2 * gl + big + 1);
    seen s;
    assert_non_null(buf);
    memcpy(buf, good, gl);
    memset(buf + gl, 'x', big - 1);
    buf[gl + big - 1] = '\n';
    memcpy(buf + gl + big, good, gl);
    memset(&s, 0, sizeof s);
    assert_int_equal(gf_frame_each(buf, 2 * gl + big, collect, &s), 3);
    assert_int_equal(s.line[0].err, GF_OK);
    assert_int_equal(s.line[1].err, GF_ETOOBIG);
    assert_int_equal(s.line[2].err, GF_OK);
    free(buf);
}

static void huge_ids_are_int64(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":9223372036854775807,\"action_type\":\"hunt\","
             "\"status\":\"ready\"}",
             &m);
    assert_true(m.id == INT64_MAX);
    gf_msg_clear(&m);
    parse_ok("{\"id\":-9223372036854775808,\"type\":\"event\","
             "\"event\":\"a:b\",\"action_id\":9223372036854775807}",
             &m);
    assert_true(m.id == INT64_MIN);
    assert_true(m.action_id == INT64_MAX);
    gf_msg_clear(&m);
    /* past int64: refused, not wrapped */
    parse_fails("{\"id\":9223372036854775808,\"action_type\":\"hunt\","
                "\"status\":\"ready\"}",
                GF_EJSON);
    parse_fails("{\"id\":1e30,\"action_type\":\"hunt\",\"status\":\"ready\"}",
                GF_EFIELD);
}

static void unknown_fields_are_kept_in_raw(void **st)
{
    gf_msg m;
    parse_ok("{\"id\":3,\"action_type\":\"factory_reset\",\"status\":\"ready\","
             "\"reboot\":true,\"future\":{\"x\":[1,2]}}",
             &m);
    assert_true(json_is_true(json_object_get(m.raw, "reboot")));
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(m.raw, "future"), "x")),
        2);
    gf_msg_clear(&m);
}

static void parse_without_an_error_buffer(void **st)
{
    gf_msg m;
    assert_int_equal(gf_msg_parse("[]", 2, &m, NULL, 0), GF_ENOTOBJECT);
    assert_int_equal(gf_msg_parse(NULL, 2, &m, NULL, 0), GF_EINVAL);
    assert_int_equal(gf_msg_parse("{}", 2, NULL, NULL, 0), GF_EINVAL);
    gf_msg_clear(NULL);
}

/* ---- emit: exact field sets (§5) -------------------------------------- */

static void emit_event_matches_the_reference_example(void **st)
{
    char *l = gf_emit_event(57, 21240, 1600000205, "lid_image:upload:completed",
                            NULL, NULL);
    assert_string_equal(l, "{\"id\":57,\"timestamp\":21240,\"type\":\"event\","
                           "\"version\":1,\"action_id\":1600000205,\"level\":"
                           "\"INFO\",\"event\":\"lid_image:upload:completed\"}"
                           "\n");
    free(l);
}

static void emit_unsolicited_event_leaves_out_action_id(void **st)
{
    char *l = gf_emit_event(58, 22810, -1, "lid:opened", NULL, NULL);
    assert_string_equal(l, "{\"id\":58,\"timestamp\":22810,\"type\":\"event\","
                           "\"version\":1,\"level\":\"INFO\",\"event\":"
                           "\"lid:opened\"}\n");
    free(l);
}

static void emit_event_with_log_and_report(void **st)
{
    json_t *rep = json_pack("{s:{s:i,s:s,s:f}}", "values", "AAdc", 204, "MCip",
                            "192.0.2.15", "NIrr", 19.5);
    char *l = gf_emit_event(33, 4125, 1600000101, "settings:completed",
                            "state=ready", rep);
    assert_string_equal(
        l, "{\"id\":33,\"timestamp\":4125,\"type\":\"event\",\"version\":1,"
           "\"action_id\":1600000101,\"level\":\"INFO\",\"event\":"
           "\"settings:completed\",\"log\":\"state=ready\",\"settings\":"
           "{\"values\":{\"AAdc\":204,\"MCip\":\"192.0.2.15\",\"NIrr\":19.5}}}"
           "\n");
    assert_int_equal(rep->refcount, 1); /* borrowed, not taken */
    json_decref(rep);
    free(l);
}

static void emit_progress_matches_the_reference_example(void **st)
{
    json_t *v =
        json_pack("{s:I,s:i,s:i,s:i,s:i}", "CAid", (json_int_t)1600000210,
                  "CCbp", 120016, "CCst", 1, "CCxp", 2210, "CCyp", 640);
    char *l = gf_emit_progress(412, 905500, 1600000210, "print:progress",
                               120000, "steps", 2400000, v);
    assert_string_equal(
        l, "{\"id\":412,\"timestamp\":905500,\"type\":\"progress\",\"version\":"
           "1,\"action_id\":1600000210,\"progress\":\"print:progress\","
           "\"current\":120000,\"units\":\"steps\",\"total\":2400000,"
           "\"settings\":{\"values\":{\"CAid\":1600000210,\"CCbp\":120016,"
           "\"CCst\":1,\"CCxp\":2210,\"CCyp\":640}}}\n");
    json_decref(v);
    free(l);
    l = gf_emit_progress(5, 6, 7, "print:download", 0, "bytes", -1, NULL);
    assert_string_equal(l, "{\"id\":5,\"timestamp\":6,\"type\":\"progress\","
                           "\"version\":1,\"action_id\":7,\"progress\":"
                           "\"print:download\",\"current\":0,\"units\":"
                           "\"bytes\"}\n");
    free(l);
}

static void emit_log_matches_the_reference_example(void **st)
{
    char *l = gf_emit_log(44, 9120, "INFO", "hw: pulse buffer cleared");
    assert_string_equal(l, "{\"id\":44,\"timestamp\":9120,\"type\":\"log\","
                           "\"version\":1,\"log\":\"hw: pulse buffer "
                           "cleared\",\"level\":\"INFO\"}\n");
    free(l);
    l = gf_emit_log(1, 2, NULL, "x");
    assert_non_null(strstr(l, "\"level\":\"INFO\""));
    free(l);
}

static void emit_action_matches_the_reference_examples(void **st)
{
    json_t *extra = json_pack("{s:s}", "motion_url",
                              "https://app.example/jobs/1600000210.puls");
    char *l = gf_emit_action(1600000210, "print", "ready", "S10000042", extra);
    assert_string_equal(l, "{\"id\":1600000210,\"action_type\":\"print\","
                           "\"machine_serial\":\"S10000042\",\"status\":"
                           "\"ready\",\"motion_url\":\"https://app.example/"
                           "jobs/1600000210.puls\"}\n");
    free(l);
    json_decref(extra);
    /* the §10 cancel: same id and type, status cancelled */
    l = gf_emit_action(1600000210, "print", "cancelled", NULL, NULL);
    assert_string_equal(l, "{\"id\":1600000210,\"action_type\":\"print\","
                           "\"status\":\"cancelled\"}\n");
    free(l);
}

static void emit_action_extra_cannot_override_the_envelope(void **st)
{
    json_t *extra = json_pack("{s:i,s:s,s:{s:i}}", "id", 99, "status", "new",
                              "settings", "NRic", 3);
    char *l = gf_emit_action(1600000101, "settings", "ready", "S1", extra);
    assert_string_equal(l, "{\"id\":1600000101,\"action_type\":\"settings\","
                           "\"machine_serial\":\"S1\",\"status\":\"ready\","
                           "\"settings\":{\"NRic\":3}}\n");
    free(l);
    json_decref(extra);
    extra = json_array();
    assert_null(gf_emit_action(1, "hunt", "ready", NULL, extra));
    json_decref(extra);
}

static void emit_refuses_missing_required_strings(void **st)
{
    gf_msg m = {0};
    assert_null(gf_emit_action(1, NULL, "ready", NULL, NULL));
    assert_null(gf_emit_action(1, "hunt", NULL, NULL, NULL));
    assert_null(gf_emit_event(1, 2, 3, NULL, NULL, NULL));
    assert_null(gf_emit_progress(1, 2, 3, NULL, 0, "steps", -1, NULL));
    assert_null(gf_emit_progress(1, 2, 3, "p", 0, NULL, -1, NULL));
    assert_null(gf_emit_log(1, 2, "INFO", NULL));
    assert_null(gf_msg_emit(NULL));
    assert_null(gf_msg_emit(&m)); /* no type */
    assert_null(gf_json_line(NULL));
}

/* ---- emit -> parse round trips ---------------------------------------- */

static void round_trip_of_every_builder(void **st)
{
    json_t *set = json_pack("{s:i}", "LCfl", 0);
    json_t *rep = json_pack("{s:{s:i}}", "values", "MCsn", 10000042);
    json_t *tel = json_pack("{s:i}", "CCst", 4);
    char *lines[5];
    seen s;
    char *all;
    size_t total = 0;
    lines[0] =
        gf_emit_action(INT64_MAX, "lid_image", "ready", "S10000042", set);
    lines[1] = gf_emit_event(32, 3800, INT64_MAX, "settings:completed",
                             "st\u00e9 \"quoted\"\n", rep);
    lines[2] = gf_emit_event(33, 3801, -1, ":idle:starting", NULL, NULL);
    lines[3] =
        gf_emit_progress(34, 3802, 7, "print:progress", 99, "steps", -1, tel);
    lines[4] = gf_emit_log(35, 3803, "WARN", "w");
    for (int i = 0; i < 5; i++) {
        assert_non_null(lines[i]);
        total += strlen(lines[i]);
    }
    all = calloc(1, total + 1);
    for (int i = 0; i < 5; i++) {
        strcat(all, lines[i]);
        free(lines[i]);
    }
    /* the five lines are one frame; each parses back to what was sent */
    assert_int_equal(frame(all, &s), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(s.line[i].err, GF_OK);
    assert_int_equal(s.line[0].type, GF_MSG_ACTION);
    assert_true(s.line[0].id == INT64_MAX);
    assert_string_equal(s.line[0].what, "lid_image");
    assert_int_equal(s.line[1].type, GF_MSG_EVENT);
    assert_string_equal(s.line[1].what, "settings:completed");
    assert_string_equal(s.line[2].what, ":idle:starting");
    assert_int_equal(s.line[3].type, GF_MSG_PROGRESS);
    assert_int_equal(s.line[4].type, GF_MSG_LOG);
    free(all);
    json_decref(set);
    json_decref(rep);
    json_decref(tel);
}

/* parse(text) -> emit -> parse gives the same fields. */
static void reemit_matches(const char *text)
{
    gf_msg a, b;
    char *l;
    parse_ok(text, &a);
    l = gf_msg_emit(&a);
    assert_non_null(l);
    assert_true(l[strlen(l) - 1] == '\n');
    parse_ok(l, &b);
    assert_int_equal(a.type, b.type);
    assert_true(a.id == b.id && a.timestamp == b.timestamp);
    assert_int_equal(a.has_action_id, b.has_action_id);
    assert_true(a.action_id == b.action_id);
    assert_int_equal(a.has_total, b.has_total);
    assert_true(a.total == b.total && a.current == b.current);
#define SAME(f)                                                                \
    do {                                                                       \
        if (a.f || b.f)                                                        \
            assert_string_equal(a.f, b.f);                                     \
    } while (0)
    SAME(action_type);
    SAME(status);
    SAME(machine_serial);
    SAME(motion_url);
    SAME(endpoint);
    SAME(head_firmware_filename);
    SAME(event);
    SAME(log);
    SAME(progress);
    SAME(units);
#undef SAME
    assert_true(json_equal(a.settings, b.settings) ||
                (!a.settings && !b.settings));
    free(l);
    gf_msg_clear(&a);
    gf_msg_clear(&b);
}

static void round_trip_of_parsed_messages(void **st)
{
    reemit_matches("{\"id\":7,\"action_type\":\"lidar_image\",\"status\":"
                   "\"ready\",\"machine_serial\":\"S1\",\"endpoint\":\"u\","
                   "\"settings\":[{\"HCil\":1},{\"HCil\":0}]}");
    reemit_matches("{\"id\":8,\"action_type\":\"head_firmware_update\","
                   "\"status\":\"ready\",\"head_firmware_filename\":\"f\"}");
    reemit_matches("{\"id\":9,\"timestamp\":1,\"type\":\"event\",\"version\":"
                   "1,\"action_id\":2,\"level\":\"INFO\",\"event\":"
                   "\"settings:completed\",\"log\":\"l\",\"settings\":"
                   "{\"values\":{\"MCla\":0.13574219,\"NItr\":72.199997}}}");
    reemit_matches("{\"id\":10,\"type\":\"progress\",\"progress\":\"p\","
                   "\"current\":-1,\"units\":\"bytes\",\"total\":0}");
    reemit_matches("{\"id\":11,\"type\":\"log\",\"log\":\"\",\"level\":\"X\"}");
}

static void json_line_of_any_value(void **st)
{
    json_t *v = json_integer(42);
    char *l = gf_json_line(v);
    assert_string_equal(l, "42\n");
    free(l);
    json_decref(v);
}

static void reals_are_written_short(void **st)
{
    json_t *v = json_pack("{s:f,s:f,s:f}", "MCut", 0.26666668, "NItr",
                          72.199997, "PRcp", 2.0);
    char *l = gf_json_line(v);
    assert_string_equal(l, "{\"MCut\":0.26666668,\"NItr\":72.199997,"
                           "\"PRcp\":2.0}\n");
    free(l);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            frame_splits_on_newlines_and_a_bad_line_spoils_nothing),
        cmocka_unit_test(frame_tolerates_crlf),
        cmocka_unit_test(frame_skips_blank_and_whitespace_lines),
        cmocka_unit_test(frame_last_line_needs_no_newline),
        cmocka_unit_test(frame_non_objects_are_errors_not_crashes),
        cmocka_unit_test(frame_with_null_callback_still_counts),
        cmocka_unit_test(action_is_recognised_by_action_type),
        cmocka_unit_test(image_action_carries_endpoint_and_settings),
        cmocka_unit_test(lidar_image_settings_may_be_a_list_of_objects),
        cmocka_unit_test(head_firmware_update_names_its_file),
        cmocka_unit_test(action_requires_id_action_type_and_status),
        cmocka_unit_test(event_of_an_action_carries_action_id),
        cmocka_unit_test(unsolicited_event_has_no_action_id),
        cmocka_unit_test(event_type_part_can_be_empty),
        cmocka_unit_test(settings_completed_carries_the_report),
        cmocka_unit_test(event_with_a_log_line),
        cmocka_unit_test(event_requires_id_and_event),
        cmocka_unit_test(progress_with_total_and_telemetry),
        cmocka_unit_test(progress_total_is_optional),
        cmocka_unit_test(progress_requires_progress_current_units),
        cmocka_unit_test(log_line),
        cmocka_unit_test(wrong_field_types_name_the_field_and_the_type),
        cmocka_unit_test(unknown_or_missing_type_is_a_message_type_error),
        cmocka_unit_test(not_json_is_a_json_error),
        cmocka_unit_test(embedded_nul_is_an_error),
        cmocka_unit_test(deep_nesting_is_refused_not_a_crash),
        cmocka_unit_test(line_past_the_cap_is_refused_unread),
        cmocka_unit_test(version_must_be_a_sane_integer),
        cmocka_unit_test(type_wins_over_action_type),
        cmocka_unit_test(oversized_line_in_a_frame_spoils_nothing),
        cmocka_unit_test(huge_ids_are_int64),
        cmocka_unit_test(unknown_fields_are_kept_in_raw),
        cmocka_unit_test(parse_without_an_error_buffer),
        cmocka_unit_test(emit_event_matches_the_reference_example),
        cmocka_unit_test(emit_unsolicited_event_leaves_out_action_id),
        cmocka_unit_test(emit_event_with_log_and_report),
        cmocka_unit_test(emit_progress_matches_the_reference_example),
        cmocka_unit_test(emit_log_matches_the_reference_example),
        cmocka_unit_test(emit_action_matches_the_reference_examples),
        cmocka_unit_test(emit_action_extra_cannot_override_the_envelope),
        cmocka_unit_test(emit_refuses_missing_required_strings),
        cmocka_unit_test(round_trip_of_every_builder),
        cmocka_unit_test(round_trip_of_parsed_messages),
        cmocka_unit_test(json_line_of_any_value),
        cmocka_unit_test(reals_are_written_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
