/* fuzz_compile_write.c - the common last step of fuzz_svg and fuzz_image:
 * whatever an upload made of a job, writing it must either refuse with a
 * reason or produce a pulse file that the machine side accepts.
 *
 * The file goes to an anonymous in-memory file (memfd, reached by its
 * /proc/self/fd path, since the writer takes a path): nothing is left on
 * disk when the fuzzer stops or crashes. It is read back with the pulse
 * reader and checked (PROTOCOL.md §15.6: header, power before laser, whole
 * body), and its step statistics must match what the compiler reported:
 * same payload, same laser ticks, the head back at the origin and never
 * outside the work area. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz_compile_write.h"
#include "gf/puls.h"

static const char *fzw_path(void)
{
    static char path[64];
    if (!path[0]) {
        int fd = memfd_create("fuzz_compile", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    return path;
}

/* What the compiler reported, on its own terms. */
static void check_result(const gf_compile_result *res)
{
    const double eps = GF_PULS_MM_PER_STEP_XY;
    if (res->ticks == 0 ||
        res->ticks + res->power_bytes != res->payload_bytes ||
        res->laser_ticks > res->ticks)
        abort();
    if (!(res->min_x >= -eps && res->min_y >= -eps &&
          res->max_x <= GF_BED_W_MM + eps && res->max_y <= GF_BED_H_MM + eps))
        abort(); /* the head left the work area the check promised */
}

/* The written file, read back as a machine would, against `res`. */
static void check_file(const char *path, const gf_compile_result *res)
{
    gf_puls_reader *r = NULL;
    gf_puls_stats s;
    char msg[256] = "";
    if (gf_puls_open_file(&r, path, NULL, msg, sizeof msg) != GF_OK)
        abort();
    int rc = gf_puls_validate_stream(r, 0, &s, msg, sizeof msg);
    gf_puls_close(r);
    if (rc != GF_OK)
        abort(); /* the compiler wrote a file the machine refuses */
    if (s.payload_bytes != res->payload_bytes ||
        s.laser_on != res->laser_ticks || s.x != 0 || s.y != 0)
        abort();
}

void fzw_check(gf_job *j)
{
    gf_compile_result res;
    char msg[512] = "";
    const char *path = fzw_path();
    memset(&res, 0, sizeof res);
    int rc = gf_job_write(j, path, &res, msg, sizeof msg);
    if (rc != GF_OK) {
        if (rc > 0 || !msg[0])
            abort(); /* a refusal must say why */
        return;
    }
    check_result(&res);
    check_file(path, &res);
}
