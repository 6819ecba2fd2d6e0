/* fsutil.h: crash-safe file writing, directories and key files. */
#ifndef PDR_FSUTIL_H
#define PDR_FSUTIL_H

#include "system.h"

#include "util/fail.h"

#include <sys/types.h>
#include <sys/stat.h>

/*
 * The fs_* functions that return -1 leave errno as the failing system call
 * set it; a caller that needs the class takes fail_errno(errno) at once,
 * before any other call. fs_load_key returns its class.
 */

/*
 * Called by fs_walk for each path under the root, the root included: for a
 * folder once before its entries (post false) and once after them (post
 * true), for anything else once (post true). Returns -1 with *cause to stop.
 */
typedef int (*fs_walk_fn)(const char *, const struct stat *, bool, void *, char **);

int	 fs_mkdir_p(const char *, mode_t, char **);
int	 fs_fsync_dir(const char *, char **);
int	 fs_fsync_parent(const char *, char **);
int	 fs_write_atomic(const char *, const void *, size_t, mode_t, char **);
int	 fs_read_file(const char *, size_t, char **, size_t *, char **);
int	 fs_read_file_flags(const char *, int, size_t, char **, size_t *, char **);
int	 fs_flock_until(int, int, int64_t, int);
int	 fs_open_regular(const char *, int);
int	 fs_open_regular_why(const char *, int, char **);
FILE	*fs_fopen_regular(const char *);
int	 fs_read_fd(int, const char *, size_t, char **, size_t *, char **);
/* The shortest encryption key accepted, in characters. */
#define FS_KEY_MIN	16

enum fail_class	 fs_load_key(const char *, char **, char **);
int	 fs_read_key(const char *, char **, char **);
bool	 fs_exists(const char *);
char	*fs_resolve_dir(const char *);
char	*fs_dirname(const char *);
bool	 fs_in_build_tree(void);
bool	 fs_same_file(const char *, const char *);
int	 fs_walk(const char *, fs_walk_fn, void *, char **);
int	 fs_remove_tree(const char *, char **);

#endif
