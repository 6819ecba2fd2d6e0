/* verify.c: the plan's verify script and more, in-process, over one backup set. */
#include "system.h"

#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include <sqlite3.h>

#include <openssl/crypto.h>

#include "engine/host/sandbox.h"
#include "engine/recover/extract.h"
#include "engine/set/archive.h"
#include "engine/set/catalog.h"
#include "engine/set/crypt.h"
#include "engine/set/dbio.h"
#include "engine/set/hashio.h"
#include "engine/set/manifest.h"
#include "engine/set/verify.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* A file hashed on a thread of its own while the database is checked. */
struct verify_hash_job {
	const char	*path;
	char		 hex[HASHIO_HEXLEN];
	uint64_t	 size;
	char		*cause;		/* owned */
	int		 rc;
};

/* The word for a status. */
const char *
verify_status_name(enum verify_status s)
{
	static const char *const names[] = { "ok", "warning", "FAILED" };

	return (names[s]);
}

/* Add a check's outcome to the report. */
PDR_PRINTF(5, 6) static void
verify_add(struct verify_report *r, const char *check, const char *file,
    enum verify_status status, const char *fmt, ...)
{
	struct verify_check	*c;
	va_list			 ap;
	size_t			 len;

	r->checks = xreallocarray(r->checks, r->n + 1, sizeof *r->checks);
	c = &r->checks[r->n++];
	c->check = xstrdup(check);
	c->file = xstrdup(file);
	c->status = status;
	va_start(ap, fmt);
	c->detail = xvasprintf(fmt, ap);
	va_end(ap);
	/* Causes from below often start with the file's name: say it once. */
	len = strlen(file);
	if (strncmp(c->detail, file, len) == 0 && strncmp(c->detail + len, ": ", 2) == 0)
		memmove(c->detail, c->detail + len + 2, strlen(c->detail + len + 2) + 1);
	if (status == VERIFY_FAIL) {
		r->failed = true;
		r->nfail++;
	}
}

/*
 * Options for verifying the sets of c: the archives checked against its
 * folders, password (may be NULL; key_why says why). Strings are borrowed.
 */
void
verify_opts_conf(struct verify_opts *o, const struct conf *c, const char *password,
    const char *key_why)
{
	memset(o, 0, sizeof *o);
	o->password = password;
	o->key_why = key_why;
	o->config_dir = c->config_dir;
	o->wireguard_dir = c->wireguard_dir;
	o->encryption_key = c->encryption_key;
	o->conf_path = c->path;
}

/* The first failed check as "FILE: DETAIL", NULL when none failed; the caller frees. */
char *
verify_first_failure(const struct verify_report *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		if (r->checks[i].status == VERIFY_FAIL)
			return (xasprintf("%s: %s", r->checks[i].file, r->checks[i].detail));
	return (NULL);
}

/* Whether a check failed for the set's content (not only for want of the key). */
bool
verify_content_failed(const struct verify_report *r)
{
	return (r->nfail > r->nenv);
}

/*
 * What a report may record on the set (catalog_stamp): 1 it verified, 0 its
 * content failed, -1 nothing: a check could not be made for want of the
 * key, or the only failure (or a pass by --allow-unsigned) is the missing
 * HMAC line, which the catalogue sees by itself.
 */
int
verify_verdict(const struct verify_report *r)
{
	if (r->nenv > 0 || (r->unsigned_set && r->nfail == r->nunsigned))
		return (-1);
	return (r->nfail == 0 ? 1 : 0);
}

/* Free a report's checks. */
void
verify_report_clear(struct verify_report *r)
{
	size_t	i;

	for (i = 0; i < r->n; i++) {
		free(r->checks[i].check);
		free(r->checks[i].file);
		free(r->checks[i].detail);
	}
	free(r->checks);
	memset(r, 0, sizeof *r);
}

/* The thread body: hash one file. */
static void *
verify_hash_thread(void *arg)
{
	struct verify_hash_job	*j = arg;

	j->rc = hashio_file(j->path, j->hex, &j->size, &j->cause);
	return (NULL);
}

/*
 * PRAGMA integrity_check and the counts of sites and paths (paths may be NULL)
 * of a database, opened read-only (immutable when it is a backup that nothing
 * writes). Returns 0; 1 when the check finds damage; -1 when the database
 * cannot be read; both with *cause.
 */
int
verify_db_check(const char *path, bool immutable, long *sites, long *paths, char **cause)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	struct buf	 problems;
	char		*uri;
	int		 rc = -1, n = 0, step, fd;

	*sites = -1;
	if (paths != NULL)
		*paths = -1;
	/* SQLite would block for ever opening a FIFO put in the file's place. */
	if ((fd = fs_open_regular_why(path, 0, cause)) == -1)
		return (-1);
	close(fd);
	if (immutable) {
		struct buf	 u;
		const char	*p;

		buf_init(&u);
		buf_adds(&u, "file:");
		for (p = path; *p != '\0'; p++) {
			if (*p == '?' || *p == '#' || *p == '%')
				buf_printf(&u, "%%%02X", (unsigned char)*p);
			else
				buf_addc(&u, *p);
		}
		buf_adds(&u, "?immutable=1");
		uri = buf_steal(&u);
	} else
		uri = xstrdup(path);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | (immutable ? SQLITE_OPEN_URI : 0),
	    dbio_vfs()) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, db != NULL ? sqlite3_errmsg(db) :
		    _("out of memory"));
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	buf_init(&problems);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		*cause = xasprintf(_("%s: cannot read the database: %s"), path,
		    sqlite3_errmsg(db));
		buf_clear(&problems);
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		if (t != NULL && strcmp(t, "ok") != 0 && n++ < 3)
			buf_printf(&problems, "%s%s", n > 1 ? "; " : "", t);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (step != SQLITE_DONE) {
		*cause = xasprintf(_("%s: integrity check failed: %s"), path, sqlite3_errmsg(db));
		buf_clear(&problems);
		goto out;
	}
	if (n > 0) {
		*cause = xasprintf(_("%s: integrity check found damage: %s"), path, problems.data);
		buf_clear(&problems);
		rc = 1;
		goto out;
	}
	buf_clear(&problems);
	if (sqlite3_prepare_v2(db, "SELECT (SELECT COUNT(*) FROM sites), "
	    "(SELECT COUNT(*) FROM paths)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		if (st == NULL || paths == NULL) {
			/* No paths table is fine for the plan's verify; sites is not. */
			sqlite3_finalize(st);
			st = NULL;
			if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sites", -1, &st,
			    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
				*sites = sqlite3_column_int64(st, 0);
				rc = 0;
				goto out;
			}
		}
		*cause = xasprintf(_("%s: cannot count sites and paths: %s"), path,
		    sqlite3_errmsg(db));
		goto out;
	}
	*sites = sqlite3_column_int64(st, 0);
	if (paths != NULL)
		*paths = sqlite3_column_int64(st, 1);
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(uri);
	return (rc);
}

/* Compare a computed checksum with the manifest's line for the file. */
static void
verify_sum(struct verify_report *r, const struct manifest *m, bool have_m, const char *path,
    const char *fname, const char *hex)
{
	const struct manifest_sum	*s;

	if (!have_m)
		return;
	if ((s = manifest_find_sum(m, fname)) == NULL)
		verify_add(r, "checksum", path, VERIFY_FAIL,
		    _("the manifest has no checksum line for %s"), fname);
	else if (strcmp(s->hex, hex) != 0)
		verify_add(r, "checksum", path, VERIFY_FAIL,
		    _("SHA-256 %.16s... does not match the manifest's %.16s..."), hex, s->hex);
	else
		verify_add(r, "checksum", path, VERIFY_OK, _("SHA-256 matches the manifest"));
}

/*
 * Read the archive at path to its end (decrypting it with password when that
 * is not NULL) and check it exactly as restore checks it before extracting it
 * into dir (extract_check's checks, the same size bound), without holding it
 * in memory: so a set that verifies restores. The SHA-256 of the file goes
 * into hex ("" when it could not be read to its end), the number of entries
 * into *entries. backup runs it on the archives it has just written. Returns
 * 0, or -1 with *cause.
 */
int
verify_archive(const char *path, const char *password, const char *dir, char *hex,
    size_t *entries, char **cause)
{
	struct extract_opts	 eo;
	struct hashio_in	 in;
	struct crypt_dec	*dec = NULL;
	char			*prefix, *c, *hcause = NULL, buf[4096];
	ssize_t			 n;
	int			 rc;

	*entries = 0;
	hex[0] = '\0';
	if (hashio_in_open(&in, path, cause) != 0)
		return (-1);
	if (password != NULL)
		dec = crypt_dec_new(path, password, hashio_in_read, &in);
	memset(&eo, 0, sizeof eo);
	eo.name = path;
	/*
	 * As restore reads it: the archive's own top folder mapped onto the
	 * target (a standby laid out elsewhere), every entry inside it.
	 */
	prefix = NULL;
	eo.prefix = NULL;
	eo.target = dir;
	rc = dec != NULL ? extract_check_stream(crypt_dec_read, dec, &eo, entries, cause) :
	    extract_check_stream(hashio_in_read, &in, &eo, entries, cause);
	/* The rest of the cipher text decrypts too (its padding is at the end). */
	while (rc == 0 && dec != NULL && (n = crypt_dec_read(dec, buf, sizeof buf, cause)) != 0)
		if (n == -1)
			rc = -3;
	if (rc == -1 && dec != NULL) {
		/* Decrypted, yet no archive: a wrong key does that once in 256. */
		c = xasprintf(_("decrypted, but no readable archive: wrong key, or the "
		    "file is damaged: %s"), *cause);
		free(*cause);
		*cause = c;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	crypt_dec_free(dec);
	/* The rest of the file, for its checksum even when what it holds is no good. */
	if (hashio_in_finish(&in, &hcause) == 0)
		memcpy(hex, in.hex, HASHIO_HEXLEN);
	free(hcause);
	hashio_in_close(&in);
	free(prefix);
	return (rc == 0 ? 0 : -1);
}

/*
 * verify_archive as a check of the report, with the file's checksum against
 * m; key names dir in dr.yaml, whose live folder a drill's sandbox maps it
 * to (restore checks the archive against that one too).
 */
static void
verify_archive_report(struct verify_report *r, const char *check, const char *path,
    const char *password, const struct verify_opts *o, const char *key, const char *dir,
    const struct manifest *m, bool have_m, const char *fname)
{
	char	 hex[HASHIO_HEXLEN], *cause = NULL, *live;
	size_t	 entries;

	if ((live = sandbox_live_path(o->conf_path, key)) != NULL)
		dir = live;
	if (verify_archive(path, password, dir, hex, &entries, &cause) == 0)
		verify_add(r, check, path, VERIFY_OK, password != NULL ?
		    _("decrypted, read to the end, %zu entries, each one as restore "
		    "accepts it into %s") : _("read to the end, %zu entries, each one "
		    "as restore accepts it into %s"), entries, dir != NULL ? dir : "/");
	else {
		verify_add(r, check, path, VERIFY_FAIL, "%s", cause);
		free(cause);
	}
	if (hex[0] != '\0')
		verify_sum(r, m, have_m, path, fname, hex);
	free(live);
}

/*
 * Verify the set whose database is db_path: integrity, sites, manifest and
 * its HMAC (a manifest without one fails unless o->allow_unsigned), the
 * checksums of all files, the config archive read to the end, the WireGuard
 * archive decrypted (o->password may be NULL; o->key_why then says why, and
 * r->env says the failure is not the set's) and read to the end. Fills r
 * (free with verify_report_clear); returns 0 when all pass, 1 when a check
 * failed.
 */
int
verify_run(const char *db_path, const struct verify_opts *o, struct verify_report *r)
{
	const char		*password = o->password;
	const char		*key_why = o->key_why != NULL ? o->key_why : _("no key");
	struct catalog_set	 s;
	struct verify_hash_job	 job;
	struct manifest		 m;
	struct stat		 st;
	pthread_t		 th;
	bool			 have_m = false, threaded = false;
	char			*path[PART__COUNT], *fname, *cause = NULL, *text = NULL;
	char			 hex[HASHIO_HEXLEN], fp[MANIFEST_FPLEN];
	bool			 other_key = false;
	size_t			 len;
	long			 sites, paths;
	int			 i, rc;

	memset(r, 0, sizeof *r);
	r->sites = -1;
	if (catalog_set_from_db(db_path, &s, &cause) == -1) {
		verify_add(r, "name", db_path, VERIFY_FAIL, "%s", cause);
		free(cause);
		return (1);
	}
	for (i = 0; i < PART__COUNT; i++)
		path[i] = catalog_path(&s, (enum catalog_part)i);

	/* The database: hash it on a thread while its integrity is checked. */
	memset(&job, 0, sizeof job);
	job.path = path[PART_DB];
	if (o->no_db) {
		verify_add(r, "database", path[PART_DB], VERIFY_WARN,
		    _("not fetched, not checked: the database comes from the stream"));
		job.rc = -1;
	} else if (stat(path[PART_DB], &st) == -1) {
		verify_add(r, "database", path[PART_DB], VERIFY_FAIL, "%s", strerror(errno));
		job.rc = -1;
	} else {
		if (o->db_sha256 != NULL && strlen(o->db_sha256) == HASHIO_HEXLEN - 1)
			/* Hashed as it arrived: not read a second time for it. */
			xsnprintf(job.hex, sizeof job.hex, "%s", o->db_sha256);
		else if (pthread_create(&th, NULL, verify_hash_thread, &job) == 0)
			threaded = true;
		else
			verify_hash_thread(&job);
		rc = verify_db_check(path[PART_DB], true, &sites, &paths, &cause);
		if (rc == 0) {
			verify_add(r, "integrity", path[PART_DB], VERIFY_OK,
			    _("PRAGMA integrity_check: ok"));
			verify_add(r, "sites", path[PART_DB], VERIFY_OK,
			    _("database accessible, contains %ld sites"), sites);
			r->sites = sites;
		} else {
			verify_add(r, "integrity", path[PART_DB], VERIFY_FAIL, "%s", cause);
			free(cause);
			cause = NULL;
		}
	}

	/* The manifest and its HMAC. */
	if (fs_read_file(path[PART_MANIFEST], 1024 * 1024, &text, &len, &cause) == -1) {
		verify_add(r, "manifest", path[PART_MANIFEST], VERIFY_FAIL,
		    _("manifest not readable (%s): the set is incomplete"), cause);
		free(cause);
		cause = NULL;
	} else if (manifest_parse(text, len, path[PART_MANIFEST], &m, &cause) == -1) {
		verify_add(r, "manifest", path[PART_MANIFEST], VERIFY_FAIL, "%s", cause);
		free(cause);
		cause = NULL;
		manifest_clear(&m);
	} else {
		have_m = true;
		verify_add(r, "manifest", path[PART_MANIFEST], VERIFY_OK, _("manifest found"));
		r->unsigned_set = !m.have_hmac;
		if (!m.have_hmac && o->allow_unsigned)
			verify_add(r, "hmac", path[PART_MANIFEST], VERIFY_WARN,
			    _("unsigned: the manifest has no HMAC line (allowed by "
			    "--allow-unsigned): checksums prove integrity, not origin"));
		else if (!m.have_hmac) {
			verify_add(r, "hmac", path[PART_MANIFEST], VERIFY_FAIL,
			    _("unsigned: the manifest has no HMAC line, so anyone who can "
			    "write there could have made it (a set of the plan's own "
			    "script: --allow-unsigned)"));
			r->nunsigned++;
		}
		else if (password == NULL) {
			verify_add(r, "hmac", path[PART_MANIFEST], VERIFY_FAIL,
			    _("cannot check the manifest's HMAC: %s"), key_why);
			r->nenv++;
		} else if (!manifest_hmac_ok(&m, password, text, len) &&
		    manifest_other_key(&m, password)) {
			/* Not damage: the key changed since. Said, never stamped. */
			manifest_key_fingerprint(password, fp);
			verify_add(r, "hmac", path[PART_MANIFEST], VERIFY_FAIL,
			    _("made with another key (fingerprint %s; the key now is %s): "
			    "verify it with that key"), m.fingerprint, fp);
			r->nenv++;
			other_key = true;
		} else if (!manifest_hmac_ok(&m, password, text, len))
			verify_add(r, "hmac", path[PART_MANIFEST], VERIFY_FAIL,
			    _("HMAC does not match: the manifest was altered or made with "
			    "another key"));
		else
			verify_add(r, "hmac", path[PART_MANIFEST], VERIFY_OK,
			    _("HMAC-SHA256 matches"));
		if (r->sites >= 0 && m.sites >= 0 && m.sites != r->sites)
			verify_add(r, "sites", path[PART_DB], VERIFY_FAIL,
			    _("database has %ld sites, the manifest says %ld"), r->sites,
			    m.sites);
		for (i = 0; i < (int)m.nsums; i++) {
			int j, known = 0;

			for (j = 0; j < PART_MANIFEST; j++) {
				fname = xasprintf("%s%s", s.name, catalog_suffixes[j]);
				known |= strcmp(fname, m.sums[i].name) == 0;
				free(fname);
			}
			if (!known)
				verify_add(r, "checksum", path[PART_MANIFEST], VERIFY_FAIL,
				    _("checksum line for a file not in the set: %s"),
				    m.sums[i].name);
		}
	}

	/* The archives, each read whole and checked as restore would check it. */
	fname = xasprintf("%s%s", s.name, catalog_suffixes[PART_CONFIG]);
	verify_archive_report(r, "config", path[PART_CONFIG], NULL, o, "config_dir",
	    o->config_dir, &m, have_m, fname);
	free(fname);
	fname = xasprintf("%s%s", s.name, catalog_suffixes[PART_WIREGUARD]);
	if (password == NULL || other_key) {
		/* The archive cannot be read with this key: its checksum still can. */
		if (password == NULL)
			verify_add(r, "wireguard", path[PART_WIREGUARD], VERIFY_FAIL,
			    _("cannot decrypt: %s"), key_why);
		else
			verify_add(r, "wireguard", path[PART_WIREGUARD], VERIFY_FAIL,
			    _("cannot decrypt: the set was made with another key"));
		r->nenv++;
		if (hashio_file(path[PART_WIREGUARD], hex, NULL, &cause) == 0)
			verify_sum(r, &m, have_m, path[PART_WIREGUARD], fname, hex);
		else {
			verify_add(r, "checksum", path[PART_WIREGUARD], VERIFY_FAIL, "%s",
			    cause);
			free(cause);
			cause = NULL;
		}
	} else
		verify_archive_report(r, "wireguard", path[PART_WIREGUARD], password, o,
		    "wireguard_dir", o->wireguard_dir, &m, have_m, fname);
	free(fname);

	/* The database's checksum, when its thread is done. */
	if (threaded)
		pthread_join(th, NULL);
	fname = xasprintf("%s%s", s.name, catalog_suffixes[PART_DB]);
	if (job.rc == 0)
		verify_sum(r, &m, have_m, path[PART_DB], fname, job.hex);
	else if (job.cause != NULL)
		verify_add(r, "checksum", path[PART_DB], VERIFY_FAIL, "%s", job.cause);
	free(job.cause);
	free(fname);

	if (have_m)
		manifest_clear(&m);
	free(text);
	for (i = 0; i < PART__COUNT; i++)
		free(path[i]);
	catalog_set_clear(&s);
	return (r->failed ? 1 : 0);
}
