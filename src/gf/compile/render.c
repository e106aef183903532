/* render.c - a picture of what a pulse file makes the head do.
 *
 * Decodes any pulse file through the codec's reader (ours or a captured
 * one), follows the step bits tick by tick from the given start position,
 * and paints the work area: travel in light blue, laser-on path in red
 * shaded by the power byte in force (darker = more power), the work-area
 * outline in black. Each pixel counts the ticks the head spent in it and
 * how many of them fired, so an engrave shows its density (a grey picture
 * in red) while a cut, which fires on every tick, is solid. The colours are
 * applied once at the end; libpng's simplified API writes the file. */
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gf/compile.h"
#include "gf/puls.h"

#define RD_TRAVEL    1 /* cell value; laser cells are 2 + the highest duty */
#define RD_MAX_SCALE 10.0

typedef struct rd_canvas {
    unsigned w, h;
    double scale;
    uint8_t *cell;
    uint32_t *ticks, *fires; /* per pixel, saturating */
    int64_t x, y;            /* head, steps from the work-area corner */
    ssize_t at;              /* pixel under the head, -1 outside */
    uint8_t duty;            /* power in force */
    uint64_t nticks, laser, outside;
} rd_canvas;

static void locate(rd_canvas *c)
{
    /* Half a step of slack: 10 mm is step 533 (9.994 mm), and it should
     * land in the pixel that starts at 10 mm. */
    double px = floor(((double)c->x + 0.5) * GF_PULS_MM_PER_STEP_XY * c->scale);
    double py = floor(((double)c->y + 0.5) * GF_PULS_MM_PER_STEP_XY * c->scale);
    if (px < 0 || py < 0 || px >= c->w || py >= c->h)
        c->at = -1;
    else
        c->at = (ssize_t)((size_t)py * c->w + (size_t)px);
}

static void mark(rd_canvas *c, int moved, int laser)
{
    if (c->at < 0) {
        c->outside++;
        return;
    }
    size_t i = (size_t)c->at;
    uint8_t v = laser ? (uint8_t)(2 + c->duty) : moved ? RD_TRAVEL : 0;
    if (v > c->cell[i])
        c->cell[i] = v;
    if (c->ticks[i] < UINT32_MAX) {
        c->ticks[i]++;
        c->fires[i] += laser != 0;
    }
}

static void trace(rd_canvas *c, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        if (b & GF_PULS_POWER) {
            c->duty = b & 0x7f;
            continue;
        }
        int moved = (b & (GF_PULS_X_STEP | GF_PULS_Y_STEP)) != 0;
        if (b & GF_PULS_X_STEP)
            c->x += b & GF_PULS_X_NEG ? -1 : 1;
        if (b & GF_PULS_Y_STEP)
            c->y += b & GF_PULS_Y_POS ? 1 : -1;
        if (moved)
            locate(c);
        c->nticks++;
        if (b & GF_PULS_LASER)
            c->laser++;
        mark(c, moved, (b & GF_PULS_LASER) != 0);
    }
}

/* White blended towards the red of `duty` by the share of fire ticks. */
static void laser_rgb(uint8_t v, uint32_t ticks, uint32_t fires, uint8_t *p)
{
    double t = (v - 2) / 127.0, share = ticks ? (double)fires / ticks : 1;
    double r = 255 - 115 * t, gb = 200 * (1 - t);
    p[0] = (uint8_t)(255 - share * (255 - r));
    p[1] = p[2] = (uint8_t)(255 - share * (255 - gb));
}

static void colour(const rd_canvas *c, uint8_t *rgb)
{
    for (size_t i = 0; i < (size_t)c->w * c->h; i++) {
        uint8_t v = c->cell[i], *p = rgb + 3 * i;
        if (v == 0) {
            p[0] = p[1] = p[2] = 255;
        } else if (v == RD_TRAVEL) {
            p[0] = 170, p[1] = 200, p[2] = 245;
        } else {
            laser_rgb(v, c->ticks[i], c->fires[i], p);
        }
    }
    for (unsigned x = 0; x < c->w; x++) {
        memset(rgb + 3 * x, 0, 3);
        memset(rgb + 3 * ((size_t)(c->h - 1) * c->w + x), 0, 3);
    }
    for (unsigned y = 0; y < c->h; y++) {
        memset(rgb + 3 * ((size_t)y * c->w), 0, 3);
        memset(rgb + 3 * ((size_t)y * c->w + c->w - 1), 0, 3);
    }
}

static int write_png(const rd_canvas *c, const char *path, char *msg,
                     size_t msglen)
{
    png_image img;
    uint8_t *rgb = malloc((size_t)c->w * c->h * 3);
    if (!rgb)
        return GF_ENOMEM;
    colour(c, rgb);
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = c->w;
    img.height = c->h;
    img.format = PNG_FORMAT_RGB;
    int ok = png_image_write_to_file(&img, path, 0, rgb, 0, NULL);
    if (!ok)
        snprintf(msg, msglen, "%s: cannot write PNG: %s", path, img.message);
    png_image_free(&img);
    free(rgb);
    return ok ? GF_OK : GF_EIO;
}

static int read_all(rd_canvas *c, const char *path, char *msg, size_t msglen)
{
    gf_puls_reader *r = NULL;
    const uint8_t *chunk;
    ssize_t n;
    int rc = gf_puls_open_file(&r, path, NULL, msg, msglen);
    if (rc != GF_OK) {
        size_t l = strlen(msg);
        if (l == 0)
            snprintf(msg, msglen, "%s: %s", path, gf_strerror(rc));
        return rc;
    }
    while ((n = gf_puls_read(r, &chunk)) > 0)
        trace(c, chunk, (size_t)n);
    if (n < 0) {
        const char *why = gf_puls_error(r);
        snprintf(msg, msglen, "%s: %s", path,
                 why && *why ? why : gf_strerror((int)n));
        rc = (int)n;
    }
    gf_puls_close(r);
    return rc;
}

int gf_render_file(const char *puls_path, const char *png_path,
                   const gf_render_opts *opts, gf_render_result *res, char *msg,
                   size_t msglen)
{
    rd_canvas c;
    memset(&c, 0, sizeof c);
    c.scale = opts && opts->scale > 0 ? opts->scale : 2;
    if (!(c.scale <= RD_MAX_SCALE) || c.scale < 0.1) {
        snprintf(msg, msglen, "scale %g px/mm is outside 0.1..%g", c.scale,
                 RD_MAX_SCALE);
        return GF_ERANGE;
    }
    if (opts && !(fabs(opts->origin_x) < 1e6 && fabs(opts->origin_y) < 1e6)) {
        snprintf(msg, msglen, "origin %g,%g is not a position", opts->origin_x,
                 opts->origin_y);
        return GF_ERANGE;
    }
    if (opts) {
        c.x = llround(opts->origin_x / GF_PULS_MM_PER_STEP_XY);
        c.y = llround(opts->origin_y / GF_PULS_MM_PER_STEP_XY);
    }
    c.duty = 127; /* a run starts at about full power (§15.4) */
    c.w = (unsigned)floor(GF_BED_W_MM * c.scale) + 1;
    c.h = (unsigned)floor(GF_BED_H_MM * c.scale) + 1;
    size_t npx = (size_t)c.w * c.h;
    c.cell = calloc(npx, 1);
    c.ticks = calloc(npx, sizeof *c.ticks);
    c.fires = calloc(npx, sizeof *c.fires);
    locate(&c);
    int rc = GF_ENOMEM;
    if (!c.cell || !c.ticks || !c.fires)
        goto out;
    msg[0] = 0;
    rc = read_all(&c, puls_path, msg, msglen);
    if (rc == GF_OK)
        rc = write_png(&c, png_path, msg, msglen);
    if (rc == GF_OK && res) {
        res->ticks = c.nticks;
        res->laser_ticks = c.laser;
        res->outside = c.outside;
        res->width = c.w;
        res->height = c.h;
    }
out:
    free(c.cell);
    free(c.ticks);
    free(c.fires);
    return rc;
}
