/* test-backup.c: unit tests of the backup engine (crypt, manifest, retention, tiers). */
#include "system.h"

#include <check.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/backup/backup.h"
#include "engine/set/catalog.h"
#include "engine/set/crypt.h"
#include "engine/set/dbio.h"
#include "engine/set/hashio.h"
#include "engine/set/manifest.h"
#include "engine/backup/retention.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

/* A scratch folder for the test, removed at the end. */
static void
setup(void)
{
	testlib_tmp_make("unit-backup");
}

/* Remove the scratch folder. */
static void
teardown(void)
{
	testlib_tmp_remove();
}

/* Write len pseudo-random bytes to path. */
static void
write_pattern(const char *path, size_t len)
{
	FILE	*f = fopen(path, "wb");
	size_t	 i;

	ck_assert_ptr_nonnull(f);
	for (i = 0; i < len; i++)
		fputc((int)((i * 2654435761u) >> 13) & 0xff, f);
	fclose(f);
}

/* Encrypt a file with crypt.c into out. */
static void
our_encrypt(const char *pass, const char *in, const char *out)
{
	struct hashio_out	 o;
	struct crypt_enc	*c;
	char			*cause = NULL, buf[777];
	FILE			*f = fopen(in, "rb");
	size_t			 n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(hashio_open(&o, out, &cause), 0);
	c = crypt_enc_new(pass, hashio_sink, &o, &cause);
	ck_assert_ptr_nonnull(c);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		ck_assert_int_eq(crypt_enc_update(c, buf, n, &cause), 0);
	fclose(f);
	ck_assert_int_eq(crypt_enc_finish(c, &cause), 0);
	crypt_enc_free(c);
	ck_assert_int_eq(hashio_commit(&o, &cause), 0);
}

/* Decrypt a file with crypt.c into out; returns 0, or -1 with *cause. */
static int
our_decrypt(const char *pass, const char *in, const char *out, char **cause)
{
	struct hashio_in	 i;
	struct crypt_dec	*d;
	char			 buf[1000];
	ssize_t			 n;
	FILE			*f = fopen(out, "wb");
	int			 rc = 0;

	ck_assert_int_eq(hashio_in_open(&i, in, cause), 0);
	d = crypt_dec_new(in, pass, hashio_in_read, &i);
	while ((n = crypt_dec_read(d, buf, sizeof buf, cause)) > 0)
		fwrite(buf, 1, (size_t)n, f);
	if (n == -1)
		rc = -1;
	fclose(f);
	crypt_dec_free(d);
	hashio_in_close(&i);
	return (rc);
}

/* Whether two files have the same bytes. */
static bool
same_file(const char *a, const char *b)
{
	char	*cmd = xasprintf("cmp -s '%s' '%s'", a, b);
	int	 rc = system(cmd);

	free(cmd);
	return (rc == 0);
}

START_TEST(test_crypt_openssl_both_ways)
{
	static const size_t	 sizes[] = { 0, 1, 15, 16, 17, 4096, 100003 };
	char			*plain, *enc, *dec, *keyf, *cmd, *cause = NULL;
	FILE			*f;
	size_t			 i;

	plain = xasprintf("%s/plain", testlib_dir);
	enc = xasprintf("%s/enc", testlib_dir);
	dec = xasprintf("%s/dec", testlib_dir);
	keyf = xasprintf("%s/key", testlib_dir);
	f = fopen(keyf, "w");
	fputs("c2VjcmV0IHBhc3N3b3JkIGZvciB0ZXN0cw==\nsecond line ignored\n", f);
	fclose(f);
	for (i = 0; i < nitems(sizes); i++) {
		write_pattern(plain, sizes[i]);
		/* Ours, then openssl enc -d. */
		our_encrypt("c2VjcmV0IHBhc3N3b3JkIGZvciB0ZXN0cw==", plain, enc);
		cmd = xasprintf("openssl enc -d -aes-256-cbc -pbkdf2 -pass 'file:%s' -in '%s' "
		    "-out '%s' 2>/dev/null", keyf, enc, dec);
		ck_assert_msg(system(cmd) == 0, "openssl cannot decrypt ours, size %zu", sizes[i]);
		free(cmd);
		ck_assert_msg(same_file(plain, dec), "openssl's decryption differs, size %zu",
		    sizes[i]);
		/* openssl enc, then ours. */
		cmd = xasprintf("openssl enc -aes-256-cbc -salt -pbkdf2 -pass 'file:%s' -in '%s' "
		    "-out '%s'", keyf, plain, enc);
		ck_assert_int_eq(system(cmd), 0);
		free(cmd);
		ck_assert_int_eq(our_decrypt("c2VjcmV0IHBhc3N3b3JkIGZvciB0ZXN0cw==", enc, dec,
		    &cause), 0);
		ck_assert_msg(same_file(plain, dec), "our decryption differs, size %zu", sizes[i]);
	}
	/*
	 * A wrong password or a damaged file fails, naming the file. With a
	 * wrong key, the last block's padding still looks right about once in
	 * 256 salts: a fixed salt makes the check the same on every run.
	 */
	cmd = xasprintf("openssl enc -aes-256-cbc -S 0102030405060708 -pbkdf2 -pass 'file:%s' "
	    "-in '%s' -out '%s'", keyf, plain, enc);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	ck_assert_int_eq(our_decrypt("wrong", enc, dec, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, enc));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(truncate(enc, 20), 0);
	ck_assert_int_eq(our_decrypt("c2VjcmV0IHBhc3N3b3JkIGZvciB0ZXN0cw==", enc, dec,
	    &cause), -1);
	free(cause);
	cause = NULL;
	write_pattern(enc, 40);
	ck_assert_int_eq(our_decrypt("x", enc, dec, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "Salted__"));
	free(cause);
	free(plain);
	free(enc);
	free(dec);
	free(keyf);
}
END_TEST

/* A manifest as the plan's script writes it, without an HMAC line. */
static const char plan_manifest[] =
    "Patronus SD-WAN Backup Manifest\n"
    "================================\n\n"
    "Backup Type: hourly\nTimestamp: 20251011-140000\n"
    "Date: Sat Oct 11 14:00:00 UTC 2025\nHostname: gw1\nVersion: unknown\n\n"
    "Contents:\n"
    "- Database: patronus-hourly-20251011-140000.db (60K, 42 sites, 80 paths)\n"
    "- Configuration: patronus-hourly-20251011-140000-config.tar.gz\n"
    "- WireGuard Keys: patronus-hourly-20251011-140000-wireguard.tar.gz.enc (encrypted)\n\n"
    "Checksums (SHA256):\n"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  patronus-hourly-20251011-140000.db\n"
    "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  patronus-hourly-20251011-140000-config.tar.gz\n"
    "2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  patronus-hourly-20251011-140000-wireguard.tar.gz.enc\n";

START_TEST(test_manifest_plan_and_ours)
{
	struct manifest	 m, m2;
	char		*cause = NULL, *text, *bad;

	ck_assert_int_eq(manifest_parse(plan_manifest, strlen(plan_manifest), "m", &m, &cause), 0);
	ck_assert_str_eq(m.type, "hourly");
	ck_assert_str_eq(m.timestamp, "20251011-140000");
	ck_assert_str_eq(m.hostname, "gw1");
	ck_assert_str_eq(m.db_name, "patronus-hourly-20251011-140000.db");
	ck_assert_str_eq(m.db_size, "60K");
	ck_assert_int_eq(m.sites, 42);
	ck_assert_int_eq(m.paths, 80);
	ck_assert_int_eq(m.nsums, 3);
	ck_assert(!m.have_hmac);
	ck_assert_ptr_nonnull(manifest_find_sum(&m, "patronus-hourly-20251011-140000-config.tar.gz"));

	/*
	 * Formatting the parsed fields gives the plan's text back; with a password,
	 * two more lines: the key's fingerprint (within the HMAC) and the HMAC.
	 */
	text = manifest_format(&m, NULL);
	ck_assert_str_eq(text, plan_manifest);
	free(text);
	text = manifest_format(&m, "pw");
	ck_assert(str_has_prefix(text, plan_manifest));
	ck_assert(str_has_prefix(text + strlen(plan_manifest), "Key-Fingerprint: "));
	ck_assert(str_has_prefix(strchr(text + strlen(plan_manifest), '\n') + 1,
	    "HMAC-SHA256: "));
	ck_assert_int_eq(manifest_parse(text, strlen(text), "m", &m2, &cause), 0);
	ck_assert(m2.have_hmac);
	ck_assert(manifest_hmac_ok(&m2, "pw", text, strlen(text)));
	ck_assert(!manifest_hmac_ok(&m2, "pw2", text, strlen(text)));
	ck_assert(!manifest_other_key(&m2, "pw"));
	ck_assert(manifest_other_key(&m2, "pw2"));
	ck_assert_int_eq(strlen(m2.fingerprint), 16);
	ck_assert_ptr_null(strstr(text, "pw\n"));
	/* Any edit breaks it. */
	text[strlen(plan_manifest) - 5] ^= 1;
	ck_assert(!manifest_hmac_ok(&m2, "pw", text, strlen(text)));
	manifest_clear(&m2);
	free(text);

	/* A line that sha256sum would misread is refused; no checksum lines is refused. */
	bad = xasprintf("%s0123 not a checksum\n", plan_manifest);
	ck_assert_int_eq(manifest_parse(bad, strlen(bad), "bad.txt", &m2, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "bad.txt:19: malformed checksum line"));
	free(cause);
	manifest_clear(&m2);
	free(bad);
	ck_assert_int_eq(manifest_parse("Backup Type: x\n", 15, "e", &m2, &cause), -1);
	free(cause);
	manifest_clear(&m2);
	manifest_clear(&m);
}
END_TEST

START_TEST(test_du_size)
{
	static const struct { uint64_t b; const char *s; } cases[] = {
		{ 0, "0" }, { 512, "512" }, { 1024, "1.0K" }, { 4096, "4.0K" }, { 40960, "40K" },
		{ 10239, "10K" }, { 1025, "1.1K" }, { 1048576, "1.0M" }, { 1073741824, "1.0G" },
		{ 1048575, "1.0M" }, { 5 * 1048576 + 1, "5.1M" }, { 300 * 1048576, "300M" },
	};
	char	buf[32];
	size_t	i;

	for (i = 0; i < nitems(cases); i++) {
		manifest_du_size(cases[i].b, buf, sizeof buf);
		ck_assert_msg(strcmp(buf, cases[i].s) == 0, "%" PRIu64 ": %s, expected %s",
		    cases[i].b, buf, cases[i].s);
	}
}
END_TEST

START_TEST(test_names)
{
	enum backup_tier	t;
	time_t			w;

	ck_assert_int_eq(catalog_parse_name("patronus-weekly-20251012-030405", &t, &w), 0);
	ck_assert_int_eq(t, BACKUP_WEEKLY);
	ck_assert_int_eq(w, 1760238245);
	ck_assert_int_eq(catalog_parse_name("patronus-yearly-20251012-030405", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-daily-2025101-030405", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name(".patronus-daily-20251012-030405", &t, &w), -1);
	/* A second set of the same second is NAME-2 ... NAME-99; nothing else follows. */
	ck_assert_int_eq(catalog_parse_name("patronus-weekly-20251012-030405-2", &t, &w), 0);
	ck_assert_int_eq(w, 1760238245);
	ck_assert_int_eq(catalog_parse_name("patronus-weekly-20251012-030405-99", &t, &w), 0);
	ck_assert_int_eq(catalog_parse_name("patronus-weekly-20251012-030405-1", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-weekly-20251012-030405-100", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-weekly-20251012-030405-02", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-weekly-20251012-030405-x", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-weekly-20251012-030405-", &t, &w), -1);
	/* A time that does not exist is no set's (mktime would date it days later). */
	ck_assert_int_eq(catalog_parse_name("patronus-hourly-20261207-999999", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-hourly-20261307-120000", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-hourly-20260230-120000", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-hourly-20261200-120000", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-hourly-20261207-240000", &t, &w), -1);
	ck_assert_int_eq(catalog_parse_name("patronus-hourly-20240229-235959", &t, &w), 0);
	ck_assert_int_eq(catalog_name_seq(""), 1);
	ck_assert_int_eq(catalog_name_seq("-7"), 7);
	ck_assert_int_eq(catalog_name_seq("-42"), 42);
}
END_TEST

/*
 * An independent statement of restic's rule: for each kind, the newest
 * backup of each of the N most recent periods that have a backup.
 */
static void
reference_keep(const time_t *when, size_t n, int rule, int count, bool *keep)
{
	char	 key[32], seen[400][32];
	size_t	 nseen = 0, i, j;
	struct tm tm;
	bool	 dup;

	for (i = 0; i < n && (count < 0 || (int)nseen < count); i++) {
		gmtime_r(&when[i], &tm);
		if (rule == 0)
			strftime(key, sizeof key, "%Y-%m-%d %H", &tm);
		else if (rule == 1)
			strftime(key, sizeof key, "%Y-%m-%d", &tm);
		else if (rule == 2)
			strftime(key, sizeof key, "%G-W%V", &tm);
		else
			strftime(key, sizeof key, "%Y-%m", &tm);
		for (dup = false, j = 0; j < nseen && !dup; j++)
			dup = strcmp(seen[j], key) == 0;
		if (dup)
			continue;
		xsnprintf(seen[nseen++], sizeof seen[0], "%s", key);
		keep[i] = true;
	}
}

START_TEST(test_retention_year)
{
	struct retention_policy	 p = { { 24, 7, 4, 12 } };
	size_t			 n = 0, i, kept = 0, expect = 0;
	time_t			*when, t, start = 1735689600;	/* 2025-01-01 00:00 UTC */
	unsigned		*reasons;
	bool			*ref;
	int			 r;

	setenv("TZ", "UTC", 1);
	tzset();
	when = xcalloc(366 * 24, sizeof *when);
	/* Hourly for a year, newest first, with a gap of three days in March. */
	for (t = start + 365 * 86400 - 3600; t >= start; t -= 3600)
		if (t < 1741392000 || t >= 1741392000 + 3 * 86400)
			when[n++] = t;
	reasons = xcalloc(n, sizeof *reasons);
	ref = xcalloc(n, sizeof *ref);
	retention_select(when, n, &p, reasons);
	for (r = 0; r < 4; r++)
		reference_keep(when, n, r, p.keep[r], ref);
	for (i = 0; i < n; i++) {
		ck_assert_msg((reasons[i] != 0) == ref[i], "backup %zu (%jd) kept %u, expected %d",
		    i, (intmax_t)when[i], reasons[i], ref[i]);
		kept += reasons[i] != 0;
		expect += ref[i];
	}
	ck_assert_int_eq(kept, expect);
	/*
	 * By hand: 24 hours of Dec 31; Dec 25-30 (6 days); ISO weeks 2026-W01 and
	 * W52 are already kept (Dec 31, Dec 28), W51 and W50 add Dec 21 and 14;
	 * the last hours of Jan-Nov add 11 months.
	 */
	ck_assert_uint_eq(reasons[0], 0xf);
	ck_assert_int_eq(kept, 24 + 6 + 2 + 11);

	/* One backup a day at 00:00: the daily rule never sees the same day twice. */
	memset(ref, 0, n * sizeof *ref);
	for (i = 0; i < 365; i++)
		when[i] = start + (time_t)(364 - i) * 86400;
	p.keep[0] = 0;
	retention_select(when, 365, &p, reasons);
	for (r = 1; r < 4; r++)
		reference_keep(when, 365, r, p.keep[r], ref);
	for (i = 0; i < 365; i++)
		ck_assert((reasons[i] != 0) == ref[i]);
	free(when);
	free(reasons);
	free(ref);
}
END_TEST

/* The reason text prune and prune --remote both show, from retention_why. */
START_TEST(test_retention_why)
{
	struct retention_policy	 p = { { 24, 7, 4, 12 } };
	char			*why;

	why = retention_why(0, &p);
	ck_assert_str_eq(why, "not needed by retention (hourly 24, daily 7, weekly 4, monthly 12)");
	free(why);
	why = retention_why(1u << BACKUP_DAILY, &p);
	ck_assert_str_eq(why, "kept by rule: daily");
	free(why);
	why = retention_why(0xf, &p);
	ck_assert_str_eq(why, "kept by rule: hourly, daily, weekly, monthly");
	free(why);
}
END_TEST

START_TEST(test_classify)
{
	struct catalog_set	s[3];
	time_t			mon = 1760313600;	/* Mon 2025-10-13 00:00 UTC */

	setenv("TZ", "UTC", 1);
	tzset();
	memset(s, 0, sizeof s);
	ck_assert_int_eq(backup_classify(mon, s, 0), BACKUP_MONTHLY);
	s[0].when = mon - 86400 * 12;	/* Wed 2025-10-01: this month */
	s[0].have[PART_MANIFEST] = true;
	ck_assert_int_eq(backup_classify(mon, s, 1), BACKUP_WEEKLY);
	s[1].when = mon + 3600;		/* the same ISO week, same day */
	s[1].have[PART_MANIFEST] = true;
	ck_assert_int_eq(backup_classify(mon + 7200, s, 2), BACKUP_HOURLY);
	ck_assert_int_eq(backup_classify(mon + 86400, s, 2), BACKUP_DAILY);
	/* A set without a manifest does not count. */
	s[1].have[PART_MANIFEST] = false;
	ck_assert_int_eq(backup_classify(mon + 7200, s, 2), BACKUP_WEEKLY);
	/* Sunday 2025-10-19 is still ISO week 42; Monday 10-20 opens week 43. */
	s[1].have[PART_MANIFEST] = true;
	ck_assert_int_eq(backup_classify(mon + 6 * 86400, s, 2), BACKUP_DAILY);
	ck_assert_int_eq(backup_classify(mon + 7 * 86400, s, 2), BACKUP_WEEKLY);
	ck_assert_int_eq(backup_classify(1761955200, s, 2), BACKUP_MONTHLY);	/* 11-01 */
}
END_TEST

/* Run SQL on db, failing the test on error. */
static void
sql(sqlite3 *db, const char *q)
{
	char	*err = NULL;

	ck_assert_msg(sqlite3_exec(db, q, NULL, NULL, &err) == SQLITE_OK, "%s: %s", q, err);
}

/* One integer from a query. */
static sqlite3_int64
sql_int(sqlite3 *db, const char *q)
{
	sqlite3_stmt	*st;
	sqlite3_int64	 v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (v);
}

/* One text from a query; the caller frees. */
static char *
sql_text(sqlite3 *db, const char *q)
{
	sqlite3_stmt	*st;
	char		*v;

	ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return (v);
}

/* A fragmented database of a few MiB: interleaved tables, an index, deleted rows. */
static char *
dbio_fixture(const char *name, const char *mode)
{
	char	*path = xasprintf("%s/%s", testlib_dir, name), *q;
	sqlite3	*db;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	q = xasprintf("PRAGMA journal_mode=%s", mode);
	sql(db, q);
	free(q);
	sql(db, "CREATE TABLE a (id INTEGER PRIMARY KEY, v BLOB, t TEXT);"
	    "CREATE TABLE b (id INTEGER PRIMARY KEY, v BLOB);"
	    "CREATE INDEX a_t ON a (t);"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
	    "INSERT INTO a SELECT i, randomblob(300 + i % 2000), hex(randomblob(8)) FROM n;"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
	    "INSERT INTO b SELECT i, randomblob(i % 5000) FROM n;"
	    "DELETE FROM a WHERE id % 7 = 0;"
	    "UPDATE b SET v = randomblob(9000) WHERE id % 11 = 0;");
	sqlite3_close(db);
	return (path);
}

/* Reads through the VFS, forward, backward, at random and past the end, give the file's bytes. */
START_TEST(test_dbio_reads)
{
	sqlite3_vfs		*vfs;
	sqlite3_file		*file;
	struct dbio_stats	 before, after;
	unsigned char		*want, *got;
	sqlite3_int64		 size, off;
	char			*path = dbio_fixture("r.db", "DELETE");
	int			 fd, i, outflags, rc;
	const int		 pg = 4096;

	ck_assert_str_eq(dbio_vfs(), DBIO_VFS);
	ck_assert_ptr_nonnull(vfs = sqlite3_vfs_find(DBIO_VFS));
	file = xcalloc(1, (size_t)vfs->szOsFile);
	ck_assert_int_eq(vfs->xOpen(vfs, path, file, SQLITE_OPEN_READONLY | SQLITE_OPEN_MAIN_DB,
	    &outflags), SQLITE_OK);
	ck_assert_int_eq(file->pMethods->xFileSize(file, &size), SQLITE_OK);
	ck_assert_int_gt(size, 3 * DBIO_BLOCK);
	want = xmalloc((size_t)size);
	got = xmalloc(pg);
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(pread(fd, want, (size_t)size, 0), size);
	close(fd);
	dbio_stats(&before);
	for (off = 0; off + pg <= size; off += pg) {		/* forward */
		ck_assert_int_eq(file->pMethods->xRead(file, got, pg, off), SQLITE_OK);
		ck_assert(memcmp(got, want + off, pg) == 0);
	}
	for (off = size - pg; off >= 0; off -= pg) {		/* backward */
		ck_assert_int_eq(file->pMethods->xRead(file, got, pg, off), SQLITE_OK);
		ck_assert(memcmp(got, want + off, pg) == 0);
	}
	dbio_stats(&after);
	ck_assert_uint_lt(after.fills - before.fills, (uint64_t)(2 * size / DBIO_BLOCK + 6));
	for (i = 0; i < 3000; i++) {				/* at random, odd sizes */
		int amt = 1 + (int)((i * 7919u) % pg);

		off = (sqlite3_int64)((i * 2654435761u) % (uint32_t)(size - amt));
		if (i % 3 == 0)
			off -= off % pg;
		ck_assert_int_eq(file->pMethods->xRead(file, got, amt, off), SQLITE_OK);
		ck_assert(memcmp(got, want + off, (size_t)amt) == 0);
	}
	/* A read across the end is short, zero-filled, as with the default VFS. */
	memset(got, 0xaa, pg);
	rc = file->pMethods->xRead(file, got, pg, size - 100);
	ck_assert_int_eq(rc, SQLITE_IOERR_SHORT_READ);
	ck_assert(memcmp(got, want + size - 100, 100) == 0);
	ck_assert_int_eq(got[100], 0);
	ck_assert_int_eq(file->pMethods->xClose(file), SQLITE_OK);
	free(file);
	free(want);
	free(got);
	free(path);
}
END_TEST

/* Writes gathered by the VFS land where SQLite put them, whatever their order. */
START_TEST(test_dbio_writes)
{
	sqlite3_vfs	*vfs;
	sqlite3_file	*file;
	unsigned char	*want, *got, page[4096];
	sqlite3_int64	 size;
	char		*path = xasprintf("%s/w.bin", testlib_dir);
	const size_t	 len = 3 * DBIO_BLOCK + 12345;
	size_t		 off;
	int		 fd, i, outflags;

	ck_assert_ptr_nonnull(dbio_vfs());
	vfs = sqlite3_vfs_find(DBIO_VFS);
	file = xcalloc(1, (size_t)vfs->szOsFile);
	ck_assert_int_eq(vfs->xOpen(vfs, path, file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_MAIN_DB, &outflags), SQLITE_OK);
	want = xcalloc(1, len);
	got = xmalloc(len);
	for (off = 0; off < len; off += sizeof page) {		/* in order, then holes */
		size_t n = len - off < sizeof page ? len - off : sizeof page;

		memset(page, (int)(off / sizeof page), sizeof page);
		memcpy(want + off, page, n);
		ck_assert_int_eq(file->pMethods->xWrite(file, page, (int)n, (sqlite3_int64)off),
		    SQLITE_OK);
	}
	for (i = 0; i < 500; i++) {
		off = (i * 2654435761u) % (len - 700);
		memset(page, 0x40 + i % 50, 700);
		memcpy(want + off, page, 700);
		ck_assert_int_eq(file->pMethods->xWrite(file, page, 700, (sqlite3_int64)off),
		    SQLITE_OK);
		if (i % 50 == 0) {	/* a read sees what was written before it */
			ck_assert_int_eq(file->pMethods->xRead(file, got, 700,
			    (sqlite3_int64)off), SQLITE_OK);
			ck_assert(memcmp(got, want + off, 700) == 0);
		}
	}
	ck_assert_int_eq(file->pMethods->xFileSize(file, &size), SQLITE_OK);
	ck_assert_int_eq(size, (sqlite3_int64)len);
	ck_assert_int_eq(file->pMethods->xClose(file), SQLITE_OK);
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(pread(fd, got, len, 0), (ssize_t)len);
	close(fd);
	ck_assert(memcmp(got, want, len) == 0);
	free(file);
	free(want);
	free(got);
	free(path);
}
END_TEST

/* A backup and integrity_check through the VFS give what the default VFS gives. */
START_TEST(test_dbio_backup)
{
	sqlite3		*src, *dst, *plain;
	sqlite3_backup	*b;
	char		*path = dbio_fixture("s.db", "WAL"), *copy = xasprintf("%s/c.db", testlib_dir);
	char		*x, *y, zero[4096];
	sqlite3_int64	 pgno;
	int		 fd;
	const char	*sum = "SELECT (SELECT count(*) || '/' || sum(length(v)) || '/' || "
	    "group_concat(t) FROM a) || (SELECT count(*) || '/' || sum(length(v)) FROM b) || "
	    "(SELECT group_concat(hex(substr(v, 1 + id % 200, 8))) FROM b)";

	ck_assert_int_eq(sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, dbio_vfs()),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_open_v2(copy, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	    dbio_vfs()), SQLITE_OK);
	sql(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF");
	ck_assert_ptr_nonnull(b = sqlite3_backup_init(dst, "main", src, "main"));
	ck_assert_int_eq(sqlite3_backup_step(b, -1), SQLITE_DONE);
	ck_assert_int_eq(sqlite3_backup_finish(b), SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(dst), SQLITE_OK);
	x = sql_text(src, "PRAGMA integrity_check");
	ck_assert_str_eq(x, "ok");
	free(x);
	x = sql_text(src, sum);
	sqlite3_close(src);

	/* The copy, read with the default VFS, holds the same rows and is sound. */
	ck_assert_int_eq(sqlite3_open_v2(copy, &plain, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	y = sql_text(plain, "PRAGMA integrity_check");
	ck_assert_str_eq(y, "ok");
	free(y);
	y = sql_text(plain, sum);
	ck_assert_str_eq(x, y);
	free(y);
	sqlite3_close(plain);
	free(x);

	/* Damage in the copy (a page of b's zeroed) is found through the VFS as without it. */
	ck_assert_int_eq(sqlite3_open_v2(copy, &plain, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	pgno = sql_int(plain, "SELECT max(pageno) FROM dbstat WHERE name = 'b' AND "
	    "pagetype = 'leaf'");
	y = sql_text(plain, "PRAGMA integrity_check");
	sqlite3_close(plain);
	ck_assert_str_eq(y, "ok");
	free(y);
	ck_assert_int_ne(fd = open(copy, O_WRONLY), -1);
	memset(zero, 0, sizeof zero);
	ck_assert_int_eq(pwrite(fd, zero, sizeof zero, (pgno - 1) * 4096), (ssize_t)sizeof zero);
	close(fd);
	ck_assert_int_eq(sqlite3_open_v2(copy, &plain, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	y = sql_text(plain, "PRAGMA integrity_check");
	sqlite3_close(plain);
	ck_assert_int_eq(sqlite3_open_v2(copy, &plain, SQLITE_OPEN_READONLY, dbio_vfs()),
	    SQLITE_OK);
	x = sql_text(plain, "PRAGMA integrity_check");
	sqlite3_close(plain);
	ck_assert_str_ne(x, "ok");
	ck_assert_str_eq(x, y);
	free(x);
	free(y);
	free(path);
	free(copy);
}
END_TEST

/* A reader through the VFS sees what another connection committed (WAL and rollback). */
START_TEST(test_dbio_other_writer)
{
	static const char *const modes[] = { "WAL", "DELETE" };
	sqlite3		*r, *w;
	char		*path, name[16];
	size_t		 m;
	int		 i;

	for (m = 0; m < nitems(modes); m++) {
		xsnprintf(name, sizeof name, "o%zu.db", m);
		path = dbio_fixture(name, modes[m]);
		ck_assert_int_eq(sqlite3_open_v2(path, &r, SQLITE_OPEN_READONLY, dbio_vfs()),
		    SQLITE_OK);
		ck_assert_int_eq(sqlite3_open(path, &w), SQLITE_OK);
		for (i = 0; i < 5; i++) {
			sqlite3_int64 before = sql_int(r, "SELECT sum(length(v)) FROM b");

			sql(w, "UPDATE b SET v = randomblob(length(v) + 100)");
			if (m == 0)
				sql(w, "PRAGMA wal_checkpoint(TRUNCATE)");
			ck_assert_int_eq(sql_int(r, "SELECT sum(length(v)) FROM b"),
			    before + 2000 * 100);
		}
		sqlite3_close(w);
		sqlite3_close(r);
		free(path);
	}
}
END_TEST

/* The engine's suite. */
static Suite *
backup_suite(void)
{
	Suite	*s = suite_create("backup");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_crypt_openssl_both_ways);
	tcase_add_test(tc, test_manifest_plan_and_ours);
	tcase_add_test(tc, test_du_size);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_retention_year);
	tcase_add_test(tc, test_retention_why);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_dbio_reads);
	tcase_add_test(tc, test_dbio_writes);
	tcase_add_test(tc, test_dbio_backup);
	tcase_add_test(tc, test_dbio_other_writer);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(backup_suite(), NULL));
}
