/* puls_internal.h - what the pulse-codec files share and nobody else sees.
 *
 * The reader is split in two layers: a byte source (file descriptor, memory
 * or callback, optionally inflated) that hands out blocks of the plain file,
 * and the header/payload logic on top (puls_read.c). This header only names
 * the helpers that more than one puls*.c file needs. */
#ifndef GF_PULS_INTERNAL_H
#define GF_PULS_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

/* snprintf into a caller's message buffer, which may be NULL. */
void puls_msg(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Default cap on inflated bytes when gf_puls_limits leaves it at 0. */
#define PULS_DEFAULT_MAX_INFLATED (4ull * 1024 * 1024 * 1024)

/* A header longer than this is refused as insane: the factory knows 346
 * tags, so a real header is under 3 KiB. */
#define PULS_MAX_HEADER (64u * 1024)

#endif
