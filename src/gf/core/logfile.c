/* logfile.c - stderr redirected into a log file, reopened on SIGHUP
 * (gf/logfile.h).
 *
 * The path is copied into a static buffer once, before the handler is
 * installed, so the handler reads memory nobody writes any more. A reopen
 * that fails (the folder went away, a full disk) keeps the old file: the
 * log goes on somewhere rather than nowhere. */
#include "gf/logfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "gf/error.h"

static char logfile_path[PATH_MAX];

static int logfile_put(void)
{
    int fd =
        open(logfile_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = fd == STDERR_FILENO ? 0 : dup2(fd, STDERR_FILENO);
    if (fd != STDERR_FILENO)
        close(fd);
    return rc < 0 ? -1 : 0;
}

static void logfile_on_hup(int sig)
{
    int saved = errno;
    (void)sig;
    (void)logfile_put();
    errno = saved;
}

int gf_logfile_open(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n == 0 || n >= sizeof(logfile_path)) {
        errno = n ? ENAMETOOLONG : EINVAL;
        return GF_EIO;
    }
    memcpy(logfile_path, path, n + 1);
    if (logfile_put() != 0) {
        logfile_path[0] = '\0';
        return GF_EIO;
    }
    return GF_OK;
}

int gf_logfile_reopen_on_sighup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = logfile_path[0] ? logfile_on_hup : SIG_IGN;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGHUP, &sa, NULL) == 0 ? GF_OK : GF_EIO;
}
