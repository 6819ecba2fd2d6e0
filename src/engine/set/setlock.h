/* setlock.h: one run at a time on a backup folder (BACKUP_DIR/.lock, flock). */
#ifndef PDR_SETLOCK_H
#define PDR_SETLOCK_H

#include "system.h"

#include "util/fail.h"

/* The lock file, in BACKUP_DIR. */
#define SETLOCK_FILE	".lock"

enum fail_class	 setlock_take(const char *, const char *, int64_t, bool, char **);
void	 setlock_release(void);
void	 setlock_forget(void);
bool	 setlock_held(void);

#endif
