/* move_file.c - the job file of one straight head move (move_file.h).
 *
 * libgf's move generator writes the pulses (a trapezoidal ramp, laser
 * off) under the 69 tags of a captured motion header, then the file goes
 * through the same validation and storage as an uploaded one
 * (files_prepare), so a move the service makes is checked exactly like
 * one an operator sends. */
#include "move_file.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gf/error.h"
#include "gf/puls.h"

static int write_move(const char *path, uint32_t serial, int64_t dx, int64_t dy)
{
    gf_puls_move m = {dx, dy, 0, MOVE_FILE_SPEED, MOVE_FILE_ACCEL, 10000, 0, 0};
    int64_t bytes = gf_puls_move_bytes(&m);
    if (bytes < 0)
        return (int)bytes;
    gf_puls_tag tags[69];
    size_t n = gf_puls_default_tags(tags, 69, m.stfr, serial);
    for (size_t i = 0; i < n; i++)
        if (strcmp(tags[i].name, "PDct") == 0)
            tags[i].value = (uint32_t)(bytes / m.stfr);
    gf_puls_writer *w;
    int rc = gf_puls_writer_open(&w, path, tags, n, 1);
    if (rc != GF_OK)
        return rc;
    rc = gf_puls_gen_move(w, &m);
    if (rc != GF_OK) {
        gf_puls_writer_abort(w);
        return rc;
    }
    return gf_puls_writer_close(w);
}

int move_file_prepare(cloud *c, uint64_t serial, int64_t dx, int64_t dy,
                      files_result *res)
{
    char path[4300];
    int fd = blobs_scratch(c->blobs, path, sizeof(path));
    if (fd < 0) {
        snprintf(res->err, sizeof(res->err), "no scratch file");
        return -1;
    }
    close(fd);
    int rc = write_move(path, (uint32_t)serial, dx, dy);
    if (rc != GF_OK) {
        snprintf(res->err, sizeof(res->err), "%s", gf_strerror(rc));
        unlink(path);
        return -1;
    }
    rc = files_prepare(c->blobs, c->cfg.max_file_body, c->cfg.max_inflated,
                       path, res);
    unlink(path);
    return rc == 0 ? 0 : -1;
}
