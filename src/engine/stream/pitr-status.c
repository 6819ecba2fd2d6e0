/* pitr-status.c: the stream's status file as its readers see it, and what the protection can deliver. */
#include "system.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine/stream/pitr.h"
#include "engine/stream/segment.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/json.h"
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
		return (xasprintf(_("%s: the schedule cannot keep RPO target %s: backups "
		    "every %s, stream polling every %s but %s behind"), id, tw, bw,
		    pitr_format_ms(p->interval_ms, iw, sizeof iw),
		    pitr_format_ms(p->behind_ms, lw, sizeof lw)));
	if (p->running)
		return (xasprintf(_("%s: the schedule cannot keep RPO target %s: backups "
		    "every %s, stream running but not caught up yet"), id, tw, bw));
	return (xasprintf(_("%s: the schedule cannot keep RPO target %s: backups every "
	    "%s, no stream running"), id, tw, bw));
}

/*
 * Whether the newest point the status file names is signed: the generation's
 * snapshot.sha256 and the header of its segment st->sequence carry HMACs that
 * verify, and that header's capture time is the one the status file says
 * (st->segment_ms; the snapshot's when no segment is named). The status file
 * itself is not signed; this is what a display of it can vouch for. Only the
 * header is read (the payload's SHA-256 is the restore's to check). Returns
 * -1 with *cause naming the file and the reason.
 */
int
pitr_status_check(const char *backup_dir, const struct stream_status *st, char **cause)
{
	struct segment_snapinfo	 si;
	struct segment		 seg;
	char			*gendir, *path, t1[64], t2[64];
	int64_t			 signed_ms;
	int			 rc;

	if (st->generation == NULL)
		return (0);
	if (!segment_is_gen_name(st->generation)) {
		*cause = xasprintf(_("%s/stream/status: names no generation"), backup_dir);
		return (-1);
	}
	gendir = xasprintf("%s/%s/%s", backup_dir, STREAM_DIR, st->generation);
	path = st->sequence > 0 ? segment_path(gendir, st->sequence) :
	    str_join_path(gendir, SEGMENT_SNAPSHOT_SHA);
	rc = segment_snapinfo_read(gendir, &si, cause);
	signed_ms = si.time_ms;
	if (rc == 0 && st->sequence > 0) {
		if ((rc = segment_open_hdr(path, &seg, cause)) == 0) {
			signed_ms = seg.hdr.time_ms;
			if (seg.hdr.seq != st->sequence) {
				*cause = xasprintf(_("%s: holds sequence number %" PRIu64), path,
				    seg.hdr.seq);
				rc = -1;
			}
			segment_clear(&seg);
		}
	}
	if (rc == 0 && st->segment_ms > 0 && st->segment_ms != signed_ms) {
		*cause = xasprintf(_("%s: stream/status says it was captured at %s, its signed "
		    "header says %s"), path, time_format_iso_ms(st->segment_ms, t1, sizeof t1),
		    time_format_iso_ms(signed_ms, t2, sizeof t2));
		rc = -1;
	}
	free(path);
	free(gendir);
	return (rc);
}
