/* fuzz_cloud_signin.c - libFuzzer target for the sign-in body
 * (src/cloud/signin_body.c): any client can POST /machines/sign_in before
 * it has a credential, so no body may crash, hang or leak the decoder.
 *
 * The first byte picks the decoder (odd: JSON, even: form encoding), the
 * rest is the body. Beyond "does not crash": a decoded body always holds
 * NUL-terminated fields that fit their buffers and are cleared on error,
 * and whatever serial it names goes through cloud_parse_serial as the
 * handler does; a serial it accepts is never 0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"
#include "signin_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    signin_creds cr;
    uint64_t serial = 0;
    if (size < 1)
        return 0;
    int json = data[0] & 1;
    /* The handler's body is NUL-terminated after body_len bytes; keep that
     * so an overread shows up as a heap overflow just past the copy. */
    char *body = malloc(size);
    if (!body)
        return 0;
    memcpy(body, data + 1, size - 1);
    body[size - 1] = '\0';
    int rc = signin_parse_body(body, size - 1, json, &cr);
    if (memchr(cr.serial, '\0', sizeof(cr.serial)) == NULL ||
        memchr(cr.password, '\0', sizeof(cr.password)) == NULL)
        abort();
    if (rc != 0 && (cr.serial[0] || cr.password[0]))
        abort();
    if (rc == 0 && cloud_parse_serial(cr.serial, &serial) == 0 && serial == 0)
        abort();
    free(body);
    return 0;
}
