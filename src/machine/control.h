/* control.h - the local control socket (`gfmachine press`). */
#ifndef GFM_CONTROL_H
#define GFM_CONTROL_H

#include "hw.h"

typedef struct ctl ctl;

/* Listen on the unix socket `path` (replacing a stale one) and serve
 * commands on a small thread. NULL on failure (reason logged). */
ctl *ctl_start(const char *path, hw_dev *hw);
void ctl_stop(ctl *c);
/* Client side: send `command` ("press") to the daemon at `path`. Returns
 * 0 when it answered "ok"; else -1 with the reason in `err`. */
int ctl_send(const char *path, const char *command, char *err, size_t errlen);
/* The same, keeping what followed "ok " in `answer` ("where"). */
int ctl_ask(const char *path, const char *command, char *answer, size_t anslen,
            char *err, size_t errlen);

#endif
