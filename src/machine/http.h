/* http.h - gfmachine's HTTP calls to the app server and upload URLs. */
#ifndef GFM_HTTP_H
#define GFM_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    MHTTP_OK = 0,
    MHTTP_ENET = -1,     /* connection or transfer failed (transient) */
    MHTTP_ETOOBIG = -2,  /* body larger than max_bytes */
    MHTTP_EPARTIAL = -3, /* fewer bytes than Content-Length promised */
    MHTTP_ENOMEM = -4,
    MHTTP_EABORTED = -5, /* abort_cb asked, or the daemon is shutting down */
    MHTTP_ENOAUTH = -6,  /* needs the Bearer, and the machine is not signed
                            in (auth_request) */
};

/* The lock that keeps TLS context creation and TLS handshakes apart (see
 * http.c). The event loop try-locks it (0: taken) before a wss connect and
 * unlocks it when the handshake is over. */
int mhttp_tls_trylock(void);
void mhttp_tls_unlock(void);

/* Every transfer in flight, and every later one, ends at once (shutdown). */
void mhttp_shutdown(void);

typedef struct mhttp_req {
    const char *method; /* "GET", "PUT", "POST" */
    const char *url;
    const char *bearer; /* Authorization value ("Bearer <token>") or NULL;
                           auth_request() fills it in */
    const char *content_type;
    const void *body;
    size_t body_len;
    FILE *sink; /* response body goes here (rewound on replay) */
    char **mem; /* or here: malloc'd, NUL-terminated */
    size_t *mem_len;
    int64_t max_bytes; /* cap on the response body; 0 = 64 KiB */
    int64_t timeout_ms;
    const char *user_agent;
    const char *ca_file;       /* PEM CA bundle for https; NULL: the system's */
    int (*abort_cb)(void *ud); /* polled during the transfer; non-zero
                                  aborts it (a cancelled job) */
    void *abort_ud;
} mhttp_req;

/* Performs the request; *status gets the HTTP status (0 if none). Returns
 * MHTTP_OK when an HTTP answer arrived whole (any status) or an MHTTP_E*
 * code with a reason in `err`. */
int mhttp_do(const mhttp_req *r, long *status, char *err, size_t errlen);
/* Forgets what an answer wrote to r->sink (emptied and rewound), so the
 * request can be made again; 0, or -1 if the sink cannot be emptied. An
 * answer in r->mem is the caller's to free. */
int mhttp_rewind(const mhttp_req *r);

#endif
