/* svg_use.c - elements drawn through others: <use> references and the
 * viewports of nested <svg> and <symbol> elements.
 *
 * A <use> names its element by id ("#name"). libxml2 only indexes ids it
 * knows from a DTD, so the document is searched here; the search budget is
 * capped (SVG_MAX_LOOKUP nodes in all) so a design with thousands of <use>
 * over a huge tree is refused instead of stalling, and the walker's visit
 * cap stops reference chains that multiply (the SVG "billion laughs"). */
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svg_int.h"

#define SVG_MAX_LOOKUP (50u * 1000 * 1000) /* nodes scanned for all <use> */

static int has_id(const xmlNode *n, const char *id)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, "id") == 0 && a->children &&
            a->children->content &&
            strcmp((const char *)a->children->content, id) == 0)
            return 1;
    }
    return 0;
}

/* Depth-first search without recursion; `budget` counts nodes seen. */
static const xmlNode *find_id(const xmlNode *root, const char *id,
                              size_t *budget)
{
    const xmlNode *cur = root;
    while (cur) {
        if ((*budget)++ > SVG_MAX_LOOKUP)
            return NULL;
        if (cur->type == XML_ELEMENT_NODE && has_id(cur, id))
            return cur;
        if (cur->children && cur->type == XML_ELEMENT_NODE) {
            cur = cur->children;
            continue;
        }
        while (cur != root && !cur->next)
            cur = cur->parent;
        if (cur == root)
            return NULL;
        cur = cur->next;
    }
    return NULL;
}

const xmlNode *svg_use_target(const xmlNode *use, svg_walk *w)
{
    char ref[256];
    const xmlNode *t = NULL;
    if (svg_get_attr(use, "href", ref, sizeof ref) != 0 || ref[0] != '#') {
        snprintf(w->msg, w->msglen,
                 "line %d: <use> needs href=\"#id\" of an "
                 "element in this document",
                 use->line);
        return NULL;
    }
    t = find_id(w->root, ref + 1, &w->lookups);
    if (!t)
        snprintf(w->msg, w->msglen, "line %d: <use> refers to %.60s, %s",
                 use->line, ref,
                 w->lookups > SVG_MAX_LOOKUP ? "and looking up references "
                                               "took too long"
                                             : "which is not in the document");
    return t;
}

/* A size attribute of a nested viewport: absent or a percentage = none. */
static int viewport_len(const xmlNode *n, const char *name, double *out,
                        svg_walk *w)
{
    char buf[128];
    *out = -1;
    if (svg_get_attr(n, name, buf, sizeof buf) != 0 || strchr(buf, '%'))
        return GF_OK;
    return svg_get_len(n, name, -1, out, w);
}

int svg_viewport(const xmlNode *n, const xmlNode *size, cg_mat *m, svg_walk *w)
{
    char buf[256];
    double x = 0, y = 0, wd, ht, vb[4];
    int rc;
    if ((rc = svg_get_len(n, "x", 0, &x, w)) ||
        (rc = svg_get_len(n, "y", 0, &y, w)) ||
        (rc = viewport_len(size, "width", &wd, w)) ||
        (rc = viewport_len(size, "height", &ht, w)))
        return rc;
    *m = (cg_mat){1, 0, 0, 1, x, y};
    if (svg_get_attr(n, "viewBox", buf, sizeof buf) != 0)
        return GF_OK;
    if (svg_numbers(buf, vb, 4) != 4 || !(vb[2] > 0) || !(vb[3] > 0)) {
        snprintf(w->msg, w->msglen,
                 "line %d: viewBox=\"%.60s\": expected "
                 "four numbers with a positive width and height",
                 n->line, buf);
        return GF_EINVAL;
    }
    double sx = wd > 0 ? wd / vb[2] : ht > 0 ? ht / vb[3] : 1;
    double sy = ht > 0 ? ht / vb[3] : sx, tx = x, ty = y;
    int stretch =
        svg_get_attr(n, "preserveAspectRatio", buf, sizeof buf) == 0 &&
        strncmp(buf, "none", 4) == 0;
    if (wd > 0 && ht > 0 && !stretch && sx != sy) {
        double s = fmin(sx, sy); /* xMidYMid meet */
        tx += (wd - vb[2] * s) / 2;
        ty += (ht - vb[3] * s) / 2;
        sx = sy = s;
    }
    *m = (cg_mat){sx, 0, 0, sy, tx - vb[0] * sx, ty - vb[1] * sy};
    return GF_OK;
}
