/* settings_form.c - recognise the two forms of a received settings report
 * (PROTOCOL.md §12.2).
 *
 * A service reacts differently to the full form (`{"values":{...}}`: home the
 * machine) and to the empty form (`{}`: keep the head position it has), so it
 * must tell them apart and must not mistake a broken report for either. Kept
 * apart from settings.c because it needs no catalog (the fuzz target builds
 * it alone). */
#include "gf/settings.h"

/* Report values are numbers or strings (§12.3); anything else means the
 * report is not what a machine sends. */
static int form_values_ok(const json_t *values)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)values, key, v)
    {
        (void)key;
        if (!json_is_number(v) && !json_is_string(v))
            return 0;
    }
    return 1;
}

int gf_settings_report_form(const json_t *settings, int *full)
{
    const json_t *values;
    int is_full = 0;
    int rc = GF_EFIELD;
    if (!settings || !full)
        return GF_EINVAL;
    if (!json_is_object(settings))
        goto done;
    values = json_object_get(settings, "values");
    if (!values) {
        /* {} is the empty form; other keys without `values` are not a
         * report at all */
        if (json_object_size(settings) == 0)
            rc = GF_OK;
        goto done;
    }
    if (json_is_object(values) && json_object_size(values) > 0 &&
        form_values_ok(values)) {
        is_full = 1;
        rc = GF_OK;
    }
done:
    *full = is_full;
    return rc;
}
