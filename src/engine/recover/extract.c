/*
 * extract.c: check a tar archive whole (extract-check.c), then swap it in for
 * a live folder atomically: written beside it, compared, renamed into place.
 */
#include "system.h"

#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <archive_entry.h>
#include <openssl/crypto.h>

#include "engine/recover/extract-int.h"
#include "engine/set/crypt.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/testhook.h"

/*
 * Test hook: when $PDR_TEST_CRASH_AT names this step, die at once by SIGKILL,
 * as a power cut or kill -9 would, so that tests can check every state a
 * crash can leave behind; when $PDR_TEST_HUP_AT names it, send ourselves
 * SIGHUP, as a dropped terminal would (held back where signals are deferred).
 */
void
extract_checkpoint(const char *step)
{
	const char	*v = testhook_get(TESTHOOK_CRASH_AT);

	log_debug("checkpoint %s", step);
	if (v != NULL && strcmp(v, step) == 0)
		raise(SIGKILL);
	v = testhook_get(TESTHOOK_HUP_AT);
	if (v != NULL && strcmp(v, step) == 0)
		kill(getpid(), SIGHUP);
}

/* The archive prefix for a folder: its absolute path without the leading '/' (caller frees). */
char *
extract_prefix(const char *dir)
{
	char	*p;
	size_t	 len;

	while (*dir == '/')
		dir++;
	p = xstrdup(dir);
	len = strlen(p);
	while (len > 0 && p[len - 1] == '/')
		p[--len] = '\0';
	return (p);
}

/*
 * Read the archive at path whole into *data (*len bytes; the caller wipes and
 * frees), decrypting it with password when that is not NULL; at most
 * EXTRACT_MAX_ARCHIVE bytes. The SHA-256 of the file as it is on disk goes
 * into hex (HASHIO_HEXLEN bytes), or "" when the file could not be read to
 * its end. restore and verify both read archives with it. Returns -1 with
 * *cause (errno set when the file cannot be read).
 */
int
extract_load(const char *path, const char *password, char **data, size_t *len, char *hex,
    char **cause)
{
	struct hashio_in	 in;
	struct crypt_dec	*d = NULL;
	struct buf		 b;
	char			*chunk, *hcause = NULL;
	ssize_t			 n;
	int			 saved;

	*data = NULL;
	*len = 0;
	hex[0] = '\0';
	if (hashio_in_open(&in, path, cause) != 0)
		return (-1);
	if (password != NULL)
		d = crypt_dec_new(path, password, hashio_in_read, &in);
	chunk = xmalloc(65536);
	buf_init(&b);
	for (;;) {
		n = d != NULL ? crypt_dec_read(d, chunk, 65536, cause) :
		    hashio_in_read(&in, chunk, 65536, cause);
		if (n <= 0)
			break;
		buf_add(&b, chunk, (size_t)n);
		if (b.len > EXTRACT_MAX_ARCHIVE) {
			*cause = xasprintf(_("%s: larger than %lu bytes"), path,
			    (unsigned long)EXTRACT_MAX_ARCHIVE);
			n = -1;
			break;
		}
	}
	saved = errno;
	OPENSSL_cleanse(chunk, 65536);
	free(chunk);
	crypt_dec_free(d);
	/* The rest of the file, for its checksum even when what it holds is no good. */
	if (hashio_in_finish(&in, &hcause) == 0)
		memcpy(hex, in.hex, HASHIO_HEXLEN);
	free(hcause);
	hashio_in_close(&in);
	if (n < 0) {
		OPENSSL_cleanse(b.data, b.size);
		buf_clear(&b);
		errno = saved;
		return (-1);
	}
	*len = b.len;
	*data = buf_steal(&b);
	return (0);
}

/*
 * List every path under root (relative, sorted) into l; fsync each when sync.
 * Returns the failure class, with *cause.
 */
static enum fail_class
extract_walk(const char *root, const char *rel, struct strlist *l, bool sync,
    char **cause)
{
	struct dirent	*d;
	DIR		*dir;
	char		*path, *sub;
	struct stat	 st;
	int		 fd;
	enum fail_class	 rc = FAIL_NONE;

	path = *rel == '\0' ? xstrdup(root) : str_join_path(root, rel);
	if ((dir = opendir(path)) == NULL) {
		rc = fail_errno(errno);
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return (rc);
	}
	while (rc == FAIL_NONE && (d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		sub = *rel == '\0' ? xstrdup(d->d_name) : str_join_path(rel, d->d_name);
		strlist_add(l, sub);
		free(path);
		path = str_join_path(root, sub);
		if (lstat(path, &st) == -1) {
			rc = fail_errno(errno);
			*cause = xasprintf("%s: %s", path, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = extract_walk(root, sub, l, sync, cause);
		} else if (sync && S_ISREG(st.st_mode)) {
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
			    fsync(fd) == -1) {
				rc = fail_errno(errno);
				*cause = xasprintf("%s: fsync: %s", path, strerror(errno));
			}
			if (fd != -1)
				close(fd);
		}
		free(sub);
	}
	closedir(dir);
	free(path);
	if (rc == FAIL_NONE && sync) {
		path = *rel == '\0' ? xstrdup(root) : str_join_path(root, rel);
		if (fs_fsync_dir(path, cause) != 0)
			rc = fail_errno(errno);
		free(path);
	}
	return (rc);
}

/* Whether two files have the same bytes. */
static bool
extract_same_bytes(const char *a, const char *b)
{
	char	 ba[65536], bb[65536];
	FILE	*fa, *fb;
	size_t	 na, nb;
	bool	 same = true;

	if ((fa = fopen(a, "rb")) == NULL)
		return (false);
	if ((fb = fopen(b, "rb")) == NULL) {
		fclose(fa);
		return (false);
	}
	do {
		na = fread(ba, 1, sizeof ba, fa);
		nb = fread(bb, 1, sizeof bb, fb);
		if (na != nb || memcmp(ba, bb, na) != 0)
			same = false;
	} while (same && na > 0);
	fclose(fa);
	fclose(fb);
	return (same);
}

/* Whether the path rel is the same in both trees: type, mode, link target, bytes. */
static bool
extract_same(const char *old, const char *new, const char *rel)
{
	char		*po = str_join_path(old, rel), *pn = str_join_path(new, rel);
	char		 lo[4096], ln[4096];
	struct stat	 so, sn;
	ssize_t		 no, nn;
	bool		 same = false;

	if (lstat(po, &so) == -1 || lstat(pn, &sn) == -1)
		goto out;
	if ((so.st_mode & (S_IFMT | 07777)) != (sn.st_mode & (S_IFMT | 07777)))
		goto out;
	if (S_ISLNK(so.st_mode)) {
		no = readlink(po, lo, sizeof lo);
		nn = readlink(pn, ln, sizeof ln);
		same = no == nn && no >= 0 && memcmp(lo, ln, (size_t)no) == 0;
	} else if (S_ISREG(so.st_mode))
		same = so.st_size == sn.st_size && extract_same_bytes(po, pn);
	else
		same = true;
out:
	free(po);
	free(pn);
	return (same);
}

/* Add one difference to the result. */
static void
extract_add_diff(struct extract_result *r, enum extract_change kind, const char *path)
{
	r->diffs = xreallocarray(r->diffs, r->ndiffs + 1, sizeof *r->diffs);
	r->diffs[r->ndiffs].kind = kind;
	r->diffs[r->ndiffs].path = xstrdup(path);
	r->ndiffs++;
	if (kind == EXTRACT_ADDED)
		r->added++;
	else if (kind == EXTRACT_CHANGED)
		r->changed++;
	else
		r->removed++;
}

/*
 * Compare the old tree (may be absent) with the new one into r. Returns the
 * failure class, with *cause.
 */
static enum fail_class
extract_diff(const char *old, const char *new, bool old_exists,
    struct extract_result *r, char **cause)
{
	struct strlist	 lo = { 0 }, ln = { 0 };
	size_t		 i = 0, j = 0;
	int		 c;
	enum fail_class	 rc;

	if (old_exists && (rc = extract_walk(old, "", &lo, false, cause)) != FAIL_NONE)
		goto out;
	if ((rc = extract_walk(new, "", &ln, false, cause)) != FAIL_NONE)
		goto out;
	if (lo.n > 0)
		qsort(lo.v, lo.n, sizeof *lo.v, strlist_cmp);
	if (ln.n > 0)
		qsort(ln.v, ln.n, sizeof *ln.v, strlist_cmp);
	while (i < lo.n || j < ln.n) {
		if (i == lo.n)
			c = 1;
		else if (j == ln.n)
			c = -1;
		else
			c = strcmp(lo.v[i], ln.v[j]);
		if (c < 0)
			extract_add_diff(r, EXTRACT_REMOVED, lo.v[i++]);
		else if (c > 0)
			extract_add_diff(r, EXTRACT_ADDED, ln.v[j++]);
		else {
			if (!extract_same(old, new, lo.v[i]))
				extract_add_diff(r, EXTRACT_CHANGED, lo.v[i]);
			i++;
			j++;
		}
	}
out:
	strlist_clear(&lo);
	strlist_clear(&ln);
	return (rc);
}

/*
 * Copy the data of the current entry from the reader to the writer. Returns
 * the failure class: the writer's errno's, or FAIL_DATA for the archive.
 */
static enum fail_class
extract_copy_data(struct archive *a, struct archive *w, const char *name, char **cause)
{
	const void	*buf;
	size_t		 size;
	la_int64_t	 off;
	int		 r;

	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
		if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK) {
			*cause = xasprintf("%s: %s", name, archive_error_string(w));
			return (fail_errno(archive_errno(w)));
		}
	}
	if (r != ARCHIVE_EOF) {
		*cause = xasprintf("%s: %s", name, archive_error_string(a));
		return (FAIL_DATA);
	}
	return (FAIL_NONE);
}

/* Whether a file name says it holds a private key (*.key, *private*): mode 0600 at most. */
static bool
extract_private_name(const char *rel)
{
	const char	*base = strrchr(rel, '/');

	base = base != NULL ? base + 1 : rel;
	return (str_has_suffix(base, ".key") || strstr(base, "private") != NULL);
}

/*
 * Extract the (already checked) archive into the current directory. As root,
 * every entry gets owner (the live tree's), never the archive's; nothing is
 * world-writable, set-user-ID or set-group-ID; private keys get 0600.
 * Returns the failure class (a bad archive FAIL_DATA, a write the errno's
 * that libarchive kept), with *cause.
 */
static enum fail_class
extract_into_cwd(const void *data, size_t len, const struct extract_opts *o,
    const struct stat *owner, mode_t *topmode, char **cause)
{
	struct archive		*a, *w;
	struct archive_entry	*e;
	const char		*base;
	char			*rel = NULL, *hrel = NULL, *why = NULL;
	int			 flags, r;
	enum fail_class		 rc = FAIL_DATA;

	flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
	    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	if (geteuid() == 0)
		flags |= ARCHIVE_EXTRACT_OWNER;
	if ((a = extract_reader(data, len, o->name, cause)) == NULL)
		return (FAIL_DATA);
	w = archive_write_disk_new();
	archive_write_disk_set_options(w, flags);
	archive_write_disk_set_standard_lookup(w);
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			*cause = xasprintf("%s: %s", o->name, archive_error_string(a));
			goto out;
		}
		if (extract_relname(archive_entry_pathname(e), o->prefix, &rel,
		    &why) != 0) {
			*cause = xasprintf(_("%s: refused: %s"), o->name, why);
			goto out;
		}
		if (*rel == '\0') {
			*topmode = archive_entry_perm(e) & 01775;
			free(rel);
			rel = NULL;
			continue;
		}
		archive_entry_set_pathname(e, rel);
		if (archive_entry_hardlink(e) != NULL) {
			if (extract_relname(archive_entry_hardlink(e), o->prefix,
			    &hrel, &why) != 0) {
				*cause = xasprintf(_("%s: refused: %s"), o->name, why);
				goto out;
			}
			archive_entry_set_hardlink(e, hrel);
			free(hrel);
			hrel = NULL;
		}
		/* No set-user-ID, set-group-ID or world-writable file comes out of a backup. */
		archive_entry_set_perm(e, archive_entry_perm(e) & 01775);
		if (archive_entry_filetype(e) == AE_IFREG) {
			base = strrchr(rel, '/');
			base = base != NULL ? base + 1 : rel;
			if ((o->private_files && strstr(base, "public") == NULL) ||
			    extract_private_name(rel))
				archive_entry_set_perm(e, archive_entry_perm(e) & 0600);
		}
		/* Owned like the live tree, whoever owned the files in the archive. */
		archive_entry_set_uid(e, owner->st_uid);
		archive_entry_set_gid(e, owner->st_gid);
		archive_entry_set_uname(e, NULL);
		archive_entry_set_gname(e, NULL);
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			rc = fail_errno(archive_errno(w));
			*cause = xasprintf("%s: %s: %s", o->name, rel,
			    archive_error_string(w));
			goto out;
		}
		if (archive_entry_size(e) > 0 &&
		    (rc = extract_copy_data(a, w, o->name, cause)) != FAIL_NONE)
			goto out;
		rc = FAIL_DATA;
		if (archive_write_finish_entry(w) != ARCHIVE_OK) {
			rc = fail_errno(archive_errno(w));
			*cause = xasprintf("%s: %s: %s", o->name, rel,
			    archive_error_string(w));
			goto out;
		}
		extract_checkpoint("extract-entry");
		free(rel);
		rel = NULL;
	}
	if (archive_write_close(w) != ARCHIVE_OK) {
		rc = fail_errno(archive_errno(w));
		*cause = xasprintf("%s: %s", o->name, archive_error_string(w));
		goto out;
	}
	rc = FAIL_NONE;
out:
	free(rel);
	free(hrel);
	free(why);
	archive_write_free(w);
	archive_read_free(a);
	return (rc);
}

/*
 * Carry o->carry over from the old tree into staging when the archive did
 * not bring it (backups leave the encryption key out). Returns the failure
 * class, with *cause (the fs_* calls leave errno as the failing call set it).
 */
static enum fail_class
extract_carry(const struct extract_opts *o, const char *staging, char **cause)
{
	struct stat	 st;
	size_t		 tlen = strlen(o->target), len;
	char		*dst, *dir, *data;
	enum fail_class	 rc = FAIL_NONE;

	if (o->carry == NULL || strncmp(o->carry, o->target, tlen) != 0 ||
	    o->carry[tlen] != '/' || lstat(o->carry, &st) == -1 || !S_ISREG(st.st_mode))
		return (FAIL_NONE);
	dst = str_join_path(staging, o->carry + tlen + 1);
	if (lstat(dst, &st) == 0 || errno != ENOENT) {
		free(dst);
		return (FAIL_NONE);
	}
	lstat(o->carry, &st);
	dir = fs_dirname(dst);
	if (fs_mkdir_p(dir, 0700, cause) != 0)
		rc = fail_errno(errno);
	free(dir);
	if (rc == FAIL_NONE && fs_read_file(o->carry, 1024 * 1024, &data, &len, cause) != 0)
		rc = fail_errno(errno);
	else if (rc == FAIL_NONE) {
		if (fs_write_atomic(dst, data, len, st.st_mode & 07777, cause) != 0)
			rc = fail_errno(errno);
		else if (geteuid() == 0 && chown(dst, st.st_uid, st.st_gid) == -1) {
			rc = fail_errno(errno);
			*cause = xasprintf("%s: %s", dst, strerror(errno));
		}
		memset(data, 0, len);
		free(data);
		if (rc == FAIL_NONE)
			log_info(_("kept %s (backups leave it out)"), o->carry);
	}
	free(dst);
	return (rc);
}

/*
 * Keep the staging folders that a crashed restore left beside the target as
 * BASE.pre-restore-interrupted-XXXXXX: after a crash just after the swap one
 * holds the tree from before that restore (for keys, the only copy), before
 * it part of the new one; which, only a look tells. Each is named.
 */
static void
extract_keep_stale(const char *parent, const char *base)
{
	struct dirent	*d;
	DIR		*dir;
	char		*pfx, *path, *kept;

	if ((dir = opendir(parent)) == NULL)
		return;
	pfx = xasprintf(".%s.restore-", base);
	while ((d = readdir(dir)) != NULL) {
		if (!str_has_prefix(d->d_name, pfx))
			continue;
		path = str_join_path(parent, d->d_name);
		kept = xasprintf("%s/%s.pre-restore-interrupted-%s", parent, base,
		    d->d_name + strlen(pfx));
		if (rename(path, kept) == 0)
			log_warn(_("%s was left by an interrupted restore (it holds the tree "
			    "from before that restore, or part of the new one): kept as %s"),
			    path, kept);
		else
			log_warn(_("%s was left by an interrupted restore and stays: %s"), path,
			    strerror(errno));
		free(kept);
		free(path);
	}
	free(pfx);
	closedir(dir);
}

/*
 * Check the archive whole, extract it into a staging folder beside the
 * target, fsync it, then swap it in for the target in one rename (the old
 * tree goes to opts->kept, or is removed). A refused or broken archive
 * changes nothing. Fills *r (free with extract_result_clear). Returns the
 * failure class (FAIL_DATA for the archive; a folder that cannot be made or
 * written the class of its errno), with *cause.
 */
enum fail_class
extract_tree(const void *data, size_t len, const struct extract_opts *o,
    struct extract_result *r, char **cause)
{
	struct stat	 st, owner;
	char		*parent = NULL, *base, *staging = NULL, *tmpl;
	mode_t		 topmode = (mode_t)-1;
	bool		 exists;
	int		 cwd = -1;
	enum fail_class	 rc;

	memset(r, 0, sizeof *r);
	if (extract_check(data, len, o, &r->entries, cause) != 0)
		return (FAIL_DATA);
	log_info(_("%s: %zu entries checked, all under %s"), o->name, r->entries,
	    o->target);
	extract_checkpoint("extract-checked");

	if (lstat(o->target, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			*cause = xasprintf(_("%s: not a folder"), o->target);
			return (FAIL_CANTCREAT);
		}
		exists = true;
	} else if (errno == ENOENT)
		exists = false;
	else {
		rc = fail_errno(errno);
		*cause = xasprintf("%s: %s", o->target, strerror(errno));
		return (rc);
	}
	parent = fs_dirname(o->target);
	base = strrchr(o->target, '/');
	base = base != NULL ? base + 1 : (char *)o->target;
	if (fs_mkdir_p(parent, 0755, cause) != 0) {
		rc = fail_errno(errno);
		goto out;
	}
	extract_keep_stale(parent, base);
	tmpl = xasprintf("%s/.%s.restore-XXXXXX", parent, base);
	if ((staging = mkdtemp(tmpl)) == NULL) {
		rc = fail_errno(errno);
		*cause = xasprintf("%s: %s", tmpl, strerror(errno));
		free(tmpl);
		goto out;
	}
	if ((cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    chdir(staging) == -1) {
		rc = fail_errno(errno);
		*cause = xasprintf("%s: %s", staging, strerror(errno));
		goto fail;
	}
	/* The owner of what is restored: the live tree's, else its folder's. */
	if (!exists && stat(parent, &owner) == -1) {
		rc = fail_errno(errno);
		*cause = xasprintf("%s: %s", parent, strerror(errno));
		goto fail;
	}
	rc = extract_into_cwd(data, len, o, exists ? &st : &owner, &topmode, cause);
	if (fchdir(cwd) == -1 && rc == FAIL_NONE) {
		rc = fail_errno(errno);
		*cause = xasprintf(_("cannot return to the working folder: %s"),
		    strerror(errno));
	}
	if (rc != FAIL_NONE)
		goto fail;
	if (exists && (rc = extract_carry(o, staging, cause)) != FAIL_NONE)
		goto fail;
	if (topmode == (mode_t)-1)
		topmode = exists ? (st.st_mode & 07777) : 0755;
	if (o->private_files)
		topmode &= 0700;
	if (chmod(staging, topmode) == -1 ||
	    (exists && geteuid() == 0 && chown(staging, st.st_uid, st.st_gid) == -1)) {
		rc = fail_errno(errno);
		*cause = xasprintf("%s: %s", staging, strerror(errno));
		goto fail;
	}
	{
		struct strlist	l = { 0 };

		rc = extract_walk(staging, "", &l, true, cause);
		strlist_clear(&l);
		if (rc != FAIL_NONE)
			goto fail;
	}
	if ((rc = extract_diff(o->target, staging, exists, r, cause)) != FAIL_NONE)
		goto fail;
	if (fs_fsync_dir(parent, cause) != 0) {
		rc = fail_errno(errno);
		goto fail;
	}
	extract_checkpoint("extract-staged");

	if (!exists) {
		if (rename(staging, o->target) == -1) {
			rc = fail_errno(errno);
			*cause = xasprintf("%s: %s", o->target, strerror(errno));
			goto fail;
		}
	} else if (renameat2(AT_FDCWD, staging, AT_FDCWD, o->target,
	    RENAME_EXCHANGE) == -1) {
		rc = fail_errno(errno);
		*cause = xasprintf(_("%s: cannot swap in the restored tree: %s"),
		    o->target, strerror(errno));
		goto fail;
	}
	/* from here on the new tree is live: a failure after it must not say otherwise */
	r->installed = true;
	if (fs_fsync_dir(parent, cause) != 0) {
		rc = fail_errno(errno);
		goto out;
	}
	extract_checkpoint("extract-swapped");
	if (exists) {
		/* staging now holds the old tree. */
		if (o->kept != NULL) {
			if (rename(staging, o->kept) == -1) {
				rc = fail_errno(errno);
				*cause = xasprintf("%s: %s", o->kept, strerror(errno));
				goto out;
			}
			r->kept = true;
		} else if (fs_remove_tree(staging, cause) != 0) {
			rc = fail_errno(errno);
			goto out;
		}
		if (fs_fsync_dir(parent, cause) != 0) {
			rc = fail_errno(errno);
			goto out;
		}
	}
	rc = FAIL_NONE;
	goto out;
fail:
	{
		char	*c2 = NULL;

		if (staging != NULL && fs_remove_tree(staging, &c2) != 0) {
			log_warn("%s", c2);
			free(c2);
		}
	}
out:
	if (cwd != -1)
		close(cwd);
	free(staging);
	free(parent);
	return (rc);
}

/* Free what extract_tree put in r. */
void
extract_result_clear(struct extract_result *r)
{
	size_t	i;

	for (i = 0; i < r->ndiffs; i++)
		free(r->diffs[i].path);
	free(r->diffs);
	memset(r, 0, sizeof *r);
}
