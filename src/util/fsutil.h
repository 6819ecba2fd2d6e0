/* fsutil.h: crash-safe file writing, directories and key files. */
#ifndef PDR_FSUTIL_H
#define PDR_FSUTIL_H

#include "system.h"

#include <sys/types.h>

int	 fs_mkdir_p(const char *, mode_t, char **);
int	 fs_fsync_dir(const char *, char **);
int	 fs_fsync_parent(const char *, char **);
int	 fs_write_atomic(const char *, const void *, size_t, mode_t, char **);
int	 fs_read_file(const char *, size_t, char **, size_t *, char **);
int	 fs_read_key(const char *, char **, char **);
bool	 fs_exists(const char *);
char	*fs_dirname(const char *);
int	 fs_errno_exit(int);
bool	 fs_in_build_tree(void);
bool	 fs_same_file(const char *, const char *);

#endif
