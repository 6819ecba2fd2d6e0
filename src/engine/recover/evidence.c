/* evidence.c: hashed, read-only evidence for a security incident, without shelling out. */
#include "system.h"

#include <sys/stat.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "engine/recover/evidence.h"
#include "engine/recover/extract.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The state of one collection. */
struct evidence {
	const struct evidence_opts	*o;
	struct evidence_result		*r;
	struct buf			 sums;	/* the manifest lines */
};

/* Hex SHA-256 of a buffer into hex (65 bytes). */
static void
evidence_sha256(const void *data, size_t len, char *hex)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	str_hex(md, mdlen, hex);
}

/* Record an item of the evidence folder in the manifest. */
static void
evidence_record(struct evidence *ev, const char *rel, const char *hex, uint64_t size)
{
	buf_printf(&ev->sums, "%s  %s\n", hex, rel);
	ev->r->files++;
	ev->r->bytes += size;
}

/* Write a generated text item (rel under the folder), mode 0400, and record it. */
static int
evidence_write(struct evidence *ev, const char *rel, const struct buf *b, char **cause)
{
	char	 hex[65], *path = str_join_path(ev->o->dir, rel);
	int	 rc;

	rc = fs_write_atomic(path, b->data != NULL ? b->data : "", b->len, 0400, cause);
	if (rc == 0) {
		evidence_sha256(b->data != NULL ? b->data : "", b->len, hex);
		evidence_record(ev, rel, hex, b->len);
		log_info(_("collected %s"), rel);
	}
	free(path);
	return (rc);
}

/* Copy one file into the folder as rel, hashing it on the way; mode 0400. */
static int
evidence_copy(struct evidence *ev, const char *src, const char *rel, char **cause)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	EVP_MD_CTX	*ctx;
	char		 buf[65536], hex[65], *dst;
	ssize_t		 n, w, off;
	uint64_t	 size = 0;
	int		 in, out = -1, rc = -1;

	/* a FIFO swapped in for the file must not block the collection */
	if ((in = fs_open_regular(src, O_NOFOLLOW)) == -1) {
		*cause = errno == EINVAL ? xasprintf(_("%s: not a regular file"), src) :
		    xasprintf("%s: %s", src, strerror(errno));
		return (-1);
	}
	dst = str_join_path(ev->o->dir, rel);
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) == -1) {
		*cause = xasprintf("%s: %s", dst, strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*cause = xasprintf("%s: %s", src, strerror(errno));
			goto out;
		}
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		for (off = 0; off < n; off += w) {
			if ((w = write(out, buf + off, (size_t)(n - off))) == -1) {
				*cause = xasprintf("%s: %s", dst, strerror(errno));
				goto out;
			}
		}
		size += (uint64_t)n;
	}
	if (fsync(out) == -1 || fchmod(out, 0400) == -1) {
		*cause = xasprintf("%s: %s", dst, strerror(errno));
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	str_hex(md, mdlen, hex);
	evidence_record(ev, rel, hex, size);
	rc = 0;
out:
	if (out != -1)
		close(out);
	close(in);
	EVP_MD_CTX_free(ctx);
	free(dst);
	return (rc);
}

/* Copy a folder's regular files (recursively) under rel. */
static int
evidence_copy_tree(struct evidence *ev, const char *src, const char *rel, char **cause)
{
	struct dirent	*d;
	struct stat	 st;
	DIR		*dir;
	char		*s, *r, *path;
	int		 rc = 0;

	path = str_join_path(ev->o->dir, rel);
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		free(path);
		return (-1);
	}
	free(path);
	if ((dir = opendir(src)) == NULL) {
		*cause = xasprintf("%s: %s", src, strerror(errno));
		return (-1);
	}
	while (rc == 0 && (d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		s = str_join_path(src, d->d_name);
		r = str_join_path(rel, d->d_name);
		if (lstat(s, &st) == 0 && S_ISDIR(st.st_mode))
			rc = evidence_copy_tree(ev, s, r, cause);
		else if (lstat(s, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = evidence_copy(ev, s, r, cause);
			if (rc == 0)
				log_info(_("collected %s"), r);
		}
		free(s);
		free(r);
	}
	closedir(dir);
	return (rc);
}

/* Read a small /proc file into b; false when it is gone. */
static bool
evidence_proc_read(const char *path, struct buf *b)
{
	char	chunk[4096];
	ssize_t	n;
	int	fd;

	buf_reset(b);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (false);
	while ((n = read(fd, chunk, sizeof chunk)) > 0 && b->len < 65536)
		buf_add(b, chunk, (size_t)n);
	close(fd);
	return (n >= 0);
}

/* Whether a name is all digits (a process folder of /proc). */
static bool
evidence_is_pid(const char *s)
{
	if (*s == '\0')
		return (false);
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return (false);
	return (true);
}

/* The process list from /proc: pid, ppid, uid, state, name, command line. */
static void
evidence_processes(struct evidence *ev, struct buf *out)
{
	struct dirent	*d;
	DIR		*dir;
	struct buf	 b;
	char		*path, *rp, *name, state;
	const char	*u;
	long		 ppid;
	size_t		 i;

	buf_init(&b);
	buf_printf(out, "%-8s %-8s %-6s %-2s %-16s %s\n", "PID", "PPID", "UID", "S",
	    "NAME", "COMMAND");
	if ((dir = opendir("/proc")) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (!evidence_is_pid(d->d_name))
			continue;
		path = xasprintf("/proc/%s/stat", d->d_name);
		if (!evidence_proc_read(path, &b) || b.len == 0 ||
		    (rp = strrchr(b.data, ')')) == NULL || strchr(b.data, '(') == NULL) {
			free(path);
			continue;
		}
		free(path);
		*rp = '\0';
		name = xstrdup(strchr(b.data, '(') + 1);
		if (sscanf(rp + 1, " %c %ld", &state, &ppid) != 2) {
			free(name);
			continue;
		}
		path = xasprintf("/proc/%s/status", d->d_name);
		u = "?";
		if (evidence_proc_read(path, &b) && (rp = strstr(b.data, "\nUid:")) != NULL) {
			rp += 5;
			while (*rp == '\t' || *rp == ' ')
				rp++;
			rp[strcspn(rp, "\t \n")] = '\0';
			u = rp;
		}
		free(path);
		buf_printf(out, "%-8s %-8ld %-6s %-2c %-16s ", d->d_name, ppid, u, state,
		    name);
		free(name);
		path = xasprintf("/proc/%s/cmdline", d->d_name);
		if (evidence_proc_read(path, &b) && b.len > 0) {
			for (i = 0; i + 1 < b.len; i++)
				if (b.data[i] == '\0')
					b.data[i] = ' ';
			for (i = 0; i < b.len && b.data[i] != '\0'; i++)
				buf_addc(out, isprint((unsigned char)b.data[i]) ? b.data[i] : '?');
		}
		free(path);
		buf_addc(out, '\n');
		ev->r->processes++;
	}
	closedir(dir);
	buf_clear(&b);
}

/* Which process holds a socket inode: "PID/NAME" into out, "-" when none seen. */
static void
evidence_socket_owner(unsigned long inode, char *out, size_t size)
{
	struct dirent	*d, *f;
	DIR		*dir, *fds;
	char		*path, *fp, link[64], want[48];
	ssize_t		 n;
	struct buf	 b;

	xsnprintf(out, size, "-");
	xsnprintf(want, sizeof want, "socket:[%lu]", inode);
	if (inode == 0 || (dir = opendir("/proc")) == NULL)
		return;
	buf_init(&b);
	while ((d = readdir(dir)) != NULL) {
		if (!evidence_is_pid(d->d_name))
			continue;
		path = xasprintf("/proc/%s/fd", d->d_name);
		if ((fds = opendir(path)) == NULL) {
			free(path);
			continue;
		}
		while ((f = readdir(fds)) != NULL) {
			fp = str_join_path(path, f->d_name);
			n = readlink(fp, link, sizeof link - 1);
			free(fp);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, want) != 0)
				continue;
			fp = xasprintf("/proc/%s/comm", d->d_name);
			if (evidence_proc_read(fp, &b) && b.len > 0)
				xsnprintf(out, size, "%s/%.*s", d->d_name,
				    (int)strcspn(b.data, "\n"), b.data);
			else
				xsnprintf(out, size, "%s", d->d_name);
			free(fp);
			break;
		}
		closedir(fds);
		free(path);
		if (strcmp(out, "-") != 0)
			break;
	}
	closedir(dir);
	buf_clear(&b);
}

/* An address of /proc/net/{tcp,udp}{,6} ("0100007F:1F90") as text. */
static void
evidence_addr(const char *hex, bool v6, char *out, size_t size)
{
	unsigned char	a[16];
	uint32_t	w;
	unsigned int	port = 0;
	char		txt[INET6_ADDRSTRLEN], part[9];
	size_t		i, n = v6 ? 4 : 1;

	for (i = 0; i < n; i++) {
		memcpy(part, hex + 8 * i, 8);
		part[8] = '\0';
		w = (uint32_t)strtoul(part, NULL, 16);
		memcpy(a + 4 * i, &w, 4);	/* the kernel wrote it in host order */
	}
	sscanf(hex + 8 * n, ":%x", &port);
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, a, txt, sizeof txt) == NULL)
		xsnprintf(txt, sizeof txt, "?");
	xsnprintf(out, size, v6 ? "[%s]:%u" : "%s:%u", txt, port);
}

/* The open network connections from /proc/net, with the process holding each. */
static void
evidence_connections(struct evidence *ev, struct buf *out)
{
	static const char *const	 files[] = { "tcp", "tcp6", "udp", "udp6" };
	static const char *const	 states[] = { "?", "ESTABLISHED", "SYN_SENT",
	    "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT",
	    "LAST_ACK", "LISTEN", "CLOSING" };
	char				 local[80], remote[80], la[80], ra[80], who[64];
	char				*path, *line, *next;
	unsigned int			 st;
	unsigned long			 inode;
	struct buf			 b;
	size_t				 i;
	bool				 v6, udp;

	buf_init(&b);
	buf_printf(out, "%-5s %-46s %-46s %-12s %s\n", "PROTO", "LOCAL", "REMOTE",
	    "STATE", "PID/NAME");
	for (i = 0; i < nitems(files); i++) {
		path = xasprintf("/proc/net/%s", files[i]);
		if (!evidence_proc_read(path, &b) || b.len == 0) {
			free(path);
			continue;
		}
		free(path);
		v6 = strchr(files[i], '6') != NULL;
		udp = files[i][0] == 'u';
		line = strchr(b.data, '\n');	/* skip the heading */
		for (; line != NULL; line = next) {
			line++;
			next = strchr(line, '\n');
			if (next != NULL)
				*next = '\0';
			if (sscanf(line, " %*s %79s %79s %x %*s %*s %*s %*s %*s %lu",
			    local, remote, &st, &inode) != 4)
				continue;
			evidence_addr(local, v6, la, sizeof la);
			evidence_addr(remote, v6, ra, sizeof ra);
			evidence_socket_owner(inode, who, sizeof who);
			buf_printf(out, "%-5s %-46s %-46s %-12s %s\n", files[i], la, ra,
			    udp && st == 7 ? "UNCONN" : st < nitems(states) ?
			    states[st] : "?", who);
			ev->r->connections++;
		}
	}
	buf_clear(&b);
}

/* List files under path changed (mtime or ctime) since o->since. */
static void
evidence_recent(struct evidence *ev, const char *path, struct buf *out, int depth)
{
	struct dirent	*d;
	struct stat	 st;
	DIR		*dir;
	char		*sub, m[TIMEUTIL_BUFSZ], c[TIMEUTIL_BUFSZ];

	if (lstat(path, &st) == -1 || depth > 32)
		return;
	if (strcmp(path, ev->o->dir) == 0)
		return;		/* not the evidence itself */
	if (st.st_mtime >= ev->o->since || st.st_ctime >= ev->o->since) {
		time_format_iso(st.st_mtime, m, sizeof m);
		time_format_iso(st.st_ctime, c, sizeof c);
		buf_printf(out, "%s  %s  %04o  %10jd  %s\n", m, c,
		    (unsigned int)(st.st_mode & 07777), (intmax_t)st.st_size, path);
		ev->r->recent++;
	}
	if (!S_ISDIR(st.st_mode) || (dir = opendir(path)) == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		sub = str_join_path(path, d->d_name);
		evidence_recent(ev, sub, out, depth + 1);
		free(sub);
	}
	closedir(dir);
}

/* evidence_seal's step: files 0400, and each folder 0500 once its entries are. */
static int
evidence_seal_one(const char *path, const struct stat *st, bool post, void *arg,
    char **cause)
{
	(void)arg;
	if (!post)
		return (0);
	if (S_ISDIR(st->st_mode)) {
		if (fs_fsync_dir(path, cause) != 0)
			return (-1);
		if (chmod(path, 0500) == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			return (-1);
		}
	} else if (S_ISREG(st->st_mode) && chmod(path, 0400) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* Make the folder read-only: files 0400, folders 0500, the top last. */
static int
evidence_seal(const char *path, char **cause)
{
	return (fs_walk(path, evidence_seal_one, NULL, cause));
}

/* Whether a folder is absent or empty. */
static bool
evidence_empty(const char *path)
{
	struct dirent	*d;
	DIR		*dir;
	bool		 empty = true;

	if ((dir = opendir(path)) == NULL)
		return (errno == ENOENT);
	while (empty && (d = readdir(dir)) != NULL)
		empty = strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0;
	closedir(dir);
	return (empty);
}

/*
 * Collect the evidence into o->dir (absent or empty): the logs, the database,
 * the process list and the network connections read from /proc, the files
 * changed recently under o->paths, a collection note; every item SHA-256
 * hashed into SHA256SUMS (sha256sum format); then files 0400, folders 0500.
 * Fills r. Returns FAIL_NONE, or the class of the failure with *cause
 * (FAIL_CANTCREAT: o->dir is not empty).
 */
enum fail_class
evidence_collect(const struct evidence_opts *o, struct evidence_result *r, char **cause)
{
	static const char *const	 sfx[] = { "", "-wal", "-shm" };
	struct evidence			 ev;
	struct buf			 b;
	char				*src, *rel, host[256], now[TIMEUTIL_BUFSZ];
	char				 since[TIMEUTIL_BUFSZ];
	const char			*base, *user;
	size_t				 i;
	int				 rc = -1;
	enum fail_class			 fc;

	memset(r, 0, sizeof *r);
	if (!evidence_empty(o->dir)) {
		*cause = xasprintf(_("%s: not empty; evidence goes into a new folder"),
		    o->dir);
		return (FAIL_CANTCREAT);
	}
	if (fs_mkdir_p(o->dir, 0700, cause) != 0)
		return (fail_errno(errno));
	memset(&ev, 0, sizeof ev);
	ev.o = o;
	ev.r = r;
	buf_init(&ev.sums);
	buf_init(&b);

	if (gethostname(host, sizeof host) != 0)
		xsnprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	user = getenv("SUDO_USER") != NULL ? getenv("SUDO_USER") : getenv("USER");
	time_format_iso(time(NULL), now, sizeof now);
	time_format_iso(o->since, since, sizeof since);
	buf_printf(&b, "Evidence collected by %s %s\nTime: %s\nHost: %s\nUser: %s\n"
	    "Uid: %ld\nDatabase: %s\nLogs: %s\nRecent files since: %s\nSearched:\n",
	    PACKAGE, VERSION, now, host, user != NULL ? user : "?", (long)geteuid(),
	    o->database, o->log_dir, since);
	for (i = 0; i < o->npaths; i++)
		buf_printf(&b, "  %s\n", o->paths[i]);
	if (evidence_write(&ev, "collection.txt", &b, cause) != 0)
		goto out;

	/* The logs, before anything else can rotate or change them. */
	if (o->log_dir != NULL && fs_exists(o->log_dir)) {
		if (evidence_copy_tree(&ev, o->log_dir, "logs", cause) != 0)
			goto out;
	} else
		log_warn(_("no log folder %s"), o->log_dir != NULL ? o->log_dir : "-");
	extract_checkpoint("evidence-logs");

	src = str_join_path(o->dir, "database");
	if (mkdir(src, 0700) == -1) {
		*cause = xasprintf("%s: %s", src, strerror(errno));
		free(src);
		goto out;
	}
	free(src);
	base = strrchr(o->database, '/') != NULL ? strrchr(o->database, '/') + 1 :
	    o->database;
	for (i = 0; i < nitems(sfx); i++) {
		src = xasprintf("%s%s", o->database, sfx[i]);
		rel = xasprintf("database/%s%s", base, sfx[i]);
		if (fs_exists(src)) {
			if (evidence_copy(&ev, src, rel, cause) != 0) {
				free(src);
				free(rel);
				goto out;
			}
			log_info(_("collected %s"), rel);
		}
		free(src);
		free(rel);
	}

	buf_reset(&b);
	evidence_processes(&ev, &b);
	if (evidence_write(&ev, "processes.txt", &b, cause) != 0)
		goto out;
	buf_reset(&b);
	evidence_connections(&ev, &b);
	if (evidence_write(&ev, "connections.txt", &b, cause) != 0)
		goto out;
	buf_reset(&b);
	buf_printf(&b, "# changed since %s: MTIME  CTIME  MODE  SIZE  PATH\n", since);
	for (i = 0; i < o->npaths; i++)
		evidence_recent(&ev, o->paths[i], &b, 0);
	if (evidence_write(&ev, "recent-files.txt", &b, cause) != 0)
		goto out;

	src = str_join_path(o->dir, EVIDENCE_MANIFEST);
	rc = fs_write_atomic(src, ev.sums.data != NULL ? ev.sums.data : "", ev.sums.len,
	    0400, cause);
	free(src);
	if (rc != 0)
		goto out;
	extract_checkpoint("evidence-manifest");
	rc = evidence_seal(o->dir, cause);
out:
	/* every step above fails on a file operation: its errno, before the frees */
	fc = rc == 0 ? FAIL_NONE : fail_errno(errno);
	buf_clear(&b);
	buf_clear(&ev.sums);
	return (fc);
}
