/* svg_doc.c - an SVG document (parsed by libxml2) to polylines in mm.
 *
 * Walks the element tree with the inherited transform and stroke colour,
 * maps the root's width/height/viewBox to millimetres, and hands every
 * stroked shape to the flattener. Nested <svg> elements open their own
 * viewport and <use> draws the element it references (svg_use.c). Shapes
 * without a stroke (or hidden ones) are counted as skipped: the laser
 * follows strokes, as a vector cutter's designers expect. Containers that
 * do not draw (defs, symbol, clipPath, ...) are not entered, and text and
 * embedded images are skipped. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg_int.h"

static int walk_children(const xmlNode *parent, svg_ctx ctx, int depth,
                         svg_walk *w)
{
    for (const xmlNode *n = parent->children; n; n = n->next) {
        int rc =
            n->type == XML_ELEMENT_NODE ? svg_visit(n, ctx, depth, w) : GF_OK;
        if (rc != GF_OK)
            return rc;
    }
    return GF_OK;
}

/* <use>: the referenced element drawn here, moved by x/y; a <symbol> is
 * drawn as a nested viewport. */
static int visit_use(const xmlNode *n, svg_ctx c, int depth, svg_walk *w)
{
    double x, y;
    int hidden, rc;
    const xmlNode *t = svg_use_target(n, w);
    if (!t)
        return GF_EINVAL;
    if ((rc = svg_get_len(n, "x", 0, &x, w)) ||
        (rc = svg_get_len(n, "y", 0, &y, w)))
        return rc;
    c.m = cg_mat_mul(c.m, (cg_mat){1, 0, 0, 1, x, y});
    if (!svg_is_name(t, "symbol"))
        return svg_visit(t, c, depth + 1, w);
    cg_mat vp;
    if ((rc = svg_element_ctx(t, &c, &hidden, w)) != GF_OK ||
        (rc = svg_viewport(t, n, &vp, w)) != GF_OK)
        return rc;
    if (hidden) {
        w->d->skipped++;
        return GF_OK;
    }
    c.m = cg_mat_mul(c.m, vp);
    return walk_children(t, c, depth + 1, w);
}

int svg_visit(const xmlNode *n, svg_ctx c, int depth, svg_walk *w)
{
    int hidden, rc;
    if (depth > SVG_MAX_DEPTH) {
        snprintf(w->msg, w->msglen, "line %d: elements nested deeper than %d",
                 n->line, SVG_MAX_DEPTH);
        return GF_EINVAL;
    }
    if (++w->visits > SVG_MAX_VISITS) {
        snprintf(w->msg, w->msglen,
                 "line %d: more than %u elements to draw "
                 "(<use> multiplies them)",
                 n->line, SVG_MAX_VISITS);
        return GF_ETOOBIG;
    }
    int container =
        svg_is_name(n, "g") || svg_is_name(n, "a") || svg_is_name(n, "svg");
    int use = svg_is_name(n, "use");
    if (!container && !use && !svg_is_shape(n)) {
        if (svg_is_name(n, "image") || svg_is_name(n, "text"))
            w->d->skipped++;
        return GF_OK;
    }
    if ((rc = svg_element_ctx(n, &c, &hidden, w)) != GF_OK)
        return rc;
    if (hidden) {
        w->d->skipped++;
        return GF_OK;
    }
    if (svg_is_name(n, "svg")) { /* nested: its own viewport */
        cg_mat vp;
        if ((rc = svg_viewport(n, n, &vp, w)) != GF_OK)
            return rc;
        c.m = cg_mat_mul(c.m, vp);
    }
    if (use)
        return visit_use(n, c, depth, w);
    if (container)
        return walk_children(n, c, depth + 1, w);
    if (c.stroke != 1) {
        w->d->skipped++;
        return GF_OK;
    }
    return svg_draw_shape(n, &c, w);
}

/* The root's width/height/viewBox -> the matrix from user units to mm. */
static int root_matrix(const xmlNode *root, cg_mat *m, svg_walk *w)
{
    char buf[256], sub[200];
    double vb[4], size[2] = {0, 0};
    const char *names[2] = {"width", "height"};
    int have[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        if (svg_get_attr(root, names[i], buf, sizeof buf) != 0 ||
            strchr(buf, '%'))
            continue;
        if (svg_length_mm(buf, &size[i], sub, sizeof sub) != GF_OK) {
            snprintf(w->msg, w->msglen, "<svg %s>: %s", names[i], sub);
            return GF_EINVAL;
        }
        have[i] = size[i] > 0;
    }
    *m = cg_mat_identity();
    m->a = m->d = PX_MM;
    if (svg_get_attr(root, "viewBox", buf, sizeof buf) != 0)
        return GF_OK;
    if (svg_numbers(buf, vb, 4) != 4 || !(vb[2] > 0) || !(vb[3] > 0)) {
        snprintf(w->msg, w->msglen,
                 "<svg viewBox=\"%.60s\">: expected four "
                 "numbers with a positive width and height",
                 buf);
        return GF_EINVAL;
    }
    double sx = have[0] ? size[0] / vb[2] : have[1] ? size[1] / vb[3] : PX_MM;
    double sy = have[1] ? size[1] / vb[3] : sx;
    double tx = 0, ty = 0;
    int stretch =
        svg_get_attr(root, "preserveAspectRatio", buf, sizeof buf) == 0 &&
        strncmp(buf, "none", 4) == 0;
    if (have[0] && have[1] && !stretch && sx != sy) {
        /* The default xMidYMid meet: uniform scale, centred. */
        double s = fmin(sx, sy);
        tx = (size[0] - vb[2] * s) / 2;
        ty = (size[1] - vb[3] * s) / 2;
        sx = sy = s;
    }
    cg_mat r = {sx, 0, 0, sy, tx - vb[0] * sx, ty - vb[1] * sy};
    *m = r;
    return GF_OK;
}

/* libxml2 2.9 still prints some errors (encoding conversion) through its
 * generic handler despite XML_PARSE_NOERROR; a design is untrusted input,
 * so the errors that matter come back in `msg` and the rest are dropped
 * rather than letting an upload write to the service's log. */
static void svg_xml_quiet(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

int svg_load_mem(cg_design *d, const void *buf, size_t len, char *msg,
                 size_t msglen)
{
    svg_css css = {NULL, 0, 0};
    svg_walk w = {d, msg, msglen, NULL, 0, 0, &css};
    svg_ctx c = {{1, 0, 0, 1, 0, 0}, 0, 0};
    int rc = GF_EINVAL;
    xmlDoc *doc = NULL;
    xmlSetGenericErrorFunc(NULL, svg_xml_quiet); /* per thread in libxml2 */
    xmlParserCtxt *px = xmlNewParserCtxt();
    if (!px || len > INT32_MAX) {
        snprintf(msg, msglen, "cannot parse the design");
        goto out;
    }
    doc = xmlCtxtReadMemory(px, buf, (int)len, "design.svg", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = &px->lastError;
        snprintf(msg, msglen, "malformed XML at line %d: %s", e->line,
                 e->message ? e->message : "parse error");
        size_t l = strlen(msg);
        if (l && msg[l - 1] == '\n')
            msg[l - 1] = 0;
        goto out;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !svg_is_name(root, "svg")) {
        snprintf(msg, msglen, "not an SVG document (root element <%s>)",
                 root ? (const char *)root->name : "none");
        goto out;
    }
    int hidden;
    if ((rc = svg_css_load(&css, root, msg, msglen)) != GF_OK ||
        (rc = root_matrix(root, &c.m, &w)) != GF_OK ||
        (rc = svg_element_ctx(root, &c, &hidden, &w)) != GF_OK)
        goto out;
    w.root = root;
    rc = hidden ? GF_OK : walk_children(root, c, 0, &w);
out:
    svg_css_free(&css);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(px);
    return rc;
}
