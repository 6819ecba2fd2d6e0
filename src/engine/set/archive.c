/* archive.c: gzip tar archives of a folder, written and read with libarchive. */
#include "system.h"

#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "engine/set/archive.h"
#include "util/xmalloc.h"

#define ARCHIVE_BUFSZ (64 * 1024)

/* State of one archive being written. */
struct archive_pack {
	struct archive		*a;
	hashio_sink_fn		 sink;
	void			*arg;
	char			*cause;		/* from the sink, owned */
	bool			 have_excl;
	dev_t			 excl_dev;
	ino_t			 excl_ino;
	struct archive_stats	*stats;
	char			*buf;
	uid_t			 last_uid;
	gid_t			 last_gid;
	char			*last_uname;
	char			*last_gname;
};

/*
 * The member name GNU tar gives path: leading slashes and "./" removed,
 * folders with a trailing slash. The caller frees.
 */
char *
archive_member_name(const char *path, const char *suffix)
{
	while (*path == '/')
		path++;
	while (strncmp(path, "./", 2) == 0)
		path += 2;
	return (xasprintf("%s%s", path, suffix));
}

/* libarchive's write callback: pass the compressed bytes to the sink. */
static la_ssize_t
archive_pack_write(struct archive *a, void *client, const void *buf, size_t len)
{
	struct archive_pack	*p = client;

	if (p->sink(p->arg, buf, len, &p->cause) != 0) {
		archive_set_error(a, EIO, "%s", p->cause);
		return (-1);
	}
	return ((la_ssize_t)len);
}

/* Set user and group names on an entry as GNU tar does, caching the last lookup. */
static void
archive_pack_names(struct archive_pack *p, struct archive_entry *e, const struct stat *st)
{
	struct passwd	*pw;
	struct group	*gr;

	if (p->last_uname == NULL || p->last_uid != st->st_uid) {
		free(p->last_uname);
		pw = getpwuid(st->st_uid);
		p->last_uname = xstrdup(pw != NULL ? pw->pw_name : "");
		p->last_uid = st->st_uid;
	}
	if (p->last_gname == NULL || p->last_gid != st->st_gid) {
		free(p->last_gname);
		gr = getgrgid(st->st_gid);
		p->last_gname = xstrdup(gr != NULL ? gr->gr_name : "");
		p->last_gid = st->st_gid;
	}
	if (*p->last_uname != '\0')
		archive_entry_copy_uname(e, p->last_uname);
	if (*p->last_gname != '\0')
		archive_entry_copy_gname(e, p->last_gname);
}

/* The message for a failed libarchive call on path; the caller frees. */
static char *
archive_pack_error(struct archive_pack *p, const char *path)
{
	if (p->cause != NULL) {
		char *c = p->cause;

		p->cause = NULL;
		return (c);
	}
	return (xasprintf("%s: %s", path, archive_error_string(p->a) != NULL ?
	    archive_error_string(p->a) : _("archive write failed")));
}

static int archive_pack_path(struct archive_pack *, const char *, char **);

/* Add the entries of a folder, in name order. Returns -1 with *cause. */
static int
archive_pack_children(struct archive_pack *p, const char *dir, char **cause)
{
	struct dirent	**names;
	char		 *child;
	int		  n, i, rc = 0;

	if ((n = scandir(dir, &names, NULL, alphasort)) == -1) {
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && strcmp(names[i]->d_name, ".") != 0 &&
		    strcmp(names[i]->d_name, "..") != 0) {
			child = xasprintf("%s/%s", dir, names[i]->d_name);
			rc = archive_pack_path(p, child, cause);
			free(child);
		}
		free(names[i]);
	}
	free(names);
	return (rc);
}

/* Add one file, link or folder (recursively). Returns -1 with *cause. */
static int
archive_pack_path(struct archive_pack *p, const char *path, char **cause)
{
	struct archive_entry	*e;
	struct stat		 st;
	char			*name, target[4096];
	ssize_t			 n;
	int			 fd = -1, rc = -1;

	if (lstat(path, &st) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (p->have_excl && st.st_dev == p->excl_dev && st.st_ino == p->excl_ino) {
		p->stats->excluded = true;
		return (0);
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return (0);	/* sockets and devices: not configuration */
	if (S_ISREG(st.st_mode)) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
		    fstat(fd, &st) == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			if (fd != -1)
				close(fd);
			return (-1);
		}
	}
	e = archive_entry_new();
	name = archive_member_name(path, S_ISDIR(st.st_mode) ? "/" : "");
	archive_entry_copy_pathname(e, name);
	free(name);
	archive_entry_copy_stat(e, &st);
	archive_pack_names(p, e, &st);
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(path, target, sizeof target - 1)) == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			goto out;
		}
		target[n] = '\0';
		archive_entry_copy_symlink(e, target);
		archive_entry_set_size(e, 0);
	} else if (S_ISDIR(st.st_mode))
		archive_entry_set_size(e, 0);
	if (archive_write_header(p->a, e) != ARCHIVE_OK) {
		*cause = archive_pack_error(p, path);
		goto out;
	}
	p->stats->entries++;
	if (fd != -1) {
		off_t left = st.st_size;

		while (left > 0) {
			size_t want = left > ARCHIVE_BUFSZ ? ARCHIVE_BUFSZ : (size_t)left;

			if ((n = read(fd, p->buf, want)) == -1) {
				if (errno == EINTR)
					continue;
				*cause = xasprintf("%s: %s", path, strerror(errno));
				goto out;
			}
			if (n == 0)
				break;	/* shrank while read: libarchive pads */
			if (archive_write_data(p->a, p->buf, (size_t)n) != n) {
				*cause = archive_pack_error(p, path);
				goto out;
			}
			left -= n;
		}
	}
	if (archive_write_finish_entry(p->a) != ARCHIVE_OK) {
		*cause = archive_pack_error(p, path);
		goto out;
	}
	rc = 0;
	if (S_ISDIR(st.st_mode))
		rc = archive_pack_children(p, path, cause);
out:
	if (fd != -1)
		close(fd);
	archive_entry_free(e);
	return (rc);
}

/*
 * Write dir as a gzip tar to sink, as `tar -C / czf - DIR` names its members,
 * leaving out the file exclude (may be NULL) wherever it is. Returns -1 with *cause.
 */
int
archive_pack_dir(const char *dir, const char *exclude, hashio_sink_fn sink, void *arg,
    struct archive_stats *stats, char **cause)
{
	struct archive_pack	 p;
	struct stat		 st;
	char			*root;
	size_t			 len;
	int			 rc = -1;

	memset(&p, 0, sizeof p);
	memset(stats, 0, sizeof *stats);
	p.sink = sink;
	p.arg = arg;
	p.stats = stats;
	if (exclude != NULL && stat(exclude, &st) == 0) {
		p.have_excl = true;
		p.excl_dev = st.st_dev;
		p.excl_ino = st.st_ino;
	}
	root = xstrdup(dir);
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	p.buf = xmalloc(ARCHIVE_BUFSZ);
	p.a = archive_write_new();
	if (archive_write_set_format_gnutar(p.a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(p.a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(p.a, 1) != ARCHIVE_OK ||
	    archive_write_open(p.a, &p, NULL, archive_pack_write, NULL) != ARCHIVE_OK) {
		*cause = archive_pack_error(&p, dir);
		goto out;
	}
	if (archive_pack_path(&p, root, cause) == -1)
		goto out;
	if (archive_write_close(p.a) != ARCHIVE_OK) {
		*cause = archive_pack_error(&p, dir);
		goto out;
	}
	rc = 0;
out:
	archive_write_free(p.a);
	free(p.buf);
	free(p.cause);
	free(p.last_uname);
	free(p.last_gname);
	free(root);
	return (rc);
}

/* State of one archive being read. */
struct archive_scan_state {
	hashio_source_fn	 src;
	void			*arg;
	char			*cause;		/* from the source, owned */
	char			*buf;
};

/* libarchive's read callback: the next bytes from the source. */
static la_ssize_t
archive_scan_read(struct archive *a, void *client, const void **out)
{
	struct archive_scan_state	*s = client;
	ssize_t				 n;

	*out = s->buf;
	if ((n = s->src(s->arg, s->buf, ARCHIVE_BUFSZ, &s->cause)) == -1) {
		archive_set_error(a, EIO, "%s", s->cause);
		return (-1);
	}
	return ((la_ssize_t)n);
}

/*
 * Read a (possibly compressed) tar archive from src to its end, every member's
 * data included; name is the file for messages. Returns -1 with *cause.
 */
int
archive_scan(const char *name, hashio_source_fn src, void *arg, size_t *entries,
    char **cause)
{
	struct archive_scan_state	 s;
	struct archive			*a;
	struct archive_entry		*e;
	char				*data;
	la_ssize_t			 n;
	int				 r, rc = -1;

	memset(&s, 0, sizeof s);
	s.src = src;
	s.arg = arg;
	s.buf = xmalloc(ARCHIVE_BUFSZ);
	data = xmalloc(ARCHIVE_BUFSZ);
	*entries = 0;
	a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open(a, &s, NULL, archive_scan_read, NULL) != ARCHIVE_OK)
		goto fail;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		(*entries)++;
		while ((n = archive_read_data(a, data, ARCHIVE_BUFSZ)) > 0)
			;
		if (n < 0)
			goto fail;
	}
	if (r != ARCHIVE_EOF)
		goto fail;
	if (archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE && *entries == 0) {
		*cause = xasprintf(_("%s: not a tar archive"), name);
		goto out;
	}
	rc = 0;
	goto out;
fail:
	if (s.cause != NULL) {
		*cause = s.cause;
		s.cause = NULL;
	} else
		*cause = xasprintf(_("%s: unreadable archive: %s"), name,
		    archive_error_string(a) != NULL ? archive_error_string(a) : _("unknown error"));
out:
	archive_read_free(a);
	free(s.cause);
	free(s.buf);
	free(data);
	return (rc);
}
