/* puls_validate.c - the checks a pulse file passes before it plays.
 *
 * PROTOCOL.md §15.6: a job is refused unless its header carries a sane STfr,
 * PDfm 0, an MCsn that is 0 or this machine's serial, and x8 microstepping,
 * and unless the whole body arrives intact (gzip ends properly, size caps
 * hold) with a power byte before the first laser bit (a run resets the duty
 * to ~100%, so firing before a power byte would burn at full power). Every
 * refusal has its own error code and a one-line reason. The reasons never
 * contain a serial number: they end up in logs (§15.6). */
#include <stdio.h>

#include "gf/puls.h"
#include "puls_internal.h"

#define STFR_MIN  1000u
#define STFR_MAX  200000u
#define MICROSTEP 8u

static int check_stfr(const gf_puls_reader *r, char *msg, size_t msglen)
{
    uint32_t v;
    if (gf_puls_tag_get(r, "STfr", &v) != GF_OK) {
        puls_msg(msg, msglen, "STfr (tick frequency) is missing");
        return GF_EPULS_STFR;
    }
    if (v < STFR_MIN || v > STFR_MAX) {
        puls_msg(msg, msglen, "STfr %u Hz is outside %u..%u", v, STFR_MIN,
                 STFR_MAX);
        return GF_EPULS_STFR;
    }
    return GF_OK;
}

static int check_pdfm(const gf_puls_reader *r, char *msg, size_t msglen)
{
    uint32_t v;
    if (gf_puls_tag_get(r, "PDfm", &v) != GF_OK) {
        puls_msg(msg, msglen, "PDfm (pulse data format) is missing");
        return GF_EPULS_PDFM;
    }
    if (v != 0) {
        puls_msg(msg, msglen, "PDfm is %u; only format 0 is known", v);
        return GF_EPULS_PDFM;
    }
    return GF_OK;
}

static int check_serial(const gf_puls_reader *r, uint64_t serial, char *msg,
                        size_t msglen)
{
    uint32_t v;
    if (gf_puls_tag_get(r, "MCsn", &v) != GF_OK) {
        puls_msg(msg, msglen, "MCsn (machine serial lock) is missing");
        return GF_EPULS_SERIAL;
    }
    if (v != 0 && (uint64_t)v != serial) {
        puls_msg(msg, msglen,
                 "the job is locked to another machine (MCsn "
                 "does not match this serial)");
        return GF_EPULS_SERIAL;
    }
    return GF_OK;
}

static int check_microstep(const gf_puls_reader *r, const char *tag, char *msg,
                           size_t msglen)
{
    uint32_t v;
    if (gf_puls_tag_get(r, tag, &v) == GF_OK && v != MICROSTEP) {
        puls_msg(msg, msglen, "%s is %u; the planner uses x%u microstepping",
                 tag, v, MICROSTEP);
        return GF_EPULS_MICROSTEP;
    }
    return GF_OK;
}

int gf_puls_validate_header(const gf_puls_reader *r, uint64_t serial, char *msg,
                            size_t msglen)
{
    int rc = check_stfr(r, msg, msglen);
    if (rc == GF_OK)
        rc = check_pdfm(r, msg, msglen);
    if (rc == GF_OK)
        rc = check_serial(r, serial, msg, msglen);
    if (rc == GF_OK)
        rc = check_microstep(r, "XSmm", msg, msglen);
    if (rc == GF_OK)
        rc = check_microstep(r, "YSmm", msg, msglen);
    if (rc == GF_OK)
        puls_msg(msg, msglen, "ok");
    return rc;
}

int gf_puls_check_power(const gf_puls_stats *s, char *msg, size_t msglen)
{
    if (s->first_laser >= 0 &&
        (s->first_power < 0 || s->first_power > s->first_laser)) {
        puls_msg(msg, msglen,
                 "the laser fires at payload offset %lld before any power "
                 "byte",
                 (long long)s->first_laser);
        return GF_EPULS_POWER;
    }
    return GF_OK;
}

int gf_puls_validate_stream(gf_puls_reader *r, uint64_t serial,
                            gf_puls_stats *stats, char *msg, size_t msglen)
{
    gf_puls_stats local;
    gf_puls_stats *s = stats ? stats : &local;
    int rc = gf_puls_validate_header(r, serial, msg, msglen);
    if (rc != GF_OK)
        return rc;
    rc = gf_puls_stats_read(r, s);
    if (rc != GF_OK) {
        const char *why = gf_puls_error(r);
        puls_msg(msg, msglen, "%s", *why ? why : gf_strerror(rc));
        return rc;
    }
    rc = gf_puls_check_power(s, msg, msglen);
    if (rc == GF_OK)
        puls_msg(msg, msglen, "ok");
    return rc;
}

int gf_puls_validate_file(const char *path, uint64_t serial,
                          const gf_puls_limits *limits, char *msg,
                          size_t msglen)
{
    gf_puls_reader *r;
    int rc = gf_puls_open_file(&r, path, limits, msg, msglen);
    if (rc != GF_OK)
        return rc;
    rc = gf_puls_validate_stream(r, serial, NULL, msg, msglen);
    gf_puls_close(r);
    return rc;
}
