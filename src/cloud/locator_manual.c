/* locator_manual.c - the manual locator.
 *
 * The operator pushes the head by hand into the rear-left corner, against
 * the frame or the gantry stops, and confirms it through the API. The
 * position is then (0, 0) plus the machine's home offset (the steps from
 * the stops to the real origin; 0 unless the operator set it), with full
 * confidence: nothing is measured, the operator vouches for it. */
#include "locator.h"

static int manual_start(locator *l)
{
    l->host->waiting(l->host, "push the head into the rear-left corner, then "
                              "POST /api/v1/machines/{serial}/home "
                              "{\"method\":\"manual\"}");
    return 0;
}

static void manual_ignore(locator *l, int64_t action_id, int ok)
{
    (void)l, (void)action_id, (void)ok; /* it asks for nothing */
}

static int manual_confirm(locator *l, const json_t *body, char *err,
                          size_t errlen)
{
    (void)body, (void)err, (void)errlen;
    locator_result r = {0};
    r.found = 1;
    r.confidence = 1.0;
    r.source = "manual";
    /* x/y 0: the lifecycle adds the home offset to every found position. */
    l->host->result(l->host, &r);
    return 0;
}

static void manual_free(locator *l)
{
    (void)l;
}

const locator_ops locator_manual = {"manual",       manual_start,
                                    manual_ignore,  manual_ignore,
                                    manual_confirm, manual_free};
