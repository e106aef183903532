/* locate_probe.c - the camera locator from the command line, for the
 * integration tests: where is the head in a lid picture gfmachine took?
 *
 *   locate_probe REFERENCE.jpg PX_PER_MM PICTURE.jpg
 *
 * The reference is a picture with the head at the reference place (the
 * real HOME_1.jpg frame); the calibration is PX_PER_MM along the
 * picture's axes (X right, Y down), the emulated camera's focal length
 * over its height. Prints one JSON line: {"code": "ok" or the refusal's
 * gf_errname, "dx_mm", "dy_mm", "peak", "sharpness"}; exits 0 whenever it
 * could read both pictures. */
#include <stdio.h>
#include <stdlib.h>

#include "gf/error.h"
#include "gf/locate.h"

static gf_locate_image *probe_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n = 0;
    gf_locate_image *img = NULL;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) &&
        fread(buf, 1, (size_t)n, f) == (size_t)n) {
        int rc = gf_locate_image_jpeg(buf, (size_t)n, &img);
        if (rc != GF_OK)
            fprintf(stderr, "locate_probe: %s: %s\n", path, gf_strerror(rc));
    } else {
        fprintf(stderr, "locate_probe: cannot read %s\n", path);
    }
    free(buf);
    if (f)
        fclose(f);
    return img;
}

int main(int argc, char **argv)
{
    gf_locate *l = NULL;
    gf_locate_result r;
    int status = 1;
    if (argc != 4) {
        fprintf(stderr, "usage: locate_probe REF.jpg PX_PER_MM PICTURE.jpg\n");
        return 2;
    }
    double s = atof(argv[2]);
    gf_locate_calib c = {{s, 0}, {0, s}, 0};
    gf_locate_image *ref = probe_load(argv[1]), *img = probe_load(argv[3]);
    if (!ref || !img)
        goto out;
    int rc = gf_locate_new(ref, NULL, &l);
    if (rc == GF_OK)
        rc = gf_locate_set_calibration(l, &c);
    if (rc != GF_OK) {
        fprintf(stderr, "locate_probe: reference: %s\n", gf_strerror(rc));
        goto out;
    }
    rc = gf_locate_find(l, img, &r);
    printf("{\"code\": \"%s\", \"dx_mm\": %.4f, \"dy_mm\": %.4f, "
           "\"peak\": %.4f, \"sharpness\": %.4f}\n",
           gf_errname(rc), r.dx_mm, r.dy_mm, r.peak, r.sharpness);
    status = 0;
out:
    gf_locate_free(l);
    gf_locate_image_free(ref);
    gf_locate_image_free(img);
    return status;
}
