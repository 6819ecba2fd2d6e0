/* notify.h: webhook notifications (notify.webhook), sent without waiting. */
#ifndef PDR_NOTIFY_H
#define PDR_NOTIFY_H

#include "system.h"

int	notify_send(const char *, int64_t, const char *, char **);
char	*notify_text(const char *, ...) PDR_PRINTF(1, 2);
int	notify_post_wait(const char *, long, const char *, char **);
int	notify_command_wait(const char *, long, const char *, char **);

#endif
