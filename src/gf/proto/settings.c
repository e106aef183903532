/* settings.c - the machine settings catalog and the settings report
 * (PROTOCOL.md §12, §18).
 *
 * The catalog itself is a table generated at build time from
 * data/machine-settings.tsv (settings_gen.c); this file only searches it and
 * turns it into the `{"values":{...}}` report a machine sends with
 * `settings:completed`. Codes are ASCII-sorted (the generator refuses
 * anything else), so a lookup is a binary search. */
#include <string.h>

#include "gf/settings.h"
#include "settings_table.h"

const gf_setting *gf_settings_all(size_t *count)
{
    if (count)
        *count = gf_settings_table_len;
    return gf_settings_table;
}

const gf_setting *gf_setting_lookup(const char *code)
{
    size_t lo = 0, hi = gf_settings_table_len;
    if (!code)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(code, gf_settings_table[mid].code);
        if (c == 0)
            return &gf_settings_table[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

int64_t gf_setting_clamp(const gf_setting *s, int64_t value)
{
    if (!s)
        return value;
    if (s->has_min && value < s->min)
        return s->min;
    if (s->has_max && value > s->max)
        return s->max;
    return value;
}

/* The catalog default of `s` as a JSON value of the catalog's type. A code
 * without a default (MCsn, MCdt: both filled in by the caller) reports 0. */
static json_t *settings_default(const gf_setting *s)
{
    switch (s->type) {
    case GF_SETTING_STR:
        return json_string(s->def ? s->def : "");
    case GF_SETTING_FLOAT:
        return json_real(s->def_float);
    case GF_SETTING_INT:
    default:
        return json_integer(s->def_int);
    }
}

/* The §12.4 values that come from the machine, the clock or the request
 * rather than the catalog; NULL means "use the catalog default". */
static json_t *settings_identity(const gf_setting *s, const gf_identity *id,
                                 int64_t now, int64_t action_id)
{
    const char *c = s->code;
    if (strcmp(c, "MCdt") == 0)
        return json_integer(now);
    if (strcmp(c, "SAid") == 0)
        return json_integer(action_id);
    if (!id)
        return NULL;
    if (strcmp(c, "MCsn") == 0)
        return json_integer((json_int_t)id->serial);
    if (strcmp(c, "MCov") == 0 && id->fw_version)
        return json_string(id->fw_version);
    if (strcmp(c, "MCdv") == 0 && id->app_version)
        return json_string(id->app_version);
    if (strcmp(c, "MCip") == 0 && id->ip)
        return json_string(id->ip);
    if (strcmp(c, "NIma") == 0 && id->mac)
        return json_string(id->mac);
    if (strcmp(c, "HEfv") == 0 && id->head_fw >= 0)
        return json_integer(id->head_fw);
    if (strcmp(c, "HEid") == 0 && id->head_id >= 0)
        return json_integer(id->head_id);
    if (strcmp(c, "HEsn") == 0 && id->head_serial >= 0)
        return json_integer(id->head_serial);
    return NULL;
}

json_t *gf_settings_report(const gf_identity *id, int64_t now,
                           int64_t action_id)
{
    json_t *values = json_object();
    json_t *report = NULL;
    if (!values)
        goto fail;
    /* A serial past INT64_MAX cannot be a JSON integer here; refuse it
     * rather than report a negative serial. */
    if (id && id->serial > (uint64_t)INT64_MAX)
        goto fail;
    for (size_t i = 0; i < gf_settings_table_len; i++) {
        const gf_setting *s = &gf_settings_table[i];
        json_t *v;
        if (!s->in_report)
            continue;
        v = settings_identity(s, id, now, action_id);
        if (!v)
            v = settings_default(s);
        if (!v || json_object_set_new(values, s->code, v) != 0)
            goto fail;
    }
    report = json_object();
    if (!report)
        goto fail;
    /* json_object_set_new takes `values` even when it fails */
    if (json_object_set_new(report, "values", values) != 0) {
        json_decref(report);
        return NULL;
    }
    return report;
fail:
    json_decref(values);
    return NULL;
}
