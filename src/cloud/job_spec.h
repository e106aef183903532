/* job_spec.h - what a POST /api/v1/jobs asks for, parsed from its query
 * values and its operations JSON: which machine, where on the bed, what to
 * do with each colour. Untrusted text in, a checked struct out (fuzzed by
 * fuzz_cloud_jobspec). */
#ifndef CLOUD_JOB_SPEC_H
#define CLOUD_JOB_SPEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gf/compile.h"

#define JOB_SPEC_MAX_RULES 64

typedef struct job_rule {
    int any;           /* "*": every other stroke colour */
    int image;         /* "image": raster inputs */
    uint32_t rgb;      /* else this stroke colour */
    int from_material; /* "score": the material's settings for op.kind */
    gf_op op;
} job_rule;

typedef struct job_spec {
    uint64_t serial;
    double x_mm, y_mm; /* the design's origin on the bed, from home */
    char name[128];
    char material[64]; /* "" none */
    job_rule rules[JOB_SPEC_MAX_RULES];
    size_t n_rules;
} job_spec;

/* Query values as lws decoded them (NULL: absent); `ops` is JSON text:
 *   {"#ff0000": {"op": "cut", "speed": 10, "power": 100, "passes": 1},
 *    "*": {"op": "score", ...}, "image": {"op": "engrave", ...},
 *    "#0000ff": "score"}
 * A bare kind takes the material's settings for it (job_spec_material).
 * 0, or -1 with a sentence in `err`. */
int job_spec_parse(job_spec *out, const char *machine, const char *x_mm,
                   const char *y_mm, const char *name, const char *material,
                   const char *ops, char *err, size_t errlen);
/* The same operations from a parsed JSON object (a multipart part, a
 * material preset): appended to out->rules. */
int job_spec_ops(job_spec *out, const json_t *ops, char *err, size_t errlen);
/* One operation object {"op","speed","power","passes"}; `kind_default`
 * when "op" is absent. 0 or -1 with `err`. */
int job_spec_op(const json_t *o, gf_op_kind kind_default, gf_op *op, char *err,
                size_t errlen);
/* Apply material operations `mat` (cut, score, engrave): the bare kinds
 * take theirs; every other stroke colour is cut and images engraved with
 * the material's settings unless ops says otherwise. */
void job_spec_material(job_spec *s, const gf_op mat[3]);
/* Whether some operation is a bare kind (it needs a material). */
int job_spec_needs_material(const job_spec *s);
/* The operations as JSON (what GET /api/v1/jobs/{id} shows). */
json_t *job_spec_ops_json(const job_spec *s);

#endif
