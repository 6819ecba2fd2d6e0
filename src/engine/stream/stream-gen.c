/*
 * stream-gen.c: the stream's generations: a new one (snapshot.db and its
 * snapshot.sha256), continuing the newest after a restart, retention.
 */
#include "system.h"

#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "engine/stream/stream-int.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Copy the database file to fd (tmp, named path). Returns -1 with *cause. */
static int
stream_copy_db(struct stream *s, int fd, const char *path, char **cause)
{
	char	 b[65536];
	off_t	 off = 0;
	ssize_t	 n, w;
	size_t	 done;

	for (;;) {
		if ((n = segment_pread(s->dbfd, s->o->database, b, sizeof b, off, cause)) == -1)
			return (-1);
		if (n == 0)
			return (0);
		for (done = 0; done < (size_t)n; done += (size_t)w) {
			if ((w = write(fd, b + done, (size_t)n - done)) == -1) {
				if (errno == EINTR) {
					w = 0;
					continue;
				}
				*cause = xasprintf("%s: %s", path, strerror(errno));
				return (-1);
			}
		}
		off += n;
	}
}

/* Where wal_scan's frames go when a snapshot is brought up to the WAL's last commit. */
struct stream_apply {
	int		 fd;
	const char	*path;
	uint32_t	 page_size;
};

/* wal_scan's frame function for a snapshot: the frame's page written into it. */
static int
stream_apply_frame(void *arg, const unsigned char *f, uint64_t n, char **cause)
{
	const struct stream_apply	*a = arg;

	(void)n;
	if (segment_apply_frame(a->fd, a->path, a->page_size, f, cause) != FAIL_NONE)
		return (-1);
	return (0);
}

/* Remove a generation folder and what is in it. Returns -1 with *cause. */
static int
stream_remove_gen(const char *dir, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	char		*p;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return (0);
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = str_join_path(dir, de->d_name);
		if (unlink(p) == -1 && errno != ENOENT) {
			*cause = xasprintf("%s: %s", p, strerror(errno));
			free(p);
			closedir(d);
			return (-1);
		}
		free(p);
	}
	closedir(d);
	if (rmdir(dir) == -1) {
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * A name for a new generation that sorts after every existing one (within
 * one second the random part could sort either way). The caller frees.
 */
static char *
stream_gen_next(struct stream *s)
{
	char	**names, *gen, *cause = NULL;
	size_t	  n;
	time_t	  t = time(NULL);
	int	  tries;

	if (segment_list_gens(s->streamdir, &names, &n, &cause) == -1) {
		free(cause);
		n = 0;
		names = NULL;
	}
	for (tries = 0;; tries++) {
		gen = segment_gen_name(t);
		if (n == 0 || strcmp(gen, names[n - 1]) > 0)
			break;
		free(gen);
		if (tries >= 8) {
			t++;	/* a later second than the newest one */
			tries = 0;
		}
	}
	str_list_free(names, n);
	return (gen);
}

/*
 * Start a new generation: a fresh snapshot (the database file plus the
 * committed WAL frames, copied under a read transaction, no lock taken) and
 * its snapshot.sha256. reason is logged and shown in the status. Leaves a
 * read transaction open on s->cur. Returns -1 with *cause.
 */
int
stream_new_generation(struct stream *s, const char *reason, char **cause)
{
	struct wal_hdr	 h1, h2;
	struct segment_snapinfo	 si;
	struct stream_apply	 ap;
	uint64_t		 last, end, applied;
	char			*gen, *gendir, *tmp = NULL, *snap = NULL, *c2 = NULL;
	int			 fd = -1, wfd = -1, tries;

	stream_end(s, 0);
	stream_end(s, 1);
	s->cur = 0;
	if (stream_begin(s, 0, cause) == -1) {
		*s->err = STREAM_ERR_IO;
		return (-1);
	}
	gen = stream_gen_next(s);
	gendir = str_join_path(s->streamdir, gen);
	if (mkdir(gendir, 0700) == -1) {
		*cause = xasprintf("%s: %s", gendir, strerror(errno));
		*s->err = STREAM_ERR_CREATE;
		goto fail;
	}
	tmp = str_join_path(gendir, ".snapshot.db.tmp");
	snap = str_join_path(gendir, SEGMENT_SNAPSHOT);
	for (tries = 0;; tries++) {
		if (wfd != -1)
			close(wfd);
		if (fd != -1)
			close(fd);
		if (wal_open(s->walpath, &wfd, cause) == -1)
			goto fail_io;
		if (wal_header(s->walpath, wfd, &h1, cause) == -1)
			goto fail_io;
		fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd == -1) {
			*cause = xasprintf("%s: %s", tmp, strerror(errno));
			goto fail_io;
		}
		if (stream_copy_db(s, fd, tmp, cause) == -1)
			goto fail_io;
		/*
		 * The committed frames: found first, then read again into the
		 * copy up to the last commit (never all in memory), each checked
		 * again on the way; then the WAL must not have restarted meanwhile.
		 */
		last = applied = 0;
		if (h1.valid && wal_scan(s->walpath, wfd, &h1, 0, 0, NULL, NULL, &last, &end,
		    cause) == -1)
			goto fail_io;
		ap.fd = fd;
		ap.path = tmp;
		ap.page_size = h1.page_size;
		if (last > 0 && wal_scan(s->walpath, wfd, &h1, 0, last, stream_apply_frame, &ap,
		    &end, &applied, cause) == -1)
			goto fail_io;
		if (wal_header(s->walpath, wfd, &h2, cause) == -1)
			goto fail_io;
		if (!h1.valid || (h2.valid && h2.salt1 == h1.salt1 && h2.salt2 == h1.salt2 &&
		    applied == last))
			break;
		if (tries == 10) {
			*cause = xasprintf(_("%s: the WAL keeps restarting, no stable snapshot"),
			    s->walpath);
			goto fail_io;
		}
	}
	memset(&si, 0, sizeof si);
	if (h1.valid) {
		si.salt1 = h1.salt1;
		si.salt2 = h1.salt2;
		si.wal_frame = last;
		si.page_size = h1.page_size;
	} else {
		unsigned char	ps[2];

		if (segment_pread(s->dbfd, s->o->database, ps, 2, 16, cause) != 2)
			goto fail_io;
		si.page_size = (uint32_t)ps[0] << 8 | ps[1];
		if (si.page_size == 1)
			si.page_size = 65536;
	}
	si.time_ms = time_now_ms();
	if (stream_db_counter(s, fd, tmp, &s->ctr_high, cause) == -1 ||
	    stream_db_counter(s, s->dbfd, s->o->database, &s->ctr_low, cause) == -1)
		goto fail_io;
	if (s->ctr_low > s->ctr_high)
		s->ctr_high = s->ctr_low;
	s->ctr_have_low = s->ctr_have_high = true;
	if (fsync(fd) == -1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto fail_io;
	}
	if (segment_hash_fd(fd, tmp, si.sha, cause) == -1)
		goto fail_io;
	close(fd);
	fd = -1;
	if (rename(tmp, snap) == -1) {
		*cause = xasprintf("%s: %s", snap, strerror(errno));
		goto fail_io;
	}
	if (fs_fsync_dir(gendir, cause) == -1 || segment_snapinfo_write(gendir, &si, cause) == -1 ||
	    fs_fsync_dir(s->streamdir, cause) == -1)
		goto fail_io;
	if (wfd != -1)
		close(wfd);
	free(tmp);
	free(snap);

	free(s->gen);
	free(s->gendir);
	s->gen = gen;
	s->gendir = gendir;
	s->seq = 0;
	memcpy(s->prev_sha, si.sha, SEGMENT_SHALEN);
	segment_pos_snapshot(&si, &s->pos);
	s->page_size = si.page_size;
	s->segment_ms = 0;
	s->wal_frames = last;
	s->gen_ms = si.time_ms;
	s->released = false;	/* the read transaction was taken before the snapshot */
	free(s->gen_reason);
	s->gen_reason = xstrdup(reason);
	s->n_gens++;
	if (s->oldest_ms == 0)
		s->oldest_ms = si.time_ms;
	if (s->n_gens == 1 && strcmp(reason, _("no generation yet")) == 0)
		log_info(_("stream: generation %s started (%s)"), gen, reason);
	else
		log_warn(_("stream: NEW generation %s started: %s"), gen, reason);
	return (0);

fail_io:
	*s->err = STREAM_ERR_IO;
	if (fd != -1)
		close(fd);
	if (wfd != -1)
		close(wfd);
	unlink(tmp);
	if (stream_remove_gen(gendir, &c2) == -1)
		free(c2);
fail:
	free(tmp);
	free(snap);
	free(gen);
	free(gendir);
	return (-1);
}

/*
 * Remove what a killed capture left in a generation folder: segments it was
 * writing (NNNNNNNN.seg.tmp.XXXXXX), never named, so never part of the chain.
 * Only the stream, under its lock, writes there.
 */
static void
stream_sweep_tmp(const char *gendir)
{
	DIR		*d;
	struct dirent	*de;
	const char	*tmp;
	char		*p;

	if ((d = opendir(gendir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if ((tmp = strstr(de->d_name, ".seg.tmp.")) == NULL || tmp == de->d_name ||
		    strspn(de->d_name, "0123456789") != (size_t)(tmp - de->d_name))
			continue;
		p = str_join_path(gendir, de->d_name);
		if (unlink(p) == 0)
			log_info(_("stream: removed %s (a segment a stopped capture was writing)"), p);
		free(p);
	}
	closedir(d);
}

/*
 * Pick up where an earlier run left off: the newest generation, its last
 * segment verified, and the WAL still holding that frame under the same
 * salts. Returns 1 if it can continue, 0 with *why (the caller frees) if a new
 * generation is needed, -1 with *cause. A read transaction must be open.
 */
int
stream_resume(struct stream *s, char **why, char **cause)
{
	struct segment_snapinfo	 si;
	struct segment		 seg;
	struct wal_hdr	 h;
	struct segment_pos	 pos;
	unsigned char		 prev[SEGMENT_SHALEN];
	char			**names, *gendir, *path, *c2 = NULL;
	size_t			 n, fsz;
	uint64_t		 top;
	unsigned char		*frame = NULL;
	int			 wfd;
	bool			 restarted;

	*why = NULL;
	if (segment_list_gens(s->streamdir, &names, &n, cause) == -1)
		return (-1);
	if (n == 0) {
		*why = xstrdup(_("no generation yet"));
		return (0);
	}
	gendir = str_join_path(s->streamdir, names[n - 1]);
	stream_sweep_tmp(gendir);
	memset(&seg, 0, sizeof seg);
	if (segment_snapshot_verify(gendir, &si, &c2) == -1 ||
	    segment_last_seq(gendir, &top, &c2) == -1)
		goto nope;
	segment_pos_snapshot(&si, &pos);
	memcpy(prev, si.sha, SEGMENT_SHALEN);
	if (top > 0) {
		path = segment_path(gendir, top);
		if (segment_open(path, &seg, &c2) == -1) {
			free(path);
			goto nope;
		}
		free(path);
		segment_pos_after(&seg.hdr, &pos);
		memcpy(prev, seg.sha, SEGMENT_SHALEN);
	}
	if (wal_open(s->walpath, &wfd, cause) == -1)
		goto fail;
	if (wal_header(s->walpath, wfd, &h, cause) == -1) {
		if (wfd != -1)
			close(wfd);
		goto fail;
	}
	restarted = h.valid && !pos.any_salt && top > 0 && h.salt1 == pos.salt1 + 1;
	if (restarted) {
		/* Restarted once: the old frames after ours may still be there (see stream_round). */
		h.salt1 = pos.salt1;
		h.salt2 = pos.salt2;
	} else if (!h.valid || pos.any_salt || h.salt1 != pos.salt1 || h.salt2 != pos.salt2) {
		c2 = xasprintf(_("the WAL was restarted or checkpointed away while the stream "
		    "was down (it continued from WAL frame %" PRIu64 " under salts %" PRIu32
		    " %" PRIu32 ")"), pos.frame, pos.salt1, pos.salt2);
		if (wfd != -1)
			close(wfd);
		goto nope;
	}
	if (top > 0) {
		/* The last frame shipped must still be in the WAL, byte for byte. */
		fsz = SEGMENT_FRAME_HDRLEN + h.page_size;
		frame = xmalloc(fsz);
		if (segment_pread(wfd, s->walpath, frame, fsz, wal_frame_off(&h, pos.frame),
		    cause) != (ssize_t)fsz || seg.hdr.page_size != h.page_size ||
		    memcmp(frame, seg.last, fsz) != 0) {
			if (*cause != NULL) {
				close(wfd);
				free(frame);
				goto fail;
			}
			c2 = xasprintf(_("WAL frame %" PRIu64 " no longer matches the last segment"),
			    pos.frame);
			close(wfd);
			free(frame);
			goto nope;
		}
		free(frame);
	}
	close(wfd);
	free(s->gen);
	free(s->gendir);
	s->gen = xstrdup(names[n - 1]);
	s->gendir = gendir;
	s->seq = top;
	s->pos = pos;
	memcpy(s->prev_sha, prev, SEGMENT_SHALEN);
	s->page_size = si.page_size;
	s->segment_ms = top > 0 ? seg.hdr.time_ms : 0;
	s->gen_ms = si.time_ms;
	s->released = true;	/* nothing was held while the stream was down */
	s->ctr_have_low = s->ctr_have_high = false;	/* see stream_ctr_check */
	segment_clear(&seg);
	str_list_free(names, n);
	log_info(_("stream: continuing generation %s after segment %" PRIu64), s->gen, top);
	return (1);
nope:
	*why = xasprintf(_("cannot continue generation %s: %s"), names[n - 1],
	    c2 != NULL ? c2 : "?");
	free(c2);
	segment_clear(&seg);
	free(gendir);
	str_list_free(names, n);
	return (0);
fail:
	segment_clear(&seg);
	free(gendir);
	str_list_free(names, n);
	*s->err = STREAM_ERR_IO;
	return (-1);
}

/*
 * Remove (with dry, only list) the generations whose newest point is older
 * than retention_s before now_ms; never keep (the current one) or, when keep
 * is NULL, the newest. *names gets those removed (*n of them; free with
 * str_list_free; may be NULL). Returns -1 with *cause.
 */
int
stream_prune(const char *streamdir, int64_t retention_s, const char *keep, int64_t now_ms,
    bool dry, char ***out, size_t *nout, char **cause)
{
	struct segment_snapinfo	 si;
	struct segment_hdr	 h;
	char			**names, *gendir, *path, *c2 = NULL;
	size_t			 n, i, size = 0;
	uint64_t		 top;
	int64_t			 newest;

	*out = NULL;
	*nout = 0;
	if (segment_list_gens(streamdir, &names, &n, cause) == -1)
		return (-1);
	if (keep == NULL && n > 0)
		keep = names[n - 1];
	for (i = 0; i < n; i++) {
		/* The current generation, and any newer (clock skew), are kept. */
		if (!segment_gen_expired(names[i], keep, INT64_MIN, retention_s, now_ms))
			continue;
		gendir = str_join_path(streamdir, names[i]);
		/*
		 * Dated without checking HMACs: an unsigned generation (from before
		 * the stream was signed, or read without the key) ages like any.
		 */
		newest = 0;
		if (segment_snapinfo_peek(gendir, &si, &c2) == 0)
			newest = si.time_ms;
		free(c2);
		c2 = NULL;
		if (segment_last_seq(gendir, &top, &c2) == 0 && top > 0) {
			path = segment_path(gendir, top);
			if (segment_read_hdr(path, &h, &c2) == 0 && h.time_ms > newest)
				newest = h.time_ms;
			free(path);
		}
		free(c2);
		c2 = NULL;
		if (!segment_gen_expired(names[i], keep, newest, retention_s, now_ms)) {
			free(gendir);
			continue;
		}
		if (!dry && stream_remove_gen(gendir, cause) == -1) {
			free(gendir);
			str_list_free(names, n);
			return (-1);
		}
		free(gendir);
		if (*nout == size) {
			size = size == 0 ? 4 : size * 2;
			*out = xreallocarray(*out, size, sizeof **out);
		}
		(*out)[(*nout)++] = xstrdup(names[i]);
	}
	str_list_free(names, n);
	if (!dry && *nout > 0 && fs_fsync_dir(streamdir, cause) == -1)
		return (-1);
	return (0);
}

/* The oldest snapshot time of the generations kept (0: none). */
static int64_t
stream_oldest(struct stream *s)
{
	struct segment_snapinfo	 si;
	char			**names, *gendir, *cause = NULL;
	size_t			 n, i;
	int64_t			 oldest = 0;

	if (segment_list_gens(s->streamdir, &names, &n, &cause) == -1) {
		free(cause);
		return (0);
	}
	for (i = 0; i < n && oldest == 0; i++) {
		gendir = str_join_path(s->streamdir, names[i]);
		if (segment_snapinfo_read(gendir, &si, &cause) == 0)
			oldest = si.time_ms;
		free(cause);
		cause = NULL;
		free(gendir);
	}
	str_list_free(names, n);
	return (oldest);
}

/* Apply retention and refresh oldest_ms. Errors are logged, not fatal. */
void
stream_retention(struct stream *s)
{
	char	*cause = NULL, **removed;
	size_t	 n, i;

	if (stream_prune(s->streamdir, s->o->retention_s, s->gen, time_now_ms(), false,
	    &removed, &n, &cause) == -1) {
		log_warn("%s", cause);
		free(cause);
	}
	for (i = 0; i < n; i++)
		log_info(_("stream: removed generation %s (older than the retention window)"),
		    removed[i]);
	str_list_free(removed, n);
	s->oldest_ms = stream_oldest(s);
	s->prune_ms = time_now_ms();
}
