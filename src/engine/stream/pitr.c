/* pitr.c: the continuous stream as seen by its readers: status, protection, point-in-time restore. */
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
#include "engine/stream/segment.h"
#include "engine/stream/stream.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Largest status file read. */
#define PITR_STATUS_MAX (64 * 1024)

/* A span of ms as text the way runbooks write durations: "850ms", "2.4s", "15m", "1h30m". */
char *
pitr_format_ms(int64_t ms, char *buf, size_t len)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		xsnprintf(buf, len, "%" PRId64 "ms", ms);
	else if (ms < 10000)
		xsnprintf(buf, len, "%" PRId64 ".%" PRId64 "s", ms / 1000, ms % 1000 / 100);
	else
		duration_format_spec(ms / 1000, buf, len);
	return (buf);
}

/* Parse a non-negative decimal into *v; -1 when it is not one. */
static int
pitr_number(const char *s, int64_t *v)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < 0)
		return (-1);
	*v = n;
	return (0);
}

/*
 * Whether a process holds path's lock: flock(LOCK_SH|LOCK_NB) on it fails
 * with EWOULDBLOCK. A missing file is not held.
 */
static bool
pitr_lock_held(const char *path)
{
	bool	held = false;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return (false);
	if (flock(fd, LOCK_SH | LOCK_NB) == -1)
		held = errno == EWOULDBLOCK;
	else
		flock(fd, LOCK_UN);
	close(fd);
	return (held);
}

/*
 * Read BACKUP_DIR/stream/status and test BACKUP_DIR/stream/lock into st (free
 * with stream_status_clear). No status file is not an error: st->present is
 * false. Keys it does not know (the contract may grow) are kept in st->extra,
 * in file order. Returns -1 with
 * *cause when the file is there but cannot be read or a value is not a number.
 */
int
stream_status_read(const char *backup_dir, struct stream_status *st, char **cause)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} keys[] = {
		{ "segment_ms", offsetof(struct stream_status, segment_ms) },
		{ "caught_up_ms", offsetof(struct stream_status, caught_up_ms) },
		{ "lag_ms", offsetof(struct stream_status, lag_ms) },
		{ "interval_ms", offsetof(struct stream_status, interval_ms) },
		{ "oldest_ms", offsetof(struct stream_status, oldest_ms) },
	};
	struct stat	 sb;
	char		*path, *lock, *data = NULL, *line, *next, *val;
	size_t		 len, i;
	int64_t		 v;
	int		 lineno = 0;

	memset(st, 0, sizeof *st);
	if (backup_dir == NULL)
		return (0);
	path = xasprintf("%s/stream/status", backup_dir);
	lock = xasprintf("%s/stream/lock", backup_dir);
	st->running = pitr_lock_held(lock);
	free(lock);
	if (stat(path, &sb) == -1 && errno == ENOENT) {
		free(path);
		return (0);
	}
	if (fs_read_file(path, PITR_STATUS_MAX, &data, &len, cause) != 0) {
		free(path);
		return (-1);
	}
	st->present = true;
	st->mtime_ms = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	for (line = data; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((val = strchr(line, ' ')) == NULL)
			continue;
		*val++ = '\0';
		if (strcmp(line, "generation") == 0) {
			free(st->generation);
			st->generation = xstrdup(val);
			continue;
		}
		for (i = 0; i < nitems(keys); i++)
			if (strcmp(line, keys[i].key) == 0)
				break;
		if (i == nitems(keys) && strcmp(line, "pid") != 0 &&
		    strcmp(line, "sequence") != 0) {
			st->extra = xreallocarray(st->extra, st->nextra + 1,
			    sizeof *st->extra);
			st->extra[st->nextra].key = xstrdup(line);
			st->extra[st->nextra++].value = xstrdup(val);
			continue;
		}
		if (pitr_number(val, &v) != 0) {
			*cause = xasprintf(_("%s:%d: %s: not a number: \"%s\""), path,
			    lineno, line, val);
			free(data);
			free(path);
			stream_status_clear(st);
			return (-1);
		}
		if (strcmp(line, "pid") == 0)
			st->pid = (pid_t)v;
		else if (strcmp(line, "sequence") == 0)
			st->sequence = (uint64_t)v;
		else
			*(int64_t *)(void *)((char *)st + keys[i].off) = v;
	}
	free(data);
	free(path);
	return (0);
}

/* Free what stream_status_read put in st. */
void
stream_status_clear(struct stream_status *st)
{
	size_t	i;

	for (i = 0; i < st->nextra; i++) {
		free(st->extra[i].key);
		free(st->extra[i].value);
	}
	free(st->extra);
	free(st->generation);
	memset(st, 0, sizeof *st);
}

/* The value of a status key the reader does not know (generation_reason, offsite_...), or NULL. */
const char *
pitr_status_value(const struct stream_status *st, const char *key)
{
	size_t	i;

	for (i = 0; i < st->nextra; i++)
		if (strcmp(st->extra[i].key, key) == 0)
			return (st->extra[i].value);
	return (NULL);
}

/* Count the generations on disk under BACKUP_DIR/stream into st (st->have_gens). */
void
pitr_status_gens(const char *backup_dir, struct stream_status *st)
{
	char	**names, *dir, *cause = NULL;
	size_t	  n;

	dir = xasprintf("%s/stream", backup_dir);
	if (segment_list_gens(dir, &names, &n, &cause) == 0) {
		st->gens = n;
		st->have_gens = true;
		str_list_free(names, n);
	} else
		free(cause);
	free(dir);
}

/*
 * Whether the stream runs and is caught up: its last caught-up time no
 * older than the bound, max(5 s, 3 x its polling interval) (*bound_ms). The
 * status file is rewritten about once a second after a round, and a round
 * runs at least once per interval, so a stream that works is always within.
 */
enum pitr_verdict
pitr_status_verdict(const struct stream_status *st, int64_t now_ms, int64_t *bound_ms)
{
	int64_t	bound = 5000;

	if (st->interval_ms > 0 && 3 * st->interval_ms > bound)
		bound = 3 * st->interval_ms;
	if (bound_ms != NULL)
		*bound_ms = bound;
	if (!st->running)
		return (PITR_NOT_RUNNING);
	if (!st->present || st->caught_up_ms <= 0)
		return (PITR_STARTING);
	if (now_ms - st->caught_up_ms > bound)
		return (PITR_STALE);
	return (PITR_FRESH);
}

/* The verdict's name in --json (stable, not translated). */
static const char *
pitr_verdict_name(enum pitr_verdict v)
{
	switch (v) {
	case PITR_FRESH:
		return ("fresh");
	case PITR_NOT_RUNNING:
		return ("not running");
	case PITR_STARTING:
		return ("starting");
	case PITR_STALE:
		return ("stale");
	}
	return ("?");
}

/* Append the other keys, the generations and the verdict as JSON members. */
static void
pitr_status_json_all(struct buf *b, const struct stream_status *st, int64_t now_ms)
{
	enum pitr_verdict	v;
	int64_t			bound, n;
	size_t			i;

	v = pitr_status_verdict(st, now_ms, &bound);
	buf_adds(b, ", \"state\": ");
	json_add_string(b, pitr_verdict_name(v));
	buf_printf(b, ", \"bound_ms\": %" PRId64, bound);
	if (st->have_gens)
		buf_printf(b, ", \"generations\": %zu", st->gens);
	else
		buf_adds(b, ", \"generations\": null");
	buf_adds(b, ", \"other\": {");
	for (i = 0; i < st->nextra; i++) {
		if (i > 0)
			buf_adds(b, ", ");
		json_add_string(b, st->extra[i].key);
		if (pitr_number(st->extra[i].value, &n) == 0)
			buf_printf(b, ": %" PRId64, n);
		else {
			buf_adds(b, ": ");
			json_add_string(b, st->extra[i].value);
		}
	}
	buf_adds(b, "}");
}

/* Append the other keys, the generations and the verdict as lines for people. */
static void
pitr_status_text_all(struct buf *b, const struct stream_status *st, int64_t now_ms)
{
	enum pitr_verdict	v;
	int64_t			bound;
	char			d[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ];
	size_t			i;

	if (st->have_gens)
		buf_printf(b, _("generations on disk: %zu\n"), st->gens);
	for (i = 0; i < st->nextra; i++)
		buf_printf(b, "%s: %s\n", st->extra[i].key, st->extra[i].value);
	v = pitr_status_verdict(st, now_ms, &bound);
	switch (v) {
	case PITR_FRESH:
		buf_printf(b, _("state: ok, caught up %s ago (within %s)\n"),
		    pitr_format_ms(now_ms - st->caught_up_ms, d, sizeof d),
		    pitr_format_ms(bound, d2, sizeof d2));
		break;
	case PITR_NOT_RUNNING:
		buf_adds(b, _("state: NOT RUNNING (no process holds stream/lock)\n"));
		break;
	case PITR_STARTING:
		buf_adds(b, _("state: STARTING, not caught up yet\n"));
		break;
	case PITR_STALE:
		buf_printf(b, _("state: STALE, last caught up %s ago (more than %s)\n"),
		    pitr_format_ms(now_ms - st->caught_up_ms, d, sizeof d),
		    pitr_format_ms(bound, d2, sizeof d2));
		break;
	}
}

/* Append "key": ms, or null when 0. */
static void
pitr_json_ms(struct buf *b, const char *key, int64_t v)
{
	if (v > 0)
		buf_printf(b, ", \"%s\": %" PRId64, key, v);
	else
		buf_printf(b, ", \"%s\": null", key);
}

/*
 * The stream's status as text for people, or with PITR_STATUS_JSON as one
 * JSON object, against now_ms; with PITR_STATUS_ALL also the keys the reader
 * does not know, the generations on disk and the verdict (caller frees).
 */
char *
pitr_status_text(const struct stream_status *st, int64_t now_ms, int flags)
{
	struct buf	b;
	char		t[64], d[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ];
	bool		json = (flags & PITR_STATUS_JSON) != 0;
	bool		all = (flags & PITR_STATUS_ALL) != 0;

	buf_init(&b);
	if (json) {
		buf_printf(&b, "{\"running\": %s, \"present\": %s",
		    st->running ? "true" : "false", st->present ? "true" : "false");
		if (st->pid > 0)
			buf_printf(&b, ", \"pid\": %jd", (intmax_t)st->pid);
		else
			buf_adds(&b, ", \"pid\": null");
		buf_adds(&b, ", \"generation\": ");
		if (st->generation != NULL)
			json_add_string(&b, st->generation);
		else
			buf_adds(&b, "null");
		buf_printf(&b, ", \"sequence\": %" PRIu64, st->sequence);
		pitr_json_ms(&b, "segment_ms", st->segment_ms);
		pitr_json_ms(&b, "caught_up_ms", st->caught_up_ms);
		buf_printf(&b, ", \"lag_ms\": %" PRId64, st->lag_ms);
		buf_printf(&b, ", \"interval_ms\": %" PRId64, st->interval_ms);
		pitr_json_ms(&b, "oldest_ms", st->oldest_ms);
		if (st->caught_up_ms > 0)
			buf_printf(&b, ", \"behind_ms\": %" PRId64,
			    now_ms > st->caught_up_ms ? now_ms - st->caught_up_ms : 0);
		else
			buf_adds(&b, ", \"behind_ms\": null");
		if (all)
			pitr_status_json_all(&b, st, now_ms);
		buf_adds(&b, "}\n");
		return (buf_steal(&b));
	}
	if (!st->present) {
		buf_printf(&b, _("stream: %s (no status file)\n"), st->running ?
		    _("running, starting") : _("never started"));
		if (all)
			pitr_status_text_all(&b, st, now_ms);
		return (buf_steal(&b));
	}
	if (st->running)
		buf_printf(&b, _("stream: running (pid %jd), generation %s\n"),
		    (intmax_t)st->pid, st->generation != NULL ? st->generation : "-");
	else
		buf_printf(&b, _("stream: NOT running (last status %s), generation %s\n"),
		    time_format_iso_ms(st->mtime_ms, t, sizeof t),
		    st->generation != NULL ? st->generation : "-");
	if (st->sequence > 0)
		buf_printf(&b, _("newest point: segment %" PRIu64 " captured %s (%s ago)\n"),
		    st->sequence, time_format_iso_ms(st->segment_ms, t, sizeof t),
		    pitr_format_ms(now_ms - st->segment_ms, d, sizeof d));
	else
		buf_adds(&b, _("newest point: the snapshot (no segment yet)\n"));
	if (st->caught_up_ms > 0)
		buf_printf(&b, _("caught up: %s (%s ago)\n"),
		    time_format_iso_ms(st->caught_up_ms, t, sizeof t),
		    pitr_format_ms(now_ms - st->caught_up_ms, d, sizeof d));
	buf_printf(&b, _("lag: %s, polling every %s\n"),
	    pitr_format_ms(st->lag_ms, d, sizeof d),
	    pitr_format_ms(st->interval_ms, d2, sizeof d2));
	if (st->oldest_ms > 0)
		buf_printf(&b, _("oldest point: %s\n"),
		    time_format_iso_ms(st->oldest_ms, t, sizeof t));
	if (all)
		pitr_status_text_all(&b, st, now_ms);
	return (buf_steal(&b));
}

/*
 * What the configured protection can deliver now: the backup interval of
 * dr.yaml (the timer), or, with a running stream that has caught up at least
 * once, its polling interval plus how far behind it is (now - caught_up_ms),
 * whichever is smaller. st may be NULL (no stream).
 */
void
pitr_protection(const struct conf *c, const struct stream_status *st, int64_t now_ms,
    struct pitr_protection *p)
{
	int64_t	w;

	memset(p, 0, sizeof *p);
	p->backup_ms = c->backup_interval * 1000;
	p->window_ms = p->backup_ms;
	p->running = st != NULL && st->running;
	if (!p->running || st->caught_up_ms <= 0)
		return;
	p->caught_up = true;
	p->interval_ms = st->interval_ms;
	p->behind_ms = now_ms > st->caught_up_ms ? now_ms - st->caught_up_ms : 0;
	w = p->interval_ms + p->behind_ms;
	if (w < p->window_ms || p->backup_ms <= 0) {
		p->window_ms = w;
		p->streaming = true;
	}
}

/*
 * The warning for an RPO target of rpo seconds that the protection p cannot
 * meet, naming both figures, or NULL when it can (caller frees).
 */
char *
pitr_rpo_warning(const char *id, int64_t rpo, const struct pitr_protection *p)
{
	char	tw[TIMEUTIL_BUFSZ], bw[TIMEUTIL_BUFSZ], iw[TIMEUTIL_BUFSZ];
	char	lw[TIMEUTIL_BUFSZ];

	if (rpo <= 0 || p->window_ms <= rpo * 1000)
		return (NULL);
	pitr_format_ms(rpo * 1000, tw, sizeof tw);
	pitr_format_ms(p->backup_ms, bw, sizeof bw);
	if (p->caught_up)
		return (xasprintf(_("%s: RPO target %s cannot be met: backups every %s, "
		    "stream polling every %s but %s behind"), id, tw, bw,
		    pitr_format_ms(p->interval_ms, iw, sizeof iw),
		    pitr_format_ms(p->behind_ms, lw, sizeof lw)));
	if (p->running)
		return (xasprintf(_("%s: RPO target %s cannot be met: backups every %s, "
		    "stream running but not caught up yet"), id, tw, bw));
	return (xasprintf(_("%s: RPO target %s cannot be met: backups every %s, "
	    "no stream running"), id, tw, bw));
}

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
			free(dir);
			continue;
		}
		r->gendir = dir;
		r->generation = xstrdup(gens[i]);
		r->snapshot_ms = si->time_ms;
		str_list_free(gens, n);
		return (0);
	}
	str_list_free(gens, n);
	if (!any_old)
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

/* Copy the snapshot of r->gendir to out (0600, durable) and open it for writing; -1 with *cause. */
static int
pitr_start(const struct pitr_result *r, const char *out, char **cause)
{
	char	*snap;
	int	 fd;

	snap = str_join_path(r->gendir, SEGMENT_SNAPSHOT);
	if (restore_copy_file(snap, out, 0600, true, NULL, cause) != 0) {
		free(snap);
		return (-1);
	}
	free(snap);
	if ((fd = open(out, O_RDWR | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", out, strerror(errno));
		return (-1);
	}
	return (fd);
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
 * generation whose snapshot (Time-Ms <= at_ms) verifies, then its segments in
 * order while their capture time is <= at_ms, each checked (magic, sizes,
 * payload SHA-256, salts, commit frame last, sequence = name, the previous
 * file's SHA-256, WAL frame continuity, page size, capture times in order).
 * A missing or bad segment stops the walk at the last good point: r->broken
 * with r->why naming the file and the reason. With out NULL nothing is
 * written (the chain is only checked); else out is created (0600) and must
 * pass PRAGMA integrity_check. Fills r (free with pitr_result_clear). Returns
 * -1 with *cause when there is no usable snapshot (r->gendir NULL), out
 * cannot be written (errno), or fails integrity_check (r->bad_db).
 */
int
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
		return (-1);
	}
	free(streamdir);
	if (segment_last_seq(r->gendir, &r->top, cause) != 0 ||
	    (out != NULL && (fd = pitr_start(r, out, cause)) == -1)) {
		stream_status_clear(&st);
		return (-1);
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
		if (segment_read(path, &seg, &why) != 0) {
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
		if (fd != -1 && segment_apply(fd, out, &seg, cause) != 0) {
			segment_clear(&seg);
			free(path);
			stream_status_clear(&st);
			goto fail;
		}
		segment_pos_after(&seg.hdr, &pos);
		memcpy(prev, seg.sha, SEGMENT_SHALEN);
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
		return (0);
	if (fsync(fd) == -1) {
		*cause = xasprintf("%s: fsync: %s", out, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		*cause = xasprintf("%s: %s", out, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (pitr_integrity(out, cause) != 0) {
		r->bad_db = true;
		goto fail;
	}
	return (0);
fail:
	if (fd != -1)
		close(fd);
	return (-1);
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
	bool		 said = false;
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
	while (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			goto fail;
		}
		if (time_mono_ms() >= deadline) {
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
		if (!said) {
			pid = pitr_stream_pid(backup_dir);
			log_info(_("waiting for the stream (pid %s) to finish its round"), pid);
			free(pid);
			said = true;
		}
		poll(NULL, 0, 10);
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
