/* gfpuls_info.c - `gfpuls info`: a pulse file's header, tags named from the
 * settings catalog, sizes, compression and run time. */
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
                gfpuls_tag_text(t[i].name, txt);
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
    gfpuls_tag_text(t->name, txt);
    const gf_setting *s = gf_setting_lookup(t->name);
    json_t *o = json_pack("{s:I, s:s, s:I, s:b}", "offset",
                          (json_int_t)(8 + 8 * i), "name", txt, "value",
                          (json_int_t)t->value, "known", s != NULL);
    if (gfpuls_tag_signed(t->name))
        json_object_set_new(o, "int32", json_integer((int32_t)t->value));
    if (s && s->note)
        json_object_set_new(o, "note", json_string(s->note));
    return o;
}

static int info_json(const read_opts *o, const gf_puls_reader *r)
{
    size_t n;
    const gf_puls_tag *t = gf_puls_tags(r, &n);
    int64_t payload = gf_puls_payload_length(r);
    int known;
    double secs =
        gfpuls_run_time(r, (uint64_t)(payload > 0 ? payload : 0), &known);
    json_t *tags = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(tags, info_tag_json(&t[i], i));
    uint32_t stfr = 0;
    gf_puls_tag_get(r, "STfr", &stfr);
    json_t *j = json_pack(
        "{s:s, s:b, s:o, s:i, s:s, s:I, s:I, s:o, s:o, s:o, s:o}", "file",
        o->file, "gzip", gf_puls_is_gzip(r), "body_size",
        gfpuls_nullable_int(gf_puls_body_size(r)), "lead_byte",
        gf_puls_lead_byte(r), "magic", "GF1", "header_length",
        (json_int_t)gf_puls_header_length(r), "tag_count", (json_int_t)n,
        "payload_length", gfpuls_nullable_int(payload), "stfr",
        known ? json_integer(stfr) : json_null(), "run_time_s",
        known && payload >= 0 ? json_real(secs) : json_null(), "tags", tags);
    gfpuls_print_json(j);
    return 0;
}

static void info_tag_line(const gf_puls_tag *t, size_t i)
{
    char txt[17];
    gfpuls_tag_text(t->name, txt);
    const gf_setting *s = gf_setting_lookup(t->name);
    printf("  %4zu  %-4s %10" PRIu32, 8 + 8 * i, txt, t->value);
    if (gfpuls_tag_signed(t->name) && (int32_t)t->value < 0)
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
    double secs =
        gfpuls_run_time(r, (uint64_t)(payload > 0 ? payload : 0), &known);
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

int gfpuls_info_main(int argc, char **argv)
{
    read_opts o = {.lim = {.max_body = UINT64_MAX}};
    int rc = gfpuls_parse_read_opts(argc, argv, &o, info_help, 1, 0);
    if (rc >= 0)
        return rc;
    gf_puls_reader *r;
    if ((rc = gfpuls_open_reader(&o, &r)) != GF_OK)
        return rc;
    size_t n;
    const gf_puls_tag *tags = gf_puls_tags(r, &n);
    warn_duplicates(tags, n);
    rc = o.json ? info_json(&o, r) : info_text(&o, r);
    gf_puls_close(r);
    return rc;
}
