/* control.c - the operator's local line to a running gfmachine.
 *
 * A unix stream socket (file mode 0600: only the owner may press the
 * button) accepting one short command per connection: "press" presses the
 * emulated front button, "lid open" / "lid close" move the emulated lid,
 * "where" answers the emulated head's true position (tests only: a real
 * machine cannot know it), "ping" checks the daemon is alive. It runs on its
 * own thread with poll() and a wake-up pipe, so it never touches the event
 * loop and stops cleanly. Commands are read with a hard length cap. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

struct ctl {
    int fd;
    int wake[2];
    char *path;
    hw_dev *hw;
    pthread_t thread;
};

static int ctl_addr(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path))
        return -1;
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return 0;
}

static void ctl_serve_one(ctl *c, int fd)
{
    char buf[64], where[64];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    const char *answer = "error: unknown command\n";
    if (n > 0) {
        buf[n] = '\0';
        buf[strcspn(buf, "\r\n")] = '\0';
        if (strcmp(buf, "press") == 0) {
            mlog(MLOG_INFO, "button pressed by the operator");
            hw_emu_press(c->hw);
            answer = "ok\n";
        } else if (strcmp(buf, "lid open") == 0 ||
                   strcmp(buf, "lid close") == 0) {
            int open = strcmp(buf, "lid open") == 0;
            mlog(MLOG_INFO, "lid %s by the operator",
                 open ? "opened" : "closed");
            hw_emu_lid(c->hw, open);
            answer = "ok\n";
        } else if (strcmp(buf, "where") == 0) {
            double x, y;
            hw_emu_where(c->hw, &x, &y);
            snprintf(where, sizeof(where), "ok %.4f %.4f\n", x, y);
            answer = where;
        } else if (strcmp(buf, "ping") == 0) {
            answer = "ok\n";
        }
    }
    if (write(fd, answer, strlen(answer)) < 0)
        mlog_local(MLOG_DEBUG, "control: the client went away");
}

static void *ctl_main(void *arg)
{
    ctl *c = arg;
    struct pollfd p[2] = {{c->fd, POLLIN, 0}, {c->wake[0], POLLIN, 0}};
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (p[0].revents & POLLIN) {
            int fd = accept(c->fd, NULL, NULL);
            if (fd >= 0) {
                struct timeval tv = {2, 0};
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
                ctl_serve_one(c, fd);
                close(fd);
            }
        }
    }
    return NULL;
}

ctl *ctl_start(const char *path, hw_dev *hw)
{
    struct sockaddr_un sa;
    ctl *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->fd = -1;
    c->wake[0] = c->wake[1] = -1;
    c->hw = hw;
    if (ctl_addr(path, &sa) != 0 || !(c->path = strdup(path)))
        goto fail;
    if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        goto fail;
    unlink(path); /* a stale socket from a previous run */
    mode_t old = umask(077);
    int rc = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc != 0 || listen(c->fd, 4) != 0 || pipe(c->wake) != 0)
        goto fail;
    if (pthread_create(&c->thread, NULL, ctl_main, c) != 0)
        goto fail;
    return c;
fail:
    mlog(MLOG_ERROR, "cannot open the control socket %s: %s", path,
         strerror(errno));
    if (c->fd >= 0)
        close(c->fd);
    if (c->wake[0] >= 0) {
        close(c->wake[0]);
        close(c->wake[1]);
    }
    free(c->path);
    free(c);
    return NULL;
}

void ctl_stop(ctl *c)
{
    if (!c)
        return;
    if (write(c->wake[1], "x", 1) < 0)
        mlog_local(MLOG_DEBUG, "control: wake-up write failed");
    pthread_join(c->thread, NULL);
    close(c->fd);
    close(c->wake[0]);
    close(c->wake[1]);
    unlink(c->path);
    free(c->path);
    free(c);
}

int ctl_send(const char *path, const char *command, char *err, size_t errlen)
{
    char answer[64];
    return ctl_ask(path, command, answer, sizeof(answer), err, errlen);
}

int ctl_ask(const char *path, const char *command, char *answer, size_t anslen,
            char *err, size_t errlen)
{
    struct sockaddr_un sa;
    char buf[64];
    int rc = -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ctl_addr(path, &sa) != 0) {
        snprintf(err, errlen, "bad control socket path");
        goto out;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        snprintf(err, errlen, "no gfmachine listening on %s: %s", path,
                 strerror(errno));
        goto out;
    }
    char line[64];
    int n0 = snprintf(line, sizeof(line), "%s\n", command);
    /* One write, and no SIGPIPE if the daemon has already hung up. */
    if (n0 < 0 || n0 >= (int)sizeof(line) ||
        send(fd, line, (size_t)n0, MSG_NOSIGNAL) != n0) {
        snprintf(err, errlen, "cannot send: %s", strerror(errno));
        goto out;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = '\0';
    if (strncmp(buf, "ok", 2) != 0) {
        snprintf(err, errlen, "gfmachine answered: %s",
                 n > 0 ? buf : "nothing");
        goto out;
    }
    snprintf(answer, anslen, "%s", buf + 2 + (buf[2] == ' '));
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}
