/*
 * stream-writer.c: a test and bench writer for `patronus-dr stream`. Commits a
 * small transaction every INTERVAL_MS for SECONDS with the given busy timeout,
 * counts SQLITE_BUSY, and (with a trace file) logs "commit_ms salt1 frame" for
 * each commit. With INTERVAL_MS -1 it only holds a connection open (as the
 * service does, so the WAL is not checkpointed away on close) for SECONDS.
 * Usage: stream-writer DB SECONDS INTERVAL_MS BUSY_MS [TRACE]
 */
#include "system.h"

#include <sys/resource.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

static FILE		*trace;
static int		 walfd = -1;
static char		 walpath[4096];
static volatile sig_atomic_t stop;

/* Milliseconds since the epoch. */
static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* After each commit: trace it, and checkpoint as wal_autocheckpoint=1000 would. */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int nframe)
{
	unsigned char	b[4];

	(void)arg;
	if (trace != NULL) {
		if (walfd == -1)
			walfd = open(walpath, O_RDONLY);
		if (walfd != -1 && pread(walfd, b, 4, 16) == 4)
			fprintf(trace, "%lld %lu %d\n", now_ms(), (unsigned long)((uint32_t)b[0] << 24 |
			    (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]), nframe);
	}
	if (nframe >= 1000)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return (SQLITE_OK);
}

/* SIGTERM: stop after the transaction in hand. */
static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	sqlite3		*db;
	char		*err = NULL, sql[256];
	long long	 end, commits = 0, busy = 0, other = 0, i = 0;
	int		 rc, interval;
	struct rusage	 ru;

	if (argc < 5) {
		fprintf(stderr, "usage: stream-writer DB SECONDS INTERVAL_MS BUSY_MS [TRACE]\n");
		return (64);
	}
	signal(SIGTERM, on_term);
	snprintf(walpath, sizeof walpath, "%s-wal", argv[1]);
	if (argc > 5 && (trace = fopen(argv[5], "w")) == NULL) {
		perror(argv[5]);
		return (73);
	}
	if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", argv[1], sqlite3_errmsg(db));
		return (66);
	}
	sqlite3_busy_timeout(db, atoi(argv[4]));
	sqlite3_wal_hook(db, wal_hook, NULL);
	interval = atoi(argv[3]);
	end = now_ms() + atoll(argv[2]) * 1000;
	if (interval < 0) {
		sqlite3_exec(db, "SELECT count(*) FROM t", NULL, NULL, NULL);
		while (!stop && now_ms() < end)
			usleep(20000);
		sqlite3_close(db);
		return (0);
	}
	srand((unsigned)getpid());
	while (!stop && now_ms() < end) {
		i++;
		if (i % 7 == 0)
			snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; UPDATE t SET v = v || 'u', "
			    "n = n + 1 WHERE id = (SELECT max(id) - 3 FROM t); COMMIT;");
		else if (i % 11 == 0)
			snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; DELETE FROM t WHERE id = "
			    "(SELECT min(id) FROM t); COMMIT;");
		else
			snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; INSERT INTO t(ts, v, n) "
			    "VALUES (%lld, hex(randomblob(%d)), 0); COMMIT;", now_ms(),
			    16 + rand() % 200);
		rc = sqlite3_exec(db, sql, NULL, NULL, &err);
		if (rc == SQLITE_OK)
			commits++;
		else {
			if ((rc & 0xff) == SQLITE_BUSY)
				busy++;
			else
				other++;
			fprintf(stderr, "stream-writer: %s\n", err != NULL ? err : "?");
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		}
		sqlite3_free(err);
		err = NULL;
		if (interval > 0)
			usleep((useconds_t)interval * 1000);
	}
	sqlite3_close(db);
	if (trace != NULL)
		fclose(trace);
	getrusage(RUSAGE_SELF, &ru);
	printf("commits %lld busy %lld errors %lld\n", commits, busy, other);
	fprintf(stderr, "cpu_ms %ld\n", (long)(ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
	    ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000));
	return (busy + other > 0 ? 1 : 0);
}
