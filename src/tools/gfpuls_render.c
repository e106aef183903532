/* gfpuls_render.c - `gfpuls render`: a pulse file as a PNG preview.
 *
 * Users look at this before they press the button; it works on any pulse
 * file, ours or a captured one (gf_render_file in gf/compile.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gf/compile.h"
#include "gfpuls_cmds.h"

static const char usage[] =
    "usage: gfpuls render JOB.puls -o PREVIEW.png [--scale PX_PER_MM]\n"
    "                     [--origin X,Y]\n"
    "\n"
    "Draws what the head does: travel in light blue, the laser-on path in red\n"
    "(darker = more power), the 495 x 279 mm work area outlined in black.\n"
    "\n"
    "  -o, --output FILE   the PNG to write (required)\n"
    "  --scale N           pixels per mm, 0.1..10 (default 2)\n"
    "  --origin X,Y        where the head is when the job starts, mm from the\n"
    "                      work area's rear-left corner (default 0,0)\n"
    "  -h, --help          this text\n";

static int parse(int argc, char **argv, const char **in, const char **out,
                 gf_render_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char extra, *end;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            exit(0);
        } else if (a[0] != '-' && !*in) {
            *in = a;
            continue;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
            *out = v;
        } else if (!strcmp(a, "--scale") && v) {
            errno = 0;
            o->scale = strtod(v, &end);
            if (errno || end == v || *end || !(o->scale > 0))
                goto bad;
        } else if (!strcmp(a, "--origin") && v) {
            if (sscanf(v, "%lf,%lf%c", &o->origin_x, &o->origin_y, &extra) != 2)
                goto bad;
        } else {
            fprintf(stderr,
                    "gfpuls render: unknown or incomplete option "
                    "%s (see --help)\n",
                    a);
            return -1;
        }
        i++;
        continue;
    bad:
        fprintf(stderr, "gfpuls render: bad value for %s: %s\n", a, v);
        return -1;
    }
    if (!*in || !*out) {
        fprintf(stderr, "gfpuls render: need JOB.puls and -o PREVIEW.png "
                        "(see --help)\n");
        return -1;
    }
    return 0;
}

int gfpuls_render_main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    gf_render_opts o = {0, 0, 0};
    gf_render_result r;
    char msg[512] = "";
    if (parse(argc, argv, &in, &out, &o) != 0)
        return 2;
    int rc = gf_render_file(in, out, &o, &r, msg, sizeof msg);
    if (rc != GF_OK) {
        fprintf(stderr, "gfpuls render: %s\n", msg[0] ? msg : gf_strerror(rc));
        return 1;
    }
    printf("wrote %s (%u x %u px): %llu ticks, %llu laser-on\n", out, r.width,
           r.height, (unsigned long long)r.ticks,
           (unsigned long long)r.laser_ticks);
    if (r.outside)
        printf("note: %llu ticks with the head outside the work area (is "
               "--origin right?)\n",
               (unsigned long long)r.outside);
    return 0;
}
