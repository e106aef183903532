/* fuzz_image.c - libFuzzer target for the raster inputs of the design
 * compiler (gf_job_add_image_mem, src/gf/compile/raster/): operators upload PNG
 * and JPEG images, so no byte string may crash, hang or leak the decoders
 * (libpng, libjpeg behind our error handling), the declared-size cap, the
 * resolution-based sizing or the dither.
 *
 * Each input is placed twice in one job: at the image's own resolution
 * (whatever dpi the file claims) and 20 mm wide with its aspect kept, at a
 * place picked by the input's length so that the fuzzer also reaches the
 * work area's edges (where the engrave overscan may not fit).
 * Invariants:
 *  - a refused image always says why;
 *  - a job whose engrave is small (a budget on the dithered bitmaps, read
 *    from the job's internals in compile_job.h) is planned and written,
 *    and either says why it refused or makes a pulse file the machine side
 *    accepts and that matches the compiler's figures
 *    (fuzz_compile_write.c). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compile_job.h"
#include "fuzz_compile_write.h"
#include "gf/compile.h"

#define FZ_MAX_CELLS 40000u /* dithered cells planned, all images */
#define FZ_MAX_ROWS  400u   /* engrave sweeps, all images */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fast settings: coarse lines, top speed, hard acceleration (short
 * overscan), so a small engrave plans in few ticks. */
static void fuzz_opts(gf_compile_opts *o)
{
    gf_compile_opts_init(o);
    o->engrave.speed = CG_MAX_SPEED;
    o->travel_speed = CG_MAX_SPEED;
    o->accel = 100000;
    o->line_spacing = 0.5;
    o->gzip = 0;
}

static int small_enough(const gf_job *j)
{
    uint64_t cells = 0, rows = 0;
    for (size_t i = 0; i < j->nimg; i++) {
        cells += (uint64_t)j->img[i].bm.cols * j->img[i].bm.rows;
        rows += j->img[i].bm.rows;
    }
    return cells <= FZ_MAX_CELLS && rows <= FZ_MAX_ROWS;
}

/* Adds the image; 1 when it was kept. */
static int add(gf_job *j, const uint8_t *data, size_t size, double x, double y,
               double w)
{
    char msg[512] = "";
    int rc = gf_job_add_image_mem(j, data, size, x, y, w, 0, msg, sizeof msg);
    if (rc != GF_OK && (rc > 0 || !msg[0]))
        abort(); /* a refused image must say why */
    return rc == GF_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gf_compile_opts o;
    gf_job *j = NULL;
    char msg[512] = "";
    fuzz_opts(&o);
    if (gf_job_new(&j, &o, msg, sizeof msg) != GF_OK)
        abort();
    int kept = add(j, data, size, 10, 10, 0);
    kept += add(j, data, size, (double)(size % 4800) / 10,
                (double)(size / 7 % 2800) / 10, 20);
    if (kept && small_enough(j))
        fzw_check(j);
    gf_job_free(j);
    return 0;
}
