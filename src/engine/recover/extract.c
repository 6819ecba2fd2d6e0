/* extract.c: check a tar archive whole, then swap it in for a live folder atomically. */
#include "system.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/crypto.h>

#include "engine/recover/extract.h"
#include "engine/set/archive.h"
#include "engine/set/crypt.h"
#include "engine/set/hashio.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Archives larger than this many entries are refused (a config tree is small). */
#define EXTRACT_MAX_ENTRIES 200000
/* Nor more data than this in all (a sparse 10 GiB member is no configuration). */
#define EXTRACT_MAX_BYTES (1024ULL * 1024 * 1024)

/* A growable list of strings. */
struct strlist {
	char	**v;
	size_t	  n;
	size_t	  size;
};

/* Append a copy of s to the list. */
static void
strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->size) {
		l->size = l->size == 0 ? 32 : l->size * 2;
		l->v = xreallocarray(l->v, l->size, sizeof *l->v);
	}
	l->v[l->n++] = xstrdup(s);
}

/* Whether s is in the list. */
static bool
strlist_has(const struct strlist *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return (true);
	return (false);
}

/* Free the strings and the list. */
static void
strlist_clear(struct strlist *l)
{
	str_list_free(l->v, l->n);
	memset(l, 0, sizeof *l);
}

/* Order strings for qsort. */
static int
strlist_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Test hook: when $PDR_TEST_CRASH_AT names this step, die at once by SIGKILL,
 * as a power cut or kill -9 would, so that tests can check every state a
 * crash can leave behind; when $PDR_TEST_HUP_AT names it, send ourselves
 * SIGHUP, as a dropped terminal would (held back where signals are deferred).
 */
void
extract_checkpoint(const char *step)
{
	const char	*v = getenv("PDR_TEST_CRASH_AT");

	log_debug("checkpoint %s", step);
	if (v != NULL && strcmp(v, step) == 0)
		raise(SIGKILL);
	v = getenv("PDR_TEST_HUP_AT");
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
 * The name of an entry relative to prefix, normalised ("" for the prefix
 * itself), into *rel (caller frees). Refuses absolute names, ".." and names
 * outside the prefix. Returns -1 with *cause.
 */
static int
extract_relname(const char *name, const char *prefix, char **rel, char **cause)
{
	struct buf	 b;
	const char	*p, *c;
	size_t		 len, plen = strlen(prefix);

	if (name == NULL || *name == '\0') {
		*cause = xstrdup(_("an entry without a name"));
		return (-1);
	}
	if (*name == '/') {
		*cause = xasprintf(_("absolute name \"%s\""), name);
		return (-1);
	}
	buf_init(&b);
	for (p = name; (c = archive_component(&p, &len)) != NULL;) {
		if (archive_is_up(c, len)) {
			*cause = xasprintf(_("name with \"..\": \"%s\""), name);
			buf_clear(&b);
			return (-1);
		}
		if (b.len > 0)
			buf_addc(&b, '/');
		buf_add(&b, c, len);
	}
	if (b.len == plen && memcmp(b.data, prefix, plen) == 0) {
		buf_clear(&b);
		*rel = xstrdup("");
		return (0);
	}
	if (b.len > plen && memcmp(b.data, prefix, plen) == 0 &&
	    (plen == 0 || b.data[plen] == '/')) {
		*rel = xstrdup(b.data + plen + (plen == 0 ? 0 : 1));
		buf_clear(&b);
		return (0);
	}
	*cause = xasprintf(_("\"%s\" lies outside %s/"), name, prefix);
	buf_clear(&b);
	return (-1);
}

/* Whether a proper leading part of rel (a parent folder) is in links. */
static bool
extract_through_link(const struct strlist *links, const char *rel)
{
	char	*copy, *slash;
	bool	 found = false;

	if (links->n == 0)
		return (false);
	copy = xstrdup(rel);
	while (!found && (slash = strrchr(copy, '/')) != NULL) {
		*slash = '\0';
		found = strlist_has(links, copy);
	}
	free(copy);
	return (found);
}

static int	extract_check_archive(struct archive *, const struct extract_opts *, size_t *,
		    char **);

/* A reader over the archive bytes: gzip or plain tar only. Returns NULL with *cause. */
static struct archive *
extract_reader(const void *data, size_t len, const char *name, char **cause)
{
	struct archive	*a;

	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		*cause = xasprintf("%s: %s", name, archive_error_string(a));
		archive_read_free(a);
		return (NULL);
	}
	return (a);
}

/*
 * The archive's top folder as its entries name it ("etc/patronus" for an
 * archive made with tar -C / of /etc/patronus): its first entry, which must
 * be a folder, normalised. A tree restored elsewhere is mapped from it onto
 * the target; extract_check still refuses every entry outside it. Caller
 * frees *root. Returns -1 with *cause.
 */
int
extract_root(const void *data, size_t len, const char *name, char **root, char **cause)
{
	struct archive		*a;
	struct archive_entry	*e;
	char			*why = NULL;
	int			 r, rc = -1;

	*root = NULL;
	if ((a = extract_reader(data, len, name, cause)) == NULL)
		return (-1);
	r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_EOF)
		*cause = xasprintf(_("%s: an empty archive"), name);
	else if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		*cause = xasprintf("%s: %s", name, archive_error_string(a));
	else if (extract_relname(archive_entry_pathname(e), "", root, &why) != 0) {
		*cause = xasprintf(_("%s: refused: %s"), name, why);
		free(why);
	} else if (archive_entry_filetype(e) != AE_IFDIR) {
		*cause = xasprintf(_("%s: its first entry \"%s\" is not a folder: the tree "
		    "it holds cannot be told"), name, *root);
		free(*root);
		*root = NULL;
	} else
		rc = 0;
	archive_read_free(a);
	return (rc);
}

/*
 * Read the whole archive and check every entry: names under the prefix, no
 * "..", no absolute names, only files, folders and links, links that stay
 * inside, hard links to files of the archive, nothing written through a link,
 * no name twice, at most EXTRACT_MAX_BYTES of data. `verify` and `backup` run
 * it too (extract_check_stream), so that a set that verifies restores. The
 * number of entries goes to *entries (may be NULL). Returns 0; -1 with *cause
 * when the archive cannot be read; -2 with *cause when it reads but an entry
 * is refused.
 */
int
extract_check(const void *data, size_t len, const struct extract_opts *o,
    size_t *entries, char **cause)
{
	struct archive	*a;

	if ((a = extract_reader(data, len, o->name, cause)) == NULL)
		return (-1);
	return (extract_check_archive(a, o, entries, cause));
}

/* State of an archive checked as it is read from a source. */
struct extract_stream {
	hashio_source_fn	 src;
	void			*arg;
	char			*buf;
	uint64_t		 total;		/* bytes read from the source */
	const char		*name;		/* the archive, for messages */
	char			*cause;		/* the source's, owned */
	bool			 failed;	/* the source failed (or was too large) */
};

/* libarchive's read callback over a source, bounded as restore's extract_load is. */
static la_ssize_t
extract_stream_read(struct archive *a, void *client, const void **out)
{
	struct extract_stream	*s = client;
	ssize_t			 n;

	*out = s->buf;
	if ((n = s->src(s->arg, s->buf, 65536, &s->cause)) == -1) {
		s->failed = true;
		archive_set_error(a, EIO, "%s", s->cause);
		return (-1);
	}
	if ((s->total += (uint64_t)n) > EXTRACT_MAX_ARCHIVE) {
		s->failed = true;
		s->cause = xasprintf(_("%s: larger than %lu bytes"), s->name,
		    (unsigned long)EXTRACT_MAX_ARCHIVE);
		archive_set_error(a, EFBIG, "%s", s->cause);
		return (-1);
	}
	return ((la_ssize_t)n);
}

/*
 * extract_check over the bytes of src (a file or a decryptor), without
 * holding the archive in memory: the same checks, the same bound on its
 * size. Returns as extract_check, or -3 with *cause when the source failed.
 */
int
extract_check_stream(hashio_source_fn src, void *arg, const struct extract_opts *o,
    size_t *entries, char **cause)
{
	struct extract_stream	 s;
	struct archive		*a;
	int			 rc;

	memset(&s, 0, sizeof s);
	s.src = src;
	s.arg = arg;
	s.name = o->name;
	s.buf = xmalloc(65536);
	a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, &s, NULL, extract_stream_read, NULL) != ARCHIVE_OK) {
		rc = -1;
		*cause = xasprintf("%s: %s", o->name, archive_error_string(a));
		archive_read_free(a);
	} else
		rc = extract_check_archive(a, o, entries, cause);
	if (rc != 0 && s.failed) {
		/* The source's own cause names the file (and the decryption). */
		free(*cause);
		*cause = s.cause;
		s.cause = NULL;
		rc = -3;
	}
	free(s.cause);
	free(s.buf);
	return (rc);
}

/* extract_check's checks over an opened reader, which it frees. */
static int
extract_check_archive(struct archive *a, const struct extract_opts *o, size_t *entries,
    char **cause)
{
	struct archive_entry	*e;
	struct strlist		 names = { 0 }, files = { 0 }, links = { 0 };
	const char		*name, *hl, *sl, *buf, *prefix = o->prefix;
	char			*rel = NULL, *hrel = NULL, *why = NULL, *root = NULL;
	size_t			 n = 0, i, size;
	uint64_t		 bytes = 0;
	la_int64_t		 off;
	mode_t			 type;
	int			 r, rc = -1;

	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			*cause = xasprintf("%s: %s", o->name, archive_error_string(a));
			goto out;
		}
		if (++n > EXTRACT_MAX_ENTRIES) {
			*cause = xasprintf(_("%s: more than %d entries"), o->name,
			    EXTRACT_MAX_ENTRIES);
			goto out;
		}
		name = archive_entry_pathname(e);
		/*
		 * No prefix: the archive's own top folder, its first entry, as
		 * restore maps it onto the target (extract_root).
		 */
		if (prefix == NULL) {
			if (extract_relname(name, "", &root, &why) != 0)
				goto refuse;
			if (archive_entry_filetype(e) != AE_IFDIR) {
				why = xasprintf(_("its first entry \"%s\" is not a folder: the "
				    "tree it holds cannot be told"), name);
				goto refuse;
			}
			prefix = root;
		}
		if (extract_relname(name, prefix, &rel, &why) != 0)
			goto refuse;
		if (archive_entry_size(e) < 0 || (bytes += (uint64_t)archive_entry_size(e)) >
		    EXTRACT_MAX_BYTES) {
			why = xasprintf(_("more than %llu bytes in all (\"%s\" holds %jd): "
			    "no configuration is that large"),
			    (unsigned long long)EXTRACT_MAX_BYTES, name,
			    (intmax_t)archive_entry_size(e));
			goto refuse;
		}
		type = archive_entry_filetype(e);
		hl = archive_entry_hardlink(e);
		if (hl != NULL) {
			if (extract_relname(hl, prefix, &hrel, &why) != 0) {
				free(why);
				why = xasprintf(_("hard link \"%s\" to \"%s\" outside "
				    "the tree"), name, hl);
				goto refuse;
			}
			if (!strlist_has(&files, hrel) ||
			    extract_through_link(&links, hrel)) {
				why = xasprintf(_("hard link \"%s\" to \"%s\", not a "
				    "file of the archive"), name, hl);
				goto refuse;
			}
			free(hrel);
			hrel = NULL;
		} else if (type == AE_IFLNK) {
			sl = archive_entry_symlink(e);
			if (*rel == '\0' || sl == NULL ||
			    !archive_link_inside(rel, sl)) {
				why = xasprintf(_("symbolic link \"%s\" -> \"%s\" leaves "
				    "the tree"), name, sl != NULL ? sl : "");
				goto refuse;
			}
		} else if (type != AE_IFREG && type != AE_IFDIR) {
			why = xasprintf(_("\"%s\" is a device, FIFO or socket"), name);
			goto refuse;
		}
		if (*rel == '\0' && type != AE_IFDIR) {
			why = xasprintf(_("\"%s\" is not a folder"), name);
			goto refuse;
		}
		if (type == AE_IFLNK && hl == NULL) {
			if (strlist_has(&names, rel)) {
				why = xasprintf(_("\"%s\" appears twice, once as a "
				    "link"), name);
				goto refuse;
			}
			strlist_add(&links, rel);
		} else if (strlist_has(&links, rel)) {
			why = xasprintf(_("\"%s\" would be written through a "
			    "symbolic link"), name);
			goto refuse;
		}
		if (type == AE_IFREG && hl == NULL)
			strlist_add(&files, rel);
		strlist_add(&names, rel);
		free(rel);
		rel = NULL;
		/* Read the data too, so that a truncated archive fails here. */
		while ((r = archive_read_data_block(a, (const void **)&buf, &size,
		    &off)) == ARCHIVE_OK)
			;
		if (r != ARCHIVE_EOF) {
			*cause = xasprintf("%s: %s", o->name, archive_error_string(a));
			goto out;
		}
	}
	/* A link may come after the entries that go through it. */
	for (i = 0; i < names.n; i++) {
		if (extract_through_link(&links, names.v[i])) {
			why = xasprintf(_("\"%s\" would be written through a "
			    "symbolic link"), names.v[i]);
			goto refuse;
		}
	}
	/* A name twice: the last one would win, unseen by whoever checked the first. */
	if (names.n > 1)
		qsort(names.v, names.n, sizeof *names.v, strlist_cmp);
	for (i = 1; i < names.n; i++) {
		if (strcmp(names.v[i - 1], names.v[i]) == 0) {
			why = xasprintf(_("\"%s\" appears twice"), names.v[i]);
			goto refuse;
		}
	}
	if (n == 0) {
		*cause = xasprintf(_("%s: no entries"), o->name);
		goto out;
	}
	if (entries != NULL)
		*entries = n;
	rc = 0;
	goto out;
refuse:
	*cause = xasprintf(_("%s: refused: %s"), o->name, why);
	rc = -2;
out:
	free(why);
	free(rel);
	free(hrel);
	free(root);
	strlist_clear(&names);
	strlist_clear(&files);
	strlist_clear(&links);
	archive_read_free(a);
	return (rc);
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

/* List every path under root (relative, sorted) into l; fsync each when sync. */
static int
extract_walk(const char *root, const char *rel, struct strlist *l, bool sync,
    char **cause)
{
	struct dirent	*d;
	DIR		*dir;
	char		*path, *sub;
	struct stat	 st;
	int		 fd, rc = 0;

	path = *rel == '\0' ? xstrdup(root) : str_join_path(root, rel);
	if ((dir = opendir(path)) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	while (rc == 0 && (d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		sub = *rel == '\0' ? xstrdup(d->d_name) : str_join_path(rel, d->d_name);
		strlist_add(l, sub);
		free(path);
		path = str_join_path(root, sub);
		if (lstat(path, &st) == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			rc = extract_walk(root, sub, l, sync, cause);
		} else if (sync && S_ISREG(st.st_mode)) {
			if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
			    fsync(fd) == -1) {
				*cause = xasprintf("%s: fsync: %s", path, strerror(errno));
				rc = -1;
			}
			if (fd != -1)
				close(fd);
		}
		free(sub);
	}
	closedir(dir);
	free(path);
	if (rc == 0 && sync) {
		path = *rel == '\0' ? xstrdup(root) : str_join_path(root, rel);
		rc = fs_fsync_dir(path, cause);
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

/* Compare the old tree (may be absent) with the new one into r. */
static int
extract_diff(const char *old, const char *new, bool old_exists,
    struct extract_result *r, char **cause)
{
	struct strlist	 lo = { 0 }, ln = { 0 };
	size_t		 i = 0, j = 0;
	int		 c, rc = -1;

	if (old_exists && extract_walk(old, "", &lo, false, cause) != 0)
		goto out;
	if (extract_walk(new, "", &ln, false, cause) != 0)
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
	rc = 0;
out:
	strlist_clear(&lo);
	strlist_clear(&ln);
	return (rc);
}

/* Copy the data of the current entry from the reader to the writer. */
static int
extract_copy_data(struct archive *a, struct archive *w, const char *name, char **cause)
{
	const void	*buf;
	size_t		 size;
	la_int64_t	 off;
	int		 r;

	while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
		if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK) {
			*cause = xasprintf("%s: %s", name, archive_error_string(w));
			return (-1);
		}
	}
	if (r != ARCHIVE_EOF) {
		*cause = xasprintf("%s: %s", name, archive_error_string(a));
		return (-1);
	}
	return (0);
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
 */
static int
extract_into_cwd(const void *data, size_t len, const struct extract_opts *o,
    const struct stat *owner, mode_t *topmode, char **cause)
{
	struct archive		*a, *w;
	struct archive_entry	*e;
	const char		*base;
	char			*rel = NULL, *hrel = NULL, *why = NULL;
	int			 flags, r, rc = -1;

	flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
	    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	if (geteuid() == 0)
		flags |= ARCHIVE_EXTRACT_OWNER;
	if ((a = extract_reader(data, len, o->name, cause)) == NULL)
		return (-1);
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
			*cause = xasprintf("%s: %s: %s", o->name, rel,
			    archive_error_string(w));
			goto out;
		}
		if (archive_entry_size(e) > 0 &&
		    extract_copy_data(a, w, o->name, cause) != 0)
			goto out;
		if (archive_write_finish_entry(w) != ARCHIVE_OK) {
			*cause = xasprintf("%s: %s: %s", o->name, rel,
			    archive_error_string(w));
			goto out;
		}
		extract_checkpoint("extract-entry");
		free(rel);
		rel = NULL;
	}
	if (archive_write_close(w) != ARCHIVE_OK) {
		*cause = xasprintf("%s: %s", o->name, archive_error_string(w));
		goto out;
	}
	rc = 0;
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
 * not bring it (backups leave the encryption key out). Returns -1 with *cause.
 */
static int
extract_carry(const struct extract_opts *o, const char *staging, char **cause)
{
	struct stat	 st;
	size_t		 tlen = strlen(o->target), len;
	char		*dst, *dir, *data;
	int		 rc;

	if (o->carry == NULL || strncmp(o->carry, o->target, tlen) != 0 ||
	    o->carry[tlen] != '/' || lstat(o->carry, &st) == -1 || !S_ISREG(st.st_mode))
		return (0);
	dst = str_join_path(staging, o->carry + tlen + 1);
	if (lstat(dst, &st) == 0 || errno != ENOENT) {
		free(dst);
		return (0);
	}
	lstat(o->carry, &st);
	dir = fs_dirname(dst);
	rc = fs_mkdir_p(dir, 0700, cause);
	free(dir);
	if (rc == 0 && (rc = fs_read_file(o->carry, 1024 * 1024, &data, &len, cause)) == 0) {
		rc = fs_write_atomic(dst, data, len, st.st_mode & 07777, cause);
		if (rc == 0 && geteuid() == 0 && chown(dst, st.st_uid, st.st_gid) == -1) {
			*cause = xasprintf("%s: %s", dst, strerror(errno));
			rc = -1;
		}
		memset(data, 0, len);
		free(data);
		if (rc == 0)
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
 * changes nothing. Fills *r (free with extract_result_clear). Returns -1 with
 * *cause.
 */
int
extract_tree(const void *data, size_t len, const struct extract_opts *o,
    struct extract_result *r, char **cause)
{
	struct stat	 st, owner;
	char		*parent = NULL, *base, *staging = NULL, *tmpl;
	mode_t		 topmode = (mode_t)-1;
	bool		 exists;
	int		 cwd = -1, rc = -1;

	memset(r, 0, sizeof *r);
	if (extract_check(data, len, o, &r->entries, cause) != 0)
		return (-1);
	log_info(_("%s: %zu entries checked, all under %s"), o->name, r->entries,
	    o->target);
	extract_checkpoint("extract-checked");

	if (lstat(o->target, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			*cause = xasprintf(_("%s: not a folder"), o->target);
			return (-1);
		}
		exists = true;
	} else if (errno == ENOENT)
		exists = false;
	else {
		*cause = xasprintf("%s: %s", o->target, strerror(errno));
		return (-1);
	}
	parent = fs_dirname(o->target);
	base = strrchr(o->target, '/');
	base = base != NULL ? base + 1 : (char *)o->target;
	if (fs_mkdir_p(parent, 0755, cause) != 0)
		goto out;
	extract_keep_stale(parent, base);
	tmpl = xasprintf("%s/.%s.restore-XXXXXX", parent, base);
	if ((staging = mkdtemp(tmpl)) == NULL) {
		*cause = xasprintf("%s: %s", tmpl, strerror(errno));
		free(tmpl);
		goto out;
	}
	if ((cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    chdir(staging) == -1) {
		*cause = xasprintf("%s: %s", staging, strerror(errno));
		goto fail;
	}
	/* The owner of what is restored: the live tree's, else its folder's. */
	if (!exists && stat(parent, &owner) == -1) {
		*cause = xasprintf("%s: %s", parent, strerror(errno));
		goto fail;
	}
	rc = extract_into_cwd(data, len, o, exists ? &st : &owner, &topmode, cause);
	if (fchdir(cwd) == -1 && rc == 0) {
		*cause = xasprintf(_("cannot return to the working folder: %s"),
		    strerror(errno));
		rc = -1;
	}
	if (rc != 0)
		goto fail;
	rc = -1;
	if (exists && extract_carry(o, staging, cause) != 0)
		goto fail;
	if (topmode == (mode_t)-1)
		topmode = exists ? (st.st_mode & 07777) : 0755;
	if (o->private_files)
		topmode &= 0700;
	if (chmod(staging, topmode) == -1) {
		*cause = xasprintf("%s: %s", staging, strerror(errno));
		goto fail;
	}
	if (exists && geteuid() == 0 && chown(staging, st.st_uid, st.st_gid) == -1) {
		*cause = xasprintf("%s: %s", staging, strerror(errno));
		goto fail;
	}
	{
		struct strlist	l = { 0 };
		int		s = extract_walk(staging, "", &l, true, cause);

		strlist_clear(&l);
		if (s != 0)
			goto fail;
	}
	if (extract_diff(o->target, staging, exists, r, cause) != 0)
		goto fail;
	if (fs_fsync_dir(parent, cause) != 0)
		goto fail;
	extract_checkpoint("extract-staged");

	if (!exists) {
		if (rename(staging, o->target) == -1) {
			*cause = xasprintf("%s: %s", o->target, strerror(errno));
			goto fail;
		}
	} else if (renameat2(AT_FDCWD, staging, AT_FDCWD, o->target,
	    RENAME_EXCHANGE) == -1) {
		*cause = xasprintf(_("%s: cannot swap in the restored tree: %s"),
		    o->target, strerror(errno));
		goto fail;
	}
	if (fs_fsync_dir(parent, cause) != 0)
		goto out;
	extract_checkpoint("extract-swapped");
	if (exists) {
		/* staging now holds the old tree. */
		if (o->kept != NULL) {
			if (rename(staging, o->kept) == -1) {
				*cause = xasprintf("%s: %s", o->kept, strerror(errno));
				goto out;
			}
			r->kept = true;
		} else if (fs_remove_tree(staging, cause) != 0)
			goto out;
		if (fs_fsync_dir(parent, cause) != 0)
			goto out;
	}
	rc = 0;
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
