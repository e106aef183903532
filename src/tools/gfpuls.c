/* gfpuls.c - the `gfpuls` command: a CLI over libgf's pulse-file codec.
 *
 * This file is the dispatcher; each command lives in its own file
 * (gfpuls_<command>.c, declared in gfpuls_cmds.h). Every command takes --help.
 * Errors are one line on stderr, "gfpuls: FILE: reason (code)", and the exit
 * status says which error it was: the libgf error number negated (40..51 for
 * the pulse-file refusals, 3 for I/O, 6 for a size cap), 2 for a usage error, 0
 * for success. Scripts and the integration tests rely on those numbers. */
#include <stdio.h>
#include <string.h>

#include "gf/version.h"
#include "gfpuls_cmds.h"
#include "gfpuls_util.h"

static const char *const main_help =
    "usage: gfpuls COMMAND [options]   (gfpuls COMMAND --help for more)\n"
    "Pulse files (.puls) for Glowforge laser cutters, plain or gzip.\n"
    "  info FILE        header tags with catalog names, sizes, run time\n"
    "  stats FILE       step statistics (--json for machine use)\n"
    "  validate FILE    the checks before a job plays (--serial N)\n"
    "  cat FILE         inflated payload to standard output\n"
    "  line | gen       write a straight move (-o FILE)\n"
    "  compile          a design (SVG/PNG) to a pulse file\n"
    "  render           a pulse file to a preview PNG\n"
    "  --version        the version of gfpuls\n"
    "Exit status: 0 ok, 2 usage, 3 I/O, 6 over a size cap, 40..51 a\n"
    "pulse-file error (see gfpuls validate --help).\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"info", gfpuls_info_main},         {"stats", gfpuls_stats_main},
    {"validate", gfpuls_validate_main}, {"cat", gfpuls_cat_main},
    {"line", gfpuls_line_main},         {"gen", gfpuls_line_main},
    {"compile", gfpuls_compile_main},   {"render", gfpuls_render_main},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_help, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(main_help, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("gfpuls %s\n", GF_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "gfpuls: unknown command '%s' (see gfpuls --help)\n",
            argv[1]);
    return EXIT_USAGE;
}
