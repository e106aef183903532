/* gfpuls_line.c - `gfpuls line` (alias `gen`): write a pulse file holding one
 * straight move with a trapezoidal speed ramp. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gf/puls.h"
#include "gf/settings.h"
#include "gfpuls_cmds.h"
#include "gfpuls_util.h"

static const char *const line_help =
    "usage: gfpuls line --dx MM --dy MM [--dz STEPS] [--speed MM/S]\n"
    "                   [--accel MM/S2] [--stfr HZ] [--laser --power N]\n"
    "                   [--serial N] [--gzip] -o FILE\n"
    "Write a pulse file holding one straight move from the origin, with a\n"
    "trapezoidal speed ramp (symmetric; a triangle if the move is short).\n"
    "X/Y are in mm (0.01875 mm per step, rounded to whole steps); Z is in\n"
    "steps. Speed and acceleration apply to the axis with the most steps,\n"
    "converted at 0.01875 mm per step (defaults 100 mm/s, 2000 mm/s2; an\n"
    "acceleration of 0 means no ramp). --stfr is the tick rate (default\n"
    "10000 Hz). --laser fires during the move, after one power byte of duty\n"
    "--power (0..127, default 127), and ends with one dark tick. The header\n"
    "is a captured motion header with STfr, MCsn (--serial, default 0) and\n"
    "PDct (whole seconds of payload) filled in. -o - writes to stdout.\n";

typedef struct line_opts {
    double dx_mm, dy_mm, speed, accel;
    uint64_t dz, stfr, power, serial;
    int dz_neg, laser, gzip, have_dx, have_dy;
    const char *out;
} line_opts;

enum {
    L_DX = 1100,
    L_DY,
    L_DZ,
    L_SPEED,
    L_ACCEL,
    L_STFR,
    L_LASER,
    L_POWER,
    L_SERIAL,
    L_GZIP,
    L_HELP
};

static int parse_dz(const char *s, line_opts *o)
{
    o->dz_neg = s && *s == '-';
    return gfpuls_parse_u64(o->dz_neg ? s + 1 : s, &o->dz);
}

static int line_opt(int c, line_opts *o)
{
    switch (c) {
    case L_DX:
        return o->have_dx = 1, gfpuls_parse_double(optarg, &o->dx_mm);
    case L_DY:
        return o->have_dy = 1, gfpuls_parse_double(optarg, &o->dy_mm);
    case L_DZ:
        return parse_dz(optarg, o);
    case L_SPEED:
        return gfpuls_parse_double(optarg, &o->speed) || !(o->speed > 0) ? -1
                                                                         : 0;
    case L_ACCEL:
        return gfpuls_parse_double(optarg, &o->accel) || o->accel < 0 ? -1 : 0;
    case L_STFR:
        return gfpuls_parse_u64(optarg, &o->stfr);
    case L_POWER:
        return gfpuls_parse_u64(optarg, &o->power) || o->power > 127 ? -1 : 0;
    case L_SERIAL:
        return gfpuls_parse_u64(optarg, &o->serial) || o->serial > UINT32_MAX
                   ? -1
                   : 0;
    case L_LASER:
        return o->laser = 1, 0;
    case L_GZIP:
        return o->gzip = 1, 0;
    case 'o':
        return o->out = optarg, 0;
    }
    return -1;
}

static int parse_line_opts(int argc, char **argv, line_opts *o)
{
    static const struct option opts[] = {
        {"dx", required_argument, NULL, L_DX},
        {"dy", required_argument, NULL, L_DY},
        {"dz", required_argument, NULL, L_DZ},
        {"speed", required_argument, NULL, L_SPEED},
        {"accel", required_argument, NULL, L_ACCEL},
        {"stfr", required_argument, NULL, L_STFR},
        {"laser", no_argument, NULL, L_LASER},
        {"power", required_argument, NULL, L_POWER},
        {"serial", required_argument, NULL, L_SERIAL},
        {"gzip", no_argument, NULL, L_GZIP},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, L_HELP},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        if (c == L_HELP || c == 'h') {
            fputs(line_help, stdout);
            return 0;
        }
        if (c == '?' || c == ':')
            return gfpuls_usage_error(argv[0],
                                      "unknown option or missing value");
        if (line_opt(c, o) != 0)
            return gfpuls_usage_error(argv[0], "bad option value");
    }
    if (optind != argc)
        return gfpuls_usage_error(argv[0], "unexpected argument");
    if (!o->out)
        return gfpuls_usage_error(argv[0], "-o FILE is required");
    if (!o->have_dx && !o->have_dy && !o->dz)
        return gfpuls_usage_error(argv[0],
                                  "give at least one of --dx, --dy, --dz");
    if (o->stfr < 1000 || o->stfr > 200000)
        return gfpuls_usage_error(argv[0],
                                  "--stfr must be within 1000..200000");
    return -1;
}

static int64_t mm_to_steps(double mm)
{
    return (int64_t)llround(mm / GF_PULS_MM_PER_STEP_XY);
}

static int write_line(const line_opts *o, const gf_puls_move *m)
{
    int64_t bytes = gf_puls_move_bytes(m);
    if (bytes < 0)
        return gfpuls_fail(o->out, (int)bytes, "the move cannot be generated");
    bytes += o->laser; /* the dark tick at the end */
    gf_puls_tag tags[69];
    size_t n = gf_puls_default_tags(tags, 69, m->stfr, (uint32_t)o->serial);
    for (size_t i = 0; i < n; i++)
        if (strcmp(tags[i].name, "PDct") == 0)
            tags[i].value = (uint32_t)(bytes / m->stfr);
    gf_puls_writer *w;
    int rc = gf_puls_writer_open(&w, o->out, tags, n, o->gzip);
    if (rc != GF_OK)
        return gfpuls_fail(o->out, rc, "cannot write the file");
    rc = gf_puls_gen_move(w, m);
    if (rc == GF_OK && o->laser)
        rc = gf_puls_writer_write(w, "", 1); /* end dark */
    if (rc != GF_OK) {
        gf_puls_writer_abort(w);
        return gfpuls_fail(o->out, rc, "cannot write the move");
    }
    if ((rc = gf_puls_writer_close(w)) != GF_OK)
        return gfpuls_fail(o->out, rc, "cannot finish the file");
    if (strcmp(o->out, "-") != 0)
        printf("%s: %" PRId64 " payload bytes, %.10g s\n", o->out, bytes,
               (double)bytes / m->stfr);
    return 0;
}

int gfpuls_line_main(int argc, char **argv)
{
    line_opts o = {.speed = 100, .accel = 2000, .stfr = 10000, .power = 127};
    int rc = parse_line_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.dz > INT32_MAX || fabs(o.dx_mm) > 1e6 || fabs(o.dy_mm) > 1e6)
        return gfpuls_usage_error(argv[0], "move too long");
    gf_puls_move m = {
        .dx = mm_to_steps(o.dx_mm),
        .dy = mm_to_steps(o.dy_mm),
        .dz = o.dz_neg ? -(int64_t)o.dz : (int64_t)o.dz,
        .speed = o.speed / GF_PULS_MM_PER_STEP_XY,
        .accel = o.accel / GF_PULS_MM_PER_STEP_XY,
        .stfr = (uint32_t)o.stfr,
        .laser = o.laser,
        .power = (uint8_t)o.power,
    };
    return write_line(&o, &m);
}
