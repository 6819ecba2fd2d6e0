/* pdr-pitr-writer.c: test-only: a writer whose every state can be rebuilt, and a WAL shipper, for the pitr tests. */
#include "system.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* The tables; commits logs each commit's number and start time (not part of the state). */
static const char writer_schema[] =
    "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT);\n"
    "CREATE TABLE IF NOT EXISTS big(id INTEGER PRIMARY KEY, b BLOB);\n"
    "CREATE TABLE IF NOT EXISTS commits(k INTEGER PRIMARY KEY, ms INTEGER);\n";

/* Where the shipper stands. */
struct ship {
	const char		*gendir;
	struct segment_pos	 pos;
	unsigned char		 prev[SEGMENT_SHALEN];
	uint64_t		 seq;
	FILE			*log;
};

/* Usage on stderr, exit 64. */
static PDR_NORETURN void
usage(void)
{
	fputs("usage: pdr-pitr-writer write DB COUNT LOG [GENDIR]\n"
	    "       pdr-pitr-writer sql K\n", stderr);
	exit(EX_USAGE);
}

/* Unix ms now. */
static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The statements of commit k (without BEGIN/COMMIT and the commits row), deterministic in k. */
static void
writer_sql(struct buf *b, long k)
{
	long	len = 20 + (k * 37) % 900, i;

	buf_printf(b, "INSERT INTO t VALUES(%ld, '%ld-", k, k);
	for (i = 0; i < len; i++)
		buf_addc(b, (char)('a' + (k + i) % 26));
	buf_adds(b, "');\n");
	if (k % 3 == 0)
		buf_printf(b, "UPDATE t SET v = v || '+%ld' WHERE id = %ld;\n", k, k / 2);
	if (k % 5 == 0)
		buf_printf(b, "DELETE FROM t WHERE id = %ld;\n", k - 7);
	if (k % 40 == 0)
		buf_printf(b, "INSERT INTO big VALUES(%ld, zeroblob(%ld));\n", k, 6000 + k);
	if (k % 120 == 0)
		buf_printf(b, "DELETE FROM big WHERE id = %ld;\n", k - 80);
}

/* Run SQL or exit 1 with the error. */
static void
writer_exec(sqlite3 *db, const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "pdr-pitr-writer: %s\n", err != NULL ? err : "?");
		exit(1);
	}
}

/* Copy the database (its WAL empty) into GENDIR as the snapshot. */
static void
ship_snapshot(struct ship *s, const char *dbpath)
{
	struct segment_snapinfo	 si;
	char			*data = NULL, *cause = NULL, *path;
	size_t			 len;

	if (fs_mkdir_p(s->gendir, 0700, &cause) != 0 ||
	    fs_read_file(dbpath, SIZE_MAX / 2, &data, &len, &cause) != 0)
		goto fail;
	path = str_join_path(s->gendir, SEGMENT_SNAPSHOT);
	if (fs_write_atomic(path, data, len, 0600, &cause) != 0)
		goto fail;
	free(path);
	memset(&si, 0, sizeof si);
	segment_sha256(data, len, si.sha);
	si.time_ms = now_ms();
	si.page_size = (uint32_t)((unsigned char)data[16] << 8 | (unsigned char)data[17]);
	if (si.page_size == 1)
		si.page_size = 65536;
	free(data);
	if (segment_snapinfo_write(s->gendir, &si, &cause) != 0)
		goto fail;
	segment_pos_snapshot(&si, &s->pos);
	memcpy(s->prev, si.sha, SEGMENT_SHALEN);
	return;
fail:
	fprintf(stderr, "pdr-pitr-writer: %s\n", cause);
	exit(1);
}

/* Ship the committed frames of DB-wal not shipped yet as the next segment; last_k for the log. */
static void
ship_frames(struct ship *s, const char *dbpath, long last_k)
{
	struct segment_hdr	 h;
	unsigned char		*w, *f;
	char			*wal, *data = NULL, *cause = NULL;
	size_t			 len, fsz, n, i, first, commit = 0;
	uint32_t		 ps, salt1, salt2;

	wal = xasprintf("%s-wal", dbpath);
	if (fs_read_file(wal, SIZE_MAX / 2, &data, &len, &cause) != 0)
		goto fail;
	free(wal);
	w = (unsigned char *)data;
	if (len < 32)
		goto out;
	ps = segment_get32(w + 8);
	salt1 = segment_get32(w + 16);
	salt2 = segment_get32(w + 20);
	fsz = SEGMENT_FRAME_HDRLEN + ps;
	n = (len - 32) / fsz;
	first = s->pos.any_salt || s->pos.salt1 != salt1 || s->pos.salt2 != salt2 ?
	    1 : (size_t)s->pos.frame + 1;
	for (i = first; i <= n; i++) {
		f = w + 32 + (i - 1) * fsz;
		if (segment_get32(f + 8) != salt1 || segment_get32(f + 12) != salt2)
			break;
		if (segment_get32(f + 4) != 0)
			commit = i;
	}
	if (commit < first)
		goto out;
	memset(&h, 0, sizeof h);
	h.page_size = ps;
	h.seq = ++s->seq;
	h.time_ms = now_ms();
	h.first_frame = first;
	h.salt1 = salt1;
	h.salt2 = salt2;
	memcpy(h.prev_sha, s->prev, SEGMENT_SHALEN);
	if (segment_write(s->gendir, &h, w + 32 + (first - 1) * fsz,
	    (commit - first + 1) * fsz, s->prev, &cause) != 0)
		goto fail;
	segment_pos_after(&h, &s->pos);
	fprintf(s->log, "S %" PRIu64 " %" PRId64 " %ld\n", h.seq, h.time_ms, last_k);
	fflush(s->log);
out:
	free(data);
	return;
fail:
	fprintf(stderr, "pdr-pitr-writer: %s\n", cause);
	exit(1);
}

/*
 * write DB COUNT LOG [GENDIR]: commits 1..COUNT, 1-4 ms apart, each logged as
 * "K START_MS END_MS"; with GENDIR (no checkpoints then), a snapshot first and
 * the committed frames shipped as segments after every 1-3 commits, each
 * logged as "S SEQ CAPTURE_MS LAST_K".
 */
static int
writer_run(const char *dbpath, long count, const char *logpath, const char *gendir)
{
	struct ship	 s;
	struct buf	 b;
	sqlite3		*db;
	FILE		*log;
	int64_t		 start;
	long		 k;
	unsigned int	 seed = 42;
	int		 pending = 0;
	struct timespec	 ts;

	if ((log = fopen(logpath, "a")) == NULL) {
		fprintf(stderr, "pdr-pitr-writer: %s: %s\n", logpath, strerror(errno));
		return (1);
	}
	if (sqlite3_open(dbpath, &db) != SQLITE_OK) {
		fprintf(stderr, "pdr-pitr-writer: %s: %s\n", dbpath, sqlite3_errmsg(db));
		return (1);
	}
	sqlite3_busy_timeout(db, 10000);
	writer_exec(db, "PRAGMA journal_mode=WAL");
	writer_exec(db, writer_schema);
	memset(&s, 0, sizeof s);
	s.gendir = gendir;
	s.log = log;
	if (gendir != NULL) {
		writer_exec(db, "PRAGMA wal_autocheckpoint=0");
		writer_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
		ship_snapshot(&s, dbpath);
	}
	buf_init(&b);
	for (k = 1; k <= count; k++) {
		start = now_ms();
		buf_reset(&b);
		buf_adds(&b, "BEGIN;\n");
		writer_sql(&b, k);
		buf_printf(&b, "INSERT INTO commits VALUES(%ld, %" PRId64 ");\nCOMMIT;\n",
		    k, start);
		writer_exec(db, b.data);
		fprintf(log, "%ld %" PRId64 " %" PRId64 "\n", k, start, now_ms());
		fflush(log);
		if (gendir != NULL && (++pending >= 1 + (int)(rand_r(&seed) % 3) ||
		    k == count)) {
			ship_frames(&s, dbpath, k);
			pending = 0;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(1 + rand_r(&seed) % 4) * 1000000L;
		nanosleep(&ts, NULL);
	}
	buf_clear(&b);
	sqlite3_close(db);
	fclose(log);
	return (0);
}

/* Write the reference SQL of commits 1..K to stdout. */
static int
writer_print(long k)
{
	struct buf	b;
	long		i;

	buf_init(&b);
	buf_adds(&b, "BEGIN;\n");
	buf_adds(&b, writer_schema);
	for (i = 1; i <= k; i++)
		writer_sql(&b, i);
	buf_adds(&b, "COMMIT;\n");
	fputs(b.data, stdout);
	buf_clear(&b);
	return (0);
}

/* pdr-pitr-writer write|sql ... */
int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "sql") == 0)
		return (writer_print(atol(argv[2])));
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "write") == 0)
		return (writer_run(argv[2], atol(argv[3]), argv[4], argc == 6 ? argv[5] : NULL));
	usage();
}
