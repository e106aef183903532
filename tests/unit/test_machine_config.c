/* test_machine_config.c - gfmachine's configuration: defaults, the INI
 * file, flags overriding it, and clear errors that never echo a secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "txq.h"

#define PW "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void test_defaults(void **state)
{
    cfg c;
    cfg_defaults(&c);
    assert_string_equal(c.server, "http://127.0.0.1:8080");
    assert_null(c.status);
    assert_string_equal(c.fw_version, "2.6.0-2228");
    assert_true(c.speed == 1);
    assert_int_equal(c.retry_min_ms, 5000);
    assert_int_equal(c.retry_max_ms, 30000);
    assert_int_equal(c.retry_auth_ms, 30000);
    assert_int_equal(c.warmup_ms, 3000);
    assert_int_equal(c.rest_ms, 10000);
    assert_int_equal(c.button_timeout_ms, 300000);
    assert_int_equal(c.progress_interval_ms, 30000);
    assert_int_equal(c.queue_max, 1000);
    assert_int_equal(c.max_job_bytes, 128LL * 1024 * 1024);
    cfg_free(&c);
}

static void test_flags_and_check(void **state)
{
    cfg c;
    char err[256];
    char *argv[] = {"gfmachine",
                    "--server",
                    "https://app.example/",
                    "--serial",
                    "S10000042",
                    "--password",
                    PW,
                    "--speed",
                    "100",
                    "--auto-button",
                    "2.5",
                    "--retry_min_ms",
                    "10",
                    NULL};
    assert_int_equal(cfg_load(&c, 13, argv, err, sizeof(err)), 0);
    assert_int_equal(cfg_check(&c, err, sizeof(err)), 0);
    assert_int_equal(c.serial, 10000042);
    assert_true(c.speed == 100);
    assert_true(c.auto_button == 2.5);
    assert_int_equal(c.retry_min_ms, 10);
    assert_string_equal(cfg_server(&c), "https://app.example");
    assert_string_equal(cfg_status(&c), "wss://app.example"); /* derived */
    assert_string_equal(c.control, "/tmp/gfmachine-10000042.sock");
    cfg_free(&c);
}

static void test_ini_then_flags_override(void **state)
{
    char path[] = "/tmp/gfm-cfg-XXXXXX";
    int fd = mkstemp(path);
    cfg c;
    char err[256];
    FILE *f = fdopen(fd, "w");
    fprintf(f,
            "; a comment\n[service]\nserver = http://h:1\nserial = 7\n"
            "password = %s\n[identity]\nhead_id = 42\nip = 10.0.0.9\n"
            "[emulator]\nspeed = 0\nimages = /imgs\n",
            PW);
    fclose(f);
    char *argv[] = {"gfmachine", "--serial", "8", "--config", path, NULL};
    assert_int_equal(cfg_load(&c, 5, argv, err, sizeof(err)), 0);
    assert_int_equal(cfg_check(&c, err, sizeof(err)), 0);
    assert_int_equal(c.serial, 8); /* the flag wins, wherever it stands */
    assert_int_equal(c.head_id, 42);
    assert_string_equal(c.ip, "10.0.0.9");
    assert_string_equal(c.images, "/imgs");
    assert_true(c.speed == 0);
    assert_string_equal(cfg_status(&c), "ws://h:1");
    cfg_free(&c);
    unlink(path);
}

/* Several nodes: --server lists them, the status URLs follow (derived, or
 * listed one per server), and a failed sign-in moves to the next. */
static void test_service_list_fails_over_in_turn(void **state)
{
    cfg c;
    char err[256];
    (void)state;
    cfg_defaults(&c);
    assert_int_equal(cfg_set(&c, "serial", "12", err, sizeof(err)), 0);
    assert_int_equal(cfg_set(&c, "password", PW, err, sizeof(err)), 0);
    assert_int_equal(
        cfg_set(&c, "server", "http://a:1/,https://b:2", err, sizeof(err)), 0);
    assert_int_equal(cfg_check(&c, err, sizeof(err)), 0);
    assert_int_equal(c.n_services, 2);
    assert_string_equal(cfg_server(&c), "http://a:1");
    assert_string_equal(cfg_status(&c), "ws://a:1");
    assert_string_equal(cfg_next_service(&c), "https://b:2");
    assert_string_equal(cfg_status(&c), "wss://b:2");
    assert_string_equal(cfg_next_service(&c), "http://a:1");
    assert_int_equal(
        cfg_set(&c, "status", "ws://x:1,ws://y:2", err, sizeof(err)), 0);
    assert_int_equal(cfg_check(&c, err, sizeof(err)), 0);
    assert_string_equal(cfg_status(&c), "ws://x:1");
    assert_string_equal(cfg_next_service(&c), "https://b:2");
    assert_string_equal(cfg_status(&c), "ws://y:2");
    assert_int_equal(
        cfg_set(&c, "status", "ws://x:1,ws://y:2,ws://z:3", err, sizeof(err)),
        0);
    assert_int_equal(cfg_check(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "--status"));
    assert_int_equal(cfg_set(&c, "status", "", err, sizeof(err)), 0);
    assert_int_equal(
        cfg_set(&c, "server", "http://a:1,ftp://b", err, sizeof(err)), 0);
    assert_int_equal(cfg_check(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "--server"));
    cfg_free(&c);
}

static void test_errors_are_clear_and_secret_free(void **state)
{
    cfg c;
    char err[256];
    cfg_defaults(&c);
    assert_int_equal(cfg_set(&c, "nope", "1", err, sizeof(err)), -1);
    assert_string_equal(err, "unknown setting: nope");
    assert_int_equal(cfg_set(&c, "serial", "Sx", err, sizeof(err)), -1);
    assert_string_equal(err, "bad value for setting: serial");
    assert_int_equal(cfg_set(&c, "speed", "1.5x", err, sizeof(err)), -1);
    assert_int_equal(cfg_set(&c, "serial", "12", err, sizeof(err)), 0);
    assert_int_equal(
        cfg_set(&c, "password", "secret-but-short", err, sizeof(err)), 0);
    assert_int_equal(cfg_check(&c, err, sizeof(err)), -1);
    assert_null(strstr(err, "secret"));
    assert_non_null(strstr(err, "64 hex"));
    cfg_set(&c, "password", PW, err, sizeof(err));
    cfg_set(&c, "server", "ftp://x", err, sizeof(err));
    assert_int_equal(cfg_check(&c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "--server"));
    cfg_free(&c);

    char path[] = "/tmp/gfm-cfg-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "[a]\nthis line has no equals sign\n");
    fclose(f);
    cfg_defaults(&c);
    assert_int_equal(cfg_load_ini(&c, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, ":2: syntax error"));
    assert_int_equal(cfg_load_ini(&c, "/nonexistent.ini", err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "cannot read"));
    cfg_free(&c);
    unlink(path);
}

static void test_flag_without_value(void **state)
{
    cfg c;
    char err[256];
    char *argv[] = {"gfmachine", "--serial", NULL};
    assert_int_equal(cfg_load(&c, 2, argv, err, sizeof(err)), -1);
    assert_string_equal(err, "missing value for --serial");
    cfg_free(&c);
    char *argv2[] = {"gfmachine", "stray", NULL};
    assert_int_equal(cfg_load(&c, 2, argv2, err, sizeof(err)), -1);
    cfg_free(&c);
}

/* The transmit queue's bound: progress goes first, then the oldest. */
static void test_txq_bounded(void **state)
{
    txq *q = txq_new(3, NULL, NULL);
    char *s;
    assert_int_equal(txq_push(q, strdup("e1"), 0), 0);
    assert_int_equal(txq_push(q, strdup("p1"), 1), 0);
    assert_int_equal(txq_push(q, strdup("e2"), 0), 0);
    assert_int_equal(txq_push(q, strdup("e3"), 0), 1); /* p1 goes */
    assert_int_equal(txq_push(q, strdup("p2"), 1), 1); /* p2 dropped */
    assert_int_equal(txq_push(q, strdup("e4"), 0), 1); /* e1 goes */
    assert_int_equal(txq_len(q), 3);
    assert_int_equal(txq_dropped(q), 3);
    const char *want[] = {"e2", "e3", "e4"};
    for (int i = 0; i < 3; i++) {
        s = txq_pop(q);
        assert_string_equal(s, want[i]);
        free(s);
    }
    assert_null(txq_pop(q));
    txq_push(q, strdup("left for txq_free"), 0);
    txq_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_flags_and_check),
        cmocka_unit_test(test_ini_then_flags_override),
        cmocka_unit_test(test_service_list_fails_over_in_turn),
        cmocka_unit_test(test_errors_are_clear_and_secret_free),
        cmocka_unit_test(test_flag_without_value),
        cmocka_unit_test(test_txq_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
