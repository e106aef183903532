/* materials.c - material presets (materials.h).
 *
 * A material is a small JSON document in the store, keyed by a name that
 * can sit in a URL path. Its three operations are checked like a job's
 * (job_spec_op). The first start of a data directory stores a few generic
 * presets, labelled as such: starting points for common stock, to be
 * tested on a scrap, not settings measured for any particular machine. */
#include "materials.h"

#include <stdio.h>
#include <string.h>

#include "api_path.h"
#include "job_spec.h"
#include "log.h"

static const char *const op_names[3] = {"cut", "score", "engrave"};

int material_name_ok(const char *name)
{
    return api_name_ok(name, 63) && name[0] != '.';
}

json_t *material_parse(const char *name, const json_t *body, char *err,
                       size_t errlen)
{
    if (!material_name_ok(name)) {
        snprintf(err, errlen, "name: 1 to 63 of A-Z a-z 0-9 . _ -");
        return NULL;
    }
    if (!json_is_object(body)) {
        snprintf(err, errlen, "body must be a JSON object");
        return NULL;
    }
    json_t *t = json_object_get(body, "thickness_mm");
    json_t *label = json_object_get(body, "label");
    double th = json_number_value(t);
    if (!json_is_number(t) || !(th > 0 && th <= 50) ||
        (label &&
         (!json_is_string(label) || strlen(json_string_value(label)) > 200))) {
        snprintf(err, errlen,
                 "thickness_mm must be a number within 0..50; label a "
                 "string of at most 200 bytes");
        return NULL;
    }
    json_t *doc = json_pack("{s:s, s:s, s:f, s:b}", "name", name, "label",
                            label ? json_string_value(label) : "",
                            "thickness_mm", th, "preset", 0);
    for (int k = 0; k < 3 && doc; k++) {
        gf_op op;
        if (job_spec_op(json_object_get(body, op_names[k]), (gf_op_kind)k, &op,
                        err, errlen) != 0 ||
            op.kind != (gf_op_kind)k) {
            if (op.kind != (gf_op_kind)k)
                snprintf(err, errlen, "%s: op must be %s", op_names[k],
                         op_names[k]);
            json_decref(doc);
            return NULL;
        }
        json_object_set_new(doc, op_names[k],
                            json_pack("{s:f, s:f, s:i}", "speed", op.speed,
                                      "power", op.power, "passes", op.passes));
    }
    return doc;
}

int material_ops(cloud *c, const char *name, gf_op ops[3])
{
    char err[128];
    json_t *doc = NULL;
    store_rc rc = store_material_get(c->store, name, &doc);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? 1 : -1;
    for (int k = 0; k < 3; k++) {
        if (job_spec_op(json_object_get(doc, op_names[k]), (gf_op_kind)k,
                        &ops[k], err, sizeof(err)) != 0) {
            json_decref(doc);
            return -1;
        }
    }
    json_decref(doc);
    return 0;
}

/* Starting points, not measured settings: test on a scrap first. */
static const struct preset {
    const char *name;
    double thickness;
    double cut[3], score[3], engrave[3]; /* speed, power, passes */
} presets[] = {
    {"generic-plywood-3mm", 3.0, {8, 100, 1}, {150, 20, 1}, {100, 30, 1}},
    {"generic-acrylic-3mm", 3.0, {5, 100, 1}, {150, 15, 1}, {100, 25, 1}},
    {"generic-cardstock", 0.3, {60, 40, 1}, {200, 10, 1}, {200, 10, 1}},
    {"generic-leather-2mm", 2.0, {10, 100, 1}, {150, 20, 1}, {120, 25, 1}},
};

static json_t *op3(const double v[3])
{
    return json_pack("{s:f, s:f, s:i}", "speed", v[0], "power", v[1], "passes",
                     (int)v[2]);
}

void materials_seed(cloud *c)
{
    if (store_flag_get(c->store, "materials_seeded") == STORE_OK)
        return;
    for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
        const struct preset *p = &presets[i];
        json_t *doc = json_pack(
            "{s:s, s:s, s:f, s:b, s:o, s:o, s:o}", "name", p->name, "label",
            "generic starting point: test on a scrap of your stock first",
            "thickness_mm", p->thickness, "preset", 1, "cut", op3(p->cut),
            "score", op3(p->score), "engrave", op3(p->engrave));
        if (!doc ||
            store_material_put(c->store, p->name, doc, 1) == STORE_ERROR)
            log_msg(LOG_WARN, "materials: cannot store preset %s", p->name);
        json_decref(doc);
    }
    store_flag_set(c->store, "materials_seeded");
}
