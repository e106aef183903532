/* compile_job.h - the job object shared by compile.c (building it) and
 * compile_run.c (planning and writing it). Not public API. */
#ifndef GF_COMPILE_JOB_H
#define GF_COMPILE_JOB_H

#include "compile_int.h"

typedef struct cj_image {
    ra_bitmap bm;
    double x, y; /* top-left, mm from the design origin */
} cj_image;

struct gf_job {
    gf_compile_opts o;
    co_table ops;
    cg_design d;
    cj_image *img;
    size_t nimg, imgcap;
    unsigned pitch; /* engrave line spacing in steps */
};

/* One shape in cutting order (compile_order.c). */
typedef struct cord_step {
    size_t poly;
    int reverse; /* an open path run from its end */
} cord_step;

/* Orders the shapes idx[0..n) of one kind starting from `head` (design mm),
 * which is left at the end of the last one. */
int cord_plan(const cg_design *d, const size_t *idx, size_t n, int keep,
              cg_pt *head, cord_step *out);

#endif
