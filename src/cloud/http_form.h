/* http_form.h - a multipart/form-data body: one file part into the
 * request's scratch file, named text fields in memory (http_form.c). */
#ifndef CLOUD_HTTP_FORM_H
#define CLOUD_HTTP_FORM_H

#include <libwebsockets.h>
#include <stddef.h>

typedef struct http_form http_form;

/* A parser for the body of `wsi` (its Content-Type gives the boundary):
 * the part named `file_field` is written to `fd`; the fields `names`
 * (count of them; the array must outlive the parser) are kept. NULL on no
 * memory or a Content-Type without a boundary. */
http_form *http_form_new(struct lws *wsi, int fd, const char *file_field,
                         const char *const *names, int count);
/* Feed body bytes as they arrive; at the end, finish. 0, or -1 refused
 * (http_form_error() says why). */
int http_form_feed(http_form *f, const void *in, size_t len);
int http_form_finish(http_form *f);
/* Why the body was refused; `write_errno` (if not NULL) is the errno of a
 * failed write of the file part, else 0. */
const char *http_form_error(const http_form *f, int *write_errno);
/* Field `name` (one of the names given), or NULL if absent or empty. */
const char *http_form_field(http_form *f, const char *name);
/* The file part's length (-1: there was none), its filename and its first
 * bytes (up to 16), for telling its kind. */
long http_form_file(const http_form *f, const char **filename,
                    const unsigned char **head, size_t *head_len);
void http_form_free(http_form *f);

#endif
