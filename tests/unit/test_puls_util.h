/* test_puls_util.h - helpers the pulse-codec unit tests share: fixture
 * paths, whole-file reads, temp dirs and gzip copies made with zlib. */
#ifndef TEST_PULS_UTIL_H
#define TEST_PULS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define TP_NOOPT "1234567890-nooptions-xxxxx.puls"
#define TP_HUNT  "hunt-signed-offset--8-step-size-0.35306.puls"

/* GF_SOURCE_DIR/tests/fixtures/puls/<name>, in a static buffer. */
const char *tp_fixture(const char *name);
/* Whole file in a malloc'd buffer (aborts the test on failure). */
uint8_t *tp_slurp(const char *path, size_t *len);
void tp_spit(const char *path, const void *buf, size_t len);
/* A fresh directory under /tmp, and its removal with everything in it. */
char *tp_tmpdir(void);
void tp_rmtree(char *dir);
/* A single-member gzip copy of buf (malloc'd). */
uint8_t *tp_gzip(const void *buf, size_t len, size_t *outlen);
/* dir/name in a malloc'd string. */
char *tp_join(const char *dir, const char *name);

#endif
