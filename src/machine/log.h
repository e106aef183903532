/* log.h - gfmachine's log: stderr, and the service as `log` frames. */
#ifndef GFM_LOG_H
#define GFM_LOG_H

typedef enum mlog_level {
    MLOG_DEBUG = 0,
    MLOG_INFO,
    MLOG_WARNING,
    MLOG_ERROR,
} mlog_level;

/* Lines below `min` are not written; DEBUG lines never go to the service. */
void mlog_init(mlog_level min, int to_service);
void mlog(mlog_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* stderr only: for what must not reach the service (or cannot). */
void mlog_local(mlog_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *mlog_level_name(mlog_level level);
/* The last WARNING or ERROR line this thread logged since
 * mlog_forget_problem(), "" if none: the worker thread says with an
 * action's terminal event why it did not complete. */
const char *mlog_last_problem(void);
void mlog_forget_problem(void);

#endif
