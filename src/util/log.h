/* log.h: messages to the terminal, the log file and syslog. */
#ifndef PDR_LOG_H
#define PDR_LOG_H

#include "system.h"

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void	log_init(const char *);
void	log_set_verbosity(int);
void	log_set_echo(bool);
int	log_open_file(const char *, char **);
void	log_set_syslog(bool);
void	log_close(void);
void	log_msg(enum log_level, const char *, ...) PDR_PRINTF(2, 3);
void	log_vmsg(enum log_level, const char *, va_list) PDR_PRINTF(2, 0);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
