/* plan_emit.c - the tick emitter: one byte per tick into the pulse writer.
 *
 * Every rule about power bytes lives here so no planner can break them
 * (PROTOCOL.md §15.4): a power byte goes out only right before a fire tick
 * that needs it (the first fire, a change of power, or a refresh every
 * PE_POWER_REFRESH ticks), and since a tick byte always follows it, two
 * power bytes are never adjacent. The emitter also tracks the head
 * position and bounding box, and with no writer it only counts, which is
 * how the compiler learns the payload length before writing the header. */
#include <stdlib.h>

#include "plan.h"

int pe_init(pe_emit *e, gf_puls_writer *w, int64_t x, int64_t y)
{
    pe_emit z = {0};
    *e = z;
    e->w = w;
    e->x = e->min_x = e->max_x = x;
    e->y = e->min_y = e->max_y = y;
    e->buf = malloc(PE_BUF);
    return e->buf ? GF_OK : GF_ENOMEM;
}

void pe_free(pe_emit *e)
{
    free(e->buf);
    e->buf = NULL;
}

int pe_flush(pe_emit *e)
{
    if (e->w && e->len && !e->err)
        e->err = gf_puls_writer_write(e->w, e->buf, e->len);
    if (e->bytes > PE_MAX_PAYLOAD && !e->err)
        e->err = GF_ETOOBIG; /* stops the planners early */
    e->len = 0;
    if (e->progress && e->total && e->bytes >= e->next_progress) {
        e->progress(e->progress_ctx, e->bytes, e->total);
        e->next_progress = e->bytes + e->total / 100 + 1;
    }
    return e->err;
}

static void put(pe_emit *e, uint8_t b)
{
    e->buf[e->len++] = b;
    e->bytes++;
    if (e->len == PE_BUF)
        pe_flush(e);
}

void pe_set_power(pe_emit *e, double percent)
{
    double d = percent / 100 * 127 + 0.5;
    e->power_want = d < 0 ? 0 : d > 127 ? 127 : (uint8_t)d;
}

void pe_tick(pe_emit *e, int sx, int sy, int laser)
{
    uint8_t b = 0;
    if (sx) {
        b |= GF_PULS_X_STEP;
        e->dir = (uint8_t)(sx < 0 ? e->dir | GF_PULS_X_NEG
                                  : e->dir & ~GF_PULS_X_NEG);
        e->x += sx;
        e->min_x = e->x < e->min_x ? e->x : e->min_x;
        e->max_x = e->x > e->max_x ? e->x : e->max_x;
    }
    if (sy) {
        b |= GF_PULS_Y_STEP;
        e->dir = (uint8_t)(sy > 0 ? e->dir | GF_PULS_Y_POS
                                  : e->dir & ~GF_PULS_Y_POS);
        e->y += sy;
        e->min_y = e->y < e->min_y ? e->y : e->min_y;
        e->max_y = e->y > e->max_y ? e->y : e->max_y;
    }
    b |= e->dir;
    if (laser && e->power_want) {
        if (!e->power_valid || e->power_sent != e->power_want ||
            e->ticks - e->last_power_tick >= PE_POWER_REFRESH) {
            put(e, (uint8_t)(GF_PULS_POWER | e->power_want));
            e->power_sent = e->power_want;
            e->power_valid = 1;
            e->last_power_tick = e->ticks;
            e->power_bytes++;
        }
        b |= GF_PULS_LASER;
        e->laser_ticks++;
    }
    e->last_laser = (b & GF_PULS_LASER) != 0;
    e->ticks++;
    put(e, b);
}
