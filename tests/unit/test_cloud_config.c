/* test_cloud_config.c - gfcloud settings: defaults, INI file, flags on top,
 * and clear errors for bad values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "config.h"
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
    assert_int_equal(cfg_listen_split(&c, host, sizeof(host), &port), 0);
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
    strcpy(c.listen, "nohostport");
    char host[64];
    int port;
    assert_int_equal(cfg_listen_split(&c, host, sizeof(host), &port), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_work_on_loopback),
        cmocka_unit_test(ini_then_flags),
        cmocka_unit_test(bad_values_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
