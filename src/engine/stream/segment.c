/* segment.c: the stream's on-disk format (STREAM-CONTRACT.md): segments, snapshot.sha256, chains. */
#include "system.h"

#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "engine/set/hashio.h"
#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Largest segment file segment_read accepts. */
#define SEGMENT_MAXFILE	((size_t)1 << 30)

/* Read a big-endian 32-bit integer. */
uint32_t
segment_get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

/* Read a big-endian 64-bit integer. */
uint64_t
segment_get64(const unsigned char *p)
{
	return ((uint64_t)segment_get32(p) << 32 | segment_get32(p + 4));
}

/* Write a big-endian 32-bit integer. */
void
segment_put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Write a big-endian 64-bit integer. */
void
segment_put64(unsigned char *p, uint64_t v)
{
	segment_put32(p, v >> 32);
	segment_put32(p + 4, (uint32_t)v);
}

/* SHA-256 of a buffer into md (32 bytes). */
void
segment_sha256(const void *data, size_t len, unsigned char *md)
{
	unsigned int	mdlen = SEGMENT_SHALEN;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
}

/* Whether n is a page size SQLite can use. */
static bool
segment_page_size_ok(uint32_t n)
{
	return (n >= 512 && n <= 65536 && (n & (n - 1)) == 0);
}

/* The file name of segment seq, "00000001.seg"; the caller frees. */
char *
segment_name(uint64_t seq)
{
	return (xasprintf("%08" PRIu64 ".seg", seq));
}

/* The path of segment seq in a generation folder; the caller frees. */
char *
segment_path(const char *gendir, uint64_t seq)
{
	char	*name = segment_name(seq), *path;

	path = str_join_path(gendir, name);
	free(name);
	return (path);
}

/* Parse a segment file name (8 or more digits, ".seg") into *seq. Returns -1 if not one. */
int
segment_parse_name(const char *name, uint64_t *seq)
{
	const char	*p;
	uint64_t	 v = 0;

	for (p = name; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return (-1);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p - name < 8 || strcmp(p, ".seg") != 0 || v == 0)
		return (-1);
	*seq = v;
	return (0);
}

/* Encode a header into the first SEGMENT_HDRLEN bytes of out. */
static void
segment_encode(const struct segment_hdr *h, unsigned char *out)
{
	memcpy(out, SEGMENT_MAGIC, 8);
	segment_put32(out + 8, h->page_size);
	segment_put32(out + 12, h->n_frames);
	segment_put64(out + 16, h->seq);
	segment_put64(out + 24, (uint64_t)h->time_ms);
	segment_put64(out + 32, h->first_frame);
	segment_put32(out + 40, h->salt1);
	segment_put32(out + 44, h->salt2);
	memcpy(out + 48, h->prev_sha, SEGMENT_SHALEN);
	memcpy(out + 80, h->payload_sha, SEGMENT_SHALEN);
}

/* Decode a header from SEGMENT_HDRLEN bytes (the magic is checked by the caller). */
static void
segment_decode(const unsigned char *in, struct segment_hdr *h)
{
	h->page_size = segment_get32(in + 8);
	h->n_frames = segment_get32(in + 12);
	h->seq = segment_get64(in + 16);
	h->time_ms = (int64_t)segment_get64(in + 24);
	h->first_frame = segment_get64(in + 32);
	h->salt1 = segment_get32(in + 40);
	h->salt2 = segment_get32(in + 44);
	memcpy(h->prev_sha, in + 48, SEGMENT_SHALEN);
	memcpy(h->payload_sha, in + 80, SEGMENT_SHALEN);
}

/*
 * The header of a segment file alone, without reading or checking its
 * payload (for a capture time, say): the magic is checked. Returns -1 with
 * *cause naming the file.
 */
int
segment_read_hdr(const char *path, struct segment_hdr *h, char **cause)
{
	unsigned char	b[SEGMENT_HDRLEN];
	ssize_t		n;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	n = pread(fd, b, sizeof b, 0);
	if (n == -1)
		*cause = xasprintf("%s: %s", path, strerror(errno));
	close(fd);
	if (n == -1)
		return (-1);
	if (n != (ssize_t)sizeof b || memcmp(b, SEGMENT_MAGIC, 8) != 0) {
		*cause = xasprintf(_("%s: not a stream segment (bad magic or too short)"), path);
		return (-1);
	}
	segment_decode(b, h);
	return (0);
}

/*
 * Check a payload of WAL frames against the header: whole frames, the header's
 * salts in each, page numbers set, the last a commit frame. Returns -1 with
 * *cause (which names path).
 */
static int
segment_check_frames(const char *path, const struct segment_hdr *h,
    const unsigned char *payload, size_t len, char **cause)
{
	size_t			 fsz, i;
	const unsigned char	*f;

	if (!segment_page_size_ok(h->page_size)) {
		*cause = xasprintf(_("%s: bad page size %" PRIu32), path, h->page_size);
		return (-1);
	}
	fsz = SEGMENT_FRAME_HDRLEN + (size_t)h->page_size;
	if (h->n_frames == 0 || len / fsz != h->n_frames || len % fsz != 0) {
		*cause = xasprintf(_("%s: payload of %zu bytes is not %" PRIu32
		    " frames of page size %" PRIu32), path, len, h->n_frames, h->page_size);
		return (-1);
	}
	if (h->first_frame == 0) {
		*cause = xasprintf(_("%s: first WAL frame number is 0"), path);
		return (-1);
	}
	for (i = 0; i < h->n_frames; i++) {
		f = payload + i * fsz;
		if (segment_get32(f) == 0) {
			*cause = xasprintf(_("%s: frame %zu has page number 0"), path, i + 1);
			return (-1);
		}
		if (segment_get32(f + 8) != h->salt1 || segment_get32(f + 12) != h->salt2) {
			*cause = xasprintf(_("%s: frame %zu has salts %" PRIu32 " %" PRIu32
			    ", the segment %" PRIu32 " %" PRIu32), path, i + 1,
			    segment_get32(f + 8), segment_get32(f + 12), h->salt1, h->salt2);
			return (-1);
		}
	}
	if (segment_get32(payload + (h->n_frames - 1) * fsz + 4) == 0) {
		*cause = xasprintf(_("%s: last frame is not a commit frame"), path);
		return (-1);
	}
	return (0);
}

/*
 * Write segment h->seq of a generation (tmp, fsync, rename, folder fsync; 0600).
 * Fills h->n_frames and h->payload_sha from the payload, and sha (may be NULL)
 * with the SHA-256 of the whole file. Returns -1 with *cause.
 */
int
segment_write(const char *gendir, struct segment_hdr *h, const void *payload,
    size_t len, unsigned char *sha, char **cause)
{
	unsigned char	*buf;
	char		*path;
	size_t		 fsz;
	int		 rc;

	path = segment_path(gendir, h->seq);
	fsz = SEGMENT_FRAME_HDRLEN + (size_t)h->page_size;
	h->n_frames = segment_page_size_ok(h->page_size) ? (uint32_t)(len / fsz) : 0;
	if (segment_check_frames(path, h, payload, len, cause) == -1) {
		free(path);
		return (-1);
	}
	segment_sha256(payload, len, h->payload_sha);
	buf = xmalloc(SEGMENT_HDRLEN + len);
	segment_encode(h, buf);
	memcpy(buf + SEGMENT_HDRLEN, payload, len);
	if (sha != NULL)
		segment_sha256(buf, SEGMENT_HDRLEN + len, sha);
	rc = fs_write_atomic(path, buf, SEGMENT_HDRLEN + len, 0600, cause);
	free(buf);
	free(path);
	return (rc);
}

/*
 * Read and verify one segment file: magic, sizes, payload hash, frame salts,
 * commit frame last, sequence number = file name. Fills seg (free with
 * segment_clear). Returns -1 with *cause naming the file and the reason.
 */
int
segment_read(const char *path, struct segment *seg, char **cause)
{
	char		*data = NULL, *cause1 = NULL;
	const char	*base;
	unsigned char	 md[SEGMENT_SHALEN];
	size_t		 len;
	uint64_t	 seq;

	memset(seg, 0, sizeof *seg);
	if (fs_read_file(path, SEGMENT_MAXFILE, &data, &len, &cause1) == -1) {
		*cause = cause1;
		return (-1);
	}
	if (len < SEGMENT_HDRLEN || memcmp(data, SEGMENT_MAGIC, 8) != 0) {
		*cause = xasprintf(_("%s: not a stream segment (bad magic or too short)"), path);
		goto fail;
	}
	segment_decode((unsigned char *)data, &seg->hdr);
	if (segment_check_frames(path, &seg->hdr, (unsigned char *)data + SEGMENT_HDRLEN,
	    len - SEGMENT_HDRLEN, cause) == -1)
		goto fail;
	segment_sha256(data + SEGMENT_HDRLEN, len - SEGMENT_HDRLEN, md);
	if (memcmp(md, seg->hdr.payload_sha, SEGMENT_SHALEN) != 0) {
		*cause = xasprintf(_("%s: payload does not match its SHA-256 (corrupt)"), path);
		goto fail;
	}
	base = strrchr(path, '/');
	base = base == NULL ? path : base + 1;
	if (segment_parse_name(base, &seq) == 0 && seq != seg->hdr.seq) {
		*cause = xasprintf(_("%s: holds sequence number %" PRIu64), path, seg->hdr.seq);
		goto fail;
	}
	segment_sha256(data, len, seg->sha);
	seg->path = xstrdup(path);
	seg->len = len - SEGMENT_HDRLEN;
	seg->payload = xmalloc(seg->len);
	memcpy(seg->payload, data + SEGMENT_HDRLEN, seg->len);
	free(data);
	return (0);
fail:
	free(data);
	return (-1);
}

/* Free what segment_read filled. */
void
segment_clear(struct segment *seg)
{
	free(seg->path);
	free(seg->payload);
	memset(seg, 0, sizeof *seg);
}

/* The highest segment number in a generation folder into *seq (0 if none). Returns -1 with *cause. */
int
segment_last_seq(const char *gendir, uint64_t *seq, char **cause)
{
	DIR		*d;
	struct dirent	*de;
	uint64_t	 v;

	*seq = 0;
	if ((d = opendir(gendir)) == NULL) {
		*cause = xasprintf("%s: %s", gendir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (segment_parse_name(de->d_name, &v) == 0 && v > *seq)
			*seq = v;
	}
	closedir(d);
	return (0);
}

/* The chain position after a segment: its salts and its last frame. */
void
segment_pos_after(const struct segment_hdr *h, struct segment_pos *pos)
{
	pos->salt1 = h->salt1;
	pos->salt2 = h->salt2;
	pos->frame = h->first_frame + h->n_frames - 1;
	pos->any_salt = false;
}

/* The chain position of a snapshot (where segment 1 must start). */
void
segment_pos_snapshot(const struct segment_snapinfo *si, struct segment_pos *pos)
{
	pos->salt1 = si->salt1;
	pos->salt2 = si->salt2;
	pos->frame = si->wal_frame;
	pos->any_salt = si->wal_frame == 0 && si->salt1 == 0 && si->salt2 == 0;
}

/*
 * Whether a segment continues the chain at pos: the next frame under the same
 * salts, or frame 1 of a restarted WAL (salt-1 one higher), or frame 1 under
 * any salt after a snapshot of an empty WAL.
 */
bool
segment_continues(const struct segment_pos *pos, const struct segment_hdr *h)
{
	if (h->salt1 == pos->salt1 && h->salt2 == pos->salt2 &&
	    h->first_frame == pos->frame + 1)
		return (true);
	if (h->first_frame == 1 && h->salt1 == pos->salt1 + 1)
		return (true);
	return (h->first_frame == 1 && pos->any_salt);
}

/*
 * Check that seg links to the chain: it continues pos and records prev_sha
 * (SHA-256 of the previous segment file, or of snapshot.db for segment 1).
 * Returns -1 with *cause naming the segment.
 */
int
segment_check_link(const struct segment_pos *pos, const unsigned char *prev_sha,
    const struct segment *seg, char **cause)
{
	if (!segment_continues(pos, &seg->hdr)) {
		*cause = xasprintf(_("%s: does not continue the chain: starts at WAL frame %"
		    PRIu64 " under salts %" PRIu32 " %" PRIu32 ", expected frame %" PRIu64
		    " under salts %" PRIu32 " %" PRIu32 " or frame 1 after a WAL restart"),
		    seg->path, seg->hdr.first_frame, seg->hdr.salt1, seg->hdr.salt2,
		    pos->frame + 1, pos->salt1, pos->salt2);
		return (-1);
	}
	if (memcmp(prev_sha, seg->hdr.prev_sha, SEGMENT_SHALEN) != 0) {
		*cause = xasprintf(_("%s: does not follow the previous file (its SHA-256 differs)"),
		    seg->path);
		return (-1);
	}
	return (0);
}

/* Page number and database size (0 unless a commit frame) of frame i (0-based). Returns -1 if out of range. */
int
segment_frame_commit(const struct segment *seg, size_t i, uint32_t *pgno, uint32_t *dbsize)
{
	const unsigned char	*f;

	if (i >= seg->hdr.n_frames)
		return (-1);
	f = seg->payload + i * (SEGMENT_FRAME_HDRLEN + (size_t)seg->hdr.page_size);
	*pgno = segment_get32(f);
	*dbsize = segment_get32(f + 4);
	return (0);
}

/*
 * Apply a segment to a database file open on fd (named path in messages):
 * each frame's page at (pgno-1)*page_size, truncated at each commit frame.
 * Returns -1 with *cause.
 */
int
segment_apply(int fd, const char *path, const struct segment *seg, char **cause)
{
	const unsigned char	*f;
	size_t			 ps = seg->hdr.page_size, i, done;
	uint32_t		 pgno, dbsize;
	ssize_t			 n;

	for (i = 0; i < seg->hdr.n_frames; i++) {
		f = seg->payload + i * (SEGMENT_FRAME_HDRLEN + ps);
		pgno = segment_get32(f);
		dbsize = segment_get32(f + 4);
		for (done = 0; done < ps; done += (size_t)n) {
			n = pwrite(fd, f + SEGMENT_FRAME_HDRLEN + done, ps - done,
			    (off_t)(pgno - 1) * (off_t)ps + (off_t)done);
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0) {
				*cause = xasprintf("%s: %s", path, strerror(errno));
				return (-1);
			}
		}
		if (dbsize != 0 && ftruncate(fd, (off_t)dbsize * (off_t)ps) == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			return (-1);
		}
	}
	return (0);
}

/* Write GEN/snapshot.sha256 atomically from si. Returns -1 with *cause. */
int
segment_snapinfo_write(const char *gendir, const struct segment_snapinfo *si, char **cause)
{
	struct buf	 b;
	char		 hex[SEGMENT_SHALEN * 2 + 1], *path;
	int		 rc;

	str_hex(si->sha, SEGMENT_SHALEN, hex);
	buf_init(&b);
	buf_printf(&b, "%s  %s\n", hex, SEGMENT_SNAPSHOT);
	buf_printf(&b, "Time-Ms: %" PRId64 "\n", si->time_ms);
	buf_printf(&b, "Page-Size: %" PRIu32 "\n", si->page_size);
	buf_printf(&b, "Wal-Salt: %" PRIu32 " %" PRIu32 "\n", si->salt1, si->salt2);
	buf_printf(&b, "Wal-Frame: %" PRIu64 "\n", si->wal_frame);
	path = str_join_path(gendir, SEGMENT_SNAPSHOT_SHA);
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

/* Read GEN/snapshot.sha256 into si. Returns -1 with *cause naming the file. */
int
segment_snapinfo_read(const char *gendir, struct segment_snapinfo *si, char **cause)
{
	char		*path, *data = NULL, *line, *next, *cause1 = NULL;
	unsigned long long a, b;
	long long	 t;
	int		 seen = 0, first = 1;

	memset(si, 0, sizeof *si);
	path = str_join_path(gendir, SEGMENT_SNAPSHOT_SHA);
	if (fs_read_file(path, 64 * 1024, &data, NULL, &cause1) == -1) {
		*cause = cause1;
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
	char			*snap, *data = NULL, *path;
	size_t			 len;
	uint64_t		 seq, top;
	int			 fd;

	*last = 0;
	if (segment_snapshot_verify(gendir, &si, cause) == -1)
		return (-1);
	if (segment_last_seq(gendir, &top, cause) == -1)
		return (-1);
	snap = str_join_path(gendir, SEGMENT_SNAPSHOT);
	if (fs_read_file(snap, SIZE_MAX / 2, &data, &len, cause) == -1) {
		free(snap);
		return (-1);
	}
	free(snap);
	if (fs_write_atomic(out, data, len, 0600, cause) == -1) {
		free(data);
		return (-1);
	}
	free(data);
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
		if (segment_read(path, &seg, cause) == -1)
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
		if (segment_apply(fd, out, &seg, cause) == -1) {
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
