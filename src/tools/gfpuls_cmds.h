/* gfpuls_cmds.h - the gfpuls subcommands that live in their own files.
 * Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns the process exit code. */
#ifndef GFPULS_CMDS_H
#define GFPULS_CMDS_H

int gfpuls_info_main(int argc, char **argv);
int gfpuls_stats_main(int argc, char **argv);
int gfpuls_validate_main(int argc, char **argv);
int gfpuls_cat_main(int argc, char **argv);
int gfpuls_line_main(int argc, char **argv);
int gfpuls_compile_main(int argc, char **argv);
int gfpuls_render_main(int argc, char **argv);

#endif
