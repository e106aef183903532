/* test_gfnet_wheel.c - the hashed timer wheel: never early, at most a tick
 * late, O(1) arm/cancel from inside callbacks, timers more than a turn
 * ahead, clock jumps, and many timers against a sorted reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gfnet_wheel.h"

struct probe {
    gfnet_timer t;
    int fired;
    int64_t fired_at;
    int rearm_by;        /* re-arm this many ms later from the callback */
    gfnet_timer *cancel; /* cancel this one from the callback */
    gfnet_wheel *w;
};

static int64_t g_now;

static void on_fire(gfnet_timer *t)
{
    struct probe *p = (struct probe *)((char *)t - offsetof(struct probe, t));
    p->fired++;
    p->fired_at = g_now;
    if (p->cancel)
        gfnet_timer_cancel(p->w, p->cancel);
    if (p->rearm_by) {
        int by = p->rearm_by;
        p->rearm_by = 0;
        gfnet_timer_arm(p->w, t, g_now + by, on_fire);
    }
}

static void run_to(gfnet_wheel *w, int64_t until, int64_t step)
{
    while (g_now < until) {
        g_now += step;
        gfnet_wheel_run(w, g_now);
    }
}

static void fires_once_never_early_at_most_a_tick_late(void **state)
{
    (void)state;
    g_now = 1000;
    gfnet_wheel *w = gfnet_wheel_new(4, 10, g_now);
    assert_non_null(w);
    struct probe p = {.w = w};
    gfnet_timer_arm(w, &p.t, 1055, on_fire);
    assert_true(gfnet_timer_armed(&p.t));
    assert_int_equal(gfnet_wheel_count(w), 1);
    run_to(w, 1054, 1);
    assert_int_equal(p.fired, 0);
    run_to(w, 1100, 1);
    assert_int_equal(p.fired, 1);
    assert_true(p.fired_at >= 1055 && p.fired_at <= 1065);
    assert_false(gfnet_timer_armed(&p.t));
    assert_int_equal(gfnet_wheel_count(w), 0);
    gfnet_wheel_free(w);
}

static void later_turns_wait_for_their_turn(void **state)
{
    (void)state;
    g_now = 0;
    /* 8 slots of 10 ms: one turn is 80 ms; this is 3.5 turns ahead. */
    gfnet_wheel *w = gfnet_wheel_new(3, 10, g_now);
    struct probe p = {.w = w};
    gfnet_timer_arm(w, &p.t, 285, on_fire);
    run_to(w, 284, 5);
    assert_int_equal(p.fired, 0);
    run_to(w, 300, 5);
    assert_int_equal(p.fired, 1);
    assert_true(p.fired_at >= 285 && p.fired_at <= 295);
    gfnet_wheel_free(w);
}

static void cancel_and_rearm(void **state)
{
    (void)state;
    g_now = 0;
    gfnet_wheel *w = gfnet_wheel_new(4, 10, g_now);
    struct probe a = {.w = w}, b = {.w = w};
    gfnet_timer_arm(w, &a.t, 50, on_fire);
    gfnet_timer_arm(w, &b.t, 50, on_fire);
    gfnet_timer_cancel(w, &a.t);
    gfnet_timer_cancel(w, &a.t);            /* twice is harmless */
    gfnet_timer_arm(w, &b.t, 120, on_fire); /* moves it */
    assert_int_equal(gfnet_wheel_count(w), 1);
    run_to(w, 100, 10);
    assert_int_equal(a.fired + b.fired, 0);
    run_to(w, 140, 10);
    assert_int_equal(a.fired, 0);
    assert_int_equal(b.fired, 1);
    gfnet_wheel_free(w);
}

static void callbacks_rearm_and_cancel_others(void **state)
{
    (void)state;
    g_now = 0;
    gfnet_wheel *w = gfnet_wheel_new(4, 10, g_now);
    struct probe a = {.w = w, .rearm_by = 30}, b = {.w = w}, c = {.w = w};
    /* Same slot: a fires first or second, and cancels c either way. */
    gfnet_timer_arm(w, &a.t, 20, on_fire);
    gfnet_timer_arm(w, &b.t, 20, on_fire);
    gfnet_timer_arm(w, &c.t, 20, on_fire);
    a.cancel = &c.t;
    b.cancel = NULL;
    run_to(w, 30, 10);
    assert_int_equal(a.fired, 1);
    assert_int_equal(b.fired, 1);
    /* c was either cancelled before its turn or fired just before a. */
    int c_before = c.fired;
    assert_true(gfnet_timer_armed(&a.t)); /* fired at 20, re-armed for 50 */
    a.cancel = NULL;
    run_to(w, 49, 1);
    assert_int_equal(a.fired, 1);
    run_to(w, 80, 1);
    assert_int_equal(a.fired, 2);
    assert_int_equal(c.fired, c_before);
    assert_int_equal(gfnet_wheel_count(w), 0);
    gfnet_wheel_free(w);
}

static void past_due_rearm_waits_for_the_next_tick(void **state)
{
    (void)state;
    g_now = 0;
    gfnet_wheel *w = gfnet_wheel_new(4, 10, g_now);
    struct probe a = {.w = w, .rearm_by = -100}; /* re-arms in the past */
    gfnet_timer_arm(w, &a.t, 10, on_fire);
    g_now = 10;
    assert_int_equal(gfnet_wheel_run(w, g_now), 1); /* no loop */
    assert_int_equal(gfnet_wheel_run(w, g_now), 0);
    g_now = 20;
    assert_int_equal(gfnet_wheel_run(w, g_now), 1);
    assert_int_equal(a.fired, 2);
    gfnet_wheel_free(w);
}

static void a_clock_jump_fires_everything_due(void **state)
{
    (void)state;
    g_now = 0;
    gfnet_wheel *w = gfnet_wheel_new(3, 10, g_now);
    struct probe p[20];
    memset(p, 0, sizeof(p));
    for (int k = 0; k < 20; k++) {
        p[k].w = w;
        gfnet_timer_arm(w, &p[k].t, 50 + 100 * k, on_fire);
    }
    g_now = 1000; /* twelve turns later in one step */
    assert_int_equal(gfnet_wheel_run(w, g_now), 10);
    for (int k = 0; k < 20; k++)
        assert_int_equal(p[k].fired, k < 10);
    run_to(w, 2100, 10);
    for (int k = 0; k < 20; k++)
        assert_int_equal(p[k].fired, 1);
    gfnet_wheel_free(w);
}

/* 20,000 timers at random times: each fires once, in its tick. */
static void many_timers_each_in_its_tick(void **state)
{
    (void)state;
    enum { N = 20000 };
    g_now = 5;
    gfnet_wheel *w = gfnet_wheel_new(8, 10, g_now);
    struct probe *p = calloc(N, sizeof(*p));
    assert_non_null(p);
    srand(7);
    for (int k = 0; k < N; k++) {
        p[k].w = w;
        gfnet_timer_arm(w, &p[k].t, g_now + rand() % 60000, on_fire);
    }
    for (int k = 0; k < N; k += 3)
        gfnet_timer_cancel(w, &p[k].t);
    assert_int_equal(gfnet_wheel_count(w), N - (N + 2) / 3);
    run_to(w, 61000, 7);
    for (int k = 0; k < N; k++) {
        assert_int_equal(p[k].fired, k % 3 != 0);
        if (p[k].fired)
            assert_true(p[k].fired_at >= p[k].t.due_ms &&
                        p[k].fired_at < p[k].t.due_ms + 10 + 7);
    }
    assert_int_equal(gfnet_wheel_count(w), 0);
    free(p);
    gfnet_wheel_free(w);
}

static void bad_sizes_are_refused(void **state)
{
    (void)state;
    assert_null(gfnet_wheel_new(0, 10, 0));
    assert_null(gfnet_wheel_new(21, 10, 0));
    assert_null(gfnet_wheel_new(4, 0, 0));
    gfnet_wheel_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fires_once_never_early_at_most_a_tick_late),
        cmocka_unit_test(later_turns_wait_for_their_turn),
        cmocka_unit_test(cancel_and_rearm),
        cmocka_unit_test(callbacks_rearm_and_cancel_others),
        cmocka_unit_test(past_due_rearm_waits_for_the_next_tick),
        cmocka_unit_test(a_clock_jump_fires_everything_due),
        cmocka_unit_test(many_timers_each_in_its_tick),
        cmocka_unit_test(bad_sizes_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
