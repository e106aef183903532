/* compile.c - the compile job: settings, operations and inputs.
 *
 * A job is built up input by input (each SVG is parsed and flattened as it
 * is added, each image decoded and dithered, so errors name the file that
 * caused them), then compile_run.c plans and writes it. Defaults are the
 * ones a first cut needs: every stroke a 10 mm/s full-power cut. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_job.h"
#include "gf/grow.h"

#define CJ_MAX_SVG   (64u * 1024 * 1024)
#define CJ_MAX_CELLS (64u * 1024 * 1024) /* dithered cells of one image */

void gf_compile_opts_init(gf_compile_opts *o)
{
    gf_compile_opts z = {0};
    *o = z;
    o->cut = (gf_op){GF_OP_CUT, 10, 100, 1};
    o->engrave = (gf_op){GF_OP_ENGRAVE, 100, 50, 1};
    o->travel_speed = 150;
    o->accel = 2000;
    o->line_spacing = 0.1;
    o->gzip = 1;
}

static int check_opts(const gf_compile_opts *o, char *msg, size_t msglen)
{
    if (!(o->travel_speed >= 1 && o->travel_speed <= CG_MAX_SPEED)) {
        snprintf(msg, msglen, "travel speed %g is outside 1..%g mm/s",
                 o->travel_speed, CG_MAX_SPEED);
        return GF_ERANGE;
    }
    if (!(o->accel >= 0 && o->accel <= 100000)) {
        snprintf(msg, msglen, "acceleration %g is outside 0..100000 mm/s^2",
                 o->accel);
        return GF_ERANGE;
    }
    if (!(o->line_spacing >= CG_STEP / 2 && o->line_spacing <= 10)) {
        snprintf(msg, msglen, "line spacing %g is outside %g..10 mm",
                 o->line_spacing, CG_STEP);
        return GF_ERANGE;
    }
    if (!(o->origin_x >= 0 && o->origin_x <= GF_BED_W_MM && o->origin_y >= 0 &&
          o->origin_y <= GF_BED_H_MM)) {
        snprintf(msg, msglen,
                 "origin %g,%g is outside the %gx%g mm work "
                 "area",
                 o->origin_x, o->origin_y, GF_BED_W_MM, GF_BED_H_MM);
        return GF_ERANGE;
    }
    int rc = co_check(&o->cut, msg, msglen);
    return rc ? rc : co_check(&o->engrave, msg, msglen);
}

int gf_job_new(gf_job **out, const gf_compile_opts *opts, char *msg,
               size_t msglen)
{
    *out = NULL;
    gf_job *j = calloc(1, sizeof *j);
    if (!j)
        return GF_ENOMEM;
    if (opts)
        j->o = *opts;
    else
        gf_compile_opts_init(&j->o);
    int rc = check_opts(&j->o, msg, msglen);
    if (rc != GF_OK) {
        free(j);
        return rc;
    }
    j->pitch = (unsigned)lround(j->o.line_spacing / CG_STEP);
    if (j->pitch < 1)
        j->pitch = 1;
    *out = j;
    return GF_OK;
}

void gf_job_free(gf_job *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->nimg; i++)
        ra_bitmap_free(&j->img[i].bm);
    free(j->img);
    co_free(&j->ops);
    cg_design_free(&j->d);
    free(j);
}

int gf_job_load_ops(gf_job *j, const char *path, char *msg, size_t msglen)
{
    return co_parse_file(&j->ops, path, msg, msglen);
}

int gf_job_set_op(gf_job *j, uint32_t rgb, const gf_op *op)
{
    char msg[200];
    int rc = co_check(op, msg, sizeof msg);
    return rc ? rc : co_set(&j->ops, rgb, op);
}

int gf_job_add_svg_mem(gf_job *j, const void *buf, size_t len, char *msg,
                       size_t msglen)
{
    if (len > CJ_MAX_SVG) {
        snprintf(msg, msglen, "design is larger than %u MiB", CJ_MAX_SVG >> 20);
        return GF_ETOOBIG;
    }
    return svg_load_mem(&j->d, buf, len, msg, msglen);
}

/* Reads a whole file of at most `cap` bytes. */
static int slurp(const char *path, size_t cap, char **out, size_t *len,
                 char *msg, size_t msglen)
{
    int rc = GF_EIO;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        goto fail;
    if (fseek(f, 0, SEEK_END) != 0)
        goto fail;
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    if ((unsigned long)size > cap) {
        snprintf(msg, msglen, "%s: larger than %zu MiB", path, cap >> 20);
        fclose(f);
        return GF_ETOOBIG;
    }
    buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto fail;
    fclose(f);
    *out = buf;
    *len = (size_t)size;
    return GF_OK;
fail:
    snprintf(msg, msglen, "%s: %s", path, strerror(errno ? errno : EIO));
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

int gf_job_add_svg_file(gf_job *j, const char *path, char *msg, size_t msglen)
{
    char *buf, sub[400];
    size_t len;
    int rc = slurp(path, CJ_MAX_SVG, &buf, &len, msg, msglen);
    if (rc != GF_OK)
        return rc;
    rc = svg_load_mem(&j->d, buf, len, sub, sizeof sub);
    if (rc != GF_OK)
        snprintf(msg, msglen, "%s: %s", path, sub);
    free(buf);
    return rc;
}

/* Size in mm from the request, the image's resolution or 96 dpi. */
static void image_size(const ra_gray *g, double *w, double *h)
{
    double dx = g->dpi_x > 0 ? g->dpi_x : 96, dy = g->dpi_y > 0 ? g->dpi_y : dx;
    double aspect = (double)g->h / g->w * (dx / dy);
    if (*w <= 0 && *h <= 0)
        *w = g->w * 25.4 / dx;
    if (*w <= 0)
        *w = *h / aspect;
    if (*h <= 0)
        *h = *w * aspect;
}

static int push_image(gf_job *j, const cj_image *im)
{
    if (j->nimg == j->imgcap) {
        int rc = gf_grow(&j->img, &j->imgcap, sizeof *j->img, 4, SIZE_MAX);
        if (rc != GF_OK)
            return rc;
    }
    j->img[j->nimg++] = *im;
    return GF_OK;
}

/* Sizes, dithers and keeps a decoded image; frees `g`. */
static int place_image(gf_job *j, ra_gray *g, const char *path, double x,
                       double y, double w, double h, char *msg, size_t msglen)
{
    cj_image im = {{0, 0, NULL}, x, y};
    int rc;
    image_size(g, &w, &h);
    double cell = j->pitch * CG_STEP;
    double cols = floor(w / cell + 0.5), rows = floor(h / cell + 0.5);
    if (!(w <= GF_BED_W_MM && h <= GF_BED_H_MM && isfinite(x) && isfinite(y))) {
        snprintf(msg, msglen,
                 "%s: placed size %gx%g mm does not fit the %gx%g mm work "
                 "area",
                 path, w, h, GF_BED_W_MM, GF_BED_H_MM);
        rc = GF_ERANGE;
    } else if (!(cols >= 1 && rows >= 1)) {
        snprintf(msg, msglen,
                 "%s: placed size %gx%g mm is smaller than one line "
                 "(%g mm)",
                 path, w, h, cell);
        rc = GF_ERANGE;
    } else if (cols * rows > CJ_MAX_CELLS) {
        snprintf(msg, msglen,
                 "%s: %gx%g mm at %g mm line spacing is %.0f cells; the "
                 "limit is %u (use a larger line spacing)",
                 path, w, h, cell, cols * rows, CJ_MAX_CELLS);
        rc = GF_ETOOBIG;
    } else {
        rc = ra_dither(g, (unsigned)cols, (unsigned)rows, &im.bm);
        if (rc == GF_OK && (rc = push_image(j, &im)) != GF_OK)
            ra_bitmap_free(&im.bm);
    }
    ra_gray_free(g);
    return rc;
}

int gf_job_add_image_file(gf_job *j, const char *path, double x, double y,
                          double w, double h, char *msg, size_t msglen)
{
    ra_gray g;
    int rc = ra_load_file(&g, path, msg, msglen);
    return rc ? rc : place_image(j, &g, path, x, y, w, h, msg, msglen);
}

int gf_job_add_image_mem(gf_job *j, const void *buf, size_t len, double x,
                         double y, double w, double h, char *msg, size_t msglen)
{
    ra_gray g;
    int rc = ra_load_mem(&g, buf, len, "image", msg, msglen);
    return rc ? rc : place_image(j, &g, "image", x, y, w, h, msg, msglen);
}
