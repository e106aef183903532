/* http_api_jobs.c - the jobs routes of the REST API (docs/api.md "Jobs").
 *
 *   POST /api/v1/jobs?machine=S..&x_mm=&y_mm=&material=&name=&ops=
 *        body: the design (image/svg+xml, image/png, image/jpeg) or a
 *        pulse file (application/octet-stream); or multipart/form-data
 *        with the design as part "design" and any of the query's values
 *        as fields
 *   GET  /api/v1/jobs?machine=&state=&limit=&since=
 *   GET  /api/v1/jobs/{id}
 *   GET  /api/v1/jobs/{id}/preview.png
 *   POST /api/v1/jobs/{id}/cancel
 *   POST /api/v1/jobs/{id}/requeue
 *
 * The query is parsed when the request arrives (job_spec.c), the body is
 * collected into a scratch file, and the job is answered 201 as soon as it
 * is recorded: the compile runs on the worker pool (jobs.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_path.h"
#include "audit.h"
#include "http_form.h"
#include "ingest.h"
#include "jobs.h"
#include "materials.h"

#define LIST_MAX 1000

/* The query value `name` ("ops=") decoded into buf: its length, -1 when
 * absent, -2 when it does not fit (refused rather than cut short). */
static int query_arg(struct lws *wsi, const char *name, char *buf, size_t len)
{
    size_t nlen = strlen(name);
    for (int i = 0;; i++) {
        int flen = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (flen <= 0)
            return -1;
        if ((size_t)flen + 1 > len + nlen) {
            char head[32];
            if (nlen < sizeof(head) &&
                lws_hdr_copy_fragment(wsi, head, (int)nlen + 1,
                                      WSI_TOKEN_HTTP_URI_ARGS, i) >= 0 &&
                strncmp(head, name, nlen) == 0)
                return -2;
            continue;
        }
        char *tmp = malloc((size_t)flen + 1);
        if (!tmp)
            return -2;
        int n = lws_hdr_copy_fragment(wsi, tmp, flen + 1,
                                      WSI_TOKEN_HTTP_URI_ARGS, i);
        int match = n >= (int)nlen && strncmp(tmp, name, nlen) == 0;
        if (match)
            snprintf(buf, len, "%s", tmp + nlen);
        free(tmp);
        if (match)
            return n - (int)nlen;
    }
}

static const char *urlarg(struct lws *wsi, const char *name, char *buf,
                          size_t len, int *too_long)
{
    int n = query_arg(wsi, name, buf, len);
    if (n == -2)
        *too_long = 1;
    return n >= 0 ? buf : NULL;
}

/* The body's kind from its Content-Type; -1 unknown. */
static int input_kind(struct lws *wsi)
{
    char ct[128];
    static const struct {
        const char *type;
        job_input kind;
    } types[] = {{"image/svg+xml", JOB_SVG},
                 {"image/png", JOB_PNG},
                 {"image/jpeg", JOB_JPEG},
                 {"application/octet-stream", JOB_PULSE}};
    if (lws_hdr_copy(wsi, ct, sizeof(ct), WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return -1;
    char *semi = strchr(ct, ';');
    if (semi)
        *semi = '\0';
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcasecmp(ct, types[i].type) == 0)
            return (int)types[i].kind;
    }
    return -1;
}

struct spec_box {
    job_spec spec;
    job_input kind;
};

/* The query's placement, name, material and operations; in a
 * multipart/form-data body each may be a field instead (not both). */
enum { F_MACHINE, F_X, F_Y, F_NAME, F_MATERIAL, F_OPS, F_COUNT };
static const char *const form_fields[F_COUNT] = {"machine", "x_mm",     "y_mm",
                                                 "name",    "material", "ops"};

struct spec_args {
    char buf[F_COUNT][4096];
    const char *v[F_COUNT];
};

/* The query's values into `a`; 0, or -1 when one is too long. */
static int query_args(struct lws *wsi, struct spec_args *a)
{
    int long_ = 0;
    for (int i = 0; i < F_COUNT; i++) {
        char key[16];
        snprintf(key, sizeof(key), "%s=", form_fields[i]);
        a->v[i] = urlarg(wsi, key, a->buf[i], sizeof(a->buf[i]), &long_);
    }
    return long_ ? -1 : 0;
}

/* Fill and check the spec from `a`: HTTP_GO, or refused (http_reject()). */
static int spec_check(cloud *c, struct lws *wsi, http_req *r,
                      struct spec_box *b, const struct spec_args *a)
{
    char err[256];
    const char *const *v = a->v;
    if (job_spec_parse(&b->spec, v[F_MACHINE], v[F_X], v[F_Y], v[F_NAME],
                       v[F_MATERIAL], v[F_OPS], err, sizeof(err)) != 0)
        return http_reject(wsi, r, 400, "bad_query", err);
    uint8_t h[AUTH_HASH_LEN];
    if (store_machine_get_hash(c->store, b->spec.serial, h) != 0)
        return http_reject(wsi, r, 404, "no_machine", "no such machine");
    if (b->spec.serial > UINT32_MAX)
        return http_reject(wsi, r, 400, "serial_too_large",
                           "MCsn holds 32 bits; cannot lock the job to it");
    gf_op mops[3];
    int mrc = b->spec.material[0] ? material_ops(c, b->spec.material, mops) : 1;
    if (b->spec.material[0] && mrc == 1)
        return http_reject(wsi, r, 400, "unknown_material",
                           "no such material (GET /api/v1/materials)");
    if (mrc < 0)
        return http_reject(wsi, r, 500, "internal", "database error");
    if (mrc == 0)
        job_spec_material(&b->spec, mops);
    else if (job_spec_needs_material(&b->spec))
        return http_reject(wsi, r, 400, "bad_query",
                           "ops names a material's operation but no "
                           "material= is given");
    if (!jobs_can_accept(c))
        return http_reject(wsi, r, 503, "busy",
                           "too many jobs waiting to be compiled; retry");
    return HTTP_GO;
}

/* Record the job whose design is in the scratch file; answer 201. */
static int record(cloud *c, struct lws *wsi, http_req *r, struct spec_box *b)
{
    char path[4300], who[64];
    int64_t id = 0;
    ingest_take_body(r, path, sizeof(path));
    audit_who(r, who, sizeof(who));
    if (jobs_create(c, &b->spec, b->kind, path, who, &id) != 0)
        return http_error(wsi, r, 500, "internal", "database error");
    char target[48], serial[32];
    snprintf(target, sizeof(target), "job:%" PRId64, id);
    snprintf(serial, sizeof(serial), "S%" PRIu64, b->spec.serial);
    audit_api(c, r, "job.create", target,
              json_pack("{s:s, s:s}", "machine", serial, "name", b->spec.name));
    return http_reply_json(
        wsi, r, 201,
        json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "compiling"));
}

static int create_done(cloud *c, struct lws *wsi, http_req *r)
{
    if (r->body_len == 0)
        return http_error(wsi, r, 400, "empty_body",
                          "the design is the request body");
    return record(c, wsi, r, (struct spec_box *)r->spec);
}

/* A form's design: its kind from its first bytes, else from the file
 * name's extension; -1 unknown. */
static int form_kind(const char *filename, const unsigned char *h, size_t n)
{
    if (n >= 4 && memcmp(h, "\x89PNG", 4) == 0)
        return JOB_PNG;
    if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF)
        return JOB_JPEG;
    if ((n >= 4 && memcmp(h + 1, "GF1", 3) == 0) ||
        (n >= 2 && h[0] == 0x1F && h[1] == 0x8B))
        return JOB_PULSE; /* a pulse file, plain or gzipped */
    const char *dot = strrchr(filename, '.');
    if (dot && strcasecmp(dot, ".svg") == 0)
        return JOB_SVG;
    if (memchr(h, '<', n))
        return JOB_SVG; /* markup: the compiler says if it is not SVG */
    return -1;
}

static int create_form_done(cloud *c, struct lws *wsi, http_req *r)
{
    struct spec_box *b = (struct spec_box *)r->spec;
    struct spec_args *a = malloc(sizeof(*a));
    if (!a)
        return http_error(wsi, r, 500, "internal", "out of memory");
    int rc = query_args(wsi, a) == 0 ? HTTP_GO : -2;
    for (int i = 0; rc == HTTP_GO && i < F_COUNT; i++) {
        const char *fv = http_form_field(r->form, form_fields[i]);
        if (fv && a->v[i])
            rc = -3 - i; /* in the query and in the form */
        else if (fv)
            a->v[i] = fv;
    }
    if (rc == -2 || rc <= -3) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%s given twice (query and form)",
                 rc <= -3 ? form_fields[-3 - rc] : "a value");
        free(a);
        return http_error(wsi, r, 400, "bad_query",
                          rc == -2 ? "a query value is too long" : msg);
    }
    const char *filename;
    const unsigned char *head;
    size_t head_len;
    long len = http_form_file(r->form, &filename, &head, &head_len);
    int kind = len > 0 ? form_kind(filename, head, head_len) : -1;
    if (len <= 0)
        rc = http_reject(wsi, r, 400, "empty_body",
                         "the form has no (or an empty) \"design\" file part");
    else if (kind < 0)
        rc = http_reject(wsi, r, 415, "unsupported_media_type",
                         "the design is not SVG, PNG, JPEG or a pulse file");
    else
        rc = spec_check(c, wsi, r, b, a);
    free(a);
    if (rc != HTTP_GO)
        return rc == HTTP_CLOSE ? -1 : 0;
    b->kind = (job_input)kind;
    return record(c, wsi, r, b);
}

static int is_form(struct lws *wsi)
{
    char ct[256];
    return lws_hdr_copy(wsi, ct, sizeof(ct), WSI_TOKEN_HTTP_CONTENT_TYPE) > 0 &&
           strncasecmp(ct, "multipart/form-data", 19) == 0;
}

static int create(cloud *c, struct lws *wsi, http_req *r)
{
    struct spec_box *b = calloc(1, sizeof(*b));
    if (!b)
        return http_error(wsi, r, 500, "internal", "out of memory");
    r->spec = (struct job_spec *)b; /* freed with the request */
    if (is_form(wsi))               /* the spec is read once the body is in */
        return http_want_form(c, wsi, r, c->cfg.max_file_body, "design",
                              form_fields, F_COUNT, create_form_done);
    int kind = input_kind(wsi);
    if (kind < 0)
        return http_error(wsi, r, 415, "unsupported_media_type",
                          "Content-Type must be image/svg+xml, image/png, "
                          "image/jpeg, application/octet-stream or "
                          "multipart/form-data");
    b->kind = (job_input)kind;
    struct spec_args *a = malloc(sizeof(*a));
    if (!a)
        return http_error(wsi, r, 500, "internal", "out of memory");
    int rc = query_args(wsi, a) == 0 ? spec_check(c, wsi, r, b, a)
                                     : http_reject(wsi, r, 400, "bad_query",
                                                   "a query value is too long");
    free(a);
    if (rc != HTTP_GO)
        return rc == HTTP_CLOSE ? -1 : 0;
    return http_want_body(c, wsi, r, BODY_FILE, c->cfg.max_file_body,
                          create_done);
}

static int list(cloud *c, struct lws *wsi, http_req *r)
{
    char m[64], st[32], buf[64];
    uint64_t serial = 0;
    int long_ = 0;
    const char *ms = urlarg(wsi, "machine=", m, sizeof(m), &long_);
    const char *state = urlarg(wsi, "state=", st, sizeof(st), &long_);
    long limit = api_query_long(urlarg(wsi, "limit=", buf, sizeof(buf), &long_),
                                100, LIST_MAX);
    long since = api_query_long(urlarg(wsi, "since=", buf, sizeof(buf), &long_),
                                0, 0x7fffffffffffffffL);
    if (long_ || (ms && cloud_parse_serial(ms, &serial) != 0) || limit < 0 ||
        since < 0)
        return http_error(wsi, r, 400, "bad_query",
                          "machine=S<serial>, limit and since numbers");
    json_t *rows = store_job_list(c->store, serial, state, since, (int)limit);
    if (!rows)
        return http_error(wsi, r, 500, "internal", "database error");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        char s[32];
        snprintf(s, sizeof(s), "S%" JSON_INTEGER_FORMAT,
                 json_integer_value(json_object_get(row, "serial")));
        json_object_del(row, "serial");
        json_object_set_new(row, "machine", json_string(s));
    }
    return http_reply_json(wsi, r, 200, json_pack("{s:o}", "jobs", rows));
}

static int one(cloud *c, struct lws *wsi, http_req *r, int64_t id,
               const char *what)
{
    store_job j;
    char path[4300];
    if (store_job_get(c->store, id, &j) != 0)
        return http_error(wsi, r, 404, "no_job", "no such job");
    int rc;
    if (!what) {
        rc = http_reply_json(wsi, r, 200, jobs_json(c, &j));
    } else if (!j.preview[0] ||
               blobs_path(c->blobs, j.preview, path, sizeof(path)) != 0) {
        rc = http_error(wsi, r, 404, "no_preview",
                        "no picture of this job (yet)");
    } else {
        rc = http_serve_file(wsi, r, path, "image/png", 0);
    }
    store_job_free(&j);
    return rc;
}

static int verb(cloud *c, struct lws *wsi, http_req *r, int64_t id,
                const char *what)
{
    char who[64];
    audit_who(r, who, sizeof(who));
    int rc = strcmp(what, "cancel") == 0 ? jobs_cancel(c, id, who)
                                         : jobs_requeue(c, id);
    if (rc == 1)
        return http_error(wsi, r, 404, "no_job", "no such job");
    if (rc == 2)
        return http_error(
            wsi, r, 409,
            what[0] == 'c' ? "already_finished" : "not_requeueable",
            what[0] == 'c' ? "the job has already finished"
                           : "only a job not sent for queue-ttl can be "
                             "re-queued");
    char target[48];
    snprintf(target, sizeof(target), "job:%" PRId64, id);
    audit_api(c, r, what[0] == 'c' ? "job.cancel" : "job.requeue", target,
              NULL);
    return one(c, wsi, r, id, NULL);
}

int http_api_jobs(cloud *c, struct lws *wsi, http_req *r, const api_segs *g)
{
    int64_t id = 0;
    if (g->n == 3)
        return r->method == LWSHUMETH_POST ? create(c, wsi, r)
               : r->method == LWSHUMETH_GET
                   ? list(c, wsi, r)
                   : http_error(wsi, r, 405, "method_not_allowed",
                                "use GET or POST");
    if (api_parse_id(g->s[3], &id) != 0)
        return http_error(wsi, r, 404, "no_job", "no such job");
    if (g->n == 4 || (g->n == 5 && strcmp(g->s[4], "preview.png") == 0))
        return r->method == LWSHUMETH_GET
                   ? one(c, wsi, r, id, g->n == 5 ? "preview" : NULL)
                   : http_error(wsi, r, 405, "method_not_allowed", "use GET");
    if (g->n == 5 &&
        (strcmp(g->s[4], "cancel") == 0 || strcmp(g->s[4], "requeue") == 0))
        return r->method == LWSHUMETH_POST
                   ? verb(c, wsi, r, id, g->s[4])
                   : http_error(wsi, r, 405, "method_not_allowed", "use POST");
    return http_error(wsi, r, 404, "not_found", "no such resource");
}
