/* gf/settings.h - the machine settings catalog (data/machine-settings.tsv)
 * and the settings report a machine sends in `settings:completed`
 * (PROTOCOL.md §12, §18). */
#ifndef GF_SETTINGS_H
#define GF_SETTINGS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gf/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum gf_setting_type {
    GF_SETTING_INT = 1,
    GF_SETTING_STR,
    GF_SETTING_FLOAT,
} gf_setting_type;

typedef struct gf_setting {
    const char *code; /* four characters, e.g. "STfr" */
    gf_setting_type type;
    int in_report;
    int has_min, has_max;
    int64_t min, max;
    const char *def; /* default as written in the catalog; NULL if none */
    const char *note;
    int64_t def_int;  /* `def` as a number for int codes (0 when none) */
    double def_float; /* `def` as a number for float codes (0 when none) */
} gf_setting;

/* In catalog (ASCII code) order. */
const gf_setting *gf_settings_all(size_t *count);
const gf_setting *gf_setting_lookup(const char *code);
/* Clamp a pulse-header value into the code's min..max (no-op without). */
int64_t gf_setting_clamp(const gf_setting *s, int64_t value);

/* What a machine fills in that is not a catalog default (§12.4). NULL
 * strings and negative numbers keep the catalog default. */
typedef struct gf_identity {
    uint64_t serial;         /* MCsn */
    const char *fw_version;  /* MCov */
    const char *app_version; /* MCdv */
    int64_t head_fw;         /* HEfv */
    int64_t head_id;         /* HEid */
    int64_t head_serial;     /* HEsn */
    const char *ip;          /* MCip */
    const char *mac;         /* NIma */
} gf_identity;

/* The full-form report {"values":{...}}: every in_report code in catalog
 * order, typed per the catalog, identity filled in, MCdt = `now`, SAid =
 * `action_id`. `id` may be NULL (catalog defaults, MCsn 0). Returns a new
 * reference, or NULL on allocation failure or a serial past INT64_MAX.
 * Floats are JSON reals: dump with gf_json_line() (gf/message.h) to keep
 * them short. */
json_t *gf_settings_report(const gf_identity *id, int64_t now,
                           int64_t action_id);

/* Check a received report: "full" ({"values":{...}} non-empty), "empty"
 * ({}), or an error for anything else. Sets *full accordingly. */
int gf_settings_report_form(const json_t *settings, int *full);

#ifdef __cplusplus
}
#endif
#endif
