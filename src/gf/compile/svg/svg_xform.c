/* svg_xform.c - affine matrices and the SVG `transform` attribute grammar.
 *
 * Designs nest groups with transforms; every point is mapped to mm through
 * the product of its ancestors' matrices, so the flattener can measure its
 * chord tolerance in real millimetres whatever the scale. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svg_geom.h"

cg_mat cg_mat_identity(void)
{
    cg_mat m = {1, 0, 0, 1, 0, 0};
    return m;
}

cg_mat cg_mat_mul(cg_mat m, cg_mat n)
{
    cg_mat r;
    r.a = m.a * n.a + m.c * n.b;
    r.b = m.b * n.a + m.d * n.b;
    r.c = m.a * n.c + m.c * n.d;
    r.d = m.b * n.c + m.d * n.d;
    r.e = m.a * n.e + m.c * n.f + m.e;
    r.f = m.b * n.e + m.d * n.f + m.f;
    return r;
}

cg_pt cg_mat_apply(cg_mat m, cg_pt p)
{
    cg_pt r = {m.a * p.x + m.c * p.y + m.e, m.b * p.x + m.d * p.y + m.f};
    return r;
}

double cg_mat_scale(cg_mat m)
{
    /* Largest singular value of the 2x2 linear part. */
    double s = m.a * m.a + m.b * m.b + m.c * m.c + m.d * m.d;
    double det = m.a * m.d - m.b * m.c;
    double disc = s * s - 4 * det * det;
    return sqrt((s + sqrt(disc > 0 ? disc : 0)) / 2);
}

/* Reads "(n, n, ...)" into args; returns the count or -1. */
static int xform_args(const char **ps, double *args, int max)
{
    const char *s = *ps;
    int n = 0;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s++ != '(')
        return -1;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        if (*s == ')')
            break;
        if (n == max)
            return -1;
        size_t used = svg_scan_number(s, &args[n]);
        if (used == 0)
            return -1;
        n++;
        s = svg_skip_sep(s + used);
    }
    *ps = s + 1;
    return n;
}

static int xform_make(const char *name, const double *v, int n, cg_mat *out)
{
    cg_mat m = cg_mat_identity();
    double rad;
    if (strcmp(name, "matrix") == 0 && n == 6) {
        m.a = v[0], m.b = v[1], m.c = v[2], m.d = v[3], m.e = v[4], m.f = v[5];
    } else if (strcmp(name, "translate") == 0 && (n == 1 || n == 2)) {
        m.e = v[0];
        m.f = n == 2 ? v[1] : 0;
    } else if (strcmp(name, "scale") == 0 && (n == 1 || n == 2)) {
        m.a = v[0];
        m.d = n == 2 ? v[1] : v[0];
    } else if (strcmp(name, "rotate") == 0 && (n == 1 || n == 3)) {
        rad = v[0] * M_PI / 180;
        m.a = cos(rad), m.b = sin(rad), m.c = -sin(rad), m.d = cos(rad);
        if (n == 3) {
            cg_mat t1 = {1, 0, 0, 1, v[1], v[2]};
            cg_mat t2 = {1, 0, 0, 1, -v[1], -v[2]};
            m = cg_mat_mul(cg_mat_mul(t1, m), t2);
        }
    } else if (strcmp(name, "skewX") == 0 && n == 1) {
        m.c = tan(v[0] * M_PI / 180);
    } else if (strcmp(name, "skewY") == 0 && n == 1) {
        m.b = tan(v[0] * M_PI / 180);
    } else {
        return GF_EINVAL;
    }
    *out = m;
    return GF_OK;
}

int svg_xform_parse(const char *s, cg_mat *out, char *msg, size_t msglen)
{
    cg_mat acc = cg_mat_identity();
    const char *start = s;
    while (*s) {
        char name[16];
        size_t k = 0;
        double v[6];
        cg_mat m;
        s = svg_skip_sep(s);
        if (!*s)
            break;
        while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
            if (k + 1 < sizeof name)
                name[k++] = *s;
            s++;
        }
        name[k] = 0;
        int n = k ? xform_args(&s, v, 6) : -1;
        if (n < 0 || xform_make(name, v, n, &m) != GF_OK) {
            snprintf(msg, msglen, "bad transform \"%.60s\" at offset %d", start,
                     (int)(s - start));
            return GF_EINVAL;
        }
        acc = cg_mat_mul(acc, m);
    }
    *out = acc;
    return GF_OK;
}
