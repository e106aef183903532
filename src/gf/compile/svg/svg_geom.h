/* svg_geom.h - the geometry and text grammars under the SVG walker, shared
 * by the svg_*.c files (and their unit tests): matrices (svg_xform.c), the
 * polyline builder that flattens curves (svg_flatten.c), and the number,
 * length, path and transform grammars (svg_path.c, svg_xform.c,
 * svg_units.c). Not public API, and not for the rest of the compiler
 * (svg.h is). */
#ifndef GF_SVG_GEOM_H
#define GF_SVG_GEOM_H

#include <stddef.h>
#include <stdint.h>

#include "gf/puls.h"
#include "svg.h"

#define CG_TOL              (GF_PULS_MM_PER_STEP_XY / 2) /* chord tolerance, mm */
#define CG_MAX_POINTS       (8u * 1000 * 1000) /* design complexity cap, 128 MB */
#define CG_MAX_CURVE_PIECES 100000

/* x' = a x + c y + e; y' = b x + d y + f (SVG's matrix order). */
typedef struct cg_mat {
    double a, b, c, d, e, f;
} cg_mat;

cg_mat cg_mat_identity(void);
cg_mat cg_mat_mul(cg_mat m, cg_mat n); /* m * n: n applies first */
cg_pt cg_mat_apply(cg_mat m, cg_pt p);
double cg_mat_scale(cg_mat m); /* largest stretch of the linear part */

/* Builds polylines from path commands given in user units; `m` maps them to
 * mm. Curves are flattened to CG_TOL in mm. */
typedef struct cg_builder {
    cg_design *d;
    cg_mat m;
    uint32_t rgb;
    int open;    /* a polyline is being built */
    int err;     /* first error (GF_ENOMEM, GF_ETOOBIG) */
    cg_pt start; /* subpath start, user units */
    cg_pt cur;   /* current point, user units */
} cg_builder;

void cgb_init(cg_builder *b, cg_design *d, cg_mat m, uint32_t rgb);
void cgb_move(cg_builder *b, cg_pt p);
void cgb_line(cg_builder *b, cg_pt p);
void cgb_quad(cg_builder *b, cg_pt c, cg_pt p);
void cgb_cubic(cg_builder *b, cg_pt c1, cg_pt c2, cg_pt p);
void cgb_arc(cg_builder *b, double rx, double ry, double rot_deg, int large,
             int sweep, cg_pt p);
void cgb_close(cg_builder *b);
int cgb_finish(cg_builder *b); /* ends the open polyline; returns b->err */

/* ---- text grammars (svg_path.c, svg_xform.c, svg_units.c,
 * svg_color.c) ---- */

/* Scans one number at s (sign, digits, fraction, exponent; no inf/nan/hex).
 * Returns the characters used, 0 when there is no number. */
size_t svg_scan_number(const char *s, double *out);
/* Skips whitespace and at most one comma. */
const char *svg_skip_sep(const char *s);
int svg_path_parse(cg_builder *b, const char *d, char *msg, size_t msglen);
int svg_xform_parse(const char *s, cg_mat *out, char *msg, size_t msglen);
/* A length with an optional unit (mm cm in px pt pc; none = px at 96/in),
 * in mm. An unknown unit or a percentage is an error naming it. */
int svg_length_mm(const char *s, double *mm, char *msg, size_t msglen);
/* A plain number list ("0 0 100 50", commas allowed); returns the count. */
int svg_numbers(const char *s, double *out, int max);

#endif
