/* wal.c: reading an SQLite -wal file from outside SQLite: header, frames, checksums. */
#include "system.h"

#include <fcntl.h>
#include <unistd.h>

#include "engine/stream/segment.h"
#include "engine/stream/wal.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* SQLite's WAL checksum over n bytes (a multiple of 8), continuing s. */
static void
wal_cksum(bool be, const unsigned char *a, size_t n, uint32_t *s)
{
	uint32_t	s0 = s[0], s1 = s[1], x0, x1;
	size_t		i;

	for (i = 0; i < n; i += 8) {
		if (be) {
			x0 = segment_get32(a + i);
			x1 = segment_get32(a + i + 4);
		} else {
			x0 = (uint32_t)a[i] | (uint32_t)a[i + 1] << 8 |
			    (uint32_t)a[i + 2] << 16 | (uint32_t)a[i + 3] << 24;
			x1 = (uint32_t)a[i + 4] | (uint32_t)a[i + 5] << 8 |
			    (uint32_t)a[i + 6] << 16 | (uint32_t)a[i + 7] << 24;
		}
		s0 += x0 + s1;
		s1 += x1 + s0;
	}
	s[0] = s0;
	s[1] = s1;
}

/* Open the -wal file for reading into *fd (-1 if there is none). Returns -1 with *cause. */
int
wal_open(const char *path, int *fd, char **cause)
{
	if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 && errno != ENOENT) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* Read and check the WAL header. Returns -1 with *cause on an I/O error. */
int
wal_header(const char *path, int fd, struct wal_hdr *h, char **cause)
{
	unsigned char	b[WAL_HDRLEN];
	uint32_t	magic, ck[2] = { 0, 0 };
	ssize_t		n;

	memset(h, 0, sizeof *h);
	if (fd == -1)
		return (0);
	if ((n = segment_pread(fd, path, b, sizeof b, 0, cause)) == -1)
		return (-1);
	if (n < WAL_HDRLEN)
		return (0);
	magic = segment_get32(b);
	if (magic != WAL_MAGIC_LE && magic != WAL_MAGIC_BE)
		return (0);
	h->be = magic == WAL_MAGIC_BE;
	wal_cksum(h->be, b, 24, ck);
	if (ck[0] != segment_get32(b + 24) || ck[1] != segment_get32(b + 28))
		return (0);
	h->page_size = segment_get32(b + 8);
	if (h->page_size == 1)
		h->page_size = 65536;
	if (h->page_size < 512 || h->page_size > 65536 || (h->page_size & (h->page_size - 1)))
		return (0);
	h->salt1 = segment_get32(b + 16);
	h->salt2 = segment_get32(b + 20);
	h->cksum[0] = ck[0];
	h->cksum[1] = ck[1];
	h->valid = true;
	return (0);
}

/* Byte offset of WAL frame n (1-based). */
off_t
wal_frame_off(const struct wal_hdr *h, uint64_t n)
{
	return (WAL_HDRLEN + (off_t)(n - 1) * (off_t)(SEGMENT_FRAME_HDRLEN + h->page_size));
}

/*
 * Read the valid frames of the WAL after frame `after` (whose checksum seeds
 * the chain; the header's when 0) to its valid end, or to frame `limit` (0:
 * no limit), in chunks. Each valid frame goes to fn (NULL: none) in order,
 * those after the last commit frame too: fn decides what to keep. Sets *last
 * (the last commit frame, = after if none) and *end (the last valid frame).
 * Returns 1 if frame `after` itself is not a valid frame of this WAL (the
 * chain is broken), 0, or -1 with *cause (an I/O error, or fn's).
 */
int
wal_scan(const char *path, int fd, const struct wal_hdr *h, uint64_t after, uint64_t limit,
    wal_frame_fn fn, void *arg, uint64_t *last, uint64_t *end, char **cause)
{
	size_t		 fsz = SEGMENT_FRAME_HDRLEN + h->page_size, chunk_frames;
	unsigned char	*chunk, fh[SEGMENT_FRAME_HDRLEN], *f;
	uint32_t	 ck[2];
	uint64_t	 n;
	size_t		 i, got;
	ssize_t		 r;
	int		 rc = 0;

	*last = *end = after;
	if (after == 0) {
		ck[0] = h->cksum[0];
		ck[1] = h->cksum[1];
	} else {
		r = segment_pread(fd, path, fh, sizeof fh, wal_frame_off(h, after), cause);
		if (r == -1)
			return (-1);
		if (r < (ssize_t)sizeof fh || segment_get32(fh + 8) != h->salt1 ||
		    segment_get32(fh + 12) != h->salt2)
			return (1);
		ck[0] = segment_get32(fh + 16);
		ck[1] = segment_get32(fh + 20);
	}
	chunk_frames = fsz >= WAL_CHUNK ? 1 : WAL_CHUNK / fsz;
	chunk = xmalloc(chunk_frames * fsz);
	n = after + 1;
	for (;;) {
		r = segment_pread(fd, path, chunk, chunk_frames * fsz, wal_frame_off(h, n), cause);
		if (r == -1) {
			rc = -1;
			break;
		}
		got = (size_t)r / fsz;
		for (i = 0; i < got; i++, n++) {
			f = chunk + i * fsz;
			if ((limit > 0 && n > limit) || segment_get32(f) == 0 ||
			    segment_get32(f + 8) != h->salt1 || segment_get32(f + 12) != h->salt2)
				goto done;
			wal_cksum(h->be, f, 8, ck);
			wal_cksum(h->be, f + SEGMENT_FRAME_HDRLEN, h->page_size, ck);
			if (ck[0] != segment_get32(f + 16) || ck[1] != segment_get32(f + 20))
				goto done;
			if (fn != NULL && fn(arg, f, n, cause) == -1) {
				rc = -1;
				goto done;
			}
			*end = n;
			if (segment_get32(f + 4) != 0)
				*last = n;
		}
		if (got < chunk_frames)
			break;
	}
done:
	free(chunk);
	return (rc);
}
