/* svg_flatten.c - path commands (in user units) to polylines in mm.
 *
 * Curves are flattened after the transform, so the chord tolerance CG_TOL
 * (half a machine step) is met in real millimetres. Bezier curves and arcs
 * are split uniformly in their parameter with the piece count from the
 * bound |error| <= h^2/8 * max|B''|: no recursion, no guesswork, and the
 * point count is known before any point is made. */
#include <math.h>
#include <stdlib.h>

#include "gf/grow.h"
#include "svg_geom.h"

void cg_design_free(cg_design *d)
{
    free(d->pts);
    free(d->polys);
    d->pts = NULL;
    d->polys = NULL;
    d->npts = d->ptcap = d->npolys = d->polycap = 0;
}

static void push_mm(cg_builder *b, cg_pt p)
{
    cg_design *d = b->d;
    if (b->err)
        return;
    if (d->npts >= CG_MAX_POINTS) {
        b->err = GF_ETOOBIG;
        return;
    }
    if (d->npts == d->ptcap) {
        int rc =
            gf_grow(&d->pts, &d->ptcap, sizeof *d->pts, 256, CG_MAX_POINTS);
        if (rc != GF_OK) {
            b->err = rc;
            return;
        }
    }
    d->pts[d->npts++] = p;
}

static void push_user(cg_builder *b, cg_pt p)
{
    push_mm(b, cg_mat_apply(b->m, p));
}

/* Ends the open polyline; keeps it when it has at least two points. */
static void end_poly(cg_builder *b)
{
    cg_design *d = b->d;
    if (!b->open)
        return;
    b->open = 0;
    cg_poly *p = &d->polys[d->npolys];
    p->count = d->npts - p->first;
    if (p->count < 2 || b->err) {
        d->npts = p->first;
        return;
    }
    d->npolys++;
}

void cgb_init(cg_builder *b, cg_design *d, cg_mat m, uint32_t rgb)
{
    b->d = d;
    b->m = m;
    b->rgb = rgb;
    b->open = 0;
    b->err = 0;
    b->start.x = b->start.y = b->cur.x = b->cur.y = 0;
}

void cgb_move(cg_builder *b, cg_pt p)
{
    cg_design *d = b->d;
    end_poly(b);
    if (b->err)
        return;
    if (d->npolys == d->polycap) {
        int rc =
            gf_grow(&d->polys, &d->polycap, sizeof *d->polys, 64, SIZE_MAX);
        if (rc != GF_OK) {
            b->err = rc;
            return;
        }
    }
    d->polys[d->npolys].first = d->npts;
    d->polys[d->npolys].count = 0;
    d->polys[d->npolys].rgb = b->rgb;
    b->open = 1;
    push_user(b, p);
    b->start = b->cur = p;
}

void cgb_line(cg_builder *b, cg_pt p)
{
    if (!b->open)
        cgb_move(b, b->cur);
    push_user(b, p);
    b->cur = p;
}

static size_t pieces(double bound)
{
    double n = ceil(sqrt(bound / (8 * CG_TOL)));
    if (!(n >= 1)) /* also catches NaN */
        return 1;
    return n > CG_MAX_CURVE_PIECES ? CG_MAX_CURVE_PIECES : (size_t)n;
}

static double dist2(cg_pt a, cg_pt b, cg_pt c)
{
    /* |a - 2b + c| */
    return hypot(a.x - 2 * b.x + c.x, a.y - 2 * b.y + c.y);
}

void cgb_quad(cg_builder *b, cg_pt c, cg_pt p)
{
    if (!b->open)
        cgb_move(b, b->cur);
    cg_pt p0 = cg_mat_apply(b->m, b->cur), p1 = cg_mat_apply(b->m, c),
          p2 = cg_mat_apply(b->m, p);
    size_t n = pieces(2 * dist2(p0, p1, p2));
    for (size_t i = 1; i < n; i++) {
        double t = (double)i / n, u = 1 - t;
        cg_pt q = {u * u * p0.x + 2 * u * t * p1.x + t * t * p2.x,
                   u * u * p0.y + 2 * u * t * p1.y + t * t * p2.y};
        push_mm(b, q);
    }
    push_mm(b, p2);
    b->cur = p;
}

void cgb_cubic(cg_builder *b, cg_pt c1, cg_pt c2, cg_pt p)
{
    if (!b->open)
        cgb_move(b, b->cur);
    cg_pt p0 = cg_mat_apply(b->m, b->cur), p1 = cg_mat_apply(b->m, c1),
          p2 = cg_mat_apply(b->m, c2), p3 = cg_mat_apply(b->m, p);
    double m = fmax(dist2(p0, p1, p2), dist2(p1, p2, p3));
    size_t n = pieces(6 * m);
    for (size_t i = 1; i < n; i++) {
        double t = (double)i / n, u = 1 - t;
        double k0 = u * u * u, k1 = 3 * u * u * t, k2 = 3 * u * t * t,
               k3 = t * t * t;
        cg_pt q = {k0 * p0.x + k1 * p1.x + k2 * p2.x + k3 * p3.x,
                   k0 * p0.y + k1 * p1.y + k2 * p2.y + k3 * p3.y};
        push_mm(b, q);
    }
    push_mm(b, p3);
    b->cur = p;
}

static double vec_angle(double ux, double uy, double vx, double vy)
{
    return atan2(ux * vy - uy * vx, ux * vx + uy * vy);
}

/* SVG 1.1 appendix F.6.5: endpoint to centre parameterisation. */
void cgb_arc(cg_builder *b, double rx, double ry, double rot_deg, int large,
             int sweep, cg_pt p)
{
    cg_pt p0 = b->cur;
    rx = fabs(rx);
    ry = fabs(ry);
    if (p0.x == p.x && p0.y == p.y)
        return;
    if (rx == 0 || ry == 0) {
        cgb_line(b, p);
        return;
    }
    if (!b->open)
        cgb_move(b, b->cur);
    double phi = rot_deg * M_PI / 180, cs = cos(phi), sn = sin(phi);
    double hx = (p0.x - p.x) / 2, hy = (p0.y - p.y) / 2;
    double x1 = cs * hx + sn * hy, y1 = -sn * hx + cs * hy;
    double lam = (x1 * x1) / (rx * rx) + (y1 * y1) / (ry * ry);
    if (lam > 1) {
        rx *= sqrt(lam);
        ry *= sqrt(lam);
    }
    double num = rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1;
    double den = rx * rx * y1 * y1 + ry * ry * x1 * x1;
    double co = sqrt(fmax(0, num / den)) * (large == sweep ? -1 : 1);
    double cxp = co * rx * y1 / ry, cyp = -co * ry * x1 / rx;
    double cx = cs * cxp - sn * cyp + (p0.x + p.x) / 2;
    double cy = sn * cxp + cs * cyp + (p0.y + p.y) / 2;
    double t1 = vec_angle(1, 0, (x1 - cxp) / rx, (y1 - cyp) / ry);
    double dt = vec_angle((x1 - cxp) / rx, (y1 - cyp) / ry, (-x1 - cxp) / rx,
                          (-y1 - cyp) / ry);
    if (!sweep && dt > 0)
        dt -= 2 * M_PI;
    else if (sweep && dt < 0)
        dt += 2 * M_PI;
    double r_mm = fmax(rx, ry) * cg_mat_scale(b->m);
    double h = sqrt(8 * CG_TOL / fmax(r_mm, 1e-9));
    double nf = ceil(fabs(dt) / h);
    size_t n = !(nf >= 1)                 ? 1 /* also NaN */
               : nf > CG_MAX_CURVE_PIECES ? CG_MAX_CURVE_PIECES
                                          : (size_t)nf;
    for (size_t i = 1; i < n; i++) {
        double t = t1 + dt * i / n;
        cg_pt q = {cx + rx * cos(t) * cs - ry * sin(t) * sn,
                   cy + rx * cos(t) * sn + ry * sin(t) * cs};
        push_user(b, q);
    }
    push_user(b, p);
    b->cur = p;
}

void cgb_close(cg_builder *b)
{
    if (!b->open)
        return;
    if (b->cur.x != b->start.x || b->cur.y != b->start.y)
        cgb_line(b, b->start);
    b->cur = b->start;
}

int cgb_finish(cg_builder *b)
{
    end_poly(b);
    return b->err;
}
