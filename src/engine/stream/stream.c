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
#include <sys/time.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/stream/offstream.h"
#include "engine/stream/segment.h"
#include "engine/stream/stream.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

#define WAL_HDRLEN	32
#define STREAM_BATCH_MS	100	/* at most ten segments a second: commits in between share one */
#define WAL_MAGIC_LE	0x377f0682
#define WAL_MAGIC_BE	0x377f0683

/* A WAL file header as read from the -wal file. */
struct stream_walhdr {
	bool		 valid;		/* false: no file, short, or bad header checksum */
	bool		 be;		/* checksums over big-endian words */
	uint32_t	 page_size;
	uint32_t	 salt1;
	uint32_t	 salt2;
	uint32_t	 cksum[2];
};

/* The running stream. */
struct stream {
	const struct stream_opts *o;
	enum stream_error	*err;
	char			*streamdir;
	char			*walpath;
	char			*walname;
	int			 lockfd;
	sqlite3			*rd[2];		/* read connections, used alternately */
	int			 cur;		/* which holds the read transaction; -1 none */
	sqlite3			*ck;		/* checkpoints */
	int			 dbfd;
	dev_t			 db_dev;
	ino_t			 db_ino;
	int			 inofd;

	char			*gen;		/* current generation, NULL before the first */
	char			*gendir;
	uint64_t		 seq;		/* newest durable segment */
	unsigned char		 prev_sha[SEGMENT_SHALEN];
	struct segment_pos	 pos;
	uint32_t		 page_size;

	int64_t			 segment_ms;
	int64_t			 caught_up_ms;
	int64_t			 lag_ms;
	int64_t			 oldest_ms;
	int64_t			 status_ms;	/* last status write */
	int64_t			 prune_ms;	/* last retention pass */
	int64_t			 wake_ms;	/* when the pending change was noticed */
	uint64_t		 wal_frames;	/* valid frames in the WAL at the last round */
	char			*gen_reason;	/* why the current generation started */
	int64_t			 gen_ms;
	unsigned		 n_gens;	/* generations this process started */
	bool			 released;	/* no read transaction held since the last round */
	struct offstream	*off;		/* the off-site uploaders, NULL: none */
	int			 pausefd;	/* stream/pause, shared during a round */
	uint32_t		 ctr_low;	/* change counter on disk, last seen */
	uint32_t		 ctr_high;	/* ... of the newest page 1 copied */
	bool			 ctr_have_low;
	bool			 ctr_have_high;
};

/* Read len bytes at off; returns bytes read (short at end of file) or -1 with *cause. */
static ssize_t
stream_pread(int fd, const char *path, void *buf, size_t len, off_t off, char **cause)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			return (-1);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return ((ssize_t)done);
}

/* SQLite's WAL checksum over n bytes (a multiple of 8), continuing s. */
static void
stream_cksum(bool be, const unsigned char *a, size_t n, uint32_t *s)
{
	uint32_t	s0 = s[0], s1 = s[1], x0, x1;
	size_t		i;

	for (i = 0; i < n; i += 8) {
		if (be) {
			x0 = segment_get32(a + i);
			x1 = segment_get32(a + i + 4);
		} else {
			x0 = (uint32_t)a[i] | (uint32_t)a[i + 1] << 8 |
			    (uint32_t)a[i + 2] << 16 | (uint32_t)a[i + 3] << 24;
			x1 = (uint32_t)a[i + 4] | (uint32_t)a[i + 5] << 8 |
			    (uint32_t)a[i + 6] << 16 | (uint32_t)a[i + 7] << 24;
		}
		s0 += x0 + s1;
		s1 += x1 + s0;
	}
	s[0] = s0;
	s[1] = s1;
}

/* Open the -wal file for reading into *fd (-1 if there is none). Returns -1 with *cause. */
static int
stream_wal_open(struct stream *s, int *fd, char **cause)
{
	if ((*fd = open(s->walpath, O_RDONLY | O_CLOEXEC)) == -1 && errno != ENOENT) {
		*cause = xasprintf("%s: %s", s->walpath, strerror(errno));
		return (-1);
	}
	return (0);
}

/* Read and check the WAL header. Returns -1 with *cause on an I/O error. */
static int
stream_wal_header(struct stream *s, int fd, struct stream_walhdr *h, char **cause)
{
	unsigned char	b[WAL_HDRLEN];
	uint32_t	magic, ck[2] = { 0, 0 };
	ssize_t		n;

	memset(h, 0, sizeof *h);
	if (fd == -1)
		return (0);
	if ((n = stream_pread(fd, s->walpath, b, sizeof b, 0, cause)) == -1)
		return (-1);
	if (n < WAL_HDRLEN)
		return (0);
	magic = segment_get32(b);
	if (magic != WAL_MAGIC_LE && magic != WAL_MAGIC_BE)
		return (0);
	h->be = magic == WAL_MAGIC_BE;
	stream_cksum(h->be, b, 24, ck);
	if (ck[0] != segment_get32(b + 24) || ck[1] != segment_get32(b + 28))
		return (0);
	h->page_size = segment_get32(b + 8);
	if (h->page_size == 1)
		h->page_size = 65536;
	if (h->page_size < 512 || h->page_size > 65536 || (h->page_size & (h->page_size - 1)))
		return (0);
	h->salt1 = segment_get32(b + 16);
	h->salt2 = segment_get32(b + 20);
	h->cksum[0] = ck[0];
	h->cksum[1] = ck[1];
	h->valid = true;
	return (0);
}

/* Byte offset of WAL frame n (1-based). */
static off_t
stream_frame_off(const struct stream_walhdr *h, uint64_t n)
{
	return (WAL_HDRLEN + (off_t)(n - 1) * (off_t)(SEGMENT_FRAME_HDRLEN + h->page_size));
}

/*
 * Read the valid frames of the WAL after frame `after` (whose checksum seeds
 * the chain; the header's when 0) to its valid end. Appends the frames up to
 * the last commit frame to out, sets *last (the last commit frame, = after if
 * none) and *end (the last valid frame). Returns 1 if frame `after` itself is
 * not a valid frame of this WAL (the chain is broken), 0, or -1 with *cause.
 */
static int
stream_wal_scan(struct stream *s, int fd, const struct stream_walhdr *h, uint64_t after,
    struct buf *out, uint64_t *last, uint64_t *end, char **cause)
{
	size_t		 fsz = SEGMENT_FRAME_HDRLEN + h->page_size, chunk_frames = 64;
	unsigned char	*chunk, fh[SEGMENT_FRAME_HDRLEN], *f;
	uint32_t	 ck[2];
	uint64_t	 n;
	size_t		 pending = 0, i, got;
	ssize_t		 r;
	struct buf	 tmp;

	*last = *end = after;
	if (after == 0) {
		ck[0] = h->cksum[0];
		ck[1] = h->cksum[1];
	} else {
		r = stream_pread(fd, s->walpath, fh, sizeof fh, stream_frame_off(h, after), cause);
		if (r == -1)
			return (-1);
		if (r < (ssize_t)sizeof fh || segment_get32(fh + 8) != h->salt1 ||
		    segment_get32(fh + 12) != h->salt2)
			return (1);
		ck[0] = segment_get32(fh + 16);
		ck[1] = segment_get32(fh + 20);
	}
	buf_init(&tmp);		/* frames after the last commit seen so far */
	chunk = xmalloc(chunk_frames * fsz);
	n = after + 1;
	for (;;) {
		r = stream_pread(fd, s->walpath, chunk, chunk_frames * fsz,
		    stream_frame_off(h, n), cause);
		if (r == -1) {
			free(chunk);
			buf_clear(&tmp);
			return (-1);
		}
		got = (size_t)r / fsz;
		for (i = 0; i < got; i++, n++) {
			f = chunk + i * fsz;
			if (segment_get32(f) == 0 || segment_get32(f + 8) != h->salt1 ||
			    segment_get32(f + 12) != h->salt2)
				goto done;
			stream_cksum(h->be, f, 8, ck);
			stream_cksum(h->be, f + SEGMENT_FRAME_HDRLEN, h->page_size, ck);
			if (ck[0] != segment_get32(f + 16) || ck[1] != segment_get32(f + 20))
				goto done;
			buf_add(&tmp, f, fsz);
			pending++;
			*end = n;
			if (segment_get32(f + 4) != 0) {
				buf_add(out, tmp.data, tmp.len);
				buf_reset(&tmp);
				pending = 0;
				*last = n;
			}
		}
		if (got < chunk_frames)
			break;
	}
done:
	(void)pending;
	free(chunk);
	buf_clear(&tmp);
	return (0);
}

/* Run one SQL statement on a connection. Returns -1 with *cause. */
static int
stream_exec(struct stream *s, sqlite3 *db, const char *sql, char **cause)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		*cause = xasprintf("%s: %s: %s", s->o->database, sql,
		    msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

/* Begin a read transaction on connection i (it stays open until stream_end). */
static int
stream_begin(struct stream *s, int i, char **cause)
{
	return (stream_exec(s, s->rd[i], "BEGIN; SELECT count(*) FROM sqlite_master;", cause));
}

/* End the read transaction of connection i, if any. */
static void
stream_end(struct stream *s, int i)
{
	char	*cause = NULL;

	if (i < 0 || s->rd[i] == NULL || sqlite3_get_autocommit(s->rd[i]))
		return;
	if (stream_exec(s, s->rd[i], "COMMIT", &cause) == -1) {
		log_warn("%s", cause);
		free(cause);
		sqlite3_exec(s->rd[i], "ROLLBACK", NULL, NULL, NULL);
	}
}

/* Open one of our connections: never checkpoints on its own or on close. */
static sqlite3 *
stream_connect(struct stream *s, bool readonly, char **cause)
{
	sqlite3	*db = NULL;
	int	 on = 1;

	if (sqlite3_open_v2(s->o->database, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", s->o->database,
		    db != NULL ? sqlite3_errmsg(db) : strerror(ENOMEM));
		sqlite3_close(db);
		*s->err = STREAM_ERR_IO;
		return (NULL);
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, &on);
	sqlite3_busy_timeout(db, 5000);
	if (stream_exec(s, db, "PRAGMA wal_autocheckpoint=0", cause) == -1 ||
	    (readonly && stream_exec(s, db, "PRAGMA query_only=1", cause) == -1)) {
		sqlite3_close(db);
		*s->err = STREAM_ERR_IO;
		return (NULL);
	}
	return (db);
}

/* Close our connections (no checkpoint on close). */
static void
stream_disconnect(struct stream *s)
{
	int	i;

	for (i = 0; i < 2; i++) {
		stream_end(s, i);
		sqlite3_close(s->rd[i]);
		s->rd[i] = NULL;
	}
	sqlite3_close(s->ck);
	s->ck = NULL;
	s->cur = -1;
	if (s->dbfd != -1)
		close(s->dbfd);
	s->dbfd = -1;
}

/*
 * Check that the database is a WAL-mode SQLite file (from its header, without
 * changing anything), then open the connections. Returns -1 with *cause.
 */
static int
stream_connect_all(struct stream *s, char **cause)
{
	unsigned char	hdr[100];
	struct stat	st;
	ssize_t		n;

	if ((s->dbfd = open(s->o->database, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", s->o->database, strerror(errno));
		*s->err = errno == ENOENT ? STREAM_ERR_NODB : STREAM_ERR_IO;
		return (-1);
	}
	if ((n = stream_pread(s->dbfd, s->o->database, hdr, sizeof hdr, 0, cause)) == -1) {
		*s->err = STREAM_ERR_IO;
		return (-1);
	}
	if (n < (ssize_t)sizeof hdr || memcmp(hdr, "SQLite format 3", 16) != 0) {
		*cause = xasprintf(_("%s: not an SQLite database"), s->o->database);
		*s->err = STREAM_ERR_NOTWAL;
		return (-1);
	}
	if (hdr[18] != 2 || hdr[19] != 2) {
		*cause = xasprintf(_("%s: not in WAL mode (journal_mode=wal is required; "
		    "the stream never changes it)"), s->o->database);
		*s->err = STREAM_ERR_NOTWAL;
		return (-1);
	}
	if (fstat(s->dbfd, &st) == -1) {
		*cause = xasprintf("%s: %s", s->o->database, strerror(errno));
		*s->err = STREAM_ERR_IO;
		return (-1);
	}
	s->db_dev = st.st_dev;
	s->db_ino = st.st_ino;
	if ((s->rd[0] = stream_connect(s, true, cause)) == NULL ||
	    (s->rd[1] = stream_connect(s, true, cause)) == NULL ||
	    (s->ck = stream_connect(s, false, cause)) == NULL)
		return (-1);
	s->cur = -1;
	return (0);
}

/* Whether the database file at its path is still the one our connections opened. */
static bool
stream_db_replaced(struct stream *s)
{
	struct stat	st;

	if (stat(s->o->database, &st) == -1)
		return (true);
	return (st.st_dev != s->db_dev || st.st_ino != s->db_ino);
}

/* The header change counter (offset 24) of the open database file into *c; -1 with *cause. */
static int
stream_db_counter(struct stream *s, int fd, const char *path, uint32_t *c, char **cause)
{
	unsigned char	b[4];
	ssize_t		n;

	if ((n = stream_pread(fd, path, b, sizeof b, 24, cause)) == -1)
		return (-1);
	*c = n == (ssize_t)sizeof b ? segment_get32(b) : 0;
	return (0);
}

/* Note the change counters of the page-1 frames among n frames about to be shipped. */
static void
stream_ctr_frames(struct stream *s, const unsigned char *f, size_t len, uint32_t page_size)
{
	size_t		fsz = SEGMENT_FRAME_HDRLEN + page_size, off;
	uint32_t	c;

	for (off = 0; off + fsz <= len; off += fsz) {
		if (segment_get32(f + off) != 1)
			continue;
		c = segment_get32(f + off + SEGMENT_FRAME_HDRLEN + 24);
		if (!s->ctr_have_high || c > s->ctr_high)
			s->ctr_high = c;
		s->ctr_have_high = true;
	}
}

/*
 * Whether the database was overwritten in place (same inode, so the inode
 * test misses it: cp over it, a restore by hand). SQLite adds one to the
 * header's change counter each time a commit writes page 1, so the versions
 * of page 1 carry increasing counters; and the file on disk only gets page 1
 * from a checkpoint, in frame order, of frames the stream has copied (its
 * read transaction forbids more). So on disk the counter never goes below
 * the last value seen, nor above the newest page 1 copied (the snapshot's or
 * a segment's; unknown after a restart until the next page-1 frame). Before
 * a round that held no read transaction since the last one, a checkpoint may
 * have gone past what is copied: then only the lower bound holds (upper
 * false). A pread of 4 bytes. Returns the reason (caller frees), or NULL.
 */
static char *
stream_ctr_check(struct stream *s, bool upper)
{
	uint32_t	c;
	char		*cause = NULL, *why = NULL;

	if (stream_db_counter(s, s->dbfd, s->o->database, &c, &cause) == -1) {
		log_warn("%s", cause);
		free(cause);
		return (NULL);
	}
	if (s->ctr_have_low && c < s->ctr_low)
		why = xasprintf(_("the database file was overwritten in place (its change "
		    "counter went back from %" PRIu32 " to %" PRIu32 ")"), s->ctr_low, c);
	else if (upper && s->ctr_have_high && c > s->ctr_high)
		why = xasprintf(_("the database file was overwritten in place (its change "
		    "counter %" PRIu32 " is past the newest copied, %" PRIu32 ")"), c,
		    s->ctr_high);
	s->ctr_low = c;
	s->ctr_have_low = true;
	return (why);
}

/* Copy the database file to fd (tmp, named path). Returns -1 with *cause. */
static int
stream_copy_db(struct stream *s, int fd, const char *path, char **cause)
{
	char	 b[65536];
	off_t	 off = 0;
	ssize_t	 n, w;
	size_t	 done;

	for (;;) {
		if ((n = stream_pread(s->dbfd, s->o->database, b, sizeof b, off, cause)) == -1)
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

/* SHA-256 of a whole open file. Returns -1 with *cause. */
static int
stream_hash_fd(int fd, const char *path, unsigned char *md, char **cause)
{
	struct buf	 b;
	char		 chunk[65536];
	off_t		 off = 0;
	ssize_t		 n;

	buf_init(&b);
	for (;;) {
		if ((n = stream_pread(fd, path, chunk, sizeof chunk, off, cause)) == -1) {
			buf_clear(&b);
			return (-1);
		}
		if (n == 0)
			break;
		buf_add(&b, chunk, (size_t)n);
		off += n;
	}
	segment_sha256(b.data, b.len, md);
	buf_clear(&b);
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
static int
stream_new_generation(struct stream *s, const char *reason, char **cause)
{
	struct stream_walhdr	 h1, h2;
	struct segment_snapinfo	 si;
	struct segment		 fake;
	struct buf		 frames;
	uint64_t		 last, end;
	char			*gen, *gendir, *tmp = NULL, *snap = NULL, *c2 = NULL;
	int			 fd = -1, wfd = -1, tries;

	stream_end(s, 0);
	stream_end(s, 1);
	s->cur = 0;
	if (stream_begin(s, 0, cause) == -1) {
		*s->err = STREAM_ERR_IO;
		return (-1);
	}
	buf_init(&frames);
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
		buf_reset(&frames);
		if (wfd != -1)
			close(wfd);
		if (fd != -1)
			close(fd);
		if (stream_wal_open(s, &wfd, cause) == -1)
			goto fail_io;
		if (stream_wal_header(s, wfd, &h1, cause) == -1)
			goto fail_io;
		fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd == -1) {
			*cause = xasprintf("%s: %s", tmp, strerror(errno));
			goto fail_io;
		}
		if (stream_copy_db(s, fd, tmp, cause) == -1)
			goto fail_io;
		last = 0;
		if (h1.valid &&
		    stream_wal_scan(s, wfd, &h1, 0, &frames, &last, &end, cause) == -1)
			goto fail_io;
		if (stream_wal_header(s, wfd, &h2, cause) == -1)
			goto fail_io;
		if (!h1.valid || (h2.valid && h2.salt1 == h1.salt1 && h2.salt2 == h1.salt2))
			break;
		if (tries == 10) {
			*cause = xasprintf(_("%s: the WAL keeps restarting, no stable snapshot"),
			    s->walpath);
			goto fail_io;
		}
	}
	memset(&si, 0, sizeof si);
	if (last > 0) {
		memset(&fake, 0, sizeof fake);
		fake.hdr.page_size = h1.page_size;
		fake.hdr.n_frames = (uint32_t)(last);
		fake.payload = (unsigned char *)frames.data;
		if (segment_apply(fd, tmp, &fake, cause) == -1)
			goto fail_io;
	}
	if (h1.valid) {
		si.salt1 = h1.salt1;
		si.salt2 = h1.salt2;
		si.wal_frame = last;
		si.page_size = h1.page_size;
	} else {
		unsigned char	ps[2];

		if (stream_pread(s->dbfd, s->o->database, ps, 2, 16, cause) != 2)
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
	if (stream_hash_fd(fd, tmp, si.sha, cause) == -1)
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
	buf_clear(&frames);
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
	buf_clear(&frames);
	free(tmp);
	free(snap);
	free(gen);
	free(gendir);
	return (-1);
}

/*
 * Pick up where an earlier run left off: the newest generation, its last
 * segment verified, and the WAL still holding that frame under the same
 * salts. Returns 1 if it can continue, 0 with *why (the caller frees) if a new
 * generation is needed, -1 with *cause. A read transaction must be open.
 */
static int
stream_resume(struct stream *s, char **why, char **cause)
{
	struct segment_snapinfo	 si;
	struct segment		 seg;
	struct stream_walhdr	 h;
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
	memset(&seg, 0, sizeof seg);
	if (segment_snapshot_verify(gendir, &si, &c2) == -1 ||
	    segment_last_seq(gendir, &top, &c2) == -1)
		goto nope;
	segment_pos_snapshot(&si, &pos);
	memcpy(prev, si.sha, SEGMENT_SHALEN);
	if (top > 0) {
		path = segment_path(gendir, top);
		if (segment_read(path, &seg, &c2) == -1) {
			free(path);
			goto nope;
		}
		free(path);
		segment_pos_after(&seg.hdr, &pos);
		memcpy(prev, seg.sha, SEGMENT_SHALEN);
	}
	if (stream_wal_open(s, &wfd, cause) == -1)
		goto fail;
	if (stream_wal_header(s, wfd, &h, cause) == -1) {
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
		if (stream_pread(wfd, s->walpath, frame, fsz, stream_frame_off(&h, pos.frame),
		    cause) != (ssize_t)fsz || memcmp(frame, seg.payload +
		    (seg.hdr.n_frames - 1) * fsz, fsz) != 0) {
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

/*
 * The retention rule, for the local generations and the off-site copies
 * alike: whether generation name, whose newest point is newest_ms, is to be
 * removed. Never keep (the current one) or a newer one; never one with a
 * point within retention_s before now_ms.
 */
bool
stream_gen_expired(const char *name, const char *keep, int64_t newest_ms, int64_t retention_s,
    int64_t now_ms)
{
	if (keep != NULL && strcmp(name, keep) >= 0)
		return (false);
	return (newest_ms < now_ms - retention_s * 1000);
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
	struct segment		 seg;
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
		if (!stream_gen_expired(names[i], keep, INT64_MIN, retention_s, now_ms))
			continue;
		gendir = str_join_path(streamdir, names[i]);
		newest = 0;
		if (segment_snapinfo_read(gendir, &si, &c2) == 0)
			newest = si.time_ms;
		free(c2);
		c2 = NULL;
		if (segment_last_seq(gendir, &top, &c2) == 0 && top > 0) {
			path = segment_path(gendir, top);
			if (segment_read(path, &seg, &c2) == 0) {
				if (seg.hdr.time_ms > newest)
					newest = seg.hdr.time_ms;
				segment_clear(&seg);
			}
			free(path);
		}
		free(c2);
		c2 = NULL;
		if (!stream_gen_expired(names[i], keep, newest, retention_s, now_ms)) {
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
static void
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

/* Write the frames in out (first frame `first`, salts of h) as the next segment. Returns -1 with *cause. */
static int
stream_ship(struct stream *s, const struct stream_walhdr *h, uint64_t first, struct buf *out,
    char **cause)
{
	struct segment_hdr	sh;
	unsigned char		sha[SEGMENT_SHALEN];
	int64_t			now;

	memset(&sh, 0, sizeof sh);
	sh.page_size = h->page_size;
	sh.seq = s->seq + 1;
	sh.time_ms = time_now_ms();
	sh.first_frame = first;
	sh.salt1 = h->salt1;
	sh.salt2 = h->salt2;
	memcpy(sh.prev_sha, s->prev_sha, SEGMENT_SHALEN);
	if (segment_write(s->gendir, &sh, out->data, out->len, sha, cause) == -1) {
		*s->err = STREAM_ERR_IO;
		return (-1);
	}
	stream_ctr_frames(s, (const unsigned char *)out->data, out->len, h->page_size);
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
	struct stream_walhdr	 h, old, old2;
	struct buf		 frames, tail;
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
	buf_init(&frames);
	buf_init(&tail);
	memset(&old, 0, sizeof old);
	if (stream_wal_open(s, &wfd, cause) == -1)
		goto fail_buf;
	if (stream_wal_header(s, wfd, &h, cause) == -1)
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
			rc = stream_wal_scan(s, wfd, &h, after, &frames, &last, &end, cause);
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
			rc = stream_wal_scan(s, wfd, &old, s->pos.frame, &tail, &tlast, &end, cause);
			if (rc == -1)
				goto fail_buf;
			if (stream_wal_scan(s, wfd, &h, 0, &frames, &last, &end, cause) == -1)
				goto fail_buf;
			if (stream_wal_header(s, wfd, &old2, cause) == -1)
				goto fail_buf;
			if (rc == 1 || end >= s->pos.frame || !old2.valid ||
			    old2.salt1 != h.salt1 || old2.salt2 != h.salt2)
				broken = _("the WAL was restarted over frames not yet copied");
		} else if (stream_wal_scan(s, wfd, &h, 0, &frames, &last, &end, cause) == -1)
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
		buf_clear(&frames);
		buf_clear(&tail);
		rc = stream_new_generation(s, why != NULL ? why : broken, cause);
		free(why);
		return (rc);
	}
	if (tail.len > 0 && stream_ship(s, &old, s->pos.frame + 1, &tail, cause) == -1)
		goto fail_buf;
	if (frames.len > 0 && stream_ship(s, &h, first, &frames, cause) == -1)
		goto fail_buf;
	buf_clear(&frames);
	buf_clear(&tail);
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
	buf_clear(&frames);
	buf_clear(&tail);
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
	if ((s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
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
