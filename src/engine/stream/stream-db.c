/* stream-db.c: the stream's connections to the database, and the checks that it is still the same file. */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/stream/stream-int.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Run one SQL statement on a connection. Returns -1 with *cause. */
int
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
int
stream_begin(struct stream *s, int i, char **cause)
{
	return (stream_exec(s, s->rd[i], "BEGIN; SELECT count(*) FROM sqlite_master;", cause));
}

/* End the read transaction of connection i, if any. */
void
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
void
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
int
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
	if ((n = segment_pread(s->dbfd, s->o->database, hdr, sizeof hdr, 0, cause)) == -1) {
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
bool
stream_db_replaced(struct stream *s)
{
	struct stat	st;

	if (stat(s->o->database, &st) == -1)
		return (true);
	return (st.st_dev != s->db_dev || st.st_ino != s->db_ino);
}

/* The header change counter (offset 24) of the open database file into *c; -1 with *cause. */
int
stream_db_counter(struct stream *s, int fd, const char *path, uint32_t *c, char **cause)
{
	unsigned char	b[4];
	ssize_t		n;

	if ((n = segment_pread(fd, path, b, sizeof b, 24, cause)) == -1)
		return (-1);
	*c = n == (ssize_t)sizeof b ? segment_get32(b) : 0;
	return (0);
}

/* Note the change counter of the newest page 1 in frames just shipped (see stream_ctr_check). */
void
stream_ctr_shipped(struct stream *s, uint32_t c)
{
	if (!s->ctr_have_high || c > s->ctr_high)
		s->ctr_high = c;
	s->ctr_have_high = true;
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
char *
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
