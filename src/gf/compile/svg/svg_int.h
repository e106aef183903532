/* svg_int.h - what the SVG document walker (svg_doc.c), its attribute
 * helpers (svg_attr.c), shapes (svg_shapes.c) and references (svg_use.c)
 * share. Not public API. */
#ifndef GF_SVG_INT_H
#define GF_SVG_INT_H

#include <libxml/tree.h>

#include "svg_geom.h"

#define SVG_MAX_DEPTH  200
#define SVG_MAX_VISITS (4u * 1000 * 1000) /* elements drawn, <use> included */
#define PX_MM          (25.4 / 96)

typedef struct svg_ctx {
    cg_mat m;
    int stroke; /* 0 unset, 1 colour, 2 none */
    uint32_t rgb;
} svg_ctx;

/* Rules of <style> sheets (svg_css.c): class and type selectors. */
typedef struct svg_rule {
    char sel[64]; /* class name, or element name */
    int is_class;
    char *decl; /* "stroke: red; fill: none" */
} svg_rule;

typedef struct svg_css {
    svg_rule *rules;
    size_t count, cap;
} svg_css;

int svg_css_load(svg_css *css, const xmlNode *root, char *msg, size_t msglen);
/* The last matching rule's value of `prop` for `n` (class rules win over
 * type rules); 0 when found. */
int svg_css_get(const svg_css *css, const xmlNode *n, const char *prop,
                char *buf, size_t buflen);
void svg_css_free(svg_css *css);

typedef struct svg_walk {
    cg_design *d;
    char *msg;
    size_t msglen;
    const xmlNode *root;
    size_t visits;  /* elements visited, capped at SVG_MAX_VISITS */
    size_t lookups; /* nodes scanned resolving <use> */
    const svg_css *css;
} svg_walk;

/* Attributes (svg_attr.c). */
int svg_is_name(const xmlNode *n, const char *name);
/* Copies attribute `name` into buf; 0 when present. */
int svg_get_attr(const xmlNode *n, const char *name, char *buf, size_t buflen);
/* Finds `prop` in a declaration list ("a:b; c:d"); copies its value. */
int svg_style_get(const char *style, const char *prop, char *buf,
                  size_t buflen);
/* A presentation property: style attribute, then sheet, then attribute. */
int svg_get_prop(const xmlNode *n, const char *prop, char *buf, size_t buflen,
                 const svg_css *css);
/* A length attribute in user units (px); `def` when absent. */
int svg_get_len(const xmlNode *n, const char *name, double def, double *out,
                svg_walk *w);
/* Applies an element's transform, stroke and visibility to `c`. */
int svg_element_ctx(const xmlNode *n, svg_ctx *c, int *hidden, svg_walk *w);

/* Shapes (svg_shapes.c). */
int svg_is_shape(const xmlNode *n);
int svg_draw_shape(const xmlNode *n, const svg_ctx *c, svg_walk *w);

/* Elements drawn through others (svg_use.c). */
/* The viewport matrix of a nested <svg> or a <symbol>: x/y from `n`, the
 * size from `size` (the <use> of a symbol), viewBox and aspect from `n`. */
int svg_viewport(const xmlNode *n, const xmlNode *size, cg_mat *m, svg_walk *w);
const xmlNode *svg_use_target(const xmlNode *use, svg_walk *w);

/* The walker (svg_doc.c): one element with its inherited context. */
int svg_visit(const xmlNode *n, svg_ctx ctx, int depth, svg_walk *w);

#endif
