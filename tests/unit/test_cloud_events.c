/* test_cloud_events.c - the event bus (events.c): one text per event in
 * SSE form, shared by subscribers; resuming after an id; a subscriber that
 * falls a whole ring behind is told to go; ids of an earlier run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "events.h"

static int wakes;

static void wake(void *ctx)
{
    (void)ctx;
    wakes++;
}

static int lost;

static void on_lost(void *ctx)
{
    (void)ctx;
    lost++;
}

static void publish_n(events *b, int n)
{
    for (int i = 0; i < n; i++)
        events_publish(b, "t", json_pack("{s:i}", "n", i));
}

static void shared_text_in_order(void **state)
{
    (void)state;
    events *b = events_new(1000);
    events_sub *a = events_subscribe(b, 0, wake, NULL, NULL);
    events_sub *c = events_subscribe(b, 0, wake, NULL, NULL);
    const char *t1, *t2;
    size_t l1, l2;
    assert_int_equal(events_peek(b, a, &t1, &l1), 0);
    wakes = 0;
    events_publish(b, "job.state", json_pack("{s:s}", "state", "queued"));
    assert_int_equal(wakes, 2);
    assert_int_equal(events_peek(b, a, &t1, &l1), 1);
    assert_int_equal(events_peek(b, c, &t2, &l2), 1);
    assert_ptr_equal(t1, t2); /* serialised once, shared */
    assert_string_equal(t1, "id: 1000\nevent: job.state\n"
                            "data: {\"state\":\"queued\"}\n\n");
    assert_int_equal(l1, strlen(t1));
    events_advance(a);
    assert_int_equal(events_peek(b, a, &t1, &l1), 0);
    assert_int_equal(events_last_id(b), 1000);
    events_unsubscribe(b, a);
    events_unsubscribe(b, c);
    events_free(b);
}

static void resume_and_drop(void **state)
{
    (void)state;
    const char *t;
    size_t l;
    events *b = events_new(1);
    publish_n(b, 10);
    /* After id 4: the next is 5. */
    events_sub *r = events_subscribe(b, 4, wake, on_lost, NULL);
    assert_int_equal(events_peek(b, r, &t, &l), 1);
    assert_true(strncmp(t, "id: 5\n", 6) == 0);
    /* An id of an earlier run (beyond ours): from now on. */
    events_sub *f = events_subscribe(b, 999999, wake, NULL, NULL);
    assert_int_equal(events_peek(b, f, &t, &l), 0);
    /* A subscriber that never reads falls out of the ring. */
    lost = 0;
    publish_n(b, EVENTS_RING);
    assert_int_equal(events_peek(b, r, &t, &l), -1);
    assert_int_equal(lost, 1); /* told once, as soon as it fell out */
    /* One that resumes from too far back starts at the oldest held. */
    events_sub *o = events_subscribe(b, 1, wake, NULL, NULL);
    assert_int_equal(events_peek(b, o, &t, &l), 1);
    /* 10 + EVENTS_RING published from id 1: ids 11.. are still held. */
    assert_true(strncmp(t, "id: 11\n", 7) == 0);
    events_free(b); /* frees the subscribers left */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_text_in_order),
        cmocka_unit_test(resume_and_drop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
