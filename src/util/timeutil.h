/* timeutil.h: durations ("15m", "2h30m") and points in time. */
#ifndef PDR_TIMEUTIL_H
#define PDR_TIMEUTIL_H

#include "system.h"

#include <time.h>

int	 duration_parse(const char *, int64_t *, char **);
char	*duration_format(int64_t, char *, size_t);
char	*duration_format_spec(int64_t, char *, size_t);
int	 time_parse(const char *, time_t, time_t *, char **);
char	*time_format_iso(time_t, char *, size_t);
char	*time_format_stamp(time_t, char *, size_t);
char	*time_format_iso_ms(int64_t, char *, size_t);
int64_t	 time_now_ms(void);
int64_t	 time_mono_ms(void);

/* Room for any string that duration_format and time_format_* write. */
#define TIMEUTIL_BUFSZ 40

#endif
