/* catalog.c - the action catalog (PROTOCOL.md §8-§11), in one table.
 *
 * For every action_type the service knows: its kind, whether it goes through
 * the machine's single running slot (§11) and whether only status "ready"
 * reaches it (§8), the reference events a machine sends in order (the reduced
 * 2.6.0 set of §9.1, which is all the service needs; the longer 2018 table of
 * §9.5 is advisory), which events close it, and how long the service waits in
 * each stage before it sends a cancel (§10). The service's tracker and the
 * machine's dispatcher both read this table, so the two ends cannot drift.
 *
 * A stage starts when its event arrives (stage 0 when the action is sent) and
 * its deadline runs from that moment. */
#include <string.h>

#include "gf/catalog.h"

/* Deadlines of §10. */
// clang-format off
#define CAT_SECS(s) {(s), 0, 0}
#define CAT_RUN(s) {(s), 1, 0}
#define CAT_NONE {0, 0, 1}
#define CAT_SYNC_S 30
#define CAT_IMAGE_S 90
#define CAT_HUNT_S 120
#define CAT_MOTION_EXTRA_S 60
#define CAT_DOWNLOAD_S 120 /* print: until the download has finished */
#define CAT_PRINT_EXTRA_S 300
// clang-format on

#define CAT_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const gf_action_stage st_settings[] = {
    {NULL, CAT_SECS(CAT_SYNC_S)},
    {"settings:completed", CAT_NONE},
};
static const gf_action_stage st_update_check[] = {
    {NULL, CAT_SECS(CAT_SYNC_S)},
    {"update_check:completed", CAT_NONE},
};
static const gf_action_stage st_factory_reset[] = {
    {NULL, CAT_SECS(CAT_SYNC_S)},
    {"factory_reset:failed", CAT_NONE},
};
static const gf_action_stage st_head_fw[] = {
    {NULL, CAT_SECS(CAT_SYNC_S)},
    {"head_firmware_update:failed", CAT_NONE},
};
static const gf_action_stage st_hunt[] = {
    {NULL, CAT_SECS(CAT_HUNT_S)},
    {"hunt:starting", CAT_SECS(CAT_HUNT_S)},
    {"hunt:completed", CAT_NONE},
};
static const gf_action_stage st_motion[] = {
    {NULL, CAT_RUN(CAT_MOTION_EXTRA_S)},
    {"motion:starting", CAT_RUN(CAT_MOTION_EXTRA_S)},
    {"motion:completed", CAT_NONE},
};
/* After print:download:completed the machine waits for the physical button
 * and times out on its own (300 s, §9.3), so the service sets no deadline. */
static const gf_action_stage st_print[] = {
    {NULL, CAT_SECS(CAT_DOWNLOAD_S)},
    {"print:starting", CAT_SECS(CAT_DOWNLOAD_S)},
    {"print:download:completed", CAT_NONE},
    {"print:warmup:starting", CAT_RUN(CAT_PRINT_EXTRA_S)},
    {"print:running", CAT_RUN(CAT_PRINT_EXTRA_S)},
    {"print:return_to_home:succeeded", CAT_RUN(CAT_PRINT_EXTRA_S)},
    {"print:completed", CAT_NONE},
};
// clang-format off
#define CAT_IMAGE_STAGES(t)                                                    \
    {NULL, CAT_SECS(CAT_IMAGE_S)},                                             \
    {t ":starting", CAT_SECS(CAT_IMAGE_S)},                                    \
    {t ":capture:starting", CAT_SECS(CAT_IMAGE_S)},                            \
    {t ":capture:completed", CAT_SECS(CAT_IMAGE_S)},                           \
    {t ":upload:starting", CAT_SECS(CAT_IMAGE_S)},                             \
    {t ":upload:completed", CAT_SECS(CAT_IMAGE_S)},                            \
    {t ":completed", CAT_NONE}
// clang-format on
static const gf_action_stage st_lid_image[] = {CAT_IMAGE_STAGES("lid_image")};
static const gf_action_stage st_head_image[] = {CAT_IMAGE_STAGES("head_image")};
static const gf_action_stage st_lidar_image[] = {
    CAT_IMAGE_STAGES("lidar_image")};
static const gf_action_stage st_user_image[] = {CAT_IMAGE_STAGES("user_image")};
/* focus: the service knows the name, no machine answers it (§9.1). */
static const gf_action_stage st_focus[] = {
    {NULL, CAT_SECS(CAT_SYNC_S)},
};

/* §9.3: the button pauses a print and the next press resumes it. While
 * paused the job waits for a person, so like the button wait before the run
 * it has no deadline; the resume starts the run's deadline again. */
static const gf_action_stage hold_print[] = {
    {"print:paused", CAT_NONE},
    {"print:resumed", CAT_RUN(CAT_PRINT_EXTRA_S)},
};

/* Terminal events per the §9.1 table. */
static const char *const tm_settings[] = {"settings:completed"};
static const char *const tm_update_check[] = {"update_check:completed",
                                              "update_check:failed"};
static const char *const tm_factory_reset[] = {"factory_reset:failed"};
static const char *const tm_head_fw[] = {"head_firmware_update:failed"};
static const char *const tm_hunt[] = {"hunt:completed", "hunt:cancelled",
                                      "hunt:failed"};
static const char *const tm_motion[] = {"motion:completed", "motion:cancelled",
                                        "motion:failed"};
static const char *const tm_print[] = {"print:completed", "print:cancelled",
                                       "print:failed"};
static const char *const tm_lid_image[] = {"lid_image:completed",
                                           "lid_image:failed"};
static const char *const tm_head_image[] = {"head_image:completed",
                                            "head_image:failed"};
static const char *const tm_lidar_image[] = {"lidar_image:completed",
                                             "lidar_image:failed"};
static const char *const tm_user_image[] = {"user_image:completed",
                                            "user_image:failed"};

// clang-format off
#define CAT_SPEC(name, kind, slot, ready, st, tm)                              \
    {name, kind, slot, ready, st, CAT_LEN(st), tm, CAT_LEN(tm), NULL, 0}
// clang-format on

/* uses_slot: job, image and settings actions take the running slot (§11);
 * update_check, factory_reset and head_firmware_update bypass it.
 * ready_only: the synchronous actions answer only status "ready" (§8). */
static const gf_action_spec catalog[] = {
    CAT_SPEC("settings", GF_KIND_SYNC, 1, 1, st_settings, tm_settings),
    CAT_SPEC("update_check", GF_KIND_SYNC, 0, 1, st_update_check,
             tm_update_check),
    CAT_SPEC("factory_reset", GF_KIND_SYNC, 0, 1, st_factory_reset,
             tm_factory_reset),
    CAT_SPEC("head_firmware_update", GF_KIND_SYNC, 0, 1, st_head_fw,
             tm_head_fw),
    CAT_SPEC("hunt", GF_KIND_PULSE, 1, 0, st_hunt, tm_hunt),
    CAT_SPEC("motion", GF_KIND_PULSE, 1, 0, st_motion, tm_motion),
    {"print", GF_KIND_PULSE, 1, 0, st_print, CAT_LEN(st_print), tm_print,
     CAT_LEN(tm_print), hold_print, CAT_LEN(hold_print)},
    CAT_SPEC("lid_image", GF_KIND_IMAGE, 1, 0, st_lid_image, tm_lid_image),
    CAT_SPEC("head_image", GF_KIND_IMAGE, 1, 0, st_head_image, tm_head_image),
    CAT_SPEC("lidar_image", GF_KIND_IMAGE, 1, 0, st_lidar_image,
             tm_lidar_image),
    CAT_SPEC("user_image", GF_KIND_IMAGE, 1, 0, st_user_image, tm_user_image),
    {"focus", GF_KIND_IGNORED, 0, 0, st_focus, CAT_LEN(st_focus), NULL, 0, NULL,
     0},
};

const gf_action_spec *gf_action_catalog(size_t *count)
{
    if (count)
        *count = CAT_LEN(catalog);
    return catalog;
}

const gf_action_spec *gf_action_lookup(const char *action_type)
{
    if (!action_type)
        return NULL;
    for (size_t i = 0; i < CAT_LEN(catalog); i++)
        if (strcmp(catalog[i].name, action_type) == 0)
            return &catalog[i];
    return NULL;
}

/* Terminal events are exactly `<type>:completed|cancelled|failed` with a
 * non-empty type (§9): the rest after the first ':' must be one word, so
 * `print:upload:failed` does not close anything. */
gf_outcome gf_event_outcome(const char *event)
{
    const char *rest;
    if (!event)
        return GF_OUTCOME_NONE;
    rest = strchr(event, ':');
    if (!rest || rest == event)
        return GF_OUTCOME_NONE;
    rest++;
    if (strcmp(rest, "completed") == 0)
        return GF_OUTCOME_COMPLETED;
    if (strcmp(rest, "cancelled") == 0)
        return GF_OUTCOME_CANCELLED;
    if (strcmp(rest, "failed") == 0)
        return GF_OUTCOME_FAILED;
    return GF_OUTCOME_NONE;
}

int gf_event_action_type(const char *event, char *out, size_t outlen)
{
    const char *colon;
    size_t n;
    if (!event || !out)
        return GF_EINVAL;
    colon = strchr(event, ':');
    if (!colon)
        return GF_EINVAL;
    n = (size_t)(colon - event);
    if (n + 1 > outlen)
        return GF_EINVAL;
    memcpy(out, event, n);
    out[n] = '\0';
    return GF_OK;
}

int gf_action_stage_of(const gf_action_spec *spec, const char *event)
{
    if (!spec || !event)
        return -1;
    for (size_t i = 1; i < spec->n_stages; i++)
        if (spec->stages[i].event && strcmp(spec->stages[i].event, event) == 0)
            return (int)i;
    return -1;
}

const gf_deadline *gf_action_event_deadline(const gf_action_spec *spec,
                                            const char *event)
{
    int stage = gf_action_stage_of(spec, event);
    if (stage >= 0)
        return &spec->stages[stage].deadline;
    if (!spec || !event)
        return NULL;
    for (size_t i = 0; i < spec->n_holds; i++)
        if (strcmp(spec->holds[i].event, event) == 0)
            return &spec->holds[i].deadline;
    return NULL;
}

const char *gf_outcome_name(gf_outcome o)
{
    switch (o) {
    case GF_OUTCOME_COMPLETED:
        return "completed";
    case GF_OUTCOME_CANCELLED:
        return "cancelled";
    case GF_OUTCOME_FAILED:
        return "failed";
    case GF_OUTCOME_NONE:
    default:
        return "none";
    }
}
