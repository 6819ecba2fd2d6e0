/* fsutil.c: crash-safe file writing, directories and key files. */
#include "system.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Create a directory and its parents (like mkdir -p). Returns -1 with *cause. */
int
fs_mkdir_p(const char *path, mode_t mode, char **cause)
{
	char	*copy, *p;
	int	 rc = 0;

	copy = xstrdup(path);
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) == -1 && errno != EEXIST) {
			*cause = xasprintf("%s: %s", copy, strerror(errno));
			rc = -1;
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return (rc);
}

/* fsync a directory so that a rename or a new entry in it is durable. */
int
fs_fsync_dir(const char *dir, char **cause)
{
	int	fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		return (-1);
	}
	if (fsync(fd) == -1 && errno != EINVAL) {
		*cause = xasprintf("%s: fsync: %s", dir, strerror(errno));
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

/* fsync the directory that holds path. */
int
fs_fsync_parent(const char *path, char **cause)
{
	char	*dir = fs_dirname(path);
	int	 rc;

	rc = fs_fsync_dir(dir, cause);
	free(dir);
	return (rc);
}

/*
 * Replace path with data atomically: write a temporary file beside it, fsync,
 * rename over path, fsync the directory. Returns -1 with *cause.
 */
int
fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    char **cause)
{
	char		*tmp;
	const char	*p = data;
	ssize_t		 n;
	int		 fd, saved;

	tmp = xasprintf("%s.tmp.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(tmp);
		return (-1);
	}
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	return (fs_fsync_parent(path, cause));
fail:
	saved = errno;
	*cause = xasprintf("%s: %s", path, strerror(saved));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return (-1);
}

/*
 * Read a whole file of at most max bytes into *out (NUL-terminated, the
 * caller frees) and its length into *len (may be NULL). Returns -1 with *cause.
 */
int
fs_read_file(const char *path, size_t max, char **out, size_t *lenp, char **cause)
{
	return (fs_read_file_flags(path, 0, max, out, lenp, cause));
}

/*
 * flock(fd, op) without blocking past deadline_ms (time_mono_ms): tried every
 * step_ms while another holds the lock. Returns 0 once it is held; -1 with
 * errno EWOULDBLOCK when the deadline passed, or the error of flock.
 */
int
fs_flock_until(int fd, int op, int64_t deadline_ms, int step_ms)
{
	while (flock(fd, op | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return (-1);
		if (time_mono_ms() >= deadline_ms) {
			errno = EWOULDBLOCK;
			return (-1);
		}
		poll(NULL, 0, step_ms);
	}
	return (0);
}

/*
 * Open path read-only (with extra open(2) flags, e.g. O_NOFOLLOW) only when
 * it is a regular file: a FIFO, device or socket put in its place is refused
 * (EINVAL) without blocking on it. Returns the descriptor (blocking,
 * close-on-exec), or -1 with errno.
 */
int
fs_open_regular(const char *path, int oflags)
{
	struct stat	 st;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | oflags)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = EINVAL;
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1)
		saved = errno;
	else
		return (fd);
	close(fd);
	errno = saved;
	return (-1);
}

/*
 * fs_read_file with extra open(2) flags (O_NOFOLLOW for files from folders
 * others may write). Only a regular file is read: a FIFO, device or socket
 * is refused without blocking on it.
 */
int
fs_read_file_flags(const char *path, int oflags, size_t max, char **out, size_t *lenp,
    char **cause)
{
	int	fd;

	if ((fd = fs_open_regular_why(path, oflags, cause)) == -1)
		return (-1);
	return (fs_read_fd(fd, path, max, out, lenp, cause));
}

/*
 * fs_open_regular, saying why not in *cause: "not a regular file", "a
 * symbolic link; not followed" (with O_NOFOLLOW) or the error. Returns the
 * descriptor, or -1 with *cause and errno.
 */
int
fs_open_regular_why(const char *path, int oflags, char **cause)
{
	int	fd, saved;

	if ((fd = fs_open_regular(path, oflags)) == -1) {
		saved = errno;
		*cause = saved == EINVAL ? xasprintf(_("%s: not a regular file"), path) :
		    saved == ELOOP && (oflags & O_NOFOLLOW) ?
		    xasprintf(_("%s: a symbolic link; not followed"), path) :
		    xasprintf("%s: %s", path, strerror(saved));
		errno = saved;
	}
	return (fd);
}

/*
 * fopen(path, "rb") for a regular file only (fs_open_regular): a FIFO,
 * device or socket put in its place is refused (EINVAL) without blocking on
 * it. NULL with errno.
 */
FILE *
fs_fopen_regular(const char *path)
{
	FILE	*f;
	int	 fd, saved;

	if ((fd = fs_open_regular(path, 0)) == -1)
		return (NULL);
	if ((f = fdopen(fd, "rb")) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return (f);
}

/*
 * Read all of the open regular file fd (named path in a cause), at most max
 * bytes, NUL-terminated, into *out (the caller frees); fd is closed. Returns
 * 0, or -1 with *cause and errno.
 */
int
fs_read_fd(int fd, const char *path, size_t max, char **out, size_t *lenp, char **cause)
{
	FILE		*f;
	char		*data;
	size_t		 len = 0, size = 4096, n;
	int		 saved;

	if ((f = fdopen(fd, "rb")) == NULL) {
		saved = errno;
		*cause = xasprintf("%s: %s", path, strerror(saved));
		close(fd);
		errno = saved;
		return (-1);
	}
	data = xmalloc(size);
	for (;;) {
		if (len + 1 >= size) {
			size *= 2;
			data = xrealloc(data, size);
		}
		n = fread(data + len, 1, size - len - 1, f);
		len += n;
		if (len > max) {
			*cause = xasprintf(_("%s: larger than %zu bytes"), path, max);
			errno = EFBIG;
			goto fail;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		saved = errno;
		*cause = xasprintf("%s: %s", path, strerror(saved));
		errno = saved;
		goto fail;
	}
	fclose(f);
	data[len] = '\0';
	*out = data;
	if (lenp != NULL)
		*lenp = len;
	return (0);
fail:
	saved = errno;
	fclose(f);
	free(data);
	errno = saved;
	return (-1);
}

/*
 * Read a key file as `openssl enc -pass file:` does: its first line, without
 * the newline. Refuses (FAIL_PERM) a file that group or others can read or
 * write; (FAIL_IO) one that is not a regular file, a key shorter than
 * FS_KEY_MIN or with a NUL byte in it; a missing file is FAIL_NOINPUT. The
 * caller frees *key (and should clear it first). Returns FAIL_NONE, or the
 * class of the failure with *cause.
 */
enum fail_class
fs_load_key(const char *path, char **key, char **cause)
{
	struct stat	 st;
	char		*data, *nl;
	size_t		 len;
	int		 fd;
	enum fail_class	 fc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf(_("key file %s: %s"), path, strerror(errno));
		return (fc);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		*cause = xasprintf(_("key file %s: not a regular file"), path);
		return (FAIL_IO);
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		*cause = xasprintf(_("key file %s is accessible by group or others "
		    "(mode %04o); refusing it: chmod 600 %s"), path,
		    (unsigned)(st.st_mode & 07777), path);
		return (FAIL_PERM);
	}
	/* the bytes of the file whose mode was checked, not of whatever is there now */
	if (fs_read_fd(fd, path, 64 * 1024, &data, &len, cause) == -1)
		return (FAIL_IO);
	if ((nl = memchr(data, '\n', len)) != NULL) {
		memset(nl, 0, len - (size_t)(nl - data));
		len = (size_t)(nl - data);
	}
	if (len > 0 && data[len - 1] == '\r')
		data[--len] = '\0';
	/* openssl would cut the key at a NUL: refuse it rather than use less. */
	if (len == 0 || memchr(data, '\0', len) != NULL || len < FS_KEY_MIN) {
		*cause = len == 0 ? xasprintf(_("key file %s: empty"), path) :
		    memchr(data, '\0', len) != NULL ? xasprintf(_("key file %s: holds a NUL "
		    "byte, which would cut the key short; refusing it"), path) :
		    xasprintf(_("key file %s: %zu characters; a key needs %d at least "
		    "(openssl rand -base64 32 makes one)"), path, len, FS_KEY_MIN);
		memset(data, 0, len);
		free(data);
		return (FAIL_IO);
	}
	*key = data;
	return (FAIL_NONE);
}

/* fs_load_key for a caller that needs no class: returns 0, or -1 with *cause. */
int
fs_read_key(const char *path, char **key, char **cause)
{
	return (fs_load_key(path, key, cause) == FAIL_NONE ? 0 : -1);
}

/* Whether path exists (any type, links not followed). */
bool
fs_exists(const char *path)
{
	struct stat	st;

	return (lstat(path, &st) == 0);
}

/* The directory part of path; the caller frees. */
char *
fs_dirname(const char *path)
{
	char	*copy = xstrdup(path), *d;

	d = xstrdup(dirname(copy));
	free(copy);
	return (d);
}

/*
 * path with its folder resolved (realpath) and its last part as it is, for
 * an open that must not follow a symbolic link in that last part only
 * (SQLITE_OPEN_NOFOLLOW refuses one anywhere in the path, and backup_dir or
 * state_dir may well sit behind a link the administrator made). The folder
 * as given when it cannot be resolved. The caller frees.
 */
char *
fs_resolve_dir(const char *path)
{
	char	*dir = fs_dirname(path), *real, *copy, *out;

	if ((real = realpath(dir, NULL)) == NULL) {
		free(dir);
		return (xstrdup(path));
	}
	copy = xstrdup(path);
	out = str_join_path(real, basename(copy));
	free(copy);
	free(real);
	free(dir);
	return (out);
}

/* Whether this binary runs from its build tree (PDR_BUILDDIR), not installed. */
bool
fs_in_build_tree(void)
{
	char	 exe[PATH_MAX], *dir, *build;
	ssize_t	 n;
	bool	 same = false;

	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) <= 0)
		return (false);
	exe[n] = '\0';
	dir = fs_dirname(exe);
	if ((build = realpath(PDR_BUILDDIR, NULL)) != NULL) {
		same = strcmp(dir, build) == 0;
		free(build);
	}
	free(dir);
	return (same);
}

/* Whether two paths name the same file or folder (links followed). */
bool
fs_same_file(const char *a, const char *b)
{
	struct stat	sa, sb;

	return (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino);
}

/*
 * Walk the tree at path without following links, calling fn before and after
 * each folder's entries (see fs_walk_fn); the pre call may make the folder
 * readable. Entries come in readdir order. Returns -1 with *cause (the path
 * and the reason) at the first failure, fn's own or the walk's.
 */
int
fs_walk(const char *path, fs_walk_fn fn, void *arg, char **cause)
{
	struct stat	 st;
	struct dirent	*d;
	DIR		*dir;
	char		*sub;
	int		 rc = 0;

	if (lstat(path, &st) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode))
		return (fn(path, &st, true, arg, cause));
	if (fn(path, &st, false, arg, cause) != 0)
		return (-1);
	if ((dir = opendir(path)) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	while (rc == 0 && (d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		sub = str_join_path(path, d->d_name);
		rc = fs_walk(sub, fn, arg, cause);
		free(sub);
	}
	closedir(dir);
	if (rc != 0)
		return (-1);
	return (fn(path, &st, true, arg, cause));
}

/* fs_remove_tree's step: open a folder up before, remove each path after. */
static int
fs_remove_one(const char *path, const struct stat *st, bool post, void *arg,
    char **cause)
{
	(void)arg;
	if (!post) {
		if ((st->st_mode & 0700) != 0700)
			chmod(path, 0700);	/* a sealed folder; a failure shows at opendir */
		return (0);
	}
	if ((S_ISDIR(st->st_mode) ? rmdir(path) : unlink(path)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* Remove a tree like rm -rf, without following links; absent is not an error. */
int
fs_remove_tree(const char *path, char **cause)
{
	struct stat	st;

	if (lstat(path, &st) == -1 && errno == ENOENT)
		return (0);
	return (fs_walk(path, fs_remove_one, NULL, cause));
}
