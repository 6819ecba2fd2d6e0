/*
 * stream.c: continuous capture of a WAL-mode database into BACKUP_DIR/stream.
 *
 * The design is Litestream's. A read transaction is open at all times, so no
 * checkpoint can backfill past what was copied and the WAL cannot restart
 * under frames not yet shipped. Each round begins a read transaction on the
 * other of two connections BEFORE ending the old one, reads the -wal file
 * directly from the last shipped commit frame to its valid end (WAL header
 * salts and cumulative frame checksums), writes the committed frames as one
 * segment, then ends the old transaction. Checkpoints are PASSIVE, from a third
 * connection. The stream never writes to the database and never takes its
 * write lock: a generation's snapshot is the database file plus the committed
 * WAL frames, copied under the read transaction.
 *
 * One exception keeps the WAL bounded under steady writes (a read mark forbids
 * the WAL restart for as long as writes go on): past checkpoint_frames the
 * stream holds no read transaction until its next round. If the WAL restarted
 * meanwhile, the old WAL's frames after ours are still in the file past the
 * new WAL's end; they are copied first, and trusted only while the new WAL
 * has not reached our last frame (else a new generation). The same check lets
 * a restart after a crash continue the chain.
 */
#include "system.h"

#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "engine/stream/offstream.h"
#include "engine/stream/stream-int.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

#define STREAM_BATCH_MS	100	/* at most ten segments a second: commits in between share one */

/* Rewrite the status file (STREAM-CONTRACT.md keys, and a few more). */
static void
stream_write_status(struct stream *s)
{
	struct buf	 b;
	char		*path, *cause = NULL;

	buf_init(&b);
	buf_printf(&b, "pid %ld\n", (long)getpid());
	buf_printf(&b, "generation %s\n", s->gen != NULL ? s->gen : "-");
	buf_printf(&b, "sequence %" PRIu64 "\n", s->seq);
	buf_printf(&b, "segment_ms %" PRId64 "\n", s->segment_ms);
	buf_printf(&b, "caught_up_ms %" PRId64 "\n", s->caught_up_ms);
	buf_printf(&b, "lag_ms %" PRId64 "\n", s->lag_ms);
	buf_printf(&b, "interval_ms %" PRId64 "\n", s->o->interval_ms);
	buf_printf(&b, "oldest_ms %" PRId64 "\n", s->oldest_ms);
	buf_printf(&b, "generation_ms %" PRId64 "\n", s->gen_ms);
	buf_printf(&b, "generation_reason %s\n", s->gen_reason != NULL ? s->gen_reason :
	    "continued");
	buf_printf(&b, "generations_started %u\n", s->n_gens);
	buf_printf(&b, "wal_frames %" PRIu64 "\n", s->wal_frames);
	buf_printf(&b, "database %s\n", s->o->database);
	offstream_status(s->off, &b);
	path = str_join_path(s->streamdir, STREAM_STATUS);
	if (fs_write_atomic(path, b.data, b.len, 0644, &cause) == -1) {
		log_warn("%s", cause);
		free(cause);
	}
	free(path);
	buf_clear(&b);
	s->status_ms = time_now_ms();
}

/* A PASSIVE checkpoint (never waits for or blocks the service's writers). */
static void
stream_checkpoint(struct stream *s)
{
	int	nlog = 0, nckpt = 0, rc;

	rc = sqlite3_wal_checkpoint_v2(s->ck, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		log_warn(_("%s: checkpoint: %s"), s->o->database, sqlite3_errmsg(s->ck));
		return;
	}
	log_debug("stream: checkpoint %d of %d frames", nckpt, nlog);
}

/*
 * The database changed under our connections (replaced, or unreadable): let
 * whoever replaces it finish (-wal and -shm removed), open it again and start
 * a new generation. Returns -1 with *cause if it cannot be opened.
 */
static int
stream_reconnect(struct stream *s, const char *reason, char **cause)
{
	int	tries;

	log_warn(_("stream: %s: %s; opening it again"), s->o->database, reason);
	stream_disconnect(s);
	for (tries = 0;; tries++) {
		poll(NULL, 0, 1000);
		if (stream_connect_all(s, cause) == 0)
			break;
		stream_disconnect(s);
		if (tries == 9)
			return (-1);
		free(*cause);
		*cause = NULL;
	}
	return (stream_new_generation(s, reason, cause));
}

/*
 * A segment being captured from the WAL: the frames wal_scan reads go
 * straight to a temporary file (segment_writer), never all into memory.
 */
struct stream_capture {
	struct stream		*s;
	const struct wal_hdr	*h;		/* salts and page size */
	uint64_t		 seq;
	struct segment_writer	 w;
	bool			 open;
	uint32_t		 ctr;		/* newest page-1 change counter added */
	bool			 have_ctr;
	uint32_t		 ctr_done;	/* ... up to the last commit frame */
	bool			 have_ctr_done;
};

/* Begin capturing segment seq under the salts of h (the file is opened at the first frame). */
static void
stream_capture_init(struct stream_capture *c, struct stream *s, const struct wal_hdr *h,
    uint64_t seq)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	c->h = h;
	c->seq = seq;
	c->w.fd = -1;
}

/* wal_scan's frame function: the frame into the segment, its page-1 change counter noted. */
static int
stream_capture_frame(void *arg, const unsigned char *f, uint64_t n, char **cause)
{
	struct stream_capture	*c = arg;
	struct segment_hdr	 sh;
	uint32_t		 v;

	(void)n;
	if (!c->open) {
		memset(&sh, 0, sizeof sh);
		sh.page_size = c->h->page_size;
		sh.seq = c->seq;
		sh.salt1 = c->h->salt1;
		sh.salt2 = c->h->salt2;
		if (segment_writer_open(&c->w, c->s->gendir, &sh, cause) == -1)
			return (-1);
		c->open = true;
	}
	if (segment_writer_add(&c->w, f, cause) == -1)
		return (-1);
	if (segment_get32(f) == 1) {
		v = segment_get32(f + SEGMENT_FRAME_HDRLEN + 24);
		if (!c->have_ctr || v > c->ctr)
			c->ctr = v;
		c->have_ctr = true;
	}
	if (segment_get32(f + 4) != 0) {
		c->ctr_done = c->ctr;
		c->have_ctr_done = c->have_ctr;
	}
	return (0);
}

/* Whether a capture holds a commit frame, so that it makes a segment. */
static bool
stream_capture_any(const struct stream_capture *c)
{
	return (c->open && c->w.n_done > 0);
}

/* Give up a capture: its temporary file is removed. */
static void
stream_capture_abort(struct stream_capture *c)
{
	if (c->open)
		segment_writer_abort(&c->w);
	c->open = false;
}

/* Make the frames captured (first frame `first`) the next segment, durable. Returns -1 with *cause. */
static int
stream_ship(struct stream *s, uint64_t first, struct stream_capture *c, char **cause)
{
	struct segment_hdr	sh;
	unsigned char		sha[SEGMENT_SHALEN];
	int64_t			now;

	memset(&sh, 0, sizeof sh);
	sh.page_size = c->h->page_size;
	sh.seq = s->seq + 1;
	sh.time_ms = time_now_ms();
	sh.first_frame = first;
	sh.salt1 = c->h->salt1;
	sh.salt2 = c->h->salt2;
	memcpy(sh.prev_sha, s->prev_sha, SEGMENT_SHALEN);
	c->open = false;
	if (segment_writer_finish(&c->w, &sh, sha, cause) == -1) {
		*s->err = STREAM_ERR_IO;
		return (-1);
	}
	if (c->have_ctr_done)
		stream_ctr_shipped(s, c->ctr_done);
	now = time_now_ms();
	s->seq = sh.seq;
	memcpy(s->prev_sha, sha, SEGMENT_SHALEN);
	segment_pos_after(&sh, &s->pos);
	s->segment_ms = sh.time_ms;
	s->lag_ms = s->wake_ms > 0 ? now - s->wake_ms : now - sh.time_ms;
	log_debug("stream: segment %" PRIu64 " frames %" PRIu64 "-%" PRIu64
	    " salt %" PRIu32 " durable_ms %" PRId64 " lag_ms %" PRId64,
	    sh.seq, first, s->pos.frame, sh.salt1, now, s->lag_ms);
	return (0);
}

/* The value of key in stream/pause, as a restore left it, or NULL (caller frees). */
static char *
stream_pause_note(struct stream *s, const char *key)
{
	char	 b[4096], *line, *next;
	ssize_t	 n;
	size_t	 klen = strlen(key);

	if (s->pausefd == -1 || (n = pread(s->pausefd, b, sizeof b - 1, 0)) <= 0)
		return (NULL);
	b[n] = '\0';
	for (line = b; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return (xstrdup(line + klen + 1));
	}
	return (NULL);
}

/*
 * Why the database file was replaced: "database restored" when a restore
 * noted in stream/pause that it installed one after this generation began
 * (caller frees).
 */
static char *
stream_replaced_why(struct stream *s)
{
	char		*ms, *pid, *src, *why, *end;
	long long	 t;
	bool		 ok;

	if ((ms = stream_pause_note(s, "restored_ms")) == NULL)
		return (xstrdup(_("the database file was replaced")));
	t = strtoll(ms, &end, 10);
	ok = end != ms && *end == '\0' && t >= s->gen_ms;
	free(ms);
	if (!ok)
		return (xstrdup(_("the database file was replaced")));
	pid = stream_pause_note(s, "pid");
	src = stream_pause_note(s, "source");
	why = xasprintf(_("database restored (by pid %s from %s)"), pid != NULL ? pid : "?",
	    src != NULL ? src : "?");
	free(pid);
	free(src);
	return (why);
}

/*
 * The restore handshake (pitr_pause in pitr.c). A capture round holds
 * BACKUP_DIR/stream/pause shared and takes it again before the next round; a
 * restore holds it exclusively while it installs a database, so no round sees
 * a half-installed file, or the old file with the new -wal. Waits while a
 * restore holds it. Returns 1 when *stop was set meanwhile, else 0 (a pause
 * file that cannot be used is logged and the round runs unguarded).
 */
static int
stream_pause_enter(struct stream *s, volatile sig_atomic_t *stop)
{
	char	*path, *pid;

	if (s->pausefd == -1) {
		path = str_join_path(s->streamdir, STREAM_PAUSE);
		s->pausefd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (s->pausefd == -1)
			log_warn("%s: %s", path, strerror(errno));
		free(path);
		if (s->pausefd == -1)
			return (0);
	}
	if (flock(s->pausefd, LOCK_SH | LOCK_NB) == 0)
		return (0);
	if (errno != EWOULDBLOCK) {
		log_warn("%s/%s: %s", s->streamdir, STREAM_PAUSE, strerror(errno));
		return (0);
	}
	log_info(_("stream: paused: a restore is installing the database"));
	while (flock(s->pausefd, LOCK_SH) == -1) {
		if (errno != EINTR) {
			log_warn("%s/%s: %s", s->streamdir, STREAM_PAUSE, strerror(errno));
			return (0);
		}
		if (*stop)
			return (1);
	}
	pid = stream_pause_note(s, "pid");
	log_info(_("stream: the restore (pid %s) is done, going on"), pid != NULL ? pid : "?");
	free(pid);
	return (0);
}

/* End of a capture round: a restore waiting for stream/pause may go ahead. */
static void
stream_pause_leave(struct stream *s)
{
	if (s->pausefd != -1)
		flock(s->pausefd, LOCK_UN);
}

/*
 * One round: begin a read transaction on the other connection, copy the
 * committed frames after our position into a segment, end the old
 * transaction. Returns -1 with *cause on a fatal error.
 */
static int
stream_round(struct stream *s, char **cause)
{
	struct wal_hdr		 h, old, old2;
	struct stream_capture	 frames, tail;
	uint64_t		 after, last, end, first, tlast;
	const char		*broken = NULL;
	char			*why = NULL;
	int			 other, wfd = -1, rc;

	if (stream_db_replaced(s)) {
		why = stream_replaced_why(s);
		rc = stream_reconnect(s, why, cause);
		free(why);
		return (rc);
	}
	if ((why = stream_ctr_check(s, !s->released)) != NULL) {
		rc = stream_reconnect(s, why, cause);
		free(why);
		return (rc);
	}
	other = s->cur == 0 ? 1 : 0;
	if (stream_begin(s, other, cause) == -1) {
		why = xasprintf(_("the database could not be read (%s)"), *cause);
		free(*cause);
		*cause = NULL;
		rc = stream_reconnect(s, why, cause);
		free(why);
		return (rc);
	}
	memset(&old, 0, sizeof old);
	stream_capture_init(&tail, s, &old, s->seq + 1);
	stream_capture_init(&frames, s, &h, s->seq + 1);
	if (wal_open(s->walpath, &wfd, cause) == -1)
		goto fail_buf;
	if (wal_header(s->walpath, wfd, &h, cause) == -1)
		goto fail_buf;
	last = end = 0;
	first = 0;
	if (!h.valid) {
		/* Empty or truncated WAL: nothing committed since. */
	} else if (h.salt1 == s->pos.salt1 && h.salt2 == s->pos.salt2 && !s->pos.any_salt) {
		if (h.page_size != s->page_size)
			broken = _("the WAL page size changed");
		else {
			after = s->pos.frame;
			rc = wal_scan(s->walpath, wfd, &h, after, 0, stream_capture_frame,
			    &frames, &last, &end, cause);
			if (rc == -1)
				goto fail_buf;
			if (rc == 1)
				broken = _("the WAL no longer holds the last frame copied "
				    "(it shrank or was rewritten)");
			first = after + 1;
		}
	} else if (h.salt1 == s->pos.salt1 + 1 || s->pos.any_salt) {
		/*
		 * The WAL restarted. With a read transaction held throughout, that
		 * happens only after everything we copied was all there was. After
		 * a release (or a restart of the stream) the old WAL may have had
		 * frames after ours: they are still in the file beyond the new
		 * WAL's end, so copy them first, and trust that only if the new
		 * WAL has not reached our last frame.
		 */
		if (h.page_size != s->page_size)
			broken = _("the WAL page size changed");
		else if (s->released && (s->pos.any_salt || s->pos.frame == 0))
			broken = _("the WAL was restarted over frames not yet copied");
		else if (s->released) {
			old = h;
			old.salt1 = s->pos.salt1;
			old.salt2 = s->pos.salt2;
			rc = wal_scan(s->walpath, wfd, &old, s->pos.frame, 0,
			    stream_capture_frame, &tail, &tlast, &end, cause);
			if (rc == -1)
				goto fail_buf;
			/* The new WAL's frames follow the old one's, if those make a segment. */
			frames.seq = s->seq + 1 + (stream_capture_any(&tail) ? 1 : 0);
			if (wal_scan(s->walpath, wfd, &h, 0, 0, stream_capture_frame, &frames,
			    &last, &end, cause) == -1)
				goto fail_buf;
			if (wal_header(s->walpath, wfd, &old2, cause) == -1)
				goto fail_buf;
			if (rc == 1 || end >= s->pos.frame || !old2.valid ||
			    old2.salt1 != h.salt1 || old2.salt2 != h.salt2)
				broken = _("the WAL was restarted over frames not yet copied");
		} else if (wal_scan(s->walpath, wfd, &h, 0, 0, stream_capture_frame, &frames,
		    &last, &end, cause) == -1)
			goto fail_buf;
		first = 1;
	} else {
		why = xasprintf(_("WAL salt-1 jumped from %" PRIu32 " to %" PRIu32
		    " (checkpointed and restarted by someone else)"), s->pos.salt1, h.salt1);
	}
	if (wfd != -1)
		close(wfd);
	wfd = -1;
	if (broken != NULL || why != NULL) {
		stream_capture_abort(&frames);
		stream_capture_abort(&tail);
		rc = stream_new_generation(s, why != NULL ? why : broken, cause);
		free(why);
		return (rc);
	}
	if (stream_capture_any(&tail) && stream_ship(s, s->pos.frame + 1, &tail, cause) == -1)
		goto fail_buf;
	if (stream_capture_any(&frames) && stream_ship(s, first, &frames, cause) == -1)
		goto fail_buf;
	stream_capture_abort(&frames);
	stream_capture_abort(&tail);
	if ((why = stream_ctr_check(s, true)) != NULL) {
		rc = stream_reconnect(s, why, cause);
		free(why);
		return (rc);
	}
	s->caught_up_ms = time_now_ms();
	s->wake_ms = 0;
	if (h.valid)
		s->wal_frames = end;
	stream_end(s, s->cur);
	s->cur = other;
	s->released = false;
	if (s->o->checkpoint_frames > 0 && s->wal_frames >= (uint64_t)s->o->checkpoint_frames &&
	    h.valid && s->pos.frame > 0 && !s->pos.any_salt) {
		/*
		 * A long WAL: checkpoint, then hold no read transaction until the
		 * next round, so the service's next commit can restart the WAL
		 * (our read mark would forbid it for as long as writes go on). The
		 * next round copies what the old WAL still had (see above).
		 */
		stream_end(s, s->cur);
		s->cur = -1;
		s->released = true;
		stream_checkpoint(s);
	}
	return (0);

fail_buf:
	stream_capture_abort(&frames);
	stream_capture_abort(&tail);
	if (wfd != -1)
		close(wfd);
	stream_end(s, other);
	if (*s->err == STREAM_ERR_NONE)
		*s->err = STREAM_ERR_IO;
	return (-1);
}

/* Take BACKUP_DIR/stream/lock; a running stream is named by its pid. Returns -1 with *cause. */
static int
stream_lock(struct stream *s, char **cause)
{
	char	*path, pid[32] = "";
	ssize_t	 n;
	int	 len;

	path = str_join_path(s->streamdir, STREAM_LOCK);
	if ((s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		*s->err = STREAM_ERR_CREATE;
		free(path);
		return (-1);
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			n = pread(s->lockfd, pid, sizeof pid - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			*cause = xasprintf(_("%s: another stream is running (pid %s)"), path,
			    *pid != '\0' ? pid : "?");
			*s->err = STREAM_ERR_LOCKED;
		} else {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			*s->err = STREAM_ERR_IO;
		}
		free(path);
		return (-1);
	}
	len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(s->lockfd, 0) == -1 || pwrite(s->lockfd, pid, (size_t)len, 0) != len)
		log_warn("%s: %s", path, strerror(errno));
	free(path);
	return (0);
}

/* Watch the database folder for changes to the -wal file. */
static void
stream_watch(struct stream *s)
{
	char	*dir = fs_dirname(s->walpath);

	s->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->inofd != -1 && inotify_add_watch(s->inofd, dir,
	    IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE) == -1) {
		log_warn(_("%s: inotify: %s (polling only)"), dir, strerror(errno));
		close(s->inofd);
		s->inofd = -1;
	}
	free(dir);
}

/*
 * Wait until the -wal file changes, the polling interval passes or a signal
 * arrives. Returns true if the WAL changed.
 */
static bool
stream_wait(struct stream *s, int64_t timeout_ms)
{
	struct pollfd			 pfd;
	char				 b[8192] __attribute__((aligned(8)));
	const struct inotify_event	*ev;
	ssize_t				 n;
	size_t				 off;
	bool				 hit = false;

	if (s->inofd == -1) {
		poll(NULL, 0, (int)timeout_ms);
		return (false);
	}
	pfd.fd = s->inofd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)timeout_ms) <= 0)
		return (false);
	while ((n = read(s->inofd, b, sizeof b)) > 0) {
		for (off = 0; off < (size_t)n; off += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)(b + off);
			if (ev->len > 0 && strcmp(ev->name, s->walname) == 0)
				hit = true;
		}
	}
	return (hit);
}

/*
 * Follow the database until *stop is set (or once, with o->once), shipping
 * every committed transaction to BACKUP_DIR/stream. Returns 0, or -1 with
 * *err and *cause.
 */
int
stream_run(const struct stream_opts *o, volatile sig_atomic_t *stop, enum stream_error *err,
    char **cause)
{
	struct stream	 s;
	char		*why = NULL, *slash, *offwhy = NULL;
	int		 rc = -1, r;
	int64_t		 now, wait, round_ms;

	memset(&s, 0, sizeof s);
	s.o = o;
	s.err = err;
	*err = STREAM_ERR_NONE;
	s.lockfd = s.inofd = s.dbfd = s.pausefd = -1;
	s.cur = -1;
	s.streamdir = str_join_path(o->backup_dir, STREAM_DIR);
	s.walpath = xasprintf("%s-wal", o->database);
	slash = strrchr(s.walpath, '/');
	s.walname = xstrdup(slash != NULL ? slash + 1 : s.walpath);
	if (fs_mkdir_p(s.streamdir, 0700, cause) == -1) {
		*err = STREAM_ERR_CREATE;
		goto out;
	}
	if (stream_lock(&s, cause) == -1)
		goto out;
	if (stream_pause_enter(&s, stop) == 1) {
		rc = 0;
		goto out;
	}
	if (stream_connect_all(&s, cause) == -1)
		goto out;
	stream_watch(&s);

	/* Start: continue the newest generation or begin a new one. */
	s.cur = 0;
	if (stream_begin(&s, 0, cause) == -1) {
		*err = STREAM_ERR_IO;
		goto out;
	}
	if ((r = stream_resume(&s, &why, cause)) == -1)
		goto out;
	if (r == 0) {
		r = stream_new_generation(&s, why, cause);
		free(why);
		if (r == -1)
			goto out;
	}
	stream_retention(&s);
	if (offstream_start(o->conf, s.streamdir, o->retention_s, o->once, &s.off, cause) == -1) {
		*err = STREAM_ERR_CONFIG;
		goto out;
	}
	stream_write_status(&s);
	stream_pause_leave(&s);

	for (;;) {
		round_ms = time_now_ms();
		if (stream_pause_enter(&s, stop) == 1)
			break;
		r = stream_round(&s, cause);
		stream_pause_leave(&s);
		if (r == -1)
			goto out;
		offstream_kick(s.off, s.gen);
		now = time_now_ms();
		if (now - s.status_ms >= 1000)
			stream_write_status(&s);
		if (now - s.prune_ms >= 60000)
			stream_retention(&s);
		if (*stop)
			break;
		if (o->once)
			break;
		wait = o->interval_ms;
		if (stream_wait(&s, wait)) {
			s.wake_ms = time_now_ms();
			wait = STREAM_BATCH_MS - (s.wake_ms - round_ms);
			if (wait > 0 && !*stop)
				poll(NULL, 0, (int)wait);
		}
	}
	rc = 0;
out:
	if (s.off != NULL) {
		/* --once: the copies of what was captured; else transfers are given up. */
		if (offstream_stop(s.off, &offwhy) == -1 && rc == 0) {
			*err = STREAM_ERR_OFFSITE;
			*cause = offwhy;
			rc = -1;
		} else
			free(offwhy);
	}
	if (s.gen != NULL)
		stream_write_status(&s);
	offstream_free(s.off);
	stream_disconnect(&s);
	if (s.inofd != -1)
		close(s.inofd);
	if (s.pausefd != -1)
		close(s.pausefd);
	if (s.lockfd != -1)
		close(s.lockfd);
	free(s.gen);
	free(s.gendir);
	free(s.gen_reason);
	free(s.streamdir);
	free(s.walpath);
	free(s.walname);
	return (rc);
}
