/* pause.h - the bytes a paused print backs up over and replays. */
#ifndef GFM_PAUSE_H
#define GFM_PAUSE_H

#include <stddef.h>
#include <stdint.h>

#define PAU_BACKTRACK 2000 /* ticks backed up on a pause (§16) */
#define PAU_LASER_LEAD                                                         \
    50 /* the laser is back on this many ticks before                          \
          the pause point on resume (1950-tick lead) */

typedef struct pau_hist {
    uint8_t ring[PAU_BACKTRACK];
    size_t len, head; /* bytes held; next write position */
    uint8_t out[PAU_BACKTRACK];
} pau_hist;

void pau_reset(pau_hist *h);
/* Remember the last PAU_BACKTRACK bytes played. */
void pau_record(pau_hist *h, const uint8_t *buf, size_t len);
/* The backtrack: the remembered bytes newest first, directions flipped
 * (XOR 0x4A), laser off, power bytes left out. Returns the count. */
size_t pau_backward(pau_hist *h, const uint8_t **out);
/* The resume: the remembered bytes oldest first, laser off except for the
 * last PAU_LASER_LEAD ticks. Returns the count. */
size_t pau_forward(pau_hist *h, const uint8_t **out);

#endif
