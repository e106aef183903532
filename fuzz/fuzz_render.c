/* fuzz_render.c - libFuzzer target for the preview renderer (compile.h,
 * src/gf/compile/render.c): it draws whatever pulse file an operator uploads,
 * so no byte string may crash, hang or leak it.
 *
 * The renderer takes paths, so the input goes to an anonymous in-memory
 * file (memfd, by its /proc/self/fd path) and the picture to another, at a
 * small scale to keep each run short. Invariants: a refusal says why; a
 * picture has the work area's size, and its tick and laser counts equal
 * those of the pulse reader's statistics on the same bytes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gf/compile.h"
#include "gf/puls.h"

#define FZ_SCALE 0.2 /* px per mm: a 100 x 56 picture */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A memfd's path, made once. */
static const char *mem_path(char *path, size_t len, int *fd)
{
    if (*fd < 0) {
        *fd = memfd_create("fuzz_render", 0);
        if (*fd < 0)
            abort();
        snprintf(path, len, "/proc/self/fd/%d", *fd);
    }
    return path;
}

/* Puts the input in the input file, replacing what was there. */
static void fill(int fd, const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
}

/* The reader's view of the same bytes; 0 when it reads them whole. */
static int reader_stats(const uint8_t *data, size_t size, gf_puls_stats *s)
{
    gf_puls_reader *r = NULL;
    if (gf_puls_open_mem(&r, data, size, NULL, NULL, 0) != GF_OK)
        return -1;
    int rc = gf_puls_stats_read(r, s);
    gf_puls_close(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char in_path[64], out_path[64];
    static int in_fd = -1, out_fd = -1;
    gf_render_opts o = {FZ_SCALE, 0, 0};
    gf_render_result res;
    gf_puls_stats s;
    char msg[512] = "";
    const char *in = mem_path(in_path, sizeof in_path, &in_fd);
    const char *out = mem_path(out_path, sizeof out_path, &out_fd);
    fill(in_fd, data, size);
    memset(&res, 0, sizeof res);
    int rc = gf_render_file(in, out, &o, &res, msg, sizeof msg);
    if (rc != GF_OK) {
        if (rc > 0 || !msg[0])
            abort(); /* a refusal must say why */
        return 0;
    }
    if (res.width != (unsigned)floor(GF_BED_W_MM * FZ_SCALE) + 1 ||
        res.height != (unsigned)floor(GF_BED_H_MM * FZ_SCALE) + 1 ||
        res.laser_ticks > res.ticks || res.outside > res.ticks)
        abort();
    if (reader_stats(data, size, &s) != GF_OK)
        abort(); /* the renderer read what the reader refuses */
    if (res.ticks != s.payload_bytes - s.power_bytes ||
        res.laser_ticks != s.laser_on)
        abort();
    return 0;
}
