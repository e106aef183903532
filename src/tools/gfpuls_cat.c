/* gfpuls_cat.c - `gfpuls cat`: the inflated payload to standard output. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gf/puls.h"
#include "gf/settings.h"
#include "gfpuls_cmds.h"
#include "gfpuls_util.h"

static const char *const cat_help =
    "usage: gfpuls cat FILE [--max-body N] [--max-inflated N]\n"
    "Write the payload (inflated if the file is gzip, header left out) to\n"
    "standard output. Exits non-zero if the body turns out to be broken.\n";

int gfpuls_cat_main(int argc, char **argv)
{
    read_opts o = {.lim = {.max_body = UINT64_MAX}};
    int rc = gfpuls_parse_read_opts(argc, argv, &o, cat_help, 0, 0);
    if (rc >= 0)
        return rc;
    gf_puls_reader *r;
    if ((rc = gfpuls_open_reader(&o, &r)) != GF_OK)
        return rc;
    const uint8_t *chunk;
    ssize_t n;
    while ((n = gf_puls_read(r, &chunk)) > 0)
        if (fwrite(chunk, 1, (size_t)n, stdout) != (size_t)n) {
            n = GF_EIO;
            break;
        }
    if (fflush(stdout) != 0)
        n = GF_EIO;
    rc = n < 0 ? gfpuls_fail(o.file, (int)n, gf_puls_error(r)) : 0;
    gf_puls_close(r);
    return rc;
}
