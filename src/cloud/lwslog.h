/* lwslog.h - libwebsockets' own log lines, kept in ours. */
#ifndef CLOUD_LWSLOG_H
#define CLOUD_LWSLOG_H

/* Route lws's errors and warnings into log_msg() (escaped, at most a few
 * lines a second). */
void lwslog_install(void);

#endif
