/* pitr.c: point-in-time restore from the stream, and the pause handshake with a running stream. */
#include "system.h"

#include <sys/file.h>
#include <ctype.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/stream/pitr.h"
#include "engine/recover/restore.h"
#include "engine/set/hashio.h"
#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/*
 * The milliseconds of a clock time that ends in ".d", ".dd" or ".ddd" after
 * its seconds ("2026-12-06 14:05:03.250"): *frac (0-999) and the length of
 * the text before the dot, or -1 when it has none.
 */
static ssize_t
pitr_time_frac(const char *s, long long *frac)
{
	const char	*dot = strrchr(s, '.');
	size_t		 digits, i;

	if (dot == NULL || dot - s < 3 || dot[-3] != ':' || !isdigit((unsigned char)dot[-1]))
		return (-1);
	digits = strlen(dot + 1);
	if (digits < 1 || digits > 3)
		return (-1);
	*frac = 0;
	for (i = 0; i < 3; i++)
		*frac = *frac * 10 + (i < digits ? dot[1 + i] - '0' : 0);
	for (i = 0; i < digits; i++)
		if (!isdigit((unsigned char)dot[1 + i]))
			return (-1);
	return (dot - s);
}

/*
 * A point in time for --at and --incident-start, an instant to the
 * millisecond: "@EPOCH.mmm", anything time_parse takes ("14:05:03" is
 * 14:05:03.000, as PostgreSQL's recovery_target_time reads it: nothing
 * committed later comes back), or one of those clock times with ".mmm".
 * Returns -1 with *cause.
 */
int
pitr_parse_time(const char *s, int64_t now_ms, int64_t *ms, char **cause)
{
	const char	*dot;
	char		*end, *head;
	long long	 sec, frac;
	time_t		 t;
	size_t		 digits;
	ssize_t		 n;
	int		 rc;

	if (s[0] == '@' && (dot = strchr(s, '.')) != NULL) {
		errno = 0;
		sec = strtoll(s + 1, &end, 10);
		if (errno == 0 && end == dot && end != s + 1 && sec >= 0) {
			digits = strlen(dot + 1);
			frac = strtoll(dot + 1, &end, 10);
			if (*end == '\0' && digits >= 1 && digits <= 3 && frac >= 0 &&
			    dot[1] >= '0' && dot[1] <= '9') {
				while (digits++ < 3)
					frac *= 10;
				*ms = sec * 1000 + frac;
				return (0);
			}
		}
		*cause = xasprintf(_("bad time \"%s\" (use e.g. @1764251103.250)"), s);
		return (-1);
	}
	if (strcmp(s, "now") == 0) {
		*ms = now_ms;
		return (0);
	}
	if ((n = pitr_time_frac(s, &frac)) >= 0) {
		head = xstrndup(s, (size_t)n);
		rc = time_parse(head, (time_t)(now_ms / 1000), &t, cause);
		free(head);
		if (rc != 0)
			return (-1);
		*ms = (int64_t)t * 1000 + frac;
		return (0);
	}
	if (time_parse(s, (time_t)(now_ms / 1000), &t, cause) != 0)
		return (-1);
	*ms = (int64_t)t * 1000;
	return (0);
}

/* Free what pitr_rebuild put in r. */
void
pitr_result_clear(struct pitr_result *r)
{
	free(r->gendir);
	free(r->generation);
	free(r->why);
	free(r->skipped);
	memset(r, 0, sizeof *r);
}

/* Note in r->skipped a generation that could not be used, and why. */
static void
pitr_skip(struct pitr_result *r, const char *why)
{
	char	*s;

	log_warn(_("skipping stream generation: %s"), why);
	s = r->skipped == NULL ? xstrdup(why) : xasprintf("%s; %s", r->skipped, why);
	free(r->skipped);
	r->skipped = s;
}

/*
 * Snapshots verified in this process, by path and file identity, so that a
 * command that walks the chain twice (restore db without --at: the newest
 * point, then the rebuild) hashes a snapshot once. Stream files are never
 * rewritten; any change of inode, size, mtime or ctime, or of the SHA-256
 * expected, means a fresh check. In memory only, never across runs.
 */
static struct pitr_verified {
	char		*path;
	struct stat	 sb;
	unsigned char	 sha[SEGMENT_SHALEN];
} pitr_verified[8];
static size_t	pitr_nverified;

/* Whether sb and the expected sha are those of a check of path in this run. */
static bool
pitr_verified_has(const char *path, const struct stat *sb, const unsigned char *sha)
{
	const struct pitr_verified	*v;
	size_t				 i;

	for (i = 0; i < pitr_nverified; i++) {
		v = &pitr_verified[i];
		if (strcmp(v->path, path) == 0 && v->sb.st_dev == sb->st_dev &&
		    v->sb.st_ino == sb->st_ino && v->sb.st_size == sb->st_size &&
		    v->sb.st_mtim.tv_sec == sb->st_mtim.tv_sec &&
		    v->sb.st_mtim.tv_nsec == sb->st_mtim.tv_nsec &&
		    v->sb.st_ctim.tv_sec == sb->st_ctim.tv_sec &&
		    v->sb.st_ctim.tv_nsec == sb->st_ctim.tv_nsec &&
		    memcmp(v->sha, sha, SEGMENT_SHALEN) == 0)
			return (true);
	}
	return (false);
}

/*
 * segment_snapshot_verify, once per snapshot and run (pitr_verified). si is
 * read from snapshot.sha256 either way. Returns -1 with *cause.
 */
static int
pitr_snapshot_verify(const char *gendir, struct segment_snapinfo *si, char **cause)
{
	struct stat	 before, after;
	char		*path;
	bool		 have;

	path = str_join_path(gendir, SEGMENT_SNAPSHOT);
	have = stat(path, &before) == 0;
	if (have && segment_snapinfo_read(gendir, si, cause) == 0 &&
	    pitr_verified_has(path, &before, si->sha)) {
		log_debug("%s: verified earlier in this run", path);
		free(path);
		return (0);
	}
	free(*cause);
	*cause = NULL;
	if (segment_snapshot_verify(gendir, si, cause) != 0) {
		free(path);
		return (-1);
	}
	/* Remember it only when the file did not change while it was hashed. */
	if (have && stat(path, &after) == 0 && after.st_ino == before.st_ino &&
	    after.st_size == before.st_size &&
	    after.st_mtim.tv_nsec == before.st_mtim.tv_nsec &&
	    after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
	    pitr_nverified < nitems(pitr_verified)) {
		pitr_verified[pitr_nverified].path = path;
		pitr_verified[pitr_nverified].sb = before;
		memcpy(pitr_verified[pitr_nverified++].sha, si->sha, SEGMENT_SHALEN);
		return (0);
	}
	free(path);
	return (0);
}

/*
 * Choose the newest generation of streamdir whose snapshot is at or before
 * at_ms and matches its SHA-256; newer ones that cannot be used are noted in
 * r. Fills r->gendir, r->generation, *si. Returns -1 with *cause when none.
 */
static int
pitr_pick_generation(const char *streamdir, int64_t at_ms, struct pitr_result *r,
    struct segment_snapinfo *si, char **cause)
{
	char	**gens, *dir, *why = NULL, t[64];
	size_t	  n, i;
	bool	  any_old = false;

	if (segment_list_gens(streamdir, &gens, &n, cause) != 0)
		return (-1);
	if (n == 0) {
		*cause = xasprintf(_("%s: no stream generation"), streamdir);
		str_list_free(gens, n);
		return (-1);
	}
	for (i = n; i-- > 0;) {
		dir = str_join_path(streamdir, gens[i]);
		if (segment_snapinfo_read(dir, si, &why) != 0) {
			pitr_skip(r, why);
			free(why);
			why = NULL;
			free(dir);
			continue;
		}
		if (si->time_ms > at_ms) {
			r->later_ms = si->time_ms;	/* ends as the oldest of these */
			free(dir);
			continue;
		}
		any_old = true;
		if (pitr_snapshot_verify(dir, si, &why) != 0) {
			pitr_skip(r, why);
			free(why);
			why = NULL;
			free(dir);
			continue;
		}
		r->gendir = dir;
		r->generation = xstrdup(gens[i]);
		r->unsigned_used = !si->authed;
		r->snapshot_ms = si->time_ms;
		str_list_free(gens, n);
		return (0);
	}
	str_list_free(gens, n);
	if (!any_old && r->skipped != NULL && at_ms == INT64_MAX)
		*cause = xasprintf(_("%s: no usable stream generation (%s)"), streamdir,
		    r->skipped);
	else if (!any_old && at_ms == INT64_MAX)
		*cause = xasprintf(_("%s: no stream snapshot"), streamdir);
	else if (!any_old && r->skipped == NULL)
		*cause = xasprintf(_("%s: no stream snapshot at or before %s"), streamdir,
		    time_format_iso_ms(at_ms, t, sizeof t));
	else
		*cause = xasprintf(_("%s: no usable stream snapshot at or before %s (%s)"),
		    streamdir, time_format_iso_ms(at_ms, t, sizeof t),
		    r->skipped != NULL ? r->skipped : "?");
	return (-1);
}

/* PRAGMA integrity_check of a database file, opened immutable. Returns -1 with *cause. */
static int
pitr_integrity(const char *path, char **cause)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	char		*uri;
	const char	*v;
	int		 rc = -1;

	uri = sqlite3_mprintf("file:%s?immutable=1", path);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf(_("%s: %s"), path, db != NULL ? sqlite3_errmsg(db) :
		    strerror(ENOMEM));
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		*cause = xasprintf(_("%s: integrity_check: %s"), path, sqlite3_errmsg(db));
		goto out;
	}
	v = (const char *)sqlite3_column_text(st, 0);
	if (v == NULL || strcmp(v, "ok") != 0) {
		*cause = xasprintf(_("%s: the rebuilt database fails PRAGMA integrity_check: %s"),
		    path, v != NULL ? v : "?");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	sqlite3_free(uri);
	return (rc);
}

/*
 * Copy the snapshot of r->gendir to out (0600, durable), check that the copy
 * has the SHA-256 that was authenticated (sha: the file may have been swapped
 * since), and open it for writing into *fd. Returns the failure class, with
 * *cause.
 */
static enum fail_class
pitr_start(const struct pitr_result *r, const unsigned char *sha, const char *out,
    int *fd, char **cause)
{
	char		*snap, hex[HASHIO_HEXLEN], want[HASHIO_HEXLEN];
	uint64_t	 size;
	enum fail_class	 fc;

	snap = str_join_path(r->gendir, SEGMENT_SNAPSHOT);
	if ((fc = restore_copy_file(snap, out, 0600, true, NULL, cause)) != FAIL_NONE) {
		free(snap);
		return (fc);
	}
	if (hashio_file(out, hex, &size, cause) != 0) {
		/* hashio_file leaves errno as the failing call set it */
		fc = fail_errno(errno);
		free(snap);
		return (fc);
	}
	str_hex(sha, SEGMENT_SHALEN, want);
	if (strcmp(hex, want) != 0) {
		*cause = xasprintf(_("%s: changed after it was checked (its SHA-256 no longer "
		    "matches %s)"), snap, SEGMENT_SNAPSHOT_SHA);
		free(snap);
		return (FAIL_IO);
	}
	free(snap);
	if ((*fd = open(out, O_RDWR | O_CLOEXEC)) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", out, strerror(errno));
		return (fc);
	}
	return (FAIL_NONE);
}

/* Note in r that the chain stops at a file, and why (takes why). */
static void
pitr_break(struct pitr_result *r, char *why)
{
	r->broken = true;
	r->why = why;
	log_warn(_("the stream chain is broken: %s"), why);
}

/*
 * After a walk to the end of a generation: when the status file (read before
 * the walk, so that a running stream cannot get ahead of it) names this
 * generation with a newer durable segment than the last on disk, the newest
 * segments are missing; note it in r.
 */
static void
pitr_check_tail(const char *backup_dir, const struct stream_status *st,
    struct pitr_result *r)
{
	char	*path;

	if (st->generation != NULL && strcmp(st->generation, r->generation) == 0 &&
	    st->sequence > r->top) {
		path = segment_path(r->gendir, r->top + 1);
		pitr_break(r, xasprintf(_("%s: missing, though %s/stream/status names "
		    "segment %" PRIu64 " as durable"), path, backup_dir, st->sequence));
		free(path);
	}
}

/*
 * Rebuild the database as it was at at_ms from BACKUP_DIR/stream: the newest
 * generation whose snapshot (Time-Ms <= at_ms) verifies (snapshot.sha256's
 * HMAC too: segment_auth), then its segments in order while their capture
 * time is <= at_ms, each checked (magic, the header's HMAC, sizes, payload
 * SHA-256, salts, commit frame last, sequence = name, the previous
 * file's SHA-256, WAL frame continuity, page size, capture times in order).
 * A missing or bad segment stops the walk at the last good point: r->broken
 * with r->why naming the file and the reason. With out NULL nothing is
 * written (the chain is only checked); else out is created (0600) and must
 * pass PRAGMA integrity_check. Fills r (free with pitr_result_clear). Returns
 * the failure class with *cause: FAIL_NOINPUT when there is no usable
 * snapshot (r->gendir NULL), the class of the failing call when out cannot be
 * written, FAIL_DATA when it fails integrity_check (r->bad_db).
 */
enum fail_class
pitr_rebuild(const char *backup_dir, int64_t at_ms, const char *out,
    struct pitr_result *r, char **cause)
{
	struct segment_snapinfo	 si;
	struct segment_pos	 pos;
	struct segment		 seg;
	struct stream_status	 st;
	unsigned char		 prev[SEGMENT_SHALEN];
	char			*streamdir, *path, *why = NULL;
	uint64_t		 seq;
	int64_t			 last_ms;
	int			 fd = -1;
	enum fail_class		 fc;

	memset(r, 0, sizeof *r);
	if (stream_status_read(backup_dir, &st, &why) != 0) {
		log_warn("%s", why);
		free(why);
		why = NULL;
	}
	streamdir = xasprintf("%s/stream", backup_dir);
	if (pitr_pick_generation(streamdir, at_ms, r, &si, cause) != 0) {
		free(streamdir);
		stream_status_clear(&st);
		return (FAIL_NOINPUT);
	}
	free(streamdir);
	/* the folder was listed a moment ago: failing to list it now is I/O */
	fc = segment_last_seq(r->gendir, &r->top, cause) != 0 ? FAIL_IO : FAIL_NONE;
	if (fc == FAIL_NONE && out != NULL)
		fc = pitr_start(r, si.sha, out, &fd, cause);
	if (fc != FAIL_NONE) {
		stream_status_clear(&st);
		return (fc);
	}
	r->point_ms = last_ms = si.time_ms;
	segment_pos_snapshot(&si, &pos);
	memcpy(prev, si.sha, SEGMENT_SHALEN);
	for (seq = 1; seq <= r->top; seq++) {
		path = segment_path(r->gendir, seq);
		if (access(path, F_OK) != 0) {
			pitr_break(r, xasprintf(_("%s: missing (%s), the chain has a gap "
			    "before segment %" PRIu64), path, strerror(errno), r->top));
			free(path);
			break;
		}
		if (segment_open(path, &seg, &why) != 0) {
			pitr_break(r, why);
			why = NULL;
			free(path);
			break;
		}
		if (segment_check_link(&pos, prev, &seg, &why) != 0)
			pitr_break(r, why);
		else if (seg.hdr.page_size != si.page_size)
			pitr_break(r, xasprintf(_("%s: page size %" PRIu32 " differs from "
			    "the snapshot's %" PRIu32), path, seg.hdr.page_size,
			    si.page_size));
		else if (seg.hdr.time_ms < last_ms)
			pitr_break(r, xasprintf(_("%s: captured before the file it follows"),
			    path));
		if (r->broken) {
			why = NULL;
			segment_clear(&seg);
			free(path);
			break;
		}
		if (seg.hdr.time_ms > at_ms) {
			r->next_ms = seg.hdr.time_ms;
			segment_clear(&seg);
			free(path);
			break;
		}
		if (fd != -1 && (fc = segment_apply(fd, out, &seg, cause)) != FAIL_NONE) {
			segment_clear(&seg);
			free(path);
			stream_status_clear(&st);
			goto fail;
		}
		segment_pos_after(&seg.hdr, &pos);
		memcpy(prev, seg.sha, SEGMENT_SHALEN);
		if (!seg.authed)
			r->unsigned_used = true;
		r->sequence = seq;
		r->point_ms = last_ms = seg.hdr.time_ms;
		segment_clear(&seg);
		free(path);
	}
	if (!r->broken && r->next_ms == 0)
		pitr_check_tail(backup_dir, &st, r);
	if (r->broken || r->next_ms != 0)
		r->later_ms = 0;	/* the walk did not run out before at_ms */
	stream_status_clear(&st);
	if (fd == -1)
		return (FAIL_NONE);
	if (fsync(fd) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: fsync: %s", out, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", out, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (pitr_integrity(out, cause) != 0) {
		r->bad_db = true;
		fc = FAIL_DATA;
		goto fail;
	}
	return (FAIL_NONE);
fail:
	if (fd != -1)
		close(fd);
	return (fc);
}

/* The pid a running stream wrote in BACKUP_DIR/stream/lock, as text ("?" when unknown; caller frees). */
static char *
pitr_stream_pid(const char *backup_dir)
{
	char	*path, *data = NULL, *cause = NULL;
	size_t	 len;

	path = xasprintf("%s/%s/%s", backup_dir, STREAM_DIR, STREAM_LOCK);
	if (fs_read_file(path, 64, &data, &len, &cause) != 0) {
		free(cause);
		free(path);
		return (xstrdup("?"));
	}
	free(path);
	data[strcspn(data, "\n")] = '\0';
	if (*data == '\0') {
		free(data);
		return (xstrdup("?"));
	}
	return (data);
}

/*
 * Pause a running stream for the install of a restored database: take
 * BACKUP_DIR/stream/pause exclusively. The stream holds it shared for each
 * capture round and takes it again before the next, so once it is ours no
 * round runs until pitr_unpause: the stream neither copies a half-installed
 * file nor mixes the old file with the new -wal. Waits up to wait_ms for a
 * round in hand to end. *fd gets the descriptor for pitr_unpause (-1 when
 * there is no stream folder: nothing to pause). Returns 0, 1 when the wait
 * ran out (*cause names the stream's pid), -1 with *cause.
 */
int
pitr_pause(const char *backup_dir, int64_t wait_ms, int *fd, char **cause)
{
	struct stat	 sb;
	char		*dir, *path, *pid, note[64], t[TIMEUTIL_BUFSZ];
	int64_t		 deadline;
	int		 n;

	*fd = -1;
	dir = xasprintf("%s/%s", backup_dir, STREAM_DIR);
	if (stat(dir, &sb) == -1 && errno == ENOENT) {
		free(dir);
		return (0);
	}
	path = str_join_path(dir, STREAM_PAUSE);
	free(dir);
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	deadline = time_mono_ms() + wait_ms;
	if (fs_flock_until(*fd, LOCK_EX, 0, 0) == -1) {
		if (errno != EWOULDBLOCK) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			goto fail;
		}
		if (wait_ms > 0) {
			pid = pitr_stream_pid(backup_dir);
			log_info(_("waiting for the stream (pid %s) to finish its round"), pid);
			free(pid);
		}
		if (fs_flock_until(*fd, LOCK_EX, deadline, 10) == -1) {
			if (errno != EWOULDBLOCK) {
				*cause = xasprintf("%s: %s", path, strerror(errno));
				goto fail;
			}
			pid = pitr_stream_pid(backup_dir);
			*cause = xasprintf(_("%s: the stream (pid %s) did not pause within %s; "
			    "nothing changed (stop it, or run again)"), path, pid,
			    pitr_format_ms(wait_ms, t, sizeof t));
			free(pid);
			close(*fd);
			*fd = -1;
			free(path);
			return (1);
		}
	}
	n = snprintf(note, sizeof note, "pid %ld\n", (long)getpid());
	if (ftruncate(*fd, 0) == -1 || pwrite(*fd, note, (size_t)n, 0) != n)
		log_warn("%s: %s", path, strerror(errno));
	log_debug("stream paused (%s)", path);
	free(path);
	return (0);
fail:
	close(*fd);
	*fd = -1;
	free(path);
	return (-1);
}

/*
 * Let the stream go on (fd from pitr_pause; -1 does nothing). With source not
 * NULL the database was replaced: say so in the pause file ("restored_ms",
 * "source") so that the stream names it as its new generation's reason.
 */
void
pitr_unpause(int fd, const char *source)
{
	struct buf	b;

	if (fd == -1)
		return;
	if (source != NULL) {
		buf_init(&b);
		buf_printf(&b, "pid %ld\nrestored_ms %" PRId64 "\nsource %s\n",
		    (long)getpid(), time_now_ms(), source);
		if (ftruncate(fd, 0) == -1 || pwrite(fd, b.data, b.len, 0) != (ssize_t)b.len)
			log_warn(_("stream/pause: %s"), strerror(errno));
		buf_clear(&b);
	}
	close(fd);
}
