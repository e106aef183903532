/* locate_image.c - lid-camera pictures as the locator's grey pyramids.
 *
 * A JPEG is decoded straight to grey at a quarter of its size: libjpeg
 * scales in the DCT domain and skips the colour planes, so a 2592 × 1944
 * frame costs a fraction of a full decode, and a quarter-size pixel (about
 * 0.2 mm of head travel on a Glowforge's lid camera) located to a tenth of
 * a pixel is far finer than homing needs. libjpeg's errors longjmp back
 * here and become GF_EJPEG; its warnings are silenced (a damaged picture
 * that still decodes is judged by the match, not by the decoder). */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after stdio.h: jpeglib.h uses FILE and size_t without including them */
#include <jpeglib.h>

#include "gf/error.h"
#include "locate_int.h"

int gf_loc_plane_alloc(loc_plane *p, int w, int h)
{
    p->w = w;
    p->h = h;
    p->px = malloc((size_t)w * (size_t)h * sizeof(float));
    return p->px ? GF_OK : GF_ENOMEM;
}

void gf_loc_plane_free(loc_plane *p)
{
    free(p->px);
    p->px = NULL;
    p->w = p->h = 0;
}

static gf_locate_image *loc_image_new(int full_w, int full_h)
{
    gf_locate_image *img = calloc(1, sizeof(*img));
    if (!img)
        return NULL;
    img->full_w = full_w;
    img->full_h = full_h;
    if (gf_loc_plane_alloc(&img->lv[0], full_w / LOC_SHRINK,
                           full_h / LOC_SHRINK) != GF_OK) {
        free(img);
        return NULL;
    }
    return img;
}

void gf_locate_image_free(gf_locate_image *img)
{
    if (!img)
        return;
    for (int i = 0; i < LOC_LEVELS; i++)
        gf_loc_plane_free(&img->lv[i]);
    free(img);
}

void gf_locate_image_size(const gf_locate_image *img, int *w, int *h)
{
    *w = img->full_w;
    *h = img->full_h;
}

void gf_loc_halve(const loc_plane *a, loc_plane *b)
{
    for (int y = 0; y < b->h; y++) {
        const float *r0 = a->px + (size_t)(2 * y) * (size_t)a->w;
        const float *r1 = r0 + a->w;
        float *o = b->px + (size_t)y * (size_t)b->w;
        for (int x = 0; x < b->w; x++)
            o[x] =
                0.25f * (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1]);
    }
}

int gf_loc_pyramid(gf_locate_image *img)
{
    for (int i = 1; i < LOC_LEVELS; i++) {
        const loc_plane *a = &img->lv[i - 1];
        if (gf_loc_plane_alloc(&img->lv[i], a->w / 2, a->h / 2) != GF_OK)
            return GF_ENOMEM;
        gf_loc_halve(a, &img->lv[i]);
    }
    gf_loc_stats(&img->lv[LOC_LEVELS - 1], &img->mean, &img->sd);
    return GF_OK;
}

void gf_loc_stats(const loc_plane *p, double *mean, double *sd)
{
    double s = 0, s2 = 0;
    size_t n = (size_t)p->w * (size_t)p->h;
    for (size_t i = 0; i < n; i++) {
        s += p->px[i];
        s2 += (double)p->px[i] * p->px[i];
    }
    *mean = n ? s / (double)n : 0;
    double var = n ? s2 / (double)n - *mean * *mean : 0;
    *sd = var > 0 ? sqrt(var) : 0;
}

int gf_loc_crop(const loc_plane *src, int x, int y, int w, int h,
                loc_plane *out)
{
    if (gf_loc_plane_alloc(out, w, h) != GF_OK)
        return GF_ENOMEM;
    for (int r = 0; r < h; r++)
        memcpy(out->px + (size_t)r * (size_t)w,
               src->px + (size_t)(y + r) * (size_t)src->w + x,
               (size_t)w * sizeof(float));
    return GF_OK;
}

loc_rect gf_loc_template_rect(int w0, int h0)
{
    /* The middle third each way: the head's logo when the head sits
     * under the camera, with room to find it up to a third of the
     * picture away. Aligned so every pyramid level cuts it exactly. */
    const int a = 1 << (LOC_LEVELS - 1);
    loc_rect r;
    r.w = (w0 / 3) / a * a;
    r.h = (h0 / 3) / a * a;
    r.x = ((w0 - r.w) / 2) / a * a;
    r.y = ((h0 - r.h) / 2) / a * a;
    return r;
}

static int loc_size_ok(long w, long h)
{
    return w >= LOC_MIN_SIDE && h >= LOC_MIN_SIDE && w <= LOC_MAX_SIDE &&
           h <= LOC_MAX_SIDE;
}

int gf_locate_image_grey(const uint8_t *grey, int w, int h, size_t stride,
                         gf_locate_image **out)
{
    *out = NULL;
    if (!grey || stride < (size_t)w)
        return GF_EINVAL;
    if (!loc_size_ok(w, h))
        return GF_ERANGE;
    gf_locate_image *img = loc_image_new(w, h);
    if (!img)
        return GF_ENOMEM;
    loc_plane *p = &img->lv[0];
    for (int y = 0; y < p->h; y++) {
        float *o = p->px + (size_t)y * (size_t)p->w;
        for (int x = 0; x < p->w; x++) {
            unsigned s = 0;
            for (int j = 0; j < LOC_SHRINK; j++) {
                const uint8_t *r = grey +
                                   (size_t)(y * LOC_SHRINK + j) * stride +
                                   (size_t)x * LOC_SHRINK;
                for (int i = 0; i < LOC_SHRINK; i++)
                    s += r[i];
            }
            o[x] = (float)s / (LOC_SHRINK * LOC_SHRINK);
        }
    }
    if (gf_loc_pyramid(img) != GF_OK) {
        gf_locate_image_free(img);
        return GF_ENOMEM;
    }
    *out = img;
    return GF_OK;
}

typedef struct loc_jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jmp;
} loc_jerr;

static void loc_jpeg_fail(j_common_ptr c)
{
    longjmp(((loc_jerr *)c->err)->jmp, 1);
}

static void loc_jpeg_quiet(j_common_ptr c, int level)
{
    (void)c;
    (void)level;
}

/* What a decode owns, on the heap so that it is well defined after a
 * longjmp out of libjpeg (automatic variables changed after setjmp are
 * not); the caller frees it on every path. */
typedef struct loc_dec {
    gf_locate_image *img;
    uint8_t *row;
} loc_dec;

static int loc_jpeg_decode(struct jpeg_decompress_struct *c, loc_dec *d)
{
    if (jpeg_read_header(c, TRUE) != JPEG_HEADER_OK)
        return GF_EJPEG;
    if (!loc_size_ok((long)c->image_width, (long)c->image_height))
        return GF_ERANGE;
    c->out_color_space = JCS_GRAYSCALE;
    c->scale_num = 1;
    c->scale_denom = LOC_SHRINK;
    c->dct_method = JDCT_ISLOW;
    jpeg_start_decompress(c);
    if (!(d->img = loc_image_new((int)c->image_width, (int)c->image_height)) ||
        !(d->row = malloc(c->output_width)))
        return GF_ENOMEM;
    loc_plane *p = &d->img->lv[0];
    if ((int)c->output_width < p->w || (int)c->output_height < p->h)
        return GF_EJPEG;
    while (c->output_scanline < c->output_height) {
        int y = (int)c->output_scanline;
        jpeg_read_scanlines(c, &d->row, 1);
        if (y >= p->h)
            continue;
        float *o = p->px + (size_t)y * (size_t)p->w;
        for (int x = 0; x < p->w; x++)
            o[x] = d->row[x];
    }
    jpeg_finish_decompress(c);
    return gf_loc_pyramid(d->img);
}

int gf_locate_image_jpeg(const uint8_t *jpeg, size_t len, gf_locate_image **out)
{
    struct jpeg_decompress_struct c;
    loc_jerr err;
    volatile int rc = GF_EJPEG;
    *out = NULL;
    if (!jpeg || len == 0)
        return GF_EINVAL;
    if (len > (size_t)1 << 30)
        return GF_ETOOBIG;
    loc_dec *d = calloc(1, sizeof(*d));
    if (!d)
        return GF_ENOMEM;
    c.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = loc_jpeg_fail;
    err.mgr.emit_message = loc_jpeg_quiet;
    jpeg_create_decompress(&c);
    if (setjmp(err.jmp) == 0) {
        jpeg_mem_src(&c, jpeg, (unsigned long)len);
        rc = loc_jpeg_decode(&c, d);
    } else {
        rc = GF_EJPEG;
    }
    jpeg_destroy_decompress(&c);
    if (rc == GF_OK) {
        *out = d->img;
        d->img = NULL;
    }
    gf_locate_image_free(d->img);
    free(d->row);
    free(d);
    return rc;
}
