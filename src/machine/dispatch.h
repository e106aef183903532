/* dispatch.h - which action runs, under PROTOCOL.md §8 and §11. */
#ifndef GFM_DISPATCH_H
#define GFM_DISPATCH_H

#include <stdint.h>

#include "gf/catalog.h"
#include "gf/message.h"

#define DISP_RECENT 64 /* finished ids remembered (§11 [rec]) */

typedef struct disp_ops {
    /* Run a job or image action on a worker. Return 0 once it is started;
     * the worker calls disp_finished() after queueing its terminal event.
     * Non-zero: it could not start (and has reported why). */
    int (*start)(void *ud, const gf_msg *m, const gf_action_spec *spec);
    /* Answer a synchronous action now (settings, update_check, ...). */
    void (*answer)(void *ud, const gf_msg *m, const gf_action_spec *spec);
    /* Stop the running action `id` (a cancel arrived for it). */
    void (*cancel)(void *ud, int64_t id);
} disp_ops;

typedef struct disp disp;

disp *disp_new(const disp_ops *ops, void *ud);
void disp_free(disp *d);
/* One action from the service. Thread-safe. */
void disp_action(disp *d, const gf_msg *m);
/* The running action `id` has queued its terminal event: free the slot and
 * remember the id. */
void disp_finished(disp *d, int64_t id);
/* The same, with `send_terminal(arg)` (which queues the terminal event)
 * called under the dispatcher's lock: an action the service sends after
 * seeing the terminal event can then never find the slot still taken. */
void disp_finish_with(disp *d, int64_t id, void (*send_terminal)(void *),
                      void *arg);
/* 1 and the id while an action holds the slot. */
int disp_running(disp *d, int64_t *id);

#endif
