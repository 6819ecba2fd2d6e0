/*
 * extract-check.c: read a tar archive and check it whole before anything is
 * written: entry names under the target's prefix, no "..", no entry through a
 * symbolic link, limits on entries and bytes; from memory or from a stream.
 */
#include "system.h"


#include <archive_entry.h>

#include "engine/recover/extract-int.h"
#include "engine/set/archive.h"

/* Archives larger than this many entries are refused (a config tree is small). */
#define EXTRACT_MAX_ENTRIES 200000

/* Nor more data than this in all (a sparse 10 GiB member is no configuration). */
#define EXTRACT_MAX_BYTES (1024ULL * 1024 * 1024)

/*
 * The name of an entry relative to prefix, normalised ("" for the prefix
 * itself), into *rel (caller frees). Refuses absolute names, ".." and names
 * outside the prefix. Returns -1 with *cause.
 */
int
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
struct archive *
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
