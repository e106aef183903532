/* materials.h - named material presets: a thickness and the speed, power
 * and passes to cut, score and engrave it (docs/api.md "Materials"). A job
 * names one with material=NAME. */
#ifndef CLOUD_MATERIALS_H
#define CLOUD_MATERIALS_H

#include <jansson.h>

#include "cloud.h"
#include "gf/compile.h"

/* A material as stored: {"name", "label", "thickness_mm", "cut", "score",
 * "engrave", "preset"}, each operation {"speed", "power", "passes"}. */

/* Check a client's body for material `name` (a path-safe name, 1..63 of
 * [A-Za-z0-9._-]) and build the stored document (new reference). NULL
 * with `err` on a bad value. */
json_t *material_parse(const char *name, const json_t *body, char *err,
                       size_t errlen);
/* Whether `name` is a valid material name. */
int material_name_ok(const char *name);
/* The three operations of material `name`: 0, 1 no such material, -1
 * error. ops[GF_OP_CUT], ops[GF_OP_SCORE], ops[GF_OP_ENGRAVE]. */
int material_ops(cloud *c, const char *name, gf_op ops[3]);
/* First start: store the generic presets (once; deleting them sticks). */
void materials_seed(cloud *c);

#endif
