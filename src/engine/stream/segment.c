/* segment.c: the stream's on-disk format (STREAM-CONTRACT.md): segments, snapshot.sha256, chains. */
#include "system.h"

#include <sys/stat.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Largest segment file segment_read holds in memory (segment_open streams any size). */
#define SEGMENT_MAXFILE	((size_t)1 << 30)
/* Bytes read or written at a time: memory stays flat whatever the segment's size. */
#define SEGMENT_CHUNK	((size_t)1 << 20)

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

/* A new SHA-256 context; out of memory ends the process (xmalloc_die). */
static EVP_MD_CTX *
segment_md_new(void)
{
	EVP_MD_CTX	*ctx;

	if ((ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		xmalloc_die("EVP_MD_CTX_new", sizeof ctx);
	return (ctx);
}

/* Whether n is a page size SQLite can use. */
bool
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

/* Encode a header into the first SEGMENT_HDRLEN_V1 bytes of out (the HMAC follows). */
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

/* Decode a header from SEGMENT_HDRLEN_V1 bytes (the magic is checked by the caller). */
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
	unsigned char	b[SEGMENT_HDRLEN_V1];
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
	if (n != (ssize_t)sizeof b || (memcmp(b, SEGMENT_MAGIC, 8) != 0 &&
	    memcmp(b, SEGMENT_MAGIC_V1, 8) != 0)) {
		*cause = xasprintf(_("%s: not a stream segment (bad magic or too short)"), path);
		return (-1);
	}
	segment_decode(b, h);
	return (0);
}

/*
 * Check a header against the size of its payload: a page size SQLite can
 * use, whole frames, their number, a first frame. Returns -1 with *cause
 * (which names path).
 */
static int
segment_check_size(const char *path, const struct segment_hdr *h, uint64_t len, char **cause)
{
	uint64_t	fsz;

	if (!segment_page_size_ok(h->page_size)) {
		*cause = xasprintf(_("%s: bad page size %" PRIu32), path, h->page_size);
		return (-1);
	}
	fsz = SEGMENT_FRAME_HDRLEN + (uint64_t)h->page_size;
	if (h->n_frames == 0 || len / fsz != h->n_frames || len % fsz != 0) {
		*cause = xasprintf(_("%s: payload of %zu bytes is not %" PRIu32
		    " frames of page size %" PRIu32), path, (size_t)len, h->n_frames,
		    h->page_size);
		return (-1);
	}
	if (h->first_frame == 0) {
		*cause = xasprintf(_("%s: first WAL frame number is 0"), path);
		return (-1);
	}
	return (0);
}

/* Check frame i (0-based) of a segment: page number set, the header's salts. -1 with *cause. */
static int
segment_check_frame(const char *path, const struct segment_hdr *h, const unsigned char *f,
    size_t i, char **cause)
{
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
	return (0);
}

/* The error for a segment whose last frame is not a commit frame. */
static char *
segment_no_commit(const char *path)
{
	return (xasprintf(_("%s: last frame is not a commit frame"), path));
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
	size_t	fsz, i;

	if (segment_check_size(path, h, len, cause) == -1)
		return (-1);
	fsz = SEGMENT_FRAME_HDRLEN + (size_t)h->page_size;
	for (i = 0; i < h->n_frames; i++)
		if (segment_check_frame(path, h, payload + i * fsz, i, cause) == -1)
			return (-1);
	if (segment_get32(payload + (h->n_frames - 1) * fsz + 4) == 0) {
		*cause = segment_no_commit(path);
		return (-1);
	}
	return (0);
}

/* Read len bytes at off; returns bytes read (short at end of file) or -1 with *cause. */
ssize_t
segment_pread(int fd, const char *path, void *b, size_t len, off_t off, char **cause)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < len) {
		n = pread(fd, (char *)b + done, len - done, off + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			return (-1);
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return ((ssize_t)done);
}

/* Frames per read of a segment: about SEGMENT_CHUNK bytes, at least one. */
static size_t
segment_chunk_frames(size_t fsz)
{
	return (fsz >= SEGMENT_CHUNK ? 1 : SEGMENT_CHUNK / fsz);
}

/* SHA-256 of an open file from its start, read in chunks, into md. Returns -1 with *cause. */
int
segment_hash_fd(int fd, const char *path, unsigned char *md, char **cause)
{
	EVP_MD_CTX	*ctx;
	unsigned char	*b;
	off_t		 off = 0;
	ssize_t		 n;

	ctx = segment_md_new();
	b = xmalloc(SEGMENT_CHUNK);
	while ((n = segment_pread(fd, path, b, SEGMENT_CHUNK, off, cause)) > 0) {
		EVP_DigestUpdate(ctx, b, (size_t)n);
		off += n;
	}
	if (n == 0)
		EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	free(b);
	return (n == 0 ? 0 : -1);
}

/*
 * Begin segment h->seq of a generation (page size and salts from h): a
 * temporary file beside it, the header's room left first. Returns -1 with
 * *cause.
 */
int
segment_writer_open(struct segment_writer *w, const char *gendir, const struct segment_hdr *h,
    char **cause)
{
	char	gen[PATH_MAX];

	memset(w, 0, sizeof *w);
	w->fd = -1;
	w->path = segment_path(gendir, h->seq);
	w->gen = xstrdup(segment_auth_gen(gendir, gen, sizeof gen));
	if (!segment_page_size_ok(h->page_size)) {
		*cause = xasprintf(_("%s: bad page size %" PRIu32), w->path, h->page_size);
		segment_writer_abort(w);
		return (-1);
	}
	w->hdr = *h;
	w->tmp = xasprintf("%s.tmp.XXXXXX", w->path);
	if ((w->fd = mkostemp(w->tmp, O_CLOEXEC)) == -1) {
		*cause = xasprintf("%s: %s", w->path, strerror(errno));
		free(w->tmp);
		w->tmp = NULL;
		segment_writer_abort(w);
		return (-1);
	}
	if (fchmod(w->fd, 0600) == -1 || lseek(w->fd, SEGMENT_HDRLEN, SEEK_SET) == -1) {
		*cause = xasprintf("%s: %s", w->path, strerror(errno));
		segment_writer_abort(w);
		return (-1);
	}
	w->ctx = segment_md_new();
	w->done = segment_md_new();
	w->buf = xmalloc(SEGMENT_CHUNK + SEGMENT_FRAME_HDRLEN + 65536);
	return (0);
}

/* Write out the frames buffered. Returns -1 with *cause. */
static int
segment_writer_flush(struct segment_writer *w, char **cause)
{
	size_t	done;
	ssize_t	n;

	for (done = 0; done < w->nbuf; done += (size_t)n) {
		if ((n = write(w->fd, w->buf + done, w->nbuf - done)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			*cause = xasprintf("%s: %s", w->tmp, strerror(errno));
			return (-1);
		}
	}
	w->nbuf = 0;
	return (0);
}

/*
 * Add one WAL frame (24 + page_size bytes) to a segment being written. The
 * segment ends at the last commit frame added: frames after it are dropped
 * by segment_writer_finish. Returns -1 with *cause.
 */
int
segment_writer_add(struct segment_writer *w, const unsigned char *f, char **cause)
{
	size_t	fsz = SEGMENT_FRAME_HDRLEN + (size_t)w->hdr.page_size;

	if (segment_check_frame(w->path, &w->hdr, f, (size_t)w->n, cause) == -1)
		return (-1);
	memcpy(w->buf + w->nbuf, f, fsz);
	w->nbuf += fsz;
	EVP_DigestUpdate(w->ctx, f, fsz);
	w->n++;
	if (segment_get32(f + 4) != 0) {
		if (EVP_MD_CTX_copy_ex(w->done, w->ctx) != 1)
			xmalloc_die("EVP_MD_CTX_copy_ex", sizeof w->done);
		w->n_done = w->n;
	}
	if (w->nbuf >= SEGMENT_CHUNK)
		return (segment_writer_flush(w, cause));
	return (0);
}

/*
 * Finish a segment: the frames up to the last commit frame added, under
 * header h (its page size, sequence and salts those given to
 * segment_writer_open; n_frames and payload_sha are filled in), made durable
 * and named (fsync, rename, folder fsync; 0600). sha (may be NULL) gets the
 * SHA-256 of the whole file. The writer is freed either way. Returns -1 with
 * *cause.
 */
int
segment_writer_finish(struct segment_writer *w, struct segment_hdr *h, unsigned char *sha,
    char **cause)
{
	unsigned char	hb[SEGMENT_HDRLEN];
	off_t		size;
	int		rc = -1;
	char		*c2 = NULL;

	if (w->n_done == 0) {
		*cause = segment_no_commit(w->path);
		goto out;
	}
	h->n_frames = (uint32_t)w->n_done;
	EVP_DigestFinal_ex(w->done, h->payload_sha, NULL);
	segment_encode(h, hb);
	if (segment_auth_mac(w->gen, hb, SEGMENT_HDRLEN_V1, hb + SEGMENT_HDRLEN_V1, &c2) == -1) {
		*cause = xasprintf("%s: %s", w->path, c2);
		free(c2);
		goto out;
	}
	size = SEGMENT_HDRLEN + (off_t)w->n_done *
	    (off_t)(SEGMENT_FRAME_HDRLEN + (size_t)h->page_size);
	if (segment_writer_flush(w, cause) == -1)
		goto out;
	if (ftruncate(w->fd, size) == -1 || pwrite(w->fd, hb, sizeof hb, 0) != sizeof hb) {
		*cause = xasprintf("%s: %s", w->tmp, strerror(errno));
		goto out;
	}
	if (sha != NULL && segment_hash_fd(w->fd, w->tmp, sha, cause) == -1)
		goto out;
	if (fsync(w->fd) == -1 || close(w->fd) == -1) {
		w->fd = -1;
		*cause = xasprintf("%s: %s", w->path, strerror(errno));
		goto out;
	}
	w->fd = -1;
	if (rename(w->tmp, w->path) == -1) {
		*cause = xasprintf("%s: %s", w->path, strerror(errno));
		goto out;
	}
	free(w->tmp);
	w->tmp = NULL;
	rc = fs_fsync_parent(w->path, cause);
out:
	segment_writer_abort(w);
	return (rc);
}

/* Give up a segment being written (its temporary file removed), or free a finished writer. */
void
segment_writer_abort(struct segment_writer *w)
{
	if (w->fd != -1)
		close(w->fd);
	if (w->tmp != NULL)
		unlink(w->tmp);
	EVP_MD_CTX_free(w->ctx);
	EVP_MD_CTX_free(w->done);
	free(w->buf);
	free(w->tmp);
	free(w->path);
	free(w->gen);
	memset(w, 0, sizeof *w);
	w->fd = -1;
}

/*
 * Write segment h->seq of a generation from a payload in memory (tmp, fsync,
 * rename, folder fsync; 0600). Fills h->n_frames and h->payload_sha from the
 * payload, and sha (may be NULL) with the SHA-256 of the whole file. Returns
 * -1 with *cause.
 */
int
segment_write(const char *gendir, struct segment_hdr *h, const void *payload,
    size_t len, unsigned char *sha, char **cause)
{
	struct segment_writer	 w;
	const unsigned char	*p = payload;
	char			*path;
	size_t			 fsz, i;

	path = segment_path(gendir, h->seq);
	fsz = SEGMENT_FRAME_HDRLEN + (size_t)h->page_size;
	h->n_frames = segment_page_size_ok(h->page_size) ? (uint32_t)(len / fsz) : 0;
	if (segment_check_frames(path, h, payload, len, cause) == -1) {
		free(path);
		return (-1);
	}
	free(path);
	if (segment_writer_open(&w, gendir, h, cause) == -1)
		return (-1);
	for (i = 0; i < h->n_frames; i++) {
		if (segment_writer_add(&w, p + i * fsz, cause) == -1) {
			segment_writer_abort(&w);
			return (-1);
		}
	}
	return (segment_writer_finish(&w, h, sha, cause));
}

/* The generation a segment file is in (the name of its folder), into gen. */
static const char *
segment_file_gen(const char *path, char *gen, size_t len)
{
	const char	*slash;
	char		*dir;

	if ((slash = strrchr(path, '/')) == NULL) {
		*gen = '\0';
		return (gen);
	}
	dir = xstrndup(path, (size_t)(slash - path));
	segment_auth_gen(dir, gen, len);
	free(dir);
	return (gen);
}

/*
 * Read and verify one segment file, streamed in chunks: magic, sizes, frame
 * salts and page numbers, commit frame last, payload hash, sequence number =
 * file name. With keep, the payload is kept in seg->payload (at most
 * SEGMENT_MAXFILE); else the file stays open for segment_apply. Fills seg
 * (free with segment_clear). Returns -1 with *cause naming the file and the
 * reason.
 */
static int
segment_load(const char *path, const char *gen, struct segment *seg, bool keep, char **cause)
{
	EVP_MD_CTX	*pctx = NULL, *fctx = NULL;
	unsigned char	 hb[SEGMENT_HDRLEN], md[SEGMENT_SHALEN], *b = NULL, *f;
	struct stat	 sb;
	const char	*base;
	uint64_t	 seq, i = 0, fsz, k;
	size_t		 want;
	ssize_t		 n;
	int		 fd;

	memset(seg, 0, sizeof *seg);
	seg->fd = -1;
	/* Only a regular file is read: a FIFO or device is refused without blocking on it. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 || fstat(fd, &sb) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		*cause = xasprintf(_("%s: not a regular file"), path);
		goto fail;
	}
	if (keep && (uint64_t)sb.st_size > SEGMENT_MAXFILE) {
		*cause = xasprintf(_("%s: larger than %zu bytes"), path, SEGMENT_MAXFILE);
		goto fail;
	}
	if ((n = segment_pread(fd, path, hb, sizeof hb, 0, cause)) == -1)
		goto fail;
	seg->hdrlen = n >= SEGMENT_HDRLEN_V1 && memcmp(hb, SEGMENT_MAGIC_V1, 8) == 0 ?
	    SEGMENT_HDRLEN_V1 : SEGMENT_HDRLEN;
	if (n < (ssize_t)seg->hdrlen || (seg->hdrlen == SEGMENT_HDRLEN &&
	    memcmp(hb, SEGMENT_MAGIC, 8) != 0)) {
		*cause = xasprintf(_("%s: not a stream segment (bad magic or too short)"), path);
		goto fail;
	}
	segment_decode(hb, &seg->hdr);
	/* The HMAC binds the header (payload SHA-256, sequence, previous file) to the generation. */
	if (segment_auth_check(path, gen, hb, SEGMENT_HDRLEN_V1, seg->hdrlen == SEGMENT_HDRLEN ?
	    hb + SEGMENT_HDRLEN_V1 : NULL, &seg->authed, cause) == -1)
		goto fail;
	if (segment_check_size(path, &seg->hdr, (uint64_t)sb.st_size - seg->hdrlen,
	    cause) == -1)
		goto fail;
	fsz = SEGMENT_FRAME_HDRLEN + (uint64_t)seg->hdr.page_size;
	seg->len = (size_t)sb.st_size - seg->hdrlen;
	k = segment_chunk_frames(fsz);
	if (keep)
		seg->payload = xmalloc(seg->len);
	else
		b = xmalloc(k * fsz);
	pctx = segment_md_new();
	fctx = segment_md_new();
	EVP_DigestUpdate(fctx, hb, seg->hdrlen);
	while (i < seg->hdr.n_frames) {
		if (k > seg->hdr.n_frames - i)
			k = seg->hdr.n_frames - i;
		want = (size_t)(k * fsz);
		f = keep ? seg->payload + i * fsz : b;
		if ((n = segment_pread(fd, path, f, want, (off_t)seg->hdrlen + (off_t)(i * fsz),
		    cause)) == -1)
			goto fail;
		if ((size_t)n != want) {
			*cause = xasprintf(_("%s: payload of %zu bytes is not %" PRIu32
			    " frames of page size %" PRIu32), path, (size_t)(i * fsz) +
			    (size_t)n, seg->hdr.n_frames, seg->hdr.page_size);
			goto fail;
		}
		EVP_DigestUpdate(pctx, f, want);
		EVP_DigestUpdate(fctx, f, want);
		for (; k > 0; k--, i++, f += fsz)
			if (segment_check_frame(path, &seg->hdr, f, (size_t)i, cause) == -1)
				goto fail;
		k = segment_chunk_frames(fsz);
		if (i == seg->hdr.n_frames) {
			seg->last = xmalloc(fsz);
			memcpy(seg->last, f - fsz, fsz);
		}
	}
	if (segment_get32(seg->last + 4) == 0) {
		*cause = segment_no_commit(path);
		goto fail;
	}
	EVP_DigestFinal_ex(pctx, md, NULL);
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
	EVP_DigestFinal_ex(fctx, seg->sha, NULL);
	EVP_MD_CTX_free(pctx);
	EVP_MD_CTX_free(fctx);
	free(b);
	seg->path = xstrdup(path);
	if (keep)
		close(fd);
	else {
		seg->fd = fd;
		seg->open = true;
	}
	return (0);
fail:
	EVP_MD_CTX_free(pctx);
	EVP_MD_CTX_free(fctx);
	free(b);
	if (fd != -1)
		close(fd);
	segment_clear(seg);
	return (-1);
}

/*
 * Read and verify one segment file, its payload in memory (small files).
 * Fills seg (free with segment_clear). Returns -1 with *cause naming the file
 * and the reason.
 */
int
segment_read(const char *path, struct segment *seg, char **cause)
{
	char	gen[PATH_MAX];

	return (segment_load(path, segment_file_gen(path, gen, sizeof gen), seg, true, cause));
}

/*
 * Verify one segment file as segment_read does, in constant memory: the
 * payload stays in the file, which is kept open for segment_apply. Fills seg
 * (free with segment_clear). Returns -1 with *cause naming the file.
 */
int
segment_open(const char *path, struct segment *seg, char **cause)
{
	char	gen[PATH_MAX];

	return (segment_load(path, segment_file_gen(path, gen, sizeof gen), seg, false, cause));
}


/* Free what segment_read or segment_open filled. */
void
segment_clear(struct segment *seg)
{
	if (seg->open)
		close(seg->fd);
	free(seg->path);
	free(seg->payload);
	free(seg->last);
	memset(seg, 0, sizeof *seg);
	seg->fd = -1;
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

/*
 * Apply one WAL frame to a database file open on fd (named path in messages):
 * its page at (pgno-1)*page_size, the file truncated at a commit frame.
 * Returns the failure class, with *cause.
 */
enum fail_class
segment_apply_frame(int fd, const char *path, uint32_t page_size, const unsigned char *f,
    char **cause)
{
	enum fail_class	fc;

	size_t		ps = page_size, done;
	uint32_t	pgno, dbsize;
	ssize_t		n;

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
			fc = n == 0 ? FAIL_IO : fail_errno(errno);
			*cause = xasprintf("%s: %s", path, strerror(n == 0 ? EIO : errno));
			return (fc);
		}
	}
	if (dbsize != 0 && ftruncate(fd, (off_t)dbsize * (off_t)ps) == -1) {
		fc = fail_errno(errno);
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (fc);
	}
	return (FAIL_NONE);
}

/*
 * Apply a segment to a database file open on fd (named path in messages):
 * each frame's page at (pgno-1)*page_size, truncated at each commit frame.
 * A segment from segment_open is read again from its file in chunks, and its
 * payload must hash as it did when it was verified. Returns the failure
 * class (FAIL_IO for a segment changed or unreadable), with *cause.
 */
enum fail_class
segment_apply(int fd, const char *path, const struct segment *seg, char **cause)
{
	EVP_MD_CTX	*ctx;
	unsigned char	*b, *f, md[SEGMENT_SHALEN];
	size_t		 fsz = SEGMENT_FRAME_HDRLEN + (size_t)seg->hdr.page_size, k;
	uint64_t	 i;
	ssize_t		 n;
	enum fail_class	 rc = FAIL_IO;

	if (seg->payload != NULL) {
		for (i = 0; i < seg->hdr.n_frames; i++)
			if ((rc = segment_apply_frame(fd, path, seg->hdr.page_size,
			    seg->payload + i * fsz, cause)) != FAIL_NONE)
				return (rc);
		return (FAIL_NONE);
	}
	k = segment_chunk_frames(fsz);
	b = xmalloc(k * fsz);
	ctx = segment_md_new();
	for (i = 0; i < seg->hdr.n_frames;) {
		if (k > seg->hdr.n_frames - i)
			k = (size_t)(seg->hdr.n_frames - i);
		if ((n = segment_pread(seg->fd, seg->path, b, k * fsz,
		    (off_t)seg->hdrlen + (off_t)(i * fsz), cause)) == -1) {
			rc = FAIL_IO;
			goto out;
		}
		if ((size_t)n != k * fsz)
			break;
		EVP_DigestUpdate(ctx, b, k * fsz);
		for (f = b; k > 0; k--, i++, f += fsz)
			if ((rc = segment_apply_frame(fd, path, seg->hdr.page_size, f,
			    cause)) != FAIL_NONE)
				goto out;
		k = segment_chunk_frames(fsz);
	}
	EVP_DigestFinal_ex(ctx, md, NULL);
	if (i != seg->hdr.n_frames || memcmp(md, seg->hdr.payload_sha, SEGMENT_SHALEN) != 0) {
		*cause = xasprintf(_("%s: changed while it was applied (its payload no longer "
		    "matches its SHA-256)"), seg->path);
		rc = FAIL_IO;
		goto out;
	}
	rc = FAIL_NONE;
out:
	EVP_MD_CTX_free(ctx);
	free(b);
	return (rc);
}
