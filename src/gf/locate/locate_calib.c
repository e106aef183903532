/* locate_calib.c - pixels to millimetres, and the servo loop.
 *
 * Near the image centre the lens is close to a pinhole, so a small head
 * move shifts the head's picture by a fixed vector per millimetre of X and
 * of Y: px = A · mm, with A's columns the picture motion of +1 mm of X and
 * of +1 mm of Y. Their lengths are the pixels per mm and their directions
 * the axes' directions in the picture (a camera mounted a little rotated,
 * or mirrored, is fitted the same way). A is fitted by least squares from
 * the calibration moves, one row of the picture motion at a time: the 2 × 2
 * normal equations Σ m mᵀ · a = Σ m u. Far from the centre the lens bends
 * lines (radial distortion), so a first measurement of a head 20 mm off is
 * a few per cent wrong; the servo loop corrects, images again near the
 * centre where A holds, and converges. */
#include <math.h>
#include <string.h>

#include "gf/error.h"
#include "locate_int.h"

#define LOC_MAX_MISFIT_PX 1.5

static int loc_finite(const gf_locate_calib *c)
{
    return isfinite(c->x_px[0]) && isfinite(c->x_px[1]) &&
           isfinite(c->y_px[0]) && isfinite(c->y_px[1]) &&
           isfinite(c->residual_px);
}

int gf_loc_calib_apply(gf_locate *l, const gf_locate_calib *c)
{
    double a = c->x_px[0], b = c->y_px[0], d = c->x_px[1], e = c->y_px[1];
    double det = a * e - b * d;
    double na = hypot(a, d), nb = hypot(b, e);
    /* Less than 0.1 px per mm, or axes within ~6° of parallel: no
     * camera gives that; the measurements went wrong. */
    if (!loc_finite(c) || na < 0.1 || nb < 0.1 || fabs(det) < 0.1 * na * nb)
        return GF_ELOC_CALIB;
    l->cal = *c;
    l->inv[0] = e / det;
    l->inv[1] = -b / det;
    l->inv[2] = -d / det;
    l->inv[3] = a / det;
    l->calibrated = 1;
    return GF_OK;
}

/* Solve [sxx sxy; sxy syy] (p, q) = (bx, by). */
static int loc_solve2(double sxx, double sxy, double syy, double bx, double by,
                      double *p, double *q)
{
    double det = sxx * syy - sxy * sxy;
    if (fabs(det) < 1e-9 * (sxx * syy + 1e-12) || det == 0)
        return GF_ELOC_CALIB;
    *p = (bx * syy - by * sxy) / det;
    *q = (by * sxx - bx * sxy) / det;
    return GF_OK;
}

int gf_locate_calibrate(gf_locate *l, const gf_locate_sample *s, size_t n)
{
    double sxx = 0, sxy = 0, syy = 0, bu[2] = {0, 0}, bv[2] = {0, 0};
    gf_locate_calib c;
    if (!l || (!s && n))
        return GF_EINVAL;
    for (size_t i = 0; i < n; i++) {
        sxx += s[i].dx_mm * s[i].dx_mm;
        sxy += s[i].dx_mm * s[i].dy_mm;
        syy += s[i].dy_mm * s[i].dy_mm;
        bu[0] += s[i].dx_mm * s[i].px;
        bu[1] += s[i].dy_mm * s[i].px;
        bv[0] += s[i].dx_mm * s[i].py;
        bv[1] += s[i].dy_mm * s[i].py;
    }
    if (n < 2 ||
        loc_solve2(sxx, sxy, syy, bu[0], bu[1], &c.x_px[0], &c.y_px[0]) ||
        loc_solve2(sxx, sxy, syy, bv[0], bv[1], &c.x_px[1], &c.y_px[1]))
        return GF_ELOC_CALIB;
    double se = 0;
    for (size_t i = 0; i < n; i++) {
        double eu = c.x_px[0] * s[i].dx_mm + c.y_px[0] * s[i].dy_mm - s[i].px;
        double ev = c.x_px[1] * s[i].dx_mm + c.y_px[1] * s[i].dy_mm - s[i].py;
        se += eu * eu + ev * ev;
    }
    c.residual_px = sqrt(se / (double)n);
    if (c.residual_px > LOC_MAX_MISFIT_PX)
        return GF_ELOC_CALIB;
    return gf_loc_calib_apply(l, &c);
}

int gf_locate_calibration(const gf_locate *l, gf_locate_calib *c)
{
    if (!l || !c)
        return GF_EINVAL;
    if (!l->calibrated)
        return GF_ELOC_UNCALIBRATED;
    *c = l->cal;
    return GF_OK;
}

int gf_locate_set_calibration(gf_locate *l, const gf_locate_calib *c)
{
    if (!l || !c)
        return GF_EINVAL;
    return gf_loc_calib_apply(l, c);
}

void gf_locate_servo_init(gf_locate_servo *s, double tolerance_mm,
                          int max_corrections)
{
    memset(s, 0, sizeof(*s));
    s->tolerance_mm = tolerance_mm > 0 ? tolerance_mm : 0.25;
    s->max_corrections = max_corrections > 0 ? max_corrections : 4;
    s->last_err_mm = -1;
}

int gf_locate_servo_step(gf_locate_servo *s, const gf_locate_result *r)
{
    double err = hypot(r->dx_mm, r->dy_mm);
    s->err_mm = err;
    s->move_dx_mm = s->move_dy_mm = 0;
    if (err < s->tolerance_mm)
        return GF_LOCATE_DONE;
    /* A correction that did not shrink the error means the picture and
     * the head disagree (a slipping belt, a wrong calibration): stop. */
    if (s->last_err_mm >= 0 && err >= s->last_err_mm)
        return GF_ELOC_DIVERGE;
    if (s->corrections >= s->max_corrections)
        return GF_ELOC_NOCONVERGE;
    s->move_dx_mm = -r->dx_mm;
    s->move_dy_mm = -r->dy_mm;
    s->corrections++;
    s->last_err_mm = err;
    return GF_LOCATE_MOVE;
}
