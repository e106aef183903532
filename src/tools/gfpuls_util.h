/* gfpuls_util.h - what the gfpuls commands share: option parsing for the
 * commands that read a pulse file, error reporting with the exit codes the
 * commands promise, number parsing and JSON output. */
#ifndef GFPULS_UTIL_H
#define GFPULS_UTIL_H

#include <jansson.h>
#include <stdint.h>

#include "gf/puls.h"

#define EXIT_USAGE 2
#define MSG_LEN    512
#define WARN_BODY  (32ll << 20) /* §15.6 check 7: warn at 32 MiB */

typedef struct read_opts {
    gf_puls_limits lim;
    int json;
    uint64_t serial;
    const char *file;
} read_opts;

int gfpuls_exit_code(int err);
int gfpuls_usage_error(const char *cmd, const char *what);
int gfpuls_fail(const char *file, int err, const char *msg);
int gfpuls_parse_u64(const char *s, uint64_t *out);
int gfpuls_parse_double(const char *s, double *out);
int gfpuls_parse_read_opts(int argc, char **argv, read_opts *o,
                           const char *help, int with_json, int with_serial);
int gfpuls_open_reader(const read_opts *o, gf_puls_reader **r);
void gfpuls_tag_text(const char *name, char out[17]);
int gfpuls_tag_signed(const char *name);
double gfpuls_run_time(const gf_puls_reader *r, uint64_t ticks, int *known);
void gfpuls_print_json(json_t *j);
json_t *gfpuls_nullable_int(int64_t v);

#endif
