/* frames.h - numbering and queueing of the frames gfmachine sends. */
#ifndef GFM_FRAMES_H
#define GFM_FRAMES_H

#include <jansson.h>
#include <stdint.h>

#include "txq.h"

/* Start the clock and the counter (the first frame gets id 32) and send
 * frames to `q` (NULL: frames are built and discarded). */
void frm_init(txq *q);
/* Hundredths of a second since frm_init, plus 3800 (§5.2). */
int64_t frm_timestamp(void);
/* `action_id` < 0: an unsolicited event. `settings` is borrowed. */
void frm_event(int64_t action_id, const char *event, const char *log,
               json_t *settings);
/* `total` < 0: left out. `values` (borrowed, may be NULL) becomes
 * "settings":{"values":values}. */
void frm_progress(int64_t action_id, const char *phase, int64_t current,
                  const char *units, int64_t total, json_t *values);
void frm_log(const char *level, const char *text);

#endif
