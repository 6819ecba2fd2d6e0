/* restore.c: pick a backup set and put its database back, crash-safe. */
#include "system.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <unistd.h>

#include "engine/set/catalog.h"
#include "engine/set/hashio.h"
#include "engine/set/manifest.h"
#include "engine/recover/extract.h"
#include "engine/recover/restore.h"
#include "engine/set/verify.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define RESTORE_BUFSZ (1024 * 1024)

static enum fail_class	restore_db_install(const char *, const char *, const char *, bool,
			    bool, const char *, const struct stat *, struct restore_db_result *,
			    char **);

/* The suffixes of the files that make up a live sqlite database. */
static const char *const restore_db_suffixes[4] = { "", "-wal", "-shm", "-journal" };

/* The first failed check of a verify report, as text (caller frees). */
static char *
restore_first_failure(const struct verify_report *vr)
{
	size_t	i;

	for (i = 0; i < vr->n; i++) {
		if (vr->checks[i].status == VERIFY_FAIL)
			return (xasprintf("%s: %s: %s", vr->checks[i].check,
			    vr->checks[i].file != NULL ? vr->checks[i].file : "-",
			    vr->checks[i].detail != NULL ? vr->checks[i].detail : ""));
	}
	return (xstrdup(_("verify failed")));
}

/*
 * Whether a verify report passes for this restore: no failed check, or, when
 * the key is not available (nokey) and the restore does not need it, none but
 * the two that need the key (the manifest's HMAC, the WireGuard archive).
 */
static bool
restore_passes(const struct verify_report *vr, bool nokey)
{
	size_t	i;

	for (i = 0; i < vr->n; i++) {
		if (vr->checks[i].status != VERIFY_FAIL)
			continue;
		if (nokey && (strcmp(vr->checks[i].check, "hmac") == 0 ||
		    strcmp(vr->checks[i].check, "wireguard") == 0))
			continue;
		return (false);
	}
	return (true);
}

/* The same file, unchanged: device, inode, size and change time (which no one can set back). */
static bool
restore_same_file(const struct stat *a, const struct stat *b)
{
	return (a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec);
}

/*
 * Fill p from a set (its files, name and time). before is its .db as it was
 * before it was verified now (NULL: it was verified before; its stamp in
 * state_dir is checked again around a look at the file): p->db_verified
 * when the file is still the one that verified.
 */
static void
restore_pick_fill(struct restore_pick *p, const struct catalog_set *s, const struct stat *before,
    const char *state_dir)
{
	struct stat	st;

	p->name = xstrdup(s->name);
	p->db = catalog_path(s, PART_DB);
	p->db_verified = stat(p->db, &p->db_st) == 0 && S_ISREG(p->db_st.st_mode);
	if (before != NULL)
		p->db_verified = p->db_verified && restore_same_file(before, &p->db_st);
	else
		p->db_verified = p->db_verified && catalog_stamp_ok(state_dir, s) &&
		    stat(p->db, &st) == 0 && restore_same_file(&p->db_st, &st);
	p->config = catalog_path(s, PART_CONFIG);
	p->wireguard = catalog_path(s, PART_WIREGUARD);
	p->when = s->when;
	if (p->when == 0 && stat(p->db, &st) == 0)
		p->when = st.st_mtime;
}

/*
 * Choose the set to restore from: the one whose .db is from (which must pass
 * verify; without its HMAC line, or without the key, only when allow_unsigned
 * says so, and p->unauthenticated says it), or the newest set across all tiers
 * that has the file kind needs, carries an HMAC line and passes verify (a set
 * verified before whose files are unchanged since, by its stamp in STATE_DIR,
 * is not verified again; new verdicts on content are stamped). Never picks a
 * set by itself without the key. Sets skipped are named with log_warn and
 * why. Fills p (free with restore_pick_clear). Returns -1 with *cause.
 */
int
restore_pick(const struct conf *c, const char *from, enum restore_kind kind,
    const char *password, const char *key_why, bool allow_unsigned, struct restore_pick *p,
    char **cause)
{
	return (restore_pick_before(c, from, INT64_MAX, kind, password, key_why,
	    allow_unsigned, p, cause));
}

/*
 * restore_pick, but without from only among the sets taken wholly before
 * before_ms (INT64_MAX: any): a set named at second S was taken before
 * S + 1 s. Later sets are passed over (not counted in p->skipped).
 */
int
restore_pick_before(const struct conf *c, const char *from, int64_t before_ms,
    enum restore_kind kind, const char *password, const char *key_why, bool allow_unsigned,
    struct restore_pick *p, char **cause)
{
	static const enum catalog_part	 need[] = { PART_DB, PART_CONFIG, PART_WIREGUARD };
	struct catalog_set		*sets = NULL, one;
	struct verify_report		 vr;
	struct verify_opts		 vo;
	struct stat			 before;
	size_t				 n = 0, i;
	char				*why, *stamp_why = NULL;
	bool				 nokey, have_before = false;
	int				 rc = -1;

	memset(p, 0, sizeof *p);
	nokey = password == NULL && kind != RESTORE_KEYS;
	verify_opts_conf(&vo, c, password, key_why);
	if (from != NULL) {
		if (nokey && !allow_unsigned) {
			*cause = xasprintf(_("the encryption key cannot be read (%s): the "
			    "set's origin cannot be checked"), key_why != NULL ? key_why : "?");
			return (-1);
		}
		if (catalog_set_from_db(from, &one, cause) != 0)
			return (-1);
		log_info(_("verifying %s"), from);
		vo.allow_unsigned = allow_unsigned;
		have_before = stat(from, &before) == 0;
		verify_run(from, &vo, &vr);
		if (!restore_passes(&vr, nokey)) {
			why = restore_first_failure(&vr);
			*cause = xasprintf(_("%s: the set fails verify (%s)"), from, why);
			free(why);
		} else {
			restore_pick_fill(p, &one, have_before ? &before : NULL, NULL);
			p->db_verified = p->db_verified && have_before;
			p->unauthenticated = nokey || vr.unsigned_set;
			rc = 0;
		}
		verify_report_clear(&vr);
		catalog_set_clear(&one);
		return (rc);
	}
	if (nokey) {
		*cause = xasprintf(_("the encryption key cannot be read (%s): no set is "
		    "picked without checking its origin"), key_why != NULL ? key_why : "?");
		return (-1);
	}
	if (catalog_scan(c->backup_dir, c->state_dir, password, &sets, &n, cause) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (before_ms != INT64_MAX && ((int64_t)sets[i].when + 1) * 1000 > before_ms) {
			log_info(_("passing over %s: not taken before the limit"), sets[i].name);
			continue;
		}
		if (!sets[i].have[need[kind]] || !sets[i].have[PART_DB] ||
		    !sets[i].have[PART_MANIFEST]) {
			log_warn(_("skipping %s: incomplete set"), sets[i].name);
			p->skipped++;
			continue;
		}
		if (sets[i].state == CATALOG_CORRUPT) {
			log_warn(_("skipping %s: %s"), sets[i].name, sets[i].why != NULL ?
			    sets[i].why : _("verify failed"));
			p->skipped++;
			continue;
		}
		if (!sets[i].hmac) {
			log_warn(_("skipping %s: unsigned (its manifest has no HMAC line); "
			    "only restored when named with --from and --allow-unsigned"),
			    sets[i].name);
			p->skipped++;
			continue;
		}
		if (sets[i].state == CATALOG_COMPLETE) {
			/* Verified before, and no file has changed since. */
			log_info(_("%s: verified before, files unchanged since"),
			    sets[i].name);
			restore_pick_fill(p, &sets[i], NULL, c->state_dir);
			rc = 0;
			break;
		}
		why = catalog_path(&sets[i], PART_DB);
		log_info(_("verifying %s"), why);
		have_before = stat(why, &before) == 0;
		rc = verify_run(why, &vo, &vr);
		free(why);
		why = rc != 0 ? restore_first_failure(&vr) : NULL;
		/* Only verdicts on the set's content are stamped. */
		if (verify_verdict(&vr) >= 0 && catalog_stamp(c->state_dir, &sets[i],
		    verify_verdict(&vr) == 1, why, &stamp_why) != 0) {
			log_warn("%s", stamp_why);
			free(stamp_why);
			stamp_why = NULL;
		}
		verify_report_clear(&vr);
		if (rc == 0) {
			restore_pick_fill(p, &sets[i], have_before ? &before : NULL, NULL);
			p->db_verified = p->db_verified && have_before;
			break;
		}
		log_warn(_("skipping %s: %s"), sets[i].name, why);
		free(why);
		p->skipped++;
		rc = -1;
	}
	if (rc != 0 && before_ms != INT64_MAX)
		*cause = xasprintf(_("%s: no backup set taken before the limit passes verify "
		    "(%zu sets in all)"), c->backup_dir, n);
	else if (rc != 0)
		*cause = xasprintf(_("%s: no backup set passes verify (%zu tried)"),
		    c->backup_dir, n);
	catalog_free(sets, n);
	return (rc);
}

/*
 * What the manifest of the set whose database is db says the SHA-256 of its
 * file (a path of the set) is, into hex (HASHIO_HEXLEN), provided the
 * manifest still carries a matching HMAC under password (none at all only
 * with allow_unsigned; not checked without password). Returns -1 with *cause.
 */
int
restore_manifest_sum(const char *db, const char *file, const char *password,
    bool allow_unsigned, char *hex, char **cause)
{
	const struct manifest_sum	*sum;
	struct catalog_set		 s;
	struct manifest			 m;
	const char			*base;
	char				*path = NULL, *text = NULL;
	size_t				 len;
	int				 rc = -1;

	if (catalog_set_from_db(db, &s, cause) != 0)
		return (-1);
	path = catalog_path(&s, PART_MANIFEST);
	base = strrchr(file, '/');
	base = base != NULL ? base + 1 : file;
	if (fs_read_file(path, 1024 * 1024, &text, &len, cause) != 0)
		goto out;
	if (manifest_parse(text, len, path, &m, cause) != 0) {
		manifest_clear(&m);
		goto out;
	}
	if ((m.have_hmac && password != NULL && !manifest_hmac_ok(&m, password, text, len)) ||
	    (!m.have_hmac && !allow_unsigned))
		*cause = xasprintf(_("%s: the manifest changed since the set was verified; "
		    "nothing restored"), path);
	else if ((sum = manifest_find_sum(&m, base)) == NULL)
		*cause = xasprintf(_("%s: changed since the set was verified (its SHA-256 "
		    "is not the manifest's); nothing restored"), file);
	else {
		memcpy(hex, sum->hex, HASHIO_HEXLEN);
		rc = 0;
	}
	manifest_clear(&m);
out:
	free(text);
	free(path);
	catalog_set_clear(&s);
	return (rc);
}

/*
 * Check that a file of the set whose database is db is, as restore is about
 * to install it, what the set's manifest says (hex, its SHA-256 as read; see
 * restore_manifest_sum): a file swapped after the set was verified is
 * refused. Returns -1 with *cause.
 */
int
restore_recheck(const char *db, const char *file, const char *hex, const char *password,
    bool allow_unsigned, char **cause)
{
	char	want[HASHIO_HEXLEN];

	if (restore_manifest_sum(db, file, password, allow_unsigned, want, cause) != 0)
		return (-1);
	if (hex[0] != '\0' && strcmp(want, hex) == 0)
		return (0);
	*cause = xasprintf(_("%s: changed since the set was verified (its SHA-256 is not the "
	    "manifest's); nothing restored"), file);
	return (-1);
}

/* Free what restore_pick put in p. */
void
restore_pick_clear(struct restore_pick *p)
{
	free(p->name);
	free(p->db);
	free(p->config);
	free(p->wireguard);
	memset(p, 0, sizeof *p);
}

/* Copy all bytes of fd in to fd out; reflink first when allowed. Returns -1 with errno. */
static int
restore_copy_fd(int in, int out, bool reflink, uint64_t *bytes)
{
	char	*buf;
	ssize_t	 n, w, off;

	*bytes = 0;
	if (reflink && ioctl(out, FICLONE, in) == 0) {
		struct stat	st;

		if (fstat(out, &st) == 0)
			*bytes = (uint64_t)st.st_size;
		return (0);
	}
	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, RESTORE_BUFSZ * 64, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			break;		/* not supported here: copy by hand */
		if (n == 0)
			return (0);
		*bytes += (uint64_t)n;
	}
	if (*bytes != 0)
		return (-1);
	buf = xmalloc(RESTORE_BUFSZ);
	for (;;) {
		n = read(in, buf, RESTORE_BUFSZ);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (off = 0; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1) {
				free(buf);
				return (-1);
			}
		}
		*bytes += (uint64_t)n;
	}
	free(buf);
	return (n == -1 ? -1 : 0);
}

/*
 * Copy src to dst atomically: a temporary file beside dst with mode, the
 * bytes (a reflink when the file system can), fsync, rename, fsync of the
 * folder. The bytes copied go to *bytes (may be NULL). Returns the failure
 * class (taken at the failing call, before the clean-up), with *cause.
 */
enum fail_class
restore_copy_file(const char *src, const char *dst, mode_t mode, bool reflink,
    uint64_t *bytes, char **cause)
{
	char		*tmp;
	uint64_t	 n = 0;
	int		 in, out;
	enum fail_class	 fc;

	/* a regular file only: a FIFO in its place would block the copy for ever */
	if ((in = fs_open_regular_why(src, 0, cause)) == -1)
		return (fail_errno(errno));
	tmp = xasprintf("%s.tmp.XXXXXX", dst);
	if ((out = mkostemp(tmp, O_CLOEXEC)) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", dst, strerror(errno));
		goto fail;
	}
	if (fchmod(out, mode) == -1 || restore_copy_fd(in, out, reflink, &n) == -1 ||
	    fsync(out) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(out) == -1) {
		out = -1;
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto fail;
	}
	out = -1;
	if (rename(tmp, dst) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", dst, strerror(errno));
		goto fail;
	}
	close(in);
	free(tmp);
	if (bytes != NULL)
		*bytes = n;
	return (fs_fsync_parent(dst, cause) != 0 ? fail_errno(errno) : FAIL_NONE);
fail:
	if (out != -1)
		close(out);
	unlink(tmp);
	close(in);
	free(tmp);
	return (fc);
}

/*
 * The temporary files that a killed restore left beside the live database:
 * .BASE.TAG-* (TAG "restore" for restore_db's copies, "pitr" for a rebuild
 * from the stream; NULL: both) and the forensic copy's BASE.corrupted.*.tmp.*.
 * Fills *list / *n with their paths (str_list_free).
 */
void
restore_leftovers(const char *live, const char *tag, char ***list, size_t *n)
{
	struct dirent	*d;
	DIR		*dir;
	char		*parent = fs_dirname(live), *p1, *p2, *fz;
	const char	*base = strrchr(live, '/') != NULL ? strrchr(live, '/') + 1 : live;

	*list = NULL;
	*n = 0;
	p1 = xasprintf(".%s.%s-", base, tag != NULL ? tag : "restore");
	p2 = xasprintf(".%s.%s-", base, tag != NULL ? tag : "pitr");
	fz = xasprintf("%s.corrupted.", base);
	if ((dir = opendir(parent)) != NULL) {
		while ((d = readdir(dir)) != NULL) {
			if (!str_has_prefix(d->d_name, p1) && !str_has_prefix(d->d_name, p2) &&
			    !(str_has_prefix(d->d_name, fz) &&
			    strstr(d->d_name, ".tmp.") != NULL))
				continue;
			*list = xreallocarray(*list, *n + 1, sizeof **list);
			(*list)[(*n)++] = str_join_path(parent, d->d_name);
		}
		closedir(dir);
	}
	free(p1);
	free(p2);
	free(fz);
	free(parent);
}

/* Remove the temporary files that a killed restore left beside the live database (restore_leftovers). */
void
restore_sweep(const char *live, const char *tag)
{
	char	**list;
	size_t	  n, i;

	restore_leftovers(live, tag, &list, &n);
	for (i = 0; i < n; i++) {
		log_info(_("removing %s, left by an interrupted restore"), list[i]);
		unlink(list[i]);
	}
	str_list_free(list, n);
}

/*
 * Keep the live file path under forensic: a hard link when link is true and
 * the file system allows it (the old file is never written again, the new
 * one is renamed over the live name), else a whole copy. Returns the failure
 * class, with *cause.
 */
static enum fail_class
restore_keep(const char *path, const char *forensic, bool link_ok, bool *linked,
    char **cause)
{
	*linked = false;
	if (link_ok) {
		if (link(path, forensic) == 0) {
			*linked = true;
			return (fs_fsync_parent(forensic, cause) != 0 ? fail_errno(errno) :
			    FAIL_NONE);
		}
		if (errno == EEXIST) {
			*cause = xasprintf("%s: %s", forensic, strerror(errno));
			return (FAIL_CANTCREAT);
		}
	}
	return (restore_copy_file(path, forensic, 0600, true, NULL, cause));
}

/*
 * Replace the live database with backup: first keep the live file and its
 * -wal, -shm and -journal as LIVE.corrupted.STAMP (hard links when link_ok),
 * then copy the backup to a temporary file in the same folder (owner of the
 * live file, mode 0600, fsync), remove the stale -wal/-shm/-journal and
 * rename it over the live name, then fsync the folder. A crash at any point
 * leaves the old or the new database under the live name. Fills r (free
 * with restore_db_result_clear). Returns FAIL_NONE, or the class of the
 * failure with *cause: FAIL_DATA when the copy is not the file expected.
 */
enum fail_class
restore_db(const char *backup, const char *live, const char *stamp, bool link_ok,
    const char *expect, struct restore_db_result *r, char **cause)
{
	return (restore_db_install(backup, live, stamp, link_ok, false, expect, NULL, r,
	    cause));
}

/*
 * As restore_db, for a backup that verified as the file verified describes
 * (restore_pick's db_st): when the copy's source is still that file before
 * and after the copy, the copy is not hashed again; its SHA-256 for the
 * record is expect, the manifest's, which the file matched.
 */
enum fail_class
restore_db_verified(const char *backup, const char *live, const char *stamp, bool link_ok,
    const char *expect, const struct stat *verified, struct restore_db_result *r,
    char **cause)
{
	return (restore_db_install(backup, live, stamp, link_ok, false, expect, verified, r,
	    cause));
}

/*
 * As restore_db, but staged is already a complete, durable file in the live
 * database's folder (a rebuild from the stream): it is given mode 0600 and
 * the live file's owner and renamed over the live name, not copied again.
 * staged is gone on success.
 */
enum fail_class
restore_db_move(const char *staged, const char *live, const char *stamp, bool link_ok,
    struct restore_db_result *r, char **cause)
{
	return (restore_db_install(staged, live, stamp, link_ok, true, NULL, NULL, r, cause));
}

/*
 * As restore_db_move, for a staged file whose SHA-256 (hex) is known: the
 * database of a set written there as it was fetched, whose copy in the set
 * verified. Not hashed again; expect is its hash for the record.
 */
enum fail_class
restore_db_move_known(const char *staged, const char *live, const char *stamp, bool link_ok,
    const char *expect, struct restore_db_result *r, char **cause)
{
	return (restore_db_install(staged, live, stamp, link_ok, true, expect, NULL, r, cause));
}

/*
 * restore_db and restore_db_move: forensic copy, then the new file copied (or
 * moved) in; with expect not NULL, the copy's SHA-256 must be it.
 */
static enum fail_class
restore_db_install(const char *backup, const char *live, const char *stamp, bool link_ok,
    bool move, const char *expect, const struct stat *verified, struct restore_db_result *r,
    char **cause)
{
	struct stat	 st, lst, ist;
	bool		 same = false;
	char		*path, *tmp = NULL, *kept;
	bool		 have_live, linked, deferred = false;
	size_t		 i;
	int		 in = -1, out = -1;
	enum fail_class	 fc = FAIL_NONE;

	memset(r, 0, sizeof *r);
	if (stat(backup, &st) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", backup, strerror(errno));
		return (fc);
	}
	if (lstat(live, &lst) == 0) {
		if (!S_ISREG(lst.st_mode)) {
			*cause = xasprintf(_("%s: not a regular file"), live);
			return (FAIL_IO);
		}
		have_live = true;
	} else if (errno == ENOENT)
		have_live = false;
	else {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", live, strerror(errno));
		return (fc);
	}

	restore_sweep(live, "restore");

	/* 1. The forensic copy, whole, before anything live changes. */
	path = xasprintf("%s.corrupted.%s", live, stamp);
	for (i = 2; access(path, F_OK) == 0 && i < 100; i++) {
		free(path);
		path = xasprintf("%s.corrupted.%s.%zu", live, stamp, i);
	}
	kept = path;
	for (i = 0; i < nitems(restore_db_suffixes); i++) {
		path = xasprintf("%s%s", live, restore_db_suffixes[i]);
		if (access(path, F_OK) != 0) {
			free(path);
			continue;
		}
		r->forensic[i] = xasprintf("%s%s", kept, restore_db_suffixes[i]);
		if ((fc = restore_keep(path, r->forensic[i], link_ok, &linked, cause)) !=
		    FAIL_NONE) {
			free(path);
			free(kept);
			return (fc);
		}
		if (i == 0)
			r->linked = linked;
		log_info(_("kept %s as %s%s"), path, r->forensic[i],
		    linked ? _(" (hard link)") : "");
		free(path);
		extract_checkpoint("db-forensic");
	}
	free(kept);

	/* 2. The new file, complete and durable under a temporary name. */
	if (move) {
		if (chmod(backup, 0600) == -1 || (have_live && (lst.st_uid != geteuid() ||
		    lst.st_gid != getegid()) && chown(backup, lst.st_uid, lst.st_gid) == -1)) {
			fc = fail_errno(errno);
			*cause = xasprintf(_("%s: cannot give it mode 0600 and the owner of "
			    "%s: %s"), backup, live, strerror(errno));
			return (fc);
		}
		r->bytes = (uint64_t)st.st_size;
		tmp = xstrdup(backup);
		same = expect != NULL;
		goto staged;
	}
	if ((in = fs_open_regular_why(backup, 0, cause)) == -1)
		goto fail;
	path = fs_dirname(live);
	if (!have_live && fs_mkdir_p(path, 0755, cause) != 0) {
		free(path);
		goto fail;
	}
	tmp = xasprintf("%s/.%s.restore-XXXXXX", path, strrchr(live, '/') != NULL ?
	    strrchr(live, '/') + 1 : live);
	free(path);
	if ((out = mkostemp(tmp, O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto fail;
	}
	log_info(_("copying %s"), backup);
	same = expect != NULL && verified != NULL && fstat(in, &ist) == 0 &&
	    restore_same_file(verified, &ist);
	if (fchmod(out, 0600) == -1 || restore_copy_fd(in, out, false, &r->bytes) == -1) {
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (have_live && (lst.st_uid != geteuid() || lst.st_gid != getegid()) &&
	    fchown(out, lst.st_uid, lst.st_gid) == -1) {
		*cause = xasprintf(_("%s: cannot give it the owner of %s: %s"), tmp,
		    live, strerror(errno));
		goto fail;
	}
	if (fsync(out) == -1) {
		*cause = xasprintf("%s: fsync: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(out) == -1) {
		out = -1;
		*cause = xasprintf("%s: %s", tmp, strerror(errno));
		goto fail;
	}
	out = -1;
	/* Still the file that verified, through the copy: its bytes are those. */
	same = same && fstat(in, &ist) == 0 && restore_same_file(verified, &ist) &&
	    r->bytes == (uint64_t)ist.st_size;
	close(in);
	in = -1;
staged:
	/* Its hash for the record, while a cancel can still stop us: nothing live has changed. */
	if (same && move) {
		log_info(_("%s: written as the set was fetched, whose copy verified: its "
		    "SHA-256 is the manifest's, not computed again"), backup);
		xsnprintf(r->sha256, sizeof r->sha256, "%s", expect);
	} else if (same) {
		log_info(_("%s: verified and unchanged since (inode, size, change time): the "
		    "copy's SHA-256 is the manifest's, not computed again"), backup);
		xsnprintf(r->sha256, sizeof r->sha256, "%s", expect);
	} else if (hashio_file(tmp, r->sha256, NULL, cause) != 0)
		goto fail;
	extract_checkpoint("db-staged");
	/* What was copied is the file that verified, not one swapped in since (one hash for both). */
	if (expect != NULL) {
		if (strcmp(r->sha256, expect) != 0) {
			*cause = xasprintf(_("%s: changed since the set was verified (its "
			    "SHA-256 is not the manifest's); nothing restored"), backup);
			fc = FAIL_DATA;
			goto fail;
		}
	}

	/*
	 * From here until the caller has recorded what is live, SIGTERM, SIGHUP
	 * and SIGINT wait (restore.h): a hangup cannot leave the live file
	 * replaced and the record silent about it.
	 */
	proc_defer_signals();
	deferred = true;

	/* 3. Stale -wal/-shm/-journal would be replayed into the new file. */
	for (i = 1; i < nitems(restore_db_suffixes); i++) {
		path = xasprintf("%s%s", live, restore_db_suffixes[i]);
		if (unlink(path) == -1 && errno != ENOENT) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			free(path);
			goto fail;
		}
		free(path);
	}
	extract_checkpoint("db-stale-removed");

	/* 4. One rename puts it in place. */
	if (rename(tmp, live) == -1) {
		*cause = xasprintf("%s: %s", live, strerror(errno));
		goto fail;
	}
	free(tmp);
	tmp = NULL;
	if (fs_fsync_parent(live, cause) != 0) {
		/* installed, only the folder's fsync failed: still the caller's to record */
		r->installed = true;
		return (fail_errno(errno));
	}
	r->installed = true;
	extract_checkpoint("db-installed");
	return (FAIL_NONE);
fail:
	/* the class of the call that failed, before the cleanup below can change errno */
	if (fc == FAIL_NONE)
		fc = fail_errno(errno);
	if (deferred)
		proc_undefer_signals();
	if (out != -1)
		close(out);
	if (in != -1)
		close(in);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	return (fc);
}

/* Free what restore_db put in r. */
void
restore_db_result_clear(struct restore_db_result *r)
{
	size_t	i;

	for (i = 0; i < nitems(r->forensic); i++)
		free(r->forensic[i]);
	memset(r, 0, sizeof *r);
}
