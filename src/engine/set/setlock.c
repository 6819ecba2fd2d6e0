/*
 * setlock.c: one run at a time on a backup folder. backup, prune, fetch,
 * verify and restore hold an exclusive flock on BACKUP_DIR/.lock for as long
 * as they read or change the sets; the holder's pid and command are written
 * into the file so that a second run can name it.
 */
#include "system.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "engine/set/setlock.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The descriptor of the lock this process holds, -1 for none. */
static int	setlock_fd = -1;
/* Whether setlock_release runs at exit (so that the file is empty when unheld). */
static bool	registered;

/* What the lock file says of its holder ("pid 123 (backup)"), or "?"; the caller frees. */
static char *
setlock_holder(int fd)
{
	char	buf[128];
	ssize_t	n;

	if ((n = pread(fd, buf, sizeof buf - 1, 0)) <= 0)
		return (xstrdup("?"));
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (str_escape(buf));
}

/* Say why the lock file cannot be used (closing fd, freeing path); returns err's class. */
static enum fail_class
setlock_fail(int fd, char *path, int err, char **cause)
{
	if (err == EEXIST)
		*cause = xasprintf(_("%s: not a regular file"), path);
	else
		*cause = xasprintf("%s: %s", path, strerror(err));
	if (fd != -1)
		close(fd);
	free(path);
	return (fail_errno(err));
}

/*
 * Take the exclusive lock of backup_dir for the command what, waiting up to
 * wait_ms for a run that holds it. With create the folder is made when it is
 * missing; without, a missing folder needs no lock (nothing to protect).
 * Returns FAIL_NONE; FAIL_TEMPFAIL when the wait ran out (*cause names the
 * holder's pid); the class of the failure with *cause when the lock file
 * cannot be used.
 */
enum fail_class
setlock_take(const char *backup_dir, const char *what, int64_t wait_ms, bool create,
    char **cause)
{
	struct stat	 st;
	char		*path, *holder, note[96], t[32];
	int64_t		 deadline;
	int		 fd, n;

	if (setlock_fd != -1)
		return (FAIL_NONE);
	if (stat(backup_dir, &st) == -1 && errno == ENOENT) {
		if (!create)
			return (FAIL_NONE);
		if (fs_mkdir_p(backup_dir, 0700, cause) == -1)
			return (fail_errno(errno));
	}
	path = str_join_path(backup_dir, SETLOCK_FILE);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd == -1 && !create && (errno == EROFS || errno == EACCES)) {
		/* A read-only store: nobody can change the sets there either. */
		log_debug("%s: %s: reading without the lock", path, strerror(errno));
		free(path);
		return (FAIL_NONE);
	}
	if (fd == -1 || fstat(fd, &st) == -1)
		return (setlock_fail(fd, path, errno, cause));
	if (!S_ISREG(st.st_mode))
		return (setlock_fail(fd, path, EEXIST, cause));
	deadline = time_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
	if (fs_flock_until(fd, LOCK_EX, 0, 0) == -1) {
		if (errno != EWOULDBLOCK)
			return (setlock_fail(fd, path, errno, cause));
		if (wait_ms > 0) {
			holder = setlock_holder(fd);
			log_info(_("waiting for the other run on %s (%s)"), backup_dir, holder);
			free(holder);
		}
		if (fs_flock_until(fd, LOCK_EX, deadline, 50) == -1) {
			if (errno != EWOULDBLOCK)
				return (setlock_fail(fd, path, errno, cause));
			holder = setlock_holder(fd);
			xsnprintf(t, sizeof t, "%jds", (intmax_t)(wait_ms / 1000));
			*cause = xasprintf(_("%s is in use by another run (%s); waited %s; "
			    "nothing changed (run again, or use --wait)"), backup_dir, holder,
			    t);
			free(holder);
			close(fd);
			free(path);
			return (FAIL_TEMPFAIL);
		}
	}
	n = snprintf(note, sizeof note, "pid %ld (%s)\n", (long)getpid(), what);
	if (n < 0 || (size_t)n >= sizeof note)
		n = snprintf(note, sizeof note, "pid %ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, note, (size_t)n, 0) != n)
		log_warn("%s: %s", path, strerror(errno));
	log_debug("%s: locked", path);
	free(path);
	setlock_fd = fd;
	if (!registered && atexit(setlock_release) == 0)
		registered = true;
	return (FAIL_NONE);
}

/* Release the lock this process holds, if any. */
void
setlock_release(void)
{
	if (setlock_fd == -1)
		return;
	if (ftruncate(setlock_fd, 0) == -1)
		log_debug("lock: %s", strerror(errno));
	close(setlock_fd);
	setlock_fd = -1;
}

/*
 * In a child made by fork without exec (that outlives its parent): let go of
 * the inherited descriptor, so that the lock ends with the run that took it.
 */
void
setlock_forget(void)
{
	if (setlock_fd != -1)
		close(setlock_fd);
	setlock_fd = -1;
}

/* Whether this process holds the lock. */
bool
setlock_held(void)
{
	return (setlock_fd != -1);
}
