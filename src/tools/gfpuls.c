/* gfpuls.c - the `gfpuls` command: a CLI over libgf's pulse-file codec.
 *
 * One dispatcher and the codec commands (info, stats, validate, cat,
 * line/gen); `compile` and `render` live in their own files
 * (gfpuls_cmds.h). Every command takes --help. Errors are one line on
 * stderr, "gfpuls: FILE: reason (code)", and the exit status says which
 * error it was: the libgf error number negated (40..51 for the pulse-file
 * refusals, 3 for I/O, 6 for a size cap), 2 for a usage error, 0 for
 * success. Scripts and the integration tests rely on those numbers. */
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

#define EXIT_USAGE 2
#define MSG_LEN    512
#define WARN_BODY  (32ll << 20) /* §15.6 check 7 */

/* ---- shared helpers ---------------------------------------------------- */

static int exit_code(int err)
{
    return err < 0 && err > -126 ? -err : 1;
}

static int usage_error(const char *cmd, const char *what)
{
    fprintf(stderr, "gfpuls %s: %s (see gfpuls %s --help)\n", cmd, what, cmd);
    return EXIT_USAGE;
}

static int fail(const char *file, int err, const char *msg)
{
    fprintf(stderr, "gfpuls: %s: %s (%s)\n", file,
            msg && *msg ? msg : gf_strerror(err), gf_errname(err));
    return exit_code(err);
}

/* Strict unsigned integer with an optional K/M/G (binary) suffix. */
static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    int shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (*end || (shift && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Options every reading command takes. */
typedef struct read_opts {
    gf_puls_limits lim;
    int json;
    uint64_t serial;
    const char *file;
} read_opts;

enum { OPT_MAX_BODY = 1000, OPT_MAX_INFLATED, OPT_SERIAL, OPT_JSON, OPT_HELP };

static const char *const limits_help =
    "  --max-body N       refuse a body (as stored) over N bytes\n"
    "  --max-inflated N   refuse more than N bytes after inflating (gzip "
    "bombs)\n"
    "                     (N may end in K, M or G; defaults: no body cap "
    "for\n"
    "                     info/stats/cat, 128M for validate; 4G inflated)\n";

/* Parse the common options; returns -1 to continue, else an exit code. */
static int parse_read_opts(int argc, char **argv, read_opts *o,
                           const char *help, int with_json, int with_serial)
{
    static const struct option opts[] = {
        {"max-body", required_argument, NULL, OPT_MAX_BODY},
        {"max-inflated", required_argument, NULL, OPT_MAX_INFLATED},
        {"serial", required_argument, NULL, OPT_SERIAL},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == OPT_HELP || c == 'h') {
            fputs(help, stdout);
            fputs(limits_help, stdout);
            return 0;
        }
        if (c == OPT_MAX_BODY && parse_u64(optarg, &o->lim.max_body) == 0 &&
            o->lim.max_body)
            continue;
        if (c == OPT_MAX_INFLATED &&
            parse_u64(optarg, &o->lim.max_inflated) == 0 && o->lim.max_inflated)
            continue;
        if (c == OPT_SERIAL && with_serial &&
            parse_u64(optarg, &o->serial) == 0)
            continue;
        if (c == OPT_JSON && with_json) {
            o->json = 1;
            continue;
        }
        if (c == '?' || c == ':')
            return usage_error(argv[0], "unknown option or missing value");
        return usage_error(argv[0], "bad option value");
    }
    if (optind != argc - 1)
        return usage_error(argv[0], "expects exactly one FILE");
    o->file = argv[optind];
    return -1;
}

static int open_reader(const read_opts *o, gf_puls_reader **r)
{
    char msg[MSG_LEN];
    int rc = gf_puls_open_file(r, o->file, &o->lim, msg, sizeof msg);
    return rc == GF_OK ? GF_OK : fail(o->file, rc, msg);
}

/* Tag names come from the file: show anything unprintable as \xHH. */
static void tag_text(const char *name, char out[17])
{
    char *p = out;
    for (int i = 0; i < 4; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '"')
            *p++ = (char)ch;
        else
            p += sprintf(p, "\\x%02x", ch);
    }
    *p = '\0';
}

/* Temperature families hold signed values (§15.2). */
static int tag_signed(const char *name)
{
    static const char *const fam[] = {"BT", "HT", "LT", "IT", "FT"};
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++)
        if (strncmp(name, fam[i], 2) == 0)
            return 1;
    return 0;
}

static double run_time(const gf_puls_reader *r, uint64_t ticks, int *known)
{
    uint32_t stfr = 0;
    *known = gf_puls_tag_get(r, "STfr", &stfr) == GF_OK && stfr > 0;
    return *known ? (double)ticks / stfr : 0;
}

static void print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
    fputc('\n', stdout);
    json_decref(j);
}

/* ---- info --------------------------------------------------------------- */

static const char *const info_help =
    "usage: gfpuls info FILE [--json] [--max-body N] [--max-inflated N]\n"
    "Show a pulse file's header: lead byte, header length, every tag with\n"
    "its name and note from the settings catalog, body size, compression,\n"
    "payload length (from the file size or the gzip ISIZE trailer) and run\n"
    "time = payload / STfr. FILE may be - for standard input.\n";

static void warn_duplicates(const gf_puls_tag *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (memcmp(t[i].name, t[j].name, 4) == 0) {
                char txt[17];
                tag_text(t[i].name, txt);
                fprintf(stderr,
                        "gfpuls: warning: tag %s appears more than "
                        "once; the last one wins\n",
                        txt);
                break;
            }
}

static json_t *info_tag_json(const gf_puls_tag *t, size_t i)
{
    char txt[17];
    tag_text(t->name, txt);
    const gf_setting *s = gf_setting_lookup(t->name);
    json_t *o = json_pack("{s:I, s:s, s:I, s:b}", "offset",
                          (json_int_t)(8 + 8 * i), "name", txt, "value",
                          (json_int_t)t->value, "known", s != NULL);
    if (tag_signed(t->name))
        json_object_set_new(o, "int32", json_integer((int32_t)t->value));
    if (s && s->note)
        json_object_set_new(o, "note", json_string(s->note));
    return o;
}

static json_t *nullable_int(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static int info_json(const read_opts *o, const gf_puls_reader *r)
{
    size_t n;
    const gf_puls_tag *t = gf_puls_tags(r, &n);
    int64_t payload = gf_puls_payload_length(r);
    int known;
    double secs = run_time(r, (uint64_t)(payload > 0 ? payload : 0), &known);
    json_t *tags = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(tags, info_tag_json(&t[i], i));
    uint32_t stfr = 0;
    gf_puls_tag_get(r, "STfr", &stfr);
    json_t *j = json_pack(
        "{s:s, s:b, s:o, s:i, s:s, s:I, s:I, s:o, s:o, s:o, s:o}", "file",
        o->file, "gzip", gf_puls_is_gzip(r), "body_size",
        nullable_int(gf_puls_body_size(r)), "lead_byte", gf_puls_lead_byte(r),
        "magic", "GF1", "header_length", (json_int_t)gf_puls_header_length(r),
        "tag_count", (json_int_t)n, "payload_length", nullable_int(payload),
        "stfr", known ? json_integer(stfr) : json_null(), "run_time_s",
        known && payload >= 0 ? json_real(secs) : json_null(), "tags", tags);
    print_json(j);
    return 0;
}

static void info_tag_line(const gf_puls_tag *t, size_t i)
{
    char txt[17];
    tag_text(t->name, txt);
    const gf_setting *s = gf_setting_lookup(t->name);
    printf("  %4zu  %-4s %10" PRIu32, 8 + 8 * i, txt, t->value);
    if (tag_signed(t->name) && (int32_t)t->value < 0)
        printf(" (int32 %" PRId32 ")", (int32_t)t->value);
    printf("  %s\n", s ? (s->note ? s->note : "")
                       : "(not in the settings "
                         "catalog)");
}

static int info_text(const read_opts *o, const gf_puls_reader *r)
{
    size_t n;
    const gf_puls_tag *t = gf_puls_tags(r, &n);
    int64_t body = gf_puls_body_size(r), payload = gf_puls_payload_length(r);
    printf("file:           %s\n", o->file);
    if (body >= 0)
        printf("body:           %" PRId64 " bytes, %s\n", body,
               gf_puls_is_gzip(r) ? "gzip" : "plain");
    else
        printf("body:           size unknown, %s\n",
               gf_puls_is_gzip(r) ? "gzip" : "plain");
    printf("lead byte:      0x%02x\nmagic:          GF1\n",
           gf_puls_lead_byte(r));
    printf("header length:  %" PRIu32 " bytes (%zu tags)\n",
           gf_puls_header_length(r), n);
    if (payload >= 0)
        printf("payload:        %" PRId64 " bytes\n", payload);
    else
        printf("payload:        unknown without reading it\n");
    int known;
    double secs = run_time(r, (uint64_t)(payload > 0 ? payload : 0), &known);
    uint32_t stfr = 0;
    gf_puls_tag_get(r, "STfr", &stfr);
    if (known && payload >= 0)
        printf("run time:       %.10g s (STfr %" PRIu32 " Hz)\n", secs, stfr);
    else
        printf("run time:       unknown\n");
    printf("tags (offset, name, value, catalog note):\n");
    for (size_t i = 0; i < n; i++)
        info_tag_line(&t[i], i);
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    read_opts o = {.lim = {.max_body = UINT64_MAX}};
    int rc = parse_read_opts(argc, argv, &o, info_help, 1, 0);
    if (rc >= 0)
        return rc;
    gf_puls_reader *r;
    if ((rc = open_reader(&o, &r)) != GF_OK)
        return rc;
    size_t n;
    const gf_puls_tag *tags = gf_puls_tags(r, &n);
    warn_duplicates(tags, n);
    rc = o.json ? info_json(&o, r) : info_text(&o, r);
    gf_puls_close(r);
    return rc;
}

/* ---- stats -------------------------------------------------------------- */

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
    double secs = run_time(r, s->payload_bytes, &known);
    uint64_t kt = gf_puls_stats_kernel_ticks(s);
    double ksecs = run_time(r, kt, &known);
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
    json_t *more = json_pack(
        "{s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "laser_on",
        (json_int_t)s->laser_on, "power_bytes", (json_int_t)s->power_bytes,
        "power_pairs", (json_int_t)s->power_pairs, "zero_bytes",
        (json_int_t)s->zero_bytes, "first_step", nullable_int(s->first_step),
        "last_step", nullable_int(s->last_step), "first_laser",
        nullable_int(s->first_laser), "first_power",
        nullable_int(s->first_power));
    json_object_update(j, more);
    json_decref(more);
    json_t *counts = stats_counts_json(s);
    json_object_update(j, counts);
    json_decref(counts);
    print_json(j);
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
    double secs = run_time(r, s->payload_bytes, &known);
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

static int cmd_stats(int argc, char **argv)
{
    read_opts o = {.lim = {.max_body = UINT64_MAX}};
    int rc = parse_read_opts(argc, argv, &o, stats_help, 1, 0);
    if (rc >= 0)
        return rc;
    gf_puls_reader *r;
    if ((rc = open_reader(&o, &r)) != GF_OK)
        return rc;
    gf_puls_stats *s = malloc(sizeof *s);
    rc = s ? gf_puls_stats_read(r, s) : GF_ENOMEM;
    if (rc != GF_OK)
        rc = fail(o.file, rc, gf_puls_error(r));
    else
        rc = o.json ? stats_json(&o, r, s) : stats_text(&o, r, s);
    free(s);
    gf_puls_close(r);
    return rc;
}

/* ---- validate ----------------------------------------------------------- */

static const char *const validate_help =
    "usage: gfpuls validate FILE [--serial N] [--max-body N] "
    "[--max-inflated N]\n"
    "Run the checks a machine makes before a job plays (PROTOCOL.md §15.6):\n"
    "magic and header length, STfr within 1000..200000, PDfm 0, MCsn 0 or\n"
    "equal to --serial (default 0), XSmm/YSmm 8, the whole body intact\n"
    "(gzip ends properly), size caps, and a power byte before the first\n"
    "laser bit. Prints \"ok\" and exits 0, or prints the reason and exits\n"
    "with the error's code: 40 empty, 41 truncated, 42 magic, 43 header\n"
    "length, 44 header past the end, 45 gzip corrupt, 46 gzip truncated,\n"
    "47 STfr, 48 PDfm, 49 serial, 50 microstepping, 51 power; 3 I/O error,\n"
    "6 over a size cap, 2 usage.\n";

static int cmd_validate(int argc, char **argv)
{
    read_opts o = {0};
    int rc = parse_read_opts(argc, argv, &o, validate_help, 0, 1);
    if (rc >= 0)
        return rc;
    char msg[MSG_LEN];
    rc = gf_puls_validate_file(o.file, o.serial, &o.lim, msg, sizeof msg);
    if (rc != GF_OK)
        return fail(o.file, rc, msg);
    struct stat st; /* §15.6 check 7: a body this large deserves a look */
    if (stat(o.file, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size >= WARN_BODY)
        fprintf(stderr,
                "gfpuls: warning: %s: body is %lld bytes (32 MiB or "
                "more)\n",
                o.file, (long long)st.st_size);
    printf("%s: ok\n", o.file);
    return 0;
}

/* ---- cat ---------------------------------------------------------------- */

static const char *const cat_help =
    "usage: gfpuls cat FILE [--max-body N] [--max-inflated N]\n"
    "Write the payload (inflated if the file is gzip, header left out) to\n"
    "standard output. Exits non-zero if the body turns out to be broken.\n";

static int cmd_cat(int argc, char **argv)
{
    read_opts o = {.lim = {.max_body = UINT64_MAX}};
    int rc = parse_read_opts(argc, argv, &o, cat_help, 0, 0);
    if (rc >= 0)
        return rc;
    gf_puls_reader *r;
    if ((rc = open_reader(&o, &r)) != GF_OK)
        return rc;
    const uint8_t *chunk;
    ssize_t n;
    while ((n = gf_puls_read(r, &chunk)) > 0)
        if (fwrite(chunk, 1, (size_t)n, stdout) != (size_t)n) {
            n = GF_EIO;
            break;
        }
    if (fflush(stdout) != 0)
        n = GF_EIO;
    rc = n < 0 ? fail(o.file, (int)n, gf_puls_error(r)) : 0;
    gf_puls_close(r);
    return rc;
}

/* ---- line / gen --------------------------------------------------------- */

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
    return parse_u64(o->dz_neg ? s + 1 : s, &o->dz);
}

static int line_opt(int c, line_opts *o)
{
    switch (c) {
    case L_DX:
        return o->have_dx = 1, parse_double(optarg, &o->dx_mm);
    case L_DY:
        return o->have_dy = 1, parse_double(optarg, &o->dy_mm);
    case L_DZ:
        return parse_dz(optarg, o);
    case L_SPEED:
        return parse_double(optarg, &o->speed) || !(o->speed > 0) ? -1 : 0;
    case L_ACCEL:
        return parse_double(optarg, &o->accel) || o->accel < 0 ? -1 : 0;
    case L_STFR:
        return parse_u64(optarg, &o->stfr);
    case L_POWER:
        return parse_u64(optarg, &o->power) || o->power > 127 ? -1 : 0;
    case L_SERIAL:
        return parse_u64(optarg, &o->serial) || o->serial > UINT32_MAX ? -1 : 0;
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
            return usage_error(argv[0], "unknown option or missing value");
        if (line_opt(c, o) != 0)
            return usage_error(argv[0], "bad option value");
    }
    if (optind != argc)
        return usage_error(argv[0], "unexpected argument");
    if (!o->out)
        return usage_error(argv[0], "-o FILE is required");
    if (!o->have_dx && !o->have_dy && !o->dz)
        return usage_error(argv[0], "give at least one of --dx, --dy, --dz");
    if (o->stfr < 1000 || o->stfr > 200000)
        return usage_error(argv[0], "--stfr must be within 1000..200000");
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
        return fail(o->out, (int)bytes, "the move cannot be generated");
    bytes += o->laser; /* the dark tick at the end */
    gf_puls_tag tags[69];
    size_t n = gf_puls_default_tags(tags, 69, m->stfr, (uint32_t)o->serial);
    for (size_t i = 0; i < n; i++)
        if (strcmp(tags[i].name, "PDct") == 0)
            tags[i].value = (uint32_t)(bytes / m->stfr);
    gf_puls_writer *w;
    int rc = gf_puls_writer_open(&w, o->out, tags, n, o->gzip);
    if (rc != GF_OK)
        return fail(o->out, rc, "cannot write the file");
    rc = gf_puls_gen_move(w, m);
    if (rc == GF_OK && o->laser)
        rc = gf_puls_writer_write(w, "", 1); /* end dark */
    if (rc != GF_OK) {
        gf_puls_writer_abort(w);
        return fail(o->out, rc, "cannot write the move");
    }
    if ((rc = gf_puls_writer_close(w)) != GF_OK)
        return fail(o->out, rc, "cannot finish the file");
    if (strcmp(o->out, "-") != 0)
        printf("%s: %" PRId64 " payload bytes, %.10g s\n", o->out, bytes,
               (double)bytes / m->stfr);
    return 0;
}

static int cmd_line(int argc, char **argv)
{
    line_opts o = {.speed = 100, .accel = 2000, .stfr = 10000, .power = 127};
    int rc = parse_line_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.dz > INT32_MAX || fabs(o.dx_mm) > 1e6 || fabs(o.dy_mm) > 1e6)
        return usage_error(argv[0], "move too long");
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

/* ---- dispatcher --------------------------------------------------------- */

static const char *const main_help =
    "usage: gfpuls COMMAND [options]   (gfpuls COMMAND --help for more)\n"
    "Pulse files (.puls) for Glowforge laser cutters, plain or gzip.\n"
    "  info FILE        header tags with catalog names, sizes, run time\n"
    "  stats FILE       step statistics (--json for machine use)\n"
    "  validate FILE    the checks before a job plays (--serial N)\n"
    "  cat FILE         inflated payload to standard output\n"
    "  line | gen       write a straight move (-o FILE)\n"
    "  compile          a design (SVG/PNG) to a pulse file\n"
    "  render           a pulse file to a preview PNG\n"
    "Exit status: 0 ok, 2 usage, 3 I/O, 6 over a size cap, 40..51 a\n"
    "pulse-file error (see gfpuls validate --help).\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"info", cmd_info},
    {"stats", cmd_stats},
    {"validate", cmd_validate},
    {"cat", cmd_cat},
    {"line", cmd_line},
    {"gen", cmd_line},
    {"compile", gfpuls_compile_main},
    {"render", gfpuls_render_main},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_help, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(main_help, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "gfpuls: unknown command '%s' (see gfpuls --help)\n",
            argv[1]);
    return EXIT_USAGE;
}
