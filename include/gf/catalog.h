/* gf/catalog.h - the action catalog: every action_type in PROTOCOL.md §9,
 * its kind, the events a machine sends for it in order, which are terminal,
 * and the default deadline of each stage (§10). The service's tracker and the
 * machine's dispatcher both read this one table. */
#ifndef GF_CATALOG_H
#define GF_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "gf/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gf_action_kind {
    GF_KIND_SYNC = 1, /* settings, update_check, factory_reset,
                         head_firmware_update: answered at once */
    GF_KIND_IMAGE,    /* *_image: capture + upload */
    GF_KIND_PULSE,    /* hunt, motion, print: download + play */
    GF_KIND_IGNORED,  /* focus: known name, no handler */
} gf_action_kind;

/* Deadline of a stage: `seconds`, plus the job's run time when
 * `plus_runtime` is set; `none` means the stage has no deadline (a print
 * waiting for the button). */
typedef struct gf_deadline {
    int seconds;
    int plus_runtime;
    int none;
} gf_deadline;

/* A stage the action is in after `event` arrived (the first stage, with
 * event NULL, starts when the action is sent). */
typedef struct gf_action_stage {
    const char *event; /* full name, e.g. "print:download:completed" */
    gf_deadline deadline;
} gf_action_stage;

typedef struct gf_action_spec {
    const char *name; /* "print" */
    gf_action_kind kind;
    int uses_slot;  /* goes through the machine's single running slot */
    int ready_only; /* answered only with status "ready" */
    const gf_action_stage *stages; /* stages[0].event == NULL */
    size_t n_stages;
    const char *const *terminals; /* e.g. {"print:completed", ...} */
    size_t n_terminals;
    /* Events outside the reference order that still set a new deadline
     * (a print paused by the button waits for a person: no deadline until
     * print:resumed). Read them through gf_action_event_deadline(). */
    const gf_action_stage *holds;
    size_t n_holds;
} gf_action_spec;

const gf_action_spec *gf_action_lookup(const char *action_type);
const gf_action_spec *gf_action_catalog(size_t *count);

typedef enum gf_outcome {
    GF_OUTCOME_NONE = 0,
    GF_OUTCOME_COMPLETED,
    GF_OUTCOME_CANCELLED,
    GF_OUTCOME_FAILED,
} gf_outcome;

/* Whether `event` ends its action, and how. "print:upload:failed" is not
 * terminal; "print:failed" is. */
gf_outcome gf_event_outcome(const char *event);

/* Copy the part before the first ':' into `out` ("" for ":idle:starting").
 * Returns GF_EINVAL when `event` has no ':' or `out` is too small. */
int gf_event_action_type(const char *event, char *out, size_t outlen);

/* The stage index that `event` moves an action of `spec` into, or -1 if the
 * event is not one of its stage events (advisory events are recorded but
 * move nothing). */
int gf_action_stage_of(const gf_action_spec *spec, const char *event);

/* The deadline that starts when `event` arrives for an action of `spec`:
 * the deadline of the stage it opens, or of a hold event (print:paused has
 * none, print:resumed is run time + 300 s again). NULL when the event moves
 * nothing, i.e. the current deadline keeps running. */
const gf_deadline *gf_action_event_deadline(const gf_action_spec *spec,
                                            const char *event);

const char *gf_outcome_name(gf_outcome o); /* "completed", ... */

#ifdef __cplusplus
}
#endif
#endif
