/* backup.c: the plan's backup script, in-process. */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "engine/set/archive.h"
#include "engine/backup/backup.h"
#include "engine/set/catalog.h"
#include "engine/set/crypt.h"
#include "engine/set/dbio.h"
#include "engine/set/hashio.h"
#include "engine/set/manifest.h"
#include "engine/remote/remote.h"
#include "engine/backup/retention.h"
#include "engine/set/verify.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The date as `date` prints it in the C locale; the caller frees. */
char *
backup_date(time_t t)
{
	struct tm	tm;
	char		buf[64];

	localtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Z %Y", &tm);
	return (xstrdup(buf));
}

/* A calendar key of t (0 month, 1 ISO week, 2 day; local time) into buf. */
static void
backup_period(time_t t, int which, char *buf, size_t len)
{
	struct tm	tm;

	localtime_r(&t, &tm);
	if (which == 0)
		strftime(buf, len, "%Y%m", &tm);
	else if (which == 1)
		strftime(buf, len, "%G%V", &tm);
	else
		strftime(buf, len, "%Y%m%d", &tm);
}

/*
 * The tier of a backup at now, given the sets there are: the first of a
 * calendar month is monthly, else the first of an ISO week weekly, else the
 * first of a day daily, else hourly. Sets without a manifest do not count.
 */
enum backup_tier
backup_classify(time_t now, const struct catalog_set *sets, size_t n)
{
	static const enum backup_tier tiers[] = { BACKUP_MONTHLY, BACKUP_WEEKLY, BACKUP_DAILY };
	char	 a[32], b[32];
	size_t	 f, i;
	bool	 seen;

	for (f = 0; f < nitems(tiers); f++) {
		backup_period(now, (int)f, a, sizeof a);
		seen = false;
		for (i = 0; i < n && !seen; i++) {
			if (!sets[i].have[PART_MANIFEST] || sets[i].when > now)
				continue;
			backup_period(sets[i].when, (int)f, b, sizeof b);
			seen = strcmp(a, b) == 0;
		}
		if (!seen)
			return (tiers[f]);
	}
	return (BACKUP_HOURLY);
}

/*
 * What `patronus-sdwan --version` says, as the plan's manifest records it, or
 * "unknown": bin run by its absolute path (sdwan_binary; never found through
 * $PATH, which would let whoever sets it run code as root), without a shell,
 * for at most BACKUP_VERSION_MS. The caller frees.
 */
static char *
backup_version(const char *bin)
{
	const char	*argv[] = { bin, "--version", NULL };
	struct pollfd	 pfd;
	struct proc	*p;
	struct buf	 out;
	int64_t		 deadline = time_mono_ms() + BACKUP_VERSION_MS;
	char		*cause = NULL, *v;
	int		 r = 0;

	if (bin == NULL || *bin != '/' || access(bin, X_OK) != 0)
		return (xstrdup("unknown"));
	if (proc_start(argv, NULL, &p, &cause) != 0) {
		free(cause);
		return (xstrdup("unknown"));
	}
	buf_init(&out);
	while (r == 0 && time_mono_ms() < deadline) {
		pfd.fd = proc_fd(p);
		pfd.events = POLLIN;
		poll(&pfd, pfd.fd != -1 ? 1 : 0, 50);
		if ((r = proc_read(p, &out, 4096, &cause)) == -1 || out.len > 4096)
			break;
	}
	free(cause);
	while (proc_reap(p) == 0 && time_mono_ms() < deadline)
		poll(NULL, 0, 10);
	v = NULL;
	if (r == 1 && proc_state(p) == PROC_EXITED && proc_exit_code(p) == 0) {
		out.data[strcspn(out.data, "\r\n")] = '\0';
		for (cause = out.data; *cause != '\0'; cause++)
			if ((unsigned char)*cause < 0x20 || *cause == 0x7f)
				*cause = '?';	/* one plain line in the manifest */
		cause = NULL;
		if (*out.data != '\0')
			v = xstrdup(out.data);
	}
	proc_free(p);
	buf_clear(&out);
	return (v != NULL ? v : xstrdup("unknown"));
}

/* Free what a result holds. */
void
backup_result_clear(struct backup_result *res)
{
	free(res->dir);
	free(res->name);
	res->dir = res->name = NULL;
}

/* Set the failure class and message; returns -1. */
PDR_PRINTF(4, 5) static int
backup_fail(struct backup_result *res, enum fail_class fc, char **cause, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	*cause = xvasprintf(fmt, ap);
	va_end(ap);
	res->fail = fc;
	return (-1);
}

/*
 * The class of a failed archive or manifest: CANTCREAT when the file could
 * not be written for lack of room, else IO (a write error, reading the
 * folder, encrypting).
 */
static enum fail_class
backup_out_class(const struct hashio_out *out)
{
	return (out->fail == FAIL_CANTCREAT ? FAIL_CANTCREAT : FAIL_IO);
}

/* Sleep for ms milliseconds. */
static void
backup_sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Say why the online copy failed, naming the file at fault: a full or failing
 * backup disk is the copy's (tmp), with the system's errno; the database
 * copied only when reading it failed. Fills res->fail; returns -1.
 */
static int
backup_copy_fail(const char *database, sqlite3 *src, sqlite3 *dst, const char *tmp, int rc,
    struct backup_result *res, char **cause)
{
	int	e = sqlite3_system_errno(dst);

	if (rc == SQLITE_FULL || e == ENOSPC || e == EDQUOT)
		return (backup_fail(res, FAIL_CANTCREAT, cause,
		    _("%s: cannot write the copy: %s"), tmp, strerror(e != 0 ? e : ENOSPC)));
	if (e != 0 && (rc & 0xff) == SQLITE_IOERR)
		return (backup_fail(res, e == EROFS ? FAIL_CANTCREAT : FAIL_IO, cause,
		    _("%s: cannot write the copy: %s"), tmp, strerror(e)));
	if ((e = sqlite3_system_errno(src)) != 0)
		return (backup_fail(res, FAIL_IO, cause, _("%s: online copy failed: %s (%s)"),
		    database, sqlite3_errstr(rc), strerror(e)));
	return (backup_fail(res, FAIL_IO, cause, _("%s: online copy failed: %s"), database,
	    sqlite3_errstr(rc)));
}

/*
 * Copy the live database to tmp with the backup API: one step of all pages per
 * attempt, so that a steady writer cannot restart it forever; retry while the
 * source is busy or locked, within a bound. Returns -1 with *cause.
 */
static int
backup_copy(const struct backup_opts *o, sqlite3 *src, const char *tmp, struct stat *made,
    struct backup_result *res, char **cause)
{
	sqlite3_backup	*b;
	sqlite3		*dst = NULL;
	int64_t		 start = time_mono_ms();
	int		 attempts = o->attempts > 0 ? o->attempts : BACKUP_COPY_ATTEMPTS;
	int		 wait_ms = o->wait_ms > 0 ? o->wait_ms : BACKUP_COPY_WAIT_MS;
	const char	*database = o->conf != NULL ? o->conf->database : "?";
	struct stat	 sb;
	char		*real;
	int		 fd, rc = SQLITE_OK, i, delay = 20;

	/*
	 * The folder is writable by others than us: the name may have been
	 * swapped for a symbolic or hard link since it was reserved. Never
	 * follow one (nor let SQLite resolve one), never truncate a file that
	 * has another name too.
	 */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		return (backup_fail(res, fail_errno(errno), cause, "%s: %s", tmp,
		    strerror(errno)));
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) || sb.st_nlink != 1 ||
	    ftruncate(fd, 0) == -1) {
		close(fd);
		return (backup_fail(res, FAIL_CANTCREAT, cause, _("%s: not a new regular file "
		    "of ours (replaced by a link?); nothing written"), tmp));
	}
	close(fd);
	if (made != NULL)
		*made = sb;	/* the file the copy goes into: hashed and renamed only if still it */
	/* NOFOLLOW for the name only: backup_dir itself may sit behind a link. */
	real = fs_resolve_dir(tmp);
	if (sqlite3_open_v2(real, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
	    dbio_vfs()) != SQLITE_OK) {
		backup_fail(res, FAIL_IO, cause, "%s: %s", tmp, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		free(real);
		return (-1);
	}
	sqlite3_exec(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL, NULL);
	for (i = 1; i <= attempts; i++) {
		hashio_checkpoint("copy");
		if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
			backup_fail(res, FAIL_IO, cause, "%s: %s", tmp, sqlite3_errmsg(dst));
			sqlite3_close(dst);
			free(real);
			return (-1);
		}
		rc = sqlite3_backup_step(b, -1);
		sqlite3_backup_finish(b);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
			backup_copy_fail(database, src, dst, tmp, rc, res, cause);
			sqlite3_close(dst);
			free(real);
			return (-1);
		}
		if (time_mono_ms() - start + delay > wait_ms)
			break;
		log_info(_("Database busy, online copy attempt %d failed; retrying"), i);
		backup_sleep_ms(delay);
		if (delay < 1000)
			delay *= 2;
	}
	if (rc != SQLITE_DONE) {
		sqlite3_close(dst);
		free(real);
		return (backup_fail(res, FAIL_IO, cause, _("%s: database stayed busy or locked "
		    "for %d attempts within %d ms; no copy made"), database,
		    i > attempts ? attempts : i, wait_ms));
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		free(real);
		return (backup_fail(res, FAIL_IO, cause, _("%s: cannot close the copy"), tmp));
	}

	/* The copy carries the live file's WAL flag: make it a plain rollback database. */
	dst = NULL;
	if ((rc = sqlite3_open_v2(real, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
	    NULL)) != SQLITE_OK ||
	    (rc = sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL,
	    NULL)) != SQLITE_OK) {
		backup_copy_fail(database, src, dst, tmp, rc, res, cause);
		sqlite3_close(dst);
		free(real);
		return (-1);
	}
	sqlite3_close(dst);
	free(real);
	hashio_checkpoint("copied");
	return (0);
}

/*
 * A consistent online copy of the SQLite database at database into dst (made
 * atomically: a temporary name beside it, fsync, rename), as the backup
 * makes its .db. Returns FAIL_NONE, or the class of the failure with *cause.
 */
enum fail_class
backup_copy_db(const char *database, const char *dst, char **cause)
{
	struct backup_opts	 o;
	struct backup_result	 res;
	struct conf		 c;
	sqlite3			*src = NULL;
	char			*tmp;
	int			 fd, r;

	memset(&o, 0, sizeof o);
	memset(&res, 0, sizeof res);
	memset(&c, 0, sizeof c);
	c.database = (char *)database;
	o.conf = &c;
	tmp = hashio_tmpname(dst);
	if (sqlite3_open_v2(database, &src, SQLITE_OPEN_READONLY, dbio_vfs()) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", database, sqlite3_errmsg(src));
		sqlite3_close(src);
		free(tmp);
		return (FAIL_IO);
	}
	sqlite3_busy_timeout(src, 1000);
	r = backup_copy(&o, src, tmp, NULL, &res, cause);
	sqlite3_close(src);
	if (r == 0 && ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1 || rename(tmp, dst) == -1)) {
		res.fail = fail_errno(errno);
		*cause = xasprintf("%s: %s", dst, strerror(errno));
		r = -1;
	}
	if (r != 0) {
		unlink(tmp);
		free(tmp);
		return (res.fail != FAIL_NONE ? res.fail : FAIL_IO);
	}
	free(tmp);
	if (fs_fsync_parent(dst, cause) == -1)
		return (fail_errno(errno));
	return (FAIL_NONE);
}

/* Log (at debug level) how long the backup has run, at a named step. */
static void
backup_timing(const char *step)
{
	static int64_t	start;
	int64_t		now = time_mono_ms();

	if (start == 0)
		start = now;
	log_debug("%s: %.3f s", step, (double)(now - start) / 1000);
}

/* Work on a file that runs on a thread of its own, beside the main one. */
enum backup_job_kind { BACKUP_JOB_CHECK, BACKUP_JOB_HASH, BACKUP_JOB_FSYNC };
struct backup_job {
	enum backup_job_kind	 kind;
	const char		*path;
	bool			 want_paths;	/* CHECK: count paths too */
	long			 sites, paths;	/* CHECK */
	char			 hex[HASHIO_HEXLEN];	/* HASH */
	int			 rc;		/* 0 ok; CHECK: 1 damage found */
	enum fail_class		 fail;		/* the class of a failure */
	char			*cause;		/* owned */
	int64_t			 ms;		/* how long it took */
	const struct stat	*want;		/* HASH: the file must be this one (dev, inode) */
	pthread_t		 th;
	bool			 threaded;
};

/* Thread body: do one job. */
static void *
backup_job_run(void *arg)
{
	struct backup_job	*j = arg;
	struct hashio_in	 in;
	struct stat		 st;
	int64_t			 start = time_mono_ms();
	int			 fd;

	switch (j->kind) {
	case BACKUP_JOB_CHECK:
		j->rc = verify_db_check(j->path, false, &j->sites,
		    j->want_paths ? &j->paths : NULL, &j->cause);
		j->fail = j->rc == 1 ? FAIL_CHECK : FAIL_IO;
		break;
	case BACKUP_JOB_HASH:
		j->fail = FAIL_IO;
		if (j->want == NULL) {
			j->rc = hashio_file(j->path, j->hex, NULL, &j->cause);
			break;
		}
		/*
		 * backup_dir is writable by others: the copy's name may now be
		 * another file. The hash that gets signed is of the file read here,
		 * so it must be the one the copy went into.
		 */
		if ((j->rc = hashio_in_open(&in, j->path, &j->cause)) != 0)
			break;
		if (fstat(in.fd, &st) == -1 || st.st_dev != j->want->st_dev ||
		    st.st_ino != j->want->st_ino) {
			j->cause = xasprintf(_("%s: replaced by another file while the backup "
			    "wrote it; nothing signed"), j->path);
			j->rc = -1;
		} else if ((j->rc = hashio_in_finish(&in, &j->cause)) == 0)
			memcpy(j->hex, in.hex, HASHIO_HEXLEN);
		hashio_in_close(&in);
		break;
	case BACKUP_JOB_FSYNC:
		j->rc = 0;
		if ((fd = open(j->path, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) == -1) {
			j->fail = fail_errno(errno);
			j->cause = xasprintf("%s: fsync: %s", j->path, strerror(errno));
			j->rc = -1;
		}
		if (fd != -1)
			close(fd);
		break;
	}
	j->ms = time_mono_ms() - start;
	return (NULL);
}

/*
 * Start a job on its own thread (or run it here when no thread can be made);
 * want, for a HASH, is the file path must still be (NULL: any).
 */
static void
backup_job_start(struct backup_job *j, enum backup_job_kind kind, const char *path,
    const struct stat *want)
{
	memset(j, 0, sizeof *j);
	j->kind = kind;
	j->path = path;
	j->want = want;
	if (pthread_create(&j->th, NULL, backup_job_run, j) == 0)
		j->threaded = true;
	else
		backup_job_run(j);
}

/* Wait for a job; returns its rc. */
static int
backup_job_wait(struct backup_job *j)
{
	if (j->threaded)
		pthread_join(j->th, NULL);
	j->threaded = false;
	return (j->rc);
}

/* Take a failed job's cause and class into res; returns -1. */
static int
backup_job_fail(struct backup_job *j, struct backup_result *res, char **cause)
{
	res->fail = j->fail;
	if (*cause == NULL) {
		*cause = j->cause;
		j->cause = NULL;
	}
	free(j->cause);
	j->cause = NULL;
	return (-1);
}

/* Remove the files of a set that failed half way. */
static void
backup_discard(const struct catalog_set *s)
{
	char	*path, *tmp;
	int	 i;

	for (i = PART__COUNT - 1; i >= 0; i--) {
		path = catalog_path(s, (enum catalog_part)i);
		tmp = hashio_tmpname(path);
		unlink(path);
		unlink(tmp);
		free(tmp);
		free(path);
	}
}

/* The name of a set of tier and stamp with sequence number seq (1: none); the caller frees. */
static char *
backup_name(enum backup_tier tier, const char *stamp, int seq)
{
	if (seq == 1)
		return (xasprintf("patronus-%s-%s", backup_tier_names[tier], stamp));
	return (xasprintf("patronus-%s-%s-%d", backup_tier_names[tier], stamp, seq));
}

/* Whether a file of the set named name in dir, or its temporary file, exists. */
static bool
backup_name_taken(const char *dir, const char *name)
{
	struct stat	 st;
	char		*path, *tmp;
	bool		 taken = false;
	int		 i;

	for (i = 0; i < PART__COUNT && !taken; i++) {
		path = xasprintf("%s/%s%s", dir, name, catalog_suffixes[i]);
		tmp = hashio_tmpname(path);
		taken = lstat(path, &st) == 0 || lstat(tmp, &st) == 0;
		free(tmp);
		free(path);
	}
	return (taken);
}

/*
 * Choose a name for the set that no other set (or run) has: the plan's
 * patronus-TYPE-STAMP, else, when sets of that second exist, the same with
 * "-N" above the highest there (so that the new set is the newest of its
 * second). The name is taken by creating the database's temporary file with
 * O_EXCL, so that two runs never write the same files; all that a failed run
 * removes afterwards is under this name. Fills s->name and path[]. Returns
 * -1 with *cause.
 */
static int
backup_reserve(struct catalog_set *s, const char *stamp, char **path,
    struct backup_result *res, char **cause)
{
	char	*name, *tmp;
	int	 seq, top = 0, i, fd;

	for (seq = 1; seq < 100; seq++) {
		name = backup_name(s->tier, stamp, seq);
		if (backup_name_taken(s->dir, name))
			top = seq;
		free(name);
	}
	for (seq = top + 1; seq < 100; seq++) {
		free(s->name);
		s->name = backup_name(s->tier, stamp, seq);
		if (backup_name_taken(s->dir, s->name))
			continue;
		for (i = 0; i < PART__COUNT; i++) {
			free(path[i]);
			path[i] = catalog_path(s, (enum catalog_part)i);
		}
		tmp = hashio_tmpname(path[PART_DB]);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd == -1 && errno != EEXIST) {
			backup_fail(res, fail_errno(errno), cause, "%s: %s", tmp,
			    strerror(errno));
			free(tmp);
			return (-1);
		}
		free(tmp);
		if (fd == -1)
			continue;
		close(fd);
		return (0);
	}
	return (backup_fail(res, FAIL_CANTCREAT, cause,
	    _("%s/patronus-%s-%s: 99 sets of that second exist already"), s->dir,
	    backup_tier_names[s->tier], stamp));
}

/*
 * Warn when the newest set that names its key was made with another key:
 * the older sets then verify (and restore) only with that one.
 */
static void
backup_key_check(const struct catalog_set *sets, size_t n, const char *password)
{
	struct manifest	 m;
	char		*path, *text, *cause = NULL, fp[MANIFEST_FPLEN];
	size_t		 i, len;
	bool		 done = false;

	for (i = 0; i < n && !done; i++) {
		if (!sets[i].have[PART_MANIFEST])
			continue;
		path = catalog_path(&sets[i], PART_MANIFEST);
		if (fs_read_file(path, 1024 * 1024, &text, &len, &cause) == 0) {
			if (manifest_parse(text, len, path, &m, &cause) == 0 &&
			    *m.fingerprint != '\0') {
				done = true;
				if (manifest_other_key(&m, password)) {
					manifest_key_fingerprint(password, fp);
					log_warn(_("the encryption key changed since %s (its "
					    "fingerprint %s, now %s): older sets verify and "
					    "restore only with the old key; keep it"),
					    sets[i].name, m.fingerprint, fp);
				}
			}
			manifest_clear(&m);
			free(text);
		}
		free(cause);
		cause = NULL;
		free(path);
	}
}

/* Log what archiving changed or left out, and free the notes. */
static void
backup_notes(struct archive_stats *as)
{
	size_t	i;

	for (i = 0; i < as->nnotes; i++)
		log_warn(_("Note: %s"), as->notes[i]);
	archive_stats_clear(as);
}

/*
 * Check an archive just written as verify and restore check it (read whole,
 * decrypted with password when not NULL, every entry as restore accepts it
 * into dir), so that a set that backup completes restores. Returns -1 with
 * *cause and res->fail (FAIL_CHECK).
 */
static int
backup_check_archive(const char *path, const char *password, const char *dir,
    struct backup_result *res, char **cause)
{
	char	 hex[HASHIO_HEXLEN], *why = NULL;
	size_t	 entries;

	if (verify_archive(path, password, dir, hex, &entries, &why) == 0)
		return (0);
	log_error(_("The archive just written would not restore!"));
	backup_fail(res, FAIL_CHECK, cause, "%s", why);
	free(why);
	return (-1);
}

/* Check the inputs and read the key; fills res->fail. Returns -1 with *cause. */
static int
backup_inputs(const struct conf *c, char **password, struct backup_result *res, char **cause)
{
	struct stat	st;
	const char	*dirs[] = { c->config_dir, c->wireguard_dir };
	size_t		i;

	if (stat(c->database, &st) == -1)
		return (backup_fail(res, fail_errno(errno), cause, _("database %s: %s"),
		    c->database, strerror(errno)));
	for (i = 0; i < nitems(dirs); i++) {
		if (stat(dirs[i], &st) == -1)
			return (backup_fail(res, fail_errno(errno), cause, "%s: %s", dirs[i],
			    strerror(errno)));
		if (!S_ISDIR(st.st_mode))
			return (backup_fail(res, FAIL_NOINPUT, cause, _("%s: not a folder"),
			    dirs[i]));
	}
	if ((res->fail = fs_load_key(c->encryption_key, password, cause)) != FAIL_NONE)
		return (-1);
	return (0);
}

/*
 * Take one backup set as the plan's script does, step by step with its log
 * lines: integrity check, online copy, check of the copy, counts, config
 * archive, encrypted WireGuard archive, manifest, then retention. Every file
 * appears under its name only when complete; the manifest last. Fills res;
 * returns -1 with *cause and res->fail on failure, leaving no set behind.
 */
int
backup_run(const struct backup_opts *o, struct backup_result *res, char **cause)
{
	static const char *const sqlite_side[] = { "journal", "wal", "shm" };
	const struct conf	*c = o->conf;
	struct catalog_set	*sets = NULL, s;
	struct backup_job	 live, hash, sync;
	struct hashio_out	 out;
	struct archive_stats	 as;
	struct crypt_enc	*enc = NULL;
	struct manifest		 m;
	struct stat		 st, made;
	sqlite3			*src = NULL;
	size_t			 nsets = 0, i;
	char			*password = NULL, *date, *tmp = NULL, *path[PART__COUNT];
	char			 stamp[32], size[32], host[256], *text = NULL, *why = NULL;
	int			 t, rc = -1, r;

	memset(res, 0, sizeof *res);
	memset(&s, 0, sizeof s);
	memset(&m, 0, sizeof m);
	memset(path, 0, sizeof path);
	date = backup_date(o->now);
	log_info("=== Patronus Backup Started: %s ===", date);
	free(date);

	if (backup_inputs(c, &password, res, cause) == -1)
		goto out;
	for (t = 0; t < BACKUP__TIERS; t++) {
		char *d = xasprintf("%s/%s", c->backup_dir, backup_tier_names[t]);

		r = fs_mkdir_p(d, 0700, cause);
		free(d);
		if (r == -1) {
			res->fail = errno == ENOENT ? FAIL_NOINPUT : errno == EACCES ? FAIL_PERM :
			    FAIL_CANTCREAT;
			goto out;
		}
	}
	if (catalog_scan(c->backup_dir, NULL, NULL, &sets, &nsets, cause) == -1) {
		res->fail = FAIL_IO;
		goto out;
	}
	res->tier = o->tier >= 0 ? (enum backup_tier)o->tier :
	    backup_classify(o->now, sets, nsets);
	backup_key_check(sets, nsets, password);
	catalog_free(sets, nsets);
	sets = NULL;
	s.tier = res->tier;
	s.dir = xasprintf("%s/%s", c->backup_dir, backup_tier_names[res->tier]);
	time_format_stamp(o->now, stamp, sizeof stamp);
	s.when = o->now;
	if (backup_reserve(&s, stamp, path, res, cause) == -1) {
		free(s.dir);
		s.dir = NULL;
		goto out;
	}
	tmp = hashio_tmpname(path[PART_DB]);
	res->dir = xstrdup(s.dir);
	res->name = xstrdup(s.name);
	log_info("Backup type: %s", backup_tier_names[res->tier]);
	log_info("Destination: %s", s.dir);

	/*
	 * 1. Database. The integrity check of the live database runs beside the
	 * online copy; the copy's own check beside its hash and fsync. Nothing is
	 * renamed before all of them passed.
	 */
	log_info("Backing up database...");
	backup_timing("start");
	hashio_checkpoint("start");
	backup_job_start(&live, BACKUP_JOB_CHECK, c->database, NULL);
	if (sqlite3_open_v2(c->database, &src, SQLITE_OPEN_READONLY, dbio_vfs()) != SQLITE_OK) {
		backup_fail(res, FAIL_IO, cause, "%s: %s", c->database, sqlite3_errmsg(src));
		backup_job_wait(&live);
		free(live.cause);
		goto fail;
	}
	sqlite3_busy_timeout(src, 1000);
	r = backup_copy(o, src, tmp, &made, res, cause);
	sqlite3_close(src);
	src = NULL;
	if (backup_job_wait(&live) != 0) {
		if (live.rc == 1) {
			/* Damage found: that is the news, whatever the copy did. */
			log_error("Database integrity check failed!");
			free(*cause);
			*cause = NULL;
		}
		if (live.rc == 1 || r == 0) {
			backup_job_fail(&live, res, cause);
			goto fail;
		}
		free(live.cause);
	}
	if (r == -1)
		goto fail;
	backup_timing("integrity check of the live database, online copy");
	backup_job_start(&hash, BACKUP_JOB_HASH, tmp, &made);
	backup_job_start(&sync, BACKUP_JOB_FSYNC, tmp, NULL);
	r = verify_db_check(tmp, false, &res->sites, &res->paths, &why);
	backup_job_wait(&hash);
	backup_job_wait(&sync);
	log_debug("on their threads: live check %.3f s, hash %.3f s, fsync %.3f s",
	    (double)live.ms / 1000, (double)hash.ms / 1000, (double)sync.ms / 1000);
	backup_timing("integrity check, hash and fsync of the copy");
	if (r != 0) {
		log_error("Backup verification failed!");
		res->fail = r == 1 ? FAIL_CHECK : FAIL_IO;
		*cause = why;
		free(hash.cause);
		free(sync.cause);
		goto fail;
	}
	if (hash.rc != 0 || sync.rc != 0) {
		backup_job_fail(hash.rc != 0 ? &hash : &sync, res, cause);
		free(hash.cause);
		free(sync.cause);
		goto fail;
	}
	hashio_checkpoint("db-rename");
	if (rename(tmp, path[PART_DB]) == -1 || fs_fsync_parent(path[PART_DB], cause) == -1) {
		if (*cause == NULL)
			*cause = xasprintf("%s: %s", path[PART_DB], strerror(errno));
		res->fail = FAIL_IO;
		goto fail;
	}
	/* What the rename moved must be the copy that was hashed, not a file put in its place. */
	if (lstat(path[PART_DB], &st) == -1 || st.st_dev != made.st_dev ||
	    st.st_ino != made.st_ino) {
		*cause = xasprintf(_("%s: replaced by another file while the backup wrote it; "
		    "nothing signed"), path[PART_DB]);
		unlink(path[PART_DB]);
		res->fail = FAIL_IO;
		goto fail;
	}
	log_info("Database backed up: %s", path[PART_DB]);
	manifest_du_size((uint64_t)st.st_blocks * 512, size, sizeof size);
	log_info("Database size: %s", size);
	log_info("Sites: %ld, Paths: %ld", res->sites, res->paths);
	m.sums[m.nsums].name = xasprintf("%s%s", s.name, catalog_suffixes[PART_DB]);
	memcpy(m.sums[m.nsums++].hex, hash.hex, HASHIO_HEXLEN);

	/* 2. Configuration, without the encryption key. */
	log_info("Backing up configuration...");
	if (hashio_open(&out, path[PART_CONFIG], cause) == -1) {
		res->fail = out.fail;
		goto fail;
	}
	if (archive_pack_dir(c->config_dir, c->encryption_key, ARCHIVE_PACK_RESTORABLE,
	    hashio_sink, &out, &as, cause) == -1 || hashio_commit(&out, cause) == -1) {
		res->fail = backup_out_class(&out);
		hashio_abort(&out);
		archive_stats_clear(&as);
		goto fail;
	}
	if (as.excluded)
		log_info(_("Note: the encryption key %s is inside %s; it was left out of "
		    "the configuration archive (the plan's script would have put it in)"),
		    c->encryption_key, c->config_dir);
	backup_notes(&as);
	if (backup_check_archive(path[PART_CONFIG], NULL, c->config_dir, res, cause) == -1)
		goto fail;
	log_info("Configuration backed up: %s", path[PART_CONFIG]);
	m.sums[m.nsums].name = xasprintf("%s%s", s.name, catalog_suffixes[PART_CONFIG]);
	memcpy(m.sums[m.nsums++].hex, out.hex, HASHIO_HEXLEN);

	/* 3. WireGuard keys, encrypted as openssl enc -aes-256-cbc -salt -pbkdf2 does. */
	log_info("Backing up WireGuard keys...");
	if (hashio_open(&out, path[PART_WIREGUARD], cause) == -1) {
		res->fail = out.fail;
		goto fail;
	}
	if ((enc = crypt_enc_new(password, hashio_sink, &out, cause)) == NULL ||
	    archive_pack_dir(c->wireguard_dir, c->encryption_key, ARCHIVE_PACK_RESTORABLE,
	    crypt_enc_sink, enc, &as, cause) == -1 || crypt_enc_finish(enc, cause) == -1 ||
	    hashio_commit(&out, cause) == -1) {
		res->fail = backup_out_class(&out);
		crypt_enc_free(enc);
		hashio_abort(&out);
		archive_stats_clear(&as);
		goto fail;
	}
	crypt_enc_free(enc);
	backup_notes(&as);
	if (backup_check_archive(path[PART_WIREGUARD], password, c->wireguard_dir, res,
	    cause) == -1)
		goto fail;
	log_info("WireGuard keys backed up (encrypted): %s", path[PART_WIREGUARD]);
	m.sums[m.nsums].name = xasprintf("%s%s", s.name, catalog_suffixes[PART_WIREGUARD]);
	memcpy(m.sums[m.nsums++].hex, out.hex, HASHIO_HEXLEN);

	/* 4. The manifest, last, with its HMAC. */
	if (gethostname(host, sizeof host) == -1)
		xsnprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	m.type = xstrdup(backup_tier_names[res->tier]);
	m.timestamp = xstrdup(stamp);
	m.date = backup_date(o->now);
	m.hostname = xstrdup(host);
	m.version = backup_version(c->sdwan_binary);
	m.db_name = xstrdup(m.sums[0].name);
	m.db_size = xstrdup(size);
	m.sites = res->sites;
	m.paths = res->paths;
	text = manifest_format(&m, password);
	if (hashio_open(&out, path[PART_MANIFEST], cause) == -1 ||
	    hashio_write(&out, text, strlen(text), cause) == -1 ||
	    hashio_commit(&out, cause) == -1) {
		res->fail = backup_out_class(&out);
		hashio_abort(&out);
		goto fail;
	}
	log_info("Manifest created: %s", path[PART_MANIFEST]);
	backup_timing("archives and manifest");
	hashio_checkpoint("manifest");
	if (catalog_stamp(c->state_dir, &s, true, NULL, &why) == -1) {
		log_warn(_("cannot record the verification of %s: %s"), s.name, why);
		free(why);
		why = NULL;
	}

	/* 5-6. Off-site copies: a failure leaves the set complete and the upload queued. */
	if (o->offsite && remote_offsite(c, res->tier, s.name, &res->offsite_failed,
	    &why) == -1) {
		log_error(_("off-site copies: %s"), why);
		free(why);
		why = NULL;
		res->offsite_broken = true;
	}

	/* 7. Retention, over all tiers. */
	if (o->prune) {
		log_info("Cleaning up old backups...");
		if (retention_prune(c, password, o->now, false, &why) == -1) {
			log_warn(_("retention failed: %s"), why);
			free(why);
		}
		log_info("Cleanup completed");
	}
	date = backup_date(o->now);
	log_info("=== Patronus Backup Completed: %s ===", date);
	log_info("%s", "");
	free(date);
	rc = 0;
	goto out;

fail:
	backup_discard(&s);
	/* What sqlite may have left beside the copy (it carries the live WAL flag). */
	for (i = 0; tmp != NULL && i < nitems(sqlite_side); i++) {
		char *j = xasprintf("%s-%s", tmp, sqlite_side[i]);

		unlink(j);
		free(j);
	}
out:
	if (rc == -1 && res->fail == FAIL_NONE)
		res->fail = FAIL_IO;
	if (rc == -1 && *cause != NULL)
		log_error("%s", *cause);
	sqlite3_close(src);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	for (i = 0; i < PART__COUNT; i++)
		free(path[i]);
	free(tmp);
	free(text);
	manifest_clear(&m);
	catalog_set_clear(&s);
	return (rc);
}
