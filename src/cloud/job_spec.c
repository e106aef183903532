/* job_spec.c - parsing what a job asks for (job_spec.h).
 *
 * Every value comes from a client: numbers must be finite and in range,
 * names short and printable, colours #rrggbb, and at most
 * JOB_SPEC_MAX_RULES operations. The compiler checks its own limits again
 * (speed, power, passes); this file only makes sure what reaches it is
 * well formed, and says which field is wrong. */
#include "job_spec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"

static int number(const char *text, double lo, double hi, double *out)
{
    char *end = NULL;
    if (!text || !*text)
        return -1;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int printable(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n >= max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f)
            return 0;
    }
    return 1;
}

static int colour(const char *s, uint32_t *rgb)
{
    if (strlen(s) != 7 || s[0] != '#')
        return -1;
    uint32_t v = 0;
    for (int i = 1; i < 7; i++) {
        char ch = s[i];
        int d = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint32_t)d;
    }
    *rgb = v;
    return 0;
}

static const char *const kinds[] = {"cut", "score", "engrave"};

int job_spec_op(const json_t *o, gf_op_kind kind_default, gf_op *op, char *err,
                size_t errlen)
{
    if (!json_is_object(o)) {
        snprintf(err, errlen, "an operation must be a JSON object");
        return -1;
    }
    const char *k = json_string_value(json_object_get(o, "op"));
    op->kind = kind_default;
    if (json_object_get(o, "op") && !k) {
        snprintf(err, errlen, "op must be cut, score or engrave");
        return -1;
    }
    for (int i = 0; k && i < 3; i++) {
        if (strcmp(k, kinds[i]) == 0) {
            op->kind = (gf_op_kind)i;
            k = NULL;
        }
    }
    if (k) {
        snprintf(err, errlen, "op must be cut, score or engrave");
        return -1;
    }
    json_t *sp = json_object_get(o, "speed"), *pw = json_object_get(o, "power");
    json_t *ps = json_object_get(o, "passes");
    if (!json_is_number(sp) || !json_is_number(pw) ||
        (ps && !json_is_integer(ps))) {
        snprintf(err, errlen,
                 "an operation needs speed and power (numbers) and may have "
                 "passes (an integer)");
        return -1;
    }
    op->speed = json_number_value(sp);
    op->power = json_number_value(pw);
    json_int_t passes = ps ? json_integer_value(ps) : 1;
    if (!(op->speed > 0 && op->speed <= 1000) ||
        !(op->power >= 0 && op->power <= 100) || passes < 1 || passes > 100) {
        snprintf(err, errlen,
                 "speed must be within 0..1000 mm/s, power 0..100 %%, "
                 "passes 1..100");
        return -1;
    }
    op->passes = (int)passes;
    return 0;
}

int job_spec_ops(job_spec *out, const json_t *ops, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    if (!json_is_object(ops)) {
        snprintf(err, errlen, "ops must be a JSON object of colour: operation");
        return -1;
    }
    json_object_foreach((json_t *)ops, key, v)
    {
        job_rule r;
        memset(&r, 0, sizeof(r));
        r.any = strcmp(key, "*") == 0;
        r.image = strcmp(key, "image") == 0;
        if (!r.any && !r.image && colour(key, &r.rgb) != 0) {
            snprintf(err, errlen,
                     "ops keys are #rrggbb colours, \"*\" or \"image\"");
            return -1;
        }
        for (size_t i = 0; i < out->n_rules; i++) {
            const job_rule *o = &out->rules[i];
            if (o->any == r.any && o->image == r.image &&
                (r.any || r.image || o->rgb == r.rgb)) {
                snprintf(err, errlen, "ops names %s twice", key);
                return -1;
            }
        }
        if (out->n_rules >= JOB_SPEC_MAX_RULES) {
            snprintf(err, errlen, "at most %d operations", JOB_SPEC_MAX_RULES);
            return -1;
        }
        const char *bare = json_string_value(v);
        for (int k = 0; bare && k < 3; k++) {
            if (strcmp(bare, kinds[k]) == 0) {
                r.from_material = 1;
                r.op.kind = (gf_op_kind)k;
            }
        }
        if (bare && !r.from_material) {
            snprintf(err, errlen, "a bare operation is cut, score or engrave");
            return -1;
        }
        if (!r.from_material &&
            job_spec_op(v, r.image ? GF_OP_ENGRAVE : GF_OP_CUT, &r.op, err,
                        errlen) != 0)
            return -1;
        out->rules[out->n_rules++] = r;
    }
    return 0;
}

int job_spec_parse(job_spec *out, const char *machine, const char *x_mm,
                   const char *y_mm, const char *name, const char *material,
                   const char *ops, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (cloud_parse_serial(machine, &out->serial) != 0) {
        snprintf(err, errlen, "machine=S<serial> is required");
        return -1;
    }
    if ((x_mm && number(x_mm, 0, GF_BED_W_MM, &out->x_mm) != 0) ||
        (y_mm && number(y_mm, 0, GF_BED_H_MM, &out->y_mm) != 0)) {
        snprintf(err, errlen,
                 "x_mm and y_mm must be numbers within the bed (0..%g, 0..%g)",
                 GF_BED_W_MM, GF_BED_H_MM);
        return -1;
    }
    if ((name && !printable(name, sizeof(out->name))) ||
        (material && !printable(material, sizeof(out->material)))) {
        snprintf(err, errlen,
                 "name and material must be printable and short (< 128, < "
                 "64 bytes)");
        return -1;
    }
    snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
    snprintf(out->material, sizeof(out->material), "%s",
             material ? material : "");
    if (!ops)
        return 0;
    json_error_t je;
    json_t *o = json_loads(ops, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        snprintf(err, errlen, "ops is not JSON: %s", je.text);
        return -1;
    }
    int rc = job_spec_ops(out, o, err, errlen);
    json_decref(o);
    return rc;
}

int job_spec_needs_material(const job_spec *s)
{
    for (size_t i = 0; i < s->n_rules; i++) {
        if (s->rules[i].from_material)
            return 1;
    }
    return 0;
}

void job_spec_material(job_spec *s, const gf_op mat[3])
{
    int any = 0, image = 0;
    for (size_t i = 0; i < s->n_rules; i++) {
        job_rule *r = &s->rules[i];
        if (r->from_material) {
            r->op = mat[r->op.kind];
            r->from_material = 0;
        }
        any |= r->any;
        image |= r->image;
    }
    job_rule def = {0};
    if (!any && s->n_rules < JOB_SPEC_MAX_RULES) {
        def.any = 1;
        def.op = mat[GF_OP_CUT];
        s->rules[s->n_rules++] = def;
    }
    if (!image && s->n_rules < JOB_SPEC_MAX_RULES) {
        memset(&def, 0, sizeof(def));
        def.image = 1;
        def.op = mat[GF_OP_ENGRAVE];
        s->rules[s->n_rules++] = def;
    }
}

json_t *job_spec_ops_json(const job_spec *s)
{
    json_t *o = json_object();
    for (size_t i = 0; i < s->n_rules; i++) {
        const job_rule *r = &s->rules[i];
        char key[8];
        if (r->any)
            snprintf(key, sizeof(key), "*");
        else if (r->image)
            snprintf(key, sizeof(key), "image");
        else
            snprintf(key, sizeof(key), "#%06x", r->rgb & 0xffffffu);
        /* A bare kind that waits for a material's settings stays bare, as
         * it was given (job_spec_ops() reads it back the same). */
        json_object_set_new(o, key,
                            r->from_material
                                ? json_string(kinds[r->op.kind])
                                : json_pack("{s:s, s:f, s:f, s:i}", "op",
                                            kinds[r->op.kind], "speed",
                                            r->op.speed, "power", r->op.power,
                                            "passes", r->op.passes));
    }
    return o;
}
