/* gfload_jpeg.c - the JPEG every image action uploads: a file given with
 * --image, or a tiny grey 16x16 picture made once with libjpeg, so gfload
 * needs no fixture at run time and the upload stays cheap at scale (the
 * service only checks the SOI marker and stores the bytes, §13). */
#include <stdio.h> /* before jpeglib.h, which needs FILE and size_t */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "gfload.h"

#define GL_JPEG_MAX  (16L << 20) /* gfcloud's default image cap */
#define GL_JPEG_SIDE 16

static int gl_jpeg_file(const char *path, unsigned char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n = -1;
    int rc = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 2 &&
        n <= GL_JPEG_MAX && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) == (size_t)n &&
        buf[0] == 0xFF && buf[1] == 0xD8) {
        *out = buf;
        *len = (size_t)n;
        buf = NULL;
        rc = 0;
    }
    if (rc != 0)
        fprintf(stderr, "gfload: %s: not a readable JPEG under %ld bytes\n",
                path, GL_JPEG_MAX);
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

static int gl_jpeg_make(unsigned char **out, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    unsigned char row[GL_JPEG_SIDE];
    unsigned long n = 0;
    *out = NULL;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, out, &n);
    c.image_width = GL_JPEG_SIDE;
    c.image_height = GL_JPEG_SIDE;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_start_compress(&c, TRUE);
    for (int y = 0; y < GL_JPEG_SIDE; y++) {
        for (int x = 0; x < GL_JPEG_SIDE; x++)
            row[x] = (unsigned char)(x * 8 + y * 4);
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *len = (size_t)n;
    return *out ? 0 : -1;
}

int gl_jpeg_load(const char *path, unsigned char **out, size_t *len)
{
    return path ? gl_jpeg_file(path, out, len) : gl_jpeg_make(out, len);
}
