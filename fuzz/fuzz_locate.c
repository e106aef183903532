/* fuzz_locate.c - libFuzzer target for the camera locator's parsers of
 * untrusted bytes: lid pictures come from machines (gf_locate_image_jpeg,
 * then a measurement against a small reference) and saved locators from
 * the store (gf_locate_load). Invariants: no crash, hang or leak; a
 * refusal is a named gf_err code; a loaded locator saves back to the same
 * bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gf/error.h"
#include "gf/locate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gf_locate *fz_reference(void)
{
    static uint8_t grey[256 * 192];
    gf_locate_image *img = NULL;
    gf_locate *l = NULL;
    for (int y = 0; y < 192; y++)
        for (int x = 0; x < 256; x++)
            grey[y * 256 + x] = (uint8_t)((x * x + 3 * y * x) >> 5);
    if (gf_locate_image_grey(grey, 256, 192, 256, &img) == GF_OK)
        gf_locate_new(img, NULL, &l);
    gf_locate_image_free(img);
    return l;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gf_locate *ref;
    gf_locate_image *img = NULL;
    gf_locate *l = NULL;
    gf_locate_result r;
    if (!ref && !(ref = fz_reference()))
        abort();
    int rc = gf_locate_image_jpeg(data, size, &img);
    if (rc == GF_OK) {
        rc = gf_locate_measure(ref, img, &r);
        gf_locate_image_free(img);
    }
    if (strcmp(gf_errname(rc), "unknown") == 0)
        abort();
    if (gf_locate_load(data, size, &l) == GF_OK) {
        uint8_t *back = NULL;
        size_t n = 0;
        if (gf_locate_save(l, &back, &n) != GF_OK || n != size)
            abort();
        free(back);
        gf_locate_free(l);
    }
    return 0;
}
