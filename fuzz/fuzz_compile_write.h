/* fuzz_compile_write.h - the common last step of fuzz_svg and fuzz_image:
 * plan a small job, write it, read it back and check it. */
#ifndef FUZZ_COMPILE_WRITE_H
#define FUZZ_COMPILE_WRITE_H

#include "gf/compile.h"

/* Writes `j` (origin 0,0, serial 0) and aborts on a broken invariant. */
void fzw_check(gf_job *j);

#endif
