/* gfpuls_validate.c - `gfpuls validate`: the checks a machine makes before a
 * job plays. */
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

static const char *const validate_help =
    "usage: gfpuls validate FILE [--serial N] [--max-body N] "
    "[--max-inflated N]\n"
    "Run the checks a machine makes before a job plays (PROTOCOL.md §15.6):\n"
    "magic and header length, STfr within 1000..200000, PDfm 0, MCsn 0 or\n"
    "equal to --serial (default 0), XSmm/YSmm 8, the whole body intact\n"
    "(gzip ends properly), size caps, and a power byte before the first\n"
    "laser bit. Prints \"ok\" and exits 0, or prints the reason and exits\n"
    "with the error's code: 40 empty, 41 truncated, 42 magic, 43 header\n"
    "length, 44 header past the end, 45 gzip corrupt, 46 gzip truncated,\n"
    "47 STfr, 48 PDfm, 49 serial, 50 microstepping, 51 power; 3 I/O error,\n"
    "6 over a size cap, 2 usage.\n";

int gfpuls_validate_main(int argc, char **argv)
{
    read_opts o = {0};
    int rc = gfpuls_parse_read_opts(argc, argv, &o, validate_help, 0, 1);
    if (rc >= 0)
        return rc;
    char msg[MSG_LEN];
    rc = gf_puls_validate_file(o.file, o.serial, &o.lim, msg, sizeof msg);
    if (rc != GF_OK)
        return gfpuls_fail(o.file, rc, msg);
    struct stat st; /* §15.6 check 7: a body this large deserves a look */
    if (stat(o.file, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size >= WARN_BODY)
        fprintf(stderr,
                "gfpuls: warning: %s: body is %lld bytes (32 MiB or "
                "more)\n",
                o.file, (long long)st.st_size);
    printf("%s: ok\n", o.file);
    return 0;
}
