/* svg_attr.c - reading SVG attributes: plain attributes, presentation
 * properties (the style attribute wins), lengths in user units, and the
 * context an element passes to its children (transform, stroke colour,
 * visibility). */
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "svg_int.h"

int svg_is_name(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           strcmp((const char *)n->name, name) == 0;
}

/* Copies attribute `name` into buf; 0 when present. */
int svg_get_attr(const xmlNode *n, const char *name, char *buf, size_t buflen)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return -1;
    snprintf(buf, buflen, "%s", (const char *)v);
    xmlFree(v);
    return 0;
}

int svg_style_get(const char *style, const char *prop, char *buf, size_t buflen)
{
    size_t plen = strlen(prop);
    const char *s = style;
    while (*s) {
        while (*s == ' ' || *s == ';' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
        const char *colon = strchr(s, ':');
        const char *end = strchr(s, ';');
        if (!end)
            end = s + strlen(s);
        if (colon && colon < end) {
            const char *k = s, *ke = colon;
            while (ke > k && ke[-1] == ' ')
                ke--;
            if ((size_t)(ke - k) == plen && strncmp(k, prop, plen) == 0) {
                const char *v = colon + 1, *ve = end;
                while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
                    v++;
                while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' ||
                                  ve[-1] == '\n' || ve[-1] == '\r'))
                    ve--;
                snprintf(buf, buflen, "%.*s", (int)(ve - v), v);
                return 0;
            }
        }
        s = end;
    }
    return -1;
}

/* A presentation property: the style attribute wins over a style sheet
 * rule, which wins over the attribute (CSS cascade, without !important). */
int svg_get_prop(const xmlNode *n, const char *prop, char *buf, size_t buflen,
                 const svg_css *css)
{
    char style[4096];
    if (svg_get_attr(n, "style", style, sizeof style) == 0 &&
        svg_style_get(style, prop, buf, buflen) == 0)
        return 0;
    if (css && svg_css_get(css, n, prop, buf, buflen) == 0)
        return 0;
    return svg_get_attr(n, prop, buf, buflen);
}

/* A length attribute in user units (px); `def` when absent. */
int svg_get_len(const xmlNode *n, const char *name, double def, double *out,
                svg_walk *w)
{
    char buf[128], sub[200];
    double mm;
    if (svg_get_attr(n, name, buf, sizeof buf) != 0) {
        *out = def;
        return GF_OK;
    }
    if (svg_length_mm(buf, &mm, sub, sizeof sub) != GF_OK) {
        snprintf(w->msg, w->msglen, "line %d: <%s %s>: %s", n->line,
                 (const char *)n->name, name, sub);
        return GF_EINVAL;
    }
    *out = mm / PX_MM;
    return GF_OK;
}

/* Applies an element's transform and stroke to the inherited context. */
int svg_element_ctx(const xmlNode *n, svg_ctx *c, int *hidden, svg_walk *w)
{
    char buf[1024], sub[200];
    cg_mat t;
    *hidden = 0;
    xmlChar *tr = xmlGetProp(n, (const xmlChar *)"transform");
    if (tr) {
        int rc = svg_xform_parse((const char *)tr, &t, sub, sizeof sub);
        xmlFree(tr);
        if (rc != GF_OK) {
            snprintf(w->msg, w->msglen, "line %d: %s", n->line, sub);
            return GF_EINVAL;
        }
        c->m = cg_mat_mul(c->m, t);
    }
    if (svg_get_prop(n, "stroke", buf, sizeof buf, w->css) == 0 &&
        strcmp(buf, "inherit") != 0) {
        if (strcmp(buf, "currentColor") == 0) { /* no `color` support: black */
            c->stroke = 1;
            c->rgb = 0;
        } else {
            int r = svg_color_parse(buf, &c->rgb);
            if (r < 0) {
                snprintf(w->msg, w->msglen,
                         "line %d: unknown stroke colour \"%.40s\"", n->line,
                         buf);
                return GF_EINVAL;
            }
            c->stroke = r == 1 ? 2 : 1;
        }
    }
    if ((svg_get_prop(n, "display", buf, sizeof buf, w->css) == 0 &&
         strcmp(buf, "none") == 0) ||
        (svg_get_prop(n, "visibility", buf, sizeof buf, w->css) == 0 &&
         strcmp(buf, "hidden") == 0))
        *hidden = 1;
    return GF_OK;
}
