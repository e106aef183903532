/* svg.h - SVG designs as the rest of the design compiler sees them (gf_svg):
 * a document becomes polylines in mm from the design origin, one colour
 * each. Not public API; compile*.c use it. What the SVG files share among
 * themselves is in svg_geom.h and svg_int.h. */
#ifndef GF_SVG_H
#define GF_SVG_H

#include <stddef.h>
#include <stdint.h>

typedef struct cg_pt {
    double x, y;
} cg_pt;

/* One polyline of a design, in mm from the design origin. */
typedef struct cg_poly {
    size_t first, count;
    uint32_t rgb;
} cg_poly;

typedef struct cg_design {
    cg_pt *pts;
    size_t npts, ptcap;
    cg_poly *polys;
    size_t npolys, polycap;
    size_t skipped; /* shapes without a stroke, hidden ones */
} cg_design;

void cg_design_free(cg_design *d);

/* Parses an SVG document into `d`; on error `msg` says why. */
int svg_load_mem(cg_design *d, const void *buf, size_t len, char *msg,
                 size_t msglen);

/* A colour: #rgb, #rrggbb, rgb(r,g,b), a basic name. 1 = "none". */
int svg_color_parse(const char *s, uint32_t *rgb);

#endif
