/* test_catalog.c - the action catalog against PROTOCOL.md §8-§11.
 *
 * The service's tracker and the machine's dispatcher both trust this table,
 * so each rule of the protocol it encodes gets its own test: the twelve
 * names, their kinds, the slot and status rules, the reference events in
 * order, the terminals and the stage deadlines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gf/catalog.h"

static const char *const twelve[] = {
    "settings",   "update_check", "factory_reset", "head_firmware_update",
    "hunt",       "motion",       "print",         "lid_image",
    "head_image", "lidar_image",  "user_image",    "focus",
};

static const gf_action_spec *spec(const char *name)
{
    const gf_action_spec *s = gf_action_lookup(name);
    if (!s)
        fail_msg("no catalog entry for %s", name);
    return s;
}

/* The stage events of `name` after stage 0, in order, must be `want`. */
static void events_are(const char *name, const char *const *want, size_t n)
{
    const gf_action_spec *s = spec(name);
    assert_int_equal(s->n_stages, n + 1);
    assert_null(s->stages[0].event);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(s->stages[i + 1].event, want[i]);
}

static void terminals_are(const char *name, const char *const *want, size_t n)
{
    const gf_action_spec *s = spec(name);
    assert_int_equal(s->n_terminals, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(s->terminals[i], want[i]);
}

static void deadline_is(const gf_deadline *d, int seconds, int plus_runtime,
                        int none)
{
    assert_int_equal(d->none, none);
    if (!none) {
        assert_int_equal(d->seconds, seconds);
        assert_int_equal(d->plus_runtime, plus_runtime);
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void all_twelve_action_types_are_known(void **st)
{
    size_t count = 0;
    const gf_action_spec *all = gf_action_catalog(&count);
    assert_int_equal(count, 12);
    for (size_t i = 0; i < N(twelve); i++) {
        const gf_action_spec *s = spec(twelve[i]);
        assert_string_equal(s->name, twelve[i]);
        assert_true(s >= all && s < all + count);
    }
}

static void unknown_action_types_are_not_found(void **st)
{
    assert_null(gf_action_lookup("Print"));
    assert_null(gf_action_lookup("print "));
    assert_null(gf_action_lookup(""));
    assert_null(gf_action_lookup("calibrate"));
    assert_null(gf_action_lookup(NULL));
    assert_non_null(gf_action_catalog(NULL));
}

static void kinds_follow_section_9(void **st)
{
    assert_int_equal(spec("settings")->kind, GF_KIND_SYNC);
    assert_int_equal(spec("update_check")->kind, GF_KIND_SYNC);
    assert_int_equal(spec("factory_reset")->kind, GF_KIND_SYNC);
    assert_int_equal(spec("head_firmware_update")->kind, GF_KIND_SYNC);
    assert_int_equal(spec("hunt")->kind, GF_KIND_PULSE);
    assert_int_equal(spec("motion")->kind, GF_KIND_PULSE);
    assert_int_equal(spec("print")->kind, GF_KIND_PULSE);
    assert_int_equal(spec("lid_image")->kind, GF_KIND_IMAGE);
    assert_int_equal(spec("head_image")->kind, GF_KIND_IMAGE);
    assert_int_equal(spec("lidar_image")->kind, GF_KIND_IMAGE);
    assert_int_equal(spec("user_image")->kind, GF_KIND_IMAGE);
    assert_int_equal(spec("focus")->kind, GF_KIND_IGNORED);
}

/* §8: synchronous actions answer only "ready"; job and image actions see
 * every status so that a cancel can reach a running job. */
static void only_sync_actions_are_ready_only(void **st)
{
    for (size_t i = 0; i < N(twelve); i++) {
        const gf_action_spec *s = spec(twelve[i]);
        assert_int_equal(s->ready_only, s->kind == GF_KIND_SYNC);
    }
}

/* §11: jobs, images and settings take the single slot; update_check,
 * factory_reset and head_firmware_update bypass it. */
static void slot_rule_of_section_11(void **st)
{
    assert_true(spec("settings")->uses_slot);
    assert_false(spec("update_check")->uses_slot);
    assert_false(spec("factory_reset")->uses_slot);
    assert_false(spec("head_firmware_update")->uses_slot);
    assert_false(spec("focus")->uses_slot);
    for (size_t i = 4; i < 11; i++)
        assert_true(spec(twelve[i])->uses_slot);
}

static void print_reference_events_in_order(void **st)
{
    static const char *const ev[] = {
        "print:starting",
        "print:download:completed",
        "print:warmup:starting",
        "print:running",
        "print:return_to_home:succeeded",
        "print:completed",
    };
    events_are("print", ev, N(ev));
}

static void image_reference_events_in_order(void **st)
{
    static const char *const img[] = {"lid_image", "head_image", "lidar_image",
                                      "user_image"};
    static const char *const sfx[] = {
        ":starting",        ":capture:starting", ":capture:completed",
        ":upload:starting", ":upload:completed", ":completed",
    };
    for (size_t i = 0; i < N(img); i++) {
        const gf_action_spec *s = spec(img[i]);
        assert_int_equal(s->n_stages, N(sfx) + 1);
        for (size_t j = 0; j < N(sfx); j++) {
            char want[64];
            snprintf(want, sizeof want, "%s%s", img[i], sfx[j]);
            assert_string_equal(s->stages[j + 1].event, want);
        }
    }
}

static void sync_and_job_reference_events(void **st)
{
    static const char *const settings[] = {"settings:completed"};
    static const char *const update[] = {"update_check:completed"};
    static const char *const reset[] = {"factory_reset:failed"};
    static const char *const headfw[] = {"head_firmware_update:failed"};
    static const char *const hunt[] = {"hunt:starting", "hunt:completed"};
    static const char *const motion[] = {"motion:starting", "motion:completed"};
    events_are("settings", settings, 1);
    events_are("update_check", update, 1);
    events_are("factory_reset", reset, 1);
    events_are("head_firmware_update", headfw, 1);
    events_are("hunt", hunt, 2);
    events_are("motion", motion, 2);
    events_are("focus", NULL, 0);
}

static void terminals_follow_the_9_1_table(void **st)
{
    static const char *const settings[] = {"settings:completed"};
    static const char *const update[] = {"update_check:completed",
                                         "update_check:failed"};
    static const char *const reset[] = {"factory_reset:failed"};
    static const char *const headfw[] = {"head_firmware_update:failed"};
    static const char *const print[] = {"print:completed", "print:cancelled",
                                        "print:failed"};
    static const char *const lid[] = {"lid_image:completed",
                                      "lid_image:failed"};
    terminals_are("settings", settings, 1);
    terminals_are("update_check", update, 2);
    terminals_are("factory_reset", reset, 1);
    terminals_are("head_firmware_update", headfw, 1);
    terminals_are("print", print, 3);
    terminals_are("lid_image", lid, 2);
    terminals_are("focus", NULL, 0);
    assert_int_equal(spec("hunt")->n_terminals, 3);
    assert_int_equal(spec("motion")->n_terminals, 3);
    assert_int_equal(spec("user_image")->n_terminals, 2);
}

/* Every table entry agrees with itself: stage and terminal events belong to
 * the action, every terminal is a terminal by gf_event_outcome, and the
 * stage a terminal opens has no deadline. */
static void catalog_is_self_consistent(void **st)
{
    size_t count;
    const gf_action_spec *all = gf_action_catalog(&count);
    for (size_t i = 0; i < count; i++) {
        const gf_action_spec *s = &all[i];
        size_t len = strlen(s->name);
        assert_true(s->n_stages >= 1);
        assert_false(s->stages[0].deadline.none);
        for (size_t j = 1; j < s->n_stages; j++) {
            const char *e = s->stages[j].event;
            assert_memory_equal(e, s->name, len);
            assert_int_equal(e[len], ':');
            assert_int_equal((int)gf_action_stage_of(s, e), (int)j);
            if (gf_event_outcome(e) != GF_OUTCOME_NONE)
                assert_true(s->stages[j].deadline.none);
        }
        for (size_t j = 0; j < s->n_holds; j++) {
            assert_memory_equal(s->holds[j].event, s->name, len);
            assert_int_equal(gf_action_stage_of(s, s->holds[j].event), -1);
        }
        for (size_t j = 0; j < s->n_terminals; j++) {
            assert_memory_equal(s->terminals[j], s->name, len);
            assert_int_not_equal(gf_event_outcome(s->terminals[j]),
                                 GF_OUTCOME_NONE);
        }
    }
}

/* §10: settings & the other sync actions 30 s, images 90 s, hunt 120 s. */
static void fixed_deadlines_of_section_10(void **st)
{
    static const char *const sync[] = {"settings", "update_check",
                                       "factory_reset", "head_firmware_update"};
    for (size_t i = 0; i < N(sync); i++)
        deadline_is(&spec(sync[i])->stages[0].deadline, 30, 0, 0);
    for (size_t i = 7; i < 11; i++) {
        const gf_action_spec *s = spec(twelve[i]);
        for (size_t j = 0; j + 1 < s->n_stages; j++)
            deadline_is(&s->stages[j].deadline, 90, 0, 0);
        deadline_is(&s->stages[s->n_stages - 1].deadline, 0, 0, 1);
    }
    deadline_is(&spec("hunt")->stages[0].deadline, 120, 0, 0);
    deadline_is(&spec("hunt")->stages[1].deadline, 120, 0, 0);
}

static void motion_deadline_is_run_time_plus_60(void **st)
{
    const gf_action_spec *s = spec("motion");
    deadline_is(&s->stages[0].deadline, 60, 1, 0);
    deadline_is(&s->stages[1].deadline, 60, 1, 0);
    deadline_is(&s->stages[2].deadline, 0, 0, 1);
}

/* §10: no deadline while the print waits for the button; run time + 5 min
 * from the warm-up on; a bounded download before that. */
static void print_deadlines(void **st)
{
    const gf_action_spec *s = spec("print");
    int wait = gf_action_stage_of(s, "print:download:completed");
    int warm = gf_action_stage_of(s, "print:warmup:starting");
    deadline_is(&s->stages[0].deadline, 120, 0, 0);
    deadline_is(&s->stages[gf_action_stage_of(s, "print:starting")].deadline,
                120, 0, 0);
    deadline_is(&s->stages[wait].deadline, 0, 0, 1);
    for (int i = warm; i < (int)s->n_stages - 1; i++)
        deadline_is(&s->stages[i].deadline, 300, 1, 0);
}

static void event_outcome_is_exactly_type_colon_terminal(void **st)
{
    assert_int_equal(gf_event_outcome("print:completed"), GF_OUTCOME_COMPLETED);
    assert_int_equal(gf_event_outcome("print:cancelled"), GF_OUTCOME_CANCELLED);
    assert_int_equal(gf_event_outcome("print:failed"), GF_OUTCOME_FAILED);
    assert_int_equal(gf_event_outcome("print:upload:failed"), GF_OUTCOME_NONE);
    assert_int_equal(gf_event_outcome("lid_image:upload:completed"),
                     GF_OUTCOME_NONE);
    assert_int_equal(gf_event_outcome("print:download:completed"),
                     GF_OUTCOME_NONE);
    assert_int_equal(gf_event_outcome(":idle:starting"), GF_OUTCOME_NONE);
    assert_int_equal(gf_event_outcome(":completed"), GF_OUTCOME_NONE);
    assert_int_equal(gf_event_outcome("print:completedx"), GF_OUTCOME_NONE);
    assert_int_equal(gf_event_outcome("completed"), GF_OUTCOME_NONE);
    assert_int_equal(gf_event_outcome(""), GF_OUTCOME_NONE);
    assert_int_equal(gf_event_outcome(NULL), GF_OUTCOME_NONE);
}

static void event_action_type_is_the_part_before_the_colon(void **st)
{
    char out[32];
    char tiny[5];
    assert_int_equal(gf_event_action_type("print:completed", out, sizeof out),
                     GF_OK);
    assert_string_equal(out, "print");
    assert_int_equal(gf_event_action_type(":idle:starting", out, sizeof out),
                     GF_OK);
    assert_string_equal(out, "");
    assert_int_equal(
        gf_event_action_type("lid_image:upload:failed", out, sizeof out),
        GF_OK);
    assert_string_equal(out, "lid_image");
    assert_int_equal(gf_event_action_type("nocolon", out, sizeof out),
                     GF_EINVAL);
    assert_int_equal(gf_event_action_type("print:x", tiny, sizeof tiny),
                     GF_EINVAL);
    assert_int_equal(gf_event_action_type("hunt:x", tiny, sizeof tiny), GF_OK);
    assert_string_equal(tiny, "hunt");
    assert_int_equal(gf_event_action_type(NULL, out, sizeof out), GF_EINVAL);
    assert_int_equal(gf_event_action_type("a:b", NULL, 4), GF_EINVAL);
}

static void advisory_events_move_no_stage(void **st)
{
    const gf_action_spec *p = spec("print");
    assert_int_equal(gf_action_stage_of(p, "print:starting"), 1);
    assert_int_equal(gf_action_stage_of(p, "print:completed"), 6);
    assert_int_equal(gf_action_stage_of(p, "print:paused"), -1);
    assert_int_equal(gf_action_stage_of(p, "print:received"), -1);
    assert_int_equal(gf_action_stage_of(p, "hunt:starting"), -1);
    assert_int_equal(gf_action_stage_of(p, NULL), -1);
    assert_int_equal(gf_action_stage_of(NULL, "print:starting"), -1);
}

/* §9.3: a paused print waits for a person (no deadline); the resume starts
 * the run's deadline again; other advisory events leave it running. */
static void pause_and_resume_move_the_print_deadline(void **st)
{
    const gf_action_spec *p = spec("print");
    const gf_deadline *d;
    d = gf_action_event_deadline(p, "print:paused");
    assert_non_null(d);
    deadline_is(d, 0, 0, 1);
    d = gf_action_event_deadline(p, "print:resumed");
    assert_non_null(d);
    deadline_is(d, 300, 1, 0);
    assert_ptr_equal(
        gf_action_event_deadline(p, "print:running"),
        &p->stages[gf_action_stage_of(p, "print:running")].deadline);
    assert_null(gf_action_event_deadline(p, "print:received"));
    assert_null(gf_action_event_deadline(p, "print:pausing_decel:starting"));
    assert_null(gf_action_event_deadline(spec("motion"), "print:paused"));
    assert_null(gf_action_event_deadline(p, NULL));
    assert_null(gf_action_event_deadline(NULL, "print:paused"));
    assert_int_equal(gf_action_stage_of(p, "print:paused"), -1);
}

static void outcome_names(void **st)
{
    assert_string_equal(gf_outcome_name(GF_OUTCOME_NONE), "none");
    assert_string_equal(gf_outcome_name(GF_OUTCOME_COMPLETED), "completed");
    assert_string_equal(gf_outcome_name(GF_OUTCOME_CANCELLED), "cancelled");
    assert_string_equal(gf_outcome_name(GF_OUTCOME_FAILED), "failed");
    assert_string_equal(gf_outcome_name((gf_outcome)42), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_twelve_action_types_are_known),
        cmocka_unit_test(unknown_action_types_are_not_found),
        cmocka_unit_test(kinds_follow_section_9),
        cmocka_unit_test(only_sync_actions_are_ready_only),
        cmocka_unit_test(slot_rule_of_section_11),
        cmocka_unit_test(print_reference_events_in_order),
        cmocka_unit_test(image_reference_events_in_order),
        cmocka_unit_test(sync_and_job_reference_events),
        cmocka_unit_test(terminals_follow_the_9_1_table),
        cmocka_unit_test(catalog_is_self_consistent),
        cmocka_unit_test(fixed_deadlines_of_section_10),
        cmocka_unit_test(motion_deadline_is_run_time_plus_60),
        cmocka_unit_test(print_deadlines),
        cmocka_unit_test(event_outcome_is_exactly_type_colon_terminal),
        cmocka_unit_test(event_action_type_is_the_part_before_the_colon),
        cmocka_unit_test(advisory_events_move_no_stage),
        cmocka_unit_test(pause_and_resume_move_the_print_deadline),
        cmocka_unit_test(outcome_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
