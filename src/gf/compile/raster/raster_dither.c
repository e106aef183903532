/* raster_dither.c - grey pixels to fire/no-fire cells at the line spacing.
 *
 * The image is first resampled to one cell per (pitch x pitch) steps by
 * averaging the source pixels each cell covers (nearest pixel when
 * enlarging), then Floyd-Steinberg error diffusion, scanning in a
 * serpentine, decides which cells fire. A laser pulse is on or off, so
 * grey has to become density; error diffusion keeps the local average
 * right without the regular pattern an ordered dither leaves. */
#include <stdlib.h>
#include <string.h>

#include "raster.h"

void ra_bitmap_free(ra_bitmap *b)
{
    free(b->dark);
    b->dark = NULL;
    b->cols = b->rows = 0;
}

static float cell_mean(const ra_gray *g, unsigned c, unsigned r, unsigned cols,
                       unsigned rows)
{
    uint64_t x0 = (uint64_t)c * g->w / cols,
             x1 = (uint64_t)(c + 1) * g->w / cols;
    uint64_t y0 = (uint64_t)r * g->h / rows,
             y1 = (uint64_t)(r + 1) * g->h / rows;
    uint64_t sum = 0;
    if (x1 <= x0)
        x1 = x0 + 1;
    if (y1 <= y0)
        y1 = y0 + 1;
    for (uint64_t y = y0; y < y1; y++)
        for (uint64_t x = x0; x < x1; x++)
            sum += g->px[y * g->w + x];
    return (float)sum / (float)((x1 - x0) * (y1 - y0));
}

static void diffuse(float *cur, float *next, unsigned cols, unsigned c, int dir,
                    float err)
{
    long f = (long)c + dir, b = (long)c - dir;
    if (f >= 0 && f < (long)cols) {
        cur[f] += err * 7 / 16;
        next[f] += err * 1 / 16;
    }
    if (b >= 0 && b < (long)cols)
        next[b] += err * 3 / 16;
    next[c] += err * 5 / 16;
}

int ra_dither(const ra_gray *g, unsigned cols, unsigned rows, ra_bitmap *out)
{
    int rc = GF_ENOMEM;
    float *cur = calloc(cols, sizeof *cur), *next = calloc(cols, sizeof *next);
    out->dark = malloc((size_t)cols * rows);
    out->cols = cols;
    out->rows = rows;
    if (!cur || !next || !out->dark)
        goto out;
    for (unsigned c = 0; c < cols; c++)
        next[c] = cell_mean(g, c, 0, cols, rows);
    for (unsigned r = 0; r < rows; r++) {
        float *t = cur;
        cur = next;
        next = t;
        for (unsigned c = 0; c < cols && r + 1 < rows; c++)
            next[c] = cell_mean(g, c, r + 1, cols, rows);
        int dir = r % 2 ? -1 : 1;
        for (unsigned i = 0; i < cols; i++) {
            unsigned c = dir > 0 ? i : cols - 1 - i;
            int dark = cur[c] < 128;
            out->dark[(size_t)r * cols + c] = (uint8_t)dark;
            diffuse(cur, next, cols, c, dir, cur[c] - (dark ? 0 : 255));
        }
    }
    rc = GF_OK;
out:
    free(cur);
    free(next);
    if (rc != GF_OK)
        ra_bitmap_free(out);
    return rc;
}
