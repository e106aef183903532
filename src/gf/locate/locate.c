/* locate.c - the camera locator: template, measurement, refusal reasons.
 *
 * The template is the middle of the reference picture (the head under the
 * camera, logo up) at every pyramid level, with its mean taken out. A
 * picture is searched exhaustively at the coarsest level (1/16 of the full
 * size), then refined within two pixels at each finer level, and the peak
 * is placed to a fraction of a level-0 pixel by fitting a parabola through
 * its neighbours. The match is refused, with a reason, unless it is high
 * (the head looks like the template) and sharp (nothing else in the
 * picture looks nearly as much like it); a homing that cannot see the head
 * falls back to the operator instead of moving on a guess. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gf/error.h"
#include "locate_int.h"

#define LOC_REFINE_RADIUS 2

void gf_locate_default_opts(gf_locate_opts *o)
{
    o->min_peak = 0.6;
    o->min_sharpness = 0.15;
    o->min_brightness = 12;
    o->min_contrast = 4;
}

static void loc_fill_opts(gf_locate_opts *o, const gf_locate_opts *given)
{
    gf_locate_opts d;
    gf_locate_default_opts(&d);
    *o = given ? *given : d;
    if (!(o->min_peak > 0))
        o->min_peak = d.min_peak;
    if (!(o->min_sharpness > 0))
        o->min_sharpness = d.min_sharpness;
    if (!(o->min_brightness > 0))
        o->min_brightness = d.min_brightness;
    if (!(o->min_contrast > 0))
        o->min_contrast = d.min_contrast;
}

static void loc_zero_mean(loc_plane *t)
{
    double mean, sd;
    size_t n = (size_t)t->w * (size_t)t->h;
    gf_loc_stats(t, &mean, &sd);
    for (size_t i = 0; i < n; i++)
        t->px[i] -= (float)mean;
}

void gf_locate_free(gf_locate *l)
{
    if (!l)
        return;
    for (int i = 0; i < LOC_LEVELS; i++)
        gf_loc_plane_free(&l->tpl[i]);
    free(l);
}

/* The template planes from a level-0 template (what a saved locator
 * holds, or the cut from the reference): the coarser levels are its 2 × 2
 * averages, exactly what cutting them from the reference's pyramid gives,
 * thanks to the alignment; then every level's mean is taken out. */
int gf_loc_finish(gf_locate *l)
{
    for (int i = 1; i < LOC_LEVELS; i++) {
        const loc_plane *a = &l->tpl[i - 1];
        if (gf_loc_plane_alloc(&l->tpl[i], a->w / 2, a->h / 2) != GF_OK)
            return GF_ENOMEM;
        gf_loc_halve(a, &l->tpl[i]);
    }
    for (int i = 0; i < LOC_LEVELS; i++)
        loc_zero_mean(&l->tpl[i]);
    return GF_OK;
}

gf_locate *gf_loc_alloc(int full_w, int full_h, const gf_locate_opts *opts)
{
    gf_locate *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->full_w = full_w;
    l->full_h = full_h;
    loc_fill_opts(&l->o, opts);
    l->r0 = gf_loc_template_rect(full_w / LOC_SHRINK, full_h / LOC_SHRINK);
    return l;
}

int gf_locate_new(const gf_locate_image *ref, const gf_locate_opts *opts,
                  gf_locate **out)
{
    double mean, sd;
    int rc;
    *out = NULL;
    if (!ref)
        return GF_EINVAL;
    gf_locate *l = gf_loc_alloc(ref->full_w, ref->full_h, opts);
    if (!l)
        return GF_ENOMEM;
    if (ref->mean < l->o.min_brightness) {
        rc = GF_ELOC_DARK;
        goto fail;
    }
    const loc_rect r = l->r0;
    if ((rc = gf_loc_crop(&ref->lv[0], r.x, r.y, r.w, r.h, &l->tpl[0])) !=
        GF_OK)
        goto fail;
    gf_loc_stats(&l->tpl[0], &mean, &sd);
    if (sd < l->o.min_contrast) {
        rc = GF_ELOC_FLAT;
        goto fail;
    }
    if ((rc = gf_loc_finish(l)) != GF_OK)
        goto fail;
    *out = l;
    return GF_OK;
fail:
    gf_locate_free(l);
    return rc;
}

/* Sub-pixel peak position around a level-0 hit. */
static void loc_subpixel(const gf_locate *l, const gf_locate_image *img,
                         loc_hit h, double *sx, double *sy)
{
    const loc_plane *p = &img->lv[0], *t = &l->tpl[0];
    *sx = *sy = 0;
    if (h.x > 0 && h.x + 1 + t->w <= p->w)
        *sx = gf_loc_parabola(gf_loc_ncc_at(p, t, h.x - 1, h.y), h.score,
                              gf_loc_ncc_at(p, t, h.x + 1, h.y));
    if (h.y > 0 && h.y + 1 + t->h <= p->h)
        *sy = gf_loc_parabola(gf_loc_ncc_at(p, t, h.x, h.y - 1), h.score,
                              gf_loc_ncc_at(p, t, h.x, h.y + 1));
}

static int loc_at_edge(const loc_plane *img, const loc_plane *t, loc_hit h)
{
    return h.x <= 0 || h.y <= 0 || h.x >= img->w - t->w || h.y >= img->h - t->h;
}

int gf_locate_measure(const gf_locate *l, const gf_locate_image *img,
                      gf_locate_result *r)
{
    const int top = LOC_LEVELS - 1;
    loc_hit best, second;
    double sx, sy;
    memset(r, 0, sizeof(*r));
    if (!l || !img)
        return GF_EINVAL;
    r->brightness = img->mean;
    r->contrast = img->sd;
    if (img->full_w != l->full_w || img->full_h != l->full_h)
        return GF_ELOC_SIZE;
    if (img->mean < l->o.min_brightness)
        return GF_ELOC_DARK;
    if (img->sd < l->o.min_contrast)
        return GF_ELOC_FLAT;
    const loc_plane *tt = &l->tpl[top];
    int excl = (tt->w < tt->h ? tt->w : tt->h) / 4;
    int rc = gf_loc_ncc_search(&img->lv[top], tt, excl < 2 ? 2 : excl, &best,
                               &second);
    if (rc != GF_OK)
        return rc;
    int edge = loc_at_edge(&img->lv[top], tt, best);
    loc_hit h = best;
    for (int lv = top - 1; lv >= 0; lv--)
        h = gf_loc_ncc_refine(&img->lv[lv], &l->tpl[lv], 2 * h.x, 2 * h.y,
                              LOC_REFINE_RADIUS);
    loc_subpixel(l, img, h, &sx, &sy);
    r->px = (h.x + sx - l->r0.x) * LOC_SHRINK;
    r->py = (h.y + sy - l->r0.y) * LOC_SHRINK;
    r->peak = h.score;
    r->sharpness = best.score - second.score;
    if (r->peak < l->o.min_peak)
        return GF_ELOC_NOTFOUND;
    if (edge)
        return GF_ELOC_EDGE;
    if (r->sharpness < l->o.min_sharpness)
        return GF_ELOC_AMBIGUOUS;
    return GF_OK;
}

int gf_locate_find(const gf_locate *l, const gf_locate_image *img,
                   gf_locate_result *r)
{
    int rc = gf_locate_measure(l, img, r);
    if (rc == GF_EINVAL)
        return rc;
    if (!l->calibrated)
        return GF_ELOC_UNCALIBRATED;
    r->dx_mm = l->inv[0] * r->px + l->inv[1] * r->py;
    r->dy_mm = l->inv[2] * r->px + l->inv[3] * r->py;
    return rc;
}

static double loc_unit(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

double gf_locate_confidence(const gf_locate *l, const gf_locate_result *r)
{
    /* Each figure scaled from its threshold (0) to a perfect match (1);
     * the geometric mean is low as soon as either is. */
    double p = loc_unit((r->peak - l->o.min_peak) / (1 - l->o.min_peak));
    double s = loc_unit((r->sharpness - l->o.min_sharpness) /
                        (1 - l->o.min_sharpness));
    return sqrt(p * s);
}
