/* http_static.c - the dashboard's files (web/) served at "/".
 *
 * Every path that no other route takes falls here (http.c). The web root
 * is resolved once at start (server.c: web-root, else the web/ folder
 * shipped beside the binary or in ../share/gfcloud). A request names a
 * file by webpath_rel()'s strict rules; the file is then resolved with
 * realpath() and must still lie inside the root, so a symbolic link that
 * leads out of it is a 404 like a missing file, and so is a directory
 * (there is no listing). GET and HEAD only.
 *
 * The files carry no content hash in their names (there is no build
 * step), so they are sent with "cache-control: no-cache" and an ETag: a
 * browser keeps its copy and asks each time, and an unchanged file costs
 * a 304 and no body. The policy headers keep the pages to their own
 * origin: no CDN, no inline script, no framing. Files are small (a cap
 * keeps a stray large one from being read into memory) and read whole. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "metrics.h"
#include "webpath.h"

#define WEB_FILE_MAX (8L * 1024 * 1024)

static const char csp[] =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

static int add_header(struct lws *wsi, const char *name, const char *value,
                      unsigned char **p, unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value,
                                       (int)strlen(value), p, end);
}

/* Headers and the body (none for HEAD or a 304), in one write. */
static int send_file(struct lws *wsi, http_req *r, int status,
                     const char *ctype, const char *etag, const char *body,
                     size_t len)
{
    unsigned char hbuf[LWS_PRE + 1536];
    unsigned char *start = hbuf + LWS_PRE, *p = start;
    unsigned char *end = hbuf + sizeof(hbuf) - 1;
    r->responded = 1;
    if (lws_add_http_common_headers(wsi, (unsigned int)status, ctype,
                                    (lws_filepos_t)len, &p, end) ||
        add_header(wsi, "cache-control:", "no-cache", &p, end) ||
        add_header(wsi, "etag:", etag, &p, end) ||
        add_header(wsi, "x-content-type-options:", "nosniff", &p, end) ||
        add_header(wsi, "referrer-policy:", "same-origin", &p, end) ||
        add_header(wsi, "content-security-policy:", csp, &p, end) ||
        add_header(wsi, "connection:", "close", &p, end) ||
        lws_finalize_http_header(wsi, &p, end))
        return -1;
    if (status != 200 || r->method == LWSHUMETH_HEAD)
        len = 0; /* Content-Length says the size; no body follows */
    return http_write_answer(wsi, start, (size_t)(p - start), body, len);
}

/* The file `rel` names under `root`, opened: an fd, or -1 when it is
 * missing, outside the root once links are followed, or not a plain
 * file. */
static int open_inside(const char *root, const char *rel, struct stat *st)
{
    char full[PATH_MAX], real[PATH_MAX];
    size_t rootlen = strlen(root);
    int n = snprintf(full, sizeof(full), "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof(full) || !realpath(full, real))
        return -1;
    if (strncmp(real, root, rootlen) != 0 || real[rootlen] != '/')
        return -1;
    int fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

static int read_all(int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* The client's copy is the one we have: If-None-Match names our ETag. */
static int not_modified(struct lws *wsi, const char *etag)
{
    char inm[256];
    if (lws_hdr_copy(wsi, inm, sizeof(inm), WSI_TOKEN_HTTP_IF_NONE_MATCH) <= 0)
        return 0;
    return strstr(inm, etag) != NULL || strcmp(inm, "*") == 0;
}

static int serve(struct lws *wsi, http_req *r, int fd, const struct stat *st,
                 const char *ctype)
{
    char etag[80];
    snprintf(etag, sizeof(etag), "\"%llx-%llx-%lx\"",
             (unsigned long long)st->st_size,
             (unsigned long long)st->st_mtim.tv_sec,
             (unsigned long)st->st_mtim.tv_nsec);
    if (not_modified(wsi, etag))
        return send_file(wsi, r, 304, ctype, etag, NULL, 0);
    if (st->st_size > WEB_FILE_MAX)
        return http_error(wsi, r, 500, "internal", "dashboard file too large");
    size_t len = (size_t)st->st_size;
    char *body = malloc(len ? len : 1);
    if (!body)
        return http_error(wsi, r, 500, "internal", "out of memory");
    int rc;
    if (read_all(fd, body, len) != 0) {
        log_msg(LOG_ERR, "cannot read dashboard file %s", r->path);
        rc = http_error(wsi, r, 500, "internal", "cannot read file");
    } else {
        rc = send_file(wsi, r, 200, ctype, etag, body, len);
    }
    free(body);
    return rc;
}

int http_static(cloud *c, struct lws *wsi, http_req *r)
{
    char rel[256];
    struct stat st;
    if (r->method != LWSHUMETH_GET && r->method != LWSHUMETH_HEAD)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET");
    const char *ctype = NULL;
    if (webpath_rel(r->path, rel, sizeof(rel)) == 0)
        ctype = webpath_ctype(rel);
    if (!ctype || !c->web_root[0])
        return http_error(wsi, r, 404, "not_found", "no such resource");
    int fd = open_inside(c->web_root, rel, &st);
    if (fd < 0)
        return http_error(wsi, r, 404, "not_found", "no such resource");
    int rc = serve(wsi, r, fd, &st, ctype);
    close(fd);
    return rc;
}
