/* segment-gen.c: a generation of the stream: snapshot.sha256, names, listing, rebuild, retention. */
#include "system.h"

#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "engine/recover/restore.h"
#include "engine/set/hashio.h"
#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Write GEN/snapshot.sha256 atomically from si. Returns -1 with *cause. */
int
segment_snapinfo_write(const char *gendir, const struct segment_snapinfo *si, char **cause)
{
	struct buf	 b;
	unsigned char	 mac[SEGMENT_SHALEN];
	char		 hex[SEGMENT_SHALEN * 2 + 1], gen[PATH_MAX], *path, *c2 = NULL;
	int		 rc;

	str_hex(si->sha, SEGMENT_SHALEN, hex);
	buf_init(&b);
	buf_printf(&b, "%s  %s\n", hex, SEGMENT_SNAPSHOT);
	buf_printf(&b, "Time-Ms: %" PRId64 "\n", si->time_ms);
	buf_printf(&b, "Page-Size: %" PRIu32 "\n", si->page_size);
	buf_printf(&b, "Wal-Salt: %" PRIu32 " %" PRIu32 "\n", si->salt1, si->salt2);
	buf_printf(&b, "Wal-Frame: %" PRIu64 "\n", si->wal_frame);
	path = str_join_path(gendir, SEGMENT_SNAPSHOT_SHA);
	/* Last, over the lines above and the generation's name (sha256sum -c skips it). */
	if (segment_auth_mac(segment_auth_gen(gendir, gen, sizeof gen), b.data, b.len, mac,
	    &c2) == -1) {
		*cause = xasprintf("%s: %s", path, c2);
		free(c2);
		free(path);
		buf_clear(&b);
		return (-1);
	}
	str_hex(mac, SEGMENT_SHALEN, hex);
	buf_printf(&b, "%s %s\n", SEGMENT_HMAC_TAG, hex);
	rc = fs_write_atomic(path, b.data, b.len, 0600, cause);
	free(path);
	buf_clear(&b);
	return (rc);
}

/* Parse a hex SHA-256 of 64 characters into md. Returns -1 if malformed. */
static int
segment_unhex(const char *s, unsigned char *md)
{
	int	i, hi, lo;

	for (i = 0; i < SEGMENT_SHALEN; i++) {
		hi = s[2 * i];
		lo = hi == '\0' ? '\0' : s[2 * i + 1];
		if (!((hi >= '0' && hi <= '9') || (hi >= 'a' && hi <= 'f')) ||
		    !((lo >= '0' && lo <= '9') || (lo >= 'a' && lo <= 'f')))
			return (-1);
		hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
		md[i] = (unsigned char)(hi << 4 | lo);
	}
	return (0);
}

static int	segment_snapinfo_load(const char *, const char *, struct segment_snapinfo *,
		    char **);

/*
 * Check the HMAC line of a snapshot.sha256 text (len bytes) at path: over
 * every other line and the generation's name. Returns -1 with *cause.
 */
static int
segment_snapinfo_auth(const char *path, const char *gen, const char *data, size_t len,
    bool *authed, char **cause)
{
	struct buf	 b;
	unsigned char	 mac[SEGMENT_SHALEN];
	const char	*p = data, *end = data + len, *nl, *h;
	size_t		 tl = strlen(SEGMENT_HMAC_TAG);
	int		 nmac = 0, rc;

	buf_init(&b);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl == NULL ? end : nl + 1;
		if ((size_t)(nl - p) >= tl && strncmp(p, SEGMENT_HMAC_TAG, tl) == 0) {
			h = p + tl;
			while (h < nl && *h == ' ')
				h++;
			if ((size_t)(nl - h) - (nl[-1] == '\n' ? 1 : 0) != SEGMENT_SHALEN * 2 ||
			    segment_unhex(h, mac) == -1)
				nmac = 2;	/* malformed: as good as two */
			else
				nmac++;
		} else
			buf_add(&b, p, (size_t)(nl - p));
		p = nl;
	}
	if (nmac > 1) {
		*cause = xasprintf(_("%s: malformed HMAC line"), path);
		buf_clear(&b);
		return (-1);
	}
	rc = segment_auth_check(path, gen, b.data, b.len, nmac == 1 ? mac : NULL, authed,
	    cause);
	buf_clear(&b);
	return (rc);
}

/* Read GEN/snapshot.sha256 into si, its HMAC checked. Returns -1 with *cause naming the file. */
int
segment_snapinfo_read(const char *gendir, struct segment_snapinfo *si, char **cause)
{
	char	gen[PATH_MAX];

	return (segment_snapinfo_load(gendir, segment_auth_gen(gendir, gen, sizeof gen), si,
	    cause));
}

/*
 * Read DIR/snapshot.sha256 into si without checking its HMAC (si->authed
 * false), for dating a generation (retention) only, never for using it.
 * Returns -1 with *cause naming the file.
 */
int
segment_snapinfo_peek(const char *dir, struct segment_snapinfo *si, char **cause)
{
	return (segment_snapinfo_load(dir, NULL, si, cause));
}

/*
 * Read DIR/snapshot.sha256 into si, its HMAC checked for generation gen
 * (NULL: not checked). Returns -1 with *cause naming the file.
 */
static int
segment_snapinfo_load(const char *dir, const char *gen, struct segment_snapinfo *si,
    char **cause)
{
	char		*path, *data = NULL, *line, *next, *cause1 = NULL;
	unsigned long long a, b;
	long long	 t;
	size_t		 len;
	int		 seen = 0, first = 1;

	memset(si, 0, sizeof *si);
	path = str_join_path(dir, SEGMENT_SNAPSHOT_SHA);
	if (fs_read_file(path, 64 * 1024, &data, &len, &cause1) == -1) {
		*cause = cause1;
		free(path);
		return (-1);
	}
	if (memchr(data, '\0', len) != NULL)
		goto bad;
	if (gen != NULL &&
	    segment_snapinfo_auth(path, gen, data, len, &si->authed, cause) == -1) {
		free(data);
		free(path);
		return (-1);
	}
	for (line = data; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (first) {
			first = 0;
			if (strlen(line) != 64 + 2 + strlen(SEGMENT_SNAPSHOT) ||
			    segment_unhex(line, si->sha) == -1 ||
			    strcmp(line + 64, "  " SEGMENT_SNAPSHOT) != 0)
				goto bad;
			seen |= 1;
		} else if (sscanf(line, "Time-Ms: %lld", &t) == 1) {
			si->time_ms = t;
			seen |= 2;
		} else if (sscanf(line, "Page-Size: %llu", &a) == 1) {
			if (a > UINT32_MAX || !segment_page_size_ok((uint32_t)a))
				goto bad;
			si->page_size = (uint32_t)a;
			seen |= 4;
		} else if (sscanf(line, "Wal-Salt: %llu %llu", &a, &b) == 2) {
			if (a > UINT32_MAX || b > UINT32_MAX)
				goto bad;
			si->salt1 = (uint32_t)a;
			si->salt2 = (uint32_t)b;
			seen |= 8;
		} else if (sscanf(line, "Wal-Frame: %llu", &a) == 1) {
			si->wal_frame = a;
			seen |= 16;
		}
		/* Other lines: added later, ignored. */
	}
	if (seen != 31)
		goto bad;
	free(data);
	free(path);
	return (0);
bad:
	*cause = xasprintf(_("%s: malformed or incomplete"), path);
	free(data);
	free(path);
	return (-1);
}

/* Read GEN/snapshot.sha256 into si and check snapshot.db against it. Returns -1 with *cause. */
int
segment_snapshot_verify(const char *gendir, struct segment_snapinfo *si, char **cause)
{
	char		 hex[HASHIO_HEXLEN], want[SEGMENT_SHALEN * 2 + 1], *path;
	uint64_t	 size;

	if (segment_snapinfo_read(gendir, si, cause) == -1)
		return (-1);
	path = str_join_path(gendir, SEGMENT_SNAPSHOT);
	if (hashio_file(path, hex, &size, cause) == -1) {
		free(path);
		return (-1);
	}
	str_hex(si->sha, SEGMENT_SHALEN, want);
	if (strcmp(hex, want) != 0) {
		*cause = xasprintf(_("%s: does not match its SHA-256 in %s (corrupt)"), path,
		    SEGMENT_SNAPSHOT_SHA);
		free(path);
		return (-1);
	}
	free(path);
	return (0);
}

/* A new generation name for time t: YYYYmmdd-HHMMSS-xxxxxxxx (UTC, random hex). The caller frees. */
char *
segment_gen_name(time_t t)
{
	char		 stamp[TIMEUTIL_BUFSZ], hex[9];
	unsigned char	 r[4];

	if (RAND_bytes(r, sizeof r) != 1) {
		uint32_t v = (uint32_t)getpid() ^ (uint32_t)t ^ (uint32_t)clock();

		segment_put32(r, v);
	}
	str_hex(r, sizeof r, hex);
	time_format_stamp(t, stamp, sizeof stamp);
	return (xasprintf("%s-%s", stamp, hex));
}

/* Whether name looks like a generation: YYYYmmdd-HHMMSS-xxxxxxxx. */
bool
segment_is_gen_name(const char *name)
{
	size_t	i;

	if (strlen(name) != SEGMENT_GENLEN)
		return (false);
	for (i = 0; i < SEGMENT_GENLEN; i++) {
		if (i == 8 || i == 15) {
			if (name[i] != '-')
				return (false);
		} else if (i < 15) {
			if (name[i] < '0' || name[i] > '9')
				return (false);
		} else if (!((name[i] >= '0' && name[i] <= '9') ||
		    (name[i] >= 'a' && name[i] <= 'f')))
			return (false);
	}
	return (true);
}

/* qsort comparison of two strings. */
static int
segment_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * The generation names in a stream folder, oldest first, into *names (*n of
 * them; free with str_list_free). A missing folder is an empty list.
 * Returns -1 with *cause.
 */
int
segment_list_gens(const char *streamdir, char ***names, size_t *n, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 size = 0;

	*names = NULL;
	*n = 0;
	if ((d = opendir(streamdir)) == NULL) {
		if (errno == ENOENT)
			return (0);
		*cause = xasprintf("%s: %s", streamdir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (!segment_is_gen_name(de->d_name))
			continue;
		if (*n == size) {
			size = size == 0 ? 8 : size * 2;
			*names = xreallocarray(*names, size, sizeof **names);
		}
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 0)
		qsort(*names, *n, sizeof **names, segment_cmp);
	return (0);
}

/*
 * Rebuild a generation into out (created, replaced): snapshot.db, then each
 * segment in order whose capture time is <= until_ms (all if until_ms < 0),
 * every link checked. *last gets the last segment applied (0: none). A missing
 * segment before a later one, or a bad one, is an error naming it.
 * Returns -1 with *cause.
 */
int
segment_rebuild(const char *gendir, const char *out, int64_t until_ms, uint64_t *last,
    char **cause)
{
	struct segment_snapinfo	 si;
	struct segment_pos	 pos;
	struct segment		 seg;
	unsigned char		 prev[SEGMENT_SHALEN];
	char			*snap, *path;
	uint64_t		 seq, top;
	int			 fd;

	*last = 0;
	if (segment_snapshot_verify(gendir, &si, cause) == -1)
		return (-1);
	if (segment_last_seq(gendir, &top, cause) == -1)
		return (-1);
	snap = str_join_path(gendir, SEGMENT_SNAPSHOT);
	if (restore_copy_file(snap, out, 0600, true, NULL, cause) != FAIL_NONE) {
		free(snap);
		return (-1);
	}
	free(snap);
	if ((fd = open(out, O_RDWR | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", out, strerror(errno));
		return (-1);
	}
	segment_pos_snapshot(&si, &pos);
	memcpy(prev, si.sha, SEGMENT_SHALEN);
	for (seq = 1; seq <= top; seq++) {
		path = segment_path(gendir, seq);
		if (access(path, F_OK) == -1) {
			*cause = xasprintf(_("%s: missing, the chain has a gap"), path);
			goto fail;
		}
		if (segment_open(path, &seg, cause) == -1)
			goto fail;
		if (segment_check_link(&pos, prev, &seg, cause) == -1) {
			segment_clear(&seg);
			goto fail;
		}
		if (until_ms >= 0 && seg.hdr.time_ms > until_ms) {
			segment_clear(&seg);
			free(path);
			break;
		}
		if (seg.hdr.page_size != si.page_size && si.page_size != 0) {
			*cause = xasprintf(_("%s: page size %" PRIu32 " differs from the snapshot's"),
			    path, seg.hdr.page_size);
			segment_clear(&seg);
			goto fail;
		}
		if (segment_apply(fd, out, &seg, cause) != FAIL_NONE) {
			segment_clear(&seg);
			goto fail;
		}
		segment_pos_after(&seg.hdr, &pos);
		memcpy(prev, seg.sha, SEGMENT_SHALEN);
		*last = seq;
		segment_clear(&seg);
		free(path);
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		*cause = xasprintf("%s: %s", out, strerror(errno));
		return (-1);
	}
	return (0);
fail:
	free(path);
	close(fd);
	return (-1);
}

/*
 * The retention rule, for the local generations and the off-site copies
 * alike: whether generation name, whose newest point is newest_ms, is to be
 * removed. Never keep (the current one) or a newer one; never one with a
 * point within retention_s before now_ms.
 */
bool
segment_gen_expired(const char *name, const char *keep, int64_t newest_ms, int64_t retention_s,
    int64_t now_ms)
{
	if (keep != NULL && strcmp(name, keep) >= 0)
		return (false);
	return (newest_ms < now_ms - retention_s * 1000);
}
