/* compile_int.h - what the compile*.c files of the design compiler
 * (gf_compile) share: the parts they drive and the operations table (not
 * public API).
 *
 * The pipeline: svg/ parses a design into polylines in mm (cg_design);
 * raster/ loads and dithers images and plans engrave sweeps; compile*.c tie
 * inputs to operations (co_*, compile_ops.c) and order them; plan/ turns
 * polylines into ticks through the emitter. */
#ifndef GF_COMPILE_INT_H
#define GF_COMPILE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gf/compile.h"
#include "gf/puls.h"
#include "plan/plan.h"
#include "raster/raster.h"
#include "svg/svg.h"

#define CG_MIN_SPEED 0.1

/* ---- operations (compile_ops.c) ---- */

typedef struct co_rule {
    uint32_t rgb;
    gf_op op;
} co_rule;

typedef struct co_table {
    co_rule *rules;
    size_t count, cap;
    int have_star, have_image;
    gf_op star, image;
} co_table;

int co_parse_file(co_table *t, const char *path, char *msg, size_t msglen);
int co_set(co_table *t, uint32_t rgb, const gf_op *op);
gf_op co_lookup(const co_table *t, uint32_t rgb, const gf_op *fallback);
void co_free(co_table *t);
int co_check(const gf_op *op, char *msg, size_t msglen);

#endif
