/* compile_bench.c - how fast the design compiler turns a big design into a
 * pulse file.
 *
 * Builds an SVG in memory with 100k straight segments (1000 zigzag
 * polylines of 100 segments, 0.5 to 3 mm each, spread over the bed), then
 * times the two stages: parsing and flattening (gf_job_add_svg_mem), and
 * planning and writing (gf_job_write, both passes). Prints segments per
 * second for each stage and for the whole, and the output rate in MB/s of
 * payload (ticks) and of file bytes, for gzip and plain output. The file
 * goes under /tmp and is removed. Usage: compile_bench [SEGMENTS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gf/compile.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* A deterministic pseudo-random design of `segments` segments. */
static char *make_svg(long segments, size_t *len)
{
    size_t cap = (size_t)segments * 24 + 4096, n = 0;
    char *s = malloc(cap);
    unsigned seed = 12345;
    long per = 100, lines = (segments + per - 1) / per;
    if (!s)
        return NULL;
    n += (size_t)snprintf(s + n, cap - n,
                          "<svg xmlns='http://www.w3.org/2000/svg' "
                          "width='490mm' height='270mm' "
                          "viewBox='0 0 490 270'>\n");
    for (long l = 0; l < lines; l++) {
        double x = 20 + (double)(l % 40) * 11, y = 20 + (double)(l / 40) * 9;
        n += (size_t)snprintf(s + n, cap - n,
                              "<polyline stroke='black' fill='none' "
                              "points='%.3f,%.3f",
                              x, y);
        for (long k = 0; k < per; k++) {
            seed = seed * 1103515245u + 12345u;
            x += 0.05 + (seed >> 16) % 100 / 1000.0;
            y += (k % 2 ? 1 : -1) * (0.5 + (seed >> 8) % 250 / 100.0);
            n += (size_t)snprintf(s + n, cap - n, " %.3f,%.3f", x, y);
        }
        n += (size_t)snprintf(s + n, cap - n, "'/>\n");
    }
    n += (size_t)snprintf(s + n, cap - n, "</svg>\n");
    *len = n;
    return s;
}

static int run(const char *svg, size_t len, int gzip, long segments)
{
    char msg[512], path[64];
    gf_compile_opts o;
    gf_compile_result r;
    gf_job *j = NULL;
    struct stat st;
    gf_compile_opts_init(&o);
    o.cut.speed = 100;
    o.gzip = gzip;
    snprintf(path, sizeof path, "/tmp/compile_bench_%d.puls", (int)getpid());
    if (gf_job_new(&j, &o, msg, sizeof msg) != GF_OK)
        goto fail;
    double t0 = now();
    if (gf_job_add_svg_mem(j, svg, len, msg, sizeof msg) != GF_OK)
        goto fail;
    double t1 = now();
    if (gf_job_write(j, path, &r, msg, sizeof msg) != GF_OK)
        goto fail;
    double t2 = now();
    stat(path, &st);
    unlink(path);
    printf("%-5s parse+flatten %8.0f segments/s (%.3f s)\n",
           gzip ? "gzip" : "plain", segments / (t1 - t0), t1 - t0);
    printf("%-5s plan+write    %8.0f segments/s (%.3f s), %.1f MB/s of "
           "ticks, %.2f MB/s of file\n",
           gzip ? "gzip" : "plain", segments / (t2 - t1), t2 - t1,
           r.payload_bytes / 1e6 / (t2 - t1),
           (double)st.st_size / 1e6 / (t2 - t1));
    printf("%-5s whole         %8.0f segments/s; job %.0f s of machine time, "
           "%.1f MB of ticks, %.2f MB file (%zu segments planned)\n",
           gzip ? "gzip" : "plain", segments / (t2 - t0), r.run_time,
           r.payload_bytes / 1e6, (double)st.st_size / 1e6, r.segments);
    gf_job_free(j);
    return 0;
fail:
    fprintf(stderr, "compile_bench: %s\n", msg);
    gf_job_free(j);
    unlink(path);
    return 1;
}

int main(int argc, char **argv)
{
    long segments = argc > 1 ? atol(argv[1]) : 100000;
    size_t len;
    if (segments < 100)
        segments = 100;
    char *svg = make_svg(segments, &len);
    if (!svg)
        return 1;
    printf("design: %ld segments in %zu bytes of SVG\n", segments, len);
    int rc = run(svg, len, 1, segments) || run(svg, len, 0, segments);
    free(svg);
    return rc;
}
