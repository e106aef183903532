/* fuzz_cloud_auth.c - libFuzzer target for the credentials a client sends
 * (src/cloud/auth.c): bearer auth_tokens ("serial.expiry.mac"), ws_tokens
 * (the WebSocket path) and the signed upload URL (/upload/<id>?exp=&sig=).
 *
 * The first byte picks a mode:
 *   0  the rest is a bearer token, a ws_token and an upload signature;
 *      none of them may pass, since only the key's holder can make one.
 *   1  a real auth_token for a serial and expiry taken from the input,
 *      then bytes of the input overwrite it: it still passes only if it
 *      is unchanged, and then gives back the same serial.
 *   2  the same with an upload URL: the path, exp= and sig= are parsed as
 *      the handler does (api_path.c) and checked.
 * The server key lives in a scratch directory removed at exit. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_path.h"
#include "auth.h"
#include "fuzz_cloud_tmp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000

static auth *fz_auth;

static void fz_cleanup(void)
{
    auth_close(fz_auth);
    fuzz_tmp_remove();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];
    (void)argc;
    (void)argv;
    if (auth_open(&fz_auth, fuzz_tmp_make(), err, sizeof(err)) != 0) {
        fprintf(stderr, "auth_open: %s\n", err);
        abort();
    }
    atexit(fz_cleanup);
    return 0;
}

static uint64_t take_u64(const uint8_t **p, size_t *n)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && *n; i++, (*p)++, (*n)--)
        v = v << 8 | **p;
    return v;
}

/* Overwrite bytes of `tok` (length len) at input-chosen places. */
static void mutate(char *tok, size_t len, const uint8_t *p, size_t n)
{
    for (; n >= 2 && len; p += 2, n -= 2)
        tok[p[0] % len] = (char)(p[1] ? p[1] : 1);
}

static void forged(const char *text)
{
    uint64_t serial = 0;
    if (auth_token_check(fz_auth, text, 1, NOW, &serial) == 0)
        abort();
    if (auth_ws_token_peek(fz_auth, text, NOW, &serial, NULL) == 0 ||
        auth_ws_token_take(fz_auth, text, NOW, &serial, NULL) == 0)
        abort();
    if (auth_upload_check(fz_auth, 1, NOW + 60, text, NOW) == 0)
        abort();
}

static void bearer(const uint8_t *p, size_t n)
{
    char tok[AUTH_TOKEN_MAX], orig[AUTH_TOKEN_MAX];
    uint64_t serial = take_u64(&p, &n) % 1000000000000000000ULL + 1, got = 0;
    int64_t exp = (int64_t)(take_u64(&p, &n) % 100000) + NOW - 50000;
    uint64_t reg = take_u64(&p, &n), claimed = 0;
    auth_token_make(fz_auth, serial, reg, exp, tok);
    memcpy(orig, tok, sizeof(tok));
    mutate(tok, strlen(tok), p, n);
    int rc = auth_token_check(fz_auth, tok, reg, NOW, &got);
    int same = strcmp(tok, orig) == 0;
    if (rc == 0 && (!same || got != serial || exp <= NOW))
        abort();
    if (same && rc != (exp > NOW ? 0 : -2))
        abort();
    /* Another registration of the same serial never passes. */
    if (auth_token_check(fz_auth, tok, reg + 1, NOW, &got) == 0)
        abort();
    if (same && (auth_token_serial(tok, &claimed) != 0 || claimed != serial))
        abort();
}

static void upload(const uint8_t *p, size_t n)
{
    char path[64], eb[32], sig[65], orig[160], url[160];
    int64_t id = (int64_t)(take_u64(&p, &n) % 1000000) + 1, pid = 0, pexp = 0;
    int64_t exp = (int64_t)(take_u64(&p, &n) % 100000) + NOW - 50000;
    auth_upload_sig(fz_auth, id, exp, sig);
    snprintf(url, sizeof(url), "/upload/%" PRId64 "\n%" PRId64 "\n%s", id, exp,
             sig);
    memcpy(orig, url, sizeof(url));
    mutate(url, strlen(url), p, n);
    /* path \n exp \n sig, as lws hands them to http_upload_put(). */
    if (sscanf(url, "%63[^\n]\n%31[^\n]\n%64[^\n]", path, eb, sig) != 3 ||
        strncmp(path, "/upload/", 8) != 0 ||
        api_parse_id(path + 8, &pid) != 0 || api_parse_id(eb, &pexp) != 0)
        return;
    int rc = auth_upload_check(fz_auth, pid, pexp, sig, NOW);
    if (rc == 0 && (pid != id || pexp != exp || pexp <= NOW))
        abort();
    if (strcmp(url, orig) == 0 && rc != (exp > NOW ? 0 : -2))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    if (data[0] % 3 == 1) {
        bearer(data + 1, size - 1);
        return 0;
    }
    if (data[0] % 3 == 2) {
        upload(data + 1, size - 1);
        return 0;
    }
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    forged(text);
    free(text);
    return 0;
}
