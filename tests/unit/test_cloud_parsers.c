/* test_cloud_parsers.c - gfcloud's parsers of untrusted bytes, pulled out
 * of the request handlers so they can be tested (and fuzzed, fuzz/cloud.cmake)
 * without a network: the sign-in body (signin_body.c), paths, ids and query
 * values (api_path.c), the bearer token's one spelling (auth.c) and a
 * machine's frames through ws_ingest() into a real store. The regressions
 * the fuzz targets found are here too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "api_path.h"
#include "auth.h"
#include "cloud.h"
#include "log.h"
#include "scheduler.h"
#include "signin_body.h"
#include "test_cloud_tmp.h"
#include "ws.h"

#define PW "6a09e667f3bcc908b2fe94f82be5b2b4a7b1c0d3e5f60718293a4b5c6d7e8f90"

static int parse(const char *body, int json, signin_creds *cr)
{
    return signin_parse_body(body, strlen(body), json, cr);
}

static void signin_json(void **state)
{
    (void)state;
    signin_creds cr;
    assert_int_equal(
        parse("{\"serial\":\"S123\",\"password\":\"" PW "\"}", 1, &cr), 0);
    assert_string_equal(cr.serial, "S123");
    assert_string_equal(cr.password, PW);
    assert_int_equal(parse("{\"serial\":123}", 1, &cr), 0);
    assert_string_equal(cr.serial, "123");
    assert_string_equal(cr.password, "");
    assert_int_equal(parse("[1]", 1, &cr), -1);
    assert_int_equal(parse("{\"serial\":", 1, &cr), -1);
    /* Too long for the field: refused, and nothing is left behind. */
    assert_int_equal(
        parse("{\"password\":\"x\",\"serial\":\"123456789012345678901234567"
              "8901234567890\"}",
              1, &cr),
        -1);
    assert_string_equal(cr.password, "");
}

static void signin_form(void **state)
{
    (void)state;
    signin_creds cr;
    assert_int_equal(parse("x=1&password=" PW "&serial=%53123+", 0, &cr), 0);
    assert_string_equal(cr.serial, "S123 ");
    assert_string_equal(cr.password, PW);
    assert_int_equal(parse("serial=1&serial=2&junk&=&", 0, &cr), 0);
    assert_string_equal(cr.serial, "2");
    /* What lws_urldecode() would let through (see signin_body.c). */
    assert_int_equal(parse("serial=S1%4", 0, &cr), -1);
    assert_int_equal(parse("serial=S1%", 0, &cr), -1);
    assert_int_equal(parse("serial=S1%zz", 0, &cr), -1);
    assert_int_equal(parse("serial=S1%00&password=" PW, 0, &cr), -1);
    assert_string_equal(cr.serial, "");
    /* A raw NUL inside the body, not only an escaped one. */
    static const char nul[] = "serial=1\0&password=x";
    assert_int_equal(signin_parse_body(nul, sizeof(nul) - 1, 0, &cr), -1);
    char big[200];
    memset(big, 'a', sizeof(big));
    memcpy(big, "serial=", 7);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(parse(big, 0, &cr), -1);
    assert_int_equal(signin_parse_body(NULL, 0, 0, &cr), -1);
}

static void paths(void **state)
{
    (void)state;
    api_segs g;
    assert_true(api_path_ok("/api/v1/machines/S12/events"));
    assert_false(api_path_ok("/jobs/../etc/passwd"));
    assert_false(api_path_ok("/jobs//x"));
    assert_false(api_path_ok("/jobs/%2e%2e"));
    assert_false(api_path_ok("jobs"));
    assert_false(api_path_ok("/a b"));
    api_split("/api/v1/machines/S12/", &g);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.s[3], "S12");
    api_split("/1/2/3/4/5/6/7/8/9/10", &g);
    assert_int_equal(g.n, API_MAX_SEGS);
    api_split("/", &g);
    assert_int_equal(g.n, 0);
}

static void ids_and_queries(void **state)
{
    (void)state;
    int64_t id = 0;
    assert_int_equal(api_parse_id("42", &id), 0);
    assert_int_equal(id, 42);
    assert_int_equal(api_parse_id("0", &id), -1);
    assert_int_equal(api_parse_id("", &id), -1);
    assert_int_equal(api_parse_id(NULL, &id), -1);
    /* strtoll alone took these: a sign, spaces, and overflow as INT64_MAX. */
    assert_int_equal(api_parse_id("+42", &id), -1);
    assert_int_equal(api_parse_id(" 42", &id), -1);
    assert_int_equal(api_parse_id("-42", &id), -1);
    assert_int_equal(api_parse_id("99999999999999999999", &id), -1);
    assert_int_equal(api_query_long(NULL, 100, 1000), 100);
    assert_int_equal(api_query_long("7", 100, 1000), 7);
    assert_int_equal(api_query_long("5000", 100, 1000), 1000);
    assert_int_equal(api_query_long("99999999999999999999", 100, 1000), 1000);
    assert_int_equal(api_query_long("-1", 100, 1000), -1);
    assert_int_equal(api_query_long("", 100, 1000), -1);
    assert_int_equal(api_query_long("5x", 100, 1000), -1);
    uint64_t serial = 0;
    assert_int_equal(cloud_parse_serial("S0000000000000000001", &serial), -1);
    assert_int_equal(cloud_parse_serial("s12", &serial), 0);
    assert_int_equal(serial, 12);
}

/* A one-second queue-ttl stamped late in a second must not lapse at the
 * next tick: an action queued at T.999 was expired when it was sent at
 * T+1.000, and a freshly connected machine never got its homing hunt. */
static void deadlines_lapse_only_in_a_later_second(void **state)
{
    (void)state;
    int64_t created = 1764806400, ttl = 1;
    assert_false(cloud_deadline_passed(created + ttl, created));
    assert_false(cloud_deadline_passed(created + ttl, created + 1));
    assert_true(cloud_deadline_passed(created + ttl, created + 2));
    assert_false(cloud_deadline_passed(created + 3600, created + 3600));
    assert_true(cloud_deadline_passed(created + 3600, created + 3601));
}

/* fuzz_cloud_auth: an uppercase mac used to pass (sodium_hex2bin takes
 * both cases), so one token had many spellings. */
/* Issue 8 item 5: nothing a client sends reaches the log raw. */
static void log_lines_are_escaped(void **state)
{
    (void)state;
    char out[64];
    const char forged[] = "ev\n2026 gfcloud ERROR x\x1b[31m\\\xc3\xa9";
    size_t n = log_escape(out, sizeof(out), forged, sizeof(forged) - 1);
    assert_string_equal(out,
                        "ev\\x0a2026 gfcloud ERROR x\\x1b[31m\\\\\\xc3\\xa9");
    assert_int_equal(n, strlen(out));
    /* Cut to fit, never in the middle of an escape. */
    char small[8];
    log_escape(small, sizeof(small), "ab\ncd", 5);
    assert_string_equal(small, "ab\\x0ac");
    log_escape(small, sizeof(small), "abcde\n", 6);
    assert_string_equal(small, "abcde");
}

static void media_types(void **state)
{
    (void)state;
    assert_true(api_media_type_is("application/json", "application/json"));
    assert_true(api_media_type_is("APPLICATION/JSON", "application/json"));
    assert_true(api_media_type_is(" Application/Json ; charset=UTF-8",
                                  "application/json"));
    assert_false(api_media_type_is("application/jsonx", "application/json"));
    assert_false(api_media_type_is("text/json", "application/json"));
    assert_false(api_media_type_is(NULL, "image/jpeg"));
    assert_true(api_media_type_is("Image/JPEG", "image/jpeg"));
}

static void token_has_one_spelling(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], tok[AUTH_TOKEN_MAX];
    auth *a = NULL;
    uint64_t serial = 0;
    assert_int_equal(auth_open(&a, dir, err, sizeof(err)), 0);
    auth_token_make(a, 77, 5, 2000, tok);
    assert_int_equal(auth_token_check(a, tok, 5, 1000, &serial), 0);
    assert_int_equal(serial, 77);
    char *mac = strrchr(tok, '.') + 1;
    char *letter = mac + strcspn(mac, "abcdef");
    if (*letter) { /* 64 hex digits without a letter: 1 in 10^13 */
        *letter = (char)(*letter - 32);
        assert_int_equal(auth_token_check(a, tok, 5, 1000, &serial), -1);
    }
    auth_close(a);
    tmp_dir_remove(dir);
}

static int events_of(cloud *c, uint64_t serial)
{
    json_t *ev = store_event_list(c->store, serial, 0, 100);
    int n = (int)json_array_size(ev);
    json_decref(ev);
    return n;
}

static void frames_reach_the_store(void **state)
{
    (void)state;
    cloud c;
    char err[256];
    uint8_t hash[AUTH_HASH_LEN] = {0};
    memset(&c, 0, sizeof(c));
    cfg_defaults(&c.cfg);
    log_set_level("error");
    char *dir = tmp_dir_make();
    snprintf(c.cfg.data_dir, sizeof(c.cfg.data_dir), "%s", dir);
    assert_int_equal(cloud_open_data(&c, err, sizeof(err)), 0);
    c.sched = sched_new(&c);
    assert_int_equal(store_machine_add(c.store, 5, hash, 1), 0);
    static const char frame[] =
        "{\"id\":1,\"type\":\"event\",\"event\":\"machine:ready\"}\r\n"
        "not json\n\n"
        "{\"id\":2,\"type\":\"log\",\"log\":\"hello\"}\n"
        "{\"id\":3,\"type\":\"event\",\"event\":\"print:completed\","
        "\"action_id\":999}\n"
        "{\"action_type\":\"print\",\"id\":4}";
    ws_ingest(&c, 5, frame, sizeof(frame) - 1);
    assert_int_equal(events_of(&c, 5), 2);
    json_t *logs = store_log_list(c.store, 5, 0, 10);
    assert_int_equal(json_array_size(logs), 1);
    json_decref(logs);
    json_t *m = store_machine_get(c.store, 5);
    assert_non_null(m);
    json_decref(m);
    /* Empty and binary frames are harmless. */
    ws_ingest(&c, 5, "", 0);
    ws_ingest(&c, 5, "\0\xff\n\0", 4);
    assert_int_equal(events_of(&c, 5), 2);
    sched_free(c.sched);
    cloud_close_data(&c);
    tmp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signin_json),
        cmocka_unit_test(signin_form),
        cmocka_unit_test(paths),
        cmocka_unit_test(ids_and_queries),
        cmocka_unit_test(deadlines_lapse_only_in_a_later_second),
        cmocka_unit_test(token_has_one_spelling),
        cmocka_unit_test(log_lines_are_escaped),
        cmocka_unit_test(media_types),
        cmocka_unit_test(frames_reach_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
