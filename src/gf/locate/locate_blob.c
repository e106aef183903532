/* locate_blob.c - a locator as bytes for the service's store.
 *
 * Layout, all little-endian:
 *   "GFLC" u32 version (1) u32 full_w u32 full_h u32 calibrated
 *   f64 × 4 thresholds (min_peak, min_sharpness, min_brightness,
 *   min_contrast), f64 × 5 calibration (x_px[2], y_px[2], residual_px),
 *   f32 × w × h the level-0 template as cut (mean not taken out),
 *   where w × h follows from the picture size (gf_loc_template_rect).
 * The coarser levels are rebuilt on load. A stored blob comes back from a
 * database a person can edit, so every field is checked: the size must be
 * exact, numbers finite and in range. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gf/error.h"
#include "locate_int.h"

#define LOC_MAGIC   "GFLC"
#define LOC_VERSION 1u
#define LOC_HEAD    (4 + 4 * 4 + 9 * 8)

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put_f64(uint8_t *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static double get_f64(const uint8_t *p)
{
    uint64_t v = 0;
    double d;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    memcpy(&d, &v, 8);
    return d;
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(p, v);
}

static float get_f32(const uint8_t *p)
{
    uint32_t v = get_u32(p);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

int gf_locate_save(const gf_locate *l, uint8_t **blob, size_t *len)
{
    if (!l || !blob || !len)
        return GF_EINVAL;
    /* tpl[0] has its mean taken out; add the reference's back (any
     * constant would do for NCC, but 0..255 keeps the blob checkable). */
    double mean = 0;
    const loc_plane *t = &l->tpl[0];
    size_t n = (size_t)t->w * (size_t)t->h, size = LOC_HEAD + 4 * n;
    uint8_t *b = malloc(size), *p = b;
    if (!b)
        return GF_ENOMEM;
    float lo = 0;
    for (size_t i = 0; i < n; i++)
        lo = t->px[i] < lo ? t->px[i] : lo;
    mean = -lo;
    memcpy(p, LOC_MAGIC, 4);
    put_u32(p + 4, LOC_VERSION);
    put_u32(p + 8, (uint32_t)l->full_w);
    put_u32(p + 12, (uint32_t)l->full_h);
    put_u32(p + 16, (uint32_t)l->calibrated);
    p += 20;
    const double f[9] = {
        l->o.min_peak,     l->o.min_sharpness, l->o.min_brightness,
        l->o.min_contrast, l->cal.x_px[0],     l->cal.x_px[1],
        l->cal.y_px[0],    l->cal.y_px[1],     l->cal.residual_px};
    for (int i = 0; i < 9; i++, p += 8)
        put_f64(p, f[i]);
    for (size_t i = 0; i < n; i++, p += 4)
        put_f32(p, (float)(t->px[i] + mean));
    *blob = b;
    *len = size;
    return GF_OK;
}

static int loc_load_header(const uint8_t *b, size_t len, gf_locate **out)
{
    gf_locate_opts o;
    if (len < LOC_HEAD || memcmp(b, LOC_MAGIC, 4) != 0 ||
        get_u32(b + 4) != LOC_VERSION || get_u32(b + 16) > 1)
        return GF_ELOC_BLOB;
    uint32_t w = get_u32(b + 8), h = get_u32(b + 12);
    if (w < LOC_MIN_SIDE || h < LOC_MIN_SIDE || w > LOC_MAX_SIDE ||
        h > LOC_MAX_SIDE)
        return GF_ELOC_BLOB;
    double f[9];
    for (int i = 0; i < 9; i++) {
        f[i] = get_f64(b + 20 + 8 * i);
        if (!isfinite(f[i]) || fabs(f[i]) > 1e6)
            return GF_ELOC_BLOB;
    }
    o = (gf_locate_opts){f[0], f[1], f[2], f[3]};
    if (!(o.min_peak > 0 && o.min_peak < 1 && o.min_sharpness > 0 &&
          o.min_sharpness < 1 && o.min_brightness > 0 &&
          o.min_brightness < 255 && o.min_contrast > 0 && o.min_contrast < 128))
        return GF_ELOC_BLOB;
    gf_locate *l = gf_loc_alloc((int)w, (int)h, &o);
    if (!l)
        return GF_ENOMEM;
    if (get_u32(b + 16)) {
        gf_locate_calib c = {{f[4], f[5]}, {f[6], f[7]}, f[8]};
        if (gf_loc_calib_apply(l, &c) != GF_OK) {
            gf_locate_free(l);
            return GF_ELOC_BLOB;
        }
    }
    *out = l;
    return GF_OK;
}

int gf_locate_load(const uint8_t *blob, size_t len, gf_locate **out)
{
    gf_locate *l = NULL;
    int rc;
    *out = NULL;
    if (!blob)
        return GF_EINVAL;
    if ((rc = loc_load_header(blob, len, &l)) != GF_OK)
        return rc;
    const loc_rect r = l->r0;
    size_t n = (size_t)r.w * (size_t)r.h;
    if (len != LOC_HEAD + 4 * n) {
        rc = GF_ELOC_BLOB;
        goto fail;
    }
    if ((rc = gf_loc_plane_alloc(&l->tpl[0], r.w, r.h)) != GF_OK)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        float v = get_f32(blob + LOC_HEAD + 4 * i);
        if (!(v >= 0 && v <= 1024)) {
            rc = GF_ELOC_BLOB;
            goto fail;
        }
        l->tpl[0].px[i] = v;
    }
    if ((rc = gf_loc_finish(l)) != GF_OK)
        goto fail;
    *out = l;
    return GF_OK;
fail:
    gf_locate_free(l);
    return rc;
}
