/* update.h - the firmware probe after sign-in (PROTOCOL.md §14). */
#ifndef GFM_UPDATE_H
#define GFM_UPDATE_H

#include "config.h"

/* GET {server}/update/current and log what the service offers. Blocking:
 * call it off the event loop. */
void upd_probe(const cfg *c);

#endif
