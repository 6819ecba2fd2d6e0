/* sandbox.c: a drill's own copy of the live host, where its restores run for real. */
#include "system.h"

#include <sys/ioctl.h>
#include <sys/statvfs.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <unistd.h>

#include "engine/backup/backup.h"
#include "engine/host/sandbox.h"
#include "engine/recover/restore.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* What a tree copy needs: where from, where to, and the counts so far. */
struct sandbox_copy {
	const char		*from;
	const char		*to;
	struct sandbox_stats	*st;
	uint64_t		 bytes;		/* sandbox_size: the bytes seen */
};

/* The sandbox folder of incident id (caller frees). */
char *
sandbox_dir(const char *state_dir, const char *id)
{
	return (xasprintf("%s/incidents/%s/sandbox", state_dir, id));
}

/* fs_walk step that adds up the size of regular files. */
static int
sandbox_size_one(const char *path, const struct stat *sb, bool post, void *arg, char **cause)
{
	struct sandbox_copy	*c = arg;

	if (post && S_ISREG(sb->st_mode))
		c->bytes += (uint64_t)sb->st_size;
	return (0);
}

/* The bytes under path (0 when it does not exist). */
static uint64_t
sandbox_size(const char *path)
{
	struct sandbox_copy	 c;
	char			*cause = NULL;

	memset(&c, 0, sizeof c);
	if (fs_exists(path) && fs_walk(path, sandbox_size_one, &c, &cause) != 0)
		free(cause);
	return (c.bytes);
}

/* Copy one regular file: a reflink when the file system can, else its bytes. */
static int
sandbox_copy_file(struct sandbox_copy *c, const char *src, const char *dst, mode_t mode,
    char **cause)
{
	uint64_t	n = 0;
	int		in, out;

	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		*cause = xasprintf("%s: %s", src, strerror(errno));
		return (-1);
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777)) == -1) {
		*cause = xasprintf("%s: %s", dst, strerror(errno));
		close(in);
		return (-1);
	}
	if (ioctl(out, FICLONE, in) == 0) {
		c->st->reflinked++;
		close(in);
		close(out);
		return (0);
	}
	close(out);
	close(in);
	unlink(dst);
	if (restore_copy_file(src, dst, mode & 07777, false, &n, cause) != 0)
		return (-1);
	c->st->tree_bytes += n;
	return (0);
}

/* fs_walk step of a tree copy: folders, files and symbolic links as they are. */
static int
sandbox_copy_one(const char *path, const struct stat *sb, bool post, void *arg, char **cause)
{
	struct sandbox_copy	*c = arg;
	char			*dst, target[4096];
	ssize_t			 n;
	int			 rc = 0;

	dst = xasprintf("%s%s", c->to, path + strlen(c->from));
	if (S_ISDIR(sb->st_mode)) {
		/* made open before its entries, given its own mode after them */
		if (!post && mkdir(dst, 0700) == -1 && errno != EEXIST)
			rc = -1;
		if (post && chmod(dst, sb->st_mode & 07777) == -1)
			rc = -1;
		if (rc != 0)
			*cause = xasprintf("%s: %s", dst, strerror(errno));
	} else if (S_ISREG(sb->st_mode)) {
		c->st->files++;
		rc = sandbox_copy_file(c, path, dst, sb->st_mode, cause);
	} else if (S_ISLNK(sb->st_mode)) {
		if ((n = readlink(path, target, sizeof target - 1)) == -1 ||
		    (target[n] = '\0', symlink(target, dst)) == -1) {
			*cause = xasprintf("%s: %s", dst, strerror(errno));
			rc = -1;
		}
	}
	free(dst);
	return (rc);
}

/* Copy the tree at from (absent: an empty folder) to the new folder to. */
static int
sandbox_copy_tree(const char *from, const char *to, struct sandbox_stats *st, char **cause)
{
	struct sandbox_copy	c;

	if (!fs_exists(from)) {
		if (mkdir(to, 0700) == -1) {
			*cause = xasprintf("%s: %s", to, strerror(errno));
			return (-1);
		}
		return (0);
	}
	memset(&c, 0, sizeof c);
	c.from = from;
	c.to = to;
	c.st = st;
	return (fs_walk(from, sandbox_copy_one, &c, cause));
}

/* Append "key: "value"" and a newline to b (a JSON string is a YAML double-quoted scalar). */
static void
sandbox_yaml(struct buf *b, const char *key, const char *value)
{
	buf_printf(b, "%s: ", key);
	json_add_string(b, value);
	buf_addc(b, '\n');
}

/*
 * Where a live path lands in the sandbox, relative to it: under its copy of a
 * folder the path lies in, else NULL (caller frees).
 */
static char *
sandbox_map(const struct conf *live, const char *path)
{
	const char	*roots[] = { live->config_dir, live->wireguard_dir };
	const char	*names[] = { "config", "wireguard" };
	size_t		 i, len;

	for (i = 0; i < nitems(roots); i++) {
		if (roots[i] == NULL || path == NULL)
			continue;
		len = strlen(roots[i]);
		if (strncmp(path, roots[i], len) == 0 && path[len] == '/')
			return (xasprintf("%s%s", names[i], path + len));
	}
	return (NULL);
}

/*
 * Write the sandbox's dr.yaml and its marker. Its own paths are relative (to
 * its folder), so that the sandbox can be moved in place once its drill has
 * an id.
 */
static int
sandbox_write_conf(const struct conf *live, const char *dir, const char *dbname,
    char **cause)
{
	struct buf	 b, m;
	char		*path, *key, *s;
	size_t		 i;
	int		 rc;

	buf_init(&b);
	buf_adds(&b, "# dr.yaml of a drill's sandbox, made by `patronus-dr run --drill`.\n"
	    "# The database, config, keys, log and state are copies in this folder;\n"
	    "# backup_dir is the live one, read by restores, never written by them.\n");
	s = xasprintf("db/%s", dbname);
	sandbox_yaml(&b, "database", s);
	free(s);
	sandbox_yaml(&b, "config_dir", "config");
	sandbox_yaml(&b, "wireguard_dir", "wireguard");
	sandbox_yaml(&b, "backup_dir", live->backup_dir);
	if ((key = sandbox_map(live, live->encryption_key)) == NULL)
		key = xstrdup(live->encryption_key);
	sandbox_yaml(&b, "encryption_key", key);
	free(key);
	s = strrchr(live->log_file, '/');
	s = xasprintf("log/%s", s != NULL ? s + 1 : live->log_file);
	sandbox_yaml(&b, "log_file", s);
	free(s);
	sandbox_yaml(&b, "state_dir", "state");
	buf_adds(&b, "runbook_dirs: [");
	for (i = 0; i < live->n_runbook_dirs; i++) {
		if (i > 0)
			buf_adds(&b, ", ");
		json_add_string(&b, live->runbook_dirs[i]);
	}
	buf_adds(&b, "]\n");
	buf_printf(&b, "backup_interval: %jds\n", (intmax_t)live->backup_interval);
	buf_printf(&b, "retention: {hourly: %d, daily: %d, weekly: %d, monthly: %d}\n",
	    live->retention_hourly, live->retention_daily, live->retention_weekly,
	    live->retention_monthly);
	buf_printf(&b, "stream:\n  interval: %jds\n  retention: %jds\n  checkpoint_frames: %d\n",
	    (intmax_t)live->stream_interval, (intmax_t)live->stream_retention,
	    live->stream_checkpoint_frames);
	path = str_join_path(dir, SANDBOX_CONFIG);
	rc = fs_write_atomic(path, b.data, b.len, 0600, cause);
	free(path);
	buf_clear(&b);
	if (rc != 0)
		return (-1);

	buf_init(&m);
	buf_printf(&m, "database %s\nconfig_dir %s\nwireguard_dir %s\nencryption_key %s\n",
	    live->database, live->config_dir, live->wireguard_dir, live->encryption_key);
	if (live->path != NULL)
		buf_printf(&m, "config %s\n", live->path);
	path = str_join_path(dir, SANDBOX_MARKER);
	rc = fs_write_atomic(path, m.data, m.len, 0600, cause);
	free(path);
	buf_clear(&m);
	return (rc);
}

/* Whether path lies inside the folder dir. */
static bool
sandbox_inside(const char *path, const char *dir)
{
	size_t	len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	return (strncmp(path, dir, len) == 0 && path[len] == '/');
}

/* Refuse when the file system of dir's parent has less room than need. */
static int
sandbox_room(const char *dir, uint64_t need, char **cause)
{
	struct statvfs	 vfs;
	char		*parent = fs_dirname(dir);
	uint64_t	 avail;
	int		 rc = 0;

	if (statvfs(parent, &vfs) == 0) {
		avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		if (avail < need) {
			*cause = xasprintf(_("%s: the drill's sandbox needs %ju KiB (a copy of "
			    "the database, the config and the keys), %ju KiB are free there"),
			    parent, (uintmax_t)(need / 1024), (uintmax_t)(avail / 1024));
			rc = -1;
		}
	}
	free(parent);
	return (rc);
}

/* The class of a failure to make the sandbox: a missing path is no input, else cannot create. */
static enum fail_class
sandbox_class(int err)
{
	return (err == ENOENT ? FAIL_NOINPUT : FAIL_CANTCREAT);
}

/*
 * Lay out a drill's sandbox at dir (which must not exist; its parent is made;
 * it may be renamed afterwards, its dr.yaml names it relatively)
 * from the live host in live: the database by an online copy, config_dir and
 * wireguard_dir copied, the sandbox's dr.yaml and marker; keep leaves the
 * "keep" mark for sandbox_kept. Fills *st. Refuses before copying when the
 * file system has no room. Returns FAIL_NONE, or with *cause (after removing
 * what it made) FAIL_NOINPUT when a path it needs is missing, else
 * FAIL_CANTCREAT.
 */
enum fail_class
sandbox_make(const struct conf *live, const char *dir, bool keep, struct sandbox_stats *st,
    char **cause)
{
	struct stat	 sb;
	char		*sub, *db, *parent, *why = NULL, *wal;
	uint64_t	 need;
	int64_t		 t0;
	int		 err;
	enum fail_class	 fc;

	memset(st, 0, sizeof st[0]);
	/* a sandbox inside a folder it copies would copy itself */
	if (sandbox_inside(dir, live->config_dir) || sandbox_inside(dir, live->wireguard_dir)) {
		*cause = xasprintf(_("%s lies inside %s or %s, which the drill's sandbox "
		    "copies: move state_dir out of them"), dir, live->config_dir,
		    live->wireguard_dir);
		return (FAIL_CANTCREAT);
	}
	/* a host without its database (yet) gets a sandbox without one */
	if (stat(live->database, &sb) == -1) {
		if ((err = errno) != ENOENT) {
			*cause = xasprintf(_("%s: %s (the drill's sandbox copies it)"),
			    live->database, strerror(err));
			return (sandbox_class(err));
		}
		sb.st_size = 0;
	}
	parent = fs_dirname(dir);
	if (fs_mkdir_p(parent, 0700, cause) != 0 || mkdir(dir, 0700) == -1) {
		err = errno;
		if (*cause == NULL)
			*cause = xasprintf("%s: %s", dir, strerror(err));
		free(parent);
		return (sandbox_class(err));
	}
	free(parent);
	wal = xasprintf("%s-wal", live->database);
	need = (uint64_t)sb.st_size + sandbox_size(wal) + sandbox_size(live->config_dir) +
	    sandbox_size(live->wireguard_dir) + 1024 * 1024;
	free(wal);
	if (sandbox_room(dir, need, cause) != 0) {
		fc = FAIL_CANTCREAT;
		goto fail;
	}

	sub = str_join_path(dir, "db");
	db = str_join_path(sub, strrchr(live->database, '/') != NULL ?
	    strrchr(live->database, '/') + 1 : live->database);
	t0 = time_mono_ms();
	if (mkdir(sub, 0700) == -1) {
		fc = sandbox_class(errno);
		*cause = xasprintf("%s: %s", sub, strerror(errno));
		free(sub);
		free(db);
		goto fail;
	}
	free(sub);
	if (fs_exists(live->database) &&
	    (fc = backup_copy_db(live->database, db, cause)) != FAIL_NONE) {
		fc = fc == FAIL_NOINPUT ? FAIL_NOINPUT : FAIL_CANTCREAT;
		free(db);
		goto fail;
	}
	if (stat(db, &sb) == 0)
		st->db_bytes = (uint64_t)sb.st_size;
	st->db_ms = time_mono_ms() - t0;

	t0 = time_mono_ms();
	sub = str_join_path(dir, "config");
	if (sandbox_copy_tree(live->config_dir, sub, st, cause) != 0) {
		fc = sandbox_class(errno);
		free(sub);
		free(db);
		goto fail;
	}
	free(sub);
	sub = str_join_path(dir, "wireguard");
	if (sandbox_copy_tree(live->wireguard_dir, sub, st, cause) != 0) {
		fc = sandbox_class(errno);
		free(sub);
		free(db);
		goto fail;
	}
	free(sub);
	st->tree_ms = time_mono_ms() - t0;
	sub = str_join_path(dir, "state");
	parent = str_join_path(dir, "log");
	if (mkdir(sub, 0700) == -1 || mkdir(parent, 0700) == -1) {
		fc = sandbox_class(errno);
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		free(sub);
		free(parent);
		free(db);
		goto fail;
	}
	free(sub);
	free(parent);
	if (keep) {
		sub = str_join_path(dir, SANDBOX_KEEP);
		if (fs_write_atomic(sub, "", 0, 0600, cause) != 0) {
			fc = sandbox_class(errno);
			free(sub);
			free(db);
			goto fail;
		}
		free(sub);
	}
	if (sandbox_write_conf(live, dir, strrchr(db, '/') + 1, cause) != 0) {
		fc = sandbox_class(errno);
		free(db);
		goto fail;
	}
	free(db);
	return (FAIL_NONE);
fail:
	if (fs_remove_tree(dir, &why) != 0)
		free(why);
	return (fc);
}

/* Whether the sandbox at dir is to be kept after its drill (run --keep-sandbox). */
bool
sandbox_kept(const char *dir)
{
	char	*p = str_join_path(dir, SANDBOX_KEEP);
	bool	 kept = fs_exists(p);

	free(p);
	return (kept);
}

/*
 * Remove the sandbox at dir; only a folder with the marker is removed (absent
 * is fine). Returns -1 with *cause.
 */
int
sandbox_remove(const char *dir, char **cause)
{
	char	*m;
	int	 rc = 0;

	if (!fs_exists(dir))
		return (0);
	m = str_join_path(dir, SANDBOX_MARKER);
	if (!fs_exists(m)) {
		*cause = xasprintf(_("%s is not a drill's sandbox (no %s): left alone"), dir,
		    SANDBOX_MARKER);
		rc = -1;
	} else
		rc = fs_remove_tree(dir, cause);
	free(m);
	return (rc);
}

/*
 * When config_path is the dr.yaml of a drill's sandbox: the live path its key
 * ("database", "config_dir", "wireguard_dir", "encryption_key") was copied
 * from, else NULL (caller frees).
 */
char *
sandbox_live_path(const char *config_path, const char *key)
{
	char	*dir, *m, *text = NULL, *cause = NULL, *line, *nl, *v = NULL;
	size_t	 len, klen = strlen(key);

	if (config_path == NULL)
		return (NULL);
	dir = fs_dirname(config_path);
	m = str_join_path(dir, SANDBOX_MARKER);
	free(dir);
	if (fs_read_file(m, 64 * 1024, &text, &len, &cause) != 0) {
		free(cause);
		free(m);
		return (NULL);
	}
	free(m);
	for (line = text; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			v = xstrdup(line + klen + 1);
			break;
		}
	}
	free(text);
	return (v);
}
