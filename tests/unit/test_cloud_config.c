/* test_cloud_config.c - gfcloud settings: defaults, INI file, flags on top,
 * and clear errors for bad values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "config.h"
#include "listen.h"
#include "test_cloud_tmp.h"

static void defaults_work_on_loopback(void **state)
{
    (void)state;
    cfg c;
    char host[64];
    int port = -1;
    cfg_defaults(&c);
    assert_string_equal(c.listen, "127.0.0.1:8080");
    assert_int_equal(c.ws_token_ttl, 30);
    assert_int_equal(c.auth_token_ttl, 21600);
    assert_true(c.deadline_scale == 1.0);
    char err[256];
    assert_int_equal(
        listen_parse(c.listen, host, sizeof(host), &port, err, sizeof(err)), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);
}

static void ini_then_flags(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char path[256], err[256];
    snprintf(path, sizeof(path), "%s/gfcloud.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[server]\nlisten = 0.0.0.0:9000\nws_token_ttl = 5\n"
               "[limits]\nmax-frame = 1000\ndeadline-scale = 0.5\n");
    fclose(f);
    cfg c;
    cfg_defaults(&c);
    char *argv[] = {"gfcloud",  "serve",       "--config",         path,
                    "--listen", "127.0.0.1:0", "--max-frame=2000", "extra"};
    char *rest[8];
    int nrest = 0;
    assert_int_equal(
        cfg_parse_args(&c, 8, argv, rest, &nrest, err, sizeof(err)), 0);
    assert_string_equal(c.listen, "127.0.0.1:0"); /* flag wins */
    assert_int_equal(c.ws_token_ttl, 5);          /* from the file */
    assert_int_equal(c.max_frame, 2000);
    assert_true(c.deadline_scale == 0.5);
    assert_int_equal(nrest, 2);
    assert_string_equal(rest[0], "serve");
    assert_string_equal(rest[1], "extra");
    tmp_dir_remove(dir);
}

static void bad_values_are_refused(void **state)
{
    (void)state;
    cfg c;
    char err[256];
    cfg_defaults(&c);
    assert_int_equal(cfg_set(&c, "max-frame", "lots", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "max-frame"));
    assert_int_equal(cfg_set(&c, "max-frame", "-1", err, sizeof(err)), -1);
    assert_int_equal(cfg_set(&c, "no-such-key", "1", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no-such-key"));
    char *argv[] = {"gfcloud", "--listen"};
    char *rest[4];
    int nrest;
    assert_int_equal(
        cfg_parse_args(&c, 2, argv, rest, &nrest, err, sizeof(err)), -1);
    assert_int_equal(cfg_load_file(&c, "/nonexistent.ini", err, sizeof(err)),
                     -1);
    assert_int_equal(cfg_set(&c, "listen", "nohostport", err, sizeof(err)), -1);
}

/* Every enumerated value is one of its names; anything else is an error
 * rather than the default in disguise. */
static void enumerations_are_checked(void **state)
{
    (void)state;
    cfg c;
    char err[256];
    cfg_defaults(&c);
    assert_int_equal(cfg_set(&c, "sync", "sometimes", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "normal or full"));
    assert_string_equal(c.sync, "normal"); /* unchanged */
    assert_int_equal(cfg_set(&c, "sync", "full", err, sizeof(err)), 0);
    assert_int_equal(cfg_set(&c, "log-level", "chatty", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "log-level"));
    assert_int_equal(cfg_set(&c, "log-level", "debug", err, sizeof(err)), 0);
    assert_int_equal(cfg_set(&c, "public-url", "gf.example", err, sizeof(err)),
                     -1);
    assert_int_equal(
        cfg_set(&c, "public-url", "https://gf.example", err, sizeof(err)), 0);
    assert_string_equal(c.event_loop, "epoll");
    assert_int_equal(cfg_set(&c, "event-loop", "select", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "epoll or poll"));
    assert_string_equal(c.event_loop, "epoll"); /* unchanged */
    assert_int_equal(cfg_set(&c, "event-loop", "poll", err, sizeof(err)), 0);
    assert_string_equal(c.event_loop, "poll");
}

static void listen_forms(void **state)
{
    (void)state;
    char host[64], err[256];
    int port = -1;
    assert_int_equal(
        listen_parse("[::1]:8091", host, sizeof(host), &port, err, sizeof(err)),
        0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 8091);
    assert_int_equal(
        listen_parse(":0", host, sizeof(host), &port, err, sizeof(err)), 0);
    assert_string_equal(host, "");
    assert_int_equal(port, 0);
    assert_int_equal(listen_parse("localhost:8090", host, sizeof(host), &port,
                                  err, sizeof(err)),
                     0);
    assert_string_equal(host, "localhost");
    assert_int_equal(
        listen_parse("::1:8091", host, sizeof(host), &port, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "brackets"));
    const char *bad[] = {"[::1]", "[::1]8080", "h:",   "h:65536",
                         "h:-1",  "h:80x",     "h: 80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(
            listen_parse(bad[i], host, sizeof(host), &port, err, sizeof(err)),
            -1);
    listen_plan p;
    assert_int_equal(listen_resolve("localhost:0", &p, err, sizeof(err)), 0);
    assert_true(p.n >= 1);
    assert_int_equal(
        listen_resolve("no-such-host.invalid:0", &p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no-such-host.invalid"));
}

/* A bad line in the INI file is named by file and line. */
static void ini_errors_name_file_and_line(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char path[256], err[512], want[300];
    snprintf(path, sizeof(path), "%s/gfcloud.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[server]\nlisten = 127.0.0.1:0\n\nsync = sometimes\n");
    fclose(f);
    cfg c;
    cfg_defaults(&c);
    assert_int_equal(cfg_load_file(&c, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:4: sync", path);
    assert_non_null(strstr(err, want));
    f = fopen(path, "w");
    fprintf(f, "listen = 127.0.0.1:0\nno_such_key = 1\n");
    fclose(f);
    assert_int_equal(cfg_load_file(&c, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2: unknown setting", path);
    assert_non_null(strstr(err, want));
    f = fopen(path, "w");
    fprintf(f, "listen = 127.0.0.1:0\nthis is not a setting\n");
    fclose(f);
    assert_int_equal(cfg_load_file(&c, path, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s:2: syntax error", path);
    assert_non_null(strstr(err, want));
    assert_int_equal(cfg_load_file(&c, "/nonexistent.ini", err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "/nonexistent.ini: cannot open: No such"));
    tmp_dir_remove(dir);
}

/* Half a TLS pair, or a named file that is not there, stops `serve`. */
static void serve_checks_files_and_pairs(void **state)
{
    (void)state;
    cfg c;
    char err[512];
    cfg_defaults(&c);
    assert_int_equal(cfg_check_serve(&c, err, sizeof(err)), 0);
    strcpy(c.tls_cert, "/etc/hostname");
    assert_int_equal(cfg_check_serve(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "tls-cert is set without tls-key"));
    strcpy(c.tls_key, "/nope/key.pem");
    assert_int_equal(cfg_check_serve(&c, err, sizeof(err)), -1);
    assert_non_null(
        strstr(err, "tls-key /nope/key.pem: No such file or directory"));
    c.tls_cert[0] = c.tls_key[0] = '\0';
    strcpy(c.hunt_file, "/nope");
    assert_int_equal(cfg_check_serve(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "hunt-file /nope"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_work_on_loopback),
        cmocka_unit_test(ini_then_flags),
        cmocka_unit_test(bad_values_are_refused),
        cmocka_unit_test(enumerations_are_checked),
        cmocka_unit_test(listen_forms),
        cmocka_unit_test(ini_errors_name_file_and_line),
        cmocka_unit_test(serve_checks_files_and_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
