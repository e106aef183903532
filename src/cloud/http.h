/* http.h - the HTTP side of gfcloud: per-request state, the reply helpers
 * and the route handlers (one file per route group). */
#ifndef CLOUD_HTTP_H
#define CLOUD_HTTP_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud.h"

/* BODY_FORM: multipart/form-data, its file part into the scratch file as
 * BODY_FILE's body, its fields in r->form (http_form.h). */
enum http_body_kind { BODY_NONE, BODY_MEMORY, BODY_FILE, BODY_FORM };

typedef struct http_req http_req;
typedef int (*http_handler)(cloud *c, struct lws *wsi, http_req *r);

/* Per-connection state; reset at the start of every request. */
struct http_req {
    int method; /* LWSHUMETH_* */
    char path[512];
    char peer[64];
    http_handler on_body; /* called when the body is complete */
    enum http_body_kind body_kind;
    long body_cap;
    long content_length;
    char *body; /* BODY_MEMORY, NUL-terminated */
    size_t body_len;
    int body_fd; /* BODY_FILE: scratch file, unlinked on reset */
    char body_path[4300];
    uint8_t head[2]; /* first bytes of a BODY_FILE body */
    uint64_t serial; /* authenticated machine (bearer routes) */
    int64_t action_id;
    char arg[64]; /* a path argument (action type, file id) */
    int responded;
    int held;          /* input held while a worker has the request */
    int close_after;   /* the body is too big to drop: close at once */
    int discarding;    /* answered early; reading the rest of the body */
    int body_complete; /* all of the body has arrived */
    int handled;       /* on_body has been called */
    int serving_file;
    struct job *job; /* a job file being checked on a worker (ingest.c) */
    /* Who an /api/v1 request is (http_api_auth): the user's name ("" for
     * an API key made without an owner), the role it acts with (roles.h)
     * and the API key's id (0 for a cookie session). */
    char user[64];
    int role;
    int64_t api_key_id;
    int via_cookie;           /* the principal is a session cookie's */
    uint8_t session_hash[32]; /* ... its keyed hash */
    uint8_t key_hash[32];     /* a Bearer key's keyed hash */
    char csrf[65];            /* ... and its CSRF token */
    char set_cookie[160];     /* a Set-Cookie for the answer, or "" */
    int retry_after;          /* seconds for a Retry-After, or 0 */
    struct job_spec *spec;    /* POST /api/v1/jobs: what the query asked */
    struct events_sub *sse;   /* GET /api/v1/events/stream (http_sse.c) */
    struct http_form *form;   /* BODY_FORM's parser and fields */
};

/* Replies: headers and body are written at once (lws flushes what the
 * socket does not take); the connection closes at the end of the callback
 * that answered (one request per connection, http.c). */
/* Send finished headers and a body (http_reply and the dashboard's files):
 * one write on HTTP/1, headers then body on an HTTP/2 stream. */
int http_write_answer(struct lws *wsi, const unsigned char *headers,
                      size_t hlen, const void *body, size_t len);
int http_reply(struct lws *wsi, http_req *r, int status, const char *ctype,
               const void *body, size_t len);
int http_reply_json(struct lws *wsi, http_req *r, int status, json_t *obj);
int http_error(struct lws *wsi, http_req *r, int status, const char *code,
               const char *msg);

/* What a step of a handler returns when it may answer the request itself
 * (a check that refuses it, work handed to a worker). The handler returns
 * -1 to libwebsockets for HTTP_CLOSE and 0 otherwise. */
enum {
    HTTP_GO = 0,       /* not answered: carry on */
    HTTP_ANSWERED = 1, /* answered, or a worker will answer: stop here */
    HTTP_CLOSE = -1,   /* the answer could not be written: close, rather
                          than leave the client waiting for nothing */
};
/* http_error() for a request refused part-way through its handler:
 * HTTP_ANSWERED, or HTTP_CLOSE if the answer could not be written. */
int http_reject(struct lws *wsi, http_req *r, int status, const char *code,
                const char *msg);
/* Serve a file with Content-Length; `gzip` adds Content-Encoding: gzip. */
int http_serve_file(struct lws *wsi, http_req *r, const char *path,
                    const char *ctype, int gzip);

/* Bearer token of a machine: HTTP_GO and r->serial, or a 401 reply and what
 * http_reject() says of it (HTTP_ANSWERED, or HTTP_CLOSE if unwritable). */
int http_machine_auth(cloud *c, struct lws *wsi, http_req *r);
/* Who calls the operator API: a Bearer API key, else the session
 * cookie (http_session.c). HTTP_GO with r->user, r->role, r->api_key_id
 * set; or a 401 (500) reply and what http_reject() says of it. */
int http_api_auth(cloud *c, struct lws *wsi, http_req *r);
/* "GET", "POST", ... for an LWSHUMETH_* value ("" for none). */
const char *http_method_name(int method);
/* The session cookie's principal into r (via_cookie, user, role, csrf):
 * 1 found, 0 none or expired or its user is gone, -1 database error. */
int http_session_find(cloud *c, struct lws *wsi, http_req *r);
/* Whether the principal of a long request (an event stream) may still
 * call: its session is live, or its key is not revoked and its owner
 * still exists. 1 yes, 0 no; a database error counts as yes. */
int http_principal_live(cloud *c, const http_req *r);
/* Whether the request carries the session's X-CSRF-Token. */
int http_csrf_ok(struct lws *wsi, const http_req *r);
/* /api/v1/session: GET, POST {"name","password"}, DELETE. */
int http_session(cloud *c, struct lws *wsi, http_req *r);
/* /api/v1/users... and /api/v1/keys... (http_api_users.c). */
struct api_segs;
int http_api_users(cloud *c, struct lws *wsi, http_req *r,
                   const struct api_segs *g);
int http_api_keys(cloud *c, struct lws *wsi, http_req *r,
                  const struct api_segs *g);
/* A BODY_MEMORY body as a JSON object (a new reference), or NULL when it
 * is not one. */
json_t *http_json_object(const http_req *r);
/* Ask for the body to be collected; `on_body` runs when it is whole. */
int http_want_body(cloud *c, struct lws *wsi, http_req *r,
                   enum http_body_kind kind, long cap, http_handler on_body);
/* The same for a multipart/form-data body (BODY_FORM): part `file_field`
 * goes to the scratch file, the fields `names` (count; static) to
 * r->form. A body that does not parse is answered 400 bad_form. */
int http_want_form(cloud *c, struct lws *wsi, http_req *r, long cap,
                   const char *file_field, const char *const *names, int count,
                   http_handler on_body);
/* Hold the connection's input while a worker has the request, and let it
 * in again (http.c explains why). */
void http_hold(struct lws *wsi, http_req *r);
void http_resume(struct lws *wsi);
/* Whether the client accepts gzip content encoding. */
int http_accepts_gzip(struct lws *wsi);

/* The callback shared by the HTTP and ws protocols' HTTP phase. */
int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                  void *in, size_t len);

/* Route groups. Each returns 0 to go on or -1 to close. */
int http_sign_in(cloud *c, struct lws *wsi, http_req *r);
int http_update_current(cloud *c, struct lws *wsi, http_req *r);
int http_upload_put(cloud *c, struct lws *wsi, http_req *r);
int http_upload_post(cloud *c, struct lws *wsi, http_req *r);
int http_download_job(cloud *c, struct lws *wsi, http_req *r);
int http_api(cloud *c, struct lws *wsi, http_req *r);
int http_api_files(cloud *c, struct lws *wsi, http_req *r);
/* POST /api/v1/machines, DELETE /api/v1/machines/{serial}. */
int http_api_machine_add(cloud *c, struct lws *wsi, http_req *r);
int http_api_machine_remove(cloud *c, struct lws *wsi, http_req *r,
                            const char *serial_text);
/* GET /metrics: the service's figures for Prometheus (metrics.h). */
int http_metrics(cloud *c, struct lws *wsi, http_req *r);
/* The dashboard: a file under the web root (GET, HEAD), else 404. */
int http_static(cloud *c, struct lws *wsi, http_req *r);
/* Commit validated action `a` (freeing its params), kick the scheduler,
 * answer 201 with its id; a motion or print while the head position is
 * unknown is refused instead (409 position_unknown). */
int http_api_queue_action(cloud *c, struct lws *wsi, http_req *r,
                          store_action *a);
int http_api_image(cloud *c, struct lws *wsi, http_req *r, uint64_t serial,
                   const char *type);
/* /api/v1/jobs... (http_api_jobs.c); `g` holds the path's segments. */
struct api_segs;
int http_api_jobs(cloud *c, struct lws *wsi, http_req *r,
                  const struct api_segs *g);
int http_api_materials(cloud *c, struct lws *wsi, http_req *r,
                       const struct api_segs *g);
/* /api/v1/webhooks... (http_api_webhooks.c). */
int http_api_webhooks(cloud *c, struct lws *wsi, http_req *r,
                      const struct api_segs *g);
/* The event stream: start it, write what is pending (WRITEABLE), end it
 * (the connection closed). */
int http_sse_start(cloud *c, struct lws *wsi, http_req *r);
int http_sse_write(cloud *c, struct lws *wsi, http_req *r);
void http_sse_end(cloud *c, http_req *r);
/* Every machine-recheck seconds (LWS_CALLBACK_TIMER): a stream whose
 * session ended or whose key was revoked (or its user removed) is
 * closed (-1); else 0, and the next check is set. */
int http_sse_recheck(cloud *c, struct lws *wsi, http_req *r);

#endif
