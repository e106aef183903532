/* gfpuls_stats.c - `gfpuls stats`: step statistics of a whole payload (text or
 * JSON). */
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

static const char *const stats_help =
    "usage: gfpuls stats FILE [--json] [--max-body N] [--max-inflated N]\n"
    "Read the whole payload (plain or gzip) and print its step statistics\n"
    "(PROTOCOL.md §15.4): X+/X-/Y+/Y-/Z+/Z- steps, net and min/max position\n"
    "in steps and mm (X/Y 0.01875 mm per step; Z 0.35306 mm per step is an\n"
    "estimate), laser-on ticks, power bytes and the levels used, run time =\n"
    "payload / STfr, kernel ticks (payload minus power bytes that take no\n"
    "tick), zero bytes, first/last step and every byte value's count.\n";

static json_t *xyz(int64_t x, int64_t y, int64_t z)
{
    return json_pack("{s:I, s:I, s:I}", "x", (json_int_t)x, "y", (json_int_t)y,
                     "z", (json_int_t)z);
}

static json_t *xyz_mm(int64_t x, int64_t y, int64_t z)
{
    return json_pack("{s:f, s:f, s:f}", "x", x * GF_PULS_MM_PER_STEP_XY, "y",
                     y * GF_PULS_MM_PER_STEP_XY, "z",
                     z * GF_PULS_MM_PER_STEP_Z);
}

static json_t *stats_counts_json(const gf_puls_stats *s)
{
    json_t *levels = json_object(), *bytes = json_object();
    char key[8];
    for (int d = 0; d < 128; d++)
        if (s->power_used[d]) {
            snprintf(key, sizeof key, "%d", d);
            json_object_set_new(levels, key,
                                json_integer((json_int_t)s->power_used[d]));
        }
    for (int b = 0; b < 256; b++)
        if (s->byte_count[b]) {
            snprintf(key, sizeof key, "%02x", b);
            json_object_set_new(bytes, key,
                                json_integer((json_int_t)s->byte_count[b]));
        }
    return json_pack("{s:o, s:o}", "power_levels", levels, "byte_counts",
                     bytes);
}

static int stats_json(const read_opts *o, const gf_puls_reader *r,
                      const gf_puls_stats *s)
{
    int known;
    double secs = gfpuls_run_time(r, s->payload_bytes, &known);
    uint64_t kt = gf_puls_stats_kernel_ticks(s);
    double ksecs = gfpuls_run_time(r, kt, &known);
    json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:o, s:I, s:o}", "file",
                          o->file, "gzip", gf_puls_is_gzip(r), "header_length",
                          (json_int_t)gf_puls_header_length(r), "payload_bytes",
                          (json_int_t)s->payload_bytes, "run_time_s",
                          known ? json_real(secs) : json_null(), "kernel_ticks",
                          (json_int_t)kt, "kernel_time_s",
                          known ? json_real(ksecs) : json_null());
    json_object_set_new(
        j, "steps",
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "x_plus",
                  (json_int_t)s->x_plus, "x_minus", (json_int_t)s->x_minus,
                  "y_plus", (json_int_t)s->y_plus, "y_minus",
                  (json_int_t)s->y_minus, "z_plus", (json_int_t)s->z_plus,
                  "z_minus", (json_int_t)s->z_minus));
    json_object_set_new(j, "net", xyz(s->x, s->y, s->z));
    json_object_set_new(j, "min", xyz(s->x_min, s->y_min, s->z_min));
    json_object_set_new(j, "max", xyz(s->x_max, s->y_max, s->z_max));
    json_object_set_new(j, "net_mm", xyz_mm(s->x, s->y, s->z));
    json_object_set_new(j, "min_mm", xyz_mm(s->x_min, s->y_min, s->z_min));
    json_object_set_new(j, "max_mm", xyz_mm(s->x_max, s->y_max, s->z_max));
    json_t *more = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}",
                             "laser_on", (json_int_t)s->laser_on, "power_bytes",
                             (json_int_t)s->power_bytes, "power_pairs",
                             (json_int_t)s->power_pairs, "zero_bytes",
                             (json_int_t)s->zero_bytes, "first_step",
                             gfpuls_nullable_int(s->first_step), "last_step",
                             gfpuls_nullable_int(s->last_step), "first_laser",
                             gfpuls_nullable_int(s->first_laser), "first_power",
                             gfpuls_nullable_int(s->first_power));
    json_object_update(j, more);
    json_decref(more);
    json_t *counts = stats_counts_json(s);
    json_object_update(j, counts);
    json_decref(counts);
    gfpuls_print_json(j);
    return 0;
}

static void print_offset(const char *label, int64_t v)
{
    if (v >= 0)
        printf("%-16s%" PRId64 "\n", label, v);
    else
        printf("%-16snone\n", label);
}

static void print_xyz(const char *label, int64_t x, int64_t y, int64_t z)
{
    printf("%-16sX %+" PRId64 "  Y %+" PRId64 "  Z %+" PRId64 "\n", label, x, y,
           z);
    printf("%-16sX %+.10g  Y %+.10g  Z %+.10g (Z estimated)\n",
           "  in mm:", x * GF_PULS_MM_PER_STEP_XY, y * GF_PULS_MM_PER_STEP_XY,
           z * GF_PULS_MM_PER_STEP_Z);
}

static void print_histograms(const gf_puls_stats *s)
{
    printf("power levels:  ");
    if (!s->power_bytes)
        printf(" none");
    for (int d = 127; d >= 0; d--)
        if (s->power_used[d])
            printf(" %d:%" PRIu64, d, s->power_used[d]);
    printf("\nbyte values:   ");
    for (int b = 0; b < 256; b++)
        if (s->byte_count[b])
            printf(" %02x:%" PRIu64, b, s->byte_count[b]);
    printf("\n");
}

static int stats_text(const read_opts *o, const gf_puls_reader *r,
                      const gf_puls_stats *s)
{
    int known;
    uint32_t stfr = 0;
    gf_puls_tag_get(r, "STfr", &stfr);
    double secs = gfpuls_run_time(r, s->payload_bytes, &known);
    uint64_t kt = gf_puls_stats_kernel_ticks(s);
    printf("file:           %s (%s)\n", o->file,
           gf_puls_is_gzip(r) ? "gzip" : "plain");
    printf("payload:        %" PRIu64 " bytes\n", s->payload_bytes);
    if (known)
        printf("run time:       %.10g s (STfr %" PRIu32 " Hz)\n"
               "kernel ticks:   %" PRIu64 " (%.10g s)\n",
               secs, stfr, kt, (double)kt / stfr);
    else
        printf("run time:       unknown (no STfr)\nkernel ticks:   %" PRIu64
               "\n",
               kt);
    printf("X+ / X-:        %" PRIu64 " / %" PRIu64 "\n", s->x_plus,
           s->x_minus);
    printf("Y+ / Y-:        %" PRIu64 " / %" PRIu64 "\n", s->y_plus,
           s->y_minus);
    printf("Z+ / Z-:        %" PRIu64 " / %" PRIu64 "\n", s->z_plus,
           s->z_minus);
    print_xyz("net (steps):", s->x, s->y, s->z);
    print_xyz("min (steps):", s->x_min, s->y_min, s->z_min);
    print_xyz("max (steps):", s->x_max, s->y_max, s->z_max);
    printf("laser-on:       %" PRIu64 " ticks\n", s->laser_on);
    printf("power bytes:    %" PRIu64 " (back to back: %" PRIu64 ")\n",
           s->power_bytes, s->power_pairs);
    printf("zero bytes:     %" PRIu64 "\n", s->zero_bytes);
    print_offset("first step:", s->first_step);
    print_offset("last step:", s->last_step);
    print_offset("first laser:", s->first_laser);
    print_offset("first power:", s->first_power);
    print_histograms(s);
    return 0;
}

int gfpuls_stats_main(int argc, char **argv)
{
    read_opts o = {.lim = {.max_body = UINT64_MAX}};
    int rc = gfpuls_parse_read_opts(argc, argv, &o, stats_help, 1, 0);
    if (rc >= 0)
        return rc;
    gf_puls_reader *r;
    if ((rc = gfpuls_open_reader(&o, &r)) != GF_OK)
        return rc;
    gf_puls_stats *s = malloc(sizeof *s);
    rc = s ? gf_puls_stats_read(r, s) : GF_ENOMEM;
    if (rc != GF_OK)
        rc = gfpuls_fail(o.file, rc, gf_puls_error(r));
    else
        rc = o.json ? stats_json(&o, r, s) : stats_text(&o, r, s);
    free(s);
    gf_puls_close(r);
    return rc;
}
