/* handle.h - what the service does with each message type a machine sends
 * (one file each: handle_event.c, handle_progress.c, handle_log.c). */
#ifndef CLOUD_HANDLE_H
#define CLOUD_HANDLE_H

#include <stdint.h>

#include "cloud.h"
#include "gf/message.h"

void handle_event(cloud *c, uint64_t serial, const gf_msg *m);
void handle_progress(cloud *c, uint64_t serial, const gf_msg *m);
void handle_log(cloud *c, uint64_t serial, const gf_msg *m);

#endif
