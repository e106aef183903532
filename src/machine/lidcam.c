/* lidcam.c - the emulated lid camera (lidcam.h has the camera model).
 *
 * Composing a frame is cheap on purpose, so that every lid_image shows
 * the head where it really is without slowing the emulator: the bare-bed
 * picture is copied, the head's outline in the head picture (a rounded
 * rectangle, one span per row) is copied onto it row by row, shifted by
 * the whole pixels between where the true and the reference positions
 * project, and one pass applies the frame's brightness and noise through
 * a lookup table. The head keeps the reference picture's look wherever it
 * is (only its place follows the lens model), which is what the lens does
 * to a small move near the centre, where homing looks. Decoding the two
 * pictures happens once, when the camera opens. */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* after stdio.h: jpeglib.h uses FILE and size_t without including them */
#include <jpeglib.h>

#include "lidcam.h"

#define LC_MAX_FILE (32L * 1024 * 1024)
#define LC_MAX_SIDE 8192

/* The head's top in HOME_1.jpg, in its pixels: |dx/a|^4 + |dy/b|^4 <= 1. */
#define LC_HEAD_CX 1330.0
#define LC_HEAD_CY 1115.0
#define LC_HEAD_A  1220.0
#define LC_HEAD_B  760.0

struct lidcam {
    int w, h;
    lidcam_opts o;
    uint8_t *bed, *head;           /* RGB, w * h * 3 */
    uint8_t *bed_grey, *head_grey; /* made on the first lidcam_grey */
    int *span0, *span1;            /* head outline per row: [x0, x1) */
};

void lidcam_opts_default(lidcam_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->model = (lidcam_model){.focal_px = 1400,
                              .height_mm = 64,
                              .k1 = -0.12,
                              .k2 = 0.01,
                              .cx = 1296,
                              .cy = 972,
                              .axis_x = 241.5,
                              .axis_y = 132.0,
                              .ref_x = 242.6,
                              .ref_y = 138.8};
    o->noise = 6;
    o->flicker = 0.08;
    o->dark = 1;
}

void lidcam_project(const lidcam_model *m, double x_mm, double y_mm, double *u,
                    double *v)
{
    double x = (x_mm - m->axis_x) / m->height_mm;
    double y = (y_mm - m->axis_y) / m->height_mm;
    double r2 = x * x + y * y;
    double d = 1 + m->k1 * r2 + m->k2 * r2 * r2;
    *u = m->cx + m->focal_px * d * x;
    *v = m->cy + m->focal_px * d * y;
}

typedef struct lc_jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jmp;
} lc_jerr;

static void lc_fail(j_common_ptr c)
{
    longjmp(((lc_jerr *)c->err)->jmp, 1);
}

static uint8_t *lc_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long size;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 &&
        size <= LC_MAX_FILE && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size)) &&
        fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        *len = (size_t)size;
    fclose(f);
    return buf;
}

/* Decode to RGB into a heap holder (safe across libjpeg's longjmp). */
typedef struct lc_dec {
    uint8_t *rgb;
    int w, h;
} lc_dec;

static int lc_decode(const uint8_t *buf, size_t len, lc_dec *d)
{
    struct jpeg_decompress_struct c;
    lc_jerr err;
    volatile int rc = -1;
    c.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = lc_fail;
    jpeg_create_decompress(&c);
    if (setjmp(err.jmp) == 0) {
        jpeg_mem_src(&c, buf, (unsigned long)len);
        jpeg_read_header(&c, TRUE);
        c.out_color_space = JCS_RGB;
        jpeg_start_decompress(&c);
        if (c.output_width <= LC_MAX_SIDE && c.output_height <= LC_MAX_SIDE &&
            c.output_components == 3) {
            d->w = (int)c.output_width;
            d->h = (int)c.output_height;
            d->rgb = malloc((size_t)d->w * (size_t)d->h * 3);
        }
        while (d->rgb && c.output_scanline < c.output_height) {
            uint8_t *row =
                d->rgb + (size_t)c.output_scanline * (size_t)d->w * 3;
            jpeg_read_scanlines(&c, &row, 1);
        }
        if (d->rgb) {
            jpeg_finish_decompress(&c);
            rc = 0;
        }
    }
    jpeg_destroy_decompress(&c);
    return rc;
}

static int lc_load(const char *path, lc_dec *d, char *err, size_t errlen)
{
    size_t len = 0;
    uint8_t *buf = lc_read_file(path, &len);
    int rc = buf ? lc_decode(buf, len, d) : -1;
    free(buf);
    if (rc != 0)
        snprintf(err, errlen, "cannot read the picture %s", path);
    return rc;
}

static int lc_spans(lidcam *c)
{
    c->span0 = calloc((size_t)c->h, sizeof(int));
    c->span1 = calloc((size_t)c->h, sizeof(int));
    if (!c->span0 || !c->span1)
        return -1;
    for (int y = 0; y < c->h; y++) {
        double t = fabs((y + 0.5 - LC_HEAD_CY) / LC_HEAD_B);
        if (t >= 1)
            continue;
        double half = LC_HEAD_A * pow(1 - pow(t, 4), 0.25);
        int x0 = (int)lround(LC_HEAD_CX - half),
            x1 = (int)lround(LC_HEAD_CX + half);
        c->span0[y] = x0 < 0 ? 0 : x0;
        c->span1[y] = x1 > c->w ? c->w : x1;
    }
    return 0;
}

int lidcam_open(lidcam **out, const char *bed_jpeg, const char *head_jpeg,
                const lidcam_opts *o, char *err, size_t errlen)
{
    lc_dec bed = {0}, head = {0};
    lidcam *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->o = *o;
    if (lc_load(bed_jpeg, &bed, err, errlen) != 0 ||
        lc_load(head_jpeg, &head, err, errlen) != 0)
        goto fail;
    c->bed = bed.rgb;
    c->head = head.rgb;
    bed.rgb = head.rgb = NULL;
    c->w = bed.w;
    c->h = bed.h;
    if (head.w != bed.w || head.h != bed.h) {
        snprintf(err, errlen, "%s and %s differ in size", bed_jpeg, head_jpeg);
        goto fail;
    }
    if (lc_spans(c) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    *out = c;
    return 0;
fail:
    free(bed.rgb);
    free(head.rgb);
    lidcam_free(c);
    return -1;
}

void lidcam_size(const lidcam *c, int *w, int *h)
{
    *w = c->w;
    *h = c->h;
}

void lidcam_free(lidcam *c)
{
    if (!c)
        return;
    free(c->bed);
    free(c->head);
    free(c->bed_grey);
    free(c->head_grey);
    free(c->span0);
    free(c->span1);
    free(c);
}

static uint64_t lc_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Paste the head's rows, shifted by (du, dv) whole pixels. */
static void lc_paste(const lidcam *c, const uint8_t *head, int ch, int du,
                     int dv, uint8_t *out)
{
    for (int v = 0; v < c->h; v++) {
        int sy = v - dv;
        if (sy < 0 || sy >= c->h || c->span1[sy] <= c->span0[sy])
            continue;
        int x0 = c->span0[sy] + du, x1 = c->span1[sy] + du;
        x0 = x0 < 0 ? 0 : x0;
        x1 = x1 > c->w ? c->w : x1;
        if (x1 <= x0)
            continue;
        size_t row = (size_t)c->w * (size_t)ch;
        memcpy(out + (size_t)v * row + (size_t)x0 * (size_t)ch,
               head + (size_t)sy * row + (size_t)(x0 - du) * (size_t)ch,
               (size_t)(x1 - x0) * (size_t)ch);
    }
}

/* Brightness through a table, then triangular noise of ± o.noise. */
static void lc_light(const lidcam *c, uint32_t frame, uint8_t *px, size_t n)
{
    uint64_t s = lc_mix(frame + 1);
    double u = (double)(s >> 11) / 9007199254740992.0 * 2 - 1;
    double gain = c->o.dark * (1 + c->o.flicker * u);
    int lut[256];
    for (int i = 0; i < 256; i++)
        lut[i] = (int)lround(i * gain);
    int amp = (int)lround(c->o.noise * 256);
    for (size_t i = 0; i < n; i += 4) {
        uint64_t r = s = lc_mix(s);
        for (size_t k = i; k < n && k < i + 4; k++, r >>= 16) {
            int t = (int)(r & 0xff) + (int)((r >> 8) & 0xff) - 255;
            int v = lut[px[k]] + (t * amp) / (255 * 256);
            px[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

static void lc_compose(const lidcam *c, const uint8_t *bed, const uint8_t *head,
                       int ch, double x_mm, double y_mm, uint32_t frame,
                       uint8_t *out)
{
    size_t n = (size_t)c->w * (size_t)c->h * (size_t)ch;
    memcpy(out, bed, n);
    if (!c->o.hide_head) {
        double u, v, u0, v0;
        lidcam_project(&c->o.model, x_mm, y_mm, &u, &v);
        lidcam_project(&c->o.model, c->o.model.ref_x, c->o.model.ref_y, &u0,
                       &v0);
        double du = u - u0, dv = v - v0;
        /* Far off the picture: nothing of the head shows. */
        if (fabs(du) < c->w && fabs(dv) < c->h)
            lc_paste(c, head, ch, (int)lround(du), (int)lround(dv), out);
    }
    lc_light(c, frame, out, n);
}

static uint8_t *lc_to_grey(const uint8_t *rgb, size_t n)
{
    uint8_t *g = malloc(n);
    if (!g)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = rgb + 3 * i;
        g[i] = (uint8_t)((77 * p[0] + 150 * p[1] + 29 * p[2] + 128) >> 8);
    }
    return g;
}

int lidcam_grey(lidcam *c, double x_mm, double y_mm, uint32_t frame,
                uint8_t *out)
{
    /* The grey copies of the two pictures are made once, on first use. */
    size_t n = (size_t)c->w * (size_t)c->h;
    if (!c->bed_grey && !(c->bed_grey = lc_to_grey(c->bed, n)))
        return -1;
    if (!c->head_grey && !(c->head_grey = lc_to_grey(c->head, n)))
        return -1;
    lc_compose(c, c->bed_grey, c->head_grey, 1, x_mm, y_mm, frame, out);
    return 0;
}

static int lc_encode(const lidcam *c, const uint8_t *rgb, uint8_t **jpeg,
                     size_t *len)
{
    struct jpeg_compress_struct j;
    lc_jerr err;
    unsigned char *volatile buf = NULL;
    unsigned long size = 0;
    volatile int rc = -1;
    j.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = lc_fail;
    jpeg_create_compress(&j);
    if (setjmp(err.jmp) == 0) {
        jpeg_mem_dest(&j, (unsigned char **)&buf, &size);
        j.image_width = (JDIMENSION)c->w;
        j.image_height = (JDIMENSION)c->h;
        j.input_components = 3;
        j.in_color_space = JCS_RGB;
        jpeg_set_defaults(&j);
        jpeg_set_quality(&j, 90, TRUE);
        jpeg_start_compress(&j, TRUE);
        while (j.next_scanline < j.image_height) {
            JSAMPROW row =
                (JSAMPROW)(rgb + (size_t)j.next_scanline * (size_t)c->w * 3);
            jpeg_write_scanlines(&j, &row, 1);
        }
        jpeg_finish_compress(&j);
        rc = 0;
    }
    jpeg_destroy_compress(&j);
    if (rc == 0) {
        *jpeg = buf;
        *len = size;
    } else {
        free(buf);
    }
    return rc;
}

int lidcam_jpeg(const lidcam *c, double x_mm, double y_mm, uint32_t frame,
                uint8_t **jpeg, size_t *len)
{
    uint8_t *rgb = malloc((size_t)c->w * (size_t)c->h * 3);
    if (!rgb)
        return -1;
    lc_compose(c, c->bed, c->head, 3, x_mm, y_mm, frame, rgb);
    int rc = lc_encode(c, rgb, jpeg, len);
    free(rgb);
    return rc;
}
