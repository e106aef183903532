/* gf/logfile.h - a daemon's log in a file that logrotate can rotate.
 *
 * gfcloud and gfmachine write their log to stderr, which journald takes.
 * With --log-file, stderr itself becomes that file (dup2), so every line
 * lands there, libwebsockets' own included, and nothing else changes.
 * logrotate renames the file and sends SIGHUP: the handler opens the path
 * again and puts it in place of stderr (open, dup2 and close are
 * async-signal-safe), so a line is written either to the old file or to
 * the new one, never lost in between. */
#ifndef GF_LOGFILE_H
#define GF_LOGFILE_H

#ifdef __cplusplus
extern "C" {
#endif

/* Open `path` for appending (created 0600 under the caller's umask rules)
 * and make it the process's stderr. GF_OK, or GF_EIO with errno set (the
 * log stays on stderr). */
int gf_logfile_open(const char *path);

/* From then on, SIGHUP reopens the file. GF_OK or GF_EIO (errno set).
 * Without a log file SIGHUP is ignored, so a stray one cannot stop the
 * daemon. */
int gf_logfile_reopen_on_sighup(void);

#ifdef __cplusplus
}
#endif
#endif
