/* puls_tags.c - the default header for generated pulse files.
 *
 * A machine refuses headers that lack the factory's mandatory tags, and
 * which 29 tags those are is unknown (PROTOCOL.md §15.3). The safe choice is
 * to copy a header the cloud really sent: these are the 69 tags of the
 * captured motion file tests/fixtures/puls/1234567890-nooptions-xxxxx.puls,
 * in file order and with its values; only STfr and MCsn are the caller's. */
#include <string.h>

#include "gf/puls.h"

#define INT32_MIN_RAW 0x80000000u /* temperature floor "no limit" sentinel */
#define INT32_MAX_RAW 0x7fffffffu

static const gf_puls_tag fixture_tags[] = {
    {"MCsn", 0},
    {"PCid", 19795},
    {"AAid", 204},
    {"AAin", 0},
    {"AAix", 0},
    {"AArd", 204},
    {"AArn", 0},
    {"AArx", 0},
    {"AAwd", 204},
    {"AAwn", 0},
    {"AAwx", 0},
    {"EFid", 0},
    {"EFin", 0},
    {"EFix", 0},
    {"EFrd", 0},
    {"EFrn", 0},
    {"EFrx", 0},
    {"EFwd", 0},
    {"EFwn", 0},
    {"EFwx", 0},
    {"IFid", 0},
    {"IFin", 0},
    {"IFix", 0},
    {"IFrd", 0},
    {"IFrn", 0},
    {"IFrx", 0},
    {"IFwd", 0},
    {"IFwn", 0},
    {"IFwx", 0},
    {"PDct", 1},
    {"PDfm", 0},
    {"PTmn", 0},
    {"PTmx", 0},
    {"STfr", 10000},
    {"XSdm", 1},
    {"XShc", 33},
    {"XSmm", 8},
    {"XSrc", 135},
    {"YSdm", 1},
    {"YShc", 5},
    {"YSmm", 8},
    {"YSrc", 22},
    {"FEid", 0},
    {"FErd", 0},
    {"FEwd", 0},
    {"FIid", 0},
    {"FIrd", 0},
    {"FIwd", 0},
    {"FPid", 0},
    {"FPrd", 0},
    {"FPwd", 0},
    {"BTrn", INT32_MIN_RAW},
    {"BTrx", INT32_MAX_RAW},
    {"BTwn", INT32_MIN_RAW},
    {"BTwx", INT32_MAX_RAW},
    {"CMin", 10000},
    {"CMix", 50000},
    {"CMrn", 10000},
    {"CMrx", 50000},
    {"CMwn", 10000},
    {"CMwx", 50000},
    {"HTrn", INT32_MIN_RAW},
    {"HTrx", INT32_MAX_RAW},
    {"HTwn", INT32_MIN_RAW},
    {"HTwx", INT32_MAX_RAW},
    {"LTrn", INT32_MIN_RAW},
    {"LTrx", INT32_MAX_RAW},
    {"LTwn", INT32_MIN_RAW},
    {"LTwx", INT32_MAX_RAW},
};

size_t gf_puls_default_tags(gf_puls_tag *out, size_t cap, uint32_t stfr,
                            uint32_t serial)
{
    size_t n = sizeof fixture_tags / sizeof fixture_tags[0];
    if (!out)
        return 0;
    n = n < cap ? n : cap;
    for (size_t i = 0; i < n; i++) {
        out[i] = fixture_tags[i];
        if (strcmp(out[i].name, "STfr") == 0)
            out[i].value = stfr;
        else if (strcmp(out[i].name, "MCsn") == 0)
            out[i].value = serial;
    }
    return n;
}
