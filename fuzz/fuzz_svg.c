/* fuzz_svg.c - libFuzzer target for the SVG design compiler (compile.h,
 * src/gf/compile/svg/): operators upload designs to the service, so no byte
 * string may crash, hang or leak the XML walk, the path, transform, unit,
 * colour and CSS grammars, or the curve flattener.
 *
 * Beyond "does not crash", each input checks invariants:
 *  - a refused design always says why;
 *  - an accepted design whose cutting is short (a budget measured on the
 *    flattened polylines, so one input stays well under the timeout) is
 *    planned and written (blue strokes scored, the rest cut; the input's
 *    length picks design order or the nearest-next order): that either
 *    says why it refused or makes a pulse file the machine side accepts
 *    and that matches the compiler's figures (fuzz_compile_write.c).
 * The planner sees whatever coordinates the parser produced (huge, tiny,
 * not finite), which is exactly what an upload can make it see.
 *
 * The budget reads the job's internals (compile_job.h): the fuzz target is
 * built from the compiler's sources, and the public API has no way to ask
 * how long a design is before planning it. */
#include <libxml/parser.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile_job.h"
#include "fuzz_compile_write.h"
#include "gf/compile.h"

#define FZ_MAX_POLYS  200    /* each one adds a travel and a sort entry */
#define FZ_MAX_POINTS 20000  /* planned points */
#define FZ_MAX_CUT_MM 4000.0 /* at 200 mm/s: 20 s of motion, 200 k ticks */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libxml2 prints some errors (bad encodings) despite XML_PARSE_NOERROR;
 * the compiler reports them through its own message, so keep logs clean. */
static void fuzz_xml_quiet(void *ctx, const char *fmt, ...)
{
    (void)ctx;
    (void)fmt;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    xmlInitParser(); /* once, not racing the first document */
    xmlSetGenericErrorFunc(NULL, fuzz_xml_quiet);
    return 0;
}

/* Blue strokes are scored: scores are ordered apart from cuts. */
static const gf_op score = {GF_OP_SCORE, CG_MAX_SPEED, 20, 1};

/* Fast settings so a short design plans in few ticks. */
static void fuzz_opts(gf_compile_opts *o)
{
    gf_compile_opts_init(o);
    o->cut.speed = CG_MAX_SPEED;
    o->travel_speed = CG_MAX_SPEED;
    o->accel = 100000;
    o->gzip = 0;
}

/* Laser path length of the design in mm; HUGE_VAL when not finite. */
static double cut_length(const cg_design *d)
{
    double len = 0;
    for (size_t i = 0; i < d->npolys; i++) {
        const cg_pt *p = d->pts + d->polys[i].first;
        for (size_t k = 1; k < d->polys[i].count; k++)
            len += hypot(p[k].x - p[k - 1].x, p[k].y - p[k - 1].y);
    }
    return isfinite(len) ? len : HUGE_VAL;
}

static int small_enough(const gf_job *j)
{
    return j->d.npolys <= FZ_MAX_POLYS && j->d.npts <= FZ_MAX_POINTS &&
           cut_length(&j->d) <= FZ_MAX_CUT_MM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gf_compile_opts o;
    gf_job *j = NULL;
    char msg[512] = "";
    fuzz_opts(&o);
    o.keep_order = (int)(size & 1); /* both orderings, input-determined */
    if (gf_job_new(&j, &o, msg, sizeof msg) != GF_OK ||
        gf_job_set_op(j, 0x0000ff, &score) != GF_OK)
        abort();
    int rc = gf_job_add_svg_mem(j, data, size, msg, sizeof msg);
    if (rc != GF_OK) {
        if (rc > 0 || !msg[0])
            abort(); /* a refused design must say why */
    } else if (small_enough(j)) {
        fzw_check(j);
    }
    gf_job_free(j);
    return 0;
}
