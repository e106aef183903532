/* raster_load.c - PNG and JPEG images to 8-bit grey, with a size cap.
 *
 * An image's header declares its pixel size; a few hundred bytes can
 * declare gigabytes of pixels. The declared size is checked against
 * RA_MAX_PIXELS and RA_MAX_SIDE *before* any pixel is decoded or any
 * buffer sized from it is allocated. Transparency is composited on white
 * (unburnt material). PNG goes through libpng's simplified API, JPEG
 * through libjpeg with its errors turned into return codes. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* after stdio.h: jpeglib.h uses FILE and size_t without including them */
#include <jpeglib.h>
#include <png.h>

#include "raster.h"

void ra_gray_free(ra_gray *g)
{
    free(g->px);
    g->px = NULL;
    g->w = g->h = 0;
}

static int check_size(uint64_t w, uint64_t h, const char *path, char *msg,
                      size_t msglen)
{
    if (w == 0 || h == 0) {
        snprintf(msg, msglen, "%s: image has no pixels", path);
        return GF_EINVAL;
    }
    if (w > RA_MAX_SIDE || h > RA_MAX_SIDE || w * h > RA_MAX_PIXELS) {
        snprintf(msg, msglen,
                 "%s: image declares %llu x %llu pixels (%.1f megapixels); "
                 "the limit is %u megapixels and %u pixels a side",
                 path, (unsigned long long)w, (unsigned long long)h,
                 (double)w * (double)h / 1e6, RA_MAX_PIXELS / 1000000,
                 RA_MAX_SIDE);
        return GF_ETOOBIG;
    }
    return GF_OK;
}

static int load_png(ra_gray *g, const void *buf, size_t len, const char *path,
                    char *msg, size_t msglen)
{
    png_image img;
    png_color white = {255, 255, 255};
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, buf, len)) {
        snprintf(msg, msglen, "%s: bad PNG: %s", path, img.message);
        return GF_EINVAL;
    }
    int rc = check_size(img.width, img.height, path, msg, msglen);
    if (rc != GF_OK) {
        png_image_free(&img);
        return rc;
    }
    img.format = PNG_FORMAT_GRAY;
    g->w = img.width;
    g->h = img.height;
    g->px = malloc((size_t)g->w * g->h);
    if (!g->px) {
        png_image_free(&img);
        return GF_ENOMEM;
    }
    if (!png_image_finish_read(&img, &white, g->px, 0, NULL)) {
        snprintf(msg, msglen, "%s: bad PNG: %s", path, img.message);
        png_image_free(&img);
        ra_gray_free(g);
        return GF_EINVAL;
    }
    return GF_OK;
}

typedef struct jpeg_err {
    struct jpeg_error_mgr mgr;
    jmp_buf jmp;
    char text[JMSG_LENGTH_MAX];
} jpeg_err;

static void jpeg_fail(j_common_ptr c)
{
    jpeg_err *e = (jpeg_err *)c->err;
    c->err->format_message(c, e->text);
    longjmp(e->jmp, 1);
}

static void jpeg_quiet(j_common_ptr c, int level)
{
    (void)c;
    (void)level; /* warnings (corrupt data that still decodes) are fine */
}

/* Decodes into g; the caller owns cleanup (longjmp-safe: state in *g). */
static int jpeg_decode(struct jpeg_decompress_struct *c, ra_gray *g,
                       const char *path, char *msg, size_t msglen)
{
    jpeg_read_header(c, TRUE);
    int rc = check_size(c->image_width, c->image_height, path, msg, msglen);
    if (rc != GF_OK)
        return rc;
    if (c->density_unit == 1 || c->density_unit == 2) {
        double k = c->density_unit == 1 ? 1 : 2.54;
        g->dpi_x = c->X_density * k;
        g->dpi_y = c->Y_density * k;
    }
    c->out_color_space = JCS_GRAYSCALE;
    jpeg_start_decompress(c);
    g->w = c->output_width;
    g->h = c->output_height;
    g->px = malloc((size_t)g->w * g->h);
    if (!g->px)
        return GF_ENOMEM;
    while (c->output_scanline < c->output_height) {
        JSAMPROW row = g->px + (size_t)c->output_scanline * g->w;
        jpeg_read_scanlines(c, &row, 1);
    }
    jpeg_finish_decompress(c);
    return GF_OK;
}

static int load_jpeg(ra_gray *g, const void *buf, size_t len, const char *path,
                     char *msg, size_t msglen)
{
    struct jpeg_decompress_struct c;
    jpeg_err err;
    volatile int rc = GF_EINVAL;
    c.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jpeg_fail;
    err.mgr.emit_message = jpeg_quiet;
    if (setjmp(err.jmp)) {
        snprintf(msg, msglen, "%s: bad JPEG: %s", path, err.text);
        ra_gray_free(g);
        rc = GF_EINVAL;
    } else {
        jpeg_create_decompress(&c);
        jpeg_mem_src(&c, buf, (unsigned long)len);
        rc = jpeg_decode(&c, g, path, msg, msglen);
    }
    jpeg_destroy_decompress(&c);
    if (rc != GF_OK)
        ra_gray_free(g);
    return rc;
}

int ra_load_mem(ra_gray *g, const void *buf, size_t len, const char *name,
                char *msg, size_t msglen)
{
    const unsigned char *m = buf;
    memset(g, 0, sizeof *g);
    if (len >= 8 && memcmp(m, "\x89PNG\r\n\x1a\n", 8) == 0)
        return load_png(g, buf, len, name, msg, msglen);
    if (len >= 3 && m[0] == 0xff && m[1] == 0xd8 && m[2] == 0xff)
        return load_jpeg(g, buf, len, name, msg, msglen);
    snprintf(msg, msglen, "%s: not a PNG or JPEG image", name);
    return GF_EINVAL;
}

int ra_load_file(ra_gray *g, const char *path, char *msg, size_t msglen)
{
    int rc = GF_EIO;
    unsigned char *buf = NULL;
    long size = -1;
    memset(g, 0, sizeof *g);
    FILE *f = fopen(path, "rb");
    if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        if ((unsigned long)size > RA_MAX_FILE) {
            snprintf(msg, msglen, "%s: image file larger than %u MiB", path,
                     RA_MAX_FILE >> 20);
            rc = GF_ETOOBIG;
        } else if ((buf = malloc((size_t)size + 1)) == NULL) {
            rc = GF_ENOMEM;
        } else if (fread(buf, 1, (size_t)size, f) == (size_t)size) {
            rc = ra_load_mem(g, buf, (size_t)size, path, msg, msglen);
        } else {
            snprintf(msg, msglen, "%s: %s", path, strerror(errno));
        }
    } else {
        snprintf(msg, msglen, "%s: %s", path, strerror(errno));
    }
    free(buf);
    if (f)
        fclose(f);
    return rc;
}
