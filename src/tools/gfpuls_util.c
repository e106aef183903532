/* gfpuls_util.c - helpers shared by the gfpuls commands: exit codes (the
 * libgf error number negated, 2 for usage), one-line errors, option parsing
 * for the commands that read a pulse file, and output helpers. */
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

int gfpuls_exit_code(int err)
{
    return err < 0 && err > -126 ? -err : 1;
}

int gfpuls_usage_error(const char *cmd, const char *what)
{
    fprintf(stderr, "gfpuls %s: %s (see gfpuls %s --help)\n", cmd, what, cmd);
    return EXIT_USAGE;
}

int gfpuls_fail(const char *file, int err, const char *msg)
{
    fprintf(stderr, "gfpuls: %s: %s (%s)\n", file,
            msg && *msg ? msg : gf_strerror(err), gf_errname(err));
    return gfpuls_exit_code(err);
}

/* Strict unsigned integer with an optional K/M/G (binary) suffix. */
int gfpuls_parse_u64(const char *s, uint64_t *out)
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

int gfpuls_parse_double(const char *s, double *out)
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

enum { OPT_MAX_BODY = 1000, OPT_MAX_INFLATED, OPT_SERIAL, OPT_JSON, OPT_HELP };

static const char *const limits_help =
    "  --max-body N       refuse a body (as stored) over N bytes\n"
    "  --max-inflated N   refuse more than N bytes after inflating (gzip "
    "bombs)\n"
    "                     (N may end in K, M or G; defaults: no body cap "
    "for\n"
    "                     info/stats/cat, 128M for validate; 4G inflated)\n";

/* Parse the common options; returns -1 to continue, else an exit code. */
int gfpuls_parse_read_opts(int argc, char **argv, read_opts *o,
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
        if (c == OPT_MAX_BODY &&
            gfpuls_parse_u64(optarg, &o->lim.max_body) == 0 && o->lim.max_body)
            continue;
        if (c == OPT_MAX_INFLATED &&
            gfpuls_parse_u64(optarg, &o->lim.max_inflated) == 0 &&
            o->lim.max_inflated)
            continue;
        if (c == OPT_SERIAL && with_serial &&
            gfpuls_parse_u64(optarg, &o->serial) == 0)
            continue;
        if (c == OPT_JSON && with_json) {
            o->json = 1;
            continue;
        }
        if (c == '?' || c == ':')
            return gfpuls_usage_error(argv[0],
                                      "unknown option or missing value");
        return gfpuls_usage_error(argv[0], "bad option value");
    }
    if (optind != argc - 1)
        return gfpuls_usage_error(argv[0], "expects exactly one FILE");
    o->file = argv[optind];
    return -1;
}

int gfpuls_open_reader(const read_opts *o, gf_puls_reader **r)
{
    char msg[MSG_LEN];
    int rc = gf_puls_open_file(r, o->file, &o->lim, msg, sizeof msg);
    return rc == GF_OK ? GF_OK : gfpuls_fail(o->file, rc, msg);
}

/* Tag names come from the file: show anything unprintable as \xHH. */
void gfpuls_tag_text(const char *name, char out[17])
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
int gfpuls_tag_signed(const char *name)
{
    static const char *const fam[] = {"BT", "HT", "LT", "IT", "FT"};
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++)
        if (strncmp(name, fam[i], 2) == 0)
            return 1;
    return 0;
}

double gfpuls_run_time(const gf_puls_reader *r, uint64_t ticks, int *known)
{
    uint32_t stfr = 0;
    *known = gf_puls_tag_get(r, "STfr", &stfr) == GF_OK && stfr > 0;
    return *known ? (double)ticks / stfr : 0;
}

void gfpuls_print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
    fputc('\n', stdout);
    json_decref(j);
}

/* JSON null for the -1 that means "none" or "unknown". */
json_t *gfpuls_nullable_int(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}
