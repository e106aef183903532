/* act.h - what the action bodies share: the context and the running job. */
#ifndef GFM_ACT_H
#define GFM_ACT_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "config.h"
#include "dispatch.h"
#include "gf/catalog.h"
#include "gf/message.h"
#include "hw.h"

typedef struct act_ctx {
    const cfg *cfg;
    hw_dev *hw;
    disp *disp;
    int settings_reported; /* the full form goes out once per process */
    /* Called (on the event loop) after the full settings report went out. */
    void (*full_report_sent)(void *ud);
    void *full_report_ud;
} act_ctx;

typedef struct act_job {
    act_ctx *ctx;
    int64_t id;
    char type[32];
    gf_action_kind kind;
    char *motion_url; /* NULL if absent */
    char *endpoint;   /* NULL if absent */
    json_t *settings; /* owned reference or NULL */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int cancel; /* under mu */
} act_job;

/* The job was asked to stop. */
int act_cancelled(act_job *j);
/* Wait `ms` of machine time (divided by the speed factor; nothing at speed
 * 0). Returns early, with -1, if the job is cancelled. */
int act_wait(act_job *j, int64_t ms);
/* Send "<type>:<phase>" for the job, with an optional log text. */
void act_event(act_job *j, const char *phase, const char *log);

/* Bodies: run to the end and return the outcome; the worker sends the
 * terminal event. */
gf_outcome img_run(act_job *j);
gf_outcome pls_run(act_job *j);

/* Synchronous answers (sync.c). */
void sync_answer(act_ctx *ctx, const gf_msg *m, const gf_action_spec *spec);

/* The worker thread (worker.c). */
typedef struct wrk wrk;
wrk *wrk_new(act_ctx *ctx);
int wrk_start(wrk *w, const gf_msg *m, const gf_action_spec *spec);
void wrk_cancel(wrk *w, int64_t id);
/* The lid opened: a running print or motion stops (cancelled). */
void wrk_lid_opened(wrk *w);
/* The lid reads open right now. */
int act_lid_open(act_job *j);
/* Cancel what runs, wait for it, free. */
void wrk_free(wrk *w);

#endif
