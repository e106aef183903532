/* svg_shapes.c - the SVG basic shapes and paths as builder commands.
 *
 * rect (with rounded corners), circle, ellipse, line, polyline, polygon
 * and path, each drawn in user units through the element's matrix. */
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svg_int.h"

static int shape_rect(const xmlNode *n, cg_builder *b, svg_walk *w)
{
    double x, y, wd, ht, rx, ry;
    if (svg_get_len(n, "x", 0, &x, w) || svg_get_len(n, "y", 0, &y, w) ||
        svg_get_len(n, "width", 0, &wd, w) ||
        svg_get_len(n, "height", 0, &ht, w) ||
        svg_get_len(n, "rx", -1, &rx, w) || svg_get_len(n, "ry", -1, &ry, w))
        return GF_EINVAL;
    if (wd < 0 || ht < 0) {
        snprintf(w->msg, w->msglen, "line %d: <rect> with a negative size",
                 n->line);
        return GF_EINVAL;
    }
    if (wd == 0 || ht == 0)
        return GF_OK;
    if (rx < 0)
        rx = ry;
    if (ry < 0)
        ry = rx;
    rx = fmin(fmax(rx, 0), wd / 2);
    ry = fmin(fmax(ry, 0), ht / 2);
    cgb_move(b, (cg_pt){x + rx, y});
    cgb_line(b, (cg_pt){x + wd - rx, y});
    cgb_arc(b, rx, ry, 0, 0, 1, (cg_pt){x + wd, y + ry});
    cgb_line(b, (cg_pt){x + wd, y + ht - ry});
    cgb_arc(b, rx, ry, 0, 0, 1, (cg_pt){x + wd - rx, y + ht});
    cgb_line(b, (cg_pt){x + rx, y + ht});
    cgb_arc(b, rx, ry, 0, 0, 1, (cg_pt){x, y + ht - ry});
    cgb_line(b, (cg_pt){x, y + ry});
    cgb_arc(b, rx, ry, 0, 0, 1, (cg_pt){x + rx, y});
    cgb_close(b);
    return GF_OK;
}

static int shape_ellipse(const xmlNode *n, cg_builder *b, svg_walk *w,
                         int circle)
{
    double cx, cy, rx, ry;
    if (svg_get_len(n, "cx", 0, &cx, w) || svg_get_len(n, "cy", 0, &cy, w))
        return GF_EINVAL;
    if (circle ? svg_get_len(n, "r", 0, &rx, w)
               : (svg_get_len(n, "rx", 0, &rx, w) ||
                  svg_get_len(n, "ry", 0, &ry, w)))
        return GF_EINVAL;
    if (circle)
        ry = rx;
    if (rx < 0 || ry < 0) {
        snprintf(w->msg, w->msglen, "line %d: <%s> with a negative radius",
                 n->line, (const char *)n->name);
        return GF_EINVAL;
    }
    if (rx == 0 || ry == 0)
        return GF_OK;
    cgb_move(b, (cg_pt){cx + rx, cy});
    cgb_arc(b, rx, ry, 0, 0, 1, (cg_pt){cx - rx, cy});
    cgb_arc(b, rx, ry, 0, 0, 1, (cg_pt){cx + rx, cy});
    cgb_close(b);
    return GF_OK;
}

static int shape_line(const xmlNode *n, cg_builder *b, svg_walk *w)
{
    double x1, y1, x2, y2;
    if (svg_get_len(n, "x1", 0, &x1, w) || svg_get_len(n, "y1", 0, &y1, w) ||
        svg_get_len(n, "x2", 0, &x2, w) || svg_get_len(n, "y2", 0, &y2, w))
        return GF_EINVAL;
    cgb_move(b, (cg_pt){x1, y1});
    cgb_line(b, (cg_pt){x2, y2});
    return GF_OK;
}

static int shape_points(const xmlNode *n, cg_builder *b, svg_walk *w,
                        int closed)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)"points");
    const char *s = v ? (const char *)v : "";
    int rc = GF_OK;
    size_t k = 0;
    for (s = svg_skip_sep(s); *s; k++) {
        cg_pt p;
        size_t u1 = svg_scan_number(s, &p.x), u2 = 0;
        if (u1)
            u2 = svg_scan_number(svg_skip_sep(s + u1), &p.y);
        if (!u1 || !u2) {
            snprintf(w->msg, w->msglen,
                     "line %d: <%s points>: expected a coordinate pair",
                     n->line, (const char *)n->name);
            rc = GF_EINVAL;
            break;
        }
        s = svg_skip_sep(svg_skip_sep(s + u1) + u2);
        if (k == 0)
            cgb_move(b, p);
        else
            cgb_line(b, p);
    }
    if (rc == GF_OK && closed)
        cgb_close(b);
    xmlFree(v);
    return rc;
}

static int shape_path(const xmlNode *n, cg_builder *b, svg_walk *w)
{
    char sub[200];
    xmlChar *d = xmlGetProp(n, (const xmlChar *)"d");
    int rc = svg_path_parse(b, d ? (const char *)d : "", sub, sizeof sub);
    if (rc == GF_EINVAL)
        snprintf(w->msg, w->msglen, "line %d: <path>: %s", n->line, sub);
    xmlFree(d);
    return rc;
}

int svg_draw_shape(const xmlNode *n, const svg_ctx *c, svg_walk *w)
{
    cg_builder b;
    int rc;
    cgb_init(&b, w->d, c->m, c->rgb);
    if (svg_is_name(n, "path"))
        rc = shape_path(n, &b, w);
    else if (svg_is_name(n, "rect"))
        rc = shape_rect(n, &b, w);
    else if (svg_is_name(n, "circle"))
        rc = shape_ellipse(n, &b, w, 1);
    else if (svg_is_name(n, "ellipse"))
        rc = shape_ellipse(n, &b, w, 0);
    else if (svg_is_name(n, "line"))
        rc = shape_line(n, &b, w);
    else
        rc = shape_points(n, &b, w, svg_is_name(n, "polygon"));
    /* The builder's own error (too many points, no memory) can also come
     * back through the shape parser, which has no words for it. */
    int frc = cgb_finish(&b);
    if (frc != GF_OK && (rc == GF_OK || rc == frc)) {
        rc = frc;
        if (frc == GF_ETOOBIG)
            snprintf(w->msg, w->msglen,
                     "line %d: design is too complex "
                     "(over %u points after flattening)",
                     n->line, CG_MAX_POINTS);
        else
            snprintf(w->msg, w->msglen, "line %d: %s", n->line,
                     gf_strerror(frc));
    }
    return rc;
}

int svg_is_shape(const xmlNode *n)
{
    static const char *const shapes[] = {
        "path", "rect", "circle", "ellipse", "line", "polyline", "polygon"};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (svg_is_name(n, shapes[i]))
            return 1;
    return 0;
}
