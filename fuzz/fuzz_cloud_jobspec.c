/* fuzz_cloud_jobspec.c - libFuzzer target for what a client puts in the
 * query of POST /api/v1/jobs (src/cloud/job_spec.c): the machine, the
 * placement, the name and material, and the operations JSON.
 *
 * The input is up to seven values split on '\n' (machine, x_mm, y_mm, name,
 * material, ops, and a material body for materials.c); a missing value is
 * absent. Invariants: an accepted spec
 * has a serial, a placement inside the 495 x 279 mm bed, printable short
 * name and material, at most JOB_SPEC_MAX_RULES operations each with a
 * known kind and speed/power/passes in range (a bare kind, which a
 * material completes, only the kind); its operations survive being
 * written back as JSON and parsed again, unchanged. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job_spec.h"
#include "materials.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const job_spec *s)
{
    if (s->serial == 0 || !(s->x_mm >= 0 && s->x_mm <= GF_BED_W_MM) ||
        !(s->y_mm >= 0 && s->y_mm <= GF_BED_H_MM) ||
        s->n_rules > JOB_SPEC_MAX_RULES)
        abort();
    for (size_t i = 0; i < s->n_rules; i++) {
        const gf_op *op = &s->rules[i].op;
        if (op->kind > GF_OP_ENGRAVE)
            abort();
        if (s->rules[i].from_material)
            continue; /* a bare kind: the material fills in the rest */
        if (!(op->speed > 0) || !(op->power >= 0 && op->power <= 100) ||
            op->passes < 1)
            abort();
    }
    for (const char *p = s->name; *p; p++)
        if ((unsigned char)*p < 0x20)
            abort();
    json_t *ops = job_spec_ops_json(s);
    job_spec again;
    char err[256];
    memset(&again, 0, sizeof(again));
    if (job_spec_ops(&again, ops, err, sizeof(err)) != 0 ||
        again.n_rules != s->n_rules)
        abort();
    json_decref(ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    char *v[7] = {0};
    job_spec s;
    char err[256];
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *p = buf;
    for (int i = 0; i < 7 && p; i++) {
        v[i] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    if (job_spec_parse(&s, v[0], v[1], v[2], v[3], v[4], v[5], err,
                       sizeof(err)) == 0)
        check(&s);
    else if (!err[0])
        abort(); /* a refusal always says why */
    if (v[6]) {  /* a material's body, named by the name field */
        json_t *body = json_loads(v[6], 0, NULL);
        err[0] = '\0';
        json_t *doc = material_parse(v[3] ? v[3] : "", body, err, sizeof(err));
        if (doc && !material_name_ok(v[3]))
            abort();
        if (!doc && !err[0])
            abort();
        json_decref(doc);
        json_decref(body);
    }
    free(buf);
    return 0;
}
