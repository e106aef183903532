/* puls_stats.c - how fast `gfpuls stats` runs next to its lower bounds.
 *
 * Long jobs are hundreds of MB of ticks, so the statistics pass must not be
 * the bottleneck: on plain data it should run at >= 1 GB/s, and on gzip
 * data within 80% of zlib's own inflate speed (inflating is the floor). This
 * program generates a job of random laser and travel moves with
 * gf_puls_gen_move, fire bits thinned to 4 of every 7 ticks the way the
 * factory sets power (MB of payload given by the first argument, default
 * 400), writes it plain and gzip under /tmp, and prints the throughput of:
 *   raw read    read(2) of the plain file, bytes discarded
 *   stats plain gf_puls_open_file + gf_puls_stats_read on the plain file
 *   stats mem   the statistics kernel alone (gf_puls_stats_feed, 256 KiB)
 *   inflate     zlib inflate of the gzip file, output discarded
 *   stats gzip  gf_puls_open_file + gf_puls_stats_read on the gzip file
 *               (inflating and counting overlap on two threads)
 *   stats gzip1 the same in one thread: gf_puls_read, gf_puls_stats_feed
 * and the ratios stats/raw and stats-gzip/inflate. Each figure is the best
 * of three runs, in MB/s of plain (inflated) bytes. The files are removed
 * at the end. Usage: puls_stats [MB] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "gf/puls.h"

#define BUF  (256u * 1024)
#define RUNS 3

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "puls_stats: %s failed\n", what);
    exit(1);
}

/* One pattern of random moves (a few MB), made with the generator. */
static uint8_t *make_pattern(const char *dir, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/pattern.puls", dir);
    gf_puls_writer *w;
    if (gf_puls_writer_open(&w, path, NULL, 0, 0) != GF_OK)
        die("writer_open");
    srand(42);
    for (int i = 0; i < 400; i++) {
        gf_puls_move m = {rand() % 4001 - 2000,
                          rand() % 2001 - 1000,
                          i % 50 == 0 ? rand() % 5 - 2 : 0,
                          2000 + rand() % 8000,
                          100000,
                          10000,
                          i % 3 != 0,
                          (uint8_t)(rand() % 128)};
        if (gf_puls_gen_move(w, &m) != GF_OK)
            die("gen_move");
    }
    if (gf_puls_writer_close(w) != GF_OK)
        die("writer_close");
    FILE *f = fopen(path, "rb");
    if (!f)
        die("fopen pattern");
    fseek(f, 0, SEEK_END);
    long size = ftell(f) - 8;
    fseek(f, 8, SEEK_SET);
    uint8_t *p = malloc((size_t)size);
    if (!p || fread(p, 1, (size_t)size, f) != (size_t)size)
        die("read pattern");
    fclose(f);
    unlink(path);
    /* the factory sets power by the density of fire bits in a repeating
     * 7-tick cycle (§15.4): fire 4 ticks of every 7 on laser moves */
    for (long i = 0; i < size; i++)
        if ((p[i] & (GF_PULS_POWER | GF_PULS_LASER)) == GF_PULS_LASER &&
            i % 7 >= 4)
            p[i] &= (uint8_t)~GF_PULS_LASER;
    *len = (size_t)size;
    return p;
}

static void write_job(const char *path, const uint8_t *pat, size_t plen,
                      uint64_t total, int gzip)
{
    gf_puls_tag tags[69];
    size_t n = gf_puls_default_tags(tags, 69, 10000, 0);
    gf_puls_writer *w;
    if (gf_puls_writer_open(&w, path, tags, n, gzip) != GF_OK)
        die("writer_open");
    for (uint64_t done = 0; done < total; done += plen)
        if (gf_puls_writer_write(w, pat, plen) != GF_OK)
            die("writer_write");
    if (gf_puls_writer_close(w) != GF_OK)
        die("writer_close");
}

static double raw_read(const char *path, uint8_t *buf)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("open");
    double t = now();
    ssize_t n;
    while ((n = read(fd, buf, BUF)) > 0)
        ;
    t = now() - t;
    close(fd);
    return t;
}

static double inflate_only(const char *path, uint8_t *in, uint8_t *out)
{
    int fd = open(path, O_RDONLY);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (fd < 0 || inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        die("inflate setup");
    double t = now();
    int zrc = Z_OK;
    while (zrc != Z_STREAM_END) {
        if (zs.avail_in == 0) {
            ssize_t n = read(fd, in, BUF);
            if (n <= 0)
                die("inflate read");
            zs.next_in = in;
            zs.avail_in = (uInt)n;
        }
        zs.next_out = out;
        zs.avail_out = BUF;
        zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc != Z_OK && zrc != Z_STREAM_END)
            die("inflate");
    }
    t = now() - t;
    inflateEnd(&zs);
    close(fd);
    return t;
}

static double stats_file(const char *path, gf_puls_stats *s)
{
    gf_puls_limits lim = {.max_body = UINT64_MAX, .max_inflated = UINT64_MAX};
    gf_puls_reader *r;
    char msg[256];
    double t = now();
    if (gf_puls_open_file(&r, path, &lim, msg, sizeof msg) != GF_OK ||
        gf_puls_stats_read(r, s) != GF_OK)
        die(msg);
    t = now() - t;
    gf_puls_close(r);
    return t;
}

/* The same without the overlapped worker: read and count in one thread. */
static double stats_file_serial(const char *path, gf_puls_stats *s)
{
    gf_puls_limits lim = {.max_body = UINT64_MAX, .max_inflated = UINT64_MAX};
    gf_puls_reader *r;
    char msg[256];
    const uint8_t *chunk;
    ssize_t n;
    double t = now();
    if (gf_puls_open_file(&r, path, &lim, msg, sizeof msg) != GF_OK)
        die(msg);
    gf_puls_stats_init(s);
    while ((n = gf_puls_read(r, &chunk)) > 0)
        gf_puls_stats_feed(s, chunk, (size_t)n);
    if (n < 0)
        die("read");
    t = now() - t;
    gf_puls_close(r);
    return t;
}

static double stats_mem(const uint8_t *pat, size_t plen, uint64_t total)
{
    gf_puls_stats s;
    gf_puls_stats_init(&s);
    double t = now();
    for (uint64_t done = 0; done < total; done += plen)
        for (size_t off = 0; off < plen; off += BUF)
            gf_puls_stats_feed(&s, pat + off,
                               plen - off < BUF ? plen - off : BUF);
    return now() - t;
}

static double best(double a, double b)
{
    return a < b ? a : b;
}

int main(int argc, char **argv)
{
    uint64_t mb = argc > 1 ? strtoull(argv[1], NULL, 10) : 400;
    char dir[] = "/tmp/gf-bench-puls-XXXXXX", plain[300], gz[300];
    if (!mkdtemp(dir))
        die("mkdtemp");
    snprintf(plain, sizeof plain, "%s/job.puls", dir);
    snprintf(gz, sizeof gz, "%s/job.puls.gz", dir);
    size_t plen;
    uint8_t *pat = make_pattern(dir, &plen);
    uint64_t total = (mb << 20) / plen * plen + plen;
    printf("payload: %.1f MB (pattern of %.1f MB repeated)\n", total / 1e6,
           plen / 1e6);
    write_job(plain, pat, plen, total, 0);
    write_job(gz, pat, plen, total, 1);
    uint8_t *in = malloc(BUF), *out = malloc(BUF);
    double t_raw = 1e9, t_sp = 1e9, t_mem = 1e9, t_inf = 1e9, t_sg = 1e9;
    double t_s1 = 1e9;
    gf_puls_stats sp, sg, s1;
    for (int i = 0; i < RUNS; i++) {
        t_raw = best(t_raw, raw_read(plain, in));
        t_sp = best(t_sp, stats_file(plain, &sp));
        t_mem = best(t_mem, stats_mem(pat, plen, total));
        t_inf = best(t_inf, inflate_only(gz, in, out));
        t_sg = best(t_sg, stats_file(gz, &sg));
        t_s1 = best(t_s1, stats_file_serial(gz, &s1));
    }
    double mbytes = (double)total / 1e6;
    printf("raw read     %8.0f MB/s\n", mbytes / t_raw);
    printf("stats plain  %8.0f MB/s   ratio to raw read %.2f\n", mbytes / t_sp,
           t_raw / t_sp);
    printf("stats mem    %8.0f MB/s   (kernel alone)\n", mbytes / t_mem);
    printf("inflate      %8.0f MB/s\n", mbytes / t_inf);
    printf("stats gzip   %8.0f MB/s   ratio to inflate %.2f (two threads: "
           "gf_puls_stats_read)\n",
           mbytes / t_sg, t_inf / t_sg);
    printf("stats gzip1  %8.0f MB/s   ratio to inflate %.2f (one thread)\n",
           mbytes / t_s1, t_inf / t_s1);
    printf("figures agree plain/gzip: %s (x %lld, y %lld, laser %llu)\n",
           memcmp(&sp, &sg, sizeof sp) == 0 && memcmp(&sp, &s1, sizeof sp) == 0
               ? "yes"
               : "NO",
           (long long)sp.x, (long long)sp.y, (unsigned long long)sp.laser_on);
    unlink(plain);
    unlink(gz);
    rmdir(dir);
    free(in);
    free(out);
    free(pat);
    return 0;
}
