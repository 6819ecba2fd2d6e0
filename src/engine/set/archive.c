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
#include "util/str.h"
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
	const char		*root;		/* the folder archived */
	bool			 restorable;	/* ARCHIVE_PACK_RESTORABLE */
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

/*
 * The next component of the path at *pp, passing over runs of "/" and "."
 * components: its start, its length in *len, *pp moved past it; NULL at the
 * end. Entry names and link targets are both walked with it.
 */
const char *
archive_component(const char **pp, size_t *len)
{
	const char	*p = *pp, *q;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0') {
			*pp = p;
			return (NULL);
		}
		if ((q = strchr(p, '/')) == NULL)
			q = p + strlen(p);
		if (q - p == 1 && p[0] == '.') {
			p = q;
			continue;
		}
		*len = (size_t)(q - p);
		*pp = q;
		return (p);
	}
}

/* Whether a component (start and length) is "..". */
bool
archive_is_up(const char *c, size_t len)
{
	return (len == 2 && c[0] == '.' && c[1] == '.');
}

/*
 * Whether a symbolic link at rel (relative to the tree) pointing at target
 * stays inside the tree: not absolute, ".." only as leading components and
 * never above the top.
 */
bool
archive_link_inside(const char *rel, const char *target)
{
	const char	*p, *q, *c;
	int		 depth = 0;
	bool		 leading = true;
	size_t		 len;

	if (*target == '\0' || *target == '/')
		return (false);
	for (p = rel; (q = strchr(p, '/')) != NULL; p = q + 1)
		depth++;
	for (p = target; (c = archive_component(&p, &len)) != NULL;) {
		if (archive_is_up(c, len)) {
			if (!leading || --depth < 0)
				return (false);
			continue;
		}
		leading = false;
	}
	return (true);
}

/* libarchive's write callback: pass the compressed bytes to the sink. */
static la_ssize_t
archive_pack_write(struct archive *a, void *client, const void *buf, size_t len)
{
	struct archive_pack	*p = client;
	char			*cause = NULL;

	/* libarchive may write again after a failure (at close): keep the first cause. */
	if (p->sink(p->arg, buf, len, &cause) != 0) {
		if (p->cause == NULL)
			p->cause = cause;
		else
			free(cause);
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

/* Add a note (printf-style) to what archive_pack_dir reports. */
PDR_PRINTF(2, 3) static void
archive_note(struct archive_stats *st, const char *fmt, ...)
{
	va_list	ap;

	st->notes = xreallocarray(st->notes, st->nnotes + 1, sizeof *st->notes);
	va_start(ap, fmt);
	st->notes[st->nnotes++] = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Free the notes of st. */
void
archive_stats_clear(struct archive_stats *st)
{
	str_list_free(st->notes, st->nnotes);
	st->notes = NULL;
	st->nnotes = 0;
}

/* An absolute path with "." and ".." resolved by name (links not followed); the caller frees. */
static char *
archive_normal(const char *path)
{
	struct buf	 b;
	const char	*p = path, *c;
	size_t		 len;
	char		*slash;

	buf_init(&b);
	while ((c = archive_component(&p, &len)) != NULL) {
		if (archive_is_up(c, len)) {
			if ((slash = strrchr(b.data, '/')) != NULL) {
				*slash = '\0';
				b.len = (size_t)(slash - b.data);
			}
			continue;
		}
		buf_addc(&b, '/');
		buf_add(&b, c, len);
	}
	if (b.len == 0)
		buf_addc(&b, '/');
	return (buf_steal(&b));
}

/*
 * The target a link at rel (relative to the archived folder) is stored with:
 * an absolute target inside the folder made relative, so that it restores;
 * anything else as it is. The caller frees.
 */
static char *
archive_pack_target(const struct archive_pack *p, const char *rel, const char *target)
{
	struct buf	 b;
	const char	*q, *in;
	char		*norm;
	size_t		 rlen = strlen(p->root);

	if (*target != '/')
		return (xstrdup(target));
	norm = archive_normal(target);
	if (strcmp(p->root, "/") == 0)
		in = norm + 1;
	else if (strncmp(norm, p->root, rlen) == 0 && (norm[rlen] == '\0' ||
	    norm[rlen] == '/'))
		in = norm + rlen + (norm[rlen] == '/');
	else {
		free(norm);
		return (xstrdup(target));
	}
	buf_init(&b);
	for (q = rel; (q = strchr(q, '/')) != NULL; q++)
		buf_adds(&b, "../");
	buf_adds(&b, in);
	if (b.len == 0)
		buf_addc(&b, '.');
	else if (b.data[b.len - 1] == '/')
		b.data[--b.len] = '\0';
	free(norm);
	return (buf_steal(&b));
}

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
	const char		*rel;
	char			*name, target[4096], *stored = NULL;
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
	rel = strcmp(path, p->root) == 0 ? "" : path + strlen(p->root) +
	    (strcmp(p->root, "/") != 0);
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		/* Sockets, FIFOs and devices: not configuration, and restore refuses them. */
		archive_note(p->stats, _("%s is a FIFO, socket or device: left out"), path);
		return (0);
	}
	if (S_ISLNK(st.st_mode) && !p->restorable) {
		if ((n = readlink(path, target, sizeof target - 1)) == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			return (-1);
		}
		target[n] = '\0';
		stored = xstrdup(target);
	} else if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(path, target, sizeof target - 1)) == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			return (-1);
		}
		target[n] = '\0';
		stored = archive_pack_target(p, rel, target);
		if (*rel == '\0' || !archive_link_inside(rel, stored)) {
			archive_note(p->stats, _("the link %s -> %s leaves %s: left out "
			    "(restore would refuse it)"), path, target, p->root);
			free(stored);
			return (0);
		}
		if (strcmp(stored, target) != 0)
			archive_note(p->stats, _("the link %s -> %s is stored as -> %s, so "
			    "that it restores"), path, target, stored);
	}
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
		archive_entry_copy_symlink(e, stored);
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
	free(stored);
	archive_entry_free(e);
	return (rc);
}

/*
 * Write dir as a gzip tar to sink, as `tar -C / czf - DIR` names its members,
 * leaving out the file exclude (may be NULL) wherever it is, and what restore
 * would refuse (FIFOs, sockets, devices, and with ARCHIVE_PACK_RESTORABLE in
 * flags links that leave dir), each with a note in stats (free with
 * archive_stats_clear, also after a failure); with that flag an absolute link
 * inside dir is stored relative. Returns -1 with *cause.
 */
int
archive_pack_dir(const char *dir, const char *exclude, int flags, hashio_sink_fn sink,
    void *arg, struct archive_stats *stats, char **cause)
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
	p.root = root;
	p.restorable = (flags & ARCHIVE_PACK_RESTORABLE) != 0;
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
