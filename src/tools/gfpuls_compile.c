/* gfpuls_compile.c - `gfpuls compile`: designs and images to a pulse file.
 *
 * A thin shell over the compile library (gf/compile.h): it parses flags,
 * adds each input to one job, writes the job and prints what the job will
 * do (run time, distances, bounding box), so an operator can sanity-check a
 * job before sending it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gf/compile.h"
#include "gfpuls_cmds.h"

static const char usage[] =
    "usage: gfpuls compile DESIGN.svg|IMAGE.png[@X,Y[,W[xH]]] ... -o JOB.puls\n"
    "                      [options]\n"
    "\n"
    "Turns SVG designs and PNG/JPEG images into one pulse file. Every stroke\n"
    "colour of an SVG becomes a cut (default) or score; images are engraved,\n"
    "placed with their top-left corner at X,Y mm from the origin and W x H mm\n"
    "big (H keeps the aspect ratio when left out; without a size the image's\n"
    "own resolution, or 96 dpi, sets it).\n"
    "\n"
    "  -o, --output FILE     the pulse file to write (required)\n"
    "  --ops FILE            colour -> operation table, one rule a line:\n"
    "                        COLOUR|*|image cut|score|engrave SPEED POWER "
    "[PASSES]\n"
    "  --speed MM/S          default speed (cuts and images; default 10 and "
    "100)\n"
    "  --power PCT           default power (default 100 for cuts, 50 for "
    "images)\n"
    "  --passes N            default passes for vector shapes (default 1)\n"
    "  --score               make the default vector operation a score\n"
    "  --engrave-speed MM/S  image speed (rounded to whole ticks per step)\n"
    "  --engrave-power PCT   image power\n"
    "  --line-spacing MM     engrave line spacing (default 0.1, in steps)\n"
    "  --travel-speed MM/S   laser-off moves (default 150)\n"
    "  --accel MM/S2         acceleration (default 2000; 0 = none)\n"
    "  --origin X,Y          where the design origin and the head are in the\n"
    "                        495 x 279 mm work area (default 0,0: rear-left)\n"
    "  --serial N            lock the job to this machine (MCsn; default 0)\n"
    "  --keep-order          laser shapes in design order (default: inner\n"
    "                        shapes before those around them, then nearest)\n"
    "  --no-gzip             write a plain pulse file\n"
    "  --json                print the summary as one JSON object\n"
    "  -q, --quiet           no summary, no progress\n"
    "  -h, --help            this text\n";

typedef struct cli {
    gf_compile_opts o;
    const char *out, *ops;
    const char **inputs;
    int ninputs;
    int json, quiet, have_speed, have_power;
    double speed, power;
    struct timespec start;
    int progress_shown;
} cli;

static int num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return errno || end == s || *end ? -1 : 0;
}

static int pair(const char *s, double *a, double *b)
{
    char extra;
    return sscanf(s, "%lf,%lf%c", a, b, &extra) == 2 ? 0 : -1;
}

static void progress(void *ctx, uint64_t done, uint64_t total)
{
    cli *c = ctx;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = (double)(now.tv_sec - c->start.tv_sec) +
               (now.tv_nsec - c->start.tv_nsec) / 1e9;
    if (c->quiet || t < 1.0)
        return; /* short compiles stay silent */
    fprintf(stderr, "\rgfpuls compile: writing %3d%%",
            (int)(100.0 * (double)done / (double)total));
    c->progress_shown = 1;
}

/* Options with a value; returns 1 if consumed, 0 unknown, -1 bad value. */
static int value_opt(cli *c, const char *k, const char *v)
{
    double x, y;
    int ok = 0;
    if (!strcmp(k, "-o") || !strcmp(k, "--output"))
        c->out = v, ok = 1;
    else if (!strcmp(k, "--ops"))
        c->ops = v, ok = 1;
    else if (!strcmp(k, "--speed"))
        ok = num(v, &c->speed) ? -1 : (c->have_speed = 1);
    else if (!strcmp(k, "--power"))
        ok = num(v, &c->power) ? -1 : (c->have_power = 1);
    else if (!strcmp(k, "--passes"))
        ok = num(v, &x) || x != (int)x ? -1 : (c->o.cut.passes = (int)x, 1);
    else if (!strcmp(k, "--engrave-speed"))
        ok = num(v, &c->o.engrave.speed) ? -1 : 1;
    else if (!strcmp(k, "--engrave-power"))
        ok = num(v, &c->o.engrave.power) ? -1 : 1;
    else if (!strcmp(k, "--line-spacing"))
        ok = num(v, &c->o.line_spacing) ? -1 : 1;
    else if (!strcmp(k, "--travel-speed"))
        ok = num(v, &c->o.travel_speed) ? -1 : 1;
    else if (!strcmp(k, "--accel"))
        ok = num(v, &c->o.accel) ? -1 : 1;
    else if (!strcmp(k, "--origin"))
        ok = pair(v, &x, &y) ? -1 : (c->o.origin_x = x, c->o.origin_y = y, 1);
    else if (!strcmp(k, "--serial"))
        ok = num(v, &x) || x < 0 || x > 4294967295.0 || x != (uint32_t)x
                 ? -1
                 : (c->o.serial = (uint32_t)x, 1);
    return ok;
}

static int flag_opt(cli *c, const char *k)
{
    if (!strcmp(k, "--no-gzip"))
        c->o.gzip = 0;
    else if (!strcmp(k, "--json"))
        c->json = 1;
    else if (!strcmp(k, "-q") || !strcmp(k, "--quiet"))
        c->quiet = 1;
    else if (!strcmp(k, "--keep-order"))
        c->o.keep_order = 1;
    else if (!strcmp(k, "--score"))
        c->o.cut.kind = GF_OP_SCORE;
    else
        return 0;
    return 1;
}

static int parse_args(cli *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            exit(0);
        }
        if (a[0] != '-' || !strcmp(a, "-")) {
            c->inputs[c->ninputs++] = a;
            continue;
        }
        if (flag_opt(c, a))
            continue;
        int r = i + 1 < argc ? value_opt(c, a, argv[i + 1]) : 0;
        if (r <= 0) {
            fprintf(stderr, "gfpuls compile: %s option %s%s%s\n",
                    r < 0 ? "bad value for" : "unknown or incomplete", a,
                    r < 0 ? ": " : "", r < 0 ? argv[i + 1] : "");
            return -1;
        }
        i++;
    }
    if (!c->out || c->ninputs == 0) {
        fprintf(stderr, "gfpuls compile: need at least one input and "
                        "-o JOB.puls (see --help)\n");
        return -1;
    }
    if (c->have_speed)
        c->o.cut.speed = c->o.engrave.speed = c->speed;
    if (c->have_power)
        c->o.cut.power = c->o.engrave.power = c->power;
    return 0;
}

static int is_image(const char *path)
{
    unsigned char m[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(m, 1, sizeof m, f);
    fclose(f);
    return n == 4 && ((m[0] == 0x89 && m[1] == 'P' && m[2] == 'N') ||
                      (m[0] == 0xff && m[1] == 0xd8 && m[2] == 0xff));
}

/* "file.png@X,Y[,W[xH]]" -> path and placement. */
static int add_image(gf_job *j, const char *arg, char *msg, size_t msglen)
{
    char path[4096];
    double x = 0, y = 0, w = 0, h = 0;
    const char *at = strrchr(arg, '@');
    snprintf(path, sizeof path, "%s", arg);
    if (at && !is_image(arg)) {
        char extra;
        path[at - arg] = 0;
        int n = sscanf(at + 1, "%lf,%lf,%lfx%lf%c", &x, &y, &w, &h, &extra);
        if (n < 2 || n > 4) {
            snprintf(msg, msglen, "%s: placement must be @X,Y[,W[xH]] in mm",
                     arg);
            return GF_EINVAL;
        }
    }
    return gf_job_add_image_file(j, path, x, y, w, h, msg, msglen);
}

static int add_inputs(cli *c, gf_job *j, char *msg, size_t msglen)
{
    int rc = c->ops ? gf_job_load_ops(j, c->ops, msg, msglen) : GF_OK;
    for (int i = 0; i < c->ninputs && rc == GF_OK; i++) {
        const char *in = c->inputs[i];
        const char *at = strrchr(in, '@');
        char base[4096];
        snprintf(base, sizeof base, "%.*s",
                 at ? (int)(at - in) : (int)strlen(in), in);
        if (is_image(in) || (at && is_image(base)))
            rc = add_image(j, in, msg, msglen);
        else
            rc = gf_job_add_svg_file(j, in, msg, msglen);
    }
    return rc;
}

static void print_result(const cli *c, const gf_compile_result *r)
{
    if (c->json) {
        printf("{\"output\":\"%s\",\"run_time\":%.4f,\"ticks\":%llu,"
               "\"payload_bytes\":%llu,\"laser_ticks\":%llu,"
               "\"power_bytes\":%llu,\"cut_mm\":%.4f,\"travel_mm\":%.4f,"
               "\"bbox_mm\":[%.5f,%.5f,%.5f,%.5f],\"segments\":%zu,"
               "\"skipped\":%zu}\n",
               c->out, r->run_time, (unsigned long long)r->ticks,
               (unsigned long long)r->payload_bytes,
               (unsigned long long)r->laser_ticks,
               (unsigned long long)r->power_bytes, r->cut_mm, r->travel_mm,
               r->min_x, r->min_y, r->max_x, r->max_y, r->segments, r->skipped);
        return;
    }
    printf("wrote %s\n", c->out);
    printf("run time      %.2f s (%llu ticks at 10 kHz)\n", r->run_time,
           (unsigned long long)r->ticks);
    printf("laser path    %.1f mm (%llu laser-on ticks)\n", r->cut_mm,
           (unsigned long long)r->laser_ticks);
    printf("travel        %.1f mm\n", r->travel_mm);
    printf("bounding box  x %.2f .. %.2f mm, y %.2f .. %.2f mm\n", r->min_x,
           r->max_x, r->min_y, r->max_y);
    if (r->skipped)
        printf("skipped       %zu shapes without a stroke, hidden or not "
               "drawable\n",
               r->skipped);
}

int gfpuls_compile_main(int argc, char **argv)
{
    cli c;
    char msg[512] = "";
    gf_job *j = NULL;
    gf_compile_result res;
    memset(&c, 0, sizeof c);
    gf_compile_opts_init(&c.o);
    c.inputs = calloc((size_t)argc, sizeof *c.inputs);
    if (!c.inputs || parse_args(&c, argc, argv) != 0) {
        free(c.inputs);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &c.start);
    c.o.progress = progress;
    c.o.progress_ctx = &c;
    int rc = gf_job_new(&j, &c.o, msg, sizeof msg);
    if (rc == GF_OK)
        rc = add_inputs(&c, j, msg, sizeof msg);
    if (rc == GF_OK)
        rc = gf_job_write(j, c.out, &res, msg, sizeof msg);
    if (c.progress_shown)
        fputs(rc == GF_OK ? "\rgfpuls compile: writing 100%\n" : "\n", stderr);
    if (rc != GF_OK)
        fprintf(stderr, "gfpuls compile: %s\n", msg[0] ? msg : gf_strerror(rc));
    else if (!c.quiet)
        print_result(&c, &res);
    gf_job_free(j);
    free(c.inputs);
    return rc == GF_OK ? 0 : 1;
}
