/* test_machine_dispatch.c - gfmachine's dispatch rules (PROTOCOL.md §8,
 * §11): the single slot, busy drops, cancel, the bypassing actions, the 64
 * remembered ids, unknown types. The worker is replaced by counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch.h"
#include "log.h"

typedef struct fake {
    int started, answered, cancelled;
    int64_t last_started, last_answered, last_cancelled;
    int fail_start;
} fake;

static int fake_start(void *ud, const gf_msg *m, const gf_action_spec *spec)
{
    fake *f = ud;
    f->started++;
    f->last_started = m->id;
    return f->fail_start ? -1 : 0;
}

static void fake_answer(void *ud, const gf_msg *m, const gf_action_spec *s)
{
    fake *f = ud;
    f->answered++;
    f->last_answered = m->id;
}

static void fake_cancel(void *ud, int64_t id)
{
    fake *f = ud;
    f->cancelled++;
    f->last_cancelled = id;
}

static const disp_ops fake_ops = {fake_start, fake_answer, fake_cancel};

static void send(disp *d, int64_t id, const char *type, const char *status)
{
    gf_msg m;
    memset(&m, 0, sizeof(m));
    m.type = GF_MSG_ACTION;
    m.id = id;
    m.action_type = type;
    m.status = status;
    disp_action(d, &m);
}

static void check_counts(disp *d, fake *f, int started, int answered,
                         int cancelled)
{
    (void)d;
    assert_int_equal(f->started, started);
    assert_int_equal(f->answered, answered);
    assert_int_equal(f->cancelled, cancelled);
}

/* The tests below own their fake so they can read the counters. */
static void test_slot_rules_counted(void **state)
{
    fake f = {0};
    int64_t id = 0;
    disp *d = disp_new(&fake_ops, &f);
    send(d, 10, "print", "ready");
    assert_true(disp_running(d, &id));
    assert_int_equal(id, 10);
    assert_int_equal(f.last_started, 10);
    /* §11.1: busy => dropped silently, whatever its kind. */
    send(d, 12, "lid_image", "ready");
    send(d, 11, "motion", "ready");
    send(d, 13, "settings", "ready");
    check_counts(d, &f, 1, 0, 0);
    /* update_check bypasses the slot (§11.4). */
    send(d, 14, "update_check", "ready");
    check_counts(d, &f, 1, 1, 0);
    assert_int_equal(f.last_answered, 14);
    send(d, 15, "factory_reset", "ready");
    send(d, 16, "head_firmware_update", "ready");
    check_counts(d, &f, 1, 3, 0);
    disp_finished(d, 10);
    send(d, 13, "settings", "ready"); /* idle: answered at once */
    check_counts(d, &f, 1, 4, 0);
    assert_false(disp_running(d, NULL)); /* and the slot is free again */
    send(d, 11, "motion", "ready");      /* the dropped job can come again */
    check_counts(d, &f, 2, 4, 0);
    disp_free(d);
}

static void test_cancel_only_the_running_id(void **state)
{
    fake f = {0};
    disp *d = disp_new(&fake_ops, &f);
    send(d, 20, "print", "cancelled"); /* nothing running: ignored */
    check_counts(d, &f, 0, 0, 0);
    send(d, 20, "print", "ready");
    send(d, 21, "print", "cancelled"); /* another id: ignored */
    check_counts(d, &f, 1, 0, 0);
    send(d, 20, "print", "cancelled");
    check_counts(d, &f, 1, 0, 1);
    assert_int_equal(f.last_cancelled, 20);
    send(d, 20, "print", "cancel"); /* the seed's spelling (§19) */
    check_counts(d, &f, 1, 0, 2);
    disp_finished(d, 20);
    send(d, 20, "print", "cancelled"); /* finished: nothing to stop */
    check_counts(d, &f, 1, 0, 2);
    disp_free(d);
}

static void test_only_ready_starts_work(void **state)
{
    fake f = {0};
    disp *d = disp_new(&fake_ops, &f);
    const char *st[] = {"new", "started", "success", "failure", "READY", ""};
    for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
        send(d, 30, "motion", st[i]);
        send(d, 31, "settings", st[i]);
        send(d, 32, "update_check", st[i]);
    }
    send(d, 33, "motion", NULL);
    check_counts(d, &f, 0, 0, 0);
    disp_free(d);
}

static void test_repeated_ids_ignored_64_remembered(void **state)
{
    fake f = {0};
    disp *d = disp_new(&fake_ops, &f);
    send(d, 40, "motion", "ready");
    disp_finished(d, 40);
    send(d, 40, "motion", "ready"); /* §11 [rec]: ignored */
    check_counts(d, &f, 1, 0, 0);
    send(d, 41, "update_check", "ready");
    send(d, 41, "update_check", "ready");
    check_counts(d, &f, 1, 1, 0);
    /* 64 more finished ids push 40 out of memory. */
    for (int64_t id = 1000; id < 1000 + DISP_RECENT; id++) {
        send(d, id, "lid_image", "ready");
        disp_finished(d, id);
    }
    check_counts(d, &f, 1 + DISP_RECENT, 1, 0);
    send(d, 40, "motion", "ready");
    check_counts(d, &f, 2 + DISP_RECENT, 1, 0);
    disp_free(d);
}

static void test_unknown_and_focus_ignored(void **state)
{
    fake f = {0};
    disp *d = disp_new(&fake_ops, &f);
    send(d, 50, "self_destruct", "ready");
    send(d, 51, "focus", "ready");
    send(d, 52, "", "ready");
    check_counts(d, &f, 0, 0, 0);
    assert_false(disp_running(d, NULL));
    disp_free(d);
}

static void test_failed_start_frees_slot(void **state)
{
    fake f = {0};
    f.fail_start = 1;
    disp *d = disp_new(&fake_ops, &f);
    send(d, 60, "hunt", "ready");
    assert_false(disp_running(d, NULL));
    f.fail_start = 0;
    send(d, 61, "hunt", "ready");
    assert_true(disp_running(d, NULL));
    check_counts(d, &f, 2, 0, 0);
    disp_free(d);
}

static int terminal_calls;
static int64_t terminal_seen_running;

static void count_terminal(void *arg)
{
    int64_t *running_id = arg;
    /* Runs before the slot is freed: record that it was still held. */
    terminal_calls++;
    terminal_seen_running = *running_id;
}

static void test_finish_with_sends_terminal_then_frees(void **state)
{
    fake f = {0};
    disp *d = disp_new(&fake_ops, &f);
    int64_t held = 0;
    send(d, 70, "print", "ready");
    assert_true(disp_running(d, &held));
    disp_finish_with(d, 70, count_terminal, &held);
    assert_int_equal(terminal_seen_running, 70);
    assert_int_equal(terminal_calls, 1);
    assert_false(disp_running(d, NULL));
    send(d, 70, "print", "ready");
    check_counts(d, &f, 1, 0, 0);
    disp_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_rules_counted),
        cmocka_unit_test(test_cancel_only_the_running_id),
        cmocka_unit_test(test_only_ready_starts_work),
        cmocka_unit_test(test_repeated_ids_ignored_64_remembered),
        cmocka_unit_test(test_unknown_and_focus_ignored),
        cmocka_unit_test(test_failed_start_frees_slot),
        cmocka_unit_test(test_finish_with_sends_terminal_then_frees),
    };
    mlog_init(MLOG_ERROR, 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
