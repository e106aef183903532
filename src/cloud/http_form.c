/* http_form.c - multipart/form-data request bodies (RFC 7578), for the
 * routes that take a file with fields beside it (POST /api/v1/jobs: the
 * design and its operations, as a browser's form sends them).
 *
 * The parsing is libwebsockets' (lws_spa), fed as the body arrives. The
 * one file part the route names goes to the request's scratch file, as a
 * plain body would (BODY_FILE), so the route's worker reads it the same
 * way; the fields it names are kept in memory, up to FIELDS_MAX bytes in
 * all. Anything else is refused rather than guessed at: a second file, a
 * file under another name, a field too long, a body that does not parse. */
#include "http_form.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blobs.h"
#include "log.h"

#define FIELDS_MAX 16384

struct http_form {
    struct lws_spa *spa;
    const char *file_field; /* the file part's name */
    const char *const *names;
    int count;
    int fd;         /* the request's scratch file */
    int files;      /* file parts seen */
    int in_file;    /* the current part is the file we keep */
    int file_ended; /* its last bytes came (its closing boundary) */
    long file_len;
    char filename[128];
    unsigned char head[16]; /* the file's first bytes (its kind) */
    size_t head_len;
    int write_errno;
    char err[160];
};

static int on_file(void *data, const char *name, const char *filename,
                   char *buf, int len, enum lws_spa_fileupload_states state)
{
    struct http_form *f = data;
    if (state == LWS_UFS_OPEN) {
        f->in_file = 0;
        if (!name || strcmp(name, f->file_field) != 0) {
            snprintf(f->err, sizeof(f->err), "unexpected file part \"%.60s\"",
                     name ? name : "");
            return -1;
        }
        if (f->files++) {
            snprintf(f->err, sizeof(f->err), "more than one \"%s\" part",
                     f->file_field);
            return -1;
        }
        f->in_file = 1;
        snprintf(f->filename, sizeof(f->filename), "%s",
                 filename ? filename : "");
        return 0;
    }
    if (state == LWS_UFS_CLOSE || !f->in_file)
        return 0;
    if (state == LWS_UFS_FINAL_CONTENT)
        f->file_ended = 1;
    if (len <= 0)
        return 0;
    size_t n = (size_t)len;
    if (f->head_len < sizeof(f->head)) {
        size_t take = sizeof(f->head) - f->head_len;
        take = take < n ? take : n;
        memcpy(f->head + f->head_len, buf, take);
        f->head_len += take;
    }
    if (blobs_write_all(f->fd, buf, n) != 0) {
        f->write_errno = errno;
        snprintf(f->err, sizeof(f->err), "cannot store the file part");
        return -1;
    }
    f->file_len += len;
    return 0;
}

http_form *http_form_new(struct lws *wsi, int fd, const char *file_field,
                         const char *const *names, int count)
{
    http_form *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->fd = fd;
    f->file_field = file_field;
    f->names = names;
    f->count = count;
    lws_spa_create_info_t info;
    memset(&info, 0, sizeof(info));
    info.param_names = names;
    info.count_params = count;
    info.max_storage = FIELDS_MAX;
    info.opt_cb = on_file;
    info.opt_data = f;
    f->spa = lws_spa_create_via_info(wsi, &info);
    if (!f->spa) {
        free(f);
        return NULL;
    }
    return f;
}

int http_form_feed(http_form *f, const void *in, size_t len)
{
    if (lws_spa_process(f->spa, in, (int)len) < 0) {
        if (!f->err[0])
            snprintf(f->err, sizeof(f->err),
                     "malformed multipart body (or a field over %d bytes)",
                     FIELDS_MAX);
        return -1;
    }
    return 0;
}

/* lws_spa takes a body that stops inside a part, or holds no part at
 * all, without complaint: both are refused here. */
static int any_field(http_form *f)
{
    for (int i = 0; i < f->count; i++) {
        if (lws_spa_get_length(f->spa, i) > 0)
            return 1;
    }
    return 0;
}

int http_form_finish(http_form *f)
{
    if (lws_spa_finalize(f->spa) < 0)
        snprintf(f->err, sizeof(f->err), "malformed multipart body");
    else if (f->files && !f->file_ended)
        snprintf(f->err, sizeof(f->err), "the body ends inside the \"%s\" part",
                 f->file_field);
    else if (!f->files && !any_field(f))
        snprintf(f->err, sizeof(f->err),
                 "no form parts (does the boundary match?)");
    else
        return 0;
    return -1;
}

const char *http_form_error(const http_form *f, int *write_errno)
{
    if (write_errno)
        *write_errno = f->write_errno;
    return f->err[0] ? f->err : "malformed multipart body";
}

const char *http_form_field(http_form *f, const char *name)
{
    for (int i = 0; i < f->count; i++) {
        if (strcmp(f->names[i], name) == 0)
            return lws_spa_get_length(f->spa, i) > 0
                       ? lws_spa_get_string(f->spa, i)
                       : NULL;
    }
    return NULL;
}

long http_form_file(const http_form *f, const char **filename,
                    const unsigned char **head, size_t *head_len)
{
    if (filename)
        *filename = f->filename;
    if (head)
        *head = f->head;
    if (head_len)
        *head_len = f->head_len;
    return f->files ? f->file_len : -1;
}

void http_form_free(http_form *f)
{
    if (!f)
        return;
    if (f->spa)
        lws_spa_destroy(f->spa);
    free(f);
}
