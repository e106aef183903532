/* pause.c - what a print plays when the button pauses and resumes it.
 *
 * The factory pauses with a controlled stop, then backs the head up 2000
 * ticks along its own path with the laser off, and on resume plays the same
 * stretch forward again, the laser coming back on 50 ticks before the pause
 * point (PROTOCOL.md §9.3, §16). Running backwards flips the three direction
 * bits (XOR 0x4A), forces the laser off and ignores power bytes (§15.4). So
 * a pause leaves the head exactly where it would have been, which is what
 * the service's dead reckoning relies on. The last 2000 bytes are kept in a
 * fixed ring: no allocation while playing. */
#include <string.h>

#include "gf/puls.h"
#include "pause.h"

#define PAU_DIR_BITS (GF_PULS_X_NEG | GF_PULS_Y_POS | GF_PULS_Z_POS)

void pau_reset(pau_hist *h)
{
    h->len = h->head = 0;
}

void pau_record(pau_hist *h, const uint8_t *buf, size_t len)
{
    if (len >= PAU_BACKTRACK) {
        memcpy(h->ring, buf + len - PAU_BACKTRACK, PAU_BACKTRACK);
        h->len = PAU_BACKTRACK;
        h->head = 0;
        return;
    }
    for (size_t i = 0; i < len; i++) {
        h->ring[h->head] = buf[i];
        h->head = (h->head + 1) % PAU_BACKTRACK;
    }
    h->len = h->len + len > PAU_BACKTRACK ? PAU_BACKTRACK : h->len + len;
}

/* The i-th remembered byte, oldest first. */
static uint8_t pau_at(const pau_hist *h, size_t i)
{
    size_t first = (h->head + PAU_BACKTRACK - h->len) % PAU_BACKTRACK;
    return h->ring[(first + i) % PAU_BACKTRACK];
}

size_t pau_backward(pau_hist *h, const uint8_t **out)
{
    size_t n = 0;
    for (size_t i = h->len; i-- > 0;) {
        uint8_t b = pau_at(h, i);
        if (b & GF_PULS_POWER)
            continue;
        h->out[n++] = (uint8_t)((b ^ PAU_DIR_BITS) & ~GF_PULS_LASER);
    }
    *out = h->out;
    return n;
}

size_t pau_forward(pau_hist *h, const uint8_t **out)
{
    for (size_t i = 0; i < h->len; i++) {
        uint8_t b = pau_at(h, i);
        if (!(b & GF_PULS_POWER) && i + PAU_LASER_LEAD < h->len)
            b &= (uint8_t)~GF_PULS_LASER;
        h->out[i] = b;
    }
    *out = h->out;
    return h->len;
}
